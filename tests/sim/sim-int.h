/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Deterministic simulation of cluster membership: what the engine
 * (sim.c) and the fault schedules (sim-faults.c) share.
 */
#ifndef SRAID_SIM_INT_H
#define SRAID_SIM_INT_H

#include <stdarg.h>
#include <stdio.h>

#include "sim.h"

#define SIM_DATA_IN_MAX     65536   /* a peer's data-in buffer */
#define SIM_DRIVES_MAX      4       /* per channel */
#define SIM_LOG_LEN         64

typedef enum SimEventKind {
    EV_FAULT,           /* arg: index into faults */
    EV_TICK,            /* token: the deadline it was armed for */
    EV_DELIVER,         /* ptr: SimCmd arriving at its target */
    EV_REPLY,           /* ptr: SimCmd answer arriving at the sender */
    EV_TIMEOUT,         /* ptr: SimCmd, the sender's timer */
    EV_DRIVE_TUR,       /* arg: channel */
    EV_LEASE_WRITE,     /* ptr: the slot (owned by the event) */
    EV_LEASE_READ,
    EV_POWER_ON,        /* the second half of a fast reboot */
    EV_CALL,            /* arg: CALL_* | byte 1, bytes 2-3: arguments */
    EV_OPERATOR,        /* quiet phase: the host resumes suspended nodes */
    EV_PRC_TICK,        /* token: the pr-cluster deadline armed for */
    EV_PR_SUBMIT,       /* arg: command index + 1, or 0: a random one */
    EV_PR_FX_DONE,      /* token: effects token; aborts ended */
    EV_PR_PERSIST,      /* token: persist token, arg: ok, ptr: state */
    EV_PR_REWIND,       /* hook (p5) */
    EV_PR_LIE,          /* hook (p2) */
} SimEventKind;

enum {
    CALL_CABLE = 1,     /* channel, connected */
    CALL_CONFIG,
    CALL_RESUME,
    CALL_KILL_PEER,     /* node */
};

typedef struct SimEvent {
    uint64_t at;
    uint64_t seq;       /* tie-break: order of queueing */
    SimEventKind kind;
    uint8_t node;       /* index */
    uint32_t inc;       /* incarnation of the node it is for */
    uint64_t token;
    void *ptr;
    uint32_t arg;
} SimEvent;

/* One command on the bus, from send to its single completion */
typedef struct SimCmd {
    uint8_t from;       /* index */
    uint32_t from_inc;
    uint8_t to_id;
    uint32_t to_inc;
    uint8_t channel;
    uint64_t token;
    uint8_t cdb[16];
    size_t cdb_len;
    uint8_t *out;
    size_t out_len;
    size_t in_len;
    uint64_t deadline;
    bool prc;           /* pr-cluster's, not membership's */
    bool done;
    SraidScsiResult res;
    uint8_t *data;
    size_t data_len;
} SimCmd;

typedef struct SimDrive {
    uint8_t lease[SRAID_LEASE_AREA_LEN];
    uint64_t cod_gen;   /* configuration generation stored */
} SimDrive;

typedef struct SimNode {
    Sim *sim;
    unsigned idx;
    uint8_t id;
    bool alive;
    uint32_t inc;
    uint64_t paused_until;
    bool cable[SRAID_CHANNEL_MAX];          /* what the bus does */
    bool cable_nominal[SRAID_CHANNEL_MAX];  /* what the schedule says */
    SraidCtrlLun lun;
    SraidMembership *m;
    uint8_t nvram[64];                      /* survives a crash */
    uint64_t tick_at;
    uint64_t last_tick_ms;
    unsigned ticks_same_ms;
    uint64_t started_at;
    uint64_t cut_base;                      /* bound (c) counts from here */
    bool in_term;                           /* master, not suspended */
    uint64_t term_start;
    uint64_t term_cod_at;                   /* COD written; UINT64_MAX */
    unsigned seen[SRAID_NODE_MAX][SRAID_NODE_STATE_LAST + 1];
    /* persistent reservations (sim-pr.c) */
    SraidPrCluster *prc;
    uint64_t prc_tick_at;
    uint64_t prc_last_tick_ms;
    unsigned prc_ticks_same_ms;
    bool pr_synced[2];              /* a state from its master line */
    bool pr_gen_valid[2];
    uint64_t pr_gen_epoch[2];       /* (p5): last epoch and generation */
    uint32_t pr_gen[2];
    bool pr_msusp;                  /* membership's word, at its last */
    uint8_t pr_mmaster;             /* callback (cheap to check) */
    SraidPrVersion pr_ver[2];       /* of the replica, from ops->changed */
    uint64_t pr_keys[2][SIM_PR_NEXUSES];    /* what each initiator holds */
    unsigned pr_guest_ua[3];        /* 2Ah/03h..05h for its guest nexus */
    uint64_t pr_abort_end;
} SimNode;

