"""cases_webrtc - WebRTC bridging (ICE + DTLS-SRTP + rtcp-mux on one side,
plain RTP/AVP on the other) against a browser-like peer that shares no code
with rtpgated: tests/tools/webrtc_peer (OpenSSL and libsrtp2 alone), with
its certificate made by the `openssl` CLI and the SDP written and read here.

    browser: webrtc_peer (127.0.0.8x) --ICE/DTLS/SRTP+SRTCP, one port-->
        rtpgated --RTP, RTCP on port + 1--> phone: sockets (127.0.0.9x)

NG requests carry the flag sets of the OpenSIPS/Kamailio WebRTC set-ups:
browser -> phone: offer "RTP/AVP replace-origin ICE=remove", answer
"UDP/TLS/RTP/SAVPF ICE=force"; phone -> browser: offer "UDP/TLS/RTP/SAVPF
ICE=force", answer "RTP/AVP replace-origin ICE=remove" (sent as Kamailio's
rtpengine module sends them: transport-protocol, replace: [origin], ICE).

The payload rule shared with webrtc_peer: the 160-octet payload of the
packet with sequence number s has octet i = (s * 7 + i) & 0xff.
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
import types

from cases_sdes import dropped_as, errors_problem, replay, tampered
from mediakit import (CaseError, Relay, RELAY_LOCAL, first_problem, fmt,
                      send, sdp, silence)
from ngclient import SANITIZER_PATTERNS, repo_root
from srtpkit import Bridge, Crypto, Peers, RtpSource

PAYLOAD = 160
COUNT = 50                      # RTP packets each way, 20 ms apart
BROWSER_TO_PHONE = {"offer": {"transport_protocol": "RTP/AVP",
                              "replace": ["origin"], "ICE": "remove"},
                    "answer": {"transport_protocol": "UDP/TLS/RTP/SAVPF",
                               "ICE": "force"}}
PHONE_TO_BROWSER = {"offer": {"transport_protocol": "UDP/TLS/RTP/SAVPF",
                              "ICE": "force"},
                    "answer": {"transport_protocol": "RTP/AVP",
                               "replace": ["origin"], "ICE": "remove"}}
ICE_DTLS_ATTRS = ("ice-ufrag", "ice-pwd", "ice-lite", "ice-options",
                  "candidate", "end-of-candidates", "fingerprint", "setup")


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


def browser_sdp(browser, setup, chrome=False):
    """A browser's audio offer or answer: UDP/TLS/RTP/SAVPF, ICE
    credentials and one host candidate, its fingerprint, a=setup:@setup,
    rtcp-mux, a=mid. With @chrome, as Chrome writes an offer: no default
    candidate (port 9, c=IN IP4 0.0.0.0, RFC 8839 section 4.2.1.2), a
    single-media BUNDLE group, msid-semantic, ice-options:trickle."""
    ip, port = browser.addr
    c_ip, m_port = ("0.0.0.0", 9) if chrome else (ip, port)
    session = ["a=group:BUNDLE 0", "a=msid-semantic: WMS"] if chrome else []
    media = ["a=ice-options:trickle"] if chrome else []
    lines = ["v=0", "o=- %d 2 IN IP4 %s" % (secrets.randbelow(10**12), ip),
             "s=-", "t=0 0"] + session + [
             "m=audio %d UDP/TLS/RTP/SAVPF 0 8" % m_port,
             "c=IN IP4 %s" % c_ip, "a=rtcp:%d IN IP4 %s" % (m_port, c_ip),
             "a=candidate:1467250027 1 udp 2122260223 %s %d typ host "
             "generation 0" % (ip, port),
             "a=ice-ufrag:" + browser.ufrag, "a=ice-pwd:" + browser.pwd] + \
        media + ["a=fingerprint:" + browser.sdp_fingerprint,
                 "a=setup:" + setup, "a=mid:0", "a=sendrecv", "a=rtcp-mux",
                 "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000"]
    return "\r\n".join(lines) + "\r\n"


def plain_problem(s):
    """A problem with the SDP @s a plain RTP/AVP phone gets."""
    left = [a for a in ICE_DTLS_ATTRS if s.has(a)]
    if s.proto != "RTP/AVP" or left:
        return "the phone's SDP is %s with a=%s:\n%s" % (s.proto, left, s.text)
    return None


def webrtc_problem(s, setup, relay):
    """A problem with the SDP @s the browser gets from rtpgate, whose RTP
    port for the browser is @relay."""
    cand = s.candidate()
    fp = (s.attr("fingerprint") or "").split()
    missing = [a for a in ("ice-ufrag", "ice-pwd", "rtcp-mux")
               if not s.has(a)]
    problem = None
    if s.proto != "UDP/TLS/RTP/SAVPF" or missing:
        problem = "%s without a=%s" % (s.proto, missing)
    elif cand is None or cand != (relay.ip, relay.rtp_port):
        problem = "host candidate %r, wanted rtpgate's %s" % (
            cand, fmt(relay.rtp))
    elif len(fp) != 2 or fp[0].lower() != "sha-256" or \
            len(bytes.fromhex(fp[1].replace(":", ""))) != 32:
        problem = "a=fingerprint:%s is not a sha-256 fingerprint" % " ".join(fp)
    elif s.attr("setup") != setup:
        problem = "a=setup:%s, wanted %s" % (s.attr("setup"), setup)
    elif "ice-lite" not in s.session:
        problem = "no session-level a=ice-lite"
    return problem and "%s in the browser's SDP:\n%s" % (problem, s.text)


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
        c, k = (os.path.join(self.dir, name + s) for s in (".pem", ".key"))
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
        logdir = os.path.join(repo_root(), "build", "test-logs")
        os.makedirs(logdir, exist_ok=True)
        self.log_path = os.path.join(logdir, "webrtc-peer%s.log" % (
            "-san" if "build-san" in ctx.daemon.path else ""))

    def start(self, remote_sdp, peer_ssrc, count=COUNT, fingerprint=None,
              profiles=None, print_keys=False, timeout=8):
        """Runs webrtc_peer against what rtpgate's SDP @remote_sdp (an
        Sdp) offers or answers: its candidate, credentials, fingerprint
        (or @fingerprint) and a=setup."""
        cand = remote_sdp.candidate()
        if cand is None or not remote_sdp.attr("ice-ufrag") or \
                not remote_sdp.attr("ice-pwd"):
            raise CaseError("no candidate or ICE credentials in:\n%s"
                            % remote_sdp.text)
        self.remote = cand
        role = "server" if remote_sdp.attr("setup") == "active" else "client"
        cmd = [peer_path(self.ctx.daemon.path),
               "--local", fmt(self.addr), "--remote", fmt(cand),
               "--local-ufrag", self.ufrag, "--local-pwd", self.pwd,
               "--remote-ufrag", remote_sdp.attr("ice-ufrag"),
               "--remote-pwd", remote_sdp.attr("ice-pwd"),
               "--cert", self.cert, "--key", self.key,
               "--remote-fingerprint",
               fingerprint or remote_sdp.attr("fingerprint") or "sha-256 00",
               "--role", role, "--send", str(count), "--ssrc",
               str(self.ssrc), "--pt", "0", "--expect", str(count),
               "--expect-ssrc", str(peer_ssrc), "--expect-rtcp", "1",
               "--timeout", str(timeout)]
        if profiles:
            cmd += ["--profiles", profiles]
        if print_keys:
            cmd.append("--print-keys")
        self.log = open(self.log_path, "ab")
        self.log_start = self.log.tell()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=self.log)

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
        ok = r.get("exit") == 0 and r.get("ice") == "ok" and \
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

    def talk(self, browser, count=COUNT, timeout=10.0):
        """Runs while the browser's peer does: from the browser's first
        RTP on, sends @count RTP packets 20 ms apart (and an RTCP sender
        report a second); reads what arrives until the peer is done."""
        deadline = time.monotonic() + timeout
        next_rtp = next_rtcp = None
        ended = None
        while time.monotonic() < deadline:
            now = time.monotonic()
            if ended is None and not browser.running():
                ended = now
            if ended is not None and now - ended > 0.3:
                break
            if next_rtp is None and self.received:
                next_rtp = next_rtcp = now
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


# --- the cases ----------------------------------------------------------------------


def origin_problem(s, browser):
    """replace-origin: o= names rtpgate's address, not the browser's."""
    if s.origin != s.c or s.origin == browser.addr[0]:
        return "o= says %s, c= says %s:\n%s" % (s.origin, s.c, s.text)
    return None


def exchange(ctx, browser, phone, rtpgate_sdp, what):
    """Runs the browser's peer against @rtpgate_sdp and the phone beside
    it; checks media both ways and the call's error counters."""
    browser.start(rtpgate_sdp, phone.ssrc)
    try:
        phone.talk(browser)
    finally:
        browser.wait()
    ctx.check("%s: ICE and DTLS complete, and the browser's %d SRTP packets "
              "and its SRTCP reach the phone as plain RTP on its RTP port "
              "and plain RTCP on its RTCP port, from rtpgate's ports, every "
              "payload intact" % (what, COUNT), phone.problem())
    ctx.check("%s: the phone's %d RTP packets and its RTCP reach the browser "
              "as SRTP and SRTCP from rtpgate's candidate, which an "
              "independent libsrtp decrypts to intact payloads"
              % (what, COUNT), browser.problem())


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


