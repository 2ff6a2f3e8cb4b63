#!/usr/bin/python3
"""ksrtp.py - SDES-SRTP calls through rtpgated's kernel path, inside the VM.

    ksrtp.py calls|bench --ng ADDR:PORT --cli ADDR:PORT --relay-ns NS
                   --caller NS/ADDR --callee NS/ADDR
                   --internal ADDR --external ADDR --daemon-pid PID
                   [--table N] [--log FILE] [--seconds S]

The topology and daemon of tests/kernel/cases_kernel_path.sh (kpath.py's):
the caller speaks SRTP (RTP/SAVP, a=crypto of each suite the module does:
AES_CM_128 and AES_256_CM with HMAC_SHA1, AEAD_AES_128/256_GCM; its own
key), the callee plain RTP/AVP; rtpgated bridges them, first in
userspace, then - once learning has locked both sources - in xt_RTPGATE.
Every SRTP packet is made and checked by tests/tools/srtp_peer (libsrtp2
alone, no rtpgate code): what the caller protects arrives in clear at the
callee, what the callee sends plain arrives as SRTP that libsrtp decrypts,
and the module's own target counters show the kernel carried them. Then:
a wrong authentication tag and a replay are dropped and counted by the
module and show in query and NG statistics (srtp-auth, srtp-replay); both
parties' sequence numbers cross 65535 (rollover counter 1 in the kernel);
a re-offer takes the streams back to userspace, where libsrtp carries on
with the kernel's rollover counter, and the answer's learning hands them
to the kernel again.

"calls" prints "ok - <sentence>" / "FAIL - <sentence>" and exits 1 if any
failed. "bench" forwards SRTP -> RTP (the caller sending flat out, its
packets protected beforehand) for --seconds in userspace (inside the
learning window) and then in the kernel, and prints both rates and their
ratio (under TCG only the ratio means anything). Standard library only.
"""

import argparse
import os
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kpath import (Party, PPS, HANDOFF_LIMIT, counters, both,  # noqa
                   pin, pin_back, drained, add_call_args, run_with_ctx)
from mediakit import Call, CaseError, first_problem, sdp, wait_until  # noqa: E402
from srtpkit import Crypto, SrtpPeer, cryptos, srtp_sdp  # noqa: E402

