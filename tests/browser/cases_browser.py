"""cases_browser - one call between the browser and the phone, each way.

run_direction() sets the call up over NG with the tutorials' flags (the
runner plays the SIP proxy), lets media flow for a few seconds and checks
both ends, query and statistics. See run_browser.py for the picture.
"""

import time
import traceback

from browserkit import GATHER_MS, PageError
from mediakit import CaseError, Call
from ngclient import NgTimeout
from sdp_browser import (TO_BROWSER, TO_PHONE, browser_sdp_problem,
                         early_words, keep, phone_sdp, to_browser_problem,
                         to_phone_problem)
from cases_reinvite import reinvite
from phonekit import PCMU, Phone, analyse

PHONE_HZ = 1000
MEDIA_SECONDS = 6               # of media both ways before the checks
CONNECT_MS = 15000
# The browser's answer travels to the proxy (a 200 OK over WebSocket)
# while the browser already runs ICE and DTLS with rtpgated: on loopback
# the handshake ends within this time, before the NG answer is sent.
SIP_DELAY = 0.5


class Sides:
    """Where each party sends (Relay: the relay's address for it), which
    tag is the browser's, and the SDP rtpgated gave the browser."""

    def __init__(self, to_phone, to_browser, browser_tag, browser_sdp):
        self.to_phone = to_phone
        self.to_browser = to_browser
        self.browser_tag = browser_tag
        self.browser_sdp = browser_sdp


# (name, phone address, who offers, whether the browser's SDP goes before
# its candidates: an offer as trickle ICE sends it, an answer that reaches
# rtpgated before the browser starts ICE)
DIRECTIONS = [
    ("browser -> phone", "127.0.0.91", "browser", False),
    ("phone -> browser", "127.0.0.92", "phone", False),
    ("browser -> phone, offer before candidates", "127.0.0.93", "browser",
     True),
    ("phone -> browser, answer before ICE starts", "127.0.0.94", "phone",
     True),
]

def setup_browser_offers(report, name, call, page, phone, early):
    """Browser offers, phone answers. Returns the Sides."""
    offer = keep(name, "the browser's offer",
                 page.call("offer", call=name, ms=GATHER_MS,
                           early=early)["sdp"])
    report.check("%s: the browser offers UDP/TLS/RTP/SAVPF with %s"
                 % (name, early_words(early)),
                 browser_sdp_problem(offer, early))
    reply = call.offer(offer, **TO_PHONE)
    report.check("%s: offer RTP/AVP ICE=remove replace-origin gives the "
                 "phone plain RTP/AVP without ICE, DTLS or rtcp-fb" % name,
                 to_phone_problem(keep(name, "offer to the phone",
                                       reply["sdp"])))
    reply = call.answer(keep(name, "the phone's answer", phone_sdp(phone)),
                        **TO_BROWSER)
    to_browser = keep(name, "answer to the browser", reply["sdp"])
    report.check("%s: answer UDP/TLS/RTP/SAVPF ICE=force gives the browser "
                 "ICE credentials, a 127.0.0.1 candidate, a fingerprint, "
                 "setup:passive and rtcp-mux" % name,
                 to_browser_problem(to_browser, offer=False))
    accepted = page.attempt("remoteAnswer", call=name, sdp=to_browser)
    report.check("%s: the browser accepts rtpgated's answer" % name, accepted)
    return Sides(call.b, call.a, call.from_tag, to_browser)


def setup_phone_offers(report, name, call, page, phone, early):
    """Phone offers, browser answers (@early: to rtpgated before the
    browser starts ICE, else SIP_DELAY after). Returns the Sides."""
    reply = call.offer(keep(name, "the phone's offer", phone_sdp(phone)),
                       **TO_BROWSER)
    to_browser = keep(name, "offer to the browser", reply["sdp"])
    report.check("%s: offer UDP/TLS/RTP/SAVPF ICE=force gives the browser "
                 "ICE credentials, a 127.0.0.1 candidate, a fingerprint, "
                 "setup:actpass and rtcp-mux" % name,
                 to_browser_problem(to_browser, offer=True))
    answer = keep(name, "the browser's answer",
                  page.call("answer", call=name, sdp=to_browser,
                            ms=GATHER_MS, early=early)["sdp"])
    report.check("%s: the browser answers with %s and a=setup:active"
                 % (name, early_words(early)),
                 browser_sdp_problem(answer, early)
                 or (None if "a=setup:active" in answer
                     else "no a=setup:active\n" + answer))
    if not early:
        time.sleep(SIP_DELAY)
    reply = call.answer(answer, **TO_PHONE)
    report.check("%s: answer RTP/AVP ICE=remove replace-origin gives the "
                 "phone plain RTP/AVP without ICE, DTLS or rtcp-fb" % name,
                 to_phone_problem(keep(name, "answer to the phone",
                                       reply["sdp"])))
    if early:
        report.check("%s: the browser then takes its answer and starts ICE"
                     % name, page.attempt("commitAnswer", call=name,
                                          sdp=answer))
    return Sides(call.a, call.b, call.to_tag, to_browser)


