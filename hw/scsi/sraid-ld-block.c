/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: the block node behind a logical drive.
 *
 * Each logical drive is a private (unregistered) block driver node whose
 * requests run the firmware core's RAID engine (sraid/raid-io.h) in the
 * request's coroutine.  The engine hands over member I/O a phase at a
 * time; each phase runs as one coroutine per member I/O, all in parallel,
 * on the member drives' BlockBackends.
 *
 * The members stay owned by their sraid-drive devices rather than being
 * children of this node: a drive can be failed, removed and replaced while
 * the guest uses the logical drive without reshaping the block graph.
 *
 * Requests lock the stripes they touch (shared for reads, exclusive for
 * writes): parity of a stripe is updated by one request at a time, and a
 * degraded read never reconstructs from a half-updated stripe.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "block/block_int.h"
#include "qemu/coroutine.h"
#include "qemu/memalign.h"
#include "system/block-backend.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

typedef struct BDRVSraidLdState {
    SraidLdUnit *unit;
} BDRVSraidLdState;

static int sraid_ld_bdrv_open(BlockDriverState *bs, QDict *options, int flags,
                              Error **errp)
{
    /*
     * FUA goes to the member writes of the request (SRAID_IO_FUA); without
     * it, the block layer would follow every write with a flush of every
     * member.  The owner attaches the logical drive after creating the node.
     */
    bs->supported_write_flags = BDRV_REQ_FUA;
    return 0;
}

static void GRAPH_RDLOCK sraid_ld_bdrv_refresh_limits(BlockDriverState *bs,
                                                      Error **errp)
{
    BDRVSraidLdState *st = bs->opaque;

    bs->bl.request_alignment = SRAID_SECTOR;
    if (st->unit) {
        const SraidGeometry *g = &st->unit->ld.g;

        bs->bl.pwrite_zeroes_alignment = SRAID_SECTOR;
        bs->bl.opt_transfer = (uint64_t)g->strip_sectors * SRAID_SECTOR *
                              MAX(g->data_strips, 1);
    }
}

/* ---- stripe locks ---- */

void coroutine_fn sraid_ld_lock_stripes(SraidLdUnit *u, SraidStripeLock *l,
                                        uint64_t first, uint64_t last,
                                        bool exclusive)
{
    SraidStripeLock *o;

    l->first = first;
    l->last = last;
    l->exclusive = exclusive;
retry:
    QLIST_FOREACH(o, &u->locks, next) {
        if (o->first <= l->last && l->first <= o->last &&
            (o->exclusive || exclusive)) {
            trace_sraid_ld_lock_wait(u->ctrl->node_id, u->index, l->first,
                                     l->last);
            u->requests_waiting++;
            qemu_co_queue_wait(&u->lock_queue, NULL);
            u->requests_waiting--;
            goto retry;
        }
    }
    QLIST_INSERT_HEAD(&u->locks, l, next);
}

void coroutine_fn sraid_ld_unlock(SraidLdUnit *u, SraidStripeLock *l)
{
    QLIST_REMOVE(l, next);
    qemu_co_queue_restart_all(&u->lock_queue);
}

/* The stripes of logical sectors [lba, lba + sectors). */
void coroutine_fn sraid_ld_lock(SraidLdUnit *u, SraidStripeLock *l,
                                       uint64_t lba, uint64_t sectors,
                                       bool exclusive)
{
    uint64_t first, last;

    sraid_ld_stripe_range(&u->ld, lba, sectors, &first, &last);
    sraid_ld_lock_stripes(u, l, first, last, exclusive);
}

/*
 * Write under @lock, held exclusively on the write's stripes: the
 * write-intent bits of those stripes are on the members before any data
 * write, and cleared (lazily) after it.
 */
