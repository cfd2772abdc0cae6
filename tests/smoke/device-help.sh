#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The built QEMU knows our devices, as a user would check it (TAP output).
# Usage: device-help.sh QEMU_BINARY

QEMU=${1:?usage: $0 QEMU_BINARY}
n=0
check() {   # description, command...
    local desc=$1
    shift
    n=$((n + 1))
    if "$@" >/dev/null 2>&1; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
    fi
}

echo "1..4"
help=$("$QEMU" -device help 2>&1)
check "-device help lists sraid-ctrl" grep -q '^name "sraid-ctrl", bus SCSI' <<<"$help"
check "-device help lists sraid-drive" grep -q '^name "sraid-drive", bus sraid-drive-bus' <<<"$help"
props=$("$QEMU" -device sraid-ctrl,help 2>&1)
check "sraid-ctrl,help shows node-id" grep -q 'node-id=<uint8>' <<<"$props"
check "sraid-ctrl,help shows channels" grep -q 'channels=<uint8>' <<<"$props"
