/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest of sraid logical drives: arrays made by sraid-img, served by a real
 * QEMU through virtio-scsi, written and read back like a guest would, then
 * checked on the member files by sraid-img (parity consistent, contents
 * equal to what the guest wrote).
 */

#include "qemu/osdep.h"
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include "libqtest.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "scsi/constants.h"
#include "sraid-qtest-array.h"
#include "sraid-ld-test.h"

#define SRAID_WE_RO     0x05    /* Write Exclusive - Registrants Only */

static void assert_identity(VScsi *v, Array *a)
{
    uint8_t inq[6] = { INQUIRY, 0, 0, 0, 96, 0 };
    uint8_t vpd80[6] = { INQUIRY, 1, 0x80, 0, 255, 0 };
    uint8_t vpd83[6] = { INQUIRY, 1, 0x83, 0, 255, 0 };
    uint8_t vpdb0[6] = { INQUIRY, 1, 0xb0, 0, 64, 0 };
    uint8_t cap[10] = { READ_CAPACITY_10 };
    ScsiResult r;
    bool naa_found = false;

    vscsi_cmd(v, LD_TARGET, 0, inq, sizeof(inq), 96, &r);
    assert_good(&r);
    g_assert_cmphex(r.data[0], ==, TYPE_DISK);
    g_assert_true(memcmp(r.data + 8, "SRAID   ", 8) == 0);

    vscsi_cmd(v, LD_TARGET, 0, vpd80, sizeof(vpd80), 255, &r);
    assert_good(&r);
    g_assert_cmpuint(r.data[3], ==, strlen(a->serial));
    g_assert_true(memcmp(r.data + 4, a->serial, strlen(a->serial)) == 0);

    vscsi_cmd(v, LD_TARGET, 0, vpd83, sizeof(vpd83), 255, &r);
    assert_good(&r);
    for (size_t off = 4; off + 4 <= 4 + (size_t)r.data[3];
         off += 4 + r.data[off + 3]) {
        if ((r.data[off + 1] & 0xf) == 3 && r.data[off + 3] == 8) {
            g_assert_cmphex(get_be64(r.data + off + 4), ==, a->naa);
            naa_found = true;
        }
    }
    g_assert_true(naa_found);

    /* strips of 16K (sraid-img create -s 16K), whole stripes >= 1 MiB */
    vscsi_cmd(v, LD_TARGET, 0, vpdb0, sizeof(vpdb0), 64, &r);
    assert_good(&r);
    g_assert_cmpuint((r.data[6] << 8) | r.data[7], ==, 32);
    g_assert_cmpuint(get_be32(r.data + 12) % 32, ==, 0);
    g_assert_cmpuint(get_be32(r.data + 12), >=, 2048);
    /* MAXIMUM COMPARE AND WRITE LENGTH: ours, not scsi-disk's 0 */
    g_assert_cmpuint(r.data[5], ==, 64);

    vscsi_cmd(v, LD_TARGET, 0, cap, sizeof(cap), 8, &r);
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data) + 1, ==, a->sectors);
    g_assert_cmpuint(get_be32(r.data + 4), ==, 512);
}

static const struct {
    unsigned level, members;
} layouts[] = {
    { 0, 3 }, { 1, 2 }, { 5, 4 }, { 6, 5 }, { 10, 4 },
};

/*
 * Every level through virtio-scsi: identity from the configuration on
 * disk, random writes read back, and offline the members hold exactly
 * what the guest wrote with parity/mirrors consistent.
 */
static void test_levels(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(layouts); i++) {
        g_autoptr(GRand) rnd = g_rand_new_with_seed(i + 1);
        g_autofree char *args = NULL;
        Array a;
        VScsi *v;

        array_create(&a, layouts[i].level, layouts[i].members);
        args = array_args(&a, -1, -1);
        v = vscsi_start(args);
        ld_ready(v);
        assert_identity(v, &a);
        random_writes(v, &a, rnd, 40);
        assert_reads_back(v, &a);
        vscsi_stop(v);
        assert_members_hold(&a);
        array_free(&a);
    }
}

/*
 * A member that fails reads while the guest runs: the data comes back
 * reconstructed, writes go on degraded, the configuration on the others
 * records the failure; restarted without that member the contents are
 * unchanged.
 */
static void test_member_fails(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(42);
    g_autofree char *args = NULL, *json = NULL;
    Array a;
    VScsi *v;

    array_create(&a, 5, 4);
    args = array_args(&a, -1, -1);
    v = vscsi_start(args);
    ld_ready(v);
    random_writes(v, &a, rnd, 30);
    vscsi_stop(v);

    g_free(args);
    args = array_args(&a, 1, -1);
    v = vscsi_start(args);
    ld_ready(v);
    assert_reads_back(v, &a);       /* member 1 fails on the way */
    random_writes(v, &a, rnd, 30);  /* degraded */
    assert_reads_back(v, &a);
    vscsi_stop(v);

    /* without member 1's file: everything still there */
    g_free(a.file[1]);
    a.file[1] = NULL;
    g_assert_cmpint(run_img(&a, "info --output=json", &json), ==, 0);
    g_assert_nonnull(strstr(json, "\"state\": \"failed\""));
    g_assert_nonnull(strstr(json, "\"state\": \"degraded\""));
    g_free(args);
    args = array_args(&a, -1, 1);
    v = vscsi_start(args);
    ld_ready(v);
    assert_reads_back(v, &a);
    vscsi_stop(v);
    a.file[1] = g_strdup_printf("%s/m1.img", a.dir);
    array_free(&a);
}

