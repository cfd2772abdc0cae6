/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: persistent reservations across the cluster
 * (pr-cluster.h has the protocol; docs/persistent-reservations.md,
 * "Across the cluster", the reasoning).
 */

#include <glib.h>
#include <string.h>

#include "cod.h"
#include "pr-cluster.h"

#define BIT(n)          ((uint16_t)(1u << (n)))

/* ---- what this node submitted ---- */

/*
 * A PERSISTENT RESERVE OUT received here.  Only the oldest of each
 * logical drive travels to the master at a time, so that an origin's
 * requests reach the master in order and the state's applied record (the
 * last request per origin) tells exactly which of them it contains.
 */
typedef struct Pending {
    uint64_t token;
    uint8_t ld;
    SraidPrCommand cmd;
    uint8_t *param;                 /* owned; cmd.param points here */
    bool in_flight;                 /* a PR_Request is on its way */
    bool accepted;                  /* the master queued it */
    uint8_t sent_to;                /* the master that accepted it */
    uint64_t due;                   /* next (re)send */
    bool finishing;                 /* result known, own aborts running */
    SraidScsiResult result;
} Pending;

/* ---- the master's side ---- */

typedef enum JobKind {
    JOB_COMMAND,                    /* order a PERSISTENT RESERVE OUT */
    JOB_PUSH,                       /* send the whole state to nodes */
    JOB_COLLECT,                    /* new master: fetch every replica */
} JobKind;

typedef struct Job {
    JobKind kind;
    SraidPrCommand cmd;             /* JOB_COMMAND */
    uint8_t *param;
    uint16_t to;                    /* JOB_PUSH: these nodes */
} Job;

/* Where one node stands in a commit */
typedef enum Step {
    STEP_APPLY,                     /* send PR_Apply */
    STEP_STATE,                     /* send PR_State */
    STEP_POLL,                      /* its aborts are running: PR_Poll */
    STEP_COLLECT,                   /* fetch its replica: PR_Collect */
    STEP_DONE,
} Step;

typedef struct Target {
    Step step;
    bool in_flight;
    uint64_t due;
} Target;

typedef enum Phase {
    PHASE_PERSIST,                  /* APTPL: storing the new state */
    PHASE_NODES,                    /* every other node, own aborts */
    PHASE_ORIGIN,                   /* the origin, last */
} Phase;

typedef struct Commit {
    uint64_t serial;
    Job *job;
    Phase phase;
    bool changed;                   /* a new version */
    SraidPrState next;              /* PHASE_PERSIST: the state to adopt */
    SraidPrEffects *fx;             /* PHASE_PERSIST: its effects */
    SraidPrApplied result;
    uint32_t crc;                   /* of the new state */
    uint16_t nodes;                 /* PHASE_NODES: nodes to reach */
    unsigned local_aborts;          /* own aborts still running */
    uint8_t origin;                 /* SRAID_NODE_NONE for pushes */
    Target t[SRAID_NODE_MAX];
    /* JOB_COLLECT: the newest replica from the master line so far */
    uint64_t newest_epoch;          /* of every version seen */
    bool have_best;
    SraidPrVersion best_version;
    SraidPrState best;
    SraidPrApplied best_applied[SRAID_NODE_MAX];
} Commit;

typedef struct Ld {
    bool present;
    bool ready;                     /* replica from the current master line */
    SraidPrState st;
    SraidPrVersion ver;
    SraidPrApplied applied[SRAID_NODE_MAX];
    bool stored_aptpl;              /* what persist last stored had APTPL */
    unsigned aborts;                /* effects with aborts running here */
    GQueue jobs;                    /* master: Job */
    Commit *commit;                 /* master: the change on its way */
    GQueue pending;                 /* Pending submitted here, in order */
} Ld;

typedef enum SendKind {
    SEND_REQUEST,
    SEND_TARGET,                    /* a commit's message to one node */
    SEND_SYNC,
} SendKind;

typedef struct Send {
    SendKind kind;
    uint8_t ld;
    uint8_t node;
    uint8_t dcmd;
    uint64_t serial;                /* SEND_TARGET: the commit */
    uint64_t pending;               /* SEND_REQUEST: its token */
} Send;

typedef enum FxKind {
    FX_COMMIT,                      /* the master's own aborts of a commit */
    FX_RECEIVED,                    /* a PR_Apply's aborts here */
} FxKind;

typedef struct Fx {
    FxKind kind;
    uint8_t ld;
    uint64_t serial;                /* FX_COMMIT */
    uint64_t pending;               /* FX_RECEIVED on the origin, or 0 */
} Fx;

struct SraidPrCluster {
    SraidPrClusterConfig cfg;
    const SraidPrClusterOps *ops;
    void *opaque;
    SraidPrConfig pr_cfg;
    uint8_t master;
    uint64_t epoch;
    uint16_t live;
    uint16_t alive;                 /* sraid_prc_set_alive() */
    bool stopped;
    Ld lds[SRAID_PRC_MAX_LDS];
    uint32_t next_seq;              /* request counter of this boot */
    uint64_t next_token;
    uint64_t next_serial;
    GHashTable *sends;              /* token -> Send */
    GHashTable *fxs;                /* token -> Fx */
    GHashTable *persists;           /* token -> commit serial */
    uint8_t channel[SRAID_NODE_MAX];    /* the channel that worked last */
    bool sync_in_flight;
    uint64_t sync_due;
};

static const SraidSense sense_role_mismatch = {
    SRAID_SENSE_ILLEGAL_REQUEST, SRAID_ASC_VENDOR, SRAID_ASCQ_ROLE_MISMATCH
};
static const SraidSense sense_aborts_running = {
    SRAID_SENSE_NOT_READY, SRAID_ASC_VENDOR, SRAID_ASCQ_PR_ABORTS_RUNNING
};
static const SraidSense sense_out_of_sync = {
    SRAID_SENSE_ILLEGAL_REQUEST, SRAID_ASC_VENDOR, SRAID_ASCQ_PR_OUT_OF_SYNC
};
static const SraidSense sense_no_such_ld = {
    SRAID_SENSE_ILLEGAL_REQUEST, SRAID_ASC_VENDOR, SRAID_ASCQ_PR_NO_SUCH_LD
};
/* The change could not be stored for APTPL: INTERNAL TARGET FAILURE */
static const SraidSense sense_store_failed = {
    SRAID_SENSE_HARDWARE_ERROR, 0x44, 0x00
};

static void pump(SraidPrCluster *c, uint8_t ld);
static void pending_send(SraidPrCluster *c, Ld *l);

static uint64_t now(SraidPrCluster *c)
{
    return c->ops->now_ms(c->opaque);
}

static bool is_master(const SraidPrCluster *c)
{
    return !c->stopped && c->master == c->cfg.node_id;
}

static uint64_t new_token(SraidPrCluster *c)
{
    return ++c->next_token;
}

static void job_free(Job *j)
{
    if (j) {
        g_free(j->param);
        g_free(j);
    }
}

static void pending_free(Pending *p)
{
    g_free(p->param);
    g_free(p);
}

static void commit_free(Commit *m)
{
    if (m) {
        job_free(m->job);
        g_free(m->fx);
        g_free(m);
    }
}

