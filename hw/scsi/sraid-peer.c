/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: links to the peer controllers on the back-end bus (outbound).
 *
 * A controller reaches node N on channel C as an iSCSI initiator of N's
 * portal on C (libiscsi's asynchronous API driven from QEMU's main loop,
 * as block/iscsi.c does).  Unlike block/iscsi.c there is no reconnect and
 * no retry: a command that gets no answer within its own timeout fails,
 * the link goes down, and the firmware decides what a silent peer means
 * (seed 003, "The Monitor Process": failure analysis).  The initiator name
 * is this node's own iSCSI name, so a peer knows which node is calling,
 * and the ISID is pinned to the node id, so a new connection replaces the
 * old session instead of piling up nexuses.
 *
 * "Scanning the bus" (seed 003, Node Startup): every scan interval each
 * other node id is asked INQUIRY on LUN 0 over every channel; who answers
 * is present, and byte 36 of its answer (Table 20) says whether it is
 * still booting.
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/main-loop.h"
#include "block/aio.h"
#include "sraid-peer.h"
#include "trace/trace-hw_scsi_sraid.h"

#include <poll.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "sraid/msg-gather.h"
#include "sraid/scsi-proto.h"
#include "sraid/vendor-cmd.h"

/* INQUIRY of a scan: Table 20's 37 bytes and room to spare */
#define SRAID_PEER_INQUIRY_LEN      64
#define SRAID_PEER_SCAN_TIMEOUT_MS  2000
/* ISID (RFC 7143 11.12.5) in the random format: "SR", then the node */
#define SRAID_PEER_ISID_RND         0x5352

typedef enum SraidPeerLinkState {
    SRAID_PEER_DOWN,
    SRAID_PEER_CONNECTING,
    SRAID_PEER_UP,
} SraidPeerLinkState;

typedef struct SraidPeerLink SraidPeerLink;
typedef struct SraidPeerCmd SraidPeerCmd;

/* A message posted for gathering (seed 002) */
typedef struct SraidPeerMsg {
    uint8_t dcmd;
    uint32_t address;
    uint8_t *payload;
    size_t len;
    unsigned timeout_ms;
    SraidPeerPostCb *cb;
    void *opaque;
    QSIMPLEQ_ENTRY(SraidPeerMsg) next;
} SraidPeerMsg;

typedef QSIMPLEQ_HEAD(, SraidPeerMsg) SraidPeerMsgQueue;

struct SraidPeers {
    SraidPeerConfig cfg;
    uint32_t cut;                   /* channels whose cable is cut */
    uint32_t unreachable;           /* nodes behind a partition */
    char **hosts;                   /* [channel * SRAID_BUS_NODES + node] */
    uint16_t *ports;
    char *iqn_prefix, *cluster, *chap_user, *chap_password;
    QEMUTimer *scan_timer;
    SraidPeerLink *links;           /* [channel * SRAID_BUS_NODES + node] */
    /* commands that ended, for done_bh to complete (sraid-peer.h) */
    QTAILQ_HEAD(, SraidPeerCmd) done;
    QEMUBH *done_bh;
    unsigned delivering;            /* completion callbacks running */
    bool closing;                   /* in sraid_peers_free() */
};

struct SraidPeerLink {
    SraidPeers *peers;
    unsigned node, channel;
    struct iscsi_context *iscsi;
    int fd;
    int events;
    SraidPeerLinkState state;
    QTAILQ_HEAD(, SraidPeerCmd) waiting;    /* for the login */
    QTAILQ_HEAD(, SraidPeerCmd) running;
    QEMUBH *down_bh;                /* tear down outside libiscsi's calls */
    int down_err;
    int cancel_err;                 /* for tasks libiscsi cancels */
    /* message gathering: posted, and whether a Node_Gather is out */
    SraidPeerMsgQueue posted;
    bool gathering;
    uint64_t gather_commands;       /* Node_Gather commands sent */
    /* what the last scan saw */
    bool present;
    bool booting;
    bool scanning;
};

