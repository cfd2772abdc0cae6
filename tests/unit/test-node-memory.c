/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the controller memory map that Node_Read and Node_Write
 * address: regions, bounds, access rules, the node list and the
 * reservation table (seed 003 fig. 12, Tables 1 and 21).
 */
#include <glib.h>
#include <string.h>

#include "node-memory.h"
#include "scsi-proto.h"

static SraidNodeMemory mem;

/* The documented map: bases, sizes, access, in address order. */
static void test_layout(void)
{
    static const struct {
        const char *name;
        uint32_t base, size;
        bool writable;
    } want[] = {
        { "map", 0x0, 96, false },
        { "mailbox", 0x1000, 0x2000, true },
        { "node-list", 0x4000, 136, false },
        { "reservation-table", 0x5000, 520, false },
        { "diagnostics", 0x10000, 0x10000, true },
    };
    uint8_t map[SRAID_NODE_MEM_MAP_SIZE];

    g_assert_cmpuint(SRAID_NODE_REGION_COUNT, ==, G_N_ELEMENTS(want));
    sraid_node_memory_init(&mem, 7);
    g_assert_cmpint(sraid_node_memory_read(&mem, 0, map, sizeof(map)), ==,
                    SRAID_NODE_MEM_OK);
    g_assert_cmpmem(map, 8, "SRAIDMEM", 8);
    g_assert_cmpuint(sraid_get_be16(map + 8), ==, 1);
    g_assert_cmpuint(sraid_get_be16(map + 10), ==, G_N_ELEMENTS(want));
    for (unsigned r = 0; r < G_N_ELEMENTS(want); r++) {
        const uint8_t *d = map + 16 + 16 * r;

        g_assert_cmpstr(sraid_node_region_name(r), ==, want[r].name);
        g_assert_cmphex(sraid_node_region_base(r), ==, want[r].base);
        g_assert_cmphex(sraid_node_region_size(r), ==, want[r].size);
        g_assert_cmpint(sraid_node_region_peer_writable(r), ==,
                        want[r].writable);
        /* the MAP region describes the same */
        g_assert_cmpuint(d[0], ==, r);
        g_assert_cmphex(d[1], ==, want[r].writable ? 3 : 1);
        g_assert_cmphex(sraid_get_be32(d + 4), ==, want[r].base);
        g_assert_cmphex(sraid_get_be32(d + 8), ==, want[r].size);
        if (r) {
            g_assert_cmphex(want[r - 1].base + want[r - 1].size, <=,
                            want[r].base);
        }
    }
    g_assert_null(sraid_node_region_name(SRAID_NODE_REGION_COUNT));
}

/*
 * Every region's edges: inside, crossing the end, one past the end, a
 * zero-length access at the end, the top of the address space.
 */
static void test_bounds(void)
{
    SraidNodeRegion region;
    uint32_t off;

    for (unsigned r = 0; r < SRAID_NODE_REGION_COUNT; r++) {
        uint32_t base = sraid_node_region_base(r);
        uint32_t size = sraid_node_region_size(r);

        g_assert_cmpint(sraid_node_memory_locate(base, size, false, &region,
                                                 &off), ==,
                        SRAID_NODE_MEM_OK);
        g_assert_cmpint(region, ==, r);
        g_assert_cmpuint(off, ==, 0);
        g_assert_cmpint(sraid_node_memory_locate(base + size - 1, 1, false,
                                                 &region, &off), ==,
                        SRAID_NODE_MEM_OK);
        g_assert_cmpuint(off, ==, size - 1);
        g_assert_cmpint(sraid_node_memory_locate(base + size - 1, 2, false,
                                                 &region, &off), ==,
                        SRAID_NODE_MEM_CROSSES_END);
        g_assert_cmpint(sraid_node_memory_locate(base, size + 1, false,
                                                 &region, &off), ==,
                        SRAID_NODE_MEM_CROSSES_END);
        /* the maximum count from the CDB, 65535 bytes */
        g_assert_cmpint(sraid_node_memory_locate(base + 1, 0xffff, false,
                                                 &region, &off), ==,
                        size > 0xffff ? SRAID_NODE_MEM_OK
                                      : SRAID_NODE_MEM_CROSSES_END);
        /* all regions are followed by a hole */
        g_assert_cmpint(sraid_node_memory_locate(base + size, 0, false,
                                                 &region, &off), ==,
                        SRAID_NODE_MEM_UNMAPPED);
        g_assert_cmpint(sraid_node_memory_locate(base + size, 1, false,
                                                 &region, &off), ==,
                        SRAID_NODE_MEM_UNMAPPED);
    }
    g_assert_cmpint(sraid_node_memory_locate(0xffffffff, 1, false, &region,
                                             &off), ==,
                    SRAID_NODE_MEM_UNMAPPED);
    g_assert_cmpint(sraid_node_memory_locate(0xfffff000, 0x2000, false,
                                             &region, &off), ==,
                    SRAID_NODE_MEM_UNMAPPED);
}

