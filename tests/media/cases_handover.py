"""cases_handover - calls changed and deleted while their media flows.

Every offer, answer and delete takes the call's sockets from its worker
and waits at a barrier until the worker holds nothing of them (README
"Threads"); with io_uring that includes the receive requests and sends the
kernel still holds. This case keeps RTP flowing on 60 calls while it
re-offers (pause and resume) and deletes and re-creates calls for some
seconds, so that packets, completions and removals cross all the time;
under ASan a use after free or a leak shows in the daemon's log.

  parties 127.0.0.61 (A) / 127.0.0.62 (B), one socket each per call
  pump thread: one packet each way per call per round, reads what comes
  main thread: random re-offer+answer, or delete and a new call

A second case keeps one call's RTP flowing at a fixed rate while query
pauses it again and again, and counts that every packet arrives.
"""

import os
import random
import re
import secrets
import select
import socket
import threading
import time

from mediakit import big_rcvbuf

CALLS = 60
SECONDS = 8.0
A_IP, B_IP = "127.0.0.61", "127.0.0.62"
SDP = ("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
       "m=audio {port} RTP/AVP 0\r\n")


def udp(ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 0))
    s.setblocking(False)
    return s


def relay_port(reply):
    m = re.search(r"m=audio (\d+)", reply.get("sdp", ""))
    if not m:
        raise RuntimeError("no m=audio port in the reply: %r" % reply)
    return int(m.group(1))


class Party:
    """One call's two sockets and the relay ports they send to."""

    def __init__(self, call_id):
        self.call_id = call_id
        self.a, self.b = udp(A_IP), udp(B_IP)
        self.to_a = self.to_b = None   # relay ports A and B send to

    def setup(self, client):
        r = client.request({"command": "offer", "call-id": self.call_id,
                            "from-tag": "ta", "sdp": SDP.format(
                                ip=A_IP, port=self.a.getsockname()[1])})
        to_b = relay_port(r)
        r = client.request({"command": "answer", "call-id": self.call_id,
                            "from-tag": "ta", "to-tag": "tb", "sdp": SDP.format(
                                ip=B_IP, port=self.b.getsockname()[1])})
        self.to_a, self.to_b = relay_port(r), to_b

    def close(self):
        self.a.close()
        self.b.close()


def rtp(seq):
    return bytes([0x80, 0]) + (seq & 0xffff).to_bytes(2, "big") + bytes(8) \
        + secrets.token_bytes(160)


def drain(socks):
    n = 0
    for s in socks:
        while True:
            try:
                s.recv(4096)
                n += 1
            except OSError:
                break
    return n


def pump(parties, lock, stop, counts):
    seq = 0
    while not stop.is_set():
        with lock:
            items = list(parties.values())
        for p in items:
            seq += 1
            for s, port in ((p.a, p.to_a), (p.b, p.to_b)):
                try:
                    s.sendto(rtp(seq), ("127.0.0.1", port))
                except OSError:
                    pass   # closed under us by a delete
        try:
            ready = select.select([s for p in items for s in (p.a, p.b)],
                                  [], [], 0.002)[0]
        except (OSError, ValueError):
            continue
        counts[0] += drain(ready)


def relays_both_ways(p):
    """None when one fresh packet each way arrives intact at the other
    party; else what went wrong."""
    drain([p.a, p.b])
    for src, port, dst in ((p.a, p.to_a, p.b), (p.b, p.to_b, p.a)):
        pkt = rtp(7)
        src.sendto(pkt, ("127.0.0.1", port))
        deadline = time.monotonic() + 2.0
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([dst], [], [], left)[0]:
                return "%s: nothing arrived on %s" % (p.call_id, dst.getsockname())
            if dst.recv(4096) == pkt:
                break
    return None


def churn(ctx, parties, lock, deadline):
    ops, made = 0, 0
    while time.monotonic() < deadline:
        call_id = random.choice(sorted(parties))
        if random.random() < 0.5:
            parties[call_id].setup(ctx.client)   # re-offer: pause, resume
        else:
            ctx.client.request({"command": "delete", "call-id": call_id})
            with lock:
                old = parties.pop(call_id)
            made += 1
            fresh = Party("handover-new-%d" % made)
            fresh.setup(ctx.client)
            with lock:
                parties[fresh.call_id] = fresh
            old.close()
        ops += 1
    return ops


