/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of iSCSI key=value text (RFC 7143 section 6).
 */
#include <glib.h>
#include <string.h>

#include "iscsi-text.h"

static SraidIscsiTextError parse(SraidIscsiText *t, const char *s, size_t len)
{
    return sraid_iscsi_text_parse(t, (const uint8_t *)s, len);
}

static void test_parse(void)
{
    static const char s[] = "InitiatorName=iqn.x\0HeaderDigest=None,CRC32C"
                            "\0Empty=\0X-com.example.K=a=b\0\0";
    SraidIscsiText t;

    g_assert_cmpint(parse(&t, s, sizeof(s) - 1), ==, SRAID_ISCSI_TEXT_OK);
    g_assert_cmpuint(t.n, ==, 4);
    g_assert_cmpstr(t.kv[0].key, ==, "InitiatorName");
    g_assert_cmpstr(t.kv[0].value, ==, "iqn.x");
    g_assert_cmpstr(t.kv[1].value, ==, "None,CRC32C");
    g_assert_cmpstr(sraid_iscsi_text_get(&t, "Empty"), ==, "");
    /* the first '=' separates; the value may hold more */
    g_assert_cmpstr(sraid_iscsi_text_get(&t, "X-com.example.K"), ==, "a=b");
    g_assert_null(sraid_iscsi_text_get(&t, "Missing"));
    sraid_iscsi_text_clear(&t);

    g_assert_cmpint(parse(&t, "", 0), ==, SRAID_ISCSI_TEXT_OK);
    g_assert_cmpuint(t.n, ==, 0);
    sraid_iscsi_text_clear(&t);
}

static void test_parse_errors(void)
{
    SraidIscsiText t;
    char key[80], *big;
    GString *many = g_string_new(NULL);

    g_assert_cmpint(parse(&t, "A=1\0B=2", 7), ==,
                    SRAID_ISCSI_TEXT_UNTERMINATED);
    sraid_iscsi_text_clear(&t);
    g_assert_cmpint(parse(&t, "A1\0", 3), ==, SRAID_ISCSI_TEXT_NO_EQUALS);
    sraid_iscsi_text_clear(&t);
    g_assert_cmpint(parse(&t, "=1\0", 3), ==, SRAID_ISCSI_TEXT_BAD_KEY);
    sraid_iscsi_text_clear(&t);
    g_assert_cmpint(parse(&t, "1A=1\0", 5), ==, SRAID_ISCSI_TEXT_BAD_KEY);
    sraid_iscsi_text_clear(&t);
    g_assert_cmpint(parse(&t, "A B=1\0", 6), ==, SRAID_ISCSI_TEXT_BAD_KEY);
    sraid_iscsi_text_clear(&t);
    g_assert_cmpint(parse(&t, "A=1\0B=2\0A=3\0", 12), ==,
                    SRAID_ISCSI_TEXT_DUPLICATE);
    sraid_iscsi_text_clear(&t);

    /* key: 63 bytes are fine, 64 are not */
    memset(key, 'K', 63);
    strcpy(key + 63, "=v");
    g_assert_cmpint(parse(&t, key, 66), ==, SRAID_ISCSI_TEXT_OK);
    sraid_iscsi_text_clear(&t);
    memset(key, 'K', 64);
    strcpy(key + 64, "=v");
    g_assert_cmpint(parse(&t, key, 67), ==, SRAID_ISCSI_TEXT_BAD_KEY);
    sraid_iscsi_text_clear(&t);

    /* value bound */
    big = g_malloc0(SRAID_ISCSI_VALUE_MAX + 8);
    memcpy(big, "V=", 2);
    memset(big + 2, 'x', SRAID_ISCSI_VALUE_MAX);
    g_assert_cmpint(parse(&t, big, SRAID_ISCSI_VALUE_MAX + 3), ==,
                    SRAID_ISCSI_TEXT_OK);
    sraid_iscsi_text_clear(&t);
    big[SRAID_ISCSI_VALUE_MAX + 2] = 'x';
    g_assert_cmpint(parse(&t, big, SRAID_ISCSI_VALUE_MAX + 4), ==,
                    SRAID_ISCSI_TEXT_VALUE_TOO_LONG);
    sraid_iscsi_text_clear(&t);
    g_free(big);

    /* key count and total size */
    for (int i = 0; i <= SRAID_ISCSI_TEXT_MAX_KEYS; i++) {
        g_string_append_printf(many, "K%d=1", i);
        g_string_append_c(many, '\0');
    }
    g_assert_cmpint(parse(&t, many->str, many->len), ==,
                    SRAID_ISCSI_TEXT_TOO_MANY_KEYS);
    sraid_iscsi_text_clear(&t);
    g_string_set_size(many, SRAID_ISCSI_TEXT_MAX + 1);
    g_assert_cmpint(parse(&t, many->str, many->len), ==,
                    SRAID_ISCSI_TEXT_TOO_LONG);
    sraid_iscsi_text_clear(&t);
    g_string_free(many, TRUE);
    g_assert_cmpstr(sraid_iscsi_text_error_str(SRAID_ISCSI_TEXT_DUPLICATE),
                    ==, "key sent twice");
}

