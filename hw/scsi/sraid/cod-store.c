/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: configuration on the member disks.
 */
#include <string.h>

#include "cod-store.h"
#include "core-error.h"

#define MIB (1024 * 1024)

uint64_t sraid_cod_area_offset(uint64_t disk_bytes)
{
    if (disk_bytes < 2 * SRAID_COD_AREA_BYTES) {
        return 0;
    }
    return (disk_bytes - SRAID_COD_AREA_BYTES) / MIB * MIB;
}

uint64_t sraid_cod_usable_sectors(uint64_t disk_bytes)
{
    return sraid_cod_area_offset(disk_bytes) / SRAID_COD_SECTOR;
}

static gboolean member_gets_cod(const SraidCodMember *m)
{
    return m->state != SRAID_MEMBER_MISSING &&
           m->state != SRAID_MEMBER_FAILED;
}

gboolean sraid_cod_store(const SraidMemberIo *io, SraidCod *cod,
                         const int *disk_of_member,
                         const uint64_t *disk_bytes, GError **errp)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_COD_COPY_BYTES);
    SraidCod next = *cod;

    next.generation++;
    for (unsigned copy = 0; copy < 2; copy++) {
        for (unsigned i = 0; i < next.nmembers; i++) {
            int disk = disk_of_member[i];
            uint64_t area;
            size_t len;
            int ret;

            if (disk < 0 || !member_gets_cod(&next.members[i])) {
                continue;
            }
            area = sraid_cod_area_offset(disk_bytes[disk]);
            if (!area) {
                g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                            "disk %d is too small for a configuration area",
                            disk);
                return FALSE;
            }
            len = sraid_cod_encode(&next, i, copy, buf, errp);
            if (!len) {
                return FALSE;
            }
            ret = io->pwrite(io->opaque, disk,
                             area + (uint64_t)copy * SRAID_COD_COPY_BYTES,
                             buf, len);
            if (ret < 0) {
                g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                            "writing configuration copy %c to disk %d: %s",
                            'A' + copy, disk, g_strerror(-ret));
                return FALSE;
            }
        }
        /* Copy A must be stable everywhere before any copy B changes. */
        for (unsigned i = 0; i < next.nmembers; i++) {
            int disk = disk_of_member[i];
            int ret;

            if (disk < 0 || !member_gets_cod(&next.members[i])) {
                continue;
            }
            ret = io->flush(io->opaque, disk);
            if (ret < 0) {
                g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                            "flushing disk %d: %s", disk, g_strerror(-ret));
                return FALSE;
            }
        }
    }
    *cod = next;
    return TRUE;
}

void sraid_disk_status_clear(SraidDiskStatus *status, unsigned ndisks)
{
    for (unsigned i = 0; i < ndisks; i++) {
        g_clear_pointer(&status[i].problem, g_free);
    }
}

/* Decode both copies of disk @d; keep its newest valid one in @best. */
static void read_disk(const SraidMemberIo *io, unsigned d, uint64_t bytes,
                      uint8_t *buf, SraidCod *best, SraidCodHeader *best_hdr,
                      SraidDiskStatus *status)
{
    uint64_t area = sraid_cod_area_offset(bytes);
    g_autofree SraidCod *tmp = g_new0(SraidCod, 1);

    memset(status, 0, sizeof(*status));
    status->verdict = SRAID_DISK_BLANK;
    status->empty = TRUE;
    if (!area) {
        status->problem = g_strdup("smaller than 16 MiB: no configuration"
                                   " area");
        return;
    }
    for (unsigned copy = 0; copy < 2; copy++) {
        g_autoptr(GError) err = NULL;
        SraidCodHeader hdr;
        int ret = io->pread(io->opaque, d,
                            area + (uint64_t)copy * SRAID_COD_COPY_BYTES,
                            buf, SRAID_COD_COPY_BYTES);

        if (ret < 0 || sraid_cod_has_magic(buf, SRAID_COD_COPY_BYTES)) {
            status->empty = FALSE;
        }
        if (ret < 0) {
            g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "read error: %s", g_strerror(-ret));
        } else if (sraid_cod_decode(buf, SRAID_COD_COPY_BYTES, tmp, &hdr,
                                    &err)) {
            status->copy_valid[copy] = TRUE;
            if (status->verdict == SRAID_DISK_BLANK ||
                hdr.generation > best_hdr->generation) {
                *best = *tmp;
                *best_hdr = hdr;
                status->verdict = SRAID_DISK_CURRENT;
                status->generation = hdr.generation;
                status->member_index = hdr.member_index;
            }
        }
        if (err && !status->problem) {
            status->problem = g_strdup_printf("copy %c: %s", 'A' + copy,
                                              err->message);
        }
    }
}

