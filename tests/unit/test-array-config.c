/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of configuration changes: new arrays, members, logical drives
 * added and removed (placement, identifiers, refusals).
 */
#include <glib.h>
#include <string.h>

#include "array-config.h"

#define MEMBER_SECTORS  (1024 * 1024)   /* 512 MiB */

static void new_array(SraidCod *cod, unsigned members)
{
    sraid_cod_init_array(cod, "test");
    for (unsigned i = 0; i < members; i++) {
        g_assert_cmpint(sraid_cod_add_member(cod, MEMBER_SECTORS, i % 2, i / 2,
                                             SRAID_MEMBER_ONLINE, NULL),
                        ==, i);
    }
}

static SraidLdRequest request(SraidRaidLevel level, uint32_t strip,
                              uint64_t sectors, unsigned first, unsigned n)
{
    SraidLdRequest req = {
        .level = level, .strip_sectors = strip, .sectors = sectors,
        .nmembers = n,
    };

    for (unsigned i = 0; i < n; i++) {
        req.members[i] = first + i;
    }
    return req;
}

static void test_whole_members(void)
{
    SraidLdRequest req = request(SRAID_RAID5, 128, 0, 0, 4);
    g_autofree char *serial = NULL;
    SraidCod cod;
    SraidCodLd *ld;

    new_array(&cod, 4);
    g_assert_cmpint(sraid_cod_add_ld(&cod, &req, NULL), ==, 0);
    ld = &cod.lds[0];
    g_assert_cmpuint(ld->id, ==, 0);
    g_assert_cmpuint(ld->start, ==, 0);
    g_assert_cmpuint(ld->member_sectors, ==, MEMBER_SECTORS);
    g_assert_cmpstr(ld->name, ==, "ld0");
    /* NAA 3h from the array GUID, the id in the low byte */
    g_assert_cmphex(ld->naa >> 60, ==, 3);
    g_assert_cmphex((ld->naa >> 48) & 0xff, ==, cod.array_guid[0]);
    g_assert_cmphex(ld->naa & 0xff, ==, 0);
    serial = g_strdup_printf("%02X%02X%02X%02X-LD0", cod.array_guid[0],
                             cod.array_guid[1], cod.array_guid[2],
                             cod.array_guid[3]);
    g_assert_cmpstr(ld->serial, ==, serial);
    g_assert_true(sraid_cod_validate(&cod, NULL));
}

/* Sized drives follow each other, strip aligned; "all" takes the rest. */
static void test_partitions(void)
{
    SraidLdRequest a = request(SRAID_RAID5, 128, 1000, 0, 3);
    SraidLdRequest b = request(SRAID_RAID1, 2048, 2048, 0, 2);
    SraidLdRequest c = request(SRAID_RAID0, 64, 0, 0, 3);
    SraidCod cod;

    new_array(&cod, 3);
    g_assert_cmpint(sraid_cod_add_ld(&cod, &a, NULL), ==, 0);
    /* 1000 sectors over 2 data strips of 128: 4 stripes of 128 */
    g_assert_cmpuint(cod.lds[0].member_sectors, ==, 512);
    g_assert_cmpint(sraid_cod_add_ld(&cod, &b, NULL), ==, 1);
    g_assert_cmpuint(cod.lds[1].start, ==, 2048);       /* 1 MiB aligned */
    g_assert_cmpuint(cod.lds[1].member_sectors, ==, 2048);
    g_assert_cmpuint(cod.lds[1].id, ==, 1);
    /* member 2 is free after sector 512; members 0-1 after 4096 */
    g_assert_cmpint(sraid_cod_add_ld(&cod, &c, NULL), ==, 2);
    g_assert_cmpuint(cod.lds[2].start, ==, 4096);
    g_assert_cmpuint(cod.lds[2].member_sectors, ==, MEMBER_SECTORS - 4096);
    g_assert_true(sraid_cod_validate(&cod, NULL));

    /* 512..2048 is the largest hole on member 0: refused, unchanged */
    {
        SraidCod before = cod;
        g_autoptr(GError) err = NULL;

        a.sectors = 4000;
        g_assert_cmpint(sraid_cod_add_ld(&cod, &a, &err), ==, -1);
        g_assert_nonnull(strstr(err->message, "free extent"));
        g_assert_true(memcmp(&before, &cod, sizeof(cod)) == 0);
    }

    /* delete the middle one: a drive that fits takes its hole and its id */
    sraid_cod_remove_ld(&cod, 1);
    g_assert_cmpuint(cod.nlds, ==, 2);
    g_assert_cmpuint(cod.lds[1].id, ==, 2);
    b.sectors = 1024;
    b.strip_sectors = 128;
    g_assert_cmpint(sraid_cod_add_ld(&cod, &b, NULL), ==, 2);
    g_assert_cmpuint(cod.lds[2].id, ==, 1);
    g_assert_cmpuint(cod.lds[2].start, ==, 512);
    g_assert_true(sraid_cod_validate(&cod, NULL));
    g_assert_cmpint(sraid_cod_find_ld(&cod, 1), ==, 2);
    g_assert_cmpint(sraid_cod_find_ld(&cod, 7), ==, -1);
}

