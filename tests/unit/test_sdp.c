/* test_sdp.c - the SDP model: parse, write, edit, and hostile input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "sdp.h"
#include "test.h"

static const char sipp_offer[] =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 192.0.2.10\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n";

static const char chrome_offer[] =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0 1\r\n"
	"a=extmap-allow-mixed\r\n"
	"a=msid-semantic: WMS 5fd0a4b3-7c45-4b0e-a2a1-2f3c9d1e8b70\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=candidate:1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0 network-id 1\r\n"
	"a=candidate:435653019 1 tcp 1518280447 192.168.0.196 9 typ host tcptype active generation 0 network-id 1\r\n"
	"a=ice-ufrag:Oyef\r\n"
	"a=ice-pwd:7Jo4FPBvwcA0MHmmxWcP9VWf\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E\r\n"
	"a=setup:actpass\r\n"
	"a=mid:0\r\n"
	"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
	"a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
	"a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
	"a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
	"a=sendrecv\r\n"
	"a=msid:5fd0a4b3-7c45-4b0e-a2a1-2f3c9d1e8b70 0c8e4d2a-93b1-4f5e-8a6d-1b2c3d4e5f60\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=rtcp-fb:111 transport-cc\r\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	"a=rtpmap:63 red/48000/2\r\n"
	"a=fmtp:63 111/111\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:13 CN/8000\r\n"
	"a=rtpmap:110 telephone-event/48000\r\n"
	"a=rtpmap:126 telephone-event/8000\r\n"
	"a=ssrc:1001211296 cname:fQ+Dr1GzNkv1hCyN\r\n"
	"a=ssrc:1001211296 msid:5fd0a4b3-7c45-4b0e-a2a1-2f3c9d1e8b70 0c8e4d2a-93b1-4f5e-8a6d-1b2c3d4e5f60\r\n"
	"m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:Oyef\r\n"
	"a=ice-pwd:7Jo4FPBvwcA0MHmmxWcP9VWf\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E\r\n"
	"a=setup:actpass\r\n"
	"a=mid:1\r\n"
	"a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
	"a=sendrecv\r\n"
	"a=msid:5fd0a4b3-7c45-4b0e-a2a1-2f3c9d1e8b70 7a9b8c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d\r\n"
	"a=rtcp-mux\r\n"
	"a=rtcp-rsize\r\n"
	"a=rtpmap:96 VP8/90000\r\n"
	"a=rtcp-fb:96 goog-remb\r\n"
	"a=rtcp-fb:96 transport-cc\r\n"
	"a=rtcp-fb:96 ccm fir\r\n"
	"a=rtcp-fb:96 nack\r\n"
	"a=rtcp-fb:96 nack pli\r\n"
	"a=rtpmap:97 rtx/90000\r\n"
	"a=fmtp:97 apt=96\r\n"
	"a=rtpmap:102 H264/90000\r\n"
	"a=rtcp-fb:102 nack pli\r\n"
	"a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
	"a=rtpmap:103 rtx/90000\r\n"
	"a=fmtp:103 apt=102\r\n"
	"a=ssrc-group:FID 2231627014 632943048\r\n"
	"a=ssrc:2231627014 cname:fQ+Dr1GzNkv1hCyN\r\n"
	"a=ssrc:632943048 cname:fQ+Dr1GzNkv1hCyN\r\n"
	;

/* Parses @text with the default limits; NULL on any error. */
static struct sdp_session *parse(struct rg_arena *a, const char *text)
{
	struct sdp_session *sdp;
	const char *why;

	sdp_parse(a, text, strlen(text), NULL, &sdp, &why);
	return sdp;
}

/* The written SDP as an arena string, or NULL when writing failed. */
static const char *written(struct rg_arena *a, const struct sdp_session *sdp)
{
	struct rg_buf b;
	char *s = NULL;

	rg_buf_init(&b, 0);
	sdp_write(sdp, &b);
	if (rg_buf_finish(&b) == 0)
		s = rg_arena_strndup(a, b.data ? b.data : "", b.len);
	rg_buf_free(&b);
	return s;
}

/* True if @got is @want; otherwise prints where they part. */
static bool same_text(const char *got, const char *want)
{
	size_t i = 0;

	if (got && strcmp(got, want) == 0)
		return true;
	while (got && got[i] && got[i] == want[i])
		i++;
	printf("    texts differ at byte %zu: got \"%.40s\", want \"%.40s\"\n",
	       i, got ? got + i : "(null)", want + i);
	return false;
}

