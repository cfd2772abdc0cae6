/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: cluster membership (membership.h).
 *
 * Seed 003 gives the protocols as flowcharts; this file follows them and
 * names the steps.  Where the seed is silent or unsafe, sraid goes further,
 * and says so where it does (docs/membership.md lists every such place):
 *  - a Heartbeat() failure whose drive check passes is first retried on the
 *    other connected channels, because the peer may have lost only one
 *    cable (the seed would kill it);
 *  - a TEST UNIT READY failure on the drive means this node's cable failed:
 *    the channel leaves Connected_Channels and the next one is used; with
 *    none left the node suspends itself (fig. 17 steps 1750/1755 joined);
 *  - the drives also carry a lease (disk-lease.h) that decides what the
 *    bus alone cannot: a master that is alive but unreachable, two nodes
 *    claiming mastership, and who may write the configuration;
 *  - a node starting up never takes over a running cluster: it becomes
 *    master only when every node it sees is starting up too.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "cdb.h"
#include "membership.h"
#include "scsi-proto.h"
#include "vendor-cmd.h"

/* What a token in flight stands for */
typedef enum OpKind {
    OP_INQUIRY,             /* bus scan, step 410 (and the booting flag) */
    OP_STATE_READ,          /* scan: the peer's own state (cable check) */
    OP_BUS_RESET,           /* a joiner's bus reset */
    OP_HEARTBEAT,           /* fig. 17 step 1710 */
    OP_HB_PROBE,            /* the heartbeat retried on another channel */
    OP_DIAG_CABLE,          /* fig. 8 step 860: cable check */
    OP_DIAG_WRITE,          /* step 860: memory test, write */
    OP_DIAG_READ,           /* step 860: memory test, read back */
    OP_MAILBOX_WRITE,       /* step 8B0 */
    OP_NEGOTIATE,           /* step 880 */
    OP_NEGOTIATE_CHECK,     /* steps 575-580 as the master sees them */
    OP_CONN_CHECK,          /* step 825 */
    OP_KILL,                /* steps 850, 1740 */
    OP_CONFIG_CHANGED,      /* a slave's change, to the master */
    OP_DRIVE_PROBE,         /* periodic drive check of each channel */
    OP_DRIVE_ANALYSIS,      /* fig. 17 step 1745 */
    OP_LEASE_WRITE,
    OP_LEASE_READ,
} OpKind;

typedef struct Op {
    OpKind kind;
    uint8_t node;
    uint8_t channel;
} Op;

typedef enum Phase {
    PHASE_OFF,              /* not started */
    PHASE_STARTING,         /* figs. 4/5 up to step 425 */
    PHASE_MASTER,
    PHASE_SLAVE,
    PHASE_SUSPENDED,
} Phase;

/* Why a scan runs */
typedef enum ScanPurpose {
    SCAN_NONE,
    SCAN_STARTUP,           /* step 410 */
    SCAN_MONITOR,           /* step 805 */
    SCAN_ELECTION,          /* survivors of a failed master */
} ScanPurpose;

/* The master's work on one slave (fig. 8) */
typedef enum SlaveStep {
    STEP_IDLE,
    STEP_DIAG,              /* cable checks and memory test in flight */
    STEP_NEGOTIATE,         /* mailbox write, Node_Negotiate, check */
} SlaveStep;

#define DIAG_PATTERN_LEN    64
#define INQUIRY_ALLOC       64
#define CONN_CHECK_OFFSET   DIAG_PATTERN_LEN   /* after the memory test */

typedef struct Peer {
    /* the Nodes list entry, as this node sees it */
    bool known;
    uint8_t state;
    uint8_t info;
    uint8_t channels;           /* answered the last scan on these */

    /* the scan in progress */
    uint8_t scan_channels;
    bool scan_booting;
    bool scan_state_ok;         /* its state was read */
    bool scan_suspended;        /* it answers, but is suspended */
    uint8_t self_state;         /* what it says of itself */
    uint8_t self_info;
    bool booting;               /* Table 20 byte 36, last scan */

    /* heartbeat (fig. 17) */
    bool hb_active;
    bool hb_out;
    uint64_t hb_sent_at;
    uint64_t probe_sent_at;
    uint64_t hb_due;
    uint32_t hb_misses;
    bool analysing;
    uint8_t probe_left;         /* channels still to probe */
    bool probe_answered;
    uint8_t probe_channel;

    /* the master's monitor work on it */
    SlaveStep step;
    unsigned diag_out;
    bool diag_failed;
    uint8_t diag_pattern[DIAG_PATTERN_LEN];
    bool conn_out;
    bool renegotiate;           /* the configuration changed: negotiate */

    /* its disk lease slot */
    bool boot_unsynced;         /* its boot id is learnt from the drives */
    uint64_t boot_sync_at;      /* by a lease read begun after this */
    bool lease_seen;
    uint64_t lease_counter;
    uint64_t lease_boot_id;
    uint64_t lease_changed_at;
    SraidLeaseSlot lease;
} Peer;

struct SraidMembership {
    SraidMemberConfig cfg;
    const SraidMemberOps *ops;
    void *opaque;
    SraidVendorNode *vn;

    Phase phase;
    uint8_t state;
    uint8_t info;
    uint8_t master;
    bool booting;
    SraidSuspendReason suspend_reason;
    uint64_t boot_id;
    uint64_t transitions;

    uint8_t channels_all;       /* bitmap of the configured channels */
    uint8_t cut;                /* channels the host said are cut */
    uint8_t failed;             /* channels whose drive check failed */
    uint8_t comm;               /* node-communications channel, 4B0 */

    GHashTable *ops_out;        /* token -> Op */
    uint64_t next_token;

    /* scanning */
    ScanPurpose scan;
    unsigned scan_out;
    bool rescan;
    bool election_pending;
    uint8_t exclude;            /* the failed master, in an election */

    /* start-up */
    bool settled;
    uint64_t start_at;
    uint64_t startup_due;

    /* slave */
    uint64_t negotiation_due;
    bool master_lost;
    uint64_t master_lost_at;
    uint64_t lost_counter;

    /* master */
    uint64_t monitor_due;
    uint64_t epoch;
    uint64_t claim_at;          /* when this node claimed mastership */

    /* drives and lease, every heartbeat interval */
    uint64_t period_due;
    unsigned probes_out;
    bool lease_busy;
    uint64_t lease_read_started;
    uint64_t lease_ok_at;       /* start of the last good read */
    uint64_t lease_counter;
    bool lease_first_done;
    bool lease_history_read;    /* a read since this object was created */
    uint16_t drives_alive_told; /* drives_alive() at the last callback */
    uint64_t scan_started_at;
    bool election_decide;       /* an election waits for a fresh lease */
    unsigned config_tries;      /* Node_Config_Changed sent for a change */
    bool cod_pending;           /* master: a change waits to be written */
    uint64_t config_retry_due;
    uint64_t config_generation;  /* of the running configuration */
    uint64_t max_epoch_seen;    /* in any slot read, own included */
    uint64_t starts;
    uint64_t rng;               /* xorshift64: diagnostics patterns */

    /* work after the status of the current command went out */
    uint64_t deferred_due;
    bool defer_restart;
    bool defer_suspend;
    SraidSuspendReason defer_reason;

    /* fault injection */
    bool hb_drop;
    uint32_t hb_delay_ms;

    Peer peers[SRAID_NODE_MAX];
};

static const char *const state_names[] = {
    [SRAID_NODE_STATE_NONE] = "none",
    [SRAID_NODE_MASTER] = "master",
    [SRAID_NODE_NEW_SLAVE] = "new-slave",
    [SRAID_NODE_DIAGNOSED_SLAVE] = "diagnosed-slave",
    [SRAID_NODE_RESTARTED_SLAVE] = "restarted-slave",
    [SRAID_NODE_FAILED_SLAVE] = "failed-slave",
    [SRAID_NODE_NEXUS_SLAVE] = "nexus-slave",
    [SRAID_NODE_ACTIVE_SLAVE] = "active-slave",
    [SRAID_NODE_KILLED_SLAVE] = "killed-slave",
};

static const char *const info_names[] = {
    [SRAID_NODE_INFO_NONE] = "none",
    [SRAID_NODE_INFO_STARTING_UP] = "starting-up",
    [SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS] = "waiting-for-negotiations",
    [SRAID_NODE_INFO_NEGOTIATING] = "negotiating",
    [SRAID_NODE_INFO_FAILED_DIAGNOSTICS] = "failed-diagnostics",
    [SRAID_NODE_INFO_TIMED_OUT_ON_NEGOTIATIONS] = "timed-out-on-negotiations",
    [SRAID_NODE_INFO_CHANGING_CONFIGURATION] = "changing-configuration",
    [SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST] =
        "failed-communications-test",
    [SRAID_NODE_INFO_COMPLETED_STARTUP] = "completed-startup",
    [SRAID_NODE_INFO_REBUILDING] = "rebuilding",
};

static const char *const reason_names[] = {
    [SRAID_SUSPEND_NONE] = "none",
    [SRAID_SUSPEND_KILLED] = "killed",
    [SRAID_SUSPEND_NEGOTIATION_TIMEOUT] = "negotiation-timeout",
    [SRAID_SUSPEND_NEGOTIATION_FAILED] = "negotiation-failed",
    [SRAID_SUSPEND_CABLE_FAILURE] = "cable-failure",
    [SRAID_SUSPEND_PARTITIONED] = "partitioned",
    [SRAID_SUSPEND_REPLACED] = "replaced",
    [SRAID_SUSPEND_HOST] = "host",
};

const char *sraid_node_state_name(uint8_t state)
{
    return state < G_N_ELEMENTS(state_names) ? state_names[state] : "unknown";
}

const char *sraid_node_info_name(uint8_t info)
{
    return info < G_N_ELEMENTS(info_names) ? info_names[info] : "unknown";
}

const char *sraid_suspend_reason_name(SraidSuspendReason r)
{
    return (unsigned)r < G_N_ELEMENTS(reason_names) ? reason_names[r]
                                                    : "unknown";
}

void sraid_member_config_default(SraidMemberConfig *cfg, uint8_t node_id,
                                 uint8_t channels)
{
    cfg->node_id = node_id;
    cfg->channels = channels;
    cfg->heartbeat_ms = SRAID_MEMBER_HEARTBEAT_MS_DEFAULT;
    cfg->heartbeat_misses = SRAID_MEMBER_HEARTBEAT_MISSES_DEFAULT;
    cfg->monitor_ms = SRAID_MEMBER_MONITOR_MS_DEFAULT;
    cfg->negotiation_timeout_ms = SRAID_MEMBER_NEGOTIATION_MS_DEFAULT;
}

