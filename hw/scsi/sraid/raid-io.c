/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: logical drive I/O over member I/O.
 *
 * Every request is planned in phases: the member reads it needs, then the
 * member writes.  Each phase goes to the owner as one batch so the members
 * work in parallel.  Scratch buffers belong to the request.
 */
#include <errno.h>
#include <string.h>

#include "parity.h"
#include "raid-io.h"

void sraid_ld_init(SraidLd *ld, const SraidGeometry *g, uint64_t start,
                   uint32_t failed, const SraidLdIo *io)
{
    memset(ld, 0, sizeof(*ld));
    ld->g = *g;
    ld->start = start;
    ld->failed = failed;
    ld->io = *io;
}

void sraid_ld_cleanup(SraidLd *ld)
{
    /* nothing held between requests today; kept for the owners' symmetry */
}

static gboolean is_failed(const SraidLd *ld, unsigned m)
{
    return ld->failed & (1u << m);
}

/* Writes go to healthy members and to members being rebuilt. */
static gboolean takes_writes(const SraidLd *ld, unsigned m)
{
    return !is_failed(ld, m) || (ld->rebuilding & (1u << m));
}

static void mark_failed(SraidLd *ld, unsigned m, int err)
{
    if (takes_writes(ld, m)) {
        ld->failed |= 1u << m;
        ld->rebuilding &= ~(1u << m);
        if (ld->io.member_failed) {
            ld->io.member_failed(ld->io.opaque, m, err);
        }
    }
}

gboolean sraid_ld_usable(const SraidLd *ld)
{
    unsigned n = __builtin_popcount(ld->failed);

    switch (ld->g.level) {
    case SRAID_RAID10:
        for (unsigned i = 0; i < ld->g.members; i += 2) {
            if (is_failed(ld, i) && is_failed(ld, i + 1)) {
                return FALSE;
            }
        }
        return TRUE;
    case SRAID_RAID1:
        return n < ld->g.members;
    default:
        return n <= sraid_geometry_redundancy(&ld->g);
    }
}

static uint64_t stripe_sectors(const SraidGeometry *g)
{
    return (uint64_t)g->strip_sectors * g->data_strips;
}

void sraid_ld_stripe_range(const SraidLd *ld, uint64_t lba, uint64_t sectors,
                           uint64_t *first, uint64_t *last)
{
    uint64_t ss = stripe_sectors(&ld->g);

    *first = lba / ss;
    *last = (lba + MAX(sectors, 1) - 1) / ss;
}

/* ---- member I/O batches ---- */

/*
 * The member I/O of one phase as the engine plans it: a piece per strip
 * (or per row range of a stripe), each with its own segments.  Callers
 * keep the index batch_add returns to look at the piece's result.
 */
typedef struct Batch {
    SraidMemberReq *r;          /* pieces; iov is set only inside batch_run */
    unsigned *seg0;             /* first segment of each piece in @segs */
    unsigned n, cap;
    GArray *segs;               /* struct iovec */
} Batch;

static unsigned batch_add_iov(SraidLd *ld, Batch *b, unsigned m,
                              gboolean write, uint64_t msector, uint32_t n,
                              const struct iovec *iov, unsigned niov,
                              size_t off)
{
    if (b->n == b->cap) {
        b->cap = MAX(b->cap * 2, 2 * SRAID_MAX_MEMBERS);
        b->r = g_renew(SraidMemberReq, b->r, b->cap);
        b->seg0 = g_renew(unsigned, b->seg0, b->cap);
    }
    if (!b->segs) {
        b->segs = g_array_new(FALSE, FALSE, sizeof(struct iovec));
    }
    b->seg0[b->n] = b->segs->len;
    b->r[b->n] = (SraidMemberReq) {
        .member = m, .write = write, .sector = ld->start + msector,
        .sectors = n, .ret = -EINPROGRESS,
        .niov = sraid_iov_slice(b->segs, iov, niov, off,
                                (size_t)n * SRAID_SECTOR),
    };
    return b->n++;
}

/* A piece whose data is one flat buffer (request scratch). */
static unsigned batch_add(SraidLd *ld, Batch *b, unsigned m, gboolean write,
                          uint64_t msector, uint32_t n, void *buf)
{
    struct iovec v = { .iov_base = buf, .iov_len = (size_t)n * SRAID_SECTOR };

    return batch_add_iov(ld, b, m, write, msector, n, &v, 1, 0);
}

/* Pieces in member order, by sector within a member. */
static gboolean piece_before(const SraidMemberReq *a, const SraidMemberReq *b)
{
    if (a->member != b->member) {
        return a->member < b->member;
    }
    return a->sector < b->sector;
}

/* Can piece @p extend member I/O @io (whose segments number @nsegs)? */
static gboolean piece_extends(const SraidMemberReq *io, unsigned nsegs,
                              const SraidMemberReq *p)
{
    return io->member == p->member && io->write == p->write &&
           io->sector + io->sectors == p->sector &&
           io->sectors + p->sectors <= SRAID_MEMBER_MAX_SECTORS &&
           nsegs + p->niov <= SRAID_MEMBER_MAX_IOV;
}

