/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests: the persistent reservation area (pr-store.h): the record's
 * byte layout, refusal of every damaged record, the newest record across
 * disks and slots, a save torn at any write, and the choice of slots.
 */
#include <glib.h>
#include <string.h>

#include "le-bytes.h"
#include "pr-store.h"

#define NDISKS 3

static SraidCod *make_cod(uint8_t guid0)
{
    SraidCod *cod = g_new0(SraidCod, 1);

    memset(cod->array_guid, 0xa0, 16);
    cod->array_guid[0] = guid0;
    cod->nlds = 2;
    for (unsigned i = 0; i < 2; i++) {
        SraidCodLd *l = &cod->lds[i];

        l->id = i * 3;                  /* ids 0 and 3 */
        l->level = 5;
        l->nmembers = 3;
        l->strip_sectors = 128;
        l->start = i * 4096;
        l->member_sectors = 4096;
        l->naa = 0x3000000000000000ull | i;
        g_snprintf(l->serial, sizeof(l->serial), "A0A0A0A0-LD%u", l->id);
    }
    return cod;
}

/* A state with @n registrations, the guest path of node 7 holding @type */
static void make_state(SraidPrState *st, unsigned n, uint8_t type,
                       bool aptpl, bool long_names)
{
    sraid_pr_init(st);
    for (unsigned i = 0; i < n; i++) {
        SraidPrReg *r = &st->regs[st->nregs++];
        g_autofree char *name = NULL;

        r->key = 0x1000 + i;
        if (i == 0) {
            SraidPrNexus nx;

            sraid_pr_nexus_guest(&nx, 7);
            r->initiator = nx.initiator;
            r->rtpi = nx.rtpi;
            continue;
        }
        name = long_names ?
            g_strdup_printf("iqn.2026-01.org.example:%0199u", i) :
            g_strdup_printf("iqn.2026-01.org.example:h%u", i);
        g_assert_true(sraid_pr_tid_iscsi(&r->initiator, name, i));
        r->rtpi = 1;
    }
    if (type && n) {
        st->type = type;
        sraid_pr_nexus_guest(&st->holder, 7);
    }
    st->aptpl = aptpl;
    st->generation = 40 + n;
}

static void assert_same_state(const SraidPrState *a, const SraidPrState *b)
{
    g_assert_cmpmem(a, sizeof(*a), b, sizeof(*b));
}

