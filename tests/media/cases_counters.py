"""cases_counters - what query counts for a call, hostile datagrams on
relay ports (garbage, empty, oversized, truncated RTP), and packets the
kernel drops at a full relay socket, and what reading those drops costs.
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from cases_forward import established, hop, nat_call
from mediakit import (CaseError, big_rcvbuf, drain, expect, first_problem,
                      rtcp, rtp, send, wait_until)


def exchange(src_relay, src, dst_relay, dst, n, kind):
    """Sends @n packets of @kind ("rtp" or "rtcp") from endpoint @src to its
    relay ports @src_relay, each waited for at endpoint @dst (from
    @dst_relay); returns (bytes sent, first problem)."""
    total = 0
    for i in range(n):
        pkt = rtp(size=100 + 20 * i) if kind == "rtp" else rtcp()
        total += len(pkt)
        send(getattr(src, kind), pkt, getattr(src_relay, kind))
        problem = expect(getattr(dst, kind), pkt, getattr(dst_relay, kind))
        if problem:
            return total, problem
    return total, None


def endpoint_problem(stream, key, ip, port):
    ep = stream.get(key)
    want = {"family": "IPv4", "address": ip, "port": port}
    if ep != want:
        return "%s stream %s is %r, wanted %r" % (
            stream.get("flags"), key, ep, want)
    return None


def stream_problem(stream, port, packets, nbytes, learned, sdp_addr, now):
    got = stream.get("stats")
    want = {"packets": packets, "bytes": nbytes, "errors": 0}
    if stream.get("local port") != port:
        return "%s local port %r, wanted %d" % (stream.get("flags"),
                                                 stream.get("local port"), port)
    if got != want:
        return "%s stats %r, wanted %r" % (stream.get("flags"), got, want)
    last = stream.get("last packet")
    if not isinstance(last, int) or not now - 10 <= last <= now + 2:
        return "%s last packet %r, wanted about %d" % (stream.get("flags"),
                                                      last, now)
    return first_problem(
        endpoint_problem(stream, "endpoint", *learned),
        endpoint_problem(stream, "advertised endpoint", *sdp_addr))


def counters(ctx):
    """A paced exchange (each packet waited for) with a NAT'd A."""
    call, a_sdp, a_nat, b = nat_call(ctx, "127.0.0.18", "127.0.0.28",
                                     "counters")
    sent = {}
    problems = []
    # A first: by the time B sends, a_nat is learned and B's media goes there.
    for who, src, dst, n_rtp, n_rtcp in (
            ("A", (call.a, a_nat), (call.b, b), 5, 2),
            ("B", (call.b, b), (call.a, a_nat), 3, 1)):
        r_bytes, p1 = exchange(*src, *dst, n_rtp, "rtp")
        c_bytes, p2 = exchange(*src, *dst, n_rtcp, "rtcp")
        sent[who] = (n_rtp, r_bytes, n_rtcp, c_bytes)
        problems += [p1, p2]
    ctx.check("a paced exchange of 8 RTP and 3 RTCP packets all arrive",
              first_problem(*problems))
    reply = call.query()
    totals = reply.get("totals", {})
    want = {"RTP": {"packets": 8, "bytes": sent["A"][1] + sent["B"][1],
                    "errors": 0},
            "RTCP": {"packets": 3, "bytes": sent["A"][3] + sent["B"][3],
                     "errors": 0}}
    ctx.check("query totals count every RTP and RTCP packet and byte sent",
              None if totals == want else "totals %r, wanted %r"
              % (totals, want))
    now = int(time.time())
    sa, sb = call.streams(call.from_tag, reply), call.streams(call.to_tag,
                                                              reply)
    ctx.check("query: each of A's streams shows the relay port A sends to, "
              "the packets and bytes received from A, the learned source as "
              "endpoint and the SDP address as advertised endpoint",
              first_problem(
                  stream_problem(sa["RTP"], call.a.rtp_port, 5, sent["A"][1],
                                 a_nat.rtp_addr, a_sdp.rtp_addr, now),
                  stream_problem(sa["RTCP"], call.a.rtcp_port, 2, sent["A"][3],
                                 a_nat.rtcp_addr, a_sdp.rtcp_addr, now)))
    ctx.check("query: each of B's streams shows the relay port B sends to "
              "and the packets and bytes received from B",
              first_problem(
                  stream_problem(sb["RTP"], call.b.rtp_port, 3, sent["B"][1],
                                 b.rtp_addr, b.rtp_addr, now),
                  stream_problem(sb["RTCP"], call.b.rtcp_port, 1, sent["B"][3],
                                 b.rtcp_addr, b.rtcp_addr, now)))
    dialogue = [reply["tags"][t].get("in dialogue with")
                for t in (call.from_tag, call.to_tag)]
    ctx.check("query: A and B are in dialogue with each other",
              None if dialogue == [call.to_tag, call.from_tag] else
              "in dialogue with: %r" % (dialogue,))
    call.delete()


