#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sraidctl on the host, against a fake SG device (sraidctl-fake-sg.c,
# preloaded) that answers with the firmware core's receiving side: the
# views pretty-printed and as JSON, each write's parameter list as the
# controller decodes it, exit codes and messages naming the sense.  The
# same source is what make guest-tools links statically for the guest.
# Prints TAP.
#
# Usage: sraidctl-test.sh CORE_BUILD_DIR

CORE=${1:?usage: $0 CORE_BUILD_DIR}
TOOL=$CORE/sraidctl-host
W=$(mktemp -d "${TMPDIR:-/tmp}/sraidctl.XXXXXX")
trap 'rm -rf "$W"' EXIT
export LD_PRELOAD=$CORE/libsraidctl-fake-sg.so SRAID_FAKE_LOG=$W/log
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
ctl() { "$TOOL" -d /dev/null "$@"; }
# unlike tap.sh's has, the command may fail (refusals are tested so)
has() {     # text, command...: output (both streams) contains text
    local want=$1
    shift
    "$@" 2>&1 | tee "$W/out" | grep -qF -- "$want" ||
        { cat "$W/out"; return 1; }
}
exit_is() { # status, command...
    local want=$1
    shift
    "$@" >"$W/out" 2>&1
    local got=$?
    [ "$got" -eq "$want" ] || { echo "exit $got, not $want"; cat "$W/out"; return 1; }
}
json() {    # python expression over d, the JSON of: sraidctl --json ARGS
    local expr=$1
    shift
    ctl --json "$@" | python3 -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($expr) else 1)"
}
logged() {  # the last write the fake controller decoded contains text
    tail -n 1 "$W/log" | grep -qF -- "$1" || { cat "$W/log"; return 1; }
}

echo "1..27"
ok "show: this node, the master, the array" \
   has "cluster: master node 7 (epoch 3)" ctl show
ok "show lists both nodes, this one marked" \
   has "node  7  master           completed-startup          channels 0x3  (this node)  (master)" ctl show
ok "show --json" \
   json 'd["node"] == 7 and d["master"] == 7 and d["management"] == "read" and [n["node"] for n in d["nodes"]] == [6, 7] and d["array"]["generation"] == 12' show
ok "pd: a rebuilding member, an unused drive behind a cut cable, a missing member" \
   bash -c "'$TOOL' -d /dev/null pd | grep -q ' 0   1      2 rebuilding         24  yes' && '$TOOL' -d /dev/null pd | grep -q ' 1   1      - unused             32  yes (cable cut)' && '$TOOL' -d /dev/null pd | grep -q ' 1   3      3 missing             0  no'"
ok "pd --json" \
   json 'len(d) == 5 and d[2]["state"] == "rebuilding" and d[2]["rebuild-checkpoint"] == 4096 and "member" not in d[3] and d[3]["cable-cut"] and not d[4]["present"]' pd
ok "ld: RAID 5, degraded, 40 MiB, 64 KiB strips, members 0,1,2" \
   has " 0 db                  5 degraded         40         64 3535241494443100 0,1,2" ctl ld
ok "a fresh guest's power-on unit attentions are retried, not reported" \
   env SRAID_FAKE_UA=2 "$TOOL" -d /dev/null ld
ok "ld --json" \
   json 'd[0]["size"] == 81920 * 512 and d[0]["strip-size"] == 65536 and d[0]["members"] == [0, 1, 2] and d[0]["serial"] == "SRAIDLD-0" and d[0]["naa"] == "3535241494443100"' ld
ok "ops: the rebuild's progress and the last check" \
   bash -c "'$TOOL' -d /dev/null ops | grep -q 'rebuilding member 2: 4096/16384 sectors (25%), rate 30%' && '$TOOL' -d /dev/null ops | grep -q 'last check of logical drive 0: done, 1 mismatches, 1 repaired'"
ok "ops --json" \
   json 'd["operation"] == "rebuild" and d["member"] == 2 and d["done"] == 4096 and d["check-result"] == "done"' ops

