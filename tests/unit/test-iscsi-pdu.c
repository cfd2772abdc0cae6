/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the iSCSI BHS codec (RFC 7143 section 11): headers are
 * written byte by byte from the RFC's figures, not with the encoder.
 */
#include <glib.h>
#include <string.h>

#include "iscsi-pdu.h"
#include "scsi-proto.h"

static void test_decode_scsi_cmd(void)
{
    uint8_t bhs[48] = {
        0x41, 0xc1, 0, 0, 0, 0x00, 0x02, 0x00,          /* I, F R, simple */
        0x00, 0x03, 0, 0, 0, 0, 0, 0,                   /* LUN 3 */
        0xde, 0xad, 0xbe, 0xef,                         /* ITT */
        0x00, 0x01, 0x00, 0x00,                         /* EDTL 65536 */
        0x00, 0x00, 0x10, 0x01,                         /* CmdSN */
        0x00, 0x00, 0x00, 0x07,                         /* ExpStatSN */
        0x28, 0, 0, 0, 0, 8, 0, 0, 0x80, 0,             /* READ(10) */
    };
    SraidIscsiPdu p;
    uint64_t lun;

    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_cmphex(p.opcode, ==, SRAID_ISCSI_OP_SCSI_CMD);
    g_assert_true(p.immediate);
    g_assert_true(p.final);
    g_assert_true(p.read);
    g_assert_false(p.write);
    g_assert_cmpuint(p.attr, ==, 1);
    g_assert_cmpuint(p.total_ahs_len, ==, 0);
    g_assert_cmpuint(p.data_len, ==, 512);
    g_assert_true(sraid_iscsi_lun_decode(p.lun, &lun));
    g_assert_cmpuint(lun, ==, 3);
    g_assert_cmphex(p.itt, ==, 0xdeadbeef);
    g_assert_cmpuint(p.edtl, ==, 65536);
    g_assert_cmphex(p.cmdsn, ==, 0x1001);
    g_assert_cmphex(p.exp_statsn, ==, 7);
    g_assert_cmpmem(p.cdb, 16, bhs + 32, 16);

    bhs[1] = 0x22;                                      /* W, ordered */
    bhs[4] = 1;                                         /* an AHS */
    bhs[5] = 0x12;
    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_false(p.final);
    g_assert_false(p.read);
    g_assert_true(p.write);
    g_assert_cmpuint(p.attr, ==, 2);
    g_assert_cmpuint(p.total_ahs_len, ==, 1);
    g_assert_cmphex(p.data_len, ==, 0x120200);
}

static void test_decode_login(void)
{
    uint8_t bhs[48] = {
        0x43, 0xc7, 0x00, 0x00, 0, 0, 0x01, 0x00,       /* T C CSG=1 NSG=3 */
        0x80, 0x12, 0x34, 0x56, 0x78, 0x9a, 0x00, 0x05, /* ISID, TSIH 5 */
        0, 0, 0, 0x11,                                  /* ITT */
        0x00, 0x02, 0, 0,                               /* CID 2 */
        0xff, 0xff, 0xff, 0xfe,                         /* CmdSN */
        0, 0, 0, 9,                                     /* ExpStatSN */
    };
    const uint8_t isid[6] = { 0x80, 0x12, 0x34, 0x56, 0x78, 0x9a };
    SraidIscsiPdu p;

    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_cmphex(p.opcode, ==, SRAID_ISCSI_OP_LOGIN_REQ);
    g_assert_true(p.immediate);
    g_assert_true(p.final);
    g_assert_true(p.login_cont);
    g_assert_cmpuint(p.csg, ==, 1);
    g_assert_cmpuint(p.nsg, ==, 3);
    g_assert_cmpmem(p.isid, 6, isid, 6);
    g_assert_cmpuint(p.tsih, ==, 5);
    g_assert_cmpuint(p.cid, ==, 2);
    g_assert_cmphex(p.itt, ==, 0x11);
    g_assert_cmphex(p.cmdsn, ==, 0xfffffffe);
    g_assert_cmpuint(p.exp_statsn, ==, 9);
    g_assert_cmpuint(p.data_len, ==, 256);

    bhs[2] = 3;
    bhs[3] = 1;
    bhs[1] = 0x01;
    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_false(p.final);
    g_assert_false(p.login_cont);
    g_assert_cmpuint(p.csg, ==, 0);
    g_assert_cmpuint(p.nsg, ==, 1);
    g_assert_cmpuint(p.version_max, ==, 3);
    g_assert_cmpuint(p.version_min, ==, 1);
}

