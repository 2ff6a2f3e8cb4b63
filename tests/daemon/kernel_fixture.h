/* kernel_fixture.h - the xt_RTPGATE client's tests (test_kernel.c,
 * test_kernel_srtp.c) against a fake "rtpgate" family on nl_fixture.h's
 * socketpair: answering the family lookup and the handshake, reading a
 * request's attributes back, and the addresses and target they use.
 */
#ifndef RG_TEST_KERNEL_FIXTURE_H
#define RG_TEST_KERNEL_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "kernel.h"
#include "nl_fixture.h"

NLFX_API void queue_family(struct fake *f, uint32_t seq)
{
	union msgbuf m;
	struct nlmsghdr *nlh = genl_reply(&m, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, seq);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RTPG_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAMILY);
	send_msg(f, nlh);
	queue_ack(f, seq, 0, NULL);
}

NLFX_API void queue_hello(struct fake *f, uint32_t seq, uint32_t version)
{
	union msgbuf m;
	struct nlmsghdr *nlh = genl_reply(&m, FAMILY, RTPG_CMD_HELLO, seq);

	mnl_attr_put_u32(nlh, RTPG_A_ABI_VERSION, version);
	send_msg(f, nlh);
}

NLFX_API int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= RTPG_A_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

/* Reads a request of our family into @m: its command, and its attributes
 * (pointing into @m) into @tb; -1 when there is none. */
NLFX_API int read_genl(struct fake *f, union msgbuf *m, const struct nlattr **tb, uint32_t *seq)
{
	ssize_t n = read_request(f, m);

	memset(tb, 0, sizeof(*tb) * (RTPG_A_MAX + 1));
	if (n < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN) || m->align.nlmsg_len != n)
		return -1;
	if (seq)
		*seq = m->align.nlmsg_seq;
	mnl_attr_parse(&m->align, GENL_HDRLEN, attr_cb, tb);
	return ((const struct genlmsghdr *)mnl_nlmsg_get_payload(&m->align))->cmd;
}

/* Opens @f, then answers the family lookup (sequence 1) and the handshake
 * (2): with ABI version @version when not negative, then with @err and the
 * extended ack @text. Returns what rg_kernel_open() for @table gave. */
NLFX_API int handshake(struct fake *f, unsigned table, long version, int err,
		     const char *text, struct rg_kernel **k)
{
	if (!fake_open(f))
		return -EBADF;
	queue_family(f, 1);
	if (version >= 0)
		queue_hello(f, 2, (uint32_t)version);
	queue_ack(f, 2, err, text);
	return rg_kernel_open(f->nl, table, k);
}

/* A kernel connection for @table over @f after a good handshake, whose
 * requests are read; the next request is sequence 3. */
NLFX_API struct rg_kernel *open_fake(struct fake *f, unsigned table)
{
	struct rg_kernel *k = NULL;
	union msgbuf m;

	if (handshake(f, table, RTPG_ABI_VERSION, 0, NULL, &k)) {
		fake_close(f);
		return NULL;
	}
	while (read_request(f, &m))
		;
	return k;
}

NLFX_API struct sockaddr_storage v4(const char *addr, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &sin->sin_addr);
	return ss;
}

NLFX_API struct sockaddr_storage v6(const char *addr, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, addr, &sin6->sin6_addr);
	return ss;
}

NLFX_API struct rg_kernel_target target_v4(void)
{
	struct rg_kernel_target t = {
		.local = v4("10.0.0.1", 30000),
		.expect = v4("192.0.2.7", 4000),
		.source_mode = RTPG_SOURCE_DROP,
		.src = v4("10.0.1.1", 30002),
		.dst = v4("198.51.100.9", 5004),
		.tos = 0xb8,
		.flags = RTPG_F_RTP | RTPG_F_PT_FILTER,
	};

	t.pt_allow[0] = 0x01;	/* PCMU */
	t.pt_allow[12] = 0x40;	/* 102 */
	return t;
}

#endif
