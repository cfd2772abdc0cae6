/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: COMPARE AND WRITE (SBC-4 5.3) and ORWRITE (16) (SBC-4 5.18),
 * which scsi-disk lacks.
 *
 * The read and the write run under one exclusive lock of the stripes
 * they touch, the same lock every write of the logical drive takes, so no
 * other write to those blocks can slip between them: the atomicity
 * cluster software (e.g. VMware ATS locking) relies on, and that makes
 * ORWRITE's OR of the data-out into the blocks one operation (SBC-4 5.18:
 * ORWRITE without a generation number, BMOP 000b; no protection
 * information, ORPROTECT 0).
 */

#include "qemu/osdep.h"
#include "qemu/coroutine.h"
#include "qemu/memalign.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

typedef struct SraidCawReq {
    SCSIRequest req;
    SraidLdUnit *unit;
    uint64_t lba;
    uint32_t blocks;
    bool fua;
    bool orwrite;                   /* ORWRITE, not COMPARE AND WRITE */
    uint8_t *buf;                   /* CAW: verify data, then write data */
    bool have_data;
} SraidCawReq;

/* Data-out bytes of the command */
static size_t sraid_caw_data_len(SraidCawReq *r)
{
    return (r->orwrite ? 1 : 2) * (size_t)r->blocks * SRAID_SECTOR;
}

void sraid_ld_req_check(SCSIRequest *req, SCSISense sense)
{
    scsi_req_build_sense(req, sense);
    scsi_req_complete(req, CHECK_CONDITION);
}

/*
 * MISCOMPARE DURING VERIFY OPERATION, the INFORMATION field holding the
 * offset of the first byte that differs (SBC-4 5.3 COMPARE AND WRITE,
 * 5.33 VERIFY).
 */
void sraid_ld_req_miscompare(SCSIRequest *req, uint32_t offset)
{
    memset(req->sense, 0, 18);
    req->sense[0] = 0x80 | 0x70;    /* VALID, current, fixed format */
    req->sense[2] = MISCOMPARE;
    stl_be_p(req->sense + 3, offset);
    req->sense[7] = 10;
    req->sense[12] = 0x1d;
    req->sense_len = 18;
    scsi_req_complete(req, CHECK_CONDITION);
}

static void coroutine_fn sraid_caw_co(void *opaque)
{
    SraidCawReq *r = opaque;
    SraidLdUnit *u = r->unit;
    size_t len = (size_t)r->blocks * SRAID_SECTOR;
    uint8_t *cur = qemu_memalign(SRAID_SECTOR, len);
    SraidStripeLock lock;
    int ret, diff = -1;

    u->requests_in_flight++;
    sraid_ld_lock(u, &lock, r->lba, r->blocks, true);
    ret = sraid_ld_read(&u->ld, r->lba, r->blocks, cur);
    if (ret == 0 && r->orwrite) {
        for (size_t i = 0; i < len; i++) {
            r->buf[i] |= cur[i];
        }
    } else if (ret == 0) {
        for (size_t i = 0; i < len; i++) {
            if (cur[i] != r->buf[i]) {
                diff = i;
                break;
            }
        }
    }
    if (ret == 0 && diff < 0) {
        QEMUIOVector qiov;

        qemu_iovec_init_buf(&qiov, r->buf + (r->orwrite ? 0 : len), len);
        ret = sraid_ld_locked_write(u, &lock, r->lba, r->blocks, &qiov,
                                    r->fua ? SRAID_IO_FUA : 0);
    }
    sraid_ld_unlock(u, &lock);
    u->requests_in_flight--;
    qemu_vfree(cur);
    trace_sraid_ld_caw(u->ctrl->node_id, u->index, r->lba, r->blocks, diff,
                       ret);

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

static int32_t sraid_caw_send_command(SCSIRequest *req, uint8_t *cdb)
{
    SraidCawReq *r = DO_UPCAST(SraidCawReq, req, req);
    uint64_t cap = sraid_geometry_capacity(&r->unit->ld.g);

    r->orwrite = cdb[0] == SRAID_OP_ORWRITE_16;
    r->lba = ldq_be_p(cdb + 2);
    r->blocks = r->orwrite ? ldl_be_p(cdb + 10) : cdb[13];
    /* no protection information: WRPROTECT/ORPROTECT must be 0 */
    if (cdb[1] & 0xe0 ||
        r->blocks > (r->orwrite ? SRAID_ORWRITE_MAX_BLOCKS
                                : SRAID_CAW_MAX_BLOCKS)) {
        sraid_ld_req_check(req, SENSE_CODE(INVALID_FIELD));
        return 0;
    }
    if (r->lba > cap || r->blocks > cap - r->lba) {
        sraid_ld_req_check(req, SENSE_CODE(LBA_OUT_OF_RANGE));
        return 0;
    }
    if (r->blocks == 0) {
        scsi_req_complete(req, GOOD);   /* not an error (SBC-4 5.3) */
        return 0;
    }
    r->fua = (cdb[1] & 0x08) || !r->unit->ctrl->write_cache;
    r->buf = qemu_memalign(SRAID_SECTOR, sraid_caw_data_len(r));
    return -(int32_t)sraid_caw_data_len(r);
}

static void sraid_caw_write_data(SCSIRequest *req)
{
    SraidCawReq *r = DO_UPCAST(SraidCawReq, req, req);

    /* CAW: both halves, verify and write data */
    if (sraid_req_data_out_all(req, &r->have_data, sraid_caw_data_len(r))) {
        sraid_req_co_begin(req, sraid_caw_co, r);
    }
}

static uint8_t *sraid_caw_get_buf(SCSIRequest *req)
{
    return DO_UPCAST(SraidCawReq, req, req)->buf;
}

static void sraid_caw_free(SCSIRequest *req)
{
    qemu_vfree(DO_UPCAST(SraidCawReq, req, req)->buf);
}

static const SCSIReqOps sraid_caw_req_ops = {
    .size         = sizeof(SraidCawReq),
    .send_command = sraid_caw_send_command,
    .write_data   = sraid_caw_write_data,
    .get_buf      = sraid_caw_get_buf,
    .free_req     = sraid_caw_free,
};

SCSIRequest *sraid_ld_caw_alloc(SraidLdUnit *u, SCSIDevice *d, uint32_t tag,
                                uint32_t lun, void *hba_private)
{
    SCSIRequest *req = scsi_req_alloc(&sraid_caw_req_ops, d, tag, lun,
                                      hba_private);

    DO_UPCAST(SraidCawReq, req, req)->unit = u;
    return req;
}
