/* test_config.c - rtpgated's configuration: command line, keyfile, defaults
 * and validation, through rg_config_load().
 *
 * Config files are written to a fresh temporary directory per case and
 * removed again. Every case passes --config-file, so the real default file
 * (/etc/rtpgate/rtpgate.conf) is never read.
 */
/* needs: config addr */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <unistd.h>

#include "config.h"
#include "test.h"

#define MAX_ARGS 16

/* A temporary config file; rg_config_load's result and message. */
struct run {
	char *dir, *path;
	struct rg_config cfg;
	char *err;
	int rc;
};

/* Writes @text (NULL: no file, but still a path) into a temp dir. */
static void run_file(struct run *r, const char *text)
{
	r->dir = g_dir_make_tmp("rg-test-config-XXXXXX", NULL);
	r->path = g_build_filename(r->dir ? r->dir : "/nonexistent", "rtpgate.conf", NULL);
	if (text && r->dir)
		g_file_set_contents(r->path, text, -1, NULL);
}

/* Runs rg_config_load on "rtpgated" + the NULL-terminated @args; the
 * string "@FILE" is replaced by "--config-file=<the temp file>". */
static int run_load(struct run *r, const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	char *file_arg = g_strdup_printf("--config-file=%s", r->path ? r->path : "none");
	int argc = 0;

	argv[argc++] = "rtpgated";
	for (; *args && argc <= MAX_ARGS; args++)
		argv[argc++] = strcmp(*args, "@FILE") == 0 ? file_arg : (char *)*args;
	argv[argc] = NULL;
	r->err = NULL;
	r->rc = rg_config_load(argc, argv, &r->cfg, &r->err);
	g_free(file_arg);
	return r->rc;
}

static void run_done(struct run *r)
{
	rg_config_free(&r->cfg);
	g_free(r->err);
	if (r->path)
		g_unlink(r->path);
	if (r->dir)
		g_rmdir(r->dir);
	g_free(r->path);
	g_free(r->dir);
	memset(r, 0, sizeof(*r));
}

/* A case whose body may stop at any CHECK: the cleanup still runs. */
#define RUN_CASE(name)                                                     \
	static void name(void)                                             \
	{                                                                  \
		struct run r_ = { 0 };                                     \
                                                                           \
		name##_body(&r_);                                          \
		run_done(&r_);                                             \
	}

static unsigned addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static bool addr_is(const struct sockaddr_storage *ss, socklen_t len,
		    const char *text, unsigned port)
{
	char buf[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET && len == sizeof(struct sockaddr_in))
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, sizeof(buf));
	else if (ss->ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6))
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, sizeof(buf));
	return strcmp(buf, text) == 0 && addr_port(ss) == port;
}

static unsigned strv_len(char **v)
{
	return v ? g_strv_length(v) : 0;
}

static void only_an_interface_gives_the_documented_defaults_body(struct run *r)
{
	static const char *const args[] = {
		"--config-file=none", "--interface=lo/127.0.0.1", NULL };
	const struct rg_config *c = &r->cfg;

	run_load(r, args);
	if (r->rc)
		printf("    error: %s\n", r->err);
	CHECK_INT(r->rc, 0);
	CHECK(r->err == NULL);
	CHECK_INT(c->port_min, 30000);
	CHECK_INT(c->port_max, 39999);
	CHECK_STR(c->listen_ng, "127.0.0.1:2223");
	CHECK(addr_is(&c->ng_addr, c->ng_addr_len, "127.0.0.1", 2223));
	CHECK_INT(c->delete_delay, 30);
	CHECK_INT(c->timeout, 60);
	CHECK_INT(c->silent_timeout, 3600);
	CHECK_INT(c->offer_timeout, 3600);
	CHECK_INT(c->final_timeout, 0);
	CHECK_INT(c->log_level, 6);
	CHECK_INT(c->max_sessions, -1);
	CHECK_INT(c->table, 0);
	CHECK(c->num_threads >= 1);
	CHECK(!c->foreground && !c->log_stderr && !c->no_fallback);
	CHECK(c->pidfile == NULL && c->listen_cli == NULL);
	CHECK(c->config_file == NULL);
	CHECK_INT(strv_len(c->interfaces), 1);
	CHECK_STR(c->interfaces[0], "lo/127.0.0.1");
}
RUN_CASE(only_an_interface_gives_the_documented_defaults)

