"""rtpgnl.py - netlink for xt_RTPGATE's tests, standard library only.

Two clients on raw netlink sockets, each in the network namespace it was
created in:

  Genl      the generic netlink family "rtpgate" (kernel-module/
            rtpgate_abi.h): commands with attributes given as (name, value)
            pairs, replies decoded into dicts, errors raised as NlError with
            the kernel's extack message. Values are encoded from their
            attribute's type; bytes go out as they are, so a test can send
            any length it likes.
  nft_rule  an nftables table "TABLE { chain input { type filter hook
            HOOK priority 0; xt target RTPGATE --table N } }" made through
            nft_compat, the way rtpgated steers its ports (the nft tool
            cannot write an xt target itself).
"""

import ipaddress
import os
import socket
import struct

NETLINK_GENERIC, NETLINK_NETFILTER = 16, 12
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 0x1, 0x2, 0x4
NLM_F_CREATE, NLM_F_APPEND, NLM_F_DUMP = 0x400, 0x800, 0x300
NLM_F_ACK_TLVS, NLM_F_DUMP_INTR = 0x200, 0x10
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_MISS_TYPE = 1, 5

CMD = {"HELLO": 1, "TABLE_NEW": 2, "TABLE_DEL": 3, "TARGET_ADD": 4,
       "TARGET_UPDATE": 5, "TARGET_DEL": 6, "TARGET_GET": 7}
ATTR = {"ABI_VERSION": 1, "TABLE": 2, "LOCAL_ADDR": 3, "LOCAL_PORT": 4,
        "EXPECT_ADDR": 5, "EXPECT_PORT": 6, "SOURCE_MODE": 7, "SRC_ADDR": 8,
        "SRC_PORT": 9, "DST_ADDR": 10, "DST_PORT": 11, "TOS": 12,
        "FLAGS": 13, "PT_ALLOW": 14, "STATS": 15, "SSRC": 16, "PAD": 17,
        "SRTP_DECRYPT": 18, "SRTP_ENCRYPT": 19}
NESTS = ("SRTP_DECRYPT", "SRTP_ENCRYPT")
# enum rtpg_srtp_attr, enum rtpg_srtp_suite
SRTP = {"SUITE": 1, "CIPHER_KEY": 2, "CIPHER_SALT": 3, "AUTH_KEY": 4,
        "TAG_LEN": 5, "SSRC_STATE": 6}
SUITE_80, SUITE_32, SUITE_256_80, SUITE_256_32, SUITE_GCM128, SUITE_GCM256 = \
    range(1, 7)
ATTR_NAME = {v: k for k, v in ATTR.items()}
INT_FMT = {"ABI_VERSION": "I", "TABLE": "I", "LOCAL_PORT": "H",
           "EXPECT_PORT": "H", "SOURCE_MODE": "B", "SRC_PORT": "H",
           "DST_PORT": "H", "TOS": "B", "FLAGS": "I"}
STATS = {1: "packets", 2: "bytes", 3: "errors", 4: "handed_up",
         5: "last_ns"}
SSRC = {1: ("ssrc", "I"), 2: ("packets", "Q"), 3: ("bytes", "Q"),
        5: ("lost", "Q"), 6: ("jitter", "I")}
DROP = ["source", "route", "send", "malformed", "srtp_auth", "srtp_replay",
        "srtp"]
F_RTP, F_PT_FILTER, F_RTCP_HANDUP, F_MUX_RTCP = 1, 2, 4, 8
SOURCE_IGNORE, SOURCE_DROP, SOURCE_HANDUP = 0, 1, 2


class NlError(Exception):
    """A request the kernel refused: -errno and its extack message."""

    def __init__(self, err, msg):
        super().__init__("%s: %s" % (os.strerror(-err), msg or "(no message)"))
        self.err, self.msg = err, msg


def nla(atype, data):
    return struct.pack("HH", 4 + len(data), atype) + data + \
        b"\0" * (-len(data) % 4)


def nested(atype, *parts):
    return nla(atype | NLA_F_NESTED, b"".join(parts))


def attrs_of(buf):
    """[(type, payload)] of the attributes in @buf; stops at a bad one."""
    out = []
    while len(buf) >= 4:
        length, atype = struct.unpack_from("HH", buf)
        if length < 4 or length > len(buf):
            break
        out.append((atype & 0x3fff, buf[4:length]))
        buf = buf[(length + 3) & ~3:]
    return out


