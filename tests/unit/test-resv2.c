/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests: SPC-2 logical unit reservations (resv2.h,
 * docs/persistent-reservations.md "SPC-2 reservations"): status, sense
 * bytes and the state after every command.
 */
#include <glib.h>
#include <string.h>

#include "resv2.h"
#include "scsi-proto.h"

static SraidPrNexus nx_iscsi(const char *name, uint64_t isid, uint16_t rtpi)
{
    SraidPrNexus n;

    g_assert_true(sraid_pr_nexus_iscsi(&n, name, isid, rtpi));
    return n;
}

static SraidPrNexus nx_guest(uint8_t node)
{
    SraidPrNexus n;

    sraid_pr_nexus_guest(&n, node);
    return n;
}

static uint8_t run(SraidResv2 *r, const SraidPrNexus *nx, uint8_t op,
                   uint8_t b1, SraidScsiResult *res)
{
    uint8_t cdb[10] = { op, b1 };

    memset(res, 0xff, sizeof(*res));
    sraid_resv2_execute(r, nx, cdb, op & 0x40 ? 10 : 6, res);
    return res->status;
}

static SraidResv2Access check(SraidResv2 *r, const SraidPrNexus *nx,
                              uint8_t op)
{
    uint8_t cdb[16] = { op };

    return sraid_resv2_check(r, nx, cdb, sizeof(cdb));
}

/* SPC-2 7.19-7.22 with two initiators, 6- and 10-byte forms */
static void test_basic(void)
{
    static const uint8_t rsv[] = { SRAID_OP_RESERVE_6, SRAID_OP_RESERVE_10 };
    static const uint8_t rel[] = { SRAID_OP_RELEASE_6, SRAID_OP_RELEASE_10 };
    SraidPrNexus a = nx_iscsi("iqn.2026-01.test:a", 0x23d000000001, 1);
    SraidPrNexus b = nx_iscsi("iqn.2026-01.test:b", 0x23d000000002, 1);
    SraidScsiResult res;
    SraidResv2 r;

    for (unsigned i = 0; i < 2; i++) {
        for (unsigned j = 0; j < 2; j++) {
            sraid_resv2_init(&r);
            /* RELEASE without a reservation: GOOD, nothing */
            g_assert_cmpint(run(&r, &a, rel[j], 0, &res), ==,
                            SRAID_STATUS_GOOD);
            g_assert_cmpuint(res.sense_len, ==, 0);
            g_assert_false(r.held);
            g_assert_cmpint(run(&r, &a, rsv[i], 0, &res), ==,
                            SRAID_STATUS_GOOD);
            g_assert_true(sraid_resv2_is_holder(&r, &a));
            g_assert_false(sraid_resv2_is_holder(&r, &b));
            /* the holder again: GOOD */
            g_assert_cmpint(run(&r, &a, rsv[j], 0, &res), ==,
                            SRAID_STATUS_GOOD);
            /* another nexus: conflict, RELEASE without effect */
            g_assert_cmpint(run(&r, &b, rsv[i], 0, &res), ==,
                            SRAID_STATUS_RESERVATION_CONFLICT);
            g_assert_cmpuint(res.sense_len, ==, 0);
            g_assert_cmpint(check(&r, &b, rel[j]), ==, SRAID_RESV2_ALLOWED);
            g_assert_cmpint(run(&r, &b, rel[j], 0, &res), ==,
                            SRAID_STATUS_GOOD);
            g_assert_true(sraid_resv2_is_holder(&r, &a));
            /* the holder's RELEASE releases; then b may reserve */
            g_assert_cmpint(run(&r, &a, rel[j], 0, &res), ==,
                            SRAID_STATUS_GOOD);
            g_assert_false(r.held);
            g_assert_cmpint(run(&r, &b, rsv[j], 0, &res), ==,
                            SRAID_STATUS_GOOD);
            g_assert_true(sraid_resv2_is_holder(&r, &b));
        }
    }
}