/* A copy of @src whose parameter list lives in *@owned */
static void cmd_copy(SraidPrCommand *dst, uint8_t **owned,
                     const SraidPrCommand *src)
{
    *dst = *src;
    *owned = src->param_len ? g_memdup2(src->param, src->param_len) : NULL;
    dst->param = *owned;
}

static bool same_id(const SraidPrReqId *a, const SraidPrReqId *b)
{
    return a->origin == b->origin && a->boot == b->boot && a->seq == b->seq;
}

/* Does @l's state contain request @id (it or a later one of its origin)? */
static bool contains(const Ld *l, const SraidPrReqId *id)
{
    const SraidPrApplied *a = &l->applied[id->origin];

    return a->boot == id->boot && a->seq >= id->seq;
}

/* ---- sending ---- */

static void send_msg(SraidPrCluster *c, uint8_t node, uint8_t dcmd,
                     uint8_t ld, const uint8_t *buf, size_t len,
                     size_t in_len, const Send *ctx)
{
    SraidVendorCdb vc = {
        .dcmd = dcmd,
        .address = dcmd == SRAID_DCMD_PR_COLLECT ? ld : 0,
        .length = in_len ? in_len : len,
    };
    uint8_t cdb[SRAID_VENDOR_CDB_LEN];
    uint64_t token = new_token(c);
    Send *s = g_memdup2(ctx, sizeof(*ctx));

    if (!sraid_vendor_cdb_encode(&vc, cdb)) {
        g_assert_not_reached();
    }
    s->node = node;
    s->dcmd = dcmd;
    g_hash_table_insert(c->sends, GUINT_TO_POINTER(token), s);
    c->ops->send(c->opaque, node, c->channel[node] % c->cfg.channels, cdb,
                 sizeof(cdb), buf, len, in_len, SRAID_PRC_CMD_TIMEOUT_MS,
                 token);
}

/* The answer's sense, when it is a CHECK CONDITION with fixed sense */
static bool answer_is(int err, const SraidScsiResult *r, uint8_t key,
                      uint8_t asc, uint8_t ascq)
{
    return !err && r && r->status == SRAID_STATUS_CHECK_CONDITION &&
           r->sense_len >= 14 && (r->sense[2] & 0x0f) == key &&
           r->sense[12] == asc && r->sense[13] == ascq;
}

static bool answer_good(int err, const SraidScsiResult *r)
{
    return !err && r && r->status == SRAID_STATUS_GOOD;
}

/* ---- the replica ---- */

static void adopt(SraidPrCluster *c, uint8_t ld, const SraidPrState *st,
                  const SraidPrVersion *v)
{
    Ld *l = &c->lds[ld];

    if (st != &l->st) {
        l->st = *st;
    }
    l->ver = *v;
    if (c->ops->changed) {
        c->ops->changed(c->opaque, ld, v);
    }
}

static uint32_t state_crc(const SraidPrState *st)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_PR_ENC_MAX);
    size_t n = sraid_pr_encode(st, buf);

    /*
     * The encoding ends with the CRC32C of what precedes it; over the
     * whole of it CRC32C gives the same residue for every state, which
     * made PR_Apply's check compare two constants.
     */
    return sraid_crc32c(buf, n - 4);
}

/* Carry out @fx here; true when aborts run on (an Fx of @kind follows) */
static bool run_effects(SraidPrCluster *c, uint8_t ld,
                        const SraidPrEffects *fx, uint64_t skip,
                        FxKind kind, uint64_t serial, uint64_t pending)
{
    uint64_t token;
    Fx *f;

    if (!fx->n) {
        return false;
    }
    token = new_token(c);
    if (!c->ops->effects(c->opaque, ld, fx, skip, token)) {
        return false;
    }
    f = g_new0(Fx, 1);
    f->kind = kind;
    f->ld = ld;
    f->serial = serial;
    f->pending = pending;
    g_hash_table_insert(c->fxs, GUINT_TO_POINTER(token), f);
    c->lds[ld].aborts++;
    return true;
}

/* ---- the origin ---- */

static Pending *pending_head(Ld *l)
{
    return g_queue_peek_head(&l->pending);
}

static Pending *pending_by_token(SraidPrCluster *c, uint8_t ld,
                                 uint64_t token)
{
    for (GList *it = c->lds[ld].pending.head; it; it = it->next) {
        Pending *p = it->data;

        if (p->token == token) {
            return p;
        }
    }
    return NULL;
}

/* The head's result is known: end it, start the next one */
static void pending_end(SraidPrCluster *c, uint8_t ld, Pending *p,
                        const SraidScsiResult *res)
{
    Ld *l = &c->lds[ld];

    g_queue_remove(&l->pending, p);
    c->ops->complete(c->opaque, p->token, res);
    pending_free(p);
    if (pending_head(l)) {
        pending_send(c, l);
    }
}

/* The head's result is known; it ends when its aborts here have ended */
static void pending_result(SraidPrCluster *c, uint8_t ld, Pending *p,
                           const SraidScsiResult *res, bool aborts_running)
{
    if (p->finishing) {
        return;                     /* already known (a repeated message) */
    }
    p->finishing = true;
    p->result = *res;
    if (!aborts_running) {
        pending_end(c, ld, p, res);
    }
}

static void pending_send(SraidPrCluster *c, Ld *l)
{
    uint8_t ld = l - c->lds;
    Pending *p = pending_head(l);

    if (!p || p->in_flight || p->finishing || c->stopped) {
        return;
    }
    if (is_master(c)) {
        Job *j;

        /* into the own queue, unless it is there or done already */
        if (contains(l, &p->cmd.id)) {
            SraidScsiResult res;

            sraid_pr_applied_result(&l->applied[c->cfg.node_id], &res);
            pending_result(c, ld, p, &res, false);
            return;
        }
        if (l->commit && l->commit->job &&
            l->commit->job->kind == JOB_COMMAND &&
            same_id(&l->commit->job->cmd.id, &p->cmd.id)) {
            return;
        }
        for (GList *it = l->jobs.head; it; it = it->next) {
            Job *q = it->data;

            if (q->kind == JOB_COMMAND && same_id(&q->cmd.id, &p->cmd.id)) {
                return;
            }
        }
        j = g_new0(Job, 1);
        j->kind = JOB_COMMAND;
        cmd_copy(&j->cmd, &j->param, &p->cmd);
        g_queue_push_tail(&l->jobs, j);
        p->accepted = true;
        p->sent_to = c->cfg.node_id;
        p->due = UINT64_MAX;
        pump(c, ld);
        return;
    }
    if (c->master == SRAID_NODE_NONE) {
        p->due = UINT64_MAX;        /* set_view will send it */
        return;
    }
    {
        SraidPrRequestMsg m = { .ld = ld, .cmd = p->cmd };
        g_autofree uint8_t *buf = g_malloc(SRAID_VENDOR_MAX_XFER);
        size_t n = sraid_pr_request_encode(&m, buf, SRAID_VENDOR_MAX_XFER);
        Send s = { .kind = SEND_REQUEST, .ld = ld, .pending = p->token };

        g_assert(n);                /* sizes are bounded at submission */
        p->in_flight = true;
        p->accepted = false;
        p->sent_to = c->master;
        p->due = UINT64_MAX;
        send_msg(c, c->master, SRAID_DCMD_PR_REQUEST, ld, buf, n, 0, &s);
    }
}

