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

# shellcheck source=../lib/ld-beside-scsi-hd.sh
. "$REPO/tests/lib/ld-beside-scsi-hd.sh"
trap ld_beside_scsi_hd_down EXIT
mkdir -p "$OUT" "$DIR"
start=$SECONDS
# not in $(...): it sets ld_bytes
if ! ld_beside_scsi_hd_up gcomp >"$WORK/why"; then
    echo "1..0 # SKIP $(head -n 1 "$WORK/why")"
    tail -n +2 "$WORK/why" | sed 's/^/# /'
    exit 1
fi
echo "# cluster up with its guest in $((SECONDS - start)) s"

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
