#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libiscsi's reservation tests across two controllers of one cluster:
# initiator 1 logs in to node 6's target, initiator 2 to node 7's, both
# on LUN 1 (logical drive 0 on the same member files).  Every reservation
# the first makes must hold against the second on the other node
# (docs/persistent-reservations.md, "Across the cluster").
#
# Usage: iscsi-cross-node.sh [--tap] QEMU SRAID_IMG
# Prints TAP with --tap (one line per test, cu-compare.py).

set -uo pipefail

TAP=
if [ "${1:-}" = --tap ]; then
    TAP=--tap
    shift
fi
QEMU=${1:?usage: $0 [--tap] QEMU SRAID_IMG}
IMG=${2:?usage: $0 [--tap] QEMU SRAID_IMG}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${COMPLIANCE_OUT:-${BUILD:-$REPO/build}/compliance}
CU_TIMEOUT=${CU_TIMEOUT:-600}
# the reservation families, SPC-2 and SPC-4
CU_TESTS=${CU_TESTS:-ALL.Reserve6,ALL.PrinReadKeys,ALL.PrinServiceactionRange,ALL.PrinReportCapabilities,ALL.ProutRegister,ALL.ProutReserve,ALL.ProutClear,ALL.ProutPreempt}
W=$(mktemp -d "${TMPDIR:-/tmp}/sraid-cross.XXXXXX")
PIDS=()

log() {
    if [ -n "$TAP" ]; then
        echo "# $*"
    else
        echo "$*" >&2
    fi
}
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$W"
}
trap cleanup EXIT

# free_ports
# shellcheck source=../lib/tap.sh
. "$REPO/tests/lib/tap.sh"

INIT1=iqn.2026-11.test.sraid:cross-1
INIT2=iqn.2026-11.test.sraid:cross-2
for tool in iscsi-test-cu iscsi-readcapacity16 python3; do
    command -v $tool >/dev/null || { echo "Bail out! $tool is missing"; exit 1; }
done
mkdir -p "$OUT"

CLUSTER=cx$$
for i in 0 1 2; do truncate -s 64M "$W/m$i.img"; done
"$IMG" create -l 5 -s 64K "$W"/m*.img >/dev/null ||
    { echo "Bail out! sraid-img create failed"; exit 1; }
BASE=$(free_ports 32)
for node in 6 7; do
    "$QEMU" -display none -machine q35 -nodefaults \
        -device virtio-scsi-pci,id=hba0 \
        -device "sraid-ctrl,id=c0,bus=hba0.0,scsi-id=2,node-id=$node,cluster=$CLUSTER,iscsi-port=$BASE,nvram=$W/nvram$node,iscsi-initiators=$INIT1,,$INIT2,heartbeat-interval=250" \
        $(for i in 0 1 2; do
            echo "-blockdev driver=file,filename=$W/m$i.img,node-name=m$i"
            echo "-device sraid-drive,bus=c0.0,drive=m$i,channel=$((i % 2)),target=$((i / 2))"
          done) >"$OUT/cross-node$node.log" 2>&1 &
    PIDS+=($!)
done
url() {     # node
    echo "iscsi://127.0.0.1:$((BASE + $1))/iqn.2026-11.org.sraid:sraid.$CLUSTER.node$1/1"
}

# both logical drives answer once the nodes are in one cluster with the
# master's reservation state (NOT READY, BECOMING READY until then)
t0=$SECONDS
for node in 6 7; do
    ok=
    for _ in $(seq 600); do
        if iscsi-readcapacity16 -i "$INIT1" "$(url $node)" >/dev/null 2>&1; then
            ok=1
            break
        fi
        sleep 0.1
    done
    [ -n "$ok" ] || { cat "$OUT/cross-node$node.log" >&2; echo "Bail out! node $node's logical drive never became ready"; exit 1; }
done
log "both nodes' logical drive ready after $((SECONDS - t0)) s"

t0=$SECONDS
timeout "$CU_TIMEOUT" iscsi-test-cu --dataloss -t "$CU_TESTS" \
    -i "$INIT1" -I "$INIT2" "$(url 6)" "$(url 7)" >"$OUT/cross-node.txt" 2>&1
log "iscsi-test-cu (initiator 1 on node 6, initiator 2 on node 7) ran $((SECONDS - t0)) s (exit $?)"
for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || log "a QEMU died during the run (see $OUT/cross-node*.log)"
done

python3 "$HERE/cu-compare.py" $TAP --known "$HERE/known-failures.txt" \
    "sraid-cross-node=$OUT/cross-node.txt"
