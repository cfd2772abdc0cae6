/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Deterministic simulation of cluster membership: the engine (virtual
 * time, event heap), the virtual nodes, the bus, the drives and the
 * invariant checks.  The fault schedules are in sim-faults.c.
 *
 * Every node is the real firmware core: an SraidCtrlLun answering the
 * back-end commands (TEST UNIT READY is seed 003's Heartbeat(), Table 17;
 * INQUIRY carries the booting flag, Table 20) and an SraidMembership
 * driving it through SraidMemberOps, which this file backs with events.
 * No op ever calls back into the membership: every completion is an
 * event, dispatched later from the heap.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim-int.h"

/* ---- PRNG ---------------------------------------------------------- */

void sim_rng_seed(SimRng *r, uint64_t seed)
{
    r->s = seed;
}

uint64_t sim_rng_next(SimRng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t sim_rng_below(SimRng *r, uint64_t n)
{
    return sim_rng_next(r) % n;
}

uint64_t sim_rng_range(SimRng *r, uint64_t lo, uint64_t hi)
{
    return lo + sim_rng_below(r, hi - lo + 1);
}

/* ---- event heap ---------------------------------------------------- */

static bool ev_before(const SimEvent *a, const SimEvent *b)
{
    /* equal times run in the order they were queued: deterministic */
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(Sim *s, SimEvent ev)
{
    size_t i;

    if (s->nheap == s->heap_cap) {
        s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 256;
        s->heap = g_renew(SimEvent, s->heap, s->heap_cap);
    }
    ev.seq = s->seq++;
    i = s->nheap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (!ev_before(&ev, &s->heap[parent])) {
            break;
        }
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = ev;
}

static SimEvent heap_pop(Sim *s)
{
    SimEvent top = s->heap[0];
    SimEvent last = s->heap[--s->nheap];
    size_t i = 0;

    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const SimEvent *best = &last;

        if (l < s->nheap && ev_before(&s->heap[l], best)) {
            m = l;
            best = &s->heap[l];
        }
        if (r < s->nheap && ev_before(&s->heap[r], best)) {
            m = r;
        }
        if (m == i) {
            break;
        }
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (s->nheap) {
        s->heap[i] = last;
    }
    return top;
}

static void push_inc(Sim *s, uint64_t at, SimEventKind kind, SimNode *n,
                     uint32_t inc, uint64_t token, void *ptr, uint32_t arg)
{
    SimEvent ev = {
        .at = MAX(at, s->now), .kind = kind, .node = n ? n->idx : 0,
        .inc = inc, .token = token, .ptr = ptr, .arg = arg,
    };

    heap_push(s, ev);
}

static void push(Sim *s, uint64_t at, SimEventKind kind, SimNode *n,
                 uint64_t token, void *ptr, uint32_t arg)
{
    push_inc(s, at, kind, n, n ? n->inc : 0, token, ptr, arg);
}

void sim_push(Sim *s, uint64_t at, SimEventKind kind, SimNode *n,
              uint64_t token, void *ptr, uint32_t arg)
{
    push(s, at, kind, n, token, ptr, arg);
}

/* ---- the event log (last SIM_LOG_LEN entries, printed on failure) -- */

void sim_log(Sim *s, uint8_t node, const char *what, uint64_t a,
             uint64_t b, uint64_t c)
{
    SimLogEntry *e = &s->log[s->log_next++ % SIM_LOG_LEN];

    e->at = s->now;
    e->node = node;
    e->what = what;
    e->a = a;
    e->b = b;
    e->c = c;
}

static void log_print(Sim *s, FILE *f)
{
    uint64_t first = s->log_next > SIM_LOG_LEN ? s->log_next - SIM_LOG_LEN
                                               : 0;

    fprintf(f, "# last %" PRIu64 " events:\n", s->log_next - first);
    for (uint64_t i = first; i < s->log_next; i++) {
        const SimLogEntry *e = &s->log[i % SIM_LOG_LEN];

        fprintf(f, "#   t=%-8" PRIu64 " node %-2u %-14s %" PRIu64 " %"
                PRIu64 " %" PRIu64 "\n", e->at, e->node, e->what, e->a,
                e->b, e->c);
    }
}

void sim_fail(Sim *s, const char *fmt, ...)
{
    va_list ap;

    if (s->violation) {
        return;
    }
    va_start(ap, fmt);
    s->violation = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* ---- nodes --------------------------------------------------------- */

SimNode *sim_node_by_id(const Sim *s, uint8_t id)
{
    int idx = id < SRAID_NODE_MAX ? s->idx_of[id] : -1;

    return idx < 0 ? NULL : (SimNode *)&s->nodes[idx];
}

static bool running(const SimNode *n)
{
    return n && n->alive && n->m;
}

bool sim_running(const SimNode *n)
{
    return running(n);
}

static uint64_t nvram_gen(const SimNode *n)
{
    uint64_t g;

    memcpy(&g, n->nvram, sizeof(g));
    return g;
}

static void nvram_set_gen(SimNode *n, uint64_t g)
{
    memcpy(n->nvram, &g, sizeof(g));
}

static bool node_reaches_drives(const SimNode *n, unsigned ch)
{
    return n->cable[ch] && n->sim->p.drives_per_channel > 0;
}

/* Re-read the membership's (and pr-cluster's) deadline after every call */
static void rearm(SimNode *n)
{
    Sim *s;
    uint64_t d;

    if (!running(n)) {
        return;
    }
    s = n->sim;
    sim_pr_rearm(n);
    d = sraid_member_next_deadline(n->m);
    if (d == n->tick_at) {
        return;
    }
    n->tick_at = d;
    if (d != UINT64_MAX) {
        push(s, d, EV_TICK, n, d, NULL, 0);
    }
}

/* ---- the bus ------------------------------------------------------- */

static bool partitioned(const Sim *s, const SimNode *a, const SimNode *b)
{
    for (unsigned i = 0; i < s->npart; i++) {
        bool ina = s->part[i] & (1u << a->id);
        bool inb = s->part[i] & (1u << b->id);

        if (ina != inb) {
            return true;
        }
    }
    return false;
}

static bool bus_ok(const Sim *s, const SimNode *a, const SimNode *b,
                   unsigned ch)
{
    return ch < s->p.channels && a->cable[ch] && b->cable[ch] &&
           !partitioned(s, a, b);
}

static uint64_t bus_latency(Sim *s)
{
    uint64_t l = sim_rng_range(&s->rng, s->p.bus_lat_min, s->p.bus_lat_max);

    if (s->delay_ms) {
        l += sim_rng_below(&s->rng, s->delay_ms + 1);
    }
    return l;
}

static bool bus_drop(Sim *s)
{
    return s->drop_permille &&
           sim_rng_below(&s->rng, 1000) < s->drop_permille;
}

static uint64_t drive_latency(Sim *s)
{
    return sim_rng_range(&s->rng, s->p.drive_lat_min, s->p.drive_lat_max);
}

static uint64_t op_now(void *opaque)
{
    SimNode *n = opaque;

    return n->sim->now;
}

void sim_bus_send(SimNode *n, bool prc, uint8_t node, uint8_t channel,
                  const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                  size_t out_len, size_t in_len, uint32_t timeout_ms,
                  uint64_t token)
{
    Sim *s = n->sim;
    SimCmd *c = g_new0(SimCmd, 1);
    SimNode *to = sim_node_by_id(s, node);

    g_ptr_array_add(s->cmds, c);
    c->from = n->idx;
    c->from_inc = n->inc;
    c->to_id = node;
    c->channel = channel;
    c->token = token;
    c->cdb_len = MIN(cdb_len, sizeof(c->cdb));
    memcpy(c->cdb, cdb, c->cdb_len);
    c->out = out_len ? g_memdup2(out, out_len) : NULL;
    c->out_len = out_len;
    c->in_len = MIN(in_len, (size_t)SIM_DATA_IN_MAX);
    c->deadline = s->now + timeout_ms;
    c->prc = prc;
    s->stats_cmds++;
    /* the sender's timer runs whatever happens to the command */
    push(s, c->deadline, EV_TIMEOUT, n, 0, c, 0);
    if (!to || !bus_ok(s, n, to, channel) || bus_drop(s) ||
        (prc && s->p.hooks.pr_lose_requests &&
         cdb[2] == SRAID_DCMD_PR_REQUEST)) {
        sim_log(s, n->id, "send-lost", node, channel, cdb[0] == 0x20 ?
                cdb[2] : cdb[0]);
        return;
    }
    c->to_inc = to->inc;
    push(s, s->now + bus_latency(s), EV_DELIVER, to, 0, c, 0);
}

static void op_send(void *opaque, uint8_t node, uint8_t channel,
                    const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                    size_t out_len, size_t in_len, uint32_t timeout_ms,
                    uint64_t token)
{
    sim_bus_send(opaque, false, node, channel, cdb, cdb_len, out, out_len,
                 in_len, timeout_ms, token);
}

static bool op_drive_tur(void *opaque, uint8_t channel, uint64_t token)
{
    SimNode *n = opaque;
    Sim *s = n->sim;

    if (channel >= s->p.channels || !s->p.drives_per_channel) {
        return false;
    }
    push(s, s->now + drive_latency(s), EV_DRIVE_TUR, n, token, NULL,
         channel);
    return true;
}

static void op_lease_write(void *opaque, const uint8_t *slot,
                           uint64_t token)
{
    SimNode *n = opaque;
    Sim *s = n->sim;

    push(s, s->now + drive_latency(s), EV_LEASE_WRITE, n, token,
         g_memdup2(slot, SRAID_LEASE_SLOT_LEN), 0);
}

static void op_lease_read(void *opaque, uint64_t token)
{
    SimNode *n = opaque;
    Sim *s = n->sim;

    push(s, s->now + drive_latency(s), EV_LEASE_READ, n, token, NULL, 0);
}

static void op_get_config(void *opaque, SraidMailbox *mb)
{
    SimNode *n = opaque;

    memset(mb, 0, sizeof(*mb));
    mb->sender = n->id;
    mb->sender_state = n->lun.node.state;
    mb->sender_info = n->lun.node.info;
    mb->generation = nvram_gen(n);
}

/* Highest configuration generation on the drives @n reaches */
static uint64_t cod_reachable(const Sim *s, const SimNode *n, bool *any)
{
    uint64_t g = 0;

    *any = false;
    for (unsigned ch = 0; ch < s->p.channels; ch++) {
        if (!node_reaches_drives(n, ch)) {
            continue;
        }
        for (unsigned d = 0; d < s->p.drives_per_channel; d++) {
            *any = true;
            g = MAX(g, s->drive[ch][d].cod_gen);
        }
    }
    return g;
}

static void op_process_cod(void *opaque)
{
    SimNode *n = opaque;
    Sim *s = n->sim;
    bool any;
    uint64_t g = cod_reachable(s, n, &any);

    /* fig. 4 step 445: the master runs the newest configuration stored */
    if (g > nvram_gen(n)) {
        nvram_set_gen(n, g);
    }
    sim_log(s, n->id, "process-cod", g, nvram_gen(n), 0);
}

/*
 * Invariant (d): only a master writes COD ("Configuration Changes": only
 * the master node controller writes configurations to the devices), never
 * an older generation than the drives it reaches hold, and lease terms
 * (master epochs) follow each other: one writer per epoch, epochs never
 * go back.  Two masters both writing in overlapping terms is split brain.
 */
static void op_write_cod(void *opaque, const SraidMailbox *mb)
{
    SimNode *n = opaque;
    Sim *s = n->sim;
    SraidMemberView v;
    bool any;
    uint64_t have = cod_reachable(s, n, &any);

    sraid_member_view(n->m, &v);
    sim_log(s, n->id, "write-cod", mb->generation, v.epoch, have);
    if (!any) {
        return;                 /* reached no drive: nothing written */
    }
    if (n->lun.node.state != SRAID_NODE_MASTER || n->lun.node.suspended) {
        sim_fail(s, "(d) node %u wrote COD generation %" PRIu64
                 " while not master (state %s%s)", n->id, mb->generation,
                 sraid_node_state_name(n->lun.node.state),
                 n->lun.node.suspended ? ", suspended" : "");
    } else if (mb->generation < have) {
        sim_fail(s, "(d) node %u wrote stale COD generation %" PRIu64
                 " over generation %" PRIu64, n->id, mb->generation, have);
    } else if (s->cod_writes && v.epoch < s->cod_epoch) {
        sim_fail(s, "(d) node %u wrote COD in epoch %" PRIu64
                 " after node %u wrote in newer epoch %" PRIu64,
                 n->id, v.epoch, s->cod_writer, s->cod_epoch);
    } else if (s->cod_writes && v.epoch == s->cod_epoch &&
               n->id != s->cod_writer) {
        sim_fail(s, "(d) nodes %u and %u both wrote COD in epoch %" PRIu64,
                 s->cod_writer, n->id, v.epoch);
    }
    /* two terms overlapping in time, both writing in the overlap */
    if (!n->in_term) {
        n->in_term = true;
        n->term_start = s->now;
    }
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        SimNode *y = &s->nodes[i];

        if (y != n && y->in_term && y->term_cod_at != UINT64_MAX &&
            y->term_cod_at >= n->term_start) {
            sim_fail(s, "(d) nodes %u and %u both master and both writing "
                     "COD: %u at t=%" PRIu64 " (master since %" PRIu64
                     "), %u now (master since %" PRIu64 ")", y->id, n->id,
                     y->id, y->term_cod_at, y->term_start, n->id,
                     n->term_start);
        }
    }
    n->term_cod_at = s->now;
    s->cod_writes++;
    s->cod_epoch = v.epoch;
    s->cod_writer = n->id;
    for (unsigned ch = 0; ch < s->p.channels; ch++) {
        if (!node_reaches_drives(n, ch)) {
            continue;
        }
        for (unsigned d = 0; d < s->p.drives_per_channel; d++) {
            s->drive[ch][d].cod_gen = mb->generation;
        }
    }
    /* a master runs what it stores */
    if (mb->generation > nvram_gen(n)) {
        nvram_set_gen(n, mb->generation);
    }
}

static SraidVendorOutcome op_apply_config(void *opaque,
                                          const SraidMailbox *mb,
                                          bool *changed)
{
    SimNode *n = opaque;
    Sim *s = n->sim;
    bool any;
    uint64_t have = cod_reachable(s, n, &any);

    /* fig. 13 step 1315: a master's configuration older than the drives' */
    if (mb->generation < have) {
        sim_log(s, n->id, "apply-mismatch", mb->generation, have, 0);
        return SRAID_VENDOR_CONFIG_MISMATCH;
    }
    *changed = mb->generation != nvram_gen(n);
    nvram_set_gen(n, mb->generation);
    sim_log(s, n->id, "apply-config", mb->generation, *changed, 0);
    return SRAID_VENDOR_OK;
}

/*
 * Step 585: the membership starts over by itself right after this op; the
 * owner only restarts what runs on the configuration (logical drives),
 * which the simulator does not model.  The configuration is in NVRAM.
 */
static void op_restart(void *opaque)
{
    SimNode *n = opaque;

    sim_log(n->sim, n->id, "restart-op", nvram_gen(n), 0, 0);
    sim_pr_view(n);
}

static void op_suspend(void *opaque, SraidSuspendReason why)
{
    SimNode *n = opaque;
    Sim *s = n->sim;

    sim_log(s, n->id, "suspend", why, 0, 0);
    if (s->p.verbose) {
        printf("t=%" PRIu64 " node %u suspended: %s\n", s->now, n->id,
               sraid_suspend_reason_name(why));
    }
    sim_pr_suspend(n);
}

static void op_resume(void *opaque)
{
    SimNode *n = opaque;
    Sim *s = n->sim;

    sim_log(s, n->id, "resumed", 0, 0, 0);
    if (s->p.verbose) {
        printf("t=%" PRIu64 " node %u resumed\n", s->now, n->id);
    }
    sim_pr_view(n);
}

static void op_node_changed(void *opaque, uint8_t node, uint8_t old_state,
                            uint8_t state, uint8_t info)
{
    SimNode *n = opaque;
    Sim *s = n->sim;

    if (node < SRAID_NODE_MAX && state <= SRAID_NODE_STATE_LAST) {
        n->seen[node][state]++;
    }
    sim_log(s, n->id, "node-changed", node, state, info);
    if (s->p.verbose) {
        printf("t=%" PRIu64 " node %u: node %u %s -> %s (%s)\n", s->now,
               n->id, node, sraid_node_state_name(old_state),
               sraid_node_state_name(state), sraid_node_info_name(info));
    }
    sim_pr_view(n);
}

static void op_master_changed(void *opaque, uint8_t master)
{
    SimNode *n = opaque;
    Sim *s = n->sim;

    sim_log(s, n->id, "master-changed", master, 0, 0);
    if (s->p.verbose) {
        printf("t=%" PRIu64 " node %u: master is %d\n", s->now, n->id,
               master == SRAID_NODE_NONE ? -1 : master);
    }
    sim_pr_view(n);
}

static void op_drives_alive_changed(void *opaque)
{
    sim_pr_view(opaque);
}

static const SraidMemberOps member_ops = {
    .now_ms = op_now,
    .send = op_send,
    .drive_tur = op_drive_tur,
    .lease_write = op_lease_write,
    .lease_read = op_lease_read,
    .get_config = op_get_config,
    .process_cod = op_process_cod,
    .write_cod = op_write_cod,
    .apply_config = op_apply_config,
    .restart = op_restart,
    .suspend = op_suspend,
    .resume = op_resume,
    .node_changed = op_node_changed,
    .master_changed = op_master_changed,
    .drives_alive_changed = op_drives_alive_changed,
};

/* The vendor commands for membership, forwarded as the glue does */
static void v_kill(void *opaque, const SraidVendorNexus *nx)
{
    SimNode *n = opaque;

    sraid_member_on_kill(n->m, nx);
}

static SraidVendorOutcome v_negotiate(void *opaque,
                                      const SraidVendorNexus *nx,
                                      const SraidMailbox *mb)
{
    SimNode *n = opaque;

    return sraid_member_on_negotiate(n->m, nx, mb);
}

static void v_bus_reset(void *opaque, const SraidVendorNexus *nx)
{
    SimNode *n = opaque;

    sraid_member_on_bus_reset(n->m, nx);
}

static SraidVendorOutcome v_config_changed(void *opaque,
                                           const SraidVendorNexus *nx,
                                           const SraidMailbox *mb)
{
    SimNode *n = opaque;

    return sraid_member_on_config_changed(n->m, nx, mb);
}

static const SraidVendorOps vendor_ops = {
    .kill = v_kill,
    .negotiate = v_negotiate,
    .bus_reset = v_bus_reset,
    .config_changed = v_config_changed,
    .pr_message = sim_pr_vendor_message,
};

/* ---- power ----------------------------------------------------------- */

static void node_power_on(SimNode *n)
{
    Sim *s = n->sim;
    SraidLunIdentity id;
    SraidMemberConfig cfg;
    char serial[32];

    g_assert(!n->alive);
    snprintf(serial, sizeof(serial), "SIMNODE%02u", n->id);
    g_assert(sraid_lun_identity_set(&id, SRAID_TYPE_STORAGE_ARRAY, "SRAID",
                                    "SIM CONTROLLER", "0001", serial,
                                    0x3535241494443000ULL | n->id, NULL));
    memset(&n->lun, 0, sizeof(n->lun));
    sraid_ctrl_lun_init(&n->lun, &id);
    sraid_ctrl_lun_attach_node(&n->lun, n->id, &vendor_ops, n);
    sraid_member_config_default(&cfg, n->id, s->p.channels);
    cfg.heartbeat_ms = s->p.heartbeat_ms;
    cfg.heartbeat_misses = s->p.heartbeat_misses;
    cfg.monitor_ms = s->p.monitor_ms;
    cfg.negotiation_timeout_ms = s->p.negotiation_ms;
    g_assert_null(sraid_member_config_check(&cfg));
    n->inc++;
    n->alive = true;
    n->tick_at = UINT64_MAX;
    n->started_at = s->now;
    n->cut_base = s->now;
    n->m = sraid_member_new(&cfg, &n->lun.node, &member_ops, n);
    sim_pr_power_on(n);
    /* step 4A5: the controller knows which of its cables are connected */
    for (unsigned ch = 0; ch < s->p.channels; ch++) {
        if (!n->cable[ch]) {
            sraid_member_set_cable(n->m, ch, false);
        }
    }
    sim_log(s, n->id, "power-on", n->inc, nvram_gen(n), 0);
    sraid_member_start(n->m);
    rearm(n);
}

static void node_crash(SimNode *n)
{
    Sim *s = n->sim;

    if (!n->alive) {
        return;
    }
    sim_log(s, n->id, "crash", n->inc, 0, 0);
    sim_pr_crash(n);
    sraid_member_free(n->m);
    n->m = NULL;
    n->alive = false;
    n->paused_until = 0;    /* the next start is a new process */
    n->inc++;               /* everything in flight for it is stale */
    n->tick_at = UINT64_MAX;
}

/* ---- drives -------------------------------------------------------- */

static void lease_write_done(Sim *s, SimNode *n, uint64_t token,
                             const uint8_t *slot)
{
    bool ok = false;

    for (unsigned ch = 0; ch < s->p.channels; ch++) {
        if (!node_reaches_drives(n, ch)) {
            continue;
        }
        for (unsigned d = 0; d < s->p.drives_per_channel; d++) {
            memcpy(s->drive[ch][d].lease + n->id * SRAID_LEASE_SLOT_LEN,
                   slot, SRAID_LEASE_SLOT_LEN);
            ok = true;
        }
    }
    sraid_member_lease_written(n->m, token, ok);
}

/* Per slot, the valid copy with the highest counter of the drives reached */
static void lease_read_done(Sim *s, SimNode *n, uint64_t token)
{
    uint8_t area[SRAID_LEASE_AREA_LEN];
    uint64_t best[SRAID_NODE_MAX];
    bool have[SRAID_NODE_MAX] = { false };
    bool ok = false;

    memset(area, 0, sizeof(area));
    for (unsigned ch = 0; ch < s->p.channels; ch++) {
        if (!node_reaches_drives(n, ch)) {
            continue;
        }
        for (unsigned d = 0; d < s->p.drives_per_channel; d++) {
            const uint8_t *lease = s->drive[ch][d].lease;

            ok = true;
            for (unsigned i = 0; i < SRAID_NODE_MAX; i++) {
                const uint8_t *p = lease + i * SRAID_LEASE_SLOT_LEN;
                SraidLeaseSlot sl;
                SimNode *w = sim_node_by_id(s, i);

                /* hook: each side of the split has its own drives */
                if (s->p.hooks.split_forever && w && partitioned(s, n, w)) {
                    continue;
                }
                sraid_lease_slot_decode(p, i, &sl);
                if (sl.valid && (!have[i] || sl.counter > best[i])) {
                    have[i] = true;
                    best[i] = sl.counter;
                    memcpy(area + i * SRAID_LEASE_SLOT_LEN, p,
                           SRAID_LEASE_SLOT_LEN);
                }
            }
        }
    }
    sraid_member_lease_read(n->m, token, ok, ok ? area : NULL);
    /* the lease read may confirm a mastership: pr-cluster waits for it */
    sim_pr_view(n);
}

/* ---- dispatch ------------------------------------------------------ */

static SimNode *event_node(Sim *s, const SimEvent *ev)
{
    if (ev->kind == EV_FAULT || ev->kind == EV_OPERATOR ||
        ev->kind == EV_PR_SUBMIT || ev->kind == EV_PR_REWIND ||
        ev->kind == EV_PR_LIE) {
        return NULL;
    }
    if (ev->kind == EV_DELIVER) {
        return sim_node_by_id(s, ((SimCmd *)ev->ptr)->to_id);
    }
    return &s->nodes[ev->node];
}

static void deliver(Sim *s, SimCmd *c)
{
    static uint8_t data[SIM_DATA_IN_MAX];
    SimNode *from = &s->nodes[c->from];
    SimNode *to = sim_node_by_id(s, c->to_id);
    SraidVendorNexus nx = {
        .source = SRAID_VENDOR_FROM_PEER, .node = from->id,
        .channel = c->channel, .lun = 0,
    };
    uint8_t op = c->cdb[0] == 0x20 ? c->cdb[2] : c->cdb[0];
    uint64_t back;

    if (!running(to) || to->inc != c->to_inc ||
        !bus_ok(s, from, to, c->channel) ||
        (s->p.hooks.lose_negotiate && c->cdb[0] == 0x20 &&
         c->cdb[2] == SRAID_DCMD_NODE_NEGOTIATE)) {
        sim_log(s, to->id, "deliver-lost", from->id, c->channel, op);
        return;
    }
    to->lun.booting = sraid_member_booting(to->m);
    if (!sim_pr_deliver_hook(s, to, c)) {
        sraid_ctrl_lun_execute_nexus(&to->lun, &nx, c->cdb, c->cdb_len,
                                     c->out, c->out_len, data, c->in_len,
                                     &c->res);
    }
    sim_log(s, to->id, "executed", from->id, op, c->res.status);
    c->data_len = MIN(c->res.data_len, c->in_len);
    c->data = c->data_len ? g_memdup2(data, c->data_len) : NULL;
    rearm(to);
    /* the answer must make it back before the sender gives up */
    back = s->now + bus_latency(s);
    if (back < c->deadline && !bus_drop(s)) {
        push_inc(s, back, EV_REPLY, from, c->from_inc, 0, c, 0);
    }
}

static void apply_fault(Sim *s, const SimFault *f);
static void operator(Sim *s);

static void dispatch(Sim *s, SimEvent *ev)
{
    SimNode *n = event_node(s, ev);
    SimCmd *c = ev->ptr;

    if (n && ev->kind != EV_DELIVER && ev->kind != EV_POWER_ON &&
        (!running(n) || n->inc != ev->inc)) {
        goto drop;              /* for an incarnation that is gone */
    }
    if (n && n->paused_until > s->now) {
        /* SIGSTOP: everything for it waits until it runs again */
        SimEvent again = *ev;

        again.at = n->paused_until;
        heap_push(s, again);
        return;
    }
    s->stats_events++;
    switch (ev->kind) {
    case EV_FAULT:
        apply_fault(s, &g_array_index(s->faults, SimFault, ev->arg));
        break;
    case EV_OPERATOR:
        operator(s);
        break;
    case EV_TICK:
        if (n->tick_at != ev->token) {
            break;              /* superseded by a newer deadline */
        }
        n->tick_at = UINT64_MAX;
        if (s->now == n->last_tick_ms) {
            if (++n->ticks_same_ms > 10000) {
                sim_fail(s, "node %u: deadline does not advance (t=%"
                         PRIu64 ")", n->id, s->now);
            }
        } else {
            n->last_tick_ms = s->now;
            n->ticks_same_ms = 0;
        }
        sraid_member_tick(n->m);
        break;
    case EV_DELIVER:
        deliver(s, c);
        return;
    case EV_REPLY:
        if (c->done) {
            break;
        }
        c->done = true;
        if (!bus_ok(s, n, sim_node_by_id(s, c->to_id), c->channel)) {
            c->done = false;    /* the answer is lost: the timer fires */
            break;
        }
        sim_log(s, n->id, "reply", c->to_id, c->res.status, c->token);
        if (c->prc) {
            sim_pr_cmd_done(n, c, 0);
            break;
        }
        sraid_member_cmd_done(n->m, c->token, 0, &c->res, c->data,
                              c->data_len);
        break;
    case EV_TIMEOUT:
        if (c->done) {
            break;
        }
        c->done = true;
        sim_log(s, n->id, "timeout", c->to_id, c->channel, c->token);
        if (c->prc) {
            sim_pr_cmd_done(n, c, -ETIMEDOUT);
            break;
        }
        sraid_member_cmd_done(n->m, c->token, -ETIMEDOUT, NULL, NULL, 0);
        break;
    case EV_DRIVE_TUR:
        sraid_member_drive_done(n->m, ev->token,
                                node_reaches_drives(n, ev->arg));
        break;
    case EV_LEASE_WRITE:
        lease_write_done(s, n, ev->token, ev->ptr);
        break;
    case EV_LEASE_READ:
        lease_read_done(s, n, ev->token);
        break;
    case EV_POWER_ON:
        if (!n->alive) {
            node_power_on(n);
        }
        break;
    case EV_PRC_TICK:
    case EV_PR_SUBMIT:
    case EV_PR_FX_DONE:
    case EV_PR_PERSIST:
    case EV_PR_REWIND:
    case EV_PR_LIE:
        sim_pr_event(s, n, ev);
        break;
    case EV_CALL:
        if (!running(n)) {
            break;
        }
        switch (ev->arg & 0xff) {
        case CALL_CABLE:
            sraid_member_set_cable(n->m, (ev->arg >> 8) & 0xff,
                                   ev->arg >> 16);
            break;
        case CALL_CONFIG:
            sraid_member_config_changed(n->m);
            break;
        case CALL_RESUME:
            if (n->lun.node.suspended) {
                n->cut_base = s->now;
                sraid_member_resume(n->m);
            }
            break;
        case CALL_KILL_PEER:
            sraid_member_kill_peer(n->m, ev->arg >> 8);
            break;
        }
        break;
    }
    rearm(n);
drop:
    if (ev->kind == EV_LEASE_WRITE || ev->kind == EV_PR_PERSIST) {
        g_free(ev->ptr);
    }
}

/* ---- faults -------------------------------------------------------- */

static void call(Sim *s, SimNode *n, uint32_t arg)
{
    push(s, s->now, EV_CALL, n, 0, NULL, arg);
}

/*
 * The person at the console in the quiet phase: a node may still suspend
 * itself for what happened during the faults (a slave the master failed
 * times out on negotiations, fig. 5 step 535, up to negotiation_ms
 * later), and suspension waits for a person (seed 003).  So the host
 * resumes every suspended node once per heartbeat for the drain time,
 * sim_drain_ms(); after it, a suspension is a violation of (b).
 */
static void operator(Sim *s)
{
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        SimNode *n = &s->nodes[i];

        if (running(n) && n->lun.node.suspended) {
            call(s, n, CALL_RESUME);
        }
    }
    if (s->now < s->quiet_at + sim_drain_ms(s)) {
        push(s, s->now + s->p.heartbeat_ms, EV_OPERATOR, NULL, 0, NULL, 0);
    }
}

static void quiet(Sim *s)
{
    s->quiet = true;
    s->quiet_at = s->now;
    s->drop_permille = 0;
    s->delay_ms = 0;
    if (!s->p.hooks.split_forever) {
        s->npart = 0;
    }
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        SimNode *n = &s->nodes[i];

        for (unsigned ch = 0; ch < s->p.channels; ch++) {
            if (!n->cable_nominal[ch]) {
                n->cable_nominal[ch] = true;
                n->cable[ch] = true;
                call(s, n, CALL_CABLE | ch << 8 | 1u << 16);
            }
        }
        if (!n->alive) {
            push(s, s->now, EV_POWER_ON, n, 0, NULL, 0);
        }
    }
    push(s, s->now, EV_OPERATOR, NULL, 0, NULL, 0);
}

