#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# SCSI and iSCSI compliance of a logical drive served by the controller's
# iSCSI target, against a reference: libiscsi's iscsi-test-cu (every test,
# family ALL, destructive ones included, two initiator names for the
# multi-initiator tests, the second path for the multipath tests) runs
# against a RAID 5 logical drive through our portal and against Linux's
# user-space target tgtd serving a raw file of the same size.  Prints the
# side-by-side table of tests/compliance/cu-compare.py; with --tap, TAP for
# the sraid run (the table as comments).  Exit status 1 when a test fails on
# sraid, other than the test bugs in known-failures.txt (TAP "# TODO").
# docs/compliance.md explains the results.
#
# Usage: iscsi-compliance.sh [--tap] [--sraid-only] QEMU SRAID_IMG
#
# Keeps the raw iscsi-test-cu outputs in $COMPLIANCE_OUT (default
# build/compliance).  CU_TESTS=ALL.Verify10 runs one suite, CU_TIMEOUT
# bounds each iscsi-test-cu run (600 s).  tgtd needs root; without it (or without tgtd) only the
# sraid column is printed.

TAP=
TGTD=yes
while [ $# -gt 0 ]; do
    case $1 in
    --tap) TAP=--tap ;;
    --sraid-only) TGTD=no ;;
    *) break ;;
    esac
    shift
done
QEMU=${1:?usage: $0 [--tap] [--sraid-only] QEMU SRAID_IMG}
IMG=${2:?usage: $0 [--tap] [--sraid-only] QEMU SRAID_IMG}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${COMPLIANCE_OUT:-${BUILD:-$REPO/build}/compliance}
CU_TIMEOUT=${CU_TIMEOUT:-600}
CU_TESTS=${CU_TESTS:-ALL}       # iscsi-test-cu -t: FAMILY[.SUITE[.TEST]]
W=$(mktemp -d "${TMPDIR:-/tmp}/sraid-compliance.XXXXXX")
QEMU_PID=
TGTD_PID=
TGTD_CTL=

log() {
    if [ -n "$TAP" ]; then
        echo "# $*"
    else
        echo "$*" >&2
    fi
}
stop_tgtd() {
    [ -n "$TGTD_PID" ] || return 0
    # a clean shutdown (tgtadm(8)): the system is deleted only without
    # targets, and tgtd ignores SIGTERM while it has them
    tgtadm -C "$TGTD_CTL" --lld iscsi --op delete --mode target --tid 1 \
        --force >/dev/null 2>&1
    tgtadm -C "$TGTD_CTL" --op delete --mode system >/dev/null 2>&1
    for _ in $(seq 50); do
        kill -0 "$TGTD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$TGTD_PID" 2>/dev/null
    wait "$TGTD_PID" 2>/dev/null
    TGTD_PID=
}
stop_qemu() {
    [ -n "$QEMU_PID" ] || return 0
    kill "$QEMU_PID" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$QEMU_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$QEMU_PID" 2>/dev/null; then
        log "QEMU did not stop on SIGTERM: killed"
        kill -9 "$QEMU_PID" 2>/dev/null
    fi
    wait "$QEMU_PID" 2>/dev/null
    QEMU_PID=
}
cleanup() {
    stop_tgtd
    stop_qemu
    rm -rf "$W"
}
trap cleanup EXIT

# free_ports
# shellcheck source=../lib/tap.sh
. "$REPO/tests/lib/tap.sh"
wait_port() {   # port pid
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1).close()" \
            2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Both initiator names are in the ACL of both targets
INIT1=iqn.2026-11.test.sraid:compliance-1
INIT2=iqn.2026-11.test.sraid:compliance-2
cu() {          # name url [url2]: run iscsi-test-cu, output in $OUT/name.txt
    local name=$1 t0=$SECONDS rc
    shift
    timeout "$CU_TIMEOUT" iscsi-test-cu --dataloss -t "$CU_TESTS" \
        -i "$INIT1" -I "$INIT2" "$@" >"$OUT/$name.txt" 2>&1
    rc=$?
    log "$name: iscsi-test-cu ran $((SECONDS - t0)) s (exit $rc)"
}

mkdir -p "$OUT"
rm -f "$OUT/sraid.txt" "$OUT/tgtd.txt"
for tool in iscsi-test-cu python3; do
    command -v $tool >/dev/null || { echo "Bail out! $tool is missing"; exit 1; }
done

