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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cdb/group-lengths", test_group_lengths);
    g_test_add_func("/cdb/decode", test_decode);
    g_test_add_func("/cdb/malformed", test_malformed);
    g_test_add_func("/cdb/all-short-buffers", test_all_short_buffers);
    g_test_add_func("/sense/fixed", test_fixed_sense);
    return g_test_run();
}
