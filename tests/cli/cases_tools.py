"""cases_tools - rtpgate-ctl and rtpgate-ng against the daemon: their
output and their exit codes.
"""

import os
import re
import socket
import tempfile
import threading

from cases_forward import hop
from clikit import free_tcp_port, sanitizer_problem
from mediakit import first_problem, sdp
from ngclient import bencode_decode, bencode_encode, free_udp_port


def ran(proc, rc, want_out=None, want_err=None):
    """None if @proc exited @rc with @want_out in stdout and @want_err in
    stderr and no sanitizer report; else what went wrong."""
    problem = sanitizer_problem(proc)
    if problem:
        return problem
    if proc.returncode != rc or (want_out and want_out not in proc.stdout) or \
            (want_err and want_err not in proc.stderr):
        return "exit %d (wanted %d)\nstdout: %s\nstderr: %s" % (
            proc.returncode, rc, proc.stdout[:400], proc.stderr[:400])
    return None


def ctl(ctx):
    port = str(ctx.cli_port)
    ctx.check("rtpgate-ctl -ip -port list totals prints the totals and exits 0",
              ran(ctx.tool("rtpgate-ctl", ["-ip", "127.0.0.1", "-port", port,
                                           "list", "totals"]), 0,
                  "Uptime of rtpgate"))
    ctx.check("rtpgate-ctl --port set timeout / list timeout round-trips",
              first_problem(
                  ran(ctx.tool("rtpgate-ctl", ["--port", port, "set", "timeout", "61"]),
                      0, "ok: timeout set to 61"),
                  ran(ctx.tool("rtpgate-ctl", ["--port", port, "list", "timeout"]),
                      0, ":61"),
                  ran(ctx.tool("rtpgate-ctl", ["--port", port, "set", "timeout", "60"]),
                      0)))
    ctx.check("rtpgate-ctl exits 1 on an error answer",
              ran(ctx.tool("rtpgate-ctl", ["-port", port, "frobnicate"]), 1,
                  "error: unknown command 'frobnicate'"))
    closed = str(free_tcp_port())
    ctx.check("rtpgate-ctl exits 1 with a clear message when nothing listens",
              ran(ctx.tool("rtpgate-ctl", ["-port", closed, "list", "totals"]), 1,
                  None, "cannot connect to 127.0.0.1 port %s" % closed))
    ctx.check("rtpgate-ctl without a command prints usage and exits 1",
              ran(ctx.tool("rtpgate-ctl", ["-port", port]), 1, None, "usage:"))


def sdp_port(text):
    m = re.search(r"\| m=audio (\d+) ", text)
    return int(m.group(1)) if m else None


def ng_offer_answer_delete(ctx):
    ng = "127.0.0.1:%d" % ctx.ng_port()
    a, b = ctx.endpoint("127.0.0.41"), ctx.endpoint("127.0.0.42")
    call_id = "ng-tool-%d" % os.getpid()
    with tempfile.NamedTemporaryFile("w", suffix=".sdp") as f:
        f.write(sdp(a))
        f.flush()
        offer = ctx.tool("rtpgate-ng", ["--ng", ng, "offer", "--call-id", call_id,
                                        "--from-tag", "A", "--sdp-file", f.name,
                                        "--flag", "trust-address",
                                        "replace=[origin]"])
    ctx.check("rtpgate-ng offer exits 0 and shows the rewritten SDP line by "
              "line", ran(offer, 0, '"result": "ok"') or
              (None if sdp_port(offer.stdout) else offer.stdout))
    answer = ctx.tool("rtpgate-ng", ["--ng", ng, "answer", "--call-id", call_id,
                                     "--from-tag", "A", "--to-tag", "B",
                                     "--sdp", "-"], stdin=sdp(b))
    ctx.check("rtpgate-ng answer with the SDP on stdin exits 0",
              ran(answer, 0, '"result": "ok"'))
    b_to, a_to = sdp_port(offer.stdout), sdp_port(answer.stdout)
    if b_to and a_to:
        ctx.check("media flows through the call set up with rtpgate-ng",
                  hop(a.rtp, ("127.0.0.1", a_to), b.rtp, ("127.0.0.1", b_to)))
    delete = ctx.tool("rtpgate-ng", ["--ng", ng, "delete", "--call-id", call_id,
                                     "--from-tag", "A"])
    ctx.check("rtpgate-ng delete exits 0 and prints the call's totals",
              ran(delete, 0, '"totals"') or
              (None if call_id not in ctx.listed() else "still listed"))
    ctx.check("rtpgate-ng ping exits 0 with pong",
              ran(ctx.tool("rtpgate-ng", ["--ng", ng, "ping"]), 0, '"pong"'))
    ctx.check("rtpgate-ng exits 1 on an error reply and shows the reason",
              ran(ctx.tool("rtpgate-ng", ["--ng", ng, "query", "--call-id", "nope"]),
                  1, "Unknown call-id"))
    ctx.check("rtpgate-ng exits 1 without a command",
              ran(ctx.tool("rtpgate-ng", ["--ng", ng]), 1, None, "no command"))


def ng_no_server(ctx):
    port = free_udp_port()
    proc = ctx.tool("rtpgate-ng", ["--ng", "127.0.0.1:%d" % port, "--timeout", "200",
                                   "--retries", "1", "ping"])
    ctx.check("rtpgate-ng exits 1 with a message when no NG server answers",
              ran(proc, 1) or (None if proc.stderr.startswith("rtpgate-ng: ")
                               else proc.stderr))


class FakeNg(threading.Thread):
    """A UDP NG server that ignores the first @ignore datagrams and answers
    the next with @reply (bytes after the cookie)."""

    def __init__(self, ignore, reply):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.ignore, self.reply = ignore, reply
        self.seen = []

    def run(self):
        try:
            while len(self.seen) <= self.ignore:
                data, src = self.sock.recvfrom(70000)
                self.seen.append(data)
            cookie = self.seen[-1].split(b" ", 1)[0]
            self.sock.sendto(cookie + b" " + self.reply, src)
        except OSError:
            pass
        finally:
            self.sock.close()


def ng_retransmits(ctx):
    fake = FakeNg(1, bencode_encode({"result": "pong"}))
    fake.start()
    proc = ctx.tool("rtpgate-ng", ["--ng", "127.0.0.1:%d" % fake.port,
                                   "--timeout", "300", "ping"])
    fake.join(5)
    try:
        first = bencode_decode(fake.seen[0].split(b" ", 1)[1])
    except Exception:
        first = None
    ctx.check("rtpgate-ng resends the same datagram (same cookie) after its "
              "timeout and takes the reply to it", ran(proc, 0, '"pong"') or (
                  None if len(fake.seen) == 2 and fake.seen[0] == fake.seen[1]
                  and first == {"command": "ping"} else repr(fake.seen)))
    fake = FakeNg(0, b"not bencode")
    fake.start()
    proc = ctx.tool("rtpgate-ng", ["--ng", "127.0.0.1:%d" % fake.port, "ping"])
    fake.join(5)
    ctx.check("rtpgate-ng exits 1 on a reply that is not bencode",
              ran(proc, 1, None, "not bencode"))


CASES = [("rtpgate-ctl", ctl), ("rtpgate-ng", ng_offer_answer_delete),
         ("rtpgate-ng without server", ng_no_server),
         ("rtpgate-ng retransmission", ng_retransmits)]

__all__ = ["CASES"]
