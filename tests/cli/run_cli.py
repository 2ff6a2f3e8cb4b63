#!/usr/bin/python3
"""run_cli.py - the CLI port and the operator tools against a real rtpgated.

    run_cli.py --daemon build/rtpgated [--only SUBSTRING]

    test (TCP client) --"list totals\\n"--> rtpgated CLI port --answer, close-->
    test (NG client)  --offer/answer/...--> rtpgated NG port
    fake A 127.0.0.1x <--RTP--> relay ports 26000-26999 <--RTP--> fake B 127.0.0.2x
    rtpgate-ctl / rtpgate-ng (next to the daemon binary) --> the same ports

One daemon (NG on a port the kernel picks, CLI on a free TCP port, media
ports 26000-26999) serves every command, hostile-client and tool case
(cases_*.py); calls are set up over NG and carry real RTP so counters are
non-zero. A few short-lived daemons check how --listen-cli starts. Every
daemon is stopped by its PID; its shutdown (exit 0, no ASan/UBSan/LSan
report in build/test-logs/cli-*.log) is a test of its own.

Prints "ok - <sentence>" or "FAIL - <sentence>" per check and ends with
"N passed, M failed".
"""

import argparse
import os
import socket
import subprocess
import sys

CLI_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, CLI_DIR)

from clikit import CliCtx, cli_raw, free_tcp_port  # noqa: E402  (sets sys.path)
import cases_commands  # noqa: E402
import cases_hostile  # noqa: E402
import cases_tools  # noqa: E402
from mediakit import wait_until  # noqa: E402
from run_media import run_case  # noqa: E402
from ngclient import (Daemon, DaemonError, Report,  # noqa: E402
                      daemon_shutdown_check, free_udp_port, missing_daemon)

PORT_MIN, PORT_MAX = 26000, 26999
CASES = cases_commands.CASES + cases_hostile.CASES + cases_tools.CASES


def log_name(path, what):
    return "cli-%s%s.log" % (what, "-san" if "build-san" in path else "")


def with_cli(fn, cli_port, tools):
    """@fn as run_media.run_case calls a case: with a CliCtx around the Ctx
    it is given (sharing its endpoints, which run_case closes)."""
    return lambda ctx: fn(CliCtx.wrap(ctx, cli_port, tools))


def main_suite(report, path, only):
    cli_port = free_tcp_port()
    daemon = Daemon(path, PORT_MIN, PORT_MAX, log_name(path, "main"),
                    extra_args=["--listen-cli=127.0.0.1:%d" % cli_port])
    try:
        daemon.start()
    except DaemonError as e:
        report.fail("rtpgated with --listen-cli starts and answers ping", str(e))
        return
    tools = os.path.dirname(os.path.abspath(path))
    try:
        for name, fn in CASES:
            if only and only not in name:
                continue
            if not run_case(report, daemon, name, with_cli(fn, cli_port, tools)):
                break
    finally:
        daemon_shutdown_check(report, daemon, "cli")


def port_free(port):
    """True if nothing listens on 127.0.0.1:@port (TIME-WAIT leftovers do
    not count: the daemon binds with SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def startup(report, path, args, what):
    """A daemon started with @args: (Daemon, problem)."""
    d = Daemon(path, PORT_MIN, PORT_MAX, log_name(path, what), extra_args=args)
    try:
        d.start()
    except DaemonError as e:
        return d, str(e)
    return d, None


def listen_options(report, path):
    d, problem = startup(report, path, ["--listen-cli=none"], "none")
    report.check("--listen-cli=none starts without a CLI port and says so",
                 problem or (None if "CLI port disabled" in d.log_text()
                             else d.log_tail()))
    d.stop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        probe = Daemon(path, PORT_MIN, PORT_MAX, log_name(path, "taken"))
        probe.ng_port = free_udp_port()
        cmd = probe.command() + ["--listen-cli=127.0.0.1:%d" % port]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            out = (proc.returncode, proc.stderr)
        except subprocess.TimeoutExpired:
            out = (None, "still running after 20 s (killed)")
    report.check("an explicit --listen-cli address that is taken stops start-up "
                 "with exit 1 naming the option", None if out[0] == 1 and
                 "option --listen-cli" in out[1] else repr(out))
    default_port(report, path)


def answers(port):
    try:
        return b"Current sessions" in cli_raw(port, b"list numsessions\n")
    except OSError:
        return False


def default_port(report, path):
    """Without --listen-cli: 127.0.0.1:9900, and a taken default is not fatal."""
    if not port_free(9900):
        report.skip("127.0.0.1:9900 is in use here: the default CLI port is "
                    "not checked")
        return
    first, problem = startup(report, path, [], "default")
    answered = not problem and wait_until(lambda: answers(9900), 3)
    second, problem2 = startup(report, path, [], "default2")
    report.check("without --listen-cli the CLI listens on 127.0.0.1:9900, and "
                 "a second daemon whose default is taken still starts",
                 problem or problem2 or (None if answered and "cannot listen on "
                                         "the default" in second.log_text()
                                         else second.log_tail()))
    second.stop()
    first.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--only", help="run only cases whose name contains this")
    args = ap.parse_args()
    report = Report()
    if missing_daemon(report, args.daemon):
        return report.finish()
    main_suite(report, args.daemon, args.only)
    if not args.only:
        listen_options(report, args.daemon)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
