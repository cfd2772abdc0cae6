/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: logical drives created and deleted while the VM runs (QMP
 * sraid-create-ld / sraid-delete-ld).
 *
 * The configuration change itself is the firmware core's
 * (sraid/array-config.c, shared with sraid-img); this file stores it on
 * the members under the configuration lock and plugs the logical drive
 * device into, or out of, the HBA's bus.  Both commands run outside
 * coroutine context because realizing and unrealizing a SCSI device
 * drains its block backend; only the configuration update runs in a
 * coroutine, for cod_lock, and is waited for.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "block/aio-wait.h"
#include "hw/qdev-core.h"
#include "system/block-backend.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/array-config.h"
#include "sraid/cod-store.h"

typedef struct SraidConfigChange {
    SraidCtrl *s;
    /* create */
    const SraidLdRequest *req;
    SraidDrive **new_drives;        /* drives that become members */
    unsigned n_new;
    const char *array_name;
    int index;                      /* of the new logical drive */
    /* delete */
    int remove_index;
    /* outcome */
    Error *err;
    bool done;
} SraidConfigChange;

static void sraid_config_run(SraidConfigChange *c, CoroutineEntry *fn)
{
    qemu_coroutine_enter(qemu_coroutine_create(fn, c));
    AIO_WAIT_WHILE_UNLOCKED(NULL, !qatomic_read(&c->done));
}

static void sraid_config_finish(SraidConfigChange *c)
{
    qatomic_set(&c->done, true);
    aio_wait_kick();
}

static void coroutine_fn sraid_config_create_co(void *opaque)
{
    SraidConfigChange *c = opaque;
    SraidCtrl *s = c->s;
    g_autofree SraidCod *next = g_new(SraidCod, 1);
    SraidDrive *old_drive[SRAID_MAX_MEMBERS];
    g_autoptr(GError) gerr = NULL;
    SraidLdRequest req = *c->req;
    uint64_t largest = 0;

    qemu_co_mutex_lock(&s->cod_lock);
    if (s->has_array) {
        *next = s->cod;
    } else {
        sraid_cod_init_array(next, c->array_name ? c->array_name : "sraid");
    }
    for (unsigned m = 0; m < next->nmembers; m++) {
        largest = MAX(largest, next->members[m].sectors);
    }
    /*
     * New members: req.members holds 0xff + k for the k-th new drive until
     * it has a member index.
     */
    for (unsigned k = 0; k < c->n_new; k++) {
        SraidDrive *d = c->new_drives[k];
        uint64_t sectors = sraid_cod_usable_sectors(blk_getlength(d->conf.blk));
        int m;

        /*
         * The write-intent bitmap's chunk follows the largest member
         * (docs/on-disk-format.md): a bigger newcomer lends only as much
         * as the largest member has, so the chunk stays what the other
         * members' bitmaps already use.
         */
        if (s->has_array && sectors > largest &&
            sraid_wil_chunk_sectors(sectors) !=
            sraid_wil_chunk_sectors(largest)) {
            sectors = largest;
        }
        m = sraid_cod_add_member(next, sectors, d->channel, d->target,
                                 SRAID_MEMBER_ONLINE, &gerr);
        if (m < 0) {
            error_setg(&c->err, "%s", gerr->message);
            goto out;
        }
        for (unsigned i = 0; i < req.nmembers; i++) {
            if (req.members[i] == (uint8_t)(0xff - k)) {
                req.members[i] = m;
            }
        }
    }
    c->index = sraid_cod_add_ld(next, &req, &gerr);
    if (c->index < 0) {
        error_setg(&c->err, "%s", gerr->message);
        goto out;
    }

    memcpy(old_drive, s->member_drive, sizeof(old_drive));
    for (unsigned k = 0; k < c->n_new; k++) {
        s->member_drive[next->nmembers - c->n_new + k] = c->new_drives[k];
    }
    {
        SraidCod old = s->cod;

        s->cod = *next;
        if (!sraid_array_store(s, &c->err)) {
            s->cod = old;
            memcpy(s->member_drive, old_drive, sizeof(old_drive));
            goto out;
        }
    }
    trace_sraid_ld_created(s->node_id, s->cod.lds[c->index].id,
                           s->cod.lds[c->index].level, s->cod.nmembers,
                           s->cod.lds[c->index].start,
                           s->cod.lds[c->index].member_sectors);
out:
    qemu_co_mutex_unlock(&s->cod_lock);
    sraid_config_finish(c);
}

static void coroutine_fn sraid_config_delete_co(void *opaque)
{
    SraidConfigChange *c = opaque;
    SraidCtrl *s = c->s;
    SraidCod old;

    qemu_co_mutex_lock(&s->cod_lock);
    old = s->cod;
    sraid_cod_remove_ld(&s->cod, c->remove_index);
    if (!sraid_array_store(s, &c->err)) {
        s->cod = old;
    }
    qemu_co_mutex_unlock(&s->cod_lock);
    sraid_config_finish(c);
}

/*
 * Resolve @drives: members of the array by their member index, other
 * drives (which must be blank) as new members, numbered 0xff, 0xfe, ...
 * in @req until the configuration gives them indexes.
 */