const char *sraid_member_config_check(const SraidMemberConfig *cfg)
{
    if (cfg->node_id >= SRAID_NODE_MAX) {
        return "node-id must be 0 to 15";
    }
    if (cfg->channels < 1 || cfg->channels > SRAID_CHANNEL_MAX) {
        return "channels must be 1 to 4";
    }
    if (cfg->heartbeat_ms < 10 || cfg->heartbeat_ms > 60000) {
        return "heartbeat-interval must be 10 to 60000 ms";
    }
    if (cfg->heartbeat_misses < 1 || cfg->heartbeat_misses > 100) {
        return "heartbeat-misses must be 1 to 100";
    }
    if (cfg->monitor_ms < cfg->heartbeat_ms || cfg->monitor_ms > 600000) {
        return "monitor-period must be at least heartbeat-interval and at "
               "most 600000 ms";
    }
    /*
     * A waiting slave must outlast one monitor period plus the master's
     * scan and diagnostics (a few commands of up to two heartbeat
     * intervals each), or it suspends before the master gets to it.
     */
    if (cfg->negotiation_timeout_ms <
        cfg->monitor_ms + 8 * cfg->heartbeat_ms) {
        return "negotiation-timeout must be at least monitor-period + "
               "8 x heartbeat-interval";
    }
    return NULL;
}

/* ---- small helpers ---- */

static uint64_t now(SraidMembership *m)
{
    return m->ops->now_ms(m->opaque);
}

/* How long a slot may stand still before its writer counts as gone */
static uint64_t lease_ms(const SraidMembership *m)
{
    return (uint64_t)m->cfg.heartbeat_ms * (m->cfg.heartbeat_misses + 1);
}

static uint32_t cmd_timeout(const SraidMembership *m)
{
    return MAX(2 * m->cfg.heartbeat_ms, 100);
}

static uint8_t connected(const SraidMembership *m)
{
    return m->channels_all & ~m->cut & ~m->failed;
}

/* Lowest connected channel in @set, or SRAID_CHANNEL_MAX */
static uint8_t first_channel(uint8_t set)
{
    for (uint8_t c = 0; c < SRAID_CHANNEL_MAX; c++) {
        if (set & (1u << c)) {
            return c;
        }
    }
    return SRAID_CHANNEL_MAX;
}

static bool is_master(const SraidMembership *m)
{
    return m->phase == PHASE_MASTER;
}

static void set_peer(SraidMembership *m, uint8_t id, uint8_t state,
                     uint8_t info)
{
    Peer *p = &m->peers[id];
    uint8_t old = p->known ? p->state : SRAID_NODE_STATE_NONE;

    if (p->known && p->state == state && p->info == info) {
        return;
    }
    p->known = true;
    p->state = state;
    p->info = info;
    m->transitions++;
    sraid_node_memory_set_node(&m->vn->mem, id, state, info, p->channels);
    if (m->ops->node_changed) {
        m->ops->node_changed(m->opaque, id, old, state, info);
    }
}

static void forget_peer(SraidMembership *m, uint8_t id)
{
    Peer *p = &m->peers[id];

    if (!p->known) {
        return;
    }
    p->known = false;
    p->hb_active = false;
    p->step = STEP_IDLE;
    m->transitions++;
    sraid_node_memory_remove_node(&m->vn->mem, id);
    if (m->ops->node_changed) {
        m->ops->node_changed(m->opaque, id, p->state, SRAID_NODE_STATE_NONE,
                             SRAID_NODE_INFO_NONE);
    }
}

/* From now on a new boot id of @id on the drives means it restarted */
static void learn_boot_id(SraidMembership *m, uint8_t id)
{
    m->peers[id].boot_unsynced = true;
    m->peers[id].boot_sync_at = now(m);
}

static void set_self(SraidMembership *m, uint8_t state, uint8_t info)
{
    uint8_t old = m->state;

    if (m->state == state && m->info == info) {
        return;
    }
    m->state = state;
    m->info = info;
    m->transitions++;
    sraid_vendor_node_set_state(m->vn, state, info);
    sraid_node_memory_set_node(&m->vn->mem, m->cfg.node_id, state, info,
                               connected(m));
    if (m->ops->node_changed) {
        m->ops->node_changed(m->opaque, m->cfg.node_id, old, state, info);
    }
}

static void set_master(SraidMembership *m, uint8_t master)
{
    if (m->master == master) {
        return;
    }
    m->master = master;
    if (m->ops->master_changed) {
        m->ops->master_changed(m->opaque, master);
    }
}

static uint64_t new_op(SraidMembership *m, OpKind kind, uint8_t node,
                       uint8_t channel)
{
    Op *op = g_new(Op, 1);
    uint64_t token = ++m->next_token;

    op->kind = kind;
    op->node = node;
    op->channel = channel;
    g_hash_table_insert(m->ops_out, g_memdup2(&token, sizeof(token)), op);
    return token;
}

/* Take the op of @token out of the table; NULL when stale */
static Op *take_op(SraidMembership *m, uint64_t token)
{
    gpointer key, value;

    if (!g_hash_table_steal_extended(m->ops_out, &token, &key, &value)) {
        return NULL;
    }
    g_free(key);
    return value;
}

static void send_cmd(SraidMembership *m, OpKind kind, uint8_t node,
                     uint8_t channel, const uint8_t *cdb, size_t cdb_len,
                     const uint8_t *out, size_t out_len, size_t in_len,
                     uint32_t timeout)
{
    uint64_t token = new_op(m, kind, node, channel);

    m->ops->send(m->opaque, node, channel, cdb, cdb_len, out, out_len,
                 in_len, timeout, token);
}

static void send_vendor(SraidMembership *m, OpKind kind, uint8_t node,
                        uint8_t channel, uint8_t dcmd, uint32_t address,
                        const uint8_t *out, size_t out_len, size_t in_len)
{
    SraidVendorCdb c = {
        .dcmd = dcmd,
        .address = address,
        .length = out_len ? out_len : in_len,
    };
    uint8_t cdb[SRAID_VENDOR_CDB_LEN];

    if (!sraid_vendor_cdb_encode(&c, cdb)) {
        g_assert_not_reached();
    }
    send_cmd(m, kind, node, channel, cdb, sizeof(cdb), out, out_len, in_len,
             cmd_timeout(m));
}

static bool good(int err, const SraidScsiResult *r)
{
    return err == 0 && r && r->status == SRAID_STATUS_GOOD;
}

/* NOT READY, MANUAL INTERVENTION REQUIRED: the peer is suspended */
static bool suspended_answer(int err, const SraidScsiResult *r)
{
    return err == 0 && r && r->status == SRAID_STATUS_CHECK_CONDITION &&
           r->sense_len >= 14 && (r->sense[2] & 0xf) == 0x2 &&
           r->sense[12] == 0x04 && r->sense[13] == 0x03;
}

/*
 * "If the configuration changes on a slave node controller, the slave ...
 * informs the master": Node_Config_Changed with the configuration now
 * running, over @channel.  The completion tries the next channel when
 * the master did not answer on this one (its cable there may be cut),
 * and again a heartbeat interval later when it was busy.
 */
static void send_config_changed(SraidMembership *m, uint8_t channel)
{
    g_autofree SraidMailbox *mb = g_new0(SraidMailbox, 1);
    g_autofree uint8_t *buf = g_malloc(SRAID_MAILBOX_MAX_LEN);
    size_t len;

    if (m->phase != PHASE_SLAVE || m->master >= SRAID_NODE_MAX ||
        channel >= SRAID_CHANNEL_MAX ||
        m->config_tries++ >= 2 * SRAID_CHANNEL_MAX + 8) {
        return;
    }
    m->ops->get_config(m->opaque, mb);
    mb->sender = m->cfg.node_id;
    mb->sender_state = m->state;
    mb->sender_info = m->info;
    len = sraid_mailbox_encode(mb, buf, SRAID_MAILBOX_MAX_LEN);
    if (len) {
        send_vendor(m, OP_CONFIG_CHANGED, m->master, channel,
                    SRAID_DCMD_NODE_CONFIG_CHANGED, 0, buf, len, 0);
    }
}

static void config_changed_done(SraidMembership *m, Op *op, int err,
                                const SraidScsiResult *r)
{
    uint8_t rest;

    if (m->phase != PHASE_SLAVE || op->node != m->master || good(err, r)) {
        return;
    }
    if (!err && r && r->status == SRAID_STATUS_BUSY) {
        m->config_retry_due = now(m) + m->cfg.heartbeat_ms;
        return;
    }
    /* the next connected channel after this one, round the bitmap */
    rest = connected(m) & ~((2u << op->channel) - 1);
    if (!rest) {
        rest = connected(m) & ((1u << op->channel) - 1);
    }
    if (rest) {
        send_config_changed(m, first_channel(rest));
    }
}

/* ---- suspension ---- */

static uint8_t suspend_info(SraidSuspendReason why)
{
    switch (why) {
    case SRAID_SUSPEND_NEGOTIATION_TIMEOUT:
        return SRAID_NODE_INFO_TIMED_OUT_ON_NEGOTIATIONS;    /* step 535 */
    case SRAID_SUSPEND_NEGOTIATION_FAILED:
        return SRAID_NODE_INFO_FAILED_DIAGNOSTICS;           /* step 570 */
    case SRAID_SUSPEND_CABLE_FAILURE:
    case SRAID_SUSPEND_PARTITIONED:
        return SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST;
    default:
        return SRAID_NODE_INFO_NONE;
    }
}

static void stop_activity(SraidMembership *m)
{
    m->scan = SCAN_NONE;
    m->scan_out = 0;
    m->rescan = false;
    m->election_pending = false;
    m->election_decide = false;
    m->master_lost = false;
    m->probes_out = 0;
    for (unsigned i = 0; i < SRAID_NODE_MAX; i++) {
        Peer *p = &m->peers[i];

        p->hb_active = false;
        p->hb_out = false;
        p->analysing = false;
        p->step = STEP_IDLE;
        p->diag_out = 0;
        p->conn_out = false;
    }
    /* what is in flight is forgotten; its completions find no token */
    g_hash_table_remove_all(m->ops_out);
    m->lease_busy = false;
}