def browser_calls(ctx, w, b_ip, p_ip, name, lie=None, setup="actpass"):
    """browser -> phone up to the answer (a Chrome-style offer with
    a=setup:@setup), the browser's SDP claiming fingerprint @lie if given;
    returns (call, browser, phone, rtpgate's SDP for the browser, rtpgate's
    SDP for the phone)."""
    browser = w.browser(b_ip, 0x0b0b0000 + secrets.randbelow(1 << 16))
    if lie:
        browser.sdp_fingerprint = lie
    phone_ep = ctx.endpoint(p_ip)
    call = ctx.call(name)
    offer = Sdp(call.offer(browser_sdp(browser, setup, chrome=True),
                           **BROWSER_TO_PHONE["offer"])["sdp"])
    answer = Sdp(call.answer(sdp(phone_ep),
                             **BROWSER_TO_PHONE["answer"])["sdp"])
    phone = Phone(phone_ep, call.b, 0x0f0f0000 + secrets.randbelow(1 << 16),
                  browser.ssrc)
    return call, browser, phone, answer, offer


def browser_to_phone(ctx):
    with Webrtc(ctx) as w:
        call, browser, phone, answer, offer = browser_calls(
            ctx, w, "127.0.0.81", "127.0.0.91", "webrtc-b2p")
        ctx.check("browser -> phone: the browser's offer, sent with "
                  "RTP/AVP replace-origin ICE=remove, reaches the phone as "
                  "RTP/AVP without ICE or DTLS attributes and with "
                  "rtpgate's origin", first_problem(
                      plain_problem(offer), origin_problem(offer, browser)))
        ctx.check("browser -> phone: the phone's answer, sent with "
                  "UDP/TLS/RTP/SAVPF ICE=force, reaches the browser as "
                  "UDP/TLS/RTP/SAVPF with ICE credentials, rtpgate's host "
                  "candidate, a sha-256 fingerprint, a=setup:passive, "
                  "a=rtcp-mux and session-level a=ice-lite",
                  webrtc_problem(answer, "passive", call.a))
        ctx.check("browser -> phone: the answer to the browser carries its "
                  "offer's a=mid:0 though the phone's answer had none",
                  None if answer.attr("mid") == "0" else answer.text)
        exchange(ctx, browser, phone, answer, "browser -> phone")
        ctx.check("browser -> phone: query counts no errors after a call "
                  "whose every packet verified",
                  errors_problem(types.SimpleNamespace(call=call)))
        call.delete()