static void test_values(void)
{
    const char *const digests[] = { "None", "CRC32C", NULL };
    const char *const md5[] = { "5", NULL };
    uint64_t n;
    bool b;

    g_assert_true(sraid_iscsi_text_number("262144", &n));
    g_assert_cmpuint(n, ==, 262144);
    g_assert_true(sraid_iscsi_text_number("0x40000", &n));
    g_assert_cmpuint(n, ==, 262144);
    g_assert_true(sraid_iscsi_text_number("0XfF", &n));
    g_assert_cmpuint(n, ==, 255);
    g_assert_true(sraid_iscsi_text_number("18446744073709551615", &n));
    g_assert_cmpuint(n, ==, G_MAXUINT64);
    g_assert_false(sraid_iscsi_text_number("18446744073709551616", &n));
    g_assert_false(sraid_iscsi_text_number("0x10000000000000000", &n));
    g_assert_false(sraid_iscsi_text_number("", &n));
    g_assert_false(sraid_iscsi_text_number("0x", &n));
    g_assert_false(sraid_iscsi_text_number("-1", &n));
    g_assert_false(sraid_iscsi_text_number("12a", &n));
    g_assert_false(sraid_iscsi_text_number(" 1", &n));

    g_assert_true(sraid_iscsi_text_bool("Yes", &b));
    g_assert_true(b);
    g_assert_true(sraid_iscsi_text_bool("No", &b));
    g_assert_false(b);
    g_assert_false(sraid_iscsi_text_bool("yes", &b));
    g_assert_false(sraid_iscsi_text_bool("", &b));

    /* the proposer's order decides (6.2.1) */
    g_assert_cmpstr(sraid_iscsi_text_list_pick("None,CRC32C", digests), ==,
                    "None");
    g_assert_cmpstr(sraid_iscsi_text_list_pick("CRC32C,None", digests), ==,
                    "CRC32C");
    g_assert_cmpstr(sraid_iscsi_text_list_pick("Foo,CRC32C", digests), ==,
                    "CRC32C");
    g_assert_null(sraid_iscsi_text_list_pick("CRC32,Non", digests));
    g_assert_null(sraid_iscsi_text_list_pick("", digests));
    g_assert_cmpstr(sraid_iscsi_text_list_pick("7,6,5", md5), ==, "5");
    g_assert_null(sraid_iscsi_text_list_pick("55", md5));
}

static void test_binary(void)
{
    uint8_t out[16];

    g_assert_cmpint(sraid_iscsi_text_binary("0x0aFf10", out, sizeof(out)),
                    ==, 3);
    g_assert_cmphex(out[0], ==, 0x0a);
    g_assert_cmphex(out[1], ==, 0xff);
    g_assert_cmphex(out[2], ==, 0x10);
    /* an odd count has an implied leading zero */
    g_assert_cmpint(sraid_iscsi_text_binary("0xabc", out, sizeof(out)), ==, 2);
    g_assert_cmphex(out[0], ==, 0x0a);
    g_assert_cmphex(out[1], ==, 0xbc);
    g_assert_cmpint(sraid_iscsi_text_binary("0xzz", out, sizeof(out)), ==, -1);
    g_assert_cmpint(sraid_iscsi_text_binary("0x", out, sizeof(out)), ==, -1);
    g_assert_cmpint(sraid_iscsi_text_binary("0x0102", out, 1), ==, -1);
    g_assert_cmpint(sraid_iscsi_text_binary("1234", out, sizeof(out)), ==, -1);

    /* RFC 4648 base64 */
    g_assert_cmpint(sraid_iscsi_text_binary("0bAQID", out, sizeof(out)), ==,
                    3);
    g_assert_cmphex(out[0], ==, 1);
    g_assert_cmphex(out[2], ==, 3);
    g_assert_cmpint(sraid_iscsi_text_binary("0BZm9vYg==", out, sizeof(out)),
                    ==, 4);
    g_assert_cmpmem(out, 4, "foob", 4);
    g_assert_cmpint(sraid_iscsi_text_binary("0bZm9vYmE=", out, sizeof(out)),
                    ==, 5);
    g_assert_cmpmem(out, 5, "fooba", 5);
    g_assert_cmpint(sraid_iscsi_text_binary("0bZm9", out, sizeof(out)), ==,
                    -1);
    g_assert_cmpint(sraid_iscsi_text_binary("0bZ=9v", out, sizeof(out)), ==,
                    -1);
    g_assert_cmpint(sraid_iscsi_text_binary("0bZm9v\n", out, sizeof(out)),
                    ==, -1);
    g_assert_cmpint(sraid_iscsi_text_binary("0bZm9vYmFy", out, 5), ==, -1);
}

static void test_out(void)
{
    uint8_t buf[24];
    SraidIscsiTextOut out;

    sraid_iscsi_text_out_init(&out, buf, sizeof(buf));
    g_assert_true(sraid_iscsi_text_add(&out, "A", "1"));
    g_assert_true(sraid_iscsi_text_add_number(&out, "Num", 262144));
    g_assert_cmpuint(out.len, ==, 4 + 11);
    g_assert_cmpmem(buf, out.len, "A=1\0Num=262144", out.len);
    /* 9 bytes left: "Long=abcd" + NUL is 10 and is not written at all */
    g_assert_false(sraid_iscsi_text_add(&out, "Long", "abcd"));
    g_assert_true(out.truncated);
    g_assert_cmpuint(out.len, ==, 15);
    /* after a truncation nothing more goes in, even if it fits */
    g_assert_false(sraid_iscsi_text_add(&out, "B", "2"));
    g_assert_cmpuint(out.len, ==, 15);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iscsi-text/parse", test_parse);
    g_test_add_func("/iscsi-text/parse-errors", test_parse_errors);
    g_test_add_func("/iscsi-text/values", test_values);
    g_test_add_func("/iscsi-text/binary", test_binary);
    g_test_add_func("/iscsi-text/out", test_out);
    return g_test_run();
}