static void apply_fault(Sim *s, const SimFault *f)
{
    SimNode *n = sim_node_by_id(s, f->node);

    sim_log(s, f->node, sim_fault_name(f->kind), f->channel, f->arg, 0);
    if (s->p.verbose) {
        printf("t=%" PRIu64 " fault: ", s->now);
        sim_fault_print(f, stdout);
    }
    switch (f->kind) {
    case SIM_F_START:
    case SIM_F_RESTART:
        if (!n->alive) {
            node_power_on(n);
        }
        break;
    case SIM_F_CRASH:
        node_crash(n);
        break;
    case SIM_F_FAST_REBOOT:
        if (n->alive) {
            node_crash(n);
            push(s, s->now + f->arg, EV_POWER_ON, n, 0, NULL, 0);
        }
        break;
    case SIM_F_CABLE_CUT:
    case SIM_F_CABLE_RESTORE: {
        bool up = f->kind == SIM_F_CABLE_RESTORE;

        if (n->cable_nominal[f->channel] == up) {
            break;
        }
        n->cable_nominal[f->channel] = up;
        if (!s->p.hooks.fake_cable_cut) {
            n->cable[f->channel] = up;
            call(s, n, CALL_CABLE | f->channel << 8 | (uint32_t)up << 16);
        }
        /* a stopped node notices when it runs again */
        n->cut_base = MAX(s->now, n->paused_until);
        break;
    }
    case SIM_F_DROP:
        s->drop_permille = f->arg;
        break;
    case SIM_F_DELAY:
        s->delay_ms = f->arg;
        break;
    case SIM_F_PARTITION:
        if (s->npart < G_N_ELEMENTS(s->part)) {
            s->part[s->npart++] = f->arg;
        }
        break;
    case SIM_F_HEAL:
        if (!s->p.hooks.split_forever) {
            s->npart = 0;
        }
        break;
    case SIM_F_PAUSE:
        if (!n->alive) {
            break;              /* nothing to stop */
        }
        n->paused_until = MAX(n->paused_until, s->now + f->arg);
        n->cut_base = MAX(n->cut_base, n->paused_until);
        break;
    case SIM_F_CONFIG_CHANGE:
        if (n->alive) {
            nvram_set_gen(n, nvram_gen(n) + 1);
            call(s, n, CALL_CONFIG);
        }
        break;
    case SIM_F_RESUME:
        call(s, n, CALL_RESUME);
        break;
    case SIM_F_KILL_PEER:
        call(s, n, CALL_KILL_PEER | f->arg << 8);
        break;
    case SIM_F_QUIET:
        quiet(s);
        break;
    }
}

