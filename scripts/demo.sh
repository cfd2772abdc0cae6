#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: one node.  Start QEMU with sraid-ctrl behind virtio-scsi and two
# member drives, boot an unmodified Debian kernel, and show, with QEMU's
# monitor and the guest kernel's own view of its SCSI bus, that the
# controller realized and answered.  Exits non-zero if it did not.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
QEMU=$BUILD/qemu-build/qemu-system-x86_64
DEMO=$BUILD/demo
NODE_ID=7
CTRL_TARGET=1
WWN=$(printf '%016x' $((0x3535241494443000 | NODE_ID)))

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[ -x "$QEMU" ] || die "$QEMU is missing: run 'make qemu'"
GUEST=$("$REPO/scripts/guest-image.sh")
ACCEL=$("$REPO/scripts/guest-accel.sh" "$QEMU" "$GUEST")

rm -rf "$DEMO"
mkdir -p "$DEMO"
for i in 0 1; do
    truncate -s 64M "$DEMO/member$i.img"
done
QMP=$DEMO/qmp.sock

say "sraid demo: one node, sraid-ctrl behind virtio-scsi"
echo "QEMU        $("$QEMU" --version | head -n1) + sraid overlay"
echo "accelerator $ACCEL (KVM only when a probe boot succeeds here)"
echo "guest       Debian kernel $(cat "$GUEST/kernel-version") + busybox"
echo "members     $DEMO/member0.img (channel 0, target 0)"
echo "            $DEMO/member1.img (channel 1, target 0)"

# -S: stop before the guest runs, so the monitor can be shown first.
"$QEMU" -S -accel "$ACCEL" -M pc -m 512 -nodefaults -display none \
    -no-reboot -serial "file:$DEMO/console.log" \
    -qmp "unix:$QMP,server=on,wait=off" \
    -trace 'sraid_*' -D "$DEMO/trace.log" \
    -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs.gz" \
    -append "console=ttyS0 quiet scsi_mod.scan=sync sraid.action=scsi-report panic=-1" \
    -device virtio-scsi-pci,id=vs0 \
    -device sraid-ctrl,id=ctrl0,bus=vs0.0,scsi-id=$CTRL_TARGET,lun=0,node-id=$NODE_ID \
    -blockdev "driver=file,filename=$DEMO/member0.img,node-name=member0" \
    -blockdev "driver=file,filename=$DEMO/member1.img,node-name=member1" \
    -device sraid-drive,bus=ctrl0.0,drive=member0,channel=0,target=0 \
    -device sraid-drive,bus=ctrl0.0,drive=member1,channel=1,target=0 \
    >"$DEMO/qemu.out" 2>&1 &
QEMU_PID=$!
trap 'kill $QEMU_PID 2>/dev/null || true' EXIT

say "1. QEMU's view (HMP 'info qtree'): the controller and its drives realized"
"$REPO/scripts/qmp.py" "$QMP" --hmp 'info qtree' >"$DEMO/qtree.txt" ||
    die "no monitor answer; QEMU said: $(cat "$DEMO/qemu.out")"
# The sraid-ctrl node and everything indented below it.
awk '/dev: sraid-ctrl/ { on = 1; ind = match($0, /[^ ]/) ; print; next }
     on && match($0, /[^ ]/) > ind { print; next }
     on { on = 0 }' "$DEMO/qtree.txt"

say "2. boot the guest; its kernel scans the virtio-scsi bus"
"$REPO/scripts/qmp.py" "$QMP" cont >/dev/null
for _ in $(seq 1 600); do
    kill -0 $QEMU_PID 2>/dev/null || break
    sleep 0.2
done
kill -0 $QEMU_PID 2>/dev/null && die "guest did not power off in 120 s; console: $DEMO/console.log"
trap - EXIT
grep -q SRAID-GUEST-READY "$DEMO/console.log" || die "guest did not boot; console: $DEMO/console.log"
echo "guest's own view (sysfs: what Linux stored from INQUIRY and VPD):"
grep '^scsi ' "$DEMO/console.log" | sed 's/^/  /'

say "3. what the controller answered (QEMU trace events sraid_*)"
# "sraid_ctrl_command node N tag T cdb OP B1 B2 status S data-in L"
awk '/sraid_ctrl_command/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "cdb") { op = $(i + 1); b1 = $(i + 2); b2 = $(i + 3) }
            if ($i == "status") st = $(i + 1)
            if ($i == "data-in") len = $(i + 1)
        }
        if (op == "12" && b1 % 2) what = "INQUIRY, VPD page " b2 "h"
        else if (op == "12") what = "INQUIRY, standard data"
        else if (op == "00") what = "TEST UNIT READY"
        else if (op == "03") what = "REQUEST SENSE"
        else what = "opcode " op "h"
        printf "  %-28s status %s  %3d bytes of data\n", what, st, len
     }' "$DEMO/trace.log" | sort | uniq -c

say "checks"
fail=0
check() {
    if grep -q "$2" "$DEMO/console.log"; then
        echo "  ok   $1"
    else
        echo "  FAIL $1"
        fail=1
    fi
}
check "guest sees a storage array controller (type 12) by SRAID" \
      "^scsi 0:0:$CTRL_TARGET:0 type=12 vendor='SRAID   ' model='CLUSTER RAID    '"
check "guest read the unit serial number (VPD 80h)" \
      "^scsi 0:0:$CTRL_TARGET:0 vpd80-serial='SRAIDCTRL-N0$NODE_ID'"
check "guest read the NAA identifier $WWN (VPD 83h)" \
      "^scsi 0:0:$CTRL_TARGET:0 vpd83=.*01030008$WWN"
check "guest bound the sg driver" "^scsi 0:0:$CTRL_TARGET:0 sg=/dev/sg"
[ $fail = 0 ] || die "checks failed; logs in $DEMO"
echo
echo "demo passed (logs: $DEMO)"
