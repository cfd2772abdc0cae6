/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-ld: SPC-2 RESERVE(6/10) and RELEASE(6/10) of a logical drive
 * (SPC-2 5.5.1, 7.19-7.22).  The state machine is the firmware core's
 * (sraid/resv2.c); this file runs the commands for both devices of the
 * logical drive (guest path and iSCSI twin) and releases the reservation
 * on a reset and on I_T nexus loss.
 */

#include "qemu/osdep.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

/*
 * SPC-2 RESERVE(6/10) and RELEASE(6/10) (SPC-2 5.5.1, 7.19-7.22): the
 * state machine is sraid/resv2.c; the command runs when it is started.
 */
typedef struct SraidResv2Req {
    SCSIRequest req;
    SraidLdUnit *unit;
    SraidPrNexus nexus;
} SraidResv2Req;

static void sraid_resv2_req_result(SCSIRequest *req,
                                   const SraidScsiResult *res)
{
    if (res->status == CHECK_CONDITION) {
        memcpy(req->sense, res->sense, res->sense_len);
        req->sense_len = res->sense_len;
    }
    scsi_req_complete(req, res->status);
}

static int32_t sraid_resv2_send_command(SCSIRequest *req, uint8_t *cdb)
{
    SraidResv2Req *r = DO_UPCAST(SraidResv2Req, req, req);
    SraidLdUnit *u = r->unit;
    SraidScsiResult res;

    sraid_resv2_execute(&u->resv2, &r->nexus, cdb, req->cmd.len, &res);
    trace_sraid_ld_resv2(u->ctrl->node_id, u->index, cdb[0], r->nexus.rtpi,
                         res.status, u->resv2.held);
    sraid_resv2_req_result(req, &res);
    return 0;
}

static const SCSIReqOps sraid_resv2_req_ops = {
    .size         = sizeof(SraidResv2Req),
    .send_command = sraid_resv2_send_command,
};

SCSIRequest *sraid_ld_resv2_alloc(SraidLdUnit *u, SCSIDevice *d, uint32_t tag,
                                  uint32_t lun, void *hba_private,
                                  const SraidPrNexus *nx)
{
    SCSIRequest *req = scsi_req_alloc(&sraid_resv2_req_ops, d, tag, lun,
                                      hba_private);
    SraidResv2Req *r = DO_UPCAST(SraidResv2Req, req, req);

    r->unit = u;
    r->nexus = *nx;
    return req;
}

void sraid_ld_resv2_reset(SraidLdUnit *u)
{
    /* SPC-2 5.5.1: a logical unit reset or a hard reset releases it */
    if (sraid_resv2_reset(&u->resv2)) {
        trace_sraid_ld_resv2_released(u->ctrl->node_id, u->index, "reset");
    }
}

void sraid_ld_resv2_nexus_lost(SraidCtrl *s, const SraidPrNexus *nx)
{
    /* SPC-2 5.5.1 (SAM-3 I_T nexus loss): the holder's session ended */
    for (unsigned i = 0; s->has_array && i < s->cod.nlds; i++) {
        SraidLdUnit *u = s->lds[i];

        if (u && sraid_resv2_nexus_lost(&u->resv2, nx)) {
            trace_sraid_ld_resv2_released(s->node_id, u->index,
                                          "I_T nexus loss");
        }
    }
}
