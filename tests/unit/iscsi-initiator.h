/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A scripted iSCSI initiator for the unit tests of the target engine: it
 * builds PDUs byte by byte as an initiator would, feeds them to a
 * connection (whole, or in chunks of any size) and splits what the target
 * sends back into PDUs, checking digests and framing on the way.  Plus a
 * fake back end (LUN ops) that completes commands at once or holds them.
 */
#ifndef TEST_ISCSI_INITIATOR_H
#define TEST_ISCSI_INITIATOR_H

#include <glib.h>
#include <stdarg.h>
#include <string.h>

#include "iscsi-pdu.h"
#include "iscsi-target.h"
#include "scsi-proto.h"

#define TGT_NAME        "iqn.2024-01.org.sraid:node7"
#define INI_NAME        "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test"
#define NUM_LUNS        64

/* The back end behind the LUN ops */
typedef struct Backend {
    SraidIscsiTarget *tgt;
    uint64_t present;               /* bit n: LUN n exists */
    bool hold;                      /* keep submitted tasks for the test */
    GPtrArray *held;                /* SraidIscsiTask */
    /* synchronous completion */
    SraidScsiResult result;
    uint32_t wanted_out;            /* data_out_wanted to report, if set */
    /* what happened */
    unsigned submits, aborts, resets;
    uint64_t reset_lun;
    SraidIscsiConn *reset_conn;
    unsigned nexus_losses;
    uint8_t lost_isid[6];           /* of the last nexus lost */
    char lost_name[SRAID_ISCSI_NAME_MAX + 1];
    uint8_t last_cdb[16];
    uint64_t last_lun;
    GByteArray *last_out;           /* data-out of the last command */
    uint32_t last_edtl;
    uint8_t last_attr;
    bool abort_completes;           /* complete from inside abort */
} Backend;

static Backend be;

static G_GNUC_UNUSED void be_fill(SraidIscsiTask *task, size_t n)
{
    for (size_t i = 0; i < MIN(n, task->data_in_cap); i++) {
        task->data_in[i] = (uint8_t)(i * 7 + 1);
    }
}

static bool be_lun_present(void *opaque, uint64_t lun)
{
    return lun < NUM_LUNS && (be.present >> lun & 1);
}

static void be_submit(void *opaque, SraidIscsiTask *task)
{
    be.submits++;
    memcpy(be.last_cdb, task->cdb, 16);
    be.last_lun = task->lun;
    be.last_edtl = task->expected_len;
    be.last_attr = task->attr;
    g_byte_array_set_size(be.last_out, 0);
    if (task->data_out_len) {
        g_byte_array_append(be.last_out, task->data_out, task->data_out_len);
    }
    if (be.hold) {
        g_ptr_array_add(be.held, task);
        return;
    }
    be_fill(task, be.result.data_len);
    if (be.wanted_out) {
        task->data_out_wanted = be.wanted_out;
    }
    sraid_iscsi_task_done(task, &be.result);
}

static void be_abort(void *opaque, SraidIscsiTask *task)
{
    be.aborts++;
    if (be.abort_completes) {
        g_ptr_array_remove(be.held, task);
        sraid_iscsi_task_done(task, NULL);
    }
}

/* Our reset ends every held task of the LUN (or all) at once */
static void be_reset(void *opaque, SraidIscsiConn *conn, uint64_t lun)
{
    be.resets++;
    be.reset_lun = lun;
    be.reset_conn = conn;
    for (guint i = 0; i < be.held->len;) {
        SraidIscsiTask *task = g_ptr_array_index(be.held, i);

        if (lun == SRAID_ISCSI_ALL_LUNS || task->lun == lun) {
            SraidScsiResult r = { .status = SRAID_STATUS_GOOD };

            g_ptr_array_remove_index(be.held, i);
            sraid_iscsi_task_done(task, &r);
        } else {
            i++;
        }
    }
}

static void be_nexus_lost(void *opaque, SraidIscsiConn *conn)
{
    be.nexus_losses++;
    g_strlcpy(be.lost_name, sraid_iscsi_conn_initiator(conn),
              sizeof(be.lost_name));
    memcpy(be.lost_isid, sraid_iscsi_conn_isid(conn), 6);
}

static const SraidIscsiLunOps be_ops = {
    .lun_present = be_lun_present,
    .submit = be_submit,
    .abort = be_abort,
    .reset = be_reset,
    .nexus_lost = be_nexus_lost,
};

