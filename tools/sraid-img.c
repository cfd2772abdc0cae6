/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-img: offline management of sraid member disks, like qemu-img.
 *
 *   sraid-img create -l LEVEL [-s STRIP] [-n NAME] [--ld-size SIZE]
 *                    [--ld-name NAME] FILE...
 *   sraid-img info [--output=human|json] FILE...
 *   sraid-img check FILE...
 *   sraid-img export -o OUT FILE...      (reconstructs through missing members)
 *   sraid-img import -i IN FILE...
 *   sraid-img repair FILE...            (parity / mirrors from the data)
 *
 * Exit status: 0 success (check: consistent), 1 error, 2 check found
 * inconsistent stripes.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array-config.h"
#include "cod-store.h"
#include "core-error.h"
#include "parity.h"
#include "pr-store.h"
#include "raid-geometry.h"
#include "raid-io.h"

#define SECTOR 512

typedef struct Disks {
    unsigned n;
    char **names;
    int *fds;
    uint64_t *bytes;
} Disks;

static int disk_pread(void *opaque, unsigned d, uint64_t off, void *buf,
                      size_t len)
{
    Disks *ds = opaque;
    ssize_t r = pread(ds->fds[d], buf, len, off);

    if (r < 0) {
        return -errno;
    }
    if ((size_t)r < len) {
        memset((uint8_t *)buf + r, 0, len - r);
    }
    return 0;
}

static int disk_pwrite(void *opaque, unsigned d, uint64_t off,
                       const void *buf, size_t len)
{
    Disks *ds = opaque;
    ssize_t r = pwrite(ds->fds[d], buf, len, off);

    if (r < 0) {
        return -errno;
    }
    return (size_t)r == len ? 0 : -EIO;
}

static int disk_flush(void *opaque, unsigned d)
{
    Disks *ds = opaque;

    return fdatasync(ds->fds[d]) < 0 ? -errno : 0;
}

static gboolean disks_open(Disks *ds, char **names, unsigned n,
                           gboolean write, GError **errp)
{
    ds->n = n;
    ds->names = names;
    ds->fds = g_new(int, n);
    ds->bytes = g_new(uint64_t, n);
    for (unsigned i = 0; i < n; i++) {
        struct stat st;
        off_t end;

        ds->fds[i] = open(names[i], write ? O_RDWR : O_RDONLY);
        if (ds->fds[i] < 0 || fstat(ds->fds[i], &st) < 0) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID, "%s: %s",
                        names[i], g_strerror(errno));
            ds->n = i;
            return FALSE;
        }
        end = lseek(ds->fds[i], 0, SEEK_END);   /* block devices too */
        ds->bytes[i] = end < 0 ? 0 : end;
    }
    return TRUE;
}

static void disks_close(Disks *ds)
{
    for (unsigned i = 0; i < ds->n; i++) {
        close(ds->fds[i]);
    }
    g_free(ds->fds);
    g_free(ds->bytes);
}

static SraidMemberIo disks_io(Disks *ds)
{
    return (SraidMemberIo) { disk_pread, disk_pwrite, disk_flush, ds };
}

/* "64K", "1M", "512" (bytes) -> bytes; 0 on error */
static uint64_t parse_size(const char *s)
{
    char *end;
    guint64 v = g_ascii_strtoull(s, &end, 10);

    switch (g_ascii_toupper(*end)) {
    case 'K':
        v <<= 10, end++;
        break;
    case 'M':
        v <<= 20, end++;
        break;
    case 'G':
        v <<= 30, end++;
        break;
    case 'T':
        v <<= 40, end++;
        break;
    }
    return *end ? 0 : v;
}

static const char *const member_states[] = {
    "online", "failed", "rebuilding", "spare", "missing",
};
static const char *const ld_states[] = { "optimal", "degraded", "offline" };
static const char *const verdicts[] = {
    "blank", "current", "stale", "foreign",
};

static char *guid_str(const uint8_t *g)
{
    GString *s = g_string_new(NULL);

    for (unsigned i = 0; i < 16; i++) {
        g_string_append_printf(s, "%02x%s", g[i],
                               (i == 3 || i == 5 || i == 7 || i == 9) ? "-"
                                                                      : "");
    }
    return g_string_free(s, FALSE);
}