static void test_decode_others(void)
{
    uint8_t bhs[48] = { 0 };
    SraidIscsiPdu p;

    /* Data-Out (11.7) */
    bhs[0] = 0x05;
    bhs[1] = 0x80;
    sraid_put_be32(bhs + 16, 0x21);
    sraid_put_be32(bhs + 20, 0x99);
    sraid_put_be32(bhs + 28, 0x44);
    sraid_put_be32(bhs + 36, 3);
    sraid_put_be32(bhs + 40, 0x30000);
    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_cmphex(p.opcode, ==, SRAID_ISCSI_OP_DATA_OUT);
    g_assert_false(p.immediate);
    g_assert_true(p.final);
    g_assert_cmphex(p.itt, ==, 0x21);
    g_assert_cmphex(p.ttt, ==, 0x99);
    g_assert_cmphex(p.exp_statsn, ==, 0x44);
    g_assert_cmpuint(p.data_sn, ==, 3);
    g_assert_cmphex(p.buffer_offset, ==, 0x30000);
    g_assert_cmpuint(p.cmdsn, ==, 0);

    /* Task Management (11.5) */
    memset(bhs, 0, sizeof(bhs));
    bhs[0] = 0x42;
    bhs[1] = 0x85;
    sraid_put_be32(bhs + 20, 0x77);
    sraid_put_be32(bhs + 24, 10);
    sraid_put_be32(bhs + 32, 8);
    sraid_put_be32(bhs + 36, 2);
    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_cmpuint(p.function, ==, SRAID_ISCSI_TMF_LUN_RESET);
    g_assert_cmphex(p.ref_task_tag, ==, 0x77);
    g_assert_cmpuint(p.cmdsn, ==, 10);
    g_assert_cmpuint(p.ref_cmdsn, ==, 8);
    g_assert_cmpuint(p.exp_data_sn, ==, 2);

    /* Logout (11.14) */
    memset(bhs, 0, sizeof(bhs));
    bhs[0] = 0x46;
    bhs[1] = 0x81;
    sraid_put_be16(bhs + 20, 7);
    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_cmpuint(p.reason, ==, SRAID_ISCSI_LOGOUT_CLOSE_CONN);
    g_assert_cmpuint(p.cid, ==, 7);

    /* NOP-Out (11.18) */
    memset(bhs, 0, sizeof(bhs));
    bhs[0] = 0x40;
    bhs[1] = 0x80;
    sraid_put_be32(bhs + 16, 0xffffffff);
    sraid_put_be32(bhs + 20, 0x1234);
    sraid_put_be32(bhs + 24, 55);
    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_cmphex(p.opcode, ==, SRAID_ISCSI_OP_NOP_OUT);
    g_assert_cmphex(p.itt, ==, SRAID_ISCSI_RSVD_TAG);
    g_assert_cmphex(p.ttt, ==, 0x1234);
    g_assert_cmpuint(p.cmdsn, ==, 55);

    /* An opcode the codec does not know keeps only the common fields */
    memset(bhs, 0xff, sizeof(bhs));
    bhs[0] = 0x1c;
    bhs[4] = 0;
    sraid_iscsi_pdu_decode(bhs, &p);
    g_assert_cmphex(p.opcode, ==, 0x1c);
    g_assert_cmphex(p.data_len, ==, 0xffffff);
    g_assert_cmpuint(p.cmdsn, ==, 0);
}

static const SraidIscsiSn sn = { 0x01020304, 0x11121314, 0x21222324 };

static void assert_sn(const uint8_t *bhs)
{
    g_assert_cmphex(sraid_get_be32(bhs + 24), ==, sn.statsn);
    g_assert_cmphex(sraid_get_be32(bhs + 28), ==, sn.exp_cmdsn);
    g_assert_cmphex(sraid_get_be32(bhs + 32), ==, sn.max_cmdsn);
}

