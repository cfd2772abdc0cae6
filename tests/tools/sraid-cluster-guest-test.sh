#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/sraid-cluster with guests: a 2-node RAID 5 cluster, each node
# booting the Linux test guest (node 7 behind pvscsi, node 6 behind
# virtio-scsi); commands run in the guests through "exec" (the serial console
# protocol of docs/guest.md): both guests see the logical drive with the
# same VPD 83h identity, guest 7's direct writes read back identical in
# guest 6, exit codes come through, a persistent reservation made in
# guest 7 holds in guest 6 (its write conflicts, it reads 7's key), and
# "console" runs lines piped into it.  A second cluster puts node 6 behind
# megasas-gen2 and node 7 behind lsi53c895a: the same identity (the NAA
# sraid-img reads from the members), data across them, and sraidctl
# reaching the controller's unit through each.  Boot time and
# per-command latency are printed as diagnostics.  Prints TAP.
#
# Usage: sraid-cluster-guest-test.sh QEMU SRAID_IMG

QEMU=${1:?usage: $0 QEMU SRAID_IMG}
SRAID_IMG=${2:?usage: $0 QEMU SRAID_IMG}
export QEMU SRAID_IMG
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TOOL=$REPO/tools/sraid-cluster
W=$(mktemp -d "${TMPDIR:-/tmp}/sraid-guests.XXXXXX")
C=$W/c
cleanup() {
    [ -f "$C/cluster.json" ] && "$TOOL" down --dir "$C" >/dev/null 2>&1
    rm -rf "$W"
}
trap cleanup EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# x NODE CMD: run CMD in that node's guest (options before NODE: exec
# passes everything after it to the guest)
x() {
    local node=$1
    shift
    "$TOOL" exec --dir "$C" --timeout 60 "$node" "$*"
}
KEY=0x5eed7

echo "1..21"
START=$SECONDS

up_guests() {
    "$TOOL" up --dir "$C" --name "g$$" --nodes 2 --disks 3 --disk-size 32M \
        --guests --hba 7=pvscsi >"$W/up.out" 2>&1 || { cat "$W/up.out"; return 1; }
}
ok "up --guests: 2 nodes, node 7 behind pvscsi, node 6 behind virtio-scsi, each guest answers" \
   up_guests
echo "# up with 2 guests: $((SECONDS - START)) s"
grep -E 'guest up|guest image' "$W/up.out" | sed 's/^/# /'

guest_in_status() {
    "$TOOL" status --dir "$C" --json | python3 -c '
import json, os, sys
s = json.load(sys.stdin)
node = {n["node-id"]: n for n in s["nodes"]}
ok = node[7]["hba"] == "pvscsi" and node[6]["hba"] == "virtio-scsi" and \
    all(n["guest"] and os.path.exists(n["guest"]["console"]) for n in s["nodes"])
print(json.dumps(s["nodes"], indent=1)) if not ok else None
sys.exit(0 if ok else 1)'
}
ok "status --json: each node's HBA and its guest's console socket" guest_in_status

# the logical drive's sg and block device in each guest (sraid-lds)
declare -A SG BLK
find_ld() {
    local out
    out=$(x "$1" 'sraid-lds -w 30') || { echo "$out"; return 1; }
    read -r _ BLK[$1] SG[$1] _ <<<"$out"
    [ -n "${SG[$1]}" ] && [ "${SG[$1]}" != - ]
}
# not through ok: find_ld sets SG and BLK of this shell
find_ld 7 >"$W/ld.out" 2>&1 && find_ld 6 >>"$W/ld.out" 2>&1
ok "both guests find the logical drive as a disk (sraid-lds): guest 7 ${BLK[7]} ${SG[7]}, guest 6 ${BLK[6]} ${SG[6]}" \
   bash -c "[ -n '${SG[7]}' ] && [ -n '${SG[6]}' ] || { cat '$W/ld.out'; exit 1; }"

