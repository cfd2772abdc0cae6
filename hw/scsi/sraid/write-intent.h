/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the write-intent bitmap (closing the RAID write
 * hole).
 *
 * A crash between the member writes of one stripe update leaves data and
 * parity (or two mirror copies) disagreeing, and nothing would notice until
 * a member fails and the stale parity reconstructs garbage.  So before a
 * write touches a region of the members, the bit covering it is set on
 * disk; once no write is in flight there, the bit is cleared lazily.  At
 * start every region whose bit is set on any member is resynchronized
 * (parity recomputed from the data, mirrors copied from the first copy).
 *
 * The bitmap lives at +2 MiB of the metadata area (docs/on-disk-format.md),
 * 1 MiB long, the same on every member; bit i of byte j covers member
 * sectors [(8j + i) * chunk, (8j + i + 1) * chunk).  The chunk size follows
 * from the usable member size alone (sraid_wil_chunk_sectors), so every
 * node and sraid-img agree without storing it.
 */
#ifndef SRAID_WRITE_INTENT_H
#define SRAID_WRITE_INTENT_H

#include <glib.h>
#include <stdint.h>

#define SRAID_WIL_AREA_OFFSET   (2 * 1024 * 1024)   /* in the metadata area */
#define SRAID_WIL_BYTES         (1024 * 1024)
#define SRAID_WIL_SECTOR        512
#define SRAID_WIL_MIN_CHUNK     128                 /* sectors: 64 KiB */
/* Member sectors set ahead of a sequential writer (4 MiB; see begin) */
#define SRAID_WIL_AHEAD_SECTORS 8192

typedef struct SraidWil {
    uint64_t chunk_sectors;
    uint64_t nchunks;
    uint8_t *bits;              /* the bitmap as on disk (or being written) */
    GHashTable *inflight;       /* chunk -> writes in progress */
    GHashTable *cleanable;      /* chunks set on disk, nothing in flight */
} SraidWil;

/* Member sectors per bit for members of @usable_sectors. */
uint64_t sraid_wil_chunk_sectors(uint64_t usable_sectors);

void sraid_wil_init(SraidWil *w, uint64_t usable_sectors);
void sraid_wil_free(SraidWil *w);

/*
 * Load: OR @bytes of one member's bitmap into @w (call for every member;
 * a bit set on any of them is dirty).
 */
void sraid_wil_merge(SraidWil *w, const uint8_t *bytes, size_t len);

/* First dirty chunk at or after @from; FALSE when none. */
gboolean sraid_wil_next_dirty(const SraidWil *w, uint64_t from,
                              uint64_t *chunk);

/* Member sectors chunk @chunk covers. */
void sraid_wil_chunk_range(const SraidWil *w, uint64_t chunk,
                           uint64_t *first, uint64_t *last);

/*
 * A write to member sectors [first, last] begins.  Returns the bitmap
 * sectors [*sec_first, *sec_last] that must be on every member before the
 * write may touch them (bits newly set), or FALSE when they already are.
 * The caller serializes begin/clean and their bitmap writes.  A write
 * that continues a sequential stream (the chunk before it is set) also
 * sets the bits of the SRAID_WIL_AHEAD_SECTORS after it, in the same
 * bitmap sectors' write.
 */
gboolean sraid_wil_begin(SraidWil *w, uint64_t first, uint64_t last,
                         unsigned *sec_first, unsigned *sec_last);

/* The write to [first, last] is complete on the members. */
void sraid_wil_end(SraidWil *w, uint64_t first, uint64_t last);

/*
 * Clear the bits of chunks with nothing in flight; fills @sectors
 * (unsigned) with the bitmap sectors to rewrite.  FALSE when none.
 */
gboolean sraid_wil_clean(SraidWil *w, GArray *sectors);

/* Clear every bit (after a resync). */
void sraid_wil_clear_all(SraidWil *w);

/* The bytes of bitmap sector @sector, to write at its offset. */
const uint8_t *sraid_wil_sector(const SraidWil *w, unsigned sector);

#endif /* SRAID_WRITE_INTENT_H */
