/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests: SPC-4 persistent reservations (pr.h,
 * docs/persistent-reservations.md).  Outcomes are compared with SPC-4's
 * rules written out here independently of pr.c: status, all 18 sense
 * bytes, the effects list and the parameter data byte for byte.
 */
#include <glib.h>
#include <string.h>

#include "cod.h"
#include "le-bytes.h"
#include "pr.h"
#include "scsi-proto.h"

/* PR OUT parameter list bits (SPC-4 tables 214 and 216) */
#define SPEC_I_PT       0x08
#define ALL_TG_PT       0x04
#define APTPL           0x01
#define RAM_UNREG_BIT   0x02

static const uint8_t types[] = { 1, 3, 5, 6, 7, 8 };

static SraidPrConfig cfg;
static SraidPrEffects fx;
static SraidScsiResult res;

static SraidPrNexus nx_iscsi(const char *name, uint64_t isid, uint16_t rtpi)
{
    SraidPrNexus n;

    g_assert_true(sraid_pr_nexus_iscsi(&n, name, isid, rtpi));
    return n;
}

static SraidPrNexus nx_guest(uint8_t node)
{
    SraidPrNexus n;

    sraid_pr_nexus_guest(&n, node);
    return n;
}

static void setup_cfg(bool ptpl)
{
    memset(&cfg, 0, sizeof(cfg));
    cfg.ptpl_capable = ptpl;
    /* iSCSI ports 1 and 2 (channels 0 and 1), a guest path port 0x107 */
    cfg.ports[0] = (SraidPrPort) { 1, SRAID_PR_PROTO_ISCSI };
    cfg.ports[1] = (SraidPrPort) { 2, SRAID_PR_PROTO_ISCSI };
    cfg.ports[2] = (SraidPrPort) { 0x107, SRAID_PR_PROTO_SAS };
    cfg.nports = 3;
}

/* PR OUT with a basic parameter list; the status */
static uint8_t prout_full(SraidPrState *st, const SraidPrNexus *nx,
                          uint8_t sa, uint8_t scope_type, uint64_t key,
                          uint64_t sa_key, uint8_t flags,
                          const uint8_t *extra, size_t extra_len,
                          int plen_override)
{
    uint8_t cdb[10] = { 0x5f, sa, scope_type };
    g_autofree uint8_t *p = g_malloc0(24 + extra_len);
    size_t plen = 24 + extra_len;

    sraid_put_be64(p, key);
    sraid_put_be64(p + 8, sa_key);
    p[20] = flags;
    if (extra_len) {
        memcpy(p + 24, extra, extra_len);
    }
    sraid_put_be32(cdb + 5, plen_override >= 0 ? (size_t)plen_override : plen);
    memset(&res, 0xee, sizeof(res));
    sraid_pr_out(st, &cfg, nx, cdb, p, plen, &fx, &res);
    return res.status;
}

static uint8_t prout(SraidPrState *st, const SraidPrNexus *nx, uint8_t sa,
                     uint8_t type, uint64_t key, uint64_t sa_key,
                     uint8_t flags)
{
    return prout_full(st, nx, sa, type, key, sa_key, flags, NULL, 0, -1);
}

/* PR IN into @buf (alloc length @alloc); the data length */
static size_t prin(SraidPrState *st, const SraidPrNexus *nx, uint8_t sa,
                   uint16_t alloc, uint8_t *buf, size_t buf_len)
{
    uint8_t cdb[10] = { 0x5e, sa };

    sraid_put_be16(cdb + 7, alloc);
    memset(&res, 0xee, sizeof(res));
    memset(buf, 0xee, buf_len);
    sraid_pr_in(st, &cfg, nx, cdb, buf, buf_len, &res);
    g_assert_cmphex(res.status, ==, SRAID_STATUS_GOOD);
    return res.data_len;
}

