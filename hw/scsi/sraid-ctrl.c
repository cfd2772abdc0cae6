/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ctrl: QEMU glue of the sraid clustered RAID controller.
 *
 * This file only adapts QEMU's SCSI and qdev interfaces to the firmware core
 * in hw/scsi/sraid/, which holds the behaviour and is tested outside QEMU.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "hw/qdev-properties.h"
#include "hw/resettable.h"
#include "hw/qdev-properties-system.h"
#include "hw/hotplug.h"
#include "hw/scsi/scsi.h"
#include "hw/scsi/sraid-ctrl.h"
#include "sraid-glue.h"
#include "block/block-io.h"
#include "migration/blocker.h"
#include "qemu/error-report.h"
#include "system/system.h"
#include "scsi/constants.h"
#include "system/block-backend.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/core-error.h"
#include "sraid/ctrl-lun.h"
#include "sraid/opcode-report.h"
#include "sraid/version.h"

typedef struct SraidCtrlReq {
    SCSIRequest req;
    SraidScsiResult res;
    size_t data_left;
    /* a 20h command's parameter list (sraid_vendor_cdb_transfer) */
    uint8_t *out;
    uint32_t out_len;
    bool have_data;
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
} SraidCtrlReq;

/*
 * Default identifiers, unique per node id: NAA 3h (locally assigned) with
 * "SRAIDC" in ASCII and the node id in the low 12 bits.
 */
#define SRAID_CTRL_WWN_BASE     0x3535241494443000ULL

static void sraid_ctrl_req_sense(SCSIRequest *req, const SraidScsiResult *res)
{
    SraidCtrl *s = SRAID_CTRL(req->dev);

    trace_sraid_ctrl_check_condition(s->node_id, res->sense[2] & 0xf,
                                     res->sense[12], res->sense[13]);
    memcpy(req->sense, res->sense, res->sense_len);
    req->sense_len = res->sense_len;
    scsi_req_complete(req, res->status);
}

/* The command, with its parameter list if it has one, through the core */
static int32_t sraid_ctrl_execute(SraidCtrlReq *r)
{
    SCSIRequest *req = &r->req;
    SraidCtrl *s = SRAID_CTRL(req->dev);
    /* the guest path: this node's host (guest management allowed) */
    SraidVendorNexus nx = { .source = SRAID_VENDOR_FROM_HOST,
                            .lun = req->lun };
    const uint8_t *buf = req->cmd.buf;

    s->mgmt_req = req;
    sraid_ctrl_lun_execute_nexus(&s->lun, &nx, buf, req->cmd.len, r->out,
                                 r->out_len, r->buf, sizeof(r->buf),
                                 &r->res);
    s->mgmt_req = NULL;
    trace_sraid_ctrl_command(s->node_id, req->tag, buf[0],
                             req->cmd.len > 1 ? buf[1] : 0,
                             req->cmd.len > 2 ? buf[2] : 0,
                             r->res.status, r->res.data_len);
    if (r->res.pending) {
        /* a management write: sraid_ctrl_mgmt_complete() ends it */
        return 0;
    }
    if (r->res.status != GOOD) {
        sraid_ctrl_req_sense(req, &r->res);
        return 0;
    }
    return sraid_req_data_in(req, r->buf, sizeof(r->buf), r->res.data_len,
                             &r->data_left);
}

static int32_t sraid_ctrl_send_command(SCSIRequest *req, uint8_t *buf)
{
    SraidCtrlReq *r = DO_UPCAST(SraidCtrlReq, req, req);

    /* a parameter list the CDB announces comes first (parse_cdb said so) */
    if (req->cmd.mode == SCSI_XFER_TO_DEV && req->cmd.xfer) {
        r->out_len = req->cmd.xfer;
        r->out = g_malloc0(r->out_len);
        return -(int32_t)r->out_len;
    }
    return sraid_ctrl_execute(r);
}

static void sraid_ctrl_write_data(SCSIRequest *req)
{
    SraidCtrlReq *r = DO_UPCAST(SraidCtrlReq, req, req);

    if (sraid_req_data_out_all(req, &r->have_data, r->out_len)) {
        /* commands with a parameter list have no data-in */
        if (sraid_ctrl_execute(r) > 0) {
            scsi_req_complete(req, GOOD);
        }
    }
}

