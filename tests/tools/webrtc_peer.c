/* webrtc_peer - a browser-like WebRTC media peer for rtpgate's tests.
 *
 * One UDP socket, one host candidate, one component (rtcp-mux), acting as
 * a browser does: a full ICE agent in the controlling role (RFC 8445),
 * consent freshness checks (RFC 7675), DTLS 1.2 with use_srtp (RFC 5763,
 * RFC 5764) and SRTP/SRTCP from libsrtp2, everything on one port and told
 * apart by its first octet (RFC 7983; RTCP by payload type, RFC 5761).
 * Written from the RFCs with OpenSSL and libsrtp2: it shares no code with
 * rtpgate (not lib/stun.c, daemon/ice.c, daemon/dtls.c, daemon/srtp.c).
 * Files: this one (options, the loop, media, the report), webrtc_ice.c,
 * webrtc_stun.c (the STUN codec and its RFC 5769 self-test), webrtc_dtls.c.
 *
 *   webrtc_peer --selftest
 *   webrtc_peer --local ADDR:PORT --remote ADDR:PORT
 *	--local-ufrag U --local-pwd P --remote-ufrag U --remote-pwd P
 *	--cert PEM --key PEM --remote-fingerprint "sha-256 AB:CD:..."
 *	[--role client|server] [--ice full|controlled|lite|none]
 *	[--profiles SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:...]
 *	[--send N --ssrc X --pt P] [--expect N] [--expect-rtcp N]
 *	[--expect-ssrc X] [--timeout SECONDS] [--linger SECONDS] [--print-keys]
 *	[--control] [--drop-dtls N]
 *
 * ADDR:PORT is 127.0.0.1:4000 or [::1]:4000; rtpgate's candidate comes from
 * its SDP. --role is the DTLS role from a=setup (client: we sent active).
 * --ice full (default) sends Binding requests (USERNAME remote:local,
 * PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY keyed by
 * the remote password, FINGERPRINT) until a response verifies and maps
 * our own address, then one consent check every 2 s; --ice controlled is
 * the full agent that answered an offer (RFC 8445 6.1.1): its checks
 * carry ICE-CONTROLLED and no USE-CANDIDATE, and the peer's USE-CANDIDATE
 * nominates (then consent checks as above); --ice lite only
 * answers checks (nominated by USE-CANDIDATE); --ice none skips STUN (for
 * openssl s_server). Incoming checks are answered in every mode but none.
 *
 * --control reads commands from stdin, one per line: "restart LUFRAG LPWD
 * RUFRAG RPWD" is an ICE restart (RFC 8445 section 9) with new local and
 * remote credentials; DTLS and media go on, and "ice_restarts" counts the
 * restarts whose checks succeeded. Other lines are ignored.
 *
 * --drop-dtls N discards the first N DTLS datagrams that arrive, as if
 * the network lost them, so that the other side must retransmit.
 *
 * After DTLS completes it sends --send RTP packets 20 ms apart (SSRC
 * --ssrc, payload type --pt, 160-octet payloads where the octet i of the
 * packet with sequence number s is (s * 7 + i) & 0xff) and one RTCP
 * sender report a second, as SRTP and SRTCP on the same port. Received
 * SRTP is decrypted and checked against the same rule (and --expect-ssrc).
 *
 * It stops when it has sent everything and received --expect RTP and
 * --expect-rtcp RTCP packets, and DTLS completed at least --linger seconds
 * ago (default 0; meanwhile it goes on with RTCP and consent checks), when
 * DTLS fails, or after --timeout seconds (default 10), and prints one JSON
 * object on stdout:
 *   {"ice":"ok","ice_responses":5,"dtls":"ok"|"failed: <reason>",
 *    "profile":"SRTP_AES128_CM_SHA1_80","sent":N,"rtcp_sent":K,
 *    "received":M,"payload_ok":M2,"unprotect_failed":F,"rtcp_received":R,
 *    "from":"addr:port",...}
 * Exit status: 0 if ICE and DTLS completed, every expected packet arrived
 * and every received payload was right; 1 otherwise; 2 for usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "webrtc_peer.h"
#include "webrtc_stun.h"

#define PKT_MAX		2048
#define PAYLOAD_LEN	160
#define RTP_INTERVAL	20	/* ms */
#define RTCP_INTERVAL	1000

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- options ---------------------------------------------------------------- */

