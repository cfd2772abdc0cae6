/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI PDU codec (RFC 7143 section 11).
 *
 * Every iSCSI PDU starts with a 48-byte Basic Header Segment (BHS).  This
 * file decodes the BHS of the PDUs an initiator sends and encodes the BHS
 * of the PDUs a target sends.  It knows nothing about sessions: framing,
 * sequence numbers and state live in iscsi-target.c.
 */
#ifndef SRAID_ISCSI_PDU_H
#define SRAID_ISCSI_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRAID_ISCSI_BHS_LEN             48
#define SRAID_ISCSI_DIGEST_LEN          4
/* Tag meaning "no tag" for ITT and TTT (RFC 7143 11.2.1.8, 11.18.3) */
#define SRAID_ISCSI_RSVD_TAG            0xffffffffu
/* DataSegmentLength is a 24-bit field (RFC 7143 11.2.1.5) */
#define SRAID_ISCSI_MAX_DSL             0xffffffu

/* Opcodes (RFC 7143 11.2.1.2): initiator to target */
#define SRAID_ISCSI_OP_NOP_OUT          0x00
#define SRAID_ISCSI_OP_SCSI_CMD         0x01
#define SRAID_ISCSI_OP_TMF_REQ          0x02
#define SRAID_ISCSI_OP_LOGIN_REQ        0x03
#define SRAID_ISCSI_OP_TEXT_REQ         0x04
#define SRAID_ISCSI_OP_DATA_OUT         0x05
#define SRAID_ISCSI_OP_LOGOUT_REQ       0x06
#define SRAID_ISCSI_OP_SNACK            0x10
/* target to initiator */
#define SRAID_ISCSI_OP_NOP_IN           0x20
#define SRAID_ISCSI_OP_SCSI_RSP         0x21
#define SRAID_ISCSI_OP_TMF_RSP          0x22
#define SRAID_ISCSI_OP_LOGIN_RSP        0x23
#define SRAID_ISCSI_OP_TEXT_RSP         0x24
#define SRAID_ISCSI_OP_DATA_IN          0x25
#define SRAID_ISCSI_OP_LOGOUT_RSP       0x26
#define SRAID_ISCSI_OP_R2T              0x31
#define SRAID_ISCSI_OP_ASYNC_MSG        0x32
#define SRAID_ISCSI_OP_REJECT           0x3f

/* Byte 0 */
#define SRAID_ISCSI_I_BIT               0x40
#define SRAID_ISCSI_OPCODE_MASK         0x3f
/* Byte 1: the F (final) bit of most PDUs */
#define SRAID_ISCSI_F_BIT               0x80

/* SCSI Command byte 1 (RFC 7143 11.3.1) */
#define SRAID_ISCSI_CMD_R               0x40
#define SRAID_ISCSI_CMD_W               0x20
#define SRAID_ISCSI_CMD_ATTR_MASK       0x07

/* SCSI Response / Data-In byte 1 (RFC 7143 11.4.1, 11.7.1) */
#define SRAID_ISCSI_RSP_BIDI_OVERFLOW   0x10    /* o */
#define SRAID_ISCSI_RSP_BIDI_UNDERFLOW  0x08    /* u */
#define SRAID_ISCSI_RSP_OVERFLOW        0x04    /* O */
#define SRAID_ISCSI_RSP_UNDERFLOW       0x02    /* U */
#define SRAID_ISCSI_DATA_ACK            0x40    /* A, ERL > 0 only */
#define SRAID_ISCSI_DATA_STATUS         0x01    /* S */

/* SCSI Response byte 2 (RFC 7143 11.4.3) */
#define SRAID_ISCSI_RESPONSE_COMPLETED  0x00
#define SRAID_ISCSI_RESPONSE_TGT_FAILURE 0x01

/* Login Request/Response byte 1 (RFC 7143 11.12.1-11.12.3) */
#define SRAID_ISCSI_LOGIN_T             0x80
#define SRAID_ISCSI_LOGIN_C             0x40
#define SRAID_ISCSI_STAGE_SECURITY      0
#define SRAID_ISCSI_STAGE_OPERATIONAL   1
#define SRAID_ISCSI_STAGE_FULL_FEATURE  3

/* Login status classes and details (RFC 7143 11.13.5) */
#define SRAID_ISCSI_LOGIN_SUCCESS               0x0000
#define SRAID_ISCSI_LOGIN_INITIATOR_ERROR       0x0200
#define SRAID_ISCSI_LOGIN_AUTH_FAILED           0x0201
#define SRAID_ISCSI_LOGIN_AUTHORIZATION_FAILED  0x0202
#define SRAID_ISCSI_LOGIN_NOT_FOUND             0x0203
#define SRAID_ISCSI_LOGIN_UNSUPPORTED_VERSION   0x0205
#define SRAID_ISCSI_LOGIN_TOO_MANY_CONNECTIONS  0x0206
#define SRAID_ISCSI_LOGIN_MISSING_PARAMETER     0x0207
#define SRAID_ISCSI_LOGIN_UNSUPPORTED_SESSION   0x0209
#define SRAID_ISCSI_LOGIN_NO_SESSION            0x020a
#define SRAID_ISCSI_LOGIN_INVALID_DURING_LOGIN  0x020b
#define SRAID_ISCSI_LOGIN_TARGET_ERROR          0x0300
#define SRAID_ISCSI_LOGIN_OUT_OF_RESOURCES      0x0302