/*
 * The array is the one most disks belong to: a foreign disk plugged in
 * must not take over, whatever its generation, and equal numbers of disks
 * of two arrays are refused.  Within the array the newest generation wins.
 * Returns the winning disk, or -1 with @errp set.
 */
static int pick_array(unsigned ndisks, const SraidCod *best,
                      const SraidDiskStatus *status, GError **errp)
{
    int winner = -1;
    unsigned winner_disks = 0;
    gboolean tie = FALSE;

    for (unsigned d = 0; d < ndisks; d++) {
        unsigned disks = 0;

        if (status[d].verdict == SRAID_DISK_BLANK) {
            continue;
        }
        if (winner >= 0 &&
            !memcmp(best[winner].array_guid, best[d].array_guid, 16)) {
            if (best[d].generation > best[winner].generation) {
                winner = d;
            }
            continue;
        }
        for (unsigned e = 0; e < ndisks; e++) {
            disks += status[e].verdict != SRAID_DISK_BLANK &&
                     !memcmp(best[e].array_guid, best[d].array_guid, 16);
        }
        if (disks > winner_disks) {
            winner = d;
            winner_disks = disks;
            tie = FALSE;
        } else if (disks == winner_disks) {
            tie = TRUE;
        }
    }
    if (winner < 0) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "no disk carries a valid sraid configuration");
        return -1;
    }
    if (tie) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "the disks belong to different arrays in equal numbers:"
                    " refusing to guess which one to use");
        return -1;
    }
    return winner;
}

gboolean sraid_cod_load(const SraidMemberIo *io, unsigned ndisks,
                        const uint64_t *disk_bytes, SraidCod *cod,
                        SraidDiskStatus *status, GError **errp)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_COD_COPY_BYTES);
    g_autofree SraidCod *best = g_new0(SraidCod, ndisks);
    g_autofree SraidCodHeader *best_hdr = g_new0(SraidCodHeader, ndisks);
    int winner;

    for (unsigned d = 0; d < ndisks; d++) {
        read_disk(io, d, disk_bytes[d], buf, &best[d], &best_hdr[d],
                  &status[d]);
    }
    winner = pick_array(ndisks, best, status, errp);
    if (winner < 0) {
        return FALSE;
    }
    for (unsigned d = 0; d < ndisks; d++) {
        if (status[d].verdict == SRAID_DISK_BLANK) {
            continue;
        }
        if (memcmp(best[d].array_guid, best[winner].array_guid, 16)) {
            status[d].verdict = SRAID_DISK_FOREIGN;
        } else if (best[d].generation < best[winner].generation) {
            status[d].verdict = SRAID_DISK_STALE;
        } else if (best_hdr[d].payload_crc != best_hdr[winner].payload_crc) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "disks %d and %u both carry generation %"
                        G_GUINT64_FORMAT " of the array with different"
                        " contents: refusing to guess which is right",
                        winner, d, best[d].generation);
            return FALSE;
        }
    }
    *cod = best[winner];
    return TRUE;
}

gboolean sraid_cod_map_disks(const SraidCod *cod,
                             const SraidDiskStatus *status, unsigned ndisks,
                             int *disk_of_member, int *bad_disk,
                             GError **errp)
{
    *bad_disk = -1;
    for (unsigned m = 0; m < SRAID_MAX_MEMBERS; m++) {
        disk_of_member[m] = -1;
    }
    for (unsigned d = 0; d < ndisks; d++) {
        const SraidDiskStatus *st = &status[d];
        unsigned m = st->member_index;

        if (st->verdict == SRAID_DISK_FOREIGN) {
            *bad_disk = d;
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "disk %u carries the configuration of another array"
                        " (generation %" G_GUINT64_FORMAT "): remove it or"
                        " clear its metadata", d, st->generation);
            return FALSE;
        }
        if (st->verdict == SRAID_DISK_BLANK) {
            continue;
        }
        if (m >= cod->nmembers) {
            *bad_disk = d;
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "disk %u claims member %u, but the array has %u"
                        " members", d, m, cod->nmembers);
            return FALSE;
        }
        /*
         * An update that fails a member is never written to that member's
         * disk, so a stale disk whose member the newest configuration
         * still lists as in use only missed a torn update: it keeps its
         * place (and is brought up to date by the next store).
         */
        if (st->verdict == SRAID_DISK_STALE &&
            (cod->members[m].state == SRAID_MEMBER_FAILED ||
             cod->members[m].state == SRAID_MEMBER_MISSING)) {
            continue;
        }
        if (disk_of_member[m] >= 0) {
            *bad_disk = d;
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "disks %d and %u both claim member %u of the array",
                        disk_of_member[m], d, m);
            return FALSE;
        }
        disk_of_member[m] = d;
    }
    return TRUE;
}
