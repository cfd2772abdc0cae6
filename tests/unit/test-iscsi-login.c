/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the iSCSI login phase (RFC 7143 6.3, 11.12, 11.13, 12.1.3,
 * 13) through the real byte stream of a target connection: a scripted
 * initiator sends Login Requests and checks every field of the answers.
 */
#include <glib.h>
#include <string.h>

#include "iscsi-initiator.h"
#include "iscsi-login.h"
#include "iscsi-text.h"

#define CHAP_USER   "node6"
#define CHAP_SECRET "a-secret-of-16by"

static void check_failure(Ini *ini, Pdu *rsp, uint16_t status)
{
    g_assert_cmphex(pdu_opcode(rsp), ==, SRAID_ISCSI_OP_LOGIN_RSP);
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, status);
    g_assert_cmphex(rsp->bhs[1] & 0x83, ==, 0);         /* no T, no NSG */
    g_assert_cmpuint(sraid_get_be16(rsp->bhs + 14), ==, 0);
    g_assert_cmpuint(ini->closes, ==, 1);
    ini_assert_quiet(ini);
    /* closed: further input is not even looked at */
    g_assert_cmpuint(sraid_iscsi_conn_input(ini->conn, rsp->bhs, 48), ==, 0);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 0);
}

/* libiscsi's one round trip login, straight in the operational stage */
static void test_libiscsi(void)
{
    static const char answer[] =
        "HeaderDigest=None\nDataDigest=None\nInitialR2T=No\n"
        "ImmediateData=Yes\nMaxBurstLength=262144\nFirstBurstLength=262144\n"
        "DefaultTime2Wait=2\nDefaultTime2Retain=0\nMaxOutstandingR2T=1\n"
        "ErrorRecoveryLevel=0\nIFMarker=No\nOFMarker=No\nMaxConnections=1\n"
        "DataPDUInOrder=Yes\nDataSequenceInOrder=Yes\n"
        "TargetPortalGroupTag=1\nMaxRecvDataSegmentLength=262144\n"
        "TargetAlias=node 7\n";
    SraidIscsiTargetConfig cfg;
    Ini *ini;
    Pdu *rsp;
    char *s;

    test_config(&cfg);
    g_strlcpy(cfg.alias, "node 7", sizeof(cfg.alias));
    be_setup(&cfg);
    ini = ini_new();
    rsp = ini_login_keys(ini, kv("InitiatorName=" INI_NAME,
                                 "TargetName=" TGT_NAME, "SessionType=Normal",
                                 LIBISCSI_OP_KEYS, NULL));
    g_assert_cmphex(rsp->bhs[0], ==, 0x23);
    g_assert_cmphex(rsp->bhs[1], ==, 0x87);             /* T, CSG 1, NSG 3 */
    g_assert_cmphex(rsp->bhs[2], ==, 0);                /* Version-max */
    g_assert_cmphex(rsp->bhs[3], ==, 0);                /* Version-active */
    g_assert_cmpmem(rsp->bhs + 8, 6, ini->isid, 6);
    g_assert_cmpuint(sraid_get_be16(rsp->bhs + 14), !=, 0);
    g_assert_cmphex(pdu_u32(rsp, 16), ==, 0x1234);
    g_assert_cmpuint(pdu_u32(rsp, 24), ==, 1);          /* first StatSN */
    g_assert_cmphex(pdu_u32(rsp, 28), ==, 0x1000);      /* ExpCmdSN */
    g_assert_cmphex(pdu_u32(rsp, 32), ==, 0x1000 + 31); /* window of 32 */
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, answer);
    g_free(s);
    g_assert_cmpuint(sraid_iscsi_conn_tsih(ini->conn), ==,
                     sraid_get_be16(rsp->bhs + 14));
    g_assert_cmpstr(sraid_iscsi_conn_initiator(ini->conn), ==, INI_NAME);
    g_assert_cmpmem(sraid_iscsi_conn_isid(ini->conn), 6, ini->isid, 6);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 1);
    g_assert_cmpuint(ini->closes, ==, 0);
    pdu_free(rsp);
    ini_assert_quiet(ini);

    /* full feature phase: a NOP-Out ping is answered with StatSN 2 */
    ini_ping(ini, 0x10);
    g_assert_cmpuint(ini->exp_statsn, ==, 3);
    ini_free(ini);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 0);
    be_teardown();
}

/*
 * Minimum, OR, AND and list functions against our configuration; keys we
 * do not know are NotUnderstood, X- keys are ignored; digests as agreed.
 */
