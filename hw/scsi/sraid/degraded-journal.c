/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the degraded-write journal, its entries on disk
 * (docs/on-disk-format.md, "Degraded-write journal") and the choice of the
 * newest entry per stripe at start.
 */
#include <string.h>

#include "cod.h"
#include "le-bytes.h"
#include "degraded-journal.h"

#define SECTOR          512
#define MAGIC           "SRAIDJNL"

/* Header fields, byte offsets in the header sector */
#define OFF_MAGIC       0
#define OFF_VERSION     8
#define OFF_LD          10
#define OFF_NFAILED     11
#define OFF_MEMBER      12
#define OFF_SEQ         16
#define OFF_STRIPE      24
#define OFF_ROW         32
#define OFF_ROWS        36
#define OFF_LEN         40
#define OFF_CRC         44
#define OFF_GUID        48
#define HEADER_USED     64

size_t sraid_dj_entry_bytes(const SraidDjEntry *e)
{
    return SRAID_DJ_HEADER + (size_t)e->nfailed * e->rows * SECTOR;
}

/* CRC32C of the header sector with its CRC field zero, then the data. */
static uint32_t entry_crc(const uint8_t *buf, size_t len)
{
    uint8_t hdr[SRAID_DJ_HEADER];
    uint32_t crc;

    memcpy(hdr, buf, SRAID_DJ_HEADER);
    sraid_put_le32(hdr + OFF_CRC, 0);
    crc = sraid_crc32c(hdr, SRAID_DJ_HEADER);
    return sraid_crc32c_extend(crc, buf + SRAID_DJ_HEADER,
                               len - SRAID_DJ_HEADER);
}

size_t sraid_dj_encode(const SraidDjEntry *e, uint8_t *buf)
{
    size_t strip = (size_t)e->rows * SECTOR;
    size_t len = sraid_dj_entry_bytes(e);

    g_assert(e->nfailed >= 1 && e->nfailed <= SRAID_DJ_MAX_FAILED);
    g_assert(e->rows > 0 && e->seq > 0);
    memset(buf, 0, SRAID_DJ_HEADER);
    memcpy(buf + OFF_MAGIC, MAGIC, 8);
    sraid_put_le16(buf + OFF_VERSION, SRAID_DJ_VERSION);
    buf[OFF_LD] = e->ld_id;
    buf[OFF_NFAILED] = e->nfailed;
    for (unsigned i = 0; i < e->nfailed; i++) {
        buf[OFF_MEMBER + i] = e->member[i];
    }
    sraid_put_le64(buf + OFF_SEQ, e->seq);
    sraid_put_le64(buf + OFF_STRIPE, e->stripe);
    sraid_put_le32(buf + OFF_ROW, e->row);
    sraid_put_le32(buf + OFF_ROWS, e->rows);
    sraid_put_le32(buf + OFF_LEN, e->nfailed * strip);
    memcpy(buf + OFF_GUID, e->array_guid, sizeof(e->array_guid));
    for (unsigned i = 0; i < e->nfailed; i++) {
        memcpy(buf + SRAID_DJ_HEADER + i * strip, e->data[i], strip);
    }
    sraid_put_le32(buf + OFF_CRC, entry_crc(buf, len));
    return len;
}

static gboolean all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i]) {
            return FALSE;
        }
    }
    return TRUE;
}

gboolean sraid_dj_decode(const uint8_t *buf, size_t len, SraidDjEntry *e)
{
    uint64_t dlen;
    unsigned n;

    if (len < SRAID_DJ_HEADER || memcmp(buf + OFF_MAGIC, MAGIC, 8) ||
        sraid_get_le16(buf + OFF_VERSION) != SRAID_DJ_VERSION) {
        return FALSE;
    }
    n = buf[OFF_NFAILED];
    memset(e, 0, sizeof(*e));
    e->ld_id = buf[OFF_LD];
    e->nfailed = n;
    e->seq = sraid_get_le64(buf + OFF_SEQ);
    e->stripe = sraid_get_le64(buf + OFF_STRIPE);
    e->row = sraid_get_le32(buf + OFF_ROW);
    e->rows = sraid_get_le32(buf + OFF_ROWS);
    dlen = sraid_get_le32(buf + OFF_LEN);
    memcpy(e->array_guid, buf + OFF_GUID, sizeof(e->array_guid));
    /* strict: exactly what sraid_dj_encode writes, nothing else */
    if (n < 1 || n > SRAID_DJ_MAX_FAILED || e->rows == 0 || e->seq == 0 ||
        dlen != (uint64_t)n * e->rows * SECTOR ||
        dlen > len - SRAID_DJ_HEADER ||
        (n == 2 && buf[OFF_MEMBER] >= buf[OFF_MEMBER + 1]) ||
        !all_zero(buf + OFF_MEMBER + n, OFF_SEQ - OFF_MEMBER - n) ||
        !all_zero(buf + HEADER_USED, SRAID_DJ_HEADER - HEADER_USED) ||
        sraid_get_le32(buf + OFF_CRC) !=
        entry_crc(buf, SRAID_DJ_HEADER + dlen)) {
        return FALSE;
    }
    for (unsigned i = 0; i < n; i++) {
        e->member[i] = buf[OFF_MEMBER + i];
        e->data[i] = buf + SRAID_DJ_HEADER + (size_t)i * e->rows * SECTOR;
    }
    return TRUE;
}

