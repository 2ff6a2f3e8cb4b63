"""cases_sdes - SDES-SRTP bridging (daemon/call_crypto.h) against an SRTP
party that shares no code with rtpgated: tests/tools/srtp_peer on libsrtp2
alone, with a=crypto parsed and written here (srtpkit).

    plain A (127.0.0.6x) --RTP--> rtpgated --SRTP--> B + srtp_peer (127.0.0.7x)
    SRTP A + srtp_peer   --SRTP--> rtpgated --RTP--> plain B

Both directions, RTP and RTCP, every suite rtpgate offers that the peer's
libsrtp can key; corrupted tags and replays are dropped and counted;
sequence numbers wrap; re-INVITEs keep or change keys.
"""

from mediakit import CaseError, Relay, first_problem, rtcp, sdp
from srtpkit import Bridge, Crypto, Peers, RtpSource, cryptos, srtp_sdp

# What rtpgate can key (lib/sdes.h: supported), in the order it offers them.
KEYED = ["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
         "AEAD_AES_256_GCM", "AEAD_AES_128_GCM", "AES_256_CM_HMAC_SHA1_80",
         "AES_256_CM_HMAC_SHA1_32"]
# Known to rtpgate, not keyed: an SRTP offerer's line it must pass over.
UNKEYED = "AES_192_CM_HMAC_SHA1_80"


class Callee:
    """What plain_caller() made: the bridge, rtpgate's offered keys, the
    key B answers with (.own), rtpgate's key for B (.theirs), the answer's
    reply."""

    def __init__(self, bridge, offered, own, answered):
        self.bridge, self.offered, self.own = bridge, offered, own
        self.theirs = [k for k in offered if k.tag == own.tag][0]
        self.answered = answered

    def repeat(self):
        """A re-INVITE from A that B answers with .own; returns the
        Crypto list rtpgate offered B in it."""
        b = self.bridge
        reply = b.call.offer(sdp(b.plain), transport_protocol="RTP/SAVP")
        self.answered = b.call.answer(srtp_sdp(b.srtp, [self.own]))
        return cryptos(reply["sdp"])[1]


def plain_caller(ctx, peers, suite, name, a_ip="127.0.0.61",
                 b_ip="127.0.0.71"):
    """A offers plain RTP, turned into RTP/SAVP for B; B answers rtpgate's
    @suite line with a key of its own."""
    a, b = ctx.endpoint(a_ip), ctx.endpoint(b_ip)
    call = ctx.call(name)
    reply = call.offer(sdp(a), transport_protocol="RTP/SAVP")
    proto, offered = cryptos(reply["sdp"])
    pick = [c for c in offered if c.suite == suite]
    if proto != "RTP/SAVP" or not pick:
        raise CaseError("the offer to B is %s without a %s line: %r"
                        % (proto, suite, reply["sdp"]))
    own = Crypto.fresh(pick[0].tag, suite)
    answered = call.answer(srtp_sdp(b, [own]))
    peer = peers.new()
    peer.key("rx", pick[0])
    peer.key("tx", own)
    return Callee(Bridge(call, a, "a", b, peer, suite), offered, own,
                  answered)


class Caller:
    """What srtp_caller() made: the bridge, A's key, the replies."""

    def __init__(self, bridge, own, offer_reply, answered):
        self.bridge, self.own = bridge, own
        self.offer_reply, self.answered = offer_reply, answered

    def repeat(self):
        """A re-INVITE from A offering .own, answered plain by B; returns
        the Crypto list of the answer to A."""
        b = self.bridge
        self.offer_reply = b.call.offer(srtp_sdp(b.srtp, [self.own]),
                                        transport_protocol="RTP/AVP")
        self.answered = b.call.answer(sdp(b.plain))
        return cryptos(self.answered["sdp"])[1]


def srtp_caller(ctx, peers, suite, name, a_ip="127.0.0.62",
                b_ip="127.0.0.72", tag=5):
    """A offers RTP/SAVP with a line rtpgate cannot key (tag 1), then its
    @suite key under @tag, turned into RTP/AVP for B; B answers plain; A
    keys its peer with what the answer gives it."""
    a, b = ctx.endpoint(a_ip), ctx.endpoint(b_ip)
    call = ctx.call(name)
    own = Crypto.fresh(tag, suite)
    offer_reply = call.offer(srtp_sdp(a, [Crypto.fresh(1, UNKEYED), own]),
                             transport_protocol="RTP/AVP")
    answered = call.answer(sdp(b))
    _, keys = cryptos(answered["sdp"])
    if not keys:
        raise CaseError("the answer to A has no a=crypto: %r"
                        % answered["sdp"])
    peer = peers.new()
    peer.key("tx", own)
    peer.key("rx", keys[0])
    return Caller(Bridge(call, b, "b", a, peer, suite), own, offer_reply,
                  answered)


