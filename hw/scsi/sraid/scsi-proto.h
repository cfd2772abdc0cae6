/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: SCSI protocol constants (SPC-4, SBC-3, SAM-5).
 *
 * The core is built without QEMU headers, so it cannot use
 * include/scsi/constants.h; these are the values the core needs, named after
 * the standards.
 */
#ifndef SRAID_SCSI_PROTO_H
#define SRAID_SCSI_PROTO_H

#include <stdint.h>

/* Operation codes (SPC-4 table 42, SBC-3 table 13) */
#define SRAID_OP_TEST_UNIT_READY        0x00
#define SRAID_OP_REQUEST_SENSE          0x03
#define SRAID_OP_INQUIRY                0x12
#define SRAID_OP_VENDOR_20              0x20   /* seed 003 Table 2 */
#define SRAID_OP_REPORT_LUNS            0xa0

/* Status codes (SAM-5 table 33) */
#define SRAID_STATUS_GOOD               0x00
#define SRAID_STATUS_CHECK_CONDITION    0x02
#define SRAID_STATUS_BUSY               0x08
#define SRAID_STATUS_RESERVATION_CONFLICT 0x18

/* Sense keys (SPC-4 table 48) */
#define SRAID_SENSE_NO_SENSE            0x0
#define SRAID_SENSE_NOT_READY           0x2
#define SRAID_SENSE_MEDIUM_ERROR        0x3
#define SRAID_SENSE_HARDWARE_ERROR      0x4
#define SRAID_SENSE_ILLEGAL_REQUEST     0x5
#define SRAID_SENSE_UNIT_ATTENTION      0x6
#define SRAID_SENSE_DATA_PROTECT        0x7
#define SRAID_SENSE_ABORTED_COMMAND     0xb

/* Peripheral device types (SPC-4 table 125) */
#define SRAID_TYPE_DISK                 0x00
#define SRAID_TYPE_STORAGE_ARRAY        0x0c

/* Version descriptors (SPC-4 table 144) */
#define SRAID_VERSION_SAM5              0x00a0
#define SRAID_VERSION_SPC4              0x0460
#define SRAID_VERSION_SCC2              0x01e0

/* VPD page codes (SPC-4 7.8) */
#define SRAID_VPD_SUPPORTED_PAGES       0x00
#define SRAID_VPD_UNIT_SERIAL           0x80
#define SRAID_VPD_DEVICE_ID             0x83

/* Fixed-format sense data length we return (SPC-4 4.5.3) */
#define SRAID_SENSE_FIXED_LEN           18

static inline void sraid_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void sraid_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static inline void sraid_put_be64(uint8_t *p, uint64_t v)
{
    sraid_put_be32(p, v >> 32);
    sraid_put_be32(p + 4, v);
}

static inline uint16_t sraid_get_be16(const uint8_t *p)
{
    return (uint16_t)p[0] << 8 | p[1];
}

static inline uint32_t sraid_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t sraid_get_be64(const uint8_t *p)
{
    return (uint64_t)sraid_get_be32(p) << 32 | sraid_get_be32(p + 4);
}

#endif /* SRAID_SCSI_PROTO_H */
