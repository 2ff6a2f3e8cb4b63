/* cli_commands.c - the CLI's command table, the run-time settings, and the
 * commands about sessions and interfaces (statistics are in cli_show.c).
 *
 * A command line is split into words at spaces and tabs; the command words
 * match case-insensitively. A call-id argument is the rest of the line, so
 * that one holding a space can still be named.
 */
#include "cli.h"
#include "cli_commands.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bencode_json.h"
#include "call.h"
#include "call_lifetime.h"
#include "ctx.h"
#include "interface.h"
#include "log.h"
#include "ng_commands.h"

#define CLI_WORDS_MAX 8
#define CLI_ECHO_MAX 64		/* bytes of a bad input repeated in an error */
#define JSON_ARENA_LIMIT (1u << 20)
#define ANY_ARGS UINT_MAX

struct cmdline {
	char *line;			/* trimmed copy of the input */
	char *split;			/* the same, words NUL-terminated */
	const char *word[CLI_WORDS_MAX];
	const char *rest[CLI_WORDS_MAX];	/* from word i to the end */
	unsigned n;
};

typedef void cli_fn(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out);

struct command {
	const char *verb, *object;	/* object NULL: the verb alone */
	unsigned min_args, max_args;	/* words after verb [object] */
	cli_fn *fn;
	const char *usage;
};

static void parse(struct cmdline *cl, const char *input)
{
	char *p;

	memset(cl, 0, sizeof(*cl));
	cl->line = g_strstrip(g_strdup(input));
	cl->split = g_strdup(cl->line);
	p = cl->split;
	while (cl->n < CLI_WORDS_MAX) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		cl->rest[cl->n] = cl->line + (p - cl->split);
		cl->word[cl->n++] = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
}

void cli_put_text(struct rg_buf *out, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (max && i == max) {
			rg_buf_append_str(out, "...");
			return;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			rg_buf_appendf(out, "\\x%02x", (unsigned char)s[i]);
		else
			rg_buf_append_char(out, s[i]);
	}
}

void cli_put_field(struct rg_buf *out, const char *label, const char *fmt, ...)
{
	char value[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	rg_buf_appendf(out, "%-*s:%s\n", CLI_LABEL_WIDTH, label, value);
}

void cli_put_error(struct rg_buf *out, const char *what, const char *text)
{
	rg_buf_appendf(out, "error: %s '", what);
	cli_put_text(out, text, CLI_ECHO_MAX);
	rg_buf_append_str(out, "'\n");
}

/* A whole decimal number in [min, max], else -EINVAL. */
static int parse_int(const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* ---- run-time settings: list NAME, set NAME VALUE ---- */

#define LOG_LEVEL_SETTING SIZE_MAX

enum setting_kind { SET_INT, SET_DOUBLE, SET_INT64 };

struct setting {
	const char *name, *alias;	/* rtpengine's word, the option's name */
	size_t offset;			/* in struct rg_limits */
	enum setting_kind kind;
	double min, max;
	const char *unit;
};

/* The ranges are those the command-line options accept (config.c). */
static const struct setting settings[] = {
	{ "maxsessions", "max-sessions", offsetof(struct rg_limits, max_sessions), SET_INT, -1, 10000000, "calls, -1: no limit" },
	{ "timeout", NULL, offsetof(struct rg_limits, timeout), SET_INT, 0, 86400 * 7, "seconds, 0: off" },
	{ "silenttimeout", "silent-timeout", offsetof(struct rg_limits, silent_timeout), SET_INT, 0, 86400 * 7, "seconds, 0: off" },
	{ "finaltimeout", "final-timeout", offsetof(struct rg_limits, final_timeout), SET_INT, 0, 86400 * 7, "seconds, 0: off" },
	{ "offertimeout", "offer-timeout", offsetof(struct rg_limits, offer_timeout), SET_INT, 0, 86400 * 7, "seconds, 0: off" },
	{ "deletedelay", "delete-delay", offsetof(struct rg_limits, delete_delay), SET_INT, 0, 3600, "seconds" },
	{ "maxload", "max-load", offsetof(struct rg_limits, max_load), SET_DOUBLE, 0, 1e6, "1-minute load average, 0: off" },
	{ "maxcpu", "max-cpu", offsetof(struct rg_limits, max_cpu), SET_DOUBLE, 0, 1e6, "percent of one core, 0: off" },
	{ "maxbw", "max-bandwidth", offsetof(struct rg_limits, max_bandwidth), SET_INT64, 0, 1e15, "bytes per second, 0: off" },
	{ "loglevel", "log-level", LOG_LEVEL_SETTING, SET_INT, 0, 7, "0 emerg .. 7 debug" },
};

static const struct setting *setting_find(const char *name)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(settings); i++)
		if (g_ascii_strcasecmp(name, settings[i].name) == 0 ||
		    (settings[i].alias && g_ascii_strcasecmp(name, settings[i].alias) == 0))
			return &settings[i];
	return NULL;
}

