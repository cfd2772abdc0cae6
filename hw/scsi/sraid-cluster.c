/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: cluster membership of a controller on the bus (docs/membership.md).
 *
 * The firmware core's membership (sraid/membership.h) decides everything:
 * election, monitor process, heartbeat and failure analysis, suspension,
 * the disk lease.  This file backs its ops with QEMU: time and one timer
 * on QEMU_CLOCK_REALTIME (so it also runs under qtest), the libiscsi links
 * to the peers (sraid-peer.c), reads of the member drives for the seed's
 * TEST UNIT READY of a drive, the lease area in the drives' metadata
 * area, the configuration on disk (sraid-array.c), a per-node NVRAM file,
 * and QMP events.
 *
 * The core forbids re-entrant completions: no op may call back into it
 * before it returns.  So every completion reaches the core from a bottom
 * half or a coroutine scheduled in the main loop, never from inside an
 * op: the peers' answers come from sraid-peer.c's bottom half (even a
 * failure known at once, as for a cut cable: sraid-peer.h).
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-events-sraid.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "block/aio.h"
#include "system/block-backend.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/cod-store.h"
#include "sraid/disk-lease.h"
#include "sraid/nvram.h"

struct SraidCluster {
    SraidCtrl *s;
    SraidMembership *m;
    QEMUTimer *timer;
    unsigned depth;                 /* calls into the core running */
    unsigned refs;                  /* the controller's, one per op out */
    bool stopped;
    /* NVRAM: boot counter and the configuration last negotiated */
    uint64_t boots;
    SraidMailbox *nvram_mb;         /* NULL: none yet */
    bool config_changed_pending;    /* a bottom half will tell the core */
};

static SraidCluster *sraid_cluster_ref(SraidCluster *c)
{
    c->refs++;
    return c;
}

static void sraid_cluster_unref(SraidCluster *c)
{
    if (--c->refs == 0) {
        g_free(c->nvram_mb);
        g_free(c);
    }
}

/* ---- calls into the core ---- */

static void sraid_cluster_timer_cb(void *opaque);

static void sraid_cluster_enter(SraidCluster *c)
{
    c->depth++;
}

/*
 * After every call into the core: re-arm the one timer at its next
 * deadline and let the INQUIRY booting flag follow it.
 */
static void sraid_cluster_leave(SraidCluster *c)
{
    uint64_t when;

    assert(c->depth > 0);
    if (--c->depth || c->stopped) {
        return;
    }
    when = sraid_member_next_deadline(c->m);
    if (when == UINT64_MAX) {
        timer_del(c->timer);
    } else {
        timer_mod(c->timer, MIN(when, (uint64_t)INT64_MAX));
    }
    c->s->lun.booting = sraid_member_booting(c->m);
}

static void sraid_cluster_timer_cb(void *opaque)
{
    SraidCluster *c = opaque;

    sraid_cluster_enter(c);
    sraid_member_tick(c->m);
    sraid_cluster_leave(c);
}

/*
 * Is @c in a state to take a completion now?  A completion that finds the
 * core running (an op waited in a nested event loop: none of ours does)
 * is handed to the next turn of the main loop.
 */
static bool sraid_cluster_can_complete(SraidCluster *c, QEMUBHFunc *bh,
                                       void *opaque)
{
    if (c->depth) {
        aio_bh_schedule_oneshot(qemu_get_aio_context(), bh, opaque);
        return false;
    }
    return true;
}

/* ---- ops: time, the bus ---- */

