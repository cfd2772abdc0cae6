/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of logical drive I/O: a flat reference image is the truth;
 * members live in memory and fail on command.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "parity.h"
#include "raid-io.h"

#define STRIP       16                  /* sectors */
#define STRIPES     12
#define START       32                  /* LD starts this far into members */
#define MEMBER_SECTORS (START + STRIPES * STRIP)

typedef struct Members {
    unsigned n;
    uint8_t *disk[SRAID_MAX_MEMBERS];
    uint32_t broken;                    /* members whose I/O fails */
    uint32_t reported;                  /* member_failed calls */
    /* batches seen through submit, and the member I/Os in them */
    unsigned batches, reads, writes;
} Members;

static int m_pread(void *opaque, unsigned m, uint64_t sector, void *buf,
                   uint32_t n)
{
    Members *ms = opaque;

    g_assert_cmpuint(sector + n, <=, MEMBER_SECTORS);
    g_assert_cmpuint(sector, >=, START);
    if (ms->broken & (1u << m)) {
        return -EIO;
    }
    memcpy(buf, ms->disk[m] + sector * SRAID_SECTOR, (size_t)n * 512);
    return 0;
}

static int m_pwrite(void *opaque, unsigned m, uint64_t sector,
                    const void *buf, uint32_t n)
{
    Members *ms = opaque;

    g_assert_cmpuint(sector + n, <=, MEMBER_SECTORS);
    g_assert_cmpuint(sector, >=, START);
    if (ms->broken & (1u << m)) {
        return -EIO;
    }
    memcpy(ms->disk[m] + sector * SRAID_SECTOR, buf, (size_t)n * 512);
    return 0;
}

/*
 * The batched interface, run backwards: the engine must not depend on the
 * order inside a batch.  Requests of one batch never overlap.
 */
static void m_submit(void *opaque, SraidMemberReq *reqs, unsigned n,
                     unsigned flags)
{
    Members *ms = opaque;

    ms->batches++;
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = i + 1; j < n; j++) {
            g_assert(reqs[i].member != reqs[j].member ||
                     reqs[i].sector + reqs[i].sectors <= reqs[j].sector ||
                     reqs[j].sector + reqs[j].sectors <= reqs[i].sector);
        }
    }
    for (unsigned i = n; i-- > 0;) {
        SraidMemberReq *r = &reqs[i];
        size_t len = (size_t)r->sectors * SRAID_SECTOR;
        g_autofree uint8_t *buf = g_malloc(len);

        g_assert_cmpuint(sraid_iov_size(r->iov, r->niov), ==, len);
        g_assert_cmpuint(r->niov, <=, SRAID_MEMBER_MAX_IOV);
        if (r->write) {
            ms->writes++;
            sraid_iov_to_buf(r->iov, r->niov, 0, buf, len);
            r->ret = m_pwrite(ms, r->member, r->sector, buf, r->sectors);
        } else {
            ms->reads++;
            r->ret = m_pread(ms, r->member, r->sector, buf, r->sectors);
            if (r->ret == 0) {
                sraid_iov_from_buf(r->iov, r->niov, 0, buf, len);
            }
        }
    }
}

static void m_failed(void *opaque, unsigned m, int err)
{
    ((Members *)opaque)->reported |= 1u << m;
}

typedef struct Fixture {
    Members ms;
    SraidLd ld;
    uint8_t *ref;
    uint64_t cap;
    GRand *rand;
} Fixture;

/* Batched (submit) or one call per member I/O (pread/pwrite)? */
static gboolean batched;

static void fixture_init(Fixture *f, SraidRaidLevel level, unsigned n)
{
    SraidGeometry g;
    SraidLdIo io = {
        .submit = batched ? m_submit : NULL,
        .pread = m_pread, .pwrite = m_pwrite,
        .member_failed = m_failed, .opaque = &f->ms,
    };

    memset(f, 0, sizeof(*f));
    g_assert_true(sraid_geometry_init(&g, level, n, STRIP, STRIPES * STRIP,
                                      NULL));
    f->ms.n = n;
    for (unsigned i = 0; i < n; i++) {
        /* zeroed members: a consistent array from the start */
        f->ms.disk[i] = g_malloc0(MEMBER_SECTORS * SRAID_SECTOR);
    }
    sraid_ld_init(&f->ld, &g, START, 0, &io);
    f->cap = sraid_geometry_capacity(&g);
    f->ref = g_malloc0(f->cap * SRAID_SECTOR);
    f->rand = g_rand_new_with_seed(level * 100 + n);
}

