/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: configuration on disk (COD) codec.
 *
 * A copy is one header sector followed by a payload of typed records.
 * Integers are little-endian.  Layout: docs/on-disk-format.md.
 */
#include <isa-l/crc.h>
#include <stdarg.h>
#include <string.h>

#include "cod.h"
#include "le-bytes.h"
#include "core-error.h"

/* Header field offsets */
#define H_MAGIC         0
#define H_VERSION       8
#define H_HEADER_LEN    10
#define H_FLAGS         12
#define H_GENERATION    16
#define H_PAYLOAD_LEN   24
#define H_PAYLOAD_CRC   28
#define H_ARRAY_GUID    32
#define H_MEMBER_INDEX  48
#define H_COPY          52
#define H_HEADER_CRC    60

/* Records */
#define REC_HDR_LEN     8
#define REC_REQUIRED    0x0001      /* a reader must know this type */
#define REC_ARRAY       1
#define REC_MEMBER      2
#define REC_LD          3
#define ARRAY_BODY_LEN  64
#define MEMBER_BODY_LEN 40
#define LD_BODY_LEN     128

static size_t round_up(size_t n, size_t align)
{
    return (n + align - 1) / align * align;
}

static gboolean all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i]) {
            return FALSE;
        }
    }
    return TRUE;
}

uint32_t sraid_crc32c_extend(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    crc ^= 0xffffffff;
    /* crc32_iscsi takes an int length: feed large buffers in pieces */
    while (len) {
        int n = MIN(len, (size_t)G_MAXINT32);

        crc = crc32_iscsi((unsigned char *)p, n, crc);
        p += n;
        len -= n;
    }
    return crc ^ 0xffffffff;
}

uint32_t sraid_crc32c(const void *buf, size_t len)
{
    return sraid_crc32c_extend(0, buf, len);
}

static gboolean invalid(GError **errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static gboolean invalid(GError **errp, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(errp, SRAID_ERROR, SRAID_ERROR_INVALID, msg);
    g_free(msg);
    return FALSE;
}

static gboolean printable(const char *s, size_t max)
{
    size_t len = strnlen(s, max + 1);

    if (len > max) {
        return FALSE;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e) {
            return FALSE;
        }
    }
    return TRUE;
}

gboolean sraid_cod_validate(const SraidCod *cod, GError **errp)
{
    if (cod->nmembers < 1 || cod->nmembers > SRAID_MAX_MEMBERS) {
        return invalid(errp, "%u members: an array has 1 to %u",
                       cod->nmembers, SRAID_MAX_MEMBERS);
    }
    if (cod->nlds > SRAID_COD_MAX_LDS) {
        return invalid(errp, "%u logical drives: at most %u", cod->nlds,
                       SRAID_COD_MAX_LDS);
    }
    if (!printable(cod->name, SRAID_COD_NAME_LEN)) {
        return invalid(errp, "array name is not printable ASCII of at most"
                       " %u characters", SRAID_COD_NAME_LEN);
    }
    for (unsigned i = 0; i < cod->nmembers; i++) {
        const SraidCodMember *m = &cod->members[i];

        if (m->state > SRAID_MEMBER_MISSING) {
            return invalid(errp, "member %u: unknown state %u", i, m->state);
        }
        if (m->sectors == 0 || m->rebuild_checkpoint > m->sectors) {
            return invalid(errp, "member %u: size %" G_GUINT64_FORMAT
                           " or rebuild checkpoint %" G_GUINT64_FORMAT
                           " is not valid", i, m->sectors,
                           m->rebuild_checkpoint);
        }
        for (unsigned j = 0; j < i; j++) {
            if (!memcmp(m->guid, cod->members[j].guid, 16)) {
                return invalid(errp, "members %u and %u have the same GUID",
                               j, i);
            }
        }
    }
    for (unsigned l = 0; l < cod->nlds; l++) {
        const SraidCodLd *ld = &cod->lds[l];
        SraidGeometry g;
        g_autoptr(GError) gerr = NULL;
        unsigned naa_type = ld->naa >> 60;

        if (ld->state > SRAID_LD_OFFLINE) {
            return invalid(errp, "logical drive %u: unknown state %u",
                           ld->id, ld->state);
        }
        if (!sraid_geometry_init(&g, ld->level, ld->nmembers,
                                 ld->strip_sectors, ld->member_sectors,
                                 &gerr)) {
            return invalid(errp, "logical drive %u: %s", ld->id,
                           gerr->message);
        }
        if (ld->member_sectors % ld->strip_sectors) {
            return invalid(errp, "logical drive %u: %" G_GUINT64_FORMAT
                           " sectors per member is not a whole number of"
                           " strips", ld->id, ld->member_sectors);
        }
        if (naa_type != 2 && naa_type != 3 && naa_type != 5) {
            return invalid(errp, "logical drive %u: NAA identifier 0x%016"
                           G_GINT64_MODIFIER "x is not NAA 2h, 3h or 5h",
                           ld->id, ld->naa);
        }
        if (!printable(ld->name, SRAID_COD_NAME_LEN) ||
            !printable(ld->serial, SRAID_COD_SERIAL_LEN) || !ld->serial[0]) {
            return invalid(errp, "logical drive %u: name or serial is not"
                           " printable ASCII", ld->id);
        }
        for (unsigned k = 0; k < l; k++) {
            if (cod->lds[k].id == ld->id) {
                return invalid(errp, "two logical drives have id %u", ld->id);
            }
        }
        for (unsigned i = 0; i < ld->nmembers; i++) {
            unsigned mi = ld->members[i];

            if (mi >= cod->nmembers) {
                return invalid(errp, "logical drive %u: member %u does not"
                               " exist", ld->id, mi);
            }
            if (cod->members[mi].state == SRAID_MEMBER_SPARE) {
                return invalid(errp, "logical drive %u: member %u is a"
                               " spare", ld->id, mi);
            }
            if (ld->start > cod->members[mi].sectors ||
                ld->member_sectors > cod->members[mi].sectors - ld->start) {
                return invalid(errp, "logical drive %u does not fit on"
                               " member %u", ld->id, mi);
            }
            for (unsigned j = 0; j < i; j++) {
                if (ld->members[j] == mi) {
                    return invalid(errp, "logical drive %u uses member %u"
                                   " twice", ld->id, mi);
                }
            }
            /* LDs sharing a member must not share sectors. */
            for (unsigned k = 0; k < l; k++) {
                const SraidCodLd *o = &cod->lds[k];

                if (!memchr(o->members, mi, o->nmembers)) {
                    continue;
                }
                if (ld->start < o->start + o->member_sectors &&
                    o->start < ld->start + ld->member_sectors) {
                    return invalid(errp, "logical drives %u and %u overlap"
                                   " on member %u", o->id, ld->id, mi);
                }
            }
        }
    }
    return TRUE;
}