static void request_done(SraidPrCluster *c, const Send *s, int err,
                         const SraidScsiResult *r)
{
    Pending *p = pending_by_token(c, s->ld, s->pending);

    if (!p) {
        return;
    }
    p->in_flight = false;
    if (p->finishing) {
        return;
    }
    if (s->node != c->master) {
        pending_send(c, &c->lds[s->ld]);    /* the master changed */
        return;
    }
    if (answer_good(err, r)) {
        /* queued there: resend only if no answer comes for long */
        p->accepted = true;
        p->due = now(c) + SRAID_PRC_RESEND_MS;
        return;
    }
    if (err) {
        c->channel[s->node]++;
    }
    p->due = now(c) + SRAID_PRC_RETRY_MS;
}

void sraid_prc_submit(SraidPrCluster *c, uint8_t ld, const SraidPrNexus *nx,
                      const uint8_t *cdb, const uint8_t *param,
                      size_t param_len, uint64_t token)
{
    Pending *p;
    Ld *l;

    if (ld >= SRAID_PRC_MAX_LDS || !c->lds[ld].present || c->stopped ||
        param_len > SRAID_PR_OUT_MAX_PARAM) {
        /* the owner checks these first; never leave a command hanging */
        SraidScsiResult res;
        SraidSense s = sraid_sense_manual_intervention;

        sraid_result_sense(&res, &s);
        c->ops->complete(c->opaque, token, &res);
        return;
    }
    l = &c->lds[ld];
    p = g_new0(Pending, 1);
    p->token = token;
    p->ld = ld;
    p->cmd.id.origin = c->cfg.node_id;
    p->cmd.id.boot = c->cfg.boot;
    p->cmd.id.seq = ++c->next_seq;
    p->cmd.nexus = *nx;
    memcpy(p->cmd.cdb, cdb, 10);
    p->cmd.param_len = param_len;
    p->param = param_len ? g_memdup2(param, param_len) : NULL;
    p->cmd.param = p->param;
    p->sent_to = SRAID_NODE_NONE;
    g_queue_push_tail(&l->pending, p);
    if (pending_head(l) == p) {
        pending_send(c, l);
    }
}

/* ---- the master: ordering ---- */

static uint16_t reachable(const SraidPrCluster *c)
{
    return c->live & ~BIT(c->cfg.node_id);
}

static void target_start(Commit *m, uint8_t node, Step step)
{
    m->t[node].step = step;
    m->t[node].in_flight = false;
    m->t[node].due = 0;
}

static void commit_origin_phase(SraidPrCluster *c, uint8_t ld);
static void commit_kick(SraidPrCluster *c, uint8_t ld);

/* Every node of the phase is done: go on */
static void commit_check(SraidPrCluster *c, uint8_t ld)
{
    Ld *l = &c->lds[ld];
    Commit *m = l->commit;

    if (!m || m->phase == PHASE_PERSIST) {
        return;
    }
    for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
        if ((m->nodes & BIT(n)) && m->t[n].step != STEP_DONE) {
            if (!(c->live & BIT(n)) &&
                !(m->job && m->job->kind == JOB_COLLECT &&
                  (c->alive & BIT(n)))) {
                /*
                 * Left the cluster: membership has fenced it.  (A node
                 * alive on the drives still counts for a collection.)
                 */
                m->t[n].step = STEP_DONE;
                continue;
            }
            return;
        }
    }
    if (m->local_aborts) {
        return;
    }
    if (m->job && m->job->kind == JOB_COLLECT) {
        /*
         * Every live node offered its replica: the newest from the
         * master line is the cluster's (an acknowledged change is on
         * every node that was live then); nobody has one at a cold start
         * of the whole cluster, and this node's (APTPL or empty) is.
         */
        if (m->have_best) {
            l->st = m->best;
            memcpy(l->applied, m->best_applied, sizeof(l->applied));
        }
        {
            /*
             * Versions of a new epoch, above every one seen: membership
             * may give a node that restarted, or lost and regained the
             * lease, its epoch again, and what it orders now must not
             * be taken for what it ordered before.  A random step (from
             * the boot) keeps it apart from the epochs of a history no
             * live node remembers (after the whole cluster restarted).
             */
            SraidPrVersion v = {
                MAX(c->epoch << 32, m->newest_epoch) + 1 +
                (c->cfg.boot & 0xffff), 0
            };

            l->ready = true;
            adopt(c, ld, &l->st, &v);
        }
        l->commit = NULL;
        commit_free(m);
        pump(c, ld);
        return;
    }
    if (m->phase == PHASE_NODES && m->origin != SRAID_NODE_NONE &&
        m->origin != c->cfg.node_id) {
        commit_origin_phase(c, ld);
        return;
    }
    /* done */
    if (m->origin == c->cfg.node_id) {
        Pending *p = pending_head(l);

        if (p && m->job && same_id(&p->cmd.id, &m->job->cmd.id)) {
            SraidScsiResult res;

            sraid_pr_applied_result(&m->result, &res);
            pending_result(c, ld, p, &res, false);
        }
    }
    l->commit = NULL;
    commit_free(m);
    pump(c, ld);
}

static void commit_origin_phase(SraidPrCluster *c, uint8_t ld)
{
    Commit *m = c->lds[ld].commit;

    m->phase = PHASE_ORIGIN;
    m->nodes = BIT(m->origin);
    target_start(m, m->origin, STEP_APPLY);
    commit_kick(c, ld);
}

/* The new state is stored (or needs no storing): adopt and distribute */
static void commit_distribute(SraidPrCluster *c, uint8_t ld)
{
    Ld *l = &c->lds[ld];
    Commit *m = l->commit;
    Job *j = m->job;
    uint16_t nodes = reachable(c);

    m->phase = PHASE_NODES;
    if (m->changed) {
        SraidPrVersion v = { l->ver.epoch, l->ver.seq + 1 };
        uint64_t skip = 0;

        adopt(c, ld, &m->next, &v);
        l->applied[j->cmd.id.origin] = m->result;
        if (j->cmd.id.origin == c->cfg.node_id && pending_head(l)) {
            skip = pending_head(l)->token;
        }
        if (run_effects(c, ld, m->fx, skip, FX_COMMIT, m->serial, 0)) {
            m->local_aborts++;
        }
        nodes &= ~BIT(m->origin);
        m->nodes = nodes;
        for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
            if (nodes & BIT(n)) {
                target_start(m, n, STEP_APPLY);
            }
        }
    } else {
        m->nodes = 0;               /* nothing changed: only the origin */
    }
    g_free(m->fx);
    m->fx = NULL;
    commit_kick(c, ld);
    commit_check(c, ld);
}

