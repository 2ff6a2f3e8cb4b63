/* test_netlink.c - one netlink conversation (daemon/netlink.c) against a
 * hand-played kernel on a socketpair: which answers end it, which are
 * skipped, which are refused as malformed.
 */
/* needs: netlink */
#include <errno.h>
#include <sys/time.h>

#include "netlink.h"
#include "nl_fixture.h"
#include "test.h"

#define TYPE 0x20

/* A request of @n messages with sequence numbers from rg_nl, each asking
 * for an ack when @ack, or one dump request when @dump. */
static size_t request(struct rg_nl *nl, union msgbuf *m, unsigned n, bool ack, bool dump)
{
	size_t len = 0;
	struct nlmsghdr *nlh;
	unsigned i;

	for (i = 0; i < n; i++) {
		nlh = mnl_nlmsg_put_header(m->buf + len);
		nlh->nlmsg_type = TYPE;
		nlh->nlmsg_flags = NLM_F_REQUEST | (ack ? NLM_F_ACK : 0) | (dump ? NLM_F_DUMP : 0);
		nlh->nlmsg_seq = rg_nl_seq_next(nl);
		mnl_attr_put_u32(nlh, 1, i);
		len += nlh->nlmsg_len;
	}
	return len;
}

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	unsigned *n = arg;

	(*n)++;
	return nlh->nlmsg_type == TYPE + 1 ? -ENOTSUP : 0;
}

static void an_ack_ends_a_request_and_data_before_it_reaches_the_callback(void)
{
	struct fake f;
	union msgbuf req, m;
	unsigned seen = 0;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 1, true, false);
	send_msg(&f, reply_start(&m, TYPE, 0, 1));
	queue_ack(&f, 1, 0, NULL);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, count_cb, &seen), 0);
	CHECK_INT(seen, 1);
	CHECK_INT(read_request(&f, &m), len);
	CHECK(memcmp(m.buf, req.buf, len) == 0);
	CHECK_STR(rg_nl_error(f.nl), "");
	fake_close(&f);
}

static void a_batch_ends_once_every_message_asking_for_an_ack_has_one(void)
{
	struct fake f;
	union msgbuf req, m;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 3, true, false);
	queue_ack(&f, 1, 0, NULL);
	queue_ack(&f, 2, 0, NULL);
	queue_ack(&f, 3, 0, NULL);
	queue_ack(&f, 4, -EIO, NULL);	/* for the next request */
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), 0);
	len = request(f.nl, &req, 1, true, false);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EIO);
	CHECK_INT(read_request(&f, &m), 3 * req.align.nlmsg_len);
	fake_close(&f);
}

static void the_first_error_of_a_batch_ends_it_and_late_answers_are_skipped(void)
{
	struct fake f;
	union msgbuf req;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 3, true, false);
	queue_ack(&f, 1, 0, NULL);
	queue_ack(&f, 2, -EPERM, NULL);
	queue_ack(&f, 3, -ENOENT, NULL);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EPERM);
	len = request(f.nl, &req, 1, true, false);
	queue_ack(&f, 4, 0, NULL);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), 0);
	fake_close(&f);
}

static void answers_for_another_sequence_number_or_port_id_are_skipped(void)
{
	struct fake f;
	union msgbuf req, m;
	struct nlmsghdr *nlh;
	unsigned seen = 0;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 1, true, false);
	send_msg(&f, reply_start(&m, TYPE, 0, 7));	/* another request's */
	queue_ack(&f, 0, -EIO, NULL);
	nlh = reply_start(&m, NLMSG_ERROR, NLM_F_CAPPED, 1);
	nlh->nlmsg_pid = PORTID + 1;			/* another socket's */
	((struct nlmsgerr *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct nlmsgerr)))->error = -EIO;
	send_msg(&f, nlh);
	queue_ack(&f, 1, 0, NULL);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, count_cb, &seen), 0);
	CHECK_INT(seen, 0);
	fake_close(&f);
}

static void malformed_answers_are_refused(void)
{
	struct fake f;
	union msgbuf req, m;
	struct nlmsghdr *nlh;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 1, true, false);
	nlh = reply_start(&m, TYPE, 0, 1);
	mnl_attr_put_u64(nlh, 1, 1);
	send(f.peer, m.buf, nlh->nlmsg_len - 4, 0);	/* runs past the datagram */
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EBADMSG);
	len = request(f.nl, &req, 1, true, false);
	send(f.peer, m.buf, 10, 0);			/* shorter than a header */
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EBADMSG);
	len = request(f.nl, &req, 1, true, false);
	send_msg(&f, reply_start(&m, NLMSG_ERROR, NLM_F_CAPPED, 3));	/* no nlmsgerr */
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EBADMSG);
	len = request(f.nl, &req, 1, true, false);
	queue_ack(&f, 4, -70000, NULL);			/* not an errno */
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EBADMSG);
	len = request(f.nl, &req, 1, true, false);
	queue_ack(&f, 5, 3, NULL);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EBADMSG);
	fake_close(&f);
}

