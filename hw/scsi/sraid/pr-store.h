/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the persistent reservation area on the member
 * disks, which keeps the SPC-4 persistent reservation state of every
 * logical drive across a power cycle of the whole cluster when the last
 * APTPL received was one (SPC-4 5.7.5).
 *
 * The area is a pool of slots in the cluster megabyte of every member's
 * metadata area.  A record holds one logical drive's encoded SraidPrState
 * (pr.h), a generation and the drive's identity; the newest valid record
 * of a drive, over every slot of every member, is its stored state.  A
 * save never overwrites the slot holding the drive's newest record: a
 * torn write leaves the previous record as the newest.  The byte layout
 * is in docs/on-disk-format.md, "Persistent reservation area".
 *
 * This file is the codec, the choice of a slot for the next save, and
 * the selection at load; the glue (sraid-ld-pr-store.c, sraid-img) does
 * the I/O.
 */
#ifndef SRAID_PR_STORE_H
#define SRAID_PR_STORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cod.h"
#include "pr.h"

#define SRAID_PRS_MAGIC         "SRPRSTOR"
#define SRAID_PRS_VERSION       1
#define SRAID_PRS_HEADER_LEN    128
/*
 * Where the area starts in the metadata area: 64 KiB into the cluster
 * megabyte at +3 MiB, past the disk lease area (8 KiB) and room for it to
 * grow.  24 slots of 34 KiB (a header and the largest encoded state,
 * 34 204 bytes, fit) are 816 KiB; the megabyte's last 144 KiB stay
 * reserved.  Two fixed copies per logical drive would need 16 x 2 x 34 KiB,
 * more than the megabyte has; a shared pool needs one slot per drive
 * plus one per save in flight.
 */
#define SRAID_PRS_AREA_OFFSET   (3 * 1024 * 1024 + 64 * 1024)
#define SRAID_PRS_SLOT_LEN      (34 * 1024)
#define SRAID_PRS_SLOTS         24
#define SRAID_PRS_AREA_LEN      (SRAID_PRS_SLOTS * SRAID_PRS_SLOT_LEN)
/* The largest record; a record is written as whole 512-byte sectors */
#define SRAID_PRS_RECORD_MAX    (SRAID_PRS_HEADER_LEN + SRAID_PR_ENC_MAX)
#define SRAID_PRS_LD_IDS        256     /* an LD id is one byte on disk */

G_STATIC_ASSERT(SRAID_PRS_RECORD_MAX <= SRAID_PRS_SLOT_LEN);

/*
 * What a record must match to be applied to a logical drive: the array
 * GUID (a record of an array that was on the disks before is foreign),
 * the LD id, NAA and serial, and a fingerprint of the layout (level,
 * strip, start, size and the members' GUIDs in RAID order), so a record
 * of a deleted drive is not applied to a new drive with its id unless
 * that drive is its exact copy.
 */
typedef struct SraidPrsIdentity {
    uint8_t array_guid[16];
    uint8_t ld_id;
    uint64_t naa;
    char serial[SRAID_COD_SERIAL_LEN + 1];
    uint32_t layout;
} SraidPrsIdentity;

/* The identity of logical drive @index of @cod */
void sraid_prs_identity(const SraidCod *cod, unsigned index,
                        SraidPrsIdentity *id);
bool sraid_prs_identity_equal(const SraidPrsIdentity *a,
                              const SraidPrsIdentity *b);

/*
 * Encode the record of @st for @id with generation @gen (>= 1) into @buf
 * (SRAID_PRS_SLOT_LEN bytes).  Returns the bytes to write: header and
 * state, zero padded to whole sectors.
 */
size_t sraid_prs_encode(const SraidPrsIdentity *id, uint64_t gen,
                        const SraidPrState *st, uint8_t *buf);

typedef enum SraidPrsVerdict {
    SRAID_PRS_EMPTY,            /* an all-zero header: never written */
    SRAID_PRS_DAMAGED,          /* torn, corrupt, or a later format */
    SRAID_PRS_VALID,
} SraidPrsVerdict;