/* Load the configuration; every refused disk is named in the error. */
static gboolean load(Disks *ds, SraidCod *cod, SraidDiskStatus *st,
                     GError **errp)
{
    SraidMemberIo io = disks_io(ds);
    g_autoptr(GError) err = NULL;

    if (!sraid_cod_load(&io, ds->n, ds->bytes, cod, st, &err)) {
        GString *msg = g_string_new(err->message);

        /* the core numbers disks: name every one of them */
        for (unsigned d = 0; d < ds->n; d++) {
            g_string_append_printf(msg, "\n  disk %u, %s: %s", d,
                                   ds->names[d],
                                   st[d].problem ? st[d].problem
                                                 : verdicts[st[d].verdict]);
        }
        g_set_error_literal(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                            msg->str);
        g_string_free(msg, TRUE);
        return FALSE;
    }
    return TRUE;
}

/*
 * Which disk holds each member (-1: none, or a stale disk of a failed
 * member).  A disk of another array among the files is an error naming it.
 */
static gboolean map_members(Disks *ds, const SraidDiskStatus *st,
                            int *disk_of_member, const SraidCod *cod,
                            GError **errp)
{
    g_autoptr(GError) err = NULL;
    int bad;

    if (!sraid_cod_map_disks(cod, st, ds->n, disk_of_member, &bad, &err)) {
        if (st[bad].verdict == SRAID_DISK_FOREIGN) {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "%s belongs to another array: remove it",
                        ds->names[bad]);
        } else {
            g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID, "%s: %s",
                        ds->names[bad], err->message);
        }
        return FALSE;
    }
    return TRUE;
}

static int cmd_create(int argc, char **argv)
{
    int level = -1, spares = 0;
    g_autofree char *strip_s = NULL, *ld_size_s = NULL;
    g_autofree char *name = NULL, *ld_name = NULL;
    GOptionEntry entries[] = {
        { "level", 'l', 0, G_OPTION_ARG_INT, &level,
          "RAID level: 0, 1, 5, 6 or 10", "LEVEL" },
        { "strip", 's', 0, G_OPTION_ARG_STRING, &strip_s,
          "strip size, 4K to 1M (default 64K)", "SIZE" },
        { "name", 'n', 0, G_OPTION_ARG_STRING, &name, "array name", "NAME" },
        { "ld-size", 0, 0, G_OPTION_ARG_STRING, &ld_size_s,
          "logical drive size (default: all)", "SIZE" },
        { "ld-name", 0, 0, G_OPTION_ARG_STRING, &ld_name,
          "logical drive name", "NAME" },
        { "spares", 0, 0, G_OPTION_ARG_INT, &spares,
          "the last N files are hot spares (default 0)", "N" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("FILE...");
    g_autoptr(GError) err = NULL;
    SraidLdRequest req = { 0 };
    SraidCod cod;
    SraidGeometry g;
    SraidCodLd *ld;
    Disks ds = { 0 };
    SraidMemberIo io;
    uint64_t usable = UINT64_MAX, strip;
    int *disk_of_member;
    int index;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        goto fail;
    }
    if (level < 0 || argc < 2) {
        g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "create needs -l LEVEL and the member files");
        goto fail;
    }
    strip = parse_size(strip_s ? strip_s : "64K");
    if (!strip || strip % SECTOR) {
        g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "strip size '%s' is not a size in 512-byte sectors",
                    strip_s);
        goto fail;
    }
    if (argc - 1 > SRAID_MAX_MEMBERS) {
        g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "at most %u members", SRAID_MAX_MEMBERS);
        goto fail;
    }
    if (!disks_open(&ds, argv + 1, argc - 1, TRUE, &err)) {
        goto fail;
    }
    for (unsigned d = 0; d < ds.n; d++) {
        if (!sraid_cod_area_offset(ds.bytes[d])) {
            g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "%s: %" G_GUINT64_FORMAT " bytes is too small"
                        " (16 MiB at least)", ds.names[d], ds.bytes[d]);
            goto fail;
        }
        usable = MIN(usable, sraid_cod_usable_sectors(ds.bytes[d]));
    }
    if (spares < 0 || (unsigned)spares >= ds.n) {
        g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "--spares %d leaves no member for the logical drive",
                    spares);
        goto fail;
    }
    sraid_cod_init_array(&cod, name ? name : "sraid");
    req.level = level;
    req.strip_sectors = strip / SECTOR;
    req.name = ld_name ? ld_name : "ld0";
    req.nmembers = ds.n - spares;
    for (unsigned i = 0; i < ds.n; i++) {
        gboolean spare = i >= ds.n - spares;

        /* members on alternate channels, as a cabled enclosure would be */
        int m = sraid_cod_add_member(&cod, usable, i % 2, i / 2,
                                     spare ? SRAID_MEMBER_SPARE
                                           : SRAID_MEMBER_ONLINE, NULL);

        g_assert(m == (int)i);      /* at most SRAID_MAX_MEMBERS, above */
        if (!spare) {
            req.members[i] = i;
        }
    }
    if (ld_size_s) {
        req.sectors = parse_size(ld_size_s) / SECTOR;
        if (!req.sectors) {
            g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "--ld-size %s is not a size", ld_size_s);
            goto fail;
        }
    }
    index = sraid_cod_add_ld(&cod, &req, &err);
    if (index < 0) {
        if (ld_size_s) {
            g_prefix_error(&err, "--ld-size %s: ", ld_size_s);
        }
        goto fail;
    }
    ld = &cod.lds[index];
    if (!sraid_geometry_init(&g, ld->level, ld->nmembers, ld->strip_sectors,
                             ld->member_sectors, &err)) {
        goto fail;
    }

    /*
     * No persistent reservation records of an array that was on the disks
     * before: they would be warned about as foreign at every start.
     */
    {
        g_autofree uint8_t *zero = g_malloc0(SRAID_PRS_AREA_LEN);

        for (unsigned i = 0; i < ds.n; i++) {
            int r = disk_pwrite(&ds, i, sraid_cod_area_offset(ds.bytes[i]) +
                                SRAID_PRS_AREA_OFFSET, zero,
                                SRAID_PRS_AREA_LEN);

            if (r < 0) {
                g_set_error(&err, G_FILE_ERROR, g_file_error_from_errno(-r),
                            "%s: %s",
                            ds.names[i], g_strerror(-r));
                goto fail;
            }
        }
    }
    io = disks_io(&ds);
    disk_of_member = g_new(int, ds.n);
    for (unsigned i = 0; i < ds.n; i++) {
        disk_of_member[i] = i;
    }
    if (!sraid_cod_store(&io, &cod, disk_of_member, ds.bytes, &err)) {
        g_free(disk_of_member);
        goto fail;
    }
    g_free(disk_of_member);
    printf("created RAID %d array '%s' on %u members (%d hot spares),"
           " logical drive '%s' of %" G_GUINT64_FORMAT " bytes\n", level,
           cod.name, ld->nmembers, spares, ld->name,
           sraid_geometry_capacity(&g) * SECTOR);
    disks_close(&ds);
    return 0;