struct SraidPeerCmd {
    SraidPeers *peers;              /* NULL: sent without a bus */
    SraidPeerLink *link;            /* NULL: failed before reaching one */
    uint8_t cdb[16];
    size_t cdb_len;
    uint8_t *data_out;
    size_t out_len;
    size_t in_len;
    struct scsi_task *task;         /* once handed to libiscsi */
    QEMUTimer *timer;
    bool timed_out;
    /* the outcome, kept from its end to its completion */
    int err;
    struct scsi_task *answer;       /* status, sense and data-in */
    int status;
    SraidPeerCb *cb;
    void *opaque;
    QTAILQ_ENTRY(SraidPeerCmd) next;    /* waiting, running or done */
};

static void sraid_peer_set_events(SraidPeerLink *l);

static void sraid_peer_cmd_free(SraidPeerCmd *c)
{
    timer_free(c->timer);
    scsi_free_scsi_task(c->answer);
    g_free(c->data_out);
    g_free(c);
}

/* Hand @c's outcome to its sender (the callback), then free it */
static void sraid_peer_cmd_deliver(SraidPeerCmd *c)
{
    SraidScsiResult r = { .status = c->status };
    struct scsi_task *task = c->answer;
    const uint8_t *data = NULL;
    SraidPeerLink *l = c->link;

    if (!c->err && task) {
        if (c->status == SCSI_STATUS_CHECK_CONDITION) {
            /* fixed format (SPC-4 4.5.3) from libiscsi's parsed sense */
            r.sense[0] = 0x70;
            r.sense[2] = task->sense.key & 0xf;
            r.sense[7] = 10;
            r.sense[12] = task->sense.ascq >> 8;
            r.sense[13] = task->sense.ascq & 0xff;
            r.sense_len = SRAID_SENSE_FIXED_LEN;
        }
        data = task->datain.data;
        r.data_len = MIN((size_t)MAX(task->datain.size, 0), c->in_len);
    }
    if (l) {
        trace_sraid_peer_cmd_done(l->peers->cfg.node_id, l->node,
                                  l->channel, c->cdb[0], c->err, r.status);
    }
    c->cb(c->opaque, c->err, c->err ? NULL : &r, data);
    sraid_peer_cmd_free(c);
}

/* Complete the commands that ended, up to @last (NULL: all of them) */
static void sraid_peers_deliver(SraidPeers *p, SraidPeerCmd *last)
{
    SraidPeerCmd *c;
    bool end = false;

    p->delivering++;
    while (!end && (c = QTAILQ_FIRST(&p->done))) {
        QTAILQ_REMOVE(&p->done, c, next);
        end = c == last;
        sraid_peer_cmd_deliver(c);
    }
    p->delivering--;
}

static void sraid_peers_done_bh(void *opaque)
{
    SraidPeers *p = opaque;

    /*
     * Only what ended before this bottom half ran: what a callback sends
     * and sees fail at once waits for the next turn of the main loop, so
     * a sender that retries at once cannot hold this one forever.
     */
    if (!QTAILQ_EMPTY(&p->done)) {
        sraid_peers_deliver(p, QTAILQ_LAST(&p->done));
    }
}

/* Without a bus there is no SraidPeers to queue on */
static void sraid_peer_cmd_deliver_bh(void *opaque)
{
    sraid_peer_cmd_deliver(opaque);
}

/*
 * @c (on no list) ended with @err, or with @task and its @status, which
 * it now owns.  Its sender learns it from a bottom half, never from here:
 * we may be inside sraid_peers_send() or a libiscsi callback.
 */
static void sraid_peer_cmd_finish(SraidPeerCmd *c, int err,
                                  struct scsi_task *task, int status)
{
    SraidPeers *p = c->peers;