static void test_negotiation(void)
{
    static const char answer[] =
        "HeaderDigest=CRC32C\nDataDigest=CRC32C\nMaxBurstLength=1048576\n"
        "FirstBurstLength=262144\nMaxOutstandingR2T=4\nMaxConnections=1\n"
        "ErrorRecoveryLevel=0\nInitialR2T=Yes\nImmediateData=No\n"
        "DefaultTime2Wait=5\nDefaultTime2Retain=0\n"
        "DataPDUInOrder=Yes\nTaskReporting=RFC3720\nFooBar=NotUnderstood\n"
        "OFMarkInt=Irrelevant\nRDMAExtensions=No\nTargetPortalGroupTag=1\n"
        "MaxRecvDataSegmentLength=262144\n";
    SraidIscsiTargetConfig cfg;
    Ini *ini;
    Pdu *rsp;
    char *s;

    test_config(&cfg);
    be_setup(&cfg);
    ini = ini_new();
    rsp = ini_login_keys(ini, kv("InitiatorName=" INI_NAME,
                                 "TargetName=" TGT_NAME,
                                 "HeaderDigest=CRC32C,None",
                                 "DataDigest=CRC32C",
                                 "MaxBurstLength=0xffffff",
                                 "FirstBurstLength=16777215",
                                 "MaxOutstandingR2T=100",
                                 "MaxConnections=8", "ErrorRecoveryLevel=2",
                                 "InitialR2T=Yes", "ImmediateData=No",
                                 "DefaultTime2Wait=5",
                                 "DefaultTime2Retain=20",
                                 "DataPDUInOrder=No",
                                 "TaskReporting=FastAbort,RFC3720",
                                 "X-com.example.Foo=1", "FooBar=1",
                                 "OFMarkInt=2048", "RDMAExtensions=Yes",
                                 "MaxRecvDataSegmentLength=8192", NULL));
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, answer);
    g_free(s);
    pdu_free(rsp);

    /* from now on both directions carry CRC32C digests */
    ini->hd = ini->dd = true;
    ini_ping(ini, 0x20);
    ini_ping(ini, 0x21);
    g_assert_cmpuint(ini->closes, ==, 0);
    ini_free(ini);
    be_teardown();
}

/* A value out of range or malformed is answered Reject (6.2) */
static void test_reject_values(void)
{
    static const char answer[] =
        "MaxBurstLength=Reject\nMaxConnections=Reject\nInitialR2T=Reject\n"
        "HeaderDigest=Reject\nMaxRecvDataSegmentLength=Reject\n"
        "TargetPortalGroupTag=1\nMaxRecvDataSegmentLength=262144\n";
    SraidIscsiTargetConfig cfg;
    Ini *ini;
    Pdu *rsp;
    char *s;

    test_config(&cfg);
    be_setup(&cfg);
    ini = ini_new();
    rsp = ini_login_keys(ini, kv("InitiatorName=" INI_NAME,
                                 "TargetName=" TGT_NAME,
                                 "MaxBurstLength=511", "MaxConnections=0",
                                 "InitialR2T=yes", "HeaderDigest=MD5",
                                 "MaxRecvDataSegmentLength=0x1000000", NULL));
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, answer);
    g_free(s);
    pdu_free(rsp);
    ini_free(ini);
    be_teardown();
}

/* FirstBurstLength never above MaxBurstLength, in whatever key order */
static void test_first_burst(void)
{
    SraidIscsiTargetConfig cfg;
    Ini *ini;
    Pdu *rsp;
    char *s;

    test_config(&cfg);
    be_setup(&cfg);
    ini = ini_new();
    rsp = ini_login_keys(ini, kv("InitiatorName=" INI_NAME,
                                 "TargetName=" TGT_NAME,
                                 "FirstBurstLength=262144",
                                 "MaxBurstLength=65536", NULL));
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "FirstBurstLength=65536\nMaxBurstLength=65536\n"
                    "TargetPortalGroupTag=1\n"
                    "MaxRecvDataSegmentLength=262144\n");
    g_free(s);
    pdu_free(rsp);
    ini_free(ini);
    be_teardown();
}

/* Our CHAP_R to a challenge: MD5(CHAP_I || secret || CHAP_C) */
static char *chap_response(const Pdu *rsp, const char *secret, bool base64)
{
    SraidIscsiText t;
    uint8_t chal[64], digest[16];
    gsize dlen = sizeof(digest);
    const char *v;
    uint64_t id;
    int clen;
    GChecksum *md5;
    uint8_t id8;
    char *r;

    g_assert_cmpint(sraid_iscsi_text_parse(&t, rsp->data, rsp->len), ==,
                    SRAID_ISCSI_TEXT_OK);
    g_assert_cmpuint(t.n, ==, 3);
    g_assert_cmpstr(t.kv[0].key, ==, "CHAP_A");
    g_assert_cmpstr(t.kv[0].value, ==, "5");
    g_assert_cmpstr(t.kv[1].key, ==, "CHAP_I");
    g_assert_true(sraid_iscsi_text_number(t.kv[1].value, &id));
    g_assert_cmpuint(id, <=, 255);
    g_assert_cmpstr(t.kv[2].key, ==, "CHAP_C");
    v = t.kv[2].value;
    g_assert_cmpuint(strlen(v), ==, 2 + 32);
    clen = sraid_iscsi_text_binary(v, chal, sizeof(chal));
    g_assert_cmpint(clen, ==, 16);

    md5 = g_checksum_new(G_CHECKSUM_MD5);
    id8 = id;
    g_checksum_update(md5, &id8, 1);
    g_checksum_update(md5, (const guchar *)secret, strlen(secret));
    g_checksum_update(md5, chal, clen);
    g_checksum_get_digest(md5, digest, &dlen);
    g_checksum_free(md5);
    sraid_iscsi_text_clear(&t);

    if (base64) {
        char *b = g_base64_encode(digest, 16);

        r = g_strdup_printf("CHAP_R=0b%s", b);
        g_free(b);
    } else {
        GString *h = g_string_new("CHAP_R=0x");

        for (int i = 0; i < 16; i++) {
            g_string_append_printf(h, "%02X", digest[i]);
        }
        r = g_string_free(h, FALSE);
    }
    return r;
}