/* Without a submit callback: one pread/pwrite per member I/O. */
static int member_io_one(SraidLd *ld, const SraidMemberReq *r)
{
    size_t len = (size_t)r->sectors * SRAID_SECTOR;
    g_autofree uint8_t *bounce = NULL;
    void *buf = r->iov[0].iov_base;
    int ret;

    if (r->niov != 1) {
        buf = bounce = g_malloc(len);
        if (r->write) {
            sraid_iov_to_buf(r->iov, r->niov, 0, bounce, len);
        }
    }
    if (r->write) {
        return ld->io.pwrite(ld->io.opaque, r->member, r->sector, buf,
                             r->sectors);
    }
    ret = ld->io.pread(ld->io.opaque, r->member, r->sector, buf, r->sectors);
    if (ret == 0 && bounce) {
        sraid_iov_from_buf(r->iov, r->niov, 0, bounce, len);
    }
    return ret;
}

/*
 * Run the batch: pieces that follow each other on a member are merged
 * into one member I/O, the member I/Os go to the owner together, and each
 * piece gets the result of the I/O that carried it.  Members that fail an
 * I/O are marked failed.
 */
static void batch_run(SraidLd *ld, Batch *b, unsigned flags)
{
    g_autofree unsigned *order = NULL, *carrier = NULL, *io_seg0 = NULL;
    g_autofree SraidMemberReq *io = NULL;
    g_autoptr(GArray) segs = NULL;
    unsigned nio = 0, nsegs = 0;

    if (!b->n) {
        return;
    }
    /* insertion sort: a phase has a few dozen pieces, mostly in order */
    order = g_new(unsigned, b->n);
    for (unsigned i = 0; i < b->n; i++) {
        unsigned j = i;

        for (; j && piece_before(&b->r[i], &b->r[order[j - 1]]); j--) {
            order[j] = order[j - 1];
        }
        order[j] = i;
    }

    io = g_new(SraidMemberReq, b->n);
    io_seg0 = g_new(unsigned, b->n);
    carrier = g_new(unsigned, b->n);
    segs = g_array_sized_new(FALSE, FALSE, sizeof(struct iovec),
                             b->segs->len);
    for (unsigned k = 0; k < b->n; k++) {
        const SraidMemberReq *p = &b->r[order[k]];

        if (nio && piece_extends(&io[nio - 1], nsegs, p)) {
            io[nio - 1].sectors += p->sectors;
            io[nio - 1].niov += p->niov;
            nsegs += p->niov;
        } else {
            io[nio] = *p;
            io_seg0[nio++] = segs->len;
            nsegs = p->niov;
        }
        g_array_append_vals(segs, &g_array_index(b->segs, struct iovec,
                                                 b->seg0[order[k]]),
                            p->niov);
        carrier[order[k]] = nio - 1;
    }
    for (unsigned i = 0; i < nio; i++) {
        io[i].iov = &g_array_index(segs, struct iovec, io_seg0[i]);
    }

    if (ld->io.submit) {
        ld->io.submit(ld->io.opaque, io, nio, flags);
    } else {
        for (unsigned i = 0; i < nio; i++) {
            io[i].ret = member_io_one(ld, &io[i]);
        }
    }
    for (unsigned i = 0; i < nio; i++) {
        g_assert(io[i].ret != -EINPROGRESS);
        if (io[i].ret < 0) {
            mark_failed(ld, io[i].member, io[i].ret);
        }
    }
    for (unsigned i = 0; i < b->n; i++) {
        b->r[i].ret = io[carrier[i]].ret;
    }
}

static void batch_reset(Batch *b)
{
    b->n = 0;
    if (b->segs) {
        g_array_set_size(b->segs, 0);
    }
}

static void batch_free(Batch *b)
{
    g_free(b->r);
    g_free(b->seg0);
    if (b->segs) {
        g_array_free(b->segs, TRUE);
    }
}

/* ---- parity stripes ---- */

/* Rows [lo, hi) of every member of one stripe, in request scratch. */
typedef struct Stripe {
    uint64_t stripe;
    uint32_t lo, hi;
    size_t len;
    uint8_t *mem;
    uint8_t *blk[SRAID_MAX_MEMBERS];        /* by member */
    uint8_t *tmp;
} Stripe;

static void stripe_init(const SraidLd *ld, Stripe *st, uint64_t stripe,
                        uint32_t lo, uint32_t hi)
{
    st->stripe = stripe;
    st->lo = lo;
    st->hi = hi;
    st->len = (size_t)(hi - lo) * SRAID_SECTOR;
    st->mem = sraid_parity_alloc(st->len * (ld->g.members + 1));
    for (unsigned m = 0; m < ld->g.members; m++) {
        st->blk[m] = st->mem + st->len * m;
    }
    st->tmp = st->mem + st->len * ld->g.members;
}

static void stripe_free(Stripe *st)
{
    sraid_parity_free(st->mem);
}

/* Members in parity order: data 0..d-1, P, Q. */
static void parity_order(const SraidGeometry *g, uint64_t stripe,
                         unsigned *order)
{
    for (unsigned d = 0; d < g->data_strips; d++) {
        order[d] = sraid_geometry_data_member(g, stripe, d);
    }
    order[g->data_strips] = sraid_geometry_p_member(g, stripe);
    if (g->parity_strips == 2) {
        order[g->data_strips + 1] = sraid_geometry_q_member(g, stripe);
    }
}

