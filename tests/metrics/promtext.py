"""promtext - a strict checker for the Prometheus text exposition format
0.0.4, standard library only.

    families = parse(text)      # raises ExpositionError naming the line

Beyond the grammar (metric and label names, label value escapes, sample
values, optional timestamps) it holds an exposition to what a well-behaved
exporter does, and what rtpgated promises:

  - every family has exactly one # HELP and one # TYPE, both before its
    first sample; a family's lines form one group;
  - every sample belongs to a family with a TYPE (no untyped strays), and
    no two samples share a name and label set;
  - counters are non-negative numbers (not NaN);
  - histograms: each label set has _bucket lines with increasing "le"
    bounds and non-decreasing counts, a le="+Inf" bucket equal to _count,
    a _sum and a _count.

The result maps a family name to Family(type, help, samples), each sample
a (name, labels dict, value float).
"""

import math
import re

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
TIMESTAMP = re.compile(r"-?\d+\Z")


class ExpositionError(ValueError):
    pass


class Family:
    def __init__(self, name):
        self.name = name
        self.type = None
        self.help = None
        self.samples = []

    def __repr__(self):
        return "Family(%s %s, %d samples)" % (self.name, self.type,
                                              len(self.samples))


def parse_value(text, where):
    """A sample value as Go's ParseFloat reads it in this format."""
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    if not FLOAT.match(text):
        raise ExpositionError("%s: %r is not a number" % (where, text))
    return float(text)


