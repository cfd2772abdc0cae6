#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Print the accelerator for guest boots: kvm when a guest really boots under
# it here, else tcg.  /dev/kvm can open on machines where a Linux guest then
# hangs, so we boot the test guest once and cache the verdict.
#
# Usage: guest-accel.sh QEMU_BINARY GUEST_DIR

set -uo pipefail

QEMU=${1:?usage: $0 QEMU_BINARY GUEST_DIR}
GUEST=${2:?usage: $0 QEMU_BINARY GUEST_DIR}
CACHE=$GUEST/accel

if [ -n "${SRAID_ACCEL:-}" ]; then
    echo "$SRAID_ACCEL"
    exit 0
fi
# KVM behaviour depends on the host and QEMU, not on our device code.
key="$("$QEMU" --version | head -n1) $(uname -r) $(cat "$GUEST/.inputs" 2>/dev/null)"
if [ -f "$CACHE" ] && [ "$(sed -n 2p "$CACHE")" = "$key" ]; then
    head -n1 "$CACHE"
    exit 0
fi

accel=tcg
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    out=$(timeout 20 "$QEMU" -accel kvm -M pc -m 256 -nodefaults \
          -display none -no-reboot -serial stdio \
          -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs.gz" \
          -append "console=ttyS0 panic=-1" 2>&1)
    if grep -q SRAID-GUEST-POWEROFF <<<"$out"; then
        accel=kvm
    fi
fi
printf '%s\n%s\n' "$accel" "$key" >"$CACHE"
echo "$accel"
