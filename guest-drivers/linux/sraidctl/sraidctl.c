/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraidctl: manage an sraid controller from inside the guest, through the
 * SCSI generic driver (SG_IO) of an unmodified Linux kernel: the guest
 * management commands (DCMDs 80h-BFh of opcode 20h) to the controller's
 * own unit, the storage array device (peripheral type 0Ch) the guest sees.
 * The codec is the firmware core's (hw/scsi/sraid/mgmt-cmd.c), compiled
 * in, so both sides read the same bytes the same way.  docs/sraidctl.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <scsi/sg.h>

#include "mgmt-cmd.h"
#include "scsi-proto.h"

/* Exit codes (docs/sraidctl.md) */
enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,
    EXIT_NO_DEVICE = 2,         /* no controller, or SG_IO failed */
    EXIT_REFUSED = 3,           /* CHECK CONDITION, the sense named */
    EXIT_NOT_PERMITTED = 4,     /* guest-management does not allow it */
    EXIT_NOT_MASTER = 5,        /* run it on the master */
};

#define SENSE_LEN       32
#define TIMEOUT_MS      (120 * 1000)

static const char *prog = "sraidctl";
static bool json;

static const char *const node_states[] = {
    "none", "master", "new-slave", "diagnosed-slave", "restarted-slave",
    "failed-slave", "nexus-slave", "active-slave", "killed-slave",
};
static const char *const node_infos[] = {
    "none", "starting-up", "waiting-for-negotiations", "negotiating",
    "failed-diagnostics", "timed-out-on-negotiations",
    "changing-configuration", "failed-communications-test",
    "completed-startup", "rebuilding",
};
static const char *const member_states[] = {
    "online", "failed", "rebuilding", "spare", "missing",
};
static const char *const ld_states[] = { "optimal", "degraded", "offline" };
static const char *const bg_ops[] = { "idle", "rebuild", "check" };
static const char *const check_results[] = {
    "none", "running", "done", "cancelled", "degraded",
};
static const char *const perms[] = { "off", "read", "full" };

#define NAME(tab, i) ((unsigned)(i) < sizeof(tab) / sizeof(tab[0]) ? \
                      tab[i] : "unknown")

static void die(int code, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

static void usage(void)
{
    fprintf(stderr,
"usage: %s [-d /dev/sgN] [--json] COMMAND [ARGS]\n"
"  show                      the controller and its cluster\n"
"  pd                        physical drives\n"
"  ld                        logical drives\n"
"  ops                       rebuild or consistency check in progress\n"
"  create-ld -l LEVEL [-s STRIP] [-S SIZE] [-n NAME] CH:TGT...\n"
"  delete-ld LD\n"
"  add-spare CH:TGT\n"
"  remove-spare MEMBER\n"
"  rebuild MEMBER            rebuild a failed member onto a hot spare\n"
"  check LD [--repair]       consistency check\n", prog);
    exit(EXIT_USAGE);
}

/* ---- finding the controller ---- */

static bool read_attr(const char *dir, const char *name, char *buf,
                      size_t len)
{
    char path[512];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f) {
        return false;
    }
    n = fread(buf, 1, len - 1, f);
    fclose(f);
    /* sysfs pads vendor and model with spaces */
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) {
        n--;
    }
    buf[n] = 0;
    return true;
}

/* The first storage array device of sraid: /dev/sgN into @dev */
static bool find_controller(char *dev, size_t len)
{
    DIR *d = opendir("/sys/class/scsi_generic");
    struct dirent *e;
    bool found = false;

    if (!d) {
        return false;
    }
    while (!found && (e = readdir(d))) {
        char dir[300], type[16], vendor[32], model[32];

        if (strncmp(e->d_name, "sg", 2)) {
            continue;
        }
        snprintf(dir, sizeof(dir), "/sys/class/scsi_generic/%s/device",
                 e->d_name);
        if (read_attr(dir, "type", type, sizeof(type)) &&
            atoi(type) == SRAID_TYPE_STORAGE_ARRAY &&
            read_attr(dir, "vendor", vendor, sizeof(vendor)) &&
            !strcmp(vendor, "SRAID") &&
            read_attr(dir, "model", model, sizeof(model)) &&
            !strcmp(model, "CLUSTER RAID")) {
            snprintf(dev, len, "/dev/%s", e->d_name);
            found = true;
        }
    }
    closedir(d);
    return found;
}

