#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make check: run every test layer against what 'make core qemu' built and
# print one 'N passed, N failed' line at the end (scripts/run-tests.py).

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
export BUILD
QEMU_BUILD=$BUILD/qemu-build
QEMU=$QEMU_BUILD/qemu-system-x86_64

tests=()
# 1. unit tests of the firmware core (GLib, no QEMU)
for t in $(meson introspect --tests "$BUILD/core" |
           python3 -c 'import json, sys
for t in json.load(sys.stdin): print(t["name"] + "=" + t["cmd"][0])'); do
    tests+=("unit/${t%%=*}=${t#*=} --tap")
done
# 2. host tools, as a user runs them
tests+=("tools/sraid-img=$REPO/tests/tools/sraid-img-test.sh $BUILD/core/sraid-img")
tests+=("tools/sraidctl=$REPO/tests/tools/sraidctl-test.sh $BUILD/core")
# 3. the built QEMU lists our devices
tests+=("smoke/device-help=$REPO/tests/smoke/device-help.sh $QEMU")
# 4. qtest: real QEMU processes driven through virtio-scsi
tests+=("qtest/sraid-test=QTEST_QEMU_BINARY=$QEMU QTEST_QEMU_IMG=$QEMU_BUILD/qemu-img SRAID_IMG=$BUILD/core/sraid-img $QEMU_BUILD/tests/qtest/sraid-test --tap -k")
# 4b. the iSCSI portals, used by external initiators (libiscsi, qemu-img)
tests+=("iscsi/target=$REPO/tests/iscsi/iscsi-target-test.sh $QEMU $QEMU_BUILD/qemu-img $BUILD/core/sraid-img")
# 4c. two controllers in two QEMU processes on one bus
tests+=("iscsi/bus=$REPO/tests/iscsi/bus-test.sh $QEMU")
# 4d. the cluster launcher, as users and tests drive clusters
tests+=("tools/sraid-cluster=$REPO/tests/tools/sraid-cluster-test.sh $QEMU $QEMU_BUILD/qemu-img $BUILD/core/sraid-img")
# 4d'. the launcher with Linux guests: exec, sg3-utils, reservations
tests+=("tools/sraid-cluster-guests=$REPO/tests/tools/sraid-cluster-guest-test.sh $QEMU $BUILD/core/sraid-img")
# 4e. libiscsi's SCSI/iSCSI compliance suite against a logical drive
tests+=("iscsi/compliance=$REPO/tests/compliance/iscsi-compliance.sh --tap --sraid-only $QEMU $BUILD/core/sraid-img")
# 4f. its reservation tests with initiator 1 on node 6, initiator 2 on node 7
tests+=("iscsi/cross-node=$REPO/tests/compliance/iscsi-cross-node.sh --tap $QEMU $BUILD/core/sraid-img")
# 5. guest boot: unmodified Linux behind each HBA finds the controller
tests+=("guest/hba-scan=$REPO/tests/guest/hba-scan-test.sh $QEMU $BUILD/core/sraid-img")
# 5b. libiscsi's LINUX family in the guest on the LD's and a scsi-hd's sg
tests+=("guest/compliance=$REPO/tests/guest/guest-compliance.sh $QEMU $BUILD/core/sraid-img")
# 5c. make demo, as a user runs it: exit 0 in under 3 minutes, torn down
tests+=("guest/demo=$REPO/tests/guest/demo-test.sh")
# 6. lint: checkpatch, SPDX, core layering, hook patches
tests+=("lint=$REPO/scripts/lint.sh")

exec python3 "$REPO/scripts/run-tests.py" --log "$BUILD/test.log" "${tests[@]}"
