#!/usr/bin/python3
"""kmod_control.py - xt_RTPGATE's control interface, inside the VM.

    kmod_control.py [--netns NS]        the cases below
    kmod_control.py --eperm [--netns NS]
                                        only: HELLO from a process that
                                        dropped to user nobody (no
                                        CAP_NET_ADMIN) is refused with EPERM
    kmod_control.py --fill TABLE N [--netns NS]
                                        makes rtpgate table TABLE with N
                                        targets and leaves them there (for
                                        the namespace-exit and unload cases)

Talks generic netlink to the module (tests/kernel/rtpgnl.py) in network
namespace NS (default: its own), using rtpgate tables 200..202 so that
nothing else there is touched. Prints "ok - <sentence>" or "FAIL -
<sentence>" per case (read by tests/kernel/cases_module.sh through
netns.sh's run_py) and exits 1 if any failed. Standard library only.
"""

import argparse
import errno
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "ng"))

import rtpgnl  # noqa: E402
from ngclient import Report  # noqa: E402
from nscall import netns  # noqa: E402
from rtpgnl import NlError, encode, nla  # noqa: E402

T = 200			# the table these cases own
LOCAL = [("TABLE", T), ("LOCAL_ADDR", "192.0.2.1"), ("LOCAL_PORT", 30000)]
TARGET = LOCAL + [("SRC_ADDR", "192.0.2.1"), ("SRC_PORT", 30002),
                  ("DST_ADDR", "198.51.100.7"), ("DST_PORT", 40000)]


def refused(nl, cmd, attrs, want, dump=False):
    """None if @cmd with @attrs is refused with -@want, else a problem."""
    try:
        nl.cmd(cmd, attrs, dump=dump)
    except NlError as e:
        if -e.err == want:
            return None
        return "refused with %s (%s), wanted %s" % (
            errno.errorcode.get(-e.err, e.err), e.msg, errno.errorcode[want])
    return "accepted, wanted %s" % errno.errorcode[want]


def replace(attrs, name, value):
    return [(k, v) for k, v in attrs if k != name] + [(name, value)]


def case_handshake(r, nl):
    reply = nl.cmd("HELLO", [("ABI_VERSION", 1)])
    r.check("HELLO with ABI version 1 is answered with the module's version 1",
            None if reply and reply[0].get("ABI_VERSION") == 1
            else "reply %r" % (reply,))
    try:
        nl.cmd("HELLO", [("ABI_VERSION", 2)])
        problem = "accepted"
    except NlError as e:
        problem = None if -e.err == errno.EPROTO and "1" in e.msg else \
            "%s: %s" % (errno.errorcode.get(-e.err), e.msg)
    r.check("HELLO with ABI version 2 is refused with EPROTO and a message "
            "naming the module's version", problem)
    r.check("HELLO without ABI_VERSION is refused with EINVAL",
            refused(nl, "HELLO", [], errno.EINVAL))


# (sentence, command, attributes, errno): each must be refused, and none
# may change anything.
BAD = [
    ("a table id past RTPG_TABLE_MAX", "TABLE_NEW", [("TABLE", 256)],
     errno.ERANGE),
    ("a TABLE of 2 bytes", "TABLE_NEW", [("TABLE", b"\0\0")], errno.EINVAL),
    ("a 5-byte address", "TARGET_ADD",
     replace(TARGET, "LOCAL_ADDR", b"\xc0\0\2\1\1"), errno.EINVAL),
    ("an IPv6 DST_ADDR on an IPv4 target", "TARGET_ADD",
     replace(TARGET, "DST_ADDR", "2001:db8::7"), errno.EINVAL),
    ("an IPv6 EXPECT_ADDR on an IPv4 target", "TARGET_ADD",
     TARGET + [("EXPECT_ADDR", "2001:db8::2")], errno.EINVAL),
    ("an unspecified LOCAL_ADDR", "TARGET_ADD",
     replace(TARGET, "LOCAL_ADDR", "0.0.0.0"), errno.EINVAL),
    ("an unspecified DST_ADDR", "TARGET_ADD",
     replace(TARGET, "DST_ADDR", "0.0.0.0"), errno.EINVAL),
    ("LOCAL_PORT 0", "TARGET_ADD", replace(TARGET, "LOCAL_PORT", 0),
     errno.ERANGE),
    ("flags outside RTPG_F_ALL", "TARGET_ADD", TARGET + [("FLAGS", 16)],
     errno.EINVAL),
    ("source mode 3", "TARGET_ADD", TARGET + [("SOURCE_MODE", 3)],
     errno.ERANGE),
    ("source mode DROP without EXPECT_ADDR", "TARGET_ADD",
     TARGET + [("SOURCE_MODE", 1)], errno.EINVAL),
    ("RTPG_F_PT_FILTER without PT_ALLOW", "TARGET_ADD",
     TARGET + [("FLAGS", rtpgnl.F_RTP | rtpgnl.F_PT_FILTER)], errno.EINVAL),
    ("a PT_ALLOW of 15 bytes", "TARGET_ADD",
     TARGET + [("PT_ALLOW", bytes(15))], errno.ERANGE),
    ("a TOS of 4 bytes", "TARGET_ADD", TARGET + [("TOS", bytes(4))],
     errno.EINVAL),
    ("STATS in a request", "TARGET_ADD", TARGET + [("STATS", bytes(4))],
     errno.EINVAL),
    ("an unknown attribute type 99", "TARGET_ADD", TARGET + [(99, bytes(4))],
     errno.EINVAL),
    ("a missing DST_PORT", "TARGET_ADD",
     [a for a in TARGET if a[0] != "DST_PORT"], errno.EINVAL),
    ("a target for a table that does not exist", "TARGET_ADD",
     replace(TARGET, "TABLE", 201), errno.ENOENT),
    ("an update of a target that does not exist", "TARGET_UPDATE",
     replace(LOCAL, "LOCAL_PORT", 30010), errno.ENOENT),
    ("a delete of a target that does not exist", "TARGET_DEL",
     replace(LOCAL, "LOCAL_PORT", 30010), errno.ENOENT),
    ("a TABLE_DEL of a table that does not exist", "TABLE_DEL",
     [("TABLE", 201)], errno.ENOENT),
]


