/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the disk lease, the split-brain tie-breaker of
 * cluster membership (docs/membership.md, "Split brain").
 *
 * Seed 003 tells a dead peer from a cut cable by sending TEST UNIT READY
 * to a drive (fig. 17): if the drive answers, the peer is presumed dead.
 * When the bus is partitioned but both sides still reach the drives, both
 * sides conclude that the other one died, and both would act as master.
 * The drives are the one medium every side still shares, so every node
 * also keeps a record on them: one 512-byte slot per node id in the
 * metadata area of every member disk, rewritten every heartbeat interval
 * with a counter that only moves while the node is alive and reaches its
 * drives.  A node takes over as master only once the old master's counter
 * has stood still for a full lease; a node that sees the master's counter
 * move but cannot reach the master over the bus is the one cut off, and
 * suspends itself.  Each new master takes an epoch above every epoch on
 * the drives (the next term number times 16 plus its node id: no two
 * nodes start the same epoch); a master that finds a higher epoch claimed
 * by a live node has been replaced and stops writing configuration.
 *
 * This file is the slot's codec; membership.c decides.
 */
#ifndef SRAID_DISK_LEASE_H
#define SRAID_DISK_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node-state.h"

#define SRAID_LEASE_MAGIC       "SRLEASE1"
#define SRAID_LEASE_SLOT_LEN    512     /* one sector: no torn neighbours */
/* All slots, node 0 first: what one arbitration read returns */
#define SRAID_LEASE_AREA_LEN    (SRAID_LEASE_SLOT_LEN * SRAID_NODE_MAX)

/* Slot flags */
#define SRAID_LEASE_MASTER      0x01    /* the writer acts as master */
#define SRAID_LEASE_SUSPENDED   0x02    /* the writer is suspended */

typedef struct SraidLeaseSlot {
    bool valid;                 /* decoded: magic, node id and CRC good */
    uint8_t node;               /* the writer's node id (= slot index) */
    uint8_t state;              /* its Node_State of itself */
    uint8_t flags;              /* SRAID_LEASE_* */
    uint8_t master;             /* the master it follows, or NONE */
    uint64_t epoch;             /* master epoch it belongs to */
    uint64_t counter;           /* bumped on every write */
    uint64_t config_generation; /* configuration it runs */
    uint64_t boot_id;           /* new on every start of the node */
} SraidLeaseSlot;

/* Encode @s into @buf (SRAID_LEASE_SLOT_LEN bytes), CRC32C last. */
void sraid_lease_slot_encode(const SraidLeaseSlot *s, uint8_t *buf);
/*
 * Decode the slot at index @node of an area read.  An all-zero, foreign or
 * corrupt slot (bad magic, CRC, or a node id that is not @node) decodes as
 * !valid: the node never wrote there, which is how a fresh disk looks.
 */
void sraid_lease_slot_decode(const uint8_t *buf, uint8_t node,
                             SraidLeaseSlot *s);

#endif /* SRAID_DISK_LEASE_H */
