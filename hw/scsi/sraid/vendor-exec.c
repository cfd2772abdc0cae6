/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the receiving side of the node-to-node vendor
 * commands (seed 003 figs. 11A-11C).
 */
#include <glib.h>
#include <string.h>

#include "msg-gather.h"
#include "vendor-exec.h"

/* CDB byte of the transfer length's most significant byte (Table 4) */
#define CDB_LENGTH_MSB      8
#define CDB_ADDRESS_MSB     6

static const SraidSense sense_config_mismatch = {
    SRAID_SENSE_ILLEGAL_REQUEST, SRAID_ASC_VENDOR, SRAID_ASCQ_CONFIG_MISMATCH
};
static const SraidSense sense_eeprom_failed = {
    SRAID_SENSE_HARDWARE_ERROR, SRAID_ASC_VENDOR,
    SRAID_ASCQ_EEPROM_WRITE_FAILED
};
static const SraidSense sense_nvm_failed = {
    SRAID_SENSE_HARDWARE_ERROR, SRAID_ASC_VENDOR, SRAID_ASCQ_NVM_WRITE_FAILED
};
static const SraidSense sense_role_mismatch = {
    SRAID_SENSE_ILLEGAL_REQUEST, SRAID_ASC_VENDOR, SRAID_ASCQ_ROLE_MISMATCH
};
static const SraidSense sense_rebuild_in_progress = {
    SRAID_SENSE_ILLEGAL_REQUEST, SRAID_ASC_VENDOR,
    SRAID_ASCQ_REBUILD_IN_PROGRESS
};
static const SraidSense sense_no_cluster = {
    SRAID_SENSE_NOT_READY, SRAID_ASC_VENDOR, SRAID_ASCQ_NO_CLUSTER
};

/* ---- node state ---- */

/*
 * Keep this node's own entry of the node list current, and tell the owner
 * when the state or the shown info changed from @old_state / @old_info.
 */
static void publish_self(SraidVendorNode *n, uint8_t old_state,
                         uint8_t old_info)
{
    if (n->node_id < SRAID_NODE_MAX && n->state != SRAID_NODE_STATE_NONE) {
        sraid_node_memory_set_node(&n->mem, n->node_id, n->state, n->info,
                                   n->connected_channels);
    }
    if ((n->state != old_state || n->info != old_info) &&
        n->ops && n->ops->state_changed) {
        n->ops->state_changed(n->opaque, n->state, n->info);
    }
}

void sraid_vendor_node_init(SraidVendorNode *n, uint8_t node_id)
{
    memset(n, 0, sizeof(*n));
    n->node_id = node_id;
    n->state = SRAID_NODE_STATE_NONE;
    n->info = SRAID_NODE_INFO_NONE;
    sraid_node_memory_init(&n->mem, node_id);
}

void sraid_vendor_node_set_ops(SraidVendorNode *n, const SraidVendorOps *ops,
                               void *opaque)
{
    n->ops = ops;
    n->opaque = opaque;
}

void sraid_vendor_node_set_state(SraidVendorNode *n, uint8_t state,
                                 uint8_t info)
{
    uint8_t old_state = n->state, old_info = n->info;

    g_assert(sraid_node_state_valid(state) && sraid_node_info_valid(info));
    n->state = state;
    if (n->rebuilding) {
        n->info_saved = info;
    } else {
        n->info = info;
    }
    publish_self(n, old_state, old_info);
}

void sraid_vendor_node_set_channels(SraidVendorNode *n, uint32_t channels)
{
    n->connected_channels = channels & ((1u << SRAID_CHANNEL_MAX) - 1);
    publish_self(n, n->state, n->info);
}

bool sraid_vendor_node_begin_rebuild(SraidVendorNode *n,
                                     const SraidRebuildRequest *rq)
{
    if (n->rebuilding) {
        return false;
    }
    n->rebuilding = true;
    n->rebuild = *rq;
    n->info_saved = n->info;
    n->info = SRAID_NODE_INFO_REBUILDING;
    publish_self(n, n->state, n->info_saved);
    return true;
}

