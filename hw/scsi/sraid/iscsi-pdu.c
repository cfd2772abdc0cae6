/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI PDU codec (RFC 7143 section 11).
 */
#include <string.h>

#include "cod.h"
#include "iscsi-pdu.h"
#include "scsi-proto.h"

void sraid_iscsi_pdu_decode(const uint8_t *bhs, SraidIscsiPdu *pdu)
{
    memset(pdu, 0, sizeof(*pdu));
    /* RFC 7143 11.2.1: fields common to every PDU */
    pdu->opcode = bhs[0] & SRAID_ISCSI_OPCODE_MASK;
    pdu->immediate = bhs[0] & SRAID_ISCSI_I_BIT;
    pdu->flags = bhs[1];
    pdu->final = bhs[1] & SRAID_ISCSI_F_BIT;
    pdu->total_ahs_len = bhs[4];
    pdu->data_len = (uint32_t)bhs[5] << 16 | (uint32_t)bhs[6] << 8 | bhs[7];
    memcpy(pdu->lun, bhs + 8, 8);
    pdu->itt = sraid_get_be32(bhs + 16);

    switch (pdu->opcode) {
    case SRAID_ISCSI_OP_SCSI_CMD:
        /* RFC 7143 11.3 */
        pdu->read = bhs[1] & SRAID_ISCSI_CMD_R;
        pdu->write = bhs[1] & SRAID_ISCSI_CMD_W;
        pdu->attr = bhs[1] & SRAID_ISCSI_CMD_ATTR_MASK;
        pdu->edtl = sraid_get_be32(bhs + 20);
        pdu->cmdsn = sraid_get_be32(bhs + 24);
        pdu->exp_statsn = sraid_get_be32(bhs + 28);
        memcpy(pdu->cdb, bhs + 32, 16);
        break;
    case SRAID_ISCSI_OP_TMF_REQ:
        /* RFC 7143 11.5 */
        pdu->function = bhs[1] & SRAID_ISCSI_TMF_FUNCTION_MASK;
        pdu->ref_task_tag = sraid_get_be32(bhs + 20);
        pdu->cmdsn = sraid_get_be32(bhs + 24);
        pdu->exp_statsn = sraid_get_be32(bhs + 28);
        pdu->ref_cmdsn = sraid_get_be32(bhs + 32);
        pdu->exp_data_sn = sraid_get_be32(bhs + 36);
        break;
    case SRAID_ISCSI_OP_DATA_OUT:
        /* RFC 7143 11.7 */
        pdu->ttt = sraid_get_be32(bhs + 20);
        pdu->exp_statsn = sraid_get_be32(bhs + 28);
        pdu->data_sn = sraid_get_be32(bhs + 36);
        pdu->buffer_offset = sraid_get_be32(bhs + 40);
        break;
    case SRAID_ISCSI_OP_LOGIN_REQ:
        /* RFC 7143 11.12: ISID and TSIH take the place of the LUN */
        pdu->login_cont = bhs[1] & SRAID_ISCSI_LOGIN_C;
        pdu->csg = (bhs[1] >> 2) & 3;
        pdu->nsg = bhs[1] & 3;
        pdu->version_max = bhs[2];
        pdu->version_min = bhs[3];
        memcpy(pdu->isid, bhs + 8, 6);
        pdu->tsih = sraid_get_be16(bhs + 14);
        pdu->cid = sraid_get_be16(bhs + 20);
        pdu->cmdsn = sraid_get_be32(bhs + 24);
        pdu->exp_statsn = sraid_get_be32(bhs + 28);
        break;
    case SRAID_ISCSI_OP_LOGOUT_REQ:
        /* RFC 7143 11.14 */
        pdu->reason = bhs[1] & SRAID_ISCSI_LOGOUT_REASON_MASK;
        pdu->cid = sraid_get_be16(bhs + 20);
        pdu->cmdsn = sraid_get_be32(bhs + 24);
        pdu->exp_statsn = sraid_get_be32(bhs + 28);
        break;
    case SRAID_ISCSI_OP_NOP_OUT:
    case SRAID_ISCSI_OP_TEXT_REQ:
        /* RFC 7143 11.18, 11.10 */
        pdu->ttt = sraid_get_be32(bhs + 20);
        pdu->cmdsn = sraid_get_be32(bhs + 24);
        pdu->exp_statsn = sraid_get_be32(bhs + 28);
        break;
    case SRAID_ISCSI_OP_SNACK:
        /* RFC 7143 11.16: decoded only to be rejected */
        pdu->ttt = sraid_get_be32(bhs + 20);
        pdu->exp_statsn = sraid_get_be32(bhs + 28);
        break;
    default:
        break;
    }
}

