/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the guest management command set, its CDBs and
 * structures (plain C: the guest tool compiles this file too).
 */
#include <string.h>

#include "mgmt-cmd.h"
#include "scsi-proto.h"

const SraidSense sraid_sense_mgmt_not_permitted = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x80, SRAID_ASCQ_MGMT_NOT_PERMITTED
};
const SraidSense sraid_sense_mgmt_not_master = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x80, SRAID_ASCQ_MGMT_NOT_MASTER
};
const SraidSense sraid_sense_mgmt_refused = {
    SRAID_SENSE_ILLEGAL_REQUEST, 0x80, SRAID_ASCQ_MGMT_REFUSED
};

bool sraid_mgmt_dcmd_is_write(uint8_t dcmd)
{
    return sraid_vendor_dcmd_host_only(dcmd) &&
           sraid_vendor_dcmd_dir(dcmd) == SRAID_VENDOR_DIR_OUT;
}

const char *sraid_mgmt_sense_name(uint8_t key, uint8_t asc, uint8_t ascq)
{
    static const struct {
        uint8_t key, asc, ascq;
        const char *name;
    } names[] = {
        { 0x05, 0x80, 0x09, "management not permitted"
                            " (guest-management of the controller)" },
        { 0x05, 0x80, 0x0a, "not the master" },
        { 0x05, 0x80, 0x0b, "refused by the array" },
        { 0x05, 0x80, 0x04, "a rebuild or check is in progress" },
        { 0x05, 0x80, 0x03, "role mismatch" },
        { 0x02, 0x80, 0x05, "no management layer" },
        { 0x02, 0x04, 0x03, "node suspended, manual intervention required" },
        { 0x05, 0x20, 0x02, "access denied" },
        { 0x05, 0x20, 0x00, "invalid command operation code" },
        { 0x05, 0x24, 0x00, "invalid field in CDB" },
        { 0x05, 0x26, 0x00, "invalid field in parameter list" },
        { 0x05, 0x1a, 0x00, "parameter list length error" },
        { 0x06, 0x29, 0x00, "power on or reset occurred" },
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].key == key && names[i].asc == asc &&
            names[i].ascq == ascq) {
            return names[i].name;
        }
    }
    return NULL;
}

bool sraid_mgmt_cdb(uint8_t dcmd, uint16_t len,
                    uint8_t cdb[SRAID_VENDOR_CDB_LEN])
{
    SraidVendorCdb c = { .dcmd = dcmd, .length = len };

    return sraid_vendor_dcmd_host_only(dcmd) && sraid_vendor_cdb_encode(&c,
                                                                        cdb);
}

/* ---- helpers ---- */

static bool bad_len(SraidParamError *err, const char *what)
{
    return sraid_param_error(err, SRAID_PARAM_LENGTH, 0, -1, what);
}

static bool bad_field(SraidParamError *err, uint32_t offset,
                      const char *what)
{
    return sraid_param_error(err, SRAID_PARAM_FIELD, offset, -1, what);
}


/* A NUL-padded ASCII field of @n bytes */
static void put_name(uint8_t *p, size_t n, const char *s)
{
    size_t len = strnlen(s, n);

    memset(p, 0, n);
    memcpy(p, s, len);
}

/* Printable ASCII, then only NULs (canonical); into @s (n + 1 bytes) */
static bool get_name(const uint8_t *p, size_t n, char *s, uint32_t off,
                     SraidParamError *err)
{
    size_t len = strnlen((const char *)p, n);

    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e) {
            return bad_field(err, off + i, "name not printable ASCII");
        }
    }
    for (size_t i = len; i < n; i++) {
        if (p[i]) {
            return bad_field(err, off + i, "name not padded with NULs");
        }
    }
    memcpy(s, p, len);
    s[len] = 0;
    return true;
}

static void put_hdr(uint8_t *buf, size_t len)
{
    buf[0] = SRAID_MGMT_VERSION;
    buf[1] = 0;
    sraid_put_be16(buf + 2, len - SRAID_MGMT_HDR_LEN);
}

