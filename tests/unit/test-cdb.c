/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the CDB decoder (SPC-4 4.2).
 */
#include <glib.h>
#include <string.h>

#include "cdb.h"
#include "scsi-proto.h"

static void test_group_lengths(void)
{
    /* SPC-4 table 4: group code to CDB length */
    g_assert_cmpuint(sraid_cdb_length(0x00), ==, 6);    /* TEST UNIT READY */
    g_assert_cmpuint(sraid_cdb_length(0x12), ==, 6);    /* INQUIRY */
    g_assert_cmpuint(sraid_cdb_length(0x20), ==, 10);   /* seed 003 DCMD */
    g_assert_cmpuint(sraid_cdb_length(0x28), ==, 10);   /* READ(10) */
    g_assert_cmpuint(sraid_cdb_length(0x5e), ==, 10);   /* PR IN */
    g_assert_cmpuint(sraid_cdb_length(0x7f), ==, 0);    /* variable length */
    g_assert_cmpuint(sraid_cdb_length(0x88), ==, 16);   /* READ(16) */
    g_assert_cmpuint(sraid_cdb_length(0xa0), ==, 12);   /* REPORT LUNS */
    g_assert_cmpuint(sraid_cdb_length(0xc0), ==, 0);    /* vendor group 6 */
    g_assert_cmpuint(sraid_cdb_length(0xff), ==, 0);    /* vendor group 7 */
}

static void assert_rejected(const uint8_t *buf, size_t len,
                            const SraidSense *want)
{
    SraidCdb cdb;
    SraidSense sense = { 0xff, 0xff, 0xff };

    g_assert_false(sraid_cdb_decode(buf, len, &cdb, &sense));
    g_assert_cmpuint(sense.key, ==, want->key);
    g_assert_cmpuint(sense.asc, ==, want->asc);
    g_assert_cmpuint(sense.ascq, ==, want->ascq);
}

static void test_decode(void)
{
    const uint8_t inquiry[6] = { 0x12, 0x01, 0x80, 0x00, 0xff, 0x00 };
    const uint8_t dcmd[10] = { 0x20, 0, 0x05, 0, 0, 0, 0, 0, 0, 0x00 };
    SraidCdb cdb;
    SraidSense sense;

    g_assert_true(sraid_cdb_decode(inquiry, sizeof(inquiry), &cdb, &sense));
    g_assert_cmpuint(cdb.opcode, ==, 0x12);
    g_assert_cmpuint(cdb.len, ==, 6);
    g_assert_true(cdb.buf == inquiry);
    /* a transport may hand us a longer buffer (iSCSI carries 16 bytes) */
    g_assert_true(sraid_cdb_decode(dcmd, sizeof(dcmd), &cdb, &sense));
    g_assert_cmpuint(cdb.len, ==, 10);
}

static void test_malformed(void)
{
    const uint8_t empty[1] = { 0 };
    const uint8_t short_read10[6] = { 0x28, 0, 0, 0, 0, 0 };
    const uint8_t vendor[16] = { 0xc1 };
    const uint8_t naca[6] = { 0x00, 0, 0, 0, 0, 0x04 };
    const uint8_t link[10] = { 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };

    assert_rejected(empty, 0, &sraid_sense_invalid_opcode);
    assert_rejected(short_read10, sizeof(short_read10),
                    &sraid_sense_invalid_field);
    assert_rejected(vendor, sizeof(vendor), &sraid_sense_invalid_opcode);
    assert_rejected(naca, sizeof(naca), &sraid_sense_invalid_field);
    assert_rejected(link, sizeof(link), &sraid_sense_invalid_field);
}

/* Every 1- and 2-byte prefix of every opcode: never read past the buffer. */
static void test_all_short_buffers(void)
{
    for (unsigned op = 0; op < 256; op++) {
        for (size_t len = 0; len <= SRAID_CDB_MAX_LEN; len++) {
            uint8_t *buf = g_malloc0(len ? len : 1);
            SraidCdb cdb;
            SraidSense sense;
            bool ok;

            if (len) {
                buf[0] = op;
            }
            ok = sraid_cdb_decode(buf, len, &cdb, &sense);
            g_assert_true(ok == (len && sraid_cdb_length(op) &&
                                 len >= sraid_cdb_length(op)));
            g_free(buf);
        }
    }
}

static void test_fixed_sense(void)
{
    uint8_t buf[32];
    size_t n;

    memset(buf, 0xaa, sizeof(buf));
    n = sraid_sense_to_fixed(&sraid_sense_invalid_field, buf, sizeof(buf));
    g_assert_cmpuint(n, ==, 18);
    g_assert_cmphex(buf[0], ==, 0x70);
    g_assert_cmphex(buf[2], ==, SRAID_SENSE_ILLEGAL_REQUEST);
    g_assert_cmpuint(buf[7], ==, 10);
    g_assert_cmphex(buf[12], ==, 0x24);
    g_assert_cmphex(buf[13], ==, 0x00);
    g_assert_cmphex(buf[18], ==, 0xaa);     /* nothing written past */
    /* truncated to the caller's buffer */
    memset(buf, 0xaa, sizeof(buf));
    n = sraid_sense_to_fixed(&sraid_sense_invalid_field, buf, 8);
    g_assert_cmpuint(n, ==, 8);
    g_assert_cmphex(buf[8], ==, 0xaa);
}

