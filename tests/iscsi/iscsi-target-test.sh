#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The controller's iSCSI portals as external initiators use them: libiscsi's
# tools (discovery, INQUIRY, REPORT LUNS, READ CAPACITY) and QEMU's own
# iscsi block driver (qemu-img writes and reads a logical drive), the
# initiator ACL, CHAP, and hostile clients that must not disturb anyone
# else.  Prints TAP.
#
# Usage: iscsi-target-test.sh QEMU QEMU_IMG SRAID_IMG

QEMU=${1:?usage: $0 QEMU QEMU_IMG SRAID_IMG}
QEMU_IMG=${2:?usage: $0 QEMU QEMU_IMG SRAID_IMG}
IMG=${3:?usage: $0 QEMU QEMU_IMG SRAID_IMG}
W=$(mktemp -d "${TMPDIR:-/tmp}/sraid-iscsi.XXXXXX")
PID=
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"


NODE=7
CLUSTER=t$$
TARGET=iqn.2026-11.org.sraid:sraid.$CLUSTER.node$NODE
HOST=iqn.2026-11.test.sraid:host
STRANGER=iqn.2026-11.test.sraid:stranger

# Start QEMU with a RAID 5 array and portals at port base $1, extra
# controller properties in $2.  Waits until channel 0 listens.
start() {
    local base=$1 props=$2 i
    "$QEMU" -display none -machine q35 -nodefaults \
        -object secret,id=chapsec,data=s3cret-chap-12 \
        -device virtio-scsi-pci,id=hba0 -qmp "unix:$W/qmp.sock,server=on,wait=off" \
        -device "sraid-ctrl,id=c0,bus=hba0.0,scsi-id=2,node-id=$NODE,cluster=$CLUSTER,iscsi-port=$base,iscsi-initiators=$HOST$props" \
        $(for i in 0 1 2; do
            echo "-blockdev driver=file,filename=$W/m$i.img,node-name=m$i"
            echo "-device sraid-drive,bus=c0.0,drive=m$i,channel=$((i % 2)),target=$((i / 2))"
          done) >"$W/qemu.log" 2>&1 &
    PID=$!
    PORT0=$((base + NODE))
    PORT1=$((base + 16 + NODE))
    for ((i = 0; i < 100; i++)); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT0), 1).close()" \
            2>/dev/null && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    # and until the logical drive has the cluster's reservation state
    # (it answers NOT READY, BECOMING READY before; query-sraid says)
    python3 - "$W/qmp.sock" <<'PY' && return 0
import json, socket, sys, time
end = time.monotonic() + 30
while time.monotonic() < end:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[1])
        f = s.makefile('rw')
        f.readline()
        for cmd in ('qmp_capabilities', 'query-sraid'):
            f.write(json.dumps({'execute': cmd}) + '\n')
            f.flush()
            while True:
                r = json.loads(f.readline())
                if 'return' in r or 'error' in r:
                    break
        s.close()
        if all(ld.get('reservations-ready', True)
               for c in r.get('return', []) for ld in c.get('lds', [])):
            sys.exit(0)
    except (OSError, ValueError):
        pass
    time.sleep(0.1)
sys.exit(1)
PY
    cat "$W/qemu.log" >&2
    return 1
}
stop() {
    kill "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
    PID=
}
url() {     # port lun [user%secret@]
    echo "iscsi://$3127.0.0.1:$1/$TARGET/$2"
}
lun_opts() { # port lun [initiator]
    echo "driver=iscsi,transport=tcp,portal=127.0.0.1:$1,target=$TARGET,lun=$2,initiator-name=${3:-$HOST}"
}

echo "1..32"
for i in 0 1 2; do truncate -s 64M "$W/m$i.img"; done
"$IMG" create -l 5 -s 64K "$W"/m*.img >/dev/null
BASE=$(free_ports 32)
start "$BASE" "" || { echo "Bail out! QEMU did not start"; exit 1; }

ok "SendTargets on channel 0 names the target and its portal group 1" \
   has "Target:$TARGET Portal:127.0.0.1:$PORT0,1" iscsi-ls -i "$HOST" "iscsi://127.0.0.1:$PORT0"
ok "channel 1 is its own portal group (TPGT 2) with the LUNs" \
   has "Lun:1    Type:DIRECT_ACCESS (Size:111M)" iscsi-ls -s -i "$HOST" "iscsi://127.0.0.1:$PORT1"
ok "LUN 0 is the controller (INQUIRY: storage array controller)" \
   has "Peripheral Device Type:STORAGE_ARRAY_CONTROLLER" iscsi-inq -i "$HOST" "$(url $PORT0 0)"
