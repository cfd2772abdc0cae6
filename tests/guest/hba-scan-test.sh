#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest boot test: an unmodified Debian kernel behind each HBA QEMU offers
# (virtio-scsi, megasas-gen2, pvscsi, lsi53c895a) scans its bus and finds
# sraid-ctrl with the identity it reports and a RAID 5 logical drive as a
# disk with the NAA identity (VPD 83h) sraid-img reads from the members,
# the same behind every HBA (each boot gets a copy of the same freshly
# created members), writes to it and reads back; the data is then found on
# the member disks by sraid-img.  Prints TAP.
#
# Usage: hba-scan-test.sh QEMU_BINARY SRAID_IMG

set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
QEMU=${1:?usage: $0 QEMU_BINARY SRAID_IMG}
IMG=${2:?usage: $0 QEMU_BINARY SRAID_IMG}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sraid-hba.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

GUEST=$("$REPO/scripts/guest-image.sh") || { echo "1..0 # SKIP no guest image"; exit 1; }
ACCEL=$("$REPO/scripts/guest-accel.sh" "$QEMU" "$GUEST")
HBAS="virtio-scsi-pci megasas-gen2 pvscsi lsi53c895a"
# megasas and lsi address LUN 0 only per target: the controller is LUN 0.
TARGET=2
LD_TARGET=3
NODE_ID=6
MEMBERS=3

echo "1..$(( $(wc -w <<<"$HBAS") * 5 + 1 ))"
echo "# accelerator $ACCEL"
# one array for every HBA: its logical drive keeps its identity
fresh=()
for i in $(seq 0 $((MEMBERS - 1))); do
    truncate -s 32M "$WORK/fresh$i.img"
    fresh+=("$WORK/fresh$i.img")
done
"$IMG" create -l 5 -s 64K "${fresh[@]}" >/dev/null
NAA=$("$IMG" info "${fresh[@]}" |
      sed -n 's/.*logical drive 0 .* naa \([0-9a-f]\{16\}\).*/\1/p')
echo "# logical drive 0: naa $NAA"
n=0
declare -A VPD83
for hba in $HBAS; do
    log=$WORK/$hba.log
    drives=()
    files=()
    for i in $(seq 0 $((MEMBERS - 1))); do
        cp "$WORK/fresh$i.img" "$WORK/m$i.img"
        files+=("$WORK/m$i.img")
        drives+=(-blockdev "driver=file,filename=$WORK/m$i.img,node-name=m$i"
                 -device "sraid-drive,bus=ctrl0.0,drive=m$i,channel=$((i % 2)),target=$i")
    done
    timeout 180 "$QEMU" -accel "$ACCEL" -M pc -m 512 -nodefaults \
        -display none -no-reboot -serial "file:$log" \
        -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs.gz" \
        -append "console=ttyS0 quiet scsi_mod.scan=sync sraid.action=scsi-report,ld-rw panic=-1" \
        -device "$hba,id=hba0" \
        -device sraid-ctrl,id=ctrl0,bus=hba0.0,scsi-id=$TARGET,lun=0,node-id=$NODE_ID \
        "${drives[@]}" >"$WORK/$hba.out" 2>&1
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
    n=$((n + 1))
    if grep -q "^scsi [0-9]*:[0-9]*:$LD_TARGET:0 type=0 vendor='SRAID   ' model='CLUSTER RAID    '" "$log" &&
       grep -q "^ld-rw [0-9]*:[0-9]*:$LD_TARGET:0 ok" "$log"; then
        echo "ok $n - $hba: guest sees the RAID 5 logical drive at target $LD_TARGET as a disk and reads back what it wrote"
    else
        echo "not ok $n - $hba: guest sees the logical drive and reads back what it wrote"
        grep -E '^(scsi |ld-rw)' "$log" | sed 's/^/# /'
    fi
    n=$((n + 1))
    # the NAA designator (SPC-4 7.8.6.6): header 01 03 00 08, then 8 bytes
    VPD83[$hba]=$(sed -n "s/^scsi [0-9]*:[0-9]*:$LD_TARGET:0 vpd83=\([0-9a-f]*\).*/\1/p" "$log" | tr -d '\r')
    if [ -n "$NAA" ] && [[ ${VPD83[$hba]} == *01030008$NAA* ]]; then
        echo "ok $n - $hba: the logical drive's VPD 83h carries naa $NAA, the members' identity"
    else
        echo "not ok $n - $hba: the logical drive's VPD 83h carries naa $NAA (got '${VPD83[$hba]}')"
    fi
    n=$((n + 1))
    want=$(sed -n "s/^ld-rw [0-9]*:[0-9]*:$LD_TARGET:0 ok \([0-9a-f]*\).*/\1/p" "$log" | tr -d '\r')
    "$IMG" export -o "$WORK/ld.raw" "${files[@]}" >/dev/null 2>&1
    got=$(dd if="$WORK/ld.raw" bs=64k skip=16 count=64 2>/dev/null | md5sum | cut -d' ' -f1)
    if [ -n "$want" ] && [ "$got" = "$want" ] && "$IMG" check "${files[@]}" >/dev/null 2>&1; then
        echo "ok $n - $hba: the guest's data is on the members, parity consistent (sraid-img export, check)"
    else
        echo "not ok $n - $hba: the guest's data is on the members (want '$want' got '$got')"
    fi
done
n=$((n + 1))
first=${VPD83[virtio-scsi-pci]}
same=1
for hba in $HBAS; do
    [ -n "$first" ] && [ "${VPD83[$hba]}" = "$first" ] || same=0
done
if [ $same = 1 ]; then
    echo "ok $n - VPD 83h of the logical drive byte for byte the same behind all four HBAs"
else
    echo "not ok $n - VPD 83h of the logical drive the same behind all four HBAs"
    for hba in $HBAS; do echo "# $hba: ${VPD83[$hba]}"; done
fi
