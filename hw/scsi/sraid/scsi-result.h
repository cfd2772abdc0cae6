/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the outcome of one SCSI command, in the form every
 * transport needs (QEMU's SCSIRequest, an iSCSI SCSI Response PDU).
 */
#ifndef SRAID_SCSI_RESULT_H
#define SRAID_SCSI_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsi-proto.h"
#include "sense.h"

typedef struct SraidScsiResult {
    uint8_t status;
    size_t data_len;                    /* data-in bytes produced */
    uint8_t sense[SRAID_SENSE_FIXED_LEN];
    size_t sense_len;
    /*
     * No status yet: the owner took the command and completes it later
     * (a guest management write running through QMP's coroutines).
     */
    bool pending;
} SraidScsiResult;

/* End the command in CHECK CONDITION with @sense and no data. */
static inline void sraid_result_sense(SraidScsiResult *res,
                                      const SraidSense *sense)
{
    res->status = SRAID_STATUS_CHECK_CONDITION;
    res->data_len = 0;
    res->sense_len = sraid_sense_to_fixed(sense, res->sense,
                                          sizeof(res->sense));
}

/* End the command with a status that carries no sense data. */
static inline void sraid_result_status(SraidScsiResult *res, uint8_t status)
{
    res->status = status;
    res->data_len = 0;
    res->sense_len = 0;
}

#endif /* SRAID_SCSI_RESULT_H */
