"""cases_webrtc - WebRTC bridging (ICE + DTLS-SRTP + rtcp-mux on one side,
plain RTP/AVP on the other) against a browser-like peer that shares no code
with rtpgated: tests/tools/webrtc_peer (OpenSSL and libsrtp2 alone), with
its certificate made by the `openssl` CLI and the SDP written and read here.

    browser: webrtc_peer (127.0.0.8x) --ICE/DTLS/SRTP+SRTCP, one port-->
        rtpgated --RTP, RTCP on port + 1--> phone: sockets (127.0.0.9x)

NG requests carry the flag sets of the OpenSIPS/Kamailio WebRTC set-ups:
browser -> phone: offer "RTP/AVP replace-origin ICE=remove", answer
"UDP/TLS/RTP/SAVPF ICE=force"; phone -> browser: offer "UDP/TLS/RTP/SAVPF
ICE=force", answer "RTP/AVP replace-origin ICE=remove" (sent as Kamailio's
rtpengine module sends them: transport-protocol, replace: [origin], ICE).

The payload rule shared with webrtc_peer: the 160-octet payload of the
packet with sequence number s has octet i = (s * 7 + i) & 0xff.
"""

import os
import secrets
import socket
import subprocess
import time
import types

from cases_sdes import dropped_as, errors_problem, replay, tampered
from mediakit import (CaseError, Relay, first_problem, fmt, send, sdp,
                      silence)
from ngclient import repo_root
from srtpkit import Bridge, Crypto, Peers, RtpSource
from webrtckit import (COUNT, MuxParty, Phone, Sdp, Webrtc, browser_sdp,
                       exported_keys, peer_path)

BROWSER_TO_PHONE = {"offer": {"transport_protocol": "RTP/AVP",
                              "replace": ["origin"], "ICE": "remove"},
                    "answer": {"transport_protocol": "UDP/TLS/RTP/SAVPF",
                               "ICE": "force"}}
PHONE_TO_BROWSER = {"offer": {"transport_protocol": "UDP/TLS/RTP/SAVPF",
                              "ICE": "force"},
                    "answer": {"transport_protocol": "RTP/AVP",
                               "replace": ["origin"], "ICE": "remove"}}
ICE_DTLS_ATTRS = ("ice-ufrag", "ice-pwd", "ice-lite", "ice-options",
                  "candidate", "end-of-candidates", "fingerprint", "setup")


def plain_problem(s):
    """A problem with the SDP @s a plain RTP/AVP phone gets."""
    left = [a for a in ICE_DTLS_ATTRS if s.has(a)]
    if s.proto != "RTP/AVP" or left:
        return "the phone's SDP is %s with a=%s:\n%s" % (s.proto, left, s.text)
    return None


def webrtc_problem(s, setup, relay):
    """A problem with the SDP @s the browser gets from rtpgate, whose RTP
    port for the browser is @relay."""
    cand = s.candidate()
    fp = (s.attr("fingerprint") or "").split()
    missing = [a for a in ("ice-ufrag", "ice-pwd", "rtcp-mux")
               if not s.has(a)]
    problem = None
    if s.proto != "UDP/TLS/RTP/SAVPF" or missing:
        problem = "%s without a=%s" % (s.proto, missing)
    elif cand is None or cand != (relay.ip, relay.rtp_port):
        problem = "host candidate %r, wanted rtpgate's %s" % (
            cand, fmt(relay.rtp))
    elif len(fp) != 2 or fp[0].lower() != "sha-256" or \
            len(bytes.fromhex(fp[1].replace(":", ""))) != 32:
        problem = "a=fingerprint:%s is not a sha-256 fingerprint" % " ".join(fp)
    elif s.attr("setup") != setup:
        problem = "a=setup:%s, wanted %s" % (s.attr("setup"), setup)
    elif "ice-lite" in s.session:
        problem = "a=ice-lite, though rtpgate's agent is full by default"
    return problem and "%s in the browser's SDP:\n%s" % (problem, s.text)


# --- the cases ----------------------------------------------------------------------


def origin_problem(s, browser):
    """replace-origin: o= names rtpgate's address, not the browser's."""
    if s.origin != s.c or s.origin == browser.addr[0]:
        return "o= says %s, c= says %s:\n%s" % (s.origin, s.c, s.text)
    return None