def encode(name, value):
    """One rtpgate attribute: @name is a name of ATTR or a number."""
    atype = ATTR[name] if isinstance(name, str) else name
    if name in NESTS:
        return nla(atype | NLA_F_NESTED, value)
    if isinstance(value, bytes):
        return nla(atype, value)
    if name in INT_FMT:
        return nla(atype, struct.pack(INT_FMT[name], value))
    return nla(atype, ipaddress.ip_address(value).packed)


def srtp_nest(suite=None, cipher_key=None, salt=None, auth_key=None,
              tag_len=None, state=()):
    """The payload of an SRTP_DECRYPT / SRTP_ENCRYPT nest: the attributes
    given (bytes as they are, so a test can send any length); @state is
    [(ssrc, roc, seq)]."""
    out = b""
    if suite is not None:
        out += nla(SRTP["SUITE"], struct.pack("B", suite))
    for name, value in (("CIPHER_KEY", cipher_key), ("CIPHER_SALT", salt),
                        ("AUTH_KEY", auth_key)):
        if value is not None:
            out += nla(SRTP[name], value)
    if tag_len is not None:
        out += nla(SRTP["TAG_LEN"], struct.pack("B", tag_len))
    if state:
        out += nla(SRTP["SSRC_STATE"], b"".join(
            struct.pack("IIHH", ssrc, roc, seq, 0) for ssrc, roc, seq in state))
    return out


def decode_srtp(buf):
    """A reply's SRTP nest: suite, tag_len, state [(ssrc, roc, seq)]."""
    out = {"state": []}
    for atype, value in attrs_of(buf):
        if atype == SRTP["SUITE"]:
            out["suite"] = value[0]
        elif atype == SRTP["TAG_LEN"]:
            out["tag_len"] = value[0]
        elif atype == SRTP["SSRC_STATE"]:
            out["state"] = [struct.unpack_from("IIHH", value, i)[:3]
                            for i in range(0, len(value) - 11, 12)]
        else:
            out[atype] = value
    return out


class Socket:
    """A netlink socket with extended acks; requests numbered from 1."""

    def __init__(self, proto):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.sock.settimeout(10)
        self.seq = 0

    def close(self):
        self.sock.close()

    def message(self, mtype, flags, body):
        self.seq += 1
        return struct.pack("IHHII", 16 + len(body), mtype, flags, self.seq,
                           0) + body

    def talk(self, data, last_seq, want_replies):
        """Sends @data, reads until the ack of @last_seq (or NLMSG_DONE);
        returns [(flags, payload)] of the other messages. Raises NlError
        on the first error."""
        self.sock.send(data)
        replies = []
        while True:
            buf = self.sock.recv(1 << 17)
            while len(buf) >= 16:
                length, mtype, flags, seq, _ = struct.unpack_from("IHHII", buf)
                body, buf = buf[16:length], buf[(length + 3) & ~3:]
                if mtype == NLMSG_ERROR:
                    err = struct.unpack_from("i", body)[0]
                    if err:
                        raise NlError(err, extack_text(body, flags))
                    if seq == last_seq:
                        return replies
                elif mtype == NLMSG_DONE:
                    return replies
                else:
                    replies.append((flags, body))
                    if not want_replies and seq == last_seq:
                        return replies


def extack_text(body, flags):
    text = ""
    if flags & NLM_F_ACK_TLVS:
        for atype, value in attrs_of(body[20:]):
            if atype == NLMSGERR_ATTR_MSG:
                text = value.rstrip(b"\0").decode()
            elif atype == NLMSGERR_ATTR_MISS_TYPE:
                text += " (missing attribute %d)" % struct.unpack("I", value)
    return text


class Genl(Socket):
    """The "rtpgate" generic netlink family in the current namespace."""

    def __init__(self):
        super().__init__(NETLINK_GENERIC)
        self.family = self.resolve("rtpgate")

    def resolve(self, name):
        msg = self.message(0x10, NLM_F_REQUEST | NLM_F_ACK,
                           struct.pack("BBH", 3, 1, 0) +
                           nla(2, name.encode() + b"\0"))
        for _, body in self.talk(msg, self.seq, True):
            for atype, value in attrs_of(body[4:]):
                if atype == 1:
                    return struct.unpack("H", value[:2])[0]
        raise NlError(-2, "no family " + name)

    def raw(self, cmd, payload, reserved=0, dump=False):
        """Sends @payload (encoded attributes) after a genl header; returns
        [(flags, [(type, value)])] of the replies."""
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        msg = self.message(self.family, flags,
                           struct.pack("BBH", CMD[cmd], 1, reserved) + payload)
        return [(f, attrs_of(b[4:]))
                for f, b in self.talk(msg, self.seq, True)]

    def cmd(self, cmd, attrs=(), dump=False):
        """Command @cmd with @attrs [(name, value)]; the replies decoded."""
        payload = b"".join(encode(k, v) for k, v in attrs)
        return [decode_target(a) for _, a in self.raw(cmd, payload, 0, dump)]

    def dump_flags(self, attrs=()):
        payload = b"".join(encode(k, v) for k, v in attrs)
        return [f for f, _ in self.raw("TARGET_GET", payload, 0, True)]


