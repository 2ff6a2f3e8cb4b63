"""phonekit - the plain RTP/AVP "phone" of the browser test.

Standard library only. A Phone is a tests/media Endpoint (RTP on an even
port, RTCP on the next, one 127.0.0.x address) with two threads: one
sends a PCMU sine tone at 50 packets/s (20 ms, 160 samples) to the relay,
the other records every datagram that arrives. analyse() then says what
the phone received: RTP header fields, sequence gaps, and the frequency
of the audio, decoded from G.711 mu-law and measured by zero crossings.
"""

import math
import secrets
import struct
import threading
import time

from mediakit import Endpoint, send

PCMU = 0
RATE = 8000
SAMPLES = 160                   # 20 ms


def ulaw_encode(sample):
    """G.711 mu-law of a 16-bit linear @sample (ITU-T G.711, with the
    usual bias of 0x84 and clipping at 32635)."""
    sign = 0x80 if sample < 0 else 0
    mag = min(abs(sample), 32635) + 0x84
    exp = 7
    while exp > 0 and not mag & (0x4000 >> (7 - exp)):
        exp -= 1
    mant = (mag >> (exp + 3)) & 0x0f
    return ~(sign | exp << 4 | mant) & 0xff


def ulaw_decode(code):
    """The 16-bit linear sample of mu-law byte @code."""
    code = ~code & 0xff
    mag = (((code & 0x0f) << 3) + 0x84) << ((code >> 4) & 7)
    return 0x84 - mag if code & 0x80 else mag - 0x84


ULAW_DECODE = [ulaw_decode(c) for c in range(256)]


def tone_payload(hz, first_sample, amplitude=8000):
    """160 mu-law samples of a sine of @hz starting at @first_sample."""
    return bytes(ulaw_encode(int(amplitude * math.sin(
        2 * math.pi * hz * (first_sample + i) / RATE)))
        for i in range(SAMPLES))


def frequency(samples, rate=RATE):
    """The frequency of the tone in @samples, from its zero crossings
    (after removing the mean), and its RMS level."""
    if len(samples) < rate // 10:
        return 0.0, 0.0
    mean = sum(samples) / len(samples)
    xs = [s - mean for s in samples]
    crossings = sum(1 for a, b in zip(xs, xs[1:]) if (a < 0) != (b < 0))
    rms = math.sqrt(sum(x * x for x in xs) / len(xs))
    return crossings / 2.0 / (len(xs) / rate), rms


class Phone:
    """A plain RTP phone on @ip sending a @hz tone once start() is called."""

    def __init__(self, ip, hz):
        self.ep = Endpoint(ip)
        self.hz = hz
        self.dest = None
        self.rtp_in = []        # (monotonic time, src, datagram)
        self.rtcp_in = []
        self.sent = 0
        self.ssrc = secrets.randbelow(1 << 32)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._receive, args=(s, l),
                                         daemon=True)
                        for s, l in ((self.ep.rtp, self.rtp_in),
                                     (self.ep.rtcp, self.rtcp_in))]
        for t in self.threads:
            t.start()

    def start(self, dest):
        """Sends the tone to @dest (the relay's RTP address for us) at
        50 packets/s until close()."""
        self.dest = dest
        t = threading.Thread(target=self._send, daemon=True)
        self.threads.append(t)
        t.start()

    def _send(self):
        seq = secrets.randbelow(65536)
        ts = secrets.randbelow(1 << 32)
        start = time.monotonic()
        n = 0
        while not self.stopping.is_set():
            header = struct.pack("!BBHII", 0x80, PCMU, (seq + n) & 0xffff,
                                 (ts + n * SAMPLES) & 0xffffffff, self.ssrc)
            send(self.ep.rtp, header + tone_payload(self.hz, n * SAMPLES),
                 self.dest)
            n += 1
            self.sent = n
            self.stopping.wait(max(0.0, start + n * 0.02 - time.monotonic()))

    def _receive(self, sock, into):
        sock.settimeout(0.1)
        while not self.stopping.is_set():
            try:
                data, src = sock.recvfrom(65536)
            except OSError:     # timeout, or closed
                continue
            with self.lock:
                into.append((time.monotonic(), src[:2], data))

    def received(self, rtcp=False):
        with self.lock:
            return list(self.rtcp_in if rtcp else self.rtp_in)

    def close(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=2)
        self.ep.close()


def analyse(packets, relay):
    """What the RTP @packets [(time, src, datagram)] say, as a dict:
    count, sources other than @relay, header problems, sequence gaps,
    payload types and SSRCs seen, the tone's frequency and level, and how
    many payloads were one byte repeated."""
    out = {"count": 0, "foreign": set(), "bad": [], "gaps": 0,
           "pts": set(), "ssrcs": set(), "flat": 0, "hz": 0.0, "rms": 0.0}
    samples = []
    prev = None
    for _, src, data in packets:
        if tuple(src) != tuple(relay):
            out["foreign"].add("%s:%d" % src)
            continue
        if len(data) < 12 or data[0] >> 6 != 2:
            out["bad"].append("%d bytes, first byte %#x" % (len(data), data[0]))
            continue
        out["count"] += 1
        seq = struct.unpack("!H", data[2:4])[0]
        out["pts"].add(data[1] & 0x7f)
        out["ssrcs"].add(struct.unpack("!I", data[8:12])[0])
        if prev is not None and seq != (prev + 1) & 0xffff:
            out["gaps"] += 1
        prev = seq
        payload = data[12 + 4 * (data[0] & 0x0f):]
        if payload and payload.count(payload[0]) == len(payload):
            out["flat"] += 1
        samples.extend(ULAW_DECODE[b] for b in payload)
    out["hz"], out["rms"] = frequency(samples[RATE // 2:])
    return out
