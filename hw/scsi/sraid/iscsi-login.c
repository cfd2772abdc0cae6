/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI login phase, target side (RFC 7143 6.3, 11.12,
 * 11.13, 12.1.3, 13).
 *
 * We answer every key in the response to the request that carries it and
 * never propose keys of our own (besides the declarations
 * MaxRecvDataSegmentLength, TargetAlias and TargetPortalGroupTag), so an
 * initiator that starts in the operational stage with T=1 and NSG=3 is in
 * full feature phase after one round trip.  The price: the keys an
 * initiator does not send keep their RFC defaults, so our configured
 * limits may not be below them (sraid_iscsi_target_new checks that).
 */
#include <string.h>
#include <sys/random.h>

#include "iscsi-login.h"

static const char *const digest_values[] = { "None", "CRC32C", NULL };
static const char *const chap_values[] = { "CHAP", NULL };
static const char *const none_values[] = { "None", NULL };
static const char *const chap_md5_values[] = { "5", NULL };
static const char *const task_reporting_values[] = { "RFC3720", NULL };

void sraid_iscsi_params_default(SraidIscsiParams *p)
{
    /* RFC 7143 13.1 - 13.19 */
    p->header_digest = false;
    p->data_digest = false;
    p->initiator_mrdsl = 8192;
    p->target_mrdsl = 8192;
    p->max_burst_length = 262144;
    p->first_burst_length = 65536;
    p->max_outstanding_r2t = 1;
    p->initial_r2t = true;
    p->immediate_data = true;
    p->default_time2wait = 2;
    p->default_time2retain = 20;
}

bool sraid_iscsi_name_equal(const char *a, const char *b)
{
    return !g_ascii_strcasecmp(a, b);
}

bool sraid_iscsi_name_valid(const char *name)
{
    size_t len = strnlen(name, SRAID_ISCSI_NAME_MAX + 1);

    if (len <= 4 || len > SRAID_ISCSI_NAME_MAX) {
        return false;
    }
    if (g_ascii_strncasecmp(name, "iqn.", 4) &&
        g_ascii_strncasecmp(name, "eui.", 4) &&
        g_ascii_strncasecmp(name, "naa.", 4)) {
        return false;
    }
    /* RFC 3722 leaves a-z, 0-9, '-', '.' and ':' after normalisation */
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isalnum(name[i]) && !strchr("-.:", name[i])) {
            return false;
        }
    }
    return true;
}

void sraid_iscsi_login_init(SraidIscsiLogin *l,
                            const SraidIscsiTargetConfig *cfg)
{
    memset(l, 0, sizeof(*l));
    l->cfg = cfg;
    sraid_iscsi_params_default(&l->params);
    /* Our declaration; it holds from full feature phase on */
    l->params.target_mrdsl = cfg->max_recv_data_segment_length;
}

void sraid_iscsi_login_cleanup(SraidIscsiLogin *l)
{
    g_free(l->partial);
    l->partial = NULL;
    l->partial_len = 0;
}

static bool chap_configured(const SraidIscsiLogin *l)
{
    return l->cfg->chap_user != NULL;
}

static bool initiator_allowed(const SraidIscsiTargetConfig *cfg,
                              const char *name)
{
    if (!cfg->initiators || !cfg->initiators[0]) {
        return true;
    }
    for (char **p = cfg->initiators; *p; p++) {
        if (sraid_iscsi_name_equal(*p, name)) {
            return true;
        }
    }
    return false;
}

/*
 * The declaratives of the leading Login Request that decide whether the
 * login may go on at all (RFC 7143 11.12, 13.4, 13.21, 13.22).
 */
