#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run sraid's test programs and total their TAP results.

Each test program prints TAP (GLib's --tap, or our shell tests).  Every
'ok' / 'not ok' line is one test; a program that dies, times out or prints
fewer results than its plan announced counts as one more failure, so a crash
can never look like a pass.  The last line is 'N passed, N failed' (and
', N skipped' when some were skipped).

Usage: run-tests.py [--timeout S] NAME=COMMAND [NAME=COMMAND ...]
"""

import argparse
import os
import re
import subprocess
import sys
import time

RESULT = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*-?\s*(.*)$')
PLAN = re.compile(r'^1\.\.(\d+)')


def run_one(name, command, timeout, log):
    passed = failed = skipped = 0
    planned = None
    seen = 0
    start = time.monotonic()
    log.write(f'=== {name}: {command}\n')
    log.flush()
    proc = subprocess.Popen(command, shell=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            errors='replace', start_new_session=True)
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, _ = proc.communicate()
        timed_out = True
    log.write(out)
    for line in out.splitlines():
        m = PLAN.match(line)
        if m and planned is None:
            planned = int(m.group(1))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        seen += 1
        desc = m.group(3)
        if m.group(1) == 'ok':
            if re.search(r'#\s*SKIP', desc, re.I):
                skipped += 1
            else:
                passed += 1
        else:
            if re.search(r'#\s*TODO', desc, re.I):
                skipped += 1
            else:
                failed += 1
                print(f'  FAIL {name}: {line}')
    problem = None
    if timed_out:
        problem = f'timed out after {timeout}s'
    elif proc.returncode != 0 and failed == 0:
        problem = f'exited with status {proc.returncode}'
    elif planned is not None and seen < planned:
        problem = f'ran {seen} of {planned} planned tests'
    elif seen == 0:
        problem = 'printed no test results'
    if problem:
        failed += 1
        print(f'  FAIL {name}: {problem}')
    took = time.monotonic() - start
    print(f'{"FAIL" if failed else "ok  "} {name:<28} {passed:4d} passed'
          f' {failed:3d} failed {skipped:3d} skipped  {took:6.1f}s',
          flush=True)
    return passed, failed, skipped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--timeout', type=int, default=600)
    ap.add_argument('--log', default='build/test.log')
    ap.add_argument('tests', nargs='+', metavar='NAME=COMMAND')
    args = ap.parse_args()
    totals = [0, 0, 0]
    os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    with open(args.log, 'w') as log:
        for spec in args.tests:
            name, _, command = spec.partition('=')
            if not command:
                ap.error(f'{spec!r} is not NAME=COMMAND')
            for i, n in enumerate(run_one(name, command, args.timeout, log)):
                totals[i] += n
    print(f'(full output: {args.log})')
    line = f'{totals[0]} passed, {totals[1]} failed'
    if totals[2]:
        line += f', {totals[2]} skipped'
    print(line)
    return 1 if totals[1] else 0


if __name__ == '__main__':
    sys.exit(main())