fail:
    fprintf(stderr, "sraid-img create: %s\n", err->message);
    disks_close(&ds);
    return 1;
}

/*
 * The persistent reservation area of every current disk (APTPL,
 * docs/on-disk-format.md): the newest valid record of each logical drive.
 * Damaged and foreign records are named on stderr.
 */
static SraidPrsLoad *load_pr(Disks *ds, const SraidCod *cod,
                             const SraidDiskStatus *st)
{
    SraidPrsLoad *l = sraid_prs_load_new(cod);
    g_autofree uint8_t *area = g_malloc(SRAID_PRS_AREA_LEN);

    for (unsigned d = 0; d < ds->n; d++) {
        g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
        uint64_t off = sraid_cod_area_offset(ds->bytes[d]);

        if (st[d].verdict != SRAID_DISK_CURRENT || !off ||
            disk_pread(ds, d, off + SRAID_PRS_AREA_OFFSET, area,
                       SRAID_PRS_AREA_LEN) < 0) {
            continue;
        }
        sraid_prs_load_disk(l, d, area, SRAID_PRS_AREA_LEN, problems);
        for (unsigned i = 0; i < problems->len; i++) {
            fprintf(stderr, "sraid-img info: disk %s: persistent reservation"
                    " record ignored: %s\n", ds->names[d],
                    (char *)g_ptr_array_index(problems, i));
        }
    }
    return l;
}

/* An initiator port for people: an iSCSI name,i,0xISID, or a guest path */
static char *pr_tid_str(const SraidPrTid *t)
{
    if (sraid_pr_tid_proto(t) == SRAID_PR_PROTO_ISCSI && t->len > 4) {
        return g_strndup((const char *)t->b + 4, t->len - 4);
    }
    if (sraid_pr_tid_proto(t) == SRAID_PR_PROTO_SAS && t->len >= 12) {
        return g_strdup_printf("guest path of node %u", t->b[11]);
    }
    return g_strdup("?");
}

