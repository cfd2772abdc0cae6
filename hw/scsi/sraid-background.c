/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: the controller's background work, one operation at a time, in
 * one coroutine: hot spares take the place of failed members, members
 * are rebuilt, logical drives are scrubbed.
 *
 * Rebuild (seed 003: automatic rebuild onto a replaced or spare drive) runs
 * while the guest uses the logical drive: each stripe is rebuilt under an
 * exclusive stripe lock, the member being rebuilt takes every host write
 * meanwhile (SraidLd.rebuilding), and the position reached is checkpointed
 * in the configuration on disk, so a restarted QEMU resumes there.  The
 * rebuild rate is a share of wall time, like the "rebuild rate" percentage
 * of hardware RAID controllers: after a stripe that took t, the rebuild
 * sleeps t * (100 - rate) / rate.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "block/aio-wait.h"
#include "system/block-backend.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/cod-store.h"

/* Write the rebuild position into the configuration this often. */
#define SRAID_CHECKPOINT_NS     (1 * NANOSECONDS_PER_SECOND)
/* Retries of a stripe whose rebuild or scrub met a member failure. */
#define SRAID_STRIPE_RETRIES    2

/*
 * Can a spare replace failed member @f: is @f in a logical drive, and none
 * of its LDs offline?  *@need: member sectors a replacement must have.
 */
static bool sraid_member_replaceable(SraidCtrl *s, unsigned f, uint64_t *need)
{
    bool used = false;

    *need = 0;
    for (unsigned i = 0; i < s->cod.nlds; i++) {
        const SraidCodLd *l = &s->cod.lds[i];

        if (!sraid_cod_ld_positions(l, f)) {
            continue;
        }
        if (!sraid_ld_usable(&s->lds[i]->ld)) {
            return false;
        }
        used = true;
        *need = MAX(*need, l->start + l->member_sectors);
    }
    return used;
}

/*
 * A hot spare takes the place of each failed member still in a logical
 * drive (the smallest spare that is large enough), in every LD of that
 * member, and is rebuilt.  The failed member stays in the configuration,
 * failed and unused, until its slot is needed.  Called with cod_lock.
 */
static bool sraid_bg_assign_spares(SraidCtrl *s)
{
    bool changed = false;

    for (unsigned f = 0; f < s->cod.nmembers; f++) {
        uint64_t need;
        int spare = -1;

        if (s->cod.members[f].state != SRAID_MEMBER_FAILED ||
            !sraid_member_replaceable(s, f, &need)) {
            continue;
        }
        for (unsigned m = 0; m < s->cod.nmembers; m++) {
            const SraidCodMember *c = &s->cod.members[m];

            if (c->state == SRAID_MEMBER_SPARE && s->member_drive[m] &&
                c->sectors >= need &&
                (spare < 0 || c->sectors < s->cod.members[spare].sectors)) {
                spare = m;
            }
        }
        if (spare < 0) {
            continue;
        }
        for (unsigned i = 0; i < s->cod.nlds; i++) {
            uint32_t pos = sraid_cod_ld_positions(&s->cod.lds[i], f);

            if (pos) {
                s->cod.lds[i].members[ctz32(pos)] = spare;
                s->lds[i]->ld.failed |= pos;
                s->lds[i]->ld.rebuilding |= pos;
            }
        }
        s->cod.members[spare].state = SRAID_MEMBER_REBUILDING;
        s->cod.members[spare].rebuild_checkpoint = 0;
        trace_sraid_spare_assigned(s->node_id, spare, f);
        info_report("sraid-ctrl node %u: hot spare '%s' replaces failed"
                    " member %u; rebuilding", s->node_id,
                    sraid_drive_name(s->member_drive[spare]), f);
        sraid_array_notify_member(s, spare);
        changed = true;
    }
    return changed;
}

/* LD indexes using member @m, by their start on the members. */
static unsigned sraid_lds_of_member(SraidCtrl *s, unsigned m,
                                    unsigned *order, unsigned *pos)
{
    unsigned n = 0;

    for (unsigned i = 0; i < s->cod.nlds; i++) {
        uint32_t bits = sraid_cod_ld_positions(&s->cod.lds[i], m);
        unsigned j = n;

        if (!bits) {
            continue;
        }
        while (j && s->cod.lds[order[j - 1]].start > s->cod.lds[i].start) {
            order[j] = order[j - 1];
            pos[j] = pos[j - 1];
            j--;
        }
        order[j] = i;
        pos[j] = ctz32(bits);
        n++;
    }
    return n;
}

