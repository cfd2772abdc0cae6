/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the Node_Negotiate mailbox (seed 003 struct mailbox).
 */
#include <glib.h>
#include <string.h>

#include "mailbox.h"
#include "scsi-proto.h"

static void fill(SraidMailbox *mb, unsigned nlds, unsigned channels,
                 unsigned targets, size_t config_len)
{
    memset(mb, 0, sizeof(*mb));
    mb->sender = 7;
    mb->sender_state = SRAID_NODE_MASTER;
    mb->sender_info = SRAID_NODE_INFO_STARTING_UP;
    mb->generation = 0x0102030405060708ULL;
    mb->nlds = nlds;
    for (unsigned i = 0; i < nlds; i++) {
        static const uint8_t levels[] = { 0, 1, 5, 6, 10 };

        mb->lds[i].id = i;
        mb->lds[i].level = levels[i % 5];
        mb->lds[i].state = i % 3;
        mb->lds[i].members = 2 + i;
        mb->lds[i].strip_sectors = 128;
        mb->lds[i].sectors = 1000000ULL * (i + 1);
        mb->lds[i].naa = 0x3535241494443000ULL + i;
    }
    mb->channels = channels;
    mb->targets = targets;
    for (unsigned c = 0; c < channels; c++) {
        for (unsigned t = 0; t < targets; t++) {
            SraidMailboxPd *pd = &mb->pds[c][t];

            if ((c + t) % 3 == 0) {
                continue;               /* an empty slot */
            }
            pd->present = true;
            pd->state = (c * 16 + t) % 5;
            for (unsigned k = 0; k < 16; k++) {
                pd->guid[k] = c * 16 + t + k;
            }
        }
    }
    mb->config_len = config_len;
    for (size_t i = 0; i < config_len; i++) {
        mb->config[i] = i * 13;
    }
}

static void assert_equal(const SraidMailbox *a, const SraidMailbox *b)
{
    g_assert_cmpuint(a->sender, ==, b->sender);
    g_assert_cmpuint(a->sender_state, ==, b->sender_state);
    g_assert_cmpuint(a->sender_info, ==, b->sender_info);
    g_assert_cmphex(a->generation, ==, b->generation);
    g_assert_cmpuint(a->nlds, ==, b->nlds);
    for (unsigned i = 0; i < a->nlds; i++) {
        g_assert_cmpuint(a->lds[i].id, ==, b->lds[i].id);
        g_assert_cmpuint(a->lds[i].level, ==, b->lds[i].level);
        g_assert_cmpuint(a->lds[i].state, ==, b->lds[i].state);
        g_assert_cmpuint(a->lds[i].members, ==, b->lds[i].members);
        g_assert_cmpuint(a->lds[i].strip_sectors, ==,
                         b->lds[i].strip_sectors);
        g_assert_cmphex(a->lds[i].sectors, ==, b->lds[i].sectors);
        g_assert_cmphex(a->lds[i].naa, ==, b->lds[i].naa);
    }
    g_assert_cmpuint(a->channels, ==, b->channels);
    g_assert_cmpuint(a->targets, ==, b->targets);
    for (unsigned c = 0; c < a->channels; c++) {
        for (unsigned t = 0; t < a->targets; t++) {
            const SraidMailboxPd *p = &a->pds[c][t], *q = &b->pds[c][t];

            g_assert_cmpint(p->present, ==, q->present);
            g_assert_cmpuint(p->state, ==, q->state);
            g_assert_cmpmem(p->guid, 16, q->guid, 16);
        }
    }
    g_assert_cmpmem(a->config, a->config_len, b->config, b->config_len);
}