static int addr_parse(const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;
	size_t hlen;

	if (!colon)
		return -1;
	port = strtol(colon + 1, &end, 10);
	hlen = (size_t)(colon - s);
	if (*end || end == colon + 1 || port < 1 || port > 65535 || hlen >= sizeof(host))
		return -1;
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':')) {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &in6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *in = (void *)ss;

	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &in->sin_addr) == 1 ? 0 : -1;
}

static void addr_format(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(in->sin_port));
	}
}

bool addr_equal(const struct sockaddr_storage *a,
		       const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port &&
	       !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

/* "sha-256 AB:CD:..." (RFC 8122 section 5): the hash function's name and
 * the digest in upper- or lower-case hex pairs separated by colons. */
static int fingerprint_parse(const char *s, struct options *o)
{
	static const char *const names[][2] = {
		{ "sha-1", "SHA1" }, { "sha-224", "SHA224" },
		{ "sha-256", "SHA256" }, { "sha-384", "SHA384" },
		{ "sha-512", "SHA512" },
	};
	const char *sp = strchr(s, ' ');
	unsigned int byte;
	size_t i;
	int n;

	o->fp_md = NULL;
	for (i = 0; sp && i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i][0]) == (size_t)(sp - s) &&
		    !strncasecmp(s, names[i][0], (size_t)(sp - s)))
			o->fp_md = EVP_get_digestbyname(names[i][1]);
	if (!o->fp_md)
		return -1;
	s = sp + 1;
	for (o->fp_len = 0; *s; o->fp_len++) {
		if (o->fp_len == FP_MAX || sscanf(s, "%2x%n", &byte, &n) != 1 || n != 2)
			return -1;
		o->fp[o->fp_len] = (uint8_t)byte;
		s += 2;
		if (*s == ':' && s[1])
			s++;
		else if (*s)
			return -1;
	}
	return o->fp_len == (unsigned int)EVP_MD_get_size(o->fp_md) ? 0 : -1;
}

static int number(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 0);
	return errno || *end || end == s || *out < min || *out > max ? -1 : 0;
}

static const struct option longopts[] = {
	{ "selftest", no_argument, NULL, 'T' },
	{ "local", required_argument, NULL, 'l' },
	{ "remote", required_argument, NULL, 'r' },
	{ "local-ufrag", required_argument, NULL, 'u' },
	{ "local-pwd", required_argument, NULL, 'p' },
	{ "remote-ufrag", required_argument, NULL, 'U' },
	{ "remote-pwd", required_argument, NULL, 'P' },
	{ "cert", required_argument, NULL, 'c' },
	{ "key", required_argument, NULL, 'k' },
	{ "remote-fingerprint", required_argument, NULL, 'f' },
	{ "role", required_argument, NULL, 'R' },
	{ "ice", required_argument, NULL, 'i' },
	{ "profiles", required_argument, NULL, 'S' },
	{ "send", required_argument, NULL, 'n' },
	{ "ssrc", required_argument, NULL, 's' },
	{ "pt", required_argument, NULL, 't' },
	{ "expect", required_argument, NULL, 'e' },
	{ "expect-rtcp", required_argument, NULL, 'E' },
	{ "expect-ssrc", required_argument, NULL, 'x' },
	{ "timeout", required_argument, NULL, 'w' },
	{ "linger", required_argument, NULL, 'L' },
	{ "print-keys", no_argument, NULL, 'K' },
	{ "control", no_argument, NULL, 'C' },
	{ "drop-dtls", required_argument, NULL, 'D' },
	{ NULL, 0, NULL, 0 },
};