static void fixture_free(Fixture *f)
{
    sraid_ld_cleanup(&f->ld);
    for (unsigned i = 0; i < f->ms.n; i++) {
        g_free(f->ms.disk[i]);
    }
    g_free(f->ref);
    g_rand_free(f->rand);
}

static void random_writes(Fixture *f, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        uint64_t lba = g_rand_int_range(f->rand, 0, f->cap);
        uint64_t max = MIN(f->cap - lba, 3 * STRIP * f->ld.g.data_strips);
        uint64_t n = g_rand_int_range(f->rand, 1, max + 1);
        uint8_t *buf = f->ref + lba * SRAID_SECTOR;

        /* full stripes now and then, to take the no-read path */
        if (i % 7 == 0) {
            uint64_t ss = (uint64_t)STRIP * f->ld.g.data_strips;

            lba = lba / ss * ss;
            n = MIN(ss * 2, f->cap - lba);
            buf = f->ref + lba * SRAID_SECTOR;
        }
        for (uint64_t b = 0; b < n * SRAID_SECTOR; b++) {
            buf[b] = g_rand_int(f->rand);
        }
        g_assert_cmpint(sraid_ld_write(&f->ld, lba, n, buf, 0), ==, 0);
    }
}

static void assert_reads_match(Fixture *f)
{
    g_autofree uint8_t *buf = g_malloc(f->cap * SRAID_SECTOR);

    /* whole LD at once, then in odd pieces */
    g_assert_cmpint(sraid_ld_read(&f->ld, 0, f->cap, buf), ==, 0);
    g_assert_cmpmem(buf, f->cap * SRAID_SECTOR, f->ref,
                    f->cap * SRAID_SECTOR);
    for (uint64_t lba = 0; lba < f->cap; lba += 7) {
        uint64_t n = MIN(7, f->cap - lba);

        memset(buf, 0, n * SRAID_SECTOR);
        g_assert_cmpint(sraid_ld_read(&f->ld, lba, n, buf), ==, 0);
        g_assert_cmpmem(buf, n * SRAID_SECTOR, f->ref + lba * SRAID_SECTOR,
                        n * SRAID_SECTOR);
    }
}

/* Parity or mirror copies agree in every stripe (healthy members only). */
static void assert_consistent(Fixture *f)
{
    const SraidGeometry *g = &f->ld.g;
    size_t len = STRIP * SRAID_SECTOR;

    for (uint64_t s = 0; s < STRIPES; s++) {
        uint8_t *b[SRAID_MAX_MEMBERS];
        size_t off = (START + s * STRIP) * SRAID_SECTOR;

        if (g->parity_strips) {
            for (unsigned d = 0; d < g->data_strips; d++) {
                b[d] = f->ms.disk[sraid_geometry_data_member(g, s, d)] + off;
            }
            b[g->data_strips] = f->ms.disk[sraid_geometry_p_member(g, s)] +
                                off;
            if (g->parity_strips == 2) {
                b[g->data_strips + 1] =
                    f->ms.disk[sraid_geometry_q_member(g, s)] + off;
            }
            g_assert_true(sraid_parity_check(g->data_strips,
                                             g->parity_strips, b, len));
        } else if (g->level == SRAID_RAID1) {
            for (unsigned m = 1; m < g->members; m++) {
                g_assert_cmpmem(f->ms.disk[0] + off, len,
                                f->ms.disk[m] + off, len);
            }
        } else if (g->level == SRAID_RAID10) {
            for (unsigned m = 0; m < g->members; m += 2) {
                g_assert_cmpmem(f->ms.disk[m] + off, len,
                                f->ms.disk[m + 1] + off, len);
            }
        }
    }
}