same_identity() {
    local a b
    a=$(x 7 "sg_vpd -p di ${SG[7]}") || { echo "$a"; return 1; }
    b=$(x 6 "sg_vpd -p di ${SG[6]}") || { echo "$b"; return 1; }
    grep -q 'NAA' <<<"$a" || { echo "no NAA designator: $a"; return 1; }
    [ "$a" = "$b" ] || { printf 'guest 7:\n%s\nguest 6:\n%s\n' "$a" "$b"; return 1; }
    has "SRAID" x 7 "sg_inq ${SG[7]}" && has "SRAID" x 6 "sg_inq ${SG[6]}"
}
ok "sg_inq and sg_vpd -p di: the same VPD 83h identity in both guests" same_identity

write_7() {     # the pattern's checksum lands in $W/want
    local out
    out=$(x 7 "dd if=/dev/urandom of=/tmp/p bs=64k count=32 2>/dev/null &&
               dd if=/tmp/p of=${BLK[7]} bs=64k seek=8 oflag=direct 2>/dev/null &&
               md5sum </tmp/p") || { echo "$out"; return 1; }
    echo "${out%% *}" >"$W/want"
    [ "$(wc -c <"$W/want")" = 33 ]
}
read_6() {
    local got want
    want=$(cat "$W/want")
    got=$(x 6 "dd if=${BLK[6]} bs=64k skip=8 count=32 iflag=direct 2>/dev/null | md5sum") ||
        { echo "$got"; return 1; }
    [ "${got%% *}" = "$want" ] || { echo "want $want got $got"; return 1; }
}
ok "guest 7 writes 2 MiB to the logical drive (dd oflag=direct)" write_7
ok "guest 6 reads them back identical (iflag=direct)" read_6

exit_code() {
    local rc
    x 6 'echo to-stderr >&2; exit 7' >"$W/out" 2>&1
    rc=$?
    [ $rc = 7 ] && grep -q to-stderr "$W/out" || { echo "rc $rc"; cat "$W/out"; return 1; }
}
ok "exec passes the command's exit code (7) and its stderr through" exit_code

ok "guest 7 registers key $KEY and reserves Write Exclusive (sg_persist)" \
   x 7 "sg_persist --out --register --param-sark=$KEY ${SG[7]} &&
        sg_persist --out --reserve --param-rk=$KEY --prout-type=1 ${SG[7]}"
# WRITE(10) of one block straight through SG_IO: the status as it came.
# Guest 6 is behind virtio-scsi on purpose: QEMU's pvscsi reports a
# command that moved no data as a data underrun (BTSTAT_DATARUN), which
# Linux turns into DID_ERROR, hiding the SCSI status (docs/guest.md).
ok "guest 6's write gets RESERVATION CONFLICT" \
   has "Reservation Conflict" x 6 \
   "sg_raw -s 512 -i /dev/zero ${SG[6]} 2a 00 00 00 00 00 00 00 01 00 2>&1; true"
read_reservation() {
    local out
    out=$(x 6 "sg_persist --in --read-reservation ${SG[6]}") || { echo "$out"; return 1; }
    grep -q "Key=$KEY" <<<"$out" && grep -q "Write Exclusive" <<<"$out" ||
        { echo "$out"; return 1; }
}
ok "sg_persist --in --read-reservation in guest 6 shows guest 7's key" read_reservation

console_lines() {   # console with commands piped in: each answered
    local out
    out=$(printf 'echo console-$((6 * 7))\nexit 3\n' |
          "$TOOL" console --dir "$C" --timeout 30 6 2>&1) || { echo "$out"; return 1; }
    grep -qx 'console-42' <<<"$out" && grep -qx '(exit 0)' <<<"$out" &&
        grep -qx '(exit 3)' <<<"$out" || { echo "$out"; return 1; }
}
ok "console: lines piped in run in guest 6, each followed by its exit status" console_lines

latency() {
    local t0 i
    t0=$(date +%s%N)
    for i in 1 2 3 4 5; do x 7 true || return 1; done
    echo "# exec latency (sraid-cluster exec 7 true, python start included):" \
         "$(( ($(date +%s%N) - t0) / 5000000 )) ms"
}
latency_in_module() {
    python3 - "$C/node7.console" <<'PY'
import os, sys, time
sys.path.insert(0, os.path.join(os.environ['REPO'], 'scripts'))
from guest_console import GuestConsole
with GuestConsole(sys.argv[1], 30) as con:
    t0 = time.monotonic()
    for _ in range(20):
        rc, _ = con.run('true')
        assert rc == 0
    print('# GuestConsole.run("true") round trip: %.0f ms'
          % ((time.monotonic() - t0) / 20 * 1000))
PY
}
export REPO
latency
latency_in_module
killed_exec() {
    local rc
    "$TOOL" kill --dir "$C" 6 >/dev/null || return 1
    "$TOOL" exec --dir "$C" 6 true >"$W/out" 2>&1
    rc=$?
    [ $rc = 255 ] && grep -q 'node 6 is not running.*restart 6' "$W/out" ||
        { echo "rc $rc"; cat "$W/out"; return 1; }
}
ok "exec on a killed node: exit status 255, says to restart it" killed_exec
restarted() {
    local t0=$SECONDS
    "$TOOL" restart --dir "$C" 6 || return 1
    echo "# restart 6 with its guest: $((SECONDS - t0)) s" >&3
    has "$KEY" x 6 "sraid-lds -w 30 >/dev/null &&
                        sg_persist --in --read-keys \$(sraid-lds | cut -d' ' -f3)"
}
exec 3>&1
ok "restart 6: its guest boots again and still reads guest 7's key" restarted
ok "down: no node left" "$TOOL" down --dir "$C"

# The other two HBAs of the matrix (tests/guest/hba-scan-test.sh boots all
# four with one controller): a cluster whose nodes use them.
C=$W/c2
T0=$SECONDS
up_other_hbas() {
    "$TOOL" up --dir "$C" --name "h$$" --nodes 2 --disks 3 --disk-size 32M \
        --guests --hba 6=megasas-gen2,7=lsi53c895a >"$W/up.out" 2>&1 ||
        { cat "$W/up.out"; return 1; }
}
ok "up --guests: node 6 behind megasas-gen2, node 7 behind lsi53c895a" \
   up_other_hbas
echo "# up with megasas-gen2 and lsi53c895a guests: $((SECONDS - T0)) s"
find_ld 7 >"$W/ld.out" 2>&1 && find_ld 6 >>"$W/ld.out" 2>&1
ok "both guests find the logical drive: guest 7 ${BLK[7]} ${SG[7]}, guest 6 ${BLK[6]} ${SG[6]}" \
   bash -c "[ -n '${SG[7]}' ] && [ -n '${SG[6]}' ] || { cat '$W/ld.out'; exit 1; }"
# the NAA designator (sg_vpd prints it as 0x<hex>) against the one
# sraid-img finds in the members' configuration
naa_matches_members() {
    local files naa a b
    files=$("$TOOL" status --dir "$C" --json | python3 -c '
import json, sys
print(" ".join(d["file"] for d in json.load(sys.stdin)["array"]["disks"]))')
    # shellcheck disable=SC2086
    naa=$("$SRAID_IMG" info $files | sed -n 's/.*logical drive 0 .* naa \([0-9a-f]*\).*/\1/p')
    a=$(x 7 "sg_vpd -p di ${SG[7]}") || { echo "$a"; return 1; }
    b=$(x 6 "sg_vpd -p di ${SG[6]}") || { echo "$b"; return 1; }
    [ -n "$naa" ] && grep -qi "0x$naa" <<<"$a" ||
        { echo "members' naa '$naa', guest 7: $a"; return 1; }
    [ "$a" = "$b" ] || { printf 'guest 7:\n%s\nguest 6:\n%s\n' "$a" "$b"; return 1; }
}
ok "both guests see the NAA identity sraid-img reads from the members" \
   naa_matches_members
ok "guest 7 (lsi53c895a) writes 2 MiB" write_7
ok "guest 6 (megasas-gen2) reads them back identical" read_6
# the controller's own unit behind these HBAs: sraidctl over SG_IO
ok "sraidctl show in guest 6 (megasas-gen2): this node and the cluster's master" \
   has "cluster: master node" x 6 "sraidctl show"
ok "sraidctl ld in guest 7 (lsi53c895a): the RAID 5 logical drive, optimal" \
   has "optimal" x 7 "sraidctl ld"
"$TOOL" down --dir "$C" >/dev/null 2>&1
echo "# $((SECONDS - START)) s"