def relayed(ctx, call, a, b, pkt):
    """@pkt from A's RTP socket arrives unchanged at B's."""
    return hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp, pkt)


def hostile(ctx):
    call, a, b = established(ctx, "127.0.0.19", "127.0.0.29")
    rnd = random.Random(os.environ.get("MEDIA_SEED", "5761"))
    garbage = [bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 1400)))
               for _ in range(40)]
    # RTP ports only: a non-muxing call never reads RTCP out of RTP.
    ctx.check("random garbage datagrams are relayed byte for byte (the relay "
              "does not require valid RTP)", first_problem(
                  *[relayed(ctx, call, a, b, g) for g in garbage]))
    ctx.check("a truncated RTP packet (5 bytes of header) is relayed as it "
              "is", relayed(ctx, call, a, b, rtp()[:5]))
    ctx.check("a zero-length datagram is relayed as a zero-length datagram",
              relayed(ctx, call, a, b, b""))
    ctx.check("a 1500-byte datagram is relayed intact",
              relayed(ctx, call, a, b, os.urandom(1500)))
    problem = ctx.dropped("too-big", a.rtp, call.a.rtp, [b.rtp],
                          os.urandom(9000))
    errors = call.streams(call.from_tag)["RTP"]["stats"].get("errors")
    ctx.check("a 9000-byte datagram is dropped and counted under "
              "drops.too-big and the stream's errors", first_problem(
                  problem, None if errors == 1 else
                  "A's RTP errors %r, wanted 1" % (errors,)))
    flood(a, b, call)
    ctx.check("after garbage, empty, oversized datagrams and a flood on all "
              "four relay ports, media still flows both ways",
              first_problem(relayed(ctx, call, a, b, rtp()),
                            hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp)))
    call.delete()


def flood(a, b, call):
    """2,000 datagrams of many sizes (empty, header-sized, around the relay's
    buffer, oversized) to the call's relay ports: each party to its own RTP
    port, a stranger to both RTCP ports (so that the RTP addresses learned
    stay the parties'). Nothing is checked but survival (by the caller)."""
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        stranger.bind(("127.0.0.99", 0))
        targets = [(a.rtp, call.a.rtp), (b.rtp, call.b.rtp),
                   (stranger, call.a.rtcp), (stranger, call.b.rtcp)]
        sizes = [0, 1, 2, 11, 12, 13, 4095, 4096, 4097, 9000, 65000]
        for i in range(2000):
            sock, to = targets[i % 4]
            size = sizes[i % len(sizes)] if i % 2 else (i * 7) % 300
            send(sock, os.urandom(size), to)
    finally:
        stranger.close()
    time.sleep(0.2)
    drain(a.rtp, a.rtcp, b.rtp, b.rtcp)


OVERFLOW_SENT = 3000    # far more than a default receive queue holds


def arrivals(sock, quiet=0.5):
    """How many datagrams arrive on @sock until it has been quiet @quiet s."""
    n = 0
    sock.settimeout(quiet)
    try:
        while True:
            sock.recvfrom(65536)
            n += 1
    except socket.timeout:
        return n