/* All 18 bytes of the fixed sense data (SPC-4 4.5.3) */
static void expect_sense(uint8_t key, uint8_t asc, uint8_t ascq,
                         uint8_t sks0, uint16_t field)
{
    uint8_t want[18] = {
        0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, sks0,
        field >> 8, field & 0xff,
    };

    g_assert_cmphex(res.status, ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmpuint(res.sense_len, ==, 18);
    g_assert_cmpmem(res.sense, 18, want, 18);
    g_assert_cmpuint(fx.n, ==, 0);
}

static void expect_conflict(uint8_t status)
{
    g_assert_cmphex(status, ==, SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_cmpuint(res.sense_len, ==, 0);
    g_assert_cmpuint(fx.n, ==, 0);
}

static bool nx_eq(const SraidPrNexus *a, const SraidPrNexus *b)
{
    return a->rtpi == b->rtpi && a->initiator.len == b->initiator.len &&
           !memcmp(a->initiator.b, b->initiator.b, a->initiator.len);
}

/* Is there an effect @kind (UA with @ascq) for @nx?  How many. */
static unsigned count_fx(SraidPrEffectKind kind, uint8_t ascq,
                         const SraidPrNexus *nx)
{
    unsigned n = 0;

    for (unsigned i = 0; i < fx.n; i++) {
        const SraidPrEffect *e = &fx.e[i];

        if (e->kind == kind && nx_eq(&e->nexus, nx) &&
            (kind != SRAID_PR_EFFECT_UA ||
             (e->asc == 0x2a && e->ascq == ascq))) {
            n++;
        }
    }
    return n;
}

static uint8_t res_type(SraidPrState *st)
{
    uint8_t buf[64];
    SraidPrNexus any = nx_guest(0);
    size_t n = prin(st, &any, SRAID_PRIN_READ_RESERVATION, 64, buf, 64);

    if (sraid_get_be32(buf + 4) == 0) {
        g_assert_cmpuint(n, ==, 8);
        return 0;
    }
    g_assert_cmpuint(n, ==, 24);
    return buf[21] & 0x0f;
}

static uint64_t res_key(SraidPrState *st)
{
    uint8_t buf[64];
    SraidPrNexus any = nx_guest(0);

    prin(st, &any, SRAID_PRIN_READ_RESERVATION, 64, buf, 64);
    return sraid_get_be64(buf + 8);
}

static SraidPrState *new_state(void)
{
    SraidPrState *st = g_new(SraidPrState, 1);

    sraid_pr_init(st);
    return st;
}

/* ---- TransportIDs ---- */

static void test_tid(void)
{
    SraidPrTid t;
    static const char want[] = "iqn.2025-01.org.example:host1,i,0x23d000000001";

    g_assert_true(sraid_pr_tid_iscsi(&t, "IQN.2025-01.org.Example:host1",
                                     0x23d000000001ull));
    /* SPC-4 7.6.4.6 format 01b: lower case, NUL, padded to 4 */
    g_assert_cmphex(t.b[0], ==, 0x45);
    g_assert_cmphex(t.b[1], ==, 0);
    g_assert_cmpuint(sraid_get_be16(t.b + 2), ==, 48);
    g_assert_cmpuint(t.len, ==, 52);
    g_assert_cmpmem(t.b + 4, sizeof(want) - 1, want, sizeof(want) - 1);
    for (size_t i = 4 + sizeof(want) - 1; i < t.len; i++) {
        g_assert_cmphex(t.b[i], ==, 0);
    }
    /* the shortest name still has 20 bytes after the header */
    g_assert_true(sraid_pr_tid_iscsi(&t, "a", 1));
    g_assert_cmpuint(t.len, ==, 24);
    g_assert_false(sraid_pr_tid_iscsi(&t, "", 1));
    g_assert_false(sraid_pr_tid_iscsi(&t, "iqn.a,b", 1));
    g_assert_false(sraid_pr_tid_iscsi(&t, "iqn.a", 1ull << 48));
    {
        g_autofree char *n223 = g_strnfill(223, 'a');
        g_autofree char *n224 = g_strnfill(224, 'a');

        g_assert_true(sraid_pr_tid_iscsi(&t, n223, 0));
        g_assert_cmpuint(t.len, ==, SRAID_PR_TID_MAX);
        g_assert_false(sraid_pr_tid_iscsi(&t, n224, 0));
    }
    sraid_pr_tid_guest(&t, 7);
    {
        uint8_t g[24] = { 0x06, 0, 0, 0, 0x35, 0x52, 0x41, 0x49, 0x44,
                          0x47, 0, 7 };

        g_assert_cmpuint(t.len, ==, 24);
        g_assert_cmpmem(t.b, 24, g, 24);
    }
    /* the nexuses built from them, and which an effect names */
    {
        SraidPrEffect e = { .nexus = nx_guest(7) };
        SraidPrNexus other = nx_iscsi("iqn.a", 1, 1);
        SraidPrNexus same_port = nx_iscsi("iqn.a", 1, 2);

        g_assert_cmpuint(e.nexus.rtpi, ==, 0x107);
        g_assert_cmpmem(e.nexus.initiator.b, 24, t.b, 24);
        g_assert_true(sraid_pr_effect_names(&e, &e.nexus));
        g_assert_false(sraid_pr_effect_names(&e, &other));
        e.nexus = other;
        g_assert_false(sraid_pr_effect_names(&e, &same_port));
        e.all_tg_pt = true;
        g_assert_true(sraid_pr_effect_names(&e, &same_port));
    }
}

/* ---- registration and PRgeneration ---- */

static uint32_t generation(SraidPrState *st)
{
    uint8_t buf[8];
    SraidPrNexus any = nx_guest(0);

    prin(st, &any, SRAID_PRIN_READ_KEYS, 8, buf, 8);
    return sraid_get_be32(buf);
}

static void test_register(void)
{
    g_autofree SraidPrState *st = new_state();
    SraidPrNexus a = nx_guest(7), b = nx_guest(6);
    uint64_t key;
    uint8_t buf[64];

    setup_cfg(false);
    /* unregistered with a non-zero key: conflict (SPC-4 5.7.7) */
    expect_conflict(prout(st, &a, 0, 0, 0x11, 0xaa, 0));
    g_assert_false(sraid_pr_registered(st, &a, NULL));
    /* key 0 from an unregistered nexus: GOOD, nothing registered */
    g_assert_cmphex(prout(st, &a, 0, 0, 0, 0, 0), ==, 0);
    g_assert_cmpuint(st->nregs, ==, 0);
    g_assert_cmphex(prout(st, &a, 0, 0, 0, 0xaa, 0), ==, 0);
    g_assert_true(sraid_pr_registered(st, &a, &key));
    g_assert_cmphex(key, ==, 0xaa);
    /* the same I_T nexus through another target port is not registered */
    b = a;
    b.rtpi = 0x999;
    g_assert_false(sraid_pr_registered(st, &b, NULL));
    b = nx_guest(6);
    /* change the key: the old key must be named */
    expect_conflict(prout(st, &a, 0, 0, 0xab, 0xbb, 0));
    g_assert_cmphex(prout(st, &a, 0, 0, 0xaa, 0xbb, 0), ==, 0);
    g_assert_true(sraid_pr_registered(st, &a, &key));
    g_assert_cmphex(key, ==, 0xbb);
    /* REGISTER AND IGNORE EXISTING KEY: any key field */
    g_assert_cmphex(prout(st, &a, 6, 0, 0x1234, 0xcc, 0), ==, 0);
    g_assert_cmphex(prout(st, &b, 6, 0, 0x1234, 0xdd, 0), ==, 0);
    g_assert_cmpuint(prin(st, &a, 0, 64, buf, 64), ==, 24);
    g_assert_cmpuint(sraid_get_be32(buf + 4), ==, 16);
    g_assert_cmphex(sraid_get_be64(buf + 8), ==, 0xcc);
    g_assert_cmphex(sraid_get_be64(buf + 16), ==, 0xdd);
    /* key 0 unregisters */
    g_assert_cmphex(prout(st, &a, 0, 0, 0xcc, 0, 0), ==, 0);
    g_assert_false(sraid_pr_registered(st, &a, NULL));
    g_assert_cmpuint(st->nregs, ==, 1);
    g_assert_cmpuint(fx.n, ==, 0);
}

/*
 * SPC-4 6.15.2: PRgeneration goes up by one for each successful REGISTER,
 * REGISTER AND IGNORE EXISTING KEY, CLEAR, PREEMPT, PREEMPT AND ABORT and
 * REGISTER AND MOVE; never for RESERVE, RELEASE, PR IN, or a command that
 * failed.
 */
static void test_generation(void)
{
    g_autofree SraidPrState *st = new_state();
    SraidPrNexus a = nx_iscsi("iqn.a", 1, 1), b = nx_iscsi("iqn.b", 2, 1);
    uint32_t g = generation(st);

    setup_cfg(false);
    g_assert_cmpuint(g, ==, 0);
#define STEP(expr, status, bump) do { \
        g_assert_cmphex((expr), ==, (status)); \
        g += (bump); \
        g_assert_cmpuint(generation(st), ==, g); \
    } while (0)
    STEP(prout(st, &a, 0, 0, 0, 0, 0), 0, 1);          /* no-op REGISTER */
    STEP(prout(st, &a, 0, 0, 0, 0xa, 0), 0, 1);
    STEP(prout(st, &a, 0, 0, 0, 0xa, 0), 0x18, 0);     /* conflict */
    STEP(prout(st, &a, 0, 0, 0xa, 0xa1, 0), 0, 1);
    STEP(prout(st, &b, 6, 0, 0, 0xb, 0), 0, 1);
    STEP(prout(st, &a, 1, 5, 0xa1, 0, 0), 0, 0);       /* RESERVE */
    STEP(prout(st, &a, 1, 5, 0xa1, 0, 0), 0, 0);       /* again */
    STEP(prout(st, &a, 1, 2, 0xa1, 0, 0), 2, 0);       /* bad type */
    STEP(prout(st, &a, 2, 6, 0xa1, 0, 0), 2, 0);       /* bad release */
    STEP(prout(st, &a, 2, 5, 0xa1, 0, 0), 0, 0);       /* RELEASE */
    STEP(prout(st, &a, 1, 1, 0xa1, 0, 0), 0, 0);
    STEP(prout(st, &b, 4, 1, 0xb, 0xa1, 0), 0, 1);     /* PREEMPT */
    STEP(prout(st, &a, 6, 0, 0, 0xa, 0), 0, 1);
    STEP(prout(st, &b, 5, 1, 0xb, 0xa, 0), 0, 1);      /* PREEMPT AND ABORT */
    STEP(prout(st, &b, 5, 1, 0xb, 0xa, 0), 0x18, 0);   /* no such key */
    /* REGISTER AND MOVE b's reservation to iqn.c on port 2 */
    {
        uint8_t cdb[10] = { 0x5f, 7, 1 };
        uint8_t p[64] = { 0 };
        SraidPrTid t;

        /* "iqn.c,i,0x000000000003" and its NUL: 24 bytes, 28 in all */
        g_assert_true(sraid_pr_tid_iscsi(&t, "iqn.c", 3));
        g_assert_cmpuint(t.len, ==, 28);
        sraid_put_be64(p, 0xb);
        sraid_put_be64(p + 8, 0xc);
        sraid_put_be16(p + 18, 2);
        sraid_put_be32(p + 20, 28);
        memcpy(p + 24, t.b, 28);
        sraid_put_be32(cdb + 5, 52);
        sraid_pr_out(st, &cfg, &b, cdb, p, 52, &fx, &res);
        g_assert_cmphex(res.status, ==, 0);
        g++;
        g_assert_cmpuint(generation(st), ==, g);
    }
    STEP(prout(st, &b, 3, 0, 0xb, 0, 0), 0, 1);        /* CLEAR */
    STEP(prout(st, &b, 3, 0, 0xb, 0, 0), 0x18, 0);
#undef STEP
    /* 32-bit wrapping counter */
    st->generation = 0xffffffff;
    g_assert_cmphex(prout(st, &a, 0, 0, 0, 0xa, 0), ==, 0);
    g_assert_cmpuint(generation(st), ==, 0);
}

/* ---- RESERVE / RELEASE / PREEMPT / CLEAR × type × registrant status ---- */

#define KA 0xa1a1a1a1a1a1a1a1ull
#define KB 0xb2b2b2b2b2b2b2b2ull
#define KC 0xc3c3c3c3c3c3c3c3ull

/* A holds a reservation of @type, B is registered, C is not. */
static void setup_abc(SraidPrState *st, uint8_t type, SraidPrNexus *a,
                      SraidPrNexus *b, SraidPrNexus *c)
{
    *a = nx_iscsi("iqn.1994-05.com.example:a", 0x400001370000ull, 1);
    *b = nx_iscsi("iqn.1994-05.com.example:b", 0x400001370000ull, 2);
    *c = nx_guest(3);
    sraid_pr_init(st);
    g_assert_cmphex(prout(st, a, 0, 0, 0, KA, 0), ==, 0);
    g_assert_cmphex(prout(st, b, 0, 0, 0, KB, 0), ==, 0);
    g_assert_cmphex(prout(st, a, 1, type, KA, 0, 0), ==, 0);
    g_assert_cmpuint(fx.n, ==, 0);
}

static bool all_reg(uint8_t t)
{
    return t == 7 || t == 8;
}

static bool regs_only_or_all(uint8_t t)
{
    return t >= 5;
}

static void test_reserve_table(void)
{
    g_autofree SraidPrState *st = new_state();
    g_autofree SraidPrState *before = new_state();
    SraidPrNexus a, b, c;
    unsigned cases = 0;

    setup_cfg(false);
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        uint8_t t = types[i];

        for (size_t j = 0; j < G_N_ELEMENTS(types); j++) {
            uint8_t u = types[j];

            /* RESERVE by the holder: same type GOOD, another conflict */
            setup_abc(st, t, &a, &b, &c);
            *before = *st;
            if (u == t) {
                g_assert_cmphex(prout(st, &a, 1, u, KA, 0, 0), ==, 0);
            } else {
                expect_conflict(prout(st, &a, 1, u, KA, 0, 0));
            }
            g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));
            /*
             * by registered B: a holder too under all registrants,
             * otherwise a conflict (SPC-4 5.7.9)
             */
            if (all_reg(t) && u == t) {
                g_assert_cmphex(prout(st, &b, 1, u, KB, 0, 0), ==, 0);
            } else {
                expect_conflict(prout(st, &b, 1, u, KB, 0, 0));
            }
            /* by unregistered C, with any key: conflict */
            expect_conflict(prout(st, &c, 1, u, 0, 0, 0));
            expect_conflict(prout(st, &c, 1, u, KA, 0, 0));
            /* with a wrong key from A */
            expect_conflict(prout(st, &a, 1, u, KB, 0, 0));
            g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));
            cases += 6;

            /* RELEASE by the holder with the wrong type: 26h/04h */
            if (u != t) {
                prout(st, &a, 2, u, KA, 0, 0);
                expect_sense(5, 0x26, 0x04, 0, 0);
                g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));
                cases++;
            }
        }
        /* RELEASE by C: conflict; by A with B's key: conflict */
        setup_abc(st, t, &a, &b, &c);
        expect_conflict(prout(st, &c, 2, t, 0, 0, 0));
        expect_conflict(prout(st, &a, 2, t, KB, 0, 0));
        /* RELEASE by B: GOOD; releases only under all registrants */
        g_assert_cmphex(prout(st, &b, 2, t, KB, 0, 0), ==, 0);
        if (all_reg(t)) {
            g_assert_cmpuint(res_type(st), ==, 0);
            g_assert_cmpuint(fx.n, ==, 1);
            g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 4, &a), ==, 1);
        } else {
            g_assert_cmpuint(res_type(st), ==, t);
            g_assert_cmpuint(fx.n, ==, 0);
        }
        /* RELEASE by A: released; UA to B for RO and AR types */
        setup_abc(st, t, &a, &b, &c);
        g_assert_cmphex(prout(st, &a, 2, t, KA, 0, 0), ==, 0);
        g_assert_cmpuint(res_type(st), ==, 0);
        g_assert_cmpuint(st->nregs, ==, 2);
        g_assert_cmpuint(fx.n, ==, regs_only_or_all(t) ? 1 : 0);
        g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 4, &b), ==,
                         regs_only_or_all(t) ? 1 : 0);
        /* RELEASE without a reservation: GOOD, nothing */
        g_assert_cmphex(prout(st, &a, 2, t, KA, 0, 0), ==, 0);
        g_assert_cmpuint(fx.n, ==, 0);
        cases += 6;

        /* PREEMPT by C: conflict */
        setup_abc(st, t, &a, &b, &c);
        expect_conflict(prout(st, &c, 4, t, 0, KA, 0));
        /* PREEMPT by B of A's key: B holds type 1, A is gone */
        g_assert_cmphex(prout(st, &b, 4, 1, KB, KA, 0), ==, 0);
        g_assert_false(sraid_pr_registered(st, &a, NULL));
        g_assert_true(sraid_pr_is_holder(st, &b));
        if (all_reg(t)) {
            /* all registrants: A's key removes A, the reservation stays */
            g_assert_cmpuint(res_type(st), ==, t);
        } else {
            g_assert_cmpuint(res_type(st), ==, 1);
            g_assert_cmphex(res_key(st), ==, KB);
        }
        g_assert_cmpuint(fx.n, ==, 1);
        g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 5, &a), ==, 1);
        /* PREEMPT with key 0 under all registrants: B takes it alone */
        setup_abc(st, t, &a, &b, &c);
        if (all_reg(t)) {
            g_assert_cmphex(prout(st, &b, 4, 3, KB, 0, 0), ==, 0);
            g_assert_cmpuint(st->nregs, ==, 1);
            g_assert_cmpuint(res_type(st), ==, 3);
            g_assert_cmphex(res_key(st), ==, KB);
            g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 5, &a), ==, 1);
        } else {
            prout(st, &b, 4, 3, KB, 0, 0);
            expect_sense(5, 0x26, 0, 0x80, 8);
        }
        /* PREEMPT by the holder of B's key: B is gone, A keeps it */
        setup_abc(st, t, &a, &b, &c);
        g_assert_cmphex(prout(st, &a, 4, t, KA, KB, 0), ==, 0);
        g_assert_false(sraid_pr_registered(st, &b, NULL));
        g_assert_cmpuint(res_type(st), ==, t);
        g_assert_cmpuint(fx.n, ==, 1);
        g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 5, &b), ==, 1);
        /* PREEMPT of a key nobody has: conflict */
        setup_abc(st, t, &a, &b, &c);
        expect_conflict(prout(st, &a, 4, t, KA, KC, 0));
        /* self-preempt to change the type: B learns of the change */
        if (!all_reg(t)) {
            uint8_t nt = t == 1 ? 3 : 1;

            g_assert_cmphex(prout(st, &a, 4, nt, KA, KA, 0), ==, 0);
            g_assert_cmpuint(res_type(st), ==, nt);
            g_assert_true(sraid_pr_is_holder(st, &a));
            g_assert_cmpuint(fx.n, ==, 1);
            g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 4, &b), ==, 1);
        }
        cases += 6;

        /* CLEAR by C: conflict; by B: everything goes, A told */
        setup_abc(st, t, &a, &b, &c);
        expect_conflict(prout(st, &c, 3, 0, 0, 0, 0));
        g_assert_cmphex(prout(st, &b, 3, 0, KB, 0, 0), ==, 0);
        g_assert_cmpuint(st->nregs, ==, 0);
        g_assert_cmpuint(res_type(st), ==, 0);
        g_assert_cmpuint(fx.n, ==, 1);
        g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 3, &a), ==, 1);
        /* by A, the holder */
        setup_abc(st, t, &a, &b, &c);
        g_assert_cmphex(prout(st, &a, 3, 0, KA, 0, 0), ==, 0);
        g_assert_cmpuint(fx.n, ==, 1);
        g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 3, &b), ==, 1);
        cases += 3;
    }
    g_test_message("%u type x action x registrant cases", cases);
}

