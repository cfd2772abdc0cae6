/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: cluster-wide SPC-2 reservations (resv2-cluster.h;
 * seed 003 figs. 10, 12 and 19).
 */
#include <glib.h>
#include <string.h>

#include "node-state.h"
#include "resv2-cluster.h"
#include "vendor-cmd.h"

#define LUN     SRAID_RESV2_CLUSTER_LUN

/* Tokens: the command's id above the node it went to */
#define TOKEN_NODE_BITS     4
#define TOKEN(id, node)     (((uint64_t)(id) << TOKEN_NODE_BITS) | (node))
/* Id of the Node_Release that nobody waits for (resets, node deaths) */
#define ID_NONE             0

typedef enum Phase {
    PH_NEW,             /* queued behind another command of the LD */
    PH_ASK,             /* Node_Reserve out, step 1040 */
    PH_WAIT,            /* step 1045, before asking again */
    PH_WITHDRAW,        /* Node_Release where Node_Reserve took, 1035 */
    PH_RELEASE,         /* Node_Release everywhere, fig. 19 step 1905 */
} Phase;

typedef struct Op {
    uint64_t id;
    uint8_t ld;
    bool reserve;               /* else RELEASE */
    uint64_t tag;
    SraidPrNexus nx;
    Phase phase;
    uint8_t channel;
    uint16_t waiting;           /* nodes that have not answered yet */
    uint16_t granted;           /* took this node's entry (GOOD) */
    uint16_t refused;           /* RESERVATION CONFLICT this round */
    bool retried;               /* step 1040 done a second time */
    uint64_t wake_at;           /* PH_WAIT */
    uint8_t final;              /* PH_WITHDRAW, PH_RELEASE: the status */
    bool ended;
    SraidScsiResult res;
} Op;

struct SraidResv2Cluster {
    SraidResv2ClusterConfig cfg;
    SraidNodeMemory *mem;
    const SraidResv2ClusterOps *ops;
    void *opaque;
    SraidResv2 local[SRAID_RESV_MAX_LDS];   /* the holder nexus here */
    GQueue queue[SRAID_RESV_MAX_LDS];       /* of Op; the head runs */
    uint64_t next_id;
};

static uint8_t self(const SraidResv2Cluster *rc)
{
    return rc->cfg.node_id;
}

static uint8_t table_holder(const SraidResv2Cluster *rc, uint8_t ld)
{
    return sraid_node_resv_holder(rc->mem, ld, LUN);
}

static void changed(SraidResv2Cluster *rc, uint8_t ld, const char *why)
{
    if (rc->ops->changed) {
        rc->ops->changed(rc->opaque, ld, why);
    }
}

/* The other live nodes to ask, without this one */
static uint16_t peers(SraidResv2Cluster *rc, uint8_t *channel)
{
    *channel = 0;
    return rc->ops->peers(rc->opaque, channel) & ~(1u << self(rc)) &
           ((1u << SRAID_NODE_MAX) - 1);
}

/* Node_Reserve or Node_Release (Tables 8, 9) of @ld for @holder */
static void send_resv(SraidResv2Cluster *rc, uint8_t node, uint8_t channel,
                      uint8_t dcmd, uint8_t ld, uint8_t holder, uint64_t id)
{
    SraidVendorCdb v = {
        .lun = 0,                       /* the node's controller LUN */
        .dcmd = dcmd,
        .length = SRAID_RESV_ENTRY_LEN,
    };
    SraidResvEntry e = { .ld = ld, .lun = LUN, .node = holder };
    uint8_t cdb[SRAID_VENDOR_CDB_LEN];
    uint8_t buf[SRAID_RESV_ENTRY_LEN];
    bool ok = sraid_vendor_cdb_encode(&v, cdb);

    g_assert(ok);
    sraid_resv_entry_encode(&e, buf);
    rc->ops->send(rc->opaque, node, channel, cdb, sizeof(cdb), buf,
                  sizeof(buf), rc->cfg.timeout_ms, TOKEN(id, node));
}

static void send_all(SraidResv2Cluster *rc, uint16_t mask, uint8_t channel,
                     uint8_t dcmd, uint8_t ld, uint8_t holder, uint64_t id)
{
    for (uint8_t n = 0; n < SRAID_NODE_MAX; n++) {
        if (mask & (1u << n)) {
            send_resv(rc, n, channel, dcmd, ld, holder, id);
        }
    }
}

