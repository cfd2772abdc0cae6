/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI SCSI commands, data transfer and task
 * management (RFC 7143 4.2.5, 11.3 - 11.8).
 *
 * A WRITE's data-out is gathered whole before the command goes to the
 * glue: immediate data, then one unsolicited burst when InitialR2T=No,
 * then R2T-solicited bursts of at most MaxBurstLength, MaxOutstandingR2T
 * at a time.  With DataPDUInOrder=Yes and DataSequenceInOrder=Yes every
 * Data-Out must carry exactly the DataSN and BufferOffset expected; one
 * that does not is a sequence error, which at ErrorRecoveryLevel 0 can
 * only be recovered by closing the connection (RFC 7143 7.1.4.1, 7.4): so
 * we close it rather than Reject a PDU whose task could never finish.
 *
 * Reference counting: a task holds one reference for the connection's
 * list and one while the glue has it; the core takes one more around
 * every call into the glue, since the glue may end the task from inside.
 */
#include <string.h>

#include "iscsi-conn.h"
#include "sense.h"

/* SAM-5 status codes the transport needs to know about */
#define STATUS_CONDITION_MET            0x04
#define STATUS_INTERMEDIATE             0x10
#define STATUS_INTERMEDIATE_COND_MET    0x14
#define STATUS_TASK_SET_FULL            0x28
/* SPC-4 4.5.1: sense data is at most 252 bytes */
#define SENSE_MAX                       252

static IscsiTask *task_of(SraidIscsiTask *pub)
{
    return (IscsiTask *)((char *)pub - offsetof(IscsiTask, pub));
}

static void task_unref(IscsiTask *t)
{
    if (--t->refs == 0) {
        g_free(t->pub.data_out);
        g_free(t->pub.data_in);
        g_free(t);
    }
}

/* A live (not aborted) task of the session with this ITT */
static IscsiTask *find_task(SraidIscsiConn *c, uint32_t itt)
{
    for (GList *l = c->tasks.head; l; l = l->next) {
        IscsiTask *t = l->data;

        if (t->pub.itt == itt && !t->aborted) {
            return t;
        }
    }
    return NULL;
}

/* The task leaves the session's list (it is done, or never started) */
static void task_finish(SraidIscsiConn *c, IscsiTask *t)
{
    if (!t->listed) {
        return;
    }
    g_queue_unlink(&c->tasks, &t->link);
    t->listed = false;
    if (t->immediate) {
        c->imm_tasks--;
    } else {
        c->nonimm_tasks--;
    }
    task_unref(t);
}

/* What a command's status phase needs, from a task or from the core */
typedef struct Completion {
    const uint8_t *lun;
    uint32_t itt;
    uint32_t edtl;
    uint8_t response;
    uint8_t status;
    const uint8_t *sense;
    size_t sense_len;
    const uint8_t *data;            /* data-in to send */
    uint32_t data_len;
    uint64_t wanted;                /* bytes the command would have moved */
} Completion;

static bool status_is_exception(uint8_t status)
{
    return status != SRAID_STATUS_GOOD && status != STATUS_CONDITION_MET &&
           status != STATUS_INTERMEDIATE &&
           status != STATUS_INTERMEDIATE_COND_MET;
}

/*
 * Data-In PDUs, then the status: in the last Data-In (S bit, 11.7.3) when
 * there is data, no exception and hence no sense; else in a SCSI Response
 * with the sense in its data segment (11.4.7).
 */