def usable(ctx, peers, report=False):
    """KEYED suites the peer's libsrtp can key; with @report, the others
    are reported as skipped."""
    have = peers.new().suites()
    for suite in KEYED:
        if report and suite not in have:
            ctx.report.skip("%s: this libsrtp cannot key it" % suite)
    return [s for s in KEYED if s in have]


def offer_shape(offered):
    """A problem with rtpgate's a=crypto lines for a plain caller's callee."""
    suites = [c.suite for c in offered]
    tags = [c.tag for c in offered]
    if suites != KEYED:
        return "offered suites %r, wanted %r" % (suites, KEYED)
    if len(set(tags)) != len(tags):
        return "crypto tags repeat: %r" % (tags,)
    if len({c.key for c in offered}) != len(offered):
        return "two offered keys are the same"
    return None


def plain_answer_shape(answered):
    proto, lines = cryptos(answered["sdp"])
    if proto != "RTP/AVP" or lines:
        return "the answer to the plain caller is %s with %d a=crypto" \
            % (proto, len(lines))
    return None


def plain_caller_srtp_callee(ctx):
    with Peers(ctx) as peers:
        for i, suite in enumerate(usable(ctx, peers, True)):
            c = plain_caller(ctx, peers, suite, "sdes-callee")
            if i == 0:
                ctx.check("an offer turned into RTP/SAVP offers the callee "
                          "one a=crypto per suite rtpgate can key, with "
                          "distinct tags and keys of each suite's length",
                          offer_shape(c.offered))
                ctx.check("the SRTP callee's answer reaches the plain caller "
                          "as RTP/AVP without a=crypto",
                          plain_answer_shape(c.answered))
            ctx.check("plain caller, SRTP callee, %s: the caller's RTP and "
                      "RTCP reach the callee as SRTP and SRTCP that an "
                      "independent libsrtp decrypts to the same bytes"
                      % suite, c.bridge.forward())
            ctx.check("plain caller, SRTP callee, %s: SRTP and SRTCP the "
                      "callee protects with its own key reach the caller as "
                      "the same plain RTP and RTCP" % suite,
                      c.bridge.backward())
            if i == 0:
                ctx.check("query counts no errors on a call whose every "
                          "SRTP packet verified", errors_problem(c.bridge))
            c.bridge.call.delete()


def errors_problem(bridge):
    totals = bridge.call.query().get("totals", {})
    errors = [totals.get(k, {}).get("errors") for k in ("RTP", "RTCP")]
    return None if errors == [0, 0] else "totals errors %r" % (errors,)


def srtp_answer_problem(c):
    """A problem with the answer rtpgate gives the SRTP caller @c."""
    proto, keys = cryptos(c.answered["sdp"])
    if proto != "RTP/SAVP" or len(keys) != 1:
        return "answer to A is %s with %d a=crypto" % (proto, len(keys))
    k = keys[0]
    if (k.tag, k.suite) != (c.own.tag, c.own.suite):
        return "answer chose %d %s, wanted %d %s" % (k.tag, k.suite,
                                                     c.own.tag, c.own.suite)
    if k.key == c.own.key:
        return "rtpgate answered with the caller's own key"
    return None