static uint64_t sraid_cluster_now_ms(void *opaque)
{
    return qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

typedef struct SraidClusterCmd {
    SraidCluster *c;
    uint64_t token;
    uint8_t node, channel, opcode;
    int err;
    SraidScsiResult r;
    uint8_t *data;
} SraidClusterCmd;

static void sraid_cluster_cmd_done_bh(void *opaque);

/* Hand @cmd's answer, with its data-in @data, to the core */
static void sraid_cluster_cmd_complete(SraidClusterCmd *cmd,
                                       const uint8_t *data)
{
    SraidCluster *c = cmd->c;

    if (!c->stopped) {
        if (c->depth && data != cmd->data) {
            /* the core is running: a copy waits with the answer */
            cmd->data = g_memdup2(data, cmd->err ? 0 : cmd->r.data_len);
        }
        if (!sraid_cluster_can_complete(c, sraid_cluster_cmd_done_bh, cmd)) {
            return;
        }
        sraid_cluster_enter(c);
        sraid_member_cmd_done(c->m, cmd->token, cmd->err,
                              cmd->err ? NULL : &cmd->r, data,
                              cmd->err ? 0 : cmd->r.data_len);
        sraid_cluster_leave(c);
    }
    sraid_cluster_unref(c);
    g_free(cmd->data);
    g_free(cmd);
}

static void sraid_cluster_cmd_done_bh(void *opaque)
{
    SraidClusterCmd *cmd = opaque;

    sraid_cluster_cmd_complete(cmd, cmd->data);
}

/* sraid_peers_send's answer: from a bottom half, @data_in only for now */
static void sraid_cluster_cmd_cb(void *opaque, int err,
                                 const SraidScsiResult *r,
                                 const uint8_t *data_in)
{
    SraidClusterCmd *cmd = opaque;

    cmd->err = err;
    if (!err) {
        cmd->r = *r;
    }
    trace_sraid_cluster_cmd_done(cmd->c->s->node_id, cmd->node, cmd->channel,
                                 cmd->opcode, err, err ? 0xff : r->status);
    sraid_cluster_cmd_complete(cmd, data_in);
}

static void sraid_cluster_send(void *opaque, uint8_t node, uint8_t channel,
                               const uint8_t *cdb, size_t cdb_len,
                               const uint8_t *out, size_t out_len,
                               size_t in_len, uint32_t timeout_ms,
                               uint64_t token)
{
    SraidCluster *c = opaque;
    SraidCtrl *s = c->s;
    SraidClusterCmd *cmd = g_new0(SraidClusterCmd, 1);

    cmd->c = sraid_cluster_ref(c);
    cmd->token = token;
    cmd->node = node;
    cmd->channel = channel;
    cmd->opcode = cdb_len ? cdb[0] : 0;
    trace_sraid_cluster_send(s->node_id, node, channel, cmd->opcode,
                             out_len, in_len, timeout_ms);
    sraid_peers_send(s->peers, node, channel, cdb, cdb_len, out, out_len,
                     in_len, timeout_ms, sraid_cluster_cmd_cb, cmd);
}

/* ---- ops: the drives ---- */

/* An attached drive that is in service: not a failed or missing member */
static bool sraid_cluster_drive_online(SraidCtrl *s, SraidDrive *d)
{
    int m = sraid_array_member_of(s, d);

    return m < 0 || (s->cod.members[m].state != SRAID_MEMBER_FAILED &&
                     s->cod.members[m].state != SRAID_MEMBER_MISSING);
}

typedef struct SraidClusterIo {
    SraidCluster *c;
    uint64_t token;
    unsigned n;
    BlockBackend *blk[SRAID_MAX_CHANNELS * SRAID_MAX_NODES];
    bool cut[SRAID_MAX_CHANNELS * SRAID_MAX_NODES];
    uint8_t slot[SRAID_LEASE_SLOT_LEN];
    bool ok;
    uint8_t *area;                  /* lease_read: the merged area */
} SraidClusterIo;

static SraidClusterIo *sraid_cluster_io_new(SraidCluster *c, uint64_t token)
{
    SraidClusterIo *io = g_new0(SraidClusterIo, 1);

    io->c = sraid_cluster_ref(c);
    io->token = token;
    return io;
}

static void sraid_cluster_io_add(SraidClusterIo *io, SraidDrive *d)
{
    io->blk[io->n] = d->conf.blk;
    blk_ref(d->conf.blk);
    io->cut[io->n] = d->cable_cut;
    io->n++;
}

static void sraid_cluster_io_free(SraidClusterIo *io)
{
    for (unsigned i = 0; i < io->n; i++) {
        blk_unref(io->blk[i]);
    }
    sraid_cluster_unref(io->c);
    g_free(io->area);
    g_free(io);
}

static void sraid_cluster_tur_done_bh(void *opaque)
{
    SraidClusterIo *io = opaque;
    SraidCluster *c = io->c;

    if (!c->stopped) {
        if (!sraid_cluster_can_complete(c, sraid_cluster_tur_done_bh, io)) {
            return;
        }
        sraid_cluster_enter(c);
        sraid_member_drive_done(c->m, io->token, io->ok);
        sraid_cluster_leave(c);
    }
    sraid_cluster_io_free(io);
}

/*
 * The seed's TEST UNIT READY to a drive (fig. 17 step 1745): a real read
 * of its first sector, which a cut cable fails like every other I/O.
 */
static void coroutine_fn sraid_cluster_tur_co(void *opaque)
{
    SraidClusterIo *io = opaque;
    uint8_t buf[512];

    io->ok = !io->cut[0] &&
             blk_co_pread(io->blk[0], 0, sizeof(buf), buf, 0) == 0;
    aio_bh_schedule_oneshot(qemu_get_aio_context(), sraid_cluster_tur_done_bh,
                            io);
}

static bool sraid_cluster_drive_tur(void *opaque, uint8_t channel,
                                    uint64_t token)
{
    SraidCluster *c = opaque;
    SraidCtrl *s = c->s;
    SraidClusterIo *io;
    SraidDrive *d = NULL;

    for (unsigned t = 0; channel < SRAID_MAX_CHANNELS && t < SRAID_MAX_NODES;
         t++) {
        if (s->drives[channel][t] &&
            sraid_cluster_drive_online(s, s->drives[channel][t])) {
            d = s->drives[channel][t];
            break;
        }
    }
    trace_sraid_cluster_drive_tur(s->node_id, channel,
                                  d ? (int)d->target : -1);
    if (!d) {
        return false;
    }
    io = sraid_cluster_io_new(c, token);
    sraid_cluster_io_add(io, d);
    aio_co_schedule(qemu_get_aio_context(),
                    qemu_coroutine_create(sraid_cluster_tur_co, io));
    return true;
}

/*
 * The drives carrying the lease area: every attached drive this node
 * reaches (not behind a cut cable) that is large enough for a metadata
 * area, array member or not; they are the medium the nodes share.
 */
static SraidClusterIo *sraid_cluster_lease_drives(SraidCluster *c,
                                                  uint64_t token)
{
    SraidCtrl *s = c->s;
    SraidClusterIo *io = sraid_cluster_io_new(c, token);

    for (unsigned ch = 0; ch < SRAID_MAX_CHANNELS; ch++) {
        for (unsigned t = 0; t < SRAID_MAX_NODES; t++) {
            SraidDrive *d = s->drives[ch][t];

            if (d && !d->cable_cut &&
                sraid_cod_area_offset(blk_getlength(d->conf.blk))) {
                sraid_cluster_io_add(io, d);
            }
        }
    }
    return io;
}

static int64_t sraid_cluster_lease_offset(BlockBackend *blk)
{
    return sraid_cod_area_offset(blk_getlength(blk)) +
           SRAID_LEASE_AREA_OFFSET;
}

static void sraid_cluster_lease_written_bh(void *opaque)
{
    SraidClusterIo *io = opaque;
    SraidCluster *c = io->c;

    if (!c->stopped) {
        if (!sraid_cluster_can_complete(c, sraid_cluster_lease_written_bh,
                                        io)) {
            return;
        }
        sraid_cluster_enter(c);
        sraid_member_lease_written(c->m, io->token, io->ok);
        sraid_cluster_leave(c);
    }
    sraid_cluster_io_free(io);
}

/* This node's slot on every drive, FUA; good if one drive took it */
static void coroutine_fn sraid_cluster_lease_write_co(void *opaque)
{
    SraidClusterIo *io = opaque;
    SraidCtrl *s = io->c->s;
    unsigned good = 0;

    for (unsigned i = 0; i < io->n; i++) {
        good += blk_co_pwrite(io->blk[i],
                              sraid_cluster_lease_offset(io->blk[i]) +
                              s->node_id * SRAID_LEASE_SLOT_LEN,
                              SRAID_LEASE_SLOT_LEN, io->slot,
                              BDRV_REQ_FUA) == 0;
    }
    io->ok = good > 0;
    trace_sraid_cluster_lease_write(s->node_id, io->n, good);
    aio_bh_schedule_oneshot(qemu_get_aio_context(),
                            sraid_cluster_lease_written_bh, io);
}

static void sraid_cluster_lease_write(void *opaque, const uint8_t *slot,
                                      uint64_t token)
{
    SraidClusterIo *io = sraid_cluster_lease_drives(opaque, token);

    memcpy(io->slot, slot, sizeof(io->slot));
    aio_co_schedule(qemu_get_aio_context(),
                    qemu_coroutine_create(sraid_cluster_lease_write_co, io));
}

static void sraid_cluster_lease_read_bh(void *opaque)
{
    SraidClusterIo *io = opaque;
    SraidCluster *c = io->c;

    if (!c->stopped) {
        if (!sraid_cluster_can_complete(c, sraid_cluster_lease_read_bh, io)) {
            return;
        }
        sraid_cluster_enter(c);
        sraid_member_lease_read(c->m, io->token, io->ok,
                                io->ok ? io->area : NULL);
        sraid_cluster_leave(c);
    }
    sraid_cluster_io_free(io);
}

/*
 * Every slot from every drive; per slot the valid copy with the highest
 * counter wins (a drive that missed writes holds an older one).
 */
static void coroutine_fn sraid_cluster_lease_read_co(void *opaque)
{
    SraidClusterIo *io = opaque;
    SraidCtrl *s = io->c->s;
    g_autofree uint8_t *buf = g_malloc(SRAID_LEASE_AREA_LEN);
    SraidLeaseSlot best[SRAID_NODE_MAX] = { 0 };
    unsigned good = 0;

    io->area = g_malloc0(SRAID_LEASE_AREA_LEN);
    for (unsigned i = 0; i < io->n; i++) {
        if (blk_co_pread(io->blk[i], sraid_cluster_lease_offset(io->blk[i]),
                         SRAID_LEASE_AREA_LEN, buf, 0) < 0) {
            continue;
        }
        good++;
        for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
            const uint8_t *p = buf + n * SRAID_LEASE_SLOT_LEN;
            SraidLeaseSlot slot;

            sraid_lease_slot_decode(p, n, &slot);
            if (slot.valid &&
                (!best[n].valid || slot.counter > best[n].counter)) {
                best[n] = slot;
                memcpy(io->area + n * SRAID_LEASE_SLOT_LEN, p,
                       SRAID_LEASE_SLOT_LEN);
            }
        }
    }
    io->ok = good > 0;
    trace_sraid_cluster_lease_read(s->node_id, io->n, good);
    aio_bh_schedule_oneshot(qemu_get_aio_context(),
                            sraid_cluster_lease_read_bh, io);
}

