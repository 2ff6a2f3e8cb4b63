"""webrtckit - the browser and the phone of the WebRTC media tests
(cases_webrtc.py).

  Sdp              what an SDP says: m= line, c=, o=, attributes by level
  browser_sdp()    a browser's offer or answer (optionally as Chrome writes
                   it: port 9, c=IN IP4 0.0.0.0, BUNDLE)
  Certs            EC P-256 certificates from the `openssl` CLI
  Browser          ICE credentials, a certificate, a port, and the run of
                   tests/tools/webrtc_peer (OpenSSL + libsrtp2, no rtpgate
                   code) that speaks for it, stopped by its PID
  Phone            plain RTP/RTCP sockets that answer the browser's media
  MuxParty         the browser's address after its peer is gone
  Webrtc           one case's certificates and browsers, closed together

The payload rule shared with webrtc_peer: the 160-octet payload of the
packet with sequence number s has octet i = (s * 7 + i) & 0xff.
Standard library only. Loopback only (mediakit.send).
"""

import json
import os
import secrets
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import time

from mediakit import CaseError, RELAY_LOCAL, Relay, fmt, send
from ngclient import SANITIZER_PATTERNS, repo_root

PAYLOAD = 160
COUNT = 50                      # RTP packets each way, 20 ms apart


def payload(seq):
    return bytes((seq * 7 + i) & 0xff for i in range(PAYLOAD))


# --- SDP ------------------------------------------------------------------------


class Sdp:
    """What an SDP says: .proto, .port, .c of the first m= section, its
    attributes (.media: name -> [values]) and the session's (.session)."""

    def __init__(self, text):
        self.text = text
        self.proto = self.port = self.c = self.origin = None
        self.session, self.media = {}, {}
        where = self.session
        for line in text.replace("\r\n", "\n").split("\n"):
            if line.startswith("m="):
                if where is self.media:
                    break
                where = self.media
                parts = line.split()
                self.port = int(parts[1]) if len(parts) > 1 else None
                self.proto = parts[2] if len(parts) > 2 else None
            elif line.startswith("c=") and (where is self.media or
                                            self.c is None):
                self.c = line.split()[-1]
            elif line.startswith("o="):
                self.origin = line.split()[-1]
            elif line.startswith("a="):
                name, _, value = line[2:].partition(":")
                where.setdefault(name, []).append(value)

    def attr(self, name):
        """The first value of a=@name, media level first, else None."""
        values = self.media.get(name) or self.session.get(name)
        return values[0] if values else None

    def has(self, name):
        return name in self.media or name in self.session

    def candidate(self):
        """(address, port) of the first IPv4 UDP host candidate of
        component 1 (RFC 8839 section 5.1), or None."""
        for value in self.media.get("candidate", []):
            f = value.split()
            if len(f) >= 8 and f[1] == "1" and f[2].upper() == "UDP" and \
                    f[6] == "typ" and f[7] == "host" and "." in f[4]:
                return (RELAY_LOCAL.get(f[4], f[4]), int(f[5]))
        return None


def browser_sdp(browser, setup, chrome=False, ice=True):
    """A browser's audio offer or answer: UDP/TLS/RTP/SAVPF, ICE
    credentials and one host candidate, its fingerprint, a=setup:@setup,
    rtcp-mux, a=mid. With @chrome, as Chrome writes an offer: no default
    candidate (port 9, c=IN IP4 0.0.0.0, RFC 8839 section 4.2.1.2), a
    single-media BUNDLE group, msid-semantic, ice-options:trickle. Without
    @ice, a DTLS-SRTP endpoint that does no ICE: no credentials, no
    candidate."""
    ip, port = browser.addr
    c_ip, m_port = ("0.0.0.0", 9) if chrome else (ip, port)
    session = ["a=group:BUNDLE 0", "a=msid-semantic: WMS"] if chrome else []
    media = ["a=ice-options:trickle"] if chrome else []
    lines = ["v=0", "o=- %d 2 IN IP4 %s" % (secrets.randbelow(10**12), ip),
             "s=-", "t=0 0"] + session + [
             "m=audio %d UDP/TLS/RTP/SAVPF 0 8" % m_port,
             "c=IN IP4 %s" % c_ip, "a=rtcp:%d IN IP4 %s" % (m_port, c_ip)] + \
        (["a=candidate:1467250027 1 udp 2122260223 %s %d typ host "
          "generation 0" % (ip, port),
          "a=ice-ufrag:" + browser.ufrag, "a=ice-pwd:" + browser.pwd]
         if ice else []) + media + ["a=fingerprint:" + browser.sdp_fingerprint,
                 "a=setup:" + setup, "a=mid:0", "a=sendrecv", "a=rtcp-mux",
                 "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000"]
    return "\r\n".join(lines) + "\r\n"


