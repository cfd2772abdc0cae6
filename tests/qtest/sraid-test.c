/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest of sraid-ctrl: a real QEMU with the controller behind virtio-scsi,
 * driven through the virtio rings like a guest driver would.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "scsi/constants.h"
#include "sraid-cluster-test.h"
#include "sraid-ld-test.h"
#include "sraid-rebuild-test.h"
#include "sraid-vscsi.h"

#define CTRL_TARGET     1               /* sraid-ctrl's scsi-id on virtio */
#define CTRL_SERIAL     "CTRL-TEST-0001"
#define CTRL_WWN        0x3000c0ffee000007ULL
#define CTRL_WWN_STR    "0x3000c0ffee000007"

static const char *ctrl_args =
    VSCSI_ARGS " -device sraid-ctrl,id=ctrl0,bus=vs0.0,scsi-id="
    stringify(CTRL_TARGET)
    ",lun=0,node-id=7,serial=" CTRL_SERIAL ",wwn=" CTRL_WWN_STR;

static VScsi *ctrl_start(const char *extra)
{
    g_autofree char *args = g_strdup_printf("%s %s", ctrl_args,
                                            extra ? extra : "");

    return vscsi_start(args);
}

/* The first command after power-on reports the reset (SAM-5 5.14). */
static void clear_power_on_ua(VScsi *v)
{
    static const uint8_t tur[6] = { TEST_UNIT_READY };
    ScsiResult r;

    vscsi_cmd(v, CTRL_TARGET, 0, tur, sizeof(tur), 0, &r);
    assert_sense(&r, UNIT_ATTENTION, 0x29, 0x00);
    vscsi_cmd(v, CTRL_TARGET, 0, tur, sizeof(tur), 0, &r);
    assert_good(&r);
}

static void inquiry(VScsi *v, bool evpd, uint8_t page, uint16_t alloc,
                    ScsiResult *r)
{
    uint8_t cdb[6] = { INQUIRY, evpd, page, alloc >> 8, alloc & 0xff, 0 };

    vscsi_cmd(v, CTRL_TARGET, 0, cdb, sizeof(cdb), alloc, r);
}

static void test_standard_inquiry(void)
{
    VScsi *v = ctrl_start(NULL);
    ScsiResult r;

    /* INQUIRY is not blocked by the unit attention (SPC-4 5.13). */
    inquiry(v, false, 0, 96, &r);
    assert_good(&r);
    /* the guest path pads to the allocation length, like scsi-disk */
    g_assert_cmpuint(r.data_len, ==, 96);
    for (int i = 74; i < 96; i++) {
        g_assert_cmpuint(r.data[i], ==, 0);
    }
    g_assert_cmphex(r.data[0], ==, TYPE_STORAGE_ARRAY);
    g_assert_cmphex(r.data[2], ==, 0x06);               /* SPC-4 */
    g_assert_cmphex(r.data[3] & 0x0f, ==, 2);           /* format 2 */
    g_assert_cmpuint(r.data[4], ==, 74 - 5);
    g_assert_cmpmem(r.data + 8, 8, "SRAID   ", 8);
    g_assert_cmpmem(r.data + 16, 16, "CLUSTER RAID    ", 16);
    g_assert_cmpuint(r.data[36], ==, 0);                /* not booting */
    clear_power_on_ua(v);
    vscsi_stop(v);
}

