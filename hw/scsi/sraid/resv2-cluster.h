/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: SPC-2 RESERVE/RELEASE made cluster-wide, the
 * sending side of seed 003's Node_Reserve (DCMD 06h) and Node_Release
 * (07h): fig. 10 (a SCSI Reserve() on a node) and fig. 19 (a SCSI
 * Release()).  The receiving side, fig. 12, is vendor-exec.c; both work
 * on the reservation table in node memory (node-memory.h): the holder
 * node of every (logical drive, LUN).
 *
 * One SraidResv2Cluster per controller.  It owns the controller's SPC-2
 * state (one SraidResv2 per logical drive, the holding I_T nexus on this
 * node, resv2.h) and keeps it in step with the table:
 *
 *   - RESERVE: step 1005 (another node holds it: RESERVATION CONFLICT),
 *     1015 (this node's entry), 1040 (Node_Reserve to every other live
 *     node); on a conflict from a node, 1050: a higher id waits (1045) and
 *     asks the nodes that refused once more (1040), a lower id withdraws
 *     (1035: its entry, Node_Release where Node_Reserve succeeded).  Only
 *     then the holder nexus is set and GOOD returned (1030).
 *   - RELEASE by the holder: entry removed here and on every other node
 *     (1905), GOOD (1910, also when nothing was reserved).
 *   - A reset of the logical unit releases whoever holds it, on every
 *     node: Node_Release naming the holder node.  A Node_Release naming
 *     this node, received from a peer, clears the local holder.
 *   - A node membership declares failed, killed, restarted or gone has
 *     lost its reservations on every node (a reset of that initiator).
 *
 * A peer that does not answer (timeout, cut link) or answers anything but
 * GOOD or RESERVATION CONFLICT (suspended: NOT READY) is taken as holding
 * no reservation: membership declares a node that misses its heartbeats
 * failed and kills it (fig. 17), and a failed or suspended node serves no
 * logical drive.  docs/persistent-reservations.md has the details.
 *
 * Like membership.h: no I/O, no clock; everything outside goes through
 * SraidResv2ClusterOps, answers come back through
 * sraid_resv2_cluster_cmd_done() with the token the send carried, and
 * the owner calls sraid_resv2_cluster_tick() at
 * sraid_resv2_cluster_next_deadline() (the step 1045 wait).  No op may
 * call back into this module before it returns.
 */
#ifndef SRAID_RESV2_CLUSTER_H
#define SRAID_RESV2_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node-memory.h"
#include "resv2.h"
#include "scsi-result.h"

/* Fig. 10 step 1045: the higher-priority node's wait before asking again */
#define SRAID_RESV2_CLUSTER_WAIT_MS_DEFAULT     1000
/* How long a Node_Reserve / Node_Release may take to be answered */
#define SRAID_RESV2_CLUSTER_TIMEOUT_MS_DEFAULT  4000

/* Every logical drive is one logical unit, LUN 0 of its target id */
#define SRAID_RESV2_CLUSTER_LUN                 0

typedef struct SraidResv2ClusterConfig {
    uint8_t node_id;            /* this controller: its priority (1050) */
    uint32_t wait_ms;           /* step 1045 */
    uint32_t timeout_ms;        /* per command sent */
} SraidResv2ClusterConfig;

typedef struct SraidResv2ClusterOps {
    /* Monotonic time in milliseconds */
    uint64_t (*now_ms)(void *opaque);
    /*
     * The other live nodes, as a bitmap of node ids (this node's bit is
     * ignored), and the channel to reach them on.
     */
    uint16_t (*peers)(void *opaque, uint8_t *channel);
    /*
     * Send the @cdb_len byte vendor @cdb with @out_len bytes of data-out
     * to LUN 0 of node @node over @channel.  Exactly one
     * sraid_resv2_cluster_cmd_done(@token) follows, with an error if no
     * answer came within @timeout_ms.  @cdb and @out are only valid during
     * the call.
     */
    void (*send)(void *opaque, uint8_t node, uint8_t channel,
                 const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                 size_t out_len, uint32_t timeout_ms, uint64_t token);
    /*
     * A RESERVE or RELEASE that sraid_resv2_cluster_execute() left
     * pending ended with @res
     */
    void (*done)(void *opaque, uint64_t tag, const SraidScsiResult *res);
    /*
     * Notification (may be NULL): the reservation of logical drive @ld on
     * this node was released for @why ("reset", "peer release"...), or
     * taken (@why NULL).
     */
    void (*changed)(void *opaque, uint8_t ld, const char *why);
} SraidResv2ClusterOps;