static void do_suspend(SraidMembership *m, SraidSuspendReason why)
{
    if (m->phase == PHASE_SUSPENDED) {
        return;
    }
    stop_activity(m);
    m->phase = PHASE_SUSPENDED;
    m->suspend_reason = why;
    set_master(m, SRAID_NODE_NONE);
    /* "If the killed node controller is the master, it loses that status" */
    sraid_vendor_node_suspend(m->vn);
    set_self(m, SRAID_NODE_KILLED_SLAVE, suspend_info(why));
    m->ops->suspend(m->opaque, why);
}

/* ---- timers ---- */

static void schedule_deferred(SraidMembership *m)
{
    m->deferred_due = now(m);
}

/* ---- scanning (steps 410-415, 805) ---- */

static void scan_finished(SraidMembership *m, ScanPurpose purpose);

static void scan_start(SraidMembership *m, ScanPurpose purpose)
{
    uint8_t set = connected(m);
    uint8_t cdb[6] = { 0x12, 0, 0, 0, INQUIRY_ALLOC, 0 };

    if (m->scan != SCAN_NONE) {
        m->rescan = true;
        return;
    }
    m->scan = purpose;
    m->scan_out = 0;
    m->scan_started_at = now(m);
    for (unsigned i = 0; i < SRAID_NODE_MAX; i++) {
        Peer *p = &m->peers[i];

        p->scan_channels = 0;
        p->scan_booting = false;
        p->scan_state_ok = false;
        p->scan_suspended = false;
    }
    for (uint8_t c = 0; c < SRAID_CHANNEL_MAX; c++) {
        if (!(set & (1u << c))) {
            continue;
        }
        for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
            if (id == m->cfg.node_id) {
                continue;
            }
            m->scan_out++;
            send_cmd(m, OP_INQUIRY, id, c, cdb, sizeof(cdb), NULL, 0,
                     INQUIRY_ALLOC, m->cfg.heartbeat_ms);
        }
    }
    if (!m->scan_out) {
        scan_finished(m, purpose);
    }
}

/* The INQUIRY round is over: read the state of every node that answered */
static void scan_read_states(SraidMembership *m)
{
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (!p->scan_channels) {
            continue;
        }
        m->scan_out++;
        send_vendor(m, OP_STATE_READ, id, first_channel(p->scan_channels),
                    SRAID_DCMD_NODE_CABLE_CHECK, 0, NULL, 0,
                    SRAID_CABLE_CHECK_DATA_LEN);
    }
}

static void scan_op_done(SraidMembership *m, Op *op, int err,
                         const SraidScsiResult *r, const uint8_t *data,
                         size_t len)
{
    Peer *p = &m->peers[op->node];

    if (m->scan == SCAN_NONE) {
        return;
    }
    if (op->kind == OP_INQUIRY) {
        if (good(err, r) && len > 36) {
            p->scan_channels |= 1u << op->channel;
            p->scan_booting |= data[36] & 1;        /* Table 20 */
        }
        if (--m->scan_out == 0) {
            scan_read_states(m);
            if (!m->scan_out) {
                scan_finished(m, m->scan);
            }
        }
        return;
    }
    /* OP_STATE_READ: Node_Cable_Check data carries its state (Table 3) */
    if (good(err, r)) {
        SraidCableCheckData d;
        SraidParamError perr;

        if (sraid_cable_check_decode(data, len, &d, &perr) &&
            d.node == op->node) {
            p->scan_state_ok = true;
            p->self_state = d.state;
            p->self_info = d.info;
        }
    } else if (suspended_answer(err, r)) {
        p->scan_suspended = true;
    }
    if (--m->scan_out == 0) {
        scan_finished(m, m->scan);
    }
}

/* ---- the lease (disk-lease.h) ---- */

/*
 * A slot whose writer is alive: its counter moved within a lease, as far
 * as this node's reads tell.  Only a read begun a whole lease after the
 * last change that still shows the same counter proves it stood still:
 * the clock alone also runs while this node is stopped (SIGSTOP, a paused
 * VM), and a node resumed after a long pause took a running master's slot
 * for dead before reading it again and started a second cluster in a
 * partition (found by the simulator, seed 5592 with --pr).
 */
static bool slot_live(const SraidMembership *m, uint8_t id)
{
    const Peer *p = &m->peers[id];

    return p->lease_seen && p->lease.valid &&
           m->lease_ok_at < p->lease_changed_at + lease_ms(m);
}

/* Other nodes whose slot is live and not suspended (drives_alive) */
static uint16_t drives_alive(const SraidMembership *m)
{
    uint16_t alive = 0;

    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        if (id != m->cfg.node_id && slot_live(m, id) &&
            !(m->peers[id].lease.flags & SRAID_LEASE_SUSPENDED)) {
            alive |= 1u << id;
        }
    }
    return alive;
}

/* Another node holds a live master claim that outranks @epoch */
static bool live_claim_above(SraidMembership *m, uint64_t epoch)
{
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (id == m->cfg.node_id || id == m->exclude || !slot_live(m, id)) {
            continue;
        }
        if (!(p->lease.flags & SRAID_LEASE_MASTER) ||
            (p->lease.flags & SRAID_LEASE_SUSPENDED)) {
            continue;
        }
        if (p->lease.epoch > epoch ||
            (p->lease.epoch == epoch && id > m->cfg.node_id)) {
            return true;
        }
    }
    return false;
}

/* Some other node claims mastership and is alive */
static bool live_claim_any(SraidMembership *m)
{
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (id != m->cfg.node_id && slot_live(m, id) &&
            (p->lease.flags & SRAID_LEASE_MASTER) &&
            !(p->lease.flags & SRAID_LEASE_SUSPENDED)) {
            return true;
        }
    }
    return false;
}

/*
 * The highest master epoch known: this node's, any slot's now, and any
 * seen before (its own slot included, written by an earlier start of this
 * node).  Epochs only grow, across restarts of every node: a new master
 * never takes an epoch a former master had (found by the simulator, seed
 * 444138: after fast reboots of both nodes, epochs started again at 1).
 */
static uint64_t max_epoch(SraidMembership *m)
{
    uint64_t e = MAX(m->epoch, m->max_epoch_seen);

    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        if (m->peers[id].lease_seen && m->peers[id].lease.valid) {
            e = MAX(e, m->peers[id].lease.epoch);
        }
    }
    return e;
}

/*
 * The epoch of a term this node starts: the next term number above every
 * epoch known, with this node's id in the low bits (SRAID_NODE_MAX is
 * 16), so two nodes never start the same epoch even when one of them
 * decided on a stale lease (stopped after its last read, or powered on
 * without its history): the higher claim wins by epoch alone.
 */
static uint64_t next_epoch(SraidMembership *m)
{
    G_STATIC_ASSERT(SRAID_NODE_MAX <= 16);
    return ((max_epoch(m) >> 4) + 1) << 4 | m->cfg.node_id;
}

static void lease_cycle(SraidMembership *m)
{
    SraidLeaseSlot s = {
        .node = m->cfg.node_id,
        .state = m->state,
        .master = m->master,
        /* a master its term; anyone else the newest term it knows */
        .epoch = is_master(m) ? m->epoch : max_epoch(m),
        .counter = ++m->lease_counter,
        .boot_id = m->boot_id,
    };
    uint8_t buf[SRAID_LEASE_SLOT_LEN];
    SraidMailbox *mb;

    if (m->lease_busy) {
        return;
    }
    if (!m->lease_history_read) {
        /*
         * Read before the first write: this node's own slot from an
         * earlier start carries the newest epoch it knew, and the write
         * would replace it with what it knows now (nothing, after a power
         * on).  A new master then took an epoch a former master had had
         * (found by the simulator, PR seed 57403: two states of one
         * version).  The write follows the read at once.
         */
        m->lease_busy = true;
        m->lease_read_started = now(m);
        m->ops->lease_read(m->opaque,
                           new_op(m, OP_LEASE_READ, m->cfg.node_id, 0));
        return;
    }
    if (is_master(m)) {
        s.flags |= SRAID_LEASE_MASTER;
    }
    if (m->phase == PHASE_SUSPENDED) {
        s.flags |= SRAID_LEASE_SUSPENDED;
    }
    mb = g_new0(SraidMailbox, 1);
    m->ops->get_config(m->opaque, mb);
    m->config_generation = mb->generation;
    s.config_generation = mb->generation;
    g_free(mb);
    sraid_lease_slot_encode(&s, buf);
    m->lease_busy = true;
    m->ops->lease_write(m->opaque, buf,
                        new_op(m, OP_LEASE_WRITE, m->cfg.node_id, 0));
}

/*
 * A lease read that began after the current scan did: what a claim of
 * mastership must rest on.  A node that was stopped (SIGSTOP) between its
 * scan and its decision would otherwise decide on what the drives said
 * before, miss a newer master's claim and take the same epoch (found by
 * the simulator, seed 131090: two masters in epoch 1).
 */
static bool lease_fresh(const SraidMembership *m)
{
    return m->lease_first_done && m->lease_ok_at >= m->scan_started_at;
}

static void master_is_lost(SraidMembership *m);
static void election(SraidMembership *m);
static void election_scan_done(SraidMembership *m);
static void startup_decide(SraidMembership *m);
static void start(SraidMembership *m);

static void lease_evaluate(SraidMembership *m)
{
    uint8_t master = m->master;

    if (is_master(m) && live_claim_above(m, m->epoch)) {
        /*
         * A newer master took over while this one was away (stopped, or
         * two claims at once: the higher epoch, then node id, wins).  The
         * old master rejoins as a slave, as after a reset (fig. 17 text).
         */
        start(m);
        return;
    }
    if (m->phase == PHASE_SLAVE && m->master_lost &&
        master < SRAID_NODE_MAX) {
        Peer *p = &m->peers[master];

        /* only a read of the drives begun after the loss can tell */
        if (m->lease_ok_at <= m->master_lost_at) {
            return;
        }

        if (p->lease_seen && p->lease.valid &&
            p->lease_changed_at > m->master_lost_at &&
            (p->lease.flags & SRAID_LEASE_MASTER) &&
            !(p->lease.flags & SRAID_LEASE_SUSPENDED) &&
            p->lease.counter != m->lost_counter) {
            /*
             * The master writes its lease, so it is alive and reaches the
             * drives, but not this node over the bus: this node is the one
             * cut off.  It must not elect another master (docs, "Split
             * brain").
             */
            do_suspend(m, SRAID_SUSPEND_PARTITIONED);
            return;
        }
        if (!slot_live(m, master) || !(p->lease.flags & SRAID_LEASE_MASTER) ||
            (p->lease.flags & SRAID_LEASE_SUSPENDED)) {
            election(m);
        }
    }
}

