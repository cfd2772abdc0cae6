/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: changes to an array's configuration.
 */
#include <stdbool.h>
#include <string.h>

#include "array-config.h"
#include "core-error.h"

#define SRAID_MAX_LD_ID 255         /* the id is one byte on disk */

void sraid_cod_init_array(SraidCod *cod, const char *name)
{
    memset(cod, 0, sizeof(*cod));
    for (unsigned i = 0; i < sizeof(cod->array_guid); i++) {
        cod->array_guid[i] = g_random_int();
    }
    g_strlcpy(cod->name, name, sizeof(cod->name));
}

int sraid_cod_add_member(SraidCod *cod, uint64_t sectors, uint8_t channel,
                         uint8_t target, SraidMemberState state,
                         GError **errp)
{
    SraidCodMember *m;

    if (cod->nmembers >= SRAID_MAX_MEMBERS) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "the array has %u members, the most it can have",
                    SRAID_MAX_MEMBERS);
        return -1;
    }
    m = &cod->members[cod->nmembers];
    memset(m, 0, sizeof(*m));
    for (unsigned i = 0; i < sizeof(m->guid); i++) {
        m->guid[i] = g_random_int();
    }
    m->sectors = sectors;
    m->channel = channel;
    m->target = target;
    m->state = state;
    return cod->nmembers++;
}

int sraid_cod_find_ld(const SraidCod *cod, unsigned id)
{
    for (unsigned i = 0; i < cod->nlds; i++) {
        if (cod->lds[i].id == id) {
            return i;
        }
    }
    return -1;
}

static bool ld_uses(const SraidCodLd *ld, unsigned member)
{
    return memchr(ld->members, member, ld->nmembers) != NULL;
}

/*
 * Sectors free from @start on every member of @req (0 when @start lies
 * inside a logical drive on one of them).
 */
static uint64_t room_at(const SraidCod *cod, const SraidLdRequest *req,
                        uint64_t start)
{
    uint64_t room = UINT64_MAX;

    for (unsigned k = 0; k < req->nmembers; k++) {
        unsigned m = req->members[k];
        uint64_t end = cod->members[m].sectors;

        if (start >= end) {
            return 0;
        }
        for (unsigned i = 0; i < cod->nlds; i++) {
            const SraidCodLd *o = &cod->lds[i];

            if (!ld_uses(o, m)) {
                continue;
            }
            if (start >= o->start && start < o->start + o->member_sectors) {
                return 0;
            }
            if (o->start >= start) {
                end = MIN(end, o->start);
            }
        }
        room = MIN(room, end - start);
    }
    return room;
}

static bool check_members(const SraidCod *cod, const SraidLdRequest *req,
                          GError **errp)
{
    static const char *const why[] = {
        [SRAID_MEMBER_FAILED] = "failed",
        [SRAID_MEMBER_REBUILDING] = "being rebuilt",
        [SRAID_MEMBER_SPARE] = "a hot spare",
        [SRAID_MEMBER_MISSING] = "missing",
    };

    if (req->nmembers == 0 || req->nmembers > SRAID_MAX_MEMBERS) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "a logical drive needs 1 to %u members",
                    SRAID_MAX_MEMBERS);
        return false;
    }
    for (unsigned k = 0; k < req->nmembers; k++) {
        unsigned m = req->members[k];

        if (m >= cod->nmembers) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "member %u does not exist", m);
            return false;
        }
        if (cod->members[m].state != SRAID_MEMBER_ONLINE) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "member %u is %s: a new logical drive needs online"
                        " members", m, why[cod->members[m].state]);
            return false;
        }
        for (unsigned j = 0; j < k; j++) {
            if (req->members[j] == m) {
                g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                            "member %u is listed twice", m);
                return false;
            }
        }
    }
    return true;
}

static int lowest_free_id(const SraidCod *cod)
{
    for (unsigned id = 0; id <= SRAID_MAX_LD_ID; id++) {
        if (sraid_cod_find_ld(cod, id) < 0) {
            return id;
        }
    }
    return -1;
}

