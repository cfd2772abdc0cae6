/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: persistent reservations shared by every controller
 * of the cluster (issue "cluster-wide reservations";
 * docs/persistent-reservations.md, "Across the cluster").
 *
 * The cluster is one SCSI target device: every logical drive has one
 * persistent reservation state (pr.h), and every controller keeps a
 * replica of it to check the commands it receives.  Changes are ordered
 * by the membership master:
 *
 *  - A PERSISTENT RESERVE OUT received on any node (the origin) goes to
 *    the master (PR_Request, 20h), or into the master's own queue.
 *  - The master executes one command per logical drive at a time on its
 *    replica.  A change becomes the next version (master epoch, counter);
 *    with APTPL the master stores it first.  It then sends the command
 *    (PR_Apply, 21h) to every other live node, the origin last.  Each
 *    receiver executes it on its replica (pr.c is deterministic: the same
 *    command on the same state gives the same state, checked by CRC32C),
 *    carries out the unit attentions and task aborts for its own I_T
 *    nexuses, and acknowledges once its aborts have ended (PR_Poll, 23h,
 *    asks until then).  A node whose replica is not the version before
 *    receives the whole state (PR_State, 22h) instead.
 *  - The origin ends the command with the master's result when PR_Apply
 *    reaches it: every live node has the change by then.  A command that
 *    changes nothing goes only to the origin.
 *  - A node that (re)joins asks for every state (PR_Sync, 24h) and does
 *    not serve the logical drives before it has it.  A new master first
 *    collects every live node's replica (PR_Collect, 25h), takes the
 *    newest one that came from the master line (its own if it has one
 *    and nobody has newer), and pushes it to every node: a node that
 *    just started never replaces the cluster's state with its empty one.
 *    Every state carries, per origin node, the last request it contains
 *    and its result, so that an origin that re-sends its request to a
 *    new master gets the result, and the command is executed once.
 *
 * Like membership.h: no I/O, no clock, no QEMU; everything outside goes
 * through SraidPrClusterOps and comes back through the sraid_prc_*()
 * completions, never from inside an op.  The owner calls sraid_prc_tick()
 * at sraid_prc_next_deadline().
 */
#ifndef SRAID_PR_CLUSTER_H
#define SRAID_PR_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "membership.h"
#include "node-state.h"
#include "pr-cluster-msg.h"
#include "pr.h"
#include "scsi-result.h"
#include "vendor-exec.h"

#define SRAID_PRC_MAX_LDS       SRAID_RESV_MAX_LDS

/* Timings (milliseconds) */
#define SRAID_PRC_CMD_TIMEOUT_MS    2000    /* one node-to-node command */
#define SRAID_PRC_RETRY_MS          200     /* after a failed send */
#define SRAID_PRC_POLL_MS           20      /* aborts still running */
#define SRAID_PRC_RESEND_MS         5000    /* origin: no answer yet */
#define SRAID_PRC_SYNC_RETRY_MS     500     /* joiner: state not here yet */
/* Requests queued per logical drive at the master before BUSY */
#define SRAID_PRC_QUEUE_MAX         64

/* sraid vendor sense qualifiers of ASC 80h (vendor-exec.h) */
#define SRAID_ASCQ_PR_ABORTS_RUNNING    0x06    /* NOT READY: poll again */
#define SRAID_ASCQ_PR_OUT_OF_SYNC       0x07    /* send the whole state */
#define SRAID_ASCQ_PR_NO_SUCH_LD        0x08    /* the drive is not here */

typedef struct SraidPrCluster SraidPrCluster;

typedef struct SraidPrClusterConfig {
    uint8_t node_id;            /* this controller */
    uint8_t channels;           /* back-end channels, 1..4 */
    uint32_t boot;              /* random, not 0: new at every start */
    bool ptpl_capable;          /* ops->persist stores states (APTPL) */
} SraidPrClusterConfig;

typedef struct SraidPrClusterOps {
    uint64_t (*now_ms)(void *opaque);
    /*
     * Send the vendor command @cdb with the @out_len byte parameter list
     * @out, or room for @in_len bytes of data-in, to LUN 0 of node @node
     * over @channel; exactly one sraid_prc_cmd_done(@token) follows.
     * Only valid during the call.
     */
    void (*send)(void *opaque, uint8_t node, uint8_t channel,
                 const uint8_t *cdb, size_t cdb_len,
                 const uint8_t *out, size_t out_len, size_t in_len,
                 uint32_t timeout_ms, uint64_t token);
    /* The PERSISTENT RESERVE OUT submitted with @token ended with @res */
    void (*complete)(void *opaque, uint64_t token,
                     const SraidScsiResult *res);
    /*
     * Carry out @fx (pr.h) for the I_T nexuses on this node of logical
     * drive @ld: queue the unit attentions, abort the tasks.  Returns
     * true when aborts are still running; sraid_prc_effects_done(@token)
     * follows when they have ended.  @skip: the submitting request's own
     * token on the origin (its task is not aborted), else 0.
     */
    bool (*effects)(void *opaque, uint8_t ld, const SraidPrEffects *fx,
                    uint64_t skip, uint64_t token);
    /*
     * Master, APTPL: store @st of @ld (or, when !@st->aptpl, that nothing
     * is to survive) before the change is acknowledged.
     * sraid_prc_persisted(@token) follows.  NULL: not ptpl_capable.
     */
    void (*persist)(void *opaque, uint8_t ld, const SraidPrState *st,
                    uint64_t token);
    /* @ld's replica changed (may be NULL): traces, QMP */
    void (*changed)(void *opaque, uint8_t ld, const SraidPrVersion *v);
} SraidPrClusterOps;