static void lease_read_done(SraidMembership *m, bool ok, const uint8_t *area)
{
    uint64_t t = now(m);
    uint16_t alive;

    if (!ok || !area) {
        return;
    }
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];
        SraidLeaseSlot s;

        sraid_lease_slot_decode(area + id * SRAID_LEASE_SLOT_LEN, id, &s);
        if (s.valid) {
            m->max_epoch_seen = MAX(m->max_epoch_seen, s.epoch);
        }
        if (id == m->cfg.node_id) {
            continue;
        }
        if (!s.valid) {
            p->lease.valid = false;
            continue;
        }
        /*
         * A node taken into nexus may have started, scanned and been
         * negotiated within one heartbeat interval, before this node read
         * its new boot id: the first read begun after the nexus is where
         * its boot id is learnt, not a reboot (found in QEMU: every
         * rejoin went NEXUS_SLAVE -> NEW_SLAVE once).
         */
        bool learning = p->boot_unsynced;

        if (learning && m->lease_read_started >= p->boot_sync_at) {
            p->boot_unsynced = false;
        }
        if (!p->lease_seen || s.counter != p->lease_counter ||
            s.boot_id != p->lease_boot_id) {
            bool rebooted = p->lease_seen && p->lease.valid &&
                            s.boot_id != p->lease_boot_id && !learning;

            p->lease_changed_at = t;
            p->lease_counter = s.counter;
            p->lease_boot_id = s.boot_id;
            p->lease = s;
            p->lease_seen = true;
            if (rebooted) {
                /*
                 * The node restarted (a new boot id) faster than any
                 * heartbeat noticed: the fast reboot case, told by the
                 * drives as by the INQUIRY booting flag.
                 */
                if (is_master(m) && p->known &&
                    p->state == SRAID_NODE_NEXUS_SLAVE) {
                    p->hb_active = false;
                    set_peer(m, id, SRAID_NODE_NEW_SLAVE,
                             SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS);
                    m->monitor_due = t;
                } else if (m->phase == PHASE_SLAVE && id == m->master &&
                           !m->booting) {
                    master_is_lost(m);
                }
            }
        } else {
            p->lease = s;
        }
    }
    m->lease_ok_at = m->lease_read_started;
    m->lease_first_done = true;
    m->lease_history_read = true;
    alive = drives_alive(m);
    if (alive != m->drives_alive_told) {
        m->drives_alive_told = alive;
        if (m->ops->drives_alive_changed) {
            m->ops->drives_alive_changed(m->opaque);
        }
    }
    if (m->phase == PHASE_SLAVE && !m->master_lost &&
        m->master < SRAID_NODE_MAX && m->peers[m->master].lease.valid &&
        (m->peers[m->master].lease.flags & SRAID_LEASE_MASTER)) {
        m->epoch = m->peers[m->master].lease.epoch;     /* the one followed */
    }
    if (m->phase == PHASE_STARTING && m->startup_due == UINT64_MAX &&
        m->scan == SCAN_NONE) {
        startup_decide(m);
    }
    if (m->election_decide && m->phase == PHASE_SLAVE &&
        m->scan == SCAN_NONE) {
        m->election_decide = false;
        election_scan_done(m);
        return;
    }
    lease_evaluate(m);
}

/* ---- drives: periodic checks and the channel bookkeeping ---- */

static void channel_lost(SraidMembership *m, uint8_t c)
{
    m->failed |= 1u << c;
    sraid_vendor_node_set_channels(m->vn, connected(m));
    if (!connected(m)) {
        /* fig. 17: no channel left, so every cable of this node failed */
        do_suspend(m, SRAID_SUSPEND_CABLE_FAILURE);
        return;
    }
    if (m->comm == c) {
        m->comm = first_channel(connected(m));
    }
}

static void probe_drives(SraidMembership *m)
{
    if (m->probes_out) {
        return;
    }
    for (uint8_t c = 0; c < m->cfg.channels; c++) {
        if (m->cut & (1u << c)) {
            continue;
        }
        if (m->ops->drive_tur(m->opaque, c,
                              new_op(m, OP_DRIVE_PROBE, m->cfg.node_id, c))) {
            m->probes_out++;
        } else {
            g_free(take_op(m, m->next_token));
        }
    }
}

static void drive_probe_done(SraidMembership *m, Op *op, bool ready)
{
    uint8_t bit = 1u << op->channel;

    if (m->probes_out) {
        m->probes_out--;
    }
    if (m->phase == PHASE_SUSPENDED || m->phase == PHASE_OFF) {
        return;
    }
    if (ready) {
        if (m->failed & bit) {
            m->failed &= ~bit;
            sraid_vendor_node_set_channels(m->vn, connected(m));
            if (m->comm >= SRAID_CHANNEL_MAX) {
                m->comm = op->channel;
            }
        }
    } else if (!(m->failed & bit)) {
        channel_lost(m, op->channel);
    }
}

/* ---- heartbeat and failure analysis (fig. 17) ---- */

static void hb_start(SraidMembership *m, uint8_t id)
{
    Peer *p = &m->peers[id];

    p->hb_active = true;
    p->hb_out = false;
    p->hb_misses = 0;
    p->analysing = false;
    p->hb_due = now(m) + m->cfg.heartbeat_ms;
}

static void hb_send(SraidMembership *m, uint8_t id)
{
    static const uint8_t tur[6] = { 0 };    /* Table 17: TEST UNIT READY */
    Peer *p = &m->peers[id];

    p->hb_due = now(m) + m->cfg.heartbeat_ms;
    if (m->comm >= SRAID_CHANNEL_MAX) {
        return;
    }
    if (m->hb_drop) {
        /* fault injection: the heartbeat is lost on the way */
        p->hb_misses++;
        return;
    }
    p->hb_out = true;
    p->hb_sent_at = now(m);
    send_cmd(m, OP_HEARTBEAT, id, m->comm, tur, sizeof(tur), NULL, 0, 0,
             m->cfg.heartbeat_ms);
}

static void peer_failed(SraidMembership *m, uint8_t id);
static void analyse(SraidMembership *m, uint8_t id);

/*
 * Fault injection (sraid_member_set_heartbeat_fault): an answer delayed by
 * the injected delay past the heartbeat interval arrives too late to
 * count, as if its timeout had expired.
 */
static bool hb_late(const SraidMembership *m, uint64_t sent_at)
{
    SraidMembership *mm = (SraidMembership *)m;

    return m->hb_delay_ms &&
           now(mm) - sent_at + m->hb_delay_ms >= m->cfg.heartbeat_ms;
}

static void hb_done(SraidMembership *m, Op *op, int err,
                    const SraidScsiResult *r)
{
    Peer *p = &m->peers[op->node];

    p->hb_out = false;
    if (!p->hb_active || p->analysing) {
        return;
    }
    if (good(err, r) && !hb_late(m, p->hb_sent_at)) {
        p->hb_misses = 0;               /* step 1715: in nexus */
        return;
    }
    if (suspended_answer(err, r)) {
        /* it answers, and says it is suspended: no cable question */
        p->hb_misses = m->cfg.heartbeat_misses;
        peer_failed(m, op->node);
        return;
    }
    p->hb_misses++;
}

static void hb_check(SraidMembership *m, uint8_t id)
{
    Peer *p = &m->peers[id];

    if (p->hb_misses >= m->cfg.heartbeat_misses && !p->analysing) {
        analyse(m, id);         /* steps 1705, 1720 */
    }
}

/* Step 1745: is the drive of the node-communications channel there? */
static void analyse(SraidMembership *m, uint8_t id)
{
    Peer *p = &m->peers[id];
    uint8_t c = m->comm;

    p->analysing = true;
    if (c >= SRAID_CHANNEL_MAX) {
        do_suspend(m, SRAID_SUSPEND_CABLE_FAILURE);
        return;
    }
    if (!m->ops->drive_tur(m->opaque, c,
                           new_op(m, OP_DRIVE_ANALYSIS, id, c))) {
        g_free(take_op(m, m->next_token));
        /*
         * Step 1730: no drive online on the channel, so nothing tells the
         * cable from the peer; step 1755: carry on with the next connected
         * channel.  The channel stays connected for the other peers.
         */
        uint8_t rest = connected(m) & ~(1u << c);

        p->analysing = false;
        p->hb_misses = 0;
        if (!rest) {
            peer_failed(m, id);
        } else {
            m->comm = first_channel(rest);
        }
    }
}

/* The peer may have lost only one cable: try it on the other channels */
static void probe_peer(SraidMembership *m, uint8_t id)
{
    static const uint8_t tur[6] = { 0 };
    Peer *p = &m->peers[id];
    uint8_t rest = connected(m) & ~(1u << m->comm);

    p->probe_left = 0;
    p->probe_answered = false;
    p->probe_sent_at = now(m);
    for (uint8_t c = 0; c < SRAID_CHANNEL_MAX; c++) {
        if (m->hb_drop) {
            break;                      /* lost like the heartbeats */
        }
        if (rest & (1u << c)) {
            p->probe_left++;
            send_cmd(m, OP_HB_PROBE, id, c, tur, sizeof(tur), NULL, 0, 0,
                     m->cfg.heartbeat_ms);
        }
    }
    if (!p->probe_left) {
        peer_failed(m, id);
    }
}

static void drive_analysis_done(SraidMembership *m, Op *op, bool ready)
{
    Peer *p = &m->peers[op->node];

    if (!p->analysing) {
        return;
    }
    if (!ready) {
        /*
         * Step 1735 "unsuccessful": this node's cable of the channel
         * failed.  The seed kills itself at once (1750); sraid drops the
         * channel and tries the next one, suspending only with none left.
         */
        p->analysing = false;
        p->hb_misses = 0;
        if (!(m->failed & (1u << op->channel))) {
            channel_lost(m, op->channel);
        } else if (m->comm == op->channel) {
            m->comm = first_channel(connected(m));
        }
        return;
    }
    probe_peer(m, op->node);
}