/* ---- invariants ---------------------------------------------------- */

/* Is live node @n in nexus with master @m (seed: "in nexus", fig. 17)? */
static bool in_nexus(const Sim *s, const SimNode *n, const SimNode *m)
{
    SraidMemberView v;

    if (!running(n) || n->lun.node.suspended) {
        return false;
    }
    sraid_member_view(n->m, &v);
    if (v.master != m->id) {
        return false;
    }
    if (n == m) {
        return v.state == SRAID_NODE_MASTER;
    }
    return v.state == SRAID_NODE_ACTIVE_SLAVE &&
           v.info == SRAID_NODE_INFO_COMPLETED_STARTUP &&
           sim_node_state_of(s, m->id, n->id) == SRAID_NODE_NEXUS_SLAVE;
}

bool sim_all_in_nexus(const Sim *s)
{
    uint32_t masters = sim_masters(s);
    SimNode *m;

    if (!masters || (masters & (masters - 1))) {
        return false;
    }
    m = sim_node_by_id(s, __builtin_ctz(masters));
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        if (s->nodes[i].alive && !in_nexus(s, &s->nodes[i], m)) {
            return false;
        }
    }
    return true;
}

static void describe_nodes(const Sim *s, GString *g)
{
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        const SimNode *n = &s->nodes[i];
        SraidMemberView v;

        if (!running(n)) {
            g_string_append_printf(g, "\n#   node %u: down", n->id);
            continue;
        }
        sraid_member_view(n->m, &v);
        g_string_append_printf(g, "\n#   node %u: %s/%s master %d epoch %"
                               PRIu64 " gen %" PRIu64 "%s%s", n->id,
                               sraid_node_state_name(v.state),
                               sraid_node_info_name(v.info),
                               v.master == SRAID_NODE_NONE ? -1 : v.master,
                               v.epoch, v.config_generation,
                               v.suspended ? " SUSPENDED " : "",
                               v.suspended ?
                               sraid_suspend_reason_name(v.suspend_reason) :
                               "");
        for (unsigned j = 0; j < s->p.nnodes; j++) {
            const SraidMemberNodeView *nv = &v.nodes[s->nodes[j].id];

            if (j != i && nv->known) {
                g_string_append_printf(g, " [%u:%s]", s->nodes[j].id,
                                       sraid_node_state_name(nv->state));
            }
        }
    }
}

