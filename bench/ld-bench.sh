#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Logical drive benchmark (`make bench`): IOPS and MB/s of RAID 0/1/5/6
# logical drives against a plain scsi-hd on one raw file, measured in the
# same guest boot on the same virtio-scsi HBA, with the same block-layer
# settings, from files on the same filesystem.  Prints ratios LD/plain and
# whether the goals of the benchmark issue are met.  A missed goal is a
# result, not a failure: the exit status is non-zero only when something
# did not run.  docs/benchmarks.md describes it and its results.
#
# Environment (defaults in brackets):
#   BENCH_CONFIGS      configurations to run [raid0 raid1 raid5 raid6]
#   BENCH_LD_SIZE      logical drive and plain disk size [256M]
#   BENCH_STRIP        strip size [64K]
#   BENCH_SEQ_BS       sequential request size [1M]; whole stripes for RAID 5
#   BENCH_RAND_BS      random request size [4k]
#   BENCH_RAND_JOBS    threads, i.e. queue depth, of the random tests [4]
#   BENCH_SECS         seconds per test and device [6]
#   BENCH_ROUNDS       rounds of all tests per boot, results averaged [2]
#   BENCH_WRITE_CACHE  write cache of both disks, off or on [off]
#   BENCH_SCHED        the guest's I/O scheduler for both disks [none]
#   BENCH_AIO          host AIO of every file, threads/native/io_uring [threads]
#   BENCH_BOOT_TIMEOUT seconds before a boot counts as hung [from the above]
#   BENCH_DIR          work directory [build/bench]
#   BENCH_QEMU_ARGS    extra QEMU arguments, e.g. "-trace sraid_ld_write -D f"
#   QEMU, SRAID_IMG    binaries [build/qemu-build/..., build/core/sraid-img]

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
QEMU=${QEMU:-$BUILD/qemu-build/qemu-system-x86_64}
IMG=${SRAID_IMG:-$BUILD/core/sraid-img}
OUT=${BENCH_DIR:-$BUILD/bench}
CONFIGS=${BENCH_CONFIGS:-raid0 raid1 raid5 raid6}
LD_SIZE=$(numfmt --from=iec "${BENCH_LD_SIZE:-256M}")
STRIP=$(numfmt --from=iec "${BENCH_STRIP:-64K}")
SEQ_BS=$(numfmt --from=iec "${BENCH_SEQ_BS:-1M}")
RAND_BS=$(numfmt --from=iec "${BENCH_RAND_BS:-4K}")
RAND_JOBS=${BENCH_RAND_JOBS:-4}
SECS=${BENCH_SECS:-6}
ROUNDS=${BENCH_ROUNDS:-2}
# boot, two fills at a slow 20 MB/s, the tests; twice that and 2 minutes
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-$(( (40 + LD_SIZE / 10000000 + 8 * ROUNDS * SECS) * 2 + 120 ))}
SCHED=${BENCH_SCHED:-none}
WCE=${BENCH_WRITE_CACHE:-off}

# Where things sit on the HBA: the plain disk, the controller, and its
# logical drive 0 at the controller's scsi-id + 1.
PLAIN_TARGET=1
CTRL_TARGET=2
LD_TARGET=3
NODE_ID=7
# Every file the guest's disks use: direct I/O on the host, so the host's
# page cache serves neither side, and the same AIO back end for both
# (threads, native or io_uring; QEMU is built with all three).
AIO=${BENCH_AIO:-threads}
case $AIO in
threads | native | io_uring) ;;
*) echo "ld-bench: BENCH_AIO=$AIO: use threads, native or io_uring" >&2; exit 1 ;;
esac
FILE_OPTS=cache.direct=on,aio=$AIO

say() { echo "ld-bench: $*" >&2; }
die() { say "$*"; exit 1; }