static void send_completion(SraidIscsiConn *c, const Completion *k)
{
    uint32_t burst = c->params.max_burst_length;
    uint32_t seg = MIN(c->params.initiator_mrdsl, burst);
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    uint8_t sense[2 + SENSE_MAX];
    size_t sense_len = MIN(k->sense_len, SENSE_MAX);
    uint32_t residual = 0, data_sn = 0, off, len;
    uint8_t flags = 0;
    bool collapse;
    SraidIscsiSn sn;

    /* 11.4.5: residuals against the Expected Data Transfer Length */
    if (k->response == SRAID_ISCSI_RESPONSE_COMPLETED) {
        if (k->wanted < k->edtl) {
            flags = SRAID_ISCSI_RSP_UNDERFLOW;
            residual = k->edtl - k->wanted;
        } else if (k->wanted > k->edtl) {
            flags = SRAID_ISCSI_RSP_OVERFLOW;
            residual = MIN(k->wanted - k->edtl, UINT32_MAX);
        }
    }
    collapse = k->data_len && !sense_len && !status_is_exception(k->status) &&
               k->response == SRAID_ISCSI_RESPONSE_COMPLETED;

    for (off = 0; off < k->data_len; off += len) {
        uint8_t dflags = 0;
        bool last;

        /* a Data-In sequence ends (F bit) every MaxBurstLength (13.13) */
        len = MIN(MIN(seg, k->data_len - off), burst - off % burst);
        last = off + len == k->data_len;
        if (last || (off + len) % burst == 0) {
            dflags |= SRAID_ISCSI_F_BIT;
        }
        if (last && collapse) {
            dflags |= SRAID_ISCSI_DATA_STATUS | flags;
        }
        sn = iscsi_conn_sn(c, last && collapse);
        sraid_iscsi_encode_data_in(bhs, dflags, k->status, k->lun, k->itt,
                                   &sn, data_sn++, off, residual, len);
        iscsi_conn_send(c, bhs, k->data + off, len);
    }
    if (collapse) {
        return;
    }
    if (sense_len) {
        sraid_put_be16(sense, sense_len);
        memcpy(sense + 2, k->sense, sense_len);
    }
    sn = iscsi_conn_sn(c, true);
    sraid_iscsi_encode_scsi_rsp(bhs, flags, k->response, k->status, k->itt,
                                &sn, data_sn, residual,
                                sense_len ? 2 + sense_len : 0);
    iscsi_conn_send(c, bhs, sense, sense_len ? 2 + sense_len : 0);
}

/* A status the core decides itself, for a command that never became a task */
static void complete_local(SraidIscsiConn *c, const SraidIscsiPdu *pdu,
                           uint8_t status, const SraidSense *sense,
                           const uint8_t *data, uint32_t wanted)
{
    uint8_t fixed[SRAID_SENSE_FIXED_LEN];
    Completion k = {
        .lun = pdu->lun,
        .itt = pdu->itt,
        .edtl = pdu->edtl,
        .response = SRAID_ISCSI_RESPONSE_COMPLETED,
        .status = status,
        .data = data,
        .data_len = pdu->read ? MIN(wanted, pdu->edtl) : 0,
        .wanted = wanted,
    };

    if (sense) {
        k.sense = fixed;
        k.sense_len = sraid_sense_to_fixed(sense, fixed, sizeof(fixed));
    }
    send_completion(c, &k);
}

/*
 * A command for a LUN we do not serve (SPC-4 6.6.2 and 6.39, SAM-5 5.9):
 * INQUIRY answers with peripheral qualifier 011b, REQUEST SENSE returns
 * LOGICAL UNIT NOT SUPPORTED as its data, anything else gets it as CHECK
 * CONDITION.  REPORT LUNS never comes here: the glue answers it.
 */
static void absent_lun(SraidIscsiConn *c, const SraidIscsiPdu *pdu)
{
    uint8_t buf[36];
    uint32_t n;

    switch (pdu->cdb[0]) {
    case SRAID_OP_INQUIRY:
        memset(buf, 0, sizeof(buf));
        buf[0] = 0x7f;                      /* qualifier 011b, type 1Fh */
        if (pdu->cdb[1] & 1) {
            buf[1] = pdu->cdb[2];           /* an empty VPD page */
            n = 4;
        } else {
            buf[2] = 0x06;                  /* SPC-4 */
            buf[3] = 0x02;                  /* response data format */
            buf[4] = sizeof(buf) - 5;
            memset(buf + 8, ' ', 28);
            n = sizeof(buf);
        }
        n = MIN(n, sraid_get_be16(pdu->cdb + 3));
        complete_local(c, pdu, SRAID_STATUS_GOOD, NULL, buf, n);
        break;
    case SRAID_OP_REQUEST_SENSE:
        n = sraid_sense_to_fixed(&sraid_sense_lun_not_supported, buf,
                                 MIN(pdu->cdb[4], sizeof(buf)));
        complete_local(c, pdu, SRAID_STATUS_GOOD, NULL, buf, n);
        break;
    default:
        complete_local(c, pdu, SRAID_STATUS_CHECK_CONDITION,
                       &sraid_sense_lun_not_supported, NULL, 0);
        break;
    }
}