/* Hook (d): the master writes an older generation, as a bug would */
static void stale_cod_hook(Sim *s)
{
    uint32_t masters = sim_masters(s);
    SimNode *m;
    SraidMailbox mb;

    s->stale_done = true;
    if (!masters || !sim_cod_generation(s)) {
        return;
    }
    m = sim_node_by_id(s, __builtin_ctz(masters));
    op_get_config(m, &mb);
    mb.generation = sim_cod_generation(s) - 1;
    op_write_cod(m, &mb);
}

/* Master terms, for the overlap check of op_write_cod() */
static void track_terms(Sim *s)
{
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        SimNode *n = &s->nodes[i];
        bool master = running(n) && !n->lun.node.suspended &&
                      n->lun.node.state == SRAID_NODE_MASTER;

        if (master && !n->in_term) {
            n->in_term = true;
            n->term_start = s->now;
            n->term_cod_at = UINT64_MAX;
        } else if (!master) {
            n->in_term = false;
            n->term_cod_at = UINT64_MAX;
        }
    }
}

static void check(Sim *s)
{
    uint64_t bound_c = sim_suspend_bound_ms(s);

    track_terms(s);

    if (s->p.hooks.stale_cod_at && !s->stale_done &&
        s->now >= s->p.hooks.stale_cod_at) {
        stale_cod_hook(s);
    }

    /* (c) a node with every cable cut suspends itself (fig. 17 1750) */
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        SimNode *n = &s->nodes[i];
        bool all_cut = true;

        for (unsigned ch = 0; ch < s->p.channels; ch++) {
            all_cut &= !n->cable_nominal[ch];
        }
        if (all_cut && running(n) && !n->lun.node.suspended &&
            n->paused_until <= s->now && s->now > n->cut_base + bound_c) {
            sim_fail(s, "(c) node %u has every cable cut since t=%" PRIu64
                     " and is not suspended after %" PRIu64 " ms", n->id,
                     n->cut_base, bound_c);
        }
    }
    if (s->quiet && s->now >= s->quiet_at + sim_nexus_bound_ms(s) &&
        !sim_all_in_nexus(s)) {
        GString *g = g_string_new(NULL);
        uint32_t masters = sim_masters(s);

        describe_nodes(s, g);
        if (masters & (masters - 1)) {
            sim_fail(s, "(a) %u masters %" PRIu64 " ms after the faults "
                     "stopped:%s", __builtin_popcount(masters),
                     s->now - s->quiet_at, g->str);
        } else {
            sim_fail(s, "(b) not every live node in nexus %" PRIu64
                     " ms after the faults stopped (bound %" PRIu64
                     " ms):%s", s->now - s->quiet_at,
                     sim_nexus_bound_ms(s), g->str);
        }
        g_string_free(g, TRUE);
    }
    sim_pr_check(s);
}

