/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Deterministic simulation: persistent reservations across the cluster
 * (pr-cluster.h) on top of the membership simulation.
 *
 * Every node runs an SraidPrCluster wired as the QEMU glue wires it: its
 * messages are vendor commands to the peer's LUN 0 over the virtual bus
 * (the target's ctrl-lun hands DCMDs 20h-24h to SraidVendorOps.pr_message,
 * which calls sraid_prc_receive()), the membership callbacks give it
 * membership's view (sraid_prc_member_view() + sraid_prc_set_view()),
 * suspension stops it, a crash frees it and a power-on starts a new one
 * with a new boot.  Effects (unit attentions, aborts that take virtual
 * time), the APTPL store (a record on the shared drives, with latency and
 * sometimes failing) and completions are recorded here, and the PR
 * invariants are checked after every event and at the end of a run
 * (docs/simulation.md, "Persistent reservations").
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cod.h"
#include "scsi-proto.h"
#include "sim-int.h"

#define PR_MAX_LDS          2

static bool pr_on(const Sim *s)
{
    return s->p.pr_lds > 0;
}

static SimPrCmd *cmd_of(const Sim *s, uint64_t h)
{
    if (!s->pr_cmds || !h || h > s->pr_cmds->len) {
        return NULL;
    }
    return &g_array_index(s->pr_cmds, SimPrCmd, h - 1);
}

/* Index (0 or 1) of logical drive @ld in the simulation, -1: none */
static int ld_index(const Sim *s, uint8_t ld)
{
    for (unsigned i = 0; i < s->p.pr_lds; i++) {
        if (s->p.pr_ld[i] == ld) {
            return i;
        }
    }
    return -1;
}

void sim_pr_nexus(uint8_t id, unsigned nexus, SraidPrNexus *nx)
{
    static const char *const hosts[] = {
        "iqn.2026-01.org.sraid.sim:host-a", "iqn.2026-01.org.sraid.sim:host-b",
    };

    if (nexus == 0) {
        sraid_pr_nexus_guest(nx, id);
        return;
    }
    /* host-a logs in through channel 0's portal, host-b through 1's */
    g_assert(sraid_pr_nexus_iscsi(nx, hosts[nexus - 1], 0x23d000000000ULL +
                                  nexus, SRAID_PR_RTPI_ISCSI(id, nexus - 1)));
}

/*
 * The membership view of @n in the form sraid_prc_set_view() takes; its
 * master and suspension are kept for the checks (every change of either
 * comes with a callback)
 */
static void member_word(SimNode *n, uint8_t *master, uint64_t *epoch,
                        uint16_t *live, uint16_t *alive)
{
    SraidMemberView v;

    sraid_member_view(n->m, &v);
    n->pr_msusp = v.suspended;
    n->pr_mmaster = v.master;
    sraid_prc_member_view(&v, sraid_member_may_write_cod(n->m), master,
                          epoch, live);
    *alive = v.drives_alive;
}

static bool member_is_master(SimNode *n)
{
    return !n->pr_msusp && n->pr_mmaster == n->id;
}

/*
 * Suspended in membership's eyes (a Node_Kill marks the vendor node at
 * once; membership suspends, and the glue stops pr-cluster, right after)
 */
static bool member_suspended(SimNode *n)
{
    return n->pr_msusp;
}

/* ---- SraidPrClusterOps ------------------------------------------------ */

static uint64_t prc_now(void *opaque)
{
    SimNode *n = opaque;

    return n->sim->now;
}

static void prc_send(void *opaque, uint8_t node, uint8_t channel,
                     const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                     size_t out_len, size_t in_len, uint32_t timeout_ms,
                     uint64_t token)
{
    sim_bus_send(opaque, true, node, channel, cdb, cdb_len, out, out_len,
                 in_len, timeout_ms, token);
}

static void prc_complete(void *opaque, uint64_t token,
                         const SraidScsiResult *res)
{
    SimNode *n = opaque;
    Sim *s = n->sim;
    SimPrCmd *c = cmd_of(s, token);

    sim_log(s, n->id, "pr-done", token, res->status, s->pr_in_stop);
    if (s->p.verbose) {
        printf("t=%" PRIu64 " node %u: PR command %" PRIu64 " ended %02xh%s"
               "\n", s->now, n->id, token, res->status,
               s->pr_in_stop ? " (stopped)" : "");
    }
    if (!c || c->node != n->id || c->inc != n->inc) {
        sim_fail(s, "(p3) node %u completed PR command %" PRIu64
                 " it was not given", n->id, token);
        return;
    }
    if (c->done++) {
        sim_fail(s, "(p3) PR command %" PRIu64 " on node %u completed "
                 "twice", token, n->id);
        return;
    }
    c->t_done = s->now;
    c->status = res->status;
    c->via_stop = s->pr_in_stop;
    if (ld_index(s, c->ld) >= 0) {
        c->v_done = n->pr_ver[ld_index(s, c->ld)];
    }
    /* hook (p4): a glue that reports a refused REGISTER as GOOD */
    if (s->p.hooks.pr_good_conflict && c->sa == SRAID_PROUT_REGISTER &&
        c->status == SRAID_STATUS_RESERVATION_CONFLICT) {
        c->status = SRAID_STATUS_GOOD;
    }
    /* the initiator now holds the key it registered */
    if (c->status == SRAID_STATUS_GOOD && !c->via_stop &&
        (c->sa == SRAID_PROUT_REGISTER ||
         c->sa == SRAID_PROUT_REGISTER_IGNORE)) {
        n->pr_keys[ld_index(s, c->ld)][c->nexus] = c->sa_key;
    }
}