/* ---- SG_IO ---- */

/* Send management DCMD @dcmd; data-in for reads, @out for writes */
static int mgmt_cmd(int fd, uint8_t dcmd, uint8_t *buf, size_t len,
                    size_t *got)
{
    uint8_t cdb[SRAID_VENDOR_CDB_LEN];
    uint8_t sense[SENSE_LEN] = { 0 };
    bool write = sraid_mgmt_dcmd_is_write(dcmd);
    sg_io_hdr_t io = {
        .interface_id = 'S',
        .cmd_len = sizeof(cdb),
        .cmdp = cdb,
        .mx_sb_len = sizeof(sense),
        .sbp = sense,
        .dxferp = buf,
        .dxfer_len = len,
        .dxfer_direction = !len ? SG_DXFER_NONE
                         : write ? SG_DXFER_TO_DEV : SG_DXFER_FROM_DEV,
        .timeout = TIMEOUT_MS,
    };
    uint8_t key, asc, ascq;
    const char *name;

    if (!sraid_mgmt_cdb(dcmd, len, cdb)) {
        die(EXIT_USAGE, "DCMD %02xh cannot be built", dcmd);
    }
    /*
     * A unit attention (power on, reset, a changed configuration) ends
     * the command without executing it (SAM-5 5.14): report it once, as
     * an initiator does, and send the command again.
     */
    for (int tries = 0; tries < 4; tries++) {
        if (ioctl(fd, SG_IO, &io) < 0) {
            die(EXIT_NO_DEVICE, "SG_IO: %s", strerror(errno));
        }
        if (io.status != SRAID_STATUS_CHECK_CONDITION || io.sb_len_wr < 3 ||
            (sense[2] & 0xf) != SRAID_SENSE_UNIT_ATTENTION) {
            break;
        }
    }
    if (io.host_status || io.driver_status & ~0x08) {
        die(EXIT_NO_DEVICE, "DCMD %02xh: host status 0x%x, driver status"
            " 0x%x", dcmd, io.host_status, io.driver_status);
    }
    if (io.status == SRAID_STATUS_GOOD) {
        if (got) {
            *got = len - io.resid;
        }
        return EXIT_OK;
    }
    if (io.status != SRAID_STATUS_CHECK_CONDITION || io.sb_len_wr < 14) {
        die(EXIT_REFUSED, "DCMD %02xh: status 0x%02x", dcmd, io.status);
    }
    key = sense[2] & 0xf;
    asc = sense[12];
    ascq = sense[13];
    name = sraid_mgmt_sense_name(key, asc, ascq);
    if (key == SRAID_SENSE_ILLEGAL_REQUEST && asc == 0x80 &&
        ascq == SRAID_ASCQ_MGMT_NOT_MASTER) {
        if (sense[0] & 0x80) {
            die(EXIT_NOT_MASTER, "not the master: run it on node %u"
                " (sense %x/%02x/%02x)", sraid_get_be32(sense + 3), key, asc,
                ascq);
        }
        die(EXIT_NOT_MASTER, "not the master, and no master known now"
            " (sense %x/%02x/%02x)", key, asc, ascq);
    }
    if (key == SRAID_SENSE_ILLEGAL_REQUEST && asc == 0x80 &&
        ascq == SRAID_ASCQ_MGMT_NOT_PERMITTED) {
        die(EXIT_NOT_PERMITTED, "%s (sense %x/%02x/%02x): the host allows"
            " %s", name, key, asc, ascq,
            sraid_mgmt_dcmd_is_write(dcmd) ? "no changes" : "nothing");
    }
    if (io.sb_len_wr >= 18 && (sense[15] & 0x80)) {
        die(EXIT_REFUSED, "%s (sense %x/%02x/%02x), %s byte %u%s",
            name ? name : "refused", key, asc, ascq,
            sense[15] & 0x40 ? "CDB" : "parameter list",
            sraid_get_be16(sense + 16),
            sense[15] & 0x08 ? " (bit pointer)" : "");
    }
    die(EXIT_REFUSED, "%s (sense %x/%02x/%02x)", name ? name : "refused",
        key, asc, ascq);
    return EXIT_REFUSED;
}