static void sraid_cluster_lease_read(void *opaque, uint64_t token)
{
    SraidClusterIo *io = sraid_cluster_lease_drives(opaque, token);

    aio_co_schedule(qemu_get_aio_context(),
                    qemu_coroutine_create(sraid_cluster_lease_read_co, io));
}

/* ---- ops: the configuration ---- */

static void sraid_cluster_get_config(void *opaque, SraidMailbox *mb)
{
    SraidCluster *c = opaque;
    SraidCtrl *s = c->s;

    memset(mb, 0, sizeof(*mb));
    if (s->has_array && !sraid_mailbox_from_cod(&s->cod, mb)) {
        /* a member outside the mailbox's slots: describe no drive */
        memset(mb, 0, sizeof(*mb));
        mb->generation = s->cod.generation;
    }
    mb->sender = s->node_id;
    mb->sender_state = s->lun.node.state;
    mb->sender_info = s->lun.node.info;
}

/* Has the configuration @a the same content as @b (senders aside)? */
static bool sraid_cluster_same_config(const SraidMailbox *a,
                                      const SraidMailbox *b)
{
    g_autofree SraidMailbox *x = g_memdup2(a, sizeof(*a));
    g_autofree SraidMailbox *y = g_memdup2(b, sizeof(*b));
    g_autofree uint8_t *ex = g_malloc0(SRAID_MAILBOX_MAX_LEN);
    g_autofree uint8_t *ey = g_malloc0(SRAID_MAILBOX_MAX_LEN);
    size_t nx, ny;

    y->sender = x->sender;
    y->sender_state = x->sender_state;
    y->sender_info = x->sender_info;
    nx = sraid_mailbox_encode(x, ex, SRAID_MAILBOX_MAX_LEN);
    ny = sraid_mailbox_encode(y, ey, SRAID_MAILBOX_MAX_LEN);
    return nx && nx == ny && !memcmp(ex, ey, nx);
}

