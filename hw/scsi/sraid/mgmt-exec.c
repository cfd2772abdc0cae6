/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the receiving side of the guest management command
 * set.
 */
#include <glib.h>
#include <string.h>

#include "mgmt-exec.h"

/* CDB byte of the transfer length's most significant byte */
#define CDB_LENGTH_MSB      8

static const SraidSense sense_no_mgmt = {
    SRAID_SENSE_NOT_READY, 0x80, 0x05
};
static const SraidSense sense_in_progress = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x80, 0x04
};

static const char *const perm_names[] = {
    [SRAID_MGMT_PERM_OFF] = "off",
    [SRAID_MGMT_PERM_READ] = "read",
    [SRAID_MGMT_PERM_FULL] = "full",
};

bool sraid_mgmt_perm_parse(const char *s, SraidMgmtPerm *perm)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(perm_names); i++) {
        if (s && !strcmp(s, perm_names[i])) {
            *perm = i;
            return true;
        }
    }
    return false;
}

const char *sraid_mgmt_perm_name(SraidMgmtPerm perm)
{
    return perm < G_N_ELEMENTS(perm_names) ? perm_names[perm] : "?";
}

void sraid_mgmt_init(SraidMgmt *m, SraidMgmtPerm perm,
                     const SraidMgmtOps *ops, void *opaque)
{
    m->perm = perm;
    m->ops = ops;
    m->opaque = opaque;
}

void sraid_mgmt_answer(const SraidMgmtAnswer *a, SraidScsiResult *res)
{
    SraidSense s;

    memset(res, 0, sizeof(*res));
    switch (a->outcome) {
    case SRAID_MGMT_DONE:
        res->status = SRAID_STATUS_GOOD;
        return;
    case SRAID_MGMT_PENDING:
        res->pending = true;
        return;
    case SRAID_MGMT_NOT_MASTER:
        /* "run it on node N": the master in INFORMATION */
        s = sraid_sense_mgmt_not_master;
        if (a->master < SRAID_NODE_MAX) {
            s.info_valid = true;
            s.info = a->master;
        }
        break;
    case SRAID_MGMT_NO_SUCH:
        s = sraid_sense_at(&sraid_sense_invalid_param, false, a->field, -1);
        break;
    case SRAID_MGMT_IN_PROGRESS:
        s = sense_in_progress;
        break;
    case SRAID_MGMT_REFUSED:
        s = sraid_sense_mgmt_refused;
        break;
    default:
        g_assert_not_reached();
    }
    sraid_result_sense(res, &s);
}

static void read_cmd(SraidMgmt *m, const SraidVendorCdb *c, uint8_t *data_in,
                     size_t data_in_len, SraidScsiResult *res)
{
    g_autofree uint8_t *buf = g_malloc0(SRAID_MGMT_MAX_DATA_IN);
    size_t len;

    switch (c->dcmd) {
    case SRAID_DCMD_MGMT_CTRL_INFO: {
        SraidMgmtCtrlInfo ci = { .node_id = SRAID_NODE_NONE,
                                 .master = SRAID_NODE_NONE };

        ci.perm = m->perm;
        m->ops->ctrl_info(m->opaque, &ci);
        ci.perm = m->perm;
        len = sraid_mgmt_ctrl_encode(&ci, buf);
        break;
    }
    case SRAID_DCMD_MGMT_PD_LIST: {
        g_autofree SraidMgmtPdList *l = g_new0(SraidMgmtPdList, 1);

        m->ops->pd_list(m->opaque, l);
        g_assert(l->n <= SRAID_MGMT_MAX_PDS);
        len = sraid_mgmt_pd_encode(l, buf);
        break;
    }
    case SRAID_DCMD_MGMT_LD_LIST: {
        g_autofree SraidMgmtLdList *l = g_new0(SraidMgmtLdList, 1);

        m->ops->ld_list(m->opaque, l);
        g_assert(l->n <= SRAID_MGMT_MAX_LDS);
        len = sraid_mgmt_ld_encode(l, buf);
        break;
    }
    default: {
        SraidMgmtBg o = { .member = SRAID_MGMT_NONE, .ld = SRAID_MGMT_NONE };

        m->ops->bg_info(m->opaque, &o);
        len = sraid_mgmt_bg_encode(&o, buf);
        break;
    }
    }
    /* cut to the allocation length, which may show only the header */
    len = MIN(len, (size_t)c->length);
    len = MIN(len, data_in_len);
    memcpy(data_in, buf, len);
    res->status = SRAID_STATUS_GOOD;
    res->data_len = len;
}

void sraid_mgmt_execute(SraidMgmt *m, bool suspended, const SraidVendorCdb *c,
                        const uint8_t *data_out, size_t data_out_len,
                        uint8_t *data_in, size_t data_in_len,
                        SraidScsiResult *res)
{
    bool write = sraid_mgmt_dcmd_is_write(c->dcmd);
    SraidMgmtAnswer a = { .outcome = SRAID_MGMT_DONE };
    SraidParamError err;
    SraidMgmtWrite w;
    SraidSense s;

    memset(res, 0, sizeof(*res));
    g_assert(sraid_vendor_dcmd_host_only(c->dcmd));
    if (m->perm == SRAID_MGMT_PERM_OFF ||
        (write && m->perm != SRAID_MGMT_PERM_FULL)) {
        sraid_result_sense(res, &sraid_sense_mgmt_not_permitted);
        return;
    }
    if (!m->ops) {
        sraid_result_sense(res, &sense_no_mgmt);
        return;
    }
    if (!write) {
        read_cmd(m, c, data_in, data_in_len, res);
        return;
    }
    if (suspended) {
        sraid_result_sense(res, &sraid_sense_manual_intervention);
        return;
    }
    if (data_out_len < c->length) {
        s = sraid_sense_at(&sraid_sense_param_list_len, true, CDB_LENGTH_MSB,
                           -1);
        sraid_result_sense(res, &s);
        return;
    }
    if (!sraid_mgmt_write_decode(c->dcmd, data_out, c->length, &w, &err)) {
        if (err.kind == SRAID_PARAM_LENGTH) {
            s = sraid_sense_at(&sraid_sense_param_list_len, true,
                               CDB_LENGTH_MSB, -1);
        } else {
            s = sraid_sense_at(&sraid_sense_invalid_param, false, err.offset,
                               err.bit);
        }
        sraid_result_sense(res, &s);
        return;
    }
    m->ops->write(m->opaque, &w, &a);
    sraid_mgmt_answer(&a, res);
}
