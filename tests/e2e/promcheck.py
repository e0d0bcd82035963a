"""promcheck.py FILE — a strict checker of the Prometheus text exposition
format (version 0.0.4), as node_exporter's textfile collector reads it:
every metric has one # HELP and one # TYPE before its samples, its samples
are together, names and labels are well formed, label values escaped,
values are numbers, no series repeats, a counter's name ends in _total,
and the file ends with a newline. Prints each fault and exits 1; else 0."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r'"(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(
    r"^(%s)(?:\{((?:%s=%s)(?:,%s=%s)*)?,?\})? (\S+)(?: (-?[0-9]+))?$" % (NAME, LABEL, VALUE, LABEL, VALUE))
PAIR = re.compile(r"(%s)=(%s)" % (LABEL, VALUE))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def number(text):
    if text in ("+Inf", "-Inf", "NaN"):
        return True
    try:
        float(text)
        return True
    except ValueError:
        return False


def main(path):
    data = open(path, "rb").read()
    faults = []
    if not data.endswith(b"\n"):
        faults.append("the file does not end with a newline")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        print("not UTF-8")
        return 1
    helps, types, done, series = {}, {}, set(), set()
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
            if not m:
                if line.startswith("# HELP") or line.startswith("# TYPE"):
                    faults.append("%d: malformed %s" % (n, line))
                continue
            kind, name, rest = m.groups()
            table = helps if kind == "HELP" else types
            if name in table:
                faults.append("%d: a second # %s for %s" % (n, kind, name))
            if name in done:
                faults.append("%d: # %s for %s after its samples" % (n, kind, name))
            if kind == "TYPE" and rest not in TYPES:
                faults.append("%d: unknown type %s" % (n, rest))
            if kind == "HELP" and rest.strip() == "":
                faults.append("%d: empty help for %s" % (n, name))
            table[name] = rest
            continue
        if line.strip() == "":
            faults.append("%d: empty line" % n)
            continue
        m = SAMPLE.match(line)
        if not m:
            faults.append("%d: not a sample: %s" % (n, line))
            continue
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        if not number(value):
            faults.append("%d: value %s is not a number" % (n, value))
        if name not in types or name not in helps:
            faults.append("%d: %s has no # HELP and # TYPE before it" % (n, name))
        if current != name:
            if name in done:
                faults.append("%d: samples of %s are not together" % (n, name))
            if current is not None:
                done.add(current)
            current = name
        pairs = PAIR.findall(labels)
        names = [p[0] for p in pairs]
        if len(set(names)) != len(names):
            faults.append("%d: a label repeats" % n)
        key = (name, tuple(sorted(pairs)))
        if key in series:
            faults.append("%d: series repeats: %s" % (n, line))
        series.add(key)
        if types.get(name) == "counter" and not name.endswith("_total"):
            faults.append("%d: counter %s does not end in _total" % (n, name))
    for f in faults:
        print(f)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
