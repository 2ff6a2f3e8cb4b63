/* test_dtls_interop.c - DTLS-SRTP against an independent peer: OpenSSL's
 * own command-line tool.
 *
 * Each case runs `openssl s_server` or `openssl s_client` (DTLS 1.2,
 * use_srtp, a certificate made by `openssl req` in a temporary directory)
 * on loopback, shuttles datagrams between it and one struct rg_dtls over a
 * real UDP socket, and compares the SRTP keys we export with the keying
 * material the tool prints (-keymatexport EXTRACTOR-dtls_srtp, RFC 5764
 * section 4.2). Our certificate is read back with `openssl x509`. Each
 * tool is stopped by its PID, whatever the outcome.
 */
/* needs: dtls log */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dtls.h"
#include "test.h"

/* ---- the openssl tool as a child process ------------------------------ */

struct tool {
	bool running;		/* started and not yet waited for */
	pid_t pid;
	int in_fd, out_fd;	/* its stdin; its stdout and stderr */
	bool eof;		/* it closed its output: it has exited */
	size_t len;
	char out[65536];
};

static char tmpdir[64];
static const char *why;

/* Starts openssl with @argv in tmpdir. */
static bool tool_start(struct tool *t, char *const argv[])
{
	int in[2], out[2];

	memset(t, 0, sizeof(*t));
	if (pipe(in) < 0)
		return false;
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		return false;
	}
	t->pid = fork();
	if (t->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(in[1]);
		close(out[0]);
		if (chdir(tmpdir) == 0)
			execvp("openssl", argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (t->pid < 0) {
		close(in[1]);
		close(out[0]);
		return false;
	}
	t->running = true;
	t->in_fd = in[1];
	t->out_fd = out[0];
	fcntl(t->out_fd, F_SETFL, O_NONBLOCK);
	return true;
}

static void tool_read(struct tool *t)
{
	ssize_t n;

	while (!t->eof && t->len + 1 < sizeof(t->out)) {
		n = read(t->out_fd, t->out + t->len, sizeof(t->out) - 1 - t->len);
		if (n == 0)
			t->eof = true;
		if (n <= 0)
			break;
		t->len += (size_t)n;
	}
	t->out[t->len] = 0;
}

/* Closes its stdin (openssl's s_server and s_client then shut down), waits
 * up to 3 s for it to exit, kills it otherwise. Returns its exit status,
 * or -1 if it had to be killed or was not running. */
static int tool_stop(struct tool *t)
{
	int status = -1, i;

	if (!t->running)
		return -1;
	t->running = false;
	if (t->in_fd >= 0)
		close(t->in_fd);
	t->in_fd = -1;
	for (i = 0; i < 300; i++) {
		tool_read(t);
		if (waitpid(t->pid, &status, WNOHANG) == t->pid)
			break;
		usleep(10000);
	}
	if (i == 300) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		status = -1;
	}
	tool_read(t);
	close(t->out_fd);
	return status < 0 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
}

/* Runs openssl with @argv to completion; its output is in t->out. */
static bool tool_run(struct tool *t, char *const argv[])
{
	return tool_start(t, argv) && tool_stop(t) == 0;
}

static bool tmpdir_make(void)
{
	static struct tool t;
	char *req[] = {
		"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem",
		"-out", "cert.pem", "-days", "2", "-subj", "/CN=peer", NULL,
	};

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rg_dtls_XXXXXX");
	if (!mkdtemp(tmpdir))
		return false;
	return tool_run(&t, req);
}

