/* config.h - rtpgated's configuration, parsed once into one read-only struct.
 *
 * Option names follow rtpengine's where the meaning is the same, so that
 * operators' configs and scripts carry over. The config file is a glib
 * keyfile with a [rtpgate] section using the same names as the command line;
 * the command line wins.
 */
#ifndef RG_CONFIG_H
#define RG_CONFIG_H

#include <glib.h>
#include <stdbool.h>
#include <sys/socket.h>

#define RG_DEFAULT_CONFIG_FILE "/etc/rtpgate/rtpgate.conf"

/* How media workers read and write their sockets (README "Threads"). */
enum rg_io_engine {
	RG_IO_AUTO,	/* io_uring if the kernel allows it, else epoll */
	RG_IO_URING,
	RG_IO_EPOLL,
};

struct rg_config {
	char **interfaces;		/* NULL-terminated specs as given */
	char *listen_ng;
	struct sockaddr_storage ng_addr;
	socklen_t ng_addr_len;
	char *listen_cli;		/* NULL: 127.0.0.1:9900; "none": off */
	int port_min, port_max;
	int table;			/* -1: never use the kernel */
	gboolean no_fallback;
	gboolean foreground;
	gboolean log_stderr;
	char *pidfile;
	int log_level;
	int timeout;			/* seconds */
	int silent_timeout;
	int final_timeout;		/* 0 = off */
	int offer_timeout;
	int delete_delay;
	int num_threads;
	char *io_engine_name;		/* --io-engine as given */
	enum rg_io_engine io_engine;
	int max_sessions;		/* -1 = no limit */
	double max_load;		/* 1-minute load average; 0 = off */
	double max_cpu;			/* percent of one core; 0 = off */
	gint64 max_bandwidth;		/* bytes relayed per second; 0 = off */
	int log_rate_limit;		/* lines per second per call site; 0 = off */
	char *listen_http;		/* metrics; NULL = off */
	struct sockaddr_storage http_addr;
	socklen_t http_addr_len;
	char *config_file;		/* the file read, or NULL */
};

/* Parses @argv (and the config file it names, or the default one if it
 * exists) into @cfg. Returns 0, or -EINVAL with *@err set to a g_strdup'd
 * message naming the option (caller g_free()s it). --help prints and exits. */
int rg_config_load(int argc, char **argv, struct rg_config *cfg, char **err);

void rg_config_free(struct rg_config *cfg);

/* Parses "ADDR:PORT", "[V6ADDR]:PORT" or "PORT" (then @default_host).
 * Returns 0, or -EINVAL with *@err g_strdup'd. */
int rg_parse_endpoint(const char *s, const char *default_host,
		      struct sockaddr_storage *addr, socklen_t *len, char **err);

#endif