def handover(ctx):
    pid = ctx.daemon.proc.pid
    base_fd = len(os.listdir("/proc/%d/fd" % pid))
    parties, lock, stop, counts = {}, threading.Lock(), threading.Event(), [0]
    for i in range(CALLS):
        p = Party("handover-%d" % i)
        p.setup(ctx.client)
        parties[p.call_id] = p
    thread = threading.Thread(target=pump, args=(parties, lock, stop, counts))
    thread.start()
    try:
        ops = churn(ctx, parties, lock, time.monotonic() + SECONDS)
    finally:
        stop.set()
        thread.join()
    print("    # %d re-offers and deletes in %.0f s, %d packets relayed meanwhile"
          % (ops, SECONDS, counts[0]), flush=True)
    ctx.check("RTP keeps flowing while %d calls are re-offered, deleted and "
              "created anew" % CALLS,
              None if counts[0] > CALLS and ops > CALLS else
              "%d packets back, %d operations" % (counts[0], ops))
    problems = [x for x in (relays_both_ways(p) for p in parties.values()) if x]
    ctx.check("after the churn every call relays a fresh packet each way",
              problems[0] if problems else None)
    for p in parties.values():
        ctx.client.request({"command": "delete", "call-id": p.call_id})
        p.close()
    deadline = time.monotonic() + 3.0
    while len(os.listdir("/proc/%d/fd" % pid)) != base_fd and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    now_fd = len(os.listdir("/proc/%d/fd" % pid))
    ctx.check("after deleting them the daemon's open descriptors are back to"
              " the baseline", None if now_fd == base_fd else
              "baseline %d, now %d" % (base_fd, now_fd))


PAUSE_SECONDS = 3.0
PAUSE_RATE = 1000   # packets/s each way


def paced_exchange(p, stop, sent, got):
    """Sends PAUSE_RATE packets/s each way until @stop, counting what each
    side sent and received, then reads until nothing came for 0.5 s."""
    seq, start, quiet_since = 0, time.monotonic(), None
    socks = {p.a: 0, p.b: 1}
    while True:
        if not stop.is_set():
            due = int((time.monotonic() - start) * PAUSE_RATE)
            while seq < due:
                seq += 1
                p.a.sendto(rtp(seq), ("127.0.0.1", p.to_a))
                p.b.sendto(rtp(seq), ("127.0.0.1", p.to_b))
                sent[0] += 1
                sent[1] += 1
        ready = select.select(list(socks), [], [], 0.001)[0]
        for s in ready:
            got[socks[s]] += drain([s])
        if stop.is_set():
            if ready:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 0.5:
                return


def relay_counts(client, call_id):
    """{tag: RTP packets the relay received from that party}."""
    reply = client.request({"command": "query", "call-id": call_id})
    return {tag: [s["stats"]["packets"] for m in t.get("medias", [])
                  for s in m.get("streams", []) if s.get("flags", [""])[0] == "RTP"]
            for tag, t in reply.get("tags", {}).items()}


def pause_keeps_packets(ctx):
    """Every query pauses the call (its worker lets go of the sockets and
    takes them back). Packets that arrive meanwhile wait and go on; with
    io_uring on Linux 6.1 the receive request takes them off the socket
    before its cancellation lands, and they must still go on."""
    p = Party("pause-%s" % secrets.token_hex(3))
    p.setup(ctx.client)
    for s in (p.a, p.b):
        # room for all of it: under QEMU's TCG this Python reader falls
        # behind, and what its own socket drops is not the relay's loss
        big_rcvbuf(s)
    drops0 = sum(ctx.drops().values())
    stop, sent, got = threading.Event(), [0, 0], [0, 0]
    thread = threading.Thread(target=paced_exchange, args=(p, stop, sent, got))
    thread.start()
    queries, deadline = 0, time.monotonic() + PAUSE_SECONDS
    try:
        while time.monotonic() < deadline:
            ctx.client.request({"command": "query", "call-id": p.call_id})
            queries += 1
    finally:
        stop.set()
        thread.join()
    print("    # %d queries (each a pause) while %d packets went each way"
          % (queries, sent[0]), flush=True)
    ctx.check("no packet is lost while a call is paused %d times under "
              "traffic: B got all %d of A's, A all %d of B's"
              % (queries, sent[0], sent[1]),
              None if got == [sent[1], sent[0]] and queries > 50 else
              "A got %d of %d, B got %d of %d, %d queries; the relay "
              "counted %s" % (got[0], sent[1], got[1], sent[0], queries,
                              relay_counts(ctx.client, p.call_id)))
    drops = sum(ctx.drops().values()) - drops0
    ctx.check("and none is counted as dropped", None if drops == 0 else
              "drops rose by %d" % drops)
    ctx.client.request({"command": "delete", "call-id": p.call_id})
    p.close()


INSTANCES = [
    ("handover", ["--num-threads=2"], [("handover under traffic", handover),
                                       ("pause under traffic",
                                        pause_keeps_packets)]),
]
