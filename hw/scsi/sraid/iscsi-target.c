/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI target protocol engine (RFC 7143): the target
 * object and its session registry, the connection's push parser, the
 * login phase, CmdSN/StatSN, NOP-Out/NOP-In, Text (SendTargets), Logout
 * and the timers.  SCSI commands and task management: iscsi-task.c.
 *
 * Error handling at ErrorRecoveryLevel 0 (RFC 7143 7.1, 7.2): anything
 * that breaks the framing (an AHS, an oversize data segment, a digest
 * error, an unknown opcode, a PDU not allowed in the current phase) and
 * any data-transfer sequence error closes the connection, and only that
 * one.  A well-framed PDU the target does not support is answered with a
 * Reject and the connection stays.
 */
#include <string.h>

#include "iscsi-conn.h"

/* Initial StatSN of a connection (RFC 7143 11.13.4: the target picks) */
#define ISCSI_FIRST_STATSN  1

static bool printable(const char *s, size_t max)
{
    size_t len = strnlen(s, max + 1);

    if (len > max) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

void sraid_iscsi_target_config_defaults(SraidIscsiTargetConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->tpgt = 1;
    cfg->max_recv_data_segment_length = 256 * 1024;
    cfg->max_burst_length = 1024 * 1024;
    cfg->first_burst_length = 256 * 1024;
    cfg->max_outstanding_r2t = 4;
    cfg->cmd_window = 32;
    cfg->max_sessions = 16;
    cfg->max_transfer = 8 * 1024 * 1024;
    cfg->nop_in_interval_ms = 5000;
    cfg->nop_in_timeout_ms = 15000;
    cfg->login_timeout_ms = 15000;
}

static char *check_config(const SraidIscsiTargetConfig *cfg,
                          const SraidIscsiLunOps *ops)
{
    unsigned n;

    if (!ops || !ops->lun_present || !ops->submit || !ops->abort ||
        !ops->reset) {
        return g_strdup("every LUN op is needed");
    }
    if (strnlen(cfg->target_name, sizeof(cfg->target_name)) ==
            sizeof(cfg->target_name) ||
        !sraid_iscsi_name_valid(cfg->target_name)) {
        return g_strdup("target name must be an iqn., eui. or naa. name of"
                        " at most 223 characters");
    }
    if (!printable(cfg->alias, sizeof(cfg->alias) - 1)) {
        return g_strdup("alias must be printable ASCII of at most 63"
                        " characters");
    }
    for (n = 0; cfg->initiators && cfg->initiators[n]; n++) {
        if (!sraid_iscsi_name_valid(cfg->initiators[n])) {
            return g_strdup_printf("'%s' is not an iSCSI name",
                                   cfg->initiators[n]);
        }
    }
    if (!cfg->chap_user != !cfg->chap_secret) {
        return g_strdup("CHAP needs both a user name and a secret");
    }
    if (cfg->chap_user &&
        (!cfg->chap_user[0] || !printable(cfg->chap_user,
                                          SRAID_ISCSI_CHAP_MAX) ||
         !cfg->chap_secret[0] || strlen(cfg->chap_secret) >
                                 SRAID_ISCSI_CHAP_MAX)) {
        return g_strdup("CHAP user name and secret must have 1 to 255"
                        " characters");
    }
    /* RFC 7143 13.12-13.14 ranges; see iscsi-login.c for the lower bounds */
    if (cfg->max_recv_data_segment_length < 512 ||
        cfg->max_recv_data_segment_length > SRAID_ISCSI_MAX_DSL) {
        return g_strdup("MaxRecvDataSegmentLength must be 512 to 16777215");
    }
    if (cfg->max_burst_length < 262144 ||
        cfg->max_burst_length > SRAID_ISCSI_MAX_DSL) {
        return g_strdup("MaxBurstLength must be 262144 (its default) to"
                        " 16777215");
    }
    if (cfg->first_burst_length < 65536 ||
        cfg->first_burst_length > cfg->max_burst_length) {
        return g_strdup("FirstBurstLength must be 65536 (its default) to"
                        " MaxBurstLength");
    }
    if (cfg->max_outstanding_r2t < 1 ||
        cfg->max_outstanding_r2t > SRAID_ISCSI_MAX_R2T) {
        return g_strdup_printf("MaxOutstandingR2T must be 1 to %u",
                               SRAID_ISCSI_MAX_R2T);
    }
    if (cfg->cmd_window < 1 || cfg->cmd_window > SRAID_ISCSI_MAX_CMD_WINDOW) {
        return g_strdup_printf("the command window must be 1 to %u",
                               SRAID_ISCSI_MAX_CMD_WINDOW);
    }
    if (cfg->max_sessions < 1 || cfg->max_sessions > SRAID_ISCSI_MAX_SESSIONS) {
        return g_strdup_printf("the session limit must be 1 to %u",
                               SRAID_ISCSI_MAX_SESSIONS);
    }
    if (cfg->max_transfer < 1 || cfg->max_transfer > SRAID_ISCSI_MAX_TRANSFER) {
        return g_strdup_printf("the transfer limit must be 1 to %u bytes",
                               SRAID_ISCSI_MAX_TRANSFER);
    }
    for (n = 0; cfg->portals && cfg->portals[n]; n++) {
        if (n == SRAID_ISCSI_MAX_PORTALS || !cfg->portals[n][0] ||
            !printable(cfg->portals[n], 255)) {
            return g_strdup_printf("at most %u portals of 1 to 255 printable"
                                   " characters", SRAID_ISCSI_MAX_PORTALS);
        }
    }
    return NULL;
}

SraidIscsiTarget *sraid_iscsi_target_new(const SraidIscsiTargetConfig *cfg,
                                         const SraidIscsiLunOps *ops,
                                         void *opaque, char **errmsg)
{
    SraidIscsiTarget *t;
    char *err = check_config(cfg, ops);

    if (err) {
        if (errmsg) {
            *errmsg = err;
        } else {
            g_free(err);
        }
        return NULL;
    }
    t = g_new0(SraidIscsiTarget, 1);
    t->cfg = *cfg;
    t->cfg.initiators = cfg->initiators ? g_strdupv(cfg->initiators) : NULL;
    t->cfg.chap_user = g_strdup(cfg->chap_user);
    t->cfg.chap_secret = g_strdup(cfg->chap_secret);
    t->cfg.portals = cfg->portals ? g_strdupv(cfg->portals) : NULL;
    t->ops = *ops;
    t->opaque = opaque;
    t->next_tsih = 1;
    return t;
}

void sraid_iscsi_target_free(SraidIscsiTarget *t)
{
    if (!t) {
        return;
    }
    /* The glue should have freed them; do not leave them dangling */
    while (t->conns) {
        sraid_iscsi_conn_free(t->conns->data);
    }
    g_strfreev(t->cfg.initiators);
    g_free(t->cfg.chap_user);
    if (t->cfg.chap_secret) {
        memset(t->cfg.chap_secret, 0, strlen(t->cfg.chap_secret));
    }
    g_free(t->cfg.chap_secret);
    g_strfreev(t->cfg.portals);
    g_free(t);
}

unsigned sraid_iscsi_target_sessions(const SraidIscsiTarget *t)
{
    return t->nsessions;
}

void sraid_iscsi_target_foreach_nexus(SraidIscsiTarget *t,
                                      void (*fn)(SraidIscsiConn *c,
                                                 void *opaque),
                                      void *opaque)
{
    for (GList *l = t->conns; l; l = l->next) {
        SraidIscsiConn *c = l->data;

        if (c->registered && c->state == ISCSI_CONN_FFP && !c->discovery) {
            fn(c, opaque);
        }
    }
}

SraidIscsiConn *sraid_iscsi_conn_new(SraidIscsiTarget *t,
                                     const SraidIscsiConnOps *ops,
                                     void *opaque)
{
    SraidIscsiConn *c = g_new0(SraidIscsiConn, 1);

    c->target = t;
    c->ops = *ops;
    c->opaque = opaque;
    c->state = ISCSI_CONN_LOGIN;
    c->statsn = ISCSI_FIRST_STATSN;
    c->next_ttt = 1;
    sraid_iscsi_params_default(&c->params);
    g_queue_init(&c->tasks);
    g_queue_init(&c->pending);
    t->conns = g_list_prepend(t->conns, c);
    return c;
}

const char *sraid_iscsi_conn_initiator(const SraidIscsiConn *c)
{
    return c->initiator;
}

const uint8_t *sraid_iscsi_conn_isid(const SraidIscsiConn *c)
{
    return c->isid;
}

uint16_t sraid_iscsi_conn_tpgt(const SraidIscsiConn *c)
{
    return c->target->cfg.tpgt;
}

uint16_t sraid_iscsi_conn_tsih(const SraidIscsiConn *c)
{
    return c->state == ISCSI_CONN_FFP ? c->tsih : 0;
}

static void conn_unregister(SraidIscsiConn *c)
{
    if (c->registered) {
        c->registered = false;
        c->target->nsessions--;
    }
}

/* Everything but telling the glue: the connection is dead to the core */
static void conn_shutdown(SraidIscsiConn *c)
{
    if (c->registered && !c->discovery && c->state == ISCSI_CONN_FFP &&
        c->target->ops.nexus_lost) {
        c->target->ops.nexus_lost(c->target->opaque, c);
    }
    c->state = ISCSI_CONN_CLOSED;
    conn_unregister(c);
    iscsi_task_drop_pending(c);
    iscsi_task_abort_all(c, false);
}

void iscsi_conn_close(SraidIscsiConn *c)
{
    if (c->state == ISCSI_CONN_CLOSED) {
        return;
    }
    conn_shutdown(c);
    c->ops.close(c->opaque);
}

void sraid_iscsi_conn_free(SraidIscsiConn *c)
{
    if (!c) {
        return;
    }
    if (c->state != ISCSI_CONN_CLOSED) {
        conn_shutdown(c);
    }
    iscsi_task_abort_all(c, true);
    c->target->conns = g_list_remove(c->target->conns, c);
    if (c->login) {
        sraid_iscsi_login_cleanup(c->login);
    }
    g_free(c->login);
    g_free(c->login_rsp);
    g_free(c->rx);
    g_free(c->tx);
    g_free(c);
}

/*
 * StatSN, ExpCmdSN and MaxCmdSN for a PDU being sent (RFC 7143 4.2.2).
 * MaxCmdSN leaves room for cmd_window commands in all, counting those not
 * finished yet: the window is also the bound on outstanding commands.  It
 * never goes back, since an initiator ignores a smaller one (4.2.2.1).
 */
SraidIscsiSn iscsi_conn_sn(SraidIscsiConn *c, bool advance_statsn)
{
    uint32_t window = c->target->cfg.cmd_window;
    SraidIscsiSn sn;

    if (c->nonimm_tasks <= window) {
        uint32_t max = c->exp_cmdsn - 1 + (window - c->nonimm_tasks);

        if (sraid_iscsi_sn_gt(max, c->max_cmdsn)) {
            c->max_cmdsn = max;
        }
    }
    sn.statsn = advance_statsn ? c->statsn++ : c->statsn;
    sn.exp_cmdsn = c->exp_cmdsn;
    sn.max_cmdsn = c->max_cmdsn;
    return sn;
}

/*
 * Accept a non-immediate PDU's CmdSN, or not (RFC 7143 4.2.2.1): outside
 * [ExpCmdSN, MaxCmdSN] or already received, it is silently ignored.
 * CmdSNs may arrive with a gap (only a broken initiator does that on one
 * connection); ExpCmdSN moves up to the first one missing.  Immediate
 * PDUs carry a CmdSN but do not take one.
 */
bool iscsi_cmdsn_accept(SraidIscsiConn *c, const SraidIscsiPdu *pdu)
{
    return pdu->immediate || iscsi_cmdsn_mark(c, pdu->cmdsn);
}

bool iscsi_cmdsn_mark(SraidIscsiConn *c, uint32_t cmdsn)
{
    uint32_t span = c->max_cmdsn - c->exp_cmdsn + 1;
    uint8_t *seen = c->cmdsn_seen;

    if (cmdsn - c->exp_cmdsn >= span ||
        seen[cmdsn % SRAID_ISCSI_MAX_CMD_WINDOW]) {
        return false;
    }
    seen[cmdsn % SRAID_ISCSI_MAX_CMD_WINDOW] = 1;
    while (seen[c->exp_cmdsn % SRAID_ISCSI_MAX_CMD_WINDOW]) {
        seen[c->exp_cmdsn % SRAID_ISCSI_MAX_CMD_WINDOW] = 0;
        c->exp_cmdsn++;
    }
    return true;
}

uint32_t iscsi_conn_next_ttt(SraidIscsiConn *c)
{
    uint32_t ttt = c->next_ttt++;

    if (ttt == SRAID_ISCSI_RSVD_TAG) {
        ttt = c->next_ttt++;
    }
    return ttt;
}

/* Send one PDU: BHS, header digest, data, padding, data digest */
void iscsi_conn_send(SraidIscsiConn *c, const uint8_t *bhs,
                     const uint8_t *data, uint32_t len)
{
    bool hd = c->params.header_digest && c->state == ISCSI_CONN_FFP;
    bool dd = c->params.data_digest && c->state == ISCSI_CONN_FFP && len;
    uint32_t pad = sraid_iscsi_pad(len);
    size_t total = SRAID_ISCSI_BHS_LEN + (hd ? 4 : 0) + len + pad +
                   (dd ? 4 : 0);
    size_t pos = SRAID_ISCSI_BHS_LEN;

    if (c->state == ISCSI_CONN_CLOSED) {
        return;
    }
    if (total > c->tx_cap) {
        c->tx = g_realloc(c->tx, total);
        c->tx_cap = total;
    }
    memcpy(c->tx, bhs, SRAID_ISCSI_BHS_LEN);
    if (hd) {
        sraid_iscsi_put_digest(c->tx + pos,
                               sraid_iscsi_digest(bhs, SRAID_ISCSI_BHS_LEN));
        pos += 4;
    }
    if (len) {
        memcpy(c->tx + pos, data, len);
        memset(c->tx + pos + len, 0, pad);
        if (dd) {
            sraid_iscsi_put_digest(c->tx + pos + len + pad,
                                   sraid_iscsi_digest(c->tx + pos,
                                                      len + pad));
        }
    }
    c->ops.send(c->opaque, c->tx, total);
}

void iscsi_conn_reject(SraidIscsiConn *c, const IscsiRx *rx, uint8_t reason)
{
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    SraidIscsiSn sn = iscsi_conn_sn(c, true);

    sraid_iscsi_encode_reject(bhs, reason, &sn);
    iscsi_conn_send(c, bhs, rx->hdr, SRAID_ISCSI_BHS_LEN);
}

/* Login phase */

/*
 * The session of this I_T nexus and of this type: as in Linux's target, a
 * Discovery login does not replace a Normal session, so an initiator that
 * pins its ISID (as our peers do) may look up targets without losing its
 * session.
 */
static SraidIscsiConn *find_session(SraidIscsiTarget *t, const char *name,
                                    const uint8_t *isid, bool discovery)
{
    for (GList *l = t->conns; l; l = l->next) {
        SraidIscsiConn *o = l->data;

        if (o->registered && o->discovery == discovery &&
            !memcmp(o->isid, isid, 6) &&
            sraid_iscsi_name_equal(o->initiator, name)) {
            return o;
        }
    }
    return NULL;
}

static bool tsih_in_use(SraidIscsiTarget *t, uint16_t tsih)
{
    for (GList *l = t->conns; l; l = l->next) {
        SraidIscsiConn *o = l->data;

        if (o->registered && o->tsih == tsih) {
            return true;
        }
    }
    return false;
}

/*
 * The login is complete: reinstate or create the session (RFC 7143 6.3.5:
 * a new login with the same InitiatorName and ISID and TSIH 0 replaces
 * the old session, whose connection is closed).  Returns a login status.
 */
static uint16_t session_start(SraidIscsiConn *c)
{
    SraidIscsiTarget *t = c->target;
    SraidIscsiLogin *l = c->login;
    SraidIscsiConn *old = find_session(t, l->initiator_name, l->isid,
                                       l->discovery);

    if (old) {
        iscsi_conn_close(old);
    }
    if (t->nsessions >= t->cfg.max_sessions) {
        return SRAID_ISCSI_LOGIN_OUT_OF_RESOURCES;
    }
    /* TSIH: any non-zero value no live session uses (11.12.6) */
    do {
        c->tsih = t->next_tsih++;
    } while (c->tsih == 0 || tsih_in_use(t, c->tsih));
    c->discovery = l->discovery;
    c->registered = true;
    t->nsessions++;
    return SRAID_ISCSI_LOGIN_SUCCESS;
}

static void handle_login(SraidIscsiConn *c, const IscsiRx *rx)
{
    const SraidIscsiPdu *pdu = &rx->pdu;
    SraidIscsiLoginRsp *rsp;
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    SraidIscsiSn sn;

    if (pdu->opcode != SRAID_ISCSI_OP_LOGIN_REQ) {
        /* 6.3: nothing but Login Requests until full feature phase */
        iscsi_conn_close(c);
        return;
    }
    if (!c->login) {
        c->login = g_new(SraidIscsiLogin, 1);
        c->login_rsp = g_new(SraidIscsiLoginRsp, 1);
        sraid_iscsi_login_init(c->login, &c->target->cfg);
    }
    rsp = c->login_rsp;
    if (c->login->steps == 0 && pdu->tsih != 0) {
        /*
         * A connection for an existing session (6.3.1): with
         * MaxConnections=1 there is never room for one.
         */
        rsp->status = tsih_in_use(c->target, pdu->tsih) ?
                      SRAID_ISCSI_LOGIN_TOO_MANY_CONNECTIONS :
                      SRAID_ISCSI_LOGIN_NO_SESSION;
        rsp->flags = (pdu->csg & 3) << 2;
        rsp->full_feature = false;
        rsp->text_len = 0;
    } else {
        sraid_iscsi_login_step(c->login, pdu, rx->data, rx->len, rsp);
    }
    /* the nexus as soon as it is known, for the glue's messages */
    memcpy(c->isid, pdu->isid, 6);
    g_strlcpy(c->initiator, c->login->initiator_name, sizeof(c->initiator));
    if (rsp->status == SRAID_ISCSI_LOGIN_SUCCESS && rsp->full_feature) {
        rsp->status = session_start(c);
        if (rsp->status) {
            rsp->flags &= ~(SRAID_ISCSI_LOGIN_T | 3);
            rsp->full_feature = false;
            rsp->text_len = 0;
        }
    }

    /* The login is immediate: its CmdSN is the first one expected */
    c->exp_cmdsn = pdu->cmdsn;
    c->max_cmdsn = pdu->cmdsn - 1;
    sn = iscsi_conn_sn(c, true);
    sraid_iscsi_encode_login_rsp(bhs, rsp->flags, pdu->isid,
                                 rsp->full_feature ? c->tsih : 0, pdu->itt,
                                 &sn, rsp->status, rsp->text_len);
    iscsi_conn_send(c, bhs, rsp->text, rsp->text_len);

    if (rsp->status) {
        /* 11.13.5: the target closes after a failed login */
        iscsi_conn_close(c);
        return;
    }
    if (rsp->full_feature) {
        c->params = c->login->params;
        c->discovery = c->login->discovery;
        c->cid = c->login->cid;
        sraid_iscsi_login_cleanup(c->login);
        g_free(c->login);
        g_free(c->login_rsp);
        c->login = NULL;
        c->login_rsp = NULL;
        c->state = ISCSI_CONN_FFP;
    }
}

/* Full feature phase: NOP, Text, Logout */

static void handle_nop_out(SraidIscsiConn *c, const IscsiRx *rx)
{
    const SraidIscsiPdu *pdu = &rx->pdu;
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    SraidIscsiSn sn;
    uint32_t len;

    /*
     * 11.18.1: ITT 0xffffffff comes with the I bit and takes no CmdSN;
     * should one come without, its CmdSN is taken all the same, or the
     * window would never move past it.
     */
    if (!iscsi_cmdsn_accept(c, pdu)) {
        return;
    }
    /* 11.18.3: the answer to our ping carries its TTT */
    if (pdu->ttt != SRAID_ISCSI_RSVD_TAG && c->ping_out &&
        pdu->ttt == c->ping_ttt) {
        c->ping_out = false;
    }
    if (pdu->itt == SRAID_ISCSI_RSVD_TAG) {
        return;                 /* 11.18.2: no answer wanted */
    }
    /* 11.19: echo the ping data, as much as the initiator can receive */
    len = MIN(rx->len, c->params.initiator_mrdsl);
    sn = iscsi_conn_sn(c, true);
    sraid_iscsi_encode_nop_in(bhs, pdu->lun, pdu->itt, SRAID_ISCSI_RSVD_TAG,
                              &sn, len);
    iscsi_conn_send(c, bhs, rx->data, len);
}

static void send_targets(SraidIscsiConn *c, SraidIscsiTextOut *out,
                         const char *v)
{
    const SraidIscsiTargetConfig *cfg = &c->target->cfg;

    /*
     * 13.3, appendix C: "All", our name, or empty for the session's own
     * target (Normal sessions).  A valid name of another target lists
     * nothing; anything else is not a valid value.
     */
    if (!strcmp(v, "All") || (!*v && !c->discovery) ||
        (*v && sraid_iscsi_name_equal(v, cfg->target_name))) {
        if (sraid_iscsi_text_add(out, "TargetName", cfg->target_name)) {
            for (char **p = cfg->portals; p && *p; p++) {
                if (!sraid_iscsi_text_add(out, "TargetAddress", *p)) {
                    break;
                }
            }
        }
    } else if (*v && !sraid_iscsi_name_valid(v)) {
        sraid_iscsi_text_add(out, "SendTargets", "Reject");
    }
}

/*
 * Text Request (11.10) in full feature phase: SendTargets, answered in one
 * Text Response; a reply too long for the initiator's
 * MaxRecvDataSegmentLength is cut at a key boundary.  We never ask for
 * continuation, so a request with the C bit or without the F bit (a
 * negotiation spanning several exchanges) is rejected.
 */
static void handle_text(SraidIscsiConn *c, const IscsiRx *rx)
{
    const SraidIscsiPdu *pdu = &rx->pdu;
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    SraidIscsiTextOut out;
    SraidIscsiText t;
    SraidIscsiSn sn;
    uint32_t cap = MIN(c->params.initiator_mrdsl, SRAID_ISCSI_TEXT_MAX);
    uint8_t *buf;
    uint64_t n;

    if (!iscsi_cmdsn_accept(c, pdu)) {
        return;
    }
    if (!pdu->final || (pdu->flags & SRAID_ISCSI_TEXT_C)) {
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_NOT_SUPPORTED);
        return;
    }
    if (pdu->ttt != SRAID_ISCSI_RSVD_TAG) {
        /* not the continuation of a reply of ours: we never split one */
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_INVALID_FIELD);
        return;
    }
    if (sraid_iscsi_text_parse(&t, rx->data, rx->len) != SRAID_ISCSI_TEXT_OK) {
        sraid_iscsi_text_clear(&t);
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_INVALID_FIELD);
        return;
    }
    buf = g_malloc(cap);
    sraid_iscsi_text_out_init(&out, buf, cap);
    for (unsigned i = 0; i < t.n; i++) {
        const char *k = t.kv[i].key, *v = t.kv[i].value;

        if (!strncmp(k, "X-", 2) || !strncmp(k, "X#", 2)) {
            continue;
        }
        if (!strcmp(k, "SendTargets")) {
            send_targets(c, &out, v);
        } else if (!strcmp(k, "MaxRecvDataSegmentLength")) {
            /*
             * 13.12: declarative, also in full feature phase.  What we
             * send stays bounded by MaxBurstLength and our own limits.
             */
            if (sraid_iscsi_text_number(v, &n) && n >= 512 &&
                n <= SRAID_ISCSI_MAX_DSL) {
                c->params.initiator_mrdsl = n;
            } else {
                sraid_iscsi_text_add(&out, k, "Reject");
            }
        } else {
            /* the login keys cannot change in full feature phase */
            sraid_iscsi_text_add(&out, k, "NotUnderstood");
        }
    }
    sraid_iscsi_text_clear(&t);
    sn = iscsi_conn_sn(c, true);
    sraid_iscsi_encode_text_rsp(bhs, SRAID_ISCSI_F_BIT, pdu->itt,
                                SRAID_ISCSI_RSVD_TAG, &sn, out.len);
    iscsi_conn_send(c, bhs, buf, out.len);
    g_free(buf);
}