static uint16_t check_identity(SraidIscsiLogin *l, const SraidIscsiText *t)
{
    const char *iname = sraid_iscsi_text_get(t, "InitiatorName");
    const char *tname = sraid_iscsi_text_get(t, "TargetName");
    const char *type = sraid_iscsi_text_get(t, "SessionType");

    if (!iname || !*iname) {
        return SRAID_ISCSI_LOGIN_MISSING_PARAMETER;
    }
    if (strlen(iname) > SRAID_ISCSI_NAME_MAX) {
        return SRAID_ISCSI_LOGIN_INITIATOR_ERROR;
    }
    if (!type || !strcmp(type, "Normal")) {
        l->discovery = false;
    } else if (!strcmp(type, "Discovery")) {
        l->discovery = true;
    } else {
        return SRAID_ISCSI_LOGIN_UNSUPPORTED_SESSION;
    }
    if (!l->discovery) {
        if (!tname) {
            return SRAID_ISCSI_LOGIN_MISSING_PARAMETER;
        }
        if (!sraid_iscsi_name_equal(tname, l->cfg->target_name)) {
            return SRAID_ISCSI_LOGIN_NOT_FOUND;
        }
    }
    g_strlcpy(l->initiator_name, iname, sizeof(l->initiator_name));
    if (!initiator_allowed(l->cfg, iname)) {
        return SRAID_ISCSI_LOGIN_AUTHORIZATION_FAILED;
    }
    /* A target that wants CHAP cannot let the security stage be skipped */
    if (chap_configured(l) && l->stage != SRAID_ISCSI_STAGE_SECURITY) {
        return SRAID_ISCSI_LOGIN_AUTH_FAILED;
    }
    return SRAID_ISCSI_LOGIN_SUCCESS;
}

/* A numerical key in [lo, hi]: false (answer Reject) when not */
static bool number_in(const char *v, uint64_t lo, uint64_t hi, uint32_t *out)
{
    uint64_t n;

    if (!sraid_iscsi_text_number(v, &n) || n < lo || n > hi) {
        return false;
    }
    *out = n;
    return true;
}

static bool is_chap_key(const char *k)
{
    return !strcmp(k, "CHAP_A") || !strcmp(k, "CHAP_I") ||
           !strcmp(k, "CHAP_C") || !strcmp(k, "CHAP_N") ||
           !strcmp(k, "CHAP_R");
}

/* RFC 7143 12.1.3: CHAP_R = MD5(CHAP_I || secret || CHAP_C), RFC 1994 */
static void chap_md5(uint8_t id, const char *secret, const uint8_t *chal,
                     size_t chal_len, uint8_t digest[16])
{
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    gsize len = 16;

    g_checksum_update(md5, &id, 1);
    g_checksum_update(md5, (const guchar *)secret, strlen(secret));
    g_checksum_update(md5, chal, chal_len);
    g_checksum_get_digest(md5, digest, &len);
    g_checksum_free(md5);
}

static void hex_value(const uint8_t *buf, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";

    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        out[2 + 2 * i] = hex[buf[i] >> 4];
        out[3 + 2 * i] = hex[buf[i] & 15];
    }
    out[2 + 2 * len] = '\0';
}

/*
 * The CHAP exchange (RFC 7143 12.1.3): the initiator sends CHAP_A, we
 * answer CHAP_A, CHAP_I and CHAP_C, it sends CHAP_N and CHAP_R.  Mutual
 * CHAP (CHAP_I and CHAP_C from the initiator) needs a target secret we do
 * not have, so it fails the login rather than half-authenticate.
 */
