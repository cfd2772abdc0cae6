/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the degraded-write journal: the entry codec, the choice of
 * the newest entry per stripe, and the write hole of degraded RAID 5/6
 * closed: a degraded write torn after every subset of its member writes,
 * then recovered from the journal, reads back old or new data in the
 * written rows and the old data everywhere else, the failed member's strip
 * included, with parity consistent (and the same crashes without the
 * recovery lose data).
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "degraded-journal.h"
#include "parity.h"
#include "raid-io.h"

#define STRIP       8                   /* sectors */
#define STRIPES     4
#define START       16                  /* LD starts this far into members */
#define MEMBER_SECTORS (START + STRIPES * STRIP)
#define TEST_SLOTS  8                   /* a small journal area */

static void fill(uint8_t *p, size_t len, GRand *rnd)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = g_rand_int(rnd);
    }
}

static void assert_entry_equal(const SraidDjEntry *a, const SraidDjEntry *b)
{
    g_assert_cmpmem(a->array_guid, 16, b->array_guid, 16);
    g_assert_cmpuint(a->seq, ==, b->seq);
    g_assert_cmpuint(a->ld_id, ==, b->ld_id);
    g_assert_cmpuint(a->stripe, ==, b->stripe);
    g_assert_cmpuint(a->row, ==, b->row);
    g_assert_cmpuint(a->rows, ==, b->rows);
    g_assert_cmpuint(a->nfailed, ==, b->nfailed);
    for (unsigned i = 0; i < a->nfailed; i++) {
        g_assert_cmpuint(a->member[i], ==, b->member[i]);
        g_assert_cmpmem(a->data[i], a->rows * 512, b->data[i], b->rows * 512);
    }
}

static void test_codec(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(1);

    for (unsigned n = 1; n <= SRAID_DJ_MAX_FAILED; n++) {
        g_autofree uint8_t *d0 = g_malloc(3 * 512);
        g_autofree uint8_t *d1 = g_malloc(3 * 512);
        SraidDjEntry e = {
            .array_guid = "0123456789abcdef",
            .seq = 0x0102030405060708ull, .ld_id = 3, .stripe = 1ull << 40,
            .row = 5, .rows = 3, .nfailed = n, .member = { 1, 4 },
            .data = { d0, d1 },
        }, out;
        size_t len = sraid_dj_entry_bytes(&e);
        g_autofree uint8_t *buf = g_malloc0(len + 512);

        fill(d0, 3 * 512, rnd);
        fill(d1, 3 * 512, rnd);
        g_assert_cmpuint(len, ==, 512 + n * 3 * 512);
        g_assert_cmpuint(sraid_dj_encode(&e, buf), ==, len);
        g_assert_true(sraid_dj_decode(buf, len, &out));
        assert_entry_equal(&e, &out);
        /* a slot larger than the entry decodes the same */
        g_assert_true(sraid_dj_decode(buf, len + 512, &out));
        /* truncated: the data is not all there */
        g_assert_false(sraid_dj_decode(buf, len - 1, &out));

        /* every single-byte corruption of header and data is refused */
        for (size_t i = 0; i < len; i++) {
            for (unsigned x = 1; x < 256; x <<= 1) {
                buf[i] ^= x;
                if (sraid_dj_decode(buf, len, &out)) {
                    g_error("byte %zu ^ 0x%02x accepted", i, x);
                }
                buf[i] ^= x;
            }
            buf[i] ^= 0xff;
            g_assert_false(sraid_dj_decode(buf, len, &out));
            buf[i] ^= 0xff;
        }
        g_assert_true(sraid_dj_decode(buf, len, &out));
        /* a free (zeroed) slot is no entry */
        memset(buf, 0, len);
        g_assert_false(sraid_dj_decode(buf, len, &out));
    }
    /* slot sizes: header and the largest journaled strips, 4K aligned */
    g_assert_cmpuint(sraid_dj_slot_bytes(32, 1), ==, 20480);
    g_assert_cmpuint(sraid_dj_slot_bytes(32, 2), ==, 36864);
    g_assert_cmpuint(sraid_dj_slot_bytes(32, 0), ==, 0);
    g_assert_cmpuint(sraid_dj_nslots(36864), ==, 113);
    g_assert_cmpuint(sraid_dj_nslots(sraid_dj_slot_bytes(2048, 2)), ==, 1);
    g_assert_cmpuint(sraid_dj_nslots(sraid_dj_slot_bytes(4096, 2)), ==, 0);
    g_assert_cmpuint(sraid_dj_slot_of(10, 0, 13), ==, 3);
}

