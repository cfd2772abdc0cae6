/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the node-to-node vendor commands (seed 003 Tables
 * 2-16), their CDBs and their small payloads.
 */
#include <string.h>

#include "cdb.h"
#include "scsi-proto.h"
#include "vendor-cmd.h"

/* Byte 1: LUN in bits 7-5; DPO and FUA where READ(10) has them. */
#define B1_LUN_SHIFT    5
#define B1_DPO          0x10
#define B1_FUA          0x08

enum {
    F_ADDRESS = 1,      /* bytes 3-6 address, DPO/FUA in byte 1 */
    F_PEER = 2,         /* node-to-node: only from a peer controller */
    F_GATHER = 4,       /* may be a record of Node_Gather */
    F_LD = 8,           /* byte 3 a logical drive id, bytes 4-6 reserved */
    F_HOST = 16,        /* guest management: only from this node's host */
};

typedef struct DcmdDesc {
    uint8_t dcmd;
    uint8_t dir;        /* SraidVendorDir */
    uint8_t flags;
    const char *name;
} DcmdDesc;

/*
 * Gathered records are notifications whose only failure is a CHECK
 * CONDITION (that can say which record failed, msg-gather.h).  Commands
 * whose answer the sender needs one by one stay single: Node_Reserve
 * (RESERVATION CONFLICT), the rebuild orders (BUSY), Node_Negotiate, and
 * Node_Kill, after which the receiver answers nothing else.
 */
