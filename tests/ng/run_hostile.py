#!/usr/bin/python3
"""run_hostile.py - every NG input is hostile: rtpgated must answer or stay
silent as the spec says, and never crash, hang or leak.

    run_hostile.py --daemon build/rtpgated [--seed N] [--mutations N]
                   [--mutation-seconds S]

Prints "ok - <sentence>" or "FAIL - <sentence>" per test and ends with
"N passed, M failed". The daemon runs with media ports 21000-21999.
"""

import argparse
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hostile_cases import CASES, Problem  # noqa: E402
from ngclient import (BencodeError, Daemon, DaemonError, NgTimeout,  # noqa
                      Report, bencode_decode, daemon_shutdown_check,
                      missing_daemon, new_cookie, repo_root)

PORT_MIN, PORT_MAX = 21000, 21999


class Harness:
    """What a test case gets: the daemon, a client, and checks that turn a
    reply into None (fine) or a description of what is wrong."""

    def __init__(self, daemon, args):
        self.daemon = daemon
        self.args = args
        self.client = daemon.client(timeout=2.0, retries=1)

    def close(self):
        self.client.close()

    def send(self, body, cookie=None, client=None):
        """Sends "cookie SP body"; returns (cookie, raw reply or None)."""
        client = client or self.client
        cookie = cookie or new_cookie().encode()
        client.drain()
        client.send_raw(cookie + b" " + body)
        return cookie, client.recv_raw(3.0, cookie)

    def reply_dict(self, body, cookie=None, client=None):
        """The decoded reply to @body, or raises Problem."""
        cookie, raw = self.send(body, cookie, client)
        if raw is None:
            raise Problem("no reply within 3 s%s" % self.death_note())
        try:
            reply = bencode_decode(raw[len(cookie) + 1:])
        except BencodeError as e:
            raise Problem("the reply is not valid bencode (%s): %r"
                          % (e, raw[:200]))
        if not isinstance(reply, dict) or "result" not in reply:
            raise Problem("the reply is not a dict with a result: %r"
                          % (raw[:200],))
        return reply

    def expect_error(self, body, reason=None, cookie=None):
        """None if @body gets {result: error, error-reason: <non-empty>}
        (equal to @reason when given)."""
        try:
            reply = self.reply_dict(body, cookie)
        except Problem as p:
            return str(p)
        why = reply.get("error-reason")
        if reply.get("result") != "error" or not isinstance(why, str) or \
                not why:
            return "expected an error with a reason, got %s" % _short(reply)
        if reason is not None and why != reason:
            return "expected error-reason %r, got %r" % (reason, why)
        return self.ping_problem()

    def expect_silence(self, datagram):
        """None if @datagram gets no reply within 1 s and ping still works."""
        self.client.drain()
        self.client.send_raw(datagram)
        raw = self.client.recv_raw(1.0)
        if raw is not None:
            return "expected no reply, got %r" % raw[:200]
        return self.ping_problem()

    def request(self, msg, **kw):
        try:
            return self.client.request(msg, **kw)
        except (NgTimeout, BencodeError) as e:
            raise Problem("%s: %s%s" % (msg.get("command"), e,
                                        self.death_note()))

    def ping_problem(self):
        try:
            if self.client.ping(timeout=3.0, retries=1).get("result") == \
                    "pong":
                return None
            return "ping did not answer pong"
        except (NgTimeout, BencodeError) as e:
            return "ping after it failed: %s%s" % (e, self.death_note())

    def death_note(self):
        if self.daemon.alive():
            return ""
        return "; the daemon died:\n" + self.daemon.log_tail()

    def delete_all(self):
        """Deletes every call the daemon lists. Small lists and "fast"
        deletes: the reply for a big call might not fit a datagram, which
        other cases test."""
        for _ in range(500):
            calls = self.request({"command": "list", "limit": 10}).get(
                "calls") or []
            if not calls:
                return
            for cid in calls:
                self.request({"command": "delete", "call-id": cid,
                              "flags": ["fast"]})
        raise Problem("calls are still listed after 500 rounds of delete")


def _short(reply):
    text = repr(reply)
    return text if len(text) < 300 else text[:300] + "..."


class Runner:
    def __init__(self, args):
        self.args = args
        self.report = Report()
        self.daemon = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = "ng-hostile%s-%d.log" % (
            "-san" if "build-san" in self.args.daemon else "", self.starts)
        self.daemon = Daemon(self.args.daemon, PORT_MIN, PORT_MAX, log)
        self.daemon.start()

    def run_case(self, name, fn):
        if self.daemon is None or not self.daemon.responsive():
            if self.daemon is not None:
                problems = self.daemon.stop()
                self.report.fail("hostile: the daemon answers ping between "
                                 "cases", "\n".join(problems) or
                                 "alive but no pong within 3 s; killed")
            self.start()
        h = Harness(self.daemon, self.args)
        try:
            problem = fn(h)
        except Problem as p:
            problem = str(p)
        except Exception:	# a bug in the case itself: report, go on
            problem = "the test raised:\n" + traceback.format_exc()
        finally:
            h.close()
        if not self.daemon.alive():
            problems = self.daemon.stop()
            problem = (problem + "\n" if problem else "") + \
                "the daemon died: %s\n%s" % ("; ".join(problems),
                                             self.daemon.log_tail())
            self.daemon = None
        self.report.check(name, problem)

    def run(self):
        if missing_daemon(self.report, self.args.daemon):
            return self.report.finish()
        try:
            for name, fn in CASES:
                try:
                    self.run_case(name, fn)
                except DaemonError as e:
                    self.report.fail(name, "not run: %s" % e)
                    break
        finally:
            if self.daemon is not None:
                daemon_shutdown_check(self.report, self.daemon, "hostile")
        return self.report.finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", required=True)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--mutations", type=int, default=3000)
    ap.add_argument("--mutation-seconds", type=float, default=180.0)
    args = ap.parse_args()
    args.log_dir = os.path.join(repo_root(), "build", "test-logs")
    return Runner(args).run()


if __name__ == "__main__":
    sys.exit(main())
