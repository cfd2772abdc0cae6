#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the Linux test guest from Debian packages only: the kernel of
# linux-image-amd64 (extracted, never installed into the host) and an
# initramfs with busybox-static, the SCSI HBA modules, tests/guest/init,
# the programs of $TOOL_PKGS with every shared library they need
# (scripts/guest-libs.py), and build/guest-drivers/sraidctl when it has
# been built.  Cached in $BUILD/guest; rebuilt when an input changes.
# docs/guest.md describes the image.
#
# Prints the directory holding vmlinuz and initramfs.gz.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
OUT=$BUILD/guest
DEBS=$OUT/debs

# HBAs a guest may sit behind, and the SCSI upper drivers.
MODULES="virtio_pci virtio_scsi megaraid_sas vmw_pvscsi sym53c8xx sd_mod sg"
# Debian packages whose programs (their ELF files in /usr/bin) the guest
# has; the libraries come from their Depends, resolved per DT_NEEDED.
TOOL_PKGS="sg3-utils fio libiscsi-bin"
SRAIDCTL=$BUILD/guest-drivers/sraidctl

log() { echo "guest-image: $*" >&2; }

mkdir -p "$DEBS"
newest() { ls "$DEBS/$1"_*.deb 2>/dev/null | sort -V | tail -n1; }
if ! ls "$DEBS"/linux-image-[0-9]*.deb >/dev/null 2>&1 ||
   ! ls "$DEBS"/busybox-static_*.deb >/dev/null 2>&1; then
    log "downloading Debian's linux-image-amd64 and busybox-static"
    kpkg=$(apt-cache depends linux-image-amd64 |
           awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [ -n "$kpkg" ] || { log "apt-cache knows no linux-image-amd64 (run apt-get update)"; exit 1; }
    (cd "$DEBS" && apt-get download -q "$kpkg" busybox-static) >&2
fi
kdeb=$(ls "$DEBS"/linux-image-[0-9]*.deb | sort -V | tail -n1)
bdeb=$(ls "$DEBS"/busybox-static_*.deb | sort -V | tail -n1)

# The tools and the library packages of their dependency closure (lib*,
# zlib*; the perl and python ones are for scripts the guest does not run).  The list
# is kept with the .debs so that a later run neither asks apt again nor
# downloads anything.
pkglist=$DEBS/tools-$(echo "$TOOL_PKGS" | tr ' ' '+').list
if [ ! -s "$pkglist" ]; then
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances $TOOL_PKGS 2>/dev/null |
        awk '/^[a-z0-9]/ { print $1 }' | sort -u |
        grep -E "^(lib|zlib|$(echo "$TOOL_PKGS" | tr ' ' '|')\$)" |
        grep -vE 'perl|python' >"$pkglist.tmp" || true
    if ! grep -qx fio "$pkglist.tmp"; then
        rm -f "$pkglist.tmp"
        log "apt-cache knows no $TOOL_PKGS (run apt-get update)"
        exit 1
    fi
    mv "$pkglist.tmp" "$pkglist"
fi
missing=()
while read -r p; do
    [ -n "$(newest "$p")" ] || missing+=("$p")
done <"$pkglist"
if [ ${#missing[@]} -gt 0 ]; then
    log "downloading ${#missing[@]} Debian packages for $TOOL_PKGS"
    (cd "$DEBS" && apt-get download -q "${missing[@]}") >&2
fi
tool_debs=()
while read -r p; do
    tool_debs+=("$(newest "$p")")
done <"$pkglist"

sraidctl_sum=none
[ -f "$SRAIDCTL" ] && sraidctl_sum=$(sha256sum <"$SRAIDCTL")
inputs=$(sha256sum "$kdeb" "$bdeb" "${tool_debs[@]}" "$REPO/tests/guest/init" \
         "$REPO/tests/guest/sraid-lds" "$REPO/scripts/guest-libs.py" "$0" |
         sha256sum)
inputs="$inputs $MODULES sraidctl:$sraidctl_sum"
if [ -f "$OUT/initramfs.gz" ] && [ "$(cat "$OUT/.inputs" 2>/dev/null)" = "$inputs" ]; then
    echo "$OUT"
    exit 0
fi

log "building the guest image"
work=$(mktemp -d "$OUT/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$kdeb" "$work/kpkg"
dpkg-deb -x "$bdeb" "$work/bpkg"
kver=$(ls "$work/kpkg/lib/modules")
cp "$work/kpkg/boot/vmlinuz-$kver" "$work/vmlinuz"
depmod -b "$work/kpkg" "$kver"

root=$work/root
mkdir -p "$root/bin" "$root/etc" "$root/lib/modules"
cp "$work/bpkg/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$REPO/tests/guest/init" "$root/init"
chmod 755 "$root/init"
mkdir -p "$root/usr/local/bin"
cp "$REPO/tests/guest/sraid-lds" "$root/usr/local/bin/sraid-lds"
chmod 755 "$root/usr/local/bin/sraid-lds"
if [ -f "$SRAIDCTL" ]; then
    cp "$SRAIDCTL" "$root/usr/local/bin/sraidctl"
    chmod 755 "$root/usr/local/bin/sraidctl"
fi

# The tools' programs, their libraries and ld.so, at the paths the
# packages give them: ld.so's default directories find the libraries.
mkdir -p "$work/tpkg"
progs=()
for d in "${tool_debs[@]}"; do
    dpkg-deb -x "$d" "$work/tpkg"
done
for p in $TOOL_PKGS; do
    for f in $(dpkg-deb -c "$(newest "$p")" | awk '{ print $6 }' |
               grep '^\./usr/bin/'); do
        f=${f#./}
        [ -f "$work/tpkg/$f" ] && [ ! -L "$work/tpkg/$f" ] &&
            [ "$(head -c 4 "$work/tpkg/$f")" = $'\x7fELF' ] && progs+=("$f")
    done
done
copied=$(python3 "$REPO/scripts/guest-libs.py" "$work/tpkg" "$root" "${progs[@]}")
log "tools: $copied"

# Each module after the modules it depends on, once.
: >"$root/etc/modules.load"
for m in $MODULES; do
    modprobe -d "$work/kpkg" -S "$kver" --show-depends "$m" |
        awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
    rel=${ko#"$work/kpkg/lib/modules/$kver/"}
    mkdir -p "$root/lib/modules/$(dirname "$rel")"
    case "$ko" in
    *.xz) xz -dc "$ko" >"$root/lib/modules/${rel%.xz}"; rel=${rel%.xz} ;;
    *) cp "$ko" "$root/lib/modules/$rel" ;;
    esac
    echo "$rel" >>"$root/etc/modules.load"
done

(cd "$root" && find . | sort | cpio -o -H newc --quiet) | gzip -1 >"$work/initramfs.gz"
mv "$work/vmlinuz" "$OUT/vmlinuz"
mv "$work/initramfs.gz" "$OUT/initramfs.gz"
echo "$kver" >"$OUT/kernel-version"
echo "$inputs" >"$OUT/.inputs"
log "guest kernel $kver, $(wc -l <"$root/etc/modules.load") modules," \
    "${#progs[@]} tool programs, sraidctl: $([ -f "$SRAIDCTL" ] && echo yes || echo no)," \
    "initramfs $(( $(stat -c %s "$OUT/initramfs.gz") >> 20 )) MiB"
echo "$OUT"
