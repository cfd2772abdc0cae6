/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI text key=value lists (RFC 7143 section 6).
 */
#include <string.h>

#include "iscsi-text.h"

/*
 * RFC 7143 6.1: a standard-label starts with a letter and goes on with
 * letters, digits, '.', '-', '+', '@', '_'.  '#' is allowed too for the
 * registered extension keys (X#..., 13.5.4).
 */
static bool key_valid(const char *key, size_t len)
{
    if (len == 0 || len > SRAID_ISCSI_KEY_MAX || !g_ascii_isalpha(key[0])) {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        char c = key[i];

        if (!g_ascii_isalnum(c) && !strchr(".-+@_#", c)) {
            return false;
        }
    }
    return true;
}

void sraid_iscsi_text_clear(SraidIscsiText *t)
{
    g_free(t->buf);
    memset(t, 0, sizeof(*t));
}

SraidIscsiTextError sraid_iscsi_text_parse(SraidIscsiText *t,
                                           const uint8_t *data, size_t len)
{
    size_t pos = 0;

    memset(t, 0, sizeof(*t));
    if (len > SRAID_ISCSI_TEXT_MAX) {
        return SRAID_ISCSI_TEXT_TOO_LONG;
    }
    t->buf = g_malloc(len + 1);
    memcpy(t->buf, data, len);
    t->buf[len] = '\0';

    while (pos < len) {
        char *pair = t->buf + pos;
        const uint8_t *nul = memchr(data + pos, 0, len - pos);
        size_t pair_len;
        char *eq;

        if (!nul) {
            return SRAID_ISCSI_TEXT_UNTERMINATED;
        }
        pair_len = nul - (data + pos);
        pos += pair_len + 1;
        if (pair_len == 0) {
            continue;
        }
        eq = memchr(pair, '=', pair_len);
        if (!eq) {
            return SRAID_ISCSI_TEXT_NO_EQUALS;
        }
        if (!key_valid(pair, eq - pair)) {
            return SRAID_ISCSI_TEXT_BAD_KEY;
        }
        if (pair_len - (eq - pair) - 1 > SRAID_ISCSI_VALUE_MAX) {
            return SRAID_ISCSI_TEXT_VALUE_TOO_LONG;
        }
        *eq = '\0';
        for (unsigned i = 0; i < t->n; i++) {
            if (!strcmp(t->kv[i].key, pair)) {
                return SRAID_ISCSI_TEXT_DUPLICATE;
            }
        }
        if (t->n == SRAID_ISCSI_TEXT_MAX_KEYS) {
            return SRAID_ISCSI_TEXT_TOO_MANY_KEYS;
        }
        t->kv[t->n].key = pair;
        t->kv[t->n].value = eq + 1;
        t->n++;
    }
    return SRAID_ISCSI_TEXT_OK;
}

const char *sraid_iscsi_text_error_str(SraidIscsiTextError err)
{
    switch (err) {
    case SRAID_ISCSI_TEXT_OK:
        return "no error";
    case SRAID_ISCSI_TEXT_TOO_LONG:
        return "text too long";
    case SRAID_ISCSI_TEXT_UNTERMINATED:
        return "key=value pair not terminated by a zero byte";
    case SRAID_ISCSI_TEXT_NO_EQUALS:
        return "pair without '='";
    case SRAID_ISCSI_TEXT_BAD_KEY:
        return "invalid key name";
    case SRAID_ISCSI_TEXT_VALUE_TOO_LONG:
        return "value too long";
    case SRAID_ISCSI_TEXT_TOO_MANY_KEYS:
        return "too many keys";
    case SRAID_ISCSI_TEXT_DUPLICATE:
        return "key sent twice";
    }
    return "unknown error";
}

const char *sraid_iscsi_text_get(const SraidIscsiText *t, const char *key)
{
    for (unsigned i = 0; i < t->n; i++) {
        if (!strcmp(t->kv[i].key, key)) {
            return t->kv[i].value;
        }
    }
    return NULL;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool sraid_iscsi_text_number(const char *v, uint64_t *out)
{
    uint64_t n = 0;

    if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        v += 2;
        if (!*v) {
            return false;
        }
        for (; *v; v++) {
            int d = hex_digit(*v);

            if (d < 0 || n >> 60) {
                return false;
            }
            n = n << 4 | d;
        }
    } else {
        if (!*v) {
            return false;
        }
        for (; *v; v++) {
            if (!g_ascii_isdigit(*v) ||
                n > (UINT64_MAX - (uint64_t)(*v - '0')) / 10) {
                return false;
            }
            n = n * 10 + (*v - '0');
        }
    }
    *out = n;
    return true;
}