def exchange(ctx, browser, phone, rtpgate_sdp, what, answering=False):
    """Runs the browser's peer against @rtpgate_sdp and the phone beside
    it; checks media both ways and the call's error counters."""
    browser.start(rtpgate_sdp, phone.ssrc, answering=answering)
    try:
        phone.talk(browser)
    finally:
        browser.wait()
    ctx.check("%s: ICE and DTLS complete, and the browser's %d SRTP packets "
              "and its SRTCP reach the phone as plain RTP on its RTP port "
              "and plain RTCP on its RTCP port, from rtpgate's ports, every "
              "payload intact" % (what, COUNT), phone.problem())
    ctx.check("%s: the phone's %d RTP packets and its RTCP reach the browser "
              "as SRTP and SRTCP from rtpgate's candidate, which an "
              "independent libsrtp decrypts to intact payloads"
              % (what, COUNT), browser.problem())


def browser_calls(ctx, w, b_ip, p_ip, name, lie=None, setup="actpass"):
    """browser -> phone up to the answer (a Chrome-style offer with
    a=setup:@setup), the browser's SDP claiming fingerprint @lie if given;
    returns (call, browser, phone, rtpgate's SDP for the browser, rtpgate's
    SDP for the phone)."""
    browser = w.browser(b_ip, 0x0b0b0000 + secrets.randbelow(1 << 16))
    if lie:
        browser.sdp_fingerprint = lie
    phone_ep = ctx.endpoint(p_ip)
    call = ctx.call(name)
    offer = Sdp(call.offer(browser_sdp(browser, setup, chrome=True),
                           **BROWSER_TO_PHONE["offer"])["sdp"])
    answer = Sdp(call.answer(sdp(phone_ep),
                             **BROWSER_TO_PHONE["answer"])["sdp"])
    phone = Phone(phone_ep, call.b, 0x0f0f0000 + secrets.randbelow(1 << 16),
                  browser.ssrc)
    return call, browser, phone, answer, offer


def browser_to_phone(ctx):
    with Webrtc(ctx) as w:
        call, browser, phone, answer, offer = browser_calls(
            ctx, w, "127.0.0.81", "127.0.0.91", "webrtc-b2p")
        ctx.check("browser -> phone: the browser's offer, sent with "
                  "RTP/AVP replace-origin ICE=remove, reaches the phone as "
                  "RTP/AVP without ICE or DTLS attributes and with "
                  "rtpgate's origin", first_problem(
                      plain_problem(offer), origin_problem(offer, browser)))
        ctx.check("browser -> phone: the phone's answer, sent with "
                  "UDP/TLS/RTP/SAVPF ICE=force, reaches the browser as "
                  "UDP/TLS/RTP/SAVPF with ICE credentials, rtpgate's host "
                  "candidate, a sha-256 fingerprint, a=setup:passive, "
                  "a=rtcp-mux and no a=ice-lite (a full agent)",
                  webrtc_problem(answer, "passive", call.a))
        ctx.check("browser -> phone: the answer to the browser carries its "
                  "offer's a=mid:0 though the phone's answer had none",
                  None if answer.attr("mid") == "0" else answer.text)
        exchange(ctx, browser, phone, answer, "browser -> phone")
        ctx.check("browser -> phone: query counts no errors after a call "
                  "whose every packet verified",
                  errors_problem(types.SimpleNamespace(call=call)))
        call.delete()


def before_nomination_problem(ctx, browser, phone):
    """Nothing reaches the browser before it nominates; the phone's RTP and
    RTCP are dropped and counted (as no-destination: a Chrome-style offer
    names no address; or as ice-no-consent)."""
    party = MuxParty(browser.addr)
    before = ctx.drops()
    try:
        send(phone.ep.rtp, phone.rtp_packet(), phone.relay.rtp)
        send(phone.ep.rtcp, phone.rtcp_packet(), phone.relay.rtcp)
        quiet = no_media(party.rtp, 0.4)
    finally:
        party.close()
    after = ctx.drops()
    delta = {k: v - before.get(k, 0) for k, v in after.items()
             if v != before.get(k, 0)}
    counted = delta in ({"no-destination": 2}, {"ice-no-consent": 2})
    return first_problem(quiet, None if counted else
                         "the drops counters changed by %r" % delta)


