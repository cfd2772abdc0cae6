/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: SPC-2 logical unit reservations (resv2.h).
 */
#include <string.h>

#include "resv2.h"
#include "sense.h"

#define OP_INQUIRY                      0x12
#define OP_REQUEST_SENSE                0x03
#define OP_REPORT_LUNS                  0xa0

void sraid_resv2_init(SraidResv2 *r)
{
    memset(r, 0, sizeof(*r));
}

static bool nexus_equal(const SraidPrNexus *a, const SraidPrNexus *b)
{
    return a->rtpi == b->rtpi && a->initiator.len == b->initiator.len &&
           !memcmp(a->initiator.b, b->initiator.b, a->initiator.len);
}

bool sraid_resv2_is_holder(const SraidResv2 *r, const SraidPrNexus *nx)
{
    return r->held && nexus_equal(&r->holder, nx);
}

SraidResv2Access sraid_resv2_check(const SraidResv2 *r,
                                   const SraidPrNexus *nx,
                                   const uint8_t *cdb, size_t cdb_len)
{
    if (!r->held || !cdb_len) {
        return SRAID_RESV2_ALLOWED;
    }
    /*
     * SPC-2 7.11, 7.12: PERSISTENT RESERVE IN/OUT while a RESERVE(6/10)
     * reservation is active: RESERVATION CONFLICT, from the holder too
     * (a registration now would leave a reservation that the holder could
     * no longer RELEASE: SPC-4 5.7.3 refuses it while one exists).
     */
    if (cdb[0] == SRAID_OP_PERSISTENT_RESERVE_IN ||
        cdb[0] == SRAID_OP_PERSISTENT_RESERVE_OUT) {
        return SRAID_RESV2_CONFLICT;
    }
    if (nexus_equal(&r->holder, nx)) {
        return SRAID_RESV2_ALLOWED;
    }
    switch (cdb[0]) {
    /* SPC-2 5.5.1: not affected by a reservation of another initiator */
    case OP_INQUIRY:
    case OP_REQUEST_SENSE:
    case OP_REPORT_LUNS:
    /* SPC-2 7.19, 7.20: RELEASE from a non-holder: GOOD, no effect */
    case SRAID_OP_RELEASE_6:
    case SRAID_OP_RELEASE_10:
        return SRAID_RESV2_ALLOWED;
    default:
        /* everything else, RESERVE included (SPC-2 7.21.2): conflict */
        return SRAID_RESV2_CONFLICT;
    }
}

/* The CDB fields this unit does not support; false if none is set */
static bool resv2_cdb_refused(const uint8_t *cdb, size_t cdb_len,
                              SraidSense *s)
{
    bool ten = cdb[0] == SRAID_OP_RESERVE_10 || cdb[0] == SRAID_OP_RELEASE_10;

    if (cdb_len < (ten ? 10u : 6u)) {
        *s = sraid_sense_invalid_field;
        return true;
    }
    /* byte 1 bit 4: 3RDPTY, third-party reservations (SPC-2 7.21.1) */
    if (cdb[1] & 0x10) {
        *s = sraid_sense_at(&sraid_sense_invalid_field, true, 1, 4);
        return true;
    }
    if (!ten) {
        /* byte 1 bit 0: EXTENT, extent reservations (SPC-2 7.21.1) */
        if (cdb[1] & 0x01) {
            *s = sraid_sense_at(&sraid_sense_invalid_field, true, 1, 0);
            return true;
        }
        return false;
    }
    /* RESERVE(10)/RELEASE(10), SPC-2 7.22.1, 7.20: bit 1 LONGID, bit 0 */
    if (cdb[1] & 0x02) {
        *s = sraid_sense_at(&sraid_sense_invalid_field, true, 1, 1);
        return true;
    }
    if (cdb[1] & 0x01) {
        *s = sraid_sense_at(&sraid_sense_invalid_field, true, 1, 0);
        return true;
    }
    /* bytes 7-8 PARAMETER LIST LENGTH: only third-party ones send data */
    if (cdb[7] || cdb[8]) {
        *s = sraid_sense_at(&sraid_sense_invalid_field, true,
                            cdb[7] ? 7 : 8, -1);
        return true;
    }
    return false;
}

void sraid_resv2_execute(SraidResv2 *r, const SraidPrNexus *nx,
                         const uint8_t *cdb, size_t cdb_len,
                         SraidScsiResult *res)
{
    bool reserve = cdb[0] == SRAID_OP_RESERVE_6 ||
                   cdb[0] == SRAID_OP_RESERVE_10;
    SraidSense s;

    if (resv2_cdb_refused(cdb, cdb_len, &s)) {
        sraid_result_sense(res, &s);
        return;
    }
    if (!reserve) {
        /*
         * SPC-2 7.19, 7.20: the holder's RELEASE releases; anyone else's,
         * or one without a reservation, is GOOD and does nothing.
         */
        if (sraid_resv2_is_holder(r, nx)) {
            r->held = false;
            memset(&r->holder, 0, sizeof(r->holder));
        }
        sraid_result_status(res, SRAID_STATUS_GOOD);
        return;
    }
    /* SPC-2 7.21.2: reserved by another initiator: RESERVATION CONFLICT */
    if (r->held && !nexus_equal(&r->holder, nx)) {
        sraid_result_status(res, SRAID_STATUS_RESERVATION_CONFLICT);
        return;
    }
    /* a new reservation, or the holder's again (supersedes: the same) */
    r->held = true;
    r->holder = *nx;
    sraid_result_status(res, SRAID_STATUS_GOOD);
}

bool sraid_resv2_reset(SraidResv2 *r)
{
    bool was = r->held;

    sraid_resv2_init(r);
    return was;
}

bool sraid_resv2_nexus_lost(SraidResv2 *r, const SraidPrNexus *nx)
{
    if (!sraid_resv2_is_holder(r, nx)) {
        return false;
    }
    sraid_resv2_init(r);
    return true;
}
