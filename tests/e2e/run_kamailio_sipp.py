#!/usr/bin/python3
"""run_kamailio_sipp.py - rtpgated between real SIP peers.

    run_kamailio_sipp.py --daemon build/rtpgated [--calls N]

    SIPp UAC            Kamailio (kamailio.cfg)          SIPp UAS
    127.0.0.10  --SIP-> 127.0.0.1:<sip>  ------SIP----> 127.0.0.20
                            | rtpengine module (NG over UDP)
                            v
                        rtpgated 127.0.0.1:<ng>, media 23000-23999 on lo
    RTP socket  --RTP-> 127.0.0.1:<caller's   callee's> --RTP-> RTP socket
    127.0.0.10  <-RTP--           relay port  relay port <-RTP-- 127.0.0.20

The caller offers audio at 127.0.0.10 and the callee answers at 127.0.0.20;
both must receive SDP that rtpgated rewrote to the relay 127.0.0.1 with a
port from its media range (sipp/uac.xml and sipp/uas.xml check that with
ereg; a failed check makes sipp exit non-zero). Meanwhile this script asks
rtpgated over NG what it knows about the call: `list` and `query` during
the call, `list` and `query` after the BYE, `statistics` after it. During
that first call the media ports in both SDPs belong to Python sockets
(rtp_check.py): RTP and RTCP go through the relay both ways and must arrive
from the relay's ports, and query must count them. Then
N calls in a row, and a call the callee rejects with 486 (Kamailio's
failure route must delete it).

Prints "ok - <sentence>" or "FAIL - <sentence>" per check, ending with
"N passed, M failed". Without kamailio, its rtpengine module or sipp it
says why and reports "0 passed, 0 failed, 1 skipped". Logs of every
process go to build/test-logs/e2e-kamailio-sipp/. Every process started
here is stopped by its PID (kamailio: its process group) in a finally.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

E2E_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(E2E_DIR), "ng"))
sys.path.insert(0, os.path.join(os.path.dirname(E2E_DIR), "media"))

from ngclient import (BencodeError, Daemon, DaemonError, NgTimeout,  # noqa
                      Report, daemon_shutdown_check, free_udp_port,
                      missing_daemon, repo_root)
from mediakit import wait_until  # noqa: E402
from rtp_check import Endpoint, check_media  # noqa: E402

# sipp/uac.xml and sipp/uas.xml match these values in their ereg checks.
PORT_MIN, PORT_MAX = 23000, 23999
RELAY = "127.0.0.1"
UAC_IP = "127.0.0.10"
UAS_IP = "127.0.0.20"

RTPENGINE_SO = "/usr/lib/x86_64-linux-gnu/kamailio/modules/rtpengine.so"
LOG_DIR = os.path.join(repo_root(), "build", "test-logs", "e2e-kamailio-sipp")
CALL_MS = 3000          # how long the first call lasts (sipp -d)
SEQ_CALL_MS = 200       # each of the sequential calls
SUITE = "e2e kamailio+sipp"


class Rtpgated(Daemon):
    """rtpgated with the one interface this test uses: lo at 127.0.0.1."""

    def command(self):
        return [self.path, "--config-file=none", "--foreground",
                "--log-stderr", "--log-level=7",
                "--listen-ng=127.0.0.1:%d" % self.ng_port,
                "--port-min=%d" % self.port_min,
                "--port-max=%d" % self.port_max, "--delete-delay=0",
                "--interface=lo/%s" % RELAY]


class Proc:
    """A peer process (kamailio, sipp) in its own process group, logging
    stdout and stderr to one file in LOG_DIR."""

    def __init__(self, name, argv, cwd=LOG_DIR):
        self.name = name
        self.prefix = os.path.join(LOG_DIR, name)
        self.log_path = self.prefix + ".log"
        with open(self.log_path, "wb") as log:
            log.write(("=== %s\n" % " ".join(argv)).encode())
            log.flush()
            self.proc = subprocess.Popen(argv, cwd=cwd, stdout=log,
                                         stderr=log, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        self.pid = self.proc.pid

    def wait(self, timeout):
        """The exit code, or None if still running after @timeout s."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """SIGTERM to the PID, SIGKILL to its process group after 5 s (so
        no kamailio worker outlives its parent). Safe to call twice."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            if self.wait(5) is None:
                self.killgroup()
                self.proc.wait()
        self.killgroup()

    def killgroup(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines=12):
        with open(self.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join("    | " + l for l in text[-lines:])


def udp_bound(ip, port):
    """True when some socket is bound to UDP @ip:@port (/proc/net/udp)."""
    want = "%s:%04X" % (socket.inet_aton(ip)[::-1].hex().upper(), port)
    with open("/proc/net/udp") as f:
        return any(line.split()[1] == want for line in f.readlines()[1:])


def free_media_port(ip):
    """An even port on @ip with the next three free (sipp binds audio and
    video RTP/RTCP from its -mp port on)."""
    for _ in range(50):
        base = free_udp_port(ip) & ~1
        if base >= 1024 and not any(udp_bound(ip, base + i)
                                    for i in range(4)):
            return base
    raise OSError("no free media ports on %s" % ip)


def media_keys(rtp_port):
    """sipp options setting the [rtp_port] and [rtcp_port] the scenarios
    put into their SDP."""
    return ["-key", "rtp_port", str(rtp_port),
            "-key", "rtcp_port", str(rtp_port + 1)]


def find_tools():
    """(kamailio, sipp) paths, or a string saying what is missing."""
    kamailio = shutil.which("kamailio") or shutil.which(
        "kamailio", path="/usr/sbin:/usr/local/sbin")
    sipp = shutil.which("sipp")
    missing = [what for what, ok in (
        ("kamailio (Debian package kamailio)", kamailio),
        ("kamailio's rtpengine module " + RTPENGINE_SO,
         os.path.exists(RTPENGINE_SO)),
        ("sipp (Debian package sip-tester)", sipp)) if not ok]
    if missing:
        return "not installed: %s (scripts/install-deps.sh installs them)" \
            % ", ".join(missing)
    return kamailio, sipp


class Setup:
    """Ports, the temporary runtime directory and the running peers."""

    def __init__(self, tools):
        self.kamailio_bin, self.sipp_bin = tools
        self.runtime = tempfile.mkdtemp(prefix="rtpgate-e2e-")
        self.sip_port = free_udp_port(RELAY)
        self.procs = []

    def start(self, name, argv):
        p = Proc(name, argv)
        self.procs.append(p)
        return p

    def start_kamailio(self, ng_port):
        """Starts Kamailio in the foreground with tests/e2e/kamailio.cfg,
        its listen address and rtpengine socket given as defines."""
        argv = [self.kamailio_bin, "-DD", "-E",
                "-f", os.path.join(E2E_DIR, "kamailio.cfg"),
                "-Y", self.runtime, "-w", self.runtime,
                "-P", os.path.join(self.runtime, "kamailio.pid"),
                "-A", "SIP_LISTEN=udp:%s:%d" % (RELAY, self.sip_port),
                "-A", 'NG_SOCK="udp:127.0.0.1:%d"' % ng_port]
        return self.start("kamailio", argv)

    def sipp_argv(self, name, scenario, ip, calls, timeout):
        log = os.path.join(LOG_DIR, name)
        return [self.sipp_bin, "-sf", os.path.join(E2E_DIR, "sipp", scenario),
                "-i", ip, "-p", str(free_udp_port(ip)), "-mi", ip,
                "-m", str(calls), "-s", "rtpgate", "-nostdin",
                "-timeout", "%ds" % timeout, "-timeout_error",
                "-trace_msg", "-message_file", log + "-messages.log",
                "-trace_err", "-error_file", log + "-errors.log",
                "-trace_logs", "-log_file", log + "-sdp.log"]

    def start_uas(self, name, calls, timeout, scenario="uas.xml",
                  rtp_port=None):
        """@rtp_port: the m= port of the answer SDP (a=rtcp on the next
        one); by default sipp's own media port."""
        media = free_media_port(UAS_IP)
        argv = self.sipp_argv(name, scenario, UAS_IP, calls, timeout) + [
            "-mp", str(media)] + media_keys(rtp_port or media)
        uas = self.start(name, argv)
        port = int(argv[argv.index("-p") + 1])
        if not wait_until(lambda: udp_bound(UAS_IP, port)
                          or uas.proc.poll() is not None, 5):
            return uas, None
        return uas, port

    def start_uac(self, name, uas_port, calls, call_ms, timeout,
                  scenario="uac.xml", rtp_port=None):
        """@rtp_port: the m= port of the offer SDP, as for start_uas."""
        argv = [self.sipp_bin, "%s:%d" % (UAS_IP, uas_port),
                "-rsa", "%s:%d" % (RELAY, self.sip_port)]
        argv += self.sipp_argv(name, scenario, UAC_IP, calls, timeout)[1:]
        media = free_media_port(UAC_IP)
        argv += ["-mp", str(media), "-d", str(call_ms), "-l", "1"] + \
            media_keys(rtp_port or media)
        return self.start(name, argv)

    def stop_all(self):
        for p in reversed(self.procs):
            p.stop()
        shutil.rmtree(self.runtime, ignore_errors=True)


def ng(client, msg):
    """The reply to @msg, or {"result": "no reply", ...} on a timeout or
    an undecodable reply, so that checks report instead of raising."""
    try:
        reply = client.request(msg)
    except (NgTimeout, BencodeError, OSError) as e:
        return {"result": "no reply", "error-reason": str(e)}
    if not isinstance(reply, dict):
        return {"result": "not a dict", "error-reason": repr(reply)}
    return reply


def listed_calls(client):
    reply = ng(client, {"command": "list", "limit": 1000})
    calls = reply.get("calls")
    return calls if reply.get("result") == "ok" and isinstance(calls, list) \
        else None


def sdp_log(path):
    """{"offer"|"answer": (call-id, port, rtcp)} from a sipp -log_file."""
    found = {}
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return found
    for m in re.finditer(r"^(offer|answer) (\S+) port=(\d+) rtcp=(\d+)$",
                         text, re.M):
        found[m.group(1)] = (m.group(2), int(m.group(3)), int(m.group(4)))
    return found


def check_sipp(report, who, proc, code, what):
    """One check on a sipp run's exit code, with its error log on failure."""
    if code == 0:
        report.ok(what)
        return
    how = "still running, stopped" if code is None else "exit code %d" % code
    detail = "%s %s; logs %s*" % (who, how, proc.prefix)
    try:
        with open(proc.prefix + "-errors.log", errors="replace") as f:
            lines = f.read().splitlines()[-14:]
        detail += "\n" + "\n".join("    | " + l for l in lines)
    except OSError:
        detail += "\n" + proc.log_tail()
    report.fail(what, detail)


def stream_ports(tag_info):
    """Every "local port" in one tag of a query reply."""
    def items(d, key):
        v = d.get(key) if isinstance(d, dict) else None
        return v if isinstance(v, list) else []
    return {stream.get("local port")
            for media in items(tag_info, "medias")
            for stream in items(media, "streams")
            if isinstance(stream, dict)}


def check_query_during_call(report, reply, caller_tag, callee_tag):
    """query knows both parties; returns their relay ports for later."""
    tags = reply.get("tags") if reply.get("result") == "ok" else None
    if not isinstance(tags, dict) or caller_tag not in tags \
            or callee_tag not in tags:
        report.fail("during the call, query names the caller's and the "
                    "callee's tags", "wanted tags %s and %s; reply: %r"
                    % (caller_tag, callee_tag, reply))
        return None
    report.ok("during the call, query names the caller's and the callee's "
              "tags")
    return stream_ports(tags[caller_tag]), stream_ports(tags[callee_tag])


def check_sdp_ports(report, uas_sdp, uac_sdp, call_id, query_ports):
    """The ports both SIPp ends saw agree with the spec and with query."""
    offer, answer = uas_sdp.get("offer"), uac_sdp.get("answer")
    name = ("the callee was offered and the caller was answered an even "
            "relay port with a=rtcp on the next one, a different port each")
    if not offer or not answer or offer[0] != call_id or answer[0] != call_id:
        report.fail(name, "sipp logged offer %r, answer %r for call %s"
                    % (offer, answer, call_id))
        return
    problems = ["%s port %d: rtcp %d, wanted an even port and rtcp %d"
                % (kind, p, r, p + 1) for kind, (_, p, r) in
                (("offer", offer), ("answer", answer))
                if p % 2 or r != p + 1]
    if offer[1] == answer[1]:
        problems.append("offer and answer both show port %d" % offer[1])
    report.check(name, "; ".join(problems))
    if query_ports is None:
        return
    caller_ports, callee_ports = query_ports
    report.check("query shows the relay port from the answer on the "
                 "caller's tag and the one from the offer on the callee's",
                 None if answer[1] in caller_ports and offer[1] in callee_ports
                 else "answer port %d, caller's local ports %s; offer port "
                 "%d, callee's local ports %s" % (answer[1],
                                                  sorted(caller_ports),
                                                  offer[1],
                                                  sorted(callee_ports)))


def watch_call(client, uac, call_id, caller_tag, callee_tag, report):
    """Polls list while the UAC runs until @call_id shows up, then queries
    it. Returns the query's ports (see check_query_during_call) or None."""
    seen = wait_until(lambda: call_id in (listed_calls(client) or [])
                      or uac.proc.poll() is not None, CALL_MS / 1000 + 10,
                      step=0.1) and call_id in (listed_calls(client) or [])
    report.check("during the call, list shows its call-id",
                 None if seen else "%s never listed; last list: %r"
                 % (call_id, listed_calls(client)))
    if not seen:
        return None
    # The call is listed from the offer on; the answer (the callee's tag)
    # follows when Kamailio relays the 200 OK, so give it a moment.
    last = {}

    def both_tags():
        last["reply"] = ng(client, {"command": "query", "call-id": call_id})
        tags = last["reply"].get("tags")
        return isinstance(tags, dict) and caller_tag in tags and callee_tag in tags
    wait_until(both_tags, 5.0, step=0.1)
    return check_query_during_call(report, last["reply"], caller_tag, callee_tag)


def one_call(report, setup, client):
    """One call held for CALL_MS, its media ports held by Python sockets;
    checks what both ends and rtpgated saw."""
    ends = (Endpoint(UAC_IP), Endpoint(UAS_IP))
    try:
        one_call_with_media(report, setup, client, ends)
    finally:
        for ep in ends:
            ep.close()


def one_call_with_media(report, setup, client, ends):
    uas, uas_port = setup.start_uas("sipp-uas-1", 1, CALL_MS // 1000 + 20,
                                    rtp_port=ends[1].rtp_port)
    if uas_port is None:
        report.fail("SIPp UAS starts", "log %s\n%s" % (uas.log_path,
                                                       uas.log_tail()))
        return
    uac = setup.start_uac("sipp-uac-1", uas_port, 1, CALL_MS,
                          CALL_MS // 1000 + 20, rtp_port=ends[0].rtp_port)
    # sipp's [call_id] is "<call number>-<pid>@<local ip>", its tags ours.
    call_id = "1-%d@%s" % (uac.pid, UAC_IP)
    caller_tag, callee_tag = "%dcaller1" % uac.pid, "%dcallee1" % uas.pid
    ports = watch_call(client, uac, call_id, caller_tag, callee_tag, report)
    if ports is not None:
        check_media(report, lambda msg: ng(client, msg), call_id,
                    (caller_tag, callee_tag), ends, RELAY)
    uac_code = uac.wait(CALL_MS / 1000 + 20)
    uas_code = uas.wait(5)
    check_sipp(report, "UAS", uas, uas_code, "the callee received an offer "
               "SDP rewritten to the relay address and media range")
    check_sipp(report, "UAC", uac, uac_code, "the caller received an answer "
               "SDP rewritten to the relay address and media range")
    check_sdp_ports(report, sdp_log(uas.prefix + "-sdp.log"),
                    sdp_log(uac.prefix + "-sdp.log"), call_id, ports)
    check_call_gone(report, client, call_id, "after the BYE")


def sequential_calls(report, setup, client, n):
    """@n calls one after the other through the same peers."""
    timeout = n * (SEQ_CALL_MS / 1000 + 2) + 20
    uas, uas_port = setup.start_uas("sipp-uas-seq", n, int(timeout))
    if uas_port is None:
        report.fail("SIPp UAS starts for %d calls" % n,
                    "log %s\n%s" % (uas.log_path, uas.log_tail()))
        return
    uac = setup.start_uac("sipp-uac-seq", uas_port, n, SEQ_CALL_MS,
                          int(timeout))
    uac_code = uac.wait(timeout)
    uas_code = uas.wait(5)
    check_sipp(report, "UAS", uas, uas_code, "%d calls in a row: the callee "
               "received rewritten SDP in every one" % n)
    check_sipp(report, "UAC", uac, uac_code, "%d calls in a row: the caller "
               "received rewritten SDP in every one" % n)
    calls = listed_calls(client)
    report.check("after %d calls in a row, list shows no call" % n,
                 None if calls == [] else "list: %r" % (calls,))


def command_count(value):
    """(count, errors) of one command in controlstatistics. The spec only
    says "counts": a bare integer (errors then 0) or {count, errors, ...}."""
    if isinstance(value, int):
        return value, 0
    if isinstance(value, dict):
        return value.get("count"), value.get("errors", 0)
    return None, None


def check_call_gone(report, client, call_id, when):
    """Neither list nor query know @call_id any more."""
    calls = listed_calls(client)
    report.check("%s, list no longer shows the call" % when,
                 None if calls is not None and call_id not in calls
                 else "list: %r" % (calls,))
    reply = ng(client, {"command": "query", "call-id": call_id})
    report.check("%s, query says the call-id is unknown" % when,
                 None if reply.get("result") == "error" and
                 reply.get("error-reason") == "Unknown call-id"
                 else "reply: %r" % (reply,))


def rejected_call(report, setup, client):
    """A call the callee rejects: Kamailio's failure route deletes it."""
    uas, uas_port = setup.start_uas("sipp-uas-busy", 1, 20, "uas-busy.xml")
    if uas_port is None:
        report.fail("SIPp UAS starts for the rejected call",
                    "log %s\n%s" % (uas.log_path, uas.log_tail()))
        return
    uac = setup.start_uac("sipp-uac-rejected", uas_port, 1, 0, 20,
                          "uac-rejected.xml")
    uac_code = uac.wait(25)
    uas_code = uas.wait(5)
    check_sipp(report, "UAS", uas, uas_code, "a callee that rejects the "
               "call with 486 received an offer rewritten to the relay")
    check_sipp(report, "UAC", uac, uac_code, "the caller received the 486")
    check_call_gone(report, client, "1-%d@%s" % (uac.pid, UAC_IP),
                    "after the 486")


def check_statistics(report, client, calls):
    """statistics counted one offer, answer and delete per call."""
    reply = ng(client, {"command": "statistics"})
    stats = reply.get("statistics") if reply.get("result") == "ok" else None
    if not isinstance(stats, dict):
        report.fail("statistics answers with a statistics dict",
                    "reply: %r" % (reply,))
        return
    control = subdict(stats, "controlstatistics")
    counts = [command_count(control.get(c)) for c in ("offer", "answer",
                                                       "delete")]
    report.check("after %d call(s), statistics count one offer, one answer "
                 "and one delete per call, none failed" % calls,
                 None if counts == [(calls, 0)] * 3
                 else "controlstatistics: %r" % (control,))
    total = subdict(stats, "totalstatistics").get("managedsessions")
    current = subdict(stats, "currentstatistics").get("sessionsown")
    report.check("after %d call(s), statistics count one managed session "
                 "per call and none open" % calls,
                 None if total == calls and current == 0 else
                 "managedsessions %r, sessionsown %r" % (total, current))


def subdict(d, key):
    v = d.get(key)
    return v if isinstance(v, dict) else {}


def wait_kamailio(report, kamailio, ng_port):
    """Kamailio is up once its rtpengine module found rtpgated by ping."""
    found = "rtpengine instance <udp:127.0.0.1:%d> found" % ng_port

    def logged():
        with open(kamailio.log_path, errors="replace") as f:
            return found in f.read()
    wait_until(lambda: logged() or kamailio.proc.poll() is not None, 15)
    ok = logged() and kamailio.proc.poll() is None
    report.check("Kamailio's rtpengine module finds rtpgated with its ping",
                 None if ok else "log %s\n%s" % (kamailio.log_path,
                                                 kamailio.log_tail()))
    return ok


def run(report, daemon, tools, n_seq):
    setup = Setup(tools)
    try:
        kamailio = setup.start_kamailio(daemon.ng_port)
        if not wait_kamailio(report, kamailio, daemon.ng_port):
            return
        with daemon.client(timeout=1.0, retries=2) as client:
            one_call(report, setup, client)
            check_statistics(report, client, 1)
            if n_seq > 0:
                sequential_calls(report, setup, client, n_seq)
                check_statistics(report, client, 1 + n_seq)
            rejected_call(report, setup, client)
        report.check("rtpgated is still running after the calls",
                     None if daemon.alive() else daemon.log_tail())
    finally:
        setup.stop_all()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", default="build/rtpgated")
    ap.add_argument("--calls", type=int, default=10,
                    help="calls in the sequential scenario (0: skip it)")
    args = ap.parse_args()
    report = Report()
    tools = find_tools()
    if isinstance(tools, str):
        report.skip(tools)
        return report.finish()
    if missing_daemon(report, args.daemon):
        return report.finish()
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    os.makedirs(LOG_DIR)
    daemon = Rtpgated(args.daemon, PORT_MIN, PORT_MAX,
                      os.path.join(os.path.basename(LOG_DIR), "rtpgated.log"))
    try:
        daemon.start()
    except DaemonError as e:
        report.fail("rtpgated starts and answers ping", str(e))
        return report.finish()
    report.ok("rtpgated starts and answers ping")
    try:
        run(report, daemon, tools, args.calls)
    finally:
        daemon_shutdown_check(report, daemon, SUITE)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
