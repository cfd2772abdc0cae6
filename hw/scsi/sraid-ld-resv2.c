/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: SPC-2 RESERVE(6/10) and RELEASE(6/10) of the logical drives
 * (SPC-2 5.5.1, 7.19-7.22), cluster-wide (seed 003 figs. 10, 12, 19).
 *
 * The protocol is the firmware core's (sraid/resv2-cluster.c, one per
 * controller, created at first use): it owns the holder I_T nexus of
 * every logical drive on this node and sends Node_Reserve / Node_Release
 * to the other nodes.  This file backs its ops: time and a timer on
 * QEMU_CLOCK_REALTIME (the step 1045 wait), the other live nodes from
 * membership (sraid_cluster_view) and, for the nodes a slave's membership
 * does not list (the other slaves), the bus scan; the commands go over the
 * peer links (sraid_peers_send) on the node-communications channel.
 * It runs the SCSI commands of both devices of a logical drive (guest
 * path and iSCSI twin), asynchronously when the other nodes must answer,
 * and feeds the core the resets, I_T nexus losses, the Node_Reserve /
 * Node_Release the vendor layer received, and membership's node changes.
 *
 * Like sraid-cluster.c: no completion reaches the core from inside one of
 * its ops; answers of the peers come from sraid-peer.c's bottom half
 * (sraid-peer.h), never before sraid_peers_send() returns.
 */

#include "qemu/osdep.h"
#include "hw/scsi/scsi.h"
#include "qemu/timer.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

struct SraidLdResv2 {
    SraidCtrl *s;                   /* NULL once the controller stopped */
    SraidResv2Cluster *rc;
    QEMUTimer *timer;
    unsigned refs;                  /* the controller's, one per command */
};

static void sraid_ld_resv2_unref(SraidLdResv2 *r)
{
    if (--r->refs == 0) {
        g_free(r);
    }
}

/* After every call into the core: the timer at its next deadline */
static void sraid_ld_resv2_rearm(SraidLdResv2 *r)
{
    uint64_t when = sraid_resv2_cluster_next_deadline(r->rc);

    if (when == UINT64_MAX) {
        timer_del(r->timer);
    } else {
        timer_mod(r->timer, MIN(when, (uint64_t)INT64_MAX));
    }
}

static void sraid_ld_resv2_timer_cb(void *opaque)
{
    SraidLdResv2 *r = opaque;

    sraid_resv2_cluster_tick(r->rc);
    sraid_ld_resv2_rearm(r);
}

/* ---- ops ---- */

static uint64_t sraid_ld_resv2_now_ms(void *opaque)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

/* Not failed, killed, restarted or unknown: it may hold and must learn */
static bool sraid_ld_resv2_state_live(uint8_t state)
{
    return state != SRAID_NODE_STATE_NONE &&
           state != SRAID_NODE_FAILED_SLAVE &&
           state != SRAID_NODE_KILLED_SLAVE &&
           state != SRAID_NODE_RESTARTED_SLAVE;
}

/*
 * The other live nodes (fig. 10 step 1040 "the other node(s)"): those
 * membership lists in a live state, and, as a slave's Nodes list holds
 * only the master, the nodes that answered the last bus scan on the
 * node-communications channel and that membership does not list.
 */
static uint16_t sraid_ld_resv2_peers(void *opaque, uint8_t *channel)
{
    SraidLdResv2 *r = opaque;
    SraidCtrl *s = r->s;
    SraidMemberView v;
    uint16_t mask = 0;

    if (!s || !s->peers || !sraid_cluster_view(s, &v) ||
        v.comm_channel >= s->channels) {
        return 0;
    }
    *channel = v.comm_channel;
    for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
        bool booting;

        if (n == s->node_id) {
            continue;
        }
        if (v.nodes[n].known ? sraid_ld_resv2_state_live(v.nodes[n].state)
                             : sraid_peers_present(s->peers, n,
                                                   v.comm_channel,
                                                   &booting)) {
            mask |= 1u << n;
        }
    }
    return mask;
}

typedef struct SraidLdResv2Cmd {
    SraidLdResv2 *r;
    uint64_t token;
    uint8_t node, dcmd;
} SraidLdResv2Cmd;

/*
 * sraid_peers_send's answer: from a bottom half, so never inside one of
 * the core's ops, and into the core at once
 */
static void sraid_ld_resv2_cmd_cb(void *opaque, int err,
                                  const SraidScsiResult *res,
                                  const uint8_t *data_in)
{
    SraidLdResv2Cmd *cmd = opaque;
    SraidLdResv2 *r = cmd->r;

    trace_sraid_ld_resv2_answer(r->s ? r->s->node_id : 0xff, cmd->node,
                                cmd->dcmd, err, err ? 0xff : res->status);
    if (r->s) {
        sraid_resv2_cluster_cmd_done(r->rc, cmd->token, err,
                                     err ? NULL : res);
        sraid_ld_resv2_rearm(r);
    }
    sraid_ld_resv2_unref(r);
    g_free(cmd);
}

