"""mediakit - fake media endpoints and call set-up for the media tests.

Standard library only; NG, bencode and the daemon come from tests/ng/ngclient.

  Endpoint         a fake party's media: an RTP socket on an even port and
                   an RTCP socket on the next one, on one 127.0.0.x address
  rtp() / rtcp()   unique packets (random payload, so each is recognisable)
  send()           sendto() that refuses anything outside 127.0.0.0/8 and ::1
  expect()         "this datagram arrives on that socket from that address"
  silence()        "nothing arrives on that socket"
  sdp() / sdp_media()  a one-audio-stream SDP, and what a rewritten one says
  Call             one call's offer/answer/query/delete over NG, remembering
                   the relay ports each party must send to
  Ctx              what a test case gets: the daemon, a client, the report

A helper that cannot set up what a case needs raises CaseError; the runner
reports it as that case's failure.
"""

import errno
import os
import secrets
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "ng"))

from ngclient import ADVERTISED, LOCAL  # noqa: E402

# SDP address the daemon advertises -> the local address it really uses.
RELAY_LOCAL = {adv: LOCAL[key] for key, adv in ADVERTISED.items()}


class CaseError(Exception):
    """A case could not be set up (an NG error, no free ports...)."""


def is_loopback(ip):
    return ip.startswith("127.") or ip == "::1"


# --- endpoints and packets ----------------------------------------------------


def _udp(ip, port=0):
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    try:
        s.bind((ip, port))
    except OSError:
        s.close()
        raise
    return s


class Endpoint:
    """A fake party on @ip: .rtp on an even port, .rtcp on the next one."""

    def __init__(self, ip):
        self.ip = ip
        for _ in range(100):
            first = _udp(ip)
            port = first.getsockname()[1]
            other = port + 1 if port % 2 == 0 else port - 1
            try:
                second = _udp(ip, other)
            except OSError:
                first.close()
                continue
            self.rtp, self.rtcp = (first, second) if port % 2 == 0 \
                else (second, first)
            break
        else:
            raise CaseError("no free even/odd port pair on %s" % ip)
        for s in (self.rtp, self.rtcp):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.rtp_port = self.rtp.getsockname()[1]
        self.rtcp_port = self.rtp_port + 1

    @property
    def rtp_addr(self):
        return (self.ip, self.rtp_port)

    @property
    def rtcp_addr(self):
        return (self.ip, self.rtcp_port)

    def close(self):
        self.rtp.close()
        self.rtcp.close()


SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)   # Linux; root only