static const DcmdDesc dcmds[] = {
    { SRAID_DCMD_NODE_CABLE_CHECK, SRAID_VENDOR_DIR_IN, F_PEER,
      "Node_Cable_Check" },
    { SRAID_DCMD_NODE_READ, SRAID_VENDOR_DIR_IN, F_PEER | F_ADDRESS,
      "Node_Read" },
    { SRAID_DCMD_NODE_WRITE, SRAID_VENDOR_DIR_OUT,
      F_PEER | F_ADDRESS | F_GATHER, "Node_Write" },
    { SRAID_DCMD_NODE_NEGOTIATE, SRAID_VENDOR_DIR_OUT, F_PEER,
      "Node_Negotiate" },
    { SRAID_DCMD_NODE_KILL, SRAID_VENDOR_DIR_NONE, F_PEER,
      "Node_Kill" },
    { SRAID_DCMD_NODE_RESERVE, SRAID_VENDOR_DIR_OUT, F_PEER,
      "Node_Reserve" },
    { SRAID_DCMD_NODE_RELEASE, SRAID_VENDOR_DIR_OUT, F_PEER | F_GATHER,
      "Node_Release" },
    { SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED, SRAID_VENDOR_DIR_OUT,
      F_PEER | F_GATHER, "Node_Inform_Rebuild_Received" },
    { SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED, SRAID_VENDOR_DIR_OUT,
      F_PEER, "Node_Inform_Master_Rebuild_Received" },
    { SRAID_DCMD_NODE_REBUILD, SRAID_VENDOR_DIR_OUT, F_PEER,
      "Node_Rebuild" },
    { SRAID_DCMD_NODE_INFORM_REBUILD_STARTED, SRAID_VENDOR_DIR_OUT,
      F_PEER | F_GATHER, "Node_Inform_Rebuild_Started" },
    { SRAID_DCMD_NODE_INFORM_STATUS, SRAID_VENDOR_DIR_OUT,
      F_PEER | F_GATHER, "Node_Inform_Status" },
    { SRAID_DCMD_NODE_INFORM_REBUILD_COMPLETED, SRAID_VENDOR_DIR_OUT,
      F_PEER | F_GATHER, "Node_Inform_Rebuild_Completed" },
    { SRAID_DCMD_NODE_INFORM_REBUILT_ALL, SRAID_VENDOR_DIR_OUT,
      F_PEER | F_GATHER, "Node_Inform_Rebuilt_All" },
    { SRAID_DCMD_NODE_GATHER, SRAID_VENDOR_DIR_OUT, F_PEER,
      "Node_Gather" },
    { SRAID_DCMD_NODE_BUS_RESET, SRAID_VENDOR_DIR_NONE, F_PEER,
      "Node_Bus_Reset" },
    { SRAID_DCMD_NODE_CONFIG_CHANGED, SRAID_VENDOR_DIR_OUT, F_PEER,
      "Node_Config_Changed" },
    /* sraid extensions, persistent reservations (pr-cluster.h) */
    { SRAID_DCMD_PR_REQUEST, SRAID_VENDOR_DIR_OUT, F_PEER, "PR_Request" },
    { SRAID_DCMD_PR_APPLY, SRAID_VENDOR_DIR_OUT, F_PEER, "PR_Apply" },
    { SRAID_DCMD_PR_STATE, SRAID_VENDOR_DIR_OUT, F_PEER, "PR_State" },
    { SRAID_DCMD_PR_POLL, SRAID_VENDOR_DIR_OUT, F_PEER, "PR_Poll" },
    { SRAID_DCMD_PR_SYNC, SRAID_VENDOR_DIR_OUT, F_PEER, "PR_Sync" },
    /* the logical drive in byte 3 */
    { SRAID_DCMD_PR_COLLECT, SRAID_VENDOR_DIR_IN, F_PEER | F_LD,
      "PR_Collect" },
    /* guest management (mgmt-cmd.h), sraidctl */
    { SRAID_DCMD_MGMT_CTRL_INFO, SRAID_VENDOR_DIR_IN, F_HOST,
      "Mgmt_Ctrl_Info" },
    { SRAID_DCMD_MGMT_PD_LIST, SRAID_VENDOR_DIR_IN, F_HOST, "Mgmt_Pd_List" },
    { SRAID_DCMD_MGMT_LD_LIST, SRAID_VENDOR_DIR_IN, F_HOST, "Mgmt_Ld_List" },
    { SRAID_DCMD_MGMT_BG_INFO, SRAID_VENDOR_DIR_IN, F_HOST, "Mgmt_Bg_Info" },
    { SRAID_DCMD_MGMT_CREATE_LD, SRAID_VENDOR_DIR_OUT, F_HOST,
      "Mgmt_Create_Ld" },
    { SRAID_DCMD_MGMT_DELETE_LD, SRAID_VENDOR_DIR_OUT, F_HOST,
      "Mgmt_Delete_Ld" },
    { SRAID_DCMD_MGMT_ADD_SPARE, SRAID_VENDOR_DIR_OUT, F_HOST,
      "Mgmt_Add_Spare" },
    { SRAID_DCMD_MGMT_REMOVE_SPARE, SRAID_VENDOR_DIR_OUT, F_HOST,
      "Mgmt_Remove_Spare" },
    { SRAID_DCMD_MGMT_REBUILD, SRAID_VENDOR_DIR_OUT, F_HOST, "Mgmt_Rebuild" },
    { SRAID_DCMD_MGMT_CHECK, SRAID_VENDOR_DIR_OUT, F_HOST, "Mgmt_Check" },
};

static const DcmdDesc *find_dcmd(uint8_t dcmd)
{
    for (size_t i = 0; i < sizeof(dcmds) / sizeof(dcmds[0]); i++) {
        if (dcmds[i].dcmd == dcmd) {
            return &dcmds[i];
        }
    }
    return NULL;
}

const char *sraid_vendor_dcmd_name(uint8_t dcmd)
{
    const DcmdDesc *d = find_dcmd(dcmd);

    return d ? d->name : NULL;
}

bool sraid_vendor_dcmd_known(uint8_t dcmd)
{
    return find_dcmd(dcmd) != NULL;
}

SraidVendorDir sraid_vendor_dcmd_dir(uint8_t dcmd)
{
    const DcmdDesc *d = find_dcmd(dcmd);

    return d ? d->dir : SRAID_VENDOR_DIR_NONE;
}

bool sraid_vendor_dcmd_gatherable(uint8_t dcmd)
{
    const DcmdDesc *d = find_dcmd(dcmd);

    return d && (d->flags & F_GATHER);
}

