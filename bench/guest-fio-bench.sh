#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fio inside the Linux test guest (`make bench-guest`): a RAID 5 logical
# drive of sraid-ctrl and a plain scsi-hd on the same virtio-scsi HBA of
# one guest, the scsi-hd backed by a raw file of the LD's size in the
# cluster directory next to the members, opened like them ("-blockdev
# driver=file", QEMU's default cache mode).  Sequential read and write of
# 1M and random read and write of 4k, O_DIRECT in the guest, each on the
# LD and then on the scsi-hd, so both see the same machine load; prints
# IOPS and MB/s of both and the ratio LD/scsi-hd.  Where bench/ld-bench.sh
# measures the LD with its own guest program under controlled settings,
# this is what a user's fio sees through the launcher's defaults.  A
# benchmark, not a test: exit status non-zero only when something did not
# run.  docs/benchmarks.md has results.
#
# Environment (defaults in brackets):
#   GFB_DISK_SIZE  member size, 3 members [136M: a 256 MiB LD]
#   GFB_SECS       seconds per test and device [10]
#   GFB_DEPTH      fio iodepth (libaio) [4]
#   GFB_PLAIN_WRITE_CACHE  the scsi-hd's write-cache property [off]: the
#                  controller's default for its LDs is off (a write reaches
#                  the members with FUA), so the same on the scsi-hd
#                  (QEMU flushes after each write) compares like with like
#   GFB_OUT        where fio's JSON goes [build/bench-guest]
#   QEMU, SRAID_IMG  binaries [build/qemu-build/..., build/core/sraid-img]

set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
QEMU=${QEMU:-$BUILD/qemu-build/qemu-system-x86_64}
IMG=${SRAID_IMG:-$BUILD/core/sraid-img}
DISK_SIZE=${GFB_DISK_SIZE:-136M}
SECS=${GFB_SECS:-10}
DEPTH=${GFB_DEPTH:-4}
PLAIN_WCE=${GFB_PLAIN_WRITE_CACHE:-off}
OUT=${GFB_OUT:-$BUILD/bench-guest}
CLUSTER=$REPO/tools/sraid-cluster
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sraid-gfb.XXXXXX")
DIR=$WORK/cluster
NODE=7
PLAIN_TARGET=9
DISKS=3

# shellcheck source=../tests/lib/ld-beside-scsi-hd.sh
. "$REPO/tests/lib/ld-beside-scsi-hd.sh"
trap ld_beside_scsi_hd_down EXIT
mkdir -p "$OUT" "$DIR"
start=$SECONDS
# not in $(...): it sets ld_bytes
if ! ld_beside_scsi_hd_up gfb "write-cache=$PLAIN_WCE" >"$WORK/why"; then
    echo "guest-fio-bench: $(cat "$WORK/why")" >&2
    exit 1
fi

ld_dev=$(gexec 30 sraid-lds -w 30 | awk 'NR == 1 {print $2}')
plain_dev=$(gexec 30 'for b in /sys/bus/scsi/devices/*:*:'$PLAIN_TARGET':0/block/*; do echo /dev/${b##*/}; done')
case "$ld_dev$plain_dev" in
/dev/sd*/dev/sd*) ;;
*)
    echo "guest-fio-bench: disks not found (LD '$ld_dev', scsi-hd '$plain_dev')" >&2
    exit 1
    ;;
esac
cache=$(gexec 30 "for d in $ld_dev $plain_dev; do cat /sys/block/\${d#/dev/}/device/scsi_disk/*/cache_type; done" | tr -d '\r' | paste -sd/)
echo "guest-fio-bench: up in $((SECONDS - start)) s; LD $ld_dev, scsi-hd $plain_dev, $((ld_bytes >> 20)) MiB each;" \
     "guest write cache (LD/scsi-hd) $cache; ${SECS} s per test, libaio iodepth $DEPTH, O_DIRECT"

# writes first: the reads then read written blocks on both disks, not
# the holes of sparse files
TESTS="seqwrite:write:1M randwrite:randwrite:4k seqread:read:1M randread:randread:4k"
failed=0
for t in $TESTS; do
    IFS=: read -r name rw bs <<<"$t"
    for dev in ld:$ld_dev plain:$plain_dev; do
        gexec $((SECS + 60)) fio --name="$name" --filename="${dev#*:}" \
            --rw="$rw" --bs="$bs" --direct=1 --ioengine=libaio \
            --iodepth="$DEPTH" --size="$ld_bytes" --time_based \
            --runtime="$SECS" --output-format=json \
            >"$OUT/$name-${dev%%:*}.json" 2>&1 || failed=1
    done
done

python3 - "$OUT" $TESTS <<'EOF'
import json, sys

out = sys.argv[1]


def result(path):
    text = open(path).read()
    # fio may print a warning before its JSON
    job = json.loads(text[text.index("{"):])["jobs"][0]
    side = job["write"] if job["write"]["io_bytes"] else job["read"]
    return side["iops"], side["bw_bytes"] / 1e6


print("%-10s %5s %12s %10s %12s %10s %8s" %
      ("test", "bs", "LD IOPS", "LD MB/s", "hd IOPS", "hd MB/s", "LD/hd"))
for t in sys.argv[2:]:
    name, _, bs = t.split(":")
    try:
        li, lb = result("%s/%s-ld.json" % (out, name))
        pi, pb = result("%s/%s-plain.json" % (out, name))
    except (OSError, ValueError, KeyError, IndexError) as e:
        print("%-10s %5s  did not run (%s)" % (name, bs, e))
        continue
    print("%-10s %5s %12.0f %10.1f %12.0f %10.1f %8.2f" %
          (name, bs, li, lb, pi, pb, li / pi if pi else 0))
EOF
echo "guest-fio-bench: $((SECONDS - start)) s; fio JSON in $OUT"
exit $failed