/* A write's transfer length cut to the whole blocks the initiator sent */
static void test_truncate_write(void)
{
    static const struct {
        uint8_t cdb[16];
        unsigned off, width;
    } writes[] = {
        { { 0x0a, 0, 0, 0, 8 }, 4, 1 },                     /* WRITE (6) */
        { { 0x2a, 0, 0, 0, 0, 0, 0, 0, 8 }, 7, 2 },         /* WRITE (10) */
        { { 0x2e, 0, 0, 0, 0, 0, 0, 0, 8 }, 7, 2 },         /* W&V (10) */
        { { 0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 8 }, 6, 4 },      /* WRITE (12) */
        { { 0xae, 0, 0, 0, 0, 0, 0, 0, 0, 8 }, 6, 4 },      /* W&V (12) */
        { { 0x8a, [13] = 8 }, 10, 4 },                      /* WRITE (16) */
        { { 0x8e, [13] = 8 }, 10, 4 },                      /* W&V (16) */
    };
    uint8_t cdb[16], before[16];

    for (unsigned i = 0; i < G_N_ELEMENTS(writes); i++) {
        unsigned last = writes[i].off + writes[i].width - 1;

        /* 8 blocks asked, 3 sent: TRANSFER LENGTH 3, nothing else moves */
        memcpy(cdb, writes[i].cdb, 16);
        memset(cdb + last + 1, 0x5a, 16 - last - 1);
        memcpy(before, cdb, 16);
        g_assert_true(sraid_cdb_truncate_write(cdb, 3 * 512, 512));
        g_assert_cmphex(cdb[last], ==, 3);
        before[last] = 3;
        g_assert_cmpmem(cdb, 16, before, 16);
        /* zero blocks: not for WRITE (6), where 0 means 256 */
        memcpy(cdb, writes[i].cdb, 16);
        g_assert_true(sraid_cdb_truncate_write(cdb, 0, 4096) ==
                      (writes[i].width > 1));
        g_assert_cmphex(cdb[last], ==, writes[i].width > 1 ? 0 : 8);
        /* a partial block, all blocks, more than asked: untouched */
        memcpy(cdb, writes[i].cdb, 16);
        g_assert_false(sraid_cdb_truncate_write(cdb, 200, 512));
        g_assert_false(sraid_cdb_truncate_write(cdb, 8 * 512, 512));
        g_assert_false(sraid_cdb_truncate_write(cdb, 9 * 512, 512));
        g_assert_false(sraid_cdb_truncate_write(cdb, 512, 0));
        g_assert_cmpmem(cdb, 16, writes[i].cdb, 16);
    }
    /* WRITE (6) of 256 blocks (0) cut to 255; WRITE (16) of 2^32 - 1 */
    memcpy(cdb, writes[0].cdb, 16);
    cdb[4] = 0;
    g_assert_true(sraid_cdb_truncate_write(cdb, 255 * 512, 512));
    g_assert_cmphex(cdb[4], ==, 255);
    memcpy(cdb, writes[5].cdb, 16);
    memset(cdb + 10, 0xff, 4);
    g_assert_true(sraid_cdb_truncate_write(cdb, 0x10203ull * 512, 512));
    g_assert_cmphex(sraid_get_be32(cdb + 10), ==, 0x10203);
    /* other commands with data-out are never cut */
    for (unsigned op = 0; op < 256; op++) {
        bool write = op == 0x0a || op == 0x2a || op == 0x2e || op == 0xaa ||
                     op == 0xae || op == 0x8a || op == 0x8e;

        memset(cdb, 0xff, 16);
        cdb[0] = op;
        g_assert_true(sraid_cdb_truncate_write(cdb, 512, 512) == write);
    }
}

