/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: what a logical drive tells the initiator it can do, where
 * scsi-disk's answer is not enough.
 *
 * REPORT SUPPORTED OPERATION CODES (SPC-4 6.35), which scsi-disk lacks, is
 * served from the firmware core's table of logical drive commands
 * (sraid/opcode-report.c).  VPD page B0h (block limits) is scsi-disk's
 * with one byte changed: MAXIMUM COMPARE AND WRITE LENGTH, zero there
 * because scsi-disk has no COMPARE AND WRITE, is the limit of ours
 * (sraid-ld-caw.c); without it Linux never sends COMPARE AND WRITE and
 * ESXi-style initiators do not use it for locking.
 */

#include "qemu/osdep.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/opcode-report.h"

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
        scsi_req_build_sense(req, (SCSISense) { .key = sense.key,
                                                .asc = sense.asc,
                                                .ascq = sense.ascq });
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
 * INQUIRY of VPD B0h: scsi-disk builds the page; a copy of its request ops
 * whose send_command sets byte 5 afterwards.  The page lies in the
 * request's buffer, which get_buf returns, once send_command has run.
 */
static const SCSIReqOps *sraid_ld_inquiry_ops;
static SCSIReqOps sraid_ld_block_limits_ops;

static int32_t sraid_ld_block_limits_send_command(SCSIRequest *req,
                                                  uint8_t *cdb)
{
    int32_t len = sraid_ld_inquiry_ops->send_command(req, cdb);

    if (len > 5) {
        uint8_t *page = sraid_ld_inquiry_ops->get_buf(req);

        if (page[1] == 0xb0) {
            page[5] = SRAID_CAW_MAX_BLOCKS;
        }
    }
    return len;
}

void sraid_ld_patch_block_limits(SCSIRequest *req)
{
    if (!sraid_ld_inquiry_ops) {
        sraid_ld_inquiry_ops = req->ops;
        sraid_ld_block_limits_ops = *req->ops;
        sraid_ld_block_limits_ops.send_command =
            sraid_ld_block_limits_send_command;
    }
    /* every INQUIRY of scsi-disk uses the same (emulation) request ops */
    if (req->ops == sraid_ld_inquiry_ops) {
        req->ops = &sraid_ld_block_limits_ops;
    }
}