def big_rcvbuf(sock, size=8 << 20):
    """Gives @sock a receive queue of @size bytes (beyond rmem_max when
    root), so that what a test counts as lost is never lost at its own
    socket."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
    except PermissionError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


def rtp(size=160, pt=0, seq=None):
    """An RTP packet (RFC 3550 header, version 2) with @size random payload
    bytes; its payload type byte never looks like RTCP."""
    seq = secrets.randbelow(65536) if seq is None else seq
    header = struct.pack("!BBHII", 0x80, pt & 0x7f, seq & 0xffff,
                         secrets.randbelow(1 << 32), secrets.randbelow(1 << 32))
    return header + os.urandom(size)


def rtcp():
    """An RTCP sender report (packet type 200) without report blocks."""
    return struct.pack("!BBHI", 0x80, 200, 6, secrets.randbelow(1 << 32)) \
        + os.urandom(20)


def send(sock, data, dest):
    """sendto() that only ever sends to loopback."""
    if not is_loopback(dest[0]):
        raise CaseError("refusing to send to %s: not a loopback address"
                        % (dest[0],))
    sock.sendto(data, dest)


def _recv(sock, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recvfrom(65536)
    except socket.timeout:
        return None


def fmt(addr):
    return "%s:%d" % (addr[0], addr[1])


def expect(sock, data, src, timeout=1.0):
    """None if @data arrives on @sock from @src (ip, port) within @timeout;
    else what happened instead. Other datagrams are read and ignored."""
    deadline = time.monotonic() + timeout
    others = []
    while True:
        got = _recv(sock, deadline)
        if got is None:
            break
        if got[0] == data:
            if tuple(got[1][:2]) == tuple(src):
                return None
            return "the packet arrived from %s instead of %s" \
                % (fmt(got[1]), fmt(src))
        others.append(got)
    what = "nothing" if not others else "only %d other datagram(s), " \
        "first %d bytes from %s" % (len(others), len(others[0][0]),
                                    fmt(others[0][1]))
    return "the %d-byte packet did not arrive at %s within %.1f s (%s " \
        "arrived)" % (len(data), fmt(sock.getsockname()), timeout, what)


def silence(sock, timeout=0.3):
    """None if nothing arrives on @sock for @timeout seconds."""
    got = _recv(sock, time.monotonic() + timeout)
    if got is None:
        return None
    return "a %d-byte datagram arrived at %s from %s" \
        % (len(got[0]), fmt(sock.getsockname()), fmt(got[1]))


def drain(*socks):
    for s in socks:
        s.setblocking(False)
        try:
            while True:
                s.recv(65536)
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            s.setblocking(True)


def port_in_use(ip, port):
    """True if binding UDP @ip:@port fails with EADDRINUSE."""
    try:
        _udp(ip, port).close()
        return False
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return True
        raise


def wait_until(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


# --- SDP ----------------------------------------------------------------------


def sdp(ep, port=None, attrs=(), ip=None):
    """A one-audio-stream offer or answer for endpoint @ep (or @ip/@port),
    with extra a= lines @attrs ("rtcp-mux", "sendonly", "rtcp:N")."""
    ip = ip or ep.ip
    port = ep.rtp_port if port is None else port
    family = "IP6" if ":" in ip else "IP4"
    lines = ["v=0", "o=- %d 1 IN %s %s" % (secrets.randbelow(10**9), family,
                                           ip),
             "s=-", "c=IN %s %s" % (family, ip), "t=0 0",
             "m=audio %d RTP/AVP 0 8" % port, "a=rtpmap:0 PCMU/8000",
             "a=rtpmap:8 PCMA/8000"] + ["a=" + a for a in attrs]
    return "\r\n".join(lines) + "\r\n"


def sdp_media(text):
    """{"c": address, "port": m= port, "rtcp": a=rtcp port or None,
    "attrs": [attribute names]} of the first m= section of @text."""
    out = {"c": None, "port": None, "rtcp": None, "attrs": []}
    in_media = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            if in_media:
                break
            in_media = True
            out["port"] = int(line.split()[1])
        elif line.startswith("c="):
            out["c"] = line.split()[-1]
        elif line.startswith("a=") and in_media:
            name, _, value = line[2:].partition(":")
            out["attrs"].append(name)
            if name == "rtcp":
                out["rtcp"] = int(value.split()[0])
    return out


# --- calls ----------------------------------------------------------------------


class Relay:
    """Where a party sends: the relay's local address and its RTP and RTCP
    ports for that party. .sdp: what the SDP sent to that party said."""

    def __init__(self, ip, rtp_port, rtcp_port, sdp_seen=None):
        self.ip = ip
        self.rtp_port = rtp_port
        self.rtcp_port = rtcp_port
        self.sdp = sdp_seen

    @classmethod
    def from_sdp(cls, text):
        """As the rewritten SDP @text says (RTCP: a=rtcp, else m= + 1)."""
        m = sdp_media(text)
        if m["port"] is None or m["c"] is None:
            raise CaseError("rewritten SDP has no m= or c=: %r" % text)
        rtcp_port = m["rtcp"] if m["rtcp"] is not None else m["port"] + 1
        return cls(RELAY_LOCAL.get(m["c"], m["c"]), m["port"], rtcp_port, m)

    @property
    def rtp(self):
        return (self.ip, self.rtp_port)

    @property
    def rtcp(self):
        return (self.ip, self.rtcp_port)


class Call:
    """One call: A (from-tag) offers, B (to-tag) answers.

    .a is where A sends (from the answer SDP, or from query before it),
    .b where B sends (from the offer SDP)."""

    def __init__(self, client, name="call"):
        token = secrets.token_hex(4)
        self.client = client
        self.id = "media-%s-%s" % (name, token)
        self.from_tag = "A-" + token
        self.to_tag = "B-" + token
        self.a = self.b = None

    def request(self, command, **keys):
        msg = {"command": command, "call-id": self.id}
        msg.update({k.replace("_", "-"): v for k, v in keys.items()})
        reply = self.client.request(msg)
        if not isinstance(reply, dict) or reply.get("result") != "ok":
            raise CaseError("%s for %s failed: %r" % (command, self.id, reply))
        return reply

    def offer(self, sdp_text, **keys):
        reply = self.request("offer", from_tag=self.from_tag, sdp=sdp_text,
                             **keys)
        self.b = Relay.from_sdp(reply["sdp"])
        return reply

    def answer(self, sdp_text, **keys):
        reply = self.request("answer", from_tag=self.from_tag,
                             to_tag=self.to_tag, sdp=sdp_text, **keys)
        self.a = Relay.from_sdp(reply["sdp"])
        return reply

    def query(self):
        return self.request("query")

    def delete(self, **keys):
        return self.request("delete", from_tag=self.from_tag, **keys)

    def streams(self, tag, reply=None):
        """{"RTP": stream, "RTCP": stream} of @tag's first media."""
        reply = reply or self.query()
        try:
            media = reply["tags"][tag]["medias"][0]
            return {s["flags"][0]: s for s in media["streams"]}
        except (KeyError, IndexError, TypeError) as e:
            raise CaseError("query has no streams for tag %s (%r): %r"
                            % (tag, e, reply))

    def relay_from_query(self, tag):
        """A Relay for @tag built from query (before its SDP is known)."""
        s = self.streams(tag)
        return Relay(s["RTP"]["local address"], s["RTP"]["local port"],
                     s["RTCP"]["local port"])

    def ports(self):
        """[(local address, port)] of every stream of the call."""
        reply = self.query()
        return [(s["local address"], s["local port"])
                for tag in reply["tags"].values() for m in tag["medias"]
                for s in m["streams"]]