static uint8_t *put_record(uint8_t *p, uint16_t type, uint32_t len)
{
    sraid_put_le16(p, type);
    sraid_put_le16(p + 2, REC_REQUIRED);
    sraid_put_le32(p + 4, len);
    return p + REC_HDR_LEN;
}

size_t sraid_cod_encode(const SraidCod *cod, uint32_t member_index,
                        unsigned copy, uint8_t *buf, GError **errp)
{
    uint8_t *p = buf + SRAID_COD_SECTOR;
    size_t payload_len, total;

    if (!sraid_cod_validate(cod, errp)) {
        return 0;
    }
    g_assert(member_index < cod->nmembers && copy < 2);
    memset(buf, 0, SRAID_COD_COPY_BYTES);

    p = put_record(p, REC_ARRAY, ARRAY_BODY_LEN);
    memcpy(p, cod->name, strlen(cod->name));
    p += ARRAY_BODY_LEN;
    for (unsigned i = 0; i < cod->nmembers; i++) {
        const SraidCodMember *m = &cod->members[i];

        p = put_record(p, REC_MEMBER, MEMBER_BODY_LEN);
        sraid_put_le32(p, i);
        p[4] = m->state;
        p[5] = m->channel;
        p[6] = m->target;
        memcpy(p + 8, m->guid, 16);
        sraid_put_le64(p + 24, m->sectors);
        sraid_put_le64(p + 32, m->rebuild_checkpoint);
        p += MEMBER_BODY_LEN;
    }
    for (unsigned l = 0; l < cod->nlds; l++) {
        const SraidCodLd *ld = &cod->lds[l];

        p = put_record(p, REC_LD, LD_BODY_LEN);
        p[0] = ld->id;
        p[1] = ld->level;
        p[2] = ld->state;
        p[3] = ld->nmembers;
        sraid_put_le32(p + 4, ld->strip_sectors);
        sraid_put_le64(p + 8, ld->start);
        sraid_put_le64(p + 16, ld->member_sectors);
        sraid_put_le64(p + 24, ld->naa);
        memcpy(p + 32, ld->serial, strlen(ld->serial));
        memcpy(p + 64, ld->name, strlen(ld->name));
        memcpy(p + 96, ld->members, ld->nmembers);
        p += LD_BODY_LEN;
    }
    payload_len = p - (buf + SRAID_COD_SECTOR);
    g_assert(payload_len <= SRAID_COD_MAX_PAYLOAD);

    memcpy(buf + H_MAGIC, SRAID_COD_MAGIC, 8);
    sraid_put_le16(buf + H_VERSION, SRAID_COD_VERSION);
    sraid_put_le16(buf + H_HEADER_LEN, SRAID_COD_HEADER_LEN);
    sraid_put_le64(buf + H_GENERATION, cod->generation);
    sraid_put_le32(buf + H_PAYLOAD_LEN, payload_len);
    sraid_put_le32(buf + H_PAYLOAD_CRC, sraid_crc32c(buf + SRAID_COD_SECTOR,
                                            payload_len));
    memcpy(buf + H_ARRAY_GUID, cod->array_guid, 16);
    sraid_put_le32(buf + H_MEMBER_INDEX, member_index);
    buf[H_COPY] = copy;
    sraid_put_le32(buf + H_HEADER_CRC, sraid_crc32c(buf, H_HEADER_CRC));

    total = SRAID_COD_SECTOR + payload_len;
    return round_up(total, SRAID_COD_SECTOR);
}