    timer_free(c->timer);
    c->timer = NULL;
    c->err = err;
    c->answer = task;
    c->status = status;
    if (!p) {
        aio_bh_schedule_oneshot(qemu_get_aio_context(),
                                sraid_peer_cmd_deliver_bh, c);
        return;
    }
    QTAILQ_INSERT_TAIL(&p->done, c, next);
    qemu_bh_schedule(p->done_bh);
}

/* A command refused before it reached a link: @err, as for any other */
static void sraid_peer_fail(SraidPeers *p, int err, SraidPeerCb *cb,
                            void *opaque)
{
    SraidPeerCmd *c = g_new0(SraidPeerCmd, 1);

    c->peers = p;
    c->cb = cb;
    c->opaque = opaque;
    sraid_peer_cmd_finish(c, err, NULL, 0);
}

static void sraid_peer_link_down(SraidPeerLink *l, int err);

static void sraid_peer_link_down_bh(void *opaque)
{
    SraidPeerLink *l = opaque;

    sraid_peer_link_down(l, l->down_err);
}

/* From inside a libiscsi callback: the context cannot go away there. */
static void sraid_peer_link_down_later(SraidPeerLink *l, int err)
{
    l->down_err = err;
    qemu_bh_schedule(l->down_bh);
}

static void sraid_peer_task_cb(struct iscsi_context *iscsi, int status,
                               void *command_data, void *private_data)
{
    SraidPeerCmd *c = private_data;
    struct scsi_task *task = command_data;
    SraidPeerLink *l = c->link;

    QTAILQ_REMOVE(&l->running, c, next);
    c->task = NULL;
    if (status == SCSI_STATUS_CANCELLED || status == SCSI_STATUS_ERROR ||
        status == SCSI_STATUS_TIMEOUT) {
        /* the connection is gone or in doubt: no retry (ERL 0) */
        int err = c->timed_out ? -ETIMEDOUT :
                  status == SCSI_STATUS_CANCELLED ? l->cancel_err : -EIO;

        scsi_free_scsi_task(task);
        sraid_peer_cmd_finish(c, err, NULL, 0);
        if (status != SCSI_STATUS_CANCELLED) {
            sraid_peer_link_down_later(l, -EIO);
        }
    } else {
        /* the task is the answer: it outlives the context (libiscsi) */
        sraid_peer_cmd_finish(c, 0, task, status);
    }
}

static void sraid_peer_submit(SraidPeerCmd *c)
{
    SraidPeerLink *l = c->link;
    int dir = c->out_len ? SCSI_XFER_WRITE :
              c->in_len ? SCSI_XFER_READ : SCSI_XFER_NONE;
    struct iscsi_data data = { .size = c->out_len, .data = c->data_out };
    struct scsi_task *task = scsi_create_task(c->cdb_len, c->cdb, dir,
                                              c->out_len ? c->out_len
                                                         : c->in_len);

    if (!task) {
        sraid_peer_cmd_finish(c, -ENOMEM, NULL, 0);
        return;
    }
    c->task = task;
    QTAILQ_INSERT_TAIL(&l->running, c, next);
    if (iscsi_scsi_command_async(l->iscsi, 0, task, sraid_peer_task_cb,
                                 c->out_len ? &data : NULL, c) < 0) {
        QTAILQ_REMOVE(&l->running, c, next);
        c->task = NULL;
        scsi_free_scsi_task(task);
        sraid_peer_cmd_finish(c, -EIO, NULL, 0);
        sraid_peer_link_down_later(l, -EIO);
        return;
    }
    /* the PDU sits in libiscsi's queue until the socket is writable */
    sraid_peer_set_events(l);
}

static void sraid_peer_connect_cb(struct iscsi_context *iscsi, int status,
                                  void *command_data, void *private_data)
{
    SraidPeerLink *l = private_data;
    SraidPeerCmd *c;

    if (status != SCSI_STATUS_GOOD) {
        trace_sraid_peer_login_failed(l->peers->cfg.node_id, l->node,
                                      l->channel, iscsi_get_error(iscsi));
        sraid_peer_link_down_later(l, -ECONNREFUSED);
        return;
    }
    trace_sraid_peer_up(l->peers->cfg.node_id, l->node, l->channel);
    l->state = SRAID_PEER_UP;
    while ((c = QTAILQ_FIRST(&l->waiting))) {
        QTAILQ_REMOVE(&l->waiting, c, next);
        sraid_peer_submit(c);
    }
}