class Ctx:
    """What a test case gets."""

    def __init__(self, daemon, client, report):
        self.daemon = daemon
        self.client = client
        self.report = report
        self.endpoints = []

    def check(self, sentence, problem):
        self.report.check(sentence, problem)

    def endpoint(self, ip):
        ep = Endpoint(ip)
        self.endpoints.append(ep)
        return ep

    def call(self, name="call"):
        return Call(self.client, name)

    def close(self):
        for ep in self.endpoints:
            ep.close()
        self.endpoints = []

    def totals(self):
        """statistics.totalstatistics"""
        reply = self.client.request({"command": "statistics"})
        try:
            return reply["statistics"]["totalstatistics"]
        except (KeyError, TypeError):
            raise CaseError("statistics has no totalstatistics: %r" % reply)

    def drops(self):
        d = self.totals().get("drops")
        if not isinstance(d, dict):
            raise CaseError("statistics has no totalstatistics.drops")
        return d

    def dropped(self, counter, sock, dest, watch, pkt=None):
        """None if a packet (@pkt, else a new RTP packet) sent from @sock to
        relay address @dest reaches none of the sockets @watch and adds one
        to statistics' drops.@counter."""
        before = self.drops()
        send(sock, rtp() if pkt is None else pkt, dest)
        quiet = first_problem(*(silence(s, 0.3 if i == 0 else 0.05)
                                for i, s in enumerate(watch)))
        delta = self.drops().get(counter, 0) - before.get(counter, 0)
        return first_problem(quiet, None if delta == 1 else
                             "drops.%s grew by %d, wanted 1" % (counter, delta))

    def listed(self):
        reply = self.client.request({"command": "list", "limit": 5000})
        calls = reply.get("calls") if isinstance(reply, dict) else None
        if not isinstance(calls, list):
            raise CaseError("list has no calls: %r" % (reply,))
        return calls


def first_problem(*problems):
    """The first non-empty problem, or None."""
    for p in problems:
        if p:
            return p
    return None