/* ---- the conflict table ---- */

/*
 * SPC-4 5.13.1 table 63 and SBC-4 table 13, for an I_T nexus that is
 * neither the holder nor (under RO/AR types) a registrant: column WE is
 * what Write Exclusive types allow, EA what Exclusive Access types allow.
 */
static const struct {
    const char *name;
    uint8_t cdb[16];
    size_t len;
    char we, ea;
} cmds[] = {
    { "TEST UNIT READY", { 0x00 }, 6, 'A', 'A' },
    { "REQUEST SENSE", { 0x03 }, 6, 'A', 'A' },
    { "INQUIRY", { 0x12 }, 6, 'A', 'A' },
    { "REPORT LUNS", { 0xa0 }, 12, 'A', 'A' },
    { "LOG SENSE", { 0x4d }, 10, 'A', 'A' },
    { "READ CAPACITY(10)", { 0x25 }, 10, 'A', 'A' },
    { "READ CAPACITY(16)", { 0x9e, 0x10 }, 16, 'A', 'A' },
    { "REPORT TARGET PORT GROUPS", { 0xa3, 0x0a }, 12, 'A', 'A' },
    { "START STOP UNIT START=1", { 0x1b, 0, 0, 0, 0x01 }, 6, 'A', 'A' },
    { "START STOP UNIT START=0", { 0x1b, 0, 0, 0, 0x00 }, 6, 'C', 'C' },
    { "PREVENT ALLOW 0", { 0x1e }, 6, 'A', 'A' },
    { "PREVENT ALLOW 1", { 0x1e, 0, 0, 0, 1 }, 6, 'C', 'C' },
    { "READ(6)", { 0x08 }, 6, 'A', 'C' },
    { "READ(10)", { 0x28 }, 10, 'A', 'C' },
    { "READ(16)", { 0x88 }, 16, 'A', 'C' },
    { "VERIFY(16)", { 0x8f }, 16, 'A', 'C' },
    { "PRE-FETCH(10)", { 0x34 }, 10, 'A', 'C' },
    { "GET LBA STATUS", { 0x9e, 0x12 }, 16, 'A', 'C' },
    { "MODE SENSE(10)", { 0x5a }, 10, 'A', 'C' },
    { "READ BUFFER", { 0x3c }, 10, 'A', 'C' },
    { "REPORT SUPPORTED OPCODES", { 0xa3, 0x0c }, 12, 'A', 'C' },
    { "WRITE(6)", { 0x0a }, 6, 'C', 'C' },
    { "WRITE(10)", { 0x2a }, 10, 'C', 'C' },
    { "WRITE(16)", { 0x8a }, 16, 'C', 'C' },
    { "WRITE AND VERIFY(10)", { 0x2e }, 10, 'C', 'C' },
    { "WRITE SAME(10)", { 0x41 }, 10, 'C', 'C' },
    { "WRITE SAME(16)", { 0x93 }, 16, 'C', 'C' },
    { "UNMAP", { 0x42 }, 10, 'C', 'C' },
    { "COMPARE AND WRITE", { 0x89 }, 16, 'C', 'C' },
    { "ORWRITE(16)", { 0x8b }, 16, 'C', 'C' },
    { "SYNCHRONIZE CACHE(10)", { 0x35 }, 10, 'C', 'C' },
    { "SYNCHRONIZE CACHE(16)", { 0x91 }, 16, 'C', 'C' },
    { "FORMAT UNIT", { 0x04 }, 6, 'C', 'C' },
    { "MODE SELECT(10)", { 0x55 }, 10, 'C', 'C' },
    { "LOG SELECT", { 0x4c }, 10, 'C', 'C' },
    { "WRITE BUFFER", { 0x3b }, 10, 'C', 'C' },
    { "EXTENDED COPY", { 0x83 }, 16, 'C', 'C' },
    { "vendor 20h", { 0x20 }, 10, 'C', 'C' },
};