typedef struct SraidClusterCod {
    SraidCluster *c;
    SraidMailbox *mb;               /* write_cod: the change to write */
    bool reload;                    /* restart: read the drives again */
} SraidClusterCod;

/*
 * The configuration work the core asks for, in a coroutine under
 * cod_lock: read the drives again (restart, process_cod), take a slave's
 * failures (write_cod), and write what changed if this node may.
 */
static void coroutine_fn sraid_cluster_cod_co(void *opaque)
{
    SraidClusterCod *w = opaque;
    SraidCluster *c = w->c;
    SraidCtrl *s = c->s;
    Error *err = NULL;

    qemu_co_mutex_lock(&s->cod_lock);
    if (!c->stopped && s->has_array) {
        if (w->reload && !sraid_array_reload(s, &err)) {
            warn_report_err(err);
            err = NULL;
        }
        if (w->mb && sraid_array_merge_failures(s, w->mb)) {
            s->cod_dirty = true;
        }
        /*
         * Written only if something is not on the drives yet: the master's
         * own changes were stored when they happened (sraid_array_store
         * then asked membership to negotiate them with the slaves).
         */
        if (s->cod_dirty && sraid_cluster_may_write_cod(s)) {
            s->cod_dirty = false;
            if (!sraid_array_store(s, &err)) {
                error_report_err(err);
            }
        } else if (s->cod_dirty) {
            /* a slave that knows of a failure the drives do not record */
            sraid_cluster_cod_deferred(s);
        }
    }
    qemu_co_mutex_unlock(&s->cod_lock);
    sraid_bg_kick(s);
    sraid_cluster_unref(c);
    g_free(w->mb);
    g_free(w);
}

static void sraid_cluster_cod_work(SraidCluster *c, const SraidMailbox *mb,
                                   bool reload)
{
    SraidClusterCod *w = g_new0(SraidClusterCod, 1);

    w->c = sraid_cluster_ref(c);
    w->mb = mb ? g_memdup2(mb, sizeof(*mb)) : NULL;
    w->reload = reload;
    aio_co_schedule(qemu_get_aio_context(),
                    qemu_coroutine_create(sraid_cluster_cod_co, w));
}

/* Fig. 4 step 445: the new master takes the drives' configuration */
static void sraid_cluster_process_cod(void *opaque)
{
    SraidCluster *c = opaque;

    trace_sraid_cluster_process_cod(c->s->node_id);
    sraid_cluster_cod_work(c, NULL, true);
}