int coroutine_fn sraid_ld_locked_write(SraidLdUnit *u,
                                       const SraidStripeLock *lock,
                                       uint64_t lba, uint64_t sectors,
                                       QEMUIOVector *qiov, unsigned flags)
{
    uint64_t first, last;
    int ret;

    assert(lock->exclusive);
    sraid_ld_member_span(&u->ld, lock->first, lock->last, &first, &last);
    sraid_array_intent_begin(u->ctrl, first, last);
    ret = sraid_ld_writev(&u->ld, lba, sectors, qiov->iov, qiov->niov, flags);
    sraid_array_intent_end(u->ctrl, first, last);
    return ret;
}

/* ---- member I/O: one coroutine per request of a phase ---- */

typedef struct SraidPhase {
    Coroutine *co;
    unsigned pending;
} SraidPhase;

typedef struct SraidMemberCo {
    SraidLdUnit *unit;
    SraidMemberReq *req;
    unsigned flags;
    SraidPhase *phase;
} SraidMemberCo;

static int coroutine_fn sraid_member_rw(SraidLdUnit *u, SraidMemberReq *r,
                                        unsigned flags)
{
    unsigned m = u->ctrl->cod.lds[u->index].members[r->member];
    BlockBackend *blk = sraid_array_member_blk(u->ctrl, m);
    int64_t off = r->sector * SRAID_SECTOR;
    int64_t len = (int64_t)r->sectors * SRAID_SECTOR;
    QEMUIOVector qiov;
    int ret;

    if (!blk) {
        return -ENODEV;
    }
    if (sraid_array_member_cut(u->ctrl, m)) {
        return -EIO;                    /* its channel's cable is cut */
    }
    /* the engine's segments are the guest's buffers or request scratch */
    qemu_iovec_init_external(&qiov, (struct iovec *)r->iov, r->niov);
    assert(qiov.size == len);
    if (r->write) {
        ret = blk_co_pwritev(blk, off, len, &qiov,
                             (flags & SRAID_IO_FUA) ? BDRV_REQ_FUA : 0);
    } else {
        ret = blk_co_preadv(blk, off, len, &qiov, 0);
    }
    trace_sraid_member_io(u->ctrl->node_id, m, r->write, r->sector,
                          r->sectors, ret);
    return ret;
}

static void coroutine_fn sraid_member_co_entry(void *opaque)
{
    SraidMemberCo *mc = opaque;

    mc->req->ret = sraid_member_rw(mc->unit, mc->req, mc->flags);
    if (--mc->phase->pending == 0) {
        qemu_coroutine_enter_if_inactive(mc->phase->co);
    }
}

static void sraid_ld_submit(void *opaque, SraidMemberReq *reqs, unsigned n,
                            unsigned flags)
{
    SraidLdUnit *u = opaque;
    g_autofree SraidMemberCo *mc = g_new(SraidMemberCo, n);
    SraidPhase phase = { .co = qemu_coroutine_self(), .pending = n };

    /* the engine only runs inside a request's coroutine */
    assert(qemu_in_coroutine());
    for (unsigned i = 0; i < n; i++) {
        mc[i] = (SraidMemberCo) {
            .unit = u, .req = &reqs[i], .flags = flags, .phase = &phase,
        };
        qemu_coroutine_enter(qemu_coroutine_create(sraid_member_co_entry,
                                                   &mc[i]));
    }
    while (phase.pending) {
        qemu_coroutine_yield();
    }
}

static void sraid_ld_member_failed(void *opaque, unsigned pos, int err)
{
    SraidLdUnit *u = opaque;

    sraid_array_member_failed(u->ctrl, u->ctrl->cod.lds[u->index].members[pos],
                              err);
}

/* Degraded-write journal: the array writes it to every member in use. */
static void sraid_ld_journal_begin(void *opaque, SraidDjEntry *e)
{
    SraidLdUnit *u = opaque;

    sraid_array_journal_begin(u->ctrl, u->index, e);
}

static void sraid_ld_journal_end(void *opaque, const SraidDjEntry *e)
{
    SraidLdUnit *u = opaque;

    sraid_array_journal_end(u->ctrl, e);
}

/* ---- block driver callbacks ---- */

