/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: command descriptor block decoding (SPC-4 4.2).
 */
#include "cdb.h"
#include "scsi-proto.h"

/* CONTROL byte (SAM-5 5.2 table 28) */
#define CONTROL_NACA    0x04
#define CONTROL_LINK    0x01

unsigned sraid_cdb_length(uint8_t opcode)
{
    switch (opcode >> 5) {
    case 0:
        return 6;
    case 1:
    case 2:
        return 10;
    case 4:
        return 16;
    case 5:
        return 12;
    default:
        return 0;
    }
}

bool sraid_cdb_decode(const uint8_t *buf, size_t buf_len, SraidCdb *cdb,
                      SraidSense *sense)
{
    unsigned len;

    if (buf_len == 0) {
        *sense = sraid_sense_invalid_opcode;
        return false;
    }
    len = sraid_cdb_length(buf[0]);
    if (len == 0) {
        *sense = sraid_sense_invalid_opcode;
        return false;
    }
    if (buf_len < len) {
        /* The transport delivered fewer bytes than the opcode implies. */
        *sense = sraid_sense_invalid_field;
        return false;
    }
    cdb->buf = buf;
    cdb->opcode = buf[0];
    cdb->len = len;
    cdb->control = buf[len - 1];
    /*
     * We implement neither NormACA (SAM-5 5.9.2) nor linked commands, which
     * SAM-5 made obsolete: SPC-4 4.2.5.3 wants INVALID FIELD IN CDB for them.
     */
    if (cdb->control & (CONTROL_NACA | CONTROL_LINK)) {
        *sense = sraid_sense_at(&sraid_sense_invalid_field, true, len - 1,
                                cdb->control & CONTROL_NACA ? 2 : 0);
        return false;
    }
    return true;
}

bool sraid_cdb_truncate_write(uint8_t *cdb, uint64_t bytes,
                              uint32_t block_size)
{
    uint64_t blocks, old;
    unsigned off, width;

    switch (cdb[0]) {
    case 0x0a:                          /* WRITE (6) */
        off = 4;
        width = 1;
        break;
    case 0x2a:                          /* WRITE (10) */
    case 0x2e:                          /* WRITE AND VERIFY (10) */
        off = 7;
        width = 2;
        break;
    case 0xaa:                          /* WRITE (12) */
    case 0xae:                          /* WRITE AND VERIFY (12) */
        off = 6;
        width = 4;
        break;
    case 0x8a:                          /* WRITE (16) */
    case 0x8e:                          /* WRITE AND VERIFY (16) */
        off = 10;
        width = 4;
        break;
    default:
        return false;
    }
    if (block_size == 0 || bytes % block_size) {
        return false;
    }
    blocks = bytes / block_size;
    old = 0;
    for (unsigned i = 0; i < width; i++) {
        old = old << 8 | cdb[off + i];
    }
    if (width == 1 && old == 0) {
        old = 256;
    }
    if (blocks >= old || (width == 1 && blocks == 0)) {
        return false;
    }
    for (unsigned i = width; i-- > 0; blocks >>= 8) {
        cdb[off + i] = blocks;
    }
    return true;
}
