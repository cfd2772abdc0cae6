/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the parameter lists of the cluster-wide persistent
 * reservation commands, DCMDs 20h-24h of the node-to-node vendor command
 * set (docs/vendor-commands.md, "Persistent reservations"; the protocol
 * that sends them is pr-cluster.h).
 *
 * Every list starts with the logical drive and, except PR_Sync, the
 * version it is about; every multi-byte field is big-endian like the
 * other payloads of docs/vendor-commands.md (the PR state inside PR_State
 * is pr.c's serialized form).  The decoders are strict: a list is
 * accepted only when every length adds up and every reserved byte is
 * zero, and a refusal names the offending byte (SraidParamError) for the
 * sense data.
 */
#ifndef SRAID_PR_CLUSTER_MSG_H
#define SRAID_PR_CLUSTER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node-state.h"
#include "pr.h"
#include "scsi-proto.h"
#include "scsi-result.h"
#include "vendor-cmd.h"

/* The DCMDs are SRAID_DCMD_PR_* of vendor-cmd.h (range 20h-2Fh) */

/*
 * The version of a logical drive's replicated state: the master epoch
 * that ordered it and a counter within that epoch.  A new master starts a
 * new epoch, so its versions are newer than everything before it.
 */
typedef struct SraidPrVersion {
    uint64_t epoch;
    uint64_t seq;
} SraidPrVersion;

static inline int sraid_pr_version_cmp(const SraidPrVersion *a,
                                       const SraidPrVersion *b)
{
    if (a->epoch != b->epoch) {
        return a->epoch < b->epoch ? -1 : 1;
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Which PERSISTENT RESERVE OUT a message is about: the node it came in
 * at, that node's boot (a random number drawn at every start, so that a
 * restarted node's requests are new ones) and its counter.
 */
typedef struct SraidPrReqId {
    uint8_t origin;
    uint32_t boot;
    uint32_t seq;
} SraidPrReqId;

/*
 * The last request of one origin node a logical drive's state contains,
 * with how it ended: what lets a new master answer a request it already
 * ordered without executing it twice.
 */
typedef struct SraidPrApplied {
    uint32_t boot;              /* 0: none yet */
    uint32_t seq;
    uint8_t status;             /* GOOD, RESERVATION CONFLICT, CHECK COND. */
    uint8_t sense[SRAID_SENSE_FIXED_LEN];   /* CHECK CONDITION only */
} SraidPrApplied;

/* A PERSISTENT RESERVE OUT as the origin received it */
typedef struct SraidPrCommand {
    SraidPrReqId id;
    SraidPrNexus nexus;
    uint8_t cdb[10];
    uint32_t param_len;
    const uint8_t *param;       /* points into the decoded buffer */
} SraidPrCommand;

/* 20h PR_Request: the command, to be ordered by the master */
typedef struct SraidPrRequestMsg {
    uint8_t ld;
    SraidPrCommand cmd;
} SraidPrRequestMsg;

/*
 * 21h PR_Apply: version @version is the command @cmd applied to version
 * @version - 1; its result @result and the CRC32C of the state it gives
 * (@state_crc, of sraid_pr_encode()) let the receiver check that it
 * computed the same.  @complete: the receiver is the origin and may end
 * the command with @result.
 */
typedef struct SraidPrApplyMsg {
    uint8_t ld;
    bool complete;
    SraidPrVersion version;
    uint32_t state_crc;
    SraidPrApplied result;
    SraidPrCommand cmd;
} SraidPrApplyMsg;

/*
 * 22h PR_State: the whole replicated state of a logical drive; also the
 * data-in of 25h PR_Collect, where @ready says whether the replica came
 * from the master line (a node that just started has none)
 */
typedef struct SraidPrStateMsg {
    uint8_t ld;
    bool ready;
    SraidPrVersion version;
    SraidPrApplied applied[SRAID_NODE_MAX];
    uint32_t state_len;
    const uint8_t *state;       /* sraid_pr_encode() bytes */
} SraidPrStateMsg;

/* 23h PR_Poll: have the aborts of version @version ended here? */
typedef struct SraidPrPollMsg {
    uint8_t ld;
    SraidPrVersion version;
} SraidPrPollMsg;

/* 24h PR_Sync: send this node every logical drive's state */
typedef struct SraidPrSyncMsg {
    uint32_t boot;              /* the sender's boot */
} SraidPrSyncMsg;

/* Sizes (docs/vendor-commands.md has the byte layouts) */
#define SRAID_PR_CMD_HEADER_LEN     36
#define SRAID_PR_REQUEST_HEADER_LEN (4 + SRAID_PR_CMD_HEADER_LEN)
#define SRAID_PR_APPLIED_LEN        28
#define SRAID_PR_APPLY_HEADER_LEN \
    (24 + 4 + SRAID_PR_APPLIED_LEN + SRAID_PR_CMD_HEADER_LEN)
#define SRAID_PR_STATE_HEADER_LEN \
    (24 + SRAID_NODE_MAX * SRAID_PR_APPLIED_LEN + 4)
#define SRAID_PR_POLL_LEN           24
#define SRAID_PR_SYNC_LEN           8

/*
 * The encoders return the length, 0 when the message does not fit in
 * @size bytes or in a vendor command's data phase (SRAID_VENDOR_MAX_XFER).
 */
size_t sraid_pr_request_encode(const SraidPrRequestMsg *m, uint8_t *buf,
                               size_t size);
size_t sraid_pr_apply_encode(const SraidPrApplyMsg *m, uint8_t *buf,
                             size_t size);
size_t sraid_pr_state_encode(const SraidPrStateMsg *m, uint8_t *buf,
                             size_t size);
size_t sraid_pr_poll_encode(const SraidPrPollMsg *m, uint8_t *buf,
                            size_t size);
size_t sraid_pr_sync_encode(const SraidPrSyncMsg *m, uint8_t *buf,
                            size_t size);

/*
 * The decoders: true and @m filled (pointers into @buf), or false with
 * @err naming the byte at fault.  The TransportID must be one
 * sraid_pr_tid_iscsi() or sraid_pr_tid_guest() produces; the state of
 * PR_State is only framed here (sraid_pr_decode() checks it).
 */
bool sraid_pr_request_decode(const uint8_t *buf, size_t len,
                             SraidPrRequestMsg *m, SraidParamError *err);
bool sraid_pr_apply_decode(const uint8_t *buf, size_t len,
                           SraidPrApplyMsg *m, SraidParamError *err);
bool sraid_pr_state_decode(const uint8_t *buf, size_t len,
                           SraidPrStateMsg *m, SraidParamError *err);
bool sraid_pr_poll_decode(const uint8_t *buf, size_t len,
                          SraidPrPollMsg *m, SraidParamError *err);
bool sraid_pr_sync_decode(const uint8_t *buf, size_t len,
                          SraidPrSyncMsg *m, SraidParamError *err);

/* The result a command ended with, as stored and sent */
void sraid_pr_applied_set(SraidPrApplied *a, const SraidPrReqId *id,
                          const SraidScsiResult *res);
void sraid_pr_applied_result(const SraidPrApplied *a, SraidScsiResult *res);

#endif /* SRAID_PR_CLUSTER_MSG_H */