void sraid_vendor_node_end_rebuild(SraidVendorNode *n)
{
    if (!n->rebuilding) {
        return;
    }
    n->rebuilding = false;
    n->info = n->info_saved;
    publish_self(n, n->state, SRAID_NODE_INFO_REBUILDING);
}

void sraid_vendor_node_suspend(SraidVendorNode *n)
{
    uint8_t old_state = n->state;

    n->suspended = true;
    /* "KILLED_SLAVE ... has been expressly killed by a node controller" */
    n->state = SRAID_NODE_KILLED_SLAVE;
    publish_self(n, old_state, n->info);
}

void sraid_vendor_node_resume(SraidVendorNode *n)
{
    n->suspended = false;
}

bool sraid_vendor_node_ready(const SraidVendorNode *n)
{
    return !n->suspended;
}

const SraidRebuildNote *sraid_vendor_node_rebuild_note(
    const SraidVendorNode *n, uint8_t ld)
{
    return ld < SRAID_RESV_MAX_LDS && n->notes[ld].valid ? &n->notes[ld]
                                                         : NULL;
}

/* ---- one command ---- */

/* How a command ends, before it becomes an SraidScsiResult */
typedef struct Answer {
    uint8_t status;
    SraidSense sense;
    size_t data_len;
} Answer;

static void answer_sense(Answer *a, const SraidSense *s)
{
    a->status = SRAID_STATUS_CHECK_CONDITION;
    a->sense = *s;
    a->data_len = 0;
}

/*
 * Where a parameter list came from, so that its errors point at the right
 * bytes: the command's own data-out, a record of a Node_Gather container,
 * or the MAILBOX region (Node_Negotiate without data).
 */
typedef enum ParamSource {
    FROM_DATA_OUT,
    FROM_RECORD,
    FROM_MAILBOX_REGION,
} ParamSource;

typedef struct ParamCtx {
    ParamSource source;
    unsigned index;             /* FROM_RECORD: record number */
    uint32_t rec_offset;        /* FROM_RECORD: record header offset */
} ParamCtx;

static uint32_t payload_base(const ParamCtx *ctx)
{
    return ctx->source == FROM_RECORD ?
           ctx->rec_offset + SRAID_GATHER_RECORD_LEN : 0;
}

static void with_record(const ParamCtx *ctx, SraidSense *s)
{
    if (ctx->source == FROM_RECORD) {
        s->info_valid = true;
        s->info = ctx->index;
    }
}

/* A field of the parameter list at payload offset @offset is wrong. */
static void param_field(const ParamCtx *ctx, uint32_t offset, int bit,
                        Answer *a)
{
    SraidSense s;

    if (ctx->source == FROM_MAILBOX_REGION) {
        /* not in this command's data: say where in the region instead */
        s = sraid_sense_invalid_param;
        s.info_valid = true;
        s.info = offset;
    } else {
        s = sraid_sense_at(&sraid_sense_invalid_param, false,
                           payload_base(ctx) + offset, bit);
        with_record(ctx, &s);
    }
    answer_sense(a, &s);
}

static void param_error(const ParamCtx *ctx, const SraidParamError *err,
                        Answer *a)
{
    SraidSense s;

    if (err->kind == SRAID_PARAM_FIELD ||
        ctx->source == FROM_MAILBOX_REGION) {
        param_field(ctx, err->offset, err->bit, a);
        return;
    }
    if (ctx->source == FROM_RECORD) {
        s = sraid_sense_at(&sraid_sense_param_list_len, false,
                           ctx->rec_offset + SRAID_GATHER_REC_LENGTH, -1);
        with_record(ctx, &s);
    } else {
        s = sraid_sense_at(&sraid_sense_param_list_len, true, CDB_LENGTH_MSB,
                           -1);
    }
    answer_sense(a, &s);
}

