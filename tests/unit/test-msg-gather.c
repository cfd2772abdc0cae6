/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of message gathering (seed 002): packing many small vendor
 * messages for one node into one Node_Gather parameter list.
 */
#include <glib.h>
#include <string.h>

#include "msg-gather.h"
#include "scsi-proto.h"

static void test_layout(void)
{
    uint8_t buf[64], status[SRAID_REBUILD_STATUS_LEN] = { 0 };
    SraidGatherBuilder b;
    size_t len;

    g_assert_true(sraid_gather_init(&b, buf, sizeof(buf)));
    g_assert_true(sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE, 0x10020,
                                      "abc", 3));
    g_assert_true(sraid_gather_append(&b, SRAID_DCMD_NODE_INFORM_STATUS, 0,
                                      status, sizeof(status)));
    len = sraid_gather_finish(&b);
    g_assert_cmpuint(len, ==, 8 + 8 + 3 + 8 + 24);
    g_assert_cmpmem(buf, 8, "\x01\x00\x00\x02\x00\x00\x00\x00", 8);
    g_assert_cmpmem(buf + 8, 11, "\x03\x00\x00\x03\x00\x01\x00\x20" "abc",
                    11);
    g_assert_cmpmem(buf + 19, 8, "\x0c\x00\x00\x18\x00\x00\x00\x00", 8);
}

/* Append until full: by room, then by count; nothing half written. */
static void test_limits(void)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_GATHER_MAX_LEN + 100);
    g_autofree uint8_t *big = g_malloc0(SRAID_GATHER_MAX_LEN);
    uint8_t payload[SRAID_REBUILD_REQUEST_LEN] = { 0xff };
    SraidGatherBuilder b;
    SraidParamError err;
    unsigned count;
    int bad;
    size_t len;

    /* room: 100 bytes hold the header and 3 records of 24 + 8 bytes */
    g_assert_true(sraid_gather_init(&b, buf, 8 + 3 * 32 - 1 + 32));
    for (unsigned i = 0; i < 3; i++) {
        g_assert_true(sraid_gather_append(&b,
                      SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED, 0, payload,
                      sizeof(payload)));
    }
    g_assert_false(sraid_gather_append(&b,
                   SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED, 0, payload,
                   sizeof(payload)));
    /* a smaller message still fits in what is left */
    g_assert_true(sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE, 4,
                                      payload, 20));
    g_assert_false(sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE, 4,
                                       payload, 4));
    len = sraid_gather_finish(&b);
    g_assert_cmpuint(len, ==, 8 + 3 * 32 + 28);
    g_assert_true(sraid_gather_check(buf, len, &count, &err, &bad));
    g_assert_cmpuint(count, ==, 4);

    /* count: 128 records of nothing, then no more */
    g_assert_true(sraid_gather_init(&b, buf, SRAID_GATHER_MAX_LEN + 100));
    g_assert_cmpuint(b.cap, ==, SRAID_GATHER_MAX_LEN);
    for (unsigned i = 0; i < SRAID_GATHER_MAX_RECORDS; i++) {
        g_assert_true(sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE, i,
                                          NULL, 0));
    }
    g_assert_false(sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE, 0, NULL,
                                       0));
    len = sraid_gather_finish(&b);
    g_assert_true(sraid_gather_check(buf, len, &count, &err, &bad));
    g_assert_cmpuint(count, ==, 128);

    /* one record as long as a CDB allows */
    g_assert_true(sraid_gather_init(&b, buf, SRAID_GATHER_MAX_LEN + 100));
    g_assert_false(sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE, 0, big,
                                       SRAID_GATHER_MAX_LEN - 15));
    g_assert_true(sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE, 0, big,
                                      SRAID_GATHER_MAX_LEN - 16));
    len = sraid_gather_finish(&b);
    g_assert_cmpuint(len, ==, SRAID_GATHER_MAX_LEN);
    g_assert_true(sraid_gather_check(buf, len, &count, &err, &bad));

    /* what may not be gathered, an address where none belongs */
    g_assert_true(sraid_gather_init(&b, buf, 256));
    g_assert_false(sraid_gather_append(&b, SRAID_DCMD_NODE_RESERVE, 0,
                                       payload, 4));
    g_assert_false(sraid_gather_append(&b, SRAID_DCMD_NODE_GATHER, 0,
                                       payload, 4));
    g_assert_false(sraid_gather_append(&b, SRAID_DCMD_NODE_READ, 0, NULL, 0));
    g_assert_false(sraid_gather_append(&b, SRAID_DCMD_NODE_RELEASE, 8,
                                       payload, 4));
    g_assert_false(sraid_gather_append(&b, 0x10, 0, NULL, 0));
    g_assert_cmpuint(sraid_gather_finish(&b), ==, 0);
    g_assert_false(sraid_gather_init(&b, buf, 15));
}

static void test_iterate(void)
{
    uint8_t buf[1024];
    SraidGatherBuilder b;
    SraidGatherIter it;
    SraidGatherRecord rec;
    unsigned n = 0;
    size_t len;

    sraid_gather_init(&b, buf, sizeof(buf));
    for (unsigned i = 0; i < 20; i++) {
        uint8_t p[20];

        memset(p, i, sizeof(p));
        g_assert_true(sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE,
                                          0x10000 + i, p, i));
    }
    len = sraid_gather_finish(&b);
    sraid_gather_iter_init(&it, buf, len);
    while (sraid_gather_next(&it, &rec)) {
        g_assert_cmpuint(rec.index, ==, n);
        g_assert_cmphex(rec.dcmd, ==, SRAID_DCMD_NODE_WRITE);
        g_assert_cmphex(rec.address, ==, 0x10000 + n);
        g_assert_cmpuint(rec.len, ==, n);
        g_assert_true(rec.payload == buf + rec.offset + 8);
        for (unsigned k = 0; k < n; k++) {
            g_assert_cmpuint(rec.payload[k], ==, n);
        }
        n++;
    }
    g_assert_cmpuint(n, ==, 20);
}

