#!/usr/bin/python3
"""run_golden.py - runs the NG golden tests in tests/ng/golden/*.test.

    run_golden.py --daemon build/rtpgated [FILE.test ...]

Each file is one test, named by its first line; its steps are NG requests
with the SDP they send and what the reply must hold (see README.md).
Prints "ok - <sentence>" or "FAIL - <sentence>" with the reason, and ends
with "N passed, M failed". The daemon runs with media ports 20000-20999.
"""

import argparse
import glob
import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from golden import (Context, FormatError, check_assert, check_sdp,  # noqa
                    parse_file, wildcard_match)
from ngclient import (BencodeError, Daemon, DaemonError, NgTimeout,  # noqa
                      Report, daemon_shutdown_check, missing_daemon)

PORT_MIN, PORT_MAX = 20000, 20999
# Commands that carry no call-id unless the step gives one.
CALLLESS = ("ping", "list", "statistics", "request")
RUN_TOKEN = secrets.token_hex(3)


def norm_key(key):
    return key.lower().replace("_", "-").replace(" ", "-")


class FileRun:
    """One .test file against one daemon."""

    def __init__(self, tf, daemon):
        self.tf = tf
        self.daemon = daemon
        self.stem = os.path.splitext(os.path.basename(tf.path))[0]
        self.callids = {}
        self.ctx = Context(daemon.port_min, daemon.port_max, self.callid)

    def callid(self, name):
        if name not in self.callids:
            self.callids[name] = "%s-%s-%s" % (name, self.stem, RUN_TOKEN)
        return self.callids[name]

    def build(self, step):
        msg = {} if step.command == "request" else {"command": step.command}
        has_callid = False
        for key, value in step.params.items():
            if norm_key(key) == "call-id":
                has_callid = True
                if isinstance(value, str):
                    value = self.callid(value)
            if value is not None:
                msg[key] = value
        if not has_callid and step.command not in CALLLESS:
            msg["call-id"] = self.callid("call")
        if step.sdp_in is not None:
            msg["sdp"] = "".join(l + "\r\n" for l in step.sdp_in)
        return msg

    def run(self):
        """None when every step passed, else why the first one failed."""
        with self.daemon.client(timeout=2.0, retries=2) as client:
            try:
                for i, step in enumerate(self.tf.steps, 1):
                    problem = self.run_step(client, step)
                    if problem:
                        return "step %d (%s, line %d): %s" % (
                            i, step.command, step.lineno, problem)
            finally:
                self.cleanup(client)
        return None

    def run_step(self, client, step):
        msg = self.build(step)
        try:
            reply = client.request(msg)
        except NgTimeout:
            return "no reply within 6 s" + self.death_note()
        except BencodeError as e:
            return "the reply is not valid bencode: %s" % e
        if not isinstance(reply, dict):
            return "the reply is not a dict: %r" % (reply,)
        problems = self.check_reply(step, reply)
        if problems:
            sent = json.dumps({k: v for k, v in msg.items() if k != "sdp"})
            got = json.dumps({k: v for k, v in reply.items() if k != "sdp"})
            problems.append("sent: %s\ngot:  %s" % (sent, got[:2000]))
        return "\n".join(problems)

    def check_reply(self, step, reply):
        problems = []
        want = step.result or ("pong" if step.command == "ping" else "ok")
        if reply.get("result") != want:
            problems.append("expected result %r, got %r (%s)" % (
                want, reply.get("result"), reply.get("error-reason", "")))
            return problems
        if step.error_reason is not None:
            reason = reply.get("error-reason")
            if not isinstance(reason, str) or \
                    not wildcard_match(step.error_reason, reason):
                problems.append("expected error-reason %r, got %r"
                                % (step.error_reason, reason))
        elif want == "error" and not reply.get("error-reason"):
            problems.append("an error reply without an error-reason")
        warning = reply.get("warning")
        for w in step.warnings:
            if not isinstance(warning, str) or w not in warning:
                problems.append("expected a warning with %r, got %r"
                                % (w, warning))
        if warning is not None and not step.warnings and \
                not step.any_warning:
            problems.append("unexpected warning %r" % (warning,))
        if step.sdp_out is not None:
            if not isinstance(reply.get("sdp"), str):
                problems.append("the reply has no sdp")
            else:
                p = check_sdp(self.ctx, step.sdp_out, reply["sdp"])
                if p:
                    problems.append(p)
        for lineno, text in step.asserts:
            p = check_assert(self.ctx, reply, text)
            if p:
                problems.append("line %d: %s" % (lineno, p))
        return problems

    def death_note(self):
        if self.daemon.alive():
            return ""
        return "; the daemon died:\n" + self.daemon.log_tail()

    def cleanup(self, client):
        """Deletes the file's calls so that its ports go back to the pool."""
        for callid in self.callids.values():
            try:
                client.request({"command": "delete", "call-id": callid},
                               timeout=0.5, retries=1)
            except (NgTimeout, BencodeError, OSError):
                pass


class Runner:
    def __init__(self, path):
        self.path = path
        self.report = Report()
        self.main = None
        self.starts = 0
        self.broken = None

    def new_daemon(self, options=()):
        self.starts += 1
        return Daemon(self.path, PORT_MIN, PORT_MAX,
                      "ng-golden%s-%d.log" % ("-san" if "build-san" in
                                              self.path else "", self.starts),
                      options)

    def main_daemon(self):
        """The shared daemon; started again if the previous one died (which
        is reported as a failure of its own)."""
        if self.broken:
            raise DaemonError(self.broken)
        if self.main is not None and not self.main.responsive():
            hung = self.main.alive()
            problems = (["alive but no pong within 3 s"] if hung else []) + \
                self.main.stop()
            self.report.fail("golden: the daemon stays up and answers "
                             "ping between files",
                             "\n".join(problems) + "\nlog: " +
                             self.main.log_path)
            self.main = None
        if self.main is None:
            try:
                self.main = self.new_daemon().start()
            except DaemonError as e:
                self.broken = "not run: %s" % e
                raise
        return self.main

    def run_file(self, path):
        try:
            tf = parse_file(path)
        except (FormatError, OSError, UnicodeDecodeError) as e:
            self.report.fail(os.path.basename(path), "bad test file: %s" % e)
            return
        own = None
        try:
            if tf.daemon_options:
                own = self.new_daemon(tf.daemon_options).start()
            problem = FileRun(tf, own or self.main_daemon()).run()
            if own:
                end = own.stop()
                if end and not problem:
                    problem = "daemon: " + "; ".join(end)
        except DaemonError as e:
            problem = str(e)
        except FormatError as e:
            problem = "bad test file: %s" % e
        finally:
            if own:
                own.stop()
        self.report.check(tf.name, problem)

    def run(self, files):
        if missing_daemon(self.report, self.path):
            return self.report.finish()
        try:
            for path in files:
                self.run_file(path)
        finally:
            if self.main is not None:
                daemon_shutdown_check(self.report, self.main, "golden")
        return self.report.finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--daemon", required=True)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    files = args.files or sorted(glob.glob(os.path.join(here, "golden",
                                                        "*.test")))
    return Runner(args.daemon).run(files)


if __name__ == "__main__":
    sys.exit(main())