static void sraid_cluster_write_cod(void *opaque, const SraidMailbox *mb)
{
    SraidCluster *c = opaque;

    if (!sraid_member_may_write_cod(c->m)) {
        trace_sraid_cluster_write_cod_refused(c->s->node_id, mb->generation);
        return;
    }
    trace_sraid_cluster_write_cod(c->s->node_id, mb->sender, mb->generation);
    sraid_cluster_cod_work(c, mb, false);
}

/* The NVRAM file (sraid/nvram.h), rewritten whole and atomically */
static bool sraid_cluster_nvram_save(SraidCluster *c, Error **errp)
{
    SraidCtrl *s = c->s;
    g_autofree SraidNvram *nv = NULL;
    g_autofree uint8_t *buf = NULL;
    g_autoptr(GError) gerr = NULL;
    size_t len;

    if (!s->nvram) {
        return true;
    }
    nv = g_new0(SraidNvram, 1);
    nv->node = s->node_id;
    nv->boots = c->boots;
    if (c->nvram_mb) {
        nv->has_config = true;
        nv->config = *c->nvram_mb;
    }
    buf = g_malloc(SRAID_NVRAM_MAX_LEN);
    len = sraid_nvram_encode(nv, buf);
    if (!len) {
        error_setg(errp, "nvram '%s': the configuration cannot be"
                   " encoded", s->nvram);
        return false;
    }
    if (!g_file_set_contents_full(s->nvram, (const char *)buf, len,
                                  G_FILE_SET_CONTENTS_CONSISTENT |
                                  G_FILE_SET_CONTENTS_DURABLE, 0600, &gerr)) {
        error_setg(errp, "nvram '%s': %s", s->nvram, gerr->message);
        return false;
    }
    return true;
}

/* The NVRAM file as it was left; a missing one is a new node's. */
static bool sraid_cluster_nvram_load(SraidCluster *c, Error **errp)
{
    SraidCtrl *s = c->s;
    g_autofree SraidNvram *nv = NULL;
    g_autofree char *data = NULL;
    g_autoptr(GError) gerr = NULL;
    SraidNvramError e;
    size_t len;

    if (!s->nvram) {
        return true;
    }
    if (!g_file_get_contents(s->nvram, &data, &len, &gerr)) {
        if (g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            return true;
        }
        error_setg(errp, "nvram '%s': %s", s->nvram, gerr->message);
        return false;
    }
    nv = g_new0(SraidNvram, 1);
    e = sraid_nvram_decode((const uint8_t *)data, len, nv);
    if (e != SRAID_NVRAM_OK) {
        error_setg(errp, "nvram '%s' %s", s->nvram, sraid_nvram_error_text(e));
        return false;
    }
    c->boots = nv->boots;
    if (nv->has_config) {
        c->nvram_mb = g_memdup2(&nv->config, sizeof(nv->config));
    }
    return true;
}

/*
 * Fig. 13 / fig. 5 steps 545-575 on a slave: store the master's
 * configuration in NVRAM; it changed when it differs from the one this
 * node runs (the restart then reads the drives again).
 */
static SraidVendorOutcome sraid_cluster_apply_config(void *opaque,
                                                     const SraidMailbox *mb,
                                                     bool *changed)
{
    SraidCluster *c = opaque;
    g_autofree SraidMailbox *mine = g_new0(SraidMailbox, 1);
    Error *err = NULL;

    sraid_cluster_get_config(c, mine);
    *changed = !sraid_cluster_same_config(mb, mine);
    /*
     * The failures the other node's configuration records are taken over
     * now: a master updates itself with a slave's change ("Configuration
     * Changes") and writes it next (write_cod); a slave stops using the
     * members the master failed before its restart reads the drives.
     */
    if (sraid_array_merge_failures(c->s, mb) &&
        c->s->lun.node.state == SRAID_NODE_MASTER) {
        c->s->cod_dirty = true;
    }
    if (c->s->lun.node.state != SRAID_NODE_MASTER) {
        /* the master's word: failures it records are acknowledged */
        c->s->local_failed &= ~sraid_array_failed_in(c->s, mb);
    }
    if (!c->nvram_mb) {
        c->nvram_mb = g_new0(SraidMailbox, 1);
    }
    *c->nvram_mb = *mb;
    trace_sraid_cluster_apply_config(c->s->node_id, mb->sender,
                                     mb->generation, mine->generation,
                                     *changed);
    if (!sraid_cluster_nvram_save(c, &err)) {
        error_report_err(err);
        return SRAID_VENDOR_NVM_FAILED;
    }
    return SRAID_VENDOR_OK;
}

/*
 * Step 585.  A controller restarting reads its configuration from the
 * drives as at power-on; here the logical drives keep running and the
 * configuration is read again (sraid_array_reload): the member states
 * the master wrote are taken over.  A changed set of logical drives needs
 * a restart of QEMU (docs/membership.md).
 */
static void sraid_cluster_restart(void *opaque)
{
    SraidCluster *c = opaque;

    trace_sraid_cluster_restart(c->s->node_id);
    sraid_cluster_cod_work(c, NULL, true);
}

