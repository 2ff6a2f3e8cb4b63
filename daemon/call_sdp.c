/* call_sdp.c - offer and answer: find or create the parties, take their
 * ports, learn where each party's media comes from, and rewrite the SDP so
 * that the receiving party sends its media to the relay.
 *
 * In an offer the sender is the from-tag party and the receiver the party
 * it is in dialogue with (created on the first offer); in an answer the
 * sender is the to-tag party. The SDP always goes to the receiver, so it
 * shows the receiver's interface and the receiver's ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "call.h"
#include "call_crypto.h"
#include "call_ice.h"
#include "codec.h"
#include "ctx.h"
#include "log.h"
#include "offload.h"
#include "ng_commands.h"
#include "sdp.h"
#include "worker.h"

static const char *const ice_attrs[] = {
	"ice-ufrag", "ice-pwd", "ice-options", "ice-lite", "ice-mismatch",
	"candidate", "remote-candidates", "end-of-candidates",
};

static bool is_hold_address(const char *addr)
{
	return strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0;
}

static int parse_request_sdp(struct ng_request *req, struct sdp_session **sdp)
{
	const struct sdp_connection *c;
	const struct sdp_media *m;
	const char *err = NULL;
	int rc;

	rc = sdp_parse(req->arena, req->sdp, req->sdp_len, &sdp_default_limits, sdp, &err);
	if (rc)
		return ng_fail(req, "Failed to parse SDP: %s", err ? err : "malformed");
	for (m = (*sdp)->media; m; m = m->next) {
		c = sdp_media_connection(*sdp, m);
		if (m->port && !c)
			return ng_fail(req, "Failed to parse SDP: no c= line for media %u",
				       m->index + 1);
	}
	return 0;
}

/* The address family of the sender's media: from its first usable c=. */
static int sdp_family(const struct sdp_session *sdp)
{
	const struct sdp_connection *c;
	const struct sdp_media *m;

	for (m = sdp->media; m; m = m->next) {
		c = sdp_media_connection(sdp, m);
		if (m->port && c && !is_hold_address(c->address))
			return strcmp(c->addrtype, "IP6") == 0 ? AF_INET6 : AF_INET;
	}
	return AF_INET;
}

static struct rg_interface *pick_iface(struct rg_ctx *ctx, struct ng_request *req,
				       const char *name, int family)
{
	struct rg_interface *def = ctx->interfaces->pdata[0];
	struct rg_interface *iface;

	if (!name)
		name = def->name;
	iface = rg_interface_find(ctx->interfaces, name, family);
	if (iface)
		return iface;
	if (!rg_interface_find(ctx->interfaces, name, AF_UNSPEC))
		ng_fail(req, "Unknown interface '%s'", name);
	else
		ng_fail(req, "No %s interface named '%s'",
			family == AF_INET6 ? "IPv6" : "IPv4", name);
	return NULL;
}

/* @ss for media at @addr:@port; family 0 (unknown) for none or hold. */
static void set_endpoint(struct sockaddr_storage *ss, const char *addr, unsigned port)
{
	memset(ss, 0, sizeof(*ss));
	if (addr && port && port <= 65535 && !is_hold_address(addr))
		rg_addr_from_text(ss, addr, port);
}

/* Where the sender's media of @m comes from, per trust-address (the SDP),
 * SIP-source-address (received-from) or media-address. */
static void learn_peer(struct ng_request *req, const struct sdp_session *sdp,
		       const struct sdp_media *m, struct rg_media *sm)
{
	struct sockaddr_storage rtp_peer, rtcp_peer;
	bool keep = sm->ml->port_latching;
	const struct sdp_connection *c = sdp_media_connection(sdp, m);
	const char *addr = c ? c->address : NULL;
	const struct sdp_line *rtcp = sdp_attr_find(&m->lines, "rtcp", NULL);
	unsigned rtcp_port = m->port + 1;
	unsigned long p;
	char *end;

	if (req->media_address)
		addr = req->media_address;
	else if (req->trust == NG_TRUST_SIP_SOURCE && req->received_from)
		addr = req->received_from;
	if (rtcp && rtcp->attr_value) {	/* RFC 3605: a=rtcp:PORT [IN IP4 ADDR] */
		p = strtoul(rtcp->attr_value, &end, 10);
		if (end != rtcp->attr_value && p > 0 && p <= 65535)
			rtcp_port = (unsigned)p;
	}
	set_endpoint(&rtp_peer, addr, m->port);
	set_endpoint(&rtcp_peer, addr, rtcp_port);
	rg_stream_signalled(&sm->rtp, &rtp_peer, keep);
	rg_stream_signalled(&sm->rtcp, &rtcp_peer, keep);
}