# RAID level and member count of a configuration.
config_level() {
    case $1 in
    raid0) echo "0 4" ;;
    raid1) echo "1 2" ;;
    raid5) echo "5 5" ;;
    raid6) echo "6 6" ;;
    *) return 1 ;;
    esac
}

data_strips() {
    case $1 in
    0) echo "$2" ;;
    1) echo 1 ;;
    5) echo $(($2 - 1)) ;;
    6) echo $(($2 - 2)) ;;
    esac
}

# The QEMU build directory is shared with whoever rebuilds it: wait for the
# binaries rather than fail while they are being relinked.
wait_for() {
    local f=$1 i
    for i in $(seq 60); do
        [ -x "$f" ] && return 0
        [ "$i" = 1 ] && say "waiting for $f"
        sleep 5
    done
    die "$f is missing: build it (make core qemu)"
}

case $WCE in
on | off) ;;
*) die "BENCH_WRITE_CACHE must be on or off, not '$WCE'" ;;
esac
for c in $CONFIGS; do
    config_level "$c" >/dev/null || die "unknown configuration '$c' (raid0 raid1 raid5 raid6)"
done
wait_for "$QEMU"
wait_for "$IMG"
command -v cpio >/dev/null || die "cpio is missing (apt-get install cpio)"
command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc)"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
start=$(date +%s)

say "building iobench"
gcc -static -O2 -pthread -Wall -o "$OUT/iobench" "$REPO/bench/iobench.c"

GUEST=$("$REPO/scripts/guest-image.sh") || die "no guest image (scripts/guest-image.sh)"
ACCEL=$("$REPO/scripts/guest-accel.sh" "$QEMU" "$GUEST")

# Member files, array and initramfs of configuration $1 in $OUT/$1; sets
# DRIVES to the member options of QEMU's command line.
prepare() {
    local cfg=$1 dir=$OUT/$1 level n data i member stage
    local -a files=()
    DRIVES=()
    read -r level n <<<"$(config_level "$cfg")"
    data=$(data_strips "$level" "$n")
    # new files every boot; logs of a failed try stay
    mkdir -p "$dir"
    rm -f "$dir"/m*.img "$dir/console.log" "$dir/qemu.out"

    # Members hold LD_SIZE between them, plus 8 MiB of metadata each and
    # slack; the plain disk is exactly LD_SIZE.  All start sparse.
    member=$((LD_SIZE / data + 16 * 1024 * 1024))
    for i in $(seq 0 $((n - 1))); do
        truncate -s "$member" "$dir/m$i.img"
        files+=("$dir/m$i.img")
        DRIVES+=(-blockdev "driver=file,filename=$dir/m$i.img,node-name=m$i,$FILE_OPTS"
                 -device "sraid-drive,bus=ctrl0.0,drive=m$i,channel=$((i % 2)),target=$((i / 2))")
    done
    rm -f "$OUT/plain.img"
    truncate -s "$LD_SIZE" "$OUT/plain.img"
    "$IMG" create -l "$level" -s "$STRIP" --ld-size "$LD_SIZE" \
        --ld-name "bench-$cfg" "${files[@]}" >"$dir/sraid-img.log"

    # The guest's program rides in a second archive after the cached
    # initramfs: Linux unpacks both.
    stage=$dir/stage
    mkdir -p "$stage/extra"
    cp "$OUT/iobench" "$stage/extra/iobench"
    cp "$REPO/bench/guest-run.sh" "$stage/extra/run"
    chmod 755 "$stage/extra/run"
    cat >"$stage/extra/config" <<EOF
BENCH_DEVS="plain:$PLAIN_TARGET ld:$LD_TARGET"
BENCH_REGION=$LD_SIZE
BENCH_SEQ_BS=$SEQ_BS
BENCH_RAND_BS=$RAND_BS
BENCH_RAND_JOBS=$RAND_JOBS
BENCH_SECS=$SECS
BENCH_ROUNDS=$ROUNDS
BENCH_SCHED=$SCHED
EOF
    cp "$GUEST/initramfs.gz" "$dir/initramfs.gz"
    (cd "$stage" && find extra | sort | cpio -o -H newc --quiet) |
        gzip -1 >>"$dir/initramfs.gz"
    rm -rf "$stage"
}