/*
 * Bring the members in @want into @st.  Members in @skip are about to be
 * overwritten by the caller and need no old content, unless a wanted
 * member is failed: reconstruction needs the old content of every
 * survivor.  So when the wanted members are healthy only they are read (a
 * reconstruct-write reads no parity); otherwise every survivor is read and
 * the missing blocks are rebuilt from parity.
 */
static int load_stripe(SraidLd *ld, Stripe *st, uint32_t skip, uint32_t want)
{
    const SraidGeometry *g = &ld->g;
    uint64_t row0 = st->stripe * g->strip_sectors + st->lo;
    uint32_t all = (uint32_t)((1ull << g->members) - 1);
    uint32_t have = 0;
    unsigned order[SRAID_MAX_MEMBERS], missing[SRAID_MAX_MEMBERS];
    uint8_t *blocks[SRAID_MAX_MEMBERS];
    unsigned nmissing = 0;
    gboolean rebuild;
    Batch b = { 0 };

    want &= ~skip;
    for (;;) {
        uint32_t before = ld->failed, get;

        rebuild = (want & ld->failed) != 0;
        get = (rebuild ? all : want) & ~have & ~ld->failed;
        batch_reset(&b);
        for (unsigned m = 0; m < g->members; m++) {
            if (get & (1u << m)) {
                batch_add(ld, &b, m, FALSE, row0, st->hi - st->lo,
                          st->blk[m]);
            }
        }
        batch_run(ld, &b, 0);
        for (unsigned i = 0; i < b.n; i++) {
            if (b.r[i].ret == 0) {
                have |= 1u << b.r[i].member;
            }
        }
        if (ld->failed == before) {
            break;                  /* no new failure: done reading */
        }
    }
    batch_free(&b);
    if (!rebuild) {
        return 0;
    }

    parity_order(g, st->stripe, order);
    for (unsigned k = 0; k < g->members; k++) {
        blocks[k] = st->blk[order[k]];
        if (!(have & (1u << order[k]))) {
            missing[nmissing++] = k;
        }
    }
    if (nmissing > g->parity_strips ||
        !sraid_parity_recover(g->data_strips, g->parity_strips, blocks,
                              missing, nmissing, st->len, NULL)) {
        return -EIO;
    }
    return 0;
}

/* Members holding data in @stripe. */
static uint32_t data_members(const SraidGeometry *g, uint64_t stripe)
{
    uint32_t mask = 0;

    for (unsigned d = 0; d < g->data_strips; d++) {
        mask |= 1u << sraid_geometry_data_member(g, stripe, d);
    }
    return mask;
}

static void compute_parity(SraidLd *ld, Stripe *st)
{
    const SraidGeometry *g = &ld->g;
    uint8_t *data[SRAID_MAX_MEMBERS];

    for (unsigned d = 0; d < g->data_strips; d++) {
        data[d] = st->blk[sraid_geometry_data_member(g, st->stripe, d)];
    }
    if (g->parity_strips == 1) {
        sraid_parity_gen_p(g->data_strips, data,
                           st->blk[sraid_geometry_p_member(g, st->stripe)],
                           st->len);
    } else {
        sraid_parity_gen_pq(g->data_strips, data,
                            st->blk[sraid_geometry_p_member(g, st->stripe)],
                            st->blk[sraid_geometry_q_member(g, st->stripe)],
                            st->len);
    }
}

/* ---- reads ---- */

/* The caller's data of a request: where byte 0 of the request is. */
typedef struct ReqData {
    const struct iovec *iov;
    unsigned niov;
} ReqData;

typedef struct ReadPiece {
    SraidExtent e;
    size_t off;                 /* in the request's data */
    int req;                    /* piece index in the batch, -1 if none */
} ReadPiece;

/* A piece whose direct read failed or was impossible. */
static int read_piece_degraded(SraidLd *ld, ReadPiece *p, const ReqData *d)
{
    const SraidGeometry *g = &ld->g;
    const SraidExtent *e = &p->e;
    Stripe st;
    uint32_t lo;
    int ret;

    if (g->parity_strips == 0) {
        for (unsigned c = 0; c < e->ncopies; c++) {
            Batch b = { 0 };

            if (is_failed(ld, e->copies[c])) {
                continue;
            }
            batch_add_iov(ld, &b, e->copies[c], FALSE, e->member_lba,
                          e->sectors, d->iov, d->niov, p->off);
            batch_run(ld, &b, 0);
            ret = b.r[0].ret;
            batch_free(&b);
            if (ret == 0) {
                return 0;
            }
        }
        return -EIO;
    }
    lo = e->member_lba % g->strip_sectors;
    stripe_init(ld, &st, e->stripe, lo, lo + e->sectors);
    ret = load_stripe(ld, &st, 0, 1u << e->copies[0]);
    if (ret == 0) {
        sraid_iov_from_buf(d->iov, d->niov, p->off, st.blk[e->copies[0]],
                           st.len);
    }
    stripe_free(&st);
    return ret;
}

