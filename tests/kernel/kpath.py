#!/usr/bin/python3
"""kpath.py - calls through rtpgated's kernel path (xt_RTPGATE), inside the VM.

    kpath.py calls --ng ADDR:PORT --cli ADDR:PORT --relay-ns NS
                   --caller NS/ADDR --callee NS/ADDR
                   --internal ADDR --external ADDR --daemon-pid PID
                   [--table N] [--log FILE]
    kpath.py gone --relay-ns NS [--table N]

"calls" drives an rtpgated started with --table=N in namespace NS (the
topology of tests/kernel/netns.sh, cases in tests/kernel/
cases_kernel_path.sh) through real calls: RTP both ways at 50 packets a
second is forwarded in userspace during the 3 s learning window, then by
the kernel (query: "path"), whose counters (query's "kernel" share, the
module's own through tests/kernel/rtpgnl.py, the CLI's and NG's totals)
agree; strict-source drops a stranger in the kernel; a re-offer takes the
streams back and learning hands them over again; delete removes the
targets. Last it forwards the same load in userspace and in the kernel and
prints "kernel/userspace ratio: X" (under TCG only the ratio means
anything; it is printed, not checked; rtpgated's threads, PID, and this
process share one CPU for it). Prints "ok - <sentence>" or
"FAIL - <sentence>" per check and exits 1 if any failed.

"gone" exits 0 when network namespace NS has no rtpgate table N any more,
else says what it found and exits 1.

One process holds sockets in every namespace (nscall.netns); NG, the fake
parties and the call come from tests/ng/ngclient.py and
tests/media/mediakit.py. Standard library only.
"""

import argparse
import errno
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nscall import host_port, netns, ns_addr  # noqa: E402  (sets sys.path)
import rtpgnl  # noqa: E402
from mediakit import (Call, CaseError, Endpoint, first_problem,  # noqa: E402
                      sdp, wait_until)
from ngclient import BencodeError, NgClient, NgTimeout, Report  # noqa: E402
from rtpgnl import NlError  # noqa: E402

PPS = 50		# packets a second each way, a phone's 20 ms packets
HANDOFF_AT = 5.0	# seconds of RTP before the streams must be in the kernel
HANDOFF_LIMIT = 9.0	# ... and when to stop waiting (TCG is slow)
COUNT = 200		# packets each way through the kernel
SLACK = 2		# packets in flight when a stream changes path
STRANGERS = 20		# packets from an unexpected source port
BLAST = 1.5		# seconds of each benchmark phase


# --- parties and packets --------------------------------------------------------

class Party:
    """A fake phone in namespace @ns: an RTP/RTCP socket pair on @ip, one
    SSRC, sequence numbers and timestamps as a 20 ms audio stream has."""

    def __init__(self, where):
        self.ns, ip = where
        with netns(self.ns):
            self.ep = Endpoint(ip)
        self.rtp = self.ep.rtp
        self.ssrc = struct.unpack("!I", os.urandom(4))[0]
        self.seq = struct.unpack("!H", os.urandom(2))[0]

    def packet(self, payload=None):
        self.seq = (self.seq + 1) & 0xffff
        head = struct.pack("!BBHII", 0x80, 0, self.seq,
                           (self.seq * 160) & 0xffffffff, self.ssrc)
        return head + (payload or os.urandom(160))

    def close(self):
        self.ep.close()


