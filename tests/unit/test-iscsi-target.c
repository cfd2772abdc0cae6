/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the iSCSI target in full feature phase (RFC 7143): SCSI
 * commands and their data, the CmdSN window, NOP, task management, logout
 * and the handling of malformed input, all through the byte stream of a
 * connection driven by a scripted initiator (iscsi-initiator.h).
 */
#include <glib.h>
#include <string.h>

#include "iscsi-initiator.h"

#define READ_FLAGS      (0x80 | SRAID_ISCSI_CMD_R | 1)  /* F, R, simple */
#define WRITE_FLAGS     (0x80 | SRAID_ISCSI_CMD_W | 1)

static const uint8_t cdb_read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
static const uint8_t cdb_write10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
static const uint8_t cdb_tur[6] = { 0 };

static Ini *setup_login(void)
{
    SraidIscsiTargetConfig cfg;
    Ini *ini;

    test_config(&cfg);
    be_setup(&cfg);
    ini = ini_new();
    ini_login(ini);
    return ini;
}

static Ini *setup_keys(SraidIscsiTargetConfig *cfg, GByteArray *keys)
{
    Ini *ini;
    Pdu *rsp;

    be_setup(cfg);
    ini = ini_new();
    rsp = ini_login_keys(ini, keys);
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    g_assert_cmphex(rsp->bhs[1], ==, 0x87);
    pdu_free(rsp);
    return ini;
}

static void done(Ini *ini)
{
    ini_free(ini);
    be_teardown();
}

/* Send a SCSI Command with optional immediate data */
static void cmd(Ini *ini, uint8_t flags, uint64_t lun, uint32_t itt,
                uint32_t edtl, const uint8_t *cdb, size_t cdb_len,
                const void *data, uint32_t len)
{
    uint8_t bhs[48];

    bhs_cmd(bhs, ini, flags, lun, itt, edtl, cdb, cdb_len);
    ini_send_pdu(ini, bhs, data, len);
}

static uint8_t *pattern(size_t n, uint8_t seed)
{
    uint8_t *p = g_malloc(n);

    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 13 + seed + (i >> 8));
    }
    return p;
}

/* The data our back end returns: be_fill() */
static void assert_fill(const uint8_t *data, uint32_t off, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (data[i] != (uint8_t)((off + i) * 7 + 1)) {
            g_assert_cmphex(data[i], ==, (uint8_t)((off + i) * 7 + 1));
        }
    }
}

/* A SCSI Response: status, flags, residual, ExpDataSN; returns the PDU */
static Pdu *pop_rsp(Ini *ini, uint32_t itt, uint8_t status, uint8_t flags,
                    uint32_t residual, uint32_t exp_data_sn)
{
    Pdu *p = ini_pop(ini);

    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_SCSI_RSP);
    g_assert_cmphex(p->bhs[1], ==, 0x80 | flags);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_RESPONSE_COMPLETED);
    g_assert_cmphex(p->bhs[3], ==, status);
    g_assert_cmphex(pdu_u32(p, 16), ==, itt);
    g_assert_cmpuint(pdu_u32(p, 24), ==, ini->exp_statsn);
    g_assert_cmpuint(pdu_u32(p, 36), ==, exp_data_sn);
    g_assert_cmpuint(pdu_u32(p, 44), ==, residual);
    ini_ack(ini, p);
    return p;
}

/* A Data-In PDU: flags, DataSN, offset; StatSN only with S */
static Pdu *pop_data_in(Ini *ini, uint32_t itt, uint8_t flags,
                        uint32_t data_sn, uint32_t offset, uint32_t len)
{
    Pdu *p = ini_pop(ini);

    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_DATA_IN);
    g_assert_cmphex(p->bhs[1], ==, flags);
    g_assert_cmphex(pdu_u32(p, 16), ==, itt);
    g_assert_cmphex(pdu_u32(p, 20), ==, SRAID_ISCSI_RSVD_TAG);
    g_assert_cmpuint(pdu_u32(p, 36), ==, data_sn);
    g_assert_cmpuint(pdu_u32(p, 40), ==, offset);
    g_assert_cmpuint(p->len, ==, len);
    if (flags & SRAID_ISCSI_DATA_STATUS) {
        g_assert_cmpuint(pdu_u32(p, 24), ==, ini->exp_statsn);
        ini_ack(ini, p);
    } else {
        g_assert_cmpuint(pdu_u32(p, 24), ==, 0);
    }
    assert_fill(p->data, offset, len);
    return p;
}

