/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: a logical drive of an sraid controller as the guest sees it.
 *
 * The device is a subclass of scsi-hd: QEMU's SBC emulation (READ/WRITE
 * 6-16, VERIFY, WRITE AND VERIFY, WRITE SAME, SYNCHRONIZE CACHE, MODE
 * SENSE/SELECT with the caching page, READ CAPACITY, VPD B0h/B1h/B2h) is
 * mature and every guest driver is tested against it, so the logical drive
 * reuses it and adds only what a RAID controller's LUN does differently:
 * its block node is the RAID engine (sraid-ld-block.c), its identity comes
 * from the configuration on disk (the same on every node), and an offline
 * logical drive answers NOT READY instead of failing I/O.  Every command
 * goes through sraid_ld_alloc_req first, where persistent reservations
 * are checked (sraid-ld-pr.c; local to this controller, cluster-wide
 * later), and where COMPARE AND WRITE, PERSISTENT RESERVE IN/OUT and
 * REPORT SUPPORTED OPERATION CODES, which scsi-disk lacks, are served
 * (sraid-ld-caw.c, sraid-ld-pr.c, sraid-ld-capabilities.c).
 *
 * Created by the controller, one per logical drive, at its own target id
 * (LUN 0) so that HBAs that serve only LUN 0 (megasas, lsi53c895a) work.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/scsi/scsi.h"
#include "block/aio.h"
#include "block/aio-wait.h"
#include "block/block-global-state.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/opcode-report.h"
#include "sraid/version.h"

/* device -> logical drive unit (scsi-hd's instance struct is private) */
static GHashTable *sraid_ld_units;

static SCSIRequest *(*sraid_ld_parent_alloc_req)(SCSIDevice *d, uint32_t tag,
                                                 uint32_t lun, uint8_t *buf,
                                                 void *hba_private);

typedef struct SraidLdSenseReq {
    SCSIRequest req;
    SCSISense sense;
    int status;                     /* for NO SENSE: GOOD, or this */
} SraidLdSenseReq;

static int32_t sraid_ld_sense_send_command(SCSIRequest *req, uint8_t *buf)
{
    SraidLdSenseReq *r = DO_UPCAST(SraidLdSenseReq, req, req);

    if (r->sense.key == NO_SENSE) {
        scsi_req_complete(req, r->status);
        return 0;
    }
    scsi_req_build_sense(req, r->sense);
    scsi_req_complete(req, CHECK_CONDITION);
    return 0;
}

static const SCSIReqOps sraid_ld_sense_req_ops = {
    .size         = sizeof(SraidLdSenseReq),
    .send_command = sraid_ld_sense_send_command,
};

/* A request that ends in CHECK CONDITION with @sense (GOOD for NO SENSE) */
static SCSIRequest *sraid_ld_sense_req(SCSIDevice *d, uint32_t tag,
                                       uint32_t lun, void *hba_private,
                                       SCSISense sense)
{
    SCSIRequest *req = scsi_req_alloc(&sraid_ld_sense_req_ops, d, tag, lun,
                                      hba_private);

    DO_UPCAST(SraidLdSenseReq, req, req)->sense = sense;
    return req;
}

/* A request that ends in @status without sense data, and does nothing */
static SCSIRequest *sraid_ld_status_req(SCSIDevice *d, uint32_t tag,
                                        uint32_t lun, void *hba_private,
                                        int status)
{
    SCSIRequest *req = sraid_ld_sense_req(d, tag, lun, hba_private,
                                          SENSE_CODE(NO_SENSE));

    DO_UPCAST(SraidLdSenseReq, req, req)->status = status;
    return req;
}

/* Commands an offline logical drive still answers (SPC-4 5.12 style). */
static bool sraid_ld_cmd_without_medium(uint8_t opcode)
{
    return opcode == INQUIRY || opcode == REPORT_LUNS ||
           opcode == REQUEST_SENSE;
}

