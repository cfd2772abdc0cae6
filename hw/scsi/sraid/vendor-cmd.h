/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the node-to-node vendor commands (seed 003 Tables
 * 2-16), their CDBs and their small payloads.
 *
 * Every command is a 10-byte CDB with operation code 20h: the LUN in bits
 * 7-5 of byte 1, the DCMD sub-opcode in byte 2, the CONTROL byte in byte 9.
 * Node_Read and Node_Write carry a 32-bit address in bytes 3-6 and a 16-bit
 * count in bytes 7-8, both least significant byte first as Tables 4 and 5
 * draw them.  The seed leaves bytes 3-8 of the other commands reserved but
 * gives several of them data to carry (a mailbox, a reservation, a
 * rebuild); an sraid extension puts every command's transfer length in
 * bytes 7-8, in the same place and byte order as Node_Read's count, so a
 * transport can size the data phase from the CDB alone
 * (sraid_vendor_cdb_transfer()).  docs/vendor-commands.md has the tables.
 */
#ifndef SRAID_VENDOR_CMD_H
#define SRAID_VENDOR_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node-state.h"
#include "sense.h"

#define SRAID_VENDOR_CDB_LEN        10
/* Bytes 7-8 are 16 bits wide: the longest data phase of any DCMD */
#define SRAID_VENDOR_MAX_XFER       0xffff

/*
 * DCMD sub-opcodes (byte 2).  01h-0Eh are the seed's commands in the order
 * of Tables 3-16; the seed gives no numbers, so these are ours.  00h is
 * never valid: an all-zero CDB must not mean anything.
 */
typedef enum SraidDcmd {
    SRAID_DCMD_NODE_CABLE_CHECK = 0x01,             /* Table 3 */
    SRAID_DCMD_NODE_READ = 0x02,                    /* Table 4 */
    SRAID_DCMD_NODE_WRITE = 0x03,                   /* Table 5 */
    SRAID_DCMD_NODE_NEGOTIATE = 0x04,               /* Table 6 */
    SRAID_DCMD_NODE_KILL = 0x05,                    /* Table 7 */
    SRAID_DCMD_NODE_RESERVE = 0x06,                 /* Table 8 */
    SRAID_DCMD_NODE_RELEASE = 0x07,                 /* Table 9 */
    SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED = 0x08, /* Table 10 */
    SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED = 0x09, /* Table 11 */
    SRAID_DCMD_NODE_REBUILD = 0x0a,                 /* Table 12 */
    SRAID_DCMD_NODE_INFORM_REBUILD_STARTED = 0x0b,  /* Table 13 */
    SRAID_DCMD_NODE_INFORM_STATUS = 0x0c,           /* Table 14 */
    SRAID_DCMD_NODE_INFORM_REBUILD_COMPLETED = 0x0d, /* Table 15 */
    SRAID_DCMD_NODE_INFORM_REBUILT_ALL = 0x0e,      /* Table 16 */
    /* sraid extension: seed 002 message gathering (msg-gather.h) */
    SRAID_DCMD_NODE_GATHER = 0x0f,
    /* sraid extensions, membership (membership.h, docs/membership.md) */
    SRAID_DCMD_NODE_BUS_RESET = 0x10,       /* a node (re)joined: rescan */
    SRAID_DCMD_NODE_CONFIG_CHANGED = 0x11,  /* slave -> master: mailbox */
    /* sraid extensions, persistent reservations (pr-cluster.h) */
    SRAID_DCMD_PR_REQUEST = 0x20,           /* origin -> master */
    SRAID_DCMD_PR_APPLY = 0x21,             /* master -> every node */
    SRAID_DCMD_PR_STATE = 0x22,             /* master -> node: whole state */
    SRAID_DCMD_PR_POLL = 0x23,              /* master -> node: aborts done? */
    SRAID_DCMD_PR_SYNC = 0x24,              /* node -> master: send state */
    SRAID_DCMD_PR_COLLECT = 0x25,           /* new master <- node: its state */
    /* guest management, from the host only (mgmt-cmd.h): reads */
    SRAID_DCMD_MGMT_CTRL_INFO = 0x80,       /* controller and cluster */
    SRAID_DCMD_MGMT_PD_LIST = 0x81,         /* physical drives */
    SRAID_DCMD_MGMT_LD_LIST = 0x82,         /* logical drives */
    SRAID_DCMD_MGMT_BG_INFO = 0x83,         /* rebuild, check in progress */
    /* ... and writes */
    SRAID_DCMD_MGMT_CREATE_LD = 0x90,
    SRAID_DCMD_MGMT_DELETE_LD = 0x91,
    SRAID_DCMD_MGMT_ADD_SPARE = 0x92,
    SRAID_DCMD_MGMT_REMOVE_SPARE = 0x93,
    SRAID_DCMD_MGMT_REBUILD = 0x94,
    SRAID_DCMD_MGMT_CHECK = 0x95,
} SraidDcmd;

