#!/usr/bin/python3
"""run_metrics.py - the operator surface: Prometheus /metrics, the load
limits on new calls, and the log's rate limit, end to end over loopback.

    run_metrics.py --daemon build/rtpgated [--only SUBSTRING]

    NG (UDP) ----> rtpgated <---- GET /metrics (HTTP, 127.0.0.1 / 127.0.0.2)
    fake A 127.0.0.1x <--RTP--> relay ports 27000-27999 <--RTP--> fake B 127.0.0.2x

Daemon instances run one after another, each with media ports 27000-27999,
an NG port and an HTTP port the kernel picks (tests/ng/ngclient.py starts
and stops them by PID):

  metrics    calls and RTP over NG, then every value of /metrics checked
             against NG statistics and query; the exposition checked by a
             strict text-format parser (promtext.py); 404, 405, HEAD, an
             oversized request; 200 connections and slow clients while NG
             still answers; an idle connection closed
  bandwidth  --max-bandwidth=1: traffic makes new offers fail, the running
             call still relays and can be re-offered; accepted again after
  load, cpu  --max-load / --max-cpu tiny: new offers refused
  log flood  --log-rate-limit=10: 2,000 NG datagrams without a cookie leave
             a bounded log with "similar messages suppressed" lines that
             account for every one

Each instance's last test is its shutdown: exit 0 and no ASan/UBSan/
LeakSanitizer report (build/test-logs/metrics-*.log). Prints "ok - ..." or
"FAIL - ..." per check and ends with "N passed, M failed".
"""

import argparse
import http.client
import os
import re
import socket
import sys
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "media"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "ng"))

import promtext  # noqa: E402
from mediakit import (Ctx, expect, first_problem, rtp, sdp,  # noqa: E402
                      send, wait_until)
from ngclient import (Daemon, DaemonError, NgTimeout, Report,  # noqa: E402
                      daemon_shutdown_check, missing_daemon)

PORT_MIN, PORT_MAX = 27000, 27999
PER_ADDRESS_MAX = 16        # RG_HTTP_PER_ADDRESS_MAX in daemon/metrics.h
IDLE_TIMEOUT = 10           # RG_HTTP_IDLE_TIMEOUT_S
LIMIT_REPLY = "Parallel session limit reached"

FAMILIES = {
    "rtpgate_sessions": "gauge",
    "rtpgate_sessions_total": "counter",
    "rtpgate_sessions_ended_total": "counter",
    "rtpgate_packets_total": "counter",
    "rtpgate_bytes_total": "counter",
    "rtpgate_errors_total": "counter",
    "rtpgate_drops_total": "counter",
    "rtpgate_interface_ports": "gauge",
    "rtpgate_ng_requests_total": "counter",
    "rtpgate_ng_errors_total": "counter",
    "rtpgate_ng_request_duration_seconds": "histogram",
    "rtpgate_kernel_available": "gauge",
    "rtpgate_uptime_seconds": "gauge",
    "rtpgate_build_info": "gauge",
}
ENDED = {"delete": "regularterminatedsessions", "timeout": "timeoutsessions",
         "silent_timeout": "silenttimeoutsessions",
         "final_timeout": "finaltimeoutsessions",
         "offer_timeout": "offertimeoutsessions",
         "terminate": "forcedterminatedsessions"}
COMMANDS = ("ping", "offer", "answer", "delete", "query", "list",
            "statistics")


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    """The daemon's metrics port."""

    def __init__(self, port):
        self.port = port

    def get(self, path="/metrics", method="GET", body=None, source=None,
            timeout=5.0):
        """(status, headers dict with lowercase names, body bytes)."""
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout,
            source_address=(source, 0) if source else None)
        try:
            conn.request(method, path, body=body)
            resp = conn.getresponse()
            return (resp.status, {k.lower(): v for k, v in resp.getheaders()},
                    resp.read())
        finally:
            conn.close()

    def scrape(self):
        """The parsed exposition of GET /metrics, through urllib."""
        url = "http://127.0.0.1:%d/metrics" % self.port
        with urllib.request.urlopen(url, timeout=5.0) as resp:
            return promtext.parse(resp.read().decode("utf-8"))

    def raw(self, data, source="127.0.0.1", timeout=3.0):
        """Sends @data on a new connection; what comes back before close."""
        with socket.create_connection(("127.0.0.1", self.port), timeout,
                                      (source, 0)) as s:
            try:
                s.sendall(data)
            except OSError:
                pass
            out = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except OSError:
                pass
            return out