static void every_option_is_read_from_the_command_line_body(struct run *r)
{
	static const char *const args[] = {
		"--config-file=none", "--interface=a/127.0.0.1", "-i", "b/::1",
		"--port-min=40000", "--port-max=40100", "--timeout=90",
		"--delete-delay=0", "--max-sessions=7", "--table=-1",
		"--log-level=7", "--foreground", "--log-stderr",
		"--pidfile=/tmp/x.pid", "--listen-ng=[::1]:2224", NULL };

	run_load(r, args);
	CHECK_INT(r->rc, 0);
	CHECK_INT(strv_len(r->cfg.interfaces), 2);
	CHECK_STR(r->cfg.interfaces[1], "b/::1");
	CHECK_INT(r->cfg.port_min, 40000);
	CHECK_INT(r->cfg.port_max, 40100);
	CHECK_INT(r->cfg.timeout, 90);
	CHECK_INT(r->cfg.delete_delay, 0);
	CHECK_INT(r->cfg.max_sessions, 7);
	CHECK_INT(r->cfg.table, -1);
	CHECK_INT(r->cfg.log_level, 7);
	CHECK(r->cfg.foreground && r->cfg.log_stderr);
	CHECK_STR(r->cfg.pidfile, "/tmp/x.pid");
	CHECK(addr_is(&r->cfg.ng_addr, r->cfg.ng_addr_len, "::1", 2224));
}
RUN_CASE(every_option_is_read_from_the_command_line)

static const char base_file[] =
	"# rtpgate test config\n"
	"[rtpgate]\n"
	"interface = file/127.0.0.1\n"
	"port-min = 40000\n"
	"port-max = 40100\n"
	"timeout = 90\n"
	"delete-delay = 5\n"
	"listen-ng = 127.0.0.1:2300\n";

static void keyfile_is_read_and_the_command_line_wins_over_it_body(struct run *r)
{
	static const char *const args[] = {
		"@FILE", "--timeout=120", "--listen-ng=2301", NULL };

	run_file(r, base_file);
	run_load(r, args);
	if (r->rc)
		printf("    error: %s\n", r->err);
	CHECK_INT(r->rc, 0);
	CHECK_STR(r->cfg.config_file, r->path);
	CHECK_INT(r->cfg.port_min, 40000);
	CHECK_INT(r->cfg.port_max, 40100);
	CHECK_INT(r->cfg.delete_delay, 5);
	CHECK_INT(r->cfg.timeout, 120);
	CHECK(addr_is(&r->cfg.ng_addr, r->cfg.ng_addr_len, "127.0.0.1", 2301));
	CHECK_INT(strv_len(r->cfg.interfaces), 1);
	CHECK_STR(r->cfg.interfaces[0], "file/127.0.0.1");
}
RUN_CASE(keyfile_is_read_and_the_command_line_wins_over_it)

static void config_file_option_may_be_given_as_two_words_body(struct run *r)
{
	const char *args[] = { "--config-file", NULL, NULL };

	run_file(r, base_file);
	args[1] = r->path;
	run_load(r, args);
	CHECK_INT(r->rc, 0);
	CHECK_INT(r->cfg.delete_delay, 5);
	CHECK_STR(r->cfg.interfaces[0], "file/127.0.0.1");
}
RUN_CASE(config_file_option_may_be_given_as_two_words)

static void interface_on_the_command_line_replaces_the_files_list_body(struct run *r)
{
	static const char *const args[] = {
		"@FILE", "--interface=cli/127.0.0.2", "--interface", "cli/::1", NULL };

	run_file(r, "[rtpgate]\ninterface = f1/127.0.0.1;f2/127.0.0.3\n");
	run_load(r, args);
	CHECK_INT(r->rc, 0);
	CHECK_INT(strv_len(r->cfg.interfaces), 2);
	CHECK_STR(r->cfg.interfaces[0], "cli/127.0.0.2");
	CHECK_STR(r->cfg.interfaces[1], "cli/::1");
}
RUN_CASE(interface_on_the_command_line_replaces_the_files_list)

