/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: sense data (SPC-4 4.5).
 */
#ifndef SRAID_SENSE_H
#define SRAID_SENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SraidSense {
    uint8_t key;
    uint8_t asc;
    uint8_t ascq;
    /*
     * Sense-key specific field pointer (SPC-4 4.5.2.4.2), sent when @sksv:
     * the byte (@field) and, when @bpv, the bit (@bit) of the CDB (@cd) or
     * of the parameter list (!@cd) that is wrong.
     */
    bool sksv;
    bool cd;
    bool bpv;
    uint8_t bit;
    uint16_t field;
    /* INFORMATION field (SPC-4 4.5.3), sent with VALID when @info_valid */
    bool info_valid;
    uint32_t info;
} SraidSense;

/* Additional sense codes the core reports (SPC-4 table 49) */
extern const SraidSense sraid_sense_no_sense;
extern const SraidSense sraid_sense_invalid_opcode;     /* 20h/00h */
extern const SraidSense sraid_sense_invalid_field;      /* 24h/00h */
extern const SraidSense sraid_sense_lun_not_supported;  /* 25h/00h */
extern const SraidSense sraid_sense_param_list_len;     /* 1Ah/00h */
extern const SraidSense sraid_sense_lba_out_of_range;   /* 21h/00h */
extern const SraidSense sraid_sense_access_denied;      /* 20h/02h */
extern const SraidSense sraid_sense_invalid_param;      /* 26h/00h */
extern const SraidSense sraid_sense_write_protected;    /* 27h/00h */
extern const SraidSense sraid_sense_manual_intervention; /* 04h/03h */
extern const SraidSense sraid_sense_invalid_field_iu;   /* 0Eh/03h */
/* Persistent reservations (SPC-4 5.7, 6.16) */
extern const SraidSense sraid_sense_invalid_pr_release; /* 26h/04h */
extern const SraidSense sraid_sense_insufficient_reg;   /* 55h/04h */

/*
 * @base with a field pointer to byte @field of the CDB (@cd) or parameter
 * list; @bit is the bit in that byte, or -1 for the whole byte.
 */
SraidSense sraid_sense_at(const SraidSense *base, bool cd, unsigned field,
                          int bit);

/*
 * Encode @sense as current, fixed-format sense data into @buf (at most
 * @buf_len bytes).  Returns the number of bytes written, at most
 * SRAID_SENSE_FIXED_LEN.
 */
size_t sraid_sense_to_fixed(const SraidSense *sense, uint8_t *buf,
                            size_t buf_len);

#endif /* SRAID_SENSE_H */
