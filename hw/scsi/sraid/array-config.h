/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: changes to an array's configuration (a new array,
 * new members, logical drives added and deleted).
 *
 * The same code places logical drives for the host tool (sraid-img create)
 * and for the running controller (QMP sraid-create-ld), so a logical drive's
 * layout, NAA identifier and serial number never depend on which of them
 * made it.
 */
#ifndef SRAID_ARRAY_CONFIG_H
#define SRAID_ARRAY_CONFIG_H

#include <glib.h>
#include <stdint.h>

#include "cod.h"

/* What the host asks for when it creates a logical drive. */
typedef struct SraidLdRequest {
    SraidRaidLevel level;
    uint32_t strip_sectors;
    uint64_t sectors;               /* capacity wanted; 0: all the room */
    const char *name;               /* NULL: "ld<id>" */
    unsigned nmembers;
    uint8_t members[SRAID_MAX_MEMBERS];     /* member indexes, RAID order */
} SraidLdRequest;

/* An empty configuration for a new array: random GUID, @name. */
void sraid_cod_init_array(SraidCod *cod, const char *name);

/*
 * Append a member of @sectors usable sectors at @channel/@target in
 * @state, with a random GUID.  Returns its index, or -1 with @errp set
 * when the array is full.
 */
int sraid_cod_add_member(SraidCod *cod, uint64_t sectors, uint8_t channel,
                         uint8_t target, SraidMemberState state,
                         GError **errp);

/*
 * Add a logical drive as @req asks: the lowest free id; placed, strip
 * aligned, in the lowest free extent of its members that holds the
 * capacity asked for (the largest free extent when it asks for all); its
 * NAA identifier (3h, locally assigned) and serial number derived from the
 * array GUID and the id, so every node and tool names it the same.
 * Returns the new drive's index in cod->lds, or -1 with @errp set and @cod
 * unchanged.
 */
int sraid_cod_add_ld(SraidCod *cod, const SraidLdRequest *req,
                     GError **errp);

/* Remove the logical drive at @index of cod->lds; later ones move down. */
void sraid_cod_remove_ld(SraidCod *cod, unsigned index);

/* Index in cod->lds of the logical drive with @id, or -1 */
int sraid_cod_find_ld(const SraidCod *cod, unsigned id);

#endif /* SRAID_ARRAY_CONFIG_H */
