/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Deterministic simulation of cluster membership (docs/membership.md,
 * "Simulation").  Many virtual controllers, each the real firmware core
 * (ctrl-lun + membership) on a virtual bus with per-channel cables and
 * drives, in virtual time; seeded fault schedules; invariants checked
 * after every event.  Nothing here uses wall-clock time, threads or a
 * global random source, so a seed replays exactly.
 */
#ifndef SRAID_SIM_H
#define SRAID_SIM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrl-lun.h"
#include "membership.h"
#include "pr-cluster.h"

/* splitmix64: small, fast, and the same on every host */
typedef struct SimRng {
    uint64_t s;
} SimRng;

void sim_rng_seed(SimRng *r, uint64_t seed);
uint64_t sim_rng_next(SimRng *r);
/* Uniform in [0, n), n > 0 */
uint64_t sim_rng_below(SimRng *r, uint64_t n);
/* Uniform in [lo, hi] */
uint64_t sim_rng_range(SimRng *r, uint64_t lo, uint64_t hi);

/* One line of a fault schedule; node is a node id, not an index */
typedef enum SimFaultKind {
    SIM_F_START,            /* power on */
    SIM_F_CRASH,            /* stop; membership freed */
    SIM_F_RESTART,          /* power on after a crash */
    SIM_F_FAST_REBOOT,      /* crash, then power on @arg ms later */
    SIM_F_CABLE_CUT,        /* this node's cable on @channel */
    SIM_F_CABLE_RESTORE,
    SIM_F_DROP,             /* lose @arg per mille of messages */
    SIM_F_DELAY,            /* add up to @arg ms to every message */
    SIM_F_PARTITION,        /* nodes in bitmap @arg (ids) vs the rest */
    SIM_F_HEAL,             /* end every partition */
    SIM_F_PAUSE,            /* SIGSTOP for @arg ms */
    SIM_F_CONFIG_CHANGE,    /* the node's configuration changes locally */
    SIM_F_RESUME,           /* host resumes a suspended node */
    SIM_F_KILL_PEER,        /* node kills node @arg (host fault injection) */
    SIM_F_QUIET,            /* faults stop: restore everything */
} SimFaultKind;

typedef struct SimFault {
    uint64_t at;            /* virtual ms */
    SimFaultKind kind;
    uint8_t node;
    uint8_t channel;
    uint32_t arg;
} SimFault;

/*
 * Test-only hooks: each breaks the environment in a way the membership
 * cannot defend against, so the self-tests can show that every invariant
 * check reports a violation (a check that cannot fail proves nothing).
 */
typedef struct SimHooks {
    /* (a): the partition never heals and lease reads see no other node */
    bool split_forever;
    /* (b): every Node_Negotiate is lost, the checker is not told */
    bool lose_negotiate;
    /* (c): cable cuts cut nothing, the checker is not told */
    bool fake_cable_cut;
    /* (d): at this time the first master writes an older generation */
    uint64_t stale_cod_at;
    /*
     * Persistent reservations (sim-pr.c), each a glue or bus bug:
     * (p1) PR_Apply to node id pr_fake_apply - 1 is answered GOOD but
     * never executed; (p2) node pr_lie_master - 1 is told it is master
     * too, in its master's epoch, at pr_lie_at; (p3) every PR_Request is
     * lost; (p4) a RESERVATION CONFLICT of a REGISTER is reported GOOD;
     * (p5) at pr_rewind_at every slave's logical drives are removed and
     * added again; (p6) suspension does not stop pr-cluster.
     */
    uint8_t pr_fake_apply;
    uint8_t pr_lie_master;
    uint64_t pr_lie_at;
    bool pr_lose_requests;
    bool pr_good_conflict;
    uint64_t pr_rewind_at;
    bool pr_no_stop;
} SimHooks;

typedef struct SimParams {
    uint64_t seed;          /* run-time randomness: latency, loss */
    unsigned nnodes;
    uint8_t ids[SRAID_NODE_MAX];
    unsigned channels;
    unsigned drives_per_channel;
    uint32_t heartbeat_ms;
    uint32_t heartbeat_misses;
    uint32_t monitor_ms;
    uint32_t negotiation_ms;
    uint32_t bus_lat_min, bus_lat_max;      /* one way, ms */
    uint32_t drive_lat_min, drive_lat_max;  /* one I/O, ms */
    uint64_t end_at;        /* stop here; 0: quiet start + settle + 30 s */
    /*
     * Persistent reservations (sim-pr.c): every node runs an
     * SraidPrCluster with these logical drives (0: none, no PR at all).
     */
    unsigned pr_lds;
    uint8_t pr_ld[2];
    uint32_t pr_abort_max_ms;       /* an abort takes 0 .. this */
    uint8_t pr_slow_node;           /* id + 1: its aborts take ... */
    uint32_t pr_slow_abort_ms;      /* ... this long */
    uint32_t pr_persist_fail_permille;
    bool verbose;
    SimHooks hooks;
} SimParams;

typedef struct Sim Sim;

