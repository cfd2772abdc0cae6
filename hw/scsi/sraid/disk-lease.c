/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the disk lease slot codec (disk-lease.h).  Layout
 * in docs/on-disk-format.md, "Disk lease area": little-endian like COD.
 */
#include <glib.h>
#include <string.h>

#include "cod.h"
#include "disk-lease.h"
#include "le-bytes.h"

#define OFF_MAGIC       0       /* 8 bytes "SRLEASE1" */
#define OFF_NODE        8
#define OFF_STATE       9
#define OFF_FLAGS       10
#define OFF_MASTER      11
#define OFF_EPOCH       16
#define OFF_COUNTER     24
#define OFF_CONFIG_GEN  32
#define OFF_BOOT_ID     40
#define OFF_CRC         (SRAID_LEASE_SLOT_LEN - 4)

G_STATIC_ASSERT(sizeof(SRAID_LEASE_MAGIC) - 1 == 8);

void sraid_lease_slot_encode(const SraidLeaseSlot *s, uint8_t *buf)
{
    memset(buf, 0, SRAID_LEASE_SLOT_LEN);
    memcpy(buf + OFF_MAGIC, SRAID_LEASE_MAGIC, 8);
    buf[OFF_NODE] = s->node;
    buf[OFF_STATE] = s->state;
    buf[OFF_FLAGS] = s->flags;
    buf[OFF_MASTER] = s->master;
    sraid_put_le64(buf + OFF_EPOCH, s->epoch);
    sraid_put_le64(buf + OFF_COUNTER, s->counter);
    sraid_put_le64(buf + OFF_CONFIG_GEN, s->config_generation);
    sraid_put_le64(buf + OFF_BOOT_ID, s->boot_id);
    sraid_put_le32(buf + OFF_CRC, sraid_crc32c(buf, OFF_CRC));
}

void sraid_lease_slot_decode(const uint8_t *buf, uint8_t node,
                             SraidLeaseSlot *s)
{
    memset(s, 0, sizeof(*s));
    if (memcmp(buf + OFF_MAGIC, SRAID_LEASE_MAGIC, 8) != 0 ||
        sraid_get_le32(buf + OFF_CRC) != sraid_crc32c(buf, OFF_CRC) ||
        buf[OFF_NODE] != node) {
        return;
    }
    s->valid = true;
    s->node = buf[OFF_NODE];
    s->state = buf[OFF_STATE];
    s->flags = buf[OFF_FLAGS];
    s->master = buf[OFF_MASTER];
    s->epoch = sraid_get_le64(buf + OFF_EPOCH);
    s->counter = sraid_get_le64(buf + OFF_COUNTER);
    s->config_generation = sraid_get_le64(buf + OFF_CONFIG_GEN);
    s->boot_id = sraid_get_le64(buf + OFF_BOOT_ID);
}
