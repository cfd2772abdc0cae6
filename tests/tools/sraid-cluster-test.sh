#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/sraid-cluster as tests and users run it: a 2-node RAID 5 cluster
# on shared member files, every portal answering, data written through
# node 7 read back through node 6, kill / restart, fail-disk and
# insert-disk (a rebuild), clear errors (port in use, missing build,
# unknown node, a cable cut and reconnected), and a teardown that
# leaves no process behind.  Prints TAP.
#
# Usage: sraid-cluster-test.sh QEMU QEMU_IMG SRAID_IMG

QEMU=${1:?usage: $0 QEMU QEMU_IMG SRAID_IMG}
QEMU_IMG=${2:?usage: $0 QEMU QEMU_IMG SRAID_IMG}
SRAID_IMG=${3:?usage: $0 QEMU QEMU_IMG SRAID_IMG}
export QEMU SRAID_IMG
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TOOL=$REPO/tools/sraid-cluster
W=$(mktemp -d "${TMPDIR:-/tmp}/sraid-cluster.XXXXXX")
C=$W/c                          # the cluster's directory
NAME=t$$
HOST=iqn.2026-11.test.sraid:host
cleanup() {
    # whatever a failed step left running: only this test's cluster
    [ -f "$C/cluster.json" ] && "$TOOL" down --dir "$C" >/dev/null 2>&1
    [ -f "$W/c2/cluster.json" ] && "$TOOL" down --dir "$W/c2" >/dev/null 2>&1
    rm -rf "$W"
}
trap cleanup EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

sc() {
    "$TOOL" "$@" --dir "$C"
}
# status --json piped into a Python expression over s (the status) that
# must be true; prints the status otherwise
status_is() {
    local out
    out=$(sc status --json) || { echo "$out"; return 1; }
    python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
node = {n["node-id"]: n for n in s["nodes"]}
ok = eval(sys.argv[1])
if not ok:
    print(json.dumps(s, indent=1))
sys.exit(0 if ok else 1)' "$1" <<<"$out"
}
field() {   # python expression over s -> printed
    sc status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
node = {n["node-id"]: n for n in s["nodes"]}
print(eval(sys.argv[1]))' "$1"
}
running() { # pid: a live process (a zombie is not)
    [ -r "/proc/$1/stat" ] && ! grep -qE '^[0-9]+ \(.*\) [ZX] ' "/proc/$1/stat"
}
lun_opts() { # node channel lun
    local port
    port=$(field "[p['port'] for p in node[$1]['portals']][$2]")
    echo "driver=iscsi,transport=tcp,portal=127.0.0.1:$port,target=$(field "node[$1]['target']"),lun=$3,initiator-name=$HOST"
}
inq_all() { # every portal of every node: LUN 0 is the controller, LUN 1 a disk
    local url
    for url in $(field "' '.join('iscsi://%s:%d/%s/' % (p['host'], p['port'], n['target']) for n in s['nodes'] for p in n['portals'])"); do
        has "STORAGE_ARRAY_CONTROLLER" iscsi-inq -i "$HOST" "${url}0" || return 1
        has "DIRECT_ACCESS" iscsi-inq -i "$HOST" "${url}1" || return 1
    done
}
write_via() {   # node channel: data.raw onto LUN 1
    "$QEMU_IMG" convert -n -f raw "$W/data.raw" --target-image-opts "$(lun_opts "$1" "$2" 1)"
}
same_via() {    # node channel: LUN 1 reads back data.raw
    rm -f "$W/back.raw"
    "$QEMU_IMG" convert -O raw --image-opts "$(lun_opts "$1" "$2" 1)" "$W/back.raw" &&
        cmp "$W/data.raw" "$W/back.raw"
}
wait_for() {    # seconds, status expression
    local i
    for ((i = 0; i < $1 * 10; i++)); do
        status_is "$2" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    status_is "$2"
}

echo "1..29"
START=$SECONDS

ok "up: 2 nodes, RAID 5 on 3 disks of 32 MiB" \
   sc up --name "$NAME" --nodes 2 --disks 3 --disk-size 32M --level 5 --initiator "$HOST"
ok "status --json: nodes 7 and 6 alive, LUN 0 and LUN 1; node 7 master, node 6 its slave" \
   wait_for 15 "[n['node-id'] for n in s['nodes']] == [7, 6] and all(n['alive'] and n['master'] == 7 and not n['suspended'] and [l['lun'] for l in n['luns']] == [0, 1] for n in s['nodes']) and node[7]['state'] == 'master' and node[6]['state'] == 'active-slave'"
ok "status --json: each node sees the other alive on the drives; the logical drive's reservations ready" \
   wait_for 15 "node[7]['drives-alive'] == [6] and node[6]['drives-alive'] == [7] and all(l['reservations-ready'] for n in s['nodes'] for l in n['luns'] if l['type'] == 'logical-drive')"
ok "each node keeps an NVRAM file; the slave's holds the negotiated configuration" \
   bash -c "head -c 8 '$C/node7.nvram' | grep -q SRNVRAM1 && [ \$(stat -c %s '$C/node6.nvram') -gt 36 ]"