/* Is the request inside the LD and its data vector big enough? */
static int check_request(SraidLd *ld, uint64_t lba, uint64_t sectors,
                         const struct iovec *iov, unsigned niov)
{
    const SraidGeometry *g = &ld->g;

    if (lba > sraid_geometry_capacity(g) ||
        sectors > sraid_geometry_capacity(g) - lba ||
        niov > SRAID_MEMBER_MAX_IOV ||
        sraid_iov_size(iov, niov) / SRAID_SECTOR < sectors) {
        return -EINVAL;
    }
    return sraid_ld_usable(ld) ? 0 : -EIO;
}

int sraid_ld_readv(SraidLd *ld, uint64_t lba, uint64_t sectors,
                   const struct iovec *iov, unsigned niov)
{
    const SraidGeometry *g = &ld->g;
    g_autoptr(GArray) pieces = g_array_new(FALSE, FALSE, sizeof(ReadPiece));
    ReqData d = { .iov = iov, .niov = niov };
    uint64_t first_strip = lba / g->strip_sectors, nstrips;
    size_t off = 0;
    Batch b = { 0 };
    int ret = check_request(ld, lba, sectors, iov, niov);

    if (ret < 0) {
        return ret;
    }
    nstrips = sectors ? (lba + sectors - 1) / g->strip_sectors -
                        first_strip + 1 : 0;
    /*
     * One read per strip, from a healthy copy; batch_run merges the
     * strips that follow each other on a member.  Mirrors spread a
     * request's strips over the copies in contiguous runs: piece k of n
     * starts at copy k * ncopies / n, so a long read is one read per copy
     * (in parallel), and single-strip reads alternate between the copies.
     */
    for (uint64_t k = 0; sectors; k++) {
        ReadPiece p = { .off = off, .req = -1 };
        unsigned c0;

        sraid_geometry_map(g, lba, sectors, &p.e);
        c0 = (first_strip + k * p.e.ncopies / nstrips) % p.e.ncopies;
        for (unsigned c = 0; c < p.e.ncopies; c++) {
            unsigned m = p.e.copies[(c0 + c) % p.e.ncopies];

            if (!is_failed(ld, m)) {
                p.req = batch_add_iov(ld, &b, m, FALSE, p.e.member_lba,
                                      p.e.sectors, iov, niov, off);
                break;
            }
        }
        g_array_append_val(pieces, p);
        off += (size_t)p.e.sectors * SRAID_SECTOR;
        lba += p.e.sectors;
        sectors -= p.e.sectors;
    }
    batch_run(ld, &b, 0);

    for (unsigned i = 0; i < pieces->len && ret == 0; i++) {
        ReadPiece *p = &g_array_index(pieces, ReadPiece, i);

        if (p->req < 0 || b.r[p->req].ret < 0) {
            ret = read_piece_degraded(ld, p, &d);
        }
    }
    batch_free(&b);
    return ret;
}

int sraid_ld_read(SraidLd *ld, uint64_t lba, uint64_t sectors, void *buf)
{
    struct iovec v = {
        .iov_base = buf, .iov_len = sectors * SRAID_SECTOR,
    };

    return sraid_ld_readv(ld, lba, sectors, &v, 1);
}

/* ---- writes ---- */

/* RAID 0, 1, 10: every healthy copy of every strip, all at once. */
static int write_copies(SraidLd *ld, uint64_t lba, uint64_t sectors,
                        const ReqData *d, unsigned flags)
{
    const SraidGeometry *g = &ld->g;
    size_t off = 0;
    Batch b = { 0 };
    int ret = 0;

    while (sectors) {
        SraidExtent e;
        gboolean healthy = FALSE;

        sraid_geometry_map(g, lba, sectors, &e);
        for (unsigned c = 0; c < e.ncopies; c++) {
            healthy |= !is_failed(ld, e.copies[c]);
            if (takes_writes(ld, e.copies[c])) {
                batch_add_iov(ld, &b, e.copies[c], TRUE, e.member_lba,
                              e.sectors, d->iov, d->niov, off);
            }
        }
        if (!healthy) {
            ret = -EIO;                 /* no copy left of this strip */
        }
        off += (size_t)e.sectors * SRAID_SECTOR;
        lba += e.sectors;
        sectors -= e.sectors;
    }
    batch_run(ld, &b, flags);
    batch_free(&b);
    /* a strip is written when one copy took it and the LD still stands */
    return ret < 0 || !sraid_ld_usable(ld) ? -EIO : 0;
}

/* A write's part in one parity stripe. */
typedef struct StripeWrite {
    Stripe st;                  /* rows [lo, hi) that the write touches */
    uint64_t lba, end;          /* logical sectors in this stripe */
    size_t off;                 /* where @lba's data is in the request */
    uint32_t touched;           /* members that get new data */
    uint32_t covered;           /* those whose rows [lo, hi) it fills */
    gboolean rmw;               /* read-modify-write (healthy path) */
} StripeWrite;

