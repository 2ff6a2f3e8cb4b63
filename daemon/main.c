/* main.c - rtpgated: start-up, the control loop, shutdown.
 *
 * Start-up order (unwound in reverse on failure): config, logging,
 * interfaces with their port pools, kernel forwarding, the call registry,
 * the NG socket, daemonizing and the pidfile, then the glib main loop until
 * SIGTERM or SIGINT.
 */
#include <errno.h>
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

static int run(struct rg_ctx *ctx, const struct rg_config *cfg)
{
	struct rg_ng_server *ng;
	struct rg_cli_server *cli;
	struct rg_metrics_server *http;
	GMainLoop *loop;
	char *err = NULL;
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
	if (!cfg->foreground && daemon(0, 0) < 0) {
		rg_err("daemon: %s", strerror(errno));
		rc = -errno;
		goto out_http;
	}
	if (cfg->pidfile) {
		rc = write_pidfile(cfg->pidfile);
		if (rc)
			goto out_http;
	}
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	hold_stop_signals(SIG_UNBLOCK);	/* one that came meanwhile is taken now */
	g_timeout_add(REAP_INTERVAL_MS, on_reap, ctx);
	rg_info("rtpgated ready: NG on %s", cfg->listen_ng);
	g_main_loop_run(loop);
	g_main_loop_unref(loop);
	if (cfg->pidfile)
		unlink(cfg->pidfile);
out_http:
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
	rc = run(&ctx, &cfg);
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