static void chap_setup(SraidIscsiTargetConfig *cfg)
{
    test_config(cfg);
    cfg->chap_user = (char *)CHAP_USER;
    cfg->chap_secret = (char *)CHAP_SECRET;
    be_setup(cfg);
}

/*
 * libiscsi's CHAP login: AuthMethod with T=1 (we stay), CHAP_A, CHAP_N and
 * CHAP_R with T=1 to the operational stage, then the operational keys.
 * Returns the response to CHAP_R, NULL when it is checked here.
 */
static Pdu *chap_login(Ini *ini, const char *secret, bool base64)
{
    uint8_t bhs[48];
    GByteArray *b;
    Pdu *rsp;
    char *s, *r;

    bhs_login(bhs, ini, LOGIN_FLAGS(1, 0, 1), 0x77);
    b = kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME,
           "SessionType=Normal", "HeaderDigest=None,CRC32C",
           "AuthMethod=CHAP,None", NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    /* not ready to leave security: T=0, CSG 0 */
    g_assert_cmphex(rsp->bhs[1], ==, 0x00);
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    g_assert_cmpuint(pdu_u32(rsp, 24), ==, 1);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "HeaderDigest=None\nAuthMethod=CHAP\n"
                    "TargetPortalGroupTag=1\n");
    g_free(s);
    ini_ack(ini, rsp);
    pdu_free(rsp);

    bhs_login(bhs, ini, LOGIN_FLAGS(0, 0, 0), 0x77);
    b = kv("CHAP_A=5", NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    g_assert_cmphex(rsp->bhs[1], ==, 0x00);
    g_assert_cmpuint(pdu_u32(rsp, 24), ==, 2);
    ini_ack(ini, rsp);
    r = chap_response(rsp, secret, base64);
    pdu_free(rsp);

    bhs_login(bhs, ini, LOGIN_FLAGS(1, 0, 1), 0x77);
    b = kv("CHAP_N=" CHAP_USER, r, NULL);
    g_free(r);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    ini_ack(ini, rsp);
    return rsp;
}

static void test_chap(gconstpointer base64)
{
    SraidIscsiTargetConfig cfg;
    uint8_t bhs[48];
    GByteArray *b;
    Ini *ini;
    Pdu *rsp;
    char *s;

    chap_setup(&cfg);
    ini = ini_new();
    rsp = chap_login(ini, CHAP_SECRET, GPOINTER_TO_INT(base64));
    /* authenticated: T=1, CSG 0, NSG 1, no keys */
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    g_assert_cmphex(rsp->bhs[1], ==, 0x81);
    g_assert_cmpuint(rsp->len, ==, 0);
    g_assert_cmpuint(sraid_get_be16(rsp->bhs + 14), ==, 0);
    pdu_free(rsp);

    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 0x77);
    b = kv("DataDigest=None", "MaxRecvDataSegmentLength=262144", NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    g_assert_cmphex(rsp->bhs[1], ==, 0x87);
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    g_assert_cmpuint(sraid_get_be16(rsp->bhs + 14), !=, 0);
    g_assert_cmpuint(pdu_u32(rsp, 24), ==, 4);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "DataDigest=None\nMaxRecvDataSegmentLength=262144"
                    "\n");
    g_free(s);
    ini_ack(ini, rsp);
    pdu_free(rsp);
    ini_ping(ini, 1);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 1);
    ini_free(ini);
    be_teardown();
}

static void test_chap_wrong_secret(void)
{
    SraidIscsiTargetConfig cfg;
    Ini *ini;
    Pdu *rsp;

    chap_setup(&cfg);
    ini = ini_new();
    rsp = chap_login(ini, "a-secret-of-16bY", false);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_AUTH_FAILED);
    pdu_free(rsp);
    ini_free(ini);
    be_teardown();
}

static Pdu *login_once(Ini *ini, uint8_t flags, GByteArray *keys)
{
    uint8_t bhs[48];

    bhs_login(bhs, ini, flags, 1);
    ini_send_pdu(ini, bhs, keys->data, keys->len);
    g_byte_array_free(keys, TRUE);
    return ini_pop(ini);
}