/* Parses @len bytes at @buf in a fresh arena and returns the result code,
 * the reason in *@why (reasons are static strings). */
static int parse_error(const char *buf, size_t len,
		       const struct sdp_limits *lim, const char **why)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;
	int ret;

	*why = NULL;
	ret = sdp_parse(a, buf, len, lim, &sdp, why);
	if (ret && sdp)
		ret = -EFAULT;	/* *out must stay NULL on failure */
	rg_arena_destroy(a);
	return ret;
}

static int parse_text_error(const char *text, const char **why)
{
	return parse_error(text, strlen(text), NULL, why);
}

static void sipp_offer_parses_into_fields(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, sipp_offer);
	struct sdp_media *m;

	CHECK(sdp);
	CHECK(sdp->origin.present);
	CHECK_STR(sdp->origin.username, "user1");
	CHECK_STR(sdp->origin.sess_id, "53655765");
	CHECK_STR(sdp->origin.sess_version, "2353687637");
	CHECK_STR(sdp->origin.addrtype, "IP4");
	CHECK_STR(sdp->origin.address, "192.0.2.10");
	CHECK_STR(sdp->session_name, "-");
	CHECK(sdp->conn.present);
	CHECK_STR(sdp->conn.address, "192.0.2.10");
	CHECK(sdp->conn.suffix == NULL);
	CHECK_INT(sdp->media_count, 1);
	m = sdp->media;
	CHECK_STR(m->media, "audio");
	CHECK_INT(m->port, 6000);
	CHECK_INT(m->num_ports, 0);
	CHECK_STR(m->proto, "RTP/AVP");
	CHECK_INT(m->format_count, 3);
	CHECK_STR(m->formats[2], "101");
	CHECK(!m->conn.present);
	CHECK_INT(sdp->lines.head->type, 'v');
	CHECK_INT(sdp->lines.tail->type, 't');
	CHECK_STR(m->lines.head->attr_name, "rtpmap");
	CHECK_STR(m->lines.head->attr_value, "0 PCMU/8000");
	CHECK_STR(m->lines.tail->attr_name, "sendrecv");
	CHECK(m->lines.tail->attr_value == NULL);
	CHECK(same_text(written(a, sdp), sipp_offer));
	rg_arena_destroy(a);
}

static void chrome_offer_round_trips(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, chrome_offer);

	CHECK(sdp);
	CHECK_INT(sdp->media_count, 2);
	CHECK(sdp_attr_find(&sdp->lines, "group", NULL));
	CHECK_STR(sdp_attr_find(&sdp->lines, "msid-semantic", NULL)->attr_value,
		  " WMS 5fd0a4b3-7c45-4b0e-a2a1-2f3c9d1e8b70");
	CHECK_STR(sdp->media->next->media, "video");
	CHECK(same_text(written(a, sdp), chrome_offer));
	rg_arena_destroy(a);
}

static void lf_only_is_written_with_crlf(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;

	sdp = parse(a, "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=x\nt=0 0\n"
		       "m=audio 4000 RTP/AVP 8\na=sendonly");
	CHECK(sdp);
	CHECK_STR(written(a, sdp),
		  "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=x\r\nt=0 0\r\n"
		  "m=audio 4000 RTP/AVP 8\r\na=sendonly\r\n");
	rg_arena_destroy(a);
}

static void blank_lines_are_skipped(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;

	sdp = parse(a, "\r\nv=0\r\n\r\ns=x\r\n  \r\nt=0 0\n\n");
	CHECK(sdp);
	CHECK_STR(written(a, sdp), "v=0\r\ns=x\r\nt=0 0\r\n");
	rg_arena_destroy(a);
}

static void ipv6_connection_is_parsed(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;
	const char *text = "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\n"
			   "c=IN IP6 2001:db8::1\r\nt=0 0\r\n"
			   "m=audio 5004 RTP/AVP 0\r\n";

	sdp = parse(a, text);
	CHECK(sdp);
	CHECK_STR(sdp->conn.addrtype, "IP6");
	CHECK_STR(sdp->conn.address, "2001:db8::1");
	CHECK_STR(sdp->origin.address, "2001:db8::1");
	CHECK_STR(written(a, sdp), text);
	rg_arena_destroy(a);
}

