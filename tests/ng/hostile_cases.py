"""hostile_cases - the cases of run_hostile.py, in the order they run.

Each case is (sentence, fn); fn(h) gets a run_hostile.Harness and returns
None when the daemon behaved, else what went wrong (or raises Problem).
"""

import os
import signal
import subprocess
import time

from mutate import Mutator
from ngclient import (INTERFACES, Daemon, bencode_encode, daemon_env,
                      free_udp_port, new_cookie)

CASES = []


class Problem(Exception):
    """What a case or the harness found wrong; the case fails with it."""


def case(name):
    def register(fn):
        CASES.append((name, fn))
        return fn
    return register


def sdp(media=1, extra=""):
    """A valid offer SDP with @media audio sections and @extra lines."""
    lines = ["v=0", "o=alice 1 1 IN IP4 198.51.100.1", "s=-",
             "c=IN IP4 198.51.100.1", "t=0 0"]
    for i in range(media):
        lines.append("m=audio %d RTP/AVP 0" % (6000 + 2 * i))
    return "\r\n".join(lines) + "\r\n" + extra


def offer(call_id, body=None, **keys):
    msg = {"command": "offer", "call-id": call_id, "from-tag": "alice",
           "sdp": body if body is not None else sdp()}
    msg.update(keys)
    return msg


# --- framing -------------------------------------------------------------

SILENT = [
    ("a lone cookie without a space", b"8c21e7a0"),
    ("an empty datagram", b""),
    ("a datagram starting with a space (empty cookie)",
     b" d7:command4:pinge"),
]
for _desc, _datagram in SILENT:
    case("%s gets no reply and the daemon still answers ping" % _desc)(
        lambda h, d=_datagram: h.expect_silence(d))


@case("a cookie without bencode but with a space gets an error reply with a reason")
def _(h):
    return h.expect_error(b"")


@case("a binary cookie is echoed byte for byte in the reply")
def _(h):
    cookie = b"\x01\xff\x80cookie\x7f"
    _, raw = h.send(b"d7:command4:pinge", cookie=cookie)
    if raw is None or not raw.startswith(cookie + b" d"):
        return "expected a reply starting with the cookie, got %r" % (raw,)
    return None


# --- malformed bencode: each gets an error reply with a reason -----------

DEEP_LIST = b"l" * 65000
BAD_BENCODE = [
    ("a truncated dict", b"d7:command4:pin"),
    ("a dict that ends after a key", b"d7:command"),
    ("an unterminated dict", b"d7:command4:ping"),
    ("an unterminated list in a dict", b"d7:command4:ping5:flagsl4:fast"),
    ("a string length past the end", b"d7:command40:ping e"),
    ("a negative string length", b"d7:command-4:pinge"),
    ("a string length with a leading zero", b"d07:command4:pinge"),
    ("an integer with leading zeros", b"d7:command4:ping5:limiti007ee"),
    ("the integer -0", b"d7:command4:ping5:limiti-0ee"),
    ("an empty integer", b"d7:command4:ping5:limitiee"),
    ("an integer that overflows 64 bits",
     b"d7:command4:ping5:limiti99999999999999999999999999ee"),
    ("an integer with a letter in it", b"d7:command4:ping5:limiti1x2ee"),
    ("an unterminated integer", b"d7:command4:ping5:limiti12"),
    ("an integer dict key", b"di1e4:pinge"),
    ("a list as dict key", b"dle4:pinge"),
    ("a stray 'e'", b"e"),
    ("an unknown type byte", b"x"),
    ("bytes after the dict", b"d7:command4:pingeXYZ"),
    ("two dicts", b"d7:command4:pingede"),
    ("a huge declared string length", b"d7:command99999999999999999999:pinge"),
    ("a string length of 2^32 + 4", b"d7:command4294967300:pinge"),
    ("a string length of 2^64 + 4", b"d7:command18446744073709551620:pinge"),
    ("a string length of 2^64 - 1", b"d7:command18446744073709551615:pinge"),
    ("a string length of 9999999 in a short datagram", b"9999999:abc"),
    ("a key without a value", b"d7:commande"),
    ("a NUL byte between items", b"d7:command4:ping\x00e"),
    ("bytes that are not bencode", b"\xff\xfe\xfd\x00\x01"),
    ("65000 nested lists without an end", DEEP_LIST),
    ("32000 nested lists, closed, in a dict",
     b"d7:command4:ping1:x" + b"l" * 32000 + b"e" * 32000 + b"e"),
    ("12000 nested dicts", b"d1:a" * 12000 + b"i1e" + b"e" * 12000),
    ("a string of 9 digits only", b"123456789"),
]


