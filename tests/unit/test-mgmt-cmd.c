/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the guest management command set (mgmt-cmd.c) and its
 * receiving side (mgmt-exec.c through sraid_vendor_cmd_execute()): every
 * command's bytes, every refusal's sense, the permission rule.
 */
#include <glib.h>
#include <string.h>

#include "scsi-proto.h"
#include "vendor-exec.h"

#define SELF        3
#define MASTER      5

static const uint8_t reads[] = { 0x80, 0x81, 0x82, 0x83 };
static const uint8_t writes[] = { 0x90, 0x91, 0x92, 0x93, 0x94, 0x95 };

/* What the owner was asked, and what it answers */
typedef struct Calls {
    unsigned writes;
    SraidMgmtWrite w;
    SraidMgmtAnswer answer;
} Calls;

static SraidVendorNode node;
static Calls calls;

static void cb_ctrl(void *opaque, SraidMgmtCtrlInfo *c)
{
    c->node_id = SELF;
    c->state = 7;               /* ACTIVE_SLAVE */
    c->info = 8;
    c->master = MASTER;
    c->flags = SRAID_MGMT_CTRL_CLUSTER | SRAID_MGMT_CTRL_ARRAY;
    c->channels = 2;
    c->connected_channels = 3;
    c->nmembers = 4;
    c->nlds = 1;
    c->generation = 0x0102030405060708ULL;
    c->epoch = 9;
    memset(c->array_guid, 0xab, 16);
    strcpy(c->array_name, "sraid");
    c->nnodes = 2;
    c->nodes[0] = (SraidMgmtNode) { SELF, 7, 8, SRAID_MGMT_NODE_SELF, 3, 0 };
    c->nodes[1] = (SraidMgmtNode) { MASTER, 1, 8, SRAID_MGMT_NODE_MASTER, 3,
                                    2 };
}

static void cb_pd(void *opaque, SraidMgmtPdList *l)
{
    l->n = 2;
    l->pd[0] = (SraidMgmtPd) { 1, 2, 0, 2, SRAID_MGMT_PD_PRESENT,
                               24 << 20, 0x1000 };
    l->pd[1] = (SraidMgmtPd) { 0, 9, SRAID_MGMT_NONE, SRAID_MGMT_NONE,
                               SRAID_MGMT_PD_PRESENT, 1 << 20, 0 };
}

static void cb_ld(void *opaque, SraidMgmtLdList *l)
{
    SraidMgmtLd *ld = &l->ld[0];

    l->n = 1;
    ld->id = 4;
    ld->level = 5;
    ld->state = 1;
    ld->nmembers = 3;
    ld->members[0] = 0;
    ld->members[1] = 2;
    ld->members[2] = 1;
    ld->strip_sectors = 128;
    ld->sectors = 0x10000;
    ld->naa = 0x3000c0ffee000004ULL;
    strcpy(ld->name, "data");
    strcpy(ld->serial, "SRAIDLD-04");
    ld->flags = SRAID_MGMT_LD_RESV_READY;
}

static void cb_bg(void *opaque, SraidMgmtBg *o)
{
    o->op = SRAID_MGMT_OP_REBUILD;
    o->member = 2;
    o->rate = 30;
    o->done = 100;
    o->total = 400;
}

static void cb_write(void *opaque, const SraidMgmtWrite *w,
                     SraidMgmtAnswer *a)
{
    calls.writes++;
    calls.w = *w;
    *a = calls.answer;
}

static const SraidMgmtOps ops = {
    .ctrl_info = cb_ctrl,
    .pd_list = cb_pd,
    .ld_list = cb_ld,
    .bg_info = cb_bg,
    .write = cb_write,
};

static void setup(SraidMgmtPerm perm)
{
    sraid_vendor_node_init(&node, SELF);
    sraid_mgmt_init(&node.mgmt, perm, &ops, NULL);
    memset(&calls, 0, sizeof(calls));
}

static void run_from(SraidVendorSource src, uint8_t dcmd, uint16_t len,
                     const uint8_t *out, size_t out_len, uint8_t *in,
                     SraidScsiResult *res)
{
    SraidVendorNexus nx = { .source = src, .node = MASTER };
    uint8_t cdb[SRAID_VENDOR_CDB_LEN];

    g_assert_true(sraid_mgmt_cdb(dcmd, len, cdb));
    sraid_vendor_cmd_execute(&node, &nx, cdb, sizeof(cdb), out, out_len, in,
                             SRAID_MGMT_MAX_DATA_IN, res);
}