/* READ: one Data-In with the status in it (phase collapse, 11.7.3) */
static void test_read_collapse(void)
{
    Ini *ini = setup_login();
    Pdu *p;

    be.result.data_len = 4096;
    cmd(ini, READ_FLAGS, 1, 0x100, 4096, cdb_read10, 10, NULL, 0);
    g_assert_cmpuint(be.submits, ==, 1);
    g_assert_cmpmem(be.last_cdb, 10, cdb_read10, 10);
    g_assert_cmpuint(be.last_lun, ==, 1);
    g_assert_cmpuint(be.last_edtl, ==, 4096);
    g_assert_cmpuint(be.last_attr, ==, 1);
    p = pop_data_in(ini, 0x100, 0x81, 0, 0, 4096);
    g_assert_cmphex(p->bhs[3], ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(pdu_u32(p, 24), ==, 2);            /* StatSN */
    g_assert_cmphex(pdu_u32(p, 28), ==, 0x1001);        /* ExpCmdSN */
    g_assert_cmphex(pdu_u32(p, 32), ==, 0x1001 + 31);   /* MaxCmdSN */
    g_assert_cmpuint(pdu_u32(p, 44), ==, 0);
    g_assert_cmpuint(p->bhs[8], ==, 0);                 /* LUN 1 */
    g_assert_cmpuint(p->bhs[9], ==, 1);
    pdu_free(p);
    ini_assert_quiet(ini);
    done(ini);
}

/*
 * Data-In segments: the initiator's MaxRecvDataSegmentLength, and a
 * sequence (F bit) every MaxBurstLength (13.12, 13.13)
 */
static void test_read_split(void)
{
    SraidIscsiTargetConfig cfg;
    static const struct {
        uint32_t off, len;
        uint8_t flags;
    } expect[] = {
        { 0, 100000, 0x00 }, { 100000, 100000, 0x00 },
        { 200000, 62144, 0x80 },
        { 262144, 100000, 0x00 }, { 362144, 100000, 0x00 },
        { 462144, 62144, 0x80 },
        { 524288, 75712, 0x81 },
    };
    Ini *ini;

    test_config(&cfg);
    ini = setup_keys(&cfg, kv("InitiatorName=" INI_NAME,
                              "TargetName=" TGT_NAME,
                              "MaxRecvDataSegmentLength=100000",
                              "MaxBurstLength=262144", NULL));
    be.result.data_len = 600000;
    cmd(ini, READ_FLAGS, 0, 7, 600000, cdb_read10, 10, NULL, 0);
    for (unsigned i = 0; i < G_N_ELEMENTS(expect); i++) {
        pdu_free(pop_data_in(ini, 7, expect[i].flags, i, expect[i].off,
                             expect[i].len));
    }
    ini_assert_quiet(ini);
    done(ini);
}

static void test_read_check_condition(void)
{
    Ini *ini = setup_login();
    Pdu *p;

    /* no data: the sense goes in the SCSI Response (11.4.7) */
    be.result.status = SRAID_STATUS_CHECK_CONDITION;
    be.result.sense_len = SRAID_SENSE_FIXED_LEN;
    be.result.sense[0] = 0x70;
    be.result.sense[2] = SRAID_SENSE_MEDIUM_ERROR;
    be.result.sense[7] = 10;
    be.result.sense[12] = 0x11;
    cmd(ini, READ_FLAGS, 0, 0x200, 4096, cdb_read10, 10, NULL, 0);
    p = pop_rsp(ini, 0x200, SRAID_STATUS_CHECK_CONDITION,
                SRAID_ISCSI_RSP_UNDERFLOW, 4096, 0);
    g_assert_cmpuint(p->len, ==, 2 + 18);
    g_assert_cmpuint(sraid_get_be16(p->data), ==, 18);
    g_assert_cmpmem(p->data + 2, 18, be.result.sense, 18);
    pdu_free(p);
    ini_assert_quiet(ini);

    /* some data: Data-In without S, then the response with the sense */
    be.result.data_len = 512;
    cmd(ini, READ_FLAGS, 0, 0x201, 4096, cdb_read10, 10, NULL, 0);
    pdu_free(pop_data_in(ini, 0x201, 0x80, 0, 0, 512));
    p = pop_rsp(ini, 0x201, SRAID_STATUS_CHECK_CONDITION,
                SRAID_ISCSI_RSP_UNDERFLOW, 4096 - 512, 1);
    g_assert_cmpuint(p->len, ==, 20);
    pdu_free(p);

    /* sense with GOOD status (a recovered error): no collapse */
    be.result.status = SRAID_STATUS_GOOD;
    be.result.sense[2] = 0x1;                           /* RECOVERED */
    cmd(ini, READ_FLAGS, 0, 0x203, 512, cdb_read10, 10, NULL, 0);
    pdu_free(pop_data_in(ini, 0x203, 0x80, 0, 0, 512));
    p = pop_rsp(ini, 0x203, SRAID_STATUS_GOOD, 0, 0, 1);
    g_assert_cmpuint(p->len, ==, 20);
    g_assert_cmphex(p->data[2 + 2], ==, 0x1);
    pdu_free(p);

    /* a status without sense but not GOOD: no collapse either */
    be.result.status = 0x08;                            /* BUSY */
    be.result.sense_len = 0;
    cmd(ini, READ_FLAGS, 0, 0x202, 512, cdb_read10, 10, NULL, 0);
    pdu_free(pop_data_in(ini, 0x202, 0x80, 0, 0, 512));
    p = pop_rsp(ini, 0x202, 0x08, 0, 0, 1);
    g_assert_cmpuint(p->len, ==, 0);
    pdu_free(p);
    ini_assert_quiet(ini);
    done(ini);
}

/* 11.4.5: under- and overflow against the Expected Data Transfer Length */
static void test_residuals(void)
{
    Ini *ini = setup_login();
    uint8_t *data = pattern(1024, 3);
    Pdu *p;

    be.result.data_len = 1024;
    cmd(ini, READ_FLAGS, 0, 1, 4096, cdb_read10, 10, NULL, 0);
    p = pop_data_in(ini, 1, 0x81 | SRAID_ISCSI_RSP_UNDERFLOW, 0, 0, 1024);
    g_assert_cmpuint(pdu_u32(p, 44), ==, 3072);
    pdu_free(p);

    be.result.data_len = 2048;
    cmd(ini, READ_FLAGS, 0, 2, 512, cdb_read10, 10, NULL, 0);
    p = pop_data_in(ini, 2, 0x81 | SRAID_ISCSI_RSP_OVERFLOW, 0, 0, 512);
    g_assert_cmpuint(pdu_u32(p, 44), ==, 1536);
    pdu_free(p);

    /* a command without data that has some: overflow, nothing sent */
    be.result.data_len = 36;
    cmd(ini, 0x80, 0, 3, 0, cdb_tur, 6, NULL, 0);
    pdu_free(pop_rsp(ini, 3, 0, SRAID_ISCSI_RSP_OVERFLOW, 36, 0));

    /* writes: the glue says what the CDB wanted */
    be.result.data_len = 0;
    be.wanted_out = 512;
    cmd(ini, WRITE_FLAGS, 0, 4, 1024, cdb_write10, 10, data, 1024);
    pdu_free(pop_rsp(ini, 4, 0, SRAID_ISCSI_RSP_UNDERFLOW, 512, 0));
    be.wanted_out = 2048;
    cmd(ini, WRITE_FLAGS, 0, 5, 1024, cdb_write10, 10, data, 1024);
    pdu_free(pop_rsp(ini, 5, 0, SRAID_ISCSI_RSP_OVERFLOW, 1024, 0));
    be.wanted_out = 0;
    cmd(ini, WRITE_FLAGS, 0, 6, 1024, cdb_write10, 10, data, 1024);
    pdu_free(pop_rsp(ini, 6, 0, 0, 0, 0));
    g_assert_cmpmem(be.last_out->data, be.last_out->len, data, 1024);
    /*
     * a WRITE sent without the W bit and no data: the data-out its CDB
     * wanted is overflow too (libiscsi's Write10Residuals sends one with
     * EDTL 0; an initiator that left W out must not believe it wrote)
     */
    be.wanted_out = 512;
    cmd(ini, 0x80, 0, 7, 0, cdb_write10, 10, NULL, 0);
    pdu_free(pop_rsp(ini, 7, 0, SRAID_ISCSI_RSP_OVERFLOW, 512, 0));
    be.wanted_out = 0;
    ini_assert_quiet(ini);
    g_free(data);
    done(ini);
}

static void test_write_immediate(void)
{
    Ini *ini = setup_login();
    uint8_t *data = pattern(8192, 1);

    cmd(ini, WRITE_FLAGS, 0, 0x300, 8192, cdb_write10, 10, data, 8192);
    g_assert_cmpuint(be.submits, ==, 1);
    g_assert_cmpmem(be.last_out->data, be.last_out->len, data, 8192);
    pdu_free(pop_rsp(ini, 0x300, SRAID_STATUS_GOOD, 0, 0, 0));
    ini_assert_quiet(ini);
    g_free(data);
    done(ini);
}

static void data_out(Ini *ini, bool final, uint32_t itt, uint32_t ttt,
                     uint32_t datasn, uint32_t offset, const uint8_t *data,
                     uint32_t len)
{
    uint8_t bhs[48];

    bhs_data_out(bhs, ini, final, itt, ttt, datasn, offset);
    ini_send_pdu(ini, bhs, data + offset, len);
}

/* An R2T: its fields; returns its TTT */
static uint32_t pop_r2t(Ini *ini, uint32_t itt, uint32_t r2tsn,
                        uint32_t offset, uint32_t len)
{
    Pdu *p = ini_pop(ini);
    uint32_t ttt;

    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_R2T);
    g_assert_cmphex(p->bhs[1], ==, 0x80);
    g_assert_cmphex(pdu_u32(p, 16), ==, itt);
    ttt = pdu_u32(p, 20);
    g_assert_cmphex(ttt, !=, SRAID_ISCSI_RSVD_TAG);
    /* StatSN is the next one, not taken (11.8) */
    g_assert_cmpuint(pdu_u32(p, 24), ==, ini->exp_statsn);
    g_assert_cmpuint(pdu_u32(p, 36), ==, r2tsn);
    g_assert_cmpuint(pdu_u32(p, 40), ==, offset);
    g_assert_cmpuint(pdu_u32(p, 44), ==, len);
    pdu_free(p);
    return ttt;
}

/*
 * libiscsi's keys (InitialR2T=No, FirstBurstLength 256 KiB): immediate
 * data, an unsolicited burst up to FirstBurstLength, then R2Ts of
 * MaxBurstLength one at a time.
 */
static void test_write_unsolicited(void)
{
    Ini *ini = setup_login();
    uint32_t n = 600000, ttt;
    uint8_t *data = pattern(n, 9);

    cmd(ini, WRITE_FLAGS & ~0x80, 0, 0x400, n, cdb_write10, 10, data, 65536);
    ini_assert_quiet(ini);
    data_out(ini, false, 0x400, SRAID_ISCSI_RSVD_TAG, 0, 65536, data, 131072);
    ini_assert_quiet(ini);
    data_out(ini, true, 0x400, SRAID_ISCSI_RSVD_TAG, 1, 196608, data, 65536);
    ttt = pop_r2t(ini, 0x400, 0, 262144, 262144);
    ini_assert_quiet(ini);
    data_out(ini, false, 0x400, ttt, 0, 262144, data, 131072);
    data_out(ini, true, 0x400, ttt, 1, 393216, data, 131072);
    ttt = pop_r2t(ini, 0x400, 1, 524288, 75712);
    g_assert_cmpuint(be.submits, ==, 0);
    data_out(ini, true, 0x400, ttt, 0, 524288, data, 75712);
    g_assert_cmpuint(be.submits, ==, 1);
    g_assert_cmpmem(be.last_out->data, be.last_out->len, data, n);
    pdu_free(pop_rsp(ini, 0x400, SRAID_STATUS_GOOD, 0, 0, 0));
    ini_assert_quiet(ini);

    /* an unsolicited burst that ends early: R2Ts from where it stopped */
    cmd(ini, WRITE_FLAGS & ~0x80, 0, 0x401, 8192, cdb_write10, 10, data, 512);
    data_out(ini, true, 0x401, SRAID_ISCSI_RSVD_TAG, 0, 512, data, 512);
    ttt = pop_r2t(ini, 0x401, 0, 1024, 8192 - 1024);
    data_out(ini, true, 0x401, ttt, 0, 1024, data, 8192 - 1024);
    g_assert_cmpmem(be.last_out->data, be.last_out->len, data, 8192);
    pdu_free(pop_rsp(ini, 0x401, SRAID_STATUS_GOOD, 0, 0, 0));
    ini_assert_quiet(ini);
    g_free(data);
    done(ini);
}