def _bad_bencode_case(body):
    return lambda h: h.expect_error(body)


for _desc, _body in BAD_BENCODE:
    case("bencode with %s gets an error reply with a reason" % _desc)(
        _bad_bencode_case(_body))

NOT_A_DICT = [("a string", b"4:ping"), ("an integer", b"i42e"),
              ("an empty list", b"le"),
              ("a list holding a command", b"l7:command4:pinge")]
for _desc, _body in NOT_A_DICT:
    case("bencoded %s instead of a dict gets an error reply" % _desc)(
        _bad_bencode_case(_body))


@case("an empty dict gets 'No command in message'")
def _(h):
    return h.expect_error(b"de", "No command in message")


@case("a command with a NUL byte in it is unrecognized")
def _(h):
    return h.expect_error(b"d7:command5:pi\x00nge", "Unrecognized command")


# --- values of the wrong type --------------------------------------------

WRONG_TYPES = [
    ("command as an integer", {"command": 1}),
    ("command as a list", {"command": ["ping"]}),
    ("call-id as a list", offer(["x"])),
    ("call-id as a dict", offer({"a": "b"})),
    ("from-tag as a dict", dict(offer("wt-1"), **{"from-tag": {"x": 1}})),
    ("sdp as an integer", offer("wt-2", 42)),
    ("sdp as a list", offer("wt-3", [sdp()])),
    ("flags as a string", offer("wt-4", flags="replace-origin")),
    ("flags holding a list", offer("wt-5", flags=[["fatal"]])),
    ("direction with one element", offer("wt-6", direction=["internal"])),
    ("direction as a string", offer("wt-7", direction="internal")),
    ("replace as a string", offer("wt-8", replace="origin")),
    ("codec as a list", offer("wt-9", codec=["strip"])),
    ("codec strip as a string", offer("wt-10", codec={"strip": "PCMA"})),
    ("ICE as a list", offer("wt-11", ICE=["remove"])),
    ("limit that is not a number", {"command": "list", "limit": "lots"}),
    ("limit as a list", {"command": "list", "limit": [1]}),
    ("delete-delay as a dict", {"command": "delete", "call-id": "wt-12",
                                "delete-delay": {"a": 1}}),
]


def _wrong_type_case(msg):
    return lambda h: h.expect_error(bencode_encode(msg))


for _desc, _msg in WRONG_TYPES:
    case("%s gets an error reply, not a crash" % _desc)(
        _wrong_type_case(_msg))


# --- hostile SDP: a reply, and the daemon stays up ------------------------

def _sdp_reply_case(body, must_fail):
    def run(h):
        msg = offer("hs-%s" % new_cookie(), body)
        reply = h.reply_dict(bencode_encode(msg))
        if must_fail and reply.get("result") != "error":
            return "expected an error, got %r" % (reply,)
        h.request({"command": "delete", "call-id": msg["call-id"]})
        return h.ping_problem()
    return run


