#!/usr/bin/python3
"""rtp_summary.py - the side-by-side table of tests/bench/rtp_bench.sh.

    rtp_summary.py OUTDIR "200 400 800 1200" "rtpengine VERSION" \
        "rtpgated-uring rtpgated-epoll rtpengine" REPEATS

Reads OUTDIR/<relay>-r<K>-<rep>.kv (realistic, K calls, repetition rep)
and OUTDIR/<relay>-max-1.kv written by rtp_load --kv, prints the relays
side by side (each figure the median over the repetitions) and the ratios
of each rtpgated engine to rtpengine. A ratio is the median of the ratios
of runs made in the same repetition, minutes apart at most, so that load
from the rest of the machine weighs on both sides alike. It only prints;
a missing file is a missing value.
"""
import os
import statistics
import sys

MAX_LOSS_PCT = 0.1      # a realistic scenario passes below this loss ...
MAX_P99_US = 20000      # ... and this one-way p99 latency
BUSY_CPU_PCT = 90       # above this a relay is saturated: batching flatters it
RAMP_END = {0: "time", 1: "loss", 2: "generator", 3: "step limit"}
BASE = "rtpengine"


def read_kv(path):
    try:
        with open(path, encoding="utf-8") as f:
            pairs = (line.rstrip("\n").split("=", 1) for line in f if "=" in line)
            return {k: v for k, v in pairs}
    except OSError:
        return None


def num(run, key):
    """The value of key as a float, None when absent or not measured."""
    try:
        v = float(run[key])
    except (TypeError, KeyError, ValueError):
        return None
    return None if v < 0 else v


def median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, prec):
    return "-" if v is None else "%.*f" % (prec, v)


def forwarded(run):
    return run is not None and bool(num(run, "received"))


class Scenario:
    """One scenario's runs: runs[relay] is a list by repetition (None:
    that run is missing)."""

    def __init__(self, runs):
        self.runs = runs

    def value(self, relay, key):
        return median(num(r, key) for r in self.runs.get(relay, []) if r)

    def ratio(self, relay, key):
        """Median over repetitions of relay / rtpengine, same repetition."""
        pairs = zip(self.runs.get(relay, []), self.runs.get(BASE, []))
        vals = [num(a, key) / num(b, key) for a, b in pairs
                if forwarded(a) and forwarded(b) and num(a, key) is not None
                and num(b, key)]
        return median(vals)

    def passes(self, relay):
        loss, p99 = self.value(relay, "loss_pct"), self.value(relay, "lat_p99_us")
        return (loss is not None and loss < MAX_LOSS_PCT and
                p99 is not None and p99 < MAX_P99_US)

    def unsaturated(self, relay):
        loss, cpu = self.value(relay, "loss_pct"), self.value(relay, "relay_cpu_pct")
        return (loss is not None and loss < MAX_LOSS_PCT and
                cpu is not None and cpu < BUSY_CPU_PCT)


def row(label, sc, relays, ours, key, prec, scale=1.0, with_ratio=False):
    cells = "".join("%15s" % fmt(None if sc.value(r, key) is None
                                 else sc.value(r, key) * scale, prec)
                    for r in relays)
    tail = ""
    if with_ratio and BASE in relays:
        tail = "".join("%12s" % fmt(sc.ratio(r, key), 2) for r in ours)
    print("  %-40s%s%s" % (label, cells, tail))


def header(relays, ours):
    tail = "".join("%12s" % (r.replace("rtpgated-", "") + "/rte") for r in ours) \
        if BASE in relays else ""
    print("  %-40s%s%s" % ("", "".join("%15s" % r for r in relays), tail))


def print_realistic(scenarios, relays, ours):
    for k, sc in scenarios:
        offered = median(num(r, "offered_pps") for runs in sc.runs.values()
                         for r in runs if r)
        if offered is None:
            continue
        print("realistic, %s calls (%s packets/s offered)" % (k, fmt(offered, 0)))
        row("loss, %", sc, relays, ours, "loss_pct", 3)
        row("one-way latency p50, ms", sc, relays, ours, "lat_p50_us", 3, 1e-3)
        row("one-way latency p99, ms", sc, relays, ours, "lat_p99_us", 3, 1e-3)
        row("relay CPU, % of a core", sc, relays, ours, "relay_cpu_pct", 1,
            with_ratio=True)
        row("packets per relay CPU-second", sc, relays, ours, "pkt_per_cpu_s", 0,
            with_ratio=True)
        row("relay RSS per call, kB", sc, relays, ours, "rss_per_call_kb", 2,
            with_ratio=True)
        row("relay waiting for a CPU, % of the time", sc, relays, ours,
            "relay_wait_pct", 1)
        row("generator's worst send lag, ms", sc, relays, ours, "send_lag_ms", 1)