/*
 * Persistent reservations (SPC-4 5.7) and SPC-2 reservations (SPC-2
 * 5.5.1), sraid-ld-pr.c: may the command @buf from the request's I_T
 * nexus run?  NULL if so and it is no PERSISTENT RESERVE IN/OUT or SPC-2
 * RESERVE/RELEASE; else the request that answers it.
 */
static SCSIRequest *sraid_ld_pr_req(SraidLdUnit *u, SCSIDevice *d,
                                    uint32_t tag, uint32_t lun,
                                    uint8_t *buf, void *hba_private)
{
    SraidPrNexus nx;
    int len = scsi_cdb_length(buf);

    if (!sraid_ld_pr_nexus(u, d, hba_private, &nx)) {
        /* an iSCSI task whose connection is gone: nobody to answer */
        return sraid_ld_sense_req(d, tag, lun, hba_private,
                                  SENSE_CODE(I_T_NEXUS_LOSS));
    }
    if (!sraid_pr_host_ready(u->ctrl, u->ld_id) &&
        !sraid_ld_cmd_without_medium(buf[0])) {
        /*
         * A node that joined the cluster has no reservation state from
         * the master yet: LOGICAL UNIT IS IN PROCESS OF BECOMING READY
         * (04h/01h), which initiators retry, rather than ignoring the
         * cluster's reservations.
         */
        trace_sraid_ld_pr_not_ready(u->ctrl->node_id, u->ld_id, buf[0]);
        return sraid_ld_sense_req(d, tag, lun, hba_private,
                                  (SCSISense) { .key = NOT_READY,
                                                .asc = 0x04, .ascq = 0x01 });
    }
    switch (sraid_pr_check(sraid_pr_host_state(u->ctrl, u->ld_id), &nx, buf,
                           len < 0 ? 1 : len)) {
    case SRAID_PR_CONFLICT:
        /* SPC-4 5.13.1: RESERVATION CONFLICT, the command not executed */
        trace_sraid_ld_pr_conflict(u->ctrl->node_id, u->index, buf[0],
                                   nx.rtpi);
        return sraid_ld_status_req(d, tag, lun, hba_private,
                                   RESERVATION_CONFLICT);
    case SRAID_PR_GOOD_NO_EFFECT:
        /* SPC-2 RESERVE/RELEASE under a persistent reservation (5.7.3) */
        return sraid_ld_status_req(d, tag, lun, hba_private, GOOD);
    case SRAID_PR_ALLOWED:
        break;
    }
    /*
     * SPC-2 reservations (sraid-ld-resv2.c): another nexus's reservation,
     * or another node's (seed 003 fig. 10), lets only INQUIRY, REQUEST
     * SENSE, REPORT LUNS and RELEASE through (SPC-2 5.5.1); PERSISTENT
     * RESERVE IN/OUT conflict (SPC-2 7.11, 7.12), a PR OUT RESERVE
     * included.
     */
    if (sraid_ld_resv2_conflict(u, &nx, buf, len < 0 ? 1 : len)) {
        trace_sraid_ld_pr_conflict(u->ctrl->node_id, u->index, buf[0],
                                   nx.rtpi);
        return sraid_ld_status_req(d, tag, lun, hba_private,
                                   RESERVATION_CONFLICT);
    }
    if (sraid_resv2_is_cmd(buf[0])) {
        return sraid_ld_resv2_alloc(u, d, tag, lun, hba_private, &nx);
    }
    if (buf[0] == PERSISTENT_RESERVE_IN || buf[0] == PERSISTENT_RESERVE_OUT) {
        return sraid_ld_pr_alloc(u, d, tag, lun, hba_private, &nx);
    }
    return NULL;
}

/*
 * scsi-bus completes the abort of a request without an aiocb at once;
 * ours have I/O under way in a coroutine, and must end first.  A dummy
 * AIOCB that nothing can cancel makes scsi_req_cancel_async wait for
 * sraid_req_co_end, and scsi_req_cancel (bdrv_aio_cancel) poll until then.
 */
