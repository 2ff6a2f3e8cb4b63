"""cases_forward - where the relay sends each packet: both directions, NAT,
early media, no destination yet, asymmetric, re-offer, other interfaces.

Each case takes a mediakit.Ctx and reports its behaviour sentences with
ctx.check(). Party A (127.0.0.1x) offers, party B (127.0.0.2x) answers.
"""

from mediakit import (expect, first_problem, rtcp, rtp,
                      sdp, send, silence)


def established(ctx, a_ip="127.0.0.10", b_ip="127.0.0.20", offer_keys=None,
                answer_keys=None, a_attrs=(), b_attrs=()):
    """A call answered by B: (call, A's endpoint, B's endpoint)."""
    a, b = ctx.endpoint(a_ip), ctx.endpoint(b_ip)
    call = ctx.call()
    call.offer(sdp(a, attrs=a_attrs), **(offer_keys or {}))
    call.answer(sdp(b, attrs=b_attrs), **(answer_keys or {}))
    return call, a, b


def nat_call(ctx, a_ip, b_ip, name, flags=()):
    """A call answered by B whose A has a second socket besides the one its
    SDP names: (call, A's SDP endpoint, A's other endpoint, B)."""
    a_sdp, a_other, b = (ctx.endpoint(a_ip), ctx.endpoint(a_ip),
                         ctx.endpoint(b_ip))
    call = ctx.call(name)
    call.offer(sdp(a_sdp), flags=list(flags))
    call.answer(sdp(b))
    return call, a_sdp, a_other, b


def hop(src_sock, to, dst_sock, via, packet=None):
    """Sends @packet (a new RTP packet) from @src_sock to relay address @to
    and checks it arrives on @dst_sock from relay address @via."""
    packet = rtp() if packet is None else packet
    send(src_sock, packet, to)
    return expect(dst_sock, packet, via)


def both_ways(ctx):
    call, a, b = established(ctx)
    ctx.check("RTP sent by A to the relay port of the answer arrives intact "
              "at B's SDP address, from B's relay port on the relay address",
              hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp))
    ctx.check("RTP sent by B to the relay port of the offer arrives intact "
              "at A's address, from A's relay port on the relay address",
              hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp))
    ctx.check("RTCP sent by A to the answer's a=rtcp port arrives at B's "
              "RTCP port (m= port + 1), from B's relay RTCP port",
              hop(a.rtcp, call.a.rtcp, b.rtcp, call.b.rtcp, rtcp()))
    ctx.check("RTCP sent by B to the offer's a=rtcp port arrives at A's "
              "RTCP port, from A's relay RTCP port",
              hop(b.rtcp, call.b.rtcp, a.rtcp, call.a.rtcp, rtcp()))
    ctx.check("a second exchange after both parties were learned still goes "
              "both ways", first_problem(
                  hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp),
                  hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp)))
    call.delete()


def rtcp_attribute(ctx):
    """B's SDP puts RTCP on a port that is not m= + 1."""
    a, b, b_rtcp = (ctx.endpoint("127.0.0.10"), ctx.endpoint("127.0.0.20"),
                    ctx.endpoint("127.0.0.20"))
    call = ctx.call("rtcpattr")
    call.offer(sdp(a))
    call.answer(sdp(b, attrs=["rtcp:%d" % b_rtcp.rtcp_port]))
    pkt = rtcp()
    send(a.rtcp, pkt, call.a.rtcp)
    ctx.check("RTCP for a party whose SDP has a=rtcp goes to that port, not "
              "to m= port + 1", first_problem(
                  expect(b_rtcp.rtcp, pkt, call.b.rtcp),
                  silence(b.rtcp, 0.1)))
    call.delete()


def other_interface(ctx):
    """direction [internal, external]: B sees 203.0.113.5, sends to
    127.0.0.2, and A's packets reach it from 127.0.0.2."""
    call, a, b = established(ctx, "127.0.0.13", "127.0.0.23", offer_keys={
        "direction": ["internal", "external"]})
    problem = None
    if call.b.sdp["c"] != "203.0.113.5" or call.b.ip != "127.0.0.2":
        problem = "offer SDP shows c=%s, wanted 203.0.113.5" % call.b.sdp["c"]
    ctx.check("with direction [internal, external], A's RTP reaches B from "
              "the external interface's local address 127.0.0.2 and B's "
              "reaches A from 127.0.0.1", first_problem(
                  problem, hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp),
                  hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp)))
    call.delete()