/* On hold: a direction that stops this party sending or receiving, at
 * media or session level, or the old-style 0.0.0.0 (RFC 3264 8.4) --
 * except from an ICE agent, whose 0.0.0.0 only says that it has no
 * default candidate yet (RFC 8839 4.2.1.1). */
static bool media_on_hold(const struct sdp_session *sdp, const struct sdp_media *m)
{
	static const char *const dirs[] = { "sendonly", "recvonly", "inactive" };
	const struct sdp_connection *c = sdp_media_connection(sdp, m);
	size_t i;

	if (c && is_hold_address(c->address) && !rg_ice_sdp_media_has_ice(sdp, m))
		return true;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (sdp_attr_find(&m->lines, dirs[i], NULL) ||
		    (!sdp_attr_find(&m->lines, "sendrecv", NULL) &&
		     sdp_attr_find(&sdp->lines, dirs[i], NULL)))
			return true;
	return false;
}

static int set_text(char **field, const char *value)
{
	if (*field && strcmp(*field, value) == 0)
		return 0;
	g_free(*field);
	*field = g_strdup(value);
	return 0;
}

/* The clock rates of the sender's dynamic payload types, from its rtpmap
 * ("opus/48000/2"); static ones come from RFC 3551 when needed. */
static void record_clock_rates(struct rg_media *sm, const struct sdp_media *m)
{
	char enc[128], *slash, *end;
	unsigned long pt, rate;
	size_t i;

	sm->clock_count = 0;
	for (i = 0; i < m->format_count && sm->clock_count < RG_CLOCKS_MAX; i++) {
		pt = strtoul(m->formats[i], &end, 10);
		if (*end || pt < 96 || pt > 127 ||
		    !sdp_media_format_encoding(m, m->formats[i], enc, sizeof(enc)))
			continue;
		slash = strchr(enc, '/');
		rate = slash ? strtoul(slash + 1, &end, 10) : 0;
		if (!rate || rate > 1000000)
			continue;
		sm->clocks[sm->clock_count].payload_type = (uint8_t)pt;
		sm->clocks[sm->clock_count].rate = (uint32_t)rate;
		sm->clock_count++;
	}
}

/* rtcp-mux (RFC 5761 5.1.1): in an offer, whether the SDP to the receiver
 * offers mux; in an answer, which of the two parties now mux. The answerer
 * muxes if it accepted an offer of mux; the offerer as its rtcp-mux option
 * says (ng.h), by default only if the answerer muxes too. */
static void negotiate_mux(struct ng_request *req, const struct sdp_media *m,
			  struct rg_media *sm, struct rg_media *rm, bool offer)
{
	bool has = sdp_attr_find(&m->lines, "rtcp-mux", NULL) != NULL;
	enum ng_rtcp_mux p;

	if (offer) {
		sm->mux_offered = has;
		sm->mux_policy = p = req->rtcp_mux;
		sm->mux = sm->mux && has;
		rm->mux_sent = p == NG_MUX_OFFER ||
			       (has && p != NG_MUX_DEMUX && p != NG_MUX_REJECT) ||
			       (p != NG_MUX_REJECT && (req->transport == NG_TP_DTLS_SAVP ||
						       req->transport == NG_TP_DTLS_SAVPF));
		return;
	}
	sm->mux = has && sm->mux_sent;
	p = rm->mux_policy;
	/* WebRTC requires mux (RFC 8829 5.1.3): a DTLS offerer keeps it */
	if (p == NG_MUX_PASS && rm->protocol &&
	    rg_proto_crypto_kind(rm->protocol) == RG_CRYPTO_DTLS)
		p = NG_MUX_ACCEPT;
	if (p == NG_MUX_REJECT)
		rm->mux = false;
	else if (p == NG_MUX_DEMUX || p == NG_MUX_ACCEPT)
		rm->mux = rm->mux_offered;
	else
		rm->mux = rm->mux_offered && sm->mux;
}

