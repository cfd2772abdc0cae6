/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: parameter lists of DCMDs 20h-24h (pr-cluster-msg.h).
 */

#include <glib.h>
#include <string.h>

#include "scsi-proto.h"
#include "pr-cluster-msg.h"

/*
 * The command block shared by PR_Request and PR_Apply (36 bytes, then the
 * TransportID and the parameter list):
 *   0 origin node   1 reserved   2-3 TransportID length
 *   4-7 boot        8-11 request counter
 *   12-13 relative target port   14-15 reserved
 *   16-25 the PERSISTENT RESERVE OUT CDB   26-27 reserved
 *   28-31 parameter list length  32-35 reserved
 */
static size_t cmd_len(const SraidPrCommand *c)
{
    return SRAID_PR_CMD_HEADER_LEN + c->nexus.initiator.len + c->param_len;
}

static void cmd_put(const SraidPrCommand *c, uint8_t *p)
{
    memset(p, 0, SRAID_PR_CMD_HEADER_LEN);
    p[0] = c->id.origin;
    sraid_put_be16(p + 2, c->nexus.initiator.len);
    sraid_put_be32(p + 4, c->id.boot);
    sraid_put_be32(p + 8, c->id.seq);
    sraid_put_be16(p + 12, c->nexus.rtpi);
    memcpy(p + 16, c->cdb, 10);
    sraid_put_be32(p + 28, c->param_len);
    p += SRAID_PR_CMD_HEADER_LEN;
    memcpy(p, c->nexus.initiator.b, c->nexus.initiator.len);
    p += c->nexus.initiator.len;
    if (c->param_len) {
        memcpy(p, c->param, c->param_len);
    }
}

/*
 * The command block at @p (@len bytes to the end of the list, @base its
 * offset in it): exactly the list's remaining length
 */
static bool cmd_get(const uint8_t *p, size_t len, size_t base,
                    SraidPrCommand *c, SraidParamError *err)
{
    uint16_t tid_len;

    if (len < SRAID_PR_CMD_HEADER_LEN) {
        return sraid_param_error(err, SRAID_PARAM_LENGTH, base + len, -1,
                           "command block cut short");
    }
    memset(c, 0, sizeof(*c));
    if (p[0] >= SRAID_NODE_MAX) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, base, -1,
                           "origin is no node id");
    }
    if (!sraid_param_reserved(p, 1, 2, base, err) ||
        !sraid_param_reserved(p, 14, 16, base, err) ||
        !sraid_param_reserved(p, 26, 28, base, err) ||
        !sraid_param_reserved(p, 32, 36, base, err)) {
        return false;
    }
    c->id.origin = p[0];
    tid_len = sraid_get_be16(p + 2);
    c->id.boot = sraid_get_be32(p + 4);
    c->id.seq = sraid_get_be32(p + 8);
    c->nexus.rtpi = sraid_get_be16(p + 12);
    memcpy(c->cdb, p + 16, 10);
    c->param_len = sraid_get_be32(p + 28);
    if (!c->id.boot) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, base + 4, -1,
                           "boot 0 is reserved");
    }
    if (!c->nexus.rtpi) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, base + 12, -1,
                           "relative target port 0 is reserved");
    }
    if (c->cdb[0] != SRAID_OP_PERSISTENT_RESERVE_OUT) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, base + 16, -1,
                           "not a PERSISTENT RESERVE OUT");
    }
    if (c->param_len > SRAID_PR_OUT_MAX_PARAM) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, base + 28, -1,
                           "parameter list too long");
    }
    if ((uint64_t)SRAID_PR_CMD_HEADER_LEN + tid_len + c->param_len != len) {
        return sraid_param_error(err, SRAID_PARAM_LENGTH, base + 2, -1,
                           "lengths do not add up to the list");
    }
    if (!sraid_pr_tid_decode(p + SRAID_PR_CMD_HEADER_LEN, tid_len,
                             &c->nexus.initiator)) {
        return sraid_param_error(err, SRAID_PARAM_FIELD,
                           base + SRAID_PR_CMD_HEADER_LEN, -1,
                           "not a TransportID sraid issues");
    }
    c->param = p + SRAID_PR_CMD_HEADER_LEN + tid_len;
    return true;
}

static void version_put(const SraidPrVersion *v, uint8_t *p)
{
    sraid_put_be64(p, v->epoch);
    sraid_put_be64(p + 8, v->seq);
}

static void version_get(const uint8_t *p, SraidPrVersion *v)
{
    v->epoch = sraid_get_be64(p);
    v->seq = sraid_get_be64(p + 8);
}

/*
 * An applied-request record (28 bytes): 0-3 boot, 4-7 counter, 8 status,
 * 9 reserved, 10-27 fixed-format sense data (CHECK CONDITION only).
 */
