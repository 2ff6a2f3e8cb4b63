"""mutate - seeded random mutations of valid NG requests for run_hostile.py.

Every mutation keeps the cookie intact and changes only the bencoded body,
so the daemon owes each one a reply. 40% of the mutations work on the
bytes (flip, insert, delete, repeat, truncate, splice, number swaps), the
rest on the decoded request (value types, missing or extra keys, SDP
lines), so that many still reach the SDP code.
"""

import random

from ngclient import bencode_encode

SDP_A = ("v=0\r\no=alice 1 1 IN IP4 198.51.100.1\r\ns=-\r\n"
         "c=IN IP4 198.51.100.1\r\nt=0 0\r\n"
         "m=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
         "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
         "a=fmtp:101 0-15\r\na=rtcp:6001\r\na=sendrecv\r\n"
         "m=video 6002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"
         "a=ice-ufrag:abcd\r\na=candidate:1 1 UDP 1 198.51.100.1 6002 typ host\r\n")
SDP_B = ("v=0\r\no=bob 1 1 IN IP4 198.51.100.2\r\ns=-\r\nt=0 0\r\n"
         "m=audio 7000 RTP/AVP 0\r\nc=IN IP4 198.51.100.2\r\n"
         "a=rtcp-mux\r\na=sendonly\r\nm=video 0 RTP/AVP 96\r\n")

CALL_IDS = ["mut-1", "mut-2", "mut-3"]


def corpus():
    """Valid requests that the mutations start from."""
    reqs = [{"command": "ping"}, {"command": "list", "limit": 5},
            {"command": "statistics"}]
    for cid in CALL_IDS:
        reqs += [
            {"command": "offer", "call-id": cid, "from-tag": "a",
             "sdp": SDP_A, "flags": ["replace-origin", "trust-address"],
             "replace": ["session-name"], "ICE": "remove",
             "direction": ["internal", "external"]},
            {"command": "offer", "call-id": cid, "from-tag": "a",
             "sdp": SDP_A, "codec": {"strip": ["PCMA"], "offer": ["PCMU"],
                                     "except": ["pcmu", "VP8/90000"]},
             "address-family": "IP6", "transport-protocol": "RTP/AVPF"},
            {"command": "answer", "call-id": cid, "from-tag": "a",
             "to-tag": "b", "sdp": SDP_B, "flags": ["codec-mask-PCMA"]},
            {"command": "query", "call-id": cid, "from-tag": "a"},
            {"command": "delete", "call-id": cid, "from-tag": "a",
             "to-tag": "b", "flags": ["fatal"], "delete-delay": "0"},
        ]
    return reqs


INTERESTING = [b"0", b"-1", b"4294967296", b"18446744073709551616",
               b"99999999999999999999", b"65535", b"65536", b"-0", b"00"]
VALUES = [0, -1, 2 ** 63 - 1, -2 ** 63, "", "x" * 300, [], {}, ["a"],
          {"a": "b"}, [[[[]]]], "\x00", "\xff\xfe", "0", "-1", "all"]


