/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest of sraid's host management and background work: hot spares,
 * rebuild (with host I/O running, and resumed after QEMU is killed),
 * consistency check, the QMP commands and their errors.  Data written
 * through virtio-scsi is read back, and offline sraid-img checks parity
 * and contents on the member files.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qapi/error.h"
#include "qemu/bswap.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "scsi/constants.h"
#include "sraid-qtest-array.h"
#include "sraid-rebuild-test.h"

#define WAIT_US     (120 * G_USEC_PER_SEC)

static QDict *ctrl_info(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'query-sraid'}");
    QList *list = qdict_get_qlist(rsp, "return");
    QDict *c;

    g_assert_nonnull(list);
    c = qobject_to(QDict, qlist_peek(list));
    g_assert_nonnull(c);
    qobject_ref(c);
    qobject_unref(rsp);
    return c;
}

/* Member @m as query-sraid lists it, or NULL while it is not there */
static QDict *member_info_opt(QDict *c, unsigned m)
{
    QListEntry *e;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(c, "members"), e) {
        QDict *mi = qobject_to(QDict, qlist_entry_obj(e));

        if (qdict_get_int(mi, "index") == m) {
            return mi;
        }
    }
    return NULL;
}

static QDict *member_info(QDict *c, unsigned m)
{
    QDict *mi = member_info_opt(c, m);

    if (!mi) {
        g_error("no member %u in query-sraid", m);
    }
    return mi;
}

/*
 * "absent" until the member is in the configuration: a drive plugged in
 * with device_add becomes a member in a coroutine of its own, which a
 * query may overtake (seen on a loaded machine).
 */
static char *member_state(QTestState *qts, unsigned m)
{
    QDict *c = ctrl_info(qts);
    QDict *mi = member_info_opt(c, m);
    char *st = g_strdup(mi ? qdict_get_str(mi, "state") : "absent");

    qobject_unref(c);
    return st;
}

static char *ld_state(QTestState *qts)
{
    QDict *c = ctrl_info(qts);
    QDict *ld = qobject_to(QDict, qlist_peek(qdict_get_qlist(c, "lds")));
    char *st = g_strdup(qdict_get_str(ld, "state"));

    qobject_unref(c);
    return st;
}

/* The error QMP answers (to be freed), or NULL if it succeeded. */
static char *qmp_error(QTestState *qts, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
static char *qmp_error(QTestState *qts, const char *fmt, ...)
{
    va_list ap;
    QDict *rsp;
    char *desc = NULL;

    va_start(ap, fmt);
    rsp = qtest_vqmp(qts, fmt, ap);
    va_end(ap);
    if (qdict_haskey(rsp, "error")) {
        desc = g_strdup(qdict_get_str(qdict_get_qdict(rsp, "error"),
                                      "desc"));
    }
    qobject_unref(rsp);
    return desc;
}

static void wait_member_state(QTestState *qts, unsigned m, const char *want)
{
    gint64 end = g_get_monotonic_time() + WAIT_US;

    for (;;) {
        g_autofree char *st = member_state(qts, m);

        if (!strcmp(st, want)) {
            return;
        }
        if (g_get_monotonic_time() > end) {
            g_error("member %u is %s, not %s, after %u s", m, st, want,
                    (unsigned)(WAIT_US / G_USEC_PER_SEC));
        }
        g_usleep(50 * 1000);
    }
}

static const struct {
    unsigned level, members;
} layouts[] = {
    { 1, 2 }, { 5, 4 }, { 6, 5 }, { 10, 4 },
};

/*
 * A hot spare replaces a failed member and is rebuilt: the data reads
 * back, the set is consistent offline with the spare in it, and the
 * rebuilt member alone carries its strips (another member failed, the
 * data still reads back).
 */
static void test_spare_rebuild(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(layouts); i++) {
        g_autoptr(GRand) rnd = g_rand_new_with_seed(100 + i);
        g_autofree char *args = NULL;
        unsigned spare = layouts[i].members;
        g_autofree char *spare_drive = g_strdup_printf("m%u", spare);
        QDict *c;
        Array a;
        VScsi *v;

        array_create(&a, layouts[i].level, layouts[i].members);
        array_add_blank(&a);
        args = array_args_full(&a, -1, -1, -1, ",rebuild-rate=100");
        v = vscsi_start(args);
        ld_ready(v);
        random_writes(v, &a, rnd, 30);
        qtest_qmp_assert_success(v->qs->qts,
            "{'execute': 'sraid-add-spare', 'arguments':"
            " {'controller': 'c0', 'drive': %s}}", spare_drive);
        {
            g_autofree char *st = member_state(v->qs->qts, spare);

            g_assert_cmpstr(st, ==, "spare");
        }
        qtest_qmp_assert_success(v->qs->qts,
            "{'execute': 'sraid-fail-member', 'arguments':"
            " {'controller': 'c0', 'member': 1}}");
        wait_member_state(v->qs->qts, spare, "online");
        c = ctrl_info(v->qs->qts);
        g_assert_cmpstr(qdict_get_str(member_info(c, 1), "state"), ==,
                        "failed");
        qobject_unref(c);
        {
            g_autofree char *st = ld_state(v->qs->qts);

            g_assert_cmpstr(st, ==, "optimal");
        }
        assert_reads_back(v, &a);
        vscsi_stop(v);
        assert_members_hold(&a);

        /* the spare's strips now exist nowhere else once member 0 fails */
        v = vscsi_start(args);
        ld_ready(v);
        qtest_qmp_assert_success(v->qs->qts,
            "{'execute': 'sraid-fail-member', 'arguments':"
            " {'controller': 'c0', 'member': 0}}");
        assert_reads_back(v, &a);
        vscsi_stop(v);
        array_free(&a);
    }
}

