"""ngclient - talk to rtpgated over the NG protocol, for the test suites.

Three parts, standard library only:

  bencode_encode / bencode_decode   bencode as BEP 3 defines it, strictly
  NgClient                          one UDP socket, "COOKIE SP BENCODE" out,
                                    the reply with the same cookie back
  Daemon                            starts rtpgated with the command line of
                                    the behaviour spec on free ports, waits for
                                    "pong", and always stops it by its PID

The suites (run_golden.py, run_hostile.py) print "ok - sentence" or
"FAIL - sentence" per test and end with "N passed, M failed".
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time

# --- bencode (BEP 3) -------------------------------------------------------


class BencodeError(ValueError):
    pass


def bencode_encode(value, sort_keys=False):
    """Returns the bencoding of @value as bytes.

    str (UTF-8, surrogateescape) and bytes become strings, int integers,
    list/tuple lists, dict dicts. BEP 3 sorts dict keys; NG peers do not
    require it, so keys keep their order unless @sort_keys is set.
    bool and None are refused: they have no bencoding."""
    out = []
    _encode(value, out, sort_keys)
    return b"".join(out)


def _encode(value, out, sort_keys):
    if isinstance(value, bool) or value is None:
        raise BencodeError("cannot bencode %r" % (value,))
    if isinstance(value, int):
        out.append(b"i%de" % value)
    elif isinstance(value, (str, bytes)):
        raw = _to_bytes(value)
        out.append(b"%d:" % len(raw))
        out.append(raw)
    elif isinstance(value, (list, tuple)):
        out.append(b"l")
        for item in value:
            _encode(item, out, sort_keys)
        out.append(b"e")
    elif isinstance(value, dict):
        out.append(b"d")
        items = [(_to_bytes(k), v) for k, v in value.items()]
        if sort_keys:
            items.sort(key=lambda kv: kv[0])
        for key, item in items:
            out.append(b"%d:" % len(key))
            out.append(key)
            _encode(item, out, sort_keys)
        out.append(b"e")
    else:
        raise BencodeError("cannot bencode %s" % type(value).__name__)


def _to_bytes(s):
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode("utf-8", "surrogateescape")
    raise BencodeError("dict key must be a string, not %s" % type(s).__name__)


_INT_RE = re.compile(rb"i(0|-?[1-9][0-9]*)e")
_LEN_RE = re.compile(rb"(0|[1-9][0-9]*):")


def bencode_decode(data, text=True):
    """Decodes exactly one bencoded item that spans all of @data (bytes).

    Strict: no leading zeros or "-0" in integers or lengths, dict keys must
    be strings and may not repeat, nothing may follow the item. Key order is
    not checked (NG replies keep insertion order). Strings come back as str
    (UTF-8, surrogateescape, so no byte is lost) when @text, else as bytes.
    Raises BencodeError with the offset on malformed input. Iterative, so
    deep nesting cannot exhaust Python's stack."""
    if not isinstance(data, (bytes, bytearray)):
        raise BencodeError("bencode_decode wants bytes")
    data = bytes(data)
    pos, n = 0, len(data)
    # Each open container: [container, pending dict key or None].
    stack = []
    result = None
    done = False
    while True:
        if pos >= n:
            raise BencodeError("truncated at offset %d" % pos)
        c = data[pos:pos + 1]
        if c == b"e" and stack:
            container, key = stack.pop()
            if key is not None:
                raise BencodeError("dict key without value at offset %d" % pos)
            pos += 1
            value = container.d if isinstance(container, _Dict) else container
            done, result = _attach(stack, value, pos)
        elif c in (b"l", b"d"):
            stack.append([_Dict() if c == b"d" else [], None])
            pos += 1
            continue
        elif c == b"i":
            m = _INT_RE.match(data, pos)
            if not m:
                raise BencodeError("bad integer at offset %d" % pos)
            pos = m.end()
            done, result = _attach(stack, int(m.group(1)), pos)
        elif c.isdigit():
            m = _LEN_RE.match(data, pos)
            if not m:
                raise BencodeError("bad string length at offset %d" % pos)
            length = int(m.group(1))
            start = m.end()
            if length > n - start:
                raise BencodeError("string at offset %d runs past the end"
                                   % pos)
            raw = data[start:start + length]
            pos = start + length
            value = raw.decode("utf-8", "surrogateescape") if text else raw
            done, result = _attach(stack, value, pos, is_str=True)
        else:
            raise BencodeError("unexpected byte %r at offset %d" % (c, pos))
        if done:
            if pos != n:
                raise BencodeError("%d trailing bytes at offset %d"
                                   % (n - pos, pos))
            return result


class _Dict:
    """A dict being decoded: the dict and the key waiting for its value."""
    __slots__ = ("d",)

    def __init__(self):
        self.d = {}