/*
 * Remove @holder's entry for @ld here and, without waiting for answers,
 * on every other live node but @skip: a reset, a lost nexus, a dead node.
 */
static void release_everywhere(SraidResv2Cluster *rc, uint8_t ld,
                               uint8_t holder, uint8_t skip)
{
    SraidResvEntry e = { .ld = ld, .lun = LUN, .node = holder };
    uint8_t channel;
    uint16_t mask = peers(rc, &channel);

    sraid_node_resv_release(rc->mem, &e);
    if (skip < SRAID_NODE_MAX) {
        mask &= ~(1u << skip);
    }
    send_all(rc, mask, channel, SRAID_DCMD_NODE_RELEASE, ld, holder, ID_NONE);
}

static void clear_local(SraidResv2Cluster *rc, uint8_t ld, const char *why)
{
    if (rc->local[ld].held) {
        sraid_resv2_init(&rc->local[ld]);
        changed(rc, ld, why);
    }
}

static void op_end(Op *op, uint8_t status)
{
    op->ended = true;
    op->waiting = 0;
    sraid_result_status(&op->res, status);
}

/* Step 1040: Node_Reserve to the nodes of @mask */
static void ask(SraidResv2Cluster *rc, Op *op, uint16_t mask)
{
    op->phase = PH_ASK;
    op->refused = 0;
    op->waiting = mask;
    send_all(rc, mask, op->channel, SRAID_DCMD_NODE_RESERVE, op->ld,
             self(rc), op->id);
}

/* Step 1030: every node holds this node's entry */
static void grant(SraidResv2Cluster *rc, Op *op)
{
    rc->local[op->ld].held = true;
    rc->local[op->ld].holder = op->nx;
    changed(rc, op->ld, NULL);
    op_end(op, SRAID_STATUS_GOOD);
}

/*
 * Step 1035: give up.  The entry goes from this node's table and from the
 * tables of the nodes that took it; RESERVATION CONFLICT once they have
 * answered (so that the winner's next Node_Reserve finds them empty).
 */
static void withdraw(SraidResv2Cluster *rc, Op *op)
{
    SraidResvEntry e = { .ld = op->ld, .lun = LUN, .node = self(rc) };

    sraid_node_resv_release(rc->mem, &e);
    op->final = SRAID_STATUS_RESERVATION_CONFLICT;
    if (!op->granted) {
        op_end(op, op->final);
        return;
    }
    op->phase = PH_WITHDRAW;
    op->waiting = op->granted;
    send_all(rc, op->granted, op->channel, SRAID_DCMD_NODE_RELEASE, op->ld,
             self(rc), op->id);
}

/* The highest node id in @mask */
static int highest(uint16_t mask)
{
    int h = -1;

    for (int n = 0; n < SRAID_NODE_MAX; n++) {
        if (mask & (1u << n)) {
            h = n;
        }
    }
    return h;
}

/* Step 1020: every node asked has answered */
static void asked(SraidResv2Cluster *rc, Op *op)
{
    if (table_holder(rc, op->ld) != self(rc)) {
        /* a reset released it meanwhile (here or a peer's Node_Release) */
        withdraw(rc, op);
        return;
    }
    if (!op->refused) {
        grant(rc, op);
        return;
    }
    /*
     * Step 1050: priority is the node id (the seed's SCSI id).  The
     * refusing nodes are the ones whose table has another entry; in the
     * seed's race of two nodes, the other reserving node itself.
     */
    if (!op->retried && self(rc) > highest(op->refused)) {
        op->phase = PH_WAIT;
        op->wake_at = rc->ops->now_ms(rc->opaque) + rc->cfg.wait_ms;
        return;
    }
    withdraw(rc, op);
}