static void sraid_cluster_suspend(void *opaque, SraidSuspendReason why)
{
    SraidCluster *c = opaque;

    trace_sraid_cluster_suspend(c->s->node_id, sraid_suspend_reason_name(why));
    if (!c->s->cluster_suspended) {
        error_report("sraid-ctrl node %u: suspended (%s): logical drives"
                     " answer NOT READY until sraid-resume",
                     c->s->node_id, sraid_suspend_reason_name(why));
    }
    c->s->cluster_suspended = true;
    sraid_pr_host_view_changed(c->s);
}

/*
 * The host resumed the node (sraid-resume): it rejoins as a starting node,
 * so it reads the drives' configuration again as at power-on, forgetting
 * the members it failed itself (its cables were cut, say) that the master
 * kept in use.
 */
static void sraid_cluster_resume_op(void *opaque)
{
    SraidCluster *c = opaque;

    trace_sraid_cluster_resume(c->s->node_id);
    c->s->cluster_suspended = false;
    c->s->local_failed = 0;
    sraid_pr_host_view_changed(c->s);
    sraid_cluster_cod_work(c, NULL, true);
}

static char *sraid_cluster_ctrl_name(SraidCtrl *s)
{
    DeviceState *dev = DEVICE(s);

    return dev->id ? g_strdup(dev->id)
                   : object_get_canonical_path(OBJECT(s));
}

/* The schema's enums follow the core's values (sraid-qmp.c checks) */
static void sraid_cluster_node_changed(void *opaque, uint8_t node,
                                       uint8_t old_state, uint8_t state,
                                       uint8_t info)
{
    SraidCluster *c = opaque;
    g_autofree char *name = sraid_cluster_ctrl_name(c->s);

    trace_sraid_cluster_node_state(c->s->node_id, node,
                                   sraid_node_state_name(old_state),
                                   sraid_node_state_name(state),
                                   sraid_node_info_name(info));
    qapi_event_send_sraid_node_state(name, node, old_state, state, info);
    sraid_pr_host_view_changed(c->s);
    /* a failed, killed, restarted or gone node lost its SPC-2 reservations */
    sraid_ld_resv2_node_changed(c->s, node, old_state, state);
}

static void sraid_cluster_master_changed(void *opaque, uint8_t master)
{
    SraidCluster *c = opaque;
    g_autofree char *name = sraid_cluster_ctrl_name(c->s);

    trace_sraid_cluster_master(c->s->node_id, master);
    qapi_event_send_sraid_master(name, master != SRAID_NODE_NONE, master);
    sraid_pr_host_view_changed(c->s);
}

/* A new master's reservation state waits for nodes alive on the drives */
static void sraid_cluster_drives_alive_changed(void *opaque)
{
    SraidCluster *c = opaque;

    sraid_pr_host_view_changed(c->s);
}

static const SraidMemberOps sraid_cluster_member_ops = {
    .now_ms = sraid_cluster_now_ms,
    .send = sraid_cluster_send,
    .drive_tur = sraid_cluster_drive_tur,
    .lease_write = sraid_cluster_lease_write,
    .lease_read = sraid_cluster_lease_read,
    .get_config = sraid_cluster_get_config,
    .process_cod = sraid_cluster_process_cod,
    .write_cod = sraid_cluster_write_cod,
    .apply_config = sraid_cluster_apply_config,
    .restart = sraid_cluster_restart,
    .suspend = sraid_cluster_suspend,
    .resume = sraid_cluster_resume_op,
    .node_changed = sraid_cluster_node_changed,
    .master_changed = sraid_cluster_master_changed,
    .drives_alive_changed = sraid_cluster_drives_alive_changed,
};

/* ---- the vendor commands membership receives (ctrl-lun) ---- */

static SraidCluster *sraid_cluster_of(void *opaque)
{
    SraidCtrl *s = opaque;

    return s->membership && !s->membership->stopped ? s->membership : NULL;
}

static void sraid_cluster_vendor_kill(void *opaque,
                                      const SraidVendorNexus *nx)
{
    SraidCluster *c = sraid_cluster_of(opaque);

    if (c) {
        sraid_cluster_enter(c);
        sraid_member_on_kill(c->m, nx);
        sraid_cluster_leave(c);
    }
}

static SraidVendorOutcome sraid_cluster_vendor_negotiate(
    void *opaque, const SraidVendorNexus *nx, const SraidMailbox *mb)
{
    SraidCluster *c = sraid_cluster_of(opaque);
    SraidVendorOutcome o;

    if (!c) {
        return SRAID_VENDOR_BUSY;
    }
    sraid_cluster_enter(c);
    o = sraid_member_on_negotiate(c->m, nx, mb);
    sraid_cluster_leave(c);
    return o;
}