def decode_target(attrs):
    """A reply's attributes as a dict: names of ATTR, "stats" and "ssrc"."""
    out = {}
    for atype, value in attrs:
        name = ATTR_NAME.get(atype, str(atype))
        if name == "STATS":
            out["stats"] = decode_stats(value)
        elif name == "SSRC":
            out.setdefault("ssrc", []).append(decode_ssrc(value))
        elif name in NESTS:
            out[name] = decode_srtp(value)
        elif name.endswith("_ADDR"):
            out[name] = str(ipaddress.ip_address(value))
        elif name in INT_FMT:
            out[name] = struct.unpack(INT_FMT[name], value)[0]
        else:
            out[name] = value
    return out


def decode_stats(buf):
    stats = {}
    for atype, value in attrs_of(buf):
        if atype == 6:
            stats["drops"] = dict(zip(DROP, struct.unpack(
                "%dQ" % (len(value) // 8), value)))
        elif atype in STATS:
            stats[STATS[atype]] = struct.unpack("Q", value)[0]
    return stats


def decode_ssrc(buf):
    ssrc = {}
    for atype, value in attrs_of(buf):
        if atype == 4:
            ssrc["payload_types"] = [pt for pt in range(128)
                                     if value[pt // 8] >> (pt % 8) & 1]
        elif atype in SSRC:
            ssrc[SSRC[atype][0]] = struct.unpack(SSRC[atype][1], value)[0]
    return ssrc


def run_cases(report, nl, sentence, cases, *args):
    """Runs cases(report, nl, *args): an NlError or OSError it raises
    counts as one failed case @sentence. Closes @nl; returns the exit
    status (1 if anything failed)."""
    try:
        cases(report, nl, *args)
    except (NlError, OSError) as e:
        report.fail(sentence, str(e))
    finally:
        nl.close()
    return 1 if report.failed else 0


# --- nftables through nft_compat ---------------------------------------------

NFPROTO = {"inet": 1, "ip": 2, "ip6": 10}
NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE = \
    0, 2, 3, 6
NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT = 0, 1, 3


def nft_rule(family, table, rtpg_table=None, hook=NF_INET_LOCAL_IN):
    """Makes nftables table @family @table with a base chain on @hook whose
    one rule is "xt target RTPGATE" for rtpgate table @rtpg_table, in one
    transaction; with @rtpg_table None, deletes the table instead. Raises
    NlError when the kernel refuses."""
    nl = Socket(NETLINK_NETFILTER)
    pf = NFPROTO[family]
    name = nla(1, table.encode() + b"\0")

    def msg(kind, flags, *attrs):
        return nl.message(10 << 8 | kind, NLM_F_REQUEST | NLM_F_ACK | flags,
                          struct.pack("BBH", pf, 0, 0) + b"".join(attrs))

    batch = [nl.message(0x10, NLM_F_REQUEST, struct.pack("BBH", 0, 0,
                                                         socket.htons(10)))]
    if rtpg_table is None:
        batch.append(msg(NFT_MSG_DELTABLE, 0, name))
    else:
        chain = b"input\0"
        target = nested(2, nla(1, b"RTPGATE\0"), nla(2, struct.pack("!I", 0)),
                        nla(3, struct.pack("I", rtpg_table)))
        batch += [
            msg(NFT_MSG_NEWTABLE, NLM_F_CREATE, name),
            msg(NFT_MSG_NEWCHAIN, NLM_F_CREATE, name, nla(3, chain),
                nested(4, nla(1, struct.pack("!I", hook)),
                       nla(2, struct.pack("!i", 0))),
                nla(7, b"filter\0")),
            msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, name,
                nla(2, chain),
                nested(4, nested(1, nla(1, b"target\0"), target))),
        ]
    last = nl.seq
    batch.append(nl.message(0x11, NLM_F_REQUEST, struct.pack(
        "BBH", 0, 0, socket.htons(10))))
    try:
        nl.talk(b"".join(batch), last, False)
    finally:
        nl.close()