/* Header of a read structure: version, the additional length = @len - 4 */
static bool get_hdr(const uint8_t *buf, size_t len, SraidParamError *err)
{
    if (len < SRAID_MGMT_HDR_LEN) {
        return bad_len(err, "shorter than the header");
    }
    if (buf[0] != SRAID_MGMT_VERSION) {
        return bad_field(err, 0, "unknown version");
    }
    if (!sraid_param_reserved(buf, 1, 2, 0, err)) {
        return false;
    }
    if (sraid_get_be16(buf + 2) != len - SRAID_MGMT_HDR_LEN) {
        return bad_len(err, "additional length does not match");
    }
    return true;
}

static bool level_valid(uint8_t level)
{
    return level == 0 || level == 1 || level == 5 || level == 6 ||
           level == 10;
}

/* ---- controller and cluster ---- */

size_t sraid_mgmt_ctrl_encode(const SraidMgmtCtrlInfo *c, uint8_t *buf)
{
    size_t len = SRAID_MGMT_CTRL_FIXED_LEN +
                 c->nnodes * SRAID_MGMT_NODE_ENTRY_LEN;

    memset(buf, 0, len);
    put_hdr(buf, len);
    buf[4] = c->node_id;
    buf[5] = c->state;
    buf[6] = c->info;
    buf[7] = c->master;
    buf[8] = c->flags;
    buf[9] = c->perm;
    buf[10] = c->channels;
    buf[11] = c->nnodes;
    buf[12] = c->connected_channels;
    buf[13] = c->nmembers;
    buf[14] = c->nlds;
    sraid_put_be64(buf + 16, c->generation);
    sraid_put_be64(buf + 24, c->epoch);
    memcpy(buf + 32, c->array_guid, 16);
    put_name(buf + 48, SRAID_MGMT_NAME_LEN, c->array_name);
    for (unsigned i = 0; i < c->nnodes; i++) {
        uint8_t *e = buf + SRAID_MGMT_CTRL_FIXED_LEN +
                     i * SRAID_MGMT_NODE_ENTRY_LEN;

        e[0] = c->nodes[i].node;
        e[1] = c->nodes[i].state;
        e[2] = c->nodes[i].info;
        e[3] = c->nodes[i].flags;
        e[4] = c->nodes[i].channels;
        sraid_put_be16(e + 6, c->nodes[i].heartbeat_misses);
    }
    return len;
}