/*
 * The write hole: QEMU is SIGKILLed while a full-stripe write has reached
 * three of four members (the fourth is held back by blkdebug).  The stripe
 * is torn on disk (sraid-img check says so); the restarted controller
 * finds the write-intent bit, resyncs the stripe, and the set is
 * consistent with every other stripe's data intact.
 */
static void test_sigkill_mid_write(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(7);
    g_autofree char *args = NULL, *held_args = NULL;
    g_autofree uint8_t *stripe = g_malloc(96 * 512);
    uint8_t cdb[10] = { WRITE_10 };
    Array a;
    VScsi *v;
    pid_t pid;
    int st;

    array_create(&a, 5, 4);         /* 16K strips: 96 sectors a stripe */
    args = array_args(&a, -1, -1);
    held_args = array_args_full(&a, -1, -1, 3, "");
    v = vscsi_start(held_args);
    ld_ready(v);
    /* stripes 1.. hold data that must survive */
    for (uint64_t lba = 96; lba < 96 * 40; lba += 96) {
        ScsiResult r;

        for (size_t k = 0; k < 96 * 512; k++) {
            a.ref[lba * 512 + k] = g_rand_int(rnd);
        }
        ld_rw(v, true, lba, 96, a.ref + lba * 512, &r);
        assert_good(&r);
    }
    for (size_t k = 0; k < 96 * 512; k++) {
        stripe[k] = g_rand_int(rnd) | 1;
    }
    cdb[8] = 96;
    /* let the lazy clearing of the bitmap finish first (1 s timer) */
    g_usleep(1500 * 1000);
    vscsi_submit_nowait(v, LD_TARGET, 0, cdb, sizeof(cdb), stripe, 96 * 512);
    g_usleep(500 * 1000);           /* three members written, one held */
    {
        /* the held write is the logical drive's one request in flight */
        g_autofree char *hmp = qtest_hmp(v->qs->qts, "info sraid");

        g_assert_nonnull(strstr(hmp, "requests in flight 1, waiting for a"
                                " stripe 0"));
    }
    pid = qtest_pid(v->qs->qts);
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
    /* v is abandoned: qtest_quit() aborts on a QEMU killed by a signal */

    g_assert_cmpint(run_img(&a, "check", NULL), ==, 2);     /* torn */

    v = vscsi_start(args);
    ld_ready(v);
    {
        g_autofree uint8_t *buf = g_malloc(96 * 512);

        for (uint64_t lba = 96; lba < 96 * 40; lba += 96) {
            ScsiResult r;

            ld_rw(v, false, lba, 96, buf, &r);
            assert_good(&r);
            g_assert_true(memcmp(buf, a.ref + lba * 512, 96 * 512) == 0);
        }
    }
    vscsi_stop(v);
    g_assert_cmpint(run_img(&a, "check", NULL), ==, 0);
    array_free(&a);
}

/*
 * The write hole in degraded mode: member 1 of a RAID 5 set is missing, so
 * its strip of stripe 0 lives only as parity plus the other data strips.
 * The guest rewrites member 0's strip of stripe 0 (LBAs 0-31) and QEMU is
 * SIGKILLed while blkdebug holds back the parity write (member 3): member
 * 0 has the new data, parity the old.  Without the degraded-write journal
 * member 1's strip, which that request never wrote, would reconstruct as
 * garbage; after the restart it reads back exactly what the guest wrote
 * before, the rewritten LBAs read all old or all new, the rest is intact.
 */
static void test_sigkill_degraded_write(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(11);
    g_autofree char *args = NULL, *held_args = NULL;
    g_autofree uint8_t *new = g_malloc(32 * 512);
    g_autofree uint8_t *buf = g_malloc(96 * 512);
    uint8_t cdb[10] = { WRITE_10 };
    const uint64_t end = 96 * 8;    /* 16K strips: 96 sectors a stripe */
    Array a;
    VScsi *v;
    pid_t pid;
    int st;

    array_create(&a, 5, 4);
    args = array_args(&a, -1, 1);
    held_args = array_args_full(&a, -1, 1, 3, "");
    v = vscsi_start(args);
    ld_ready(v);
    for (uint64_t lba = 0; lba < end; lba += 96) {
        ScsiResult r;

        for (size_t k = 0; k < 96 * 512; k++) {
            a.ref[lba * 512 + k] = g_rand_int(rnd);
        }
        ld_rw(v, true, lba, 96, a.ref + lba * 512, &r);
        assert_good(&r);
    }
    vscsi_stop(v);

    /* stripe 0: data on members 0, 1 (missing), 2; parity on 3 (held) */
    v = vscsi_start(held_args);
    ld_ready(v);
    for (size_t k = 0; k < 32 * 512; k++) {
        new[k] = g_rand_int(rnd) | 1;
    }
    cdb[8] = 32;
    vscsi_submit_nowait(v, LD_TARGET, 0, cdb, sizeof(cdb), new, 32 * 512);
    g_usleep(500 * 1000);           /* member 0 written, parity held */
    pid = qtest_pid(v->qs->qts);
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
    /* v is abandoned: qtest_quit() aborts on a QEMU killed by a signal */

    v = vscsi_start(args);
    ld_ready(v);
    for (uint64_t lba = 0; lba < end; lba += 96) {
        ScsiResult r;

        ld_rw(v, false, lba, 96, buf, &r);
        assert_good(&r);
        if (lba == 0) {
            g_assert_true(memcmp(buf, new, 32 * 512) == 0 ||
                          memcmp(buf, a.ref, 32 * 512) == 0);
            if (memcmp(buf + 32 * 512, a.ref + 32 * 512, 64 * 512)) {
                g_error("stripe 0 lost data the guest did not rewrite"
                        " (member 1's strip: %s)",
                        memcmp(buf + 32 * 512, a.ref + 32 * 512, 32 * 512) ?
                        "wrong" : "right");
            }
        } else {
            g_assert_true(memcmp(buf, a.ref + lba * 512, 96 * 512) == 0);
        }
    }
    vscsi_stop(v);
    array_free(&a);
}