static void multicast_suffix_is_kept_apart(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;
	const char *text = "v=0\r\ns=-\r\nc=IN IP4 233.252.0.1/127/3\r\n";

	sdp = parse(a, text);
	CHECK(sdp);
	CHECK_STR(sdp->conn.address, "233.252.0.1");
	CHECK_STR(sdp->conn.suffix, "/127/3");
	CHECK_STR(written(a, sdp), text);
	rg_arena_destroy(a);
}

static void media_connection_prefers_media_level(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;

	sdp = parse(a, "v=0\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		       "m=audio 1000 RTP/AVP 0\r\n"
		       "m=video 1002 RTP/AVP 31\r\nc=IN IP4 192.0.2.2\r\n");
	CHECK(sdp);
	CHECK_STR(sdp_media_connection(sdp, sdp->media)->address, "192.0.2.1");
	CHECK_STR(sdp_media_connection(sdp, sdp->media->next)->address,
		  "192.0.2.2");
	CHECK(sdp->media->next->conn.present);
	CHECK(sdp->media->next->lines.head->kind == SDP_LINE_CONNECTION);
	CHECK(sdp->lines.head->next->next->kind == SDP_LINE_CONNECTION);
	rg_arena_destroy(a);
}

static void rejected_media_with_port_zero_are_kept(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;
	const char *text = "v=0\r\ns=-\r\nt=0 0\r\n"
			   "m=audio 0 RTP/AVP 0\r\n"
			   "m=video 0 RTP/AVP 31\r\n"
			   "m=audio 7000 RTP/AVP 8\r\n"
			   "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n";

	sdp = parse(a, text);
	CHECK(sdp);
	CHECK_INT(sdp->media_count, 4);
	CHECK_INT(sdp->media->port, 0);
	CHECK_INT(sdp->media->next->index, 1);
	CHECK_INT(sdp->media->next->next->port, 7000);
	CHECK_STR(sdp->media->next->next->next->formats[0],
		  "webrtc-datachannel");
	CHECK_STR(written(a, sdp), text);
	rg_arena_destroy(a);
}

static void port_count_is_parsed_and_written(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;
	const char *text = "v=0\r\nm=video 49170/2 RTP/AVP 31\r\n";

	sdp = parse(a, text);
	CHECK(sdp);
	CHECK_INT(sdp->media->port, 49170);
	CHECK_INT(sdp->media->num_ports, 2);
	CHECK_STR(written(a, sdp), text);
	rg_arena_destroy(a);
}

static void rtcp_attribute_is_split_at_first_colon(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, chrome_offer);
	struct sdp_line *l;

	CHECK(sdp);
	l = sdp_attr_find(&sdp->media->lines, "rtcp", NULL);
	CHECK(l);
	CHECK_INT(l->kind, SDP_LINE_ATTR);
	CHECK_STR(l->attr_value, "9 IN IP4 0.0.0.0");
	CHECK(sdp_attr_find(&sdp->media->lines, "rtcp", l) == NULL);
	CHECK(sdp_attr_find(&sdp->media->lines, "rtcp-mux", NULL));
	l = sdp_attr_find(&sdp->media->lines, "fingerprint", NULL);
	CHECK(l && strncmp(l->attr_value, "sha-256 49:66:", 14) == 0);
	rg_arena_destroy(a);
}

static void unknown_lines_are_kept_in_order(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;
	const char *text = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=call\r\n"
			   "i=info\r\nu=http://example.com/\r\ny=1234\r\n"
			   "t=0 0\r\nm=audio 1 RTP/AVP 0\r\nb=AS:64\r\n"
			   "x=anything goes  \r\n";

	sdp = parse(a, text);
	CHECK(sdp);
	CHECK_INT(sdp->lines.head->next->next->next->next->next->type, 'y');
	CHECK_STR(sdp->media->lines.tail->text, "anything goes  ");
	CHECK_STR(written(a, sdp), text);
	rg_arena_destroy(a);
}

