/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: REPORT SUPPORTED OPERATION CODES (SPC-4 6.35).
 */
#include <string.h>

#include "opcode-report.h"
#include "scsi-proto.h"

#define NO_SA SRAID_NO_SERVICE_ACTION

/* REPORTING OPTIONS (SPC-4 table 233, SPC-5 adds 011b) */
enum {
    REPORT_ALL = 0,
    REPORT_ONE_OPCODE = 1,
    REPORT_ONE_OPCODE_SA = 2,
    REPORT_ONE_OPCODE_MAYBE_SA = 3,
};

/* SUPPORT field of the one-command parameter data (SPC-4 table 236) */
#define SUPPORT_NOT_SUPPORTED   0x01
#define SUPPORT_STANDARD        0x03

#define CTDP                    0x80    /* one-command format, byte 1 */
#define ALL_CTDP                0x02    /* command descriptor, byte 5 */
#define ALL_SERVACTV            0x01

#define HEADER_LEN              4
#define DESCRIPTOR_LEN          8       /* SPC-4 table 234 */
#define TIMEOUTS_LEN            12      /* SPC-4 table 237 */

/*
 * What a logical drive executes: scsi-disk's SBC emulation plus what
 * sraid-ld.c adds (COMPARE AND WRITE, ORWRITE, VERIFY with BYTCHK,
 * PRE-FETCH, GET LBA STATUS, PERSISTENT RESERVE IN/OUT, SPC-2 RESERVE and
 * RELEASE (6/10), this command).
 * Usage bits are set only for fields the unit acts on: protection fields
 * (RD/WR/VR/ORPROTECT) and the UNMAP bit of WRITE SAME are refused when
 * non-zero, group numbers and the range of SYNCHRONIZE CACHE are ignored
 * (the whole cache is flushed), and the CONTROL byte is not interpreted.
 * DPO and FUA are honoured (MODE SENSE says DPOFUA): a FUA write is
 * flushed, and there is no cache of the logical drive's own for DPO to
 * spare.  UNMAP is absent: a logical drive
 * is fully provisioned (a discard would break parity).
 */
#define PROUT(sa)                                                       \
    { 0x5f, sa, 10,                                                     \
      { 0x5f, 0x1f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0 } }