/* Text Request/Response byte 1 (RFC 7143 11.10.2) */
#define SRAID_ISCSI_TEXT_C              0x40

/* Task management functions (RFC 7143 11.5.1) */
#define SRAID_ISCSI_TMF_ABORT_TASK          1
#define SRAID_ISCSI_TMF_ABORT_TASK_SET      2
#define SRAID_ISCSI_TMF_CLEAR_ACA           3
#define SRAID_ISCSI_TMF_CLEAR_TASK_SET      4
#define SRAID_ISCSI_TMF_LUN_RESET           5
#define SRAID_ISCSI_TMF_TARGET_WARM_RESET   6
#define SRAID_ISCSI_TMF_TARGET_COLD_RESET   7
#define SRAID_ISCSI_TMF_TASK_REASSIGN       8
#define SRAID_ISCSI_TMF_FUNCTION_MASK       0x7f

/* Task management responses (RFC 7143 11.6.1) */
#define SRAID_ISCSI_TMF_RSP_COMPLETE        0
#define SRAID_ISCSI_TMF_RSP_NO_TASK         1
#define SRAID_ISCSI_TMF_RSP_NO_LUN          2
#define SRAID_ISCSI_TMF_RSP_REASSIGN_UNSUPPORTED 4
#define SRAID_ISCSI_TMF_RSP_NOT_SUPPORTED   5
#define SRAID_ISCSI_TMF_RSP_REJECTED        255

/* Logout reasons and responses (RFC 7143 11.14.1, 11.15.1) */
#define SRAID_ISCSI_LOGOUT_CLOSE_SESSION    0
#define SRAID_ISCSI_LOGOUT_CLOSE_CONN       1
#define SRAID_ISCSI_LOGOUT_RECOVERY         2
#define SRAID_ISCSI_LOGOUT_REASON_MASK      0x7f
#define SRAID_ISCSI_LOGOUT_RSP_OK           0
#define SRAID_ISCSI_LOGOUT_RSP_NO_CID       1
#define SRAID_ISCSI_LOGOUT_RSP_NO_RECOVERY  2

/* Reject reasons (RFC 7143 11.17.1) */
#define SRAID_ISCSI_REJECT_DIGEST           0x02
#define SRAID_ISCSI_REJECT_SNACK            0x03
#define SRAID_ISCSI_REJECT_PROTOCOL         0x04
#define SRAID_ISCSI_REJECT_NOT_SUPPORTED    0x05
#define SRAID_ISCSI_REJECT_IMMEDIATE        0x06
#define SRAID_ISCSI_REJECT_TASK_IN_PROGRESS 0x07
#define SRAID_ISCSI_REJECT_INVALID_FIELD    0x09
#define SRAID_ISCSI_REJECT_LONG_OP          0x0a
#define SRAID_ISCSI_REJECT_WAITING_LOGOUT   0x0c

/*
 * The BHS of a PDU sent by an initiator, decoded.  The fields are named
 * after RFC 7143; those an opcode does not define are 0.  The raw header
 * stays available for Reject, which returns it (RFC 7143 11.17.3).
 */
typedef struct SraidIscsiPdu {
    uint8_t opcode;
    bool immediate;                 /* I bit */
    bool final;                     /* F bit (T bit of a Login Request) */
    uint8_t flags;                  /* all of byte 1 */
    uint8_t total_ahs_len;          /* in 4-byte words */
    uint32_t data_len;              /* DataSegmentLength, unpadded */
    uint8_t lun[8];                 /* as sent: see sraid_iscsi_lun_decode */
    uint32_t itt;
    /*
     * Bytes 20-23: Target Transfer Tag (NOP-Out, Text, Data-Out, SNACK),
     * Expected Data Transfer Length (SCSI Command), Referenced Task Tag
     * (Task Management), CID in the upper 16 bits (Login, Logout).
     */
    uint32_t ttt;
    uint32_t edtl;
    uint32_t ref_task_tag;
    uint16_t cid;
    uint32_t cmdsn;                 /* all but Data-Out and SNACK */
    uint32_t exp_statsn;
    /* SCSI Command */
    bool read, write;
    uint8_t attr;
    uint8_t cdb[16];
    /* Data-Out */
    uint32_t data_sn;
    uint32_t buffer_offset;
    /* Task Management Request */
    uint8_t function;
    uint32_t ref_cmdsn;
    uint32_t exp_data_sn;
    /* Logout Request */
    uint8_t reason;
    /* Login Request */
    bool login_cont;                /* C bit */
    uint8_t csg, nsg;
    uint8_t version_max, version_min;
    uint8_t isid[6];
    uint16_t tsih;
} SraidIscsiPdu;