/* One option; -1 if its value is bad. */
static int option(struct options *o, int c, const char *v)
{
	long n;

	switch (c) {
	case 'l': return addr_parse(v, &o->local);
	case 'r': return addr_parse(v, &o->remote);
	case 'u': o->local_ufrag = v; return 0;
	case 'p': o->local_pwd = v; return 0;
	case 'U': o->remote_ufrag = v; return 0;
	case 'P': o->remote_pwd = v; return 0;
	case 'c': o->cert = v; return 0;
	case 'k': o->key = v; return 0;
	case 'f': return fingerprint_parse(v, o);
	case 'S': o->profiles = v; return 0;
	case 'K': o->print_keys = true; return 0;
	case 'C': o->control = true; return 0;
	case 'R':
		o->client = !strcmp(v, "client");
		return o->client || !strcmp(v, "server") ? 0 : -1;
	case 'i':
		o->ice = !strcmp(v, "lite") ? ICE_LITE : !strcmp(v, "none") ? ICE_NONE :
			 !strcmp(v, "controlled") ? ICE_CONTROLLED : ICE_FULL;
		return o->ice != ICE_FULL || !strcmp(v, "full") ? 0 : -1;
	case 'n': return number(v, 0, 1000000, &o->send);
	case 'e': return number(v, 0, 1000000, &o->expect);
	case 'E': return number(v, 0, 1000000, &o->expect_rtcp);
	case 'D': return number(v, 0, 100, &o->drop_dtls);
	case 't':
		if (number(v, 0, 127, &n))
			return -1;
		o->pt = (int)n;
		return 0;
	case 'w':
	case 'L':
		if (number(v, c == 'w' ? 1 : 0, 3600, &n))
			return -1;
		*(c == 'w' ? &o->timeout_ms : &o->linger_ms) = n * 1000;
		return 0;
	case 's':
	case 'x':
		if (number(v, 0, 0xffffffffL, &n))
			return -1;
		*(c == 's' ? &o->ssrc : &o->expect_ssrc) = (uint32_t)n;
		o->has_expect_ssrc |= c == 'x';
		return 0;
	}
	return -1;
}

static int usage(const char *why)
{
	fprintf(stderr, "webrtc_peer: %s (see the comment at the top of "
		"tests/tools/webrtc_peer.c)\n", why);
	return 2;
}

/* Returns 0, 1 for --selftest, or 2 (usage error, printed). */
static int options_parse(int argc, char **argv, struct options *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->client = true;
	o->pt = 0;
	o->ssrc = 0x12345678;
	o->timeout_ms = 10000;
	o->profiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32";
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'T')
			return 1;
		if (c == '?' || option(o, c, optarg))
			return usage(c == '?' ? "unknown option" : "bad option value");
	}
	if (optind != argc)
		return usage("unexpected argument");
	if (!o->local.ss_family || !o->remote.ss_family || !o->cert || !o->key ||
	    !o->fp_md)
		return usage("--local, --remote, --cert, --key and "
			     "--remote-fingerprint are required");
	if (o->local.ss_family != o->remote.ss_family)
		return usage("--local and --remote differ in address family");
	if (o->ice != ICE_NONE && (!o->local_ufrag || !o->local_pwd ||
				   !o->remote_ufrag || !o->remote_pwd))
		return usage("ICE needs --local-ufrag/-pwd and --remote-ufrag/-pwd");
	return 0;
}

/* --- sending ---------------------------------------------------------------- */

void send_to_peer(struct peer *p, const uint8_t *buf, size_t len,
			 const struct sockaddr_storage *to)
{
	socklen_t alen = to->ss_family == AF_INET6 ?
		sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

	if (sendto(p->fd, buf, len, 0, (const struct sockaddr *)to, alen) < 0)
		fprintf(stderr, "webrtc_peer: sendto: %s\n", strerror(errno));
}

/* --- media ------------------------------------------------------------------- */

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void rtp_send(struct peer *p)
{
	uint32_t words[(PKT_MAX + SRTP_MAX_TRAILER_LEN) / 4];
	uint8_t *b = (uint8_t *)words;
	int len = 12 + PAYLOAD_LEN, i;

	b[0] = 0x80;
	b[1] = (uint8_t)(p->o.pt | (p->sent == 0 ? 0x80 : 0));
	b[2] = (uint8_t)(p->seq >> 8);
	b[3] = (uint8_t)p->seq;
	put32(b + 4, p->ts);
	put32(b + 8, p->o.ssrc);
	for (i = 0; i < PAYLOAD_LEN; i++)
		b[12 + i] = (uint8_t)((p->seq * 7 + i) & 0xff);
	if (srtp_protect(p->tx, b, &len) != srtp_err_status_ok)
		return;
	send_to_peer(p, b, (size_t)len, &p->o.remote);
	p->sent++;
	p->seq++;
	p->ts += PAYLOAD_LEN;
}