/* The offerer's a=mid, for an answer that comes back without one. */
static void record_mid(const struct sdp_media *m, struct rg_media *sm)
{
	const struct sdp_line *l = sdp_attr_find(&m->lines, "mid", NULL);

	g_free(sm->mid);
	sm->mid = l && l->attr_value ? g_strdup(l->attr_value) : NULL;
}

/* Takes the ports of media @idx for both parties (offer) and records what
 * the sender said about it. */
static int prepare_media(struct ng_request *req, const struct sdp_session *sdp,
			 const struct sdp_media *m, struct rg_monologue *s,
			 struct rg_monologue *r, bool offer)
{
	unsigned idx = m->index + 1;
	struct rg_media *sm, *rm;

	if (offer) {
		sm = rg_media_get(s, idx);
		rm = rg_media_get(r, idx);
	} else {
		sm = rg_media_find(s, idx);
		rm = rg_media_find(r, idx);
		if (!sm || !rm)
			return ng_fail(req, "Answer has more media sections than the offer");
	}
	sm->rejected = m->port == 0;
	sm->hold = media_on_hold(sdp, m);
	negotiate_mux(req, m, sm, rm, offer);
	record_clock_rates(sm, m);
	set_text(&sm->type, m->media);
	set_text(&sm->protocol, m->proto);
	if (offer && !sm->rejected) {
		if (rg_media_take_ports(sm) || rg_media_take_ports(rm))
			return ng_fail(req, "Ran out of ports");
	}
	if (offer) {
		record_mid(m, sm);
		sm->ice_lite_asked = req->ice_lite & NG_ICE_LITE_BACKWARD;
	}
	learn_peer(req, sdp, m, sm);
	return rg_ice_sdp_from(req, sdp, m, sm);
}

/* c= towards the receiver: the relay's address, unless it says hold;
 * with @ice (the sender is an ICE agent) 0.0.0.0 is not hold. */
static void rewrite_connection(struct rg_arena *arena, struct sdp_session *sdp,
			       struct sdp_media *m, const struct rg_interface *iface,
			       bool ice)
{
	const char *type = iface->family == AF_INET6 ? "IP6" : "IP4";
	struct sdp_connection *c = m ? &m->conn : &sdp->conn;

	if (!c->present || (is_hold_address(c->address) && !ice))
		return;
	if (m)
		sdp_media_set_connection(arena, m, type, iface->advertised);
	else
		sdp_session_set_connection(arena, sdp, type, iface->advertised);
}

/* The RTP profiles rtpgate converts between: plain, SDES-SRTP and
 * DTLS-SRTP, with or without feedback (RFC 3551, 4585, 3711, 5124, 5764). */
static bool is_rtp_profile(const char *proto)
{
	return !strcmp(proto, "RTP/AVP") || !strcmp(proto, "RTP/AVPF") ||
	       rg_proto_crypto_kind(proto) != RG_CRYPTO_PLAIN;
}

static const char *transport_name(enum ng_transport t)
{
	switch (t) {
	case NG_TP_RTP_AVP: return "RTP/AVP";
	case NG_TP_RTP_AVPF: return "RTP/AVPF";
	case NG_TP_RTP_SAVP: return "RTP/SAVP";
	case NG_TP_RTP_SAVPF: return "RTP/SAVPF";
	case NG_TP_DTLS_SAVP: return "UDP/TLS/RTP/SAVP";
	case NG_TP_DTLS_SAVPF: return "UDP/TLS/RTP/SAVPF";
	default: return NULL;
	}
}

/* The protocol the receiver sees: in an offer as asked by
 * transport-protocol; in an answer always the one the receiver offered
 * (RFC 3264 6: an offer turned from AVPF into AVP, or from SRTP into RTP,
 * is answered in the offer's profile again), whatever transport-protocol
 * says -- a different one is ignored with a warning. */