static void task_submit(SraidIscsiConn *c, IscsiTask *t)
{
    SraidIscsiTarget *tgt = c->target;

    t->state = ISCSI_TASK_SUBMITTED;
    if (t->pub.read && t->pub.expected_len) {
        /* zeroed: a glue that reports more than it wrote leaks nothing */
        t->pub.data_in = g_malloc0(t->pub.expected_len);
        t->pub.data_in_cap = t->pub.expected_len;
    }
    t->pub.data_out_wanted = t->pub.data_out_len;
    t->with_glue = true;
    t->refs += 2;                   /* the glue's, and ours for the call */
    tgt->ops.submit(tgt->opaque, &t->pub);
    task_unref(t);
}

/* Solicit the rest of the data-out (11.8), bursts in offset order */
static void send_r2ts(SraidIscsiConn *c, IscsiTask *t)
{
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    SraidIscsiSn sn;

    if (!t->r2t_started) {
        t->r2t_started = true;
        t->r2t_offset = t->received;
    }
    while (t->r2t_active < c->params.max_outstanding_r2t &&
           t->r2t_offset < t->pub.expected_len) {
        IscsiR2t *r = t->r2t;

        while (r->active) {
            r++;
        }
        r->active = true;
        r->ttt = iscsi_conn_next_ttt(c);
        r->offset = t->r2t_offset;
        r->len = MIN(c->params.max_burst_length,
                     t->pub.expected_len - t->r2t_offset);
        r->received = 0;
        r->next_data_sn = 0;
        t->r2t_offset += r->len;
        t->r2t_active++;
        /* an R2T carries StatSN without taking one (11.8) */
        sn = iscsi_conn_sn(c, false);
        sraid_iscsi_encode_r2t(bhs, t->lun_raw, t->pub.itt, r->ttt, &sn,
                               t->r2tsn++, r->offset, r->len);
        iscsi_conn_send(c, bhs, NULL, 0);
    }
}

static void task_advance(SraidIscsiConn *c, IscsiTask *t)
{
    if (t->pub.write && t->received < t->pub.expected_len) {
        /* R2Ts once the unsolicited burst is over (4.2.5.2) */
        if (!t->unsol_open) {
            send_r2ts(c, t);
        }
        return;
    }
    task_submit(c, t);
}