static void sraid_peer_process(SraidPeerLink *l, int revents)
{
    if (l->iscsi && iscsi_service(l->iscsi, revents) < 0) {
        sraid_peer_link_down_later(l, -EIO);
    }
    sraid_peer_set_events(l);
}

static void sraid_peer_read(void *opaque)
{
    sraid_peer_process(opaque, POLLIN);
}

static void sraid_peer_write(void *opaque)
{
    sraid_peer_process(opaque, POLLOUT);
}

static void sraid_peer_set_events(SraidPeerLink *l)
{
    int ev, fd;

    if (!l->iscsi) {
        return;
    }
    ev = iscsi_which_events(l->iscsi);
    fd = iscsi_get_fd(l->iscsi);
    if (fd != l->fd && l->fd >= 0) {
        aio_set_fd_handler(qemu_get_aio_context(), l->fd, NULL, NULL, NULL,
                           NULL, NULL);
        l->events = 0;
    }
    l->fd = fd;
    if (fd >= 0 && ev != l->events) {
        aio_set_fd_handler(qemu_get_aio_context(), fd,
                           (ev & POLLIN) ? sraid_peer_read : NULL,
                           (ev & POLLOUT) ? sraid_peer_write : NULL,
                           NULL, NULL, l);
        l->events = ev;
    }
}

static void sraid_peer_link_down(SraidPeerLink *l, int err)
{
    struct iscsi_context *iscsi = l->iscsi;
    SraidPeerCmd *c;

    if (!iscsi) {
        return;
    }
    if (l->state == SRAID_PEER_UP) {
        trace_sraid_peer_down(l->peers->cfg.node_id, l->node, l->channel, err);
    }
    if (l->fd >= 0) {
        aio_set_fd_handler(qemu_get_aio_context(), l->fd, NULL, NULL, NULL,
                           NULL, NULL);
    }
    l->fd = -1;
    l->events = 0;
    l->iscsi = NULL;
    l->state = SRAID_PEER_DOWN;
    /* commands on the wire: libiscsi completes them as cancelled */
    l->cancel_err = err;
    iscsi_destroy_context(iscsi);
    while ((c = QTAILQ_FIRST(&l->running))) {
        /* not completed by the destroy: fail them here */
        QTAILQ_REMOVE(&l->running, c, next);
        sraid_peer_cmd_finish(c, c->timed_out ? -ETIMEDOUT : err, NULL, 0);
    }
    while ((c = QTAILQ_FIRST(&l->waiting))) {
        QTAILQ_REMOVE(&l->waiting, c, next);
        sraid_peer_cmd_finish(c, err, NULL, 0);
    }
}

static bool sraid_peer_connect(SraidPeerLink *l)
{
    SraidPeers *p = l->peers;
    g_autofree char *me = sraid_bus_target_name(p->iqn_prefix, p->cluster,
                                                p->cfg.node_id);
    g_autofree char *target = sraid_bus_target_name(p->iqn_prefix,
                                                    p->cluster, l->node);
    unsigned i = l->channel * SRAID_BUS_NODES + l->node;
    g_autofree char *portal = g_strdup_printf("%s:%u", p->hosts[i],
                                              p->ports[i]);
    struct iscsi_context *iscsi = iscsi_create_context(me);

    if (!iscsi) {
        return false;
    }
    iscsi_set_targetname(iscsi, target);
    iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
    iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
    iscsi_set_isid_random(iscsi, SRAID_PEER_ISID_RND, p->cfg.node_id);
    /* the firmware decides what a lost peer means: never reconnect */
    iscsi_set_noautoreconnect(iscsi, 1);
    if (p->chap_user) {
        iscsi_set_initiator_username_pwd(iscsi, p->chap_user,
                                         p->chap_password);
    }
    l->iscsi = iscsi;
    l->fd = -1;
    l->state = SRAID_PEER_CONNECTING;
    if (iscsi_full_connect_async(iscsi, portal, 0, sraid_peer_connect_cb,
                                 l) < 0) {
        l->iscsi = NULL;
        l->state = SRAID_PEER_DOWN;
        iscsi_destroy_context(iscsi);
        return false;
    }
    sraid_peer_set_events(l);
    return true;
}

