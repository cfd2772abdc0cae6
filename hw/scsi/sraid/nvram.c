/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the NVRAM image codec (nvram.h).
 */
#include <glib.h>
#include <string.h>

#include "cod.h"
#include "le-bytes.h"
#include "nvram.h"

#define OFF_MAGIC       0
#define OFF_VERSION     8
#define OFF_CONFIG_LEN  12
#define OFF_BOOTS       16
#define OFF_NODE        24

G_STATIC_ASSERT(sizeof(SRAID_NVRAM_MAGIC) - 1 == 8);

const char *sraid_nvram_error_text(SraidNvramError e)
{
    switch (e) {
    case SRAID_NVRAM_OK:
        return "is good";
    case SRAID_NVRAM_FOREIGN:
        return "is not an sraid NVRAM file: give another path, or remove "
               "it to start afresh";
    case SRAID_NVRAM_DAMAGED:
        return "is damaged (length or checksum): remove it to start afresh";
    case SRAID_NVRAM_BAD_CONFIG:
    default:
        return "holds a configuration that does not decode: remove it to "
               "start afresh";
    }
}

size_t sraid_nvram_encode(const SraidNvram *nv, uint8_t *buf)
{
    size_t mlen = 0, len;

    memset(buf, 0, SRAID_NVRAM_HEADER_LEN);
    if (nv->has_config) {
        mlen = sraid_mailbox_encode(&nv->config,
                                    buf + SRAID_NVRAM_HEADER_LEN,
                                    SRAID_MAILBOX_MAX_LEN);
        if (!mlen) {
            return 0;
        }
    }
    memcpy(buf + OFF_MAGIC, SRAID_NVRAM_MAGIC, 8);
    sraid_put_le32(buf + OFF_VERSION, SRAID_NVRAM_VERSION);
    sraid_put_le32(buf + OFF_CONFIG_LEN, mlen);
    sraid_put_le64(buf + OFF_BOOTS, nv->boots);
    buf[OFF_NODE] = nv->node;
    len = SRAID_NVRAM_HEADER_LEN + mlen;
    sraid_put_le32(buf + len, sraid_crc32c(buf, len));
    return len + SRAID_NVRAM_CRC_LEN;
}

SraidNvramError sraid_nvram_decode(const uint8_t *buf, size_t len,
                                   SraidNvram *nv)
{
    SraidParamError perr;
    uint32_t mlen;

    memset(nv, 0, sizeof(*nv));
    if (len < SRAID_NVRAM_HEADER_LEN + SRAID_NVRAM_CRC_LEN ||
        memcmp(buf + OFF_MAGIC, SRAID_NVRAM_MAGIC, 8) != 0 ||
        sraid_get_le32(buf + OFF_VERSION) != SRAID_NVRAM_VERSION) {
        return SRAID_NVRAM_FOREIGN;
    }
    for (unsigned i = OFF_NODE + 1; i < SRAID_NVRAM_HEADER_LEN; i++) {
        if (buf[i]) {
            return SRAID_NVRAM_FOREIGN;     /* reserved: a later format */
        }
    }
    mlen = sraid_get_le32(buf + OFF_CONFIG_LEN);
    if (mlen > SRAID_MAILBOX_MAX_LEN ||
        len != SRAID_NVRAM_HEADER_LEN + mlen + SRAID_NVRAM_CRC_LEN ||
        sraid_get_le32(buf + len - SRAID_NVRAM_CRC_LEN) !=
        sraid_crc32c(buf, len - SRAID_NVRAM_CRC_LEN)) {
        return SRAID_NVRAM_DAMAGED;
    }
    if (mlen && !sraid_mailbox_decode(buf + SRAID_NVRAM_HEADER_LEN, mlen,
                                      &nv->config, &perr)) {
        memset(nv, 0, sizeof(*nv));
        return SRAID_NVRAM_BAD_CONFIG;
    }
    nv->has_config = mlen != 0;
    nv->boots = sraid_get_le64(buf + OFF_BOOTS);
    nv->node = buf[OFF_NODE];
    return SRAID_NVRAM_OK;
}