static void applied_put(const SraidPrApplied *a, uint8_t *p)
{
    memset(p, 0, SRAID_PR_APPLIED_LEN);
    sraid_put_be32(p, a->boot);
    sraid_put_be32(p + 4, a->seq);
    p[8] = a->status;
    if (a->status == SRAID_STATUS_CHECK_CONDITION) {
        memcpy(p + 10, a->sense, SRAID_SENSE_FIXED_LEN);
    }
}

static bool applied_get(const uint8_t *p, size_t base, SraidPrApplied *a,
                        SraidParamError *err)
{
    memset(a, 0, sizeof(*a));
    a->boot = sraid_get_be32(p);
    a->seq = sraid_get_be32(p + 4);
    a->status = p[8];
    if (!sraid_param_reserved(p, 9, 10, base, err)) {
        return false;
    }
    switch (a->status) {
    case SRAID_STATUS_CHECK_CONDITION:
        /* fixed format, current error (SPC-4 4.5.3) */
        if ((p[10] & 0x7f) != 0x70) {
            return sraid_param_error(err, SRAID_PARAM_FIELD, base + 10, -1,
                               "not fixed-format sense data");
        }
        memcpy(a->sense, p + 10, SRAID_SENSE_FIXED_LEN);
        return true;
    case SRAID_STATUS_GOOD:
    case SRAID_STATUS_RESERVATION_CONFLICT:
        return sraid_param_reserved(p, 10, SRAID_PR_APPLIED_LEN, base, err);
    default:
        return sraid_param_error(err, SRAID_PARAM_FIELD, base + 8, -1,
                           "no status a PERSISTENT RESERVE OUT ends with");
    }
}

void sraid_pr_applied_set(SraidPrApplied *a, const SraidPrReqId *id,
                          const SraidScsiResult *res)
{
    memset(a, 0, sizeof(*a));
    a->boot = id->boot;
    a->seq = id->seq;
    a->status = res->status;
    if (res->status == SRAID_STATUS_CHECK_CONDITION) {
        memcpy(a->sense, res->sense,
               MIN(res->sense_len, (size_t)SRAID_SENSE_FIXED_LEN));
    }
}

void sraid_pr_applied_result(const SraidPrApplied *a, SraidScsiResult *res)
{
    memset(res, 0, sizeof(*res));
    res->status = a->status;
    if (a->status == SRAID_STATUS_CHECK_CONDITION) {
        memcpy(res->sense, a->sense, SRAID_SENSE_FIXED_LEN);
        res->sense_len = SRAID_SENSE_FIXED_LEN;
    }
}

static bool fits(size_t need, size_t size)
{
    return need <= size && need <= SRAID_VENDOR_MAX_XFER;
}

/* 20h PR_Request: 0 logical drive, 1-3 reserved, 4.. command block */
size_t sraid_pr_request_encode(const SraidPrRequestMsg *m, uint8_t *buf,
                               size_t size)
{
    size_t need = 4 + cmd_len(&m->cmd);

    if (!fits(need, size)) {
        return 0;
    }
    memset(buf, 0, 4);
    buf[0] = m->ld;
    cmd_put(&m->cmd, buf + 4);
    return need;
}

bool sraid_pr_request_decode(const uint8_t *buf, size_t len,
                             SraidPrRequestMsg *m, SraidParamError *err)
{
    if (len < SRAID_PR_REQUEST_HEADER_LEN) {
        return sraid_param_error(err, SRAID_PARAM_LENGTH, len, -1,
                           "PR_Request shorter than its header");
    }
    memset(m, 0, sizeof(*m));
    m->ld = buf[0];
    return sraid_param_reserved(buf, 1, 4, 0, err) &&
           cmd_get(buf + 4, len - 4, 4, &m->cmd, err);
}

/*
 * 21h PR_Apply: 0 logical drive, 1 flags (bit 0: complete), 2-7
 * reserved, 8-23 version, 24-27 CRC32C of the resulting state, 28-55 the
 * result, 56.. command block
 */
size_t sraid_pr_apply_encode(const SraidPrApplyMsg *m, uint8_t *buf,
                             size_t size)
{
    size_t need = 56 + cmd_len(&m->cmd);

    if (!fits(need, size)) {
        return 0;
    }
    memset(buf, 0, 56);
    buf[0] = m->ld;
    buf[1] = m->complete ? 1 : 0;
    version_put(&m->version, buf + 8);
    sraid_put_be32(buf + 24, m->state_crc);
    applied_put(&m->result, buf + 28);
    cmd_put(&m->cmd, buf + 56);
    return need;
}

bool sraid_pr_apply_decode(const uint8_t *buf, size_t len,
                           SraidPrApplyMsg *m, SraidParamError *err)
{
    if (len < SRAID_PR_APPLY_HEADER_LEN) {
        return sraid_param_error(err, SRAID_PARAM_LENGTH, len, -1,
                           "PR_Apply shorter than its header");
    }
    memset(m, 0, sizeof(*m));
    if (buf[1] & ~1) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, 1, -1,
                           "reserved flag set");
    }
    m->ld = buf[0];
    m->complete = buf[1] & 1;
    version_get(buf + 8, &m->version);
    m->state_crc = sraid_get_be32(buf + 24);
    return sraid_param_reserved(buf, 2, 8, 0, err) &&
           applied_get(buf + 28, 28, &m->result, err) &&
           cmd_get(buf + 56, len - 56, 56, &m->cmd, err);
}