static bool prc_effects(void *opaque, uint8_t ld, const SraidPrEffects *fx,
                        uint64_t skip, uint64_t token)
{
    SimNode *n = opaque;
    Sim *s = n->sim;
    SraidPrNexus guest;
    bool aborts = false;
    uint64_t ms;

    sim_pr_nexus(n->id, 0, &guest);
    for (unsigned i = 0; i < fx->n; i++) {
        const SraidPrEffect *e = &fx->e[i];

        if (e->kind == SRAID_PR_EFFECT_ABORT) {
            aborts = true;
        } else if (e->ascq >= 3 && e->ascq <= 5 &&
                   sraid_pr_effect_names(e, &guest)) {
            n->pr_guest_ua[e->ascq - 3]++;
        }
    }
    if (!aborts) {
        return false;
    }
    if (s->p.pr_slow_node == n->id + 1) {
        ms = s->p.pr_slow_abort_ms;
    } else {
        ms = s->p.pr_abort_max_ms ?
             sim_rng_below(&s->rng, s->p.pr_abort_max_ms + 1) : 0;
    }
    sim_log(s, n->id, "pr-aborts", ld, ms, token);
    if (!ms) {
        n->pr_abort_end = MAX(n->pr_abort_end, s->now);
        return false;
    }
    sim_push(s, s->now + ms, EV_PR_FX_DONE, n, token, NULL, 0);
    return true;
}

static void prc_persist(void *opaque, uint8_t ld, const SraidPrState *st,
                        uint64_t token)
{
    SimNode *n = opaque;
    Sim *s = n->sim;
    bool ok = !s->p.pr_persist_fail_permille ||
              sim_rng_below(&s->rng, 1000) >= s->p.pr_persist_fail_permille;

    sim_log(s, n->id, "pr-persist", ld, st->aptpl, ok);
    /* the state is written when the drive I/O ends: copy it now */
    sim_push(s, s->now + sim_rng_range(&s->rng, s->p.drive_lat_min,
                                       s->p.drive_lat_max),
             EV_PR_PERSIST, n, token, g_memdup2(st, sizeof(*st)),
             ok | (uint32_t)ld << 8);
}

/*
 * (p2) no fork: whatever node holds version (epoch, seq) of a logical
 * drive, at whatever time, holds the same state.  Two different states
 * at one version would be two histories, in which two nexuses can each
 * hold the reservation.
 */
static void prc_changed(void *opaque, uint8_t ld, const SraidPrVersion *v)
{
    SimNode *n = opaque;
    Sim *s = n->sim;
    g_autofree uint8_t *buf = g_malloc(SRAID_PR_ENC_MAX);
    const SraidPrState *st = sraid_prc_state(n->prc, ld);
    /* the encoding's own trailing CRC32C of its content */
    uint32_t crc = sraid_crc32c(buf, sraid_pr_encode(st, buf) - 4);
    char *key = g_strdup_printf("%u/%" PRIu64 "/%" PRIu64, ld, v->epoch,
                                v->seq);
    gpointer old;

    sim_log(s, n->id, "pr-version", ld, v->epoch, v->seq);
    if (ld_index(s, ld) >= 0) {
        n->pr_ver[ld_index(s, ld)] = *v;
    }
    if (g_hash_table_lookup_extended(s->pr_hist, key, NULL, &old)) {
        if (GPOINTER_TO_UINT(old) != crc) {
            sim_fail(s, "(p2) node %u holds a different state of LD %u at "
                     "version %" PRIu64 ".%" PRIu64 " than another node "
                     "held (generation %u, type %u, %u registrations)",
                     n->id, ld, v->epoch, v->seq, st->generation, st->type,
                     st->nregs);
        }
        g_free(key);
        return;
    }
    g_hash_table_insert(s->pr_hist, key, GUINT_TO_POINTER(crc));
}

