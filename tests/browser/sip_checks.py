"""sip_checks - what run_sip.py checks of the browser's side of a call:
the SIP dialogue as SIP.js traced it, and getStats().

The page reports the start line of every SIP message on its WebSocket,
"> " for sent and "< " for received, in order, since it started.
"""

MIN_RECEIVED = 50       # a second of 20 ms packets at least
TONE_TOLERANCE_HZ = 20


def _after_last(lines, prefix):
    """The lines from the last one starting with @prefix on, or []."""
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith(prefix):
            return lines[i:]
    return []


def check_dialogue(report, name, res, caller):
    """@res: the page's result of "call" (@caller) or "answer": the
    session is established and the trace holds INVITE, 200 OK and ACK in
    that order, each the right way."""
    lines = [str(l) for l in res.get("sip") or []]
    if caller:
        want = ("> INVITE ", "< SIP/2.0 200 ", "> ACK ")
        what = "the browser's INVITE is answered 200 by the phone " \
            "and the browser ACKs it"
    else:
        want = ("< INVITE ", "> SIP/2.0 200 ", "< ACK ")
        what = "the browser gets the phone's INVITE, answers 200 OK and " \
            "receives the ACK"
    tail = _after_last(lines, want[0])
    missing = []
    for w in want:
        while tail and not tail[0].startswith(w):
            tail = tail[1:]
        if not tail:
            missing.append(w.strip())
    report.check("%s: %s (SIP.js session %s)" % (name, what,
                                                   res.get("state")),
                 None if not missing and res.get("state") == "Established"
                 else "missing in order: %r; trace: %r"
                 % (missing, lines[-8:]))


def check_bye(report, name, res, sent):
    """The BYE the browser @sent (or received) is answered 200 by the
    other side (or by the browser)."""
    lines = [str(l) for l in res.get("sip") or []]
    bye, ok = ("> BYE ", "< SIP/2.0 200 ") if sent else \
        ("< BYE ", "> SIP/2.0 200 ")
    tail = _after_last(lines, bye)
    report.check("%s: the %s BYE is answered 200 (SIP.js session %s)"
                 % (name, "browser's" if sent else "phone's",
                    res.get("state")),
                 None if any(l.startswith(ok) for l in tail[1:])
                 and res.get("state") == "Terminated"
                 else "trace: %r" % (lines[-6:],))


def _inbound_audio(stats):
    for r in stats.get("inbound") or []:
        if r.get("kind") == "audio":
            return r
    return {}


def check_browser_stats(report, name, stats, phone_hz):
    """getStats() a second before the hang-up: packets in, decoded sound,
    ICE and DTLS connected with an SRTP cipher, the phone's tone heard."""
    inbound = _inbound_audio(stats)
    got = inbound.get("packetsReceived", 0)
    codec = stats.get("codecs", {}).get(inbound.get("codecId"), {})
    report.check("%s: getStats() in the browser: inbound-rtp audio "
                 "packetsReceived %d (> %d), %s, with audio energy"
                 % (name, got, MIN_RECEIVED, codec.get("mimeType")),
                 None if got > MIN_RECEIVED
                 and inbound.get("totalAudioEnergy", 0) > 0
                 else "inbound: %r" % (inbound,))
    sent = sum(r.get("packetsSent", 0) for r in stats.get("outbound") or [])
    report.check("%s: getStats(): outbound-rtp packetsSent %d > 0"
                 % (name, sent), None if sent > 0 else
                 "outbound: %r" % (stats.get("outbound"),))
    ts = stats.get("transports") or [{}]
    bad = [t for t in ts if t.get("dtlsState") != "connected"
           or t.get("iceState") != "connected" or not t.get("srtpCipher")]
    report.check("%s: getStats(): the transport's ICE and DTLS are "
                 "connected, SRTP cipher %s"
                 % (name, ts[0].get("srtpCipher")),
                 "transports: %r; connection %r"
                 % (ts, stats.get("connectionState")) if bad else None)
    peak = stats.get("peak") or {}
    hz = peak.get("hz")
    report.check("%s: the browser hears the phone's %d Hz tone"
                 % (name, phone_hz),
                 None if hz is not None
                 and abs(hz - phone_hz) <= TONE_TOLERANCE_HZ
                 else "loudest frequency: %r" % (peak,))