static const AIOCBInfo sraid_req_aiocb_info = {
    .aiocb_size = sizeof(BlockAIOCB),
};

void sraid_req_complete_result(SCSIRequest *req, const SraidScsiResult *res)
{
    if (res->status == CHECK_CONDITION) {
        memcpy(req->sense, res->sense, res->sense_len);
        req->sense_len = res->sense_len;
    }
    scsi_req_complete(req, res->status);
}

bool sraid_req_data_out_all(SCSIRequest *req, bool *have_data,
                            uint32_t len)
{
    if (*have_data) {
        return true;
    }
    *have_data = true;
    scsi_req_data(req, len);
    return false;
}

void sraid_req_co_begin(SCSIRequest *req, CoroutineEntry *fn, void *opaque)
{
    assert(!req->aiocb);
    scsi_req_ref(req);
    req->aiocb = qemu_aio_get(&sraid_req_aiocb_info, NULL, NULL, NULL);
    qemu_coroutine_enter(qemu_coroutine_create(fn, opaque));
}

bool sraid_req_co_end(SCSIRequest *req)
{
    BlockAIOCB *acb = req->aiocb;

    req->aiocb = NULL;
    qemu_aio_unref(acb);
    aio_wait_kick();                /* a bdrv_aio_cancel waits for that */
    if (req->io_canceled) {
        scsi_req_cancel_complete(req);
        return true;
    }
    return false;
}

/*
 * PRE-FETCH (10/16) (SBC-4 5.9, 5.10): the logical drive has no cache of
 * its own to load, so beyond the LBA check there is nothing to do, and the
 * status is GOOD ("the cache could not hold them"), never CONDITION MET.
 */
static SCSISense sraid_ld_prefetch(SraidLdUnit *u, const uint8_t *cdb)
{
    uint64_t cap = sraid_geometry_capacity(&u->ld.g);
    uint64_t lba = cdb[0] == PRE_FETCH ? ldl_be_p(cdb + 2) : ldq_be_p(cdb + 2);
    uint32_t n = cdb[0] == PRE_FETCH ? lduw_be_p(cdb + 7) : ldl_be_p(cdb + 10);

    if (lba > cap || n > cap - lba) {
        return SENSE_CODE(LBA_OUT_OF_RANGE);
    }
    return SENSE_CODE(NO_SENSE);
}


