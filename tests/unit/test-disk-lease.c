/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests: the disk lease slot codec and the membership settings.
 */
#include <glib.h>
#include <string.h>

#include "disk-lease.h"
#include "membership.h"

static void test_round_trip(void)
{
    SraidLeaseSlot s = {
        .node = 7, .state = SRAID_NODE_MASTER, .flags = SRAID_LEASE_MASTER,
        .master = 7, .epoch = 0x0102030405060708ull, .counter = 42,
        .config_generation = 9, .boot_id = 0xdeadbeefcafeull,
    };
    uint8_t area[SRAID_LEASE_AREA_LEN] = { 0 };
    SraidLeaseSlot d;

    sraid_lease_slot_encode(&s, area + 7 * SRAID_LEASE_SLOT_LEN);
    sraid_lease_slot_decode(area + 7 * SRAID_LEASE_SLOT_LEN, 7, &d);
    g_assert_true(d.valid);
    g_assert_cmpuint(d.node, ==, 7);
    g_assert_cmpuint(d.state, ==, SRAID_NODE_MASTER);
    g_assert_cmpuint(d.flags, ==, SRAID_LEASE_MASTER);
    g_assert_cmpuint(d.master, ==, 7);
    g_assert_cmphex(d.epoch, ==, s.epoch);
    g_assert_cmpuint(d.counter, ==, 42);
    g_assert_cmpuint(d.config_generation, ==, 9);
    g_assert_cmphex(d.boot_id, ==, s.boot_id);
    /* little-endian on disk (docs/on-disk-format.md) */
    g_assert_cmphex(area[7 * SRAID_LEASE_SLOT_LEN + 16], ==, 0x08);
    /* a fresh disk: every other slot is empty */
    for (uint8_t n = 0; n < SRAID_NODE_MAX; n++) {
        if (n != 7) {
            sraid_lease_slot_decode(area + n * SRAID_LEASE_SLOT_LEN, n, &d);
            g_assert_false(d.valid);
        }
    }
}

static void test_refused(void)
{
    SraidLeaseSlot s = { .node = 3, .counter = 1 };
    uint8_t buf[SRAID_LEASE_SLOT_LEN];
    SraidLeaseSlot d;

    sraid_lease_slot_encode(&s, buf);
    /* in the slot of another node: a misplaced or foreign record */
    sraid_lease_slot_decode(buf, 4, &d);
    g_assert_false(d.valid);
    /* any flipped bit fails the CRC */
    for (unsigned i = 0; i < SRAID_LEASE_SLOT_LEN; i += 37) {
        buf[i] ^= 0x10;
        sraid_lease_slot_decode(buf, 3, &d);
        g_assert_false(d.valid);
        buf[i] ^= 0x10;
    }
    sraid_lease_slot_decode(buf, 3, &d);
    g_assert_true(d.valid);
}

static void test_config_check(void)
{
    SraidMemberConfig c;

    sraid_member_config_default(&c, 7, 2);
    g_assert_null(sraid_member_config_check(&c));
    g_assert_cmpuint(c.heartbeat_misses, ==, 4);
    c.node_id = 16;
    g_assert_nonnull(strstr(sraid_member_config_check(&c), "node-id"));
    sraid_member_config_default(&c, 7, 2);
    c.heartbeat_ms = 5;
    g_assert_nonnull(strstr(sraid_member_config_check(&c),
                            "heartbeat-interval"));
    sraid_member_config_default(&c, 7, 2);
    c.monitor_ms = 500;
    g_assert_nonnull(strstr(sraid_member_config_check(&c), "monitor-period"));
    sraid_member_config_default(&c, 7, 2);
    c.negotiation_timeout_ms = 10000;
    g_assert_nonnull(strstr(sraid_member_config_check(&c),
                            "negotiation-timeout"));
    /* the 250 ms x 4 setting of the benchmark is accepted */
    sraid_member_config_default(&c, 7, 2);
    c.heartbeat_ms = 250;
    c.monitor_ms = 1000;
    c.negotiation_timeout_ms = 4000;
    g_assert_null(sraid_member_config_check(&c));
    g_assert_cmpstr(sraid_node_state_name(SRAID_NODE_NEXUS_SLAVE), ==,
                    "nexus-slave");
    g_assert_cmpstr(sraid_node_info_name(SRAID_NODE_INFO_COMPLETED_STARTUP),
                    ==, "completed-startup");
    g_assert_cmpstr(sraid_suspend_reason_name(SRAID_SUSPEND_PARTITIONED), ==,
                    "partitioned");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/disk-lease/round-trip", test_round_trip);
    g_test_add_func("/disk-lease/refused", test_refused);
    g_test_add_func("/membership/config-check", test_config_check);
    return g_test_run();
}
