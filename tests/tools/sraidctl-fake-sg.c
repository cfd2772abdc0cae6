/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A fake SCSI generic device for testing sraidctl on the host: loaded with
 * LD_PRELOAD, it answers the tool's SG_IO ioctls with the firmware core's
 * receiving side (vendor-exec.c, mgmt-exec.c) over a fixed two-node
 * cluster, so the tool's CDBs, parameter lists, output and exit codes are
 * checked without a guest (tests/tools/sraidctl-test.sh).
 *
 * Environment: SRAID_FAKE_PERM off|read|full (default read),
 * SRAID_FAKE_ANSWER done|master|nosuch|progress|refused (default done),
 * SRAID_FAKE_LOG a file each write command is described in,
 * SRAID_FAKE_UA N: the first N commands end in UNIT ATTENTION, POWER ON
 * OCCURRED (29h/00h), as a fresh guest's first commands do.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <scsi/sg.h>

#include "vendor-exec.h"

static void fake_ctrl(void *opaque, SraidMgmtCtrlInfo *c)
{
    c->node_id = 7;
    c->state = SRAID_NODE_MASTER;
    c->info = SRAID_NODE_INFO_COMPLETED_STARTUP;
    c->master = 7;
    c->flags = SRAID_MGMT_CTRL_CLUSTER | SRAID_MGMT_CTRL_ARRAY;
    c->channels = 2;
    c->connected_channels = 3;
    c->nmembers = 4;
    c->nlds = 1;
    c->generation = 12;
    c->epoch = 3;
    memset(c->array_guid, 0x5b, sizeof(c->array_guid));
    strcpy(c->array_name, "qa");
    c->nnodes = 2;
    c->nodes[0] = (SraidMgmtNode) { 6, SRAID_NODE_NEXUS_SLAVE,
                                    SRAID_NODE_INFO_COMPLETED_STARTUP, 0, 3,
                                    1 };
    c->nodes[1] = (SraidMgmtNode) { 7, SRAID_NODE_MASTER,
                                    SRAID_NODE_INFO_COMPLETED_STARTUP,
                                    SRAID_MGMT_NODE_SELF |
                                    SRAID_MGMT_NODE_MASTER, 3, 0 };
}

static void fake_pd(void *opaque, SraidMgmtPdList *l)
{
    static const SraidMgmtPd pds[] = {
        { 0, 0, 0, 0, SRAID_MGMT_PD_PRESENT, 24 << 20, 0 },
        { 1, 0, 1, 0, SRAID_MGMT_PD_PRESENT, 24 << 20, 0 },
        { 0, 1, 2, 2, SRAID_MGMT_PD_PRESENT, 24 << 20, 4096 },
        { 1, 1, SRAID_MGMT_NONE, SRAID_MGMT_NONE,
          SRAID_MGMT_PD_PRESENT | SRAID_MGMT_PD_CABLE_CUT, 32 << 20, 0 },
        { 1, 3, 3, 4, 0, 0, 0 },
    };

    l->n = sizeof(pds) / sizeof(pds[0]);
    memcpy(l->pd, pds, sizeof(pds));
}

static void fake_ld(void *opaque, SraidMgmtLdList *l)
{
    SraidMgmtLd *d = &l->ld[0];

    l->n = 1;
    d->id = 0;
    d->level = 5;
    d->state = 1;
    d->nmembers = 3;
    d->members[0] = 0;
    d->members[1] = 1;
    d->members[2] = 2;
    d->strip_sectors = 128;
    d->sectors = 81920;
    d->naa = 0x3535241494443100ULL;
    strcpy(d->name, "db");
    strcpy(d->serial, "SRAIDLD-0");
    d->flags = SRAID_MGMT_LD_RESV_READY;
}

static void fake_bg(void *opaque, SraidMgmtBg *o)
{
    o->op = SRAID_MGMT_OP_REBUILD;
    o->member = 2;
    o->rate = 30;
    o->done = 4096;
    o->total = 16384;
    o->ld = 0;
    o->check_result = 2;
    o->mismatches = 1;
    o->repaired = 1;
}