void sraid_ctrl_mgmt_complete(SCSIRequest *req, const SraidMgmtAnswer *a)
{
    SraidScsiResult res;

    sraid_mgmt_answer(a, &res);
    /* aborted meanwhile: scsi-bus already ended it */
    if (!req->io_canceled) {
        if (res.status != GOOD) {
            sraid_ctrl_req_sense(req, &res);
        } else {
            scsi_req_complete(req, GOOD);
        }
    }
    scsi_req_unref(req);
}

/*
 * The 20h commands carry their transfer length in bytes 7-8 least
 * significant byte first (seed 003 Table 4), and QEMU's generic parser
 * would read it big-endian and take an unknown opcode for data-in.  A CDB
 * the core refuses moves no data, nor does a command the controller unit
 * does not implement (whatever its CDB would parse as: virtio-scsi fails a
 * request whose buffers disagree with a parsed data phase, and the guest
 * would see a host error instead of INVALID COMMAND OPERATION CODE).
 */
static int sraid_ctrl_parse_cdb(SCSIDevice *d, SCSICommand *cmd,
                                uint8_t *buf, size_t buf_len,
                                void *hba_private)
{
    int ret = scsi_req_parse_cdb(d, cmd, buf, buf_len);
    SraidVendorDir dir;
    uint32_t len;

    if (ret == 0 && !sraid_opcode_listed(&sraid_ctrl_lun_opcodes, buf[0])) {
        cmd->xfer = 0;
        cmd->mode = SCSI_XFER_NONE;
    }

    if (ret == 0 && buf[0] == SRAID_OP_VENDOR_20) {
        if (!sraid_vendor_cdb_transfer(buf, cmd->len, &dir, &len)) {
            dir = SRAID_VENDOR_DIR_NONE;
            len = 0;
        }
        cmd->xfer = dir == SRAID_VENDOR_DIR_NONE ? 0 : len;
        cmd->mode = !cmd->xfer ? SCSI_XFER_NONE
                  : dir == SRAID_VENDOR_DIR_OUT ? SCSI_XFER_TO_DEV
                  : SCSI_XFER_FROM_DEV;
    }
    return ret;
}

int32_t sraid_req_data_in(SCSIRequest *req, uint8_t *buf, size_t buf_size,
                          size_t len, size_t *data_left)
{
    if (len == 0) {
        scsi_req_complete(req, GOOD);
        return 0;
    }
    /*
     * Transfer the whole allocation length, zero padded, as scsi-disk does:
     * pvscsi turns any residual into BTSTAT_DATARUN, which Linux's driver
     * treats as a failed command.  The length fields inside the data still
     * tell the initiator how much is valid.
     */
    *data_left = MAX(MIN(req->cmd.xfer, buf_size), len);
    memset(buf + len, 0, buf_size - len);
    return *data_left;
}

void sraid_req_read_data(SCSIRequest *req, size_t *data_left)
{
    size_t n = *data_left;

    if (n == 0) {
        scsi_req_complete(req, GOOD);
        return;
    }
    *data_left = 0;
    scsi_req_data(req, n);
}

static void sraid_ctrl_read_data(SCSIRequest *req)
{
    sraid_req_read_data(req, &DO_UPCAST(SraidCtrlReq, req, req)->data_left);
}

static uint8_t *sraid_ctrl_get_buf(SCSIRequest *req)
{
    SraidCtrlReq *r = DO_UPCAST(SraidCtrlReq, req, req);

    /* a command with a parameter list has no data-in */
    return r->out ? r->out : r->buf;
}

static void sraid_ctrl_free_req(SCSIRequest *req)
{
    g_free(DO_UPCAST(SraidCtrlReq, req, req)->out);
}

static const SCSIReqOps sraid_ctrl_req_ops = {
    .size         = sizeof(SraidCtrlReq),
    .send_command = sraid_ctrl_send_command,
    .read_data    = sraid_ctrl_read_data,
    .write_data   = sraid_ctrl_write_data,
    .get_buf      = sraid_ctrl_get_buf,
    .free_req     = sraid_ctrl_free_req,
};

static SCSIRequest *sraid_ctrl_alloc_req(SCSIDevice *d, uint32_t tag,
                                         uint32_t lun, uint8_t *buf,
                                         void *hba_private)
{
    return scsi_req_alloc(&sraid_ctrl_req_ops, d, tag, lun, hba_private);
}

/*
 * Member drives plug into the controller's bus after it is realized, so
 * the array comes up once the whole command line is: like a real
 * controller's firmware scanning its drives at power-on.  A configuration
 * that cannot be used stops QEMU with a message naming the drive.
 */