size_t sraid_dj_slot_bytes(uint32_t max_strip_sectors, unsigned max_failed)
{
    size_t b = SRAID_DJ_HEADER + (size_t)max_failed * max_strip_sectors *
               SECTOR;

    if (!max_failed || !max_strip_sectors) {
        return 0;
    }
    return (b + SRAID_DJ_SLOT_ALIGN - 1) / SRAID_DJ_SLOT_ALIGN *
           SRAID_DJ_SLOT_ALIGN;
}

unsigned sraid_dj_nslots(size_t slot_bytes)
{
    return slot_bytes ? SRAID_DJ_BYTES / slot_bytes : 0;
}

unsigned sraid_dj_slot_of(unsigned nslots, uint8_t ld_id, uint64_t stripe)
{
    g_assert(nslots > 0);
    /* consecutive stripes of one LD land in consecutive slots */
    return (stripe + (uint64_t)ld_id * 61) % nslots;
}

typedef struct DjItem {
    SraidDjEntry e;             /* first: the set hands out &item->e */
    uint8_t *data;
} DjItem;

static void dj_item_free(gpointer p)
{
    DjItem *it = p;

    g_free(it->data);
    g_free(it);
}

static uint64_t dj_key(uint8_t ld_id, uint64_t stripe)
{
    return (uint64_t)ld_id << 56 | (stripe & ((1ull << 56) - 1));
}

void sraid_dj_set_init(SraidDjSet *set)
{
    set->by_stripe = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                           g_free, dj_item_free);
    set->max_seq = 0;
}

void sraid_dj_set_free(SraidDjSet *set)
{
    g_clear_pointer(&set->by_stripe, g_hash_table_destroy);
}

void sraid_dj_set_add(SraidDjSet *set, const SraidDjEntry *e)
{
    uint64_t key = dj_key(e->ld_id, e->stripe);
    DjItem *old = g_hash_table_lookup(set->by_stripe, &key);
    size_t strip = (size_t)e->rows * SECTOR;
    DjItem *it;

    set->max_seq = MAX(set->max_seq, e->seq);
    if (old && old->e.seq >= e->seq) {
        return;             /* the same entry from another member, or older */
    }
    it = g_new0(DjItem, 1);
    it->e = *e;
    it->data = g_malloc((size_t)e->nfailed * strip);
    for (unsigned i = 0; i < e->nfailed; i++) {
        memcpy(it->data + i * strip, e->data[i], strip);
        it->e.data[i] = it->data + i * strip;
    }
    g_hash_table_replace(set->by_stripe, g_memdup2(&key, sizeof(key)), it);
}

unsigned sraid_dj_scan(SraidDjSet *set, const uint8_t *area, size_t len,
                       size_t slot_bytes)
{
    unsigned found = 0;

    for (size_t off = 0; slot_bytes && off + slot_bytes <= len;
         off += slot_bytes) {
        SraidDjEntry e;

        if (sraid_dj_decode(area + off, slot_bytes, &e)) {
            sraid_dj_set_add(set, &e);
            found++;
        }
    }
    return found;
}

static gint dj_cmp(gconstpointer a, gconstpointer b)
{
    const SraidDjEntry *x = *(SraidDjEntry * const *)a;
    const SraidDjEntry *y = *(SraidDjEntry * const *)b;
    uint64_t kx = dj_key(x->ld_id, x->stripe), ky = dj_key(y->ld_id,
                                                           y->stripe);

    return kx < ky ? -1 : kx > ky;
}

GPtrArray *sraid_dj_set_entries(const SraidDjSet *set)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, set->by_stripe);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        g_ptr_array_add(out, &((DjItem *)value)->e);
    }
    g_ptr_array_sort(out, dj_cmp);
    return out;
}
