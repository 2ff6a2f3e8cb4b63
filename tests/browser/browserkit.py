"""browserkit - a headless Chromium driven through a page of our own.

Standard library only. No DevTools protocol: Chromium opens one page from
a small HTTP server on 127.0.0.1 (page.html, page.js) and the page asks
that server for commands and posts their results back.

  PageServer   the HTTP server (a thread): serves the page, hands out
               commands one at a time (GET /cmd, long poll), collects
               results (POST /result); call() is "run this in the page
               and give me the result, within a timeout"
  Chromium     the browser process (headless, fake microphone playing a
               WAV file, loopback candidates allowed), started in its own
               process group and always stopped by its PID
  write_tone   a WAV file of a sine tone, for the fake microphone
"""

import json
import math
import os
import queue
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = {"/": ("page.html", "text/html; charset=utf-8"),
          "/page.js": ("page.js", "text/javascript; charset=utf-8")}
MAX_BODY = 1 << 20
GATHER_MS = 5000                # the page's wait for ICE gathering


class PageError(Exception):
    """The page did not answer in time, or its command failed."""


class _QuietServer(ThreadingHTTPServer):
    """A browser that goes away mid-request is no error worth a trace."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class PageServer:
    """Serves the page on 127.0.0.1 (a port the kernel picks) and passes
    commands to it. Use as a context manager."""

    def __init__(self):
        self.commands = queue.Queue()
        self.results = queue.Queue()
        self.hello = threading.Event()
        self.user_agent = ""
        self.page_errors = []
        self.seq = 0
        self.httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.2},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.commands.put({"op": "quit"})
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def wait_hello(self, timeout):
        """True once the page has loaded and said hello."""
        return self.hello.wait(timeout)

    def call(self, op, timeout=30.0, **args):
        """Runs @op with @args in the page; returns its result value.
        Raises PageError on a timeout or a failed command."""
        self.seq += 1
        cmd = dict(args, op=op, seq=self.seq)
        self.commands.put(cmd)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PageError("page: no result for %s within %.0f s"
                                % (op, timeout))
            try:
                res = self.results.get(timeout=left)
            except queue.Empty:
                continue
            if res.get("seq") != self.seq:
                continue        # a late result of an earlier command
            if not res.get("ok"):
                raise PageError("page: %s failed: %s"
                                % (op, res.get("error", "?")))
            return res.get("value") or {}

    def attempt(self, op, **args):
        """call(), but returns None or what went wrong instead of raising."""
        try:
            self.call(op, **args)
            return None
        except PageError as e:
            return str(e)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                if self.path == "/cmd":
                    try:
                        cmd = server.commands.get(timeout=10)
                    except queue.Empty:
                        cmd = {"op": "idle"}
                    return self._send(json.dumps(cmd).encode(),
                                      "application/json")
                if self.path not in STATIC:
                    return self._send(b"not found", "text/plain", 404)
                name, ctype = STATIC[self.path]
                with open(os.path.join(HERE, name), "rb") as f:
                    self._send(f.read(), ctype)

            def do_POST(self):
                try:
                    n = int(self.headers.get("Content-Length", "0"))
                    if not 0 <= n <= MAX_BODY:
                        raise ValueError("body of %d bytes" % n)
                    body = json.loads(self.rfile.read(n) or b"{}")
                    if not isinstance(body, dict):
                        raise ValueError("not an object")
                except ValueError as e:
                    return self._send(str(e).encode(), "text/plain", 400)
                if self.path == "/hello":
                    server.user_agent = str(body.get("userAgent", ""))
                    server.hello.set()
                elif self.path == "/result":
                    server.results.put(body)
                elif self.path == "/log":
                    server.page_errors.append(str(body.get("error")))
                else:
                    return self._send(b"not found", "text/plain", 404)
                self._send(b"{}", "application/json")

            def _send(self, data, ctype, code=200):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

        return Handler


def find_chromium():
    """The Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def write_tone(path, hz, seconds=2.0, rate=48000, amplitude=0.5):
    """Writes a mono 16-bit WAV of a sine of @hz (whole cycles, so that
    looping it is seamless)."""
    n = int(rate * seconds)
    frames = b"".join(struct.pack("<h", int(32767 * amplitude *
                                            math.sin(2 * math.pi * hz * i / rate)))
                      for i in range(n))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


class Chromium:
    """Headless Chromium on @url with a fake microphone playing @wav. Its
    profile, and its HOME (where its crash handler keeps its database),
    are in @workdir; its output goes to @log_path. Use as a context
    manager."""

    def __init__(self, binary, url, wav, workdir, log_path):
        self.binary = binary
        self.url = url
        self.wav = wav
        self.workdir = workdir
        self.log_path = log_path
        self.proc = None
        self.problems = []

    def command(self):
        args = [self.binary, "--headless=new",
                "--user-data-dir=" + os.path.join(self.workdir, "profile"),
                "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-gpu",
                "--disable-features=WebRtcHideLocalIpsWithMdns",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--use-file-for-fake-audio-capture=" + self.wav,
                "--autoplay-policy=no-user-gesture-required",
                "--allow-loopback-in-peer-connection",
                "--enable-logging=stderr", "--v=0"]
        if os.geteuid() == 0:
            args.append("--no-sandbox")   # Chromium refuses root otherwise
        return args + [self.url]

    def __enter__(self):
        log = open(self.log_path, "wb")
        log.write(("=== %s\n" % " ".join(self.command())).encode())
        log.flush()
        env = dict(os.environ, HOME=self.workdir,
                   XDG_CONFIG_HOME=os.path.join(self.workdir, "config"),
                   XDG_CACHE_HOME=os.path.join(self.workdir, "cache"))
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log, env=env,
                                     start_new_session=True)
        log.close()
        return self

    def __exit__(self, *exc):
        self.stop()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM to the browser's PID, SIGKILL to its process group (the
        one it was started in) after 5 s; then nothing of it may be left."""
        if self.proc is None:
            return self.problems
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.problems.append("did not exit within 5 s of SIGTERM")
        _kill_group(proc.pid)
        proc.wait()
        left = _kill_leftovers(self.workdir)
        if left:
            self.problems.append("killed %d process(es) still running after "
                                 "it: %s" % (len(left), "; ".join(left)))
        return self.problems

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join("    | " + l for l in text[-lines:])


def _kill_group(pgid):
    """SIGKILL to what is left of process group @pgid (renderers, zygote),
    then wait until it is empty (at most 5 s)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def _with_workdir(workdir):
    """{pid: command line} of the processes whose command line names
    @workdir: ours, even those that left the process group (Chromium's
    crash handler starts a session of its own)."""
    found = {}
    key = workdir.encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if key in cmd:
            found[int(pid)] = cmd.replace(b"\0", b" ")[:80].decode(
                "utf-8", "replace")
    return found


def _kill_leftovers(workdir):
    """Waits up to 5 s for the processes of @workdir to end by
    themselves, then SIGKILLs the rest by PID; returns what was killed."""
    deadline = time.monotonic() + 5
    while _with_workdir(workdir) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _with_workdir(workdir)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return ["%d %s" % item for item in left.items()]