# SRTP nests (rtpgate_abi.h): a good one, then broken ones, each of which
# must be refused with EINVAL or ERANGE and an extack message.
SRTP_OK = dict(suite=rtpgnl.SUITE_80, cipher_key=bytes(range(16)),
               salt=bytes(range(14)), auth_key=bytes(range(20)), tag_len=10)
SRTP_LOCAL = replace(LOCAL, "LOCAL_PORT", 30020)
SRTP_TARGET = replace(TARGET, "LOCAL_PORT", 30020) + [("FLAGS", rtpgnl.F_RTP)]


def srtp_with(**kw):
    args = dict(SRTP_OK)
    args.update(kw)
    return rtpgnl.srtp_nest(**{k: v for k, v in args.items() if v is not None})


BAD_SRTP = [
    ("suite 0", srtp_with(suite=0), errno.ERANGE),
    ("suite 7", srtp_with(suite=7), errno.ERANGE),
    ("a 15-byte cipher key", srtp_with(cipher_key=bytes(15)), errno.EINVAL),
    ("a 33-byte cipher key", srtp_with(cipher_key=bytes(33)), errno.ERANGE),
    ("a 32-byte cipher key for an AES-128 suite",
     srtp_with(cipher_key=bytes(32)), errno.EINVAL),
    ("a 12-byte salt for an AES-CM suite", srtp_with(salt=bytes(12)),
     errno.EINVAL),
    ("a 13-byte salt", srtp_with(salt=bytes(13)), errno.EINVAL),
    ("a 16-byte auth key", srtp_with(auth_key=bytes(16)), errno.ERANGE),
    ("no auth key for an AES-CM suite", srtp_with(auth_key=None),
     errno.EINVAL),
    ("an auth key for an AES-GCM suite",
     srtp_with(suite=rtpgnl.SUITE_GCM128, salt=bytes(12), tag_len=16),
     errno.EINVAL),
    ("a 14-byte salt for an AES-GCM suite",
     srtp_with(suite=rtpgnl.SUITE_GCM128, auth_key=None, tag_len=16),
     errno.EINVAL),
    ("no tag length", srtp_with(tag_len=None), errno.EINVAL),
    ("tag length 4 with the _80 suite", srtp_with(tag_len=4), errno.EINVAL),
    ("tag length 16 with the _80 suite", srtp_with(tag_len=16), errno.EINVAL),
    ("tag length 17", srtp_with(tag_len=17), errno.ERANGE),
    ("keys without a suite", srtp_with(suite=None), errno.EINVAL),
    ("an SSRC state of 11 bytes", srtp_with() + rtpgnl.nla(6, bytes(11)),
     errno.EINVAL),
    ("five SSRC states", srtp_with(state=[(i, 0, 0) for i in range(5)]),
     errno.ERANGE),
    ("an SSRC named twice", srtp_with(state=[(7, 0, 0), (7, 1, 0)]),
     errno.EINVAL),
    ("SSRC state flags", srtp_with() + rtpgnl.nla(6, struct.pack(
        "IIHH", 1, 0, 0, 1)), errno.EINVAL),
    ("an unknown SRTP attribute", srtp_with() + rtpgnl.nla(9, bytes(4)),
     errno.EINVAL),
]