/* The byte layout of docs/vendor-commands.md */
static void test_layout(void)
{
    g_autofree SraidMailbox *mb = g_new(SraidMailbox, 1);
    uint8_t buf[SRAID_MAILBOX_MAX_LEN];
    size_t len;

    fill(mb, 1, 1, 2, 3);
    len = sraid_mailbox_encode(mb, buf, sizeof(buf));
    g_assert_cmpuint(len, ==, 32 + 24 + 2 * 20 + 3 + 4);
    g_assert_cmpuint(sraid_mailbox_encoded_len(mb), ==, len);
    g_assert_cmpmem(buf, 32,
                    "SRMB" "\x00\x01" "\x00\x20" "\x00\x00\x00\x67"
                    "\x07\x01\x01\x00" "\x01\x02\x03\x04\x05\x06\x07\x08"
                    "\x01\x01\x02\x00" "\x00\x03\x00\x00", 32);
    /* LD 0: RAID 0, optimal, 2 members, strip 128, 1000000, NAA */
    g_assert_cmpmem(buf + 32, 24,
                    "\x00\x00\x00\x02" "\x00\x00\x00\x80"
                    "\x00\x00\x00\x00\x00\x0f\x42\x40"
                    "\x35\x35\x24\x14\x94\x44\x30\x00", 24);
    /* channel 0 target 0 empty: zeros; target 1 present, state 1 */
    for (unsigned i = 0; i < 20; i++) {
        g_assert_cmpuint(buf[56 + i], ==, 0);
    }
    g_assert_cmpuint(buf[76], ==, 1);
    g_assert_cmpuint(buf[76 + 15], ==, 16);
    g_assert_cmpmem(buf + 76 + 16, 4, "\x01\x01\x00\x00", 4);
    g_assert_cmpmem(buf + 96, 3, "\x00\x0d\x1a", 3);
    g_assert_cmphex(sraid_get_be32(buf + 99), ==, sraid_crc32c(buf, 99));
    g_assert_cmpuint(sraid_mailbox_peek_len(buf, len), ==, len);
    g_assert_cmpuint(sraid_mailbox_peek_len(buf, 31), ==, 0);
}

static void test_round_trip(void)
{
    g_autofree SraidMailbox *mb = g_new(SraidMailbox, 1);
    g_autofree SraidMailbox *back = g_new(SraidMailbox, 1);
    uint8_t buf[SRAID_MAILBOX_MAX_LEN], again[SRAID_MAILBOX_MAX_LEN];
    SraidParamError err;
    size_t len;

    /* the largest mailbox, then smaller ones down to nothing at all */
    fill(mb, 16, 4, 16, SRAID_MAILBOX_CONFIG_MAX);
    len = sraid_mailbox_encode(mb, buf, sizeof(buf));
    g_assert_cmpuint(len, ==, SRAID_MAILBOX_MAX_LEN);
    g_assert_true(sraid_mailbox_decode(buf, len, back, &err));
    assert_equal(mb, back);
    g_assert_cmpuint(sraid_mailbox_encode(back, again, sizeof(again)), ==,
                     len);
    g_assert_cmpmem(buf, len, again, len);
    /* one byte short of room: refused */
    g_assert_cmpuint(sraid_mailbox_encode(mb, buf, len - 1), ==, 0);

    for (unsigned n = 0; n <= 16; n += 4) {
        fill(mb, n, n % 5, n, n * 7);
        len = sraid_mailbox_encode(mb, buf, sizeof(buf));
        g_assert_cmpuint(len, >, 0);
        g_assert_true(sraid_mailbox_decode(buf, len, back, &err));
        assert_equal(mb, back);
    }
}