/* Every way around CHAP fails with authentication failure (02/01) */
static void test_chap_required(void)
{
    SraidIscsiTargetConfig cfg;
    uint8_t bhs[48];
    GByteArray *b;
    Ini *ini;
    Pdu *rsp;

    chap_setup(&cfg);

    /* skipping the security stage */
    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME,
                        NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_AUTH_FAILED);
    pdu_free(rsp);
    ini_free(ini);

    /* offering no CHAP */
    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 0, 1),
                     kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME,
                        "AuthMethod=None", NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_AUTH_FAILED);
    pdu_free(rsp);
    ini_free(ini);

    /* leaving security without any AuthMethod */
    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 0, 1),
                     kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME,
                        NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_AUTH_FAILED);
    pdu_free(rsp);
    ini_free(ini);

    /* an algorithm other than MD5 */
    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(0, 0, 0),
                     kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME,
                        "AuthMethod=CHAP", NULL));
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    pdu_free(rsp);
    bhs_login(bhs, ini, LOGIN_FLAGS(0, 0, 0), 1);
    b = kv("CHAP_A=7,6", NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_AUTH_FAILED);
    pdu_free(rsp);
    ini_free(ini);

    /* mutual CHAP: we have no secret to answer with */
    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(0, 0, 0),
                     kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME,
                        "AuthMethod=CHAP", "CHAP_A=5", NULL));
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    pdu_free(rsp);
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 0, 1), 1);
    b = kv("CHAP_N=" CHAP_USER, "CHAP_R=0x00112233445566778899aabbccddeeff",
           "CHAP_I=1", "CHAP_C=0x0102030405060708", NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_AUTH_FAILED);
    pdu_free(rsp);
    ini_free(ini);
    be_teardown();
}

/* open-iscsi without CHAP: AuthMethod=None, security to operational */
static void test_security_none(void)
{
    SraidIscsiTargetConfig cfg;
    Ini *ini;
    Pdu *rsp;
    char *s;

    test_config(&cfg);
    be_setup(&cfg);
    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 0, 1),
                     kv("InitiatorName=" INI_NAME, "InitiatorAlias=host",
                        "TargetName=" TGT_NAME, "SessionType=Normal",
                        "AuthMethod=None", NULL));
    g_assert_cmphex(rsp->bhs[1], ==, 0x81);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "AuthMethod=None\nTargetPortalGroupTag=1\n");
    g_free(s);
    ini_ack(ini, rsp);
    pdu_free(rsp);

    /* operational stage, not leaving yet: we declare ours now */
    rsp = login_once(ini, LOGIN_FLAGS(0, 1, 0), kv("ImmediateData=No", NULL));
    g_assert_cmphex(rsp->bhs[1], ==, 0x04);             /* T=0, CSG 1 */
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "ImmediateData=No\n"
                    "MaxRecvDataSegmentLength=262144\n");
    g_free(s);
    ini_ack(ini, rsp);
    pdu_free(rsp);
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3), kv("InitialR2T=Yes", NULL));
    g_assert_cmphex(rsp->bhs[1], ==, 0x87);
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "InitialR2T=Yes\n");
    g_free(s);
    ini_ack(ini, rsp);
    pdu_free(rsp);
    ini_ping(ini, 3);
    ini_free(ini);
    be_teardown();
}

/* Login Requests with the C bit: empty answers until the last (6.1) */
static void test_continuation(void)
{
    SraidIscsiTargetConfig cfg;
    GByteArray *b;
    uint8_t bhs[48];
    Ini *ini;
    Pdu *rsp;
    char *s;
    int cut = 30;                       /* in the middle of a value */

    test_config(&cfg);
    be_setup(&cfg);
    ini = ini_new();
    b = kv("InitiatorName=iqn.2024-01.test:i", "TargetName=" TGT_NAME,
           "ImmediateData=No", NULL);
    bhs_login(bhs, ini, LOGIN_FLAGS(0, 1, 0) | SRAID_ISCSI_LOGIN_C, 1);
    ini_send_pdu(ini, bhs, b->data, cut);
    rsp = ini_pop(ini);
    g_assert_cmphex(rsp->bhs[1], ==, 0x04);
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    g_assert_cmpuint(rsp->len, ==, 0);
    ini_ack(ini, rsp);
    pdu_free(rsp);
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 1);
    ini_send_pdu(ini, bhs, b->data + cut, b->len - cut);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    g_assert_cmphex(rsp->bhs[1], ==, 0x87);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "ImmediateData=No\nTargetPortalGroupTag=1\n"
                    "MaxRecvDataSegmentLength=262144\n");
    g_free(s);
    g_assert_cmpstr(sraid_iscsi_conn_initiator(ini->conn), ==,
                    "iqn.2024-01.test:i");
    pdu_free(rsp);
    ini_free(ini);
    be_teardown();
}

