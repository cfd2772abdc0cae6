/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: configuration on disk (COD).
 *
 * Every member carries the whole array configuration in a metadata area at
 * its end, in two copies, each protected by CRC32C and stamped with a
 * generation number; the newest valid generation wins.  The byte layout is
 * in docs/on-disk-format.md.
 */
#ifndef SRAID_COD_H
#define SRAID_COD_H

#include <glib.h>
#include <stdint.h>

#include "raid-geometry.h"

#define SRAID_COD_MAGIC             "SRAIDCOD"
#define SRAID_COD_VERSION           1
#define SRAID_COD_HEADER_LEN        64
#define SRAID_COD_SECTOR            512
/* Metadata area: the last 8 MiB of a member, 1 MiB aligned. */
#define SRAID_COD_AREA_BYTES        (8 * 1024 * 1024)
#define SRAID_COD_COPY_BYTES        (1024 * 1024)
#define SRAID_COD_MAX_PAYLOAD       (SRAID_COD_COPY_BYTES - SRAID_COD_SECTOR)
#define SRAID_COD_MAX_LDS           16
#define SRAID_COD_NAME_LEN          32
#define SRAID_COD_SERIAL_LEN        32

typedef enum SraidMemberState {
    SRAID_MEMBER_ONLINE = 0,
    SRAID_MEMBER_FAILED = 1,
    SRAID_MEMBER_REBUILDING = 2,
    SRAID_MEMBER_SPARE = 3,
    SRAID_MEMBER_MISSING = 4,
} SraidMemberState;

typedef enum SraidLdState {
    SRAID_LD_OPTIMAL = 0,
    SRAID_LD_DEGRADED = 1,
    SRAID_LD_OFFLINE = 2,
} SraidLdState;

typedef struct SraidCodMember {
    uint8_t guid[16];
    uint64_t sectors;               /* usable sectors before the COD area */
    uint8_t state;                  /* SraidMemberState */
    uint8_t channel;
    uint8_t target;
    uint64_t rebuild_checkpoint;    /* member sectors rebuilt so far */
} SraidCodMember;

typedef struct SraidCodLd {
    uint8_t id;
    uint8_t level;                  /* SraidRaidLevel */
    uint8_t state;                  /* SraidLdState */
    uint8_t nmembers;
    uint32_t strip_sectors;
    uint64_t start;                 /* first member sector of the LD */
    uint64_t member_sectors;        /* sectors used on each member */
    uint64_t naa;
    char serial[SRAID_COD_SERIAL_LEN + 1];
    char name[SRAID_COD_NAME_LEN + 1];
    uint8_t members[SRAID_MAX_MEMBERS];     /* member indexes, RAID order */
} SraidCodLd;

typedef struct SraidCod {
    uint8_t array_guid[16];
    uint64_t generation;
    char name[SRAID_COD_NAME_LEN + 1];
    unsigned nmembers;
    SraidCodMember members[SRAID_MAX_MEMBERS];
    unsigned nlds;
    SraidCodLd lds[SRAID_COD_MAX_LDS];
} SraidCod;

/* What a copy's header says about itself. */
typedef struct SraidCodHeader {
    uint64_t generation;
    uint8_t array_guid[16];
    uint32_t member_index;          /* the member this copy was written to */
    uint8_t copy;                   /* 0 = A, 1 = B */
    uint32_t payload_len;
    uint32_t payload_crc;
} SraidCodHeader;

/*
 * Where member @member sits in logical drive @l: bit k set when it is the
 * LD's k-th member in RAID order (the SraidLd failed/rebuilding bits); 0
 * when the LD does not use it.
 */
uint32_t sraid_cod_ld_positions(const SraidCodLd *l, unsigned member);

/* CRC32C (Castagnoli, as iSCSI: RFC 7143 12.1) */
/* Does the copy in @buf (@len bytes) start with the sraid magic? */
gboolean sraid_cod_has_magic(const uint8_t *buf, size_t len);

uint32_t sraid_crc32c(const void *buf, size_t len);
/* CRC32C of earlier bytes (@crc, as returned above) followed by @buf */
uint32_t sraid_crc32c_extend(uint32_t crc, const void *buf, size_t len);

/*
 * Check that @cod is a configuration we can write: counts, states, LD
 * geometry, LD extents inside their members, no overlap between LDs.
 */
gboolean sraid_cod_validate(const SraidCod *cod, GError **errp);

/*
 * Encode @cod as copy @copy for member @member_index into @buf, which must
 * hold SRAID_COD_COPY_BYTES.  Returns the bytes to write (header sector +
 * payload, a whole number of sectors).
 */
size_t sraid_cod_encode(const SraidCod *cod, uint32_t member_index,
                        unsigned copy, uint8_t *buf, GError **errp);

/*
 * Decode one copy of @len bytes.  Refuses anything malformed with a message
 * saying what is wrong; never reads outside @buf.
 */
gboolean sraid_cod_decode(const uint8_t *buf, size_t len, SraidCod *cod,
                          SraidCodHeader *hdr, GError **errp);

#endif /* SRAID_COD_H */