def ng_stats(client):
    reply = client.request({"command": "statistics"})
    return reply["statistics"]


def mismatches(pairs):
    """The first "name: metrics X != NG Y" of (name, metric, ng) triples."""
    for name, got, want in pairs:
        if got != want:
            return "%s: /metrics says %r, NG/query says %r" % (name, got, want)
    return None


# --- the checker itself --------------------------------------------------------

BAD_EXPOSITIONS = {
    "a sample without TYPE": "# HELP a x\na 1\n",
    "TYPE after the samples": "# HELP a x\na 1\n# TYPE a gauge\n",
    "two TYPE lines": "# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n",
    "a bad metric name": "# HELP 1a x\n# TYPE 1a gauge\n1a 1\n",
    "a bad label escape": '# HELP a x\n# TYPE a gauge\na{l="\\q"} 1\n',
    "an unterminated label": '# HELP a x\n# TYPE a gauge\na{l="x} 1\n',
    "a negative counter": "# HELP a x\n# TYPE a counter\na -1\n",
    "a duplicate sample": "# HELP a x\n# TYPE a gauge\na 1\na 2\n",
    "a split family": "# HELP a x\n# TYPE a gauge\na{l=\"1\"} 1\n"
                      "# HELP b x\n# TYPE b gauge\nb 1\na{l=\"2\"} 1\n",
    "no final newline": "# HELP a x\n# TYPE a gauge\na 1",
    "a histogram without +Inf": "# HELP h x\n# TYPE h histogram\n"
                                "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
    "a shrinking bucket": "# HELP h x\n# TYPE h histogram\n"
                          "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                          "h_sum 1\nh_count 1\n",
    "+Inf unequal to _count": "# HELP h x\n# TYPE h histogram\n"
                              "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n",
    "a value that is no number": "# HELP a x\n# TYPE a gauge\na one\n",
}
GOOD_EXPOSITION = ('# HELP a x \\\\ y\\n\n# TYPE a counter\n'
                   'a{l="q\\"\\\\\\n",m="",} 1.5e3 1700000000000\n'
                   '# HELP h x\n# TYPE h histogram\nh_bucket{le="0.1"} 1\n'
                   'h_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n')


def checker_is_strict(report):
    accepted = []
    for what, text in BAD_EXPOSITIONS.items():
        try:
            promtext.parse(text)
            accepted.append(what)
        except promtext.ExpositionError:
            pass
    problem = "accepted: " + ", ".join(accepted) if accepted else None
    try:
        fams = promtext.parse(GOOD_EXPOSITION)
        if promtext.value(fams, "a", l='q"\\\n') != 1500:
            problem = "misread the escaped label of a good exposition"
    except (promtext.ExpositionError, KeyError) as e:
        problem = "refused a good exposition: %s" % e
    report.check("the text-format checker refuses %d kinds of malformed "
                 "exposition and reads a well-formed one"
                 % len(BAD_EXPOSITIONS), problem)


# --- instance "metrics" --------------------------------------------------------


def first_scrape(ctx, web):
    status, headers, body = web.get()
    ctx.check("GET /metrics answers 200 with the 0.0.4 text content type",
              None if status == 200 and headers.get("content-type", "")
              .startswith("text/plain; version=0.0.4") else
              "status %r, content-type %r" % (status,
                                               headers.get("content-type")))
    try:
        fams = promtext.parse(body.decode("utf-8"))
        problem = None
    except (promtext.ExpositionError, UnicodeDecodeError) as e:
        fams, problem = {}, str(e)
    ctx.check("the exposition passes the strict text-format check", problem)
    missing = ["%s (%s)" % (n, t) for n, t in FAMILIES.items()
               if n not in fams or fams[n].type != t]
    ctx.check("every documented family is there with its type",
              "missing or mistyped: " + ", ".join(missing) if missing
              else None)


