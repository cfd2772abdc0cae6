/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the controller's own logical unit.
 *
 * The guest reaches the controller, even before any logical drive exists,
 * through a logical unit of peripheral type 0Ch (storage array controller,
 * SPC-4 table 125).  It answers the commands every initiator sends while
 * scanning: INQUIRY (standard data and VPD pages 00h, 80h, 83h), TEST UNIT
 * READY, REQUEST SENSE and REPORT SUPPORTED OPERATION CODES
 * (opcode-report.c).  Peer controllers reach the same unit over the
 * back-end bus: TEST UNIT READY is their heartbeat (seed 003 Table 17),
 * INQUIRY tells them whether this controller is booting (Table 20), and
 * the 20h vendor commands (Tables 3-16) go to vendor-exec.c.
 */
#ifndef SRAID_CTRL_LUN_H
#define SRAID_CTRL_LUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lun-identity.h"
#include "scsi-proto.h"
#include "scsi-result.h"
#include "vendor-exec.h"

/*
 * Largest data-in any command of this unit produces for the host: the
 * guest management physical drive list (mgmt-cmd.h) is the longest, then
 * REPORT SUPPORTED OPERATION CODES with timeouts descriptors.
 * A peer's Node_Read may ask for up to SRAID_VENDOR_MAX_XFER bytes; its
 * transport passes a buffer that size.
 */
#define SRAID_CTRL_LUN_MAX_DATA_IN 4096
_Static_assert(SRAID_CTRL_LUN_MAX_DATA_IN >= SRAID_MGMT_MAX_DATA_IN,
               "the management views fit the unit's data-in");

typedef struct SraidCtrlLun {
    SraidLunIdentity id;
    /*
     * Seed 003 Table 20: byte 36 of the INQUIRY data tells a scanning peer
     * whether this controller is still booting (so it had failed recently).
     */
    bool booting;
    /* This controller as a node of the cluster: state, memory, tables */
    SraidVendorNode node;
} SraidCtrlLun;

void sraid_ctrl_lun_init(SraidCtrlLun *lun, const SraidLunIdentity *id);

/*
 * Make this controller node @node_id of a cluster, its cluster layer
 * reached through @ops (NULL: none yet; the vendor commands that need one
 * answer NOT READY).  Starts from an empty node memory and no cluster
 * state; the owner then sets the state (sraid_vendor_node_set_state()).
 */
void sraid_ctrl_lun_attach_node(SraidCtrlLun *lun, uint8_t node_id,
                                const SraidVendorOps *ops, void *opaque);

/*
 * Execute the @cdb_len byte CDB at @cdb, sent by the host (the guest or an
 * external initiator) without data-out.  Data-in goes to @buf (at most
 * @buf_len bytes, which should be SRAID_CTRL_LUN_MAX_DATA_IN) and is already
 * cut to the command's allocation length.
 */
void sraid_ctrl_lun_execute(SraidCtrlLun *lun, const uint8_t *cdb,
                            size_t cdb_len, uint8_t *buf, size_t buf_len,
                            SraidScsiResult *res);

/*
 * The same for any initiator, a peer controller included (@nx says who),
 * with @data_out_len bytes of data-out for the commands that take a
 * parameter list.
 */
void sraid_ctrl_lun_execute_nexus(SraidCtrlLun *lun,
                                  const SraidVendorNexus *nx,
                                  const uint8_t *cdb, size_t cdb_len,
                                  const uint8_t *data_out,
                                  size_t data_out_len, uint8_t *buf,
                                  size_t buf_len, SraidScsiResult *res);

#endif /* SRAID_CTRL_LUN_H */