void iscsi_task_scsi_cmd(SraidIscsiConn *c, const IscsiRx *rx)
{
    const SraidIscsiPdu *pdu = &rx->pdu;
    const SraidIscsiParams *p = &c->params;
    SraidIscsiTarget *tgt = c->target;
    uint32_t window = tgt->cfg.cmd_window;
    uint32_t unsol_limit = MIN(p->first_burst_length, pdu->edtl);
    IscsiTask *t;
    uint64_t lun;

    if (!iscsi_cmdsn_accept(c, pdu)) {
        return;
    }
    if (pdu->itt == SRAID_ISCSI_RSVD_TAG) {
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_INVALID_FIELD);
        return;
    }
    if (find_task(c, pdu->itt)) {
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_TASK_IN_PROGRESS);
        return;
    }
    if (pdu->immediate && c->imm_tasks >= window) {
        /* immediate commands are outside the window: bound them apart */
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_IMMEDIATE);
        return;
    }
    if (!pdu->immediate && c->nonimm_tasks >= window) {
        /* cannot happen within MaxCmdSN; a bound all the same */
        complete_local(c, pdu, STATUS_TASK_SET_FULL, NULL, NULL, 0);
        return;
    }
    /*
     * 4.2.5.1, 11.3.1: immediate data only with ImmediateData=Yes, within
     * FirstBurstLength and the expected length; F=0 (an unsolicited
     * burst follows) only for a WRITE with InitialR2T=No and room left.
     */
    if ((rx->len && (!pdu->write || !p->immediate_data ||
                     rx->len > unsol_limit)) ||
        (!pdu->final && (!pdu->write || p->initial_r2t ||
                         rx->len >= unsol_limit))) {
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_PROTOCOL);
        return;
    }
    if ((pdu->read && pdu->write) || pdu->edtl > tgt->cfg.max_transfer) {
        /*
         * A bidirectional command needs an AHS for its read length
         * (11.2.1.2), which we do not take; a transfer larger than
         * max_transfer cannot be buffered.
         */
        complete_local(c, pdu, SRAID_STATUS_CHECK_CONDITION,
                       &sraid_sense_invalid_field, NULL, 0);
        return;
    }
    if (!sraid_iscsi_lun_decode(pdu->lun, &lun) ||
        (pdu->cdb[0] != SRAID_OP_REPORT_LUNS &&
         !tgt->ops.lun_present(tgt->opaque, lun))) {
        absent_lun(c, pdu);
        return;
    }

    t = g_new0(IscsiTask, 1);
    t->pub.conn = c;
    t->pub.lun = lun;
    memcpy(t->pub.cdb, pdu->cdb, sizeof(t->pub.cdb));
    t->pub.itt = pdu->itt;
    t->pub.attr = pdu->attr;
    t->pub.expected_len = pdu->edtl;
    t->pub.read = pdu->read;
    t->pub.write = pdu->write;
    t->refs = 1;
    t->link.data = t;
    t->listed = true;
    t->immediate = pdu->immediate;
    t->state = ISCSI_TASK_DATA_OUT;
    t->cmdsn = pdu->cmdsn;
    memcpy(t->lun_raw, pdu->lun, 8);
    g_queue_push_tail_link(&c->tasks, &t->link);
    if (t->immediate) {
        c->imm_tasks++;
    } else {
        c->nonimm_tasks++;
    }
    if (pdu->write && pdu->edtl) {
        t->pub.data_out = g_malloc(pdu->edtl);
        t->pub.data_out_len = pdu->edtl;
        memcpy(t->pub.data_out, rx->data, rx->len);
        t->received = rx->len;
        if (!pdu->final) {
            t->unsol_open = true;
            t->unsol_next = rx->len;
            t->unsol_limit = unsol_limit;
        }
    }
    task_advance(c, t);
}

void iscsi_task_data_out(SraidIscsiConn *c, const IscsiRx *rx)
{
    const SraidIscsiPdu *pdu = &rx->pdu;
    uint32_t off = pdu->buffer_offset, len = rx->len;
    IscsiTask *t = find_task(c, pdu->itt);
    IscsiR2t *r;

    if (!t) {
        /*
         * 11.7: data for a task that already ended (a status sent before
         * all unsolicited data came, an aborted task) is dropped.
         */
        return;
    }
    if (t->state != ISCSI_TASK_DATA_OUT || !t->pub.write) {
        iscsi_conn_close(c);
        return;
    }
    if (pdu->ttt == SRAID_ISCSI_RSVD_TAG) {
        /* the unsolicited burst (11.7.4: DataSN from 0 per sequence) */
        if (!t->unsol_open || pdu->data_sn != t->unsol_data_sn ||
            off != t->unsol_next || len > t->unsol_limit - off ||
            (!pdu->final && off + len == t->unsol_limit)) {
            iscsi_conn_close(c);
            return;
        }
        t->unsol_next += len;
        t->unsol_data_sn++;
        if (pdu->final) {
            t->unsol_open = false;
        }
    } else {
        for (r = t->r2t; r < t->r2t + SRAID_ISCSI_MAX_R2T; r++) {
            if (r->active && r->ttt == pdu->ttt) {
                break;
            }
        }
        /* F exactly on the PDU that completes the R2T's burst */
        if (r == t->r2t + SRAID_ISCSI_MAX_R2T ||
            pdu->data_sn != r->next_data_sn ||
            off != r->offset + r->received || len > r->len - r->received ||
            pdu->final != (r->received + len == r->len)) {
            iscsi_conn_close(c);
            return;
        }
        r->received += len;
        r->next_data_sn++;
        if (pdu->final) {
            r->active = false;
            t->r2t_active--;
        }
    }
    memcpy(t->pub.data_out + off, rx->data, len);
    t->received += len;
    task_advance(c, t);
}