/*
 * The engine reads and writes the request's own vector: member reads land
 * in the guest's buffers, RAID 0 member writes come from them, and the
 * other levels copy the data once in the engine (raid-io.h says why).  A
 * vector longer than a member I/O may carry (a guest's scatter list is not
 * bounded by IOV_MAX) goes through one flat bounce buffer instead.
 */
QEMU_BUILD_BUG_ON(SRAID_MEMBER_MAX_IOV > IOV_MAX);

static int coroutine_fn sraid_ld_co_rw(BlockDriverState *bs, int64_t offset,
                                       int64_t bytes, QEMUIOVector *qiov,
                                       BdrvRequestFlags flags, bool write)
{
    BDRVSraidLdState *st = bs->opaque;
    SraidLdUnit *u = st->unit;
    uint64_t lba = offset / SRAID_SECTOR, n = bytes / SRAID_SECTOR;
    QEMUIOVector flat, *v = qiov;
    void *bounce = NULL;
    SraidStripeLock lock;
    int ret;

    if (!u) {
        return -ENODEV;
    }
    if (qiov->niov > SRAID_MEMBER_MAX_IOV) {
        bounce = qemu_try_blockalign(bs, bytes);
        if (!bounce) {
            return -ENOMEM;
        }
        if (write) {
            qemu_iovec_to_buf(qiov, 0, bounce, bytes);
        }
        qemu_iovec_init_buf(&flat, bounce, bytes);
        v = &flat;
    }
    u->requests_in_flight++;
    sraid_ld_lock(u, &lock, lba, n, write);
    if (write) {
        ret = sraid_ld_locked_write(u, &lock, lba, n, v,
                                    (flags & BDRV_REQ_FUA) ? SRAID_IO_FUA : 0);
    } else {
        ret = sraid_ld_readv(&u->ld, lba, n, v->iov, v->niov);
    }
    sraid_ld_unlock(u, &lock);
    u->requests_in_flight--;
    if (bounce) {
        if (!write && ret == 0) {
            qemu_iovec_from_buf(qiov, 0, bounce, bytes);
        }
        qemu_vfree(bounce);
    }
    if (write) {
        trace_sraid_ld_write(u->ctrl->node_id, u->index, lba, n,
                             !!(flags & BDRV_REQ_FUA), ret);
    } else {
        trace_sraid_ld_read(u->ctrl->node_id, u->index, lba, n, ret);
    }
    return ret;
}

static int coroutine_fn GRAPH_RDLOCK
sraid_ld_co_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes,
                   QEMUIOVector *qiov, BdrvRequestFlags flags)
{
    return sraid_ld_co_rw(bs, offset, bytes, qiov, flags, false);
}

static int coroutine_fn GRAPH_RDLOCK
sraid_ld_co_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes,
                    QEMUIOVector *qiov, BdrvRequestFlags flags)
{
    return sraid_ld_co_rw(bs, offset, bytes, qiov, flags, true);
}

/* SYNCHRONIZE CACHE reaches every member of the logical drive. */
static int coroutine_fn GRAPH_RDLOCK
sraid_ld_co_flush_to_disk(BlockDriverState *bs)
{
    BDRVSraidLdState *st = bs->opaque;
    SraidLdUnit *u = st->unit;
    const SraidCodLd *l;
    int ret = 0;

    if (!u) {
        return -ENODEV;
    }
    l = &u->ctrl->cod.lds[u->index];
    for (unsigned i = 0; i < l->nmembers; i++) {
        BlockBackend *blk = sraid_array_member_blk(u->ctrl, l->members[i]);
        int r;

        if (!blk || ((u->ld.failed & ~u->ld.rebuilding) & (1u << i))) {
            continue;                   /* members being rebuilt: flushed */
        }
        r = sraid_array_member_cut(u->ctrl, l->members[i]) ? -EIO
                                                           : blk_co_flush(blk);
        if (r < 0) {
            /* what it held may be lost: the member is no longer trusted */
            sraid_array_member_failed(u->ctrl, l->members[i], r);
        }
    }
    if (!sraid_ld_usable(&u->ld)) {
        ret = -EIO;
    }
    trace_sraid_ld_flush(u->ctrl->node_id, u->index, ret);
    return ret;
}

