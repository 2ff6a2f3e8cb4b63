/* call_stats.c - see call_stats.h. */
#include "call_stats.h"

#include <netinet/in.h>
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "call_crypto.h"
#include "ice.h"

static void add_endpoint(struct rg_arena *a, struct bencode_item *dict,
			 const char *key, const struct sockaddr_storage *ss)
{
	char text[INET6_ADDRSTRLEN];
	struct bencode_item *ep;
	unsigned port;

	if (!rg_addr_to_text(ss, text, sizeof(text), &port))
		return;	/* not known yet */
	ep = bencode_dict_add_dict(a, dict, key);
	if (!ep)
		return;
	bencode_dict_add_str(a, ep, "family", ss->ss_family == AF_INET ? "IPv4" : "IPv6");
	bencode_dict_add_str(a, ep, "address", text);
	bencode_dict_add_int(a, ep, "port", port);
}

static void add_counters(struct rg_arena *a, struct bencode_item *dict,
			 uint64_t packets, uint64_t bytes, uint64_t errors)
{
	if (!dict)
		return;
	bencode_dict_add_int(a, dict, "packets", (int64_t)packets);
	bencode_dict_add_int(a, dict, "bytes", (int64_t)bytes);
	bencode_dict_add_int(a, dict, "errors", (int64_t)errors);
}

struct totals {
	uint64_t packets[2], bytes[2], errors[2];	/* [0] RTP, [1] RTCP */
};

/* Per-SSRC receive statistics: the call is paused while this runs, so the
 * worker is not updating them. */
static void add_ssrcs(struct rg_arena *a, struct bencode_item *stream,
		      const struct rg_stream *st)
{
	struct bencode_item *list = bencode_dict_add_list(a, stream, "SSRC");
	struct bencode_item *d, *pts;
	const struct rtp_ssrc_stats *s;
	unsigned i, pt;

	for (i = 0; list && i < RG_SSRC_SLOTS; i++) {
		s = &st->ssrc[i];
		if (!s->initialised)
			continue;
		d = bencode_dict_new(a);
		if (bencode_list_add(list, d))
			return;
		bencode_dict_add_int(a, d, "SSRC", s->ssrc);
		bencode_dict_add_int(a, d, "packets", (int64_t)s->packets);
		bencode_dict_add_int(a, d, "payload bytes", (int64_t)s->bytes);
		bencode_dict_add_int(a, d, "expected", (int64_t)rtp_ssrc_stats_expected(s));
		bencode_dict_add_int(a, d, "lost", rtp_ssrc_stats_lost(s));
		bencode_dict_add_int(a, d, "jitter", rtp_ssrc_stats_jitter(s));
		pts = bencode_dict_add_list(a, d, "payload types");
		for (pt = 0; pts && pt < 128; pt++)
			if (s->payload_types[pt / 32] & (1u << (pt % 32)))
				bencode_list_add(pts, bencode_int_new(a, pt));
	}
}

static void add_stream(struct rg_arena *a, struct bencode_item *streams,
		       const struct rg_media *m, const struct rg_stream *st,
		       bool rtcp, struct totals *t)
{
	uint64_t packets = rg_stream_packets(st);
	uint64_t bytes = rg_stream_bytes(st);
	uint64_t errors = rg_stream_errors(st);
	int64_t last = rg_stream_last_packet_us(st);
	struct bencode_item *d = bencode_dict_new(a), *flags;

	t->packets[rtcp] += packets;
	t->bytes[rtcp] += bytes;
	t->errors[rtcp] += errors;
	if (bencode_list_add(streams, d))
		return;
	bencode_dict_add_int(a, d, "local port", st->local_port);
	bencode_dict_add_str(a, d, "local address", m->ml->iface->local_str);
	bencode_dict_add_str(a, d, "advertised address", m->ml->iface->advertised);
	/* endpoint: where media for this party goes (learned, else signalled) */
	add_endpoint(a, d, "endpoint", st->learned.ss_family ? &st->learned : &st->peer);
	add_endpoint(a, d, "advertised endpoint", &st->peer);
	flags = bencode_dict_add_list(a, d, "flags");
	if (flags)
		bencode_list_add(flags, bencode_str_new(a, rtcp ? "RTCP" : "RTP"));
	bencode_dict_add_str(a, d, "path", st->in_kernel ? "kernel" : "userspace");
	add_counters(a, bencode_dict_add_dict(a, d, "stats"), packets, bytes, errors);
	/* the kernel's share of those (forwarded by xt_RTPGATE) */
	add_counters(a, bencode_dict_add_dict(a, d, "kernel"),
		     st->k_done.packets + st->k_live.packets,
		     st->k_done.bytes + st->k_live.bytes,
		     st->k_done.errors + st->k_live.errors);
	bencode_dict_add_int(a, d, "last packet", last / 1000000);
	if (!rtcp)
		add_ssrcs(a, d, st);
}

/* ICE and DTLS towards this party: the flags rtpengine users know, and
 * what came of them (counters and the outcome are safe to read while the
 * worker runs). */
static void add_webrtc(struct rg_arena *a, struct bencode_item *d,
		       struct bencode_item *flags, const struct rg_media *m)
{
	static const char *const outcome[] = {
		[RG_DTLS_HANDSHAKING] = "handshaking", [RG_DTLS_DONE] = "established",
		[RG_DTLS_CLOSED] = "closed", [RG_DTLS_FAILED] = "failed",
	};
	const struct rg_media_crypto *c = m->crypto;
	struct bencode_item *ice;
	int o;

