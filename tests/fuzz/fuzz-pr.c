/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: persistent reservations (pr.h).  Byte 0 chooses:
 * even, the rest is a serialized PR state (what a peer controller sends
 * or an APTPL store holds): whatever decodes must encode back to the same
 * bytes, whatever does not leaves an empty state; odd, bytes 1-10 are a
 * PERSISTENT RESERVE OUT CDB, byte 11 the sending nexus and the rest its
 * parameter list, applied to a state with registrations and a
 * reservation: it must not crash, must change nothing unless GOOD, and
 * must leave a state that serializes canonically; then PR IN of every
 * service action with the same CDB bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pr.h"

static SraidPrState st, back, before;
static SraidPrEffects fx;
static uint8_t enc[SRAID_PR_ENC_MAX], enc2[SRAID_PR_ENC_MAX];
static uint8_t in_buf[65536];

static void nexus(SraidPrNexus *nx, unsigned i)
{
    memset(nx, 0, sizeof(*nx));
    if (i % 4 < 2) {
        sraid_pr_tid_iscsi(&nx->initiator, i % 4 ? "iqn.b" : "iqn.a", i);
    } else {
        sraid_pr_tid_guest(&nx->initiator, i % 16);
    }
    nx->rtpi = 1 + (i >> 4) % 3;
}

static void setup(SraidPrConfig *cfg)
{
    uint8_t cdb[10] = { 0x5f, 0 };
    uint8_t p[24] = { 0 };
    SraidScsiResult res;
    SraidPrNexus nx;

    memset(cfg, 0, sizeof(*cfg));
    cfg->ptpl_capable = true;
    cfg->ports[0] = (SraidPrPort) { 1, SRAID_PR_PROTO_ISCSI };
    cfg->ports[1] = (SraidPrPort) { 2, SRAID_PR_PROTO_ISCSI };
    cfg->ports[2] = (SraidPrPort) { 3, SRAID_PR_PROTO_SAS };
    cfg->nports = 3;
    sraid_pr_init(&st);
    cdb[8] = 24;
    for (unsigned i = 0; i < 4; i++) {
        nexus(&nx, i);
        p[15] = i + 1;
        sraid_pr_out(&st, cfg, &nx, cdb, p, 24, &fx, &res);
    }
    nexus(&nx, 0);
    cdb[1] = 1;
    cdb[2] = 5;
    memset(p, 0, sizeof(p));
    p[7] = 1;
    sraid_pr_out(&st, cfg, &nx, cdb, p, 24, &fx, &res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SraidPrConfig cfg;
    SraidScsiResult res;
    SraidPrNexus nx;
    uint8_t cdb[10];
    size_t len;

    if (size < 1) {
        return 0;
    }
    if (!(data[0] & 1)) {
        if (!sraid_pr_decode(data + 1, size - 1, &back)) {
            if (back.nregs || back.type || back.generation) {
                abort();
            }
            return 0;
        }
        if (sraid_pr_encode(&back, enc) != size - 1 ||
            memcmp(enc, data + 1, size - 1) != 0) {
            abort();
        }
        return 0;
    }
    if (size < 12) {
        return 0;
    }
    setup(&cfg);
    memcpy(cdb, data + 1, 10);
    cdb[0] = SRAID_OP_PERSISTENT_RESERVE_OUT;
    nexus(&nx, data[11]);
    before = st;
    sraid_pr_out(&st, &cfg, &nx, cdb, data + 12, size - 12, &fx, &res);
    if (res.status != 0 &&
        (fx.n != 0 || memcmp(&st, &before, sizeof(st)) != 0)) {
        abort();
    }
    len = sraid_pr_encode(&st, enc);
    if (!sraid_pr_decode(enc, len, &back) ||
        sraid_pr_encode(&back, enc2) != len || memcmp(enc, enc2, len)) {
        abort();
    }
    cdb[0] = SRAID_OP_PERSISTENT_RESERVE_IN;
    sraid_pr_in(&st, &cfg, &nx, cdb, in_buf, sizeof(in_buf), &res);
    if (res.data_len > sizeof(in_buf)) {
        abort();
    }
    sraid_pr_check(&st, &nx, data + 1, size - 1 < 16 ? size - 1 : 16);
    return 0;
}
