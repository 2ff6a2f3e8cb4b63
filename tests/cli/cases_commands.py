"""cases_commands - every CLI command against a daemon with known calls:
what list shows, what set changes, what terminate ends.
"""

import json
import os
import re
import struct
import time

from cases_forward import established, hop
from clikit import fields
from mediakit import (CaseError, first_problem, port_in_use, rtcp, rtp, sdp,
                      send, silence, wait_until)


def flow(call, a, b, n=3):
    """@n RTP packets each way and one RTCP from A; the first problem."""
    for _ in range(n):
        problem = first_problem(hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp),
                                hop(b.rtp, call.b.rtp, a.rtp, call.a.rtp))
        if problem:
            return problem
    return hop(a.rtcp, call.a.rtcp, b.rtcp, call.b.rtcp, rtcp())


def ng_stats(ctx):
    reply = ctx.client.request({"command": "statistics"})
    try:
        return reply["statistics"]
    except (KeyError, TypeError):
        raise CaseError("statistics reply without statistics: %r" % reply)


def stream_lines(text, port):
    """The endpoint line of the stream on local @port and the counters line
    after it, or (None, None)."""
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if re.search(r":%d <> " % port, line):
            return line, lines[i + 1]
    return None, None


def call_detail_problem(text, call, query):
    """None if `list callid` @text shows every stream of @query with the
    same packet counts, the tags, path, crypto and ICE."""
    for tag in (call.from_tag, call.to_tag):
        if "tag '%s'" % tag not in text:
            return "tag '%s' is missing:\n%s" % (tag, text)
    for party in query["tags"].values():
        for media in party["medias"]:
            for s in media["streams"]:
                head, counts = stream_lines(text, s["local port"])
                want = "packets %d | bytes %d | errors %d" % (
                    s["stats"]["packets"], s["stats"]["bytes"],
                    s["stats"]["errors"])
                if head is None or want not in counts:
                    return "stream on port %d: wanted %r, got %r / %r" % (
                        s["local port"], want, head, counts)
                for part in ("path userspace", "crypto none", "ICE none"):
                    if part not in head:
                        return "stream line %r lacks %r" % (head, part)
    return None


def call_details(ctx):
    call, a, b = established(ctx, "127.0.0.11", "127.0.0.21")
    ctx.check("RTP and RTCP flow through a call set up over NG", flow(call, a, b))
    query = call.query()
    text = ctx.cli("list callid " + call.id)
    ctx.check("list callid shows each tag and each stream with the packet, "
              "byte and error counts query reports, path userspace, crypto "
              "none, ICE none", call_detail_problem(text, call, query))
    for seq in range(1, 4):
        pkt = struct.pack("!BBHII", 0x80, 8, seq, seq * 160, 0x5eed0001) + os.urandom(160)
        problem = hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp, pkt)
        if problem:
            raise CaseError(problem)
    text = ctx.cli("list callid " + call.id)
    ctx.check("list callid shows the learned peer and the per-SSRC statistics "
              "of 3 packets of one SSRC", None if "(learned)" in text and
              re.search(r"SSRC 0x5eed0001 \| packets 3 \| payload bytes 480 \| "
                        r"expected 3 \| lost 0 \| jitter \d+ \| payload types 8$",
                        text, re.M) else text)
    ctx.check("list callid of an unknown call is one error line",
              None if ctx.cli("list callid no-such-call") ==
              "error: no call with call-id 'no-such-call'\n" else "wrong answer")
    call.delete()


def totals(ctx):
    call, a, b = established(ctx, "127.0.0.12", "127.0.0.22")
    problem = flow(call, a, b)
    stats = ng_stats(ctx)
    got = ctx.fields("list totals")
    relayed = int(got.get("Packets relayed (userspace)", "-1"))
    ctx.check("list totals counts the packets relayed in userspace (at "
              "least the 7 just sent) and none in the kernel",
              problem or (None if relayed >= 7 and got.get(
                  "Packets relayed (kernel)") == "0" else repr(got)))
    tot = stats["totalstatistics"]
    want = {"Uptime of rtpgate": None,
            "Total managed sessions": tot["managedsessions"],
            "Total rejected offers": tot["rejectedsessions"],
            "Current sessions total": stats["currentstatistics"]["sessionstotal"],
            "Packets dropped (no-destination)": tot["drops"]["no-destination"],
            "Total offer-timeout sessions": tot["offertimeoutsessions"]}
    bad = [k for k, v in want.items() if k not in got or
           (v is not None and got[k].split()[0] != str(v))]
    ctx.check("list totals shows uptime, sessions, rejected offers, "
              "timeouts and drops as NG statistics counts them",
              "%r vs %r" % (bad, got) if bad else None)
    offer = stats["controlstatistics"]["offer"]
    line = re.search(r"^offer +(\d+) +(\d+) +(\d+)$", ctx.cli("list totals"), re.M)
    ctx.check("list totals shows each NG command with its count, errors and "
              "average time", None if line and int(line.group(1)) ==
              offer["count"] else "offer line %r, statistics %r" % (
                  line and line.group(0), offer))
    call.delete()