static void sraid_ld_bdrv_close(BlockDriverState *bs)
{
    BDRVSraidLdState *st = bs->opaque;

    if (st->unit) {
        st->unit->bs = NULL;
        st->unit = NULL;
    }
}

static BlockDriver bdrv_sraid_ld = {
    .format_name            = "sraid-ld",
    .instance_size          = sizeof(BDRVSraidLdState),
    .bdrv_open              = sraid_ld_bdrv_open,
    .bdrv_close             = sraid_ld_bdrv_close,
    .bdrv_refresh_limits    = sraid_ld_bdrv_refresh_limits,
    .bdrv_co_preadv         = sraid_ld_co_preadv,
    .bdrv_co_pwritev        = sraid_ld_co_pwritev,
    .bdrv_co_flush_to_disk  = sraid_ld_co_flush_to_disk,
    .supports_backing       = false,
};

static unsigned sraid_ld_node_serial;

SraidLdUnit *sraid_ld_unit_new(SraidCtrl *s, unsigned index, Error **errp)
{
    const SraidCodLd *l = &s->cod.lds[index];
    SraidLdUnit *u = g_new0(SraidLdUnit, 1);
    SraidLdIo io = {
        .submit = sraid_ld_submit,
        .member_failed = sraid_ld_member_failed,
        .journal_begin = sraid_ld_journal_begin,
        .journal_end = sraid_ld_journal_end,
        .opaque = u,
    };
    SraidGeometry g;
    g_autoptr(GError) gerr = NULL;
    BDRVSraidLdState *st;

    if (!sraid_geometry_init(&g, l->level, l->nmembers, l->strip_sectors,
                             l->member_sectors, &gerr)) {
        error_setg(errp, "sraid-ctrl node %u: logical drive %u: %s",
                   s->node_id, l->id, gerr->message);
        g_free(u);
        return NULL;
    }
    u->ctrl = s;
    u->index = index;
    QLIST_INIT(&u->locks);
    qemu_co_queue_init(&u->lock_queue);
    sraid_ld_init(&u->ld, &g, l->start, 0, &io);
    sraid_ld_pr_init(u);

    /*
     * A deleted logical drive's node lives on until its device is
     * finalized, which QEMU may do later: a logical drive created again
     * with the same id gets a node name of its own.
     */
    u->node_name = g_strdup_printf("sraid-n%u-ld%u-%u", s->node_id, l->id,
                                   sraid_ld_node_serial++);
    u->bs = bdrv_new_open_driver(&bdrv_sraid_ld, u->node_name, BDRV_O_RDWR,
                                 errp);
    if (!u->bs) {
        g_free(u->node_name);
        g_free(u);
        return NULL;
    }
    u->bs_owned = true;
    st = u->bs->opaque;
    st->unit = u;
    u->bs->total_sectors = sraid_geometry_capacity(&g);
    bdrv_graph_rdlock_main_loop();
    bdrv_refresh_limits(u->bs, NULL, NULL);
    bdrv_graph_rdunlock_main_loop();
    return u;
}

void sraid_ld_unit_free(SraidLdUnit *u)
{
    /*
     * The node and the unit point at each other; whichever goes first
     * unlinks itself (sraid_ld_bdrv_close): a deleted logical drive's
     * device may release the node after the unit is gone, or before.
     */
    if (u->bs) {
        BDRVSraidLdState *st = u->bs->opaque;

        st->unit = NULL;
        if (u->bs_owned) {
            bdrv_unref(u->bs);
        }
    }
    sraid_ld_pr_cleanup(u);
    sraid_ld_cleanup(&u->ld);
    g_free(u->node_name);
    g_free(u);
}