static uint16_t chap_step(SraidIscsiLogin *l, const SraidIscsiText *t,
                          SraidIscsiTextOut *out)
{
    const char *a = sraid_iscsi_text_get(t, "CHAP_A");
    const char *n = sraid_iscsi_text_get(t, "CHAP_N");
    const char *r = sraid_iscsi_text_get(t, "CHAP_R");
    bool mutual = sraid_iscsi_text_get(t, "CHAP_I") ||
                  sraid_iscsi_text_get(t, "CHAP_C");
    char challenge[2 + 2 * SRAID_ISCSI_CHAP_CHALLENGE_LEN + 1];
    uint8_t expect[16], got[64];
    uint8_t diff = 0;
    int got_len;

    switch (l->chap) {
    case SRAID_ISCSI_CHAP_WAIT_A:
        if (!a) {
            return n || r || mutual ? SRAID_ISCSI_LOGIN_AUTH_FAILED
                                    : SRAID_ISCSI_LOGIN_SUCCESS;
        }
        if (n || r || mutual) {
            return SRAID_ISCSI_LOGIN_AUTH_FAILED;
        }
        if (!sraid_iscsi_text_list_pick(a, chap_md5_values)) {
            /* only MD5 is ours to offer */
            return SRAID_ISCSI_LOGIN_AUTH_FAILED;
        }
        if (getrandom(l->chap_challenge, sizeof(l->chap_challenge), 0) !=
                sizeof(l->chap_challenge) ||
            getrandom(&l->chap_id, 1, 0) != 1) {
            return SRAID_ISCSI_LOGIN_TARGET_ERROR;
        }
        hex_value(l->chap_challenge, sizeof(l->chap_challenge), challenge);
        sraid_iscsi_text_add_number(out, "CHAP_A", SRAID_ISCSI_CHAP_MD5);
        sraid_iscsi_text_add_number(out, "CHAP_I", l->chap_id);
        sraid_iscsi_text_add(out, "CHAP_C", challenge);
        l->chap = SRAID_ISCSI_CHAP_WAIT_R;
        return SRAID_ISCSI_LOGIN_SUCCESS;
    case SRAID_ISCSI_CHAP_WAIT_R:
        if (a || mutual || !n || !r) {
            return SRAID_ISCSI_LOGIN_AUTH_FAILED;
        }
        got_len = sraid_iscsi_text_binary(r, got, sizeof(got));
        if (strcmp(n, l->cfg->chap_user) || got_len != sizeof(expect)) {
            return SRAID_ISCSI_LOGIN_AUTH_FAILED;
        }
        chap_md5(l->chap_id, l->cfg->chap_secret, l->chap_challenge,
                 sizeof(l->chap_challenge), expect);
        /* constant time: the comparison must not leak the digest */
        for (size_t i = 0; i < sizeof(expect); i++) {
            diff |= expect[i] ^ got[i];
        }
        /* a challenge is good for one answer only */
        memset(l->chap_challenge, 0, sizeof(l->chap_challenge));
        if (diff) {
            return SRAID_ISCSI_LOGIN_AUTH_FAILED;
        }
        l->chap = SRAID_ISCSI_CHAP_DONE;
        return SRAID_ISCSI_LOGIN_SUCCESS;
    case SRAID_ISCSI_CHAP_NONE:
    case SRAID_ISCSI_CHAP_DONE:
    default:
        return a || n || r || mutual ? SRAID_ISCSI_LOGIN_AUTH_FAILED
                                     : SRAID_ISCSI_LOGIN_SUCCESS;
    }
}

/*
 * Answer one key (RFC 7143 6.2, 13).  Returns a login status: not 0 when
 * the key makes the login fail.
 */
