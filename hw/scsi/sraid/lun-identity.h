/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the identity a logical unit reports in INQUIRY and in
 * the Unit Serial Number and Device Identification VPD pages (SPC-4 7.8).
 *
 * Cluster software and multipath match devices by these values, so every
 * node must report the same identity for the same logical unit.
 */
#ifndef SRAID_LUN_IDENTITY_H
#define SRAID_LUN_IDENTITY_H

#include <glib.h>
#include <stdint.h>

#define SRAID_VENDOR_LEN    8       /* T10 VENDOR IDENTIFICATION */
#define SRAID_PRODUCT_LEN   16      /* PRODUCT IDENTIFICATION */
#define SRAID_REVISION_LEN  4       /* PRODUCT REVISION LEVEL */
#define SRAID_SERIAL_MAX    32      /* our bound for PRODUCT SERIAL NUMBER */

typedef struct SraidLunIdentity {
    uint8_t peripheral_type;
    char vendor[SRAID_VENDOR_LEN + 1];
    char product[SRAID_PRODUCT_LEN + 1];
    char revision[SRAID_REVISION_LEN + 1];
    char serial[SRAID_SERIAL_MAX + 1];
    uint64_t naa;                   /* 8-byte NAA designator (NAA 3h/5h) */
} SraidLunIdentity;

/*
 * Fill @id from strings given by a user.  Fails with a message naming the
 * offending field when a string is too long or not printable ASCII
 * (SPC-4 4.4.1), or @naa is not a valid 8-byte NAA designator.
 */
gboolean sraid_lun_identity_set(SraidLunIdentity *id, uint8_t peripheral_type,
                                const char *vendor, const char *product,
                                const char *revision, const char *serial,
                                uint64_t naa, GError **errp);

#endif /* SRAID_LUN_IDENTITY_H */