/* Only R2Ts, two outstanding, bursts of 64 KiB split in two PDUs each */
static void test_write_r2t(void)
{
    SraidIscsiTargetConfig cfg;
    uint32_t n = 200000, t0, t1, t2, t3;
    uint8_t *data = pattern(n, 5);
    Ini *ini;

    test_config(&cfg);
    ini = setup_keys(&cfg, kv("InitiatorName=" INI_NAME,
                              "TargetName=" TGT_NAME, "InitialR2T=Yes",
                              "ImmediateData=No", "MaxBurstLength=65536",
                              "FirstBurstLength=65536",
                              "MaxOutstandingR2T=2", NULL));
    cmd(ini, WRITE_FLAGS, 1, 0x500, n, cdb_write10, 10, NULL, 0);
    t0 = pop_r2t(ini, 0x500, 0, 0, 65536);
    t1 = pop_r2t(ini, 0x500, 1, 65536, 65536);
    g_assert_cmphex(t0, !=, t1);
    ini_assert_quiet(ini);
    data_out(ini, false, 0x500, t0, 0, 0, data, 32768);
    ini_assert_quiet(ini);
    data_out(ini, true, 0x500, t0, 1, 32768, data, 32768);
    t2 = pop_r2t(ini, 0x500, 2, 131072, 65536);
    data_out(ini, false, 0x500, t1, 0, 65536, data, 32768);
    data_out(ini, true, 0x500, t1, 1, 98304, data, 32768);
    t3 = pop_r2t(ini, 0x500, 3, 196608, n - 196608);
    ini_assert_quiet(ini);
    data_out(ini, false, 0x500, t2, 0, 131072, data, 32768);
    data_out(ini, true, 0x500, t2, 1, 163840, data, 32768);
    ini_assert_quiet(ini);
    g_assert_cmpuint(be.submits, ==, 0);
    data_out(ini, true, 0x500, t3, 0, 196608, data, n - 196608);
    g_assert_cmpuint(be.submits, ==, 1);
    g_assert_cmpuint(be.last_lun, ==, 1);
    g_assert_cmpmem(be.last_out->data, be.last_out->len, data, n);
    pdu_free(pop_rsp(ini, 0x500, SRAID_STATUS_GOOD, 0, 0, 0));
    ini_assert_quiet(ini);
    g_free(data);
    done(ini);
}

/*
 * Data-Out sequence errors close the connection at ERL 0 (7.1.4.1); data
 * for a task that is gone is dropped (11.7).
 */
static void test_write_errors(void)
{
    static const struct {
        const char *what;
        bool final;
        bool use_ttt;
        uint32_t datasn, offset, len;
    } bad[] = {
        { "DataSN", true, true, 1, 0, 4096 },
        { "offset", false, true, 0, 512, 3584 },
        { "F before the end", true, true, 0, 0, 2048 },
        { "no F at the end", false, true, 0, 0, 4096 },
        { "beyond the burst", true, true, 0, 0, 4608 },
        { "unknown TTT", true, false, 0, 0, 4096 },
    };
    uint8_t *data = pattern(8192, 2);

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        SraidIscsiTargetConfig cfg;
        uint32_t ttt;
        Ini *ini;

        g_test_message("%s", bad[i].what);
        test_config(&cfg);
        ini = setup_keys(&cfg, kv("InitiatorName=" INI_NAME,
                                  "TargetName=" TGT_NAME, "InitialR2T=Yes",
                                  NULL));
        cmd(ini, WRITE_FLAGS, 0, 0x600, 4096, cdb_write10, 10, NULL, 0);
        ttt = pop_r2t(ini, 0x600, 0, 0, 4096);
        data_out(ini, bad[i].final, 0x600, bad[i].use_ttt ? ttt : ttt + 1,
                 bad[i].datasn, bad[i].offset, data, bad[i].len);
        g_assert_cmpuint(ini->closes, ==, 1);
        ini_assert_quiet(ini);
        g_assert_cmpuint(be.submits, ==, 0);
        done(ini);
    }

    {
        Ini *ini = setup_login();

        /* unsolicited data after the burst's F */
        cmd(ini, WRITE_FLAGS & ~0x80, 0, 1, 4096, cdb_write10, 10, data, 512);
        data_out(ini, true, 1, SRAID_ISCSI_RSVD_TAG, 0, 512, data, 512);
        pop_r2t(ini, 1, 0, 1024, 3072);
        data_out(ini, true, 1, SRAID_ISCSI_RSVD_TAG, 1, 1024, data, 512);
        g_assert_cmpuint(ini->closes, ==, 1);
        done(ini);
    }
    {
        Ini *ini = setup_login();

        /* data for an ITT we do not know: dropped, connection kept */
        data_out(ini, true, 0x999, SRAID_ISCSI_RSVD_TAG, 0, 0, data, 512);
        data_out(ini, true, 0x999, 0x1234, 0, 0, data, 512);
        ini_assert_quiet(ini);
        g_assert_cmpuint(ini->closes, ==, 0);
        /* data for a task already with the back end is an error */
        be.hold = true;
        cmd(ini, WRITE_FLAGS, 0, 2, 512, cdb_write10, 10, data, 512);
        data_out(ini, true, 2, SRAID_ISCSI_RSVD_TAG, 0, 512, data, 512);
        g_assert_cmpuint(ini->closes, ==, 1);
        g_assert_cmpuint(be.aborts, ==, 1);
        done(ini);
    }
    g_free(data);
}

/* Commands the target refuses while keeping the connection */
static void test_command_rejects(void)
{
    SraidIscsiTargetConfig cfg;
    uint8_t *data = pattern(4096, 4);
    uint8_t bhs[48];
    uint32_t cmdsn;
    Ini *ini;
    Pdu *p;

    test_config(&cfg);
    cfg.max_transfer = 65536;
    ini = setup_keys(&cfg, kv("InitiatorName=" INI_NAME,
                              "TargetName=" TGT_NAME, "InitialR2T=Yes",
                              "ImmediateData=No", NULL));
    be.hold = true;

    /* ITT 0xffffffff is reserved (11.2.1.8) */
    cmdsn = ini->cmdsn;
    bhs_cmd(bhs, ini, READ_FLAGS, 0, SRAID_ISCSI_RSVD_TAG, 512, cdb_read10,
            10);
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_REJECT);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_INVALID_FIELD);
    g_assert_cmpmem(p->data, 48, bhs, 48);
    /* a rejected command still takes its CmdSN */
    g_assert_cmphex(pdu_u32(p, 28), ==, cmdsn + 1);
    ini_ack(ini, p);
    pdu_free(p);

    /* immediate data with ImmediateData=No; F=0 with InitialR2T=Yes */
    bhs_cmd(bhs, ini, WRITE_FLAGS, 0, 1, 4096, cdb_write10, 10);
    ini_send_pdu(ini, bhs, data, 512);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_PROTOCOL);
    ini_ack(ini, p);
    pdu_free(p);
    bhs_cmd(bhs, ini, WRITE_FLAGS & ~0x80, 0, 2, 4096, cdb_write10, 10);
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_PROTOCOL);
    g_assert_cmphex(pdu_u32(p, 28), ==, cmdsn + 3);
    ini_ack(ini, p);
    pdu_free(p);

    /* the ITT of a live task (11.17.1: Task in progress) */
    cmd(ini, READ_FLAGS, 0, 3, 512, cdb_read10, 10, NULL, 0);
    g_assert_cmpuint(be.held->len, ==, 1);
    cmd(ini, READ_FLAGS, 0, 3, 512, cdb_read10, 10, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_TASK_IN_PROGRESS);
    ini_ack(ini, p);
    pdu_free(p);

    /* bidirectional, or more than max_transfer: CHECK CONDITION */
    cmd(ini, READ_FLAGS | SRAID_ISCSI_CMD_W, 0, 4, 512, cdb_read10, 10,
        NULL, 0);
    p = pop_rsp(ini, 4, SRAID_STATUS_CHECK_CONDITION,
                SRAID_ISCSI_RSP_UNDERFLOW, 512, 0);
    g_assert_cmphex(p->data[2 + 2], ==, SRAID_SENSE_ILLEGAL_REQUEST);
    g_assert_cmphex(p->data[2 + 12], ==, 0x24);
    pdu_free(p);
    cmd(ini, READ_FLAGS, 0, 5, 65537, cdb_read10, 10, NULL, 0);
    p = pop_rsp(ini, 5, SRAID_STATUS_CHECK_CONDITION,
                SRAID_ISCSI_RSP_UNDERFLOW, 65537, 0);
    g_assert_cmphex(p->data[2 + 12], ==, 0x24);
    pdu_free(p);
    g_assert_cmpuint(be.submits, ==, 1);
    g_assert_cmpuint(ini->closes, ==, 0);
    be_complete(g_ptr_array_index(be.held, 0), &be.result);
    pdu_free(pop_rsp(ini, 3, 0, SRAID_ISCSI_RSP_UNDERFLOW, 512, 0));
    ini_assert_quiet(ini);
    g_free(data);
    done(ini);
}