def browser_passive(ctx):
    """The browser offers a=setup:passive: rtpgate answers active and is
    the DTLS client; the browser's peer is the server."""
    with Webrtc(ctx) as w:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.86", "127.0.0.96", "webrtc-passive",
            setup="passive")
        ctx.check("a browser offering a=setup:passive is answered "
                  "a=setup:active, with ICE, rtpgate's candidate, "
                  "fingerprint, rtcp-mux and no a=ice-lite",
                  webrtc_problem(answer, "active", call.a))
        ctx.check("before the browser has nominated, nothing the phone "
                  "sends reaches the browser's address, and it is counted "
                  "as dropped", before_nomination_problem(ctx, browser, phone))
        exchange(ctx, browser, phone, answer, "browser as DTLS server")
        call.delete()


ALL_PROFILES = ["SRTP_AES128_CM_SHA1_32", "SRTP_AES128_CM_SHA1_80",
                "SRTP_AEAD_AES_128_GCM", "SRTP_AEAD_AES_256_GCM"]


def profiles(ctx):
    """Each DTLS-SRTP protection profile alone, then all four offered in
    the reverse of rtpgate's preference."""
    with Webrtc(ctx) as w:
        for i, offered in enumerate(ALL_PROFILES + [":".join(ALL_PROFILES)]):
            call, browser, phone, answer, _ = browser_calls(
                ctx, w, "127.0.0.87", "127.0.0.97", "webrtc-profile")
            browser.start(answer, phone.ssrc, count=10, profiles=offered)
            try:
                phone.talk(browser, count=10)
            finally:
                r = browser.wait()
            want = offered if i < len(ALL_PROFILES) else \
                "SRTP_AEAD_AES_256_GCM"
            what = "a browser offering only %s" % offered \
                if i < len(ALL_PROFILES) else "a browser offering all four " \
                "profiles, AEAD_AES_256_GCM last"
            ctx.check("%s gets %s, and media crosses both ways"
                      % (what, want), first_problem(
                          None if r.get("profile") == want else
                          "negotiated %r" % r.get("profile"),
                          browser.problem(10), phone.problem(10)))
            call.delete()


def peer_checks(ctx):
    """tests/tools/webrtc_peer_check.py: the browser's peer against the
    RFC 5769 vectors, openssl s_server, and itself."""
    script = os.path.join(repo_root(), "tests", "tools",
                          "webrtc_peer_check.py")
    try:
        out = subprocess.run(["/usr/bin/python3", script, "--peer",
                              peer_path(ctx.daemon.path)],
                             capture_output=True, text=True, timeout=90)
        text, code = out.stdout, out.returncode
    except subprocess.TimeoutExpired as e:
        text, code = str(e), "timeout"
    ctx.check("the browser's peer passes its own checks without rtpgate "
              "(RFC 5769 vectors, keys equal to openssl s_server's, back to "
              "back in every profile, wrong fingerprints refused)",
              None if code == 0 else "webrtc_peer_check.py exit %s:\n%s"
              % (code, text[-3000:]))


def phone_to_browser(ctx):
    with Webrtc(ctx) as w:
        browser = w.browser("127.0.0.92", 0x0b0c0000 +
                            secrets.randbelow(1 << 16))
        phone_ep = ctx.endpoint("127.0.0.82")
        call = ctx.call("webrtc-p2b")
        offer = Sdp(call.offer(sdp(phone_ep),
                               **PHONE_TO_BROWSER["offer"])["sdp"])
        ctx.check("phone -> browser: the phone's offer, sent with "
                  "UDP/TLS/RTP/SAVPF ICE=force, reaches the browser as "
                  "UDP/TLS/RTP/SAVPF with ICE credentials, rtpgate's host "
                  "candidate, a sha-256 fingerprint, a=setup:actpass, "
                  "a=rtcp-mux and no a=ice-lite (a full agent)",
                  webrtc_problem(offer, "actpass", call.b))
        answer = Sdp(call.answer(browser_sdp(browser, "active"),
                                 **PHONE_TO_BROWSER["answer"])["sdp"])
        ctx.check("phone -> browser: the browser's answer (a=setup:active), "
                  "sent with RTP/AVP replace-origin ICE=remove, reaches the "
                  "phone as RTP/AVP without ICE or DTLS attributes and with "
                  "rtpgate's origin", first_problem(
                      plain_problem(answer), origin_problem(answer, browser)))
        phone = Phone(phone_ep, call.a, 0x0f0e0000 +
                      secrets.randbelow(1 << 16), browser.ssrc)
        exchange(ctx, browser, phone, offer, "phone -> browser", answering=True)
        call.delete()