/* Sleep so that the work just done (started at @t0) keeps to @rate %. */
static void coroutine_fn sraid_bg_throttle(SraidCtrl *s, int64_t t0)
{
    int64_t busy = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - t0;

    if (s->rebuild_rate < 100 && busy > 0) {
        qemu_co_sleep_ns(QEMU_CLOCK_REALTIME,
                         busy * (100 - s->rebuild_rate) / s->rebuild_rate);
    }
}

static void coroutine_fn sraid_bg_checkpoint(SraidCtrl *s)
{
    Error *err = NULL;

    qemu_co_mutex_lock(&s->cod_lock);
    if (!sraid_array_store(s, &err)) {
        error_report_err(err);
    }
    qemu_co_mutex_unlock(&s->cod_lock);
}

/* The member is whole again: it serves reads like the others. */
static void coroutine_fn sraid_bg_rebuild_done(SraidCtrl *s, unsigned m)
{
    Error *err = NULL;

    qemu_co_mutex_lock(&s->cod_lock);
    if (s->cod.members[m].state == SRAID_MEMBER_REBUILDING) {
        s->cod.members[m].state = SRAID_MEMBER_ONLINE;
        s->cod.members[m].rebuild_checkpoint = 0;
        for (unsigned i = 0; i < s->cod.nlds; i++) {
            uint32_t pos = sraid_cod_ld_positions(&s->cod.lds[i], m);

            s->lds[i]->ld.failed &= ~pos;
            s->lds[i]->ld.rebuilding &= ~pos;
        }
        sraid_array_update_ld_states(s);
        if (!sraid_array_store(s, &err)) {
            error_report_err(err);
        }
        trace_sraid_rebuild_done(s->node_id, m);
        info_report("sraid-ctrl node %u: member %u (drive '%s') rebuilt",
                    s->node_id, m, sraid_drive_name(s->member_drive[m]));
        sraid_array_notify_member(s, m);
    }
    qemu_co_mutex_unlock(&s->cod_lock);
}

/*
 * Rebuild member @m from its checkpoint on: every stripe of every LD on
 * it, in member order.  Returns when done, stopped, or when the member
 * (or the LD) failed meanwhile.
 */
static void coroutine_fn sraid_bg_rebuild(SraidCtrl *s, unsigned m)
{
    SraidBackground *bg = &s->bg;
    unsigned order[SRAID_COD_MAX_LDS], pos[SRAID_COD_MAX_LDS];
    unsigned n = sraid_lds_of_member(s, m, order, pos);
    SraidCodMember *c = &s->cod.members[m];
    int64_t stored = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    bg->op = SRAID_BG_REBUILD;
    bg->target = m;
    bg->done = 0;
    bg->total = 0;
    for (unsigned j = 0; j < n; j++) {
        const SraidCodLd *l = &s->cod.lds[order[j]];

        bg->total += l->member_sectors;
        if (c->rebuild_checkpoint > l->start) {
            bg->done += MIN(c->rebuild_checkpoint - l->start,
                            l->member_sectors);
        }
    }
    trace_sraid_rebuild_start(s->node_id, m, c->rebuild_checkpoint,
                              bg->total);
    for (unsigned j = 0; j < n; j++) {
        SraidLdUnit *u = s->lds[order[j]];

        for (uint64_t st = 0; st < u->ld.g.stripes; st++) {
            SraidStripeLock lock;
            uint64_t first, last;
            int64_t t0;
            int ret = -EIO;

            sraid_ld_member_span(&u->ld, st, st, &first, &last);
            if (last < c->rebuild_checkpoint) {
                continue;
            }
            for (unsigned r = 0; r <= SRAID_STRIPE_RETRIES && ret < 0; r++) {
                if (bg->stop || c->state != SRAID_MEMBER_REBUILDING ||
                    !sraid_ld_usable(&u->ld)) {
                    trace_sraid_rebuild_stopped(s->node_id, m,
                                                c->rebuild_checkpoint);
                    return;
                }
                t0 = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
                sraid_ld_lock_stripes(u, &lock, st, st, true);
                ret = sraid_ld_rebuild_stripe(&u->ld, pos[j], st);
                sraid_ld_unlock(u, &lock);
            }
            if (ret < 0) {
                error_report("sraid-ctrl node %u: rebuild of member %u"
                             " stopped at stripe %" PRIu64 " of logical"
                             " drive %u: %s", s->node_id, m, st,
                             s->cod.lds[order[j]].id, strerror(-ret));
                return;
            }
            c->rebuild_checkpoint = last + 1;
            bg->done += u->ld.g.strip_sectors;
            sraid_bg_throttle(s, t0);
            if (qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - stored >=
                SRAID_CHECKPOINT_NS) {
                sraid_bg_checkpoint(s);
                sraid_array_notify_progress(s);
                stored = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
            }
        }
    }
    sraid_bg_rebuild_done(s, m);
}