/* Run the command at the head of its logical drive's queue */
static void start(SraidResv2Cluster *rc, Op *op)
{
    SraidResv2 *l = &rc->local[op->ld];
    SraidResvEntry e = { .ld = op->ld, .lun = LUN, .node = self(rc) };
    uint8_t holder = table_holder(rc, op->ld);
    uint16_t mask = peers(rc, &op->channel);

    if (!op->reserve) {
        /* SPC-2 7.19, 7.20, fig. 19 step 1910: no holder, no effect */
        if (!sraid_resv2_is_holder(l, &op->nx)) {
            op_end(op, SRAID_STATUS_GOOD);
            return;
        }
        clear_local(rc, op->ld, "release");
        /* step 1905: from this table and from every other node's */
        sraid_node_resv_release(rc->mem, &e);
        op->final = SRAID_STATUS_GOOD;
        if (!mask) {
            op_end(op, op->final);
            return;
        }
        op->phase = PH_RELEASE;
        op->waiting = mask;
        send_all(rc, mask, op->channel, SRAID_DCMD_NODE_RELEASE, op->ld,
                 self(rc), op->id);
        return;
    }
    if (l->held) {
        /* SPC-2 7.21.2: another nexus's; the holder's again: the same */
        op_end(op, sraid_resv2_is_holder(l, &op->nx) ?
                   SRAID_STATUS_GOOD : SRAID_STATUS_RESERVATION_CONFLICT);
        return;
    }
    /* step 1005: another node holds it */
    if (holder != SRAID_NODE_NONE && holder != self(rc)) {
        op_end(op, SRAID_STATUS_RESERVATION_CONFLICT);
        return;
    }
    sraid_node_resv_reserve(rc->mem, &e);          /* step 1015 */
    if (!mask) {
        grant(rc, op);
        return;
    }
    ask(rc, op, mask);                              /* step 1040 */
}

/* Answer and drop the ended commands at the head of @ld's queue */
static void advance(SraidResv2Cluster *rc, uint8_t ld)
{
    GQueue *q = &rc->queue[ld];
    Op *op;

    while ((op = g_queue_peek_head(q))) {
        if (op->phase == PH_NEW && !op->ended) {
            start(rc, op);
        }
        if (!op->ended) {
            return;
        }
        g_queue_pop_head(q);
        rc->ops->done(rc->opaque, op->tag, &op->res);
        g_free(op);
    }
}

/* @node answered the running command @op (@err: it did not) */
static void answered(SraidResv2Cluster *rc, Op *op, uint8_t node, int err,
                     const SraidScsiResult *r)
{
    uint16_t bit = 1u << node;

    if (!(op->waiting & bit)) {
        return;
    }
    op->waiting &= ~bit;
    if (op->phase == PH_ASK && !err) {
        /*
         * Fig. 12: GOOD (1215) or RESERVATION CONFLICT (1220).  Anything
         * else (a suspended node's NOT READY) or no answer: the node holds
         * nothing membership will let it serve (resv2-cluster.h).
         */
        if (r->status == SRAID_STATUS_RESERVATION_CONFLICT) {
            op->refused |= bit;
        } else if (r->status == SRAID_STATUS_GOOD) {
            op->granted |= bit;
        }
    }
    if (op->waiting) {
        return;
    }
    if (op->phase == PH_ASK) {
        asked(rc, op);
    } else {
        op_end(op, op->final);
    }
}

SraidResv2Cluster *sraid_resv2_cluster_new(const SraidResv2ClusterConfig *cfg,
                                           SraidNodeMemory *mem,
                                           const SraidResv2ClusterOps *ops,
                                           void *opaque)
{
    SraidResv2Cluster *rc = g_new0(SraidResv2Cluster, 1);

    g_assert(cfg->node_id < SRAID_NODE_MAX);
    rc->cfg = *cfg;
    rc->mem = mem;
    rc->ops = ops;
    rc->opaque = opaque;
    rc->next_id = ID_NONE + 1;
    for (unsigned i = 0; i < SRAID_RESV_MAX_LDS; i++) {
        sraid_resv2_init(&rc->local[i]);
        g_queue_init(&rc->queue[i]);
    }
    return rc;
}

void sraid_resv2_cluster_free(SraidResv2Cluster *rc)
{
    Op *op;

    if (!rc) {
        return;
    }
    for (unsigned i = 0; i < SRAID_RESV_MAX_LDS; i++) {
        while ((op = g_queue_pop_head(&rc->queue[i]))) {
            sraid_result_status(&op->res, SRAID_STATUS_BUSY);
            rc->ops->done(rc->opaque, op->tag, &op->res);
            g_free(op);
        }
    }
    g_free(rc);
}