/* ---- public -------------------------------------------------------- */

void sim_params_default(SimParams *p, unsigned n, const uint8_t *ids)
{
    memset(p, 0, sizeof(*p));
    p->seed = 1;
    p->nnodes = n;
    memcpy(p->ids, ids, n);
    p->channels = 2;
    p->drives_per_channel = 1;
    p->heartbeat_ms = SRAID_MEMBER_HEARTBEAT_MS_DEFAULT;
    p->heartbeat_misses = SRAID_MEMBER_HEARTBEAT_MISSES_DEFAULT;
    p->monitor_ms = SRAID_MEMBER_MONITOR_MS_DEFAULT;
    p->negotiation_ms = SRAID_MEMBER_NEGOTIATION_MS_DEFAULT;
    p->bus_lat_min = 1;
    p->bus_lat_max = 3;
    p->drive_lat_min = 1;
    p->drive_lat_max = 5;
}

Sim *sim_new(const SimParams *p)
{
    Sim *s = g_new0(Sim, 1);

    g_assert(p->nnodes >= 1 && p->nnodes <= SRAID_NODE_MAX);
    g_assert(p->channels >= 1 && p->channels <= SRAID_CHANNEL_MAX);
    g_assert(p->drives_per_channel <= SIM_DRIVES_MAX);
    s->p = *p;
    sim_rng_seed(&s->rng, p->seed ^ 0x5352414944ULL);
    s->cmds = g_ptr_array_new();
    s->faults = g_array_new(FALSE, FALSE, sizeof(SimFault));
    memset(s->idx_of, -1, sizeof(s->idx_of));
    s->quiet_at = UINT64_MAX;
    sim_pr_init(s);
    for (unsigned i = 0; i < p->nnodes; i++) {
        SimNode *n = &s->nodes[i];

        g_assert(p->ids[i] < SRAID_NODE_MAX && s->idx_of[p->ids[i]] < 0);
        s->idx_of[p->ids[i]] = i;
        n->sim = s;
        n->idx = i;
        n->id = p->ids[i];
        n->tick_at = UINT64_MAX;
        n->term_cod_at = UINT64_MAX;
        for (unsigned ch = 0; ch < SRAID_CHANNEL_MAX; ch++) {
            n->cable[ch] = true;
            n->cable_nominal[ch] = true;
        }
    }
    return s;
}

