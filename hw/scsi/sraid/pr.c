/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: SPC-4 persistent reservations of one logical unit
 * (pr.h, docs/persistent-reservations.md).
 *
 * Every PERSISTENT RESERVE OUT is checked in full (CDB, parameter list,
 * keys, resources) and then applied to a scratch copy of the state that
 * replaces the real one only when the command ends in GOOD: no error can
 * leave half a change behind.
 */
#include <glib.h>
#include <string.h>

#include "cod.h"
#include "le-bytes.h"
#include "pr.h"
#include "scsi-proto.h"

/* Byte 20 of the basic PR OUT parameter list (SPC-4 table 214) */
#define SPEC_I_PT       0x08
#define ALL_TG_PT       0x04
#define APTPL           0x01
/* Byte 17 of the REGISTER AND MOVE parameter list (SPC-4 table 216) */
#define RAM_UNREG       0x02

/* The sraid guest path's SAS address, bytes 0-5 (pr.h) */
static const uint8_t guest_sas_prefix[6] = {
    0x35, 0x52, 0x41, 0x49, 0x44, 0x47
};

/* What a step of PR OUT decided, when not GOOD */
typedef enum Outcome {
    OUT_GOOD,
    OUT_CONFLICT,
    OUT_SENSE,
} Outcome;

static bool type_valid(uint8_t type)
{
    switch (type) {
    case SRAID_PR_TYPE_WE:
    case SRAID_PR_TYPE_EA:
    case SRAID_PR_TYPE_WE_RO:
    case SRAID_PR_TYPE_EA_RO:
    case SRAID_PR_TYPE_WE_AR:
    case SRAID_PR_TYPE_EA_AR:
        return true;
    default:
        return false;
    }
}

/* All registrants types: every registrant is a holder (SPC-4 5.7.10) */
static bool type_all_reg(uint8_t type)
{
    return type == SRAID_PR_TYPE_WE_AR || type == SRAID_PR_TYPE_EA_AR;
}

static bool type_reg_only(uint8_t type)
{
    return type == SRAID_PR_TYPE_WE_RO || type == SRAID_PR_TYPE_EA_RO;
}

static bool type_exclusive_access(uint8_t type)
{
    return type == SRAID_PR_TYPE_EA || type == SRAID_PR_TYPE_EA_RO ||
           type == SRAID_PR_TYPE_EA_AR;
}

/* ---- TransportIDs (SPC-4 7.6.4) ---- */

static bool tid_eq(const SraidPrTid *a, const SraidPrTid *b)
{
    return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static bool iscsi_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == ':';
}

bool sraid_pr_tid_iscsi(SraidPrTid *tid, const char *name, uint64_t isid)
{
    size_t n = strlen(name);
    size_t text_len, addl;
    char *s;

    if (n == 0 || n > SRAID_PR_ISCSI_NAME_MAX || isid >> 48) {
        return false;
    }
    memset(tid, 0, sizeof(*tid));
    s = (char *)tid->b + 4;
    for (size_t i = 0; i < n; i++) {
        char c = g_ascii_tolower(name[i]);

        if (!iscsi_name_char(c)) {
            memset(tid, 0, sizeof(*tid));
            return false;
        }
        s[i] = c;
    }
    /* SPC-4 7.6.4.6: ",i,0x" and the ISID in hexadecimal */
    g_snprintf(s + n, 18, ",i,0x%012" G_GINT64_MODIFIER "x", isid);
    text_len = n + 17 + 1;                      /* with its NUL */
    /* at least 20 bytes, a multiple of 4 (SPC-4 7.6.4.6) */
    addl = MAX(20, (text_len + 3) & ~(size_t)3);
    tid->b[0] = 0x40 | SRAID_PR_PROTO_ISCSI;    /* format 01b */
    sraid_put_be16(tid->b + 2, addl);
    tid->len = 4 + addl;
    return true;
}

void sraid_pr_tid_guest(SraidPrTid *tid, uint8_t node)
{
    memset(tid, 0, sizeof(*tid));
    tid->b[0] = SRAID_PR_PROTO_SAS;             /* format 00b */
    memcpy(tid->b + 4, guest_sas_prefix, sizeof(guest_sas_prefix));
    tid->b[11] = node;
    tid->len = 24;
}

bool sraid_pr_nexus_iscsi(SraidPrNexus *nx, const char *name, uint64_t isid,
                          uint16_t rtpi)
{
    memset(nx, 0, sizeof(*nx));
    nx->rtpi = rtpi;
    return sraid_pr_tid_iscsi(&nx->initiator, name, isid);
}

void sraid_pr_nexus_guest(SraidPrNexus *nx, uint8_t node)
{
    memset(nx, 0, sizeof(*nx));
    sraid_pr_tid_guest(&nx->initiator, node);
    nx->rtpi = SRAID_PR_RTPI_GUEST(node);
}

bool sraid_pr_effect_names(const SraidPrEffect *e, const SraidPrNexus *nx)
{
    return e->nexus.initiator.len == nx->initiator.len &&
           !memcmp(e->nexus.initiator.b, nx->initiator.b, nx->initiator.len) &&
           (e->all_tg_pt || e->nexus.rtpi == nx->rtpi);
}

typedef enum TidError {
    TID_OK,
    TID_SHORT,          /* runs past the bytes given */
    TID_INVALID,        /* a field we refuse; *off and *bit say which */
} TidError;

static TidError tid_invalid(unsigned *off, int *bit, unsigned o, int b)
{
    *off = o;
    *bit = b;
    return TID_INVALID;
}

/*
 * Parse the TransportID at @p (@avail bytes) into its canonical form.
 * @used: its length on the wire; @off/@bit: the bad field when INVALID.
 */