/* Defaults: @n nodes with ids @ids, 2 channels, 1 drive each, seed 1 */
void sim_params_default(SimParams *p, unsigned n, const uint8_t *ids);
/* Parameters and fault schedule of random seed @seed */
Sim *sim_new_random(uint64_t seed, bool verbose);
/* ... with_pr: and persistent reservations with a random workload */
Sim *sim_new_random_pr(uint64_t seed, bool verbose, bool with_pr);

Sim *sim_new(const SimParams *p);
void sim_free(Sim *s);
void sim_add_fault(Sim *s, uint64_t at, SimFaultKind kind, uint8_t node,
                   uint8_t channel, uint32_t arg);
/* Power on every node at @at */
void sim_start_all(Sim *s, uint64_t at);

/* Run until @until (virtual ms) or a violation; false on violation */
bool sim_run_until(Sim *s, uint64_t until);
/* Run to the end: the quiet phase and its checks included */
bool sim_run(Sim *s);
/* Print seed, schedule, last events and what went wrong */
void sim_report(Sim *s, FILE *f);
const char *sim_violation(const Sim *s);
void sim_print_schedule(Sim *s, FILE *f);

/* Observation, for the scenario tests */
uint64_t sim_now(const Sim *s);
bool sim_node_alive(const Sim *s, uint8_t id);
/* The node's own view; false if it is not running */
bool sim_node_view(const Sim *s, uint8_t id, SraidMemberView *v);
/* Own state of the node (SRAID_NODE_STATE_NONE when not running) */
uint8_t sim_node_state(const Sim *s, uint8_t id);
/* What @viewer thinks of @id (NONE if unknown or not running) */
uint8_t sim_node_state_of(const Sim *s, uint8_t viewer, uint8_t id);
bool sim_node_suspended(const Sim *s, uint8_t id);
/* Times @viewer saw @id enter @state */
unsigned sim_count_transitions(const Sim *s, uint8_t viewer, uint8_t id,
                               uint8_t state);
/* Nodes whose own state is MASTER (not suspended), as a bitmap of ids */
uint32_t sim_masters(const Sim *s);
/* True when every live node is in nexus with one master */
bool sim_all_in_nexus(const Sim *s);
/* First time every live node was in nexus since @since, or UINT64_MAX */
uint64_t sim_time_to_nexus(Sim *s, uint64_t since, uint64_t limit);
/* Highest configuration generation written to any drive */
uint64_t sim_cod_generation(const Sim *s);
unsigned sim_cod_writes(const Sim *s);
/* Start of the quiet phase, and the bounds derived from the timings */
uint64_t sim_quiet_at(const Sim *s);
uint64_t sim_nexus_bound_ms(const Sim *s);
uint64_t sim_drain_ms(const Sim *s);
uint64_t sim_suspend_bound_ms(const Sim *s);
/* Events dispatched so far */
uint64_t sim_events(const Sim *s);

/* ---- persistent reservations (sim-pr.c) ---- */

/* The I_T nexuses of node @id: the guest path and two iSCSI hosts */
#define SIM_PR_NEXUSES      3
void sim_pr_nexus(uint8_t id, unsigned nexus, SraidPrNexus *nx);
/* Random PR OUT commands from start until @until (virtual ms) */
void sim_pr_workload(Sim *s, uint64_t seed, uint64_t until);
/*
 * Submit at @at on node @node a PERSISTENT RESERVE OUT @sa (type @type,
 * reservation key @key, service action key @sa_key, APTPL @aptpl) from
 * nexus @nexus of that node on logical drive @ld.  Returns the handle.
 */
uint64_t sim_pr_submit(Sim *s, uint64_t at, uint8_t node, uint8_t ld,
                       unsigned nexus, uint8_t sa, uint8_t type, uint64_t key,
                       uint64_t sa_key, bool aptpl);
/* How command @h ended: false while it has not (yet) */
bool sim_pr_result(const Sim *s, uint64_t h, uint8_t *status,
                   uint64_t *at);
/* Times command @h completed (exactly once is the invariant) */
unsigned sim_pr_completions(const Sim *s, uint64_t h);
/* Node @id's replica of @ld, NULL when it is not running */
const SraidPrState *sim_pr_state(const Sim *s, uint8_t id, uint8_t ld);
bool sim_pr_ready(const Sim *s, uint8_t id, uint8_t ld);
/* Every live node with a master agrees on @ld: NULL, or what differs */
char *sim_pr_disagreement(const Sim *s, uint8_t ld);
/* Unit attentions 2Ah/@ascq node @id queued for its own guest nexus */
unsigned sim_pr_guest_uas(const Sim *s, uint8_t id, uint8_t ascq);
/* When the last abort on node @id ended (0: none yet) */
uint64_t sim_pr_abort_end(const Sim *s, uint8_t id);
/* Statistics: commands, GOOD registrations checked and exempted (p4) */
void sim_pr_stats(const Sim *s, uint64_t *cmds, uint64_t *checked,
                  uint64_t *exempt);

#endif /* SRAID_SIM_H */