# Boot the guest once with the logical drive of configuration $1 and the
# plain disk; the console log is $OUT/$1/console.log.
boot() {
    local dir=$OUT/$1
    local -a extra=()

    read -ra extra <<<"${BENCH_QEMU_ARGS:-}"
    rm -f "$dir/console.log"
    wait_for "$QEMU"
    # The plain disk's write cache is the logical drive's, off by default
    # (the controller's default): then a write completes only once it is
    # on stable storage, on the plain file as on every member of the LD.
    timeout "$BOOT_TIMEOUT" "$QEMU" -accel "$ACCEL" -M pc -m 512 -nodefaults \
        -display none -no-reboot -serial "file:$dir/console.log" \
        -kernel "$GUEST/vmlinuz" -initrd "$dir/initramfs.gz" \
        -append "console=ttyS0 quiet scsi_mod.scan=sync sraid.action=exec panic=-1" \
        -device virtio-scsi-pci,id=hba0 \
        -blockdev "driver=file,filename=$OUT/plain.img,node-name=plain,$FILE_OPTS" \
        -device "scsi-hd,bus=hba0.0,scsi-id=$PLAIN_TARGET,lun=0,drive=plain,write-cache=$WCE" \
        -device "sraid-ctrl,id=ctrl0,bus=hba0.0,scsi-id=$CTRL_TARGET,lun=0,node-id=$NODE_ID,write-cache=$WCE" \
        -qmp "unix:$dir/qmp.sock,server=on,wait=off" \
        "${DRIVES[@]}" "${extra[@]}" >"$dir/qemu.out" 2>&1 &
    pid=$!
    # A hung guest says so (bench/guest-run.sh's watchdog): give its
    # blocked-task dump time to reach the console, record where QEMU
    # stands (requests it holds per logical drive, the HBA's request
    # queue and its rings, the interrupt controllers), then stop that QEMU.
    while kill -0 "$pid" 2>/dev/null; do
        if grep -q '^bench-hang' <(console "$dir/console.log"); then
            sleep 15
            hmp "$dir/qmp.sock" "info sraid" \
                "info virtio-queue-status /machine/peripheral/hba0/virtio-backend 2" \
                "info lapic" "info pic" >"$dir/hang-monitor.log" 2>&1 || true
            kill "$pid" 2>/dev/null || true
            break
        fi
        sleep 2
    done
    wait "$pid"
}

# Run HMP commands $2... through the QMP socket $1, print their output.
hmp() {
    python3 - "$@" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(5)
f = s.makefile("rw")
def call(cmd, **args):
    f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
f.readline()                            # greeting
call("qmp_capabilities")
def hmp(cmd):
    r = call("human-monitor-command", **{"command-line": cmd})
    print("(qemu) " + cmd)
    out = r.get("return", r.get("error"))
    print(out)
    return str(out)
for cmd in sys.argv[2:]:
    out = hmp(cmd)
    # A virtqueue's status: also what the guest last wrote into its rings
    # (avail flags, idx, used_event; used flags, idx), to tell a guest that
    # asked for no interrupt from one that missed it (virtio 1.x 2.7.7-2.7.10).
    ring = {}
    for line in out.splitlines():
        key, _, val = line.strip().partition(":")
        if key in ("num", "avail", "used") and val.strip():
            ring[key] = int(val.strip(), 0)
    if len(ring) == 3:
        hmp("xp /2hx 0x%x" % ring["avail"])
        hmp("xp /1hx 0x%x" % (ring["avail"] + 4 + 2 * ring["num"]))
        hmp("xp /2hx 0x%x" % ring["used"])
PY
}