/* Logout Request (11.14) */
static void handle_logout(SraidIscsiConn *c, const IscsiRx *rx)
{
    const SraidIscsiPdu *pdu = &rx->pdu;
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    SraidIscsiSn sn;
    uint8_t response;

    if (!iscsi_cmdsn_accept(c, pdu)) {
        return;
    }
    switch (pdu->reason) {
    case SRAID_ISCSI_LOGOUT_CLOSE_SESSION:
        break;
    case SRAID_ISCSI_LOGOUT_CLOSE_CONN:
        if (pdu->cid == c->cid) {
            break;          /* the only connection: the session ends too */
        }
        response = SRAID_ISCSI_LOGOUT_RSP_NO_CID;
        goto answer;
    case SRAID_ISCSI_LOGOUT_RECOVERY:
        /* ErrorRecoveryLevel 0: no connection recovery */
        response = SRAID_ISCSI_LOGOUT_RSP_NO_RECOVERY;
        goto answer;
    default:
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_INVALID_FIELD);
        return;
    }
    /* The response follows the end of every task; then we close */
    c->logout_pending = true;
    iscsi_task_logout(c, pdu->itt);
    return;

answer:
    sn = iscsi_conn_sn(c, true);
    sraid_iscsi_encode_logout_rsp(bhs, response, pdu->itt, &sn, 0, 0);
    iscsi_conn_send(c, bhs, NULL, 0);
}