bool sraid_mgmt_ctrl_decode(const uint8_t *buf, size_t len,
                            SraidMgmtCtrlInfo *c, SraidParamError *err)
{
    if (!get_hdr(buf, len, err)) {
        return false;
    }
    if (len < SRAID_MGMT_CTRL_FIXED_LEN) {
        return bad_len(err, "controller data is at least 80 bytes");
    }
    memset(c, 0, sizeof(*c));
    c->node_id = buf[4];
    c->state = buf[5];
    c->info = buf[6];
    c->master = buf[7];
    c->flags = buf[8];
    c->perm = buf[9];
    c->channels = buf[10];
    c->nnodes = buf[11];
    c->connected_channels = buf[12];
    c->nmembers = buf[13];
    c->nlds = buf[14];
    if (c->node_id >= SRAID_NODE_MAX && c->node_id != SRAID_NODE_NONE) {
        return bad_field(err, 4, "node id out of range");
    }
    if (!sraid_node_state_valid(c->state)) {
        return bad_field(err, 5, "unknown node state");
    }
    if (!sraid_node_info_valid(c->info)) {
        return bad_field(err, 6, "unknown node state info");
    }
    if (c->master >= SRAID_NODE_MAX && c->master != SRAID_NODE_NONE) {
        return bad_field(err, 7, "master out of range");
    }
    if (c->flags & 0xf0) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, 8,
                                     sraid_top_bit(c->flags),
                                     "reserved flag");
    }
    if (c->perm > SRAID_MGMT_PERM_FULL) {
        return bad_field(err, 9, "unknown permission");
    }
    if (c->channels > SRAID_CHANNEL_MAX) {
        return bad_field(err, 10, "too many channels");
    }
    if (c->nnodes > SRAID_NODE_MAX) {
        return bad_field(err, 11, "too many nodes");
    }
    if (len != SRAID_MGMT_CTRL_FIXED_LEN +
        (size_t)c->nnodes * SRAID_MGMT_NODE_ENTRY_LEN) {
        return bad_len(err, "length does not match the node count");
    }
    if (c->connected_channels >> SRAID_CHANNEL_MAX) {
        return bad_field(err, 12, "connected channel out of range");
    }
    if (c->nmembers > SRAID_MGMT_MAX_MEMBERS) {
        return bad_field(err, 13, "too many members");
    }
    if (c->nlds > SRAID_MGMT_MAX_LDS) {
        return bad_field(err, 14, "too many logical drives");
    }
    if (!sraid_param_reserved(buf, 15, 16, 0, err)) {
        return false;
    }
    c->generation = sraid_get_be64(buf + 16);
    c->epoch = sraid_get_be64(buf + 24);
    memcpy(c->array_guid, buf + 32, 16);
    if (!get_name(buf + 48, SRAID_MGMT_NAME_LEN, c->array_name, 48, err)) {
        return false;
    }
    for (unsigned i = 0; i < c->nnodes; i++) {
        uint32_t o = SRAID_MGMT_CTRL_FIXED_LEN + i * SRAID_MGMT_NODE_ENTRY_LEN;
        const uint8_t *e = buf + o;
        SraidMgmtNode *nd = &c->nodes[i];

        if (e[0] >= SRAID_NODE_MAX || (i && e[0] <= c->nodes[i - 1].node)) {
            return bad_field(err, o, "node ids not ascending");
        }
        if (!sraid_node_state_valid(e[1])) {
            return bad_field(err, o + 1, "unknown node state");
        }
        if (!sraid_node_info_valid(e[2])) {
            return bad_field(err, o + 2, "unknown node state info");
        }
        if (e[3] & 0xfc) {
            return sraid_param_error(err, SRAID_PARAM_FIELD, o + 3,
                                     sraid_top_bit(e[3]),
                                     "reserved flag");
        }
        if (e[4] >> SRAID_CHANNEL_MAX) {
            return bad_field(err, o + 4, "channel out of range");
        }
        if (!sraid_param_reserved(e, 5, 6, o, err)) {
            return false;
        }
        nd->node = e[0];
        nd->state = e[1];
        nd->info = e[2];
        nd->flags = e[3];
        nd->channels = e[4];
        nd->heartbeat_misses = sraid_get_be16(e + 6);
    }
    return true;
}

/* ---- physical drives ---- */

static size_t list_encode(uint8_t *buf, unsigned n, size_t entry)
{
    size_t len = SRAID_MGMT_LIST_HDR_LEN + n * entry;

    memset(buf, 0, len);
    put_hdr(buf, len);
    buf[4] = n;
    buf[5] = entry;
    return len;
}

static bool list_decode(const uint8_t *buf, size_t len, unsigned max,
                        size_t entry, unsigned *n, SraidParamError *err)
{
    if (!get_hdr(buf, len, err)) {
        return false;
    }
    if (len < SRAID_MGMT_LIST_HDR_LEN) {
        return bad_len(err, "a list header is 8 bytes");
    }
    if (buf[4] > max) {
        return bad_field(err, 4, "too many entries");
    }
    if (buf[5] != entry) {
        return bad_field(err, 5, "unknown entry length");
    }
    if (!sraid_param_reserved(buf, 6, 8, 0, err)) {
        return false;
    }
    if (len != SRAID_MGMT_LIST_HDR_LEN + (size_t)buf[4] * entry) {
        return bad_len(err, "length does not match the entry count");
    }
    *n = buf[4];
    return true;
}