/* The glue could not run the command: iSCSI response Target Failure */
static void test_target_failure(void)
{
    Ini *ini = setup_login();
    Pdu *p;

    be.hold = true;
    cmd(ini, READ_FLAGS, 0, 0x42, 512, cdb_read10, 10, NULL, 0);
    be_complete(g_ptr_array_index(be.held, 0), NULL);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_SCSI_RSP);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_RESPONSE_TGT_FAILURE);
    /* not GOOD to an initiator that reads Status regardless (libiscsi) */
    g_assert_cmphex(p->bhs[3], ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(pdu_u32(p, 16), ==, 0x42);
    g_assert_cmpuint(p->len, ==, 0);
    pdu_free(p);
    done(ini);
}

/* SPC-4 answers for a LUN we do not serve; REPORT LUNS goes to the glue */
static void test_absent_lun(void)
{
    const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 0xff, 0 };
    const uint8_t vpd80[6] = { 0x12, 1, 0x80, 0, 0xff, 0 };
    const uint8_t req_sense[6] = { 0x03, 0, 0, 0, 252, 0 };
    const uint8_t report_luns[12] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    uint8_t bhs[48];
    Ini *ini = setup_login();
    Pdu *p;

    cmd(ini, READ_FLAGS, 7, 1, 4096, cdb_read10, 10, NULL, 0);
    p = pop_rsp(ini, 1, SRAID_STATUS_CHECK_CONDITION,
                SRAID_ISCSI_RSP_UNDERFLOW, 4096, 0);
    g_assert_cmphex(p->data[2 + 2], ==, SRAID_SENSE_ILLEGAL_REQUEST);
    g_assert_cmphex(p->data[2 + 12], ==, 0x25);
    pdu_free(p);

    cmd(ini, READ_FLAGS, 7, 2, 255, inquiry, 6, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_DATA_IN);
    g_assert_cmphex(p->bhs[1], ==, 0x83);               /* F S U */
    g_assert_cmpuint(p->len, ==, 36);
    g_assert_cmphex(p->data[0], ==, 0x7f);
    g_assert_cmphex(p->data[4], ==, 31);
    g_assert_cmpuint(pdu_u32(p, 44), ==, 255 - 36);
    ini_ack(ini, p);
    pdu_free(p);

    cmd(ini, READ_FLAGS, 7, 3, 255, vpd80, 6, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmpuint(p->len, ==, 4);
    g_assert_cmphex(p->data[0], ==, 0x7f);
    g_assert_cmphex(p->data[1], ==, 0x80);
    ini_ack(ini, p);
    pdu_free(p);

    cmd(ini, READ_FLAGS, 7, 4, 252, req_sense, 6, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmpuint(p->len, ==, 18);
    g_assert_cmphex(p->data[0], ==, 0x70);
    g_assert_cmphex(p->data[2], ==, SRAID_SENSE_ILLEGAL_REQUEST);
    g_assert_cmphex(p->data[12], ==, 0x25);
    ini_ack(ini, p);
    pdu_free(p);
    g_assert_cmpuint(be.submits, ==, 0);

    be.result.data_len = 16;
    cmd(ini, READ_FLAGS, 7, 5, 256, report_luns, 12, NULL, 0);
    g_assert_cmpuint(be.submits, ==, 1);
    g_assert_cmpuint(be.last_lun, ==, 7);
    pdu_free(ini_pop(ini));

    /* a LUN field we cannot decode (extended addressing) */
    bhs_cmd(bhs, ini, READ_FLAGS, 0, 6, 512, cdb_read10, 10);
    bhs[8] = 0xc0;
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[3], ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(p->data[2 + 12], ==, 0x25);
    pdu_free(p);
    g_assert_cmpuint(be.submits, ==, 1);
    done(ini);
}

/*
 * 4.2.2.1: non-immediate commands outside [ExpCmdSN, MaxCmdSN] or already
 * received are ignored without closing; immediate ones take no CmdSN;
 * MaxCmdSN counts the commands not finished yet.
 */
static void test_cmdsn_window(void)
{
    Ini *ini = setup_login();
    uint32_t base = ini->cmdsn;
    uint8_t bhs[48];
    Pdu *p;

    /* MaxCmdSN + 1, and one already used */
    ini->cmdsn = base + 32;
    cmd(ini, 0x80, 0, 1, 0, cdb_tur, 6, NULL, 0);
    ini->cmdsn = base - 1;
    cmd(ini, 0x80, 0, 2, 0, cdb_tur, 6, NULL, 0);
    ini_assert_quiet(ini);
    g_assert_cmpuint(be.submits, ==, 0);
    g_assert_cmpuint(ini->closes, ==, 0);

    /* the expected one */
    ini->cmdsn = base;
    cmd(ini, 0x80, 0, 3, 0, cdb_tur, 6, NULL, 0);
    p = pop_rsp(ini, 3, 0, 0, 0, 0);
    g_assert_cmphex(pdu_u32(p, 28), ==, base + 1);
    g_assert_cmphex(pdu_u32(p, 32), ==, base + 32);
    pdu_free(p);
    /* again: a duplicate */
    ini->cmdsn = base;
    cmd(ini, 0x80, 0, 4, 0, cdb_tur, 6, NULL, 0);
    ini_assert_quiet(ini);

    /* an immediate command does not advance ExpCmdSN */
    bhs_cmd(bhs, ini, 0x80, 0, 5, 0, cdb_tur, 6);
    bhs[0] |= SRAID_ISCSI_I_BIT;
    ini_send_pdu(ini, bhs, NULL, 0);
    p = pop_rsp(ini, 5, 0, 0, 0, 0);
    g_assert_cmphex(pdu_u32(p, 28), ==, base + 1);
    pdu_free(p);
    /* so the same CmdSN is still good for a non-immediate one */
    ini->cmdsn = base + 1;
    cmd(ini, 0x80, 0, 6, 0, cdb_tur, 6, NULL, 0);
    p = pop_rsp(ini, 6, 0, 0, 0, 0);
    g_assert_cmphex(pdu_u32(p, 28), ==, base + 2);
    pdu_free(p);

    /* a gap: base+3 first, then base+2; ExpCmdSN jumps over both */
    ini->cmdsn = base + 3;
    cmd(ini, 0x80, 0, 7, 0, cdb_tur, 6, NULL, 0);
    p = pop_rsp(ini, 7, 0, 0, 0, 0);
    g_assert_cmphex(pdu_u32(p, 28), ==, base + 2);
    pdu_free(p);
    ini->cmdsn = base + 2;
    cmd(ini, 0x80, 0, 8, 0, cdb_tur, 6, NULL, 0);
    p = pop_rsp(ini, 8, 0, 0, 0, 0);
    g_assert_cmphex(pdu_u32(p, 28), ==, base + 4);
    g_assert_cmphex(pdu_u32(p, 32), ==, base + 4 + 31);
    pdu_free(p);

    /*
     * A command held in a gap: ExpCmdSN stays, one more is outstanding,
     * yet MaxCmdSN may not go back (the initiator would ignore it).
     */
    be.hold = true;
    ini->cmdsn = base + 5;
    cmd(ini, READ_FLAGS, 0, 0x90, 512, cdb_read10, 10, NULL, 0);
    g_assert_cmpuint(be.held->len, ==, 1);
    bhs_nop_out(bhs, ini, true, 0x91, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(pdu_u32(p, 28), ==, base + 4);
    g_assert_cmphex(pdu_u32(p, 32), ==, base + 4 + 31);
    ini_ack(ini, p);
    pdu_free(p);
    ini->cmdsn = base + 4;
    cmd(ini, 0x80, 0, 0x92, 0, cdb_tur, 6, NULL, 0);
    g_assert_cmpuint(be.held->len, ==, 2);
    while (be.held->len) {
        be_complete(g_ptr_array_index(be.held, 0), &be.result);
    }
    pdu_free(ini_pop(ini));
    p = ini_pop(ini);
    g_assert_cmphex(pdu_u32(p, 28), ==, base + 6);
    g_assert_cmphex(pdu_u32(p, 32), ==, base + 6 + 31);
    ini_ack(ini, p);
    pdu_free(p);
    base += 2;

    /* fill the window with held commands; one more is ignored */
    be.hold = true;
    ini->cmdsn = base + 4;
    for (int i = 0; i < 32; i++) {
        cmd(ini, READ_FLAGS, 0, 0x100 + i, 512, cdb_read10, 10, NULL, 0);
    }
    g_assert_cmpuint(be.held->len, ==, 32);
    cmd(ini, READ_FLAGS, 0, 0x200, 512, cdb_read10, 10, NULL, 0);
    g_assert_cmpuint(be.held->len, ==, 32);
    ini_assert_quiet(ini);
    /* one finishes: MaxCmdSN opens by one */
    be_complete(g_ptr_array_index(be.held, 0), &be.result);
    p = pop_rsp(ini, 0x100, 0, SRAID_ISCSI_RSP_UNDERFLOW, 512, 0);
    g_assert_cmphex(pdu_u32(p, 28), ==, base + 36);
    g_assert_cmphex(pdu_u32(p, 32), ==, base + 36);
    pdu_free(p);
    ini->cmdsn = base + 36;
    cmd(ini, READ_FLAGS, 0, 0x200, 512, cdb_read10, 10, NULL, 0);
    g_assert_cmpuint(be.held->len, ==, 32);
    while (be.held->len) {
        be_complete(g_ptr_array_index(be.held, 0), &be.result);
    }
    ini_split(ini);
    g_assert_cmpuint(g_queue_get_length(&ini->pdus), ==, 32);
    g_assert_cmpuint(ini->closes, ==, 0);
    done(ini);
}

/* Immediate commands are bounded apart from the window (Reject 06h) */
static void test_immediate_bound(void)
{
    Ini *ini = setup_login();
    uint8_t bhs[48];
    Pdu *p;

    be.hold = true;
    for (int i = 0; i <= 32; i++) {
        bhs_cmd(bhs, ini, READ_FLAGS, 0, 0x10 + i, 512, cdb_read10, 10);
        bhs[0] |= SRAID_ISCSI_I_BIT;
        ini->cmdsn--;
        ini_send_pdu(ini, bhs, NULL, 0);
    }
    g_assert_cmpuint(be.held->len, ==, 32);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_REJECT);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_IMMEDIATE);
    pdu_free(p);
    ini_assert_quiet(ini);
    done(ini);
}