static void test_layout(void)
{
    g_autofree SraidCod *cod = make_cod(0xa0);
    g_autofree SraidPrState *st = g_new(SraidPrState, 1);
    g_autofree SraidPrState *back = g_new(SraidPrState, 1);
    g_autofree uint8_t *buf = g_malloc(SRAID_PRS_SLOT_LEN);
    g_autofree uint8_t *enc = g_malloc(SRAID_PR_ENC_MAX);
    SraidPrsIdentity id, id2;
    uint64_t gen;
    char *why;
    size_t len, n;

    sraid_prs_identity(cod, 1, &id);
    make_state(st, 3, SRAID_PR_TYPE_WE_RO, true, false);
    len = sraid_prs_encode(&id, 0x0102030405060708ull, st, buf);
    n = sraid_pr_encode(st, enc);
    g_assert_cmpuint(len, ==, (128 + n + 511) / 512 * 512);
    g_assert_cmpmem(buf, 8, "SRPRSTOR", 8);
    g_assert_cmpuint(sraid_get_le16(buf + 8), ==, 1);
    g_assert_cmpuint(sraid_get_le16(buf + 10), ==, 128);
    g_assert_cmpuint(sraid_get_le32(buf + 12), ==, n);
    g_assert_cmphex(buf[16], ==, 0x08);            /* little-endian */
    g_assert_cmphex(sraid_get_le64(buf + 16), ==, 0x0102030405060708ull);
    g_assert_cmpmem(buf + 24, 16, cod->array_guid, 16);
    g_assert_cmphex(sraid_get_le64(buf + 40), ==, cod->lds[1].naa);
    g_assert_cmpstr((char *)buf + 48, ==, "A0A0A0A0-LD3");
    g_assert_cmphex(sraid_get_le32(buf + 80), ==, id.layout);
    g_assert_cmpuint(buf[84], ==, 3);
    for (unsigned i = 85; i < 124; i++) {
        g_assert_cmpuint(buf[i], ==, 0);
    }
    g_assert_cmphex(sraid_get_le32(buf + 124), ==,
                    sraid_crc32c_extend(sraid_crc32c(buf, 124), buf + 128, n));
    g_assert_cmpmem(buf + 128, n, enc, n);
    for (size_t i = 128 + n; i < SRAID_PRS_SLOT_LEN; i++) {
        g_assert_cmpuint(buf[i], ==, 0);
    }

    /* round trip */
    g_assert_cmpint(sraid_prs_decode(buf, len, &id2, &gen, back, &why), ==,
                    SRAID_PRS_VALID);
    g_assert_null(why);
    g_assert_true(sraid_prs_identity_equal(&id, &id2));
    g_assert_cmphex(gen, ==, 0x0102030405060708ull);
    assert_same_state(st, back);

    /* the identity: another id, serial, layout or array is another drive */
    sraid_prs_identity(cod, 0, &id2);
    g_assert_false(sraid_prs_identity_equal(&id, &id2));
    cod->lds[1].start += 8;
    sraid_prs_identity(cod, 1, &id2);
    g_assert_false(sraid_prs_identity_equal(&id, &id2));
    cod->lds[1].start -= 8;
    cod->lds[1].members[0] = 7;     /* a spare took a member's place */
    sraid_prs_identity(cod, 1, &id2);
    g_assert_true(sraid_prs_identity_equal(&id, &id2));
    cod->array_guid[15] ^= 1;
    sraid_prs_identity(cod, 1, &id2);
    g_assert_false(sraid_prs_identity_equal(&id, &id2));

    /* the largest state fits a slot */
    make_state(st, SRAID_PR_MAX_REGS, SRAID_PR_TYPE_EA, true, true);
    g_assert_cmpuint(sraid_pr_encode(st, enc), >, 30000);
    len = sraid_prs_encode(&id, 1, st, buf);
    g_assert_cmpuint(len, <=, SRAID_PRS_SLOT_LEN);
    g_assert_cmpint(sraid_prs_decode(buf, SRAID_PRS_SLOT_LEN, &id2, &gen,
                                     back, &why), ==, SRAID_PRS_VALID);
    assert_same_state(st, back);
}

