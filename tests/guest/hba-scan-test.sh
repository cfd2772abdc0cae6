#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest boot test: an unmodified Debian kernel behind each HBA QEMU offers
# (virtio-scsi, megasas-gen2, pvscsi, lsi53c895a) scans its bus and finds
# sraid-ctrl with the identity it reports.  Prints TAP.
#
# Usage: hba-scan-test.sh QEMU_BINARY

set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
QEMU=${1:?usage: $0 QEMU_BINARY}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sraid-hba.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

GUEST=$("$REPO/scripts/guest-image.sh") || { echo "1..0 # SKIP no guest image"; exit 1; }
ACCEL=$("$REPO/scripts/guest-accel.sh" "$QEMU" "$GUEST")
HBAS="virtio-scsi-pci megasas-gen2 pvscsi lsi53c895a"
# megasas and lsi address LUN 0 only per target: the controller is LUN 0.
TARGET=2
NODE_ID=6
truncate -s 16M "$WORK/m0.img"

echo "1..$(( $(wc -w <<<"$HBAS") * 2 ))"
echo "# accelerator $ACCEL"
n=0
for hba in $HBAS; do
    log=$WORK/$hba.log
    timeout 180 "$QEMU" -accel "$ACCEL" -M pc -m 512 -nodefaults \
        -display none -no-reboot -serial "file:$log" \
        -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs.gz" \
        -append "console=ttyS0 quiet scsi_mod.scan=sync sraid.action=scsi-report panic=-1" \
        -device "$hba,id=hba0" \
        -device sraid-ctrl,id=ctrl0,bus=hba0.0,scsi-id=$TARGET,lun=0,node-id=$NODE_ID \
        -blockdev "driver=file,filename=$WORK/m0.img,node-name=m0" \
        -device sraid-drive,bus=ctrl0.0,drive=m0,channel=0,target=0 \
        >"$WORK/$hba.out" 2>&1
    rc=$?
    n=$((n + 1))
    if grep -q SRAID-GUEST-POWEROFF "$log"; then
        echo "ok $n - $hba: guest booted and powered off"
    else
        echo "not ok $n - $hba: guest booted and powered off (qemu exit $rc)"
        sed 's/^/# /' "$WORK/$hba.out" "$log" | tail -n 20
    fi
    n=$((n + 1))
    want="type=12 vendor='SRAID   ' model='CLUSTER RAID    ' rev='0001'"
    if grep -q "^scsi [0-9]*:[0-9]*:$TARGET:0 $want" "$log" &&
       grep -q "^scsi [0-9]*:[0-9]*:$TARGET:0 vpd80-serial='SRAIDCTRL-N0$NODE_ID'" "$log"; then
        echo "ok $n - $hba: guest sees sraid-ctrl at target $TARGET (INQUIRY, VPD 80h)"
    else
        echo "not ok $n - $hba: guest sees sraid-ctrl at target $TARGET"
        grep '^scsi ' "$log" | sed 's/^/# /'
    fi
done