/* The three sequence numbers every target PDU carries (RFC 7143 4.2.2) */
typedef struct SraidIscsiSn {
    uint32_t statsn;
    uint32_t exp_cmdsn;
    uint32_t max_cmdsn;
} SraidIscsiSn;

/*
 * Decode the BHS at @bhs (SRAID_ISCSI_BHS_LEN bytes).  Never fails: an
 * opcode the codec does not know is returned in @pdu->opcode with only
 * the generic fields filled, for the caller to refuse.
 */
void sraid_iscsi_pdu_decode(const uint8_t *bhs, SraidIscsiPdu *pdu);

/* Padding that follows a data segment of @len bytes (RFC 7143 11.2.1) */
static inline uint32_t sraid_iscsi_pad(uint32_t len)
{
    return (4 - (len & 3)) & 3;
}

/*
 * CRC32C header or data digest (RFC 7143 12.1), the data digest covering
 * the padding too.  On the wire the digest is little-endian: the RFC 3720
 * appendix B.4 test vector (32 zero bytes) is sent as aa 36 91 8a, and
 * libiscsi and Linux agree.
 */
uint32_t sraid_iscsi_digest(const void *buf, size_t len);
void sraid_iscsi_put_digest(uint8_t *p, uint32_t crc);
uint32_t sraid_iscsi_get_digest(const uint8_t *p);

/*
 * SAM-5 single level LUN (the 8-byte LUN field, RFC 7143 11.3.4):
 * peripheral device addressing (00b, LUN 0-255) or flat space addressing
 * (01b, LUN 0-16383).  Returns false for other address methods, a bus
 * identifier, or a second level, so that no two encodings map to one LUN
 * number.
 */
bool sraid_iscsi_lun_decode(const uint8_t raw[8], uint64_t *lun);
/* The encoding Linux and libiscsi use: peripheral below 256, else flat */
void sraid_iscsi_lun_encode(uint64_t lun, uint8_t raw[8]);

/*
 * Serial number arithmetic on 32-bit sequence numbers (RFC 1982, used for
 * CmdSN, StatSN, DataSN: RFC 7143 4.2.2).
 */
static inline bool sraid_iscsi_sn_lt(uint32_t a, uint32_t b)
{
    return a != b && (uint32_t)(b - a) < 0x80000000u;
}

static inline bool sraid_iscsi_sn_gt(uint32_t a, uint32_t b)
{
    return sraid_iscsi_sn_lt(b, a);
}

/*
 * Encoders of target PDUs.  Each writes a complete BHS (reserved fields
 * zero) at @bhs; the caller appends the data segment of @data_len bytes.
 */
void sraid_iscsi_encode_login_rsp(uint8_t *bhs, uint8_t flags,
                                  const uint8_t isid[6], uint16_t tsih,
                                  uint32_t itt, const SraidIscsiSn *sn,
                                  uint16_t status, uint32_t data_len);
void sraid_iscsi_encode_text_rsp(uint8_t *bhs, uint8_t flags, uint32_t itt,
                                 uint32_t ttt, const SraidIscsiSn *sn,
                                 uint32_t data_len);
void sraid_iscsi_encode_scsi_rsp(uint8_t *bhs, uint8_t flags,
                                 uint8_t response, uint8_t status,
                                 uint32_t itt, const SraidIscsiSn *sn,
                                 uint32_t exp_data_sn, uint32_t residual,
                                 uint32_t data_len);
/* @flags: F, O, U, S bits; @status is sent only with S */
void sraid_iscsi_encode_data_in(uint8_t *bhs, uint8_t flags, uint8_t status,
                                const uint8_t lun[8], uint32_t itt,
                                const SraidIscsiSn *sn, uint32_t data_sn,
                                uint32_t buffer_offset, uint32_t residual,
                                uint32_t data_len);
void sraid_iscsi_encode_r2t(uint8_t *bhs, const uint8_t lun[8], uint32_t itt,
                            uint32_t ttt, const SraidIscsiSn *sn,
                            uint32_t r2tsn, uint32_t buffer_offset,
                            uint32_t desired_len);
void sraid_iscsi_encode_nop_in(uint8_t *bhs, const uint8_t lun[8],
                               uint32_t itt, uint32_t ttt,
                               const SraidIscsiSn *sn, uint32_t data_len);
void sraid_iscsi_encode_tmf_rsp(uint8_t *bhs, uint8_t response, uint32_t itt,
                                const SraidIscsiSn *sn);
void sraid_iscsi_encode_logout_rsp(uint8_t *bhs, uint8_t response,
                                   uint32_t itt, const SraidIscsiSn *sn,
                                   uint16_t time2wait, uint16_t time2retain);
/* The data segment of a Reject is the rejected BHS (RFC 7143 11.17) */
void sraid_iscsi_encode_reject(uint8_t *bhs, uint8_t reason,
                               const SraidIscsiSn *sn);

#endif /* SRAID_ISCSI_PDU_H */