def refused_with_reason(nl, attrs, want):
    try:
        nl.cmd("TARGET_ADD", attrs)
    except NlError as e:
        if -e.err != want or not e.msg:
            return "refused with %s (%r), wanted %s and a reason" % (
                errno.errorcode.get(-e.err, e.err), e.msg,
                errno.errorcode[want])
        return None
    return "accepted"


def case_srtp(r, nl):
    for sentence, nest, want in BAD_SRTP:
        for side in rtpgnl.NESTS:
            r.check("TARGET_ADD with %s in %s is refused with %s and a reason"
                    % (sentence, side, errno.errorcode[want]),
                    refused_with_reason(nl, SRTP_TARGET + [(side, nest)], want))
    r.check("SRTP on a target without RTPG_F_RTP is refused with EINVAL",
            refused_with_reason(nl, replace(SRTP_TARGET, "FLAGS", 0) +
                                [("SRTP_DECRYPT", srtp_with())], errno.EINVAL))
    r.check("an SRTP nest without NLA_F_NESTED is refused with EINVAL",
            refused(nl, "TARGET_ADD", SRTP_TARGET +
                    [(rtpgnl.ATTR["SRTP_DECRYPT"], srtp_with())], errno.EINVAL))
    nl.cmd("TARGET_ADD", SRTP_TARGET + [
        ("SRTP_DECRYPT", srtp_with(state=[(0xcafe, 3, 65000)])),
        ("SRTP_ENCRYPT", srtp_with(suite=rtpgnl.SUITE_32, tag_len=4))])
    got = nl.cmd("TARGET_GET", SRTP_LOCAL)[0]
    dec, enc = got.get("SRTP_DECRYPT", {}), got.get("SRTP_ENCRYPT", {})
    r.check("TARGET_GET shows each direction's suite, tag length and SSRC "
            "state, and no key",
            None if dec == {"suite": 1, "tag_len": 10,
                            "state": [(0xcafe, 3, 65000)]}
            and enc == {"suite": 2, "tag_len": 4, "state": []}
            else "decrypt %r, encrypt %r" % (dec, enc))
    nl.cmd("TARGET_UPDATE", SRTP_LOCAL + [("SRTP_ENCRYPT", rtpgnl.srtp_nest(
        suite=rtpgnl.SUITE_GCM256, cipher_key=bytes(32), salt=bytes(12),
        tag_len=16))])
    got = nl.cmd("TARGET_GET", SRTP_LOCAL)[0].get("SRTP_ENCRYPT", {})
    r.check("an update to AEAD_AES_256_GCM (32-byte key, 12-byte salt, no "
            "auth key, tag 16) is taken",
            None if got == {"suite": rtpgnl.SUITE_GCM256, "tag_len": 16,
                            "state": []} else "encrypt %r" % (got,))
    nl.cmd("TARGET_UPDATE", SRTP_LOCAL + [("SRTP_ENCRYPT", b"")])
    got = nl.cmd("TARGET_GET", SRTP_LOCAL)[0]
    r.check("an empty SRTP nest in an update turns that direction off and "
            "leaves the other",
            None if "SRTP_ENCRYPT" not in got and got.get("SRTP_DECRYPT")
            else "reply %r" % (got,))
    nl.cmd("TARGET_DEL", SRTP_LOCAL)


def case_refusals(r, nl):
    for sentence, cmd, attrs, want in BAD:
        r.check("%s with %s is refused with %s" % (cmd, sentence,
                                                  errno.errorcode[want]),
                refused(nl, cmd, attrs, want))
    r.check("a target already there is refused with EEXIST",
            refused(nl, "TARGET_ADD", TARGET, errno.EEXIST))
    r.check("a table already there is refused with EEXIST",
            refused(nl, "TABLE_NEW", [("TABLE", T)], errno.EEXIST))


def raw_refused(nl, cmd, payload, reserved, want):
    try:
        nl.raw(cmd, payload, reserved)
    except NlError as e:
        return None if -e.err == want else "refused with %d (%s)" % (e.err,
                                                                     e.msg)
    return "accepted"


def case_broken_messages(r, nl):
    r.check("an attribute whose length runs past the message is refused",
            raw_refused(nl, "TARGET_ADD", encode("TABLE", T) +
                        struct.pack("HH", 255, 3), 0, errno.EINVAL))
    r.check("a truncated attribute header is refused",
            raw_refused(nl, "HELLO", nla(1, b"\1\0\0\0") + b"\xff", 0,
                        errno.EINVAL))
    r.check("a genl header with a non-zero reserved field is refused",
            raw_refused(nl, "HELLO", encode("ABI_VERSION", 1), 1,
                        errno.EINVAL))


