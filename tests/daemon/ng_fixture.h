/* ng_fixture.h - a daemon context for NG tests, built as rtpgated's main()
 * builds it (config from rg_config_load, interfaces with real port pools,
 * the call registry), and helpers to send requests and read replies.
 *
 * Included by test_ng.c and test_ng_server.c, which define PORT_MIN and
 * PORT_MAX (their media port range) first. Each case gets a fresh context
 * (FX_CASE), so the arena check after each case and LeakSanitizer cover
 * the daemon's request, call and cache lifetimes.
 */
#ifndef RG_TEST_NG_FIXTURE_H
#define RG_TEST_NG_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>

#include "call.h"
#include "config.h"
#include "ctx.h"
#include "interface.h"
#include "log.h"
#include "ng.h"
#include "ng_server.h"
#include "test.h"

/* Helpers are static here; each test uses some of them. */
#define FX_API static __attribute__((unused))

enum { IF_INTERNAL, IF_EXTERNAL, IF_INTERNAL6 };

#define SDP_A								\
	"v=0\r\n"							\
	"o=caller 53655765 2353687637 IN IP4 127.0.0.10\r\n"		\
	"s=rtpgate e2e\r\n"						\
	"c=IN IP4 127.0.0.10\r\n"					\
	"t=0 0\r\n"							\
	"m=audio 16000 RTP/AVP 0 8 101\r\n"				\
	"a=rtpmap:0 PCMU/8000\r\n"					\
	"a=rtpmap:8 PCMA/8000\r\n"					\
	"a=rtpmap:101 telephone-event/8000\r\n"				\
	"a=fmtp:101 0-15\r\n"						\
	"a=sendrecv\r\n"

#define SDP_B								\
	"v=0\r\n"							\
	"o=callee 2890844527 2890844527 IN IP4 127.0.0.20\r\n"		\
	"s=-\r\n"							\
	"c=IN IP4 127.0.0.20\r\n"					\
	"t=0 0\r\n"							\
	"m=audio 16100 RTP/AVP 0 101\r\n"				\
	"a=rtpmap:0 PCMU/8000\r\n"					\
	"a=rtpmap:101 telephone-event/8000\r\n"				\
	"a=fmtp:101 0-15\r\n"						\
	"a=rtcp:16101\r\n"						\
	"a=sendrecv\r\n"

/* A context as rtpgated's main() builds it, plus an arena for requests
 * and decoded replies and the bytes of the last reply. */
struct fx {
	struct rg_config cfg;
	struct rg_ctx ctx;
	struct rg_arena *arena;
	struct rg_buf raw;
	struct rg_ng_server *srv;
	struct sockaddr_in source;
};

FX_API void free_interface(gpointer p)
{
	rg_interface_destroy(p);
}

/* The interfaces of the spec's test daemon: the first is the default,
 * "internal" exists in both families, "external" advertises another
 * address. */
FX_API bool fx_init(struct fx *f, unsigned port_min, unsigned port_max)
{
	char pmin[32], pmax[32], *err = NULL;
	char *argv[] = { "test_ng", "--config-file=none", "--delete-delay=0",
		"--interface=internal/127.0.0.1",
		"--interface=external/127.0.0.2!203.0.113.5",
		"--interface=internal/::1", pmin, pmax, NULL };
	struct rg_interface *iface;
	size_t i;

	memset(f, 0, sizeof(*f));
	rg_log_init(true, LOG_CRIT);
	rg_buf_init(&f->raw, 0);
	f->source.sin_family = AF_INET;
	f->source.sin_port = htons(5060);
	inet_pton(AF_INET, "127.0.0.1", &f->source.sin_addr);
	f->arena = rg_arena_create(0);
	f->ctx.interfaces = g_ptr_array_new_with_free_func(free_interface);
	f->ctx.calls = rg_calls_create();
	f->ctx.cfg = &f->cfg;
	f->ctx.started_us = g_get_real_time();
	snprintf(pmin, sizeof(pmin), "--port-min=%u", port_min);
	snprintf(pmax, sizeof(pmax), "--port-max=%u", port_max);
	if (rg_config_load(8, argv, &f->cfg, &err)) {
		printf("    config: %s\n", err);
		g_free(err);
		return false;
	}
	rg_limits_from_config(&f->ctx.limits, &f->cfg);
	for (i = 0; f->cfg.interfaces[i]; i++) {
		iface = rg_interface_create(f->cfg.interfaces[i], f->cfg.port_min,
					    f->cfg.port_max, &err);
		if (!iface) {
			printf("    interface: %s\n", err);
			g_free(err);
			return false;
		}
		g_ptr_array_add(f->ctx.interfaces, iface);
	}
	return f->arena != NULL;
}

