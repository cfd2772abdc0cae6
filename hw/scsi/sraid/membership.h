/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: cluster membership (seed 003 "Node Startup", "The
 * Monitor Process", "Configuration Changes", figs. 4-8, 11, 13, 15, 17).
 *
 * One SraidMembership per controller.  It owns the controller's Nodes
 * list (node id, Node_State, Node_State_Info as this node sees them),
 * elects the master at start-up, runs the master's monitor process
 * (new-node detection, diagnostics, Node_Negotiate, connection checks),
 * the heartbeat between master and slaves with the seed's failure
 * analysis, fast-reboot detection through the INQUIRY booting flag,
 * suspension, and the disk lease that breaks split brains (disk-lease.h).
 *
 * It does no I/O itself and keeps no clock: everything outside goes
 * through SraidMemberOps, and every answer comes back through one of the
 * sraid_member_*_done() calls with the token the request carried.  Time
 * is ops->now_ms(); the owner calls sraid_member_tick() at
 * sraid_member_next_deadline() and after every call into this module may
 * re-read the deadline.  The QEMU glue (hw/scsi/sraid-cluster.c) backs
 * the ops with libiscsi links, member disks and a QEMU timer; the
 * simulator (tests/sim) backs them with a virtual bus and virtual time.
 *
 * Re-entrancy: no op may call back into this module before it returns;
 * completions come later, from the owner's event loop.
 */
#ifndef SRAID_MEMBERSHIP_H
#define SRAID_MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk-lease.h"
#include "mailbox.h"
#include "node-state.h"
#include "scsi-result.h"
#include "vendor-exec.h"

/* Defaults of the timing properties (docs/membership.md) */
#define SRAID_MEMBER_HEARTBEAT_MS_DEFAULT       1000
#define SRAID_MEMBER_HEARTBEAT_MISSES_DEFAULT   4       /* seed: 4 */
#define SRAID_MEMBER_MONITOR_MS_DEFAULT         5000    /* seed: ~5 s */
#define SRAID_MEMBER_NEGOTIATION_MS_DEFAULT     15000

/* Why a controller suspended itself or was suspended */
typedef enum SraidSuspendReason {
    SRAID_SUSPEND_NONE = 0,
    SRAID_SUSPEND_KILLED,               /* a peer's Node_Kill (11A, 1135) */
    SRAID_SUSPEND_NEGOTIATION_TIMEOUT,  /* fig. 5 step 535 */
    SRAID_SUSPEND_NEGOTIATION_FAILED,   /* fig. 5 steps 560-570 */
    SRAID_SUSPEND_CABLE_FAILURE,        /* fig. 17 step 1750, fig. 15 1565 */
    SRAID_SUSPEND_PARTITIONED,          /* lease: master alive, unreachable */
    SRAID_SUSPEND_REPLACED,             /* lease: a newer master took over */
    SRAID_SUSPEND_HOST,                 /* the host asked (QMP) */
} SraidSuspendReason;

const char *sraid_suspend_reason_name(SraidSuspendReason r);
const char *sraid_node_state_name(uint8_t state);
const char *sraid_node_info_name(uint8_t info);

typedef struct SraidMemberConfig {
    uint8_t node_id;                    /* 0..15, this controller */
    uint8_t channels;                   /* back-end channels, 1..4 */
    uint32_t heartbeat_ms;              /* Heartbeat() period */
    uint32_t heartbeat_misses;          /* failures before acting (4) */
    uint32_t monitor_ms;                /* monitor process period */
    uint32_t negotiation_timeout_ms;    /* slave: wait for Node_Negotiate */
} SraidMemberConfig;

/* Fill @cfg with the defaults for node @node_id with @channels channels */
void sraid_member_config_default(SraidMemberConfig *cfg, uint8_t node_id,
                                 uint8_t channels);
/* NULL if @cfg is usable, else a message saying what to change */
const char *sraid_member_config_check(const SraidMemberConfig *cfg);

typedef struct SraidMembership SraidMembership;

typedef struct SraidMemberOps {
    /* Monotonic time in milliseconds */
    uint64_t (*now_ms)(void *opaque);
    /*
     * Send the @cdb_len byte @cdb to LUN 0 of node @node over @channel,
     * with @out_len bytes of data-out, or room for @in_len bytes of
     * data-in.  Exactly one sraid_member_cmd_done(@token) follows, with an
     * error if no answer came within @timeout_ms.  @cdb and @out are only
     * valid during the call.
     */
    void (*send)(void *opaque, uint8_t node, uint8_t channel,
                 const uint8_t *cdb, size_t cdb_len,
                 const uint8_t *out, size_t out_len, size_t in_len,
                 uint32_t timeout_ms, uint64_t token);
    /*
     * TEST UNIT READY to the first online drive of @channel (fig. 17 step
     * 1745, fig. 15 step 1550).  Returns false at once when no drive of
     * the channel is online (step 1730); else sraid_member_drive_done()
     * follows.
     */
    bool (*drive_tur)(void *opaque, uint8_t channel, uint64_t token);
    /*
     * The disk lease area (disk-lease.h) on the drives this node reaches:
     * write this node's slot, or read every slot.  Completions:
     * sraid_member_lease_written(), sraid_member_lease_read().
     */
    void (*lease_write)(void *opaque, const uint8_t *slot, uint64_t token);
    void (*lease_read)(void *opaque, uint64_t token);
    /* This node's configuration as it runs now (sender fields filled in) */
    void (*get_config)(void *opaque, SraidMailbox *mb);
    /*
     * Master only: process the configuration on the drives (fig. 4 step
     * 445), or write a changed one (only the master writes COD).
     */
    void (*process_cod)(void *opaque);
    void (*write_cod)(void *opaque, const SraidMailbox *mb);
    /*
     * Slave, on Node_Negotiate (fig. 13 / fig. 5 steps 545-555): check the
     * master's configuration against the drives and store it in
     * non-volatile memory.  *@changed: it differs from what this node ran
     * before (step 575), and the node will restart with it.
     */
    SraidVendorOutcome (*apply_config)(void *opaque, const SraidMailbox *mb,
                                       bool *changed);
    /* Step 585: restart with the configuration now in NVRAM (may be NULL) */
    void (*restart)(void *opaque);
    /* Stop or resume serving logical drives (suspension mode) */
    void (*suspend)(void *opaque, SraidSuspendReason why);
    void (*resume)(void *opaque);
    /* This node's view of node @node changed (@node may be itself) */
    void (*node_changed)(void *opaque, uint8_t node, uint8_t old_state,
                         uint8_t state, uint8_t info);
    /* The master this node follows changed (SRAID_NODE_NONE: none) */
    void (*master_changed)(void *opaque, uint8_t master);
    /*
     * SraidMemberView.drives_alive changed (a lease read told; may be
     * NULL)
     */
    void (*drives_alive_changed)(void *opaque);
} SraidMemberOps;

/*
 * Create the membership of the controller whose vendor node is @vn (its
 * ctrl-lun's node: membership sets its state, booting flag is read by
 * sraid_member_booting()).  Nothing happens before sraid_member_start().
 */
SraidMembership *sraid_member_new(const SraidMemberConfig *cfg,
                                  SraidVendorNode *vn,
                                  const SraidMemberOps *ops, void *opaque);
void sraid_member_free(SraidMembership *m);

/* Power-on (fig. 4 step 4A5 onwards): scan, elect, start up */
void sraid_member_start(SraidMembership *m);
/* Run everything due at ops->now_ms() */
void sraid_member_tick(SraidMembership *m);
/* When sraid_member_tick() is next needed; UINT64_MAX: never */
uint64_t sraid_member_next_deadline(const SraidMembership *m);

/* Completions of the ops (unknown or stale tokens are ignored) */
void sraid_member_cmd_done(SraidMembership *m, uint64_t token, int err,
                           const SraidScsiResult *r, const uint8_t *data_in,
                           size_t data_len);
void sraid_member_drive_done(SraidMembership *m, uint64_t token, bool ready);
void sraid_member_lease_written(SraidMembership *m, uint64_t token, bool ok);
/* @area: SRAID_LEASE_AREA_LEN bytes, slot n at n * SLOT_LEN; NULL if !ok */
void sraid_member_lease_read(SraidMembership *m, uint64_t token, bool ok,
                             const uint8_t *area);

/*
 * What the vendor command layer received for membership; the owner's
 * SraidVendorOps forward to these.  on_kill: the core already suspended
 * @vn (fig. 11A step 1135).
 */
void sraid_member_on_kill(SraidMembership *m, const SraidVendorNexus *nx);
SraidVendorOutcome sraid_member_on_negotiate(SraidMembership *m,
                                             const SraidVendorNexus *nx,
                                             const SraidMailbox *mb);
/* Node_Bus_Reset: a node joined (or restarted) and wants to be scanned */
void sraid_member_on_bus_reset(SraidMembership *m,
                               const SraidVendorNexus *nx);
/* Node_Config_Changed: a slave's configuration changed (master side) */
SraidVendorOutcome sraid_member_on_config_changed(SraidMembership *m,
                                                  const SraidVendorNexus *nx,
                                                  const SraidMailbox *mb);

/*
 * Host and fault injection.  set_cable: this node's cable on @channel was
 * cut or restored (Connected_Channels).  config_changed: this node's
 * configuration changed locally (a drive failed, an LD was created): the
 * master stores and distributes it, a slave hands it to the master.
 */
void sraid_member_set_cable(SraidMembership *m, uint8_t channel,
                            bool connected);
void sraid_member_config_changed(SraidMembership *m);
/*
 * Lose (@drop) the heartbeats this node sends, with their retries on the
 * other channels, or add @delay_ms to their answers (an answer later than
 * the heartbeat interval counts as missed).
 */
void sraid_member_set_heartbeat_fault(SraidMembership *m, bool drop,
                                      uint32_t delay_ms);
/* Node_Kill @node now (as fig. 17 step 1740 would) */
void sraid_member_kill_peer(SraidMembership *m, uint8_t node);
/* Host action ending suspension: the node restarts as a joiner */
void sraid_member_resume(SraidMembership *m);
void sraid_member_suspend(SraidMembership *m, SraidSuspendReason why);

/* This controller's view, for QMP, HMP, tests and the simulator */
typedef struct SraidMemberNodeView {
    bool known;                         /* in the Nodes list */
    uint8_t state;                      /* SraidNodeState */
    uint8_t info;                       /* SraidNodeStateInfo */
    uint8_t channels;                   /* answered on these, bitmap */
    uint32_t heartbeat_misses;          /* consecutive, now */
} SraidMemberNodeView;

typedef struct SraidMemberView {
    uint8_t self;
    uint8_t state;                      /* own Node_State */
    uint8_t info;                       /* own Node_State_Info */
    uint8_t master;                     /* SRAID_NODE_NONE: none */
    bool booting;                       /* Table 20 byte 36 */
    bool suspended;
    SraidSuspendReason suspend_reason;
    uint8_t connected_channels;         /* bitmap, seed Connected_Channels */
    uint8_t comm_channel;               /* node-communications channel */
    uint64_t epoch;                     /* master epoch followed */
    uint64_t config_generation;
    uint64_t transitions;               /* state changes seen, all nodes */
    /*
     * Other nodes alive on the drives, whether or not this node reaches
     * them over the bus: their lease slot moved within a lease time as
     * this node's reads tell, and does not say SUSPENDED (bitmap of ids)
     */
    uint16_t drives_alive;
    SraidMemberNodeView nodes[SRAID_NODE_MAX];
} SraidMemberView;

void sraid_member_view(const SraidMembership *m, SraidMemberView *v);
/* Table 20 byte 36: true from start until this node completed start-up */
bool sraid_member_booting(const SraidMembership *m);
/* Master holding a lease no newer master overrides: may write COD */
bool sraid_member_may_write_cod(const SraidMembership *m);

#endif /* SRAID_MEMBERSHIP_H */
