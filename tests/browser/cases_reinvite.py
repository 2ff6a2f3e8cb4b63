"""cases_reinvite - a re-INVITE in the middle of a browser call.

SIP user agents re-INVITE during calls (session timers, hold and resume,
a browser renegotiating), and each re-INVITE is one more NG offer and
answer with the same tags. Here the offerer sends its SDP again unchanged
(the phone with its o= version one higher, the browser from a new
createOffer on the same connection). The browser keeps its ICE
credentials and certificate, so rtpgated must keep its own, and its
ports: the same ice-ufrag, ice-pwd, fingerprint and setup role, no ICE
restart, no new handshake; and media must not stop or lose a packet.
"""

import time

from browserkit import GATHER_MS
from phonekit import analyse
from sdp_browser import (TO_BROWSER, TO_PHONE, keep, phone_reinvite_sdp,
                         rtpgate_ice_dtls, to_phone_problem)

REINVITE_SECONDS = 3            # of media after it, before the checks


def inbound(stats):
    """The browser's audio inbound-rtp entry of getStats, or {}."""
    return next((r for r in stats["inbound"] if r.get("kind") == "audio"),
                {})


def _browser_reoffers(name, call, page, phone):
    """The browser offers again; returns rtpgated's answer to it, and what
    the browser made of it."""
    offer = keep(name, "the browser's re-offer",
                 page.call("reoffer", call=name, ms=GATHER_MS)["sdp"])
    to_phone = keep(name, "re-offer to the phone",
                    call.offer(offer, **TO_PHONE)["sdp"])
    reply = call.answer(keep(name, "the phone's re-answer",
                             phone_reinvite_sdp(phone.sdp)), **TO_BROWSER)
    to_browser = keep(name, "re-answer to the browser", reply["sdp"])
    return to_phone, to_browser, page.attempt("remoteAnswer", call=name,
                                              sdp=to_browser)


def _phone_reoffers(name, call, page, phone):
    """The phone offers again; returns what rtpgated sent each side."""
    reply = call.offer(keep(name, "the phone's re-offer",
                            phone_reinvite_sdp(phone.sdp)), **TO_BROWSER)
    to_browser = keep(name, "re-offer to the browser", reply["sdp"])
    answer = keep(name, "the browser's re-answer",
                  page.call("reanswer", call=name, sdp=to_browser,
                            ms=GATHER_MS)["sdp"])
    to_phone = keep(name, "re-answer to the phone",
                    call.answer(answer, **TO_PHONE)["sdp"])
    return to_phone, to_browser, None


def reinvite(report, name, call, page, phone, sides):
    """The offerer of the call re-INVITEs; the checks as above."""
    before = inbound(page.call("stats", call=name)).get("packetsReceived", 0)
    heard = len(phone.received())
    redo = _browser_reoffers if sides.browser_tag == call.from_tag \
        else _phone_reoffers
    to_phone, to_browser, refused = redo(name, call, page, phone)
    first = rtpgate_ice_dtls(sides.browser_sdp)
    again = rtpgate_ice_dtls(to_browser)
    report.check("%s: re-INVITE: rtpgated gives the browser the same ICE "
                 "credentials, fingerprint, setup and port, and the browser "
                 "takes them" % name,
                 refused or (None if again == first else "first %r\nnow %r"
                             % (first, again)))
    report.check("%s: re-INVITE: the phone gets plain RTP/AVP on the same "
                 "relay port again" % name,
                 to_phone_problem(to_phone) or
                 (None if "m=audio %d " % sides.to_phone.rtp_port in to_phone
                  else "port changed from %d\n%s"
                  % (sides.to_phone.rtp_port, to_phone)))
    time.sleep(REINVITE_SECONDS)
    stats = page.call("stats", call=name)
    inb = inbound(stats)
    rtp = analyse(phone.received(), sides.to_phone.rtp)
    want = REINVITE_SECONDS * 50 * 2 // 3
    more = (rtp["count"] - heard, inb.get("packetsReceived", 0) - before)
    report.check("%s: re-INVITE: media goes on both ways without a loss: "
                 ">= %d more packets at each end, one SSRC and consecutive "
                 "sequence numbers at the phone, packetsLost 0 and DTLS "
                 "still connected in the browser" % (name, want),
                 None if min(more) >= want and not rtp["gaps"]
                 and len(rtp["ssrcs"]) == 1 and inb.get("packetsLost") == 0
                 and stats["transports"]
                 and stats["transports"][0].get("dtlsState") == "connected"
                 else "(phone, browser) got %r more; phone %r; inbound %r; "
                 "transports %r" % (more, rtp, inb, stats["transports"]))
