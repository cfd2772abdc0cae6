/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: VERIFY (10/12/16) (SBC-4 5.33 - 5.35), which scsi-disk knows
 * only without a byte-by-byte compare (BYTCHK 00b) and then without
 * reading anything, or checking the LBA range.
 *
 * BYTCHK 00b reads the blocks (a medium verification: through the RAID
 * engine, a degraded logical drive included), 01b compares them with the
 * data-out, 11b compares each with the one block of data-out.  A mismatch
 * is MISCOMPARE DURING VERIFY OPERATION with the offset of the first
 * differing byte in INFORMATION (SBC-4 5.33.2).  The blocks are read in
 * pieces, each under a shared stripe lock like any read.  The data-out
 * comes in one piece: scsi-bus moves an HBA's scatter list in a single
 * scsi_req_data() (virtio-scsi's included), so a compare is bounded to
 * SRAID_VERIFY_MAX_COMPARE blocks (INVALID FIELD IN CDB beyond; the
 * iSCSI target buffers at most 8 MiB per command anyway).  There is no
 * protection information: VRPROTECT must be 0.  DPO is accepted and has
 * nothing to do (the logical drive keeps no cache of its own).
 */

#include "qemu/osdep.h"
#include "qemu/coroutine.h"
#include "qemu/memalign.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

/* Blocks read per piece; blocks of data-out one VERIFY may compare */
#define SRAID_VERIFY_PIECE          512
#define SRAID_VERIFY_MAX_COMPARE    16384

typedef struct SraidVerifyReq {
    SCSIRequest req;
    SraidLdUnit *unit;
    uint64_t lba;
    uint32_t blocks;
    uint8_t bytchk;                 /* 0, 1 or 3 */
    uint8_t *buf;                   /* the data-out */
    bool have_data;
} SraidVerifyReq;

static void coroutine_fn sraid_verify_co(void *opaque)
{
    SraidVerifyReq *r = opaque;
    SraidLdUnit *u = r->unit;
    uint8_t *cur = qemu_memalign(SRAID_SECTOR,
                                 SRAID_VERIFY_PIECE * SRAID_SECTOR);
    uint64_t done = 0;
    int64_t diff = -1;
    int ret = 0;

    u->requests_in_flight++;
    while (done < r->blocks && !r->req.io_canceled) {
        uint32_t n = MIN(r->blocks - done, SRAID_VERIFY_PIECE);
        const uint8_t *want = r->bytchk == 1 ? r->buf + done * SRAID_SECTOR
                                             : r->buf;
        SraidStripeLock lock;

        sraid_ld_lock(u, &lock, r->lba + done, n, false);
        ret = sraid_ld_read(&u->ld, r->lba + done, n, cur);
        sraid_ld_unlock(u, &lock);
        if (ret < 0) {
            break;
        }
        for (size_t i = 0; r->bytchk && i < (size_t)n * SRAID_SECTOR; i++) {
            if (cur[i] != want[r->bytchk == 1 ? i : i % SRAID_SECTOR]) {
                diff = done * SRAID_SECTOR + i;
                break;
            }
        }
        if (diff >= 0) {
            break;
        }
        done += n;
    }
    u->requests_in_flight--;
    qemu_vfree(cur);
    trace_sraid_ld_verify(u->ctrl->node_id, u->index, r->lba, r->blocks,
                          r->bytchk, diff, ret);

    if (sraid_req_co_end(&r->req)) {
        /* aborted meanwhile: scsi-bus has been told */
    } else if (ret < 0) {
        sraid_ld_req_check(&r->req, SENSE_CODE(IO_ERROR));
    } else if (diff >= 0) {
        sraid_ld_req_miscompare(&r->req, diff);
    } else {
        scsi_req_complete(&r->req, GOOD);
    }
    scsi_req_unref(&r->req);
}

static int32_t sraid_verify_send_command(SCSIRequest *req, uint8_t *cdb)
{
    SraidVerifyReq *r = DO_UPCAST(SraidVerifyReq, req, req);
    uint64_t cap = sraid_geometry_capacity(&r->unit->ld.g);

    switch (cdb[0]) {
    case VERIFY_10:
        r->lba = ldl_be_p(cdb + 2);
        r->blocks = lduw_be_p(cdb + 7);
        break;
    case VERIFY_12:
        r->lba = ldl_be_p(cdb + 2);
        r->blocks = ldl_be_p(cdb + 6);
        break;
    default:
        r->lba = ldq_be_p(cdb + 2);
        r->blocks = ldl_be_p(cdb + 10);
        break;
    }
    r->bytchk = (cdb[1] >> 1) & 3;
    /* no protection information; BYTCHK 10b is reserved */
    if ((cdb[1] & 0xe0) || r->bytchk == 2 ||
        (r->bytchk == 1 && r->blocks > SRAID_VERIFY_MAX_COMPARE)) {
        sraid_ld_req_check(req, SENSE_CODE(INVALID_FIELD));
        return 0;
    }
    if (r->lba > cap || r->blocks > cap - r->lba) {
        sraid_ld_req_check(req, SENSE_CODE(LBA_OUT_OF_RANGE));
        return 0;
    }
    if (r->blocks == 0) {
        scsi_req_complete(req, GOOD);   /* not an error (SBC-4 5.33) */
        return 0;
    }
    if (r->bytchk == 0) {
        /* no data-out: the reads start now, the status comes later */
        sraid_req_co_begin(req, sraid_verify_co, r);
        return 0;
    }
    r->buf = qemu_memalign(SRAID_SECTOR, req->cmd.xfer);
    /* BYTCHK 01b: all blocks, 11b: one (scsi_req_parse_cdb agrees) */
    return -(int32_t)req->cmd.xfer;
}

static void sraid_verify_write_data(SCSIRequest *req)
{
    SraidVerifyReq *r = DO_UPCAST(SraidVerifyReq, req, req);

    if (sraid_req_data_out_all(req, &r->have_data, req->cmd.xfer)) {
        sraid_req_co_begin(req, sraid_verify_co, r);
    }
}

static uint8_t *sraid_verify_get_buf(SCSIRequest *req)
{
    return DO_UPCAST(SraidVerifyReq, req, req)->buf;
}

static void sraid_verify_free(SCSIRequest *req)
{
    qemu_vfree(DO_UPCAST(SraidVerifyReq, req, req)->buf);
}
static const SCSIReqOps sraid_verify_req_ops = {
    .size         = sizeof(SraidVerifyReq),
    .send_command = sraid_verify_send_command,
    .write_data   = sraid_verify_write_data,
    .get_buf      = sraid_verify_get_buf,
    .free_req     = sraid_verify_free,
};

SCSIRequest *sraid_ld_verify_alloc(SraidLdUnit *u, SCSIDevice *d,
                                   uint32_t tag, uint32_t lun,
                                   void *hba_private)
{
    SCSIRequest *req = scsi_req_alloc(&sraid_verify_req_ops, d, tag, lun,
                                      hba_private);

    DO_UPCAST(SraidVerifyReq, req, req)->unit = u;
    return req;
}