static SCSIRequest *sraid_ld_alloc_req(SCSIDevice *d, uint32_t tag,
                                       uint32_t lun, uint8_t *buf,
                                       void *hba_private)
{
    SraidLdUnit *u = g_hash_table_lookup(sraid_ld_units, d);
    SCSIRequest *req;

    /*
     * The logical drive executes exactly the commands it reports
     * (sraid/opcode-report.c): scsi-disk's CD-ROM commands have no place on
     * a RAID volume.  SPC-2 RESERVE/RELEASE, which scsi-disk accepts and
     * ignores, are ours (sraid_ld_pr_req): local to this controller.
     */
    if (!sraid_opcode_listed(&sraid_ld_opcodes, buf[0])) {
        return sraid_ld_sense_req(d, tag, lun, hba_private,
                                  SENSE_CODE(INVALID_OPCODE));
    }
    if (u && !sraid_ld_usable(&u->ld) &&
        !sraid_ld_cmd_without_medium(buf[0])) {
        /*
         * More members failed than the level survives: LOGICAL UNIT NOT
         * READY, MANUAL INTERVENTION REQUIRED (04h/03h) until the host
         * replaces drives or recreates the logical drive.
         */
        trace_sraid_ld_offline_cmd(u->ctrl->node_id, u->index, buf[0]);
        return sraid_ld_sense_req(d, tag, lun, hba_private,
                                  (SCSISense) { .key = NOT_READY,
                                                .asc = 0x04, .ascq = 0x03 });
    }
    if (u && u->ctrl->cluster_suspended &&
        !sraid_ld_cmd_without_medium(buf[0])) {
        /*
         * The controller is suspended (seed 003: awaiting human
         * intervention; docs/membership.md): the same answer until the
         * host resumes it with sraid-resume.
         */
        trace_sraid_ld_suspended_cmd(u->ctrl->node_id, u->index, buf[0]);
        return sraid_ld_sense_req(d, tag, lun, hba_private,
                                  (SCSISense) { .key = NOT_READY,
                                                .asc = 0x04, .ascq = 0x03 });
    }
    if (u) {
        req = sraid_ld_pr_req(u, d, tag, lun, buf, hba_private);
        if (req) {
            return req;
        }
    }
    if (u && (buf[0] == COMPARE_AND_WRITE || buf[0] == SRAID_OP_ORWRITE_16)) {
        return sraid_ld_caw_alloc(u, d, tag, lun, hba_private);
    }
    if (u && (buf[0] == VERIFY_10 || buf[0] == VERIFY_12 ||
              buf[0] == VERIFY_16)) {
        return sraid_ld_verify_alloc(u, d, tag, lun, hba_private);
    }
    if (u && (buf[0] == PRE_FETCH || buf[0] == PRE_FETCH_16)) {
        return sraid_ld_sense_req(d, tag, lun, hba_private,
                                  sraid_ld_prefetch(u, buf));
    }
    if (u && buf[0] == SERVICE_ACTION_IN_16 &&
        (buf[1] & 0x1f) == SRAID_SAI_GET_LBA_STATUS) {
        return sraid_ld_lba_status_alloc(u, d, tag, lun, hba_private);
    }
    /*
     * WRITE SAME: scsi-disk ignores WRPROTECT (we have no protection
     * information) and takes UNMAP as a hint; a fully provisioned logical
     * drive (VPD B2h: LBPWS = LBPWS10 = 0) refuses both (SBC-4 5.49).
     */
    if ((buf[0] == WRITE_SAME_10 || buf[0] == WRITE_SAME_16) &&
        (buf[1] & 0xe8)) {
        return sraid_ld_sense_req(d, tag, lun, hba_private,
                                  SENSE_CODE(INVALID_FIELD));
    }
    if (sraid_is_report_opcodes(buf, 12)) {
        return sraid_ld_report_opcodes_alloc(d, tag, lun, hba_private);
    }
    req = sraid_ld_parent_alloc_req(d, tag, lun, buf, hba_private);
    if (buf[0] == INQUIRY || buf[0] == MODE_SENSE || buf[0] == MODE_SENSE_10) {
        sraid_ld_patch_emulated(req);
    }
    return req;
}

/*
 * QEMU's generic CDB parser does not know COMPARE AND WRITE: its data-out
 * is twice NUMBER OF LOGICAL BLOCKS blocks (verify data, then write data);
 * nor ORWRITE (16), whose TRANSFER LENGTH is in blocks.  A command we do
 * not implement moves no data (sraid_ld_alloc_req refuses it first), so it
 * announces none, whatever its CDB would parse as.
 *
 * The length and direction of every other command come from the CDB too,
 * never from the HBA (scsi_bus_parse_cdb() asks the HBA, which is for
 * passthrough: virtio-scsi would answer with the guest's buffers, and a
 * READ sent without a data buffer would reach scsi-disk as a zero-length
 * transfer of 256 blocks and abort QEMU).  The HBA compares the two and
 * fails a mismatch itself.
 */
static int sraid_ld_parse_cdb(SCSIDevice *d, SCSICommand *cmd, uint8_t *buf,
                              size_t buf_len, void *hba_private)
{
    int ret = scsi_req_parse_cdb(d, cmd, buf, buf_len);

    if (ret == 0 && !sraid_opcode_listed(&sraid_ld_opcodes, buf[0])) {
        cmd->xfer = 0;
        cmd->mode = SCSI_XFER_NONE;
    }
    if (ret == 0 && buf[0] == COMPARE_AND_WRITE) {
        cmd->xfer = 2 * (size_t)buf[13] * d->blocksize;
        cmd->mode = cmd->xfer ? SCSI_XFER_TO_DEV : SCSI_XFER_NONE;
    }
    if (ret == 0 && buf[0] == SRAID_OP_ORWRITE_16) {
        cmd->xfer = (size_t)ldl_be_p(buf + 10) * d->blocksize;
        cmd->mode = cmd->xfer ? SCSI_XFER_TO_DEV : SCSI_XFER_NONE;
    }
    return ret;
}