/* Peers write the mailbox and the scratch only. */
static void test_permissions(void)
{
    uint8_t pattern[256], back[256];

    sraid_node_memory_init(&mem, 7);
    for (unsigned i = 0; i < sizeof(pattern); i++) {
        pattern[i] = i * 37 + 1;
    }
    for (unsigned r = 0; r < SRAID_NODE_REGION_COUNT; r++) {
        uint32_t base = sraid_node_region_base(r);
        uint8_t before[256];
        SraidNodeMemStatus st;

        g_assert_cmpint(sraid_node_memory_read(&mem, base, before, 64), ==,
                        SRAID_NODE_MEM_OK);
        st = sraid_node_memory_write(&mem, base + 8, pattern, 64);
        g_assert_cmpint(sraid_node_memory_read(&mem, base + 8, back, 64), ==,
                        SRAID_NODE_MEM_OK);
        if (sraid_node_region_peer_writable(r)) {
            g_assert_cmpint(st, ==, SRAID_NODE_MEM_OK);
            g_assert_cmpmem(back, 64, pattern, 64);
        } else {
            g_assert_cmpint(st, ==, SRAID_NODE_MEM_READ_ONLY);
            g_assert_cmpmem(back, 56, before + 8, 56);
        }
        /* a zero-length write still needs the permission */
        st = sraid_node_memory_write(&mem, base, pattern, 0);
        g_assert_cmpint(st, ==, sraid_node_region_peer_writable(r) ?
                        SRAID_NODE_MEM_OK : SRAID_NODE_MEM_READ_ONLY);
    }
    /* the crossing check comes before the permission check */
    g_assert_cmpint(sraid_node_memory_write(&mem, SRAID_NODE_MEM_DIAG_BASE +
                                            SRAID_NODE_MEM_DIAG_SIZE - 4,
                                            pattern, 8), ==,
                    SRAID_NODE_MEM_CROSSES_END);
}

/* The master's memory test (step 860): a full-size pattern, read back. */
static void test_memory_test(void)
{
    g_autofree uint8_t *pattern = g_malloc(SRAID_NODE_MEM_DIAG_SIZE);
    g_autofree uint8_t *back = g_malloc(SRAID_NODE_MEM_DIAG_SIZE);

    sraid_node_memory_init(&mem, 7);
    for (unsigned i = 0; i < SRAID_NODE_MEM_DIAG_SIZE; i++) {
        pattern[i] = (i >> 8) ^ (i * 0x9d);
    }
    /* in 65535-byte commands, the longest a CDB can ask for */
    g_assert_cmpint(sraid_node_memory_write(&mem, SRAID_NODE_MEM_DIAG_BASE,
                                            pattern, 0xffff), ==,
                    SRAID_NODE_MEM_OK);
    g_assert_cmpint(sraid_node_memory_write(&mem, SRAID_NODE_MEM_DIAG_BASE +
                                            0xffff, pattern + 0xffff, 1), ==,
                    SRAID_NODE_MEM_OK);
    g_assert_cmpint(sraid_node_memory_read(&mem, SRAID_NODE_MEM_DIAG_BASE,
                                           back, SRAID_NODE_MEM_DIAG_SIZE),
                    ==, SRAID_NODE_MEM_OK);
    g_assert_cmpmem(back, SRAID_NODE_MEM_DIAG_SIZE, pattern,
                    SRAID_NODE_MEM_DIAG_SIZE);
}

static void test_node_list(void)
{
    uint8_t buf[SRAID_NODE_MEM_NODE_LIST_SIZE];
    uint32_t gen;

    sraid_node_memory_init(&mem, 7);
    sraid_node_memory_read(&mem, SRAID_NODE_MEM_NODE_LIST_BASE, buf,
                           sizeof(buf));
    g_assert_cmpuint(buf[0], ==, 1);
    g_assert_cmpuint(buf[1], ==, 0);
    gen = sraid_get_be32(buf + 4);

    sraid_node_memory_set_node(&mem, 7, SRAID_NODE_MASTER,
                               SRAID_NODE_INFO_COMPLETED_STARTUP, 0x3);
    sraid_node_memory_set_node(&mem, 6, SRAID_NODE_NEXUS_SLAVE,
                               SRAID_NODE_INFO_NONE, 0x1);
    sraid_node_memory_set_node(&mem, 12, SRAID_NODE_NEW_SLAVE,
                               SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS, 0x2);
    sraid_node_memory_remove_node(&mem, 12);
    sraid_node_memory_remove_node(&mem, 13);        /* absent: no change */
    sraid_node_memory_read(&mem, SRAID_NODE_MEM_NODE_LIST_BASE, buf,
                           sizeof(buf));
    g_assert_cmpuint(buf[1], ==, 2);
    g_assert_cmpuint(sraid_get_be32(buf + 4), ==, gen + 4);
    /* ascending ids; the controller's own entry flagged SELF */
    g_assert_cmpmem(buf + 8, 8, "\x06\x06\x00\x01\x01\0\0\0", 8);
    g_assert_cmpmem(buf + 16, 8, "\x07\x01\x08\x03\x03\0\0\0", 8);
    for (unsigned i = 24; i < sizeof(buf); i++) {
        g_assert_cmpuint(buf[i], ==, 0);
    }
}

