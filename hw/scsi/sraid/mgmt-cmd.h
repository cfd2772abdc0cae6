/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the guest management command set (DCMDs 80h-BFh of
 * opcode 20h), which sraidctl sends over SG_IO to the controller's unit.
 *
 * Read commands return versioned, bounded structures; write commands carry
 * small parameter lists.  Every multi-byte field is big-endian, as in the
 * other vendor payloads, and reserved bytes are zero; decoding is strict
 * and canonical (what decodes encodes back to the same bytes).  This file
 * is plain C without GLib: the guest tool compiles it as it is, so both
 * sides share one codec.  docs/vendor-commands.md has the byte layouts.
 */
#ifndef SRAID_MGMT_CMD_H
#define SRAID_MGMT_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vendor-cmd.h"

#define SRAID_MGMT_VERSION          1

/* Read structures: byte 0 VERSION, bytes 2-3 ADDITIONAL LENGTH */
#define SRAID_MGMT_HDR_LEN          4
#define SRAID_MGMT_NAME_LEN         32
#define SRAID_MGMT_SERIAL_LEN       32
#define SRAID_MGMT_MAX_MEMBERS      32
#define SRAID_MGMT_MAX_LDS          16
/* drives on the channels, and configured members whose drive is absent */
#define SRAID_MGMT_MAX_PDS          (SRAID_CHANNEL_MAX * SRAID_TARGET_MAX + \
                                     SRAID_MGMT_MAX_MEMBERS)

#define SRAID_MGMT_CTRL_FIXED_LEN   80
#define SRAID_MGMT_NODE_ENTRY_LEN   8
#define SRAID_MGMT_LIST_HDR_LEN     8
#define SRAID_MGMT_PD_ENTRY_LEN     24
#define SRAID_MGMT_LD_ENTRY_LEN     128
#define SRAID_MGMT_OPS_LEN          48

#define SRAID_MGMT_CTRL_MAX_LEN     (SRAID_MGMT_CTRL_FIXED_LEN + \
                                     SRAID_NODE_MAX * SRAID_MGMT_NODE_ENTRY_LEN)
#define SRAID_MGMT_PD_MAX_LEN       (SRAID_MGMT_LIST_HDR_LEN + \
                                     SRAID_MGMT_MAX_PDS * \
                                     SRAID_MGMT_PD_ENTRY_LEN)
#define SRAID_MGMT_LD_MAX_LEN       (SRAID_MGMT_LIST_HDR_LEN + \
                                     SRAID_MGMT_MAX_LDS * \
                                     SRAID_MGMT_LD_ENTRY_LEN)
/* The longest data-in of the command set (the physical drive list) */
#define SRAID_MGMT_MAX_DATA_IN      SRAID_MGMT_PD_MAX_LEN

/* Write parameter lists */
#define SRAID_MGMT_CREATE_FIXED_LEN 48
#define SRAID_MGMT_CREATE_MAX_LEN   (SRAID_MGMT_CREATE_FIXED_LEN + \
                                     2 * SRAID_MGMT_MAX_MEMBERS)
#define SRAID_MGMT_SMALL_LEN        8       /* every other write */
#define SRAID_MGMT_DEFAULT_STRIP    (64 * 1024)

/* What the guest may do: the controller's guest-management property */
typedef enum SraidMgmtPerm {
    SRAID_MGMT_PERM_OFF = 0,        /* nothing: every DCMD refused */
    SRAID_MGMT_PERM_READ = 1,       /* the views, no change */
    SRAID_MGMT_PERM_FULL = 2,       /* views and changes */
} SraidMgmtPerm;

/* Vendor ASC 80h qualifiers of this command set (vendor-exec.h has 00-05h) */
#define SRAID_ASCQ_MGMT_NOT_PERMITTED   0x09
#define SRAID_ASCQ_MGMT_NOT_MASTER      0x0a    /* INFORMATION: the master */
#define SRAID_ASCQ_MGMT_REFUSED         0x0b

extern const SraidSense sraid_sense_mgmt_not_permitted;
extern const SraidSense sraid_sense_mgmt_not_master;
extern const SraidSense sraid_sense_mgmt_refused;

/* Is @dcmd a write (changes the configuration or starts work)? */
bool sraid_mgmt_dcmd_is_write(uint8_t dcmd);
/* "not the master", "management not permitted"...: for people, or NULL */
const char *sraid_mgmt_sense_name(uint8_t key, uint8_t asc, uint8_t ascq);

/* Build the 10-byte CDB of management DCMD @dcmd with length @len. */
bool sraid_mgmt_cdb(uint8_t dcmd, uint16_t len,
                    uint8_t cdb[SRAID_VENDOR_CDB_LEN]);

/* ---- read structures ---- */

typedef struct SraidMgmtNode {
    uint8_t node;
    uint8_t state;                  /* Node_State */
    uint8_t info;                   /* Node_State_Info */
    uint8_t flags;                  /* SRAID_MGMT_NODE_* */
    uint8_t channels;               /* bitmap */
    uint16_t heartbeat_misses;
} SraidMgmtNode;

#define SRAID_MGMT_NODE_SELF        0x01
#define SRAID_MGMT_NODE_MASTER      0x02

#define SRAID_MGMT_CTRL_CLUSTER     0x01    /* membership runs */
#define SRAID_MGMT_CTRL_SUSPENDED   0x02
#define SRAID_MGMT_CTRL_ARRAY       0x04
#define SRAID_MGMT_CTRL_BOOTING     0x08