/* Pending TMF and Logout responses */

static IscsiPending *pending_new(SraidIscsiConn *c, uint8_t opcode,
                                 uint32_t itt, uint8_t response)
{
    IscsiPending *p = g_new0(IscsiPending, 1);

    p->opcode = opcode;
    p->itt = itt;
    p->response = response;
    p->busy = true;
    p->tasks = g_ptr_array_new();
    g_queue_push_tail(&c->pending, p);
    return p;
}

static void pending_free(IscsiPending *p)
{
    for (unsigned i = 0; i < p->tasks->len; i++) {
        task_unref(g_ptr_array_index(p->tasks, i));
    }
    g_ptr_array_free(p->tasks, TRUE);
    g_free(p);
}

static void send_pending(SraidIscsiConn *c, IscsiPending *p)
{
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    SraidIscsiSn sn = iscsi_conn_sn(c, true);

    if (p->opcode == SRAID_ISCSI_OP_LOGOUT_RSP) {
        sraid_iscsi_encode_logout_rsp(bhs, SRAID_ISCSI_LOGOUT_RSP_OK, p->itt,
                                      &sn, 0, 0);
        iscsi_conn_send(c, bhs, NULL, 0);
        iscsi_conn_close(c);
        return;
    }
    sraid_iscsi_encode_tmf_rsp(bhs, p->response, p->itt, &sn);
    iscsi_conn_send(c, bhs, NULL, 0);
    if (p->cold_reset) {
        /* 11.5.1: a cold reset also drops every connection of the target */
        for (GList *l = c->target->conns; l; l = l->next) {
            iscsi_conn_close(l->data);
        }
    }
}

/* Send the responses whose aborted tasks have all left the glue (4.2.3) */
static void check_pending(SraidIscsiConn *c)
{
    GList *l = c->pending.head;

    while (l && c->state == ISCSI_CONN_FFP) {
        IscsiPending *p = l->data;
        GList *next = l->next;
        bool waiting = p->busy;

        for (unsigned i = 0; i < p->tasks->len && !waiting; i++) {
            IscsiTask *t = g_ptr_array_index(p->tasks, i);

            waiting = t->with_glue;
        }
        if (!waiting) {
            g_queue_delete_link(&c->pending, l);
            send_pending(c, p);
            pending_free(p);
        }
        l = next;
    }
}

/* The response of @p waits for the tasks aborted so far, then goes out */
static void pending_ready(SraidIscsiConn *c, IscsiPending *p)
{
    p->busy = false;
    check_pending(c);
}

void iscsi_task_drop_pending(SraidIscsiConn *c)
{
    IscsiPending *p;

    while ((p = g_queue_pop_head(&c->pending))) {
        pending_free(p);
    }
}

/*
 * Abort the tasks of the session that match (@one, or @lun, or all): no
 * SCSI Response will be sent for them.  Tasks still gathering data-out
 * end here; those in the glue are asked to abort if @call_abort (a reset
 * ends them through ops->reset instead) and make @p wait for them.
 */
