/* config.c - command line and keyfile parsing, see config.h.
 *
 * One GOptionEntry table describes every option. The keyfile's [rtpgate]
 * entries are turned into "--name=value" arguments placed before the real
 * command line, so both sources go through the same parser and validation,
 * and a later (command line) value overrides an earlier (file) one. List
 * options (--interface) from the command line replace the file's list.
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"

#define CONFIG_GROUP "rtpgate"

static void set_defaults(struct rg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port_min = 30000;
	cfg->port_max = 39999;
	cfg->table = 0;
	cfg->log_level = 6;
	cfg->timeout = 60;
	cfg->silent_timeout = 3600;
	cfg->final_timeout = 0;
	cfg->offer_timeout = 3600;
	cfg->delete_delay = 30;
	cfg->max_sessions = -1;
	cfg->log_rate_limit = 100;
	cfg->num_threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (cfg->num_threads < 1)
		cfg->num_threads = 1;
}

/* The option table writes straight into @cfg (ints and gbooleans share
 * their representation with the struct's fields). */
static GOptionEntry *option_table(struct rg_config *c, char **config_file)
{
	GOptionEntry e[] = {
		{ "interface", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &c->interfaces, "Media interface NAME/ADDR[!ADVERTISED] (repeat for several)", "SPEC" },
		{ "listen-ng", 'n', 0, G_OPTION_ARG_STRING, &c->listen_ng, "UDP address for the NG protocol", "[ADDR:]PORT" },
		{ "listen-cli", 'c', 0, G_OPTION_ARG_STRING, &c->listen_cli, "TCP address for the CLI port (default 127.0.0.1:9900, none: off)", "[ADDR:]PORT" },
		{ "port-min", 'm', 0, G_OPTION_ARG_INT, &c->port_min, "Lowest media port", "INT" },
		{ "port-max", 'M', 0, G_OPTION_ARG_INT, &c->port_max, "Highest media port", "INT" },
		{ "table", 't', 0, G_OPTION_ARG_INT, &c->table, "Kernel forwarding table (-1: userspace only)", "INT" },
		{ "no-fallback", 'F', 0, G_OPTION_ARG_NONE, &c->no_fallback, "Refuse to start without the kernel module", NULL },
		{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &c->foreground, "Do not daemonize", NULL },
		{ "pidfile", 'p', 0, G_OPTION_ARG_FILENAME, &c->pidfile, "Write the PID to this file", "FILE" },
		{ "log-level", 'L', 0, G_OPTION_ARG_INT, &c->log_level, "Syslog level 0-7", "INT" },
		{ "log-stderr", 'E', 0, G_OPTION_ARG_NONE, &c->log_stderr, "Log to stderr instead of syslog", NULL },
		{ "timeout", 'T', 0, G_OPTION_ARG_INT, &c->timeout, "Seconds without media before a call is deleted", "SECS" },
		{ "silent-timeout", 's', 0, G_OPTION_ARG_INT, &c->silent_timeout, "Seconds a one-way or held call may stay silent", "SECS" },
		{ "final-timeout", 'a', 0, G_OPTION_ARG_INT, &c->final_timeout, "Maximum call length in seconds (0: none)", "SECS" },
		{ "offer-timeout", 0, 0, G_OPTION_ARG_INT, &c->offer_timeout, "Seconds an unanswered offer is kept", "SECS" },
		{ "delete-delay", 'd', 0, G_OPTION_ARG_INT, &c->delete_delay, "Seconds ports stay reserved after delete", "SECS" },
		{ "num-threads", 'N', 0, G_OPTION_ARG_INT, &c->num_threads, "Media worker threads", "INT" },
		{ "io-engine", 0, 0, G_OPTION_ARG_STRING, &c->io_engine_name, "How media workers use their sockets: auto (the default: io_uring if the kernel allows it, else epoll), uring or epoll", "ENGINE" },
		{ "max-sessions", 0, 0, G_OPTION_ARG_INT, &c->max_sessions, "Maximum concurrent calls (-1: no limit)", "INT" },
		{ "max-load", 0, 0, G_OPTION_ARG_DOUBLE, &c->max_load, "Refuse new calls while the 1-minute load average is above (0: off)", "N" },
		{ "max-cpu", 0, 0, G_OPTION_ARG_DOUBLE, &c->max_cpu, "Refuse new calls while rtpgated uses more CPU, in percent of one core (0: off)", "PERCENT" },
		{ "max-bandwidth", 0, 0, G_OPTION_ARG_INT64, &c->max_bandwidth, "Refuse new calls while relaying more bytes per second (0: off)", "BYTES" },
		{ "log-rate-limit", 0, 0, G_OPTION_ARG_INT, &c->log_rate_limit, "Log lines per second from one place in the code, below error level (0: no limit)", "N" },
		{ "listen-http", 0, 0, G_OPTION_ARG_STRING, &c->listen_http, "TCP address for Prometheus metrics at /metrics (default: off)", "[ADDR:]PORT" },
		{ "config-file", 0, 0, G_OPTION_ARG_FILENAME, config_file, "Config file, or 'none'", "FILE" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	return g_memdup2(e, sizeof(e));
}

/* The value of --config-file on the command line, if any. */
static const char *find_config_file(int argc, char **argv)
{
	const char *opt = "--config-file";
	size_t n = strlen(opt);
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], opt, n) != 0)
			continue;
		if (argv[i][n] == '=')
			return argv[i] + n + 1;
		if (argv[i][n] == '\0' && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

/* true if @argv sets the option @e, as --name[=v] or -X[v]. */
static bool argv_has(int argc, char **argv, const GOptionEntry *e)
{
	size_t n = strlen(e->long_name);
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0 &&
		    strncmp(argv[i] + 2, e->long_name, n) == 0 &&
		    (argv[i][2 + n] == '=' || argv[i][2 + n] == '\0'))
			return true;
		if (e->short_name && argv[i][0] == '-' && argv[i][1] == e->short_name)
			return true;
	}
	return false;
}

