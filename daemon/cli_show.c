/* cli_show.c - the CLI's statistics: `list totals` and `list callid`.
 *
 * `list totals` prints the tree that NG statistics replies with
 * (ng_statistics_add), so the two never disagree, plus the packets relayed,
 * which statistics does not carry.
 */
#include "cli_commands.h"

#include <netinet/in.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>

#include "addr.h"
#include "call.h"
#include "ctx.h"
#include "ng_commands.h"

#define STATS_ARENA_LIMIT (1u << 20)

/* ---- list totals ---- */

enum section { CUR, TOT };

struct total_row {
	const char *label;
	enum section in;	/* currentstatistics or totalstatistics */
	const char *key;
	const char *unit;
};

static const struct total_row rows[] = {
	{ "Uptime of rtpgate", TOT, "uptime", " seconds" },
	{ "Current sessions own", CUR, "sessionsown", "" },
	{ "Current sessions foreign", CUR, "sessionsforeign", "" },
	{ "Current sessions total", CUR, "sessionstotal", "" },
	{ "Total managed sessions", TOT, "managedsessions", "" },
	{ "Total rejected offers", TOT, "rejectedsessions", "" },
	{ "Total regular terminated sessions (delete)", TOT, "regularterminatedsessions", "" },
	{ "Total forced terminated sessions (CLI)", TOT, "forcedterminatedsessions", "" },
	{ "Total timed-out sessions (no media)", TOT, "timeoutsessions", "" },
	{ "Total silent-timeout sessions", TOT, "silenttimeoutsessions", "" },
	{ "Total final-timeout sessions", TOT, "finaltimeoutsessions", "" },
	{ "Total offer-timeout sessions", TOT, "offertimeoutsessions", "" },
	{ "Average call duration", TOT, "avgcallduration", " seconds" },
};

static int64_t int_at(const struct bencode_item *dict, const char *key)
{
	const struct bencode_item *v = bencode_dict_get(dict, key);

	return v && v->type == BENCODE_INTEGER ? v->num : 0;
}

/* What was relayed, by path (ended calls and parties plus live streams),
 * from statistics' totals: the same walk of every live stream, done once. */
static void put_relayed(const struct bencode_item *tot, struct rg_buf *out)
{
	static const char *const path[2] = { "userspace", "kernel" };
	static const char *const what[3][2] = {
		{ "Packets relayed", "relayedpackets" },
		{ "Bytes relayed", "relayedbytes" },
		{ "Errors", "relayedpacketerrors" },
	};
	char label[64], key[48];
	int k, w;

	for (k = 0; k < 2; k++)
		for (w = 0; w < 3; w++) {
			snprintf(label, sizeof(label), "%s (%s)", what[w][0], path[k]);
			snprintf(key, sizeof(key), "%s_%s", what[w][1], path[k]);
			cli_put_field(out, label, "%" PRId64, int_at(tot, key));
		}
}

/* Every integer of @dict as "@prefix (key)"; nested dicts are skipped. */
static void put_ints(const struct bencode_item *dict, const char *prefix, struct rg_buf *out)
{
	const struct bencode_item *k;
	char label[128];

	for (k = dict ? dict->child : NULL; k && k->next; k = k->next->next) {
		if (k->next->type != BENCODE_INTEGER)
			continue;
		snprintf(label, sizeof(label), "%s (%s)", prefix, k->str);
		cli_put_field(out, label, "%" PRId64, k->next->num);
	}
}

static void put_control(const struct bencode_item *ctl, struct rg_buf *out)
{
	const struct bencode_item *k, *c;

	put_ints(ctl, "NG datagrams", out);
	rg_buf_appendf(out, "%-14s %12s %12s %16s\n", "NG command", "count", "errors",
		       "average (us)");
	for (k = ctl ? ctl->child : NULL; k && k->next; k = k->next->next) {
		c = k->next;
		if (c->type != BENCODE_DICT)
			continue;
		rg_buf_appendf(out, "%-14s %12" PRId64 " %12" PRId64 " %16" PRId64 "\n",
			       k->str, int_at(c, "count"), int_at(c, "errors"),
			       int_at(c, "average-us"));
	}
}

void cli_list_totals(struct rg_ctx *ctx, struct rg_buf *out)
{
	struct rg_arena *a = rg_arena_create(STATS_ARENA_LIMIT);
	struct bencode_item *d = a ? bencode_dict_new(a) : NULL;
	const struct bencode_item *stats, *sec[2];
	size_t i;

	if (!d || ng_statistics_add(ctx, a, d)) {
		rg_buf_append_str(out, "error: out of memory\n");
		rg_arena_destroy(a);
		return;
	}
	stats = bencode_dict_get(d, "statistics");
	sec[CUR] = bencode_dict_get(stats, "currentstatistics");
	sec[TOT] = bencode_dict_get(stats, "totalstatistics");
	for (i = 0; i < G_N_ELEMENTS(rows); i++)
		cli_put_field(out, rows[i].label, "%" PRId64 "%s",
			      int_at(sec[rows[i].in], rows[i].key), rows[i].unit);
	put_relayed(sec[TOT], out);
	put_ints(bencode_dict_get(sec[TOT], "drops"), "Packets dropped", out);
	put_control(bencode_dict_get(stats, "controlstatistics"), out);
	rg_arena_destroy(a);
}

/* ---- list callid ---- */