bool sraid_iscsi_text_bool(const char *v, bool *out)
{
    if (!strcmp(v, "Yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "No")) {
        *out = false;
        return true;
    }
    return false;
}

const char *sraid_iscsi_text_list_pick(const char *list,
                                       const char *const *ours)
{
    const char *item = list;

    for (;;) {
        const char *comma = strchr(item, ',');
        size_t len = comma ? (size_t)(comma - item) : strlen(item);

        for (const char *const *o = ours; *o; o++) {
            if (strlen(*o) == len && !memcmp(*o, item, len)) {
                return *o;
            }
        }
        if (!comma) {
            return NULL;
        }
        item = comma + 1;
    }
}

static int base64_digit(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

/* Strict RFC 4648 base64: groups of 4, '=' padding only at the end */
static int base64_decode(const char *s, uint8_t *out, size_t max)
{
    size_t len = strlen(s), n = 0;

    if (len == 0 || len % 4) {
        return -1;
    }
    for (size_t i = 0; i < len; i += 4) {
        int d[4];
        int pad = 0;
        uint32_t group;

        for (int j = 0; j < 4; j++) {
            if (s[i + j] == '=' && i + 4 == len && j >= 2) {
                d[j] = 0;
                pad++;
            } else if (pad) {
                return -1;              /* data after padding */
            } else {
                d[j] = base64_digit(s[i + j]);
                if (d[j] < 0) {
                    return -1;
                }
            }
        }
        group = d[0] << 18 | d[1] << 12 | d[2] << 6 | d[3];
        for (int j = 0; j < 3 - pad; j++) {
            if (n == max) {
                return -1;
            }
            out[n++] = group >> (16 - 8 * j);
        }
    }
    return n;
}

int sraid_iscsi_text_binary(const char *v, uint8_t *out, size_t max)
{
    size_t n = 0, digits;

    if (v[0] != '0') {
        return -1;
    }
    if (v[1] == 'b' || v[1] == 'B') {
        return base64_decode(v + 2, out, max);
    }
    if (v[1] != 'x' && v[1] != 'X') {
        return -1;
    }
    v += 2;
    /* an odd number of hex digits has an implied leading zero (6.1) */
    digits = strlen(v);
    if (digits == 0 || (digits + 1) / 2 > max) {
        return -1;
    }
    if (digits % 2) {
        int d = hex_digit(*v++);

        if (d < 0) {
            return -1;
        }
        out[n++] = d;
    }
    for (; *v; v += 2) {
        int hi = hex_digit(v[0]), lo = hex_digit(v[1]);

        if (hi < 0 || lo < 0) {
            return -1;
        }
        out[n++] = hi << 4 | lo;
    }
    return n;
}

void sraid_iscsi_text_out_init(SraidIscsiTextOut *out, uint8_t *buf,
                               uint32_t cap)
{
    out->buf = buf;
    out->len = 0;
    out->cap = cap;
    out->truncated = false;
}

bool sraid_iscsi_text_add(SraidIscsiTextOut *out, const char *key,
                          const char *value)
{
    size_t klen = strlen(key), vlen = strlen(value);
    size_t need = klen + 1 + vlen + 1;

    if (out->truncated || need > out->cap - out->len) {
        out->truncated = true;
        return false;
    }
    memcpy(out->buf + out->len, key, klen);
    out->buf[out->len + klen] = '=';
    memcpy(out->buf + out->len + klen + 1, value, vlen);
    out->buf[out->len + need - 1] = '\0';
    out->len += need;
    return true;
}

bool sraid_iscsi_text_add_number(SraidIscsiTextOut *out, const char *key,
                                 uint64_t value)
{
    char num[24];

    g_snprintf(num, sizeof(num), "%" G_GUINT64_FORMAT, value);
    return sraid_iscsi_text_add(out, key, num);
}