HOSTILE_SDP = [
    ("an empty SDP", "", True),
    ("an SDP with NUL bytes", sdp(1, "a=x\x00y\r\n\x00\r\n"), False),
    ("an m= port of 70000", sdp(0, "m=audio 70000 RTP/AVP 0\r\n"), True),
    ("an m= port of -1", sdp(0, "m=audio -1 RTP/AVP 0\r\n"), True),
    ("5000 m= lines", sdp(5000)[:60000], True),
    ("an m= line with 2000 formats",
     sdp(0, "m=audio 6000 RTP/AVP " + " ".join(["0"] * 2000) + "\r\n"), False),
    ("a 60000-byte attribute line", sdp(1, "a=" + "x" * 60000 + "\r\n"), False),
    ("bare LF line ends", sdp(1).replace("\r\n", "\n"), False),
    ("a c= address that is not an address", sdp(1).replace(
        "IN IP4 198.51.100.1\r\nt=", "IN IP4 999.1.1.1\r\nt="), False),
    ("an IPv6 c= that is not an address", sdp(1).replace(
        "c=IN IP4 198.51.100.1", "c=IN IP6 ::::::"), False),
    ("an a=rtcp without a port", sdp(1, "a=rtcp:\r\n"), False),
    ("an m= line with a port count", sdp(0, "m=audio 6000/2 RTP/AVP 0\r\n"),
     False),
    ("lines without '='", sdp(1, "garbage\r\n\r\n\r\n"), False),
    ("4000 a= lines", sdp(1, "a=x\r\n" * 4000), False),
    ("an rtpmap with a payload type of 300", sdp(1, "a=rtpmap:300 X/1\r\n"),
     False),
]
for _desc, _body, _fail in HOSTILE_SDP:
    case("an offer with %s gets a reply and the daemon stays up" % _desc)(
        _sdp_reply_case(_body, _fail))


# --- hostile WebRTC SDP: DTLS and ICE attributes ------------------------

def webrtc_sdp(fp="sha-256 " + ":".join(["AB"] * 32), setup="actpass",
               ufrag="Xk3b", pwd="6yQm1n5aTfGv9sS1kX0wZr2p", extra=""):
    """A browser's offer with the given DTLS and ICE attributes (None:
    left out)."""
    lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
             "m=audio 9 UDP/TLS/RTP/SAVPF 0", "c=IN IP4 0.0.0.0",
             "a=rtcp-mux"]
    for name, value in (("fingerprint", fp), ("setup", setup),
                        ("ice-ufrag", ufrag), ("ice-pwd", pwd)):
        if value is not None:
            lines.append("a=%s:%s" % (name, value))
    return "\r\n".join(lines) + "\r\n" + extra


def _webrtc_case(body, must_fail, keys):
    def run(h):
        msg = offer("hw-%s" % new_cookie(), body, **keys)
        reply = h.reply_dict(bencode_encode(msg))
        if must_fail and reply.get("result") != "error":
            return "expected an error, got %r" % (reply,)
        if not must_fail and reply.get("result") != "ok":
            return "expected ok, got %r" % (reply,)
        ans = {"command": "answer", "call-id": msg["call-id"],
               "from-tag": "alice", "to-tag": "bob", "sdp": sdp(1),
               "transport-protocol": "UDP/TLS/RTP/SAVPF", "ICE": "force"}
        h.reply_dict(bencode_encode(ans))
        h.request({"command": "delete", "call-id": msg["call-id"]})
        return h.ping_problem()
    return run