/* The holder's registration key, 0 for none or all registrants */
static uint64_t pr_holder_key(const SraidPrState *st)
{
    for (unsigned i = 0; st->type && i < st->nregs; i++) {
        if (st->regs[i].initiator.len == st->holder.initiator.len &&
            !memcmp(st->regs[i].initiator.b, st->holder.initiator.b,
                    st->holder.initiator.len) &&
            (st->regs[i].all_tg_pt || st->regs[i].rtpi == st->holder.rtpi)) {
            return st->regs[i].key;
        }
    }
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    g_autofree char *output = NULL;
    GOptionEntry entries[] = {
        { "output", 0, 0, G_OPTION_ARG_STRING, &output,
          "human (default) or json", "FORMAT" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("FILE...");
    g_autoptr(GError) err = NULL;
    g_autofree SraidDiskStatus *st = NULL;
    g_autoptr(SraidPrsLoad) prs = NULL;
    SraidCod cod;
    Disks ds = { 0 };
    gboolean json;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        goto fail;
    }
    json = output && !strcmp(output, "json");
    if ((output && !json && strcmp(output, "human")) || argc < 2) {
        g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "usage: info [--output=human|json] FILE...");
        goto fail;
    }
    if (!disks_open(&ds, argv + 1, argc - 1, FALSE, &err)) {
        goto fail;
    }
    st = g_new0(SraidDiskStatus, ds.n);
    if (!load(&ds, &cod, st, &err)) {
        goto fail;
    }
    prs = load_pr(&ds, &cod, st);
    if (json) {
        g_autofree char *guid = guid_str(cod.array_guid);

        printf("{\n  \"array\": {\"name\": \"%s\", \"guid\": \"%s\","
               " \"generation\": %" G_GUINT64_FORMAT "},\n", cod.name, guid,
               cod.generation);
        printf("  \"disks\": [");
        for (unsigned d = 0; d < ds.n; d++) {
            g_autofree char *f = g_strescape(ds.names[d], NULL);

            printf("%s\n    {\"file\": \"%s\", \"verdict\": \"%s\","
                   " \"member\": %u, \"generation\": %" G_GUINT64_FORMAT
                   "}", d ? "," : "", f, verdicts[st[d].verdict],
                   st[d].member_index, st[d].generation);
        }
        printf("\n  ],\n  \"members\": [");
        for (unsigned i = 0; i < cod.nmembers; i++) {
            g_autofree char *mg = guid_str(cod.members[i].guid);

            printf("%s\n    {\"index\": %u, \"state\": \"%s\", \"channel\":"
                   " %u, \"target\": %u, \"guid\": \"%s\", \"sectors\": %"
                   G_GUINT64_FORMAT ", \"rebuild-checkpoint\": %"
                   G_GUINT64_FORMAT "}", i ? "," : "", i,
                   member_states[cod.members[i].state],
                   cod.members[i].channel, cod.members[i].target, mg,
                   cod.members[i].sectors, cod.members[i].rebuild_checkpoint);
        }
        printf("\n  ],\n  \"logical-drives\": [");
        for (unsigned l = 0; l < cod.nlds; l++) {
            SraidCodLd *ld = &cod.lds[l];
            SraidGeometry g;

            sraid_geometry_init(&g, ld->level, ld->nmembers,
                                ld->strip_sectors, ld->member_sectors, NULL);
            printf("%s\n    {\"id\": %u, \"name\": \"%s\", \"level\": %u,"
                   " \"state\": \"%s\", \"strip-bytes\": %u, \"size\": %"
                   G_GUINT64_FORMAT ", \"naa\": \"%016" G_GINT64_MODIFIER
                   "x\", \"serial\": \"%s\", \"members\": [", l ? "," : "",
                   ld->id, ld->name, ld->level, ld_states[ld->state],
                   ld->strip_sectors * SECTOR,
                   sraid_geometry_capacity(&g) * SECTOR, ld->naa,
                   ld->serial);
            for (unsigned i = 0; i < ld->nmembers; i++) {
                printf("%s%u", i ? ", " : "", ld->members[i]);
            }
            printf("], \"persistent-reservations\": ");
            if (!prs->best[l].found) {
                printf("null}");
            } else {
                const SraidPrState *p = &prs->best[l].st;
                g_autofree char *h = p->type ? pr_tid_str(&p->holder.initiator)
                                             : g_strdup("");
                g_autofree char *he = g_strescape(h, NULL);

                printf("{\"generation\": %" G_GUINT64_FORMAT ", \"aptpl\":"
                       " %s, \"registrations\": %u, \"type\": %u,"
                       " \"holder\": \"%s\", \"holder-key\": \"0x%"
                       G_GINT64_MODIFIER "x\"}}", prs->best[l].generation,
                       p->aptpl ? "true" : "false", p->nregs, p->type, he,
                       pr_holder_key(p));
            }
        }
        printf("\n  ]\n}\n");
    } else {
        printf("array '%s', generation %" G_GUINT64_FORMAT "\n", cod.name,
               cod.generation);
        for (unsigned d = 0; d < ds.n; d++) {
            printf("disk %s: %s, member %u%s%s\n", ds.names[d],
                   verdicts[st[d].verdict], st[d].member_index,
                   st[d].problem ? "; " : "",
                   st[d].problem ? st[d].problem : "");
        }
        for (unsigned i = 0; i < cod.nmembers; i++) {
            printf("member %u: %s, channel %u target %u, %" G_GUINT64_FORMAT
                   " sectors", i, member_states[cod.members[i].state],
                   cod.members[i].channel, cod.members[i].target,
                   cod.members[i].sectors);
            if (cod.members[i].state == SRAID_MEMBER_REBUILDING) {
                printf(", rebuilt up to sector %" G_GUINT64_FORMAT,
                       cod.members[i].rebuild_checkpoint);
            }
            printf("\n");
        }
        for (unsigned l = 0; l < cod.nlds; l++) {
            SraidCodLd *ld = &cod.lds[l];
            SraidGeometry g;

            sraid_geometry_init(&g, ld->level, ld->nmembers,
                                ld->strip_sectors, ld->member_sectors, NULL);
            printf("logical drive %u '%s': RAID %u, %s, %" G_GUINT64_FORMAT
                   " bytes, strip %u bytes, serial %s, naa %016"
                   G_GINT64_MODIFIER "x\n", ld->id, ld->name, ld->level,
                   ld_states[ld->state], sraid_geometry_capacity(&g) * SECTOR,
                   ld->strip_sectors * SECTOR, ld->serial, ld->naa);
            if (prs->best[l].found) {
                const SraidPrState *p = &prs->best[l].st;
                g_autofree char *h = p->type ? pr_tid_str(&p->holder.initiator)
                                             : NULL;

                printf("  persistent reservations stored (generation %"
                       G_GUINT64_FORMAT "): APTPL %d, %u registrations, ",
                       prs->best[l].generation, p->aptpl, p->nregs);
                if (p->type) {
                    printf("type %u held by %s (key 0x%" G_GINT64_MODIFIER
                           "x)\n", p->type, h, pr_holder_key(p));
                } else {
                    printf("no reservation\n");
                }
            }
        }
    }
    sraid_disk_status_clear(st, ds.n);
    disks_close(&ds);
    return 0;

fail:
    fprintf(stderr, "sraid-img info: %s\n", err->message);
    if (st) {
        sraid_disk_status_clear(st, ds.n);
    }
    disks_close(&ds);
    return 1;
}