FX_API void fx_fini(struct fx *f)
{
	rg_ng_server_destroy(f->srv);
	rg_calls_destroy(f->ctx.calls);	/* gives the ports back first */
	g_ptr_array_free(f->ctx.interfaces, TRUE);
	rg_config_free(&f->cfg);
	rg_arena_destroy(f->arena);
	rg_buf_free(&f->raw);
}

/* A case on a fresh context; the teardown runs even when a CHECK fails. */
#define FX_CASE_RANGE(name, min, max)                                      \
	static void name(void)                                             \
	{                                                                  \
		struct fx f_;                                              \
                                                                           \
		if (fx_init(&f_, min, max))                                \
			name##_body(&f_);                                  \
		else                                                       \
			test_fail(__FILE__, __LINE__, "fixture");          \
		fx_fini(&f_);                                              \
	}
#define FX_CASE(name) FX_CASE_RANGE(name, PORT_MIN, PORT_MAX)

FX_API unsigned used(struct fx *f, int iface)
{
	struct rg_interface *i = f->ctx.interfaces->pdata[iface];

	return rg_port_pool_used(i->ports);
}

/* Requests: a dict with "command" and string pairs (NULL-terminated). */
FX_API struct bencode_item *request(struct fx *f, const char *command, ...)
{
	struct bencode_item *d = bencode_dict_new(f->arena);
	const char *k, *v;
	va_list ap;

	bencode_dict_add_str(f->arena, d, "command", command);
	va_start(ap, command);
	while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
		bencode_dict_add_str(f->arena, d, k, v);
	va_end(ap);
	return d;
}

FX_API void put_list(struct fx *f, struct bencode_item *d, const char *key, ...)
{
	struct bencode_item *l = bencode_dict_add_list(f->arena, d, key);
	const char *s;
	va_list ap;

	va_start(ap, key);
	while ((s = va_arg(ap, const char *)))
		bencode_list_add(l, bencode_str_new(f->arena, s));
	va_end(ap);
}

FX_API struct bencode_item *offer_req(struct fx *f, const char *call_id, const char *sdp)
{
	return request(f, "offer", "call-id", call_id, "from-tag", "caller", "sdp", sdp, NULL);
}

FX_API struct bencode_item *answer_req(struct fx *f, const char *call_id, const char *sdp)
{
	return request(f, "answer", "call-id", call_id, "from-tag", "caller",
		       "to-tag", "callee", "sdp", sdp, NULL);
}

/* The decoded reply to @len bytes of bencode, or NULL (said why). */
FX_API struct bencode_item *send_raw(struct fx *f, const char *buf, size_t len)
{
	struct bencode_item *reply = NULL;
	const char *err = NULL;

	f->raw.len = 0;
	rg_ng_process(&f->ctx, buf, len, (struct sockaddr *)&f->source, &f->raw);
	if (rg_buf_finish(&f->raw) ||
	    bencode_decode(f->arena, f->raw.data, f->raw.len, NULL, &reply, &err) ||
	    reply->type != BENCODE_DICT) {
		printf("    reply does not decode (%s): %.*s\n", err ? err : "not a dict",
		       (int)f->raw.len, f->raw.data ? f->raw.data : "");
		return NULL;
	}
	return reply;
}

FX_API struct bencode_item *ask(struct fx *f, const struct bencode_item *req)
{
	struct bencode_item *reply;
	struct rg_buf in;

	rg_buf_init(&in, 0);
	bencode_encode(req, &in);
	reply = send_raw(f, in.data, in.len);
	rg_buf_free(&in);
	return reply;
}

