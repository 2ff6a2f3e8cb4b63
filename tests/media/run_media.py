#!/usr/bin/python3
"""run_media.py - rtpgated's userspace media relay, end to end over loopback.

    run_media.py --daemon build/rtpgated [--only SUBSTRING]
                 [--io-engine uring|epoll|both]

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
--silent-timeout and --final-timeout; one for 1,000 calls at once (ports
44000-48999); one that re-offers and deletes calls while their media
flows (cases_handover.py). Each is stopped by its PID; its shutdown (exit
0, no ASan/UBSan/LeakSanitizer report in its stderr,
build/test-logs/media-*.log) is a test of its own.

Every instance runs under each of the daemon's I/O engines (--io-engine
uring, then epoll; README "Threads"), so that neither path rots; each
sentence starts with the engine's name in brackets. Where the kernel does
not allow io_uring, the uring runs are one skip. Last, with strace making
io_uring_setup fail, --io-engine=auto must fall back to epoll and say so,
and --io-engine=uring must refuse to start (a skip without strace). And
once without --foreground: the command returns when the detached daemon is
ready, whose workers relay a call; a start-up failure is the command's
exit status.

Prints "ok - <sentence>" or "FAIL - <sentence>" per check and ends with
"N passed, M failed".
"""

import argparse
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

MEDIA_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, MEDIA_DIR)

import cases_counters  # noqa: E402
import cases_forward  # noqa: E402
import cases_handover  # noqa: E402
import cases_learning  # noqa: E402
import cases_lifetime  # noqa: E402
import cases_mux  # noqa: E402
import cases_sdes  # noqa: E402
import cases_webrtc  # noqa: E402
from mediakit import Ctx, first_problem, wait_until  # noqa: E402
from ngclient import (Daemon, DaemonError, NgClient, Report,  # noqa: E402
                      daemon_env, daemon_shutdown_check, free_udp_port,
                      missing_daemon)

PORT_MIN, PORT_MAX = 25000, 25999
ENGINES = ("uring", "epoll")
URING_REFUSED = "--io-engine=uring, but"   # the daemon's log line


class EngineReport(Report):
    """A Report whose sentences start with the I/O engine they ran under."""

    prefix = ""

    def ok(self, name):
        super().ok(self.prefix + name)

    def fail(self, name, detail=""):
        super().fail(self.prefix + name, detail)


INSTANCES = [
    ("relay", [], cases_forward.CASES + cases_mux.CASES + cases_counters.CASES
     + cases_learning.CASES + cases_lifetime.CASES + cases_sdes.CASES
     + cases_webrtc.CASES),
] + cases_lifetime.INSTANCES + cases_handover.INSTANCES


def slug(text):
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


class EngineRefused(Exception):
    """The daemon will not run the asked-for I/O engine on this kernel."""


def start(path, name, args, report):
    engine = next((a.split("=", 1)[1] for a in args
                   if a.startswith("--io-engine=")), "auto")
    log = "media-%s-%s%s.log" % (slug(name), engine,
                                 "-san" if "build-san" in path else "")
    daemon = Daemon(path, PORT_MIN, PORT_MAX, log, extra_args=args)
    try:
        daemon.start()
    except DaemonError as e:
        refused = [l for l in daemon.log_text().splitlines()
                   if URING_REFUSED in l]
        if refused:
            raise EngineRefused(refused[0].strip()) from e
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