static void sraid_ctrl_machine_done(Notifier *n, void *opaque)
{
    SraidCtrl *s = container_of(n, SraidCtrl, machine_done);
    Error *err = NULL;

    if (!sraid_array_start(s, &err) || !sraid_iscsi_start(s, &err)) {
        error_report_err(err);
        exit(1);
    }
    /* on the bus: scan it, elect a master, start up (membership) */
    sraid_cluster_start(s);
}

static void sraid_ctrl_realize(SCSIDevice *sd, Error **errp)
{
    SraidCtrl *s = SRAID_CTRL(sd);
    SraidLunIdentity id;
    g_autoptr(GError) gerr = NULL;

    if (s->node_id >= SRAID_MAX_NODES) {
        error_setg(errp, "node-id %u is out of range: use 0 to %u (the"
                   " controller's SCSI id on the back-end bus)",
                   s->node_id, SRAID_MAX_NODES - 1);
        return;
    }
    if (s->channels < 1 || s->channels > SRAID_MAX_CHANNELS) {
        error_setg(errp, "channels %u is out of range: use 1 to %u",
                   s->channels, SRAID_MAX_CHANNELS);
        return;
    }
    if (!sraid_mgmt_perm_parse(s->guest_management, &s->mgmt_perm)) {
        error_setg(errp, "guest-management '%s' is not valid: use off, read"
                   " or full", s->guest_management);
        return;
    }
    if (s->rebuild_rate < 1 || s->rebuild_rate > 100) {
        error_setg(errp, "rebuild-rate %u is out of range: use 1 to 100 (the"
                   " percentage of time rebuild and consistency checks may"
                   " keep the members busy)", s->rebuild_rate);
        return;
    }
    /* Defaults depend on node-id; store them so qom-get shows them. */
    if (!s->serial) {
        s->serial = g_strdup_printf("SRAIDCTRL-N%02u", s->node_id);
    }
    if (!s->wwn) {
        s->wwn = SRAID_CTRL_WWN_BASE | s->node_id;
    }
    if (!sraid_lun_identity_set(&id, TYPE_STORAGE_ARRAY, s->vendor,
                                s->product, SRAID_FIRMWARE_REVISION,
                                s->serial, s->wwn, &gerr)) {
        error_setg(errp, "%s", gerr->message);
        return;
    }

    /*
     * The bus layer drains and releases conf.blk of every SCSI device, so
     * even this device without a medium needs an (empty) BlockBackend.
     */
    sd->conf.blk = blk_new(qemu_get_aio_context(), 0, BLK_PERM_ALL);
    sd->type = TYPE_STORAGE_ARRAY;

    error_setg(&s->migration_blocker, "%s does not support migration yet:"
               " its cluster state lives outside the guest", TYPE_SRAID_CTRL);
    if (migrate_add_blocker(&s->migration_blocker, errp) < 0) {
        return;
    }

    sraid_ctrl_lun_init(&s->lun, &id);
    if (!sraid_cluster_realize(s, errp)) {
        migrate_del_blocker(&s->migration_blocker);
        return;
    }
    /* before the logical drives, whose reservations it keeps */
    sraid_pr_host_init(s);
    /*
     * On a bus, membership receives the node-to-node commands; alone,
     * commands that need a cluster answer NOT READY.
     */
    if (s->membership) {
        sraid_ctrl_lun_attach_node(&s->lun, s->node_id,
                                   &sraid_cluster_vendor_ops, s);
    } else {
        sraid_ctrl_lun_attach_node(&s->lun, s->node_id, NULL, NULL);
    }
    /* what sraidctl in the guest may see and change */
    sraid_mgmt_init(&s->lun.node.mgmt, s->mgmt_perm, &sraid_mgmt_glue_ops, s);
    qbus_init(&s->drive_bus, sizeof(s->drive_bus), TYPE_SRAID_DRIVE_BUS,
              DEVICE(s), NULL);
    /* drives can be pulled and inserted while the VM runs */
    qbus_set_hotplug_handler(BUS(&s->drive_bus), OBJECT(s));
    /* after the drive bus, which users address as <id>.0 */
    sraid_iscsi_bus_init(s);
    s->machine_done.notify = sraid_ctrl_machine_done;
    qemu_add_machine_init_done_notifier(&s->machine_done);
    trace_sraid_ctrl_realize(s->node_id, s->channels);
}

