#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# iSCSI target benchmark (`make bench-iscsi`): sraid's embedded target
# against Debian's tgtd, in one run on the same filesystem, and the round
# trip of a vendor command between two QEMU processes.
#
# - sraid: a RAID 0 logical drive on ONE member file (so the data path is
#   that file plus the RAID engine's mapping) served at LUN 1 of a
#   controller's portal.  tgtd: a copy of that member file (same size, same
#   filesystem) as LUN 1 of a tgtd target.  Both files are filled with
#   random data first, so no read hits a hole.  Both acknowledge a write
#   only once it is on stable storage: the logical drive's write cache is
#   off (its default: writes reach the member with FUA), and tgtd opens
#   its file O_SYNC | O_DIRECT (--bsoflags sync:direct).
# - 4 KiB random reads at queue depth 32 with libiscsi's iscsi-perf, and
#   4 KiB random writes at queue depth 32 with `qemu-img bench -w` on an
#   iscsi:// URL; BENCH_SECS seconds (reads) / BENCH_WRITES requests
#   (writes) each, BENCH_ROUNDS rounds in alternating order.
# - Two controllers in two QEMU processes: sraid-peer-test (Node_Write +
#   Node_Read of 4 KiB) BENCH_PINGS times over loopback.
# Prints ratios sraid/tgtd (goal ≥ 1.0) and the vendor command latency
# (goal well under 1 ms).  A missed goal is a result, not a failure.
#
# Environment: BENCH_SECS [8], BENCH_WRITES [20000], BENCH_ROUNDS [2],
# BENCH_SIZE [256M], BENCH_PINGS [200], BENCH_DIR [build/bench-iscsi],
# BENCH_AIO [threads]: QEMU's AIO for the member file (threads, native,
# io_uring).

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
QEMU=${QEMU:-$BUILD/qemu-build/qemu-system-x86_64}
QEMU_IMG=${QEMU_IMG:-$BUILD/qemu-build/qemu-img}
IMG=${SRAID_IMG:-$BUILD/core/sraid-img}
OUT=${BENCH_DIR:-$BUILD/bench-iscsi}
SECS=${BENCH_SECS:-8}
WRITES=${BENCH_WRITES:-20000}
ROUNDS=${BENCH_ROUNDS:-2}
SIZE=$(numfmt --from=iec "${BENCH_SIZE:-256M}")
PINGS=${BENCH_PINGS:-200}
QMP="python3 $REPO/scripts/qmp.py"
HOST=iqn.2026-11.test.sraid:bench
CLUSTER=bench

say() { echo "iscsi-bench: $*" >&2; }
die() { say "$*"; exit 1; }

for b in "$QEMU" "$QEMU_IMG" "$IMG"; do
    [ -x "$b" ] || die "$b is missing: run 'make core qemu' first"
done
for t in tgtd tgtadm iscsi-perf; do
    command -v "$t" >/dev/null || die "$t is missing: run 'make deps'"
done