static void free_cmd(gpointer p)
{
    SimCmd *c = p;

    g_free(c->out);
    g_free(c->data);
    g_free(c);
}

void sim_free(Sim *s)
{
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        if (s->nodes[i].m) {
            sraid_member_free(s->nodes[i].m);
        }
    }
    sim_pr_free(s);
    for (size_t i = 0; i < s->nheap; i++) {
        if (s->heap[i].kind == EV_LEASE_WRITE ||
            s->heap[i].kind == EV_PR_PERSIST) {
            g_free(s->heap[i].ptr);
        }
    }
    g_free(s->heap);
    g_ptr_array_set_free_func(s->cmds, free_cmd);
    g_ptr_array_free(s->cmds, TRUE);
    g_array_free(s->faults, TRUE);
    g_free(s->violation);
    g_free(s);
}

void sim_add_fault(Sim *s, uint64_t at, SimFaultKind kind, uint8_t node,
                   uint8_t channel, uint32_t arg)
{
    SimFault f = {
        .at = at, .kind = kind, .node = node, .channel = channel,
        .arg = arg,
    };

    g_assert(kind == SIM_F_DROP || kind == SIM_F_DELAY ||
             kind == SIM_F_PARTITION || kind == SIM_F_HEAL ||
             kind == SIM_F_QUIET || sim_node_by_id(s, node));
    g_assert(channel < s->p.channels);
    g_array_append_val(s->faults, f);
    push(s, at, EV_FAULT, NULL, 0, NULL, s->faults->len - 1);
    if (kind == SIM_F_QUIET && !s->p.end_at) {
        s->p.end_at = at + sim_nexus_bound_ms(s) + 30000;
    }
}