static void test_conflict_table(void)
{
    g_autofree SraidPrState *st = new_state();
    SraidPrNexus a, b, c, roles[3];
    unsigned cases = 0;

    setup_cfg(false);
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        uint8_t t = types[i];
        bool ea = t == 3 || t == 6 || t == 8;

        setup_abc(st, t, &a, &b, &c);
        roles[0] = a;
        roles[1] = b;
        roles[2] = c;
        for (int r = 0; r < 3; r++) {
            /* the holder, and registrants under RO/AR, may do anything */
            bool free = r == 0 || (r == 1 && regs_only_or_all(t));

            for (size_t k = 0; k < G_N_ELEMENTS(cmds); k++) {
                char col = ea ? cmds[k].ea : cmds[k].we;
                SraidPrAccess want = free || col == 'A' ? SRAID_PR_ALLOWED :
                                     SRAID_PR_CONFLICT;
                SraidPrAccess got = sraid_pr_check(st, &roles[r],
                                                   cmds[k].cdb,
                                                   cmds[k].len);

                if (got != want) {
                    g_error("type %u role %d %s: %d, want %d", t, r,
                            cmds[k].name, got, want);
                }
                cases++;
            }
            /* PR IN and OUT are for pr_out to judge */
            for (uint8_t op = 0x5e; op <= 0x5f; op++) {
                uint8_t cdb[10] = { op };

                g_assert_cmpint(sraid_pr_check(st, &roles[r], cdb, 10), ==,
                                SRAID_PR_ALLOWED);
                cases++;
            }
            /*
             * SPC-4 5.7.3: RESERVE/RELEASE (6/10) from the holder or, under
             * RO/AR, a registrant: GOOD without effect; else a conflict.
             */
            for (int k = 0; k < 4; k++) {
                static const uint8_t ops[4] = { 0x16, 0x17, 0x56, 0x57 };
                uint8_t cdb[10] = { ops[k] };

                g_assert_cmpint(sraid_pr_check(st, &roles[r], cdb, 10), ==,
                                free ? SRAID_PR_GOOD_NO_EFFECT :
                                SRAID_PR_CONFLICT);
                cases++;
            }
        }
    }
    /* no reservation: everything runs; RESERVE(6) conflicts with keys */
    sraid_pr_init(st);
    for (size_t k = 0; k < G_N_ELEMENTS(cmds); k++) {
        g_assert_cmpint(sraid_pr_check(st, &c, cmds[k].cdb, cmds[k].len),
                        ==, SRAID_PR_ALLOWED);
        cases++;
    }
    {
        uint8_t rsv[6] = { 0x16 };

        g_assert_cmpint(sraid_pr_check(st, &c, rsv, 6), ==,
                        SRAID_PR_ALLOWED);
        g_assert_cmphex(prout(st, &a, 0, 0, 0, KA, 0), ==, 0);
        g_assert_cmpint(sraid_pr_check(st, &c, rsv, 6), ==,
                        SRAID_PR_CONFLICT);
        g_assert_cmpint(sraid_pr_check(st, &a, rsv, 6), ==,
                        SRAID_PR_CONFLICT);
        /* registrations alone do not block other commands */
        g_assert_cmpint(sraid_pr_check(st, &c, cmds[22].cdb, 10), ==,
                        SRAID_PR_ALLOWED);
        cases += 4;
    }
    g_test_message("%u conflict cases", cases);
}

/* ---- all registrants, unregistration ---- */

static void test_all_registrants(void)
{
    g_autofree SraidPrState *st = new_state();
    SraidPrNexus h[4];
    uint8_t buf[4096];
    uint8_t wr[10] = { 0x2a };

    setup_cfg(false);
    /* VMware-style: every host registers, one reserves WE All Registrants */
    for (int i = 0; i < 4; i++) {
        h[i] = nx_guest(4 + i);
        g_assert_cmphex(prout(st, &h[i], 6, 0, 0, 0x100 + i, 0), ==, 0);
    }
    g_assert_cmphex(prout(st, &h[0], 1, 7, 0x100, 0, 0), ==, 0);
    for (int i = 0; i < 4; i++) {
        g_assert_true(sraid_pr_is_holder(st, &h[i]));
        g_assert_cmpint(sraid_pr_check(st, &h[i], wr, 10), ==,
                        SRAID_PR_ALLOWED);
    }
    /* READ RESERVATION: key 0 for all registrants (SPC-4 6.15.3) */
    g_assert_cmpuint(res_type(st), ==, 7);
    g_assert_cmphex(res_key(st), ==, 0);
    /* READ FULL STATUS: every registrant R_HOLDER with the type */
    {
        size_t n = prin(st, &h[0], 3, 4096, buf, sizeof(buf));
        size_t off = 8;

        g_assert_cmpuint(n, ==, 8 + 4 * 48);
        g_assert_cmpuint(sraid_get_be32(buf + 4), ==, 4 * 48);
        for (int i = 0; i < 4; i++, off += 48) {
            g_assert_cmphex(sraid_get_be64(buf + off), ==, 0x100 + i);
            g_assert_cmphex(buf[off + 12], ==, 0x01);
            g_assert_cmphex(buf[off + 13], ==, 0x07);
            g_assert_cmpuint(sraid_get_be16(buf + off + 18), ==, 0x104 + i);
            g_assert_cmpuint(sraid_get_be32(buf + off + 20), ==, 24);
            g_assert_cmpmem(buf + off + 24, 24, h[i].initiator.b, 24);
        }
    }
    /* the first holder leaves: the reservation stays with the others */
    g_assert_cmphex(prout(st, &h[0], 0, 0, 0x100, 0, 0), ==, 0);
    g_assert_cmpuint(fx.n, ==, 0);
    g_assert_cmpuint(res_type(st), ==, 7);
    g_assert_cmpint(sraid_pr_check(st, &h[0], wr, 10), ==,
                    SRAID_PR_CONFLICT);
    g_assert_cmphex(prout(st, &h[2], 0, 0, 0x102, 0, 0), ==, 0);
    g_assert_cmphex(prout(st, &h[3], 0, 0, 0x103, 0, 0), ==, 0);
    g_assert_cmpuint(res_type(st), ==, 7);
    g_assert_true(sraid_pr_is_holder(st, &h[1]));
    /* the last registrant leaves: no reservation */
    g_assert_cmphex(prout(st, &h[1], 0, 0, 0x101, 0, 0), ==, 0);
    g_assert_cmpuint(res_type(st), ==, 0);
    g_assert_cmpuint(fx.n, ==, 0);

    /* release by any registrant ends it for all, the others told */
    sraid_pr_init(st);
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(prout(st, &h[i], 0, 0, 0, 0x100 + i, 0), ==, 0);
    }
    g_assert_cmphex(prout(st, &h[1], 1, 8, 0x101, 0, 0), ==, 0);
    g_assert_cmphex(prout(st, &h[2], 2, 8, 0x102, 0, 0), ==, 0);
    g_assert_cmpuint(res_type(st), ==, 0);
    g_assert_cmpuint(fx.n, ==, 2);
    g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 4, &h[0]), ==, 1);
    g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 4, &h[1]), ==, 1);
}

