/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: the guest management command set's parameter lists
 * and structures (mgmt-cmd.c), and a management command through the
 * receiving side (vendor-exec.c, mgmt-exec.c).
 *
 * Input: byte 0 which DCMD (index into the command set), byte 1 bits 1-0
 * the permission, bit 2 suspended, bits 5-3 the owner's outcome, byte 2
 * bits 1-0 the source (host, peer, SAN), the rest the parameter list (or
 * the structure to decode, for a read DCMD).
 *
 * Checks: what decodes encodes back to the same bytes (canonical), the
 * owner sees only valid writes, results are well formed and data-in stays
 * within the buffer and the allocation length.
 */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vendor-exec.h"

static const uint8_t dcmds[] = {
    0x80, 0x81, 0x82, 0x83, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95,
};

static SraidMgmtOutcome outcome;

static void cb_ctrl(void *opaque, SraidMgmtCtrlInfo *c)
{
    c->node_id = 3;
    c->nnodes = 1;
    c->nodes[0].node = 3;
}

static void cb_pd(void *opaque, SraidMgmtPdList *l)
{
    l->n = SRAID_MGMT_MAX_PDS;
    for (unsigned i = 0; i < l->n; i++) {
        l->pd[i].member = SRAID_MGMT_NONE;
        l->pd[i].state = SRAID_MGMT_NONE;
    }
}

static void cb_ld(void *opaque, SraidMgmtLdList *l)
{
    l->n = 1;
    l->ld[0].nmembers = 1;
}

static void cb_bg(void *opaque, SraidMgmtBg *o)
{
}

static void cb_write(void *opaque, const SraidMgmtWrite *w,
                     SraidMgmtAnswer *a)
{
    uint8_t buf[SRAID_MGMT_CREATE_MAX_LEN];
    SraidMgmtWrite back;
    SraidParamError err;
    size_t len = sraid_mgmt_write_encode(w, buf);

    if (!len || !sraid_mgmt_write_decode(w->dcmd, buf, len, &back, &err) ||
        memcmp(&back, w, sizeof(back))) {
        abort();
    }
    a->outcome = outcome;
    a->master = 5;
    a->field = 0;
}

static const SraidMgmtOps ops = {
    .ctrl_info = cb_ctrl,
    .pd_list = cb_pd,
    .ld_list = cb_ld,
    .bg_info = cb_bg,
    .write = cb_write,
};

/* A read structure that decodes must encode to the same bytes */
static void check_read(uint8_t dcmd, const uint8_t *p, size_t len)
{
    static uint8_t back[SRAID_MGMT_MAX_DATA_IN];
    SraidParamError err;
    size_t n = 0;
    bool ok;

    switch (dcmd) {
    case 0x80: {
        SraidMgmtCtrlInfo c;

        ok = sraid_mgmt_ctrl_decode(p, len, &c, &err);
        if (ok) {
            n = sraid_mgmt_ctrl_encode(&c, back);
        }
        break;
    }
    case 0x81: {
        static SraidMgmtPdList l;

        ok = sraid_mgmt_pd_decode(p, len, &l, &err);
        if (ok) {
            n = sraid_mgmt_pd_encode(&l, back);
        }
        break;
    }
    case 0x82: {
        static SraidMgmtLdList l;

        ok = sraid_mgmt_ld_decode(p, len, &l, &err);
        if (ok) {
            n = sraid_mgmt_ld_encode(&l, back);
        }
        break;
    }
    default: {
        SraidMgmtBg o;

        ok = sraid_mgmt_bg_decode(p, len, &o, &err);
        if (ok) {
            n = sraid_mgmt_bg_encode(&o, back);
        }
        break;
    }
    }
    if (ok && (n != len || memcmp(back, p, len))) {
        abort();
    }
    if (!ok && err.kind == SRAID_PARAM_FIELD && err.offset >= len) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SraidVendorNode node;
    SraidVendorNexus nx = { .node = 1 };
    uint8_t in[SRAID_MGMT_MAX_DATA_IN + 16];
    uint8_t cdb[SRAID_VENDOR_CDB_LEN];
    SraidScsiResult res;
    const uint8_t *p;
    size_t len;
    uint8_t dcmd;

    if (size < 3) {
        return 0;
    }
    dcmd = dcmds[data[0] % sizeof(dcmds)];
    p = data + 3;
    len = MIN(size - 3, (size_t)SRAID_VENDOR_MAX_XFER);
    if (dcmd < 0x90) {
        check_read(dcmd, p, len);
    }

    sraid_vendor_node_init(&node, 3);
    sraid_mgmt_init(&node.mgmt, (data[1] & 3) % 3, &ops, NULL);
    if (data[1] & 4) {
        sraid_vendor_node_suspend(&node);
    }
    outcome = (data[1] >> 3) % (SRAID_MGMT_REFUSED + 1);
    nx.source = (data[2] & 3) % 3;
    if (!sraid_mgmt_cdb(dcmd, dcmd < 0x90 ? (data[2] >> 2) * 64 : len,
                        cdb)) {
        abort();
    }
    memset(in, 0xa5, sizeof(in));
    sraid_vendor_cmd_execute(&node, &nx, cdb, sizeof(cdb), p, len, in,
                             SRAID_MGMT_MAX_DATA_IN, &res);
    for (size_t i = SRAID_MGMT_MAX_DATA_IN; i < sizeof(in); i++) {
        if (in[i] != 0xa5) {
            abort();
        }
    }
    if (res.pending) {
        return 0;
    }
    if (res.status == SRAID_STATUS_CHECK_CONDITION) {
        if (res.sense_len != SRAID_SENSE_FIXED_LEN || res.data_len ||
            (res.sense[0] & 0x7f) != 0x70) {
            abort();
        }
    } else if (res.status != SRAID_STATUS_GOOD ||
               res.data_len > (size_t)(cdb[7] | cdb[8] << 8) ||
               (dcmd >= 0x90 && res.data_len)) {
        abort();
    }
    return 0;
}