static const GOptionEntry *entry_named(const GOptionEntry *table, const char *name)
{
	for (; table->long_name; table++)
		if (strcmp(table->long_name, name) == 0)
			return table;
	return NULL;
}

/* Adds the keyfile's options to @args as "--name=value". */
static int keyfile_args(const char *path, bool must_exist, const GOptionEntry *table,
			int argc, char **argv, GPtrArray *args, char **err)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) gerr = NULL;
	g_auto(GStrv) keys = NULL;
	gsize i, j, n = 0;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
		if (!must_exist && g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return 0;
		*err = g_strdup_printf("config file '%s': %s", path, gerr->message);
		return -EINVAL;
	}
	keys = g_key_file_get_keys(kf, CONFIG_GROUP, &n, NULL);
	for (i = 0; keys && i < n; i++) {
		const GOptionEntry *e = entry_named(table, keys[i]);
		g_autofree char *val = g_key_file_get_string(kf, CONFIG_GROUP, keys[i], NULL);

		if (!e || strcmp(keys[i], "config-file") == 0) {
			*err = g_strdup_printf("config file '%s': unknown option '%s'", path, keys[i]);
			return -EINVAL;
		}
		if (e->arg == G_OPTION_ARG_STRING_ARRAY && argv_has(argc, argv, e))
			continue;	/* the command line's list replaces the file's */
		if (e->arg == G_OPTION_ARG_NONE) {
			g_autoptr(GError) berr = NULL;
			gboolean on = g_key_file_get_boolean(kf, CONFIG_GROUP, keys[i], &berr);

			if (berr) {
				*err = g_strdup_printf("config file '%s': option '%s' needs true or false", path, keys[i]);
				return -EINVAL;
			}
			if (on)
				g_ptr_array_add(args, g_strdup_printf("--%s", keys[i]));
			continue;
		}
		if (e->arg == G_OPTION_ARG_STRING_ARRAY) {
			/* "interface = a;b" or a single value */
			g_auto(GStrv) list = g_key_file_get_string_list(kf, CONFIG_GROUP, keys[i], NULL, NULL);

			for (j = 0; list && list[j]; j++)
				g_ptr_array_add(args, g_strdup_printf("--%s=%s", keys[i], g_strstrip(list[j])));
			continue;
		}
		g_ptr_array_add(args, g_strdup_printf("--%s=%s", keys[i], val ? val : ""));
	}
	return 0;
}

