/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: a 20h vendor command and its data-out, from a peer or
 * the host, through the receiving side (vendor-exec.c) of a node whose
 * state, ops and their answers the input also chooses.
 *
 * Input: byte 0 flags (bit 0 from a peer, bit 1 ops present, bit 2 the
 * node is master, bit 3 suspended, bits 4-6 the ops' outcome), byte 1 the
 * sender's node id, byte 2 channel (bits 1-0) and LUN (bits 3-2), bytes 3-4
 * the data-in buffer size, bytes 5-14 the CDB, the rest data-out.
 *
 * Checks: a well-formed result, nothing written past the data-in buffer
 * or the CDB's transfer length, data-in only for data-in commands.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vendor-exec.h"

#define MAX_IN      4096

static SraidVendorOutcome outcome;

static void cb_kill(void *opaque, const SraidVendorNexus *nx)
{
}

static SraidVendorOutcome cb_negotiate(void *opaque,
                                       const SraidVendorNexus *nx,
                                       const SraidMailbox *mb)
{
    /* what the core decoded must encode again */
    uint8_t buf[SRAID_MAILBOX_MAX_LEN];

    if (!sraid_mailbox_encode(mb, buf, sizeof(buf))) {
        abort();
    }
    return outcome;
}

static SraidVendorOutcome cb_rebuild(void *opaque, const SraidVendorNexus *nx,
                                     const SraidRebuildRequest *rq)
{
    if (rq->channel >= SRAID_CHANNEL_MAX || rq->target >= SRAID_TARGET_MAX) {
        abort();
    }
    return outcome;
}

static const SraidVendorOps ops = {
    .kill = cb_kill,
    .negotiate = cb_negotiate,
    .master_rebuild = cb_rebuild,
    .rebuild = cb_rebuild,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SraidVendorNode node;
    static uint8_t in[MAX_IN + 1];
    SraidVendorNexus nx;
    SraidScsiResult res;
    SraidVendorDir dir;
    uint32_t xfer;
    size_t in_len;
    const uint8_t *cdb;

    if (size < 15) {
        return 0;
    }
    sraid_vendor_node_init(&node, 7);
    sraid_vendor_node_set_ops(&node, data[0] & 0x02 ? &ops : NULL, NULL);
    sraid_vendor_node_set_state(&node, data[0] & 0x04 ?
                                SRAID_NODE_MASTER : SRAID_NODE_NEXUS_SLAVE,
                                SRAID_NODE_INFO_COMPLETED_STARTUP);
    if (data[0] & 0x08) {
        sraid_vendor_node_suspend(&node);
    }
    outcome = (data[0] >> 4) % (SRAID_VENDOR_UNKNOWN_LD + 1);
    nx.source = data[0] & 0x01 ? SRAID_VENDOR_FROM_PEER
                               : SRAID_VENDOR_FROM_HOST;
    nx.node = data[1] % (SRAID_NODE_MAX + 1);
    nx.channel = data[2] & 0x03;
    nx.lun = (data[2] >> 2) & 0x03;
    in_len = ((size_t)data[3] << 8 | data[4]) % (MAX_IN + 1);
    cdb = data + 5;

    memset(in, 0xa5, sizeof(in));
    sraid_vendor_cmd_execute(&node, &nx, cdb, 10, data + 15, size - 15, in,
                             in_len, &res);
    if (res.data_len > in_len || in[in_len] != 0xa5) {
        abort();
    }
    switch (res.status) {
    case SRAID_STATUS_GOOD:
        if (res.sense_len ||
            !sraid_vendor_cdb_transfer(cdb, 10, &dir, &xfer) ||
            res.data_len > xfer ||
            (res.data_len && dir != SRAID_VENDOR_DIR_IN)) {
            abort();
        }
        break;
    case SRAID_STATUS_CHECK_CONDITION:
        if (res.data_len || res.sense_len != SRAID_SENSE_FIXED_LEN ||
            (res.sense[0] & 0x7f) != 0x70) {
            abort();
        }
        break;
    case SRAID_STATUS_BUSY:
    case SRAID_STATUS_RESERVATION_CONFLICT:
        if (res.data_len || res.sense_len) {
            abort();
        }
        break;
    default:
        abort();
    }
    return 0;
}
