/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the persistent reservation area (pr-store.h).
 * Layout in docs/on-disk-format.md, "Persistent reservation area":
 * little-endian like COD, CRC32C.
 */
#include <glib.h>
#include <string.h>

#include "cod.h"
#include "le-bytes.h"
#include "pr-store.h"

#define OFF_MAGIC       0       /* 8 bytes "SRPRSTOR" */
#define OFF_VERSION     8
#define OFF_HDR_LEN     10
#define OFF_STATE_LEN   12
#define OFF_GEN         16
#define OFF_GUID        24
#define OFF_NAA         40
#define OFF_SERIAL      48      /* 32 bytes, NUL padded */
#define OFF_LAYOUT      80
#define OFF_LD_ID       84
#define OFF_RESERVED    85      /* to the CRC, zero */
#define OFF_CRC         124

G_STATIC_ASSERT(sizeof(SRAID_PRS_MAGIC) - 1 == 8);
G_STATIC_ASSERT(OFF_CRC + 4 == SRAID_PRS_HEADER_LEN);

void sraid_prs_identity(const SraidCod *cod, unsigned index,
                        SraidPrsIdentity *id)
{
    const SraidCodLd *l = &cod->lds[index];
    uint8_t b[24];

    memset(id, 0, sizeof(*id));
    memcpy(id->array_guid, cod->array_guid, 16);
    id->ld_id = l->id;
    id->naa = l->naa;
    g_strlcpy(id->serial, l->serial, sizeof(id->serial));
    /*
     * Not the members' GUIDs: a rebuild onto a spare changes them, and
     * the drive (and its reservations) stay the same.
     */
    b[0] = l->level;
    b[1] = l->nmembers;
    sraid_put_le16(b + 2, 0);
    sraid_put_le32(b + 4, l->strip_sectors);
    sraid_put_le64(b + 8, l->start);
    sraid_put_le64(b + 16, l->member_sectors);
    id->layout = sraid_crc32c(b, sizeof(b));
}

bool sraid_prs_identity_equal(const SraidPrsIdentity *a,
                              const SraidPrsIdentity *b)
{
    return !memcmp(a->array_guid, b->array_guid, 16) &&
           a->ld_id == b->ld_id && a->naa == b->naa &&
           !strcmp(a->serial, b->serial) && a->layout == b->layout;
}

static uint32_t record_crc(const uint8_t *buf, size_t state_len)
{
    return sraid_crc32c_extend(sraid_crc32c(buf, OFF_CRC),
                               buf + SRAID_PRS_HEADER_LEN, state_len);
}

size_t sraid_prs_encode(const SraidPrsIdentity *id, uint64_t gen,
                        const SraidPrState *st, uint8_t *buf)
{
    size_t n;

    g_assert(gen >= 1);
    memset(buf, 0, SRAID_PRS_SLOT_LEN);
    n = sraid_pr_encode(st, buf + SRAID_PRS_HEADER_LEN);
    memcpy(buf + OFF_MAGIC, SRAID_PRS_MAGIC, 8);
    sraid_put_le16(buf + OFF_VERSION, SRAID_PRS_VERSION);
    sraid_put_le16(buf + OFF_HDR_LEN, SRAID_PRS_HEADER_LEN);
    sraid_put_le32(buf + OFF_STATE_LEN, n);
    sraid_put_le64(buf + OFF_GEN, gen);
    memcpy(buf + OFF_GUID, id->array_guid, 16);
    sraid_put_le64(buf + OFF_NAA, id->naa);
    memcpy(buf + OFF_SERIAL, id->serial, strnlen(id->serial,
                                                 SRAID_COD_SERIAL_LEN));
    sraid_put_le32(buf + OFF_LAYOUT, id->layout);
    buf[OFF_LD_ID] = id->ld_id;
    sraid_put_le32(buf + OFF_CRC, record_crc(buf, n));
    return (SRAID_PRS_HEADER_LEN + n + SRAID_COD_SECTOR - 1) /
           SRAID_COD_SECTOR * SRAID_COD_SECTOR;
}

