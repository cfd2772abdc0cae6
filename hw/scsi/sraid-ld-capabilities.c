/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: what a logical drive tells the initiator it can do, where
 * scsi-disk's answer is not enough.
 *
 * REPORT SUPPORTED OPERATION CODES (SPC-4 6.35), which scsi-disk lacks, is
 * served from the firmware core's table of logical drive commands
 * (sraid/opcode-report.c), and so is GET LBA STATUS (SBC-4 5.7).  INQUIRY
 * is scsi-disk's with a few bytes changed:
 * - standard data: the version descriptors scsi-disk leaves empty (SAM-5,
 *   SPC-4, SBC-3; libiscsi, for one, looks for SBC-3 there);
 * - VPD B0h (block limits): MAXIMUM COMPARE AND WRITE LENGTH, zero there
 *   because scsi-disk has no COMPARE AND WRITE, is the limit of ours
 *   (sraid-ld-caw.c); without it Linux never sends COMPARE AND WRITE and
 *   ESXi-style initiators do not use it for locking;
 * - VPD B2h (logical block provisioning): scsi-disk sets LBPU, LBPWS and
 *   LBPWS10 even without discard; a logical drive is fully provisioned
 *   (a discard would break parity), READ CAPACITY(16) says LBPME = 0, so
 *   the page says no UNMAP either, provisioning type 000b.
 * MODE SENSE gains the control mode page (SPC-4 7.5.8), which every
 * logical unit should have and scsi-disk lacks: in the list of all pages
 * after scsi-disk's, and on its own in place of the caching page scsi-disk
 * is asked for instead (same header, same block descriptor).  Nothing in
 * it is changeable.
 */

#include "qemu/osdep.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/opcode-report.h"
#include "sraid/sense.h"

typedef struct SraidLdReportReq {
    SCSIRequest req;
    size_t data_left;
    uint8_t *buf;
} SraidLdReportReq;

static int32_t sraid_ld_report_send_command(SCSIRequest *req, uint8_t *cdb)
{
    SraidLdReportReq *r = DO_UPCAST(SraidLdReportReq, req, req);
    size_t max_len = sraid_report_opcodes_max_len(&sraid_ld_opcodes);
    SraidSense sense;
    long len;

    r->buf = g_malloc0(max_len);
    len = sraid_report_opcodes(&sraid_ld_opcodes, cdb, r->buf, max_len,
                               &sense);
    trace_sraid_ld_report_opcodes(cdb[2], cdb[3], len);
    if (len < 0) {
        /* with its field pointer, which SCSISense cannot carry */
        req->sense_len = sraid_sense_to_fixed(&sense, req->sense,
                                              sizeof(req->sense));
        scsi_req_complete(req, CHECK_CONDITION);
        return 0;
    }
    return sraid_req_data_in(req, r->buf, max_len, len, &r->data_left);
}

static void sraid_ld_report_read_data(SCSIRequest *req)
{
    sraid_req_read_data(req,
                        &DO_UPCAST(SraidLdReportReq, req, req)->data_left);
}

static uint8_t *sraid_ld_report_get_buf(SCSIRequest *req)
{
    return DO_UPCAST(SraidLdReportReq, req, req)->buf;
}

static void sraid_ld_report_free_req(SCSIRequest *req)
{
    g_free(DO_UPCAST(SraidLdReportReq, req, req)->buf);
}

static const SCSIReqOps sraid_ld_report_req_ops = {
    .size         = sizeof(SraidLdReportReq),
    .send_command = sraid_ld_report_send_command,
    .read_data    = sraid_ld_report_read_data,
    .get_buf      = sraid_ld_report_get_buf,
    .free_req     = sraid_ld_report_free_req,
};

SCSIRequest *sraid_ld_report_opcodes_alloc(SCSIDevice *d, uint32_t tag,
                                           uint32_t lun, void *hba_private)
{
    return scsi_req_alloc(&sraid_ld_report_req_ops, d, tag, lun,
                          hba_private);
}