def run_direction(report, daemon, page, direction, browser_hz):
    """One call in @direction, its checks, and its clean-up."""
    name, phone_ip, offerer, early = direction
    phone = Phone(phone_ip, PHONE_HZ)
    try:
        with daemon.client(timeout=2.0, retries=2) as client:
            call = Call(client, "browser")
            try:
                setup = setup_browser_offers if offerer == "browser" \
                    else setup_phone_offers
                before = daemon_drops(call)
                sides = setup(report, name, call, page, phone, early)
                media_checks(report, name, call, page, phone, sides,
                             browser_hz)
                if not early:
                    reinvite(report, name, call, page, phone, sides)
                counter_checks(report, name, call, sides, before, early)
            except (CaseError, PageError, NgTimeout, KeyError, ValueError,
                    TypeError):
                report.fail("%s: the call runs to its end" % name,
                            traceback.format_exc(limit=3))
            finally:
                page.attempt("close", call=name)
                try:
                    call.delete()
                except (CaseError, NgTimeout) as e:
                    report.fail("%s: delete ends the call" % name, str(e))
    finally:
        phone.close()


def media_checks(report, name, call, page, phone, sides, browser_hz):
    """Media both ways for MEDIA_SECONDS, then the checks at both ends."""
    phone.start(sides.to_phone.rtp)
    state = page.call("connected", call=name, ms=CONNECT_MS,
                      timeout=CONNECT_MS / 1000 + 5)
    report.check("%s: the browser's peer connection reaches 'connected' "
                 "(ICE and DTLS through rtpgated)" % name,
                 None if state.get("connectionState") == "connected"
                 else "states: %r" % state)
    time.sleep(MEDIA_SECONDS)
    stats = page.call("stats", call=name)
    transport_checks(report, name, stats, sides.to_browser)
    browser_checks(report, name, stats)
    phone_checks(report, name, phone, sides.to_phone, browser_hz)


def near(value, want, tolerance):
    return value is not None and abs(value - want) <= tolerance


def transport_checks(report, name, stats, relay):
    """The browser's DTLS transport and its selected ICE pair."""
    tr = stats["transports"][0] if stats["transports"] else {}
    report.check("%s: getStats: transport dtlsState 'connected', iceState "
                 "'connected', SRTP cipher chosen" % name,
                 None if tr.get("dtlsState") == "connected"
                 and tr.get("iceState") == "connected"
                 and tr.get("srtpCipher") else "transports: %r"
                 % stats["transports"])
    pair = next((p for p in stats["pairs"]
                 if p.get("id") == tr.get("selectedCandidatePairId")), {})
    local = stats["candidates"].get(pair.get("localCandidateId"), {})
    remote = stats["candidates"].get(pair.get("remoteCandidateId"), {})
    want = {"address": "127.0.0.1", "port": relay.rtp_port}
    report.check("%s: getStats: the selected candidate pair succeeded and "
                 "is nominated, from 127.0.0.1 to rtpgated's 127.0.0.1:%d"
                 % (name, relay.rtp_port),
                 None if pair.get("state") == "succeeded"
                 and pair.get("nominated") and local.get("address") ==
                 "127.0.0.1" and {k: remote.get(k) for k in want} == want
                 else "pair %r, local %r, remote %r" % (pair, local, remote))


def browser_checks(report, name, stats):
    """What the browser received from the phone, and heard."""
    inb = next((r for r in stats["inbound"] if r.get("kind") == "audio"), {})
    out = next((r for r in stats["outbound"] if r.get("kind") == "audio"), {})
    codec = stats["codecs"].get(inb.get("codecId"), {})
    want = MEDIA_SECONDS * 50 // 2
    report.check("%s: getStats: inbound-rtp PCMU packetsReceived >= %d and "
                 "bytesReceived > 0 (the phone's packets, decrypted) and "
                 "outbound-rtp packetsSent > 0" % (name, want),
                 None if inb.get("packetsReceived", 0) >= want
                 and inb.get("bytesReceived", 0) > 0
                 and codec.get("mimeType") == "audio/PCMU"
                 and out.get("packetsSent", 0) > 0
                 else "inbound %r codec %r outbound %r" % (inb, codec, out))
    peak = stats.get("peak") or {}
    report.check("%s: the browser hears the phone's %d Hz tone "
                 "(totalAudioEnergy > 0, spectrum peak within 20 Hz)"
                 % (name, PHONE_HZ),
                 None if inb.get("totalAudioEnergy", 0) > 0
                 and near(peak.get("hz"), PHONE_HZ, 20)
                 else "peak %r, inbound %r" % (peak, inb))


