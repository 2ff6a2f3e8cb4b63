/* main.c - rtpgated: start-up, the control loop, shutdown.
 *
 * Start-up order (unwound in reverse on failure): config, logging,
 * detaching (without --foreground), interfaces with their port pools,
 * kernel forwarding, the call registry, the NG socket, the pidfile, then
 * the glib main loop until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib-unix.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "call_lifetime.h"
#include "cli.h"
#include "config.h"
#include "ctx.h"
#include "dtls.h"
#include "ice_driver.h"
#include "interface.h"
#include "kernel_setup.h"
#include "log.h"
#include "metrics.h"
#include "offload.h"
#include "ng_server.h"
#include "worker.h"

#define REAP_INTERVAL_MS 1000

/* SIGTERM and SIGINT are held from the start of main() until the main
 * loop takes them (run), so that a stop during start-up still ends in the
 * loop's orderly teardown (kernel table and nftables rules removed), not
 * in the default action. Threads started meanwhile inherit the mask. */
static void hold_stop_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(how, &set, NULL);
}

/* Without --foreground, rtpgated forks before any thread exists (a child
 * of fork() has only the thread that forked, so forking later would leave
 * the media workers behind). The parent waits on a pipe and exits 0 once
 * the child says it is ready, or 1 when the child exits without saying
 * so; start-up errors thus still reach the terminal and the exit status.
 * Returns the pipe's write end in the child, -1 on failure. */
static int detach_start(void)
{
	int fds[2];
	char ready = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		rg_err("cannot detach: pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		rg_err("cannot detach: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		while (read(fds[0], &ready, 1) < 0 && errno == EINTR)
			;
		_exit(ready == 'R' ? 0 : 1);
	}
	close(fds[0]);
	setsid();
	return fds[1];
}

/* The child is ready: stdio goes to /dev/null, the working directory to /,
 * and the waiting parent exits 0. */
static void detach_finish(int fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	if (chdir("/") < 0)
		rg_warn("chdir /: %s", strerror(errno));
	if (write(fd, "R", 1) != 1)
		rg_warn("cannot tell the parent that start-up is done: %s",
			strerror(errno));
	close(fd);
}

static gboolean on_signal(gpointer data)
{
	rg_info("shutting down");
	g_main_loop_quit(data);
	return G_SOURCE_CONTINUE;
}

static gboolean on_reap(gpointer data)
{
	struct rg_ctx *ctx = data;

	int64_t now = g_get_real_time();

	rg_offload_poll(ctx->offload);	/* kernel counters count for timeouts */
	rg_calls_check_timeouts(ctx, now);
	rg_calls_reap(ctx->calls, now);
	rg_ratelimit_tick(ctx);
	return G_SOURCE_CONTINUE;
}

static void free_interface(gpointer p)
{
	rg_interface_destroy(p);
}