def before_nomination_problem(ctx, browser, phone):
    """Nothing reaches the browser before it nominates; the phone's RTP and
    RTCP are dropped and counted (as no-destination: a Chrome-style offer
    names no address; or as ice-no-consent)."""
    party = MuxParty(browser.addr)
    before = ctx.drops()
    try:
        send(phone.ep.rtp, phone.rtp_packet(), phone.relay.rtp)
        send(phone.ep.rtcp, phone.rtcp_packet(), phone.relay.rtcp)
        quiet = silence(party.rtp, 0.4)
    finally:
        party.close()
    after = ctx.drops()
    delta = {k: v - before.get(k, 0) for k, v in after.items()
             if v != before.get(k, 0)}
    counted = delta in ({"no-destination": 2}, {"ice-no-consent": 2})
    return first_problem(quiet, None if counted else
                         "the drops counters changed by %r" % delta)


def browser_passive(ctx):
    """The browser offers a=setup:passive: rtpgate answers active and is
    the DTLS client; the browser's peer is the server."""
    with Webrtc(ctx) as w:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.86", "127.0.0.96", "webrtc-passive",
            setup="passive")
        ctx.check("a browser offering a=setup:passive is answered "
                  "a=setup:active, with ICE, rtpgate's candidate, "
                  "fingerprint, rtcp-mux and ice-lite",
                  webrtc_problem(answer, "active", call.a))
        ctx.check("before the browser has nominated, nothing the phone "
                  "sends reaches the browser's address, and it is counted "
                  "as dropped", before_nomination_problem(ctx, browser, phone))
        exchange(ctx, browser, phone, answer, "browser as DTLS server")
        call.delete()


