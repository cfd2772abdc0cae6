#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Provide a pristine QEMU 10.0.x source tree at $BUILD/qemu-src.
#
# Sources, first match wins:
#   1. QEMU_SRC=<tree>           a tree the user gives (used in place: the
#                                overlay is applied to it, never to a copy)
#   2. $BUILD/qemu-10.0.*.tar.*  a tarball cached in the build directory
#   3. apt-get source qemu/trixie  Debian's source package (deb-src entries
#                                written by scripts/install-deps.sh)
#   4. the official QEMU release tarball (non-Debian users; needs network)
#
# Prints the path of the source tree on stdout, diagnostics on stderr.

set -euo pipefail

BUILD=${BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
WANT=$(cat "$(dirname "$0")/../qemu/VERSION")        # e.g. 10.0
OFFICIAL_VERSION=${QEMU_OFFICIAL_VERSION:-10.0.6}
TREE=$BUILD/qemu-src

log() { echo "fetch-qemu: $*" >&2; }
die() { log "$*"; exit 1; }

check_version() {
    local tree=$1 v
    [ -f "$tree/VERSION" ] || die "$tree has no VERSION file: not a QEMU source tree"
    v=$(cat "$tree/VERSION")
    case "$v" in
    "$WANT".*) ;;
    *) die "$tree is QEMU $v, sraid needs QEMU $WANT.x (set QEMU_SRC to a $WANT.x tree)" ;;
    esac
}

unpack() {
    local tarball=$1 tmp top
    tmp=$(mktemp -d "$BUILD/qemu-unpack.XXXXXX")
    log "unpacking $tarball"
    tar -C "$tmp" -xf "$tarball"
    top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
    [ -n "$top" ] || die "$tarball: empty archive"
    check_version "$top"
    rm -rf "$TREE"
    mv "$top" "$TREE"
    rm -rf "$tmp"
}

from_debian() {
    command -v apt-get >/dev/null || return 1
    local dir=$BUILD/qemu-debsrc
    rm -rf "$dir"
    mkdir -p "$dir"
    log "downloading Debian's qemu source package (trixie)"
    # --download-only: we want upstream's tree, not Debian's patched one;
    # no root needed and no build dependencies are installed.
    if ! (cd "$dir" && apt-get source --download-only -q qemu/trixie) >&2; then
        log "apt-get source qemu/trixie failed (are the deb-src entries of" \
            "scripts/install-deps.sh present and 'apt-get update' run?)"
        return 1
    fi
    local orig
    orig=$(ls "$dir"/qemu_"$WANT".*.orig.tar.* 2>/dev/null | head -n1)
    [ -n "$orig" ] || { log "Debian's qemu/trixie is not $WANT.x:" \
                            "$(ls "$dir")"; return 1; }
    # Cache it under a stable name so the next clean build needs no network.
    local cached=$BUILD/$(basename "$orig" | sed 's/^qemu_\(.*\)\.orig\./qemu-\1./; s/+ds//')
    mv "$orig" "$cached"
    rm -rf "$dir"
    echo "$cached"
}

from_official() {
    local url=https://download.qemu.org/qemu-$OFFICIAL_VERSION.tar.xz
    local out=$BUILD/qemu-$OFFICIAL_VERSION.tar.xz
    command -v curl >/dev/null || return 1
    log "downloading $url"
    curl -fL --retry 2 -o "$out.part" "$url" >&2 || { rm -f "$out.part"; return 1; }
    mv "$out.part" "$out"
    echo "$out"
}

main() {
    mkdir -p "$BUILD"
    if [ -n "${QEMU_SRC:-}" ]; then
        [ -d "$QEMU_SRC" ] || die "QEMU_SRC=$QEMU_SRC is not a directory"
        check_version "$QEMU_SRC"
        (cd "$QEMU_SRC" && pwd)
        return
    fi
    if [ -f "$TREE/.sraid-unpacked" ]; then
        check_version "$TREE"
        echo "$TREE"
        return
    fi
    local tarball
    tarball=$(ls "$BUILD"/qemu-"$WANT".*.tar.* 2>/dev/null | sort -V | tail -n1 || true)
    if [ -z "$tarball" ]; then
        tarball=$(from_debian) || tarball=$(from_official) ||
            die "no QEMU $WANT.x source: set QEMU_SRC=<tree>, put a" \
                "qemu-$WANT.x tarball in $BUILD, or enable Debian deb-src" \
                "(scripts/install-deps.sh)"
    fi
    unpack "$tarball"
    touch "$TREE/.sraid-unpacked"
    echo "$TREE"
}

main "$@"