static TidError tid_parse(const uint8_t *p, size_t avail, SraidPrTid *tid,
                          size_t *used, unsigned *off, int *bit)
{
    uint8_t proto, format;

    if (avail < 4) {
        return TID_SHORT;
    }
    proto = p[0] & 0x0f;
    format = p[0] >> 6;
    if (p[0] & 0x30) {
        return tid_invalid(off, bit, 0, 5);
    }
    if (proto == SRAID_PR_PROTO_ISCSI) {
        size_t addl = sraid_get_be16(p + 2);
        const uint8_t *s = p + 4;
        char name[SRAID_PR_ISCSI_NAME_MAX + 1];
        size_t slen, nlen;
        uint64_t isid = 0;

        /* format 00b names the initiator device, not a port: refused */
        if (format != 1) {
            return tid_invalid(off, bit, 0, 7);
        }
        if (p[1]) {
            return tid_invalid(off, bit, 1, -1);
        }
        if (addl < 20 || addl % 4 || addl > SRAID_PR_TID_MAX - 4) {
            return tid_invalid(off, bit, 2, -1);
        }
        if (avail < 4 + addl) {
            return TID_SHORT;
        }
        slen = strnlen((const char *)s, addl);
        if (slen == addl) {
            return tid_invalid(off, bit, 4, -1);  /* no NUL */
        }
        for (size_t i = slen; i < addl; i++) {
            if (s[i]) {
                return tid_invalid(off, bit, 4 + i, -1);
            }
        }
        /* "<name>,i,0x<12 hex digits>" */
        if (slen < 18) {
            return tid_invalid(off, bit, 4, -1);
        }
        nlen = slen - 17;
        if (nlen > SRAID_PR_ISCSI_NAME_MAX ||
            g_ascii_strncasecmp((const char *)s + nlen, ",i,0x", 5)) {
            return tid_invalid(off, bit, 4, -1);
        }
        for (size_t i = nlen + 5; i < slen; i++) {
            if (!g_ascii_isxdigit(s[i])) {
                return tid_invalid(off, bit, 4 + i, -1);
            }
            isid = isid << 4 | g_ascii_xdigit_value(s[i]);
        }
        memcpy(name, s, nlen);
        name[nlen] = 0;
        if (!sraid_pr_tid_iscsi(tid, name, isid)) {
            return tid_invalid(off, bit, 4, -1);
        }
        *used = 4 + addl;
        return TID_OK;
    }
    if (proto == SRAID_PR_PROTO_SAS) {
        if (format != 0) {
            return tid_invalid(off, bit, 0, 7);
        }
        if (avail < 24) {
            return TID_SHORT;
        }
        for (unsigned i = 1; i < 24; i++) {
            if (i >= 4 && i < 12) {
                continue;
            }
            if (p[i]) {
                return tid_invalid(off, bit, i, -1);
            }
        }
        /* only the sraid guest paths are SAS initiators we know */
        if (memcmp(p + 4, guest_sas_prefix, sizeof(guest_sas_prefix)) ||
            p[10] != 0 || p[11] > 15) {
            return tid_invalid(off, bit, 4, -1);
        }
        sraid_pr_tid_guest(tid, p[11]);
        *used = 24;
        return TID_OK;
    }
    return tid_invalid(off, bit, 0, 3);
}

/* ---- registrations ---- */

void sraid_pr_init(SraidPrState *st)
{
    memset(st, 0, sizeof(*st));
}

void sraid_pr_config_cluster(SraidPrConfig *cfg, unsigned channels,
                             bool ptpl_capable)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ptpl_capable = ptpl_capable;
    channels = MIN(channels, SRAID_PR_CHANNELS_MAX);
    for (unsigned node = 0; node < 16; node++) {
        cfg->ports[cfg->nports++] = (SraidPrPort) {
            .rtpi = SRAID_PR_RTPI_GUEST(node),
            .proto = SRAID_PR_PROTO_SAS,
        };
        for (unsigned ch = 0; ch < channels; ch++) {
            cfg->ports[cfg->nports++] = (SraidPrPort) {
                .rtpi = SRAID_PR_RTPI_ISCSI(node, ch),
                .proto = SRAID_PR_PROTO_ISCSI,
            };
        }
    }
}

static bool reg_matches(const SraidPrReg *r, const SraidPrTid *initiator,
                        uint16_t rtpi)
{
    return tid_eq(&r->initiator, initiator) &&
           (r->all_tg_pt || r->rtpi == rtpi);
}

static int find_reg(const SraidPrState *st, const SraidPrNexus *nx)
{
    for (unsigned i = 0; i < st->nregs; i++) {
        if (reg_matches(&st->regs[i], &nx->initiator, nx->rtpi)) {
            return i;
        }
    }
    return -1;
}

/* Does any registration of @initiator exist, through any port? */
static bool initiator_registered(const SraidPrState *st,
                                 const SraidPrTid *initiator)
{
    for (unsigned i = 0; i < st->nregs; i++) {
        if (tid_eq(&st->regs[i].initiator, initiator)) {
            return true;
        }
    }
    return false;
}

bool sraid_pr_registered(const SraidPrState *st, const SraidPrNexus *nx,
                         uint64_t *key)
{
    int i = find_reg(st, nx);

    if (i < 0) {
        return false;
    }
    if (key) {
        *key = st->regs[i].key;
    }
    return true;
}

bool sraid_pr_is_holder(const SraidPrState *st, const SraidPrNexus *nx)
{
    if (!st->type) {
        return false;
    }
    if (type_all_reg(st->type)) {
        return find_reg(st, nx) >= 0;
    }
    return tid_eq(&st->holder.initiator, &nx->initiator) &&
           st->holder.rtpi == nx->rtpi;
}

/* Is registration @i the one of the (single) reservation holder? */
static bool reg_is_holders(const SraidPrState *st, unsigned i)
{
    return st->type && !type_all_reg(st->type) &&
           reg_matches(&st->regs[i], &st->holder.initiator, st->holder.rtpi);
}

static void clear_reservation(SraidPrState *st)
{
    st->type = 0;
    memset(&st->holder, 0, sizeof(st->holder));
}

static void fx_add_reg(SraidPrEffects *fx, SraidPrEffectKind kind,
                       uint8_t ascq, const SraidPrReg *r)
{
    SraidPrEffect *e;

    g_assert(fx->n < SRAID_PR_MAX_EFFECTS);
    e = &fx->e[fx->n++];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    if (kind == SRAID_PR_EFFECT_UA) {
        e->asc = SRAID_PR_UA_ASC;
        e->ascq = ascq;
    }
    e->all_tg_pt = r->all_tg_pt;
    e->nexus.initiator = r->initiator;
    e->nexus.rtpi = r->rtpi;
}

static void remove_reg_at(SraidPrState *st, unsigned i)
{
    memmove(&st->regs[i], &st->regs[i + 1],
            (st->nregs - i - 1) * sizeof(st->regs[0]));
    st->nregs--;
    memset(&st->regs[st->nregs], 0, sizeof(st->regs[0]));
}

