"""cases_lifetime - how calls end and give their ports back: delete-delay,
the four timeouts (each group on a daemon started with short timeouts), and
1,000 calls set up, used and deleted without leaking a descriptor.
"""

import os
import time

from cases_forward import established, hop
from mediakit import (drain, expect, first_problem, port_in_use,
                      rtp, sdp, send, silence, wait_until)

# The daemon options the timeout cases are run with (see run_media.py).
TIMEOUT, OFFER_TIMEOUT, SILENT_TIMEOUT = 2, 3, 5
TIMEOUT_ARGS = ["--timeout=%d" % TIMEOUT, "--offer-timeout=%d" % OFFER_TIMEOUT,
                "--silent-timeout=%d" % SILENT_TIMEOUT]
FINAL_TIMEOUT = 3
FINAL_ARGS = ["--final-timeout=%d" % FINAL_TIMEOUT]
CHECK_SLACK = 2.0   # timeouts are checked about once a second; ASan is slow


def bound_problem(ports, want_bound):
    wrong = [p for p in ports if port_in_use(*p) != want_bound]
    if not wrong:
        return None
    return "port(s) %s %s" % (", ".join("%s:%d" % p for p in wrong),
                              "are free" if want_bound else "are still bound")


def delete_delay(ctx):
    call, a, b = established(ctx, "127.0.0.35", "127.0.0.45")
    ports = call.ports()
    flow = hop(a.rtp, call.a.rtp, b.rtp, call.b.rtp)
    start = time.monotonic()
    call.delete(delete_delay=2)
    listed = call.id in ctx.listed()
    ctx.check("delete with delete-delay 2: the call is no longer listed",
              first_problem(flow, "still listed" if listed else None))
    ctx.check("delete with delete-delay 2: its four relay ports stay bound "
              "(bind() from here fails with EADDRINUSE)",
              bound_problem(ports, True) if len(ports) == 4 else
              "query showed ports %r, wanted four" % (ports,))
    send(a.rtp, rtp(), call.a.rtp)
    ctx.check("during the delete-delay nothing is forwarded",
              silence(b.rtp, 0.3))
    freed = wait_until(lambda: not bound_problem(ports, False), 5.0, 0.1)
    took = time.monotonic() - start
    ctx.check("after the delete-delay of 2 s the ports are free again "
              "(between 1.8 and %.1f s after the delete)" % (2 + CHECK_SLACK),
              None if freed and 1.8 <= took <= 2 + CHECK_SLACK else
              "free: %s after %.2f s" % (freed, took))
    call, a, b = established(ctx, "127.0.0.36", "127.0.0.46")
    ports = call.ports()
    call.delete()
    ctx.check("delete without delete-delay (daemon --delete-delay=0) frees "
              "the ports at once", bound_problem(ports, False))


class Timed:
    """A call in a timeout scenario and when it vanished from list."""

    def __init__(self, ctx, name, offer_attrs=(), answer_attrs=None, n=0):
        self.a = ctx.endpoint("127.0.0.%d" % (80 + n))
        self.b = ctx.endpoint("127.0.0.%d" % (90 + n))
        self.call = ctx.call(name)
        self.call.offer(sdp(self.a, attrs=offer_attrs))
        if answer_attrs is not None:
            self.call.answer(sdp(self.b, attrs=answer_attrs))
        self.ports = self.call.ports()
        self.gone = None
        self.ports_problem = None

    def send(self, from_a, from_b):
        if from_a:
            send(self.a.rtp, rtp(), self.call.a.rtp)
        if from_b:
            send(self.b.rtp, rtp(), self.call.b.rtp)

    def poll(self, listed, elapsed):
        if self.gone is None and self.call.id not in listed:
            self.gone = elapsed
            self.ports_problem = bound_problem(self.ports, False)

    def window_problem(self, lo, hi):
        """None if the call vanished between @lo and @hi s and freed its
        ports when it did."""
        if self.gone is None:
            return "still listed after %.1f s" % hi
        if not lo - 0.1 <= self.gone <= hi:
            return "gone after %.2f s, wanted %d to %.1f s" % (self.gone, lo,
                                                               hi)
        if self.ports_problem:
            return "gone after %.2f s, but %s" % (self.gone, self.ports_problem)
        return None


