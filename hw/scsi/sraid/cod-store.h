/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: reading and writing the configuration on the member
 * disks, through an I/O ops table (QEMU block backends in the device, files
 * in sraid-img, memory with injected crashes in the tests).
 */
#ifndef SRAID_COD_STORE_H
#define SRAID_COD_STORE_H

#include "cod.h"

typedef struct SraidMemberIo {
    /* Transfer @len bytes at byte @offset of disk @disk: 0 or -errno. */
    int (*pread)(void *opaque, unsigned disk, uint64_t offset, void *buf,
                 size_t len);
    int (*pwrite)(void *opaque, unsigned disk, uint64_t offset,
                  const void *buf, size_t len);
    int (*flush)(void *opaque, unsigned disk);
    void *opaque;
} SraidMemberIo;

/* Where the metadata area starts on a disk of @disk_bytes; 0 if too small. */
uint64_t sraid_cod_area_offset(uint64_t disk_bytes);

/* Sectors before the metadata area: what RAID data may use. */
uint64_t sraid_cod_usable_sectors(uint64_t disk_bytes);

/*
 * Write @cod with its generation increased by one to every disk that holds
 * a member which is not MISSING or FAILED (@disk_of_member maps member
 * index to disk; -1 for none).  Copy A on every disk, flush, then copy B,
 * flush: a crash at any point leaves each disk with one intact copy of the
 * old or the new generation, and the newest valid one wins at load.
 */
gboolean sraid_cod_store(const SraidMemberIo *io, SraidCod *cod,
                         const int *disk_of_member,
                         const uint64_t *disk_bytes, GError **errp);

typedef enum SraidDiskVerdict {
    SRAID_DISK_BLANK,       /* no valid configuration copy */
    SRAID_DISK_CURRENT,     /* carries the winning generation */
    SRAID_DISK_STALE,       /* same array, older generation */
    SRAID_DISK_FOREIGN,     /* another array's configuration */
} SraidDiskVerdict;

typedef struct SraidDiskStatus {
    SraidDiskVerdict verdict;
    uint64_t generation;            /* of its best copy */
    uint32_t member_index;          /* from its best copy */
    gboolean copy_valid[2];
    /*
     * Neither copy was ever written: no magic, no read error.  Only such a
     * disk is blank to the controller; a damaged configuration is not.
     */
    gboolean empty;
    char *problem;                  /* why a copy was refused, or NULL */
} SraidDiskStatus;

/*
 * Read both copies on each of @ndisks disks, pick the newest valid
 * generation and fill @cod with it; @status (ndisks entries, free with
 * sraid_disk_status_clear) says what each disk carries.  Fails when no disk
 * has a configuration, or two disks carry different contents under one
 * generation of one array (refused rather than guessed).
 */
gboolean sraid_cod_load(const SraidMemberIo *io, unsigned ndisks,
                        const uint64_t *disk_bytes, SraidCod *cod,
                        SraidDiskStatus *status, GError **errp);

void sraid_disk_status_clear(SraidDiskStatus *status, unsigned ndisks);

/*
 * After sraid_cod_load: which disk holds each member of @cod
 * (@disk_of_member[SRAID_MAX_MEMBERS], -1 for none).  Current disks hold
 * their member; a stale disk holds it only while the newest configuration
 * lists that member in use (it missed a torn update, not a failure).  A
 * foreign disk, or two disks claiming one member, fail with *@bad_disk set
 * to the disk to name.
 */
gboolean sraid_cod_map_disks(const SraidCod *cod,
                             const SraidDiskStatus *status, unsigned ndisks,
                             int *disk_of_member, int *bad_disk,
                             GError **errp);

#endif /* SRAID_COD_STORE_H */
