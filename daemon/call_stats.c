/* call_stats.c - see call_stats.h. */
#include "call_stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static void add_endpoint(struct rg_arena *a, struct bencode_item *dict,
			 const char *key, const struct sockaddr_storage *ss)
{
	char text[INET6_ADDRSTRLEN] = "";
	struct bencode_item *ep;
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
		port = ntohs(sin6->sin6_port);
	} else {
		return;	/* not known yet */
	}
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

static void add_stream(struct rg_arena *a, struct bencode_item *streams,
		       const struct rg_media *m, const struct rg_stream *st,
		       bool rtcp, struct totals *t)
{
	struct bencode_item *d = bencode_dict_new(a), *flags;

	if (bencode_list_add(streams, d))
		return;
	bencode_dict_add_int(a, d, "local port", st->local_port);
	bencode_dict_add_str(a, d, "local address", m->ml->iface->local_str);
	bencode_dict_add_str(a, d, "advertised address", m->ml->iface->advertised);
	add_endpoint(a, d, "endpoint", &st->peer);
	add_endpoint(a, d, "advertised endpoint", &st->peer);
	flags = bencode_dict_add_list(a, d, "flags");
	if (flags)
		bencode_list_add(flags, bencode_str_new(a, rtcp ? "RTCP" : "RTP"));
	add_counters(a, bencode_dict_add_dict(a, d, "stats"), st->packets, st->bytes, st->errors);
	bencode_dict_add_int(a, d, "last packet", st->last_packet_us / 1000000);
	t->packets[rtcp] += st->packets;
	t->bytes[rtcp] += st->bytes;
	t->errors[rtcp] += st->errors;
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
	streams = bencode_dict_add_list(a, d, "streams");
	if (!streams || !m->has_ports)
		return;
	add_stream(a, streams, m, &m->rtp, false, t);
	add_stream(a, streams, m, &m->rtcp, true, t);
}

static void add_tag(struct rg_arena *a, struct bencode_item *tags,
		    const struct rg_monologue *ml, struct totals *t)
{
	struct bencode_item *d = bencode_dict_add_dict(a, tags, ml->tag ? ml->tag : "");
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
	struct bencode_item *tags, *totals;
	struct totals t;

	memset(&t, 0, sizeof(t));
	guint i;

	bencode_dict_add_int(a, dict, "created", call->created_us / 1000000);
	bencode_dict_add_int(a, dict, "created_us", call->created_us % 1000000);
	bencode_dict_add_int(a, dict, "last signal", call->last_signal_us / 1000000);
	tags = bencode_dict_add_dict(a, dict, "tags");
	for (i = 0; tags && i < call->monologues->len; i++)
		add_tag(a, tags, call->monologues->pdata[i], &t);
	totals = bencode_dict_add_dict(a, dict, "totals");
	if (!totals)
		return -ENOMEM;
	add_counters(a, bencode_dict_add_dict(a, totals, "RTP"), t.packets[0], t.bytes[0], t.errors[0]);
	add_counters(a, bencode_dict_add_dict(a, totals, "RTCP"), t.packets[1], t.bytes[1], t.errors[1]);
	return 0;
}
