/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: GError domain.  The QEMU glue turns these into
 * Error objects; the host tools print them.
 */
#ifndef SRAID_CORE_ERROR_H
#define SRAID_CORE_ERROR_H

#include <glib.h>

#define SRAID_ERROR (sraid_error_quark())

typedef enum SraidErrorCode {
    SRAID_ERROR_INVALID,        /* a value given by the user is not valid */
} SraidErrorCode;

GQuark sraid_error_quark(void);

#endif /* SRAID_CORE_ERROR_H */