static void test_vpd_pages(void)
{
    VScsi *v = ctrl_start(NULL);
    ScsiResult r;
    size_t off, page_end;
    bool found_naa = false;

    inquiry(v, true, 0x00, 255, &r);
    assert_good(&r);
    g_assert_cmpuint(r.data[1], ==, 0x00);
    g_assert_cmpuint(r.data[3], ==, 3);
    g_assert_cmpmem(r.data + 4, 3, "\x00\x80\x83", 3);

    inquiry(v, true, 0x80, 255, &r);
    assert_good(&r);
    g_assert_cmpuint(r.data[3], ==, strlen(CTRL_SERIAL));
    g_assert_cmpmem(r.data + 4, strlen(CTRL_SERIAL),
                    CTRL_SERIAL, strlen(CTRL_SERIAL));

    inquiry(v, true, 0x83, 255, &r);
    assert_good(&r);
    page_end = 4 + ((r.data[2] << 8) | r.data[3]);
    g_assert_cmpuint(page_end, <=, r.data_len);
    for (off = 4; off + 4 <= page_end; off += 4 + r.data[off + 3]) {
        if ((r.data[off + 1] & 0x0f) == 3) {            /* NAA */
            uint64_t naa = get_be64(r.data + off + 4);

            g_assert_cmpuint(r.data[off + 3], ==, 8);
            g_assert_cmphex(naa, ==, CTRL_WWN);
            found_naa = true;
        }
    }
    g_assert_true(found_naa);
    vscsi_stop(v);
}

static void test_allocation_length(void)
{
    VScsi *v = ctrl_start(NULL);
    ScsiResult r;

    /* SPC-4 4.2.5.6: return no more than the allocation length. */
    inquiry(v, false, 0, 5, &r);
    assert_good(&r);
    g_assert_cmpuint(r.data_len, ==, 5);
    g_assert_cmpuint(r.data[4], ==, 74 - 5);
    vscsi_stop(v);
}

static void test_invalid_cdbs(void)
{
    static const uint8_t unknown_op[10] = { 0x28 };    /* READ(10) */
    static const uint8_t tur_naca[6] = { TEST_UNIT_READY, 0, 0, 0, 0, 0x04 };
    VScsi *v = ctrl_start(NULL);
    ScsiResult r;

    clear_power_on_ua(v);
    /* page code without EVPD */
    inquiry(v, false, 0x83, 255, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00);
    /* a VPD page we do not have */
    inquiry(v, true, 0xb0, 255, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00);
    /* the controller unit has no medium: no READ */
    vscsi_cmd(v, CTRL_TARGET, 0, unknown_op, sizeof(unknown_op), 512, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x20, 0x00);
    /* NACA is not supported */
    vscsi_cmd(v, CTRL_TARGET, 0, tur_naca, sizeof(tur_naca), 0, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00);
    vscsi_stop(v);
}

/*
 * An opcode the controller unit does not implement is refused with INVALID
 * COMMAND OPERATION CODE whatever buffers come with it (see
 * test_unlisted_opcodes_any_buffer in sraid-ld-test.c).
 */
static void test_unlisted_opcodes_any_buffer(void)
{
    VScsi *v = ctrl_start(NULL);
    g_autofree char *wrong = NULL;

    clear_power_on_ua(v);
    wrong = vscsi_unlisted_not_refused(v, CTRL_TARGET, 0);
    g_assert_cmpstr(wrong, ==, "");
    vscsi_stop(v);
}

static void test_report_luns(void)
{
    static const uint8_t cdb[12] = { REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    VScsi *v = ctrl_start(NULL);
    ScsiResult r;

    clear_power_on_ua(v);
    vscsi_cmd(v, CTRL_TARGET, 0, cdb, sizeof(cdb), 256, &r);
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data), ==, 8);          /* one LUN */
    g_assert_cmpuint(get_be64(r.data + 8), ==, 0);      /* LUN 0 */
    vscsi_stop(v);
}

static void test_listed_and_blocks_migration(void)
{
    QTestState *qts = qtest_initf("-nodefaults -display none %s", ctrl_args);
    QDict *rsp;

    rsp = qtest_qmp(qts, "{'execute': 'device-list-properties',"
                         " 'arguments': {'typename': 'sraid-ctrl'}}");
    g_assert_true(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);

    rsp = qtest_qmp(qts, "{'execute': 'migrate',"
                         " 'arguments': {'uri': 'exec:cat >/dev/null'}}");
    g_assert_true(qdict_haskey(rsp, "error"));
    g_assert_nonnull(strstr(qdict_get_str(qdict_get_qdict(rsp, "error"),
                                          "desc"),
                            "sraid-ctrl does not support migration"));
    qobject_unref(rsp);
    qtest_quit(qts);
}

