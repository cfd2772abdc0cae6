/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: what a controller knows about a node of the cluster
 * (seed 003, "Data Structures": struct Node's Node_State and
 * Node_State_Info), and the size limits of the back-end bus.
 *
 * The values travel in vendor command payloads (mailbox, node list, cable
 * check data), so they are wire values: never renumber, only add.
 */
#ifndef SRAID_NODE_STATE_H
#define SRAID_NODE_STATE_H

#include <stdbool.h>
#include <stdint.h>

/* Node ids are SCSI ids on a back-end channel; seed 003 uses 7 and 6. */
#define SRAID_NODE_MAX          16
#define SRAID_NODE_NONE         0xff    /* no node (unset, unreserved) */
/* Back-end channels of a controller (the glue's SRAID_MAX_CHANNELS) */
#define SRAID_CHANNEL_MAX       4
/* SCSI targets on one back-end channel */
#define SRAID_TARGET_MAX        16

/* Node_State (seed 003), in the order the seed lists them */
typedef enum SraidNodeState {
    SRAID_NODE_STATE_NONE = 0,          /* sraid: no cluster state yet */
    SRAID_NODE_MASTER = 1,
    SRAID_NODE_NEW_SLAVE = 2,
    SRAID_NODE_DIAGNOSED_SLAVE = 3,
    SRAID_NODE_RESTARTED_SLAVE = 4,
    SRAID_NODE_FAILED_SLAVE = 5,
    SRAID_NODE_NEXUS_SLAVE = 6,
    SRAID_NODE_ACTIVE_SLAVE = 7,
    SRAID_NODE_KILLED_SLAVE = 8,
} SraidNodeState;
#define SRAID_NODE_STATE_LAST   SRAID_NODE_KILLED_SLAVE

/* Node_State_Info (seed 003); "None" is what step 8C5 sets */
typedef enum SraidNodeStateInfo {
    SRAID_NODE_INFO_NONE = 0,
    SRAID_NODE_INFO_STARTING_UP = 1,
    SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS = 2,
    SRAID_NODE_INFO_NEGOTIATING = 3,
    SRAID_NODE_INFO_FAILED_DIAGNOSTICS = 4,
    SRAID_NODE_INFO_TIMED_OUT_ON_NEGOTIATIONS = 5,
    SRAID_NODE_INFO_CHANGING_CONFIGURATION = 6,
    SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST = 7,
    SRAID_NODE_INFO_COMPLETED_STARTUP = 8,
    SRAID_NODE_INFO_REBUILDING = 9,
} SraidNodeStateInfo;
#define SRAID_NODE_INFO_LAST    SRAID_NODE_INFO_REBUILDING

static inline bool sraid_node_state_valid(unsigned state)
{
    return state <= SRAID_NODE_STATE_LAST;
}

static inline bool sraid_node_info_valid(unsigned info)
{
    return info <= SRAID_NODE_INFO_LAST;
}

#endif /* SRAID_NODE_STATE_H */
