#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /extra/run of the benchmark guest (busybox sh): bench/ld-bench.sh packs
# it with iobench and /extra/config into an archive appended to the test
# guest's initramfs; tests/guest/init runs it for sraid.action=exec.
#
# /extra/config sets BENCH_DEVS ("label:scsi-target ..."), BENCH_REGION,
# BENCH_SEQ_BS, BENCH_RAND_BS, BENCH_RAND_JOBS, BENCH_SECS, BENCH_ROUNDS,
# BENCH_SCHED (the guest's I/O scheduler for every disk).
# Every line the host parses starts with "bench-" or "iobench ".

# busybox ash has pipefail
# shellcheck disable=SC3040
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

# Resolve every label to its device, give it the scheduler and describe
# it: the request size limits show whether a request reaches the disk
# whole (a split request would not be full-stripe any more), cache_type
# shows the write cache the disk reports (WCE bit of the caching mode
# page).
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
    echo "$BENCH_SCHED" >"$q"/scheduler || echo "bench-error label=$label scheduler $BENCH_SCHED refused"
    echo "bench-dev label=$label target=$target dev=$dev" \
         "vendor='$(cat /sys/block/"$dev"/device/vendor)'" \
         "bytes=$(($(cat /sys/block/"$dev"/size) * 512))" \
         "max_sectors_kb=$(cat "$q"/max_sectors_kb)" \
         "max_segments=$(cat "$q"/max_segments)" \
         "scheduler='$(cat "$q"/scheduler)'" \
         "cache_type='$(cat "$sd"/cache_type 2>/dev/null)'"
    devs="$devs $label:$dev"
done
# Huge pages for iobench's buffers (MADV_HUGEPAGE): Linux turns THP off
# below 512 MiB of RAM, which this guest just is.
thp=/sys/kernel/mm/transparent_hugepage
echo madvise >$thp/enabled 2>/dev/null || true
echo "bench-guest thp='$(cat $thp/enabled 2>/dev/null)'"

# A test that overruns its time by far is stuck in the guest: show where
# (blocked tasks from the kernel, requests in flight per disk), so that a
# hang can be told apart from a slow disk.  The host's timeout ends it.
watchdog() {
    # $1 pid, $2 seconds
    sleep "$2"
    if kill -0 "$1" 2>/dev/null; then
        echo "bench-hang pid $1 still running after $2 s"
        for b in /sys/block/sd*; do
            echo "bench-hang ${b##*/} inflight $(cat "$b"/inflight)"
        done
        echo w >/proc/sysrq-trigger
    fi
}

run() {
    # $1 label, $2 dev, $3 watchdog seconds, then iobench options; not in
    # a pipeline: the watchdog's sleep would hold the pipe open
    l=$1 d=$2 limit=$3
    shift 3
    $IOB -d "/dev/$d" -l "$l" -s "$BENCH_REGION" "$@" &
    pid=$!
    watchdog "$pid" "$limit" &
    wd=$!
    if ! wait "$pid"; then
        echo "bench-error label=$l iobench failed"
    fi
    # its sleep lingers, harmlessly, until the guest powers off
    kill "$wd" 2>/dev/null || true
}

# Write the whole region once first, not measured (label fill-*): the
# host files start sparse, and a first write allocates blocks, a later one
# overwrites them.
for spec in $devs; do
    run "fill-${spec%%:*}" "${spec#*:}" 300 -t seqwrite -b "$BENCH_SEQ_BS" \
        -n "$BENCH_REGION" -T 3600
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
            run "${spec%%:*}" "${spec#*:}" $((BENCH_SECS * 4 + 60)) \
                -t $t -T "$BENCH_SECS" "$@"
        done
    done
    r=$((r + 1))
done
echo "bench-done"