/* "ADDR:PORT" ("[ADDR]:PORT" for IPv6), or "(unknown)". */
static const char *endpoint_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned port;

	if (!rg_addr_to_text(ss, addr, sizeof(addr), &port))
		snprintf(buf, size, "(unknown)");
	else if (ss->ss_family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", addr, port);
	else
		snprintf(buf, size, "%s:%u", addr, port);
	return buf;
}

static void put_ssrcs(const struct rg_stream *st, struct rg_buf *out)
{
	const struct rtp_ssrc_stats *s;
	unsigned i, pt;

	for (i = 0; i < RG_SSRC_SLOTS; i++) {
		s = &st->ssrc[i];
		if (!s->initialised)
			continue;
		rg_buf_appendf(out, "          SSRC 0x%08" PRIx32 " | packets %" PRIu64
			       " | payload bytes %" PRIu64 " | expected %" PRIu64
			       " | lost %" PRId64 " | jitter %" PRIu32 " | payload types",
			       s->ssrc, s->packets, s->bytes, rtp_ssrc_stats_expected(s),
			       rtp_ssrc_stats_lost(s), rtp_ssrc_stats_jitter(s));
		for (pt = 0; pt < 128; pt++)
			if (s->payload_types[pt / 32] & (1u << (pt % 32)))
				rg_buf_appendf(out, " %u", pt);
		rg_buf_append_char(out, '\n');
	}
}

static void put_stream(struct rg_ctx *ctx, const struct rg_media *m,
		       const struct rg_stream *st, struct rg_buf *out)
{
	const struct rg_interface *iface = m->ml->iface;
	bool learned = st->learned.ss_family != 0;
	int64_t last = atomic_load_explicit(&st->c.last_packet_us, memory_order_relaxed);
	char peer[INET6_ADDRSTRLEN + 16];

	rg_buf_appendf(out, "      %-4s %s%s%s:%u <> %s%s | path %s | crypto none | ICE none\n",
		       st->is_rtcp ? "RTCP" : "RTP", iface->family == AF_INET6 ? "[" : "",
		       iface->local_str, iface->family == AF_INET6 ? "]" : "", st->local_port,
		       endpoint_text(learned ? &st->learned : &st->peer, peer, sizeof(peer)),
		       learned ? " (learned)" : st->peer.ss_family ? " (from SDP)" : "",
		       st->in_kernel ? "kernel" : "userspace");
	rg_buf_appendf(out, "          packets %" PRIu64 " | bytes %" PRIu64 " | errors %" PRIu64,
		       rg_counter_read(&st->c.packets), rg_counter_read(&st->c.bytes),
		       rg_counter_read(&st->c.errors));
	if (last)
		rg_buf_appendf(out, " | last packet %lld s ago\n",
			       (long long)((ctx->now_us - last) / 1000000));
	else
		rg_buf_append_str(out, " | no packet yet\n");
	if (!st->is_rtcp)
		put_ssrcs(st, out);
}

static void put_media(struct rg_ctx *ctx, const struct rg_media *m, struct rg_buf *out)
{
	rg_buf_appendf(out, "    media %u | ", m->index);
	cli_put_text(out, m->type ? m->type : "?", 32);
	rg_buf_append_char(out, ' ');
	cli_put_text(out, m->protocol ? m->protocol : "?", 32);
	rg_buf_appendf(out, " | rtcp-mux %s | %s%s\n", m->mux ? "yes" : "no",
		       m->hold ? "on hold" : "sending", m->rejected ? " | rejected" : "");
	if (!m->has_ports)
		return;
	put_stream(ctx, m, &m->rtp, out);
	put_stream(ctx, m, &m->rtcp, out);
}

static void put_tag(struct rg_buf *out, const struct rg_monologue *ml)
{
	if (!ml->tag) {
		rg_buf_append_str(out, "(no tag yet)");
		return;
	}
	rg_buf_append_char(out, '\'');
	cli_put_text(out, ml->tag, 0);
	rg_buf_append_char(out, '\'');
}

static void put_party(struct rg_ctx *ctx, const struct rg_monologue *ml, struct rg_buf *out)
{
	guint i;

	rg_buf_append_str(out, "  tag ");
	put_tag(out, ml);
	if (ml->label) {
		rg_buf_append_str(out, " | label '");
		cli_put_text(out, ml->label, 0);
		rg_buf_append_char(out, '\'');
	}
	if (ml->peer) {
		rg_buf_append_str(out, " | in dialogue with ");
		put_tag(out, ml->peer);
	}
	rg_buf_appendf(out, " | interface %s | created %lld\n", ml->iface->name,
		       (long long)(ml->created_us / 1000000));
	for (i = 0; i < ml->medias->len; i++)
		if (ml->medias->pdata[i])
			put_media(ctx, ml->medias->pdata[i], out);
}

void cli_list_call(struct rg_ctx *ctx, const char *id, struct rg_buf *out)
{
	struct rg_call *call = rg_call_lookup(ctx->calls, id);
	guint i;

	if (!call) {
		cli_put_error(out, "no call with call-id", id);
		return;
	}
	rg_buf_append_str(out, "callid ");
	cli_put_text(out, call->id, 0);
	rg_buf_appendf(out, " | created %lld (%lld s ago) | last signal %lld | %s\n",
		       (long long)(call->created_us / 1000000),
		       (long long)((ctx->now_us - call->created_us) / 1000000),
		       (long long)(call->last_signal_us / 1000000),
		       call->answered_us ? "answered" : "not answered");
	rg_call_pause(call);	/* learned addresses and SSRC stats are the worker's */
	for (i = 0; i < call->monologues->len; i++)
		put_party(ctx, call->monologues->pdata[i], out);
	rg_call_resume(call);
}