/* A read structure: the header first says how long it is */
static size_t mgmt_read(int fd, uint8_t dcmd, uint8_t *buf)
{
    size_t got = 0, len;

    mgmt_cmd(fd, dcmd, buf, SRAID_MGMT_MAX_DATA_IN, &got);
    if (got < SRAID_MGMT_HDR_LEN) {
        die(EXIT_NO_DEVICE, "DCMD %02xh: %zu bytes of data", dcmd, got);
    }
    len = SRAID_MGMT_HDR_LEN + sraid_get_be16(buf + 2);
    if (len > got) {
        die(EXIT_NO_DEVICE, "DCMD %02xh: %zu of %zu bytes", dcmd, got, len);
    }
    return len;
}

static void bad_data(uint8_t dcmd, const SraidParamError *err)
{
    die(EXIT_NO_DEVICE, "DCMD %02xh: unexpected data at byte %u: %s", dcmd,
        err->offset, err->what);
}

/* ---- views ---- */

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", p[i]);
    }
}

static int cmd_show(int fd)
{
    static uint8_t buf[SRAID_MGMT_MAX_DATA_IN];
    SraidMgmtCtrlInfo c;
    SraidParamError err;
    size_t len = mgmt_read(fd, SRAID_DCMD_MGMT_CTRL_INFO, buf);
    char guid[33];

    if (!sraid_mgmt_ctrl_decode(buf, len, &c, &err)) {
        bad_data(SRAID_DCMD_MGMT_CTRL_INFO, &err);
    }
    hex(c.array_guid, 16, guid);
    if (json) {
        printf("{\"node\": %u, \"state\": \"%s\", \"info\": \"%s\", ",
               c.node_id, NAME(node_states, c.state),
               NAME(node_infos, c.info));
        if (c.master != SRAID_NODE_NONE) {
            printf("\"master\": %u, ", c.master);
        }
        printf("\"cluster\": %s, \"suspended\": %s, \"booting\": %s, "
               "\"management\": \"%s\", \"channels\": %u, "
               "\"connected-channels\": %u, \"epoch\": %llu, ",
               c.flags & SRAID_MGMT_CTRL_CLUSTER ? "true" : "false",
               c.flags & SRAID_MGMT_CTRL_SUSPENDED ? "true" : "false",
               c.flags & SRAID_MGMT_CTRL_BOOTING ? "true" : "false",
               NAME(perms, c.perm), c.channels, c.connected_channels,
               (unsigned long long)c.epoch);
        if (c.flags & SRAID_MGMT_CTRL_ARRAY) {
            printf("\"array\": {\"name\": \"%s\", \"guid\": \"%s\", "
                   "\"generation\": %llu, \"members\": %u, \"lds\": %u}, ",
                   c.array_name, guid, (unsigned long long)c.generation,
                   c.nmembers, c.nlds);
        }
        printf("\"nodes\": [");
        for (unsigned i = 0; i < c.nnodes; i++) {
            printf("%s{\"node\": %u, \"state\": \"%s\", \"info\": \"%s\", "
                   "\"channels\": %u, \"heartbeat-misses\": %u}",
                   i ? ", " : "", c.nodes[i].node,
                   NAME(node_states, c.nodes[i].state),
                   NAME(node_infos, c.nodes[i].info), c.nodes[i].channels,
                   c.nodes[i].heartbeat_misses);
        }
        printf("]}\n");
        return EXIT_OK;
    }
    printf("node %u: %s, %s%s%s\n", c.node_id, NAME(node_states, c.state),
           NAME(node_infos, c.info),
           c.flags & SRAID_MGMT_CTRL_SUSPENDED ? ", SUSPENDED" : "",
           c.flags & SRAID_MGMT_CTRL_BOOTING ? ", booting" : "");
    if (!(c.flags & SRAID_MGMT_CTRL_CLUSTER)) {
        printf("cluster: none (not on a bus)\n");
    } else if (c.master == SRAID_NODE_NONE) {
        printf("cluster: no master now (epoch %llu)\n",
               (unsigned long long)c.epoch);
    } else {
        printf("cluster: master node %u (epoch %llu)\n", c.master,
               (unsigned long long)c.epoch);
    }
    printf("guest management: %s\n", NAME(perms, c.perm));
    if (c.flags & SRAID_MGMT_CTRL_ARRAY) {
        printf("array %s (%s): generation %llu, %u members, %u logical"
               " drives\n", c.array_name, guid,
               (unsigned long long)c.generation, c.nmembers, c.nlds);
    } else {
        printf("array: none\n");
    }
    for (unsigned i = 0; i < c.nnodes; i++) {
        printf("  node %2u  %-16s %-26s channels 0x%x%s%s\n",
               c.nodes[i].node, NAME(node_states, c.nodes[i].state),
               NAME(node_infos, c.nodes[i].info), c.nodes[i].channels,
               c.nodes[i].flags & SRAID_MGMT_NODE_SELF ? "  (this node)" : "",
               c.nodes[i].flags & SRAID_MGMT_NODE_MASTER ? "  (master)" : "");
    }
    return EXIT_OK;
}