static void commit_command(SraidPrCluster *c, uint8_t ld, Commit *m)
{
    Ld *l = &c->lds[ld];
    Job *j = m->job;
    SraidScsiResult res;

    m->origin = j->cmd.id.origin;
    if (contains(l, &j->cmd.id)) {
        /*
         * Ordered before (by this master or one before it): the state
         * has its result.  Send the state, the origin ends it from there.
         */
        uint16_t to = reachable(c) | BIT(m->origin);

        to &= ~BIT(c->cfg.node_id);
        m->phase = PHASE_NODES;
        m->nodes = to;
        m->origin = SRAID_NODE_NONE;
        for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
            if (to & BIT(n)) {
                target_start(m, n, STEP_STATE);
            }
        }
        if (j->cmd.id.origin == c->cfg.node_id) {
            m->origin = c->cfg.node_id;
            m->result = l->applied[c->cfg.node_id];
        }
        commit_kick(c, ld);
        commit_check(c, ld);
        return;
    }
    m->next = l->st;
    m->fx = g_new0(SraidPrEffects, 1);
    sraid_pr_out(&m->next, &c->pr_cfg, &j->cmd.nexus, j->cmd.cdb,
                 j->cmd.param, j->cmd.param_len, m->fx, &res);
    sraid_pr_applied_set(&m->result, &j->cmd.id, &res);
    m->changed = res.status == SRAID_STATUS_GOOD &&
                 memcmp(&m->next, &l->st, sizeof(l->st));
    if (res.status == SRAID_STATUS_GOOD && !m->changed) {
        m->fx->n = 0;
    }
    m->crc = state_crc(m->changed ? &m->next : &l->st);
    /* SPC-4 5.7.5: with APTPL the state is stored before GOOD */
    if (m->changed && c->ops->persist && c->cfg.ptpl_capable &&
        (m->next.aptpl || l->stored_aptpl)) {
        uint64_t token = new_token(c);

        m->phase = PHASE_PERSIST;
        g_hash_table_insert(c->persists, GUINT_TO_POINTER(token),
                            g_memdup2(&m->serial, sizeof(m->serial)));
        c->ops->persist(c->opaque, ld, &m->next, token);
        return;
    }
    commit_distribute(c, ld);
}

static void commit_push(SraidPrCluster *c, uint8_t ld, Commit *m)
{
    uint16_t to = m->job->to & ~BIT(c->cfg.node_id);

    m->origin = SRAID_NODE_NONE;
    m->phase = PHASE_NODES;
    m->nodes = to;
    for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
        if (to & BIT(n)) {
            target_start(m, n, STEP_STATE);
        }
    }
    commit_kick(c, ld);
    commit_check(c, ld);
}

/*
 * A new master asks every live node for its replica, and every node alive
 * on the drives once it is live (sraid_prc_set_alive())
 */
static void commit_collect(SraidPrCluster *c, uint8_t ld, Commit *m)
{
    Ld *l = &c->lds[ld];
    uint16_t to = (reachable(c) | c->alive) & ~BIT(c->cfg.node_id);

    m->origin = SRAID_NODE_NONE;
    m->phase = PHASE_NODES;
    m->nodes = to;
    /* its own counts like the others' */
    m->have_best = l->ready;
    m->best_version = l->ver;
    m->newest_epoch = l->ver.epoch;
    m->best = l->st;
    memcpy(m->best_applied, l->applied, sizeof(m->best_applied));
    for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
        if (to & BIT(n)) {
            target_start(m, n, STEP_COLLECT);
        }
    }
    commit_kick(c, ld);
    commit_check(c, ld);
}

/* Start the next job of @ld if none is on its way */
static void pump(SraidPrCluster *c, uint8_t ld)
{
    Ld *l = &c->lds[ld];
    Commit *m;

    if (!is_master(c) || l->commit || !l->present) {
        return;
    }
    m = g_new0(Commit, 1);
    m->job = g_queue_pop_head(&l->jobs);
    if (!m->job) {
        g_free(m);
        return;
    }
    m->serial = ++c->next_serial;
    l->commit = m;
    if (m->job->kind == JOB_COMMAND) {
        commit_command(c, ld, m);
    } else if (m->job->kind == JOB_COLLECT) {
        commit_collect(c, ld, m);
    } else {
        commit_push(c, ld, m);
    }
}

void sraid_prc_persisted(SraidPrCluster *c, uint64_t token, bool ok)
{
    uint64_t *serial = g_hash_table_lookup(c->persists,
                                           GUINT_TO_POINTER(token));
    uint64_t s;

    if (!serial) {
        return;
    }
    s = *serial;
    g_hash_table_remove(c->persists, GUINT_TO_POINTER(token));
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        Ld *l = &c->lds[ld];
        Commit *m = l->commit;
        SraidScsiResult res;

        if (!m || m->serial != s || m->phase != PHASE_PERSIST) {
            continue;
        }
        if (ok) {
            l->stored_aptpl = m->next.aptpl;
        } else {
            /* nothing changes anywhere: the command fails */
            sraid_result_sense(&res, &sense_store_failed);
            sraid_pr_applied_set(&m->result, &m->job->cmd.id, &res);
            m->changed = false;
            m->fx->n = 0;
        }
        commit_distribute(c, ld);
        return;
    }
}

/* The message a commit sends @node now */
static void target_send(SraidPrCluster *c, uint8_t ld, uint8_t node)
{
    Ld *l = &c->lds[ld];
    Commit *m = l->commit;
    Target *t = &m->t[node];
    Send s = { .kind = SEND_TARGET, .ld = ld, .serial = m->serial };
    g_autofree uint8_t *buf = g_malloc(SRAID_VENDOR_MAX_XFER);
    size_t n = 0;
    uint8_t dcmd = 0;

    switch (t->step) {
    case STEP_APPLY: {
        SraidPrApplyMsg a = {
            .ld = ld,
            .complete = node == m->origin,
            .version = l->ver,
            .state_crc = m->crc,
            .result = m->result,
            .cmd = m->job->cmd,
        };

        dcmd = SRAID_DCMD_PR_APPLY;
        n = sraid_pr_apply_encode(&a, buf, SRAID_VENDOR_MAX_XFER);
        break;
    }
    case STEP_STATE: {
        g_autofree uint8_t *enc = g_malloc(SRAID_PR_ENC_MAX);
        SraidPrStateMsg sm = { .ld = ld, .version = l->ver };

        memcpy(sm.applied, l->applied, sizeof(sm.applied));
        sm.state_len = sraid_pr_encode(&l->st, enc);
        sm.state = enc;
        dcmd = SRAID_DCMD_PR_STATE;
        n = sraid_pr_state_encode(&sm, buf, SRAID_VENDOR_MAX_XFER);
        break;
    }
    case STEP_POLL: {
        SraidPrPollMsg pm = { .ld = ld, .version = l->ver };

        dcmd = SRAID_DCMD_PR_POLL;
        n = sraid_pr_poll_encode(&pm, buf, SRAID_VENDOR_MAX_XFER);
        break;
    }
    case STEP_COLLECT:
        t->in_flight = true;
        t->due = UINT64_MAX;
        send_msg(c, node, SRAID_DCMD_PR_COLLECT, ld, NULL, 0,
                 SRAID_VENDOR_MAX_XFER, &s);
        return;
    case STEP_DONE:
        return;
    }
    g_assert(n);
    t->in_flight = true;
    t->due = UINT64_MAX;
    send_msg(c, node, dcmd, ld, buf, n, 0, &s);
}