def srtp_caller_plain_callee(ctx):
    with Peers(ctx) as peers:
        answers = []
        for i, suite in enumerate(usable(ctx, peers, True)):
            c = srtp_caller(ctx, peers, suite, "sdes-caller")
            if i == 0:
                proto, lines = cryptos(c.offer_reply["sdp"])
                ctx.check("an SRTP offer turned into RTP/AVP reaches the "
                          "callee without a=crypto",
                          None if proto == "RTP/AVP" and not lines else
                          "offer to B is %s with %d a=crypto"
                          % (proto, len(lines)))
            answers.append(srtp_answer_problem(c))
            ctx.check("SRTP caller, plain callee, %s: SRTP and SRTCP the "
                      "caller protects with its own key reach the callee as "
                      "the same plain RTP and RTCP" % suite,
                      c.bridge.backward())
            ctx.check("SRTP caller, plain callee, %s: the callee's RTP and "
                      "RTCP reach the caller as SRTP and SRTCP under the "
                      "answer's key, decrypted to the same bytes" % suite,
                      c.bridge.forward())
            c.bridge.call.delete()
        ctx.check("the answer to an SRTP caller has one a=crypto: the first "
                  "offered suite rtpgate can key, under the caller's tag, "
                  "with a key of rtpgate's own", first_problem(*answers))


def stream_errors(bridge, kind):
    s = bridge.call.streams(bridge.srtp_tag)[kind]
    return s.get("stats", {}).get("errors", 0)


def tampered(pkt, at=-1):
    """@pkt with one bit flipped at byte @at (-1: the auth tag's last)."""
    out = bytearray(pkt)
    out[at] ^= 0x01
    return bytes(out)


def dropped_as(ctx, bridge, counter, pkt, kind="rtp"):
    """@pkt from the SRTP party goes nowhere, adds one to drops.@counter
    and one to the errors of the SRTP party's @kind stream."""
    before = stream_errors(bridge, kind.upper())
    problem = ctx.dropped(counter, getattr(bridge.srtp, kind),
                          getattr(bridge.srtp_relay, kind),
                          [getattr(bridge.plain, kind)], pkt)
    delta = stream_errors(bridge, kind.upper()) - before
    return first_problem(problem, None if delta == 1 else
                         "the %s stream's errors grew by %d, wanted 1"
                         % (kind.upper(), delta))


def replay(bridge, rtcp=False):
    """A packet from the SRTP party, sent and checked to arrive once;
    returns (its SRTP bytes, problem)."""
    src = bridge.srtp_src
    problem = bridge.from_srtp(src.rtcp() if rtcp else src.next(), rtcp)
    return bridge.last_srtp, problem


def drops_callee(ctx, peers):
    b = plain_caller(ctx, peers, "AES_CM_128_HMAC_SHA1_80", "sdes-drops",
                     "127.0.0.63", "127.0.0.73").bridge
    ctx.check("drops: the call carries SRTP both ways first", b.exchange(1))
    ctx.check("SRTP with a corrupted auth tag is dropped, not forwarded, and "
              "counted in drops.srtp-auth and the stream's errors",
              dropped_as(ctx, b, "srtp-auth",
                         tampered(b.peer.protect(b.srtp_src.next()))))
    ctx.check("SRTP with one payload bit flipped fails authentication: "
              "dropped and counted in drops.srtp-auth",
              dropped_as(ctx, b, "srtp-auth",
                         tampered(b.peer.protect(b.srtp_src.next()), 14)))
    srtp, problem = replay(b)
    ctx.check("an SRTP packet sent again (a replay) is dropped, not "
              "forwarded, and counted in drops.srtp-replay and the stream's "
              "errors", first_problem(problem, dropped_as(
                  ctx, b, "srtp-replay", srtp)))
    ctx.check("SRTCP with a corrupted auth tag is dropped and counted in "
              "drops.srtp-auth and the RTCP stream's errors",
              dropped_as(ctx, b, "srtp-auth", tampered(
                  b.peer.protect(b.srtp_src.rtcp(), True)), "rtcp"))
    srtp, problem = replay(b, rtcp=True)
    ctx.check("an SRTCP packet sent again is dropped and counted in "
              "drops.srtp-replay", first_problem(problem, dropped_as(
                  ctx, b, "srtp-replay", srtp, "rtcp")))
    ctx.check("a 5-byte datagram from the SRTP party is dropped and counted "
              "in drops.srtp-failed",
              dropped_as(ctx, b, "srtp-failed", b"\x80\x00\x00\x01\x02"))
    ctx.check("after the drops, SRTP still flows both ways", b.exchange(2))
    b.call.delete()


