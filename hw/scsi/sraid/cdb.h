/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: command descriptor block decoding (SPC-4 4.2).
 *
 * Everything that reaches a logical unit of ours, from a guest HBA or from
 * the network, goes through sraid_cdb_decode() first, so a malformed CDB is
 * answered with the right sense data before any command handler sees it.
 */
#ifndef SRAID_CDB_H
#define SRAID_CDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sense.h"

#define SRAID_CDB_MAX_LEN 16

typedef struct SraidCdb {
    const uint8_t *buf;
    uint8_t opcode;
    uint8_t len;            /* length implied by the group code */
    uint8_t control;        /* last byte of the CDB */
} SraidCdb;

/*
 * Length of a CDB from its operation code's group code (SPC-4 4.2.5.1), or 0
 * for groups we do not accept: 3 (reserved / variable length) and 6-7
 * (vendor specific).
 */
unsigned sraid_cdb_length(uint8_t opcode);

/*
 * Check the framing of the @buf_len byte CDB at @buf and fill @cdb.
 * Returns false and sets @sense when the command must end in CHECK
 * CONDITION before any handler sees it.
 */
bool sraid_cdb_decode(const uint8_t *buf, size_t buf_len, SraidCdb *cdb,
                      SraidSense *sense);

/*
 * A write whose CDB asks for more data-out than the initiator's Expected
 * Data Transfer Length holds (iSCSI residual overflow, RFC 7143 11.4.5.2)
 * is processed, as FCP-4 9.4.2 a) puts it, "normally except that data
 * beyond the [expected length] shall not be requested or transferred":
 * for WRITE (6/10/12/16) and WRITE AND VERIFY (10/12/16) this rewrites
 * TRANSFER LENGTH in @cdb to the @bytes the initiator sent, in blocks of
 * @block_size.  False (and @cdb untouched) for any other command, for
 * @bytes that are not whole blocks or not fewer than the CDB asks for,
 * and for zero blocks in a WRITE (6) (there, 0 means 256): the caller
 * answers those with INVALID FIELD IN COMMAND INFORMATION UNIT, FCP-4's
 * b), transferring nothing.
 */
bool sraid_cdb_truncate_write(uint8_t *cdb, uint64_t bytes,
                              uint32_t block_size);

/*
 * How many of the @len data-in bytes a command returned are its parameter
 * data, by the length fields in that data: INQUIRY (standard and VPD),
 * MODE SENSE (6/10), REQUEST SENSE, GET LBA STATUS and REPORT SUPPORTED
 * OPERATION CODES.
 * Emulations for parallel-SCSI-style HBAs return the whole allocation
 * length, zero padded (some guest drivers fail a command with a residual);
 * an iSCSI initiator is owed the residual (SPC-4 4.2.5.6: the device
 * server transfers the lesser of the allocation length and the data).
 * @len for every other command, and never more than @len.
 */
size_t sraid_cdb_data_in_len(const uint8_t *cdb, const uint8_t *data,
                             size_t len);

#endif /* SRAID_CDB_H */