size_t sraid_mgmt_pd_encode(const SraidMgmtPdList *l, uint8_t *buf)
{
    size_t len = list_encode(buf, l->n, SRAID_MGMT_PD_ENTRY_LEN);

    for (unsigned i = 0; i < l->n; i++) {
        uint8_t *e = buf + SRAID_MGMT_LIST_HDR_LEN +
                     i * SRAID_MGMT_PD_ENTRY_LEN;
        const SraidMgmtPd *pd = &l->pd[i];

        e[0] = pd->channel;
        e[1] = pd->target;
        e[2] = pd->member;
        e[3] = pd->state;
        e[4] = pd->flags;
        sraid_put_be64(e + 8, pd->size);
        sraid_put_be64(e + 16, pd->checkpoint);
    }
    return len;
}

bool sraid_mgmt_pd_decode(const uint8_t *buf, size_t len,
                          SraidMgmtPdList *l, SraidParamError *err)
{
    memset(l, 0, sizeof(*l));
    if (!list_decode(buf, len, SRAID_MGMT_MAX_PDS, SRAID_MGMT_PD_ENTRY_LEN,
                     &l->n, err)) {
        return false;
    }
    for (unsigned i = 0; i < l->n; i++) {
        uint32_t o = SRAID_MGMT_LIST_HDR_LEN + i * SRAID_MGMT_PD_ENTRY_LEN;
        const uint8_t *e = buf + o;
        SraidMgmtPd *pd = &l->pd[i];

        if (e[0] >= SRAID_CHANNEL_MAX) {
            return bad_field(err, o, "channel out of range");
        }
        if (e[1] >= SRAID_TARGET_MAX) {
            return bad_field(err, o + 1, "target out of range");
        }
        if (e[2] >= SRAID_MGMT_MAX_MEMBERS && e[2] != SRAID_MGMT_NONE) {
            return bad_field(err, o + 2, "member out of range");
        }
        if ((e[2] == SRAID_MGMT_NONE) != (e[3] == SRAID_MGMT_NONE) ||
            (e[3] > 4 && e[3] != SRAID_MGMT_NONE)) {
            return bad_field(err, o + 3, "unknown member state");
        }
        if (e[4] & 0xfc) {
            return sraid_param_error(err, SRAID_PARAM_FIELD, o + 4,
                                     sraid_top_bit(e[4]),
                                     "reserved flag");
        }
        if (!sraid_param_reserved(e, 5, 8, o, err)) {
            return false;
        }
        pd->channel = e[0];
        pd->target = e[1];
        pd->member = e[2];
        pd->state = e[3];
        pd->flags = e[4];
        pd->size = sraid_get_be64(e + 8);
        pd->checkpoint = sraid_get_be64(e + 16);
    }
    return true;
}

/* ---- logical drives ---- */

size_t sraid_mgmt_ld_encode(const SraidMgmtLdList *l, uint8_t *buf)
{
    size_t len = list_encode(buf, l->n, SRAID_MGMT_LD_ENTRY_LEN);

    for (unsigned i = 0; i < l->n; i++) {
        uint8_t *e = buf + SRAID_MGMT_LIST_HDR_LEN +
                     i * SRAID_MGMT_LD_ENTRY_LEN;
        const SraidMgmtLd *ld = &l->ld[i];

        e[0] = ld->id;
        e[1] = ld->level;
        e[2] = ld->state;
        e[3] = ld->nmembers;
        sraid_put_be32(e + 4, ld->strip_sectors);
        sraid_put_be64(e + 8, ld->sectors);
        sraid_put_be64(e + 16, ld->naa);
        put_name(e + 24, SRAID_MGMT_NAME_LEN, ld->name);
        put_name(e + 56, SRAID_MGMT_SERIAL_LEN, ld->serial);
        memset(e + 88, SRAID_MGMT_NONE, SRAID_MGMT_MAX_MEMBERS);
        memcpy(e + 88, ld->members, ld->nmembers);
        e[120] = ld->flags;
    }
    return len;
}

