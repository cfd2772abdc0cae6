/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Deterministic simulation of cluster membership: random fault schedules.
 *
 * A seed fixes everything: the cluster (2-5 nodes, their ids, 1-2 drives
 * per channel), the start times and the whole fault schedule, generated
 * up front so that a failing seed prints it and replays it exactly.
 * After the fault phase comes the quiet phase (SIM_F_QUIET): every cable
 * back, partitions healed, crashed nodes restarted, suspended ones
 * resumed, and the invariants of a healthy cluster must then hold.
 */
#include <inttypes.h>
#include <string.h>

#include "sim-int.h"

static const char *const fault_names[] = {
    [SIM_F_START] = "start",
    [SIM_F_CRASH] = "crash",
    [SIM_F_RESTART] = "restart",
    [SIM_F_FAST_REBOOT] = "fast-reboot",
    [SIM_F_CABLE_CUT] = "cable-cut",
    [SIM_F_CABLE_RESTORE] = "cable-restore",
    [SIM_F_DROP] = "drop",
    [SIM_F_DELAY] = "delay",
    [SIM_F_PARTITION] = "partition",
    [SIM_F_HEAL] = "heal",
    [SIM_F_PAUSE] = "pause",
    [SIM_F_CONFIG_CHANGE] = "config-change",
    [SIM_F_RESUME] = "host-resume",
    [SIM_F_KILL_PEER] = "kill-peer",
    [SIM_F_QUIET] = "quiet",
};

const char *sim_fault_name(SimFaultKind k)
{
    return k < G_N_ELEMENTS(fault_names) ? fault_names[k] : "?";
}

static void print_ids(uint32_t bits, FILE *out)
{
    const char *sep = "";

    fputc('{', out);
    for (unsigned i = 0; i < SRAID_NODE_MAX; i++) {
        if (bits & (1u << i)) {
            fprintf(out, "%s%u", sep, i);
            sep = ",";
        }
    }
    fputc('}', out);
}

void sim_fault_print(const SimFault *f, FILE *out)
{
    fprintf(out, "t=%-8" PRIu64 " %-13s", f->at, sim_fault_name(f->kind));
    switch (f->kind) {
    case SIM_F_DROP:
        fprintf(out, " %u/1000 of messages lost\n", f->arg);
        return;
    case SIM_F_DELAY:
        fprintf(out, " up to %u ms more per message\n", f->arg);
        return;
    case SIM_F_PARTITION:
        fputc(' ', out);
        print_ids(f->arg, out);
        fprintf(out, " cannot talk to the rest over the bus\n");
        return;
    case SIM_F_HEAL:
    case SIM_F_QUIET:
        fputc('\n', out);
        return;
    default:
        break;
    }
    fprintf(out, " node %u", f->node);
    switch (f->kind) {
    case SIM_F_FAST_REBOOT:
        fprintf(out, ", up again after %u ms", f->arg);
        break;
    case SIM_F_CABLE_CUT:
    case SIM_F_CABLE_RESTORE:
        fprintf(out, " channel %u", f->channel);
        break;
    case SIM_F_PAUSE:
        fprintf(out, " for %u ms", f->arg);
        break;
    case SIM_F_KILL_PEER:
        fprintf(out, " kills node %u", f->arg);
        break;
    default:
        break;
    }
    fputc('\n', out);
}

static gint fault_cmp(gconstpointer a, gconstpointer b)
{
    const SimFault *x = a, *y = b;

    return x->at < y->at ? -1 : x->at > y->at;
}

static void add(GArray *a, uint64_t at, SimFaultKind kind, uint8_t node,
                uint8_t channel, uint32_t arg)
{
    SimFault f = {
        .at = at, .kind = kind, .node = node, .channel = channel,
        .arg = arg,
    };

    g_array_append_val(a, f);
}

Sim *sim_new_random(uint64_t seed, bool verbose)
{
    return sim_new_random_pr(seed, verbose, false);
}