/*
 * Sub-opcode allocation.  Later issues take their DCMDs from their range
 * and add them to the descriptor table in vendor-cmd.c; until then a DCMD
 * of a reserved range is refused like an unknown one.
 */
#define SRAID_DCMD_SEED_FIRST           0x01    /* seed 003 + gathering */
#define SRAID_DCMD_SEED_LAST            0x0f
#define SRAID_DCMD_MEMBERSHIP_FIRST     0x10    /* startup, election, monitor */
#define SRAID_DCMD_MEMBERSHIP_LAST      0x1f
#define SRAID_DCMD_RESERVATION_FIRST    0x20    /* SPC-2 and SPC-3 PR */
#define SRAID_DCMD_RESERVATION_LAST     0x2f
#define SRAID_DCMD_CLUSTER_FIRST        0x30    /* seeds 000, 001, 002, 004 */
#define SRAID_DCMD_CLUSTER_LAST         0x5f
#define SRAID_DCMD_MGMT_FIRST           0x80    /* guest management, sraidctl */
#define SRAID_DCMD_MGMT_LAST            0xbf
/* 00h, 60h-7Fh and C0h-FFh are not allocated. */

typedef enum SraidVendorDir {
    SRAID_VENDOR_DIR_NONE,
    SRAID_VENDOR_DIR_IN,        /* data-in: the target sends */
    SRAID_VENDOR_DIR_OUT,       /* data-out: a parameter list */
} SraidVendorDir;

/* A decoded 20h CDB */
typedef struct SraidVendorCdb {
    uint8_t lun;                /* byte 1 bits 7-5 */
    uint8_t dcmd;               /* byte 2 */
    bool dpo;                   /* byte 1 bit 4, Node_Read/Write only */
    bool fua;                   /* byte 1 bit 3, Node_Read/Write only */
    uint32_t address;           /* bytes 3-6, Node_Read/Write only; */
                                /* byte 3: the LD of PR_Collect */
    uint16_t length;            /* bytes 7-8: count / transfer length */
    uint8_t control;            /* byte 9 */
} SraidVendorCdb;

/* Name of a DCMD as the seed writes it, or NULL when not implemented. */
const char *sraid_vendor_dcmd_name(uint8_t dcmd);
/* Is @dcmd implemented (listed in the descriptor table)? */
bool sraid_vendor_dcmd_known(uint8_t dcmd);
/* Direction of @dcmd's data phase (NONE for an unknown DCMD). */
SraidVendorDir sraid_vendor_dcmd_dir(uint8_t dcmd);
/* May @dcmd travel as a record of a Node_Gather container? */
bool sraid_vendor_dcmd_gatherable(uint8_t dcmd);
/* Does @dcmd carry an address in bytes 3-6 (Node_Read, Node_Write)? */
bool sraid_vendor_dcmd_has_address(uint8_t dcmd);
/* Does @dcmd carry a logical drive id in byte 3 (PR_Collect)? */
bool sraid_vendor_dcmd_has_ld(uint8_t dcmd);
/* Is @dcmd node-to-node (accepted only from a peer controller)? */
bool sraid_vendor_dcmd_peer_only(uint8_t dcmd);
/* Is @dcmd guest management (accepted only from this node's host)? */
bool sraid_vendor_dcmd_host_only(uint8_t dcmd);