bool sraid_mgmt_ld_decode(const uint8_t *buf, size_t len,
                          SraidMgmtLdList *l, SraidParamError *err)
{
    memset(l, 0, sizeof(*l));
    if (!list_decode(buf, len, SRAID_MGMT_MAX_LDS, SRAID_MGMT_LD_ENTRY_LEN,
                     &l->n, err)) {
        return false;
    }
    for (unsigned i = 0; i < l->n; i++) {
        uint32_t o = SRAID_MGMT_LIST_HDR_LEN + i * SRAID_MGMT_LD_ENTRY_LEN;
        const uint8_t *e = buf + o;
        SraidMgmtLd *ld = &l->ld[i];

        if (e[0] >= SRAID_MGMT_MAX_LDS) {
            return bad_field(err, o, "logical drive id out of range");
        }
        if (!level_valid(e[1])) {
            return bad_field(err, o + 1, "unknown RAID level");
        }
        if (e[2] > 2) {
            return bad_field(err, o + 2, "unknown logical drive state");
        }
        if (e[3] < 1 || e[3] > SRAID_MGMT_MAX_MEMBERS) {
            return bad_field(err, o + 3, "member count out of range");
        }
        ld->id = e[0];
        ld->level = e[1];
        ld->state = e[2];
        ld->nmembers = e[3];
        ld->strip_sectors = sraid_get_be32(e + 4);
        ld->sectors = sraid_get_be64(e + 8);
        ld->naa = sraid_get_be64(e + 16);
        if (!get_name(e + 24, SRAID_MGMT_NAME_LEN, ld->name, o + 24, err) ||
            !get_name(e + 56, SRAID_MGMT_SERIAL_LEN, ld->serial, o + 56,
                      err)) {
            return false;
        }
        for (unsigned k = 0; k < SRAID_MGMT_MAX_MEMBERS; k++) {
            uint8_t m = e[88 + k];

            if (k < ld->nmembers ? m >= SRAID_MGMT_MAX_MEMBERS
                                 : m != SRAID_MGMT_NONE) {
                return bad_field(err, o + 88 + k, "member index");
            }
        }
        memcpy(ld->members, e + 88, ld->nmembers);
        if (e[120] & 0xfe) {
            return sraid_param_error(err, SRAID_PARAM_FIELD, o + 120,
                                     sraid_top_bit(e[120]),
                                     "reserved flag");
        }
        ld->flags = e[120];
        if (!sraid_param_reserved(e, 121, SRAID_MGMT_LD_ENTRY_LEN, o, err)) {
            return false;
        }
    }
    return true;
}

/* ---- background operations ---- */

size_t sraid_mgmt_bg_encode(const SraidMgmtBg *o, uint8_t *buf)
{
    memset(buf, 0, SRAID_MGMT_OPS_LEN);
    put_hdr(buf, SRAID_MGMT_OPS_LEN);
    buf[4] = o->op;
    buf[5] = o->member;
    buf[6] = o->ld;
    buf[7] = o->rate;
    sraid_put_be64(buf + 8, o->done);
    sraid_put_be64(buf + 16, o->total);
    buf[24] = o->check_result;
    buf[25] = o->flags;
    sraid_put_be64(buf + 32, o->mismatches);
    sraid_put_be64(buf + 40, o->repaired);
    return SRAID_MGMT_OPS_LEN;
}