/*
 * Unregister registration @i (REGISTER with key 0, SPC-4 5.7.11.3): the
 * holder's reservation other than all registrants goes with it, and for
 * registrants only types the others learn it; an all registrants
 * reservation ends with its last registrant.
 */
static void unregister(SraidPrState *st, unsigned i, SraidPrEffects *fx)
{
    if (reg_is_holders(st, i)) {
        bool ua = type_reg_only(st->type);

        clear_reservation(st);
        remove_reg_at(st, i);
        for (unsigned j = 0; ua && j < st->nregs; j++) {
            fx_add_reg(fx, SRAID_PR_EFFECT_UA, SRAID_PR_UA_RELEASED,
                       &st->regs[j]);
        }
        return;
    }
    remove_reg_at(st, i);
    if (st->type && type_all_reg(st->type) && st->nregs == 0) {
        clear_reservation(st);
    }
}

/* ---- PERSISTENT RESERVE OUT (SPC-4 6.16) ---- */

typedef struct ProutCtx {
    SraidPrState *st;           /* the scratch copy */
    const SraidPrConfig *cfg;
    const SraidPrNexus *nx;
    SraidPrEffects *fx;
    SraidSense *sense;
    uint8_t sa, scope, type;
    /* basic parameter list */
    uint64_t key, sa_key;
    bool spec_i_pt, all_tg_pt, aptpl;
    unsigned ntids;
    SraidPrTid *tids;           /* SPEC_I_PT TransportIDs, deduplicated */
    /* REGISTER AND MOVE */
    bool unreg;
    uint16_t move_rtpi;
    SraidPrTid move_tid;
} ProutCtx;

static Outcome out_sense(ProutCtx *c, const SraidSense *base, bool cd,
                         int field, int bit)
{
    *c->sense = field >= 0 ? sraid_sense_at(base, cd, field, bit) : *base;
    return OUT_SENSE;
}

static bool tid_listed(const SraidPrTid *tids, unsigned n,
                       const SraidPrTid *t)
{
    for (unsigned i = 0; i < n; i++) {
        if (tid_eq(&tids[i], t)) {
            return true;
        }
    }
    return false;
}

/*
 * The basic parameter list (SPC-4 6.16.3) with the TransportIDs of
 * SPEC_I_PT (SPC-4 6.16.3, 5.7.7): lengths and fields, no state yet.
 */
static Outcome parse_basic(ProutCtx *c, const uint8_t *p, size_t plen)
{
    const SraidPrTid *own = &c->nx->initiator;

    if (plen < 24) {
        return out_sense(c, &sraid_sense_param_list_len, false, -1, 0);
    }
    c->key = sraid_get_be64(p);
    c->sa_key = sraid_get_be64(p + 8);
    c->spec_i_pt = p[20] & SPEC_I_PT;
    c->all_tg_pt = p[20] & ALL_TG_PT;
    c->aptpl = p[20] & APTPL;
    if (p[20] & 0xf2) {
        return out_sense(c, &sraid_sense_invalid_param, false, 20,
                         31 - __builtin_clz(p[20] & 0xf2));
    }
    if (p[21]) {
        return out_sense(c, &sraid_sense_invalid_param, false, 21, -1);
    }
    /* SPEC_I_PT is for REGISTER only (SPC-4 table 215) */
    if (c->spec_i_pt && c->sa != SRAID_PROUT_REGISTER) {
        return out_sense(c, &sraid_sense_invalid_param, false, 20, 3);
    }
    /* ALL_TG_PT and APTPL matter to the register actions only */
    if (c->sa != SRAID_PROUT_REGISTER &&
        c->sa != SRAID_PROUT_REGISTER_IGNORE) {
        c->all_tg_pt = false;
        c->aptpl = false;
    } else if (c->aptpl && !c->cfg->ptpl_capable) {
        return out_sense(c, &sraid_sense_invalid_param, false, 20, 0);
    }
    if (!c->spec_i_pt) {
        if (plen != 24) {
            return out_sense(c, &sraid_sense_param_list_len, false, -1, 0);
        }
        return OUT_GOOD;
    }
    if (plen < 28 || sraid_get_be32(p + 24) != plen - 28) {
        return out_sense(c, &sraid_sense_param_list_len, false, -1, 0);
    }
    c->tids = g_new0(SraidPrTid, SRAID_PR_MAX_REGS);
    for (size_t off = 28; off < plen;) {
        SraidPrTid t;
        size_t used = 0;
        unsigned bad = 0;
        int bit = -1;

        switch (tid_parse(p + off, plen - off, &t, &used, &bad, &bit)) {
        case TID_SHORT:
            return out_sense(c, &sraid_sense_param_list_len, false, -1, 0);
        case TID_INVALID:
            return out_sense(c, &sraid_sense_invalid_param, false,
                             off + bad, bit);
        case TID_OK:
            break;
        }
        /* the target port is the receiving one: its protocol must fit */
        if (sraid_pr_tid_proto(&t) != sraid_pr_tid_proto(own)) {
            return out_sense(c, &sraid_sense_invalid_param, false, off, 3);
        }
        if (!tid_eq(&t, own) && !tid_listed(c->tids, c->ntids, &t)) {
            if (c->ntids == SRAID_PR_MAX_REGS) {
                return out_sense(c, &sraid_sense_insufficient_reg, false,
                                 -1, 0);
            }
            c->tids[c->ntids++] = t;
        }
        off += used;
    }
    return OUT_GOOD;
}