static void test_damaged(void)
{
    g_autofree SraidCod *cod = make_cod(0xa0);
    g_autofree SraidPrState *st = g_new(SraidPrState, 1);
    g_autofree SraidPrState *back = g_new(SraidPrState, 1);
    g_autofree uint8_t *buf = g_malloc(SRAID_PRS_SLOT_LEN);
    SraidPrsIdentity id, id2;
    uint64_t gen;
    size_t len, end;
    char *why;

    sraid_prs_identity(cod, 0, &id);
    make_state(st, 2, SRAID_PR_TYPE_WE_RO, true, false);
    len = sraid_prs_encode(&id, 5, st, buf);
    end = 128 + sraid_get_le32(buf + 12);

    /* every flipped byte of header and state refused, with a reason */
    for (size_t i = 0; i < end; i++) {
        for (unsigned v = 0; v < 2; v++) {
            uint8_t x = v ? 0xff : 0x01;

            buf[i] ^= x;
            g_assert_cmpint(sraid_prs_decode(buf, len, &id2, &gen, back,
                                             &why), ==, SRAID_PRS_DAMAGED);
            g_assert_nonnull(why);
            g_free(why);
            g_assert_cmpuint(back->nregs, ==, 0);
            buf[i] ^= x;
        }
    }
    /* the padding after the state is not part of the record */
    buf[end] = 0x55;
    g_assert_cmpint(sraid_prs_decode(buf, len, &id2, &gen, back, &why), ==,
                    SRAID_PRS_VALID);
    buf[end] = 0;
    /* every truncation */
    for (size_t l = 0; l < end; l++) {
        g_assert_cmpint(sraid_prs_decode(buf, l, &id2, &gen, back, &why),
                        ==, SRAID_PRS_DAMAGED);
        g_free(why);
    }
    /* a never written slot is empty, not damaged */
    memset(buf, 0, SRAID_PRS_SLOT_LEN);
    g_assert_cmpint(sraid_prs_decode(buf, SRAID_PRS_SLOT_LEN, &id2, &gen,
                                     back, &why), ==, SRAID_PRS_EMPTY);
    g_assert_null(why);
    /* CRC right, content wrong: a reserved byte, generation 0 */
    len = sraid_prs_encode(&id, 5, st, buf);
    buf[100] = 1;
    sraid_put_le32(buf + 124, sraid_crc32c_extend(sraid_crc32c(buf, 124),
                                                  buf + 128, end - 128));
    g_assert_cmpint(sraid_prs_decode(buf, len, &id2, &gen, back, &why), ==,
                    SRAID_PRS_DAMAGED);
    g_assert_nonnull(strstr(why, "reserved byte 100"));
    g_free(why);
    buf[100] = 0;
    sraid_put_le64(buf + 16, 0);
    sraid_put_le32(buf + 124, sraid_crc32c_extend(sraid_crc32c(buf, 124),
                                                  buf + 128, end - 128));
    g_assert_cmpint(sraid_prs_decode(buf, len, &id2, &gen, back, &why), ==,
                    SRAID_PRS_DAMAGED);
    g_free(why);
}

/* NDISKS member areas in memory */
typedef struct Disks {
    uint8_t *area[NDISKS];
} Disks;

static void disks_init(Disks *d)
{
    for (unsigned i = 0; i < NDISKS; i++) {
        d->area[i] = g_malloc0(SRAID_PRS_AREA_LEN);
    }
}

static void disks_free(Disks *d)
{
    for (unsigned i = 0; i < NDISKS; i++) {
        g_free(d->area[i]);
    }
}

static SraidPrsLoad *load_all(const SraidCod *cod, Disks *d,
                              GPtrArray *problems)
{
    SraidPrsLoad *l = sraid_prs_load_new(cod);

    for (unsigned i = 0; i < NDISKS; i++) {
        sraid_prs_load_disk(l, i, d->area[i], SRAID_PRS_AREA_LEN, problems);
    }
    return l;
}

/* A whole save of LD index @ldi through @m onto every disk */
static void save(SraidPrsMap *m, const SraidCod *cod, unsigned ldi,
                 const SraidPrState *st, Disks *d)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_PRS_SLOT_LEN);
    SraidPrsIdentity id;
    uint64_t gen;
    int slot;
    size_t len;

    sraid_prs_identity(cod, ldi, &id);
    slot = sraid_prs_map_begin(m, &id, st->aptpl, &gen);
    g_assert_cmpint(slot, >=, 0);
    len = sraid_prs_encode(&id, gen, st, buf);
    for (unsigned i = 0; i < NDISKS; i++) {
        memcpy(d->area[i] + slot * SRAID_PRS_SLOT_LEN, buf, len);
    }
    sraid_prs_map_end(m, slot, true);
}