static int check_range(const char *name, int v, int lo, int hi, char **err)
{
	if (v >= lo && v <= hi)
		return 0;
	*err = g_strdup_printf("option --%s: %d is out of range (%d to %d)", name, v, lo, hi);
	return -EINVAL;
}

/* The load limits: non-negative (0 is off), and NaN is no number. */
static int check_limits(const struct rg_config *cfg, char **err)
{
	const char *bad = !(cfg->max_load >= 0 && cfg->max_load <= 1e6) ? "max-load" :
		!(cfg->max_cpu >= 0 && cfg->max_cpu <= 1e6) ? "max-cpu" :
		cfg->max_bandwidth < 0 ? "max-bandwidth" : NULL;

	if (!bad)
		return 0;
	*err = g_strdup_printf("option --%s: must be 0 (off) or a positive number", bad);
	return -EINVAL;
}

static int check_io_engine(struct rg_config *cfg, char **err)
{
	const char *s = cfg->io_engine_name;

	if (!s || strcmp(s, "auto") == 0)
		cfg->io_engine = RG_IO_AUTO;
	else if (strcmp(s, "uring") == 0)
		cfg->io_engine = RG_IO_URING;
	else if (strcmp(s, "epoll") == 0)
		cfg->io_engine = RG_IO_EPOLL;
	else {
		*err = g_strdup_printf("option --io-engine: '%s' is not auto, uring or epoll", s);
		return -EINVAL;
	}
	return 0;
}

static int check_endpoint(const char *name, const char *spec, struct sockaddr_storage *addr,
			  socklen_t *len, char **err)
{
	char *inner;

	if (!rg_parse_endpoint(spec, "127.0.0.1", addr, len, err))
		return 0;
	inner = *err;
	*err = g_strdup_printf("option --%s: %s", name, inner);
	g_free(inner);
	return -EINVAL;
}

static int validate(struct rg_config *cfg, char **err)
{
	int rc = 0;

	rc = rc ?: check_range("port-min", cfg->port_min, 1, 65535, err);
	rc = rc ?: check_range("port-max", cfg->port_max, 1, 65535, err);
	rc = rc ?: check_range("log-level", cfg->log_level, 0, 7, err);
	rc = rc ?: check_range("timeout", cfg->timeout, 0, 86400 * 7, err);
	rc = rc ?: check_range("silent-timeout", cfg->silent_timeout, 0, 86400 * 7, err);
	rc = rc ?: check_range("final-timeout", cfg->final_timeout, 0, 86400 * 7, err);
	rc = rc ?: check_range("offer-timeout", cfg->offer_timeout, 0, 86400 * 7, err);
	rc = rc ?: check_range("delete-delay", cfg->delete_delay, 0, 3600, err);
	rc = rc ?: check_range("num-threads", cfg->num_threads, 1, 256, err);
	rc = rc ?: check_range("max-sessions", cfg->max_sessions, -1, 10000000, err);
	rc = rc ?: check_range("table", cfg->table, -1, 255, err);
	rc = rc ?: check_range("log-rate-limit", cfg->log_rate_limit, 0, 1000000, err);
	rc = rc ?: check_limits(cfg, err);
	rc = rc ?: check_io_engine(cfg, err);
	if (rc)
		return rc;
	if (cfg->port_max < cfg->port_min + 1) {
		*err = g_strdup_printf("option --port-max: %d leaves no RTP/RTCP port pair above --port-min %d",
				       cfg->port_max, cfg->port_min);
		return -EINVAL;
	}
	if (!cfg->interfaces || !cfg->interfaces[0]) {
		*err = g_strdup("option --interface: at least one media interface is needed (e.g. --interface=lo/127.0.0.1)");
		return -EINVAL;
	}
	if (check_endpoint("listen-ng", cfg->listen_ng, &cfg->ng_addr, &cfg->ng_addr_len, err))
		return -EINVAL;
	if (cfg->listen_http &&
	    check_endpoint("listen-http", cfg->listen_http, &cfg->http_addr, &cfg->http_addr_len, err))
		return -EINVAL;
	return 0;
}