/* The REGISTER AND MOVE parameter list (SPC-4 6.16.4) */
static Outcome parse_move(ProutCtx *c, const uint8_t *p, size_t plen)
{
    size_t tlen, used = 0;
    unsigned bad = 0;
    int bit = -1;

    if (plen < 24) {
        return out_sense(c, &sraid_sense_param_list_len, false, -1, 0);
    }
    c->key = sraid_get_be64(p);
    c->sa_key = sraid_get_be64(p + 8);
    if (p[16]) {
        return out_sense(c, &sraid_sense_invalid_param, false, 16, -1);
    }
    if (p[17] & 0xfc) {
        return out_sense(c, &sraid_sense_invalid_param, false, 17,
                         31 - __builtin_clz(p[17] & 0xfc));
    }
    c->unreg = p[17] & RAM_UNREG;
    c->aptpl = p[17] & APTPL;
    c->move_rtpi = sraid_get_be16(p + 18);
    tlen = sraid_get_be32(p + 20);
    if (tlen != plen - 24) {
        return out_sense(c, &sraid_sense_param_list_len, false, -1, 0);
    }
    switch (tid_parse(p + 24, tlen, &c->move_tid, &used, &bad, &bit)) {
    case TID_SHORT:
        return out_sense(c, &sraid_sense_param_list_len, false, -1, 0);
    case TID_INVALID:
        return out_sense(c, &sraid_sense_invalid_param, false, 24 + bad,
                         bit);
    case TID_OK:
        break;
    }
    if (used != tlen) {
        return out_sense(c, &sraid_sense_param_list_len, false, -1, 0);
    }
    if (c->aptpl && !c->cfg->ptpl_capable) {
        return out_sense(c, &sraid_sense_invalid_param, false, 17, 0);
    }
    return OUT_GOOD;
}

/* REGISTER and REGISTER AND IGNORE EXISTING KEY (SPC-4 5.7.7) */
static Outcome do_register(ProutCtx *c)
{
    SraidPrState *st = c->st;
    bool ignore = c->sa == SRAID_PROUT_REGISTER_IGNORE;
    int i = find_reg(st, c->nx);

    if (i >= 0) {
        if (!ignore && c->key != st->regs[i].key) {
            return OUT_CONFLICT;
        }
        /* SPC-4 5.7.7 table 43: SPEC_I_PT from a registered I_T nexus */
        if (c->spec_i_pt) {
            return out_sense(c, &sraid_sense_invalid_field, true, -1, 0);
        }
        if (c->sa_key == 0) {
            unregister(st, i, c->fx);
        } else {
            st->regs[i].key = c->sa_key;
        }
        st->aptpl = c->aptpl;
        return OUT_GOOD;
    }
    if (!ignore && c->key != 0) {
        return OUT_CONFLICT;
    }
    if (c->sa_key == 0) {
        /* nothing to register: GOOD, and nothing changes but PRgeneration */
        return OUT_GOOD;
    }
    /*
     * An ALL_TG_PT registration stands for every target port of the
     * initiator port; one made through another port would overlap it.
     */
    if (c->all_tg_pt && initiator_registered(st, &c->nx->initiator)) {
        return OUT_CONFLICT;
    }
    for (unsigned k = 0; k < c->ntids; k++) {
        SraidPrNexus t = { .initiator = c->tids[k], .rtpi = c->nx->rtpi };

        if (find_reg(st, &t) >= 0 ||
            (c->all_tg_pt && initiator_registered(st, &t.initiator))) {
            return OUT_CONFLICT;
        }
    }
    if (st->nregs + 1 + c->ntids > SRAID_PR_MAX_REGS) {
        return out_sense(c, &sraid_sense_insufficient_reg, false, -1, 0);
    }
    for (unsigned k = 0; k <= c->ntids; k++) {
        SraidPrReg *r = &st->regs[st->nregs++];

        r->key = c->sa_key;
        r->initiator = k == 0 ? c->nx->initiator : c->tids[k - 1];
        r->rtpi = c->nx->rtpi;
        r->all_tg_pt = c->all_tg_pt;
    }
    st->aptpl = c->aptpl;
    return OUT_GOOD;
}

/* The sender must be registered under the key it names (SPC-4 5.7.9ff) */
static int check_key(ProutCtx *c)
{
    int i = find_reg(c->st, c->nx);

    if (i < 0 || c->st->regs[i].key != c->key) {
        return -1;
    }
    return i;
}

/* RESERVE (SPC-4 5.7.9) */
static Outcome do_reserve(ProutCtx *c)
{
    SraidPrState *st = c->st;

    if (check_key(c) < 0) {
        return OUT_CONFLICT;
    }
    if (st->type) {
        /* the holder may repeat its reservation, nothing else */
        if (sraid_pr_is_holder(st, c->nx) && st->type == c->type) {
            return OUT_GOOD;
        }
        return OUT_CONFLICT;
    }
    st->type = c->type;
    if (!type_all_reg(c->type)) {
        st->holder = *c->nx;
    }
    return OUT_GOOD;
}

/* RELEASE (SPC-4 5.7.11.2) */
static Outcome do_release(ProutCtx *c)
{
    SraidPrState *st = c->st;
    uint8_t old = st->type;
    int me = check_key(c);

    if (me < 0) {
        return OUT_CONFLICT;
    }
    if (!old || !sraid_pr_is_holder(st, c->nx)) {
        return OUT_GOOD;                /* nothing of ours to release */
    }
    if (c->type != old) {
        return out_sense(c, &sraid_sense_invalid_pr_release, false, -1, 0);
    }
    clear_reservation(st);
    if (type_reg_only(old) || type_all_reg(old)) {
        for (unsigned j = 0; j < st->nregs; j++) {
            if ((int)j != me) {
                fx_add_reg(c->fx, SRAID_PR_EFFECT_UA, SRAID_PR_UA_RELEASED,
                           &st->regs[j]);
            }
        }
    }
    return OUT_GOOD;
}

/* CLEAR (SPC-4 5.7.11.6) */
static Outcome do_clear(ProutCtx *c)
{
    SraidPrState *st = c->st;
    int me = check_key(c);

    if (me < 0) {
        return OUT_CONFLICT;
    }
    for (unsigned j = 0; j < st->nregs; j++) {
        if ((int)j != me) {
            fx_add_reg(c->fx, SRAID_PR_EFFECT_UA, SRAID_PR_UA_PREEMPTED,
                       &st->regs[j]);
        }
    }
    clear_reservation(st);
    memset(st->regs, 0, sizeof(st->regs));
    st->nregs = 0;
    return OUT_GOOD;
}

