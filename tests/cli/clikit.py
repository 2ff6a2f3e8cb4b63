"""clikit - talk to rtpgated's CLI port, and what a CLI case gets.

Standard library only; NG, the daemon and fake media endpoints come from
tests/ng/ngclient.py and tests/media/mediakit.py.

  cli_raw()      one TCP connection: bytes in, everything until the daemon
                 closes out
  fields()       "Label   :value" lines as a dict
  CliCtx         mediakit's Ctx plus .cli(command), .fields(command) and
                 .tool(name, args) for rtpgate-ctl / rtpgate-ng
"""

import os
import socket
import subprocess
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TESTS, "ng"))
sys.path.insert(0, os.path.join(TESTS, "media"))

from mediakit import CaseError, Ctx  # noqa: E402
from ngclient import SANITIZER_PATTERNS, daemon_env  # noqa: E402


def free_tcp_port(host="127.0.0.1"):
    """A TCP port on @host that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def connect(port, timeout=5.0):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_all(sock, timeout=5.0):
    """Everything @sock receives until the peer closes; raises
    socket.timeout when it stays open longer than @timeout."""
    sock.settimeout(timeout)
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def cli_raw(port, data, shut=True, timeout=5.0):
    """Sends @data on a new connection (then half-closes it when @shut)
    and returns the answer (bytes)."""
    with connect(port, timeout) as s:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        return read_all(s, timeout)


def fields(text):
    """{label: value} of the "Label   :value" lines of @text."""
    out = {}
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if sep and label.endswith(" "):
            out[label.strip()] = value
    return out


class CliCtx(Ctx):
    """What a CLI case gets: mediakit's Ctx, the CLI port and the tools."""

    def __init__(self, daemon, client, report, cli_port, tools_dir):
        super().__init__(daemon, client, report)
        self.cli_port = cli_port
        self.tools_dir = tools_dir

    @classmethod
    def wrap(cls, ctx, cli_port, tools_dir):
        """A CliCtx that shares @ctx's daemon, client, report and endpoints."""
        c = cls(ctx.daemon, ctx.client, ctx.report, cli_port, tools_dir)
        c.endpoints = ctx.endpoints
        return c

    def cli(self, command, timeout=5.0):
        """The answer to @command (a line; the newline is added)."""
        return cli_raw(self.cli_port, command.encode() + b"\n",
                       timeout=timeout).decode("utf-8", "replace")

    def fields(self, command):
        return fields(self.cli(command))

    def field_int(self, command, label):
        value = self.fields(command).get(label)
        try:
            return int(value.split()[0])
        except (AttributeError, ValueError, IndexError):
            raise CaseError("'%s' has no number for '%s': %r"
                            % (command, label, value))

    def tool(self, name, args, stdin=None, timeout=20):
        """Runs build*/@name with @args; a CompletedProcess (text)."""
        path = os.path.join(self.tools_dir, name)
        if not os.access(path, os.X_OK):
            raise CaseError("%s is not built" % path)
        return subprocess.run([path] + list(args), input=stdin,
                              capture_output=True, text=True,
                              timeout=timeout, env=daemon_env(path))

    def ng_port(self):
        return self.daemon.ng_port


def sanitizer_problem(proc):
    """A sanitizer report in a tool's stderr, or None."""
    for line in proc.stderr.splitlines():
        if any(p in line for p in SANITIZER_PATTERNS):
            return "sanitizer: " + line.strip()
    return None


__all__ = ["CliCtx", "cli_raw", "connect", "read_all", "fields",
           "free_tcp_port", "sanitizer_problem"]