def run_clock(ctx, timed, senders, until):
    """Polls list every 0.2 s for @until s, sending a packet every 0.4 s
    for each (Timed, from_a, from_b) in @senders."""
    start = time.monotonic()
    last_send = 0
    while True:
        elapsed = time.monotonic() - start
        for t in timed:
            t.poll(set(ctx.listed()), elapsed)
        if elapsed >= until:
            return
        if elapsed - last_send >= 0.4:
            last_send = elapsed
            for t, from_a, from_b in senders:
                if t.gone is None:
                    t.send(from_a, from_b)
        time.sleep(0.2)


def timeouts(ctx):
    """Run with TIMEOUT_ARGS."""
    before = ctx.totals()
    plain = Timed(ctx, "timeout", answer_attrs=(), n=0)
    unanswered = Timed(ctx, "offertimeout", n=1)
    hold = Timed(ctx, "hold", ["sendonly"], ["recvonly"], n=2)
    one_way = Timed(ctx, "oneway", answer_attrs=(), n=3)
    active = Timed(ctx, "active", answer_attrs=(), n=4)
    timed = [plain, unanswered, hold, one_way, active]
    end = SILENT_TIMEOUT + CHECK_SLACK
    run_clock(ctx, timed, [(one_way, True, False), (active, True, True)], end)
    for t in timed:
        drain(t.a.rtp, t.b.rtp)
    ctx.check("--timeout=%d: an answered call without media is gone from "
              "list %d-%.0f s later and its ports are free again"
              % (TIMEOUT, TIMEOUT, TIMEOUT + CHECK_SLACK),
              plain.window_problem(TIMEOUT, TIMEOUT + CHECK_SLACK))
    ctx.check("--offer-timeout=%d: a call never answered is gone %d-%.0f s "
              "after the offer and its ports are free again"
              % ((OFFER_TIMEOUT,) * 2 + (OFFER_TIMEOUT + CHECK_SLACK,)),
              unanswered.window_problem(OFFER_TIMEOUT,
                                        OFFER_TIMEOUT + CHECK_SLACK))
    ctx.check("--silent-timeout=%d: a call on hold (a=sendonly) outlives "
              "--timeout=%d and is gone %d-%.0f s after the answer"
              % (SILENT_TIMEOUT, TIMEOUT, SILENT_TIMEOUT, end),
              hold.window_problem(SILENT_TIMEOUT, end))
    ctx.check("--silent-timeout=%d: a call where only A sends outlives "
              "--timeout and is gone %d-%.0f s after the answer"
              % (SILENT_TIMEOUT, SILENT_TIMEOUT, end),
              one_way.window_problem(SILENT_TIMEOUT, end))
    ctx.check("a call with media both ways outlives --timeout and "
              "--silent-timeout", None if active.gone is None else
              "gone after %.2f s" % active.gone)
    counted(ctx, before, {"timeoutsessions": 1, "offertimeoutsessions": 1,
                          "silenttimeoutsessions": 2,
                          "finaltimeoutsessions": 0})
    active.call.delete()


def counted(ctx, before, want):
    after = ctx.totals()
    got = {k: after.get(k, 0) - before.get(k, 0) for k in want}
    ctx.check("statistics count the calls that ended by each timeout (%s)"
              % ", ".join("%s +%d" % kv for kv in want.items()),
              None if got == want else "got %r" % (got,))