def no_ice_passive(ctx):
    """A DTLS-SRTP party without ICE answers a=setup:passive and sends
    nothing until its handshake is done: rtpgate, the DTLS client, must
    send the ClientHello on its own once the answer names the party's
    address (RFC 5763 section 5: the active side begins), and again when
    it is lost."""
    with Webrtc(ctx) as w:
        for drop in (0, 1):
            browser = w.browser("127.0.0.93", 0x0b0d0000 +
                                secrets.randbelow(1 << 16))
            phone_ep = ctx.endpoint("127.0.0.83")
            call = ctx.call("webrtc-noice")
            offer = Sdp(call.offer(sdp(phone_ep), transport_protocol=
                                   "UDP/TLS/RTP/SAVPF", ICE="remove")["sdp"])
            call.answer(browser_sdp(browser, "passive", ice=False),
                        **PHONE_TO_BROWSER["answer"])
            phone = Phone(phone_ep, call.a, 0x0f0d0000 +
                          secrets.randbelow(1 << 16), browser.ssrc)
            browser.start(offer, phone.ssrc, ice=False, role="server",
                          drop_dtls=drop, timeout=9)
            try:
                phone.talk(browser, timeout=11)
            finally:
                r = browser.wait()
            ctx.check("a passive DTLS party without ICE that sends nothing "
                      "first%s: rtpgate begins the handshake, and media "
                      "crosses both ways" % (
                          ", its first datagram lost" if drop else ""),
                      first_problem(None if r.get("dtls") == "ok" and
                                    r.get("dtls_dropped", 0) == drop else
                                    "webrtc_peer %r" % r, browser.problem(),
                                    phone.problem()))
            call.delete()


def first_media(sock, timeout):
    """The first datagram other than STUN (rtpgate's own checks, RFC 7983
    first byte 0..3) that arrives on @sock within @timeout seconds, as
    (data, source), or None."""
    end = time.monotonic() + timeout
    sock.settimeout(0.05)
    try:
        while time.monotonic() < end:
            try:
                data, src = sock.recvfrom(65536)
            except (socket.timeout, BlockingIOError):
                continue
            if data and data[0] > 3:
                return data, src
    finally:
        sock.settimeout(None)
    return None


def no_media(sock, timeout):
    """None if nothing but STUN arrives on @sock for @timeout seconds."""
    got = first_media(sock, timeout)
    if got is None:
        return None
    data, src = got
    return "a %d-byte datagram (first byte %d) arrived at %s from %s" % (
        len(data), data[0], fmt(sock.getsockname()), fmt(src))


def no_media_problem(ctx, browser, phone):
    """With the browser's peer gone and no DTLS keys, nothing the phone
    sends reaches the browser's address (neither plain nor encrypted), and
    an RTP-looking datagram from the browser's address never reaches the
    phone."""
    party = MuxParty(browser.addr)
    try:
        send(phone.ep.rtp, phone.rtp_packet(), phone.relay.rtp)
        send(phone.ep.rtcp, phone.rtcp_packet(), phone.relay.rtcp)
        quiet = no_media(party.rtp, 0.5)
        send(party.rtp, RtpSource().next(), browser.remote)
        return first_problem(quiet, silence(phone.ep.rtp, 0.5),
                             silence(phone.ep.rtcp, 0.05))
    finally:
        party.close()


CONSENT_SECONDS = 30.0    # RFC 7675: consent lapses 30 s after the last check
CONSENT_MARGIN = 1.5


def media_arrives(sock, timeout):
    """None if a datagram other than STUN arrives on @sock within
    @timeout seconds."""
    return None if first_media(sock, timeout) else \
        "nothing but STUN arrived at %s in %.1f s" % (
            fmt(sock.getsockname()), timeout)