static void test_acl(void)
{
    static char *acl[] = { (char *)"iqn.2024-01.test:other",
                           (char *)"IQN.2007-10.com.github:SAHLBERG:libiscsi"
                                   ":iscsi-test", NULL };
    SraidIscsiTargetConfig cfg;
    Ini *ini;
    Pdu *rsp;

    test_config(&cfg);
    cfg.initiators = acl;
    be_setup(&cfg);

    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("InitiatorName=iqn.2024-01.test:intruder",
                        "TargetName=" TGT_NAME, NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_AUTHORIZATION_FAILED);
    /* the glue can still say who was refused */
    g_assert_cmpstr(sraid_iscsi_conn_initiator(ini->conn), ==,
                    "iqn.2024-01.test:intruder");
    g_assert_cmpmem(sraid_iscsi_conn_isid(ini->conn), 6, ini->isid, 6);
    pdu_free(rsp);
    ini_free(ini);

    /* the ACL holds for discovery too */
    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("InitiatorName=iqn.2024-01.test:intruder",
                        "SessionType=Discovery", NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_AUTHORIZATION_FAILED);
    pdu_free(rsp);
    ini_free(ini);

    /* names compare without case (RFC 3722) */
    ini = ini_new();
    ini_login(ini);
    ini_ping(ini, 1);
    ini_free(ini);
    be_teardown();
}

static void test_names(void)
{
    SraidIscsiTargetConfig cfg;
    Ini *ini;
    Pdu *rsp;

    test_config(&cfg);
    be_setup(&cfg);

    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("InitiatorName=" INI_NAME,
                        "TargetName=iqn.2024-01.org.sraid:node6", NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_NOT_FOUND);
    pdu_free(rsp);
    ini_free(ini);

    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("InitiatorName=" INI_NAME, NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_MISSING_PARAMETER);
    pdu_free(rsp);
    ini_free(ini);

    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("TargetName=" TGT_NAME, NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_MISSING_PARAMETER);
    pdu_free(rsp);
    ini_free(ini);

    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME,
                        "SessionType=Special", NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_UNSUPPORTED_SESSION);
    pdu_free(rsp);
    ini_free(ini);
    be_teardown();
}

static void test_protocol_errors(void)
{
    SraidIscsiTargetConfig cfg;
    uint8_t bhs[48];
    GByteArray *b;
    Ini *ini, *first;
    Pdu *rsp;

    test_config(&cfg);
    be_setup(&cfg);

    /* Version-min above ours (11.12.4) */
    ini = ini_new();
    b = kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME, NULL);
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 1);
    bhs[2] = 2;
    bhs[3] = 1;
    ini_send_pdu(ini, bhs, b->data, b->len);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_UNSUPPORTED_VERSION);
    pdu_free(rsp);
    ini_free(ini);

    /* TSIH of no session: a connection cannot be added */
    ini = ini_new();
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 1);
    sraid_put_be16(bhs + 14, 0x4242);
    ini_send_pdu(ini, bhs, b->data, b->len);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_NO_SESSION);
    pdu_free(rsp);
    ini_free(ini);

    /* TSIH of a live session: MaxConnections is 1 */
    first = ini_new();
    ini_login(first);
    ini = ini_new();
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 1);
    sraid_put_be16(bhs + 14, first->tsih);
    ini_send_pdu(ini, bhs, b->data, b->len);
    rsp = ini_pop(ini);
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==,
                    SRAID_ISCSI_LOGIN_TOO_MANY_CONNECTIONS);
    g_assert_cmpuint(ini->closes, ==, 1);
    pdu_free(rsp);
    ini_free(ini);
    ini_ping(first, 9);
    ini_free(first);

    /* T=1 with NSG not above CSG, and NSG 2 (reserved) */
    ini = ini_new();
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 1), 1);
    ini_send_pdu(ini, bhs, b->data, b->len);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
    pdu_free(rsp);
    ini_free(ini);
    ini = ini_new();
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 0, 2), 1);
    ini_send_pdu(ini, bhs, b->data, b->len);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
    pdu_free(rsp);
    ini_free(ini);

    /* moving to the operational stage without our T=1 */
    ini = ini_new();
    bhs_login(bhs, ini, LOGIN_FLAGS(0, 0, 0), 1);
    ini_send_pdu(ini, bhs, b->data, b->len);
    rsp = ini_pop(ini);
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    pdu_free(rsp);
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 1);
    ini_send_pdu(ini, bhs, NULL, 0);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
    pdu_free(rsp);
    ini_free(ini);

    /* a different InitiatorName in a later request */
    ini = ini_new();
    bhs_login(bhs, ini, LOGIN_FLAGS(0, 1, 0), 1);
    ini_send_pdu(ini, bhs, b->data, b->len);
    pdu_free(ini_pop(ini));
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("InitiatorName=iqn.2024-01.test:else", NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
    pdu_free(rsp);
    ini_free(ini);

    /* a malformed text and a key sent twice */
    ini = ini_new();
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 1);
    ini_send_pdu(ini, bhs, "InitiatorName", 13);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
    pdu_free(rsp);
    ini_free(ini);
    ini = ini_new();
    rsp = login_once(ini, LOGIN_FLAGS(1, 1, 3),
                     kv("InitiatorName=" INI_NAME, "TargetName=" TGT_NAME,
                        "ImmediateData=No", "ImmediateData=Yes", NULL));
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
    pdu_free(rsp);
    ini_free(ini);

    /* a login that never ends: 16 requests at most */
    ini = ini_new();
    for (int i = 0; i < 16; i++) {
        bhs_login(bhs, ini, LOGIN_FLAGS(0, 1, 0), 1);
        ini_send_pdu(ini, bhs, b->data, b->len);
        rsp = ini_pop(ini);
        g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
        pdu_free(rsp);
    }
    bhs_login(bhs, ini, LOGIN_FLAGS(0, 1, 0), 1);
    ini_send_pdu(ini, bhs, NULL, 0);
    rsp = ini_pop(ini);
    check_failure(ini, rsp, SRAID_ISCSI_LOGIN_INITIATOR_ERROR);
    pdu_free(rsp);
    ini_free(ini);

    /* anything but a Login Request during login closes at once */
    ini = ini_new();
    bhs_nop_out(bhs, ini, true, 1, SRAID_ISCSI_RSVD_TAG);
    ini_send_pdu(ini, bhs, NULL, 0);
    ini_assert_quiet(ini);
    g_assert_cmpuint(ini->closes, ==, 1);
    ini_free(ini);

    /* a login data segment above 8192 bytes (13.12) closes too */
    ini = ini_new();
    g_byte_array_set_size(b, 8193);
    bhs_login(bhs, ini, LOGIN_FLAGS(1, 1, 3), 1);
    ini_send_pdu(ini, bhs, b->data, b->len);
    ini_assert_quiet(ini);
    g_assert_cmpuint(ini->closes, ==, 1);
    ini_free(ini);
    g_byte_array_free(b, TRUE);
    be_teardown();
}

