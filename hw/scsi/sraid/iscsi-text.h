/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI text key=value lists (RFC 7143 section 6).
 *
 * Login and Text PDUs carry "key=value" strings, each ended by a zero
 * byte.  The parser is strict about structure and bounded in every
 * dimension (key length, value length, number of keys, total size) so that
 * the login and text code above it never sees unbounded input.
 */
#ifndef SRAID_ISCSI_TEXT_H
#define SRAID_ISCSI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/* RFC 7143 6.1: a key name is at most 63 bytes */
#define SRAID_ISCSI_KEY_MAX         63
/*
 * Longest value accepted at all.  Simple values are limited to 255 bytes
 * by RFC 7143 6.1 and checked where they are used; binary values (CHAP
 * challenges and responses, up to 1024 bytes: 12.1.3) need more once hex
 * encoded.
 */
#define SRAID_ISCSI_VALUE_MAX       4096
/* Keys in one negotiation step: libiscsi sends 21, open-iscsi 20 */
#define SRAID_ISCSI_TEXT_MAX_KEYS   64
/* A whole text (after C-bit continuation): 8192 is the RFC minimum (6.2) */
#define SRAID_ISCSI_TEXT_MAX        32768

typedef enum SraidIscsiTextError {
    SRAID_ISCSI_TEXT_OK,
    SRAID_ISCSI_TEXT_TOO_LONG,          /* more than SRAID_ISCSI_TEXT_MAX */
    SRAID_ISCSI_TEXT_UNTERMINATED,      /* last pair has no zero byte */
    SRAID_ISCSI_TEXT_NO_EQUALS,
    SRAID_ISCSI_TEXT_BAD_KEY,           /* empty, too long, bad character */
    SRAID_ISCSI_TEXT_VALUE_TOO_LONG,
    SRAID_ISCSI_TEXT_TOO_MANY_KEYS,
    SRAID_ISCSI_TEXT_DUPLICATE,         /* RFC 7143 6.2: at most once */
} SraidIscsiTextError;

typedef struct SraidIscsiKv {
    const char *key;
    const char *value;
} SraidIscsiKv;

/* A parsed list: the pairs point into a private copy of the text */
typedef struct SraidIscsiText {
    char *buf;
    unsigned n;
    SraidIscsiKv kv[SRAID_ISCSI_TEXT_MAX_KEYS];
} SraidIscsiText;

/*
 * Parse @len bytes at @data into @t (which is then released with
 * sraid_iscsi_text_clear, also on error).  Zero bytes between pairs (and
 * after the last one) are skipped, since some initiators pad with them.
 */
SraidIscsiTextError sraid_iscsi_text_parse(SraidIscsiText *t,
                                           const uint8_t *data, size_t len);
void sraid_iscsi_text_clear(SraidIscsiText *t);
const char *sraid_iscsi_text_error_str(SraidIscsiTextError err);

/* Value of @key, or NULL */
const char *sraid_iscsi_text_get(const SraidIscsiText *t, const char *key);

/*
 * Numerical value (RFC 7143 6.1): decimal, or hexadecimal with 0x / 0X,
 * up to 64 bits.  False on anything else, overflow included.
 */
bool sraid_iscsi_text_number(const char *v, uint64_t *out);
/* Boolean value: exactly "Yes" or "No" (RFC 7143 6.1) */
bool sraid_iscsi_text_bool(const char *v, bool *out);
/*
 * List value (RFC 7143 6.2.1): the first of the comma-separated items of
 * @list, in the proposer's order, that is also in the NULL-terminated
 * @ours.  Returns the matching entry of @ours, or NULL.
 */
const char *sraid_iscsi_text_list_pick(const char *list,
                                       const char *const *ours);
/*
 * Binary value (RFC 7143 6.1): 0x/0X followed by hex digits, or 0b/0B
 * followed by base64.  Writes at most @max bytes to @out and returns the
 * decoded length, or -1 when malformed or longer than @max.
 */
int sraid_iscsi_text_binary(const char *v, uint8_t *out, size_t max);

/*
 * Output: "key=value\0" pairs appended to a caller's buffer.  A pair that
 * does not fit is not written at all (so a reply is truncated at a key
 * boundary) and sets @truncated.
 */
typedef struct SraidIscsiTextOut {
    uint8_t *buf;
    uint32_t len;
    uint32_t cap;
    bool truncated;
} SraidIscsiTextOut;

void sraid_iscsi_text_out_init(SraidIscsiTextOut *out, uint8_t *buf,
                               uint32_t cap);
bool sraid_iscsi_text_add(SraidIscsiTextOut *out, const char *key,
                          const char *value);
bool sraid_iscsi_text_add_number(SraidIscsiTextOut *out, const char *key,
                                 uint64_t value);

#endif /* SRAID_ISCSI_TEXT_H */