static uint16_t negotiate(SraidIscsiLogin *l, const char *k, const char *v,
                          SraidIscsiTextOut *out)
{
    const SraidIscsiTargetConfig *cfg = l->cfg;
    SraidIscsiParams *p = &l->params;
    bool security = l->stage == SRAID_ISCSI_STAGE_SECURITY;
    const char *pick;
    uint32_t n;
    bool b;

    /* Declaratives of the initiator: fixed by the leading request */
    if (!strcmp(k, "InitiatorName")) {
        return sraid_iscsi_name_equal(v, l->initiator_name) ?
               SRAID_ISCSI_LOGIN_SUCCESS : SRAID_ISCSI_LOGIN_INITIATOR_ERROR;
    }
    if (!strcmp(k, "TargetName")) {
        return l->discovery || sraid_iscsi_name_equal(v, cfg->target_name) ?
               SRAID_ISCSI_LOGIN_SUCCESS : SRAID_ISCSI_LOGIN_INITIATOR_ERROR;
    }
    if (!strcmp(k, "SessionType")) {
        return !strcmp(v, l->discovery ? "Discovery" : "Normal") ?
               SRAID_ISCSI_LOGIN_SUCCESS : SRAID_ISCSI_LOGIN_INITIATOR_ERROR;
    }
    if (!strcmp(k, "InitiatorAlias")) {
        if (strlen(v) >= sizeof(l->initiator_alias)) {
            return SRAID_ISCSI_LOGIN_INITIATOR_ERROR;
        }
        g_strlcpy(l->initiator_alias, v, sizeof(l->initiator_alias));
        return SRAID_ISCSI_LOGIN_SUCCESS;
    }
    if (!strcmp(k, "MaxRecvDataSegmentLength")) {
        /* declarative (13.12): no answer, only a Reject when invalid */
        if (number_in(v, 512, SRAID_ISCSI_MAX_DSL, &n)) {
            p->initiator_mrdsl = n;
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
        return SRAID_ISCSI_LOGIN_SUCCESS;
    }

    /* Security keys (12.1) */
    if (!strcmp(k, "AuthMethod")) {
        if (!security) {
            sraid_iscsi_text_add(out, k, "Irrelevant");
            return SRAID_ISCSI_LOGIN_SUCCESS;
        }
        pick = sraid_iscsi_text_list_pick(v, chap_configured(l) ?
                                          chap_values : none_values);
        if (!pick) {
            return SRAID_ISCSI_LOGIN_AUTH_FAILED;
        }
        sraid_iscsi_text_add(out, k, pick);
        if (chap_configured(l)) {
            if (l->chap == SRAID_ISCSI_CHAP_NONE) {
                l->chap = SRAID_ISCSI_CHAP_WAIT_A;
            }
        } else {
            l->auth_none = true;
        }
        return SRAID_ISCSI_LOGIN_SUCCESS;
    }
    if (is_chap_key(k)) {
        /* handled as a whole by chap_step(); never after security */
        if (!security) {
            return SRAID_ISCSI_LOGIN_INITIATOR_ERROR;
        }
        if (!chap_configured(l)) {
            sraid_iscsi_text_add(out, k, "Irrelevant");
        }
        return SRAID_ISCSI_LOGIN_SUCCESS;
    }

    /* Operational keys (13), accepted in both stages */
    if (!strcmp(k, "HeaderDigest") || !strcmp(k, "DataDigest")) {
        pick = sraid_iscsi_text_list_pick(v, digest_values);
        sraid_iscsi_text_add(out, k, pick ? pick : "Reject");
        if (pick) {
            b = !strcmp(pick, "CRC32C");
            if (k[0] == 'H') {
                p->header_digest = b;
            } else {
                p->data_digest = b;
            }
        }
    } else if (!strcmp(k, "MaxBurstLength")) {
        /* already folded in by the caller, which needs it first */
        if (number_in(v, 512, SRAID_ISCSI_MAX_DSL, &n)) {
            sraid_iscsi_text_add_number(out, k, p->max_burst_length);
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "FirstBurstLength")) {
        /* minimum (13.14), and never above MaxBurstLength */
        if (number_in(v, 512, SRAID_ISCSI_MAX_DSL, &n)) {
            n = MIN(n, cfg->first_burst_length);
            p->first_burst_length = MIN(n, p->max_burst_length);
            sraid_iscsi_text_add_number(out, k, p->first_burst_length);
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "MaxOutstandingR2T")) {
        if (number_in(v, 1, 65535, &n)) {
            p->max_outstanding_r2t = MIN(n, cfg->max_outstanding_r2t);
            sraid_iscsi_text_add_number(out, k, p->max_outstanding_r2t);
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "MaxConnections")) {
        /* minimum with our 1: one connection per session (13.2) */
        if (number_in(v, 1, 65535, &n)) {
            sraid_iscsi_text_add_number(out, k, 1);
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "ErrorRecoveryLevel")) {
        /* minimum with our 0 (13.20) */
        if (number_in(v, 0, 2, &n)) {
            sraid_iscsi_text_add_number(out, k, 0);
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "DefaultTime2Wait")) {
        /* maximum with our 0: the initiator decides (13.15) */
        if (number_in(v, 0, 3600, &n)) {
            p->default_time2wait = n;
            sraid_iscsi_text_add_number(out, k, n);
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "DefaultTime2Retain")) {
        /* minimum with our 0: nothing survives a lost connection (13.16) */
        if (number_in(v, 0, 3600, &n)) {
            p->default_time2retain = 0;
            sraid_iscsi_text_add_number(out, k, 0);
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "InitialR2T")) {
        /* OR with our No (13.10): the initiator decides */
        if (sraid_iscsi_text_bool(v, &b)) {
            p->initial_r2t = b;
            sraid_iscsi_text_add(out, k, b ? "Yes" : "No");
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "ImmediateData")) {
        /* AND with our Yes (13.11): the initiator decides */
        if (sraid_iscsi_text_bool(v, &b)) {
            p->immediate_data = b;
            sraid_iscsi_text_add(out, k, b ? "Yes" : "No");
        } else {
            sraid_iscsi_text_add(out, k, "Reject");
        }
    } else if (!strcmp(k, "DataPDUInOrder") ||
               !strcmp(k, "DataSequenceInOrder")) {
        /* OR with our Yes (13.18, 13.19): always in order */
        sraid_iscsi_text_add(out, k, sraid_iscsi_text_bool(v, &b) ?
                             "Yes" : "Reject");
    } else if (!strcmp(k, "IFMarker") || !strcmp(k, "OFMarker") ||
               !strcmp(k, "RDMAExtensions")) {
        /* AND with our No: no markers (RFC 3720 A.3), no iSER (RFC 7145) */
        sraid_iscsi_text_add(out, k, sraid_iscsi_text_bool(v, &b) ?
                             "No" : "Reject");
    } else if (!strcmp(k, "OFMarkInt") || !strcmp(k, "IFMarkInt")) {
        sraid_iscsi_text_add(out, k, "Irrelevant");
    } else if (!strcmp(k, "TaskReporting")) {
        /* 13.23: the RFC 3720 semantics only, no FastAbort */
        pick = sraid_iscsi_text_list_pick(v, task_reporting_values);
        sraid_iscsi_text_add(out, k, pick ? pick : "Reject");
    } else if (!strcmp(k, "TargetAlias") || !strcmp(k, "TargetAddress") ||
               !strcmp(k, "TargetPortalGroupTag") ||
               !strcmp(k, "SendTargets")) {
        /* ours to declare, or full feature phase only */
        sraid_iscsi_text_add(out, k, "Irrelevant");
    } else {
        sraid_iscsi_text_add(out, k, "NotUnderstood");
    }
    return SRAID_ISCSI_LOGIN_SUCCESS;
}

static void fail(SraidIscsiLoginRsp *rsp, uint16_t status)
{
    rsp->status = status;
    rsp->flags &= ~(SRAID_ISCSI_LOGIN_T | 3);
    rsp->full_feature = false;
    rsp->text_len = 0;
}

void sraid_iscsi_login_step(SraidIscsiLogin *l, const SraidIscsiPdu *req,
                            const uint8_t *data, uint32_t len,
                            SraidIscsiLoginRsp *rsp)
{
    SraidIscsiTextOut out;
    SraidIscsiText t;
    uint16_t status = SRAID_ISCSI_LOGIN_SUCCESS;
    bool leading = l->steps == 0;
    const char *mbl;
    uint32_t n;
    bool ready;

    rsp->status = SRAID_ISCSI_LOGIN_SUCCESS;
    rsp->flags = (req->csg & 3) << 2;
    rsp->full_feature = false;
    rsp->text_len = 0;
    sraid_iscsi_text_out_init(&out, rsp->text, sizeof(rsp->text));

    if (++l->steps > SRAID_ISCSI_LOGIN_MAX_STEPS) {
        fail(rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
        return;
    }
    /* 11.12.4: we speak version 0 only */
    if (req->version_min > 0) {
        fail(rsp, SRAID_ISCSI_LOGIN_UNSUPPORTED_VERSION);
        return;
    }
    if (leading) {
        memcpy(l->isid, req->isid, 6);
        l->tsih = req->tsih;
        l->cid = req->cid;
        l->stage = req->csg;
    } else if (memcmp(l->isid, req->isid, 6) || l->tsih != req->tsih ||
               l->cid != req->cid) {
        /* 11.12.5-11.12.7: the login's identity cannot change midway */
        fail(rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
        return;
    }
    /*
     * 6.3: stages only go forward, and only when we agreed (T=1 in our
     * response); CSG 2 and 3 do not exist in a request.
     */
    if (req->csg != l->stage || req->csg > SRAID_ISCSI_STAGE_OPERATIONAL ||
        (req->final && req->login_cont) ||
        (req->final && (req->nsg <= req->csg || req->nsg == 2))) {
        fail(rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
        return;
    }

    /* 6.1: a text may span PDUs with the C bit; each gets an empty reply */
    if ((uint64_t)l->partial_len + len > SRAID_ISCSI_TEXT_MAX) {
        fail(rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
        return;
    }
    l->partial = g_realloc(l->partial, l->partial_len + len + 1);
    memcpy(l->partial + l->partial_len, data, len);
    l->partial_len += len;
    if (req->login_cont) {
        return;
    }
    if (sraid_iscsi_text_parse(&t, l->partial, l->partial_len) !=
            SRAID_ISCSI_TEXT_OK) {
        sraid_iscsi_text_clear(&t);
        sraid_iscsi_login_cleanup(l);
        fail(rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
        return;
    }
    sraid_iscsi_login_cleanup(l);

    if (!l->initiator_name[0]) {
        status = check_identity(l, &t);
        if (status) {
            goto out;
        }
    }

    /* FirstBurstLength depends on MaxBurstLength wherever that comes */
    mbl = sraid_iscsi_text_get(&t, "MaxBurstLength");
    if (mbl && number_in(mbl, 512, SRAID_ISCSI_MAX_DSL, &n)) {
        l->params.max_burst_length = MIN(n, l->cfg->max_burst_length);
    }
    for (unsigned i = 0; i < t.n && !status; i++) {
        const char *k = t.kv[i].key, *v = t.kv[i].value;

        /* 13.5.4: private and public extension keys we do not know */
        if (!strncmp(k, "X-", 2) || !strncmp(k, "X#", 2)) {
            continue;
        }
        /* answers to offers; we make none */
        if (!strcmp(v, "NotUnderstood") || !strcmp(v, "Irrelevant") ||
            !strcmp(v, "Reject")) {
            continue;
        }
        status = negotiate(l, k, v, &out);
    }
    if (!status && l->stage == SRAID_ISCSI_STAGE_SECURITY &&
        chap_configured(l)) {
        status = chap_step(l, &t, &out);
    }
    if (status) {
        goto out;
    }

    /* 6.3, 11.13.3: follow the initiator's T bit once we have all we need */
    ready = true;
    if (l->stage == SRAID_ISCSI_STAGE_SECURITY && chap_configured(l)) {
        if (l->chap == SRAID_ISCSI_CHAP_NONE && req->final) {
            /* it wants to leave security without offering CHAP */
            status = SRAID_ISCSI_LOGIN_AUTH_FAILED;
            goto out;
        }
        ready = l->chap == SRAID_ISCSI_CHAP_DONE;
    }
    if (req->final && ready) {
        rsp->flags |= SRAID_ISCSI_LOGIN_T | req->nsg;
        l->stage = req->nsg;
        rsp->full_feature = req->nsg == SRAID_ISCSI_STAGE_FULL_FEATURE;
    }

    /* Our declarations, once each */
    if (!l->declared_tpgt && !l->discovery) {
        /* 13.9: in the first Login Response of a Normal session */
        sraid_iscsi_text_add_number(&out, "TargetPortalGroupTag",
                                    l->cfg->tpgt);
        l->declared_tpgt = true;
    }
    if (!l->declared_mrdsl &&
        (req->csg == SRAID_ISCSI_STAGE_OPERATIONAL || rsp->full_feature)) {
        sraid_iscsi_text_add_number(&out, "MaxRecvDataSegmentLength",
                                    l->cfg->max_recv_data_segment_length);
        if (l->cfg->alias[0]) {
            sraid_iscsi_text_add(&out, "TargetAlias", l->cfg->alias);
        }
        l->declared_mrdsl = true;
    }
    if (out.truncated) {
        status = SRAID_ISCSI_LOGIN_TARGET_ERROR;
    }

out:
    sraid_iscsi_text_clear(&t);
    if (status) {
        fail(rsp, status);
    } else {
        rsp->text_len = out.len;
    }
}