/* Send what is due now to every node of the commit */
static void commit_kick(SraidPrCluster *c, uint8_t ld)
{
    Commit *m = c->lds[ld].commit;
    uint64_t t = now(c);

    for (unsigned n = 0; m && n < SRAID_NODE_MAX; n++) {
        Target *tg = &m->t[n];

        if ((m->nodes & BIT(n)) && tg->step != STEP_DONE && !tg->in_flight &&
            tg->due <= t && (c->live & BIT(n))) {
            target_send(c, ld, n);
        }
    }
}

/* A node's replica, offered to a new master (PR_Collect's data-in) */
static void collect_offer(Commit *m, const uint8_t *data, size_t len,
                          uint8_t ld)
{
    g_autofree SraidPrState *st = g_new0(SraidPrState, 1);
    SraidPrStateMsg sm;
    SraidParamError err;

    if (!data || !sraid_pr_state_decode(data, len, &sm, &err) ||
        sm.ld != ld) {
        return;
    }
    m->newest_epoch = MAX(m->newest_epoch, sm.version.epoch);
    if (!sm.ready || !sraid_pr_decode(sm.state, sm.state_len, st)) {
        return;                     /* none from the master line */
    }
    if (m->have_best && sraid_pr_version_cmp(&sm.version,
                                             &m->best_version) <= 0) {
        return;
    }
    m->have_best = true;
    m->best_version = sm.version;
    m->best = *st;
    memcpy(m->best_applied, sm.applied, sizeof(m->best_applied));
}

static void target_done(SraidPrCluster *c, const Send *s, int err,
                        const SraidScsiResult *r, const uint8_t *data,
                        size_t len)
{
    Ld *l = &c->lds[s->ld];
    Commit *m = l->commit;
    Target *t;

    if (!m || m->serial != s->serial) {
        return;                     /* a commit that is over */
    }
    t = &m->t[s->node];
    t->in_flight = false;
    if (answer_good(err, r) && t->step == STEP_COLLECT) {
        collect_offer(m, data, len, s->ld);
        t->step = STEP_DONE;
    } else if (answer_good(err, r)) {
        if (t->step == STEP_STATE && s->node == m->origin) {
            t->step = STEP_APPLY;   /* now it can take the result */
            t->due = 0;
        } else {
            t->step = STEP_DONE;
        }
    } else if (answer_is(err, r, SRAID_SENSE_NOT_READY, SRAID_ASC_VENDOR,
                         SRAID_ASCQ_PR_ABORTS_RUNNING)) {
        t->step = STEP_POLL;
        t->due = now(c) + SRAID_PRC_POLL_MS;
    } else if (answer_is(err, r, SRAID_SENSE_ILLEGAL_REQUEST,
                         SRAID_ASC_VENDOR, SRAID_ASCQ_PR_OUT_OF_SYNC)) {
        t->step = STEP_STATE;
        t->due = 0;
    } else if (answer_is(err, r, SRAID_SENSE_ILLEGAL_REQUEST,
                         SRAID_ASC_VENDOR, SRAID_ASCQ_PR_NO_SUCH_LD)) {
        t->step = STEP_DONE;        /* it does not serve this drive */
    } else {
        /*
         * No answer, BUSY, suspended, not (yet) following this master:
         * again, until it answers or membership removes it.
         */
        if (err) {
            c->channel[s->node]++;
        }
        t->due = now(c) + SRAID_PRC_RETRY_MS;
    }
    commit_kick(c, s->ld);
    commit_check(c, s->ld);
}

/* ---- a joiner's sync ---- */

static bool needs_sync(const SraidPrCluster *c)
{
    if (c->stopped || c->master == SRAID_NODE_NONE || is_master(c)) {
        return false;
    }
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        if (c->lds[ld].present && !c->lds[ld].ready) {
            return true;
        }
    }
    return false;
}

static void sync_send(SraidPrCluster *c)
{
    SraidPrSyncMsg m = { .boot = c->cfg.boot };
    uint8_t buf[SRAID_PR_SYNC_LEN];
    Send s = { .kind = SEND_SYNC };
    size_t n;

    if (c->sync_in_flight || !needs_sync(c)) {
        return;
    }
    n = sraid_pr_sync_encode(&m, buf, sizeof(buf));
    c->sync_in_flight = true;
    c->sync_due = UINT64_MAX;
    send_msg(c, c->master, SRAID_DCMD_PR_SYNC, 0, buf, n, 0, &s);
}

static void sync_done(SraidPrCluster *c, const Send *s, int err)
{
    c->sync_in_flight = false;
    if (err) {
        c->channel[s->node]++;
    }
    /* GOOD: the states are on their way; ask again if they do not come */
    c->sync_due = now(c) + SRAID_PRC_SYNC_RETRY_MS;
}

void sraid_prc_cmd_done(SraidPrCluster *c, uint64_t token, int err,
                        const SraidScsiResult *r, const uint8_t *data_in,
                        size_t data_len)
{
    Send *s = g_hash_table_lookup(c->sends, GUINT_TO_POINTER(token));
    Send copy;

    if (!s) {
        return;
    }
    copy = *s;
    g_hash_table_remove(c->sends, GUINT_TO_POINTER(token));
    switch (copy.kind) {
    case SEND_REQUEST:
        request_done(c, &copy, err, r);
        break;
    case SEND_TARGET:
        target_done(c, &copy, err, r, err ? NULL : data_in,
                    err ? 0 : data_len);
        break;
    case SEND_SYNC:
        sync_done(c, &copy, err);
        break;
    }
}

void sraid_prc_effects_done(SraidPrCluster *c, uint64_t token)
{
    Fx *f = g_hash_table_lookup(c->fxs, GUINT_TO_POINTER(token));
    Fx copy;
    Ld *l;

    if (!f) {
        return;
    }
    copy = *f;
    g_hash_table_remove(c->fxs, GUINT_TO_POINTER(token));
    l = &c->lds[copy.ld];
    if (l->aborts) {
        l->aborts--;
    }
    if (copy.kind == FX_COMMIT) {
        if (l->commit && l->commit->serial == copy.serial &&
            l->commit->local_aborts) {
            l->commit->local_aborts--;
            commit_check(c, copy.ld);
        }
        return;
    }
    if (copy.pending) {
        Pending *p = pending_by_token(c, copy.ld, copy.pending);

        if (p && p->finishing) {
            pending_end(c, copy.ld, p, &p->result);
        }
    }
}

/* ---- receiving ---- */

static uint8_t refuse(SraidSense *sense, const SraidSense *s)
{
    *sense = *s;
    return SRAID_STATUS_CHECK_CONDITION;
}

static uint8_t param_refusal(SraidSense *sense, const SraidParamError *err)
{
    *sense = sraid_sense_at(err->kind == SRAID_PARAM_LENGTH ?
                            &sraid_sense_param_list_len :
                            &sraid_sense_invalid_param, false, err->offset,
                            err->bit);
    return SRAID_STATUS_CHECK_CONDITION;
}