static void stripe_write_plan(SraidLd *ld, StripeWrite *w, uint64_t lba,
                              uint64_t end, size_t off)
{
    const SraidGeometry *g = &ld->g;
    uint64_t stripe = lba / stripe_sectors(g);
    uint64_t base = stripe * g->strip_sectors;
    uint32_t lo = g->strip_sectors, hi = 0;

    w->lba = lba;
    w->end = end;
    w->off = off;
    w->touched = w->covered = 0;
    w->rmw = FALSE;
    for (uint64_t l = lba; l < end;) {
        SraidExtent e;
        uint32_t o;

        sraid_geometry_map(g, l, end - l, &e);
        o = e.member_lba - base;
        lo = MIN(lo, o);
        hi = MAX(hi, o + e.sectors);
        w->touched |= 1u << e.copies[0];
        l += e.sectors;
    }
    stripe_init(ld, &w->st, stripe, lo, hi);
    for (uint64_t l = lba; l < end;) {
        SraidExtent e;

        sraid_geometry_map(g, l, end - l, &e);
        if (e.member_lba - base == lo && e.sectors == hi - lo) {
            w->covered |= 1u << e.copies[0];
        }
        l += e.sectors;
    }
}

/*
 * Copy the new data into its rows of the stripe: the snapshot that both
 * the parity and the member writes are made from.
 */
static void overlay(SraidLd *ld, StripeWrite *w, const ReqData *d)
{
    const SraidGeometry *g = &ld->g;
    Stripe *st = &w->st;
    uint64_t base = st->stripe * g->strip_sectors;

    for (uint64_t l = w->lba; l < w->end;) {
        SraidExtent e;

        sraid_geometry_map(g, l, w->end - l, &e);
        sraid_iov_to_buf(d->iov, d->niov,
                         w->off + (l - w->lba) * SRAID_SECTOR,
                         st->blk[e.copies[0]] +
                         (size_t)(e.member_lba - base - st->lo) *
                         SRAID_SECTOR,
                         (size_t)e.sectors * SRAID_SECTOR);
        l += e.sectors;
    }
}

/* Does an update of @stripe need a journal entry first? */
static gboolean journal_wanted(const SraidLd *ld, uint64_t stripe)
{
    return ld->io.journal_begin &&
           (data_members(&ld->g, stripe) & ld->failed);
}

/*
 * RAID 5 chooses by reads: read-modify-write reads the touched strips and
 * P, reconstruct-write reads the data strips not overwritten.  RAID 6
 * always reconstructs (one P+Q generation, no Q delta).  A stripe missing
 * a data strip is journaled, which needs that strip's content:
 * reconstruct-write, which rebuilds it.
 */
static gboolean rmw_cheaper(const SraidLd *ld, const StripeWrite *w)
{
    const SraidGeometry *g = &ld->g;
    unsigned pm = sraid_geometry_p_member(g, w->st.stripe);

    return g->parity_strips == 1 && !journal_wanted(ld, w->st.stripe) &&
           !(ld->failed & (w->touched | (1u << pm))) &&
           (unsigned)__builtin_popcount(w->touched) + 1 <
           g->data_strips - (unsigned)__builtin_popcount(w->covered);
}

/* Members a stripe update writes: new data, P and Q. */
static uint32_t stripe_write_set(const SraidLd *ld, const StripeWrite *w)
{
    const SraidGeometry *g = &ld->g;
    uint32_t out = w->touched | 1u << sraid_geometry_p_member(g, w->st.stripe);

    if (g->parity_strips == 2) {
        out |= 1u << sraid_geometry_q_member(g, w->st.stripe);
    }
    return out;
}

static void add_stripe_io(SraidLd *ld, Batch *b, const StripeWrite *w,
                          uint32_t members, gboolean write)
{
    const Stripe *st = &w->st;
    uint64_t row0 = st->stripe * ld->g.strip_sectors + st->lo;

    for (unsigned m = 0; m < ld->g.members; m++) {
        if ((members & (1u << m)) && (!write || takes_writes(ld, m))) {
            batch_add(ld, b, m, write, row0, st->hi - st->lo, st->blk[m]);
        }
    }
}

/*
 * RAID 5 read-modify-write, once the touched strips and P are read:
 * P' = P ^ old data ^ new data.
 */
static void rmw_update(SraidLd *ld, StripeWrite *w, const ReqData *d)
{
    const SraidGeometry *g = &ld->g;
    Stripe *st = &w->st;
    unsigned pm = sraid_geometry_p_member(g, st->stripe);
    uint8_t *vec[SRAID_MAX_MEMBERS + 1];
    unsigned n = 0;

    /* tmp = P ^ old data; then overlay the new data; P = tmp ^ new data */
    for (unsigned m = 0; m < g->members; m++) {
        if ((w->touched | (1u << pm)) & (1u << m)) {
            vec[n++] = st->blk[m];
        }
    }
    sraid_parity_gen_p(n, vec, st->tmp, st->len);
    overlay(ld, w, d);
    n = 0;
    for (unsigned m = 0; m < g->members; m++) {
        if (w->touched & (1u << m)) {
            vec[n++] = st->blk[m];
        }
    }
    vec[n++] = st->tmp;
    sraid_parity_gen_p(n, vec, st->blk[pm], st->len);
}

/*
 * Stripes of a healthy LD, all in two phases: every read any stripe
 * needs, then every member write (a full-stripe stream reads nothing and
 * writes each member once).  -EAGAIN when a member failed a read: nothing
 * is written yet, and the caller goes stripe by stripe instead.
 */