/* Start QEMU with @args and expect it to refuse with @message. */
static void expect_startup_error(const char *args, const char *message)
{
    g_autofree char *cmd = g_strdup_printf(
        "%s -machine pc -nodefaults -display none -S %s",
        g_getenv("QTEST_QEMU_BINARY"), args);
    g_autofree char *err = NULL;
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &gerr));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, &err, &status, &gerr));
    if (!strstr(err, message)) {
        g_test_message("stderr: %s", err);
    }
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    g_assert_nonnull(strstr(err, message));
}

static void test_bad_properties(void)
{
    expect_startup_error("-device virtio-scsi-pci "
                         "-device sraid-ctrl,node-id=16",
                         "node-id 16 is out of range");
    expect_startup_error("-device virtio-scsi-pci "
                         "-device sraid-ctrl,channels=0",
                         "channels 0 is out of range");
    expect_startup_error("-device virtio-scsi-pci "
                         "-device sraid-ctrl,rebuild-rate=101",
                         "rebuild-rate 101 is out of range: use 1 to 100");
    expect_startup_error("-device virtio-scsi-pci "
                         "-device sraid-ctrl,vendor=MUCHTOOLONG",
                         "vendor 'MUCHTOOLONG' must be 1 to 8 characters");
    expect_startup_error("-device virtio-scsi-pci "
                         "-device sraid-ctrl,wwn=0x1234",
                         "is not an NAA 2h, 3h or 5h identifier");
    expect_startup_error("-device virtio-scsi-pci "
                         "-device sraid-ctrl,guest-management=write",
                         "guest-management 'write' is not valid: use off,"
                         " read or full");
}

/* Membership settings that do not fit, and an NVRAM file not ours */
static void test_bad_membership(void)
{
    g_autoptr(GError) gerr = NULL;
    g_autofree char *nvram = NULL;
    g_autofree char *args = NULL;
    g_autofree char *msg = NULL;
    int fd = g_file_open_tmp("sraid-test-XXXXXX.nvram", &nvram, &gerr);

    /* the port is never listened on: realize stops before the portals */
    expect_startup_error("-device virtio-scsi-pci -device sraid-ctrl,"
                         "iscsi-port=1024,heartbeat-interval=1000,"
                         "monitor-period=5000,negotiation-timeout=6000",
                         "negotiation-timeout must be at least "
                         "monitor-period + 8 x heartbeat-interval");
    expect_startup_error("-device virtio-scsi-pci -device sraid-ctrl,"
                         "iscsi-port=1024,heartbeat-interval=5",
                         "heartbeat-interval must be 10 to 60000 ms");
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "not an NVRAM image", 18), ==, 18);
    close(fd);
    args = g_strdup_printf("-device virtio-scsi-pci -device sraid-ctrl,"
                           "iscsi-port=1024,nvram=%s", nvram);
    msg = g_strdup_printf("nvram '%s' is not an sraid NVRAM file", nvram);
    expect_startup_error(args, msg);
    unlink(nvram);
}

static char *make_image(void)
{
    g_autoptr(GError) gerr = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("sraid-test-XXXXXX.img", &path, &gerr);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 4 * 1024 * 1024), ==, 0);
    close(fd);
    return path;
}