/* 6.3.5: the same InitiatorName and ISID with TSIH 0 replaces a session */
static void test_reinstatement(void)
{
    SraidIscsiTargetConfig cfg;
    Ini *a, *b, *c, *d;
    Pdu *rsp;

    test_config(&cfg);
    be_setup(&cfg);
    a = ini_new();
    ini_login(a);
    c = ini_new();
    c->isid[5] = 0x02;                  /* another I_T nexus: untouched */
    ini_login(c);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 2);

    /* a Discovery session of the same nexus leaves the Normal one be */
    d = ini_new();
    rsp = ini_login_keys(d, kv("InitiatorName=" INI_NAME,
                               "SessionType=Discovery", NULL));
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    pdu_free(rsp);
    g_assert_cmpuint(a->closes, ==, 0);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 3);
    ini_free(d);

    b = ini_new();
    ini_login(b);
    g_assert_cmpuint(a->closes, ==, 1);
    g_assert_cmpuint(c->closes, ==, 0);
    g_assert_cmpuint(b->closes, ==, 0);
    g_assert_cmpuint(b->tsih, !=, 0);
    g_assert_cmpuint(b->tsih, !=, a->tsih);
    g_assert_cmpuint(b->tsih, !=, c->tsih);
    g_assert_cmpuint(sraid_iscsi_target_sessions(be.tgt), ==, 2);
    ini_ping(b, 1);
    ini_ping(c, 1);
    ini_free(a);
    ini_free(b);
    ini_free(c);
    be_teardown();
}

static void test_max_sessions(void)
{
    SraidIscsiTargetConfig cfg;
    Ini *a, *b;
    Pdu *rsp;

    test_config(&cfg);
    cfg.max_sessions = 1;
    be_setup(&cfg);
    a = ini_new();
    ini_login(a);
    b = ini_new();
    b->isid[5] = 0x02;
    rsp = ini_login_keys(b, kv("InitiatorName=" INI_NAME,
                               "TargetName=" TGT_NAME, NULL));
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==,
                    SRAID_ISCSI_LOGIN_OUT_OF_RESOURCES);
    g_assert_cmpuint(b->closes, ==, 1);
    pdu_free(rsp);
    ini_free(b);
    /* once the first is gone there is room again */
    ini_free(a);
    b = ini_new();
    ini_login(b);
    ini_free(b);
    be_teardown();
}

