/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: the array on the controller's member drives.
 *
 * At machine start the controller reads the configuration on disk (COD)
 * from every sraid-drive, decides which drive holds which member, records
 * members that vanished as failed and brings the logical drives up.  When
 * the data path fails a member, the new configuration is on disk before
 * the request that found the failure completes: a write acknowledged in
 * degraded mode never depends on a member the configuration still trusts.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/memalign.h"
#include "qemu/timer.h"
#include "block/aio-wait.h"
#include "system/block-backend.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/cod-store.h"

#define SRAID_MAX_DRIVES (SRAID_MAX_CHANNELS * SRAID_MAX_NODES)

/* Disks for the COD store: attached drives, or the members in order. */
typedef struct SraidDiskSet {
    unsigned n;
    SraidDrive *drive[SRAID_MAX_DRIVES];
    uint64_t bytes[SRAID_MAX_DRIVES];
} SraidDiskSet;

static int sraid_disk_pread(void *opaque, unsigned disk, uint64_t offset,
                            void *buf, size_t len)
{
    SraidDiskSet *ds = opaque;

    if (ds->drive[disk]->cable_cut) {
        return -EIO;
    }
    return blk_pread(ds->drive[disk]->conf.blk, offset, len, buf, 0);
}

static int sraid_disk_pwrite(void *opaque, unsigned disk, uint64_t offset,
                             const void *buf, size_t len)
{
    SraidDiskSet *ds = opaque;

    if (ds->drive[disk]->cable_cut) {
        return -EIO;
    }
    return blk_pwrite(ds->drive[disk]->conf.blk, offset, len, buf, 0);
}

static int sraid_disk_flush(void *opaque, unsigned disk)
{
    SraidDiskSet *ds = opaque;

    if (ds->drive[disk]->cable_cut) {
        return -EIO;
    }
    return blk_flush(ds->drive[disk]->conf.blk);
}

static SraidMemberIo sraid_disk_io(SraidDiskSet *ds)
{
    return (SraidMemberIo) {
        .pread = sraid_disk_pread,
        .pwrite = sraid_disk_pwrite,
        .flush = sraid_disk_flush,
        .opaque = ds,
    };
}

BlockBackend *sraid_array_member_blk(SraidCtrl *s, unsigned member)
{
    SraidDrive *d = member < SRAID_MAX_MEMBERS ? s->member_drive[member]
                                               : NULL;

    return d ? d->conf.blk : NULL;
}

bool sraid_array_member_cut(SraidCtrl *s, unsigned member)
{
    SraidDrive *d = member < SRAID_MAX_MEMBERS ? s->member_drive[member]
                                               : NULL;

    return d && d->cable_cut;
}

int sraid_array_member_of(SraidCtrl *s, SraidDrive *d)
{
    for (unsigned m = 0; s->has_array && m < s->cod.nmembers; m++) {
        if (s->member_drive[m] == d) {
            return m;
        }
    }
    return -1;
}

bool sraid_array_member_in_ld(SraidCtrl *s, unsigned m)
{
    for (unsigned i = 0; i < s->cod.nlds; i++) {
        if (sraid_cod_ld_positions(&s->cod.lds[i], m)) {
            return true;
        }
    }
    return false;
}

/* Write the configuration (generation + 1) to every member in use. */
bool sraid_array_store(SraidCtrl *s, Error **errp)
{
    SraidDiskSet ds = { .n = s->cod.nmembers };
    SraidMemberIo io = sraid_disk_io(&ds);
    int disk_of_member[SRAID_MAX_MEMBERS];
    g_autoptr(GError) gerr = NULL;

    /*
     * Seed 003, "Configuration Changes": only the master writes the
     * configuration to the drives; a slave keeps its change in memory and
     * hands it to the master (Node_Config_Changed).
     */
    if (!sraid_cluster_may_write_cod(s)) {
        trace_sraid_array_store_deferred(s->node_id, s->cod.generation);
        sraid_cluster_cod_deferred(s);
        return true;
    }
    for (unsigned m = 0; m < SRAID_MAX_MEMBERS; m++) {
        disk_of_member[m] = -1;
    }
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        if (s->member_drive[m]) {
            ds.drive[m] = s->member_drive[m];
            ds.bytes[m] = blk_getlength(ds.drive[m]->conf.blk);
            disk_of_member[m] = m;
        }
    }
    if (!sraid_cod_store(&io, &s->cod, disk_of_member, ds.bytes, &gerr)) {
        error_setg(errp, "sraid-ctrl node %u: cannot write the array"
                   " configuration: %s", s->node_id, gerr->message);
        return false;
    }
    trace_sraid_array_store(s->node_id, s->cod.generation);
    s->local_failed = 0;
    sraid_cluster_cod_written(s);
    return true;
}

/* ---- write-intent bitmap (sraid/write-intent.h) ---- */

/* Clear bits this long after the last write of their region completed. */
#define SRAID_WIL_CLEAN_MS  1000

static bool sraid_member_in_use(SraidCtrl *s, unsigned m)
{
    return s->member_drive[m] &&
           s->cod.members[m].state != SRAID_MEMBER_FAILED &&
           s->cod.members[m].state != SRAID_MEMBER_MISSING;
}