/*
 * 22h PR_State: 0 logical drive, 1 flags (bit 0: ready), 2-7 reserved,
 * 8-23 version, 24.. one
 * applied-request record per node id (16 x 28 bytes), then the state's
 * length (4 bytes) and the state as sraid_pr_encode() writes it
 */
size_t sraid_pr_state_encode(const SraidPrStateMsg *m, uint8_t *buf,
                             size_t size)
{
    size_t need = SRAID_PR_STATE_HEADER_LEN + m->state_len;
    uint8_t *p = buf + 24;

    if (!fits(need, size)) {
        return 0;
    }
    memset(buf, 0, 24);
    buf[0] = m->ld;
    buf[1] = m->ready ? 1 : 0;
    version_put(&m->version, buf + 8);
    for (unsigned i = 0; i < SRAID_NODE_MAX; i++) {
        applied_put(&m->applied[i], p);
        p += SRAID_PR_APPLIED_LEN;
    }
    sraid_put_be32(p, m->state_len);
    memcpy(p + 4, m->state, m->state_len);
    return need;
}

bool sraid_pr_state_decode(const uint8_t *buf, size_t len,
                           SraidPrStateMsg *m, SraidParamError *err)
{
    size_t off = 24;

    if (len < SRAID_PR_STATE_HEADER_LEN) {
        return sraid_param_error(err, SRAID_PARAM_LENGTH, len, -1,
                           "PR_State shorter than its header");
    }
    memset(m, 0, sizeof(*m));
    if (buf[1] & ~1) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, 1, -1,
                           "reserved flag set");
    }
    if (!sraid_param_reserved(buf, 2, 8, 0, err)) {
        return false;
    }
    m->ld = buf[0];
    m->ready = buf[1] & 1;
    version_get(buf + 8, &m->version);
    for (unsigned i = 0; i < SRAID_NODE_MAX; i++) {
        if (!applied_get(buf + off, off, &m->applied[i], err)) {
            return false;
        }
        off += SRAID_PR_APPLIED_LEN;
    }
    m->state_len = sraid_get_be32(buf + off);
    if (m->state_len != len - SRAID_PR_STATE_HEADER_LEN) {
        return sraid_param_error(err, SRAID_PARAM_LENGTH, off, -1,
                           "state length does not fit the list");
    }
    m->state = buf + SRAID_PR_STATE_HEADER_LEN;
    return true;
}

/* 23h PR_Poll: 0 logical drive, 1-7 reserved, 8-23 version */
size_t sraid_pr_poll_encode(const SraidPrPollMsg *m, uint8_t *buf,
                            size_t size)
{
    if (!fits(SRAID_PR_POLL_LEN, size)) {
        return 0;
    }
    memset(buf, 0, SRAID_PR_POLL_LEN);
    buf[0] = m->ld;
    version_put(&m->version, buf + 8);
    return SRAID_PR_POLL_LEN;
}

bool sraid_pr_poll_decode(const uint8_t *buf, size_t len,
                          SraidPrPollMsg *m, SraidParamError *err)
{
    if (len != SRAID_PR_POLL_LEN) {
        return sraid_param_error(err, SRAID_PARAM_LENGTH, MIN(len, 24), -1,
                           "PR_Poll is 24 bytes");
    }
    memset(m, 0, sizeof(*m));
    m->ld = buf[0];
    version_get(buf + 8, &m->version);
    return sraid_param_reserved(buf, 1, 8, 0, err);
}

/* 24h PR_Sync: 0-3 the sender's boot, 4-7 reserved */
size_t sraid_pr_sync_encode(const SraidPrSyncMsg *m, uint8_t *buf,
                            size_t size)
{
    if (!fits(SRAID_PR_SYNC_LEN, size)) {
        return 0;
    }
    memset(buf, 0, SRAID_PR_SYNC_LEN);
    sraid_put_be32(buf, m->boot);
    return SRAID_PR_SYNC_LEN;
}

bool sraid_pr_sync_decode(const uint8_t *buf, size_t len,
                          SraidPrSyncMsg *m, SraidParamError *err)
{
    if (len != SRAID_PR_SYNC_LEN) {
        return sraid_param_error(err, SRAID_PARAM_LENGTH, MIN(len, 8), -1,
                           "PR_Sync is 8 bytes");
    }
    m->boot = sraid_get_be32(buf);
    if (!m->boot) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, 0, -1,
                           "boot 0 is reserved");
    }
    return sraid_param_reserved(buf, 4, 8, 0, err);
}