static void test_discovery(void)
{
    SraidIscsiTargetConfig cfg;
    uint8_t bhs[48], cdb[6] = { 0 };
    GByteArray *b;
    Ini *ini;
    Pdu *rsp;
    char *s;

    test_config(&cfg);
    be_setup(&cfg);
    ini = ini_new();
    rsp = ini_login_keys(ini, kv("InitiatorName=" INI_NAME,
                                 "SessionType=Discovery",
                                 "HeaderDigest=None", NULL));
    g_assert_cmphex(sraid_get_be16(rsp->bhs + 36), ==, 0);
    s = text_str(rsp);
    /* no TargetPortalGroupTag in a Discovery session */
    g_assert_cmpstr(s, ==, "HeaderDigest=None\n"
                    "MaxRecvDataSegmentLength=262144\n");
    g_free(s);
    pdu_free(rsp);

    bhs_text(bhs, ini, 0x80, 0x51, SRAID_ISCSI_RSVD_TAG);
    b = kv("SendTargets=All", NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    g_assert_cmphex(rsp->bhs[0], ==, 0x24);
    g_assert_cmphex(rsp->bhs[1], ==, 0x80);             /* F, no C */
    g_assert_cmphex(pdu_u32(rsp, 16), ==, 0x51);
    g_assert_cmphex(pdu_u32(rsp, 20), ==, SRAID_ISCSI_RSVD_TAG);
    g_assert_cmpuint(pdu_u32(rsp, 24), ==, 2);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "TargetName=" TGT_NAME "\n"
                    "TargetAddress=127.0.0.1:3260,1\n"
                    "TargetAddress=[::1]:3260,1\n");
    g_free(s);
    ini_ack(ini, rsp);
    pdu_free(rsp);

    /* libiscsi's invalid requests (test_iscsi_sendtargets_invalid) */
    bhs_text(bhs, ini, 0x80, 0x52, SRAID_ISCSI_RSVD_TAG);
    b = kv("SendTargetsPlease=All", "SendTargets=Alle", NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "SendTargetsPlease=NotUnderstood\n"
                    "SendTargets=Reject\n");
    g_free(s);
    pdu_free(rsp);
    bhs_text(bhs, ini, 0x80, 0x53, SRAID_ISCSI_RSVD_TAG);
    b = kv("sENDtARGETS=aLL", "SendTargets=iqn.2024-01.org.sraid:other",
           NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    s = text_str(rsp);
    g_assert_cmpstr(s, ==, "sENDtARGETS=NotUnderstood\n");
    g_free(s);
    pdu_free(rsp);

    /* no SCSI in a Discovery session */
    bhs_cmd(bhs, ini, 0x80, 0, 0x54, 0, cdb, 6);
    ini_send_pdu(ini, bhs, NULL, 0);
    rsp = ini_pop(ini);
    g_assert_cmphex(rsp->bhs[0], ==, 0x3f);
    g_assert_cmphex(rsp->bhs[2], ==, SRAID_ISCSI_REJECT_NOT_SUPPORTED);
    g_assert_cmpuint(rsp->len, ==, 48);
    g_assert_cmpmem(rsp->data, 48, bhs, 48);
    pdu_free(rsp);
    g_assert_cmpuint(be.submits, ==, 0);

    bhs_logout(bhs, ini, SRAID_ISCSI_LOGOUT_CLOSE_SESSION, 0x55, 1);
    ini_send_pdu(ini, bhs, NULL, 0);
    rsp = ini_pop(ini);
    g_assert_cmphex(rsp->bhs[0], ==, 0x26);
    g_assert_cmphex(rsp->bhs[2], ==, 0);
    g_assert_cmpuint(ini->closes, ==, 1);
    pdu_free(rsp);
    ini_free(ini);
    be_teardown();
}

/* A SendTargets answer too long for the initiator stops at a key */
static void test_sendtargets_truncated(void)
{
    SraidIscsiTargetConfig cfg;
    char *portals[41];
    uint8_t bhs[48];
    GByteArray *b;
    Ini *ini;
    Pdu *rsp;

    test_config(&cfg);
    for (int i = 0; i < 40; i++) {
        portals[i] = g_strdup_printf("192.168.100.%d:3260,1", i + 100);
    }
    portals[40] = NULL;
    cfg.portals = portals;
    be_setup(&cfg);
    ini = ini_new();
    pdu_free(ini_login_keys(ini, kv("InitiatorName=" INI_NAME,
                                    "TargetName=" TGT_NAME,
                                    "MaxRecvDataSegmentLength=512", NULL)));
    bhs_text(bhs, ini, 0x80, 0x61, SRAID_ISCSI_RSVD_TAG);
    b = kv("SendTargets=", NULL);
    ini_send_pdu(ini, bhs, b->data, b->len);
    g_byte_array_free(b, TRUE);
    rsp = ini_pop(ini);
    /*
     * "TargetName=<27>" takes 39 bytes, each "TargetAddress=<22>" 37: 12
     * of the 40 fit in the initiator's 512 bytes, the 13th is left out
     * whole.
     */
    g_assert_cmpuint(rsp->len, ==, 39 + 12 * 37);
    g_assert_cmpuint(rsp->data[rsp->len - 1], ==, 0);
    g_assert_cmpstr((char *)rsp->data + rsp->len - 37, ==,
                    "TargetAddress=192.168.100.111:3260,1");
    pdu_free(rsp);
    ini_free(ini);
    be_teardown();
    for (int i = 0; i < 40; i++) {
        g_free(portals[i]);
    }
}

static void test_login_timeout(void)
{
    SraidIscsiTargetConfig cfg;
    Ini *ini;

    test_config(&cfg);
    cfg.login_timeout_ms = 1000;
    be_setup(&cfg);
    ini = ini_new();
    sraid_iscsi_conn_tick(ini->conn, 5000);
    sraid_iscsi_conn_tick(ini->conn, 5999);
    g_assert_cmpuint(ini->closes, ==, 0);
    sraid_iscsi_conn_tick(ini->conn, 6000);
    g_assert_cmpuint(ini->closes, ==, 1);
    sraid_iscsi_conn_tick(ini->conn, 9000);
    g_assert_cmpuint(ini->closes, ==, 1);
    ini_free(ini);
    be_teardown();
}

static void test_config_checks(void)
{
    static char *bad_acl[] = { (char *)"host1", NULL };
    static char *bad_portal[] = { (char *)"", NULL };
    SraidIscsiTargetConfig cfg, good;
    char *err = NULL;

    test_config(&good);
    g_assert_cmpuint(good.max_recv_data_segment_length, ==, 262144);
    g_assert_cmpuint(good.max_burst_length, ==, 1048576);
    g_assert_cmpuint(good.first_burst_length, ==, 262144);
    g_assert_cmpuint(good.cmd_window, ==, 32);
    g_assert_cmpuint(good.max_sessions, ==, 16);
    g_assert_cmpuint(good.max_transfer, ==, 8 * 1024 * 1024);
    g_assert_cmpuint(good.nop_in_interval_ms, ==, 5000);
    g_assert_cmpuint(good.nop_in_timeout_ms, ==, 15000);

#define BAD(field, value) do { \
        cfg = good; \
        cfg.field = value; \
        g_assert_null(sraid_iscsi_target_new(&cfg, &be_ops, NULL, &err)); \
        g_assert_nonnull(err); \
        g_free(err); \
        err = NULL; \
    } while (0)

    BAD(max_recv_data_segment_length, 511);
    BAD(max_recv_data_segment_length, 1 << 24);
    BAD(max_burst_length, 65536);
    BAD(first_burst_length, 2 * 1024 * 1024);
    BAD(first_burst_length, 4096);
    BAD(max_outstanding_r2t, 0);
    BAD(max_outstanding_r2t, SRAID_ISCSI_MAX_R2T + 1);
    BAD(cmd_window, 0);
    BAD(cmd_window, SRAID_ISCSI_MAX_CMD_WINDOW + 1);
    BAD(max_sessions, 0);
    BAD(max_transfer, 0);
    BAD(initiators, bad_acl);
    BAD(portals, bad_portal);
    BAD(chap_user, (char *)"user");
    BAD(target_name[0], 'x');
    cfg = good;
    cfg.chap_user = (char *)"user";
    cfg.chap_secret = (char *)"";
    g_assert_null(sraid_iscsi_target_new(&cfg, &be_ops, NULL, &err));
    g_assert_nonnull(err);
    g_free(err);
    err = NULL;
    cfg = good;
    g_assert_null(sraid_iscsi_target_new(&cfg, NULL, NULL, NULL));
#undef BAD
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iscsi-login/libiscsi", test_libiscsi);
    g_test_add_func("/iscsi-login/negotiation", test_negotiation);
    g_test_add_func("/iscsi-login/reject-values", test_reject_values);
    g_test_add_func("/iscsi-login/first-burst", test_first_burst);
    g_test_add_data_func("/iscsi-login/chap/hex", GINT_TO_POINTER(0),
                         test_chap);
    g_test_add_data_func("/iscsi-login/chap/base64", GINT_TO_POINTER(1),
                         test_chap);
    g_test_add_func("/iscsi-login/chap/wrong-secret", test_chap_wrong_secret);
    g_test_add_func("/iscsi-login/chap/required", test_chap_required);
    g_test_add_func("/iscsi-login/security-none", test_security_none);
    g_test_add_func("/iscsi-login/continuation", test_continuation);
    g_test_add_func("/iscsi-login/acl", test_acl);
    g_test_add_func("/iscsi-login/names", test_names);
    g_test_add_func("/iscsi-login/protocol-errors", test_protocol_errors);
    g_test_add_func("/iscsi-login/reinstatement", test_reinstatement);
    g_test_add_func("/iscsi-login/max-sessions", test_max_sessions);
    g_test_add_func("/iscsi-login/discovery", test_discovery);
    g_test_add_func("/iscsi-login/sendtargets-truncated",
                    test_sendtargets_truncated);
    g_test_add_func("/iscsi-login/timeout", test_login_timeout);
    g_test_add_func("/iscsi-login/config", test_config_checks);
    return g_test_run();
}
