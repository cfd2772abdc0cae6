/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the controller logical unit (peripheral type 0Ch).
 */
#include <glib.h>
#include <string.h>

#include "ctrl-lun.h"
#include "opcode-report.h"

#define SERIAL "SRAIDCTRL-N07"
#define NAA    0x3535241494443007ULL

static SraidCtrlLun lun;

static void setup(void)
{
    SraidLunIdentity id;

    g_assert_true(sraid_lun_identity_set(&id, SRAID_TYPE_STORAGE_ARRAY,
                                         "SRAID", "CLUSTER RAID", "0001",
                                         SERIAL, NAA, NULL));
    sraid_ctrl_lun_init(&lun, &id);
}

static void exec(const uint8_t *cdb, size_t len, uint8_t *buf,
                 SraidScsiResult *res)
{
    memset(buf, 0xee, SRAID_CTRL_LUN_MAX_DATA_IN);
    sraid_ctrl_lun_execute(&lun, cdb, len, buf, SRAID_CTRL_LUN_MAX_DATA_IN,
                           res);
}

static void assert_check(const SraidScsiResult *res, uint8_t key,
                         uint8_t asc)
{
    g_assert_cmpuint(res->status, ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmpuint(res->sense_len, ==, SRAID_SENSE_FIXED_LEN);
    g_assert_cmphex(res->sense[2], ==, key);
    g_assert_cmphex(res->sense[12], ==, asc);
    g_assert_cmpuint(res->data_len, ==, 0);
}

static void test_standard_inquiry(void)
{
    const uint8_t cdb[6] = { 0x12, 0, 0, 0, 0xff, 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    exec(cdb, sizeof(cdb), buf, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(res.data_len, ==, 74);
    g_assert_cmphex(buf[0], ==, 0x0c);
    g_assert_cmphex(buf[2], ==, 0x06);
    g_assert_cmphex(buf[3], ==, 0x12);
    g_assert_cmpuint(buf[4], ==, 69);
    g_assert_cmpmem(buf + 8, 8, "SRAID   ", 8);
    g_assert_cmpmem(buf + 16, 16, "CLUSTER RAID    ", 16);
    g_assert_cmpmem(buf + 32, 4, "0001", 4);
    g_assert_cmpuint(buf[36], ==, 0);
    g_assert_cmphex(buf[58], ==, 0x00);         /* SAM-5 */
    g_assert_cmphex(buf[59], ==, 0xa0);
    g_assert_cmphex(buf[74], ==, 0xee);         /* nothing past the data */
}

/* Seed 003 Table 20: byte 36 flags a booting controller. */
static void test_booting_flag(void)
{
    const uint8_t cdb[6] = { 0x12, 0, 0, 0, 0xff, 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    lun.booting = true;
    exec(cdb, sizeof(cdb), buf, &res);
    g_assert_cmpuint(buf[36], ==, 1);
}

static void test_vpd(void)
{
    uint8_t cdb[6] = { 0x12, 1, 0x00, 0, 0xff, 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    exec(cdb, sizeof(cdb), buf, &res);
    g_assert_cmpuint(res.data_len, ==, 7);
    g_assert_cmpmem(buf, 7, "\x0c\x00\x00\x03\x00\x80\x83", 7);

    cdb[2] = 0x80;
    exec(cdb, sizeof(cdb), buf, &res);
    g_assert_cmpuint(res.data_len, ==, 4 + strlen(SERIAL));
    g_assert_cmpuint(buf[1], ==, 0x80);
    g_assert_cmpmem(buf + 4, strlen(SERIAL), SERIAL, strlen(SERIAL));

    cdb[2] = 0x83;
    exec(cdb, sizeof(cdb), buf, &res);
    g_assert_cmpuint(buf[1], ==, 0x83);
    g_assert_cmpuint(res.data_len, ==, 4 + ((buf[2] << 8) | buf[3]));
    /* first designator: binary NAA, LU association, 8 bytes */
    g_assert_cmpmem(buf + 4, 4, "\x01\x03\x00\x08", 4);
    g_assert_cmphex(sraid_get_be64(buf + 8), ==, NAA);
    /* second: ASCII T10 vendor id + serial */
    g_assert_cmpmem(buf + 16, 2, "\x02\x01", 2);
    g_assert_cmpuint(buf[19], ==, 8 + strlen(SERIAL));
    g_assert_cmpmem(buf + 20, 8, "SRAID   ", 8);
    g_assert_cmpmem(buf + 28, strlen(SERIAL), SERIAL, strlen(SERIAL));
}

static void test_allocation_length(void)
{
    uint8_t cdb[6] = { 0x12, 1, 0x83, 0, 0, 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    for (unsigned alloc = 0; alloc < 300; alloc++) {
        sraid_put_be16(cdb + 3, alloc);
        exec(cdb, sizeof(cdb), buf, &res);
        g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
        g_assert_cmpuint(res.data_len, ==, MIN(alloc, 4 + 12 + 4 + 8 +
                                                      strlen(SERIAL)));
        g_assert_cmphex(buf[res.data_len], ==, 0xee);
    }
}

static void test_errors(void)
{
    const uint8_t page_no_evpd[6] = { 0x12, 0, 0x80, 0, 0xff, 0 };
    const uint8_t cmddt[6] = { 0x12, 2, 0, 0, 0xff, 0 };
    const uint8_t bad_page[6] = { 0x12, 1, 0xb0, 0, 0xff, 0 };
    const uint8_t read10[10] = { 0x28 };
    const uint8_t sense_desc[6] = { 0x03, 1, 0, 0, 0xff, 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    exec(page_no_evpd, sizeof(page_no_evpd), buf, &res);
    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x24);
    exec(cmddt, sizeof(cmddt), buf, &res);
    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x24);
    exec(bad_page, sizeof(bad_page), buf, &res);
    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x24);
    exec(read10, sizeof(read10), buf, &res);
    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x20);
    exec(sense_desc, sizeof(sense_desc), buf, &res);
    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x24);
}

static void test_tur_and_request_sense(void)
{
    const uint8_t tur[6] = { 0 };
    const uint8_t rs[6] = { 0x03, 0, 0, 0, 252, 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    exec(tur, sizeof(tur), buf, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(res.data_len, ==, 0);
    exec(rs, sizeof(rs), buf, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(res.data_len, ==, 18);
    g_assert_cmphex(buf[0], ==, 0x70);
    g_assert_cmphex(buf[2], ==, 0x00);
}

/*
 * REPORT SUPPORTED OPERATION CODES lists exactly what the unit executes:
 * every listed opcode is accepted, every other one is refused as unknown.
 * REPORT LUNS is the exception: the SCSI target answers it for the unit
 * (QEMU's bus on the guest path).
 */
static void test_report_opcodes_matches_execution(void)
{
    uint8_t rsoc[12] = { 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    bool listed[256] = { false };
    bool dcmd_listed[256] = { false };
    SraidScsiResult res;
    size_t n;

    setup();
    exec(rsoc, sizeof(rsoc), buf, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    n = sraid_get_be32(buf) / 8;
    g_assert_cmpuint(res.data_len, ==, 4 + 8 * n);
    for (size_t i = 0; i < n; i++) {
        listed[buf[4 + 8 * i]] = true;
        if (buf[4 + 8 * i] == SRAID_OP_VENDOR_20) {
            g_assert_cmphex(buf[4 + 8 * i + 5] & 0x01, ==, 0x01);
            dcmd_listed[sraid_get_be16(buf + 4 + 8 * i + 2)] = true;
        }
    }
    for (unsigned op = 0; op < 256; op++) {
        uint8_t cdb[16] = { op };

        if (op == 0xa0) {
            g_assert_true(listed[op]);
            continue;
        }
        if (op == SRAID_OP_VENDOR_20) {
            /*
             * Every listed DCMD is known: the host is refused access to
             * the node-to-node commands, not told the DCMD is invalid.
             */
            g_assert_true(listed[op]);
            for (unsigned dcmd = 0; dcmd < 256; dcmd++) {
                uint8_t vcdb[10] = { 0x20, 0, dcmd };

                exec(vcdb, sizeof(vcdb), buf, &res);
                if (dcmd_listed[dcmd] && sraid_vendor_dcmd_host_only(dcmd)) {
                    /* guest management, off until the owner allows it */
                    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80);
                    g_assert_cmphex(res.sense[13], ==, 0x09);
                } else if (dcmd_listed[dcmd]) {
                    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x20);
                    g_assert_cmphex(res.sense[13], ==, 0x02);
                } else {
                    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x24);
                    g_assert_cmphex(res.sense[15], ==, 0xc0);   /* SKSV, C/D */
                    g_assert_cmpuint(sraid_get_be16(res.sense + 16), ==, 2);
                }
            }
            continue;
        }
        if (op == 0xa3) {
            cdb[1] = 0x0c;
            cdb[9] = 0xff;
        }
        exec(cdb, sizeof(cdb), buf, &res);
        if (listed[op]) {
            g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
        } else {
            assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x20);
        }
    }
    /* another MAINTENANCE IN service action: REPORT TARGET PORT GROUPS */
    rsoc[1] = 0x0a;
    exec(rsoc, sizeof(rsoc), buf, &res);
    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x24);
}

/*
 * Random CDBs: whatever arrives, the result is well formed and no byte past
 * the allocation length is written.
 */
static void test_random_cdbs(void)
{
    GRand *rand = g_rand_new_with_seed(0x5a1d);
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    for (unsigned i = 0; i < 200000; i++) {
        uint8_t cdb[16];
        size_t len = g_rand_int_range(rand, 0, 17);
        static const uint8_t ops[] = { 0x00, 0x03, 0x12, 0x20, 0xa0, 0xa3 };

        for (size_t j = 0; j < sizeof(cdb); j++) {
            cdb[j] = g_rand_int(rand);
        }
        if (g_rand_boolean(rand)) {
            cdb[0] = ops[g_rand_int_range(rand, 0, sizeof(ops))];
        }
        exec(cdb, len, buf, &res);
        if (res.status == SRAID_STATUS_GOOD) {
            g_assert_cmpuint(res.sense_len, ==, 0);
            g_assert_cmpuint(res.data_len, <=, SRAID_CTRL_LUN_MAX_DATA_IN);
            if (cdb[0] == 0x12) {
                g_assert_cmpuint(res.data_len, <=, sraid_get_be16(cdb + 3));
            }
        } else {
            g_assert_cmpuint(res.status, ==, SRAID_STATUS_CHECK_CONDITION);
            g_assert_cmpuint(res.data_len, ==, 0);
            g_assert_cmphex(res.sense[0], ==, 0x70);
        }
    }
    g_rand_free(rand);
}

/*
 * TEST UNIT READY is a peer's Heartbeat() (seed 003 Table 17): GOOD while
 * this controller's status is good, CHECK CONDITION once it is suspended
 * (fig. 11C steps 1193-1196).
 */
static void test_heartbeat(void)
{
    const uint8_t tur[6] = { 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    exec(tur, sizeof(tur), buf, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    sraid_vendor_node_suspend(&lun.node);
    exec(tur, sizeof(tur), buf, &res);
    assert_check(&res, SRAID_SENSE_NOT_READY, 0x04);
    g_assert_cmphex(res.sense[13], ==, 0x03);  /* manual intervention */
    sraid_vendor_node_resume(&lun.node);
    exec(tur, sizeof(tur), buf, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
}

/* A peer reaches the vendor commands through the same unit. */
static void test_peer_vendor_commands(void)
{
    const SraidVendorNexus peer = { SRAID_VENDOR_FROM_PEER, 6, 1, 0 };
    uint8_t cc[10] = { 0x20, 0, 0x01, 0, 0, 0, 0, 8, 0, 0 };
    /* Node_Write, then Node_Read, of 4 bytes of diagnostics scratch */
    uint8_t wr[10] = { 0x20, 0, 0x03, 0x10, 0x00, 0x01, 0x00, 4, 0, 0 };
    uint8_t rd[10] = { 0x20, 0, 0x02, 0x10, 0x00, 0x01, 0x00, 4, 0, 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    setup();
    sraid_ctrl_lun_attach_node(&lun, 7, NULL, NULL);
    sraid_ctrl_lun_execute_nexus(&lun, &peer, cc, sizeof(cc), NULL, 0, buf,
                                 sizeof(buf), &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(res.data_len, ==, 8);
    g_assert_cmpmem(buf, 2, "\x01\x07", 2);
    sraid_ctrl_lun_execute_nexus(&lun, &peer, wr, sizeof(wr),
                                 (const uint8_t *)"ping", 4, buf,
                                 sizeof(buf), &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    sraid_ctrl_lun_execute_nexus(&lun, &peer, rd, sizeof(rd), NULL, 0, buf,
                                 sizeof(buf), &res);
    g_assert_cmpuint(res.data_len, ==, 4);
    g_assert_cmpmem(buf, 4, "ping", 4);
    /* the host is not a peer */
    exec(rd, sizeof(rd), buf, &res);
    assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x20);
    g_assert_cmphex(res.sense[13], ==, 0x02);
}

/* REPORT SUPPORTED OPERATION CODES for one DCMD: its CDB usage data */
static void test_report_vendor_opcode(void)
{
    /* reporting option 010b: opcode 20h, service action (DCMD) 02h */
    const uint8_t rsoc[12] = { 0xa3, 0x0c, 0x02, 0x20, 0, 0x02,
                               0, 0, 0x01, 0, 0, 0 };
    const uint8_t usage[10] = { 0x20, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0x00 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;

    g_assert_cmpuint(sraid_report_opcodes_max_len(&sraid_ctrl_lun_opcodes),
                     <=, SRAID_CTRL_LUN_MAX_DATA_IN);
    setup();
    exec(rsoc, sizeof(rsoc), buf, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(res.data_len, ==, 14);
    g_assert_cmphex(buf[1], ==, 0x03);              /* supported */
    g_assert_cmpuint(sraid_get_be16(buf + 2), ==, 10);
    g_assert_cmpmem(buf + 4, 10, usage, 10);
}

static void mgmt_ctrl_info(void *opaque, SraidMgmtCtrlInfo *c)
{
    c->node_id = 7;
}

static void mgmt_pd(void *opaque, SraidMgmtPdList *l)
{
}

static void mgmt_ld(void *opaque, SraidMgmtLdList *l)
{
}

static void mgmt_bg(void *opaque, SraidMgmtBg *o)
{
}

static void mgmt_write(void *opaque, const SraidMgmtWrite *w,
                       SraidMgmtAnswer *a)
{
    g_assert_not_reached();     /* read only */
}

static const SraidMgmtOps mgmt_ops = {
    .ctrl_info = mgmt_ctrl_info,
    .pd_list = mgmt_pd,
    .ld_list = mgmt_ld,
    .bg_info = mgmt_bg,
    .write = mgmt_write,
};

/*
 * The guest management DCMDs the unit lists are the ones it executes for
 * the host: with guest-management read, every listed read answers its
 * view and every listed write "not permitted"; their usage data has
 * bytes 3-6 reserved and the length in 7-8.
 */
static void test_mgmt_through_unit(void)
{
    uint8_t rsoc[12] = { 0xa3, 0x0c, 0x02, 0x20, 0, 0, 0, 0, 0x01, 0, 0, 0 };
    const uint8_t usage[10] = { 0x20, 0xe0, 0xff, 0, 0, 0, 0, 0xff, 0xff,
                                0x00 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN];
    SraidScsiResult res;
    unsigned listed = 0;

    setup();
    sraid_mgmt_init(&lun.node.mgmt, SRAID_MGMT_PERM_READ, &mgmt_ops, NULL);
    for (unsigned dcmd = SRAID_DCMD_MGMT_FIRST; dcmd <= SRAID_DCMD_MGMT_LAST;
         dcmd++) {
        uint8_t cdb[10] = { 0x20, 0, dcmd, 0, 0, 0, 0, 0x00, 0x01, 0 };
        uint8_t out[256] = { 0 };

        rsoc[5] = dcmd;
        exec(rsoc, sizeof(rsoc), buf, &res);
        g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
        if (buf[1] != 0x03) {
            /* not supported: refused as an unknown DCMD */
            g_assert_cmphex(buf[1], ==, 0x01);
            exec(cdb, sizeof(cdb), buf, &res);
            assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x24);
            continue;
        }
        listed++;
        g_assert_cmpmem(buf + 4, 10, usage, 10);
        g_assert_true(sraid_vendor_dcmd_host_only(dcmd));
        sraid_ctrl_lun_execute_nexus(&lun, &(SraidVendorNexus) { 0 }, cdb,
                                     sizeof(cdb), out, sizeof(out), buf,
                                     sizeof(buf), &res);
        if (sraid_mgmt_dcmd_is_write(dcmd)) {
            assert_check(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80);
            g_assert_cmphex(res.sense[13], ==, 0x09);
        } else {
            g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
            g_assert_cmphex(buf[0], ==, 1);
        }
    }
    g_assert_cmpuint(listed, ==, 10);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ctrl-lun/standard-inquiry", test_standard_inquiry);
    g_test_add_func("/ctrl-lun/booting-flag", test_booting_flag);
    g_test_add_func("/ctrl-lun/vpd", test_vpd);
    g_test_add_func("/ctrl-lun/allocation-length", test_allocation_length);
    g_test_add_func("/ctrl-lun/errors", test_errors);
    g_test_add_func("/ctrl-lun/tur-and-request-sense",
                    test_tur_and_request_sense);
    g_test_add_func("/ctrl-lun/report-opcodes",
                    test_report_opcodes_matches_execution);
    g_test_add_func("/ctrl-lun/random-cdbs", test_random_cdbs);
    g_test_add_func("/ctrl-lun/heartbeat", test_heartbeat);
    g_test_add_func("/ctrl-lun/peer-vendor-commands",
                    test_peer_vendor_commands);
    g_test_add_func("/ctrl-lun/report-vendor-opcode",
                    test_report_vendor_opcode);
    g_test_add_func("/ctrl-lun/mgmt-through-unit", test_mgmt_through_unit);
    return g_test_run();
}
