#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo as a test: scripts/demo.sh in a directory of its own exits 0
# within the three minutes the story promises, shows each of its six steps
# with its checks, and leaves nothing behind (no QEMU process of its
# cluster, no cluster directory).  Prints TAP.
#
# Usage: demo-test.sh

REPO=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/sraid-demo.XXXXXX")
DIR=$W/demo
# the demo's own teardown is under test: this one only if it failed
cleanup() {
    [ -f "$DIR/cluster.json" ] &&
        "$REPO/tools/sraid-cluster" down --dir "$DIR" --purge >/dev/null 2>&1
    rm -rf "$W"
}
trap cleanup EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

echo "1..4"
T0=$SECONDS
# a failure keeps the nodes' logs for a look afterwards
FAIL_LOGS=${BUILD:-$REPO/build}/demo-test-failed
rm -rf "$FAIL_LOGS"
DEMO_DIR=$DIR DEMO_FAIL_LOGS=$FAIL_LOGS "$REPO/scripts/demo.sh" >"$W/demo.log" 2>&1
rc=$?
[ $rc = 0 ] || { cp "$W/demo.log" "$FAIL_LOGS/" 2>/dev/null
                 echo "# logs kept in $FAIL_LOGS"; }
secs=$((SECONDS - T0))
echo "# make demo: exit $rc in $secs s"
ok "the demo exits 0" bash -c "[ $rc = 0 ] || { tail -n 30 '$W/demo.log'; exit 1; }"
ok "under 3 minutes ($secs s)" test "$secs" -lt 180

steps_shown() {
    local s
    for s in "1. both guests see the same logical drive" \
             "2. guest 7 writes 4 MiB, guest 6 reads them back" \
             "3. a persistent reservation across nodes" \
             "4. sraidctl in the guest" \
             "5. the master (node" \
             "6. a member disk fails" \
             "every step showed what it should"; do
        grep -qF -- "$s" "$W/demo.log" || { echo "missing: $s"; return 1; }
    done
    # the checks behind them, as printed
    grep -q "^read by guest 6: *[0-9a-f]\{32\}$" "$W/demo.log" &&
        grep -q "RESERVATION CONFLICT" "$W/demo.log" &&
        grep -q "^read 1: [0-9a-f]\{32\} ok" "$W/demo.log" ||
        { echo "a step's output is missing"; return 1; }
}
ok "each of the six steps shown with its output" steps_shown

torn_down() {
    # QEMU's command line names the cluster directory (its sockets)
    if pgrep -f -- "$DIR/" >/dev/null; then
        pgrep -af -- "$DIR/"
        return 1
    fi
    [ ! -e "$DIR" ] || { ls -la "$DIR"; return 1; }
}
ok "torn down: no process of its cluster left, its directory removed" torn_down