	if (flags && c && c->dtls)
		bencode_list_add(flags, bencode_str_new(a, "DTLS"));
	if (flags && c && !c->dtls && (c->n_offered || c->n_remote))
		bencode_list_add(flags, bencode_str_new(a, "SDES"));
	if (c && c->dtls) {
		o = atomic_load_explicit(&c->outcome, memory_order_relaxed);
		bencode_dict_add_str(a, d, "DTLS", o >= 0 && o <= RG_DTLS_FAILED ? outcome[o] : "");
	}
	if (!m->ice)
		return;
	if (flags)
		bencode_list_add(flags, bencode_str_new(a, "ICE"));
	ice = bencode_dict_add_dict(a, d, "ICE");
	if (!ice)
		return;
	bencode_dict_add_str(a, ice, "role", !rg_ice_is_full(m->ice) ? "lite" :
			     rg_ice_controlling(m->ice) ? "controlling" : "controlled");
	bencode_dict_add_int(a, ice, "checks sent ok",
			     (int64_t)rg_ice_count(m->ice, RG_ICE_EV_CHECK_SUCCEEDED));
	bencode_dict_add_int(a, ice, "checks sent failed",
			     (int64_t)rg_ice_count(m->ice, RG_ICE_EV_CHECK_FAILED));
	bencode_dict_add_int(a, ice, "checks answered",
			     (int64_t)rg_ice_count(m->ice, RG_ICE_EV_SUCCESS));
	bencode_dict_add_int(a, ice, "nominations",
			     (int64_t)rg_ice_count(m->ice, RG_ICE_EV_NOMINATED));
	bencode_dict_add_int(a, ice, "checks refused",
			     (int64_t)(rg_ice_count(m->ice, RG_ICE_EV_UNAUTHENTICATED) +
				       rg_ice_count(m->ice, RG_ICE_EV_BAD_REQUEST) +
				       rg_ice_count(m->ice, RG_ICE_EV_ROLE_CONFLICT) +
				       rg_ice_count(m->ice, RG_ICE_EV_UNKNOWN_ATTR)));
}

static void add_media(struct rg_arena *a, struct bencode_item *medias,
		      const struct rg_media *m, struct totals *t)
{
	struct bencode_item *d = bencode_dict_new(a), *streams, *flags;

	if (bencode_list_add(medias, d))
		return;
	bencode_dict_add_int(a, d, "index", m->index);
	bencode_dict_add_str(a, d, "type", m->type ? m->type : "");
	bencode_dict_add_str(a, d, "protocol", m->protocol ? m->protocol : "");
	flags = bencode_dict_add_list(a, d, "flags");
	if (flags && m->rejected)
		bencode_list_add(flags, bencode_str_new(a, "rejected"));
	add_webrtc(a, d, flags, m);
	streams = bencode_dict_add_list(a, d, "streams");
	if (!streams || !m->has_ports)
		return;
	add_stream(a, streams, m, &m->rtp, false, t);
	add_stream(a, streams, m, &m->rtcp, true, t);
}

/* @untagged: how many parties without a tag came before this one; the
 * first is listed under "", the others under "(unanswered N)" so that the
 * dict's keys stay unique. */
static void add_tag(struct rg_arena *a, struct bencode_item *tags,
		    const struct rg_monologue *ml, unsigned untagged, struct totals *t)
{
	const char *key = ml->tag ? ml->tag : untagged ?
		rg_arena_printf(a, "(unanswered %u)", untagged + 1) : "";
	struct bencode_item *d = key ? bencode_dict_add_dict(a, tags, key) : NULL;
	struct bencode_item *medias;
	guint i;

	if (!d)
		return;
	bencode_dict_add_str(a, d, "tag", ml->tag ? ml->tag : "");
	if (ml->label)
		bencode_dict_add_str(a, d, "label", ml->label);
	bencode_dict_add_int(a, d, "created", ml->created_us / 1000000);
	if (ml->peer)
		bencode_dict_add_str(a, d, "in dialogue with", ml->peer->tag ? ml->peer->tag : "");
	bencode_dict_add_str(a, d, "interface", ml->iface->name);
	medias = bencode_dict_add_list(a, d, "medias");
	for (i = 0; medias && i < ml->medias->len; i++)
		if (ml->medias->pdata[i])
			add_media(a, medias, ml->medias->pdata[i], t);
}

int rg_call_stats_add(struct rg_arena *a, struct bencode_item *dict,
		      const struct rg_call *call)
{
	const struct rg_monologue *ml;
	struct bencode_item *tags, *totals;
	unsigned untagged = 0;
	struct totals t;
	guint i;

	memset(&t, 0, sizeof(t));
	bencode_dict_add_int(a, dict, "created", call->created_us / 1000000);
	bencode_dict_add_int(a, dict, "created_us", call->created_us % 1000000);
	bencode_dict_add_int(a, dict, "last signal", call->last_signal_us / 1000000);
	tags = bencode_dict_add_dict(a, dict, "tags");
	for (i = 0; tags && i < call->monologues->len; i++) {
		ml = call->monologues->pdata[i];
		add_tag(a, tags, ml, untagged, &t);
		untagged += !ml->tag;
	}
	totals = bencode_dict_add_dict(a, dict, "totals");
	if (!totals)
		return -ENOMEM;
	add_counters(a, bencode_dict_add_dict(a, totals, "RTP"), t.packets[0], t.bytes[0], t.errors[0]);
	add_counters(a, bencode_dict_add_dict(a, totals, "RTCP"), t.packets[1], t.bytes[1], t.errors[1]);
	return 0;
}
