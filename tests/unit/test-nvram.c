/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests: the NVRAM image (nvram.h, docs/on-disk-format.md).
 */
#include <glib.h>
#include <string.h>

#include "cod.h"
#include "le-bytes.h"
#include "nvram.h"

static SraidNvram *sample(bool with_config)
{
    SraidNvram *nv = g_new0(SraidNvram, 1);

    nv->node = 6;
    nv->boots = 0x0102030405ull;
    if (with_config) {
        nv->has_config = true;
        nv->config.sender = 7;
        nv->config.sender_state = 1;
        nv->config.generation = 42;
        nv->config.nlds = 1;
        nv->config.lds[0].level = 5;
        nv->config.lds[0].members = 3;
        nv->config.lds[0].strip_sectors = 128;
        nv->config.lds[0].sectors = 1 << 20;
        nv->config.lds[0].naa = 0x3535241494443000ull;
        nv->config.channels = 2;
        nv->config.targets = 2;
        nv->config.pds[0][1].present = true;
        nv->config.pds[0][1].guid[0] = 0xaa;
    }
    return nv;
}

static void test_round_trip(void)
{
    for (int with = 0; with < 2; with++) {
        g_autofree SraidNvram *nv = sample(with);
        g_autofree SraidNvram *back = g_new0(SraidNvram, 1);
        g_autofree uint8_t *buf = g_malloc(SRAID_NVRAM_MAX_LEN);
        size_t len = sraid_nvram_encode(nv, buf);

        g_assert_cmpuint(len, >=, SRAID_NVRAM_HEADER_LEN +
                         SRAID_NVRAM_CRC_LEN);
        /* the documented header */
        g_assert_cmpmem(buf, 8, "SRNVRAM1", 8);
        g_assert_cmpuint(sraid_get_le32(buf + 8), ==, 1);
        g_assert_cmpuint(sraid_get_le32(buf + 12), ==,
                         len - SRAID_NVRAM_HEADER_LEN - SRAID_NVRAM_CRC_LEN);
        g_assert_cmphex(sraid_get_le64(buf + 16), ==, 0x0102030405ull);
        g_assert_cmpuint(buf[24], ==, 6);
        g_assert_cmpint(sraid_nvram_decode(buf, len, back), ==,
                        SRAID_NVRAM_OK);
        g_assert_cmpuint(back->node, ==, 6);
        g_assert_cmphex(back->boots, ==, nv->boots);
        g_assert_cmpint(back->has_config, ==, with);
        if (with) {
            g_assert_cmpuint(back->config.generation, ==, 42);
            g_assert_cmphex(back->config.lds[0].naa, ==,
                            nv->config.lds[0].naa);
            g_assert_cmpuint(back->config.pds[0][1].guid[0], ==, 0xaa);
        } else {
            g_assert_cmpuint(len, ==, 36);
        }
    }
}

static void test_refused(void)
{
    g_autofree SraidNvram *nv = sample(true);
    g_autofree SraidNvram *back = g_new0(SraidNvram, 1);
    g_autofree uint8_t *buf = g_malloc(SRAID_NVRAM_MAX_LEN);
    size_t len = sraid_nvram_encode(nv, buf);

    /* every flipped byte is refused, none is half read */
    for (size_t i = 0; i < len; i++) {
        SraidNvramError e;

        buf[i] ^= 0x20;
        e = sraid_nvram_decode(buf, len, back);
        g_assert_cmpint(e, !=, SRAID_NVRAM_OK);
        g_assert_false(back->has_config);
        g_assert_cmpuint(back->boots, ==, 0);
        if (i < 12 || (i > 24 && i < SRAID_NVRAM_HEADER_LEN)) {
            g_assert_cmpint(e, ==, SRAID_NVRAM_FOREIGN);
        } else {
            g_assert_cmpint(e, ==, SRAID_NVRAM_DAMAGED);
        }
        buf[i] ^= 0x20;
    }
    /* every truncation, and one byte too many */
    for (size_t l = 0; l < len; l++) {
        g_assert_cmpint(sraid_nvram_decode(buf, l, back), !=,
                        SRAID_NVRAM_OK);
    }
    buf[len] = 0;
    g_assert_cmpint(sraid_nvram_decode(buf, len + 1, back), ==,
                    SRAID_NVRAM_DAMAGED);
    g_assert_cmpint(sraid_nvram_decode(buf, len, back), ==, SRAID_NVRAM_OK);
    /* a readable message for each */
    g_assert_nonnull(strstr(sraid_nvram_error_text(SRAID_NVRAM_FOREIGN),
                            "not an sraid NVRAM file"));
    g_assert_nonnull(strstr(sraid_nvram_error_text(SRAID_NVRAM_DAMAGED),
                            "remove it"));
}

/* A good CRC over a configuration that is not a mailbox */
static void test_bad_config(void)
{
    uint8_t buf[SRAID_NVRAM_HEADER_LEN + 8 + SRAID_NVRAM_CRC_LEN] = { 0 };
    g_autofree SraidNvram *back = g_new0(SraidNvram, 1);
    size_t len = sizeof(buf);

    memcpy(buf, SRAID_NVRAM_MAGIC, 8);
    sraid_put_le32(buf + 8, SRAID_NVRAM_VERSION);
    sraid_put_le32(buf + 12, 8);
    memcpy(buf + SRAID_NVRAM_HEADER_LEN, "garbage!", 8);
    sraid_put_le32(buf + len - 4, sraid_crc32c(buf, len - 4));
    g_assert_cmpint(sraid_nvram_decode(buf, len, back), ==,
                    SRAID_NVRAM_BAD_CONFIG);
    g_assert_false(back->has_config);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/nvram/round-trip", test_round_trip);
    g_test_add_func("/nvram/refused", test_refused);
    g_test_add_func("/nvram/bad-config", test_bad_config);
    return g_test_run();
}