/* Whole stripes, at least 1 MiB */
static uint32_t sraid_ld_opt_io_bytes(const SraidGeometry *g)
{
    uint32_t stripe = g->strip_sectors * SRAID_SECTOR * MAX(g->data_strips, 1);

    return DIV_ROUND_UP(1 * MiB, stripe) * stripe;
}

/*
 * A SCSI device of logical drive @u at @id/@lun of @bus.  The guest's HBA
 * and the iSCSI portals each get one, on the same block node: share-rw,
 * since both write it and the RAID engine below orders their writes.
 */
DeviceState *sraid_ld_device_new(SraidLdUnit *u, SCSIBus *bus,
                                 uint32_t channel, uint32_t id, uint32_t lun,
                                 Error **errp)
{
    SraidCtrl *s = u->ctrl;
    const SraidCodLd *l = &s->cod.lds[u->index];
    DeviceState *dev = qdev_new(TYPE_SRAID_LD);
    Object *obj = OBJECT(dev);

    qdev_prop_set_uint32(dev, "channel", channel);
    qdev_prop_set_uint32(dev, "scsi-id", id);
    qdev_prop_set_uint32(dev, "lun", lun);
    qdev_prop_set_string(dev, "vendor", s->vendor);
    qdev_prop_set_string(dev, "product", s->product);
    qdev_prop_set_string(dev, "ver", SRAID_FIRMWARE_REVISION);
    qdev_prop_set_string(dev, "serial", l->serial);
    qdev_prop_set_uint64(dev, "wwn", l->naa);
    qdev_prop_set_bit(dev, "share-rw", true);
    /*
     * SPC-4 (INQUIRY VERSION 6; the version descriptors are added by
     * sraid_ld_patch_inquiry).  DPO and FUA are honoured (scsi-disk
     * flushes after a FUA write; there is no cache DPO would spare), so
     * MODE SENSE says DPOFUA instead of refusing nothing it claims not to
     * support.
     */
    qdev_prop_set_int32(dev, "scsi_version", 6);
    qdev_prop_set_bit(dev, "dpofua", true);
    /* no thin provisioning: parity would not survive a discard */
    qdev_prop_set_uint32(dev, "discard_granularity", 0);
    /*
     * VPD B0h: write whole strips, ideally whole stripes (no RMW).  The
     * optimal transfer length is whole stripes of at least 1 MiB, not one
     * stripe: Linux caps its request size at it (max_sectors_kb), and one
     * 64 KiB stripe of a RAID 1 would cut every sequential transfer into
     * 64 KiB requests (bench/ measured 0.44x the plain disk that way).
     */
    qdev_prop_set_uint32(dev, "min_io_size",
                         u->ld.g.strip_sectors * SRAID_SECTOR);
    qdev_prop_set_uint32(dev, "opt_io_size",
                         sraid_ld_opt_io_bytes(&u->ld.g));
    if (!object_property_set_str(obj, "write-cache",
                                 s->write_cache ? "on" : "off", errp) ||
        !object_property_set_str(obj, "drive", u->node_name, errp)) {
        object_unref(obj);
        return NULL;
    }
    g_hash_table_insert(sraid_ld_units, dev, u);
    if (!qdev_realize_and_unref(dev, &bus->qbus, errp)) {
        g_hash_table_remove(sraid_ld_units, dev);
        return NULL;
    }
    return dev;
}