static void test_newest_wins(void)
{
    g_autofree SraidCod *cod = make_cod(0xa0);
    g_autofree SraidCod *other = make_cod(0xb1);
    g_autofree SraidPrState *st = g_new(SraidPrState, 1);
    g_autofree SraidPrState *st2 = g_new(SraidPrState, 1);
    g_autofree uint8_t *buf = g_malloc(SRAID_PRS_SLOT_LEN);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autofree SraidPrsMap *m = g_new(SraidPrsMap, 1);
    SraidPrsIdentity id;
    Disks d;

    disks_init(&d);
    sraid_prs_map_init(m);
    {
        g_autoptr(SraidPrsLoad) l = load_all(cod, &d, problems);

        g_assert_false(l->best[0].found || l->best[1].found);
        g_assert_cmpuint(problems->len, ==, 0);
        sraid_prs_map_loaded(m, l);
    }
    make_state(st, 2, SRAID_PR_TYPE_WE_RO, true, false);
    save(m, cod, 0, st, &d);
    make_state(st2, 3, SRAID_PR_TYPE_EA_RO, true, false);
    save(m, cod, 0, st2, &d);
    make_state(st, 1, 0, true, false);
    save(m, cod, 1, st, &d);

    /* gen 3 of LD 0 by hand only on disk 2, in a free slot */
    sraid_prs_identity(cod, 0, &id);
    make_state(st2, 4, SRAID_PR_TYPE_WE, true, false);
    sraid_prs_encode(&id, 3, st2, buf);
    memcpy(d.area[2] + 20 * SRAID_PRS_SLOT_LEN, buf, SRAID_PRS_SLOT_LEN);
    /* damage on disk 0, a foreign record on disk 1, a deleted LD's */
    d.area[0][0 * SRAID_PRS_SLOT_LEN + 130] ^= 0x40;
    sraid_prs_identity(other, 0, &id);
    sraid_prs_encode(&id, 99, st, buf);
    memcpy(d.area[1] + 21 * SRAID_PRS_SLOT_LEN, buf, SRAID_PRS_SLOT_LEN);
    sraid_prs_identity(cod, 0, &id);
    id.layout ^= 1;
    sraid_prs_encode(&id, 98, st, buf);
    memcpy(d.area[1] + 22 * SRAID_PRS_SLOT_LEN, buf, SRAID_PRS_SLOT_LEN);
    {
        g_autoptr(SraidPrsLoad) l = load_all(cod, &d, problems);

        g_assert_true(l->best[0].found);
        g_assert_cmpuint(l->best[0].generation, ==, 3);
        g_assert_cmpuint(l->best[0].disk, ==, 2);
        g_assert_cmpuint(l->best[0].slot, ==, 20);
        assert_same_state(&l->best[0].st, st2);
        g_assert_true(l->best[1].found);
        assert_same_state(&l->best[1].st, st);
        g_assert_cmpuint(l->damaged, ==, 1);
        g_assert_cmpuint(l->foreign, ==, 1);
        g_assert_cmpuint(l->stale, ==, 1);
        g_assert_cmpuint(problems->len, ==, 2);
        g_assert_nonnull(strstr(g_ptr_array_index(problems, 0), "slot 0: "));
        g_assert_nonnull(strstr(g_ptr_array_index(problems, 1),
                                "another array"));
    }
    /* every copy of LD 1's record damaged: nothing found for it */
    for (unsigned i = 0; i < NDISKS; i++) {
        for (unsigned s = 0; s < SRAID_PRS_SLOTS; s++) {
            uint8_t *p = d.area[i] + s * SRAID_PRS_SLOT_LEN;

            if (p[84] == 3 && !memcmp(p, "SRPRSTOR", 8)) {
                p[200] ^= 1;
            }
        }
    }
    {
        g_autoptr(SraidPrsLoad) l = load_all(cod, &d, problems);

        g_assert_false(l->best[1].found);
        g_assert_true(l->best[0].found);
    }
    disks_free(&d);
}

/*
 * A save torn at every write: the record of generation N+1 goes to every
 * disk in turn; the crash tears the write to disk k after 0, 1, 511, 512,
 * 4096 or all bytes, and nothing reaches the disks after it.  The state
 * loaded afterwards is the old one or the new one, never anything else,
 * and the new one once a whole record reached a disk.
 */