static int write_stripes_healthy(SraidLd *ld, StripeWrite *w, unsigned n,
                                 const ReqData *d, unsigned flags)
{
    Batch b = { 0 };

    for (unsigned i = 0; i < n; i++) {
        const uint32_t pm = 1u << sraid_geometry_p_member(&ld->g,
                                                          w[i].st.stripe);

        w[i].rmw = rmw_cheaper(ld, &w[i]);
        add_stripe_io(ld, &b, &w[i], w[i].rmw ? w[i].touched | pm :
                      data_members(&ld->g, w[i].st.stripe) & ~w[i].covered,
                      FALSE);
    }
    batch_run(ld, &b, 0);
    if (ld->failed) {
        batch_free(&b);
        return -EAGAIN;
    }
    batch_reset(&b);
    for (unsigned i = 0; i < n; i++) {
        if (w[i].rmw) {
            rmw_update(ld, &w[i], d);
        } else {
            overlay(ld, &w[i], d);
            compute_parity(ld, &w[i].st);
        }
        add_stripe_io(ld, &b, &w[i], stripe_write_set(ld, &w[i]), TRUE);
    }
    /* a failure here leaves parity right for the survivors */
    batch_run(ld, &b, flags);
    batch_free(&b);
    return 0;
}

/* The entry for the failed data strips of @st, whose rows are final. */
static void journal_entry(const SraidLd *ld, Stripe *st, SraidDjEntry *e)
{
    uint32_t lost = data_members(&ld->g, st->stripe) & ld->failed;

    memset(e, 0, sizeof(*e));
    e->stripe = st->stripe;
    e->row = st->lo;
    e->rows = st->hi - st->lo;
    for (unsigned m = 0; m < ld->g.members; m++) {
        if (lost & (1u << m)) {
            /* load_stripe failed the request if more were lost */
            g_assert(e->nfailed < SRAID_DJ_MAX_FAILED);
            e->member[e->nfailed] = m;
            e->data[e->nfailed++] = st->blk[m];
        }
    }
}

/*
 * One stripe of a write to a degraded LD (or one that lost a member
 * during the read phase): reads retried around each new failure, missing
 * strips reconstructed, stripes missing data journaled.
 */
static int write_stripe(SraidLd *ld, StripeWrite *w, const ReqData *d,
                        unsigned flags)
{
    const SraidGeometry *g = &ld->g;
    Stripe *st = &w->st;
    uint32_t pm = 1u << sraid_geometry_p_member(g, st->stripe);
    SraidDjEntry je;
    gboolean journal;
    Batch b = { 0 };
    int ret;

    if (rmw_cheaper(ld, w)) {
        uint32_t before = ld->failed;

        add_stripe_io(ld, &b, w, w->touched | pm, FALSE);
        batch_run(ld, &b, 0);
        if (ld->failed == before) {
            rmw_update(ld, w, d);
            goto write;
        }
        /* a member failed on the way: reconstruct-write instead */
    }
    ret = load_stripe(ld, st, w->covered, data_members(g, st->stripe));
    if (ret < 0) {
        batch_free(&b);
        return ret;
    }
    overlay(ld, w, d);
    compute_parity(ld, st);
write:
    batch_reset(&b);
    add_stripe_io(ld, &b, w, stripe_write_set(ld, w), TRUE);
    /*
     * After load_stripe and overlay, every failed data strip's rows hold
     * their content after this update: reconstructed where the write does
     * not cover them, the new data where it does.  (Read-modify-write
     * never runs on a stripe that needs a journal.)
     */
    journal = journal_wanted(ld, st->stripe);
    if (journal) {
        journal_entry(ld, st, &je);
        ld->io.journal_begin(ld->io.opaque, &je);
    }
    /* a failure here leaves parity right for the survivors */
    batch_run(ld, &b, flags);
    batch_free(&b);
    if (journal) {
        ld->io.journal_end(ld->io.opaque, &je);
    }
    return 0;
}

/*
 * Stripes of one write planned together at most: bounds the scratch of a
 * request (members + 1 rows of each stripe).
 */
#define WRITE_GROUP_STRIPES 64

static int write_parity(SraidLd *ld, uint64_t lba, uint64_t sectors,
                        const ReqData *d, unsigned flags)
{
    uint64_t ss = stripe_sectors(&ld->g);
    g_autofree StripeWrite *w = g_new(StripeWrite, WRITE_GROUP_STRIPES);
    size_t off = 0;
    int ret = 0;

    while (sectors && ret == 0) {
        unsigned n = 0;

        for (; sectors && n < WRITE_GROUP_STRIPES; n++) {
            uint64_t end = MIN(lba + sectors, (lba / ss + 1) * ss);

            stripe_write_plan(ld, &w[n], lba, end, off);
            off += (end - lba) * SRAID_SECTOR;
            sectors -= end - lba;
            lba = end;
        }
        gboolean one_by_one = ld->failed ||
            write_stripes_healthy(ld, w, n, d, flags) == -EAGAIN;

        for (unsigned i = 0; i < n; i++) {
            if (one_by_one && ret == 0) {
                ret = write_stripe(ld, &w[i], d, flags);
            }
            stripe_free(&w[i].st);
        }
        if (ret == 0 && !sraid_ld_usable(ld)) {
            ret = -EIO;
        }
    }
    return ret;
}

