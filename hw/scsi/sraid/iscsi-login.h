/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI login phase, target side (RFC 7143 6.3, 11.12,
 * 11.13, 12.1.3, 13).
 *
 * One SraidIscsiLogin follows the Login Requests of one connection through
 * the security stage (CHAP with MD5) and the operational stage, negotiates
 * the operational keys and tells the caller when the initiator may enter
 * full feature phase.  Sessions (TSIH, reinstatement, limits) are the
 * caller's business: see iscsi-target.c.
 */
#ifndef SRAID_ISCSI_LOGIN_H
#define SRAID_ISCSI_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "iscsi-pdu.h"
#include "iscsi-target.h"
#include "iscsi-text.h"

/*
 * Data segment limit of Login PDUs both ways: MaxRecvDataSegmentLength
 * is only declared during login, so its default applies (RFC 7143 13.12).
 */
#define SRAID_ISCSI_LOGIN_MAX_DATA      8192
/* Login Requests accepted in one login phase before giving up */
#define SRAID_ISCSI_LOGIN_MAX_STEPS     16
/* CHAP challenge length (RFC 7143 12.1.3 wants it unpredictable) */
#define SRAID_ISCSI_CHAP_CHALLENGE_LEN  16
#define SRAID_ISCSI_CHAP_MD5            5   /* CHAP_A value, RFC 1994 */

/* Operational parameters of a session (RFC 7143 13) */
typedef struct SraidIscsiParams {
    bool header_digest;             /* CRC32C */
    bool data_digest;
    /* largest data segment we may send (the initiator's declaration) */
    uint32_t initiator_mrdsl;
    /* largest data segment the initiator may send (our declaration) */
    uint32_t target_mrdsl;
    uint32_t max_burst_length;
    uint32_t first_burst_length;
    uint32_t max_outstanding_r2t;
    bool initial_r2t;
    bool immediate_data;
    uint32_t default_time2wait;
    uint32_t default_time2retain;
} SraidIscsiParams;

typedef enum SraidIscsiChapState {
    SRAID_ISCSI_CHAP_NONE,          /* AuthMethod=CHAP not agreed yet */
    SRAID_ISCSI_CHAP_WAIT_A,        /* agreed; waiting for CHAP_A */
    SRAID_ISCSI_CHAP_WAIT_R,        /* challenge sent */
    SRAID_ISCSI_CHAP_DONE,
} SraidIscsiChapState;

typedef struct SraidIscsiLogin {
    const SraidIscsiTargetConfig *cfg;
    unsigned steps;
    /* From the first Login Request; later ones must repeat them */
    uint8_t isid[6];
    uint16_t tsih;
    uint16_t cid;
    char initiator_name[SRAID_ISCSI_NAME_MAX + 1];
    char initiator_alias[256];
    bool discovery;
    /* Stage the next Login Request must be in (CSG) */
    uint8_t stage;
    bool auth_none;                 /* AuthMethod=None agreed */
    SraidIscsiChapState chap;
    uint8_t chap_id;
    uint8_t chap_challenge[SRAID_ISCSI_CHAP_CHALLENGE_LEN];
    /* What our responses declared already */
    bool declared_tpgt;
    bool declared_mrdsl;
    /* Data of Login Requests with the C bit, until the last one */
    uint8_t *partial;
    uint32_t partial_len;
    SraidIscsiParams params;
} SraidIscsiLogin;

/* What to answer to one Login Request */
typedef struct SraidIscsiLoginRsp {
    uint16_t status;                /* class << 8 | detail (11.13.5) */
    uint8_t flags;                  /* T, CSG and NSG of the response */
    bool full_feature;              /* T=1, NSG=3: login complete */
    uint8_t text[SRAID_ISCSI_LOGIN_MAX_DATA];
    uint32_t text_len;
} SraidIscsiLoginRsp;

/* The RFC 7143 defaults (13) that hold until a key is negotiated */
void sraid_iscsi_params_default(SraidIscsiParams *p);

void sraid_iscsi_login_init(SraidIscsiLogin *l,
                            const SraidIscsiTargetConfig *cfg);
void sraid_iscsi_login_cleanup(SraidIscsiLogin *l);

/*
 * Process the Login Request @req with its @len data bytes.  On failure
 * @rsp->status is not 0 and the caller closes the connection after
 * sending the response.  On success with @rsp->full_feature, @l->params
 * hold the negotiated parameters and the caller must still set the TSIH.
 */
void sraid_iscsi_login_step(SraidIscsiLogin *l, const SraidIscsiPdu *req,
                            const uint8_t *data, uint32_t len,
                            SraidIscsiLoginRsp *rsp);

/* Case-insensitive iSCSI name comparison (names are lower case, 4.2.7) */
bool sraid_iscsi_name_equal(const char *a, const char *b);
/* Is @name an iqn., eui. or naa. name of at most 223 bytes? (4.2.7) */
bool sraid_iscsi_name_valid(const char *name);

#endif /* SRAID_ISCSI_LOGIN_H */