/* Complete a held task */
static G_GNUC_UNUSED void be_complete(SraidIscsiTask *task,
                                      const SraidScsiResult *r)
{
    g_assert_true(g_ptr_array_remove(be.held, task));
    if (r) {
        be_fill(task, r->data_len);
    }
    sraid_iscsi_task_done(task, r);
}

/* A PDU the target sent */
typedef struct Pdu {
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    uint8_t *data;
    uint32_t len;
} Pdu;

/* One initiator connection */
typedef struct Ini {
    SraidIscsiConn *conn;
    GByteArray *out;                /* target output not yet split */
    GQueue pdus;
    unsigned closes;
    unsigned sends;
    bool hd, dd;                    /* digests in use (after login) */
    size_t chunk;                   /* feed in pieces of this size; 0 = whole */
    GByteArray *trace;              /* all target output, if set */
    uint32_t cmdsn;
    uint32_t exp_statsn;
    uint8_t isid[6];
    uint16_t tsih;
    uint32_t max_cmdsn;
} Ini;

static void ini_send(void *opaque, const void *buf, size_t len)
{
    Ini *ini = opaque;

    ini->sends++;
    g_byte_array_append(ini->out, buf, len);
    if (ini->trace) {
        g_byte_array_append(ini->trace, buf, len);
    }
}

static void ini_close(void *opaque)
{
    Ini *ini = opaque;

    ini->closes++;
}

static const SraidIscsiConnOps ini_ops = {
    .send = ini_send,
    .close = ini_close,
};

static G_GNUC_UNUSED void be_setup(const SraidIscsiTargetConfig *cfg)
{
    char *err = NULL;

    memset(&be, 0, sizeof(be));
    be.held = g_ptr_array_new();
    be.last_out = g_byte_array_new();
    be.present = 0x3;                       /* LUN 0 and 1 */
    be.tgt = sraid_iscsi_target_new(cfg, &be_ops, NULL, &err);
    g_assert_null(err);
    g_assert_nonnull(be.tgt);
}

static G_GNUC_UNUSED void test_config(SraidIscsiTargetConfig *cfg)
{
    static char *portals[] = { (char *)"127.0.0.1:3260,1",
                               (char *)"[::1]:3260,1", NULL };

    sraid_iscsi_target_config_defaults(cfg);
    g_strlcpy(cfg->target_name, TGT_NAME, sizeof(cfg->target_name));
    cfg->portals = portals;
}

static G_GNUC_UNUSED void be_teardown(void)
{
    /* tasks a test left in the back end end now (orphans are freed) */
    while (be.held->len) {
        SraidIscsiTask *task = g_ptr_array_steal_index(be.held, 0);

        sraid_iscsi_task_done(task, NULL);
    }
    sraid_iscsi_target_free(be.tgt);
    g_ptr_array_free(be.held, TRUE);
    g_byte_array_free(be.last_out, TRUE);
}

static G_GNUC_UNUSED Ini *ini_new(void)
{
    Ini *ini = g_new0(Ini, 1);

    ini->out = g_byte_array_new();
    g_queue_init(&ini->pdus);
    ini->conn = sraid_iscsi_conn_new(be.tgt, &ini_ops, ini);
    ini->isid[0] = 0x80;                    /* random ISID format (10.12.5) */
    ini->isid[5] = 0x01;
    ini->cmdsn = 0x1000;
    return ini;
}

static void pdu_free(gpointer p)
{
    Pdu *pdu = p;

    g_free(pdu->data);
    g_free(pdu);
}

static G_GNUC_UNUSED void ini_free(Ini *ini)
{
    sraid_iscsi_conn_free(ini->conn);
    g_queue_clear_full(&ini->pdus, pdu_free);
    g_byte_array_free(ini->out, TRUE);
    if (ini->trace) {
        g_byte_array_free(ini->trace, TRUE);
    }
    g_free(ini);
}