serial=$("$IMG" info --output=json "$W"/m*.img |
         python3 -c 'import json, sys; print(json.load(sys.stdin)["logical-drives"][0]["serial"])')
ok "LUN 1's VPD 80h is the logical drive's serial from the configuration" \
   has "$serial" iscsi-inq -e 1 -c 128 -i "$HOST" "$(url $PORT0 1)"
ok "LUN 1's VPD 83h has an NAA designator" \
   has "Designator Type:(3) NAA" iscsi-inq -e 1 -c 131 -i "$HOST" "$(url $PORT0 1)"
ok "READ CAPACITY(16) of LUN 1: 229376 blocks of 512 bytes" \
   has "RETURNED LOGICAL BLOCK ADDRESS:229375" iscsi-readcapacity16 -i "$HOST" "$(url $PORT0 1)"
fails "an initiator outside the ACL cannot log in" \
   iscsi-inq -i "$STRANGER" "$(url $PORT0 1)"
fails "a LUN that does not exist is refused" \
   iscsi-readcapacity16 -i "$HOST" "$(url $PORT0 9)"

# Vendor commands (docs/vendor-commands.md) on LUN 0: the seed's memory
# test, Node_Write then Node_Read of the diagnostics scratch (10000h), from
# a peer, i.e. an initiator named after another node of the cluster
RAW="python3 $(dirname "$0")/iscsi-raw.py"
PEER=iqn.2026-11.org.sraid:sraid.$CLUSTER.node6
PATTERN=00112233445566778899aabbccddeeff
ok "a peer's Node_Write of 16 bytes to the diagnostics scratch: GOOD" \
   has "status 00" $RAW "127.0.0.1:$PORT0" "$TARGET" "$PEER" 0 20000300000100100000 0 $PATTERN
ok "its Node_Read over channel 1 returns them" \
   has "data $PATTERN" $RAW "127.0.0.1:$PORT1" "$TARGET" "$PEER" 0 20000200000100100000 16
ok "a host's Node_Read: ILLEGAL REQUEST, ACCESS DENIED (20h/02h)" \
   has "sense 700005000000000a00000000200200000000" $RAW "127.0.0.1:$PORT0" "$TARGET" "$HOST" 0 20000200000100100000 16
# guest management (docs/sraidctl.md) is the guest's: neither an external
# initiator nor a peer may read the views or change the array
ok "a host's Mgmt_Ctrl_Info: ACCESS DENIED, it is not the guest" \
   has "sense 700005000000000a00000000200200000000" $RAW "127.0.0.1:$PORT0" "$TARGET" "$HOST" 0 20008000000000010000 256
ok "a peer's Mgmt_Delete_Ld: ACCESS DENIED" \
   has "sense 700005000000000a00000000200200000000" $RAW "127.0.0.1:$PORT0" "$TARGET" "$PEER" 0 20009100000000080000 0 0000000000000000
ok "a Node_Write with less data than its CDB says: PARAMETER LIST LENGTH ERROR" \
   has "sense 700005000000000a000000001a00" $RAW "127.0.0.1:$PORT0" "$TARGET" "$PEER" 0 20000300000100100000 0 0011

head -c $((229376 * 512)) /dev/urandom >"$W/data.raw"
ok "qemu-img writes the whole logical drive through channel 0" \
   "$QEMU_IMG" convert -n -f raw "$W/data.raw" --target-image-opts "$(lun_opts $PORT0 1)"
ok "qemu-img reads it back identical through channel 1" \
   bash -c "'$QEMU_IMG' convert -O raw --image-opts '$(lun_opts $PORT1 1)' '$W/back.raw' && cmp '$W/data.raw' '$W/back.raw'"