/* Byte offset of @off (within the metadata area) on member @m */
static int64_t sraid_meta_offset(SraidCtrl *s, unsigned m, int64_t off)
{
    return sraid_cod_area_offset(blk_getlength(s->member_drive[m]->conf.blk))
           + off;
}

typedef struct SraidMetaWrite {
    SraidCtrl *s;
    int64_t off, len;               /* in the metadata area */
    const void *buf;
    BdrvRequestFlags flags;
    Coroutine *waiter;
    unsigned pending;
    int ret[SRAID_MAX_MEMBERS];
} SraidMetaWrite;

typedef struct SraidMetaMemberCo {
    SraidMetaWrite *w;
    unsigned member;
} SraidMetaMemberCo;

static void coroutine_fn sraid_meta_member_co(void *opaque)
{
    SraidMetaMemberCo *mc = opaque;
    SraidMetaWrite *w = mc->w;
    SraidCtrl *s = w->s;

    w->ret[mc->member] = s->member_drive[mc->member]->cable_cut ? -EIO :
        blk_co_pwrite(s->member_drive[mc->member]->conf.blk,
                      sraid_meta_offset(s, mc->member, w->off), w->len,
                      w->buf, w->flags);
    if (--w->pending == 0) {
        qemu_coroutine_enter_if_inactive(w->waiter);
    }
}

/*
 * @len bytes at @off of the metadata area onto every member in use, all
 * members at once: the write-intent bitmap and the degraded-write journal
 * announce data writes that wait for them.  A member that cannot take
 * them has failed.
 */
static void coroutine_fn sraid_meta_write(SraidCtrl *s, int64_t off,
                                          const void *buf, int64_t len,
                                          BdrvRequestFlags flags)
{
    SraidMetaWrite w = {
        .s = s, .off = off, .len = len, .buf = buf, .flags = flags,
        .waiter = qemu_coroutine_self(),
    };
    SraidMetaMemberCo mc[SRAID_MAX_MEMBERS];
    unsigned n = 0;

    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        if (sraid_member_in_use(s, m)) {
            mc[n++] = (SraidMetaMemberCo) { .w = &w, .member = m };
        }
    }
    w.pending = n;
    for (unsigned i = 0; i < n; i++) {
        qemu_coroutine_enter(qemu_coroutine_create(sraid_meta_member_co,
                                                   &mc[i]));
    }
    while (w.pending) {
        qemu_coroutine_yield();
    }
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        if (w.ret[m] < 0) {
            sraid_array_member_failed(s, m, w.ret[m]);
        }
    }
}

/*
 * Bitmap sectors [first, last] onto every member in use, with FUA: the
 * bits must be durable before the data writes they announce start, and
 * every write that enters a clean region waits for this.
 */
static void coroutine_fn sraid_wil_write(SraidCtrl *s, unsigned first,
                                         unsigned last)
{
    sraid_meta_write(s, SRAID_WIL_AREA_OFFSET +
                     (int64_t)first * SRAID_WIL_SECTOR,
                     sraid_wil_sector(&s->wil, first),
                     (int64_t)(last - first + 1) * SRAID_WIL_SECTOR,
                     BDRV_REQ_FUA);
    trace_sraid_wil_write(s->node_id, first, last);
}

int coroutine_fn sraid_array_intent_begin(SraidCtrl *s, uint64_t first,
                                          uint64_t last)
{
    unsigned s0, s1;

    qemu_co_mutex_lock(&s->wil_lock);
    if (sraid_wil_begin(&s->wil, first, last, &s0, &s1)) {
        sraid_wil_write(s, s0, s1);
    }
    qemu_co_mutex_unlock(&s->wil_lock);
    return 0;
}

void sraid_array_intent_end(SraidCtrl *s, uint64_t first, uint64_t last)
{
    sraid_wil_end(&s->wil, first, last);
    if (!timer_pending(s->wil_clean_timer)) {
        timer_mod(s->wil_clean_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + SRAID_WIL_CLEAN_MS);
    }
}

static void coroutine_fn sraid_wil_clean_co(void *opaque)
{
    SraidCtrl *s = opaque;
    g_autoptr(GArray) secs = g_array_new(FALSE, FALSE, sizeof(unsigned));

    qemu_co_mutex_lock(&s->wil_lock);
    if (sraid_wil_clean(&s->wil, secs)) {
        for (unsigned i = 0; i < secs->len; i++) {
            unsigned sec = g_array_index(secs, unsigned, i);

            sraid_wil_write(s, sec, sec);
        }
    }
    qemu_co_mutex_unlock(&s->wil_lock);
}

static void sraid_wil_clean_timer_cb(void *opaque)
{
    qemu_coroutine_enter(qemu_coroutine_create(sraid_wil_clean_co, opaque));
}

/* ---- degraded-write journal (sraid/degraded-journal.h) ---- */

/*
 * Slots hold the largest entry any logical drive can write: a header and
 * as many strips as it has parity strips (the data strips it may miss).
 */