TO_PHONE = {"transport-protocol": "RTP/AVP", "ICE": "remove"}
HOSTILE_WEBRTC = [
    ("no a=fingerprint", webrtc_sdp(fp=None), True, TO_PHONE),
    ("an a=fingerprint without a hash", webrtc_sdp(fp="AB:CD"), True, TO_PHONE),
    ("an a=fingerprint with an unknown hash",
     webrtc_sdp(fp="md5 " + ":".join(["AB"] * 16)), False, TO_PHONE),
    ("an a=fingerprint of 3000 bytes",
     webrtc_sdp(fp="sha-256 " + "AB:" * 1000), True, TO_PHONE),
    ("an a=fingerprint of odd hex", webrtc_sdp(fp="sha-256 A:B:C:ZZ"), False,
     TO_PHONE),
    ("an a=setup of holdconn", webrtc_sdp(setup="holdconn"), False, TO_PHONE),
    ("an a=setup of 500 bytes", webrtc_sdp(setup="x" * 500), False, TO_PHONE),
    ("an ice-ufrag of 300 characters", webrtc_sdp(ufrag="u" * 300), True,
     TO_PHONE),
    ("an ice-pwd with characters outside ice-char",
     webrtc_sdp(pwd="\x7f\x01 pwd"), False, TO_PHONE),
    ("an ice-ufrag without ice-pwd", webrtc_sdp(pwd=None), False, TO_PHONE),
    ("two a=fingerprint lines, session and media level",
     webrtc_sdp().replace("t=0 0", "t=0 0\r\na=fingerprint:sha-1 00"), False,
     TO_PHONE),
    ("a BUNDLE group of 500 mids",
     webrtc_sdp().replace("t=0 0", "t=0 0\r\na=group:BUNDLE " +
                          " ".join(str(i) for i in range(500))), False, TO_PHONE),
    ("DTLS=off", webrtc_sdp(), True, dict(TO_PHONE, DTLS="off")),
    ("DTLS-fingerprint of md5", webrtc_sdp(), True,
     dict(TO_PHONE, **{"DTLS-fingerprint": "md5"})),
]
for _desc, _body, _fail, _keys in HOSTILE_WEBRTC:
    case("a browser offer with %s gets a %s and the daemon stays up" % (
        _desc, "clear error" if _fail else "reply"))(
        _webrtc_case(_body, _fail, _keys))