static const SraidPrClusterOps prc_ops = {
    .now_ms = prc_now,
    .send = prc_send,
    .complete = prc_complete,
    .effects = prc_effects,
    .persist = prc_persist,
    .changed = prc_changed,
};

/* ---- the glue -------------------------------------------------------- */

void sim_pr_power_on(SimNode *n)
{
    Sim *s = n->sim;
    SraidPrClusterConfig cfg = {
        .node_id = n->id, .channels = s->p.channels, .ptpl_capable = true,
    };

    n->prc = NULL;
    n->prc_tick_at = UINT64_MAX;
    memset(n->pr_synced, 0, sizeof(n->pr_synced));
    memset(n->pr_gen_valid, 0, sizeof(n->pr_gen_valid));
    memset(n->pr_keys, 0, sizeof(n->pr_keys));
    n->pr_msusp = false;
    n->pr_mmaster = SRAID_NODE_NONE;
    memset(n->pr_ver, 0, sizeof(n->pr_ver));
    if (!pr_on(s)) {
        return;
    }
    /* a new random boot at every start, never 0 */
    cfg.boot = (uint32_t)sim_rng_next(&s->rng) | 1;
    n->prc = sraid_prc_new(&cfg, &prc_ops, n);
    for (unsigned i = 0; i < s->p.pr_lds; i++) {
        const SraidPrState *st = s->pr_disk[i];

        /* APTPL: what the drives hold survives the power cycle */
        sraid_prc_set_ld(n->prc, s->p.pr_ld[i], true,
                         st && st->aptpl ? st : NULL);
    }
}

void sim_pr_crash(SimNode *n)
{
    sraid_prc_free(n->prc);
    n->prc = NULL;
    n->prc_tick_at = UINT64_MAX;
}

/* Membership's word changed: hand it on, as the glue's callbacks do */
void sim_pr_view(SimNode *n)
{
    uint8_t master;
    uint64_t epoch;
    uint16_t live, alive;

    if (!n->prc || !n->m) {
        return;
    }
    member_word(n, &master, &epoch, &live, &alive);
    sraid_prc_set_view(n->prc, master, epoch, live);
    sraid_prc_set_alive(n->prc, alive);
}

void sim_pr_suspend(SimNode *n)
{
    Sim *s = n->sim;
    SraidScsiResult res;

    if (!n->prc) {
        return;
    }
    if (!s->p.hooks.pr_no_stop) {
        sraid_result_sense(&res, &sraid_sense_manual_intervention);
        s->pr_in_stop = true;
        sraid_prc_stop(n->prc, &res);
        s->pr_in_stop = false;
    }
    sim_pr_view(n);
}

void sim_pr_rearm(SimNode *n)
{
    uint64_t d;

    if (!n->prc) {
        return;
    }
    d = sraid_prc_next_deadline(n->prc);
    if (d == n->prc_tick_at) {
        return;
    }
    n->prc_tick_at = d;
    if (d != UINT64_MAX) {
        sim_push(n->sim, d, EV_PRC_TICK, n, d, NULL, 0);
    }
}

uint8_t sim_pr_vendor_message(void *opaque, const SraidVendorNexus *nx,
                              uint8_t dcmd, uint8_t ld, const uint8_t *p,
                              size_t len, uint8_t *data_in, size_t cap,
                              size_t *data_len, SraidSense *sense)
{
    SimNode *n = opaque;
    uint8_t st;
    int li;

    if (!n->prc) {
        *sense = sraid_sense_invalid_field;
        return SRAID_STATUS_CHECK_CONDITION;
    }
    st = sraid_prc_receive(n->prc, nx, dcmd, ld, p, len, data_in, cap,
                           data_len, sense);
    /* (p6): a state from the master this node follows */
    li = len ? ld_index(n->sim, p[0]) : -1;
    if (dcmd == SRAID_DCMD_PR_STATE && st == SRAID_STATUS_GOOD && li >= 0) {
        n->pr_synced[li] = true;
    }
    return st;
}

void sim_pr_cmd_done(SimNode *n, SimCmd *c, int err)
{
    if (n->prc) {
        sraid_prc_cmd_done(n->prc, c->token, err, err ? NULL : &c->res,
                           err ? NULL : c->data, err ? 0 : c->data_len);
    }
}

bool sim_pr_deliver_hook(Sim *s, SimNode *to, SimCmd *c)
{
    /* hook (p1): a bus that acknowledges PR_Apply without delivering it */
    if (c->prc && s->p.hooks.pr_fake_apply == to->id + 1 &&
        c->cdb[2] == SRAID_DCMD_PR_APPLY) {
        memset(&c->res, 0, sizeof(c->res));
        return true;
    }
    return false;
}

/* ---- the workload ---------------------------------------------------- */