static void tmpdir_remove(void)
{
	static const char *files[] = { "key.pem", "cert.pem", "ours.pem" };
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

/* The sha-256 fingerprint of tmpdir/@file, from `openssl x509`. */
static bool tool_fingerprint(const char *file, char *out, size_t outlen)
{
	static struct tool t;
	char *argv[] = { "openssl", "x509", "-in", (char *)file, "-noout",
			 "-fingerprint", "-sha256", NULL };
	char *eq, *nl;

	if (!tool_run(&t, argv) || !(eq = strchr(t.out, '=')))
		return false;
	if ((nl = strchr(eq, '\n')))
		*nl = 0;
	snprintf(out, outlen, "%s", eq + 1);
	return true;
}

/* The bytes of "Keying material: HEX" in @text. */
static size_t keying_material(const char *text, uint8_t *out, size_t cap)
{
	const char *s = strstr(text, "Keying material: ");
	size_t n = 0;

	if (!s)
		return 0;
	for (s += 17; n < cap && sscanf(s, "%2hhx", &out[n]) == 1; s += 2)
		n++;
	return n;
}

static int udp_socket(struct sockaddr_in *bound)
{
	socklen_t alen = sizeof(*bound);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(bound, 0, sizeof(*bound));
	bound->sin_family = AF_INET;
	bound->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)bound, sizeof(*bound)) < 0 ||
	    getsockname(fd, (struct sockaddr *)bound, &alen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

typedef bool (*pump_until)(struct rg_dtls *d, struct tool *t);

/* Moves datagrams between @d and @fd (connected to the first sender if
 * not yet connected), fires @d's timer and reads @t's output, for up to
 * 5 s or until @until holds. */
static bool pump(struct rg_dtls *d, int fd, struct tool *t, pump_until until)
{
	struct timespec t0, now;
	struct sockaddr_in from;
	socklen_t flen;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[2048];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		while ((n = rg_dtls_output(d, buf, sizeof(buf))) > 0)
			send(fd, buf, (size_t)n, 0);
		poll(&pfd, 1, 20);
		flen = sizeof(from);
		while ((n = (int)recvfrom(fd, buf, sizeof(buf), 0,
					  (struct sockaddr *)&from, &flen)) > 0) {
			connect(fd, (struct sockaddr *)&from, flen);
			rg_dtls_input(d, buf, (size_t)n);
		}
		rg_dtls_on_timer(d);
		tool_read(t);
		if (until(d, t))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < 5);
	return false;
}

static bool keys_printed(struct rg_dtls *d, struct tool *t)
{
	return rg_dtls_state(d) != RG_DTLS_HANDSHAKING &&
	       strstr(t->out, "Keying material: ");
}

static bool handshake_over(struct rg_dtls *d, struct tool *t)
{
	return rg_dtls_state(d) != RG_DTLS_HANDSHAKING;
}

static bool tool_gone(struct rg_dtls *d, struct tool *t)
{
	return t->eof && rg_dtls_state(d) != RG_DTLS_DONE;
}

#define TRY(cond)                                                          \
	do {                                                               \
		if (!(cond)) {                                             \
			why = #cond;                                       \
			return false;                                      \
		}                                                          \
	} while (0)

/* What one session with an openssl tool showed. */
struct session {
	struct rg_dtls_cert *cert;
	struct rg_dtls *d;
	struct tool tool;
	int fd;
	struct sdes_crypto tx, rx;
	uint8_t km[64];
	size_t km_len;
	enum rg_dtls_state closed;	/* our state once the tool quit */
	const char *error;		/* and rg_dtls_error() then */
	int status;			/* the tool's exit status */
};

static void session_end(struct session *s)
{
	tool_stop(&s->tool);
	if (s->fd >= 0)
		close(s->fd);
	rg_dtls_destroy(s->d);
	rg_dtls_cert_destroy(s->cert);
	tmpdir_remove();
}

/* Runs @s until the tool has gone and we are no longer DONE, then notes
 * how both ended. */
static bool session_close(struct session *s)
{
	TRY(pump(s->d, s->fd, &s->tool, tool_gone));
	s->closed = rg_dtls_state(s->d);
	s->error = rg_dtls_error(s->d);
	s->status = tool_stop(&s->tool);
	return true;
}

