#!/usr/bin/python3
"""kmod_forward.py - xt_RTPGATE forwarding real packets, inside the VM.

    kmod_forward.py

Needs the namespaces that tests/kernel/cases_module.sh draws and makes
(kcaller, krelay, kcallee; 10.98.0.0/16 and fd98::/32). It makes rtpgate
table 5 in krelay and an nftables table "inet kmodtest" whose input chain
sends UDP to RTPGATE --table 5 (through nft_compat, as rtpgated does), then
per case sets targets up over generic netlink, sends datagrams from
kcaller to krelay and reads what arrives at kcallee and at a socket bound
to the target's own address and port in krelay (the socket rtpgated would
have): a forwarded datagram reaches kcallee and never that socket, a
handed-up one the socket and never kcallee. One process holds sockets in
all three namespaces (setns, as tests/kernel/nscall.py does).

Prints "ok - <sentence>" or "FAIL - <sentence>" per case and exits 1 if any
failed. Standard library only.
"""

import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "ng"))

import rtpgnl  # noqa: E402
from ngclient import Report  # noqa: E402
from nscall import netns  # noqa: E402
from rtpgnl import F_MUX_RTCP, F_RTCP_HANDUP, F_RTP, NlError  # noqa: E402

T = 5
V4 = {"caller": "10.98.1.2", "relay_in": "10.98.1.1",
      "relay_out": "10.98.2.1", "callee": "10.98.2.2"}
V6 = {"caller": "fd98:1::2", "relay_in": "fd98:1::1",
      "relay_out": "fd98:2::1", "callee": "fd98:2::2"}
CALLEE_IF = "k-relay"		# kcallee's end of the veth to krelay
STUN = struct.pack("!HHI", 1, 0, 0x2112a442) + bytes(12)
DTLS = b"\x16\xfe\xfd" + bytes(10)
NOT_RTP = b"\x05 neither RTP nor STUN"
RTCP_RR = struct.pack("!BBHI", 0x80, 201, 1, 0x1234)


def rtp(seq, pt=0, ssrc=0x11223344):
    return struct.pack("!BBHII", 0x80, pt, seq, 160 * seq, ssrc) + \
        bytes(range(160))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp(ns, addr, port):
    with netns(ns):
        s = socket.socket(family(addr), socket.SOCK_DGRAM)
        s.bind((addr, port))
    s.setblocking(False)
    return s


def drain(sock, seconds):
    """Everything @sock receives within @seconds: [(data, (addr, port))]."""
    got, end = [], time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return got
        try:
            data, addr = sock.recvfrom(65536)
        except BlockingIOError:
            continue  # UDP checks the checksum at recv time: dropped
        got.append((data, addr[:2]))


class Leg:
    """One relayed stream: kcaller port 4000 -> krelay LOCAL -> kcallee.
    The target sends from (relay_out, LOCAL port + 2) to (callee, LOCAL
    port + 10000)."""

    def __init__(self, nl, ip, port, flags=F_RTP, src=None):
        self.nl, self.ip = nl, ip
        self.key = [("TABLE", T), ("LOCAL_ADDR", ip["relay_in"]),
                    ("LOCAL_PORT", port)]
        self.local = (ip["relay_in"], port)
        self.src = (src or ip["relay_out"], port + 2)
        self.out = (ip["relay_out"], port + 2)
        self.dst = (ip["callee"], port + 10000)
        self.caller = udp("kcaller", ip["caller"], 4000)
        self.relay = udp("krelay", ip["relay_in"], port)
        self.callee = udp("kcallee", ip["callee"], port + 10000)
        nl.cmd("TARGET_ADD", self.key + [
            ("SRC_ADDR", self.src[0]), ("SRC_PORT", self.src[1]),
            ("DST_ADDR", self.dst[0]), ("DST_PORT", self.dst[1]),
            ("FLAGS", flags)])

    def update(self, *attrs):
        self.nl.cmd("TARGET_UPDATE", self.key + list(attrs))

    def stats(self):
        return self.nl.cmd("TARGET_GET", self.key)[0]

    def send(self, packets):
        """Sends @packets to LOCAL; returns what the relay socket and the
        callee received: ([(data, from)], [(data, from)])."""
        for p in packets:
            self.caller.sendto(p, self.local)
            time.sleep(0.001)
        callee = drain(self.callee, 1.0)
        return drain(self.relay, 0.2), callee

    def close(self):
        for s in (self.caller, self.relay, self.callee):
            s.close()