/*
 * Consistency check of logical drive bg->scrub_pending: every stripe's
 * parity or copies compared (under a shared stripe lock, so no write is
 * half done), mismatches counted and, with repair, made consistent again
 * from the data strips (under an exclusive lock).  Runs at the rebuild
 * rate.  A degraded LD has nothing to compare: the scrub ends.
 */
static void coroutine_fn sraid_bg_scrub(SraidCtrl *s)
{
    SraidBackground *bg = &s->bg;
    unsigned i = bg->scrub_pending;
    SraidLdUnit *u = s->lds[i];

    bg->scrub_pending = -1;
    bg->op = SRAID_BG_SCRUB;
    bg->scrub_ld = i;
    bg->done = 0;
    bg->total = u->ld.g.stripes;
    bg->mismatches = 0;
    bg->repaired = 0;
    bg->result = SRAID_SCRUB_RUNNING;
    trace_sraid_scrub_start(s->node_id, i, bg->scrub_repair);
    for (uint64_t st = 0; st < u->ld.g.stripes; st++) {
        SraidStripeLock lock;
        int64_t t0 = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
        int ret;

        if (bg->stop || bg->scrub_cancel) {
            bg->result = SRAID_SCRUB_CANCELLED;
            break;
        }
        sraid_ld_lock_stripes(u, &lock, st, st, false);
        ret = sraid_ld_check_stripe(&u->ld, st);
        sraid_ld_unlock(u, &lock);
        if (ret == 1) {
            bg->mismatches++;
            trace_sraid_scrub_mismatch(s->node_id, i, st);
            if (bg->scrub_repair) {
                sraid_ld_lock_stripes(u, &lock, st, st, true);
                if (sraid_ld_check_stripe(&u->ld, st) == 1 &&
                    sraid_ld_resync_stripe(&u->ld, st) == 0) {
                    bg->repaired++;
                }
                sraid_ld_unlock(u, &lock);
            }
        } else if (ret < 0) {
            bg->result = SRAID_SCRUB_DEGRADED;
            break;
        }
        bg->done++;
        sraid_bg_throttle(s, t0);
    }
    if (bg->result == SRAID_SCRUB_RUNNING) {
        bg->result = SRAID_SCRUB_DONE;
    }
    bg->scrub_cancel = false;
    trace_sraid_scrub_done(s->node_id, i, bg->result, bg->mismatches,
                           bg->repaired);
    if (bg->mismatches) {
        warn_report("sraid-ctrl node %u: consistency check of logical drive"
                    " %u found %" PRIu64 " inconsistent stripes, %s",
                    s->node_id, s->cod.lds[i].id, bg->mismatches,
                    bg->scrub_repair ? "repaired" : "not repaired");
    }
    sraid_array_notify_scrub(s);
}

/* A member to rebuild: one whose drive is there. */
static int sraid_bg_next_rebuild(SraidCtrl *s)
{
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        if (s->cod.members[m].state == SRAID_MEMBER_REBUILDING &&
            s->member_drive[m]) {
            return m;
        }
    }
    return -1;
}

static void coroutine_fn sraid_bg_co(void *opaque)
{
    SraidCtrl *s = opaque;
    SraidBackground *bg = &s->bg;

    while (!bg->stop) {
        Error *err = NULL;
        int m;

        bg->kick = false;
        qemu_co_mutex_lock(&s->cod_lock);
        if (sraid_bg_assign_spares(s) && !sraid_array_store(s, &err)) {
            error_report_err(err);
        }
        qemu_co_mutex_unlock(&s->cod_lock);

        m = sraid_bg_next_rebuild(s);
        if (m >= 0) {
            sraid_bg_rebuild(s, m);
        } else if (bg->scrub_pending >= 0) {
            sraid_bg_scrub(s);
        } else if (bg->init_pending) {
            unsigned i = ctz32(bg->init_pending);

            bg->init_pending &= ~(1u << i);
            /* a degraded one has nothing to compare: no initialization */
            if (s->cod.lds[i].state == SRAID_LD_OPTIMAL) {
                bg->scrub_pending = i;
                bg->scrub_repair = true;
                bg->scrub_cancel = false;
            }
        } else if (!bg->kick) {
            break;
        }
    }
    bg->op = SRAID_BG_IDLE;
    bg->co = NULL;
    aio_wait_kick();
}