/* Our client against `openssl s_server` with @profile. */
static bool with_s_server(struct session *s, const char *profile)
{
	struct sockaddr_in ours, srv;
	char fp[RG_DTLS_FP_MAX], port[32];
	char *argv[] = {
		"openssl", "s_server", "-dtls1_2", "-accept", port, "-cert",
		"cert.pem", "-key", "key.pem", "-Verify", "1", "-naccept", "1",
		"-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen",
		"60", "-use_srtp", (char *)profile, NULL,
	};
	int i;

	TRY(tmpdir_make());
	TRY(tool_fingerprint("cert.pem", fp, sizeof(fp)));
	TRY(s->cert = rg_dtls_cert_create(NULL));
	TRY(s->d = rg_dtls_create(s->cert, RG_DTLS_CLIENT, "sha-256", fp, NULL));
	/* A free port for s_server: ours, given up just before. */
	TRY((s->fd = udp_socket(&srv)) >= 0);
	close(s->fd);
	snprintf(port, sizeof(port), "127.0.0.1:%u", ntohs(srv.sin_port));
	TRY(tool_start(&s->tool, argv));
	for (i = 0; i < 300 && !strstr(s->tool.out, "ACCEPT"); i++) {
		usleep(10000);
		tool_read(&s->tool);
	}
	TRY((s->fd = udp_socket(&ours)) >= 0);
	TRY(connect(s->fd, (struct sockaddr *)&srv, sizeof(srv)) == 0);
	rg_dtls_start(s->d);
	TRY(pump(s->d, s->fd, &s->tool, keys_printed));
	TRY(rg_dtls_srtp_keys(s->d, &s->tx, &s->rx) == 0);
	s->km_len = keying_material(s->tool.out, s->km, sizeof(s->km));
	/* s_server ends its connection (and, with -naccept 1, itself) on
	 * our close_notify; it never sends one over DTLS 1.2 itself. */
	rg_dtls_close(s->d);
	return session_close(s);
}

static void an_openssl_s_server_agrees_on_the_keys_we_export(void)
{
	struct session s = { .fd = -1 };
	bool ok = with_s_server(&s, "SRTP_AES128_CM_SHA1_80");

	session_end(&s);
	if (!ok)
		printf("    %s\n    %s\n", why, s.tool.out);
	CHECK(ok);
	CHECK(strstr(s.tool.out, "profile=SRTP_AES128_CM_SHA1_80"));
	CHECK_STR(s.tx.suite->name, "AES_CM_128_HMAC_SHA1_80");
	CHECK_INT(s.km_len, 60);
	/* We are the client: we send with the client's key and salt. */
	CHECK(!memcmp(s.tx.key, s.km, 16));
	CHECK(!memcmp(s.rx.key, s.km + 16, 16));
	CHECK(!memcmp(s.tx.salt, s.km + 32, 14));
	CHECK(!memcmp(s.rx.salt, s.km + 46, 14));
	CHECK_INT(s.status, 0);
}

/* Saves the client certificate s_server printed as tmpdir/ours.pem. */
static bool save_our_certificate(const char *text)
{
	const char *b = strstr(text, "-----BEGIN CERTIFICATE-----");
	const char *e = b ? strstr(b, "-----END CERTIFICATE-----") : NULL;
	char path[128];
	FILE *f;

	if (!e)
		return false;
	snprintf(path, sizeof(path), "%s/ours.pem", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return false;
	fprintf(f, "%.*s-----END CERTIFICATE-----\n", (int)(e - b), b);
	return fclose(f) == 0;
}

/* The time after "@key=" in `openssl x509 -dates` output, or 0. */
static time_t cert_date(const char *text, const char *key)
{
	const char *s = strstr(text, key);
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!s || !strptime(s + strlen(key), "%b %d %H:%M:%S %Y GMT", &tm))
		return 0;
	return timegm(&tm);
}

/* Our certificate as openssl sees it, checked before the tmpdir goes. */
static bool our_certificate_checks(struct session *s)
{
	char *text[] = { "openssl", "x509", "-in", "ours.pem", "-noout",
			 "-subject", "-issuer", "-serial", "-dates", NULL };
	char ours[RG_DTLS_FP_MAX], theirs[RG_DTLS_FP_MAX];
	static struct tool t;
	time_t now = time(NULL), from, until;

	TRY(save_our_certificate(s->tool.out));
	TRY(rg_dtls_cert_fingerprint(s->cert, NULL, ours, sizeof(ours)) > 0);
	TRY(tool_fingerprint("ours.pem", theirs, sizeof(theirs)));
	TRY(!strcmp(ours, theirs));
	TRY(tool_run(&t, text));
	TRY(strstr(t.out, "subject=CN = rtpgate\n"));
	TRY(strstr(t.out, "issuer=CN = rtpgate\n"));
	TRY(strstr(t.out, "serial="));
	from = cert_date(t.out, "notBefore=");
	until = cert_date(t.out, "notAfter=");
	TRY(labs((long)(from - (now - 30 * 86400))) < 120);
	TRY(labs((long)(until - (now + 365 * 86400))) < 120);
	return true;
}