static int cmd_pd(int fd)
{
    static uint8_t buf[SRAID_MGMT_MAX_DATA_IN];
    static SraidMgmtPdList l;
    SraidParamError err;
    size_t len = mgmt_read(fd, SRAID_DCMD_MGMT_PD_LIST, buf);

    if (!sraid_mgmt_pd_decode(buf, len, &l, &err)) {
        bad_data(SRAID_DCMD_MGMT_PD_LIST, &err);
    }
    if (json) {
        printf("[");
    } else {
        printf("CH TGT MEMBER STATE       SIZE(MiB)  PRESENT\n");
    }
    for (unsigned i = 0; i < l.n; i++) {
        const SraidMgmtPd *p = &l.pd[i];
        bool member = p->member != SRAID_MGMT_NONE;

        if (json) {
            printf("%s{\"channel\": %u, \"target\": %u, ", i ? ", " : "",
                   p->channel, p->target);
            if (member) {
                printf("\"member\": %u, \"state\": \"%s\", "
                       "\"rebuild-checkpoint\": %llu, ", p->member,
                       NAME(member_states, p->state),
                       (unsigned long long)p->checkpoint);
            }
            printf("\"size\": %llu, \"present\": %s, \"cable-cut\": %s}",
                   (unsigned long long)p->size,
                   p->flags & SRAID_MGMT_PD_PRESENT ? "true" : "false",
                   p->flags & SRAID_MGMT_PD_CABLE_CUT ? "true" : "false");
            continue;
        }
        printf("%2u %3u ", p->channel, p->target);
        if (member) {
            printf("%6u %-11s", p->member, NAME(member_states, p->state));
        } else {
            printf("%6s %-11s", "-", "unused");
        }
        printf(" %9llu  %s%s\n", (unsigned long long)(p->size >> 20),
               p->flags & SRAID_MGMT_PD_PRESENT ? "yes" : "no",
               p->flags & SRAID_MGMT_PD_CABLE_CUT ? " (cable cut)" : "");
    }
    if (json) {
        printf("]\n");
    }
    return EXIT_OK;
}