/* A memory access outside the map or a region, or to a read-only one */
static void memory_error(const ParamCtx *ctx, SraidNodeMemStatus st,
                         Answer *a)
{
    SraidSense s;
    bool rec = ctx->source == FROM_RECORD;

    switch (st) {
    case SRAID_NODE_MEM_UNMAPPED:
        /* like an LBA beyond the capacity (SBC-3): point at the address */
        s = sraid_sense_at(&sraid_sense_lba_out_of_range, !rec,
                           rec ? ctx->rec_offset + SRAID_GATHER_REC_ADDRESS
                               : CDB_ADDRESS_MSB, -1);
        break;
    case SRAID_NODE_MEM_CROSSES_END:
        s = sraid_sense_at(&sraid_sense_lba_out_of_range, !rec,
                           rec ? ctx->rec_offset + SRAID_GATHER_REC_LENGTH
                               : CDB_LENGTH_MSB, -1);
        break;
    default:
        /* field pointers exist for ILLEGAL REQUEST only */
        s = sraid_sense_write_protected;
        break;
    }
    with_record(ctx, &s);
    answer_sense(a, &s);
}

static void outcome(const ParamCtx *ctx, SraidVendorNode *n,
                    SraidVendorOutcome o, Answer *a)
{
    switch (o) {
    case SRAID_VENDOR_OK:
        break;
    case SRAID_VENDOR_BUSY:
        a->status = SRAID_STATUS_BUSY;
        break;
    case SRAID_VENDOR_CONFIG_MISMATCH:
        answer_sense(a, &sense_config_mismatch);
        break;
    case SRAID_VENDOR_EEPROM_FAILED:
        answer_sense(a, &sense_eeprom_failed);
        break;
    case SRAID_VENDOR_NVM_FAILED:
        answer_sense(a, &sense_nvm_failed);
        break;
    case SRAID_VENDOR_SUSPEND:
        sraid_vendor_node_suspend(n);
        answer_sense(a, &sraid_sense_manual_intervention);
        break;
    case SRAID_VENDOR_UNKNOWN_LD:
        /* byte 0 of both rebuild payloads is the logical drive */
        param_field(ctx, 0, -1, a);
        break;
    default:
        g_assert_not_reached();
    }
}

/* A command after its parameter list was checked */
typedef struct Req {
    uint8_t dcmd;
    uint32_t address;
    uint16_t length;            /* transfer length / record length */
    const uint8_t *data;        /* Node_Write data */
    ParamCtx ctx;
    union {
        SraidResvEntry resv;
        SraidRebuildRequest rq;
        SraidRebuildStatus st;
    } u;
} Req;

/* The rebuild payloads' sender fields must name the sender. */
static bool check_rebuild_request(const SraidVendorNexus *nx, Req *r,
                                  const uint8_t *p, Answer *a)
{
    SraidParamError err;

    if (!sraid_rebuild_request_decode(p, r->length, &r->u.rq, &err)) {
        param_error(&r->ctx, &err, a);
        return false;
    }
    switch (r->dcmd) {
    case SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED:
    case SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED:
        /* fig. 14: the node that received the host's command sends these */
        if (r->u.rq.origin != nx->node) {
            param_field(&r->ctx, 3, -1, a);
            return false;
        }
        break;
    case SRAID_DCMD_NODE_REBUILD:
        /* fig. 16 step 1650: one specific logical drive */
        if (r->u.rq.ld == SRAID_REBUILD_ALL_LDS) {
            param_field(&r->ctx, 0, -1, a);
            return false;
        }
        break;
    case SRAID_DCMD_NODE_INFORM_REBUILT_ALL:
        /* step 1640: every logical drive of the drive */
        if (r->u.rq.ld != SRAID_REBUILD_ALL_LDS) {
            param_field(&r->ctx, 0, -1, a);
            return false;
        }
        break;
    }
    return true;
}

static bool check_rebuild_status(const SraidVendorNexus *nx, Req *r,
                                 const uint8_t *p, Answer *a)
{
    SraidParamError err;
    bool phase_ok;

    if (!sraid_rebuild_status_decode(p, r->length, &r->u.st, &err)) {
        param_error(&r->ctx, &err, a);
        return false;
    }
    switch (r->dcmd) {
    case SRAID_DCMD_NODE_INFORM_REBUILD_STARTED:
        phase_ok = r->u.st.phase == SRAID_REBUILD_STARTED;
        break;
    case SRAID_DCMD_NODE_INFORM_STATUS:
        phase_ok = r->u.st.phase == SRAID_REBUILD_IN_PROGRESS;
        break;
    default:
        phase_ok = r->u.st.phase >= SRAID_REBUILD_COMPLETED;
        break;
    }
    if (!phase_ok) {
        param_field(&r->ctx, 4, -1, a);
        return false;
    }
    if (r->u.st.node != nx->node) {
        /* the node doing the rebuild reports on it (steps 1615-1625) */
        param_field(&r->ctx, 3, -1, a);
        return false;
    }
    return true;
}