/* Scan one LD's stripes: parity or mirror copies must agree. */
static unsigned check_ld(Disks *ds, const SraidCodLd *ld,
                         const int *disk_of_member)
{
    SraidGeometry g;
    size_t len = ld->strip_sectors * SECTOR;
    uint8_t *blocks[SRAID_MAX_MEMBERS];
    unsigned bad = 0;

    sraid_geometry_init(&g, ld->level, ld->nmembers, ld->strip_sectors,
                        ld->member_sectors, NULL);
    if (ld->level == SRAID_RAID0) {
        return 0;       /* no redundancy to check */
    }
    for (unsigned i = 0; i < ld->nmembers; i++) {
        blocks[i] = sraid_parity_alloc(len);
    }
    for (uint64_t s = 0; s < g.stripes; s++) {
        uint64_t off = (ld->start + s * ld->strip_sectors) * SECTOR;
        gboolean ok = TRUE;
        uint8_t *order[SRAID_MAX_MEMBERS];

        for (unsigned i = 0; i < ld->nmembers; i++) {
            disk_pread(ds, disk_of_member[ld->members[i]], off, blocks[i],
                       len);
        }
        switch (ld->level) {
        case SRAID_RAID1:
            for (unsigned i = 1; i < ld->nmembers; i++) {
                ok &= !memcmp(blocks[0], blocks[i], len);
            }
            break;
        case SRAID_RAID10:
            for (unsigned i = 0; i < ld->nmembers; i += 2) {
                ok &= !memcmp(blocks[i], blocks[i + 1], len);
            }
            break;
        default:
            for (unsigned d = 0; d < g.data_strips; d++) {
                order[d] = blocks[sraid_geometry_data_member(&g, s, d)];
            }
            order[g.data_strips] = blocks[sraid_geometry_p_member(&g, s)];
            if (g.parity_strips == 2) {
                order[g.data_strips + 1] =
                    blocks[sraid_geometry_q_member(&g, s)];
            }
            ok = sraid_parity_check(g.data_strips, g.parity_strips, order,
                                    len);
            break;
        }
        if (!ok) {
            printf("logical drive %u: stripe %" G_GUINT64_FORMAT
                   " inconsistent (member offset %" G_GUINT64_FORMAT ")\n",
                   ld->id, s, off);
            bad++;
        }
    }
    for (unsigned i = 0; i < ld->nmembers; i++) {
        sraid_parity_free(blocks[i]);
    }
    return bad;
}