bool sraid_mgmt_bg_decode(const uint8_t *buf, size_t len, SraidMgmtBg *o,
                          SraidParamError *err)
{
    if (!get_hdr(buf, len, err)) {
        return false;
    }
    if (len != SRAID_MGMT_OPS_LEN) {
        return bad_len(err, "operations data is 48 bytes");
    }
    memset(o, 0, sizeof(*o));
    if (buf[4] > SRAID_MGMT_OP_CHECK) {
        return bad_field(err, 4, "unknown operation");
    }
    if ((buf[4] == SRAID_MGMT_OP_REBUILD) !=
        (buf[5] != SRAID_MGMT_NONE) || (buf[5] >= SRAID_MGMT_MAX_MEMBERS &&
                                        buf[5] != SRAID_MGMT_NONE)) {
        return bad_field(err, 5, "member");
    }
    if (buf[6] >= SRAID_MGMT_MAX_LDS && buf[6] != SRAID_MGMT_NONE) {
        return bad_field(err, 6, "logical drive id out of range");
    }
    if (buf[7] > 100) {
        return bad_field(err, 7, "rate above 100 %");
    }
    o->op = buf[4];
    o->member = buf[5];
    o->ld = buf[6];
    o->rate = buf[7];
    o->done = sraid_get_be64(buf + 8);
    o->total = sraid_get_be64(buf + 16);
    if (o->done > o->total) {
        return bad_field(err, 8, "more done than to do");
    }
    if (buf[24] > 4) {
        return bad_field(err, 24, "unknown check result");
    }
    if (buf[25] & 0xfe) {
        return sraid_param_error(err, SRAID_PARAM_FIELD, 25,
                                     sraid_top_bit(buf[25]),
                                     "reserved flag");
    }
    if (!sraid_param_reserved(buf, 26, 32, 0, err)) {
        return false;
    }
    o->check_result = buf[24];
    o->flags = buf[25];
    o->mismatches = sraid_get_be64(buf + 32);
    o->repaired = sraid_get_be64(buf + 40);
    return true;
}

/* ---- write parameter lists ---- */

size_t sraid_mgmt_write_encode(const SraidMgmtWrite *w, uint8_t *buf)
{
    size_t len = SRAID_MGMT_SMALL_LEN;

    switch (w->dcmd) {
    case SRAID_DCMD_MGMT_CREATE_LD:
        len = SRAID_MGMT_CREATE_FIXED_LEN + 2 * w->ndrives;
        memset(buf, 0, len);
        buf[0] = SRAID_MGMT_VERSION;
        buf[1] = w->level;
        buf[2] = w->ndrives;
        sraid_put_be32(buf + 4, w->strip_bytes);
        sraid_put_be64(buf + 8, w->size);
        put_name(buf + 16, SRAID_MGMT_NAME_LEN, w->name);
        for (unsigned i = 0; i < w->ndrives; i++) {
            buf[SRAID_MGMT_CREATE_DRIVES + 2 * i] = w->drives[i].channel;
            buf[SRAID_MGMT_CREATE_DRIVES + 2 * i + 1] = w->drives[i].target;
        }
        return len;
    case SRAID_DCMD_MGMT_DELETE_LD:
        memset(buf, 0, len);
        buf[0] = w->ld;
        return len;
    case SRAID_DCMD_MGMT_CHECK:
        memset(buf, 0, len);
        buf[0] = w->ld;
        buf[1] = w->repair;
        return len;
    case SRAID_DCMD_MGMT_ADD_SPARE:
        memset(buf, 0, len);
        buf[0] = w->drives[0].channel;
        buf[1] = w->drives[0].target;
        return len;
    case SRAID_DCMD_MGMT_REMOVE_SPARE:
    case SRAID_DCMD_MGMT_REBUILD:
        memset(buf, 0, len);
        buf[0] = w->member;
        return len;
    default:
        return 0;
    }
}

static bool get_drive(const uint8_t *p, uint32_t off, SraidMgmtDrive *d,
                      SraidParamError *err)
{
    if (p[0] >= SRAID_CHANNEL_MAX) {
        return bad_field(err, off, "channel out of range");
    }
    if (p[1] >= SRAID_TARGET_MAX) {
        return bad_field(err, off + 1, "target out of range");
    }
    d->channel = p[0];
    d->target = p[1];
    return true;
}