def session_ids(text):
    return sorted(re.findall(r"^callid: (.*?) \| created", text, re.M))


def sessions(ctx):
    calls = [ctx.call("sessions") for _ in range(2)]
    for c in calls:
        c.offer(sdp(ctx.endpoint("127.0.0.13")))
    listed = ctx.listed()
    text = ctx.cli("list sessions all")
    lines = [l for l in text.splitlines() if l.startswith("callid: ")]
    ctx.check("list sessions all has one line per call NG lists, with the "
              "offerer's tag", None if len(lines) == len(listed) and all(
                  ("callid: %s |" % c.id) in text and c.from_tag in text
                  for c in calls) else text)
    ctx.check("list sessions own lists the same calls",
              None if session_ids(ctx.cli("list sessions own")) ==
              session_ids(text) else "differs")
    ctx.check("list sessions 1 lists one call, 0 none, foreign none", first_problem(
        None if len(ctx.cli("list sessions 1").splitlines()) == 1 else "1",
        None if ctx.cli("list sessions 0") == "no sessions\n" else "0",
        None if ctx.cli("list sessions foreign") == "no foreign sessions\n"
        else "foreign"))
    num = ctx.fields("list numsessions")
    ctx.check("list numsessions counts the calls NG lists",
              None if num.get("Current sessions total") == str(len(listed)) and
              num.get("Current sessions own") == str(len(listed)) else repr(num))
    ctx.check("list sessions with a bad argument is an error line",
              None if ctx.cli("list sessions many").startswith("error: ") else "no error")
    for c in calls:
        c.delete()


def interfaces(ctx):
    call, a, b = established(ctx, "127.0.0.14", "127.0.0.24")
    text = ctx.cli("list interfaces")
    rows = re.findall(r"^interface (\S+) \| address (\S+) \| advertised (\S+) \| "
                      r"port pairs used (\d+), free (\d+), total (\d+)$", text, re.M)
    by_addr = {r[1]: r for r in rows}
    ok = len(rows) == 3 and by_addr.get("127.0.0.2", ())[2:3] == ("203.0.113.5",) \
        and all(int(r[3]) + int(r[4]) == int(r[5]) == 500 for r in rows) \
        and int(by_addr.get("127.0.0.1", (0,) * 6)[3]) >= 2
    ctx.check("list interfaces shows each interface's name, address, "
              "advertised address and port pairs used and free", None if ok else text)
    call.delete()


def jsonstats(ctx):
    text = ctx.cli("list jsonstats")
    try:
        got = json.loads(text)
    except ValueError as e:
        ctx.check("list jsonstats is one line of JSON", "%s: %r" % (e, text[:200]))
        return
    want = ng_stats(ctx)

    def shape(d):
        return {k: shape(v) if isinstance(v, dict) else type(v).__name__
                for k, v in d.items()}
    ctx.check("list jsonstats has the keys and values of NG statistics",
              None if shape(got) == shape(want) and text.count("\n") == 1 and
              got["totalstatistics"]["managedsessions"] ==
              want["totalstatistics"]["managedsessions"] else
              "%r\nvs\n%r" % (shape(got), shape(want)))


SETTINGS = [("maxsessions", "max-sessions", 5000, 10000001),
            ("timeout", "timeout", 7200, -1),
            ("silenttimeout", "silent-timeout", 7200, 604801),
            ("finaltimeout", "final-timeout", 86400, -5),
            ("offertimeout", "offer-timeout", 7200, "x"),
            ("deletedelay", "delete-delay", 5, 3601),
            ("maxload", "max-load", 4, -1),
            ("maxcpu", "max-cpu", 150, 1000001),
            ("maxbw", "max-bandwidth", 1000000, -5)]