/* REGISTER with key 0 by the holder (SPC-4 5.7.11.3) */
static void test_unregister_holder(void)
{
    g_autofree SraidPrState *st = new_state();
    SraidPrNexus a, b, c;

    setup_cfg(false);
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
        uint8_t t = types[i];

        setup_abc(st, t, &a, &b, &c);
        g_assert_cmphex(prout(st, &a, 0, 0, KA, 0, 0), ==, 0);
        if (all_reg(t)) {
            /* B still registered: still reserved */
            g_assert_cmpuint(res_type(st), ==, t);
            g_assert_cmpuint(fx.n, ==, 0);
        } else {
            g_assert_cmpuint(res_type(st), ==, 0);
            /* registrants only: the others learn it was released */
            g_assert_cmpuint(fx.n, ==, t == 5 || t == 6 ? 1 : 0);
            g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 4, &b), ==,
                             t == 5 || t == 6 ? 1 : 0);
        }
        /* a non-holder leaving changes no reservation */
        setup_abc(st, t, &a, &b, &c);
        g_assert_cmphex(prout(st, &b, 6, 0, 0, 0, 0), ==, 0);
        g_assert_cmpuint(res_type(st), ==, t);
        g_assert_cmpuint(fx.n, ==, 0);
    }
}

/* ---- what real software sends ---- */

/*
 * Windows Failover Cluster validation ("Validate SCSI-3 Persistent
 * Reservation") and the cluster disk driver's arbitration: node A clears,
 * registers ignoring the existing key and reserves; node B registers and
 * preempts A; A's writes then conflict.
 */
static void test_windows_cluster(void)
{
    g_autofree SraidPrState *st = new_state();
    SraidPrNexus a = nx_guest(7), b = nx_guest(6);
    uint8_t buf[64];
    uint8_t wr[16] = { 0x8a };
    uint64_t ka = 0x0000003256a7ddd1ull, kb = 0x0000003256a7ddd2ull;

    setup_cfg(false);
    g_assert_cmphex(prout(st, &a, 6, 0, 0, ka, 0), ==, 0);
    g_assert_cmphex(prout(st, &a, 3, 0, ka, 0, 0), ==, 0);     /* CLEAR */
    g_assert_cmpuint(st->nregs, ==, 0);
    g_assert_cmphex(prout(st, &a, 6, 0, 0, ka, 0), ==, 0);
    g_assert_cmphex(prout(st, &a, 1, 5, ka, 0, 0), ==, 0);
    g_assert_cmpint(sraid_pr_check(st, &b, wr, 16), ==, SRAID_PR_CONFLICT);
    g_assert_cmphex(prout(st, &b, 6, 0, 0, kb, 0), ==, 0);
    /* B registered: WE Registrants Only lets it write already */
    g_assert_cmpint(sraid_pr_check(st, &b, wr, 16), ==, SRAID_PR_ALLOWED);
    g_assert_cmphex(prout(st, &b, 4, 5, kb, ka, 0), ==, 0);
    g_assert_cmpuint(fx.n, ==, 1);
    g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 5, &a), ==, 1);
    /* READ RESERVATION: B holds WE-RO */
    g_assert_cmpuint(prin(st, &a, 1, 64, buf, 64), ==, 24);
    g_assert_cmpuint(sraid_get_be32(buf), ==, 5);
    g_assert_cmpuint(sraid_get_be32(buf + 4), ==, 16);
    g_assert_cmphex(sraid_get_be64(buf + 8), ==, kb);
    g_assert_cmphex(buf[21], ==, 0x05);
    /* READ KEYS: B only */
    g_assert_cmpuint(prin(st, &a, 0, 64, buf, 64), ==, 16);
    g_assert_cmpuint(sraid_get_be32(buf + 4), ==, 8);
    g_assert_cmphex(sraid_get_be64(buf + 8), ==, kb);
    g_assert_cmpint(sraid_pr_check(st, &a, wr, 16), ==, SRAID_PR_CONFLICT);
    /* A's old key is no good any more */
    expect_conflict(prout(st, &a, 1, 5, ka, 0, 0));
}

/*
 * Pacemaker fence_scsi: every node registers its key (APTPL), one
 * reserves Write Exclusive Registrants Only, fencing a node is PREEMPT
 * AND ABORT of its key.
 */
static void test_fence_scsi(void)
{
    g_autofree SraidPrState *st = new_state();
    SraidPrNexus n[3];
    uint8_t buf[64];
    uint8_t wr[10] = { 0x2a }, rd[10] = { 0x28 };

    setup_cfg(true);
    for (int i = 0; i < 3; i++) {
        g_autofree char *name = g_strdup_printf("iqn.2025-01.lab:node%d",
                                                i + 1);

        n[i] = nx_iscsi(name, 0x23d000000000ull + i, 1 + i % 2);
        g_assert_cmphex(prout(st, &n[i], 0, 0, 0, 0x1000 + i, APTPL), ==,
                        0);
    }
    g_assert_true(st->aptpl);
    g_assert_cmphex(prout(st, &n[0], 1, 5, 0x1000, 0, 0), ==, 0);
    /* node 2 fences node 3 */
    g_assert_cmphex(prout(st, &n[1], 5, 5, 0x1001, 0x1002, 0), ==, 0);
    g_assert_cmpuint(fx.n, ==, 2);
    g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 5, &n[2]), ==, 1);
    g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_ABORT, 0, &n[2]), ==, 1);
    g_assert_true(sraid_pr_is_holder(st, &n[0]));
    g_assert_cmpint(sraid_pr_check(st, &n[2], wr, 10), ==,
                    SRAID_PR_CONFLICT);
    g_assert_cmpint(sraid_pr_check(st, &n[2], rd, 10), ==,
                    SRAID_PR_ALLOWED);
    /* node 2 fences node 1, the holder: node 2 holds it now */
    g_assert_cmphex(prout(st, &n[1], 5, 5, 0x1001, 0x1000, 0), ==, 0);
    g_assert_true(sraid_pr_is_holder(st, &n[1]));
    g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_ABORT, 0, &n[0]), ==, 1);
    g_assert_cmpuint(count_fx(SRAID_PR_EFFECT_UA, 5, &n[0]), ==, 1);
    /* same type: nobody else is told of a change */
    g_assert_cmpuint(fx.n, ==, 2);
    /* REPORT CAPABILITIES: PTPL_C and PTPL_A */
    g_assert_cmpuint(prin(st, &n[1], 2, 64, buf, 64), ==, 8);
    {
        uint8_t want[8] = { 0, 8, 0x1d, 0xb1, 0xea, 0x01, 0, 0 };

        g_assert_cmpmem(buf, 8, want, 8);
    }
    /* APTPL 0 in a later REGISTER turns it off (SPC-4 5.7.5) */
    g_assert_cmphex(prout(st, &n[1], 0, 0, 0x1001, 0x1001, 0), ==, 0);
    g_assert_false(st->aptpl);
    /* without a place to keep it, APTPL is refused */
    setup_cfg(false);
    prout(st, &n[1], 0, 0, 0x1001, 0x1001, APTPL);
    expect_sense(5, 0x26, 0, 0x88, 20);
    g_assert_cmpuint(prin(st, &n[1], 2, 64, buf, 64), ==, 8);
    g_assert_cmphex(buf[2], ==, 0x1c);
    g_assert_cmphex(buf[3], ==, 0xb0);
}

/* ---- SPEC_I_PT, ALL_TG_PT, REGISTER AND MOVE ---- */

static size_t put_tid(uint8_t *p, const char *name, uint64_t isid)
{
    SraidPrTid t;

    g_assert_true(sraid_pr_tid_iscsi(&t, name, isid));
    memcpy(p, t.b, t.len);
    return t.len;
}