static void test_encode_scsi_rsp(void)
{
    uint8_t bhs[48];
    const uint8_t expect[48] = {
        0x21, 0x82, 0x00, 0x02, 0, 0, 0, 20,
        0, 0, 0, 0, 0, 0, 0, 0,
        0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0,
        0x01, 0x02, 0x03, 0x04, 0x11, 0x12, 0x13, 0x14,
        0x21, 0x22, 0x23, 0x24, 0, 0, 0, 3,
        0, 0, 0, 0, 0, 0, 0x10, 0x00,
    };

    memset(bhs, 0x5a, sizeof(bhs));
    sraid_iscsi_encode_scsi_rsp(bhs, SRAID_ISCSI_RSP_UNDERFLOW, 0, 2,
                                0xaabbccdd, &sn, 3, 4096, 20);
    g_assert_cmpmem(bhs, 48, expect, 48);
}

static void test_encode_data_in(void)
{
    const uint8_t lun[8] = { 0, 1 };
    uint8_t bhs[48];

    /* with status (S bit, 11.7.3) */
    sraid_iscsi_encode_data_in(bhs, 0x80 | SRAID_ISCSI_DATA_STATUS |
                               SRAID_ISCSI_RSP_OVERFLOW, 0x00, lun, 7, &sn,
                               2, 0x40000, 512, 0x1000);
    g_assert_cmphex(bhs[0], ==, 0x25);
    g_assert_cmphex(bhs[1], ==, 0x85);
    g_assert_cmphex(bhs[3], ==, 0);
    g_assert_cmphex(bhs[7], ==, 0x00);
    g_assert_cmphex(bhs[6], ==, 0x10);
    g_assert_cmpmem(bhs + 8, 8, lun, 8);
    g_assert_cmphex(sraid_get_be32(bhs + 16), ==, 7);
    g_assert_cmphex(sraid_get_be32(bhs + 20), ==, 0xffffffff);
    assert_sn(bhs);
    g_assert_cmpuint(sraid_get_be32(bhs + 36), ==, 2);
    g_assert_cmphex(sraid_get_be32(bhs + 40), ==, 0x40000);
    g_assert_cmpuint(sraid_get_be32(bhs + 44), ==, 512);

    /* without: StatSN, status and residual are reserved */
    sraid_iscsi_encode_data_in(bhs, 0x80, 0x02, lun, 7, &sn, 0, 0, 512, 8);
    g_assert_cmphex(bhs[1], ==, 0x80);
    g_assert_cmphex(bhs[3], ==, 0);
    g_assert_cmphex(sraid_get_be32(bhs + 24), ==, 0);
    g_assert_cmphex(sraid_get_be32(bhs + 28), ==, sn.exp_cmdsn);
    g_assert_cmpuint(sraid_get_be32(bhs + 44), ==, 0);
}

static void test_encode_r2t_nop_tmf_logout_reject(void)
{
    const uint8_t lun[8] = { 0x40, 0x01 };
    uint8_t bhs[48];

    sraid_iscsi_encode_r2t(bhs, lun, 9, 0x55, &sn, 4, 0x20000, 0x10000);
    g_assert_cmphex(bhs[0], ==, 0x31);
    g_assert_cmphex(bhs[1], ==, 0x80);
    g_assert_cmpuint(bhs[5] | bhs[6] | bhs[7], ==, 0);
    g_assert_cmpmem(bhs + 8, 8, lun, 8);
    g_assert_cmphex(sraid_get_be32(bhs + 16), ==, 9);
    g_assert_cmphex(sraid_get_be32(bhs + 20), ==, 0x55);
    assert_sn(bhs);
    g_assert_cmpuint(sraid_get_be32(bhs + 36), ==, 4);
    g_assert_cmphex(sraid_get_be32(bhs + 40), ==, 0x20000);
    g_assert_cmphex(sraid_get_be32(bhs + 44), ==, 0x10000);

    sraid_iscsi_encode_nop_in(bhs, lun, 0xffffffff, 0x66, &sn, 0);
    g_assert_cmphex(bhs[0], ==, 0x20);
    g_assert_cmphex(bhs[1], ==, 0x80);
    g_assert_cmphex(sraid_get_be32(bhs + 16), ==, 0xffffffff);
    g_assert_cmphex(sraid_get_be32(bhs + 20), ==, 0x66);
    assert_sn(bhs);

    sraid_iscsi_encode_tmf_rsp(bhs, SRAID_ISCSI_TMF_RSP_NO_TASK, 0x31, &sn);
    g_assert_cmphex(bhs[0], ==, 0x22);
    g_assert_cmphex(bhs[1], ==, 0x80);
    g_assert_cmphex(bhs[2], ==, 1);
    g_assert_cmphex(sraid_get_be32(bhs + 16), ==, 0x31);
    assert_sn(bhs);

    sraid_iscsi_encode_logout_rsp(bhs, 2, 0x41, &sn, 3, 20);
    g_assert_cmphex(bhs[0], ==, 0x26);
    g_assert_cmphex(bhs[1], ==, 0x80);
    g_assert_cmphex(bhs[2], ==, 2);
    assert_sn(bhs);
    g_assert_cmpuint(sraid_get_be16(bhs + 40), ==, 3);
    g_assert_cmpuint(sraid_get_be16(bhs + 42), ==, 20);

    sraid_iscsi_encode_reject(bhs, SRAID_ISCSI_REJECT_PROTOCOL, &sn);
    g_assert_cmphex(bhs[0], ==, 0x3f);
    g_assert_cmphex(bhs[1], ==, 0x80);
    g_assert_cmphex(bhs[2], ==, 4);
    g_assert_cmpuint(bhs[7], ==, 48);                   /* the header */
    g_assert_cmphex(sraid_get_be32(bhs + 16), ==, 0xffffffff);
    assert_sn(bhs);
}