def final_timeout(ctx):
    """Run with FINAL_ARGS (and the default --timeout=60)."""
    before = ctx.totals()
    busy = Timed(ctx, "final", answer_attrs=(), n=5)
    end = FINAL_TIMEOUT + CHECK_SLACK
    run_clock(ctx, [busy], [(busy, True, True)], end)
    drain(busy.a.rtp, busy.b.rtp)
    ctx.check("--final-timeout=%d: a call with media both ways is gone "
              "%d-%.0f s after it was created and its ports are free again"
              % (FINAL_TIMEOUT, FINAL_TIMEOUT, end),
              busy.window_problem(FINAL_TIMEOUT, end))
    counted(ctx, before, {"finaltimeoutsessions": 1, "timeoutsessions": 0})


# --- 1,000 calls ------------------------------------------------------------

# All 1,000 calls at once: each takes two RTP/RTCP pairs (one per party), so
# this instance gets its own range of 5,000 ports (later options win).
WAVES, PER_WAVE = 1, 1000
THOUSAND_ARGS = ["--port-min=44000", "--port-max=48999"]


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def use_call(call, a, b):
    """Two packets A->B and one B->A through @call; the first problem."""
    p1, p2, p3 = rtp(), rtp(), rtp()
    send(a.rtp, p1, call.a.rtp)
    send(a.rtp, p2, call.a.rtp)
    send(b.rtp, p3, call.b.rtp)
    return first_problem(expect(b.rtp, p1, call.b.rtp, 0.5),
                         expect(b.rtp, p2, call.b.rtp, 0.5),
                         expect(a.rtp, p3, call.a.rtp, 0.5))


def one_wave(ctx, a, b, problems):
    calls = []
    for _ in range(PER_WAVE):
        call = ctx.call("load")
        call.offer(sdp(a))
        call.answer(sdp(b))
        calls.append(call)
    peak = fd_count(ctx.daemon.proc.pid)
    for call in calls:
        if len(problems) < 5:
            p = use_call(call, a, b)
            if p:
                problems.append("call %s: %s" % (call.id, p))
    for call in calls:
        call.delete()
    return peak


def thousand_calls(ctx):
    pid = ctx.daemon.proc.pid
    a, b = ctx.endpoint("127.0.0.37"), ctx.endpoint("127.0.0.47")
    warm = ctx.call("warm-up")
    warm.offer(sdp(a))
    warm.answer(sdp(b))
    warm_problem = use_call(warm, a, b)
    warm.delete()
    base_fd, base_rss = fd_count(pid), vm_rss_kb(pid)
    start = time.monotonic()
    problems = []
    peaks = [one_wave(ctx, a, b, problems) for _ in range(WAVES)]
    took = time.monotonic() - start
    ctx.check("%d calls (%d at a time, offer and answer) each relay RTP both "
              "ways between the same two sockets" % (WAVES * PER_WAVE,
                                                    PER_WAVE),
              first_problem(warm_problem, *problems))
    back = wait_until(lambda: fd_count(pid) == base_fd, 3.0)
    now_fd, now_rss = fd_count(pid), vm_rss_kb(pid)
    print("    # %d calls in %.1f s; open fds: baseline %d, peak %d, after %d;"
          " VmRSS: baseline %d kB, after %d kB" % (
              WAVES * PER_WAVE, took, base_fd, max(peaks), now_fd, base_rss,
              now_rss), flush=True)
    ctx.check("after deleting all %d calls the daemon's open descriptors are "
              "back to the baseline" % (WAVES * PER_WAVE),
              None if back and max(peaks) >= base_fd + 4 * PER_WAVE else
              "baseline %d, peak %d (wanted at least +%d), after %d"
              % (base_fd, max(peaks), 4 * PER_WAVE, now_fd))
    listed = ctx.listed()
    ctx.check("after deleting all calls none is listed", None if not listed
              else "%d still listed, e.g. %s" % (len(listed), listed[0]))


INSTANCES = [
    # (name, daemon options, cases)
    ("timeouts", TIMEOUT_ARGS, [("timeouts", timeouts)]),
    ("final-timeout", FINAL_ARGS, [("final-timeout", final_timeout)]),
    ("1,000 calls", THOUSAND_ARGS, [("1,000 calls", thousand_calls)]),
]

CASES = [("delete-delay", delete_delay)]
