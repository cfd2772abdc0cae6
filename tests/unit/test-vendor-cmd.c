/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the 20h vendor command codec (seed 003 Tables 3-16) and
 * its small payloads.
 */
#include <glib.h>
#include <string.h>

#include "scsi-proto.h"
#include "vendor-cmd.h"

static const uint8_t all_dcmds[] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
};

/* guest management (mgmt-cmd.h): from this node's host only */
static const uint8_t mgmt_dcmds[] = {
    0x80, 0x81, 0x82, 0x83, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95,
};

/* The names are the seed's, in the order of its tables. */
static void test_dcmd_table(void)
{
    static const char *const names[] = {
        "Node_Cable_Check", "Node_Read", "Node_Write", "Node_Negotiate",
        "Node_Kill", "Node_Reserve", "Node_Release",
        "Node_Inform_Rebuild_Received",
        "Node_Inform_Master_Rebuild_Received", "Node_Rebuild",
        "Node_Inform_Rebuild_Started", "Node_Inform_Status",
        "Node_Inform_Rebuild_Completed", "Node_Inform_Rebuilt_All",
        "Node_Gather", "Node_Bus_Reset", "Node_Config_Changed",
        "PR_Request", "PR_Apply", "PR_State", "PR_Poll", "PR_Sync",
        "PR_Collect",
    };
    unsigned known = 0;

    for (unsigned i = 0; i < G_N_ELEMENTS(all_dcmds); i++) {
        g_assert_cmpstr(sraid_vendor_dcmd_name(all_dcmds[i]), ==, names[i]);
        g_assert_true(sraid_vendor_dcmd_peer_only(all_dcmds[i]));
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(mgmt_dcmds); i++) {
        g_assert_true(sraid_vendor_dcmd_host_only(mgmt_dcmds[i]));
        g_assert_false(sraid_vendor_dcmd_peer_only(mgmt_dcmds[i]));
        g_assert_false(sraid_vendor_dcmd_gatherable(mgmt_dcmds[i]));
        g_assert_cmpint(sraid_vendor_dcmd_dir(mgmt_dcmds[i]), ==,
                        mgmt_dcmds[i] < 0x90 ? SRAID_VENDOR_DIR_IN
                                             : SRAID_VENDOR_DIR_OUT);
    }
    for (unsigned d = 0; d < 256; d++) {
        known += sraid_vendor_dcmd_known(d);
        /* the management range 80h-BFh holds them all */
        if (sraid_vendor_dcmd_host_only(d)) {
            g_assert_cmpuint(d, >=, SRAID_DCMD_MGMT_FIRST);
            g_assert_cmpuint(d, <=, SRAID_DCMD_MGMT_LAST);
        }
    }
    g_assert_cmpuint(known, ==,
                     G_N_ELEMENTS(all_dcmds) + G_N_ELEMENTS(mgmt_dcmds));
    g_assert_false(sraid_vendor_dcmd_known(0x00));
    g_assert_null(sraid_vendor_dcmd_name(0x12));

    g_assert_cmpint(sraid_vendor_dcmd_dir(SRAID_DCMD_NODE_CABLE_CHECK), ==,
                    SRAID_VENDOR_DIR_IN);
    g_assert_cmpint(sraid_vendor_dcmd_dir(SRAID_DCMD_NODE_READ), ==,
                    SRAID_VENDOR_DIR_IN);
    g_assert_cmpint(sraid_vendor_dcmd_dir(SRAID_DCMD_NODE_WRITE), ==,
                    SRAID_VENDOR_DIR_OUT);
    g_assert_cmpint(sraid_vendor_dcmd_dir(SRAID_DCMD_NODE_KILL), ==,
                    SRAID_VENDOR_DIR_NONE);
    g_assert_cmpint(sraid_vendor_dcmd_dir(SRAID_DCMD_NODE_NEGOTIATE), ==,
                    SRAID_VENDOR_DIR_OUT);

    /* gathered: notifications only */
    g_assert_true(sraid_vendor_dcmd_gatherable(SRAID_DCMD_NODE_WRITE));
    g_assert_true(sraid_vendor_dcmd_gatherable(SRAID_DCMD_NODE_RELEASE));
    g_assert_true(sraid_vendor_dcmd_gatherable(
                      SRAID_DCMD_NODE_INFORM_STATUS));
    g_assert_false(sraid_vendor_dcmd_gatherable(SRAID_DCMD_NODE_READ));
    g_assert_false(sraid_vendor_dcmd_gatherable(SRAID_DCMD_NODE_RESERVE));
    g_assert_false(sraid_vendor_dcmd_gatherable(SRAID_DCMD_NODE_KILL));
    g_assert_false(sraid_vendor_dcmd_gatherable(SRAID_DCMD_NODE_NEGOTIATE));
    g_assert_false(sraid_vendor_dcmd_gatherable(SRAID_DCMD_NODE_GATHER));
    g_assert_false(sraid_vendor_dcmd_gatherable(SRAID_DCMD_NODE_REBUILD));

    /* a logical drive in byte 3: PR_Collect only, data-in */
    for (unsigned i = 0; i < G_N_ELEMENTS(all_dcmds); i++) {
        g_assert_cmpint(sraid_vendor_dcmd_has_ld(all_dcmds[i]), ==,
                        all_dcmds[i] == SRAID_DCMD_PR_COLLECT);
    }
    g_assert_cmpint(sraid_vendor_dcmd_dir(SRAID_DCMD_PR_COLLECT), ==,
                    SRAID_VENDOR_DIR_IN);
}

