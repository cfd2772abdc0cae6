/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: arbitrary bytes as one configuration copy.  The
 * decoder must refuse or accept without reading outside the buffer, and
 * whatever it accepts must encode and decode to the same configuration.
 * The fuzzer's input is placed after a valid header whose checksums are
 * recomputed, so mutations reach the record parser instead of dying at the
 * CRC check.
 */
#include <stdlib.h>
#include <string.h>

#include "cod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[SRAID_COD_COPY_BYTES];
    static uint8_t again[SRAID_COD_COPY_BYTES];
    SraidCod cod, cod2;
    SraidCodHeader hdr, hdr2;
    uint32_t crc;
    size_t payload = MIN(size, (size_t)SRAID_COD_MAX_PAYLOAD);
    size_t len;

    memset(buf, 0, SRAID_COD_SECTOR);
    memcpy(buf, SRAID_COD_MAGIC, 8);
    buf[8] = SRAID_COD_VERSION;
    buf[10] = SRAID_COD_HEADER_LEN;
    buf[24] = payload;
    buf[25] = payload >> 8;
    buf[26] = payload >> 16;
    memcpy(buf + SRAID_COD_SECTOR, data, payload);
    crc = sraid_crc32c(buf + SRAID_COD_SECTOR, payload);
    memcpy(buf + 28, &crc, 4);
    crc = sraid_crc32c(buf, 60);
    memcpy(buf + 60, &crc, 4);

    if (!sraid_cod_decode(buf, SRAID_COD_SECTOR + payload, &cod, &hdr,
                          NULL)) {
        return 0;
    }
    len = sraid_cod_encode(&cod, hdr.member_index, hdr.copy, again, NULL);
    if (!len || !sraid_cod_decode(again, len, &cod2, &hdr2, NULL) ||
        memcmp(&cod, &cod2, sizeof(cod))) {
        abort();
    }
    return 0;
}
