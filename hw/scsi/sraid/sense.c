/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: sense data (SPC-4 4.5).
 */
#include <string.h>

#include "scsi-proto.h"
#include "sense.h"

const SraidSense sraid_sense_no_sense = { SRAID_SENSE_NO_SENSE, 0, 0 };
const SraidSense sraid_sense_invalid_opcode = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x20, 0x00
};
const SraidSense sraid_sense_invalid_field = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x24, 0x00
};
const SraidSense sraid_sense_lun_not_supported = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x25, 0x00
};
const SraidSense sraid_sense_param_list_len = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x1a, 0x00
};
const SraidSense sraid_sense_lba_out_of_range = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x21, 0x00
};
/* SPC-4 access controls report ACCESS DENIED with ILLEGAL REQUEST */
const SraidSense sraid_sense_access_denied = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x20, 0x02
};
const SraidSense sraid_sense_invalid_param = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x26, 0x00
};
const SraidSense sraid_sense_write_protected = {
    SRAID_SENSE_DATA_PROTECT, 0x27, 0x00
};
/* SAM-5 / FCP-4: the data-out the initiator offered does not fit the CDB */
const SraidSense sraid_sense_invalid_field_iu = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x0e, 0x03
};
/* SPC-4 5.7.11.2: RELEASE with a scope or type other than the holder's */
const SraidSense sraid_sense_invalid_pr_release = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x26, 0x04
};
/* SPC-4 5.7.7: no room for another registration */
const SraidSense sraid_sense_insufficient_reg = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x55, 0x04
};
const SraidSense sraid_sense_manual_intervention = {
    SRAID_SENSE_NOT_READY, 0x04, 0x03
};

SraidSense sraid_sense_at(const SraidSense *base, bool cd, unsigned field,
                          int bit)
{
    SraidSense s = *base;

    s.sksv = true;
    s.cd = cd;
    s.field = field;
    s.bpv = bit >= 0;
    s.bit = bit >= 0 ? bit : 0;
    return s;
}

size_t sraid_sense_to_fixed(const SraidSense *sense, uint8_t *buf,
                            size_t buf_len)
{
    uint8_t fixed[SRAID_SENSE_FIXED_LEN] = { 0 };
    size_t n = buf_len < sizeof(fixed) ? buf_len : sizeof(fixed);

    fixed[0] = 0x70;                        /* current error, fixed format */
    fixed[2] = sense->key & 0x0f;
    fixed[7] = SRAID_SENSE_FIXED_LEN - 8;   /* additional sense length */
    fixed[12] = sense->asc;
    fixed[13] = sense->ascq;
    if (sense->info_valid) {
        fixed[0] |= 0x80;                   /* VALID */
        sraid_put_be32(fixed + 3, sense->info);
    }
    if (sense->sksv) {
        fixed[15] = 0x80 | (sense->cd ? 0x40 : 0) |
                    (sense->bpv ? 0x08 | (sense->bit & 0x07) : 0);
        sraid_put_be16(fixed + 16, sense->field);
    }
    memcpy(buf, fixed, n);
    return n;
}
