/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the controller memory map of Node_Read/Node_Write.
 */
#include <glib.h>
#include <string.h>

#include "mailbox.h"
#include "node-memory.h"
#include "scsi-proto.h"

/* A staged mailbox must fit its region, the longest one included. */
G_STATIC_ASSERT(SRAID_MAILBOX_MAX_LEN <= SRAID_NODE_MEM_MAILBOX_SIZE);
/* The biggest region a read builds on the fly */
G_STATIC_ASSERT(SRAID_NODE_MEM_RESV_SIZE >= SRAID_NODE_MEM_NODE_LIST_SIZE &&
                SRAID_NODE_MEM_RESV_SIZE >= SRAID_NODE_MEM_MAP_SIZE);

typedef struct RegionDesc {
    const char *name;
    uint32_t base;
    uint32_t size;
    uint8_t access;
} RegionDesc;

#define RW (SRAID_NODE_MEM_PEER_READ | SRAID_NODE_MEM_PEER_WRITE)
#define RO SRAID_NODE_MEM_PEER_READ

/* In address order, no overlap (unit/test-node-memory checks both) */
static const RegionDesc regions[SRAID_NODE_REGION_COUNT] = {
    [SRAID_NODE_REGION_MAP] = {
        "map", SRAID_NODE_MEM_MAP_BASE, SRAID_NODE_MEM_MAP_SIZE, RO },
    [SRAID_NODE_REGION_MAILBOX] = {
        "mailbox", SRAID_NODE_MEM_MAILBOX_BASE, SRAID_NODE_MEM_MAILBOX_SIZE,
        RW },
    [SRAID_NODE_REGION_NODE_LIST] = {
        "node-list", SRAID_NODE_MEM_NODE_LIST_BASE,
        SRAID_NODE_MEM_NODE_LIST_SIZE, RO },
    [SRAID_NODE_REGION_RESV_TABLE] = {
        "reservation-table", SRAID_NODE_MEM_RESV_BASE,
        SRAID_NODE_MEM_RESV_SIZE, RO },
    [SRAID_NODE_REGION_DIAG] = {
        "diagnostics", SRAID_NODE_MEM_DIAG_BASE, SRAID_NODE_MEM_DIAG_SIZE,
        RW },
};

void sraid_node_memory_init(SraidNodeMemory *m, uint8_t self)
{
    memset(m, 0, sizeof(*m));
    m->self = self;
    memset(m->resv, SRAID_NODE_NONE, sizeof(m->resv));
}

const char *sraid_node_region_name(SraidNodeRegion r)
{
    return r < SRAID_NODE_REGION_COUNT ? regions[r].name : NULL;
}

uint32_t sraid_node_region_base(SraidNodeRegion r)
{
    return r < SRAID_NODE_REGION_COUNT ? regions[r].base : 0;
}

uint32_t sraid_node_region_size(SraidNodeRegion r)
{
    return r < SRAID_NODE_REGION_COUNT ? regions[r].size : 0;
}

bool sraid_node_region_peer_writable(SraidNodeRegion r)
{
    return r < SRAID_NODE_REGION_COUNT &&
           (regions[r].access & SRAID_NODE_MEM_PEER_WRITE);
}

SraidNodeMemStatus sraid_node_memory_locate(uint32_t addr, size_t len,
                                            bool write,
                                            SraidNodeRegion *region,
                                            uint32_t *offset)
{
    for (unsigned r = 0; r < SRAID_NODE_REGION_COUNT; r++) {
        const RegionDesc *d = &regions[r];
        uint32_t off;

        if (addr < d->base || addr - d->base >= d->size) {
            continue;
        }
        off = addr - d->base;
        *region = r;
        *offset = off;
        if (len > d->size - off) {
            return SRAID_NODE_MEM_CROSSES_END;
        }
        if (write && !(d->access & SRAID_NODE_MEM_PEER_WRITE)) {
            return SRAID_NODE_MEM_READ_ONLY;
        }
        return SRAID_NODE_MEM_OK;
    }
    return SRAID_NODE_MEM_UNMAPPED;
}

static size_t build_map(uint8_t *p)
{
    memset(p, 0, SRAID_NODE_MEM_MAP_SIZE);
    memcpy(p, SRAID_NODE_MEM_MAGIC, 8);
    sraid_put_be16(p + 8, SRAID_NODE_MEM_VERSION);
    sraid_put_be16(p + 10, SRAID_NODE_REGION_COUNT);
    for (unsigned r = 0; r < SRAID_NODE_REGION_COUNT; r++) {
        uint8_t *d = p + 16 + 16 * r;

        d[0] = r;
        d[1] = regions[r].access;
        sraid_put_be32(d + 4, regions[r].base);
        sraid_put_be32(d + 8, regions[r].size);
    }
    return SRAID_NODE_MEM_MAP_SIZE;
}

static size_t build_node_list(const SraidNodeMemory *m, uint8_t *p)
{
    unsigned n = 0;

    memset(p, 0, SRAID_NODE_MEM_NODE_LIST_SIZE);
    for (unsigned id = 0; id < SRAID_NODE_MAX; id++) {
        const SraidNodeEntry *e = &m->nodes[id];
        uint8_t *q = p + 8 + 8 * n;

        if (!e->present) {
            continue;
        }
        q[0] = id;
        q[1] = e->state;
        q[2] = e->info;
        q[3] = SRAID_NODE_ENTRY_PRESENT |
               (id == m->self ? SRAID_NODE_ENTRY_SELF : 0);
        q[4] = e->channels;
        n++;
    }
    p[0] = SRAID_NODE_MEM_VERSION;
    p[1] = n;
    sraid_put_be32(p + 4, m->nodes_generation);
    return SRAID_NODE_MEM_NODE_LIST_SIZE;
}