static void submit_now(Sim *s, uint64_t h)
{
    SimPrCmd *c = cmd_of(s, h);
    SimNode *n = sim_node_by_id(s, c->node);
    uint8_t cdb[10] = { SRAID_OP_PERSISTENT_RESERVE_OUT, c->sa, c->type };
    uint8_t param[24] = { 0 };
    SraidPrNexus nx;

    if (!sim_running(n) || !n->prc) {
        return;                     /* nobody to take it */
    }
    sraid_put_be64(param, c->key);
    sraid_put_be64(param + 8, c->sa_key);
    param[20] = c->aptpl ? 0x01 : 0;
    sraid_put_be32(cdb + 5, sizeof(param));
    sim_pr_nexus(n->id, c->nexus, &nx);
    c->submitted = true;
    c->inc = n->inc;
    c->t_sub = s->now;
    sim_log(s, n->id, "pr-submit", h, c->sa, c->ld);
    if (s->p.verbose) {
        printf("t=%" PRIu64 " node %u: PR command %" PRIu64 " nexus %u LD %u"
               " SA %u type %u key %" PRIx64 " sa_key %" PRIx64 "%s\n",
               s->now, n->id, h, c->nexus, c->ld, c->sa, c->type, c->key,
               c->sa_key, c->aptpl ? " APTPL" : "");
    }
    sraid_prc_submit(n->prc, c->ld, &nx, cdb, param, sizeof(param), h);
}

static uint64_t new_cmd(Sim *s, uint8_t node, uint8_t ld, unsigned nexus,
                        uint8_t sa, uint8_t type, uint64_t key,
                        uint64_t sa_key, bool aptpl)
{
    SimPrCmd c = {
        .node = node, .ld = ld, .nexus = nexus, .sa = sa, .type = type,
        .key = key, .sa_key = sa_key, .aptpl = aptpl,
    };

    g_array_append_val(s->pr_cmds, c);
    return s->pr_cmds->len;
}

uint64_t sim_pr_submit(Sim *s, uint64_t at, uint8_t node, uint8_t ld,
                       unsigned nexus, uint8_t sa, uint8_t type, uint64_t key,
                       uint64_t sa_key, bool aptpl)
{
    uint64_t h = new_cmd(s, node, ld, nexus, sa, type, key, sa_key, aptpl);

    g_assert(sim_node_by_id(s, node) && ld_index(s, ld) >= 0);
    sim_push(s, at, EV_PR_SUBMIT, NULL, 0, NULL, h);
    return h;
}

/* A key nexus @nexus of node index @idx may register */
static uint64_t fresh_key(Sim *s, unsigned idx, unsigned nexus)
{
    return 0x1000 + (idx * SIM_PR_NEXUSES + nexus) * 0x10 +
           sim_rng_range(&s->pr_rng, 1, 4);
}

/* One random PR OUT on a random running node, as an initiator would */
static void random_cmd(Sim *s)
{
    static const uint8_t types[] = {
        SRAID_PR_TYPE_WE, SRAID_PR_TYPE_EA, SRAID_PR_TYPE_WE_RO,
        SRAID_PR_TYPE_EA_RO, SRAID_PR_TYPE_WE_AR, SRAID_PR_TYPE_EA_AR,
    };
    SimRng *r = &s->pr_rng;
    unsigned up[SRAID_NODE_MAX], nup = 0;
    unsigned li = sim_rng_below(r, s->p.pr_lds);
    unsigned nexus = sim_rng_below(r, SIM_PR_NEXUSES);
    unsigned roll = sim_rng_below(r, 100);
    uint8_t type = types[sim_rng_below(r, G_N_ELEMENTS(types))];
    bool right = sim_rng_below(r, 100) < 80;
    bool aptpl = sim_rng_below(r, 100) < 10;
    SimNode *n, *victim;
    uint64_t key, sa_key = 0;
    uint8_t sa;

    for (unsigned i = 0; i < s->p.nnodes; i++) {
        if (sim_running(&s->nodes[i]) && s->nodes[i].paused_until <= s->now) {
            up[nup++] = i;
        }
    }
    if (!nup) {
        return;
    }
    n = &s->nodes[up[sim_rng_below(r, nup)]];
    victim = &s->nodes[sim_rng_below(r, s->p.nnodes)];
    key = n->pr_keys[li][nexus];
    if (!right) {
        key = sim_rng_below(r, 2) ? key + 1 : fresh_key(s, n->idx, nexus);
    }
    if (roll < 22) {
        sa = SRAID_PROUT_REGISTER;
        sa_key = sim_rng_below(r, 10) ? fresh_key(s, n->idx, nexus) : 0;
    } else if (roll < 40) {
        sa = SRAID_PROUT_REGISTER_IGNORE;
        sa_key = sim_rng_below(r, 10) ? fresh_key(s, n->idx, nexus) : 0;
    } else if (roll < 62) {
        sa = SRAID_PROUT_RESERVE;
    } else if (roll < 80) {
        sa = SRAID_PROUT_RELEASE;
    } else if (roll < 84) {
        sa = SRAID_PROUT_CLEAR;
    } else {
        sa = roll < 93 ? SRAID_PROUT_PREEMPT : SRAID_PROUT_PREEMPT_AND_ABORT;
        sa_key = victim->pr_keys[li][sim_rng_below(r, SIM_PR_NEXUSES)];
        if (!sa_key && sim_rng_below(r, 2)) {
            sa_key = fresh_key(s, victim->idx, 0);
        }
    }
    submit_now(s, new_cmd(s, n->id, s->p.pr_ld[li], nexus, sa, type, key,
                          sa_key, aptpl));
}