static const struct {
    SraidRaidLevel level;
    unsigned members;
} layouts[] = {
    { SRAID_RAID0, 3 }, { SRAID_RAID1, 2 }, { SRAID_RAID1, 3 },
    { SRAID_RAID5, 3 }, { SRAID_RAID5, 5 }, { SRAID_RAID6, 4 },
    { SRAID_RAID6, 6 }, { SRAID_RAID10, 4 }, { SRAID_RAID10, 6 },
};

static void test_healthy(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(layouts); i++) {
        Fixture f;

        fixture_init(&f, layouts[i].level, layouts[i].members);
        random_writes(&f, 200);
        assert_reads_match(&f);
        assert_consistent(&f);
        /* out of range */
        g_assert_cmpint(sraid_ld_read(&f.ld, f.cap, 1, f.ref), ==, -EINVAL);
        g_assert_cmpint(sraid_ld_write(&f.ld, f.cap - 1, 2, f.ref, 0), ==,
                        -EINVAL);
        fixture_free(&f);
    }
}

/*
 * Break members one after another up to what the level survives: data
 * stays exact, degraded writes work, the owner is told; rebuilding onto a
 * blank replacement restores the member bit for bit.
 */
static void test_degraded_and_rebuild(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(layouts); i++) {
        Fixture f;
        unsigned red;

        if (layouts[i].level == SRAID_RAID0) {
            continue;
        }
        fixture_init(&f, layouts[i].level, layouts[i].members);
        red = layouts[i].level == SRAID_RAID1 ? layouts[i].members - 1
                                              : sraid_geometry_redundancy(
                                                    &f.ld.g);
        random_writes(&f, 100);
        for (unsigned k = 0; k < red; k++) {
            unsigned victim = (k * 2 + 1) % layouts[i].members;

            f.ms.broken |= 1u << victim;
            assert_reads_match(&f);         /* around the failure */
            random_writes(&f, 60);          /* degraded writes */
            /* mirrors read one copy: a write discovers the failure */
            g_assert_true(f.ms.reported & (1u << victim));
            assert_reads_match(&f);
        }
        g_assert_true(sraid_ld_usable(&f.ld));

        /* replace every broken member with a blank disk and rebuild */
        for (unsigned m = 0; m < layouts[i].members; m++) {
            if (f.ms.broken & (1u << m)) {
                memset(f.ms.disk[m], 0, MEMBER_SECTORS * SRAID_SECTOR);
                f.ms.broken &= ~(1u << m);
            }
        }
        for (unsigned m = 0; m < layouts[i].members; m++) {
            if (f.ld.failed & (1u << m)) {
                for (uint64_t s = 0; s < STRIPES; s++) {
                    g_assert_cmpint(sraid_ld_rebuild_stripe(&f.ld, m, s), ==,
                                    0);
                }
            }
        }
        f.ld.failed = 0;
        assert_consistent(&f);
        assert_reads_match(&f);
        fixture_free(&f);
    }
}

/*
 * Rebuild while the host writes (the QEMU glue's background rebuild): the
 * member being rebuilt is in @rebuilding, so writes reach it behind and
 * ahead of the rebuild position alike.  Once every stripe is rebuilt the
 * member matches the others exactly: parity or copies agree and the data
 * reads back even with another member failed.
 */
static void test_rebuild_under_writes(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(layouts); i++) {
        unsigned victim = 1, other = 0;
        Fixture f;

        if (layouts[i].level == SRAID_RAID0) {
            continue;
        }
        fixture_init(&f, layouts[i].level, layouts[i].members);
        random_writes(&f, 50);
        f.ms.broken = 1u << victim;
        random_writes(&f, 30);
        g_assert_true(f.ld.failed & (1u << victim));

        /* a blank replacement, rebuilt stripe by stripe between writes */
        memset(f.ms.disk[victim], 0, MEMBER_SECTORS * SRAID_SECTOR);
        f.ms.broken = 0;
        f.ms.reported = 0;
        f.ld.rebuilding = 1u << victim;
        for (uint64_t s = 0; s < STRIPES; s++) {
            g_assert_cmpint(sraid_ld_rebuild_stripe(&f.ld, victim, s), ==,
                            0);
            random_writes(&f, 2);
            /* never read from: its stripes ahead are still blank */
            assert_reads_match(&f);
        }
        f.ld.failed = 0;
        f.ld.rebuilding = 0;
        assert_consistent(&f);
        assert_reads_match(&f);
        g_assert_cmpuint(f.ms.reported, ==, 0);

        /* the rebuilt member now carries data for a failed partner */
        f.ms.broken = 1u << other;
        f.ld.failed = 1u << other;
        assert_reads_match(&f);
        fixture_free(&f);
    }
}