/*
 * The guest writes all over the logical drive while the spare is rebuilt
 * slowly; then the rebuild finishes at full rate and everything agrees.
 */
static void test_rebuild_under_io(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(5);
    g_autofree char *args = NULL;
    unsigned rounds = 0;
    Array a;
    VScsi *v;

    array_create(&a, 5, 4);
    array_add_blank(&a);
    args = array_args_full(&a, -1, -1, -1, ",rebuild-rate=5");
    v = vscsi_start(args);
    ld_ready(v);
    random_writes(v, &a, rnd, 20);
    qtest_qmp_assert_success(v->qs->qts,
        "{'execute': 'sraid-add-spare', 'arguments':"
        " {'controller': 'c0', 'drive': 'm4'}}");
    qtest_qmp_assert_success(v->qs->qts,
        "{'execute': 'sraid-fail-member', 'arguments':"
        " {'controller': 'c0', 'member': 2}}");
    for (;;) {
        g_autofree char *st = member_state(v->qs->qts, 4);

        if (strcmp(st, "rebuilding") || rounds == 10) {
            break;
        }
        random_writes(v, &a, rnd, 10);
        rounds++;
    }
    /* the writes above ran while the member was being rebuilt */
    g_assert_cmpuint(rounds, ==, 10);
    qtest_qmp_assert_success(v->qs->qts,
        "{'execute': 'sraid-set-rebuild-rate', 'arguments':"
        " {'controller': 'c0', 'rate': 100}}");
    wait_member_state(v->qs->qts, 4, "online");
    assert_reads_back(v, &a);
    vscsi_stop(v);
    assert_members_hold(&a);
    array_free(&a);
}

/*
 * QEMU is killed in the middle of a rebuild.  The restarted controller
 * finds the member still rebuilding with the checkpoint it stored, goes
 * on from there and finishes; nothing the guest wrote is lost.
 */
static void test_rebuild_resumes(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(9);
    g_autofree char *args = NULL, *slow = NULL;
    int64_t stored;
    QDict *ev, *c;
    Array a;
    VScsi *v;
    pid_t pid;
    int st;

    array_create(&a, 6, 5);
    array_add_blank(&a);
    slow = array_args_full(&a, -1, -1, -1, ",rebuild-rate=3");
    args = array_args_full(&a, -1, -1, -1, ",rebuild-rate=100");
    v = vscsi_start(slow);
    ld_ready(v);
    random_writes(v, &a, rnd, 30);
    qtest_qmp_assert_success(v->qs->qts,
        "{'execute': 'sraid-add-spare', 'arguments':"
        " {'controller': 'c0', 'drive': 'm5'}}");
    qtest_qmp_assert_success(v->qs->qts,
        "{'execute': 'sraid-fail-member', 'arguments':"
        " {'controller': 'c0', 'member': 3}}");
    /* a checkpoint is on disk when its progress event is sent */
    ev = qtest_qmp_eventwait_ref(v->qs->qts, "SRAID_REBUILD_PROGRESS");
    stored = qdict_get_int(qdict_get_qdict(ev, "data"), "done");
    qobject_unref(ev);
    g_assert_cmpint(stored, >, 0);
    pid = qtest_pid(v->qs->qts);
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
    /* v is abandoned: qtest_quit() aborts on a QEMU killed by a signal */

    v = vscsi_start(slow);
    c = ctrl_info(v->qs->qts);
    g_assert_cmpstr(qdict_get_str(member_info(c, 5), "state"), ==,
                    "rebuilding");
    g_assert_cmpint(qdict_get_int(member_info(c, 5), "rebuild-checkpoint"),
                    >=, stored);
    qobject_unref(c);
    qtest_qmp_assert_success(v->qs->qts,
        "{'execute': 'sraid-set-rebuild-rate', 'arguments':"
        " {'controller': 'c0', 'rate': 100}}");
    wait_member_state(v->qs->qts, 5, "online");
    ld_ready(v);
    assert_reads_back(v, &a);
    vscsi_stop(v);
    assert_members_hold(&a);
    array_free(&a);
}

/*
 * Hot swap from the host: device_del of a member drive fails the member
 * (the logical drive runs degraded, data intact); device_add of a blank
 * drive makes it the replacement and it is rebuilt without a command.
 */
