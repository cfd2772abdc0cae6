/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: sense data (SPC-4 4.5).
 */
#ifndef SRAID_SENSE_H
#define SRAID_SENSE_H

#include <stddef.h>
#include <stdint.h>

typedef struct SraidSense {
    uint8_t key;
    uint8_t asc;
    uint8_t ascq;
} SraidSense;

/* Additional sense codes the core reports (SPC-4 table 49) */
extern const SraidSense sraid_sense_no_sense;
extern const SraidSense sraid_sense_invalid_opcode;     /* 20h/00h */
extern const SraidSense sraid_sense_invalid_field;      /* 24h/00h */
extern const SraidSense sraid_sense_lun_not_supported;  /* 25h/00h */
extern const SraidSense sraid_sense_param_list_len;     /* 1Ah/00h */

/*
 * Encode @sense as current, fixed-format sense data into @buf (at most
 * @buf_len bytes).  Returns the number of bytes written, at most
 * SRAID_SENSE_FIXED_LEN.
 */
size_t sraid_sense_to_fixed(const SraidSense *sense, uint8_t *buf,
                            size_t buf_len);

#endif /* SRAID_SENSE_H */
