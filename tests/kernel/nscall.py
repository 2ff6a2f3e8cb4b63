#!/usr/bin/python3
"""nscall.py - one call through rtpgated across network namespaces.

    nscall.py ping --ng ADDR:PORT --relay-ns NS [--wait SECS]
    nscall.py call --ng ADDR:PORT --relay-ns NS --caller NS/ADDR
                   --callee NS/ADDR --internal ADDR --external ADDR
                   [--packets N]

Runs inside the VM (tests/kernel/netns.sh). One process opens each socket in
the namespace it belongs to (setns(2) through ctypes; a socket stays in the
namespace it was created in): the NG client in the relay's namespace, the
caller's RTP/RTCP pair in the caller's, the callee's in the callee's. Then
the caller offers with direction [internal, external], the callee answers,
and RTP and RTCP go both ways through the relay.

"ping" waits until the daemon answers ping and exits 0, or 1 after --wait
seconds. "call" prints "ok - <sentence>" or "FAIL - <sentence>" per check
and exits 1 if any failed. Standard library only; NG and the fake
endpoints come from tests/ng/ngclient.py and tests/media/mediakit.py.
"""

import argparse
import contextlib
import ctypes
import os
import sys
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TESTS, "ng"))
sys.path.insert(0, os.path.join(TESTS, "media"))

from mediakit import (CaseError, Endpoint, expect, first_problem,  # noqa: E402
                      rtcp, rtp, sdp, sdp_media)
from ngclient import (BencodeError, NgClient, NgTimeout,  # noqa: E402
                      Report)

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def netns(name):
    """Runs the block in network namespace @name (/run/netns/@name, as
    `ip netns add` makes it), then returns to the one we were in."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open("/run/netns/" + name, os.O_RDONLY)
        try:
            if _libc.setns(target, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, "setns(%s): %s" % (name, os.strerror(err)))
        finally:
            os.close(target)
        try:
            yield
        finally:
            if _libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back home failed")
    finally:
        os.close(home)


def host_port(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def ns_addr(text):
    ns, _, addr = text.partition("/")
    if not ns or not addr:
        raise argparse.ArgumentTypeError("%r is not NS/ADDR" % text)
    return ns, addr


def ng_client(opt, **kw):
    with netns(opt.relay_ns):
        return NgClient(*host_port(opt.ng), **kw)


def cmd_ping(opt):
    deadline = time.monotonic() + opt.wait
    with ng_client(opt, timeout=0.3, retries=0) as c:
        while time.monotonic() < deadline:
            try:
                if c.ping().get("result") == "pong":
                    return 0
            except (NgTimeout, BencodeError, OSError):
                time.sleep(0.1)
    print("no pong from %s in namespace %s within %.0f s"
          % (opt.ng, opt.relay_ns, opt.wait))
    return 1


def request(client, msg):
    reply = client.request(msg)
    if not isinstance(reply, dict) or reply.get("result") != "ok":
        raise CaseError("%s failed: %r" % (msg["command"], reply))
    return reply


def relay_side(reply, want_addr):
    """(address, RTP port, RTCP port) the rewritten SDP in @reply names, and
    a problem if its address is not @want_addr."""
    m = sdp_media(reply.get("sdp", ""))
    if m["port"] is None or m["c"] is None:
        raise CaseError("rewritten SDP has no m= or c=: %r" % reply.get("sdp"))
    rtcp_port = m["rtcp"] if m["rtcp"] is not None else m["port"] + 1
    problem = None if m["c"] == want_addr else \
        "the SDP says c=%s, wanted %s" % (m["c"], want_addr)
    return (m["c"], m["port"], rtcp_port), problem


def stream(src, dst_sock, relay, out_addr, out_port, count, make):
    """None if @count packets from @make(), sent by socket @src to @relay,
    each arrive unchanged on @dst_sock from (@out_addr, @out_port)."""
    for i in range(count):
        pkt = make()
        src.sendto(pkt, relay)
        problem = expect(dst_sock, pkt, (out_addr, out_port), timeout=2.0)
        if problem:
            return "packet %d of %d: %s" % (i + 1, count, problem)
    return None


def cmd_call(opt, report):
    (a_ns, a_ip), (b_ns, b_ip) = opt.caller, opt.callee
    with netns(a_ns):
        a = Endpoint(a_ip)
    with netns(b_ns):
        b = Endpoint(b_ip)
    token = os.urandom(4).hex()
    call = {"call-id": "kernel-vm-" + token, "from-tag": "caller-" + token}
    try:
        with ng_client(opt, timeout=2.0, retries=2) as client:
            run_call(opt, report, client, call, a, b, "callee-" + token)
    finally:
        a.close()
        b.close()


def run_call(opt, report, client, call, a, b, to_tag):
    offer = request(client, dict(call, command="offer", sdp=sdp(a),
                                 direction=["internal", "external"]))
    to_b, problem = relay_side(offer, opt.external)
    report.check("the offer's SDP sends the callee to the relay's external "
                 "address %s" % opt.external, problem)
    answer = request(client, dict(call, command="answer", sdp=sdp(b),
                                  **{"to-tag": to_tag}))
    to_a, problem = relay_side(answer, opt.internal)
    report.check("the answer's SDP sends the caller to the relay's internal "
                 "address %s" % opt.internal, problem)
    n = opt.packets
    report.check("%d RTP packets from the caller arrive intact at the callee "
                 "from the relay's external address and port" % n,
                 stream(a.rtp, b.rtp, (opt.internal, to_a[1]), opt.external,
                        to_b[1], n, rtp))
    report.check("%d RTP packets from the callee arrive intact at the caller "
                 "from the relay's internal address and port" % n,
                 stream(b.rtp, a.rtp, (opt.external, to_b[1]), opt.internal,
                        to_a[1], n, rtp))
    report.check("RTCP goes both ways between the RTCP ports through the "
                 "relay", first_problem(
                     stream(a.rtcp, b.rtcp, (opt.internal, to_a[2]),
                            opt.external, to_b[2], 1, rtcp),
                     stream(b.rtcp, a.rtcp, (opt.external, to_b[2]),
                            opt.internal, to_a[2], 1, rtcp)))
    deleted = client.request(dict(call, command="delete"))
    report.check("delete ends the call", None if deleted.get("result") == "ok"
                 else "delete answered %r" % (deleted,))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["ping", "call"])
    ap.add_argument("--ng", required=True, help="NG address:port")
    ap.add_argument("--relay-ns", required=True)
    ap.add_argument("--wait", type=float, default=10.0)
    ap.add_argument("--caller", type=ns_addr)
    ap.add_argument("--callee", type=ns_addr)
    ap.add_argument("--internal")
    ap.add_argument("--external")
    ap.add_argument("--packets", type=int, default=20)
    opt = ap.parse_args()
    if opt.command == "ping":
        return cmd_ping(opt)
    if None in (opt.caller, opt.callee, opt.internal, opt.external):
        ap.error("call needs --caller, --callee, --internal and --external")
    report = Report()
    try:
        cmd_call(opt, report)
    except (CaseError, NgTimeout, BencodeError, OSError) as e:
        report.fail("the call is set up and runs to its end", str(e))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