static void test_hot_swap(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(13);
    g_autofree char *args = NULL;
    QTestState *qts;
    QDict *c;
    Array a;
    VScsi *v;

    array_create(&a, 5, 4);
    array_add_blank(&a);                    /* m4: plugged in later */
    args = array_args_full(&a, -1, 4, -1, ",rebuild-rate=100");
    v = vscsi_start(args);
    qts = v->qs->qts;
    ld_ready(v);
    random_writes(v, &a, rnd, 30);

    qtest_qmp_device_del(qts, "d2");
    {
        g_autofree char *st = ld_state(qts);
        g_autofree char *ms = member_state(qts, 2);

        g_assert_cmpstr(st, ==, "degraded");
        g_assert_cmpstr(ms, ==, "failed");
    }
    c = ctrl_info(v->qs->qts);
    g_assert_false(qdict_haskey(member_info(c, 2), "drive"));
    qobject_unref(c);
    random_writes(v, &a, rnd, 20);          /* degraded */
    assert_reads_back(v, &a);

    qtest_qmp_assert_success(qts,
        "{'execute': 'blockdev-add', 'arguments': {'driver':"
        " 'file', 'node-name': 'm4', 'filename': %s}}", a.file[4]);
    qtest_qmp_device_add(qts, "sraid-drive", "d4", "{'bus': 'c0.0',"
                         " 'drive': 'm4', 'channel': 1, 'target': 5}");
    wait_member_state(qts, 4, "online");
    {
        g_autofree char *st = ld_state(qts);

        g_assert_cmpstr(st, ==, "optimal");
    }
    assert_reads_back(v, &a);
    vscsi_stop(v);
    /* offline, the member pulled is stale: the set is the other four */
    g_free(a.file[2]);
    a.file[2] = NULL;
    assert_members_hold(&a);
    a.file[2] = g_strdup_printf("%s/m2.img", a.dir);
    array_free(&a);
}

/* Wait for the end of a consistency check: mismatches and repaired. */
static void scrub(QTestState *qts, bool repair, int64_t *mismatches,
                  int64_t *repaired)
{
    QDict *ev, *data;

    qtest_qmp_assert_success(qts,
        "{'execute': 'sraid-scrub', 'arguments': {'controller':"
        " 'c0', 'ld': 0, 'repair': %i}}", repair);
    ev = qtest_qmp_eventwait_ref(qts, "SRAID_SCRUB_DONE");
    data = qdict_get_qdict(ev, "data");
    g_assert_cmpstr(qdict_get_str(data, "result"), ==, "done");
    *mismatches = qdict_get_int(data, "mismatches");
    *repaired = qdict_get_int(data, "repaired");
    qobject_unref(ev);
}

/*
 * A byte of parity flipped on a member file: the check finds exactly one
 * inconsistent stripe, repair fixes it from the data strips, and the
 * next check finds none.
 */
static void test_scrub(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(11);
    g_autofree char *args = NULL;
    int64_t mism, rep;
    uint8_t byte;
    Array a;
    VScsi *v;
    int fd;

    array_create(&a, 5, 4);
    args = array_args_full(&a, -1, -1, -1, ",rebuild-rate=100");
    v = vscsi_start(args);
    ld_ready(v);
    random_writes(v, &a, rnd, 30);
    vscsi_stop(v);

    /* stripe 0's P lives on member 3 (left-symmetric) */
    fd = open(a.file[3], O_RDWR);
    g_assert_cmpint(pread(fd, &byte, 1, 5 * 512 + 7), ==, 1);
    byte ^= 0x10;
    g_assert_cmpint(pwrite(fd, &byte, 1, 5 * 512 + 7), ==, 1);
    close(fd);
    g_assert_cmpint(run_img(&a, "check", NULL), ==, 2);

    v = vscsi_start(args);
    ld_ready(v);
    scrub(v->qs->qts, false, &mism, &rep);
    g_assert_cmpint(mism, ==, 1);
    g_assert_cmpint(rep, ==, 0);
    scrub(v->qs->qts, true, &mism, &rep);
    g_assert_cmpint(mism, ==, 1);
    g_assert_cmpint(rep, ==, 1);
    scrub(v->qs->qts, false, &mism, &rep);
    g_assert_cmpint(mism, ==, 0);
    assert_reads_back(v, &a);
    vscsi_stop(v);
    assert_members_hold(&a);
    array_free(&a);
}