/*
 * Check everything about one command that does not depend on this node's
 * state, so that a container is refused whole before any record acts.
 */
static bool check_request(SraidVendorNode *n, const SraidVendorNexus *nx,
                          Req *r, const uint8_t *p, Answer *a)
{
    SraidParamError err;
    SraidNodeRegion region;
    SraidNodeMemStatus st;
    uint32_t off;

    switch (r->dcmd) {
    case SRAID_DCMD_NODE_READ:
    case SRAID_DCMD_NODE_WRITE:
        st = sraid_node_memory_locate(r->address, r->length,
                                      r->dcmd == SRAID_DCMD_NODE_WRITE,
                                      &region, &off);
        if (st != SRAID_NODE_MEM_OK) {
            memory_error(&r->ctx, st, a);
            return false;
        }
        r->data = p;
        return true;
    case SRAID_DCMD_NODE_RESERVE:
    case SRAID_DCMD_NODE_RELEASE:
        if (!sraid_resv_entry_decode(p, r->length, &r->u.resv, &err)) {
            param_error(&r->ctx, &err, a);
            return false;
        }
        /*
         * fig. 12 step 1210: the reservation is for the sending node.  A
         * Node_Release may name another node: the sender's logical unit
         * reset, or the holder's death, released that node's reservation
         * (SPC-2 5.5.1; resv2-cluster.c).  It still removes nothing but
         * the named node's entry (node_resv_release).
         */
        if (r->dcmd == SRAID_DCMD_NODE_RESERVE && r->u.resv.node != nx->node) {
            param_field(&r->ctx, 2, -1, a);
            return false;
        }
        return true;
    case SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED:
    case SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED:
    case SRAID_DCMD_NODE_REBUILD:
    case SRAID_DCMD_NODE_INFORM_REBUILT_ALL:
        return check_rebuild_request(nx, r, p, a);
    case SRAID_DCMD_NODE_INFORM_REBUILD_STARTED:
    case SRAID_DCMD_NODE_INFORM_STATUS:
    case SRAID_DCMD_NODE_INFORM_REBUILD_COMPLETED:
        return check_rebuild_status(nx, r, p, a);
    default:
        /* cable check, kill: no parameters; negotiate: do_negotiate() */
        return true;
    }
}

/* Same rebuild: the same drive (the logical drive may be one of its LDs) */
static bool same_rebuild(const SraidRebuildRequest *a,
                         const SraidRebuildRequest *b)
{
    return a->channel == b->channel && a->target == b->target &&
           memcmp(a->guid, b->guid, sizeof(a->guid)) == 0;
}

/* Is there a callback for the command?  Otherwise: no cluster layer. */
static bool needs_ops(bool have, Answer *a)
{
    if (!have) {
        answer_sense(a, &sense_no_cluster);
        return false;
    }
    return true;
}

static void do_cable_check(SraidVendorNode *n, const SraidVendorNexus *nx,
                           const Req *r, uint8_t *data_in, size_t cap,
                           Answer *a)
{
    uint8_t buf[SRAID_CABLE_CHECK_DATA_LEN];
    SraidCableCheckData d = {
        .channel = nx->channel,         /* step 1165 */
        .node = n->node_id,
        .state = n->state,
        .info = n->info,
        .connected_channels = n->connected_channels,
    };

    sraid_cable_check_encode(&d, buf);
    a->data_len = MIN(MIN(sizeof(buf), (size_t)r->length), cap);
    memcpy(data_in, buf, a->data_len);
}

static void do_kill(SraidVendorNode *n, const SraidVendorNexus *nx,
                    Answer *a)
{
    if (!needs_ops(n->ops && n->ops->kill, a)) {
        return;
    }
    sraid_vendor_node_suspend(n);       /* step 1135 */
    n->ops->kill(n->opaque, nx);
}