/* Entries of several stripes in slots of members: the newest one wins. */
static void test_newest_wins(void)
{
    size_t slot = sraid_dj_slot_bytes(STRIP, 1);
    g_autofree uint8_t *a = g_malloc0(slot * TEST_SLOTS);
    g_autofree uint8_t *b = g_malloc0(slot * TEST_SLOTS);
    uint8_t data[6][STRIP * 512];
    SraidDjSet set;
    g_autoptr(GPtrArray) all = NULL;
    /* seq, ld, stripe: stripe 2 of LD 0 three times, newest 9 */
    static const struct { uint64_t seq; uint8_t ld; uint64_t stripe; } w[] = {
        { 4, 0, 2 }, { 9, 0, 2 }, { 7, 0, 2 }, { 5, 1, 2 }, { 3, 0, 1 },
        { 8, 0, 1 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(w); i++) {
        SraidDjEntry e = {
            .seq = w[i].seq, .ld_id = w[i].ld, .stripe = w[i].stripe,
            .row = 0, .rows = STRIP, .nfailed = 1, .member = { i % 3 },
            .data = { data[i] },
        };

        memset(data[i], 0x10 + i, sizeof(data[i]));
        /* member A holds the even ones, B the odd ones; B's slot 5 torn */
        sraid_dj_encode(&e, (i % 2 ? b : a) + slot * i);
    }
    b[slot * 5 + 600] ^= 1;         /* entry { 8, 0, 1 } torn on B */
    sraid_dj_set_init(&set);
    g_assert_cmpuint(sraid_dj_scan(&set, a, slot * TEST_SLOTS, slot), ==, 3);
    g_assert_cmpuint(sraid_dj_scan(&set, b, slot * TEST_SLOTS, slot), ==, 2);
    g_assert_cmpuint(set.max_seq, ==, 9);
    all = sraid_dj_set_entries(&set);
    g_assert_cmpuint(all->len, ==, 3);
    /* ordered by LD, then stripe; LD 0 stripe 1: 3 (8 was torn) */
    g_assert_cmpuint(((SraidDjEntry *)all->pdata[0])->seq, ==, 3);
    g_assert_cmpuint(((SraidDjEntry *)all->pdata[1])->seq, ==, 9);
    g_assert_cmpuint(((SraidDjEntry *)all->pdata[1])->member[0], ==, 1);
    g_assert_cmpmem(((SraidDjEntry *)all->pdata[1])->data[0], STRIP * 512,
                    data[1], STRIP * 512);
    g_assert_cmpuint(((SraidDjEntry *)all->pdata[2])->ld_id, ==, 1);
    /* the same entry again (from another member) changes nothing */
    sraid_dj_scan(&set, b, slot * TEST_SLOTS, slot);
    g_assert_cmpuint(g_hash_table_size(set.by_stripe), ==, 3);
    sraid_dj_set_free(&set);
}

/* ---- torn degraded writes ---- */

/*
 * Members in memory.  The first write batch after @armed lands only the
 * requests in @land (by index in the batch); then power is gone: nothing
 * written after it lands, the journal's invalidation included.
 */
typedef struct Disks {
    unsigned n;
    uint32_t failed;                    /* their journal gets nothing */
    uint8_t *disk[SRAID_MAX_MEMBERS];
    uint8_t *journal[SRAID_MAX_MEMBERS];
    size_t slot_bytes;
    uint64_t seq;
    gboolean armed, crashed;
    uint32_t land;
    unsigned last_batch;                /* writes in the torn batch */
} Disks;

static void d_submit(void *opaque, SraidMemberReq *reqs, unsigned n,
                     unsigned flags)
{
    Disks *d = opaque;
    gboolean writes = FALSE;

    for (unsigned i = 0; i < n; i++) {
        SraidMemberReq *r = &reqs[i];
        uint8_t *p = d->disk[r->member] + r->sector * SRAID_SECTOR;

        g_assert_false(d->failed & (1u << r->member) && !r->write);
        g_assert_cmpuint(r->sector + r->sectors, <=, MEMBER_SECTORS);
        r->ret = 0;
        if (!r->write) {
            sraid_iov_from_buf(r->iov, r->niov, 0, p,
                               (size_t)r->sectors * SRAID_SECTOR);
            continue;
        }
        writes = TRUE;
        if (!d->crashed && (!d->armed || (d->land & (1u << i)))) {
            sraid_iov_to_buf(r->iov, r->niov, 0, p,
                             (size_t)r->sectors * SRAID_SECTOR);
        }
    }
    if (writes && d->armed) {
        d->last_batch = n;
        d->crashed = TRUE;
    }
}

/* The glue's protocol: the entry on every member in use before the data */
static void d_journal_begin(void *opaque, SraidDjEntry *e)
{
    Disks *d = opaque;
    unsigned slot = sraid_dj_slot_of(TEST_SLOTS, e->ld_id, e->stripe);

    g_assert_false(d->crashed);
    e->seq = ++d->seq;
    for (unsigned m = 0; m < d->n; m++) {
        if (!(d->failed & (1u << m))) {
            sraid_dj_encode(e, d->journal[m] + slot * d->slot_bytes);
        }
    }
}

static void d_journal_end(void *opaque, const SraidDjEntry *e)
{
    Disks *d = opaque;
    unsigned slot = sraid_dj_slot_of(TEST_SLOTS, e->ld_id, e->stripe);

    for (unsigned m = 0; m < d->n && !d->crashed; m++) {
        memset(d->journal[m] + slot * d->slot_bytes, 0, SRAID_DJ_HEADER);
    }
}

static void ld_open(Disks *d, SraidLd *ld, const SraidGeometry *g,
                    gboolean journal)
{
    SraidLdIo io = {
        .submit = d_submit, .opaque = d,
        .journal_begin = journal ? d_journal_begin : NULL,
        .journal_end = journal ? d_journal_end : NULL,
    };

    sraid_ld_init(ld, g, START, d->failed, &io);
}

/* Restart: apply the newest entry of each stripe; entries applied. */
static unsigned recover(Disks *d, SraidLd *ld)
{
    SraidDjSet set;
    g_autoptr(GPtrArray) all = NULL;

    sraid_dj_set_init(&set);
    for (unsigned m = 0; m < d->n; m++) {
        if (!(d->failed & (1u << m))) {
            sraid_dj_scan(&set, d->journal[m], TEST_SLOTS * d->slot_bytes,
                          d->slot_bytes);
        }
    }
    all = sraid_dj_set_entries(&set);
    for (unsigned i = 0; i < all->len; i++) {
        g_assert_cmpint(sraid_ld_journal_apply(ld, all->pdata[i]), ==, 0);
    }
    sraid_dj_set_free(&set);
    return all->len;
}

/*
 * What the LD reads after the crash (and recovery): every member's piece
 * of the write is wholly old or wholly new, everything else old, and
 * parity agrees with the data on every surviving parity member.
 */
static gboolean outcome_ok(Disks *d, SraidLd *ld, const uint8_t *old,
                           const uint8_t *new, uint64_t lba, uint64_t n)
{
    const SraidGeometry *g = &ld->g;
    uint64_t cap = sraid_geometry_capacity(g);
    uint64_t ss = (uint64_t)g->strip_sectors * g->data_strips;
    size_t len = (size_t)STRIP * SRAID_SECTOR;
    g_autofree uint8_t *buf = g_malloc(cap * SRAID_SECTOR);
    g_autofree uint8_t *p = g_malloc(len), *q = g_malloc(len);

    g_assert_cmpint(sraid_ld_read(ld, 0, cap, buf), ==, 0);
    if (memcmp(buf, old, lba * SRAID_SECTOR) ||
        memcmp(buf + (lba + n) * SRAID_SECTOR, old + (lba + n) * SRAID_SECTOR,
               (cap - lba - n) * SRAID_SECTOR)) {
        return FALSE;
    }
    /* the written range, strip piece by strip piece */
    for (uint64_t l = lba; l < lba + n;) {
        uint64_t end = MIN(lba + n, (l / STRIP + 1) * STRIP);
        size_t off = l * SRAID_SECTOR, plen = (end - l) * SRAID_SECTOR;

        if (memcmp(buf + off, old + off, plen) &&
            memcmp(buf + off, new + off - lba * SRAID_SECTOR, plen)) {
            return FALSE;
        }
        l = end;
    }
    for (uint64_t s = 0; s < STRIPES; s++) {
        uint8_t *data[SRAID_MAX_MEMBERS];
        int pm = sraid_geometry_p_member(g, s);
        int qm = sraid_geometry_q_member(g, s);
        size_t moff = (START + s * STRIP) * SRAID_SECTOR;

        for (unsigned k = 0; k < g->data_strips; k++) {
            data[k] = buf + (s * ss + (uint64_t)k * STRIP) * SRAID_SECTOR;
        }
        if (g->parity_strips == 1) {
            sraid_parity_gen_p(g->data_strips, data, p, len);
        } else {
            sraid_parity_gen_pq(g->data_strips, data, p, q, len);
        }
        if ((!(d->failed & (1u << pm)) &&
             memcmp(p, d->disk[pm] + moff, len)) ||
            (qm >= 0 && !(d->failed & (1u << qm)) &&
             memcmp(q, d->disk[qm] + moff, len))) {
            return FALSE;
        }
    }
    return TRUE;
}

/*
 * One degraded write (@lba, @n) on @level with members @failed: torn
 * after every subset of its member writes, recovered, checked; and the
 * same crashes without recovery must lose something.
 */
static void torn_write(SraidRaidLevel level, unsigned members,
                       uint32_t failed, uint64_t lba, uint64_t n)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(level * 1000 + failed + lba);
    SraidGeometry g;
    Disks d = { .n = members };
    SraidLd ld;
    uint64_t cap;
    g_autofree uint8_t *old = NULL, *new = g_malloc(n * SRAID_SECTOR);
    uint8_t *snap[SRAID_MAX_MEMBERS];
    unsigned writes, lost_without = 0;

    g_assert_true(sraid_geometry_init(&g, level, members, STRIP,
                                      STRIPES * STRIP, NULL));
    cap = sraid_geometry_capacity(&g);
    old = g_malloc(cap * SRAID_SECTOR);
    d.slot_bytes = sraid_dj_slot_bytes(STRIP, g.parity_strips);
    for (unsigned m = 0; m < members; m++) {
        d.disk[m] = g_malloc0(MEMBER_SECTORS * SRAID_SECTOR);
        d.journal[m] = g_malloc0(TEST_SLOTS * d.slot_bytes);
        snap[m] = g_malloc(MEMBER_SECTORS * SRAID_SECTOR);
    }
    /* healthy: the old data everywhere; then the members fail */
    fill(old, cap * SRAID_SECTOR, rnd);
    fill(new, n * SRAID_SECTOR, rnd);
    ld_open(&d, &ld, &g, TRUE);
    g_assert_cmpint(sraid_ld_write(&ld, 0, cap, old, 0), ==, 0);
    sraid_ld_cleanup(&ld);
    d.failed = failed;
    for (unsigned m = 0; m < members; m++) {
        if (failed & (1u << m)) {
            memset(d.disk[m], 0xee, MEMBER_SECTORS * SRAID_SECTOR);
        }
        memcpy(snap[m], d.disk[m], MEMBER_SECTORS * SRAID_SECTOR);
    }

    /* how many member writes the update has: tear after each subset */
    d.armed = TRUE;
    d.land = ~0u;
    ld_open(&d, &ld, &g, TRUE);
    g_assert_cmpint(sraid_ld_write(&ld, lba, n, new, 0), ==, 0);
    sraid_ld_cleanup(&ld);
    writes = d.last_batch;
    g_assert_cmpuint(writes, >=, 1);

    for (int use_journal = 0; use_journal <= 1; use_journal++) {
        for (uint32_t land = 0; land < (1u << writes); land++) {
            for (unsigned m = 0; m < members; m++) {
                memcpy(d.disk[m], snap[m], MEMBER_SECTORS * SRAID_SECTOR);
                memset(d.journal[m], 0, TEST_SLOTS * d.slot_bytes);
            }
            d.armed = TRUE;
            d.crashed = FALSE;
            d.land = land;
            ld_open(&d, &ld, &g, TRUE);
            sraid_ld_write(&ld, lba, n, new, 0);
            sraid_ld_cleanup(&ld);
            g_assert_cmpuint(d.last_batch, ==, writes);

            /* restart, same members failed */
            d.armed = FALSE;
            d.crashed = FALSE;
            ld_open(&d, &ld, &g, FALSE);
            if (use_journal) {
                g_assert_cmpuint(recover(&d, &ld), ==, 1);
                if (!outcome_ok(&d, &ld, old, new, lba, n)) {
                    g_error("level %u failed 0x%x write %" G_GUINT64_FORMAT
                            "+%" G_GUINT64_FORMAT ": torn after writes 0x%x,"
                            " wrong after recovery",
                            level, failed, lba, n, land);
                }
            } else {
                lost_without += !outcome_ok(&d, &ld, old, new, lba, n);
            }
            sraid_ld_cleanup(&ld);
        }
    }
    /*
     * The journal is what saves these: without it some crash loses data,
     * unless the update is a single member write (parity alone, when the
     * write covers only the missing strip), which cannot tear.
     */
    if (writes > 1) {
        g_assert_cmpuint(lost_without, >, 0);
    }

    /* an entry for a stripe that is no longer degraded is not applied */
    {
        SraidDjEntry e = {
            .seq = 1, .stripe = 1, .row = 0, .rows = 1, .nfailed = 1,
            .member = { sraid_geometry_data_member(&g, 1, 0) },
            .data = { new },
        };

        d.failed = 0;
        ld_open(&d, &ld, &g, FALSE);
        g_assert_cmpint(sraid_ld_journal_apply(&ld, &e), ==, -ESTALE);
        sraid_ld_cleanup(&ld);
        /* nor one of a stripe missing other data strips than it holds */
        d.failed = 1u << sraid_geometry_data_member(&g, 1, 1);
        ld_open(&d, &ld, &g, FALSE);
        g_assert_cmpint(sraid_ld_journal_apply(&ld, &e), ==, -ENODATA);
        e.stripe = STRIPES;
        g_assert_cmpint(sraid_ld_journal_apply(&ld, &e), ==, -EINVAL);
        sraid_ld_cleanup(&ld);
    }
    for (unsigned m = 0; m < members; m++) {
        g_free(d.disk[m]);
        g_free(d.journal[m]);
        g_free(snap[m]);
    }
}

