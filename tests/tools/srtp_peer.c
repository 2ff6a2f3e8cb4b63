/* srtp_peer - an SRTP party for the media tests, on libsrtp2 alone.
 *
 * It shares no code with rtpgated (not daemon/srtp.c, not lib/sdes.c), so
 * that a test can check rtpgated's SDES-SRTP bridging against an
 * implementation that did not come from the same hands. It does no network
 * I/O: tests/media/cases_sdes.py sends and receives the packets and asks
 * this filter to protect and unprotect them.
 *
 * stdin: one command per line (at most LINE_MAX - 1 bytes, else refused);
 * stdout: one JSON object per command, {"ok":true,...} or
 * {"ok":false,"error":"..."}.
 *
 *   suites                   {"suites":[...]}: the SDES suites (RFC 4568,
 *                            RFC 6188, RFC 7714) this libsrtp can key
 *   key tx|rx SUITE HEX      the key for what this party sends (tx) or
 *                            receives (rx): master key || salt in hex (the
 *                            test decodes a=crypto's base64 itself);
 *                            replaces that direction's session (any SSRC,
 *                            replay window 128)
 *   protect HEX              {"hex":...}: the RTP packet as SRTP
 *   protect-rtcp HEX         ... the RTCP packet as SRTCP
 *   unprotect HEX            {"hex":...}: the SRTP packet as RTP; failures
 *   unprotect-rtcp HEX       name libsrtp's status: auth_fail, replay_fail..
 *
 * The process ends at end of input with exit 0.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <srtp2/srtp.h>

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define PKT_MAX		4096	/* rtpgated's largest relayed datagram */
#define ROOM		(PKT_MAX + SRTP_MAX_TRAILER_LEN + 4)
#define LINE_MAX	(2 * PKT_MAX + 64)
#define KEY_MAX		64

typedef void policy_setter(srtp_crypto_policy_t *p);

/* A suite's master key + salt length and libsrtp's policies for it. SRTCP
 * keeps an 80-bit tag with the _32 suites (RFC 4568 section 6.2.2 and
 * RFC 6188 section 7.1); the GCM suites use a 16-octet tag for both
 * (RFC 7714 section 14.2). */
struct suite {
	const char *name;
	int key_salt_len;
	policy_setter *rtp;
	policy_setter *rtcp;
};

static const struct suite suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", 30, srtp_crypto_policy_set_rtp_default,
	  srtp_crypto_policy_set_rtp_default },
	{ "AES_CM_128_HMAC_SHA1_32", 30, srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	  srtp_crypto_policy_set_rtp_default },
	{ "AES_256_CM_HMAC_SHA1_80", 46, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	{ "AES_256_CM_HMAC_SHA1_32", 46, srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
	  srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	{ "AEAD_AES_128_GCM", 28, srtp_crypto_policy_set_aes_gcm_128_16_auth,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth },
	{ "AEAD_AES_256_GCM", 44, srtp_crypto_policy_set_aes_gcm_256_16_auth,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth },
};

/* libsrtp 2.5's srtp_err_status_t values, by number. */
static const char *const status_names[] = {
	"ok", "fail", "bad_param", "alloc_fail", "dealloc_fail", "init_fail",
	"terminus", "auth_fail", "cipher_fail", "replay_fail", "replay_old",
	"algo_fail", "no_such_op", "no_ctx", "cant_check", "key_expired",
	"socket_err", "signal_err", "nonce_bad", "read_fail", "write_fail",
	"parse_err", "encode_err", "semaphore_err", "pfkey_err", "bad_mki",
	"pkt_idx_old", "pkt_idx_adv",
};

static srtp_t session[2];	/* [0] tx, [1] rx; NULL until keyed */

static void reply_error(const char *why)
{
	printf("{\"ok\":false,\"error\":\"%s\"}\n", why);
}

static void reply_status(srtp_err_status_t st)
{
	if ((size_t)st < ARRAY_LEN(status_names))
		reply_error(status_names[st]);
	else
		printf("{\"ok\":false,\"error\":\"status_%d\"}\n", (int)st);
}

static const struct suite *suite_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(suites); i++)
		if (!strcmp(suites[i].name, name))
			return &suites[i];
	return NULL;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex @in into @out of @cap bytes. Returns the length, or -1 if
 * malformed or too long. */