static void set_connection_inserts_before_first_attribute(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;

	sdp = parse(a, "v=0\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n"
		       "i=speech\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
		       "m=video 0 RTP/AVP 31\r\n");
	CHECK(sdp);
	CHECK(sdp_media_connection(sdp, sdp->media) == NULL);
	CHECK_INT(sdp_media_set_connection(a, sdp->media, "IP4", "203.0.113.5"), 0);
	CHECK_INT(sdp_media_set_connection(a, sdp->media->next, "IP6", "::1"), 0);
	CHECK_STR(written(a, sdp),
		  "v=0\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n"
		  "i=speech\r\nc=IN IP4 203.0.113.5\r\na=rtpmap:0 PCMU/8000\r\n"
		  "a=sendrecv\r\nm=video 0 RTP/AVP 31\r\nc=IN IP6 ::1\r\n");
	CHECK_STR(sdp_media_connection(sdp, sdp->media)->address, "203.0.113.5");
	rg_arena_destroy(a);
}

static void set_connection_replaces_in_place(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;

	sdp = parse(a, "v=0\r\nm=audio 1 RTP/AVP 0\r\nb=AS:80\r\n"
		       "c=IN IP4 233.252.0.1/127\r\na=recvonly\r\n");
	CHECK(sdp);
	CHECK_INT(sdp_media_set_connection(a, sdp->media, "IP4", "192.0.2.9"), 0);
	CHECK(sdp->media->conn.suffix == NULL);
	CHECK_STR(written(a, sdp),
		  "v=0\r\nm=audio 1 RTP/AVP 0\r\nb=AS:80\r\n"
		  "c=IN IP4 192.0.2.9\r\na=recvonly\r\n");
	rg_arena_destroy(a);
}

static void session_connection_goes_before_timing(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;

	sdp = parse(a, "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\ni=x\r\n"
		       "t=0 0\r\na=group:BUNDLE 0\r\n");
	CHECK(sdp);
	CHECK_INT(sdp_session_set_connection(a, sdp, "IP4", "10.9.9.9"), 0);
	CHECK_STR(written(a, sdp),
		  "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\ni=x\r\n"
		  "c=IN IP4 10.9.9.9\r\nt=0 0\r\na=group:BUNDLE 0\r\n");
	rg_arena_destroy(a);
}

static void origin_edits_show_in_output(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, sipp_offer);
	const char *out;

	CHECK(sdp);
	sdp->origin.address = "198.51.100.7";
	sdp->origin.sess_version = "2353687638";
	sdp->session_name = "rtpgate";
	out = written(a, sdp);
	CHECK(out);
	CHECK(strstr(out, "\r\no=user1 53655765 2353687638 IN IP4 198.51.100.7\r\n"
			  "s=rtpgate\r\n"));
	rg_arena_destroy(a);
}

static void attr_set_replaces_in_place(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, sipp_offer);
	struct sdp_line *l;

	CHECK(sdp);
	l = sdp_attr_set(a, &sdp->media->lines, "ptime", "30");
	CHECK(l && l == sdp_attr_find(&sdp->media->lines, "ptime", NULL));
	CHECK_STR(l->attr_value, "30");
	CHECK(l->next && strcmp(l->next->attr_name, "sendrecv") == 0);
	l = sdp_attr_set(a, &sdp->media->lines, "sendrecv", NULL);
	CHECK(l && l == sdp->media->lines.tail);
	CHECK(strstr(written(a, sdp), "a=ptime:30\r\na=sendrecv\r\n"));
	rg_arena_destroy(a);
}

static void attr_append_and_set_add_at_the_end(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, "v=0\r\nm=audio 1 RTP/AVP 0\r\n");
	struct sdp_lines *lines;

	CHECK(sdp);
	lines = &sdp->media->lines;
	CHECK(sdp_attr_append(a, lines, "rtcp-mux", NULL));
	CHECK(sdp_attr_set(a, lines, "ice-ufrag", "abcd"));
	CHECK(sdp_attr_append(a, lines, "candidate", "1 1 UDP 1 192.0.2.1 9 typ host"));
	CHECK_STR(lines->tail->attr_name, "candidate");
	CHECK_STR(written(a, sdp),
		  "v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtcp-mux\r\n"
		  "a=ice-ufrag:abcd\r\n"
		  "a=candidate:1 1 UDP 1 192.0.2.1 9 typ host\r\n");
	rg_arena_destroy(a);
}