uint32_t sraid_iscsi_digest(const void *buf, size_t len)
{
    return sraid_crc32c(buf, len);
}

void sraid_iscsi_put_digest(uint8_t *p, uint32_t crc)
{
    p[0] = crc;
    p[1] = crc >> 8;
    p[2] = crc >> 16;
    p[3] = crc >> 24;
}

uint32_t sraid_iscsi_get_digest(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

bool sraid_iscsi_lun_decode(const uint8_t raw[8], uint64_t *lun)
{
    for (int i = 2; i < 8; i++) {
        if (raw[i]) {
            return false;               /* second level or beyond */
        }
    }
    switch (raw[0] >> 6) {
    case 0:
        /* peripheral device addressing: byte 0 holds the bus identifier */
        if (raw[0] & 0x3f) {
            return false;
        }
        *lun = raw[1];
        return true;
    case 1:
        /* flat space addressing */
        *lun = (uint64_t)(raw[0] & 0x3f) << 8 | raw[1];
        return true;
    default:
        return false;
    }
}

void sraid_iscsi_lun_encode(uint64_t lun, uint8_t raw[8])
{
    memset(raw, 0, 8);
    if (lun < 256) {
        raw[1] = lun;
    } else {
        raw[0] = 0x40 | ((lun >> 8) & 0x3f);
        raw[1] = lun;
    }
}

/* The fields every target PDU shares (RFC 7143 11.2.1) */
static void encode_common(uint8_t *bhs, uint8_t opcode, uint8_t flags,
                          uint32_t itt, const SraidIscsiSn *sn,
                          uint32_t data_len)
{
    memset(bhs, 0, SRAID_ISCSI_BHS_LEN);
    bhs[0] = opcode;
    bhs[1] = flags;
    bhs[5] = data_len >> 16;
    bhs[6] = data_len >> 8;
    bhs[7] = data_len;
    sraid_put_be32(bhs + 16, itt);
    sraid_put_be32(bhs + 24, sn->statsn);
    sraid_put_be32(bhs + 28, sn->exp_cmdsn);
    sraid_put_be32(bhs + 32, sn->max_cmdsn);
}

void sraid_iscsi_encode_login_rsp(uint8_t *bhs, uint8_t flags,
                                  const uint8_t isid[6], uint16_t tsih,
                                  uint32_t itt, const SraidIscsiSn *sn,
                                  uint16_t status, uint32_t data_len)
{
    encode_common(bhs, SRAID_ISCSI_OP_LOGIN_RSP, flags, itt, sn, data_len);
    /* Version-max and Version-active: 0 is the only version (11.13.1) */
    memcpy(bhs + 8, isid, 6);
    sraid_put_be16(bhs + 14, tsih);
    sraid_put_be16(bhs + 36, status);
}

void sraid_iscsi_encode_text_rsp(uint8_t *bhs, uint8_t flags, uint32_t itt,
                                 uint32_t ttt, const SraidIscsiSn *sn,
                                 uint32_t data_len)
{
    encode_common(bhs, SRAID_ISCSI_OP_TEXT_RSP, flags, itt, sn, data_len);
    sraid_put_be32(bhs + 20, ttt);
}

void sraid_iscsi_encode_scsi_rsp(uint8_t *bhs, uint8_t flags,
                                 uint8_t response, uint8_t status,
                                 uint32_t itt, const SraidIscsiSn *sn,
                                 uint32_t exp_data_sn, uint32_t residual,
                                 uint32_t data_len)
{
    encode_common(bhs, SRAID_ISCSI_OP_SCSI_RSP, SRAID_ISCSI_F_BIT | flags,
                  itt, sn, data_len);
    bhs[2] = response;
    bhs[3] = status;
    /* SNACK Tag (bytes 20-23) stays 0: no SNACK at ERL 0 */
    sraid_put_be32(bhs + 36, exp_data_sn);
    sraid_put_be32(bhs + 44, residual);
}

void sraid_iscsi_encode_data_in(uint8_t *bhs, uint8_t flags, uint8_t status,
                                const uint8_t lun[8], uint32_t itt,
                                const SraidIscsiSn *sn, uint32_t data_sn,
                                uint32_t buffer_offset, uint32_t residual,
                                uint32_t data_len)
{
    encode_common(bhs, SRAID_ISCSI_OP_DATA_IN, flags, itt, sn, data_len);
    if (flags & SRAID_ISCSI_DATA_STATUS) {
        bhs[3] = status;
        sraid_put_be32(bhs + 44, residual);
    } else {
        /* StatSN and Status are valid only with the S bit (11.7.3) */
        sraid_put_be32(bhs + 24, 0);
    }
    memcpy(bhs + 8, lun, 8);
    sraid_put_be32(bhs + 20, SRAID_ISCSI_RSVD_TAG);
    sraid_put_be32(bhs + 36, data_sn);
    sraid_put_be32(bhs + 40, buffer_offset);
}

void sraid_iscsi_encode_r2t(uint8_t *bhs, const uint8_t lun[8], uint32_t itt,
                            uint32_t ttt, const SraidIscsiSn *sn,
                            uint32_t r2tsn, uint32_t buffer_offset,
                            uint32_t desired_len)
{
    encode_common(bhs, SRAID_ISCSI_OP_R2T, SRAID_ISCSI_F_BIT, itt, sn, 0);
    memcpy(bhs + 8, lun, 8);
    sraid_put_be32(bhs + 20, ttt);
    sraid_put_be32(bhs + 36, r2tsn);
    sraid_put_be32(bhs + 40, buffer_offset);
    sraid_put_be32(bhs + 44, desired_len);
}

void sraid_iscsi_encode_nop_in(uint8_t *bhs, const uint8_t lun[8],
                               uint32_t itt, uint32_t ttt,
                               const SraidIscsiSn *sn, uint32_t data_len)
{
    encode_common(bhs, SRAID_ISCSI_OP_NOP_IN, SRAID_ISCSI_F_BIT, itt, sn,
                  data_len);
    memcpy(bhs + 8, lun, 8);
    sraid_put_be32(bhs + 20, ttt);
}

void sraid_iscsi_encode_tmf_rsp(uint8_t *bhs, uint8_t response, uint32_t itt,
                                const SraidIscsiSn *sn)
{
    encode_common(bhs, SRAID_ISCSI_OP_TMF_RSP, SRAID_ISCSI_F_BIT, itt, sn, 0);
    bhs[2] = response;
}

void sraid_iscsi_encode_logout_rsp(uint8_t *bhs, uint8_t response,
                                   uint32_t itt, const SraidIscsiSn *sn,
                                   uint16_t time2wait, uint16_t time2retain)
{
    encode_common(bhs, SRAID_ISCSI_OP_LOGOUT_RSP, SRAID_ISCSI_F_BIT, itt, sn,
                  0);
    bhs[2] = response;
    sraid_put_be16(bhs + 40, time2wait);
    sraid_put_be16(bhs + 42, time2retain);
}

void sraid_iscsi_encode_reject(uint8_t *bhs, uint8_t reason,
                               const SraidIscsiSn *sn)
{
    encode_common(bhs, SRAID_ISCSI_OP_REJECT, SRAID_ISCSI_F_BIT,
                  SRAID_ISCSI_RSVD_TAG, sn, SRAID_ISCSI_BHS_LEN);
    bhs[2] = reason;
}
