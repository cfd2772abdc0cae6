#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Two controllers in two QEMU processes on one virtual shared SCSI bus:
# each scan finds the other on both channels (INQUIRY of LUN 0, seed 003
# Table 20), the seed's memory test (Node_Write + Node_Read of the
# diagnostics scratch) runs both ways on both channels, a SIGKILLed peer
# makes the next command fail within its timeout and drops out of the
# scan, and comes back when it restarts; many small messages travel as
# one command (seed 002 message gathering).  Prints TAP; the memory test's
# round-trip times go to the diagnostics (#) lines.
#
# Usage: bus-test.sh QEMU

QEMU=${1:?usage: $0 QEMU}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
QMP="python3 $REPO/scripts/qmp.py"
W=$(mktemp -d "${TMPDIR:-/tmp}/sraid-bus.XXXXXX")
declare -A PID
cleanup() {
    for p in "${PID[@]}"; do
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$W"
}
trap cleanup EXIT
# shellcheck source=../lib/tap.sh
. "$REPO/tests/lib/tap.sh"

BASE=$(free_ports 48)
CLUSTER=b$$

# Node 6's portal on channel 0 is not where the single-host layout puts
# it: every node is told so with an explicit 'portals' entry (multi-host)
PORTALS=6.0=127.0.0.1:$((BASE + 40))
start() {   # node id
    "$QEMU" -display none -machine q35 -nodefaults \
        -device virtio-scsi-pci,id=hba0 \
        -device "sraid-ctrl,id=c0,bus=hba0.0,node-id=$1,cluster=$CLUSTER,iscsi-port=$BASE,scan-interval=300,portals=$PORTALS" \
        -qmp "unix:$W/qmp$1.sock,server=on,wait=off" >"$W/qemu$1.log" 2>&1 &
    PID[$1]=$!
}
# peers node $1 sees, as "node:channel" words
peers() {
    $QMP "$W/qmp$1.sock" query-sraid |
        python3 -c 'import json, sys
print(" ".join("%d:%d" % (p["node"], p["channel"])
               for p in json.load(sys.stdin)[0]["bus"]["peers"]))'
}
sees() {    # node, expected peers, within 10 s
    local i got
    for ((i = 0; i < 100; i++)); do
        got=$(peers "$1")
        [ "$got" = "$2" ] && return 0
        sleep 0.1
    done
    echo "node $1 sees '$got', expected '$2'"
    return 1
}
memtest() { # from, to, channel
    local out
    out=$($QMP "$W/qmp$1.sock" sraid-peer-test \
          "{\"controller\": \"c0\", \"node\": $2, \"channel\": $3, \"bytes\": 4096}") ||
        return 1
    echo "$out" | python3 -c 'import json, sys; r = json.load(sys.stdin)
print("# node '"$1"' -> node '"$2"' channel '"$3"': Node_Write %d us, Node_Read %d us" % (r["write-us"], r["read-us"]))' >>"$W/latency"
}

echo "1..16"
start 7
start 6
ok "node 7 sees node 6 on channels 0 and 1" sees 7 "6:0 6:1"
ok "node 6 sees node 7 on channels 0 and 1" sees 6 "7:0 7:1"
ok "query-sraid lists node 7's portals and iSCSI name" \
   bash -c "$QMP '$W/qmp7.sock' query-sraid | grep -q '\"127.0.0.1:$((BASE + 7)),1\"' &&
            $QMP '$W/qmp7.sock' query-sraid | grep -q 'iqn.2026-11.org.sraid:sraid.$CLUSTER.node7'"
ok "node 6 listens on channel 0 where its 'portals' entry says" \
   bash -c "$QMP '$W/qmp6.sock' query-sraid | grep -q '\"127.0.0.1:$((BASE + 40)),1\"'"
bad_entry() {
    "$QEMU" -display none -machine q35 -nodefaults -device virtio-scsi-pci \
        -device "sraid-ctrl,node-id=5,iscsi-port=$BASE,portals=6.9=127.0.0.1:1" 2>&1 |
        grep -q "portals entry '6.9=127.0.0.1:1' is not NODE.CHANNEL=HOST:PORT"
}
ok "a 'portals' entry naming a channel that does not exist is refused" bad_entry
for spec in "7 6 0" "7 6 1" "6 7 0" "6 7 1"; do
    set -- $spec
    ok "memory test node $1 -> node $2 on channel $3" memtest "$1" "$2" "$3"
done
# seed 002 message gathering: 64 Node_Write messages posted at once leave
# as two Node_Gather commands (the first at once, the other 63 together
# when it completes), and the peer's scratch holds all of them
gathered() {
    $QMP "$W/qmp7.sock" sraid-peer-test \
        '{"controller": "c0", "node": 6, "channel": 1, "bytes": 4096, "pieces": 64}' |
        python3 -c 'import json, sys; r = json.load(sys.stdin)
sys.exit(0 if r["gather-commands"] == 2 else "gather-commands %d" % r["gather-commands"])'
}
ok "64 gathered Node_Writes travel as 2 commands and read back right" gathered

# node 7's cable on channel 1 cut: neither sees the other there any more,
# commands on it fail at once; reconnected, both see each other again
cable7() {
    $QMP "$W/qmp7.sock" sraid-set-cable \
        "{\"controller\": \"c0\", \"channel\": 1, \"connected\": $1}" >/dev/null
}
cut_hides() {
    cable7 false && sees 7 "6:0" && sees 6 "7:0" &&
        ! $QMP "$W/qmp7.sock" sraid-peer-test \
            '{"controller": "c0", "node": 6, "channel": 1}' 2>/dev/null
}
reconnect_shows() {
    cable7 true && sees 7 "6:0 6:1" && sees 6 "7:0 7:1"
}
ok "node 7's cable 1 cut: the nodes see each other on channel 0 only" cut_hides
ok "reconnected: on both channels again" reconnect_shows
cat "$W/latency"
ok "a node id nobody has fails the memory test" \
   bash -c "! $QMP '$W/qmp7.sock' sraid-peer-test '{\"controller\": \"c0\", \"node\": 3, \"channel\": 0}'"

kill -9 "${PID[6]}"
wait "${PID[6]}" 2>/dev/null
unset 'PID[6]'
killed_fails_fast() {
    local t0=$SECONDS
    ! $QMP "$W/qmp7.sock" sraid-peer-test \
        '{"controller": "c0", "node": 6, "channel": 0, "timeout": 2000}' &&
        [ $((SECONDS - t0)) -le 3 ]
}
ok "after SIGKILL of node 6 node 7's memory test fails within its timeout" \
   killed_fails_fast
ok "and node 6 drops out of node 7's scan" sees 7 ""
start 6
ok "restarted, node 6 is seen again on both channels" sees 7 "6:0 6:1"
