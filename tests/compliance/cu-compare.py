#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare iscsi-test-cu runs side by side.

Usage: cu-compare.py [--tap] NAME=OUTPUT [NAME=OUTPUT ...]

Each OUTPUT is what `iscsi-test-cu` (CUnit basic mode, verbose) printed on
stdout.  CUnit knows only "passed" and "FAILED"; libiscsi marks a test it
could not run (a command the target does not implement, a feature it
lacks, a flag not given) by logging "[SKIPPED] ..." and passing it.  Here
a test is:

  fail  CUnit's verdict is FAILED
  skip  CUnit's verdict is passed and the test logged [SKIPPED]
  pass  otherwise

Test output and CUnit's own lines all go to stdout in order: a test starts
at "  Test: NAME ..." and CUnit prints its verdict right after the "..." or
at the start of a line ("passed", or "FAILED" and the failed asserts);
libiscsi's log lines start with spaces, so a "[FAILED]" it logs is not a
verdict (it also logs those for sub-checks whose failure it tolerates).
What a suite's cleanup logs after the verdict of its last test (a
"[SKIPPED] PERSISTENT RESERVE IN ..." of its PR cleanup) is not the test's.

Prints, for the first run against the others: a table of suites with
pass/fail/skip of each run, the totals, and the tests that fail in the
first run but not in the second.  With --tap, TAP instead: one line per
test of the first run, "not ok" for a failure, "# SKIP reason" for skips,
and the table as comments.
"""

import re
import sys

TEST_RE = re.compile(r"^  Test: (\S+) \.\.\.", re.M)
SUITE_RE = re.compile(r"^Suite: (\S+)", re.M)
VERDICT_RE = re.compile(r"(?:^|\.\.\.)(passed|FAILED)\b", re.M)
SKIP_RE = re.compile(r"\[SKIPPED\]\s*(.*)")
SUMMARY_RE = re.compile(r"^Run Summary:", re.M)


def parse(text):
    """[(suite, test, verdict, reason)] in run order"""
    end = SUMMARY_RE.search(text)
    if end:
        text = text[:end.start()]
    marks = sorted([(m.start(), "suite", m) for m in SUITE_RE.finditer(text)] +
                   [(m.start(), "test", m) for m in TEST_RE.finditer(text)],
                   key=lambda x: x[0])
    results = []
    suite = None
    for i, (pos, kind, m) in enumerate(marks):
        if kind == "suite":
            suite = m.group(1)
            continue
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        body = text[m.start():stop]
        verdict = VERDICT_RE.search(body, m.end() - m.start() - 3)
        reason = ""
        if verdict is None:
            state = "fail"          # died or printed no verdict
            reason = "no verdict (iscsi-test-cu stopped?)"
            results.append((suite, m.group(1), state, reason))
            continue
        # after the verdict: the suite's cleanup talking, not the test
        body = body[:verdict.start()]
        if verdict.group(1) == "FAILED":
            state = "fail"
            first = re.search(r"\[FAILED\]\s*(.*)", body)
            reason = first.group(1).strip() if first else ""
        else:
            skip = SKIP_RE.search(body)
            state = "skip" if skip else "pass"
            reason = skip.group(1).strip() if skip else ""
        results.append((suite, m.group(1), state, reason))
    return results


def count(results):
    suites = {}
    for suite, _, state, _ in results:
        c = suites.setdefault(suite, {"pass": 0, "fail": 0, "skip": 0})
        c[state] += 1
    return suites


def cell(c):
    return "%d/%d/%d" % (c["pass"], c["fail"], c["skip"]) if c else "-"


def main(argv):
    tap = False
    if argv and argv[0] == "--tap":
        tap = True
        argv = argv[1:]
    if not argv or any("=" not in a for a in argv):
        sys.exit(__doc__)
    runs = []
    for arg in argv:
        name, path = arg.split("=", 1)
        with open(path, errors="replace") as f:
            runs.append((name, parse(f.read())))

    counts = [count(r) for _, r in runs]
    order = []
    for _, r in runs:
        for suite, *_ in r:
            if suite not in order:
                order.append(suite)
    width = max(len(s) for s in order + ["suite", "total"])
    lines = []
    head = "%-*s" % (width, "suite") + "".join(
        " | %-16s" % (n + " pass/fail/skip") for n, _ in runs)
    lines.append(head)
    lines.append("-" * len(head))
    for suite in order:
        lines.append("%-*s" % (width, suite) + "".join(
            " | %-16s" % cell(c.get(suite)) for c in counts))
    lines.append("-" * len(head))
    totals = []
    for _, r in runs:
        t = {"pass": 0, "fail": 0, "skip": 0}
        for *_, state, _ in r:
            t[state] += 1
        totals.append(t)
    lines.append("%-*s" % (width, "total") + "".join(
        " | %-16s" % cell(t) for t in totals))
    lines.append("%-*s" % (width, "tests") + "".join(
        " | %-16d" % len(r) for _, r in runs))

    first_name, first = runs[0]
    regressions = []
    if len(runs) > 1:
        second_name = runs[1][0]
        other = {(s, t): st for s, t, st, _ in runs[1][1]}
        regressions = [(s, t, why) for s, t, st, why in first
                       if st == "fail" and other.get((s, t)) != "fail"]
        lines.append("")
        lines.append("failing on %s but not on %s: %d" %
                     (first_name, second_name, len(regressions)))
        for s, t, why in regressions:
            lines.append("  %s.%s (%s: %s) %s" %
                         (s, t, second_name, other.get((s, t), "absent"),
                          why))

    if tap:
        print("1..%d" % len(first))
        for i, (s, t, st, why) in enumerate(first, 1):
            if st == "fail":
                print("not ok %d - %s.%s" % (i, s, t))
                if why:
                    print("# %s" % why)
            elif st == "skip":
                print("ok %d - %s.%s # SKIP %s" % (i, s, t, why))
            else:
                print("ok %d - %s.%s" % (i, s, t))
        for line in lines:
            print("# " + line if line else "#")
    else:
        print("\n".join(lines))
    return 1 if any(st == "fail" for *_, st, _ in first) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