void sim_start_all(Sim *s, uint64_t at)
{
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        sim_add_fault(s, at, SIM_F_START, s->p.ids[i], 0, 0);
    }
}

bool sim_run_until(Sim *s, uint64_t until)
{
    while (!s->violation && s->nheap && s->heap[0].at <= until) {
        SimEvent ev = heap_pop(s);

        s->now = ev.at;
        dispatch(s, &ev);
        check(s);
    }
    if (!s->violation) {
        s->now = MAX(s->now, until);
    }
    return !s->violation;
}

bool sim_run(Sim *s)
{
    g_assert(s->p.end_at);
    if (sim_run_until(s, s->p.end_at)) {
        sim_pr_final(s);
    }
    return !s->violation;
}

const char *sim_violation(const Sim *s)
{
    return s->violation;
}

void sim_print_schedule(Sim *s, FILE *f)
{
    fprintf(f, "# %u nodes (ids", s->p.nnodes);
    for (unsigned i = 0; i < s->p.nnodes; i++) {
        fprintf(f, " %u", s->p.ids[i]);
    }
    fprintf(f, "), %u channels x %u drives, heartbeat %u ms x %u, "
            "monitor %u ms, negotiation %u ms\n", s->p.channels,
            s->p.drives_per_channel, s->p.heartbeat_ms,
            s->p.heartbeat_misses, s->p.monitor_ms, s->p.negotiation_ms);
    fprintf(f, "# fault schedule:\n");
    for (unsigned i = 0; i < s->faults->len; i++) {
        fprintf(f, "#   ");
        sim_fault_print(&g_array_index(s->faults, SimFault, i), f);
    }
}