def drops(ctx):
    with Peers(ctx) as peers:
        drops_callee(ctx, peers)
        suite = "AEAD_AES_128_GCM"
        if suite not in usable(ctx, peers):
            return
        b = srtp_caller(ctx, peers, suite, "sdes-drops-gcm", "127.0.0.64",
                        "127.0.0.74").bridge
        ctx.check("drops (SRTP caller, AEAD_AES_128_GCM): the call carries "
                  "SRTP both ways first", b.exchange(1))
        ctx.check("SRTP from the caller with a corrupted GCM tag is dropped "
                  "and counted in drops.srtp-auth",
                  dropped_as(ctx, b, "srtp-auth",
                             tampered(b.peer.protect(b.srtp_src.next()))))
        srtp, problem = replay(b)
        ctx.check("a replayed AEAD_AES_128_GCM packet from the caller is "
                  "dropped and counted in drops.srtp-replay",
                  first_problem(problem, dropped_as(ctx, b, "srtp-replay",
                                                    srtp)))
        b.call.delete()


def rollover(ctx):
    with Peers(ctx) as peers:
        setups = [("SRTP callee, AES_CM_128_HMAC_SHA1_80", plain_caller,
                   "AES_CM_128_HMAC_SHA1_80", "127.0.0.65", "127.0.0.75")]
        if "AEAD_AES_128_GCM" in usable(ctx, peers):
            setups.append(("SRTP caller, AEAD_AES_128_GCM", srtp_caller,
                           "AEAD_AES_128_GCM", "127.0.0.66", "127.0.0.76"))
        for what, setup, suite, a_ip, b_ip in setups:
            c = setup(ctx, peers, suite, "sdes-roc", a_ip, b_ip)
            b = c.bridge
            b.plain_src, b.srtp_src = RtpSource(65530), RtpSource(65530)
            ctx.check("%s: RTP whose sequence numbers cross 65535 -> 0 keeps "
                      "reaching the SRTP party decryptable (rollover "
                      "counter 1)" % what, b.forward(12))
            ctx.check("%s: SRTP whose sequence numbers cross 65535 -> 0 "
                      "keeps being decrypted by rtpgate" % what,
                      b.backward(12))
            c.repeat()
            ctx.check("%s: a re-INVITE with unchanged keys after the wrap "
                      "keeps the rollover counters: media still decrypts "
                      "both ways" % what, b.exchange())
            b.call.delete()


def same_keys(got, want):
    if [(k.tag, k.suite, k.key) for k in got] == \
            [(k.tag, k.suite, k.key) for k in want]:
        return None
    return "keys %r, wanted %r" % ([k.attr() for k in got],
                                   [k.attr() for k in want])


def callee_rekeys(ctx, peers):
    c = plain_caller(ctx, peers, "AES_CM_128_HMAC_SHA1_80", "sdes-reinvite",
                     "127.0.0.67", "127.0.0.77")
    b, call = c.bridge, c.bridge.call
    ctx.check("re-INVITE: the call carries SRTP both ways first",
              b.exchange(1))
    srtp, problem = replay(b)
    ctx.check("a re-offer gives the SRTP callee the same rtpgate keys as the "
              "first offer", first_problem(problem,
                                           same_keys(c.repeat(), c.offered)))
    ctx.check("after a re-INVITE answered with unchanged keys, media keeps "
              "flowing both ways", b.exchange())
    ctx.check("a re-INVITE with unchanged keys keeps the replay window: a "
              "packet from before it, sent again, is dropped as srtp-replay",
              dropped_as(ctx, b, "srtp-replay", srtp))
    stale = b.peer.protect(b.srtp_src.next())
    c.own = Crypto.fresh(c.own.tag, c.own.suite)
    b.peer.key("tx", c.own)
    c.repeat()
    ctx.check("after the SRTP callee answers a re-INVITE with a new key, its "
              "SRTP under the new key reaches the caller", b.backward())
    ctx.check("... and a packet under its old key is dropped as srtp-auth",
              dropped_as(ctx, b, "srtp-auth", stale))
    c.theirs = [k for k in c.offered
                if k.suite == "AES_CM_128_HMAC_SHA1_32"][0]
    c.own = Crypto.fresh(c.theirs.tag, c.theirs.suite)
    b.peer.key("tx", c.own)
    b.peer.key("rx", c.theirs)
    b.suite = c.theirs.suite
    c.repeat()
    ctx.check("an SRTP callee that answers a re-INVITE with another of "
              "rtpgate's offered suites gets media both ways in that suite",
              b.exchange())
    return c