static void sraid_ctrl_unrealize(SCSIDevice *sd)
{
    SraidCtrl *s = SRAID_CTRL(sd);

    trace_sraid_ctrl_unrealize(s->node_id);
    qemu_remove_machine_init_done_notifier(&s->machine_done);
    sraid_cluster_stop(s);
    sraid_ld_resv2_free(s);
    sraid_iscsi_stop(s);
    sraid_array_stop(s);
    sraid_pr_host_cleanup(s);
    sraid_iscsi_bus_cleanup(s);
    migrate_del_blocker(&s->migration_blocker);
}

static void sraid_ctrl_finalize(Object *obj)
{
    SCSIDevice *sd = SCSI_DEVICE(obj);

    /* After scsi_qdev_unrealize(), which still uses conf.blk. */
    if (sd->conf.blk) {
        blk_unref(sd->conf.blk);
        sd->conf.blk = NULL;
    }
}

/*
 * Reset: cancel outstanding commands and establish the unit attention
 * POWER ON, RESET, OR BUS DEVICE RESET OCCURRED (SAM-5 5.14, SPC-4 5.12)
 * that every initiator sees on its next command.
 */
static void sraid_ctrl_reset(DeviceState *dev)
{
    SraidCtrl *s = SRAID_CTRL(dev);

    scsi_device_purge_requests(SCSI_DEVICE(dev), SENSE_CODE(RESET));
    trace_sraid_ctrl_reset(s->node_id);
}

static const Property sraid_ctrl_properties[] = {
    DEFINE_PROP_UINT8("node-id", SraidCtrl, node_id, 7),
    DEFINE_PROP_UINT8("channels", SraidCtrl, channels, 2),
    DEFINE_PROP_STRING("vendor", SraidCtrl, vendor),
    DEFINE_PROP_STRING("product", SraidCtrl, product),
    DEFINE_PROP_STRING("serial", SraidCtrl, serial),
    DEFINE_PROP_UINT64("wwn", SraidCtrl, wwn, 0),
    DEFINE_PROP_UINT32("ld-scsi-id", SraidCtrl, ld_scsi_id,
                       SRAID_LD_SCSI_ID_AUTO),
    DEFINE_PROP_BOOL("write-cache", SraidCtrl, write_cache, false),
    DEFINE_PROP_UINT8("rebuild-rate", SraidCtrl, rebuild_rate, 30),
    /* the virtual shared SCSI bus: iSCSI portals, off unless a port is set */
    DEFINE_PROP_UINT16("iscsi-port", SraidCtrl, iscsi_port, 0),
    DEFINE_PROP_STRING("iscsi-addr", SraidCtrl, iscsi_addr),
    DEFINE_PROP_STRING("iscsi-initiators", SraidCtrl, iscsi_initiators),
    DEFINE_PROP_STRING("portals", SraidCtrl, portal_map),
    DEFINE_PROP_STRING("cluster", SraidCtrl, cluster),
    DEFINE_PROP_STRING("iqn-prefix", SraidCtrl, iqn_prefix),
    DEFINE_PROP_STRING("chap-user", SraidCtrl, chap_user),
    DEFINE_PROP_STRING("chap-secret", SraidCtrl, chap_secret),
    DEFINE_PROP_UINT32("scan-interval", SraidCtrl, scan_interval, 2000),
    /* cluster membership (docs/membership.md), on a bus only */
    DEFINE_PROP_UINT32("heartbeat-interval", SraidCtrl, heartbeat_ms,
                       SRAID_MEMBER_HEARTBEAT_MS_DEFAULT),
    DEFINE_PROP_UINT32("heartbeat-misses", SraidCtrl, heartbeat_misses,
                       SRAID_MEMBER_HEARTBEAT_MISSES_DEFAULT),
    DEFINE_PROP_UINT32("monitor-period", SraidCtrl, monitor_ms,
                       SRAID_MEMBER_MONITOR_MS_DEFAULT),
    DEFINE_PROP_UINT32("negotiation-timeout", SraidCtrl, negotiation_ms,
                       SRAID_MEMBER_NEGOTIATION_MS_DEFAULT),
    DEFINE_PROP_STRING("nvram", SraidCtrl, nvram),
    /* guest management over SG_IO (docs/sraidctl.md): off, read, full */
    DEFINE_PROP_STRING("guest-management", SraidCtrl, guest_management),
};