/* Tables 4/5: the CDB bytes exactly, least significant byte first. */
static void test_read_write_layout(void)
{
    SraidVendorCdb c = {
        .lun = 5, .dcmd = SRAID_DCMD_NODE_READ, .dpo = true, .fua = true,
        .address = 0x12345678, .length = 0x0102,
    };
    const uint8_t want[10] = {
        0x20, 0xb8, 0x02, 0x78, 0x56, 0x34, 0x12, 0x02, 0x01, 0x00,
    };
    uint8_t buf[10];
    SraidVendorCdb d;
    SraidSense sense;

    g_assert_true(sraid_vendor_cdb_encode(&c, buf));
    g_assert_cmpmem(buf, 10, want, 10);
    g_assert_true(sraid_vendor_cdb_decode(buf, 10, &d, &sense));
    g_assert_cmpuint(d.lun, ==, 5);
    g_assert_cmphex(d.dcmd, ==, SRAID_DCMD_NODE_READ);
    g_assert_true(d.dpo && d.fua);
    g_assert_cmphex(d.address, ==, 0x12345678);
    g_assert_cmphex(d.length, ==, 0x0102);
    g_assert_cmphex(d.control, ==, 0);
}

static void assert_cdb_equal(const SraidVendorCdb *a, const SraidVendorCdb *b)
{
    g_assert_cmpuint(a->lun, ==, b->lun);
    g_assert_cmphex(a->dcmd, ==, b->dcmd);
    g_assert_cmpint(a->dpo, ==, b->dpo);
    g_assert_cmpint(a->fua, ==, b->fua);
    g_assert_cmphex(a->address, ==, b->address);
    g_assert_cmphex(a->length, ==, b->length);
    g_assert_cmphex(a->control, ==, b->control);
}

/* Every DCMD: encode, decode, the same fields; Table 3-16 layouts. */
static void test_round_trip(void)
{
    GRand *rand = g_rand_new_with_seed(20);

    for (unsigned i = 0; i < G_N_ELEMENTS(all_dcmds); i++) {
        uint8_t dcmd = all_dcmds[i];
        bool addr = sraid_vendor_dcmd_has_address(dcmd);
        bool ld = sraid_vendor_dcmd_has_ld(dcmd);
        bool data = sraid_vendor_dcmd_dir(dcmd) != SRAID_VENDOR_DIR_NONE;

        for (unsigned k = 0; k < 200; k++) {
            SraidVendorCdb c = {
                .lun = g_rand_int_range(rand, 0, 8),
                .dcmd = dcmd,
                .dpo = addr && g_rand_boolean(rand),
                .fua = addr && g_rand_boolean(rand),
                .address = addr ? g_rand_int(rand) :
                           ld ? (uint32_t)g_rand_int_range(rand, 0, 256) : 0,
                .length = data ? g_rand_int_range(rand, 0, 0x10000) : 0,
                /* vendor bits 7-6 of the control byte are not refused */
                .control = g_rand_int_range(rand, 0, 4) << 6,
            };
            SraidVendorCdb d;
            SraidSense sense;
            SraidVendorDir dir;
            uint32_t xfer;
            uint8_t buf[10];

            g_assert_true(sraid_vendor_cdb_encode(&c, buf));
            g_assert_cmphex(buf[0], ==, 0x20);
            g_assert_cmphex(buf[1] >> 5, ==, c.lun);
            g_assert_cmphex(buf[2], ==, dcmd);
            g_assert_cmphex(buf[9], ==, c.control);
            if (ld) {
                g_assert_cmphex(buf[1] & 0x1f, ==, 0);
                g_assert_cmphex(buf[3], ==, c.address);
                g_assert_cmpmem(buf + 4, 3, "\0\0\0", 3);
            } else if (!addr) {
                g_assert_cmphex(buf[1] & 0x1f, ==, 0);
                g_assert_cmpmem(buf + 3, 4, "\0\0\0\0", 4);
            }
            g_assert_cmpuint(buf[7] | buf[8] << 8, ==, c.length);
            g_assert_true(sraid_vendor_cdb_decode(buf, 10, &d, &sense));
            assert_cdb_equal(&c, &d);
            g_assert_true(sraid_vendor_cdb_transfer(buf, 10, &dir, &xfer));
            g_assert_cmpint(dir, ==, sraid_vendor_dcmd_dir(dcmd));
            g_assert_cmpuint(xfer, ==, c.length);
        }
    }
    g_rand_free(rand);
}

