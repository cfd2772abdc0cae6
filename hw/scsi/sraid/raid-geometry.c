/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: RAID data layout.
 */
#include <string.h>

#include "core-error.h"
#include "raid-geometry.h"

static unsigned min_members(SraidRaidLevel level)
{
    switch (level) {
    case SRAID_RAID0:
        return 1;
    case SRAID_RAID1:
        return 2;
    case SRAID_RAID5:
        return 3;
    case SRAID_RAID6:
    case SRAID_RAID10:
        return 4;
    }
    return 0;
}

gboolean sraid_geometry_init(SraidGeometry *g, SraidRaidLevel level,
                             unsigned members, uint32_t strip_sectors,
                             uint64_t member_sectors, GError **errp)
{
    unsigned min = min_members(level);

    if (min == 0) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "RAID level %d is not supported: use 0, 1, 5, 6 or 10",
                    level);
        return FALSE;
    }
    if (members < min || members > SRAID_MAX_MEMBERS) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "RAID %d needs %u to %u members, not %u", level, min,
                    SRAID_MAX_MEMBERS, members);
        return FALSE;
    }
    if (level == SRAID_RAID10 && members % 2) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "RAID 10 mirrors pairs of members: use an even number"
                    " of members, not %u", members);
        return FALSE;
    }
    if (strip_sectors < SRAID_MIN_STRIP_SECTORS ||
        strip_sectors > SRAID_MAX_STRIP_SECTORS ||
        (strip_sectors & (strip_sectors - 1))) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "strip size of %u sectors is not valid: use a power of"
                    " two from %u to %u sectors (4 KiB to 1 MiB)",
                    strip_sectors, SRAID_MIN_STRIP_SECTORS,
                    SRAID_MAX_STRIP_SECTORS);
        return FALSE;
    }
    if (member_sectors < strip_sectors) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "members of %" G_GUINT64_FORMAT " sectors are smaller"
                    " than one strip (%u sectors)", member_sectors,
                    strip_sectors);
        return FALSE;
    }

    memset(g, 0, sizeof(*g));
    g->level = level;
    g->members = members;
    g->strip_sectors = strip_sectors;
    g->stripes = member_sectors / strip_sectors;
    switch (level) {
    case SRAID_RAID0:
        g->data_strips = members;
        break;
    case SRAID_RAID1:
        g->data_strips = 1;
        break;
    case SRAID_RAID5:
        g->data_strips = members - 1;
        g->parity_strips = 1;
        break;
    case SRAID_RAID6:
        g->data_strips = members - 2;
        g->parity_strips = 2;
        break;
    case SRAID_RAID10:
        g->data_strips = members / 2;
        break;
    }
    return TRUE;
}

uint64_t sraid_geometry_capacity(const SraidGeometry *g)
{
    return g->stripes * g->data_strips * g->strip_sectors;
}

unsigned sraid_geometry_redundancy(const SraidGeometry *g)
{
    switch (g->level) {
    case SRAID_RAID1:
        return g->members - 1;
    case SRAID_RAID5:
    case SRAID_RAID10:      /* one per pair is survivable; one in any case */
        return 1;
    case SRAID_RAID6:
        return 2;
    default:
        return 0;
    }
}

int sraid_geometry_p_member(const SraidGeometry *g, uint64_t stripe)
{
    if (g->parity_strips == 0) {
        return -1;
    }
    /* md left-symmetric: parity moves one member left per stripe */
    return g->members - 1 - (unsigned)(stripe % g->members);
}

int sraid_geometry_q_member(const SraidGeometry *g, uint64_t stripe)
{
    if (g->parity_strips < 2) {
        return -1;
    }
    return (sraid_geometry_p_member(g, stripe) + 1) % g->members;
}

unsigned sraid_geometry_data_member(const SraidGeometry *g, uint64_t stripe,
                                    unsigned data_index)
{
    int p = sraid_geometry_p_member(g, stripe);

    switch (g->level) {
    case SRAID_RAID5:
    case SRAID_RAID6:
        /* data starts right after the parity strip(s) and wraps around */
        return (p + g->parity_strips + data_index) % g->members;
    case SRAID_RAID10:
        return data_index * 2;
    case SRAID_RAID1:
        return 0;
    case SRAID_RAID0:
    default:
        return data_index;
    }
}

void sraid_geometry_map(const SraidGeometry *g, uint64_t lba,
                        uint64_t max_sectors, SraidExtent *e)
{
    uint64_t strip = lba / g->strip_sectors;        /* logical data strip */
    uint32_t offset = lba % g->strip_sectors;
    uint64_t left = g->strip_sectors - offset;

    e->stripe = strip / g->data_strips;
    e->data_index = strip % g->data_strips;
    e->member_lba = e->stripe * g->strip_sectors + offset;
    e->sectors = MIN(left, max_sectors);

    switch (g->level) {
    case SRAID_RAID1:
        e->ncopies = g->members;
        for (unsigned i = 0; i < g->members; i++) {
            e->copies[i] = i;
        }
        break;
    case SRAID_RAID10:
        e->ncopies = 2;
        e->copies[0] = e->data_index * 2;
        e->copies[1] = e->data_index * 2 + 1;
        break;
    default:
        e->ncopies = 1;
        e->copies[0] = sraid_geometry_data_member(g, e->stripe,
                                                  e->data_index);
        break;
    }
}