/* An RTCP sender report without report blocks (RFC 3550 6.4.1). */
static void rtcp_send(struct peer *p)
{
	uint32_t words[(64 + SRTP_MAX_TRAILER_LEN + 4) / 4];
	uint8_t *b = (uint8_t *)words;
	struct timespec ts;
	int len = 28;

	clock_gettime(CLOCK_REALTIME, &ts);
	b[0] = 0x80;
	b[1] = 200;
	b[2] = 0;
	b[3] = 6;
	put32(b + 4, p->o.ssrc);
	put32(b + 8, (uint32_t)(ts.tv_sec + 2208988800u));
	put32(b + 12, (uint32_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u));
	put32(b + 16, p->ts);
	put32(b + 20, (uint32_t)p->sent);
	put32(b + 24, (uint32_t)(p->sent * PAYLOAD_LEN));
	if (srtp_protect_rtcp(p->tx, b, &len) != srtp_err_status_ok)
		return;
	send_to_peer(p, b, (size_t)len, &p->o.remote);
	p->rtcp_sent++;
}

static void media_timer(struct peer *p, int64_t now)
{
	if (p->dtls != DTLS_OK)
		return;
	if (p->sent < p->o.send && now >= p->next_rtp) {
		rtp_send(p);
		p->next_rtp += RTP_INTERVAL;
	}
	if (p->sent > 0 && now >= p->next_rtcp) {
		rtcp_send(p);
		p->next_rtcp = now + RTCP_INTERVAL;
	}
}

/* The payload rule shared with the test: octet i of the packet with
 * sequence number s is (s * 7 + i) & 0xff, 160 octets. */
static bool payload_ok(const struct peer *p, const uint8_t *b, int len)
{
	int hdr = 12 + 4 * (b[0] & 0x0f), i, pad = 0;
	uint16_t seq = (uint16_t)(b[2] << 8 | b[3]);

	if ((b[0] & 0xc0) != 0x80 || len < hdr)
		return false;
	if (b[0] & 0x10) {	/* header extension */
		if (len < hdr + 4)
			return false;
		hdr += 4 + 4 * (b[hdr + 2] << 8 | b[hdr + 3]);
	}
	if (b[0] & 0x20)
		pad = b[len - 1];
	if (len - pad - hdr != PAYLOAD_LEN)
		return false;
	if (p->o.has_expect_ssrc && get32(b + 8) != p->o.expect_ssrc)
		return false;
	for (i = 0; i < PAYLOAD_LEN; i++)
		if (b[hdr + i] != (uint8_t)((seq * 7 + i) & 0xff))
			return false;
	return true;
}

static void srtp_input(struct peer *p, const uint8_t *in, size_t inlen,
		       const struct sockaddr_storage *from)
{
	uint32_t words[PKT_MAX / 4];
	uint8_t *b = (uint8_t *)words;
	bool rtcp = inlen >= 2 && in[1] >= 192 && in[1] <= 223;
	int len = (int)inlen;

	if (inlen < 12 || inlen > sizeof(words) || !p->rx) {
		rtcp ? p->rtcp_unprotect_failed++ : p->unprotect_failed++;
		return;
	}
	memcpy(b, in, inlen);
	if (rtcp) {
		if (srtp_unprotect_rtcp(p->rx, b, &len) != srtp_err_status_ok)
			p->rtcp_unprotect_failed++;
		else
			p->rtcp_received++;
		return;
	}
	if (srtp_unprotect(p->rx, b, &len) != srtp_err_status_ok) {
		p->unprotect_failed++;
		return;
	}
	p->received++;
	if (payload_ok(p, b, len))
		p->payload_ok++;
	addr_format(from, p->from, sizeof(p->from));
}

/* --- the loop ---------------------------------------------------------------- */