def forwarded(leg, packets, got):
    """None if @got (relay, callee) is @packets, all at the callee from the
    relay's outgoing address and port, none at the relay socket."""
    relay, callee = got
    if relay:
        return "the relay socket received %d of them" % len(relay)
    if sorted(d for d, _ in callee) != sorted(packets):
        return "the callee received %d of %d, or changed" % (len(callee),
                                                              len(packets))
    froms = {a for _, a in callee}
    return None if froms == {leg.out} else "from %r, not %r" % (froms,
                                                                 leg.out)


def handed_up(count, got):
    relay, callee = got
    if callee or len(relay) != count:
        return "relay socket %d, callee %d; wanted %d and 0" % (
            len(relay), len(callee), count)
    return None


def case_rtp(r, leg, label):
    packets = [rtp(i) for i in range(1, 51)]
    r.check("%s: 50 RTP datagrams to a target go on from its SRC to its "
            "DST, none to the relay socket" % label,
            forwarded(leg, packets, leg.send(packets)))
    t = leg.stats()
    st, ss = t["stats"], (t.get("ssrc") or [{}])[0]
    want = (50, 50 * 172, 0x11223344, 50, [0], 0)
    have = (st.get("packets"), st.get("bytes"), ss.get("ssrc"),
            ss.get("packets"), ss.get("payload_types"), ss.get("lost"))
    r.check("%s: the target counts 50 packets, their UDP payload bytes and "
            "SSRC 0x11223344 with payload type 0 and no loss" % label,
            None if have == want and st.get("last_ns", 0) > 1e18
            else "have %r, wanted %r, last_ns %r" % (have, want,
                                                     st.get("last_ns")))


def case_handup(r, leg):
    r.check("STUN and DTLS go to the relay socket (RFC 7983)",
            handed_up(2, leg.send([STUN, DTLS])))
    r.check("a datagram that is no RTP on an RTP target goes to the relay "
            "socket", handed_up(1, leg.send([NOT_RTP])))
    r.check("RTCP on an RTP target without MUX_RTCP goes to the relay socket",
            handed_up(1, leg.send([RTCP_RR])))
    leg.update(("FLAGS", F_RTP | F_MUX_RTCP))
    r.check("RTCP with MUX_RTCP is forwarded",
            forwarded(leg, [RTCP_RR], leg.send([RTCP_RR])))
    leg.update(("FLAGS", F_RTP | F_MUX_RTCP | F_RTCP_HANDUP))
    r.check("RTCP with RTCP_HANDUP goes to the relay socket",
            handed_up(1, leg.send([RTCP_RR])))
    st = leg.stats()["stats"]
    r.check("handed-up datagrams are counted, the one that is no RTP as "
            "malformed too", None if (st["handed_up"],
                                      st["drops"]["malformed"]) == (5, 1)
            else "stats %r" % (st,))
    leg.update(("FLAGS", F_RTP))