static void *setting_field(struct rg_ctx *ctx, const struct setting *s)
{
	return (char *)&ctx->limits + s->offset;
}

static double setting_get(struct rg_ctx *ctx, const struct setting *s)
{
	if (s->offset == LOG_LEVEL_SETTING)
		return rg_log_get_level();
	switch (s->kind) {
	case SET_DOUBLE:
		return *(double *)setting_field(ctx, s);
	case SET_INT64:
		return (double)*(int64_t *)setting_field(ctx, s);
	default:
		return *(int *)setting_field(ctx, s);
	}
}

static void setting_put(struct rg_ctx *ctx, const struct setting *s, double v)
{
	if (s->offset == LOG_LEVEL_SETTING)
		rg_log_set_level((int)v);
	else if (s->kind == SET_DOUBLE)
		*(double *)setting_field(ctx, s) = v;
	else if (s->kind == SET_INT64)
		*(int64_t *)setting_field(ctx, s) = (int64_t)v;
	else
		*(int *)setting_field(ctx, s) = (int)v;
}

/* @v as @s shows it: whole numbers without a fraction. */
static const char *setting_text(const struct setting *s, double v, char buf[32])
{
	snprintf(buf, 32, s->kind == SET_DOUBLE ? "%g" : "%.0f", v);
	return buf;
}

/* A number for @s in its range: whole unless SET_DOUBLE. -EINVAL if not. */
static int setting_parse(const struct setting *s, const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = s->kind == SET_DOUBLE ? strtod(text, &end) : (double)strtoll(text, &end, 10);
	if (errno || end == text || *end || !(v >= s->min && v <= s->max))
		return -EINVAL;
	*out = v;
	return 0;
}

static void setting_list(struct rg_ctx *ctx, const struct setting *s, struct rg_buf *out)
{
	char v[32];

	cli_put_field(out, s->name, "%s", setting_text(s, setting_get(ctx, s), v));
}

static void setting_set(struct rg_ctx *ctx, const struct setting *s, const char *value,
			struct rg_buf *out)
{
	double old = setting_get(ctx, s), v;
	char a[32], b[32];

	if (setting_parse(s, value, &v)) {
		rg_buf_appendf(out, "error: %s wants a number from %s to %s (%s), not '",
			       s->name, setting_text(s, s->min, a), setting_text(s, s->max, b),
			       s->unit);
		cli_put_text(out, value, CLI_ECHO_MAX);
		rg_buf_append_str(out, "'\n");
		return;
	}
	setting_put(ctx, s, v);
	rg_log(LOG_NOTICE, "CLI: %s set to %s (was %s)", s->name, setting_text(s, v, a),
	       setting_text(s, old, b));
	rg_buf_appendf(out, "ok: %s set to %s (was %s)\n", s->name, setting_text(s, v, a),
		       setting_text(s, old, b));
}

/* ---- sessions ---- */

struct session_walk {
	struct rg_ctx *ctx;
	struct rg_buf *out;
	unsigned shown;
};

