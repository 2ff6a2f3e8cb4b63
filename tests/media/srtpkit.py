"""srtpkit - an SRTP party for the media tests, independent of rtpgated.

  SrtpPeer         tests/tools/srtp_peer (libsrtp2 alone) as a filter:
                   protect / unprotect one packet at a time, each direction
                   keyed on its own
  Crypto, cryptos()  a=crypto lines (RFC 4568 section 9.1) parsed and
                   written here, not by rtpgate's lib/sdes.c
  RtpSource        one RTP sender: one SSRC, consecutive sequence numbers
  Bridge           a call with one plain and one SRTP party, and the checks
                   that packets cross it both ways intact

Standard library only. Loopback only (mediakit.send).
"""

import base64
import binascii
import json
import os
import re
import secrets
import select
import socket
import struct
import subprocess
import time

from mediakit import CaseError, expect, first_problem, fmt, send, sdp
from ngclient import SANITIZER_PATTERNS, repo_root

# suite -> (master key + salt octets, SRTP tag octets, SRTCP tag octets):
# RFC 4568 section 6.2, RFC 6188 section 7, RFC 7714 section 14.2.
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": (30, 10, 10),
    "AES_CM_128_HMAC_SHA1_32": (30, 4, 10),
    "AES_192_CM_HMAC_SHA1_80": (38, 10, 10),
    "AES_192_CM_HMAC_SHA1_32": (38, 4, 10),
    "AES_256_CM_HMAC_SHA1_80": (46, 10, 10),
    "AES_256_CM_HMAC_SHA1_32": (46, 4, 10),
    "AEAD_AES_128_GCM": (28, 16, 16),
    "AEAD_AES_256_GCM": (44, 16, 16),
}
SRTCP_INDEX = 4  # E flag + 31-bit index after the encrypted part


# --- a=crypto ----------------------------------------------------------------

_CRYPTO_RE = re.compile(r"([0-9]{1,9})[ \t]+([A-Za-z0-9_]+)[ \t]+"
                        r"inline:([A-Za-z0-9+/]+={0,2})(\|[^ \t]*)?"
                        r"((?:[ \t]+[^ \t]+)*)[ \t]*")


class Crypto:
    """One a=crypto attribute: tag, suite, master key || salt (bytes),
    and what followed the key (|lifetime, |MKI:len, session params)."""

    def __init__(self, tag, suite, key, extra=""):
        self.tag, self.suite, self.key, self.extra = tag, suite, key, extra

    @classmethod
    def parse(cls, value):
        """The attribute value after "a=crypto:"; CaseError if malformed
        or if the key is not base64 of the suite's key + salt length."""
        m = _CRYPTO_RE.fullmatch(value)
        if not m:
            raise CaseError("malformed a=crypto:%s" % value)
        tag, suite, b64, keyparam, params = m.groups()
        try:
            key = base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
        except binascii.Error:
            raise CaseError("a=crypto:%s: key is not base64" % value)
        if suite in SUITES and len(key) != SUITES[suite][0]:
            raise CaseError("a=crypto:%s: %d key octets, %s has %d"
                            % (value, len(key), suite, SUITES[suite][0]))
        return cls(int(tag), suite, key, (keyparam or "") + params)

    @classmethod
    def fresh(cls, tag, suite):
        """A new random key for @suite."""
        return cls(tag, suite, os.urandom(SUITES[suite][0]))

    @property
    def b64(self):
        return base64.b64encode(self.key).decode()

    def attr(self):
        """The attribute, "crypto:TAG SUITE inline:KEY"."""
        return "crypto:%d %s inline:%s" % (self.tag, self.suite, self.b64)


def media_section(text):
    """(proto, [a=crypto values]) of the first m= section of @text."""
    proto, values, in_media = None, [], False
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            if in_media:
                break
            in_media = True
            parts = line.split()
            proto = parts[2] if len(parts) > 2 else None
        elif in_media and line.startswith("a=crypto:"):
            values.append(line[len("a=crypto:"):])
    return proto, values


def cryptos(text):
    """(proto, [Crypto]) of the first m= section of the SDP @text."""
    proto, values = media_section(text)
    return proto, [Crypto.parse(v) for v in values]