class Mutator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.seeds = corpus()
        self.encoded = [bencode_encode(r) for r in self.seeds]

    def next(self):
        """One mutated request body (bytes) and the name of the mutation."""
        r = self.rng
        if r.random() < 0.4:
            op = r.choice(self.BYTE_OPS)
            return op(self, bytearray(r.choice(self.encoded))), op.__name__
        op = r.choice(self.TREE_OPS)
        req = _copy(r.choice(self.seeds))
        op(self, req)
        return bencode_encode(req), op.__name__

    # --- on the bytes ---

    def flip(self, b):
        for _ in range(self.rng.randint(1, 8)):
            b[self.rng.randrange(len(b))] = self.rng.randrange(256)
        return bytes(b)

    def insert(self, b):
        pos = self.rng.randrange(len(b) + 1)
        junk = bytes(self.rng.randrange(256) for _ in range(
            self.rng.randint(1, 16)))
        return bytes(b[:pos] + junk + b[pos:])

    def delete_range(self, b):
        pos = self.rng.randrange(len(b))
        return bytes(b[:pos] + b[pos + self.rng.randint(1, 64):])

    def repeat(self, b):
        pos = self.rng.randrange(len(b))
        piece = b[pos:pos + self.rng.randint(1, 64)]
        return bytes(b[:pos] + piece * self.rng.randint(2, 50) + b[pos:])

    def truncate(self, b):
        return bytes(b[:self.rng.randrange(len(b))])

    def splice(self, b):
        other = self.rng.choice(self.encoded)
        return bytes(b[:self.rng.randrange(len(b))] +
                     other[self.rng.randrange(len(other)):])

    def numbers(self, b):
        """Replaces one run of digits (a length or an integer) by an
        interesting number."""
        runs, i = [], 0
        while i < len(b):
            if chr(b[i]).isdigit():
                j = i
                while j < len(b) and chr(b[j]).isdigit():
                    j += 1
                runs.append((i, j))
                i = j
            else:
                i += 1
        if not runs:
            return bytes(b)
        i, j = self.rng.choice(runs)
        return bytes(b[:i] + self.rng.choice(INTERESTING) + b[j:])

    def nest(self, b):
        pos = self.rng.randrange(len(b) + 1)
        depth = self.rng.choice([2, 31, 32, 33, 64, 1000, 20000])
        opener = self.rng.choice([b"l", b"d1:k"])
        closer = b"e" * depth if self.rng.random() < 0.5 else b""
        return bytes(b[:pos] + opener * depth + b"i1e" + closer + b[pos:])

    BYTE_OPS = [flip, insert, delete_range, repeat, truncate, splice,
                numbers, nest]

    # --- on the decoded request ---

    def retype(self, req):
        key = self.rng.choice(list(req))
        req[key] = _copy(self.rng.choice(VALUES))

    def drop_key(self, req):
        if req:
            del req[self.rng.choice(list(req))]

    def add_key(self, req):
        key = self.rng.choice(["flags", "replace", "direction", "codec",
                               "ICE", "DTLS", "SDES", "label", "to-tag",
                               "supports", "limit", "delete-delay",
                               "address-family", "media-address",
                               "received-from", "via-branch", "tos",
                               "rtcp-mux", "x" * 200, "", "call id"])
        req[key] = _copy(self.rng.choice(VALUES + [["internal"] * 3,
                                                   ["nowhere", "x"]]))

    def sdp_lines(self, req):
        sdp = req.get("sdp")
        if not isinstance(sdp, str):
            req["sdp"] = self.rng.choice([SDP_A, SDP_B])
            return
        lines = sdp.split("\r\n")
        r = self.rng
        for _ in range(r.randint(1, 4)):
            i = r.randrange(len(lines))
            choice = r.randrange(6)
            if choice == 0:
                del lines[i]
            elif choice == 1:
                lines.insert(i, lines[i] * r.randint(1, 3))
            elif choice == 2:
                lines[i] = lines[i].replace(" ", "", 1)
            elif choice == 3:
                lines.insert(i, r.choice([
                    "m=audio 99999 RTP/AVP 0", "c=IN IP4 300.1.1.1",
                    "c=IN IP6 ::::", "a=rtcp:", "m=audio 0/0 RTP/AVP",
                    "m=", "c=", "o=", "a=rtpmap:", "a=fmtp:",
                    "m=audio 6000 RTP/AVP " + " ".join(["0"] * 200),
                    "a=" + "x" * 5000, "\n\n\n", "\x00"]))
            elif choice == 4:
                r.shuffle(lines)
            else:
                lines[i] = "".join(chr(r.randrange(1, 128))
                                   for _ in range(r.randint(0, 40)))
        req["sdp"] = "\r\n".join(lines)

    TREE_OPS = [retype, drop_key, add_key, sdp_lines, sdp_lines]


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v
