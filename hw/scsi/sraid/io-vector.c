/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: scatter-gather lists.
 */
#include <stdint.h>
#include <string.h>

#include "io-vector.h"

size_t sraid_iov_size(const struct iovec *iov, unsigned niov)
{
    size_t n = 0;

    for (unsigned i = 0; i < niov; i++) {
        n += iov[i].iov_len;
    }
    return n;
}

/*
 * Walk the segments of bytes [off, off + len): @fn gets each piece's
 * address and length in turn.
 */
typedef void IovPieceFn(void *opaque, uint8_t *base, size_t len);

static void iov_walk(const struct iovec *iov, unsigned niov, size_t off,
                     size_t len, IovPieceFn *fn, void *opaque)
{
    unsigned i = 0;

    while (i < niov && off >= iov[i].iov_len) {
        off -= iov[i++].iov_len;
    }
    for (; len; i++) {
        size_t n;

        /* callers keep ranges inside the vector */
        g_assert(i < niov);
        n = MIN(len, iov[i].iov_len - off);
        if (n) {
            fn(opaque, (uint8_t *)iov[i].iov_base + off, n);
        }
        len -= n;
        off = 0;
    }
}

typedef struct SliceCtx {
    GArray *out;
    unsigned added;
} SliceCtx;

static void slice_piece(void *opaque, uint8_t *base, size_t len)
{
    SliceCtx *c = opaque;
    struct iovec v = { .iov_base = base, .iov_len = len };

    g_array_append_val(c->out, v);
    c->added++;
}

unsigned sraid_iov_slice(GArray *out, const struct iovec *iov, unsigned niov,
                         size_t off, size_t len)
{
    SliceCtx c = { .out = out };

    iov_walk(iov, niov, off, len, slice_piece, &c);
    return c.added;
}

static void to_buf_piece(void *opaque, uint8_t *base, size_t len)
{
    uint8_t **buf = opaque;

    memcpy(*buf, base, len);
    *buf += len;
}

void sraid_iov_to_buf(const struct iovec *iov, unsigned niov, size_t off,
                      void *buf, size_t len)
{
    uint8_t *p = buf;

    iov_walk(iov, niov, off, len, to_buf_piece, &p);
}

static void from_buf_piece(void *opaque, uint8_t *base, size_t len)
{
    const uint8_t **buf = opaque;

    memcpy(base, *buf, len);
    *buf += len;
}

void sraid_iov_from_buf(const struct iovec *iov, unsigned niov, size_t off,
                        const void *buf, size_t len)
{
    const uint8_t *p = buf;

    iov_walk(iov, niov, off, len, from_buf_piece, &p);
}