static int rewrite_protocol(struct ng_request *req, struct sdp_media *m,
			    const struct rg_media *rm, bool offer)
{
	const char *want = transport_name(req->transport);
	size_t len;

	if (!offer && rm && rm->protocol && is_rtp_profile(rm->protocol) &&
	    is_rtp_profile(m->proto)) {
		if (want && strcmp(want, rm->protocol))
			ng_warn(req, "transport-protocol %s ignored: the answer keeps the offer's %s",
				want, rm->protocol);
		want = rm->protocol;
	}
	if (!want || strcmp(want, m->proto) == 0)
		return 0;
	if (!is_rtp_profile(m->proto))
		return ng_fail(req, "Unsupported option 'transport-protocol=%s': rtpgate does not convert %s",
			       want, m->proto);
	m->proto = rg_arena_strdup(req->arena, want);
	if (!m->proto)
		return ng_fail(req, "Request too large");
	len = strlen(want);
	if (want[len - 1] != 'F')	/* no feedback profile: no a=rtcp-fb */
		sdp_attr_remove(&m->lines, "rtcp-fb");
	return 0;
}

static void remove_ice(struct ng_request *req, struct sdp_lines *lines, bool *removed)
{
	size_t i;

	for (i = 0; i < sizeof(ice_attrs) / sizeof(ice_attrs[0]); i++)
		if (sdp_attr_remove(lines, ice_attrs[i]))
			*removed = true;
}

/* One offer or answer being rewritten for its receiver. */
struct rewrite {
	struct ng_request *req;
	struct sdp_session *sdp;
	struct rg_monologue *s, *r;	/* sender, receiver */
	bool offer;
	bool sender_ice;		/* the SDP as it came had ICE */
	bool ice_removed;		/* the sender's ICE attributes were taken out */
	bool ice_added;			/* rtpgate's were put in, and ... */
	bool ice_lite;			/* ... one of its agents is lite */
	const struct rg_dtls_cert *cert;
	struct rg_ice_driver *ice_driver;
};

/* a=rtcp for the receiver's media: its RTCP port, or in an answer where
 * it muxes its RTP port (RFC 5761 5.1.3). */
static int rewrite_rtcp_attr(struct ng_request *req, struct sdp_media *m,
			     const struct rg_media *rm, const struct rg_interface *iface,
			     bool offer)
{
	unsigned port = !offer && rm->mux ? rm->rtp.local_port : rm->rtcp.local_port;
	char rtcp[96];

	if (req->rtcp_attr == NG_RTCP_ATTR_NONE) {
		sdp_attr_remove(&m->lines, "rtcp");
		return 0;
	}
	if (req->rtcp_attr == NG_RTCP_ATTR_FULL)
		snprintf(rtcp, sizeof(rtcp), "%u IN %s %s", port,
			 iface->family == AF_INET6 ? "IP6" : "IP4", iface->advertised);
	else
		snprintf(rtcp, sizeof(rtcp), "%u", port);
	if (!sdp_attr_set(req->arena, &m->lines, "rtcp", rtcp))
		return ng_fail(req, "Request too large");
	return 0;
}

static int rewrite_mux(struct ng_request *req, struct sdp_media *m,
		       const struct rg_media *rm, bool offer)
{
	if (rm && (offer ? rm->mux_sent : rm->mux)) {
		if (!sdp_attr_find(&m->lines, "rtcp-mux", NULL) &&
		    !sdp_attr_append(req->arena, &m->lines, "rtcp-mux", NULL))
			return ng_fail(req, "Request too large");
	} else {
		sdp_attr_remove(&m->lines, "rtcp-mux");
	}
	return 0;
}

/* An answer to an offer that had a=mid keeps the offer's mid (RFC 5888,
 * JSEP), even when the answerer did not use it. */
static int answer_mid(struct ng_request *req, struct sdp_media *m, const struct rg_media *rm)
{
	if (!rm || !rm->mid || sdp_attr_find(&m->lines, "mid", NULL))
		return 0;
	if (!sdp_attr_append(req->arena, &m->lines, "mid", rm->mid))
		return ng_fail(req, "Request too large");
	return 0;
}