static void test_nop(void)
{
    Ini *ini = setup_login();
    uint32_t cmdsn = ini->cmdsn;
    uint8_t bhs[48];
    Pdu *p;

    /* libiscsi's ping: not immediate, it takes a CmdSN */
    bhs_nop_out(bhs, ini, false, 0x77, SRAID_ISCSI_RSVD_TAG);
    sraid_iscsi_lun_encode(1, bhs + 8);
    ini_send_pdu(ini, bhs, "nopping", 8);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_NOP_IN);
    g_assert_cmphex(p->bhs[1], ==, 0x80);
    g_assert_cmphex(pdu_u32(p, 16), ==, 0x77);
    g_assert_cmphex(pdu_u32(p, 20), ==, SRAID_ISCSI_RSVD_TAG);
    g_assert_cmpuint(pdu_u32(p, 24), ==, 2);
    g_assert_cmphex(pdu_u32(p, 28), ==, cmdsn + 1);
    g_assert_cmpmem(p->bhs + 8, 8, bhs + 8, 8);
    g_assert_cmpmem(p->data, p->len, "nopping", 8);
    ini_ack(ini, p);
    pdu_free(p);

    /* no data, immediate */
    bhs_nop_out(bhs, ini, true, 0x78, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmpuint(p->len, ==, 0);
    g_assert_cmpuint(pdu_u32(p, 24), ==, 3);
    g_assert_cmphex(pdu_u32(p, 28), ==, cmdsn + 1);
    ini_ack(ini, p);
    pdu_free(p);

    /* ITT 0xffffffff: no answer wanted */
    bhs_nop_out(bhs, ini, true, SRAID_ISCSI_RSVD_TAG, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, NULL, 0);
    ini_assert_quiet(ini);
    /* the same without the I bit still takes its CmdSN */
    bhs_nop_out(bhs, ini, false, SRAID_ISCSI_RSVD_TAG, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, NULL, 0);
    ini_assert_quiet(ini);
    cmd(ini, 0x80, 0, 0x79, 0, cdb_tur, 6, NULL, 0);
    p = pop_rsp(ini, 0x79, 0, 0, 0, 0);
    g_assert_cmphex(pdu_u32(p, 28), ==, cmdsn + 3);
    pdu_free(p);
    done(ini);
}

/* 11.19: the target's ping, and the connection closed when unanswered */
static void test_nop_in_ping(void)
{
    SraidIscsiTargetConfig cfg;
    uint8_t bhs[48];
    uint32_t ttt;
    Ini *ini;
    Pdu *p;

    test_config(&cfg);
    cfg.nop_in_interval_ms = 1000;
    cfg.nop_in_timeout_ms = 3000;
    ini = setup_keys(&cfg, kv("InitiatorName=" INI_NAME,
                              "TargetName=" TGT_NAME, NULL));
    sraid_iscsi_conn_tick(ini->conn, 10000);
    sraid_iscsi_conn_tick(ini->conn, 10999);
    ini_split(ini);
    ini_assert_quiet(ini);
    sraid_iscsi_conn_tick(ini->conn, 11000);
    ini_split(ini);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_NOP_IN);
    g_assert_cmphex(pdu_u32(p, 16), ==, SRAID_ISCSI_RSVD_TAG);
    ttt = pdu_u32(p, 20);
    g_assert_cmphex(ttt, !=, SRAID_ISCSI_RSVD_TAG);
    g_assert_cmpuint(pdu_u32(p, 24), ==, ini->exp_statsn);   /* not taken */
    g_assert_cmpuint(p->len, ==, 0);
    pdu_free(p);
    /* no second ping while one is out */
    sraid_iscsi_conn_tick(ini->conn, 12500);
    ini_split(ini);
    ini_assert_quiet(ini);

    /* the answer: ITT reserved, our TTT, immediate (11.18) */
    bhs_nop_out(bhs, ini, true, SRAID_ISCSI_RSVD_TAG, ttt);
    ini_send_pdu(ini, bhs, NULL, 0);
    ini_assert_quiet(ini);
    sraid_iscsi_conn_tick(ini->conn, 14500);
    sraid_iscsi_conn_tick(ini->conn, 15400);
    ini_split(ini);
    ini_assert_quiet(ini);
    g_assert_cmpuint(ini->closes, ==, 0);
    /* idle again for the interval: a new ping, a new TTT */
    sraid_iscsi_conn_tick(ini->conn, 15500);
    ini_split(ini);
    p = ini_pop(ini);
    g_assert_cmphex(pdu_u32(p, 20), !=, ttt);
    pdu_free(p);
    /* traffic does not answer a ping; the timeout closes */
    ini_ping(ini, 1);
    sraid_iscsi_conn_tick(ini->conn, 18499);
    g_assert_cmpuint(ini->closes, ==, 0);
    sraid_iscsi_conn_tick(ini->conn, 18500);
    g_assert_cmpuint(ini->closes, ==, 1);
    done(ini);
}

static Pdu *pop_tmf(Ini *ini, uint32_t itt, uint8_t response)
{
    Pdu *p = ini_pop(ini);

    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_TMF_RSP);
    g_assert_cmphex(p->bhs[1], ==, 0x80);
    g_assert_cmphex(p->bhs[2], ==, response);
    g_assert_cmphex(pdu_u32(p, 16), ==, itt);
    g_assert_cmpuint(pdu_u32(p, 24), ==, ini->exp_statsn);
    ini_ack(ini, p);
    return p;
}

static void tmf(Ini *ini, uint8_t function, uint64_t lun, uint32_t itt,
                uint32_t ref_itt, uint32_t ref_cmdsn)
{
    uint8_t bhs[48];

    bhs_tmf(bhs, ini, function, lun, itt, ref_itt, ref_cmdsn);
    ini_send_pdu(ini, bhs, NULL, 0);
}