static void test_encode_login_text(void)
{
    const uint8_t isid[6] = { 1, 2, 3, 4, 5, 6 };
    uint8_t bhs[48];

    sraid_iscsi_encode_login_rsp(bhs, 0x87, isid, 0x1234, 0x77, &sn, 0x0201,
                                 300);
    g_assert_cmphex(bhs[0], ==, 0x23);
    g_assert_cmphex(bhs[1], ==, 0x87);
    g_assert_cmphex(bhs[2], ==, 0);
    g_assert_cmphex(bhs[3], ==, 0);
    g_assert_cmpuint(bhs[6] << 8 | bhs[7], ==, 300);
    g_assert_cmpmem(bhs + 8, 6, isid, 6);
    g_assert_cmphex(sraid_get_be16(bhs + 14), ==, 0x1234);
    g_assert_cmphex(sraid_get_be32(bhs + 16), ==, 0x77);
    assert_sn(bhs);
    g_assert_cmphex(bhs[36], ==, 2);
    g_assert_cmphex(bhs[37], ==, 1);

    sraid_iscsi_encode_text_rsp(bhs, 0x80, 0x88, 0xffffffff, &sn, 10);
    g_assert_cmphex(bhs[0], ==, 0x24);
    g_assert_cmphex(bhs[1], ==, 0x80);
    g_assert_cmphex(sraid_get_be32(bhs + 16), ==, 0x88);
    g_assert_cmphex(sraid_get_be32(bhs + 20), ==, 0xffffffff);
    assert_sn(bhs);
}

static void test_lun(void)
{
    const uint8_t periph5[8] = { 0x00, 0x05 };
    const uint8_t flat256[8] = { 0x41, 0x00 };
    const uint8_t flat_max[8] = { 0x7f, 0xff };
    const uint8_t flat3[8] = { 0x40, 0x03 };
    const uint8_t bus1[8] = { 0x01, 0x00 };
    const uint8_t extended[8] = { 0xc0, 0x01 };
    const uint8_t logical[8] = { 0x80, 0x01 };
    const uint8_t level2[8] = { 0x00, 0x01, 0x00, 0x02 };
    uint8_t raw[8];
    uint64_t lun;

    g_assert_true(sraid_iscsi_lun_decode(periph5, &lun));
    g_assert_cmpuint(lun, ==, 5);
    g_assert_true(sraid_iscsi_lun_decode(flat256, &lun));
    g_assert_cmpuint(lun, ==, 256);
    g_assert_true(sraid_iscsi_lun_decode(flat_max, &lun));
    g_assert_cmpuint(lun, ==, 16383);
    g_assert_true(sraid_iscsi_lun_decode(flat3, &lun));
    g_assert_cmpuint(lun, ==, 3);
    g_assert_false(sraid_iscsi_lun_decode(bus1, &lun));
    g_assert_false(sraid_iscsi_lun_decode(extended, &lun));
    g_assert_false(sraid_iscsi_lun_decode(logical, &lun));
    g_assert_false(sraid_iscsi_lun_decode(level2, &lun));

    sraid_iscsi_lun_encode(5, raw);
    g_assert_cmpmem(raw, 8, periph5, 8);
    sraid_iscsi_lun_encode(256, raw);
    g_assert_cmpmem(raw, 8, flat256, 8);
    sraid_iscsi_lun_encode(16383, raw);
    g_assert_cmpmem(raw, 8, flat_max, 8);
    for (lun = 0; lun < 16384; lun += 97) {
        uint64_t back;

        sraid_iscsi_lun_encode(lun, raw);
        g_assert_true(sraid_iscsi_lun_decode(raw, &back));
        g_assert_cmpuint(back, ==, lun);
    }
}