def traffic(ctx):
    """Three calls: one relaying both ways, one deleted after relaying, one
    offered only, whose A's packets have no destination. Returns the
    delete reply of the deleted one and the live calls."""
    calls, problems = [], []
    for n, (a_ip, b_ip) in enumerate((("127.0.0.11", "127.0.0.21"),
                                      ("127.0.0.12", "127.0.0.22"))):
        a, b = ctx.endpoint(a_ip), ctx.endpoint(b_ip)
        call = ctx.call("m%d" % n)
        call.offer(sdp(a))
        call.answer(sdp(b))
        for i in range(5 + n):
            pkt = rtp(size=100 + i)
            send(a.rtp, pkt, call.a.rtp)
            problems.append(expect(b.rtp, pkt, call.b.rtp))
            pkt = rtp(size=60 + i)
            send(b.rtp, pkt, call.b.rtp)
            problems.append(expect(a.rtp, pkt, call.a.rtp))
        calls.append(call)
    a3 = ctx.endpoint("127.0.0.13")
    call3 = ctx.call("m-offer")
    call3.offer(sdp(a3))
    relay = call3.relay_from_query(call3.from_tag)
    for _ in range(3):
        send(a3.rtp, rtp(), relay.rtp)
    ctx.check("two calls relay RTP both ways", first_problem(*problems))
    wait_until(lambda: ctx.drops().get("no-destination") == 3, 3.0)
    deleted = calls[1].delete()
    ctx.client.request({"command": "query", "call-id": "no-such-call"})
    return deleted, [calls[0], call3]


def relayed_by_query(deleted, live):
    total = {"packets": 0, "bytes": 0, "errors": 0}
    for reply in [deleted] + [c.query() for c in live]:
        for kind in ("RTP", "RTCP"):
            for k in total:
                total[k] += reply["totals"][kind][k]
    return total


def ports_by_query(live):
    used = {}
    for call in live:
        for addr, _ in call.ports():
            used[addr] = used.get(addr, 0) + 1
    return used


def values_agree(ctx, web):
    deleted, live = traffic(ctx)
    stats = ng_stats(ctx.client)
    fams = web.scrape()
    cur, tot = stats["currentstatistics"], stats["totalstatistics"]
    ctl = stats["controlstatistics"]
    v = lambda name, **l: int(promtext.value(fams, name, **l))  # noqa: E731
    ctx.check("sessions, managed calls and rejected offers equal NG statistics",
              mismatches([
                  ("sessions", v("rtpgate_sessions"), cur["sessionstotal"]),
                  ("sessions_total", v("rtpgate_sessions_total"),
                   tot["managedsessions"]),
                  ("offers_rejected", v("rtpgate_offers_rejected_total"),
                   tot["rejectedsessions"]),
                  ("sessions after the test's calls", v("rtpgate_sessions"), 2)]))
    ctx.check("ended calls by reason equal NG statistics (one delete)",
              mismatches([("ended %s" % r, v("rtpgate_sessions_ended_total",
                                              reason=r), tot.get(k, 0))
                          for r, k in ENDED.items()] +
                         [("ended delete", v("rtpgate_sessions_ended_total",
                                             reason="delete"), 1)]))
    ctx.check("NG requests and errors by command equal controlstatistics",
              mismatches([("%s %s" % (c, k), v(m, command=c), ctl[c][k])
                          for c in COMMANDS for m, k in
                          (("rtpgate_ng_requests_total", "count"),
                           ("rtpgate_ng_errors_total", "errors"))]))
    hist = "rtpgate_ng_request_duration_seconds"
    ctx.check("the offer histogram counts each offer once, with time spent",
              mismatches([("offer _count", v(hist + "_count", command="offer"),
                           ctl["offer"]["count"]),
                          ("offer _sum > 0", promtext.value(
                              fams, hist + "_sum", command="offer") > 0,
                           True)]))
    drops = tot["drops"]
    ctx.check("drops by reason equal NG statistics (3 without destination)",
              mismatches([("drops %s" % r, v("rtpgate_drops_total", reason=r),
                           drops[r]) for r in drops] +
                         [("no-destination", drops.get("no-destination"), 3)]))
    want = relayed_by_query(deleted, live)
    ctx.check("packets, bytes and errors relayed equal query totals plus the "
              "deleted call's final totals",
              mismatches([(k, v("rtpgate_%s_total" % k, path="userspace"),
                           want[k]) for k in want] +
                         [("kernel %s" % k, v("rtpgate_%s_total" % k,
                                              path="kernel"), 0)
                          for k in want]))
    used = ports_by_query(live)
    sums = [("%s used" % a, int(promtext.total(
        fams, "rtpgate_interface_ports", address=a, state="used")), n)
        for a, n in used.items()]
    for addr in ("127.0.0.1", "127.0.0.2", "::1"):
        sums.append(("%s used + free" % addr, int(promtext.total(
            fams, "rtpgate_interface_ports", address=addr)),
            PORT_MAX - PORT_MIN + 1))
    ctx.check("ports used equal the live calls' streams; used + free is the "
              "range on every interface", mismatches(sums))
    up = promtext.value(fams, "rtpgate_uptime_seconds")
    ctx.check("uptime, build info, kernel and load-limit gauges read sanely",
              mismatches([("uptime about NG's", abs(up - tot["uptime"]) <= 2,
                           True),
                          ("build_info", v("rtpgate_build_info"), 1),
                          ("kernel_available", v("rtpgate_kernel_available"),
                           0),
                          ("limits exceeded", promtext.total(
                              fams, "rtpgate_load_limit_exceeded"), 0)]))