static void handle_ffp(SraidIscsiConn *c, const IscsiRx *rx)
{
    const SraidIscsiPdu *pdu = &rx->pdu;

    if (c->logout_pending) {
        /* 11.14: nothing new once the initiator asked to log out */
        return;
    }
    if (c->discovery) {
        /* 4.3: a Discovery session carries no SCSI */
        switch (pdu->opcode) {
        case SRAID_ISCSI_OP_SCSI_CMD:
        case SRAID_ISCSI_OP_TMF_REQ:
            if (iscsi_cmdsn_accept(c, pdu)) {
                iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_NOT_SUPPORTED);
            }
            return;
        case SRAID_ISCSI_OP_DATA_OUT:
            iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_NOT_SUPPORTED);
            return;
        default:
            break;
        }
    }
    switch (pdu->opcode) {
    case SRAID_ISCSI_OP_NOP_OUT:
        handle_nop_out(c, rx);
        break;
    case SRAID_ISCSI_OP_SCSI_CMD:
        iscsi_task_scsi_cmd(c, rx);
        break;
    case SRAID_ISCSI_OP_TMF_REQ:
        iscsi_task_tmf(c, rx);
        break;
    case SRAID_ISCSI_OP_TEXT_REQ:
        handle_text(c, rx);
        break;
    case SRAID_ISCSI_OP_DATA_OUT:
        iscsi_task_data_out(c, rx);
        break;
    case SRAID_ISCSI_OP_LOGOUT_REQ:
        handle_logout(c, rx);
        break;
    case SRAID_ISCSI_OP_SNACK:
        /* 11.16: SNACK needs ErrorRecoveryLevel > 0 */
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_PROTOCOL);
        break;
    default:
        /*
         * A Login Request in full feature phase, a target opcode or an
         * undefined one: the stream cannot be trusted any more.
         */
        iscsi_conn_reject(c, rx, SRAID_ISCSI_REJECT_NOT_SUPPORTED);
        iscsi_conn_close(c);
        break;
    }
}