static void sraid_dj_init(SraidCtrl *s)
{
    uint32_t strip = 0;
    unsigned parity = 0;

    for (unsigned i = 0; i < s->cod.nlds; i++) {
        const SraidGeometry *g = &s->lds[i]->ld.g;

        if (g->parity_strips) {
            strip = MAX(strip, g->strip_sectors);
            parity = MAX(parity, g->parity_strips);
        }
    }
    s->dj_slot_bytes = sraid_dj_slot_bytes(strip, parity);
    s->dj_nslots = sraid_dj_nslots(s->dj_slot_bytes);
    s->dj_busy = g_new0(bool, MAX(s->dj_nslots, 1));
    qemu_co_queue_init(&s->dj_queue);
    trace_sraid_dj_init(s->node_id, s->dj_slot_bytes, s->dj_nslots);
    if (s->dj_slot_bytes && !s->dj_nslots) {
        warn_report("sraid-ctrl node %u: strips too large for the"
                    " degraded-write journal; a crash during a degraded"
                    " write may lose the failed member's data",
                    s->node_id);
    }
}

static bool sraid_dj_in_use(SraidCtrl *s)
{
    for (unsigned i = 0; i < s->dj_nslots; i++) {
        if (s->dj_busy[i]) {
            return true;
        }
    }
    return !qemu_co_queue_empty(&s->dj_queue);
}

/*
 * A logical drive created while running may need larger slots than the
 * journal was given at start: once no update holds or waits for a slot,
 * size the slots again for every logical drive, as the next start will.
 * Freed entries left at the old offsets are harmless: recovery keeps the
 * newest entry of a stripe by sequence number, and every later update of
 * that stripe has a higher one.
 */
void sraid_array_journal_resize(SraidCtrl *s)
{
    AIO_WAIT_WHILE_UNLOCKED(NULL, sraid_dj_in_use(s));
    g_clear_pointer(&s->dj_busy, g_free);
    sraid_dj_init(s);
}

static unsigned sraid_dj_slot(SraidCtrl *s, const SraidDjEntry *e)
{
    return sraid_dj_slot_of(s->dj_nslots, e->ld_id, e->stripe);
}

/*
 * Before the member writes of a degraded stripe update: its entry on every
 * member in use, FUA, in parallel.  The entry goes to the stripe's own
 * slot (sraid_dj_slot_of), held until sraid_array_journal_end: the
 * stripe lock keeps a second update of the stripe away meanwhile, and
 * updates of other stripes sharing the slot wait their turn.
 */
void coroutine_fn sraid_array_journal_begin(SraidCtrl *s, unsigned index,
                                            SraidDjEntry *e)
{
    size_t len;
    uint8_t *buf;
    unsigned slot;

    e->ld_id = s->cod.lds[index].id;
    memcpy(e->array_guid, s->cod.array_guid, sizeof(e->array_guid));
    if (!s->dj_nslots) {
        return;                     /* warned at start; seq 0: none written */
    }
    if (sraid_dj_entry_bytes(e) > s->dj_slot_bytes) {
        /*
         * Slots are sized at start for the logical drives there were; a
         * larger entry would overrun its slot into the next one.
         */
        warn_report_once("sraid-ctrl node %u: logical drive %u has strips"
                         " larger than the degraded-write journal's slots;"
                         " its degraded writes are not journaled",
                         s->node_id, e->ld_id);
        return;
    }
    /* the slot again after each wait: the journal may have been resized */
    while (s->dj_busy[slot = sraid_dj_slot(s, e)]) {
        trace_sraid_dj_slot_wait(s->node_id, e->ld_id, e->stripe, slot);
        qemu_co_queue_wait(&s->dj_queue, NULL);
    }
    s->dj_busy[slot] = true;
    e->seq = ++s->dj_seq;
    len = sraid_dj_entry_bytes(e);
    buf = qemu_blockalign(NULL, len);
    sraid_dj_encode(e, buf);
    sraid_meta_write(s, SRAID_DJ_AREA_OFFSET + (int64_t)slot *
                     s->dj_slot_bytes, buf, len, BDRV_REQ_FUA);
    qemu_vfree(buf);
    trace_sraid_dj_write(s->node_id, e->ld_id, e->stripe, slot, e->seq,
                         e->row, e->rows, e->nfailed);
}

/*
 * The member writes are done: free the slot on disk with a zeroed header.
 * It needs no FUA: the entry holds the stripe's content after the update,
 * so if the zeroed header is lost in a crash, re-applying the entry at
 * start rewrites the parity that is already there (idempotent).  And no
 * other entry of this stripe can be on disk beside it (one slot per
 * stripe), so a stale entry can never win over a newer one.  Should the
 * stripe stop being degraded (rebuild), the configuration store that
 * records it flushes every member (sraid/cod-store.c), making this
 * zeroed header durable first.  The slot stays held until the header is
 * written, so that it cannot land over the next entry in the slot.
 */
void coroutine_fn sraid_array_journal_end(SraidCtrl *s,
                                          const SraidDjEntry *e)
{
    uint8_t *buf;
    unsigned slot;

    if (!e->seq) {
        return;                     /* sraid_array_journal_begin wrote none */
    }
    slot = sraid_dj_slot(s, e);
    buf = qemu_blockalign0(NULL, SRAID_DJ_HEADER);
    sraid_meta_write(s, SRAID_DJ_AREA_OFFSET + (int64_t)slot *
                     s->dj_slot_bytes, buf, SRAID_DJ_HEADER, 0);
    qemu_vfree(buf);
    s->dj_busy[slot] = false;
    qemu_co_queue_restart_all(&s->dj_queue);
    trace_sraid_dj_free(s->node_id, e->ld_id, e->stripe, slot);
}

