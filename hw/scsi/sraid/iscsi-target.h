/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: iSCSI target protocol engine (RFC 7143).
 *
 * Transport-free: the glue owns the sockets.  It creates one connection
 * object per accepted TCP connection, feeds it the bytes it reads
 * (sraid_iscsi_conn_input), sends what the core hands to ops->send, calls
 * sraid_iscsi_conn_tick now and then, and closes the socket when the core
 * calls ops->close.  SCSI commands reach the glue through SraidIscsiLunOps.
 *
 * Everything runs in one thread.  The core may call the glue's ops from
 * inside any of its entry points, and the glue may call
 * sraid_iscsi_task_done from inside ops->submit, ops->abort and
 * ops->reset.  The glue must not call sraid_iscsi_conn_free or
 * sraid_iscsi_target_free from inside an op.
 *
 * What is implemented, the negotiated keys and the limits:
 * docs/iscsi-target.md.
 */
#ifndef SRAID_ISCSI_TARGET_H
#define SRAID_ISCSI_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl-lun.h"

typedef struct SraidIscsiTarget SraidIscsiTarget;
typedef struct SraidIscsiConn SraidIscsiConn;

/* The LUN given to ops->reset for TARGET WARM/COLD RESET */
#define SRAID_ISCSI_ALL_LUNS        UINT64_MAX

/* Bounds of the configuration (sraid_iscsi_target_new checks them) */
#define SRAID_ISCSI_MAX_CMD_WINDOW  256
#define SRAID_ISCSI_MAX_SESSIONS    4096
#define SRAID_ISCSI_MAX_R2T         16
#define SRAID_ISCSI_MAX_TRANSFER    (64 * 1024 * 1024)
#define SRAID_ISCSI_MAX_PORTALS     64
#define SRAID_ISCSI_NAME_MAX        223     /* RFC 7143 4.2.7.1 */
#define SRAID_ISCSI_CHAP_MAX        255

/* One SCSI command, from its arrival to its status */
typedef struct SraidIscsiTask {
    /*
     * The I_T nexus: sraid_iscsi_conn_initiator() and _isid().  NULL once
     * the connection has been freed (the task is then only waiting for
     * its sraid_iscsi_task_done).
     */
    SraidIscsiConn *conn;
    uint64_t lun;                   /* decoded: sraid_iscsi_lun_decode */
    uint8_t cdb[16];
    uint32_t itt;
    uint8_t attr;                   /* SAM task attribute (RFC 7143 11.3.1) */
    uint32_t expected_len;          /* Expected Data Transfer Length */
    bool read, write;               /* R and W bits; never both */
    /* Data-out, all of it (expected_len bytes), owned by the core */
    uint8_t *data_out;
    uint32_t data_out_len;
    /*
     * Data-out bytes the command wanted (its CDB transfer length).  Preset
     * to data_out_len; the glue sets it before sraid_iscsi_task_done when
     * the CDB asked for less (underflow) or more (overflow) than the
     * initiator's expected_len, so that the SCSI Response reports the
     * residual (RFC 7143 11.4.5).  Also for a command without the W bit
     * whose CDB wants data-out: non-zero there counts as overflow.
     */
    uint32_t data_out_wanted;
    /*
     * Data-in buffer, owned by the core: data_in_cap = expected_len for a
     * READ (0 and NULL otherwise).
     */
    uint8_t *data_in;
    uint32_t data_in_cap;
    void *glue;                     /* free for the glue */
} SraidIscsiTask;

typedef struct SraidIscsiLunOps {
    /* Does this target serve @lun? */
    bool (*lun_present)(void *opaque, uint64_t lun);
    /*
     * Start the command.  The glue calls sraid_iscsi_task_done() exactly
     * once, later or from inside submit.  Called only for present LUNs,
     * plus REPORT LUNS on any LUN; for other commands to an absent LUN
     * the core answers itself as SPC-4 asks (INQUIRY with peripheral
     * qualifier 011b, REQUEST SENSE and CHECK CONDITION with LOGICAL UNIT
     * NOT SUPPORTED).
     */
    void (*submit)(void *opaque, SraidIscsiTask *task);
    /* Abort @task; the glue still calls task_done (its result ignored) */
    void (*abort)(void *opaque, SraidIscsiTask *task);
    /*
     * LUN RESET of @lun, or target reset (@lun = SRAID_ISCSI_ALL_LUNS),
     * asked through @conn.  Synchronous in effect: the glue ends the
     * affected tasks (task_done) before it returns.  The core ignores the
     * results of the tasks of @conn's session; tasks of other sessions
     * get whatever status the glue gives them (SAM-5: TASK ABORTED or a
     * later unit attention is the glue's business).
     */
    void (*reset)(void *opaque, SraidIscsiConn *conn, uint64_t lun);
    /*
     * Optional: the I_T nexus of @conn's Normal session is lost (SAM-5
     * 6.4: a logout, the connection closed or dropped, a session
     * reinstatement, a TARGET COLD RESET).  Called once per session, as
     * it ends, while @conn still answers sraid_iscsi_conn_initiator(),
     * _isid() and _tpgt(); its tasks are aborted right after.
     */
    void (*nexus_lost)(void *opaque, SraidIscsiConn *conn);
} SraidIscsiLunOps;

