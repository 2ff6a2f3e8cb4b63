#!/usr/bin/python3
"""run_sip.py - a browser softphone (SIP.js over WebSocket) calls a plain
RTP phone (baresip) through Kamailio and rtpgated, and back.

    run_sip.py --daemon build/rtpgated [--chromium PATH] [--call-seconds N]

    headless Chromium, page sip_page.js + SIP.js (npm, package.json)
        | SIP over WebSocket (ws://127.0.0.1:<ws>)   | ICE + DTLS-SRTP
    Kamailio (tests/e2e/kamailio_ws.cfg)             v
        | rtpengine module (NG)  ------------>  rtpgated 127.0.0.1
        | SIP over UDP                               | RTP/AVP PCMU
    baresip "phone" 127.0.0.21 (plain RTP, tests/e2e/baresip/*.in)

The browser registers as "browser" over WebSocket; Kamailio keeps it in
its in-memory location table. Then two calls: the browser calls the
phone and hangs up; the phone calls the browser, which answers, and the
phone hangs up. Kamailio asks rtpgated for "UDP/TLS/RTP/SAVPF ICE=force"
towards the browser and "RTP/AVP replace-origin ICE=remove" towards the
phone. Chromium's fake microphone plays a 400 Hz tone, baresip a 1000 Hz
one.

Checked per call: SIP.js saw the dialogue established (the 200 OK and the
ACK in its WebSocket trace); getStats() in the browser: inbound-rtp
packetsReceived > 0 with audio energy, ICE and DTLS connected with an SRTP
cipher, the phone's 1000 Hz tone heard; baresip's recording of what it
decoded holds the browser's 400 Hz tone (so rtpgated decrypted the SRTP);
rtpgated's query during the call knows both parties, counts RTP from
both, DTLS established and ICE done for the browser; no drops while media
flowed; after the BYE rtpgated lists no call. At the end the browser
unregisters.

Runs itself in a network namespace of its own (unshare --net, loopback
only, so it needs root) like run_browser.py; without Chromium, Kamailio's
websocket module, baresip or the npm package (npm ci in tests/browser)
it says why and is skipped. Every process it starts is stopped by its PID.
Logs: build/test-logs/browser-sip/.

Prints "ok - <sentence>" or "FAIL - <sentence>" per check and ends with
"N passed, M failed[, K skipped]".
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import re
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(TESTS, "e2e"), os.path.join(TESTS, "ng"),
                os.path.join(TESTS, "media")]

from browserkit import Chromium, PageError, PageServer, find_chromium, \
    write_tone  # noqa: E402
from ngclient import (DaemonError, Report, daemon_shutdown_check,  # noqa
                      free_udp_port, missing_daemon, repo_root)
from mediakit import wait_until  # noqa: E402
import run_baresip as rb  # noqa: E402
import run_kamailio_sipp as ks  # noqa: E402
from run_browser import wait_page  # noqa: E402
from sip_checks import check_browser_stats, check_bye, \
    check_dialogue  # noqa: E402

LOG_DIR = os.path.join(repo_root(), "build", "test-logs", "browser-sip")
ks.LOG_DIR = rb.LOG_DIR = LOG_DIR   # where ks.Proc and rb write their logs
NETNS_ENV = "RTPGATE_SIP_NETNS"     # set: running in our own namespace
PORT_MIN, PORT_MAX = 26000, 26599   # rtpgated's media ports
RELAY = "127.0.0.1"
BROWSER_HZ = 400                    # whole cycles in a 20 ms PCMU frame
CALL_S = 8
WHOLE_RUN = 240
SIPJS = os.path.join(HERE, "node_modules", "sip.js", "lib")
WS_MODULE = "/usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so"

BROWSER = rb.Party("browser", RELAY, "", "yes", BROWSER_HZ, None, "dtls")
PHONE = rb.Party("phone", "127.0.0.21", "", "no", 1000, "26800-26899",
                 "plain")


class SipPageServer(PageServer):
    """browserkit's page server, also serving sip.html, sip_page.js and
    SIP.js's ES modules (/sipjs/... from node_modules/sip.js/lib)."""

    def _handler(self):
        base = super()._handler()

        class Handler(base):
            def do_GET(self):
                path = sip_file(self.path)
                if path is None:
                    return super().do_GET()
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    return self._send(b"not found", "text/plain", 404)
                ctype = "text/html" if path.endswith(".html") \
                    else "text/javascript"
                self._send(data, ctype + "; charset=utf-8")

        return Handler