static gboolean decode_header(const uint8_t *buf, size_t len,
                              SraidCodHeader *hdr, GError **errp)
{
    if (len < SRAID_COD_SECTOR) {
        return invalid(errp, "%zu bytes is shorter than a header sector",
                       len);
    }
    if (memcmp(buf + H_MAGIC, SRAID_COD_MAGIC, 8)) {
        return invalid(errp, "no sraid configuration (magic not found)");
    }
    if (sraid_get_le32(buf + H_HEADER_CRC) != sraid_crc32c(buf, H_HEADER_CRC)) {
        return invalid(errp, "configuration header checksum mismatch");
    }
    if (sraid_get_le16(buf + H_VERSION) != SRAID_COD_VERSION) {
        return invalid(errp, "configuration format version %u: this sraid"
                       " reads version %u", sraid_get_le16(buf + H_VERSION),
                       SRAID_COD_VERSION);
    }
    /* The reserved bytes are outside the header CRC: they must be zero. */
    if (sraid_get_le16(buf + H_HEADER_LEN) != SRAID_COD_HEADER_LEN ||
        sraid_get_le32(buf + H_FLAGS) != 0 ||
        !all_zero(buf + H_COPY + 1, H_HEADER_CRC - H_COPY - 1) ||
        !all_zero(buf + SRAID_COD_HEADER_LEN,
                  SRAID_COD_SECTOR - SRAID_COD_HEADER_LEN)) {
        return invalid(errp, "configuration header length, flags or"
                       " reserved bytes not understood");
    }
    hdr->generation = sraid_get_le64(buf + H_GENERATION);
    memcpy(hdr->array_guid, buf + H_ARRAY_GUID, 16);
    hdr->member_index = sraid_get_le32(buf + H_MEMBER_INDEX);
    hdr->copy = buf[H_COPY];
    hdr->payload_len = sraid_get_le32(buf + H_PAYLOAD_LEN);
    hdr->payload_crc = sraid_get_le32(buf + H_PAYLOAD_CRC);
    if (hdr->copy > 1 || hdr->member_index >= SRAID_MAX_MEMBERS) {
        return invalid(errp, "configuration header names copy %u of member"
                       " %u", hdr->copy, hdr->member_index);
    }
    if (hdr->payload_len > SRAID_COD_MAX_PAYLOAD ||
        hdr->payload_len > len - SRAID_COD_SECTOR) {
        return invalid(errp, "configuration payload of %u bytes does not"
                       " fit the copy", hdr->payload_len);
    }
    if (sraid_crc32c(buf + SRAID_COD_SECTOR, hdr->payload_len) !=
        hdr->payload_crc) {
        return invalid(errp, "configuration payload checksum mismatch"
                       " (torn or corrupted write)");
    }
    return TRUE;
}

/* A NUL-padded ASCII field: everything after the first NUL must be NUL. */
static gboolean copy_string(char *dst, const uint8_t *src, size_t max)
{
    size_t len = strnlen((const char *)src, max);

    memcpy(dst, src, len);
    dst[len] = 0;
    return all_zero(src + len, max - len);
}

gboolean sraid_cod_has_magic(const uint8_t *buf, size_t len)
{
    return len >= H_MAGIC + 8 && !memcmp(buf + H_MAGIC, SRAID_COD_MAGIC, 8);
}