int sraid_ld_writev(SraidLd *ld, uint64_t lba, uint64_t sectors,
                    const struct iovec *iov, unsigned niov, unsigned flags)
{
    const SraidGeometry *g = &ld->g;
    ReqData d = { .iov = iov, .niov = niov };
    g_autofree uint8_t *snapshot = NULL;
    struct iovec flat;
    int ret = check_request(ld, lba, sectors, iov, niov);

    if (ret < 0) {
        return ret;
    }
    if (g->parity_strips) {
        return write_parity(ld, lba, sectors, &d, flags);
    }
    if (g->level != SRAID_RAID0) {
        /* every copy from one snapshot of the data (raid-io.h) */
        flat.iov_len = sectors * SRAID_SECTOR;
        flat.iov_base = snapshot = g_malloc(flat.iov_len);
        sraid_iov_to_buf(iov, niov, 0, snapshot, flat.iov_len);
        d = (ReqData) { .iov = &flat, .niov = 1 };
    }
    return write_copies(ld, lba, sectors, &d, flags);
}

int sraid_ld_write(SraidLd *ld, uint64_t lba, uint64_t sectors,
                   const void *buf, unsigned flags)
{
    struct iovec v = {
        .iov_base = (void *)buf, .iov_len = sectors * SRAID_SECTOR,
    };

    return sraid_ld_writev(ld, lba, sectors, &v, 1, flags);
}

int sraid_ld_rebuild_stripe(SraidLd *ld, unsigned member, uint64_t stripe)
{
    const SraidGeometry *g = &ld->g;
    uint64_t base = stripe * g->strip_sectors;
    Stripe st;
    Batch b = { 0 };
    int ret = -EIO;

    g_assert(is_failed(ld, member));
    stripe_init(ld, &st, stripe, 0, g->strip_sectors);
    if (g->parity_strips) {
        ret = load_stripe(ld, &st, 0, 1u << member);
    } else if (g->level != SRAID_RAID0) {
        /* mirrors: copy from a surviving copy of the same strip */
        for (unsigned m = 0; m < g->members && ret < 0; m++) {
            gboolean same_set = g->level == SRAID_RAID1 ||
                                m / 2 == member / 2;

            if (m != member && same_set && !is_failed(ld, m)) {
                batch_add(ld, &b, m, FALSE, base, g->strip_sectors,
                          st.blk[member]);
                batch_run(ld, &b, 0);
                ret = b.r[0].ret;
                batch_reset(&b);
            }
        }
    }
    if (ret == 0) {
        /* the member being rebuilt is written although marked failed */
        batch_reset(&b);
        batch_add(ld, &b, member, TRUE, base, g->strip_sectors,
                  st.blk[member]);
        batch_run(ld, &b, 0);
        ret = b.r[0].ret;
    }
    batch_free(&b);
    stripe_free(&st);
    return ret;
}

void sraid_ld_member_span(const SraidLd *ld, uint64_t first_stripe,
                          uint64_t last_stripe, uint64_t *first,
                          uint64_t *last)
{
    *first = ld->start + first_stripe * ld->g.strip_sectors;
    *last = ld->start + (last_stripe + 1) * ld->g.strip_sectors - 1;
}

gboolean sraid_ld_stripes_in(const SraidLd *ld, uint64_t first,
                             uint64_t last, uint64_t *first_stripe,
                             uint64_t *last_stripe)
{
    uint64_t end = ld->start + ld->g.stripes * ld->g.strip_sectors;

    if (last < ld->start || first >= end) {
        return FALSE;
    }
    first = MAX(first, ld->start);
    last = MIN(last, end - 1);
    *first_stripe = (first - ld->start) / ld->g.strip_sectors;
    *last_stripe = (last - ld->start) / ld->g.strip_sectors;
    return TRUE;
}

int sraid_ld_resync_stripe(SraidLd *ld, uint64_t stripe)
{
    const SraidGeometry *g = &ld->g;
    uint64_t base = stripe * g->strip_sectors;
    uint32_t data = 0, out = 0;
    Stripe st;
    Batch b = { 0 };
    int ret = 0;

    if (g->level == SRAID_RAID0) {
        return 0;                   /* nothing redundant to agree */
    }
    stripe_init(ld, &st, stripe, 0, g->strip_sectors);
    if (g->parity_strips) {
        data = data_members(g, stripe);
        if (data & ld->failed) {
            /* parity is all that holds the missing strip: keep it */
            ret = -ENODATA;
            goto done;
        }
        ret = load_stripe(ld, &st, 0, data);
        if (ret < 0) {
            goto done;
        }
        compute_parity(ld, &st);
        out = 1u << sraid_geometry_p_member(g, stripe);
        if (g->parity_strips == 2) {
            out |= 1u << sraid_geometry_q_member(g, stripe);
        }
    } else {
        /* mirrors: the first healthy copy of each set is the truth */
        unsigned set = g->level == SRAID_RAID1 ? g->members : 2;

        for (unsigned m0 = 0; m0 < g->members; m0 += set) {
            int src = -1;

            for (unsigned m = m0; m < m0 + set && src < 0; m++) {
                if (!is_failed(ld, m)) {
                    src = m;
                }
            }
            if (src < 0) {
                continue;
            }
            for (unsigned m = m0; m < m0 + set; m++) {
                if ((int)m != src && takes_writes(ld, m)) {
                    out |= 1u << m;
                    st.blk[m] = st.blk[src];
                }
            }
            batch_add(ld, &b, src, FALSE, base, g->strip_sectors,
                      st.blk[src]);
        }
        batch_run(ld, &b, 0);
        for (unsigned i = 0; i < b.n; i++) {
            if (b.r[i].ret < 0) {
                ret = -EIO;
            }
        }
        if (ret < 0) {
            goto done;
        }
    }
    batch_reset(&b);
    for (unsigned m = 0; m < g->members; m++) {
        if ((out & (1u << m)) && takes_writes(ld, m)) {
            batch_add(ld, &b, m, TRUE, base, g->strip_sectors, st.blk[m]);
        }
    }
    batch_run(ld, &b, 0);
done:
    batch_free(&b);
    stripe_free(&st);
    return ret;
}

