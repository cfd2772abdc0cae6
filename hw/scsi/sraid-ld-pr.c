/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: SPC-4 persistent reservations (5.7; PERSISTENT RESERVE IN
 * 6.15, OUT 6.16) of a logical drive on this controller.
 *
 * The state machine is the firmware core's (sraid/pr.c); this file gives
 * it the logical drive's one SraidPrState, shared by the guest's device
 * and its iSCSI twin (both point to the same SraidLdUnit), names the I_T
 * nexus of every request, and carries out what a PERSISTENT RESERVE OUT
 * asks of the owner: unit attentions (SPC-4 5.7.11) and, for PREEMPT AND
 * ABORT, the abort of the preempted nexuses' tasks before GOOD (5.7.11.5).
 * SPC-2 RESERVE/RELEASE (6/10) are in sraid-ld-resv2.c.
 *
 * The state is the cluster's (sraid-pr-cluster.c): a PERSISTENT RESERVE
 * OUT is ordered by the membership master and reaches every controller
 * before it ends; commands are checked against this controller's replica.
 */

#include "qemu/osdep.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

void sraid_ld_pr_init(SraidLdUnit *u)
{
    u->ld_id = u->ctrl->cod.lds[u->index].id;
    sraid_pr_host_ld(u->ctrl, u->ld_id, true);
}

void sraid_ld_pr_cleanup(SraidLdUnit *u)
{
    sraid_pr_host_ld(u->ctrl, u->ld_id, false);
}

bool sraid_ld_pr_nexus(SraidLdUnit *u, SCSIDevice *d, void *hba_private,
                       SraidPrNexus *nx)
{
    if (d != SCSI_DEVICE(u->dev) && u->iscsi_dev &&
        d == SCSI_DEVICE(u->iscsi_dev)) {
        return sraid_iscsi_pr_nexus(u->ctrl, hba_private, nx);
    }
    /* the guest's HBA: one initiator port, this node's guest path */
    sraid_pr_nexus_guest(nx, u->ctrl->node_id);
    return true;
}

typedef struct SraidPrReq {
    SCSIRequest req;
    SraidLdUnit *unit;
    SraidPrNexus nexus;
    size_t data_left;
    uint8_t *buf;                   /* PR IN data, PR OUT parameter list */
    size_t buf_len;
    bool have_data;
} SraidPrReq;

/* The aborts one change asks of this controller (PREEMPT AND ABORT) */
typedef struct SraidPrAbortSet SraidPrAbortSet;

typedef struct SraidPrAbort {
    Notifier n;
    SraidPrAbortSet *set;
} SraidPrAbort;

struct SraidPrAbortSet {
    SraidLdUnit *unit;
    unsigned pending;
    void (*done)(void *opaque);
    void *opaque;
    SraidPrAbort a[];
};

/* One aborted task ended: when the last has, the change may go on */
static void sraid_pr_abort_done(Notifier *n, void *data)
{
    SraidPrAbort *a = container_of(n, SraidPrAbort, n);
    SraidPrAbortSet *set = a->set;

    if (--set->pending) {
        return;
    }
    trace_sraid_ld_pr_aborts_done(set->unit->ctrl->node_id,
                                  set->unit->ld_id);
    set->done(set->opaque);
    g_free(set);
}

/*
 * The tasks of device @d that @e names, but not @skip (the PR OUT that
 * caused it, on its origin).  Collected first: a cancel may end one at
 * once.
 */
static void sraid_pr_abort_tasks(SraidLdUnit *u, SCSIDevice *d,
                                 SCSIRequest *skip, const SraidPrEffect *e,
                                 GPtrArray *victims)
{
    SCSIRequest *req;

    WITH_QEMU_LOCK_GUARD(&d->requests_lock) {
        QTAILQ_FOREACH(req, &d->requests, next) {
            SraidPrNexus nx;

            if (req != skip && !req->io_canceled &&
                sraid_ld_pr_nexus(u, d, req->hba_private, &nx) &&
                sraid_pr_effect_names(e, &nx)) {
                scsi_req_ref(req);
                g_ptr_array_add(victims, req);
            }
        }
    }
}

bool sraid_ld_pr_effects(SraidLdUnit *u, const SraidPrEffects *fx,
                         SCSIRequest *skip, void (*done)(void *opaque),
                         void *opaque)
{
    SraidPrNexus guest;
    g_autoptr(GPtrArray) victims = g_ptr_array_new();
    SraidPrAbortSet *set;

    sraid_ld_pr_nexus(u, SCSI_DEVICE(u->dev), NULL, &guest);
    for (unsigned i = 0; i < fx->n; i++) {
        const SraidPrEffect *e = &fx->e[i];

        trace_sraid_ld_pr_effect(u->ctrl->node_id, u->ld_id, e->kind,
                                 e->ascq, e->nexus.rtpi, e->all_tg_pt);
        if (e->kind == SRAID_PR_EFFECT_UA) {
            /* SPC-4 5.7.11: UNIT ATTENTION, 2Ah/03h, 04h or 05h */
            if (sraid_pr_effect_names(e, &guest)) {
                scsi_device_set_ua(SCSI_DEVICE(u->dev),
                                   (SCSISense) { .key = UNIT_ATTENTION,
                                                 .asc = e->asc,
                                                 .ascq = e->ascq });
            }
            sraid_iscsi_pr_ua(u, e);
            continue;
        }
        /* SPC-4 5.7.11.5: the preempted nexuses' tasks, on both paths */
        sraid_pr_abort_tasks(u, SCSI_DEVICE(u->dev), skip, e, victims);
        if (u->iscsi_dev) {
            sraid_pr_abort_tasks(u, SCSI_DEVICE(u->iscsi_dev), skip, e,
                                 victims);
        }
    }
    if (!victims->len) {
        return false;
    }
    /*
     * Done when every aborted task has ended: each cancel completes at
     * once (no I/O) or when its I/O has ended.  One pending count more
     * while the cancels are started, so none completes it early.
     */
    set = g_malloc0(sizeof(*set) + victims->len * sizeof(set->a[0]));
    set->unit = u;
    set->done = done;
    set->opaque = opaque;
    set->pending = victims->len + 1;
    for (unsigned i = 0; i < victims->len; i++) {
        SCSIRequest *req = g_ptr_array_index(victims, i);

        set->a[i].set = set;
        set->a[i].n.notify = sraid_pr_abort_done;
        if (req->enqueued || req->io_canceled) {
            scsi_req_cancel_async(req, &set->a[i].n);
        } else {
            set->pending--;         /* ended meanwhile */
        }
        scsi_req_unref(req);
    }
    sraid_pr_abort_done(&set->a[0].n, NULL);
    return true;
}