static void a_dump_ends_at_done_and_an_error_in_done_is_returned(void)
{
	struct fake f;
	union msgbuf req, m;
	struct nlmsghdr *nlh;
	unsigned seen = 0;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 1, false, true);
	send_msg(&f, reply_start(&m, TYPE, NLM_F_MULTI, 1));
	send_msg(&f, reply_start(&m, TYPE, NLM_F_MULTI, 1));
	nlh = reply_start(&m, NLMSG_DONE, NLM_F_MULTI, 1);
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	send_msg(&f, nlh);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, count_cb, &seen), 0);
	CHECK_INT(seen, 2);
	len = request(f.nl, &req, 1, false, true);
	nlh = reply_start(&m, NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, 2);
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = -EMSGSIZE;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump too big");
	send_msg(&f, nlh);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, count_cb, &seen), -EMSGSIZE);
	CHECK_STR(rg_nl_error(f.nl), "dump too big");
	fake_close(&f);
}

static void a_callback_error_is_returned_after_the_ack(void)
{
	struct fake f;
	union msgbuf req, m;
	unsigned seen = 0;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 1, true, false);
	send_msg(&f, reply_start(&m, TYPE + 1, 0, 1));
	send_msg(&f, reply_start(&m, TYPE + 1, 0, 1));
	queue_ack(&f, 1, 0, NULL);
	queue_ack(&f, 2, 0, NULL);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, count_cb, &seen), -ENOTSUP);
	CHECK_INT(seen, 1);
	/* the ack was read: the next request gets its own */
	len = request(f.nl, &req, 1, true, false);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), 0);
	fake_close(&f);
}

static void extended_ack_text_is_found_and_kept_printable(void)
{
	struct fake f;
	union msgbuf req, m;
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 1, true, false);
	queue_ack(&f, 1, -EINVAL, "bad\x1b[31m table");
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EINVAL);
	CHECK_STR(rg_nl_error(f.nl), "bad?[31m table");
	/* uncapped: the request is echoed between the error and the text */
	len = request(f.nl, &req, 1, true, false);
	nlh = reply_start(&m, NLMSG_ERROR, NLM_F_ACK_TLVS, 2);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) - sizeof(e->msg) + req.align.nlmsg_len);
	e->error = -EEXIST;
	memcpy(&e->msg, req.buf, req.align.nlmsg_len);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "table exists");
	send_msg(&f, nlh);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EEXIST);
	CHECK_STR(rg_nl_error(f.nl), "table exists");
	/* an echo claiming more than the message holds: no text, same error */
	len = request(f.nl, &req, 1, true, false);
	nlh = reply_start(&m, NLMSG_ERROR, NLM_F_ACK_TLVS, 3);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EEXIST;
	e->msg.nlmsg_len = 5000;
	send_msg(&f, nlh);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -EEXIST);
	CHECK_STR(rg_nl_error(f.nl), "");
	fake_close(&f);
}

static void silence_gives_etimedout(void)
{
	struct fake f;
	union msgbuf req;
	struct timeval tv = { .tv_usec = 50000 };
	size_t len;

	CHECK(fake_open(&f));
	setsockopt(f.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	len = request(f.nl, &req, 1, true, false);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len, NULL, NULL), -ETIMEDOUT);
	fake_close(&f);
}

static void a_malformed_request_is_not_sent(void)
{
	struct fake f;
	union msgbuf req, m;
	size_t len;

	CHECK(fake_open(&f));
	len = request(f.nl, &req, 1, true, false);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, len - 1, NULL, NULL), -EINVAL);
	CHECK_INT(rg_nl_talk(f.nl, req.buf, 0, NULL, NULL), -EINVAL);
	CHECK_INT(read_request(&f, &m), 0);
	fake_close(&f);
}

static const struct test_case cases[] = {
	{ "an ack ends a request, and data before it reaches the callback",
	  an_ack_ends_a_request_and_data_before_it_reaches_the_callback },
	{ "a batch ends once every message asking for an ack has one",
	  a_batch_ends_once_every_message_asking_for_an_ack_has_one },
	{ "the first error of a batch ends it, and its late answers are skipped later",
	  the_first_error_of_a_batch_ends_it_and_late_answers_are_skipped },
	{ "answers for another sequence number or port id are skipped",
	  answers_for_another_sequence_number_or_port_id_are_skipped },
	{ "truncated messages, short errors and impossible errnos are refused as malformed",
	  malformed_answers_are_refused },
	{ "a dump ends at NLMSG_DONE, and an error in NLMSG_DONE is returned",
	  a_dump_ends_at_done_and_an_error_in_done_is_returned },
	{ "a callback error is returned once the ack is read",
	  a_callback_error_is_returned_after_the_ack },
	{ "the extended ack text is found, capped or not, and kept printable",
	  extended_ack_text_is_found_and_kept_printable },
	{ "no answer within the timeout gives -ETIMEDOUT",
	  silence_gives_etimedout },
	{ "a malformed request is refused unsent",
	  a_malformed_request_is_not_sent },
};

TEST_MAIN(cases)