def padded_sdp(size):
    """A valid one-media SDP of exactly @size bytes (lines of 100 bytes)."""
    text = sdp(1)
    left = size - len(text)
    lines = ["a=" + "p" * 96 + "\r\n"] * (left // 100)
    if left % 100 >= 4:
        lines.append("a=" + "p" * (left % 100 - 4) + "\r\n")
    elif left % 100:
        lines[0] = "a=" + "p" * (96 + left % 100) + "\r\n"
    return text + "".join(lines)


@case("an offer in a 65000-byte datagram gets a reply")
def _(h):
    cookie = b"12345678"
    overhead = len(cookie) + 1 + len(bencode_encode(offer("big-offer", ""))) - 1
    data = bencode_encode(offer("big-offer", padded_sdp(65000 - overhead - 5)))
    if len(cookie) + 1 + len(data) != 65000:
        return "test bug: the datagram has %d bytes" % (len(data) + 9)
    h.reply_dict(data, cookie=cookie)
    h.request({"command": "delete", "call-id": "big-offer"})
    return None


@case("a 65507-byte datagram of junk (the largest UDP payload) gets an error reply")
def _(h):
    return h.expect_error(b"x" * (65507 - len(b"12345678 ")), cookie=b"12345678")


@case("30000 items in one datagram are decoded within the limits")
def _(h):
    reply = h.reply_dict(b"d7:command4:ping1:xl" + b"le" * 30000 + b"ee")
    if reply.get("result") != "pong":
        return "expected pong (with a warning about key 'x'), got %s" % (
            repr(reply)[:300])
    return None


@case("a burst of 2000 pings without waiting leaves the daemon answering")
def _(h):
    for i in range(2000):
        h.client.send_raw(b"burst%d d7:command4:pinge" % i)
    time.sleep(0.5)
    h.client.drain()
    return h.ping_problem()


# --- retransmissions ----------------------------------------------------

def offer_count(h):
    ctl = h.request({"command": "statistics"}).get("statistics", {}).get(
        "controlstatistics", {})
    value = ctl.get("offer")
    return value.get("count") if isinstance(value, dict) else value


@case("a retransmitted offer gets the identical reply and is executed once")
def _(h):
    before = offer_count(h)
    data = bencode_encode(offer("rtx-offer"))
    cookie, first = h.send(data)
    _, second = h.send(data, cookie=cookie)
    after = offer_count(h)
    calls = h.request({"command": "list", "limit": 10000}).get("calls", [])
    h.request({"command": "delete", "call-id": "rtx-offer"})
    if first is None or first != second:
        return "replies differ:\n%r\n%r" % (first, second)
    if b"sdp" not in first:
        return "the offer failed: %r" % first[:300]
    if calls.count("rtx-offer") != 1:
        return "list shows the call %d times" % calls.count("rtx-offer")
    if not isinstance(before, int) or after != before + 1:
        return "the offer count went from %r to %r" % (before, after)
    return None


@case("a request reusing a cookie gets the first reply and is not executed")
def _(h):
    cookie, first = h.send(bencode_encode(offer("rtx-first")))
    _, second = h.send(bencode_encode(offer("rtx-second")), cookie=cookie)
    query = h.request({"command": "query", "call-id": "rtx-second"})
    h.request({"command": "delete", "call-id": "rtx-first"})
    h.request({"command": "delete", "call-id": "rtx-second"})
    if first is None or first != second:
        return "replies differ:\n%r\n%r" % (first, second)
    if query.get("error-reason") != "Unknown call-id":
        return "the second request was executed: query gave %r" % query
    return None


@case("a retransmitted delete gets the cached ok, not an Unknown call-id warning")
def _(h):
    h.request(offer("rtx-delete"))
    data = bencode_encode({"command": "delete", "call-id": "rtx-delete"})
    cookie, first = h.send(data)
    _, second = h.send(data, cookie=cookie)
    if first is None or first != second:
        return "replies differ:\n%r\n%r" % (first, second)
    if b"warning" in first or b"5:errore" in first:
        return "the first delete did not succeed cleanly: %r" % first[:300]
    return None


@case("the same cookie from another source port is a new request")
def _(h):
    cookie, first = h.send(b"d7:command4:pinge")
    with h.daemon.client() as other:
        reply = h.reply_dict(b"d7:command10:statisticse", cookie=cookie,
                             client=other)
    if first is None or reply.get("result") != "ok" or \
            "statistics" not in reply:
        return "expected a statistics reply, got %r" % (reply,)
    return None


# --- resources ----------------------------------------------------------

@case("offers beyond the port range get 'Ran out of ports' and delete gives the ports back")
def _(h):
    h.delete_all()
    body = sdp(64)
    replies = [h.request(offer("ports-%d" % i, body)) for i in range(5)]
    errors = [r.get("error-reason") for r in replies if r["result"] != "ok"]
    h.delete_all()
    again = h.request(offer("ports-again", body))
    h.delete_all()
    if "Ran out of ports" not in errors:
        return "expected 'Ran out of ports' among %r" % (errors,)
    if again.get("result") != "ok":
        return "after delete the offer still fails: %r" % (again,)
    return None


def valid_reply_after(setup, request):
    """A case: sends the offers @setup, then checks that @request gets a
    valid reply; the calls are deleted whatever happens."""
    def run(h):
        h.delete_all()
        try:
            for msg in setup:
                h.request(msg)
            h.reply_dict(bencode_encode(request))
        finally:
            for cid in sorted({m["call-id"] for m in setup}):
                h.request({"command": "delete", "call-id": cid,
                           "flags": ["fast"]})
        return None
    return run


case("a list whose reply cannot fit in one datagram still gets a valid reply")(
    valid_reply_after([offer("%d-%s" % (i, "L" * 30000)) for i in range(3)],
                      {"command": "list"}))
case("the query of a 64-media call gets a valid reply even if it is too big for a datagram")(
    valid_reply_after([offer("big-query", sdp(64))],
                      {"command": "query", "call-id": "big-query"}))
case("two unanswered offers from different tags in one call give a query reply without duplicate keys")(
    valid_reply_after([offer("two-offers"),
                       dict(offer("two-offers"), **{"from-tag": "carol"})],
                      {"command": "query", "call-id": "two-offers"}))


# --- the command line ---------------------------------------------------

def base_args():
    return ["--config-file=none", "--foreground", "--log-stderr",
            "--listen-ng=127.0.0.1:%d" % free_udp_port(), "--port-min=21000",
            "--port-max=21999"] + ["--interface=" + i for i in INTERFACES]


def exits_1_naming(args, name):
    """A case: the daemon started with the usual options and then @args
    exits 1 within 10 s and its output names @name."""
    def run(h):
        path = h.daemon.path
        try:
            done = subprocess.run([path] + base_args() + args, stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=10,
                                  env=daemon_env(path))
        except subprocess.TimeoutExpired:
            return "still running after 10 s (killed)"
        out = (done.stdout + done.stderr).decode("utf-8", "replace")
        if done.returncode != 1 or name not in out:
            return "expected exit 1 and a message naming %r, got exit %d:" \
                "\n%s" % (name, done.returncode, out[-1500:])
        return None
    return run


BAD_OPTIONS = [
    ("an unknown option", ["--frobnicate=1"], "frobnicate"),
    ("a port-min above port-max", ["--port-min=30000"], "port-m"),
    ("an interface that is not an address", ["--interface=x/1.2.3"],
     "1.2.3"),
    ("a listen-ng port of 70000", ["--listen-ng=127.0.0.1:70000"],
     "listen-ng"),
]
for _desc, _extra, _name in BAD_OPTIONS:
    case("the daemon exits 1 naming the option on %s" % _desc)(
        exits_1_naming(_extra, _name))


@case("--listen-ng with a bare port answers ping, and SIGINT stops the daemon with exit 0")
def _(h):
    d = Daemon(h.daemon.path, 21000, 21999,
               os.path.basename(h.daemon.log_path).replace(".log", "-bare.log"),
               listen_fmt="%d")
    try:
        d.start()
        with d.client() as c:
            if c.ping().get("result") != "pong":
                return "no pong on the bare port"
    finally:
        problems = d.stop(signal.SIGINT)
    return "\n".join(problems) or None


# --- random mutations -----------------------------------------------------

@case("thousands of random mutations of valid requests each get a valid reply and the daemon stays up")
def _(h):
    args = h.args
    mut = Mutator(args.seed)
    recent = []
    start = time.monotonic()
    done = 0
    for done in range(1, args.mutations + 1):
        body, how = mut.next()
        body = body[:65000]
        recent = (recent + [(how, body)])[-20:]
        try:
            h.reply_dict(body)
        except Problem as p:
            _save(args, recent)
            return "mutation %d (%s, seed %d): %s\nthe last inputs are in " \
                "build/test-logs/ng-hostile-last-inputs.txt" % (
                    done, how, args.seed, p)
        if done % 25 == 0 and h.ping_problem():
            _save(args, recent)
            return "ping failed after mutation %d (seed %d)%s" % (
                done, args.seed, h.death_note())
        if done % 300 == 0:
            h.delete_all()
        if time.monotonic() - start > args.mutation_seconds:
            print("    (stopped after %d mutations: %.0f s time bound)"
                  % (done, args.mutation_seconds))
            break
    h.delete_all()
    print("    (%d mutations, seed %d, %.1f s)" % (
        done, args.seed, time.monotonic() - start))
    return h.ping_problem()


def _save(args, recent):
    path = os.path.join(args.log_dir, "ng-hostile-last-inputs.txt")
    with open(path, "w") as f:
        for how, body in recent:
            f.write("%s %r\n" % (how, body))


@case("the daemon answers a final ping")
def _(h):
    return h.ping_problem()
