/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the controller's own logical unit.
 *
 * The guest reaches the controller, even before any logical drive exists,
 * through a logical unit of peripheral type 0Ch (storage array controller,
 * SPC-4 table 125).  Management commands will arrive here; for now it answers
 * the commands every initiator sends while scanning: INQUIRY (standard data
 * and VPD pages 00h, 80h, 83h), TEST UNIT READY, REQUEST SENSE and REPORT
 * SUPPORTED OPERATION CODES (opcode-report.c).
 */
#ifndef SRAID_CTRL_LUN_H
#define SRAID_CTRL_LUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lun-identity.h"
#include "scsi-proto.h"

/* Largest data-in any command of this unit produces. */
#define SRAID_CTRL_LUN_MAX_DATA_IN 256

/* Outcome of one command, in the form every transport needs. */
typedef struct SraidScsiResult {
    uint8_t status;
    size_t data_len;                    /* data-in bytes produced */
    uint8_t sense[SRAID_SENSE_FIXED_LEN];
    size_t sense_len;
} SraidScsiResult;

typedef struct SraidCtrlLun {
    SraidLunIdentity id;
    /*
     * Seed 003 Table 20: byte 36 of the INQUIRY data tells a scanning peer
     * whether this controller is still booting (so it had failed recently).
     */
    bool booting;
} SraidCtrlLun;

void sraid_ctrl_lun_init(SraidCtrlLun *lun, const SraidLunIdentity *id);

/*
 * Execute the @cdb_len byte CDB at @cdb.  Data-in goes to @buf (at most
 * @buf_len bytes, which should be SRAID_CTRL_LUN_MAX_DATA_IN) and is already
 * cut to the command's allocation length.
 */
void sraid_ctrl_lun_execute(SraidCtrlLun *lun, const uint8_t *cdb,
                            size_t cdb_len, uint8_t *buf, size_t buf_len,
                            SraidScsiResult *res);

#endif /* SRAID_CTRL_LUN_H */