static void sraid_peer_timeout(void *opaque)
{
    SraidPeerCmd *c = opaque;
    SraidPeerLink *l = c->link;

    /*
     * No answer in time: that peer (or this node's cable) is in doubt.
     * Drop the link; every command on it fails, this one with ETIMEDOUT.
     */
    trace_sraid_peer_timeout(l->peers->cfg.node_id, l->node, l->channel,
                             c->cdb[0]);
    c->timed_out = true;
    if (!c->task) {
        /* still waiting for the login */
        QTAILQ_REMOVE(&l->waiting, c, next);
        sraid_peer_cmd_finish(c, -ETIMEDOUT, NULL, 0);
    }
    /* a task on the wire is cancelled by the teardown: ETIMEDOUT */
    sraid_peer_link_down(l, -EIO);
}

void sraid_peers_send(SraidPeers *p, unsigned node, unsigned channel,
                      const uint8_t *cdb, size_t cdb_len,
                      const void *data_out, size_t out_len, size_t in_len,
                      unsigned timeout_ms, SraidPeerCb *cb, void *opaque)
{
    SraidPeerLink *l;
    SraidPeerCmd *c;

    assert(cdb_len <= 16 && !(out_len && in_len));
    if (!p || node >= SRAID_BUS_NODES || node == p->cfg.node_id ||
        channel >= p->cfg.channels) {
        sraid_peer_fail(p, -ENODEV, cb, opaque);
        return;
    }
    if (p->closing) {
        /* from a callback sraid_peers_free() runs: no new connection */
        sraid_peer_fail(p, -ESHUTDOWN, cb, opaque);
        return;
    }
    if (p->cut & (1u << channel)) {
        sraid_peer_fail(p, -ENETDOWN, cb, opaque);
        return;
    }
    if (p->unreachable & (1u << node)) {
        sraid_peer_fail(p, -ENETUNREACH, cb, opaque);
        return;
    }
    l = &p->links[channel * SRAID_BUS_NODES + node];
    c = g_new0(SraidPeerCmd, 1);
    c->peers = p;
    c->link = l;
    memcpy(c->cdb, cdb, cdb_len);
    c->cdb_len = cdb_len;
    c->data_out = g_memdup2(data_out, out_len);
    c->out_len = out_len;
    c->in_len = in_len;
    c->cb = cb;
    c->opaque = opaque;
    c->timer = timer_new_ms(QEMU_CLOCK_REALTIME, sraid_peer_timeout, c);
    timer_mod(c->timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + timeout_ms);
    trace_sraid_peer_cmd(p->cfg.node_id, node, channel, cdb[0], out_len,
                         in_len);
    switch (l->state) {
    case SRAID_PEER_UP:
        sraid_peer_submit(c);
        break;
    case SRAID_PEER_DOWN:
        QTAILQ_INSERT_TAIL(&l->waiting, c, next);
        if (!sraid_peer_connect(l)) {
            QTAILQ_REMOVE(&l->waiting, c, next);
            sraid_peer_cmd_finish(c, -ECONNREFUSED, NULL, 0);
        }
        break;
    case SRAID_PEER_CONNECTING:
        QTAILQ_INSERT_TAIL(&l->waiting, c, next);
        break;
    }
}

/* ---- message gathering (seed 002) ---- */

