#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make lint: QEMU's checkpatch.pl over every C file of ours (0 errors and 0
# warnings wanted), an SPDX header in every source file, no QEMU header in
# the firmware core, and the hook patches still apply to pristine QEMU.
# Prints TAP.

set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
TREE=$(BUILD=$BUILD "$REPO/scripts/fetch-qemu.sh") || exit 1

cd "$REPO"
mapfile -t files < <(git ls-files '*.c' '*.h' | sort)
mapfile -t sources < <(git ls-files '*.c' '*.h' '*.sh' '*.py' 'meson.build' \
                       '*/meson.build' 'Makefile' | sort)
n=0
plan=$(( ${#files[@]} + 3 ))
echo "1..$plan"

for f in "${files[@]}"; do
    n=$((n + 1))
    # checkpatch exits 0 on warnings: count them as failures too
    if out=$("$TREE/scripts/checkpatch.pl" --no-tree --terse -f "$f" 2>&1) &&
       ! grep -qE '(ERROR|WARNING):' <<<"$out"; then
        echo "ok $n - checkpatch $f"
    else
        echo "not ok $n - checkpatch $f"
        sed 's/^/# /' <<<"$out"
    fi
done

# One TAP line: ok when $2 (what is wrong, one item a line) is empty.
report() {
    n=$((n + 1))
    if [ -z "$2" ]; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        sed 's/^/# /' <<<"$2"
    fi
}

report "SPDX header in every source file" "$(for f in "${sources[@]}"; do
    head -n 5 "$f" | grep -q 'SPDX-License-Identifier' || echo "$f"
done)"

# The core must build without QEMU: no QEMU include, no QEMU trace header.
report "firmware core includes no QEMU header" \
    "$(grep -nE '#include *["<](qemu/|hw/|block/|qapi/|system/|trace)' \
       hw/scsi/sraid/*.c hw/scsi/sraid/*.h)"

n=$((n + 1))
# Apply the hooks to a pristine copy of the files they touch.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok=1
for p in qemu/patches/*.patch; do
    for f in $(sed -n 's|^+++ b/||p' "$p"); do
        mkdir -p "$tmp/$(dirname "$f")"
        if [ -f "$tmp/$f" ]; then
            continue
        elif [ -f "$TREE/.sraid-unpacked" ] &&
             tarball=$(ls "$BUILD"/qemu-*.tar.* 2>/dev/null | sort -V | tail -n1) &&
             [ -n "$tarball" ]; then
            tar -xOf "$tarball" --wildcards "*/$f" >"$tmp/$f" 2>/dev/null
        else
            # A user tree: undo our hooks on a copy to get pristine text.
            cp "$TREE/$f" "$tmp/$f"
        fi
    done
done
for p in $(ls -r qemu/patches/*.patch); do
    patch -d "$tmp" -p1 -R -s -f --dry-run <"$p" >/dev/null 2>&1 &&
        patch -d "$tmp" -p1 -R -s -f <"$p" >/dev/null 2>&1
done
for p in qemu/patches/*.patch; do
    if ! patch -d "$tmp" -p1 --forward -s -f <"$p" >/dev/null 2>&1; then
        ok=0
        echo "# $(basename "$p") does not apply to pristine QEMU $(cat "$TREE/VERSION")"
    fi
done
if [ $ok = 1 ]; then
    echo "ok $n - hook patches apply to pristine QEMU $(cat "$TREE/VERSION")"
else
    echo "not ok $n - hook patches apply to pristine QEMU"
fi