static size_t build_resv_table(const SraidNodeMemory *m, uint8_t *p)
{
    unsigned n = 0;

    memset(p, 0, SRAID_NODE_MEM_RESV_SIZE);
    for (unsigned ld = 0; ld < SRAID_RESV_MAX_LDS; ld++) {
        for (unsigned lun = 0; lun < SRAID_RESV_MAX_LUNS; lun++) {
            SraidResvEntry e = { ld, lun, m->resv[ld][lun] };

            if (e.node == SRAID_NODE_NONE) {
                continue;
            }
            sraid_resv_entry_encode(&e, p + 8 + SRAID_RESV_ENTRY_LEN * n);
            n++;
        }
    }
    p[0] = SRAID_NODE_MEM_VERSION;
    sraid_put_be16(p + 2, n);
    sraid_put_be32(p + 4, m->resv_generation);
    return SRAID_NODE_MEM_RESV_SIZE;
}

SraidNodeMemStatus sraid_node_memory_read(const SraidNodeMemory *m,
                                          uint32_t addr, uint8_t *buf,
                                          size_t len)
{
    uint8_t tmp[SRAID_NODE_MEM_RESV_SIZE];
    SraidNodeRegion r;
    uint32_t off;
    SraidNodeMemStatus st;
    const uint8_t *src;

    st = sraid_node_memory_locate(addr, len, false, &r, &off);
    if (st != SRAID_NODE_MEM_OK) {
        return st;
    }
    switch (r) {
    case SRAID_NODE_REGION_MAP:
        build_map(tmp);
        src = tmp;
        break;
    case SRAID_NODE_REGION_MAILBOX:
        src = m->mailbox;
        break;
    case SRAID_NODE_REGION_NODE_LIST:
        build_node_list(m, tmp);
        src = tmp;
        break;
    case SRAID_NODE_REGION_RESV_TABLE:
        build_resv_table(m, tmp);
        src = tmp;
        break;
    case SRAID_NODE_REGION_DIAG:
        src = m->diag;
        break;
    default:
        g_assert_not_reached();
    }
    if (len) {
        memcpy(buf, src + off, len);
    }
    return SRAID_NODE_MEM_OK;
}

SraidNodeMemStatus sraid_node_memory_write(SraidNodeMemory *m, uint32_t addr,
                                           const uint8_t *buf, size_t len)
{
    SraidNodeRegion r;
    uint32_t off;
    SraidNodeMemStatus st;

    st = sraid_node_memory_locate(addr, len, true, &r, &off);
    if (st != SRAID_NODE_MEM_OK || !len) {
        return st;
    }
    switch (r) {
    case SRAID_NODE_REGION_MAILBOX:
        memcpy(m->mailbox + off, buf, len);
        break;
    case SRAID_NODE_REGION_DIAG:
        memcpy(m->diag + off, buf, len);
        break;
    default:
        g_assert_not_reached();     /* locate() refused read-only regions */
    }
    return SRAID_NODE_MEM_OK;
}

void sraid_node_memory_set_node(SraidNodeMemory *m, uint8_t id,
                                uint8_t state, uint8_t info,
                                uint8_t channels)
{
    g_assert(id < SRAID_NODE_MAX);
    m->nodes[id].present = true;
    m->nodes[id].state = state;
    m->nodes[id].info = info;
    m->nodes[id].channels = channels;
    m->nodes_generation++;
}

void sraid_node_memory_remove_node(SraidNodeMemory *m, uint8_t id)
{
    g_assert(id < SRAID_NODE_MAX);
    if (m->nodes[id].present) {
        memset(&m->nodes[id], 0, sizeof(m->nodes[id]));
        m->nodes_generation++;
    }
}

static bool resv_entry_valid(const SraidResvEntry *e)
{
    return e->ld < SRAID_RESV_MAX_LDS && e->lun < SRAID_RESV_MAX_LUNS &&
           e->node < SRAID_NODE_MAX;
}

bool sraid_node_resv_reserve(SraidNodeMemory *m, const SraidResvEntry *e)
{
    uint8_t *holder;

    g_assert(resv_entry_valid(e));
    holder = &m->resv[e->ld][e->lun];
    if (*holder == e->node) {
        return true;
    }
    if (*holder != SRAID_NODE_NONE) {
        return false;               /* fig. 12 step 1220 */
    }
    *holder = e->node;              /* step 1210 */
    m->resv_generation++;
    return true;
}

bool sraid_node_resv_release(SraidNodeMemory *m, const SraidResvEntry *e)
{
    uint8_t *holder;

    g_assert(resv_entry_valid(e));
    holder = &m->resv[e->ld][e->lun];
    if (*holder != e->node) {
        return false;
    }
    *holder = SRAID_NODE_NONE;
    m->resv_generation++;
    return true;
}

uint8_t sraid_node_resv_holder(const SraidNodeMemory *m, uint8_t ld,
                               uint8_t lun)
{
    if (ld >= SRAID_RESV_MAX_LDS || lun >= SRAID_RESV_MAX_LUNS) {
        return SRAID_NODE_NONE;
    }
    return m->resv[ld][lun];
}

unsigned sraid_node_resv_drop_node(SraidNodeMemory *m, uint8_t node)
{
    unsigned n = 0;

    for (unsigned ld = 0; ld < SRAID_RESV_MAX_LDS; ld++) {
        for (unsigned lun = 0; lun < SRAID_RESV_MAX_LUNS; lun++) {
            if (m->resv[ld][lun] == node) {
                m->resv[ld][lun] = SRAID_NODE_NONE;
                n++;
            }
        }
    }
    if (n) {
        m->resv_generation++;
    }
    return n;
}