static int cmd_ld(int fd)
{
    static uint8_t buf[SRAID_MGMT_MAX_DATA_IN];
    static SraidMgmtLdList l;
    SraidParamError err;
    size_t len = mgmt_read(fd, SRAID_DCMD_MGMT_LD_LIST, buf);

    if (!sraid_mgmt_ld_decode(buf, len, &l, &err)) {
        bad_data(SRAID_DCMD_MGMT_LD_LIST, &err);
    }
    if (json) {
        printf("[");
    } else {
        printf("ID NAME             RAID STATE     SIZE(MiB) STRIP(KiB)"
               " NAA              MEMBERS\n");
    }
    for (unsigned i = 0; i < l.n; i++) {
        const SraidMgmtLd *d = &l.ld[i];

        if (json) {
            printf("%s{\"id\": %u, \"name\": \"%s\", \"level\": %u, "
                   "\"state\": \"%s\", \"size\": %llu, \"strip-size\": %u, "
                   "\"serial\": \"%s\", \"naa\": \"%016llx\", "
                   "\"reservations-ready\": %s, \"members\": [",
                   i ? ", " : "", d->id, d->name, d->level,
                   NAME(ld_states, d->state),
                   (unsigned long long)d->sectors * 512,
                   d->strip_sectors * 512, d->serial,
                   (unsigned long long)d->naa,
                   d->flags & SRAID_MGMT_LD_RESV_READY ? "true" : "false");
            for (unsigned k = 0; k < d->nmembers; k++) {
                printf("%s%u", k ? ", " : "", d->members[k]);
            }
            printf("]}");
            continue;
        }
        printf("%2u %-16s %4u %-9s %9llu %10u %016llx ", d->id, d->name,
               d->level, NAME(ld_states, d->state),
               (unsigned long long)(d->sectors >> 11),
               d->strip_sectors / 2, (unsigned long long)d->naa);
        for (unsigned k = 0; k < d->nmembers; k++) {
            printf("%s%u", k ? "," : "", d->members[k]);
        }
        printf("\n");
    }
    if (json) {
        printf("]\n");
    }
    return EXIT_OK;
}

static int cmd_ops(int fd)
{
    uint8_t buf[SRAID_MGMT_MAX_DATA_IN];
    SraidMgmtBg o;
    SraidParamError err;
    size_t len = mgmt_read(fd, SRAID_DCMD_MGMT_BG_INFO, buf);

    if (!sraid_mgmt_bg_decode(buf, len, &o, &err)) {
        bad_data(SRAID_DCMD_MGMT_BG_INFO, &err);
    }
    if (json) {
        printf("{\"operation\": \"%s\", ", NAME(bg_ops, o.op));
        if (o.member != SRAID_MGMT_NONE) {
            printf("\"member\": %u, ", o.member);
        }
        if (o.ld != SRAID_MGMT_NONE) {
            printf("\"ld\": %u, ", o.ld);
        }
        printf("\"done\": %llu, \"total\": %llu, \"rate\": %u, "
               "\"check-result\": \"%s\", \"repair\": %s, "
               "\"mismatches\": %llu, \"repaired\": %llu}\n",
               (unsigned long long)o.done, (unsigned long long)o.total,
               o.rate, NAME(check_results, o.check_result),
               o.flags & SRAID_MGMT_OPS_REPAIR ? "true" : "false",
               (unsigned long long)o.mismatches,
               (unsigned long long)o.repaired);
        return EXIT_OK;
    }
    switch (o.op) {
    case SRAID_MGMT_OP_REBUILD:
        printf("rebuilding member %u: %llu/%llu sectors (%llu%%), rate %u%%\n",
               o.member, (unsigned long long)o.done,
               (unsigned long long)o.total,
               o.total ? (unsigned long long)(o.done * 100 / o.total) : 0,
               o.rate);
        break;
    case SRAID_MGMT_OP_CHECK:
        printf("checking logical drive %u%s: %llu/%llu stripes, rate %u%%\n",
               o.ld, o.flags & SRAID_MGMT_OPS_REPAIR ? " (repair)" : "",
               (unsigned long long)o.done, (unsigned long long)o.total,
               o.rate);
        break;
    default:
        printf("idle (rate %u%%)\n", o.rate);
        break;
    }
    if (o.check_result && o.op != SRAID_MGMT_OP_CHECK) {
        printf("last check of logical drive %u: %s, %llu mismatches, %llu"
               " repaired\n", o.ld, NAME(check_results, o.check_result),
               (unsigned long long)o.mismatches,
               (unsigned long long)o.repaired);
    }
    return EXIT_OK;
}