/*
 * GET LBA STATUS: every block of a fully provisioned logical drive is
 * mapped, so one descriptor from STARTING LBA to the end (as far as its
 * 32-bit length reaches) says it all.
 */
typedef struct SraidLdLbaStatusReq {
    SCSIRequest req;
    SraidLdUnit *unit;
    size_t data_left;
    uint8_t buf[24];
} SraidLdLbaStatusReq;

static int32_t sraid_ld_lba_status_send_command(SCSIRequest *req,
                                                uint8_t *cdb)
{
    SraidLdLbaStatusReq *r = DO_UPCAST(SraidLdLbaStatusReq, req, req);
    uint64_t cap = sraid_geometry_capacity(&r->unit->ld.g);
    uint64_t lba = ldq_be_p(cdb + 2);

    if (lba >= cap) {
        scsi_req_build_sense(req, SENSE_CODE(LBA_OUT_OF_RANGE));
        scsi_req_complete(req, CHECK_CONDITION);
        return 0;
    }
    memset(r->buf, 0, sizeof(r->buf));
    stl_be_p(r->buf, sizeof(r->buf) - 4);   /* PARAMETER DATA LENGTH */
    stq_be_p(r->buf + 8, lba);
    stl_be_p(r->buf + 16, MIN(cap - lba, UINT32_MAX));
    r->buf[20] = 0;                         /* mapped (or unknown) */
    return sraid_req_data_in(req, r->buf, sizeof(r->buf), sizeof(r->buf),
                             &r->data_left);
}

static void sraid_ld_lba_status_read_data(SCSIRequest *req)
{
    sraid_req_read_data(req,
                        &DO_UPCAST(SraidLdLbaStatusReq, req, req)->data_left);
}

static uint8_t *sraid_ld_lba_status_get_buf(SCSIRequest *req)
{
    return DO_UPCAST(SraidLdLbaStatusReq, req, req)->buf;
}

static const SCSIReqOps sraid_ld_lba_status_req_ops = {
    .size         = sizeof(SraidLdLbaStatusReq),
    .send_command = sraid_ld_lba_status_send_command,
    .read_data    = sraid_ld_lba_status_read_data,
    .get_buf      = sraid_ld_lba_status_get_buf,
};

SCSIRequest *sraid_ld_lba_status_alloc(SraidLdUnit *u, SCSIDevice *d,
                                       uint32_t tag, uint32_t lun,
                                       void *hba_private)
{
    SCSIRequest *req = scsi_req_alloc(&sraid_ld_lba_status_req_ops, d, tag,
                                      lun, hba_private);

    DO_UPCAST(SraidLdLbaStatusReq, req, req)->unit = u;
    return req;
}

/*
 * INQUIRY and MODE SENSE: scsi-disk builds the data; a copy of its request
 * ops whose send_command corrects it afterwards.  The data lies in the
 * request's buffer (at least 4096 bytes), which get_buf returns, once
 * send_command has run.  scsi-disk transfers the allocation length
 * whatever the data (zero padded), so what the length fields inside say is
 * what counts; a longer data is cut at the allocation length as usual.
 */
static const SCSIReqOps *sraid_ld_emulate_ops;
static SCSIReqOps sraid_ld_patched_ops;

static void sraid_ld_fix_inquiry(const uint8_t *cdb, uint8_t *data,
                                 int32_t len)
{
    static const uint16_t versions[] = {
        0x00a0,                             /* SAM-5 */
        0x0460,                             /* SPC-4 */
        0x04c0,                             /* SBC-3 */
    };

    if (!(cdb[1] & 1)) {
        /* VERSION DESCRIPTORs 1-3, bytes 58-63 (SPC-4 6.6.2) */
        for (unsigned i = 0; i < G_N_ELEMENTS(versions); i++) {
            if (len >= 58 + 2 * (int32_t)i + 2) {
                stw_be_p(data + 58 + 2 * i, versions[i]);
            }
        }
    } else if (data[1] == 0xb0 && len > 5) {
        data[5] = SRAID_CAW_MAX_BLOCKS;
    } else if (data[1] == 0xb2 && len > 6) {
        data[5] = 0;                        /* no LBPU, LBPWS, LBPWS10 */
        data[6] &= ~0x07;                   /* fully provisioned */
    }
}

