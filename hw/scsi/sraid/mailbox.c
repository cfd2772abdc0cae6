/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the Node_Negotiate mailbox (seed 003).
 */
#include <string.h>

#include "mailbox.h"
#include "raid-geometry.h"
#include "scsi-proto.h"

/* Header fields */
#define H_MAGIC         0
#define H_VERSION       4
#define H_HEADER_LEN    6
#define H_TOTAL_LEN     8
#define H_SENDER        12
#define H_STATE         13
#define H_INFO          14
#define H_GENERATION    16
#define H_NLDS          24
#define H_CHANNELS      25
#define H_TARGETS       26
#define H_CONFIG_LEN    28

/* Physical drive slot flags */
#define PD_PRESENT      0x01

static bool level_valid(unsigned level)
{
    return level == SRAID_RAID0 || level == SRAID_RAID1 ||
           level == SRAID_RAID5 || level == SRAID_RAID6 ||
           level == SRAID_RAID10;
}

static bool naa_valid(uint64_t naa)
{
    unsigned type = naa >> 60;

    return type == 2 || type == 3 || type == 5;
}

static size_t layout_len(unsigned nlds, unsigned channels, unsigned targets,
                         size_t config_len)
{
    return SRAID_MAILBOX_HEADER_LEN + nlds * SRAID_MAILBOX_LD_LEN +
           channels * targets * SRAID_MAILBOX_PD_LEN + config_len +
           SRAID_MAILBOX_CRC_LEN;
}

size_t sraid_mailbox_encoded_len(const SraidMailbox *mb)
{
    return layout_len(mb->nlds, mb->channels, mb->targets, mb->config_len);
}

size_t sraid_mailbox_encode(const SraidMailbox *mb, uint8_t *buf,
                            size_t buf_len)
{
    SraidMailbox *check;
    SraidParamError err;
    size_t len, off;
    bool ok;

    if (mb->nlds > SRAID_MAILBOX_MAX_LDS || mb->channels > SRAID_CHANNEL_MAX ||
        mb->targets > SRAID_TARGET_MAX ||
        mb->config_len > SRAID_MAILBOX_CONFIG_MAX) {
        return 0;
    }
    len = sraid_mailbox_encoded_len(mb);
    if (len > buf_len) {
        return 0;
    }
    memset(buf, 0, len);
    memcpy(buf + H_MAGIC, SRAID_MAILBOX_MAGIC, 4);
    sraid_put_be16(buf + H_VERSION, SRAID_MAILBOX_VERSION);
    sraid_put_be16(buf + H_HEADER_LEN, SRAID_MAILBOX_HEADER_LEN);
    sraid_put_be32(buf + H_TOTAL_LEN, len);
    buf[H_SENDER] = mb->sender;
    buf[H_STATE] = mb->sender_state;
    buf[H_INFO] = mb->sender_info;
    sraid_put_be64(buf + H_GENERATION, mb->generation);
    buf[H_NLDS] = mb->nlds;
    buf[H_CHANNELS] = mb->channels;
    buf[H_TARGETS] = mb->targets;
    sraid_put_be16(buf + H_CONFIG_LEN, mb->config_len);
    off = SRAID_MAILBOX_HEADER_LEN;

    for (unsigned i = 0; i < mb->nlds; i++) {
        const SraidMailboxLd *ld = &mb->lds[i];
        uint8_t *p = buf + off;

        p[0] = ld->id;
        p[1] = ld->level;
        p[2] = ld->state;
        p[3] = ld->members;
        sraid_put_be32(p + 4, ld->strip_sectors);
        sraid_put_be64(p + 8, ld->sectors);
        sraid_put_be64(p + 16, ld->naa);
        off += SRAID_MAILBOX_LD_LEN;
    }
    for (unsigned c = 0; c < mb->channels; c++) {
        for (unsigned t = 0; t < mb->targets; t++) {
            const SraidMailboxPd *pd = &mb->pds[c][t];
            uint8_t *p = buf + off;

            if (pd->present) {
                memcpy(p, pd->guid, 16);
                p[16] = pd->state;
                p[17] = PD_PRESENT;
            }
            off += SRAID_MAILBOX_PD_LEN;
        }
    }
    memcpy(buf + off, mb->config, mb->config_len);
    off += mb->config_len;
    sraid_put_be32(buf + off, sraid_crc32c(buf, off));

    /* one set of rules: refuse to send what a receiver would refuse */
    check = g_new(SraidMailbox, 1);
    ok = sraid_mailbox_decode(buf, len, check, &err);
    g_free(check);
    return ok ? len : 0;
}