static void test_spec_i_pt(void)
{
    g_autofree SraidPrState *st = new_state();
    g_autofree SraidPrState *before = new_state();
    SraidPrNexus a = nx_iscsi("iqn.a", 1, 1);
    SraidPrNexus x = nx_iscsi("iqn.x", 2, 1), y = nx_iscsi("iqn.y", 3, 1);
    SraidPrNexus z;
    uint8_t extra[512];
    size_t n = 4;
    uint64_t key;

    setup_cfg(false);
    n += put_tid(extra + n, "iqn.x", 2);
    n += put_tid(extra + n, "IQN.Y", 3);
    n += put_tid(extra + n, "iqn.x", 2);       /* twice: registered once */
    sraid_put_be32(extra, n - 4);
    g_assert_cmphex(prout_full(st, &a, 0, 0, 0, KA, SPEC_I_PT, extra, n, -1),
                    ==, 0);
    g_assert_cmpuint(st->nregs, ==, 3);
    g_assert_true(sraid_pr_registered(st, &x, &key));
    g_assert_cmphex(key, ==, KA);
    g_assert_true(sraid_pr_registered(st, &y, &key));
    /* only through the receiving port */
    y.rtpi = 2;
    g_assert_false(sraid_pr_registered(st, &y, NULL));
    /* from a registered nexus: INVALID FIELD IN CDB */
    *before = *st;
    prout_full(st, &a, 0, 0, KA, KB, SPEC_I_PT, extra, n, -1);
    expect_sense(5, 0x24, 0, 0, 0);
    /* a TransportID already registered: conflict, nothing registered */
    z = nx_iscsi("iqn.z", 5, 1);
    prout_full(st, &z, 0, 0, 0, KB, SPEC_I_PT, extra, n, -1);
    expect_conflict(res.status);
    g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));
    /* TransportID data length not matching the list: 1Ah/00h */
    sraid_put_be32(extra, n - 3);
    prout_full(st, &y, 0, 0, 0, KB, SPEC_I_PT, extra, n, -1);
    expect_sense(5, 0x1a, 0, 0, 0);
    /* a truncated TransportID */
    sraid_put_be32(extra, n - 8);
    prout_full(st, &y, 0, 0, 0, KB, SPEC_I_PT, extra, n - 4, -1);
    expect_sense(5, 0x1a, 0, 0, 0);
    /* iSCSI format 00b (a device name, not a port): refused at bit 7 */
    sraid_put_be32(extra, n - 4);
    extra[4] = 0x05;
    prout_full(st, &y, 0, 0, 0, KB, SPEC_I_PT, extra, n, -1);
    expect_sense(5, 0x26, 0, 0x8f, 28);
    /* a Fibre Channel TransportID: protocol not supported */
    extra[4] = 0x00;
    prout_full(st, &y, 0, 0, 0, KB, SPEC_I_PT, extra, n, -1);
    expect_sense(5, 0x26, 0, 0x8b, 28);
    /* a guest path TransportID arriving on an iSCSI port */
    {
        SraidPrTid g;
        uint8_t e2[32];

        sraid_pr_tid_guest(&g, 3);
        sraid_put_be32(e2, 24);
        memcpy(e2 + 4, g.b, 24);
        prout_full(st, &y, 0, 0, 0, KB, SPEC_I_PT, e2, 28, -1);
        expect_sense(5, 0x26, 0, 0x8b, 28);
    }
    /* SPEC_I_PT with another service action */
    prout_full(st, &a, 1, 1, KA, 0, SPEC_I_PT, extra, n, -1);
    expect_sense(5, 0x26, 0, 0x8b, 20);
    g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));

    /* ALL_TG_PT: one registration for every port of the initiator */
    sraid_pr_init(st);
    g_assert_cmphex(prout(st, &a, 0, 0, 0, KA, ALL_TG_PT), ==, 0);
    a.rtpi = 2;
    g_assert_true(sraid_pr_registered(st, &a, &key));
    g_assert_cmpuint(st->nregs, ==, 1);
    /* a second ALL_TG_PT registration of the same initiator overlaps */
    x = a;
    x.initiator = a.initiator;
    sraid_pr_init(st);
    g_assert_cmphex(prout(st, &a, 0, 0, 0, KA, 0), ==, 0);
    a.rtpi = 1;
    expect_conflict(prout(st, &a, 0, 0, 0, KB, ALL_TG_PT));
}

static uint8_t move(SraidPrState *st, const SraidPrNexus *nx, uint64_t key,
                    uint64_t sa_key, uint8_t b17, uint16_t rtpi,
                    const uint8_t *tid, size_t tid_len)
{
    uint8_t cdb[10] = { 0x5f, 7, 0 };
    uint8_t p[512] = { 0 };

    sraid_put_be64(p, key);
    sraid_put_be64(p + 8, sa_key);
    p[17] = b17;
    sraid_put_be16(p + 18, rtpi);
    sraid_put_be32(p + 20, tid_len);
    memcpy(p + 24, tid, tid_len);
    sraid_put_be32(cdb + 5, 24 + tid_len);
    memset(&res, 0xee, sizeof(res));
    sraid_pr_out(st, &cfg, nx, cdb, p, 24 + tid_len, &fx, &res);
    return res.status;
}

static void test_register_and_move(void)
{
    g_autofree SraidPrState *st = new_state();
    g_autofree SraidPrState *before = new_state();
    SraidPrNexus a = nx_iscsi("iqn.a", 1, 1), d = nx_iscsi("iqn.d", 4, 2);
    uint8_t tid[256];
    size_t tl = put_tid(tid, "iqn.d", 4);
    uint64_t key;

    setup_cfg(false);
    g_assert_cmphex(prout(st, &a, 0, 0, 0, KA, 0), ==, 0);
    /* not the holder: conflict */
    expect_conflict(move(st, &a, KA, KB, 0, 2, tid, tl));
    g_assert_cmphex(prout(st, &a, 1, 3, KA, 0, 0), ==, 0);
    *before = *st;
    expect_conflict(move(st, &a, KB, KB, 0, 2, tid, tl));
    /* an unknown relative target port: 26h/00h at byte 18 */
    move(st, &a, KA, KB, 0, 9, tid, tl);
    expect_sense(5, 0x26, 0, 0x80, 18);
    /* an iSCSI TransportID to the guest path port */
    move(st, &a, KA, KB, 0, 0x107, tid, tl);
    expect_sense(5, 0x26, 0, 0x8b, 24);
    /* to itself */
    {
        uint8_t me[256];
        size_t ml = put_tid(me, "iqn.a", 1);

        move(st, &a, KA, KB, 0, 1, me, ml);
        expect_sense(5, 0x26, 0, 0x80, 24);
    }
    /* service action key 0 */
    move(st, &a, KA, 0, 0, 2, tid, tl);
    expect_sense(5, 0x26, 0, 0x80, 8);
    /* reserved bits of byte 17 */
    move(st, &a, KA, KB, 0x04, 2, tid, tl);
    expect_sense(5, 0x26, 0, 0x8a, 17);
    /* TransportID length past the list */
    {
        uint8_t cdb[10] = { 0x5f, 7, 0 };
        uint8_t p[64] = { 0 };

        sraid_put_be64(p, KA);
        sraid_put_be64(p + 8, KB);
        sraid_put_be16(p + 18, 2);
        sraid_put_be32(p + 20, 40);
        memcpy(p + 24, tid, 28);
        sraid_put_be32(cdb + 5, 52);
        sraid_pr_out(st, &cfg, &a, cdb, p, 52, &fx, &res);
        expect_sense(5, 0x1a, 0, 0, 0);
    }
    g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));
    /* the move, keeping the sender registered */
    g_assert_cmphex(move(st, &a, KA, KB, 0, 2, tid, tl), ==, 0);
    g_assert_true(sraid_pr_is_holder(st, &d));
    g_assert_false(sraid_pr_is_holder(st, &a));
    g_assert_true(sraid_pr_registered(st, &d, &key));
    g_assert_cmphex(key, ==, KB);
    g_assert_true(sraid_pr_registered(st, &a, NULL));
    g_assert_cmpuint(res_type(st), ==, 3);
    g_assert_cmpuint(fx.n, ==, 0);
    /* and back with UNREG: d's registration goes */
    {
        uint8_t at[256];
        size_t al = put_tid(at, "iqn.a", 1);

        g_assert_cmphex(move(st, &d, KB, KC, RAM_UNREG_BIT, 1, at, al), ==,
                        0);
        g_assert_false(sraid_pr_registered(st, &d, NULL));
        g_assert_true(sraid_pr_is_holder(st, &a));
        /* a already registered: its key is kept */
        g_assert_true(sraid_pr_registered(st, &a, &key));
        g_assert_cmphex(key, ==, KA);
    }
    /* all registrants reservations cannot move */
    sraid_pr_init(st);
    g_assert_cmphex(prout(st, &a, 0, 0, 0, KA, 0), ==, 0);
    g_assert_cmphex(prout(st, &a, 1, 7, KA, 0, 0), ==, 0);
    expect_conflict(move(st, &a, KA, KB, 0, 2, tid, tl));
}