static void attr_remove_removes_every_match(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, chrome_offer);
	struct sdp_media *m;

	CHECK(sdp);
	m = sdp->media->next;
	CHECK_INT(sdp_attr_remove(&m->lines, "rtcp-fb"), 6);
	CHECK_INT(sdp_attr_remove(&m->lines, "rtcp-fb"), 0);
	CHECK(sdp_attr_find(&m->lines, "rtcp-fb", NULL) == NULL);
	CHECK_INT(sdp_attr_remove(&m->lines, "ssrc"), 2);
	CHECK_STR(m->lines.tail->attr_name, "ssrc-group");
	CHECK(strstr(written(a, sdp), "a=rtcp-fb:96") == NULL);
	CHECK(strstr(written(a, sdp), "a=rtcp-fb:111 transport-cc\r\n"));
	rg_arena_destroy(a);
}

static void remove_format_drops_only_that_payload_type(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;

	sdp = parse(a, "v=0\r\nm=audio 1 RTP/AVP 10 101 0\r\n"
		       "a=rtpmap:10 L16/44100/2\r\na=fmtp:10\r\n"
		       "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
		       "a=rtcp-fb:10 nack\r\na=rtcp-fb:* nack\r\n"
		       "a=rtcp-fb:101 trr-int 5\r\na=x-info:10 keep\r\n");
	CHECK(sdp);
	CHECK_INT(sdp_media_remove_format(sdp->media, "10"), 0);
	CHECK_INT(sdp->media->format_count, 2);
	CHECK_STR(written(a, sdp),
		  "v=0\r\nm=audio 1 RTP/AVP 101 0\r\n"
		  "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
		  "a=rtcp-fb:* nack\r\na=rtcp-fb:101 trr-int 5\r\n"
		  "a=x-info:10 keep\r\n");
	CHECK_INT(sdp_media_remove_format(sdp->media, "10"), -ENOENT);
	CHECK_INT(sdp_media_remove_format(sdp->media, "1"), -ENOENT);
	rg_arena_destroy(a);
}

static void removing_the_last_format_leaves_a_bare_m_line(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, "v=0\r\nm=audio 0 RTP/AVP 0\r\n");

	CHECK(sdp);
	CHECK_INT(sdp_media_remove_format(sdp->media, "0"), 0);
	CHECK_INT(sdp->media->format_count, 0);
	CHECK_STR(written(a, sdp), "v=0\r\nm=audio 0 RTP/AVP\r\n");
	rg_arena_destroy(a);
}

static void format_encoding_comes_from_rtpmap(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp = parse(a, chrome_offer);
	char enc[32];

	CHECK(sdp);
	CHECK(sdp_media_format_encoding(sdp->media, "111", enc, sizeof(enc)));
	CHECK_STR(enc, "opus/48000/2");
	CHECK(sdp_media_format_encoding(sdp->media, "126", enc, sizeof(enc)));
	CHECK_STR(enc, "telephone-event/8000");
	CHECK(!sdp_media_format_encoding(sdp->media, "111", enc, 12));
	CHECK(sdp_media_format_encoding(sdp->media, "111", enc, 13));
	CHECK(sdp_media_format_encoding(sdp->media, "11", enc, sizeof(enc)));
	CHECK_STR(enc, "L16/44100");
	CHECK(!sdp_media_format_encoding(sdp->media, "98", enc, sizeof(enc)));
	rg_arena_destroy(a);
}

static void format_encoding_falls_back_to_static_table(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;
	char enc[32];

	sdp = parse(a, "v=0\r\nm=audio 1 RTP/AVP 0 10 18 34 96 2\r\n"
		       "m=image 1 udptl t38\r\n");
	CHECK(sdp);
	CHECK(sdp_media_format_encoding(sdp->media, "0", enc, sizeof(enc)));
	CHECK_STR(enc, "PCMU/8000");
	CHECK(sdp_media_format_encoding(sdp->media, "10", enc, sizeof(enc)));
	CHECK_STR(enc, "L16/44100/2");
	CHECK(sdp_media_format_encoding(sdp->media, "18", enc, sizeof(enc)));
	CHECK_STR(enc, "G729/8000");
	CHECK(sdp_media_format_encoding(sdp->media, "34", enc, sizeof(enc)));
	CHECK_STR(enc, "H263/90000");
	CHECK(!sdp_media_format_encoding(sdp->media, "96", enc, sizeof(enc)));
	CHECK(!sdp_media_format_encoding(sdp->media, "2", enc, sizeof(enc)));
	CHECK(!sdp_media_format_encoding(sdp->media, "00", enc, sizeof(enc)));
	CHECK(!sdp_media_format_encoding(sdp->media, "0", enc, 9));
	CHECK(!sdp_media_format_encoding(sdp->media->next, "t38", enc, 32));
	rg_arena_destroy(a);
}