static int cmd_check(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree SraidDiskStatus *st = NULL;
    int disk_of_member[SRAID_MAX_MEMBERS];
    SraidCod cod;
    Disks ds = { 0 };
    unsigned bad = 0;

    if (argc < 2) {
        fprintf(stderr, "sraid-img check: usage: check FILE...\n");
        return 1;
    }
    if (!disks_open(&ds, argv + 1, argc - 1, FALSE, &err)) {
        goto fail;
    }
    st = g_new0(SraidDiskStatus, ds.n);
    if (!load(&ds, &cod, st, &err)) {
        goto fail;
    }
    if (!map_members(&ds, st, disk_of_member, &cod, &err)) {
        goto fail;
    }
    for (unsigned l = 0; l < cod.nlds; l++) {
        for (unsigned i = 0; i < cod.lds[l].nmembers; i++) {
            if (disk_of_member[cod.lds[l].members[i]] < 0) {
                g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                            "member %u of logical drive %u is not among the"
                            " files given (or is stale)",
                            cod.lds[l].members[i], cod.lds[l].id);
                goto fail;
            }
        }
        bad += check_ld(&ds, &cod.lds[l], disk_of_member);
    }
    printf("%s: %u inconsistent stripe%s\n",
           bad ? "INCONSISTENT" : "consistent", bad, bad == 1 ? "" : "s");
    sraid_disk_status_clear(st, ds.n);
    disks_close(&ds);
    return bad ? 2 : 0;

fail:
    fprintf(stderr, "sraid-img check: %s\n", err->message);
    if (st) {
        sraid_disk_status_clear(st, ds.n);
    }
    disks_close(&ds);
    return 1;
}

/* LD member I/O onto the disk files; member -> disk through @map. */
typedef struct LdFiles {
    Disks *ds;
    int map[SRAID_MAX_MEMBERS];
} LdFiles;

static int ld_pread(void *opaque, unsigned m, uint64_t sector, void *buf,
                    uint32_t n)
{
    LdFiles *lf = opaque;

    if (lf->map[m] < 0) {
        return -ENODEV;
    }
    return disk_pread(lf->ds, lf->map[m], sector * SECTOR, buf,
                      (size_t)n * SECTOR);
}

static int ld_pwrite(void *opaque, unsigned m, uint64_t sector,
                     const void *buf, uint32_t n)
{
    LdFiles *lf = opaque;

    if (lf->map[m] < 0) {
        return -ENODEV;
    }
    return disk_pwrite(lf->ds, lf->map[m], sector * SECTOR, buf,
                       (size_t)n * SECTOR);
}

/*
 * Open logical drive 0 of the array on the files given: members that are
 * absent, stale or failed are treated as failed, so reads reconstruct.
 */