def fallback_run(path, engine, want, timeout=15.0, exits=False):
    """Runs the daemon with --io-engine=@engine under strace, which makes
    io_uring_setup fail with EPERM (as a seccomp filter or
    kernel.io_uring_disabled would), until its log shows @want or it exits.
    With @exits, also waits for it to exit by itself. Returns (log text,
    exit status or None while it ran); stops it by PID."""
    cmd = ["strace", "-f", "-o", "/dev/null", "-e", "trace=io_uring_setup",
           "-e", "inject=io_uring_setup:error=EPERM", path,
           "--config-file=none", "--foreground", "--log-stderr",
           "--listen-ng=127.0.0.1:%d" % free_udp_port(), "--listen-cli=none",
           "--interface=lo/127.0.0.1", "--port-min=%d" % PORT_MIN,
           "--port-max=%d" % PORT_MAX, "--io-engine=" + engine]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=daemon_env(path),
                            text=True)
    lines, deadline = [], time.monotonic() + timeout
    os.set_blocking(proc.stderr.fileno(), False)
    while time.monotonic() < deadline and not any(want in l for l in lines):
        if proc.poll() is not None and not select.select([proc.stderr], [], [], 0)[0]:
            break
        if select.select([proc.stderr], [], [], 0.1)[0]:
            lines += (proc.stderr.read() or "").splitlines()
    if exits:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    status = proc.poll()
    if status is None:
        # the daemon is strace's child: stop it, strace then exits
        with open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)) as f:
            for child in f.read().split():
                os.kill(int(child), signal.SIGTERM)
        proc.wait(timeout=10)
    proc.stderr.close()
    return "\n".join(lines), status


def check_fallback(report, path):
    """Where the kernel refuses io_uring: auto falls back, uring refuses."""
    report.prefix = ""
    if not shutil.which("strace"):
        report.skip("io_uring fallback: strace (to refuse io_uring_setup)"
                    " is not installed")
        return
    log, _ = fallback_run(path, "auto", "worker thread(s), epoll")
    report.check("with io_uring refused by the kernel, --io-engine=auto logs"
                 " why and runs its workers on epoll",
                 None if "io_uring unavailable (" in log and
                 "worker thread(s), epoll" in log else log[-2000:])
    log, status = fallback_run(path, "uring", URING_REFUSED, exits=True)
    report.check("with io_uring refused by the kernel, --io-engine=uring"
                 " refuses to start and says why",
                 None if URING_REFUSED in log and status not in (None, 0)
                 else "exit %s; log:\n%s" % (status, log[-2000:]))


def background_args(path, ng_port, pidfile):
    return [path, "--config-file=none", "--log-stderr", "--listen-cli=none",
            "--listen-ng=127.0.0.1:%d" % ng_port, "--interface=lo/127.0.0.1",
            "--port-min=%d" % PORT_MIN, "--port-max=%d" % PORT_MAX,
            "--num-threads=2", "--pidfile=" + pidfile]


def proc_stat(pid):
    """The fields of /proc/@pid/stat after the command name: [0] the
    state, [3] the session id."""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()


def detached_problems(pid, parent):
    """What is wrong with detached daemon @pid, started by process
    @parent: it must be a session leader of its own in / with its stdio on
    /dev/null, and have its two media workers (threads besides main)."""
    if pid == parent:
        return "the pidfile names the process that was started, %d" % pid
    session = int(proc_stat(pid)[3])
    if session != pid:
        return "session id %d, wanted its own %d" % (session, pid)
    cwd = os.readlink("/proc/%d/cwd" % pid)
    if cwd != "/":
        return "working directory %s" % cwd
    for fd in (0, 1, 2):
        target = os.readlink("/proc/%d/fd/%d" % (pid, fd))
        if target != "/dev/null":
            return "fd %d is %s" % (fd, target)
    threads = len(os.listdir("/proc/%d/task" % pid))
    return None if threads >= 3 else "%d thread(s)" % threads


def gone(pid):
    """True once @pid has exited (a zombie nobody reaps counts too)."""
    try:
        return proc_stat(pid)[0] == "Z"
    except FileNotFoundError:
        return True


def stray_daemons(ng_port):
    """PIDs of the processes whose command line has the NG port @ng_port
    (this check's daemons), so that one the pidfile lost is still stopped."""
    want, pids = b"--listen-ng=127.0.0.1:%d\0" % ng_port, []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and want in open("/proc/%s/cmdline" % name,
                                               "rb").read():
                pids.append(int(name))
        except OSError:
            pass
    return pids