class Pair:
    """One call: the caller (A, from-tag) offers with direction [internal,
    external], the callee (B, to-tag) answers. .to_a is where A sends (the
    relay's internal address), .to_b where B sends (external); each party
    receives from the other's relay address and port."""

    def __init__(self, ctx, name):
        self.ctx = ctx
        self.a = Party(ctx.opt.caller)
        self.b = Party(ctx.opt.callee)
        self.call = Call(ctx.client, "kpath-" + name)
        self.offer_sdp = sdp(self.a.ep)
        self.to_a = self.to_b = None

    def offer(self, flags=()):
        keys = {"direction": ["internal", "external"]}
        if flags:
            keys["flags"] = list(flags)
        self.keys = keys
        self.call.offer(self.offer_sdp, **keys)
        self.to_b = (self.ctx.opt.external, self.call.b.rtp_port)

    def open(self, flags=()):
        self.offer(flags)
        self.call.answer(sdp(self.b.ep))
        self.to_a = (self.ctx.opt.internal, self.call.a.rtp_port)

    def streams(self, reply=None):
        """(A's RTP stream, B's RTP stream) as query shows them: the relay
        ports A and B send to."""
        reply = reply or self.call.query()
        return (self.call.streams(self.call.from_tag, reply)["RTP"],
                self.call.streams(self.call.to_tag, reply)["RTP"])

    def paths(self):
        return tuple(s.get("path") for s in self.streams())

    def close(self):
        self.a.close()
        self.b.close()


def counters(st):
    """What query says of one stream: total, kernel and userspace packets,
    kernel errors."""
    total = st["stats"]["packets"]
    kernel = st["kernel"]["packets"]
    return {"total": total, "kernel": kernel, "user": total - kernel,
            "kerrors": st["kernel"]["errors"], "path": st.get("path")}


# --- traffic ----------------------------------------------------------------------

class Traffic:
    """What was sent each way, and what arrived: .got_b at the callee (from
    the caller), .got_a at the caller; each [(data, source)]."""

    def __init__(self):
        self.sent_a, self.sent_b, self.got_a, self.got_b = [], [], [], []

    def complete(self):
        return len(self.got_b) >= len(self.sent_a) and \
            len(self.got_a) >= len(self.sent_b)


def collect(pair, t, deadline, until_complete=False):
    """Reads what reaches either party until @deadline."""
    socks = {pair.a.rtp: t.got_a, pair.b.rtp: t.got_b}
    while True:
        if until_complete and t.complete():
            return
        left = deadline - time.monotonic()
        if left <= 0:
            return
        for s in select.select(list(socks), [], [], left)[0]:
            data, src = s.recvfrom(2048)
            socks[s].append((data, tuple(src[:2])))


def exchange(pair, count, t=None, a_only=False):
    """Sends @count RTP packets from each party (only A with @a_only) at PPS
    a second; waits up to 1 s for the last ones. Returns the Traffic."""
    t = t or Traffic()
    start = time.monotonic()
    for i in range(count):
        pkt = pair.a.packet()
        pair.a.rtp.sendto(pkt, pair.to_a)
        t.sent_a.append(pkt)
        if not a_only:
            pkt = pair.b.packet()
            pair.b.rtp.sendto(pkt, pair.to_b)
            t.sent_b.append(pkt)
        collect(pair, t, start + (i + 1) / PPS)
    collect(pair, t, time.monotonic() + 1.0, until_complete=True)
    return t


def strayed(sent, got, src, what):
    """None if every packet of @sent arrived once, intact, from @src."""
    payloads = [d for d, _ in got]
    wrong = [s for _, s in got if s != src]
    missing = len(set(sent) - set(payloads))
    if missing:
        return "%d of %d packets %s did not arrive intact" % (
            missing, len(sent), what)
    if wrong:
        return "%d packets %s arrived from %s:%d, not from %s:%d" % (
            (len(wrong), what) + wrong[0] + src)
    if len(payloads) != len(sent):
        return "%d packets %s arrived for %d sent" % (
            len(payloads), what, len(sent))
    return None


def arrival(pair, t):
    """None if both ways every packet arrived intact, each from the relay's
    address and port for the other party."""
    return first_problem(
        strayed(t.sent_a, t.got_b, pair.to_b, "from the caller"),
        strayed(t.sent_b, t.got_a, pair.to_a, "from the callee"))