static void hb_probe_done(SraidMembership *m, Op *op, int err,
                          const SraidScsiResult *r)
{
    Peer *p = &m->peers[op->node];

    if (!p->analysing) {
        return;
    }
    if (good(err, r) && !p->probe_answered &&
        !hb_late(m, p->probe_sent_at)) {
        p->probe_answered = true;
        p->probe_channel = op->channel;
    }
    if (--p->probe_left) {
        return;
    }
    p->analysing = false;
    if (p->probe_answered) {
        /* the peer lost its cable on our channel: use this one */
        m->comm = p->probe_channel;
        p->hb_misses = 0;
        return;
    }
    peer_failed(m, op->node);
}

static void kill_peer(SraidMembership *m, uint8_t id)
{
    uint8_t set = connected(m);

    for (uint8_t c = 0; c < SRAID_CHANNEL_MAX; c++) {
        if (set & (1u << c)) {
            send_vendor(m, OP_KILL, id, c, SRAID_DCMD_NODE_KILL, 0, NULL, 0,
                        0);
        }
    }
}

/* Step 1740 (and 845-850): the peer, not the cable, failed */
static void peer_failed(SraidMembership *m, uint8_t id)
{
    Peer *p = &m->peers[id];

    p->hb_active = false;
    p->analysing = false;
    if (is_master(m)) {
        set_peer(m, id, SRAID_NODE_FAILED_SLAVE,
                 SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST);
        kill_peer(m, id);
        return;
    }
    if (m->phase == PHASE_SLAVE && id == m->master) {
        master_is_lost(m);
    }
}

/* ---- start-up (figs. 4, 5A-5C) ---- */

static void become_master(SraidMembership *m);
static void become_slave(SraidMembership *m, uint8_t master);

/* A peer that answered the scan and is not suspended */
static bool peer_live(const Peer *p)
{
    return p->scan_channels && p->scan_state_ok && !p->scan_suspended &&
           p->self_state != SRAID_NODE_KILLED_SLAVE;
}

/*
 * A joiner: booting by its INQUIRY answer, or, by its state (read after
 * every INQUIRY came back, so the later of the two answers), a slave
 * still waiting for its first negotiation (step 505).  The INQUIRY alone
 * may be older than the node's restart: a node killed (booting clear)
 * and resumed as a joiner during a slow scan was taken for a running
 * slave, voted for as master, and never took over (found by the
 * simulator, membership seed 80270 with the lease read before the first
 * write: every node waited for another).
 */
static bool peer_joining(const Peer *p)
{
    return p->scan_booting ||
           (p->self_state == SRAID_NODE_ACTIVE_SLAVE &&
            p->self_info == SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS);
}

/* It belongs to a running cluster: not starting up like this node */
static bool peer_running(const Peer *p)
{
    if (p->self_state == SRAID_NODE_MASTER) {
        return true;
    }
    return p->self_state == SRAID_NODE_ACTIVE_SLAVE && !peer_joining(p);
}

static void startup_decide(SraidMembership *m)
{
    uint8_t highest = m->cfg.node_id;
    bool running = false;

    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (id == m->cfg.node_id || !peer_live(p)) {
            continue;
        }
        if (p->self_state == SRAID_NODE_MASTER) {
            /* "learns that the master ... is in fact the master" */
            become_slave(m, id);
            return;
        }
        running |= peer_running(p);
        highest = MAX(highest, id);
    }
    if (running) {
        /*
         * A running cluster without a reachable master: its survivors
         * elect one among themselves; this node joins as a slave.
         */
        become_slave(m, SRAID_NODE_NONE);
        return;
    }
    if (highest != m->cfg.node_id) {
        become_slave(m, highest);       /* step 425: highest id is master */
        return;
    }
    if (!lease_fresh(m)) {
        return;                         /* lease_read_done() calls again */
    }
    if (live_claim_any(m) || connected(m) != m->channels_all) {
        /*
         * A master this node cannot reach over the bus still writes its
         * lease: starting another cluster would be a split brain.  Look
         * again; a waiting node times out like a slave (step 535).  The
         * same while a channel is cut: the master may write its lease on
         * the drives of that channel only (found by the simulator,
         * /sim/partition/disjoint-drives-start: two masters wrote COD).
         */
        if (now(m) - m->start_at >= m->cfg.negotiation_timeout_ms) {
            do_suspend(m, SRAID_SUSPEND_PARTITIONED);
            return;
        }
        m->startup_due = now(m) + m->cfg.heartbeat_ms;
        return;
    }
    if (!m->settled) {
        /*
         * Nodes powered on together reach this point at slightly
         * different times; one more scan after a short settle lets a
         * higher id that was still starting answer (step 425).
         */
        m->settled = true;
        m->startup_due = now(m) + 2 * m->cfg.heartbeat_ms;
        return;
    }
    become_master(m);
}

static void send_bus_resets(SraidMembership *m)
{
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (id != m->cfg.node_id && p->scan_channels) {
            send_vendor(m, OP_BUS_RESET, id, first_channel(p->scan_channels),
                        SRAID_DCMD_NODE_BUS_RESET, 0, NULL, 0, 0);
        }
    }
}

static void become_master(SraidMembership *m)
{
    uint64_t t = now(m);

    m->phase = PHASE_MASTER;
    m->master_lost = false;
    m->cod_pending = false;
    m->epoch = next_epoch(m);
    m->claim_at = t;
    set_master(m, m->cfg.node_id);
    set_self(m, SRAID_NODE_MASTER, SRAID_NODE_INFO_STARTING_UP);  /* 435 */
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        p->hb_active = false;
        p->step = STEP_IDLE;
        if (id == m->cfg.node_id) {
            continue;
        }
        if (peer_live(p)) {
            p->channels = p->scan_channels;
            set_peer(m, id, SRAID_NODE_NEW_SLAVE,                 /* 440 */
                     SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS);
        } else if (p->known) {
            forget_peer(m, id);
        }
    }
    m->ops->process_cod(m->opaque);                               /* 445 */
    set_self(m, SRAID_NODE_MASTER, SRAID_NODE_INFO_COMPLETED_STARTUP);
    m->booting = false;                                           /* 4A0 */
    m->lease_busy = false;
    lease_cycle(m);                     /* claim at once */
    m->monitor_due = t;
}

static void become_slave(SraidMembership *m, uint8_t master)
{
    bool joining = m->phase == PHASE_STARTING;

    m->phase = PHASE_SLAVE;
    m->master_lost = false;
    m->booting = true;
    set_master(m, master);
    set_self(m, SRAID_NODE_ACTIVE_SLAVE,                          /* 505 */
             SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS);
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        p->hb_active = false;
        if (id == m->cfg.node_id) {
            continue;
        }
        if (id == master) {
            p->channels = p->scan_channels;
            set_peer(m, id, SRAID_NODE_MASTER,                    /* 510 */
                     SRAID_NODE_INFO_STARTING_UP);
        } else if (p->known) {
            forget_peer(m, id);
        }
    }
    m->negotiation_due = now(m) + m->cfg.negotiation_timeout_ms;  /* 520 */
    if (joining) {
        /* a joiner's reset makes the master rescan (Node Startup) */
        send_bus_resets(m);
    }
}

static void start(SraidMembership *m)
{
    uint64_t t = now(m);

    stop_activity(m);
    m->phase = PHASE_STARTING;
    m->suspend_reason = SRAID_SUSPEND_NONE;
    m->booting = true;
    m->settled = false;
    m->start_at = t;
    m->startup_due = UINT64_MAX;
    m->negotiation_due = UINT64_MAX;
    m->monitor_due = UINT64_MAX;
    m->deferred_due = UINT64_MAX;
    m->config_retry_due = UINT64_MAX;
    m->defer_restart = false;
    m->defer_suspend = false;
    m->epoch = 0;
    m->failed = 0;
    m->lease_first_done = false;
    /*
     * A new boot id tells the others this is a new start (fast reboot).
     * Time since the host booted differs between two starts of a QEMU
     * process; the count tells apart two starts of one process.  No
     * random numbers: the simulator replays a seed exactly.
     */
    m->boot_id = (t << 16) ^ (++m->starts << 8) ^ m->cfg.node_id;
    m->rng = m->boot_id | 1;
    set_master(m, SRAID_NODE_NONE);
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        if (id != m->cfg.node_id) {
            forget_peer(m, id);
        }
    }
    sraid_vendor_node_resume(m->vn);
    sraid_vendor_node_set_channels(m->vn, connected(m));           /* 4A5 */
    set_self(m, SRAID_NODE_STATE_NONE, SRAID_NODE_INFO_STARTING_UP);
    m->comm = first_channel(connected(m));                          /* 4B0 */
    m->period_due = t;
    if (!connected(m)) {
        do_suspend(m, SRAID_SUSPEND_CABLE_FAILURE);
        return;
    }
    scan_start(m, SCAN_STARTUP);                                    /* 410 */
}

/* ---- the master's monitor process (figs. 8A-8C) ---- */

static void diag_start(SraidMembership *m, uint8_t id);
static void negotiate_start(SraidMembership *m, uint8_t id);