/* Data-in cut to what its own length fields cover, never grown */
static void test_data_in_len(void)
{
    static const uint8_t inq[6] = { 0x12 };
    static const uint8_t vpd[6] = { 0x12, 0x01, 0xb0 };
    static const uint8_t ms6[6] = { 0x1a, 0, 0x3f };
    static const uint8_t ms10[10] = { 0x5a, 0, 0x3f };
    static const uint8_t rs[6] = { 0x03 };
    static const uint8_t rsoc_all[12] = { 0xa3, 0x0c, 0x00 };
    static const uint8_t rsoc_one[12] = { 0xa3, 0x0c, 0x01, 0x28 };
    static const uint8_t read10[10] = { 0x28 };
    static const uint8_t lba_status[16] = { 0x9e, 0x12 };
    static const uint8_t read_cap16[16] = { 0x9e, 0x10 };
    static const uint8_t mi_other[12] = { 0xa3, 0x0a };
    static const uint8_t prin_keys[10] = { 0x5e, 0x00 };
    static const uint8_t prin_caps[10] = { 0x5e, 0x02 };
    uint8_t d[512];

    memset(d, 0, sizeof(d));
    d[4] = 31;                                  /* standard: 36 bytes */
    g_assert_cmpuint(sraid_cdb_data_in_len(inq, d, 255), ==, 36);
    g_assert_cmpuint(sraid_cdb_data_in_len(inq, d, 20), ==, 20);
    g_assert_cmpuint(sraid_cdb_data_in_len(inq, d, 4), ==, 4);
    d[4] = 251;                                 /* 256: all of it */
    g_assert_cmpuint(sraid_cdb_data_in_len(inq, d, 512), ==, 256);
    memset(d, 0, sizeof(d));
    d[3] = 0x3c;                                /* VPD B0h: 64 bytes */
    g_assert_cmpuint(sraid_cdb_data_in_len(vpd, d, 255), ==, 64);
    d[2] = 0x01;                                /* 16-bit PAGE LENGTH */
    g_assert_cmpuint(sraid_cdb_data_in_len(vpd, d, 512), ==, 320);
    g_assert_cmpuint(sraid_cdb_data_in_len(vpd, d, 3), ==, 3);
    memset(d, 0, sizeof(d));
    d[0] = 35;                                  /* MODE DATA LENGTH */
    g_assert_cmpuint(sraid_cdb_data_in_len(ms6, d, 255), ==, 36);
    g_assert_cmpuint(sraid_cdb_data_in_len(ms6, d, 0), ==, 0);
    d[0] = 0;
    d[1] = 38;
    g_assert_cmpuint(sraid_cdb_data_in_len(ms10, d, 255), ==, 40);
    g_assert_cmpuint(sraid_cdb_data_in_len(ms10, d, 1), ==, 1);
    memset(d, 0, sizeof(d));
    d[0] = 0x70;                                /* fixed sense, 18 bytes */
    d[7] = 10;
    g_assert_cmpuint(sraid_cdb_data_in_len(rs, d, 252), ==, 18);
    d[0] = 0x42;                                /* not sense data: kept */
    g_assert_cmpuint(sraid_cdb_data_in_len(rs, d, 252), ==, 252);
    memset(d, 0, sizeof(d));
    d[3] = 80;                                  /* 10 descriptors */
    g_assert_cmpuint(sraid_cdb_data_in_len(rsoc_all, d, 500), ==, 84);
    memset(d, 0, sizeof(d));
    d[1] = 0x03;
    d[3] = 10;                                  /* CDB SIZE 10 */
    g_assert_cmpuint(sraid_cdb_data_in_len(rsoc_one, d, 500), ==, 14);
    d[1] |= 0x80;                               /* CTDP: + timeouts */
    g_assert_cmpuint(sraid_cdb_data_in_len(rsoc_one, d, 500), ==, 26);
    memset(d, 0, sizeof(d));
    d[3] = 20;                                  /* GET LBA STATUS: 24 */
    g_assert_cmpuint(sraid_cdb_data_in_len(lba_status, d, 500), ==, 24);
    g_assert_cmpuint(sraid_cdb_data_in_len(read_cap16, d, 32), ==, 32);
    memset(d, 0, sizeof(d));
    d[7] = 16;                                  /* READ KEYS: two keys */
    g_assert_cmpuint(sraid_cdb_data_in_len(prin_keys, d, 500), ==, 24);
    g_assert_cmpuint(sraid_cdb_data_in_len(prin_keys, d, 7), ==, 7);
    memset(d, 0, sizeof(d));
    d[1] = 8;                                   /* REPORT CAPABILITIES */
    g_assert_cmpuint(sraid_cdb_data_in_len(prin_caps, d, 500), ==, 8);
    /* anything else keeps what it returned */
    memset(d, 0xff, sizeof(d));
    g_assert_cmpuint(sraid_cdb_data_in_len(read10, d, 512), ==, 512);
    g_assert_cmpuint(sraid_cdb_data_in_len(mi_other, d, 512), ==, 512);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cdb/group-lengths", test_group_lengths);
    g_test_add_func("/cdb/decode", test_decode);
    g_test_add_func("/cdb/malformed", test_malformed);
    g_test_add_func("/cdb/all-short-buffers", test_all_short_buffers);
    g_test_add_func("/cdb/truncate-write", test_truncate_write);
    g_test_add_func("/cdb/data-in-len", test_data_in_len);
    g_test_add_func("/sense/fixed", test_fixed_sense);
    return g_test_run();
}