typedef struct SraidResync {
    SraidCtrl *s;
    bool done;
    bool checkpoint_lowered;
    unsigned chunks, stripes, skipped;
    unsigned unrepaired;            /* journal entries that could not apply */
    GHashTable *journaled;          /* (LD index << 56 | stripe) applied */
} SraidResync;

static uint64_t sraid_stripe_key(unsigned index, uint64_t stripe)
{
    return (uint64_t)index << 56 | stripe;
}

/*
 * After a crash, before the bitmap resync: the newest entry of each
 * stripe on any member in use.  A stripe still missing exactly the data
 * strips its entry holds gets parity recomputed from the surviving data
 * and the entry (sraid_ld_journal_apply); the others are no longer
 * degraded, or degraded differently, and left to the resync.  Then the
 * journal is erased, so that entries of this run are never confused with
 * older ones (the sequence numbers continue above the largest found).
 */
static void coroutine_fn sraid_dj_recover(SraidResync *r)
{
    SraidCtrl *s = r->s;
    g_autoptr(GPtrArray) entries = NULL;
    SraidDjSet set;
    uint8_t *buf;
    unsigned valid = 0, applied = 0;

    if (!s->dj_nslots) {
        return;
    }
    buf = qemu_blockalign(NULL, SRAID_DJ_BYTES);
    sraid_dj_set_init(&set);
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        if (sraid_member_in_use(s, m) &&
            blk_co_pread(s->member_drive[m]->conf.blk,
                         sraid_meta_offset(s, m, SRAID_DJ_AREA_OFFSET),
                         SRAID_DJ_BYTES, buf, 0) == 0) {
            valid += sraid_dj_scan(&set, buf, SRAID_DJ_BYTES,
                                   s->dj_slot_bytes);
        }
    }
    s->dj_seq = set.max_seq;
    entries = sraid_dj_set_entries(&set);
    for (unsigned k = 0; k < entries->len; k++) {
        const SraidDjEntry *e = entries->pdata[k];
        int ret = -ENOENT;

        /* an entry of an array that was on these disks before is not ours */
        for (unsigned i = 0; i < s->cod.nlds &&
             !memcmp(e->array_guid, s->cod.array_guid, 16); i++) {
            if (s->cod.lds[i].id == e->ld_id) {
                ret = sraid_ld_journal_apply(&s->lds[i]->ld, e);
                /* -ESTALE: not degraded any more, the resync's business */
                if (ret < 0 && ret != -ESTALE) {
                    r->unrepaired++;
                }
                if (ret == 0) {
                    uint64_t key = sraid_stripe_key(i, e->stripe);

                    g_hash_table_add(r->journaled,
                                     g_memdup2(&key, sizeof(key)));
                    applied++;
                }
                break;
            }
        }
        trace_sraid_dj_apply(s->node_id, e->ld_id, e->stripe, e->seq, ret);
    }
    if (valid) {
        /* parity written with FUA by the apply: now the entries can go */
        memset(buf, 0, SRAID_DJ_BYTES);
        sraid_meta_write(s, SRAID_DJ_AREA_OFFSET, buf, SRAID_DJ_BYTES,
                         BDRV_REQ_FUA);
    }
    trace_sraid_dj_recover(s->node_id, valid, entries->len, applied);
    sraid_dj_set_free(&set);
    qemu_vfree(buf);
}

/*
 * After a crash: every region a member's bitmap marks had writes in
 * flight; make its stripes consistent again, then clear the bitmap.
 */
static void coroutine_fn sraid_wil_resync_co(void *opaque)
{
    SraidResync *r = opaque;
    SraidCtrl *s = r->s;
    uint8_t *buf = qemu_blockalign(NULL, SRAID_WIL_BYTES);
    uint64_t chunk = 0;

    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        if (sraid_member_in_use(s, m) &&
            blk_co_pread(s->member_drive[m]->conf.blk,
                         sraid_meta_offset(s, m, SRAID_WIL_AREA_OFFSET),
                         SRAID_WIL_BYTES, buf, 0) == 0) {
            sraid_wil_merge(&s->wil, buf, SRAID_WIL_BYTES);
        }
    }
    qemu_vfree(buf);
    sraid_dj_recover(r);
    while (sraid_wil_next_dirty(&s->wil, chunk, &chunk)) {
        uint64_t first, last;

        r->chunks++;
        sraid_wil_chunk_range(&s->wil, chunk, &first, &last);
        /*
         * A member being rebuilt took the writes in flight too, torn or
         * not: rebuild it again from here.
         */
        for (unsigned m = 0; m < s->cod.nmembers; m++) {
            SraidCodMember *c = &s->cod.members[m];

            if (c->state == SRAID_MEMBER_REBUILDING &&
                c->rebuild_checkpoint > first) {
                c->rebuild_checkpoint = first;
                r->checkpoint_lowered = true;
            }
        }
        for (unsigned i = 0; i < s->cod.nlds; i++) {
            SraidLd *ld = &s->lds[i]->ld;
            uint64_t s0, s1;

            if (!sraid_ld_stripes_in(ld, first, last, &s0, &s1)) {
                continue;
            }
            for (uint64_t st = s0; st <= s1; st++) {
                uint64_t key = sraid_stripe_key(i, st);

                if (sraid_ld_resync_stripe(ld, st) < 0) {
                    /* degraded: only its journal entry could repair it */
                    if (!g_hash_table_contains(r->journaled, &key)) {
                        r->skipped++;
                    }
                } else {
                    r->stripes++;
                }
            }
        }
        chunk++;
    }
    if (r->checkpoint_lowered) {
        Error *err = NULL;

        /* on disk before the bitmap that asks for it is cleared */
        if (!sraid_array_store(s, &err)) {
            error_report_err(err);
        }
    }
    if (r->chunks) {
        sraid_wil_clear_all(&s->wil);
        sraid_wil_write(s, 0, SRAID_WIL_BYTES / SRAID_WIL_SECTOR - 1);
    }
    r->done = true;
    aio_wait_kick();
}