static void sraid_cluster_vendor_bus_reset(void *opaque,
                                           const SraidVendorNexus *nx)
{
    SraidCluster *c = sraid_cluster_of(opaque);

    if (c) {
        sraid_cluster_enter(c);
        sraid_member_on_bus_reset(c->m, nx);
        sraid_cluster_leave(c);
    }
}

static SraidVendorOutcome sraid_cluster_vendor_config_changed(
    void *opaque, const SraidVendorNexus *nx, const SraidMailbox *mb)
{
    SraidCluster *c = sraid_cluster_of(opaque);
    SraidVendorOutcome o;

    if (!c) {
        return SRAID_VENDOR_BUSY;
    }
    sraid_cluster_enter(c);
    o = sraid_member_on_config_changed(c->m, nx, mb);
    sraid_cluster_leave(c);
    return o;
}

static void sraid_cluster_vendor_state_changed(void *opaque, uint8_t state,
                                               uint8_t info)
{
    SraidCtrl *s = opaque;

    trace_sraid_cluster_self_state(s->node_id, sraid_node_state_name(state),
                                   sraid_node_info_name(info));
}

/* DCMDs 20h-25h: the cluster's persistent reservations */
static uint8_t sraid_cluster_vendor_pr_message(void *opaque,
                                               const SraidVendorNexus *nx,
                                               uint8_t dcmd, uint8_t ld,
                                               const uint8_t *p, size_t len,
                                               uint8_t *data_in, size_t cap,
                                               size_t *data_len,
                                               SraidSense *sense)
{
    return sraid_pr_host_receive(opaque, nx, dcmd, ld, p, len, data_in, cap,
                                 data_len, sense);
}

const SraidVendorOps sraid_cluster_vendor_ops = {
    .pr_message = sraid_cluster_vendor_pr_message,
    .kill = sraid_cluster_vendor_kill,
    .negotiate = sraid_cluster_vendor_negotiate,
    .bus_reset = sraid_cluster_vendor_bus_reset,
    .config_changed = sraid_cluster_vendor_config_changed,
    .state_changed = sraid_cluster_vendor_state_changed,
    .reservation_changed = sraid_ld_resv2_table_changed,
};

/* ---- the controller's side ---- */

bool sraid_cluster_realize(SraidCtrl *s, Error **errp)
{
    SraidMemberConfig cfg;
    const char *why;

    if (!s->iscsi_port) {
        return true;                /* not on a bus: no membership */
    }
    sraid_member_config_default(&cfg, s->node_id, s->channels);
    cfg.heartbeat_ms = s->heartbeat_ms;
    cfg.heartbeat_misses = s->heartbeat_misses;
    cfg.monitor_ms = s->monitor_ms;
    cfg.negotiation_timeout_ms = s->negotiation_ms;
    why = sraid_member_config_check(&cfg);
    if (why) {
        error_setg(errp, "heartbeat-interval %u, heartbeat-misses %u,"
                   " monitor-period %u, negotiation-timeout %u: %s",
                   s->heartbeat_ms, s->heartbeat_misses, s->monitor_ms,
                   s->negotiation_ms, why);
        return false;
    }
    s->membership = g_new0(SraidCluster, 1);
    s->membership->s = s;
    s->membership->refs = 1;
    if (!sraid_cluster_nvram_load(s->membership, errp)) {
        sraid_cluster_unref(s->membership);
        s->membership = NULL;
        return false;
    }
    /* a new boot, on record before the node shows itself on the bus */
    s->membership->boots++;
    if (!sraid_cluster_nvram_save(s->membership, errp)) {
        sraid_cluster_unref(s->membership);
        s->membership = NULL;
        return false;
    }
    /* Table 20: booting from power-on until start-up completes */
    s->lun.booting = true;
    return true;
}

void sraid_cluster_start(SraidCtrl *s)
{
    SraidCluster *c = s->membership;
    SraidMemberConfig cfg;

    if (!c || !s->peers) {
        return;
    }
    sraid_member_config_default(&cfg, s->node_id, s->channels);
    cfg.heartbeat_ms = s->heartbeat_ms;
    cfg.heartbeat_misses = s->heartbeat_misses;
    cfg.monitor_ms = s->monitor_ms;
    cfg.negotiation_timeout_ms = s->negotiation_ms;
    c->timer = timer_new_ms(QEMU_CLOCK_REALTIME, sraid_cluster_timer_cb, c);
    c->m = sraid_member_new(&cfg, &s->lun.node, &sraid_cluster_member_ops, c);
    trace_sraid_cluster_start(s->node_id, c->boots, s->heartbeat_ms,
                              s->heartbeat_misses);
    sraid_cluster_enter(c);
    for (unsigned ch = 0; ch < s->channels; ch++) {
        if (s->cables_cut & (1u << ch)) {
            sraid_member_set_cable(c->m, ch, false);
        }
    }
    sraid_member_start(c->m);
    sraid_cluster_leave(c);
}