static void sraid_bg_start_bh(void *opaque)
{
    SraidCtrl *s = opaque;

    if (!s->bg.co && !s->bg.stop) {
        s->bg.co = qemu_coroutine_create(sraid_bg_co, s);
        qemu_coroutine_enter(s->bg.co);
    }
}

/* Something may be there to do: a failed member, a new spare, a scrub. */
void sraid_bg_kick(SraidCtrl *s)
{
    s->bg.kick = true;
    if (s->bg.bh && !s->bg.co) {
        qemu_bh_schedule(s->bg.bh);
    }
}

bool sraid_bg_rebuild_start(SraidCtrl *s, unsigned member, Error **errp)
{
    uint64_t need;
    uint8_t st;

    if (!s->has_array || member >= s->cod.nmembers) {
        error_setg(errp, "member %u does not exist", member);
        return false;
    }
    st = s->cod.members[member].state;
    if (st == SRAID_MEMBER_REBUILDING) {
        /* asked again: it runs, or waits for its drive */
        sraid_bg_kick(s);
        return true;
    }
    if (st != SRAID_MEMBER_FAILED) {
        error_setg(errp, "member %u has not failed: nothing to rebuild",
                   member);
        return false;
    }
    if (!sraid_member_replaceable(s, member, &need)) {
        error_setg(errp, "member %u is in no logical drive that can be"
                   " rebuilt (unused, or a logical drive is offline)",
                   member);
        return false;
    }
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        const SraidCodMember *c = &s->cod.members[m];

        if (c->state == SRAID_MEMBER_SPARE && s->member_drive[m] &&
            c->sectors >= need) {
            /* the background work assigns the smallest that fits */
            sraid_bg_kick(s);
            return true;
        }
    }
    error_setg(errp, "no hot spare of at least %" PRIu64 " sectors to"
               " rebuild member %u on: add one", need, member);
    return false;
}

/* Start a consistency check of logical drive @index (by COD position). */
bool sraid_bg_scrub_start(SraidCtrl *s, unsigned index, bool repair,
                          Error **errp)
{
    SraidBackground *bg = &s->bg;

    if (bg->op == SRAID_BG_SCRUB || bg->scrub_pending >= 0) {
        error_setg(errp, "a consistency check is already running");
        return false;
    }
    if (s->cod.lds[index].level == SRAID_RAID0) {
        error_setg(errp, "logical drive %u is RAID 0: it has no parity or"
                   " copies to check", s->cod.lds[index].id);
        return false;
    }
    if (s->cod.lds[index].state != SRAID_LD_OPTIMAL) {
        error_setg(errp, "logical drive %u is not optimal: a consistency"
                   " check needs every member (rebuild first)",
                   s->cod.lds[index].id);
        return false;
    }
    bg->scrub_pending = index;
    bg->scrub_repair = repair;
    bg->scrub_cancel = false;
    sraid_bg_kick(s);
    return true;
}

/*
 * A logical drive made on drives that may hold old data: its parity and
 * mirror copies are made to agree with the data, one drive after another
 * and after a check already running, like a hardware controller's
 * background initialization.
 */
void sraid_bg_initialize(SraidCtrl *s, unsigned index)
{
    s->bg.init_pending |= 1u << index;
    sraid_bg_kick(s);
}

void sraid_bg_init(SraidCtrl *s)
{
    s->bg.op = SRAID_BG_IDLE;
    s->bg.scrub_pending = -1;
    s->bg.bh = qemu_bh_new(sraid_bg_start_bh, s);
    sraid_bg_kick(s);
}

void sraid_bg_stop(SraidCtrl *s)
{
    if (!s->bg.bh) {
        return;
    }
    s->bg.stop = true;
    AIO_WAIT_WHILE_UNLOCKED(NULL, s->bg.co);
    qemu_bh_delete(s->bg.bh);
    s->bg.bh = NULL;
}
