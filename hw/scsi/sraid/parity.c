/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: RAID 5/6 parity on ISA-L.
 */
#include <isa-l/erasure_code.h>
#include <isa-l/raid.h>
#include <stdlib.h>
#include <string.h>

#include "core-error.h"
#include "parity.h"
#include "raid-geometry.h"

void *sraid_parity_alloc(size_t len)
{
    void *buf;

    if (posix_memalign(&buf, SRAID_PARITY_ALIGN, len ? len : 1)) {
        g_error("out of memory allocating %zu bytes", len);
    }
    return buf;
}

void sraid_parity_free(void *buf)
{
    free(buf);
}

void sraid_parity_gen_p(unsigned ndata, uint8_t **data, uint8_t *p,
                        size_t len)
{
    void *vects[SRAID_MAX_MEMBERS + 1];

    g_assert(ndata >= 1 && ndata < SRAID_MAX_MEMBERS);
    g_assert(len % SRAID_PARITY_ALIGN == 0 && len <= G_MAXINT);
    if (ndata == 1) {
        memcpy(p, data[0], len);        /* xor_gen needs two sources */
        return;
    }
    memcpy(vects, data, ndata * sizeof(*data));
    vects[ndata] = p;
    xor_gen(ndata + 1, len, vects);
}

void sraid_parity_gen_pq(unsigned ndata, uint8_t **data, uint8_t *p,
                         uint8_t *q, size_t len)
{
    void *vects[SRAID_MAX_MEMBERS + 2];

    g_assert(ndata >= 2 && ndata <= SRAID_MAX_MEMBERS - 2);
    g_assert(len % SRAID_PARITY_ALIGN == 0 && len <= G_MAXINT);
    memcpy(vects, data, ndata * sizeof(*data));
    vects[ndata] = p;
    vects[ndata + 1] = q;
    pq_gen(ndata + 2, len, vects);
}

gboolean sraid_parity_check(unsigned ndata, unsigned nparity,
                            uint8_t **blocks, size_t len)
{
    void *vects[SRAID_MAX_MEMBERS + 2];

    g_assert(nparity == 1 || nparity == 2);
    g_assert(len % SRAID_PARITY_ALIGN == 0 && len <= G_MAXINT);
    memcpy(vects, blocks, (ndata + nparity) * sizeof(*blocks));
    if (nparity == 1) {
        if (ndata == 1) {
            return memcmp(blocks[0], blocks[1], len) == 0;
        }
        return xor_check(ndata + 1, len, vects) == 0;
    }
    return pq_check(ndata + 2, len, vects) == 0;
}

/*
 * Row @row of the code's generator matrix: identity rows for the data, then
 * all ones (P), then g^j (Q).
 */
static void generator_row(unsigned ndata, unsigned row, uint8_t *out)
{
    uint8_t coef = 1;

    for (unsigned j = 0; j < ndata; j++) {
        if (row < ndata) {
            out[j] = row == j;
        } else if (row == ndata) {
            out[j] = 1;
        } else {
            out[j] = coef;
            coef = gf_mul(coef, 2);
        }
    }
}

gboolean sraid_parity_recover(unsigned ndata, unsigned nparity,
                              uint8_t **blocks, const unsigned *missing,
                              unsigned nmissing, size_t len, GError **errp)
{
    unsigned total = ndata + nparity;
    uint8_t sub[SRAID_MAX_MEMBERS * SRAID_MAX_MEMBERS];
    uint8_t inv[SRAID_MAX_MEMBERS * SRAID_MAX_MEMBERS];
    uint8_t coefs[2 * SRAID_MAX_MEMBERS];
    uint8_t row[SRAID_MAX_MEMBERS];
    uint8_t *survivors[SRAID_MAX_MEMBERS];
    uint8_t *outputs[2];
    g_autofree uint8_t *tables = NULL;
    gboolean is_missing[SRAID_MAX_MEMBERS + 2] = { FALSE };
    unsigned n = 0;

    g_assert(nparity <= 2 && ndata >= 1 && total <= SRAID_MAX_MEMBERS);
    g_assert(len % SRAID_PARITY_ALIGN == 0 && len <= G_MAXINT);
    if (nmissing > nparity) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "%u strips of the stripe are lost; the code recovers"
                    " at most %u", nmissing, nparity);
        return FALSE;
    }
    for (unsigned i = 0; i < nmissing; i++) {
        if (missing[i] >= total || is_missing[missing[i]]) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "invalid lost strip index %u", missing[i]);
            return FALSE;
        }
        is_missing[missing[i]] = TRUE;
    }
    if (nmissing == 0) {
        return TRUE;
    }

    /*
     * Any ndata surviving blocks determine the stripe: take the first ones,
     * invert their generator rows, and express every lost block as a
     * combination of them.
     */
    for (unsigned r = 0; r < total && n < ndata; r++) {
        if (!is_missing[r]) {
            generator_row(ndata, r, sub + n * ndata);
            survivors[n++] = blocks[r];
        }
    }
    g_assert(n == ndata);
    if (gf_invert_matrix(sub, inv, ndata) < 0) {
        /* cannot happen for this code: every ndata rows are independent */
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "singular recovery matrix");
        return FALSE;
    }
    for (unsigned m = 0; m < nmissing; m++) {
        generator_row(ndata, missing[m], row);
        for (unsigned j = 0; j < ndata; j++) {
            uint8_t c = 0;

            for (unsigned k = 0; k < ndata; k++) {
                c ^= gf_mul(row[k], inv[k * ndata + j]);
            }
            coefs[m * ndata + j] = c;
        }
        outputs[m] = blocks[missing[m]];
    }
    tables = g_malloc(32 * ndata * nmissing);
    ec_init_tables(ndata, nmissing, coefs, tables);
    ec_encode_data(len, ndata, nmissing, tables, survivors, outputs);
    return TRUE;
}