static void truncated_input_fails_or_keeps_what_is_whole(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct sdp_session *sdp;
	const char *why;
	size_t cut;

	cut = (size_t)(strstr(sipp_offer, "IN IP4") - sipp_offer);
	CHECK_INT(parse_error(sipp_offer, cut, NULL, &why), -EINVAL);
	CHECK_STR(why, "malformed o= line");
	cut = (size_t)(strstr(sipp_offer, "RTP/AVP") - sipp_offer);
	CHECK_INT(parse_error(sipp_offer, cut, NULL, &why), -EINVAL);
	CHECK_STR(why, "malformed m= line");
	cut = (size_t)(strstr(sipp_offer, "0-15") - sipp_offer) + 2;
	CHECK_INT(sdp_parse(a, sipp_offer, cut, NULL, &sdp, &why), 0);
	CHECK_STR(sdp->media->lines.tail->attr_value, "101 0-");
	rg_arena_destroy(a);
}

static void nul_byte_is_rejected(void)
{
	static const char text[] = "v=0\r\ns=a\0b\r\n";
	const char *why;

	CHECK_INT(parse_error(text, sizeof(text) - 1, NULL, &why), -EINVAL);
	CHECK_STR(why, "NUL byte in SDP");
}

static void first_line_must_be_version(void)
{
	const char *why;

	CHECK_INT(parse_text_error("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", &why),
		  -EINVAL);
	CHECK_STR(why, "SDP does not start with a v= line");
}

static void bad_m_lines_are_rejected_with_a_reason(void)
{
	const char *why;

	CHECK_INT(parse_text_error("v=0\r\nm=audio 70000 RTP/AVP 0\r\n", &why),
		  -EINVAL);
	CHECK_STR(why, "port out of range in m= line");
	CHECK_INT(parse_text_error("v=0\r\nm=audio 1000/0 RTP/AVP 0\r\n", &why),
		  -EINVAL);
	CHECK_STR(why, "port out of range in m= line");
	CHECK_INT(parse_text_error("v=0\r\nm=audio 99999999999999999999 RTP/AVP 0\r\n",
				   &why), -EINVAL);
	CHECK_STR(why, "port out of range in m= line");
	CHECK_INT(parse_text_error("v=0\r\nm=audio 1000 RTP/AVP\r\n", &why),
		  -EINVAL);
	CHECK_STR(why, "malformed m= line");
	CHECK_INT(parse_text_error("v=0\r\nm=audio abc RTP/AVP 0\r\n", &why),
		  -EINVAL);
	CHECK_STR(why, "malformed m= line");
	CHECK_INT(parse_text_error("v=0\r\nm=audio 1000/ RTP/AVP 0\r\n", &why),
		  -EINVAL);
	CHECK_STR(why, "malformed m= line");
}

static void bad_o_and_c_lines_are_rejected(void)
{
	const char *why;

	CHECK_INT(parse_text_error("v=0\r\no=- 1 1 IN IP4\r\n", &why), -EINVAL);
	CHECK_STR(why, "malformed o= line");
	CHECK_INT(parse_text_error("v=0\r\nc=IN IP4\r\n", &why), -EINVAL);
	CHECK_STR(why, "malformed c= line");
	CHECK_INT(parse_text_error("v=0\r\nc=IN IP4 /127\r\n", &why), -EINVAL);
	CHECK_INT(parse_text_error("v=0\r\nc=IN IP4 1.2.3.4 x\r\n", &why),
		  -EINVAL);
	CHECK_INT(parse_text_error("v=0\r\nm=audio 1 RTP/AVP 0\r\n"
				   "c=IN IP4 1.1.1.1\r\nc=IN IP4 2.2.2.2\r\n",
				   &why), -EINVAL);
	CHECK_STR(why, "duplicate c= line");
	CHECK_INT(parse_text_error("v=0\r\ns=a\r\ns=b\r\n", &why), -EINVAL);
	CHECK_STR(why, "duplicate s= line");
}

