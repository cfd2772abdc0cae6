/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: little-endian fields of the on-disk formats
 * (configuration copies, degraded-write journal; docs/on-disk-format.md).
 * SCSI's big-endian fields are in scsi-proto.h.
 */
#ifndef SRAID_LE_BYTES_H
#define SRAID_LE_BYTES_H

#include <stdint.h>

static inline void sraid_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static inline void sraid_put_le32(uint8_t *p, uint32_t v)
{
    sraid_put_le16(p, v);
    sraid_put_le16(p + 2, v >> 16);
}

static inline void sraid_put_le64(uint8_t *p, uint64_t v)
{
    sraid_put_le32(p, v);
    sraid_put_le32(p + 4, v >> 32);
}

static inline uint16_t sraid_get_le16(const uint8_t *p)
{
    return p[0] | (uint16_t)p[1] << 8;
}

static inline uint32_t sraid_get_le32(const uint8_t *p)
{
    return sraid_get_le16(p) | (uint32_t)sraid_get_le16(p + 2) << 16;
}

static inline uint64_t sraid_get_le64(const uint8_t *p)
{
    return sraid_get_le32(p) | (uint64_t)sraid_get_le32(p + 4) << 32;
}

#endif /* SRAID_LE_BYTES_H */