static void monitor_scan_done(SraidMembership *m)
{
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (id == m->cfg.node_id) {
            continue;
        }
        if (!p->scan_channels) {
            /* a new node that vanished again is forgotten */
            if (p->known && p->state == SRAID_NODE_NEW_SLAVE &&
                p->step == STEP_IDLE) {
                forget_peer(m, id);
            }
            continue;
        }
        p->channels = p->scan_channels;
        p->booting = p->scan_booting;
        if (p->scan_suspended) {
            if (p->known && p->state != SRAID_NODE_FAILED_SLAVE) {
                p->hb_active = false;
                set_peer(m, id, SRAID_NODE_FAILED_SLAVE,
                         SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST);
            }
            continue;
        }
        if (!p->known || (p->state == SRAID_NODE_FAILED_SLAVE &&
                          p->scan_booting)) {
            /* steps 805-815 (a failed node that restarted is new again) */
            set_peer(m, id, SRAID_NODE_NEW_SLAVE,
                     SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS);
        } else if (p->state == SRAID_NODE_NEXUS_SLAVE && p->scan_booting &&
                   p->step == STEP_IDLE) {
            /*
             * Fast reboot (Table 20): the node is booting although this
             * node believes it in nexus; it failed and came back unseen.
             */
            p->hb_active = false;
            set_peer(m, id, SRAID_NODE_NEW_SLAVE,
                     SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS);
        } else if (p->state == SRAID_NODE_RESTARTED_SLAVE &&
                   p->step == STEP_IDLE) {
            /* step 8E0: resume negotiations after the interval */
            set_peer(m, id, SRAID_NODE_NEW_SLAVE,
                     SRAID_NODE_INFO_WAITING_FOR_NEGOTIATIONS);
        } else if (p->state == SRAID_NODE_FAILED_SLAVE &&
                   p->step == STEP_IDLE && p->scan_state_ok &&
                   p->self_state == SRAID_NODE_ACTIVE_SLAVE &&
                   p->self_info == SRAID_NODE_INFO_COMPLETED_STARTUP) {
            /*
             * Step 850 "may or may not succeed": a failed slave that still
             * says it completed start-up never got the kill and runs on
             * believing itself in nexus, forever (its heartbeats of this
             * master succeed).  Kill it again.  Found by the simulator,
             * seed 12 (the kill lost to message loss).  A slave the host
             * just resumed says starting-up or waiting: not that one.
             */
            kill_peer(m, id);
        }
    }
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (id == m->cfg.node_id || !p->known || p->step != STEP_IDLE) {
            continue;
        }
        if (p->state == SRAID_NODE_NEW_SLAVE && p->scan_channels) {
            diag_start(m, id);                                  /* 860 */
        } else if (p->state == SRAID_NODE_DIAGNOSED_SLAVE ||
                   (p->state == SRAID_NODE_NEXUS_SLAVE && p->renegotiate)) {
            negotiate_start(m, id);
        } else if (p->state == SRAID_NODE_NEXUS_SLAVE && !p->conn_out &&
                   m->comm < SRAID_CHANNEL_MAX) {
            /* step 825: write to the slave's memory */
            uint8_t probe[8];

            memcpy(probe, &m->lease_counter, sizeof(probe));
            p->conn_out = true;
            send_vendor(m, OP_CONN_CHECK, id, m->comm,
                        SRAID_DCMD_NODE_WRITE,
                        SRAID_NODE_MEM_DIAG_BASE + CONN_CHECK_OFFSET, probe,
                        sizeof(probe), 0);
        }
    }
}

static void diag_start(SraidMembership *m, uint8_t id)
{
    Peer *p = &m->peers[id];
    uint8_t set = connected(m) & p->channels;

    p->step = STEP_DIAG;
    p->diag_failed = false;
    p->diag_out = 0;
    for (unsigned i = 0; i < DIAG_PATTERN_LEN; i++) {
        m->rng ^= m->rng << 13;
        m->rng ^= m->rng >> 7;
        m->rng ^= m->rng << 17;
        p->diag_pattern[i] = m->rng >> 24;
    }
    for (uint8_t c = 0; c < SRAID_CHANNEL_MAX; c++) {
        if (set & (1u << c)) {
            p->diag_out++;
            send_vendor(m, OP_DIAG_CABLE, id, c, SRAID_DCMD_NODE_CABLE_CHECK,
                        0, NULL, 0, SRAID_CABLE_CHECK_DATA_LEN);
        }
    }
    p->diag_out++;
    send_vendor(m, OP_DIAG_WRITE, id, first_channel(set),
                SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE,
                p->diag_pattern, DIAG_PATTERN_LEN, 0);
}

static void diag_finish(SraidMembership *m, uint8_t id)
{
    Peer *p = &m->peers[id];

    p->step = STEP_IDLE;
    if (p->diag_failed) {
        set_peer(m, id, SRAID_NODE_FAILED_SLAVE,                 /* 875 */
                 SRAID_NODE_INFO_FAILED_DIAGNOSTICS);
        return;
    }
    set_peer(m, id, SRAID_NODE_DIAGNOSED_SLAVE,                  /* 870 */
             SRAID_NODE_INFO_NEGOTIATING);
    negotiate_start(m, id);
}

static void diag_done(SraidMembership *m, Op *op, int err,
                      const SraidScsiResult *r, const uint8_t *data,
                      size_t len)
{
    Peer *p = &m->peers[op->node];

    if (!is_master(m) || p->step != STEP_DIAG) {
        return;
    }
    switch (op->kind) {
    case OP_DIAG_CABLE: {
        SraidCableCheckData d;
        SraidParamError perr;

        /* step 1165: it answers on the channel the command came in on */
        if (!good(err, r) || !sraid_cable_check_decode(data, len, &d, &perr) ||
            d.node != op->node || d.channel != op->channel) {
            p->diag_failed = true;
        }
        break;
    }
    case OP_DIAG_WRITE:
        if (!good(err, r)) {
            p->diag_failed = true;
            break;
        }
        p->diag_out++;
        send_vendor(m, OP_DIAG_READ, op->node, op->channel,
                    SRAID_DCMD_NODE_READ, SRAID_NODE_MEM_DIAG_BASE, NULL, 0,
                    DIAG_PATTERN_LEN);
        break;
    case OP_DIAG_READ:
        if (!good(err, r) || len != DIAG_PATTERN_LEN ||
            memcmp(data, p->diag_pattern, DIAG_PATTERN_LEN) != 0) {
            p->diag_failed = true;
        }
        break;
    default:
        g_assert_not_reached();
    }
    if (--p->diag_out == 0) {
        diag_finish(m, op->node);
    }
}

/* Steps 8B0 and 880: stage the mailbox, then ask the slave to check it */
static void negotiate_start(SraidMembership *m, uint8_t id)
{
    Peer *p = &m->peers[id];
    uint8_t c = first_channel(connected(m) & p->channels);
    g_autofree SraidMailbox *mb = g_new0(SraidMailbox, 1);
    g_autofree uint8_t *buf = g_malloc(SRAID_MAILBOX_MAX_LEN);
    size_t len;

    if (c >= SRAID_CHANNEL_MAX) {
        return;
    }
    m->ops->get_config(m->opaque, mb);
    mb->sender = m->cfg.node_id;
    mb->sender_state = m->state;
    mb->sender_info = m->info;
    len = sraid_mailbox_encode(mb, buf, SRAID_MAILBOX_MAX_LEN);
    if (!len) {
        return;
    }
    p->step = STEP_NEGOTIATE;
    p->renegotiate = false;
    send_vendor(m, OP_MAILBOX_WRITE, id, c, SRAID_DCMD_NODE_WRITE,
                SRAID_NODE_MEM_MAILBOX_BASE, buf, len, 0);
}

static void negotiate_failed(SraidMembership *m, uint8_t id, uint8_t info)
{
    Peer *p = &m->peers[id];

    p->step = STEP_IDLE;
    set_peer(m, id, SRAID_NODE_FAILED_SLAVE, info);               /* 890 */
}

static void negotiate_done(SraidMembership *m, Op *op, int err,
                           const SraidScsiResult *r, const uint8_t *data,
                           size_t len)
{
    Peer *p = &m->peers[op->node];

    if (!is_master(m) || p->step != STEP_NEGOTIATE) {
        return;
    }
    switch (op->kind) {
    case OP_MAILBOX_WRITE:
        if (!good(err, r)) {
            negotiate_failed(m, op->node,
                             SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST);
            return;
        }
        send_vendor(m, OP_NEGOTIATE, op->node, op->channel,
                    SRAID_DCMD_NODE_NEGOTIATE, 0, NULL, 0, 0);
        return;
    case OP_NEGOTIATE:
        if (err == 0 && r && r->status == SRAID_STATUS_BUSY) {
            p->step = STEP_IDLE;        /* ask again at the next monitor */
            return;
        }
        if (!good(err, r)) {
            if (!err && r && r->sense_len > 13 &&
                r->sense[12] == SRAID_ASC_VENDOR &&
                r->sense[13] == SRAID_ASCQ_CONFIG_MISMATCH) {
                /*
                 * Step 1315: the slave's drives hold a newer configuration
                 * than this master runs (it became master while a cable
                 * was cut and read the older copy).  Read the drives
                 * again, or every negotiation fails the same way, forever.
                 * Found by the simulator, seed 3374.
                 */
                m->ops->process_cod(m->opaque);
            }
            negotiate_failed(m, op->node, err ?
                             SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST :
                             SRAID_NODE_INFO_FAILED_DIAGNOSTICS);   /* 885 */
            return;
        }
        /* steps 575-580: did the slave keep its configuration? */
        send_vendor(m, OP_NEGOTIATE_CHECK, op->node, op->channel,
                    SRAID_DCMD_NODE_CABLE_CHECK, 0, NULL, 0,
                    SRAID_CABLE_CHECK_DATA_LEN);
        return;
    case OP_NEGOTIATE_CHECK: {
        SraidCableCheckData d;
        SraidParamError perr;

        p->step = STEP_IDLE;
        if (good(err, r) && sraid_cable_check_decode(data, len, &d, &perr) &&
            d.state == SRAID_NODE_ACTIVE_SLAVE &&
            d.info == SRAID_NODE_INFO_COMPLETED_STARTUP) {
            set_peer(m, op->node, SRAID_NODE_NEXUS_SLAVE,      /* 8C0-8C5 */
                     SRAID_NODE_INFO_NONE);
            learn_boot_id(m, op->node);
            hb_start(m, op->node);
            return;
        }
        /* step 895: it restarts with the new configuration */
        set_peer(m, op->node, SRAID_NODE_RESTARTED_SLAVE,
                 SRAID_NODE_INFO_CHANGING_CONFIGURATION);
        return;
    }
    default:
        g_assert_not_reached();
    }
}

static void conn_check_done(SraidMembership *m, Op *op, int err,
                            const SraidScsiResult *r)
{
    Peer *p = &m->peers[op->node];

    p->conn_out = false;
    if (!is_master(m) || !p->known || p->state != SRAID_NODE_NEXUS_SLAVE) {
        return;
    }
    if (good(err, r)) {
        return;
    }
    if (err == 0 && r && r->status == SRAID_STATUS_BUSY) {
        return;
    }
    if (!suspended_answer(err, r)) {
        /*
         * Steps 830-850, but the check went over this node's comm channel,
         * where the slave may only have lost its cable: found by the
         * simulator (tests/sim, /sim/cable/one-cut), the check timed out
         * before four heartbeats had, and a slave with one good cable was
         * killed.  Fig. 17's analysis (drive, then the other channels)
         * decides instead; it fails the slave if no channel answers.
         */
        if (!p->analysing) {
            analyse(m, op->node);
        }
        return;
    }
    /* steps 830-850 */
    p->hb_active = false;
    set_peer(m, op->node, SRAID_NODE_FAILED_SLAVE,
             SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST);
    kill_peer(m, op->node);
}

/* ---- a lost master and the election of a new one ---- */