/*
 * Writes into stripe 1 with the failed members @failed: a few rows of one
 * surviving data strip (read-modify-write when healthy), rows of the
 * missing strip, rows across two strips, and the whole stripe.
 */
static void torn_writes(SraidRaidLevel level, unsigned members,
                        uint32_t failed)
{
    SraidGeometry g;
    uint64_t ss, s1;
    int survivor = -1, missing = -1;

    g_assert_true(sraid_geometry_init(&g, level, members, STRIP,
                                      STRIPES * STRIP, NULL));
    ss = (uint64_t)STRIP * g.data_strips;
    s1 = ss;
    for (unsigned k = 0; k < g.data_strips; k++) {
        unsigned m = sraid_geometry_data_member(&g, 1, k);

        if (failed & (1u << m)) {
            missing = missing < 0 ? (int)k : missing;
        } else if (survivor < 0) {
            survivor = k;
        }
    }
    g_assert_cmpint(missing, >=, 0);
    g_assert_cmpint(survivor, >=, 0);
    torn_write(level, members, failed, s1 + survivor * STRIP + 2, 3);
    torn_write(level, members, failed, s1 + missing * STRIP + 1, 5);
    torn_write(level, members, failed, s1 + STRIP - 2, 4);
    torn_write(level, members, failed, s1, ss);
}