static bool sraid_config_drives(SraidCtrl *s, SraidDrive **drives,
                                unsigned n, SraidLdRequest *req,
                                SraidDrive **new_drives, unsigned *n_new,
                                Error **errp)
{
    *n_new = 0;
    if (n == 0 || n > SRAID_MAX_MEMBERS) {
        error_setg(errp, "a logical drive needs 1 to %u drives",
                   SRAID_MAX_MEMBERS);
        return false;
    }
    req->nmembers = n;
    for (unsigned i = 0; i < n; i++) {
        SraidDrive *d = drives[i];
        int m = sraid_array_member_of(s, d);

        for (unsigned j = 0; j < i; j++) {
            if (drives[j] == d) {
                error_setg(errp, "drive '%s' is listed twice",
                           sraid_drive_name(d));
                return false;
            }
        }
        if (m >= 0) {
            req->members[i] = m;
            continue;
        }
        if (!sraid_array_drive_is_blank(s, d)) {
            error_setg(errp, "drive '%s' carries an array configuration:"
                       " it is not a member of this array, and creating a"
                       " logical drive does not erase other arrays (make it"
                       " a hot spare with sraid-add-spare to reuse it)",
                       sraid_drive_name(d));
            return false;
        }
        if (!sraid_cod_usable_sectors(blk_getlength(d->conf.blk))) {
            error_setg(errp, "drive '%s' is too small to carry the"
                       " configuration", sraid_drive_name(d));
            return false;
        }
        new_drives[*n_new] = d;
        req->members[i] = 0xff - *n_new;
        (*n_new)++;
    }
    return true;
}

int sraid_array_create_ld(SraidCtrl *s, SraidLdRequest *req,
                          SraidDrive **drives, unsigned n,
                          const char *array_name, Error **errp)
{
    SraidDrive *new_drives[SRAID_MAX_MEMBERS];
    SraidConfigChange c = { .s = s, .req = req, .new_drives = new_drives,
                            .array_name = array_name };
    SraidLdUnit *u;

    if (!sraid_config_drives(s, drives, n, req, new_drives, &c.n_new,
                             errp)) {
        return -1;
    }
    sraid_config_run(&c, sraid_config_create_co);
    if (c.err) {
        error_propagate(errp, c.err);
        return -1;
    }
    s->has_array = true;

    u = sraid_ld_unit_new(s, c.index, errp);
    if (u) {
        s->lds[c.index] = u;
        if (!s->wil_clean_timer) {
            /* a new array: its bitmap and journal from now on */
            sraid_array_wil_start(s);
        } else if (u->ld.g.parity_strips) {
            sraid_array_journal_resize(s);
        }
        if (sraid_ld_device_create(u, errp)) {
            goto created;
        }
        s->lds[c.index] = NULL;
        sraid_ld_unit_free(u);
    }
    /* the device could not be made: forget the logical drive again */
    c.remove_index = c.index;
    c.done = false;
    sraid_config_run(&c, sraid_config_delete_co);
    if (c.err) {
        warn_reportf_err(c.err, "sraid-ctrl node %u: a logical drive whose"
                         " device failed stays in the configuration: ",
                         s->node_id);
    }
    return -1;

created:
    if (!s->bg.bh) {
        sraid_bg_init(s);
    }
    sraid_array_notify_ld(s, c.index);
    if (req->level != SRAID_RAID0) {
        sraid_bg_initialize(s, c.index);
    }
    return c.index;
}

bool sraid_array_delete_ld(SraidCtrl *s, unsigned id, Error **errp)
{
    ERRP_GUARD();
    SraidConfigChange c = { .s = s };
    int index = sraid_cod_find_ld(&s->cod, id);
    SraidLdUnit *u;

    if (index < 0) {
        error_setg(errp, "logical drive %u does not exist", id);
        return false;
    }
    if (s->bg.op != SRAID_BG_IDLE || s->bg.scrub_pending >= 0) {
        error_setg(errp, "a %s is running: wait for it to end%s",
                   s->bg.op == SRAID_BG_REBUILD ? "rebuild"
                                                : "consistency check",
                   s->bg.op == SRAID_BG_REBUILD ? ""
                   : " or cancel it with sraid-scrub-cancel");
        return false;
    }
    u = s->lds[index];
    /* out of the guest's and the initiators' reach before it goes */
    sraid_iscsi_ld_detach(u);
    if (u->dev) {
        qdev_unplug(u->dev, errp);
        if (*errp) {
            return false;
        }
        u->dev = NULL;
    }
    c.remove_index = index;
    sraid_config_run(&c, sraid_config_delete_co);
    if (c.err) {
        error_propagate_prepend(errp, c.err, "logical drive %u is unplugged"
                                " but still in the configuration: ", id);
        return false;
    }
    sraid_ld_unit_free(u);
    /* units follow the configuration's order */
    for (unsigned i = index; i < SRAID_COD_MAX_LDS - 1; i++) {
        s->lds[i] = s->lds[i + 1];
        if (s->lds[i]) {
            s->lds[i]->index = i;
        }
    }
    s->lds[SRAID_COD_MAX_LDS - 1] = NULL;
    /* initializations waiting, and the last check, go by index */
    s->bg.init_pending = (s->bg.init_pending & ((1u << index) - 1)) |
                         ((s->bg.init_pending >> (index + 1)) << index);
    if (s->bg.result != SRAID_SCRUB_NONE) {
        if (s->bg.scrub_ld == (unsigned)index) {
            s->bg.result = SRAID_SCRUB_NONE;
        } else if (s->bg.scrub_ld > (unsigned)index) {
            s->bg.scrub_ld--;
        }
    }
    trace_sraid_ld_deleted(s->node_id, id);
    return true;
}