static void do_reserve(SraidVendorNode *n, const SraidVendorNexus *nx,
                       const Req *r, Answer *a)
{
    bool had = sraid_node_resv_holder(&n->mem, r->u.resv.ld,
                                      r->u.resv.lun) == r->u.resv.node;

    if (!sraid_node_resv_reserve(&n->mem, &r->u.resv)) {
        a->status = SRAID_STATUS_RESERVATION_CONFLICT;      /* step 1220 */
        return;
    }
    if (!had && n->ops && n->ops->reservation_changed) {
        n->ops->reservation_changed(n->opaque, nx, &r->u.resv, true);
    }
}

static void do_release(SraidVendorNode *n, const SraidVendorNexus *nx,
                       const Req *r)
{
    /* step 1105; GOOD also when there was nothing to release (fig. 19) */
    if (sraid_node_resv_release(&n->mem, &r->u.resv) &&
        n->ops && n->ops->reservation_changed) {
        n->ops->reservation_changed(n->opaque, nx, &r->u.resv, false);
    }
}

/*
 * Note that a rebuild of @rq's drive is going on; false when another one
 * is (the cluster runs one rebuild at a time, step 1430).
 */
static bool join_rebuild(SraidVendorNode *n, const SraidRebuildRequest *rq,
                         bool *began, Answer *a)
{
    *began = false;
    if (n->rebuilding) {
        if (!same_rebuild(&n->rebuild, rq)) {
            answer_sense(a, &sense_rebuild_in_progress);
            return false;
        }
        return true;
    }
    *began = sraid_vendor_node_begin_rebuild(n, rq);
    return true;
}

static void do_rebuild_order(SraidVendorNode *n, const SraidVendorNexus *nx,
                             const Req *r, Answer *a)
{
    bool master = r->dcmd == SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED;
    SraidVendorOutcome (*cb)(void *, const SraidVendorNexus *,
                             const SraidRebuildRequest *);
    bool began;

    cb = !n->ops ? NULL : master ? n->ops->master_rebuild : n->ops->rebuild;
    if (!needs_ops(cb != NULL, a)) {
        return;
    }
    /* step 11B0 is the master's, step 11C0 a slave's */
    if ((n->state == SRAID_NODE_MASTER) != master) {
        answer_sense(a, &sense_role_mismatch);
        return;
    }
    if (!join_rebuild(n, &r->u.rq, &began, a)) {
        return;
    }
    outcome(&r->ctx, n, cb(n->opaque, nx, &r->u.rq), a);
    if (a->status != SRAID_STATUS_GOOD && began) {
        sraid_vendor_node_end_rebuild(n);   /* nothing was started */
    }
}

static void do_note(SraidVendorNode *n, const SraidVendorNexus *nx,
                    const Req *r)
{
    /* steps 11D5, 11E5: enough to take over or report the rebuild */
    n->notes[r->u.st.ld].valid = true;
    n->notes[r->u.st.ld].status = r->u.st;
    if (n->ops && n->ops->rebuild_noted) {
        n->ops->rebuild_noted(n->opaque, nx, &r->u.st);
    }
}

static void do_rebuilt_all(SraidVendorNode *n, const Req *r, Answer *a)
{
    /* "The master node controller does not receive a Rebuilt_All()" */
    if (n->state == SRAID_NODE_MASTER) {
        answer_sense(a, &sense_role_mismatch);
        return;
    }
    if (!n->rebuilding) {
        return;                             /* already back: repeated */
    }
    if (!same_rebuild(&n->rebuild, &r->u.rq)) {
        answer_sense(a, &sense_rebuild_in_progress);
        return;
    }
    sraid_vendor_node_end_rebuild(n);       /* step 11H0 */
}

static void do_write(SraidVendorNode *n, const SraidVendorNexus *nx,
                     const Req *r)
{
    SraidNodeRegion region;
    uint32_t off;

    /*
     * Our memory is written before the status goes back, which is what
     * FUA asks ("completion status only after the data is written").
     */
    if (sraid_node_memory_write(&n->mem, r->address, r->data, r->length) !=
        SRAID_NODE_MEM_OK) {
        g_assert_not_reached();             /* check_request() located it */
    }
    if (r->length && n->ops && n->ops->memory_written) {
        sraid_node_memory_locate(r->address, r->length, true, &region, &off);
        n->ops->memory_written(n->opaque, nx, region, off, r->length);
    }
}