/* Split the target's output into PDUs, checking framing and digests */
static void ini_split(Ini *ini)
{
    for (;;) {
        uint32_t hl = SRAID_ISCSI_BHS_LEN + (ini->hd ? 4 : 0);
        uint32_t dsl, total;
        Pdu *pdu;

        if (ini->out->len == 0) {
            return;
        }
        g_assert_cmpuint(ini->out->len, >=, hl);
        dsl = ini->out->data[5] << 16 | ini->out->data[6] << 8 |
              ini->out->data[7];
        g_assert_cmpuint(ini->out->data[4], ==, 0);     /* never an AHS */
        total = hl + dsl + sraid_iscsi_pad(dsl) + (ini->dd && dsl ? 4 : 0);
        g_assert_cmpuint(ini->out->len, >=, total);
        if (ini->hd) {
            g_assert_cmphex(sraid_iscsi_get_digest(ini->out->data + 48), ==,
                            sraid_iscsi_digest(ini->out->data, 48));
        }
        if (ini->dd && dsl) {
            uint32_t padded = dsl + sraid_iscsi_pad(dsl);

            g_assert_cmphex(sraid_iscsi_get_digest(ini->out->data + hl +
                                                   padded), ==,
                            sraid_iscsi_digest(ini->out->data + hl, padded));
        }
        for (uint32_t i = dsl; i < dsl + sraid_iscsi_pad(dsl); i++) {
            g_assert_cmpuint(ini->out->data[hl + i], ==, 0);
        }
        pdu = g_new0(Pdu, 1);
        memcpy(pdu->bhs, ini->out->data, SRAID_ISCSI_BHS_LEN);
        pdu->len = dsl;
        pdu->data = g_malloc(dsl + 1);
        memcpy(pdu->data, ini->out->data + hl, dsl);
        g_queue_push_tail(&ini->pdus, pdu);
        g_byte_array_remove_range(ini->out, 0, total);
    }
}

/* Feed raw bytes as the socket would */
static G_GNUC_UNUSED size_t ini_feed(Ini *ini, const uint8_t *buf, size_t len)
{
    size_t used = 0;

    if (!ini->chunk) {
        used = sraid_iscsi_conn_input(ini->conn, buf, len);
    } else {
        while (used < len) {
            size_t n = MIN(ini->chunk, len - used);
            size_t got = sraid_iscsi_conn_input(ini->conn, buf + used, n);

            used += got;
            if (got < n) {
                break;
            }
        }
    }
    ini_split(ini);
    return used;
}

/* Send a PDU: @bhs plus @len data bytes, with padding and digests */
static G_GNUC_UNUSED void ini_send_pdu(Ini *ini, uint8_t *bhs,
                                       const void *data, uint32_t len)
{
    GByteArray *b = g_byte_array_new();
    uint8_t zero[4] = { 0 }, dig[4];

    bhs[5] = len >> 16;
    bhs[6] = len >> 8;
    bhs[7] = len;
    g_byte_array_append(b, bhs, SRAID_ISCSI_BHS_LEN);
    if (ini->hd) {
        sraid_iscsi_put_digest(dig, sraid_iscsi_digest(bhs, 48));
        g_byte_array_append(b, dig, 4);
    }
    if (len) {
        uint32_t padded = len + sraid_iscsi_pad(len);

        g_byte_array_append(b, data, len);
        g_byte_array_append(b, zero, sraid_iscsi_pad(len));
        if (ini->dd) {
            sraid_iscsi_put_digest(dig, sraid_iscsi_digest(b->data + b->len -
                                                           padded, padded));
            g_byte_array_append(b, dig, 4);
        }
    }
    /* all is taken, unless the target closed the connection on the way */
    if (ini_feed(ini, b->data, b->len) != b->len) {
        g_assert_cmpuint(ini->closes, ==, 1);
    }
    g_byte_array_free(b, TRUE);
}

/* The next PDU the target sent; fails the test when there is none */
static G_GNUC_UNUSED Pdu *ini_pop(Ini *ini)
{
    Pdu *pdu;

    ini_split(ini);
    pdu = g_queue_pop_head(&ini->pdus);

    g_assert_nonnull(pdu);
    return pdu;
}

static G_GNUC_UNUSED void ini_assert_quiet(Ini *ini)
{
    ini_split(ini);
    g_assert_cmpuint(g_queue_get_length(&ini->pdus), ==, 0);
}

static G_GNUC_UNUSED uint8_t pdu_opcode(const Pdu *p)
{
    return p->bhs[0] & 0x3f;
}

static G_GNUC_UNUSED uint32_t pdu_u32(const Pdu *p, unsigned off)
{
    return sraid_get_be32(p->bhs + off);
}