static void sraid_ctrl_instance_init(Object *obj)
{
    SraidCtrl *s = SRAID_CTRL(obj);

    /* String properties cannot have static defaults: set them here. */
    s->vendor = g_strdup(SRAID_VENDOR);
    s->product = g_strdup(SRAID_CTRL_PRODUCT);
    /* portals on loopback unless the user opens them to a network */
    s->iscsi_addr = g_strdup("127.0.0.1");
    s->cluster = g_strdup("sraid");
    /* docs/iscsi-bus.md: the naming authority of sraid's iSCSI names */
    s->iqn_prefix = g_strdup("iqn.2026-11.org.sraid");
    /*
     * The guest sees the array but changes nothing unless the host says
     * so: one guest's sraidctl would change the configuration every node
     * of the cluster serves.
     */
    s->guest_management = g_strdup("read");
    /* no consistency check asked for, array or not */
    s->bg.scrub_pending = -1;
}

/* device_add of an sraid-drive, after its realize */
static void sraid_ctrl_drive_plug(HotplugHandler *hotplug_dev,
                                  DeviceState *dev, Error **errp)
{
    if (dev->hotplugged) {
        sraid_array_drive_inserted(SRAID_CTRL(hotplug_dev), SRAID_DRIVE(dev));
    }
}

/* device_del of an sraid-drive */
static void sraid_ctrl_drive_unplug(HotplugHandler *hotplug_dev,
                                    DeviceState *dev, Error **errp)
{
    sraid_array_drive_removed(SRAID_CTRL(hotplug_dev), SRAID_DRIVE(dev));
    qdev_unrealize(dev);
}

/*
 * What a reset of the controller reaches: its buses, but not the private
 * one of the logical drives' iSCSI twins (sraid-iscsi-lun.c).  Those serve
 * external initiators: the guest's HBA resetting (SeaBIOS does at boot, a
 * guest driver on load) or the guest rebooting must not abort their
 * commands and hand them a unit attention; only their own task management
 * resets the twins.
 */
static void sraid_ctrl_reset_child_foreach(Object *obj,
                                           ResettableChildCallback cb,
                                           void *opaque, ResetType type)
{
    SraidCtrl *s = SRAID_CTRL(obj);
    BusState *bus;

    QLIST_FOREACH(bus, &DEVICE(obj)->child_bus, sibling) {
        if (bus != BUS(&s->iscsi.bus)) {
            cb(OBJECT(bus), opaque, type);
        }
    }
}

static void sraid_ctrl_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    SCSIDeviceClass *sc = SCSI_DEVICE_CLASS(klass);
    HotplugHandlerClass *hc = HOTPLUG_HANDLER_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    sc->realize = sraid_ctrl_realize;
    sc->unrealize = sraid_ctrl_unrealize;
    sc->alloc_req = sraid_ctrl_alloc_req;
    sc->parse_cdb = sraid_ctrl_parse_cdb;
    dc->desc = "sraid clustered RAID controller";
    dc->fw_name = "storage";
    /* the array comes up at machine start (sraid_ctrl_machine_done) */
    dc->hotpluggable = false;
    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    device_class_set_legacy_reset(dc, sraid_ctrl_reset);
    device_class_set_props(dc, sraid_ctrl_properties);
    dc->vmsd = &vmstate_scsi_device;
    hc->plug = sraid_ctrl_drive_plug;
    hc->unplug = sraid_ctrl_drive_unplug;
    rc->child_foreach = sraid_ctrl_reset_child_foreach;
}

/* Member drives */

static SraidCtrl *sraid_drive_ctrl(SraidDrive *d)
{
    return SRAID_CTRL(qdev_get_parent_bus(DEVICE(d))->parent);
}

/*
 * Image formats keep metadata that two QEMU processes would corrupt when
 * both write: members must be raw storage so every node can open them.
 */
static bool sraid_drive_format_shareable(const char *fmt)
{
    static const char *const ok[] = {
        "raw", "file", "host_device", "iscsi", "nbd", "null-co", "null-aio",
        "blkdebug",
    };

    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        if (!strcmp(fmt, ok[i])) {
            return true;
        }
    }
    return false;
}

/* -drive id, or -blockdev node name: what the user typed after drive= */
const char *sraid_drive_name(SraidDrive *d)
{
    const char *name = blk_name(d->conf.blk);

    if (!*name && blk_bs(d->conf.blk)) {
        name = bdrv_get_node_name(blk_bs(d->conf.blk));
    }
    return name;
}