static Ld *known_ld(SraidPrCluster *c, uint8_t ld)
{
    return ld < SRAID_PRC_MAX_LDS && c->lds[ld].present ? &c->lds[ld] : NULL;
}

static uint8_t recv_request(SraidPrCluster *c, const SraidVendorNexus *nx,
                            const uint8_t *p, size_t len, SraidSense *sense)
{
    SraidPrRequestMsg m;
    SraidParamError err;
    Ld *l;
    Job *j;

    if (!sraid_pr_request_decode(p, len, &m, &err)) {
        return param_refusal(sense, &err);
    }
    if (!is_master(c)) {
        return refuse(sense, &sense_role_mismatch);
    }
    if (m.cmd.id.origin != nx->node) {
        SraidSense s = sraid_sense_at(&sraid_sense_invalid_param, false, 4,
                                      -1);
        return refuse(sense, &s);
    }
    l = known_ld(c, m.ld);
    if (!l) {
        return refuse(sense, &sense_no_such_ld);
    }
    /* queued or on its way already (a resend): nothing more to do */
    if (l->commit && l->commit->job && l->commit->job->kind == JOB_COMMAND &&
        same_id(&l->commit->job->cmd.id, &m.cmd.id)) {
        return SRAID_STATUS_GOOD;
    }
    for (GList *it = l->jobs.head; it; it = it->next) {
        Job *q = it->data;

        if (q->kind == JOB_COMMAND && same_id(&q->cmd.id, &m.cmd.id)) {
            return SRAID_STATUS_GOOD;
        }
    }
    if (g_queue_get_length(&l->jobs) >= SRAID_PRC_QUEUE_MAX) {
        return SRAID_STATUS_BUSY;
    }
    j = g_new0(Job, 1);
    j->kind = JOB_COMMAND;
    cmd_copy(&j->cmd, &j->param, &m.cmd);
    g_queue_push_tail(&l->jobs, j);
    pump(c, m.ld);
    return SRAID_STATUS_GOOD;
}

/* PR_Apply, PR_State and PR_Poll come from the master this node follows */
static bool from_master(const SraidPrCluster *c, const SraidVendorNexus *nx)
{
    return !c->stopped && c->master != SRAID_NODE_NONE &&
           c->master != c->cfg.node_id && nx->node == c->master;
}

static uint8_t recv_apply(SraidPrCluster *c, const SraidVendorNexus *nx,
                          const uint8_t *p, size_t len, SraidSense *sense)
{
    SraidPrApplyMsg m;
    SraidParamError err;
    Pending *head;
    bool aborts = false;
    Ld *l;

    if (!sraid_pr_apply_decode(p, len, &m, &err)) {
        return param_refusal(sense, &err);
    }
    if (!from_master(c, nx)) {
        return refuse(sense, &sense_role_mismatch);
    }
    l = known_ld(c, m.ld);
    if (!l) {
        return refuse(sense, &sense_no_such_ld);
    }
    head = pending_head(l);
    if (m.complete && (!head || !same_id(&head->cmd.id, &m.cmd.id))) {
        head = NULL;                /* not (or no longer) waiting for it */
    }
    if (!m.complete) {
        head = NULL;
    }
    if (!l->ready || m.version.epoch != l->ver.epoch ||
        m.version.seq > l->ver.seq + 1) {
        return refuse(sense, &sense_out_of_sync);
    }
    if (m.version.seq == l->ver.seq + 1) {
        g_autofree SraidPrState *next = g_memdup2(&l->st, sizeof(l->st));
        g_autofree SraidPrEffects *fx = g_new0(SraidPrEffects, 1);
        SraidScsiResult res;

        sraid_pr_out(next, &c->pr_cfg, &m.cmd.nexus, m.cmd.cdb, m.cmd.param,
                     m.cmd.param_len, fx, &res);
        if (res.status != SRAID_STATUS_GOOD ||
            state_crc(next) != m.state_crc) {
            /* not the same result: take the master's state instead */
            return refuse(sense, &sense_out_of_sync);
        }
        adopt(c, m.ld, next, &m.version);
        l->applied[m.cmd.id.origin] = m.result;
        aborts = run_effects(c, m.ld, fx, head ? head->token : 0,
                             FX_RECEIVED, 0, head ? head->token : 0);
    }
    if (head) {
        SraidScsiResult res;

        sraid_pr_applied_result(&m.result, &res);
        pending_result(c, m.ld, head, &res, aborts);
    }
    if (l->aborts) {
        return refuse(sense, &sense_aborts_running);
    }
    return SRAID_STATUS_GOOD;
}

static uint8_t recv_state(SraidPrCluster *c, const SraidVendorNexus *nx,
                          const uint8_t *p, size_t len, SraidSense *sense)
{
    g_autofree SraidPrState *st = g_new0(SraidPrState, 1);
    SraidPrStateMsg m;
    SraidParamError err;
    Pending *head;
    Ld *l;

    if (!sraid_pr_state_decode(p, len, &m, &err)) {
        return param_refusal(sense, &err);
    }
    if (!sraid_pr_decode(m.state, m.state_len, st)) {
        SraidSense s = sraid_sense_at(&sraid_sense_invalid_param, false,
                                      SRAID_PR_STATE_HEADER_LEN, -1);
        return refuse(sense, &s);
    }
    if (!from_master(c, nx)) {
        return refuse(sense, &sense_role_mismatch);
    }
    l = known_ld(c, m.ld);
    if (!l) {
        return refuse(sense, &sense_no_such_ld);
    }
    /*
     * Within one epoch only its master orders versions: an older one of
     * this epoch is a message that arrived late (the original of a retry),
     * and this replica already has what followed it.  Otherwise the
     * master's state replaces the replica, whatever it was (a new master's
     * line wins over a diverged one).
     */
    if (l->ready && m.version.epoch == l->ver.epoch &&
        m.version.seq < l->ver.seq) {
        return SRAID_STATUS_GOOD;
    }
    memcpy(l->applied, m.applied, sizeof(l->applied));
    adopt(c, m.ld, st, &m.version);
    l->ready = true;
    head = pending_head(l);
    if (head && !head->finishing && contains(l, &head->cmd.id)) {
        SraidScsiResult res;

        sraid_pr_applied_result(&l->applied[c->cfg.node_id], &res);
        pending_result(c, m.ld, head, &res, false);
    }
    return SRAID_STATUS_GOOD;
}

static uint8_t recv_poll(SraidPrCluster *c, const SraidVendorNexus *nx,
                         const uint8_t *p, size_t len, SraidSense *sense)
{
    SraidPrPollMsg m;
    SraidParamError err;
    Ld *l;

    if (!sraid_pr_poll_decode(p, len, &m, &err)) {
        return param_refusal(sense, &err);
    }
    if (!from_master(c, nx)) {
        return refuse(sense, &sense_role_mismatch);
    }
    l = known_ld(c, m.ld);
    if (!l) {
        return refuse(sense, &sense_no_such_ld);
    }
    return l->aborts ? refuse(sense, &sense_aborts_running) :
                       SRAID_STATUS_GOOD;
}