void sraid_ld_pr_out_done(SCSIRequest *req, const SraidScsiResult *res)
{
    SraidPrReq *r = DO_UPCAST(SraidPrReq, req, req);
    SraidLdUnit *u = r->unit;

    trace_sraid_ld_pr_out(u->ctrl->node_id, u->ld_id, req->cmd.buf[1] & 0x1f,
                          r->nexus.rtpi, res->status,
                          sraid_pr_host_state(u->ctrl, u->ld_id) ?
                          sraid_pr_host_state(u->ctrl, u->ld_id)->generation
                          : 0, 0);
    if (!req->io_canceled) {
        sraid_req_complete_result(req, res);
    }
}

/* Ordered by the cluster; sraid_ld_pr_out_done() ends it */
static void sraid_pr_out_execute(SraidPrReq *r, const uint8_t *cdb,
                                 size_t param_len)
{
    SraidLdUnit *u = r->unit;

    sraid_pr_host_submit(u->ctrl, u->ld_id, &r->nexus, cdb, r->buf,
                         param_len, &r->req);
}

static int32_t sraid_pr_send_command(SCSIRequest *req, uint8_t *cdb)
{
    SraidPrReq *r = DO_UPCAST(SraidPrReq, req, req);
    SraidLdUnit *u = r->unit;
    SraidScsiResult res;

    if (cdb[0] == PERSISTENT_RESERVE_IN) {
        /* ALLOCATION LENGTH, bytes 7-8 */
        r->buf_len = MAX(lduw_be_p(cdb + 7), 8);
        r->buf = g_malloc0(r->buf_len);
        sraid_pr_in(sraid_pr_host_state(u->ctrl, u->ld_id),
                    sraid_pr_host_config(u->ctrl), &r->nexus, cdb, r->buf,
                    r->buf_len, &res);
        trace_sraid_ld_pr_in(u->ctrl->node_id, u->ld_id, cdb[1] & 0x1f,
                             r->nexus.rtpi, res.status, res.data_len);
        if (res.status != GOOD) {
            sraid_req_complete_result(req, &res);
            return 0;
        }
        return sraid_req_data_in(req, r->buf, r->buf_len, res.data_len,
                                 &r->data_left);
    }
    /* PERSISTENT RESERVE OUT: PARAMETER LIST LENGTH, bytes 5-8 */
    r->buf_len = ldl_be_p(cdb + 5);
    if (r->buf_len == 0 || r->buf_len > SRAID_PR_OUT_MAX_PARAM ||
        req->cmd.xfer != r->buf_len) {
        /* nothing to fetch: pr.c refuses a list it was not given */
        r->buf_len = 0;
        sraid_pr_out_execute(r, cdb, 0);
        return 0;
    }
    r->buf = g_malloc0(r->buf_len);
    return -(int32_t)r->buf_len;
}

static void sraid_pr_read_data(SCSIRequest *req)
{
    sraid_req_read_data(req, &DO_UPCAST(SraidPrReq, req, req)->data_left);
}

static void sraid_pr_write_data(SCSIRequest *req)
{
    SraidPrReq *r = DO_UPCAST(SraidPrReq, req, req);

    if (sraid_req_data_out_all(req, &r->have_data, r->buf_len)) {
        sraid_pr_out_execute(r, req->cmd.buf, r->buf_len);
    }
}

static uint8_t *sraid_pr_get_buf(SCSIRequest *req)
{
    return DO_UPCAST(SraidPrReq, req, req)->buf;
}

static void sraid_pr_free(SCSIRequest *req)
{
    SraidPrReq *r = DO_UPCAST(SraidPrReq, req, req);

    g_free(r->buf);
}

static const SCSIReqOps sraid_pr_req_ops = {
    .size         = sizeof(SraidPrReq),
    .send_command = sraid_pr_send_command,
    .read_data    = sraid_pr_read_data,
    .write_data   = sraid_pr_write_data,
    .get_buf      = sraid_pr_get_buf,
    .free_req     = sraid_pr_free,
};

SCSIRequest *sraid_ld_pr_alloc(SraidLdUnit *u, SCSIDevice *d, uint32_t tag,
                               uint32_t lun, void *hba_private,
                               const SraidPrNexus *nx)
{
    SCSIRequest *req = scsi_req_alloc(&sraid_pr_req_ops, d, tag, lun,
                                      hba_private);
    SraidPrReq *r = DO_UPCAST(SraidPrReq, req, req);

    r->unit = u;
    r->nexus = *nx;
    return req;
}