static void assert_bad(const uint8_t *buf, size_t len,
                       SraidParamErrorKind kind, uint32_t offset, int index)
{
    SraidParamError err;
    unsigned count;
    int bad;

    g_assert_false(sraid_gather_check(buf, len, &count, &err, &bad));
    g_assert_cmpint(err.kind, ==, kind);
    g_assert_cmpuint(err.offset, ==, offset);
    g_assert_cmpint(bad, ==, index);
}

static void test_malformed(void)
{
    uint8_t buf[256], p[4] = { 1, 0, 6, 0 };
    SraidGatherBuilder b;
    size_t len;

    sraid_gather_init(&b, buf, sizeof(buf));
    sraid_gather_append(&b, SRAID_DCMD_NODE_RELEASE, 0, p, 4);
    sraid_gather_append(&b, SRAID_DCMD_NODE_WRITE, 0x10000, p, 4);
    len = sraid_gather_finish(&b);
    g_assert_cmpuint(len, ==, 32);

    assert_bad(buf, 7, SRAID_PARAM_LENGTH, 0, -1);
    buf[0] = 2;
    assert_bad(buf, len, SRAID_PARAM_FIELD, 0, -1);
    buf[0] = 1;
    buf[1] = 1;
    assert_bad(buf, len, SRAID_PARAM_FIELD, 1, -1);
    buf[1] = 0;
    buf[6] = 1;
    assert_bad(buf, len, SRAID_PARAM_FIELD, 6, -1);
    buf[6] = 0;
    buf[3] = 0;                                     /* no records */
    assert_bad(buf, len, SRAID_PARAM_FIELD, 2, -1);
    buf[2] = 0;
    buf[3] = 129;
    assert_bad(buf, len, SRAID_PARAM_FIELD, 2, -1);
    buf[3] = 3;                                     /* one too many */
    assert_bad(buf, len, SRAID_PARAM_LENGTH, 32, 2);
    buf[3] = 1;                                     /* one too few */
    assert_bad(buf, len, SRAID_PARAM_LENGTH, 2, -1);
    buf[3] = 2;

    buf[8] = SRAID_DCMD_NODE_RESERVE;               /* record 0 */
    assert_bad(buf, len, SRAID_PARAM_FIELD, 8, 0);
    buf[8] = SRAID_DCMD_NODE_RELEASE;
    buf[9] = 4;
    assert_bad(buf, len, SRAID_PARAM_FIELD, 9, 0);
    buf[9] = 0;
    buf[15] = 1;                                    /* address: release */
    assert_bad(buf, len, SRAID_PARAM_FIELD, 12, 0);
    buf[15] = 0;
    buf[21] = 1;                                    /* record 1 reserved */
    assert_bad(buf, len, SRAID_PARAM_FIELD, 21, 1);
    buf[21] = 0;
    buf[23] = 13;                                   /* record 1 too long */
    assert_bad(buf, len, SRAID_PARAM_LENGTH, 22, 1);
    buf[23] = 3;                                    /* ... too short */
    assert_bad(buf, len, SRAID_PARAM_LENGTH, 2, -1);
    buf[23] = 4;
    assert_bad(buf, len - 1, SRAID_PARAM_LENGTH, 22, 1);
    assert_bad(buf, 24, SRAID_PARAM_LENGTH, 20, 1);
}

/* The iterator stays inside the buffer whatever it is given. */
static void test_random(void)
{
    GRand *rand = g_rand_new_with_seed(0x9a7);
    uint8_t buf[128];

    for (unsigned i = 0; i < 100000; i++) {
        size_t len = g_rand_int_range(rand, 0, sizeof(buf) + 1);
        SraidGatherIter it;
        SraidGatherRecord rec;
        SraidParamError err;
        unsigned count = 0, seen = 0;
        int bad;
        bool ok;

        for (size_t k = 0; k < len; k++) {
            buf[k] = g_rand_int_range(rand, 0, 4) ?
                     (uint8_t)g_rand_int_range(rand, 0, 16) :
                     (uint8_t)g_rand_int(rand);
        }
        if (len >= 8) {
            buf[0] = 1;
        }
        ok = sraid_gather_check(buf, len, &count, &err, &bad);
        sraid_gather_iter_init(&it, buf, len);
        while (sraid_gather_next(&it, &rec)) {
            g_assert_cmpuint(rec.offset + 8 + rec.len, <=, len);
            seen++;
        }
        if (ok) {
            g_assert_cmpuint(seen, ==, count);
        } else {
            g_assert_cmpuint(err.offset, <=, len);
        }
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msg-gather/layout", test_layout);
    g_test_add_func("/msg-gather/limits", test_limits);
    g_test_add_func("/msg-gather/iterate", test_iterate);
    g_test_add_func("/msg-gather/malformed", test_malformed);
    g_test_add_func("/msg-gather/random", test_random);
    return g_test_run();
}