/* ---- changes ---- */

/* A decimal number, optionally with K, M or G (powers of 1024) */
static unsigned long long number(const char *s, const char *what,
                                 unsigned long long max)
{
    unsigned long long v = 0;
    unsigned shift = 0;
    const char *p = s;

    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (max - (*p - '0')) / 10) {
            goto bad;
        }
        v = v * 10 + (*p - '0');
    }
    switch (*p) {
    case 'k': case 'K':
        shift = 10;
        break;
    case 'm': case 'M':
        shift = 20;
        break;
    case 'g': case 'G':
        shift = 30;
        break;
    }
    if (shift) {
        p++;
        if (v > max >> shift) {
            goto bad;
        }
        v <<= shift;
    }
    if (p == s || *p) {
        goto bad;
    }
    return v;
bad:
    die(EXIT_USAGE, "%s '%s' is not a number up to %llu", what, s, max);
    return 0;
}

static SraidMgmtDrive drive(const char *s)
{
    unsigned c, t;
    char extra;

    if (sscanf(s, "%u:%u%c", &c, &t, &extra) != 2 ||
        c >= SRAID_CHANNEL_MAX || t >= SRAID_TARGET_MAX) {
        die(EXIT_USAGE, "drive '%s': give CHANNEL:TARGET (0-3:0-15)", s);
    }
    return (SraidMgmtDrive) { c, t };
}

