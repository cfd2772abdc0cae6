/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI target internals shared by iscsi-target.c
 * (target, connections, framing, login, NOP, text, logout) and
 * iscsi-task.c (SCSI commands, data transfer, task management).  Not for
 * the glue: iscsi-target.h is its API.
 *
 * A session has exactly one connection (MaxConnections=1), so the
 * connection object carries the session state too: TSIH, ISID, the CmdSN
 * window and the tasks.
 */
#ifndef SRAID_ISCSI_CONN_H
#define SRAID_ISCSI_CONN_H

#include <glib.h>

#include "iscsi-login.h"
#include "iscsi-pdu.h"
#include "iscsi-target.h"

struct SraidIscsiTarget {
    SraidIscsiTargetConfig cfg;     /* deep copy */
    SraidIscsiLunOps ops;
    void *opaque;
    GList *conns;
    unsigned nsessions;             /* connections in full feature phase */
    uint16_t next_tsih;
};

typedef enum IscsiConnState {
    ISCSI_CONN_LOGIN,
    ISCSI_CONN_FFP,
    ISCSI_CONN_CLOSED,
} IscsiConnState;

/* One outstanding R2T (RFC 7143 11.8) */
typedef struct IscsiR2t {
    bool active;
    uint32_t ttt;
    uint32_t offset;
    uint32_t len;
    uint32_t received;
    uint32_t next_data_sn;
} IscsiR2t;

typedef enum IscsiTaskState {
    ISCSI_TASK_DATA_OUT,            /* receiving data-out */
    ISCSI_TASK_SUBMITTED,           /* with the glue */
} IscsiTaskState;

typedef struct IscsiTask {
    SraidIscsiTask pub;
    int refs;
    GList link;                     /* in conn->tasks while listed */
    bool listed;
    bool immediate;
    bool aborted;
    bool with_glue;                 /* between ops->submit and task_done */
    IscsiTaskState state;
    uint32_t cmdsn;
    uint8_t lun_raw[8];
    /* Data-out: unsolicited part, then R2T bursts */
    uint32_t received;
    bool unsol_open;
    uint32_t unsol_next;
    uint32_t unsol_limit;
    uint32_t unsol_data_sn;
    bool r2t_started;
    uint32_t r2t_offset;            /* next byte to solicit */
    uint32_t r2tsn;
    unsigned r2t_active;
    IscsiR2t r2t[SRAID_ISCSI_MAX_R2T];
} IscsiTask;

/*
 * TMF responses waiting at a time per connection: immediate TMFs take no
 * CmdSN, so without a bound an initiator could pile them up.
 */
#define ISCSI_MAX_PENDING_TMF   8

/* A TMF or Logout Response waiting for aborted tasks to leave the glue */
typedef struct IscsiPending {
    uint8_t opcode;                 /* SRAID_ISCSI_OP_TMF_RSP or _LOGOUT_RSP */
    uint32_t itt;
    uint8_t response;
    bool cold_reset;
    bool busy;                      /* still being set up: do not send */
    GPtrArray *tasks;               /* IscsiTask, one reference each */
} IscsiPending;

/* A received PDU */
typedef struct IscsiRx {
    SraidIscsiPdu pdu;
    const uint8_t *hdr;             /* the raw BHS */
    const uint8_t *data;
    uint32_t len;
} IscsiRx;

struct SraidIscsiConn {
    SraidIscsiTarget *target;
    SraidIscsiConnOps ops;
    void *opaque;
    IscsiConnState state;
    bool registered;                /* counted in target->nsessions */
    bool logout_pending;

    /* Receive: one PDU being assembled */
    uint8_t *rx;
    uint32_t rx_len;
    uint32_t rx_need;               /* whole PDU, once the header is in */
    uint32_t rx_cap;
    /* Transmit scratch buffer: one whole PDU */
    uint8_t *tx;
    size_t tx_cap;

    /* Login phase */
    SraidIscsiLogin *login;
    SraidIscsiLoginRsp *login_rsp;

    /* Session */
    uint16_t tsih;
    uint16_t cid;
    uint8_t isid[6];
    char initiator[SRAID_ISCSI_NAME_MAX + 1];
    bool discovery;
    SraidIscsiParams params;
    uint32_t statsn;
    uint32_t exp_cmdsn;
    uint32_t max_cmdsn;
    /* CmdSNs received ahead of ExpCmdSN, by CmdSN modulo the ring size */
    uint8_t cmdsn_seen[SRAID_ISCSI_MAX_CMD_WINDOW];
    GQueue tasks;
    unsigned nonimm_tasks;
    unsigned imm_tasks;
    GQueue pending;                 /* IscsiPending */
    uint32_t next_ttt;

    /* Timers */
    bool clock_started;
    uint64_t born_ms;
    uint64_t idle_since_ms;
    bool rx_activity;
    bool ping_out;
    uint32_t ping_ttt;
    uint64_t ping_sent_ms;
};

/* iscsi-target.c */
void iscsi_conn_close(SraidIscsiConn *c);
SraidIscsiSn iscsi_conn_sn(SraidIscsiConn *c, bool advance_statsn);
void iscsi_conn_send(SraidIscsiConn *c, const uint8_t *bhs,
                     const uint8_t *data, uint32_t len);
void iscsi_conn_reject(SraidIscsiConn *c, const IscsiRx *rx, uint8_t reason);
bool iscsi_cmdsn_accept(SraidIscsiConn *c, const SraidIscsiPdu *pdu);
bool iscsi_cmdsn_mark(SraidIscsiConn *c, uint32_t cmdsn);
uint32_t iscsi_conn_next_ttt(SraidIscsiConn *c);

/* iscsi-task.c */
void iscsi_task_scsi_cmd(SraidIscsiConn *c, const IscsiRx *rx);
void iscsi_task_data_out(SraidIscsiConn *c, const IscsiRx *rx);
void iscsi_task_tmf(SraidIscsiConn *c, const IscsiRx *rx);
/* Logout: abort everything, answer when the glue has let go */
void iscsi_task_logout(SraidIscsiConn *c, uint32_t itt);
/* Abort every task (connection loss); @detach: the connection goes away */
void iscsi_task_abort_all(SraidIscsiConn *c, bool detach);
void iscsi_task_drop_pending(SraidIscsiConn *c);

#endif /* SRAID_ISCSI_CONN_H */
