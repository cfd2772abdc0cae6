/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: GError domain.
 */
#include "core-error.h"

G_DEFINE_QUARK(sraid-error-quark, sraid_error)
