/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: arbitrary bytes to an iSCSI target connection.
 *
 * Byte 0 chooses the setup: bit 2 picks a target that wants CHAP (the
 * login itself is then up to the input), else bit 0 puts a valid login
 * (libiscsi's keys) in front so that the rest reaches full feature phase
 * and bit 1 asks for CRC32C digests in that login; all of byte 0 seeds
 * the chunking.  The rest is
 * fed in chunks of pseudo-random size with clock ticks in between.  The
 * LUN ops complete at once, except commands whose CDB byte 1 is odd: those
 * are held and completed later, in the middle of the stream or after the
 * connection is gone.  Checks that whatever the target sends is whole,
 * well-framed target PDUs, that nothing is sent after close, and (with
 * ASan) that nothing leaks or is touched after being freed.
 */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-pdu.h"
#include "iscsi-target.h"
#include "scsi-proto.h"

static SraidIscsiTarget *tgt, *tgt_chap;
static GPtrArray *held;
static bool closed;
static unsigned closes;

static bool lun_present(void *opaque, uint64_t lun)
{
    return lun < 4;
}

static void finish(SraidIscsiTask *task)
{
    SraidScsiResult r = { .status = SRAID_STATUS_GOOD };

    if (task->cdb[0] & 0x80) {
        r.status = SRAID_STATUS_CHECK_CONDITION;
        r.sense_len = SRAID_SENSE_FIXED_LEN;
        r.sense[0] = 0x70;
        r.sense[2] = SRAID_SENSE_MEDIUM_ERROR;
    }
    /* sometimes less, sometimes more than expected */
    r.data_len = task->expected_len + (int8_t)task->cdb[2];
    if ((int8_t)task->cdb[2] < 0 && task->expected_len < 128) {
        r.data_len = 0;
    }
    if (task->data_in) {
        memset(task->data_in, 0x5a, MIN(r.data_len, task->data_in_cap));
    }
    if (task->cdb[3] & 1) {
        task->data_out_wanted = task->cdb[4] * 512;
    }
    sraid_iscsi_task_done(task, task->cdb[5] == 0xff ? NULL : &r);
}

static void submit(void *opaque, SraidIscsiTask *task)
{
    if (task->cdb[1] & 1) {
        g_ptr_array_add(held, task);
    } else {
        finish(task);
    }
}

static void abort_task(void *opaque, SraidIscsiTask *task)
{
    if (task->cdb[1] & 2 && g_ptr_array_remove(held, task)) {
        finish(task);
    }
}

static void reset(void *opaque, SraidIscsiConn *conn, uint64_t lun)
{
    for (guint i = 0; i < held->len;) {
        SraidIscsiTask *task = g_ptr_array_index(held, i);

        if (lun == SRAID_ISCSI_ALL_LUNS || task->lun == lun) {
            g_ptr_array_remove_index(held, i);
            finish(task);
        } else {
            i++;
        }
    }
}

static const SraidIscsiLunOps lun_ops = {
    .lun_present = lun_present,
    .submit = submit,
    .abort = abort_task,
    .reset = reset,
};

static void conn_send(void *opaque, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t dsl, base;

    if (closed || len < SRAID_ISCSI_BHS_LEN) {
        abort();
    }
    switch (p[0] & 0x3f) {
    case SRAID_ISCSI_OP_NOP_IN:
    case SRAID_ISCSI_OP_SCSI_RSP:
    case SRAID_ISCSI_OP_TMF_RSP:
    case SRAID_ISCSI_OP_LOGIN_RSP:
    case SRAID_ISCSI_OP_TEXT_RSP:
    case SRAID_ISCSI_OP_DATA_IN:
    case SRAID_ISCSI_OP_LOGOUT_RSP:
    case SRAID_ISCSI_OP_R2T:
    case SRAID_ISCSI_OP_REJECT:
        break;
    default:
        abort();
    }
    dsl = (uint32_t)p[5] << 16 | p[6] << 8 | p[7];
    base = SRAID_ISCSI_BHS_LEN + dsl + sraid_iscsi_pad(dsl);
    /* one PDU per call: at most a header and a data digest more */
    if (p[4] != 0 || len < base || len > base + 8 ||
        dsl > 1024 * 1024) {
        abort();
    }
}

static void conn_close(void *opaque)
{
    if (closed) {
        abort();
    }
    closed = true;
    closes++;
}

static const SraidIscsiConnOps conn_ops = {
    .send = conn_send,
    .close = conn_close,
};

static void add_key(GByteArray *b, const char *s)
{
    g_byte_array_append(b, (const uint8_t *)s, strlen(s) + 1);
}

/* A Login Request that gets straight to full feature phase */
static GByteArray *login_prefix(bool digests)
{
    static const char *const keys[] = {
        "InitiatorName=iqn.2024-01.org.sraid:fuzz",
        "TargetName=iqn.2024-01.org.sraid:target", "SessionType=Normal",
        "InitialR2T=No", "ImmediateData=Yes", "MaxBurstLength=262144",
        "FirstBurstLength=65536", "MaxOutstandingR2T=2",
        "MaxRecvDataSegmentLength=4096", NULL
    };
    GByteArray *b = g_byte_array_new();
    uint8_t bhs[SRAID_ISCSI_BHS_LEN] = {
        0x43, 0x87, 0, 0, 0, 0, 0, 0,
        0x80, 0, 0, 0, 0, 1, 0, 0,      /* ISID, TSIH 0 */
        0, 0, 0, 1, 0, 1, 0, 0,         /* ITT, CID */
        0, 0, 0, 1,                     /* CmdSN 1 */
    };
    uint8_t zero[4] = { 0 };
    uint32_t len;

    g_byte_array_set_size(b, SRAID_ISCSI_BHS_LEN);
    for (int i = 0; keys[i]; i++) {
        add_key(b, keys[i]);
    }
    if (digests) {
        add_key(b, "HeaderDigest=CRC32C");
        add_key(b, "DataDigest=CRC32C");
    }
    len = b->len - SRAID_ISCSI_BHS_LEN;
    bhs[5] = len >> 16;
    bhs[6] = len >> 8;
    bhs[7] = len;
    memcpy(b->data, bhs, sizeof(bhs));
    g_byte_array_append(b, zero, sraid_iscsi_pad(len));
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static GByteArray *prefix[2];
    SraidIscsiConn *conn;
    uint32_t seed;
    uint64_t now = 0;
    size_t pos = 1;

    if (!tgt) {
        SraidIscsiTargetConfig cfg;
        static char *portals[] = { (char *)"127.0.0.1:3260,1", NULL };

        sraid_iscsi_target_config_defaults(&cfg);
        g_strlcpy(cfg.target_name, "iqn.2024-01.org.sraid:target",
                  sizeof(cfg.target_name));
        cfg.portals = portals;
        cfg.cmd_window = 8;
        cfg.max_transfer = 1024 * 1024;
        cfg.nop_in_interval_ms = 100;
        cfg.nop_in_timeout_ms = 300;
        cfg.login_timeout_ms = 1000;
        tgt = sraid_iscsi_target_new(&cfg, &lun_ops, NULL, NULL);
        cfg.chap_user = (char *)"fuzz";
        cfg.chap_secret = (char *)"fuzz-secret-16by";
        tgt_chap = sraid_iscsi_target_new(&cfg, &lun_ops, NULL, NULL);
        held = g_ptr_array_new();
        prefix[0] = login_prefix(false);
        prefix[1] = login_prefix(true);
        if (!tgt || !tgt_chap) {
            abort();
        }
    }
    if (size < 1) {
        return 0;
    }
    closed = false;
    closes = 0;
    seed = data[0] | 1;
    conn = sraid_iscsi_conn_new(data[0] & 4 ? tgt_chap : tgt, &conn_ops,
                                NULL);
    sraid_iscsi_conn_tick(conn, now);
    if ((data[0] & 5) == 1) {
        GByteArray *p = prefix[data[0] >> 1 & 1];

        if (sraid_iscsi_conn_input(conn, p->data, p->len) != p->len ||
            sraid_iscsi_conn_tsih(conn) == 0) {
            abort();
        }
    }
    while (pos < size) {
        size_t n, got;

        seed = seed * 1103515245 + 12345;
        n = MIN(size - pos, 1 + (seed >> 16) % 600);
        got = sraid_iscsi_conn_input(conn, data + pos, n);
        if (got > n || (got < n && !closed)) {
            abort();
        }
        pos += n;
        now += (seed >> 8) % 64;
        sraid_iscsi_conn_tick(conn, now);
        if ((seed & 0x700) == 0 && held->len) {
            finish(g_ptr_array_steal_index(held, 0));
        }
    }
    sraid_iscsi_conn_free(conn);
    while (held->len) {
        finish(g_ptr_array_steal_index(held, 0));
    }
    if (sraid_iscsi_target_sessions(tgt) != 0 ||
        sraid_iscsi_target_sessions(tgt_chap) != 0 || closes > 1) {
        abort();
    }
    return 0;
}