def srtp_sdp(ep, offered, proto="RTP/SAVP"):
    """mediakit.sdp() for @ep with transport @proto and the a=crypto lines
    of the Crypto list @offered."""
    text = sdp(ep, attrs=[c.attr() for c in offered])
    return text.replace(" RTP/AVP ", " %s " % proto, 1)


# --- the peer process --------------------------------------------------------


def peer_path(daemon_path):
    """srtp_peer from the daemon's build tree (build-san/ for build-san/)."""
    tree = "build-san" if "build-san" in daemon_path else "build"
    return os.path.join(repo_root(), tree, "tests", "tools", "srtp_peer")


class SrtpPeer:
    """tests/tools/srtp_peer, stopped by its PID in close()."""

    def __init__(self, daemon_path):
        path = peer_path(daemon_path)
        if not os.access(path, os.X_OK):
            raise CaseError("%s is not built (make %s)"
                            % (path, os.path.relpath(path, repo_root())))
        logdir = os.path.join(repo_root(), "build", "test-logs")
        os.makedirs(logdir, exist_ok=True)
        self.log_path = os.path.join(logdir, "srtp-peer%s.log" % (
            "-san" if "build-san" in path else ""))
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log)
        self.log_start = os.path.getsize(self.log_path)

    def command(self, line, timeout=5.0):
        """Sends one command line; returns the reply as a dict."""
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        reply = self.proc.stdout.readline() if ready else b""
        if not reply:
            raise CaseError("srtp_peer gave no reply to %r (exit %r)"
                            % (line[:40], self.proc.poll()))
        return json.loads(reply)

    def suites(self):
        return self.command("suites")["suites"]

    def key(self, direction, crypto):
        """Keys "tx" (what this party sends) or "rx" with @crypto."""
        r = self.command("key %s %s %s" % (direction, crypto.suite,
                                            crypto.key.hex()))
        if not r.get("ok"):
            raise CaseError("srtp_peer refused the %s key %s: %s"
                            % (direction, crypto.attr(), r.get("error")))

    def _packet(self, verb, pkt, rtcp):
        r = self.command("%s%s %s" % (verb, "-rtcp" if rtcp else "",
                                      pkt.hex()))
        if r.get("ok"):
            return bytes.fromhex(r["hex"]), None
        return None, r.get("error", "no error given")

    def protect(self, pkt, rtcp=False):
        out, err = self._packet("protect", pkt, rtcp)
        if err:
            raise CaseError("srtp_peer could not protect: %s" % err)
        return out

    def unprotect(self, pkt, rtcp=False):
        """(plain packet, None) or (None, libsrtp's error name)."""
        return self._packet("unprotect", pkt, rtcp)

    def close(self):
        """Ends the peer (end of input, then SIGKILL by PID after 5 s).
        Returns a problem: a non-zero exit or a sanitizer report."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        try:
            proc.stdin.close()
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = "killed"
        proc.stdout.close()
        with open(self.log_path, "rb") as log:
            log.seek(self.log_start)
            text = log.read().decode("utf-8", "replace")
        if code != 0 or any(p in text for p in SANITIZER_PATTERNS):
            return "srtp_peer exit %s\n%s" % (code, text[-2000:])
        return None


class Peers:
    """The peers one case starts; a with-block closes them all and reports
    any that ended badly."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.live = []

    def __enter__(self):
        return self

    def new(self):
        peer = SrtpPeer(self.ctx.daemon.path)
        self.live.append(peer)
        return peer

    def __exit__(self, *exc):
        for peer in self.live:
            problem = peer.close()
            if problem:
                self.ctx.report.fail("the SRTP peer exits 0 without a "
                                     "sanitizer report", problem)
        self.live = []


# --- packets -----------------------------------------------------------------


def catch_from(sock, src, timeout=1.0):
    """(datagram, None): the first datagram on @sock from @src (ip, port)
    within @timeout, others read and ignored; else (None, problem)."""
    deadline = time.monotonic() + timeout
    others = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, "nothing arrived at %s from %s within %.1f s (%d " \
                "other datagram(s))" % (fmt(sock.getsockname()), fmt(src),
                                        timeout, others)
        sock.settimeout(left)
        try:
            data, addr = sock.recvfrom(65536)
        except socket.timeout:
            continue
        if tuple(addr[:2]) == tuple(src):
            return data, None
        others += 1