/* RFC 7983 section 7: 0-3 STUN, 20-63 DTLS, 128-191 RTP and RTCP. */
static void datagram(struct peer *p, const uint8_t *buf, size_t len,
		     const struct sockaddr_storage *from)
{
	if (len == 0) {
		p->other++;
	} else if (buf[0] <= 3) {
		stun_input(p, buf, len, from);
	} else if (buf[0] >= 20 && buf[0] <= 63) {
		if (!addr_equal(from, &p->o.remote))
			p->other++;
		else if (p->dtls_dropped < p->o.drop_dtls)
			p->dtls_dropped++;
		else
			dtls_input(p, buf, len);
	} else if (buf[0] >= 128 && buf[0] <= 191) {
		srtp_input(p, buf, len, from);
	} else {
		p->other++;
	}
}

static bool finished(const struct peer *p, int64_t now)
{
	if (p->dtls == DTLS_FAILED)
		return true;
	return p->ice_done && p->dtls == DTLS_OK && p->sent >= p->o.send &&
	       p->received >= p->o.expect && p->rtcp_received >= p->o.expect_rtcp &&
	       now - p->dtls_done_at >= p->o.linger_ms;
}

/* Milliseconds until the next thing to do, at most @left. */
static int64_t next_event(struct peer *p, int64_t now, int64_t left)
{
	int64_t t = left, d = dtls_timeout(p);

	if (d >= 0 && d < t)
		t = d;
	if ((p->o.ice == ICE_FULL || p->o.ice == ICE_CONTROLLED) && p->next_check - now < t)
		t = p->next_check - now;
	if (p->dtls == DTLS_OK) {
		if (p->sent < p->o.send && p->next_rtp - now < t)
			t = p->next_rtp - now;
		if (p->sent > 0 && p->next_rtcp - now < t)
			t = p->next_rtcp - now;
		if (p->dtls_done_at + p->o.linger_ms > now &&
		    p->dtls_done_at + p->o.linger_ms - now < t)
			t = p->dtls_done_at + p->o.linger_ms - now;
	}
	return t < 0 ? 0 : t;
}

static void receive_all(struct peer *p)
{
	uint8_t buf[PKT_MAX + 1];
	struct sockaddr_storage from;
	socklen_t alen;
	ssize_t n;

	for (;;) {
		alen = sizeof(from);
		memset(&from, 0, sizeof(from));
		n = recvfrom(p->fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &alen);
		if (n < 0)
			return;
		if ((size_t)n > PKT_MAX)
			p->other++;
		else
			datagram(p, buf, (size_t)n, &from);
	}
}

static void control_line(struct peer *p, char *line)
{
	char *save = NULL, *word[5];
	int n = 0;

	for (word[0] = strtok_r(line, " \t\r", &save); word[n] && n < 4;)
		word[++n] = strtok_r(NULL, " \t\r", &save);
	if (n == 4 && word[4] && !strcmp(word[0], "restart") &&
	    !strtok_r(NULL, " \t\r", &save) && p->o.ice == ICE_FULL)
		ice_restart(p, word + 1);
	else
		fprintf(stderr, "webrtc_peer: control line ignored\n");
}

/* Reads what stdin has; each whole line is a command. Overlong lines are
 * dropped whole. */
static void control_input(struct peer *p)
{
	ssize_t n = read(0, p->ctl + p->ctl_len, sizeof(p->ctl) - 1 - p->ctl_len);
	char *nl;

	if (n <= 0) {
		p->ctl_closed = true;
		return;
	}
	p->ctl_len += (size_t)n;
	p->ctl[p->ctl_len] = '\0';
	while ((nl = strchr(p->ctl, '\n'))) {
		*nl = '\0';
		control_line(p, p->ctl);
		p->ctl_len -= (size_t)(nl + 1 - p->ctl);
		memmove(p->ctl, nl + 1, p->ctl_len + 1);
	}
	if (p->ctl_len == sizeof(p->ctl) - 1)
		p->ctl_len = 0;
}