def consent_expiry(ctx):
    """A browser that goes away (its tab closed) keeps receiving only until
    its consent lapses, 30 s after its last STUN (RFC 7675); then what the
    phone sends is dropped as ice-no-consent. Slow (over 30 s), so it runs
    under one I/O engine: the consent logic is the same for both."""
    if "--io-engine=uring" not in ctx.daemon.extra_args:
        ctx.report.skip("webrtc: consent expiry runs under --io-engine=uring"
                        " only (it takes over 30 s)")
        return
    with Webrtc(ctx) as w:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.186", "127.0.0.196", "webrtc-consent")
        exchange(ctx, browser, phone, answer, "consent")
        gone = time.monotonic()    # the peer has exited: no more STUN
        party = MuxParty(browser.addr)
        try:
            send(phone.ep.rtp, phone.rtp_packet(), phone.relay.rtp)
            ctx.check("consent: just after the browser's peer exits, the "
                      "phone's RTP still reaches the browser's address "
                      "(its consent is fresh)", media_arrives(party.rtp, 1.0))
            time.sleep(max(0.0, gone + CONSENT_SECONDS + CONSENT_MARGIN -
                           time.monotonic()))
            before = ctx.drops().get("ice-no-consent", 0)
            for _ in range(3):
                send(phone.ep.rtp, phone.rtp_packet(), phone.relay.rtp)
            quiet = no_media(party.rtp, 0.5)
            delta = ctx.drops().get("ice-no-consent", 0) - before
            ctx.check("consent: %.0f s after the browser's last STUN (its "
                      "consent checks unanswered), nothing the phone sends "
                      "reaches its address, and each packet is counted as "
                      "ice-no-consent" % (CONSENT_SECONDS + CONSENT_MARGIN),
                      first_problem(quiet, None if delta == 3 else
                                    "drops.ice-no-consent grew by %d, "
                                    "wanted 3" % delta))
        finally:
            party.close()
        call.delete()


def wrong_fingerprint(ctx):
    with Webrtc(ctx) as w:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.83", "127.0.0.93", "webrtc-badfp",
            lie=w.certs.new("mallory")[2])
        started = time.monotonic()
        browser.start(answer, phone.ssrc, timeout=6)
        phone.talk(browser, timeout=8)
        r = browser.wait()
        ctx.check("a browser whose certificate does not match the "
                  "fingerprint in its SDP gets through ICE but fails the "
                  "DTLS handshake, and no packet reaches the phone",
                  None if r.get("ice") == "ok" and
                  str(r.get("dtls", "")).startswith("failed") and
                  r.get("exit") == 1 and phone.received == 0 and
                  phone.rtcp == 0 else "webrtc_peer %r; the phone got %d "
                  "RTP, %d RTCP" % (r, phone.received, phone.rtcp))
        ctx.check("rtpgate ends the refused handshake with an alert (the "
                  "browser fails long before its 6 s timeout)",
                  None if time.monotonic() - started < 4 else
                  "webrtc_peer ran %.1f s: %r" % (time.monotonic() - started,
                                                  r.get("dtls")))
        ctx.check("after the refused handshake, no media flows: the phone's "
                  "RTP reaches the browser neither plain nor encrypted, and "
                  "RTP from the browser's address is not forwarded",
                  no_media_problem(ctx, browser, phone))
        call.delete()
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.84", "127.0.0.94", "webrtc-badfp2")
        browser.start(answer, phone.ssrc, timeout=6,
                      fingerprint=w.certs.new("other")[2])
        phone.talk(browser, timeout=8)
        r = browser.wait()
        ctx.check("a browser that finds rtpgate's certificate does not "
                  "match rtpgate's a=fingerprint aborts the handshake, and "
                  "no media flows either way", first_problem(
                      None if str(r.get("dtls", "")).startswith(
                          "failed: the peer's certificate does not match")
                      and phone.received == 0 else "webrtc_peer %r; the "
                      "phone got %d RTP" % (r, phone.received),
                      no_media_problem(ctx, browser, phone)))
        call.delete()


def drops(ctx):
    """A working call, then the browser's address driven by srtp_peer keyed
    with the keys DTLS exported: bad tags and replays are dropped and
    counted like SDES-SRTP's."""
    suite = "AES_CM_128_HMAC_SHA1_80"
    with Webrtc(ctx) as w, Peers(ctx) as peers:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.85", "127.0.0.95", "webrtc-drops")
        browser.start(answer, phone.ssrc, count=10,
                      profiles="SRTP_AES128_CM_SHA1_80", print_keys=True)
        phone.talk(browser, count=10)
        r = browser.wait()
        if browser.problem(10) or phone.problem(10):
            raise CaseError("the call did not carry media first: %s"
                            % first_problem(browser.problem(10),
                                            phone.problem(10)))
        tx, rx = exported_keys(r)
        peer = peers.new()
        peer.key("tx", Crypto(1, suite, tx))
        peer.key("rx", Crypto(1, suite, rx))
        party = MuxParty(browser.addr)
        try:
            call.a = Relay(browser.remote[0], browser.remote[1],
                           browser.remote[1])
            b = Bridge(call, phone.ep, "b", party, peer, suite)
            drop_checks(ctx, b)
        finally:
            party.close()
        call.delete()