size_t sraid_mailbox_peek_len(const uint8_t *buf, size_t len)
{
    if (len < SRAID_MAILBOX_HEADER_LEN ||
        memcmp(buf + H_MAGIC, SRAID_MAILBOX_MAGIC, 4) != 0) {
        return 0;
    }
    return sraid_get_be32(buf + H_TOTAL_LEN);
}

static bool fail(SraidParamError *err, SraidParamErrorKind kind,
                 size_t offset, const char *what)
{
    err->kind = kind;
    err->offset = offset;
    err->bit = -1;
    err->what = what;
    return false;
}

static bool field(SraidParamError *err, size_t offset, const char *what)
{
    return fail(err, SRAID_PARAM_FIELD, offset, what);
}

static bool zero(const uint8_t *buf, size_t from, size_t to, size_t *bad)
{
    for (size_t i = from; i < to; i++) {
        if (buf[i]) {
            *bad = i;
            return false;
        }
    }
    return true;
}

static bool decode_ld(const uint8_t *p, size_t off, int prev_id,
                      SraidMailboxLd *ld, SraidParamError *err)
{
    ld->id = p[0];
    ld->level = p[1];
    ld->state = p[2];
    ld->members = p[3];
    ld->strip_sectors = sraid_get_be32(p + 4);
    ld->sectors = sraid_get_be64(p + 8);
    ld->naa = sraid_get_be64(p + 16);
    if (ld->id >= SRAID_MAILBOX_MAX_LDS || (int)ld->id <= prev_id) {
        /* ascending: no duplicates, one encoding per set of drives */
        return field(err, off, "logical drive ids must ascend below 16");
    }
    if (!level_valid(ld->level)) {
        return field(err, off + 1, "unknown RAID level");
    }
    if (ld->state > SRAID_LD_OFFLINE) {
        return field(err, off + 2, "unknown logical drive state");
    }
    if (ld->members < 1 || ld->members > SRAID_MAX_MEMBERS) {
        return field(err, off + 3, "member count out of range");
    }
    if (!naa_valid(ld->naa)) {
        return field(err, off + 16, "NAA designator not of type 2h, 3h, 5h");
    }
    return true;
}

static bool decode_pd(const uint8_t *p, size_t off, SraidMailboxPd *pd,
                      SraidParamError *err)
{
    size_t bad;

    memset(pd, 0, sizeof(*pd));
    if (p[17] & ~PD_PRESENT) {
        return field(err, off + 17, "reserved flag set");
    }
    if (!(p[17] & PD_PRESENT)) {
        if (!zero(p, 0, SRAID_MAILBOX_PD_LEN, &bad)) {
            return field(err, off + bad, "absent drive slot not zero");
        }
        return true;
    }
    if (p[16] > SRAID_MEMBER_MISSING) {
        return field(err, off + 16, "unknown physical drive state");
    }
    if (!zero(p, 18, 20, &bad)) {
        return field(err, off + bad, "reserved byte not zero");
    }
    pd->present = true;
    pd->state = p[16];
    memcpy(pd->guid, p, 16);
    return true;
}