void sim_report(Sim *s, FILE *f)
{
    fprintf(f, "# seed %" PRIu64 ": %s\n", s->p.seed,
            s->violation ? s->violation : "no violation");
    fprintf(f, "# at t=%" PRIu64 " ms; replay: sraid-sim --seed %" PRIu64
            " --verbose\n", s->now, s->p.seed);
    GString *g = g_string_new(NULL);

    sim_print_schedule(s, f);
    log_print(s, f);
    describe_nodes(s, g);
    sim_pr_describe(s, g);
    fprintf(f, "# nodes now:%s\n", g->str);
    g_string_free(g, TRUE);
}

uint64_t sim_now(const Sim *s)
{
    return s->now;
}

bool sim_node_alive(const Sim *s, uint8_t id)
{
    return running(sim_node_by_id(s, id));
}

bool sim_node_view(const Sim *s, uint8_t id, SraidMemberView *v)
{
    SimNode *n = sim_node_by_id(s, id);

    if (!running(n)) {
        return false;
    }
    sraid_member_view(n->m, v);
    return true;
}

uint8_t sim_node_state(const Sim *s, uint8_t id)
{
    SimNode *n = sim_node_by_id(s, id);

    return running(n) ? n->lun.node.state : SRAID_NODE_STATE_NONE;
}

uint8_t sim_node_state_of(const Sim *s, uint8_t viewer, uint8_t id)
{
    SraidMemberView v;

    if (!sim_node_view(s, viewer, &v) || !v.nodes[id].known) {
        return SRAID_NODE_STATE_NONE;
    }
    return v.nodes[id].state;
}

bool sim_node_suspended(const Sim *s, uint8_t id)
{
    SimNode *n = sim_node_by_id(s, id);

    return running(n) && n->lun.node.suspended;
}

unsigned sim_count_transitions(const Sim *s, uint8_t viewer, uint8_t id,
                               uint8_t state)
{
    SimNode *n = sim_node_by_id(s, viewer);

    return n ? n->seen[id][state] : 0;
}

uint32_t sim_masters(const Sim *s)
{
    uint32_t bits = 0;

    for (unsigned i = 0; i < s->p.nnodes; i++) {
        const SimNode *n = &s->nodes[i];

        if (running(n) && !n->lun.node.suspended &&
            n->lun.node.state == SRAID_NODE_MASTER) {
            bits |= 1u << n->id;
        }
    }
    return bits;
}

uint64_t sim_time_to_nexus(Sim *s, uint64_t since, uint64_t limit)
{
    sim_run_until(s, since);
    while (!s->violation && s->now < limit) {
        if (sim_all_in_nexus(s)) {
            return s->now;
        }
        if (!s->nheap) {
            break;
        }
        sim_run_until(s, s->heap[0].at);
    }
    return sim_all_in_nexus(s) ? s->now : UINT64_MAX;
}

uint64_t sim_cod_generation(const Sim *s)
{
    uint64_t g = 0;

    for (unsigned ch = 0; ch < s->p.channels; ch++) {
        for (unsigned d = 0; d < s->p.drives_per_channel; d++) {
            g = MAX(g, s->drive[ch][d].cod_gen);
        }
    }
    return g;
}

unsigned sim_cod_writes(const Sim *s)
{
    return s->cod_writes;
}

uint64_t sim_quiet_at(const Sim *s)
{
    return s->quiet_at;
}

/* The quiet phase's first part, in which the host resumes nodes */
uint64_t sim_drain_ms(const Sim *s)
{
    return (uint64_t)s->p.negotiation_ms + s->p.monitor_ms;
}

/*
 * Bound (b), from the quiet phase's start to every live node in nexus.
 * A node may suspend for a fault-phase reason until the drain time ends
 * and is then resumed within a heartbeat period (operator()).  From
 * there, worst case: the master was lost, so the slaves miss
 * heartbeat_misses heartbeats, then wait out its lease (heartbeat_misses
 * + 1 periods, membership.c lease_ms()) before they elect; the new
 * master's monitor finds, diagnoses and negotiates each joiner within
 * two monitor periods (one may have just begun without it).
 */
uint64_t sim_nexus_bound_ms(const Sim *s)
{
    const SimParams *p = &s->p;

    return sim_drain_ms(s) + p->heartbeat_ms +
           2ULL * (p->heartbeat_misses + 1) * p->heartbeat_ms +
           2ULL * p->monitor_ms;
}

/*
 * Bound (c), from the moment a node's last cable is cut (or it starts,
 * or resumes, or runs again after a pause, with none connected): the
 * heartbeats on every channel fail heartbeat_misses times, a TEST UNIT
 * READY to a drive fails (fig. 17 step 1735), and the node kills itself
 * (step 1750); a lone node notices through its lease write failing.
 */
uint64_t sim_suspend_bound_ms(const Sim *s)
{
    const SimParams *p = &s->p;

    return (uint64_t)(p->heartbeat_misses + 2) * p->heartbeat_ms +
           p->monitor_ms;
}

uint64_t sim_events(const Sim *s)
{
    return s->stats_events;
}