static void lines_must_be_letter_equals(void)
{
	const char *why;

	CHECK_INT(parse_text_error("v=0\r\nhello world\r\n", &why), -EINVAL);
	CHECK_STR(why, "malformed line");
	CHECK_INT(parse_text_error("v=0\r\n1=x\r\n", &why), -EINVAL);
	CHECK_INT(parse_text_error("v=0\r\na\r\n", &why), -EINVAL);
	CHECK_INT(parse_text_error("v=0\r\na=x\ry\r\n", &why), -EINVAL);
	CHECK_STR(why, "CR inside an SDP line");
}

static void empty_input_is_rejected(void)
{
	const char *why;

	CHECK_INT(parse_error(NULL, 0, NULL, &why), -EINVAL);
	CHECK_STR(why, "empty SDP");
	CHECK_INT(parse_text_error("\r\n\n  \r\n", &why), -EINVAL);
	CHECK_STR(why, "empty SDP");
}

static void limits_on_media_formats_and_lines_hold(void)
{
	struct sdp_limits lim = sdp_default_limits;
	const char *why;

	lim.max_media = 2;
	CHECK_INT(parse_error(sipp_offer, strlen(sipp_offer), &lim, &why), 0);
	CHECK_INT(parse_error(chrome_offer, strlen(chrome_offer), &lim, &why), 0);
	lim.max_media = 1;
	CHECK_INT(parse_error(chrome_offer, strlen(chrome_offer), &lim, &why),
		  -E2BIG);
	CHECK_STR(why, "too many m= lines");
	lim = sdp_default_limits;
	lim.max_formats = 7;
	CHECK_INT(parse_error(chrome_offer, strlen(chrome_offer), &lim, &why),
		  -E2BIG);
	CHECK_STR(why, "too many formats in m= line");
	lim = sdp_default_limits;
	lim.max_lines = 11;
	CHECK_INT(parse_error(sipp_offer, strlen(sipp_offer), &lim, &why),
		  -E2BIG);
	CHECK_STR(why, "too many lines in SDP");
	lim.max_lines = 12;
	CHECK_INT(parse_error(sipp_offer, strlen(sipp_offer), &lim, &why), 0);
}

static void long_line_is_rejected(void)
{
	struct sdp_limits lim = sdp_default_limits;
	const char *why;
	char *text = malloc(6000);

	CHECK(text);
	memcpy(text, "v=0\r\na=", 7);
	memset(text + 7, 'x', 5000);
	CHECK_INT(parse_error(text, 5007, NULL, &why), -E2BIG);
	CHECK_STR(why, "SDP line longer than the line length limit");
	lim.max_line_len = 5002;
	CHECK_INT(parse_error(text, 5007, &lim, &why), 0);
	free(text);
}

static void huge_input_is_refused(void)
{
	size_t len = 10 * 1024 * 1024, i;
	char *text = malloc(len);
	const char *why;
	int ret;

	CHECK(text);
	memcpy(text, "v=0\r\n", 5);
	for (i = 5; i + 5 <= len; i += 5)
		memcpy(text + i, "a=x\r\n", 5);
	memset(text + i, '\n', len - i);
	ret = parse_error(text, len, NULL, &why);
	free(text);
	CHECK_INT(ret, -E2BIG);
	CHECK_STR(why, "SDP longer than the length limit");
}

static void exhausted_arena_gives_enomem(void)
{
	struct rg_arena *a;
	struct sdp_session *sdp;
	const char *why;
	size_t limit;
	int ret = -ENOMEM;

	for (limit = 16; ret == -ENOMEM && limit < 65536; limit += 16) {
		a = rg_arena_create(limit);
		ret = sdp_parse(a, chrome_offer, strlen(chrome_offer), NULL,
				&sdp, &why);
		rg_arena_destroy(a);
		if (limit == 16)
			CHECK_INT(ret, -ENOMEM);
	}
	CHECK_INT(ret, 0);
	CHECK(limit > 1024);
}

