/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ctrl: persistent reservations shared by every controller of the
 * cluster.  The protocol is the firmware core's (sraid/pr-cluster.c);
 * this file backs its ops: the node-to-node commands over the peer links
 * (sraid-peer.c), a QEMU timer for its deadlines, membership's view (from
 * sraid-cluster.c), and the logical drives' side of a change (unit
 * attentions and task aborts, sraid-ld-pr.c).  Without a bus the
 * controller is its own master and every change is local.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "sraid-peer.h"
#include "trace/trace-hw_scsi_sraid.h"

struct SraidPrHost {
    SraidCtrl *s;                   /* NULL once stopped */
    SraidPrCluster *prc;
    QEMUTimer *timer;
    unsigned depth;                 /* calls into the core running */
    unsigned refs;
    bool view_pending;              /* a view update is scheduled */
    QEMUTimer *view_timer;          /* master without the lease yet */
    GHashTable *reqs;               /* token -> SCSIRequest (PR OUT) */
    uint64_t next_token;
};

static void sraid_pr_host_view_timer_cb(void *opaque);

static SraidPrHost *sraid_pr_host_ref(SraidPrHost *h)
{
    h->refs++;
    return h;
}

static void sraid_pr_host_unref(SraidPrHost *h)
{
    if (--h->refs) {
        return;
    }
    g_hash_table_destroy(h->reqs);
    g_free(h);
}

static void sraid_pr_host_enter(SraidPrHost *h)
{
    h->depth++;
}

/* After every call into the core: re-arm the timer at its deadline */
static void sraid_pr_host_leave(SraidPrHost *h)
{
    uint64_t when;

    assert(h->depth > 0);
    if (--h->depth || !h->s) {
        return;
    }
    when = sraid_prc_next_deadline(h->prc);
    if (when == UINT64_MAX) {
        timer_del(h->timer);
    } else {
        timer_mod(h->timer, MIN(when, (uint64_t)INT64_MAX));
    }
}

static void sraid_pr_host_timer_cb(void *opaque)
{
    SraidPrHost *h = opaque;

    sraid_pr_host_enter(h);
    sraid_prc_tick(h->prc);
    sraid_pr_host_leave(h);
}

/* ---- ops ---- */

static uint64_t sraid_pr_host_now_ms(void *opaque)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

typedef struct SraidPrHostCmd {
    SraidPrHost *h;
    uint64_t token;
    int err;
    SraidScsiResult r;
    uint8_t *data;                  /* PR_Collect's data-in */
} SraidPrHostCmd;

static void sraid_pr_host_cmd_done_bh(void *opaque);

/* Hand @cmd's answer, with its data-in @data, to the core */
static void sraid_pr_host_cmd_complete(SraidPrHostCmd *cmd,
                                       const uint8_t *data)
{
    SraidPrHost *h = cmd->h;

    /*
     * -ESHUTDOWN: sraid_peers_free() in the controller's unrealize, before
     * sraid_pr_host_cleanup(): the core goes next and learns nothing more.
     */
    if (h->s && cmd->err != -ESHUTDOWN) {
        if (h->depth) {
            /* the core is running: next turn of the main loop */
            if (data != cmd->data) {
                cmd->data = g_memdup2(data, cmd->err ? 0 : cmd->r.data_len);
            }
            aio_bh_schedule_oneshot(qemu_get_aio_context(),
                                    sraid_pr_host_cmd_done_bh, cmd);
            return;
        }
        sraid_pr_host_enter(h);
        sraid_prc_cmd_done(h->prc, cmd->token, cmd->err,
                           cmd->err ? NULL : &cmd->r, data,
                           cmd->err ? 0 : cmd->r.data_len);
        sraid_pr_host_leave(h);
    }
    sraid_pr_host_unref(h);
    g_free(cmd->data);
    g_free(cmd);
}

static void sraid_pr_host_cmd_done_bh(void *opaque)
{
    SraidPrHostCmd *cmd = opaque;

    sraid_pr_host_cmd_complete(cmd, cmd->data);
}

/* sraid_peers_send's answer: from a bottom half, @data_in only for now */
static void sraid_pr_host_cmd_cb(void *opaque, int err,
                                 const SraidScsiResult *r,
                                 const uint8_t *data_in)
{
    SraidPrHostCmd *cmd = opaque;

    cmd->err = err;
    if (!err) {
        cmd->r = *r;
    }
    sraid_pr_host_cmd_complete(cmd, data_in);
}

