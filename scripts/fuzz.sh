#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make fuzz: build every tests/fuzz/fuzz-*.c with clang's libFuzzer, ASan
# and UBSan against the firmware core, and run each for FUZZ_SECONDS
# (default 60).  The corpus grows in build/fuzz/<target>/corpus.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
SECONDS_EACH=${FUZZ_SECONDS:-60}
OUT=$BUILD/fuzz
CC=${FUZZ_CC:-clang}

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang)" >&2; exit 1; }
mkdir -p "$OUT"
core_srcs=$(sed -n "s/^ *'\([a-z0-9-]*\.c\)',\$/\1/p" "$REPO/hw/scsi/sraid/meson.build" |
            sed "s|^|$REPO/hw/scsi/sraid/|")
# shellcheck disable=SC2086
libs=$(pkg-config --cflags --libs glib-2.0 libisal)

for target in "$REPO"/tests/fuzz/fuzz-*.c; do
    name=$(basename "$target" .c)
    mkdir -p "$OUT/$name/corpus"
    # shellcheck disable=SC2086
    "$CC" -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined -I "$REPO/hw/scsi/sraid" \
        "$target" $core_srcs $libs -o "$OUT/$name/$name"
    # a CDB fits in 17 bytes; a configuration copy needs records of 72+
    case "$name" in
    fuzz-ctrl-lun) max_len=64 ;;
    # an iSCSI stream: several PDUs with data segments
    fuzz-iscsi-conn) max_len=16384 ;;
    fuzz-vendor-cmd) max_len=4096 ;;    # 15 bytes of setup + CDB, data-out
    fuzz-mailbox) max_len=8192 ;;       # the largest mailbox is 5796 bytes
    fuzz-nvram) max_len=8192 ;;         # header + the largest mailbox
    # a PR state with 128 registrations is up to 33 KiB; PR OUT lists
    # with SPEC_I_PT TransportIDs a few hundred bytes
    fuzz-pr) max_len=40960 ;;
    fuzz-pr-cluster-msg) max_len=40960 ;;  # PR_State carries a PR state
    # a record of the largest state is 34 204 bytes; two slots' worth
    fuzz-pr-store) max_len=69632 ;;
    *) max_len=4096 ;;
    esac
    echo "fuzz: $name for ${SECONDS_EACH}s"
    (cd "$OUT/$name" && "./$name" -max_total_time="$SECONDS_EACH" \
        -max_len="$max_len" -print_final_stats=1 corpus 2>&1 | tail -n 12)
done