/* ---- bad CDBs and parameter lists: exact sense ---- */

static void test_errors(void)
{
    g_autofree SraidPrState *st = new_state();
    g_autofree SraidPrState *before = new_state();
    SraidPrNexus a = nx_guest(1);
    uint8_t cdb[10] = { 0x5f, 0, 0 };
    uint8_t p[32] = { 0 };

    setup_cfg(false);
    g_assert_cmphex(prout(st, &a, 0, 0, 0, KA, 0), ==, 0);
    *before = *st;
    /* types 0, 2, 4, 9-15: INVALID FIELD IN CDB, byte 2 bit 3 */
    for (uint8_t t = 0; t < 16; t++) {
        if (t == 1 || t == 3 || (t >= 5 && t <= 8)) {
            continue;
        }
        prout(st, &a, 1, t, KA, 0, 0);
        expect_sense(5, 0x24, 0, 0xcb, 2);
        prout(st, &a, 4, t, KA, KA, 0);
        expect_sense(5, 0x24, 0, 0xcb, 2);
    }
    /* scope other than LU_SCOPE: byte 2 bit 7 */
    prout(st, &a, 1, 0x11, KA, 0, 0);
    expect_sense(5, 0x24, 0, 0xcf, 2);
    /* service actions 08h-1Fh: byte 1 bit 4 */
    for (uint8_t sa = 8; sa < 32; sa++) {
        prout(st, &a, sa, 1, KA, 0, 0);
        expect_sense(5, 0x24, 0, 0xcc, 1);
    }
    /* reserved CDB bits and bytes */
    prout(st, &a, 0x20, 0, KA, 0, 0);
    expect_sense(5, 0x24, 0, 0xcd, 1);
    memcpy(p, (uint8_t[]) { 0 }, 1);
    cdb[3] = 1;
    sraid_put_be32(cdb + 5, 24);
    sraid_pr_out(st, &cfg, &a, cdb, p, 24, &fx, &res);
    expect_sense(5, 0x24, 0, 0xc0, 3);
    /* parameter list length other than 24 */
    for (int len = 0; len < 32; len++) {
        if (len == 24) {
            continue;
        }
        prout_full(st, &a, 0, 0, KA, KB, 0, NULL, 0, len);
        expect_sense(5, 0x1a, 0, 0, 0);
    }
    {
        uint8_t extra[4] = { 0 };

        prout_full(st, &a, 1, 1, KA, 0, 0, extra, 4, -1);
        expect_sense(5, 0x1a, 0, 0, 0);
    }
    /* reserved bits of byte 20, byte 21 */
    prout(st, &a, 0, 0, KA, KB, 0x02);
    expect_sense(5, 0x26, 0, 0x89, 20);
    prout(st, &a, 0, 0, KA, KB, 0x80);
    expect_sense(5, 0x26, 0, 0x8f, 20);
    /* PREEMPT with service action key 0 and no all registrants */
    prout(st, &a, 4, 1, KA, 0, 0);
    expect_sense(5, 0x26, 0, 0x80, 8);
    g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));
    /* REGISTER AND MOVE list too short */
    cdb[1] = 7;
    cdb[3] = 0;
    sraid_put_be32(cdb + 5, 20);
    sraid_pr_out(st, &cfg, &a, cdb, p, 32, &fx, &res);
    expect_sense(5, 0x1a, 0, 0, 0);
    /* a CDB asking for more than was sent */
    cdb[1] = 0;
    sraid_put_be32(cdb + 5, 24);
    sraid_pr_out(st, &cfg, &a, cdb, p, 23, &fx, &res);
    expect_sense(5, 0x1a, 0, 0, 0);
    g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));

    /* PR IN: service action 04h and reserved bytes */
    {
        uint8_t in[10] = { 0x5e, 4 };
        uint8_t buf[16];

        sraid_pr_in(st, &cfg, &a, in, buf, 16, &res);
        expect_sense(5, 0x24, 0, 0xcc, 1);
        in[1] = 0;
        in[4] = 1;
        sraid_pr_in(st, &cfg, &a, in, buf, 16, &res);
        expect_sense(5, 0x24, 0, 0xc0, 4);
    }
}

/* 128 registrations fit, the 129th does not (5h/55h/04h) */
static void test_resources(void)
{
    g_autofree SraidPrState *st = new_state();
    g_autofree SraidPrState *before = new_state();
    SraidPrNexus n;
    uint8_t buf[8];

    setup_cfg(false);
    for (int i = 0; i < SRAID_PR_MAX_REGS; i++) {
        g_autofree char *name = g_strdup_printf("iqn.host%d", i);

        n = nx_iscsi(name, i, 1);
        g_assert_cmphex(prout(st, &n, 0, 0, 0, i + 1, 0), ==, 0);
    }
    *before = *st;
    n = nx_iscsi("iqn.one-too-many", 0, 1);
    prout(st, &n, 0, 0, 0, 999, 0);
    expect_sense(5, 0x55, 0x04, 0, 0);
    g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));
    /* READ KEYS: allocation length honoured, ADDITIONAL LENGTH full */
    g_assert_cmpuint(prin(st, &n, 0, 6, buf, 8), ==, 6);
    g_assert_cmpuint(sraid_get_be32(buf), ==, 128);
    g_assert_cmphex(buf[4], ==, 0);
    g_assert_cmphex(buf[5], ==, 0);
    g_assert_cmpuint(prin(st, &n, 0, 8, buf, 8), ==, 8);
    g_assert_cmpuint(sraid_get_be32(buf + 4), ==, 128 * 8);
    g_assert_cmpuint(prin(st, &n, 0, 0, buf, 8), ==, 0);
    /* the largest READ FULL STATUS and serialized state */
    {
        g_autofree uint8_t *big = g_malloc(65536);
        g_autofree uint8_t *enc = g_malloc(SRAID_PR_ENC_MAX);
        g_autofree SraidPrState *back = new_state();
        size_t len = prin(st, &n, 3, 65535, big, 65536);
        size_t elen = sraid_pr_encode(st, enc);

        g_assert_cmpuint(len, ==, 8 + sraid_get_be32(big + 4));
        g_assert_cmpuint(elen, <=, SRAID_PR_ENC_MAX);
        g_assert_true(sraid_pr_decode(enc, elen, back));
        g_assert_cmpmem(back, sizeof(*back), st, sizeof(*st));
    }
}

/* ---- the serialized state ---- */

