/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: logical drive I/O over member I/O.
 *
 * Reads and writes of a logical drive are cut at strip boundaries and
 * mapped onto the members (raid-geometry.h).  A member that fails an I/O is
 * marked failed (the owner is told through member_failed and updates the
 * configuration); the request then continues degraded: reads are
 * reconstructed from the surviving strips and parity, writes keep parity
 * right.  More failures than the level survives end the request with -EIO:
 * never silently wrong data.
 *
 * Member I/O of one request is handed to the owner a phase at a time
 * (all reads, then all writes), so it can run in parallel.  Within a
 * phase, the pieces of one member that follow each other on it become one
 * member I/O whose segments point at the caller's buffers: a sequential
 * read of many strips is one read per member, straight into the guest's
 * memory.
 */
#ifndef SRAID_RAID_IO_H
#define SRAID_RAID_IO_H

#include <glib.h>
#include <stdint.h>

#include "degraded-journal.h"
#include "io-vector.h"
#include "raid-geometry.h"

#define SRAID_SECTOR 512

/*
 * Segments per member I/O and per logical drive request (QEMU's block
 * layer takes at most IOV_MAX, 1024 on Linux), and the largest member I/O
 * that merging builds.
 */
#define SRAID_MEMBER_MAX_IOV        1024
#define SRAID_MEMBER_MAX_SECTORS    16384       /* 8 MiB */

/* One member I/O of a logical drive request. */
typedef struct SraidMemberReq {
    unsigned member;            /* index in the LD's RAID order */
    gboolean write;
    uint64_t sector;            /* member sector */
    uint32_t sectors;
    /* the data: @niov segments (<= SRAID_MEMBER_MAX_IOV), @sectors in all */
    const struct iovec *iov;
    unsigned niov;
    int ret;                    /* 0 or -errno, set by the owner */
} SraidMemberReq;

/* Write flags */
#define SRAID_IO_FUA    1u      /* on stable storage before completion */

typedef struct SraidLdIo {
    /*
     * Run the @n requests of one phase of a logical drive request and set
     * each one's ret.  They touch distinct member ranges, so the owner may
     * run them in any order or all at once (the QEMU glue issues them in
     * parallel).  Optional: without it the engine calls pread/pwrite one
     * by one, through a bounce buffer for requests of several segments.
     */
    void (*submit)(void *opaque, SraidMemberReq *reqs, unsigned n,
                   unsigned flags);
    /* 0 or -errno. */
    int (*pread)(void *opaque, unsigned member, uint64_t sector, void *buf,
                 uint32_t sectors);
    int (*pwrite)(void *opaque, unsigned member, uint64_t sector,
                  const void *buf, uint32_t sectors);
    /* A member just failed an I/O (optional). */
    void (*member_failed)(void *opaque, unsigned member, int err);
    /*
     * Degraded-write journal (degraded-journal.h), optional.  Before the
     * member writes of a stripe update in which failed members hold data,
     * journal_begin gets the content those strips have after the update
     * (rows [row, row + rows) of the stripe; the owner sets seq and ld_id)
     * and returns once the entry is durable; journal_end follows the
     * member writes.  Such updates never take the RAID 5 read-modify-write
     * path, which does not reconstruct the missing strip.
     */
    void (*journal_begin)(void *opaque, SraidDjEntry *e);
    void (*journal_end)(void *opaque, const SraidDjEntry *e);
    void *opaque;
} SraidLdIo;

/*
 * A logical drive.  Requests keep their scratch buffers to themselves, so
 * several may run at once (the QEMU glue runs one coroutine per request);
 * the caller keeps requests that touch the same stripe apart (stripe lock,
 * sraid_ld_stripe_range).
 */
typedef struct SraidLd {
    SraidGeometry g;
    uint64_t start;                 /* first member sector of the LD */
    uint32_t failed;                /* bit per member, RAID order */
    /*
     * Members being rebuilt (a subset of @failed): never read, since only
     * the stripes behind the rebuild hold their data, but written by
     * every write like a healthy member, so that the rebuilt part stays
     * current and needs no second pass (sraid_ld_rebuild_stripe).
     */
    uint32_t rebuilding;
    SraidLdIo io;
} SraidLd;