int rg_config_load(int argc, char **argv, struct rg_config *cfg, char **err)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) gerr = NULL;
	g_autofree GOptionEntry *table = NULL;
	g_autofree char *config_arg = NULL;
	const char *path = find_config_file(argc, argv);
	g_autofree char **vec = NULL;
	int i, n, rc;

	set_defaults(cfg);
	table = option_table(cfg, &config_arg);
	g_ptr_array_add(args, g_strdup(argc > 0 ? argv[0] : "rtpgated"));
	if (!path || strcmp(path, "none") != 0) {
		rc = keyfile_args(path ? path : RG_DEFAULT_CONFIG_FILE, path != NULL,
				  table, argc, argv, args, err);
		if (rc)
			return rc;
		if (path || access(RG_DEFAULT_CONFIG_FILE, R_OK) == 0)
			cfg->config_file = g_strdup(path ? path : RG_DEFAULT_CONFIG_FILE);
	}
	for (i = 1; i < argc; i++)
		g_ptr_array_add(args, g_strdup(argv[i]));

	ctx = g_option_context_new("- rtpgate media relay daemon");
	g_option_context_add_main_entries(ctx, table, NULL);
	n = (int)args->len;
	vec = g_new0(char *, args->len + 1);
	for (i = 0; i < n; i++)
		vec[i] = args->pdata[i];	/* borrowed: parsing may reorder vec */
	if (!g_option_context_parse(ctx, &n, &vec, &gerr)) {
		*err = g_strdup(gerr->message);
		return -EINVAL;
	}
	if (n > 1) {
		*err = g_strdup_printf("unexpected argument '%s'", vec[1]);
		return -EINVAL;
	}
	if (!cfg->listen_ng)
		cfg->listen_ng = g_strdup("127.0.0.1:2223");
	return validate(cfg, err);
}

void rg_config_free(struct rg_config *cfg)
{
	g_strfreev(cfg->interfaces);
	g_free(cfg->listen_ng);
	g_free(cfg->listen_cli);
	g_free(cfg->listen_http);
	g_free(cfg->pidfile);
	g_free(cfg->io_engine_name);
	g_free(cfg->config_file);
	memset(cfg, 0, sizeof(*cfg));
}

static int parse_port(const char *s, unsigned *port)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

int rg_parse_endpoint(const char *s, const char *default_host,
		      struct sockaddr_storage *addr, socklen_t *len, char **err)
{
	g_autofree char *host = NULL;
	const char *colon, *port_s;
	unsigned port;

	memset(addr, 0, sizeof(*addr));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			*err = g_strdup_printf("'%s' is not [IPv6]:PORT", s);
			return -EINVAL;
		}
		host = g_strndup(s + 1, (gsize)(close - s - 1));
		port_s = close + 2;
	} else if ((colon = strrchr(s, ':')) && !strchr(colon + 1, '.') &&
		   strchr(s, ':') == colon) {
		host = g_strndup(s, (gsize)(colon - s));
		port_s = colon + 1;
	} else {
		host = g_strdup(default_host);
		port_s = s;
	}
	if (parse_port(port_s, &port)) {
		*err = g_strdup_printf("'%s' has no valid port (1-65535)", s);
		return -EINVAL;
	}
	*len = rg_addr_from_text(addr, host, port);
	if (*len)
		return 0;
	*err = g_strdup_printf("'%s' is not an IPv4 or IPv6 address", host);
	return -EINVAL;
}
