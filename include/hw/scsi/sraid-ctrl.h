/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: a clustered, multi-initiator RAID controller model.
 *
 * sraid-ctrl is a SCSI device on a standard HBA's bus: the guest sees it as
 * a storage array controller (peripheral type 0Ch).  Its member drives plug
 * into the controller's own back-end bus as sraid-drive devices, each at a
 * channel and SCSI target id, as drives sit on the shared SCSI channels of a
 * cluster-mode controller (seed 003).
 */
#ifndef HW_SCSI_SRAID_CTRL_H
#define HW_SCSI_SRAID_CTRL_H

#include "hw/qdev-core.h"
#include "hw/scsi/scsi.h"
#include "hw/block/block.h"
#include "qom/object.h"

#define SRAID_MAX_NODES         16      /* SCSI ids on a back-end channel */
#define SRAID_MAX_CHANNELS      4

#define TYPE_SRAID_CTRL "sraid-ctrl"
OBJECT_DECLARE_SIMPLE_TYPE(SraidCtrl, SRAID_CTRL)

#define TYPE_SRAID_DRIVE_BUS "sraid-drive-bus"
OBJECT_DECLARE_SIMPLE_TYPE(SraidDriveBus, SRAID_DRIVE_BUS)

#define TYPE_SRAID_DRIVE "sraid-drive"
OBJECT_DECLARE_SIMPLE_TYPE(SraidDrive, SRAID_DRIVE)

struct SraidDriveBus {
    BusState parent_obj;
};

/* A member (physical) drive of the controller. */
struct SraidDrive {
    DeviceState parent_obj;

    BlockConf conf;
    uint8_t channel;
    uint8_t target;
    /* its channel's cable is cut (sraid-set-cable): every I/O fails */
    bool cable_cut;
};

#endif /* HW_SCSI_SRAID_CTRL_H */