Sim *sim_new_random_pr(uint64_t seed, bool verbose, bool with_pr)
{
    SimRng r, pr;
    SimParams p;
    uint8_t ids[SRAID_NODE_MAX];
    unsigned n;
    uint64_t fault_end;
    unsigned nfaults;
    GArray *sched = g_array_new(FALSE, FALSE, sizeof(SimFault));
    Sim *s;

    sim_rng_seed(&r, seed);
    n = 2 + sim_rng_below(&r, 4);
    if (sim_rng_below(&r, 2)) {
        /* the seed's own numbering: neighbours ending at 7 and below */
        uint8_t top = sim_rng_range(&r, n - 1, SRAID_NODE_MAX - 1);

        for (unsigned i = 0; i < n; i++) {
            ids[i] = top - i;
        }
    } else {
        uint32_t used = 0;

        for (unsigned i = 0; i < n; i++) {
            uint8_t id;

            do {
                id = sim_rng_below(&r, SRAID_NODE_MAX);
            } while (used & (1u << id));
            used |= 1u << id;
            ids[i] = id;
        }
    }
    sim_params_default(&p, n, ids);
    p.seed = seed;
    p.verbose = verbose;
    p.drives_per_channel = 1 + sim_rng_below(&r, 2);
    /*
     * Persistent reservations (sim-pr.c) from a stream of their own, so
     * that a seed's cluster and fault schedule stay what they were.
     */
    sim_rng_seed(&pr, seed ^ 0x50524f5554ULL);
    p.pr_lds = with_pr ? 1 + sim_rng_below(&pr, 2) : 0;
    p.pr_ld[0] = 0;
    p.pr_ld[1] = 1 + sim_rng_below(&pr, SRAID_PRC_MAX_LDS - 1);
    p.pr_abort_max_ms = sim_rng_below(&pr, 3) == 0 ? 0 :
                        sim_rng_below(&pr, 2) ? 50 : 3000;
    p.pr_persist_fail_permille = sim_rng_below(&pr, 2) ? 0 : 100;
    s = sim_new(&p);

    /* together (fig. 4 "ab initio") or staggered joiners */
    if (sim_rng_below(&r, 2)) {
        for (unsigned i = 0; i < n; i++) {
            add(sched, 0, SIM_F_START, ids[i], 0, 0);
        }
    } else {
        for (unsigned i = 0; i < n; i++) {
            add(sched, sim_rng_below(&r, 8000), SIM_F_START, ids[i], 0, 0);
        }
    }

    fault_end = sim_rng_range(&r, 20000, 80000);
    nfaults = sim_rng_below(&r, 9);
    for (unsigned i = 0; i < nfaults; i++) {
        uint64_t at = sim_rng_range(&r, 500, fault_end - 1);
        /* MIN() evaluates twice: draw once */
        uint64_t len = sim_rng_range(&r, 200, 30000);
        uint64_t end = MIN(fault_end, at + len);
        uint8_t node = ids[sim_rng_below(&r, n)];
        uint8_t ch = sim_rng_below(&r, p.channels);
        bool ends = sim_rng_below(&r, 4) != 0;

        switch (sim_rng_below(&r, 12)) {
        case 0:
            add(sched, at, SIM_F_CRASH, node, 0, 0);
            if (ends) {
                add(sched, end, SIM_F_RESTART, node, 0, 0);
            }
            break;
        case 1:
            add(sched, at, SIM_F_FAST_REBOOT, node, 0,
                sim_rng_range(&r, 1, 50));
            break;
        case 2:
        case 3:
            add(sched, at, SIM_F_CABLE_CUT, node, ch, 0);
            if (ends) {
                add(sched, end, SIM_F_CABLE_RESTORE, node, ch, 0);
            }
            break;
        case 4:
            /* every cable of one node: it must suspend itself */
            for (ch = 0; ch < p.channels; ch++) {
                uint64_t later = at + ch * sim_rng_below(&r, 3000);

                add(sched, MIN(later, fault_end - 1), SIM_F_CABLE_CUT, node,
                    ch, 0);
            }
            break;
        case 5:
            add(sched, at, SIM_F_DROP, 0, 0, sim_rng_range(&r, 20, 600));
            add(sched, end, SIM_F_DROP, 0, 0, 0);
            break;
        case 6:
            add(sched, at, SIM_F_DELAY, 0, 0, sim_rng_range(&r, 5, 3000));
            add(sched, end, SIM_F_DELAY, 0, 0, 0);
            break;
        case 7: {
            uint32_t mask = 0;

            /* a proper, non-empty subset of the nodes */
            while (!mask || mask == ((1u << n) - 1)) {
                mask = sim_rng_below(&r, 1u << n);
            }
            {
                uint32_t idmask = 0;

                for (unsigned j = 0; j < n; j++) {
                    if (mask & (1u << j)) {
                        idmask |= 1u << ids[j];
                    }
                }
                add(sched, at, SIM_F_PARTITION, 0, 0, idmask);
            }
            if (ends) {
                add(sched, end, SIM_F_HEAL, 0, 0, 0);
            }
            break;
        }
        case 8: {
            /*
             * Over by the quiet phase: what a stopped node missed is
             * queued for when it runs again, in order, and cutting the
             * pause short would reorder it against the quiet phase.
             */
            uint64_t pause = sim_rng_range(&r, 100, 20000);

            add(sched, at, SIM_F_PAUSE, node, 0,
                MIN(pause, fault_end - at));
            break;
        }
        case 9:
            add(sched, at, SIM_F_CONFIG_CHANGE, node, 0, 0);
            break;
        case 10:
            add(sched, at, SIM_F_RESUME, node, 0, 0);
            break;
        default:
            add(sched, at, SIM_F_KILL_PEER, node, 0,
                ids[sim_rng_below(&r, n)]);
            break;
        }
    }
    add(sched, fault_end, SIM_F_QUIET, 0, 0, 0);
    /* stable: equal times keep the order they were drawn in */
    g_array_sort(sched, fault_cmp);
    for (unsigned i = 0; i < sched->len; i++) {
        const SimFault *f = &g_array_index(sched, SimFault, i);

        sim_add_fault(s, f->at, f->kind, f->node, f->channel, f->arg);
    }
    g_array_free(sched, TRUE);
    /* PR OUT commands through the faults and into the quiet phase */
    if (with_pr) {
        sim_pr_workload(s, seed, fault_end + 10000);
    }
    return s;
}