typedef struct SraidIscsiConnOps {
    /* Send @len bytes: always whole PDUs; the core keeps no reference */
    void (*send)(void *opaque, const void *buf, size_t len);
    /*
     * The core wants the connection closed: after a protocol error, a
     * failed login, a Logout Response, a session reinstatement, a TARGET
     * COLD RESET or a NOP-In timeout.  Called at most once; the core then
     * ignores input and sends nothing more.  The glue closes the socket
     * and calls sraid_iscsi_conn_free later (not from inside close).
     */
    void (*close)(void *opaque);
} SraidIscsiConnOps;

typedef struct SraidIscsiTargetConfig {
    char target_name[SRAID_ISCSI_NAME_MAX + 1];     /* iqn./eui./naa. */
    char alias[64];                 /* TargetAlias; "" = none */
    uint16_t tpgt;                  /* TargetPortalGroupTag */
    /*
     * Initiator names allowed to log in (NULL-terminated).  NULL or empty
     * allows any initiator: the glue is expected to pass a list.
     */
    char **initiators;
    /* One-way CHAP (RFC 7143 12.1.3): both set or both NULL */
    char *chap_user;
    char *chap_secret;
    /* Our offers/limits for the negotiated keys (RFC 7143 13) */
    uint32_t max_recv_data_segment_length;
    uint32_t max_burst_length;
    uint32_t first_burst_length;
    uint32_t max_outstanding_r2t;
    /* CmdSN window: also the bound on outstanding commands per session */
    uint32_t cmd_window;
    uint32_t max_sessions;
    /* Largest Expected Data Transfer Length accepted (bytes) */
    uint32_t max_transfer;
    /* Idle time before a NOP-In ping, and its answer deadline; 0 = off */
    uint32_t nop_in_interval_ms;
    uint32_t nop_in_timeout_ms;
    /* A connection not in full feature phase by then is closed; 0 = off */
    uint32_t login_timeout_ms;
    /* "address:port,tpgt" for SendTargets (NULL-terminated, or NULL) */
    char **portals;
} SraidIscsiTargetConfig;

/* Everything zero/NULL except the documented defaults */
void sraid_iscsi_target_config_defaults(SraidIscsiTargetConfig *cfg);

/*
 * The configuration is copied.  On error returns NULL and, if @errmsg is
 * not NULL, a message to g_free.
 */
SraidIscsiTarget *sraid_iscsi_target_new(const SraidIscsiTargetConfig *cfg,
                                         const SraidIscsiLunOps *ops,
                                         void *opaque, char **errmsg);
/* Every connection must have been freed before */
void sraid_iscsi_target_free(SraidIscsiTarget *t);
/* Sessions in full feature phase */
unsigned sraid_iscsi_target_sessions(const SraidIscsiTarget *t);

SraidIscsiConn *sraid_iscsi_conn_new(SraidIscsiTarget *t,
                                     const SraidIscsiConnOps *ops,
                                     void *opaque);
/*
 * Feed bytes read from the socket, in any chunking.  Returns the number
 * of bytes consumed: @len, or less when the connection was closed on the
 * way (the core stops where it decided to close; 0 once closed).
 */
size_t sraid_iscsi_conn_input(SraidIscsiConn *c, const uint8_t *buf,
                              size_t len);
/*
 * Drive the timers: NOP-In pings and their timeout, the login timeout.
 * @now_ms is any monotonic clock; the first call starts the clocks.
 */
void sraid_iscsi_conn_tick(SraidIscsiConn *c, uint64_t now_ms);
/*
 * Free the connection (its socket is gone).  Tasks still in the glue are
 * aborted (ops->abort) and detached: their task_done just frees them.
 */
void sraid_iscsi_conn_free(SraidIscsiConn *c);

/*
 * The end of a task started by ops->submit.  Data-in is
 * task->data_in[0 .. MIN(r->data_len, data_in_cap)); a larger
 * r->data_len means the command had more to send than the initiator
 * expected (residual overflow).  @r NULL means the glue could not run the
 * command at all: the initiator gets the iSCSI response "Target Failure".
 */
void sraid_iscsi_task_done(SraidIscsiTask *task, const SraidScsiResult *r);

/*
 * InitiatorName and ISID (6 bytes) of the connection: known from the Login
 * Request that carried them on ("" and zeros before), also when the login
 * then fails.
 */
const char *sraid_iscsi_conn_initiator(const SraidIscsiConn *c);
const uint8_t *sraid_iscsi_conn_isid(const SraidIscsiConn *c);
/*
 * TargetPortalGroupTag of the portal group the connection came through:
 * the relative target port identifier of its I_T nexus (SPC-4 7.8.6.6)
 */
uint16_t sraid_iscsi_conn_tpgt(const SraidIscsiConn *c);
/* TSIH of the connection's session, 0 before full feature phase */
uint16_t sraid_iscsi_conn_tsih(const SraidIscsiConn *c);

/*
 * @fn for the connection of every Normal session of @t in full feature
 * phase: one per I_T nexus (MaxConnections is 1), the nexuses a reset
 * gives a unit attention.  @fn must not free connections.
 */
void sraid_iscsi_target_foreach_nexus(SraidIscsiTarget *t,
                                      void (*fn)(SraidIscsiConn *c,
                                                 void *opaque),
                                      void *opaque);

#endif /* SRAID_ISCSI_TARGET_H */