bool sraid_vendor_dcmd_has_address(uint8_t dcmd)
{
    const DcmdDesc *d = find_dcmd(dcmd);

    return d && (d->flags & F_ADDRESS);
}

bool sraid_vendor_dcmd_has_ld(uint8_t dcmd)
{
    const DcmdDesc *d = find_dcmd(dcmd);

    return d && (d->flags & F_LD);
}

bool sraid_vendor_dcmd_peer_only(uint8_t dcmd)
{
    const DcmdDesc *d = find_dcmd(dcmd);

    return d && (d->flags & F_PEER);
}

bool sraid_vendor_dcmd_host_only(uint8_t dcmd)
{
    const DcmdDesc *d = find_dcmd(dcmd);

    return d && (d->flags & F_HOST);
}

int sraid_top_bit(uint8_t v)
{
    int bit = 7;

    while (bit > 0 && !(v & (1u << bit))) {
        bit--;
    }
    return bit;
}

/* INVALID FIELD IN CDB pointing at the highest set bit of byte @i. */
static bool bad_cdb_bits(SraidSense *sense, unsigned i, uint8_t bits)
{
    *sense = sraid_sense_at(&sraid_sense_invalid_field, true, i,
                            sraid_top_bit(bits));
    return false;
}

bool sraid_vendor_cdb_decode(const uint8_t *buf, size_t len,
                             SraidVendorCdb *cdb, SraidSense *sense)
{
    SraidCdb c;
    const DcmdDesc *d;
    uint8_t reserved;

    if (!sraid_cdb_decode(buf, len, &c, sense)) {
        return false;
    }
    if (c.opcode != SRAID_OP_VENDOR_20) {
        *sense = sraid_sense_invalid_opcode;
        return false;
    }
    d = find_dcmd(buf[2]);
    if (!d) {
        /* as an unsupported service action (SPC-4 6.35.2) */
        *sense = sraid_sense_at(&sraid_sense_invalid_field, true, 2, -1);
        return false;
    }
    reserved = buf[1] & ((d->flags & F_ADDRESS) ? 0x07 : 0x1f);
    if (reserved) {
        return bad_cdb_bits(sense, 1, reserved);
    }
    if (!(d->flags & F_ADDRESS)) {
        for (unsigned i = (d->flags & F_LD) ? 4 : 3; i <= 6; i++) {
            if (buf[i]) {
                return bad_cdb_bits(sense, i, buf[i]);
            }
        }
    }
    if (d->dir == SRAID_VENDOR_DIR_NONE) {
        for (unsigned i = 7; i <= 8; i++) {
            if (buf[i]) {
                return bad_cdb_bits(sense, i, buf[i]);
            }
        }
    }
    memset(cdb, 0, sizeof(*cdb));
    cdb->lun = buf[1] >> B1_LUN_SHIFT;
    cdb->dcmd = buf[2];
    cdb->dpo = buf[1] & B1_DPO;
    cdb->fua = buf[1] & B1_FUA;
    /* Tables 4 and 5: bit 0 of byte 3 is the LSB, byte 6 holds the MSB */
    cdb->address = (uint32_t)buf[3] | (uint32_t)buf[4] << 8 |
                   (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 24;
    cdb->length = (uint16_t)(buf[7] | buf[8] << 8);
    cdb->control = buf[9];
    return true;
}

bool sraid_vendor_cdb_encode(const SraidVendorCdb *cdb,
                             uint8_t buf[SRAID_VENDOR_CDB_LEN])
{
    SraidVendorCdb check;
    SraidSense sense;

    if (cdb->lun > 7) {
        return false;
    }
    buf[0] = SRAID_OP_VENDOR_20;
    buf[1] = cdb->lun << B1_LUN_SHIFT | (cdb->dpo ? B1_DPO : 0) |
             (cdb->fua ? B1_FUA : 0);
    buf[2] = cdb->dcmd;
    buf[3] = cdb->address;
    buf[4] = cdb->address >> 8;
    buf[5] = cdb->address >> 16;
    buf[6] = cdb->address >> 24;
    buf[7] = cdb->length;
    buf[8] = cdb->length >> 8;
    buf[9] = cdb->control;
    /* one set of rules: what we send is exactly what we accept */
    return sraid_vendor_cdb_decode(buf, SRAID_VENDOR_CDB_LEN, &check, &sense);
}

bool sraid_vendor_cdb_transfer(const uint8_t *buf, size_t len,
                               SraidVendorDir *dir, uint32_t *xfer_len)
{
    SraidVendorCdb cdb;
    SraidSense sense;

    if (!sraid_vendor_cdb_decode(buf, len, &cdb, &sense)) {
        return false;
    }
    *dir = sraid_vendor_dcmd_dir(cdb.dcmd);
    *xfer_len = *dir == SRAID_VENDOR_DIR_NONE ? 0 : cdb.length;
    return true;
}

bool sraid_param_error(SraidParamError *err, SraidParamErrorKind kind,
                       uint32_t offset, int bit, const char *what)
{
    err->kind = kind;
    err->offset = offset;
    err->bit = bit;
    err->what = what;
    return false;
}

static bool bad_length(SraidParamError *err, const char *what)
{
    return sraid_param_error(err, SRAID_PARAM_LENGTH, 0, -1, what);
}

static bool bad_field(SraidParamError *err, uint32_t offset,
                      const char *what)
{
    return sraid_param_error(err, SRAID_PARAM_FIELD, offset, -1, what);
}

/* Reserved bytes [@from, @to) of @buf must be zero. */
bool sraid_param_reserved(const uint8_t *buf, size_t from, size_t to,
                          size_t base, SraidParamError *err)
{
    for (size_t i = from; i < to; i++) {
        if (buf[i]) {
            return sraid_param_error(err, SRAID_PARAM_FIELD, base + i,
                                     sraid_top_bit(buf[i]),
                                     "reserved byte not zero");
        }
    }
    return true;
}

void sraid_cable_check_encode(const SraidCableCheckData *d,
                              uint8_t buf[SRAID_CABLE_CHECK_DATA_LEN])
{
    buf[0] = d->channel;
    buf[1] = d->node;
    buf[2] = d->state;
    buf[3] = d->info;
    sraid_put_be32(buf + 4, d->connected_channels);
}

bool sraid_cable_check_decode(const uint8_t *buf, size_t len,
                              SraidCableCheckData *d, SraidParamError *err)
{
    if (len != SRAID_CABLE_CHECK_DATA_LEN) {
        return bad_length(err, "cable check data is 8 bytes");
    }
    if (buf[0] >= SRAID_CHANNEL_MAX) {
        return bad_field(err, 0, "channel out of range");
    }
    if (buf[1] >= SRAID_NODE_MAX && buf[1] != SRAID_NODE_NONE) {
        return bad_field(err, 1, "node id out of range");
    }
    if (!sraid_node_state_valid(buf[2])) {
        return bad_field(err, 2, "unknown node state");
    }
    if (!sraid_node_info_valid(buf[3])) {
        return bad_field(err, 3, "unknown node state info");
    }
    d->channel = buf[0];
    d->node = buf[1];
    d->state = buf[2];
    d->info = buf[3];
    d->connected_channels = sraid_get_be32(buf + 4);
    if (d->connected_channels >> SRAID_CHANNEL_MAX) {
        return bad_field(err, 4, "connected channel out of range");
    }
    return true;
}

void sraid_resv_entry_encode(const SraidResvEntry *e,
                             uint8_t buf[SRAID_RESV_ENTRY_LEN])
{
    buf[0] = e->ld;
    buf[1] = e->lun;
    buf[2] = e->node;
    buf[3] = 0;
}

bool sraid_resv_entry_decode(const uint8_t *buf, size_t len,
                             SraidResvEntry *e, SraidParamError *err)
{
    if (len != SRAID_RESV_ENTRY_LEN) {
        return bad_length(err, "a reservation entry is 4 bytes");
    }
    if (buf[0] >= SRAID_RESV_MAX_LDS) {
        return bad_field(err, 0, "logical drive id out of range");
    }
    if (buf[1] >= SRAID_RESV_MAX_LUNS) {
        return bad_field(err, 1, "LUN out of range");
    }
    if (buf[2] >= SRAID_NODE_MAX) {
        return bad_field(err, 2, "node id out of range");
    }
    if (!sraid_param_reserved(buf, 3, 4, 0, err)) {
        return false;
    }
    e->ld = buf[0];
    e->lun = buf[1];
    e->node = buf[2];
    return true;
}

void sraid_rebuild_request_encode(const SraidRebuildRequest *r,
                                  uint8_t buf[SRAID_REBUILD_REQUEST_LEN])
{
    memset(buf, 0, SRAID_REBUILD_REQUEST_LEN);
    buf[0] = r->ld;
    buf[1] = r->channel;
    buf[2] = r->target;
    buf[3] = r->origin;
    memcpy(buf + 8, r->guid, sizeof(r->guid));
}

/* Bytes 1-2 of both rebuild payloads: the drive's channel and target. */
static bool check_drive(const uint8_t *buf, SraidParamError *err)
{
    if (buf[1] >= SRAID_CHANNEL_MAX) {
        return bad_field(err, 1, "channel out of range");
    }
    if (buf[2] >= SRAID_TARGET_MAX) {
        return bad_field(err, 2, "target out of range");
    }
    return true;
}

bool sraid_rebuild_request_decode(const uint8_t *buf, size_t len,
                                  SraidRebuildRequest *r,
                                  SraidParamError *err)
{
    if (len != SRAID_REBUILD_REQUEST_LEN) {
        return bad_length(err, "a rebuild request is 24 bytes");
    }
    if (buf[0] >= SRAID_RESV_MAX_LDS && buf[0] != SRAID_REBUILD_ALL_LDS) {
        return bad_field(err, 0, "logical drive id out of range");
    }
    if (!check_drive(buf, err)) {
        return false;
    }
    if (buf[3] >= SRAID_NODE_MAX) {
        return bad_field(err, 3, "origin node id out of range");
    }
    if (!sraid_param_reserved(buf, 4, 8, 0, err)) {
        return false;
    }
    r->ld = buf[0];
    r->channel = buf[1];
    r->target = buf[2];
    r->origin = buf[3];
    memcpy(r->guid, buf + 8, sizeof(r->guid));
    return true;
}

void sraid_rebuild_status_encode(const SraidRebuildStatus *s,
                                 uint8_t buf[SRAID_REBUILD_STATUS_LEN])
{
    memset(buf, 0, SRAID_REBUILD_STATUS_LEN);
    buf[0] = s->ld;
    buf[1] = s->channel;
    buf[2] = s->target;
    buf[3] = s->node;
    buf[4] = s->phase;
    sraid_put_be64(buf + 8, s->done);
    sraid_put_be64(buf + 16, s->total);
}

bool sraid_rebuild_status_decode(const uint8_t *buf, size_t len,
                                 SraidRebuildStatus *s, SraidParamError *err)
{
    if (len != SRAID_REBUILD_STATUS_LEN) {
        return bad_length(err, "a rebuild status is 24 bytes");
    }
    if (buf[0] >= SRAID_RESV_MAX_LDS) {
        return bad_field(err, 0, "logical drive id out of range");
    }
    if (!check_drive(buf, err)) {
        return false;
    }
    if (buf[3] >= SRAID_NODE_MAX) {
        return bad_field(err, 3, "node id out of range");
    }
    if (buf[4] < SRAID_REBUILD_STARTED || buf[4] > SRAID_REBUILD_ABORTED) {
        return bad_field(err, 4, "unknown rebuild phase");
    }
    if (!sraid_param_reserved(buf, 5, 8, 0, err)) {
        return false;
    }
    s->ld = buf[0];
    s->channel = buf[1];
    s->target = buf[2];
    s->node = buf[3];
    s->phase = buf[4];
    s->done = sraid_get_be64(buf + 8);
    s->total = sraid_get_be64(buf + 16);
    if (s->done > s->total) {
        return bad_field(err, 8, "more sectors done than to do");
    }
    return true;
}