static void test_torn_save(void)
{
    static const size_t tear[] = { 0, 1, 511, 512, 4096, SIZE_MAX };
    g_autofree SraidCod *cod = make_cod(0xa0);
    g_autofree SraidPrState *old = g_new(SraidPrState, 1);
    g_autofree SraidPrState *new = g_new(SraidPrState, 1);
    g_autofree uint8_t *buf = g_malloc(SRAID_PRS_SLOT_LEN);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    unsigned saw_old = 0, saw_new = 0;

    make_state(old, 5, SRAID_PR_TYPE_WE_RO, true, true);
    make_state(new, 6, SRAID_PR_TYPE_EA_RO, false, true);
    for (unsigned k = 0; k < NDISKS; k++) {
        for (unsigned t = 0; t < G_N_ELEMENTS(tear); t++) {
            g_autofree SraidPrsMap *m = g_new(SraidPrsMap, 1);
            SraidPrsIdentity id;
            uint64_t gen;
            size_t len;
            int slot;
            Disks d;

            disks_init(&d);
            sraid_prs_map_init(m);
            save(m, cod, 0, old, &d);
            save(m, cod, 0, old, &d);       /* two records of the drive */
            sraid_prs_identity(cod, 0, &id);
            slot = sraid_prs_map_begin(m, &id, new->aptpl, &gen);
            g_assert_cmpuint(gen, ==, 3);
            len = sraid_prs_encode(&id, gen, new, buf);
            for (unsigned i = 0; i < k; i++) {
                memcpy(d.area[i] + slot * SRAID_PRS_SLOT_LEN, buf, len);
            }
            memcpy(d.area[k] + slot * SRAID_PRS_SLOT_LEN, buf,
                   MIN(tear[t], len));
            g_ptr_array_set_size(problems, 0);
            {
                g_autoptr(SraidPrsLoad) l = load_all(cod, &d, problems);
                bool whole = k > 0 || tear[t] >= len;

                g_assert_true(l->best[0].found);
                if (whole) {
                    assert_same_state(&l->best[0].st, new);
                    saw_new++;
                } else {
                    assert_same_state(&l->best[0].st, old);
                    g_assert_cmpuint(l->best[0].generation, ==, 2);
                    saw_old++;
                }
            }
            disks_free(&d);
        }
    }
    g_assert_cmpuint(saw_old, >, 0);
    g_assert_cmpuint(saw_new, >, 0);
}

static void test_map(void)
{
    g_autofree SraidCod *cod = make_cod(0xa0);
    g_autofree SraidPrsMap *m = g_new(SraidPrsMap, 1);
    SraidPrsIdentity a, b;
    uint64_t gen, g2;
    int cur, s, s2, failed;

    sraid_prs_map_init(m);
    sraid_prs_identity(cod, 0, &a);
    sraid_prs_identity(cod, 1, &b);
    g_assert_false(sraid_prs_map_aptpl(m, &a));

    cur = sraid_prs_map_begin(m, &a, true, &gen);
    g_assert_cmpuint(gen, ==, 1);
    g_assert_true(sraid_prs_map_aptpl(m, &a));
    g_assert_false(sraid_prs_map_aptpl(m, &b));
    sraid_prs_map_end(m, cur, true);

    /* never the slot of the drive's newest record, nor one being written */
    s = sraid_prs_map_begin(m, &a, false, &gen);
    s2 = sraid_prs_map_begin(m, &a, false, &g2);
    g_assert_cmpint(s, !=, cur);
    g_assert_cmpint(s2, !=, cur);
    g_assert_cmpint(s2, !=, s);
    g_assert_cmpuint(g2, ==, gen + 1);
    /* the older save ends last: the newer stays the newest */
    sraid_prs_map_end(m, s2, true);
    sraid_prs_map_end(m, s, true);
    g_assert_cmpuint(m->ld[a.ld_id].durable, ==, g2);
    /* APTPL zero stored: a power cycle clears, nothing more to store */
    g_assert_false(sraid_prs_map_aptpl(m, &a));

    /* a failed save keeps its slot: the record may be on some disks */
    failed = sraid_prs_map_begin(m, &a, true, &gen);
    sraid_prs_map_end(m, failed, false);
    g_assert_true(sraid_prs_map_aptpl(m, &a));
    for (int i = 0; i < SRAID_PRS_SLOTS - 2; i++) {
        s = sraid_prs_map_begin(m, &b, false, &g2);
        g_assert_cmpint(s, !=, failed);
        g_assert_cmpint(s, !=, s2);
        sraid_prs_map_end(m, s, false);
    }
    /* every slot taken: saves fail until one succeeds */
    g_assert_cmpint(sraid_prs_map_begin(m, &b, false, &g2), ==, -1);
    cur = sraid_prs_map_begin(m, &a, false, &gen);
    g_assert_cmpint(cur, ==, -1);

    /* the drive deleted and created again elsewhere: its slots go */
    cod->lds[0].start += 64;
    sraid_prs_identity(cod, 0, &a);
    s = sraid_prs_map_begin(m, &a, false, &g2);
    g_assert_cmpint(s, >=, 0);
    g_assert_cmpuint(g2, >, gen);
    sraid_prs_map_end(m, s, true);
    g_assert_false(sraid_prs_map_aptpl(m, &a));
}

