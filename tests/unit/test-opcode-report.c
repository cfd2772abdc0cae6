/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of REPORT SUPPORTED OPERATION CODES (SPC-4 6.35).
 */
#include <glib.h>
#include <string.h>

#include "opcode-report.h"
#include "scsi-proto.h"

#define BUF_LEN 2048

static const SraidOpcodeTable *const tables[] = {
    &sraid_ld_opcodes, &sraid_ctrl_lun_opcodes,
};

/* REPORT SUPPORTED OPERATION CODES CDB */
static void rsoc_cdb(uint8_t *cdb, bool rctd, unsigned option, uint8_t op,
                     uint16_t sa, uint32_t alloc_len)
{
    memset(cdb, 0, 12);
    cdb[0] = 0xa3;
    cdb[1] = 0x0c;
    cdb[2] = (rctd ? 0x80 : 0) | option;
    cdb[3] = op;
    sraid_put_be16(cdb + 4, sa);
    sraid_put_be32(cdb + 6, alloc_len);
}

static long run(const SraidOpcodeTable *t, const uint8_t *cdb, uint8_t *buf,
                SraidSense *sense)
{
    memset(buf, 0xee, BUF_LEN);
    return sraid_report_opcodes(t, cdb, buf, BUF_LEN, sense);
}

/* The tables themselves: lengths, usage data and order are consistent. */
static void test_tables(void)
{
    for (size_t k = 0; k < G_N_ELEMENTS(tables); k++) {
        const SraidOpcodeTable *t = tables[k];

        g_assert_cmpuint(t->count, >, 0);
        for (size_t i = 0; i < t->count; i++) {
            const SraidOpcodeDesc *d = &t->cmds[i];

            g_assert_cmpuint(d->cdb_len, ==, sraid_cdb_length(d->opcode));
            g_assert_cmphex(d->usage[0], ==, d->opcode);
            for (size_t j = d->cdb_len; j < SRAID_CDB_MAX_LEN; j++) {
                g_assert_cmphex(d->usage[j], ==, 0);
            }
            if (d->opcode == SRAID_OP_VENDOR_20) {
                /* seed 003: the DCMD in byte 2 is the service action */
                g_assert_cmpint(d->service_action, !=,
                                SRAID_NO_SERVICE_ACTION);
                g_assert_cmphex(d->usage[2], ==, 0xff);
            } else if (d->service_action != SRAID_NO_SERVICE_ACTION) {
                g_assert_cmphex(d->usage[1] & 0x1f, ==, 0x1f);
            }
            /* sorted, no duplicates: initiators print the list as is */
            if (i) {
                const SraidOpcodeDesc *p = &t->cmds[i - 1];

                g_assert_true(p->opcode < d->opcode ||
                              (p->opcode == d->opcode &&
                               p->service_action < d->service_action));
            }
        }
        g_assert_cmpuint(sraid_report_opcodes_max_len(t), ==,
                         4 + t->count * 20);
        /* the lookup every command goes through agrees with the table */
        for (unsigned op = 0; op < 256; op++) {
            bool in_table = false;

            for (size_t i = 0; i < t->count; i++) {
                in_table |= t->cmds[i].opcode == op;
            }
            g_assert_cmpint(sraid_opcode_listed(t, op), ==, in_table);
        }
    }
}

static void test_all_commands(void)
{
    const SraidOpcodeTable *t = &sraid_ld_opcodes;
    uint8_t cdb[12], buf[BUF_LEN];
    SraidSense sense;
    long len;

    rsoc_cdb(cdb, false, 0, 0, 0, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4 + 8 * t->count);
    g_assert_cmpuint(sraid_get_be32(buf), ==, 8 * t->count);
    g_assert_cmphex(buf[len], ==, 0xee);
    for (size_t i = 0; i < t->count; i++) {
        const uint8_t *d = buf + 4 + 8 * i;

        g_assert_cmphex(d[0], ==, t->cmds[i].opcode);
        g_assert_cmpuint(sraid_get_be16(d + 6), ==, t->cmds[i].cdb_len);
        if (t->cmds[i].service_action == SRAID_NO_SERVICE_ACTION) {
            g_assert_cmphex(d[5], ==, 0);
            g_assert_cmpuint(sraid_get_be16(d + 2), ==, 0);
        } else {
            g_assert_cmphex(d[5], ==, 0x01);
            g_assert_cmpuint(sraid_get_be16(d + 2), ==,
                             t->cmds[i].service_action);
        }
    }

    /* RCTD: each descriptor followed by a 12 byte timeouts descriptor */
    rsoc_cdb(cdb, true, 0, 0, 0, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4 + 20 * t->count);
    g_assert_cmpuint(sraid_get_be32(buf), ==, 20 * t->count);
    for (size_t i = 0; i < t->count; i++) {
        const uint8_t *d = buf + 4 + 20 * i;

        g_assert_cmphex(d[0], ==, t->cmds[i].opcode);
        g_assert_cmphex(d[5] & 0x02, ==, 0x02);
        g_assert_cmpuint(sraid_get_be16(d + 8), ==, 0x0a);
    }
}

static void test_allocation_length(void)
{
    const SraidOpcodeTable *t = &sraid_ld_opcodes;
    uint8_t cdb[12], buf[BUF_LEN];
    SraidSense sense;

    for (uint32_t alloc = 0; alloc < 4 + 8 * t->count + 10; alloc++) {
        long len;

        rsoc_cdb(cdb, false, 0, 0, 0, alloc);
        len = run(t, cdb, buf, &sense);
        g_assert_cmpint(len, ==, MIN(alloc, 4 + 8 * t->count));
        g_assert_cmphex(buf[len], ==, 0xee);
        if (len >= 4) {
            /* the header still tells the full length */
            g_assert_cmpuint(sraid_get_be32(buf), ==, 8 * t->count);
        }
    }
}

