/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: RAID data layout.
 *
 * Maps a logical drive's sectors onto member sectors for RAID 0, 1, 5, 6 and
 * 10.  RAID 5 and 6 rotate parity "left-symmetric" exactly as Linux md does
 * (ALGORITHM_LEFT_SYMMETRIC), so a member set can be inspected with md tools;
 * RAID 10 is md's "near 2" layout (each strip on two adjacent members).
 *
 * Every member is cut into strips of strip_sectors; row r of every member
 * forms stripe r.  A data strip of stripe r sits at the same member sector
 * r * strip_sectors on whichever member holds it.
 */
#ifndef SRAID_RAID_GEOMETRY_H
#define SRAID_RAID_GEOMETRY_H

#include <glib.h>
#include <stdint.h>

#define SRAID_MAX_MEMBERS       32
#define SRAID_MIN_STRIP_SECTORS 8           /* 4 KiB */
#define SRAID_MAX_STRIP_SECTORS 2048        /* 1 MiB */

typedef enum SraidRaidLevel {
    SRAID_RAID0 = 0,
    SRAID_RAID1 = 1,
    SRAID_RAID5 = 5,
    SRAID_RAID6 = 6,
    SRAID_RAID10 = 10,
} SraidRaidLevel;

typedef struct SraidGeometry {
    SraidRaidLevel level;
    unsigned members;
    unsigned data_strips;       /* data strips per stripe */
    unsigned parity_strips;     /* 0, 1 (P) or 2 (P, Q) */
    uint32_t strip_sectors;
    uint64_t stripes;           /* rows: member_sectors / strip_sectors */
} SraidGeometry;

/* The piece of a logical range that lies in one data strip. */
typedef struct SraidExtent {
    uint64_t stripe;
    unsigned data_index;        /* 0 .. data_strips - 1 */
    uint64_t member_lba;        /* the same on every copy */
    uint32_t sectors;           /* contiguous sectors from the mapped LBA */
    unsigned ncopies;           /* members holding the data */
    uint8_t copies[SRAID_MAX_MEMBERS];
} SraidExtent;

/*
 * Set up the layout of @members members of @member_sectors usable sectors
 * each.  Fails with a message saying what to change when the combination is
 * not valid (too few members for the level, odd RAID 10, strip size not a
 * power of two in range, members smaller than one strip).
 */
gboolean sraid_geometry_init(SraidGeometry *g, SraidRaidLevel level,
                             unsigned members, uint32_t strip_sectors,
                             uint64_t member_sectors, GError **errp);

/* Data sectors the array offers. */
uint64_t sraid_geometry_capacity(const SraidGeometry *g);

/*
 * Map logical sector @lba (< capacity) and up to @max_sectors after it onto
 * the members; the extent ends at the end of the strip.
 */
void sraid_geometry_map(const SraidGeometry *g, uint64_t lba,
                        uint64_t max_sectors, SraidExtent *e);

/* Member holding data strip @data_index of @stripe (parity levels, RAID 0). */
unsigned sraid_geometry_data_member(const SraidGeometry *g, uint64_t stripe,
                                    unsigned data_index);

/* Member holding P (RAID 5/6) or Q (RAID 6) of @stripe; -1 if none. */
int sraid_geometry_p_member(const SraidGeometry *g, uint64_t stripe);
int sraid_geometry_q_member(const SraidGeometry *g, uint64_t stripe);

/* Failed members the level survives. */
unsigned sraid_geometry_redundancy(const SraidGeometry *g);

#endif /* SRAID_RAID_GEOMETRY_H */