ALL_PROFILES = ["SRTP_AES128_CM_SHA1_32", "SRTP_AES128_CM_SHA1_80",
                "SRTP_AEAD_AES_128_GCM", "SRTP_AEAD_AES_256_GCM"]


def profiles(ctx):
    """Each DTLS-SRTP protection profile alone, then all four offered in
    the reverse of rtpgate's preference."""
    with Webrtc(ctx) as w:
        for i, offered in enumerate(ALL_PROFILES + [":".join(ALL_PROFILES)]):
            call, browser, phone, answer, _ = browser_calls(
                ctx, w, "127.0.0.87", "127.0.0.97", "webrtc-profile")
            browser.start(answer, phone.ssrc, count=10, profiles=offered)
            try:
                phone.talk(browser, count=10)
            finally:
                r = browser.wait()
            want = offered if i < len(ALL_PROFILES) else \
                "SRTP_AEAD_AES_256_GCM"
            what = "a browser offering only %s" % offered \
                if i < len(ALL_PROFILES) else "a browser offering all four " \
                "profiles, AEAD_AES_256_GCM last"
            ctx.check("%s gets %s, and media crosses both ways"
                      % (what, want), first_problem(
                          None if r.get("profile") == want else
                          "negotiated %r" % r.get("profile"),
                          browser.problem(10), phone.problem(10)))
            call.delete()


def peer_checks(ctx):
    """tests/tools/webrtc_peer_check.py: the browser's peer against the
    RFC 5769 vectors, openssl s_server, and itself."""
    script = os.path.join(repo_root(), "tests", "tools",
                          "webrtc_peer_check.py")
    try:
        out = subprocess.run(["/usr/bin/python3", script, "--peer",
                              peer_path(ctx.daemon.path)],
                             capture_output=True, text=True, timeout=90)
        text, code = out.stdout, out.returncode
    except subprocess.TimeoutExpired as e:
        text, code = str(e), "timeout"
    ctx.check("the browser's peer passes its own checks without rtpgate "
              "(RFC 5769 vectors, keys equal to openssl s_server's, back to "
              "back in every profile, wrong fingerprints refused)",
              None if code == 0 else "webrtc_peer_check.py exit %s:\n%s"
              % (code, text[-3000:]))