/* Act on a checked command; this is where this node's state counts. */
static void apply_request(SraidVendorNode *n, const SraidVendorNexus *nx,
                          const Req *r, uint8_t *data_in, size_t cap,
                          Answer *a)
{
    switch (r->dcmd) {
    case SRAID_DCMD_NODE_CABLE_CHECK:
        do_cable_check(n, nx, r, data_in, cap, a);
        break;
    case SRAID_DCMD_NODE_READ:
        /* step 1155 */
        a->data_len = MIN((size_t)r->length, cap);
        sraid_node_memory_read(&n->mem, r->address, data_in, a->data_len);
        break;
    case SRAID_DCMD_NODE_WRITE:
        do_write(n, nx, r);                 /* step 1145 */
        break;
    case SRAID_DCMD_NODE_KILL:
        do_kill(n, nx, a);
        break;
    case SRAID_DCMD_NODE_RESERVE:
        do_reserve(n, nx, r, a);
        break;
    case SRAID_DCMD_NODE_RELEASE:
        do_release(n, nx, r);
        break;
    case SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED: {
        bool began;

        join_rebuild(n, &r->u.rq, &began, a);   /* step 11A5 */
        break;
    }
    case SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED:
    case SRAID_DCMD_NODE_REBUILD:
        do_rebuild_order(n, nx, r, a);
        break;
    case SRAID_DCMD_NODE_INFORM_REBUILD_STARTED:
    case SRAID_DCMD_NODE_INFORM_STATUS:
    case SRAID_DCMD_NODE_INFORM_REBUILD_COMPLETED:
        do_note(n, nx, r);
        break;
    case SRAID_DCMD_NODE_INFORM_REBUILT_ALL:
        do_rebuilt_all(n, r, a);
        break;
    default:
        g_assert_not_reached();
    }
}

/*
 * The mailbox a Node_Negotiate or Node_Config_Changed carries.  With a
 * parameter list it comes with the command (and Node_Negotiate keeps it in
 * the MAILBOX region); without one, the sender put it there before with
 * Node_Write (fig. 13 / fig. 8 step 8B0) and asks for it to be checked
 * (step 880).  NULL after answering the error.
 */
static SraidMailbox *take_mailbox(SraidVendorNode *n,
                                  const SraidVendorNexus *nx,
                                  const uint8_t *p, uint16_t len, bool keep,
                                  Answer *a)
{
    g_autofree SraidMailbox *mb = g_new(SraidMailbox, 1);
    ParamCtx ctx = { .source = len ? FROM_DATA_OUT : FROM_MAILBOX_REGION };
    SraidParamError err;
    size_t mb_len = len;

    if (!len) {
        p = n->mem.mailbox;
        mb_len = sraid_mailbox_peek_len(p, sizeof(n->mem.mailbox));
        if (mb_len > sizeof(n->mem.mailbox)) {
            param_field(&ctx, 8, -1, a);    /* TOTAL LENGTH */
            return NULL;
        }
        if (mb_len == 0) {
            param_field(&ctx, 0, -1, a);    /* no mailbox magic */
            return NULL;
        }
    }
    if (!sraid_mailbox_decode(p, mb_len, mb, &err)) {
        param_error(&ctx, &err, a);
        return NULL;
    }
    if (mb->sender != nx->node) {
        param_field(&ctx, 12, -1, a);       /* SENDER NODE ID */
        return NULL;
    }
    if (keep && len) {
        memcpy(n->mem.mailbox, p, len);
    }
    return g_steal_pointer(&mb);
}

/* Node_Negotiate (fig. 13) */
static void do_negotiate(SraidVendorNode *n, const SraidVendorNexus *nx,
                         const uint8_t *p, uint16_t len, Answer *a)
{
    ParamCtx ctx = { .source = len ? FROM_DATA_OUT : FROM_MAILBOX_REGION };
    g_autofree SraidMailbox *mb = NULL;

    if (!needs_ops(n->ops && n->ops->negotiate, a)) {
        return;
    }
    mb = take_mailbox(n, nx, p, len, true, a);
    if (mb) {
        outcome(&ctx, n, n->ops->negotiate(n->opaque, nx, mb), a);
    }
}