def setting_problem(ctx, name, alias, value, bad):
    old = ctx.field_int("list " + name, name)
    answer = ctx.cli("set %s %d" % (alias, value))
    if answer != "ok: %s set to %d (was %d)\n" % (name, value, old):
        return "set %s: %r" % (alias, answer)
    if ctx.field_int("list " + alias, name) != value:
        return "list %s does not show %d" % (alias, value)
    if not ctx.cli("set %s %s" % (name, bad)).startswith("error: %s wants" % name):
        return "set %s %s was not refused" % (name, bad)
    if ctx.field_int("list " + name, name) != value:
        return "a refused value changed %s" % name
    ctx.cli("set %s %d" % (name, old))
    return None if ctx.field_int("list " + name, name) == old else "not restored"


def settings(ctx):
    for name, alias, value, bad in SETTINGS:
        ctx.check("set %s N changes what list %s shows (also as %s); an out "
                  "of range value is refused" % (name, name, alias),
                  setting_problem(ctx, name, alias, value, bad))
    answers = [ctx.cli("set maxload 2.5"), ctx.cli("list maxload"),
               ctx.cli("set maxbw 1.5"), ctx.cli("set maxload 0")]
    ctx.check("maxload takes a fraction (2.5), maxbw only whole bytes",
              None if answers[0] == "ok: maxload set to 2.5 (was 0)\n" and
              fields(answers[1]).get("maxload") == "2.5" and
              answers[2].startswith("error: maxbw wants a number") and
              answers[3].startswith("ok:") else repr(answers))


def log_count(ctx, text):
    return ctx.daemon.log_text().count(text)


def loglevel(ctx):
    ctx.check("list loglevel shows the --log-level the daemon started with",
              None if ctx.field_int("list loglevel", "loglevel") == 7 else "not 7")
    answer = ctx.cli("set loglevel 4")
    before = log_count(ctx, "ping ok")
    ctx.client.ping()
    time.sleep(0.2)
    quiet = log_count(ctx, "ping ok") == before
    ctx.cli("set loglevel 7")
    ctx.client.ping()
    loud = wait_until(lambda: log_count(ctx, "ping ok") > before, 2)
    ctx.check("set loglevel 4 silences info lines and set loglevel 7 brings "
              "them back", None if answer.startswith("ok: loglevel set to 4")
              and quiet and loud else "%r quiet=%s loud=%s" % (answer, quiet, loud))
    ctx.check("set loglevel 8 is refused", None if ctx.cli(
        "set loglevel 8").startswith("error: loglevel wants a number from 0 to 7")
        else "accepted")


def offer_reply(ctx, extra=None):
    msg = {"command": "offer", "call-id": "maxsess-" + str(time.time()),
           "from-tag": "x", "sdp": sdp(ctx.endpoint("127.0.0.15"))}
    msg.update(extra or {})
    return ctx.client.request(msg)


def max_sessions(ctx):
    call, a, b = established(ctx, "127.0.0.16", "127.0.0.26")
    try:
        answer = ctx.cli("set maxsessions 0")
        r1 = offer_reply(ctx)
        r2 = offer_reply(ctx, {"supports": ["load limit"]})
        ctx.check("after set maxsessions 0 a new offer fails with 'Parallel "
                  "session limit reached'", None if answer.startswith("ok:") and
                  r1.get("result") == "error" and r1.get("error-reason") ==
                  "Parallel session limit reached" else "%r %r" % (answer, r1))
        ctx.check("with supports [load limit] the refused offer gets result "
                  "'load limit'", None if r2 == {"result": "load limit"} else repr(r2))
        ctx.check("a call that existed before the limit still relays both ways",
                  flow(call, a, b, 1))
    finally:
        ctx.cli("set maxsessions -1")
    r3 = offer_reply(ctx)
    ctx.check("after set maxsessions -1 offers succeed again",
              None if r3.get("result") == "ok" else repr(r3))
    call.delete()


