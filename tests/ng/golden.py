"""golden - the .test file format of tests/ng/golden/ and its matcher.

See tests/ng/README.md for the format as a reader sees it. This module
parses a file into steps and checks one reply against one step's
expectations; run_golden.py sends the requests.
"""

import difflib
import json
import re

from ngclient import ADVERTISED, LOCAL


class FormatError(Exception):
    """A .test file that does not follow the format (a bug in the test)."""


class Step:
    def __init__(self, lineno, command, params):
        self.lineno = lineno
        self.command = command		# "offer", ..., or "request"
        self.params = params		# dict from the JSON, in order
        self.sdp_in = None		# list of lines, or None
        self.sdp_out = None		# list of expected lines, or None
        self.result = None		# expected result, None = default
        self.error_reason = None	# pattern with '*' wildcards
        self.warnings = []		# substrings that must all appear
        self.any_warning = False
        self.asserts = []		# (lineno, text)


class TestFile:
    def __init__(self, path):
        self.path = path
        self.name = None
        self.daemon_options = []
        self.steps = []


_STEP_RE = re.compile(r"^([A-Za-z][A-Za-z0-9 _-]*?)\s*(\{.*\})?\s*$")


def parse_file(path):
    """Reads a .test file into a TestFile. Raises FormatError."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    tf = TestFile(path)
    if not lines or not lines[0].startswith("# "):
        raise FormatError("%s:1: the first line must be '# <sentence>'" % path)
    tf.name = lines[0][2:].strip()
    step, block = None, None
    for no, line in enumerate(lines, 1):
        where = "%s:%d" % (path, no)
        if block is not None and line.startswith("    "):
            block.append(line[4:])
            continue
        block = None
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            if line.startswith("daemon-options:"):
                tf.daemon_options += line.split(":", 1)[1].split()
                continue
            step = _parse_step_line(line, no, where)
            tf.steps.append(step)
            continue
        if step is None or not line.startswith("  ") or line[2] == " ":
            raise FormatError("%s: indented line outside a step, or "
                              "indented by other than 2 spaces" % where)
        block = _parse_body_line(step, line[2:].rstrip(), no, where)
    if not tf.steps:
        raise FormatError("%s: no steps" % path)
    return tf


def _parse_step_line(line, no, where):
    m = _STEP_RE.match(line)
    if not m:
        raise FormatError("%s: expected 'command {json}'" % where)
    params = {}
    if m.group(2):
        try:
            params = json.loads(m.group(2))
        except ValueError as e:
            raise FormatError("%s: bad JSON: %s" % (where, e))
    return Step(no, m.group(1).strip(), params)


def _parse_body_line(step, text, no, where):
    """Applies one indented line to @step; returns a list to collect a
    verbatim block into, or None."""
    if text == "sdp in:":
        step.sdp_in = []
        return step.sdp_in
    if text == "sdp out:":
        step.sdp_out = []
        return step.sdp_out
    if text.startswith("expect "):
        rest = text[7:].strip()
        if rest.startswith("error"):
            step.result = "error"
            reason = rest[5:].strip()
            if reason:
                step.error_reason = _unquote(reason, where)
        else:
            step.result = _unquote(rest, where) if rest.startswith('"') \
                else rest
        return None
    if text == "no warning":
        step.warnings, step.any_warning = [], False
        return None
    if text == "warning any":
        step.any_warning = True
        return None
    if text.startswith("warning "):
        step.warnings.append(_unquote(text[8:].strip(), where))
        return None
    step.asserts.append((no, text))
    return None


def _unquote(s, where):
    if not (s.startswith('"') and s.endswith('"') and len(s) >= 2):
        raise FormatError('%s: expected a "quoted string", got %s'
                          % (where, s))
    try:
        return json.loads(s)
    except ValueError as e:
        raise FormatError("%s: bad string %s: %s" % (where, s, e))


# --- placeholders ------------------------------------------------------------

_PH_RE = re.compile(r"\{(PORT|ADDR|ADDR6|LADDR|LADDR6|CALLID|ANY|NUM)"
                    r"(?::([A-Za-z0-9_.-]*?)([+-][0-9]+)?)?\}")


class Context:
    """What placeholders mean in one file: the port range, the port names
    bound so far, the call-ids."""

    def __init__(self, port_min, port_max, callid_of):
        self.port_min = port_min
        self.port_max = port_max
        self.ports = {}
        self.callid_of = callid_of	# name -> unique call-id

    def fixed(self, kind, arg):
        """The text of a placeholder that does not match (ADDR, CALLID)."""
        if kind in ("ADDR", "ADDR6", "LADDR", "LADDR6"):
            table = ADVERTISED if kind.startswith("ADDR") else LOCAL
            key = (arg, 6 if kind.endswith("6") else 4)
            if key not in table:
                raise FormatError("no interface %s/IPv%d" % key)
            return table[key]
        return self.callid_of(arg or "call")

    def compile(self, text):
        """A regex for @text with its placeholders, and the list of port
        references (name, offset) in group order."""
        parts, refs, pos = [], [], 0
        for m in _PH_RE.finditer(text):
            parts.append(re.escape(text[pos:m.start()]))
            pos = m.end()
            kind, arg, off = m.group(1), m.group(2), m.group(3)
            if kind == "PORT":
                if not arg:
                    raise FormatError("{PORT} needs a name: {PORT:a}")
                parts.append(r"([0-9]+)")
                refs.append((arg, int(off or 0)))
            elif kind == "ANY":
                parts.append(r"(?:.*?)")
            elif kind == "NUM":
                parts.append(r"(?:[0-9]+)")
            else:
                parts.append(re.escape(self.fixed(kind, arg)))
        parts.append(re.escape(text[pos:]))
        return re.compile("".join(parts), re.S), refs

    def match(self, pattern, actual, bind=True):
        """True if @actual matches the expected text @pattern; binds new
        port names when @bind (else only tries)."""
        rx, refs = self.compile(pattern)
        m = rx.fullmatch(actual)
        if not m:
            return False
        new = {}
        for i, (name, off) in enumerate(refs, 1):
            value = int(m.group(i))
            if not self.port_min <= value <= self.port_max:
                return False
            known = self.ports.get(name, new.get(name))
            if known is None:
                new[name] = value - off
            elif known + off != value:
                return False
        if bind:
            self.ports.update(new)
        return True

    def subst(self, text, strict=False):
        """@text with bound placeholders replaced; unbound {PORT:x} stay as
        written (or raise FormatError when @strict)."""
        def one(m):
            kind, arg, off = m.group(1), m.group(2), m.group(3)
            if kind == "PORT":
                if arg in self.ports:
                    return str(self.ports[arg] + int(off or 0))
                if strict:
                    raise FormatError("{PORT:%s} is not bound yet" % arg)
                return m.group(0)
            if kind in ("ANY", "NUM"):
                return m.group(0)
            return self.fixed(kind, arg)
        return _PH_RE.sub(one, text)


# --- checks ------------------------------------------------------------------


def wildcard_match(pattern, text):
    """'*' in @pattern matches any run of characters; nothing else is
    special."""
    rx = ".*".join(re.escape(p) for p in pattern.split("*"))
    return re.fullmatch(rx, text, re.S) is not None


def check_sdp(ctx, expected, actual):
    """Compares the SDP @actual (a str) with the expected lines. Returns
    None or a description with a unified diff."""
    problems = []
    if not actual.endswith("\r\n") or "\n" in actual.replace("\r\n", ""):
        problems.append("SDP out does not end every line with CRLF")
    got = re.split(r"\r?\n", actual)
    if got and got[-1] == "":
        got.pop()
    shown, failed = [], False
    for i, exp in enumerate(expected):
        ok = i < len(got) and ctx.match(exp, got[i], bind=not failed)
        failed = failed or not ok
        shown.append(got[i] if ok else ctx.subst(exp))
    if failed or len(got) != len(expected):
        diff = difflib.unified_diff(shown, got, "expected", "got",
                                    lineterm="")
        problems.append("SDP out differs:\n" + "\n".join(diff))
    return "\n".join(problems) or None


def lookup(reply, path):
    """The value at the key path @path (a list of segments) in @reply, or
    raises KeyError with a readable message."""
    value, walked = reply, []
    for seg in path:
        walked.append(seg)
        if isinstance(value, dict) and seg in value:
            value = value[seg]
        elif isinstance(value, list) and seg.isdigit() and \
                int(seg) < len(value):
            value = value[int(seg)]
        else:
            have = list(value) if isinstance(value, dict) else \
                "a list of %d" % len(value) if isinstance(value, list) else \
                "a %s" % type(value).__name__
            raise KeyError("%s: not found (there: %s)"
                           % (".".join(walked), have))
    return value


def split_path(text):
    """Splits 'a.b."c d".0' into segments; a "quoted" segment may hold
    dots and spaces. Returns (segments, rest of the line)."""
    segs, i, n = [], 0, len(text)
    while i < n:
        if text[i] == '"':
            end = text.index('"', i + 1)
            segs.append(text[i + 1:end])
            i = end + 1
        else:
            j = i
            while j < n and text[j] not in '. ':
                j += 1
            segs.append(text[i:j])
            i = j
        if i < n and text[i] == ".":
            i += 1
            continue
        break
    return segs, text[i:].strip()


def as_text(value):
    if isinstance(value, (int, str)):
        return str(value)
    return None


_TYPES = {"int": int, "string": str, "list": list, "dict": dict}


def check_assert(ctx, reply, text):
    """Checks one assertion line against @reply. Returns None or a
    description of the failure."""
    if text.startswith("{"):
        end = text.index("}") + 1
        value = ctx.subst(text[:end], strict=True)
        label, rest = text[:end], text[end:].strip()
    else:
        segs, rest = split_path(text)
        segs = [ctx.subst(s, strict=True) for s in segs]
        label = ".".join(segs)
        if rest in ("absent", "exists"):
            try:
                lookup(reply, segs)
                found = True
            except KeyError:
                found = False
            if found != (rest == "exists"):
                return "%s: expected %s" % (label, rest)
            return None
        try:
            value = lookup(reply, segs)
        except KeyError as e:
            return str(e.args[0])
    op, _, arg = rest.partition(" ")
    arg = arg.strip()
    if arg.startswith('"'):
        arg = json.loads(arg)
    return _compare(ctx, label, value, op, arg)


def _compare(ctx, label, value, op, arg):
    shown = json.dumps(value)
    if len(shown) > 300:
        shown = shown[:300] + "..."
    if op in ("=", "!="):
        text = as_text(value)
        ok = text is not None and ctx.match(arg, text, bind=(op == "="))
        if ok != (op == "="):
            return "%s: expected %s %s, got %s" % (label, op, arg, shown)
        return None
    if op in ("contains", "lacks"):
        if isinstance(value, str):
            ok = ctx.subst(arg, strict=True) in value
        elif isinstance(value, (dict, list)):
            items = [as_text(v) for v in value]
            hits = [t for t in items
                    if t is not None and ctx.match(arg, t, bind=False)]
            ok = bool(hits)
            if ok and op == "contains":
                ctx.match(arg, hits[0])		# binds a new {PORT:x}
        else:
            return "%s: cannot look inside %s" % (label, shown)
        if ok != (op == "contains"):
            return "%s: expected it to %s %s, got %s" % (label, op, arg,
                                                         shown)
        return None
    if op in (">=", "<=", ">", "<"):
        if isinstance(value, bool) or not isinstance(value, int):
            return "%s: expected an integer, got %s" % (label, shown)
        bound = int(ctx.subst(arg, strict=True))
        ok = {">=": value >= bound, "<=": value <= bound,
              ">": value > bound, "<": value < bound}[op]
        return None if ok else "%s: expected %s %d, got %s" % (
            label, op, bound, shown)
    if op == "is" and arg in ("even", "odd"):
        text = as_text(value)
        ok = text is not None and text.isdigit() and \
            int(text) % 2 == (arg == "odd")
        return None if ok else "%s: expected an %s number, got %s" % (
            label, arg, shown)
    if op == "is":
        if arg not in _TYPES:
            raise FormatError("unknown type %r (int, string, list, dict)"
                              % arg)
        ok = isinstance(value, _TYPES[arg])
        return None if ok else "%s: expected %s %s, got %s" % (
            label, "an" if arg == "int" else "a", arg, shown)
    if op == "has":
        m = re.fullmatch(r"([0-9]+) items?", arg)
        if not m:
            raise FormatError("write 'PATH has N items'")
        if not isinstance(value, (list, dict)) or len(value) != int(
                m.group(1)):
            return "%s: expected %s items, got %s" % (label, m.group(1),
                                                      shown)
        return None
    raise FormatError("unknown operator %r in an assertion" % op)