/* Node_Config_Changed (membership.h): a slave's new configuration */
static void do_config_changed(SraidVendorNode *n, const SraidVendorNexus *nx,
                              const uint8_t *p, uint16_t len, Answer *a)
{
    ParamCtx ctx = { .source = len ? FROM_DATA_OUT : FROM_MAILBOX_REGION };
    g_autofree SraidMailbox *mb = NULL;

    if (!needs_ops(n->ops && n->ops->config_changed, a)) {
        return;
    }
    mb = take_mailbox(n, nx, p, len, false, a);
    if (mb) {
        outcome(&ctx, n, n->ops->config_changed(n->opaque, nx, mb), a);
    }
}

/* DCMDs 20h-25h: the cluster's persistent reservations (pr-cluster.h) */
static void do_pr_message(SraidVendorNode *n, const SraidVendorNexus *nx,
                          const SraidVendorCdb *c, const uint8_t *p,
                          uint8_t *data_in, size_t data_in_cap, Answer *a)
{
    size_t data_len = 0;

    if (!needs_ops(n->ops && n->ops->pr_message, a)) {
        return;
    }
    a->status = n->ops->pr_message(n->opaque, nx, c->dcmd, c->address,
                                   p, p ? c->length : 0, data_in,
                                   data_in ? data_in_cap : 0, &data_len,
                                   &a->sense);
    a->data_len = a->status == SRAID_STATUS_GOOD ? data_len : 0;
}

/* Node_Bus_Reset (membership.h): the sender asks to be scanned */
static void do_bus_reset(SraidVendorNode *n, const SraidVendorNexus *nx,
                         Answer *a)
{
    if (needs_ops(n->ops && n->ops->bus_reset, a)) {
        n->ops->bus_reset(n->opaque, nx);
    }
}

/*
 * Node_Gather (seed 002 message gathering): every record is checked
 * before any acts, then they act in order.  The first record that fails
 * ends the command with its sense, the record's number in INFORMATION:
 * the records before it took effect, the ones after it did not.
 */
static void do_gather(SraidVendorNode *n, const SraidVendorNexus *nx,
                      const uint8_t *p, uint16_t len, Answer *a)
{
    Req reqs[SRAID_GATHER_MAX_RECORDS];
    SraidGatherIter it;
    SraidGatherRecord rec;
    SraidParamError err;
    unsigned count;
    int bad;

    if (!len) {
        return;                 /* no parameter list: nothing to do */
    }
    if (!sraid_gather_check(p, len, &count, &err, &bad)) {
        /* the container's framing: point into it, name the record */
        SraidSense s = sraid_sense_at(err.kind == SRAID_PARAM_LENGTH ?
                                      &sraid_sense_param_list_len :
                                      &sraid_sense_invalid_param,
                                      false, err.offset, err.bit);

        if (bad >= 0) {
            s.info_valid = true;
            s.info = bad;
        }
        answer_sense(a, &s);
        return;
    }
    sraid_gather_iter_init(&it, p, len);
    for (unsigned i = 0; i < count; i++) {
        Req *r = &reqs[i];

        if (!sraid_gather_next(&it, &rec)) {
            g_assert_not_reached();         /* sraid_gather_check() passed */
        }
        memset(r, 0, sizeof(*r));
        r->dcmd = rec.dcmd;
        r->address = rec.address;
        r->length = rec.len;
        r->ctx.source = FROM_RECORD;
        r->ctx.index = i;
        r->ctx.rec_offset = rec.offset;
        if (!check_request(n, nx, r, rec.payload, a)) {
            return;
        }
    }
    for (unsigned i = 0; i < count; i++) {
        apply_request(n, nx, &reqs[i], NULL, 0, a);
        if (a->status != SRAID_STATUS_GOOD) {
            with_record(&reqs[i].ctx, &a->sense);
            return;
        }
    }
}

