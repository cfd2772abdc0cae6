/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: GError domain.
 */
#include "core-error.h"

GQuark sraid_error_quark(void)
{
    return g_quark_from_static_string("sraid-error-quark");
}
