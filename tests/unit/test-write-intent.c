/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the write-intent bitmap: its bookkeeping, and the write
 * hole closed: a crash after any number of member writes of an update,
 * then a resync of the chunks marked on disk, leaves every stripe
 * consistent (and the same crashes without the resync do not).
 */
#include <glib.h>
#include <string.h>

#include "parity.h"
#include "raid-io.h"
#include "write-intent.h"

#define STRIP       16
#define STRIPES     256
#define MEMBER_SECTORS ((uint64_t)STRIPES * STRIP)

static void test_bookkeeping(void)
{
    SraidWil w;
    unsigned s0, s1;
    g_autoptr(GArray) secs = g_array_new(FALSE, FALSE, sizeof(unsigned));
    uint64_t c, first, last;

    g_assert_cmpuint(sraid_wil_chunk_sectors(1000), ==, SRAID_WIL_MIN_CHUNK);
    /* 8 Mi bits cover 1 TiB of 512-byte sectors at 128-sector chunks */
    g_assert_cmpuint(sraid_wil_chunk_sectors(8ull << 30), ==, 1024);

    sraid_wil_init(&w, 1ull << 24);
    g_assert_cmpuint(w.chunk_sectors, ==, 128);
    g_assert_true(sraid_wil_begin(&w, 0, 127, &s0, &s1));
    g_assert_cmpuint(s0, ==, 0);
    g_assert_cmpuint(s1, ==, 0);
    /* a second write in the same chunk: already on disk */
    g_assert_false(sraid_wil_begin(&w, 5, 6, &s0, &s1));
    /* chunk 4096 is the first bit of bitmap sector 1 */
    g_assert_true(sraid_wil_begin(&w, 4096 * 128, 4096 * 128, &s0, &s1));
    g_assert_cmpuint(s0, ==, 1);
    sraid_wil_end(&w, 0, 127);
    g_assert_false(sraid_wil_clean(&w, secs));      /* one still in flight */
    sraid_wil_end(&w, 5, 6);
    sraid_wil_end(&w, 4096 * 128, 4096 * 128);
    g_assert_true(sraid_wil_clean(&w, secs));
    g_assert_cmpuint(secs->len, ==, 2);
    g_assert_cmpuint(g_array_index(secs, unsigned, 0), ==, 0);
    g_assert_cmpuint(g_array_index(secs, unsigned, 1), ==, 1);
    g_assert_false(sraid_wil_next_dirty(&w, 0, &c));

    /* a bit set on any member's copy is dirty */
    {
        g_autofree uint8_t *disk = g_malloc0(SRAID_WIL_BYTES);

        disk[3] = 0x10;             /* chunk 28 */
        sraid_wil_merge(&w, disk, SRAID_WIL_BYTES);
        g_assert_true(sraid_wil_next_dirty(&w, 0, &c));
        g_assert_cmpuint(c, ==, 28);
        sraid_wil_chunk_range(&w, c, &first, &last);
        g_assert_cmpuint(first, ==, 28 * 128);
        g_assert_cmpuint(last, ==, 29 * 128 - 1);
        g_assert_false(sraid_wil_next_dirty(&w, 29, &c));
    }
    sraid_wil_free(&w);
}

/*
 * A sequential writer pays a bitmap write once per SRAID_WIL_AHEAD_SECTORS
 * of member space, not on every request; a write elsewhere sets only its
 * own bits; the bits set ahead are cleaned like the others.
 */