static const SraidOpcodeDesc ld_cmds[] = {
    /* TEST UNIT READY */
    { 0x00, NO_SA, 6,
      { 0x00, 0, 0, 0, 0, 0 } },
    /* REQUEST SENSE */
    { 0x03, NO_SA, 6,
      { 0x03, 0x01, 0, 0, 0xff, 0 } },
    /* FORMAT UNIT */
    { 0x04, NO_SA, 6,
      { 0x04, 0, 0, 0, 0, 0 } },
    /* READ(6) */
    { 0x08, NO_SA, 6,
      { 0x08, 0x1f, 0xff, 0xff, 0xff, 0 } },
    /* WRITE(6) */
    { 0x0a, NO_SA, 6,
      { 0x0a, 0x1f, 0xff, 0xff, 0xff, 0 } },
    /* INQUIRY */
    { 0x12, NO_SA, 6,
      { 0x12, 0x01, 0xff, 0xff, 0xff, 0 } },
    /* MODE SELECT(6) */
    { 0x15, NO_SA, 6,
      { 0x15, 0x11, 0, 0, 0xff, 0 } },
    /*
     * RESERVE(6), RELEASE(6) (SPC-2 7.21, 7.19): 3RDPTY and EXTENT are
     * refused when set (resv2.c); the obsolete fields are ignored.
     */
    { 0x16, NO_SA, 6,
      { 0x16, 0x11, 0, 0, 0, 0 } },
    { 0x17, NO_SA, 6,
      { 0x17, 0x11, 0, 0, 0, 0 } },
    /* MODE SENSE(6) */
    { 0x1a, NO_SA, 6,
      { 0x1a, 0x08, 0xff, 0xff, 0xff, 0 } },
    /* START STOP UNIT */
    { 0x1b, NO_SA, 6,
      { 0x1b, 0, 0, 0, 0xf3, 0 } },
    /* PREVENT ALLOW MEDIUM REMOVAL */
    { 0x1e, NO_SA, 6,
      { 0x1e, 0, 0, 0, 0x03, 0 } },
    /* READ CAPACITY(10) */
    { 0x25, NO_SA, 10,
      { 0x25, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x01, 0 } },
    /* READ(10) */
    { 0x28, NO_SA, 10,
      { 0x28, 0x18, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0 } },
    /* WRITE(10) */
    { 0x2a, NO_SA, 10,
      { 0x2a, 0x18, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0 } },
    /* SEEK(10) */
    { 0x2b, NO_SA, 10,
      { 0x2b, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 } },
    /* WRITE AND VERIFY(10) */
    { 0x2e, NO_SA, 10,
      { 0x2e, 0x10, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0 } },
    /* VERIFY(10) */
    { 0x2f, NO_SA, 10,
      { 0x2f, 0x16, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0 } },
    /* PRE-FETCH(10): IMMED, LBA, PREFETCH LENGTH */
    { 0x34, NO_SA, 10,
      { 0x34, 0x02, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0 } },
    /* SYNCHRONIZE CACHE(10) */
    { 0x35, NO_SA, 10,
      { 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
    /* WRITE SAME(10) */
    { 0x41, NO_SA, 10,
      { 0x41, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0 } },
    /* MODE SELECT(10) */
    { 0x55, NO_SA, 10,
      { 0x55, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, 0 } },
    /*
     * RESERVE(10), RELEASE(10) (SPC-2 7.22, 7.20): 3RDPTY, LONGID, bit 0
     * and a PARAMETER LIST LENGTH are refused when set (resv2.c).
     */
    { 0x56, NO_SA, 10,
      { 0x56, 0x13, 0, 0, 0, 0, 0, 0xff, 0xff, 0 } },
    { 0x57, NO_SA, 10,
      { 0x57, 0x13, 0, 0, 0, 0, 0, 0xff, 0xff, 0 } },
    /* MODE SENSE(10) */
    { 0x5a, NO_SA, 10,
      { 0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0 } },
    /*
     * PERSISTENT RESERVE IN (SPC-4 6.15): READ KEYS, READ RESERVATION,
     * REPORT CAPABILITIES, READ FULL STATUS; ALLOCATION LENGTH (pr.c)
     */
    { 0x5e, 0x00, 10,
      { 0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0 } },
    { 0x5e, 0x01, 10,
      { 0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0 } },
    { 0x5e, 0x02, 10,
      { 0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0 } },
    { 0x5e, 0x03, 10,
      { 0x5e, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, 0 } },
    /*
     * PERSISTENT RESERVE OUT (SPC-4 6.16): REGISTER through REGISTER AND
     * MOVE; SCOPE and TYPE, PARAMETER LIST LENGTH (pr.c)
     */
    PROUT(0x00), PROUT(0x01), PROUT(0x02), PROUT(0x03),
    PROUT(0x04), PROUT(0x05), PROUT(0x06), PROUT(0x07),
    /* READ(16) */
    { 0x88, NO_SA, 16,
      { 0x88, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 } },
    /* COMPARE AND WRITE: LBA, NUMBER OF LOGICAL BLOCKS, FUA */
    { 0x89, NO_SA, 16,
      { 0x89, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0, 0, 0, 0xff, 0, 0 } },
    /* WRITE(16) */
    { 0x8a, NO_SA, 16,
      { 0x8a, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 } },
    /* ORWRITE(16): DPO, FUA, LBA, TRANSFER LENGTH */
    { 0x8b, NO_SA, 16,
      { 0x8b, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 } },
    /* WRITE AND VERIFY(16) */
    { 0x8e, NO_SA, 16,
      { 0x8e, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 } },
    /* VERIFY(16) */
    { 0x8f, NO_SA, 16,
      { 0x8f, 0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 } },
    /* PRE-FETCH(16) */
    { 0x90, NO_SA, 16,
      { 0x90, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 } },
    /* WRITE SAME(16): NDOB */
    { 0x93, NO_SA, 16,
      { 0x93, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 } },
    /* SERVICE ACTION IN(16): READ CAPACITY(16), PMI */
    { 0x9e, 0x10, 16,
      { 0x9e, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0 } },
    /* SERVICE ACTION IN(16): GET LBA STATUS */
    { 0x9e, 0x12, 16,
      { 0x9e, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0 } },
    /* REPORT LUNS */
    { 0xa0, NO_SA, 12,
      { 0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff,
        0xff, 0xff, 0, 0 } },
    /* MAINTENANCE IN: REPORT SUPPORTED OPERATION CODES */
    { 0xa3, 0x0c, 12,
      { 0xa3, 0x1f, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0, 0 } },
    /* READ(12) */
    { 0xa8, NO_SA, 12,
      { 0xa8, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0, 0 } },
    /* WRITE(12) */
    { 0xaa, NO_SA, 12,
      { 0xaa, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0, 0 } },
    /* WRITE AND VERIFY(12) */
    { 0xae, NO_SA, 12,
      { 0xae, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0, 0 } },
    /* VERIFY(12) */
    { 0xaf, NO_SA, 12,
      { 0xaf, 0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0, 0 } },
};

/*
 * The controller's unit (ctrl-lun.c): DESC of REQUEST SENSE and NACA/LINK
 * in the CONTROL byte are refused, so their bits are clear.
 */
#define VENDOR_20(dcmd, dpo_fua, len)                                   \
    { 0x20, dcmd, 10,                                                   \
      { 0x20, 0xe0 | (dpo_fua), 0xff, (dpo_fua) ? 0xff : 0,             \
        (dpo_fua) ? 0xff : 0, (dpo_fua) ? 0xff : 0, (dpo_fua) ? 0xff : 0, \
        len, len, 0 } }

static const SraidOpcodeDesc ctrl_lun_cmds[] = {
    /* TEST UNIT READY */
    { 0x00, NO_SA, 6,
      { 0x00, 0, 0, 0, 0, 0 } },
    /* REQUEST SENSE */
    { 0x03, NO_SA, 6,
      { 0x03, 0, 0, 0, 0xff, 0 } },
    /* INQUIRY */
    { 0x12, NO_SA, 6,
      { 0x12, 0x01, 0xff, 0xff, 0xff, 0 } },
    /*
     * Seed 003 vendor commands (vendor-cmd.h): the DCMD in byte 2 is the
     * service action, the LUN of byte 1 is checked, bytes 7-8 carry the
     * transfer length, Node_Read/Write an address and DPO/FUA.
     */
    VENDOR_20(0x01, 0, 0xff),       /* Node_Cable_Check */
    VENDOR_20(0x02, 0x18, 0xff),    /* Node_Read */
    VENDOR_20(0x03, 0x18, 0xff),    /* Node_Write */
    VENDOR_20(0x04, 0, 0xff),       /* Node_Negotiate */
    VENDOR_20(0x05, 0, 0),          /* Node_Kill */
    VENDOR_20(0x06, 0, 0xff),       /* Node_Reserve */
    VENDOR_20(0x07, 0, 0xff),       /* Node_Release */
    VENDOR_20(0x08, 0, 0xff),       /* Node_Inform_Rebuild_Received */
    VENDOR_20(0x09, 0, 0xff),       /* Node_Inform_Master_Rebuild_Received */
    VENDOR_20(0x0a, 0, 0xff),       /* Node_Rebuild */
    VENDOR_20(0x0b, 0, 0xff),       /* Node_Inform_Rebuild_Started */
    VENDOR_20(0x0c, 0, 0xff),       /* Node_Inform_Status */
    VENDOR_20(0x0d, 0, 0xff),       /* Node_Inform_Rebuild_Completed */
    VENDOR_20(0x0e, 0, 0xff),       /* Node_Inform_Rebuilt_All */
    VENDOR_20(0x0f, 0, 0xff),       /* Node_Gather */
    VENDOR_20(0x10, 0, 0),          /* Node_Bus_Reset (membership) */
    VENDOR_20(0x11, 0, 0xff),       /* Node_Config_Changed */
    VENDOR_20(0x20, 0, 0xff),       /* PR_Request (reservations) */
    VENDOR_20(0x21, 0, 0xff),       /* PR_Apply */
    VENDOR_20(0x22, 0, 0xff),       /* PR_State */
    VENDOR_20(0x23, 0, 0xff),       /* PR_Poll */
    VENDOR_20(0x24, 0, 0xff),       /* PR_Sync */
    /* PR_Collect: the logical drive in byte 3 */
    { 0x20, 0x25, 10,
      { 0x20, 0xe0, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0 } },
    /* guest management, sraidctl (mgmt-cmd.h): bytes 3-6 reserved */
    VENDOR_20(0x80, 0, 0xff),       /* Mgmt_Ctrl_Info */
    VENDOR_20(0x81, 0, 0xff),       /* Mgmt_Pd_List */
    VENDOR_20(0x82, 0, 0xff),       /* Mgmt_Ld_List */
    VENDOR_20(0x83, 0, 0xff),       /* Mgmt_Bg_Info */
    VENDOR_20(0x90, 0, 0xff),       /* Mgmt_Create_Ld */
    VENDOR_20(0x91, 0, 0xff),       /* Mgmt_Delete_Ld */
    VENDOR_20(0x92, 0, 0xff),       /* Mgmt_Add_Spare */
    VENDOR_20(0x93, 0, 0xff),       /* Mgmt_Remove_Spare */
    VENDOR_20(0x94, 0, 0xff),       /* Mgmt_Rebuild */
    VENDOR_20(0x95, 0, 0xff),       /* Mgmt_Check */
    /* REPORT LUNS */
    { 0xa0, NO_SA, 12,
      { 0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff,
        0xff, 0xff, 0, 0 } },
    /* MAINTENANCE IN: REPORT SUPPORTED OPERATION CODES */
    { 0xa3, 0x0c, 12,
      { 0xa3, 0x1f, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0, 0 } },
};

const SraidOpcodeTable sraid_ld_opcodes = {
    ld_cmds, sizeof(ld_cmds) / sizeof(ld_cmds[0])
};
const SraidOpcodeTable sraid_ctrl_lun_opcodes = {
    ctrl_lun_cmds, sizeof(ctrl_lun_cmds) / sizeof(ctrl_lun_cmds[0])
};

/*
 * Asked for every command a logical drive receives: a binary search of the
 * table, which is sorted by opcode (unit/test-opcode-report checks it).
 */
bool sraid_opcode_listed(const SraidOpcodeTable *table, uint8_t opcode)
{
    size_t lo = 0, hi = table->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (table->cmds[mid].opcode == opcode) {
            return true;
        }
        if (table->cmds[mid].opcode < opcode) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

bool sraid_is_report_opcodes(const uint8_t *cdb, size_t cdb_len)
{
    return cdb_len >= 2 && cdb[0] == SRAID_OP_MAINTENANCE_IN &&
           (cdb[1] & 0x1f) == SRAID_SA_REPORT_SUPPORTED_OPCODES;
}

size_t sraid_report_opcodes_max_len(const SraidOpcodeTable *table)
{
    return HEADER_LEN + table->count * (DESCRIPTOR_LEN + TIMEOUTS_LEN);
}

/*
 * Command timeouts descriptor (SPC-4 6.35.4).  Both timeouts are zero, "not
 * specified": how long a command takes depends on the member disks'
 * backends, which the controller cannot promise.
 */
static size_t put_timeouts(uint8_t *p)
{
    memset(p, 0, TIMEOUTS_LEN);
    sraid_put_be16(p, TIMEOUTS_LEN - 2);
    return TIMEOUTS_LEN;
}

static bool opcode_has_sa(const SraidOpcodeTable *t, uint8_t opcode)
{
    for (size_t i = 0; i < t->count; i++) {
        if (t->cmds[i].opcode == opcode &&
            t->cmds[i].service_action != NO_SA) {
            return true;
        }
    }
    return false;
}

static const SraidOpcodeDesc *find(const SraidOpcodeTable *t, uint8_t opcode,
                                   int sa)
{
    for (size_t i = 0; i < t->count; i++) {
        if (t->cmds[i].opcode == opcode && t->cmds[i].service_action == sa) {
            return &t->cmds[i];
        }
    }
    return NULL;
}

static size_t report_all(const SraidOpcodeTable *t, bool rctd, uint8_t *p)
{
    size_t off = HEADER_LEN;

    for (size_t i = 0; i < t->count; i++) {
        const SraidOpcodeDesc *d = &t->cmds[i];
        uint8_t *desc = p + off;

        memset(desc, 0, DESCRIPTOR_LEN);
        desc[0] = d->opcode;
        if (d->service_action != NO_SA) {
            sraid_put_be16(desc + 2, d->service_action);
            desc[5] |= ALL_SERVACTV;
        }
        sraid_put_be16(desc + 6, d->cdb_len);
        off += DESCRIPTOR_LEN;
        if (rctd) {
            desc[5] |= ALL_CTDP;
            off += put_timeouts(p + off);
        }
    }
    sraid_put_be32(p, off - HEADER_LEN);   /* COMMAND DATA LENGTH */
    return off;
}

/* One-command parameter data (SPC-4 6.35.3) */
static size_t report_one(const SraidOpcodeDesc *d, bool rctd, uint8_t *p)
{
    size_t off = 4;

    memset(p, 0, 4);
    if (!d) {
        p[1] = SUPPORT_NOT_SUPPORTED;
        return off;
    }
    p[1] = SUPPORT_STANDARD | (rctd ? CTDP : 0);
    sraid_put_be16(p + 2, d->cdb_len);
    memcpy(p + off, d->usage, d->cdb_len);
    off += d->cdb_len;
    if (rctd) {
        off += put_timeouts(p + off);
    }
    return off;
}

long sraid_report_opcodes(const SraidOpcodeTable *table, const uint8_t *cdb,
                          uint8_t *buf, size_t buf_len, SraidSense *sense)
{
    uint8_t data[HEADER_LEN + 64 * (DESCRIPTOR_LEN + TIMEOUTS_LEN)];
    bool rctd = cdb[2] & 0x80;
    unsigned option = cdb[2] & 0x07;
    uint8_t opcode = cdb[3];
    int sa = sraid_get_be16(cdb + 4);
    size_t alloc_len = sraid_get_be32(cdb + 6);
    size_t len;

    /* a refused REPORTING OPTIONS: the field is CDB byte 2, bits 2-0 */
    const SraidSense bad_option = sraid_sense_at(&sraid_sense_invalid_field,
                                                 true, 2, 2);

    if (sraid_report_opcodes_max_len(table) > sizeof(data)) {
        *sense = sraid_sense_invalid_opcode;    /* table too large: a bug */
        return -1;
    }
    switch (option) {
    case REPORT_ALL:
        len = report_all(table, rctd, data);
        break;
    case REPORT_ONE_OPCODE:
        /* SPC-4 6.35.2: the opcode must not need a service action */
        if (opcode_has_sa(table, opcode)) {
            *sense = bad_option;
            return -1;
        }
        len = report_one(find(table, opcode, NO_SA), rctd, data);
        break;
    case REPORT_ONE_OPCODE_SA:
        /* ... and here it must have service actions */
        if (find(table, opcode, NO_SA)) {
            *sense = bad_option;
            return -1;
        }
        len = report_one(find(table, opcode, sa), rctd, data);
        break;
    case REPORT_ONE_OPCODE_MAYBE_SA:
        /* SPC-5: the service action counts only if the opcode has them */
        len = report_one(find(table, opcode,
                              opcode_has_sa(table, opcode) ? sa : NO_SA),
                         rctd, data);
        break;
    default:
        *sense = bad_option;
        return -1;
    }
    len = len < alloc_len ? len : alloc_len;
    len = len < buf_len ? len : buf_len;
    memcpy(buf, data, len);
    return len;
}