/* 4.2.3, 11.5.1: ABORT TASK; the response waits for the back end */
static void test_abort_task(void)
{
    Ini *ini = setup_login();
    uint32_t cmdsn = ini->cmdsn;
    uint8_t bhs[48];

    be.hold = true;
    be.result.data_len = 512;
    cmd(ini, READ_FLAGS, 0, 0x100, 512, cdb_read10, 10, NULL, 0);
    cmd(ini, READ_FLAGS, 1, 0x101, 512, cdb_read10, 10, NULL, 0);
    tmf(ini, SRAID_ISCSI_TMF_ABORT_TASK, 0, 0x900, 0x100, cmdsn);
    g_assert_cmpuint(be.aborts, ==, 1);
    ini_assert_quiet(ini);
    /* the aborted task ends: no Data-In, no SCSI Response; the TMF answer */
    be_complete(g_ptr_array_index(be.held, 0), &be.result);
    pdu_free(pop_tmf(ini, 0x900, SRAID_ISCSI_TMF_RSP_COMPLETE));
    ini_assert_quiet(ini);

    /* a task that is not there (RefCmdSN outside the window) */
    tmf(ini, SRAID_ISCSI_TMF_ABORT_TASK, 0, 0x901, 0x100, cmdsn);
    pdu_free(pop_tmf(ini, 0x901, SRAID_ISCSI_TMF_RSP_NO_TASK));
    /* a LUN that does not match the task */
    tmf(ini, SRAID_ISCSI_TMF_ABORT_TASK, 0, 0x902, 0x101, cmdsn + 1);
    pdu_free(pop_tmf(ini, 0x902, SRAID_ISCSI_TMF_RSP_NO_TASK));

    /* TMF answers waiting for the glue are bounded: 8, then rejected */
    for (int i = 0; i < 8; i++) {
        tmf(ini, SRAID_ISCSI_TMF_ABORT_TASK_SET, 1, 0x910 + i, 0, 0);
    }
    ini_assert_quiet(ini);
    tmf(ini, SRAID_ISCSI_TMF_LUN_RESET, 1, 0x918, 0, 0);
    pdu_free(pop_tmf(ini, 0x918, SRAID_ISCSI_TMF_RSP_REJECTED));
    g_assert_cmpuint(be.resets, ==, 0);
    g_assert_cmpuint(be.aborts, ==, 2);
    be_complete(g_ptr_array_index(be.held, 0), &be.result);
    for (int i = 0; i < 8; i++) {
        pdu_free(pop_tmf(ini, 0x910 + i, SRAID_ISCSI_TMF_RSP_COMPLETE));
    }
    ini_assert_quiet(ini);
    cmd(ini, READ_FLAGS, 1, 0x101, 512, cdb_read10, 10, NULL, 0);

    /* a glue that ends the task inside abort: answered at once */
    be.abort_completes = true;
    tmf(ini, SRAID_ISCSI_TMF_ABORT_TASK, 1, 0x903, 0x101, cmdsn + 1);
    pdu_free(pop_tmf(ini, 0x903, SRAID_ISCSI_TMF_RSP_COMPLETE));
    g_assert_cmpuint(be.held->len, ==, 0);
    ini_assert_quiet(ini);

    /*
     * 11.6.1 b): the command is not there yet but its CmdSN is in the
     * window and below the TMF's: Function complete, and the command is
     * ignored when it comes.
     */
    bhs_tmf(bhs, ini, SRAID_ISCSI_TMF_ABORT_TASK, 0, 0x904, 0x102,
            ini->cmdsn);
    bhs[0] &= ~SRAID_ISCSI_I_BIT;
    sraid_put_be32(bhs + 24, ini->cmdsn + 1);
    ini_send_pdu(ini, bhs, NULL, 0);
    pdu_free(pop_tmf(ini, 0x904, SRAID_ISCSI_TMF_RSP_COMPLETE));
    cmd(ini, READ_FLAGS, 0, 0x102, 512, cdb_read10, 10, NULL, 0);
    ini_assert_quiet(ini);
    g_assert_cmpuint(be.submits, ==, 3);
    ini->cmdsn++;
    ini_ping(ini, 0x905);
    done(ini);
}

static void test_resets(void)
{
    Ini *ini = setup_login(), *other;
    uint8_t *data = pattern(512, 8);

    be.hold = true;
    cmd(ini, READ_FLAGS, 0, 1, 512, cdb_read10, 10, NULL, 0);
    cmd(ini, WRITE_FLAGS, 0, 2, 512, cdb_write10, 10, data, 512);
    cmd(ini, READ_FLAGS, 1, 3, 512, cdb_read10, 10, NULL, 0);
    /* a task still waiting for its data-out is aborted by the core */
    cmd(ini, WRITE_FLAGS & ~0x80, 0, 4, 8192, cdb_write10, 10, data, 512);
    g_assert_cmpuint(be.held->len, ==, 3);

    tmf(ini, SRAID_ISCSI_TMF_LUN_RESET, 0, 0x900, 0, 0);
    g_assert_cmpuint(be.resets, ==, 1);
    g_assert_cmpuint(be.reset_lun, ==, 0);
    g_assert_true(be.reset_conn == ini->conn);
    g_assert_cmpuint(be.aborts, ==, 0);
    pdu_free(pop_tmf(ini, 0x900, SRAID_ISCSI_TMF_RSP_COMPLETE));
    ini_assert_quiet(ini);
    /* its unsolicited data is dropped, the connection stays */
    data_out(ini, true, 4, SRAID_ISCSI_RSVD_TAG, 0, 0, data, 512);
    ini_assert_quiet(ini);
    g_assert_cmpuint(be.held->len, ==, 1);
    be.result.data_len = 512;
    be_complete(g_ptr_array_index(be.held, 0), &be.result);
    pdu_free(pop_data_in(ini, 3, 0x81, 0, 0, 512));

    /* a LUN we do not serve */
    tmf(ini, SRAID_ISCSI_TMF_LUN_RESET, 9, 0x901, 0, 0);
    pdu_free(pop_tmf(ini, 0x901, SRAID_ISCSI_TMF_RSP_NO_LUN));
    tmf(ini, SRAID_ISCSI_TMF_ABORT_TASK_SET, 9, 0x902, 0, 0);
    pdu_free(pop_tmf(ini, 0x902, SRAID_ISCSI_TMF_RSP_NO_LUN));
    /* ABORT TASK SET aborts each task of the LUN in the glue */
    cmd(ini, READ_FLAGS, 1, 5, 512, cdb_read10, 10, NULL, 0);
    cmd(ini, READ_FLAGS, 1, 6, 512, cdb_read10, 10, NULL, 0);
    cmd(ini, READ_FLAGS, 0, 7, 512, cdb_read10, 10, NULL, 0);
    tmf(ini, SRAID_ISCSI_TMF_ABORT_TASK_SET, 1, 0x903, 0, 0);
    g_assert_cmpuint(be.aborts, ==, 2);
    ini_assert_quiet(ini);
    be_complete(g_ptr_array_index(be.held, 1), &be.result);
    ini_assert_quiet(ini);
    be_complete(g_ptr_array_index(be.held, 0), &be.result);
    pdu_free(pop_tmf(ini, 0x903, SRAID_ISCSI_TMF_RSP_COMPLETE));
    /* functions we do not support */
    tmf(ini, SRAID_ISCSI_TMF_CLEAR_TASK_SET, 0, 0x904, 0, 0);
    pdu_free(pop_tmf(ini, 0x904, SRAID_ISCSI_TMF_RSP_NOT_SUPPORTED));
    tmf(ini, SRAID_ISCSI_TMF_CLEAR_ACA, 0, 0x905, 0, 0);
    pdu_free(pop_tmf(ini, 0x905, SRAID_ISCSI_TMF_RSP_NOT_SUPPORTED));
    tmf(ini, SRAID_ISCSI_TMF_TASK_REASSIGN, 0, 0x906, 7, 0);
    pdu_free(pop_tmf(ini, 0x906, SRAID_ISCSI_TMF_RSP_REASSIGN_UNSUPPORTED));
    tmf(ini, 0x30, 0, 0x907, 0, 0);
    pdu_free(pop_tmf(ini, 0x907, SRAID_ISCSI_TMF_RSP_NOT_SUPPORTED));

    /* TARGET WARM RESET: every LUN */
    tmf(ini, SRAID_ISCSI_TMF_TARGET_WARM_RESET, 0, 0x908, 0, 0);
    g_assert_cmpuint(be.reset_lun, ==, SRAID_ISCSI_ALL_LUNS);
    g_assert_cmpuint(be.held->len, ==, 0);
    pdu_free(pop_tmf(ini, 0x908, SRAID_ISCSI_TMF_RSP_COMPLETE));
    ini_assert_quiet(ini);

    /* TARGET COLD RESET: the answer, then every connection closes */
    other = ini_new();
    other->isid[5] = 9;
    ini_login(other);
    tmf(ini, SRAID_ISCSI_TMF_TARGET_COLD_RESET, 0, 0x909, 0, 0);
    pdu_free(pop_tmf(ini, 0x909, SRAID_ISCSI_TMF_RSP_COMPLETE));
    g_assert_cmpuint(ini->closes, ==, 1);
    g_assert_cmpuint(other->closes, ==, 1);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 0);
    ini_free(other);
    g_free(data);
    done(ini);
}

static void count_nexus(SraidIscsiConn *c, void *opaque)
{
    GPtrArray *seen = opaque;

    g_assert_cmpstr(sraid_iscsi_conn_initiator(c), ==, INI_NAME);
    g_ptr_array_add(seen, c);
}

/*
 * The I_T nexuses the glue gives a unit attention after a reset: Normal
 * sessions in full feature phase, not Discovery sessions, not connections
 * still logging in, not the ones gone.
 */