void sraid_array_wil_start(SraidCtrl *s)
{
    SraidResync r = { .s = s };
    uint64_t usable = 0;

    r.journaled = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                        NULL);
    sraid_dj_init(s);

    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        usable = MAX(usable, s->cod.members[m].sectors);
    }
    sraid_wil_init(&s->wil, usable);
    qemu_co_mutex_init(&s->wil_lock);
    s->wil_clean_timer = timer_new_ms(QEMU_CLOCK_REALTIME,
                                      sraid_wil_clean_timer_cb, s);
    qemu_coroutine_enter(qemu_coroutine_create(sraid_wil_resync_co, &r));
    AIO_WAIT_WHILE_UNLOCKED(NULL, !r.done);
    g_hash_table_destroy(r.journaled);
    trace_sraid_wil_resync(s->node_id, r.chunks, r.stripes, r.skipped);
    if (r.unrepaired) {
        warn_report("sraid-ctrl node %u: %u stripes being written degraded"
                    " when QEMU stopped could not be repaired from the"
                    " degraded-write journal: another of their members is"
                    " failed now, or failed during the repair", s->node_id,
                    r.unrepaired);
    }
    if (r.skipped) {
        /*
         * Every degraded update journals before its member writes, so
         * these were not being updated degraded; they are torn only if a
         * member failed in the middle of their update.
         */
        warn_report("sraid-ctrl node %u: %u stripes in regions written when"
                    " QEMU stopped could not be checked: a member of theirs"
                    " is failed, so parity is their only copy, and the"
                    " degraded-write journal has no entry for them",
                    s->node_id, r.skipped);
    }
}

/*
 * RAID-order failure bits of logical drive @l from the member states; the
 * members being rebuilt among them in @rebuilding.
 */
static uint32_t sraid_array_ld_failed(SraidCtrl *s, const SraidCodLd *l,
                                      uint32_t *rebuilding)
{
    uint32_t failed = 0;

    *rebuilding = 0;
    for (unsigned i = 0; i < l->nmembers; i++) {
        unsigned m = l->members[i];

        if (s->cod.members[m].state != SRAID_MEMBER_ONLINE ||
            !s->member_drive[m]) {
            failed |= 1u << i;
        }
        if (s->cod.members[m].state == SRAID_MEMBER_REBUILDING &&
            s->member_drive[m]) {
            *rebuilding |= 1u << i;
        }
    }
    return failed;
}

/* Set each LD's state from its engine; true if any changed. */
bool sraid_array_update_ld_states(SraidCtrl *s)
{
    bool changed = false;

    for (unsigned i = 0; i < s->cod.nlds; i++) {
        SraidCodLd *l = &s->cod.lds[i];
        SraidLdUnit *u = s->lds[i];
        uint8_t state;

        if (!u) {
            continue;
        }
        state = !sraid_ld_usable(&u->ld) ? SRAID_LD_OFFLINE :
                u->ld.failed ? SRAID_LD_DEGRADED : SRAID_LD_OPTIMAL;
        if (state != l->state) {
            trace_sraid_ld_state(s->node_id, l->id, l->state, state);
            l->state = state;
            sraid_array_notify_ld(s, i);
            changed = true;
        }
    }
    return changed;
}

/*
 * A member failed an I/O.  Every LD on it goes degraded (or offline) and
 * the configuration saying so is on disk before this returns, i.e. before
 * the guest request that found the failure completes.
 */
void coroutine_fn sraid_array_member_failed(SraidCtrl *s, unsigned member,
                                            int err)
{
    Error *local_err = NULL;

    qemu_co_mutex_lock(&s->cod_lock);
    if (s->cod.members[member].state != SRAID_MEMBER_FAILED) {
        g_autofree char *what = s->member_drive[member] ?
            g_strdup_printf("drive '%s'",
                            sraid_drive_name(s->member_drive[member])) :
            g_strdup("drive removed");

        trace_sraid_member_failed(s->node_id, member, err);
        error_report("sraid-ctrl node %u: member %u (%s) failed: %s; its"
                     " logical drives run degraded", s->node_id, member, what,
                     strerror(-err));
        s->cod.members[member].state = SRAID_MEMBER_FAILED;
        for (unsigned i = 0; i < s->cod.nlds && s->lds[i]; i++) {
            uint32_t pos = sraid_cod_ld_positions(&s->cod.lds[i], member);

            s->lds[i]->ld.failed |= pos;
            s->lds[i]->ld.rebuilding &= ~pos;
        }
        sraid_array_update_ld_states(s);
        if (!sraid_cluster_may_write_cod(s)) {
            s->local_failed |= 1u << member;
        }
        if (!sraid_array_store(s, &local_err)) {
            error_report_err(local_err);
        }
        sraid_array_notify_member(s, member);
        /* a hot spare may take its place */
        sraid_bg_kick(s);
    }
    qemu_co_mutex_unlock(&s->cod_lock);
}