/* The field pointer of a refused reporting option: CDB byte 2, bit 2 */
static void assert_points_at_options(const SraidSense *sense)
{
    g_assert_true(sense->sksv);
    g_assert_true(sense->cd);
    g_assert_cmpuint(sense->field, ==, 2);
    g_assert_true(sense->bpv);
    g_assert_cmpuint(sense->bit, ==, 2);
}

static void test_one_command(void)
{
    const SraidOpcodeTable *t = &sraid_ld_opcodes;
    static const uint8_t read16_usage[16] = {
        0x88, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0, 0,
    };
    uint8_t cdb[12], buf[BUF_LEN];
    SraidSense sense;
    long len;

    /* 001b: READ(16) supported, with its usage data */
    rsoc_cdb(cdb, false, 1, 0x88, 0, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4 + 16);
    g_assert_cmphex(buf[1], ==, 0x03);
    g_assert_cmpuint(sraid_get_be16(buf + 2), ==, 16);
    g_assert_cmpmem(buf + 4, 16, read16_usage, 16);

    /* ... with RCTD: CTDP and a timeouts descriptor */
    rsoc_cdb(cdb, true, 1, 0x88, 0, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4 + 16 + 12);
    g_assert_cmphex(buf[1], ==, 0x83);
    g_assert_cmpuint(sraid_get_be16(buf + 20), ==, 0x0a);

    /* SYNCHRONIZE CACHE(16) is not supported: SUPPORT 001b */
    rsoc_cdb(cdb, false, 1, 0x91, 0, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4);
    g_assert_cmphex(buf[1], ==, 0x01);

    /*
     * 001b for an opcode with service actions: INVALID FIELD IN CDB,
     * pointing at REPORTING OPTIONS (byte 2, bit 2).  Without a field
     * pointer, or pointing at byte 1, initiators (libiscsi) take it for
     * "MAINTENANCE IN not supported".
     */
    rsoc_cdb(cdb, false, 1, 0x9e, 0x10, BUF_LEN);
    g_assert_cmpint(run(t, cdb, buf, &sense), ==, -1);
    g_assert_cmphex(sense.key, ==, SRAID_SENSE_ILLEGAL_REQUEST);
    g_assert_cmphex(sense.asc, ==, 0x24);
    assert_points_at_options(&sense);

    /*
     * 010b: READ CAPACITY(16) and GET LBA STATUS (12h) yes, READ LONG(16)
     * (11h) no
     */
    rsoc_cdb(cdb, false, 2, 0x9e, 0x10, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4 + 16);
    g_assert_cmphex(buf[1], ==, 0x03);
    g_assert_cmphex(buf[5], ==, 0x1f);
    rsoc_cdb(cdb, false, 2, 0x9e, 0x12, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4 + 16);
    g_assert_cmphex(buf[1], ==, 0x03);
    rsoc_cdb(cdb, false, 2, 0x9e, 0x11, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4);
    g_assert_cmphex(buf[1], ==, 0x01);

    /* 010b for an opcode without service actions */
    rsoc_cdb(cdb, false, 2, 0x28, 0, BUF_LEN);
    g_assert_cmpint(run(t, cdb, buf, &sense), ==, -1);
    g_assert_cmphex(sense.asc, ==, 0x24);
    assert_points_at_options(&sense);

    /* 011b: the service action is ignored when the opcode has none */
    rsoc_cdb(cdb, false, 3, 0x28, 0x1234, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4 + 10);
    g_assert_cmphex(buf[1], ==, 0x03);
    rsoc_cdb(cdb, false, 3, 0xa3, 0x0c, BUF_LEN);
    len = run(t, cdb, buf, &sense);
    g_assert_cmpint(len, ==, 4 + 12);
    g_assert_cmphex(buf[1], ==, 0x03);
    rsoc_cdb(cdb, false, 3, 0xa3, 0x0a, BUF_LEN);
    g_assert_cmpint(run(t, cdb, buf, &sense), ==, 4);
    g_assert_cmphex(buf[1], ==, 0x01);

    /* reserved reporting options */
    for (unsigned opt = 4; opt < 8; opt++) {
        rsoc_cdb(cdb, false, opt, 0, 0, BUF_LEN);
        g_assert_cmpint(run(t, cdb, buf, &sense), ==, -1);
        g_assert_cmphex(sense.asc, ==, 0x24);
        assert_points_at_options(&sense);
    }
}

static void test_recognise(void)
{
    const uint8_t rsoc[12] = { 0xa3, 0x0c };
    const uint8_t rsoc_flags[12] = { 0xa3, 0xec };  /* bits 7-5 reserved */
    const uint8_t rtpg[12] = { 0xa3, 0x0a };

    g_assert_true(sraid_is_report_opcodes(rsoc, sizeof(rsoc)));
    g_assert_true(sraid_is_report_opcodes(rsoc_flags, sizeof(rsoc_flags)));
    g_assert_false(sraid_is_report_opcodes(rtpg, sizeof(rtpg)));
    g_assert_false(sraid_is_report_opcodes(rsoc, 1));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/opcode-report/tables", test_tables);
    g_test_add_func("/opcode-report/all-commands", test_all_commands);
    g_test_add_func("/opcode-report/allocation-length",
                    test_allocation_length);
    g_test_add_func("/opcode-report/one-command", test_one_command);
    g_test_add_func("/opcode-report/recognise", test_recognise);
    return g_test_run();
}