static void test_serialize(void)
{
    g_autofree SraidPrState *st = new_state();
    g_autofree SraidPrState *back = new_state();
    g_autofree uint8_t *buf = g_malloc(SRAID_PR_ENC_MAX);
    g_autofree uint8_t *again = g_malloc(SRAID_PR_ENC_MAX);
    SraidPrNexus a, b, c;
    size_t len;

    setup_cfg(true);
    /* the empty state: header and CRC only */
    len = sraid_pr_encode(st, buf);
    g_assert_cmpuint(len, ==, 36);
    g_assert_cmpmem(buf, 8, "SRPRSTAT", 8);
    g_assert_cmpuint(sraid_get_le16(buf + 8), ==, 1);
    g_assert_cmpuint(sraid_get_le32(buf + 24), ==, 36);

    setup_abc(st, 5, &a, &b, &c);
    g_assert_cmphex(prout(st, &c, 0, 0, 0, KC, ALL_TG_PT | APTPL), ==, 0);
    len = sraid_pr_encode(st, buf);
    /* header: flags, type, generation, counts, holder */
    g_assert_cmphex(buf[10], ==, 0x01);
    g_assert_cmphex(buf[11], ==, 5);
    g_assert_cmpuint(sraid_get_le32(buf + 12), ==, 3);
    g_assert_cmpuint(sraid_get_le16(buf + 16), ==, 3);
    g_assert_cmpuint(sraid_get_le16(buf + 18), ==, a.initiator.len);
    g_assert_cmpuint(sraid_get_le16(buf + 20), ==, 1);
    g_assert_cmpuint(sraid_get_le32(buf + 24), ==, len);
    g_assert_cmpmem(buf + 32, a.initiator.len, a.initiator.b,
                    a.initiator.len);
    {
        size_t off = 32 + a.initiator.len;

        g_assert_cmphex(sraid_get_le64(buf + off), ==, KA);
        g_assert_cmpuint(sraid_get_le16(buf + off + 8), ==, 1);
        g_assert_cmpuint(buf[off + 10], ==, 0);
        g_assert_cmpuint(sraid_get_le16(buf + off + 12), ==,
                         a.initiator.len);
    }
    g_assert_cmpuint(len, ==, 32 + a.initiator.len + 16 * 3 +
                     a.initiator.len + b.initiator.len + 24 + 4);
    g_assert_true(sraid_pr_decode(buf, len, back));
    g_assert_cmpmem(back, sizeof(*back), st, sizeof(*st));
    g_assert_cmpuint(sraid_pr_encode(back, again), ==, len);
    g_assert_cmpmem(again, len, buf, len);

    /* every flipped bit refused, state left empty */
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= 1 << bit;
            g_assert_false(sraid_pr_decode(buf, len, back));
            g_assert_cmpuint(back->nregs, ==, 0);
            g_assert_cmpuint(back->type, ==, 0);
            buf[i] ^= 1 << bit;
        }
    }
    /* every truncation, and one byte more */
    for (size_t l = 0; l < len; l++) {
        g_assert_false(sraid_pr_decode(buf, l, back));
    }
    buf[len] = 0;
    g_assert_false(sraid_pr_decode(buf, len + 1, back));
    g_assert_true(sraid_pr_decode(buf, len, back));
}

/* Fix the length and CRC after editing @buf; decode it */
static bool redecode(uint8_t *buf, size_t len, SraidPrState *st)
{
    sraid_put_le32(buf + 24, len);
    sraid_put_le32(buf + len - 4, sraid_crc32c(buf, len - 4));
    return sraid_pr_decode(buf, len, st);
}

/* Valid CRC, invalid content: refused for what it says */
static void test_serialize_strict(void)
{
    g_autofree SraidPrState *st = new_state();
    g_autofree SraidPrState *back = new_state();
    g_autofree uint8_t *buf = g_malloc(SRAID_PR_ENC_MAX);
    g_autofree uint8_t *orig = g_malloc(SRAID_PR_ENC_MAX);
    SraidPrNexus a, b, c;
    size_t len, r0;

    setup_cfg(false);
    setup_abc(st, 1, &a, &b, &c);
    len = sraid_pr_encode(st, orig);
    r0 = 32 + a.initiator.len;
#define TRY(edit) do { \
        memcpy(buf, orig, len); \
        edit; \
        g_assert_false(redecode(buf, len, back)); \
    } while (0)
    memcpy(buf, orig, len);
    g_assert_true(redecode(buf, len, back));
    TRY(buf[8] = 2);                            /* version */
    TRY(buf[10] = 0x02);                        /* flag bits */
    TRY(buf[11] = 2);                           /* type */
    TRY(buf[11] = 7);                           /* AR with a holder */
    TRY(buf[11] = 0);                           /* holder, no type */
    TRY(buf[16] = 3);                           /* count */
    TRY(buf[20] = 0);                           /* holder port 0 */
    TRY(buf[20] = 2);                           /* holder not registered */
    TRY(buf[22] = 1);                           /* reserved */
    TRY(buf[28] = 1);
    TRY(buf[32 + 4] = 'I');                     /* upper case: not canonical */
    TRY(memset(buf + r0, 0, 8));                /* key 0 */
    TRY(buf[r0 + 8] = 0; buf[r0 + 9] = 0);      /* port 0 */
    TRY(buf[r0 + 10] = 0x02);                   /* flag bits */
    TRY(buf[r0 + 11] = 1);
    TRY(buf[r0 + 14] = 1);
    /* two registrations of one nexus */
    {
        g_autofree SraidPrState *dup = new_state();
        size_t l2;

        *dup = *st;
        dup->regs[1] = dup->regs[0];
        dup->regs[1].key = 5;
        l2 = sraid_pr_encode(dup, buf);
        g_assert_false(sraid_pr_decode(buf, l2, back));
        /* one ALL_TG_PT overlapping another port's */
        *dup = *st;
        dup->regs[1].initiator = dup->regs[0].initiator;
        dup->regs[1].all_tg_pt = true;
        l2 = sraid_pr_encode(dup, buf);
        g_assert_false(sraid_pr_decode(buf, l2, back));
    }
#undef TRY
}

/* ---- random commands: the state stays valid and canonical ---- */

static void test_random(void)
{
    g_autofree SraidPrState *st = new_state();
    g_autofree SraidPrState *back = new_state();
    g_autofree SraidPrState *before = new_state();
    g_autofree uint8_t *enc = g_malloc(SRAID_PR_ENC_MAX);
    g_autofree uint8_t *enc2 = g_malloc(SRAID_PR_ENC_MAX);
    GRand *rng = g_rand_new_with_seed(20250601);
    SraidPrNexus nx[6];
    uint64_t keys[] = { 0, KA, KB, KC };
    unsigned good = 0;

    setup_cfg(true);
    for (int i = 0; i < 6; i++) {
        nx[i] = i < 3 ? nx_iscsi(i ? "iqn.r1" : "iqn.r0", i, 1 + i % 2) :
                nx_guest(i);
    }
    for (int it = 0; it < 100000; it++) {
        const SraidPrNexus *n = &nx[g_rand_int_range(rng, 0, 6)];
        uint8_t sa = g_rand_int_range(rng, 0, 9);
        uint8_t type = types[g_rand_int_range(rng, 0, 6)];
        uint8_t flags = g_rand_boolean(rng) ? 0 :
                        (g_rand_int_range(rng, 0, 16) & 0x0d);
        size_t len;

        if (g_rand_int_range(rng, 0, 50) == 0) {
            type = g_rand_int_range(rng, 0, 256);
        }
        *before = *st;
        if (sa == 7) {
            uint8_t tid[256];
            size_t tl = put_tid(tid, "iqn.r1", g_rand_int_range(rng, 0, 3));

            move(st, n, keys[g_rand_int_range(rng, 0, 4)],
                 keys[g_rand_int_range(rng, 0, 4)],
                 g_rand_int_range(rng, 0, 4), g_rand_int_range(rng, 0, 3),
                 tid, tl);
        } else {
            prout(st, n, sa, type, keys[g_rand_int_range(rng, 0, 4)],
                  keys[g_rand_int_range(rng, 0, 4)], flags & ~SPEC_I_PT);
        }
        if (res.status != SRAID_STATUS_GOOD) {
            g_assert_cmpmem(st, sizeof(*st), before, sizeof(*st));
            g_assert_cmpuint(fx.n, ==, 0);
        } else {
            good++;
        }
        /* invariants: a reservation has registrants, the holder is one */
        if (st->type) {
            g_assert_cmpuint(st->nregs, >, 0);
        }
        len = sraid_pr_encode(st, enc);
        g_assert_true(sraid_pr_decode(enc, len, back));
        g_assert_cmpuint(sraid_pr_encode(back, enc2), ==, len);
        g_assert_cmpmem(enc2, len, enc, len);
    }
    g_test_message("%u of 100000 random commands GOOD", good);
    g_assert_cmpuint(good, >, 10000);
    g_rand_free(rng);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pr/tid", test_tid);
    g_test_add_func("/pr/register", test_register);
    g_test_add_func("/pr/generation", test_generation);
    g_test_add_func("/pr/reserve-table", test_reserve_table);
    g_test_add_func("/pr/conflict-table", test_conflict_table);
    g_test_add_func("/pr/all-registrants", test_all_registrants);
    g_test_add_func("/pr/unregister-holder", test_unregister_holder);
    g_test_add_func("/pr/windows-cluster", test_windows_cluster);
    g_test_add_func("/pr/fence-scsi", test_fence_scsi);
    g_test_add_func("/pr/spec-i-pt", test_spec_i_pt);
    g_test_add_func("/pr/register-and-move", test_register_and_move);
    g_test_add_func("/pr/errors", test_errors);
    g_test_add_func("/pr/resources", test_resources);
    g_test_add_func("/pr/serialize", test_serialize);
    g_test_add_func("/pr/serialize-strict", test_serialize_strict);
    g_test_add_func("/pr/random", test_random);
    return g_test_run();
}
