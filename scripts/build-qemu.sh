#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build QEMU 10.0 with the sraid overlay: fetch the source if needed, apply
# our files and hooks, configure (again only when the options change) and
# build the targets sraid needs.
#
# Usage: scripts/build-qemu.sh [ninja targets...]

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
OUT=$BUILD/qemu-build
export BUILD

TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(qemu-system-x86_64 qemu-img tests/qtest/sraid-test)
fi

log() { echo "build-qemu: $*" >&2; }

TREE=$("$REPO/scripts/fetch-qemu.sh")
"$REPO/scripts/apply-overlay.sh" "$TREE"

# Debian packages the firmware QEMU's tarball lacks (scripts/install-deps.sh).
FIRMWARE=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
CC_CMD=cc
command -v ccache >/dev/null && CC_CMD="ccache cc"
# QEMU's mkvenv must find meson in the interpreter's site-packages: use the
# system python, not whatever python3 comes first in PATH (pyenv etc.).
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)

CONFIGURE_ARGS=(
    --python="$PYTHON"
    --cc="$CC_CMD"
    --target-list=x86_64-softmmu
    --disable-docs
    --enable-libiscsi
    --enable-linux-aio
    --enable-linux-io-uring
    --disable-download
    --disable-install-blobs
    --enable-trace-backends=log
    --firmwarepath="$FIRMWARE"
)
STAMP=$OUT/.sraid-configure
WANT="$TREE ${CONFIGURE_ARGS[*]}"

if [ ! -f "$OUT/build.ninja" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
    log "configuring QEMU in $OUT"
    rm -rf "$OUT"
    mkdir -p "$OUT"
    (cd "$OUT" && "$TREE/configure" "${CONFIGURE_ARGS[@]}") >"$BUILD/qemu-configure.log" 2>&1 || {
        tail -n 30 "$BUILD/qemu-configure.log" >&2
        log "configure failed; full log: $BUILD/qemu-configure.log"
        exit 1
    }
    echo "$WANT" >"$STAMP"
fi

# Run uninstalled, QEMU looks for firmware under qemu-bundle/<configured
# path> (get_relocated_path()): point those at the Debian packages' files.
IFS=: read -r -a fw_dirs <<<"$FIRMWARE"
for d in "${fw_dirs[@]}"; do
    mkdir -p "$OUT/qemu-bundle$(dirname "$d")"
    ln -sfn "$d" "$OUT/qemu-bundle$d"
done

log "building ${TARGETS[*]}"
ninja -C "$OUT" "${TARGETS[@]}"