PIDS=()
TGT_CTL=
cleanup() {
    if [ -n "$TGT_CTL" ]; then
        tgtadm -C "$TGT_CTL" --op delete --mode system >/dev/null 2>&1 || true
    fi
    for p in "${PIDS[@]}"; do
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT
# free_ports
# shellcheck source=../tests/lib/tap.sh
. "$REPO/tests/lib/tap.sh"

wait_port() {
    local i
    for ((i = 0; i < 100; i++)); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1).close()" \
            2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
start_ctrl() {  # node id, extra -blockdev/-device args...
    local node=$1
    shift
    "$QEMU" -display none -machine q35 -nodefaults \
        -device virtio-scsi-pci,id=hba0 \
        -device "sraid-ctrl,id=c0,bus=hba0.0,node-id=$node,cluster=$CLUSTER,iscsi-port=$BASE,iscsi-initiators=$HOST" \
        -qmp "unix:$OUT/qmp$node.sock,server=on,wait=off" "$@" \
        >"$OUT/qemu$node.log" 2>&1 &
    PIDS+=($!)
    wait_port $((BASE + node)) || die "QEMU node $node did not start: $(cat "$OUT/qemu$node.log")"
}

rm -rf "$OUT"
mkdir -p "$OUT"
BASE=$(free_ports 32)
TGT_PORT=$(free_ports 1)
TGT_CTL=$((TGT_PORT % 1000 + 1000))
SRAID_TARGET=iqn.2026-11.org.sraid:sraid.$CLUSTER.node7
TGT_TARGET=iqn.2026-11.test.sraid:tgtd

# One member of SIZE plus the metadata areas; the LD is SIZE
truncate -s $((SIZE + 64 * 1024 * 1024)) "$OUT/member.img"
"$IMG" create -l 0 --ld-size "$SIZE" "$OUT/member.img" >"$OUT/sraid-img.log"
start_ctrl 7 -blockdev "driver=file,filename=$OUT/member.img,node-name=m0,cache.direct=on,aio=${BENCH_AIO:-threads}" \
    -device sraid-drive,bus=c0.0,drive=m0,channel=0,target=0
SRAID_URL=iscsi://127.0.0.1:$((BASE + 7))/$SRAID_TARGET/1
# NOT READY, BECOMING READY until the node is master of its one-node
# cluster (docs/persistent-reservations.md): qemu-img does not retry
for _ in $(seq 300); do
    iscsi-readcapacity16 -i "$HOST" "$SRAID_URL" >/dev/null 2>&1 && break
    sleep 0.1
done
sraid_opts="driver=iscsi,transport=tcp,portal=127.0.0.1:$((BASE + 7)),target=$SRAID_TARGET,lun=1,initiator-name=$HOST"
say "filling the logical drive with random data"
head -c "$SIZE" /dev/urandom >"$OUT/fill.raw"
"$QEMU_IMG" convert -n -f raw "$OUT/fill.raw" --target-image-opts "$sraid_opts"
rm -f "$OUT/fill.raw"
cp "$OUT/member.img" "$OUT/tgtd.img"

tgtd -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$TGT_PORT" >"$OUT/tgtd.log" 2>&1 &
PIDS+=($!)
sleep 0.5
tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode target --tid 1 -T "$TGT_TARGET"
tgtadm -C "$TGT_CTL" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 \
    -b "$OUT/tgtd.img" --bsoflags sync:direct
tgtadm -C "$TGT_CTL" --lld iscsi --op bind --mode target --tid 1 -I ALL
wait_port "$TGT_PORT" || die "tgtd did not start: $(cat "$OUT/tgtd.log")"
TGT_URL=iscsi://127.0.0.1:$TGT_PORT/$TGT_TARGET/1
tgt_opts="driver=iscsi,transport=tcp,portal=127.0.0.1:$TGT_PORT,target=$TGT_TARGET,lun=1,initiator-name=$HOST"

randread() {    # url -> IOPS: iscsi-perf's average over the whole run
    { timeout -s INT "$SECS" iscsi-perf -i "$HOST" -r -m 32 -b 8 "$1" 2>&1 ||
          true; } | tr '\r' '\n' | grep -o 'iops average [0-9]*' |
        tail -n 1 | awk '{ print $3 }'
}
randwrite() {   # image opts -> IOPS
    local t0 t1
    t0=$(date +%s.%N)
    "$QEMU_IMG" bench -w -c "$WRITES" -d 32 -s 4k -S 1m --image-opts "$1" \
        >/dev/null
    t1=$(date +%s.%N)
    echo "$WRITES $t0 $t1" | awk '{ print $1 / ($3 - $2) }'
}

declare -A SUM
for ((r = 1; r <= ROUNDS; r++)); do
    order="sraid tgtd"
    [ $((r % 2)) -eq 0 ] && order="tgtd sraid"
    for who in $order; do
        if [ "$who" = sraid ]; then url=$SRAID_URL; opts=$sraid_opts
        else url=$TGT_URL; opts=$tgt_opts; fi
        rr=$(randread "$url")
        rw=$(randwrite "$opts")
        say "round $r $who: randread $rr IOPS, randwrite $rw IOPS"
        SUM[$who.read]=$(echo "${SUM[$who.read]:-0} $rr" | awk '{ print $1 + $2 }')
        SUM[$who.write]=$(echo "${SUM[$who.write]:-0} $rw" | awk '{ print $1 + $2 }')
    done
done

# Vendor command round trip between two QEMU processes
start_ctrl 6
for ((i = 0; i < 50; i++)); do
    $QMP "$OUT/qmp7.sock" query-sraid | grep -q '"node": 6' && break
    sleep 0.1
done
for ((i = 0; i < PINGS; i++)); do
    $QMP "$OUT/qmp7.sock" sraid-peer-test \
        '{"controller": "c0", "node": 6, "channel": 0, "bytes": 4096}'
done | python3 -c '
import json, sys
text = sys.stdin.read()
dec, i, w, r = json.JSONDecoder(), 0, [], []
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i == len(text):
        break
    obj, i = dec.raw_decode(text, i)
    w.append(obj["write-us"]); r.append(obj["read-us"])
w.sort(); r.sort()
def p(v, q): return v[min(len(v) - 1, int(q * len(v)))]
print("PING %d %d %d %d %d" % (len(w), p(w, .5), p(w, .99), p(r, .5), p(r, .99)))
' >"$OUT/ping"
read -r _ npings w50 w99 r50 r99 <"$OUT/ping"

{
    echo "| test | sraid | tgtd | sraid/tgtd |"
    echo "|---|---:|---:|---:|"
    for t in read write; do
        s=$(echo "${SUM[sraid.$t]} $ROUNDS" | awk '{ printf "%.0f", $1 / $2 }')
        g=$(echo "${SUM[tgtd.$t]} $ROUNDS" | awk '{ printf "%.0f", $1 / $2 }')
        echo "| 4 KiB rand$t IOPS, QD 32 | $s | $g | $(echo "$s $g" | awk '{ printf "%.2f", $2 ? $1 / $2 : 0 }') |"
    done
    echo
    echo "vendor command round trip, node 7 -> node 6, channel 0, 4 KiB, $npings times:"
    echo "Node_Write median $w50 us (99th percentile $w99 us), Node_Read median $r50 us (99th $r99 us)"
    echo "(each includes a QMP round trip's share of the main loop; measured inside QEMU, from send to status)"
} | tee "$OUT/results.md"