# --- the browser ------------------------------------------------------------------


def fingerprint_of(cert):
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout",
                          "-fingerprint", "-sha256"], check=True,
                         capture_output=True, text=True).stdout
    return "sha-256 " + out.strip().split("=", 1)[1]


class Certs:
    """EC P-256 self-signed certificates from the openssl CLI in a
    temporary directory, removed by close()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rtpgate-webrtc-")

    def new(self, name):
        """(cert path, key path, "sha-256 XX:...")"""
        base = os.path.join(self.dir, "%s-%s" % (name, secrets.token_hex(4)))
        c, k = base + ".pem", base + ".key"
        try:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                            "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                            "-subj", "/CN=" + name, "-days", "30",
                            "-keyout", k, "-out", c], check=True,
                           capture_output=True, timeout=20)
        except (OSError, subprocess.SubprocessError) as e:
            raise CaseError("openssl cannot make a certificate: %r" % e)
        return c, k, fingerprint_of(c)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def peer_path(daemon_path):
    tree = "build-san" if "build-san" in daemon_path else "build"
    path = os.path.join(repo_root(), tree, "tests", "tools", "webrtc_peer")
    if not os.access(path, os.X_OK):
        raise CaseError("%s is not built (make %s)"
                        % (path, os.path.relpath(path, repo_root())))
    return path


def free_port(ip):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


class Browser:
    """A browser at @ip: ICE credentials, a certificate, a port, and the
    webrtc_peer run that speaks for it. .sdp_fingerprint is what its SDP
    claims (its own certificate's unless a case lies)."""

    def __init__(self, ctx, certs, ip, ssrc):
        self.ctx = ctx
        self.addr = (ip, free_port(ip))
        self.ufrag = secrets.token_hex(4)
        self.pwd = secrets.token_hex(12)
        self.cert, self.key, self.fingerprint = certs.new("browser")
        self.sdp_fingerprint = self.fingerprint
        self.ssrc = ssrc
        self.proc = None
        self.result = None
        self.ice = True
        logdir = os.path.join(repo_root(), "build", "test-logs")
        os.makedirs(logdir, exist_ok=True)
        self.log_path = os.path.join(logdir, "webrtc-peer%s.log" % (
            "-san" if "build-san" in ctx.daemon.path else ""))

    def start(self, remote_sdp, peer_ssrc, count=COUNT, fingerprint=None,
              profiles=None, print_keys=False, timeout=8, pwd=None,
              expect=None, linger=0, control=False, drop_dtls=0,
              answering=False, ice=True, role=None):
        """Runs webrtc_peer against what rtpgate's SDP @remote_sdp (an
        Sdp) offers or answers: its candidate, credentials (or the
        password @pwd), fingerprint (or @fingerprint) and a=setup. A
        browser @answering rtpgate's offer is the controlled ICE agent
        (rtpgate's is full and controls, RFC 8445 6.1.1); one whose offer
        rtpgate answered controls. Without @ice it does no ICE and sends to
        the address and port of rtpgate's c= and m= lines. @role: its DTLS
        role, if not the one a browser takes against rtpgate's a=setup."""
        cand = remote_sdp.candidate() if ice else \
            Relay.from_sdp(remote_sdp.text).rtp
        if cand is None or ice and (not remote_sdp.attr("ice-ufrag") or
                                    not remote_sdp.attr("ice-pwd")):
            raise CaseError("no candidate or ICE credentials in:\n%s"
                            % remote_sdp.text)
        self.remote = cand
        self.ice = ice
        role = role or ("server" if remote_sdp.attr("setup") == "active"
                        else "client")
        cmd = [peer_path(self.ctx.daemon.path),
               "--local", fmt(self.addr), "--remote", fmt(cand),
               "--local-ufrag", self.ufrag, "--local-pwd", self.pwd,
               "--remote-ufrag", remote_sdp.attr("ice-ufrag") or "none",
               "--remote-pwd", pwd or remote_sdp.attr("ice-pwd") or "none",
               "--cert", self.cert, "--key", self.key,
               "--remote-fingerprint",
               fingerprint or remote_sdp.attr("fingerprint") or "sha-256 00",
               "--role", role, "--send", str(count), "--ssrc",
               str(self.ssrc), "--pt", "0", "--expect", str(count if expect is None else expect),
               "--expect-ssrc", str(peer_ssrc), "--expect-rtcp", "1",
               "--timeout", str(timeout), "--linger", str(linger),
               "--drop-dtls", str(drop_dtls),
               "--ice", "none" if not ice else
               "controlled" if answering else "full"]
        if profiles:
            cmd += ["--profiles", profiles]
        if print_keys:
            cmd.append("--print-keys")
        self.log = open(self.log_path, "ab")
        self.log_start = self.log.tell()
        if control:
            cmd.append("--control")
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self.log,
            stdin=subprocess.PIPE if control else subprocess.DEVNULL)

    def new_credentials(self):
        """New ICE credentials for the next SDP (an ICE restart)."""
        self.ufrag = secrets.token_hex(4)
        self.pwd = secrets.token_hex(12)

    def restart(self, remote_sdp):
        """Tells the running peer (started with @control) its credentials
        and rtpgate's from @remote_sdp: it restarts ICE."""
        self.proc.stdin.write(("restart %s %s %s %s\n" % (
            self.ufrag, self.pwd, remote_sdp.attr("ice-ufrag"),
            remote_sdp.attr("ice-pwd"))).encode())
        self.proc.stdin.flush()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout=12):
        """The peer's JSON report (a dict, with "exit"); the process is
        killed by its PID if it outlives @timeout."""
        if self.proc is None:
            return self.result
        proc, self.proc = self.proc, None
        try:
            out, _ = proc.communicate(timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            code = "killed"
        self.log.close()
        try:
            self.result = json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.result = {"unparsed": out.decode("utf-8", "replace")}
        self.result["exit"] = code
        with open(self.log_path, "rb") as log:
            log.seek(self.log_start)
            text = log.read().decode("utf-8", "replace")
        if any(p in text for p in SANITIZER_PATTERNS):
            self.ctx.report.fail("webrtc_peer logs no sanitizer report",
                                 text[-2000:])
        return self.result

    def close(self):
        if self.proc is not None:
            self.wait(0.1)

    def problem(self, count=COUNT):
        """A problem with the peer's report of a call that should work."""
        r = self.result or {}
        ok = r.get("exit") == 0 and \
            r.get("ice") == ("ok" if self.ice else "none") and \
            r.get("dtls") == "ok" and r.get("received") == count and \
            r.get("payload_ok") == count and r.get("sent") == count and \
            r.get("rtcp_received", 0) >= 1 and r.get("unprotect_failed") == 0
        if ok and r.get("from") != fmt(self.remote):
            return "the browser's media came from %s, not from rtpgate's " \
                "candidate %s" % (r.get("from"), fmt(self.remote))
        return None if ok else "webrtc_peer reported %r" % (r,)


# --- the phone ----------------------------------------------------------------------


class Phone:
    """The plain RTP party: endpoint @ep sending to @relay (a Relay), SSRC
    @ssrc; it checks that RTP from the browser follows the payload rule
    and carries @peer_ssrc."""

    def __init__(self, ep, relay, ssrc, peer_ssrc):
        self.ep, self.relay = ep, relay
        self.ssrc, self.peer_ssrc = ssrc, peer_ssrc
        self.seq = secrets.randbelow(65536)
        self.ts = secrets.randbelow(1 << 32)
        self.sent = self.rtcp_sent = 0
        self.received, self.good, self.bad = 0, 0, []
        self.rtcp, self.rtcp_good, self.sources = 0, 0, set()

    def rtp_packet(self):
        pkt = struct.pack("!BBHII", 0x80, 0, self.seq, self.ts,
                          self.ssrc) + payload(self.seq)
        self.seq = (self.seq + 1) & 0xffff
        self.ts = (self.ts + PAYLOAD) & 0xffffffff
        return pkt

    def rtcp_packet(self):
        return struct.pack("!BBHIIIIII", 0x80, 200, 6, self.ssrc,
                           int(time.time()) + 2208988800, 0, self.ts,
                           self.sent, self.sent * PAYLOAD)

    def take_rtp(self, data, src):
        self.received += 1
        self.sources.add(("rtp", fmt(src)))
        if len(data) < 12:
            self.bad.append("a %d-byte datagram" % len(data))
            return
        seq, ssrc = struct.unpack("!2xH4xI", data[:12])
        hdr = 12 + 4 * (data[0] & 0x0f)
        if data[0] >> 6 != 2 or data[1] & 0x7f != 0 or ssrc != \
                self.peer_ssrc or data[hdr:] != payload(seq):
            self.bad.append("RTP %s" % data[:16].hex())
        else:
            self.good += 1

    def take_rtcp(self, data, src):
        """The browser's SRTCP sender report, decrypted: 28 octets of plain
        RTCP (no SRTCP index or tag) from the browser's SSRC."""
        self.rtcp += 1
        self.sources.add(("rtcp", fmt(src)))
        if len(data) == 28 and data[:2] == b"\x80\xc8" and \
                struct.unpack("!I", data[4:8])[0] == self.peer_ssrc:
            self.rtcp_good += 1
        else:
            self.bad.append("RTCP %s" % data[:32].hex())

    def talk(self, browser, count=COUNT, timeout=10.0, eager=False,
             midway=None):
        """Runs while the browser's peer does: from the browser's first
        RTP on (@eager: at once), sends @count RTP packets 20 ms apart (and
        an RTCP sender report a second); reads what arrives until the peer
        is done. @midway (seconds, fn): fn() runs once, that long after the
        phone began sending."""
        deadline = time.monotonic() + timeout
        next_rtp = next_rtcp = started = None
        ended = None
        while time.monotonic() < deadline:
            now = time.monotonic()
            if ended is None and not browser.running():
                ended = now
            if ended is not None and now - ended > 0.3:
                break
            if next_rtp is None and (self.received or eager):
                next_rtp = next_rtcp = started = now
            if midway and started is not None and \
                    now - started >= midway[0]:
                midway[1]()
                midway = None
            if next_rtp is not None and self.sent < count and \
                    now >= next_rtp:
                send(self.ep.rtp, self.rtp_packet(), self.relay.rtp)
                self.sent += 1
                next_rtp += 0.02
            if next_rtcp is not None and now >= next_rtcp:
                send(self.ep.rtcp, self.rtcp_packet(), self.relay.rtcp)
                self.rtcp_sent += 1
                next_rtcp = now + 1.0
            self.read(0.005)

    def read(self, wait):
        ready, _, _ = select.select([self.ep.rtp, self.ep.rtcp], [], [], wait)
        for sock in ready:
            data, src = sock.recvfrom(65536)
            if sock is self.ep.rtp:
                self.take_rtp(data, src)
            else:
                self.take_rtcp(data, src)

    def problem(self, count=COUNT):
        want = {("rtp", fmt(self.relay.rtp)), ("rtcp", fmt(self.relay.rtcp))}
        if self.bad:
            return "the phone got %d bad packet(s), first: %s" % (
                len(self.bad), self.bad[0])
        if self.good != count or self.rtcp_good < 1:
            return "the phone got %d/%d RTP and %d RTCP packets" % (
                self.good, count, self.rtcp_good)
        if self.sources != want:
            return "the phone's packets came from %r, wanted %r" % (
                sorted(self.sources), sorted(want))
        return None


class MediaSocket(socket.socket):
    """A UDP socket that passes over STUN (RFC 7983: first byte 0..3):
    rtpgate's full ICE agent keeps sending consent checks to the browser's
    address, which a test reading media must not take for media."""

    def recvfrom(self, bufsize, *flags):
        while True:
            data, src = super().recvfrom(bufsize, *flags)
            if not data or data[0] > 3:
                return data, src


class MuxParty:
    """The browser's address once its peer is gone: one socket for RTP and
    RTCP (rtcp-mux), as srtpkit.Bridge wants an endpoint."""

    def __init__(self, addr):
        self.ip = addr[0]
        self.rtp = self.rtcp = MediaSocket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(addr)

    def close(self):
        self.rtp.close()



class Webrtc:
    """One case's certificates and browsers, closed together."""

    def __init__(self, ctx):
        self.ctx, self.certs, self.browsers = ctx, Certs(), []

    def __enter__(self):
        return self

    def browser(self, ip, ssrc):
        b = Browser(self.ctx, self.certs, ip, ssrc)
        self.browsers.append(b)
        return b

    def __exit__(self, *exc):
        for b in self.browsers:
            b.close()
        self.certs.close()


def exported_keys(result):
    """The browser's (tx, rx) master key || salt from the keying material
    its peer printed (SRTP_AES128_CM_SHA1_80; RFC 5764 section 4.2: client
    key, server key, client salt, server salt; the browser is the client)."""
    try:
        km = bytes.fromhex(result["keying_material"])
    except (KeyError, ValueError):
        raise CaseError("webrtc_peer printed no keys: %r" % (result,))
    if len(km) != 60:
        raise CaseError("%d octets of keying material" % len(km))
    return km[0:16] + km[32:46], km[16:32] + km[46:60]