/* Receive path */

static uint32_t header_len(const SraidIscsiConn *c)
{
    return SRAID_ISCSI_BHS_LEN +
           (c->state == ISCSI_CONN_FFP && c->params.header_digest ? 4 : 0);
}

/*
 * The header of the next PDU is complete at @hdr: check it and return the
 * length of the whole PDU, or 0 when the connection must close.
 */
static uint32_t frame(SraidIscsiConn *c, const uint8_t *hdr)
{
    bool ffp = c->state == ISCSI_CONN_FFP;
    uint32_t dsl = (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
    uint32_t limit = ffp ? c->params.target_mrdsl : SRAID_ISCSI_LOGIN_MAX_DATA;

    if (ffp && c->params.header_digest &&
        sraid_iscsi_get_digest(hdr + SRAID_ISCSI_BHS_LEN) !=
            sraid_iscsi_digest(hdr, SRAID_ISCSI_BHS_LEN)) {
        return 0;           /* 7.8: header digest error */
    }
    if (hdr[4] != 0) {
        return 0;           /* no AHS is defined for what we accept */
    }
    if (dsl > limit) {
        return 0;           /* 13.12: over our MaxRecvDataSegmentLength */
    }
    return header_len(c) + dsl + sraid_iscsi_pad(dsl) +
           (ffp && c->params.data_digest && dsl ? 4 : 0);
}

/* One whole PDU of @total bytes at @p */
static void process(SraidIscsiConn *c, const uint8_t *p, uint32_t total)
{
    IscsiRx rx;
    uint32_t hlen = header_len(c);

    rx.hdr = p;
    sraid_iscsi_pdu_decode(p, &rx.pdu);
    rx.data = p + hlen;
    rx.len = rx.pdu.data_len;
    if (c->state == ISCSI_CONN_FFP && c->params.data_digest && rx.len) {
        uint32_t padded = rx.len + sraid_iscsi_pad(rx.len);

        if (sraid_iscsi_get_digest(rx.data + padded) !=
            sraid_iscsi_digest(rx.data, padded)) {
            /* 7.8: at ERL 0 the connection is the unit of recovery */
            iscsi_conn_close(c);
            return;
        }
    }
    if (c->state == ISCSI_CONN_LOGIN) {
        handle_login(c, &rx);
    } else {
        handle_ffp(c, &rx);
    }
}

size_t sraid_iscsi_conn_input(SraidIscsiConn *c, const uint8_t *buf,
                              size_t len)
{
    size_t used = 0;

    if (c->state == ISCSI_CONN_CLOSED) {
        return 0;
    }
    if (len) {
        c->rx_activity = true;
    }
    while (used < len && c->state != ISCSI_CONN_CLOSED) {
        uint32_t hlen = header_len(c);
        size_t avail = len - used;
        uint32_t take;

        /* A whole PDU in the caller's buffer: no copy */
        if (c->rx_len == 0 && avail >= hlen) {
            uint32_t total = frame(c, buf + used);

            if (!total) {
                iscsi_conn_close(c);
                return used;
            }
            if (avail >= total) {
                used += total;
                process(c, buf + used - total, total);
                continue;
            }
        }

        /* Assemble in our buffer: first the header, then the rest */
        if (c->rx_len < hlen) {
            if (c->rx_cap < hlen) {
                c->rx = g_realloc(c->rx, hlen);
                c->rx_cap = hlen;
            }
            take = MIN(avail, hlen - c->rx_len);
            memcpy(c->rx + c->rx_len, buf + used, take);
            c->rx_len += take;
            used += take;
            if (c->rx_len < hlen) {
                break;
            }
            c->rx_need = frame(c, c->rx);
            if (!c->rx_need) {
                iscsi_conn_close(c);
                return used;
            }
            if (c->rx_cap < c->rx_need) {
                c->rx = g_realloc(c->rx, c->rx_need);
                c->rx_cap = c->rx_need;
            }
            avail = len - used;
        }
        take = MIN(avail, c->rx_need - c->rx_len);
        memcpy(c->rx + c->rx_len, buf + used, take);
        c->rx_len += take;
        used += take;
        if (c->rx_len == c->rx_need) {
            c->rx_len = 0;
            process(c, c->rx, c->rx_need);
        }
    }
    return used;
}

/* Timers */

void sraid_iscsi_conn_tick(SraidIscsiConn *c, uint64_t now_ms)
{
    const SraidIscsiTargetConfig *cfg = &c->target->cfg;
    uint8_t bhs[SRAID_ISCSI_BHS_LEN];
    uint8_t lun0[8] = { 0 };
    SraidIscsiSn sn;

    if (c->state == ISCSI_CONN_CLOSED) {
        return;
    }
    if (!c->clock_started) {
        c->clock_started = true;
        c->born_ms = now_ms;
        c->idle_since_ms = now_ms;
        c->rx_activity = false;
        return;
    }
    if (c->rx_activity) {
        c->idle_since_ms = now_ms;
        c->rx_activity = false;
    }
    if (c->state == ISCSI_CONN_LOGIN) {
        if (cfg->login_timeout_ms &&
            now_ms - c->born_ms >= cfg->login_timeout_ms) {
            iscsi_conn_close(c);
        }
        return;
    }
    if (c->ping_out) {
        if (cfg->nop_in_timeout_ms &&
            now_ms - c->ping_sent_ms >= cfg->nop_in_timeout_ms) {
            iscsi_conn_close(c);
        }
        return;
    }
    if (cfg->nop_in_interval_ms &&
        now_ms - c->idle_since_ms >= cfg->nop_in_interval_ms) {
        /*
         * 11.19: a ping with a TTT asks for a NOP-Out answer; ITT is
         * reserved and StatSN does not advance.
         */
        c->ping_ttt = iscsi_conn_next_ttt(c);
        c->ping_out = true;
        c->ping_sent_ms = now_ms;
        sn = iscsi_conn_sn(c, false);
        sraid_iscsi_encode_nop_in(bhs, lun0, SRAID_ISCSI_RSVD_TAG, c->ping_ttt,
                                  &sn, 0);
        iscsi_conn_send(c, bhs, NULL, 0);
    }
}