void sim_pr_workload(Sim *s, uint64_t seed, uint64_t until)
{
    sim_rng_seed(&s->pr_rng, seed ^ 0x5052434c55535452ULL);
    s->pr_until = until;
    sim_push(s, sim_rng_range(&s->pr_rng, 100, 3000), EV_PR_SUBMIT, NULL, 0,
             NULL, 0);
}

/* ---- events ---------------------------------------------------------- */

/* Hook (p5): the glue forgets a slave's logical drives and adds them */
static void rewind_hook(Sim *s)
{
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        SimNode *n = &s->nodes[i];

        if (!sim_running(n) || !n->prc || member_is_master(n)) {
            continue;
        }
        for (unsigned l = 0; l < s->p.pr_lds; l++) {
            sraid_prc_set_ld(n->prc, s->p.pr_ld[l], false, NULL);
            sraid_prc_set_ld(n->prc, s->p.pr_ld[l], true, NULL);
        }
        sim_pr_rearm(n);
    }
}

/* Hook (p2): a slave is told it is master, in its master's epoch */
static void lie_hook(Sim *s)
{
    SimNode *n = sim_node_by_id(s, s->p.hooks.pr_lie_master - 1);
    uint8_t master;
    uint64_t epoch;
    uint16_t live, alive;

    if (!sim_running(n) || !n->prc) {
        return;
    }
    member_word(n, &master, &epoch, &live, &alive);
    sraid_prc_set_view(n->prc, n->id, epoch, live);
    sim_pr_rearm(n);
}

void sim_pr_event(Sim *s, SimNode *n, const SimEvent *ev)
{
    switch (ev->kind) {
    case EV_PRC_TICK:
        if (!n->prc || n->prc_tick_at != ev->token) {
            break;              /* superseded by a newer deadline */
        }
        n->prc_tick_at = UINT64_MAX;
        if (s->now == n->prc_last_tick_ms) {
            if (++n->prc_ticks_same_ms > 10000) {
                sim_fail(s, "node %u: pr-cluster deadline does not advance "
                         "(t=%" PRIu64 ")", n->id, s->now);
            }
        } else {
            n->prc_last_tick_ms = s->now;
            n->prc_ticks_same_ms = 0;
        }
        sraid_prc_tick(n->prc);
        break;
    case EV_PR_SUBMIT:
        if (ev->arg) {
            SimNode *to = sim_node_by_id(s, cmd_of(s, ev->arg)->node);

            if (to->paused_until > s->now) {
                /* a stopped node takes it when it runs again */
                sim_push(s, to->paused_until, EV_PR_SUBMIT, NULL, 0, NULL,
                         ev->arg);
                break;
            }
            submit_now(s, ev->arg);
            sim_pr_rearm(to);
            break;
        }
        random_cmd(s);
        for (unsigned i = 0; i < s->p.nnodes; i++) {
            sim_pr_rearm(&s->nodes[i]);
        }
        if (s->now < s->pr_until) {
            sim_push(s, s->now + sim_rng_range(&s->pr_rng, 20, 1500),
                     EV_PR_SUBMIT, NULL, 0, NULL, 0);
        }
        break;
    case EV_PR_FX_DONE:
        n->pr_abort_end = MAX(n->pr_abort_end, s->now);
        sim_log(s, n->id, "pr-aborts-end", ev->token, 0, 0);
        if (n->prc) {
            sraid_prc_effects_done(n->prc, ev->token);
        }
        break;
    case EV_PR_PERSIST: {
        int li = ld_index(s, ev->arg >> 8);
        bool ok = ev->arg & 1;

        if (ok && li >= 0) {
            if (!s->pr_disk[li]) {
                s->pr_disk[li] = g_new0(SraidPrState, 1);
            }
            *s->pr_disk[li] = *(SraidPrState *)ev->ptr;
        }
        if (n->prc) {
            sraid_prc_persisted(n->prc, ev->token, ok);
        }
        break;
    }
    case EV_PR_REWIND:
        rewind_hook(s);
        break;
    case EV_PR_LIE:
        lie_hook(s);
        break;
    default:
        break;
    }
}