def drop_checks(ctx, b):
    ctx.check("DTLS-SRTP drops: SRTP under the DTLS-exported keys, from the "
              "browser's address, still crosses both ways once its peer is "
              "gone", b.exchange(1))
    before = ssrc_counts(b)
    ctx.check("DTLS-SRTP: SRTP from the browser with a corrupted auth tag is "
              "dropped, not forwarded, and counted in drops.srtp-auth and "
              "its stream's errors in query",
              dropped_as(ctx, b, "srtp-auth",
                         tampered(b.peer.protect(b.srtp_src.next()))))
    after = ssrc_counts(b)
    ctx.check("DTLS-SRTP: a packet that fails authentication is not counted "
              "in its SSRC's packets or payload bytes (only what decrypts is)",
              None if after == before else
              "SSRC packets/payload bytes went from %r to %r" % (before, after))
    srtp, problem = replay(b)
    ctx.check("DTLS-SRTP: an SRTP packet from the browser sent again is "
              "dropped and counted in drops.srtp-replay",
              first_problem(problem, dropped_as(ctx, b, "srtp-replay", srtp)))
    ctx.check("DTLS-SRTP: muxed SRTCP from the browser with a corrupted tag "
              "is dropped and counted in drops.srtp-auth and once in the "
              "errors of the browser's streams", muxed_rtcp_dropped(ctx, b))
    ctx.check("DTLS-SRTP: after the drops, SRTP still flows both ways",
              b.exchange(2))


def ssrc_counts(b):
    """(packets, payload bytes) summed over the SSRCs query lists for the
    browser's RTP stream."""
    ssrcs = b.call.streams(b.srtp_tag)["RTP"].get("SSRC", [])
    return (sum(x.get("packets", 0) for x in ssrcs),
            sum(x.get("payload bytes", 0) for x in ssrcs))


def muxed_rtcp_dropped(ctx, b):
    """Like cases_sdes.dropped_as for SRTCP on the RTP port: with rtcp-mux
    the error may be booked on either of the browser's streams."""
    def errors():
        streams = b.call.streams(b.srtp_tag)
        return sum(s.get("stats", {}).get("errors", 0)
                   for s in streams.values())
    before = errors()
    problem = ctx.dropped("srtp-auth", b.srtp.rtp, b.srtp_relay.rtp,
                          [b.plain.rtcp, b.plain.rtp], tampered(
                              b.peer.protect(b.srtp_src.rtcp(), True)))
    delta = errors() - before
    return first_problem(problem, None if delta == 1 else
                         "the streams' errors grew by %d, wanted 1" % delta)


def wrong_password(ctx):
    """The browser's checks carry MESSAGE-INTEGRITY under a wrong password:
    rtpgate answers 401 (RFC 8445 7.3, RFC 8489 9.1.3), the browser never
    nominates, and nothing the phone sends reaches it."""
    with Webrtc(ctx) as w:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.88", "127.0.0.98", "webrtc-badpwd")
        browser.start(answer, phone.ssrc, timeout=3,
                      pwd=secrets.token_hex(12))
        phone.talk(browser, eager=True, timeout=6)
        r = browser.wait()
        ctx.check("checks under a wrong ICE password get 401 error "
                  "responses and never a success; DTLS never starts",
                  None if r.get("ice") == "failed" and
                  r.get("ice_error_code") == 401 and
                  r.get("ice_responses") == 0 and
                  r.get("dtls") == "not started" else
                  "webrtc_peer %r" % (r,))
        ctx.check("a browser that never nominated receives nothing of the "
                  "phone's %d RTP packets and RTCP" % phone.sent,
                  None if phone.sent > 10 and r.get("received") == 0 and
                  r.get("unprotect_failed") == 0 and
                  r.get("rtcp_unprotect_failed") == 0 and
                  r.get("other") == 0 else "webrtc_peer %r after the "
                  "phone sent %d" % (r, phone.sent))
        call.delete()


# Why a packet for a browser not yet nominated or keyed is dropped.
EARLY = ("srtp-pending", "no-destination", "ice-no-consent")