/* Commands that cannot act say why; HMP info sraid shows the array. */
static void test_qmp_errors(void)
{
    g_autofree char *args = NULL, *hmp = NULL;
    QTestState *qts;
    Array a;
    VScsi *v;
    char *err;

    array_create(&a, 5, 4);
    array_add_blank(&a);
    args = array_args_full(&a, -1, -1, -1, "");
    v = vscsi_start(args);
    qts = v->qs->qts;

    hmp = qtest_hmp(qts, "info sraid");
    g_assert_nonnull(strstr(hmp, "logical drive 0"));
    g_assert_nonnull(strstr(hmp, "raid5 optimal"));
    g_assert_nonnull(strstr(hmp, "unassigned"));
    g_assert_nonnull(strstr(hmp, "requests in flight 0"));

    err = qmp_error(qts, "{'execute': 'sraid-fail-member', 'arguments':"
                    " {'controller': 'c0', 'member': 9}}");
    g_assert_nonnull(strstr(err, "member 9 does not exist"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-fail-member', 'arguments':"
                    " {'controller': 'nosuch', 'member': 0}}");
    g_assert_nonnull(strstr(err, "no sraid-ctrl named 'nosuch'"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-add-spare', 'arguments':"
                    " {'controller': 'c0', 'drive': 'm0'}}");
    g_assert_nonnull(strstr(err, "already holds member 0"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-add-spare', 'arguments':"
                    " {'controller': 'c0', 'drive': 'm9'}}");
    g_assert_nonnull(strstr(err, "no drive 'm9'"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-scrub', 'arguments':"
                    " {'controller': 'c0', 'ld': 3}}");
    g_assert_nonnull(strstr(err, "logical drive 3 does not exist"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-set-rebuild-rate', 'arguments':"
                    " {'controller': 'c0', 'rate': 0}}");
    g_assert_nonnull(strstr(err, "out of range"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-scrub-cancel', 'arguments':"
                    " {'controller': 'c0'}}");
    g_assert_nonnull(strstr(err, "no consistency check is running"));
    g_free(err);

    /* a spare can be taken back; degraded, no consistency check */
    qtest_qmp_assert_success(qts,
        "{'execute': 'sraid-add-spare', 'arguments':"
        " {'controller': 'c0', 'drive': 'm4'}}");
    err = qmp_error(qts, "{'execute': 'sraid-remove-spare', 'arguments':"
                    " {'controller': 'c0', 'member': 0}}");
    g_assert_nonnull(strstr(err, "member 0 is not a hot spare"));
    g_free(err);
    qtest_qmp_assert_success(qts,
        "{'execute': 'sraid-remove-spare', 'arguments':"
        " {'controller': 'c0', 'member': 4}}");
    qtest_qmp_assert_success(qts,
        "{'execute': 'sraid-fail-member', 'arguments':"
        " {'controller': 'c0', 'member': 1}}");
    {
        g_autofree char *st = ld_state(qts);

        g_assert_cmpstr(st, ==, "degraded");
    }
    err = qmp_error(qts, "{'execute': 'sraid-scrub', 'arguments':"
                    " {'controller': 'c0', 'ld': 0}}");
    g_assert_nonnull(strstr(err, "is not optimal"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-fail-member', 'arguments':"
                    " {'controller': 'c0', 'member': 1}}");
    g_assert_nonnull(strstr(err, "already out of service"));
    g_free(err);
    vscsi_stop(v);
    array_free(&a);

    /* RAID 0 has nothing to compare */
    array_create(&a, 0, 2);
    g_free(args);
    args = array_args(&a, -1, -1);
    v = vscsi_start(args);
    err = qmp_error(v->qs->qts, "{'execute': 'sraid-scrub', 'arguments':"
                    " {'controller': 'c0', 'ld': 0}}");
    g_assert_nonnull(strstr(err, "is RAID 0: it has no parity or copies"));
    g_free(err);
    vscsi_stop(v);
    array_free(&a);
}

/* Fill the first @sectors of the drive at @target with random data */
static uint8_t *fill_at(VScsi *v, uint8_t target, uint64_t sectors,
                        GRand *rnd)
{
    uint8_t *ref = g_malloc(sectors * 512);

    for (uint64_t i = 0; i < sectors * 512 / 4; i++) {
        ((uint32_t *)ref)[i] = g_rand_int(rnd);
    }
    for (uint64_t lba = 0; lba < sectors; lba += MAX_SECTORS) {
        ScsiResult r;

        ld_rw_at(v, target, true, lba, MIN(MAX_SECTORS, sectors - lba),
                 ref + lba * 512, &r);
        assert_good(&r);
    }
    return ref;
}

/* sraid-create-ld; its answer (to be unreffed) once initialized */
static QDict *create_ld(QTestState *qts, const char *args)
{
    g_autofree char *json = g_strdup_printf("{'controller': 'c0', %s}",
                                            args);
    QObject *arguments = qobject_from_json(json, &error_abort);
    QDict *rsp = qtest_qmp(qts, "{'execute': 'sraid-create-ld',"
                           " 'arguments': %p}", arguments);
    QDict *ld;

    if (!qdict_haskey(rsp, "return")) {
        g_error("sraid-create-ld %s: %s", args,
                qdict_get_str(qdict_get_qdict(rsp, "error"), "desc"));
    }
    ld = qdict_get_qdict(rsp, "return");
    qobject_ref(ld);
    qobject_unref(rsp);
    if (strcmp(qdict_get_str(ld, "level"), "raid0")) {
        /* background initialization: a check with repair */
        QDict *ev = qtest_qmp_eventwait_ref(qts, "SRAID_SCRUB_DONE");

        g_assert_cmpstr(qdict_get_str(qdict_get_qdict(ev, "data"),
                                      "result"), ==, "done");
        qobject_unref(ev);
    }
    return ld;
}

/*
 * Logical drives created and deleted while the VM runs: a new array on
 * blank drives, a second logical drive sharing a member with the first
 * plus a new member, deletion (the device leaves the bus, the other
 * drive's data stays), the freed id and space reused; offline the set is
 * consistent and after a restart the drives come back at the same
 * targets with their data.
 */
static void test_create_delete_ld(void)
{
    g_autoptr(GRand) rnd = g_rand_new_with_seed(21);
    g_autofree char *args = NULL, *json = NULL;
    g_autofree uint8_t *ref1 = NULL;
    uint64_t sectors1;
    QDict *ld, *c;
    ScsiResult r;
    Array a;
    VScsi *v;
    QTestState *qts;
    char *err;
    const uint8_t inq[6] = { INQUIRY, 0, 0, 0, 36, 0 };

    memset(&a, 0, sizeof(a));
    a.dir = g_dir_make_tmp("sraid-ld-test-XXXXXX", NULL);
    for (int i = 0; i < 4; i++) {
        array_add_blank(&a);
    }
    args = array_args_full(&a, -1, -1, -1, ",rebuild-rate=100");
    v = vscsi_start(args);
    qts = v->qs->qts;

    err = qmp_error(qts, "{'execute': 'sraid-scrub', 'arguments':"
                    " {'controller': 'c0', 'ld': 0}}");
    g_assert_nonnull(strstr(err, "with sraid-create-ld"));
    g_free(err);

    /* RAID 5 on three blank drives: a new array */
    ld = create_ld(qts, "'level': 'raid5', 'drives': ['m0', 'm1', 'm2'],"
                   " 'strip-size': 16384, 'size': 8388608, 'name': 'db',"
                   " 'array-name': 'qa'");
    g_assert_cmpint(qdict_get_int(ld, "id"), ==, 0);
    g_assert_cmpint(qdict_get_int(ld, "size"), ==, 8 * 1024 * 1024);
    g_assert_cmpstr(qdict_get_str(ld, "name"), ==, "db");
    g_assert_true(qdict_haskey(ld, "device"));
    qobject_unref(ld);
    ld_ready_at(v, LD_TARGET);
    vscsi_cmd(v, LD_TARGET, 0, inq, sizeof(inq), 36, &r);
    assert_good(&r);
    g_assert_cmphex(r.data[0], ==, TYPE_DISK);
    g_autofree uint8_t *ref0 = fill_at(v, LD_TARGET, 16384, rnd);

    /* RAID 1 on member 0 (after the RAID 5) and a fourth, blank drive */
    ld = create_ld(qts, "'level': 'raid1', 'drives': ['m0', 'm3'],"
                   " 'strip-size': 16384");
    g_assert_cmpint(qdict_get_int(ld, "id"), ==, 1);
    sectors1 = qdict_get_int(ld, "size") / 512;
    g_assert_cmpuint(sectors1, >, 8 * 1024);
    qobject_unref(ld);
    ld_ready_at(v, LD_TARGET + 1);
    ref1 = fill_at(v, LD_TARGET + 1, MIN(sectors1, 8192), rnd);
    assert_target_holds(v, LD_TARGET, 16384, ref0);

    c = ctrl_info(qts);
    g_assert_cmpstr(qdict_get_str(c, "array"), ==, "qa");
    g_assert_cmpuint(qlist_size(qdict_get_qlist(c, "members")), ==, 4);
    g_assert_cmpuint(qlist_size(qdict_get_qlist(c, "lds")), ==, 2);
    qobject_unref(c);

    /* refusals */
    err = qmp_error(qts, "{'execute': 'sraid-create-ld', 'arguments':"
                    " {'controller': 'c0', 'level': 'raid1',"
                    " 'drives': ['m1', 'm1']}}");
    g_assert_nonnull(strstr(err, "listed twice"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-create-ld', 'arguments':"
                    " {'controller': 'c0', 'level': 'raid5',"
                    " 'drives': ['m1', 'm2']}}");
    g_assert_nonnull(strstr(err, "RAID 5"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-create-ld', 'arguments':"
                    " {'controller': 'c0', 'level': 'raid1',"
                    " 'drives': ['m0', 'm3']}}");
    g_assert_nonnull(strstr(err, "no free space"));
    g_free(err);
    err = qmp_error(qts, "{'execute': 'sraid-delete-ld', 'arguments':"
                    " {'controller': 'c0', 'ld': 5}}");
    g_assert_nonnull(strstr(err, "logical drive 5 does not exist"));
    g_free(err);

    /* delete the RAID 5: gone from the bus, the RAID 1 untouched */
    qtest_qmp_assert_success(qts, "{'execute': 'sraid-delete-ld',"
                             " 'arguments': {'controller': 'c0', 'ld': 0}}");
    vscsi_cmd(v, LD_TARGET, 0, inq, sizeof(inq), 36, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_BAD_TARGET);
    assert_target_holds(v, LD_TARGET + 1, MIN(sectors1, 8192), ref1);

    /* its id and space are taken again */
    ld = create_ld(qts, "'level': 'raid0', 'drives': ['m1', 'm2'],"
                   " 'size': 1048576");
    g_assert_cmpint(qdict_get_int(ld, "id"), ==, 0);
    qobject_unref(ld);
    ld_ready_at(v, LD_TARGET);
    g_free(ref0);
    ref0 = fill_at(v, LD_TARGET, 2048, rnd);
    vscsi_stop(v);

    g_assert_cmpint(run_img(&a, "check", NULL), ==, 0);
    g_assert_cmpint(run_img(&a, "info --output=json", &json), ==, 0);
    g_assert_nonnull(strstr(json, "\"name\": \"qa\""));

    /* after a restart: the same targets, the same data */
    v = vscsi_start(args);
    ld_ready_at(v, LD_TARGET);
    ld_ready_at(v, LD_TARGET + 1);
    assert_target_holds(v, LD_TARGET, 2048, ref0);
    assert_target_holds(v, LD_TARGET + 1, MIN(sectors1, 8192), ref1);
    vscsi_stop(v);
    array_free(&a);

    /*
     * Behind lsi53c895a too (QEMU's SCSI buses all take hotplugged
     * devices; the guest finds the drive when it rescans).
     */
    qts = qtest_initf("-device lsi53c895a,id=lsi -device sraid-ctrl,id=c0,"
                      "bus=lsi.0,scsi-id=1,rebuild-rate=100"
                      " -blockdev driver=null-co,node-name=m0,size=67108864,read-zeroes=on"
                      " -device sraid-drive,bus=c0.0,drive=m0,target=0"
                      " -blockdev driver=null-co,node-name=m1,size=67108864,read-zeroes=on"
                      " -device sraid-drive,bus=c0.0,drive=m1,target=1");
    ld = create_ld(qts, "'level': 'raid0', 'drives': ['m0']");
    g_assert_true(qdict_haskey(ld, "device"));
    qobject_unref(ld);
    qtest_qmp_assert_success(qts, "{'execute': 'sraid-delete-ld',"
                             " 'arguments': {'controller': 'c0', 'ld': 0}}");
    c = ctrl_info(qts);
    g_assert_cmpuint(qlist_size(qdict_get_qlist(c, "lds")), ==, 0);
    qobject_unref(c);

    /* created back to back: initialized one after the other */
    for (int i = 0; i < 3; i++) {
        qtest_qmp_assert_success(qts, "{'execute': 'sraid-create-ld',"
            " 'arguments': {'controller': 'c0', 'level': 'raid1',"
            " 'drives': ['m0', 'm1'], 'size': 1048576}}");
    }
    for (int i = 0; i < 3; i++) {
        QDict *ev = qtest_qmp_eventwait_ref(qts, "SRAID_SCRUB_DONE");
        QDict *data = qdict_get_qdict(ev, "data");

        g_assert_cmpint(qdict_get_int(data, "ld"), ==, i);
        g_assert_cmpstr(qdict_get_str(data, "result"), ==, "done");
        qobject_unref(ev);
    }
    qtest_quit(qts);
}

/* ---- guest management (sraidctl's commands over the guest path) ---- */

#define MGMT_CTRL_INFO      0x80
#define MGMT_PD_LIST        0x81
#define MGMT_LD_LIST        0x82
#define MGMT_BG_INFO        0x83
#define MGMT_CREATE_LD      0x90
#define MGMT_DELETE_LD      0x91
#define MGMT_ADD_SPARE      0x92
#define MGMT_REMOVE_SPARE   0x93
#define MGMT_REBUILD        0x94
#define MGMT_CHECK          0x95

static void mgmt_read(VScsi *v, uint8_t dcmd, uint8_t *buf, size_t len)
{
    ScsiResult r;

    memset(buf, 0xee, len);
    vscsi_mgmt(v, CTRL_ID, dcmd, NULL, 0, buf, len, &r);
    assert_good(&r);
    /* version 1, the additional length within what came */
    g_assert_cmphex(buf[0], ==, 1);
    g_assert_cmpuint(4 + lduw_be_p(buf + 2), <=, len);
}

/* An 8-byte parameter list: @b0, @b1, the rest zero */
static void mgmt_small(VScsi *v, uint8_t dcmd, uint8_t b0, uint8_t b1,
                       ScsiResult *r)
{
    uint8_t p[8] = { b0, b1 };

    vscsi_mgmt(v, CTRL_ID, dcmd, p, sizeof(p), NULL, 0, r);
}

/* CREATE_LD: RAID @level on @n drives (channel, target pairs) */
static void mgmt_create(VScsi *v, uint8_t level, uint32_t strip,
                        uint64_t size, const char *name,
                        const uint8_t *drives, unsigned n, ScsiResult *r)
{
    uint8_t p[48 + 64] = { 1, level, n };

    stl_be_p(p + 4, strip);
    stq_be_p(p + 8, size);
    memcpy(p + 16, name, strlen(name));
    memcpy(p + 48, drives, 2 * n);
    vscsi_mgmt(v, CTRL_ID, MGMT_CREATE_LD, p, 48 + 2 * n, NULL, 0, r);
}

/* INVALID FIELD IN PARAMETER LIST pointing at byte @field */
static void assert_param_field(const ScsiResult *r, uint16_t field)
{
    assert_sense(r, ILLEGAL_REQUEST, 0x26, 0x00);
    g_assert_cmphex(r->sense[15], ==, 0x80);        /* SKSV, C/D = 0 */
    g_assert_cmpuint(lduw_be_p(r->sense + 16), ==, field);
}

/* The physical drive entry at @ch/@tgt of a PD_LIST */
static const uint8_t *pd_entry(const uint8_t *buf, uint8_t ch, uint8_t tgt)
{
    for (unsigned i = 0; i < buf[4]; i++) {
        const uint8_t *e = buf + 8 + 24 * i;

        if (e[0] == ch && e[1] == tgt) {
            return e;
        }
    }
    g_error("no drive %u:%u in the guest's PD_LIST", ch, tgt);
}

static void wait_scrub_done(QTestState *qts)
{
    QDict *ev = qtest_qmp_eventwait_ref(qts, "SRAID_SCRUB_DONE");

    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(ev, "data"), "result"),
                    ==, "done");
    qobject_unref(ev);
}

/*
 * guest-management=full: the guest reads the controller, its drives,
 * logical drives and background work, creates a RAID 5, checks it, adds a
 * spare that a failed member's rebuild takes, asks for that rebuild,
 * removes a spare and deletes the logical drive; what it names wrongly
 * is refused with a field pointer.  QMP sees the same array.
 */
static void test_guest_mgmt(void)
{
    static const uint8_t raid5[] = { 0, 0, 1, 0, 0, 1 };
    static const uint8_t no_drive[] = { 0, 0, 1, 7 };
    uint8_t buf[4096];
    g_autofree char *args = NULL;
    QTestState *qts;
    const uint8_t *e;
    ScsiResult r;
    QDict *c, *ld;
    char *err;
    Array a;
    VScsi *v;

    memset(&a, 0, sizeof(a));
    a.dir = g_dir_make_tmp("sraid-mgmt-test-XXXXXX", NULL);
    for (int i = 0; i < 5; i++) {
        array_add_blank(&a);
    }
    args = array_args_full(&a, -1, -1, -1,
                           ",guest-management=full,rebuild-rate=100");
    v = vscsi_start(args);
    qts = v->qs->qts;

    /* no array yet, alone: node 7, management full, no cluster */
    mgmt_read(v, MGMT_CTRL_INFO, buf, 256);
    g_assert_cmpuint(lduw_be_p(buf + 2), ==, 80 - 4);
    g_assert_cmphex(buf[4], ==, 7);
    g_assert_cmphex(buf[7], ==, 0xff);              /* no master */
    g_assert_cmphex(buf[8], ==, 0);                 /* no cluster, array */
    g_assert_cmphex(buf[9], ==, 2);                 /* full */
    g_assert_cmphex(buf[10], ==, 2);                /* channels */
    g_assert_cmphex(buf[11], ==, 0);                /* nodes */
    mgmt_read(v, MGMT_LD_LIST, buf, 4096);
    g_assert_cmphex(buf[4], ==, 0);
    mgmt_read(v, MGMT_PD_LIST, buf, 4096);
    g_assert_cmphex(buf[4], ==, 5);
    g_assert_cmphex(buf[5], ==, 24);
    e = pd_entry(buf, 1, 1);
    g_assert_cmphex(e[2], ==, 0xff);                /* not a member */
    g_assert_cmphex(e[4], ==, 0x01);                /* present */
    g_assert_cmpuint(ldq_be_p(e + 8), ==, MEMBER_BYTES);

    /* a drive that is not there: the pointer names its entry */
    mgmt_create(v, 5, 16384, 8 << 20, "guest", no_drive, 2, &r);
    assert_param_field(&r, 50);
    /*
     * RAID 5 on three blank drives, all their space (a rebuild long
     * enough to ask about at rate 1): a new array, initialized
     */
    mgmt_create(v, 5, 16384, 0, "guest", raid5, 3, &r);
    assert_good(&r);
    wait_scrub_done(qts);
    mgmt_read(v, MGMT_LD_LIST, buf, 4096);
    g_assert_cmphex(buf[4], ==, 1);
    e = buf + 8;
    g_assert_cmphex(e[0], ==, 0);                   /* id */
    g_assert_cmphex(e[1], ==, 5);                   /* RAID 5 */
    g_assert_cmphex(e[2], ==, 0);                   /* optimal */
    g_assert_cmphex(e[3], ==, 3);
    g_assert_cmpuint(ldl_be_p(e + 4), ==, 32);      /* 16 KiB strips */
    g_assert_cmpstr((const char *)e + 24, ==, "guest");
    c = ctrl_info(qts);
    ld = qobject_to(QDict, qlist_peek(qdict_get_qlist(c, "lds")));
    g_assert_cmpuint(ldq_be_p(e + 8) * 512, ==, qdict_get_int(ld, "size"));
    g_assert_cmpuint(ldq_be_p(e + 8), >, 16 * 2048);
    {
        g_autofree char *naa = g_strdup_printf("%016" PRIx64,
                                               ldq_be_p(e + 16));

        g_assert_cmpstr(qdict_get_str(ld, "naa"), ==, naa);
        g_assert_cmpstr(qdict_get_str(ld, "serial"), ==,
                        (const char *)e + 56);
    }
    qobject_unref(c);
    mgmt_read(v, MGMT_CTRL_INFO, buf, 256);
    g_assert_cmphex(buf[8], ==, 0x04);              /* an array */
    g_assert_cmphex(buf[13], ==, 3);                /* members */
    g_assert_cmphex(buf[14], ==, 1);                /* logical drives */

    /* a consistency check; one of a drive not there */
    mgmt_small(v, MGMT_CHECK, 5, 0, &r);
    assert_param_field(&r, 0);
    mgmt_small(v, MGMT_CHECK, 0, 1, &r);
    assert_good(&r);
    wait_scrub_done(qts);
    mgmt_read(v, MGMT_BG_INFO, buf, 48);
    g_assert_cmphex(buf[6], ==, 0);                 /* LD 0 checked */
    g_assert_cmphex(buf[24], ==, 2);                /* done */
    g_assert_cmphex(buf[25], ==, 1);                /* with repair */

    /* a hot spare, which takes failed member 0's place */
    mgmt_small(v, MGMT_ADD_SPARE, 1, 9, &r);
    assert_param_field(&r, 0);
    mgmt_small(v, MGMT_ADD_SPARE, 1, 1, &r);
    assert_good(&r);
    mgmt_read(v, MGMT_PD_LIST, buf, 4096);
    e = pd_entry(buf, 1, 1);
    g_assert_cmphex(e[2], ==, 3);
    g_assert_cmphex(e[3], ==, 3);                   /* spare */
    wait_member_state(qts, 3, "spare");
    qtest_qmp_assert_success(qts, "{'execute': 'sraid-set-rebuild-rate',"
                             " 'arguments': {'controller': 'c0',"
                             " 'rate': 1}}");
    qtest_qmp_assert_success(qts, "{'execute': 'sraid-fail-member',"
                             " 'arguments': {'controller': 'c0',"
                             " 'member': 0}}");
    wait_member_state(qts, 3, "rebuilding");
    /* asked while it runs: GOOD; a member out of every LD: refused */
    mgmt_small(v, MGMT_REBUILD, 3, 0, &r);
    assert_good(&r);
    mgmt_small(v, MGMT_REBUILD, 0, 0, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x80, 0x0b);
    mgmt_small(v, MGMT_REBUILD, 9, 0, &r);
    assert_param_field(&r, 0);
    /* QMP's sraid-rebuild runs the same and says why */
    err = qmp_error(qts, "{'execute': 'sraid-rebuild', 'arguments':"
                    " {'controller': 'c0', 'member': 0}}");
    g_assert_nonnull(strstr(err, "member 0 is in no logical drive that can"
                            " be rebuilt"));
    g_free(err);
    g_assert_null(qmp_error(qts, "{'execute': 'sraid-rebuild', 'arguments':"
                            " {'controller': 'c0', 'member': 3}}"));
    mgmt_read(v, MGMT_BG_INFO, buf, 48);
    g_assert_cmphex(buf[4], ==, 1);                 /* rebuild */
    g_assert_cmphex(buf[5], ==, 3);
    g_assert_cmphex(buf[7], ==, 1);                 /* rate */
    g_assert_cmpuint(ldq_be_p(buf + 16), >, 0);
    g_assert_cmpuint(ldq_be_p(buf + 8), <=, ldq_be_p(buf + 16));
    /* no delete while it rebuilds */
    mgmt_small(v, MGMT_DELETE_LD, 0, 0, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x80, 0x04);
    qtest_qmp_assert_success(qts, "{'execute': 'sraid-set-rebuild-rate',"
                             " 'arguments': {'controller': 'c0',"
                             " 'rate': 100}}");
    wait_member_state(qts, 3, "online");

    /* another spare, in failed member 0's free slot, and out again */
    mgmt_small(v, MGMT_ADD_SPARE, 0, 2, &r);
    assert_good(&r);
    wait_member_state(qts, 0, "spare");
    mgmt_small(v, MGMT_REMOVE_SPARE, 1, 0, &r);     /* not a spare */
    assert_sense(&r, ILLEGAL_REQUEST, 0x80, 0x0b);
    mgmt_small(v, MGMT_REMOVE_SPARE, 0, 0, &r);
    assert_good(&r);
    wait_member_state(qts, 0, "missing");

    /* delete it: the guest and QMP see no logical drive */
    mgmt_small(v, MGMT_DELETE_LD, 0, 0, &r);
    assert_good(&r);
    mgmt_read(v, MGMT_LD_LIST, buf, 4096);
    g_assert_cmphex(buf[4], ==, 0);
    c = ctrl_info(qts);
    g_assert_null(qlist_peek(qdict_get_qlist(c, "lds")));
    qobject_unref(c);
    vscsi_stop(v);
    array_free(&a);
}

/*
 * The default is guest-management=read: the views, no changes (the
 * vendor "not permitted" sense); off refuses the views too.
 */
static void test_guest_mgmt_read(void)
{
    static const uint8_t raid1[] = { 0, 0, 1, 0 };
    uint8_t buf[256];
    g_autofree char *args = NULL, *args_off = NULL;
    ScsiResult r;
    Array a;
    VScsi *v;

    memset(&a, 0, sizeof(a));
    a.dir = g_dir_make_tmp("sraid-mgmt-test-XXXXXX", NULL);
    for (int i = 0; i < 2; i++) {
        array_add_blank(&a);
    }
    args = array_args_full(&a, -1, -1, -1, "");
    v = vscsi_start(args);
    mgmt_read(v, MGMT_CTRL_INFO, buf, sizeof(buf));
    g_assert_cmphex(buf[9], ==, 1);                 /* read */
    mgmt_read(v, MGMT_PD_LIST, buf, sizeof(buf));
    g_assert_cmphex(buf[4], ==, 2);
    mgmt_create(v, 1, 0, 0, "", raid1, 2, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x80, 0x09);
    mgmt_small(v, MGMT_ADD_SPARE, 0, 0, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x80, 0x09);
    mgmt_small(v, MGMT_CHECK, 0, 0, &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x80, 0x09);
    vscsi_stop(v);

    args_off = array_args_full(&a, -1, -1, -1, ",guest-management=off");
    v = vscsi_start(args_off);
    vscsi_mgmt(v, CTRL_ID, MGMT_CTRL_INFO, NULL, 0, buf, sizeof(buf), &r);
    assert_sense(&r, ILLEGAL_REQUEST, 0x80, 0x09);
    vscsi_stop(v);
    array_free(&a);
}

void sraid_rebuild_test_register(void)
{
    if (!getenv("SRAID_IMG")) {
        return;                     /* run by make check, which sets it */
    }
    qtest_add_func("/sraid/rebuild/spare", test_spare_rebuild);
    qtest_add_func("/sraid/rebuild/under-io", test_rebuild_under_io);
    qtest_add_func("/sraid/rebuild/resumes-after-kill",
                   test_rebuild_resumes);
    qtest_add_func("/sraid/rebuild/hot-swap", test_hot_swap);
    qtest_add_func("/sraid/scrub", test_scrub);
    qtest_add_func("/sraid/qmp/errors", test_qmp_errors);
    qtest_add_func("/sraid/qmp/create-delete-ld", test_create_delete_ld);
    qtest_add_func("/sraid/guest-mgmt/full", test_guest_mgmt);
    qtest_add_func("/sraid/guest-mgmt/read", test_guest_mgmt_read);
}
