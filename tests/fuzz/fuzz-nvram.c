/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: the NVRAM image decoder (nvram.h), what a controller
 * reads from its `nvram` file at start.  Whatever decodes must encode
 * back to the same bytes (the format is canonical); whatever does not
 * must leave nothing half read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SraidNvram nv;
    static uint8_t again[SRAID_NVRAM_MAX_LEN];

    if (sraid_nvram_decode(data, size, &nv) != SRAID_NVRAM_OK) {
        if (nv.has_config || nv.boots || nv.node) {
            abort();
        }
        return 0;
    }
    if (sraid_nvram_encode(&nv, again) != size ||
        memcmp(again, data, size) != 0) {
        abort();
    }
    return 0;
}