def check_background(report, path):
    """Without --foreground the daemon forks before its workers exist.
    A sanitizer build's reports go to files, its stderr being /dev/null."""
    report.prefix = ""
    path = os.path.abspath(path)
    workdir = tempfile.mkdtemp(prefix="rg-bg-")
    pidfile = os.path.join(workdir, "rtpgated.pid")
    env = daemon_env(path)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":log_path=" + os.path.join(workdir, "asan")
        env["UBSAN_OPTIONS"] += ":log_path=" + os.path.join(workdir, "ubsan")
    ng_port = free_udp_port()
    proc = subprocess.Popen(background_args(path, ng_port, "rtpgated.pid"),
                            cwd=workdir, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env, text=True)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    pid = int(open(pidfile).read()) if os.path.exists(pidfile) else None
    ours = stray_daemons(ng_port)
    report.check("without --foreground, the command exits 0 once the "
                 "detached daemon is ready, and a relative --pidfile names "
                 "the detached process", None if proc.returncode == 0 and pid
                 else "exit %s, pidfile %s; stderr:\n%s"
                 % (proc.returncode, pid, err[-2000:]))
    if not pid or pid not in ours:
        for stray in ours:
            os.kill(stray, signal.SIGKILL)
        return
    try:
        report.check("the detached daemon leads its own session in / with "
                     "stdio on /dev/null and its worker threads running",
                     detached_problems(pid, proc.pid))
        with NgClient("127.0.0.1", ng_port, timeout=2.0, retries=2) as c:
            ctx = Ctx(None, c, report)
            call, a, b = cases_forward.established(ctx)
            report.check("the detached daemon's workers relay RTP both ways",
                         first_problem(
                             cases_forward.hop(a.rtp, call.a.rtp, b.rtp,
                                               call.b.rtp),
                             cases_forward.hop(b.rtp, call.b.rtp, a.rtp,
                                               call.a.rtp)))
            call.delete()
            ctx.close()
            # the same NG port again: this start-up fails after the fork
            again = subprocess.run(background_args(path, ng_port, pidfile),
                                   capture_output=True, text=True,
                                   timeout=20, env=daemon_env(path))
            report.check("a start-up failure after detaching (the NG port "
                         "taken) is the command's exit status, with the "
                         "reason on its stderr", None if again.returncode == 1
                         and "Address already in use" in again.stderr else
                         "exit %d; stderr:\n%s"
                         % (again.returncode, again.stderr[-2000:]))
    finally:
        os.kill(pid, signal.SIGTERM)
        stopped = wait_until(lambda: gone(pid), 10)
        if not stopped:
            os.kill(pid, signal.SIGKILL)
    reports = [n for n in os.listdir(workdir) if n != "rtpgated.pid"]
    report.check("the detached daemon stops on SIGTERM, removes its "
                 "pidfile and leaves no sanitizer report",
                 None if stopped and not os.path.exists(pidfile) and
                 not reports else "stopped %s, pidfile left %s, reports %s"
                 % (stopped, os.path.exists(pidfile), reports))
    shutil.rmtree(workdir)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", default="build/rtpgated")
    ap.add_argument("--only", default="",
                    help="run only the cases whose name contains this")
    ap.add_argument("--io-engine", default="both",
                    choices=ENGINES + ("both",),
                    help="the daemon's I/O engine(s) to run under")
    args = ap.parse_args()
    report = EngineReport()
    if missing_daemon(report, args.daemon):
        return report.finish()
    for engine in ENGINES if args.io_engine == "both" else (args.io_engine,):
        report.prefix = "[%s] " % engine
        try:
            for name, daemon_args, cases in INSTANCES:
                run_instance(report, args.daemon, name,
                             daemon_args + ["--io-engine=" + engine], cases,
                             args.only)
        except EngineRefused as e:
            report.skip("media under --io-engine=%s: the daemon refuses it"
                        " here: %s" % (engine, e))
    for name, check in (("fallback", check_fallback),
                        ("background", check_background)):
        if not args.only or args.only in name:
            check(report, args.daemon)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