static void assert_invalid_cdb(const uint8_t *buf, size_t len, uint8_t asc,
                               bool sksv, unsigned field, int bit)
{
    SraidVendorCdb c;
    SraidSense s;
    uint8_t fixed[18];

    g_assert_false(sraid_vendor_cdb_decode(buf, len, &c, &s));
    g_assert_cmphex(s.key, ==, SRAID_SENSE_ILLEGAL_REQUEST);
    g_assert_cmphex(s.asc, ==, asc);
    g_assert_cmphex(s.ascq, ==, 0);
    sraid_sense_to_fixed(&s, fixed, sizeof(fixed));
    if (!sksv) {
        g_assert_cmphex(fixed[15], ==, 0);
        return;
    }
    /* SPC-4 4.5.2.4.2: SKSV, C/D = 1 (CDB), BPV and the bit if any */
    g_assert_cmphex(fixed[15], ==,
                    0xc0 | (bit >= 0 ? 0x08 | bit : 0));
    g_assert_cmpuint(sraid_get_be16(fixed + 16), ==, field);
}

static void test_malformed(void)
{
    uint8_t buf[16];

    /* not 20h, too short */
    memset(buf, 0, sizeof(buf));
    buf[0] = 0x28;
    buf[2] = 0x01;
    assert_invalid_cdb(buf, 10, 0x20, false, 0, -1);
    buf[0] = 0x20;
    assert_invalid_cdb(buf, 9, 0x24, false, 0, -1);
    assert_invalid_cdb(buf, 0, 0x20, false, 0, -1);

    /* unknown DCMDs, reserved ranges included: byte 2 */
    for (unsigned d = 0; d < 256; d++) {
        memset(buf, 0, sizeof(buf));
        buf[0] = 0x20;
        buf[2] = d;
        if (!sraid_vendor_dcmd_known(d)) {
            assert_invalid_cdb(buf, 10, 0x24, true, 2, -1);
        }
    }

    for (unsigned i = 0; i < G_N_ELEMENTS(all_dcmds); i++) {
        uint8_t dcmd = all_dcmds[i];
        bool addr = sraid_vendor_dcmd_has_address(dcmd);
        bool ld = sraid_vendor_dcmd_has_ld(dcmd);
        bool data = sraid_vendor_dcmd_dir(dcmd) != SRAID_VENDOR_DIR_NONE;

        /* byte 1: bits 4-0 reserved, bits 4-3 are DPO/FUA with address */
        for (int bit = 0; bit < 5; bit++) {
            memset(buf, 0, sizeof(buf));
            buf[0] = 0x20;
            buf[2] = dcmd;
            buf[1] = 1 << bit;
            if (addr && bit >= 3) {
                SraidVendorCdb c;
                SraidSense s;

                g_assert_true(sraid_vendor_cdb_decode(buf, 10, &c, &s));
            } else {
                assert_invalid_cdb(buf, 10, 0x24, true, 1, bit);
            }
        }
        /* bytes 3-6 reserved without an address: point at byte and bit */
        for (unsigned b = 3; b <= 8; b++) {
            memset(buf, 0, sizeof(buf));
            buf[0] = 0x20;
            buf[2] = dcmd;
            buf[b] = 0x24;
            if ((b <= 6 && !addr && !(ld && b == 3)) || (b >= 7 && !data)) {
                assert_invalid_cdb(buf, 10, 0x24, true, b, 5);
            } else {
                SraidVendorCdb c;
                SraidSense s;

                g_assert_true(sraid_vendor_cdb_decode(buf, 10, &c, &s));
            }
        }
        /* control byte: NACA (bit 2) and LINK (bit 0), cdb.c's framing */
        memset(buf, 0, sizeof(buf));
        buf[0] = 0x20;
        buf[2] = dcmd;
        buf[9] = 0x04;
        assert_invalid_cdb(buf, 10, 0x24, true, 9, 2);
        buf[9] = 0x01;
        assert_invalid_cdb(buf, 10, 0x24, true, 9, 0);
    }
}