/* More members missing than the level survives: NOT READY, 04h/03h. */
static void test_offline(void)
{
    static const uint8_t tur[6] = { TEST_UNIT_READY };
    uint8_t buf[512];
    g_autofree char *args = NULL;
    ScsiResult r;
    Array a;
    VScsi *v;

    array_create(&a, 0, 3);
    args = array_args(&a, -1, 2);
    v = vscsi_start(args);
    for (int i = 0; i < 4; i++) {
        vscsi_cmd(v, LD_TARGET, 0, tur, sizeof(tur), 0, &r);
        if (r.status != GOOD && (r.sense[2] & 0xf) == NOT_READY) {
            break;
        }
    }
    assert_sense(&r, NOT_READY, 0x04, 0x03);
    ld_rw(v, false, 0, 1, buf, &r);
    assert_sense(&r, NOT_READY, 0x04, 0x03);
    vscsi_stop(v);
    array_free(&a);
}

static void caw(VScsi *v, uint64_t lba, uint8_t blocks, const uint8_t *data,
                ScsiResult *r)
{
    uint8_t cdb[16] = { COMPARE_AND_WRITE };

    put_be64(cdb + 2, lba);
    cdb[13] = blocks;
    vscsi_io(v, LD_TARGET, 0, cdb, sizeof(cdb), data, 2 * blocks * 512,
             NULL, 0, r);
}

/*
 * COMPARE AND WRITE (SBC-4 5.3): written when the blocks match, refused
 * with MISCOMPARE and the offset of the first differing byte when they do
 * not, the blocks unchanged; bad fields get their sense.
 */
static void test_compare_and_write(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(3);
    g_autofree uint8_t *data = g_malloc(2 * 8 * 512);
    g_autofree uint8_t *buf = g_malloc(8 * 512);
    ScsiResult r;
    Array a;
    VScsi *v;

    v = ld_array_start(&a, 5, 4);
    random_writes(v, &a, rnd, 10);

    /* match: the second half is written */
    memcpy(data, a.ref + 100 * 512, 8 * 512);
    for (size_t k = 0; k < 8 * 512; k++) {
        data[8 * 512 + k] = g_rand_int(rnd);
    }
    caw(v, 100, 8, data, &r);
    assert_good(&r);
    memcpy(a.ref + 100 * 512, data + 8 * 512, 8 * 512);
    ld_rw(v, false, 100, 8, buf, &r);
    assert_good(&r);
    g_assert_true(memcmp(buf, a.ref + 100 * 512, 8 * 512) == 0);

    /* mismatch at byte 1000: MISCOMPARE, INFORMATION 1000, nothing written */
    memcpy(data, a.ref + 100 * 512, 8 * 512);
    data[1000] ^= 0xff;
    caw(v, 100, 8, data, &r);
    g_assert_cmphex(r.status, ==, CHECK_CONDITION);
    g_assert_cmphex(r.sense[0], ==, 0xf0);          /* VALID, fixed */
    g_assert_cmphex(r.sense[2] & 0xf, ==, MISCOMPARE);
    g_assert_cmphex(r.sense[12], ==, 0x1d);
    g_assert_cmphex(r.sense[13], ==, 0x00);
    g_assert_cmpuint(get_be32(r.sense + 3), ==, 1000);
    ld_rw(v, false, 100, 8, buf, &r);
    assert_good(&r);
    g_assert_true(memcmp(buf, a.ref + 100 * 512, 8 * 512) == 0);

    /* no blocks: nothing to do; out of range; too many blocks */
    caw(v, 0, 0, NULL, &r);
    assert_good(&r);
    caw(v, a.sectors - 1, 2, data, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x21, 0x00);
    {
        g_autofree uint8_t *big = g_malloc0(2 * 65 * 512);

        caw(v, 0, 65, big, &r);
        assert_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00);
    }
    assert_reads_back(v, &a);
    vscsi_stop(v);
    assert_members_hold(&a);
    array_free(&a);
}

/*
 * The data phase a command gets is the one its CDB asks for: when the
 * guest's buffers do not match, virtio-scsi fails the command with
 * OVERRUN before the logical drive sees it (this aborted QEMU while the
 * logical drive took its transfer length from the HBA).
 */