static void master_is_lost(SraidMembership *m)
{
    uint8_t master = m->master;

    if (m->master_lost || m->phase != PHASE_SLAVE) {
        return;
    }
    m->master_lost = true;
    m->master_lost_at = now(m);
    if (master < SRAID_NODE_MAX) {
        m->peers[master].hb_active = false;
        m->lost_counter = m->peers[master].lease_counter;
    }
    /* decided by the next read of the lease: lease_evaluate() */
}

static void election(SraidMembership *m)
{
    if (m->scan == SCAN_ELECTION) {
        return;
    }
    if (connected(m) != m->channels_all) {
        /*
         * The lost master's counter stands still on the drives this node
         * reaches, but it (or another survivor) may be writing on a
         * channel this node lost.  Found by the simulator (/sim/partition/
         * disjoint-drives): two masters, each on its own drives, both
         * wrote COD.  Only a node reading every channel may take over;
         * the same when the master announced its restart by a bus reset
         * (PR seed 27376: two survivors with disjoint cut channels both
         * became master).
         */
        do_suspend(m, SRAID_SUSPEND_PARTITIONED);
        return;
    }
    if (m->scan != SCAN_NONE) {
        m->election_pending = true;     /* scan_finished() starts it */
        return;
    }
    m->exclude = m->master;
    m->master_lost = false;
    if (m->master < SRAID_NODE_MAX) {
        forget_peer(m, m->master);
    }
    set_master(m, SRAID_NODE_NONE);
    scan_start(m, SCAN_ELECTION);
}

static void election_scan_done(SraidMembership *m)
{
    uint8_t highest = m->cfg.node_id;

    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (id == m->cfg.node_id || id == m->exclude || !peer_live(p)) {
            continue;
        }
        if (p->self_state == SRAID_NODE_MASTER) {
            /* another survivor was quicker: follow it */
            become_slave(m, id);
            return;
        }
        /* joiners still booting do not vote (they become slaves) */
        if (!peer_joining(p)) {
            highest = MAX(highest, id);
        }
    }
    if (highest != m->cfg.node_id) {
        m->exclude = SRAID_NODE_NONE;
        become_slave(m, highest);
        return;
    }
    /*
     * A live claim other than the lost master's (which restarted or went
     * stale): a master this node does not reach.  Not its place.
     */
    if (!lease_fresh(m)) {
        m->election_decide = true;      /* lease_read_done() decides */
        return;
    }
    /*
     * A cable may have gone during the scan: the every-channel rule of
     * election() holds when the decision is taken too (PR seed 40293: a
     * cut 200 ms before the decision left this node and the old master,
     * back from a pause, on disjoint drives, both ordering).
     */
    if (live_claim_above(m, 0) || connected(m) != m->channels_all) {
        m->exclude = SRAID_NODE_NONE;
        do_suspend(m, SRAID_SUSPEND_PARTITIONED);
        return;
    }
    become_master(m);
    m->exclude = SRAID_NODE_NONE;
}

static void scan_finished(SraidMembership *m, ScanPurpose purpose)
{
    bool again = m->rescan;

    m->scan = SCAN_NONE;
    m->rescan = false;
    switch (purpose) {
    case SCAN_STARTUP:
        if (m->phase == PHASE_STARTING) {
            m->startup_due = UINT64_MAX;
            startup_decide(m);
        }
        break;
    case SCAN_MONITOR:
        if (is_master(m)) {
            monitor_scan_done(m);
        }
        break;
    case SCAN_ELECTION:
        if (m->phase == PHASE_SLAVE) {
            election_scan_done(m);
        }
        break;
    default:
        break;
    }
    if (m->election_pending && m->phase == PHASE_SLAVE &&
        m->scan == SCAN_NONE) {
        m->election_pending = false;
        election(m);
        return;
    }
    m->election_pending = false;
    if (again && is_master(m)) {
        m->monitor_due = now(m);
    }
}

/* ---- public entry points ---- */

SraidMembership *sraid_member_new(const SraidMemberConfig *cfg,
                                  SraidVendorNode *vn,
                                  const SraidMemberOps *ops, void *opaque)
{
    SraidMembership *m = g_new0(SraidMembership, 1);

    g_assert(!sraid_member_config_check(cfg));
    m->cfg = *cfg;
    m->vn = vn;
    m->ops = ops;
    m->opaque = opaque;
    m->phase = PHASE_OFF;
    m->master = SRAID_NODE_NONE;
    m->exclude = SRAID_NODE_NONE;
    m->channels_all = (1u << cfg->channels) - 1;
    m->comm = 0;
    m->ops_out = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                       g_free);
    m->startup_due = UINT64_MAX;
    m->negotiation_due = UINT64_MAX;
    m->monitor_due = UINT64_MAX;
    m->deferred_due = UINT64_MAX;
    m->config_retry_due = UINT64_MAX;
    m->period_due = UINT64_MAX;
    return m;
}

void sraid_member_free(SraidMembership *m)
{
    if (!m) {
        return;
    }
    g_hash_table_destroy(m->ops_out);
    g_free(m);
}

void sraid_member_start(SraidMembership *m)
{
    start(m);
}

static void run_deferred(SraidMembership *m)
{
    m->deferred_due = UINT64_MAX;
    if (m->defer_suspend) {
        m->defer_suspend = false;
        do_suspend(m, m->defer_reason);
        return;
    }
    if (m->defer_restart) {
        /* step 585: restart with the configuration now in NVRAM */
        m->defer_restart = false;
        if (m->ops->restart) {
            m->ops->restart(m->opaque);
        }
        start(m);
    }
}

void sraid_member_tick(SraidMembership *m)
{
    uint64_t t = now(m);

    if (m->phase == PHASE_OFF) {
        return;
    }
    if (m->deferred_due <= t) {
        run_deferred(m);
    }
    if (m->period_due <= t) {
        m->period_due = t + m->cfg.heartbeat_ms;
        if (m->phase != PHASE_SUSPENDED) {
            probe_drives(m);
        }
        lease_cycle(m);
    }
    if (m->phase == PHASE_SUSPENDED) {
        return;
    }
    if (m->phase == PHASE_STARTING && m->startup_due <= t) {
        m->startup_due = UINT64_MAX;
        scan_start(m, SCAN_STARTUP);
    }
    if (m->phase == PHASE_SLAVE && m->master_lost &&
        t - m->master_lost_at >= 2 * lease_ms(m)) {
        /*
         * The drives could not be read since the master was lost, so
         * nothing tells a dead master from a partition: do not elect.
         */
        do_suspend(m, SRAID_SUSPEND_PARTITIONED);
        return;
    }
    if (m->phase == PHASE_SLAVE && m->booting && m->negotiation_due <= t) {
        /* steps 530-540: no Node_Negotiate came in time */
        do_suspend(m, SRAID_SUSPEND_NEGOTIATION_TIMEOUT);
        return;
    }
    if (m->phase == PHASE_SLAVE && m->config_retry_due <= t) {
        m->config_retry_due = UINT64_MAX;
        send_config_changed(m, m->comm);
    }
    if (is_master(m) && m->monitor_due <= t) {
        m->monitor_due = t + m->cfg.monitor_ms;                  /* 8A0 */
        if (m->cod_pending) {
            sraid_member_config_changed(m);
        }
        scan_start(m, SCAN_MONITOR);                             /* 805 */
    }
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        Peer *p = &m->peers[id];

        if (m->phase == PHASE_SUSPENDED) {
            return;
        }
        if (!p->hb_active || p->analysing) {
            continue;
        }
        if (p->hb_due <= t && !p->hb_out) {
            hb_check(m, id);
            if (p->hb_active && !p->analysing) {
                hb_send(m, id);
                hb_check(m, id);
            }
        }
    }
}

uint64_t sraid_member_next_deadline(const SraidMembership *m)
{
    uint64_t d = UINT64_MAX;

    if (m->phase == PHASE_OFF) {
        return d;
    }
    d = MIN(d, m->deferred_due);
    d = MIN(d, m->period_due);
    if (m->phase == PHASE_SUSPENDED) {
        return d;
    }
    if (m->phase == PHASE_STARTING) {
        d = MIN(d, m->startup_due);
    }
    if (m->phase == PHASE_SLAVE && m->booting) {
        d = MIN(d, m->negotiation_due);
    }
    if (m->phase == PHASE_SLAVE && m->master_lost) {
        d = MIN(d, m->master_lost_at + 2 * lease_ms(m));
    }
    if (m->phase == PHASE_MASTER) {
        d = MIN(d, m->monitor_due);
    }
    if (m->phase == PHASE_SLAVE) {
        d = MIN(d, m->config_retry_due);
    }
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        const Peer *p = &m->peers[id];

        if (p->hb_active && !p->analysing && !p->hb_out) {
            d = MIN(d, p->hb_due);
        }
    }
    return d;
}

void sraid_member_cmd_done(SraidMembership *m, uint64_t token, int err,
                           const SraidScsiResult *r, const uint8_t *data_in,
                           size_t data_len)
{
    g_autofree Op *op = take_op(m, token);
    size_t len = r && !err ? MIN(data_len, r->data_len) : 0;

    if (!op || m->phase == PHASE_SUSPENDED || m->phase == PHASE_OFF) {
        return;
    }
    switch (op->kind) {
    case OP_INQUIRY:
    case OP_STATE_READ:
        scan_op_done(m, op, err, r, data_in, len);
        break;
    case OP_HEARTBEAT:
        hb_done(m, op, err, r);
        break;
    case OP_HB_PROBE:
        hb_probe_done(m, op, err, r);
        break;
    case OP_DIAG_CABLE:
    case OP_DIAG_WRITE:
    case OP_DIAG_READ:
        diag_done(m, op, err, r, data_in, len);
        break;
    case OP_MAILBOX_WRITE:
    case OP_NEGOTIATE:
    case OP_NEGOTIATE_CHECK:
        negotiate_done(m, op, err, r, data_in, len);
        break;
    case OP_CONN_CHECK:
        conn_check_done(m, op, err, r);
        break;
    case OP_CONFIG_CHANGED:
        config_changed_done(m, op, err, r);
        break;
    case OP_BUS_RESET:
    case OP_KILL:
    default:
        break;
    }
}

void sraid_member_drive_done(SraidMembership *m, uint64_t token, bool ready)
{
    g_autofree Op *op = take_op(m, token);

    if (!op) {
        return;
    }
    if (op->kind == OP_DRIVE_PROBE) {
        drive_probe_done(m, op, ready);
    } else if (op->kind == OP_DRIVE_ANALYSIS &&
               m->phase != PHASE_SUSPENDED) {
        drive_analysis_done(m, op, ready);
    }
}

