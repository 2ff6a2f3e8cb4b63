#!/usr/bin/python3
"""webrtc_peer_check.py - checks tests/tools/webrtc_peer without rtpgate.

    webrtc_peer_check.py [--peer build/tests/tools/webrtc_peer]

  - its STUN codec against the RFC 5769 vectors (--selftest);
  - DTLS-SRTP against `openssl s_server -dtls1_2 -use_srtp ... -keymatexport
    EXTRACTOR-dtls_srtp`: the handshake completes and both export the same
    60 octets; a wrong --remote-fingerprint fails the handshake;
  - two peers back to back on 127.0.0.1 (a full controlling ICE agent and
    DTLS client, a lite one and DTLS server): ICE, DTLS and SRTP + SRTCP
    both ways for each protection profile; with the wrong fingerprint on
    either side, DTLS fails and no media is decrypted.

Certificates come from the `openssl` CLI, fingerprints from
`openssl x509 -fingerprint -sha256`. Every process it starts is stopped by
its PID. Prints "ok - ..." / "FAIL - ..." and "N passed, M failed".
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

PROFILES = ["SRTP_AES128_CM_SHA1_80", "SRTP_AES128_CM_SHA1_32",
            "SRTP_AEAD_AES_128_GCM"]


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, sentence, problem):
        if problem:
            self.failed += 1
            print("FAIL - %s\n    %s" % (sentence, problem))
        else:
            self.passed += 1
            print("ok - %s" % sentence)


def cert(directory, name):
    """(cert path, key path, "sha-256 XX:...") of a new EC P-256 cert."""
    c, k = (os.path.join(directory, name + s) for s in (".pem", ".key"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj",
                    "/CN=" + name, "-days", "30", "-keyout", k, "-out", c],
                   check=True, capture_output=True)
    out = subprocess.run(["openssl", "x509", "-in", c, "-noout",
                          "-fingerprint", "-sha256"], check=True,
                         capture_output=True, text=True).stdout
    return c, k, "sha-256 " + out.strip().split("=", 1)[1]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def finish(proc, timeout):
    """(stdout, rc) of @proc, killed by its PID if it outlives @timeout."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return out, None
    return out, proc.returncode


def result(out):
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"unparsed": out}