static void put_session(struct rg_call *call, void *arg)
{
	struct session_walk *sw = arg;
	struct rg_monologue *ml;
	guint i;

	rg_buf_append_str(sw->out, "callid: ");
	cli_put_text(sw->out, call->id, 0);
	rg_buf_appendf(sw->out, " | created: %lld (%lld s ago) | last signal: %lld | tags: ",
		       (long long)(call->created_us / 1000000),
		       (long long)((sw->ctx->now_us - call->created_us) / 1000000),
		       (long long)(call->last_signal_us / 1000000));
	for (i = 0; i < call->monologues->len; i++) {
		ml = call->monologues->pdata[i];
		rg_buf_append_str(sw->out, i ? ", " : "");
		if (ml->tag)
			cli_put_text(sw->out, ml->tag, 0);
		else
			rg_buf_append_str(sw->out, "(no tag yet)");
	}
	rg_buf_append_char(sw->out, '\n');
	sw->shown++;
}

static void cmd_sessions(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	const char *which = cl->n > 2 ? cl->word[2] : "all";
	bool all = g_ascii_strcasecmp(which, "all") == 0 || g_ascii_strcasecmp(which, "own") == 0;
	struct session_walk sw = { ctx, out, 0 };
	int limit = 0;

	/* no other daemon shares the calls (Redis) yet: all are our own */
	if (g_ascii_strcasecmp(which, "foreign") == 0) {
		rg_buf_append_str(out, "no foreign sessions\n");
		return;
	}
	if (!all && parse_int(which, 0, INT_MAX, &limit)) {
		cli_put_error(out, "list sessions wants all, own, foreign or a count, not", which);
		return;
	}
	if (all || limit > 0)	/* rg_calls_foreach's 0 means all */
		rg_calls_foreach(ctx->calls, (unsigned)limit, put_session, &sw);
	if (!sw.shown)
		rg_buf_append_str(out, "no sessions\n");
}

static void cmd_numsessions(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	unsigned n = rg_calls_count(ctx->calls);

	cli_put_field(out, "Current sessions own", "%u", n);
	cli_put_field(out, "Current sessions foreign", "%u", 0);
	cli_put_field(out, "Current sessions total", "%u", n);
}

static void cmd_callid(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	cli_list_call(ctx, cl->rest[2], out);
}

static void cmd_totals(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	cli_list_totals(ctx, out);
}

static void collect(struct rg_call *call, void *arg)
{
	g_ptr_array_add(arg, call);
}

static void end_call(struct rg_ctx *ctx, struct rg_call *call)
{
	ctx->stats.forced_terminated_sessions++;
	rg_call_end(ctx, call, "terminate", 0);
}

/* terminate all | terminate CALL-ID (a call named "all" cannot be named) */
static void cmd_terminate(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	const char *id = cl->rest[1];
	struct rg_call *call;
	GPtrArray *all;
	guint i;

	if (g_ascii_strcasecmp(id, "all") == 0) {
		all = g_ptr_array_new();
		rg_calls_foreach(ctx->calls, 0, collect, all);	/* not while ending */
		for (i = 0; i < all->len; i++)
			end_call(ctx, all->pdata[i]);
		rg_log(LOG_NOTICE, "CLI: terminated all %u calls", all->len);
		rg_buf_appendf(out, "ok: %u calls terminated\n", all->len);
		g_ptr_array_free(all, TRUE);
		return;
	}
	call = rg_call_lookup(ctx->calls, id);
	if (!call) {
		cli_put_error(out, "no call with call-id", id);
		return;
	}
	end_call(ctx, call);
	rg_buf_append_str(out, "ok: call '");
	cli_put_text(out, id, 0);
	rg_buf_append_str(out, "' terminated\n");
}

/* ---- interfaces, jsonstats, help ---- */

static void cmd_interfaces(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	const struct rg_interface *iface;
	unsigned total, used;
	guint i;

	for (i = 0; i < ctx->interfaces->len; i++) {
		iface = ctx->interfaces->pdata[i];
		total = rg_port_pool_total(iface->ports);
		used = rg_port_pool_used(iface->ports);
		rg_buf_appendf(out, "interface %s | address %s | advertised %s | "
			       "port pairs used %u, free %u, total %u\n",
			       iface->name, iface->local_str, iface->advertised,
			       used, total - used, total);
	}
}