/* The member being rebuilt fails a write: reported, no longer written. */
static void test_rebuild_target_fails(void)
{
    Fixture f;

    fixture_init(&f, SRAID_RAID5, 4);
    random_writes(&f, 20);
    f.ld.failed = f.ld.rebuilding = 1u << 2;
    f.ms.broken = 1u << 2;
    random_writes(&f, 20);
    g_assert_true(f.ms.reported & (1u << 2));
    g_assert_cmpuint(f.ld.rebuilding, ==, 0);
    g_assert_cmpuint(f.ld.failed, ==, 1u << 2);
    assert_reads_match(&f);
    fixture_free(&f);
}

/* Scrub finds exactly the stripes whose redundancy disagrees. */
static void test_check_stripe(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(layouts); i++) {
        Fixture f;
        uint64_t bad = 3;
        unsigned victim = layouts[i].members - 1;

        fixture_init(&f, layouts[i].level, layouts[i].members);
        random_writes(&f, 40);
        for (uint64_t s = 0; s < STRIPES; s++) {
            g_assert_cmpint(sraid_ld_check_stripe(&f.ld, s), ==, 0);
        }
        if (layouts[i].level == SRAID_RAID0) {
            fixture_free(&f);
            continue;
        }
        /* one flipped byte on one member, in stripe @bad only */
        f.ms.disk[victim][(START + bad * STRIP + 5) * SRAID_SECTOR + 7] ^= 1;
        for (uint64_t s = 0; s < STRIPES; s++) {
            g_assert_cmpint(sraid_ld_check_stripe(&f.ld, s), ==, s == bad);
        }
        /* repair makes it agree again */
        g_assert_cmpint(sraid_ld_resync_stripe(&f.ld, bad), ==, 0);
        g_assert_cmpint(sraid_ld_check_stripe(&f.ld, bad), ==, 0);
        assert_consistent(&f);
        /* degraded: nothing to compare against */
        f.ld.failed = 1u << 0;
        g_assert_cmpint(sraid_ld_check_stripe(&f.ld, 0), ==, -ENODATA);
        fixture_free(&f);
    }
}

/* One failure more than the level survives: -EIO, never wrong data. */
static void test_too_many_failures(void)
{
    Fixture f;
    g_autofree uint8_t *buf = g_malloc(STRIP * SRAID_SECTOR);

    fixture_init(&f, SRAID_RAID5, 4);
    random_writes(&f, 20);
    f.ms.broken = 0x3;
    g_assert_cmpint(sraid_ld_read(&f.ld, 0, f.cap, f.ref), ==, -EIO);
    g_assert_false(sraid_ld_usable(&f.ld));
    g_assert_cmpint(sraid_ld_write(&f.ld, 0, 1, buf, 0), ==, -EIO);
    fixture_free(&f);

    fixture_init(&f, SRAID_RAID0, 3);
    f.ms.broken = 0x4;
    g_assert_cmpint(sraid_ld_read(&f.ld, 0, f.cap, f.ref), ==, -EIO);
    fixture_free(&f);

    fixture_init(&f, SRAID_RAID10, 4);
    f.ms.broken = 0x3;              /* both halves of the first pair */
    g_assert_cmpint(sraid_ld_read(&f.ld, 0, f.cap, f.ref), ==, -EIO);
    fixture_free(&f);
}

static void run_batched(gconstpointer fn)
{
    batched = TRUE;
    ((void (*)(void))fn)();
    batched = FALSE;
}

/* Member I/O of one request: how many phases, how many reads. */
static void assert_phases(Fixture *f, uint64_t lba, uint64_t n,
                          unsigned batches, unsigned reads, unsigned writes)
{
    g_autofree uint8_t *buf = g_malloc0(n * SRAID_SECTOR);

    f->ms.batches = f->ms.reads = f->ms.writes = 0;
    g_assert_cmpint(sraid_ld_write(&f->ld, lba, n, buf, 0), ==, 0);
    g_assert_cmpuint(f->ms.batches, ==, batches);
    g_assert_cmpuint(f->ms.reads, ==, reads);
    g_assert_cmpuint(f->ms.writes, ==, writes);
}