/* Fail member @m here (not on disk: the caller stores, or the master) */
static void sraid_array_fail_local(SraidCtrl *s, unsigned m)
{
    trace_sraid_member_failed(s->node_id, m, -EIO);
    s->cod.members[m].state = SRAID_MEMBER_FAILED;
    for (unsigned i = 0; i < s->cod.nlds && s->lds[i]; i++) {
        uint32_t pos = sraid_cod_ld_positions(&s->cod.lds[i], m);

        s->lds[i]->ld.failed |= pos;
        s->lds[i]->ld.rebuilding &= ~pos;
    }
    sraid_array_update_ld_states(s);
    sraid_array_notify_member(s, m);
}

static bool sraid_member_state_in_use(uint8_t st)
{
    return st == SRAID_MEMBER_ONLINE || st == SRAID_MEMBER_REBUILDING;
}

/*
 * Member @m, failed here, is in use on the drives (the master kept it):
 * use it again as the drives say.
 */
static void sraid_array_take_member(SraidCtrl *s, unsigned m,
                                    const SraidCodMember *disk)
{
    s->cod.members[m].state = disk->state;
    s->cod.members[m].rebuild_checkpoint = disk->rebuild_checkpoint;
    for (unsigned i = 0; i < s->cod.nlds && s->lds[i]; i++) {
        s->lds[i]->ld.failed = sraid_array_ld_failed(
            s, &s->cod.lds[i], &s->lds[i]->ld.rebuilding);
    }
    sraid_array_update_ld_states(s);
    sraid_array_notify_member(s, m);
}

uint32_t sraid_array_failed_in(SraidCtrl *s, const SraidMailbox *mb)
{
    uint32_t failed = 0;

    for (unsigned c = 0; s->has_array && c < mb->channels; c++) {
        for (unsigned t = 0; t < mb->targets; t++) {
            const SraidMailboxPd *pd = &mb->pds[c][t];

            for (unsigned m = 0; pd->present && m < s->cod.nmembers; m++) {
                if (!memcmp(s->cod.members[m].guid, pd->guid,
                            sizeof(pd->guid)) &&
                    !sraid_member_state_in_use(pd->state)) {
                    failed |= 1u << m;
                }
            }
        }
    }
    return failed;
}

bool sraid_array_merge_failures(SraidCtrl *s, const SraidMailbox *mb)
{
    bool changed = false;

    for (unsigned c = 0; s->has_array && c < mb->channels; c++) {
        for (unsigned t = 0; t < mb->targets; t++) {
            const SraidMailboxPd *pd = &mb->pds[c][t];

            if (!pd->present || sraid_member_state_in_use(pd->state)) {
                continue;
            }
            for (unsigned m = 0; m < s->cod.nmembers; m++) {
                if (!memcmp(s->cod.members[m].guid, pd->guid,
                            sizeof(pd->guid)) &&
                    sraid_member_state_in_use(s->cod.members[m].state)) {
                    sraid_array_fail_local(s, m);
                    changed = true;
                }
            }
        }
    }
    return changed;
}

/* Same array, same members, same logical drives in the same places */
static bool sraid_array_same_layout(const SraidCod *a, const SraidCod *b)
{
    if (memcmp(a->array_guid, b->array_guid, sizeof(a->array_guid)) ||
        a->nmembers != b->nmembers || a->nlds != b->nlds) {
        return false;
    }
    for (unsigned m = 0; m < a->nmembers; m++) {
        if (memcmp(a->members[m].guid, b->members[m].guid,
                   sizeof(a->members[m].guid))) {
            return false;
        }
    }
    for (unsigned i = 0; i < a->nlds; i++) {
        const SraidCodLd *x = &a->lds[i], *y = &b->lds[i];

        if (x->id != y->id || x->level != y->level ||
            x->nmembers != y->nmembers ||
            x->strip_sectors != y->strip_sectors || x->start != y->start ||
            x->member_sectors != y->member_sectors ||
            memcmp(x->members, y->members, x->nmembers)) {
            return false;
        }
    }
    return true;
}

static void sraid_array_collect(SraidCtrl *s, SraidDiskSet *ds);