def http_rules(ctx, web):
    status, headers, body = web.get("/other")
    ctx.check("another path gets 404", None if status == 404 else
              "status %r" % status)
    status, headers, body = web.get(method="POST", body=b"x" * 100000)
    ctx.check("POST /metrics gets 405 naming GET and HEAD",
              None if status == 405 and "GET" in headers.get("allow", "")
              else "status %r, allow %r" % (status, headers.get("allow")))
    status, headers, body = web.get(method="HEAD")
    ctx.check("HEAD /metrics gets 200 and no body",
              None if status == 200 and body == b"" else
              "status %r, %d body bytes" % (status, len(body)))
    big = web.raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " +
                  b"a" * 70000 + b"\r\n\r\n")
    garbage = web.raw(b"\x16\x03\x01 not http at all\r\n\r\n")
    # the daemon may close while the 70 KB are still being sent: a reset
    # before the 4xx arrives is as good
    ctx.check("an oversized request head gets 4xx, a garbage request 400, "
              "and the port still serves",
              first_problem(
                  None if big == b"" or big.startswith(b"HTTP/1.1 4") else
                  "oversized: %r" % big[:40],
                  None if garbage.startswith(b"HTTP/1.1 400") else
                  "garbage: %r" % garbage[:40],
                  None if web.get()[0] == 200 else "then no 200"))


def held_connections(web, n):
    socks = []
    for i in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", web.port), 1.0,
                                         ("127.0.0.1", 0))
        except OSError:
            continue
        try:
            # a slow client (half a request head) or a reader that never reads
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" if i % 2 else
                      b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        except OSError:
            pass
        socks.append(s)
    return socks


def closed_by_peer(s):
    """True once the daemon has closed @s (whatever it answered first)."""
    s.setblocking(False)
    try:
        while s.recv(1 << 16):
            pass
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def still_open(socks):
    return sum(not closed_by_peer(s) for s in socks)


def ping_time(client):
    t0 = time.monotonic()
    try:
        ok = client.ping(timeout=1.0, retries=0).get("result") == "pong"
    except NgTimeout:
        ok = False
    return time.monotonic() - t0 if ok else None


def hostile_clients(ctx, web):
    idle = socket.create_connection(("127.0.0.1", web.port), 2.0,
                                    ("127.0.0.3", 0))
    opened = time.monotonic()
    socks = held_connections(web, 200)
    try:
        time.sleep(0.5)
        held = still_open(socks)
        ctx.check("one address holds at most %d connections; the rest are "
                  "closed" % PER_ADDRESS_MAX,
                  None if held <= PER_ADDRESS_MAX else
                  "%d of %d still open" % (held, len(socks)))
        took = ping_time(ctx.client)
        ctx.check("NG answers ping within 1 s while 200 connections and slow "
                  "clients hold the HTTP port",
                  None if took is not None else "no pong within 1 s")
        status = web.get(source="127.0.0.2")[0]
        ctx.check("a scrape from another address succeeds meanwhile",
                  None if status == 200 else "status %r" % status)
    finally:
        for s in socks:
            s.close()
    def scraped():
        try:	# the server may still be closing the flood: reset is "not yet"
            return web.get()[0] == 200
        except OSError:
            return False
    ctx.check("a scrape from the flooding address succeeds once it lets go",
              None if wait_until(scraped, 3.0) else "no 200")
    idle.settimeout(max(0.1, opened + IDLE_TIMEOUT + 5 - time.monotonic()))
    try:
        closed = idle.recv(1) == b""
    except socket.timeout:
        closed = False
    except OSError:
        closed = True
    idle.close()
    ctx.check("a connection that sends nothing is closed after the %d s idle "
              "timeout" % IDLE_TIMEOUT, None if closed else "still open")