/* Track StatSN/MaxCmdSN from a status-carrying PDU */
static G_GNUC_UNUSED void ini_ack(Ini *ini, const Pdu *p)
{
    ini->exp_statsn = pdu_u32(p, 24) + 1;
    ini->max_cmdsn = pdu_u32(p, 32);
}

/* "key=value" strings to a text data segment, NULL-terminated list */
static G_GNUC_UNUSED GByteArray *kv(const char *first, ...)
{
    GByteArray *b = g_byte_array_new();
    va_list ap;

    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        g_byte_array_append(b, (const uint8_t *)s, strlen(s) + 1);
    }
    va_end(ap);
    return b;
}

/* The data of a text PDU as one string with '\n' for each zero byte */
static G_GNUC_UNUSED char *text_str(const Pdu *p)
{
    char *s = g_malloc(p->len + 1);

    for (uint32_t i = 0; i < p->len; i++) {
        s[i] = p->data[i] ? p->data[i] : '\n';
    }
    s[p->len] = '\0';
    return s;
}

static G_GNUC_UNUSED void bhs_login(uint8_t *bhs, const Ini *ini,
                                    uint8_t flags, uint32_t itt)
{
    memset(bhs, 0, 48);
    bhs[0] = SRAID_ISCSI_I_BIT | SRAID_ISCSI_OP_LOGIN_REQ;
    bhs[1] = flags;
    memcpy(bhs + 8, ini->isid, 6);
    sraid_put_be16(bhs + 14, 0);
    sraid_put_be32(bhs + 16, itt);
    sraid_put_be16(bhs + 20, 1);                /* CID */
    sraid_put_be32(bhs + 24, ini->cmdsn);
    sraid_put_be32(bhs + 28, ini->exp_statsn);
}

/* Login flags: T, CSG, NSG */
#define LOGIN_FLAGS(t, csg, nsg) (((t) ? 0x80 : 0) | (csg) << 2 | (nsg))

/* libiscsi's operational key set, in its order (lib/login.c) */
#define LIBISCSI_OP_KEYS \
    "HeaderDigest=None,CRC32C", "DataDigest=None", "InitialR2T=No", \
    "ImmediateData=Yes", "MaxBurstLength=262144", \
    "FirstBurstLength=262144", "DefaultTime2Wait=2", \
    "DefaultTime2Retain=0", "MaxOutstandingR2T=1", "ErrorRecoveryLevel=0", \
    "IFMarker=No", "OFMarker=No", "MaxConnections=1", \
    "MaxRecvDataSegmentLength=262144", "DataPDUInOrder=Yes", \
    "DataSequenceInOrder=Yes"

/*
 * Log in straight in the operational stage with one Login Request; the
 * keys are libiscsi's unless @keys is given.  Returns the final response.
 */
static G_GNUC_UNUSED Pdu *ini_login_keys(Ini *ini, GByteArray *keys)
{
    uint8_t bhs[48];
    Pdu *rsp;

    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 0x1234);
    ini_send_pdu(ini, bhs, keys->data, keys->len);
    g_byte_array_free(keys, TRUE);
    rsp = ini_pop(ini);
    g_assert_cmphex(pdu_opcode(rsp), ==, SRAID_ISCSI_OP_LOGIN_RSP);
    ini_ack(ini, rsp);
    ini->tsih = sraid_get_be16(rsp->bhs + 14);
    return rsp;
}

static G_GNUC_UNUSED void ini_login(Ini *ini)
{
    Pdu *rsp = ini_login_keys(ini, kv("InitiatorName=" INI_NAME,
                                      "TargetName=" TGT_NAME,
                                      "SessionType=Normal", LIBISCSI_OP_KEYS,
                                      NULL));

    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    g_assert_cmphex(rsp->bhs[1], ==, 0x87);
    pdu_free(rsp);
}

static G_GNUC_UNUSED void bhs_cmd(uint8_t *bhs, Ini *ini, uint8_t flags,
                                  uint64_t lun, uint32_t itt, uint32_t edtl,
                                  const uint8_t *cdb, size_t cdb_len)
{
    memset(bhs, 0, 48);
    bhs[0] = SRAID_ISCSI_OP_SCSI_CMD;
    bhs[1] = flags;
    sraid_iscsi_lun_encode(lun, bhs + 8);
    sraid_put_be32(bhs + 16, itt);
    sraid_put_be32(bhs + 20, edtl);
    sraid_put_be32(bhs + 24, ini->cmdsn++);
    sraid_put_be32(bhs + 28, ini->exp_statsn);
    memcpy(bhs + 32, cdb, cdb_len);
}