def case_source(r, leg):
    leg.update(("SOURCE_MODE", rtpgnl.SOURCE_DROP),
               ("EXPECT_ADDR", "10.98.1.99"), ("EXPECT_PORT", 4000))
    relay, callee = leg.send([rtp(i) for i in range(100, 110)])
    drops = leg.stats()["stats"]["drops"]["source"]
    r.check("strict source drops RTP from another peer and counts it",
            None if not relay and not callee and drops == 10
            else "relay %d, callee %d, source drops %d" % (
                len(relay), len(callee), drops))
    leg.update(("SOURCE_MODE", rtpgnl.SOURCE_HANDUP))
    r.check("source mode HANDUP leaves RTP from another peer to the relay "
            "socket", handed_up(3, leg.send([rtp(i) for i in range(3)])))
    leg.update(("EXPECT_ADDR", leg.ip["caller"]), ("EXPECT_PORT", 0))
    packets = [rtp(i) for i in range(200, 205)]
    r.check("EXPECT_PORT 0 accepts the expected address from any port",
            forwarded(leg, packets, leg.send(packets)))
    leg.update(("SOURCE_MODE", rtpgnl.SOURCE_IGNORE))


def case_no_route(r, leg):
    leg.update(("DST_ADDR", "10.98.3.3"))
    relay, callee = leg.send([rtp(i) for i in range(3)])
    drops = leg.stats()["stats"]["drops"]["route"]
    r.check("a DST without a route drops the datagram and counts it",
            None if not relay and not callee and drops == 3
            else "relay %d, callee %d, route drops %d" % (
                len(relay), len(callee), drops))
    leg.update(("DST_ADDR", leg.dst[0]))


# --- checksums and TOS on the wire ---------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total


def pseudo(src, dst, length):
    a, b = socket.inet_pton(family(src), src), socket.inet_pton(family(dst),
                                                                  dst)
    if len(a) == 4:
        return a + b + struct.pack("!BBH", 0, 17, length)
    return a + b + struct.pack("!I3xB", length, 17)


def raw_datagram(src, sport, dst, dport, payload, corrupt):
    """An IP/UDP datagram with a checksum computed here, so that it arrives
    at the relay as CHECKSUM_NONE; off by one with @corrupt."""
    length = 8 + len(payload)
    check = 0xffff - csum(pseudo(src, dst, length) +
                          struct.pack("!4H", sport, dport, length, 0) + payload)
    check = (check or 0xffff) ^ (1 if corrupt else 0)
    udp_part = struct.pack("!4H", sport, dport, length, check) + payload
    a, b = socket.inet_pton(family(src), src), socket.inet_pton(family(dst),
                                                                  dst)
    if family(src) == socket.AF_INET6:
        return struct.pack("!IHBB", 6 << 28, len(udp_part), 17, 64) + a + b \
            + udp_part
    return struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(udp_part), 1, 0, 64, 17,
                       0) + a + b + udp_part


def wire_udp(frame):
    """(src, dst, tos, udp bytes) of an Ethernet frame, or None."""
    ethertype, p = struct.unpack("!H", frame[12:14])[0], frame[14:]
    if ethertype == 0x0800 and p[9] == 17:
        return (socket.inet_ntop(socket.AF_INET, p[12:16]),
                socket.inet_ntop(socket.AF_INET, p[16:20]), p[1],
                p[(p[0] & 15) * 4:])
    if ethertype == 0x86dd and p[6] == 17:
        return (socket.inet_ntop(socket.AF_INET6, p[8:24]),
                socket.inet_ntop(socket.AF_INET6, p[24:40]),
                (p[0] & 15) << 4 | p[1] >> 4, p[40:])
    return None


def capture_send(leg, count, corrupt):
    """Sends @count raw datagrams from kcaller to the target; returns
    [(checksum valid, tos)] of those seen arriving on kcallee's interface
    for the target's DST port."""
    with netns("kcallee"):
        cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                            socket.htons(3))
        cap.bind((CALLEE_IF, 0))
    with netns("kcaller"):
        raw = socket.socket(family(leg.local[0]), socket.SOCK_RAW,
                            socket.IPPROTO_RAW)
    seen = []
    try:
        for i in range(count):
            dgram = raw_datagram(leg.ip["caller"], 4000, leg.local[0],
                                 leg.local[1], rtp(300 + i), corrupt)
            raw.sendto(dgram, (leg.local[0], 0))
        cap.setblocking(False)
        for frame, addr in drain(cap, 1.0):
            w = wire_udp(frame)
            if addr[0] != CALLEE_IF or not w or \
                    struct.unpack("!H", w[3][2:4])[0] != leg.dst[1]:
                continue
            length = struct.unpack("!H", w[3][4:6])[0]
            seen.append((csum(pseudo(w[0], w[1], length) + w[3][:length]) ==
                         0xffff, w[2]))
    finally:
        cap.close()
        raw.close()
    drain(leg.callee, 0.2)  # the callee's socket got them too
    return seen