static void expect_refused(SraidCod *cod, const SraidLdRequest *req,
                           const char *why)
{
    SraidCod before = *cod;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(sraid_cod_add_ld(cod, req, &err), ==, -1);
    g_assert_nonnull(err);
    if (!strstr(err->message, why)) {
        g_error("'%s' does not say '%s'", err->message, why);
    }
    g_assert_true(memcmp(&before, cod, sizeof(*cod)) == 0);
}

static void test_refusals(void)
{
    SraidLdRequest req = request(SRAID_RAID5, 128, 0, 0, 4);
    SraidCod cod;

    new_array(&cod, 6);
    cod.members[4].state = SRAID_MEMBER_SPARE;
    cod.members[5].state = SRAID_MEMBER_FAILED;

    req.members[3] = 4;
    expect_refused(&cod, &req, "member 4 is a hot spare");
    req.members[3] = 5;
    expect_refused(&cod, &req, "member 5 is failed");
    req.members[3] = 9;
    expect_refused(&cod, &req, "member 9 does not exist");
    req.members[3] = 0;
    expect_refused(&cod, &req, "member 0 is listed twice");
    req = request(SRAID_RAID5, 128, 0, 0, 2);
    expect_refused(&cod, &req, "RAID 5");
    req = request(SRAID_RAID5, 100, 0, 0, 3);
    expect_refused(&cod, &req, "strip size");
    req = request(SRAID_RAID5, 128, (uint64_t)MEMBER_SECTORS * 3, 0, 3);
    expect_refused(&cod, &req, "free extent");
    req = request(SRAID_RAID5, 128, 0, 0, 0);
    expect_refused(&cod, &req, "1 to");
    req = request(SRAID_RAID1, 128, 0, 0, 2);
    req.name = "bad\tname";
    expect_refused(&cod, &req, "printable");

    /* at most SRAID_COD_MAX_LDS */
    req = request(SRAID_RAID1, 128, 128, 0, 2);
    for (unsigned i = 0; i < SRAID_COD_MAX_LDS; i++) {
        g_assert_cmpint(sraid_cod_add_ld(&cod, &req, NULL), ==, i);
    }
    expect_refused(&cod, &req, "the most it can have");
}

/*
 * Random adds and removes on random member subsets: the configuration
 * stays valid (no overlap, everything inside its members) and a drive
 * that asks for all the room leaves none behind on its members.
 */
static void test_random(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(0xc0d);
    static const SraidRaidLevel levels[] = {
        SRAID_RAID0, SRAID_RAID1, SRAID_RAID5, SRAID_RAID6, SRAID_RAID10,
    };
    static const unsigned min_members[] = { 1, 2, 3, 4, 4 };
    SraidCod cod;
    unsigned added = 0;

    new_array(&cod, 8);
    for (unsigned step = 0; step < 5000; step++) {
        if (cod.nlds && g_rand_int_range(rnd, 0, 3) == 0) {
            sraid_cod_remove_ld(&cod, g_rand_int_range(rnd, 0, cod.nlds));
        } else {
            unsigned k = g_rand_int_range(rnd, 0, G_N_ELEMENTS(levels));
            unsigned n = min_members[k] + g_rand_int_range(rnd, 0, 3);
            SraidLdRequest req = request(levels[k],
                                         64 << g_rand_int_range(rnd, 0, 5),
                                         g_rand_boolean(rnd) ? 0 :
                                         g_rand_int_range(rnd, 1, 200000),
                                         0, 0);
            int index;

            if (levels[k] == SRAID_RAID10) {
                n &= ~1u;
            }
            /* n distinct members out of 8 */
            for (unsigned m = 0; m < 8 && req.nmembers < n; m++) {
                if ((unsigned)g_rand_int_range(rnd, 0, 8 - m) <
                    n - req.nmembers) {
                    req.members[req.nmembers++] = m;
                }
            }
            index = sraid_cod_add_ld(&cod, &req, NULL);
            if (index >= 0) {
                const SraidCodLd *ld = &cod.lds[index];

                added++;
                g_assert_cmpuint(ld->start % req.strip_sectors, ==, 0);
                if (!req.sectors) {
                    /* nothing strip-sized is left right after it */
                    SraidLdRequest again = req;

                    again.level = SRAID_RAID0;
                    again.nmembers = 1;
                    for (unsigned i = 0; i < req.nmembers; i++) {
                        again.members[0] = req.members[i];
                        again.sectors = req.strip_sectors;
                        /* may fit elsewhere, never overlapping it */
                        index = sraid_cod_add_ld(&cod, &again, NULL);
                        if (index >= 0) {
                            g_assert_true(
                                cod.lds[index].start >=
                                ld->start + ld->member_sectors ||
                                cod.lds[index].start +
                                cod.lds[index].member_sectors <= ld->start);
                            sraid_cod_remove_ld(&cod, index);
                        }
                    }
                }
            }
        }
        g_assert_true(sraid_cod_validate(&cod, NULL));
    }
    g_assert_cmpuint(added, >, 1000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/array-config/whole-members", test_whole_members);
    g_test_add_func("/array-config/partitions", test_partitions);
    g_test_add_func("/array-config/refusals", test_refusals);
    g_test_add_func("/array-config/random", test_random);
    return g_test_run();
}