/* The encoder refuses what the decoder would. */
static void test_encode_refuses(void)
{
    uint8_t buf[10];
    SraidVendorCdb c = { .dcmd = SRAID_DCMD_NODE_KILL };
    SraidVendorDir dir;
    uint32_t xfer;

    g_assert_true(sraid_vendor_cdb_encode(&c, buf));
    c.lun = 8;
    g_assert_false(sraid_vendor_cdb_encode(&c, buf));
    c.lun = 0;
    c.length = 1;
    g_assert_false(sraid_vendor_cdb_encode(&c, buf));
    c.length = 0;
    c.address = 4;
    g_assert_false(sraid_vendor_cdb_encode(&c, buf));
    c.address = 0;
    c.fua = true;
    g_assert_false(sraid_vendor_cdb_encode(&c, buf));
    c.fua = false;
    c.control = 0x04;
    g_assert_false(sraid_vendor_cdb_encode(&c, buf));
    c.control = 0;
    c.dcmd = 0x12;
    g_assert_false(sraid_vendor_cdb_encode(&c, buf));
    g_assert_false(sraid_vendor_cdb_transfer(buf, 10, &dir, &xfer));
}

/* Payload round trips and the offset each bad field is reported at */
static void test_payloads(void)
{
    SraidCableCheckData cc = { 3, 7, SRAID_NODE_MASTER,
                               SRAID_NODE_INFO_COMPLETED_STARTUP, 0x0b };
    SraidCableCheckData cc2;
    SraidResvEntry e = { 4, 7, 6 }, e2;
    SraidRebuildRequest rq = { 2, 1, 9, 6, { 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                             10, 11, 12, 13, 14, 15, 16 } };
    SraidRebuildRequest rq2;
    SraidRebuildStatus st = { 2, 1, 9, 7, SRAID_REBUILD_IN_PROGRESS,
                              0x100000000ULL, 0x300000000ULL };
    SraidRebuildStatus st2;
    SraidParamError err;
    uint8_t buf[32];

    sraid_cable_check_encode(&cc, buf);
    g_assert_cmpmem(buf, 8, "\x03\x07\x01\x08\x00\x00\x00\x0b", 8);
    g_assert_true(sraid_cable_check_decode(buf, 8, &cc2, &err));
    g_assert_cmpmem(&cc, sizeof(cc), &cc2, sizeof(cc2));
    g_assert_false(sraid_cable_check_decode(buf, 7, &cc2, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
    buf[7] = 0x10;                      /* channel 4 does not exist */
    g_assert_false(sraid_cable_check_decode(buf, 8, &cc2, &err));
    g_assert_cmpuint(err.offset, ==, 4);

    sraid_resv_entry_encode(&e, buf);
    g_assert_cmpmem(buf, 4, "\x04\x07\x06\x00", 4);
    g_assert_true(sraid_resv_entry_decode(buf, 4, &e2, &err));
    g_assert_cmpmem(&e, sizeof(e), &e2, sizeof(e2));
    g_assert_false(sraid_resv_entry_decode(buf, 5, &e2, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
    buf[3] = 0x02;
    g_assert_false(sraid_resv_entry_decode(buf, 4, &e2, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_FIELD);
    g_assert_cmpuint(err.offset, ==, 3);
    g_assert_cmpint(err.bit, ==, 1);
    buf[3] = 0;
    buf[1] = 8;
    g_assert_false(sraid_resv_entry_decode(buf, 4, &e2, &err));
    g_assert_cmpuint(err.offset, ==, 1);
    buf[1] = 0;
    buf[0] = 16;
    g_assert_false(sraid_resv_entry_decode(buf, 4, &e2, &err));
    g_assert_cmpuint(err.offset, ==, 0);
    buf[0] = 0;
    buf[2] = 16;
    g_assert_false(sraid_resv_entry_decode(buf, 4, &e2, &err));
    g_assert_cmpuint(err.offset, ==, 2);

    sraid_rebuild_request_encode(&rq, buf);
    g_assert_cmpmem(buf, 8, "\x02\x01\x09\x06\0\0\0\0", 8);
    g_assert_cmpmem(buf + 8, 16, rq.guid, 16);
    g_assert_true(sraid_rebuild_request_decode(buf, 24, &rq2, &err));
    g_assert_cmpmem(&rq, sizeof(rq), &rq2, sizeof(rq2));
    buf[0] = SRAID_REBUILD_ALL_LDS;
    g_assert_true(sraid_rebuild_request_decode(buf, 24, &rq2, &err));
    for (unsigned off = 0; off < 8; off++) {
        static const uint8_t bad[8] = { 16, 4, 16, 16, 1, 1, 1, 1 };

        sraid_rebuild_request_encode(&rq, buf);
        buf[off] = bad[off];
        g_assert_false(sraid_rebuild_request_decode(buf, 24, &rq2, &err));
        g_assert_cmpint(err.kind, ==, SRAID_PARAM_FIELD);
        g_assert_cmpuint(err.offset, ==, off);
    }
    g_assert_false(sraid_rebuild_request_decode(buf, 23, &rq2, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);

    sraid_rebuild_status_encode(&st, buf);
    g_assert_cmpmem(buf, 24, "\x02\x01\x09\x07\x02\0\0\0"
                    "\0\0\0\x01\0\0\0\0" "\0\0\0\x03\0\0\0\0", 24);
    g_assert_true(sraid_rebuild_status_decode(buf, 24, &st2, &err));
    g_assert_cmpuint(st2.ld, ==, st.ld);
    g_assert_cmpuint(st2.channel, ==, st.channel);
    g_assert_cmpuint(st2.target, ==, st.target);
    g_assert_cmpuint(st2.node, ==, st.node);
    g_assert_cmpuint(st2.phase, ==, st.phase);
    g_assert_cmphex(st2.done, ==, st.done);
    g_assert_cmphex(st2.total, ==, st.total);
    for (unsigned off = 0; off < 8; off++) {
        static const uint8_t bad[8] = { 16, 4, 16, 16, 6, 1, 1, 1 };

        sraid_rebuild_status_encode(&st, buf);
        buf[off] = bad[off];
        g_assert_false(sraid_rebuild_status_decode(buf, 24, &st2, &err));
        g_assert_cmpuint(err.offset, ==, off);
    }
    sraid_rebuild_status_encode(&st, buf);
    buf[4] = 0;
    g_assert_false(sraid_rebuild_status_decode(buf, 24, &st2, &err));
    g_assert_cmpuint(err.offset, ==, 4);
    st.done = st.total + 1;
    sraid_rebuild_status_encode(&st, buf);
    g_assert_false(sraid_rebuild_status_decode(buf, 24, &st2, &err));
    g_assert_cmpuint(err.offset, ==, 8);
    g_assert_false(sraid_rebuild_status_decode(buf, 25, &st2, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
}

/* Random bytes: the decoder agrees with itself and the encoder. */
static void test_random(void)
{
    GRand *rand = g_rand_new_with_seed(0x20);

    for (unsigned i = 0; i < 200000; i++) {
        uint8_t buf[10], again[10];
        SraidVendorCdb c;
        SraidSense s;

        for (unsigned j = 0; j < 10; j++) {
            buf[j] = g_rand_int(rand);
        }
        buf[0] = 0x20;
        if (g_rand_boolean(rand)) {
            buf[2] = g_rand_int_range(rand, 0, 0x11);
        }
        if (sraid_vendor_cdb_decode(buf, 10, &c, &s)) {
            g_assert_true(sraid_vendor_cdb_encode(&c, again));
            g_assert_cmpmem(buf, 10, again, 10);
        } else {
            g_assert_cmphex(s.key, ==, SRAID_SENSE_ILLEGAL_REQUEST);
            g_assert_cmphex(s.asc, ==, 0x24);
            g_assert_true(s.sksv && s.cd);
            g_assert_cmpuint(s.field, <, 10);
        }
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vendor-cmd/dcmd-table", test_dcmd_table);
    g_test_add_func("/vendor-cmd/read-write-layout", test_read_write_layout);
    g_test_add_func("/vendor-cmd/round-trip", test_round_trip);
    g_test_add_func("/vendor-cmd/malformed", test_malformed);
    g_test_add_func("/vendor-cmd/encode-refuses", test_encode_refuses);
    g_test_add_func("/vendor-cmd/payloads", test_payloads);
    g_test_add_func("/vendor-cmd/random", test_random);
    return g_test_run();
}