void sraid_cluster_stop(SraidCtrl *s)
{
    SraidCluster *c = s->membership;

    if (!c) {
        return;
    }
    /* completions still on their way find it stopped and only free */
    c->stopped = true;
    s->membership = NULL;
    if (c->timer) {
        timer_free(c->timer);
    }
    if (c->m) {
        sraid_member_free(c->m);
    }
    sraid_cluster_unref(c);
}

static SraidCluster *sraid_cluster_running(SraidCtrl *s)
{
    SraidCluster *c = s->membership;

    return c && c->m && !c->stopped ? c : NULL;
}

bool sraid_cluster_may_write_cod(SraidCtrl *s)
{
    SraidCluster *c = s->membership;

    if (!c) {
        return true;                /* not on a bus: this node decides */
    }
    /* before start-up nobody is master yet: the change waits for it */
    return c->m && !c->stopped && sraid_member_may_write_cod(c->m);
}

bool sraid_cluster_check_master(SraidCtrl *s, const char *what,
                                Error **errp)
{
    SraidCluster *c = s->membership;
    SraidMemberView v;

    if (sraid_cluster_may_write_cod(s)) {
        return true;
    }
    /*
     * "Configuration Changes" (seed 003): only the master writes the
     * configuration; a host asks it for a new one.
     */
    if (c && c->m && !c->stopped) {
        sraid_member_view(c->m, &v);
        if (v.master < SRAID_NODE_MAX && v.master != s->node_id) {
            error_setg(errp, "node %u is a slave of node %u: %s on the "
                       "master", s->node_id, v.master, what);
            return false;
        }
    }
    error_setg(errp, "node %u is not the cluster's master now (it may not "
               "write the configuration): %s on the master", s->node_id,
               what);
    return false;
}

static void sraid_cluster_config_changed_bh(void *opaque)
{
    SraidCluster *c = opaque;

    c->config_changed_pending = false;
    if (!c->stopped && c->m) {
        if (c->depth) {
            c->config_changed_pending = true;
            aio_bh_schedule_oneshot(qemu_get_aio_context(),
                                    sraid_cluster_config_changed_bh, c);
            return;
        }
        sraid_cluster_enter(c);
        sraid_member_config_changed(c->m);
        sraid_cluster_leave(c);
    }
    sraid_cluster_unref(c);
}

/*
 * Tell the core from the main loop that the configuration changed: a
 * slave hands it to the master, the master negotiates it with the slaves.
 */
static void sraid_cluster_config_changed_later(SraidCluster *c)
{
    if (c && !c->config_changed_pending) {
        c->config_changed_pending = true;
        aio_bh_schedule_oneshot(qemu_get_aio_context(),
                                sraid_cluster_config_changed_bh,
                                sraid_cluster_ref(c));
    }
}

void sraid_cluster_cod_deferred(SraidCtrl *s)
{
    s->cod_dirty = true;
    sraid_cluster_config_changed_later(s->membership);
}

void sraid_cluster_cod_written(SraidCtrl *s)
{
    SraidCluster *c = sraid_cluster_running(s);

    if (c) {
        s->cod_dirty = false;
        sraid_cluster_config_changed_later(c);
    }
}

bool sraid_cluster_view(SraidCtrl *s, SraidMemberView *v)
{
    SraidCluster *c = sraid_cluster_running(s);

    if (!c) {
        return false;
    }
    sraid_member_view(c->m, v);
    return true;
}

void sraid_cluster_set_cable(SraidCtrl *s, unsigned channel, bool connected)
{
    SraidCluster *c = sraid_cluster_running(s);

    if (c) {
        sraid_cluster_enter(c);
        sraid_member_set_cable(c->m, channel, connected);
        sraid_cluster_leave(c);
    }
}

void sraid_cluster_set_link(SraidCtrl *s, unsigned node, bool connected)
{
    trace_sraid_cluster_set_link(s->node_id, node, connected);
    if (connected) {
        s->links_cut &= ~(1u << node);
    } else {
        s->links_cut |= 1u << node;
    }
    sraid_peers_set_node(s->peers, node, connected);
}

void sraid_cluster_heartbeat_fault(SraidCtrl *s, bool drop, uint32_t delay_ms)
{
    SraidCluster *c = sraid_cluster_running(s);

    if (c) {
        sraid_cluster_enter(c);
        sraid_member_set_heartbeat_fault(c->m, drop, delay_ms);
        sraid_cluster_leave(c);
    }
}

void sraid_cluster_kill_peer(SraidCtrl *s, unsigned node)
{
    SraidCluster *c = sraid_cluster_running(s);

    if (c) {
        sraid_cluster_enter(c);
        sraid_member_kill_peer(c->m, node);
        sraid_cluster_leave(c);
    }
}

void sraid_cluster_resume(SraidCtrl *s)
{
    SraidCluster *c = sraid_cluster_running(s);

    if (c) {
        sraid_cluster_enter(c);
        sraid_member_resume(c->m);
        sraid_cluster_leave(c);
    }
}