static int rewrite_media(struct rewrite *w, struct sdp_media *m)
{
	struct ng_request *req = w->req;
	struct rg_media *rm = rg_media_find(w->r, m->index + 1);
	struct rg_media *sm = rg_media_find(w->s, m->index + 1);
	const char *in_proto = m->proto;
	bool ice;
	int rc;

	rc = rewrite_protocol(req, m, rm, w->offer);
	if (!rc && m->port && sm && rm)
		rc = w->offer ? rg_crypto_offer(req, w->sdp, m, in_proto, sm, rm, w->cert) :
			        rg_crypto_answer(req, w->sdp, m, in_proto, sm, rm, w->cert);
	if (!rc)
		rc = rewrite_mux(req, m, rm, w->offer);
	if (!rc && !w->offer)
		rc = answer_mid(req, m, rm);
	if (rc)
		return rc;
	remove_ice(req, &m->lines, &w->ice_removed);
	rc = rg_codec_filter(req, m);
	if (rc)
		return rc;
	if (m->port == 0 || !rm || !rm->has_ports) {
		m->port = 0;
		return 0;
	}
	m->port = rm->rtp.local_port;
	m->num_ports = 0;	/* one relay pair per m= */
	rewrite_connection(req->arena, w->sdp, m, w->r->iface, sm && !sm->hold);
	ice = rg_ice_wanted(req, w->sender_ice, rm, w->offer);
	rc = rg_ice_sdp_to(req, m, rm, w->r->iface, ice, w->offer, w->ice_driver);
	if (rc)
		return rc;
	w->ice_added |= ice;
	w->ice_lite |= ice && rg_ice_sdp_lite(rm);
	return rewrite_rtcp_attr(req, m, rm, w->r->iface, w->offer);
}

/* Session-level attributes that belonged to the sender's transport:
 * ICE and DTLS are rtpgate's own towards the receiver (media level, and
 * a=ice-lite here); a BUNDLE group of several media is dropped, since
 * each m= gets its own relay ports (a single-media group passes). */
static int rewrite_session_attrs(struct rewrite *w)
{
	struct sdp_lines *lines = &w->sdp->lines;
	const struct sdp_line *g = sdp_attr_find(lines, "group", NULL);

	remove_ice(w->req, lines, &w->ice_removed);
	rg_sdp_remove_dtls_attrs(lines);
	if (g && g->attr_value && !strncmp(g->attr_value, "BUNDLE ", 7) &&
	    strchr(g->attr_value + 7, ' ')) {
		ng_warn(w->req, "BUNDLE group of several media dropped (%.48s): "
			"rtpgate gives each media its own ports", g->attr_value + 7);
		sdp_attr_remove(lines, "group");
	}
	if (w->ice_lite && !sdp_attr_append(w->req->arena, lines, "ice-lite", NULL))
		return ng_fail(w->req, "Request too large");
	return 0;
}

/* Writes @sdp into the reply; with replace-origin, keeps the sender's o=
 * version steady and bumps it when the SDP sent to the receiver changes. */
static int write_sdp(struct ng_request *req, struct rg_monologue *s,
		     struct sdp_session *sdp, struct bencode_item *reply)
{
	struct rg_buf out;
	bool track = req->replace_origin && sdp->origin.present;
	int rc;

	if (track && !s->origin_version_set) {
		s->origin_version = strtoull(sdp->origin.sess_version, NULL, 10);
		s->origin_version_set = true;
	}
	rg_buf_init(&out, 0);
	for (;;) {
		if (track)
			sdp->origin.sess_version = rg_arena_printf(req->arena, "%llu",
				(unsigned long long)s->origin_version);
		sdp_write(sdp, &out);
		rc = rg_buf_finish(&out);
		if (rc || !track || !s->last_sdp || strcmp(s->last_sdp, out.data) == 0)
			break;
		/* the body changed since the last SDP sent: bump, write again */
		g_free(s->last_sdp);
		s->last_sdp = NULL;
		s->origin_version++;
		out.len = 0;
	}
	if (!rc && track && !s->last_sdp)
		s->last_sdp = g_strdup(out.data);
	if (!rc && !bencode_dict_add_strn(req->arena, reply, "sdp", out.data, out.len))
		rc = -ENOMEM;
	rg_buf_free(&out);
	return rc ? ng_fail(req, "Request too large") : 0;
}