bool sraid_ld_device_create(SraidLdUnit *u, Error **errp)
{
    SraidCtrl *s = u->ctrl;
    SCSIDevice *cd = SCSI_DEVICE(s);
    SCSIBus *bus = scsi_bus_from_device(cd);
    const SraidCodLd *l = &s->cod.lds[u->index];
    uint32_t base = s->ld_scsi_id == SRAID_LD_SCSI_ID_AUTO ? cd->id + 1
                                                           : s->ld_scsi_id;
    uint32_t id = base + l->id;     /* the id, not the index: stable */
    SCSIDevice *other;

    if (id > bus->info->max_target) {
        error_setg(errp, "sraid-ctrl node %u: logical drive %u would sit at"
                   " scsi-id %u, beyond the HBA's last target %u; set the"
                   " controller's ld-scsi-id lower", s->node_id, l->id, id,
                   bus->info->max_target);
        return false;
    }
    other = scsi_device_find(bus, cd->channel, id, 0);
    if (other && other->id == id) {
        error_setg(errp, "sraid-ctrl node %u: logical drive %u needs"
                   " scsi-id %u, which device '%s' already uses; set the"
                   " controller's ld-scsi-id to a free range", s->node_id,
                   l->id, id, object_get_typename(OBJECT(other)));
        return false;
    }
    u->dev = sraid_ld_device_new(u, bus, cd->channel, id, 0, errp);
    if (!u->dev) {
        return false;
    }
    /* the device's BlockBackend owns the node from now on */
    bdrv_unref(u->bs);
    u->bs_owned = false;
    trace_sraid_ld_device(s->node_id, l->id, id, u->node_name);
    return sraid_iscsi_ld_attach(u, errp);
}

static DeviceUnrealize sraid_ld_parent_unrealize;
static void (*sraid_ld_parent_reset)(DeviceState *dev);

/*
 * The device's reset releases the SPC-2 reservation (SPC-2 5.5.1), on
 * every node of the cluster (sraid-ld-resv2.c).  The
 * iSCSI twin is reset only by LUN RESET and target resets through the
 * portals (sraid-iscsi-lun.c): released whoever holds it.  The guest's
 * device by the guest HBA's resets (virtio-scsi's LOGICAL UNIT RESET, a
 * bus reset, SeaBIOS at boot, a system reset), which do not reach the
 * iSCSI twins either (sraid-ctrl.c): released only when the guest path
 * holds it, so a guest's reboot does not take an external initiator's
 * reservation away.
 */
static void sraid_ld_reset(DeviceState *dev)
{
    SraidLdUnit *u = g_hash_table_lookup(sraid_ld_units, dev);

    if (u && dev != u->dev) {
        sraid_ld_resv2_reset(u);
    } else if (u) {
        sraid_ld_resv2_guest_reset(u);
    }
    sraid_ld_parent_reset(dev);
}

static void sraid_ld_unrealize(DeviceState *dev)
{
    g_hash_table_remove(sraid_ld_units, dev);
    sraid_ld_parent_unrealize(dev);
}

static void sraid_ld_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    SCSIDeviceClass *sc = SCSI_DEVICE_CLASS(klass);

    sraid_ld_parent_alloc_req = sc->alloc_req;
    sc->alloc_req = sraid_ld_alloc_req;
    sc->parse_cdb = sraid_ld_parse_cdb;
    sraid_ld_units = g_hash_table_new(NULL, NULL);
    dc->desc = "logical drive of an sraid-ctrl (created by the controller)";
    /* created by sraid-ctrl from the configuration on disk, never by -device */
    dc->user_creatable = false;
    device_class_set_parent_unrealize(dc, sraid_ld_unrealize,
                                      &sraid_ld_parent_unrealize);
    sraid_ld_parent_reset = dc->legacy_reset;
    device_class_set_legacy_reset(dc, sraid_ld_reset);
}

static const TypeInfo sraid_ld_info = {
    .name   = TYPE_SRAID_LD,
    .parent = "scsi-hd",
    .class_init = sraid_ld_class_init,
};

static void sraid_ld_register_types(void)
{
    type_register_static(&sraid_ld_info);
}

type_init(sraid_ld_register_types)