/* The same for a read. */
static void assert_read_ios(Fixture *f, uint64_t lba, uint64_t n,
                            unsigned batches, unsigned reads)
{
    g_autofree uint8_t *buf = g_malloc0(n * SRAID_SECTOR);

    f->ms.batches = f->ms.reads = f->ms.writes = 0;
    g_assert_cmpint(sraid_ld_read(&f->ld, lba, n, buf), ==, 0);
    g_assert_cmpuint(f->ms.batches, ==, batches);
    g_assert_cmpuint(f->ms.reads, ==, reads);
    g_assert_cmpuint(f->ms.writes, ==, 0);
    g_assert_cmpmem(buf, n * SRAID_SECTOR, f->ref + lba * SRAID_SECTOR,
                    n * SRAID_SECTOR);
}

/*
 * The write strategies by cost: a full stripe reads nothing; RAID 5 picks
 * read-modify-write (touched strip + P) when that reads less than
 * reconstruct-write (the data strips not overwritten), which never reads
 * parity on a healthy array; mirrors write all copies in one phase.
 */
static void test_phases(void)
{
    Fixture f;

    batched = TRUE;
    fixture_init(&f, SRAID_RAID5, 5);           /* 4 data strips */
    assert_phases(&f, 0, 4 * STRIP, 1, 0, 5);   /* full stripe */
    assert_phases(&f, 1, 1, 2, 2, 2);           /* RMW: D + P */
    assert_phases(&f, 0, 3 * STRIP, 2, 1, 4);   /* RCW: the 4th strip */
    fixture_free(&f);

    fixture_init(&f, SRAID_RAID5, 3);           /* 2 data strips */
    assert_phases(&f, 1, 1, 2, 1, 2);           /* RCW: other D only */

    fixture_free(&f);
    fixture_init(&f, SRAID_RAID6, 6);           /* 4 data strips */
    assert_phases(&f, 1, 1, 2, 3, 3);           /* RCW: 3 other D */
    assert_phases(&f, 4 * STRIP, 4 * STRIP, 1, 0, 6);
    fixture_free(&f);

    fixture_init(&f, SRAID_RAID10, 4);
    /* two stripes: each member's two strips follow each other on it */
    assert_phases(&f, 0, 4 * STRIP, 1, 0, 4);
    fixture_free(&f);
    batched = FALSE;
}

/*
 * A request over several stripes or strips costs what one would: the
 * stripes of a write share its two phases, and the pieces that follow each
 * other on a member are one member I/O.
 */
static void test_merged_member_io(void)
{
    Fixture f;

    batched = TRUE;
    fixture_init(&f, SRAID_RAID5, 5);           /* 4 data strips */
    /* three full stripes: one write per member */
    assert_phases(&f, 0, 12 * STRIP, 1, 0, 5);
    /*
     * The last sector of stripe 0 (read-modify-write of D3 and P, on
     * members 3 and 4, row 15) and all of stripe 1, whose rows follow on
     * every member: one read phase, one write phase, a write per member.
     */
    assert_phases(&f, 4 * STRIP - 1, 4 * STRIP + 1, 2, 2, 5);
    random_writes(&f, 20);
    /* two stripes: members 0-2 hold data in both, 3 and 4 in one */
    assert_read_ios(&f, 0, 8 * STRIP, 1, 5);
    fixture_free(&f);

    fixture_init(&f, SRAID_RAID6, 6);
    assert_phases(&f, 0, 8 * STRIP, 1, 0, 6);
    fixture_free(&f);

    fixture_init(&f, SRAID_RAID0, 3);
    assert_phases(&f, 0, 9 * STRIP, 1, 0, 3);
    random_writes(&f, 20);
    assert_read_ios(&f, 0, f.cap, 1, 3);
    assert_read_ios(&f, STRIP / 2, 3 * STRIP, 1, 3);
    fixture_free(&f);

    /* mirrors: a long read is one run per copy, a short one alternates */
    fixture_init(&f, SRAID_RAID1, 2);
    random_writes(&f, 20);
    assert_read_ios(&f, 0, 4 * STRIP, 1, 2);
    assert_read_ios(&f, 0, STRIP, 1, 1);
    g_assert_cmpuint(f.ms.reads, ==, 1);
    fixture_free(&f);

    fixture_init(&f, SRAID_RAID10, 4);
    random_writes(&f, 20);
    assert_read_ios(&f, 0, 8 * STRIP, 1, 4);
    fixture_free(&f);
    batched = FALSE;
}

