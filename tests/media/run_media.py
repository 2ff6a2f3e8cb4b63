#!/usr/bin/python3
"""run_media.py - rtpgated's userspace media relay, end to end over loopback.

    run_media.py --daemon build/rtpgated [--only SUBSTRING]

    fake A (127.0.0.1x) --RTP--> relay port  rtpgated  relay port --RTP--> fake B
    127.0.0.1x <--RTP-- relay 127.0.0.1 (internal) / 127.0.0.2 (external) <-- 127.0.0.2x

Fake parties are UDP sockets on 127.0.0.x: A offers, B answers over NG, then
each sends to the relay port its SDP names and the test checks what arrives
where, from which relay address and port, and what query and statistics
count (tests/media/cases_*.py; /tmp/media-spec.md is the contract). Nothing
is ever sent outside 127.0.0.0/8.

Several daemon instances run one after another, each with media ports
25000-25999 and an NG port the kernel picks: one with the spec's default
options for relaying, learning, rtcp-mux, counters, hostile datagrams and
delete-delay; one each with short --timeout/--offer-timeout/
--silent-timeout and --final-timeout; one for 1,000 calls at once (ports 44000-48999). Each is stopped
by its PID; its shutdown (exit 0, no ASan/UBSan/LeakSanitizer report in its
stderr, build/test-logs/media-*.log) is a test of its own.

Prints "ok - <sentence>" or "FAIL - <sentence>" per check and ends with
"N passed, M failed".
"""

import argparse
import os
import sys
import traceback

MEDIA_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, MEDIA_DIR)

import cases_counters  # noqa: E402
import cases_forward  # noqa: E402
import cases_learning  # noqa: E402
import cases_lifetime  # noqa: E402
import cases_mux  # noqa: E402
import cases_sdes  # noqa: E402
import cases_webrtc  # noqa: E402
from mediakit import Ctx  # noqa: E402
from ngclient import (Daemon, DaemonError, Report,  # noqa: E402
                      daemon_shutdown_check, missing_daemon)

PORT_MIN, PORT_MAX = 25000, 25999

INSTANCES = [
    ("relay", [], cases_forward.CASES + cases_mux.CASES + cases_counters.CASES
     + cases_learning.CASES + cases_lifetime.CASES + cases_sdes.CASES
     + cases_webrtc.CASES),
] + cases_lifetime.INSTANCES


def slug(text):
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def start(path, name, args, report):
    log = "media-%s%s.log" % (slug(name), "-san" if "build-san" in path
                               else "")
    daemon = Daemon(path, PORT_MIN, PORT_MAX, log, extra_args=args)
    try:
        daemon.start()
    except DaemonError as e:
        report.fail("media %s: rtpgated %s starts and answers ping"
                    % (name, " ".join(args)), str(e))
        return None
    return daemon


def run_case(report, daemon, name, fn):
    """Runs one case; its exceptions and a daemon that died or logged a
    sanitizer report during it are failures. False if the daemon is gone."""
    seen = len(daemon.sanitizer_lines())
    with daemon.client(timeout=2.0, retries=2) as client:
        ctx = Ctx(daemon, client, report)
        try:
            fn(ctx)
        except Exception:
            report.fail("%s: the case runs to its end" % name,
                        traceback.format_exc(limit=4)
                        + ("" if daemon.alive() else daemon.log_tail()))
        finally:
            ctx.close()
    new = daemon.sanitizer_lines()[seen:]
    if new:
        report.fail("%s: rtpgated logs no sanitizer report" % name,
                    "\n".join(new) + "\nlog: " + daemon.log_path)
    if not daemon.responsive():
        report.fail("%s: rtpgated is still running and answers ping" % name,
                    daemon.log_tail())
        return False
    return True


def run_instance(report, path, name, args, cases, only):
    cases = [c for c in cases if not only or only in c[0]]
    if not cases:
        return
    daemon = start(path, name, args, report)
    if daemon is None:
        return
    try:
        for case_name, fn in cases:
            if daemon is None:
                daemon = start(path, name, args, report)
                if daemon is None:
                    return
            if not run_case(report, daemon, case_name, fn):
                daemon.stop()
                daemon = None
    finally:
        if daemon is not None:
            daemon_shutdown_check(report, daemon, "media " + name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", default="build/rtpgated")
    ap.add_argument("--only", default="",
                    help="run only the cases whose name contains this")
    args = ap.parse_args()
    report = Report()
    if missing_daemon(report, args.daemon):
        return report.finish()
    for name, daemon_args, cases in INSTANCES:
        run_instance(report, args.daemon, name, daemon_args, cases, args.only)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