#define SRAID_MODE_PAGE_CONTROL     0x0a
#define SRAID_MODE_PAGE_CACHING     0x08
#define SRAID_MODE_ALL_PAGES        0x3f

/* The control mode page at @p: 12 bytes */
static void sraid_ld_control_page(uint8_t *p, unsigned page_control)
{
    memset(p, 0, 12);
    p[0] = SRAID_MODE_PAGE_CONTROL;
    p[1] = 10;
    if (page_control == 1) {
        return;                             /* changeable: nothing */
    }
    /*
     * TST 000b (one task set), D_SENSE 0 (fixed format sense), QUEUE
     * ALGORITHM MODIFIER 0001b (commands may complete in any order: they
     * do), QERR 00b, SWP 0, TAS 1 (a task aborted by another I_T nexus's
     * reset ends with TASK ABORTED: sraid-iscsi-lun.c)
     */
    p[3] = 0x10;
    p[5] = 0x40;
}

/* Add the control page to scsi-disk's MODE SENSE data */
static void sraid_ld_fix_mode_sense(const uint8_t *cdb, uint8_t *data,
                                    bool alone)
{
    bool ms10 = cdb[0] == MODE_SENSE_10;
    size_t hdr = ms10 ? 8 : 4;
    size_t bdl = ms10 ? lduw_be_p(data + 6) : data[3];
    size_t end = ms10 ? 2 + lduw_be_p(data) : 1 + (size_t)data[0];
    size_t at = end;

    if (alone) {
        /* scsi-disk's caching page sits where ours goes */
        at = hdr + bdl;
        memset(data + at, 0, end - at);
    }
    sraid_ld_control_page(data + at, cdb[2] >> 6);
    end = at + 12;
    if (ms10) {
        stw_be_p(data, end - 2);
    } else {
        data[0] = end - 1;
    }
}

static int32_t sraid_ld_patched_send_command(SCSIRequest *req, uint8_t *cdb)
{
    bool mode_sense = cdb[0] == MODE_SENSE || cdb[0] == MODE_SENSE_10;
    uint8_t page = cdb[2] & 0x3f;
    bool control = mode_sense && page == SRAID_MODE_PAGE_CONTROL &&
                   cdb[3] == 0;
    int32_t len;

    if (control) {
        /* scsi-disk has no control page: have it build the caching page */
        cdb[2] = (cdb[2] & 0xc0) | SRAID_MODE_PAGE_CACHING;
    }
    len = sraid_ld_emulate_ops->send_command(req, cdb);
    if (control) {
        cdb[2] = (cdb[2] & 0xc0) | SRAID_MODE_PAGE_CONTROL;
    }
    if (req->status != -1 || len <= 0) {
        return len;                         /* refused: nothing to correct */
    }
    if (cdb[0] == INQUIRY) {
        sraid_ld_fix_inquiry(cdb, sraid_ld_emulate_ops->get_buf(req), len);
    } else if (control || (mode_sense && page == SRAID_MODE_ALL_PAGES &&
                           (cdb[3] == 0 || cdb[3] == 0xff))) {
        sraid_ld_fix_mode_sense(cdb, sraid_ld_emulate_ops->get_buf(req),
                                control);
    }
    return len;
}

void sraid_ld_patch_emulated(SCSIRequest *req)
{
    if (!sraid_ld_emulate_ops) {
        sraid_ld_emulate_ops = req->ops;
        sraid_ld_patched_ops = *req->ops;
        sraid_ld_patched_ops.send_command = sraid_ld_patched_send_command;
    }
    /* every INQUIRY and MODE SENSE of scsi-disk uses its emulation ops */
    if (req->ops == sraid_ld_emulate_ops) {
        req->ops = &sraid_ld_patched_ops;
    }
}
