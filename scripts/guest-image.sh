#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the Linux test guest from Debian packages only: the kernel of
# linux-image-amd64 (extracted, never installed into the host) and an
# initramfs with busybox-static, the SCSI HBA modules and tests/guest/init.
# Cached in $BUILD/guest; rebuilt when an input changes.
#
# Prints the directory holding vmlinuz and initramfs.gz.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
OUT=$BUILD/guest
DEBS=$OUT/debs

# HBAs a guest may sit behind, and the SCSI upper drivers.
MODULES="virtio_pci virtio_scsi megaraid_sas vmw_pvscsi sym53c8xx sd_mod sg"

log() { echo "guest-image: $*" >&2; }

mkdir -p "$DEBS"
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

inputs=$(sha256sum "$kdeb" "$bdeb" "$REPO/tests/guest/init" "$0" | sha256sum)
inputs="$inputs $MODULES"
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
log "guest kernel $kver, $(wc -l <"$root/etc/modules.load") modules"
echo "$OUT"
