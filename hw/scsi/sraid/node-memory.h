/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the controller memory a peer addresses with
 * Node_Read and Node_Write (seed 003 Tables 4 and 5: a 32-bit "physical
 * address" and a count).
 *
 * The seed's master tests a new slave's memory (step 860) and checks
 * existing connections by writing to a slave's memory (step 825); it
 * leaves the memory itself undescribed.  sraid gives it a fixed map of
 * regions, each with a documented base, size and access rule:
 *
 *   MAP          read-only   describes the regions (so a peer can check)
 *   MAILBOX      read/write  a mailbox staged for Node_Negotiate
 *   NODE_LIST    read-only   struct Node list: ids and states
 *   RESV_TABLE   read-only   the reservation table (Tables 1 and 21)
 *   DIAG         read/write  diagnostics scratch for the memory test
 *
 * Peers may only change the node list and the reservation table through
 * the commands that own them (Node_Reserve, Node_Release); the owner of
 * the controller updates the node list.  Addresses outside every region
 * are not mapped.  Region contents are big-endian; the byte layouts are in
 * docs/vendor-commands.md.
 */
#ifndef SRAID_NODE_MEMORY_H
#define SRAID_NODE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node-state.h"
#include "vendor-cmd.h"

typedef enum SraidNodeRegion {
    SRAID_NODE_REGION_MAP = 0,
    SRAID_NODE_REGION_MAILBOX = 1,
    SRAID_NODE_REGION_NODE_LIST = 2,
    SRAID_NODE_REGION_RESV_TABLE = 3,
    SRAID_NODE_REGION_DIAG = 4,
    SRAID_NODE_REGION_COUNT
} SraidNodeRegion;

#define SRAID_NODE_MEM_MAGIC            "SRAIDMEM"
#define SRAID_NODE_MEM_VERSION          1

#define SRAID_NODE_MEM_MAP_BASE         0x00000000u
#define SRAID_NODE_MEM_MAP_SIZE         (16 + 16 * SRAID_NODE_REGION_COUNT)
#define SRAID_NODE_MEM_MAILBOX_BASE     0x00001000u
#define SRAID_NODE_MEM_MAILBOX_SIZE     0x00002000u
#define SRAID_NODE_MEM_NODE_LIST_BASE   0x00004000u
#define SRAID_NODE_MEM_NODE_LIST_SIZE   (8 + 8 * SRAID_NODE_MAX)
#define SRAID_NODE_MEM_RESV_BASE        0x00005000u
#define SRAID_NODE_MEM_RESV_ENTRIES \
    (SRAID_RESV_MAX_LDS * SRAID_RESV_MAX_LUNS)
#define SRAID_NODE_MEM_RESV_SIZE \
    (8 + SRAID_RESV_ENTRY_LEN * SRAID_NODE_MEM_RESV_ENTRIES)
#define SRAID_NODE_MEM_DIAG_BASE        0x00010000u
#define SRAID_NODE_MEM_DIAG_SIZE        0x00010000u

/* Access bits of a region descriptor in the MAP region */
#define SRAID_NODE_MEM_PEER_READ        0x01
#define SRAID_NODE_MEM_PEER_WRITE       0x02

/* Node list entry flags */
#define SRAID_NODE_ENTRY_PRESENT        0x01
#define SRAID_NODE_ENTRY_SELF           0x02

typedef struct SraidNodeEntry {
    bool present;
    uint8_t state;              /* SraidNodeState, as this node sees it */
    uint8_t info;               /* SraidNodeStateInfo */
    uint8_t channels;           /* channels it is reachable on, bitmap */
} SraidNodeEntry;

typedef struct SraidNodeMemory {
    uint8_t self;               /* this controller's node id */
    SraidNodeEntry nodes[SRAID_NODE_MAX];
    uint32_t nodes_generation;  /* bumped on every change */
    /* holder of each (logical drive, LUN), or SRAID_NODE_NONE */
    uint8_t resv[SRAID_RESV_MAX_LDS][SRAID_RESV_MAX_LUNS];
    uint32_t resv_generation;
    uint8_t mailbox[SRAID_NODE_MEM_MAILBOX_SIZE];
    uint8_t diag[SRAID_NODE_MEM_DIAG_SIZE];
} SraidNodeMemory;

/* Why an access was refused */
typedef enum SraidNodeMemStatus {
    SRAID_NODE_MEM_OK = 0,
    SRAID_NODE_MEM_UNMAPPED,    /* the start address is in no region */
    SRAID_NODE_MEM_CROSSES_END, /* the access runs past its region */
    SRAID_NODE_MEM_READ_ONLY,   /* a peer may not write this region */
} SraidNodeMemStatus;

void sraid_node_memory_init(SraidNodeMemory *m, uint8_t self);

const char *sraid_node_region_name(SraidNodeRegion r);
uint32_t sraid_node_region_base(SraidNodeRegion r);
uint32_t sraid_node_region_size(SraidNodeRegion r);
bool sraid_node_region_peer_writable(SraidNodeRegion r);

/*
 * Where [@addr, @addr + @len) lies: its region and the offset in it.  A
 * zero-length access must still start inside a region.  Writes are checked
 * against the region's peer access rule.
 */
SraidNodeMemStatus sraid_node_memory_locate(uint32_t addr, size_t len,
                                            bool write,
                                            SraidNodeRegion *region,
                                            uint32_t *offset);

/* A peer's Node_Read: @len bytes from @addr into @buf. */
SraidNodeMemStatus sraid_node_memory_read(const SraidNodeMemory *m,
                                          uint32_t addr, uint8_t *buf,
                                          size_t len);

/* A peer's Node_Write: @len bytes from @buf to @addr. */
SraidNodeMemStatus sraid_node_memory_write(SraidNodeMemory *m, uint32_t addr,
                                           const uint8_t *buf, size_t len);

/* The owner's view of node @id changed (membership); @id < 16. */
void sraid_node_memory_set_node(SraidNodeMemory *m, uint8_t id,
                                uint8_t state, uint8_t info,
                                uint8_t channels);
void sraid_node_memory_remove_node(SraidNodeMemory *m, uint8_t id);

/*
 * The reservation table (seed 003 fig. 12).  Reserving succeeds when no
 * node holds the logical drive's LUN or @e's node already does (a repeated
 * reservation, as SPC-2 RESERVE by the holder); otherwise it is a
 * conflict.  Releasing removes the entry only when @e's node holds it.
 */
bool sraid_node_resv_reserve(SraidNodeMemory *m, const SraidResvEntry *e);
bool sraid_node_resv_release(SraidNodeMemory *m, const SraidResvEntry *e);
uint8_t sraid_node_resv_holder(const SraidNodeMemory *m, uint8_t ld,
                               uint8_t lun);
/* Drop every reservation @node holds (it left the cluster); the count. */
unsigned sraid_node_resv_drop_node(SraidNodeMemory *m, uint8_t node);

#endif /* SRAID_NODE_MEMORY_H */
