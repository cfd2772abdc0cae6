/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: the parameter-list decoders of the vendor commands.
 * Byte 0 picks one: the Node_Negotiate mailbox, a Node_Gather container,
 * or the small payloads (reservation entry, rebuild request and status,
 * cable check data).  What decodes must encode back to the same bytes
 * (the formats are canonical); what does not must say where, inside the
 * input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox.h"
#include "msg-gather.h"

static void check_error(const SraidParamError *err, size_t len)
{
    if (err->offset > len || !err->what) {
        abort();
    }
}

static void fuzz_mailbox(const uint8_t *p, size_t len)
{
    static SraidMailbox mb;
    static uint8_t again[SRAID_MAILBOX_MAX_LEN];
    SraidParamError err;

    if (!sraid_mailbox_decode(p, len, &mb, &err)) {
        check_error(&err, len);
        return;
    }
    if (sraid_mailbox_encode(&mb, again, sizeof(again)) != len ||
        memcmp(again, p, len) != 0) {
        abort();
    }
}

static void fuzz_gather(const uint8_t *p, size_t len)
{
    SraidGatherIter it;
    SraidGatherRecord rec;
    SraidParamError err;
    unsigned count, seen = 0;
    int bad;
    bool ok = sraid_gather_check(p, len, &count, &err, &bad);

    if (!ok) {
        check_error(&err, len);
    }
    sraid_gather_iter_init(&it, p, len);
    while (sraid_gather_next(&it, &rec)) {
        if (rec.payload + rec.len > p + len || rec.index != seen) {
            abort();
        }
        if (ok && !sraid_vendor_dcmd_gatherable(rec.dcmd)) {
            abort();
        }
        seen++;
    }
    if (ok && seen != count) {
        abort();
    }
}

static void fuzz_payloads(const uint8_t *p, size_t len)
{
    uint8_t again[SRAID_REBUILD_STATUS_LEN];
    SraidParamError err;
    SraidResvEntry e;
    SraidRebuildRequest rq;
    SraidRebuildStatus st;
    SraidCableCheckData cc;

    if (sraid_resv_entry_decode(p, len, &e, &err)) {
        sraid_resv_entry_encode(&e, again);
        if (memcmp(again, p, len)) {
            abort();
        }
    }
    if (sraid_rebuild_request_decode(p, len, &rq, &err)) {
        sraid_rebuild_request_encode(&rq, again);
        if (memcmp(again, p, len)) {
            abort();
        }
    }
    if (sraid_rebuild_status_decode(p, len, &st, &err)) {
        sraid_rebuild_status_encode(&st, again);
        if (memcmp(again, p, len)) {
            abort();
        }
    }
    if (sraid_cable_check_decode(p, len, &cc, &err)) {
        sraid_cable_check_encode(&cc, again);
        if (memcmp(again, p, len)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    switch (data[0] % 3) {
    case 0:
        fuzz_mailbox(data + 1, size - 1);
        break;
    case 1:
        fuzz_gather(data + 1, size - 1);
        break;
    default:
        fuzz_payloads(data + 1, size - 1);
        break;
    }
    return 0;
}
