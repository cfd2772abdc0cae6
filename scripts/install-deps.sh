#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the host packages sraid needs on Debian 12 (bookworm).
#
# Idempotent: when every package is already installed, nothing touches apt.
# The deb-src (trixie, for QEMU 10.0's source package) and bookworm-backports
# entries reuse the URIs of this machine's own Debian apt sources, so no
# mirror host is ever written into the repository.
#
# Usage: scripts/install-deps.sh [build|test|all|fuzz]   (default: all)

set -euo pipefail

SRC_LIST=/etc/apt/sources.list.d/sraid.sources

# What the QEMU overlay build and the core need.
BUILD_PKGS="build-essential pkg-config ninja-build flex bison python3-venv
python3-setuptools libglib2.0-dev libiscsi-dev libpixman-1-dev libslirp-dev
libfdt-dev zlib1g-dev libisal-dev libaio-dev liburing-dev ccache dpkg-dev patch
xz-utils"
# From bookworm-backports: QEMU 10.0 needs meson >= 1.5.
BACKPORT_PKGS="meson python3-pycotap"
# What the tests run against: firmware for -kernel boot, libiscsi tools,
# CUnit for iscsi-test-cu, tgt as the compliance baseline; kmod, cpio and
# binutils (readelf: the libraries the guest's tools need) to build the
# Linux guest image (scripts/guest-image.sh).
TEST_PKGS="seabios ipxe-qemu qemu-system-data libiscsi-bin libcunit1 tgt
kmod cpio binutils"
# make fuzz: clang's libFuzzer and sanitizers.
FUZZ_PKGS="clang libclang-rt-14-dev"

log() { echo "install-deps: $*"; }

need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then
            SUDO=sudo
        else
            log "not root and no sudo: install these packages by hand: $*" >&2
            exit 1
        fi
    else
        SUDO=
    fi
}

missing_pkgs() {
    local p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
                grep -q '^install ok installed$'; then
            echo "$p"
        fi
    done
}

meson_ok() {
    command -v meson >/dev/null || return 1
    # meson >= 1.5
    python3 - "$(meson --version)" <<'PY'
import sys
v = tuple(int(x) for x in sys.argv[1].split('.')[:2])
sys.exit(0 if v >= (1, 5) else 1)
PY
}

# Print "URI|Signed-By" of the machine's Debian main archive (not security).
debian_archive() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        [ "$f" = "$SRC_LIST" ] && continue
        awk -v codename="$CODENAME" '
            function flush() {
                if (uri != "" && suites ~ ("(^| )" codename "( |$)") &&
                    types ~ /deb/) print uri "|" signed
                uri = ""; suites = ""; types = ""; signed = ""
            }
            /^[ \t]*$/ { flush(); next }
            /^URIs:/ { uri = $2 }
            /^Suites:/ { $1 = ""; suites = $0 }
            /^Types:/ { $1 = ""; types = $0 }
            /^Signed-By:/ { signed = $2 }
            END { flush() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -e "$f" ] || continue
        awk -v codename="$CODENAME" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                if ($(i + 1) == codename) print $i "|"
            }' "$f"
    done
}

write_sources() {
    local line uri signed
    line=$(debian_archive | head -n1)
    if [ -z "$line" ]; then
        log "no Debian '$CODENAME' entry found in /etc/apt/sources.list*;" \
            "add one, or install meson >= 1.5 and python3-pycotap yourself" >&2
        exit 1
    fi
    uri=${line%%|*}
    signed=${line#*|}
    [ -n "$signed" ] || signed=/usr/share/keyrings/debian-archive-keyring.gpg
    local want
    want=$(cat <<SRC
# Written by sraid scripts/install-deps.sh from this machine's own sources.
Types: deb
URIs: $uri
Suites: $CODENAME-backports
Components: main
Signed-By: $signed

# QEMU 10.0 source package (source only: no trixie binaries are installed).
Types: deb-src
URIs: $uri
Suites: trixie
Components: main
Signed-By: $signed
SRC
)
    if [ ! -e "$SRC_LIST" ] || [ "$(cat "$SRC_LIST")" != "$want" ]; then
        log "writing $SRC_LIST (archive $uri)"
        echo "$want" | $SUDO tee "$SRC_LIST" >/dev/null
        APT_UPDATED=
    fi
}

APT_UPDATED=
apt_update() {
    if [ -z "$APT_UPDATED" ]; then
        $SUDO apt-get update -q
        APT_UPDATED=1
    fi
}

main() {
    local what=${1:-all}
    local pkgs
    if [ ! -r /etc/os-release ] || ! grep -q '^ID=debian' /etc/os-release; then
        log "not Debian: install the equivalents of: $BUILD_PKGS" \
            "$BACKPORT_PKGS $TEST_PKGS (meson >= 1.5) and set QEMU_SRC" >&2
        return 0
    fi
    CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    case "$what" in
    build) pkgs="$BUILD_PKGS" ;;
    test|all) pkgs="$BUILD_PKGS $TEST_PKGS" ;;
    fuzz) pkgs="$BUILD_PKGS $FUZZ_PKGS" ;;
    *) log "usage: $0 [build|test|all|fuzz]" >&2; exit 2 ;;
    esac
    # shellcheck disable=SC2086
    local missing
    missing=$(missing_pkgs $pkgs $BACKPORT_PKGS)
    if [ -z "$missing" ] && meson_ok && [ -e "$SRC_LIST" ]; then
        return 0
    fi
    need_root $missing
    write_sources
    export DEBIAN_FRONTEND=noninteractive
    if [ -n "$missing" ]; then
        apt_update
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -q --no-install-recommends $(missing_pkgs $pkgs)
    fi
    if ! meson_ok || [ -n "$(missing_pkgs $BACKPORT_PKGS)" ]; then
        apt_update
        # shellcheck disable=SC2086
        $SUDO apt-get install -y -q --no-install-recommends \
            -t "$CODENAME-backports" $BACKPORT_PKGS
    fi
    meson_ok || { log "meson >= 1.5 still missing" >&2; exit 1; }
}

main "$@"