void sraid_vendor_cmd_execute(SraidVendorNode *n, const SraidVendorNexus *nx,
                              const uint8_t *cdb, size_t cdb_len,
                              const uint8_t *data_out, size_t data_out_len,
                              uint8_t *data_in, size_t data_in_len,
                              SraidScsiResult *res)
{
    Answer a = { .status = SRAID_STATUS_GOOD };
    SraidVendorCdb c;
    SraidVendorDir dir;
    Req r;

    memset(res, 0, sizeof(*res));
    if (!sraid_vendor_cdb_decode(cdb, cdb_len, &c, &a.sense)) {
        a.status = SRAID_STATUS_CHECK_CONDITION;
        goto done;
    }
    /*
     * SCSI-2 7.2.2 kept a LUN in the CDB for initiators without IDENTIFY;
     * our transports address the unit, so a contradicting one is refused.
     */
    if (c.lun && c.lun != nx->lun) {
        SraidSense s = sraid_sense_at(&sraid_sense_invalid_field, true, 1, 7);

        answer_sense(&a, &s);
        goto done;
    }
    if (sraid_vendor_dcmd_peer_only(c.dcmd) &&
        (nx->source != SRAID_VENDOR_FROM_PEER || nx->node >= SRAID_NODE_MAX)) {
        /* a host or SAN initiator must not kill or reserve for a node */
        answer_sense(&a, &sraid_sense_access_denied);
        goto done;
    }
    if (sraid_vendor_dcmd_host_only(c.dcmd)) {
        /*
         * Guest management: this node's guest only.  A peer has its own
         * host to ask; an external initiator of the SAN port is not the
         * guest the host configuration speaks of (guest-management).
         */
        if (nx->source != SRAID_VENDOR_FROM_HOST) {
            sraid_result_sense(res, &sraid_sense_access_denied);
            return;
        }
        sraid_mgmt_execute(&n->mgmt, n->suspended, &c, data_out,
                           data_out_len, data_in, data_in_len, res);
        return;
    }
    if (n->suspended) {
        answer_sense(&a, &sraid_sense_manual_intervention);
        goto done;
    }
    dir = sraid_vendor_dcmd_dir(c.dcmd);
    if (dir == SRAID_VENDOR_DIR_OUT && data_out_len < c.length) {
        /* fewer bytes arrived than the CDB announced */
        SraidSense s = sraid_sense_at(&sraid_sense_param_list_len, true,
                                      CDB_LENGTH_MSB, -1);

        answer_sense(&a, &s);
        goto done;
    }
    if (dir != SRAID_VENDOR_DIR_OUT) {
        data_out = NULL;
    }
    if (dir != SRAID_VENDOR_DIR_IN) {
        data_in_len = 0;
    }

    switch (c.dcmd) {
    case SRAID_DCMD_NODE_NEGOTIATE:
        do_negotiate(n, nx, data_out, c.length, &a);
        break;
    case SRAID_DCMD_NODE_CONFIG_CHANGED:
        do_config_changed(n, nx, data_out, c.length, &a);
        break;
    case SRAID_DCMD_NODE_BUS_RESET:
        do_bus_reset(n, nx, &a);
        break;
    case SRAID_DCMD_NODE_GATHER:
        do_gather(n, nx, data_out, c.length, &a);
        break;
    case SRAID_DCMD_PR_REQUEST:
    case SRAID_DCMD_PR_APPLY:
    case SRAID_DCMD_PR_STATE:
    case SRAID_DCMD_PR_POLL:
    case SRAID_DCMD_PR_SYNC:
    case SRAID_DCMD_PR_COLLECT:
        do_pr_message(n, nx, &c, data_out, data_in,
                      MIN(data_in_len, (size_t)c.length), &a);
        break;
    default:
        memset(&r, 0, sizeof(r));
        r.dcmd = c.dcmd;
        r.address = c.address;
        r.length = c.length;
        r.ctx.source = FROM_DATA_OUT;
        if (check_request(n, nx, &r, data_out, &a)) {
            apply_request(n, nx, &r, data_in,
                          MIN(data_in_len, (size_t)c.length), &a);
        }
        break;
    }

done:
    if (a.status == SRAID_STATUS_CHECK_CONDITION) {
        sraid_result_sense(res, &a.sense);
    } else {
        res->status = a.status;
        res->data_len = a.status == SRAID_STATUS_GOOD ? a.data_len : 0;
    }
}
