#!/usr/bin/python3
"""ng_seeds - writes the seeds of fuzz_ng into tests/fuzz/corpus/ng/.

One seed per golden test (tests/ng/golden/*.test): its requests in order,
as fuzz_ng reads them (each body a 2-byte big-endian length and that many
bytes of bencode), plus the request mix of the hostile suite's mutator
(tests/ng/mutate.py) per call, with CLI lines ('!' and the line) between
the requests. Run it again when the golden tests change:

    /usr/bin/python3 tests/fuzz/ng_seeds.py
"""

import glob
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ng"))

import golden  # noqa: E402
import mutate  # noqa: E402
from ngclient import bencode_encode  # noqa: E402
from run_golden import FileRun  # noqa: E402

OUT = os.path.join(HERE, "corpus", "ng")
MAX_BODY = 0xffff
CLI_LINES = ["list sessions all", "list callid %(cid)s", "list totals",
             "list numsessions", "list interfaces", "list jsonstats",
             "set maxsessions 5", "list maxsessions", "set maxbw 1000000",
             "set timeout 0", "help", "terminate %(cid)s"]


class _Daemon:
    """What FileRun needs of a daemon to build requests."""
    port_min, port_max = 43000, 43999


def frame(bodies):
    out = b""
    for b in bodies:
        if len(b) > MAX_BODY:
            raise ValueError("a request of %d bytes does not fit" % len(b))
        out += struct.pack(">H", len(b)) + b
    return out


def write(name, bodies):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(frame(bodies))


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*")):
        os.unlink(old)
    n = 0
    for path in sorted(glob.glob(os.path.join(HERE, "..", "ng", "golden",
                                              "*.test"))):
        run = FileRun(golden.parse_file(path), _Daemon())
        bodies = [bencode_encode(run.build(s)) for s in run.tf.steps]
        write("golden-" + run.stem, bodies)
        n += 1
    reqs = mutate.corpus()
    for cid in mutate.CALL_IDS:
        bodies = []
        for r in reqs:
            if r.get("call-id") not in (None, cid):
                continue
            bodies.append(bencode_encode(r))
            if r.get("command") == "answer":
                bodies += [("!" + line % {"cid": cid}).encode()
                           for line in CLI_LINES]
        write("mutate-" + cid, bodies)
        n += 1
    print("%d seeds in %s" % (n, os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