static void fake_write(void *opaque, const SraidMgmtWrite *w,
                       SraidMgmtAnswer *a)
{
    const char *answer = getenv("SRAID_FAKE_ANSWER");
    const char *log = getenv("SRAID_FAKE_LOG");
    FILE *f = log ? fopen(log, "a") : NULL;

    if (f) {
        fprintf(f, "dcmd %02x level %u strip %u size %llu name '%s' ld %u"
                " repair %u member %u drives", w->dcmd, w->level,
                w->strip_bytes, (unsigned long long)w->size, w->name, w->ld,
                w->repair, w->member);
        for (unsigned i = 0; i < (w->ndrives ? w->ndrives : 1); i++) {
            fprintf(f, " %u:%u", w->drives[i].channel, w->drives[i].target);
        }
        fprintf(f, "\n");
        fclose(f);
    }
    if (!answer || !strcmp(answer, "done")) {
        a->outcome = SRAID_MGMT_DONE;
    } else if (!strcmp(answer, "master")) {
        a->outcome = SRAID_MGMT_NOT_MASTER;
        a->master = 6;
    } else if (!strcmp(answer, "nosuch")) {
        a->outcome = SRAID_MGMT_NO_SUCH;
        a->field = 50;
    } else if (!strcmp(answer, "progress")) {
        a->outcome = SRAID_MGMT_IN_PROGRESS;
    } else {
        a->outcome = SRAID_MGMT_REFUSED;
    }
}

static const SraidMgmtOps fake_ops = {
    .ctrl_info = fake_ctrl,
    .pd_list = fake_pd,
    .ld_list = fake_ld,
    .bg_info = fake_bg,
    .write = fake_write,
};

static int fake_sg_io(sg_io_hdr_t *io)
{
    static SraidVendorNode node;
    const char *perm_s = getenv("SRAID_FAKE_PERM");
    SraidVendorNexus nx = { .source = SRAID_VENDOR_FROM_HOST };
    SraidMgmtPerm perm = SRAID_MGMT_PERM_READ;
    bool out = io->dxfer_direction == SG_DXFER_TO_DEV;
    SraidScsiResult res;

    static int ua_left = -1;

    if (perm_s && !sraid_mgmt_perm_parse(perm_s, &perm)) {
        abort();
    }
    if (ua_left < 0) {
        ua_left = getenv("SRAID_FAKE_UA") ? atoi(getenv("SRAID_FAKE_UA")) : 0;
    }
    if (ua_left > 0) {
        static const uint8_t ua[18] = { 0x70, 0, 0x06, 0, 0, 0, 0, 10,
                                        0, 0, 0, 0, 0x29, 0x00 };

        ua_left--;
        io->status = SRAID_STATUS_CHECK_CONDITION;
        io->masked_status = io->status >> 1;
        io->host_status = 0;
        io->driver_status = 0x08;
        io->sb_len_wr = MIN(sizeof(ua), (size_t)io->mx_sb_len);
        memcpy(io->sbp, ua, io->sb_len_wr);
        io->resid = io->dxfer_len;
        return 0;
    }
    sraid_vendor_node_init(&node, 7);
    sraid_mgmt_init(&node.mgmt, perm, &fake_ops, NULL);
    sraid_vendor_cmd_execute(&node, &nx, io->cmdp, io->cmd_len,
                             out ? io->dxferp : NULL, out ? io->dxfer_len : 0,
                             out ? NULL : io->dxferp,
                             out ? 0 : io->dxfer_len, &res);
    io->status = res.status;
    io->masked_status = res.status >> 1;
    io->host_status = 0;
    io->driver_status = res.status == SRAID_STATUS_CHECK_CONDITION ? 0x08 : 0;
    io->sb_len_wr = MIN(res.sense_len, (size_t)io->mx_sb_len);
    memcpy(io->sbp, res.sense, io->sb_len_wr);
    io->resid = out ? 0 : io->dxfer_len - res.data_len;
    return 0;
}

int ioctl(int fd, unsigned long request, ...)
{
    static int (*real)(int, unsigned long, ...);
    va_list ap;
    void *arg;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (request == SG_IO) {
        return fake_sg_io(arg);
    }
    if (!real) {
        real = dlsym(RTLD_NEXT, "ioctl");
    }
    return real(fd, request, arg);
}
