/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: links to the peer controllers (sraid-peer.c).
 *
 * Kept apart from sraid-glue.h on purpose: libiscsi's scsi-lowlevel.h and
 * QEMU's SCSI headers define the same enumerators (SCSI_XFER_NONE...), so
 * the file that talks to libiscsi sees only this header.
 */
#ifndef HW_SCSI_SRAID_PEER_H
#define HW_SCSI_SRAID_PEER_H

#include "sraid/scsi-result.h"

/* Node ids on a back-end channel: SCSI ids 0-15 (seed 003) */
#define SRAID_BUS_NODES     16

/* The iSCSI name of node @node of a cluster (docs/iscsi-bus.md) */
static inline char *sraid_bus_target_name(const char *iqn_prefix,
                                          const char *cluster, unsigned node)
{
    return g_strdup_printf("%s:sraid.%s.node%u", iqn_prefix, cluster, node);
}

/* TCP port of node @node's portal on @channel */
static inline unsigned sraid_bus_port(unsigned port_base, unsigned channel,
                                      unsigned node)
{
    return port_base + channel * SRAID_BUS_NODES + node;
}

typedef struct SraidPeerConfig {
    unsigned node_id;               /* this controller */
    unsigned channels;
    /* node n's portal on channel c: [c * SRAID_BUS_NODES + n] */
    const char *const *hosts;
    const uint16_t *ports;
    const char *iqn_prefix;
    const char *cluster;
    const char *chap_user;          /* NULL: no CHAP */
    const char *chap_password;
    unsigned scan_interval_ms;
} SraidPeerConfig;

typedef struct SraidPeers SraidPeers;

/*
 * Completion of a command sent to a peer: @err < 0 when no answer came
 * (-ETIMEDOUT, -ECONNREFUSED, -EIO...), else the SCSI result and its
 * data-in (@r->data_len bytes at @data_in).  @r and @data_in are valid
 * only during the call: a receiver that keeps the data-in copies it.
 *
 * When it runs: exactly once per command, from a bottom half of the main
 * loop (or of a nested event loop that runs bottom halves, as a drain
 * does).  Never before sraid_peers_send() or sraid_peers_post() returns,
 * not even for a failure known at once (-ENODEV, -EINVAL, -ENETDOWN,
 * -ENETUNREACH, -ECONNREFUSED when the connection cannot even start);
 * never inside sraid_peers_set_channel() or sraid_peers_set_node(); never
 * inside one of libiscsi's callbacks or calls (an answer is read in
 * iscsi_service(), a command cancelled in iscsi_destroy_context(): both
 * only queue the completion).  So a callback may send, post, cut a cable
 * or a partition again.  The one exception is sraid_peers_free(), which
 * completes everything before it returns; a callback must not call it.
 */
typedef void SraidPeerCb(void *opaque, int err, const SraidScsiResult *r,
                         const uint8_t *data_in);

/* Start the links and the periodic bus scan */
SraidPeers *sraid_peers_new(const SraidPeerConfig *cfg);
/*
 * Drop every link.  Every command not completed yet completes before this
 * returns (after it nothing of @p runs, no bottom half either): those
 * still running with -ESHUTDOWN, those that ended with their outcome, and
 * what their callbacks send or post meanwhile with -ESHUTDOWN.
 */
void sraid_peers_free(SraidPeers *p);
/*
 * Send @cdb with @out_len bytes of data-out or up to @in_len of data-in to
 * node @node on @channel; @cb gets the answer, or an error if none came
 * within @timeout_ms (the link then goes down: no retry).  @p may be NULL
 * (no bus): -ENODEV.  @cb runs later, never before this returns (above).
 */
void sraid_peers_send(SraidPeers *p, unsigned node, unsigned channel,
                      const uint8_t *cdb, size_t cdb_len,
                      const void *data_out, size_t out_len, size_t in_len,
                      unsigned timeout_ms, SraidPeerCb *cb, void *opaque);
/*
 * The outcome of a posted message: its container's, when SraidPeerCb
 * would run (never before sraid_peers_post() returns).
 */
typedef void SraidPeerPostCb(void *opaque, int err, const SraidScsiResult *r);

/*
 * Post a small vendor message (a DCMD sraid_vendor_dcmd_gatherable()
 * allows, with its parameter list and, for Node_Write, the address) for
 * node @node on @channel.  Messages travel in Node_Gather containers (seed
 * 002 message gathering): the first goes at once; those posted while a
 * container is out leave together in the next one, in posting order.
 */
void sraid_peers_post(SraidPeers *p, unsigned node, unsigned channel,
                      uint8_t dcmd, uint32_t address, const void *payload,
                      size_t len, unsigned timeout_ms, SraidPeerPostCb *cb,
                      void *opaque);
/* Node_Gather commands sent to @node on @channel so far */
uint64_t sraid_peers_gather_commands(SraidPeers *p, unsigned node,
                                     unsigned channel);

/*
 * A cut cable (@connected false): every link on @channel goes down, and
 * commands and scans on it fail with -ENETDOWN until it is reconnected.
 */
void sraid_peers_set_channel(SraidPeers *p, unsigned channel,
                             bool connected);

/*
 * A bus partition between this node and @node (@connected false): every
 * link to @node goes down, and commands and scans to it fail with
 * -ENETUNREACH on every channel until it is reconnected.  The drives are
 * not touched (sraid-set-link).
 */
void sraid_peers_set_node(SraidPeers *p, unsigned node, bool connected);

/* Did @node answer the last scan on @channel?  *@booting: Table 20 */
bool sraid_peers_present(SraidPeers *p, unsigned node, unsigned channel,
                         bool *booting);

#endif /* HW_SCSI_SRAID_PEER_H */