def case_checksums(r, leg, label):
    leg.update(("TOS", 0xb8))
    seen = capture_send(leg, 20, False)
    r.check("%s: datagrams that arrive with software checksums leave with "
            "valid UDP checksums and TOS 0xb8" % label,
            None if seen == [(True, 0xb8)] * 20 else "seen %r" % (seen,))
    seen = capture_send(leg, 5, True)
    r.check("%s: a wrong UDP checksum is still wrong after the rewrite"
            % label, None if seen == [(False, 0xb8)] * 5 else "seen %r"
            % (seen,))
    leg.update(("TOS", 0))


# --- lifetimes -------------------------------------------------------------------

def case_removal(r, nl, leg):
    nl.cmd("TARGET_DEL", leg.key)
    r.check("after TARGET_DEL the target's datagrams go to the relay socket",
            handed_up(5, leg.send([rtp(i) for i in range(5)])))
    nl.cmd("TABLE_DEL", [("TABLE", T)])
    r.check("after TABLE_DEL they still do",
            handed_up(5, leg.send([rtp(i) for i in range(5)])))
    nl.cmd("TABLE_NEW", [("TABLE", T)])


def case_rule_checks(r):
    for sentence, args in (
            ("nft_compat refuses RTPGATE on the output hook",
             ("ip", "kmodbad", T, rtpgnl.NF_INET_LOCAL_OUT)),
            ("nft_compat refuses RTPGATE --table 256",
             ("ip", "kmodbad", 256))):
        try:
            with netns("krelay"):
                rtpgnl.nft_rule(*args)
            problem = "accepted"
        except NlError:
            problem = None
        r.check(sentence, problem)
    for fam in ("ip", "ip6"):
        with netns("krelay"):
            rtpgnl.nft_rule(fam, "kmodfam", T, rtpgnl.NF_INET_PRE_ROUTING)
            rtpgnl.nft_rule(fam, "kmodfam")
    r.ok("nft_compat takes RTPGATE in ip and ip6 prerouting chains too")


def case_ipv6(r, nl):
    leg = Leg(nl, V6, 30100)
    try:
        case_rtp(r, leg, "IPv6")
        case_checksums(r, leg, "IPv6")
    finally:
        leg.close()
    leg = Leg(nl, V6, 30200, flags=0, src="::")
    try:
        r.check("an unspecified IPv6 SRC_ADDR sends from the address the "
                "route picks; plain UDP goes through unparsed",
                forwarded(leg, [NOT_RTP], leg.send([NOT_RTP])))
    finally:
        leg.close()


def main():
    with netns("krelay"):
        nl = rtpgnl.Genl()
    return rtpgnl.run_cases(Report(), nl, "the forwarding cases run to "
                            "their end", run)


def run(r, nl):
    nl.cmd("TABLE_NEW", [("TABLE", T)])
    with netns("krelay"):
        rtpgnl.nft_rule("inet", "kmodtest", T)
    try:
        case_rule_checks(r)
        leg = Leg(nl, V4, 30000)
        try:
            case_rtp(r, leg, "IPv4")
            case_handup(r, leg)
            case_source(r, leg)
            case_no_route(r, leg)
            case_checksums(r, leg, "IPv4")
            case_removal(r, nl, leg)
        finally:
            leg.close()
        case_ipv6(r, nl)
    finally:
        with netns("krelay"):
            rtpgnl.nft_rule("inet", "kmodtest")
        nl.cmd("TABLE_DEL", [("TABLE", T)])


if __name__ == "__main__":
    sys.exit(main())