static void test_data_phase_mismatch(void)
{
    const uint8_t read6[6] = { READ_6, 0, 0, 0, 0, 0 };  /* 256 blocks */
    const uint8_t read10[10] = { READ_10, 0, 0, 0, 0, 8, 0, 0, 8, 0 };
    const uint8_t write10[10] = { WRITE_10, 0, 0, 0, 0, 8, 0, 0, 8, 0 };
    g_autofree uint8_t *buf = g_malloc0(8 * 512);
    g_autoptr(GRand) rnd = g_rand_new_with_seed(5);
    ScsiResult r;
    Array a;
    VScsi *v;

    v = ld_array_start(&a, 1, 2);
    random_writes(v, &a, rnd, 10);

    vscsi_io(v, LD_TARGET, 0, read6, sizeof(read6), NULL, 0, NULL, 0, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OVERRUN);
    vscsi_io(v, LD_TARGET, 0, read10, sizeof(read10), NULL, 0, NULL, 0, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OVERRUN);
    /* too small a buffer */
    vscsi_io(v, LD_TARGET, 0, read10, sizeof(read10), NULL, 0, buf, 512, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OVERRUN);
    /* a write with a data-in buffer, and one without data */
    vscsi_io(v, LD_TARGET, 0, write10, sizeof(write10), NULL, 0, buf,
             8 * 512, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OVERRUN);
    vscsi_io(v, LD_TARGET, 0, write10, sizeof(write10), NULL, 0, NULL, 0,
             &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OVERRUN);

    assert_reads_back(v, &a);
    vscsi_stop(v);
    assert_members_hold(&a);
    array_free(&a);
}

/*
 * Send @op with an otherwise empty CDB (its service action in byte 1, START
 * for START STOP UNIT) and whatever data phase QEMU's CDB parser expects:
 * none first, else data-in, else data-out.  Data-out is what LBA 0 on
 * already holds (@lba0, 128 KiB), so a write there changes nothing.
 */
static void send_bare_opcode(VScsi *v, uint8_t op, int sa,
                             const uint8_t *lba0, ScsiResult *r)
{
    g_autofree uint8_t *buf = g_malloc0(128 * 1024);
    uint8_t cdb[16] = { op };

    if (sa >= 0) {
        cdb[1] = sa;
    }
    if (op == START_STOP) {
        cdb[4] = 1;
    }
    vscsi_io(v, LD_TARGET, 0, cdb, sizeof(cdb), NULL, 0, NULL, 0, r);
    if (r->response == VIRTIO_SCSI_S_OVERRUN) {
        vscsi_io(v, LD_TARGET, 0, cdb, sizeof(cdb), NULL, 0, buf,
                 128 * 1024, r);
    }
    if (r->response == VIRTIO_SCSI_S_OVERRUN) {
        vscsi_io(v, LD_TARGET, 0, cdb, sizeof(cdb), lba0, 128 * 1024, NULL,
                 0, r);
    }
    g_assert_cmpuint(r->response, ==, VIRTIO_SCSI_S_OK);
}

static bool is_invalid_opcode(const ScsiResult *r)
{
    return r->status == CHECK_CONDITION &&
           (r->sense[2] & 0xf) == ILLEGAL_REQUEST && r->sense[12] == 0x20;
}

/*
 * REPORT SUPPORTED OPERATION CODES (SPC-4 6.35) tells the truth: each of
 * the 256 opcodes is executed (any outcome but INVALID COMMAND OPERATION
 * CODE) exactly when it is listed; the one-command form agrees.
 */