def phone_to_browser(ctx):
    with Webrtc(ctx) as w:
        browser = w.browser("127.0.0.92", 0x0b0c0000 +
                            secrets.randbelow(1 << 16))
        phone_ep = ctx.endpoint("127.0.0.82")
        call = ctx.call("webrtc-p2b")
        offer = Sdp(call.offer(sdp(phone_ep),
                               **PHONE_TO_BROWSER["offer"])["sdp"])
        ctx.check("phone -> browser: the phone's offer, sent with "
                  "UDP/TLS/RTP/SAVPF ICE=force, reaches the browser as "
                  "UDP/TLS/RTP/SAVPF with ICE credentials, rtpgate's host "
                  "candidate, a sha-256 fingerprint, a=setup:actpass, "
                  "a=rtcp-mux and session-level a=ice-lite",
                  webrtc_problem(offer, "actpass", call.b))
        answer = Sdp(call.answer(browser_sdp(browser, "active"),
                                 **PHONE_TO_BROWSER["answer"])["sdp"])
        ctx.check("phone -> browser: the browser's answer (a=setup:active), "
                  "sent with RTP/AVP replace-origin ICE=remove, reaches the "
                  "phone as RTP/AVP without ICE or DTLS attributes and with "
                  "rtpgate's origin", first_problem(
                      plain_problem(answer), origin_problem(answer, browser)))
        phone = Phone(phone_ep, call.a, 0x0f0e0000 +
                      secrets.randbelow(1 << 16), browser.ssrc)
        exchange(ctx, browser, phone, offer, "phone -> browser")
        call.delete()



class MuxParty:
    """The browser's address once its peer is gone: one socket for RTP and
    RTCP (rtcp-mux), as srtpkit.Bridge wants an endpoint."""

    def __init__(self, addr):
        self.ip = addr[0]
        self.rtp = self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(addr)

    def close(self):
        self.rtp.close()


def no_media_problem(ctx, browser, phone):
    """With the browser's peer gone and no DTLS keys, nothing the phone
    sends reaches the browser's address (neither plain nor encrypted), and
    an RTP-looking datagram from the browser's address never reaches the
    phone."""
    party = MuxParty(browser.addr)
    try:
        send(phone.ep.rtp, phone.rtp_packet(), phone.relay.rtp)
        send(phone.ep.rtcp, phone.rtcp_packet(), phone.relay.rtcp)
        quiet = silence(party.rtp, 0.5)
        send(party.rtp, RtpSource().next(), browser.remote)
        return first_problem(quiet, silence(phone.ep.rtp, 0.5),
                             silence(phone.ep.rtcp, 0.05))
    finally:
        party.close()


def wrong_fingerprint(ctx):
    with Webrtc(ctx) as w:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.83", "127.0.0.93", "webrtc-badfp",
            lie=w.certs.new("mallory")[2])
        started = time.monotonic()
        browser.start(answer, phone.ssrc, timeout=6)
        phone.talk(browser, timeout=8)
        r = browser.wait()
        ctx.check("a browser whose certificate does not match the "
                  "fingerprint in its SDP gets through ICE but fails the "
                  "DTLS handshake, and no packet reaches the phone",
                  None if r.get("ice") == "ok" and
                  str(r.get("dtls", "")).startswith("failed") and
                  r.get("exit") == 1 and phone.received == 0 and
                  phone.rtcp == 0 else "webrtc_peer %r; the phone got %d "
                  "RTP, %d RTCP" % (r, phone.received, phone.rtcp))
        ctx.check("rtpgate ends the refused handshake with an alert (the "
                  "browser fails long before its 6 s timeout)",
                  None if time.monotonic() - started < 4 else
                  "webrtc_peer ran %.1f s: %r" % (time.monotonic() - started,
                                                  r.get("dtls")))
        ctx.check("after the refused handshake, no media flows: the phone's "
                  "RTP reaches the browser neither plain nor encrypted, and "
                  "RTP from the browser's address is not forwarded",
                  no_media_problem(ctx, browser, phone))
        call.delete()
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.84", "127.0.0.94", "webrtc-badfp2")
        browser.start(answer, phone.ssrc, timeout=6,
                      fingerprint=w.certs.new("other")[2])
        phone.talk(browser, timeout=8)
        r = browser.wait()
        ctx.check("a browser that finds rtpgate's certificate does not "
                  "match rtpgate's a=fingerprint aborts the handshake, and "
                  "no media flows either way", first_problem(
                      None if str(r.get("dtls", "")).startswith(
                          "failed: the peer's certificate does not match")
                      and phone.received == 0 else "webrtc_peer %r; the "
                      "phone got %d RTP" % (r, phone.received),
                      no_media_problem(ctx, browser, phone)))
        call.delete()


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