static int process_sdp(struct rg_ctx *ctx, struct ng_request *req,
		       struct sdp_session *sdp, struct rg_monologue *s,
		       struct rg_monologue *r, bool offer, struct bencode_item *reply)
{
	struct rewrite w = {
		.req = req, .sdp = sdp, .s = s, .r = r, .offer = offer,
		.sender_ice = rg_ice_sdp_has_ice(sdp), .cert = ctx->dtls_cert,
		.ice_driver = ctx->ice_driver,
	};
	const struct rg_interface *iface = r->iface;
	struct sdp_media *m;
	int rc;

	for (m = sdp->media; m; m = m->next) {
		rc = prepare_media(req, sdp, m, s, r, offer);
		if (rc)
			return rc;
	}
	for (m = sdp->media; m; m = m->next) {
		rc = rewrite_media(&w, m);
		if (rc)
			return rc;
		if (offer)
			set_text(&rg_media_get(r, m->index + 1)->protocol, m->proto);
	}
	rc = rewrite_session_attrs(&w);
	if (rc)
		return rc;
	rewrite_connection(req->arena, sdp, NULL, iface, w.sender_ice);
	if (req->replace_origin && sdp->origin.present) {
		sdp->origin.addrtype = iface->family == AF_INET6 ? "IP6" : "IP4";
		sdp->origin.address = (char *)iface->advertised;
	}
	if (req->replace_session_name)
		sdp->session_name = "rtpgate";
	return write_sdp(req, s, sdp, reply);
}

static void set_party_options(struct ng_request *req, struct rg_monologue *ml)
{
	if (req->label)
		set_text(&ml->label, req->label);
	if (req->via_branch)
		set_text(&ml->via_branch, req->via_branch);
	if (req->latching != NG_LATCH_DEFAULT)
		ml->latching = req->latching;
	if (req->strict_source)
		ml->strict_source = true;
	if (req->media_handover)
		ml->media_handover = true;
	if (req->port_latching)
		ml->port_latching = true;
}

/* max-sessions, or a load limit refusing new calls (ratelimit.h) */
static bool over_session_limit(struct rg_ctx *ctx, struct ng_request *req)
{
	int max = ctx->limits.max_sessions;

	if ((max < 0 || rg_calls_count(ctx->calls) < (unsigned)max) && !ctx->load.refusing)
		return false;
	if (req->supports_load_limit)
		req->load_limit = true;
	ng_fail(req, "Parallel session limit reached");
	return true;
}

/* 0 if @call can take @more new parties, else the error (RG_CALL_PARTIES_MAX). */
static int room_for_parties(struct ng_request *req, const struct rg_call *call,
			    unsigned more)
{
	if (call->monologues->len + more <= RG_CALL_PARTIES_MAX)
		return 0;
	return ng_fail(req, "Too many parties in call '%s' (at most %d tags)",
		       call->id, RG_CALL_PARTIES_MAX);
}

/* The offerer and its dialogue partner, created as needed. */
static int offer_parties(struct rg_ctx *ctx, struct ng_request *req,
			 struct rg_call *call, int family,
			 struct rg_monologue **sp, struct rg_monologue **rp)
{
	const char *name_s = req->direction.n ? req->direction.v[0] : req->interface;
	const char *name_r = req->direction.n ? req->direction.v[1] : req->interface;
	struct rg_monologue *s = rg_call_monologue_find(call, req->from_tag);
	struct rg_monologue *r = s ? s->peer : NULL;
	struct rg_interface *iface;

	if (!r && req->to_tag)
		r = rg_call_monologue_find(call, req->to_tag);
	if (room_for_parties(req, call, !s + !r))
		return -EINVAL;
	if (!s) {
		iface = pick_iface(ctx, req, name_s, family);
		if (!iface)
			return -EINVAL;
		s = rg_monologue_create(call, req->from_tag, iface, ctx->now_us);
	}
	if (!r) {
		iface = pick_iface(ctx, req, name_r,
				   req->address_family ? req->address_family : family);
		if (!iface)
			return -EINVAL;
		r = rg_monologue_create(call, req->to_tag, iface, ctx->now_us);
	}
	s->peer = r;
	r->peer = s;
	*sp = s;
	*rp = r;
	return 0;
}