static void cmd_jsonstats(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	struct rg_arena *a = rg_arena_create(JSON_ARENA_LIMIT);
	struct bencode_item *d = a ? bencode_dict_new(a) : NULL;
	const struct bencode_item *stats;

	stats = d && ng_statistics_add(ctx, a, d) == 0 ? bencode_dict_get(d, "statistics") : NULL;
	if (stats) {
		bencode_json_write(stats, out, BENCODE_JSON_COMPACT);
		rg_buf_append_char(out, '\n');
	} else {
		rg_buf_append_str(out, "error: out of memory\n");
	}
	rg_arena_destroy(a);
}

static void cmd_help(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out);

static const struct command commands[] = {
	{ "list", "numsessions", 0, 0, cmd_numsessions, "list numsessions" },
	{ "list", "sessions", 0, 1, cmd_sessions, "list sessions [all|own|foreign|COUNT]" },
	{ "list", "totals", 0, 0, cmd_totals, "list totals" },
	{ "list", "callid", 1, ANY_ARGS, cmd_callid, "list callid CALL-ID" },
	{ "list", "interfaces", 0, 0, cmd_interfaces, "list interfaces" },
	{ "list", "jsonstats", 0, 0, cmd_jsonstats, "list jsonstats" },
	{ "terminate", NULL, 1, ANY_ARGS, cmd_terminate, "terminate CALL-ID|all" },
	{ "help", NULL, 0, 0, cmd_help, "help" },
};

static void cmd_help(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	const struct setting *s;
	char a[32], b[32];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(commands); i++)
		rg_buf_appendf(out, "%s\n", commands[i].usage);
	for (i = 0; i < G_N_ELEMENTS(settings); i++) {
		s = &settings[i];
		rg_buf_appendf(out, "list %s | set %s N  (%s..%s, %s)\n", s->name, s->name,
			       setting_text(s, s->min, a), setting_text(s, s->max, b), s->unit);
	}
}

static const struct command *command_find(const struct cmdline *cl)
{
	const struct command *c;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(commands); i++) {
		c = &commands[i];
		if (g_ascii_strcasecmp(cl->word[0], c->verb) == 0 &&
		    (!c->object || (cl->n > 1 && g_ascii_strcasecmp(cl->word[1], c->object) == 0)))
			return c;
	}
	return NULL;
}

/* `list NAME` and `set NAME VALUE` for the settings; false if @cl is not
 * one of them. */
static bool run_setting(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	bool list = g_ascii_strcasecmp(cl->word[0], "list") == 0;
	bool set = g_ascii_strcasecmp(cl->word[0], "set") == 0;
	const struct setting *s = (list || set) && cl->n > 1 ? setting_find(cl->word[1]) : NULL;

	if (!s)
		return false;
	if (list && cl->n == 2)
		setting_list(ctx, s, out);
	else if (set && cl->n == 3)
		setting_set(ctx, s, cl->word[2], out);
	else
		rg_buf_appendf(out, "error: usage: %s %s%s\n", list ? "list" : "set",
			       s->name, set ? " N" : "");
	return true;
}

static void dispatch(struct rg_ctx *ctx, const struct cmdline *cl, struct rg_buf *out)
{
	const struct command *c;
	unsigned args;

	if (!cl->n) {
		rg_buf_append_str(out, "error: empty command line (try 'help')\n");
		return;
	}
	if (run_setting(ctx, cl, out))
		return;
	c = command_find(cl);
	if (!c) {
		cli_put_error(out, "unknown command", cl->line);
		return;
	}
	args = cl->n - (c->object ? 2 : 1);
	if (args < c->min_args || (c->max_args != ANY_ARGS && args > c->max_args)) {
		rg_buf_appendf(out, "error: usage: %s\n", c->usage);
		return;
	}
	c->fn(ctx, cl, out);
}

void rg_cli_execute(struct rg_ctx *ctx, const char *line, struct rg_buf *out)
{
	struct cmdline cl;

	ctx->now_us = g_get_real_time();
	parse(&cl, line);
	rg_debug("CLI: command '%.*s'", CLI_ECHO_MAX, cl.line);
	dispatch(ctx, &cl, out);
	g_free(cl.line);
	g_free(cl.split);
}