static void sraid_peer_gather_flush(SraidPeerLink *l);

typedef struct SraidPeerBatch {
    SraidPeerLink *link;
    SraidPeerMsgQueue msgs;
    uint8_t *container;
} SraidPeerBatch;

static void sraid_peer_msg_free(SraidPeerMsg *m)
{
    g_free(m->payload);
    g_free(m);
}

/* A message refused before it was posted: its outcome, like a batch's */
static void sraid_peer_msg_refused(void *opaque, int err,
                                   const SraidScsiResult *r,
                                   const uint8_t *data_in)
{
    SraidPeerMsg *m = opaque;

    m->cb(m->opaque, err, NULL);
    sraid_peer_msg_free(m);
}

/*
 * The container's outcome is every message's: a refused container names
 * the first refused record in its sense INFORMATION field
 * (docs/vendor-commands.md); the sender learns that the batch failed.
 */
static void sraid_peer_gather_done(void *opaque, int err,
                                   const SraidScsiResult *r,
                                   const uint8_t *data_in)
{
    SraidPeerBatch *b = opaque;
    SraidPeerLink *l = b->link;
    SraidPeerMsg *m;

    while ((m = QSIMPLEQ_FIRST(&b->msgs))) {
        QSIMPLEQ_REMOVE_HEAD(&b->msgs, next);
        m->cb(m->opaque, err, r);
        sraid_peer_msg_free(m);
    }
    g_free(b->container);
    g_free(b);
    l->gathering = false;
    sraid_peer_gather_flush(l);
}

/* Send what is posted as one Node_Gather, unless one is still out. */
static void sraid_peer_gather_flush(SraidPeerLink *l)
{
    SraidPeerBatch *b;
    SraidGatherBuilder gb;
    SraidVendorCdb vc = { .dcmd = SRAID_DCMD_NODE_GATHER };
    uint8_t cdb[10];
    unsigned timeout = 0;
    SraidPeerMsg *m;

    if (l->gathering || QSIMPLEQ_EMPTY(&l->posted)) {
        return;
    }
    b = g_new0(SraidPeerBatch, 1);
    b->link = l;
    QSIMPLEQ_INIT(&b->msgs);
    b->container = g_malloc(SRAID_GATHER_MAX_LEN);
    sraid_gather_init(&gb, b->container, SRAID_GATHER_MAX_LEN);
    while ((m = QSIMPLEQ_FIRST(&l->posted)) &&
           sraid_gather_append(&gb, m->dcmd, m->address, m->payload,
                               m->len)) {
        QSIMPLEQ_REMOVE_HEAD(&l->posted, next);
        QSIMPLEQ_INSERT_TAIL(&b->msgs, m, next);
        timeout = MAX(timeout, m->timeout_ms);
    }
    vc.length = sraid_gather_finish(&gb);
    sraid_vendor_cdb_encode(&vc, cdb);
    l->gathering = true;
    l->gather_commands++;
    trace_sraid_peer_gather(l->peers->cfg.node_id, l->node, l->channel,
                            gb.count, vc.length);
    sraid_peers_send(l->peers, l->node, l->channel, cdb, sizeof(cdb),
                     b->container, vc.length, 0, timeout,
                     sraid_peer_gather_done, b);
}