static void sraid_ld_resv2_send(void *opaque, uint8_t node, uint8_t channel,
                                const uint8_t *cdb, size_t cdb_len,
                                const uint8_t *out, size_t out_len,
                                uint32_t timeout_ms, uint64_t token)
{
    SraidLdResv2 *r = opaque;
    SraidLdResv2Cmd *cmd = g_new0(SraidLdResv2Cmd, 1);

    r->refs++;
    cmd->r = r;
    cmd->token = token;
    cmd->node = node;
    cmd->dcmd = cdb[2];
    trace_sraid_ld_resv2_send(r->s->node_id, node, channel, cmd->dcmd,
                              out[0], out[2]);
    sraid_peers_send(r->s->peers, node, channel, cdb, cdb_len, out, out_len,
                     0, timeout_ms, sraid_ld_resv2_cmd_cb, cmd);
}

/* A RESERVE/RELEASE that waited for the other nodes ended */
static void sraid_ld_resv2_done(void *opaque, uint64_t tag,
                                const SraidScsiResult *res)
{
    SraidLdResv2 *r = opaque;
    SCSIRequest *req = (SCSIRequest *)(uintptr_t)tag;

    trace_sraid_ld_resv2_done(r->s ? r->s->node_id : 0xff, req->cmd.buf[0],
                              res->status, req->io_canceled);
    if (!req->io_canceled) {
        sraid_req_complete_result(req, res);
    }
    scsi_req_unref(req);
}

static void sraid_ld_resv2_changed(void *opaque, uint8_t ld, const char *why)
{
    SraidLdResv2 *r = opaque;
    unsigned node = r->s ? r->s->node_id : 0xff;

    if (why) {
        trace_sraid_ld_resv2_released(node, ld, why);
    } else {
        trace_sraid_ld_resv2_taken(node, ld);
    }
}

static const SraidResv2ClusterOps sraid_ld_resv2_ops = {
    .now_ms = sraid_ld_resv2_now_ms,
    .peers = sraid_ld_resv2_peers,
    .send = sraid_ld_resv2_send,
    .done = sraid_ld_resv2_done,
    .changed = sraid_ld_resv2_changed,
};

/*
 * The controller's core object, made at first use.  Step 1045 waits one
 * heartbeat interval (long enough for the loser's Node_Release to arrive);
 * a peer has as long to answer as membership gives it before it declares
 * it failed (heartbeat-misses intervals).
 */
static SraidLdResv2 *sraid_ld_resv2_of(SraidCtrl *s)
{
    SraidResv2ClusterConfig cfg = {
        .node_id = s->node_id,
        .wait_ms = s->heartbeat_ms ? s->heartbeat_ms
                                   : SRAID_RESV2_CLUSTER_WAIT_MS_DEFAULT,
        .timeout_ms = s->heartbeat_ms && s->heartbeat_misses ?
                      s->heartbeat_ms * s->heartbeat_misses :
                      SRAID_RESV2_CLUSTER_TIMEOUT_MS_DEFAULT,
    };
    SraidLdResv2 *r = s->resv2;

    if (!r) {
        r = s->resv2 = g_new0(SraidLdResv2, 1);
        r->s = s;
        r->refs = 1;
        r->timer = timer_new_ms(QEMU_CLOCK_REALTIME, sraid_ld_resv2_timer_cb,
                                r);
        r->rc = sraid_resv2_cluster_new(&cfg, &s->lun.node.mem,
                                        &sraid_ld_resv2_ops, r);
    }
    return r;
}

void sraid_ld_resv2_free(SraidCtrl *s)
{
    SraidLdResv2 *r = s->resv2;

    if (!r) {
        return;
    }
    s->resv2 = NULL;
    /* pending commands end in BUSY; answers on their way only free */
    sraid_resv2_cluster_free(r->rc);
    r->rc = NULL;
    r->s = NULL;
    timer_free(r->timer);
    sraid_ld_resv2_unref(r);
}

/* ---- the SCSI commands ---- */

typedef struct SraidResv2Req {
    SCSIRequest req;
    SraidLdUnit *unit;
    SraidPrNexus nexus;
} SraidResv2Req;

