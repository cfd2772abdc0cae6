/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: logical drive I/O over member I/O.
 */
#include <errno.h>
#include <string.h>

#include "parity.h"
#include "raid-io.h"

void sraid_ld_init(SraidLd *ld, const SraidGeometry *g, uint64_t start,
                   uint32_t failed, const SraidLdIo *io)
{
    size_t len = (size_t)g->strip_sectors * SRAID_SECTOR;

    memset(ld, 0, sizeof(*ld));
    ld->g = *g;
    ld->start = start;
    ld->failed = failed;
    ld->io = *io;
    for (unsigned i = 0; i < g->members; i++) {
        ld->strip[i] = sraid_parity_alloc(len);
    }
    ld->spare_strip = sraid_parity_alloc(len);
}

void sraid_ld_cleanup(SraidLd *ld)
{
    for (unsigned i = 0; i < ld->g.members; i++) {
        sraid_parity_free(ld->strip[i]);
    }
    sraid_parity_free(ld->spare_strip);
}

static gboolean is_failed(const SraidLd *ld, unsigned m)
{
    return ld->failed & (1u << m);
}

static void mark_failed(SraidLd *ld, unsigned m, int err)
{
    if (!is_failed(ld, m)) {
        ld->failed |= 1u << m;
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

/* Member I/O that fails the member on error. */
static int mread(SraidLd *ld, unsigned m, uint64_t msector, void *buf,
                 uint32_t n)
{
    int ret;

    if (is_failed(ld, m)) {
        return -EIO;
    }
    ret = ld->io.pread(ld->io.opaque, m, ld->start + msector, buf, n);
    if (ret < 0) {
        mark_failed(ld, m, ret);
    }
    return ret;
}

static int mwrite(SraidLd *ld, unsigned m, uint64_t msector, const void *buf,
                  uint32_t n)
{
    int ret;

    if (is_failed(ld, m)) {
        return -EIO;
    }
    ret = ld->io.pwrite(ld->io.opaque, m, ld->start + msector, buf, n);
    if (ret < 0) {
        mark_failed(ld, m, ret);
    }
    return ret;
}

/*
 * Parity levels: bring rows [lo, hi) of every strip of @stripe into
 * ld->strip[], reading the survivors and reconstructing the rest.
 * @skip marks members whose content the caller provides itself.
 */
static int load_stripe(SraidLd *ld, uint64_t stripe, uint32_t lo, uint32_t hi,
                       uint32_t skip)
{
    const SraidGeometry *g = &ld->g;
    uint64_t base = stripe * g->strip_sectors;
    size_t off = (size_t)lo * SRAID_SECTOR;
    size_t len = (size_t)(hi - lo) * SRAID_SECTOR;
    uint8_t *blocks[SRAID_MAX_MEMBERS];
    unsigned missing[2], nmissing;
    unsigned order[SRAID_MAX_MEMBERS];

    for (unsigned d = 0; d < g->data_strips; d++) {
        order[d] = sraid_geometry_data_member(g, stripe, d);
    }
    order[g->data_strips] = sraid_geometry_p_member(g, stripe);
    if (g->parity_strips == 2) {
        order[g->data_strips + 1] = sraid_geometry_q_member(g, stripe);
    }

retry:
    nmissing = 0;
    for (unsigned k = 0; k < g->members; k++) {
        unsigned m = order[k];

        blocks[k] = ld->strip[m] + off;
        if (skip & (1u << m)) {
            continue;
        }
        if (is_failed(ld, m)) {
            if (nmissing == g->parity_strips) {
                return -EIO;
            }
            missing[nmissing++] = k;
            continue;
        }
        if (mread(ld, m, base + lo, blocks[k], hi - lo) < 0) {
            goto retry;             /* now failed: reconstruct it */
        }
    }
    if (nmissing &&
        !sraid_parity_recover(g->data_strips, g->parity_strips, blocks,
                              missing, nmissing, len, NULL)) {
        return -EIO;
    }
    return 0;
}

static void compute_parity(SraidLd *ld, uint64_t stripe, uint32_t lo,
                           uint32_t hi)
{
    const SraidGeometry *g = &ld->g;
    size_t off = (size_t)lo * SRAID_SECTOR;
    size_t len = (size_t)(hi - lo) * SRAID_SECTOR;
    uint8_t *data[SRAID_MAX_MEMBERS];

    for (unsigned d = 0; d < g->data_strips; d++) {
        data[d] = ld->strip[sraid_geometry_data_member(g, stripe, d)] + off;
    }
    if (g->parity_strips == 1) {
        sraid_parity_gen_p(g->data_strips, data,
                           ld->strip[sraid_geometry_p_member(g, stripe)] + off,
                           len);
    } else {
        sraid_parity_gen_pq(g->data_strips, data,
                            ld->strip[sraid_geometry_p_member(g, stripe)] +
                            off,
                            ld->strip[sraid_geometry_q_member(g, stripe)] +
                            off, len);
    }
}

int sraid_ld_read(SraidLd *ld, uint64_t lba, uint64_t sectors, void *buf)
{
    const SraidGeometry *g = &ld->g;
    uint8_t *out = buf;

    if (lba > sraid_geometry_capacity(g) ||
        sectors > sraid_geometry_capacity(g) - lba) {
        return -EINVAL;
    }
    while (sectors) {
        SraidExtent e;
        int ret = -EIO;

        sraid_geometry_map(g, lba, sectors, &e);
        if (g->parity_strips == 0) {
            for (unsigned c = 0; c < e.ncopies && ret < 0; c++) {
                ret = mread(ld, e.copies[c], e.member_lba, out, e.sectors);
            }
            if (ret < 0) {
                return -EIO;
            }
        } else {
            unsigned m = e.copies[0];
            uint32_t lo = e.member_lba % g->strip_sectors;

            if (mread(ld, m, e.member_lba, out, e.sectors) < 0) {
                /* degraded read: rebuild the rows from the others */
                ret = load_stripe(ld, e.stripe, lo, lo + e.sectors, 0);
                if (ret < 0) {
                    return ret;
                }
                memcpy(out, ld->strip[m] + (size_t)lo * SRAID_SECTOR,
                       (size_t)e.sectors * SRAID_SECTOR);
            }
        }
        out += (size_t)e.sectors * SRAID_SECTOR;
        lba += e.sectors;
        sectors -= e.sectors;
    }
    return 0;
}

/* RAID 5 small write: new P = old P ^ old D ^ new D for one strip. */
static int rmw_single(SraidLd *ld, const SraidExtent *e, const uint8_t *in)
{
    const SraidGeometry *g = &ld->g;
    unsigned dm = e->copies[0];
    unsigned pm = sraid_geometry_p_member(g, e->stripe);
    uint32_t lo = e->member_lba % g->strip_sectors;
    size_t len = (size_t)e->sectors * SRAID_SECTOR;
    uint8_t *old = ld->strip[dm], *par = ld->strip[pm], *out = NULL;
    uint8_t *vec[3];

    if (mread(ld, dm, e->member_lba, old, e->sectors) < 0 ||
        mread(ld, pm, e->stripe * g->strip_sectors + lo, par,
              e->sectors) < 0) {
        return -EAGAIN;             /* a member failed: go degraded */
    }
    /* RAID 5 has at least 3 members: a third strip buffer is free */
    for (unsigned k = 0; k < g->members; k++) {
        if (k != dm && k != pm) {
            out = ld->strip[k];
            break;
        }
    }
    memcpy(ld->spare_strip, in, len);
    vec[0] = old;
    vec[1] = ld->spare_strip;
    vec[2] = par;
    sraid_parity_gen_p(3, vec, out, len);       /* old P ^ old D ^ new D */
    if (mwrite(ld, dm, e->member_lba, in, e->sectors) < 0 ||
        mwrite(ld, pm, e->stripe * g->strip_sectors + lo, out,
               e->sectors) < 0) {
        return -EAGAIN;
    }
    return 0;
}

/* Write the part of [lba, lba + sectors) that lies in one stripe. */
static int write_stripe(SraidLd *ld, uint64_t lba, uint64_t sectors,
                        const uint8_t *in, uint64_t *done)
{
    const SraidGeometry *g = &ld->g;
    uint64_t stripe_sectors = (uint64_t)g->strip_sectors * g->data_strips;
    uint64_t stripe = lba / stripe_sectors;
    uint64_t end = MIN(lba + sectors, (stripe + 1) * stripe_sectors);
    uint64_t base = stripe * g->strip_sectors;
    uint32_t lo = g->strip_sectors, hi = 0, written = 0;
    uint64_t l;
    int ret;

    *done = end - lba;
    /* rows touched, and which members get new data */
    for (l = lba; l < end;) {
        SraidExtent e;
        uint32_t o;

        sraid_geometry_map(g, l, end - l, &e);
        o = e.member_lba - base;
        lo = MIN(lo, o);
        hi = MAX(hi, o + e.sectors);
        written |= 1u << e.copies[0];
        l += e.sectors;
    }

    if (ld->failed == 0 && g->parity_strips == 1 &&
        __builtin_popcount(written) == 1 &&
        (uint64_t)(hi - lo) == end - lba) {
        SraidExtent e;

        sraid_geometry_map(g, lba, end - lba, &e);
        ret = rmw_single(ld, &e, in);
        if (ret != -EAGAIN) {
            return ret;
        }
    }

    /*
     * General path: rows [lo, hi) of every strip, old content where this
     * write does not reach (a full-stripe write reads nothing), new data
     * overlaid, parity recomputed, changed members written.
     */
    {
        uint32_t full = 0;

        if (lo == 0 && hi == g->strip_sectors &&
            end - lba == stripe_sectors) {
            full = written;
        }
        ret = load_stripe(ld, stripe, lo, hi, full);
        if (ret < 0) {
            return ret;
        }
    }
    for (l = lba; l < end;) {
        SraidExtent e;

        sraid_geometry_map(g, l, end - l, &e);
        memcpy(ld->strip[e.copies[0]] +
               (size_t)(e.member_lba - base) * SRAID_SECTOR,
               in + (size_t)(l - lba) * SRAID_SECTOR,
               (size_t)e.sectors * SRAID_SECTOR);
        l += e.sectors;
    }
    compute_parity(ld, stripe, lo, hi);
    written |= 1u << sraid_geometry_p_member(g, stripe);
    if (g->parity_strips == 2) {
        written |= 1u << sraid_geometry_q_member(g, stripe);
    }
    for (unsigned m = 0; m < g->members; m++) {
        if ((written & (1u << m)) && !is_failed(ld, m)) {
            /* a failure here leaves parity right for the survivors */
            mwrite(ld, m, base + lo,
                   ld->strip[m] + (size_t)lo * SRAID_SECTOR, hi - lo);
        }
    }
    return sraid_ld_usable(ld) ? 0 : -EIO;
}

int sraid_ld_write(SraidLd *ld, uint64_t lba, uint64_t sectors,
                   const void *buf)
{
    const SraidGeometry *g = &ld->g;
    const uint8_t *in = buf;

    if (lba > sraid_geometry_capacity(g) ||
        sectors > sraid_geometry_capacity(g) - lba) {
        return -EINVAL;
    }
    if (!sraid_ld_usable(ld)) {
        return -EIO;
    }
    while (sectors) {
        uint64_t done;

        if (g->parity_strips == 0) {
            SraidExtent e;
            unsigned ok = 0;

            sraid_geometry_map(g, lba, sectors, &e);
            for (unsigned c = 0; c < e.ncopies; c++) {
                ok += mwrite(ld, e.copies[c], e.member_lba, in,
                             e.sectors) == 0;
            }
            if (!ok) {
                return -EIO;
            }
            done = e.sectors;
        } else {
            int ret = write_stripe(ld, lba, sectors, in, &done);

            if (ret < 0) {
                return ret;
            }
        }
        in += done * SRAID_SECTOR;
        lba += done;
        sectors -= done;
    }
    return 0;
}

int sraid_ld_rebuild_stripe(SraidLd *ld, unsigned member, uint64_t stripe)
{
    const SraidGeometry *g = &ld->g;
    uint64_t base = stripe * g->strip_sectors;
    int ret;

    g_assert(is_failed(ld, member));
    if (g->parity_strips) {
        ret = load_stripe(ld, stripe, 0, g->strip_sectors, 0);
    } else {
        /* mirrors: copy from a surviving copy of the same strip */
        int src = -1;

        if (g->level == SRAID_RAID0) {
            return -EIO;
        }
        for (unsigned m = 0; m < g->members; m++) {
            gboolean same_pair = g->level == SRAID_RAID1 ||
                                 m / 2 == member / 2;

            if (m != member && same_pair && !is_failed(ld, m)) {
                src = m;
                break;
            }
        }
        ret = src < 0 ? -EIO : mread(ld, src, base, ld->strip[member],
                                     g->strip_sectors);
    }
    if (ret < 0) {
        return ret;
    }
    /* write the rebuilt strip to the member being rebuilt */
    return ld->io.pwrite(ld->io.opaque, member, ld->start + base,
                         ld->strip[member], g->strip_sectors);
}