def socket_overflow(ctx):
    call, a, b = established(ctx, "127.0.0.18", "127.0.0.28")
    ctx.check("a packet from A reaches B before the overflow",
              relayed(ctx, call, a, b, rtp()))
    big_rcvbuf(b.rtp)
    drops0 = ctx.drops().get("socket-overflow", 0)
    st0 = call.streams(call.from_tag)["RTP"]["stats"]
    # stopped, rtpgated reads nothing: its socket's queue fills, and the
    # kernel drops the rest
    os.kill(ctx.daemon.proc.pid, signal.SIGSTOP)
    try:
        for i in range(OVERFLOW_SENT):
            send(a.rtp, rtp(seq=i), call.a.rtp)
    finally:
        os.kill(ctx.daemon.proc.pid, signal.SIGCONT)
    got = arrivals(b.rtp)
    lost = OVERFLOW_SENT - got
    drops = ctx.drops().get("socket-overflow", 0) - drops0
    st1 = call.streams(call.from_tag)["RTP"]["stats"]
    ctx.check("%d packets sent to a stopped rtpgated: the queued ones (%d) "
              "are forwarded after it resumes, the rest overflowed"
              % (OVERFLOW_SENT, got),
              None if 0 < got < OVERFLOW_SENT else
              "%d arrived, wanted some but not all" % got)
    ctx.check("the kernel's drops at the full socket are counted: "
              "drops.socket-overflow and A's errors grew by the %d lost, "
              "packets by the %d forwarded" % (lost, got), first_problem(
                  None if drops == lost else
                  "drops.socket-overflow grew by %d" % drops,
                  None if st1["errors"] - st0["errors"] == lost else
                  "errors grew by %d" % (st1["errors"] - st0["errors"]),
                  None if st1["packets"] - st0["packets"] == got else
                  "packets grew by %d" % (st1["packets"] - st0["packets"])))
    ctx.check("media flows both ways after the overflow",
              first_problem(relayed(ctx, call, a, b, rtp()),
                            hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp)))
    call.delete()


def udp_in_errors():
    """The network namespace's UDP and UDPv6 InErrors, the sum rtpgated
    watches (README "Socket overflow")."""
    with open("/proc/net/snmp") as f:
        names, values = [l.split() for l in f if l.startswith("Udp: ")][:2]
    total = int(values[names.index("InErrors")])
    if os.path.exists("/proc/net/snmp6"):
        with open("/proc/net/snmp6") as f:
            total += sum(int(l.split()[1]) for l in f
                         if l.startswith("Udp6InErrors"))
    return total


class NoTrace(Exception):
    """strace cannot trace the daemon on this machine."""


def meminfo_reads(pid, run):
    """The number of getsockopt(SO_MEMINFO) calls process @pid makes while
    @run() runs, counted by strace attached to all its threads."""
    fd, out = tempfile.mkstemp(prefix="rg-strace-")
    os.close(fd)
    tracer = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=getsockopt",
                               "-o", out, "-p", str(pid)],
                              stderr=subprocess.DEVNULL)
    tasks = "/proc/%d/task" % pid

    def attached():
        for t in os.listdir(tasks):
            with open("%s/%s/status" % (tasks, t)) as f:
                if "TracerPid:\t%d\n" % tracer.pid not in f.read():
                    return tracer.poll() is not None
        return True
    try:
        if not wait_until(attached, 10) or tracer.poll() is not None:
            raise NoTrace("strace could not attach to rtpgated (exit %s;"
                          " no CAP_SYS_PTRACE here?)" % tracer.poll())
        run()
    finally:
        if tracer.poll() is None:
            tracer.send_signal(signal.SIGINT)
        tracer.wait(timeout=10)
        with open(out) as f:
            n = sum("SO_MEMINFO" in line for line in f)
        os.unlink(out)
    return n


def overflow_reading_cost(ctx):
    """statistics reads no socket's drop count while the namespace's UDP
    errors stand still; query reads its call's every time."""
    if not shutil.which("strace"):
        ctx.report.skip("socket-overflow reading cost: strace (to count "
                        "rtpgated's system calls) is not installed")
        return
    call, a, b = established(ctx, "127.0.0.19", "127.0.0.29")
    pid = ctx.daemon.proc.pid
    ctx.drops()		# a pass: every cache filled
    reads, moved = None, True
    try:
        for _ in range(3):	# another program's UDP error moves the sum
            before = udp_in_errors()
            reads = meminfo_reads(pid, ctx.drops)
            moved = udp_in_errors() != before
            if not moved:
                break
    except NoTrace as e:
        ctx.report.skip("socket-overflow reading cost: %s" % e)
        call.delete()
        return
    ctx.check("with the namespace's UDP InErrors unchanged since the last "
              "pass, statistics reads no socket's SO_MEMINFO",
              None if moved or reads == 0 else
              "%d getsockopt(SO_MEMINFO) calls" % reads)
    reads = meminfo_reads(pid, call.query)
    ctx.check("query reads the drop count of each of its call's 4 sockets "
              "afresh", None if reads == 4 else
              "%d getsockopt(SO_MEMINFO) calls" % reads)
    call.delete()


CASES = [
    ("counters", counters),
    ("hostile media", hostile),
    ("socket overflow", socket_overflow),
    ("socket overflow: reading cost", overflow_reading_cost),
]