SraidResv2Access sraid_resv2_cluster_check(const SraidResv2Cluster *rc,
                                           uint8_t ld, const SraidPrNexus *nx,
                                           const uint8_t *cdb, size_t cdb_len)
{
    uint8_t holder;

    g_assert(ld < SRAID_RESV_MAX_LDS);
    holder = table_holder(rc, ld);
    if (holder != SRAID_NODE_NONE && holder != self(rc)) {
        /*
         * Another node's: an I_T nexus no initiator of this node is (no
         * target port has relative identifier 0), so the rules for
         * "another initiator" of SPC-2 5.5.1 apply to everyone here.
         */
        SraidResv2 other = { .held = true };

        return sraid_resv2_check(&other, nx, cdb, cdb_len);
    }
    return sraid_resv2_check(&rc->local[ld], nx, cdb, cdb_len);
}

bool sraid_resv2_cluster_is_holder(const SraidResv2Cluster *rc, uint8_t ld,
                                   const SraidPrNexus *nx)
{
    g_assert(ld < SRAID_RESV_MAX_LDS);
    return sraid_resv2_is_holder(&rc->local[ld], nx);
}

uint8_t sraid_resv2_cluster_holder(const SraidResv2Cluster *rc, uint8_t ld)
{
    g_assert(ld < SRAID_RESV_MAX_LDS);
    return table_holder(rc, ld);
}

bool sraid_resv2_cluster_execute(SraidResv2Cluster *rc, uint8_t ld,
                                 const SraidPrNexus *nx, const uint8_t *cdb,
                                 size_t cdb_len, uint64_t tag,
                                 SraidScsiResult *res)
{
    SraidResv2 scratch;
    Op *op;

    g_assert(ld < SRAID_RESV_MAX_LDS);
    /* the CDB checks of resv2.c, on a copy: refused fields end it now */
    scratch = rc->local[ld];
    sraid_resv2_execute(&scratch, nx, cdb, cdb_len, res);
    if (res->status == SRAID_STATUS_CHECK_CONDITION) {
        return true;
    }
    op = g_new0(Op, 1);
    op->id = rc->next_id++;
    op->ld = ld;
    op->reserve = cdb[0] == SRAID_OP_RESERVE_6 ||
                  cdb[0] == SRAID_OP_RESERVE_10;
    op->tag = tag;
    op->nx = *nx;
    g_queue_push_tail(&rc->queue[ld], op);
    if (g_queue_get_length(&rc->queue[ld]) > 1) {
        return false;                   /* after the ones before it */
    }
    start(rc, op);
    if (!op->ended) {
        return false;
    }
    g_queue_pop_head(&rc->queue[ld]);
    *res = op->res;
    g_free(op);
    return true;
}

bool sraid_resv2_cluster_reset(SraidResv2Cluster *rc, uint8_t ld)
{
    uint8_t holder;

    g_assert(ld < SRAID_RESV_MAX_LDS);
    holder = table_holder(rc, ld);
    /* SPC-2 5.5.1: the logical unit's reservation, whoever holds it */
    clear_local(rc, ld, "reset");
    if (holder == SRAID_NODE_NONE) {
        return false;
    }
    release_everywhere(rc, ld, holder, SRAID_NODE_NONE);
    return true;
}

unsigned sraid_resv2_cluster_nexus_lost(SraidResv2Cluster *rc, uint8_t ld,
                                        const SraidPrNexus *nx)
{
    unsigned n = 0;

    for (uint8_t i = 0; i < SRAID_RESV_MAX_LDS; i++) {
        if ((ld != SRAID_NODE_NONE && i != ld) ||
            !sraid_resv2_is_holder(&rc->local[i], nx)) {
            continue;
        }
        clear_local(rc, i, "I_T nexus loss");
        release_everywhere(rc, i, self(rc), SRAID_NODE_NONE);
        n++;
    }
    return n;
}

/*
 * Has a node in @state (before: @old) lost whatever it reserved?  Failed,
 * killed, restarted or gone from the Nodes list; a node running in the
 * cluster that is new again rebooted (fast restart, Table 20).
 */
static bool lost_reservations(uint8_t old, uint8_t state)
{
    if (old == state) {
        return false;
    }
    switch (state) {
    case SRAID_NODE_STATE_NONE:
    case SRAID_NODE_FAILED_SLAVE:
    case SRAID_NODE_KILLED_SLAVE:
    case SRAID_NODE_RESTARTED_SLAVE:
        return true;
    case SRAID_NODE_NEW_SLAVE:
        return old == SRAID_NODE_MASTER || old == SRAID_NODE_ACTIVE_SLAVE ||
               old == SRAID_NODE_NEXUS_SLAVE ||
               old == SRAID_NODE_DIAGNOSED_SLAVE;
    default:
        return false;
    }
}