SUITES = ("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
          "AES_256_CM_HMAC_SHA1_80", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM")
COUNT = 100		# packets each way through the kernel
BAD = 5			# forged, and replayed, packets
SLACK = 2
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class Peer(SrtpPeer):
    """srtp_peer with its stderr in /tmp (the repository is read-only in
    the VM)."""

    def __init__(self):
        path = os.path.join(REPO, "build", "tests", "tools", "srtp_peer")
        if not os.access(path, os.X_OK):
            raise CaseError("%s is not built" % path)
        self.log_path = "/tmp/ksrtp-srtp-peer.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log)
        self.log_start = os.path.getsize(self.log_path)


class SrtpPair:
    """One call: A (caller, SRTP with .peer) offers RTP/SAVP, turned into
    RTP/AVP for B (callee, plain), who answers. .to_a: where A sends,
    .to_b: where B sends."""

    def __init__(self, ctx, name, suite):
        self.ctx, self.suite = ctx, suite
        self.a, self.b = Party(ctx.opt.caller), Party(ctx.opt.callee)
        # low starting points: after the rollover, a libsrtp that was not
        # told the kernel's rollover counter guesses the old one
        self.a.seq, self.b.seq = 1000, 2000
        self.call = Call(ctx.client, "ksrtp-" + name)
        self.own = Crypto.fresh(3, suite)
        self.peer = Peer()
        self.a_sdp = srtp_sdp(self.a.ep, [self.own])
        self.to_a = self.to_b = None

    def offer(self):
        self.call.offer(self.a_sdp, direction=["internal", "external"],
                        transport_protocol="RTP/AVP")
        self.to_b = (self.ctx.opt.external, self.call.b.rtp_port)

    def answer(self):
        reply = self.call.answer(sdp(self.b.ep))
        self.to_a = (self.ctx.opt.internal, self.call.a.rtp_port)
        return cryptos(reply["sdp"])[1]

    def open(self):
        self.offer()
        keys = self.answer()
        if not keys or keys[0].suite != self.suite:
            raise CaseError("the answer to the caller has no %s key: %r"
                            % (self.suite, keys))
        self.peer.key("tx", self.own)
        self.peer.key("rx", keys[0])

    def streams(self, reply=None):
        reply = reply or self.call.query()
        return (self.call.streams(self.call.from_tag, reply)["RTP"],
                self.call.streams(self.call.to_tag, reply)["RTP"])

    def paths(self):
        return tuple(s.get("path") for s in self.streams())

    def target(self, side):
        """The module's target of A's ("a") or B's ("b") relay port."""
        key = self.to_a if side == "a" else self.to_b
        return self.ctx.targets().get(key)

    def close(self):
        problem = self.peer.close()
        self.a.close()
        self.b.close()
        return problem


class Flow:
    """Plain packets sent each way and what arrived: .got_b (plain, at
    the callee), .got_a (decrypted by the peer, at the caller)."""

    def __init__(self):
        self.sent_a, self.sent_b, self.got_a, self.got_b = [], [], [], []
        self.bad_a = []		# what the peer could not unprotect
        self.srtp_a = []	# the SRTP packets A sent, in order


def receive(pair, f, deadline):
    socks = [pair.a.rtp, pair.b.rtp]
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or (len(f.got_b) >= len(f.sent_a) and
                         len(f.got_a) + len(f.bad_a) >= len(f.sent_b)):
            return
        for s in select.select(socks, [], [], left)[0]:
            data, _ = s.recvfrom(4096)
            if s is pair.b.rtp:
                f.got_b.append(data)
                continue
            plain, err = pair.peer.unprotect(data)
            if err:
                f.bad_a.append(err)
            else:
                f.got_a.append(plain)


def exchange(pair, count, f=None):
    """@count packets each way at PPS: A's protected by the peer."""
    f = f or Flow()
    start = time.monotonic()
    for i in range(count):
        plain = pair.a.packet()
        srtp = pair.peer.protect(plain)
        pair.a.rtp.sendto(srtp, pair.to_a)
        f.sent_a.append(plain)
        f.srtp_a.append(srtp)
        plain = pair.b.packet()
        pair.b.rtp.sendto(plain, pair.to_b)
        f.sent_b.append(plain)
        receive(pair, f, start + (i + 1) / PPS)
    receive(pair, f, time.monotonic() + 1.0)
    return f


def arrival(f):
    """None if every packet arrived once, intact, both ways."""
    lost_b = len(set(f.sent_a) - set(f.got_b))
    lost_a = len(set(f.sent_b) - set(f.got_a))
    return first_problem(
        lost_b and "%d of %d SRTP packets from the caller did not arrive in "
        "clear at the callee" % (lost_b, len(f.sent_a)),
        f.bad_a and "libsrtp could not unprotect %d packets at the caller: "
        "%s" % (len(f.bad_a), f.bad_a[0]),
        lost_a and "%d of %d plain packets from the callee did not arrive "
        "as SRTP at the caller" % (lost_a, len(f.sent_b)),
        len(f.got_b) != len(f.sent_a) and "%d packets at the callee for %d "
        "sent" % (len(f.got_b), len(f.sent_a)),
        len(f.got_a) != len(f.sent_b) and "%d packets at the caller for %d "
        "sent" % (len(f.got_a), len(f.sent_b)))


def pump_until_kernel(pair, since):
    f = Flow()
    while True:
        if pair.paths() == ("kernel", "kernel"):
            return time.monotonic() - since, f
        if time.monotonic() - since >= HANDOFF_LIMIT:
            return None, f
        exchange(pair, PPS // 5, f)


def module_packets(pair):
    return tuple((pair.target(s) or {}).get("stats", {}).get("packets", -1)
                 for s in ("a", "b"))


def case_handoff(ctx, pair):
    start = time.monotonic()
    took, f = pump_until_kernel(pair, start)
    ok = ctx.check("an SDES call (caller %s, callee plain) reaches the "
                   "kernel: both RTP streams on path kernel once learning "
                   "locked" % pair.suite,
                   None if took else "not within %.0f s" % HANDOFF_LIMIT,
                   pair)
    ctx.check("while it moves, SRTP from the caller arrives in clear and "
              "plain RTP from the callee arrives as SRTP libsrtp2 decrypts",
              arrival(f), pair)
    return ok


def case_kernel_carries(ctx, pair):
    before = module_packets(pair)
    q0 = [counters(s) for s in pair.streams()]
    f = exchange(pair, COUNT)
    ctx.check("%d packets each way through the kernel: libsrtp2's SRTP "
              "arrives in clear at the callee, plain RTP arrives at the "
              "caller as SRTP libsrtp2 decrypts" % COUNT, arrival(f), pair)
    after = module_packets(pair)
    rose = [a - b for a, b in zip(after, before)]
    ctx.check("the module's target counters of both relay ports rose by %d"
              % COUNT, None if all(COUNT <= r <= COUNT + SLACK for r in rose)
              else "they rose by %r" % (rose,), pair)
    wait_until(lambda: all(counters(s)["kernel"] - b["kernel"] >= COUNT
                           for s, b in zip(pair.streams(), q0)), 3.0, 0.25)
    q = [counters(s) for s in pair.streams()]
    user = [n["user"] - b["user"] for n, b in zip(q, q0)]
    ctx.check("query shows them in the kernel share and none in userspace",
              None if all(0 <= u <= SLACK for u in user) else
              "userspace shares rose by %r" % (user,), pair)


def statistics_drops(ctx):
    tot = ctx.client.request({"command": "statistics"}).get(
        "statistics", {}).get("totalstatistics", {})
    return tot.get("drops", {})


def sent_dropped(ctx, pair, packets, counter, ng_name, what):
    """Sends @packets from A; none may reach B; the module's drop counter
    @counter of A's target and errors rise by len(@packets), so do query's
    kernel errors and NG statistics' drops.@ng_name."""
    t0 = pair.target("a")["stats"]
    q0 = counters(pair.streams()[0])
    ng0 = statistics_drops(ctx).get(ng_name, 0)
    for pkt in packets:
        pair.a.rtp.sendto(pkt, pair.to_a)
    f = Flow()
    f.sent_a = [None] * len(packets)
    receive(pair, f, time.monotonic() + 0.5)
    n = len(packets)
    ctx.check("%s reaches nobody" % what,
              f.got_b and "%d of %d arrived at the callee" % (len(f.got_b), n))
    t = pair.target("a")["stats"]
    ctx.check("xt_RTPGATE drops %s and counts them (drops.%s and errors "
              "rose by %d)" % (what, counter, n),
              None if t["drops"][counter] - t0["drops"][counter] == n and
              t["errors"] - t0["errors"] == n else
              "module before %r, after %r" % (t0, t), pair)
    wait_until(lambda: counters(pair.streams()[0])["kerrors"] >=
               q0["kerrors"] + n and statistics_drops(ctx).get(ng_name, 0)
               >= ng0 + n, 3.0, 0.25)
    q = counters(pair.streams()[0])
    ng = statistics_drops(ctx).get(ng_name, 0)
    ctx.check("query counts %s as the caller's stream's kernel errors, and "
              "NG statistics as drops.%s" % (what, ng_name),
              None if q["kerrors"] - q0["kerrors"] == n and ng - ng0 == n
              else "query errors %d -> %d, statistics %s %d -> %d" % (
                  q0["kerrors"], q["kerrors"], ng_name, ng0, ng), pair)


def case_forged_and_replayed(ctx, pair):
    f = exchange(pair, BAD)
    forged = []
    for pkt in f.srtp_a:
        fresh = pair.peer.protect(pair.a.packet())
        forged.append(fresh[:-1] + bytes([fresh[-1] ^ 0x01]))
    sent_dropped(ctx, pair, forged, "srtp_auth", "srtp-auth",
                 "SRTP with a wrong authentication tag")
    sent_dropped(ctx, pair, f.srtp_a, "srtp_replay", "srtp-replay",
                 "SRTP packets replayed")
    ctx.check("after them RTP still goes both ways through the kernel",
              first_problem(arrival(exchange(pair, PPS // 5)),
                            both(pair.paths(), "kernel")), pair)


def to_last(pair, last):
    """Brings both parties, in steps a receiver takes as forward, to where
    the last packet each sent was @last; one packet each way per step."""
    while any((last - p.seq) & 0xffff > 0x7000 for p in (pair.a, pair.b)):
        for p in (pair.a, pair.b):
            if (last - p.seq) & 0xffff > 0x7000:
                p.seq = (p.seq + 0x7000) & 0xffff
        exchange(pair, 1)
    pair.a.seq = pair.b.seq = last


def roc_of(pair, side, nest):
    t = pair.target(side) or {}
    return {ssrc: roc for ssrc, roc, _ in t.get(nest, {}).get("state", [])}


def case_rollover(ctx, pair):
    to_last(pair, 65535 - 20)
    before = module_packets(pair)
    f = exchange(pair, 40)
    rose = [a - b for a, b in zip(module_packets(pair), before)]
    ctx.check("sequence numbers crossing 65535 both ways still arrive "
              "intact, through the kernel",
              first_problem(arrival(f), None if min(rose) >= 40 else
                            "the module's counters rose by %r" % (rose,)),
              pair)
    dec, enc = roc_of(pair, "a", "SRTP_DECRYPT"), roc_of(pair, "b",
                                                          "SRTP_ENCRYPT")
    ctx.check("the module's rollover counters of both SSRCs are now 1",
              None if dec.get(pair.a.ssrc) == 1 and enc.get(pair.b.ssrc) == 1
              else "decrypting %r, encrypting %r (caller's SSRC %#x, "
              "callee's %#x)" % (dec, enc, pair.a.ssrc, pair.b.ssrc), pair)


def case_back_and_forth(ctx, pair):
    pair.offer()
    ctx.check("a re-offer takes the caller's stream back to userspace",
              None if pair.paths()[0] == "userspace" else
              "paths %r" % (pair.paths(),), pair)
    f = exchange(pair, PPS // 2)
    ctx.check("libsrtp in rtpgated carries on with the kernel's rollover "
              "counter: RTP still arrives intact both ways", arrival(f), pair)
    pair.answer()
    took, f = pump_until_kernel(pair, time.monotonic())
    ctx.check("after the answer and learning both streams are in the "
              "kernel again, which carries on with rollover counter 1",
              first_problem(None if took else "not within %.0f s"
                            % HANDOFF_LIMIT, arrival(f), arrival(
                                exchange(pair, PPS // 2))), pair)


def case_handback_on_wrap(ctx, pair):
    """The kernel forwards up to sequence number 65535 exactly; a re-offer
    then hands both streams back, and userspace's first packets are 0, 1,
    ... of the next cycle (rollover counter 2)."""
    to_last(pair, 65535 - 10)
    f = exchange(pair, 10)		# 65526 .. 65535, in the kernel
    last = module_packets(pair)
    pair.offer()
    ctx.check("handing back right after sequence number 65535: the kernel "
              "forwarded 65526-65535 both ways, and the re-offer takes the "
              "caller's stream back to userspace", first_problem(
                  arrival(f), None if min(last) > 0 else
                  "no module target counted them: %r" % (last,),
                  None if pair.paths()[0] == "userspace" else
                  "paths %r" % (pair.paths(),)), pair)
    f = exchange(pair, PPS // 2)
    ctx.check("libsrtp in rtpgated takes the caller's sequence numbers 0, "
              "1, ... as the next cycle (rollover counter 2): everything "
              "arrives intact both ways",
              arrival(f), pair)
    pair.answer()
    took, f = pump_until_kernel(pair, time.monotonic())
    dec, enc = roc_of(pair, "a", "SRTP_DECRYPT"), roc_of(pair, "b",
                                                          "SRTP_ENCRYPT")
    ctx.check("back in the kernel, the module carries on with rollover "
              "counter 2 for both SSRCs", first_problem(
                  None if took else "not within %.0f s" % HANDOFF_LIMIT,
                  arrival(f), arrival(exchange(pair, PPS // 2)),
                  None if dec.get(pair.a.ssrc) == 2 and
                  enc.get(pair.b.ssrc) == 2 else
                  "decrypting %r, encrypting %r" % (dec, enc)), pair)


def run_calls(ctx, suite):
    pair = SrtpPair(ctx, suite.lower().replace("_", "")[-12:], suite)
    try:
        pair.open()
        if not case_handoff(ctx, pair):
            return
        case_kernel_carries(ctx, pair)
        case_forged_and_replayed(ctx, pair)
        case_rollover(ctx, pair)
        case_back_and_forth(ctx, pair)
        case_handback_on_wrap(ctx, pair)
        pair.call.delete()
    finally:
        problem = pair.close()
        if problem:
            ctx.report.fail("srtp_peer exits 0", problem)


# --- the benchmark --------------------------------------------------------------

def blast(src, dst_addr, dst, packets, seconds):
    """Sends @packets (in order) from socket @src to @dst_addr flat out
    for at most @seconds; returns (sent, arrived at socket @dst) a second."""
    dst.setblocking(False)
    sent = got = 0
    start = time.monotonic()
    try:
        while sent < len(packets) and time.monotonic() - start < seconds:
            for pkt in packets[sent:sent + 32]:
                src.sendto(pkt, dst_addr)
            sent = min(sent + 32, len(packets))
            got += drained(dst)
        took = time.monotonic() - start
        tail = time.monotonic() + 0.3
        while select.select([dst], [], [], max(0, tail - time.monotonic()))[0]:
            got += drained(dst)
    finally:
        dst.setblocking(True)
    return sent / took, got / took


def busy_seconds():
    """CPU time the whole VM spent busy so far (all CPUs, /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def paced(src, dst_addr, dst, packets, rate):
    """Sends @packets at @rate a second; returns (arrived at @dst, CPU
    seconds the VM was busy meanwhile, until 0.3 s after the last)."""
    dst.setblocking(False)
    got, cpu0, start = 0, busy_seconds(), time.monotonic()
    try:
        for i in range(0, len(packets), 10):
            for pkt in packets[i:i + 10]:
                src.sendto(pkt, dst_addr)
            got += drained(dst)
            pause = start + (i + 10) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        tail = time.monotonic() + 0.3
        while select.select([dst], [], [], max(0, tail - time.monotonic()))[0]:
            got += drained(dst)
        return got, busy_seconds() - cpu0
    finally:
        dst.setblocking(True)


def phase(pair, srtp, plain, seconds, rate=None):
    """SRTP -> RTP (caller to callee) then RTP -> SRTP (callee to caller);
    returns both rates and the path each ran on."""
    if rate:
        dec = paced(pair.a.rtp, pair.to_a, pair.b.rtp, srtp, rate)
    else:
        dec = blast(pair.a.rtp, pair.to_a, pair.b.rtp, srtp, seconds)
    dec_path = pair.paths()[0]
    if rate:
        enc = paced(pair.b.rtp, pair.to_b, pair.a.rtp, plain, rate)
    else:
        enc = blast(pair.b.rtp, pair.to_b, pair.a.rtp, plain, seconds)
    return (dec, enc), (dec_path, pair.paths()[1])


def bench_packets(pair, n):
    """@n SRTP packets from the caller (libsrtp2), @n plain from the callee."""
    payload = b"\xd5" * 160
    print("# protecting %d packets with libsrtp2" % n, flush=True)
    srtp = [pair.peer.protect(pair.a.packet(payload)) for _ in range(n)]
    plain = [pair.b.packet(payload) for _ in range(n)]
    return srtp, plain


def bench_report(rates, costs, rate):
    names = ("SRTP -> RTP (decrypt)", "RTP -> SRTP (encrypt)")
    (user, kern), (cuser, ckern) = rates, costs
    print("ok - SRTP forwarding measured in userspace (libsrtp2) and in the "
          "kernel (xt_RTPGATE), AES_CM_128_HMAC_SHA1_80, one CPU, TCG")
    print("    %-22s %10s %10s %6s   %12s %12s %6s" % (
        "direction", "user pps", "kernel pps", "ratio", "user us/pkt",
        "kernel us/pkt", "ratio"))
    for i, name in enumerate(names):
        u, k = user[i][1], kern[i][1]
        cu = 1e6 * cuser[i][1] / max(cuser[i][0], 1)
        ck = 1e6 * ckern[i][1] / max(ckern[i][0], 1)
        print("    %-22s %10.0f %10.0f %6.2f   %12.1f %12.1f %6.2f" % (
            name, u, k, k / u if u else float("nan"), cu, ck,
            cu / ck if ck else float("nan")))
    print("    pps: packets forwarded a second, sender flat out (offered: "
          "userspace %s, kernel %s a second; a kernel that forwards all it "
          "is offered is held back by the sender)" % (
              "/".join("%.0f" % u[0] for u in user),
              "/".join("%.0f" % k[0] for k in kern)))
    print("    us/pkt: CPU time the whole VM was busy (sender, relay, "
          "receiver) per packet forwarded, at %d packets a second" % rate,
          flush=True)


def measure(ctx, name, seconds, rate):
    """One call: both directions in userspace (learning window), then in
    the kernel; flat out, or at @rate. Returns the figures, or None."""
    pair = SrtpPair(ctx, name, "AES_CM_128_HMAC_SHA1_80")
    n_user = int(seconds * (rate or 8000))
    n_kern = int(seconds * (rate or 30000))
    try:
        pair.open()
        srtp, plain = bench_packets(pair, n_user)
        start = time.monotonic()
        user, paths = phase(pair, srtp, plain, seconds, rate)
        while pair.paths() != ("kernel", "kernel") and \
                time.monotonic() - start < HANDOFF_LIMIT + 5:
            exchange(pair, PPS // 5)
        srtp, plain = bench_packets(pair, n_kern)
        kern, kpaths = phase(pair, srtp, plain, seconds, rate)
        if paths + kpaths != ("userspace",) * 2 + ("kernel",) * 2:
            print("FAIL - %s: the phases ran on the paths wanted (got %r, "
                  "%r)" % (name, paths, kpaths))
            return None
        return user, kern
    finally:
        pair.call.delete()
        problem = pair.close()
        if problem:
            print("# srtp_peer: %s" % problem)


def cmd_bench(ctx, seconds, rate=2000):
    had = pin([0, ctx.opt.daemon_pid], {0})
    try:
        rates = measure(ctx, "bench-max", seconds, None)
        costs = rates and measure(ctx, "bench-cpu", seconds, rate)
    finally:
        pin_back(had)
    if not costs:
        return 1
    bench_report(rates, costs, rate)
    return 0


def run_all(ctx):
    for suite in SUITES:
        run_calls(ctx, suite)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["calls", "bench"])
    add_call_args(ap, required=True)
    ap.add_argument("--seconds", type=float, default=1.5)
    opt = ap.parse_args()
    if opt.command == "bench":
        return run_with_ctx(opt, "the SRTP kernel benchmark's steps",
                            lambda ctx: cmd_bench(ctx, opt.seconds))
    return run_with_ctx(opt, "the SRTP kernel path cases", run_all)


if __name__ == "__main__":
    sys.exit(main())