SraidPrCluster *sraid_prc_new(const SraidPrClusterConfig *cfg,
                              const SraidPrClusterOps *ops, void *opaque);
void sraid_prc_free(SraidPrCluster *c);

/* The configuration pr.c runs with (every node's ports) */
const SraidPrConfig *sraid_prc_pr_config(const SraidPrCluster *c);

/*
 * Logical drive @ld exists here (@present) or not.  A new one starts
 * with @st (the state stored for APTPL, or NULL: none).  Removing one
 * forgets its state and ends its pending commands with @gone.
 */
void sraid_prc_set_ld(SraidPrCluster *c, uint8_t ld, bool present,
                      const SraidPrState *st);

/*
 * Membership's word: the master this node follows (SRAID_NODE_NONE: none,
 * e.g. while suspended or joining), its epoch, and the nodes serving
 * logical drives (bitmap by node id, this one included) that every change
 * must reach.  Without a cluster: master = self, live = self, epoch 0.
 */
void sraid_prc_set_view(SraidPrCluster *c, uint8_t master, uint64_t epoch,
                        uint16_t live);

/*
 * Membership's drives_alive (membership.h): the nodes that write their
 * lease on the drives and are not suspended, reachable over the bus or
 * not.  A new master's collection of the replicas waits for each of them
 * until it is live and has offered its replica, or is no longer alive:
 * one cut off from this node on the bus may hold the newest state
 * (simulator seeds 3606, 6826), and a master that ordered without it
 * would fork the cluster's reservations.  Meanwhile the logical drives are
 * not ready here.  0 (the default): no such wait.
 */
void sraid_prc_set_alive(SraidPrCluster *c, uint16_t alive);

/*
 * Membership's view (membership.h) as sraid_prc_set_view() wants it: the
 * master this node follows (none while it is suspended; and none while
 * this node is master without @lease_held, sraid_member_may_write_cod():
 * during an election two nodes may call themselves master for a moment,
 * and only one of them holds the lease), the epoch, and
 * as live every node it knows in a state other than failed or killed
 * slave.  A live node that does not answer holds changes back until
 * membership declares it failed: the price of "every live controller
 * acknowledged".
 */
void sraid_prc_member_view(const SraidMemberView *mv, bool lease_held,
                           uint8_t *master, uint64_t *epoch, uint16_t *live);

/*
 * This node stops serving (suspended, restarting): every pending
 * command ends with @res, the replicas are no longer trusted (a PR_Sync
 * is needed after the next set_view with a master).
 */
void sraid_prc_stop(SraidPrCluster *c, const SraidScsiResult *res);

/* The replica of @ld (NULL when @ld is not present) */
const SraidPrState *sraid_prc_state(const SraidPrCluster *c, uint8_t ld);
/* May this node check commands of @ld against its replica? */
bool sraid_prc_ready(const SraidPrCluster *c, uint8_t ld);

/*
 * A PERSISTENT RESERVE OUT (@cdb, 10 bytes) with its @param_len byte
 * parameter list from @nx on logical drive @ld: ops->complete(@token)
 * follows once it is ordered and every live node has it.
 */
void sraid_prc_submit(SraidPrCluster *c, uint8_t ld, const SraidPrNexus *nx,
                      const uint8_t *cdb, const uint8_t *param,
                      size_t param_len, uint64_t token);

/*
 * A DCMD 20h-24h received from node @nx->node: the parameter list @p of
 * @len bytes.  Returns the status (GOOD, BUSY, or CHECK CONDITION with
 * @sense as docs/vendor-commands.md lists).  Work it causes runs later.
 */
uint8_t sraid_prc_receive(SraidPrCluster *c, const SraidVendorNexus *nx,
                          uint8_t dcmd, uint8_t ld, const uint8_t *p,
                          size_t len, uint8_t *data_in, size_t data_in_cap,
                          size_t *data_in_len, SraidSense *sense);

/* Completions of the ops */
void sraid_prc_cmd_done(SraidPrCluster *c, uint64_t token, int err,
                        const SraidScsiResult *r, const uint8_t *data_in,
                        size_t data_len);
void sraid_prc_effects_done(SraidPrCluster *c, uint64_t token);
void sraid_prc_persisted(SraidPrCluster *c, uint64_t token, bool ok);

void sraid_prc_tick(SraidPrCluster *c);
uint64_t sraid_prc_next_deadline(const SraidPrCluster *c);

/* For QMP, traces, tests and the simulator */
typedef struct SraidPrcLdView {
    bool present;
    bool ready;
    SraidPrVersion version;
    uint32_t generation;        /* PRgeneration */
    unsigned nregs;
    uint8_t type;
    unsigned queued;            /* master: commands waiting */
    bool ordering;              /* master: a change is on its way */
    unsigned aborts_running;
} SraidPrcLdView;

typedef struct SraidPrcView {
    uint8_t self;
    uint8_t master;
    uint64_t epoch;
    uint16_t live;
    unsigned pending;           /* commands submitted here, not ended */
    SraidPrcLdView lds[SRAID_PRC_MAX_LDS];
} SraidPrcView;

void sraid_prc_view(const SraidPrCluster *c, SraidPrcView *v);

#endif /* SRAID_PR_CLUSTER_H */