typedef struct SraidResv2Cluster SraidResv2Cluster;

/*
 * The SPC-2 reservations of the controller whose reservation table is
 * @mem (its vendor node's memory; it must outlive the object).
 */
SraidResv2Cluster *sraid_resv2_cluster_new(const SraidResv2ClusterConfig *cfg,
                                           SraidNodeMemory *mem,
                                           const SraidResv2ClusterOps *ops,
                                           void *opaque);
/* Pending commands end in BUSY through ops->done first */
void sraid_resv2_cluster_free(SraidResv2Cluster *rc);

/*
 * May command @cdb from @nx run on logical drive @ld?  The rules of
 * sraid_resv2_check(); a reservation of another node counts as one of
 * another I_T nexus.
 */
SraidResv2Access sraid_resv2_cluster_check(const SraidResv2Cluster *rc,
                                           uint8_t ld, const SraidPrNexus *nx,
                                           const uint8_t *cdb, size_t cdb_len);
/* Does @nx (on this node) hold logical drive @ld's reservation? */
bool sraid_resv2_cluster_is_holder(const SraidResv2Cluster *rc, uint8_t ld,
                                   const SraidPrNexus *nx);
/* The node holding @ld's reservation, or SRAID_NODE_NONE */
uint8_t sraid_resv2_cluster_holder(const SraidResv2Cluster *rc, uint8_t ld);

/*
 * RESERVE(6/10) or RELEASE(6/10) @cdb from @nx for logical drive @ld.
 * True when it ended at once with *@res; false when it waits for the
 * other nodes: ops->done(@tag) follows.  Commands for one logical drive
 * run one at a time, in order.
 */
bool sraid_resv2_cluster_execute(SraidResv2Cluster *rc, uint8_t ld,
                                 const SraidPrNexus *nx, const uint8_t *cdb,
                                 size_t cdb_len, uint64_t tag,
                                 SraidScsiResult *res);

/*
 * A logical unit reset, target reset or hard reset of @ld on this node
 * (SPC-2 5.5.1): the reservation is released on every node, whichever
 * node holds it.  True if one was held.
 */
bool sraid_resv2_cluster_reset(SraidResv2Cluster *rc, uint8_t ld);
/*
 * I_T nexus loss (or a reset only @nx's path sees, the guest HBA's):
 * released on every node if @nx holds it.  @ld SRAID_NODE_NONE: every
 * logical drive.  The number released.
 */
unsigned sraid_resv2_cluster_nexus_lost(SraidResv2Cluster *rc, uint8_t ld,
                                        const SraidPrNexus *nx);

/*
 * Membership's view of node @node went from @old_state to @state
 * (SraidNodeState; SRAID_NODE_STATE_NONE: not in the Nodes list).
 */
void sraid_resv2_cluster_node_changed(SraidResv2Cluster *rc, uint8_t node,
                                      uint8_t old_state, uint8_t state);
/*
 * The reservation table changed by a Node_Reserve/Node_Release a peer
 * sent (SraidVendorOps.reservation_changed).
 */
void sraid_resv2_cluster_table_changed(SraidResv2Cluster *rc,
                                       const SraidResvEntry *e,
                                       bool reserved);

/* Completion of ops->send (unknown or stale tokens are ignored) */
void sraid_resv2_cluster_cmd_done(SraidResv2Cluster *rc, uint64_t token,
                                  int err, const SraidScsiResult *r);
/* Run what is due at ops->now_ms() */
void sraid_resv2_cluster_tick(SraidResv2Cluster *rc);
/* When sraid_resv2_cluster_tick() is next needed; UINT64_MAX: never */
uint64_t sraid_resv2_cluster_next_deadline(const SraidResv2Cluster *rc);

#endif /* SRAID_RESV2_CLUSTER_H */