static void test_stream_ahead(void)
{
    const uint64_t req = 512;               /* 256 KiB per member */
    const uint64_t ahead = SRAID_WIL_AHEAD_SECTORS / 128;
    g_autoptr(GArray) secs = g_array_new(FALSE, FALSE, sizeof(unsigned));
    unsigned s0, s1, writes = 0, requests = 0;
    SraidWil w;
    uint64_t c;

    sraid_wil_init(&w, 1ull << 24);
    g_assert_cmpuint(w.chunk_sectors, ==, 128);
    for (uint64_t first = 0; first < 64 * SRAID_WIL_AHEAD_SECTORS;
         first += req, requests++) {
        if (sraid_wil_begin(&w, first, first + req - 1, &s0, &s1)) {
            writes++;
        }
        /* every bit a write needs is set (and so on disk) meanwhile */
        for (uint64_t k = first / 128; k <= (first + req - 1) / 128; k++) {
            g_assert_true(sraid_wil_next_dirty(&w, k, &c));
            g_assert_cmpuint(c, ==, k);
        }
        sraid_wil_end(&w, first, first + req - 1);
    }
    /* the first two requests, then one per look-ahead region */
    g_assert_cmpuint(requests, ==, 1024);
    g_assert_cmpuint(writes, <=, 2 + requests * req / SRAID_WIL_AHEAD_SECTORS);
    g_assert_cmpuint(writes, >=, 2);

    /* far from any set bit: its own chunk only */
    g_assert_true(sraid_wil_begin(&w, 1ull << 22, (1ull << 22) + 10, &s0,
                                  &s1));
    g_assert_false(sraid_wil_next_dirty(&w, (1ull << 22) / 128 + 1, &c));
    sraid_wil_end(&w, 1ull << 22, (1ull << 22) + 10);

    /* everything, the look-ahead included, is cleaned */
    g_assert_true(sraid_wil_clean(&w, secs));
    g_assert_false(sraid_wil_next_dirty(&w, 0, &c));
    g_assert_cmpuint(ahead, >, 1);
    sraid_wil_free(&w);
}

/* Members in memory whose writes stop reaching them after a budget. */
typedef struct Crashy {
    unsigned n;
    uint8_t *disk[SRAID_MAX_MEMBERS];
    uint8_t *bitmap[SRAID_MAX_MEMBERS];
    int budget;                 /* member writes left; -1: unlimited */
} Crashy;

static gboolean take_budget(Crashy *c)
{
    if (c->budget == 0) {
        return FALSE;           /* power is gone: the write never lands */
    }
    if (c->budget > 0) {
        c->budget--;
    }
    return TRUE;
}

static int c_pread(void *opaque, unsigned m, uint64_t sector, void *buf,
                   uint32_t n)
{
    Crashy *c = opaque;

    memcpy(buf, c->disk[m] + sector * SRAID_SECTOR, (size_t)n * 512);
    return 0;
}

static int c_pwrite(void *opaque, unsigned m, uint64_t sector,
                    const void *buf, uint32_t n)
{
    Crashy *c = opaque;

    if (take_budget(c)) {
        memcpy(c->disk[m] + sector * SRAID_SECTOR, buf, (size_t)n * 512);
    }
    return 0;
}

/* The glue's protocol: bitmap on every member before the data. */
static void protected_write(Crashy *c, SraidLd *ld, SraidWil *w, uint64_t lba,
                            uint64_t n, const uint8_t *buf, gboolean use_wil)
{
    uint64_t s0, s1, first, last;
    unsigned b0, b1;

    sraid_ld_stripe_range(ld, lba, n, &s0, &s1);
    sraid_ld_member_span(ld, s0, s1, &first, &last);
    if (use_wil && sraid_wil_begin(w, first, last, &b0, &b1)) {
        for (unsigned s = b0; s <= b1; s++) {
            for (unsigned m = 0; m < c->n; m++) {
                if (take_budget(c)) {
                    memcpy(c->bitmap[m] + s * SRAID_WIL_SECTOR,
                           sraid_wil_sector(w, s), SRAID_WIL_SECTOR);
                }
            }
        }
    }
    g_assert_cmpint(sraid_ld_write(ld, lba, n, buf, 0), ==, 0);
    if (use_wil) {
        sraid_wil_end(w, first, last);
    }
}

static unsigned inconsistent_stripes(Crashy *c, const SraidGeometry *g)
{
    unsigned bad = 0;
    size_t len = STRIP * SRAID_SECTOR;

    for (uint64_t s = 0; s < STRIPES; s++) {
        size_t off = s * len;
        uint8_t *b[SRAID_MAX_MEMBERS];

        if (g->parity_strips) {
            for (unsigned d = 0; d < g->data_strips; d++) {
                b[d] = c->disk[sraid_geometry_data_member(g, s, d)] + off;
            }
            b[g->data_strips] = c->disk[sraid_geometry_p_member(g, s)] + off;
            if (g->parity_strips == 2) {
                b[g->data_strips + 1] =
                    c->disk[sraid_geometry_q_member(g, s)] + off;
            }
            bad += !sraid_parity_check(g->data_strips, g->parity_strips, b,
                                       len);
        } else {
            unsigned set = g->level == SRAID_RAID1 ? g->members : 2;

            for (unsigned m = 0; m < g->members; m++) {
                if (m % set && memcmp(c->disk[m - m % set] + off,
                                      c->disk[m] + off, len)) {
                    bad++;
                    break;
                }
            }
        }
    }
    return bad;
}

