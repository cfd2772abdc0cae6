# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared by the in-guest comparisons (sourced, not run): one node of
# tools/sraid-cluster with the Linux test guest, a RAID 5 logical drive
# over DISKS members of DISK_SIZE, and on the same virtio-scsi HBA a plain
# scsi-hd at PLAIN_TARGET backed by a raw file of the LD's size in the
# cluster directory, opened like the members ("-blockdev driver=file",
# QEMU's default cache mode).  tests/guest/guest-compliance.sh runs
# iscsi-test-cu on both, bench/guest-fio-bench.sh fio.
#
# The caller sets CLUSTER, QEMU, IMG, WORK (a scratch directory), DIR,
# OUT, NODE, DISKS, DISK_SIZE, PLAIN_TARGET, creates OUT and DIR, and
# traps EXIT with ld_beside_scsi_hd_down.

# The cluster down, WORK removed
ld_beside_scsi_hd_down() {
    [ -e "$DIR/cluster.json" ] && "$CLUSTER" down --dir "$DIR" >/dev/null 2>&1
    rm -rf "$WORK"
}

# ld_beside_scsi_hd_up NAME [SCSI_HD_OPTIONS]: bring it up (the launcher's
# output in $OUT/up.log); sets ld_bytes.  On failure prints why on stdout
# and returns 1.
ld_beside_scsi_hd_up() {
    local name=$1 hd_opts=${2:+,$2} size
    # RAID 5: DISKS - 1 data strips a stripe, and each member gives all
    # but its 8 MiB of metadata (docs/sraid-cluster.md); checked against
    # the launcher's LD size below
    ld_bytes=$(( ($(numfmt --from=iec "$DISK_SIZE") - 8 * 1024 * 1024) * (DISKS - 1) ))
    truncate -s "$ld_bytes" "$DIR/plain.img"
    if ! "$CLUSTER" up --dir "$DIR" --name "$name" --nodes 1 --guests \
            --disks "$DISKS" --disk-size "$DISK_SIZE" --level 5 \
            --qemu-arg=-blockdev \
            --qemu-arg="driver=file,filename=$DIR/plain.img,node-name=plain" \
            --qemu-arg=-device \
            --qemu-arg="scsi-hd,bus=hba0.0,drive=plain,scsi-id=$PLAIN_TARGET,lun=0,serial=PLAIN-HD$hd_opts" \
            --qemu "$QEMU" --sraid-img "$IMG" >"$OUT/up.log" 2>&1; then
        echo "the cluster did not come up ($OUT/up.log):"
        tail -n 20 "$OUT/up.log"
        return 1
    fi
    size=$("$CLUSTER" status --dir "$DIR" --json | python3 -c '
import json, sys
st = json.load(sys.stdin)
print([l["size"] for l in st["nodes"][0]["luns"]
       if l["type"] == "logical-drive"][0])')
    if [ "$size" != "$ld_bytes" ]; then
        echo "logical drive $size bytes, plain disk $ld_bytes"
        return 1
    fi
}

# gexec TIMEOUT COMMAND...: run in the node's guest
gexec() {
    "$CLUSTER" exec --dir "$DIR" --timeout "$1" "$NODE" "${@:2}"
}