/* The same initiator port through another target port is another nexus */
static void test_nexus_identity(void)
{
    SraidPrNexus a1 = nx_iscsi("iqn.2026-01.test:a", 0x23d000000001, 1);
    SraidPrNexus a2 = nx_iscsi("iqn.2026-01.test:a", 0x23d000000001, 2);
    SraidPrNexus a_isid = nx_iscsi("iqn.2026-01.test:a", 0x23d000000009, 1);
    SraidPrNexus a_case = nx_iscsi("IQN.2026-01.TEST:A", 0x23d000000001, 1);
    SraidPrNexus g7 = nx_guest(7), g3 = nx_guest(3);
    SraidScsiResult res;
    SraidResv2 r;

    sraid_resv2_init(&r);
    g_assert_cmpint(run(&r, &a1, SRAID_OP_RESERVE_6, 0, &res), ==,
                    SRAID_STATUS_GOOD);
    g_assert_true(sraid_resv2_is_holder(&r, &a_case));
    g_assert_false(sraid_resv2_is_holder(&r, &a2));
    g_assert_false(sraid_resv2_is_holder(&r, &a_isid));
    g_assert_cmpint(run(&r, &a2, SRAID_OP_RESERVE_6, 0, &res), ==,
                    SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_cmpint(run(&r, &g7, SRAID_OP_RESERVE_6, 0, &res), ==,
                    SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_true(sraid_resv2_reset(&r));
    g_assert_false(sraid_resv2_reset(&r));
    g_assert_cmpint(run(&r, &g7, SRAID_OP_RESERVE_10, 0, &res), ==,
                    SRAID_STATUS_GOOD);
    g_assert_cmpint(check(&r, &g7, 0x2a), ==, SRAID_RESV2_ALLOWED);
    g_assert_cmpint(check(&r, &g3, 0x2a), ==, SRAID_RESV2_CONFLICT);
}

/* SPC-2 5.5.1, 7.11, 7.12: what another nexus, and the holder, may do */
static void test_check(void)
{
    SraidPrNexus a = nx_iscsi("iqn.2026-01.test:a", 1, 1);
    SraidPrNexus b = nx_iscsi("iqn.2026-01.test:b", 1, 1);
    SraidScsiResult res;
    SraidResv2 r;

    sraid_resv2_init(&r);
    /* no reservation: everything allowed */
    for (unsigned op = 0; op < 256; op++) {
        g_assert_cmpint(check(&r, &b, op), ==, SRAID_RESV2_ALLOWED);
    }
    run(&r, &a, SRAID_OP_RESERVE_6, 0, &res);
    for (unsigned op = 0; op < 256; op++) {
        bool ok = op == 0x12 || op == 0x03 || op == 0xa0 ||
                  op == SRAID_OP_RELEASE_6 || op == SRAID_OP_RELEASE_10;
        bool pr = op == 0x5e || op == 0x5f;

        g_assert_cmpint(check(&r, &a, op), ==,
                        pr ? SRAID_RESV2_CONFLICT : SRAID_RESV2_ALLOWED);
        g_assert_cmpint(check(&r, &b, op), ==,
                        ok ? SRAID_RESV2_ALLOWED : SRAID_RESV2_CONFLICT);
    }
    g_assert_cmpint(check(&r, &b, 0x00), ==, SRAID_RESV2_CONFLICT); /* TUR */
    g_assert_cmpint(check(&r, &b, 0x5e), ==, SRAID_RESV2_CONFLICT);
    g_assert_cmpint(check(&r, &b, 0x5f), ==, SRAID_RESV2_CONFLICT);
}

/* Refused fields: INVALID FIELD IN CDB, field pointer, state unchanged */
static void expect_field(SraidResv2 *r, const SraidPrNexus *nx,
                         const uint8_t *cdb, size_t len, uint8_t byte,
                         int bit)
{
    SraidResv2 before = *r;
    SraidScsiResult res;

    memset(&res, 0, sizeof(res));
    sraid_resv2_execute(r, nx, cdb, len, &res);
    g_assert_cmpint(res.status, ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmpuint(res.sense_len, ==, 18);
    g_assert_cmphex(res.sense[0], ==, 0x70);
    g_assert_cmphex(res.sense[2] & 0x0f, ==, 0x05);
    g_assert_cmphex(res.sense[12], ==, 0x24);
    g_assert_cmphex(res.sense[13], ==, 0x00);
    /* SKSV, C/D = 1, BPV and bit */
    g_assert_cmphex(res.sense[15], ==,
                    0x80 | 0x40 | (bit >= 0 ? 0x08 | bit : 0));
    g_assert_cmphex(res.sense[16], ==, 0);
    g_assert_cmphex(res.sense[17], ==, byte);
    g_assert_true(memcmp(&before, r, sizeof(before)) == 0);
}

static void test_refused(void)
{
    static const uint8_t ops[] = { SRAID_OP_RESERVE_6, SRAID_OP_RELEASE_6,
                                   SRAID_OP_RESERVE_10, SRAID_OP_RELEASE_10 };
    SraidPrNexus a = nx_iscsi("iqn.2026-01.test:a", 1, 1);
    SraidScsiResult res;
    SraidResv2 r;

    for (unsigned held = 0; held < 2; held++) {
        sraid_resv2_init(&r);
        if (held) {
            run(&r, &a, SRAID_OP_RESERVE_6, 0, &res);
        }
        for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
            size_t len = ops[i] & 0x40 ? 10 : 6;
            uint8_t cdb[10] = { ops[i], 0x10 };

            expect_field(&r, &a, cdb, len, 1, 4);           /* 3RDPTY */
            cdb[1] = 0x01;
            expect_field(&r, &a, cdb, len, 1, 0);           /* extent */
            if (len == 10) {
                cdb[1] = 0x02;
                expect_field(&r, &a, cdb, len, 1, 1);       /* LONGID */
                cdb[1] = 0;
                cdb[8] = 8;
                expect_field(&r, &a, cdb, len, 8, -1);
                cdb[7] = 1;
                expect_field(&r, &a, cdb, len, 7, -1);
            }
        }
    }
}

static void test_nexus_lost(void)
{
    SraidPrNexus a = nx_iscsi("iqn.2026-01.test:a", 1, 1);
    SraidPrNexus b = nx_iscsi("iqn.2026-01.test:b", 1, 1);
    SraidScsiResult res;
    SraidResv2 r;

    sraid_resv2_init(&r);
    g_assert_false(sraid_resv2_nexus_lost(&r, &a));
    run(&r, &a, SRAID_OP_RESERVE_10, 0, &res);
    g_assert_false(sraid_resv2_nexus_lost(&r, &b));
    g_assert_true(sraid_resv2_is_holder(&r, &a));
    g_assert_true(sraid_resv2_nexus_lost(&r, &a));
    g_assert_false(r.held);
    g_assert_cmpint(run(&r, &b, SRAID_OP_RESERVE_6, 0, &res), ==,
                    SRAID_STATUS_GOOD);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/resv2/basic", test_basic);
    g_test_add_func("/resv2/nexus-identity", test_nexus_identity);
    g_test_add_func("/resv2/check", test_check);
    g_test_add_func("/resv2/refused", test_refused);
    g_test_add_func("/resv2/nexus-lost", test_nexus_lost);
    return g_test_run();
}