/*
 * For every crash point of a burst of writes: restart, resync what the
 * bitmaps on the members mark, expect every stripe consistent.  The same
 * crash without the bitmap must leave torn stripes somewhere, or this test
 * could not fail.
 */
static void crash_and_resync(SraidRaidLevel level, unsigned n)
{
    unsigned torn_without = 0;

    for (int use_wil = 0; use_wil <= 1; use_wil++) {
        for (int crash_at = 1; crash_at < 60; crash_at++) {
            g_autoptr(GRand) rnd = g_rand_new_with_seed(crash_at);
            g_autofree uint8_t *buf = g_malloc(8 * STRIP * SRAID_SECTOR);
            Crashy c = { .n = n, .budget = -1 };
            SraidLdIo io = { .pread = c_pread, .pwrite = c_pwrite,
                             .opaque = &c };
            SraidGeometry g;
            SraidLd ld;
            SraidWil w, after;
            uint64_t chunk = 0;

            g_assert_true(sraid_geometry_init(&g, level, n, STRIP,
                                              MEMBER_SECTORS, NULL));
            for (unsigned m = 0; m < n; m++) {
                c.disk[m] = g_malloc0(MEMBER_SECTORS * SRAID_SECTOR);
                c.bitmap[m] = g_malloc0(SRAID_WIL_BYTES);
            }
            sraid_ld_init(&ld, &g, 0, 0, &io);
            sraid_wil_init(&w, MEMBER_SECTORS);

            /* a burst of writes; power fails after crash_at member writes */
            c.budget = crash_at;
            for (int i = 0; i < 12; i++) {
                uint64_t cnt = g_rand_int_range(rnd, 1, 8 * STRIP);
                uint64_t lba = g_rand_int_range(rnd, 0,
                    sraid_geometry_capacity(&g) - cnt);

                for (size_t k = 0; k < cnt * SRAID_SECTOR; k++) {
                    buf[k] = g_rand_int(rnd) | 1;
                }
                protected_write(&c, &ld, &w, lba, cnt, buf, use_wil);
            }
            c.budget = -1;

            if (!use_wil) {
                torn_without += inconsistent_stripes(&c, &g) > 0;
            } else {
                /* restart: what any member's bitmap marks is resynced */
                sraid_wil_init(&after, MEMBER_SECTORS);
                for (unsigned m = 0; m < n; m++) {
                    sraid_wil_merge(&after, c.bitmap[m], SRAID_WIL_BYTES);
                }
                while (sraid_wil_next_dirty(&after, chunk, &chunk)) {
                    uint64_t first, last, s0, s1;

                    sraid_wil_chunk_range(&after, chunk, &first, &last);
                    if (sraid_ld_stripes_in(&ld, first, last, &s0, &s1)) {
                        for (uint64_t s = s0; s <= s1; s++) {
                            g_assert_cmpint(sraid_ld_resync_stripe(&ld, s),
                                            ==, 0);
                        }
                    }
                    chunk++;
                }
                g_assert_cmpuint(inconsistent_stripes(&c, &g), ==, 0);
                sraid_wil_free(&after);
            }
            sraid_wil_free(&w);
            for (unsigned m = 0; m < n; m++) {
                g_free(c.disk[m]);
                g_free(c.bitmap[m]);
            }
        }
    }
    g_assert_cmpuint(torn_without, >, 0);
}

static void test_crash_raid5(void)
{
    crash_and_resync(SRAID_RAID5, 4);
}

static void test_crash_raid6(void)
{
    crash_and_resync(SRAID_RAID6, 5);
}

static void test_crash_raid1(void)
{
    crash_and_resync(SRAID_RAID1, 2);
}

static void test_crash_raid10(void)
{
    crash_and_resync(SRAID_RAID10, 4);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/write-intent/bookkeeping", test_bookkeeping);
    g_test_add_func("/write-intent/stream-ahead", test_stream_ahead);
    g_test_add_func("/write-intent/crash/raid5", test_crash_raid5);
    g_test_add_func("/write-intent/crash/raid6", test_crash_raid6);
    g_test_add_func("/write-intent/crash/raid1", test_crash_raid1);
    g_test_add_func("/write-intent/crash/raid10", test_crash_raid10);
    return g_test_run();
}