static void sraid_pr_host_send(void *opaque, uint8_t node, uint8_t channel,
                               const uint8_t *cdb, size_t cdb_len,
                               const uint8_t *out, size_t out_len,
                               size_t in_len, uint32_t timeout_ms,
                               uint64_t token)
{
    SraidPrHost *h = opaque;
    SraidPrHostCmd *cmd = g_new0(SraidPrHostCmd, 1);

    cmd->h = sraid_pr_host_ref(h);
    cmd->token = token;
    trace_sraid_pr_cluster_send(h->s->node_id, node, channel, cdb[2],
                                out_len);
    if (!h->s->peers) {
        /* inside the core's op: the answer waits for the main loop */
        cmd->err = -ENOTCONN;
        aio_bh_schedule_oneshot(qemu_get_aio_context(),
                                sraid_pr_host_cmd_done_bh, cmd);
        return;
    }
    sraid_peers_send(h->s->peers, node, channel, cdb, cdb_len, out, out_len,
                     in_len, timeout_ms, sraid_pr_host_cmd_cb, cmd);
}

static void sraid_pr_host_complete(void *opaque, uint64_t token,
                                   const SraidScsiResult *res)
{
    SraidPrHost *h = opaque;
    SCSIRequest *req = g_hash_table_lookup(h->reqs, GUINT_TO_POINTER(token));

    if (!req) {
        return;
    }
    g_hash_table_remove(h->reqs, GUINT_TO_POINTER(token));
    sraid_ld_pr_out_done(req, res);
    scsi_req_unref(req);
}

static SraidLdUnit *sraid_pr_host_unit(SraidCtrl *s, uint8_t ld)
{
    for (unsigned i = 0; s->has_array && i < s->cod.nlds; i++) {
        if (s->lds[i] && s->lds[i]->ld_id == ld) {
            return s->lds[i];
        }
    }
    return NULL;
}

typedef struct SraidPrHostFx {
    SraidPrHost *h;
    uint64_t token;
} SraidPrHostFx;

static void sraid_pr_host_fx_done_bh(void *opaque)
{
    SraidPrHostFx *fx = opaque;
    SraidPrHost *h = fx->h;

    if (h->s) {
        if (h->depth) {
            aio_bh_schedule_oneshot(qemu_get_aio_context(),
                                    sraid_pr_host_fx_done_bh, fx);
            return;
        }
        sraid_pr_host_enter(h);
        sraid_prc_effects_done(h->prc, fx->token);
        sraid_pr_host_leave(h);
    }
    sraid_pr_host_unref(h);
    g_free(fx);
}

static void sraid_pr_host_fx_done(void *opaque)
{
    aio_bh_schedule_oneshot(qemu_get_aio_context(), sraid_pr_host_fx_done_bh,
                            opaque);
}

static bool sraid_pr_host_effects(void *opaque, uint8_t ld,
                                  const SraidPrEffects *fx, uint64_t skip,
                                  uint64_t token)
{
    SraidPrHost *h = opaque;
    SraidLdUnit *u = sraid_pr_host_unit(h->s, ld);
    SCSIRequest *skip_req = skip ? g_hash_table_lookup(h->reqs,
                                                       GUINT_TO_POINTER(skip))
                                 : NULL;
    SraidPrHostFx *done;

    if (!u) {
        return false;
    }
    done = g_new0(SraidPrHostFx, 1);
    done->h = sraid_pr_host_ref(h);
    done->token = token;
    if (sraid_ld_pr_effects(u, fx, skip_req, sraid_pr_host_fx_done, done)) {
        return true;
    }
    sraid_pr_host_unref(h);
    g_free(done);
    return false;
}

static void sraid_pr_host_changed(void *opaque, uint8_t ld,
                                  const SraidPrVersion *v)
{
    SraidPrHost *h = opaque;
    const SraidPrState *st = sraid_prc_state(h->prc, ld);

    trace_sraid_pr_cluster_version(h->s->node_id, ld, v->epoch, v->seq,
                                   st->generation, st->nregs, st->type);
}

/* APTPL (SPC-4 5.7.5): the master stores a change before it is acked */
typedef struct SraidPrHostPersist {
    SraidPrHost *h;
    uint64_t token;
    bool ok;
} SraidPrHostPersist;