# CPU seconds used so far by the whole machine (busy jiffies of
# /proc/stat, hypervisor steal included) and by the children this shell
# waited for, and the time, into SNAP_*.  `times` must run in this shell:
# in a subshell it would count that subshell's children only.
snapshot() {
    times >"$OUT/times"
    SNAP_CHILDREN=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
                        printf "%.2f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$OUT/times")
    SNAP_MACHINE=$(awk -v hz="$(getconf CLK_TCK)" \
        '$1 == "cpu" { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat)
    SNAP_TIME=$(date +%s.%N)
}

# A console log without the serial line's carriage returns; nothing when
# the boot left none.
console() {
    if [ -f "$1" ]; then
        tr -d '\r' <"$1"
    fi
}

# The metric of a test: MB/s for sequential ones, IOPS for random ones.
metric_of() {
    case $1 in
    seq*) echo mbps ;;
    *) echo iops ;;
    esac
}

# The values of metric $3 on lines of label $2, test $1 in the console log
# $4, one per round, space-separated; empty when there are none.
results() {
    console "$4" | awk -v test="$1" -v label="$2" -v m="$3" '
        $1 == "iobench" {
            delete f
            for (i = 2; i <= NF; i++) {
                split($i, kv, "=")
                f[kv[1]] = kv[2]
            }
            if (f["test"] == test && f["label"] == label && (m in f)) {
                printf "%s%s", sep, f[m]
                sep = " "
            }
        }
        END { print "" }'
}

mean() {
    awk -v l="$1" 'BEGIN { n = split(l, v, " ")
                           for (i = 1; i <= n; i++) s += v[i]
                           if (n) printf "%.2f", s / n }'
}

# Ratios of the values in list $1 to those of list $2, round by round.
ratios() {
    awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " ")
                                     for (i = 1; i <= n; i++)
                                         if (y[i] > 0) printf "%s%.2f", (i > 1 ? " " : ""), x[i] / y[i] }'
}

failed=0
declare -A VAL LIST HOST NOTE
TESTS="seqread seqwrite randread randwrite"
for cfg in $CONFIGS; do
    log=$OUT/$cfg/console.log
    NOTE[$cfg]=""
    for try in 1 2; do
        say "$cfg: booting the guest ($ACCEL, try $try)"
        t0=$(date +%s)
        prepare "$cfg"
        wait_for "$QEMU"
        qemu_id=$(sha256sum "$QEMU" | cut -c1-12)
        snapshot
        m0=$SNAP_MACHINE c0=$SNAP_CHILDREN w0=$SNAP_TIME
        rc=0
        boot "$cfg" || rc=$?
        say "$cfg: boot took $(($(date +%s) - t0)) s (qemu exit $rc)"
        if grep -q '^bench-done' <(console "$log"); then
            break
        fi
        # Keep what went wrong, then once more from new files: QEMU may not
        # have started (the binary being relinked under us) or the guest
        # hung (its watchdog printed where).
        if ! grep -q SRAID-GUEST-READY <(console "$log"); then
            why="the guest did not start (qemu exit $rc)"
        elif grep -q '^bench-hang' <(console "$log"); then
            why="a test hung in the guest"
        else
            why="the guest stopped early (qemu exit $rc)"
        fi
        cp "$log" "$OUT/$cfg/console-try$try.log" 2>/dev/null || true
        cp "$OUT/$cfg/qemu.out" "$OUT/$cfg/qemu-try$try.out"
        mv "$OUT/$cfg/hang-monitor.log" "$OUT/$cfg/hang-monitor-try$try.log" 2>/dev/null || true
        NOTE[$cfg]+="boot $try: $why, see $cfg/console-try$try.log; "
        say "$cfg: $why"
        [ "$try" = 2 ] || sleep 10
    done
    # What else ran on the machine meanwhile: the benchmark is only as
    # good as the host was quiet (ratios suffer less than absolute numbers,
    # as both disks run back to back, but the LD needs more CPU).
    snapshot
    HOST[$cfg]=$(awk -v m0="$m0" -v m1="$SNAP_MACHINE" -v c0="$c0" \
        -v c1="$SNAP_CHILDREN" -v w0="$w0" -v w1="$SNAP_TIME" \
        -v id="$qemu_id" 'BEGIN {
            other = (m1 - m0 - (c1 - c0)) / (w1 - w0)
            printf "%.0f s, QEMU used %.2f cores, everything else %.2f cores, qemu binary sha256 %s",
                   w1 - w0, (c1 - c0) / (w1 - w0), (other > 0 ? other : 0), id }')
    ok=1
    grep -q '^bench-done' <(console "$log") || ok=0
    if grep -q '^bench-error\|error=' <(console "$log"); then
        ok=0
    fi
    for t in $TESTS; do
        for l in ld plain; do
            v=$(results "$t" "$l" "$(metric_of "$t")" "$log")
            [ "$(wc -w <<<"$v")" = "$ROUNDS" ] || ok=0
            LIST[$cfg:$l:$t]=$v
            VAL[$cfg:$l:$t]=$(mean "$v")
        done
    done
    if [ "$ok" = 0 ]; then
        failed=1
        say "$cfg: did not complete; last lines of $log and $OUT/$cfg/qemu.out:"
        tail -n 15 "$log" "$OUT/$cfg/qemu.out" >&2 || true
    fi