static void test_foreach_nexus(void)
{
    Ini *ini = setup_login(), *other = ini_new(), *disc = ini_new();
    Ini *login = ini_new();
    g_autoptr(GPtrArray) seen = g_ptr_array_new();
    Pdu *rsp;

    other->isid[5] = 9;
    ini_login(other);
    disc->isid[5] = 10;
    rsp = ini_login_keys(disc, kv("InitiatorName=" INI_NAME,
                                  "SessionType=Discovery", NULL));
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    pdu_free(rsp);
    sraid_iscsi_target_foreach_nexus(be.tgt, count_nexus, seen);
    g_assert_cmpuint(seen->len, ==, 2);
    g_assert_true(g_ptr_array_find(seen, ini->conn, NULL));
    g_assert_true(g_ptr_array_find(seen, other->conn, NULL));
    ini_free(other);
    g_ptr_array_set_size(seen, 0);
    sraid_iscsi_target_foreach_nexus(be.tgt, count_nexus, seen);
    g_assert_cmpuint(seen->len, ==, 1);
    g_assert_true(seen->pdata[0] == ini->conn);
    ini_free(login);
    ini_free(disc);
    done(ini);
}

/*
 * I_T nexus loss (SAM-5 6.4), what releases SPC-2 reservations: once per
 * Normal session, on logout, a dropped connection or a reinstatement;
 * never for a Discovery session or a connection still logging in.
 */
static void test_nexus_lost(void)
{
    Ini *ini = setup_login(), *other = ini_new(), *disc = ini_new();
    Ini *login = ini_new(), *again;
    uint8_t bhs[48];
    Pdu *p;

    disc->isid[5] = 10;
    p = ini_login_keys(disc, kv("InitiatorName=" INI_NAME,
                                "SessionType=Discovery", NULL));
    pdu_free(p);
    ini_free(disc);
    ini_free(login);
    g_assert_cmpuint(be.nexus_losses, ==, 0);
    /* the connection dropped */
    other->isid[5] = 9;
    ini_login(other);
    ini_free(other);
    g_assert_cmpuint(be.nexus_losses, ==, 1);
    g_assert_cmphex(be.lost_isid[5], ==, 9);
    g_assert_cmpstr(be.lost_name, ==, INI_NAME);
    /* reinstatement: the old session's nexus is lost */
    again = ini_new();
    ini_login(again);
    g_assert_cmpuint(be.nexus_losses, ==, 2);
    g_assert_cmphex(be.lost_isid[5], ==, 1);
    ini_free(ini);
    g_assert_cmpuint(be.nexus_losses, ==, 2);
    /* logout: at the Logout Response, once */
    bhs_logout(bhs, again, SRAID_ISCSI_LOGOUT_CLOSE_SESSION, 0x10, 0);
    ini_send_pdu(again, bhs, NULL, 0);
    p = ini_pop(again);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_LOGOUT_RSP);
    pdu_free(p);
    g_assert_cmpuint(be.nexus_losses, ==, 3);
    done(again);
    g_assert_cmpuint(be.nexus_losses, ==, 3);
}

static void test_logout(void)
{
    Ini *ini = setup_login();
    uint8_t bhs[48];
    Pdu *p;

    /* answers that keep the connection */
    bhs_logout(bhs, ini, SRAID_ISCSI_LOGOUT_RECOVERY, 0x10, 1);
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_LOGOUT_RSP);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_LOGOUT_RSP_NO_RECOVERY);
    ini_ack(ini, p);
    pdu_free(p);
    bhs_logout(bhs, ini, SRAID_ISCSI_LOGOUT_CLOSE_CONN, 0x11, 9);
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_LOGOUT_RSP_NO_CID);
    ini_ack(ini, p);
    pdu_free(p);
    bhs_logout(bhs, ini, 5, 0x12, 1);
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_REJECT);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_INVALID_FIELD);
    ini_ack(ini, p);
    pdu_free(p);
    g_assert_cmpuint(ini->closes, ==, 0);

    /* logout with a command in the glue: answered once it has ended */
    be.hold = true;
    be.result.data_len = 512;
    cmd(ini, READ_FLAGS, 0, 0x20, 512, cdb_read10, 10, NULL, 0);
    bhs_logout(bhs, ini, SRAID_ISCSI_LOGOUT_CLOSE_CONN, 0x13, 1);
    ini_send_pdu(ini, bhs, NULL, 0);
    g_assert_cmpuint(be.aborts, ==, 1);
    ini_assert_quiet(ini);
    /* nothing new is taken meanwhile */
    cmd(ini, READ_FLAGS, 0, 0x21, 512, cdb_read10, 10, NULL, 0);
    g_assert_cmpuint(be.held->len, ==, 1);
    be_complete(g_ptr_array_index(be.held, 0), &be.result);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_LOGOUT_RSP);
    g_assert_cmphex(p->bhs[1], ==, 0x80);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_LOGOUT_RSP_OK);
    g_assert_cmphex(pdu_u32(p, 16), ==, 0x13);
    g_assert_cmpuint(pdu_u32(p, 24), ==, ini->exp_statsn);
    pdu_free(p);
    ini_assert_quiet(ini);
    g_assert_cmpuint(ini->closes, ==, 1);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 0);
    done(ini);
}

/* The connection goes away with commands in the glue */
static void test_conn_free_with_tasks(void)
{
    Ini *ini = setup_login();
    GPtrArray *orphans;

    be.hold = true;
    cmd(ini, READ_FLAGS, 0, 1, 512, cdb_read10, 10, NULL, 0);
    cmd(ini, READ_FLAGS, 1, 2, 512, cdb_read10, 10, NULL, 0);
    orphans = g_ptr_array_copy(be.held, NULL, NULL);
    sraid_iscsi_conn_free(ini->conn);
    ini->conn = NULL;
    g_assert_cmpuint(be.aborts, ==, 2);
    for (guint i = 0; i < orphans->len; i++) {
        SraidIscsiTask *task = g_ptr_array_index(orphans, i);

        g_assert_null(task->conn);
        be_complete(task, &be.result);
    }
    g_ptr_array_free(orphans, TRUE);
    g_assert_cmpuint(ini->sends, ==, 1);                /* the login */
    done(ini);
}

/* A reinstated session's commands are aborted with its connection */
static void test_reinstatement_aborts(void)
{
    Ini *a = setup_login(), *b;

    be.hold = true;
    cmd(a, READ_FLAGS, 0, 1, 512, cdb_read10, 10, NULL, 0);
    b = ini_new();
    ini_login(b);
    g_assert_cmpuint(a->closes, ==, 1);
    g_assert_cmpuint(be.aborts, ==, 1);
    be_complete(g_ptr_array_index(be.held, 0), &be.result);
    ini_assert_quiet(a);
    ini_free(b);
    done(a);
}

static void test_snack_and_text(void)
{
    Ini *ini = setup_login();
    uint8_t bhs[48];
    GByteArray *b = kv("SendTargets=All", NULL);
    Pdu *p;

    /* 11.16: no SNACK at ErrorRecoveryLevel 0, but no harm done */
    memset(bhs, 0, sizeof(bhs));
    bhs[0] = SRAID_ISCSI_OP_SNACK;
    bhs[1] = 0x80;
    sraid_put_be32(bhs + 16, 0x55);
    ini_send_pdu(ini, bhs, NULL, 0);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_REJECT);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_PROTOCOL);
    ini_ack(ini, p);
    pdu_free(p);

    /* Text continuation is not ours to offer */
    bhs_text(bhs, ini, 0x80 | SRAID_ISCSI_TEXT_C, 1, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, b->data, b->len);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_NOT_SUPPORTED);
    ini_ack(ini, p);
    pdu_free(p);
    bhs_text(bhs, ini, 0x80, 2, 0x1234);
    ini_send_pdu(ini, bhs, b->data, b->len);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_INVALID_FIELD);
    ini_ack(ini, p);
    pdu_free(p);

    /* MaxRecvDataSegmentLength declared again: Data-In follows it */
    bhs_text(bhs, ini, 0x80, 5, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, "MaxRecvDataSegmentLength=1024", 30);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_TEXT_RSP);
    g_assert_cmpuint(p->len, ==, 0);
    ini_ack(ini, p);
    pdu_free(p);
    be.result.data_len = 3000;
    cmd(ini, READ_FLAGS, 0, 6, 3000, cdb_read10, 10, NULL, 0);
    pdu_free(pop_data_in(ini, 6, 0x00, 0, 0, 1024));
    pdu_free(pop_data_in(ini, 6, 0x00, 1, 1024, 1024));
    pdu_free(pop_data_in(ini, 6, 0x81, 2, 2048, 952));

    /* SendTargets in a Normal session; empty value = this target */
    bhs_text(bhs, ini, 0x80, 3, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, "SendTargets=", 13);
    p = ini_pop(ini);
    g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_TEXT_RSP);
    g_assert_cmpuint(p->len, ==, 39 + 31 + 27);
    g_assert_cmpmem(p->data, 39, "TargetName=" TGT_NAME, 39);
    ini_ack(ini, p);
    pdu_free(p);
    g_byte_array_free(b, TRUE);
    ini_ping(ini, 4);
    g_assert_cmpuint(ini->closes, ==, 0);
    done(ini);
}