int sraid_cod_add_ld(SraidCod *cod, const SraidLdRequest *req,
                     GError **errp)
{
    uint32_t strip = req->strip_sectors;
    uint64_t best_start = 0, best_room = 0, need = 0;
    g_autoptr(GError) gerr = NULL;
    SraidCod next;
    SraidCodLd *ld;
    SraidGeometry g;
    bool found = false;
    int id;

    if (cod->nlds >= SRAID_COD_MAX_LDS) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "the array has %u logical drives, the most it can have",
                    SRAID_COD_MAX_LDS);
        return -1;
    }
    if (!check_members(cod, req, errp)) {
        return -1;
    }
    /* level, member count and strip size, on a one-stripe geometry */
    if (!sraid_geometry_init(&g, req->level, req->nmembers, strip, strip,
                             errp)) {
        return -1;
    }
    if (req->sectors) {
        uint64_t stripe = (uint64_t)g.data_strips * strip;

        need = (req->sectors + stripe - 1) / stripe * strip;
    }

    /*
     * A logical drive starts at sector 0 or right after another one on one
     * of its members (rounded up to a strip): only there can a free extent
     * begin.
     */
    for (int i = -1; i < (int)cod->nlds; i++) {
        uint64_t start = 0, room;

        if (i >= 0) {
            const SraidCodLd *o = &cod->lds[i];

            start = o->start + o->member_sectors;
            start = (start + strip - 1) / strip * strip;
        }
        room = room_at(cod, req, start) / strip * strip;
        if (!room || (need && room < need)) {
            continue;
        }
        if (!found || (need ? start < best_start : room > best_room)) {
            found = true;
            best_start = start;
            best_room = room;
        }
    }
    if (!found) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    need ? "no free extent of %" G_GUINT64_FORMAT " sectors"
                    " per member on the members asked for"
                    : "the members asked for have no free space left",
                    need);
        return -1;
    }
    if (!sraid_geometry_init(&g, req->level, req->nmembers, strip,
                             need ? need : best_room, &gerr)) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "the free extent cannot hold the logical drive: %s",
                    gerr->message);
        return -1;
    }
    id = lowest_free_id(cod);
    if (id < 0) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "no logical drive id is free");
        return -1;
    }

    next = *cod;
    ld = &next.lds[next.nlds++];
    memset(ld, 0, sizeof(*ld));
    ld->id = id;
    ld->level = req->level;
    ld->state = SRAID_LD_OPTIMAL;
    ld->nmembers = req->nmembers;
    ld->strip_sectors = strip;
    ld->start = best_start;
    ld->member_sectors = g.stripes * strip;
    memcpy(ld->members, req->members, req->nmembers);
    /* NAA 3h, locally assigned, from the array GUID: same on every node */
    ld->naa = 0x3000000000000000ULL |
              ((uint64_t)cod->array_guid[0] << 48 |
               (uint64_t)cod->array_guid[1] << 40 |
               (uint64_t)cod->array_guid[2] << 32 |
               (uint64_t)cod->array_guid[3] << 24 |
               (uint64_t)cod->array_guid[4] << 16 |
               (uint64_t)cod->array_guid[5] << 8) | ld->id;
    g_snprintf(ld->serial, sizeof(ld->serial), "%02X%02X%02X%02X-LD%u",
               cod->array_guid[0], cod->array_guid[1], cod->array_guid[2],
               cod->array_guid[3], ld->id);
    if (req->name) {
        g_strlcpy(ld->name, req->name, sizeof(ld->name));
    } else {
        g_snprintf(ld->name, sizeof(ld->name), "ld%u", ld->id);
    }
    if (!sraid_cod_validate(&next, errp)) {
        return -1;
    }
    *cod = next;
    return cod->nlds - 1;
}

void sraid_cod_remove_ld(SraidCod *cod, unsigned index)
{
    g_assert(index < cod->nlds);
    memmove(&cod->lds[index], &cod->lds[index + 1],
            (cod->nlds - index - 1) * sizeof(cod->lds[0]));
    cod->nlds--;
    memset(&cod->lds[cod->nlds], 0, sizeof(cod->lds[0]));
}