static int hex_decode(const char *in, uint8_t *out, size_t cap)
{
	size_t len = strlen(in), i;
	int hi, lo;

	if (len % 2 || len / 2 > cap)
		return -1;
	for (i = 0; i < len / 2; i++) {
		hi = hex_value((unsigned char)in[2 * i]);
		lo = hex_value((unsigned char)in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

static void reply_hex(const uint8_t *p, int len)
{
	int i;

	fputs("{\"ok\":true,\"hex\":\"", stdout);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	fputs("\"}\n", stdout);
}

/* A new session for @s keyed with @key, sending (@rx false: it protects)
 * or receiving. The caller owns *@out. */
static srtp_err_status_t session_create(const struct suite *s, uint8_t *key, bool rx,
					srtp_t *out)
{
	srtp_policy_t p;

	memset(&p, 0, sizeof(p));
	s->rtp(&p.rtp);
	s->rtcp(&p.rtcp);
	p.ssrc.type = rx ? ssrc_any_inbound : ssrc_any_outbound;
	p.key = key;
	p.window_size = 128;
	p.allow_repeat_tx = 1;	/* a test may protect the same packet twice */
	return srtp_create(out, &p);
}

static void cmd_suites(void)
{
	uint8_t key[KEY_MAX] = { 0 };
	const char *sep = "";
	srtp_t probe;
	size_t i;

	fputs("{\"ok\":true,\"suites\":[", stdout);
	for (i = 0; i < ARRAY_LEN(suites); i++) {
		if (session_create(&suites[i], key, false, &probe))
			continue;
		srtp_dealloc(probe);
		printf("%s\"%s\"", sep, suites[i].name);
		sep = ",";
	}
	fputs("]}\n", stdout);
}

static void cmd_key(char *dir, char *name, char *hex)
{
	bool rx = dir && !strcmp(dir, "rx");
	const struct suite *s = name ? suite_find(name) : NULL;
	uint8_t key[KEY_MAX];
	srtp_err_status_t st;
	srtp_t fresh;

	if (!dir || (!rx && strcmp(dir, "tx"))) {
		reply_error("key wants tx or rx");
		return;
	}
	if (!s) {
		reply_error("unknown suite");
		return;
	}
	if (!hex || hex_decode(hex, key, sizeof(key)) != s->key_salt_len) {
		reply_error("key is not hex of the suite's key and salt length");
		return;
	}
	st = session_create(s, key, rx, &fresh);
	if (st) {
		reply_status(st);
		return;
	}
	if (session[rx])
		srtp_dealloc(session[rx]);
	session[rx] = fresh;
	printf("{\"ok\":true}\n");
}

/* protect, protect-rtcp, unprotect, unprotect-rtcp of the packet @hex. */
static void cmd_packet(bool unprotect, bool rtcp, const char *hex)
{
	uint32_t buf[ROOM / 4 + 1];	/* libsrtp reads headers as words */
	uint8_t *pkt = (uint8_t *)buf;
	srtp_t ctx = session[unprotect];
	srtp_err_status_t st;
	int len;

	if (!ctx) {
		reply_error(unprotect ? "no rx key" : "no tx key");
		return;
	}
	len = hex ? hex_decode(hex, pkt, PKT_MAX) : -1;
	if (len < (rtcp ? 8 : 12)) {
		reply_error("packet is not hex of a whole header");
		return;
	}
	if (unprotect)
		st = rtcp ? srtp_unprotect_rtcp(ctx, pkt, &len) : srtp_unprotect(ctx, pkt, &len);
	else
		st = rtcp ? srtp_protect_rtcp(ctx, pkt, &len) : srtp_protect(ctx, pkt, &len);
	if (st) {
		reply_status(st);
		return;
	}
	reply_hex(pkt, len);
}

static void dispatch(char *line)
{
	char *save = NULL, *cmd = strtok_r(line, " \t\r\n", &save);
	char *a = strtok_r(NULL, " \t\r\n", &save);
	char *b = a ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	char *c = b ? strtok_r(NULL, " \t\r\n", &save) : NULL;

	if (!cmd)
		reply_error("empty command");
	else if (!strcmp(cmd, "suites"))
		cmd_suites();
	else if (!strcmp(cmd, "key"))
		cmd_key(a, b, c);
	else if (!strcmp(cmd, "protect") || !strcmp(cmd, "protect-rtcp"))
		cmd_packet(false, cmd[7] != '\0', a);
	else if (!strcmp(cmd, "unprotect") || !strcmp(cmd, "unprotect-rtcp"))
		cmd_packet(true, cmd[9] != '\0', a);
	else
		reply_error("unknown command");
}

int main(void)
{
	static char line[LINE_MAX];
	bool overlong = false;
	size_t len;

	if (srtp_init()) {
		reply_error("srtp_init failed");
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			overlong = true;	/* skip to the end of this line */
			continue;
		}
		if (overlong)
			reply_error("line too long");
		else
			dispatch(line);
		overlong = false;
		fflush(stdout);
	}
	if (session[0])
		srtp_dealloc(session[0]);
	if (session[1])
		srtp_dealloc(session[1]);
	srtp_shutdown();
	return 0;
}
