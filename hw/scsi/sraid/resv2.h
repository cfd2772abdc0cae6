/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: SPC-2 logical unit reservations (SPC-2 5.5.1;
 * RESERVE(6) 7.21, RESERVE(10) 7.22, RELEASE(6) 7.19, RELEASE(10) 7.20)
 * of one logical unit, as a pure state machine: no I/O, no clock, no QEMU.
 *
 * One I_T nexus (the same identity as persistent reservations use, pr.h)
 * holds the reservation or none does.  The owner calls
 * sraid_resv2_check() for every command that sraid_pr_check() allowed,
 * hands RESERVE/RELEASE to sraid_resv2_execute(), and releases the
 * reservation on a logical unit reset (sraid_resv2_reset()) and on the
 * loss of an I_T nexus (sraid_resv2_nexus_lost()).  Third-party and
 * extent reservations are not supported.  docs/persistent-reservations.md,
 * "SPC-2 reservations", has the details.
 */
#ifndef SRAID_RESV2_H
#define SRAID_RESV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pr.h"
#include "scsi-result.h"

#define SRAID_OP_RESERVE_6              0x16
#define SRAID_OP_RELEASE_6              0x17
#define SRAID_OP_RESERVE_10             0x56
#define SRAID_OP_RELEASE_10             0x57

typedef struct SraidResv2 {
    bool held;
    SraidPrNexus holder;        /* valid when @held */
} SraidResv2;

typedef enum SraidResv2Access {
    SRAID_RESV2_ALLOWED,        /* execute the command */
    SRAID_RESV2_CONFLICT,       /* end it in RESERVATION CONFLICT */
} SraidResv2Access;

/* Is @opcode RESERVE(6/10) or RELEASE(6/10)? */
static inline bool sraid_resv2_is_cmd(uint8_t opcode)
{
    return opcode == SRAID_OP_RESERVE_6 || opcode == SRAID_OP_RELEASE_6 ||
           opcode == SRAID_OP_RESERVE_10 || opcode == SRAID_OP_RELEASE_10;
}

void sraid_resv2_init(SraidResv2 *r);

/* Does @nx hold the reservation? */
bool sraid_resv2_is_holder(const SraidResv2 *r, const SraidPrNexus *nx);

/*
 * May the command @cdb (@cdb_len bytes, at least 1) from @nx run?  While
 * another I_T nexus holds the reservation, only INQUIRY, REQUEST SENSE,
 * REPORT LUNS and RELEASE(6/10) (which then has no effect) are allowed
 * (SPC-2 5.5.1, 7.19).  PERSISTENT RESERVE IN/OUT conflict from every
 * I_T nexus, the holder's included (SPC-2 7.11, 7.12).  RESERVE and
 * RELEASE themselves go to sraid_resv2_execute().
 */
SraidResv2Access sraid_resv2_check(const SraidResv2 *r,
                                   const SraidPrNexus *nx,
                                   const uint8_t *cdb, size_t cdb_len);

/*
 * RESERVE(6/10) or RELEASE(6/10) @cdb (@cdb_len bytes) from @nx: GOOD,
 * RESERVATION CONFLICT, or CHECK CONDITION, ILLEGAL REQUEST, INVALID
 * FIELD IN CDB with a field pointer (third-party, extent, long ID,
 * parameter data).  On anything but GOOD @r is unchanged.
 */
void sraid_resv2_execute(SraidResv2 *r, const SraidPrNexus *nx,
                         const uint8_t *cdb, size_t cdb_len,
                         SraidScsiResult *res);

/*
 * A logical unit reset, a target reset, a hard reset or power loss
 * (SPC-2 5.5.1): the reservation, if any, is released.  True if one was.
 */
bool sraid_resv2_reset(SraidResv2 *r);

/*
 * I_T nexus loss of @nx (SAM-3: a logout or the loss of the iSCSI
 * session): released if @nx held it.  True if it was.
 */
bool sraid_resv2_nexus_lost(SraidResv2 *r, const SraidPrNexus *nx);

#endif /* SRAID_RESV2_H */