/*
 * Requests whose data is scattered over many small segments (a guest's
 * 4 KiB pages, here 1-3 sectors each, in reverse memory order): data
 * reaches the right sectors both ways, degraded too.
 */
static void test_scattered_buffers(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(layouts); i++) {
        Fixture f;
        g_autofree uint8_t *mem = NULL;
        g_autofree struct iovec *iov = NULL;
        uint64_t n;
        unsigned niov = 0;
        size_t pos;

        fixture_init(&f, layouts[i].level, layouts[i].members);
        random_writes(&f, 30);
        n = f.cap - 3;
        mem = g_malloc(n * SRAID_SECTOR);
        iov = g_new(struct iovec, n);
        pos = n * SRAID_SECTOR;
        for (uint64_t done = 0; done < n; niov++) {
            uint64_t k = MIN(1 + niov % 3, n - done);

            pos -= k * SRAID_SECTOR;
            iov[niov] = (struct iovec) {
                .iov_base = mem + pos, .iov_len = k * SRAID_SECTOR,
            };
            done += k;
        }
        g_assert_cmpuint(niov, <=, SRAID_MEMBER_MAX_IOV);
        for (unsigned round = 0; round < 2; round++) {
            g_autofree uint8_t *flat = g_malloc(n * SRAID_SECTOR);

            g_assert_cmpint(sraid_ld_readv(&f.ld, 2, n, iov, niov), ==, 0);
            sraid_iov_to_buf(iov, niov, 0, flat, n * SRAID_SECTOR);
            g_assert_cmpmem(flat, n * SRAID_SECTOR,
                            f.ref + 2 * SRAID_SECTOR, n * SRAID_SECTOR);
            for (size_t b = 0; b < n * SRAID_SECTOR; b++) {
                mem[b] = g_rand_int(f.rand);
            }
            g_assert_cmpint(sraid_ld_writev(&f.ld, 1, n, iov, niov, 0), ==,
                            0);
            sraid_iov_to_buf(iov, niov, 0, f.ref + SRAID_SECTOR,
                             n * SRAID_SECTOR);
            assert_reads_match(&f);
            if (!f.ms.broken) {
                assert_consistent(&f);
            }
            if (layouts[i].level != SRAID_RAID0) {
                f.ms.broken = 1u << 1;      /* the second round degraded */
            }
        }
        fixture_free(&f);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/raid-io/healthy", test_healthy);
    g_test_add_func("/raid-io/degraded-and-rebuild",
                    test_degraded_and_rebuild);
    g_test_add_func("/raid-io/too-many-failures", test_too_many_failures);
    g_test_add_func("/raid-io/rebuild-under-writes",
                    test_rebuild_under_writes);
    g_test_add_func("/raid-io/check-stripe", test_check_stripe);
    g_test_add_func("/raid-io/rebuild-target-fails",
                    test_rebuild_target_fails);
    g_test_add_data_func("/raid-io/batched/rebuild-under-writes",
                         test_rebuild_under_writes, run_batched);
    g_test_add_data_func("/raid-io/batched/healthy", test_healthy,
                         run_batched);
    g_test_add_data_func("/raid-io/batched/degraded-and-rebuild",
                         test_degraded_and_rebuild, run_batched);
    g_test_add_data_func("/raid-io/batched/too-many-failures",
                         test_too_many_failures, run_batched);
    g_test_add_func("/raid-io/phases", test_phases);
    g_test_add_func("/raid-io/merged-member-io", test_merged_member_io);
    g_test_add_func("/raid-io/scattered-buffers", test_scattered_buffers);
    g_test_add_data_func("/raid-io/batched/scattered-buffers",
                         test_scattered_buffers, run_batched);
    return g_test_run();
}
