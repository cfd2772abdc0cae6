/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: the guest's management commands (sraidctl over SG_IO), the
 * controller side of sraid/mgmt-exec.h.
 *
 * The views are filled from the same state query-sraid reports.  The
 * writes run through the functions QMP's commands run (sraid-qmp.c,
 * sraid-background.c), from a bottom half rather than inside the HBA's
 * request processing: creating or deleting a logical drive hot-plugs a
 * SCSI device on that very bus and waits for the configuration's I/O.
 * The command completes when the work QMP would have waited for is done.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/coroutine.h"
#include "qemu/cutils.h"
#include "qemu/main-loop.h"
#include "hw/scsi/scsi.h"
#include "system/block-backend.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

/* ---- views ---- */

static void sraid_mgmt_ctrl_info(void *opaque, SraidMgmtCtrlInfo *ci)
{
    SraidCtrl *s = opaque;
    g_autofree SraidMemberView *v = g_new0(SraidMemberView, 1);

    ci->node_id = s->node_id;
    ci->channels = s->channels;
    ci->connected_channels = ((1u << s->channels) - 1) & ~s->cables_cut;
    if (s->has_array) {
        ci->flags |= SRAID_MGMT_CTRL_ARRAY;
        ci->nmembers = s->cod.nmembers;
        ci->nlds = s->cod.nlds;
        ci->generation = s->cod.generation;
        memcpy(ci->array_guid, s->cod.array_guid, sizeof(ci->array_guid));
        pstrcpy(ci->array_name, sizeof(ci->array_name), s->cod.name);
    }
    if (s->cluster_suspended) {
        ci->flags |= SRAID_MGMT_CTRL_SUSPENDED;
    }
    if (!sraid_cluster_view(s, v)) {
        /* alone: the node is its own master, as QMP's check agrees */
        return;
    }
    ci->flags |= SRAID_MGMT_CTRL_CLUSTER;
    if (v->suspended) {
        ci->flags |= SRAID_MGMT_CTRL_SUSPENDED;
    }
    if (v->booting) {
        ci->flags |= SRAID_MGMT_CTRL_BOOTING;
    }
    ci->state = v->state;
    ci->info = v->info;
    ci->master = v->master < SRAID_NODE_MAX ? v->master : SRAID_NODE_NONE;
    ci->epoch = v->epoch;
    ci->connected_channels = v->connected_channels;
    for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
        const SraidMemberNodeView *nv = &v->nodes[n];
        SraidMgmtNode *e;

        if (!nv->known) {
            continue;
        }
        e = &ci->nodes[ci->nnodes++];
        e->node = n;
        e->state = nv->state;
        e->info = nv->info;
        e->channels = nv->channels;
        e->heartbeat_misses = MIN(nv->heartbeat_misses, UINT16_MAX);
        e->flags = (n == s->node_id ? SRAID_MGMT_NODE_SELF : 0) |
                   (n == v->master ? SRAID_MGMT_NODE_MASTER : 0);
    }
}

static void sraid_mgmt_pd_list(void *opaque, SraidMgmtPdList *l)
{
    SraidCtrl *s = opaque;

    for (unsigned c = 0; c < SRAID_MAX_CHANNELS; c++) {
        for (unsigned t = 0; t < SRAID_MAX_NODES; t++) {
            SraidDrive *d = s->drives[c][t];
            SraidMgmtPd *pd;
            int m;

            if (!d) {
                continue;
            }
            pd = &l->pd[l->n++];
            pd->channel = c;
            pd->target = t;
            pd->flags = SRAID_MGMT_PD_PRESENT |
                        (d->cable_cut ? SRAID_MGMT_PD_CABLE_CUT : 0);
            pd->size = MAX(blk_getlength(d->conf.blk), 0);
            m = s->has_array ? sraid_array_member_of(s, d) : -1;
            pd->member = m >= 0 ? m : SRAID_MGMT_NONE;
            pd->state = m >= 0 ? s->cod.members[m].state : SRAID_MGMT_NONE;
            pd->checkpoint = m >= 0 ? s->cod.members[m].rebuild_checkpoint
                                    : 0;
        }
    }
    /* configured members no drive holds: where they were */
    for (unsigned m = 0; s->has_array && m < s->cod.nmembers; m++) {
        const SraidCodMember *c = &s->cod.members[m];
        SraidMgmtPd *pd;

        if (s->member_drive[m]) {
            continue;
        }
        pd = &l->pd[l->n++];
        pd->channel = c->channel;
        pd->target = c->target;
        pd->member = m;
        pd->state = c->state;
        pd->checkpoint = c->rebuild_checkpoint;
    }
}

