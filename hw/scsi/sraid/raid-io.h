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
 * The engine runs one request at a time; the caller serializes requests
 * that touch the same stripe.
 */
#ifndef SRAID_RAID_IO_H
#define SRAID_RAID_IO_H

#include <glib.h>
#include <stdint.h>

#include "raid-geometry.h"

#define SRAID_SECTOR 512

typedef struct SraidLdIo {
    /* @member is the index in the LD's RAID order; 0 or -errno. */
    int (*pread)(void *opaque, unsigned member, uint64_t sector, void *buf,
                 uint32_t sectors);
    int (*pwrite)(void *opaque, unsigned member, uint64_t sector,
                  const void *buf, uint32_t sectors);
    /* A member just failed an I/O (optional). */
    void (*member_failed)(void *opaque, unsigned member, int err);
    void *opaque;
} SraidLdIo;

typedef struct SraidLd {
    SraidGeometry g;
    uint64_t start;                 /* first member sector of the LD */
    uint32_t failed;                /* bit per member, RAID order */
    SraidLdIo io;
    uint8_t *strip[SRAID_MAX_MEMBERS];      /* one strip per member */
    uint8_t *spare_strip;
} SraidLd;

void sraid_ld_init(SraidLd *ld, const SraidGeometry *g, uint64_t start,
                   uint32_t failed, const SraidLdIo *io);
void sraid_ld_cleanup(SraidLd *ld);

/* Can the LD still serve every sector with the members it has? */
gboolean sraid_ld_usable(const SraidLd *ld);

int sraid_ld_read(SraidLd *ld, uint64_t lba, uint64_t sectors, void *buf);
int sraid_ld_write(SraidLd *ld, uint64_t lba, uint64_t sectors,
                   const void *buf);

/*
 * Rebuild: rewrite stripe @stripe of member @member from the others (the
 * member must be marked failed while it is rebuilt; the caller clears the
 * bit when all stripes are done).
 */
int sraid_ld_rebuild_stripe(SraidLd *ld, unsigned member, uint64_t stripe);

#endif /* SRAID_RAID_IO_H */