static void abort_tasks(SraidIscsiConn *c, IscsiTask *one, bool all,
                        uint64_t lun, IscsiPending *p, bool call_abort)
{
    SraidIscsiTarget *tgt = c->target;
    GPtrArray *victims = g_ptr_array_new();
    GPtrArray *to_abort = g_ptr_array_new();

    for (GList *l = c->tasks.head; l; l = l->next) {
        IscsiTask *t = l->data;

        if (one ? t != one : !all && t->pub.lun != lun) {
            continue;
        }
        t->refs++;
        g_ptr_array_add(victims, t);
        if (!t->aborted && t->with_glue && call_abort) {
            g_ptr_array_add(to_abort, t);
        }
        t->aborted = true;
    }
    for (unsigned i = 0; i < victims->len; i++) {
        IscsiTask *t = g_ptr_array_index(victims, i);

        if (!t->with_glue) {
            task_finish(c, t);
        } else if (p) {
            t->refs++;
            g_ptr_array_add(p->tasks, t);
        }
    }
    for (unsigned i = 0; i < to_abort->len; i++) {
        IscsiTask *t = g_ptr_array_index(to_abort, i);

        if (t->with_glue) {
            tgt->ops.abort(tgt->opaque, &t->pub);
        }
    }
    for (unsigned i = 0; i < victims->len; i++) {
        task_unref(g_ptr_array_index(victims, i));
    }
    g_ptr_array_free(victims, TRUE);
    g_ptr_array_free(to_abort, TRUE);
}

void iscsi_task_abort_all(SraidIscsiConn *c, bool detach)
{
    GList *l;

    if (!detach) {
        abort_tasks(c, NULL, true, 0, NULL, true);
        return;
    }
    /* The connection goes away: the glue keeps what it still has */
    while ((l = c->tasks.head)) {
        IscsiTask *t = l->data;

        t->pub.conn = NULL;
        task_finish(c, t);
    }
}

void iscsi_task_logout(SraidIscsiConn *c, uint32_t itt)
{
    IscsiPending *p = pending_new(c, SRAID_ISCSI_OP_LOGOUT_RSP, itt, 0);

    abort_tasks(c, NULL, true, 0, p, true);
    pending_ready(c, p);
}

static void tmf_answer(SraidIscsiConn *c, uint32_t itt, uint8_t response)
{
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    SraidIscsiSn sn = iscsi_conn_sn(c, true);

    sraid_iscsi_encode_tmf_rsp(bhs, response, itt, &sn);
    iscsi_conn_send(c, bhs, NULL, 0);
}