bool coroutine_fn sraid_array_reload(SraidCtrl *s, Error **errp)
{
    SraidDiskSet ds;
    SraidMemberIo io = sraid_disk_io(&ds);
    g_autofree SraidDiskStatus *st = NULL;
    g_autofree SraidCod *cod = g_new0(SraidCod, 1);
    g_autoptr(GError) gerr = NULL;

    if (!s->has_array) {
        return true;
    }
    sraid_array_collect(s, &ds);
    if (ds.n == 0) {
        return true;
    }
    st = g_new0(SraidDiskStatus, ds.n);
    if (!sraid_cod_load(&io, ds.n, ds.bytes, cod, st, &gerr)) {
        sraid_disk_status_clear(st, ds.n);
        error_setg(errp, "sraid-ctrl node %u: cannot read the configuration"
                   " again: %s", s->node_id, gerr->message);
        return false;
    }
    sraid_disk_status_clear(st, ds.n);
    if (!sraid_array_same_layout(cod, &s->cod)) {
        error_setg(errp, "sraid-ctrl node %u: the logical drives on the"
                   " drives changed (generation %" PRIu64 "); restart QEMU"
                   " to serve them", s->node_id, cod->generation);
        return false;
    }
    /*
     * The drives' member states win, as at power-on, but for members this
     * node cannot reach or failed itself since the master last wrote (a
     * change still to be written: the master gets it).
     */
    s->cod_dirty = false;
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        uint8_t disk = cod->members[m].state, here = s->cod.members[m].state;
        SraidDrive *d = s->member_drive[m];

        if (!sraid_member_state_in_use(disk) &&
            sraid_member_state_in_use(here)) {
            sraid_array_fail_local(s, m);
        } else if (!sraid_member_state_in_use(here) &&
                   sraid_member_state_in_use(disk)) {
            if (!d || d->cable_cut || (s->local_failed & (1u << m))) {
                s->cod_dirty = true;
            } else {
                sraid_array_take_member(s, m, &cod->members[m]);
            }
        }
    }
    trace_sraid_array_reload(s->node_id, s->cod.generation, cod->generation);
    s->cod.generation = MAX(s->cod.generation, cod->generation);
    return true;
}

static void sraid_array_collect(SraidCtrl *s, SraidDiskSet *ds)
{
    ds->n = 0;
    for (unsigned c = 0; c < SRAID_MAX_CHANNELS; c++) {
        for (unsigned t = 0; t < SRAID_MAX_NODES; t++) {
            SraidDrive *d = s->drives[c][t];

            if (d) {
                ds->drive[ds->n] = d;
                ds->bytes[ds->n] = blk_getlength(d->conf.blk);
                ds->n++;
            }
        }
    }
}

/* Read and check the configuration; fill member_drive. */
static bool sraid_array_load(SraidCtrl *s, bool *stale, Error **errp)
{
    SraidDiskSet ds;
    SraidMemberIo io = sraid_disk_io(&ds);
    g_autofree SraidDiskStatus *st = NULL;
    int disk_of_member[SRAID_MAX_MEMBERS], bad;
    g_autoptr(GError) gerr = NULL;
    bool blank = true;

    sraid_array_collect(s, &ds);
    if (ds.n == 0) {
        return true;
    }
    st = g_new0(SraidDiskStatus, ds.n);
    if (!sraid_cod_load(&io, ds.n, ds.bytes, &s->cod, st, &gerr)) {
        g_autoptr(GString) msg = g_string_new(NULL);

        for (unsigned d = 0; d < ds.n; d++) {
            /* too small to carry a configuration counts as blank */
            blank &= st[d].verdict == SRAID_DISK_BLANK && st[d].empty;
            g_string_append_printf(msg, "\n  drive '%s' (channel %u target"
                                   " %u): %s", sraid_drive_name(ds.drive[d]),
                                   ds.drive[d]->channel, ds.drive[d]->target,
                                   st[d].problem ? st[d].problem :
                                   st[d].verdict == SRAID_DISK_BLANK ?
                                   "no configuration" : "configuration");
        }
        sraid_disk_status_clear(st, ds.n);
        if (blank) {
            /* new drives: no array until one is created */
            trace_sraid_array_none(s->node_id, ds.n);
            return true;
        }
        error_setg(errp, "sraid-ctrl node %u: the configuration on the"
                   " member drives cannot be used: %s%s", s->node_id,
                   gerr->message, msg->str);
        return false;
    }
    if (!sraid_cod_map_disks(&s->cod, st, ds.n, disk_of_member, &bad,
                             &gerr)) {
        error_setg(errp, "sraid-ctrl node %u: drive '%s' (channel %u target"
                   " %u): %s", s->node_id, sraid_drive_name(ds.drive[bad]),
                   ds.drive[bad]->channel, ds.drive[bad]->target,
                   gerr->message);
        sraid_disk_status_clear(st, ds.n);
        return false;
    }
    *stale = false;
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        int d = disk_of_member[m];

        s->member_drive[m] = d >= 0 ? ds.drive[d] : NULL;
        *stale |= d >= 0 && st[d].verdict == SRAID_DISK_STALE;
    }
    sraid_disk_status_clear(st, ds.n);
    s->has_array = true;
    return true;
}

bool sraid_array_start(SraidCtrl *s, Error **errp)
{
    bool changed = false;

    qemu_co_mutex_init(&s->cod_lock);
    if (!sraid_array_load(s, &changed, errp)) {
        return false;
    }
    if (!s->has_array) {
        return true;
    }
    /* a member in use without its drive has missed writes from now on */
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        if (!s->member_drive[m] &&
            (s->cod.members[m].state == SRAID_MEMBER_ONLINE ||
             s->cod.members[m].state == SRAID_MEMBER_REBUILDING)) {
            trace_sraid_member_missing(s->node_id, m);
            s->cod.members[m].state = SRAID_MEMBER_FAILED;
            changed = true;
        }
    }
    /*
     * APTPL: the persistent reservations stored on the members, which the
     * logical drives start with (sraid_pr_host_ld)
     */
    sraid_ld_pr_store_load(s);
    for (unsigned i = 0; i < s->cod.nlds; i++) {
        s->lds[i] = sraid_ld_unit_new(s, i, errp);
        if (!s->lds[i]) {
            return false;
        }
        s->lds[i]->ld.failed = sraid_array_ld_failed(s, &s->cod.lds[i],
                                                     &s->lds[i]->ld.rebuilding);
    }
    changed |= sraid_array_update_ld_states(s);
    if (changed && !sraid_array_store(s, errp)) {
        return false;
    }
    sraid_array_wil_start(s);
    trace_sraid_array_start(s->node_id, s->cod.nmembers, s->cod.nlds,
                            s->cod.generation);
    for (unsigned i = 0; i < s->cod.nlds; i++) {
        if (!sraid_ld_device_create(s->lds[i], errp)) {
            return false;
        }
    }
    /* resume a rebuild, or let a hot spare replace a failed member */
    sraid_bg_init(s);
    return true;
}

