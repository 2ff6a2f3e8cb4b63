"""cases_hostile - clients that misbehave on the CLI port: over-long lines,
lines that never end, silence, too many connections, control bytes,
resets. None may block other clients or take the daemon down.
"""

import os
import socket
import struct
import time

from clikit import cli_raw, connect, read_all
from mediakit import first_problem

TIMEOUT_S = 5		# RG_CLI_TIMEOUT_MS
CONNECTIONS_MAX = 64	# RG_CLI_CONNECTIONS_MAX


def quick_answer(ctx, limit=1.0):
    """None if `list numsessions` is answered within @limit seconds."""
    t0 = time.monotonic()
    try:
        text = ctx.cli("list numsessions", timeout=limit + 1)
    except OSError as e:
        return "list numsessions failed: %r" % e
    took = time.monotonic() - t0
    if "Current sessions total" not in text or took > limit:
        return "list numsessions took %.2f s and said %r" % (took, text[:80])
    return None


def long_line(ctx):
    answer = cli_raw(ctx.cli_port, b"list " + b"x" * 10240 + b"\n")
    ctx.check("a 10 KB line gets one error line and the connection is closed",
              None if answer.startswith(b"error: command line longer than") and
              answer.count(b"\n") == 1 else repr(answer[:100]))
    ctx.check("after a 10 KB line other clients are answered at once",
              quick_answer(ctx))


def stalled_clients(ctx):
    partial = connect(ctx.cli_port)
    partial.sendall(b"list totals")		# no newline, connection kept open
    silent = connect(ctx.cli_port)		# sends nothing
    try:
        ctx.check("while one client holds a line without newline and another "
                  "sends nothing, a third is answered at once", quick_answer(ctx))
        t0 = time.monotonic()
        late = read_all(partial, TIMEOUT_S + 3)
        idle = read_all(silent, 3)
        took = time.monotonic() - t0
        ctx.check("the daemon closes both after its %d s timeout, telling the "
                  "one with a partial line" % TIMEOUT_S,
                  None if late.startswith(b"error: no complete command line") and
                  took < TIMEOUT_S + 3 else "%r after %.1f s" % (late, took))
    except socket.timeout:
        ctx.check("the daemon closes stalled connections after its timeout",
                  "still open after %d s" % (TIMEOUT_S + 3))
    finally:
        partial.close()
        silent.close()


def line_ended_by_eof(ctx):
    answer = cli_raw(ctx.cli_port, b"list numsessions", shut=True)
    ctx.check("a line without newline is run when the client closes its side",
              None if b"Current sessions total" in answer else repr(answer))


def many_connections(ctx):
    socks = []
    try:
        for _ in range(CONNECTIONS_MAX + 16):
            socks.append(connect(ctx.cli_port))
        time.sleep(0.3)
        refused = 0
        for s in socks[CONNECTIONS_MAX:]:
            s.settimeout(2)
            if read_all(s, 2).startswith(b"error: too many CLI connections"):
                refused += 1
    finally:
        for s in socks:
            s.close()
    ctx.check("connections beyond %d get an error line and are closed"
              % CONNECTIONS_MAX, None if refused == 16 else "%d of 16" % refused)
    time.sleep(0.2)
    ctx.check("once they are gone, the CLI answers again at once", quick_answer(ctx))


def control_bytes(ctx):
    junk = bytes(range(1, 256)).replace(b"\n", b"").replace(b"\r", b"")
    answer = cli_raw(ctx.cli_port, b"\x1b[2J" + junk + b"\n")
    bad = [c for c in answer[:-1] if c < 0x20 or c == 0x7f]
    ctx.check("control bytes in a command are escaped in the one error line",
              None if answer.startswith(b"error: unknown command '") and
              answer.endswith(b"\n") and answer.count(b"\n") == 1 and not bad
              else repr(answer[:120]))
    nul = cli_raw(ctx.cli_port, b"list numsessions\x00junk\n")
    ctx.check("a NUL byte ends the command", None if b"Current sessions total"
              in nul else repr(nul[:80]))


def resets(ctx):
    for data in (b"list totals\n", b"list jsonstats\n", b"", b"list"):
        s = connect(ctx.cli_port)
        if data:
            s.sendall(data)
        # close with RST instead of FIN, before reading anything
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    time.sleep(0.2)
    ctx.check("clients that reset the connection mid-command leave the daemon "
              "answering", first_problem(
                  None if ctx.daemon.alive() else "daemon died", quick_answer(ctx)))


def random_lines(ctx):
    for i in range(50):
        data = os.urandom(1 + i * 40).replace(b"\n", b" ") + b"\n"
        cli_raw(ctx.cli_port, data)
    ctx.check("50 lines of random bytes each get an answer and the daemon "
              "stays up", quick_answer(ctx))


CASES = [("long line", long_line), ("stalled clients", stalled_clients),
         ("line ended by EOF", line_ended_by_eof),
         ("many connections", many_connections), ("control bytes", control_bytes),
         ("resets", resets), ("random lines", random_lines)]