static void openssl_reads_our_certificate_as_announced(void)
{
	struct session s = { .fd = -1 };
	bool ok = with_s_server(&s, "SRTP_AES128_CM_SHA1_32");

	ok = ok && our_certificate_checks(&s);
	session_end(&s);
	if (!ok)
		printf("    %s\n", why);
	CHECK(ok);
	CHECK_STR(s.tx.suite->name, "AES_CM_128_HMAC_SHA1_32");
}

/* Our server against `openssl s_client`, offering @profile (NULL: no
 * use_srtp at all), exporting @km_len bytes. */
static bool with_s_client(struct session *s, const char *profile, int km_len)
{
	struct sockaddr_in ours;
	char fp[RG_DTLS_FP_MAX], addr[32], len[16];
	char *argv[] = {
		"openssl", "s_client", "-dtls1_2", "-connect", addr, "-cert",
		"cert.pem", "-key", "key.pem", "-keymatexport",
		"EXTRACTOR-dtls_srtp", "-keymatexportlen", len,
		profile ? "-use_srtp" : NULL, (char *)profile, NULL,
	};

	TRY(tmpdir_make());
	TRY(tool_fingerprint("cert.pem", fp, sizeof(fp)));
	TRY(s->cert = rg_dtls_cert_create(NULL));
	TRY(s->d = rg_dtls_create(s->cert, RG_DTLS_SERVER, "sha-256", fp, NULL));
	TRY((s->fd = udp_socket(&ours)) >= 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(ours.sin_port));
	snprintf(len, sizeof(len), "%d", km_len);
	TRY(tool_start(&s->tool, argv));
	TRY(pump(s->d, s->fd, &s->tool, profile ? keys_printed : handshake_over));
	if (rg_dtls_state(s->d) == RG_DTLS_DONE)
		TRY(rg_dtls_srtp_keys(s->d, &s->tx, &s->rx) == 0);
	s->km_len = keying_material(s->tool.out, s->km, sizeof(s->km));
	/* s_client sends close_notify when its input ends. */
	close(s->tool.in_fd);
	s->tool.in_fd = -1;
	return session_close(s);
}

static void an_openssl_s_client_agrees_on_aes_gcm_keys_with_our_server(void)
{
	struct session s = { .fd = -1 };
	bool ok = with_s_client(&s, "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM",
				56);

	session_end(&s);
	if (!ok)
		printf("    %s\n    %s\n", why, s.tool.out);
	CHECK(ok);
	/* Our preference wins over the client's order. */
	CHECK(strstr(s.tool.out, "profile=SRTP_AEAD_AES_128_GCM"));
	CHECK(s.tx.suite);
	CHECK_STR(s.tx.suite->name, "AEAD_AES_128_GCM");
	CHECK_INT(s.km_len, 56);
	/* We are the server: we send with the server's key and salt. */
	CHECK(!memcmp(s.rx.key, s.km, 16));
	CHECK(!memcmp(s.tx.key, s.km + 16, 16));
	CHECK(!memcmp(s.rx.salt, s.km + 32, 12));
	CHECK(!memcmp(s.tx.salt, s.km + 44, 12));
	CHECK_INT(s.closed, RG_DTLS_CLOSED);
	CHECK_INT(s.status, 0);
}

static void a_peer_without_use_srtp_fails_the_handshake(void)
{
	struct session s = { .fd = -1 };
	bool ok = with_s_client(&s, NULL, 20);

	session_end(&s);
	if (!ok)
		printf("    %s\n    %s\n", why, s.tool.out);
	CHECK(ok);
	CHECK_INT(s.closed, RG_DTLS_FAILED);
	CHECK_STR(s.error, "no SRTP profile agreed");
}

static const struct test_case cases[] = {
	{ "an openssl s_server over UDP, cookie exchange included, completes "
	  "the handshake with our client, prints the keys we export and ends "
	  "on our close_notify",
	  an_openssl_s_server_agrees_on_the_keys_we_export },
	{ "openssl reads our certificate as CN rtpgate, valid from 30 days "
	  "ago for a year, with the fingerprint we announce",
	  openssl_reads_our_certificate_as_announced },
	{ "an openssl s_client over UDP agrees on AES-128-GCM keys with our "
	  "server, and its close_notify closes us",
	  an_openssl_s_client_agrees_on_aes_gcm_keys_with_our_server },
	{ "a peer that does not offer use_srtp fails the handshake with \"no "
	  "SRTP profile agreed\"", a_peer_without_use_srtp_fails_the_handshake },
};

TEST_MAIN(cases)
