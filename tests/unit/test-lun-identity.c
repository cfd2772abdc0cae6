/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of logical unit identity validation.
 */
#include <glib.h>
#include <string.h>

#include "core-error.h"
#include "lun-identity.h"

#define NAA3 0x3000000000000001ULL

static void expect_error(const char *vendor, const char *product,
                         const char *rev, const char *serial, uint64_t naa,
                         const char *message)
{
    SraidLunIdentity id;
    g_autoptr(GError) err = NULL;

    g_assert_false(sraid_lun_identity_set(&id, 0, vendor, product, rev,
                                          serial, naa, &err));
    g_assert_error(err, SRAID_ERROR, SRAID_ERROR_INVALID);
    if (!strstr(err->message, message)) {
        g_test_message("got: %s", err->message);
    }
    g_assert_nonnull(strstr(err->message, message));
}

static void test_valid(void)
{
    SraidLunIdentity id;
    g_autoptr(GError) err = NULL;

    g_assert_true(sraid_lun_identity_set(&id, 0x0c, "SRAID", "CLUSTER RAID",
                                         "0001", "SN1", NAA3, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(id.vendor, ==, "SRAID");
    g_assert_cmpuint(id.peripheral_type, ==, 0x0c);
    g_assert_cmphex(id.naa, ==, NAA3);
    /* exactly the field widths */
    g_assert_true(sraid_lun_identity_set(&id, 0, "ABCDEFGH",
                                         "0123456789abcdef", "WXYZ",
                                         "0123456789abcdef0123456789abcdef",
                                         0x5000000000000000ULL, &err));
    g_assert_cmpstr(id.product, ==, "0123456789abcdef");
}

static void test_invalid(void)
{
    expect_error("TOOLONGVENDOR", "P", "1", "S", NAA3, "vendor");
    expect_error("", "P", "1", "S", NAA3, "vendor '' must be 1 to 8");
    expect_error("V", "0123456789abcdefX", "1", "S", NAA3, "product");
    expect_error("V", "P", "12345", "S", NAA3, "revision");
    expect_error("V", "P", "1", "", NAA3, "serial");
    expect_error("V", "P", "1", "S\x01", NAA3, "serial must be printable");
    expect_error("V\x7f", "P", "1", "S", NAA3, "vendor must be printable");
    expect_error("V", "P", "1", "S", 0x6000000000000000ULL, "NAA");
    expect_error("V", "P", "1", "S", 0, "NAA");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lun-identity/valid", test_valid);
    g_test_add_func("/lun-identity/invalid", test_invalid);
    return g_test_run();
}
