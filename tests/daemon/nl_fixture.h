/* nl_fixture.h - a stand-in for the kernel's end of a netlink socket: one
 * end of a socketpair is given to rg_nl_open_fd(), the test holds the
 * other, reads back what was sent and writes hand-made answers.
 *
 * rg_nl numbers its messages from 1, so a test knows the sequence number
 * each request will carry and can queue the answers before the call that
 * waits for them.
 */
#ifndef RG_TEST_NL_FIXTURE_H
#define RG_TEST_NL_FIXTURE_H

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

/* Helpers are static here; each test uses some of them. */
#define NLFX_API static __attribute__((unused))

#define PORTID 4242
#define FAMILY 0x1d		/* the genl id the fake controller hands out */
#define MSGBUF_SIZE 8192

struct fake {
	int peer;		/* the "kernel" end */
	int fd;			/* rg_nl's end */
	struct rg_nl *nl;
};

union msgbuf {
	struct nlmsghdr align;
	char buf[MSGBUF_SIZE];
};

NLFX_API bool fake_open(struct fake *f)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	f->fd = sv[0];
	f->peer = sv[1];
	return rg_nl_open_fd(sv[0], PORTID, &f->nl) == 0;
}

NLFX_API void fake_close(struct fake *f)
{
	rg_nl_close(f->nl);
	close(f->peer);
}

/* An answer from the kernel to port PORTID. */
NLFX_API struct nlmsghdr *reply_start(union msgbuf *m, uint16_t type, uint16_t flags,
				      uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = PORTID;
	return nlh;
}

NLFX_API struct nlmsghdr *genl_reply(union msgbuf *m, uint16_t type, uint8_t cmd, uint32_t seq)
{
	struct nlmsghdr *nlh = reply_start(m, type, 0, seq);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

NLFX_API void send_msg(struct fake *f, const struct nlmsghdr *nlh)
{
	send(f->peer, nlh, nlh->nlmsg_len, 0);
}

/* An ack (@err 0) or error for request @seq, capped, with @text as the
 * extended ack message when not NULL. */
NLFX_API void queue_ack(struct fake *f, uint32_t seq, int err, const char *text)
{
	union msgbuf m;
	struct nlmsghdr *nlh = reply_start(&m, NLMSG_ERROR, NLM_F_CAPPED, seq);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = err;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	e->msg.nlmsg_seq = seq;
	if (text) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	}
	send_msg(f, nlh);
}

/* The next request rg_nl sent into @m: its length, or 0 when none. */
NLFX_API ssize_t read_request(struct fake *f, union msgbuf *m)
{
	ssize_t n = recv(f->peer, m->buf, sizeof(m->buf), MSG_DONTWAIT);

	return n < 0 ? 0 : n;
}

#endif