static int write_cmd(int fd, const SraidMgmtWrite *w, const char *done)
{
    uint8_t buf[SRAID_MGMT_CREATE_MAX_LEN];
    size_t len = sraid_mgmt_write_encode(w, buf);
    int ret = mgmt_cmd(fd, w->dcmd, buf, len, NULL);

    if (json) {
        printf("{\"ok\": true}\n");
    } else {
        printf("%s\n", done);
    }
    return ret;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "device", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { "level", required_argument, NULL, 'l' },
        { "strip-size", required_argument, NULL, 's' },
        { "size", required_argument, NULL, 'S' },
        { "name", required_argument, NULL, 'n' },
        { "repair", no_argument, NULL, 'r' },
        { NULL, 0, NULL, 0 },
    };
    SraidMgmtWrite w = { 0 };
    char dev[300] = "";
    const char *cmd;
    bool have_level = false;
    int opt, fd;

    /* the tool's options, up to the command */
    while ((opt = getopt_long(argc, argv, "+d:jhl:s:S:n:r", longopts,
                              NULL)) != -1) {
        switch (opt) {
        case 'd':
            snprintf(dev, sizeof(dev), "%s", optarg);
            break;
        case 'j':
            json = true;
            break;
        default:
            usage();
        }
    }
    if (optind >= argc) {
        usage();
    }
    cmd = argv[optind];
    /*
     * The command's own options, before or after its arguments: parse
     * the rest as its own argument vector (the command as argv[0]);
     * optind 0 makes getopt start over, permuting this time.
     */
    argv += optind;
    argc -= optind;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "jl:s:S:n:r", longopts,
                              NULL)) != -1) {
        switch (opt) {
        case 'j':
            json = true;
            break;
        case 'l':
            w.level = number(optarg, "level", 10);
            have_level = true;
            break;
        case 's':
            w.strip_bytes = number(optarg, "strip size", 1 << 20);
            break;
        case 'S':
            w.size = number(optarg, "size", UINT64_MAX);
            break;
        case 'n':
            if (strlen(optarg) > SRAID_MGMT_NAME_LEN) {
                die(EXIT_USAGE, "name '%s' is longer than %u characters",
                    optarg, SRAID_MGMT_NAME_LEN);
            }
            strcpy(w.name, optarg);
            break;
        case 'r':
            w.repair = true;
            break;
        default:
            usage();
        }
    }
    if (!dev[0] && !find_controller(dev, sizeof(dev))) {
        die(EXIT_NO_DEVICE, "no sraid controller found in"
            " /sys/class/scsi_generic (is the sg module loaded?); give"
            " -d /dev/sgN");
    }
    fd = open(dev, O_RDWR);
    if (fd < 0) {
        die(EXIT_NO_DEVICE, "%s: %s", dev, strerror(errno));
    }

    if (!strcmp(cmd, "show")) {
        return cmd_show(fd);
    } else if (!strcmp(cmd, "pd")) {
        return cmd_pd(fd);
    } else if (!strcmp(cmd, "ld")) {
        return cmd_ld(fd);
    } else if (!strcmp(cmd, "ops")) {
        return cmd_ops(fd);
    } else if (!strcmp(cmd, "create-ld")) {
        if (!have_level || optind >= argc) {
            die(EXIT_USAGE, "create-ld needs -l LEVEL and drives"
                " CHANNEL:TARGET");
        }
        w.dcmd = SRAID_DCMD_MGMT_CREATE_LD;
        for (; optind < argc; optind++) {
            if (w.ndrives == SRAID_MGMT_MAX_MEMBERS) {
                die(EXIT_USAGE, "more than %u drives",
                    SRAID_MGMT_MAX_MEMBERS);
            }
            w.drives[w.ndrives++] = drive(argv[optind]);
        }
        return write_cmd(fd, &w, "logical drive created");
    }
    if (optind + 1 != argc) {
        usage();
    }
    if (!strcmp(cmd, "delete-ld")) {
        w.dcmd = SRAID_DCMD_MGMT_DELETE_LD;
        w.ld = number(argv[optind], "logical drive", SRAID_MGMT_MAX_LDS - 1);
        return write_cmd(fd, &w, "logical drive deleted");
    } else if (!strcmp(cmd, "add-spare")) {
        w.dcmd = SRAID_DCMD_MGMT_ADD_SPARE;
        w.drives[0] = drive(argv[optind]);
        return write_cmd(fd, &w, "hot spare added");
    } else if (!strcmp(cmd, "remove-spare")) {
        w.dcmd = SRAID_DCMD_MGMT_REMOVE_SPARE;
        w.member = number(argv[optind], "member", SRAID_MGMT_MAX_MEMBERS - 1);
        return write_cmd(fd, &w, "hot spare removed");
    } else if (!strcmp(cmd, "rebuild")) {
        w.dcmd = SRAID_DCMD_MGMT_REBUILD;
        w.member = number(argv[optind], "member", SRAID_MGMT_MAX_MEMBERS - 1);
        return write_cmd(fd, &w, "rebuild started (see: sraidctl ops)");
    } else if (!strcmp(cmd, "check")) {
        w.dcmd = SRAID_DCMD_MGMT_CHECK;
        w.ld = number(argv[optind], "logical drive", SRAID_MGMT_MAX_LDS - 1);
        return write_cmd(fd, &w, "consistency check started (see: sraidctl"
                         " ops)");
    }
    usage();
    return EXIT_USAGE;
}
