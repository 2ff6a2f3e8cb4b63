#!/usr/bin/python3
"""rtp_summary.py - the side-by-side table of tests/bench/rtp_bench.sh.

    rtp_summary.py OUTDIR "200 400 800 1200" "rtpengine VERSION"

Reads OUTDIR/<relay>-r<K>.kv (realistic, K calls) and OUTDIR/<relay>-max.kv
written by rtp_load --kv, prints both relays side by side and the ratios
rtpgated/rtpengine. It only prints; a missing file is a missing column.
"""
import os
import sys

RELAYS = ("rtpgated", "rtpengine")
MAX_LOSS_PCT = 0.1      # a realistic scenario passes below this loss ...
MAX_P99_US = 20000      # ... and this one-way p99 latency
BUSY_CPU_PCT = 90       # above this a relay is saturated: batching flatters it
RAMP_END = {0: "time", 1: "loss", 2: "generator", 3: "step limit"}


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


def fmt(v, prec):
    return "-" if v is None else "%.*f" % (prec, v)


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else "%.2f" % (a / b)


def passes(run):
    loss, p99 = num(run, "loss_pct"), num(run, "lat_p99_us")
    return (run is not None and num(run, "received") and loss is not None and
            loss < MAX_LOSS_PCT and p99 is not None and p99 < MAX_P99_US)


def unsaturated(run):
    """Lost < 0.1 % with CPU to spare: a fair point to compare efficiency."""
    loss, cpu = num(run, "loss_pct"), num(run, "relay_cpu_pct")
    return (run is not None and num(run, "received") and loss is not None and
            loss < MAX_LOSS_PCT and cpu is not None and cpu < BUSY_CPU_PCT)


def row(label, runs, key, prec, scale=1.0, with_ratio=False):
    vals = [num(r, key) if r else None for r in runs]
    vals = [None if v is None else v * scale for v in vals]
    cells = "".join("%14s" % fmt(v, prec) for v in vals)
    forwarded = all(num(r, "received") for r in runs if r)
    tail = "%14s" % (ratio(vals[0], vals[1]) if forwarded else "-") \
        if with_ratio and len(vals) > 1 else ""
    print("  %-40s%s%s" % (label, cells, tail))


def print_realistic(runs_by_k, relays):
    for k, runs in runs_by_k:
        if not any(runs):
            continue
        offered = next((num(r, "offered_pps") for r in runs if r), None)
        print("realistic, %s calls (%s packets/s offered)" % (k, fmt(offered, 0)))
        row("loss, %", runs, "loss_pct", 3)
        row("one-way latency p50, ms", runs, "lat_p50_us", 3, 1e-3)
        row("one-way latency p99, ms", runs, "lat_p99_us", 3, 1e-3)
        row("relay CPU, % of a core", runs, "relay_cpu_pct", 1, with_ratio=True)
        row("packets per relay CPU-second", runs, "pkt_per_cpu_s", 0, with_ratio=True)
        row("relay RSS per call, kB", runs, "rss_per_call_kb", 2, with_ratio=True)
        row("relay waiting for a CPU, % of the time", runs, "relay_wait_pct", 1)
        row("generator's worst send lag, ms", runs, "send_lag_ms", 1)


def print_max(maxruns):
    if not any(maxruns):
        return
    streams = next((2 * int(num(r, "calls_up") or 0) for r in maxruns if r), 0)
    print("max rate, %d streams, rate rising until loss" % streams)
    row("max forwarded pkt/s (<= 0.1 % loss)", maxruns, "max_fwd_pps", 0, with_ratio=True)
    row("relay CPU there, % of a core", maxruns, "max_cpu_pct", 1)
    row("packets per relay CPU-second there", maxruns, "max_pkt_per_cpu_s", 0,
        with_ratio=True)
    row("per-stream received min/max", maxruns, "fairness", 3)
    ends = ["%14s" % (RAMP_END.get(int(num(r, "max_end") or 0), "?") if r else "-")
            for r in maxruns]
    print("  %-40s%s" % ("ramp ended by", "".join(ends)))


def best_calls(runs_by_k, i):
    """Largest passing K for relay i, and K scaled to a whole core by CPU."""
    best = None
    for k, runs in runs_by_k:
        if passes(runs[i]):
            best = (int(k), runs[i])
    if not best:
        return None, None
    cpu = num(best[1], "relay_cpu_pct")
    return best[0], (best[0] * 100 / cpu if cpu else None)


def print_summary(runs_by_k, maxruns):
    print("summary, rtpgated/rtpengine (higher is better unless said)")
    both = [(k, r) for k, r in runs_by_k if all(unsaturated(x) for x in r)]
    k, runs = both[-1] if both else (runs_by_k[0] if runs_by_k else (None, [None, None]))
    a, b = (num(r, "pkt_per_cpu_s") if r else None for r in runs)
    print("  packets per CPU-second   %6s  at %s calls, the most where both lost"
          " < %.1f %% below %d %% CPU%s" % (
              ratio(a, b), k, MAX_LOSS_PCT, BUSY_CPU_PCT,
              "" if both else " (none: the smallest instead)"))
    (ka, ea), (kb, eb) = best_calls(runs_by_k, 0), best_calls(runs_by_k, 1)
    print("  max calls per core       %6s  extrapolated by CPU: %s vs %s;"
          " largest passing (loss < %.1f %%, p99 < %d ms): %s vs %s" % (
              ratio(ea, eb), fmt(ea, 0), fmt(eb, 0), MAX_LOSS_PCT,
              MAX_P99_US // 1000, ka or "none", kb or "none"))
    k, runs = runs_by_k[-1] if runs_by_k else (None, [None, None])
    a, b = (num(r, "rss_per_call_kb") if r else None for r in runs)
    print("  RSS per call             %6s  at %s calls (lower is better)" % (ratio(a, b), k))
    a, b = (num(r, "max_fwd_pps") if r else None for r in maxruns)
    limited = [RAMP_END.get(int(num(r, "max_end") or 0)) for r in maxruns if r]
    note = "" if "generator" not in limited and "time" not in limited else \
        " (a ramp ended by the generator or the time: that relay's maximum is higher)"
    print("  max forwarded pkt/s      %6s%s" % (ratio(a, b), note))


def main():
    out, calls, engine = sys.argv[1], sys.argv[2].split(), sys.argv[3]
    load = lambda relay, name: read_kv(os.path.join(out, "%s-%s.kv" % (relay, name)))
    runs_by_k = [(k, [load(r, "r" + k) for r in RELAYS]) for k in calls]
    maxruns = [load(r, "max") for r in RELAYS]
    ran = [any(runs[i] for _, runs in runs_by_k) for i in range(2)]
    print()
    print("RTP relay benchmark: rtpgated vs %s (userspace)" % engine)
    print("  %-40s%14s%14s%14s" % ("", "rtpgated", "rtpengine", "ratio"))
    print_realistic(runs_by_k, RELAYS)
    print_max(maxruns)
    first = runs_by_k[0][1][0] if runs_by_k else None
    if first is not None and not num(first, "received"):
        print("rtpgated forwarded no RTP (0 of %s packets came back): no ratios"
              % first.get("sent", "?"))
    elif not ran[1]:
        print("rtpengine did not run: no ratios")
    elif ran[0]:
        print_summary(runs_by_k, maxruns)
    waits = [num(r, "relay_wait_pct") or 0 for _, runs in runs_by_k for r in runs if r]
    if waits and max(waits) > 10:
        print("note: the machine was busy: a relay waited for a CPU up to %.0f %% "
              "of the time; the ratios compare runs of the same minutes" % max(waits))


if __name__ == "__main__":
    main()