/* config.h: "the command line wins"; -i is --interface's short name. */
static void short_interface_option_also_replaces_the_files_list_body(struct run *r)
{
	static const char *const args[] = { "@FILE", "-i", "cli/127.0.0.2", NULL };
	unsigned n;

	run_file(r, "[rtpgate]\ninterface = f1/127.0.0.1\n");
	run_load(r, args);
	n = strv_len(r->cfg.interfaces);
	if (n != 1)
		printf("    got %u interfaces, the first '%s'\n", n,
		       n ? r->cfg.interfaces[0] : "-");
	CHECK_INT(r->rc, 0);
	CHECK_INT(n, 1);
	CHECK_STR(r->cfg.interfaces[0], "cli/127.0.0.2");
}
RUN_CASE(short_interface_option_also_replaces_the_files_list)

static void interface_list_in_the_file_is_separated_by_semicolons_body(struct run *r)
{
	static const char *const args[] = { "@FILE", NULL };

	run_file(r, "[rtpgate]\ninterface = internal/127.0.0.1; "
		     "external/127.0.0.2!203.0.113.5 ;internal/::1\n");
	run_load(r, args);
	CHECK_INT(r->rc, 0);
	CHECK_INT(strv_len(r->cfg.interfaces), 3);
	CHECK_STR(r->cfg.interfaces[0], "internal/127.0.0.1");
	CHECK_STR(r->cfg.interfaces[1], "external/127.0.0.2!203.0.113.5");
	CHECK_STR(r->cfg.interfaces[2], "internal/::1");
}
RUN_CASE(interface_list_in_the_file_is_separated_by_semicolons)

static void booleans_in_the_file_read_true_and_false_body(struct run *r)
{
	static const char *const args[] = { "@FILE", NULL };

	run_file(r, "[rtpgate]\ninterface = lo/127.0.0.1\nforeground = true\n"
		     "log-stderr = false\nno-fallback = false\n");
	run_load(r, args);
	CHECK_INT(r->rc, 0);
	CHECK(r->cfg.foreground);
	CHECK(!r->cfg.log_stderr);
	CHECK(!r->cfg.no_fallback);
}
RUN_CASE(booleans_in_the_file_read_true_and_false)

static void io_engine_is_auto_unless_the_file_or_command_line_names_one_body(struct run *r)
{
	static const char *const none[] = { "--config-file=none", "-i", "lo/127.0.0.1", NULL };
	static const char *const file_only[] = { "@FILE", NULL };
	static const char *const both[] = { "@FILE", "--io-engine=uring", NULL };

	run_load(r, none);
	CHECK_INT(r->rc, 0);
	CHECK_INT(r->cfg.io_engine, RG_IO_AUTO);
	rg_config_free(&r->cfg);
	run_file(r, "[rtpgate]\ninterface = lo/127.0.0.1\nio-engine = epoll\n");
	run_load(r, file_only);
	CHECK_INT(r->rc, 0);
	CHECK_INT(r->cfg.io_engine, RG_IO_EPOLL);
	rg_config_free(&r->cfg);
	run_load(r, both);
	CHECK_INT(r->rc, 0);
	CHECK_INT(r->cfg.io_engine, RG_IO_URING);
}
RUN_CASE(io_engine_is_auto_unless_the_file_or_command_line_names_one)

struct bad_file {
	const char *text;
	const char *problem;	/* a part of the error message */
};

static const struct bad_file bad_files[] = {
	{ "[rtpgate]\ninterface = lo/127.0.0.1\nbogus-key = 1\n", "unknown option 'bogus-key'" },
	{ "[rtpgate]\ninterface = lo/127.0.0.1\nforeground = maybe\n", "'foreground'" },
	{ "[rtpgate]\ninterface = lo/127.0.0.1\nport-min = abc\n", "port-min" },
	{ "[rtpgate]\ninterface = lo/127.0.0.1\nlog-level = 9\n", "log-level" },
	{ "[rtpgate]\nconfig-file = /etc/passwd\n", "unknown option 'config-file'" },
	{ "[rtpgate\ninterface = lo/127.0.0.1\n", "config file '" },
	{ "interface = lo/127.0.0.1\n", "config file '" },
	{ "[rtpgate]\nport-min = 30000\n", "--interface" },
};