static void test_member_drives(void)
{
    g_autofree char *img0 = make_image();
    g_autofree char *img1 = make_image();
    g_autofree char *drives = g_strdup_printf(
        "-blockdev driver=file,filename=%s,node-name=m0 "
        "-blockdev driver=file,filename=%s,node-name=m1 "
        "-device sraid-drive,bus=ctrl0.0,drive=m0,channel=0,target=0 "
        "-device sraid-drive,bus=ctrl0.0,drive=m1,channel=1,target=0",
        img0, img1);
    g_autofree char *base = g_strdup_printf(
        "-device virtio-scsi-pci -device sraid-ctrl,id=ctrl0,node-id=7 "
        "-blockdev driver=file,filename=%s,node-name=m0 ", img0);
    g_autofree char *arg = NULL;
    QTestState *qts;
    QDict *rsp;

    /* Two members on two channels: realized and visible in the tree. */
    qts = qtest_initf("-nodefaults -display none %s %s", ctrl_args, drives);
    rsp = qtest_qmp(qts, "{'execute': 'human-monitor-command',"
                         " 'arguments': {'command-line': 'info qtree'}}");
    g_assert_nonnull(strstr(qdict_get_str(rsp, "return"),
                            "dev: sraid-drive"));
    qobject_unref(rsp);
    qtest_quit(qts);

    arg = g_strdup_printf("%s -device sraid-drive,bus=ctrl0.0,drive=m0,"
                          "channel=2", base);
    expect_startup_error(arg, "drive 'm0': channel 2 does not exist");
    g_free(arg);
    arg = g_strdup_printf("%s -device sraid-drive,bus=ctrl0.0,drive=m0,"
                          "target=7", base);
    expect_startup_error(arg, "drive 'm0': target 7 is the controller's own"
                              " node-id");
    g_free(arg);
    arg = g_strdup_printf("%s -blockdev driver=file,filename=%s,node-name=m1"
                          " -device sraid-drive,bus=ctrl0.0,drive=m0"
                          " -device sraid-drive,bus=ctrl0.0,drive=m1",
                          base, img1);
    expect_startup_error(arg, "drive 'm1': channel 0 target 0 is already"
                              " taken by drive 'm0'");
    g_free(arg);
    arg = g_strdup_printf("-device virtio-scsi-pci"
                          " -device sraid-ctrl,id=ctrl0"
                          " -device sraid-drive,bus=ctrl0.0");
    expect_startup_error(arg, "sraid-drive needs a drive");

    unlink(img0);
    unlink(img1);
}

/* A qcow2 member would be corrupted by a second node's QEMU: refused. */
static void test_member_format_refused(void)
{
    const char *qemu_img = g_getenv("QTEST_QEMU_IMG");
    g_autofree char *img = NULL;
    g_autofree char *cmd = NULL;
    g_autofree char *arg = NULL;
    int status;

    if (!qemu_img) {
        g_test_skip("QTEST_QEMU_IMG not set");
        return;
    }
    img = make_image();
    cmd = g_strdup_printf("%s create -q -f qcow2 %s 4M", qemu_img, img);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    arg = g_strdup_printf("-device virtio-scsi-pci -device sraid-ctrl,id=c0"
                          " -blockdev driver=qcow2,node-name=q0,"
                          "file.driver=file,file.filename=%s"
                          " -device sraid-drive,bus=c0.0,drive=q0", img);
    expect_startup_error(arg, "drive 'q0': format qcow2 cannot be shared");
    unlink(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/sraid/ctrl/standard-inquiry", test_standard_inquiry);
    qtest_add_func("/sraid/ctrl/vpd-pages", test_vpd_pages);
    qtest_add_func("/sraid/ctrl/allocation-length", test_allocation_length);
    qtest_add_func("/sraid/ctrl/invalid-cdbs", test_invalid_cdbs);
    qtest_add_func("/sraid/ctrl/report-luns", test_report_luns);
    qtest_add_func("/sraid/ctrl/unlisted-opcodes-any-buffer",
                   test_unlisted_opcodes_any_buffer);
    qtest_add_func("/sraid/ctrl/listed-and-blocks-migration",
                   test_listed_and_blocks_migration);
    qtest_add_func("/sraid/ctrl/bad-properties", test_bad_properties);
    qtest_add_func("/sraid/ctrl/bad-membership", test_bad_membership);
    qtest_add_func("/sraid/drive/members", test_member_drives);
    qtest_add_func("/sraid/drive/format-refused", test_member_format_refused);
    sraid_ld_test_register();
    sraid_rebuild_test_register();
    sraid_cluster_test_register();
    return g_test_run();
}
