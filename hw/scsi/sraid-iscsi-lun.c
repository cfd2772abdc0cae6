/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: the logical units behind the controller's iSCSI portals.
 *
 * LUN 0 is the controller itself (the firmware core's controller unit: a
 * peer's INQUIRY, heartbeat and vendor commands land there); LUN n + 1 is
 * logical drive n.  An initiator must see exactly what the guest sees, so
 * each logical drive has a twin sraid-ld device on a private SCSI bus of
 * the controller, on the same block node as the guest's: the same SBC
 * emulation, the same RAID engine and stripe locks.  This file is that
 * bus's "HBA": it turns an iSCSI task into a SCSIRequest and copies data
 * between the task's buffers and the device's (the non-DMA path of
 * scsi-bus.c, as lsi53c895a's script engine uses it).
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/qdev-core.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/cdb.h"
#include "sraid/scsi-proto.h"
#include "sraid/sense.h"
#include "sraid/vendor-exec.h"

/* LUN of logical drive @id, and back */
#define SRAID_ISCSI_LD_LUN(id)      ((uint64_t)(id) + 1)

/* What a running task has moved so far */
typedef struct SraidIscsiLunReq {
    SCSIRequest *req;
    uint32_t done;                  /* data bytes moved */
} SraidIscsiLunReq;

static SraidLdUnit *sraid_iscsi_ld_of_lun(SraidCtrl *s, uint64_t lun)
{
    if (lun == 0 || !s->has_array) {
        return NULL;
    }
    for (unsigned i = 0; i < s->cod.nlds; i++) {
        SraidLdUnit *u = s->lds[i];

        if (u && u->iscsi_dev &&
            SRAID_ISCSI_LD_LUN(s->cod.lds[i].id) == lun) {
            return u;
        }
    }
    return NULL;
}

static bool sraid_iscsi_lun_present(void *opaque, uint64_t lun)
{
    SraidIscsiPortal *p = opaque;

    return p->ctrl && (lun == 0 || sraid_iscsi_ld_of_lun(p->ctrl, lun));
}

static void sraid_iscsi_done_sense(SraidIscsiTask *task,
                                   const SraidSense *sense)
{
    SraidScsiResult r = { .status = SRAID_STATUS_CHECK_CONDITION };

    r.sense_len = sraid_sense_to_fixed(sense, r.sense, sizeof(r.sense));
    sraid_iscsi_task_done(task, &r);
}

/*
 * Unit attentions per I_T nexus.  The twin devices are one SCSIDevice for
 * all initiators, and a SCSIDevice holds one unit attention, which the
 * first initiator to come takes.  After a reset every I_T nexus must
 * see its own (SAM-5 6.3.2, 6.3.3; libiscsi's MultipathIO.Reset checks
 * each path), so they are kept here, by nexus and LUN.
 */

/* More than this many unreported: forget them all (nexuses long gone) */
#define SRAID_ISCSI_UA_MAX  4096

static char *sraid_iscsi_ua_key(unsigned channel, SraidIscsiConn *conn,
                                uint64_t lun)
{
    const uint8_t *isid = sraid_iscsi_conn_isid(conn);

    return g_strdup_printf("%u/%s/%02x%02x%02x%02x%02x%02x/%" PRIu64,
                           channel, sraid_iscsi_conn_initiator(conn),
                           isid[0], isid[1], isid[2], isid[3], isid[4],
                           isid[5], lun);
}

typedef struct SraidIscsiUaSet {
    SraidCtrl *ctrl;
    unsigned channel;
    uint64_t lun;                   /* or SRAID_ISCSI_ALL_LUNS */
    SraidSense sense;
} SraidIscsiUaSet;

static void sraid_iscsi_ua_set_nexus(SraidIscsiConn *conn, void *opaque)
{
    SraidIscsiUaSet *ua = opaque;
    SraidCtrl *s = ua->ctrl;

    for (unsigned i = 0; s->has_array && i < s->cod.nlds; i++) {
        uint64_t lun = SRAID_ISCSI_LD_LUN(s->cod.lds[i].id);

        if (s->lds[i] && s->lds[i]->iscsi_dev &&
            (ua->lun == SRAID_ISCSI_ALL_LUNS || ua->lun == lun)) {
            g_hash_table_insert(s->iscsi.ua,
                                sraid_iscsi_ua_key(ua->channel, conn, lun),
                                g_memdup2(&ua->sense, sizeof(ua->sense)));
        }
    }
}

/* A unit attention for every I_T nexus of every portal, on @lun or all */
static void sraid_iscsi_ua_set(SraidCtrl *s, uint64_t lun,
                               const SraidSense *sense)
{
    SraidIscsiPortals *set = s->iscsi.portals;
    SraidIscsiUaSet ua = { .ctrl = s, .lun = lun, .sense = *sense };

    if (g_hash_table_size(s->iscsi.ua) > SRAID_ISCSI_UA_MAX) {
        g_hash_table_remove_all(s->iscsi.ua);
    }
    for (unsigned ch = 0; set && ch < set->n; ch++) {
        ua.channel = set->p[ch].channel;
        sraid_iscsi_target_foreach_nexus(set->p[ch].target,
                                         sraid_iscsi_ua_set_nexus, &ua);
    }
}

/*
 * The I_T nexus of @conn on node @node: its initiator port through the
 * portal group, whose relative target port identifier is unique in the
 * cluster (SRAID_PR_RTPI_ISCSI): the cluster is one SCSI target device.
 */
static bool sraid_iscsi_conn_pr_nexus(unsigned node, SraidIscsiConn *conn,
                                      SraidPrNexus *nx)
{
    const uint8_t *isid = sraid_iscsi_conn_isid(conn);
    uint64_t id = 0;

    for (unsigned i = 0; i < 6; i++) {
        id = id << 8 | isid[i];
    }
    return sraid_pr_nexus_iscsi(nx, sraid_iscsi_conn_initiator(conn), id,
                                SRAID_PR_RTPI_ISCSI(node,
                                    sraid_iscsi_conn_tpgt(conn) - 1));
}

bool sraid_iscsi_pr_nexus(SraidCtrl *s, void *hba_private, SraidPrNexus *nx)
{
    SraidIscsiTask *task = hba_private;

    return task && task->conn &&
           sraid_iscsi_conn_pr_nexus(s->node_id, task->conn, nx);
}

typedef struct SraidIscsiPrUa {
    SraidIscsiUaSet set;
    const SraidPrEffect *e;
} SraidIscsiPrUa;

static void sraid_iscsi_pr_ua_nexus(SraidIscsiConn *conn, void *opaque)
{
    SraidIscsiPrUa *ua = opaque;
    SraidPrNexus nx;

    if (sraid_iscsi_conn_pr_nexus(ua->set.ctrl->node_id, conn, &nx) &&
        sraid_pr_effect_names(ua->e, &nx)) {
        sraid_iscsi_ua_set_nexus(conn, &ua->set);
    }
}

/*
 * SPC-4 5.7.11: a persistent reservation's unit attention for the
 * sessions (I_T nexuses) @e names, on @u's LUN: those logged in now.
 */
void sraid_iscsi_pr_ua(SraidLdUnit *u, const SraidPrEffect *e)
{
    SraidCtrl *s = u->ctrl;
    SraidIscsiPortals *set = s->iscsi.portals;
    SraidIscsiPrUa ua = {
        .set = {
            .ctrl = s,
            .lun = SRAID_ISCSI_LD_LUN(s->cod.lds[u->index].id),
            .sense = { SRAID_SENSE_UNIT_ATTENTION, e->asc, e->ascq },
        },
        .e = e,
    };

    if (!u->iscsi_dev) {
        return;
    }
    if (g_hash_table_size(s->iscsi.ua) > SRAID_ISCSI_UA_MAX) {
        g_hash_table_remove_all(s->iscsi.ua);
    }
    for (unsigned ch = 0; set && ch < set->n; ch++) {
        ua.set.channel = set->p[ch].channel;
        sraid_iscsi_target_foreach_nexus(set->p[ch].target,
                                         sraid_iscsi_pr_ua_nexus, &ua);
    }
}

/*
 * The nexus's unit attention on the task's LUN, if any: CHECK CONDITION
 * instead of the command, or the sense data of a REQUEST SENSE; either
 * clears it.  INQUIRY (and REPORT LUNS, never here) neither report nor
 * clear it (SAM-5 5.14).  True if the task was ended here.
 */
static bool sraid_iscsi_ua_report(SraidIscsiPortal *p, SraidIscsiTask *task)
{
    SraidCtrl *s = p->ctrl;
    g_autofree char *key = NULL;
    SraidSense *sense;
    SraidScsiResult r = { .status = SRAID_STATUS_GOOD };

    if (!task->conn || task->cdb[0] == INQUIRY ||
        !g_hash_table_size(s->iscsi.ua)) {
        return false;
    }
    key = sraid_iscsi_ua_key(p->channel, task->conn, task->lun);
    sense = g_hash_table_lookup(s->iscsi.ua, key);
    if (!sense) {
        return false;
    }
    if (task->cdb[0] == REQUEST_SENSE) {
        if (task->data_in_cap) {
            r.data_len = sraid_sense_to_fixed(sense, task->data_in,
                                              MIN(task->data_in_cap,
                                                  task->cdb[4]));
        }
        g_hash_table_remove(s->iscsi.ua, key);
        sraid_iscsi_task_done(task, &r);
        return true;
    }
    sraid_iscsi_done_sense(task, sense);
    g_hash_table_remove(s->iscsi.ua, key);
    return true;
}

/* REPORT LUNS (SPC-4 6.33), from any LUN: the controller and its drives */
static void sraid_iscsi_report_luns(SraidCtrl *s, SraidIscsiTask *task)
{
    g_autofree uint8_t *list = g_malloc0(8 + 8 * (SRAID_COD_MAX_LDS + 1));
    uint32_t alloc = sraid_get_be32(&task->cdb[6]);
    SraidScsiResult r = { .status = SRAID_STATUS_GOOD };
    unsigned n = 1;                 /* LUN 0: all zero */

    if (task->cdb[2] > 2) {
        /* SELECT REPORT 00h-02h; the well-known LUN reports are absent */
        sraid_iscsi_done_sense(task, &sraid_sense_invalid_field);
        return;
    }
    if (task->cdb[2] != 1) {        /* 01h: well-known LUNs only: none */
        for (unsigned i = 0; s->has_array && i < s->cod.nlds; i++) {
            uint64_t lun = SRAID_ISCSI_LD_LUN(s->cod.lds[i].id);

            if (s->lds[i] && s->lds[i]->iscsi_dev) {
                /* peripheral device addressing, SAM-5 4.6.6 */
                list[8 + 8 * n] = lun >> 8;
                list[8 + 8 * n + 1] = lun;
                n++;
            }
        }
    } else {
        n = 0;
    }
    sraid_put_be32(list, 8 * n);
    /* cut at the allocation length; beyond EDTL the core counts overflow */
    r.data_len = MIN(8 + 8 * n, alloc);
    memcpy(task->data_in, list, MIN(r.data_len, task->data_in_cap));
    sraid_iscsi_task_done(task, &r);
}

/*
 * Who is on the other end: a peer controller logs in under its own node
 * name (sraid_iscsi_target_name), anyone else is an external initiator of
 * the SAN.  Only peers may send the node-to-node commands, and only the
 * guest the management commands (docs/vendor-commands.md).
 */
static SraidVendorNexus sraid_iscsi_nexus(SraidIscsiPortal *p,
                                          SraidIscsiTask *task)
{
    SraidCtrl *s = p->ctrl;
    const char *name = task->conn ? sraid_iscsi_conn_initiator(task->conn)
                                  : NULL;
    SraidVendorNexus nx = {
        .source = SRAID_VENDOR_FROM_SAN,
        .channel = p->channel,
        .lun = task->lun,
    };

    for (unsigned n = 0; name && n < SRAID_MAX_NODES; n++) {
        if (n != s->node_id && !g_strcmp0(name, s->iscsi.node_name[n])) {
            nx.source = SRAID_VENDOR_FROM_PEER;
            nx.node = n;
            break;
        }
    }
    return nx;
}

/* LUN 0: the firmware core's controller unit */
static void sraid_iscsi_ctrl_lun(SraidIscsiPortal *p, SraidIscsiTask *task)
{
    SraidCtrl *s = p->ctrl;
    SraidVendorNexus nx = sraid_iscsi_nexus(p, task);
    size_t len = MAX(task->data_in_cap, SRAID_CTRL_LUN_MAX_DATA_IN);
    g_autofree uint8_t *buf = g_malloc0(len);
    SraidScsiResult r;

    if (nx.source == SRAID_VENDOR_FROM_PEER &&
        (s->links_cut & (1u << nx.node))) {
        /*
         * sraid-set-link: a partition between that peer and this node.
         * Nothing of the command reaches the controller; the peer gets
         * ABORTED COMMAND, LOGICAL UNIT COMMUNICATION FAILURE (0Bh/08h/
         * 00h), so its heartbeat misses, its scan does not find this node
         * and its vendor commands fail, without waiting for timeouts.
         */
        static const SraidSense lost = { SRAID_SENSE_ABORTED_COMMAND, 0x08,
                                         0x00 };

        trace_sraid_iscsi_link_cut(s->node_id, nx.node, task->cdb[0]);
        sraid_iscsi_done_sense(task, &lost);
        return;
    }
    sraid_ctrl_lun_execute_nexus(&s->lun, &nx, task->cdb, sizeof(task->cdb),
                                 task->data_out, task->data_out_len, buf, len,
                                 &r);
    memcpy(task->data_in, buf, MIN(r.data_len, task->data_in_cap));
    sraid_iscsi_task_done(task, &r);
}

/*
 * The request for @task.  The CDB decides how much moves
 * (scsi_req_parse_cdb); the initiator's Expected Data Transfer Length
 * only bounds it.  A write whose CDB asks for less data-out than the
 * initiator sent takes what it needs, and the response reports the rest as
 * residual underflow.  One that asks for more (RFC 7143 11.4.5.2: residual
 * overflow) is cut down to the whole blocks that were sent when it is a
 * WRITE or WRITE AND VERIFY (FCP-4 9.4.2 a), sraid_cdb_truncate_write);
 * any other such command transfers nothing: NULL, answered INVALID FIELD
 * IN COMMAND INFORMATION UNIT (9.4.2 b).  Either way the response carries
 * the overflow: data_out_wanted is what the CDB asked for.
 */
static SCSIRequest *sraid_iscsi_lun_req_new(SraidCtrl *s, SraidLdUnit *u,
                                            SraidIscsiTask *task)
{
    SCSIDevice *d = SCSI_DEVICE(u->iscsi_dev);
    uint32_t sent = task->write ? task->data_out_len : 0;
    SCSIRequest *req = scsi_req_new(d, s->iscsi.next_tag++, d->lun,
                                    task->cdb, sizeof(task->cdb), task);
    uint8_t cdb[sizeof(task->cdb)];

    if (req->cmd.mode != SCSI_XFER_TO_DEV) {
        return req;
    }
    task->data_out_wanted = req->cmd.xfer;
    if (req->cmd.xfer <= sent) {
        return req;
    }
    trace_sraid_iscsi_overflow(s->node_id, task->itt, req->cmd.xfer, sent);
    scsi_req_unref(req);
    memcpy(cdb, task->cdb, sizeof(cdb));
    if (!sraid_cdb_truncate_write(cdb, sent, d->blocksize)) {
        return NULL;
    }
    req = scsi_req_new(d, s->iscsi.next_tag++, d->lun, cdb, sizeof(cdb),
                       task);
    /* cut to what was sent, so no more is asked of transfer_data */
    assert(req->cmd.mode != SCSI_XFER_TO_DEV || req->cmd.xfer <= sent);
    return req;
}

static void sraid_iscsi_lun_submit(void *opaque, SraidIscsiTask *task)
{
    SraidIscsiPortal *p = opaque;
    SraidCtrl *s = p->ctrl;
    SraidLdUnit *u;
    SraidIscsiLunReq *lr;
    SCSIRequest *req;
    int32_t len;

    if (!s) {
        sraid_iscsi_task_done(task, NULL);      /* the controller is gone */
        return;
    }

    trace_sraid_iscsi_cmd(s->node_id, task->lun, task->itt, task->cdb[0],
                          task->expected_len);
    if (task->cdb[0] == REPORT_LUNS) {
        sraid_iscsi_report_luns(s, task);
        return;
    }
    if (task->lun == 0) {
        sraid_iscsi_ctrl_lun(p, task);
        return;
    }
    u = sraid_iscsi_ld_of_lun(s, task->lun);
    if (!u) {
        /* deleted between the core's check and now */
        sraid_iscsi_done_sense(task, &sraid_sense_lun_not_supported);
        return;
    }
    if (sraid_iscsi_ua_report(p, task)) {
        return;
    }
    lr = g_new0(SraidIscsiLunReq, 1);
    task->glue = lr;
    req = sraid_iscsi_lun_req_new(s, u, task);
    if (!req) {
        task->glue = NULL;
        g_free(lr);
        sraid_iscsi_done_sense(task, &sraid_sense_invalid_field_iu);
        return;
    }
    lr->req = req;
    len = scsi_req_enqueue(req);
    if (len) {
        scsi_req_continue(req);
    }
}

/*
 * ABORT TASK, ABORT TASK SET, a logout: the request ends in
 * sraid_iscsi_cancel once its I/O has.  Never scsi_req_cancel here: it
 * waits for the I/O in a nested aio_poll(), and we run in the portal's
 * reader coroutine, so QEMU hung for good on an ABORT TASK of a WRITE in
 * flight (libiscsi's iSCSITMF.AbortTaskSimpleAsync).  The asynchronous
 * cancel is what virtio-scsi uses for its TMFs too.
 */
static void sraid_iscsi_lun_abort(void *opaque, SraidIscsiTask *task)
{
    SraidIscsiLunReq *lr = task->glue;

    if (lr && lr->req->enqueued) {
        scsi_req_cancel_async(lr->req, NULL);
    }
}

/*
 * LUN RESET or target reset through one of our portals: the twin devices
 * reset like a logical unit does (SAM-5 6.3): running commands end with
 * TASK ABORTED, and every I_T nexus of the portals gets a unit attention,
 * BUS DEVICE RESET FUNCTION OCCURRED (29h/03h) for a LUN reset, POWER ON,
 * RESET, OR BUS DEVICE RESET OCCURRED (29h/00h) for a target reset.
 */
static void sraid_iscsi_lun_reset(void *opaque, SraidIscsiConn *conn,
                                  uint64_t lun)
{
    static const SraidSense lu_reset = { SRAID_SENSE_UNIT_ATTENTION, 0x29,
                                         0x03 };
    static const SraidSense reset = { SRAID_SENSE_UNIT_ATTENTION, 0x29,
                                      0x00 };
    SraidIscsiPortal *p = opaque;
    SraidCtrl *s = p->ctrl;

    if (!s) {
        return;
    }
    trace_sraid_iscsi_reset(s->node_id, lun);
    for (unsigned i = 0; s->has_array && i < s->cod.nlds; i++) {
        SraidLdUnit *u = s->lds[i];

        if (u && u->iscsi_dev &&
            (lun == SRAID_ISCSI_ALL_LUNS ||
             lun == SRAID_ISCSI_LD_LUN(s->cod.lds[i].id))) {
            device_cold_reset(u->iscsi_dev);
            /* the device's single one would go to one nexus only */
            SCSI_DEVICE(u->iscsi_dev)->unit_attention = SENSE_CODE(NO_SENSE);
        }
    }
    sraid_iscsi_ua_set(s, lun, lun == SRAID_ISCSI_ALL_LUNS ? &reset
                                                           : &lu_reset);
}

/*
 * A session ended (logout, connection loss, reinstatement): I_T nexus
 * loss, which releases the SPC-2 reservations it holds (SPC-2 5.5.1).
 */
static void sraid_iscsi_lun_nexus_lost(void *opaque, SraidIscsiConn *conn)
{
    SraidIscsiPortal *p = opaque;
    SraidPrNexus nx;

    if (p->ctrl && sraid_iscsi_conn_pr_nexus(p->ctrl->node_id, conn, &nx)) {
        sraid_ld_resv2_nexus_lost(p->ctrl, &nx);
    }
}

const SraidIscsiLunOps sraid_iscsi_lun_ops = {
    .lun_present = sraid_iscsi_lun_present,
    .submit = sraid_iscsi_lun_submit,
    .abort = sraid_iscsi_lun_abort,
    .reset = sraid_iscsi_lun_reset,
    .nexus_lost = sraid_iscsi_lun_nexus_lost,
};

/* SCSIBusInfo.transfer_data: the device has (read) or wants (write) @len */
static void sraid_iscsi_transfer_data(SCSIRequest *req, uint32_t len)
{
    SraidIscsiTask *task = req->hba_private;
    SraidIscsiLunReq *lr = task->glue;
    uint8_t *buf = scsi_req_get_buf(req);

    if (req->cmd.mode == SCSI_XFER_FROM_DEV) {
        /* beyond the initiator's buffer: counted, reported as overflow */
        if (lr->done < task->data_in_cap) {
            memcpy(task->data_in + lr->done, buf,
                   MIN(len, task->data_in_cap - lr->done));
        }
    } else {
        /* submit checked that the CDB wants no more than was sent */
        memcpy(buf, task->data_out + lr->done, len);
    }
    lr->done += len;
    scsi_req_continue(req);
}

static void sraid_iscsi_finish(SraidIscsiTask *task, SraidScsiResult *r)
{
    SraidIscsiLunReq *lr = task->glue;

    task->glue = NULL;
    scsi_req_unref(lr->req);
    g_free(lr);
    sraid_iscsi_task_done(task, r);
}

static void sraid_iscsi_complete(SCSIRequest *req, size_t resid)
{
    SraidIscsiTask *task = req->hba_private;
    SraidIscsiLunReq *lr = task->glue;
    SraidScsiResult r = { .status = req->status };

    if (req->cmd.mode == SCSI_XFER_FROM_DEV) {
        r.data_len = lr->done;
        /*
         * scsi-disk (and sraid_req_data_in) pad emulated data-in to the
         * allocation length for the sake of guest HBAs; an initiator here
         * gets only the data and its residual (libiscsi's
         * Inquiry.AllocLength and Inquiry.BlockLimits check).
         */
        if (req->status == GOOD && lr->done <= task->data_in_cap) {
            r.data_len = sraid_cdb_data_in_len(task->cdb, task->data_in,
                                               lr->done);
        }
    }
    if (req->status == CHECK_CONDITION) {
        r.sense_len = scsi_req_get_sense(req, r.sense, sizeof(r.sense));
    }
    trace_sraid_iscsi_cmd_done(task->itt, r.status, lr->done);
    sraid_iscsi_finish(task, &r);
}

/* Aborted, or purged by a reset: TASK ABORTED (SAM-5 5.3.1, TAS = 1) */
static void sraid_iscsi_cancel(SCSIRequest *req)
{
    SraidIscsiTask *task = req->hba_private;
    SraidScsiResult r = { .status = TASK_ABORTED };

    trace_sraid_iscsi_cmd_done(task->itt, r.status, 0);
    sraid_iscsi_finish(task, &r);
}

static const struct SCSIBusInfo sraid_iscsi_bus_info = {
    .tcq = true,
    .max_channel = 0,
    .max_target = 0,
    .max_lun = SRAID_COD_MAX_LDS,
    .transfer_data = sraid_iscsi_transfer_data,
    .complete = sraid_iscsi_complete,
    .cancel = sraid_iscsi_cancel,
};

void sraid_iscsi_bus_init(SraidCtrl *s)
{
    scsi_bus_init_named(&s->iscsi.bus, sizeof(s->iscsi.bus), DEVICE(s),
                        &sraid_iscsi_bus_info, NULL);
    /* the controller places its logical drives there, nobody else */
    qbus_mark_full(BUS(&s->iscsi.bus));
    s->iscsi.ua = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        g_free);
}

void sraid_iscsi_bus_cleanup(SraidCtrl *s)
{
    g_clear_pointer(&s->iscsi.ua, g_hash_table_destroy);
}

bool sraid_iscsi_ld_attach(SraidLdUnit *u, Error **errp)
{
    SraidCtrl *s = u->ctrl;
    unsigned id = s->cod.lds[u->index].id;

    if (!s->iscsi_port || u->iscsi_dev) {
        return true;                /* no portals, nothing to serve */
    }
    u->iscsi_dev = sraid_ld_device_new(u, &s->iscsi.bus, 0, 0,
                                       SRAID_ISCSI_LD_LUN(id), errp);
    return u->iscsi_dev != NULL;
}

void sraid_iscsi_ld_detach(SraidLdUnit *u)
{
    if (u->iscsi_dev) {
        /* unrealize cancels what initiators still run on it */
        object_unparent(OBJECT(u->iscsi_dev));
        u->iscsi_dev = NULL;
    }
}
