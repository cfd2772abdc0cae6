#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /extra/run of the benchmark guest (busybox sh): bench/ld-bench.sh packs
# it with iobench and /extra/config into an archive appended to the test
# guest's initramfs; tests/guest/init runs it for sraid.action=exec.
#
# /extra/config sets BENCH_DEVS ("label:scsi-target ..."), BENCH_REGION,
# BENCH_SEQ_BS, BENCH_RAND_BS, BENCH_RAND_JOBS, BENCH_SECS, BENCH_ROUNDS.
# Every line the host parses starts with "bench-" or "iobench ".

set -euo pipefail

# shellcheck source=/dev/null
. /extra/config
IOB=/extra/iobench

# The block device of the disk at SCSI target $1, LUN 0.  sd probes
# asynchronously, so wait for it a little.
blockdev_of() {
    i=0
    while [ $i -lt 30 ]; do
        for b in /sys/bus/scsi/devices/*:*:"$1":0/block/*; do
            if [ -e "$b" ] && [ -b "/dev/${b##*/}" ]; then
                echo "${b##*/}"
                return 0
            fi
        done
        sleep 1
        i=$((i + 1))
    done
    return 1
}

# Resolve every label to its device and describe it: the request size
# limits show whether a request reaches the disk whole (a split request
# would not be full-stripe any more), cache_type shows the write cache the
# disk reports (WCE bit of the caching mode page).
devs=""
for spec in $BENCH_DEVS; do
    label=${spec%%:*}
    target=${spec#*:}
    if ! dev=$(blockdev_of "$target"); then
        echo "bench-error label=$label no disk at scsi target $target"
        exit 1
    fi
    q=/sys/block/$dev/queue
    sd=$(ls -d /sys/block/"$dev"/device/scsi_disk/* 2>/dev/null) || true
    echo "bench-dev label=$label target=$target dev=$dev" \
         "vendor='$(cat /sys/block/"$dev"/device/vendor)'" \
         "bytes=$(($(cat /sys/block/"$dev"/size) * 512))" \
         "max_sectors_kb=$(cat "$q"/max_sectors_kb)" \
         "max_segments=$(cat "$q"/max_segments)" \
         "scheduler='$(cat "$q"/scheduler)'" \
         "cache_type='$(cat "$sd"/cache_type 2>/dev/null)'"
    devs="$devs $label:$dev"
done

run() {
    # $1 label, $2 dev, then iobench options
    l=$1 d=$2
    shift 2
    $IOB -d "/dev/$d" -l "$l" -s "$BENCH_REGION" "$@" || echo "bench-error label=$l iobench failed"
}

# Write the whole region once first, not measured: the host files start
# sparse, and a first write allocates blocks, a later one overwrites them.
for spec in $devs; do
    run "${spec%%:*}" "${spec#*:}" -t seqwrite -b "$BENCH_SEQ_BS" \
        -n "$BENCH_REGION" -T 3600 | sed 's/test=seqwrite/test=fill/'
done

# Each test runs on every device back to back, so both see the same host
# conditions; every second round reverses the order so that neither always
# goes first.
r=1
while [ $r -le "$BENCH_ROUNDS" ]; do
    order=$devs
    if [ $((r % 2)) -eq 0 ]; then
        order=""
        for spec in $devs; do
            order="$spec $order"
        done
    fi
    for t in seqwrite seqread randread randwrite; do
        for spec in $order; do
            case $t in
            seq*) set -- -b "$BENCH_SEQ_BS" -j 1 ;;
            *) set -- -b "$BENCH_RAND_BS" -j "$BENCH_RAND_JOBS" ;;
            esac
            run "${spec%%:*}" "${spec#*:}" -t $t -T "$BENCH_SECS" "$@"
        done
    done
    r=$((r + 1))
done
echo "bench-done"