bool sraid_mailbox_decode(const uint8_t *buf, size_t len, SraidMailbox *mb,
                          SraidParamError *err)
{
    size_t off, bad;
    int prev_id = -1;

    if (len < SRAID_MAILBOX_HEADER_LEN + SRAID_MAILBOX_CRC_LEN) {
        return fail(err, SRAID_PARAM_LENGTH, 0, "shorter than a mailbox");
    }
    if (memcmp(buf + H_MAGIC, SRAID_MAILBOX_MAGIC, 4) != 0) {
        return field(err, H_MAGIC, "no mailbox magic");
    }
    if (sraid_get_be16(buf + H_VERSION) != SRAID_MAILBOX_VERSION) {
        return field(err, H_VERSION, "unknown mailbox version");
    }
    if (sraid_get_be16(buf + H_HEADER_LEN) != SRAID_MAILBOX_HEADER_LEN) {
        return field(err, H_HEADER_LEN, "header length is not 32");
    }
    if (sraid_get_be32(buf + H_TOTAL_LEN) != len) {
        return fail(err, SRAID_PARAM_LENGTH, H_TOTAL_LEN,
                    "total length and parameter list length disagree");
    }

    memset(mb, 0, sizeof(*mb));
    mb->sender = buf[H_SENDER];
    mb->sender_state = buf[H_STATE];
    mb->sender_info = buf[H_INFO];
    mb->generation = sraid_get_be64(buf + H_GENERATION);
    mb->nlds = buf[H_NLDS];
    mb->channels = buf[H_CHANNELS];
    mb->targets = buf[H_TARGETS];
    mb->config_len = sraid_get_be16(buf + H_CONFIG_LEN);
    if (mb->sender >= SRAID_NODE_MAX) {
        return field(err, H_SENDER, "sender node id out of range");
    }
    if (mb->sender_state == SRAID_NODE_STATE_NONE ||
        !sraid_node_state_valid(mb->sender_state)) {
        return field(err, H_STATE, "unknown sender node state");
    }
    if (!sraid_node_info_valid(mb->sender_info)) {
        return field(err, H_INFO, "unknown sender node state info");
    }
    if (!zero(buf, 15, 16, &bad) || !zero(buf, 27, 28, &bad) ||
        !zero(buf, 30, 32, &bad)) {
        return field(err, bad, "reserved byte not zero");
    }
    if (mb->nlds > SRAID_MAILBOX_MAX_LDS) {
        return field(err, H_NLDS, "more than 16 logical drives");
    }
    if (mb->channels > SRAID_CHANNEL_MAX) {
        return field(err, H_CHANNELS, "more than 4 channels");
    }
    if (mb->targets > SRAID_TARGET_MAX) {
        return field(err, H_TARGETS, "more than 16 targets per channel");
    }
    if (mb->config_len > SRAID_MAILBOX_CONFIG_MAX) {
        return field(err, H_CONFIG_LEN, "configuration area over 4096");
    }
    if (layout_len(mb->nlds, mb->channels, mb->targets, mb->config_len) !=
        len) {
        return fail(err, SRAID_PARAM_LENGTH, H_TOTAL_LEN,
                    "counts and total length disagree");
    }
    /* the CRC before the contents: a damaged mailbox is reported as one */
    if (sraid_get_be32(buf + len - SRAID_MAILBOX_CRC_LEN) !=
        sraid_crc32c(buf, len - SRAID_MAILBOX_CRC_LEN)) {
        return field(err, len - SRAID_MAILBOX_CRC_LEN, "CRC32C mismatch");
    }

    off = SRAID_MAILBOX_HEADER_LEN;
    for (unsigned i = 0; i < mb->nlds; i++) {
        if (!decode_ld(buf + off, off, prev_id, &mb->lds[i], err)) {
            return false;
        }
        prev_id = mb->lds[i].id;
        off += SRAID_MAILBOX_LD_LEN;
    }
    for (unsigned c = 0; c < mb->channels; c++) {
        for (unsigned t = 0; t < mb->targets; t++) {
            if (!decode_pd(buf + off, off, &mb->pds[c][t], err)) {
                return false;
            }
            off += SRAID_MAILBOX_PD_LEN;
        }
    }
    memcpy(mb->config, buf + off, mb->config_len);
    return true;
}

bool sraid_mailbox_from_cod(const SraidCod *cod, SraidMailbox *mb)
{
    uint8_t order[SRAID_COD_MAX_LDS];
    unsigned n = 0;

    mb->generation = cod->generation;
    mb->channels = SRAID_CHANNEL_MAX;
    mb->targets = SRAID_TARGET_MAX;
    memset(mb->pds, 0, sizeof(mb->pds));
    for (unsigned i = 0; i < cod->nmembers; i++) {
        const SraidCodMember *m = &cod->members[i];
        SraidMailboxPd *pd;

        if (m->channel >= SRAID_CHANNEL_MAX || m->target >= SRAID_TARGET_MAX) {
            return false;
        }
        pd = &mb->pds[m->channel][m->target];
        if (pd->present) {
            return false;
        }
        pd->present = true;
        pd->state = m->state;
        memcpy(pd->guid, m->guid, sizeof(pd->guid));
    }

    /* ascending ids, whatever order the configuration lists them in */
    for (unsigned id = 0; id < SRAID_COD_MAX_LDS; id++) {
        for (unsigned i = 0; i < cod->nlds && i < SRAID_COD_MAX_LDS; i++) {
            if (cod->lds[i].id == id) {
                order[n++] = i;
                break;
            }
        }
    }
    mb->nlds = n;
    for (unsigned k = 0; k < n; k++) {
        const SraidCodLd *l = &cod->lds[order[k]];
        SraidMailboxLd *ld = &mb->lds[k];
        SraidGeometry g;

        if (!sraid_geometry_init(&g, l->level, l->nmembers, l->strip_sectors,
                                 l->member_sectors, NULL)) {
            return false;
        }
        ld->id = l->id;
        ld->level = l->level;
        ld->state = l->state;
        ld->members = l->nmembers;
        ld->strip_sectors = l->strip_sectors;
        ld->sectors = sraid_geometry_capacity(&g);
        ld->naa = l->naa;
    }
    return true;
}