def callee_reoffers(ctx, c):
    """The SRTP callee sends the re-INVITE, with its current key."""
    b, call = c.bridge, c.bridge.call
    reply = call.request("offer", from_tag=call.to_tag, to_tag=call.from_tag,
                         sdp=srtp_sdp(b.srtp, [c.own]),
                         transport_protocol="RTP/AVP")
    call.a = Relay.from_sdp(reply["sdp"])
    proto, lines = cryptos(reply["sdp"])
    ctx.check("a re-INVITE from the SRTP callee reaches the plain caller as "
              "RTP/AVP without a=crypto", None if proto == "RTP/AVP" and
              not lines else "%s with %d a=crypto" % (proto, len(lines)))
    answered = call.request("answer", from_tag=call.to_tag,
                            to_tag=call.from_tag, sdp=sdp(b.plain))
    call.b = Relay.from_sdp(answered["sdp"])
    ctx.check("the SRTP callee's re-INVITE is answered with the key rtpgate "
              "already sends it under, and media keeps flowing both ways",
              first_problem(same_keys(cryptos(answered["sdp"])[1],
                                      [c.theirs]), b.exchange()))


def reinvite(ctx):
    with Peers(ctx) as peers:
        c = callee_rekeys(ctx, peers)
        callee_reoffers(ctx, c)
        c.bridge.call.delete()
        caller_rekeys(ctx, peers)


def caller_rekeys(ctx, peers):
    c = srtp_caller(ctx, peers, "AES_CM_128_HMAC_SHA1_80", "sdes-reinvite2",
                    "127.0.0.68", "127.0.0.78")
    b = c.bridge
    ctx.check("re-INVITE from an SRTP caller: SRTP both ways first",
              b.exchange(1))
    before = cryptos(c.answered["sdp"])[1]
    ctx.check("an SRTP caller's re-INVITE with its unchanged key is answered "
              "with rtpgate's unchanged key, and media keeps flowing both "
              "ways", first_problem(same_keys(c.repeat(), before),
                                    b.exchange()))
    stale = b.peer.protect(b.srtp_src.next())
    c.own = Crypto.fresh(c.own.tag, c.own.suite)
    keys = c.repeat()
    if len(keys) != 1:
        raise CaseError("the re-answer to A has %d a=crypto" % len(keys))
    b.peer.key("tx", c.own)
    b.peer.key("rx", keys[0])
    ctx.check("after an SRTP caller re-keys in a re-INVITE, media under the "
              "new keys flows both ways", b.exchange())
    ctx.check("... and the caller's packet under its old key is dropped as "
              "srtp-auth", dropped_as(ctx, b, "srtp-auth", stale))
    b.call.delete()


def before_the_answer(ctx):
    """An SRTP caller's call before the answer: rtpgate has no keys for
    either direction yet, so nothing crosses -- no plain RTP to the SRTP
    party, no undecrypted SRTP to the plain one (both counted as
    srtp-pending)."""
    a, b = ctx.endpoint("127.0.0.69"), ctx.endpoint("127.0.0.79")
    call = ctx.call("sdes-early")
    call.offer(srtp_sdp(a, [Crypto.fresh(3, "AES_CM_128_HMAC_SHA1_80")]),
               transport_protocol="RTP/AVP")
    a_relay = call.relay_from_query(call.from_tag)
    ctx.check("before the answer, the plain callee's RTP and RTCP do not "
              "reach the SRTP caller in clear: dropped as srtp-pending",
              first_problem(
                  ctx.dropped("srtp-pending", b.rtp, call.b.rtp, [a.rtp, a.rtcp]),
                  ctx.dropped("srtp-pending", b.rtcp, call.b.rtcp,
                              [a.rtp, a.rtcp], rtcp())))
    ctx.check("before the answer, the SRTP caller's packets do not reach "
              "the plain callee undecrypted: dropped as srtp-pending",
              ctx.dropped("srtp-pending", a.rtp, a_relay.rtp, [b.rtp, b.rtcp]))
    call.delete()


CASES = [
    ("SDES: before the answer", before_the_answer),
    ("SDES: plain caller, SRTP callee", plain_caller_srtp_callee),
    ("SDES: SRTP caller, plain callee", srtp_caller_plain_callee),
    ("SDES: corrupted tags and replays", drops),
    ("SDES: sequence number rollover", rollover),
    ("SDES: re-INVITE", reinvite),
]