/*
 * Check the @len byte CDB at @buf against Tables 3-16 and fill @cdb: the
 * framing of cdb.c, opcode 20h, a DCMD we implement, reserved bits and
 * bytes zero, no transfer length for a DCMD without data.  On failure
 * returns false with @sense set, a field pointer to the offending byte and
 * bit (SPC-4 4.5.2.4.2) where one applies.  The LUN field is returned, not
 * judged: the receiver compares it with the LUN it was addressed at.
 */
bool sraid_vendor_cdb_decode(const uint8_t *buf, size_t len,
                             SraidVendorCdb *cdb, SraidSense *sense);

/*
 * Build the CDB for @cdb in @buf.  Returns false, leaving @buf undefined,
 * when @cdb could not be decoded again: LUN above 7, an unknown DCMD, DPO,
 * FUA or an address on a DCMD that has none, a length on a DCMD without
 * data, NACA or LINK set in the control byte.
 */
bool sraid_vendor_cdb_encode(const SraidVendorCdb *cdb,
                             uint8_t buf[SRAID_VENDOR_CDB_LEN]);

/*
 * Direction and length of the data phase a 20h CDB asks for, for the
 * transport (QEMU's parse_cdb, the iSCSI target's expected length check).
 * Returns false when @buf is not a CDB sraid_vendor_cdb_decode() accepts.
 */
bool sraid_vendor_cdb_transfer(const uint8_t *buf, size_t len,
                               SraidVendorDir *dir, uint32_t *xfer_len);

/*
 * Where a parameter list is wrong, for the sense data: a length that does
 * not fit the structure (PARAMETER LIST LENGTH ERROR), or a field value
 * (INVALID FIELD IN PARAMETER LIST) at byte @offset, bit @bit (or -1).
 */
typedef enum SraidParamErrorKind {
    SRAID_PARAM_LENGTH,
    SRAID_PARAM_FIELD,
} SraidParamErrorKind;

typedef struct SraidParamError {
    SraidParamErrorKind kind;
    uint32_t offset;
    int bit;
    const char *what;           /* for people: which rule was broken */
} SraidParamError;

/* The highest set bit of @v (0 when none), for bit pointers */
int sraid_top_bit(uint8_t v);
/* Fill @err; returns false, for "return sraid_param_error(...)" */
bool sraid_param_error(SraidParamError *err, SraidParamErrorKind kind,
                       uint32_t offset, int bit, const char *what);
/*
 * Bytes [@from, @to) of @buf must be zero; else false with @err at the
 * first non-zero one (its offset + @base, its highest set bit).
 */
bool sraid_param_reserved(const uint8_t *buf, size_t from, size_t to,
                          size_t base, SraidParamError *err);

/*
 * Node_Cable_Check data-in (seed 003 step 1165: "returns the channel
 * number on which it received the command"; the rest is an sraid
 * extension).
 */
#define SRAID_CABLE_CHECK_DATA_LEN  8

typedef struct SraidCableCheckData {
    uint8_t channel;            /* byte 0: channel the command came in on */
    uint8_t node;               /* byte 1: the answering node's id */
    uint8_t state;              /* byte 2: its Node_State of itself */
    uint8_t info;               /* byte 3: its Node_State_Info */
    uint32_t connected_channels;  /* bytes 4-7: Connected_Channels bitmap */
} SraidCableCheckData;

void sraid_cable_check_encode(const SraidCableCheckData *d,
                              uint8_t buf[SRAID_CABLE_CHECK_DATA_LEN]);