static int portal_connect(unsigned port)
{
    struct sockaddr_in sa = {
        .sin_family = AF_INET,
        .sin_port = htons(port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Has the portal hung up on @fd?  Waits up to @ms. */
static bool portal_hung_up(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char c;

    return poll(&p, 1, ms) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/*
 * Hostile iSCSI clients while the guest works: a flood of connections,
 * garbage, a PDU with an AHS, an oversize data segment.  Each costs only
 * its own connection; the guest's reads and writes through its HBA go on
 * and read back exactly.
 */
static void test_hostile_iscsi(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(77);
    g_autofree char *args = NULL;
    g_autofree char *opts = NULL;
    unsigned base = free_port_block();
    unsigned port = base + 7;           /* node 7, channel 0 */
    int flood[200];
    unsigned nflood = 0, hung = 0;
    uint8_t garbage[1024], ahs[64] = { 0x43, 0, 0, 0, 4 };
    uint8_t big[48] = { 0x43, 0x87, 0, 0, 0, 0xff, 0xff, 0xff };
    Array a;
    VScsi *v;
    int g, h, b;

    array_create(&a, 5, 4);
    opts = g_strdup_printf(",iscsi-port=%u", base);
    args = array_args_full(&a, -1, -1, -1, opts);
    v = vscsi_start(args);
    ld_ready(v);
    random_writes(v, &a, rnd, 20);

    /* a login flood: the portal keeps 64, the rest are hung up on */
    while (nflood < G_N_ELEMENTS(flood)) {
        int fd = portal_connect(port);

        if (fd < 0) {
            break;
        }
        flood[nflood++] = fd;
    }
    g_assert_cmpuint(nflood, ==, G_N_ELEMENTS(flood));
    random_writes(v, &a, rnd, 20);      /* the main loop sees the flood */
    for (unsigned i = 0; i < nflood; i++) {
        hung += portal_hung_up(flood[i], 20);
    }
    g_assert_cmpuint(hung, >=, nflood - 64);
    for (unsigned i = 0; i < nflood; i++) {
        close(flood[i]);
    }
    assert_reads_back(v, &a);

    /* malformed PDUs: each connection is closed, nobody else notices */
    for (unsigned i = 0; i < sizeof(garbage); i++) {
        garbage[i] = g_rand_int(rnd);
    }
    garbage[0] = 0x43;                  /* a Login Request with junk */
    g = portal_connect(port);
    h = portal_connect(port);
    b = portal_connect(port);
    g_assert_cmpint(g, >=, 0);
    g_assert_cmpint(h, >=, 0);
    g_assert_cmpint(b, >=, 0);
    g_assert_cmpint(send(g, garbage, sizeof(garbage), 0), ==,
                    sizeof(garbage));
    g_assert_cmpint(send(h, ahs, sizeof(ahs), 0), ==, sizeof(ahs));
    g_assert_cmpint(send(b, big, sizeof(big), 0), ==, sizeof(big));
    random_writes(v, &a, rnd, 20);
    g_assert_true(portal_hung_up(g, 2000));
    g_assert_true(portal_hung_up(h, 2000));
    g_assert_true(portal_hung_up(b, 2000));
    close(g);
    close(h);
    close(b);
    assert_reads_back(v, &a);

    /* and the portal still takes a connection */
    g = portal_connect(port);
    g_assert_cmpint(g, >=, 0);
    g_assert_false(portal_hung_up(g, 100));
    close(g);
    vscsi_stop(v);
    assert_members_hold(&a);
    array_free(&a);
}

static void test_report_opcodes(void)
{
    uint8_t all[12] = { 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0 };
    uint8_t one[12] = { 0xa3, 0x0c, 0x01, 0, 0, 0, 0, 0, 0, 64, 0, 0 };
    g_autoptr(GString) wrong = g_string_new("");
    int listed_sa[256];
    bool get_lba_status = false;
    ScsiResult r;
    size_t n;
    Array a;
    VScsi *v;

    v = ld_array_start(&a, 5, 4);

    vscsi_cmd(v, LD_TARGET, 0, all, sizeof(all), 512, &r);
    assert_good(&r);
    n = get_be32(r.data) / 8;
    g_assert_cmpuint(n, >=, 30);
    g_assert_cmpuint(4 + 8 * n, <=, 512);
    for (unsigned op = 0; op < 256; op++) {
        listed_sa[op] = -2;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *d = r.data + 4 + 8 * i;
        int sa = (d[5] & 1) ? (d[2] << 8 | d[3]) : -1;

        /* an opcode with several service actions: the first one listed */
        if (listed_sa[d[0]] == -2) {
            listed_sa[d[0]] = sa;
        }
        get_lba_status |= d[0] == SERVICE_ACTION_IN_16 && sa == 0x12;
    }
    g_assert_cmpint(listed_sa[COMPARE_AND_WRITE], ==, -1);
    /* READ CAPACITY (16) first, then GET LBA STATUS (SBC-3 5.16) */
    g_assert_cmpint(listed_sa[SERVICE_ACTION_IN_16], ==, 0x10);
    g_assert_true(get_lba_status);

    for (unsigned op = 0; op < 256; op++) {
        ScsiResult e;

        send_bare_opcode(v, op, listed_sa[op], a.ref, &e);
        if ((listed_sa[op] == -2) != is_invalid_opcode(&e)) {
            g_string_append_printf(wrong, " %02x%s", op,
                                   listed_sa[op] == -2 ? "(executed)" : "");
        }
        if (listed_sa[op] == -2 || listed_sa[op] == -1) {
            /* the one-command form gives the same answer */
            one[3] = op;
            vscsi_cmd(v, LD_TARGET, 0, one, sizeof(one), 64, &e);
            assert_good(&e);
            g_assert_cmphex(e.data[1] & 7, ==, listed_sa[op] == -1 ? 3 : 1);
        }
    }
    /* opcodes listed but refused, or executed but not listed */
    g_assert_cmpstr(wrong->str, ==, "");
    assert_reads_back(v, &a);
    vscsi_stop(v);
    array_free(&a);
}

/*
 * A command the logical drive does not implement is refused the same way
 * whatever buffers the guest attached.  The CDB of an unknown opcode says
 * nothing reliable about its data (QEMU's parser reads WRITE ATOMIC (16)'s
 * ATOMIC BOUNDARY and TRANSFER LENGTH as one data-in length in bytes), and
 * virtio-scsi fails a request whose buffers disagree with the parsed
 * direction: Linux then saw a host error instead of the sense data, and
 * libiscsi's WriteAtomic16 tests failed rather than skipped in the guest.
 */
static void test_unlisted_opcodes_any_buffer(void)
{
    /* SBC-4 5.48: WRITE ATOMIC (16), boundary 0, one block */
    static const uint8_t write_atomic16[16] = { 0x9c, 0, 0, 0, 0, 0, 0, 0,
                                                0, 0, 0, 0, 0, 1, 0, 0 };
    g_autofree char *wrong = NULL;
    bool listed[256];
    Array a;
    VScsi *v;

    v = ld_array_start(&a, 5, 3);
    vscsi_listed_opcodes(v, LD_TARGET, 0, listed);
    g_assert_false(listed[write_atomic16[0]]);
    g_assert_true(vscsi_refused_with_any_buffer(v, LD_TARGET, 0,
                                                write_atomic16,
                                                sizeof(write_atomic16)));
    wrong = vscsi_unlisted_not_refused(v, LD_TARGET, 0);
    g_assert_cmpstr(wrong, ==, "");
    assert_reads_back(v, &a);
    vscsi_stop(v);
    array_free(&a);
}

/* PERSISTENT RESERVE OUT @sa, type @type, with the basic parameter list */
static void prout(VScsi *v, uint8_t sa, uint8_t type, uint64_t key,
                  uint64_t sa_key, uint8_t flags, ScsiResult *r)
{
    uint8_t cdb[10] = { PERSISTENT_RESERVE_OUT, sa, type };
    uint8_t param[24] = { 0 };

    put_be32(cdb + 5, sizeof(param));
    put_be64(param, key);
    put_be64(param + 8, sa_key);
    param[20] = flags;
    vscsi_io(v, LD_TARGET, 0, cdb, sizeof(cdb), param, sizeof(param), NULL,
             0, r);
}

static void prin(VScsi *v, uint8_t sa, ScsiResult *r)
{
    uint8_t cdb[10] = { PERSISTENT_RESERVE_IN, sa, 0, 0, 0, 0, 0, 0, 64 };

    vscsi_cmd(v, LD_TARGET, 0, cdb, sizeof(cdb), 64, r);
}

/*
 * Persistent reservations through the guest's HBA (SPC-4 5.7; the
 * iSCSI side and two initiators: tests/compliance): REPORT CAPABILITIES
 * with PTPL_C (the state is stored, test_aptpl), REGISTER, RESERVE, READ
 * KEYS / READ RESERVATION, the holder's I/O, a wrong key's conflict,
 * RELEASE, CLEAR, PRgeneration.
 */
static void test_persistent_reservations(void)
{
    const uint64_t key = 0x1122334455667788ULL;
    g_autofree uint8_t *buf = g_malloc0(8 * 512);
    ScsiResult r;
    Array a;
    VScsi *v;

    v = ld_array_start(&a, 5, 3);

    prin(v, 0x00, &r);                  /* READ KEYS: none */
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data), ==, 0);
    g_assert_cmpuint(get_be32(r.data + 4), ==, 0);
    prin(v, 0x02, &r);                  /* REPORT CAPABILITIES */
    assert_good(&r);
    g_assert_cmphex(r.data[0] << 8 | r.data[1], ==, 8);
    g_assert_cmphex(r.data[2], ==, 0x1d);   /* CRH SIP_C ATP_C PTPL_C */
    g_assert_cmphex(r.data[3], ==, 0xb0);   /* TMV, ALLOW 011b, no PTPL_A */
    g_assert_cmphex(r.data[4], ==, 0xea);
    g_assert_cmphex(r.data[5], ==, 0x01);

    prout(v, 0x00, 0, 0, key, 0, &r);   /* REGISTER */
    assert_good(&r);
    prin(v, 0x00, &r);
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data), ==, 1);
    g_assert_cmpuint(get_be32(r.data + 4), ==, 8);
    g_assert_cmphex(get_be64(r.data + 8), ==, key);

    prout(v, 0x01, 0x03, key, 0, 0, &r);    /* RESERVE Exclusive Access */
    assert_good(&r);
    prin(v, 0x01, &r);                  /* READ RESERVATION */
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data + 4), ==, 16);
    g_assert_cmphex(get_be64(r.data + 8), ==, key);
    g_assert_cmphex(r.data[21], ==, 0x03);

    /* the holder reads and writes */
    memcpy(buf, a.ref, 8 * 512);
    ld_rw(v, true, 0, 8, buf, &r);
    assert_good(&r);
    ld_rw(v, false, 0, 8, buf, &r);
    assert_good(&r);

    /* a wrong key: RESERVATION CONFLICT, nothing changed */
    prout(v, 0x01, 0x03, key + 1, 0, 0, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OK);
    g_assert_cmpuint(r.status, ==, RESERVATION_CONFLICT);
    /* RELEASE with another type: INVALID RELEASE OF PERSISTENT RESERVATION */
    prout(v, 0x02, 0x01, key, 0, 0, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x26, 0x04);
    prout(v, 0x02, 0x03, key, 0, 0, &r);
    assert_good(&r);
    prin(v, 0x01, &r);
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data + 4), ==, 0);
    prout(v, 0x03, 0, key, 0, 0, &r);   /* CLEAR */
    assert_good(&r);
    prin(v, 0x00, &r);
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data), ==, 2);  /* REGISTER, CLEAR */
    g_assert_cmpuint(get_be32(r.data + 4), ==, 0);

    assert_reads_back(v, &a);
    vscsi_stop(v);
    array_free(&a);
}

