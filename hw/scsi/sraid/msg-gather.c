/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: message gathering (seed 002).
 */
#include <string.h>

#include "msg-gather.h"
#include "scsi-proto.h"

/* Container header */
#define H_VERSION   0
#define H_COUNT     2

bool sraid_gather_init(SraidGatherBuilder *b, uint8_t *buf, size_t cap)
{
    if (cap < SRAID_GATHER_HEADER_LEN + SRAID_GATHER_RECORD_LEN) {
        return false;
    }
    b->buf = buf;
    b->cap = cap < SRAID_GATHER_MAX_LEN ? cap : SRAID_GATHER_MAX_LEN;
    b->len = SRAID_GATHER_HEADER_LEN;
    b->count = 0;
    return true;
}

bool sraid_gather_append(SraidGatherBuilder *b, uint8_t dcmd,
                         uint32_t address, const void *payload, size_t len)
{
    uint8_t *p;

    if (!sraid_vendor_dcmd_gatherable(dcmd) ||
        (address && !sraid_vendor_dcmd_has_address(dcmd)) ||
        b->count >= SRAID_GATHER_MAX_RECORDS ||
        b->cap - b->len < SRAID_GATHER_RECORD_LEN ||
        len > b->cap - b->len - SRAID_GATHER_RECORD_LEN) {
        return false;
    }
    p = b->buf + b->len;
    p[SRAID_GATHER_REC_DCMD] = dcmd;
    p[1] = 0;
    sraid_put_be16(p + SRAID_GATHER_REC_LENGTH, len);
    sraid_put_be32(p + SRAID_GATHER_REC_ADDRESS, address);
    if (len) {
        memcpy(p + SRAID_GATHER_RECORD_LEN, payload, len);
    }
    b->len += SRAID_GATHER_RECORD_LEN + len;
    b->count++;
    return true;
}

size_t sraid_gather_finish(SraidGatherBuilder *b)
{
    if (!b->count) {
        return 0;
    }
    memset(b->buf, 0, SRAID_GATHER_HEADER_LEN);
    b->buf[H_VERSION] = SRAID_GATHER_VERSION;
    sraid_put_be16(b->buf + H_COUNT, b->count);
    return b->len;
}

static bool fail(SraidParamError *err, SraidParamErrorKind kind,
                 size_t offset, const char *what)
{
    err->kind = kind;
    err->offset = offset;
    err->bit = -1;
    err->what = what;
    return false;
}

bool sraid_gather_check(const uint8_t *buf, size_t len, unsigned *count,
                        SraidParamError *err, int *bad_index)
{
    size_t off = SRAID_GATHER_HEADER_LEN;
    unsigned n;

    *bad_index = -1;
    if (len < SRAID_GATHER_HEADER_LEN) {
        return fail(err, SRAID_PARAM_LENGTH, 0, "shorter than the header");
    }
    if (buf[H_VERSION] != SRAID_GATHER_VERSION) {
        return fail(err, SRAID_PARAM_FIELD, H_VERSION, "unknown version");
    }
    if (buf[1]) {
        return fail(err, SRAID_PARAM_FIELD, 1, "reserved byte not zero");
    }
    for (size_t i = 4; i < SRAID_GATHER_HEADER_LEN; i++) {
        if (buf[i]) {
            return fail(err, SRAID_PARAM_FIELD, i, "reserved byte not zero");
        }
    }
    n = sraid_get_be16(buf + H_COUNT);
    if (n == 0 || n > SRAID_GATHER_MAX_RECORDS) {
        return fail(err, SRAID_PARAM_FIELD, H_COUNT,
                    "record count not 1 to 128");
    }
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = buf + off;
        size_t rec_len;

        *bad_index = i;
        if (len - off < SRAID_GATHER_RECORD_LEN) {
            return fail(err, SRAID_PARAM_LENGTH, off,
                        "record header past the end");
        }
        if (!sraid_vendor_dcmd_gatherable(p[SRAID_GATHER_REC_DCMD])) {
            return fail(err, SRAID_PARAM_FIELD, off + SRAID_GATHER_REC_DCMD,
                        "DCMD may not be gathered");
        }
        if (p[1]) {
            return fail(err, SRAID_PARAM_FIELD, off + 1,
                        "reserved byte not zero");
        }
        if (!sraid_vendor_dcmd_has_address(p[SRAID_GATHER_REC_DCMD]) &&
            sraid_get_be32(p + SRAID_GATHER_REC_ADDRESS)) {
            return fail(err, SRAID_PARAM_FIELD,
                        off + SRAID_GATHER_REC_ADDRESS,
                        "address on a DCMD without one");
        }
        rec_len = sraid_get_be16(p + SRAID_GATHER_REC_LENGTH);
        if (rec_len > len - off - SRAID_GATHER_RECORD_LEN) {
            return fail(err, SRAID_PARAM_LENGTH,
                        off + SRAID_GATHER_REC_LENGTH,
                        "record payload past the end");
        }
        off += SRAID_GATHER_RECORD_LEN + rec_len;
    }
    if (off != len) {
        /* the count is too small for the list, or the list too long */
        *bad_index = -1;
        return fail(err, SRAID_PARAM_LENGTH, H_COUNT,
                    "bytes after the last record");
    }
    *count = n;
    return true;
}

void sraid_gather_iter_init(SraidGatherIter *it, const uint8_t *buf,
                            size_t len)
{
    it->buf = buf;
    it->len = len;
    it->off = SRAID_GATHER_HEADER_LEN;
    it->index = 0;
    it->count = len >= SRAID_GATHER_HEADER_LEN ?
                sraid_get_be16(buf + H_COUNT) : 0;
}

bool sraid_gather_next(SraidGatherIter *it, SraidGatherRecord *rec)
{
    const uint8_t *p;
    size_t rec_len;

    if (it->index >= it->count || it->off > it->len ||
        it->len - it->off < SRAID_GATHER_RECORD_LEN) {
        return false;
    }
    p = it->buf + it->off;
    rec_len = sraid_get_be16(p + SRAID_GATHER_REC_LENGTH);
    if (rec_len > it->len - it->off - SRAID_GATHER_RECORD_LEN) {
        return false;
    }
    rec->index = it->index;
    rec->offset = it->off;
    rec->dcmd = p[SRAID_GATHER_REC_DCMD];
    rec->address = sraid_get_be32(p + SRAID_GATHER_REC_ADDRESS);
    rec->payload = p + SRAID_GATHER_RECORD_LEN;
    rec->len = rec_len;
    it->off += SRAID_GATHER_RECORD_LEN + rec_len;
    it->index++;
    return true;
}
