/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the receiving side of the node-to-node vendor
 * commands (seed 003 figs. 11A-11C, with figs. 12, 13, 16 and 18 for the
 * commands they expand).
 *
 * A controller keeps an SraidVendorNode (its own node state, the memory
 * Node_Read/Node_Write address, the reservation table, what it was told
 * about rebuilds) and passes every 20h command it receives, from whatever
 * transport, to sraid_vendor_cmd_execute().  What only the core needs to
 * know is answered at once: cable check, memory reads and writes,
 * reservations, the rebuild notifications.  What needs the rest of the
 * controller goes through SraidVendorOps: the callback decides whether the
 * command is accepted and queues the work (a rebuild, a restart after a
 * new configuration, the suspension of Node_Kill), which runs after the
 * status has gone out.  Without ops those commands end in NOT READY,
 * 80h/05h (no cluster layer).  Nothing here blocks or does I/O.
 */
#ifndef SRAID_VENDOR_EXEC_H
#define SRAID_VENDOR_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailbox.h"
#include "mgmt-exec.h"
#include "node-memory.h"
#include "node-state.h"
#include "scsi-result.h"
#include "vendor-cmd.h"

/*
 * sraid's vendor-specific additional sense code (SPC-4 leaves ASC 80h-FFh
 * to vendors) and its qualifiers; docs/vendor-commands.md lists them.
 */
#define SRAID_ASC_VENDOR                    0x80
#define SRAID_ASCQ_CONFIG_MISMATCH          0x00    /* fig. 13 step 1315 */
#define SRAID_ASCQ_EEPROM_WRITE_FAILED      0x01    /* steps 1320-1325 */
#define SRAID_ASCQ_NVM_WRITE_FAILED         0x02    /* steps 1330-1335 */
#define SRAID_ASCQ_ROLE_MISMATCH            0x03    /* master/slave only */
#define SRAID_ASCQ_REBUILD_IN_PROGRESS      0x04    /* step 1430 */
#define SRAID_ASCQ_NO_CLUSTER               0x05    /* no ops for it */

/* Who sent the command (FROM_HOST: this node's guest) */
typedef enum SraidVendorSource {
    SRAID_VENDOR_FROM_HOST = 0,     /* the guest, an external initiator */
    SRAID_VENDOR_FROM_PEER = 1,     /* a peer controller on the back end */
    /*
     * An external iSCSI initiator of the SAN port: neither this node's
     * guest (no guest management) nor a peer (no node-to-node commands).
     */
    SRAID_VENDOR_FROM_SAN = 2,
} SraidVendorSource;

/* What the transport knows about the command's I_T_L nexus */
typedef struct SraidVendorNexus {
    SraidVendorSource source;
    uint8_t node;                   /* FROM_PEER: the sender's node id */
    uint8_t channel;                /* FROM_PEER: channel it came in on */
    uint16_t lun;                   /* the LUN the command addressed */
} SraidVendorNexus;

/* A callback's verdict on a command that needs the controller */
typedef enum SraidVendorOutcome {
    SRAID_VENDOR_OK = 0,            /* GOOD: accepted, the work is queued */
    SRAID_VENDOR_BUSY,              /* BUSY status: ask again later */
    SRAID_VENDOR_CONFIG_MISMATCH,   /* fig. 13 step 1315 */
    SRAID_VENDOR_EEPROM_FAILED,     /* fig. 13 steps 1320-1325 */
    SRAID_VENDOR_NVM_FAILED,        /* fig. 13 steps 1330-1335 */
    SRAID_VENDOR_SUSPEND,           /* fig. 15 step 1565: cable failure */
    SRAID_VENDOR_UNKNOWN_LD,        /* the logical drive is not here */
} SraidVendorOutcome;

typedef struct SraidVendorOps {
    /*
     * Node_Kill (fig. 11A step 1135): the core has already marked the node
     * suspended and answers GOOD; the owner stops serving I/O after the
     * status went out, until a person resumes it.
     */
    void (*kill)(void *opaque, const SraidVendorNexus *nx);
    /*
     * Node_Negotiate (fig. 13): scan the bus, check the configuration,
     * write EEPROM and NVM.  On OK with a configuration different from
     * before, the owner informs the master and restarts (steps 1340-1350)
     * after the status.
     */
    SraidVendorOutcome (*negotiate)(void *opaque, const SraidVendorNexus *nx,
                                    const SraidMailbox *mb);
    /*
     * Node_Inform_Master_Rebuild_Received on the master (fig. 16): start
     * the rebuild if this node holds the reservation of the logical drive,
     * else send Node_Rebuild to the holder (step 1650).
     */
    SraidVendorOutcome (*master_rebuild)(void *opaque,
                                         const SraidVendorNexus *nx,
                                         const SraidRebuildRequest *rq);
    /* Node_Rebuild on a slave (fig. 18): start rebuilding rq->ld. */
    SraidVendorOutcome (*rebuild)(void *opaque, const SraidVendorNexus *nx,
                                  const SraidRebuildRequest *rq);
    /*
     * Node_Bus_Reset (sraid, membership): the sender started or restarted
     * and asks to be scanned, as a SCSI bus reset made seed 003's master
     * rescan the channels.
     */
    void (*bus_reset)(void *opaque, const SraidVendorNexus *nx);
    /*
     * Node_Config_Changed (sraid, "Configuration Changes"): a slave's
     * configuration changed; the master stores and distributes it.
     */
    SraidVendorOutcome (*config_changed)(void *opaque,
                                         const SraidVendorNexus *nx,
                                         const SraidMailbox *mb);

    /*
     * DCMDs 20h-25h, persistent reservations across the cluster
     * (pr-cluster.h, sraid_prc_receive()): @p/@len the parameter list,
     * @ld byte 3 of PR_Collect's CDB, whose data-in goes to @data_in (at
     * most @data_in_cap bytes, *@data_in_len set).  The status, with
     * @sense when CHECK CONDITION.
     */
    uint8_t (*pr_message)(void *opaque, const SraidVendorNexus *nx,
                          uint8_t dcmd, uint8_t ld, const uint8_t *p,
                          size_t len, uint8_t *data_in, size_t data_in_cap,
                          size_t *data_in_len, SraidSense *sense);

    /*
     * Notifications of what changed; each may be NULL.  state_changed
     * fires whenever this node's Node_State or shown Node_State_Info
     * changes, by a command or by the owner's own calls.
     */
    void (*memory_written)(void *opaque, const SraidVendorNexus *nx,
                           SraidNodeRegion region, uint32_t offset,
                           uint32_t len);
    void (*reservation_changed)(void *opaque, const SraidVendorNexus *nx,
                                const SraidResvEntry *e, bool reserved);
    void (*rebuild_noted)(void *opaque, const SraidVendorNexus *nx,
                          const SraidRebuildStatus *st);
    void (*state_changed)(void *opaque, uint8_t state, uint8_t info);
} SraidVendorOps;