def sip_file(url_path):
    """The file behind @url_path for the SIP page, or None. Nothing outside
    tests/browser's two files and SIP.js's lib directory is served."""
    if url_path == "/sip.html":
        return os.path.join(HERE, "sip_page.html")
    if url_path == "/sip_page.js":
        return os.path.join(HERE, "sip_page.js")
    if not url_path.startswith("/sipjs/") or not url_path.endswith(".js"):
        return None
    path = os.path.realpath(os.path.join(SIPJS, url_path[len("/sipjs/"):]))
    if not path.startswith(os.path.realpath(SIPJS) + os.sep):
        return None
    return path


class Setup:
    """The temporary directory, the tones, Kamailio and the phones: what
    rb.Baresip needs of a setup."""

    def __init__(self, call_s):
        self.call_s = call_s
        self.runtime = tempfile.mkdtemp(prefix="rtpgate-sip-")
        self.sip_port = free_udp_port(RELAY)
        # For TCP: in this namespace nothing else binds ports.
        self.ws_port = free_udp_port(RELAY)
        PHONE.sip_port = free_udp_port(PHONE.ip)
        self.tones = {PHONE.user: os.path.join(self.runtime, "phone.wav"),
                      BROWSER.user: os.path.join(self.runtime, "browser.wav")}
        rb.write_tone(self.tones[PHONE.user], PHONE.freq, call_s + 20)
        write_tone(self.tones[BROWSER.user], BROWSER_HZ)
        self.procs = []

    def start(self, name, argv):
        p = ks.Proc(name, argv, cwd=LOG_DIR)
        self.procs.append(p)
        return p

    def start_kamailio(self, kamailio_bin, ng_port):
        return self.start("kamailio", [
            kamailio_bin, "-DD", "-E",
            "-f", os.path.join(TESTS, "e2e", "kamailio_ws.cfg"),
            "-Y", self.runtime, "-w", self.runtime,
            "-P", os.path.join(self.runtime, "kamailio.pid"),
            "-A", "SIP_LISTEN=udp:%s:%d" % (RELAY, self.sip_port),
            "-A", "WS_LISTEN=tcp:%s:%d" % (RELAY, self.ws_port),
            "-A", 'NG_SOCK="udp:127.0.0.1:%d"' % ng_port,
            "-A", 'PHONE_USER="%s"' % PHONE.user,
            "-A", 'PHONE_CONTACT="sip:%s@%s:%d"' % (PHONE.user, PHONE.ip,
                                                   PHONE.sip_port)])

    def stop_all(self):
        for p in reversed(self.procs):
            p.stop()
        shutil.rmtree(self.runtime, ignore_errors=True)


# --- the calls ---------------------------------------------------------------


def start_phone(report, setup, run, extra=()):
    """A baresip phone for call @run, once its SIP port is bound; None if
    it does not start (reported)."""
    phone = rb.Baresip(setup, PHONE, run)
    phone.start(list(extra))
    if extra or (wait_until(lambda: ks.udp_bound(PHONE.ip, PHONE.sip_port)
                            or phone.exited(), 10) and not phone.exited()):
        return phone
    report.fail("%s: the phone's baresip starts" % run,
                "log %s\n%s" % (phone.proc.log_path, phone.proc.log_tail()))
    return None


def page_step(report, sentence, page, op, **args):
    """Runs @op in the page; its result, or None (a failure, reported)."""
    try:
        return page.call(op, timeout=40, ms=20000, **args)
    except PageError as e:
        report.fail(sentence, str(e))
        return None


def media_checks(report, name, page, client, watch_proc, setup):
    """While the call lasts: rtpgated's query and drops (rb's checks), then
    the browser's getStats() a second before the hang-up."""
    before = rb.drops(client)
    w = rb.watch_call(client, watch_proc, setup.call_s - 1, BROWSER, PHONE)
    try:
        stats = page.call("sipStats", timeout=10)
    except PageError as e:
        stats = None
        report.fail("%s: the browser's getStats() answers" % name, str(e))
    if stats is not None:
        check_browser_stats(report, name, stats, PHONE.freq)
    rb.check_query(report, name, w.reply, BROWSER, PHONE)
    return w, before


def after_bye(report, name, client, phone, w, before, setup):
    rb.check_drops(report, name, w, before, rb.drops(client))
    gone = wait_until(lambda: ks.listed_calls(client) == [], 3)
    report.check("%s: after the BYE rtpgated lists no call" % name,
                 None if gone else "call %s; list: %r"
                 % (w.call_id, ks.listed_calls(client)))
    report.check("%s: the phone's baresip reports the call established"
                 % name, None if "Call established" in phone.log()
                 else "log %s" % phone.proc.log_path)
    check_phone_source(report, name, phone, w.reply)
    check_phone_heard(report, name, phone, setup)