def unescape(text, allowed, where):
    """@text with the backslash escapes of @allowed (a dict) replaced."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in allowed:
                raise ExpositionError("%s: bad escape in %r" % (where, text))
            out.append(allowed[text[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


HELP_ESCAPES = {"\\": "\\", "n": "\n"}
LABEL_ESCAPES = {"\\": "\\", "n": "\n", '"': '"'}


def parse_labels(text, pos, where):
    """Parses "{a="x",b="y"}" starting at @text[@pos] == "{". Returns
    (labels dict, position after "}")."""
    labels = {}
    pos += 1
    while True:
        if pos < len(text) and text[pos] == "}":
            return labels, pos + 1
        m = re.compile(r"([^=]*)=\"").match(text, pos)
        if not m:
            raise ExpositionError("%s: expected label=\"...\" at column %d"
                                  % (where, pos + 1))
        name = m.group(1)
        if not LABEL_NAME.match(name) or name.startswith("__"):
            raise ExpositionError("%s: bad label name %r" % (where, name))
        if name in labels:
            raise ExpositionError("%s: label %r given twice" % (where, name))
        pos = m.end()
        value = []
        while True:
            if pos >= len(text):
                raise ExpositionError("%s: unterminated label value" % where)
            c = text[pos]
            if c == '"':
                break
            if c == "\\":
                value.append(text[pos:pos + 2])
                pos += 2
                continue
            if c == "\n":
                raise ExpositionError("%s: raw newline in label" % where)
            value.append(c)
            pos += 1
        labels[name] = unescape("".join(value), LABEL_ESCAPES, where)
        pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos >= len(text) or text[pos] != "}":
            raise ExpositionError("%s: expected , or } after label %r"
                                  % (where, name))


def parse_sample(line, where):
    m = re.compile(r"[^{ ]+").match(line)
    if not m or not METRIC_NAME.match(m.group(0)):
        raise ExpositionError("%s: bad metric name in %r" % (where, line))
    name, pos, labels = m.group(0), m.end(), {}
    if pos < len(line) and line[pos] == "{":
        labels, pos = parse_labels(line, pos, where)
    rest = line[pos:]
    if not rest.startswith(" "):
        raise ExpositionError("%s: no space before the value" % where)
    parts = rest.split(" ")[1:]
    if len(parts) not in (1, 2) or "" in parts:
        raise ExpositionError("%s: want VALUE [TIMESTAMP], got %r"
                              % (where, rest))
    if len(parts) == 2 and not TIMESTAMP.match(parts[1]):
        raise ExpositionError("%s: bad timestamp %r" % (where, parts[1]))
    return name, labels, parse_value(parts[0], where)


def family_of(name, families):
    """The family a sample called @name belongs to, or None."""
    for suffix in ("_bucket", "_sum", "_count", ""):
        if suffix and not name.endswith(suffix):
            continue
        base = name[:len(name) - len(suffix)] if suffix else name
        fam = families.get(base)
        if fam is None:
            continue
        kind = fam.type
        if suffix == "" and kind != "histogram":
            return fam
        if suffix == "_bucket" and kind == "histogram":
            return fam
        if suffix in ("_sum", "_count") and kind in ("histogram", "summary"):
            return fam
    return None


def parse_comment(line, where, families, closed, current):
    parts = line.split(" ", 3)
    if len(parts) < 3 or parts[1] not in ("HELP", "TYPE"):
        return current  # an ordinary comment
    kind, name = parts[1], parts[2]
    text = parts[3] if len(parts) > 3 else ""
    if not METRIC_NAME.match(name):
        raise ExpositionError("%s: bad metric name %r" % (where, name))
    if name in closed:
        raise ExpositionError("%s: %s for %s after its group ended"
                              % (where, kind, name))
    fam = families.setdefault(name, Family(name))
    if fam.samples:
        raise ExpositionError("%s: %s for %s after its samples"
                              % (where, kind, name))
    if kind == "HELP":
        if fam.help is not None:
            raise ExpositionError("%s: second HELP for %s" % (where, name))
        fam.help = unescape(text, HELP_ESCAPES, where)
    else:
        if fam.type is not None:
            raise ExpositionError("%s: second TYPE for %s" % (where, name))
        if text not in TYPES:
            raise ExpositionError("%s: unknown type %r" % (where, text))
        fam.type = text
    return switch(current, fam, closed)


def switch(current, fam, closed):
    """Moves to family @fam; the one before is closed for good."""
    if current is not None and current is not fam:
        closed.add(current.name)
    return fam


def parse(text):
    if not text.endswith("\n"):
        raise ExpositionError("the exposition does not end with a newline")
    if "\r" in text:
        raise ExpositionError("carriage return in the exposition")
    families, closed, seen, current = {}, set(), set(), None
    for no, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d" % no
        if line.strip() == "":
            continue
        if line.startswith("#"):
            current = parse_comment(line, where, families, closed, current)
            continue
        name, labels, value = parse_sample(line, where)
        fam = family_of(name, families)
        if fam is None or fam.type is None:
            raise ExpositionError("%s: sample %s has no # TYPE before it"
                                  % (where, name))
        if fam.help is None:
            raise ExpositionError("%s: family %s has no # HELP" % (where,
                                                                  fam.name))
        if fam.name in closed:
            raise ExpositionError("%s: %s comes back after its group ended"
                                  % (where, fam.name))
        current = switch(current, fam, closed)
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise ExpositionError("%s: duplicate sample %s%r" % (where, name,
                                                                 labels))
        seen.add(key)
        if fam.type == "counter" and not value >= 0:
            raise ExpositionError("%s: counter %s is %r" % (where, name,
                                                            value))
        fam.samples.append((name, labels, value))
    for fam in families.values():
        if fam.type is None:
            raise ExpositionError("family %s has HELP but no TYPE" % fam.name)
        if fam.type == "histogram":
            check_histogram(fam)
    return families


def check_histogram(fam):
    groups = {}
    for name, labels, value in fam.samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None,
                                     "count": None})
        if name.endswith("_bucket"):
            if "le" not in labels:
                raise ExpositionError("%s%r has no le" % (name, labels))
            le = parse_value(labels["le"], "%s le" % name)
            g["buckets"].append((le, value))
        elif "le" in labels:
            raise ExpositionError("%s carries an le label" % name)
        elif name.endswith("_sum"):
            g["sum"] = value
        else:
            g["count"] = value
    for rest, g in groups.items():
        where = "%s%s" % (fam.name, dict(rest))
        if g["sum"] is None or g["count"] is None:
            raise ExpositionError("%s: _sum or _count missing" % where)
        b = g["buckets"]
        if not b or b[-1][0] != math.inf:
            raise ExpositionError("%s: the last bucket is not le=\"+Inf\""
                                  % where)
        for (le1, c1), (le2, c2) in zip(b, b[1:]):
            if not le2 > le1:
                raise ExpositionError("%s: le %r after %r" % (where, le2, le1))
            if c2 < c1:
                raise ExpositionError("%s: bucket le=%r has %r < %r"
                                      % (where, le2, c2, c1))
        if b[-1][1] != g["count"]:
            raise ExpositionError("%s: +Inf bucket %r != _count %r"
                                  % (where, b[-1][1], g["count"]))
        # rtpgated observes durations: nothing may be negative
        if any(not c >= 0 for _, c in b) or not g["sum"] >= 0:
            raise ExpositionError("%s: negative bucket or sum" % where)


def value(families, name, **labels):
    """The value of the sample @name whose labels include @labels; raises
    KeyError naming what is missing."""
    fam = family_of(name, families)
    for n, l, v in fam.samples if fam else ():
        if n == name and all(l.get(k) == w for k, w in labels.items()):
            return v
    raise KeyError("no sample %s%r" % (name, labels))


def total(families, name, **labels):
    """The sum of every sample @name whose labels include @labels."""
    fam = family_of(name, families)
    return sum(v for n, l, v in (fam.samples if fam else ())
               if n == name and all(l.get(k) == w for k, w in labels.items()))