/* ---- hot swap (seed 003: automatic detection of removal and insertion) */

typedef struct SraidSwap {
    SraidCtrl *s;
    SraidDrive *d;
    int member;
    bool done;
} SraidSwap;

static void coroutine_fn sraid_swap_removed_co(void *opaque)
{
    SraidSwap *w = opaque;

    sraid_array_member_failed(w->s, w->member, -ENODEV);
    w->done = true;
    aio_wait_kick();
}

/*
 * A member drive is pulled (device_del): its member fails, and the new
 * configuration is on the remaining members before the drive is gone.
 */
void sraid_array_drive_removed(SraidCtrl *s, SraidDrive *d)
{
    SraidSwap w = { .s = s, .d = d, .member = sraid_array_member_of(s, d) };

    trace_sraid_drive_removed(s->node_id, sraid_drive_name(d), w.member);
    if (w.member < 0) {
        return;
    }
    /* requests already on the drive finish; later ones find no drive */
    blk_drain(d->conf.blk);
    s->member_drive[w.member] = NULL;
    qemu_coroutine_enter(qemu_coroutine_create(sraid_swap_removed_co, &w));
    AIO_WAIT_WHILE_UNLOCKED(NULL, !w.done);
}

/* Does a logical drive miss a member that nothing replaces yet? */
static bool sraid_array_needs_member(SraidCtrl *s)
{
    for (unsigned i = 0; i < s->cod.nlds; i++) {
        const SraidCodLd *l = &s->cod.lds[i];

        for (unsigned k = 0; k < l->nmembers; k++) {
            if (s->cod.members[l->members[k]].state == SRAID_MEMBER_FAILED) {
                return true;
            }
        }
    }
    return false;
}

static void coroutine_fn sraid_swap_inserted_co(void *opaque)
{
    SraidSwap *w = opaque;
    Error *err = NULL;

    if (!sraid_array_add_spare(w->s, w->d, &err)) {
        error_report_err(err);
    }
    g_free(w);
}

/*
 * A drive is plugged in while the VM runs (device_add).  A blank one
 * replaces a failed member at once if a logical drive is degraded (it
 * becomes a spare and the background work rebuilds onto it, if it is
 * large enough); otherwise it waits, unassigned, for sraid-add-spare.  A
 * drive that carries a configuration is never taken over on its own: the
 * user decides (its data may matter).
 */
bool sraid_array_drive_is_blank(SraidCtrl *s, SraidDrive *d)
{
    SraidDiskSet ds = { .n = 1, .drive = { d },
                        .bytes = { blk_getlength(d->conf.blk) } };
    SraidMemberIo io = sraid_disk_io(&ds);
    SraidDiskStatus st = { 0 };
    g_autofree SraidCod *cod = g_new0(SraidCod, 1);
    g_autoptr(GError) gerr = NULL;
    bool blank;

    blank = !sraid_cod_load(&io, 1, ds.bytes, cod, &st, &gerr) &&
            st.verdict == SRAID_DISK_BLANK && st.empty;
    sraid_disk_status_clear(&st, 1);
    return blank;
}

void sraid_array_drive_inserted(SraidCtrl *s, SraidDrive *d)
{
    bool blank;

    if (!s->has_array) {
        return;
    }
    blank = sraid_array_drive_is_blank(s, d);
    trace_sraid_drive_inserted(s->node_id, sraid_drive_name(d), blank);
    if (!blank) {
        info_report("sraid-ctrl node %u: drive '%s' carries an array"
                    " configuration; left unassigned (sraid-add-spare makes"
                    " it a hot spare, erasing it)", s->node_id,
                    sraid_drive_name(d));
        return;
    }
    if (sraid_array_needs_member(s)) {
        SraidSwap *w = g_new0(SraidSwap, 1);

        w->s = s;
        w->d = d;
        qemu_coroutine_enter(qemu_coroutine_create(sraid_swap_inserted_co,
                                                   w));
    }
}

void sraid_array_stop(SraidCtrl *s)
{
    sraid_bg_stop(s);
    sraid_ld_pr_store_cleanup(s);
    if (s->wil_clean_timer) {
        timer_free(s->wil_clean_timer);
        s->wil_clean_timer = NULL;
        sraid_wil_free(&s->wil);
        g_clear_pointer(&s->dj_busy, g_free);
    }
    for (unsigned i = 0; i < SRAID_COD_MAX_LDS; i++) {
        if (s->lds[i]) {
            sraid_ld_unit_free(s->lds[i]);
            s->lds[i] = NULL;
        }
    }
}