/* MGMT_CTRL_INFO data-in: this controller and the cluster it sees */
typedef struct SraidMgmtCtrlInfo {
    uint8_t node_id;                /* SRAID_NODE_NONE: not set */
    uint8_t state, info;
    uint8_t master;                 /* SRAID_NODE_NONE: none known */
    uint8_t flags;                  /* SRAID_MGMT_CTRL_* */
    uint8_t perm;                   /* SraidMgmtPerm */
    uint8_t channels;               /* 1-4 */
    uint8_t connected_channels;     /* bitmap */
    uint8_t nmembers, nlds;
    uint64_t generation;            /* of the configuration on disk */
    uint64_t epoch;                 /* master epoch followed */
    uint8_t array_guid[16];
    char array_name[SRAID_MGMT_NAME_LEN + 1];
    uint8_t nnodes;
    SraidMgmtNode nodes[SRAID_NODE_MAX];
} SraidMgmtCtrlInfo;

#define SRAID_MGMT_PD_PRESENT       0x01    /* a drive is attached */
#define SRAID_MGMT_PD_CABLE_CUT     0x02
#define SRAID_MGMT_NONE             0xff    /* no member, LD, state */

typedef struct SraidMgmtPd {
    uint8_t channel, target;
    uint8_t member;                 /* SRAID_MGMT_NONE: not a member */
    uint8_t state;                  /* SraidMemberState, or NONE */
    uint8_t flags;                  /* SRAID_MGMT_PD_* */
    uint64_t size;                  /* bytes; 0 when absent */
    uint64_t checkpoint;            /* rebuild position, member sectors */
} SraidMgmtPd;

typedef struct SraidMgmtPdList {
    unsigned n;
    SraidMgmtPd pd[SRAID_MGMT_MAX_PDS];
} SraidMgmtPdList;

#define SRAID_MGMT_LD_RESV_READY    0x01

typedef struct SraidMgmtLd {
    uint8_t id, level, state, nmembers;
    uint8_t flags;                  /* SRAID_MGMT_LD_* */
    uint32_t strip_sectors;
    uint64_t sectors;               /* capacity the host sees */
    uint64_t naa;
    char name[SRAID_MGMT_NAME_LEN + 1];
    char serial[SRAID_MGMT_SERIAL_LEN + 1];
    uint8_t members[SRAID_MGMT_MAX_MEMBERS];
} SraidMgmtLd;

typedef struct SraidMgmtLdList {
    unsigned n;
    SraidMgmtLd ld[SRAID_MGMT_MAX_LDS];
} SraidMgmtLdList;

typedef enum SraidMgmtOp {
    SRAID_MGMT_OP_IDLE = 0,
    SRAID_MGMT_OP_REBUILD = 1,
    SRAID_MGMT_OP_CHECK = 2,
} SraidMgmtOp;

#define SRAID_MGMT_OPS_REPAIR       0x01

typedef struct SraidMgmtBg {
    uint8_t op;                     /* SraidMgmtOp */
    uint8_t member;                 /* rebuilding, or NONE */
    uint8_t ld;                     /* current or last check, or NONE */
    uint8_t rate;                   /* percent */
    uint64_t done, total;           /* member sectors / stripes */
    uint8_t check_result;           /* 0 none 1 running 2 done 3 cancelled */
                                    /* 4 degraded */
    uint8_t flags;                  /* SRAID_MGMT_OPS_* */
    uint64_t mismatches, repaired;
} SraidMgmtBg;

/* Encoders return the full length; decoders are strict (@err says why) */
size_t sraid_mgmt_ctrl_encode(const SraidMgmtCtrlInfo *c, uint8_t *buf);
bool sraid_mgmt_ctrl_decode(const uint8_t *buf, size_t len,
                            SraidMgmtCtrlInfo *c, SraidParamError *err);
size_t sraid_mgmt_pd_encode(const SraidMgmtPdList *l, uint8_t *buf);
bool sraid_mgmt_pd_decode(const uint8_t *buf, size_t len,
                          SraidMgmtPdList *l, SraidParamError *err);
size_t sraid_mgmt_ld_encode(const SraidMgmtLdList *l, uint8_t *buf);
bool sraid_mgmt_ld_decode(const uint8_t *buf, size_t len,
                          SraidMgmtLdList *l, SraidParamError *err);
size_t sraid_mgmt_bg_encode(const SraidMgmtBg *o, uint8_t *buf);
bool sraid_mgmt_bg_decode(const uint8_t *buf, size_t len, SraidMgmtBg *o,
                          SraidParamError *err);

/* ---- write parameter lists ---- */

typedef struct SraidMgmtDrive {
    uint8_t channel, target;
} SraidMgmtDrive;

/* One decoded write command */
typedef struct SraidMgmtWrite {
    uint8_t dcmd;
    /* CREATE_LD */
    uint8_t level;                  /* 0, 1, 5, 6, 10 */
    uint8_t ndrives;
    uint32_t strip_bytes;           /* 0: default 64 KiB */
    uint64_t size;                  /* bytes; 0: all free space */
    char name[SRAID_MGMT_NAME_LEN + 1];     /* "": default ld<id> */
    SraidMgmtDrive drives[SRAID_MGMT_MAX_MEMBERS];
    /* DELETE_LD, CHECK */
    uint8_t ld;
    bool repair;                    /* CHECK */
    /* ADD_SPARE: drives[0]; REMOVE_SPARE, REBUILD */
    uint8_t member;
} SraidMgmtWrite;

/* Parameter list of @w (w->dcmd) into @buf; its length */
size_t sraid_mgmt_write_encode(const SraidMgmtWrite *w, uint8_t *buf);
bool sraid_mgmt_write_decode(uint8_t dcmd, const uint8_t *buf, size_t len,
                             SraidMgmtWrite *w, SraidParamError *err);

/* Parameter list offsets of the fields an owner may point at */
#define SRAID_MGMT_CREATE_DRIVES    48      /* + 2 * i: channel, target */

#endif /* SRAID_MGMT_CMD_H */