static void run(uint8_t dcmd, uint16_t len, const uint8_t *out,
                size_t out_len, uint8_t *in, SraidScsiResult *res)
{
    run_from(SRAID_VENDOR_FROM_HOST, dcmd, len, out, out_len, in, res);
}

static void assert_sense(const SraidScsiResult *res, uint8_t key,
                         uint8_t asc, uint8_t ascq)
{
    g_assert_false(res->pending);
    g_assert_cmpuint(res->status, ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmpuint(res->sense_len, ==, SRAID_SENSE_FIXED_LEN);
    g_assert_cmphex(res->sense[2] & 0xf, ==, key);
    g_assert_cmphex(res->sense[12], ==, asc);
    g_assert_cmphex(res->sense[13], ==, ascq);
    g_assert_cmpuint(res->data_len, ==, 0);
}

/* SKSV, C/D, BPV and bit, then the field pointer (SPC-4 4.5.2.4.2) */
static void assert_pointer(const SraidScsiResult *res, bool cd,
                           uint16_t field, int bit)
{
    uint8_t b15 = 0x80 | (cd ? 0x40 : 0) | (bit >= 0 ? 0x08 | bit : 0);

    g_assert_cmphex(res->sense[15], ==, b15);
    g_assert_cmpuint(sraid_get_be16(res->sense + 16), ==, field);
}

/* ---- codec ---- */

/* Bytes 7-8 carry the length LSB first, bytes 3-6 are reserved */
static void test_cdb_bytes(void)
{
    uint8_t cdb[SRAID_VENDOR_CDB_LEN];
    SraidVendorDir dir;
    uint32_t xfer;

    for (unsigned i = 0; i < G_N_ELEMENTS(reads); i++) {
        const uint8_t want[] = { 0x20, 0, reads[i], 0, 0, 0, 0, 0x34, 0x12,
                                 0 };

        g_assert_true(sraid_mgmt_cdb(reads[i], 0x1234, cdb));
        g_assert_cmpmem(cdb, sizeof(cdb), want, sizeof(want));
        g_assert_true(sraid_vendor_cdb_transfer(cdb, sizeof(cdb), &dir,
                                                &xfer));
        g_assert_cmpint(dir, ==, SRAID_VENDOR_DIR_IN);
        g_assert_cmpuint(xfer, ==, 0x1234);
        g_assert_false(sraid_mgmt_dcmd_is_write(reads[i]));
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(writes); i++) {
        const uint8_t want[] = { 0x20, 0, writes[i], 0, 0, 0, 0, 8, 0, 0 };

        g_assert_true(sraid_mgmt_cdb(writes[i], 8, cdb));
        g_assert_cmpmem(cdb, sizeof(cdb), want, sizeof(want));
        g_assert_true(sraid_vendor_cdb_transfer(cdb, sizeof(cdb), &dir,
                                                &xfer));
        g_assert_cmpint(dir, ==, SRAID_VENDOR_DIR_OUT);
        g_assert_true(sraid_mgmt_dcmd_is_write(writes[i]));
    }
    /* node-to-node DCMDs are not management commands */
    g_assert_false(sraid_mgmt_cdb(SRAID_DCMD_NODE_READ, 8, cdb));
    g_assert_false(sraid_mgmt_cdb(0x84, 8, cdb));
    g_assert_cmpstr(sraid_mgmt_sense_name(5, 0x80, 0x0a), ==,
                    "not the master");
    g_assert_null(sraid_mgmt_sense_name(5, 0x80, 0x7f));
}

static void test_read_structures(void)
{
    uint8_t buf[SRAID_MGMT_MAX_DATA_IN];
    SraidMgmtCtrlInfo c = { 0 }, c2;
    g_autofree SraidMgmtPdList *pl = g_new0(SraidMgmtPdList, 1);
    g_autofree SraidMgmtPdList *pl2 = g_new0(SraidMgmtPdList, 1);
    g_autofree SraidMgmtLdList *ll = g_new0(SraidMgmtLdList, 1);
    g_autofree SraidMgmtLdList *ll2 = g_new0(SraidMgmtLdList, 1);
    SraidMgmtBg o = { .member = SRAID_MGMT_NONE, .ld = SRAID_MGMT_NONE };
    SraidMgmtBg o2;
    SraidParamError err;
    size_t len;

    cb_ctrl(NULL, &c);
    c.perm = SRAID_MGMT_PERM_READ;
    len = sraid_mgmt_ctrl_encode(&c, buf);
    g_assert_cmpuint(len, ==, 80 + 2 * 8);
    g_assert_cmphex(buf[0], ==, 1);
    g_assert_cmpuint(sraid_get_be16(buf + 2), ==, len - 4);
    g_assert_cmphex(buf[4], ==, SELF);
    g_assert_cmphex(buf[7], ==, MASTER);
    g_assert_cmphex(buf[8], ==, 0x05);
    g_assert_cmphex(buf[9], ==, 1);
    g_assert_cmphex(buf[11], ==, 2);
    g_assert_cmphex(buf[16], ==, 0x01);
    g_assert_cmphex(buf[23], ==, 0x08);
    g_assert_cmpmem(buf + 48, 6, "sraid\0", 6);
    g_assert_cmphex(buf[88], ==, MASTER);
    g_assert_cmphex(buf[91], ==, SRAID_MGMT_NODE_MASTER);
    g_assert_cmpuint(sraid_get_be16(buf + 94), ==, 2);
    g_assert_true(sraid_mgmt_ctrl_decode(buf, len, &c2, &err));
    g_assert_cmpmem(&c2, sizeof(c2), &c, sizeof(c));
    /* nodes out of order, a short list */
    buf[88] = SELF;
    g_assert_false(sraid_mgmt_ctrl_decode(buf, len, &c2, &err));
    g_assert_cmpuint(err.offset, ==, 88);
    g_assert_false(sraid_mgmt_ctrl_decode(buf, len - 8, &c2, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);

    cb_pd(NULL, pl);
    len = sraid_mgmt_pd_encode(pl, buf);
    g_assert_cmpuint(len, ==, 8 + 2 * 24);
    g_assert_cmphex(buf[4], ==, 2);
    g_assert_cmphex(buf[5], ==, 24);
    g_assert_cmphex(buf[8], ==, 1);
    g_assert_cmphex(buf[9], ==, 2);
    g_assert_cmphex(buf[11], ==, 2);
    g_assert_cmpuint(sraid_get_be64(buf + 16), ==, 24 << 20);
    g_assert_cmpuint(sraid_get_be64(buf + 24), ==, 0x1000);
    g_assert_cmphex(buf[8 + 24 + 2], ==, 0xff);
    g_assert_true(sraid_mgmt_pd_decode(buf, len, pl2, &err));
    g_assert_cmpmem(pl2, sizeof(*pl2), pl, sizeof(*pl));
    buf[8 + 5] = 1;     /* reserved */
    g_assert_false(sraid_mgmt_pd_decode(buf, len, pl2, &err));
    g_assert_cmpuint(err.offset, ==, 13);

    cb_ld(NULL, ll);
    len = sraid_mgmt_ld_encode(ll, buf);
    g_assert_cmpuint(len, ==, 8 + 128);
    g_assert_cmphex(buf[8], ==, 4);
    g_assert_cmphex(buf[9], ==, 5);
    g_assert_cmpuint(sraid_get_be32(buf + 12), ==, 128);
    g_assert_cmpuint(sraid_get_be64(buf + 16), ==, 0x10000);
    g_assert_cmpuint(sraid_get_be64(buf + 24), ==, 0x3000c0ffee000004ULL);
    g_assert_cmpmem(buf + 32, 5, "data\0", 5);
    g_assert_cmpmem(buf + 64, 11, "SRAIDLD-04\0", 11);
    g_assert_cmphex(buf[96 + 1], ==, 2);
    g_assert_cmphex(buf[96 + 3], ==, 0xff);
    g_assert_cmphex(buf[128], ==, 1);
    g_assert_true(sraid_mgmt_ld_decode(buf, len, ll2, &err));
    g_assert_cmpmem(ll2, sizeof(*ll2), ll, sizeof(*ll));
    buf[9] = 4;         /* no RAID 4 */
    g_assert_false(sraid_mgmt_ld_decode(buf, len, ll2, &err));
    g_assert_cmpuint(err.offset, ==, 9);

    cb_bg(NULL, &o);
    len = sraid_mgmt_bg_encode(&o, buf);
    g_assert_cmpuint(len, ==, 48);
    g_assert_cmpuint(sraid_get_be16(buf + 2), ==, 44);
    g_assert_cmphex(buf[4], ==, 1);
    g_assert_cmphex(buf[5], ==, 2);
    g_assert_cmphex(buf[6], ==, 0xff);
    g_assert_cmpuint(sraid_get_be64(buf + 8), ==, 100);
    g_assert_cmpuint(sraid_get_be64(buf + 16), ==, 400);
    g_assert_true(sraid_mgmt_bg_decode(buf, len, &o2, &err));
    g_assert_cmpmem(&o2, sizeof(o2), &o, sizeof(o));
    buf[0] = 2;
    g_assert_false(sraid_mgmt_bg_decode(buf, len, &o2, &err));
    g_assert_cmpuint(err.offset, ==, 0);
}

static void test_write_lists(void)
{
    SraidMgmtWrite w = { .dcmd = SRAID_DCMD_MGMT_CREATE_LD, .level = 5,
                         .ndrives = 3, .strip_bytes = 65536,
                         .size = 1 << 20 }, w2;
    uint8_t buf[SRAID_MGMT_CREATE_MAX_LEN];
    SraidParamError err;
    size_t len;

    strcpy(w.name, "db");
    w.drives[0] = (SraidMgmtDrive) { 0, 1 };
    w.drives[1] = (SraidMgmtDrive) { 1, 2 };
    w.drives[2] = (SraidMgmtDrive) { 0, 3 };
    len = sraid_mgmt_write_encode(&w, buf);
    g_assert_cmpuint(len, ==, 48 + 6);
    {
        const uint8_t head[] = { 1, 5, 3, 0, 0, 1, 0, 0,
                                 0, 0, 0, 0, 0, 0x10, 0, 0, 'd', 'b', 0 };
        const uint8_t tail[] = { 0, 1, 1, 2, 0, 3 };

        g_assert_cmpmem(buf, sizeof(head), head, sizeof(head));
        g_assert_cmpmem(buf + 48, sizeof(tail), tail, sizeof(tail));
    }
    g_assert_true(sraid_mgmt_write_decode(w.dcmd, buf, len, &w2, &err));
    g_assert_cmpmem(&w2, sizeof(w2), &w, sizeof(w));

    /* every field error points at its byte */
    {
        static const struct {
            unsigned off;
            uint8_t val;
            unsigned want;
            int bit;
        } bad[] = {
            { 0, 2, 0, -1 },            /* version */
            { 1, 4, 1, -1 },            /* RAID 4 */
            { 3, 0x10, 3, 4 },          /* reserved, bit 4 */
            { 5, 0x03, 4, -1 },         /* strip not a power of two */
            { 17, 0x07, 17, -1 },       /* name not printable */
            { 30, 'x', 30, -1 },        /* after the NUL */
            { 48, 4, 48, -1 },          /* channel 4 */
            { 51, 16, 51, -1 },         /* target 16 */
            { 52, 1, 52, -1 },          /* drive 2 = drive 1 (1, 2) */
        };

        for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
            uint8_t copy[sizeof(buf)];

            memcpy(copy, buf, len);
            copy[bad[i].off] = bad[i].val;
            if (bad[i].off == 52) {
                copy[53] = 2;
            }
            g_assert_false(sraid_mgmt_write_decode(w.dcmd, copy, len, &w2,
                                                   &err));
            g_assert_cmpint(err.kind, ==, SRAID_PARAM_FIELD);
            g_assert_cmpuint(err.offset, ==, bad[i].want);
            g_assert_cmpint(err.bit, ==, bad[i].bit);
        }
    }
    /* drive count and length must agree */
    g_assert_false(sraid_mgmt_write_decode(w.dcmd, buf, len - 1, &w2, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
    buf[2] = 0;
    g_assert_false(sraid_mgmt_write_decode(w.dcmd, buf, len, &w2, &err));
    g_assert_cmpuint(err.offset, ==, 2);

    /* the 8-byte lists */
    {
        static const struct {
            SraidMgmtWrite w;
            uint8_t bytes[8];
        } small[] = {
            { { .dcmd = 0x91, .ld = 7 }, { 7 } },
            { { .dcmd = 0x92, .drives = { { 1, 9 } } }, { 1, 9 } },
            { { .dcmd = 0x93, .member = 31 }, { 31 } },
            { { .dcmd = 0x94, .member = 2 }, { 2 } },
            { { .dcmd = 0x95, .ld = 15, .repair = true }, { 15, 1 } },
        };

        for (unsigned i = 0; i < G_N_ELEMENTS(small); i++) {
            uint8_t copy[8];

            g_assert_cmpuint(sraid_mgmt_write_encode(&small[i].w, buf), ==,
                             8);
            g_assert_cmpmem(buf, 8, small[i].bytes, 8);
            g_assert_true(sraid_mgmt_write_decode(small[i].w.dcmd, buf, 8,
                                                  &w2, &err));
            g_assert_cmpmem(&w2, sizeof(w2), &small[i].w, sizeof(w2));
            g_assert_false(sraid_mgmt_write_decode(small[i].w.dcmd, buf, 9,
                                                   &w2, &err));
            g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
            memcpy(copy, buf, 8);
            copy[7] = 0x40;
            g_assert_false(sraid_mgmt_write_decode(small[i].w.dcmd, copy, 8,
                                                   &w2, &err));
            g_assert_cmpuint(err.offset, ==, 7);
            g_assert_cmpint(err.bit, ==, 6);
            copy[7] = 0;
            copy[0] = 0xfe;     /* no LD, member or channel that big */
            g_assert_false(sraid_mgmt_write_decode(small[i].w.dcmd, copy, 8,
                                                   &w2, &err));
            g_assert_cmpuint(err.offset, ==, 0);
        }
    }
}

/* ---- receiving side ---- */

static void test_permission(void)
{
    uint8_t in[SRAID_MGMT_MAX_DATA_IN];
    uint8_t list[8] = { 0 };
    SraidScsiResult res;

    /* off: nothing, reads included */
    setup(SRAID_MGMT_PERM_OFF);
    for (unsigned i = 0; i < G_N_ELEMENTS(reads); i++) {
        run(reads[i], 256, NULL, 0, in, &res);
        assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80, 0x09);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(writes); i++) {
        run(writes[i], 8, list, 8, in, &res);
        assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80, 0x09);
    }
    /* read: the views, no change */
    setup(SRAID_MGMT_PERM_READ);
    for (unsigned i = 0; i < G_N_ELEMENTS(reads); i++) {
        run(reads[i], 256, NULL, 0, in, &res);
        g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
        g_assert_cmpuint(res.data_len, >, 0);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(writes); i++) {
        run(writes[i], 8, list, 8, in, &res);
        assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80, 0x09);
    }
    g_assert_cmpuint(calls.writes, ==, 0);
    /* full: the owner is asked */
    setup(SRAID_MGMT_PERM_FULL);
    run(SRAID_DCMD_MGMT_DELETE_LD, 8, list, 8, in, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(calls.writes, ==, 1);

    g_assert_true(sraid_mgmt_perm_parse("full", &node.mgmt.perm));
    g_assert_cmpint(node.mgmt.perm, ==, SRAID_MGMT_PERM_FULL);
    g_assert_false(sraid_mgmt_perm_parse("write", &node.mgmt.perm));
    g_assert_false(sraid_mgmt_perm_parse(NULL, &node.mgmt.perm));
    g_assert_cmpstr(sraid_mgmt_perm_name(SRAID_MGMT_PERM_READ), ==, "read");
}

/* Only this node's guest: a peer and a SAN initiator are refused */
static void test_source(void)
{
    uint8_t in[SRAID_MGMT_MAX_DATA_IN];
    uint8_t list[8] = { 0 };
    SraidScsiResult res;

    setup(SRAID_MGMT_PERM_FULL);
    for (SraidVendorSource src = SRAID_VENDOR_FROM_PEER;
         src <= SRAID_VENDOR_FROM_SAN; src++) {
        run_from(src, SRAID_DCMD_MGMT_CTRL_INFO, 256, NULL, 0, in, &res);
        assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x20, 0x02);
        run_from(src, SRAID_DCMD_MGMT_DELETE_LD, 8, list, 8, in, &res);
        assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x20, 0x02);
    }
    /* and the SAN may not send node-to-node commands either */
    {
        SraidVendorNexus nx = { .source = SRAID_VENDOR_FROM_SAN };
        uint8_t cdb[10] = { 0x20, 0, SRAID_DCMD_NODE_KILL };

        sraid_vendor_cmd_execute(&node, &nx, cdb, sizeof(cdb), NULL, 0, in,
                                 sizeof(in), &res);
        assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x20, 0x02);
    }
    g_assert_cmpuint(calls.writes, ==, 0);
}

