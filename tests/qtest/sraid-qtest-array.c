/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid qtests: arrays on temporary member files (sraid-qtest-array.h).
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "scsi/constants.h"
#include "sraid-qtest-array.h"

#include <sys/socket.h>
#include <netinet/in.h>

const char *sraid_img(void)
{
    const char *img = getenv("SRAID_IMG");

    g_assert_nonnull(img);
    return img;
}

/* Run sraid-img with @args and the member files; its stdout and status. */
int run_img(Array *a, const char *args, char **out)
{
    g_autoptr(GString) cmd = g_string_new(sraid_img());
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = NULL;
    GSpawnFlags flags = G_SPAWN_STDERR_TO_DEV_NULL |
                        (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL);
    int status;

    g_string_append_printf(cmd, " %s", args);
    for (unsigned i = 0; i < a->n + a->blanks; i++) {
        if (a->file[i]) {
            g_string_append_printf(cmd, " %s", a->file[i]);
        }
    }
    g_assert_true(g_shell_parse_argv(cmd->str, NULL, &argv, &err));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, flags, NULL, NULL, out,
                               NULL, &status, &err));
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static char *member_file(Array *a, unsigned i)
{
    g_autofree char *f = g_strdup_printf("%s/m%u.img", a->dir, i);
    int fd = open(f, O_CREAT | O_RDWR, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, MEMBER_BYTES), ==, 0);
    close(fd);
    return g_steal_pointer(&f);
}

void array_create(Array *a, unsigned level, unsigned n)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *args = g_strdup_printf("create -l %u -s 16K", level);
    g_autofree char *json = NULL;
    QDict *info, *ld;
    QList *lds;

    memset(a, 0, sizeof(*a));
    a->dir = g_dir_make_tmp("sraid-ld-test-XXXXXX", &err);
    g_assert_nonnull(a->dir);
    a->n = n;
    for (unsigned i = 0; i < n; i++) {
        a->file[i] = member_file(a, i);
    }
    g_assert_cmpint(run_img(a, args, NULL), ==, 0);
    g_assert_cmpint(run_img(a, "info --output=json", &json), ==, 0);
    info = qobject_to(QDict, qobject_from_json(json, &error_abort));
    lds = qdict_get_qlist(info, "logical-drives");
    ld = qobject_to(QDict, qlist_peek(lds));
    a->sectors = qdict_get_int(ld, "size") / 512;
    a->serial = g_strdup(qdict_get_str(ld, "serial"));
    a->naa = g_ascii_strtoull(qdict_get_str(ld, "naa"), NULL, 16);
    qobject_unref(info);
    a->ref = g_malloc0(a->sectors * 512);
}

void array_add_blank(Array *a)
{
    g_assert_cmpuint(a->n + a->blanks, <, G_N_ELEMENTS(a->file));
    a->file[a->n + a->blanks] = member_file(a, a->n + a->blanks);
    a->blanks++;
}

void array_free(Array *a)
{
    for (unsigned i = 0; i < a->n + a->blanks; i++) {
        g_autofree char *f = g_strdup_printf("%s/m%u.img", a->dir, i);

        unlink(f);
        g_free(a->file[i]);
    }
    rmdir(a->dir);
    g_free(a->dir);
    g_free(a->serial);
    g_free(a->ref);
}

/*
 * Command line: the controller and its members; member @bad (if >= 0)
 * fails every I/O touching its sector 0 (blkdebug), member @held holds
 * back writes of its sector 0 for a minute, member @absent is left out.
 */
char *array_args_full(Array *a, int bad, int absent, int held,
                      const char *ctrl_opts)
{
    GString *s = g_string_new(VSCSI_ARGS);

    g_string_append_printf(s, " -device sraid-ctrl,id=c0,bus=vs0.0,"
                           "scsi-id=%u,node-id=7%s", CTRL_ID, ctrl_opts);
    for (unsigned i = 0; i < a->n + a->blanks; i++) {
        if ((int)i == absent) {
            continue;
        }
        if ((int)i == held) {
            g_string_append_printf(s, " -blockdev driver=raw,node-name=m%u,"
                "file.driver=blkdebug,file.image.driver=file,"
                "file.image.filename=%s,file.inject-error.0.event=write_aio,"
                "file.inject-error.0.iotype=write,"
                "file.inject-error.0.sector=0,file.inject-error.0.errno=0,"
                "file.inject-error.0.delay-ns=60000000000", i, a->file[i]);
        } else if ((int)i == bad) {
            g_string_append_printf(s, " -blockdev driver=raw,node-name=m%u,"
                "file.driver=blkdebug,file.image.driver=file,"
                "file.image.filename=%s,file.inject-error.0.event=read_aio,"
                "file.inject-error.0.sector=0,file.inject-error.0.errno=5",
                i, a->file[i]);
        } else {
            g_string_append_printf(s, " -blockdev driver=file,node-name=m%u,"
                                   "filename=%s", i, a->file[i]);
        }
        g_string_append_printf(s, " -device sraid-drive,bus=c0.0,drive=m%u,"
                               "channel=%u,target=%u,id=d%u", i, i % 2, i / 2,
                               i);
    }
    return g_string_free(s, false);
}

char *array_args(Array *a, int bad, int absent)
{
    return array_args_full(a, bad, absent, -1, "");
}