def _attach(stack, value, pos, is_str=False):
    """Puts a finished @value into the innermost open container. Returns
    (True, value) when it was the top-level item."""
    if not stack:
        return True, value
    top = stack[-1]
    container = top[0]
    if isinstance(container, list):
        container.append(value)
    elif top[1] is None:
        if not is_str:
            raise BencodeError("dict key is not a string (before offset %d)"
                               % pos)
        if value in container.d:
            raise BencodeError("duplicate dict key %r" % (value,))
        top[1] = value
    else:
        container.d[top[1]] = value
        top[1] = None
    return False, None


# --- NG client --------------------------------------------------------------


class NgTimeout(Exception):
    pass


def new_cookie():
    return secrets.token_hex(8)


class NgClient:
    """A UDP NG client bound to an ephemeral port on the daemon's family."""

    def __init__(self, host, port, timeout=2.0, retries=3):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.addr = (host, port)
        self.timeout = timeout
        self.retries = retries
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, datagram):
        self.sock.sendto(datagram, self.addr)

    def recv_raw(self, timeout, cookie=None):
        """The next datagram from the daemon (bytes), optionally the next one
        that starts with @cookie + b" "; None after @timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, src = self.sock.recvfrom(70000)
            except socket.timeout:
                return None
            if src[:2] != self.addr[:2]:
                continue
            if cookie is None or data.startswith(cookie + b" "):
                return data

    def drain(self):
        """Discards every datagram already queued on the socket."""
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(70000)
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            self.sock.setblocking(True)

    def exchange_raw(self, body, cookie=None, timeout=None, retries=None):
        """Sends "cookie SP body" and returns the reply's body (bytes), the
        part after the cookie. Retransmits the same datagram (same cookie)
        on timeout; raises NgTimeout when no reply came at all."""
        cookie = (cookie or new_cookie()).encode() \
            if not isinstance(cookie, bytes) else cookie
        timeout = self.timeout if timeout is None else timeout
        retries = self.retries if retries is None else retries
        datagram = cookie + b" " + body
        for _ in range(retries + 1):
            self.send_raw(datagram)
            reply = self.recv_raw(timeout, cookie)
            if reply is not None:
                return reply[len(cookie) + 1:]
        raise NgTimeout("no reply to %r after %d tries"
                        % (datagram[:60], retries + 1))

    def request(self, msg, cookie=None, **kw):
        """Sends the dict @msg bencoded and returns the decoded reply dict
        (strings as str). Raises NgTimeout or BencodeError."""
        return bencode_decode(self.exchange_raw(bencode_encode(msg),
                                                cookie, **kw))

    def ping(self, **kw):
        return self.request({"command": "ping"}, **kw)


# --- the daemon under test --------------------------------------------------

SANITIZER_PATTERNS = ("ERROR: AddressSanitizer", "runtime error:",
                      "LeakSanitizer", "ERROR: UndefinedBehaviorSanitizer")

# The interfaces of the spec's command line, and what SDP shows for them.
INTERFACES = ["internal/127.0.0.1", "external/127.0.0.2!203.0.113.5",
              "internal/::1"]
ADVERTISED = {("internal", 4): "127.0.0.1", ("external", 4): "203.0.113.5",
              ("internal", 6): "::1"}
LOCAL = {("internal", 4): "127.0.0.1", ("external", 4): "127.0.0.2",
         ("internal", 6): "::1"}


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))


def free_udp_port(host="127.0.0.1"):
    """A UDP port on @host that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class DaemonError(Exception):
    pass


def daemon_env(path):
    """The environment for the daemon at @path: sanitizer options for a
    build under build-san/ (leak checks on, reports to stderr)."""
    env = dict(os.environ)
    if "build-san" in path:
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1"
    return env