/*
 * Malformed input closes that connection and no other: an AHS, a data
 * segment above our MaxRecvDataSegmentLength, an opcode no initiator
 * sends, a Login Request in full feature phase.
 */
static void test_malformed(void)
{
    static const struct {
        const char *what;
        uint8_t opcode;
        uint8_t ahs;
        uint32_t len;
        bool rejected;
    } bad[] = {
        { "AHS", SRAID_ISCSI_OP_NOP_OUT, 1, 0, false },
        { "segment over 256 KiB", SRAID_ISCSI_OP_NOP_OUT, 0, 262145, false },
        { "undefined opcode", 0x1f, 0, 0, true },
        { "target opcode", SRAID_ISCSI_OP_SCSI_RSP, 0, 0, true },
        { "login in full feature phase", SRAID_ISCSI_OP_LOGIN_REQ, 0, 0,
          true },
    };
    uint8_t *data = g_malloc0(262148);

    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        Ini *ini = setup_login(), *other = ini_new();
        uint8_t bhs[48];

        g_test_message("%s", bad[i].what);
        other->isid[5] = 7;
        ini_login(other);
        bhs_nop_out(bhs, ini, true, 5, SRAID_ISCSI_RSVD_TAG);
        bhs[0] = SRAID_ISCSI_I_BIT | bad[i].opcode;
        if (bad[i].ahs) {
            /* an AHS header: the target stops at the BHS */
            bhs[4] = bad[i].ahs;
            memset(data, 0, 4);
            memcpy(data, bhs, 48);
            g_assert_cmpuint(sraid_iscsi_conn_input(ini->conn, data, 52), <,
                             52);
            ini_split(ini);
        } else {
            ini_send_pdu(ini, bhs, data, bad[i].len);
        }
        if (bad[i].rejected) {
            Pdu *p = ini_pop(ini);

            g_assert_cmphex(p->bhs[0], ==, SRAID_ISCSI_OP_REJECT);
            g_assert_cmphex(p->bhs[2], ==, SRAID_ISCSI_REJECT_NOT_SUPPORTED);
            pdu_free(p);
        } else if (!bad[i].ahs) {
            ini_assert_quiet(ini);
        }
        g_assert_cmpuint(ini->closes, ==, 1);
        g_assert_cmpuint(sraid_iscsi_conn_input(ini->conn, bhs, 48), ==, 0);
        ini_ping(other, 1);
        g_assert_cmpuint(other->closes, ==, 0);
        ini_free(other);
        done(ini);
    }
    g_free(data);
}

/* Digest errors close the connection (7.8, ERL 0) */
static void test_digests(void)
{
    SraidIscsiTargetConfig cfg;
    uint8_t bhs[48], wire[48 + 4 + 8 + 4];
    Ini *ini;

    for (int which = 0; which < 2; which++) {
        test_config(&cfg);
        ini = setup_keys(&cfg, kv("InitiatorName=" INI_NAME,
                                  "TargetName=" TGT_NAME,
                                  "HeaderDigest=CRC32C",
                                  "DataDigest=CRC32C", NULL));
        ini->hd = ini->dd = true;
        ini_ping(ini, 1);
        bhs_nop_out(bhs, ini, true, 2, SRAID_ISCSI_RSVD_TAG);
        bhs[7] = 8;
        memcpy(wire, bhs, 48);
        sraid_iscsi_put_digest(wire + 48, sraid_iscsi_digest(bhs, 48));
        memcpy(wire + 52, "abcdefgh", 8);
        sraid_iscsi_put_digest(wire + 60, sraid_iscsi_digest(wire + 52, 8));
        wire[which ? 63 : 51] ^= 1;
        sraid_iscsi_conn_input(ini->conn, wire, sizeof(wire));
        ini_split(ini);
        ini_assert_quiet(ini);
        g_assert_cmpuint(ini->closes, ==, 1);
        done(ini);
    }
}

/*
 * The same session fed whole, byte by byte and in odd chunks gives the
 * very same output: the push parser keeps no state across PDUs it should
 * not.
 */
static GByteArray *scripted_session(size_t chunk)
{
    SraidIscsiTargetConfig cfg;
    uint8_t *data = pattern(70000, 6);
    uint8_t bhs[48];
    GByteArray *trace;
    uint32_t ttt;
    Ini *ini;

    test_config(&cfg);
    be_setup(&cfg);
    ini = ini_new();
    ini->chunk = chunk;
    ini->trace = g_byte_array_new();
    ini_login(ini);
    be.result.data_len = 70000;
    cmd(ini, READ_FLAGS, 0, 1, 70000, cdb_read10, 10, NULL, 0);
    pdu_free(pop_data_in(ini, 1, 0x81, 0, 0, 70000));
    cmd(ini, WRITE_FLAGS & ~0x80, 1, 2, 70000, cdb_write10, 10, data, 1000);
    data_out(ini, true, 2, SRAID_ISCSI_RSVD_TAG, 0, 1000, data, 3000);
    ttt = pop_r2t(ini, 2, 0, 4000, 66000);
    /* the unsolicited burst ended early; R2T for the rest */
    data_out(ini, false, 2, ttt, 0, 4000, data, 33000);
    data_out(ini, true, 2, ttt, 1, 37000, data, 33000);
    g_assert_cmpmem(be.last_out->data, be.last_out->len, data, 70000);
    pdu_free(pop_rsp(ini, 2, 0, 0, 0, 0));
    ini_ping(ini, 3);
    bhs_text(bhs, ini, 0x80, 4, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, "SendTargets=All", 16);
    bhs_logout(bhs, ini, 0, 5, 1);
    ini_send_pdu(ini, bhs, NULL, 0);
    g_assert_cmpuint(ini->closes, ==, 1);
    trace = ini->trace;
    ini->trace = NULL;
    g_free(data);
    done(ini);
    return trace;
}

static void test_chunking(void)
{
    GByteArray *whole = scripted_session(0);
    static const size_t chunks[] = { 1, 3, 47, 49, 4096 };

    g_assert_cmpuint(whole->len, >, 70000);
    for (unsigned i = 0; i < G_N_ELEMENTS(chunks); i++) {
        GByteArray *t = scripted_session(chunks[i]);

        g_assert_cmpmem(t->data, t->len, whole->data, whole->len);
        g_byte_array_free(t, TRUE);
    }
    g_byte_array_free(whole, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iscsi-target/read/collapse", test_read_collapse);
    g_test_add_func("/iscsi-target/read/split", test_read_split);
    g_test_add_func("/iscsi-target/read/check-condition",
                    test_read_check_condition);
    g_test_add_func("/iscsi-target/residuals", test_residuals);
    g_test_add_func("/iscsi-target/write/immediate", test_write_immediate);
    g_test_add_func("/iscsi-target/write/unsolicited",
                    test_write_unsolicited);
    g_test_add_func("/iscsi-target/write/r2t", test_write_r2t);
    g_test_add_func("/iscsi-target/write/errors", test_write_errors);
    g_test_add_func("/iscsi-target/command-rejects", test_command_rejects);
    g_test_add_func("/iscsi-target/target-failure", test_target_failure);
    g_test_add_func("/iscsi-target/absent-lun", test_absent_lun);
    g_test_add_func("/iscsi-target/cmdsn-window", test_cmdsn_window);
    g_test_add_func("/iscsi-target/immediate-bound", test_immediate_bound);
    g_test_add_func("/iscsi-target/nop", test_nop);
    g_test_add_func("/iscsi-target/nop-in-ping", test_nop_in_ping);
    g_test_add_func("/iscsi-target/abort-task", test_abort_task);
    g_test_add_func("/iscsi-target/resets", test_resets);
    g_test_add_func("/iscsi-target/foreach-nexus", test_foreach_nexus);
    g_test_add_func("/iscsi-target/logout", test_logout);
    g_test_add_func("/iscsi-target/conn-free-with-tasks",
                    test_conn_free_with_tasks);
    g_test_add_func("/iscsi-target/reinstatement-aborts",
                    test_reinstatement_aborts);
    g_test_add_func("/iscsi-target/snack-and-text", test_snack_and_text);
    g_test_add_func("/iscsi-target/malformed", test_malformed);
    g_test_add_func("/iscsi-target/digests", test_digests);
    g_test_add_func("/iscsi-target/chunking", test_chunking);
    g_test_add_func("/iscsi-target/nexus-lost", test_nexus_lost);
    return g_test_run();
}