static void test_reads(void)
{
    uint8_t in[SRAID_MGMT_MAX_DATA_IN];
    SraidMgmtCtrlInfo c;
    g_autofree SraidMgmtLdList *l = g_new0(SraidMgmtLdList, 1);
    SraidParamError err;
    SraidScsiResult res;

    setup(SRAID_MGMT_PERM_READ);
    run(SRAID_DCMD_MGMT_CTRL_INFO, 4096, NULL, 0, in, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(res.data_len, ==, 96);
    g_assert_true(sraid_mgmt_ctrl_decode(in, res.data_len, &c, &err));
    g_assert_cmpuint(c.master, ==, MASTER);
    /* the receiver reports its own permission, whatever the owner says */
    g_assert_cmpuint(c.perm, ==, SRAID_MGMT_PERM_READ);
    run(SRAID_DCMD_MGMT_LD_LIST, 4096, NULL, 0, in, &res);
    g_assert_true(sraid_mgmt_ld_decode(in, res.data_len, l, &err));
    g_assert_cmpstr(l->ld[0].name, ==, "data");
    /* the allocation length cuts; the header still tells the length */
    memset(in, 0xee, sizeof(in));
    run(SRAID_DCMD_MGMT_PD_LIST, 4, NULL, 0, in, &res);
    g_assert_cmpuint(res.data_len, ==, 4);
    g_assert_cmpuint(sraid_get_be16(in + 2), ==, 8 + 2 * 24 - 4);
    g_assert_cmphex(in[4], ==, 0xee);
    run(SRAID_DCMD_MGMT_BG_INFO, 0, NULL, 0, in, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(res.data_len, ==, 0);
    /* a suspended node still shows itself */
    sraid_vendor_node_suspend(&node);
    run(SRAID_DCMD_MGMT_BG_INFO, 48, NULL, 0, in, &res);
    g_assert_cmpuint(res.data_len, ==, 48);
    /* no owner: NOT READY, no management layer */
    sraid_mgmt_init(&node.mgmt, SRAID_MGMT_PERM_READ, NULL, NULL);
    run(SRAID_DCMD_MGMT_BG_INFO, 48, NULL, 0, in, &res);
    assert_sense(&res, SRAID_SENSE_NOT_READY, 0x80, 0x05);
}

static void test_write_refusals(void)
{
    uint8_t in[SRAID_MGMT_MAX_DATA_IN];
    uint8_t list[8] = { 2 };
    SraidScsiResult res;

    setup(SRAID_MGMT_PERM_FULL);
    /* the owner's answers */
    calls.answer = (SraidMgmtAnswer) { SRAID_MGMT_NOT_MASTER, MASTER, 0 };
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80, 0x0a);
    g_assert_cmphex(res.sense[0], ==, 0xf0);            /* VALID */
    g_assert_cmpuint(sraid_get_be32(res.sense + 3), ==, MASTER);
    g_assert_cmpuint(calls.w.member, ==, 2);
    calls.answer.master = SRAID_NODE_NONE;              /* none known */
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80, 0x0a);
    g_assert_cmphex(res.sense[0], ==, 0x70);

    calls.answer = (SraidMgmtAnswer) { SRAID_MGMT_NO_SUCH, 0, 50 };
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
    assert_pointer(&res, false, 50, -1);
    calls.answer = (SraidMgmtAnswer) { SRAID_MGMT_IN_PROGRESS };
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80, 0x04);
    calls.answer = (SraidMgmtAnswer) { SRAID_MGMT_REFUSED };
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x80, 0x0b);
    calls.answer = (SraidMgmtAnswer) { SRAID_MGMT_PENDING };
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    g_assert_true(res.pending);
    g_assert_cmpuint(calls.writes, ==, 6);

    /* the core's own refusals never reach the owner */
    calls.answer = (SraidMgmtAnswer) { SRAID_MGMT_DONE };
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 7, in, &res);   /* short */
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x1a, 0x00);
    assert_pointer(&res, true, 8, -1);
    run(SRAID_DCMD_MGMT_REBUILD, 7, list, 7, in, &res);   /* 7 != 8 */
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x1a, 0x00);
    assert_pointer(&res, true, 8, -1);
    list[4] = 0x02;
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
    assert_pointer(&res, false, 4, 1);
    list[4] = 0;
    list[0] = 32;
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
    assert_pointer(&res, false, 0, -1);
    list[0] = 2;
    sraid_vendor_node_suspend(&node);
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    assert_sense(&res, SRAID_SENSE_NOT_READY, 0x04, 0x03);
    sraid_vendor_node_resume(&node);
    g_assert_cmpuint(calls.writes, ==, 6);
    run(SRAID_DCMD_MGMT_REBUILD, 8, list, 8, in, &res);
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(calls.writes, ==, 7);

    /* a CDB with reserved bytes set is not a management command */
    {
        SraidVendorNexus nx = { .source = SRAID_VENDOR_FROM_HOST };
        uint8_t cdb[10] = { 0x20, 0, SRAID_DCMD_MGMT_REBUILD, 0, 0, 1, 0,
                            8, 0, 0 };

        sraid_vendor_cmd_execute(&node, &nx, cdb, sizeof(cdb), list, 8, in,
                                 sizeof(in), &res);
        assert_sense(&res, SRAID_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        assert_pointer(&res, true, 5, 0);
    }
}