static void sraid_pr_host_persisted_bh(void *opaque)
{
    SraidPrHostPersist *p = opaque;
    SraidPrHost *h = p->h;

    if (h->s) {
        if (h->depth) {
            aio_bh_schedule_oneshot(qemu_get_aio_context(),
                                    sraid_pr_host_persisted_bh, p);
            return;
        }
        sraid_pr_host_enter(h);
        sraid_prc_persisted(h->prc, p->token, p->ok);
        sraid_pr_host_leave(h);
    }
    sraid_pr_host_unref(h);
    g_free(p);
}

static void sraid_pr_host_persisted(void *opaque, bool ok)
{
    SraidPrHostPersist *p = opaque;

    p->ok = ok;
    aio_bh_schedule_oneshot(qemu_get_aio_context(),
                            sraid_pr_host_persisted_bh, p);
}

static void sraid_pr_host_persist(void *opaque, uint8_t ld,
                                  const SraidPrState *st, uint64_t token)
{
    SraidPrHost *h = opaque;
    SraidLdUnit *u = sraid_pr_host_unit(h->s, ld);
    SraidPrHostPersist *p = g_new0(SraidPrHostPersist, 1);

    p->h = sraid_pr_host_ref(h);
    p->token = token;
    if (!u) {
        sraid_pr_host_persisted(p, false);
        return;
    }
    sraid_ld_pr_store_save(u, st, sraid_pr_host_persisted, p);
}

static const SraidPrClusterOps sraid_pr_host_ops = {
    .now_ms = sraid_pr_host_now_ms,
    .send = sraid_pr_host_send,
    .complete = sraid_pr_host_complete,
    .effects = sraid_pr_host_effects,
    .changed = sraid_pr_host_changed,
    .persist = sraid_pr_host_persist,
};

/* ---- the controller's side ---- */

void sraid_pr_host_init(SraidCtrl *s)
{
    SraidPrHost *h = g_new0(SraidPrHost, 1);
    SraidPrClusterConfig cfg = {
        .node_id = s->node_id,
        .channels = s->channels,
        /* new at every start: a restarted node's requests are new ones */
        .boot = g_random_int_range(1, INT32_MAX),
        /* the state is stored on the members (sraid-ld-pr-store.c) */
        .ptpl_capable = true,
    };

    h->s = s;
    h->refs = 1;
    h->reqs = g_hash_table_new(NULL, NULL);
    h->prc = sraid_prc_new(&cfg, &sraid_pr_host_ops, h);
    h->timer = timer_new_ms(QEMU_CLOCK_REALTIME, sraid_pr_host_timer_cb, h);
    h->view_timer = timer_new_ms(QEMU_CLOCK_REALTIME,
                                 sraid_pr_host_view_timer_cb, h);
    s->pr_host = h;
    if (!s->membership) {
        /* alone: its own master, every change local */
        sraid_prc_set_view(h->prc, s->node_id, 0, 1u << s->node_id);
    }
}

void sraid_pr_host_cleanup(SraidCtrl *s)
{
    SraidPrHost *h = s->pr_host;
    GHashTableIter it;
    gpointer req;

    if (!h) {
        return;
    }
    s->pr_host = NULL;
    h->s = NULL;
    timer_free(h->timer);
    timer_free(h->view_timer);
    g_hash_table_iter_init(&it, h->reqs);
    while (g_hash_table_iter_next(&it, NULL, &req)) {
        scsi_req_unref(req);
    }
    g_hash_table_remove_all(h->reqs);
    sraid_prc_free(h->prc);
    h->prc = NULL;
    sraid_pr_host_unref(h);
}

const SraidPrState *sraid_pr_host_state(SraidCtrl *s, uint8_t ld)
{
    return s->pr_host ? sraid_prc_state(s->pr_host->prc, ld) : NULL;
}

const SraidPrConfig *sraid_pr_host_config(SraidCtrl *s)
{
    return sraid_prc_pr_config(s->pr_host->prc);
}

bool sraid_pr_host_ready(SraidCtrl *s, uint8_t ld)
{
    return s->pr_host && sraid_prc_ready(s->pr_host->prc, ld);
}

