#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Put sraid's files into a QEMU source tree and apply the hook patches.
#
# Our files are symlinked, not copied, so editing one in the repository is an
# incremental rebuild.  Hook patches in qemu/patches/ are applied with
# 'patch --forward'; a patch that is already applied is skipped, so running
# this again is a no-op.  A patch that neither applies nor is applied fails
# loudly: the QEMU tree does not match the version we pin.
#
# Usage: scripts/apply-overlay.sh QEMU_TREE [--check]
#   --check   only verify every hook patch applies (or is applied); change nothing

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TREE=${1:?usage: $0 QEMU_TREE [--check]}
CHECK=${2:-}

log() { echo "apply-overlay: $*" >&2; }

# Directories whose files mirror QEMU's tree.
OVERLAY_DIRS="hw include qapi tests/qtest"

link_files() {
    local rel dst
    local dirs=
    for rel in $OVERLAY_DIRS; do
        [ -d "$REPO/$rel" ] && dirs="$dirs $rel"
    done
    # shellcheck disable=SC2086
    (cd "$REPO" && find $dirs -type f | sort) | while read -r rel; do
        dst=$TREE/$rel
        if [ -L "$dst" ] && [ "$(readlink "$dst")" = "$REPO/$rel" ]; then
            continue
        fi
        if [ -e "$dst" ] && [ ! -L "$dst" ]; then
            log "refusing to replace upstream file $rel"
            exit 1
        fi
        mkdir -p "$(dirname "$dst")"
        ln -sfn "$REPO/$rel" "$dst"
    done
    # Drop links to files that left the repository.
    find "$TREE/hw" "$TREE/include" "$TREE/qapi" "$TREE/tests/qtest" -type l 2>/dev/null |
    while read -r l; do
        case "$(readlink "$l")" in
        "$REPO"/*) [ -e "$l" ] || rm -f "$l" ;;
        esac
    done
}

apply_patches() {
    local p
    for p in "$REPO"/qemu/patches/*.patch; do
        if patch -d "$TREE" -p1 -R --dry-run -s -f <"$p" >/dev/null 2>&1; then
            continue        # already applied
        fi
        if ! patch -d "$TREE" -p1 --forward --dry-run -s -f <"$p" >/dev/null 2>&1; then
            log "hook $(basename "$p") does not apply to $TREE (QEMU $(cat "$TREE/VERSION"))"
            exit 1
        fi
        [ "$CHECK" = --check ] && continue
        log "applying $(basename "$p")"
        patch -d "$TREE" -p1 --forward -s <"$p"
    done
}

apply_patches
[ "$CHECK" = --check ] || link_files
