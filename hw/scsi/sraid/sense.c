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
    memcpy(buf, fixed, n);
    return n;
}
