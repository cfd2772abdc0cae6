/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: message gathering (seed 002, "Message gathering":
 * many small messages destined for one node are packed into one larger
 * message, sent as one, and unpacked by the receiver).
 *
 * A container is the parameter list of one Node_Gather command (DCMD 0Fh,
 * an sraid extension): a header with a record count, then records, each a
 * vendor command without its CDB: DCMD, payload length, the address a
 * Node_Write would carry in its CDB, and the payload (the command's
 * parameter list).  Multi-byte fields are big-endian like any SCSI
 * parameter list.  Only DCMDs sraid_vendor_dcmd_gatherable() allows may
 * travel this way.  Byte layout in docs/vendor-commands.md.
 */
#ifndef SRAID_MSG_GATHER_H
#define SRAID_MSG_GATHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vendor-cmd.h"

#define SRAID_GATHER_VERSION        1
#define SRAID_GATHER_HEADER_LEN     8
#define SRAID_GATHER_RECORD_LEN     8       /* record header */
#define SRAID_GATHER_MAX_RECORDS    128
#define SRAID_GATHER_MAX_LEN        SRAID_VENDOR_MAX_XFER

/* Packs messages for one node into a caller's buffer. */
typedef struct SraidGatherBuilder {
    uint8_t *buf;
    size_t cap;                 /* min(buffer size, SRAID_GATHER_MAX_LEN) */
    size_t len;
    unsigned count;
} SraidGatherBuilder;

/* Start a container in @buf (@cap bytes, at least the header). */
bool sraid_gather_init(SraidGatherBuilder *b, uint8_t *buf, size_t cap);

/*
 * Append one message.  Returns false and leaves the container as it was
 * when the record does not fit (the caller sends what it has and starts
 * another container), the record count limit is reached, @dcmd may not be
 * gathered, or @address is set for a DCMD without one.
 */
bool sraid_gather_append(SraidGatherBuilder *b, uint8_t dcmd,
                         uint32_t address, const void *payload, size_t len);

/*
 * Write the header.  Returns the parameter list length for the CDB, 0 for
 * a container without records (send nothing).
 */
size_t sraid_gather_finish(SraidGatherBuilder *b);

/* One unpacked message */
typedef struct SraidGatherRecord {
    unsigned index;             /* 0-based position in the container */
    uint32_t offset;            /* of the record header in the container */
    uint8_t dcmd;
    uint32_t address;
    const uint8_t *payload;     /* points into the container */
    uint16_t len;
} SraidGatherRecord;

/* Byte offsets inside a record header, for field pointers */
#define SRAID_GATHER_REC_DCMD       0
#define SRAID_GATHER_REC_LENGTH     2
#define SRAID_GATHER_REC_ADDRESS    4

/*
 * Check the whole @len byte container: version, count, each record's
 * DCMD, reserved bytes and address, and that the records fill it exactly.
 * On failure @err has the offending offset and @bad_index the record
 * (or -1 for the header).  Payloads are the receiver's to judge.
 */
bool sraid_gather_check(const uint8_t *buf, size_t len, unsigned *count,
                        SraidParamError *err, int *bad_index);

typedef struct SraidGatherIter {
    const uint8_t *buf;
    size_t len;
    size_t off;
    unsigned index;
    unsigned count;
} SraidGatherIter;

/*
 * Walk the records of a container.  sraid_gather_next() bounds-checks on
 * its own and returns false at the end or at anything malformed, but only
 * sraid_gather_check() says why: run it first.
 */
void sraid_gather_iter_init(SraidGatherIter *it, const uint8_t *buf,
                            size_t len);
bool sraid_gather_next(SraidGatherIter *it, SraidGatherRecord *rec);

#endif /* SRAID_MSG_GATHER_H */