void ld_rw_at(VScsi *v, uint8_t target, bool write, uint64_t lba,
              uint32_t n, uint8_t *buf, ScsiResult *r)
{
    uint8_t cdb[10] = { write ? WRITE_10 : READ_10 };

    put_be32(cdb + 2, lba);
    cdb[7] = n >> 8;
    cdb[8] = n;
    vscsi_io(v, target, 0, cdb, sizeof(cdb), write ? buf : NULL,
             write ? n * 512 : 0, write ? NULL : buf, write ? 0 : n * 512, r);
}

void ld_rw(VScsi *v, bool write, uint64_t lba, uint32_t n,
                  uint8_t *buf, ScsiResult *r)
{
    ld_rw_at(v, LD_TARGET, write, lba, n, buf, r);
}

/*
 * Past the power-on / hotplug unit attentions, and, on a bus, past NOT
 * READY, BECOMING READY (04h/01h) until the node has the cluster's
 * reservation state (docs/persistent-reservations.md).
 */
void ld_ready_at(VScsi *v, uint8_t target)
{
    static const uint8_t tur[6] = { TEST_UNIT_READY };
    unsigned attentions = 0;
    ScsiResult r;

    for (int i = 0; i < 600; i++) {
        vscsi_cmd(v, target, 0, tur, sizeof(tur), 0, &r);
        g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OK);
        if (r.status == GOOD) {
            return;
        }
        if ((r.sense[2] & 0xf) == NOT_READY && r.sense[12] == 0x04 &&
            r.sense[13] == 0x01) {
            g_usleep(50 * 1000);
            continue;
        }
        g_assert_cmphex(r.sense[2] & 0xf, ==, UNIT_ATTENTION);
        g_assert_cmpuint(++attentions, <, 4);
    }
    g_error("target %u never became ready", target);
}

void ld_ready(VScsi *v)
{
    ld_ready_at(v, LD_TARGET);
}

/*
 * A fresh RAID @level array of @members files (array_create), its QEMU
 * started with every member present, the logical drive past its unit
 * attentions
 */
VScsi *ld_array_start(Array *a, unsigned level, unsigned members)
{
    g_autofree char *args = NULL;
    VScsi *v;

    array_create(a, level, members);
    args = array_args(a, -1, -1);
    v = vscsi_start(args);
    ld_ready(v);
    return v;
}

/* Random writes of 1..MAX_SECTORS sectors, mirrored into a->ref. */
void random_writes(VScsi *v, Array *a, GRand *rnd, unsigned count)
{
    g_autofree uint8_t *buf = g_malloc(MAX_SECTORS * 512);

    for (unsigned i = 0; i < count; i++) {
        uint32_t n = g_rand_int_range(rnd, 1, MAX_SECTORS + 1);
        uint64_t lba = g_rand_int_range(rnd, 0, a->sectors - n + 1);
        ScsiResult r;

        for (uint32_t b = 0; b < n * 512; b += 4) {
            uint32_t x = g_rand_int(rnd);

            memcpy(buf + b, &x, 4);
        }
        ld_rw(v, true, lba, n, buf, &r);
        assert_good(&r);
        memcpy(a->ref + lba * 512, buf, n * 512);
    }
}

/* Read the whole logical drive back and compare with a->ref. */
void assert_target_holds(VScsi *v, uint8_t target, uint64_t sectors,
                         const uint8_t *ref)
{
    g_autofree uint8_t *buf = g_malloc(MAX_SECTORS * 512);

    for (uint64_t lba = 0; lba < sectors; lba += MAX_SECTORS) {
        uint32_t n = MIN(MAX_SECTORS, sectors - lba);
        ScsiResult r;

        ld_rw_at(v, target, false, lba, n, buf, &r);
        assert_good(&r);
        if (memcmp(buf, ref + lba * 512, n * 512)) {
            g_error("target %u LBA %" PRIu64 "..+%u differs from what was"
                    " written", target, lba, n);
        }
    }
}

void assert_reads_back(VScsi *v, Array *a)
{
    assert_target_holds(v, LD_TARGET, a->sectors, a->ref);
}

/* Offline: the members hold exactly a->ref, parity consistent. */
void assert_members_hold(Array *a)
{
    g_autofree char *out = g_strdup_printf("%s/export.raw", a->dir);
    g_autofree char *args = g_strdup_printf("export -o %s", out);
    g_autofree char *data = NULL;
    gsize len;

    g_assert_cmpint(run_img(a, "check", NULL), ==, 0);
    g_assert_cmpint(run_img(a, args, NULL), ==, 0);
    g_assert_true(g_file_get_contents(out, &data, &len, NULL));
    g_assert_cmpuint(len, ==, a->sectors * 512);
    g_assert_true(memcmp(data, a->ref, len) == 0);
    unlink(out);
}


/*
 * 32 consecutive free ports below the kernel's ephemeral range (32768 on
 * Linux by default): a block inside it can lose a port, between this
 * check and QEMU's listen(), to the local end of any outgoing connection
 * (the nodes' own links to each other), which failed a cluster test once
 * with "Address already in use".
 */
unsigned free_port_block(void)
{
    for (unsigned tries = 0; tries < 200; tries++) {
        unsigned base = g_random_int_range(20000, 32768 - 32);
        int fds[32];
        unsigned n;

        for (n = 0; n < 32; n++) {
            struct sockaddr_in sa = {
                .sin_family = AF_INET,
                .sin_port = htons(base + n),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
            };

            fds[n] = socket(AF_INET, SOCK_STREAM, 0);
            if (bind(fds[n], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                close(fds[n]);
                break;
            }
        }
        for (unsigned i = 0; i < n; i++) {
            close(fds[i]);
        }
        if (n == 32) {
            return base;
        }
    }
    g_assert_not_reached();
}