def print_max(sc, relays, ours):
    if not any(r for runs in sc.runs.values() for r in runs):
        return
    print("max rate, rate rising until loss")
    row("max forwarded pkt/s (<= 0.1 % loss)", sc, relays, ours, "max_fwd_pps", 0,
        with_ratio=True)
    row("relay CPU there, % of a core", sc, relays, ours, "max_cpu_pct", 1)
    row("packets per relay CPU-second there", sc, relays, ours,
        "max_pkt_per_cpu_s", 0, with_ratio=True)
    row("per-stream received min/max", sc, relays, ours, "fairness", 3)
    ends = []
    for r in relays:
        run = next((x for x in sc.runs.get(r, []) if x), None)
        ends.append("%15s" % (RAMP_END.get(int(num(run, "max_end") or 0), "?")
                              if run else "-"))
    print("  %-40s%s" % ("ramp ended by", "".join(ends)))


def best_calls(scenarios, relay):
    """Largest passing K for relay, and K scaled to a whole core by CPU."""
    best = None
    for k, sc in scenarios:
        if sc.passes(relay):
            best = (int(k), sc.value(relay, "relay_cpu_pct"))
    if not best:
        return None, None
    return best[0], (best[0] * 100 / best[1] if best[1] else None)


def print_summary(scenarios, maxrun, ours):
    print("summary, each rtpgated engine / rtpengine (higher is better unless"
          " said; medians of same-repetition ratios)")
    for r in ours:
        print(" %s" % r)
        fair = [(k, sc.ratio(r, "pkt_per_cpu_s")) for k, sc in scenarios
                if sc.unsaturated(r) and sc.unsaturated(BASE)]
        print("  packets per CPU-second   %s  (where both lost < %.1f %% below"
              " %d %% CPU)" % (", ".join("%s at %s calls" % (fmt(v, 2), k)
                                         for k, v in fair) or "-",
                               MAX_LOSS_PCT, BUSY_CPU_PCT))
        (ka, ea), (kb, eb) = best_calls(scenarios, r), best_calls(scenarios, BASE)
        print("  max calls per core       %6s  extrapolated by CPU: %s vs %s;"
              " largest passing (loss < %.1f %%, p99 < %d ms): %s vs %s" % (
                  fmt(ea / eb, 2) if ea and eb else "-", fmt(ea, 0), fmt(eb, 0),
                  MAX_LOSS_PCT, MAX_P99_US // 1000, ka or "none", kb or "none"))
        k, sc = scenarios[-1]
        print("  RSS per call             %6s  at %s calls (lower is better)" % (
            fmt(sc.ratio(r, "rss_per_call_kb"), 2), k))
        print("  max forwarded pkt/s      %6s" % fmt(maxrun.ratio(r, "max_fwd_pps"), 2))


def main():
    out, calls, engine = sys.argv[1], sys.argv[2].split(), sys.argv[3]
    relays = sys.argv[4].split() if len(sys.argv) > 4 else ["rtpgated-uring", BASE]
    reps = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    ours = [r for r in relays if r != BASE]

    def load(relay, name, rep):
        return read_kv(os.path.join(out, "%s-%s-%d.kv" % (relay, name, rep)))

    scenarios = [(k, Scenario({r: [load(r, "r" + k, i) for i in range(1, reps + 1)]
                               for r in relays})) for k in calls]
    maxrun = Scenario({r: [load(r, "max", 1)] for r in relays})
    print()
    print("RTP relay benchmark: rtpgated (%s) vs %s (userspace), medians of %d"
          " repetition(s)" % (", ".join(ours), engine, reps))
    header(relays, ours)
    print_realistic(scenarios, relays, ours)
    print_max(maxrun, relays, ours)
    ran = {r: any(forwarded(x) for _, sc in scenarios for x in sc.runs[r])
           for r in relays}
    if not any(ran[r] for r in ours):
        print("rtpgated forwarded no RTP: no ratios")
    elif BASE not in relays or not ran[BASE]:
        print("rtpengine did not run: no ratios")
    else:
        print_summary(scenarios, maxrun, [r for r in ours if ran[r]])
    waits = [num(x, "relay_wait_pct") or 0 for _, sc in scenarios
             for runs in sc.runs.values() for x in runs if x]
    if waits and max(waits) > 10:
        print("note: the machine was busy: a relay waited for a CPU up to %.0f %% "
              "of the time; the ratios compare runs of the same minutes" % max(waits))


if __name__ == "__main__":
    main()