def browser_to_browser(ctx):
    """Two browsers through rtpgate with "ICE=force-relay DTLS=passive" on
    both requests: rtpgate terminates ICE and DTLS on each side (passive
    both times, so both browsers are DTLS clients) and re-encrypts."""
    flags = {"ICE": "force-relay", "DTLS": "passive"}
    with Webrtc(ctx) as w:
        a = w.browser("127.0.0.80", 0x0a0a0000 + secrets.randbelow(1 << 16))
        b = w.browser("127.0.0.90", 0x0b0a0000 + secrets.randbelow(1 << 16))
        call = ctx.call("webrtc-b2b")
        offer = Sdp(call.offer(browser_sdp(a, "actpass", chrome=True),
                               **flags)["sdp"])
        answer = Sdp(call.answer(browser_sdp(b, "active"), **flags)["sdp"])
        ctx.check("browser <-> browser: each browser gets rtpgate's own ICE "
                  "credentials, candidate and fingerprint with "
                  "a=setup:passive", first_problem(
                      webrtc_problem(offer, "passive", call.b),
                      webrtc_problem(answer, "passive", call.a),
                      None if offer.attr("ice-ufrag") not in
                      (a.ufrag, answer.attr("ice-ufrag")) else
                      "the same ICE credentials on both sides"))
        before = ctx.drops()
        # each goes on (RTCP) for 2 s: the other's handshake may end later
        b.start(offer, a.ssrc, expect=COUNT - 5, linger=2, answering=True)
        a.start(answer, b.ssrc, expect=COUNT - 5, linger=2)
        a.wait()
        b.wait()
        after = ctx.drops()
        pending = sum(after.get(k, 0) - before.get(k, 0) for k in EARLY)
        lost = [lost_between(a, b), lost_between(b, a)]
        ctx.check("browser <-> browser: both complete ICE and DTLS with "
                  "rtpgate, and each one's SRTP packets and SRTCP reach the "
                  "other re-encrypted, every payload intact; the few sent "
                  "before the other side was nominated and keyed are "
                  "dropped and counted", first_problem(
                      *[None if n is not None else "from %r\nto %r"
                        % (x.result, y.result) for n, (x, y) in
                        zip(lost, ((a, b), (b, a)))],
                      None if None in lost or sum(lost) <= pending else
                      "%r packets lost, only %d dropped as %s" % (
                          lost, pending, " or ".join(EARLY))))
        call.delete()


def lost_between(x, y):
    """How many of browser @x's RTP packets browser @y did not get (at most
    5), or None if something else went wrong between them."""
    rx, ry = x.result or {}, y.result or {}
    lost = rx.get("sent", 0) - ry.get("received", 0)
    if rx.get("exit") != 0 or ry.get("exit") != 0 or \
            rx.get("sent") != COUNT or not 0 <= lost <= 5 or \
            ry.get("payload_ok") != ry.get("received") or \
            ry.get("unprotect_failed") != 0 or ry.get("rtcp_received", 0) < 1:
        return None
    return lost


def same_ice_dtls(before, after):
    """A problem if rtpgate's re-answer @after changed what the browser's
    running ICE and DTLS depend on."""
    keys = ("ice-ufrag", "ice-pwd", "fingerprint", "setup")
    was = [before.attr(k) for k in keys] + [before.candidate()]
    now = [after.attr(k) for k in keys] + [after.candidate()]
    return None if was == now else "%r became %r" % (was, now)


def reinvite(ctx):
    """A re-INVITE in the middle of a call (session timers, Kamailio's
    rtpengine_offer/answer with the same flags) keeps ICE, DTLS and the
    keys: media never stops."""
    with Webrtc(ctx) as w:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.89", "127.0.0.99", "webrtc-reinvite")
        count, again = 150, []

        def reoffer():
            call.offer(browser_sdp(browser, "actpass", chrome=True),
                       **BROWSER_TO_PHONE["offer"])
            again.append(Sdp(call.answer(
                sdp(phone.ep), **BROWSER_TO_PHONE["answer"])["sdp"]))
        browser.start(answer, phone.ssrc, count=count, timeout=10)
        try:
            phone.talk(browser, count=count, timeout=12,
                       midway=(1.0, reoffer))
        finally:
            browser.wait()
        if not again:
            raise CaseError("the re-INVITE never ran: %r" % browser.result)
        ctx.check("a re-INVITE from the browser mid-call is answered with "
                  "the same ICE credentials, candidate, fingerprint and "
                  "a=setup", same_ice_dtls(answer, again[0]))
        ctx.check("across a mid-call re-INVITE, all %d packets arrive each "
                  "way and decrypt (no new handshake, same keys)" % count,
                  first_problem(phone.problem(count), browser.problem(count)))
        call.delete()


