"""rtp_check - RTP and RTCP through rtpgated during the SIPp call.

SIPp does the signalling only; the media ports its SDP names ([rtp_port],
[rtcp_port] in sipp/uac.xml and sipp/uas.xml) belong to Python sockets
(mediakit.Endpoint) on the caller's and the callee's addresses. During the
call each side sends G.711-sized RTP packets, paced 20 ms apart like audio,
and an RTCP sender report to the relay port rtpgated gave it (read from
query: the caller sends to its own tag's ports, the callee to its own), and
the test checks each arrives intact on the other side's SDP port from the
relay's address and port, not from the sender. Then query must count them.
"""

import time

# run_kamailio_sipp.py puts tests/media on sys.path.
from mediakit import Endpoint, expect, first_problem, rtcp, rtp, send

PACKETS = 10        # RTP packets each way
PACE = 0.02


def streams_of(reply, tag):
    """{"RTP": stream, "RTCP": stream} of @tag's first media in a query
    reply, or None while that is not known."""
    try:
        media = reply["tags"][tag]["medias"][0]
        found = {s["flags"][0]: s for s in media["streams"]}
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return found if "RTP" in found and "RTCP" in found else None


def wait_streams(ng, call_id, tags, timeout=3.0):
    """The query reply once every tag in @tags has its streams (the answer
    may still be on its way when the call is first listed), or None."""
    deadline = time.monotonic() + timeout
    while True:
        reply = ng({"command": "query", "call-id": call_id})
        if all(streams_of(reply, t) for t in tags):
            return reply
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def one_way(src, src_streams, dst, dst_streams, relay_ip):
    """PACKETS RTP packets and one RTCP packet from @src to the relay ports
    of @src_streams; the first problem with their arrival at @dst."""
    to_rtp = (relay_ip, src_streams["RTP"]["local port"])
    via_rtp = (relay_ip, dst_streams["RTP"]["local port"])
    for seq in range(PACKETS):
        pkt = rtp(size=160, pt=0, seq=seq)
        send(src.rtp, pkt, to_rtp)
        problem = expect(dst.rtp, pkt, via_rtp)
        if problem:
            return "RTP packet %d: %s" % (seq, problem)
        time.sleep(PACE)
    pkt = rtcp()
    send(src.rtcp, pkt, (relay_ip, src_streams["RTCP"]["local port"]))
    problem = expect(dst.rtcp, pkt, (relay_ip, dst_streams["RTCP"]
                                     ["local port"]))
    return "RTCP: " + problem if problem else None


def sdp_port_problem(streams, ep, who):
    got = streams["RTP"].get("advertised endpoint")
    want = {"family": "IPv4", "address": ep.ip, "port": ep.rtp_port}
    return None if got == want else "the %s's advertised endpoint is %r, " \
        "wanted %r" % (who, got, want)


def counted(streams, who):
    got = [streams[k]["stats"].get("packets") for k in ("RTP", "RTCP")]
    if got == [PACKETS, 1]:
        return None
    return "%s's streams count %r RTP/RTCP packets, wanted %d/1" % (
        who, got, PACKETS)


def check_media(report, ng, call_id, tags, ends, relay_ip):
    """Media both ways during the call. @tags = (caller tag, callee tag),
    @ends = their Endpoints, @ng(msg) -> reply dict."""
    reply = wait_streams(ng, call_id, tags)
    if reply is None:
        report.fail("during the call, query shows relay ports for both "
                    "parties", "query never showed streams for %s and %s"
                    % tags)
        return
    caller, callee = [streams_of(reply, t) for t in tags]
    report.check("rtpgated has the media ports of the runner's sockets from "
                 "both SIPp ends' SDP", first_problem(*(
                     sdp_port_problem(s, ep, who) for s, ep, who in
                     ((caller, ends[0], "caller"), (callee, ends[1],
                                                    "callee")))))
    report.check("RTP and RTCP the caller sends to its relay ports arrive "
                 "at the callee's SDP media ports from the relay's address "
                 "and the callee's relay ports, not from the caller",
                 one_way(ends[0], caller, ends[1], callee, relay_ip))
    report.check("RTP and RTCP the callee sends to its relay ports arrive "
                 "at the caller's SDP media ports from the relay's address "
                 "and the caller's relay ports",
                 one_way(ends[1], callee, ends[0], caller, relay_ip))
    reply = ng({"command": "query", "call-id": call_id})
    now = [streams_of(reply, t) for t in tags]
    report.check("during the call, query counts the %d RTP packets and the "
                 "RTCP packet each side sent" % PACKETS,
                 first_problem(*(counted(s, who) if s else
                                 "no streams for the %s: %r" % (who, reply)
                                 for s, who in zip(now, ("caller",
                                                         "callee")))))


__all__ = ["Endpoint", "check_media"]
