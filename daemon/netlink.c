/* netlink.c - see netlink.h. */
#include "netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The kernel fills a dump datagram up to what the reader offered, capped
 * at 32 KiB; twice that leaves room for any ack. */
#define NL_RECV_SIZE 65536
#define NL_ERRNO_MAX 4095

struct rg_nl {
	struct mnl_socket *sock;	/* NULL: a socket given by fd */
	int fd;
	uint32_t portid;
	uint32_t seq;
	char error[256];
	union {
		struct nlmsghdr align;
		char buf[NL_RECV_SIZE];
	};
};

/* What one conversation still waits for. */
struct talk {
	uint32_t seq_first, seq_span;	/* answers carry seq_first + 0..span */
	unsigned acks;			/* NLM_F_ACK messages not yet acked */
	bool dump;			/* a dump not yet ended by NLMSG_DONE */
	int cb_err;
	rg_nl_cb cb;
	void *arg;
};

int rg_nl_open_fd(int fd, uint32_t portid, struct rg_nl **out)
{
	struct timeval tv = {
		.tv_sec = RG_NL_TIMEOUT_MS / 1000,
		.tv_usec = (RG_NL_TIMEOUT_MS % 1000) * 1000,
	};
	struct rg_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return -ENOMEM;
	nl->fd = fd;
	nl->portid = portid;
	nl->seq = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*out = nl;
	return 0;
}

int rg_nl_open(int bus, struct rg_nl **out)
{
	struct mnl_socket *sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	int one = 1, rc;

	if (!sock)
		return -errno;
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		mnl_socket_close(sock);
		return rc;
	}
	/* Hints only: without them the kernel still answers, just tersely. */
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	rc = rg_nl_open_fd(mnl_socket_get_fd(sock), mnl_socket_get_portid(sock), out);
	if (rc) {
		mnl_socket_close(sock);
		return rc;
	}
	(*out)->sock = sock;
	return 0;
}

void rg_nl_close(struct rg_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	else
		close(nl->fd);
	free(nl);
}

uint32_t rg_nl_seq_next(struct rg_nl *nl)
{
	return nl->seq++;
}

const char *rg_nl_error(const struct rg_nl *nl)
{
	return nl->error;
}

void rg_nl_set_error(struct rg_nl *nl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->error, sizeof(nl->error), fmt, ap);
	va_end(ap);
}

/* Keeps the kernel's words, but nothing a terminal or log would act on. */
static void set_error_text(struct rg_nl *nl, const char *s, size_t len)
{
	size_t i;

	if (len >= sizeof(nl->error))
		len = sizeof(nl->error) - 1;
	for (i = 0; i < len && s[i]; i++)
		nl->error[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	nl->error[i] = '\0';
}

/* Extended ack attributes start @off bytes into @nlh's payload. */
static void read_extack(struct rg_nl *nl, const struct nlmsghdr *nlh, size_t off)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	const char *payload = mnl_nlmsg_get_payload(nlh);
	const void *tlvs = payload + MNL_ALIGN(off);
	const struct nlattr *attr;

	off = MNL_ALIGN(off);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= len)
		return;
	mnl_attr_for_each_payload(tlvs, len - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			set_error_text(nl, mnl_attr_get_str(attr),
				       mnl_attr_get_payload_len(attr));
			return;
		}
	}
}

static int on_error(struct rg_nl *nl, struct talk *t, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e) ||
	    e->error > 0 || e->error < -NL_ERRNO_MAX)
		return -EBADMSG;
	if (!e->error) {
		if (t->acks)
			t->acks--;
		return 0;
	}
	/* Without NETLINK_CAP_ACK the failed request is echoed first. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return e->error;
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	read_extack(nl, nlh, off);
	return e->error;
}

static int on_done(struct rg_nl *nl, struct talk *t, const struct nlmsghdr *nlh)
{
	int err = 0;

	if (!t->dump)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err > 0 || err < -NL_ERRNO_MAX)
		return -EBADMSG;
	if (err) {
		read_extack(nl, nlh, sizeof(err));
		return err;
	}
	t->dump = false;
	return 0;
}

static int on_message(struct rg_nl *nl, struct talk *t, const struct nlmsghdr *nlh)
{
	int rc;

	if (nlh->nlmsg_pid != nl->portid || nlh->nlmsg_seq - t->seq_first > t->seq_span)
		return 0;	/* not an answer to this conversation */
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		return on_error(nl, t, nlh);
	case NLMSG_DONE:
		return on_done(nl, t, nlh);
	default:
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !t->cb || t->cb_err)
			return 0;
		rc = t->cb(nlh, t->arg);
		if (rc)
			t->cb_err = rc < 0 ? rc : -EINVAL;
		return 0;
	}
}

/* Runs the messages of one datagram of @len bytes in nl->buf. */
static int on_datagram(struct rg_nl *nl, struct talk *t, int len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->buf;
	int rc;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		rc = on_message(nl, t, nlh);
		if (rc)
			return rc;
		if (!t->acks && !t->dump)
			return 0;
	}
	/* a message running past the datagram, or bytes too few for one */
	return len > 0 ? -EBADMSG : 0;
}

static int receive(struct rg_nl *nl)
{
	struct sockaddr_nl from;
	struct iovec iov = { nl->buf, sizeof(nl->buf) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	for (;;) {
		msg.msg_namelen = sizeof(from);
		n = recvmsg(nl->fd, &msg, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
		if (msg.msg_flags & MSG_TRUNC)
			return -ENOSPC;
		/* Only the kernel (port id 0) answers; a socketpair has no name. */
		if (msg.msg_namelen >= sizeof(from) && from.nl_family == AF_NETLINK &&
		    from.nl_pid != 0)
			continue;
		return (int)n;
	}
}

/* Counts what the messages at @req will be answered with. */
static int expect(struct talk *t, const void *req, size_t len)
{
	const struct nlmsghdr *nlh = req;
	int left = (int)len;

	if (len > INT32_MAX || !mnl_nlmsg_ok(nlh, left))
		return -EINVAL;
	t->seq_first = nlh->nlmsg_seq;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		t->seq_span = nlh->nlmsg_seq - t->seq_first;
		if (nlh->nlmsg_flags & NLM_F_ACK)
			t->acks++;
		else if ((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			t->dump = true;
	}
	return left == 0 ? 0 : -EINVAL;
}

int rg_nl_talk(struct rg_nl *nl, const void *req, size_t len, rg_nl_cb cb, void *arg)
{
	struct talk t = { .cb = cb, .arg = arg };
	int n, rc;

	nl->error[0] = '\0';
	rc = expect(&t, req, len);
	if (rc)
		return rc;
	/* send(), not sendto(): a netlink socket's default peer is the kernel */
	if (send(nl->fd, req, len, 0) < 0)
		return -errno;
	while (t.acks || t.dump) {
		n = receive(nl);
		if (n < 0)
			return n;
		rc = on_datagram(nl, &t, n);
		if (rc)
			return rc;
	}
	return t.cb_err;
}
