/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: logical unit identity.
 */
#include <string.h>

#include "core-error.h"
#include "lun-identity.h"

/* SPC-4 4.4.1: ASCII data fields contain only 20h..7Eh. */
static gboolean ascii_field_ok(const char *what, const char *s, size_t max,
                               gboolean allow_empty, GError **errp)
{
    size_t len = strlen(s);

    if (len > max || (!allow_empty && len == 0)) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "%s '%s' must be %s%zu characters", what, s,
                    allow_empty ? "at most " : "1 to ", max);
        return FALSE;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "%s must be printable ASCII", what);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean sraid_lun_identity_set(SraidLunIdentity *id, uint8_t peripheral_type,
                                const char *vendor, const char *product,
                                const char *revision, const char *serial,
                                uint64_t naa, GError **errp)
{
    unsigned naa_type = naa >> 60;

    if (!ascii_field_ok("vendor", vendor, SRAID_VENDOR_LEN, FALSE, errp) ||
        !ascii_field_ok("product", product, SRAID_PRODUCT_LEN, FALSE, errp) ||
        !ascii_field_ok("revision", revision, SRAID_REVISION_LEN, FALSE,
                        errp) ||
        !ascii_field_ok("serial", serial, SRAID_SERIAL_MAX, FALSE, errp)) {
        return FALSE;
    }
    /*
     * SPC-4 7.8.6.6: the 8-byte designator formats are NAA 2h (IEEE extended),
     * 3h (locally assigned) and 5h (IEEE registered).
     */
    if (naa_type != 2 && naa_type != 3 && naa_type != 5) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "wwn 0x%016" G_GINT64_MODIFIER "x is not an NAA 2h, 3h"
                    " or 5h identifier (its first hex digit must be 2, 3"
                    " or 5)", naa);
        return FALSE;
    }
    memset(id, 0, sizeof(*id));
    id->peripheral_type = peripheral_type;
    g_strlcpy(id->vendor, vendor, sizeof(id->vendor));
    g_strlcpy(id->product, product, sizeof(id->product));
    g_strlcpy(id->revision, revision, sizeof(id->revision));
    g_strlcpy(id->serial, serial, sizeof(id->serial));
    id->naa = naa;
    return TRUE;
}
