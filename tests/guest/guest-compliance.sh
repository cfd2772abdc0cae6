#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libiscsi's iscsi-test-cu inside the Linux test guest, on SCSI generic
# devices: the RAID 5 logical drive of sraid-ctrl and a plain scsi-hd on
# the same virtio-scsi HBA, backed by a raw file of the same size in the
# same directory.  This is the guest's view of the logical drive (the
# SCSI commands go through virtio-scsi and QEMU's SCSI layer, not through
# our iSCSI target); the scsi-hd is QEMU's own disk under the same test.
# Prints TAP of the sraid run (cu-compare.py --tap, the known libiscsi
# 1.19 test bugs of tests/compliance/known-failures.txt and the tests that
# fail on the scsi-hd too as TODO) and the side-by-side table as comments.  docs/compliance.md has the results.
#
# Usage: guest-compliance.sh QEMU_BINARY SRAID_IMG
#
# Environment:
#   GC_TESTS    iscsi-test-cu -t pattern [LINUX]: libiscsi's family for
#               /dev/sg devices (no iSCSI-protocol tests)
#   GC_TIMEOUT  seconds each iscsi-test-cu run may take [900]
#   GC_OUT      where the raw outputs go [build/guest-compliance]

set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
QEMU=${1:?usage: $0 QEMU_BINARY SRAID_IMG}
IMG=${2:?usage: $0 QEMU_BINARY SRAID_IMG}
TESTS=${GC_TESTS:-LINUX}
CU_TIMEOUT=${GC_TIMEOUT:-900}
OUT=${GC_OUT:-$BUILD/guest-compliance}
CLUSTER=$REPO/tools/sraid-cluster
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sraid-gc.XXXXXX")
DIR=$WORK/cluster
NODE=7
# the launcher puts the controller at target 0 and LD n at n + 1; the
# plain disk takes a target far from both
PLAIN_TARGET=9
DISK_SIZE=64M
DISKS=3

cleanup() {
    [ -e "$DIR/cluster.json" ] && "$CLUSTER" down --dir "$DIR" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$OUT" "$DIR"
# RAID 5 over DISKS members: DISKS - 1 data strips a stripe, and each
# member gives all but its 8 MiB of metadata (docs/sraid-cluster.md);
# checked against the launcher's LD size below
ld_bytes=$(( ($(numfmt --from=iec $DISK_SIZE) - 8 * 1024 * 1024) * (DISKS - 1) ))
truncate -s "$ld_bytes" "$DIR/plain.img"

start=$SECONDS
# same host settings as the members: the launcher opens them as
# "-blockdev driver=file" with QEMU's default cache mode
if ! "$CLUSTER" up --dir "$DIR" --name gcomp --nodes 1 --guests \
        --disks $DISKS --disk-size $DISK_SIZE --level 5 \
        --qemu-arg=-blockdev \
        --qemu-arg="driver=file,filename=$DIR/plain.img,node-name=plain" \
        --qemu-arg=-device \
        --qemu-arg="scsi-hd,bus=hba0.0,drive=plain,scsi-id=$PLAIN_TARGET,lun=0,serial=PLAIN-HD" \
        --qemu "$QEMU" --sraid-img "$IMG" >"$OUT/up.log" 2>&1; then
    echo "1..0 # SKIP the cluster did not come up"
    sed 's/^/# /' "$OUT/up.log" | tail -n 20
    exit 1
fi
echo "# cluster up with its guest in $((SECONDS - start)) s"

size=$("$CLUSTER" status --dir "$DIR" --json | python3 -c '
import json, sys
st = json.load(sys.stdin)
print([l["size"] for l in st["nodes"][0]["luns"]
       if l["type"] == "logical-drive"][0])')
if [ "$size" != "$ld_bytes" ]; then
    echo "1..0 # SKIP logical drive $size bytes, plain disk $ld_bytes"
    exit 1
fi

gexec() {
    "$CLUSTER" exec --dir "$DIR" --timeout "$1" $NODE "${@:2}"
}
# the LD's SG device from sraid-lds, the scsi-hd's from its target
ld_sg=$(gexec 30 sraid-lds -w 30 | awk 'NR == 1 {print $3}')
plain_sg=$(gexec 30 'for g in /sys/bus/scsi/devices/*:*:'$PLAIN_TARGET':0/scsi_generic/*; do echo /dev/${g##*/}; done')
case "$ld_sg$plain_sg" in
/dev/sg*/dev/sg*) ;;
*)
    echo "1..0 # SKIP SG devices not found (LD '$ld_sg', scsi-hd '$plain_sg')"
    exit 1
    ;;
esac
echo "# logical drive $ld_sg, scsi-hd $plain_sg, $ld_bytes bytes each; iscsi-test-cu --dataloss -t $TESTS"

for run in "sraid:$ld_sg" "scsi-hd:$plain_sg"; do
    name=${run%%:*}
    t0=$SECONDS
    gexec "$CU_TIMEOUT" iscsi-test-cu --dataloss -t "$TESTS" "${run#*:}" \
        >"$OUT/$name.txt" 2>&1
    echo "# $name: iscsi-test-cu exit $?, $((SECONDS - t0)) s"
done

# a test that fails on the scsi-hd as well fails for the SG path or the
# test (docs/compliance.md): TODO, so that only the LD's own failures fail
"$REPO/tests/compliance/cu-compare.py" --tap --todo-if-second-fails \
    --known "$REPO/tests/compliance/known-failures.txt" \
    sraid="$OUT/sraid.txt" scsi-hd="$OUT/scsi-hd.txt"
rc=$?
echo "# total $((SECONDS - start)) s; outputs in $OUT"
exit $rc