/* ---- invariants ------------------------------------------------------ */

void sim_pr_check(Sim *s)
{
    if (!pr_on(s) || s->violation) {
        return;
    }
    if (s->p.hooks.pr_rewind_at && !s->pr_rewind_done &&
        s->now >= s->p.hooks.pr_rewind_at) {
        s->pr_rewind_done = true;
        sim_push(s, s->now, EV_PR_REWIND, NULL, 0, NULL, 0);
    }
    if (s->p.hooks.pr_lie_master && !s->pr_lie_done &&
        s->now >= s->p.hooks.pr_lie_at) {
        s->pr_lie_done = true;
        sim_push(s, s->now, EV_PR_LIE, NULL, 0, NULL, 0);
    }
    for (unsigned li = 0; li < s->p.pr_lds; li++) {
        uint8_t ld = s->p.pr_ld[li];
        bool any_ready = false;

        for (unsigned i = 0; i < s->p.nnodes; i++) {
            SimNode *n = &s->nodes[i];
            const SraidPrState *st;
            bool master, ready;

            if (!sim_running(n) || !n->prc) {
                continue;
            }
            if (member_suspended(n)) {
                /* its replica is no longer from a master line */
                n->pr_synced[li] = false;
            }
            master = member_is_master(n);
            if (master) {
                n->pr_synced[li] = true;
            }
            ready = sraid_prc_ready(n->prc, ld);
            st = sraid_prc_state(n->prc, ld);
            /*
             * A frozen node's copy counts for nobody: a master that
             * (re)starts meanwhile cannot collect it, and membership
             * suspends the node when it wakes up (partitioned).
             */
            any_ready |= ready && n->paused_until <= s->now;
            /*
             * (p6) a node serves a logical drive only with a state from
             * its master line: it is the master, or it received PR_State
             * since it last started or was suspended.
             */
            if (ready && !n->pr_synced[li]) {
                sim_fail(s, "(p6) node %u is ready for LD %u without a "
                         "state from its master since it started or "
                         "resumed", n->id, ld);
                return;
            }
            /* (p5) PRgeneration never goes back within an epoch */
            if (n->pr_gen_valid[li] &&
                n->pr_ver[li].epoch == n->pr_gen_epoch[li] &&
                st->generation < n->pr_gen[li]) {
                sim_fail(s, "(p5) node %u: PRgeneration of LD %u went back "
                         "from %u to %u in epoch %" PRIu64, n->id, ld,
                         n->pr_gen[li], st->generation, n->pr_ver[li].epoch);
                return;
            }
            n->pr_gen_valid[li] = true;
            n->pr_gen_epoch[li] = n->pr_ver[li].epoch;
            n->pr_gen[li] = st->generation;
        }
        /* every copy of the state is gone (or untrusted): p4's horizon */
        if (!any_ready) {
            s->pr_amnesia_at[li] = s->now;
        }
        /*
         * p4's horizon per command: no node a new master could collect
         * from (running, ready, awake, not suspended) holds the version
         * the command ended with or a later one of that line.  Its
         * change is then lost as by a power loss
         * (docs/persistent-reservations.md, "Limits").
         */
        for (unsigned k = 0; k < s->pr_cmds->len; k++) {
            SimPrCmd *c = &g_array_index(s->pr_cmds, SimPrCmd, k);
            bool held = false;

            if (c->ld != ld || !c->done || c->lost || c->via_stop ||
                c->status != SRAID_STATUS_GOOD) {
                continue;
            }
            for (unsigned i = 0; i < s->p.nnodes && !held; i++) {
                SimNode *n = &s->nodes[i];

                held = sim_running(n) && n->prc &&
                       sraid_prc_ready(n->prc, ld) &&
                       n->paused_until <= s->now && !member_suspended(n) &&
                       sraid_pr_version_cmp(&n->pr_ver[li],
                                            &c->v_done) >= 0;
            }
            c->lost = !held;
        }
    }
}

/* Nodes whose replicas must agree: running, not suspended, a master */
static bool must_agree(SimNode *n)
{
    uint8_t master;
    uint64_t epoch;
    uint16_t live, alive;

    if (!sim_running(n) || !n->prc || member_suspended(n)) {
        return false;
    }
    member_word(n, &master, &epoch, &live, &alive);
    return master != SRAID_NODE_NONE;
}