def s_server(peer, tally, tmp):
    srv, cli = cert(tmp, "server"), cert(tmp, "client")
    wrong = cert(tmp, "other")[2]
    for fp, good in ((srv[2], True), (wrong, False)):
        port = free_port()
        server = subprocess.Popen(
            ["openssl", "s_server", "-dtls1_2", "-accept",
             "127.0.0.1:%d" % port, "-cert", srv[0], "-key", srv[1],
             "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport",
             "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60", "-verify",
             "1", "-naccept", "1"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(0.4)
            client = subprocess.run(
                [peer, "--local", "127.0.0.1:%d" % free_port(), "--remote",
                 "127.0.0.1:%d" % port, "--cert", cli[0], "--key", cli[1],
                 "--remote-fingerprint", fp, "--ice", "none", "--role",
                 "client", "--print-keys", "--timeout", "4"],
                capture_output=True, text=True, timeout=10)
        finally:
            out, _ = finish(server, 1)
        got = result(client.stdout)
        if good:
            keys = [line.split(":", 1)[1].strip().lower()
                    for line in out.splitlines()
                    if "Keying material:" in line]
            tally.check(
                "against openssl s_server: DTLS 1.2 completes with "
                "SRTP_AES128_CM_SHA1_80 and both sides export the same "
                "EXTRACTOR-dtls_srtp keying material",
                None if client.returncode == 0 and got.get("profile") ==
                "SRTP_AES128_CM_SHA1_80" and keys and
                keys[0] == got.get("keying_material") else
                "peer %r rc %d, s_server exported %r"
                % (got, client.returncode, keys))
        else:
            tally.check(
                "against openssl s_server: a certificate that does not match "
                "--remote-fingerprint fails the handshake (exit 1)",
                None if client.returncode == 1 and
                got.get("dtls", "").startswith("failed") and
                "fingerprint" in got["dtls"] else
                "peer %r rc %d" % (got, client.returncode))


def pair(peer, a_cert, b_cert, profile, a_sees, b_sees, count=50):
    """Runs A (full ICE, DTLS client) and B (lite ICE, DTLS server) against
    each other; @a_sees / @b_sees: the fingerprint each is told. Returns
    ((json, rc) of A, (json, rc) of B)."""
    pa, pb = free_port(), free_port()
    common = ["--send", str(count), "--expect", str(count), "--expect-rtcp",
              "1", "--timeout", "6", "--profiles", profile]
    b = subprocess.Popen(
        [peer, "--local", "127.0.0.1:%d" % pb, "--remote",
         "127.0.0.1:%d" % pa, "--local-ufrag", "bUfr", "--local-pwd",
         "bbbbbbbbbbbbbbbbbbbbbbbb", "--remote-ufrag", "aUfr",
         "--remote-pwd", "aaaaaaaaaaaaaaaaaaaaaaaa", "--cert", b_cert[0],
         "--key", b_cert[1], "--remote-fingerprint", b_sees, "--role",
         "server", "--ice", "lite", "--ssrc", "222", "--expect-ssrc", "111"]
        + common, stdout=subprocess.PIPE, text=True)
    try:
        a = subprocess.run(
            [peer, "--local", "127.0.0.1:%d" % pa, "--remote",
             "127.0.0.1:%d" % pb, "--local-ufrag", "aUfr", "--local-pwd",
             "aaaaaaaaaaaaaaaaaaaaaaaa", "--remote-ufrag", "bUfr",
             "--remote-pwd", "bbbbbbbbbbbbbbbbbbbbbbbb", "--cert",
             a_cert[0], "--key", a_cert[1], "--remote-fingerprint", a_sees,
             "--role", "client", "--ice", "full", "--ssrc", "111",
             "--expect-ssrc", "222"] + common,
            capture_output=True, text=True, timeout=10)
    finally:
        out, rc = finish(b, 8)
    return (result(a.stdout), a.returncode), (result(out), rc)


def back_to_back(peer, tally, tmp):
    a, b = cert(tmp, "alice"), cert(tmp, "bob")
    for profile in PROFILES:
        (ga, ra), (gb, rb) = pair(peer, a, b, profile, b[2], a[2])
        ok = ra == 0 and rb == 0 and all(
            g.get("profile") == profile and g.get("received") == 50 and
            g.get("payload_ok") == 50 and g.get("rtcp_received", 0) >= 1
            for g in (ga, gb)) and ga.get("ice_responses", 0) >= 1 and \
            gb.get("ice_answered", 0) >= 1
        tally.check("two peers back to back, %s: ICE, DTLS and 50 SRTP "
                    "packets plus SRTCP each way, every payload right"
                    % profile, None if ok else "A %r rc %s\n    B %r rc %s"
                    % (ga, ra, gb, rb))
    wrong = cert(tmp, "mallory")[2]
    for who, a_sees, b_sees in (("the client", wrong, a[2]),
                                ("the server", b[2], wrong)):
        (ga, ra), (gb, rb) = pair(peer, a, b, PROFILES[0], a_sees, b_sees)
        ok = ra == 1 and rb == 1 and all(
            g.get("dtls", "").startswith("failed") and
            g.get("received") == 0 for g in (ga, gb))
        tally.check("a wrong fingerprint at %s fails DTLS on both sides and "
                    "no media is decrypted" % who,
                    None if ok else "A %r rc %s\n    B %r rc %s"
                    % (ga, ra, gb, rb))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peer", default="build/tests/tools/webrtc_peer")
    args = ap.parse_args()
    tally = Tally()
    st = subprocess.run([args.peer, "--selftest"], capture_output=True,
                        text=True, timeout=60)
    tally.check("webrtc_peer --selftest: the STUN codec passes the RFC 5769 "
                "vectors", None if st.returncode == 0 and
                st.stdout.rstrip().endswith(" 0 failed") else st.stdout)
    usage = subprocess.run([args.peer, "--local", "x"], capture_output=True)
    tally.check("a bad option is a usage error (exit 2)",
                None if usage.returncode == 2 else
                "exit %d" % usage.returncode)
    with tempfile.TemporaryDirectory() as tmp:
        s_server(args.peer, tally, tmp)
        back_to_back(args.peer, tally, tmp)
    print("%d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