/* PREEMPT and PREEMPT AND ABORT (SPC-4 5.7.11.4, 5.7.11.5) */
static Outcome do_preempt(ProutCtx *c)
{
    SraidPrState *st = c->st;
    bool abort = c->sa == SRAID_PROUT_PREEMPT_AND_ABORT;
    bool all_reg = st->type && type_all_reg(st->type);
    bool take = false;          /* a new reservation for the preemptor */
    bool type_changed;
    bool *removed;
    int me = check_key(c);
    unsigned j;

    if (me < 0) {
        return OUT_CONFLICT;
    }
    removed = g_new0(bool, SRAID_PR_MAX_REGS);
    if (all_reg && c->sa_key == 0) {
        /* SPC-4 5.7.11.4.3: everyone else goes, the preemptor reserves */
        for (j = 0; j < st->nregs; j++) {
            removed[j] = (int)j != me;
        }
        take = true;
    } else {
        bool any = false;

        if (c->sa_key == 0) {
            g_free(removed);
            return out_sense(c, &sraid_sense_invalid_param, false, 8, -1);
        }
        for (j = 0; j < st->nregs; j++) {
            if (st->regs[j].key == c->sa_key) {
                any = true;
                removed[j] = (int)j != me;
                /* preempting the holder's key takes the reservation */
                if (reg_is_holders(st, j)) {
                    take = true;
                }
            }
        }
        if (!any) {
            g_free(removed);
            return OUT_CONFLICT;        /* SPC-4 5.7.11.4.4 */
        }
    }
    type_changed = take && st->type != c->type;
    /* the effects, while the registrations are still there */
    for (j = 0; j < st->nregs; j++) {
        if (removed[j]) {
            fx_add_reg(c->fx, SRAID_PR_EFFECT_UA, SRAID_PR_UA_REG_PREEMPTED,
                       &st->regs[j]);
            if (abort) {
                fx_add_reg(c->fx, SRAID_PR_EFFECT_ABORT, 0, &st->regs[j]);
            }
        } else if (type_changed && (int)j != me) {
            /* SPC-4 5.7.11.4.3: the reservation changed under them */
            fx_add_reg(c->fx, SRAID_PR_EFFECT_UA, SRAID_PR_UA_RELEASED,
                       &st->regs[j]);
        }
    }
    /* the preemptor's own other tasks go too when it preempts its key */
    if (abort && st->regs[me].key == c->sa_key) {
        SraidPrEffect *e = &c->fx->e[c->fx->n++];

        memset(e, 0, sizeof(*e));
        e->kind = SRAID_PR_EFFECT_ABORT;
        e->nexus = *c->nx;
    }
    if (take) {
        clear_reservation(st);
        st->type = c->type;
        if (!type_all_reg(c->type)) {
            st->holder = *c->nx;
        }
    }
    for (j = st->nregs; j-- > 0;) {
        if (removed[j]) {
            remove_reg_at(st, j);
        }
    }
    g_free(removed);
    return OUT_GOOD;
}

static bool port_proto(const SraidPrConfig *cfg, uint16_t rtpi,
                       uint8_t *proto)
{
    for (unsigned i = 0; i < cfg->nports && i < SRAID_PR_MAX_PORTS; i++) {
        if (cfg->ports[i].rtpi == rtpi) {
            *proto = cfg->ports[i].proto;
            return true;
        }
    }
    return false;
}

/* REGISTER AND MOVE (SPC-4 5.7.8) */
static Outcome do_move(ProutCtx *c)
{
    SraidPrState *st = c->st;
    SraidPrNexus dest = { .initiator = c->move_tid, .rtpi = c->move_rtpi };
    uint8_t proto;
    int me = check_key(c);
    int d;

    if (me < 0 || !sraid_pr_is_holder(st, c->nx) ||
        type_all_reg(st->type)) {
        return OUT_CONFLICT;
    }
    if (c->sa_key == 0) {
        return out_sense(c, &sraid_sense_invalid_param, false, 8, -1);
    }
    if (!c->move_rtpi || !port_proto(c->cfg, c->move_rtpi, &proto)) {
        return out_sense(c, &sraid_sense_invalid_param, false, 18, -1);
    }
    if (proto != sraid_pr_tid_proto(&c->move_tid)) {
        return out_sense(c, &sraid_sense_invalid_param, false, 24, 3);
    }
    d = find_reg(st, &dest);
    /* moving to the sender's own registration moves nothing */
    if (d == me) {
        return out_sense(c, &sraid_sense_invalid_param, false, 24, -1);
    }
    if (d < 0) {
        if (st->nregs == SRAID_PR_MAX_REGS) {
            return out_sense(c, &sraid_sense_insufficient_reg, false, -1, 0);
        }
        d = st->nregs++;
        st->regs[d].key = c->sa_key;
        st->regs[d].initiator = dest.initiator;
        st->regs[d].rtpi = dest.rtpi;
        st->regs[d].all_tg_pt = false;
    }
    st->holder = dest;
    if (c->unreg) {
        remove_reg_at(st, me);
    }
    st->aptpl = c->aptpl;
    return OUT_GOOD;
}