static gboolean ld_open(Disks *ds, gboolean write, SraidLd *ld, LdFiles *lf,
                        GError **errp)
{
    g_autofree SraidDiskStatus *st = g_new0(SraidDiskStatus, ds->n);
    SraidCod cod;
    SraidCodLd *cl;
    SraidGeometry g;
    SraidLdIo io = { .pread = ld_pread, .pwrite = ld_pwrite, .opaque = lf };
    uint32_t failed = 0;
    int disk_of_member[SRAID_MAX_MEMBERS];
    gboolean newly_failed = FALSE;

    if (!load(ds, &cod, st, errp)) {
        return FALSE;
    }
    if (!map_members(ds, st, disk_of_member, &cod, errp)) {
        sraid_disk_status_clear(st, ds->n);
        return FALSE;
    }
    sraid_disk_status_clear(st, ds->n);
    if (cod.nlds == 0) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "the array has no logical drive");
        return FALSE;
    }
    cl = &cod.lds[0];
    sraid_geometry_init(&g, cl->level, cl->nmembers, cl->strip_sectors,
                        cl->member_sectors, NULL);
    lf->ds = ds;
    for (unsigned i = 0; i < cl->nmembers; i++) {
        unsigned m = cl->members[i];

        lf->map[i] = disk_of_member[m];
        if (lf->map[i] < 0 || cod.members[m].state != SRAID_MEMBER_ONLINE) {
            failed |= 1u << i;
            if (cod.members[m].state == SRAID_MEMBER_ONLINE) {
                cod.members[m].state = SRAID_MEMBER_FAILED;
                newly_failed = TRUE;
            }
        }
    }
    sraid_ld_init(ld, &g, cl->start, failed, &io);
    if (!sraid_ld_usable(ld)) {
        g_set_error(errp, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "logical drive %u cannot be read: %u of its %u members"
                    " are missing or failed (RAID %u survives %u)", cl->id,
                    __builtin_popcount(failed), cl->nmembers, cl->level,
                    sraid_geometry_redundancy(&g));
        sraid_ld_cleanup(ld);
        return FALSE;
    }
    /*
     * Writing without a member makes that member stale: record it as
     * failed first, or its old data would be trusted when it comes back.
     */
    if (write && newly_failed && sraid_ld_usable(ld)) {
        SraidMemberIo mio = disks_io(ds);

        cl->state = SRAID_LD_DEGRADED;
        if (!sraid_cod_store(&mio, &cod, disk_of_member, ds->bytes, errp)) {
            sraid_ld_cleanup(ld);
            return FALSE;
        }
    }
    if (failed) {
        fprintf(stderr, "sraid-img: logical drive %u is degraded (%u"
                " member%s missing or failed)%s\n", cl->id,
                __builtin_popcount(failed),
                __builtin_popcount(failed) == 1 ? "" : "s",
                write ? "; writing keeps parity for the others" :
                        "; reconstructing");
    }
    return TRUE;
}

#define CHUNK_SECTORS 2048      /* 1 MiB per request */

static int cmd_copy(int argc, char **argv, gboolean to_ld)
{
    g_autofree char *path = NULL;
    GOptionEntry entries[] = {
        { to_ld ? "input" : "output", to_ld ? 'i' : 'o', 0,
          G_OPTION_ARG_FILENAME, &path,
          to_ld ? "raw file to write into the logical drive"
                : "raw file to write the logical drive to", "FILE" },
        { NULL },
    };
    const char *cmd = to_ld ? "import" : "export";
    g_autoptr(GOptionContext) ctx = g_option_context_new("MEMBER-FILE...");
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *buf = g_malloc(CHUNK_SECTORS * SECTOR);
    Disks ds = { 0 };
    LdFiles lf;
    SraidLd ld;
    gboolean ld_open_ok = FALSE;
    uint64_t cap, total;
    int fd = -1;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        goto fail;
    }
    if (!path || argc < 2) {
        g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "usage: %s %s FILE MEMBER-FILE...", cmd,
                    to_ld ? "-i" : "-o");
        goto fail;
    }
    if (!disks_open(&ds, argv + 1, argc - 1, to_ld, &err) ||
        !ld_open(&ds, to_ld, &ld, &lf, &err)) {
        goto fail;
    }
    ld_open_ok = TRUE;
    cap = sraid_geometry_capacity(&ld.g);
    fd = to_ld ? open(path, O_RDONLY) : open(path, O_WRONLY | O_CREAT |
                                                    O_TRUNC, 0644);
    if (fd < 0) {
        g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID, "%s: %s", path,
                    g_strerror(errno));
        goto fail;
    }
    total = cap;
    if (to_ld) {
        off_t size = lseek(fd, 0, SEEK_END);

        if (size < 0 || (uint64_t)size > cap * SECTOR) {
            g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "%s is larger than the logical drive (%"
                        G_GUINT64_FORMAT " bytes)", path, cap * SECTOR);
            goto fail;
        }
        total = ((uint64_t)size + SECTOR - 1) / SECTOR;
    }
    for (uint64_t lba = 0; lba < total; lba += CHUNK_SECTORS) {
        uint64_t n = MIN(CHUNK_SECTORS, total - lba);
        int ret;

        if (to_ld) {
            memset(buf, 0, n * SECTOR);
            if (pread(fd, buf, n * SECTOR, lba * SECTOR) < 0) {
                ret = -errno;
            } else {
                ret = sraid_ld_write(&ld, lba, n, buf, 0);
            }
        } else {
            ret = sraid_ld_read(&ld, lba, n, buf);
            if (ret == 0 && pwrite(fd, buf, n * SECTOR, lba * SECTOR) !=
                (ssize_t)(n * SECTOR)) {
                ret = -errno;
            }
        }
        if (ret < 0) {
            g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "at sector %" G_GUINT64_FORMAT ": %s", lba,
                        g_strerror(-ret));
            goto fail;
        }
    }
    if (to_ld) {
        for (unsigned d = 0; d < ds.n; d++) {
            disk_flush(&ds, d);
        }
    }
    printf("%s: %" G_GUINT64_FORMAT " bytes\n", cmd, total * SECTOR);
    close(fd);
    sraid_ld_cleanup(&ld);
    disks_close(&ds);
    return 0;