def drops(ctx):
    """A working call, then the browser's address driven by srtp_peer keyed
    with the keys DTLS exported: bad tags and replays are dropped and
    counted like SDES-SRTP's."""
    suite = "AES_CM_128_HMAC_SHA1_80"
    with Webrtc(ctx) as w, Peers(ctx) as peers:
        call, browser, phone, answer, _ = browser_calls(
            ctx, w, "127.0.0.85", "127.0.0.95", "webrtc-drops")
        browser.start(answer, phone.ssrc, count=10,
                      profiles="SRTP_AES128_CM_SHA1_80", print_keys=True)
        phone.talk(browser, count=10)
        r = browser.wait()
        if browser.problem(10) or phone.problem(10):
            raise CaseError("the call did not carry media first: %s"
                            % first_problem(browser.problem(10),
                                            phone.problem(10)))
        tx, rx = exported_keys(r)
        peer = peers.new()
        peer.key("tx", Crypto(1, suite, tx))
        peer.key("rx", Crypto(1, suite, rx))
        party = MuxParty(browser.addr)
        try:
            call.a = Relay(browser.remote[0], browser.remote[1],
                           browser.remote[1])
            b = Bridge(call, phone.ep, "b", party, peer, suite)
            drop_checks(ctx, b)
        finally:
            party.close()
        call.delete()


def drop_checks(ctx, b):
    ctx.check("DTLS-SRTP drops: SRTP under the DTLS-exported keys, from the "
              "browser's address, still crosses both ways once its peer is "
              "gone", b.exchange(1))
    ctx.check("DTLS-SRTP: SRTP from the browser with a corrupted auth tag is "
              "dropped, not forwarded, and counted in drops.srtp-auth and "
              "its stream's errors in query",
              dropped_as(ctx, b, "srtp-auth",
                         tampered(b.peer.protect(b.srtp_src.next()))))
    srtp, problem = replay(b)
    ctx.check("DTLS-SRTP: an SRTP packet from the browser sent again is "
              "dropped and counted in drops.srtp-replay",
              first_problem(problem, dropped_as(ctx, b, "srtp-replay", srtp)))
    ctx.check("DTLS-SRTP: muxed SRTCP from the browser with a corrupted tag "
              "is dropped and counted in drops.srtp-auth and once in the "
              "errors of the browser's streams", muxed_rtcp_dropped(ctx, b))
    ctx.check("DTLS-SRTP: after the drops, SRTP still flows both ways",
              b.exchange(2))


def muxed_rtcp_dropped(ctx, b):
    """Like cases_sdes.dropped_as for SRTCP on the RTP port: with rtcp-mux
    the error may be booked on either of the browser's streams."""
    def errors():
        streams = b.call.streams(b.srtp_tag)
        return sum(s.get("stats", {}).get("errors", 0)
                   for s in streams.values())
    before = errors()
    problem = ctx.dropped("srtp-auth", b.srtp.rtp, b.srtp_relay.rtp,
                          [b.plain.rtcp, b.plain.rtp], tampered(
                              b.peer.protect(b.srtp_src.rtcp(), True)))
    delta = errors() - before
    return first_problem(problem, None if delta == 1 else
                         "the streams' errors grew by %d, wanted 1" % delta)


CASES = [
    ("webrtc: the browser peer's own checks", peer_checks),
    ("webrtc: browser calls phone", browser_to_phone),
    ("webrtc: phone calls browser", phone_to_browser),
    ("webrtc: browser as DTLS server", browser_passive),
    ("webrtc: DTLS-SRTP profiles", profiles),
    ("webrtc: wrong fingerprint", wrong_fingerprint),
    ("webrtc: SRTP drops under DTLS keys", drops),
]