void sraid_pr_host_ld(SraidCtrl *s, uint8_t ld, bool present)
{
    SraidPrHost *h = s->pr_host;
    g_autofree SraidPrState *st = g_new(SraidPrState, 1);
    bool stored;

    if (!h) {
        return;
    }
    /* after a power on: what was stored with APTPL (SPC-4 5.7.5) */
    stored = present && sraid_ld_pr_store_take(s, ld, st);
    sraid_pr_host_enter(h);
    sraid_prc_set_ld(h->prc, ld, present, stored ? st : NULL);
    sraid_pr_host_leave(h);
}

void sraid_pr_host_submit(SraidCtrl *s, uint8_t ld, const SraidPrNexus *nx,
                          const uint8_t *cdb, const uint8_t *param,
                          size_t param_len, SCSIRequest *req)
{
    SraidPrHost *h = s->pr_host;
    uint64_t token = ++h->next_token;

    scsi_req_ref(req);
    g_hash_table_insert(h->reqs, GUINT_TO_POINTER(token), req);
    trace_sraid_pr_cluster_submit(s->node_id, ld, cdb[1] & 0x1f, nx->rtpi,
                                  token);
    sraid_pr_host_enter(h);
    sraid_prc_submit(h->prc, ld, nx, cdb, param, param_len, token);
    sraid_pr_host_leave(h);
}

uint8_t sraid_pr_host_receive(SraidCtrl *s, const SraidVendorNexus *nx,
                              uint8_t dcmd, uint8_t ld, const uint8_t *p,
                              size_t len, uint8_t *data_in, size_t cap,
                              size_t *data_len, SraidSense *sense)
{
    SraidPrHost *h = s->pr_host;
    uint8_t status;

    sraid_pr_host_enter(h);
    status = sraid_prc_receive(h->prc, nx, dcmd, ld, p, len, data_in, cap,
                               data_len, sense);
    sraid_pr_host_leave(h);
    trace_sraid_pr_cluster_receive(s->node_id, nx->node, dcmd, len, status,
                                   status == CHECK_CONDITION ? sense->asc : 0,
                                   status == CHECK_CONDITION ? sense->ascq
                                                             : 0);
    return status;
}

/*
 * Membership's view, read once it has settled: its callbacks fire in the
 * middle of its own transitions.
 */
static void sraid_pr_host_view_bh(void *opaque)
{
    SraidPrHost *h = opaque;
    SraidCtrl *s = h->s;
    SraidMemberView v;
    uint8_t master;
    uint64_t epoch;
    uint16_t live;

    h->view_pending = false;
    if (!s || !sraid_cluster_view(s, &v)) {
        sraid_pr_host_unref(h);
        return;
    }
    sraid_prc_member_view(&v, sraid_cluster_may_write_cod(s), &master,
                          &epoch, &live);
    if (v.master == s->node_id && master == SRAID_NODE_NONE &&
        !v.suspended) {
        /*
         * Master in membership's eyes, but its lease is not confirmed
         * yet: look again shortly (membership has no callback for it).
         */
        timer_mod(h->view_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 50);
    }
    trace_sraid_pr_cluster_view(s->node_id, master, epoch, live,
                                v.drives_alive, v.suspended);
    sraid_pr_host_enter(h);
    if (v.suspended) {
        /* SPC: a command the controller cannot finish ends NOT READY */
        SraidScsiResult res;
        SraidSense sense = sraid_sense_manual_intervention;

        sraid_result_sense(&res, &sense);
        sraid_prc_stop(h->prc, &res);
    } else {
        sraid_prc_set_view(h->prc, master, epoch, live);
        sraid_prc_set_alive(h->prc, v.drives_alive);
    }
    sraid_pr_host_leave(h);
    sraid_pr_host_unref(h);
}

static void sraid_pr_host_view_timer_cb(void *opaque)
{
    SraidPrHost *h = opaque;

    if (h->s) {
        sraid_pr_host_view_changed(h->s);
    }
}

void sraid_pr_host_view_changed(SraidCtrl *s)
{
    SraidPrHost *h = s->pr_host;

    if (!h || h->view_pending) {
        return;
    }
    h->view_pending = true;
    sraid_pr_host_ref(h);
    aio_bh_schedule_oneshot(qemu_get_aio_context(), sraid_pr_host_view_bh, h);
}

void sraid_pr_host_query(SraidCtrl *s, SraidPrcView *v)
{
    sraid_prc_view(s->pr_host->prc, v);
}