static int32_t sraid_resv2_send_command(SCSIRequest *req, uint8_t *cdb)
{
    SraidResv2Req *q = DO_UPCAST(SraidResv2Req, req, req);
    SraidLdUnit *u = q->unit;
    SraidLdResv2 *r = sraid_ld_resv2_of(u->ctrl);
    SraidScsiResult res;
    bool now;

    /* the core answers through ops->done, which drops this reference */
    scsi_req_ref(req);
    now = sraid_resv2_cluster_execute(r->rc, u->index, &q->nexus, cdb,
                                      req->cmd.len, (uintptr_t)req, &res);
    sraid_ld_resv2_rearm(r);
    if (!now) {
        /* fig. 10 step 1040 / fig. 19 step 1905: the other nodes first */
        trace_sraid_ld_resv2_pending(u->ctrl->node_id, u->index, cdb[0],
                                     q->nexus.rtpi);
        return 0;
    }
    scsi_req_unref(req);
    trace_sraid_ld_resv2(u->ctrl->node_id, u->index, cdb[0], q->nexus.rtpi,
                         res.status,
                         sraid_resv2_cluster_is_holder(r->rc, u->index,
                                                       &q->nexus));
    sraid_req_complete_result(req, &res);
    return 0;
}

static const SCSIReqOps sraid_resv2_req_ops = {
    .size         = sizeof(SraidResv2Req),
    .send_command = sraid_resv2_send_command,
};

SCSIRequest *sraid_ld_resv2_alloc(SraidLdUnit *u, SCSIDevice *d, uint32_t tag,
                                  uint32_t lun, void *hba_private,
                                  const SraidPrNexus *nx)
{
    SCSIRequest *req = scsi_req_alloc(&sraid_resv2_req_ops, d, tag, lun,
                                      hba_private);
    SraidResv2Req *r = DO_UPCAST(SraidResv2Req, req, req);

    r->unit = u;
    r->nexus = *nx;
    return req;
}

bool sraid_ld_resv2_conflict(SraidLdUnit *u, const SraidPrNexus *nx,
                             const uint8_t *cdb, size_t cdb_len)
{
    SraidLdResv2 *r = sraid_ld_resv2_of(u->ctrl);

    return sraid_resv2_cluster_check(r->rc, u->index, nx, cdb, cdb_len) ==
           SRAID_RESV2_CONFLICT;
}

void sraid_ld_resv2_reset(SraidLdUnit *u)
{
    SraidLdResv2 *r = sraid_ld_resv2_of(u->ctrl);

    /*
     * SPC-2 5.5.1: a logical unit reset or a hard reset releases it,
     * whichever node holds it: on every node (Node_Release naming it)
     */
    if (sraid_resv2_cluster_reset(r->rc, u->index)) {
        trace_sraid_ld_resv2_released(u->ctrl->node_id, u->index, "reset");
    }
    sraid_ld_resv2_rearm(r);
}

void sraid_ld_resv2_guest_reset(SraidLdUnit *u)
{
    SraidLdResv2 *r = sraid_ld_resv2_of(u->ctrl);
    SraidPrNexus guest;

    sraid_ld_pr_nexus(u, SCSI_DEVICE(u->dev), NULL, &guest);
    if (sraid_resv2_cluster_nexus_lost(r->rc, u->index, &guest)) {
        trace_sraid_ld_resv2_released(u->ctrl->node_id, u->index,
                                      "guest HBA reset");
    }
    sraid_ld_resv2_rearm(r);
}

void sraid_ld_resv2_nexus_lost(SraidCtrl *s, const SraidPrNexus *nx)
{
    SraidLdResv2 *r = sraid_ld_resv2_of(s);

    /* SPC-2 5.5.1 (SAM-3 I_T nexus loss): the holder's session ended */
    sraid_resv2_cluster_nexus_lost(r->rc, SRAID_NODE_NONE, nx);
    sraid_ld_resv2_rearm(r);
}

/* ---- what the cluster tells ---- */

void sraid_ld_resv2_node_changed(SraidCtrl *s, uint8_t node,
                                 uint8_t old_state, uint8_t state)
{
    SraidLdResv2 *r = sraid_ld_resv2_of(s);

    trace_sraid_ld_resv2_node(s->node_id, node, old_state, state);
    sraid_resv2_cluster_node_changed(r->rc, node, old_state, state);
    sraid_ld_resv2_rearm(r);
}

void sraid_ld_resv2_table_changed(void *opaque, const SraidVendorNexus *nx,
                                  const SraidResvEntry *e, bool reserved)
{
    SraidCtrl *s = opaque;
    SraidLdResv2 *r = sraid_ld_resv2_of(s);

    trace_sraid_ld_resv2_table(s->node_id, nx->node, e->ld, e->node,
                               reserved);
    sraid_resv2_cluster_table_changed(r->rc, e, reserved);
    sraid_ld_resv2_rearm(r);
}