def case_target_lifecycle(r, nl):
    got = nl.cmd("TARGET_GET", LOCAL)
    r.check("TARGET_GET returns the target as added",
            None if got and got[0].get("DST_ADDR") == "198.51.100.7" and
            got[0].get("DST_PORT") == 40000 and got[0].get("SRC_PORT") == 30002
            and got[0]["stats"].get("packets") == 0 else "got %r" % (got,))
    nl.cmd("TARGET_UPDATE", LOCAL + [("DST_PORT", 40002), ("TOS", 0xb8)])
    got = nl.cmd("TARGET_GET", LOCAL)[0]
    r.check("TARGET_UPDATE changes what it names and keeps the rest",
            None if (got["DST_PORT"], got["TOS"], got["DST_ADDR"],
                     got["SRC_PORT"]) == (40002, 0xb8, "198.51.100.7", 30002)
            else "got %r" % (got,))
    nl.cmd("TARGET_DEL", LOCAL)
    r.check("a deleted target is gone",
            refused(nl, "TARGET_GET", LOCAL, errno.ENOENT))
    nl.cmd("TARGET_ADD", TARGET)


def case_dump(r, nl, count=1000):
    nl.cmd("TABLE_NEW", [("TABLE", T + 2)])
    for port in range(20000, 20000 + count):
        nl.cmd("TARGET_ADD", replace(replace(TARGET, "TABLE", T + 2),
                                     "LOCAL_PORT", port))
    got = nl.cmd("TARGET_GET", [("TABLE", T + 2)], dump=True)
    ports = sorted(t["LOCAL_PORT"] for t in got)
    r.check("a dump of a table of %d targets returns each once" % count,
            None if ports == list(range(20000, 20000 + count))
            else "%d targets, %d distinct" % (len(ports), len(set(ports))))
    every = nl.cmd("TARGET_GET", [], dump=True)
    r.check("a dump without TABLE covers every table of the namespace",
            None if len([t for t in every if t["TABLE"] in (T, T + 2)]) ==
            count + 1 else "%d targets" % len(every))
    r.check("a dump of a table that does not exist is refused with ENOENT",
            refused(nl, "TARGET_GET", [("TABLE", T + 1)], errno.ENOENT, True))
    r.check("a dump naming LOCAL_* is refused with EINVAL",
            refused(nl, "TARGET_GET", LOCAL, errno.EINVAL, True))
    nl.cmd("TABLE_DEL", [("TABLE", T + 2)])
    r.check("TABLE_DEL removes a table with its %d targets" % count,
            refused(nl, "TARGET_GET", [("TABLE", T + 2)], errno.ENOENT, True))


def run(r, nl):
    case_handshake(r, nl)
    nl.cmd("TABLE_NEW", [("TABLE", T)])
    nl.cmd("TARGET_ADD", TARGET)
    case_refusals(r, nl)
    case_srtp(r, nl)
    case_broken_messages(r, nl)
    case_target_lifecycle(r, nl)
    case_dump(r, nl)
    nl.cmd("TABLE_DEL", [("TABLE", T)])


def eperm(r, nl):
    r.check("a sender without CAP_NET_ADMIN is refused with EPERM",
            refused(nl, "HELLO", [("ABI_VERSION", 1)], errno.EPERM))


def fill(r, nl, table, count):
    nl.cmd("TABLE_NEW", [("TABLE", table)])
    for port in range(20000, 20000 + count):
        nl.cmd("TARGET_ADD", replace(replace(TARGET, "TABLE", table),
                                     "LOCAL_PORT", port))
    r.check("table %d holds %d targets" % (table, count),
            None if len(nl.cmd("TARGET_GET", [("TABLE", table)], dump=True))
            == count else "not all of them")


def open_genl(ns, nobody):
    """A socket for the family in @ns (None: here). With @nobody the process
    then drops to user nobody, losing every capability: the kernel checks
    the sender of each message as well as the socket's opener."""
    if ns:
        with netns(ns):
            nl = rtpgnl.Genl()
    else:
        nl = rtpgnl.Genl()
    if nobody:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    return nl


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--netns")
    ap.add_argument("--eperm", action="store_true")
    ap.add_argument("--fill", nargs=2, type=int, metavar=("TABLE", "N"))
    opt = ap.parse_args()
    nl = open_genl(opt.netns, opt.eperm)
    if opt.eperm:
        cases, args = eperm, ()
    elif opt.fill:
        cases, args = fill, opt.fill
    else:
        cases, args = run, ()
    return rtpgnl.run_cases(Report(), nl, "the control cases run to their "
                            "end", cases, *args)


if __name__ == "__main__":
    sys.exit(main())