class Daemon:
    """rtpgated under test. Use as a context manager, or call start() and
    stop() (stop() is also registered to run when the runner is killed).

    After stop(), self.problems lists what went wrong at the end: a
    non-zero exit on SIGTERM, a kill after 5 s, sanitizer reports."""

    def __init__(self, path, port_min, port_max, log_name, extra_args=(),
                 listen_fmt="127.0.0.1:%d"):
        self.path = path
        self.listen_fmt = listen_fmt
        self.port_min = port_min
        self.port_max = port_max
        self.extra_args = list(extra_args)
        logdir = os.environ.get("RTPGATE_TEST_LOGS") or \
            os.path.join(repo_root(), "build", "test-logs")
        os.makedirs(logdir, exist_ok=True)
        self.log_path = os.path.join(logdir, log_name)
        self.proc = None
        self.ng_port = None
        self.problems = []
        self.exit_code = None

    def command(self):
        return [self.path, "--config-file=none", "--foreground",
                "--log-stderr", "--log-level=7",
                "--listen-ng=" + self.listen_fmt % self.ng_port,
                "--port-min=%d" % self.port_min,
                "--port-max=%d" % self.port_max, "--delete-delay=0"] + \
            ["--interface=" + i for i in INTERFACES] + self.extra_args

    def start(self, ready_timeout=20.0):
        """Starts the daemon and waits until it answers ping. Raises
        DaemonError (with the log's tail) when it cannot be made ready; the
        process is stopped first."""
        if not os.access(self.path, os.X_OK):
            raise DaemonError("%s does not exist or is not executable"
                              % self.path)
        env = daemon_env(self.path)
        _install_signal_handlers()
        for attempt in range(3):
            self.ng_port = free_udp_port()
            log = open(self.log_path, "ab" if attempt else "wb")
            log.write(("\n=== %s\n" % " ".join(self.command())).encode())
            log.flush()
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, env=env)
            log.close()
            _LIVE.add(self)
            if self._wait_ready(ready_timeout):
                return self
            code = self.proc.poll()
            self.stop()
            if code is None:
                raise DaemonError("no pong within %.0f s\n%s"
                                  % (ready_timeout, self.log_tail()))
            # Exited: perhaps the NG port was taken in between; try again.
        raise DaemonError("exited during start-up (code %s)\n%s"
                          % (self.exit_code, self.log_tail()))

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        with NgClient("127.0.0.1", self.ng_port, timeout=0.2, retries=0) as c:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    return False
                try:
                    if c.ping().get("result") == "pong":
                        return True
                except (NgTimeout, BencodeError, OSError):
                    time.sleep(0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def responsive(self):
        """True if the daemon runs and answers ping within 3 s."""
        if not self.alive():
            return False
        try:
            with self.client(timeout=1.0, retries=2) as c:
                return c.ping().get("result") == "pong"
        except (NgTimeout, BencodeError, OSError):
            return False

    def client(self, **kw):
        return NgClient("127.0.0.1", self.ng_port, **kw)

    def stop(self, sig=signal.SIGTERM):
        """@sig (SIGTERM), then SIGKILL after 5 s; always by PID. Records
        problems. Safe to call twice."""
        if self.proc is None:
            return self.problems
        proc, self.proc = self.proc, None
        _LIVE.discard(self)
        if proc.poll() is None:
            try:
                proc.send_signal(sig)
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self.problems.append("did not exit within 5 s of %s; "
                                     "killed" % signal.Signals(sig).name)
            except ProcessLookupError:
                proc.wait()
        code = proc.returncode
        self.exit_code = code
        if code != 0:
            how = "signal %d" % -code if code < 0 else "code %d" % code
            self.problems.append("exited with %s" % how)
        for line in self.sanitizer_lines():
            self.problems.append("sanitizer: " + line)
        return self.problems

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, lines=15):
        text = self.log_text().splitlines()
        return "\n".join("    | " + l for l in text[-lines:])

    def sanitizer_lines(self):
        return [l.strip() for l in self.log_text().splitlines()
                if any(p in l for p in SANITIZER_PATTERNS)][:5]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


_LIVE = set()
_handlers_installed = False


def _install_signal_handlers():
    """SIGTERM/SIGINT/SIGHUP to the runner raise SystemExit, so that every
    `finally` (and so Daemon.stop) runs; atexit is the last resort."""
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    import atexit
    atexit.register(lambda: [d.stop() for d in list(_LIVE)])


# --- output ------------------------------------------------------------------


class Report:
    """Collects test results and prints them the way tests/run.sh reads."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def ok(self, name):
        self.passed += 1
        print("ok - " + name, flush=True)

    def fail(self, name, detail=""):
        self.failed += 1
        print("FAIL - " + name, flush=True)
        if detail:
            for line in detail.rstrip("\n").split("\n"):
                print("    " + line)
            sys.stdout.flush()

    def check(self, name, problem):
        """ok when @problem is None or "", else FAIL with it as detail."""
        if problem:
            self.fail(name, problem)
        else:
            self.ok(name)

    def skip(self, reason):
        self.skipped += 1
        print("skip - " + reason, flush=True)

    def finish(self):
        line = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            line += ", %d skipped" % self.skipped
        print(line, flush=True)
        return 1 if self.failed else 0


def daemon_shutdown_check(report, daemon, suite):
    """Stops @daemon and reports its shutdown as one test."""
    problems = daemon.stop()
    name = "%s: daemon exits 0 on SIGTERM and logged no sanitizer error" % suite
    if problems:
        report.fail(name, "\n".join(problems) + "\nlog: " + daemon.log_path)
    else:
        report.ok(name)


def missing_daemon(report, path):
    """Reports a daemon binary that is not there as a skip. True if missing."""
    if os.access(path, os.X_OK):
        return False
    report.skip("%s is not built (make %s)" % (path, path))
    return True


__all__ = ["bencode_encode", "bencode_decode", "BencodeError", "NgClient",
           "NgTimeout", "new_cookie", "Daemon", "DaemonError", "Report",
           "ADVERTISED", "LOCAL", "free_udp_port", "daemon_shutdown_check",
           "missing_daemon", "repo_root", "daemon_env", "INTERFACES"]
