/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the scatter-gather helpers: every range of a vector with
 * uneven segments (one empty) against a flat copy of the same bytes.
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "io-vector.h"

#define TOTAL 64

static void test_ranges(void)
{
    static const size_t lens[] = { 7, 0, 1, 20, 4, 32 };
    struct iovec iov[G_N_ELEMENTS(lens)];
    uint8_t flat[TOTAL], mem[TOTAL], buf[TOTAL];
    size_t pos = 0;

    for (unsigned i = 0; i < TOTAL; i++) {
        flat[i] = mem[i] = i * 7 + 1;
    }
    /* segments in reverse order of memory: offsets must not assume one run */
    for (unsigned i = 0; i < G_N_ELEMENTS(lens); i++) {
        pos += lens[i];
        iov[i].iov_base = mem + TOTAL - pos;
        iov[i].iov_len = lens[i];
    }
    g_assert_cmpuint(pos, ==, TOTAL);
    g_assert_cmpuint(sraid_iov_size(iov, G_N_ELEMENTS(iov)), ==, TOTAL);

    for (size_t off = 0; off <= TOTAL; off++) {
        for (size_t len = 0; off + len <= TOTAL; len++) {
            g_autoptr(GArray) out = g_array_new(FALSE, FALSE,
                                                sizeof(struct iovec));
            unsigned n = sraid_iov_slice(out, iov, G_N_ELEMENTS(iov), off,
                                         len);
            uint8_t expect[TOTAL];
            size_t got = 0;

            /* the bytes a flat vector would have at [off, off + len) */
            for (size_t i = 0, at = 0; i < G_N_ELEMENTS(lens); i++) {
                for (size_t j = 0; j < lens[i]; j++, at++) {
                    if (at >= off && at < off + len) {
                        expect[at - off] =
                            ((uint8_t *)iov[i].iov_base)[j];
                    }
                }
            }
            g_assert_cmpuint(n, ==, out->len);
            for (unsigned i = 0; i < out->len; i++) {
                struct iovec *v = &g_array_index(out, struct iovec, i);

                g_assert_cmpuint(v->iov_len, >, 0);
                g_assert_cmpmem(v->iov_base, v->iov_len, expect + got,
                                v->iov_len);
                got += v->iov_len;
            }
            g_assert_cmpuint(got, ==, len);

            memset(buf, 0, sizeof(buf));
            sraid_iov_to_buf(iov, G_N_ELEMENTS(iov), off, buf, len);
            g_assert_cmpmem(buf, len, expect, len);

            /* write back inverted, check, restore */
            for (size_t i = 0; i < len; i++) {
                buf[i] = ~buf[i];
            }
            sraid_iov_from_buf(iov, G_N_ELEMENTS(iov), off, buf, len);
            memset(expect, 0, sizeof(expect));
            sraid_iov_to_buf(iov, G_N_ELEMENTS(iov), off, expect, len);
            g_assert_cmpmem(buf, len, expect, len);
            memcpy(mem, flat, TOTAL);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/io-vector/ranges", test_ranges);
    return g_test_run();
}