def nat(ctx):
    """A's SDP names one port, A sends from another (a NAT rewrote it)."""
    call, a_sdp, a_nat, b = nat_call(ctx, "127.0.0.11", "127.0.0.21", "nat")
    ctx.check("before A has sent anything, B's media goes to the port in "
              "A's SDP", hop(b.rtp, call.b.rtp, a_sdp.rtp, call.a.rtp))
    ctx.check("NAT: RTP from a port A's SDP did not name is relayed to B",
              hop(a_nat.rtp, call.a.rtp, b.rtp, call.b.rtp))
    pkt = rtp()
    send(b.rtp, pkt, call.b.rtp)
    ctx.check("NAT: after A's first packet, B's media reaches A at the port "
              "A sent from, not the one in its SDP",
              first_problem(expect(a_nat.rtp, pkt, call.a.rtp),
                            silence(a_sdp.rtp, 0.2)))
    ctx.check("NAT: RTCP is learned separately and reaches A's RTCP source "
              "port", first_problem(
                  hop(a_nat.rtcp, call.a.rtcp, b.rtcp, call.b.rtcp, rtcp()),
                  hop(b.rtcp, call.b.rtcp, a_nat.rtcp, call.a.rtcp, rtcp())))
    call.delete()


def early_media(ctx):
    a, b = ctx.endpoint("127.0.0.12"), ctx.endpoint("127.0.0.22")
    call = ctx.call("early")
    call.offer(sdp(a))
    a_relay = call.relay_from_query(call.from_tag)
    ctx.check("early media: after the offer only, B's RTP to the offer's "
              "port reaches A's SDP address from A's relay port",
              hop(b.rtp, call.b.rtp, a.rtp, a_relay.rtp))
    ctx.check("early media: once B has sent, A's RTP reaches B's learned "
              "address before any answer",
              hop(a.rtp, a_relay.rtp, b.rtp, call.b.rtp))
    call.delete()


def no_destination(ctx):
    a, b = ctx.endpoint("127.0.0.14"), ctx.endpoint("127.0.0.24")
    call = ctx.call("nodest")
    call.offer(sdp(a))
    a_relay = call.relay_from_query(call.from_tag)
    problem = ctx.dropped("no-destination", a.rtp, a_relay.rtp,
                          [b.rtp, a.rtp])
    stats = call.streams(call.from_tag)["RTP"]["stats"]
    ctx.check("before anything is known about B, A's packet is dropped and "
              "counted under drops.no-destination and the stream's errors",
              first_problem(problem, None if stats.get("errors") == 1 else
                            "A's RTP stream stats %r, wanted errors 1"
                            % (stats,)))
    call.delete()


def asymmetric(ctx):
    call, a_sdp, a_src, b = nat_call(ctx, "127.0.0.15", "127.0.0.25", "asym",
                                     ["asymmetric"])
    ctx.check("asymmetric: RTP from a port other than A's SDP port is "
              "relayed to B", hop(a_src.rtp, call.a.rtp, b.rtp, call.b.rtp))
    pkt = rtp()
    send(b.rtp, pkt, call.b.rtp)
    ctx.check("asymmetric: B's media still goes to A's SDP port, not to the "
              "port A sends from", first_problem(
                  expect(a_sdp.rtp, pkt, call.a.rtp), silence(a_src.rtp, 0.2)))
    call.delete()

    call = ctx.call("asym-strict")
    call.offer(sdp(a_sdp), flags=["asymmetric", "strict-source"])
    call.answer(sdp(b))
    ctx.check("asymmetric with strict-source: packets not from A's SDP "
              "address are dropped and counted as source-mismatch",
              ctx.dropped("source-mismatch", a_src.rtp, call.a.rtp, [b.rtp]))
    ctx.check("asymmetric with strict-source: packets from A's SDP address "
              "are relayed", hop(a_sdp.rtp, call.a.rtp, b.rtp, call.b.rtp))
    call.delete()


def reoffer(ctx):
    a1, a2, b = (ctx.endpoint("127.0.0.16"), ctx.endpoint("127.0.0.17"),
                 ctx.endpoint("127.0.0.26"))
    call = ctx.call("reoffer")
    call.offer(sdp(a1))
    call.answer(sdp(b))
    first_a, first_b = call.a.rtp, call.b.rtp
    setup = first_problem(hop(a1.rtp, call.a.rtp, b.rtp, call.b.rtp),
                          hop(b.rtp, call.b.rtp, a1.rtp, call.a.rtp))
    call.offer(sdp(a2))
    call.answer(sdp(b))
    kept = None if (call.a.rtp, call.b.rtp) == (first_a, first_b) else \
        "relay ports moved from %s/%s to %s/%s" % (first_a, first_b,
                                                   call.a.rtp, call.b.rtp)
    ctx.check("a re-offer in the same call keeps the relay ports", kept)
    pkt = rtp()
    send(b.rtp, pkt, call.b.rtp)
    ctx.check("a re-offer with a new SDP address moves B's media to it, "
              "forgetting the address learned before", first_problem(
                  setup, expect(a2.rtp, pkt, call.a.rtp), silence(a1.rtp, 0.2)))
    ctx.check("after the re-offer, A's media from the new address reaches B",
              hop(a2.rtp, call.a.rtp, b.rtp, call.b.rtp))
    call.delete()


CASES = [
    ("RTP and RTCP both ways", both_ways),
    ("a=rtcp", rtcp_attribute),
    ("a party on another interface", other_interface),
    ("NAT", nat),
    ("early media", early_media),
    ("no destination", no_destination),
    ("asymmetric", asymmetric),
    ("re-offer", reoffer),
]
