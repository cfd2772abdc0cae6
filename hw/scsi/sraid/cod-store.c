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

gboolean sraid_cod_load(const SraidMemberIo *io, unsigned ndisks,
                        const uint64_t *disk_bytes, SraidCod *cod,
                        SraidDiskStatus *status, GError **errp)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_COD_COPY_BYTES);
    g_autofree SraidCod *best = g_new0(SraidCod, ndisks);
    g_autofree SraidCodHeader *best_hdr = g_new0(SraidCodHeader, ndisks);
    SraidCod *tmp = g_new0(SraidCod, 1);
    int winner = -1;

    for (unsigned d = 0; d < ndisks; d++) {
        uint64_t area = sraid_cod_area_offset(disk_bytes[d]);

        memset(&status[d], 0, sizeof(status[d]));
        status[d].verdict = SRAID_DISK_BLANK;
        if (!area) {
            status[d].problem = g_strdup("smaller than 16 MiB: no"
                                         " configuration area");
            continue;
        }
        for (unsigned copy = 0; copy < 2; copy++) {
            g_autoptr(GError) err = NULL;
            SraidCodHeader hdr;
            int ret = io->pread(io->opaque, d,
                                area + (uint64_t)copy * SRAID_COD_COPY_BYTES,
                                buf, SRAID_COD_COPY_BYTES);

            if (ret < 0) {
                g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                            "read error: %s", g_strerror(-ret));
            } else if (sraid_cod_decode(buf, SRAID_COD_COPY_BYTES, tmp,
                                        &hdr, &err)) {
                status[d].copy_valid[copy] = TRUE;
                if (status[d].verdict == SRAID_DISK_BLANK ||
                    hdr.generation > best_hdr[d].generation) {
                    best[d] = *tmp;
                    best_hdr[d] = hdr;
                    status[d].verdict = SRAID_DISK_CURRENT;
                    status[d].generation = hdr.generation;
                    status[d].member_index = hdr.member_index;
                }
            }
            if (err && !status[d].problem) {
                status[d].problem = g_strdup_printf("copy %c: %s",
                                                    'A' + copy, err->message);
            }
        }
    }
    g_free(tmp);

    /*
     * The array is the one most disks belong to (a foreign disk plugged in
     * must not take over, whatever its generation); a tie is refused.
     * Within it, the newest generation wins.
     */
    {
        unsigned best_count = 0;
        gboolean tie = FALSE;

        for (unsigned d = 0; d < ndisks; d++) {
            unsigned count = 0;

            if (status[d].verdict == SRAID_DISK_BLANK) {
                continue;
            }
            for (unsigned e = 0; e < ndisks; e++) {
                count += status[e].verdict != SRAID_DISK_BLANK &&
                         !memcmp(best[e].array_guid, best[d].array_guid, 16);
            }
            if (winner >= 0 &&
                !memcmp(best[winner].array_guid, best[d].array_guid, 16)) {
                if (best[d].generation > best[winner].generation) {
                    winner = d;
                }
            } else if (count > best_count) {
                winner = d;
                best_count = count;
                tie = FALSE;
            } else if (count == best_count) {
                tie = TRUE;
            }
        }
        if (winner < 0) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "no disk carries a valid sraid configuration");
            return FALSE;
        }
        if (tie) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "the disks belong to different arrays in equal"
                        " numbers: refusing to guess which one to use");
            return FALSE;
        }
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