int ng_cmd_offer(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply)
{
	struct sdp_session *sdp;
	struct rg_monologue *s, *r;
	struct rg_call *call;
	bool new_call = false;
	int rc;

	rc = parse_request_sdp(req, &sdp);
	if (rc)
		return rc;
	if (req->direction.n && req->direction.n != 2)
		return ng_fail(req, "Invalid value for 'direction': expected two interface names");
	call = rg_call_lookup(ctx->calls, req->call_id);
	if (!call) {
		if (over_session_limit(ctx, req))
			return -EBUSY;
		call = rg_call_create(ctx->calls, req->call_id, ctx->now_us);
		call->worker = ctx->engine ? rg_media_engine_pick(ctx->engine) : NULL;
		call->offload = ctx->offload;
		new_call = true;
	}
	rg_call_pause(call);
	rg_offload_withdraw(ctx->offload, call);	/* signalling: back to userspace */
	rc = offer_parties(ctx, req, call, sdp_family(sdp), &s, &r);
	if (!rc) {
		set_party_options(req, s);
		rc = process_sdp(ctx, req, sdp, s, r, true, reply);
	}
	if (rc && new_call) {
		rg_call_retire(ctx->calls, call, ctx->now_us, 0);
		return rc;
	}
	rg_offload_call(ctx->offload, call);	/* asymmetric parties need no learning */
	rg_call_resume(call);
	if (new_call)
		ctx->stats.managed_sessions++;
	call->last_signal_us = ctx->now_us;
	return rc;
}

/* The answering party: known by its to-tag, or the offer's untagged
 * partner named now, or - for a second answer with another to-tag (a
 * fork) - a new party that takes over the offerer's partner's media. */
static struct rg_monologue *answer_party(struct rg_ctx *ctx, struct ng_request *req,
					 struct rg_monologue *a, const char *to_tag)
{
	struct rg_monologue *b = rg_call_monologue_find(a->call, to_tag);
	struct rg_monologue *old = a->peer;

	if (!b && old && !old->tag) {
		old->tag = g_strdup(to_tag);
		return old;
	}
	if (!b && !old)
		return NULL;
	if (!b && room_for_parties(req, a->call, 1))
		return NULL;
	if (!b)
		b = rg_monologue_create(a->call, to_tag, old->iface, ctx->now_us);
	if (old && old != b) {
		rg_monologue_move_media(old, b);
		rg_log_call(LOG_INFO, a->call->id, "answer from '%s' takes over from '%s'",
			    to_tag, old->tag ? old->tag : "");
	}
	a->peer = b;
	b->peer = a;
	return b;
}

int ng_cmd_answer(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply)
{
	struct sdp_session *sdp;
	struct rg_monologue *a, *b;
	struct rg_call *call;
	int rc;

	call = rg_call_lookup(ctx->calls, req->call_id);
	if (!call)
		return ng_fail(req, "Unknown call-id");
	rc = parse_request_sdp(req, &sdp);
	if (rc)
		return rc;
	a = rg_call_monologue_find(call, req->from_tag);
	if (!a)
		return ng_fail(req, "Unknown from-tag '%s'", req->from_tag);
	rg_call_pause(call);
	rg_offload_withdraw(ctx->offload, call);
	b = answer_party(ctx, req, a, req->to_tag);
	if (!b) {
		rg_call_resume(call);
		return ng_fail(req, "No offer to answer for from-tag '%s'", req->from_tag);
	}
	set_party_options(req, b);
	call->last_signal_us = ctx->now_us;
	rc = process_sdp(ctx, req, sdp, b, a, false, reply);
	if (!rc && !call->answered_us)
		call->answered_us = ctx->now_us;
	rg_offload_call(ctx->offload, call);
	rg_call_resume(call);
	return rc;
}
