"""cases_mux - rtcp-mux (RFC 5761) between the parties: demux, pass-through
and offer. A muxing party sends and receives RTCP on its RTP port.
"""

from cases_forward import hop
from mediakit import expect, first_problem, rtcp, rtp, sdp, send


def sdp_problem(what, media, want_mux):
    has = "rtcp-mux" in media["attrs"]
    if has == want_mux:
        return None
    return "the %s SDP %s a=rtcp-mux (attributes %s)" % (
        what, "has" if has else "lacks", media["attrs"])


def demux(ctx):
    """A muxes, B does not: the relay splits A's RTCP off its RTP port."""
    a, b = ctx.endpoint("127.0.0.30"), ctx.endpoint("127.0.0.40")
    call = ctx.call("demux")
    call.offer(sdp(a, attrs=["rtcp-mux"]), rtcp_mux=["demux"])
    call.answer(sdp(b))
    ctx.check("rtcp-mux demux: the offer to B has no a=rtcp-mux and the "
              "answer to A has it", first_problem(
                  sdp_problem("offer", call.b.sdp, False),
                  sdp_problem("answer", call.a.sdp, True)))
    ctx.check("rtcp-mux demux: RTCP that A sends to its RTP relay port "
              "arrives on B's RTCP port, from B's relay RTCP port",
              hop(a.rtp, call.a.rtp, b.rtcp, call.b.rtcp, rtcp()))
    ctx.check("rtcp-mux demux: B's RTCP reaches A's RTP port, from A's relay "
              "RTP port", hop(b.rtcp, call.b.rtcp, a.rtp, call.a.rtp, rtcp()))
    ctx.check("rtcp-mux demux: RTP still goes RTP port to RTP port both ways",
              first_problem(hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp),
                            hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp)))
    call.delete()


def pass_through(ctx):
    """Both mux: RTCP goes RTP port to RTP port."""
    a, b = ctx.endpoint("127.0.0.31"), ctx.endpoint("127.0.0.41")
    call = ctx.call("muxboth")
    call.offer(sdp(a, attrs=["rtcp-mux"]))
    call.answer(sdp(b, attrs=["rtcp-mux"]))
    ctx.check("rtcp-mux pass-through: a=rtcp-mux reaches B in the offer and "
              "A in the answer", first_problem(
                  sdp_problem("offer", call.b.sdp, True),
                  sdp_problem("answer", call.a.sdp, True)))
    ctx.check("rtcp-mux pass-through: RTCP that A sends on its RTP port "
              "reaches B's RTP port from B's relay RTP port",
              hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp, rtcp()))
    ctx.check("rtcp-mux pass-through: RTCP that B sends on its RTP port "
              "reaches A's RTP port from A's relay RTP port",
              hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp, rtcp()))
    ctx.check("rtcp-mux pass-through: RTP still flows both ways",
              first_problem(hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp),
                            hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp)))
    call.delete()


def offer_mux(ctx):
    """A does not mux, the relay offers mux to B, which accepts."""
    a, b = ctx.endpoint("127.0.0.32"), ctx.endpoint("127.0.0.42")
    call = ctx.call("muxoffer")
    call.offer(sdp(a), flags=["rtcp-mux-offer"])
    call.answer(sdp(b, attrs=["rtcp-mux"]))
    ctx.check("rtcp-mux offer: the offer to B gains a=rtcp-mux, the answer "
              "to A has none", first_problem(
                  sdp_problem("offer", call.b.sdp, True),
                  sdp_problem("answer", call.a.sdp, False)))
    ctx.check("rtcp-mux offer: RTCP from A's RTCP port reaches B's RTP port, "
              "from B's relay RTP port",
              hop(a.rtcp, call.a.rtcp, b.rtp, call.b.rtp, rtcp()))
    pkt = rtcp()
    send(b.rtp, pkt, call.b.rtp)
    ctx.check("rtcp-mux offer: RTCP that B sends on its RTP port reaches A's "
              "RTCP port, from A's relay RTCP port",
              expect(a.rtcp, pkt, call.a.rtcp))
    ctx.check("rtcp-mux offer: RTP still flows both ways",
              first_problem(hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp),
                            hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp, rtp())))
    call.delete()


CASES = [
    ("rtcp-mux demux", demux),
    ("rtcp-mux pass-through", pass_through),
    ("rtcp-mux offer", offer_mux),
]