static int create_interfaces(struct rg_ctx *ctx, const struct rg_config *cfg)
{
	struct rg_interface *iface;
	char *err = NULL;
	int i;

	ctx->interfaces = g_ptr_array_new_with_free_func(free_interface);
	for (i = 0; cfg->interfaces[i]; i++) {
		iface = rg_interface_create(cfg->interfaces[i], (unsigned)cfg->port_min,
					    (unsigned)cfg->port_max, &err);
		if (!iface) {
			rg_err("option --interface: %s", err ? err : cfg->interfaces[i]);
			g_free(err);
			return -EINVAL;
		}
		rg_info("interface '%s': %s (advertised %s), ports %d-%d",
			iface->name, iface->local_str, iface->advertised,
			cfg->port_min, cfg->port_max);
		g_ptr_array_add(ctx->interfaces, iface);
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		rg_err("option --pidfile: cannot write '%s': %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return 0;
}

static int run(struct rg_ctx *ctx, const struct rg_config *cfg, int detach_fd)
{
	struct rg_ng_server *ng;
	struct rg_cli_server *cli;
	struct rg_metrics_server *http;
	GMainLoop *loop;
	char *err = NULL;
	char *pidfile = NULL;	/* absolute: detaching moves to / */
	int rc = 0;

	ng = rg_ng_server_create(ctx, (const struct sockaddr *)&cfg->ng_addr,
				 cfg->ng_addr_len, &err);
	if (!ng) {
		rg_err("option --listen-ng %s: %s", cfg->listen_ng, err);
		g_free(err);
		return -EINVAL;
	}
	rc = rg_cli_server_create(ctx, cfg->listen_cli, &cli);
	if (rc)
		goto out_ng;
	rc = rg_metrics_server_create(ctx, &http);
	if (rc)
		goto out_cli;
	if (cfg->pidfile) {
		pidfile = g_canonicalize_filename(cfg->pidfile, NULL);
		rc = write_pidfile(pidfile);
		if (rc)
			goto out_http;
	}
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	hold_stop_signals(SIG_UNBLOCK);	/* one that came meanwhile is taken now */
	g_timeout_add(REAP_INTERVAL_MS, on_reap, ctx);
	rg_info("rtpgated ready: NG on %s", cfg->listen_ng);
	if (detach_fd >= 0)
		detach_finish(detach_fd);
	g_main_loop_run(loop);
	g_main_loop_unref(loop);
	if (pidfile)
		unlink(pidfile);
out_http:
	g_free(pidfile);
	rg_metrics_server_destroy(http);
out_cli:
	rg_cli_server_destroy(cli);
out_ng:
	rg_ng_server_destroy(ng);
	return rc;
}

int main(int argc, char **argv)
{
	struct rg_config cfg;
	struct rg_ctx ctx = { 0 };
	char *err = NULL;
	const char *why = NULL;
	int detach_fd = -1;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	hold_stop_signals(SIG_BLOCK);
	if (rg_config_load(argc, argv, &cfg, &err)) {
		fprintf(stderr, "rtpgated: %s\n", err);
		g_free(err);
		rg_config_free(&cfg);
		return 1;
	}
	rg_log_init(cfg.log_stderr, cfg.log_level);
	rg_log_set_rate_limit(cfg.log_rate_limit);
	if (cfg.config_file)
		rg_info("config file: %s", cfg.config_file);
	if (!cfg.foreground) {
		detach_fd = detach_start();
		if (detach_fd < 0) {
			rg_config_free(&cfg);
			return 1;
		}
	}
	ctx.cfg = &cfg;
	rg_limits_from_config(&ctx.limits, &cfg);
	ctx.started_us = g_get_real_time();
	rc = create_interfaces(&ctx, &cfg);
	if (rc)
		goto out_ifaces;
	rc = rg_kernel_setup(&ctx, &cfg);
	if (rc)
		goto out_ifaces;
	ctx.offload = ctx.kernel ? rg_offload_create(&ctx) : NULL;
	ctx.engine = rg_media_engine_create((unsigned)cfg.num_threads, cfg.io_engine);
	if (!ctx.engine) {
		rc = -ENOMEM;
		goto out_kernel;
	}
	rg_info("media: %d userspace worker thread(s), %s", cfg.num_threads,
		rg_media_engine_io_name(ctx.engine));
	ctx.dtls_cert = rg_dtls_cert_create(&why);
	if (!ctx.dtls_cert)
		rg_warn("DTLS-SRTP disabled: no certificate: %s", why ? why : "unknown error");
	ctx.ice_driver = rg_ice_driver_create();
	ctx.calls = rg_calls_create();
	rc = run(&ctx, &cfg, detach_fd);
	rg_calls_destroy(ctx.calls);	/* before the engine: calls pause first */
	rg_ice_driver_destroy(ctx.ice_driver);
	rg_dtls_cert_destroy(ctx.dtls_cert);
	rg_media_engine_destroy(ctx.engine);
out_kernel:
	rg_offload_destroy(ctx.offload);
	rg_kernel_teardown(&ctx);
out_ifaces:
	g_ptr_array_free(ctx.interfaces, TRUE);
	rg_config_free(&cfg);
	return rc ? 1 : 0;
}