/* Random CDBs of the management range: always a well-formed answer */
static void test_random_cdbs(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(20261121);
    uint8_t in[SRAID_MGMT_MAX_DATA_IN + 16];
    uint8_t out[256];
    SraidScsiResult res;

    for (unsigned i = 0; i < 20000; i++) {
        SraidVendorNexus nx = { .source = g_rand_int_range(rnd, 0, 3),
                                .node = g_rand_int_range(rnd, 0, 16) };
        uint8_t cdb[10] = { 0x20 };
        size_t out_len = g_rand_int_range(rnd, 0, sizeof(out));
        uint32_t alloc;

        setup(g_rand_int_range(rnd, 0, 3));
        calls.answer.outcome = g_rand_int_range(rnd, 0, 6);
        calls.answer.master = g_rand_int_range(rnd, 0, 256);
        for (unsigned k = 1; k < 10; k++) {
            cdb[k] = g_rand_boolean(rnd) ? 0 : g_rand_int(rnd);
        }
        cdb[2] = 0x80 + g_rand_int_range(rnd, 0, 0x40);
        for (size_t k = 0; k < out_len; k++) {
            out[k] = g_rand_int_range(rnd, 0, 4) ? 0 : g_rand_int(rnd);
        }
        memset(in, 0xa5, sizeof(in));
        sraid_vendor_cmd_execute(&node, &nx, cdb, sizeof(cdb), out, out_len,
                                 in, SRAID_MGMT_MAX_DATA_IN, &res);
        for (size_t k = SRAID_MGMT_MAX_DATA_IN; k < sizeof(in); k++) {
            g_assert_cmphex(in[k], ==, 0xa5);
        }
        alloc = cdb[7] | cdb[8] << 8;
        if (res.pending) {
            g_assert_cmpint(calls.answer.outcome, ==, SRAID_MGMT_PENDING);
            continue;
        }
        if (res.status == SRAID_STATUS_GOOD) {
            g_assert_true(sraid_vendor_dcmd_host_only(cdb[2]));
            g_assert_cmpint(nx.source, ==, SRAID_VENDOR_FROM_HOST);
            g_assert_cmpuint(res.data_len, <=, alloc);
            continue;
        }
        g_assert_cmpuint(res.status, ==, SRAID_STATUS_CHECK_CONDITION);
        g_assert_cmpuint(res.sense_len, ==, SRAID_SENSE_FIXED_LEN);
        g_assert_cmphex(res.sense[0] & 0x7f, ==, 0x70);
        g_assert_cmpuint(res.data_len, ==, 0);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mgmt-cmd/cdb-bytes", test_cdb_bytes);
    g_test_add_func("/mgmt-cmd/read-structures", test_read_structures);
    g_test_add_func("/mgmt-cmd/write-lists", test_write_lists);
    g_test_add_func("/mgmt-exec/permission", test_permission);
    g_test_add_func("/mgmt-exec/source", test_source);
    g_test_add_func("/mgmt-exec/reads", test_reads);
    g_test_add_func("/mgmt-exec/write-refusals", test_write_refusals);
    g_test_add_func("/mgmt-exec/random-cdbs", test_random_cdbs);
    return g_test_run();
}