static void test_reservations(void)
{
    SraidResvEntry a = { 4, 0, 7 }, b = { 4, 0, 6 }, c = { 0, 1, 6 };
    SraidResvEntry d = { 4, 3, 6 };
    uint8_t buf[SRAID_NODE_MEM_RESV_SIZE];

    sraid_node_memory_init(&mem, 7);
    g_assert_cmpuint(sraid_node_resv_holder(&mem, 4, 0), ==, SRAID_NODE_NONE);
    g_assert_true(sraid_node_resv_reserve(&mem, &a));       /* step 1210 */
    g_assert_true(sraid_node_resv_reserve(&mem, &a));       /* the holder */
    g_assert_false(sraid_node_resv_reserve(&mem, &b));      /* step 1220 */
    g_assert_cmpuint(sraid_node_resv_holder(&mem, 4, 0), ==, 7);
    g_assert_true(sraid_node_resv_reserve(&mem, &c));
    g_assert_true(sraid_node_resv_reserve(&mem, &d));       /* Table 21 */
    g_assert_cmpuint(sraid_node_resv_holder(&mem, 16, 0), ==,
                     SRAID_NODE_NONE);

    /* Table 1 as the region shows it: sorted by drive then LUN */
    sraid_node_memory_read(&mem, SRAID_NODE_MEM_RESV_BASE, buf, sizeof(buf));
    g_assert_cmpuint(buf[0], ==, 1);
    g_assert_cmpuint(sraid_get_be16(buf + 2), ==, 3);
    g_assert_cmpuint(sraid_get_be32(buf + 4), ==, 3);  /* three changes */
    g_assert_cmpmem(buf + 8, 12, "\x00\x01\x06\x00" "\x04\x00\x07\x00"
                    "\x04\x03\x06\x00", 12);
    g_assert_cmpuint(buf[20], ==, 0);

    /* only the holder releases */
    g_assert_false(sraid_node_resv_release(&mem, &b));
    g_assert_cmpuint(sraid_node_resv_holder(&mem, 4, 0), ==, 7);
    g_assert_true(sraid_node_resv_release(&mem, &a));
    g_assert_false(sraid_node_resv_release(&mem, &a));
    g_assert_true(sraid_node_resv_reserve(&mem, &b));

    /* a node leaving takes its reservations with it */
    g_assert_cmpuint(sraid_node_resv_drop_node(&mem, 6), ==, 3);
    g_assert_cmpuint(sraid_node_resv_drop_node(&mem, 6), ==, 0);
    sraid_node_memory_read(&mem, SRAID_NODE_MEM_RESV_BASE, buf, sizeof(buf));
    g_assert_cmpuint(sraid_get_be16(buf + 2), ==, 0);

    /* every (drive, LUN) pair fits the region */
    for (unsigned ld = 0; ld < SRAID_RESV_MAX_LDS; ld++) {
        for (unsigned lun = 0; lun < SRAID_RESV_MAX_LUNS; lun++) {
            SraidResvEntry e = { ld, lun, (ld + lun) % SRAID_NODE_MAX };

            g_assert_true(sraid_node_resv_reserve(&mem, &e));
        }
    }
    sraid_node_memory_read(&mem, SRAID_NODE_MEM_RESV_BASE, buf, sizeof(buf));
    g_assert_cmpuint(sraid_get_be16(buf + 2), ==, 128);
    g_assert_cmpmem(buf + sizeof(buf) - 4, 4, "\x0f\x07\x06\x00", 4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/node-memory/layout", test_layout);
    g_test_add_func("/node-memory/bounds", test_bounds);
    g_test_add_func("/node-memory/permissions", test_permissions);
    g_test_add_func("/node-memory/memory-test", test_memory_test);
    g_test_add_func("/node-memory/node-list", test_node_list);
    g_test_add_func("/node-memory/reservations", test_reservations);
    return g_test_run();
}
