/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid qtests: arrays on temporary member files, made by sraid-img and
 * served by a QEMU through virtio-scsi, and what the tests check on them.
 */
#ifndef SRAID_QTEST_ARRAY_H
#define SRAID_QTEST_ARRAY_H

#include "sraid-vscsi.h"

#define CTRL_ID         1               /* controller scsi-id; LD 0 at 2 */
#define LD_TARGET       2
#define MEMBER_BYTES    (24 * 1024 * 1024)
#define MAX_SECTORS     128             /* per command */

typedef struct Array {
    char *dir;
    unsigned n;
    char *file[8];                      /* NULL: left out */
    unsigned blanks;                    /* blank drives after the n */
    uint64_t sectors;                   /* LD capacity */
    char *serial;
    uint64_t naa;
    uint8_t *ref;                       /* what the guest wrote */
} Array;

const char *sraid_img(void);
/*
 * A block of 32 free loopback ports (2 channels x 16 node ids), for a
 * controller's iscsi-port: free when probed, not reserved.
 */
unsigned free_port_block(void);
/* sraid-img @args on the member files (and blanks); exit status */
int run_img(Array *a, const char *args, char **out);
/* @n member files of MEMBER_BYTES and an array of @level on them */
void array_create(Array *a, unsigned level, unsigned n);
/* one more file, blank (no configuration): a drive to add as a spare */
void array_add_blank(Array *a);
void array_free(Array *a);
/*
 * Command line: VSCSI_ARGS, the controller (id c0, @ctrl_opts appended)
 * and every file i as block node mi, sraid-drive di at channel i % 2,
 * target i / 2; member @bad fails reads of its
 * sector 0, @absent is left out, @held holds back writes of sector 0.
 */
char *array_args_full(Array *a, int bad, int absent, int held,
                      const char *ctrl_opts);
char *array_args(Array *a, int bad, int absent);
/* READ/WRITE(10) of the logical drive at @target, or LD_TARGET */
void ld_rw_at(VScsi *v, uint8_t target, bool write, uint64_t lba,
              uint32_t n, uint8_t *buf, ScsiResult *r);
void ld_rw(VScsi *v, bool write, uint64_t lba, uint32_t n, uint8_t *buf,
           ScsiResult *r);
/* past the power-on (or hotplug) unit attentions */
void ld_ready_at(VScsi *v, uint8_t target);
void ld_ready(VScsi *v);
/* array_create, then its QEMU with every member, the LD ready */
VScsi *ld_array_start(Array *a, unsigned level, unsigned members);
/* random writes of 1..MAX_SECTORS sectors, mirrored into a->ref */
void random_writes(VScsi *v, Array *a, GRand *rnd, unsigned count);
/* the first @sectors of the LD at @target read back as @ref */
void assert_target_holds(VScsi *v, uint8_t target, uint64_t sectors,
                         const uint8_t *ref);
/* the whole LD reads back as a->ref */
void assert_reads_back(VScsi *v, Array *a);
/* offline: sraid-img check consistent, export equal to a->ref */
void assert_members_hold(Array *a);

#endif /* SRAID_QTEST_ARRAY_H */
