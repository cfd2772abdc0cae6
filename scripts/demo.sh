#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: the story of sraid in a few minutes, with real output.  Two
# QEMU processes are two controllers of one cluster on the same four
# member disks (RAID 5), each with an unmodified Debian Linux
# guest (tools/sraid-cluster up --guests).  Then:
#   1. both guests see the same logical drive (VPD 83h identity);
#   2. guest A writes, guest B reads it back;
#   3. a persistent reservation taken in guest A makes guest B's write
#      conflict (sg_persist);
#   4. sraidctl in a guest shows the cluster, its drives and operations;
#   5. the master is killed: the other node takes over, its guest reads on;
#   6. a member disk fails, a new disk is plugged in: it is rebuilt while
#      the guest keeps reading correct data.
# Exits 0 when every step showed what it should, and tears everything
# down.  docs/user-guide.md tells the story in words.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
QEMU=$BUILD/qemu-build/qemu-system-x86_64
TOOL=$REPO/tools/sraid-cluster
DIR=${DEMO_DIR:-$BUILD/demo}
export QEMU SRAID_IMG=$BUILD/core/sraid-img
T0=$SECONDS

say() { printf '\n== [%3ss] %s\n' "$((SECONDS - T0))" "$*"; }
die() { echo "demo: FAILED: $*" >&2; exit 1; }
run() { echo "\$ $*"; "$@"; }
# A command in node $1's guest, shown with its output
g() {
    local node=$1
    shift
    echo "guest$node\$ $*"
    "$TOOL" exec --dir "$DIR" --timeout 120 "$node" "$*"
}
# The same, output captured (not shown)
gq() {
    local node=$1
    shift
    "$TOOL" exec --dir "$DIR" --timeout 120 "$node" "$*"
}
master() {
    "$TOOL" status --dir "$DIR" --json | python3 -c '
import json, sys
for n in json.load(sys.stdin)["nodes"]:
    if n.get("alive") and n.get("state") == "master":
        print(n["node-id"]); break'
}
# DEMO_FAIL_LOGS=DIR: when a step fails, the nodes' QEMU logs go there
# before the teardown removes the cluster directory
cleanup() {
    local rc=$?

    if [ "$rc" != 0 ] && [ -n "${DEMO_FAIL_LOGS:-}" ] && [ -d "$DIR" ]; then
        mkdir -p "$DEMO_FAIL_LOGS" && cp "$DIR"/*.log "$DEMO_FAIL_LOGS"/ 2>/dev/null
    fi
    [ -f "$DIR/cluster.json" ] && "$TOOL" down --dir "$DIR" --purge \
        >/dev/null 2>&1
    return 0
}
trap cleanup EXIT

[ -x "$QEMU" ] || die "$QEMU is missing: run 'make qemu'"
cleanup
rm -rf "$DIR"

say "two controllers, one cluster: RAID 5 on 3 disks, a Linux guest on each node"
run "$TOOL" up --dir "$DIR" --name demo --nodes 2 --disks 3 \
    --disk-size 48M --guests || die "the cluster did not come up"

read -r _ BLK7 SG7 _ <<<"$(gq 7 'sraid-lds -w 60')"
read -r _ BLK6 SG6 _ <<<"$(gq 6 'sraid-lds -w 60')"
[ -n "$SG7" ] && [ -n "$SG6" ] || die "a guest does not see the logical drive"

say "1. both guests see the same logical drive: one identity (VPD 83h) on every node"
id7=$(gq 7 "sg_vpd -p di $SG7")
id6=$(gq 6 "sg_vpd -p di $SG6")
echo "guest7\$ sg_vpd -p di $SG7"
echo "$id7"
echo "guest6\$ sg_vpd -p di $SG6   (the same)"
[ "$id7" = "$id6" ] || { echo "$id6"; die "the guests see different identities"; }

say "2. guest 7 writes 4 MiB, guest 6 reads them back"
sum7=$(gq 7 "dd if=/dev/urandom of=/tmp/p bs=1M count=4 2>/dev/null; \
dd if=/tmp/p of=$BLK7 bs=1M oflag=direct conv=fsync 2>/dev/null; md5sum </tmp/p")
sum6=$(gq 6 "dd if=$BLK6 bs=1M count=4 iflag=direct 2>/dev/null | md5sum")
echo "written by guest 7: ${sum7%% *}"
echo "read by guest 6:    ${sum6%% *}"
[ "${sum7%% *}" = "${sum6%% *}" ] || die "guest 6 read other data"

say "3. a persistent reservation across nodes: guest 7 reserves, guest 6 conflicts"
g 7 "sg_persist -n --out --register --param-sark=0x7 $SG7 && \
sg_persist -n --out --reserve --param-rk=0x7 --prout-type=1 $SG7"
g 6 "sg_persist -n --in --read-reservation $SG6"
echo "guest6\$ dd if=/dev/zero of=$BLK6 bs=4k count=1 oflag=direct"
if gq 6 "dd if=/dev/zero of=$BLK6 bs=4k count=1 oflag=direct 2>&1"; then
    die "guest 6 wrote through guest 7's Write Exclusive reservation"
fi
echo "(refused: RESERVATION CONFLICT, which Linux reports as EBADE, \"Invalid exchange\")"
g 7 "sg_persist -n --out --clear --param-rk=0x7 $SG7"

say "4. sraidctl in the guest: the controller's own view, over SG_IO"
g 6 "sraidctl show; sraidctl ld; sraidctl pd"

M=$(master)
O=$([ "$M" = 7 ] && echo 6 || echo 7)
BLKO=$([ "$O" = 7 ] && echo "$BLK7" || echo "$BLK6")
say "5. the master (node $M) is killed: node $O takes over, its guest reads on"
run "$TOOL" kill --dir "$DIR" "$M"
for _ in $(seq 120); do
    [ "$(master)" = "$O" ] && break
    sleep 0.5
done
[ "$(master)" = "$O" ] || die "node $O did not take over"
"$TOOL" status --dir "$DIR" | grep -E "^node|state" || true
sumo=$(gq "$O" "dd if=$BLKO bs=1M count=4 iflag=direct 2>/dev/null | md5sum")
echo "guest $O reads: ${sumo%% *}"
[ "${sumo%% *}" = "${sum7%% *}" ] || die "guest $O read other data after the takeover"

say "6. a member disk fails, a new one is plugged in: rebuilt while guest $O keeps reading"
run "$TOOL" fail-disk --dir "$DIR" "$O" 1
run "$TOOL" insert-disk --dir "$DIR" "$O"
for i in $(seq 60); do
    s=$(gq "$O" "dd if=$BLKO bs=1M count=4 iflag=direct 2>/dev/null | md5sum")
    [ "${s%% *}" = "${sum7%% *}" ] || die "read $i during the rebuild returned other data"
    ops=$(gq "$O" "sraidctl ops" || true)
    echo "read $i: ${s%% *} ok   $(echo "$ops" | grep -iE 'rebuild' | head -n1)"
    gq "$O" "sraidctl ld" | grep -q optimal && break
done
g "$O" "sraidctl ld; sraidctl pd"
gq "$O" "sraidctl ld" | grep -q optimal || die "the logical drive is not optimal again"

say "done in $((SECONDS - T0)) s: every step showed what it should"