done
elapsed=$(($(date +%s) - start))

# ---- report ----

ratio() {
    if [ -n "$1" ] && [ -n "$2" ]; then
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'
    fi
}

# $1 description, $2 ratio, $3 goal
goal() {
    local verdict
    if [ -z "$2" ]; then
        verdict="not measured"
    elif awk -v r="$2" -v g="$3" 'BEGIN { exit !(r >= g) }'; then
        verdict=met
    else
        verdict="NOT met"
    fi
    printf '| %s | ≥ %s | %s | %s |\n' "$1" "$3" "${2:--}" "$verdict"
}

{
    echo "sraid logical drive benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    if src=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null); then
        n=$(git -C "$REPO" status --porcelain -- hw include qemu qapi | wc -l)
        echo "source: commit $src, $n uncommitted file(s) under hw/ include/ qemu/ qapi/" \
             "(the QEMU binary is whatever was built from them last)"
    fi
    echo "QEMU $("$QEMU" --version | head -n1 | awk '{ print $4 }'), accel $ACCEL," \
         "guest kernel $(cat "$GUEST/kernel-version"), host $(nproc) cores;" \
         "files in $OUT ($(df -T "$OUT" | awk 'NR == 2 { print $2 }'))"
    echo "LD and plain disk $((LD_SIZE >> 20)) MiB each, strip $((STRIP >> 10)) KiB;" \
         "virtio-scsi-pci; -blockdev driver=file,$FILE_OPTS for members and plain file;" \
         "write cache $WCE on both (sraid-ctrl and scsi-hd write-cache=$WCE)"
    echo "seq: $((SEQ_BS >> 10)) KiB requests, 1 thread; rand: $((RAND_BS >> 10)) KiB" \
         "requests, $RAND_JOBS threads; $SECS s per test and device, O_DIRECT," \
         "guest I/O scheduler $SCHED;" \
         "MB/s = 10^6 bytes/s; LD and plain: mean of $ROUNDS round(s), the" \
         "second one in reverse order (LD first); per round: LD/plain of each"
    echo
    echo "| config | test | LD | plain | LD/plain | per round |"
    echo "|---|---|---:|---:|---:|---|"
    for cfg in $CONFIGS; do
        read -r level n <<<"$(config_level "$cfg")"
        for t in $TESTS; do
            unit="MB/s"
            [ "$(metric_of "$t")" = iops ] && unit=IOPS
            a=${VAL[$cfg:ld:$t]:-}
            b=${VAL[$cfg:plain:$t]:-}
            printf '| RAID %s (%s members) | %s %s | %s | %s | %s | %s |\n' \
                "$level" "$n" "$t" "$unit" "${a:--}" "${b:--}" "$(ratio "$a" "$b")" \
                "$(ratios "${LIST[$cfg:ld:$t]:-}" "${LIST[$cfg:plain:$t]:-}")"
        done
    done
    echo
    echo "| goal | target | measured | verdict |"
    echo "|---|---:|---:|---|"
    for cfg in raid0 raid1; do
        read -r level n <<<"$(config_level "$cfg")"
        for t in seqread randread; do
            goal "RAID $level $t, LD/plain" \
                "$(ratio "${VAL[$cfg:ld:$t]:-}" "${VAL[$cfg:plain:$t]:-}")" 0.9
        done
    done
    # Full-stripe writes: each request that reaches the logical drive must
    # be whole stripes.  The guest splits requests at its max_sectors_kb,
    # which Linux takes from the disk's optimal transfer length (VPD B0h).
    r5_stripe=$((STRIP * $(data_strips 5 5)))
    r5_kb=$(console "$OUT/raid5/console.log" |
            sed -n 's/^bench-dev label=ld .*max_sectors_kb=\([0-9]*\).*/\1/p')
    r5_req=$SEQ_BS
    if [ -n "$r5_kb" ] && [ $((r5_kb * 1024)) -lt "$SEQ_BS" ]; then
        r5_req=$((r5_kb * 1024))
    fi
    if [ $((SEQ_BS % r5_req)) -eq 0 ] && [ $((r5_req % r5_stripe)) -eq 0 ]; then
        goal "RAID 5 full-stripe seqwrite / RAID 0 seqwrite" \
            "$(ratio "${VAL[raid5:ld:seqwrite]:-}" "${VAL[raid0:ld:seqwrite]:-}")" 0.7
        full="whole stripes"
    else
        echo "| RAID 5 full-stripe seqwrite / RAID 0 seqwrite | ≥ 0.7 | - |" \
             "not measured: requests are not whole stripes |"
        full="NOT whole stripes"
    fi
    if [ -n "$r5_kb" ]; then
        echo
        echo "RAID 5 sequential writes reach the LD as $((r5_req >> 10)) KiB requests" \
             "(guest max_sectors_kb $r5_kb), stripe $((r5_stripe >> 10)) KiB: $full"
    fi
    echo
    r5=$(ratio "${VAL[raid5:ld:seqwrite]:-}" "${VAL[raid5:plain:seqwrite]:-}")
    r0=$(ratio "${VAL[raid0:ld:seqwrite]:-}" "${VAL[raid0:plain:seqwrite]:-}")
    echo "the same writes, each against the plain disk of its own boot:" \
         "RAID 5 seqwrite/plain ${r5:--}, RAID 0 seqwrite/plain ${r0:--}"
    echo
    echo "guest view of the disks:"
    for cfg in $CONFIGS; do
        console "$OUT/$cfg/console.log" |
            sed -n -e "s/^bench-dev /  $cfg: /p" -e "s/^bench-guest /  $cfg: guest /p"
    done
    echo "host CPU during each boot ($(nproc) cores):"
    for cfg in $CONFIGS; do
        echo "  $cfg: ${HOST[$cfg]:-}${NOTE[$cfg]:+; ${NOTE[$cfg]%; }}"
    done
    if [ "$(for cfg in $CONFIGS; do echo "${HOST[$cfg]##* }"; done | sort -u | wc -l)" -gt 1 ]; then
        echo "  WARNING: the QEMU binary changed between configurations"
    fi
    echo "run time $((elapsed / 60)) min $((elapsed % 60)) s; logs in $OUT/<config>/console.log"
} | tee "$OUT/results.md"

if [ "$failed" != 0 ]; then
    say "some configurations did not complete (see above)"
    exit 1
fi