/* A PERSISTENT RESERVE OUT of the workload or a scenario */
typedef struct SimPrCmd {
    uint8_t node;
    uint32_t inc;           /* incarnation it was submitted to */
    uint8_t ld;
    uint8_t nexus;
    uint8_t sa, type;
    uint64_t key, sa_key;
    bool aptpl;
    bool submitted;
    uint64_t t_sub, t_done;
    unsigned done;
    bool via_stop;          /* ended by sraid_prc_stop(): no verdict */
    uint8_t status;
    SraidPrVersion v_done;  /* the origin's version when it ended */
    bool lost;              /* later no node a master could ask had it */
} SimPrCmd;

typedef struct SimLogEntry {
    uint64_t at;
    uint8_t node;
    const char *what;
    uint64_t a, b, c;
} SimLogEntry;

struct Sim {
    SimParams p;
    uint64_t now;
    uint64_t seq;
    SimRng rng;
    SimEvent *heap;
    size_t nheap, heap_cap;
    SimNode nodes[SRAID_NODE_MAX];
    int idx_of[SRAID_NODE_MAX];
    SimDrive drive[SRAID_CHANNEL_MAX][SIM_DRIVES_MAX];
    uint32_t part[8];                       /* bitmaps of node ids */
    unsigned npart;
    uint32_t drop_permille;
    uint32_t delay_ms;
    bool quiet;
    uint64_t quiet_at;
    GPtrArray *cmds;
    GArray *faults;
    /* invariant (d): the last COD write */
    unsigned cod_writes;
    uint64_t cod_epoch;
    uint8_t cod_writer;
    bool stale_done;
    char *violation;
    SimLogEntry log[SIM_LOG_LEN];
    uint64_t log_next;
    uint64_t stats_events;
    uint64_t stats_cmds;
    /* persistent reservations (sim-pr.c) */
    GArray *pr_cmds;                        /* SimPrCmd, handle = index + 1 */
    GHashTable *pr_hist;                    /* "ld/epoch/seq" -> CRC */
    SimRng pr_rng;                          /* the workload */
    uint64_t pr_until;
    bool pr_in_stop;
    SraidPrState *pr_disk[2];               /* APTPL store, NULL: none */
    uint64_t pr_amnesia_at[2];              /* last time no node was ready */
    bool pr_lie_done, pr_rewind_done;
    uint64_t pr_checked, pr_exempt;
};

SimNode *sim_node_by_id(const Sim *s, uint8_t id);
void sim_log(Sim *s, uint8_t node, const char *what, uint64_t a,
             uint64_t b, uint64_t c);
void sim_fail(Sim *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
const char *sim_fault_name(SimFaultKind k);
void sim_fault_print(const SimFault *f, FILE *out);

/* The bus: send a command from @n; its single completion is an event */
void sim_bus_send(SimNode *n, bool prc, uint8_t node, uint8_t channel,
                  const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                  size_t out_len, size_t in_len, uint32_t timeout_ms,
                  uint64_t token);
void sim_push(Sim *s, uint64_t at, SimEventKind kind, SimNode *n,
              uint64_t token, void *ptr, uint32_t arg);
bool sim_running(const SimNode *n);

/* sim-pr.c: what the engine calls */
void sim_pr_init(Sim *s);
void sim_pr_free(Sim *s);
void sim_pr_power_on(SimNode *n);
void sim_pr_crash(SimNode *n);
void sim_pr_view(SimNode *n);
void sim_pr_suspend(SimNode *n);
void sim_pr_rearm(SimNode *n);
void sim_pr_event(Sim *s, SimNode *n, const SimEvent *ev);
void sim_pr_cmd_done(SimNode *n, SimCmd *c, int err);
/* a delivery for @to: true when a hook answered it instead */
bool sim_pr_deliver_hook(Sim *s, SimNode *to, SimCmd *c);
uint8_t sim_pr_vendor_message(void *opaque, const SraidVendorNexus *nx,
                              uint8_t dcmd, uint8_t ld, const uint8_t *p,
                              size_t len, uint8_t *data_in, size_t cap,
                              size_t *data_len, SraidSense *sense);
void sim_pr_check(Sim *s);
void sim_pr_final(Sim *s);
void sim_pr_describe(const Sim *s, GString *g);

#endif /* SRAID_SIM_INT_H */
