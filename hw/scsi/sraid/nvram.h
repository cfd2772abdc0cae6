/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the controller's NVRAM image (seed 003 keeps a
 * controller's configuration in EEPROM and NVM, fig. 13 steps 1320-1335).
 *
 * What a node keeps across restarts of its own: the configuration it last
 * accepted from a master in Node_Negotiate, and a boot counter.  The
 * owner stores the image where it likes (the QEMU glue: a file, the
 * `nvram` property); the layout is in docs/on-disk-format.md, "NVRAM
 * file".  A damaged or foreign image is refused with the reason, never
 * half read.
 */
#ifndef SRAID_NVRAM_H
#define SRAID_NVRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailbox.h"

#define SRAID_NVRAM_MAGIC       "SRNVRAM1"
#define SRAID_NVRAM_VERSION     1
#define SRAID_NVRAM_HEADER_LEN  32
#define SRAID_NVRAM_CRC_LEN     4
#define SRAID_NVRAM_MAX_LEN \
    (SRAID_NVRAM_HEADER_LEN + SRAID_MAILBOX_MAX_LEN + SRAID_NVRAM_CRC_LEN)

typedef struct SraidNvram {
    uint8_t node;               /* the controller that wrote it */
    uint64_t boots;             /* +1 at every start of the controller */
    bool has_config;            /* a configuration was negotiated */
    SraidMailbox config;
} SraidNvram;

/* Why an image was refused */
typedef enum SraidNvramError {
    SRAID_NVRAM_OK = 0,
    SRAID_NVRAM_FOREIGN,        /* too short, another magic or version */
    SRAID_NVRAM_DAMAGED,        /* length or CRC32C does not match */
    SRAID_NVRAM_BAD_CONFIG,     /* the configuration does not decode */
} SraidNvramError;

/* A sentence for @e, to follow "nvram 'PATH' " */
const char *sraid_nvram_error_text(SraidNvramError e);

/*
 * The image of @nv in @buf (SRAID_NVRAM_MAX_LEN bytes); its length, or 0
 * if the configuration cannot be encoded.
 */
size_t sraid_nvram_encode(const SraidNvram *nv, uint8_t *buf);
/* Decode @len bytes; on error @nv is cleared */
SraidNvramError sraid_nvram_decode(const uint8_t *buf, size_t len,
                                   SraidNvram *nv);

#endif /* SRAID_NVRAM_H */