ok "four distinct portals, TPGT = channel + 1, port = base + channel * 16 + node id" \
   status_is "len({p['port'] for n in s['nodes'] for p in n['portals']}) == 4 and all(p['tpgt'] == p['channel'] + 1 and p['port'] == s['port-base'] + 16 * p['channel'] + n['node-id'] for n in s['nodes'] for p in n['portals'])"
ok "target names iqn.2026-11.org.sraid:sraid.<cluster>.node<id>" \
   status_is "all(n['target'] == 'iqn.2026-11.org.sraid:sraid.$NAME.node%d' % n['node-id'] for n in s['nodes'])"
ok "every portal answers: LUN 0 the controller, LUN 1 the logical drive" inq_all
ok "the logical drive has one identity on both nodes (serial, NAA)" \
   status_is "node[7]['luns'][1]['serial'] == node[6]['luns'][1]['serial'] and node[7]['luns'][1]['naa'] == node[6]['luns'][1]['naa']"
size=$(field "node[7]['luns'][1]['size']")
head -c "$size" /dev/urandom >"$W/data.raw"
ok "qemu-img writes the logical drive through node 7's channel 0 portal" write_via 7 0
ok "and reads it back identical through node 6's channel 1 portal" same_via 6 1
refused_while_running() {
    fails_with "a cluster runs in $C" sc up --name "$NAME"
}
ok "up refuses while the cluster runs" refused_while_running

pid7=$(field "node[7]['pid']")
pid6=$(field "node[6]['pid']")
ok "kill 7" sc kill 7
killed() {
    ! running "$pid7" && status_is "not node[7]['alive'] and node[6]['alive']"
}
ok "status: node 7 dead (its process gone), node 6 alive" killed
ok "node 6 keeps serving the data" same_via 6 0
ok "restart 7" sc restart 7
ok "status: node 7 alive again with a new pid" \
   status_is "node[7]['alive'] and node[7]['pid'] != $pid7 and node[6]['pid'] == $pid6"
ok "node 7 serves the same data again" same_via 7 1

ok "fail-disk 7 1: member 1 failed on node 7" sc fail-disk 7 1
ok "status: node 7's logical drive degraded, member 1 failed" \
   status_is "node[7]['luns'][1]['state'] == 'degraded' and node[7]['members'][1]['state'] == 'failed'"
ok "the degraded drive still reads back identical through node 7" same_via 7 0
ok "insert-disk 7: a blank disk m3 on node 7" sc insert-disk 7
ok "it replaces member 1 and is rebuilt: optimal within 20 s" \
   wait_for 20 "node[7]['luns'][1]['state'] == 'optimal' and [d['disk'] for d in s['array']['disks']] == ['m0', 'm1', 'm2', 'm3'] and node[7]['members'][3]['state'] == 'online'"

# Errors that say what to do
base=$(field "s['port-base']")
ok "a second cluster on the same ports: the port is named, --port-base suggested" \
   fails_with "port $((base + 6)) on 127.0.0.1 (node 6's portal on channel 0 of port block $base-$((base + 31))) is in use: choose another block with --port-base" \
   "$TOOL" up --dir "$W/c2" --name other --port-base "$base"
ok "a missing QEMU build names the make target" \
   fails_with 'build it with "make qemu"' env QEMU="$W/nothing" "$TOOL" up --dir "$W/c2"
ok "an unknown node is named with the ones that exist" \
   fails_with "no node 5 in cluster '$NAME': its nodes are 7, 6" sc kill 5
cable_check() {  # node 7's channel 1 portal goes away and comes back
    local url
    url=$(field "'iscsi://%s:%d/%s/0' % (lambda n, p: (p['host'], p['port'], n['target']))(node[7], node[7]['portals'][1])")
    sc cable 7 1 down || return 1
    if iscsi-inq -i "$HOST" "$url" >/dev/null 2>&1; then
        echo "channel 1's portal still answers with the cable cut"
        return 1
    fi
    sc cable 7 1 up && has "STORAGE_ARRAY_CONTROLLER" iscsi-inq -i "$HOST" "$url"
}
ok "cable: cut, node 7's portal on channel 1 is gone; reconnected, it is back" cable_check

pids="$(field "' '.join(str(n['pid']) for n in s['nodes'])") $pid7"
ok "down" sc down
no_process() {
    local p
    for p in $pids; do
        running "$p" && { echo "pid $p still runs"; return 1; }
    done
    # nor any process started for this directory (the pattern from a
    # file, so that grep's own command line does not match)
    echo "$C/" >"$W/pattern"
    if grep -lsFf "$W/pattern" /proc/[0-9]*/cmdline; then
        echo "a process still names $C"
        return 1
    fi
    [ ! -e "$C/cluster.json" ] && [ -f "$C/m0.img" ]
}
ok "no node process is left, state gone, member files kept" no_process
reuse() {
    sc up --name "$NAME" --initiator "$HOST" && same_via 6 0 &&
        sc down --purge && [ ! -e "$C" ]
}
ok "up again reuses the member files: the data is still there; down --purge" reuse
echo "# $((SECONDS - START)) s"
