#!/usr/bin/python3
"""run_browser.py - a real browser calls a plain RTP phone through rtpgated.

    run_browser.py --daemon build/rtpgated [--chromium PATH] [--only TEXT]
                   [--no-netns]

    headless Chromium --ICE (full agent) + DTLS-SRTP + SRTP, rtcp-mux-->
        rtpgated (ICE, 127.0.0.1) --RTP/AVP PCMU, RTCP on port + 1-->
            phone: Python sockets on 127.0.0.9x

No SIP: this runner plays the SIP proxy. It talks NG to rtpgated with the
flag sets the OpenSIPS and Kamailio WebRTC tutorials send, in both call
directions:

    browser -> phone  offer  transport-protocol RTP/AVP, ICE=remove,
                             replace-origin
                      answer transport-protocol UDP/TLS/RTP/SAVPF, ICE=force
    phone -> browser  offer  transport-protocol UDP/TLS/RTP/SAVPF, ICE=force
                      answer transport-protocol RTP/AVP, ICE=remove,
                             replace-origin

The browser is Debian's chromium, headless, with a fake microphone that
plays a 440 Hz tone (a WAV file written here). It loads page.html from a
small HTTP server on 127.0.0.1 and runs what this runner asks of it
(browserkit.py): getUserMedia, RTCPeerConnection with no ICE servers,
offer or answer (sent once ICE gathering is complete, or early: see
below), getStats(). The phone (phonekit.py) sends a
1000 Hz PCMU tone at 50 packets/s and records what reaches it.

Checked per direction: the SDP each side gets (no ICE or DTLS towards the
phone; ICE credentials, a 127.0.0.1 candidate, a fingerprint, a=setup and
rtcp-mux towards the browser); the browser accepts it and reaches ICE and
DTLS "connected" on a 127.0.0.1 pair; the phone receives decrypted RTP
from the relay port its SDP names (version 2, PCMU, one SSRC, consecutive
sequence numbers) carrying the browser's 440 Hz tone, and plain RTCP on
the relay's RTCP port; the browser receives the phone's packets
(getStats inbound-rtp) and hears its 1000 Hz tone; query shows DTLS
established and ICE nominated for the browser, counts packets both ways,
statistics no SRTP drops. When the phone calls, the NG answer goes 0.5 s
after the browser's (the 200 OK's way through the proxy), so the browser
has finished its handshake before rtpgated knows its fingerprint. After
the checks the offerer re-INVITEs (cases_reinvite.py). Each
direction runs a second time with the browser's SDP sent early: an offer
before any candidate is gathered (trickle style), an answer that reaches
rtpgated before the browser starts ICE.

It re-runs itself in a new network namespace with only a loopback
interface (unshare --net, so it needs root), so the browser has no other
address to use, nothing it sends can leave the machine, and no port
it or rtpgated binds can clash with another suite; where that cannot be
made the suite is skipped, saying why. Every process it
starts (rtpgated, Chromium and its children, the HTTP server thread) is
stopped by its PID, also on failure. Without Chromium it says so and
reports the suite as skipped.

Prints "ok - <sentence>" or "FAIL - <sentence>" per check and ends with
"N passed, M failed[, K skipped]".
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(TESTS, "ng"), os.path.join(TESTS, "media")]

from browserkit import Chromium, PageServer, find_chromium, \
    write_tone  # noqa: E402
from cases_browser import DIRECTIONS, run_direction  # noqa: E402
from sdp_browser import SDP_LOG  # noqa: E402
from ngclient import (Daemon, DaemonError, Report, daemon_shutdown_check,
                      missing_daemon, repo_root)  # noqa: E402

PORT_MIN, PORT_MAX = 29000, 29999
BROWSER_HZ = 440
WHOLE_RUN = 300                 # seconds; a normal run takes about 45
LOG_DIR = os.path.join(repo_root(), "build", "test-logs")


def in_netns(argv):
    """Re-runs this script in a new network namespace whose loopback is
    up. Returns its exit code, or None when no namespace can be made."""
    if os.geteuid() != 0 or not shutil.which("unshare") \
            or not shutil.which("ip"):
        return None
    probe = subprocess.run(["unshare", "--net", "true"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=10)
    if probe.returncode != 0:
        return None
    script = "ip link set lo up && exec \"$@\""
    cmd = ["unshare", "--net", "sh", "-c", script, "sh", sys.executable,
           os.path.abspath(__file__)] + argv + ["--in-netns"]
    child = subprocess.Popen(cmd)     # after the execs, the runner itself
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: child.send_signal(signum))
    try:
        return child.wait(timeout=WHOLE_RUN)
    except subprocess.TimeoutExpired:
        print("# the runner did not end within %d s: stopping it" % WHOLE_RUN,
              flush=True)
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return 1


def wait_page(page, browser, timeout):
    """None once the page has said hello; else what went wrong."""
    deadline = time.monotonic() + timeout
    while not page.wait_hello(0.2):
        if not browser.alive():
            return "Chromium exited (code %s) before the page said hello\n%s" \
                % (browser.proc.returncode, browser.log_tail())
        if time.monotonic() > deadline:
            return "no hello from the page within %d s\n%s" \
                % (timeout, browser.log_tail())
    return None


def run_browser(report, args, daemon, tmp):
    """Starts the page server and Chromium, runs the calls."""
    wav = os.path.join(tmp, "tone.wav")
    write_tone(wav, BROWSER_HZ)
    log = os.path.join(LOG_DIR, "browser-chromium.log")
    with PageServer() as page, \
            Chromium(args.chromium, page.url, wav, tmp, log) as browser:
        try:
            problem = wait_page(page, browser, 30)
            report.check("Chromium runs headless and loads the test page from "
                         "127.0.0.1", problem)
            if not problem:
                print("# %s" % page.user_agent, flush=True)
                for direction in DIRECTIONS:
                    if args.only not in direction[0]:
                        continue
                    run_direction(report, daemon, page, direction,
                                  BROWSER_HZ)
            if page.page_errors:
                report.fail("the page logs no JavaScript error",
                            "\n".join(page.page_errors))
        finally:
            problems = browser.stop()
            report.check("Chromium and all its processes stop on SIGTERM",
                         "; ".join(problems))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", default="build/rtpgated")
    ap.add_argument("--chromium", default=None)
    ap.add_argument("--only", default="",
                    help="run only the direction whose name contains this")
    ap.add_argument("--no-netns", action="store_true",
                    help="run in this network namespace (debugging: the "
                    "browser then also offers the machine's other addresses)")
    ap.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    report = Report()
    if missing_daemon(report, args.daemon):
        return report.finish()
    args.chromium = args.chromium or find_chromium()
    if not args.chromium:
        report.skip("no Chromium here (apt-get install chromium, or "
                    "RTPGATE_BROWSER_TESTS=1 scripts/install-deps.sh)")
        return report.finish()
    if not args.in_netns and not args.no_netns:
        code = in_netns(sys.argv[1:])
        if code is not None:
            return code
        report.skip("no loopback-only network namespace for the browser "
                    "(needs root and unshare; --no-netns runs without, "
                    "with the machine's other addresses in its candidates)")
        return report.finish()
    os.makedirs(LOG_DIR, exist_ok=True)
    open(SDP_LOG, "w").close()
    log = "browser-rtpgated%s.log" % ("-san" if "build-san" in args.daemon
                                       else "")
    daemon = Daemon(args.daemon, PORT_MIN, PORT_MAX, log)
    try:
        daemon.start()
    except DaemonError as e:
        report.fail("rtpgated starts and answers ping", str(e))
        return report.finish()
    tmp = tempfile.mkdtemp(prefix="rtpgate-browser-")
    try:
        run_browser(report, args, daemon, tmp)
    except Exception:   # reported, and the daemon still stopped below
        report.fail("the browser test runs to its end", traceback.format_exc())
    finally:
        daemon_shutdown_check(report, daemon, "browser")
        shutil.rmtree(tmp, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
