/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of RAID 5/6 parity.  A plain byte-at-a-time GF(2^8)
 * implementation here is the reference the ISA-L based code is checked
 * against; it exists only in this test.
 */
#include <glib.h>
#include <string.h>

#include "parity.h"
#include "raid-geometry.h"

/* GF(2^8) with polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator 2 */
static uint8_t ref_mul(uint8_t a, uint8_t b)
{
    uint8_t r = 0;

    while (b) {
        if (b & 1) {
            r ^= a;
        }
        a = (a << 1) ^ ((a & 0x80) ? 0x1d : 0);
        b >>= 1;
    }
    return r;
}

static void ref_pq(unsigned ndata, uint8_t **data, uint8_t *p, uint8_t *q,
                   size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t pp = 0, qq = 0, g = 1;

        for (unsigned d = 0; d < ndata; d++) {
            pp ^= data[d][i];
            qq ^= ref_mul(g, data[d][i]);
            g = ref_mul(g, 2);
        }
        p[i] = pp;
        if (q) {
            q[i] = qq;
        }
    }
}

typedef struct Stripe {
    unsigned ndata, nparity;
    size_t len;
    uint8_t *blocks[SRAID_MAX_MEMBERS + 2];
    uint8_t *saved[SRAID_MAX_MEMBERS + 2];
} Stripe;

static void stripe_new(Stripe *s, unsigned ndata, unsigned nparity,
                       size_t len, GRand *rand)
{
    s->ndata = ndata;
    s->nparity = nparity;
    s->len = len;
    for (unsigned i = 0; i < ndata + nparity; i++) {
        s->blocks[i] = sraid_parity_alloc(len);
        s->saved[i] = g_malloc(len);
        for (size_t j = 0; j < len; j++) {
            s->blocks[i][j] = g_rand_int(rand);
        }
    }
    if (nparity == 1) {
        sraid_parity_gen_p(ndata, s->blocks, s->blocks[ndata], len);
    } else {
        sraid_parity_gen_pq(ndata, s->blocks, s->blocks[ndata],
                            s->blocks[ndata + 1], len);
    }
    for (unsigned i = 0; i < ndata + nparity; i++) {
        memcpy(s->saved[i], s->blocks[i], len);
    }
}

static void stripe_free(Stripe *s)
{
    for (unsigned i = 0; i < s->ndata + s->nparity; i++) {
        sraid_parity_free(s->blocks[i]);
        g_free(s->saved[i]);
    }
}

/* ISA-L's P and Q equal the reference for many widths and lengths. */
static void test_matches_reference(void)
{
    GRand *rand = g_rand_new_with_seed(1);

    for (unsigned ndata = 2; ndata <= 30; ndata++) {
        for (size_t len = 32; len <= 4096; len *= 4) {
            Stripe s;
            g_autofree uint8_t *p = g_malloc(len);
            g_autofree uint8_t *q = g_malloc(len);

            stripe_new(&s, ndata, 2, len, rand);
            ref_pq(ndata, s.blocks, p, q, len);
            g_assert_cmpmem(p, len, s.blocks[ndata], len);
            g_assert_cmpmem(q, len, s.blocks[ndata + 1], len);
            g_assert_true(sraid_parity_check(ndata, 2, s.blocks, len));
            stripe_free(&s);

            stripe_new(&s, ndata, 1, len, rand);
            ref_pq(ndata, s.blocks, p, NULL, len);
            g_assert_cmpmem(p, len, s.blocks[ndata], len);
            g_assert_true(sraid_parity_check(ndata, 1, s.blocks, len));
            stripe_free(&s);
        }
    }
    g_rand_free(rand);
}

static void test_check_detects_corruption(void)
{
    GRand *rand = g_rand_new_with_seed(2);

    for (unsigned nparity = 1; nparity <= 2; nparity++) {
        for (unsigned victim = 0; victim < 6 + nparity; victim++) {
            Stripe s;

            stripe_new(&s, 6, nparity, 512, rand);
            s.blocks[victim][g_rand_int_range(rand, 0, 512)] ^= 0x10;
            g_assert_false(sraid_parity_check(6, nparity, s.blocks, 512));
            stripe_free(&s);
        }
    }
    g_rand_free(rand);
}

static void lose_and_recover(Stripe *s, const unsigned *lost, unsigned n)
{
    g_autoptr(GError) err = NULL;

    for (unsigned i = 0; i < n; i++) {
        memset(s->blocks[lost[i]], 0xdb, s->len);
    }
    g_assert_true(sraid_parity_recover(s->ndata, s->nparity, s->blocks, lost,
                                       n, s->len, &err));
    g_assert_no_error(err);
    for (unsigned i = 0; i < s->ndata + s->nparity; i++) {
        g_assert_cmpmem(s->blocks[i], s->len, s->saved[i], s->len);
    }
}

/* RAID 5: every single lost strip of every width from 2 to 16 data. */
static void test_raid5_every_single_loss(void)
{
    GRand *rand = g_rand_new_with_seed(3);

    for (unsigned ndata = 1; ndata <= 16; ndata++) {
        Stripe s;

        stripe_new(&s, ndata, 1, 256, rand);
        for (unsigned a = 0; a <= ndata; a++) {
            lose_and_recover(&s, &a, 1);
        }
        stripe_free(&s);
    }
    g_rand_free(rand);
}

/* RAID 6: every 1- and every 2-strip loss, data and parity alike. */
static void test_raid6_every_double_loss(void)
{
    GRand *rand = g_rand_new_with_seed(4);

    for (unsigned ndata = 2; ndata <= 16; ndata++) {
        unsigned total = ndata + 2;
        Stripe s;

        stripe_new(&s, ndata, 2, 128, rand);
        for (unsigned a = 0; a < total; a++) {
            lose_and_recover(&s, &a, 1);
            for (unsigned b = a + 1; b < total; b++) {
                unsigned lost[2] = { b, a };    /* any order */

                lose_and_recover(&s, lost, 2);
            }
        }
        stripe_free(&s);
    }
    g_rand_free(rand);
}

static void test_too_many_losses(void)
{
    GRand *rand = g_rand_new_with_seed(5);
    const unsigned three[3] = { 0, 1, 2 };
    const unsigned two[2] = { 0, 1 };
    const unsigned dup[2] = { 1, 1 };
    const unsigned bad[1] = { 9 };
    Stripe s;
    g_autoptr(GError) err = NULL;

    stripe_new(&s, 4, 2, 64, rand);
    g_assert_false(sraid_parity_recover(4, 2, s.blocks, three, 3, 64, &err));
    g_assert_nonnull(strstr(err->message, "3 strips of the stripe are lost"));
    g_clear_error(&err);
    g_assert_false(sraid_parity_recover(4, 2, s.blocks, dup, 2, 64, &err));
    g_clear_error(&err);
    g_assert_false(sraid_parity_recover(4, 2, s.blocks, bad, 1, 64, &err));
    g_clear_error(&err);
    stripe_free(&s);
    stripe_new(&s, 4, 1, 64, rand);
    g_assert_false(sraid_parity_recover(4, 1, s.blocks, two, 2, 64, &err));
    stripe_free(&s);
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/parity/matches-reference", test_matches_reference);
    g_test_add_func("/parity/check-detects-corruption",
                    test_check_detects_corruption);
    g_test_add_func("/parity/raid5-every-single-loss",
                    test_raid5_every_single_loss);
    g_test_add_func("/parity/raid6-every-double-loss",
                    test_raid6_every_double_loss);
    g_test_add_func("/parity/too-many-losses", test_too_many_losses);
    return g_test_run();
}