# changes: refused under guest-management=read, then with full
ok "create-ld under read: exit 4, the sense named" \
   exit_is 4 ctl create-ld -l 5 0:0 1:0 0:1
ok "  message: management not permitted (5/80/09)" \
   has "management not permitted (guest-management of the controller) (sense 5/80/09): the host allows no changes" ctl create-ld -l 5 0:0 1:0 0:1
ok "show under off: exit 4, the host allows nothing" \
   bash -c "SRAID_FAKE_PERM=off '$TOOL' -d /dev/null show 2>&1 | grep -q 'the host allows nothing'; test \${PIPESTATUS[0]} -eq 4"
export SRAID_FAKE_PERM=full
ok "create-ld: the parameter list the controller decodes" \
   bash -c "'$TOOL' -d /dev/null create-ld -l 6 -s 128K -S 1G -n web 0:0 1:0 0:1 1:1 | grep -q 'logical drive created'"
ok "  RAID 6, 128 KiB strips, 1 GiB, named, four drives in order" \
   logged "dcmd 90 level 6 strip 131072 size 1073741824 name 'web' ld 0 repair 0 member 0 drives 0:0 1:0 0:1 1:1"
ok "delete-ld 3" \
   bash -c "'$TOOL' -d /dev/null delete-ld 3 >/dev/null && tail -n 1 '$W/log' | grep -q '^dcmd 91 .* ld 3 '"
ok "add-spare 1:1" \
   bash -c "'$TOOL' -d /dev/null add-spare 1:1 >/dev/null && tail -n 1 '$W/log' | grep -q '^dcmd 92 .* drives 1:1'"
ok "remove-spare 4, rebuild 2, check 0 --repair" \
   bash -c "'$TOOL' -d /dev/null remove-spare 4 >/dev/null && tail -n 1 '$W/log' | grep -q '^dcmd 93 .* member 4 ' && '$TOOL' -d /dev/null rebuild 2 >/dev/null && tail -n 1 '$W/log' | grep -q '^dcmd 94 .* member 2 ' && '$TOOL' -d /dev/null check 0 --repair >/dev/null && tail -n 1 '$W/log' | grep -q '^dcmd 95 .* ld 0 repair 1 '"
ok "a write with --json says ok" \
   json 'd["ok"]' delete-ld 0
ok "not the master: exit 5, run it on node 6" \
   bash -c "SRAID_FAKE_ANSWER=master '$TOOL' -d /dev/null delete-ld 0 2>&1 | grep -q 'not the master: run it on node 6 (sense 5/80/0a)'; test \${PIPESTATUS[0]} -eq 5"
ok "a drive that is not there: exit 3, the parameter list byte" \
   bash -c "SRAID_FAKE_ANSWER=nosuch '$TOOL' -d /dev/null create-ld -l 1 0:0 1:7 2>&1 | grep -q 'invalid field in parameter list (sense 5/26/00), parameter list byte 50'; test \${PIPESTATUS[0]} -eq 3"
ok "a rebuild running: exit 3, named" \
   bash -c "SRAID_FAKE_ANSWER=progress '$TOOL' -d /dev/null delete-ld 0 2>&1 | grep -q 'a rebuild or check is in progress (sense 5/80/04)'; test \${PIPESTATUS[0]} -eq 3"
ok "refused by the array: exit 3, named" \
   bash -c "SRAID_FAKE_ANSWER=refused '$TOOL' -d /dev/null remove-spare 1 2>&1 | grep -q 'refused by the array (sense 5/80/0b)'; test \${PIPESTATUS[0]} -eq 3"

# usage errors never reach the controller
: >"$W/log"
ok "no command: usage, exit 1" exit_is 1 ctl
ok "a drive that is not CHANNEL:TARGET: exit 1" \
   has "drive '4:0': give CHANNEL:TARGET (0-3:0-15)" ctl create-ld -l 1 0:0 4:0
ok "a logical drive id out of range: exit 1" \
   exit_is 1 ctl delete-ld 16
ok "nothing was sent for them" test ! -s "$W/log"