static void queue_push(SraidPrCluster *c, uint8_t ld, uint16_t to)
{
    Ld *l = &c->lds[ld];
    Job *j;

    /* one push waiting is enough: widen it */
    for (GList *it = l->jobs.head; it; it = it->next) {
        j = it->data;
        if (j->kind == JOB_PUSH) {
            j->to |= to;
            return;
        }
    }
    j = g_new0(Job, 1);
    j->kind = JOB_PUSH;
    j->to = to;
    g_queue_push_tail(&l->jobs, j);
    pump(c, ld);
}

static uint8_t recv_sync(SraidPrCluster *c, const SraidVendorNexus *nx,
                         const uint8_t *p, size_t len, SraidSense *sense)
{
    SraidPrSyncMsg m;
    SraidParamError err;

    if (!sraid_pr_sync_decode(p, len, &m, &err)) {
        return param_refusal(sense, &err);
    }
    if (!is_master(c)) {
        return refuse(sense, &sense_role_mismatch);
    }
    /*
     * Only a node membership counts as live: every change reaches those,
     * so its replica stays current once it has the state.  Until then
     * it asks again.
     */
    if (!(c->live & BIT(nx->node))) {
        return SRAID_STATUS_BUSY;
    }
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        if (c->lds[ld].present) {
            queue_push(c, ld, BIT(nx->node));
        }
    }
    return SRAID_STATUS_GOOD;
}

/*
 * PR_Collect: a new master asks for this replica.  From the master this
 * node follows only, which a new one is once membership says so.
 */
static uint8_t recv_collect(SraidPrCluster *c, const SraidVendorNexus *nx,
                            uint8_t ld, uint8_t *data_in, size_t cap,
                            size_t *data_len, SraidSense *sense)
{
    g_autofree uint8_t *enc = g_malloc(SRAID_PR_ENC_MAX);
    SraidPrStateMsg sm = { .ld = ld };
    Ld *l;

    if (!from_master(c, nx)) {
        return refuse(sense, &sense_role_mismatch);
    }
    l = known_ld(c, ld);
    if (!l) {
        return refuse(sense, &sense_no_such_ld);
    }
    sm.ready = l->ready;
    sm.version = l->ver;
    memcpy(sm.applied, l->applied, sizeof(sm.applied));
    sm.state_len = sraid_pr_encode(&l->st, enc);
    sm.state = enc;
    *data_len = sraid_pr_state_encode(&sm, data_in, cap);
    if (!*data_len) {
        /* the master gave too little room: its command is wrong */
        SraidSense s = sraid_sense_at(&sraid_sense_invalid_field, true, 7,
                                      -1);
        return refuse(sense, &s);
    }
    return SRAID_STATUS_GOOD;
}

uint8_t sraid_prc_receive(SraidPrCluster *c, const SraidVendorNexus *nx,
                          uint8_t dcmd, uint8_t ld, const uint8_t *p,
                          size_t len, uint8_t *data_in, size_t data_in_cap,
                          size_t *data_in_len, SraidSense *sense)
{
    *data_in_len = 0;
    if (nx->source != SRAID_VENDOR_FROM_PEER || nx->node >= SRAID_NODE_MAX ||
        nx->node == c->cfg.node_id) {
        return refuse(sense, &sraid_sense_access_denied);
    }
    if (c->stopped) {
        return refuse(sense, &sraid_sense_manual_intervention);
    }
    switch (dcmd) {
    case SRAID_DCMD_PR_REQUEST:
        return recv_request(c, nx, p, len, sense);
    case SRAID_DCMD_PR_APPLY:
        return recv_apply(c, nx, p, len, sense);
    case SRAID_DCMD_PR_STATE:
        return recv_state(c, nx, p, len, sense);
    case SRAID_DCMD_PR_POLL:
        return recv_poll(c, nx, p, len, sense);
    case SRAID_DCMD_PR_SYNC:
        return recv_sync(c, nx, p, len, sense);
    case SRAID_DCMD_PR_COLLECT:
        return recv_collect(c, nx, ld, data_in, data_in_cap, data_in_len,
                            sense);
    default:
        return refuse(sense, &sraid_sense_invalid_field);
    }
}

/* ---- time ---- */

void sraid_prc_tick(SraidPrCluster *c)
{
    uint64_t t = now(c);

    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        Ld *l = &c->lds[ld];
        Pending *p = pending_head(l);
        Commit *m = l->commit;

        if (p && !p->in_flight && !p->finishing && p->due <= t) {
            p->accepted = false;
            pending_send(c, l);
        }
        if (!m || m->phase == PHASE_PERSIST) {
            continue;
        }
        commit_kick(c, ld);
        /* also notices nodes that left */
        if (l->commit == m) {
            commit_check(c, ld);
        }
    }
    if (!c->sync_in_flight && c->sync_due <= t) {
        sync_send(c);
    }
}

uint64_t sraid_prc_next_deadline(const SraidPrCluster *c)
{
    uint64_t d = UINT64_MAX;

    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        const Ld *l = &c->lds[ld];
        const Pending *p = g_queue_peek_head((GQueue *)&l->pending);
        const Commit *m = l->commit;

        if (p && !p->in_flight && !p->finishing) {
            d = MIN(d, p->due);
        }
        if (!m || m->phase == PHASE_PERSIST) {
            continue;
        }
        for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
            /*
             * As commit_kick(): a node that left the live set is sent
             * nothing, and commit_check() may not reach it while a node
             * before it is still on its way; its old due would make the
             * owner tick at once, again and again, to no effect.
             */
            if ((m->nodes & BIT(n)) && m->t[n].step != STEP_DONE &&
                !m->t[n].in_flight && (c->live & BIT(n))) {
                d = MIN(d, m->t[n].due);
            }
        }
    }
    if (!c->sync_in_flight && needs_sync(c)) {
        d = MIN(d, c->sync_due);
    }
    return d;
}

/* ---- membership and the owner ---- */

/* Drop what only a master holds: its queue and the change on its way */
static void drop_master_work(SraidPrCluster *c)
{
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        Ld *l = &c->lds[ld];

        commit_free(l->commit);
        l->commit = NULL;
        g_queue_clear_full(&l->jobs, (GDestroyNotify)job_free);
    }
}