static void sraid_mgmt_ld_list(void *opaque, SraidMgmtLdList *l)
{
    SraidCtrl *s = opaque;

    for (unsigned i = 0; s->has_array && i < s->cod.nlds; i++) {
        const SraidCodLd *c = &s->cod.lds[i];
        SraidLdUnit *u = s->lds[i];
        SraidMgmtLd *ld = &l->ld[l->n++];

        ld->id = c->id;
        ld->level = c->level;
        ld->state = c->state;
        ld->nmembers = c->nmembers;
        memcpy(ld->members, c->members, c->nmembers);
        ld->strip_sectors = c->strip_sectors;
        ld->sectors = u ? sraid_geometry_capacity(&u->ld.g) : 0;
        ld->naa = c->naa;
        pstrcpy(ld->name, sizeof(ld->name), c->name);
        pstrcpy(ld->serial, sizeof(ld->serial), c->serial);
        if (u && sraid_pr_host_ready(s, u->ld_id)) {
            ld->flags |= SRAID_MGMT_LD_RESV_READY;
        }
    }
}

static void sraid_mgmt_bg_info(void *opaque, SraidMgmtBg *o)
{
    SraidCtrl *s = opaque;
    SraidBackground *bg = &s->bg;

    o->op = bg->op == SRAID_BG_REBUILD ? SRAID_MGMT_OP_REBUILD
          : bg->op == SRAID_BG_SCRUB ? SRAID_MGMT_OP_CHECK
          : SRAID_MGMT_OP_IDLE;
    o->member = bg->op == SRAID_BG_REBUILD ? bg->target : SRAID_MGMT_NONE;
    o->ld = bg->result != SRAID_SCRUB_NONE && bg->scrub_ld < s->cod.nlds
            ? s->cod.lds[bg->scrub_ld].id : SRAID_MGMT_NONE;
    o->rate = s->rebuild_rate;
    if (bg->op != SRAID_BG_IDLE) {
        o->done = MIN(bg->done, bg->total);
        o->total = bg->total;
    }
    o->check_result = bg->result;
    o->flags = bg->scrub_repair ? SRAID_MGMT_OPS_REPAIR : 0;
    o->mismatches = bg->mismatches;
    o->repaired = bg->repaired;
}

/* ---- writes ---- */

typedef struct SraidMgmtJob {
    SraidCtrl *s;
    SCSIRequest *req;
    SraidMgmtWrite w;
    SraidDrive *drives[SRAID_MGMT_MAX_MEMBERS];
    SraidMgmtAnswer a;
} SraidMgmtJob;

/* Is the array's member or logical drive @w names there? */
static bool sraid_mgmt_ld_exists(SraidCtrl *s, uint8_t id)
{
    return s->has_array && sraid_cod_find_ld(&s->cod, id) >= 0;
}

static void sraid_mgmt_refused(SraidMgmtJob *j, Error *err)
{
    trace_sraid_mgmt_refused(j->s->node_id, j->w.dcmd,
                             error_get_pretty(err));
    j->a.outcome = SRAID_MGMT_REFUSED;
    error_free(err);
}

static void sraid_mgmt_finish(SraidMgmtJob *j)
{
    trace_sraid_mgmt_done(j->s->node_id, j->w.dcmd, j->a.outcome);
    sraid_ctrl_mgmt_complete(j->req, &j->a);
    g_free(j);
}

static void coroutine_fn sraid_mgmt_co(void *opaque)
{
    SraidMgmtJob *j = opaque;
    Error *err = NULL;
    bool ok;

    if (j->w.dcmd == SRAID_DCMD_MGMT_ADD_SPARE) {
        ok = sraid_ctrl_add_spare(j->s, j->drives[0], &err);
    } else {
        ok = sraid_ctrl_remove_spare(j->s, j->w.member, &err);
    }
    if (!ok) {
        sraid_mgmt_refused(j, err);
    }
    sraid_mgmt_finish(j);
}