static void bad_config_files_are_errors_naming_the_problem(void)
{
	static const char *const args[] = { "@FILE", NULL };
	size_t i, bad = 0;

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		struct run r = { 0 };

		run_file(&r, bad_files[i].text);
		run_load(&r, args);
		if (r.rc != -EINVAL || !r.err || !strstr(r.err, bad_files[i].problem)) {
			printf("    file %zu: rc %d, \"%s\" (want \"%s\")\n", i, r.rc,
			       r.err ? r.err : "(no error)", bad_files[i].problem);
			bad++;
		}
		run_done(&r);
	}
	CHECK_INT(bad, 0);
}

static void missing_named_config_file_is_an_error_naming_it_body(struct run *r)
{
	static const char *const args[] = { "@FILE", "--interface=lo/127.0.0.1", NULL };

	run_file(r, NULL);
	run_load(r, args);
	CHECK_INT(r->rc, -EINVAL);
	CHECK(r->err && strstr(r->err, r->path));
}
RUN_CASE(missing_named_config_file_is_an_error_naming_it)

static void config_file_none_reads_no_file_body(struct run *r)
{
	static const char *const args[] = {
		"--config-file", "none", "--interface=lo/127.0.0.1", NULL };

	run_load(r, args);
	CHECK_INT(r->rc, 0);
	CHECK(r->cfg.config_file == NULL);
	CHECK_INT(r->cfg.delete_delay, 30);
}
RUN_CASE(config_file_none_reads_no_file)

struct bad_args {
	const char *args[4];
	const char *problem;
};

static const struct bad_args bad_args[] = {
	{ { "--port-min=40000", "--port-max=39000" }, "--port-max" },
	{ { "--port-min=40000", "--port-max=40000" }, "--port-max" },
	{ { "--port-min=0" }, "--port-min" },
	{ { "--port-max=65536" }, "--port-max" },
	{ { "--port-min=abc" }, "--port-min" },
	{ { "--log-level=9" }, "--log-level" },
	{ { "--log-level=-1" }, "--log-level" },
	{ { "--listen-ng=nonsense" }, "--listen-ng" },
	{ { "--listen-ng=127.0.0.1:70000" }, "--listen-ng" },
	{ { "--listen-ng=127.0.0.1:0" }, "--listen-ng" },
	{ { "--listen-ng=[::1]2223" }, "--listen-ng" },
	{ { "--listen-ng=999.1.1.1:2223" }, "--listen-ng" },
	{ { "--listen-ng=" }, "--listen-ng" },
	{ { "--timeout=-5" }, "--timeout" },
	{ { "--delete-delay=99999" }, "--delete-delay" },
	{ { "--max-sessions=-2" }, "--max-sessions" },
	{ { "--num-threads=0" }, "--num-threads" },
	{ { "--io-engine=fast" }, "--io-engine" },
	{ { "--table=256" }, "--table" },
	{ { "--no-such-option" }, "--no-such-option" },
	{ { "stray" }, "stray" },
};

static void invalid_values_give_einval_and_a_message_naming_the_option(void)
{
	size_t i, j, bad = 0;

	for (i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++) {
		const char *args[8] = { "--config-file=none", "--interface=lo/127.0.0.1" };
		struct run r = { 0 };

		for (j = 0; j < 4 && bad_args[i].args[j]; j++)
			args[2 + j] = bad_args[i].args[j];
		run_load(&r, args);
		if (r.rc != -EINVAL || !r.err || !strstr(r.err, bad_args[i].problem)) {
			printf("    %s: rc %d, \"%s\" (want \"%s\")\n", bad_args[i].args[0],
			       r.rc, r.err ? r.err : "(no error)", bad_args[i].problem);
			bad++;
		}
		run_done(&r);
	}
	CHECK_INT(bad, 0);
}