char *sim_pr_disagreement(const Sim *s, uint8_t ld)
{
    g_autofree uint8_t *a = g_malloc(SRAID_PR_ENC_MAX);
    g_autofree uint8_t *b = g_malloc(SRAID_PR_ENC_MAX);
    size_t alen = 0;
    SraidPrcView va;
    SimNode *first = NULL;

    for (unsigned i = 0; i < s->p.nnodes; i++) {
        SimNode *n = (SimNode *)&s->nodes[i];
        SraidPrcView v;
        size_t len;

        if (!must_agree(n)) {
            continue;
        }
        if (!sraid_prc_ready(n->prc, ld)) {
            return g_strdup_printf("node %u is not ready for LD %u", n->id,
                                   ld);
        }
        sraid_prc_view(n->prc, &v);
        len = sraid_pr_encode(sraid_prc_state(n->prc, ld), first ? b : a);
        if (!first) {
            first = n;
            alen = len;
            va = v;
            continue;
        }
        if (len != alen || memcmp(a, b, len) ||
            sraid_pr_version_cmp(&va.lds[ld].version, &v.lds[ld].version)) {
            return g_strdup_printf(
                "LD %u: node %u has version %" PRIu64 ".%" PRIu64
                " generation %u type %u %u registrations, node %u version %"
                PRIu64 ".%" PRIu64 " generation %u type %u %u "
                "registrations (APTPL %d/%d)", ld, first->id,
                va.lds[ld].version.epoch,
                va.lds[ld].version.seq, va.lds[ld].generation,
                va.lds[ld].type, va.lds[ld].nregs, n->id,
                v.lds[ld].version.epoch, v.lds[ld].version.seq,
                v.lds[ld].generation, v.lds[ld].type, v.lds[ld].nregs,
                sraid_prc_state(first->prc, ld)->aptpl,
                sraid_prc_state(n->prc, ld)->aptpl);
        }
    }
    return NULL;
}

/* Could @c have changed @a's registration after @a was ordered? */
static bool interferes(const SimPrCmd *c, const SimPrCmd *a)
{
    bool kind;

    if (c == a || !c->submitted || c->ld != a->ld) {
        return false;
    }
    switch (c->sa) {
    case SRAID_PROUT_REGISTER:
    case SRAID_PROUT_REGISTER_IGNORE:
        /* only the nexus itself changes its own registration */
        kind = c->node == a->node && c->nexus == a->nexus;
        break;
    case SRAID_PROUT_CLEAR:
    case SRAID_PROUT_PREEMPT:
    case SRAID_PROUT_PREEMPT_AND_ABORT:
        kind = true;
        break;
    default:
        kind = false;
        break;
    }
    if (!kind) {
        return false;
    }
    if (c->done && !c->via_stop) {
        /* the master's verdict: refused ones changed nothing */
        if (c->status != SRAID_STATUS_GOOD) {
            return false;
        }
        /* every live node had it before @a was submitted: ordered before */
        if (c->t_done < a->t_sub) {
            return false;
        }
    }
    return true;
}

void sim_pr_final(Sim *s)
{
    SimNode *ref = NULL;

    if (!pr_on(s) || s->violation) {
        return;
    }
    /* (p1) every live node with a master agrees, byte for byte */
    for (unsigned li = 0; li < s->p.pr_lds; li++) {
        g_autofree char *why = sim_pr_disagreement(s, s->p.pr_ld[li]);

        if (why) {
            sim_fail(s, "(p1) replicas differ after the quiet phase: %s",
                     why);
            return;
        }
    }
    /* (p3) a command submitted on a node still up has ended, once */
    for (unsigned i = 0; i < s->pr_cmds->len; i++) {
        SimPrCmd *c = &g_array_index(s->pr_cmds, SimPrCmd, i);
        SimNode *n = sim_node_by_id(s, c->node);

        if (c->submitted && !c->done && sim_running(n) && n->inc == c->inc) {
            sim_fail(s, "(p3) PR command %u (SA %u) submitted on node %u "
                     "at t=%" PRIu64 " never completed", i + 1, c->sa,
                     c->node, c->t_sub);
            return;
        }
    }
    for (unsigned i = 0; i < s->p.nnodes && !ref; i++) {
        if (must_agree(&s->nodes[i])) {
            ref = &s->nodes[i];
        }
    }
    if (!ref) {
        return;
    }
    /*
     * (p4) a REGISTER that ended GOOD is in the agreed state with its key
     * unless a command that could undo it may have been ordered after it:
     * a REGISTER of the same nexus, or any CLEAR or PREEMPT (AND ABORT),
     * that was not refused and did not end before it was submitted.  A
     * GOOD whose every copy was lost (no node ready since: every node
     * crashed or suspended) is exempt.
     */
    for (unsigned i = 0; i < s->pr_cmds->len; i++) {
        SimPrCmd *a = &g_array_index(s->pr_cmds, SimPrCmd, i);
        int li = ld_index(s, a->ld);
        const SraidPrState *st = sraid_prc_state(ref->prc, a->ld);
        SraidPrNexus nx;
        uint64_t key = 0;
        bool exempt = false;

        if (!a->done || a->via_stop || a->status != SRAID_STATUS_GOOD ||
            !a->sa_key || (a->sa != SRAID_PROUT_REGISTER &&
                           a->sa != SRAID_PROUT_REGISTER_IGNORE)) {
            continue;
        }
        exempt = a->t_done <= s->pr_amnesia_at[li] || a->lost;
        for (unsigned j = 0; j < s->pr_cmds->len && !exempt; j++) {
            exempt = interferes(&g_array_index(s->pr_cmds, SimPrCmd, j), a);
        }
        if (exempt) {
            s->pr_exempt++;
            continue;
        }
        s->pr_checked++;
        sim_pr_nexus(a->node, a->nexus, &nx);
        if (!sraid_pr_registered(st, &nx, &key) || key != a->sa_key) {
            sim_fail(s, "(p4) PR command %u, REGISTER of key %" PRIx64
                     " by nexus %u of node %u, ended GOOD at t=%" PRIu64
                     " but the agreed state of LD %u has %s %" PRIx64,
                     i + 1, a->sa_key, a->nexus, a->node, a->t_done, a->ld,
                     key ? "key" : "no registration", key);
            return;
        }
    }
}