class RtpSource:
    """One RTP sender (RFC 3550): a random SSRC, consecutive sequence
    numbers from @seq (random if None), timestamps in steps of the payload
    size, random payload bytes."""

    def __init__(self, seq=None, pt=0):
        self.ssrc = secrets.randbelow(1 << 32)
        self.seq = secrets.randbelow(30000) if seq is None else seq
        self.ts = secrets.randbelow(1 << 32)
        self.pt = pt

    def next(self, size=160):
        header = struct.pack("!BBHII", 0x80, self.pt, self.seq & 0xffff,
                             self.ts & 0xffffffff, self.ssrc)
        self.seq = (self.seq + 1) & 0xffff
        self.ts += size
        return header + os.urandom(size)

    def rtcp(self):
        """A sender report (packet type 200) from this SSRC."""
        return struct.pack("!BBHI", 0x80, 200, 6, self.ssrc) + os.urandom(20)


# --- a call with one plain and one SRTP party --------------------------------


class Bridge:
    """@call, in which endpoint @plain (who sends to relay call.@plain_side)
    speaks plain RTP and endpoint @srtp SRTP with @peer; @suite is what they
    agreed."""

    def __init__(self, call, plain, plain_side, srtp, peer, suite):
        self.call, self.plain, self.srtp, self.peer = call, plain, srtp, peer
        self.plain_side = plain_side
        self.suite = suite
        self.plain_src, self.srtp_src = RtpSource(), RtpSource()
        self.last_srtp = None

    @property
    def plain_relay(self):
        return getattr(self.call, self.plain_side)

    @property
    def srtp_relay(self):
        return getattr(self.call, "b" if self.plain_side == "a" else "a")

    @property
    def srtp_tag(self):
        return self.call.to_tag if self.plain_side == "a" else \
            self.call.from_tag

    def to_srtp(self, pkt, rtcp=False):
        """@pkt sent plain reaches the SRTP party, from its relay port, as
        SRTP of the suite's length that the peer decrypts to @pkt."""
        kind = "rtcp" if rtcp else "rtp"
        send(getattr(self.plain, kind), pkt, getattr(self.plain_relay, kind))
        got, problem = catch_from(getattr(self.srtp, kind),
                                  getattr(self.srtp_relay, kind))
        if problem:
            return problem
        _, tag, rtcp_tag = SUITES[self.suite]
        want = len(pkt) + (SRTCP_INDEX + rtcp_tag if rtcp else tag)
        if len(got) != want:
            return "%s: %d-byte %s became %d bytes, wanted %d" % (
                self.suite, len(pkt), kind.upper(), len(got), want)
        plain, err = self.peer.unprotect(got, rtcp)
        if err:
            return "%s: libsrtp could not unprotect what the relay sent: %s" \
                % (self.suite, err)
        if plain != pkt:
            return "%s: the decrypted %s differs from what was sent" % (
                self.suite, kind.upper())
        return None

    def from_srtp(self, pkt, rtcp=False):
        """@pkt protected by the peer (kept in .last_srtp) reaches the
        plain party as @pkt."""
        kind = "rtcp" if rtcp else "rtp"
        self.last_srtp = self.peer.protect(pkt, rtcp)
        send(getattr(self.srtp, kind), self.last_srtp,
             getattr(self.srtp_relay, kind))
        return expect(getattr(self.plain, kind), pkt,
                      getattr(self.plain_relay, kind))

    def exchange(self, n=3):
        """@n RTP packets and one RTCP each way, each waited for."""
        return first_problem(self.forward(n), self.backward(n))

    def forward(self, n=3):
        """Plain party -> SRTP party: @n RTP packets, then one RTCP."""
        return first_problem(*[self.to_srtp(self.plain_src.next())
                               for _ in range(n)],
                             self.to_srtp(self.plain_src.rtcp(), rtcp=True))

    def backward(self, n=3):
        """SRTP party -> plain party: @n RTP packets, then one RTCP."""
        return first_problem(*[self.from_srtp(self.srtp_src.next())
                               for _ in range(n)],
                             self.from_srtp(self.srtp_src.rtcp(), rtcp=True))