int sraid_ld_journal_apply(SraidLd *ld, const SraidDjEntry *e)
{
    const SraidGeometry *g = &ld->g;
    uint64_t row0 = e->stripe * g->strip_sectors + e->row;
    uint32_t lost = 0, data, out;
    Stripe st;
    Batch b = { 0 };
    int ret = 0;

    if (!g->parity_strips || e->stripe >= g->stripes || !e->rows ||
        e->row >= g->strip_sectors || e->rows > g->strip_sectors - e->row) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < e->nfailed; i++) {
        if (e->member[i] >= g->members) {
            return -EINVAL;
        }
        lost |= 1u << e->member[i];
    }
    data = data_members(g, e->stripe);
    if (!(data & ld->failed)) {
        return -ESTALE;
    }
    if ((data & ld->failed) != lost) {
        return -ENODATA;
    }
    stripe_init(ld, &st, e->stripe, e->row, e->row + e->rows);
    for (unsigned m = 0; m < g->members; m++) {
        if ((data & ~lost) & (1u << m)) {
            batch_add(ld, &b, m, FALSE, row0, e->rows, st.blk[m]);
        }
    }
    batch_run(ld, &b, 0);
    if ((data & ld->failed) != lost) {
        ret = -EIO;                 /* one more data strip lost: no parity */
        goto out;
    }
    for (unsigned i = 0; i < e->nfailed; i++) {
        memcpy(st.blk[e->member[i]], e->data[i], st.len);
    }
    compute_parity(ld, &st);
    out = lost | 1u << sraid_geometry_p_member(g, e->stripe);
    if (g->parity_strips == 2) {
        out |= 1u << sraid_geometry_q_member(g, e->stripe);
    }
    batch_reset(&b);
    for (unsigned m = 0; m < g->members; m++) {
        if ((out & (1u << m)) && takes_writes(ld, m)) {
            batch_add(ld, &b, m, TRUE, row0, e->rows, st.blk[m]);
        }
    }
    /* durable before the journal that asks for it is erased */
    batch_run(ld, &b, SRAID_IO_FUA);
    ret = sraid_ld_usable(ld) ? 0 : -EIO;
out:
    batch_free(&b);
    stripe_free(&st);
    return ret;
}

int sraid_ld_check_stripe(SraidLd *ld, uint64_t stripe)
{
    const SraidGeometry *g = &ld->g;
    uint64_t base = stripe * g->strip_sectors;
    size_t len = (size_t)g->strip_sectors * SRAID_SECTOR;
    Stripe st;
    Batch b = { 0 };
    int ret = 0;

    if (g->level == SRAID_RAID0) {
        return 0;                   /* nothing redundant to compare */
    }
    if (ld->failed) {
        return -ENODATA;            /* a copy or a parity term is missing */
    }
    stripe_init(ld, &st, stripe, 0, g->strip_sectors);
    for (unsigned m = 0; m < g->members; m++) {
        batch_add(ld, &b, m, FALSE, base, g->strip_sectors, st.blk[m]);
    }
    batch_run(ld, &b, 0);
    for (unsigned i = 0; i < b.n; i++) {
        if (b.r[i].ret < 0) {
            ret = -EIO;
        }
    }
    if (ret == 0 && g->parity_strips) {
        unsigned order[SRAID_MAX_MEMBERS];
        uint8_t *vec[SRAID_MAX_MEMBERS];

        parity_order(g, stripe, order);
        for (unsigned i = 0; i < g->data_strips + g->parity_strips; i++) {
            vec[i] = st.blk[order[i]];
        }
        ret = sraid_parity_check(g->data_strips, g->parity_strips, vec, len)
              ? 0 : 1;
    } else if (ret == 0) {
        unsigned set = g->level == SRAID_RAID1 ? g->members : 2;

        for (unsigned m = 0; m < g->members; m++) {
            if (m % set && memcmp(st.blk[m - m % set], st.blk[m], len)) {
                ret = 1;
            }
        }
    }
    batch_free(&b);
    stripe_free(&st);
    return ret;
}