static bool create_decode(const uint8_t *buf, size_t len, SraidMgmtWrite *w,
                          SraidParamError *err)
{
    if (len < SRAID_MGMT_CREATE_FIXED_LEN) {
        return bad_len(err, "create-ld parameters are 48 bytes and drives");
    }
    if (buf[0] != SRAID_MGMT_VERSION) {
        return bad_field(err, 0, "unknown version");
    }
    if (!level_valid(buf[1])) {
        return bad_field(err, 1, "unknown RAID level");
    }
    if (buf[2] < 1 || buf[2] > SRAID_MGMT_MAX_MEMBERS) {
        return bad_field(err, 2, "drive count out of range");
    }
    if (!sraid_param_reserved(buf, 3, 4, 0, err)) {
        return false;
    }
    if (len != SRAID_MGMT_CREATE_FIXED_LEN + 2u * buf[2]) {
        return bad_len(err, "length does not match the drive count");
    }
    w->level = buf[1];
    w->ndrives = buf[2];
    w->strip_bytes = sraid_get_be32(buf + 4);
    /* a power of two from 4 KiB to 1 MiB, as sraid-create-ld's strip-size */
    if (w->strip_bytes && (w->strip_bytes < 4096 ||
                           w->strip_bytes > 1024 * 1024 ||
                           (w->strip_bytes & (w->strip_bytes - 1)))) {
        return bad_field(err, 4, "strip size not a power of two, 4K-1M");
    }
    w->size = sraid_get_be64(buf + 8);
    if (!get_name(buf + 16, SRAID_MGMT_NAME_LEN, w->name, 16, err)) {
        return false;
    }
    for (unsigned i = 0; i < w->ndrives; i++) {
        uint32_t off = SRAID_MGMT_CREATE_DRIVES + 2 * i;

        if (!get_drive(buf + off, off, &w->drives[i], err)) {
            return false;
        }
        for (unsigned k = 0; k < i; k++) {
            if (w->drives[k].channel == w->drives[i].channel &&
                w->drives[k].target == w->drives[i].target) {
                return bad_field(err, off, "drive named twice");
            }
        }
    }
    return true;
}

bool sraid_mgmt_write_decode(uint8_t dcmd, const uint8_t *buf, size_t len,
                             SraidMgmtWrite *w, SraidParamError *err)
{
    memset(w, 0, sizeof(*w));
    w->dcmd = dcmd;
    if (dcmd == SRAID_DCMD_MGMT_CREATE_LD) {
        return create_decode(buf, len, w, err);
    }
    if (!sraid_mgmt_dcmd_is_write(dcmd)) {
        return bad_field(err, 0, "not a management write");
    }
    if (len != SRAID_MGMT_SMALL_LEN) {
        return bad_len(err, "the parameter list is 8 bytes");
    }
    switch (dcmd) {
    case SRAID_DCMD_MGMT_DELETE_LD:
    case SRAID_DCMD_MGMT_CHECK:
        if (buf[0] >= SRAID_MGMT_MAX_LDS) {
            return bad_field(err, 0, "logical drive id out of range");
        }
        w->ld = buf[0];
        if (dcmd == SRAID_DCMD_MGMT_CHECK) {
            if (buf[1] & 0xfe) {
                return sraid_param_error(err, SRAID_PARAM_FIELD, 1,
                                     sraid_top_bit(buf[1]),
                                     "reserved flag");
            }
            w->repair = buf[1];
            return sraid_param_reserved(buf, 2, len, 0, err);
        }
        return sraid_param_reserved(buf, 1, len, 0, err);
    case SRAID_DCMD_MGMT_ADD_SPARE:
        return get_drive(buf, 0, &w->drives[0], err) &&
               sraid_param_reserved(buf, 2, len, 0, err);
    default:
        /* REMOVE_SPARE, REBUILD: a member index */
        if (buf[0] >= SRAID_MGMT_MAX_MEMBERS) {
            return bad_field(err, 0, "member index out of range");
        }
        w->member = buf[0];
        return sraid_param_reserved(buf, 1, len, 0, err);
    }
}