def check_phone_source(report, name, phone, reply):
    """baresip says its RTP came from the port rtpgated's query names as
    its own towards the phone."""
    medias = rb.medias_by_kind(reply or {}, BROWSER, PHONE) or {}
    port = rb.rtp_stream(medias.get("plain") or {}).get("local port")
    seen = re.findall(r"incoming rtp for 'audio' established, receiving "
                      r"from ([0-9.]+):(\d+)", phone.log())
    report.check("%s: the phone received its RTP from rtpgated's port "
                 "towards it (%s:%s)" % (name, RELAY, port),
                 None if port and seen == [(RELAY, str(port))]
                 else "baresip: %r; query's port %r (log %s)"
                 % (seen, port, phone.proc.log_path))


def check_phone_heard(report, name, phone, setup):
    """The phone's recording of what it decoded holds the browser's tone
    for all but MISSING_TONE_S of the call, and not its own."""
    seconds = setup.call_s - rb.MISSING_TONE_S - 1
    files = phone.recordings("dec")
    sentence = "%s: the phone's recording holds %.0f s of the browser's " \
        "%d Hz tone (SRTP from Chromium decrypted by rtpgated), and not " \
        "its own %d Hz" % (name, seconds, BROWSER_HZ, PHONE.freq)
    if len(files) != 1:
        report.fail(sentence, "recordings in %s: %r" % (phone.dir, files))
        return
    problem = rb.tone_problem(files[0], BROWSER_HZ, PHONE.freq, seconds)
    if problem:
        kept = os.path.join(LOG_DIR, phone.name + "-received.wav")
        shutil.copyfile(files[0], kept)
        problem += " (kept as %s)" % kept
    report.check(sentence, problem)


def one_call(report, setup, page, client, browser_calls):
    """The browser calls the phone and hangs up (@browser_calls), or the
    phone calls the browser, which answers, and hangs up."""
    if browser_calls:
        name, run, extra = "browser calls phone", "1-browser-phone", ()
        op, args = "call", {"target": "sip:%s@%s" % (PHONE.user, RELAY)}
    else:
        name, run = "phone calls browser", "2-phone-browser"
        extra = ["-e", "/dial sip:%s@%s:%d" % (BROWSER.user, RELAY,
                                              setup.sip_port),
                 "-t", str(setup.call_s + 2)]     # after the checks
        op, args = "accept", {}
    phone = start_phone(report, setup, run, extra)
    if phone is None:
        return
    try:
        res = page_step(report, "%s: the call is set up in the browser"
                        % name, page, op, **args)
        if res is None:
            return
        check_dialogue(report, name, res, caller=browser_calls)
        if res.get("state") != "Established":
            return
        w, before = media_checks(report, name, page, client, phone.proc,
                                 setup)
        hang_up(report, name, page, phone, browser_calls)
        after_bye(report, name, client, phone, w, before, setup)
    finally:
        phone.proc.stop()


def hang_up(report, name, page, phone, browser_hangs_up):
    """The browser sends BYE (@browser_hangs_up) or waits for the phone's
    (baresip -t); the BYE is answered 200 and both sides see the end."""
    if browser_hangs_up:
        res = page_step(report, "%s: the browser hangs up" % name, page,
                        "hangup")
        ended = wait_until(lambda: "terminated" in phone.log(), 5)
    else:
        res = page_step(report, "%s: the browser sees the phone's BYE"
                        % name, page, "ended")
        ended = phone.proc.wait(10) == 0
    if res is not None:
        check_bye(report, name, res, browser_hangs_up)
    report.check("%s: the phone's baresip sees the call end%s"
                 % (name, "" if browser_hangs_up else
                    " and exits 0 after its hang-up"),
                 None if ended else "log %s" % phone.proc.log_path)


# --- the run -----------------------------------------------------------------


def run_calls(report, setup, page, client):
    res = page_step(report, "the browser registers over WebSocket", page,
                    "register", user=BROWSER.user, domain=RELAY,
                    server="ws://%s:%d" % (RELAY, setup.ws_port))
    if res is None:
        return
    report.check("the browser registers over WebSocket (REGISTER answered "
                 "200 OK by Kamailio's registrar)",
                 None if res.get("state") == "Registered"
                 and "< SIP/2.0 200 OK" in res["sip"] else "%r" % (res,))
    one_call(report, setup, page, client, browser_calls=True)
    one_call(report, setup, page, client, browser_calls=False)
    res = page_step(report, "the browser unregisters", page, "unregister")
    if res is not None:
        report.ok("the browser unregisters (REGISTER with Expires 0 "
                  "answered 200 OK)")