# Hostile clients, while a reader keeps going: garbage, an AHS, an oversize
# data segment, a login flood.  Each loses its own connection only.
hostile() {
    python3 - "$PORT0" "$1" <<'PY'
import socket, struct, sys, time
port, what = int(sys.argv[1]), sys.argv[2]
def conn():
    return socket.create_connection(("127.0.0.1", port), 5)
def closed(s):
    s.settimeout(5)
    try:
        while s.recv(4096):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
if what == "garbage":
    s = conn(); s.sendall(bytes(range(256)) * 4); sys.exit(0 if closed(s) else 1)
if what == "ahs":
    bhs = bytearray(48); bhs[0] = 0x43; bhs[4] = 4        # Login, TotalAHSLength 4
    s = conn(); s.sendall(bytes(bhs) + bytes(16)); sys.exit(0 if closed(s) else 1)
if what == "oversize":
    bhs = bytearray(48); bhs[0] = 0x43; bhs[1] = 0x87
    bhs[5:8] = (16 * 1024 * 1024 - 1).to_bytes(3, "big")  # 16 MiB text
    s = conn(); s.sendall(bytes(bhs) + bytes(4096)); sys.exit(0 if closed(s) else 1)
if what == "flood":
    socks = []
    for i in range(200):
        try:
            socks.append(conn())
        except OSError:
            break
    time.sleep(0.5)
    # more than the portal keeps are hung up on at once
    dead = 0
    for s in socks:
        s.settimeout(0.05)
        try:
            if s.recv(1) == b"":
                dead += 1
        except socket.timeout:
            pass
        except OSError:
            dead += 1
    for s in socks:
        s.close()
    sys.exit(0 if len(socks) == 200 and dead >= 200 - 64 else 1)
PY
}
"$QEMU_IMG" convert -O raw --image-opts "$(lun_opts $PORT1 1)" "$W/during.raw" &
reader=$!
ok "garbage bytes close that connection" hostile garbage
ok "a PDU with an AHS closes that connection" hostile ahs
ok "a 16 MiB data segment closes that connection" hostile oversize
ok "a flood of 200 connections: all beyond 64 are hung up on" hostile flood
reader_ok() {
    wait "$reader" && cmp "$W/data.raw" "$W/during.raw"
}
ok "a reader on channel 1 meanwhile read correct data" reader_ok
ok "after all that the portal still serves LUN 1" \
   has "RETURNED LOGICAL BLOCK ADDRESS:229375" iscsi-readcapacity16 -i "$HOST" "$(url $PORT0 1)"
ok "QEMU is still running" kill -0 "$PID"
stop
ok "the array is consistent after the iSCSI writes" "$IMG" check "$W"/m*.img
ok "and holds exactly what was written" \
   bash -c "'$IMG' export -o '$W/export.raw' '$W'/m*.img >/dev/null && cmp '$W/data.raw' '$W/export.raw'"

# CHAP (RFC 7143 12.1.3): the secret comes from a QEMU secret object
BASE=$(free_ports 32)
start "$BASE" ",chap-user=sraiduser,chap-secret=chapsec" ||
    { echo "Bail out! QEMU with CHAP did not start"; exit 1; }
ok "CHAP with the right secret logs in" \
   has "Peripheral Device Type:DIRECT_ACCESS" iscsi-inq -i "$HOST" "$(url $PORT0 1 sraiduser%s3cret-chap-12@)"
fails "CHAP with a wrong secret is refused" \
   iscsi-inq -i "$HOST" "$(url $PORT0 1 sraiduser%wrong-secret-12@)"
stop

# A cut cable (sraid-set-cable): channel 1's portal goes away and the
# member on channel 1 fails; the logical drive serves the same data
# degraded through channel 0; reconnected, the portal is back and the
# member stays failed until rebuilt.
QMP="python3 $(dirname "$0")/../../scripts/qmp.py"
BASE=$(free_ports 32)
start "$BASE" "" || { echo "Bail out! QEMU did not start again"; exit 1; }
cable() {
    $QMP "$W/qmp.sock" sraid-set-cable \
        "{\"controller\": \"c0\", \"channel\": 1, \"connected\": $1}" >/dev/null
}
state_is() {    # python condition on query-sraid's controller as c
    $QMP "$W/qmp.sock" query-sraid | python3 -c "import json, sys
c = json.load(sys.stdin)[0]
sys.exit(0 if ($1) else 'query-sraid: %s' % json.dumps(c)[:600])"
}
cut_degrades() {
    cable false &&
        state_is 'c["cables-cut"] == [1] and c["members"][1]["state"] == "failed" and c["lds"][0]["state"] == "degraded"'
}
reconnect_serves() {
    cable true && has DIRECT_ACCESS iscsi-inq -i "$HOST" "$(url $PORT1 1)"
}
ok "cutting channel 1 fails its member and degrades the drive" cut_degrades
fails "channel 1's portal is gone" iscsi-inq -i "$HOST" "$(url $PORT1 1)"
ok "channel 0 still serves the same data, degraded" \
   bash -c "'$QEMU_IMG' convert -O raw --image-opts '$(lun_opts $PORT0 1)' '$W/cut.raw' && cmp '$W/data.raw' '$W/cut.raw'"
ok "reconnected, channel 1's portal answers again" reconnect_serves
ok "and the member stays failed until rebuilt" \
   state_is 'c["cables-cut"] == [] and c["members"][1]["state"] == "failed"'
stop