void sraid_peers_post(SraidPeers *p, unsigned node, unsigned channel,
                      uint8_t dcmd, uint32_t address, const void *payload,
                      size_t len, unsigned timeout_ms, SraidPeerPostCb *cb,
                      void *opaque)
{
    SraidPeerMsg *m = g_new0(SraidPeerMsg, 1);
    SraidPeerLink *l;

    m->cb = cb;
    m->opaque = opaque;
    if (!p || node >= SRAID_BUS_NODES || node == p->cfg.node_id ||
        channel >= p->cfg.channels) {
        sraid_peer_fail(p, -ENODEV, sraid_peer_msg_refused, m);
        return;
    }
    /* a message that could never travel in a container is refused now */
    if (!sraid_vendor_dcmd_gatherable(dcmd) ||
        len > SRAID_GATHER_MAX_LEN - SRAID_GATHER_HEADER_LEN -
              SRAID_GATHER_RECORD_LEN) {
        sraid_peer_fail(p, -EINVAL, sraid_peer_msg_refused, m);
        return;
    }
    l = &p->links[channel * SRAID_BUS_NODES + node];
    m->dcmd = dcmd;
    m->address = address;
    m->payload = g_memdup2(payload, len);
    m->len = len;
    m->timeout_ms = timeout_ms;
    QSIMPLEQ_INSERT_TAIL(&l->posted, m, next);
    sraid_peer_gather_flush(l);
}

uint64_t sraid_peers_gather_commands(SraidPeers *p, unsigned node,
                                     unsigned channel)
{
    if (!p || node >= SRAID_BUS_NODES || channel >= p->cfg.channels) {
        return 0;
    }
    return p->links[channel * SRAID_BUS_NODES + node].gather_commands;
}

/* ---- the bus scan ---- */

static void sraid_peer_scan_done(void *opaque, int err,
                                 const SraidScsiResult *r,
                                 const uint8_t *data)
{
    SraidPeerLink *l = opaque;
    bool present = !err && r->status == SRAID_STATUS_GOOD &&
                   r->data_len >= 37 &&
                   (data[0] & 0x1f) == SRAID_TYPE_STORAGE_ARRAY;
    bool booting = present && (data[36] & 1);

    l->scanning = false;
    if (present != l->present || booting != l->booting) {
        trace_sraid_peer_scan(l->peers->cfg.node_id, l->node, l->channel,
                              present, booting);
    }
    l->present = present;
    l->booting = booting;
}

static void sraid_peer_scan(void *opaque)
{
    SraidPeers *p = opaque;
    static const uint8_t inquiry[6] = {
        SRAID_OP_INQUIRY, 0, 0, 0, SRAID_PEER_INQUIRY_LEN, 0
    };

    for (unsigned ch = 0; ch < p->cfg.channels; ch++) {
        for (unsigned n = 0; n < SRAID_BUS_NODES; n++) {
            SraidPeerLink *l = &p->links[ch * SRAID_BUS_NODES + n];

            if (n == p->cfg.node_id || l->scanning) {
                continue;
            }
            l->scanning = true;
            sraid_peers_send(p, n, ch, inquiry, sizeof(inquiry), NULL, 0,
                             SRAID_PEER_INQUIRY_LEN,
                             SRAID_PEER_SCAN_TIMEOUT_MS,
                             sraid_peer_scan_done, l);
        }
    }
    timer_mod(p->scan_timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) +
              p->cfg.scan_interval_ms);
}

void sraid_peers_set_channel(SraidPeers *p, unsigned channel,
                             bool connected)
{
    if (!p || channel >= p->cfg.channels) {
        return;
    }
    if (connected) {
        p->cut &= ~(1u << channel);
        return;
    }
    p->cut |= 1u << channel;
    for (unsigned n = 0; n < SRAID_BUS_NODES; n++) {
        SraidPeerLink *l = &p->links[channel * SRAID_BUS_NODES + n];

        sraid_peer_link_down(l, -ENETDOWN);
        l->present = false;
        l->booting = false;
    }
}

void sraid_peers_set_node(SraidPeers *p, unsigned node, bool connected)
{
    if (!p || node >= SRAID_BUS_NODES) {
        return;
    }
    if (connected) {
        p->unreachable &= ~(1u << node);
        return;
    }
    p->unreachable |= 1u << node;
    for (unsigned ch = 0; ch < p->cfg.channels; ch++) {
        SraidPeerLink *l = &p->links[ch * SRAID_BUS_NODES + node];

        sraid_peer_link_down(l, -ENETUNREACH);
        l->present = false;
        l->booting = false;
    }
}