/* RFC 3720 appendix B.4 test vectors, as the digest bytes on the wire */
static void test_digest(void)
{
    uint8_t buf[32], wire[4];
    const uint8_t zeros[4] = { 0xaa, 0x36, 0x91, 0x8a };
    const uint8_t ones[4] = { 0x43, 0xab, 0xa8, 0x62 };
    const uint8_t incr[4] = { 0x4e, 0x79, 0xdd, 0x46 };
    const uint8_t decr[4] = { 0x5c, 0xdb, 0x3f, 0x11 };

    /* the CRC-32C check value */
    g_assert_cmphex(sraid_iscsi_digest("123456789", 9), ==, 0xe3069283);

    memset(buf, 0, sizeof(buf));
    sraid_iscsi_put_digest(wire, sraid_iscsi_digest(buf, 32));
    g_assert_cmpmem(wire, 4, zeros, 4);
    memset(buf, 0xff, sizeof(buf));
    sraid_iscsi_put_digest(wire, sraid_iscsi_digest(buf, 32));
    g_assert_cmpmem(wire, 4, ones, 4);
    for (int i = 0; i < 32; i++) {
        buf[i] = i;
    }
    sraid_iscsi_put_digest(wire, sraid_iscsi_digest(buf, 32));
    g_assert_cmpmem(wire, 4, incr, 4);
    for (int i = 0; i < 32; i++) {
        buf[i] = 31 - i;
    }
    sraid_iscsi_put_digest(wire, sraid_iscsi_digest(buf, 32));
    g_assert_cmpmem(wire, 4, decr, 4);
    g_assert_cmphex(sraid_iscsi_get_digest(decr), ==,
                    sraid_iscsi_digest(buf, 32));
}

static void test_serial_and_pad(void)
{
    g_assert_true(sraid_iscsi_sn_lt(0xffffffff, 0));
    g_assert_true(sraid_iscsi_sn_lt(5, 6));
    g_assert_false(sraid_iscsi_sn_lt(6, 6));
    g_assert_false(sraid_iscsi_sn_lt(6, 5));
    g_assert_true(sraid_iscsi_sn_lt(0, 0x7fffffff));
    g_assert_false(sraid_iscsi_sn_lt(0, 0x80000000));
    g_assert_true(sraid_iscsi_sn_gt(0, 0xfffffff0));
    g_assert_cmpuint(sraid_iscsi_pad(0), ==, 0);
    g_assert_cmpuint(sraid_iscsi_pad(1), ==, 3);
    g_assert_cmpuint(sraid_iscsi_pad(4), ==, 0);
    g_assert_cmpuint(sraid_iscsi_pad(7), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iscsi-pdu/decode/scsi-cmd", test_decode_scsi_cmd);
    g_test_add_func("/iscsi-pdu/decode/login", test_decode_login);
    g_test_add_func("/iscsi-pdu/decode/others", test_decode_others);
    g_test_add_func("/iscsi-pdu/encode/scsi-rsp", test_encode_scsi_rsp);
    g_test_add_func("/iscsi-pdu/encode/data-in", test_encode_data_in);
    g_test_add_func("/iscsi-pdu/encode/r2t-nop-tmf-logout-reject",
                    test_encode_r2t_nop_tmf_logout_reject);
    g_test_add_func("/iscsi-pdu/encode/login-text", test_encode_login_text);
    g_test_add_func("/iscsi-pdu/lun", test_lun);
    g_test_add_func("/iscsi-pdu/digest", test_digest);
    g_test_add_func("/iscsi-pdu/serial-and-pad", test_serial_and_pad);
    return g_test_run();
}