void sraid_member_lease_written(SraidMembership *m, uint64_t token, bool ok)
{
    g_autofree Op *op = take_op(m, token);

    if (!op) {
        return;
    }
    m->lease_read_started = now(m);
    m->ops->lease_read(m->opaque,
                       new_op(m, OP_LEASE_READ, m->cfg.node_id, 0));
}

void sraid_member_lease_read(SraidMembership *m, uint64_t token, bool ok,
                             const uint8_t *area)
{
    g_autofree Op *op = take_op(m, token);
    bool history = !m->lease_history_read;

    if (!op) {
        return;
    }
    m->lease_busy = false;
    if (m->phase == PHASE_OFF) {
        return;
    }
    lease_read_done(m, ok, area);
    if (history && m->lease_history_read && m->phase != PHASE_OFF) {
        lease_cycle(m);                 /* the write the read put off */
    }
}

void sraid_member_on_kill(SraidMembership *m, const SraidVendorNexus *nx)
{
    /* fig. 11A step 1135: the vendor core already suspended the node */
    m->defer_reason = SRAID_SUSPEND_KILLED;
    m->defer_suspend = true;
    schedule_deferred(m);
}

/* Fig. 15: was it this node's cable that made the configuration change? */
static bool cable_check_passes(SraidMembership *m)
{
    /*
     * Steps 1510-1555 on each connected channel: a channel whose drive
     * check failed while this node still had it connected means the
     * change may be this node's own cable failure (step 1565).  The
     * periodic drive checks keep the results no older than one heartbeat
     * interval, so the answer does not wait for I/O.
     */
    return !(m->failed & ~m->cut & m->channels_all);
}

SraidVendorOutcome sraid_member_on_negotiate(SraidMembership *m,
                                             const SraidVendorNexus *nx,
                                             const SraidMailbox *mb)
{
    SraidVendorOutcome out;
    bool changed = false;

    if (mb->sender_state != SRAID_NODE_MASTER) {
        return SRAID_VENDOR_BUSY;
    }
    if (m->phase == PHASE_MASTER || m->phase == PHASE_STARTING ||
        m->phase == PHASE_OFF) {
        /* not a slave (yet): the lease settles two masters */
        return SRAID_VENDOR_BUSY;
    }
    if (!cable_check_passes(m)) {
        m->defer_reason = SRAID_SUSPEND_CABLE_FAILURE;
        m->defer_suspend = true;
        schedule_deferred(m);
        return SRAID_VENDOR_SUSPEND;                            /* 1565 */
    }
    set_self(m, SRAID_NODE_ACTIVE_SLAVE, SRAID_NODE_INFO_NEGOTIATING);
    out = m->ops->apply_config(m->opaque, mb, &changed);        /* 545-555 */
    if (out == SRAID_VENDOR_BUSY) {
        return out;
    }
    if (out != SRAID_VENDOR_OK) {
        /* steps 560-570 and 540, after the status went out */
        m->defer_reason = SRAID_SUSPEND_NEGOTIATION_FAILED;
        m->defer_suspend = true;
        schedule_deferred(m);
        return out;
    }
    if (changed) {
        /* steps 575-585 */
        set_self(m, SRAID_NODE_ACTIVE_SLAVE,
                 SRAID_NODE_INFO_CHANGING_CONFIGURATION);
        m->defer_restart = true;
        schedule_deferred(m);
        return out;
    }
    /* step 575 "same": start-up complete, in nexus with the master */
    if (m->master != nx->node) {
        set_master(m, nx->node);
    }
    for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
        if (id != m->cfg.node_id && id != nx->node && m->peers[id].known &&
            m->peers[id].state == SRAID_NODE_MASTER) {
            forget_peer(m, id);
        }
    }
    m->peers[nx->node].channels |= 1u << nx->channel;
    set_peer(m, nx->node, SRAID_NODE_MASTER, SRAID_NODE_INFO_COMPLETED_STARTUP);
    learn_boot_id(m, nx->node);
    m->master_lost = false;
    m->booting = false;
    m->negotiation_due = UINT64_MAX;
    m->epoch = m->peers[nx->node].lease.epoch;
    set_self(m, SRAID_NODE_ACTIVE_SLAVE, SRAID_NODE_INFO_COMPLETED_STARTUP);
    if (!m->peers[nx->node].hb_active) {
        hb_start(m, nx->node);
    }
    return out;
}

void sraid_member_on_bus_reset(SraidMembership *m, const SraidVendorNexus *nx)
{
    if (is_master(m)) {
        m->monitor_due = now(m);        /* rescan: a node (re)joined */
        return;
    }
    if (m->phase == PHASE_SLAVE && nx->node == m->master && !m->booting) {
        /*
         * A running master never resets the bus: it restarted, faster
         * than the heartbeat could tell (fast reboot).
         */
        m->master_lost = true;
        m->master_lost_at = now(m);
        election(m);
    }
}

SraidVendorOutcome sraid_member_on_config_changed(SraidMembership *m,
                                                  const SraidVendorNexus *nx,
                                                  const SraidMailbox *mb)
{
    SraidVendorOutcome out;
    bool changed = false;

    if (!is_master(m)) {
        return SRAID_VENDOR_BUSY;
    }
    if (!sraid_member_may_write_cod(m)) {
        return SRAID_VENDOR_BUSY;
    }
    /* "Configuration Changes": the master updates itself first */
    out = m->ops->apply_config(m->opaque, mb, &changed);
    if (out != SRAID_VENDOR_OK) {
        return out;
    }
    if (changed) {
        sraid_member_config_changed(m);
    }
    return out;
}

void sraid_member_set_cable(SraidMembership *m, uint8_t channel,
                            bool connected_now)
{
    uint8_t bit = 1u << channel;

    if (channel >= m->cfg.channels) {
        return;
    }
    if (connected_now) {
        m->cut &= ~bit;
        m->failed &= ~bit;
    } else {
        m->cut |= bit;
    }
    sraid_vendor_node_set_channels(m->vn, connected(m));
    if (m->phase == PHASE_OFF || m->phase == PHASE_SUSPENDED) {
        return;
    }
    if (!connected(m)) {
        do_suspend(m, SRAID_SUSPEND_CABLE_FAILURE);
        return;
    }
    if (m->comm >= SRAID_CHANNEL_MAX || !(connected(m) & (1u << m->comm))) {
        m->comm = first_channel(connected(m));
    }
}

void sraid_member_config_changed(SraidMembership *m)
{
    g_autofree SraidMailbox *mb = g_new0(SraidMailbox, 1);

    m->ops->get_config(m->opaque, mb);
    if (is_master(m)) {
        if (!sraid_member_may_write_cod(m)) {
            /* not yet sure no newer master exists: at the next monitor */
            m->cod_pending = true;
            return;
        }
        m->cod_pending = false;
        /* the drives, then every slave (only the master writes COD) */
        m->ops->write_cod(m->opaque, mb);
        for (uint8_t id = 0; id < SRAID_NODE_MAX; id++) {
            Peer *p = &m->peers[id];

            if (id != m->cfg.node_id && p->known &&
                p->state == SRAID_NODE_NEXUS_SLAVE) {
                p->renegotiate = true;
            }
        }
        m->monitor_due = now(m);
        return;
    }
    m->config_tries = 0;
    send_config_changed(m, m->comm);
}

void sraid_member_set_heartbeat_fault(SraidMembership *m, bool drop,
                                      uint32_t delay_ms)
{
    m->hb_drop = drop;
    m->hb_delay_ms = delay_ms;
}

void sraid_member_kill_peer(SraidMembership *m, uint8_t node)
{
    if (node >= SRAID_NODE_MAX || node == m->cfg.node_id ||
        m->phase == PHASE_SUSPENDED || m->phase == PHASE_OFF) {
        return;
    }
    if (is_master(m) && m->peers[node].known) {
        m->peers[node].hb_active = false;
        set_peer(m, node, SRAID_NODE_FAILED_SLAVE,
                 SRAID_NODE_INFO_FAILED_COMMUNICATIONS_TEST);
    }
    kill_peer(m, node);
}

void sraid_member_resume(SraidMembership *m)
{
    if (m->phase != PHASE_SUSPENDED) {
        return;
    }
    m->ops->resume(m->opaque);
    start(m);                   /* back as a joiner */
}

void sraid_member_suspend(SraidMembership *m, SraidSuspendReason why)
{
    if (m->phase == PHASE_OFF) {
        return;
    }
    do_suspend(m, why);
}

void sraid_member_view(const SraidMembership *m, SraidMemberView *v)
{
    memset(v, 0, sizeof(*v));
    v->self = m->cfg.node_id;
    v->state = m->state;
    v->info = m->info;
    v->master = m->master;
    v->booting = m->booting;
    v->suspended = m->phase == PHASE_SUSPENDED;
    v->suspend_reason = m->suspend_reason;
    v->connected_channels = connected(m);
    v->comm_channel = m->comm;
    v->epoch = m->epoch;
    v->config_generation = m->config_generation;
    v->transitions = m->transitions;
    v->drives_alive = drives_alive(m);
    for (unsigned id = 0; id < SRAID_NODE_MAX; id++) {
        const Peer *p = &m->peers[id];

        if (id == m->cfg.node_id) {
            v->nodes[id].known = m->phase != PHASE_OFF;
            v->nodes[id].state = m->state;
            v->nodes[id].info = m->info;
            v->nodes[id].channels = connected(m);
            continue;
        }
        v->nodes[id].known = p->known;
        v->nodes[id].state = p->state;
        v->nodes[id].info = p->info;
        v->nodes[id].channels = p->channels;
        v->nodes[id].heartbeat_misses = p->hb_misses;
    }
}

bool sraid_member_booting(const SraidMembership *m)
{
    return m->booting;
}

bool sraid_member_may_write_cod(const SraidMembership *m)
{
    SraidMembership *mm = (SraidMembership *)m;

    if (!is_master(m)) {
        return false;
    }
    /*
     * A lease read that started at least one heartbeat interval after
     * this node claimed mastership saw no newer claim, and it is recent:
     * a node that was stopped (SIGSTOP) or cut off from its drives cannot
     * pass this until it has read the drives again.
     */
    if (m->lease_ok_at < m->claim_at + m->cfg.heartbeat_ms) {
        return false;
    }
    if (now(mm) - m->lease_ok_at > lease_ms(m)) {
        return false;
    }
    return !live_claim_above(mm, m->epoch);
}