def phone_checks(report, name, phone, relay, browser_hz):
    """What the phone received from the browser, RTP and RTCP."""
    rtp = analyse(phone.received(), relay.rtp)
    want = MEDIA_SECONDS * 50 // 2
    report.check("%s: the phone receives >= %d RTP packets from rtpgated's "
                 "port %d: version 2, PCMU, one SSRC, consecutive sequence "
                 "numbers, nothing from elsewhere" % (name, want,
                                                      relay.rtp_port),
                 None if rtp["count"] >= want and rtp["pts"] == {PCMU}
                 and len(rtp["ssrcs"]) == 1 and not rtp["gaps"]
                 and not rtp["bad"] and not rtp["foreign"]
                 else "analysis: %r" % rtp)
    report.check("%s: the phone hears the browser's %d Hz tone (decoded "
                 "PCMU, not one byte repeated)" % (name, browser_hz),
                 None if near(rtp["hz"], browser_hz, 20)
                 and rtp["rms"] > 100 and rtp["flat"] < rtp["count"]
                 else "analysis: %r" % rtp)
    deadline = time.monotonic() + 6
    while not phone.received(rtcp=True) and time.monotonic() < deadline:
        time.sleep(0.2)
    rtcp = phone.received(rtcp=True)
    bad = [(src, d[:2].hex()) for _, src, d in rtcp
           if tuple(src) != relay.rtcp or len(d) < 8 or d[0] >> 6 != 2
           or not 200 <= d[1] <= 204]
    report.check("%s: the phone receives the browser's RTCP in clear on its "
                 "RTCP port, from rtpgated's RTCP port %d" % (name,
                                                              relay.rtcp_port),
                 None if rtcp and not bad else "%d RTCP datagrams, wrong: %r"
                 % (len(rtcp), bad[:5]))


def daemon_drops(call):
    reply = call.client.request({"command": "statistics"})
    return reply["statistics"]["totalstatistics"]["drops"]


def webrtc_checks(report, name, call, sides, reply):
    """query: rtpgated's view of ICE and DTLS on each party's media."""
    media = {}
    for tag in (call.from_tag, call.to_tag):
        m = reply["tags"][tag]["medias"][0]
        who = "browser" if tag == sides.browser_tag else "phone"
        media[who] = {"flags": m.get("flags"), "DTLS": m.get("DTLS"),
                      "ICE": m.get("ICE")}
    b, p = media["browser"], media["phone"]
    report.check("%s: query: the browser's media has ICE (nominated) and "
                 "DTLS 'established', the phone's neither" % name,
                 None if {"ICE", "DTLS"} <= set(b["flags"] or ())
                 and b["DTLS"] == "established"
                 and (b["ICE"] or {}).get("nominations", 0) >= 1
                 and not {"ICE", "DTLS", "SDES"} & set(p["flags"] or ())
                 else "medias: %r" % media)


def counter_checks(report, name, call, sides, before, early):
    """query: packets from both parties; the only drops are packets sent
    before the browser had nominated and rtpgated had its keys (the phone
    sends at once, the browser before its answer reached rtpgated; with an
    @early SDP there is no address for the browser before its nomination);
    statistics: no SRTP drops during the call. Media still flows, so the
    query is bracketed by two statistics."""
    reasons = ("srtp-pending", "ice-no-consent") + \
        (("no-destination",) if early else ())
    low = daemon_drops(call)
    reply = call.query()
    high = daemon_drops(call)
    webrtc_checks(report, name, call, sides, reply)
    counts = {}
    for tag in (call.from_tag, call.to_tag):
        streams = call.streams(tag, reply)
        who = "browser" if tag == sides.browser_tag else "phone"
        counts[who] = (streams["RTP"]["stats"]["packets"],
                       sum(s["stats"]["errors"] for s in streams.values()))
    errors = sum(e for _, e in counts.values())
    span = [sum(d.get(r, 0) - before.get(r, 0) for r in reasons)
            for d in (low, high)]
    drops = {k: v - before.get(k, 0) for k, v in high.items()}
    others = {k: v for k, v in drops.items() if v and k not in reasons}
    report.check("%s: query counts RTP packets from both parties and errors "
                 "only for the packets dropped (%s) before ICE and DTLS "
                 "were done" % (name, ", ".join(reasons)),
                 None if all(p > 0 for p, _ in counts.values())
                 and span[0] <= errors <= span[1] and not others
                 else "(packets, errors): %r; such drops %d..%d; drops during "
                 "the call %r" % (counts, span[0], span[1], drops))
    srtp = {k: v for k, v in drops.items()
            if k in ("srtp-auth", "srtp-replay", "srtp-failed")}
    report.check("%s: statistics counts no srtp-auth, srtp-replay or "
                 "srtp-failed drops" % name,
                 None if srtp and not any(srtp.values()) else "drops: %r"
                 % drops)