static void no_interface_at_all_is_an_error_naming_the_option_body(struct run *r)
{
	static const char *const args[] = { "--config-file=none", NULL };

	run_load(r, args);
	CHECK_INT(r->rc, -EINVAL);
	CHECK(r->err && strstr(r->err, "--interface"));
}
RUN_CASE(no_interface_at_all_is_an_error_naming_the_option)

struct endpoint_form {
	const char *arg, *addr;
	unsigned port;
};

static const struct endpoint_form endpoint_forms[] = {
	{ "--listen-ng=2223", "127.0.0.1", 2223 },
	{ "--listen-ng=127.0.0.1:2223", "127.0.0.1", 2223 },
	{ "--listen-ng=[::1]:2223", "::1", 2223 },
	{ "--listen-ng=0.0.0.0:65535", "0.0.0.0", 65535 },
	{ "--listen-ng=1", "127.0.0.1", 1 },
};

static void listen_ng_takes_a_port_an_ipv4_or_a_bracketed_ipv6_endpoint(void)
{
	size_t i, bad = 0;

	for (i = 0; i < sizeof(endpoint_forms) / sizeof(endpoint_forms[0]); i++) {
		const struct endpoint_form *e = &endpoint_forms[i];
		const char *args[] = { "--config-file=none", "--interface=lo/127.0.0.1", e->arg, NULL };
		struct run r = { 0 };

		run_load(&r, args);
		if (r.rc || !addr_is(&r.cfg.ng_addr, r.cfg.ng_addr_len, e->addr, e->port)) {
			printf("    %s: rc %d %s\n", e->arg, r.rc, r.err ? r.err : "");
			bad++;
		}
		run_done(&r);
	}
	CHECK_INT(bad, 0);
}

static void parse_endpoint_rejects_what_is_not_an_endpoint(void)
{
	static const char *const bad[] = {
		"", ":", "127.0.0.1:", "[::1]", "[::1]:", "::1:2223", "host:2223",
		"1.2.3.4:5:6", "2223x", "-1", "[::1]:99999", "[::1]x2223",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i, wrong = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		int rc = rg_parse_endpoint(bad[i], "127.0.0.1", &ss, &len, &err);

		if (rc != -EINVAL || !err) {
			printf("    '%s' accepted\n", bad[i]);
			wrong++;
		}
		g_free(err);
	}
	CHECK_INT(wrong, 0);
}

static const struct test_case cases[] = {
	{ "only an interface gives the documented defaults", only_an_interface_gives_the_documented_defaults },
	{ "every option is read from the command line", every_option_is_read_from_the_command_line },
	{ "a keyfile is read and the command line wins over it", keyfile_is_read_and_the_command_line_wins_over_it },
	{ "--config-file may be given as two words", config_file_option_may_be_given_as_two_words },
	{ "--interface on the command line replaces the file's list", interface_on_the_command_line_replaces_the_files_list },
	{ "-i on the command line also replaces the file's list", short_interface_option_also_replaces_the_files_list },
	{ "the file's interface list is separated by semicolons", interface_list_in_the_file_is_separated_by_semicolons },
	{ "booleans in the file read true and false", booleans_in_the_file_read_true_and_false },
	{ "io-engine is epoll unless the file or the command line names one", io_engine_is_auto_unless_the_file_or_command_line_names_one },
	{ "bad config files are errors naming the problem", bad_config_files_are_errors_naming_the_problem },
	{ "a missing named config file is an error naming it", missing_named_config_file_is_an_error_naming_it },
	{ "--config-file=none reads no file", config_file_none_reads_no_file },
	{ "invalid values give -EINVAL and a message naming the option", invalid_values_give_einval_and_a_message_naming_the_option },
	{ "no --interface at all is an error naming the option", no_interface_at_all_is_an_error_naming_the_option },
	{ "--listen-ng takes a port, an IPv4 or a bracketed IPv6 endpoint", listen_ng_takes_a_port_an_ipv4_or_a_bracketed_ipv6_endpoint },
	{ "rg_parse_endpoint rejects what is not an endpoint", parse_endpoint_rejects_what_is_not_an_endpoint },
};

TEST_MAIN(cases)
