/* fuzz_demux.c - libFuzzer target for the media socket's demultiplexing
 * (RFC 7983): rg_relay_packet() with a party that does ICE and DTLS-SRTP,
 * so every datagram goes to STUN (the ICE-lite agent), DTLS (a real
 * OpenSSL endpoint, server role, no fingerprint yet) or the RTP path.
 *
 * The input is a sequence of datagrams, each a 2-byte big-endian length
 * and that many bytes (a short tail is one last datagram), fed in order
 * to one stream, so state carries from one to the next as it does on a
 * socket: a nomination, a half-done handshake. The first input byte picks
 * the source address among four, so that nominations can move.
 * Answers go out of a loopback socket to 127.0.0.1:9 (discard) and are not
 * read. Whatever arrives must end as a counted drop or a forwarded packet
 * whose length fits the buffer; ASan and UBSan watch the rest.
 */
/* needs: ng ng_params ng_commands ng_server call call_sdp call_stats call_lifetime codec config interface ports relay worker uring offload kernel netlink nft_rules call_crypto call_dtls call_ice relay_webrtc dtls ice ice_checks ice_driver srtp log addr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "call.h"
#include "call_crypto.h"
#include "dtls.h"
#include "ice.h"
#include "log.h"
#include "relay.h"
#include "srtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rg_dtls_cert *cert;
static int sock = -1;

static void setup_once(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	if (cert)
		return;
	rg_log_init(true, 2);	/* errors only: keep the run quiet */
	cert = rg_dtls_cert_create(NULL);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!cert || sock < 0 || bind(sock, (struct sockaddr *)&a, sizeof(a)))
		abort();
}

static void source(struct sockaddr_storage *ss, unsigned which)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(9);	/* discard: answers go nowhere */
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK + which % 4);	/* 127.0.0.1-4 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(16) uint8_t buf[RG_PKT_MAX];
	struct rg_call call = { .id = (char *)"fuzz" };
	struct rg_monologue ml = { .call = &call };
	struct rg_media m = { .ml = &ml }, other = { .ml = &ml };
	struct rg_media_crypto *c;
	const struct sockaddr_storage *dest;
	uint64_t drops[RG_DROP_COUNT] = { 0 };
	struct sockaddr_storage src;
	size_t off = 1, n, len;
	int64_t now = 1000000;

	setup_once();
	if (!size)
		return 0;
	source(&src, data[0]);
	m.rtp.media = m.rtcp.media = &m;
	other.rtp.media = other.rtcp.media = &other;
	m.rtcp.is_rtcp = other.rtcp.is_rtcp = true;
	m.rtp.fd = m.rtcp.fd = other.rtp.fd = other.rtcp.fd = sock;
	m.has_ports = other.has_ports = true;
	m.mux = true;
	m.pair = &other;
	other.pair = &m;
	m.ice = rg_ice_create();
	m.ice_peer = m.ice && !rg_ice_set_remote(m.ice, "fuzz", "fuzzfuzzfuzzfuzzfuzzfuzz");
	c = rg_media_crypto_get(&m);
	c->dtls = true;
	c->ep = rg_dtls_create(cert, RG_DTLS_SERVER, NULL, NULL, NULL);
	if (!m.ice || !c->ep)
		abort();
	while (off < size) {
		n = size - off >= 2 ? (size_t)data[off] << 8 | data[off + 1] : 0;
		off += size - off >= 2 ? 2 : 0;
		len = n < size - off ? n : size - off;
		if (len > RG_PKT_MAX - RG_SRTP_TRAILER_ROOM)
			len = RG_PKT_MAX - RG_SRTP_TRAILER_ROOM;
		memcpy(buf, data + off, len);
		off += len ? len : 1;
		if (rg_relay_packet(&m.rtp, buf, &len, &src, drops, now, &dest) &&
		    (len > RG_PKT_MAX || !dest))
			abort();
		now += 20000;
	}
	rg_media_crypto_free(&m);
	rg_ice_destroy(m.ice);
	return 0;
}