/*
 * Decode the record in @buf (@len bytes, a slot or less).  VALID fills
 * @id, @gen and @st; DAMAGED sets *@why (free it) to the reason; on
 * anything but VALID, @st is empty.  Never reads outside @buf.
 */
SraidPrsVerdict sraid_prs_decode(const uint8_t *buf, size_t len,
                                 SraidPrsIdentity *id, uint64_t *gen,
                                 SraidPrState *st, char **why);

/* The newest valid record of one logical drive, at load */
typedef struct SraidPrsFound {
    bool found;
    uint64_t generation;
    unsigned disk, slot;
    SraidPrState st;
} SraidPrsFound;

/*
 * Selection at load: the logical drives of the configuration, and per
 * drive the newest valid record seen on the disks fed so far.
 */
typedef struct SraidPrsLoad {
    unsigned nlds;
    SraidPrsIdentity ident[SRAID_COD_MAX_LDS];     /* by COD LD index */
    SraidPrsFound best[SRAID_COD_MAX_LDS];
    unsigned damaged, foreign, stale;               /* records refused */
} SraidPrsLoad;

SraidPrsLoad *sraid_prs_load_new(const SraidCod *cod);
void sraid_prs_load_free(SraidPrsLoad *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SraidPrsLoad, sraid_prs_load_free)

/*
 * Feed disk @disk's area (@len bytes; shorter than the area when only
 * part could be read: the missing slots count as unreadable).  Every
 * record refused as damaged or foreign appends a sentence to @problems
 * ("slot 3: ..."; the caller names the disk).  Records of this array
 * that match no logical drive (a deleted drive's) are only counted.
 * Among valid records of one drive the highest generation wins; of equal
 * generations the first fed.
 */
void sraid_prs_load_disk(SraidPrsLoad *l, unsigned disk,
                         const uint8_t *area, size_t len,
                         GPtrArray *problems);

/*
 * The slots of the pool and what they hold, for choosing where a save
 * goes.  A slot is free unless it is being written or holds a record
 * that may be its drive's newest: the newest one known durable, or one
 * of a higher generation whose save failed (it may be on some disks,
 * and would win at load).
 */
typedef struct SraidPrsSlot {
    bool used;
    bool writing;
    bool aptpl;                 /* the record's state has APTPL */
    uint8_t ld_id;
    uint64_t gen;
} SraidPrsSlot;

typedef struct SraidPrsLdGen {
    bool known;
    SraidPrsIdentity ident;
    uint64_t durable;           /* newest generation stored on every disk */
    uint64_t next;              /* the next save's generation */
} SraidPrsLdGen;

typedef struct SraidPrsMap {
    SraidPrsSlot slot[SRAID_PRS_SLOTS];
    SraidPrsLdGen ld[SRAID_PRS_LD_IDS];
} SraidPrsMap;

void sraid_prs_map_init(SraidPrsMap *m);
/* After the load: the slots of every drive's newest record are taken */
void sraid_prs_map_loaded(SraidPrsMap *m, const SraidPrsLoad *l);
/*
 * What the disks hold now, read again before a save: another controller
 * may have saved since (a master before a failover).  Each drive's newest
 * record found takes its slot, and the drive's generations continue above
 * it; slots being written here stay as they are.
 */
void sraid_prs_map_refresh(SraidPrsMap *m, const SraidPrsLoad *l);
/*
 * A save of @id's state (@aptpl its APTPL) begins: its generation in
 * *@gen and the slot to write on every disk, or -1 when every slot is
 * taken (saves keep failing).  A drive whose identity changed (deleted
 * and created again with its id) loses its old slots.
 */
int sraid_prs_map_begin(SraidPrsMap *m, const SraidPrsIdentity *id,
                        bool aptpl, uint64_t *gen);
/* The save into @slot ended: @ok when every disk has the record */
void sraid_prs_map_end(SraidPrsMap *m, unsigned slot, bool ok);
/*
 * May a record with APTPL one be the newest on the disks for @id?  Then a
 * change to APTPL zero must be stored too, or a power cycle would bring
 * back the state (SPC-4 5.7.5).
 */
bool sraid_prs_map_aptpl(const SraidPrsMap *m, const SraidPrsIdentity *id);

#endif /* SRAID_PR_STORE_H */
