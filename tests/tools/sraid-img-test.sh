#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sraid-img as a user runs it: create every level, info (human and JSON),
# check finds injected corruption, damaged or foreign metadata is handled
# with messages naming the disk.  Prints TAP.
#
# Usage: sraid-img-test.sh SRAID_IMG

IMG=${1:?usage: $0 SRAID_IMG}
W=$(mktemp -d "${TMPDIR:-/tmp}/sraid-img.XXXXXX")
trap 'rm -rf "$W"' EXIT
n=0
ok() {      # description, then a command that must succeed
    local desc=$1
    shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        sed 's/^/# /' <<<"$out"
    fi
}
disks() {   # count -> fresh 32 MiB files d0..d(count-1)
    rm -f "$W"/d*.img
    for ((i = 0; i < $1; i++)); do truncate -s 32M "$W/d$i.img"; done
    ls "$W"/d*.img | sort -V
}
json() {    # python expression over the JSON of 'info' of all disks
    "$IMG" info --output=json "$W"/d*.img |
        python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($1) else 1)"
}
exit_is() { # expected status, command...
    local want=$1
    shift
    "$@"
    [ $? -eq "$want" ]
}
has() {     # text, command...: command output contains text
    local text=$1
    shift
    "$@" 2>&1 | grep -qF -- "$text"
}

echo "1..35"
for spec in "0 2" "1 2" "5 4" "6 5" "10 4"; do
    set -- $spec
    # shellcheck disable=SC2046
    ok "create RAID $1 on $2 members" "$IMG" create -l "$1" -s 32K $(disks "$2")
    ok "RAID $1: check finds the new array consistent" "$IMG" check "$W"/d*.img
done
ok "info --output=json describes the RAID 10 array" \
   json 'd["logical-drives"][0]["level"] == 10 and len(d["members"]) == 4 and d["array"]["generation"] == 1'

# shellcheck disable=SC2046
"$IMG" create -l 6 -s 64K --ld-size 20M --ld-name db $(disks 5) >/dev/null
ok "--ld-size rounds up to whole stripes and is reported" \
   json 'd["logical-drives"][0]["size"] == 107 * 3 * 65536 and d["logical-drives"][0]["name"] == "db"'
printf '\x5a' | dd of="$W/d3.img" bs=1 seek=$((3 * 65536 + 17)) conv=notrunc 2>/dev/null
ok "check exits 2 and names the corrupted stripe" \
   has "stripe 3 inconsistent" exit_is 2 "$IMG" check "$W"/d*.img
ok "check exits 2 on corruption" exit_is 2 "$IMG" check "$W"/d*.img

# shellcheck disable=SC2046
"$IMG" create -l 5 -s 64K $(disks 3) >/dev/null
area=$(( (32 * 1024 * 1024 - 8 * 1024 * 1024) ))
printf 'XXXX' | dd of="$W/d1.img" bs=1 seek=$((area + 512 + 100)) conv=notrunc 2>/dev/null
ok "a damaged copy A is survived through copy B" json 'all(x["verdict"] == "current" for x in d["disks"])'
ok "info reports the damaged copy of that disk" has "copy A: configuration" "$IMG" info "$W"/d*.img
truncate -s 32M "$W/other.img" "$W/other2.img"
"$IMG" create -l 1 "$W/other.img" "$W/other2.img" >/dev/null
ok "a foreign disk is refused by check, named" \
   has "other.img belongs to another array" exit_is 1 "$IMG" check "$W"/d0.img "$W"/d1.img "$W"/d2.img "$W/other.img"
truncate -s 4M "$W/small.img"
ok "a too small disk is refused, named" \
   has "small.img: 4194304 bytes is too small" exit_is 1 "$IMG" create -l 1 "$W/d0.img" "$W/small.img"
ok "RAID 5 on 2 disks is refused with the rule" \
   has "RAID 5 needs 3 to 32 members, not 2" exit_is 1 "$IMG" create -l 5 "$W/d0.img" "$W/d1.img"
ok "a blank disk set is refused" \
   has "no disk carries a valid sraid configuration" exit_is 1 "$IMG" info "$W/small.img"