/* What a node was last told about a logical drive's rebuild (11D5/11E5) */
typedef struct SraidRebuildNote {
    bool valid;
    SraidRebuildStatus status;
} SraidRebuildNote;

typedef struct SraidVendorNode {
    uint8_t node_id;                /* SRAID_NODE_NONE until known */
    uint8_t state;                  /* Node_State of itself */
    uint8_t info;                   /* Node_State_Info shown */
    uint8_t info_saved;             /* the value to return to (11H0) */
    bool rebuilding;                /* info is Rebuilding (11A5) */
    SraidRebuildRequest rebuild;    /* the rebuild in the cluster */
    bool suspended;                 /* Node_Kill or suicide */
    uint32_t connected_channels;    /* seed: Connected_Channels */
    SraidRebuildNote notes[SRAID_RESV_MAX_LDS];
    SraidNodeMemory mem;
    const SraidVendorOps *ops;
    void *opaque;
    /*
     * Guest management (DCMDs 80h-BFh, mgmt-exec.h): off with no ops after
     * sraid_vendor_node_init(); the owner sets it after attaching.
     */
    SraidMgmt mgmt;
} SraidVendorNode;

/* No cluster: state NONE, no ops, empty memory and tables. */
void sraid_vendor_node_init(SraidVendorNode *n, uint8_t node_id);
void sraid_vendor_node_set_ops(SraidVendorNode *n, const SraidVendorOps *ops,
                               void *opaque);
/*
 * The owner's (membership's) word on this node's state.  During a rebuild
 * the shown info stays Rebuilding and @info becomes the value to return to.
 */
void sraid_vendor_node_set_state(SraidVendorNode *n, uint8_t state,
                                 uint8_t info);
void sraid_vendor_node_set_channels(SraidVendorNode *n, uint32_t channels);

/*
 * The local side of fig. 14: a rebuild command from this node's host.
 * Returns false when a rebuild is already in progress (step 1430);
 * otherwise the node shows Rebuilding (step 1425).
 */
bool sraid_vendor_node_begin_rebuild(SraidVendorNode *n,
                                     const SraidRebuildRequest *rq);
/* Fig. 16 step 1645, 11H0: back to the Node_State_Info from before. */
void sraid_vendor_node_end_rebuild(SraidVendorNode *n);

/*
 * Suspension mode (seed: awaiting human intervention).  While suspended,
 * every vendor command and the heartbeat end in NOT READY, LOGICAL UNIT NOT
 * READY, MANUAL INTERVENTION REQUIRED (04h/03h).
 */
void sraid_vendor_node_suspend(SraidVendorNode *n);
void sraid_vendor_node_resume(SraidVendorNode *n);
/* Heartbeat (fig. 11C step 1193): is this node's status good? */
bool sraid_vendor_node_ready(const SraidVendorNode *n);

const SraidRebuildNote *sraid_vendor_node_rebuild_note(
    const SraidVendorNode *n, uint8_t ld);

/*
 * Execute one 20h command received through @nx: the @cdb_len byte CDB,
 * @data_out_len bytes of data-out (the parameter list), and room for
 * @data_in_len bytes of data-in.  Data-in is cut to the command's transfer
 * length and to @data_in_len.  A parameter list shorter than the CDB's
 * transfer length is a PARAMETER LIST LENGTH ERROR; bytes beyond it are
 * ignored.  Never reads or writes outside the buffers.
 */
void sraid_vendor_cmd_execute(SraidVendorNode *n, const SraidVendorNexus *nx,
                              const uint8_t *cdb, size_t cdb_len,
                              const uint8_t *data_out, size_t data_out_len,
                              uint8_t *data_in, size_t data_in_len,
                              SraidScsiResult *res);

#endif /* SRAID_VENDOR_EXEC_H */