/* Start QEMU with its stderr going to @log, to read its warnings */
static VScsi *vscsi_start_logged(const char *args, const char *log)
{
    int saved = dup(STDERR_FILENO);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    VScsi *v;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(dup2(fd, STDERR_FILENO), ==, STDERR_FILENO);
    close(fd);
    v = vscsi_start(args);
    g_assert_cmpint(dup2(saved, STDERR_FILENO), ==, STDERR_FILENO);
    close(saved);
    return v;
}

/*
 * Damage every persistent reservation record on member @m's file (one
 * byte of the state flipped); returns how many there were.  The area is
 * at +3 MiB 64 KiB of the metadata area, 24 slots of 34 KiB
 * (docs/on-disk-format.md).
 */
static unsigned damage_pr_records(Array *a, unsigned m)
{
    const off_t area = (MEMBER_BYTES - 8 * 1024 * 1024) / (1024 * 1024) *
                       (1024 * 1024) + 3 * 1024 * 1024 + 64 * 1024;
    int fd = open(a->file[m], O_RDWR);
    unsigned n = 0;

    g_assert_cmpint(fd, >=, 0);
    for (unsigned s = 0; s < 24; s++) {
        uint8_t b[256];
        off_t off = area + s * 34 * 1024;

        g_assert_cmpint(pread(fd, b, sizeof(b), off), ==, sizeof(b));
        if (memcmp(b, "SRPRSTOR", 8)) {
            continue;
        }
        b[140] ^= 0x5a;
        g_assert_cmpint(pwrite(fd, b, sizeof(b), off), ==, sizeof(b));
        n++;
    }
    close(fd);
    return n;
}

