/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A minimal virtio-scsi driver for the sraid qtests: one request queue,
 * polled, the way a guest driver talks to the HBA.
 */
#ifndef SRAID_VSCSI_H
#define SRAID_VSCSI_H

#include "libqos/libqos-pc.h"
#include "libqos/virtio-pci.h"
#include "standard-headers/linux/virtio_scsi.h"

#define VSCSI_SLOT      4
/* The HBA the helpers drive: its bus is vs0.0 */
#define VSCSI_ARGS      "-device virtio-scsi-pci,id=vs0,addr=" \
                        stringify(VSCSI_SLOT) ".0"
#define TIMEOUT_US      (5 * 1000 * 1000)
#define MAX_QUEUES      16

typedef struct VScsi {
    QOSState *qs;
    QVirtioPCIDevice *pdev;
    unsigned num_queues;
    QVirtQueue *vq[MAX_QUEUES + 2];
} VScsi;

typedef struct ScsiResult {
    uint8_t response;                   /* virtio-scsi response code */
    uint8_t status;                     /* SCSI status */
    uint8_t sense[VIRTIO_SCSI_SENSE_SIZE];
    uint32_t resid;
    uint8_t data[512];
    size_t data_len;                    /* data-in actually transferred */
} ScsiResult;

uint32_t get_be32(const uint8_t *p);
uint64_t get_be64(const uint8_t *p);
void put_be32(uint8_t *p, uint32_t v);
void put_be64(uint8_t *p, uint64_t v);

/* Boot a PC with @args, which include VSCSI_ARGS. */
VScsi *vscsi_start(const char *args);
void vscsi_stop(VScsi *v);

/*
 * Send @cdb to @target/@lun and wait: @out_len bytes of data-out from
 * @out, or up to @in_len bytes of data-in into @in (not both).
 */
void vscsi_io(VScsi *v, uint8_t target, uint16_t lun, const uint8_t *cdb,
              size_t cdb_len, const void *out, size_t out_len, void *in,
              size_t in_len, ScsiResult *r);
/*
 * Queue a command with @out_len bytes of data-out and do not wait for it
 * (for tests that kill QEMU while it runs).
 */
void vscsi_submit_nowait(VScsi *v, uint8_t target, uint16_t lun,
                         const uint8_t *cdb, size_t cdb_len, const void *out,
                         size_t out_len);
/* Data-in of up to 512 bytes into r->data. */
void vscsi_cmd(VScsi *v, uint8_t target, uint16_t lun, const uint8_t *cdb,
               size_t cdb_len, size_t data_in_len, ScsiResult *r);

/*
 * A guest management command (opcode 20h, DCMD @dcmd, docs/sraidctl.md)
 * to the controller at @target, LUN 0: @out_len bytes of parameter list
 * or up to @in_len bytes of data-in, the length in CDB bytes 7-8 least
 * significant byte first; past unit attentions.
 */
void vscsi_mgmt(VScsi *v, uint8_t target, uint8_t dcmd, const void *out,
                size_t out_len, void *in, size_t in_len, ScsiResult *r);

void vscsi_listed_opcodes(VScsi *v, uint8_t target, uint16_t lun,
                          bool listed[256]);
void vscsi_cdb_large_lengths(uint8_t op, uint8_t cdb[16]);
bool vscsi_refused_with_any_buffer(VScsi *v, uint8_t target, uint16_t lun,
                                   const uint8_t *cdb, size_t cdb_len);

char *vscsi_unlisted_not_refused(VScsi *v, uint8_t target, uint16_t lun);

void assert_sense(const ScsiResult *r, uint8_t key, uint8_t asc,
                  uint8_t ascq);
void assert_good(const ScsiResult *r);

#endif /* SRAID_VSCSI_H */