def pump_until_kernel(pair, since, a_only=False, t=None):
    """Sends RTP (both ways unless @a_only) until query shows A's RTP stream
    (and B's) in the kernel. Returns (seconds since @since or None when
    HANDOFF_LIMIT passed, the Traffic, @t if given)."""
    t = t or Traffic()
    while True:
        paths = pair.paths()
        if paths[0] == "kernel" and (a_only or paths[1] == "kernel"):
            return time.monotonic() - since, t
        if time.monotonic() - since >= HANDOFF_LIMIT:
            return None, t
        exchange(pair, PPS // 5, t, a_only)


# --- the daemon and the module ----------------------------------------------------

class Ctx:
    """What every case gets: options, the report, the NG client, a generic
    netlink socket in the relay's namespace."""

    def __init__(self, opt, report):
        self.opt, self.report = opt, report
        with netns(opt.relay_ns):
            self.client = NgClient(*host_port(opt.ng), timeout=2.0,
                                   retries=2)
            self.nl = rtpgnl.Genl()
        self.pairs = []

    def pair(self, name):
        p = Pair(self, name)
        self.pairs.append(p)
        return p

    def close(self):
        for p in self.pairs:
            p.close()
        self.client.close()
        self.nl.close()

    def check(self, sentence, problem, pair=None):
        """Reports; a failure adds what query and the daemon's log say."""
        if problem and pair:
            problem += "\n" + self.evidence(pair)
        self.report.check(sentence, problem)
        return not problem

    def evidence(self, pair):
        lines = []
        try:
            for who, st in zip(("caller", "callee"), pair.streams()):
                lines.append("query, %s's RTP stream (port %s): %r" % (
                    who, st.get("local port"), counters(st)))
        except (CaseError, NgTimeout, BencodeError, KeyError) as e:
            lines.append("query: %s" % e)
        try:
            lines.append("kernel targets: %s" % sorted(self.targets()))
        except (NlError, OSError) as e:
            lines.append("kernel targets: %s" % e)
        if self.opt.log:
            with open(self.opt.log, errors="replace") as f:
                lines += ["log: " + l.rstrip() for l in f.readlines()[-8:]]
        return "\n".join(lines)

    def targets(self):
        """{(local address, port): target} of the daemon's kernel table."""
        return {(t["LOCAL_ADDR"], t["LOCAL_PORT"]): t for t in
                self.nl.cmd("TARGET_GET", [("TABLE", self.opt.table)],
                            dump=True)}

    def cli(self, line):
        """The CLI port's whole answer to @line."""
        with netns(self.opt.relay_ns):
            s = socket.create_connection(host_port(self.opt.cli), timeout=5)
        with s:
            s.sendall(line.encode() + b"\n")
            out = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out.decode(errors="replace")
                out += chunk


def cli_value(text, label):
    """The integer after "@label<padding>:" in a CLI answer, or None."""
    for line in text.split("\n"):
        name, _, value = line.partition(":")
        if name.strip() == label and value.strip().isdigit():
            return int(value)
    return None


# --- the cases --------------------------------------------------------------------

def both(paths, want):
    return None if paths == (want, want) else \
        "query says the caller's RTP stream is on path %r, the callee's %r, " \
        "wanted %r" % (paths + (want,))


def case_handoff(ctx):
    """Call "handoff": userspace while learning, then the kernel. Returns
    the Pair when both RTP streams got there, else None."""
    pair = ctx.pair("handoff")
    pair.open()
    start = time.monotonic()
    t = exchange(pair, PPS // 2)
    ctx.check("while the source is learned (3 s) both RTP streams are "
              "forwarded in userspace (query: path userspace), intact",
              first_problem(both(pair.paths(), "userspace"),
                            arrival(pair, t)), pair)
    left = HANDOFF_AT - (time.monotonic() - start)
    t = exchange(pair, max(0, int(left * PPS)))
    took, t = pump_until_kernel(pair, start, t=t)
    ok = ctx.check("once learning has locked the sources both RTP streams "
                   "are forwarded by the kernel (query: path kernel, looked "
                   "at after %.0f s of RTP both ways)" % HANDOFF_AT,
                   None if took else "not within %.0f s" % HANDOFF_LIMIT, pair)
    if ok:
        print("    (query showed both in the kernel %.1f s after the first "
              "packet)" % took, flush=True)
    ctx.check("no RTP packet is lost or doubled while the streams move to "
              "the kernel", arrival(pair, t))
    return pair if ok else None


def settled(pair, before, count):
    """Query's counters of both RTP streams once their kernel share rose by
    @count (the daemon reads the module once a second), or after 3 s."""
    def risen():
        now = [counters(s) for s in pair.streams()]
        return all(n["kernel"] - b["kernel"] >= count - SLACK
                   for n, b in zip(now, before))
    wait_until(risen, 3.0, 0.25)
    return [counters(s) for s in pair.streams()]


def case_kernel_counts(ctx, pair):
    """COUNT packets each way through the kernel, counted there only."""
    before = [counters(s) for s in pair.streams()]
    t = exchange(pair, COUNT)
    ctx.check("%d RTP packets each way arrive intact, the caller's at the "
              "callee from the relay's external address and port, the "
              "callee's at the caller from its internal ones" % COUNT,
              arrival(pair, t), pair)
    after = settled(pair, before, COUNT)
    rose = [a["kernel"] - b["kernel"] for a, b in zip(after, before)]
    user = [a["user"] - b["user"] for a, b in zip(after, before)]
    ctx.check("the kernel share of both RTP streams rose by %d (query: "
              "kernel.packets)" % COUNT,
              None if all(COUNT - SLACK <= r <= COUNT for r in rose) else
              "it rose by %d (caller's) and %d (callee's)" % tuple(rose), pair)
    ctx.check("their userspace share (stats.packets - kernel.packets) did "
              "not rise (%d packets of slack)" % SLACK,
              None if all(0 <= u <= SLACK for u in user) else
              "it rose by %d (caller's) and %d (callee's)" % tuple(user), pair)


def case_counters_agree(ctx, pair):
    """Query, the CLI's and NG's totals agree with the module's counters.
    Only this call has been in the kernel so far."""
    targets = ctx.targets()
    keys = [(s["local address"], s["local port"]) for s in pair.streams()]
    missing = [k for k in keys if k not in targets]
    if not ctx.check("both RTP streams' relay ports have a target in kernel "
                     "table %d (rtpgnl dump)" % ctx.opt.table,
                     missing and "no target for %s:%d" % missing[0], pair):
        return
    mod = [targets[k]["stats"] for k in keys]

    def same():
        q = [s["kernel"] for s in pair.streams()]
        return all(x["packets"] == m["packets"] and x["bytes"] == m["bytes"]
                   for x, m in zip(q, mod))
    ctx.check("query's kernel counters of both RTP streams (packets, bytes) "
              "are the module's own", None if wait_until(same, 3.0, 0.25)
              else "module: %r" % mod, pair)
    total = sum(t["stats"]["packets"] for t in targets.values())
    cli = cli_value(ctx.cli("list totals"), "Packets relayed (kernel)")
    ctx.check("CLI list totals: 'Packets relayed (kernel)' is the sum of the "
              "module's counters", None if cli == total else
              "CLI says %r, the module %d" % (cli, total))
    tot = ctx.client.request({"command": "statistics"}).get(
        "statistics", {}).get("totalstatistics", {})
    ng = tot.get("relayedpackets_kernel")
    ctx.check("NG statistics: totalstatistics.relayedpackets_kernel is the "
              "sum of the module's counters", None if ng == total else
              "it is %r, the module says %d; totalstatistics has %s"
              % (ng, total, sorted(tot)))


def stranger_sends(ctx, pair, count):
    """@count RTP packets to A's relay port from another port of A's
    address; returns what reached either party within 0.5 s."""
    family = socket.AF_INET6 if ":" in pair.a.ep.ip else socket.AF_INET
    with netns(pair.a.ns):
        s = socket.socket(family, socket.SOCK_DGRAM)
    with s:
        s.bind((pair.a.ep.ip, 0))
        for _ in range(count):
            s.sendto(pair.a.packet(), pair.to_a)
    t = Traffic()
    collect(pair, t, time.monotonic() + 0.5)
    return t.got_a + t.got_b


def case_strict_source(ctx):
    """Call "strict" with strict-source: a stranger is dropped in the
    kernel, the caller still goes through."""
    pair = ctx.pair("strict")
    pair.open(["strict-source"])
    took, _ = pump_until_kernel(pair, time.monotonic())
    if not ctx.check("with strict-source both RTP streams reach the kernel "
                     "too", None if took else "not within %.0f s"
                     % HANDOFF_LIMIT, pair):
        return
    key = (pair.to_a[0], pair.to_a[1])
    mod0 = ctx.targets()[key]["stats"]
    q0 = counters(pair.streams()[0])
    got = stranger_sends(ctx, pair, STRANGERS)
    ctx.check("with strict-source, RTP from another port of the caller's "
              "address reaches nobody", got and "%d of %d arrived"
              % (len(got), STRANGERS))
    mod = ctx.targets()[key]["stats"]
    drops = mod["drops"]["source"] - mod0["drops"]["source"]
    ctx.check("xt_RTPGATE drops them itself and counts them (drops.source "
              "and errors rose by %d)" % STRANGERS,
              None if drops == STRANGERS and
              mod["errors"] - mod0["errors"] == STRANGERS else
              "module before %r, after %r" % (mod0, mod), pair)
    wait_until(lambda: counters(pair.streams()[0])["kerrors"] >=
               q0["kerrors"] + STRANGERS, 3.0, 0.25)
    q = counters(pair.streams()[0])
    ctx.check("query counts them as the caller's stream's kernel errors; "
              "its userspace share did not rise",
              None if q["kerrors"] - q0["kerrors"] == STRANGERS and
              q["user"] == q0["user"] else
              "before %r, after %r" % (q0, q), pair)
    t = exchange(pair, PPS // 2)
    ctx.check("RTP from the caller's own port still goes both ways through "
              "the kernel", first_problem(arrival(pair, t),
                                          both(pair.paths(), "kernel")), pair)
    pair.call.delete()


def case_reoffer(ctx, pair):
    """A re-offer of call "handoff" with the same SDP takes the offerer's
    stream back to userspace to learn again, while the callee's, whose
    address nothing changed, goes straight back to the kernel; the callee's
    answer then takes its stream back too; after the learning window both
    are in the kernel again (README: "Kernel handoff")."""
    before = [counters(s) for s in pair.streams()]
    to_b = pair.to_b
    pair.offer(pair.keys.get("flags", ()))
    after = [counters(s) for s in pair.streams()]
    kept = all(a["kernel"] >= b["kernel"] for a, b in zip(after, before))
    ctx.check("a re-offer with the same SDP takes the caller's RTP stream "
              "back to userspace and leaves the callee's in the kernel, "
              "keeping the ports and what the kernel counted",
              first_problem(None if pair.paths() == ("userspace", "kernel")
                            else "paths (caller, callee) are %r" % (pair.paths(),),
                            None if pair.to_b == to_b else
                            "the callee now sends to port %d, was %d"
                            % (pair.to_b[1], to_b[1]),
                            None if kept else "kernel counts went down: "
                            "before %r, after %r" % (before, after)), pair)
    t = exchange(pair, PPS)
    now = [counters(s) for s in pair.streams()]
    grew = [(n["user"] - a["user"], n["kernel"] - a["kernel"])
            for n, a in zip(now, after)]
    ctx.check("RTP keeps going both ways, intact: the caller's counted in "
              "userspace, the callee's in the kernel",
              first_problem(arrival(pair, t), None if
                            grew[0][0] >= PPS - SLACK and
                            grew[1][1] >= PPS - SLACK else
                            "caller (user, kernel) +%r, callee +%r for %d "
                            "sent each" % (grew[0], grew[1], PPS)), pair)
    pair.call.answer(sdp(pair.b.ep))
    start = time.monotonic()
    ctx.check("the callee's answer takes its RTP stream back to userspace "
              "too", both(pair.paths(), "userspace"), pair)
    took, t = pump_until_kernel(pair, start)
    ctx.check("after the learning window both RTP streams are back in the "
              "kernel, and RTP still arrives intact",
              first_problem(None if took else "not within %.0f s"
                            % HANDOFF_LIMIT, arrival(pair, t)), pair)


def case_delete(ctx, pair):
    """delete removes the call's targets; its ports forward nothing."""
    ports = {(s["local address"], s["local port"])
             for tag in pair.call.query()["tags"].values()
             for m in tag["medias"] for s in m["streams"]}
    pair.call.delete()
    left = sorted(ports & set(ctx.targets()))
    ctx.check("delete removes the call's kernel targets (rtpgnl dump of "
              "table %d has none of its ports)" % ctx.opt.table,
              left and "still there: %s" % left)
    for _ in range(10):
        pair.a.rtp.sendto(pair.a.packet(), pair.to_a)
        pair.b.rtp.sendto(pair.b.packet(), pair.to_b)
    t = Traffic()
    collect(pair, t, time.monotonic() + 0.5)
    pong = ctx.client.ping().get("result")
    ctx.check("RTP to the deleted call's relay ports reaches neither party, "
              "and rtpgated still answers ping",
              first_problem(
                  (t.got_a or t.got_b) and "%d packets arrived"
                  % len(t.got_a + t.got_b),
                  None if pong == "pong" else "ping answered %r" % pong))


def blast(pair, seconds):
    """A sends RTP to the relay as fast as it can for @seconds; returns
    (packets sent, packets that reached B) a second."""
    payload, sent, got = os.urandom(160), 0, 0
    b = pair.b.rtp
    b.setblocking(False)
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            for _ in range(32):
                pair.a.rtp.sendto(pair.a.packet(payload), pair.to_a)
            sent += 32
            got += drained(b)
        tail = time.monotonic() + 0.3
        while select.select([b], [], [], max(0, tail - time.monotonic()))[0]:
            got += drained(b)
    finally:
        b.setblocking(True)
    return sent / seconds, got / seconds


def drained(sock):
    n = 0
    try:
        while True:
            sock.recv(2048)
            n += 1
    except (BlockingIOError, InterruptedError):
        return n


def pin(pids, cpus):
    """Sets the CPU affinity of every thread of @pids (0: this process);
    returns what each had, for pin_back()."""
    had = {}
    for pid in pids:
        for tid in os.listdir("/proc/%d/task" % (pid or os.getpid())):
            had[int(tid)] = os.sched_getaffinity(int(tid))
            os.sched_setaffinity(int(tid), cpus)
    return had


def pin_back(had):
    for tid, cpus in had.items():
        try:
            os.sched_setaffinity(tid, cpus)
        except ProcessLookupError:
            pass


def case_ratio(ctx):
    """Call "bench": the caller's flat-out load in userspace (inside the
    learning window) and then in the kernel; prints the ratio. Sender,
    receiver and rtpgated share one CPU (the kernel forwards in the
    sender's softirq), so the rate is what that CPU moves end to end."""
    pair = ctx.pair("bench")
    pair.open()
    had = pin([0, ctx.opt.daemon_pid], {0})
    try:
        start = time.monotonic()
        user = blast(pair, BLAST)
        path_user = pair.paths()[0]
        took, _ = pump_until_kernel(pair, start, a_only=True)
        kern = blast(pair, BLAST) if took else (0, 0)
        path_kern = pair.paths()[0]
    finally:
        pin_back(had)
    problem = first_problem(
        None if path_user == "userspace" else
        "the first phase ran on path %r" % path_user,
        None if path_kern == "kernel" else
        "the second phase ran on path %r" % path_kern,
        None if user[1] > 0 else "nothing was forwarded in userspace")
    ctx.check("the same load (the caller sending flat out for %.1f s) is "
              "forwarded in userspace while learning, then by the kernel"
              % BLAST, problem, pair)
    if not problem:
        print("    kernel/userspace ratio: %.2f (forwarded packets/s: kernel "
              "%.0f of %.0f sent, userspace %.0f of %.0f sent; one CPU, TCG)"
              % (kern[1] / user[1], kern[1], kern[0], user[1], user[0]),
              flush=True)
    pair.call.delete()


def run_calls(ctx):
    pair = case_handoff(ctx)
    if pair is None:
        print("# the streams never reached the kernel: the cases after it "
              "cannot run")
        return
    case_kernel_counts(ctx, pair)
    case_counters_agree(ctx, pair)
    case_strict_source(ctx)
    case_reoffer(ctx, pair)
    case_delete(ctx, pair)
    case_ratio(ctx)


def run_with_ctx(opt, what, body):
    """Runs body(ctx) on a fresh Ctx and closes it. An exception a case
    did not catch fails the check "WHAT run to their end". The exit code:
    1 if a check failed, else what body returned (None: 0)."""
    report = Report()
    ctx = None
    rc = 0
    try:
        ctx = Ctx(opt, report)
        rc = body(ctx) or 0
    except (CaseError, NgTimeout, BencodeError, NlError, OSError,
            KeyError, TypeError) as e:
        report.fail("%s run to their end" % what,
                    "%s: %s" % (type(e).__name__, e))
    finally:
        if ctx:
            ctx.close()
    return 1 if report.failed else rc


def add_call_args(ap, required):
    """The options that reach the relay and the parties' namespaces."""
    ap.add_argument("--relay-ns", required=True)
    ap.add_argument("--table", type=int, default=0)
    ap.add_argument("--ng", required=required, help="NG address:port")
    ap.add_argument("--cli", required=required, help="CLI address:port")
    ap.add_argument("--caller", type=ns_addr, required=required)
    ap.add_argument("--callee", type=ns_addr, required=required)
    ap.add_argument("--internal", required=required)
    ap.add_argument("--external", required=required)
    ap.add_argument("--log", help="rtpgated's log, quoted on failures")
    ap.add_argument("--daemon-pid", type=int, required=required,
                    help="rtpgated's PID, pinned to the benchmark's CPU")


def cmd_gone(opt):
    with netns(opt.relay_ns):
        nl = rtpgnl.Genl()
    try:
        found = nl.cmd("TARGET_GET", [("TABLE", opt.table)], dump=True)
    except NlError as e:
        if e.err == -errno.ENOENT:
            return 0
        print("dumping table %d: %s" % (opt.table, e))
        return 1
    finally:
        nl.close()
    print("kernel table %d is still there, with %d targets"
          % (opt.table, len(found)))
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["calls", "gone"])
    add_call_args(ap, required=False)
    opt = ap.parse_args()
    if opt.command == "gone":
        return cmd_gone(opt)
    if None in (opt.ng, opt.cli, opt.caller, opt.callee, opt.internal,
                opt.external, opt.daemon_pid):
        ap.error("calls needs --ng, --cli, --caller, --callee, --internal, "
                 "--external and --daemon-pid")
    return run_with_ctx(opt, "the kernel path cases", run_calls)


if __name__ == "__main__":
    sys.exit(main())