# sraid: RAID 5 of three 64 MiB raw members, logical drive 0 is LUN 1; the
# second path of the multipath tests is channel 1's portal of the same node
NODE=7
CLUSTER=cu$$
TARGET=iqn.2026-11.org.sraid:sraid.$CLUSTER.node$NODE
for i in 0 1 2; do truncate -s 64M "$W/m$i.img"; done
"$IMG" create -l 5 -s 64K "$W"/m*.img >/dev/null ||
    { echo "Bail out! sraid-img create failed"; exit 1; }
LD_BYTES=$("$IMG" info --output=json "$W"/m*.img |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["logical-drives"][0]["size"])')
BASE=$(free_ports 32)
"$QEMU" -display none -machine q35 -nodefaults \
    -device virtio-scsi-pci,id=hba0 \
    -device "sraid-ctrl,id=c0,bus=hba0.0,scsi-id=2,node-id=$NODE,cluster=$CLUSTER,iscsi-port=$BASE,iscsi-initiators=$INIT1,,$INIT2" \
    $(for i in 0 1 2; do
        echo "-blockdev driver=file,filename=$W/m$i.img,node-name=m$i"
        echo "-device sraid-drive,bus=c0.0,drive=m$i,channel=$((i % 2)),target=$((i / 2))"
      done) >"$OUT/qemu.log" 2>&1 &
QEMU_PID=$!
PORT0=$((BASE + NODE))
PORT1=$((BASE + 16 + NODE))
wait_port "$PORT0" "$QEMU_PID" ||
    { cat "$OUT/qemu.log" >&2; echo "Bail out! QEMU did not start"; exit 1; }
# The logical drive answers NOT READY, BECOMING READY until the node is
# master of its one-node cluster and so has the reservation state
# (docs/persistent-reservations.md): wait for it like an initiator would.
t0=$SECONDS
for _ in $(seq 300); do
    iscsi-readcapacity16 -i "$INIT1" \
        "iscsi://127.0.0.1:$PORT0/$TARGET/1" >/dev/null 2>&1 && break
    sleep 0.1
done
log "logical drive ready after $((SECONDS - t0)) s"
cu sraid "iscsi://127.0.0.1:$PORT0/$TARGET/1" "iscsi://127.0.0.1:$PORT1/$TARGET/1"
kill -0 "$QEMU_PID" 2>/dev/null || log "QEMU died during the run (see $OUT/qemu.log)"
stop_qemu

# tgtd: the same size in a raw file, LUN 1 of its target, one portal; the
# second path is a second session through it
runs=("sraid=$OUT/sraid.txt")
if [ "$TGTD" = no ]; then
    :
elif ! command -v tgtd >/dev/null || [ "$(id -u)" != 0 ]; then
    log "tgtd not run (needs the tgt package and root): sraid only"
else
    truncate -s "$LD_BYTES" "$W/tgtd.img"
    TPORT=$(free_ports 1)
    # -C names tgtd's control socket /var/run/tgtd/socket.N (N <= 32767)
    for _ in $(seq 100); do
        TGTD_CTL=$((20000 + RANDOM % 12768))
        [ -e "/var/run/tgtd/socket.$TGTD_CTL" ] || break
    done
    TTARGET=iqn.2026-11.test.sraid:tgtd
    tgtd -f -C "$TGTD_CTL" --iscsi "portal=127.0.0.1:$TPORT" \
        >"$OUT/tgtd.log" 2>&1 &
    TGTD_PID=$!
    tadm() { tgtadm -C "$TGTD_CTL" --lld iscsi "$@" >>"$OUT/tgtd.log" 2>&1; }
    if wait_port "$TPORT" "$TGTD_PID" &&
       tadm --op new --mode target --tid 1 -T "$TTARGET" &&
       tadm --op new --mode logicalunit --tid 1 --lun 1 -b "$W/tgtd.img" &&
       tadm --op bind --mode target --tid 1 --initiator-name "$INIT1" &&
       tadm --op bind --mode target --tid 1 --initiator-name "$INIT2"; then
        cu tgtd "iscsi://127.0.0.1:$TPORT/$TTARGET/1" "iscsi://127.0.0.1:$TPORT/$TTARGET/1"
        runs+=("tgtd=$OUT/tgtd.txt")
    else
        log "tgtd did not start (see $OUT/tgtd.log): sraid only"
    fi
    stop_tgtd
    rm -f "/var/run/tgtd/socket.$TGTD_CTL" "/var/run/tgtd/socket.$TGTD_CTL.lock"
fi

python3 "$HERE/cu-compare.py" $TAP --known "$HERE/known-failures.txt" \
    "${runs[@]}"