static void edits_on_exhausted_arena_fail_cleanly(void)
{
	struct rg_arena *a = rg_arena_create(4096);
	struct sdp_session *sdp = parse(a, sipp_offer);
	struct rg_buf before, after;
	bool same;

	CHECK(sdp);
	while (rg_arena_alloc(a, 16))
		;
	rg_buf_init(&before, 0);
	sdp_write(sdp, &before);
	CHECK(sdp_attr_append(a, &sdp->media->lines, "x", "y") == NULL);
	CHECK(sdp_attr_set(a, &sdp->media->lines, "ptime", "40") == NULL);
	CHECK_INT(sdp_media_set_connection(a, sdp->media, "IP4", "1.1.1.1"),
		  -ENOMEM);
	CHECK_INT(sdp_session_set_connection(a, sdp, "IP4", "1.1.1.1"), -ENOMEM);
	rg_buf_init(&after, 0);
	sdp_write(sdp, &after);
	same = before.len == after.len &&
	       memcmp(before.data, after.data, before.len) == 0;
	rg_buf_free(&before);
	rg_buf_free(&after);
	rg_arena_destroy(a);
	CHECK(same);
}

static const struct test_case cases[] = {
	{ "a SIPp-style audio offer parses into its fields and writes back the same", sipp_offer_parses_into_fields },
	{ "a Chrome WebRTC offer round-trips byte for byte", chrome_offer_round_trips },
	{ "LF-only input is written back with CRLF, a last line without newline included", lf_only_is_written_with_crlf },
	{ "blank and whitespace-only lines are skipped and not written", blank_lines_are_skipped },
	{ "an IPv6 c= and o= address is parsed and written back", ipv6_connection_is_parsed },
	{ "a multicast TTL/count suffix is kept apart from the address", multicast_suffix_is_kept_apart },
	{ "a media-level c= wins over the session-level one", media_connection_prefers_media_level },
	{ "several media with port 0 are kept in order with their indexes", rejected_media_with_port_zero_are_kept },
	{ "an m= port count /2 is parsed and written back", port_count_is_parsed_and_written },
	{ "a=rtcp is an attribute split at the first colon", rtcp_attribute_is_split_at_first_colon },
	{ "unknown line types and trailing spaces are kept in order", unknown_lines_are_kept_in_order },
	{ "a media without c= gets one after i= and before its first a= from set_connection", set_connection_inserts_before_first_attribute },
	{ "setting a connection replaces the c= in place and drops the multicast suffix", set_connection_replaces_in_place },
	{ "a new session-level c= goes after i= and before t=", session_connection_goes_before_timing },
	{ "edits to the origin and session name show in the output", origin_edits_show_in_output },
	{ "attr_set replaces the value of the first match in place", attr_set_replaces_in_place },
	{ "attr_append and attr_set of a missing attribute add it at the end", attr_append_and_set_add_at_the_end },
	{ "attr_remove removes every line of that name and counts them", attr_remove_removes_every_match },
	{ "removing PT 10 drops its rtpmap, fmtp and rtcp-fb but not PT 101's", remove_format_drops_only_that_payload_type },
	{ "removing the last format leaves an m= line with nothing after the proto", removing_the_last_format_leaves_a_bare_m_line },
	{ "a format's encoding comes from its rtpmap", format_encoding_comes_from_rtpmap },
	{ "a static payload type's encoding comes from the RFC 3551 table", format_encoding_falls_back_to_static_table },
	{ "input truncated mid-line fails with a reason or keeps the shorter line", truncated_input_fails_or_keeps_what_is_whole },
	{ "a NUL byte is rejected", nul_byte_is_rejected },
	{ "SDP whose first line is not v= is rejected", first_line_must_be_version },
	{ "bad m= lines (port 70000, /0, abc, no formats) are rejected with a reason", bad_m_lines_are_rejected_with_a_reason },
	{ "short o= and c= lines and duplicate c= or s= are rejected", bad_o_and_c_lines_are_rejected },
	{ "a line that is not <letter>= or holds a bare CR is rejected", lines_must_be_letter_equals },
	{ "empty input and input of blank lines are rejected", empty_input_is_rejected },
	{ "too many media, formats or lines fail with -E2BIG naming the limit", limits_on_media_formats_and_lines_hold },
	{ "a line longer than the line limit fails with -E2BIG", long_line_is_rejected },
	{ "a 10 MB input is refused by the length limit", huge_input_is_refused },
	{ "an arena too small for the SDP gives -ENOMEM at every size, never a crash", exhausted_arena_gives_enomem },
	{ "edits on an exhausted arena fail with nothing changed", edits_on_exhausted_arena_fail_cleanly },
};

TEST_MAIN(cases)