/* Any changed byte or bit, any wrong length: refused. */
static void test_corruption(void)
{
    g_autofree SraidMailbox *mb = g_new(SraidMailbox, 1);
    g_autofree SraidMailbox *back = g_new(SraidMailbox, 1);
    uint8_t buf[512];
    SraidParamError err;
    size_t len;

    fill(mb, 3, 2, 4, 17);
    len = sraid_mailbox_encode(mb, buf, sizeof(buf));
    g_assert_cmpuint(len, >, 0);
    for (size_t i = 0; i < len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            buf[i] ^= 1 << bit;
            g_assert_false(sraid_mailbox_decode(buf, len, back, &err));
            buf[i] ^= 1 << bit;
        }
    }
    for (size_t l = 0; l < len; l++) {
        g_assert_false(sraid_mailbox_decode(buf, l, back, &err));
        g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
    }
    /* a longer parameter list than the mailbox says */
    buf[len] = 0;
    g_assert_false(sraid_mailbox_decode(buf, len + 1, back, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
    g_assert_cmpuint(err.offset, ==, 8);
    g_assert_true(sraid_mailbox_decode(buf, len, back, &err));
}

/* Re-seal @buf after an edit so that only the edited field is wrong. */
static void reseal(uint8_t *buf, size_t len)
{
    sraid_put_be32(buf + len - 4, sraid_crc32c(buf, len - 4));
}

static void assert_field(uint8_t *buf, size_t len, size_t at, uint8_t value,
                         size_t want_offset)
{
    g_autofree SraidMailbox *back = g_new(SraidMailbox, 1);
    uint8_t saved = buf[at];
    SraidParamError err;

    buf[at] = value;
    reseal(buf, len);
    g_assert_false(sraid_mailbox_decode(buf, len, back, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_FIELD);
    g_assert_cmpuint(err.offset, ==, want_offset);
    buf[at] = saved;
    reseal(buf, len);
    g_assert_true(sraid_mailbox_decode(buf, len, back, &err));
}

/* Each rule, with a valid CRC: the offset of the field at fault. */
static void test_fields(void)
{
    g_autofree SraidMailbox *mb = g_new(SraidMailbox, 1);
    uint8_t buf[512];
    SraidParamError err;
    size_t len, ld1 = 32 + 24, pd0 = 32 + 2 * 24, pd1 = pd0 + 20;

    fill(mb, 2, 1, 2, 5);
    len = sraid_mailbox_encode(mb, buf, sizeof(buf));
    g_assert_cmpuint(len, ==, 32 + 48 + 40 + 5 + 4);

    assert_field(buf, len, 0, 'X', 0);              /* magic */
    assert_field(buf, len, 5, 2, 4);                /* version 2 */
    assert_field(buf, len, 7, 0x21, 6);             /* header length */
    assert_field(buf, len, 12, 16, 12);             /* sender id */
    assert_field(buf, len, 13, 0, 13);              /* no state */
    assert_field(buf, len, 13, 9, 13);
    assert_field(buf, len, 14, 10, 14);             /* state info */
    assert_field(buf, len, 15, 1, 15);              /* reserved */
    assert_field(buf, len, 27, 1, 27);
    assert_field(buf, len, 31, 1, 31);
    assert_field(buf, len, 24, 17, 24);             /* 17 LDs */
    assert_field(buf, len, 25, 5, 25);              /* 5 channels */
    assert_field(buf, len, 26, 17, 26);             /* 17 targets */
    assert_field(buf, len, 28, 0x10, 28);           /* config 4101 */
    assert_field(buf, len, ld1, 0, ld1);            /* id not ascending */
    assert_field(buf, len, ld1, 16, ld1);
    assert_field(buf, len, ld1 + 1, 2, ld1 + 1);    /* RAID 2 */
    assert_field(buf, len, ld1 + 2, 3, ld1 + 2);    /* LD state 3 */
    assert_field(buf, len, ld1 + 3, 0, ld1 + 3);    /* no members */
    assert_field(buf, len, ld1 + 3, 33, ld1 + 3);
    assert_field(buf, len, ld1 + 16, 0x43, ld1 + 16);   /* NAA 4h */
    /* slot 0 is empty: all of it must be zero */
    assert_field(buf, len, pd0 + 3, 1, pd0 + 3);
    assert_field(buf, len, pd0 + 16, 1, pd0 + 16);
    /* slot 1 is present */
    assert_field(buf, len, pd1 + 16, 5, pd1 + 16);  /* drive state */
    assert_field(buf, len, pd1 + 17, 3, pd1 + 17);  /* reserved flag */
    assert_field(buf, len, pd1 + 18, 1, pd1 + 18);
    /* the CRC itself */
    buf[len - 1] ^= 1;
    g_assert_false(sraid_mailbox_decode(buf, len, mb, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_FIELD);
    g_assert_cmpuint(err.offset, ==, len - 4);
    /* counts that do not add up to the total length */
    buf[len - 1] ^= 1;
    buf[24] = 1;
    reseal(buf, len);
    g_assert_false(sraid_mailbox_decode(buf, len, mb, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
}

/* The encoder sends nothing a receiver would refuse. */
static void test_encode_refuses(void)
{
    g_autofree SraidMailbox *mb = g_new(SraidMailbox, 1);
    uint8_t buf[SRAID_MAILBOX_MAX_LEN];

    fill(mb, 2, 1, 1, 0);
    g_assert_cmpuint(sraid_mailbox_encode(mb, buf, sizeof(buf)), >, 0);
    mb->lds[1].id = 0;
    g_assert_cmpuint(sraid_mailbox_encode(mb, buf, sizeof(buf)), ==, 0);
    fill(mb, 2, 1, 1, 0);
    mb->sender = SRAID_NODE_NONE;
    g_assert_cmpuint(sraid_mailbox_encode(mb, buf, sizeof(buf)), ==, 0);
    fill(mb, 2, 1, 1, 0);
    mb->nlds = 17;
    g_assert_cmpuint(sraid_mailbox_encode(mb, buf, sizeof(buf)), ==, 0);
    fill(mb, 2, 1, 1, 0);
    mb->config_len = SRAID_MAILBOX_CONFIG_MAX + 1;
    g_assert_cmpuint(sraid_mailbox_encode(mb, buf, sizeof(buf)), ==, 0);
    fill(mb, 2, 1, 1, 0);
    mb->pds[0][0].present = true;
    mb->pds[0][0].state = 9;
    g_assert_cmpuint(sraid_mailbox_encode(mb, buf, sizeof(buf)), ==, 0);
}

static void test_from_cod(void)
{
    g_autofree SraidCod *cod = g_new0(SraidCod, 1);
    g_autofree SraidMailbox *mb = g_new0(SraidMailbox, 1);
    uint8_t buf[SRAID_MAILBOX_MAX_LEN];

    cod->generation = 42;
    cod->nmembers = 3;
    for (unsigned i = 0; i < 3; i++) {
        cod->members[i].channel = i % 2;
        cod->members[i].target = i;
        cod->members[i].state = i == 2 ? SRAID_MEMBER_SPARE
                                       : SRAID_MEMBER_ONLINE;
        cod->members[i].guid[0] = 0xa0 + i;
    }
    /* listed out of id order: the mailbox sorts them */
    cod->nlds = 2;
    cod->lds[0] = (SraidCodLd){ .id = 3, .level = SRAID_RAID1,
                                .nmembers = 2, .strip_sectors = 128,
                                .member_sectors = 4096,
                                .naa = 0x3000000000000003ULL };
    cod->lds[1] = (SraidCodLd){ .id = 1, .level = SRAID_RAID0,
                                .nmembers = 2, .strip_sectors = 128,
                                .member_sectors = 4096,
                                .naa = 0x3000000000000001ULL };
    g_assert_true(sraid_mailbox_from_cod(cod, mb));
    mb->sender = 7;
    mb->sender_state = SRAID_NODE_MASTER;
    g_assert_cmpuint(mb->generation, ==, 42);
    g_assert_cmpuint(mb->nlds, ==, 2);
    g_assert_cmpuint(mb->lds[0].id, ==, 1);
    g_assert_cmpuint(mb->lds[0].sectors, ==, 8192);         /* RAID 0 */
    g_assert_cmpuint(mb->lds[1].id, ==, 3);
    g_assert_cmpuint(mb->lds[1].sectors, ==, 4096);         /* RAID 1 */
    g_assert_true(mb->pds[1][1].present);
    g_assert_cmpuint(mb->pds[1][1].guid[0], ==, 0xa1);
    g_assert_cmpuint(mb->pds[0][2].state, ==, SRAID_MEMBER_SPARE);
    g_assert_false(mb->pds[0][1].present);
    g_assert_cmpuint(sraid_mailbox_encode(mb, buf, sizeof(buf)), >, 0);

    /* two members in one slot */
    cod->members[2].channel = 0;
    cod->members[2].target = 0;
    g_assert_false(sraid_mailbox_from_cod(cod, mb));
    cod->members[2].target = SRAID_TARGET_MAX;
    g_assert_false(sraid_mailbox_from_cod(cod, mb));
}

/* Random bytes never crash the decoder nor decode non-canonically. */
static void test_random(void)
{
    g_autofree SraidMailbox *mb = g_new(SraidMailbox, 1);
    GRand *rand = g_rand_new_with_seed(0x4d42);
    uint8_t buf[600], again[600];
    SraidParamError err;

    fill(mb, 2, 2, 3, 11);
    for (unsigned i = 0; i < 20000; i++) {
        size_t len = sraid_mailbox_encode(mb, buf, sizeof(buf));
        unsigned flips = g_rand_int_range(rand, 1, 4);

        g_assert_cmpuint(len, >, 0);
        for (unsigned k = 0; k < flips; k++) {
            buf[g_rand_int_range(rand, 0, len)] = g_rand_int(rand);
        }
        if (g_rand_boolean(rand)) {
            reseal(buf, len);
        }
        if (sraid_mailbox_decode(buf, len, mb, &err)) {
            g_assert_cmpuint(sraid_mailbox_encode(mb, again, sizeof(again)),
                             ==, len);
            g_assert_cmpmem(buf, len, again, len);
        } else {
            g_assert_cmpuint(err.offset, <, len);
            fill(mb, 2, 2, 3, 11);
        }
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mailbox/layout", test_layout);
    g_test_add_func("/mailbox/round-trip", test_round_trip);
    g_test_add_func("/mailbox/corruption", test_corruption);
    g_test_add_func("/mailbox/fields", test_fields);
    g_test_add_func("/mailbox/encode-refuses", test_encode_refuses);
    g_test_add_func("/mailbox/from-cod", test_from_cod);
    g_test_add_func("/mailbox/random", test_random);
    return g_test_run();
}