/* READ KEYS has exactly @key (none when 0), READ RESERVATION @type */
static void assert_pr_state(VScsi *v, uint64_t key, uint8_t type,
                            uint32_t generation)
{
    ScsiResult r;

    prin(v, 0x00, &r);
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data), ==, generation);
    g_assert_cmpuint(get_be32(r.data + 4), ==, key ? 8 : 0);
    if (key) {
        g_assert_cmphex(get_be64(r.data + 8), ==, key);
    }
    prin(v, 0x01, &r);
    assert_good(&r);
    g_assert_cmpuint(get_be32(r.data + 4), ==, type ? 16 : 0);
    if (type) {
        g_assert_cmphex(get_be64(r.data + 8), ==, key);
        g_assert_cmphex(r.data[21], ==, type);
    }
}

static void sigkill(VScsi *v)
{
    pid_t pid = qtest_pid(v->qs->qts);
    int st;

    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
    /* v is abandoned: qtest_quit() aborts on a QEMU killed by a signal */
}

/*
 * APTPL (SPC-4 5.7.5): with the last APTPL one, registrations and the
 * reservation survive QEMU's end, orderly or SIGKILL right after GOOD
 * (the state is on the members before the command completes), with
 * PRgeneration 0 after the power on (6.15.2); sraid-img info shows them.
 * A member whose records are damaged is named in a warning and the other
 * members' records are used; APTPL zero stored makes the next start
 * begin empty; every record damaged: empty, with a warning per member.
 */
static void test_aptpl(void)
{
    const uint64_t key = 0xa1a2a3a4a5a6a7a8ULL, key2 = 0xb1b2ULL;
    g_autofree char *args = NULL, *log = NULL, *out = NULL;
    g_autofree char *err = NULL;
    ScsiResult r;
    Array a;
    VScsi *v;

    array_create(&a, 5, 3);
    args = array_args(&a, -1, -1);
    log = g_strdup_printf("%s/qemu.log", a.dir);
    v = vscsi_start(args);
    ld_ready(v);
    prin(v, 0x02, &r);                  /* REPORT CAPABILITIES */
    assert_good(&r);
    g_assert_cmphex(r.data[2] & 0x01, ==, 1);   /* PTPL_C */
    g_assert_cmphex(r.data[3] & 0x01, ==, 0);   /* PTPL_A */
    prout(v, 0x00, 0, 0, key, 0x01, &r);        /* REGISTER, APTPL */
    assert_good(&r);
    prout(v, 0x01, SRAID_WE_RO, key, 0, 0, &r); /* RESERVE WE RO */
    assert_good(&r);
    prin(v, 0x02, &r);
    assert_good(&r);
    g_assert_cmphex(r.data[3] & 0x01, ==, 1);   /* PTPL_A */
    assert_pr_state(v, key, SRAID_WE_RO, 1);
    vscsi_stop(v);

    /* a power cycle: the same key, holder and type; PRgeneration 0 */
    g_assert_cmpint(run_img(&a, "info", &out), ==, 0);
    g_assert_nonnull(strstr(out, "APTPL 1, 1 registrations, type 5 held by"
                            " guest path of node"));
    v = vscsi_start(args);
    ld_ready(v);
    assert_pr_state(v, key, SRAID_WE_RO, 0);
    prin(v, 0x02, &r);
    assert_good(&r);
    g_assert_cmphex(r.data[3] & 0x01, ==, 1);   /* PTPL_A */

    /* a new key (REGISTER AND IGNORE EXISTING KEY), then SIGKILL at once */
    prout(v, 0x06, 0, 0, key2, 0x01, &r);
    assert_good(&r);
    sigkill(v);
    v = vscsi_start(args);
    ld_ready(v);
    assert_pr_state(v, key2, SRAID_WE_RO, 0);
    vscsi_stop(v);

    /* member 0's records damaged: named, the others' records used */
    g_assert_cmpuint(damage_pr_records(&a, 0), >, 0);
    v = vscsi_start_logged(args, log);
    ld_ready(v);
    assert_pr_state(v, key2, SRAID_WE_RO, 0);
    g_assert_true(g_file_get_contents(log, &err, NULL, NULL));
    g_assert_nonnull(strstr(err, "member 0 (m0): persistent reservation"
                            " record ignored: slot "));
    g_assert_null(strstr(err, "member 1"));
    g_free(err);

    /* APTPL zero: stored too, and the next power on starts empty */
    prout(v, 0x06, 0, 0, key, 0, &r);
    assert_good(&r);
    prin(v, 0x02, &r);
    assert_good(&r);
    g_assert_cmphex(r.data[3] & 0x01, ==, 0);   /* PTPL_A */
    vscsi_stop(v);
    g_free(out);
    g_assert_cmpint(run_img(&a, "info", &out), ==, 0);
    g_assert_nonnull(strstr(out, "APTPL 0, 1 registrations"));
    v = vscsi_start(args);
    ld_ready(v);
    assert_pr_state(v, 0, 0, 0);

    /* stored again, then every record damaged: empty, every member named */
    prout(v, 0x00, 0, 0, key, 0x01, &r);
    assert_good(&r);
    prout(v, 0x01, SRAID_WE_RO, key, 0, 0, &r);
    assert_good(&r);
    sigkill(v);
    for (unsigned m = 0; m < 3; m++) {
        g_assert_cmpuint(damage_pr_records(&a, m), >, 0);
    }
    v = vscsi_start_logged(args, log);
    ld_ready(v);
    assert_pr_state(v, 0, 0, 0);
    g_assert_true(g_file_get_contents(log, &err, NULL, NULL));
    for (unsigned m = 0; m < 3; m++) {
        g_autofree char *want = g_strdup_printf(
            "member %u (m%u): persistent reservation record ignored", m, m);

        g_assert_nonnull(strstr(err, want));
    }
    vscsi_stop(v);
    unlink(log);
    array_free(&a);
}