/* The item at a '/'-separated path: dict keys, or list indexes. */
FX_API const struct bencode_item *at(const struct bencode_item *it, const char *path)
{
	char seg[128];
	const char *end;
	size_t n;
	long i;

	while (it && *path) {
		end = strchr(path, '/');
		n = end ? (size_t)(end - path) : strlen(path);
		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, path, n);
		seg[n] = '\0';
		if (it->type == BENCODE_LIST) {
			for (i = strtol(seg, NULL, 10), it = it->child; it && i > 0; i--)
				it = it->next;
		} else {
			it = bencode_dict_get(it, seg);
		}
		path += n + (end ? 1 : 0);
	}
	return it;
}

FX_API const char *str_at(const struct bencode_item *it, const char *path)
{
	it = at(it, path);
	return it && it->type == BENCODE_STRING ? it->str : NULL;
}

FX_API long long int_at(const struct bencode_item *it, const char *path)
{
	it = at(it, path);
	return it && it->type == BENCODE_INTEGER ? it->num : -999;
}

/* The number of entries of the list (or pairs of the dict) at @path, or -1. */
FX_API long long len_at(const struct bencode_item *it, const char *path)
{
	it = at(it, path);
	if (!it || (it->type != BENCODE_LIST && it->type != BENCODE_DICT))
		return -1;
	return it->type == BENCODE_LIST ? (long long)it->count : (long long)it->count / 2;
}

FX_API bool is_result(const struct bencode_item *r, const char *result)
{
	const char *got = str_at(r, "result");

	if (got && strcmp(got, result) == 0)
		return true;
	printf("    result '%s' (want '%s'), reason '%s', warning '%s'\n", got ? got : "-",
	       result, str_at(r, "error-reason") ?: "-", str_at(r, "warning") ?: "-");
	return false;
}

FX_API bool is_ok(const struct bencode_item *r)
{
	return is_result(r, "ok");
}

/* result ok and no warning */
FX_API bool is_clean(const struct bencode_item *r)
{
	if (!is_ok(r))
		return false;
	if (!at(r, "warning"))
		return true;
	printf("    unexpected warning '%s'\n", str_at(r, "warning") ?: "(not a string)");
	return false;
}

FX_API bool is_error(const struct bencode_item *r, const char *reason)
{
	const char *got = str_at(r, "error-reason");

	if (!is_result(r, "error"))
		return false;
	if (got && *got && strstr(got, reason))
		return true;
	printf("    error-reason '%s' (want '%s')\n", got ? got : "-", reason);
	return false;
}

FX_API bool has_warning(const struct bencode_item *r, const char *text)
{
	const char *got = str_at(r, "warning");

	if (got && strstr(got, text))
		return true;
	printf("    warning '%s' (want '%s')\n", got ? got : "-", text);
	return false;
}

/* The port of the first "m=@media" line of @sdp, or -1. */
FX_API long m_port(const char *sdp, const char *media)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "m=%s ", media);
	p = sdp ? strstr(sdp, pat) : NULL;
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* true if @sdp holds @line as a whole CRLF-terminated line. */
FX_API bool has_line(const char *sdp, const char *line)
{
	size_t n = strlen(line);
	const char *p = sdp;

	while (p && (p = strstr(p, line))) {
		if ((p == sdp || p[-1] == '\n') && strncmp(p + n, "\r\n", 2) == 0)
			return true;
		p++;
	}
	return false;
}

FX_API bool has_linef(const char *sdp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
FX_API bool has_linef(const char *sdp, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (has_line(sdp, line))
		return true;
	printf("    no line '%s' in:\n%s\n", line, sdp ? sdp : "(no sdp)");
	return false;
}

/* Offer SDP_A and answer SDP_B in call @id; the relay ports the callee
 * (offer) and the caller (answer) were shown, or false. */
FX_API bool call_up(struct fx *f, const char *id, long *to_callee, long *to_caller)
{
	const struct bencode_item *o = ask(f, offer_req(f, id, SDP_A));
	const struct bencode_item *a = o && is_ok(o) ? ask(f, answer_req(f, id, SDP_B)) : NULL;

	if (!a || !is_ok(a))
		return false;
	*to_callee = m_port(str_at(o, "sdp"), "audio");
	*to_caller = m_port(str_at(a, "sdp"), "audio");
	return true;
}

FX_API bool in_range(long port)
{
	return port >= PORT_MIN && port <= PORT_MAX && port % 2 == 0;
}

#define V(s) s, sizeof(s) - 1

#endif