def metrics_instance(ctx, web):
    first_scrape(ctx, web)
    values_agree(ctx, web)
    http_rules(ctx, web)
    hostile_clients(ctx, web)


# --- instances with limits -----------------------------------------------------


def try_offer(ctx, supports=None):
    """The reply to an offer for a new call; deleted again when it got one."""
    call = ctx.call("probe")
    msg = {"command": "offer", "call-id": call.id, "from-tag": call.from_tag,
           "sdp": sdp(ctx.endpoint("127.0.0.19"))}
    if supports:
        msg["supports"] = supports
    reply = ctx.client.request(msg)
    if reply.get("result") == "ok":
        ctx.client.request({"command": "delete", "call-id": call.id})
    return reply


def refused(reply):
    return reply.get("result") == "error" and \
        reply.get("error-reason") == LIMIT_REPLY


def wait_refusal(ctx, seconds, keep_busy=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if keep_busy:
            keep_busy()
        reply = try_offer(ctx)
        if refused(reply):
            return None
        time.sleep(0.2)
    return "new offers were still accepted after %.0f s (last reply %r)" \
        % (seconds, reply)


def limit_gauge(web, limit):
    return promtext.value(web.scrape(), "rtpgate_load_limit_exceeded",
                          limit=limit)


def bandwidth_instance(ctx, web):
    a, b = ctx.endpoint("127.0.0.14"), ctx.endpoint("127.0.0.24")
    call = ctx.call("bw")
    call.offer(sdp(a))
    call.answer(sdp(b))
    busy = lambda: send(a.rtp, rtp(), call.a.rtp)  # noqa: E731
    ctx.check("with --max-bandwidth=1, relayed traffic makes a new offer get "
              "'%s'" % LIMIT_REPLY, wait_refusal(ctx, 6.0, busy))
    reply = try_offer(ctx, supports=["load limit"])
    ctx.check("a client announcing 'load limit' gets result 'load limit'",
              None if reply.get("result") == "load limit" else repr(reply))
    pkt = rtp()
    send(a.rtp, pkt, call.a.rtp)
    reoffer = ctx.client.request({"command": "offer", "call-id": call.id,
                                  "from-tag": call.from_tag, "sdp": sdp(a)})
    ctx.check("the running call still relays and may be re-offered",
              first_problem(expect(b.rtp, pkt, call.b.rtp),
                            None if reoffer.get("result") == "ok" else
                            "re-offer: %r" % reoffer))
    ctx.check("/metrics shows the bandwidth limit exceeded",
              None if limit_gauge(web, "bandwidth") == 1 else "gauge not 1")
    ok = wait_until(lambda: try_offer(ctx).get("result") == "ok", 8.0, 0.3)
    ctx.check("new calls are accepted again once the traffic stops",
              None if ok else "still refused 8 s later")
    log = ctx.daemon.log_text()
    ctx.check("the log says when refusing starts (naming the option) and "
              "stops", first_problem(
                  None if "refusing new calls" in log and
                  "--max-bandwidth" in log else "no 'refusing' line",
                  None if "accepting new calls again" in log else
                  "no 'accepting' line"))
    stats = ng_stats(ctx.client)["totalstatistics"]
    ctx.check("refused offers count as rejected in statistics and /metrics",
              mismatches([("rejected", int(promtext.value(
                  web.scrape(), "rtpgate_offers_rejected_total")),
                  stats["rejectedsessions"]),
                  ("some rejected", stats["rejectedsessions"] >= 2, True)]))
    call.delete()


def load_instance(ctx, web):
    if os.getloadavg()[0] <= 0.0001:
        ctx.report.skip("the load average is 0: --max-load cannot be exceeded")
        return
    ctx.check("with --max-load=0.0001 a new offer gets '%s'" % LIMIT_REPLY,
              wait_refusal(ctx, 4.0))
    ctx.check("/metrics shows the load limit exceeded",
              None if limit_gauge(web, "load") == 1 else "gauge not 1")


def cpu_instance(ctx, web):
    ping = lambda: [ctx.client.ping() for _ in range(20)]  # noqa: E731
    ctx.check("with --max-cpu=0.0001 a new offer gets '%s'" % LIMIT_REPLY,
              wait_refusal(ctx, 4.0, ping))
    ctx.check("/metrics shows the CPU limit exceeded",
              None if limit_gauge(web, "cpu") == 1 else "gauge not 1")


FLOOD = 2000
RATE = 10
SUMMARY = re.compile(r"(\d+) similar messages suppressed: "
                     r"\"NG: dropped a %zu-byte datagram without a valid")


def log_flood_instance(ctx, web):
    t0 = time.monotonic()
    for i in range(0, FLOOD, 100):
        for _ in range(100):
            ctx.client.send_raw(b"no-cookie-here")
        ctx.client.ping()       # handled after the 100: none is lost
    took = time.monotonic() - t0
    time.sleep(2.2)             # the window ends, the 1 s tick writes summaries
    ctx.client.ping()
    lines = ctx.daemon.log_text().splitlines()
    written = [l for l in lines if "without a valid cookie" in l and
               "suppressed" not in l]
    suppressed = sum(int(m.group(1)) for l in lines
                     for m in [SUMMARY.search(l)] if m)
    bound = RATE * (int(took) + 2)
    ctx.check("a flood of %d datagrams without a cookie writes at most %d "
              "lines a second about them" % (FLOOD, RATE),
              None if 1 <= len(written) <= bound else
              "%d lines written in %.1f s" % (len(written), took))
    ctx.check("'similar messages suppressed' lines account for every "
              "datagram not logged",
              None if len(written) + suppressed == FLOOD else
              "%d written + %d suppressed != %d" % (len(written), suppressed,
                                                   FLOOD))
    ctx.check("the whole log stays bounded", None if len(lines) < 600 else
              "%d lines" % len(lines))
    n = promtext.value(web.scrape(), "rtpgate_ng_no_cookie_total")
    ctx.check("/metrics counts every one of them",
              None if n == FLOOD else "%r" % n)


INSTANCES = [
    ("metrics", [], metrics_instance),
    ("bandwidth", ["--max-bandwidth=1"], bandwidth_instance),
    ("load", ["--max-load=0.0001"], load_instance),
    ("cpu", ["--max-cpu=0.0001"], cpu_instance),
    ("log flood", ["--log-rate-limit=%d" % RATE], log_flood_instance),
]


def run_instance(report, path, name, args, fn):
    slug = name.replace(" ", "-")
    port = free_tcp_port()
    daemon = Daemon(path, PORT_MIN, PORT_MAX, "metrics-%s%s.log" % (
        slug, "-san" if "build-san" in path else ""),
        extra_args=["--listen-http=127.0.0.1:%d" % port, "--listen-cli=none",
                    "--table=-1"] + args)
    try:
        daemon.start()
    except DaemonError as e:
        report.fail("%s: rtpgated %s starts and answers ping"
                    % (name, " ".join(args)), str(e))
        return
    try:
        with daemon.client(timeout=2.0, retries=2) as client:
            ctx = Ctx(daemon, client, report)
            try:
                fn(ctx, Http(port))
            except Exception:
                report.fail("%s: the case runs to its end" % name,
                            traceback.format_exc(limit=4) + daemon.log_tail())
            finally:
                ctx.close()
        if not daemon.responsive():
            report.fail("%s: rtpgated still answers ping" % name,
                        daemon.log_tail())
    finally:
        daemon_shutdown_check(report, daemon, "metrics " + name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", default="build/rtpgated")
    ap.add_argument("--only", default="",
                    help="run only the instances whose name contains this")
    args = ap.parse_args()
    report = Report()
    checker_is_strict(report)
    if missing_daemon(report, args.daemon):
        return report.finish()
    for name, daemon_args, fn in INSTANCES:
        if args.only in name:
            run_instance(report, args.daemon, name, daemon_args, fn)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