void sim_pr_describe(const Sim *s, GString *g)
{
    if (!pr_on(s)) {
        return;
    }
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        const SimNode *n = &s->nodes[i];
        SraidPrcView v;

        if (!n->prc) {
            continue;
        }
        sraid_prc_view(n->prc, &v);
        g_string_append_printf(g, "\n#   node %u PR: master %d epoch %"
                               PRIu64 " live %04x pending %u", n->id,
                               v.master == SRAID_NODE_NONE ? -1 : v.master,
                               v.epoch, v.live, v.pending);
        for (unsigned li = 0; li < s->p.pr_lds; li++) {
            const SraidPrcLdView *lv = &v.lds[s->p.pr_ld[li]];

            g_string_append_printf(g, "; LD %u %s v%" PRIu64 ".%" PRIu64
                                   " gen %u type %u regs %u queued %u%s",
                                   s->p.pr_ld[li],
                                   lv->ready ? "ready" : "not-ready",
                                   lv->version.epoch, lv->version.seq,
                                   lv->generation, lv->type, lv->nregs,
                                   lv->queued,
                                   lv->ordering ? " ordering" : "");
        }
    }
}

/* ---- setup and observation ------------------------------------------- */

void sim_pr_init(Sim *s)
{
    g_assert(s->p.pr_lds <= PR_MAX_LDS);
    s->pr_cmds = g_array_new(FALSE, TRUE, sizeof(SimPrCmd));
    s->pr_hist = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       NULL);
}

void sim_pr_free(Sim *s)
{
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        sim_pr_crash(&s->nodes[i]);
    }
    for (unsigned i = 0; i < PR_MAX_LDS; i++) {
        g_free(s->pr_disk[i]);
    }
    g_array_free(s->pr_cmds, TRUE);
    g_hash_table_destroy(s->pr_hist);
}

bool sim_pr_result(const Sim *s, uint64_t h, uint8_t *status, uint64_t *at)
{
    SimPrCmd *c = cmd_of(s, h);

    if (!c || !c->done) {
        return false;
    }
    *status = c->status;
    *at = c->t_done;
    return true;
}

unsigned sim_pr_completions(const Sim *s, uint64_t h)
{
    SimPrCmd *c = cmd_of(s, h);

    return c ? c->done : 0;
}

const SraidPrState *sim_pr_state(const Sim *s, uint8_t id, uint8_t ld)
{
    SimNode *n = sim_node_by_id(s, id);

    return sim_running(n) && n->prc ? sraid_prc_state(n->prc, ld) : NULL;
}

bool sim_pr_ready(const Sim *s, uint8_t id, uint8_t ld)
{
    SimNode *n = sim_node_by_id(s, id);

    return sim_running(n) && n->prc && sraid_prc_ready(n->prc, ld);
}

unsigned sim_pr_guest_uas(const Sim *s, uint8_t id, uint8_t ascq)
{
    SimNode *n = sim_node_by_id(s, id);

    return n && ascq >= 3 && ascq <= 5 ? n->pr_guest_ua[ascq - 3] : 0;
}

uint64_t sim_pr_abort_end(const Sim *s, uint8_t id)
{
    SimNode *n = sim_node_by_id(s, id);

    return n ? n->pr_abort_end : 0;
}

void sim_pr_stats(const Sim *s, uint64_t *cmds, uint64_t *checked,
                  uint64_t *exempt)
{
    *cmds = s->pr_cmds->len;
    *checked = s->pr_checked;
    *exempt = s->pr_exempt;
}