bool sraid_cable_check_decode(const uint8_t *buf, size_t len,
                              SraidCableCheckData *d, SraidParamError *err);

/*
 * A reservation (seed 003 Table 1, with the LUN column of Table 21): the
 * Node_Reserve / Node_Release parameter list and a reservation table entry
 * in node memory.  Logical drive ids stand for the seed's target SCSI ids.
 */
#define SRAID_RESV_ENTRY_LEN        4
#define SRAID_RESV_MAX_LDS          16      /* SRAID_COD_MAX_LDS */
#define SRAID_RESV_MAX_LUNS         8       /* 3-bit LUN, Table 21 */

typedef struct SraidResvEntry {
    uint8_t ld;                 /* byte 0: target (logical drive) id */
    uint8_t lun;                /* byte 1: logical unit id, Table 21 */
    uint8_t node;               /* byte 2: reserving initiator (node) */
} SraidResvEntry;

void sraid_resv_entry_encode(const SraidResvEntry *e,
                             uint8_t buf[SRAID_RESV_ENTRY_LEN]);
bool sraid_resv_entry_decode(const uint8_t *buf, size_t len,
                             SraidResvEntry *e, SraidParamError *err);

/*
 * Which rebuild a rebuild command is about: the parameter list of
 * Node_Inform_Rebuild_Received, Node_Inform_Master_Rebuild_Received,
 * Node_Rebuild and Node_Inform_Rebuilt_All (sraid extension: the seed
 * speaks of "the specifics of a rebuild command").
 */
#define SRAID_REBUILD_REQUEST_LEN   24
#define SRAID_REBUILD_ALL_LDS       0xff    /* every LD on the drive */

typedef struct SraidRebuildRequest {
    uint8_t ld;                 /* byte 0: LD id or SRAID_REBUILD_ALL_LDS */
    uint8_t channel;            /* byte 1: the drive being rebuilt */
    uint8_t target;             /* byte 2 */
    uint8_t origin;             /* byte 3: node that got the host command */
    uint8_t guid[16];           /* bytes 8-23: the new drive, 0 = any */
} SraidRebuildRequest;

void sraid_rebuild_request_encode(const SraidRebuildRequest *r,
                                  uint8_t buf[SRAID_REBUILD_REQUEST_LEN]);
bool sraid_rebuild_request_decode(const uint8_t *buf, size_t len,
                                  SraidRebuildRequest *r,
                                  SraidParamError *err);

/*
 * Progress of one logical drive's rebuild: the parameter list of
 * Node_Inform_Rebuild_Started, Node_Inform_Status and
 * Node_Inform_Rebuild_Completed (sraid extension).
 */
#define SRAID_REBUILD_STATUS_LEN    24

typedef enum SraidRebuildPhase {
    SRAID_REBUILD_STARTED = 1,
    SRAID_REBUILD_IN_PROGRESS = 2,
    SRAID_REBUILD_COMPLETED = 3,
    SRAID_REBUILD_FAILED = 4,
    SRAID_REBUILD_ABORTED = 5,
} SraidRebuildPhase;

typedef struct SraidRebuildStatus {
    uint8_t ld;                 /* byte 0 */
    uint8_t channel;            /* byte 1: the drive being rebuilt */
    uint8_t target;             /* byte 2 */
    uint8_t node;               /* byte 3: the node doing the rebuild */
    uint8_t phase;              /* byte 4: SraidRebuildPhase */
    uint64_t done;              /* bytes 8-15: LD sectors rebuilt */
    uint64_t total;             /* bytes 16-23: LD sectors to rebuild */
} SraidRebuildStatus;

void sraid_rebuild_status_encode(const SraidRebuildStatus *s,
                                 uint8_t buf[SRAID_REBUILD_STATUS_LEN]);
bool sraid_rebuild_status_decode(const uint8_t *buf, size_t len,
                                 SraidRebuildStatus *s, SraidParamError *err);

#endif /* SRAID_VENDOR_CMD_H */
