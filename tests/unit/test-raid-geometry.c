/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the RAID layout.
 */
#include <glib.h>
#include <string.h>

#include "core-error.h"
#include "raid-geometry.h"

static void geometry(SraidGeometry *g, SraidRaidLevel level, unsigned members,
                     uint32_t strip, uint64_t member_sectors)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(sraid_geometry_init(g, level, members, strip,
                                      member_sectors, &err));
    g_assert_no_error(err);
}

/* md's left-symmetric RAID 5 on 4 members: P on 3, 2, 1, 0, 3, ... */
static void test_raid5_rotation(void)
{
    static const int want_p[] = { 3, 2, 1, 0, 3 };
    static const unsigned want_d0[] = { 0, 3, 2, 1, 0 };
    SraidGeometry g;

    geometry(&g, SRAID_RAID5, 4, 8, 8 * 5);
    for (unsigned s = 0; s < 5; s++) {
        g_assert_cmpint(sraid_geometry_p_member(&g, s), ==, want_p[s]);
        g_assert_cmpint(sraid_geometry_q_member(&g, s), ==, -1);
        g_assert_cmpuint(sraid_geometry_data_member(&g, s, 0), ==,
                         want_d0[s]);
    }
    g_assert_cmpuint(sraid_geometry_capacity(&g), ==, 5 * 3 * 8);
}

/* md's left-symmetric RAID 6 on 5 members: Q follows P, data follows Q. */
static void test_raid6_rotation(void)
{
    static const int want_p[] = { 4, 3, 2, 1, 0 };
    static const int want_q[] = { 0, 4, 3, 2, 1 };
    static const unsigned want_d0[] = { 1, 0, 4, 3, 2 };
    SraidGeometry g;

    geometry(&g, SRAID_RAID6, 5, 16, 16 * 5);
    for (unsigned s = 0; s < 5; s++) {
        g_assert_cmpint(sraid_geometry_p_member(&g, s), ==, want_p[s]);
        g_assert_cmpint(sraid_geometry_q_member(&g, s), ==, want_q[s]);
        g_assert_cmpuint(sraid_geometry_data_member(&g, s, 0), ==,
                         want_d0[s]);
    }
    g_assert_cmpuint(sraid_geometry_capacity(&g), ==, 5 * 3 * 16);
}

/*
 * For every level and member count: every logical sector maps to exactly
 * one data slot, never onto the stripe's parity, inside the member, and
 * extents end at strip boundaries.
 */
static void test_bijective(void)
{
    static const SraidRaidLevel levels[] = {
        SRAID_RAID0, SRAID_RAID1, SRAID_RAID5, SRAID_RAID6, SRAID_RAID10,
    };
    const uint32_t strip = 8;
    const uint64_t member_sectors = strip * 7 + 3;  /* a partial strip too */

    for (unsigned l = 0; l < G_N_ELEMENTS(levels); l++) {
        for (unsigned n = 1; n <= 9; n++) {
            SraidGeometry g;
            g_autofree uint8_t *used = NULL;
            uint64_t cap;

            if (!sraid_geometry_init(&g, levels[l], n, strip, member_sectors,
                                     NULL)) {
                continue;
            }
            cap = sraid_geometry_capacity(&g);
            g_assert_cmpuint(cap, ==, 7 * strip * g.data_strips);
            used = g_malloc0(n * member_sectors);
            for (uint64_t lba = 0; lba < cap; lba++) {
                SraidExtent e;

                sraid_geometry_map(&g, lba, UINT64_MAX, &e);
                g_assert_cmpuint(e.member_lba, <, 7 * strip);
                g_assert_cmpuint(e.sectors, ==,
                                 strip - lba % strip);
                g_assert_cmpuint(e.ncopies, >=, 1);
                for (unsigned c = 0; c < e.ncopies; c++) {
                    unsigned m = e.copies[c];

                    g_assert_cmpuint(m, <, n);
                    g_assert_cmpint(m, !=,
                                    sraid_geometry_p_member(&g, e.stripe));
                    g_assert_cmpint(m, !=,
                                    sraid_geometry_q_member(&g, e.stripe));
                    g_assert_cmpuint(used[m * member_sectors + e.member_lba],
                                     ==, 0);
                    used[m * member_sectors + e.member_lba] = 1;
                }
            }
            /* max_sectors limits the extent */
            {
                SraidExtent e;

                sraid_geometry_map(&g, 1, 3, &e);
                g_assert_cmpuint(e.sectors, ==, 3);
            }
        }
    }
}

static void test_raid10_pairs(void)
{
    SraidGeometry g;
    SraidExtent e;

    geometry(&g, SRAID_RAID10, 6, 8, 64);
    g_assert_cmpuint(g.data_strips, ==, 3);
    sraid_geometry_map(&g, 8 * 4 + 2, UINT64_MAX, &e);  /* strip 4 */
    g_assert_cmpuint(e.stripe, ==, 1);
    g_assert_cmpuint(e.ncopies, ==, 2);
    g_assert_cmpuint(e.copies[0], ==, 2);
    g_assert_cmpuint(e.copies[1], ==, 3);
    g_assert_cmpuint(e.member_lba, ==, 8 + 2);
}

static void expect_invalid(SraidRaidLevel level, unsigned members,
                           uint32_t strip, uint64_t sectors, const char *msg)
{
    SraidGeometry g;
    g_autoptr(GError) err = NULL;

    g_assert_false(sraid_geometry_init(&g, level, members, strip, sectors,
                                       &err));
    g_assert_error(err, SRAID_ERROR, SRAID_ERROR_INVALID);
    if (!strstr(err->message, msg)) {
        g_test_message("got: %s", err->message);
    }
    g_assert_nonnull(strstr(err->message, msg));
}

static void test_invalid(void)
{
    expect_invalid(SRAID_RAID5, 2, 128, 1 << 20, "RAID 5 needs 3 to 32");
    expect_invalid(SRAID_RAID6, 3, 128, 1 << 20, "RAID 6 needs 4 to 32");
    expect_invalid(SRAID_RAID1, 1, 128, 1 << 20, "RAID 1 needs 2 to 32");
    expect_invalid(SRAID_RAID0, 33, 128, 1 << 20, "RAID 0 needs 1 to 32");
    expect_invalid(SRAID_RAID10, 5, 128, 1 << 20, "even number");
    expect_invalid(SRAID_RAID5, 4, 100, 1 << 20, "power of two");
    expect_invalid(SRAID_RAID5, 4, 4, 1 << 20, "power of two");
    expect_invalid(SRAID_RAID5, 4, 4096, 1 << 20, "power of two");
    expect_invalid(SRAID_RAID5, 4, 128, 100, "smaller than one strip");
    expect_invalid(7, 4, 128, 1 << 20, "RAID level 7 is not supported");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/raid-geometry/raid5-rotation", test_raid5_rotation);
    g_test_add_func("/raid-geometry/raid6-rotation", test_raid6_rotation);
    g_test_add_func("/raid-geometry/bijective", test_bijective);
    g_test_add_func("/raid-geometry/raid10-pairs", test_raid10_pairs);
    g_test_add_func("/raid-geometry/invalid", test_invalid);
    return g_test_run();
}