fail:
    fprintf(stderr, "sraid-img %s: %s\n", cmd, err->message);
    if (fd >= 0) {
        close(fd);
    }
    if (ld_open_ok) {
        sraid_ld_cleanup(&ld);
    }
    disks_close(&ds);
    return 1;
}

/*
 * Make every stripe of logical drive 0 consistent: parity recomputed from
 * the data strips, mirror copies from the first copy.  Needs all members.
 */
static int cmd_repair(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *buf = NULL;
    Disks ds = { 0 };
    LdFiles lf;
    SraidLd ld;
    uint64_t stripe_sectors, cap;

    if (argc < 2) {
        fprintf(stderr, "sraid-img repair: usage: repair FILE...\n");
        return 1;
    }
    if (!disks_open(&ds, argv + 1, argc - 1, TRUE, &err) ||
        !ld_open(&ds, FALSE, &ld, &lf, &err)) {
        goto fail;
    }
    if (ld.failed) {
        sraid_ld_cleanup(&ld);
        g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                    "repair needs every member: a missing one would be"
                    " rebuilt from possibly inconsistent parity");
        goto fail;
    }
    /* rewriting whole stripes recomputes P/Q and every mirror copy */
    stripe_sectors = (uint64_t)ld.g.strip_sectors * ld.g.data_strips;
    cap = sraid_geometry_capacity(&ld.g);
    buf = g_malloc(stripe_sectors * SECTOR);
    for (uint64_t lba = 0; lba < cap; lba += stripe_sectors) {
        if (sraid_ld_read(&ld, lba, stripe_sectors, buf) < 0 ||
            sraid_ld_write(&ld, lba, stripe_sectors, buf, 0) < 0) {
            sraid_ld_cleanup(&ld);
            g_set_error(&err, SRAID_ERROR, SRAID_ERROR_INVALID,
                        "I/O error at sector %" G_GUINT64_FORMAT, lba);
            goto fail;
        }
    }
    for (unsigned d = 0; d < ds.n; d++) {
        disk_flush(&ds, d);
    }
    printf("repaired %" G_GUINT64_FORMAT " stripes\n", ld.g.stripes);
    sraid_ld_cleanup(&ld);
    disks_close(&ds);
    return 0;

fail:
    fprintf(stderr, "sraid-img repair: %s\n", err->message);
    disks_close(&ds);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sraid-img create|info|check|export|import|"
                "repair ...\n");
        return 1;
    }
    if (!strcmp(argv[1], "create")) {
        return cmd_create(argc - 1, argv + 1);
    } else if (!strcmp(argv[1], "info")) {
        return cmd_info(argc - 1, argv + 1);
    } else if (!strcmp(argv[1], "check")) {
        return cmd_check(argc - 1, argv + 1);
    } else if (!strcmp(argv[1], "export")) {
        return cmd_copy(argc - 1, argv + 1, FALSE);
    } else if (!strcmp(argv[1], "import")) {
        return cmd_copy(argc - 1, argv + 1, TRUE);
    } else if (!strcmp(argv[1], "repair")) {
        return cmd_repair(argc - 1, argv + 1);
    }
    fprintf(stderr, "sraid-img: unknown command '%s': use create, info,"
            " check, export, import or repair\n", argv[1]);
    return 1;
}
