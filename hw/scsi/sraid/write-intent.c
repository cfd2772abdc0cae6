/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the write-intent bitmap.
 */
#include <string.h>

#include "write-intent.h"

#define WIL_BITS ((uint64_t)SRAID_WIL_BYTES * 8)

uint64_t sraid_wil_chunk_sectors(uint64_t usable_sectors)
{
    uint64_t chunk = SRAID_WIL_MIN_CHUNK;

    while (chunk * WIL_BITS < usable_sectors) {
        chunk *= 2;
    }
    return chunk;
}

void sraid_wil_init(SraidWil *w, uint64_t usable_sectors)
{
    w->chunk_sectors = sraid_wil_chunk_sectors(usable_sectors);
    w->nchunks = (usable_sectors + w->chunk_sectors - 1) / w->chunk_sectors;
    w->bits = g_malloc0(SRAID_WIL_BYTES);
    /* keyed by chunk number itself: chunks fit in 32 bits (8 Mi bits) */
    w->inflight = g_hash_table_new(NULL, NULL);
    w->cleanable = g_hash_table_new(NULL, NULL);
}

void sraid_wil_free(SraidWil *w)
{
    g_hash_table_destroy(w->inflight);
    g_hash_table_destroy(w->cleanable);
    g_free(w->bits);
}

static gboolean bit_get(const SraidWil *w, uint64_t c)
{
    return w->bits[c / 8] & (1u << (c % 8));
}

void sraid_wil_merge(SraidWil *w, const uint8_t *bytes, size_t len)
{
    len = MIN(len, (size_t)SRAID_WIL_BYTES);
    for (size_t i = 0; i < len; i++) {
        w->bits[i] |= bytes[i];
    }
}

gboolean sraid_wil_next_dirty(const SraidWil *w, uint64_t from,
                              uint64_t *chunk)
{
    /* bits beyond nchunks are ignored: garbage there covers nothing */
    for (uint64_t c = from; c < w->nchunks; c++) {
        if (!w->bits[c / 8]) {
            c |= 7;             /* skip a clean byte */
            continue;
        }
        if (bit_get(w, c)) {
            *chunk = c;
            return TRUE;
        }
    }
    return FALSE;
}

void sraid_wil_chunk_range(const SraidWil *w, uint64_t chunk,
                           uint64_t *first, uint64_t *last)
{
    *first = chunk * w->chunk_sectors;
    *last = *first + w->chunk_sectors - 1;
}

gboolean sraid_wil_begin(SraidWil *w, uint64_t first, uint64_t last,
                         unsigned *sec_first, unsigned *sec_last)
{
    uint64_t c0 = first / w->chunk_sectors, c1 = last / w->chunk_sectors;
    gboolean dirty = FALSE;

    g_assert(c1 < w->nchunks);
    for (uint64_t c = c0; c <= c1; c++) {
        gpointer key = GUINT_TO_POINTER(c);
        unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(w->inflight, key));

        g_hash_table_insert(w->inflight, key, GUINT_TO_POINTER(n + 1));
        g_hash_table_remove(w->cleanable, key);
        if (!bit_get(w, c)) {
            unsigned s = c / 8 / SRAID_WIL_SECTOR;

            w->bits[c / 8] |= 1u << (c % 8);
            if (!dirty) {
                *sec_first = s;
                dirty = TRUE;
            }
            *sec_last = s;
        }
    }
    /*
     * New bits right behind a set one: a stream (a sequential writer).
     * The bits of the region ahead go to disk in the same bitmap write,
     * so the stream's next requests find theirs set instead of each
     * paying a bitmap write first.  A set bit only asks for a resync of
     * its region after a crash, so setting more is always safe; the
     * cleaner clears them with the rest.
     */
    if (dirty && c0 > 0 && bit_get(w, c0 - 1)) {
        uint64_t ahead = MAX(SRAID_WIL_AHEAD_SECTORS / w->chunk_sectors, 1);

        for (uint64_t c = c1 + 1; c <= c1 + ahead && c < w->nchunks; c++) {
            gpointer key = GUINT_TO_POINTER(c);

            if (!bit_get(w, c)) {
                w->bits[c / 8] |= 1u << (c % 8);
                *sec_last = MAX(*sec_last, c / 8 / SRAID_WIL_SECTOR);
                if (!g_hash_table_contains(w->inflight, key)) {
                    g_hash_table_add(w->cleanable, key);
                }
            }
        }
    }
    return dirty;
}

void sraid_wil_end(SraidWil *w, uint64_t first, uint64_t last)
{
    uint64_t c0 = first / w->chunk_sectors, c1 = last / w->chunk_sectors;

    for (uint64_t c = c0; c <= c1; c++) {
        gpointer key = GUINT_TO_POINTER(c);
        unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(w->inflight, key));

        g_assert(n > 0);
        if (n > 1) {
            g_hash_table_insert(w->inflight, key, GUINT_TO_POINTER(n - 1));
        } else {
            g_hash_table_remove(w->inflight, key);
            g_hash_table_add(w->cleanable, key);
        }
    }
}

static gint cmp_unsigned(gconstpointer a, gconstpointer b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

    return x < y ? -1 : x > y;
}

gboolean sraid_wil_clean(SraidWil *w, GArray *sectors)
{
    GHashTableIter it;
    gpointer key;
    unsigned last = UINT_MAX;
    g_autoptr(GArray) secs = g_array_new(FALSE, FALSE, sizeof(unsigned));

    g_hash_table_iter_init(&it, w->cleanable);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        uint64_t c = GPOINTER_TO_UINT(key);
        unsigned s = c / 8 / SRAID_WIL_SECTOR;

        w->bits[c / 8] &= ~(1u << (c % 8));
        g_array_append_val(secs, s);
    }
    g_hash_table_remove_all(w->cleanable);
    g_array_sort(secs, cmp_unsigned);
    for (unsigned i = 0; i < secs->len; i++) {
        unsigned s = g_array_index(secs, unsigned, i);

        if (s != last) {
            g_array_append_val(sectors, s);
            last = s;
        }
    }
    return sectors->len > 0;
}

void sraid_wil_clear_all(SraidWil *w)
{
    memset(w->bits, 0, SRAID_WIL_BYTES);
    g_hash_table_remove_all(w->cleanable);
}

const uint8_t *sraid_wil_sector(const SraidWil *w, unsigned sector)
{
    g_assert(sector < SRAID_WIL_BYTES / SRAID_WIL_SECTOR);
    return w->bits + (size_t)sector * SRAID_WIL_SECTOR;
}
