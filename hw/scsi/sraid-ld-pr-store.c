/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: persistent reservations that survive a power cycle (APTPL,
 * SPC-4 5.7.5).  The records and the choice of slots are the firmware
 * core's (sraid/pr-store.c); this file reads and writes them on the
 * member drives.  The cluster's persistent reservation protocol
 * (sraid-pr-cluster.c) calls the save on the master before a change is
 * acknowledged (its persist op) and starts each logical drive with the
 * state the load restored.
 *
 * Which drives: every member of the array that is online, being rebuilt
 * or a spare, and reachable (not behind a cut cable): a spare that takes
 * a member's place already has the records.  A save is durable when every
 * one of them took the record with FUA, as a configuration update is
 * (docs/on-disk-format.md): a restart without any one of them still finds
 * it.  Only one controller of an array saves at a time (the master);
 * every save reads the areas again first, so a new master continues the
 * old one's generations and never overwrites its newest records.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "hw/scsi/scsi.h"
#include "system/block-backend.h"
#include "sraid-glue.h"
#include "sraid/cod-store.h"
#include "sraid/pr-store.h"
#include "trace/trace-hw_scsi_sraid.h"

/* The drives holding the PR area, by member index; NULL for none */
static BlockBackend *sraid_prs_member_blk(SraidCtrl *s, unsigned m)
{
    uint8_t st = s->cod.members[m].state;
    BlockBackend *blk = sraid_array_member_blk(s, m);

    if (!blk || sraid_array_member_cut(s, m) ||
        (st != SRAID_MEMBER_ONLINE && st != SRAID_MEMBER_REBUILDING &&
         st != SRAID_MEMBER_SPARE)) {
        return NULL;
    }
    return sraid_cod_area_offset(blk_getlength(blk)) ? blk : NULL;
}

static int64_t sraid_prs_offset(BlockBackend *blk, unsigned slot)
{
    return sraid_cod_area_offset(blk_getlength(blk)) +
           SRAID_PRS_AREA_OFFSET + (int64_t)slot * SRAID_PRS_SLOT_LEN;
}

struct SraidLdPrStore {
    SraidPrsMap map;
    /* by LD id: the state to start with after the load, until taken */
    SraidPrState *restored[SRAID_PRS_LD_IDS];
};

static SraidLdPrStore *sraid_prs_store(SraidCtrl *s)
{
    if (!s->pr_store) {
        s->pr_store = g_new0(SraidLdPrStore, 1);
        sraid_prs_map_init(&s->pr_store->map);
    }
    return s->pr_store;
}

static SraidPrsMap *sraid_prs_map(SraidCtrl *s)
{
    return &sraid_prs_store(s)->map;
}

void sraid_ld_pr_store_load(SraidCtrl *s)
{
    g_autoptr(SraidPrsLoad) l = NULL;
    g_autofree uint8_t *area = NULL;
    unsigned disks = 0;

    if (!s->has_array) {
        return;
    }
    l = sraid_prs_load_new(&s->cod);
    area = g_malloc(SRAID_PRS_AREA_LEN);
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        BlockBackend *blk = sraid_prs_member_blk(s, m);
        g_autoptr(GPtrArray) problems = NULL;
        int ret;

        if (!blk) {
            continue;
        }
        ret = blk_pread(blk, sraid_prs_offset(blk, 0), SRAID_PRS_AREA_LEN,
                        area, 0);
        if (ret < 0) {
            warn_report("sraid-ctrl node %u: member %u (%s): persistent"
                        " reservation area unreadable: %s", s->node_id, m,
                        sraid_drive_name(s->member_drive[m]), strerror(-ret));
            continue;
        }
        disks++;
        problems = g_ptr_array_new_with_free_func(g_free);
        sraid_prs_load_disk(l, m, area, SRAID_PRS_AREA_LEN, problems);
        for (unsigned i = 0; i < problems->len; i++) {
            warn_report("sraid-ctrl node %u: member %u (%s): persistent"
                        " reservation record ignored: %s", s->node_id, m,
                        sraid_drive_name(s->member_drive[m]),
                        (char *)g_ptr_array_index(problems, i));
        }
    }
    sraid_prs_map_loaded(sraid_prs_map(s), l);
    for (unsigned i = 0; i < l->nlds; i++) {
        const SraidPrsFound *f = &l->best[i];
        uint8_t id = s->cod.lds[i].id;
        SraidPrState **r = &sraid_prs_store(s)->restored[id];

        trace_sraid_ld_pr_store_load(s->node_id, id, disks, f->found,
                                     f->found ? f->generation : 0,
                                     f->found && f->st.aptpl);
        g_clear_pointer(r, g_free);
        if (!f->found || !f->st.aptpl) {
            /*
             * SPC-4 5.7.5: with APTPL zero (or nothing stored) a power
             * cycle ends every registration and the reservation.
             */
            continue;
        }
        *r = g_memdup2(&f->st, sizeof(f->st));
        /* SPC-4 6.15.2: a power on sets PRgeneration to zero anyway */
        (*r)->generation = 0;
    }
}

