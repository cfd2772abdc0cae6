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

#endif /* SRAID_CDB_H */