void sraid_ld_init(SraidLd *ld, const SraidGeometry *g, uint64_t start,
                   uint32_t failed, const SraidLdIo *io);
void sraid_ld_cleanup(SraidLd *ld);

/* Can the LD still serve every sector with the members it has? */
gboolean sraid_ld_usable(const SraidLd *ld);

/* Stripes [*first, *last] that logical sectors [lba, lba + sectors) touch. */
void sraid_ld_stripe_range(const SraidLd *ld, uint64_t lba, uint64_t sectors,
                           uint64_t *first, uint64_t *last);

/*
 * Read or write logical sectors [lba, lba + sectors) from or to the @niov
 * (<= SRAID_MEMBER_MAX_IOV) segments of @iov, which hold at least that
 * many bytes.  Reads land in @iov directly (reconstructed strips are
 * copied in); RAID 0 writes go to the members straight from @iov.  Writes
 * of the other levels copy the data first, so that every copy of a
 * mirror and the parity of a stripe come from one snapshot of it even if
 * the caller's buffers change meanwhile (a guest may modify memory under
 * a running write; the copies must still agree afterwards).
 * @flags: SRAID_IO_*.
 */
int sraid_ld_readv(SraidLd *ld, uint64_t lba, uint64_t sectors,
                   const struct iovec *iov, unsigned niov);
int sraid_ld_writev(SraidLd *ld, uint64_t lba, uint64_t sectors,
                    const struct iovec *iov, unsigned niov, unsigned flags);

/* The same with one flat buffer. */
int sraid_ld_read(SraidLd *ld, uint64_t lba, uint64_t sectors, void *buf);
int sraid_ld_write(SraidLd *ld, uint64_t lba, uint64_t sectors,
                   const void *buf, unsigned flags);

/*
 * Rebuild: rewrite stripe @stripe of member @member from the others.  The
 * member is marked failed while it is rebuilt (and in @rebuilding if host
 * writes run meanwhile); the caller clears the bits when all stripes are
 * done.  The caller keeps host writes off the stripe while it runs.  A
 * failure of the member being rebuilt is reported through member_failed
 * and clears its @rebuilding bit.
 */
int sraid_ld_rebuild_stripe(SraidLd *ld, unsigned member, uint64_t stripe);

/* Member sectors [*first, *last] that stripes [first, last] occupy. */
void sraid_ld_member_span(const SraidLd *ld, uint64_t first_stripe,
                          uint64_t last_stripe, uint64_t *first,
                          uint64_t *last);

/* Stripes of the LD within member sectors [first, last]; FALSE if none. */
gboolean sraid_ld_stripes_in(const SraidLd *ld, uint64_t first,
                             uint64_t last, uint64_t *first_stripe,
                             uint64_t *last_stripe);

/*
 * Make a stripe consistent after a crash (write-intent.h): parity
 * recomputed from the data strips, mirror copies from the first healthy
 * copy.  -ENODATA when a data strip's member is failed: then parity is the
 * only record of that strip and is left alone.
 */
int sraid_ld_resync_stripe(SraidLd *ld, uint64_t stripe);

/*
 * Recovery from the degraded-write journal after a crash: when the failed
 * data members of stripe @e->stripe are exactly those @e journals, parity
 * (P, and Q for RAID 6) of its rows is recomputed from the surviving data
 * strips on disk and the journaled strips, and written (FUA) with the
 * journaled strips to members being rebuilt.  -ESTALE when no data member
 * of the stripe is failed any more (the write-intent resync covers it),
 * -ENODATA when other data members are failed than the entry holds (a
 * member failed during the crash: nothing can repair the stripe), -EINVAL
 * for an entry that does not fit the LD, -EIO when a member failed on the
 * way.
 */
int sraid_ld_journal_apply(SraidLd *ld, const SraidDjEntry *e);

/*
 * Consistency check (scrub) of one stripe: 0 when parity or the mirror
 * copies agree, 1 when they do not, -ENODATA when a member is failed (no
 * redundancy left to compare), -EIO when a member failed the read.
 * sraid_ld_resync_stripe repairs an inconsistent stripe.
 */
int sraid_ld_check_stripe(SraidLd *ld, uint64_t stripe);

#endif /* SRAID_RAID_IO_H */