bool sraid_ld_pr_store_take(SraidCtrl *s, uint8_t ld_id, SraidPrState *st)
{
    g_autofree SraidPrState *r = NULL;

    if (!s->pr_store || !s->pr_store->restored[ld_id]) {
        return false;
    }
    r = g_steal_pointer(&s->pr_store->restored[ld_id]);
    *st = *r;
    return true;
}

void sraid_ld_pr_store_cleanup(SraidCtrl *s)
{
    if (!s->pr_store) {
        return;
    }
    for (unsigned i = 0; i < SRAID_PRS_LD_IDS; i++) {
        g_free(s->pr_store->restored[i]);
    }
    g_clear_pointer(&s->pr_store, g_free);
}

typedef struct SraidPrsSave {
    SraidCtrl *s;
    SraidPrsIdentity id;
    SraidPrState *st;
    int slot;
    uint64_t gen;
    unsigned n;
    BlockBackend *blk[SRAID_MAX_MEMBERS];
    bool ok;
    void (*cb)(void *opaque, bool ok);
    void *opaque;
} SraidPrsSave;

static void sraid_prs_save_done_bh(void *opaque)
{
    SraidPrsSave *sv = opaque;

    if (sv->slot >= 0) {
        sraid_prs_map_end(sraid_prs_map(sv->s), sv->slot, sv->ok);
    }
    trace_sraid_ld_pr_store_saved(sv->s->node_id, sv->id.ld_id, sv->slot,
                                  sv->gen, sv->n, sv->ok);
    for (unsigned i = 0; i < sv->n; i++) {
        blk_unref(sv->blk[i]);
    }
    sv->cb(sv->opaque, sv->ok);
    g_free(sv->st);
    g_free(sv);
}

/*
 * Read the areas again first: another controller may have saved since
 * (the master before a failover), and its newest records must keep their
 * slots and be outnumbered by this save's generation.
 */
static void coroutine_fn sraid_prs_save_co(void *opaque)
{
    SraidPrsSave *sv = opaque;
    SraidCtrl *s = sv->s;
    g_autoptr(SraidPrsLoad) l = sraid_prs_load_new(&s->cod);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autofree uint8_t *buf = g_malloc(MAX(SRAID_PRS_AREA_LEN,
                                           SRAID_PRS_SLOT_LEN));
    unsigned good = 0;
    size_t len;

    for (unsigned i = 0; i < sv->n; i++) {
        if (blk_co_pread(sv->blk[i], sraid_prs_offset(sv->blk[i], 0),
                         SRAID_PRS_AREA_LEN, buf, 0) == 0) {
            /* damaged records were named at start; a save only counts */
            sraid_prs_load_disk(l, i, buf, SRAID_PRS_AREA_LEN, problems);
        }
    }
    sraid_prs_map_refresh(sraid_prs_map(s), l);
    sv->slot = sraid_prs_map_begin(sraid_prs_map(s), &sv->id, sv->st->aptpl,
                                   &sv->gen);
    if (sv->slot < 0) {
        warn_report_once("sraid-ctrl node %u: no free persistent reservation"
                         " slot on the members: saves keep failing",
                         s->node_id);
    } else {
        len = sraid_prs_encode(&sv->id, sv->gen, sv->st, buf);
        for (unsigned i = 0; i < sv->n; i++) {
            good += blk_co_pwrite(sv->blk[i],
                                  sraid_prs_offset(sv->blk[i], sv->slot),
                                  len, buf, BDRV_REQ_FUA) == 0;
        }
    }
    sv->ok = sv->slot >= 0 && sv->n > 0 && good == sv->n;
    aio_bh_schedule_oneshot(qemu_get_aio_context(), sraid_prs_save_done_bh,
                            sv);
}

void sraid_ld_pr_store_save(SraidLdUnit *u, const SraidPrState *st,
                            void (*cb)(void *opaque, bool ok), void *opaque)
{
    SraidCtrl *s = u->ctrl;
    SraidPrsSave *sv = g_new0(SraidPrsSave, 1);

    sv->s = s;
    sv->cb = cb;
    sv->opaque = opaque;
    sv->slot = -1;
    /* the state as it is now: later changes are later saves */
    sv->st = g_memdup2(st, sizeof(*st));
    sraid_prs_identity(&s->cod, u->index, &sv->id);
    /*
     * One writer per array: the cluster's master (or a controller without
     * membership).  Two nodes saving at once would overwrite each other's
     * newest records.
     */
    if (!sraid_cluster_may_write_cod(s)) {
        aio_bh_schedule_oneshot(qemu_get_aio_context(),
                                sraid_prs_save_done_bh, sv);
        return;
    }
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        BlockBackend *blk = sraid_prs_member_blk(s, m);

        if (blk) {
            blk_ref(blk);
            sv->blk[sv->n++] = blk;
        }
    }
    aio_co_schedule(qemu_get_aio_context(),
                    qemu_coroutine_create(sraid_prs_save_co, sv));
}