def max_bandwidth(ctx):
    """set maxbw at run time works as --max-bandwidth does: relayed traffic
    over it refuses new calls at the next measurement, 0 lifts it."""
    call, a, b = established(ctx, "127.0.0.17", "127.0.0.27")
    answer = ctx.cli("set maxbw 1")
    try:
        refused = wait_until(lambda: flow(call, a, b, 1) is None and
                             offer_reply(ctx).get("error-reason") ==
                             "Parallel session limit reached", 6.0, 0.2)
    finally:
        ctx.cli("set maxbw 0")
    ctx.check("after set maxbw 1, relayed traffic makes a new offer fail with "
              "'Parallel session limit reached'", None if answer.startswith(
                  "ok: maxbw set to 1") and refused else "%r refused=%s"
              % (answer, refused))
    ok = wait_until(lambda: offer_reply(ctx).get("result") == "ok", 6.0, 0.2)
    ctx.check("after set maxbw 0 offers succeed again", None if ok else
              "still refused")
    call.delete()


def forced(ctx):
    return ctx.field_int("list totals", "Total forced terminated sessions (CLI)")


def terminate_one(ctx):
    call, a, b = established(ctx, "127.0.0.17", "127.0.0.27")
    problem = flow(call, a, b, 1)
    ports = call.ports()
    before, ng_before = forced(ctx), ng_stats(ctx)["totalstatistics"]["forcedterminatedsessions"]
    answer = ctx.cli("terminate " + call.id)
    gone = call.id not in ctx.listed()
    query = ctx.client.request({"command": "query", "call-id": call.id})
    ctx.check("terminate CALL-ID ends the call: ok line, no longer in NG list, "
              "query says Unknown call-id", problem or first_problem(
                  None if answer == "ok: call '%s' terminated\n" % call.id else answer,
                  None if gone else "still listed",
                  None if query.get("error-reason") == "Unknown call-id" else repr(query)))
    send(a.rtp, rtp(), call.a.rtp)
    ctx.check("after terminate the call's relay ports forward nothing and are "
              "free again", first_problem(
                  silence(b.rtp, 0.3),
                  None if not any(port_in_use(ip, p) for ip, p in ports)
                  else "a relay port is still bound"))
    ctx.check("terminate counts a forced termination in list totals and NG "
              "statistics", None if forced(ctx) == before + 1 and ng_stats(ctx)[
                  "totalstatistics"]["forcedterminatedsessions"] == ng_before + 1
              else "forced %d -> %d" % (before, forced(ctx)))
    ctx.check("terminate of an unknown call-id is an error line",
              None if ctx.cli("terminate no-such-call") ==
              "error: no call with call-id 'no-such-call'\n" else "wrong answer")


def terminate_all(ctx):
    for _ in range(3):
        ctx.call("all").offer(sdp(ctx.endpoint("127.0.0.19")))
    n, before = len(ctx.listed()), forced(ctx)
    answer = ctx.cli("terminate all")
    ctx.check("terminate all ends every call", None if answer ==
              "ok: %d calls terminated\n" % n and n >= 3 and not ctx.listed() and
              ctx.fields("list numsessions").get("Current sessions total") == "0"
              and forced(ctx) == before + n else "%r (%d listed before)" % (answer, n))


def unknown(ctx):
    ctx.check("an unknown command gets exactly one line \"error: unknown "
              "command '<cmd>'\"", first_problem(
                  None if ctx.cli("frobnicate") ==
                  "error: unknown command 'frobnicate'\n" else "frobnicate",
                  None if ctx.cli("list frob") ==
                  "error: unknown command 'list frob'\n" else "list frob"))
    ctx.check("an empty line and a missing argument get an error line",
              None if ctx.cli("").startswith("error: ") and ctx.cli(
                  "list callid").startswith("error: usage: list callid") and
              ctx.cli("set timeout").startswith("error: usage") else "no error")
    ctx.check("command words match in any case and a CR LF line works",
              None if "Uptime of rtpgate" in ctx.cli("LIST Totals\r") else "no")
    ctx.check("help lists the commands", None if all(
        w in ctx.cli("help") for w in ("list totals", "terminate", "set loglevel"))
        else "incomplete")


CASES = [("list callid", call_details), ("list totals", totals),
         ("list sessions", sessions), ("list interfaces", interfaces),
         ("list jsonstats", jsonstats), ("set/list settings", settings),
         ("loglevel", loglevel), ("maxsessions", max_sessions),
         ("maxbw", max_bandwidth),
         ("terminate", terminate_one), ("terminate all", terminate_all),
         ("unknown commands", unknown)]

__all__ = ["CASES", "fields"]