/* A save as the controller does it: the disks read again first */
static void save_refreshed(SraidPrsMap *m, const SraidCod *cod,
                           const SraidPrState *st, Disks *d)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(SraidPrsLoad) l = load_all(cod, d, problems);

    sraid_prs_map_refresh(m, l);
    save(m, cod, 0, st, d);
}

/*
 * A failover: node A saved several times, node B (which loaded the disks
 * before) becomes master.  Reading the disks again before its save, B
 * continues A's generations and leaves A's newest record alone, so a
 * torn save of B's leaves A's state.
 */
static void test_failover(void)
{
    g_autofree SraidCod *cod = make_cod(0xa0);
    g_autofree SraidPrsMap *a = g_new(SraidPrsMap, 1);
    g_autofree SraidPrsMap *b = g_new(SraidPrsMap, 1);
    g_autofree SraidPrState *st = g_new(SraidPrState, 1);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    SraidPrsIdentity id;
    uint64_t gen;
    int slot;
    Disks d;

    disks_init(&d);
    sraid_prs_map_init(a);
    sraid_prs_map_init(b);
    {
        g_autoptr(SraidPrsLoad) l = load_all(cod, &d, problems);

        sraid_prs_map_loaded(a, l);
        sraid_prs_map_loaded(b, l);
    }
    make_state(st, 2, SRAID_PR_TYPE_WE_RO, true, false);
    save_refreshed(b, cod, st, &d);         /* B was master first */
    for (unsigned i = 0; i < 4; i++) {
        make_state(st, 3 + i, SRAID_PR_TYPE_WE_RO, true, false);
        save_refreshed(a, cod, st, &d);     /* then A */
    }
    {
        g_autoptr(SraidPrsLoad) l = load_all(cod, &d, problems);

        g_assert_cmpuint(l->best[0].generation, ==, 5);
        sraid_prs_map_refresh(b, l);
        sraid_prs_identity(cod, 0, &id);
        slot = sraid_prs_map_begin(b, &id, true, &gen);
        g_assert_cmpuint(gen, ==, 6);
        g_assert_cmpuint(slot, !=, l->best[0].slot);
        /* B's save torn at once: A's last state is what comes back */
        memset(d.area[0] + slot * SRAID_PRS_SLOT_LEN, 0x11, 512);
    }
    {
        g_autoptr(SraidPrsLoad) l = load_all(cod, &d, problems);

        g_assert_cmpuint(l->best[0].generation, ==, 5);
        assert_same_state(&l->best[0].st, st);
    }
    disks_free(&d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pr-store/layout", test_layout);
    g_test_add_func("/pr-store/damaged", test_damaged);
    g_test_add_func("/pr-store/newest-wins", test_newest_wins);
    g_test_add_func("/pr-store/torn-save", test_torn_save);
    g_test_add_func("/pr-store/map", test_map);
    g_test_add_func("/pr-store/failover", test_failover);
    return g_test_run();
}