static uint32_t data_bit(SraidRaidLevel level, unsigned members, unsigned k)
{
    SraidGeometry g;

    g_assert_true(sraid_geometry_init(&g, level, members, STRIP,
                                      STRIPES * STRIP, NULL));
    return 1u << sraid_geometry_data_member(&g, 1, k);
}

static void test_raid5_one(void)
{
    for (unsigned k = 0; k < 3; k++) {
        torn_writes(SRAID_RAID5, 4, data_bit(SRAID_RAID5, 4, k));
    }
}

static void test_raid6_one(void)
{
    for (unsigned k = 0; k < 3; k++) {
        torn_writes(SRAID_RAID6, 5, data_bit(SRAID_RAID6, 5, k));
    }
}

static void test_raid6_two(void)
{
    SraidGeometry g;

    g_assert_true(sraid_geometry_init(&g, SRAID_RAID6, 5, STRIP,
                                      STRIPES * STRIP, NULL));
    /* two data strips, and a data strip with P, and with Q */
    torn_writes(SRAID_RAID6, 5, data_bit(SRAID_RAID6, 5, 0) |
                data_bit(SRAID_RAID6, 5, 2));
    torn_writes(SRAID_RAID6, 5, data_bit(SRAID_RAID6, 5, 1) |
                1u << sraid_geometry_p_member(&g, 1));
    torn_writes(SRAID_RAID6, 5, data_bit(SRAID_RAID6, 5, 1) |
                1u << sraid_geometry_q_member(&g, 1));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/degraded-journal/codec", test_codec);
    g_test_add_func("/degraded-journal/newest-wins", test_newest_wins);
    g_test_add_func("/degraded-journal/torn/raid5-one-failed",
                    test_raid5_one);
    g_test_add_func("/degraded-journal/torn/raid6-one-failed",
                    test_raid6_one);
    g_test_add_func("/degraded-journal/torn/raid6-two-failed",
                    test_raid6_two);
    return g_test_run();
}