def ice_restart(ctx):
    """The browser restarts ICE mid-call (RFC 8445 9: a re-offer with new
    credentials, as after a network change): rtpgate answers with new
    credentials of its own, the same fingerprint, candidate and a=setup;
    checks under the new credentials succeed and media never stops."""
    with Webrtc(ctx) as w:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.79", "127.0.0.78", "webrtc-restart")
        count, again = 150, []

        def restart():
            browser.new_credentials()
            call.offer(browser_sdp(browser, "actpass", chrome=True),
                       **BROWSER_TO_PHONE["offer"])
            again.append(Sdp(call.answer(
                sdp(phone.ep), **BROWSER_TO_PHONE["answer"])["sdp"]))
            browser.restart(again[0])
        browser.start(answer, phone.ssrc, count=count, timeout=10,
                      control=True)
        try:
            phone.talk(browser, count=count, timeout=12,
                       midway=(1.0, restart))
        finally:
            r = browser.wait()
        if not again:
            raise CaseError("the restart never ran: %r" % r)
        new = again[0]
        ctx.check("an ICE restart from the browser is answered with new "
                  "rtpgate credentials and the same candidate, fingerprint "
                  "and a=setup", first_problem(
                      None if (new.attr("ice-ufrag"), new.attr("ice-pwd"))
                      != (answer.attr("ice-ufrag"), answer.attr("ice-pwd"))
                      else "the credentials did not change",
                      None if [new.attr(k) for k in ("fingerprint", "setup")]
                      + [new.candidate()] == [answer.attr(k) for k in (
                          "fingerprint", "setup")] + [answer.candidate()]
                      else "%s\nbecame\n%s" % (answer.text, new.text)))
        ctx.check("checks under the restarted credentials succeed, and all "
                  "%d packets each way arrive across the restart" % count,
                  first_problem(None if r.get("ice_restarts") == 1 else
                                "webrtc_peer %r" % r, phone.problem(count),
                                browser.problem(count)))
        call.delete()


def retransmission(ctx):
    """The browser's side loses rtpgate's first DTLS datagram: as DTLS
    server rtpgate sends its flight again when the browser's ClientHello
    is retransmitted; as DTLS client (the browser offered passive) it
    sends its ClientHello again when the browser's next check finds its
    timer expired (RFC 6347 4.2.4)."""
    with Webrtc(ctx) as w:
        for setup, role in (("actpass", "server"), ("passive", "client")):
            call, browser, phone, answer, _ = browser_calls(
                ctx, w, "127.0.0.76", "127.0.0.77", "webrtc-loss",
                setup=setup)
            browser.start(answer, phone.ssrc, count=20, drop_dtls=1,
                          timeout=9)
            try:
                phone.talk(browser, count=20, timeout=11)
            finally:
                r = browser.wait()
            ctx.check("rtpgate as DTLS %s retransmits after its first "
                      "datagram is lost: the handshake completes and media "
                      "crosses both ways" % role, first_problem(
                          None if r.get("dtls_dropped") == 1 else
                          "webrtc_peer %r" % r, browser.problem(20),
                          phone.problem(20)))
            call.delete()


CASES = [
    ("webrtc: the browser peer's own checks", peer_checks),
    ("webrtc: browser calls phone", browser_to_phone),
    ("webrtc: phone calls browser", phone_to_browser),
    ("webrtc: browser as DTLS server", browser_passive),
    ("webrtc: browser calls browser", browser_to_browser),
    ("webrtc: DTLS-SRTP profiles", profiles),
    ("webrtc: wrong fingerprint", wrong_fingerprint),
    ("webrtc: wrong ICE password", wrong_password),
    ("webrtc: re-INVITE mid-call", reinvite),
    ("webrtc: ICE restart mid-call", ice_restart),
    ("webrtc: DTLS retransmission", retransmission),
    ("webrtc: DTLS without ICE, rtpgate the client", no_ice_passive),
    ("webrtc: SRTP drops under DTLS keys", drops),
    ("webrtc: consent expiry", consent_expiry),
]