/* Task Management Function Request (11.5) */
void iscsi_task_tmf(SraidIscsiConn *c, const IscsiRx *rx)
{
    const SraidIscsiPdu *pdu = &rx->pdu;
    SraidIscsiTarget *tgt = c->target;
    IscsiPending *p;
    IscsiTask *t;
    uint64_t lun;
    bool lun_ok;

    if (!iscsi_cmdsn_accept(c, pdu)) {
        return;
    }
    lun_ok = sraid_iscsi_lun_decode(pdu->lun, &lun) &&
             tgt->ops.lun_present(tgt->opaque, lun);
    if (g_queue_get_length(&c->pending) >= ISCSI_MAX_PENDING_TMF) {
        tmf_answer(c, pdu->itt, SRAID_ISCSI_TMF_RSP_REJECTED);
        return;
    }

    switch (pdu->function) {
    case SRAID_ISCSI_TMF_ABORT_TASK:
        t = find_task(c, pdu->ref_task_tag);
        if (t && lun_ok && t->pub.lun == lun) {
            p = pending_new(c, SRAID_ISCSI_OP_TMF_RSP, pdu->itt,
                            SRAID_ISCSI_TMF_RSP_COMPLETE);
            abort_tasks(c, t, false, 0, p, true);
            pending_ready(c, p);
        } else if (!t && sraid_iscsi_sn_lt(pdu->ref_cmdsn, pdu->cmdsn) &&
                   iscsi_cmdsn_mark(c, pdu->ref_cmdsn)) {
            /*
             * 11.6.1 b): the command has not arrived yet; take its CmdSN
             * so that it is ignored when it does.
             */
            tmf_answer(c, pdu->itt, SRAID_ISCSI_TMF_RSP_COMPLETE);
        } else {
            tmf_answer(c, pdu->itt, SRAID_ISCSI_TMF_RSP_NO_TASK);
        }
        break;
    case SRAID_ISCSI_TMF_ABORT_TASK_SET:
    case SRAID_ISCSI_TMF_LUN_RESET:
        if (!lun_ok) {
            tmf_answer(c, pdu->itt, SRAID_ISCSI_TMF_RSP_NO_LUN);
            break;
        }
        p = pending_new(c, SRAID_ISCSI_OP_TMF_RSP, pdu->itt,
                        SRAID_ISCSI_TMF_RSP_COMPLETE);
        if (pdu->function == SRAID_ISCSI_TMF_ABORT_TASK_SET) {
            abort_tasks(c, NULL, false, lun, p, true);
        } else {
            abort_tasks(c, NULL, false, lun, p, false);
            tgt->ops.reset(tgt->opaque, c, lun);
        }
        pending_ready(c, p);
        break;
    case SRAID_ISCSI_TMF_TARGET_WARM_RESET:
    case SRAID_ISCSI_TMF_TARGET_COLD_RESET:
        p = pending_new(c, SRAID_ISCSI_OP_TMF_RSP, pdu->itt,
                        SRAID_ISCSI_TMF_RSP_COMPLETE);
        p->cold_reset = pdu->function == SRAID_ISCSI_TMF_TARGET_COLD_RESET;
        abort_tasks(c, NULL, true, 0, p, false);
        tgt->ops.reset(tgt->opaque, c, SRAID_ISCSI_ALL_LUNS);
        pending_ready(c, p);
        break;
    case SRAID_ISCSI_TMF_TASK_REASSIGN:
        /* 11.5.1: needs ErrorRecoveryLevel 2 */
        tmf_answer(c, pdu->itt, SRAID_ISCSI_TMF_RSP_REASSIGN_UNSUPPORTED);
        break;
    default:
        /* CLEAR ACA, CLEAR TASK SET and anything undefined */
        tmf_answer(c, pdu->itt, SRAID_ISCSI_TMF_RSP_NOT_SUPPORTED);
        break;
    }
}

void sraid_iscsi_task_done(SraidIscsiTask *pub, const SraidScsiResult *r)
{
    IscsiTask *t = task_of(pub);
    SraidIscsiConn *c = pub->conn;

    if (!t->with_glue) {
        g_warning("sraid iscsi: task 0x%08x completed twice", pub->itt);
        return;
    }
    t->with_glue = false;
    if (c) {
        /* first, so that the status opens the CmdSN window (4.2.2.1) */
        task_finish(c, t);
    }
    if (c && c->state == ISCSI_CONN_FFP && !t->aborted) {
        Completion k = {
            .lun = t->lun_raw,
            .itt = pub->itt,
            .edtl = pub->expected_len,
            .response = r ? SRAID_ISCSI_RESPONSE_COMPLETED
                          : SRAID_ISCSI_RESPONSE_TGT_FAILURE,
        };

        if (!r) {
            /*
             * RFC 7143 11.4.2: Status is only valid with Command Completed
             * at Target, so a compliant initiator ignores it here.
             * libiscsi 1.19 ignores the Response instead and reports the
             * status byte, so a Target Failure with status 00h reached
             * our own peer links as GOOD (a heartbeat to a controller
             * being removed succeeded).  CHECK CONDITION makes it fail.
             */
            k.status = SRAID_STATUS_CHECK_CONDITION;
        } else {
            k.status = r->status;
            k.sense = r->sense;
            k.sense_len = MIN(r->sense_len, sizeof(r->sense));
            if (pub->read) {
                k.data = pub->data_in;
                k.data_len = MIN(r->data_len, pub->data_in_cap);
                k.wanted = r->data_len;
            } else if (pub->write || pub->data_out_wanted) {
                /* the glue's word, also for a write CDB sent without W */
                k.wanted = pub->data_out_wanted;
            } else {
                k.wanted = r->data_len;
            }
        }
        send_completion(c, &k);
    }
    if (c) {
        check_pending(c);
    }
    task_unref(t);
}