gboolean sraid_cod_decode(const uint8_t *buf, size_t len, SraidCod *cod,
                          SraidCodHeader *hdr, GError **errp)
{
    const uint8_t *p, *end;
    uint32_t seen_members = 0;
    gboolean seen_array = FALSE;

    if (!decode_header(buf, len, hdr, errp)) {
        return FALSE;
    }
    memset(cod, 0, sizeof(*cod));
    cod->generation = hdr->generation;
    memcpy(cod->array_guid, hdr->array_guid, 16);

    p = buf + SRAID_COD_SECTOR;
    end = p + hdr->payload_len;
    while (p < end) {
        uint16_t type, flags;
        uint32_t rlen;

        if (end - p < REC_HDR_LEN) {
            return invalid(errp, "truncated record header");
        }
        type = sraid_get_le16(p);
        flags = sraid_get_le16(p + 2);
        rlen = sraid_get_le32(p + 4);
        p += REC_HDR_LEN;
        if (rlen > (size_t)(end - p)) {
            return invalid(errp, "record of type %u runs past the payload",
                           type);
        }
        switch (type) {
        case REC_ARRAY:
            if (rlen != ARRAY_BODY_LEN || seen_array) {
                return invalid(errp, "bad or repeated array record");
            }
            if (!copy_string(cod->name, p, SRAID_COD_NAME_LEN) ||
                !all_zero(p + SRAID_COD_NAME_LEN,
                          ARRAY_BODY_LEN - SRAID_COD_NAME_LEN)) {
                return invalid(errp, "array record has non-zero reserved"
                               " bytes");
            }
            seen_array = TRUE;
            break;
        case REC_MEMBER: {
            uint32_t i = sraid_get_le32(p);
            SraidCodMember *m;

            if (rlen != MEMBER_BODY_LEN || i >= SRAID_MAX_MEMBERS ||
                (seen_members & (1u << i)) || p[7]) {
                return invalid(errp, "bad or repeated member record");
            }
            seen_members |= 1u << i;
            m = &cod->members[i];
            m->state = p[4];
            m->channel = p[5];
            m->target = p[6];
            memcpy(m->guid, p + 8, 16);
            m->sectors = sraid_get_le64(p + 24);
            m->rebuild_checkpoint = sraid_get_le64(p + 32);
            cod->nmembers = MAX(cod->nmembers, i + 1);
            break;
        }
        case REC_LD: {
            SraidCodLd *ld;

            if (rlen != LD_BODY_LEN || cod->nlds == SRAID_COD_MAX_LDS) {
                return invalid(errp, "bad logical drive record or more"
                               " than %u of them", SRAID_COD_MAX_LDS);
            }
            ld = &cod->lds[cod->nlds++];
            ld->id = p[0];
            ld->level = p[1];
            ld->state = p[2];
            ld->nmembers = p[3];
            ld->strip_sectors = sraid_get_le32(p + 4);
            ld->start = sraid_get_le64(p + 8);
            ld->member_sectors = sraid_get_le64(p + 16);
            ld->naa = sraid_get_le64(p + 24);
            if (ld->nmembers > SRAID_MAX_MEMBERS ||
                !copy_string(ld->serial, p + 32, SRAID_COD_SERIAL_LEN) ||
                !copy_string(ld->name, p + 64, SRAID_COD_NAME_LEN) ||
                !all_zero(p + 96 + ld->nmembers,
                          SRAID_MAX_MEMBERS - ld->nmembers)) {
                return invalid(errp, "logical drive record %u is"
                               " malformed", ld->id);
            }
            memcpy(ld->members, p + 96, ld->nmembers);
            break;
        }
        default:
            if (flags & REC_REQUIRED) {
                return invalid(errp, "record type %u is required but not"
                               " known: written by a newer sraid?", type);
            }
            break;
        }
        if (round_up(rlen, 8) > (size_t)(end - p)) {
            break;
        }
        p += round_up(rlen, 8);
    }
    if (!seen_array) {
        return invalid(errp, "no array record");
    }
    if (seen_members != (cod->nmembers == 32 ? 0xffffffffu
                                             : (1u << cod->nmembers) - 1)) {
        return invalid(errp, "member table has holes");
    }
    if (hdr->member_index >= cod->nmembers) {
        return invalid(errp, "copy written to member %u of a %u-member"
                       " array", hdr->member_index, cod->nmembers);
    }
    return sraid_cod_validate(cod, errp);
}

uint32_t sraid_cod_ld_positions(const SraidCodLd *l, unsigned member)
{
    uint32_t bits = 0;

    for (unsigned k = 0; k < l->nmembers; k++) {
        if (l->members[k] == member) {
            bits |= 1u << k;
        }
    }
    return bits;
}