static void cdb_status(VScsi *v, uint8_t op, uint8_t b1, uint8_t status,
                       ScsiResult *r)
{
    uint8_t cdb[10] = { op, b1 };

    vscsi_cmd(v, LD_TARGET, 0, cdb, op & 0x40 ? 10 : 6, 0, r);
    g_assert_cmpuint(r->response, ==, VIRTIO_SCSI_S_OK);
    g_assert_cmphex(r->status, ==, status);
}

/*
 * SPC-2 RESERVE/RELEASE (6/10) through the guest's HBA (SPC-2 5.5.1; two
 * initiators, resets and nexus loss: tests/compliance Reserve6): the
 * holder's commands run, PERSISTENT RESERVE IN conflicts while reserved
 * (SPC-2 7.11), third-party reservations are refused with a field
 * pointer, RELEASE releases.
 */
static void test_spc2_reservations(void)
{
    g_autofree uint8_t *buf = g_malloc0(8 * 512);
    ScsiResult r;
    Array a;
    VScsi *v;

    v = ld_array_start(&a, 5, 3);

    cdb_status(v, RESERVE, 0, GOOD, &r);
    cdb_status(v, RESERVE, 0, GOOD, &r);        /* the holder again */
    cdb_status(v, RESERVE_10, 0, GOOD, &r);
    /* the holder's other commands run */
    cdb_status(v, TEST_UNIT_READY, 0, GOOD, &r);
    memcpy(buf, a.ref, 8 * 512);
    ld_rw(v, true, 0, 8, buf, &r);
    assert_good(&r);
    ld_rw(v, false, 0, 8, buf, &r);
    assert_good(&r);
    g_assert_cmpmem(buf, 8 * 512, a.ref, 8 * 512);
    /* SPC-2 7.11: PERSISTENT RESERVE IN while reserved */
    prin(v, 0x00, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OK);
    g_assert_cmphex(r.status, ==, RESERVATION_CONFLICT);
    /* third party: INVALID FIELD IN CDB, byte 1 bit 4 */
    cdb_status(v, RESERVE, 0x10, CHECK_CONDITION, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00);
    g_assert_cmphex(r.sense[15], ==, 0xcc);
    g_assert_cmphex(r.sense[16] << 8 | r.sense[17], ==, 1);
    cdb_status(v, RELEASE_10, 0x10, CHECK_CONDITION, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x24, 0x00);

    cdb_status(v, RELEASE, 0, GOOD, &r);
    prin(v, 0x00, &r);
    assert_good(&r);
    cdb_status(v, RELEASE, 0, GOOD, &r);        /* nothing held: GOOD */
    cdb_status(v, RESERVE_10, 0, GOOD, &r);
    cdb_status(v, RELEASE_10, 0, GOOD, &r);
    prin(v, 0x00, &r);
    assert_good(&r);

    assert_reads_back(v, &a);
    vscsi_stop(v);
    array_free(&a);
}

void sraid_ld_test_register(void)
{
    if (!getenv("SRAID_IMG")) {
        return;                     /* run by make check, which sets it */
    }
    qtest_add_func("/sraid/ld/levels", test_levels);
    qtest_add_func("/sraid/ld/member-fails", test_member_fails);
    qtest_add_func("/sraid/ld/offline", test_offline);
    qtest_add_func("/sraid/ld/compare-and-write", test_compare_and_write);
    qtest_add_func("/sraid/ld/report-opcodes", test_report_opcodes);
    qtest_add_func("/sraid/ld/unlisted-opcodes-any-buffer",
                   test_unlisted_opcodes_any_buffer);
    qtest_add_func("/sraid/ld/persistent-reservations",
                   test_persistent_reservations);
    qtest_add_func("/sraid/ld/aptpl", test_aptpl);
    qtest_add_func("/sraid/ld/spc2-reservations", test_spc2_reservations);
    qtest_add_func("/sraid/ld/hostile-iscsi", test_hostile_iscsi);
    qtest_add_func("/sraid/ld/data-phase-mismatch",
                   test_data_phase_mismatch);
    qtest_add_func("/sraid/ld/sigkill-mid-write", test_sigkill_mid_write);
    qtest_add_func("/sraid/ld/sigkill-degraded-write",
                   test_sigkill_degraded_write);
}
