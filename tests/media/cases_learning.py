"""cases_learning - the 3-second learning window and what happens after it
locks: strict-source, the default, media-handover and port-latching.

All calls are set up and learn first, then one wait past the window serves
them all, so the case costs one window (about 3.5 s) in total.
"""

import time

from cases_forward import hop
from mediakit import (expect, first_problem, rtp, sdp, send,
                      silence)

WINDOW = 3.0        # RG_LEARN_WINDOW_US in daemon/relay.h, as the spec says
MARGIN = 0.4


class Party:
    """A call whose A has two sources on one address: a1 (named in its SDP
    and sending first) and a2."""

    def __init__(self, ctx, n, flags):
        ip_a, ip_b = "127.0.0.%d" % (50 + n), "127.0.0.%d" % (70 + n)
        self.a1, self.a2 = ctx.endpoint(ip_a), ctx.endpoint(ip_a)
        self.b = ctx.endpoint(ip_b)
        self.flags = flags
        self.call = ctx.call("learn%d" % n)
        self.call.offer(sdp(self.a1), flags=flags)
        self.call.answer(sdp(self.b))
        self.first = None

    def a_to_b(self, src):
        return hop(src.rtp, self.call.a.rtp, self.b.rtp, self.call.b.rtp)

    def b_to(self, dst, other):
        """B's next packet reaches @dst and not @other."""
        pkt = rtp()
        send(self.b.rtp, pkt, self.call.b.rtp)
        return first_problem(expect(dst.rtp, pkt, self.call.a.rtp),
                             silence(other.rtp, 0.15))

    def learn(self):
        """Within the window: a1, then a2 send; the latest source wins."""
        self.first = time.monotonic()
        return first_problem(self.a_to_b(self.a1), self.b_to(self.a1, self.a2),
                             self.a_to_b(self.a2), self.b_to(self.a2, self.a1))


def strict_after(ctx, p):
    ctx.check("strict-source: after the window, a packet from another source "
              "than the locked one is dropped and counted as source-mismatch",
              ctx.dropped("source-mismatch", p.a1.rtp, p.call.a.rtp,
                          [p.b.rtp]))
    ctx.check("strict-source: media still flows from the locked source, and "
              "B's media still reaches it", first_problem(
                  p.a_to_b(p.a2), p.b_to(p.a2, p.a1)))


def default_after(ctx, p):
    ctx.check("without strict-source, a packet from a second source after "
              "the window is forwarded to B", p.a_to_b(p.a1))
    ctx.check("without strict-source or media-handover, B's media keeps "
              "going to the locked address after a second source sent",
              p.b_to(p.a2, p.a1))


def handover_after(ctx, p):
    ctx.check("media-handover: a packet from a new source after the window "
              "is forwarded to B", p.a_to_b(p.a1))
    ctx.check("media-handover: B's media moves to the new source",
              p.b_to(p.a1, p.a2))


def relearn(p, third):
    """Locks a2 (a packet after the window), re-offers with A's unchanged
    SDP and lets @third send: returns the setup problem or None."""
    problem = first_problem(p.a_to_b(p.a2), p.b_to(p.a2, p.a1))
    p.call.offer(sdp(p.a1), flags=p.flags)
    p.call.answer(sdp(p.b))
    return first_problem(problem, p.a_to_b(third))


def latching_after(ctx, p, third):
    problem = relearn(p, third)
    ctx.check("port-latching: an address locked before a re-offer stays "
              "locked after it: B's media keeps going there when a new "
              "source sends", first_problem(problem, p.b_to(p.a2, third)))


def no_latching_after(ctx, p, third):
    problem = relearn(p, third)
    ctx.check("without port-latching, a re-offer (same SDP) reopens "
              "learning: B's media follows the next source",
              first_problem(problem, p.b_to(third, p.a2)))


def learning_window(ctx):
    parties = [Party(ctx, n, flags) for n, flags in enumerate(
        (["strict-source"], [], ["media-handover"], ["port-latching"], []))]
    problems = [p.learn() for p in parties]
    ctx.check("within the learning window the latest source wins: B's media "
              "follows A from its first to its second source (strict-source, "
              "default, media-handover)", first_problem(*problems))
    wait = parties[-1].first + WINDOW + MARGIN - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    strict_after(ctx, parties[0])
    default_after(ctx, parties[1])
    handover_after(ctx, parties[2])
    latching_after(ctx, parties[3], ctx.endpoint(parties[3].a1.ip))
    no_latching_after(ctx, parties[4], ctx.endpoint(parties[4].a1.ip))
    for p in parties:
        p.call.delete()


CASES = [
    ("learning window, strict-source, media-handover, port-latching",
     learning_window),
]