void sraid_pr_out(SraidPrState *st, const SraidPrConfig *cfg,
                  const SraidPrNexus *nx, const uint8_t *cdb,
                  const uint8_t *param, size_t param_len,
                  SraidPrEffects *fx, SraidScsiResult *res)
{
    SraidSense sense = sraid_sense_no_sense;
    ProutCtx c = {
        .cfg = cfg, .nx = nx, .fx = fx, .sense = &sense,
        .sa = cdb[1] & 0x1f, .scope = cdb[2] >> 4, .type = cdb[2] & 0x0f,
    };
    uint32_t plen = sraid_get_be32(cdb + 5);
    Outcome o = OUT_GOOD;

    fx->n = 0;
    /* The CDB (SPC-4 6.16.1) */
    if (cdb[1] & 0xe0) {
        o = out_sense(&c, &sraid_sense_invalid_field, true, 1,
                      31 - __builtin_clz(cdb[1] & 0xe0));
    } else if (c.sa > SRAID_PROUT_REGISTER_AND_MOVE) {
        /* REPLACE LOST RESERVATION (SPC-4 5.7.12) is not supported */
        o = out_sense(&c, &sraid_sense_invalid_field, true, 1, 4);
    } else if (cdb[3] || cdb[4]) {
        o = out_sense(&c, &sraid_sense_invalid_field, true, cdb[3] ? 3 : 4,
                      -1);
    } else if ((c.sa == SRAID_PROUT_RESERVE ||
                c.sa == SRAID_PROUT_RELEASE ||
                c.sa == SRAID_PROUT_PREEMPT ||
                c.sa == SRAID_PROUT_PREEMPT_AND_ABORT) && c.scope != 0) {
        /* LU_SCOPE is the only scope (SPC-4 6.16.2) */
        o = out_sense(&c, &sraid_sense_invalid_field, true, 2, 7);
    } else if ((c.sa == SRAID_PROUT_RESERVE ||
                c.sa == SRAID_PROUT_PREEMPT ||
                c.sa == SRAID_PROUT_PREEMPT_AND_ABORT) &&
               !type_valid(c.type)) {
        o = out_sense(&c, &sraid_sense_invalid_field, true, 2, 3);
    } else if (plen > SRAID_PR_OUT_MAX_PARAM || plen > param_len) {
        o = out_sense(&c, &sraid_sense_param_list_len, false, -1, 0);
    }
    if (o == OUT_GOOD) {
        o = c.sa == SRAID_PROUT_REGISTER_AND_MOVE ?
            parse_move(&c, param, plen) : parse_basic(&c, param, plen);
    }
    if (o == OUT_GOOD) {
        c.st = g_memdup2(st, sizeof(*st));
        switch (c.sa) {
        case SRAID_PROUT_REGISTER:
        case SRAID_PROUT_REGISTER_IGNORE:
            o = do_register(&c);
            break;
        case SRAID_PROUT_RESERVE:
            o = do_reserve(&c);
            break;
        case SRAID_PROUT_RELEASE:
            o = do_release(&c);
            break;
        case SRAID_PROUT_CLEAR:
            o = do_clear(&c);
            break;
        case SRAID_PROUT_PREEMPT:
        case SRAID_PROUT_PREEMPT_AND_ABORT:
            o = do_preempt(&c);
            break;
        default:
            o = do_move(&c);
            break;
        }
        if (o == OUT_GOOD) {
            /*
             * SPC-4 6.15.2: PRgeneration counts every PR OUT that succeeds
             * except RESERVE and RELEASE.
             */
            if (c.sa != SRAID_PROUT_RESERVE && c.sa != SRAID_PROUT_RELEASE) {
                c.st->generation++;
            }
            memcpy(st, c.st, sizeof(*st));
        }
        g_free(c.st);
    }
    g_free(c.tids);
    switch (o) {
    case OUT_GOOD:
        sraid_result_status(res, SRAID_STATUS_GOOD);
        break;
    case OUT_CONFLICT:
        fx->n = 0;
        sraid_result_status(res, SRAID_STATUS_RESERVATION_CONFLICT);
        break;
    case OUT_SENSE:
        fx->n = 0;
        sraid_result_sense(res, &sense);
        break;
    }
}

/* ---- PERSISTENT RESERVE IN (SPC-4 6.15) ---- */

static size_t read_keys(const SraidPrState *st, uint8_t *d)
{
    sraid_put_be32(d, st->generation);
    sraid_put_be32(d + 4, st->nregs * 8);
    for (unsigned i = 0; i < st->nregs; i++) {
        sraid_put_be64(d + 8 + i * 8, st->regs[i].key);
    }
    return 8 + st->nregs * 8;
}

static size_t read_reservation(const SraidPrState *st, uint8_t *d)
{
    sraid_put_be32(d, st->generation);
    if (!st->type) {
        return 8;
    }
    sraid_put_be32(d + 4, 16);
    /* SPC-4 6.15.3.3: all registrants reservations report key 0 */
    if (!type_all_reg(st->type)) {
        uint64_t key = 0;

        sraid_pr_registered(st, &st->holder, &key);
        sraid_put_be64(d + 8, key);
    }
    d[8 + 13] = st->type;               /* scope 0h: LU_SCOPE */
    return 24;
}