ok "a bad strip size is refused" \
   has "power of two" exit_is 1 "$IMG" create -l 0 -s 12K "$W/d0.img"

# import / export: the data path offline, degraded export reconstructs
head -c 3000000 /dev/urandom >"$W/in.raw"
for spec in "5 4 1" "6 5 2" "10 4 1"; do
    set -- $spec
    # shellcheck disable=SC2046
    "$IMG" create -l "$1" -s 16K $(disks "$2") >/dev/null
    "$IMG" import -i "$W/in.raw" "$W"/d*.img >/dev/null
    # drop the first $3 members (for RAID 10, one per pair: d0)
    present=$(ls "$W"/d*.img | sort -V | tail -n +$(( $3 + 1 )) | tr '\n' ' ')
    # shellcheck disable=SC2086
    ok "RAID $1: import, then export without $3 member(s) returns the data" \
       sh -c "'$IMG' export -o '$W/out.raw' $present >/dev/null 2>&1 &&
              cmp -n 3000000 '$W/in.raw' '$W/out.raw' &&
              '$IMG' check $(ls "$W"/d*.img | tr '\n' ' ') >/dev/null"
done
# shellcheck disable=SC2046
"$IMG" create -l 5 $(disks 3) >/dev/null
ok "export with more members missing than RAID 5 survives is refused" \
   has "2 of its 3 members are missing or failed (RAID 5 survives 1)" \
   exit_is 1 "$IMG" export -o "$W/out.raw" "$W/d0.img"
ok "import larger than the logical drive is refused" \
   has "larger than the logical drive" exit_is 1 sh -c \
   "truncate -s 100M '$W/big.raw' && '$IMG' import -i '$W/big.raw' '$W'/d0.img '$W'/d1.img '$W'/d2.img"
head -c 1000000 /dev/urandom >"$W/in2.raw"
"$IMG" import -i "$W/in2.raw" "$W/d0.img" "$W/d2.img" >/dev/null 2>&1
ok "an import with member 1 absent (degraded write) exports back exactly" \
   sh -c "'$IMG' export -o '$W/out2.raw' '$W/d0.img' '$W/d2.img' >/dev/null 2>&1 && cmp -n 1000000 '$W/in2.raw' '$W/out2.raw'"
ok "the absent member is recorded as failed by the degraded import" \
   json 'd["members"][1]["state"] == "failed" and d["logical-drives"][0]["state"] == "degraded"'
ok "member 1 back with stale data is not trusted: export is still exact" \
   sh -c "'$IMG' export -o '$W/out3.raw' '$W'/d0.img '$W'/d1.img '$W'/d2.img >/dev/null 2>&1 && cmp -n 1000000 '$W/in2.raw' '$W/out3.raw'"

# repair: a set with old data on its members becomes consistent, data kept
# shellcheck disable=SC2046
"$IMG" create -l 6 -s 16K $(disks 4) >/dev/null
for i in 0 1 2 3; do
    head -c 4000000 /dev/urandom | dd of="$W/d$i.img" conv=notrunc 2>/dev/null
done
ok "a member set with old data is inconsistent" exit_is 2 "$IMG" check "$W"/d*.img
"$IMG" export -o "$W/before.raw" "$W"/d*.img >/dev/null 2>&1
ok "repair makes every stripe consistent" \
   sh -c "'$IMG' repair '$W'/d*.img >/dev/null && '$IMG' check '$W'/d*.img >/dev/null"
ok "repair keeps the data strips" \
   sh -c "'$IMG' export -o '$W/after.raw' '$W'/d*.img >/dev/null 2>&1 && cmp '$W/before.raw' '$W/after.raw'"

# hot spares: in the configuration, outside the logical drive
# shellcheck disable=SC2046
ok "create RAID 5 with one hot spare" "$IMG" create -l 5 --spares 1 $(disks 4)
ok "the spare is recorded as spare and is not in the logical drive" \
   json 'd["members"][3]["state"] == "spare" and d["logical-drives"][0]["members"] == [0, 1, 2]'
# shellcheck disable=SC2046
ok "spares that leave too few members are refused with the rule" \
   has "RAID 5 needs 3" exit_is 1 "$IMG" create -l 5 --spares 2 $(disks 4)
