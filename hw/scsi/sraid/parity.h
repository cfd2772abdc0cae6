/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: parity for RAID 5 (P) and RAID 6 (P+Q) on Intel
 * ISA-L.
 *
 * P is the XOR of the data strips; Q is the Reed-Solomon syndrome
 * sum(g^i * D_i) over GF(2^8) with generator g = 2 and polynomial 0x11D,
 * the code Linux md and ISA-L's pq_gen use.
 *
 * Buffers passed here must be SRAID_PARITY_ALIGN aligned and their length
 * a multiple of SRAID_PARITY_ALIGN (ISA-L's vector code requires it).
 */
#ifndef SRAID_PARITY_H
#define SRAID_PARITY_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define SRAID_PARITY_ALIGN 32

/* Allocate / free a buffer suitable for the functions below. */
void *sraid_parity_alloc(size_t len);
void sraid_parity_free(void *buf);

/* P = XOR of @ndata (>= 1) strips. */
void sraid_parity_gen_p(unsigned ndata, uint8_t **data, uint8_t *p,
                        size_t len);

/* P and Q of @ndata (>= 2) strips. */
void sraid_parity_gen_pq(unsigned ndata, uint8_t **data, uint8_t *p,
                         uint8_t *q, size_t len);

/*
 * Is the stripe consistent?  @blocks holds the @ndata data strips followed
 * by P and, when @nparity is 2, Q.
 */
gboolean sraid_parity_check(unsigned ndata, unsigned nparity,
                            uint8_t **blocks, size_t len);

/*
 * Rebuild the @nmissing blocks listed in @missing (indexes into @blocks as
 * above: data 0..ndata-1, then P, then Q) from the others, in place.
 * Fails when more blocks are missing than @nparity, or on bad indexes.
 */
gboolean sraid_parity_recover(unsigned ndata, unsigned nparity,
                              uint8_t **blocks, const unsigned *missing,
                              unsigned nmissing, size_t len, GError **errp);

#endif /* SRAID_PARITY_H */