static size_t report_capabilities(const SraidPrState *st,
                                  const SraidPrConfig *cfg, uint8_t *d)
{
    sraid_put_be16(d, 8);
    /* CRH (5.7.3 exceptions), SIP_C, ATP_C; PTPL_C when stored */
    d[2] = 0x10 | 0x08 | 0x04 | (cfg->ptpl_capable ? 0x01 : 0);
    /*
     * TMV: the type mask is valid.  ALLOW COMMANDS 011b: TEST UNIT READY
     * through WE and EA, and MODE SENSE, READ BUFFER, RECEIVE
     * DIAGNOSTIC RESULTS, REPORT SUPPORTED OPERATION CODES ... and READ
     * DEFECT DATA through Write Exclusive (see sraid_pr_check()).
     */
    d[3] = 0x80 | 0x30 | (st->aptpl ? 0x01 : 0);
    /* WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX; EX_AC_AR */
    d[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;
    d[5] = 0x01;
    return 8;
}

static size_t read_full_status(const SraidPrState *st, uint8_t *d)
{
    size_t off = 8;

    sraid_put_be32(d, st->generation);
    for (unsigned i = 0; i < st->nregs; i++) {
        const SraidPrReg *r = &st->regs[i];
        uint8_t *x = d + off;
        bool holder = st->type &&
                      (type_all_reg(st->type) || reg_is_holders(st, i));

        sraid_put_be64(x, r->key);
        x[12] = (r->all_tg_pt ? 0x02 : 0) | (holder ? 0x01 : 0);
        if (holder) {
            x[13] = st->type;
        }
        /* the holder's port when an ALL_TG_PT registration holds it */
        sraid_put_be16(x + 18, holder && !type_all_reg(st->type) ?
                       st->holder.rtpi : r->rtpi);
        sraid_put_be32(x + 20, r->initiator.len);
        memcpy(x + 24, r->initiator.b, r->initiator.len);
        off += 24 + r->initiator.len;
    }
    sraid_put_be32(d + 4, off - 8);
    return off;
}

void sraid_pr_in(const SraidPrState *st, const SraidPrConfig *cfg,
                 const SraidPrNexus *nx, const uint8_t *cdb,
                 uint8_t *buf, size_t buf_len, SraidScsiResult *res)
{
    uint8_t sa = cdb[1] & 0x1f;
    size_t alloc = sraid_get_be16(cdb + 7);
    g_autofree uint8_t *d = NULL;
    size_t len;
    SraidSense s;

    if (cdb[1] & 0xe0) {
        s = sraid_sense_at(&sraid_sense_invalid_field, true, 1,
                           31 - __builtin_clz(cdb[1] & 0xe0));
        sraid_result_sense(res, &s);
        return;
    }
    if (sa > SRAID_PRIN_READ_FULL_STATUS) {
        s = sraid_sense_at(&sraid_sense_invalid_field, true, 1, 4);
        sraid_result_sense(res, &s);
        return;
    }
    for (unsigned i = 2; i <= 6; i++) {
        if (cdb[i]) {
            s = sraid_sense_at(&sraid_sense_invalid_field, true, i, -1);
            sraid_result_sense(res, &s);
            return;
        }
    }
    d = g_malloc0(8 + SRAID_PR_MAX_REGS * (24 + SRAID_PR_TID_MAX));
    switch (sa) {
    case SRAID_PRIN_READ_KEYS:
        len = read_keys(st, d);
        break;
    case SRAID_PRIN_READ_RESERVATION:
        len = read_reservation(st, d);
        break;
    case SRAID_PRIN_REPORT_CAPABILITIES:
        len = report_capabilities(st, cfg, d);
        break;
    default:
        len = read_full_status(st, d);
        break;
    }
    /* SPC-4 4.2.5.6: the lesser of the allocation length and the data */
    len = MIN(len, alloc);
    len = MIN(len, buf_len);
    memcpy(buf, d, len);
    sraid_result_status(res, SRAID_STATUS_GOOD);
    res->data_len = len;
}

/* ---- the conflict check (SPC-4 5.13.1 table 63, SBC-4 table 13) ---- */

typedef enum CmdClass {
    CLASS_ALWAYS,       /* allowed under every reservation */
    CLASS_READ,         /* allowed under Write Exclusive types */
    CLASS_WRITE,        /* conflicts for every non-holder */
} CmdClass;

static CmdClass classify(const uint8_t *cdb, size_t len)
{
    uint8_t sa = len > 1 ? cdb[1] & 0x1f : 0;

    switch (cdb[0]) {
    case 0x00:          /* TEST UNIT READY */
    case 0x03:          /* REQUEST SENSE */
    case 0x12:          /* INQUIRY */
    case 0x25:          /* READ CAPACITY (10) */
    case 0x4d:          /* LOG SENSE */
    case 0x86:          /* ACCESS CONTROL IN */
    case 0x87:          /* ACCESS CONTROL OUT */
    case 0xa0:          /* REPORT LUNS */
        return CLASS_ALWAYS;
    case 0x9e:          /* SERVICE ACTION IN (16) */
        if (sa == 0x10) {
            return CLASS_ALWAYS;        /* READ CAPACITY (16) */
        }
        return CLASS_READ;              /* GET LBA STATUS and others */
    case 0xab:          /* SERVICE ACTION IN (12) */
        return sa == 0x01 ? CLASS_ALWAYS : CLASS_WRITE;  /* READ MEDIA SN */
    case 0xa3:          /* MAINTENANCE IN */
        switch (sa) {
        case 0x05:      /* REPORT IDENTIFYING INFORMATION */
        case 0x0a:      /* REPORT TARGET PORT GROUPS */
        case 0x0b:      /* REPORT ALIASES */
        case 0x0e:      /* REPORT PRIORITY */
        case 0x0f:      /* REPORT TIMESTAMP */
            return CLASS_ALWAYS;
        case 0x0c:      /* REPORT SUPPORTED OPERATION CODES */
        case 0x0d:      /* REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS */
        case 0x10:      /* MANAGEMENT PROTOCOL IN */
            return CLASS_READ;
        default:
            return CLASS_WRITE;
        }
    case 0x1b:          /* START STOP UNIT: START=1, POWER CONDITION 0 */
        return len > 4 && (cdb[4] & 0xf1) == 0x01 ? CLASS_ALWAYS :
               CLASS_WRITE;
    case 0x1e:          /* PREVENT ALLOW MEDIUM REMOVAL: PREVENT 00b */
        return len > 4 && (cdb[4] & 0x03) == 0 ? CLASS_ALWAYS : CLASS_WRITE;
    case 0x08:          /* READ (6) */
    case 0x28:          /* READ (10) */
    case 0xa8:          /* READ (12) */
    case 0x88:          /* READ (16) */
    case 0x2f:          /* VERIFY (10) */
    case 0xaf:          /* VERIFY (12) */
    case 0x8f:          /* VERIFY (16) */
    case 0x34:          /* PRE-FETCH (10) */
    case 0x90:          /* PRE-FETCH (16) */
    case 0x37:          /* READ DEFECT DATA (10) */
    case 0xb7:          /* READ DEFECT DATA (12) */
    case 0x1a:          /* MODE SENSE (6) */
    case 0x5a:          /* MODE SENSE (10) */
    case 0x3c:          /* READ BUFFER */
    case 0x1c:          /* RECEIVE DIAGNOSTIC RESULTS */
    case 0x84:          /* RECEIVE COPY RESULTS */
    case 0x8c:          /* READ ATTRIBUTE */
    case 0xa2:          /* SECURITY PROTOCOL IN */
        return CLASS_READ;
    default:
        /*
         * WRITE and WRITE AND VERIFY (all sizes), WRITE SAME, UNMAP,
         * COMPARE AND WRITE, ORWRITE, SYNCHRONIZE CACHE, FORMAT UNIT,
         * MODE SELECT, LOG SELECT, WRITE BUFFER, SEND DIAGNOSTIC,
         * EXTENDED COPY, and any command not listed: conflict.
         */
        return CLASS_WRITE;
    }
}

SraidPrAccess sraid_pr_check(const SraidPrState *st, const SraidPrNexus *nx,
                             const uint8_t *cdb, size_t cdb_len)
{
    bool registered = find_reg(st, nx) >= 0;
    bool holder = sraid_pr_is_holder(st, nx);

    if (cdb_len == 0) {
        return SRAID_PR_ALLOWED;        /* the CDB check refuses it */
    }
    switch (cdb[0]) {
    case 0x16:          /* RESERVE (6) */
    case 0x56:          /* RESERVE (10) */
    case 0x17:          /* RELEASE (6) */
    case 0x57:          /* RELEASE (10) */
        /*
         * SPC-4 5.7.3: GOOD without effect from the holder, or from a
         * registrant under a registrants only or all registrants
         * reservation; a conflict while any registration exists;
         * otherwise SPC-2 rules, not ours.
         */
        if (holder ||
            (registered && (type_reg_only(st->type) ||
                            type_all_reg(st->type)))) {
            return SRAID_PR_GOOD_NO_EFFECT;
        }
        return st->nregs ? SRAID_PR_CONFLICT : SRAID_PR_ALLOWED;
    case SRAID_OP_PERSISTENT_RESERVE_IN:
    case SRAID_OP_PERSISTENT_RESERVE_OUT:
        return SRAID_PR_ALLOWED;
    }
    if (!st->type || holder) {
        return SRAID_PR_ALLOWED;
    }
    /* registrants only: every registrant has the holder's access */
    if (registered && type_reg_only(st->type)) {
        return SRAID_PR_ALLOWED;
    }
    switch (classify(cdb, cdb_len)) {
    case CLASS_ALWAYS:
        return SRAID_PR_ALLOWED;
    case CLASS_READ:
        return type_exclusive_access(st->type) ? SRAID_PR_CONFLICT :
               SRAID_PR_ALLOWED;
    default:
        return SRAID_PR_CONFLICT;
    }
}

/* ---- the serialized state ---- */

size_t sraid_pr_encode(const SraidPrState *st, uint8_t *buf)
{
    size_t off = SRAID_PR_HEADER_LEN;
    bool has_holder = st->type && !type_all_reg(st->type);

    memset(buf, 0, SRAID_PR_HEADER_LEN);
    memcpy(buf, SRAID_PR_MAGIC, 8);
    sraid_put_le16(buf + 8, SRAID_PR_VERSION);
    buf[10] = st->aptpl ? 0x01 : 0;
    buf[11] = st->type;
    sraid_put_le32(buf + 12, st->generation);
    sraid_put_le16(buf + 16, st->nregs);
    if (has_holder) {
        sraid_put_le16(buf + 18, st->holder.initiator.len);
        sraid_put_le16(buf + 20, st->holder.rtpi);
        memcpy(buf + off, st->holder.initiator.b, st->holder.initiator.len);
        off += st->holder.initiator.len;
    }
    for (unsigned i = 0; i < st->nregs; i++) {
        const SraidPrReg *r = &st->regs[i];

        memset(buf + off, 0, SRAID_PR_REG_HEADER_LEN);
        sraid_put_le64(buf + off, r->key);
        sraid_put_le16(buf + off + 8, r->rtpi);
        buf[off + 10] = r->all_tg_pt ? 0x01 : 0;
        sraid_put_le16(buf + off + 12, r->initiator.len);
        memcpy(buf + off + SRAID_PR_REG_HEADER_LEN, r->initiator.b,
               r->initiator.len);
        off += SRAID_PR_REG_HEADER_LEN + r->initiator.len;
    }
    sraid_put_le32(buf + 24, off + 4);
    sraid_put_le32(buf + off, sraid_crc32c(buf, off));
    return off + 4;
}

bool sraid_pr_tid_decode(const uint8_t *p, size_t len, SraidPrTid *tid)
{
    size_t used = 0;
    unsigned off;
    int bit;

    return len >= 4 && len <= SRAID_PR_TID_MAX &&
           tid_parse(p, len, tid, &used, &off, &bit) == TID_OK &&
           used == len && tid->len == len && memcmp(tid->b, p, len) == 0;
}

static bool decode(const uint8_t *buf, size_t len, SraidPrState *st)
{
    size_t off = SRAID_PR_HEADER_LEN;
    size_t hlen;

    if (len < SRAID_PR_HEADER_LEN + 4 || len > SRAID_PR_ENC_MAX ||
        memcmp(buf, SRAID_PR_MAGIC, 8) ||
        sraid_get_le16(buf + 8) != SRAID_PR_VERSION ||
        sraid_get_le32(buf + 24) != len ||
        sraid_get_le32(buf + len - 4) != sraid_crc32c(buf, len - 4)) {
        return false;
    }
    len -= 4;
    if ((buf[10] & ~0x01) || buf[22] || buf[23] ||
        sraid_get_le32(buf + 28)) {
        return false;
    }
    st->aptpl = buf[10] & 0x01;
    st->type = buf[11];
    st->generation = sraid_get_le32(buf + 12);
    st->nregs = sraid_get_le16(buf + 16);
    hlen = sraid_get_le16(buf + 18);
    st->holder.rtpi = sraid_get_le16(buf + 20);
    if ((st->type && !type_valid(st->type)) ||
        st->nregs > SRAID_PR_MAX_REGS || (st->type && !st->nregs)) {
        return false;
    }
    if (st->type && !type_all_reg(st->type)) {
        if (!st->holder.rtpi || hlen > len - off ||
            !sraid_pr_tid_decode(buf + off, hlen, &st->holder.initiator)) {
            return false;
        }
        off += hlen;
    } else if (hlen || st->holder.rtpi) {
        return false;
    }
    for (unsigned i = 0; i < st->nregs; i++) {
        SraidPrReg *r = &st->regs[i];
        const uint8_t *x = buf + off;
        size_t tlen;

        if (len - off < SRAID_PR_REG_HEADER_LEN) {
            return false;
        }
        r->key = sraid_get_le64(x);
        r->rtpi = sraid_get_le16(x + 8);
        r->all_tg_pt = x[10] & 0x01;
        tlen = sraid_get_le16(x + 12);
        if (!r->key || !r->rtpi || (x[10] & ~0x01) || x[11] || x[14] ||
            x[15] || tlen > len - off - SRAID_PR_REG_HEADER_LEN ||
            !sraid_pr_tid_decode(x + SRAID_PR_REG_HEADER_LEN, tlen,
                                 &r->initiator)) {
            return false;
        }
        /* no two registrations for one I_T nexus */
        for (unsigned j = 0; j < i; j++) {
            const SraidPrReg *o = &st->regs[j];

            if (tid_eq(&o->initiator, &r->initiator) &&
                (o->all_tg_pt || r->all_tg_pt || o->rtpi == r->rtpi)) {
                return false;
            }
        }
        off += SRAID_PR_REG_HEADER_LEN + tlen;
    }
    if (off != len) {
        return false;
    }
    /* the holder holds a registration (SPC-4 5.7.10) */
    if (st->type && !type_all_reg(st->type) && find_reg(st, &st->holder) < 0) {
        return false;
    }
    return true;
}

bool sraid_pr_decode(const uint8_t *buf, size_t len, SraidPrState *st)
{
    sraid_pr_init(st);
    if (!decode(buf, len, st)) {
        sraid_pr_init(st);
        return false;
    }
    return true;
}
