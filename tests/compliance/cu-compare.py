#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare iscsi-test-cu runs side by side.

Usage: cu-compare.py [--tap] [--known FILE] NAME=OUTPUT [NAME=OUTPUT ...]

Each OUTPUT is what `iscsi-test-cu` (CUnit basic mode, verbose) printed on
stdout.  CUnit knows only "passed" and "FAILED"; libiscsi marks a test it
could not run (a command the target does not implement, a feature it
lacks, a flag not given) by logging "[SKIPPED] ..." and passing it.  Here
a test is:

  fail  CUnit's verdict is FAILED
  skip  CUnit's verdict is passed and the test logged [SKIPPED] (or, for
        ModeSense6.Control-SWP, "SWP is not changeable"); some of these
        ran part of their checks (Inquiry.BlockLimits skips only the
        thin provisioning part)
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

--known FILE lists failures of the first run that are the test's fault,
"Suite.Test | file:line,... | reason" per line (# comments): a failure of
that test whose failed asserts are exactly those (CUnit's "1. file:line -"
lines) is listed apart, is TAP "# TODO", and does not make the exit
status 1.

--todo-if-second-fails: a failure of the first run whose test fails in
the second run too is TAP "# TODO" and does not make the exit status 1
(guest-compliance.sh: the LD against a plain scsi-hd on the same SG path,
where such a failure is the path's or the test's, not the LD's).
"""

import re
import sys

TEST_RE = re.compile(r"^  Test: (\S+) \.\.\.", re.M)
SUITE_RE = re.compile(r"^Suite: (\S+)", re.M)
VERDICT_RE = re.compile(r"(?:^|\.\.\.)(passed|FAILED)\b", re.M)
# libiscsi 1.19 marks skips by logging "[SKIPPED] ..."; ModeSense6.Control-
# SWP only logs why, then CU_PASSes its "[SKIPPED]" silently
SKIP_RE = re.compile(r"\[SKIPPED\]\s*(.*)|(SWP is not changeable)")
SUMMARY_RE = re.compile(r"^Run Summary:", re.M)
ASSERT_RE = re.compile(r"^\s+\d+\. (\S+:\d+)\s+-", re.M)


def collapse(items):
    """a run of the same assert as "file:line*N": a test that loops over
    every block size fails one assert hundreds of times (WriteAtomic16 on
    a SG device), which would fill a screen per test"""
    out = []
    for item in items:
        if out and out[-1][0] == item:
            out[-1][1] += 1
        else:
            out.append([item, 1])
    return [i if n == 1 else "%s*%d" % (i, n) for i, n in out]


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
        # after the verdict: the failed asserts, then the suite's cleanup
        # talking, not the test
        asserts = ",".join(collapse(ASSERT_RE.findall(body[verdict.end():])))
        body = body[:verdict.start()]
        if verdict.group(1) == "FAILED":
            state = "fail"
            first = re.search(r"\[FAILED\]\s*(.*)", body)
            reason = first.group(1).strip() if first else ""
            reason = "%s [%s]" % (reason, asserts) if reason else \
                "[%s]" % asserts
        else:
            skip = SKIP_RE.search(body)
            state = "skip" if skip else "pass"
            reason = (skip.group(1) or skip.group(2)).strip() if skip else ""
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
    todo_second = False
    known = {}
    while argv and argv[0].startswith("--"):
        if argv[0] == "--tap":
            tap = True
            argv = argv[1:]
        elif argv[0] == "--todo-if-second-fails":
            todo_second = True
            argv = argv[1:]
        elif argv[0] == "--known" and len(argv) > 1:
            with open(argv[1]) as f:
                for line in f:
                    if line.strip() and not line.startswith("#"):
                        test, text, why = (x.strip()
                                           for x in line.split("|", 2))
                        known[test] = (text, why)
            argv = argv[2:]
        else:
            sys.exit(__doc__)
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
    fails = [(s, t, why) for s, t, st, why in first if st == "fail"]

    def known_bug(s, t, why):
        k = known.get("%s.%s" % (s, t))
        return k[1] if k and why.endswith("[%s]" % k[0]) else None

    second = {}
    if todo_second and len(runs) > 1:
        second = {(s, t): st for s, t, st, _ in runs[1][1]}

    def also_second(s, t, why):
        if known_bug(s, t, why) or second.get((s, t)) != "fail":
            return None
        return "fails on %s too" % runs[1][0]

    expected = [f for f in fails if known_bug(*f) or also_second(*f)]
    lines.append("")
    bugs = len([f for f in fails if known_bug(*f)])
    lines.append("failing on %s: %d, of them %d known test bugs (--known)" %
                 (first_name, len(fails), bugs) +
                 (", %d failing on %s too (TODO)" %
                  (len(expected) - bugs, runs[1][0]) if second else ""))
    for s, t, why in fails:
        lines.append("  %s.%s: %s%s" % (s, t, "known: " if known_bug(s, t, why)
                                        else "", known_bug(s, t, why) or why))
    if len(runs) > 1:
        second_name = runs[1][0]
        other = {(s, t): st for s, t, st, _ in runs[1][1]}
        regressions = [(s, t, why) for s, t, why in fails
                       if other.get((s, t)) != "fail"]
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
            if st == "fail" and (known_bug(s, t, why) or
                                 also_second(s, t, why)):
                print("not ok %d - %s.%s # TODO %s" %
                      (i, s, t, known_bug(s, t, why) or
                       also_second(s, t, why)))
                if not known_bug(s, t, why) and why:
                    print("# %s" % why)
            elif st == "fail":
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
    return 1 if len(fails) > len(expected) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