bool sraid_peers_present(SraidPeers *p, unsigned node, unsigned channel,
                         bool *booting)
{
    SraidPeerLink *l;

    if (!p || node >= SRAID_BUS_NODES || channel >= p->cfg.channels) {
        return false;
    }
    l = &p->links[channel * SRAID_BUS_NODES + node];
    if (booting) {
        *booting = l->booting;
    }
    return l->present;
}

SraidPeers *sraid_peers_new(const SraidPeerConfig *cfg)
{
    SraidPeers *p = g_new0(SraidPeers, 1);
    unsigned n = cfg->channels * SRAID_BUS_NODES;

    p->cfg = *cfg;
    p->hosts = g_new0(char *, n);
    p->ports = g_memdup2(cfg->ports, n * sizeof(*p->ports));
    for (unsigned i = 0; i < n; i++) {
        p->hosts[i] = g_strdup(cfg->hosts[i]);
    }
    p->iqn_prefix = g_strdup(cfg->iqn_prefix);
    p->cluster = g_strdup(cfg->cluster);
    p->chap_user = g_strdup(cfg->chap_user);
    p->chap_password = g_strdup(cfg->chap_password);
    p->links = g_new0(SraidPeerLink, n);
    for (unsigned i = 0; i < n; i++) {
        SraidPeerLink *l = &p->links[i];

        l->peers = p;
        l->channel = i / SRAID_BUS_NODES;
        l->node = i % SRAID_BUS_NODES;
        l->fd = -1;
        QTAILQ_INIT(&l->waiting);
        QTAILQ_INIT(&l->running);
        QSIMPLEQ_INIT(&l->posted);
        l->down_bh = qemu_bh_new(sraid_peer_link_down_bh, l);
    }
    QTAILQ_INIT(&p->done);
    p->done_bh = qemu_bh_new(sraid_peers_done_bh, p);
    p->scan_timer = timer_new_ms(QEMU_CLOCK_REALTIME, sraid_peer_scan, p);
    /* the first scan right away: a starting node looks at the bus */
    timer_mod(p->scan_timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME));
    return p;
}

/* Fail the messages still posted on every link (they never left) */
static void sraid_peers_fail_posted(SraidPeers *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        SraidPeerLink *l = &p->links[i];
        SraidPeerMsg *m;

        while ((m = QSIMPLEQ_FIRST(&l->posted))) {
            QSIMPLEQ_REMOVE_HEAD(&l->posted, next);
            m->cb(m->opaque, -ESHUTDOWN, NULL);
            sraid_peer_msg_free(m);
        }
    }
}

void sraid_peers_free(SraidPeers *p)
{
    unsigned n;

    if (!p) {
        return;
    }
    /* not from a completion callback: its caller still holds @p */
    assert(!p->delivering && !p->closing);
    n = p->cfg.channels * SRAID_BUS_NODES;
    p->closing = true;
    timer_free(p->scan_timer);
    for (unsigned i = 0; i < n; i++) {
        sraid_peer_link_down(&p->links[i], -ESHUTDOWN);
    }
    /*
     * Nothing of @p may run once it is gone, so whatever ended completes
     * here: commands still running ended above with -ESHUTDOWN, and so
     * does what a callback sends or posts now (a batch's end flushes the
     * messages posted behind it).
     */
    do {
        sraid_peers_deliver(p, NULL);
        sraid_peers_fail_posted(p, n);
    } while (!QTAILQ_EMPTY(&p->done));
    for (unsigned i = 0; i < n; i++) {
        qemu_bh_delete(p->links[i].down_bh);
    }
    qemu_bh_delete(p->done_bh);
    g_free(p->links);
    for (unsigned i = 0; i < n; i++) {
        g_free(p->hosts[i]);
    }
    g_free(p->hosts);
    g_free(p->ports);
    g_free(p->iqn_prefix);
    g_free(p->cluster);
    g_free(p->chap_user);
    g_free(p->chap_password);
    g_free(p);
}