static SraidPrsVerdict damaged(char **why, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static SraidPrsVerdict damaged(char **why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return SRAID_PRS_DAMAGED;
}

SraidPrsVerdict sraid_prs_decode(const uint8_t *buf, size_t len,
                                 SraidPrsIdentity *id, uint64_t *gen,
                                 SraidPrState *st, char **why)
{
    static const uint8_t zero[SRAID_PRS_HEADER_LEN];
    const char *serial = (const char *)buf + OFF_SERIAL;
    size_t n, slen;

    *why = NULL;
    sraid_pr_init(st);
    if (len >= SRAID_PRS_HEADER_LEN && !memcmp(buf, zero, sizeof(zero))) {
        return SRAID_PRS_EMPTY;
    }
    if (len < SRAID_PRS_HEADER_LEN) {
        return damaged(why, "record truncated to %zu bytes", len);
    }
    if (memcmp(buf + OFF_MAGIC, SRAID_PRS_MAGIC, 8) != 0) {
        return damaged(why, "no persistent reservation record magic");
    }
    if (sraid_get_le16(buf + OFF_VERSION) != SRAID_PRS_VERSION ||
        sraid_get_le16(buf + OFF_HDR_LEN) != SRAID_PRS_HEADER_LEN) {
        return damaged(why, "format version %u, header length %u: this"
                       " controller reads version %u",
                       sraid_get_le16(buf + OFF_VERSION),
                       sraid_get_le16(buf + OFF_HDR_LEN), SRAID_PRS_VERSION);
    }
    n = sraid_get_le32(buf + OFF_STATE_LEN);
    if (n == 0 || n > SRAID_PR_ENC_MAX) {
        return damaged(why, "state length %zu out of range", n);
    }
    if (len < SRAID_PRS_HEADER_LEN + n) {
        return damaged(why, "record of %zu bytes truncated to %zu",
                       SRAID_PRS_HEADER_LEN + n, len);
    }
    if (sraid_get_le32(buf + OFF_CRC) != record_crc(buf, n)) {
        return damaged(why, "CRC mismatch (torn or corrupted)");
    }
    /* CRC-good but not what encode writes: refused, never guessed */
    slen = strnlen(serial, SRAID_COD_SERIAL_LEN);
    for (size_t i = slen; i < SRAID_COD_SERIAL_LEN; i++) {
        if (serial[i]) {
            return damaged(why, "bytes after the serial's end");
        }
    }
    for (size_t i = OFF_RESERVED; i < OFF_CRC; i++) {
        if (buf[i]) {
            return damaged(why, "reserved byte %zu is not zero", i);
        }
    }
    if (sraid_get_le64(buf + OFF_GEN) == 0) {
        return damaged(why, "generation 0");
    }
    if (!sraid_pr_decode(buf + SRAID_PRS_HEADER_LEN, n, st)) {
        return damaged(why, "the reservation state does not decode");
    }
    memset(id, 0, sizeof(*id));
    memcpy(id->array_guid, buf + OFF_GUID, 16);
    id->naa = sraid_get_le64(buf + OFF_NAA);
    memcpy(id->serial, serial, slen);
    id->layout = sraid_get_le32(buf + OFF_LAYOUT);
    id->ld_id = buf[OFF_LD_ID];
    *gen = sraid_get_le64(buf + OFF_GEN);
    return SRAID_PRS_VALID;
}

SraidPrsLoad *sraid_prs_load_new(const SraidCod *cod)
{
    SraidPrsLoad *l = g_new0(SraidPrsLoad, 1);

    l->nlds = MIN(cod->nlds, SRAID_COD_MAX_LDS);
    for (unsigned i = 0; i < l->nlds; i++) {
        sraid_prs_identity(cod, i, &l->ident[i]);
        sraid_pr_init(&l->best[i].st);
    }
    return l;
}

void sraid_prs_load_free(SraidPrsLoad *l)
{
    g_free(l);
}

void sraid_prs_load_disk(SraidPrsLoad *l, unsigned disk,
                         const uint8_t *area, size_t len,
                         GPtrArray *problems)
{
    g_autofree SraidPrState *st = g_new(SraidPrState, 1);

    for (unsigned s = 0; s < SRAID_PRS_SLOTS; s++) {
        size_t off = (size_t)s * SRAID_PRS_SLOT_LEN;
        SraidPrsIdentity id;
        uint64_t gen = 0;
        g_autofree char *why = NULL;
        unsigned i;

        if (off >= len) {
            break;
        }
        switch (sraid_prs_decode(area + off, MIN(len - off,
                                                 SRAID_PRS_SLOT_LEN),
                                 &id, &gen, st, &why)) {
        case SRAID_PRS_EMPTY:
            continue;
        case SRAID_PRS_DAMAGED:
            l->damaged++;
            g_ptr_array_add(problems, g_strdup_printf("slot %u: %s", s, why));
            continue;
        case SRAID_PRS_VALID:
            break;
        }
        if (l->nlds && memcmp(id.array_guid, l->ident[0].array_guid, 16)) {
            l->foreign++;
            g_ptr_array_add(problems, g_strdup_printf(
                "slot %u: a record of another array (logical drive %u),"
                " not this array's", s, id.ld_id));
            continue;
        }
        for (i = 0; i < l->nlds; i++) {
            if (sraid_prs_identity_equal(&id, &l->ident[i])) {
                break;
            }
        }
        if (i == l->nlds) {
            l->stale++;             /* a deleted logical drive's */
            continue;
        }
        if (!l->best[i].found || gen > l->best[i].generation) {
            l->best[i].found = true;
            l->best[i].generation = gen;
            l->best[i].disk = disk;
            l->best[i].slot = s;
            l->best[i].st = *st;
        }
    }
}

void sraid_prs_map_init(SraidPrsMap *m)
{
    memset(m, 0, sizeof(*m));
}

static void map_forget(SraidPrsMap *m, uint8_t ld_id)
{
    for (unsigned s = 0; s < SRAID_PRS_SLOTS; s++) {
        if (m->slot[s].used && !m->slot[s].writing &&
            m->slot[s].ld_id == ld_id) {
            m->slot[s].used = false;
        }
    }
    /* keep counting up: older records of that id must never win */
    m->ld[ld_id].known = false;
    m->ld[ld_id].durable = 0;
}

void sraid_prs_map_loaded(SraidPrsMap *m, const SraidPrsLoad *l)
{
    for (unsigned i = 0; i < l->nlds; i++) {
        const SraidPrsFound *f = &l->best[i];
        SraidPrsLdGen *g = &m->ld[l->ident[i].ld_id];

        g->known = true;
        g->ident = l->ident[i];
        if (!f->found) {
            continue;
        }
        g->durable = f->generation;
        g->next = MAX(g->next, f->generation + 1);
        m->slot[f->slot] = (SraidPrsSlot) {
            .used = true, .aptpl = f->st.aptpl,
            .ld_id = l->ident[i].ld_id, .gen = f->generation,
        };
    }
}

void sraid_prs_map_refresh(SraidPrsMap *m, const SraidPrsLoad *l)
{
    for (unsigned i = 0; i < l->nlds; i++) {
        const SraidPrsFound *f = &l->best[i];
        SraidPrsLdGen *g = &m->ld[l->ident[i].ld_id];

        if (g->known && !sraid_prs_identity_equal(&g->ident, &l->ident[i])) {
            map_forget(m, l->ident[i].ld_id);
        }
        g->known = true;
        g->ident = l->ident[i];
        if (!f->found || m->slot[f->slot].writing) {
            continue;
        }
        g->durable = MAX(g->durable, f->generation);
        g->next = MAX(g->next, f->generation + 1);
        m->slot[f->slot] = (SraidPrsSlot) {
            .used = true, .aptpl = f->st.aptpl,
            .ld_id = l->ident[i].ld_id, .gen = f->generation,
        };
    }
}

static bool slot_taken(const SraidPrsMap *m, unsigned s)
{
    const SraidPrsSlot *sl = &m->slot[s];

    return sl->used && (sl->writing || sl->gen >= m->ld[sl->ld_id].durable);
}

int sraid_prs_map_begin(SraidPrsMap *m, const SraidPrsIdentity *id,
                        bool aptpl, uint64_t *gen)
{
    SraidPrsLdGen *g = &m->ld[id->ld_id];

    if (g->known && !sraid_prs_identity_equal(&g->ident, id)) {
        map_forget(m, id->ld_id);
    }
    g->known = true;
    g->ident = *id;
    for (unsigned s = 0; s < SRAID_PRS_SLOTS; s++) {
        if (!slot_taken(m, s)) {
            g->next = MAX(g->next, 1);
            *gen = g->next++;
            m->slot[s] = (SraidPrsSlot) {
                .used = true, .writing = true, .aptpl = aptpl,
                .ld_id = id->ld_id, .gen = *gen,
            };
            return s;
        }
    }
    return -1;
}

void sraid_prs_map_end(SraidPrsMap *m, unsigned slot, bool ok)
{
    SraidPrsSlot *sl = &m->slot[slot];
    SraidPrsLdGen *g = &m->ld[sl->ld_id];

    g_assert(slot < SRAID_PRS_SLOTS && sl->used && sl->writing);
    sl->writing = false;
    if (ok && sl->gen > g->durable) {
        /* every older record of the drive may now be overwritten */
        g->durable = sl->gen;
    }
}

bool sraid_prs_map_aptpl(const SraidPrsMap *m, const SraidPrsIdentity *id)
{
    const SraidPrsLdGen *g = &m->ld[id->ld_id];

    if (!g->known || !sraid_prs_identity_equal(&g->ident, id)) {
        return false;
    }
    for (unsigned s = 0; s < SRAID_PRS_SLOTS; s++) {
        if (slot_taken(m, s) && m->slot[s].ld_id == id->ld_id &&
            m->slot[s].aptpl) {
            return true;
        }
    }
    return false;
}