static void sraid_drive_realize(DeviceState *dev, Error **errp)
{
    SraidDrive *d = SRAID_DRIVE(dev);
    SraidCtrl *s = sraid_drive_ctrl(d);
    BlockBackend *blk = d->conf.blk;
    const char *name;
    const char *fmt;
    int64_t size;

    if (!blk || !blk_bs(blk)) {
        error_setg(errp, "sraid-drive needs a drive: add drive=<id> of a"
                   " -blockdev or -drive if=none");
        return;
    }
    name = sraid_drive_name(d);
    fmt = bdrv_get_format_name(blk_bs(blk));
    if (!fmt || !sraid_drive_format_shareable(fmt)) {
        error_setg(errp, "drive '%s': format %s cannot be shared by the"
                   " cluster's QEMU processes; use a raw image or device",
                   name, fmt ? fmt : "(none)");
        return;
    }
    if (d->channel >= s->channels) {
        error_setg(errp, "drive '%s': channel %u does not exist (the"
                   " controller has channels 0 to %u)", name, d->channel,
                   s->channels - 1);
        return;
    }
    if (d->target >= SRAID_MAX_NODES) {
        error_setg(errp, "drive '%s': target %u is out of range: use 0 to %u",
                   name, d->target, SRAID_MAX_NODES - 1);
        return;
    }
    if (d->target == s->node_id) {
        error_setg(errp, "drive '%s': target %u is the controller's own"
                   " node-id on the back-end bus; choose another target",
                   name, d->target);
        return;
    }
    if (s->drives[d->channel][d->target]) {
        error_setg(errp, "drive '%s': channel %u target %u is already taken"
                   " by drive '%s'", name, d->channel, d->target,
                   sraid_drive_name(s->drives[d->channel][d->target]));
        return;
    }

    /*
     * Every node of the cluster opens the same members read-write, so share
     * writes with other users (other QEMU processes included).
     */
    if (blk_set_perm(blk, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE,
                     BLK_PERM_ALL & ~BLK_PERM_RESIZE, errp) < 0) {
        error_prepend(errp, "drive '%s': ", name);
        return;
    }
    size = blk_getlength(blk);
    if (size < 0) {
        error_setg_errno(errp, -size, "drive '%s': cannot read its size",
                         name);
        return;
    }
    s->drives[d->channel][d->target] = d;
    /* plugged in behind a cut cable: unreachable like its neighbours */
    d->cable_cut = s->cables_cut & (1u << d->channel);
    trace_sraid_drive_attach(s->node_id, d->channel, d->target, name, size);
}

static void sraid_drive_unrealize(DeviceState *dev)
{
    SraidDrive *d = SRAID_DRIVE(dev);
    SraidCtrl *s = sraid_drive_ctrl(d);

    if (s->drives[d->channel][d->target] == d) {
        s->drives[d->channel][d->target] = NULL;
        trace_sraid_drive_detach(s->node_id, d->channel, d->target);
    }
}

static const Property sraid_drive_properties[] = {
    DEFINE_PROP_DRIVE("drive", SraidDrive, conf.blk),
    DEFINE_PROP_UINT8("channel", SraidDrive, channel, 0),
    DEFINE_PROP_UINT8("target", SraidDrive, target, 0),
};

static void sraid_drive_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = sraid_drive_realize;
    dc->unrealize = sraid_drive_unrealize;
    dc->bus_type = TYPE_SRAID_DRIVE_BUS;
    dc->desc = "member drive of an sraid-ctrl (channel, target, drive)";
    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    device_class_set_props(dc, sraid_drive_properties);
}

static const TypeInfo sraid_types[] = {
    {
        .name          = TYPE_SRAID_CTRL,
        .parent        = TYPE_SCSI_DEVICE,
        .instance_size = sizeof(SraidCtrl),
        .instance_init = sraid_ctrl_instance_init,
        .instance_finalize = sraid_ctrl_finalize,
        .class_init    = sraid_ctrl_class_init,
        .interfaces    = (InterfaceInfo[]) {
            { TYPE_HOTPLUG_HANDLER },
            { }
        },
    },
    {
        .name          = TYPE_SRAID_DRIVE_BUS,
        .parent        = TYPE_BUS,
        .instance_size = sizeof(SraidDriveBus),
    },
    {
        .name          = TYPE_SRAID_DRIVE,
        .parent        = TYPE_DEVICE,
        .instance_size = sizeof(SraidDrive),
        .class_init    = sraid_drive_class_init,
    },
};

DEFINE_TYPES(sraid_types)