static void run(struct peer *p)
{
	int64_t start = now_ms(), now = start, end = start + p->o.timeout_ms;
	struct pollfd pfd[2] = { { .fd = p->fd, .events = POLLIN },
				 { .fd = 0, .events = POLLIN } };

	if (p->o.ice == ICE_NONE) {
		p->ice_done = true;
		dtls_start(p);
	} else if (p->o.ice == ICE_LITE && !p->o.client) {
		dtls_start(p);	/* a server only waits for the ClientHello */
	}
	while (!finished(p, now) && now < end) {
		ice_timer(p, now);
		if (dtls_timeout(p) == 0)
			dtls_on_timer(p);
		media_timer(p, now);
		if (poll(pfd, p->o.control && !p->ctl_closed ? 2 : 1,
			 (int)next_event(p, now, end - now)) > 0) {
			if (pfd[0].revents)
				receive_all(p);
			if (pfd[1].revents && p->o.control && !p->ctl_closed)
				control_input(p);
		}
		now = now_ms();
	}
}

static bool report(const struct peer *p, int64_t elapsed)
{
	const char *dtls = p->dtls == DTLS_OK ? "ok" : p->dtls == DTLS_FAILED ?
		p->dtls_error : p->dtls == DTLS_RUNNING ? "timeout" : "not started";
	bool ok = p->ice_done && p->dtls == DTLS_OK && p->received >= p->o.expect &&
		  p->payload_ok == p->received && p->rtcp_received >= p->o.expect_rtcp &&
		  p->sent >= p->o.send;

	printf("{\"ice\":\"%s\",\"ice_responses\":%ld,\"ice_errors\":%ld,"
	       "\"ice_error_code\":%d,\"ice_bad\":%ld,\"ice_answered\":%ld,"
	       "\"ice_restarts\":%ld,\"stun_refused\":%ld,",
	       p->o.ice == ICE_NONE ? "none" : p->ice_done ? "ok" : "failed",
	       p->ice_responses, p->ice_errors, p->last_error_code, p->ice_bad,
	       p->ice_answered, p->ice_restarts, p->stun_refused);
	printf("\"dtls\":\"%s%s\",\"profile\":\"%s\",", p->dtls == DTLS_OK ||
	       p->dtls == DTLS_IDLE ? "" : "failed: ", dtls,
	       p->profile ? p->profile : "");
	if (p->o.print_keys)
		printf("\"keying_material\":\"%s\",", p->keys_hex);
	printf("\"sent\":%ld,\"rtcp_sent\":%ld,\"received\":%ld,\"payload_ok\":%ld,"
	       "\"unprotect_failed\":%ld,\"rtcp_received\":%ld,"
	       "\"rtcp_unprotect_failed\":%ld,\"other\":%ld,\"dtls_dropped\":%ld,"
	       "\"from\":\"%s\","
	       "\"elapsed_ms\":%lld}\n",
	       p->sent, p->rtcp_sent, p->received, p->payload_ok,
	       p->unprotect_failed, p->rtcp_received, p->rtcp_unprotect_failed,
	       p->other, p->dtls_dropped, p->from, (long long)elapsed);
	return ok;
}

static int socket_open(const struct sockaddr_storage *local)
{
	socklen_t alen = local->ss_family == AF_INET6 ?
		sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd = socket(local->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (const struct sockaddr *)local, alen) < 0) {
		fprintf(stderr, "webrtc_peer: cannot bind --local: %s\n",
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static struct peer p;
	int64_t start;
	int rc;

	rc = options_parse(argc, argv, &p.o);
	if (rc == 1)
		return stun_selftest() ? 1 : 0;
	if (rc)
		return rc;
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "webrtc_peer: srtp_init failed\n");
		return 1;
	}
	p.fd = socket_open(&p.o.local);
	if (p.fd < 0 || dtls_setup(&p)) {
		dtls_cleanup(&p);
		srtp_shutdown();
		return 1;
	}
	RAND_bytes((uint8_t *)&p.tiebreaker, sizeof(p.tiebreaker));
	RAND_bytes((uint8_t *)&p.seq, sizeof(p.seq));
	RAND_bytes((uint8_t *)&p.ts, sizeof(p.ts));
	p.last_error_code = -1;
	p.tx_count = CHECK_SENDS;	/* the first timer starts a transaction */
	start = now_ms();
	p.next_check = start;
	run(&p);
	rc = report(&p, now_ms() - start) ? 0 : 1;
	dtls_cleanup(&p);
	close(p.fd);
	srtp_shutdown();
	return rc;
}
