/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the degraded-write journal (the write hole of a
 * degraded RAID 5/6 logical drive).
 *
 * In a degraded stripe the failed member's data strip exists only as
 * parity plus the surviving data.  A crash between the member writes of an
 * update there leaves parity disagreeing with the data, and the missing
 * strip, which the guest may never have written in that request, can no
 * longer be reconstructed; the write-intent bitmap cannot help, since
 * parity is the only record of that strip.  So before the member writes of
 * such an update the engine hands the content the missing data strip(s)
 * will have AFTER the update (reconstructed old data for rows the write
 * does not cover, the new data for rows it does) to the owner, which
 * writes it as a journal entry to every member in use and waits for it to
 * be durable.  At start the newest entry of each still-degraded stripe is
 * applied: parity recomputed from the surviving data strips on disk and
 * the journaled strip(s) (sraid_ld_journal_apply), so every surviving
 * strip reads back old or new and the missing one exactly as journaled.
 *
 * The journal lives at +4 MiB of the metadata area, 4 MiB long, split
 * into fixed slots (docs/on-disk-format.md, "Degraded-write journal").
 */
#ifndef SRAID_DEGRADED_JOURNAL_H
#define SRAID_DEGRADED_JOURNAL_H

#include <glib.h>
#include <stdint.h>

#define SRAID_DJ_AREA_OFFSET    (4 * 1024 * 1024)   /* in the metadata area */
#define SRAID_DJ_BYTES          (4 * 1024 * 1024)
#define SRAID_DJ_HEADER         512
#define SRAID_DJ_VERSION        1
#define SRAID_DJ_MAX_FAILED     2                   /* RAID 6 */
/* slots start on 4 KiB boundaries: whole sectors on 4Kn disks too */
#define SRAID_DJ_SLOT_ALIGN     4096

/* One entry, decoded or about to be encoded. */
typedef struct SraidDjEntry {
    uint8_t array_guid[16];     /* SraidCod.array_guid: not a foreign one */
    uint64_t seq;               /* newer entries have larger numbers */
    uint8_t ld_id;              /* SraidCodLd.id */
    uint64_t stripe;
    uint32_t row;               /* first sector of the rows, in the strip */
    uint32_t rows;              /* sectors */
    unsigned nfailed;           /* 1, or 2 for RAID 6 */
    uint8_t member[SRAID_DJ_MAX_FAILED];    /* RAID-order, ascending */
    /* rows * 512 bytes each: the strip of member[i] after the write */
    const uint8_t *data[SRAID_DJ_MAX_FAILED];
} SraidDjEntry;

/* Bytes of @e encoded: header sector and data. */
size_t sraid_dj_entry_bytes(const SraidDjEntry *e);

/* Encode @e into @buf (sraid_dj_entry_bytes of room); returns that size. */
size_t sraid_dj_encode(const SraidDjEntry *e, uint8_t *buf);

/*
 * Decode the entry at the start of @buf (@len bytes readable).  FALSE for
 * anything else: a free slot, a torn or foreign write, a bad CRC.  The
 * data pointers of @e point into @buf.
 */
gboolean sraid_dj_decode(const uint8_t *buf, size_t len, SraidDjEntry *e);

/*
 * Slot size for logical drives whose largest journaled rows are
 * @max_strip_sectors with at most @max_failed failed data strips (the
 * largest number of parity strips among the LDs); 0 when no LD needs one.
 */
size_t sraid_dj_slot_bytes(uint32_t max_strip_sectors, unsigned max_failed);

/* Slots in the journal area (0 if one does not fit). */
unsigned sraid_dj_nslots(size_t slot_bytes);

/*
 * The slot of stripe @stripe of LD @ld_id.  Fixed per stripe, so the
 * journal never holds two entries of one stripe written in one run: a
 * newer entry overwrites the older one in place, and the older one cannot
 * outlive it whatever order the members' caches write back in.
 */
unsigned sraid_dj_slot_of(unsigned nslots, uint8_t ld_id, uint64_t stripe);

/* The newest valid entry of each (LD, stripe) found on the members. */
typedef struct SraidDjSet {
    GHashTable *by_stripe;      /* key (ld << 56 | stripe) -> entry copy */
    uint64_t max_seq;           /* largest seen, 0 if none */
} SraidDjSet;

void sraid_dj_set_init(SraidDjSet *set);
void sraid_dj_set_free(SraidDjSet *set);

/* Keep @e if it is newer than what @set has for its stripe (copies it). */
void sraid_dj_set_add(SraidDjSet *set, const SraidDjEntry *e);

/*
 * Decode every slot of one member's journal area (@area, @len bytes) of
 * slots of @slot_bytes and add the valid entries; returns how many.
 */
unsigned sraid_dj_scan(SraidDjSet *set, const uint8_t *area, size_t len,
                       size_t slot_bytes);

/* The entries kept, ordered by LD then stripe (SraidDjEntry *). */
GPtrArray *sraid_dj_set_entries(const SraidDjSet *set);

#endif /* SRAID_DEGRADED_JOURNAL_H */
