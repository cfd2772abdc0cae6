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

size_t sraid_cdb_data_in_len(const uint8_t *cdb, const uint8_t *data,
                             size_t len)
{
    uint64_t n;

    switch (cdb[0]) {
    case 0x12:                          /* INQUIRY */
        if (cdb[1] & 1) {
            if (len < 4) {
                return len;
            }
            n = 4 + (uint64_t)sraid_get_be16(data + 2);
        } else {
            if (len < 5) {
                return len;
            }
            n = 5 + (uint64_t)data[4];
        }
        break;
    case 0x1a:                          /* MODE SENSE (6) */
        if (len < 1) {
            return len;
        }
        n = 1 + (uint64_t)data[0];
        break;
    case 0x5a:                          /* MODE SENSE (10) */
        if (len < 2) {
            return len;
        }
        n = 2 + (uint64_t)sraid_get_be16(data);
        break;
    case 0x03:                          /* REQUEST SENSE */
        if (len < 8 || (data[0] & 0x7e) != 0x70) {
            return len;                 /* fixed and descriptor formats */
        }
        n = 8 + (uint64_t)data[7];
        break;
    case 0x5e:                          /* PERSISTENT RESERVE IN */
        if ((cdb[1] & 0x1f) == 0x02) {  /* REPORT CAPABILITIES: LENGTH */
            if (len < 2) {
                return len;
            }
            n = sraid_get_be16(data);
        } else {                        /* ADDITIONAL LENGTH, bytes 4-7 */
            if (len < 8) {
                return len;
            }
            n = 8 + (uint64_t)sraid_get_be32(data + 4);
        }
        break;
    case 0x9e:                          /* SERVICE ACTION IN (16) */
        if ((cdb[1] & 0x1f) != 0x12 || len < 4) {
            return len;                 /* GET LBA STATUS only */
        }
        n = 4 + (uint64_t)sraid_get_be32(data);
        break;
    case 0xa3:                          /* MAINTENANCE IN */
        if ((cdb[1] & 0x1f) != 0x0c) {
            return len;
        }
        if ((cdb[2] & 0x07) == 0) {     /* all commands */
            if (len < 4) {
                return len;
            }
            n = 4 + (uint64_t)sraid_get_be32(data);
        } else {                        /* one command */
            if (len < 4) {
                return len;
            }
            n = 4 + (uint64_t)sraid_get_be16(data + 2) +
                (data[1] & 0x80 ? 12 : 0);
        }
        break;
    default:
        return len;
    }
    return n < len ? n : len;
}