/* In the main loop, as QMP's commands run */
static void sraid_mgmt_bh(void *opaque)
{
    SraidMgmtJob *j = opaque;
    SraidCtrl *s = j->s;
    Error *err = NULL;
    bool ok = true;

    switch (j->w.dcmd) {
    case SRAID_DCMD_MGMT_CREATE_LD:
        ok = sraid_ctrl_create_ld(s, j->w.level, j->drives, j->w.ndrives,
                                  j->w.strip_bytes, j->w.size,
                                  j->w.name[0] ? j->w.name : NULL, NULL,
                                  &err) >= 0;
        break;
    case SRAID_DCMD_MGMT_DELETE_LD:
        ok = sraid_ctrl_delete_ld(s, j->w.ld, &err);
        break;
    case SRAID_DCMD_MGMT_ADD_SPARE:
    case SRAID_DCMD_MGMT_REMOVE_SPARE:
        /* QMP's coroutine commands: they take cod_lock */
        qemu_coroutine_enter(qemu_coroutine_create(sraid_mgmt_co, j));
        return;
    case SRAID_DCMD_MGMT_REBUILD:
        ok = sraid_ctrl_rebuild(s, j->w.member, &err);
        break;
    case SRAID_DCMD_MGMT_CHECK:
        ok = sraid_ctrl_scrub(s, j->w.ld, j->w.repair, &err);
        break;
    default:
        g_assert_not_reached();
    }
    if (!ok) {
        sraid_mgmt_refused(j, err);
    }
    sraid_mgmt_finish(j);
}

/* The master to name when this node may not change the configuration */
static bool sraid_mgmt_not_master(SraidCtrl *s, SraidMgmtAnswer *a)
{
    g_autofree SraidMemberView *v = g_new0(SraidMemberView, 1);

    if (sraid_cluster_may_write_cod(s)) {
        return false;
    }
    a->outcome = SRAID_MGMT_NOT_MASTER;
    a->master = SRAID_NODE_NONE;
    if (sraid_cluster_view(s, v) && v->master < SRAID_NODE_MAX &&
        v->master != s->node_id) {
        a->master = v->master;
    }
    return true;
}

static void sraid_mgmt_write(void *opaque, const SraidMgmtWrite *w,
                             SraidMgmtAnswer *a)
{
    SraidCtrl *s = opaque;
    SraidMgmtJob *j;
    SraidDrive *d[SRAID_MGMT_MAX_MEMBERS] = { NULL };

    g_assert(s->mgmt_req);
    /* a consistency check reads only: any node may run its own */
    if (w->dcmd != SRAID_DCMD_MGMT_CHECK && sraid_mgmt_not_master(s, a)) {
        return;
    }
    /* what the parameter list names must exist: point at it */
    switch (w->dcmd) {
    case SRAID_DCMD_MGMT_CREATE_LD:
        for (unsigned i = 0; i < w->ndrives; i++) {
            d[i] = w->drives[i].channel < s->channels ?
                   s->drives[w->drives[i].channel][w->drives[i].target] :
                   NULL;
            if (!d[i]) {
                a->outcome = SRAID_MGMT_NO_SUCH;
                a->field = SRAID_MGMT_CREATE_DRIVES + 2 * i;
                return;
            }
        }
        break;
    case SRAID_DCMD_MGMT_ADD_SPARE:
        d[0] = w->drives[0].channel < s->channels ?
               s->drives[w->drives[0].channel][w->drives[0].target] : NULL;
        if (!d[0] || !s->has_array) {
            a->outcome = SRAID_MGMT_NO_SUCH;
            a->field = 0;
            return;
        }
        break;
    case SRAID_DCMD_MGMT_DELETE_LD:
    case SRAID_DCMD_MGMT_CHECK:
        if (!sraid_mgmt_ld_exists(s, w->ld)) {
            a->outcome = SRAID_MGMT_NO_SUCH;
            a->field = 0;
            return;
        }
        if (s->bg.op != SRAID_BG_IDLE || s->bg.scrub_pending >= 0) {
            a->outcome = SRAID_MGMT_IN_PROGRESS;
            return;
        }
        break;
    default:
        /* REMOVE_SPARE, REBUILD */
        if (!s->has_array || w->member >= s->cod.nmembers) {
            a->outcome = SRAID_MGMT_NO_SUCH;
            a->field = 0;
            return;
        }
        break;
    }
    j = g_new0(SraidMgmtJob, 1);
    j->s = s;
    j->req = s->mgmt_req;
    j->w = *w;
    memcpy(j->drives, d, sizeof(d));
    scsi_req_ref(j->req);
    trace_sraid_mgmt_write(s->node_id, w->dcmd);
    aio_bh_schedule_oneshot(qemu_get_aio_context(), sraid_mgmt_bh, j);
    a->outcome = SRAID_MGMT_PENDING;
}

const SraidMgmtOps sraid_mgmt_glue_ops = {
    .ctrl_info = sraid_mgmt_ctrl_info,
    .pd_list = sraid_mgmt_pd_list,
    .ld_list = sraid_mgmt_ld_list,
    .bg_info = sraid_mgmt_bg_info,
    .write = sraid_mgmt_write,
};