void sraid_prc_set_view(SraidPrCluster *c, uint8_t master, uint64_t epoch,
                        uint16_t live)
{
    bool was_master = is_master(c);
    uint8_t old_master = c->master;
    uint16_t added = live & ~c->live & ~BIT(c->cfg.node_id);

    c->live = live;
    if (master != SRAID_NODE_NONE) {
        c->stopped = false;
    }
    c->master = master;
    if (was_master && !is_master(c)) {
        drop_master_work(c);
    }
    if (!was_master && is_master(c)) {
        /*
         * Taking over: the newest replica of the master line among the
         * live nodes becomes the cluster's, in a new epoch, and every
         * node receives it; then the requests are ordered.
         */
        c->epoch = epoch;
        for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
            Ld *l = &c->lds[ld];
            Job *j;

            if (!l->present) {
                continue;
            }
            j = g_new0(Job, 1);
            j->kind = JOB_COLLECT;
            g_queue_push_head(&l->jobs, j);
            if (reachable(c)) {
                queue_push(c, ld, reachable(c));
            } else {
                pump(c, ld);
            }
        }
    }
    c->epoch = epoch;
    if (was_master && is_master(c) && added) {
        /*
         * A node back in the live set may have missed changes while it
         * was out (the commits stopped waiting for it): the whole state.
         */
        for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
            if (c->lds[ld].present) {
                queue_push(c, ld, added);
            }
        }
    }
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        Ld *l = &c->lds[ld];
        Pending *p = pending_head(l);

        if (!l->present) {
            continue;
        }
        /* a new master: send it what is waiting (it ignores repeats) */
        if (p && !p->finishing && (master != old_master || !p->accepted) &&
            !p->in_flight) {
            p->accepted = false;
            pending_send(c, l);
        }
        if (l->commit) {
            commit_check(c, ld);
        }
    }
    if (needs_sync(c) && !c->sync_in_flight) {
        c->sync_due = 0;
    }
}

void sraid_prc_set_alive(SraidPrCluster *c, uint16_t alive)
{
    alive &= ~BIT(c->cfg.node_id);
    if (alive == c->alive) {
        return;
    }
    c->alive = alive;
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        Commit *m = c->lds[ld].commit;
        uint16_t added;

        if (!m || !m->job || m->job->kind != JOB_COLLECT) {
            continue;
        }
        /* a collection under way waits for the newly alive too */
        added = alive & ~m->nodes;
        m->nodes |= added;
        for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
            if (added & BIT(n)) {
                target_start(m, n, STEP_COLLECT);
            }
        }
        commit_kick(c, ld);
        commit_check(c, ld);
    }
}

void sraid_prc_member_view(const SraidMemberView *mv, bool lease_held,
                           uint8_t *master, uint64_t *epoch, uint16_t *live)
{
    *master = mv->suspended ? SRAID_NODE_NONE : mv->master;
    if (*master == mv->self && !lease_held) {
        *master = SRAID_NODE_NONE;
    }
    *epoch = mv->epoch;
    *live = BIT(mv->self);
    for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
        const SraidMemberNodeView *v = &mv->nodes[n];

        if (n != mv->self && v->known &&
            v->state != SRAID_NODE_STATE_NONE &&
            v->state != SRAID_NODE_FAILED_SLAVE &&
            v->state != SRAID_NODE_KILLED_SLAVE) {
            *live |= BIT(n);
        }
    }
}

void sraid_prc_stop(SraidPrCluster *c, const SraidScsiResult *res)
{
    drop_master_work(c);
    c->stopped = true;
    c->master = SRAID_NODE_NONE;
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        Ld *l = &c->lds[ld];
        Pending *p;

        l->ready = false;
        while ((p = g_queue_pop_head(&l->pending))) {
            c->ops->complete(c->opaque, p->token, res);
            pending_free(p);
        }
    }
}

void sraid_prc_set_ld(SraidPrCluster *c, uint8_t ld, bool present,
                      const SraidPrState *st)
{
    Ld *l;
    Pending *p;

    if (ld >= SRAID_PRC_MAX_LDS) {
        return;
    }
    l = &c->lds[ld];
    if (present) {
        if (l->present) {
            return;
        }
        l->present = true;
        if (st) {
            l->st = *st;
        } else {
            sraid_pr_init(&l->st);
        }
        l->stored_aptpl = st && st->aptpl;
        l->ver = (SraidPrVersion) { c->epoch << 32, 0 };
        l->ready = is_master(c);
        if (needs_sync(c) && !c->sync_in_flight) {
            c->sync_due = 0;
        }
        return;
    }
    if (!l->present) {
        return;
    }
    commit_free(l->commit);
    l->commit = NULL;
    g_queue_clear_full(&l->jobs, (GDestroyNotify)job_free);
    while ((p = g_queue_pop_head(&l->pending))) {
        SraidScsiResult res;

        sraid_result_sense(&res, &sraid_sense_lun_not_supported);
        c->ops->complete(c->opaque, p->token, &res);
        pending_free(p);
    }
    memset(l, 0, sizeof(*l));
    g_queue_init(&l->jobs);
    g_queue_init(&l->pending);
}

const SraidPrState *sraid_prc_state(const SraidPrCluster *c, uint8_t ld)
{
    return ld < SRAID_PRC_MAX_LDS && c->lds[ld].present ? &c->lds[ld].st :
                                                           NULL;
}

bool sraid_prc_ready(const SraidPrCluster *c, uint8_t ld)
{
    return ld < SRAID_PRC_MAX_LDS && c->lds[ld].present &&
           !c->stopped && c->lds[ld].ready;
}

const SraidPrConfig *sraid_prc_pr_config(const SraidPrCluster *c)
{
    return &c->pr_cfg;
}

SraidPrCluster *sraid_prc_new(const SraidPrClusterConfig *cfg,
                              const SraidPrClusterOps *ops, void *opaque)
{
    SraidPrCluster *c = g_new0(SraidPrCluster, 1);

    g_assert(cfg->node_id < SRAID_NODE_MAX && cfg->boot);
    g_assert(cfg->channels >= 1 && cfg->channels <= SRAID_PR_CHANNELS_MAX);
    c->cfg = *cfg;
    c->ops = ops;
    c->opaque = opaque;
    c->master = SRAID_NODE_NONE;
    sraid_pr_config_cluster(&c->pr_cfg, cfg->channels, cfg->ptpl_capable);
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        g_queue_init(&c->lds[ld].jobs);
        g_queue_init(&c->lds[ld].pending);
    }
    c->sends = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    c->fxs = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    c->persists = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    c->sync_due = UINT64_MAX;
    return c;
}

void sraid_prc_free(SraidPrCluster *c)
{
    if (!c) {
        return;
    }
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        Ld *l = &c->lds[ld];

        commit_free(l->commit);
        g_queue_clear_full(&l->jobs, (GDestroyNotify)job_free);
        g_queue_clear_full(&l->pending, (GDestroyNotify)pending_free);
    }
    g_hash_table_destroy(c->sends);
    g_hash_table_destroy(c->fxs);
    g_hash_table_destroy(c->persists);
    g_free(c);
}

void sraid_prc_view(const SraidPrCluster *c, SraidPrcView *v)
{
    memset(v, 0, sizeof(*v));
    v->self = c->cfg.node_id;
    v->master = c->master;
    v->epoch = c->epoch;
    v->live = c->live;
    for (unsigned ld = 0; ld < SRAID_PRC_MAX_LDS; ld++) {
        const Ld *l = &c->lds[ld];
        SraidPrcLdView *lv = &v->lds[ld];

        v->pending += g_queue_get_length((GQueue *)&l->pending);
        lv->present = l->present;
        if (!l->present) {
            continue;
        }
        lv->ready = sraid_prc_ready(c, ld);
        lv->version = l->ver;
        lv->generation = l->st.generation;
        lv->nregs = l->st.nregs;
        lv->type = l->st.type;
        lv->queued = g_queue_get_length((GQueue *)&l->jobs);
        lv->ordering = l->commit != NULL;
        lv->aborts_running = l->aborts;
    }
}