void sraid_resv2_cluster_node_changed(SraidResv2Cluster *rc, uint8_t node,
                                      uint8_t old_state, uint8_t state)
{
    if (node >= SRAID_NODE_MAX || !lost_reservations(old_state, state)) {
        return;
    }
    if (node == self(rc)) {
        /*
         * This node was killed or suspended: the others drop what it held
         * when they see it failed, and it rejoins as a new node, so its
         * table and its holders are stale.  Its guest and initiators get
         * nothing meanwhile (a suspended node answers NOT READY).
         */
        if (state != SRAID_NODE_KILLED_SLAVE) {
            return;
        }
        for (uint8_t ld = 0; ld < SRAID_RESV_MAX_LDS; ld++) {
            clear_local(rc, ld, "suspended");
        }
        for (uint8_t n = 0; n < SRAID_NODE_MAX; n++) {
            sraid_node_resv_drop_node(rc->mem, n);
        }
        return;
    }
    for (uint8_t ld = 0; ld < SRAID_RESV_MAX_LDS; ld++) {
        Op *op = g_queue_peek_head(&rc->queue[ld]);

        /*
         * Its entries go here and, by Node_Release naming it, on the other
         * nodes (a slave does not watch the other slaves: the master does,
         * and tells them).
         */
        if (table_holder(rc, ld) == node) {
            release_everywhere(rc, ld, node, node);
        }
        /* a command waiting for its answer need not wait any longer */
        if (op && !op->ended && op->phase != PH_NEW) {
            op->refused &= ~(1u << node);
            op->granted &= ~(1u << node);
            answered(rc, op, node, -1, NULL);
            advance(rc, ld);
        }
    }
}

void sraid_resv2_cluster_table_changed(SraidResv2Cluster *rc,
                                       const SraidResvEntry *e,
                                       bool reserved)
{
    /*
     * Another node's reset released this node's reservation (fig. 12
     * step 1105 on the entry it names): the holder here goes too.  A
     * RESERVE still asking finds its entry gone and withdraws (asked()).
     */
    if (!reserved && e->node == self(rc) && e->ld < SRAID_RESV_MAX_LDS &&
        e->lun == LUN) {
        clear_local(rc, e->ld, "peer release");
    }
}

void sraid_resv2_cluster_cmd_done(SraidResv2Cluster *rc, uint64_t token,
                                  int err, const SraidScsiResult *r)
{
    uint64_t id = token >> TOKEN_NODE_BITS;
    uint8_t node = token & ((1u << TOKEN_NODE_BITS) - 1);

    if (id == ID_NONE) {
        return;
    }
    for (uint8_t ld = 0; ld < SRAID_RESV_MAX_LDS; ld++) {
        Op *op = g_queue_peek_head(&rc->queue[ld]);

        if (op && op->id == id && !op->ended) {
            answered(rc, op, node, err || !r ? -1 : 0, r);
            advance(rc, ld);
            return;
        }
    }
}

void sraid_resv2_cluster_tick(SraidResv2Cluster *rc)
{
    uint64_t now = rc->ops->now_ms(rc->opaque);

    for (uint8_t ld = 0; ld < SRAID_RESV_MAX_LDS; ld++) {
        Op *op = g_queue_peek_head(&rc->queue[ld]);
        uint16_t mask;

        if (!op || op->phase != PH_WAIT || op->wake_at > now) {
            continue;
        }
        /* step 1045 over: step 1040 once more, to the nodes that refused */
        op->retried = true;
        mask = op->refused & peers(rc, &op->channel);
        if (mask) {
            ask(rc, op, mask);
        } else {
            op->refused = 0;
            asked(rc, op);
        }
        advance(rc, ld);
    }
}

uint64_t sraid_resv2_cluster_next_deadline(const SraidResv2Cluster *rc)
{
    uint64_t when = UINT64_MAX;

    for (uint8_t ld = 0; ld < SRAID_RESV_MAX_LDS; ld++) {
        const Op *op = g_queue_peek_head((GQueue *)&rc->queue[ld]);

        if (op && op->phase == PH_WAIT && op->wake_at < when) {
            when = op->wake_at;
        }
    }
    return when;
}