def run(report, daemon, kamailio_bin, chromium, call_s):
    setup = Setup(call_s)
    try:
        kamailio = setup.start_kamailio(kamailio_bin, daemon.ng_port)
        if not ks.wait_kamailio(report, kamailio, daemon.ng_port):
            return
        log = os.path.join(LOG_DIR, "chromium.log")
        # Chromium's own directory: browserkit kills whatever still names
        # it after Chromium has stopped, and Kamailio names the runtime.
        chromium_dir = os.path.join(setup.runtime, "chromium")
        os.mkdir(chromium_dir)
        with SipPageServer() as page, \
                Chromium(chromium, page.url + "sip.html",
                         setup.tones[BROWSER.user], chromium_dir,
                         log) as browser, \
                daemon.client(timeout=1.0, retries=2) as client:
            try:
                problem = wait_page(page, browser, 30)
                report.check("Chromium loads the SIP.js page (ES modules "
                             "from node_modules) from 127.0.0.1", problem)
                if not problem:
                    print("# %s" % page.user_agent, flush=True)
                    run_calls(report, setup, page, client)
                if page.page_errors:
                    report.fail("the page logs no JavaScript error",
                                "\n".join(page.page_errors))
            finally:
                report.check("Chromium and all its processes stop on "
                             "SIGTERM", "; ".join(browser.stop()))
        report.check("rtpgated is still running after the calls",
                     None if daemon.alive() else daemon.log_tail())
    finally:
        setup.stop_all()


def netns_run(argv):
    """Runs this script again in a new network namespace whose loopback
    is up; its exit code, or None when no namespace can be made."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    probe = subprocess.run(["unshare", "--net", "true"], timeout=10,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        return None
    env = dict(os.environ, **{NETNS_ENV: "1"})
    child = subprocess.Popen(
        ["unshare", "--net", "--fork", "--kill-child=SIGTERM", "--", "sh",
         "-c", 'ip link set lo up && exec "$@"', "sh", sys.executable,
         os.path.abspath(__file__)] + argv, env=env, start_new_session=True)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    try:
        return child.wait(timeout=WHOLE_RUN)
    except subprocess.TimeoutExpired:
        print("FAIL - the run in its network namespace ends within %d s\n"
              "0 passed, 1 failed" % WHOLE_RUN, flush=True)
        return 1
    finally:
        rb.stop_group(child)


def missing_tools(chromium):
    """(kamailio binary, None) or (None, what is missing)."""
    kamailio_bin, missing = rb.find_tools()
    if missing:
        return None, missing
    lacking = [what for what, ok in (
        ("chromium (RTPGATE_BROWSER_TESTS=1 scripts/install-deps.sh)",
         chromium),
        ("Kamailio's websocket module (Debian package "
         "kamailio-websocket-modules)", os.path.exists(WS_MODULE)),
        ("SIP.js (npm ci in tests/browser; RTPGATE_BROWSER_TESTS=1 "
         "scripts/install-deps.sh does it)",
         os.path.exists(os.path.join(SIPJS, "index.js")))) if not ok]
    if lacking:
        return None, "not installed: " + ", ".join(lacking)
    return kamailio_bin, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", default="build/rtpgated")
    ap.add_argument("--chromium", default=None)
    ap.add_argument("--call-seconds", type=int, default=CALL_S)
    args = ap.parse_args()
    report = Report()
    if missing_daemon(report, args.daemon):
        return report.finish()
    chromium = args.chromium or find_chromium()
    kamailio_bin, missing = missing_tools(chromium)
    if missing:
        report.skip(missing)
        return report.finish()
    if NETNS_ENV not in os.environ:
        code = netns_run(sys.argv[1:])
        if code is not None:
            return code
        report.skip("no loopback-only network namespace (needs root and "
                    "unshare)")
        return report.finish()
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    os.makedirs(LOG_DIR)
    daemon = rb.Rtpgated(args.daemon, PORT_MIN, PORT_MAX,
                         os.path.join("browser-sip", "rtpgated.log"))
    try:
        daemon.start()
    except DaemonError as e:
        report.fail("rtpgated starts and answers ping", str(e))
        return report.finish()
    try:
        run(report, daemon, kamailio_bin, chromium,
            max(6, args.call_seconds))
    except Exception:   # reported, and the daemon still stopped below
        report.fail("the SIP browser test runs to its end",
                    traceback.format_exc())
    finally:
        daemon_shutdown_check(report, daemon, "browser sip")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