static G_GNUC_UNUSED void bhs_data_out(uint8_t *bhs, Ini *ini, bool final,
                                       uint32_t itt, uint32_t ttt,
                                       uint32_t datasn, uint32_t offset)
{
    memset(bhs, 0, 48);
    bhs[0] = SRAID_ISCSI_OP_DATA_OUT;
    bhs[1] = final ? 0x80 : 0;
    sraid_put_be32(bhs + 16, itt);
    sraid_put_be32(bhs + 20, ttt);
    sraid_put_be32(bhs + 28, ini->exp_statsn);
    sraid_put_be32(bhs + 36, datasn);
    sraid_put_be32(bhs + 40, offset);
}

static G_GNUC_UNUSED void bhs_nop_out(uint8_t *bhs, Ini *ini, bool immediate,
                                      uint32_t itt, uint32_t ttt)
{
    memset(bhs, 0, 48);
    bhs[0] = SRAID_ISCSI_OP_NOP_OUT | (immediate ? SRAID_ISCSI_I_BIT : 0);
    bhs[1] = 0x80;
    sraid_put_be32(bhs + 16, itt);
    sraid_put_be32(bhs + 20, ttt);
    sraid_put_be32(bhs + 24, immediate ? ini->cmdsn : ini->cmdsn++);
    sraid_put_be32(bhs + 28, ini->exp_statsn);
}

static G_GNUC_UNUSED void bhs_tmf(uint8_t *bhs, Ini *ini, uint8_t function,
                                  uint64_t lun, uint32_t itt, uint32_t ref_itt,
                                  uint32_t ref_cmdsn)
{
    memset(bhs, 0, 48);
    bhs[0] = SRAID_ISCSI_I_BIT | SRAID_ISCSI_OP_TMF_REQ;
    bhs[1] = 0x80 | function;
    sraid_iscsi_lun_encode(lun, bhs + 8);
    sraid_put_be32(bhs + 16, itt);
    sraid_put_be32(bhs + 20, ref_itt);
    sraid_put_be32(bhs + 24, ini->cmdsn);
    sraid_put_be32(bhs + 28, ini->exp_statsn);
    sraid_put_be32(bhs + 32, ref_cmdsn);
}

static G_GNUC_UNUSED void bhs_text(uint8_t *bhs, Ini *ini, uint8_t flags,
                                   uint32_t itt, uint32_t ttt)
{
    memset(bhs, 0, 48);
    bhs[0] = SRAID_ISCSI_I_BIT | SRAID_ISCSI_OP_TEXT_REQ;
    bhs[1] = flags;
    sraid_put_be32(bhs + 16, itt);
    sraid_put_be32(bhs + 20, ttt);
    sraid_put_be32(bhs + 24, ini->cmdsn);
    sraid_put_be32(bhs + 28, ini->exp_statsn);
}

static G_GNUC_UNUSED void bhs_logout(uint8_t *bhs, Ini *ini, uint8_t reason,
                                     uint32_t itt, uint16_t cid)
{
    memset(bhs, 0, 48);
    bhs[0] = SRAID_ISCSI_I_BIT | SRAID_ISCSI_OP_LOGOUT_REQ;
    bhs[1] = 0x80 | reason;
    sraid_put_be32(bhs + 16, itt);
    sraid_put_be16(bhs + 20, cid);
    sraid_put_be32(bhs + 24, ini->cmdsn);
    sraid_put_be32(bhs + 28, ini->exp_statsn);
}

/* A NOP-Out ping with data; checks the echo, so the connection works */
static G_GNUC_UNUSED void ini_ping(Ini *ini, uint32_t itt)
{
    uint8_t bhs[48];
    Pdu *p;

    bhs_nop_out(bhs, ini, true, itt, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, "ping", 5);
    p = ini_pop(ini);
    g_assert_cmphex(pdu_opcode(p), ==, SRAID_ISCSI_OP_NOP_IN);
    g_assert_cmphex(pdu_u32(p, 16), ==, itt);
    g_assert_cmpuint(p->len, ==, 5);
    g_assert_cmpmem(p->data, 5, "ping", 5);
    ini_ack(ini, p);
    pdu_free(p);
}

#endif /* TEST_ISCSI_INITIATOR_H */
