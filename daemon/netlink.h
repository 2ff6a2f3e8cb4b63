/* netlink.h - one netlink conversation at a time: send a buffer of
 * requests, read every answer to them, report the first error in words.
 *
 * Shared by the xt_RTPGATE client (kernel.c, generic netlink) and the
 * nftables rules (nft_rules.c, nfnetlink batches). Replies are matched to
 * the request by sequence number and port id; anything else that arrives
 * (a late answer to an earlier, abandoned request) is skipped. Every
 * length is checked before use: a reply is kernel input, but a bug there
 * must not become one here.
 *
 * Not thread-safe: one owner (the control thread) per struct rg_nl.
 */
#ifndef RG_NETLINK_H
#define RG_NETLINK_H

#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;
struct rg_nl;

/* How long a conversation waits for the kernel's next answer. */
#define RG_NL_TIMEOUT_MS 5000

/* Opens and binds a netlink socket of @bus (NETLINK_GENERIC,
 * NETLINK_NETFILTER) with extended acks. 0 and *@out, or a negative errno.
 * The caller owns *@out (rg_nl_close). */
int rg_nl_open(int bus, struct rg_nl **out);

/* A conversation over an already open datagram socket @fd (tests: one end
 * of a socketpair), whose answers carry port id @portid. Sequence numbers
 * start at 1. Takes @fd (closed by rg_nl_close). 0 or -ENOMEM. */
int rg_nl_open_fd(int fd, uint32_t portid, struct rg_nl **out);

/* Closes the socket and frees @nl (NULL is allowed). */
void rg_nl_close(struct rg_nl *nl);

/* The sequence number for the next message built, then counts it. */
uint32_t rg_nl_seq_next(struct rg_nl *nl);

/* Called for each data message answering a conversation; returns 0 or a
 * negative errno (the conversation then reads on, but calls no more). */
typedef int (*rg_nl_cb)(const struct nlmsghdr *nlh, void *arg);

/* Sends the @len bytes of messages at @req and reads their answers, each
 * data message to @cb (may be NULL). Ends once every message flagged
 * NLM_F_ACK has been acknowledged, or a dump (NLM_F_DUMP) has sent
 * NLMSG_DONE, or at the first error. Returns 0, the first error the
 * kernel (or @cb) gave, -EBADMSG for a malformed answer, -ETIMEDOUT after
 * RG_NL_TIMEOUT_MS of silence, -ENOSPC for an answer too big to read. */
int rg_nl_talk(struct rg_nl *nl, const void *req, size_t len, rg_nl_cb cb, void *arg);

/* What went wrong in the last conversation, in words, for logs: the
 * kernel's extended ack message or one set with rg_nl_set_error(); ""
 * when nothing was said. Valid until the next conversation. */
const char *rg_nl_error(const struct rg_nl *nl);

void rg_nl_set_error(struct rg_nl *nl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
