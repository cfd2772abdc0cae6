/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest of cluster membership (docs/membership.md): 2 to 4 QEMU processes,
 * each an sraid-ctrl node on one virtual shared SCSI bus on loopback, on
 * the same member files, with short timings.  Election, joiners, SIGKILL
 * of the master, restart and fast restart, cable cuts, a bus partition,
 * Node_Kill, dropped and delayed heartbeats, SIGSTOP of the master.
 * Every wait polls query-sraid against a deadline; times are reported as
 * test messages (--tap shows them).
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/virtio.h"
#include "qobject/qdict.h"
#include "qemu/bswap.h"
#include "qemu/cutils.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "scsi/constants.h"
#include "sraid-cluster-test.h"
#include "sraid-qtest-array.h"

/* Timings: heartbeat 100 ms, 4 misses; what the properties set */
#define HB_MS           100
#define FAST_OPTS       "heartbeat-interval=100,heartbeat-misses=4," \
                        "monitor-period=200,negotiation-timeout=3000," \
                        "scan-interval=200"
/*
 * "Started together" is within the settle time of the election (two
 * heartbeat intervals): starting a QEMU under qtest takes a few hundred
 * milliseconds, so the election tests use a slower heartbeat.
 */
#define ELECT_OPTS      "heartbeat-interval=600,heartbeat-misses=4," \
                        "monitor-period=600,negotiation-timeout=6000," \
                        "scan-interval=300"
/* A deadline for anything that should take a few heartbeats */
#define SETTLE_MS       15000
#define MAX_NODES       4

typedef struct Node {
    VScsi *v;
    unsigned id;
    char *args;
} Node;

typedef struct Cluster {
    Array a;
    unsigned base;
    char *name;
    const char *opts;
    Node node[MAX_NODES];
    unsigned n;
} Cluster;

static gint64 now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

/* Poll @cond every 20 ms for up to @ms; true if it came true */
#define WAIT_UNTIL(ms, cond) ({                                     \
    gint64 end_ = now_ms() + (ms);                                  \
    bool ok_;                                                       \
    while (!(ok_ = (cond)) && now_ms() < end_) {                    \
        g_usleep(20 * 1000);                                        \
    }                                                               \
    ok_;                                                            \
})

/* RAID 1 on two members: channel 0 target 0 and channel 1 target 0 */
static void cluster_init(Cluster *c, const char *opts)
{
    memset(c, 0, sizeof(*c));
    array_create(&c->a, 1, 2);
    c->base = free_port_block();
    c->name = g_strdup_printf("q%u", c->base);
    c->opts = opts;
}

static Node *node_of(Cluster *c, unsigned id)
{
    for (unsigned i = 0; i < c->n; i++) {
        if (c->node[i].id == id) {
            return &c->node[i];
        }
    }
    g_assert(c->n < MAX_NODES);
    c->node[c->n].id = id;
    return &c->node[c->n++];
}

static void node_start(Cluster *c, unsigned id)
{
    Node *n = node_of(c, id);
    GString *s = g_string_new(VSCSI_ARGS);

    g_assert_null(n->v);
    g_string_append_printf(s, " -device sraid-ctrl,id=c0,bus=vs0.0,"
                           "scsi-id=%u,node-id=%u,iscsi-port=%u,cluster=%s,"
                           "nvram=%s/nvram%u,%s", CTRL_ID, id, c->base,
                           c->name, c->a.dir, id, c->opts);
    for (unsigned i = 0; i < c->a.n; i++) {
        g_string_append_printf(s, " -blockdev driver=file,node-name=m%u,"
                               "filename=%s -device sraid-drive,bus=c0.0,"
                               "drive=m%u,channel=%u,target=%u", i,
                               c->a.file[i], i, i % 2, i / 2);
    }
    g_free(n->args);
    n->args = g_string_free(s, false);
    n->v = vscsi_start(n->args);
}

/* SIGKILL: the QEMU is abandoned (qtest_quit aborts on a killed one) */
static void node_kill(Cluster *c, unsigned id)
{
    Node *n = node_of(c, id);
    pid_t pid = qtest_pid(n->v->qs->qts);
    int st;

    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
    n->v = NULL;
}

static void cluster_free(Cluster *c)
{
    for (unsigned i = 0; i < c->n; i++) {
        g_autofree char *nv = g_strdup_printf("%s/nvram%u", c->a.dir,
                                              c->node[i].id);

        if (c->node[i].v) {
            vscsi_stop(c->node[i].v);
        }
        unlink(nv);
        g_free(c->node[i].args);
    }
    array_free(&c->a);
    g_free(c->name);
}

static QTestState *qts(Cluster *c, unsigned id)
{
    Node *n = node_of(c, id);

    g_assert_nonnull(n->v);
    return n->v->qs->qts;
}

/* The "cluster" member of node @id's query-sraid (a new reference) */
static QDict *cluster_view(Cluster *c, unsigned id)
{
    QDict *resp = qtest_qmp(qts(c, id), "{'execute': 'query-sraid'}");
    QList *ret = qdict_get_qlist(resp, "return");
    QDict *ctrl = qobject_to(QDict, qlist_peek(ret));
    QDict *cl = qdict_get_qdict(ctrl, "cluster");

    g_assert_nonnull(cl);
    qobject_ref(cl);
    qobject_unref(resp);
    return cl;
}

typedef struct View {
    char state[32];
    int master;                         /* -1: none */
    bool suspended;
    bool booting;
    char reason[32];
    uint8_t comm;
    uint16_t drives_alive;              /* bitmap of node ids */
    char node_state[16][32];            /* "" when not in the Nodes list */
} View;

static void view(Cluster *c, unsigned id, View *v)
{
    QDict *cl = cluster_view(c, id);
    QList *nodes = qdict_get_qlist(cl, "nodes");
    QListEntry *e;

    memset(v, 0, sizeof(*v));
    pstrcpy(v->state, sizeof(v->state), qdict_get_str(cl, "state"));
    v->master = qdict_haskey(cl, "master") ? qdict_get_int(cl, "master") : -1;
    v->suspended = qdict_get_bool(cl, "suspended");
    v->booting = qdict_get_bool(cl, "booting");
    pstrcpy(v->reason, sizeof(v->reason), qdict_get_str(cl, "suspend-reason"));
    v->comm = qdict_get_int(cl, "comm-channel");
    QLIST_FOREACH_ENTRY(qdict_get_qlist(cl, "drives-alive"), e) {
        v->drives_alive |= 1u << qnum_get_uint(qobject_to(QNum,
                                                          qlist_entry_obj(e)));
    }
    QLIST_FOREACH_ENTRY(nodes, e) {
        QDict *nd = qobject_to(QDict, qlist_entry_obj(e));

        pstrcpy(v->node_state[qdict_get_int(nd, "node")], 32,
                qdict_get_str(nd, "state"));
    }
    qobject_unref(cl);
}

/* The nodes @id sees alive on the drives (query-sraid drives-alive) */
static uint16_t drives_alive_of(Cluster *c, unsigned id)
{
    View v;

    view(c, id, &v);
    return v.drives_alive;
}

static bool is_master(Cluster *c, unsigned id)
{
    View v;

    view(c, id, &v);
    return !strcmp(v.state, "master") && v.master == (int)id &&
           !v.suspended;
}

static bool is_suspended(Cluster *c, unsigned id)
{
    View v;

    view(c, id, &v);
    return v.suspended;
}

/* @slave follows @master, and the master has it in nexus */
static bool in_nexus(Cluster *c, unsigned master, unsigned slave)
{
    View m, s;

    view(c, master, &m);
    view(c, slave, &s);
    return !strcmp(m.state, "master") && !m.suspended &&
           !strcmp(s.state, "active-slave") && s.master == (int)master &&
           !s.suspended && !s.booting &&
           !strcmp(m.node_state[slave], "nexus-slave");
}

/* @master is master with every other running node in nexus */
static bool settled(Cluster *c, unsigned master)
{
    for (unsigned i = 0; i < c->n; i++) {
        if (c->node[i].v && c->node[i].id != master &&
            !in_nexus(c, master, c->node[i].id)) {
            return false;
        }
    }
    return is_master(c, master);
}

static void assert_settled(Cluster *c, unsigned master, const char *what)
{
    gint64 t0 = now_ms();

    if (!WAIT_UNTIL(SETTLE_MS, settled(c, master))) {
        for (unsigned i = 0; i < c->n; i++) {
            if (c->node[i].v) {
                g_autofree char *hmp = qtest_hmp(qts(c, c->node[i].id),
                                                 "info sraid");

                g_test_message("info sraid of node %u:", c->node[i].id);
                g_test_message("%s", hmp);
            }
        }
        g_error("%s: node %u is not master with every node in nexus after"
                " %d ms", what, master, SETTLE_MS);
    }
    g_test_message("%s: node %u master, all in nexus after %" PRId64 " ms",
                   what, master, now_ms() - t0);
}

static void qmp_ok(QTestState *q, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void qmp_ok(QTestState *q, const char *fmt, ...)
{
    va_list ap;
    QDict *resp;

    va_start(ap, fmt);
    resp = qtest_vqmp(q, fmt, ap);
    va_end(ap);
    if (!qdict_haskey(resp, "return")) {
        g_error("QMP error: %s",
                qdict_get_str(qdict_get_qdict(resp, "error"), "desc"));
    }
    qobject_unref(resp);
}

/* Forget the SRAID_NODE_STATE events node @id has sent so far */
static void drain_events(Cluster *c, unsigned id)
{
    QDict *ev;

    while ((ev = qtest_qmp_event_ref(qts(c, id), "SRAID_NODE_STATE"))) {
        qobject_unref(ev);
    }
}

/* SRAID_NODE_STATE events of node @id saying @node entered @state */
static unsigned count_events(Cluster *c, unsigned id, unsigned node,
                             const char *state)
{
    unsigned n = 0;
    QDict *ev;

    qtest_qmp_assert_success(qts(c, id), "{'execute': 'query-status'}");
    while ((ev = qtest_qmp_event_ref(qts(c, id), "SRAID_NODE_STATE"))) {
        QDict *data = qdict_get_qdict(ev, "data");

        n += qdict_get_int(data, "node") == node &&
             !strcmp(qdict_get_str(data, "state"), state);
        qobject_unref(ev);
    }
    return n;
}

/* Started together: the highest node id is master (seed 003 step 425) */
static void test_elect_together(void)
{
    Cluster c;

    cluster_init(&c, ELECT_OPTS);
    node_start(&c, 6);
    node_start(&c, 7);
    assert_settled(&c, 7, "2 nodes started together");
    cluster_free(&c);

    cluster_init(&c, ELECT_OPTS);
    node_start(&c, 4);
    node_start(&c, 7);
    node_start(&c, 5);
    node_start(&c, 6);
    assert_settled(&c, 7, "4 nodes started together");
    cluster_free(&c);
}

/*
 * A node that joins a running cluster becomes a slave, whatever its id;
 * SIGKILL of the master makes a slave master; the old master restarted
 * rejoins as a slave.
 */
static void test_join_and_master_kill(void)
{
    Cluster c;
    gint64 t0;

    cluster_init(&c, FAST_OPTS);
    node_start(&c, 5);
    assert_settled(&c, 5, "node 5 alone");
    node_start(&c, 6);
    node_start(&c, 7);
    assert_settled(&c, 5, "nodes 6 and 7 joined node 5");

    /* the master dies: the survivors elect the highest, node 7 */
    node_kill(&c, 5);
    t0 = now_ms();
    g_assert_true(WAIT_UNTIL(SETTLE_MS, is_master(&c, 7)));
    g_test_message("SIGKILL of master 5: node 7 master after %" PRId64 " ms"
                   " (heartbeat %u ms)", now_ms() - t0, HB_MS);
    assert_settled(&c, 7, "after the master's SIGKILL");

    /* back: a slave of the new master */
    drain_events(&c, 7);
    node_start(&c, 5);
    assert_settled(&c, 7, "node 5 restarted");
    /*
     * and it stays in nexus: the master learns its new boot id on the
     * drives after taking it in, which is no reboot (once made it go
     * through new-slave again, every time)
     */
    g_usleep(10 * HB_MS * 1000);
    g_assert_cmpuint(count_events(&c, 7, 5, "new-slave"), ==, 1);
    g_assert_true(in_nexus(&c, 7, 5));
    cluster_free(&c);
}

/*
 * SIGKILL and restart faster than the heartbeat notices (4 s here): the
 * master learns from the booting flag of the INQUIRY data (Table 20)
 * that the slave restarted, and takes it through start-up again.
 */
static void test_fast_restart(void)
{
    Cluster c;
    gint64 t0;
    QDict *ev;
    bool saw_new = false, saw_failed = false;

    cluster_init(&c, "heartbeat-interval=1000,heartbeat-misses=4,"
                 "monitor-period=1000,negotiation-timeout=10000,"
                 "scan-interval=200");
    node_start(&c, 7);
    node_start(&c, 6);
    assert_settled(&c, 7, "2 nodes, slow heartbeat");
    /* forget the events so far */
    while ((ev = qtest_qmp_event_ref(qts(&c, 7), "SRAID_NODE_STATE"))) {
        qobject_unref(ev);
    }
    t0 = now_ms();
    node_kill(&c, 6);
    node_start(&c, 6);
    assert_settled(&c, 7, "node 6 SIGKILLed and restarted at once");
    g_assert_cmpint(now_ms() - t0, <, 4000);
    while ((ev = qtest_qmp_event_ref(qts(&c, 7), "SRAID_NODE_STATE"))) {
        QDict *data = qdict_get_qdict(ev, "data");

        if (qdict_get_int(data, "node") == 6) {
            saw_new |= !strcmp(qdict_get_str(data, "state"), "new-slave");
            saw_failed |= !strcmp(qdict_get_str(data, "state"),
                                  "failed-slave");
        }
        qobject_unref(ev);
    }
    /* through start-up again, not through a heartbeat failure */
    g_assert_true(saw_new);
    g_assert_false(saw_failed);
    cluster_free(&c);
}

static void set_cable(Cluster *c, unsigned id, unsigned ch, bool connected)
{
    qmp_ok(qts(c, id), "{'execute': 'sraid-set-cable', 'arguments':"
           " {'controller': 'c0', 'channel': %u, 'connected': %i}}", ch,
           connected);
}

/*
 * One of the master's cables cut: node-to-node traffic moves to the
 * other channel, nobody is failed or suspended.  Both of the slave's
 * cables cut: it suspends itself (cable failure) and its logical drive
 * answers NOT READY, MANUAL INTERVENTION REQUIRED to the guest; reconnected
 * and resumed, it rejoins.
 */
static void test_cables(void)
{
    static const uint8_t tur[6] = { TEST_UNIT_READY };
    Cluster c;
    ScsiResult r;
    View v;
    gint64 t0;

    cluster_init(&c, FAST_OPTS);
    node_start(&c, 7);
    node_start(&c, 6);
    assert_settled(&c, 7, "2 nodes");
    view(&c, 7, &v);
    g_assert_cmpuint(v.comm, ==, 0);

    set_cable(&c, 7, 0, false);
    g_assert_true(WAIT_UNTIL(SETTLE_MS, (view(&c, 7, &v), v.comm == 1)));
    /* ten heartbeats later still nobody failed */
    g_usleep(10 * HB_MS * 1000);
    assert_settled(&c, 7, "master's channel 0 cut");
    g_assert_false(is_suspended(&c, 6));

    ld_ready(node_of(&c, 6)->v);
    set_cable(&c, 6, 0, false);
    set_cable(&c, 6, 1, false);
    t0 = now_ms();
    g_assert_true(WAIT_UNTIL(SETTLE_MS, is_suspended(&c, 6)));
    view(&c, 6, &v);
    g_test_message("both cables of node 6 cut: suspended (%s) after %"
                   PRId64 " ms", v.reason, now_ms() - t0);
    g_assert_true(is_master(&c, 7));
    vscsi_cmd(node_of(&c, 6)->v, LD_TARGET, 0, tur, sizeof(tur), 0, &r);
    assert_sense(&r, NOT_READY, 0x04, 0x03);

    set_cable(&c, 6, 0, true);
    set_cable(&c, 6, 1, true);
    qmp_ok(qts(&c, 6), "{'execute': 'sraid-resume', 'arguments':"
           " {'controller': 'c0'}}");
    assert_settled(&c, 7, "node 6 reconnected and resumed");
    cluster_free(&c);
}

/*
 * A bus partition between the two nodes, both still on the drives: each
 * side's heartbeat fails and its drive answers, so each would take the
 * other for dead.  The disk lease decides: exactly one master, the other
 * suspended.
 */
static void test_partition(void)
{
    Cluster c;
    gint64 t0;
    bool one;

    cluster_init(&c, FAST_OPTS);
    node_start(&c, 7);
    node_start(&c, 6);
    assert_settled(&c, 7, "2 nodes");
    g_assert_cmphex(drives_alive_of(&c, 7), ==, 1u << 6);
    g_assert_cmphex(drives_alive_of(&c, 6), ==, 1u << 7);
    qmp_ok(qts(&c, 7), "{'execute': 'sraid-set-link', 'arguments':"
           " {'controller': 'c0', 'node': 6, 'connected': false}}");
    t0 = now_ms();
    one = WAIT_UNTIL(SETTLE_MS, is_suspended(&c, 6) || is_suspended(&c, 7));
    g_assert_true(one);
    g_test_message("partition: a node suspended after %" PRId64 " ms",
                   now_ms() - t0);
    /* a few lease periods later: still exactly one master */
    g_usleep(20 * HB_MS * 1000);
    g_assert_cmpint(is_master(&c, 7) + is_master(&c, 6), ==, 1);
    g_assert_cmpint(is_suspended(&c, 7) + is_suspended(&c, 6), ==, 1);
    g_assert_true(is_master(&c, 7));
    {
        View v;

        view(&c, 6, &v);
        g_test_message("node 6 suspended: %s", v.reason);
        /* cut off from 7 on the bus, its lease now says suspended */
        g_assert_true(WAIT_UNTIL(SETTLE_MS, drives_alive_of(&c, 7) == 0));
    }
    cluster_free(&c);
}

/*
 * sraid-peer-test from node @from to @to over @channel fails with @why
 * (strerror), sent as one command and as gathered messages
 */
static void peer_test_fails(Cluster *c, unsigned from, unsigned to,
                            unsigned channel, const char *why)
{
    static const char *const what[2] = {
        "no answer to Node_Write", "gathered Node_Write failed"
    };

    for (unsigned gathered = 0; gathered < 2; gathered++) {
        QDict *resp = qtest_qmp(qts(c, from), "{'execute':"
                                " 'sraid-peer-test', 'arguments':"
                                " {'controller': 'c0', 'node': %u,"
                                " 'channel': %u, 'bytes': 512,"
                                " 'pieces': %u}}", to, channel,
                                gathered ? 4 : 1);
        QDict *err = qdict_get_qdict(resp, "error");
        g_autofree char *want = g_strdup_printf("%s: %s", what[gathered],
                                                why);
        const char *desc;

        g_assert_nonnull(err);
        desc = qdict_get_str(err, "desc");
        g_test_message("from node %u: %s", from, desc);
        g_assert_nonnull(strstr(desc, want));
        qobject_unref(resp);
    }
}

/*
 * Peer commands that fail before they leave: a connection that cannot
 * even start (node 5's portal is a multicast address: connect() fails at
 * once), a cut cable, a partition.  sraid_peers_send() and
 * sraid_peers_post() answer them from the main loop like any answer,
 * never before they return (sraid-peer.h), and sraid-peer-test relies on
 * it: its coroutine yields and the answer wakes it.  An answer before the
 * yield would wake the running coroutine, which aborts QEMU.
 */
static void test_peer_fails_at_once(void)
{
    Cluster c;

    cluster_init(&c, FAST_OPTS ",portals=5.0=224.0.0.1:3260");
    node_start(&c, 7);
    peer_test_fails(&c, 7, 5, 0, "Connection refused");
    /* nobody at node 3's portal: refused later, by the loopback's TCP */
    peer_test_fails(&c, 7, 3, 0, "Input/output error");
    qmp_ok(qts(&c, 7), "{'execute': 'sraid-set-cable', 'arguments':"
           " {'controller': 'c0', 'channel': 1, 'connected': false}}");
    peer_test_fails(&c, 7, 3, 1, "Network is down");
    qmp_ok(qts(&c, 7), "{'execute': 'sraid-set-link', 'arguments':"
           " {'controller': 'c0', 'node': 4, 'connected': false}}");
    peer_test_fails(&c, 7, 4, 0, "Network is unreachable");
    qtest_qmp_assert_success(qts(&c, 7), "{'execute': 'query-status'}");
    cluster_free(&c);
}

static void resume(Cluster *c, unsigned id)
{
    qmp_ok(qts(c, id), "{'execute': 'sraid-resume', 'arguments':"
           " {'controller': 'c0'}}");
}

static void expect_suspended(Cluster *c, unsigned id, const char *reason,
                             const char *what)
{
    gint64 t0 = now_ms();
    View v;

    g_assert_true(WAIT_UNTIL(SETTLE_MS, is_suspended(c, id)));
    view(c, id, &v);
    g_test_message("%s: node %u suspended (%s) after %" PRId64 " ms", what,
                   id, v.reason, now_ms() - t0);
    g_assert_cmpstr(v.reason, ==, reason);
}

/*
 * The fault injection of docs/membership.md: Node_Kill of a peer,
 * heartbeats dropped or delayed past their interval (a false failure, on
 * purpose), and SIGSTOP of the master for longer than its lease.
 */
static void test_faults(void)
{
    Cluster c;
    QDict *resp;
    View v;
    pid_t pid;
    gint64 t0;

    cluster_init(&c, FAST_OPTS);
    node_start(&c, 7);
    node_start(&c, 6);
    assert_settled(&c, 7, "2 nodes");

    /* only the master changes the configuration for the host */
    resp = qtest_qmp(qts(&c, 6), "{'execute': 'sraid-delete-ld',"
                     " 'arguments': {'controller': 'c0', 'ld': 0}}");
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    ==, "node 6 is a slave of node 7: delete the logical "
                    "drive on the master");
    qobject_unref(resp);

    /* sraid-node-kill: the peer suspends itself, the master fails it */
    qmp_ok(qts(&c, 7), "{'execute': 'sraid-node-kill', 'arguments':"
           " {'controller': 'c0', 'node': 6}}");
    expect_suspended(&c, 6, "killed", "sraid-node-kill 6");
    g_assert_true(WAIT_UNTIL(SETTLE_MS, (view(&c, 7, &v),
                  !strcmp(v.node_state[6], "failed-slave"))));
    resume(&c, 6);
    assert_settled(&c, 7, "node 6 resumed");

    /*
     * The master's heartbeats are lost: it takes the slave for dead
     * (fig. 17 step 1740) and kills it.
     */
    qmp_ok(qts(&c, 7), "{'execute': 'sraid-heartbeat-fault', 'arguments':"
           " {'controller': 'c0', 'drop': true}}");
    expect_suspended(&c, 6, "killed", "master's heartbeats dropped");
    qmp_ok(qts(&c, 7), "{'execute': 'sraid-heartbeat-fault', 'arguments':"
           " {'controller': 'c0', 'drop': false}}");
    resume(&c, 6);
    assert_settled(&c, 7, "heartbeats back, node 6 resumed");

    /*
     * The slave's heartbeats answered too late: it loses its master, but
     * the master's lease still moves on the drives, so the slave is the
     * one cut off and suspends instead of electing itself.
     */
    qmp_ok(qts(&c, 6), "{'execute': 'sraid-heartbeat-fault', 'arguments':"
           " {'controller': 'c0', 'drop': false, 'delay-ms': %u}}", HB_MS);
    expect_suspended(&c, 6, "partitioned", "slave's heartbeats delayed");
    g_assert_true(is_master(&c, 7));
    qmp_ok(qts(&c, 6), "{'execute': 'sraid-heartbeat-fault', 'arguments':"
           " {'controller': 'c0', 'drop': false}}");
    resume(&c, 6);
    assert_settled(&c, 7, "node 6 resumed again");

    /*
     * SIGSTOP of the master for 20 heartbeats: its lease stands still,
     * the slave takes over.  SIGCONT: the old master reads the newer
     * claim on the drives and rejoins as a slave.
     */
    pid = qtest_pid(qts(&c, 7));
    g_assert_cmpint(kill(pid, SIGSTOP), ==, 0);
    t0 = now_ms();
    g_assert_true(WAIT_UNTIL(SETTLE_MS, is_master(&c, 6)));
    g_test_message("SIGSTOP of master 7: node 6 master after %" PRId64 " ms",
                   now_ms() - t0);
    g_usleep((20 * HB_MS - (now_ms() - t0) > 0 ?
              20 * HB_MS - (now_ms() - t0) : 0) * 1000);
    g_assert_cmpint(kill(pid, SIGCONT), ==, 0);
    assert_settled(&c, 6, "node 7 continued (SIGCONT)");
    cluster_free(&c);
}

/* ---- persistent reservations across the cluster ---- */

#define PR_KEY(n)       (0xabc000ULL + (n))

/* Parameter list flags of the next pr_out() (APTPL: 01h) */
static uint8_t pr_flags;

/* PERSISTENT RESERVE OUT from node @id's guest path; the status */
static uint8_t pr_out(Cluster *c, unsigned id, uint8_t sa, uint8_t type,
                      uint64_t key, uint64_t sa_key, ScsiResult *r)
{
    uint8_t cdb[10] = { PERSISTENT_RESERVE_OUT, sa, type };
    uint8_t param[24] = { 0 };

    put_be32(cdb + 5, sizeof(param));
    put_be64(param, key);
    put_be64(param + 8, sa_key);
    param[20] = pr_flags;
    vscsi_io(node_of(c, id)->v, LD_TARGET, 0, cdb, sizeof(cdb), param,
             sizeof(param), NULL, 0, r);
    g_assert_cmpuint(r->response, ==, VIRTIO_SCSI_S_OK);
    return r->status;
}

/* ... which must end in GOOD; how long it took, in milliseconds */
static gint64 pr_out_good(Cluster *c, unsigned id, uint8_t sa, uint8_t type,
                          uint64_t key, uint64_t sa_key)
{
    gint64 t0 = now_ms();
    ScsiResult r;

    if (pr_out(c, id, sa, type, key, sa_key, &r) != GOOD) {
        g_error("node %u PR OUT 0x%02x: status 0x%02x sense %x/%02x/%02x",
                id, sa, r.status, r.sense[2] & 0xf, r.sense[12],
                r.sense[13]);
    }
    return now_ms() - t0;
}

static void pr_in(Cluster *c, unsigned id, uint8_t sa, ScsiResult *r)
{
    uint8_t cdb[10] = { PERSISTENT_RESERVE_IN, sa, 0, 0, 0, 0, 0, 0, 64 };

    vscsi_cmd(node_of(c, id)->v, LD_TARGET, 0, cdb, sizeof(cdb), 64, r);
    g_assert_cmpuint(r->response, ==, VIRTIO_SCSI_S_OK);
    g_assert_cmphex(r->status, ==, GOOD);
}

/* READ KEYS on node @id: the keys, sorted, and the PRgeneration */
static unsigned pr_keys(Cluster *c, unsigned id, uint64_t *keys,
                        uint32_t *generation)
{
    ScsiResult r;
    unsigned n;

    pr_in(c, id, 0x00, &r);
    *generation = get_be32(r.data);
    n = get_be32(r.data + 4) / 8;
    for (unsigned i = 0; i < n; i++) {
        keys[i] = get_be64(r.data + 8 + 8 * i);
    }
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = i + 1; j < n; j++) {
            if (keys[j] < keys[i]) {
                uint64_t t = keys[i];

                keys[i] = keys[j];
                keys[j] = t;
            }
        }
    }
    return n;
}

/* READ RESERVATION on node @id: the holder's key (0: none) and type */
static uint64_t pr_holder(Cluster *c, unsigned id, uint8_t *type)
{
    ScsiResult r;

    pr_in(c, id, 0x01, &r);
    if (!get_be32(r.data + 4)) {
        *type = 0;
        return 0;
    }
    *type = r.data[21] & 0xf;
    return get_be64(r.data + 8);
}

/* Every running node answers the same READ KEYS and READ RESERVATION */
static void assert_pr_agree(Cluster *c, unsigned nkeys, uint64_t holder,
                            uint8_t type)
{
    for (unsigned i = 0; i < c->n; i++) {
        uint64_t keys[16];
        uint32_t gen;
        uint8_t t;

        if (!c->node[i].v) {
            continue;
        }
        g_assert_cmpuint(pr_keys(c, c->node[i].id, keys, &gen), ==, nkeys);
        g_assert_cmphex(pr_holder(c, c->node[i].id, &t), ==, holder);
        g_assert_cmpuint(t, ==, type);
    }
}

/* A WRITE(10) of one block from node @id's guest path; the status */
static uint8_t write_status(Cluster *c, unsigned id)
{
    uint8_t buf[512];
    ScsiResult r;

    memset(buf, id, sizeof(buf));
    ld_rw(node_of(c, id)->v, true, 100 + id, 1, buf, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OK);
    return r.status;
}

/* ... after the unit attention @ascq (2Ah/xx) it must see first */
static void expect_ua(Cluster *c, unsigned id, uint8_t ascq)
{
    uint8_t buf[512];
    ScsiResult r;

    ld_rw(node_of(c, id)->v, false, 0, 1, buf, &r);
    g_assert_cmphex(r.status, ==, CHECK_CONDITION);
    g_assert_cmphex(r.sense[2] & 0xf, ==, UNIT_ATTENTION);
    g_assert_cmphex(r.sense[12], ==, 0x2a);
    g_assert_cmphex(r.sense[13], ==, ascq);
}

/* Node 5 master, 6 and 7 joined; every logical drive ready everywhere */
static void pr_cluster_start(Cluster *c)
{
    cluster_init(c, FAST_OPTS);
    node_start(c, 5);
    assert_settled(c, 5, "node 5 alone");
    node_start(c, 6);
    node_start(c, 7);
    assert_settled(c, 5, "nodes 6 and 7 joined node 5");
    for (unsigned i = 0; i < c->n; i++) {
        ld_ready(c->node[i].v);
    }
}

/*
 * Windows Failover Cluster validation, across nodes: CLEAR, REGISTER AND
 * IGNORE EXISTING KEY from every node, RESERVE on node 6, then node 7
 * PREEMPTs it: READ RESERVATION on any node reports the new holder, the
 * preempted node's guest sees REGISTRATIONS PREEMPTED and conflicts.
 */
static void test_pr_windows(void)
{
    Cluster c;
    uint64_t keys[16];
    uint32_t gen;
    uint8_t type;
    gint64 ms;

    pr_cluster_start(&c);
    pr_out_good(&c, 6, 0x06, 0, 0, PR_KEY(6));      /* REGISTER AND IGNORE */
    pr_out_good(&c, 6, 0x03, 0, PR_KEY(6), 0);      /* CLEAR */
    assert_pr_agree(&c, 0, 0, 0);
    ms = pr_out_good(&c, 6, 0x06, 0, 0, PR_KEY(6));
    g_test_message("REGISTER from slave 6: GOOD after %" PRId64 " ms", ms);
    ms = pr_out_good(&c, 5, 0x06, 0, 0, PR_KEY(5));
    g_test_message("REGISTER on master 5: GOOD after %" PRId64 " ms", ms);
    pr_out_good(&c, 7, 0x06, 0, 0, PR_KEY(7));
    pr_out_good(&c, 6, 0x01, 0x1, PR_KEY(6), 0);    /* RESERVE, WE */
    assert_pr_agree(&c, 3, PR_KEY(6), 0x1);
    /* Write Exclusive: only the holder writes, on whatever node */
    g_assert_cmphex(write_status(&c, 6), ==, GOOD);
    g_assert_cmphex(write_status(&c, 7), ==, RESERVATION_CONFLICT);
    g_assert_cmphex(write_status(&c, 5), ==, RESERVATION_CONFLICT);
    /* the other node preempts */
    ms = pr_out_good(&c, 7, 0x04, 0x1, PR_KEY(7), PR_KEY(6));
    g_test_message("PREEMPT from slave 7: GOOD after %" PRId64 " ms", ms);
    /* the preempted guest's next command: REGISTRATIONS PREEMPTED */
    expect_ua(&c, 6, 0x05);
    assert_pr_agree(&c, 2, PR_KEY(7), 0x1);
    g_assert_cmpuint(pr_keys(&c, 6, keys, &gen), ==, 2);
    g_assert_cmphex(keys[0], ==, PR_KEY(5));
    g_assert_cmphex(keys[1], ==, PR_KEY(7));
    g_assert_cmphex(pr_holder(&c, 5, &type), ==, PR_KEY(7));
    g_assert_cmphex(write_status(&c, 6), ==, RESERVATION_CONFLICT);
    g_assert_cmphex(write_status(&c, 7), ==, GOOD);
    cluster_free(&c);
}

/*
 * Pacemaker fence_scsi: every node registers with APTPL, one reserves
 * Write Exclusive Registrants Only, registrants write; then a node fences
 * another with PREEMPT AND ABORT: the victim's writes conflict at once.
 * Every node SIGKILLed and the cluster started again: the registrations
 * and the reservation are back (APTPL, stored by the master).
 */
static void test_pr_fence(void)
{
    Cluster c;
    ScsiResult r;
    gint64 ms;

    pr_cluster_start(&c);
    pr_flags = 0x01;                                   /* APTPL */
    for (unsigned id = 5; id <= 7; id++) {
        pr_out_good(&c, id, 0x00, 0, 0, PR_KEY(id));   /* REGISTER */
    }
    pr_flags = 0;
    pr_out_good(&c, 5, 0x01, 0x5, PR_KEY(5), 0);       /* RESERVE, WE RO */
    assert_pr_agree(&c, 3, PR_KEY(5), 0x5);
    for (unsigned id = 5; id <= 7; id++) {
        g_assert_cmphex(write_status(&c, id), ==, GOOD);
    }
    /* a RESERVE by another registrant conflicts */
    g_assert_cmphex(pr_out(&c, 6, 0x01, 0x5, PR_KEY(6), 0, &r), ==,
                    RESERVATION_CONFLICT);
    /* fence node 6 from node 7 */
    ms = pr_out_good(&c, 7, 0x05, 0x5, PR_KEY(7), PR_KEY(6));
    g_test_message("PREEMPT AND ABORT from slave 7: GOOD after %" PRId64
                   " ms", ms);
    expect_ua(&c, 6, 0x05);
    assert_pr_agree(&c, 2, PR_KEY(5), 0x5);
    g_assert_cmphex(write_status(&c, 6), ==, RESERVATION_CONFLICT);
    g_assert_cmphex(write_status(&c, 5), ==, GOOD);
    g_assert_cmphex(write_status(&c, 7), ==, GOOD);
    /* the fenced node cannot register itself back with its old key */
    g_assert_cmphex(pr_out(&c, 6, 0x00, 0, PR_KEY(6), PR_KEY(6), &r), ==,
                    RESERVATION_CONFLICT);

    /* power loss of the whole cluster, then power on */
    for (unsigned id = 5; id <= 7; id++) {
        node_kill(&c, id);
    }
    node_start(&c, 5);
    assert_settled(&c, 5, "node 5 after the cluster's power loss");
    node_start(&c, 6);
    node_start(&c, 7);
    assert_settled(&c, 5, "nodes 6 and 7 after the cluster's power loss");
    for (unsigned i = 0; i < c.n; i++) {
        ld_ready(c.node[i].v);
    }
    assert_pr_agree(&c, 2, PR_KEY(5), 0x5);
    g_assert_cmphex(write_status(&c, 6), ==, RESERVATION_CONFLICT);
    g_assert_cmphex(write_status(&c, 7), ==, GOOD);
    cluster_free(&c);
}

/*
 * VMware clustered-VMDK style Write Exclusive All Registrants (type 7):
 * every registrant on every node holds it; a node that unregisters can
 * no longer write, and the reservation stays while a registrant does.
 */
static void test_pr_all_registrants(void)
{
    Cluster c;

    pr_cluster_start(&c);
    for (unsigned id = 5; id <= 7; id++) {
        pr_out_good(&c, id, 0x00, 0, 0, PR_KEY(id));
    }
    pr_out_good(&c, 6, 0x01, 0x7, PR_KEY(6), 0);
    /* all registrants: READ RESERVATION's key is 0 (SPC-4 6.15.3.3) */
    assert_pr_agree(&c, 3, 0, 0x7);
    for (unsigned id = 5; id <= 7; id++) {
        g_assert_cmphex(write_status(&c, id), ==, GOOD);
    }
    pr_out_good(&c, 7, 0x00, 0, PR_KEY(7), 0);     /* unregister */
    assert_pr_agree(&c, 2, 0, 0x7);
    g_assert_cmphex(write_status(&c, 7), ==, RESERVATION_CONFLICT);
    g_assert_cmphex(write_status(&c, 5), ==, GOOD);
    /* the one that reserved leaves too: held while a registrant is */
    pr_out_good(&c, 6, 0x00, 0, PR_KEY(6), 0);
    assert_pr_agree(&c, 1, 0, 0x7);
    g_assert_cmphex(write_status(&c, 5), ==, GOOD);
    g_assert_cmphex(write_status(&c, 6), ==, RESERVATION_CONFLICT);
    cluster_free(&c);
}

/*
 * The master dies: the new master has every registration and orders the
 * next change; the old master restarted answers NOT READY, BECOMING READY
 * until it has the state, then the same as everyone.
 */
static void test_pr_failover(void)
{
    Cluster c;
    ScsiResult r;
    gint64 t0;

    pr_cluster_start(&c);
    for (unsigned id = 5; id <= 7; id++) {
        pr_out_good(&c, id, 0x00, 0, 0, PR_KEY(id));
    }
    pr_out_good(&c, 6, 0x01, 0x1, PR_KEY(6), 0);
    node_kill(&c, 5);
    g_assert_true(WAIT_UNTIL(SETTLE_MS, is_master(&c, 7)));
    assert_pr_agree(&c, 3, PR_KEY(6), 0x1);
    /* the new master orders changes: 6 releases, 7 reserves */
    t0 = now_ms();
    pr_out_good(&c, 6, 0x02, 0x1, PR_KEY(6), 0);    /* RELEASE */
    g_test_message("RELEASE after failover: GOOD after %" PRId64 " ms",
                   now_ms() - t0);
    pr_out_good(&c, 7, 0x01, 0x3, PR_KEY(7), 0);    /* RESERVE, EA */
    assert_pr_agree(&c, 3, PR_KEY(7), 0x3);

    node_start(&c, 5);
    t0 = now_ms();
    ld_ready(node_of(&c, 5)->v);
    g_test_message("restarted node 5 ready after %" PRId64 " ms",
                   now_ms() - t0);
    assert_settled(&c, 7, "node 5 restarted");
    assert_pr_agree(&c, 3, PR_KEY(7), 0x3);
    /* Exclusive Access by node 7's guest: node 5's guest cannot read */
    ld_rw(node_of(&c, 5)->v, false, 0, 1, (uint8_t[512]) { 0 }, &r);
    g_assert_cmphex(r.status, ==, RESERVATION_CONFLICT);
    cluster_free(&c);
}

/* ---- SPC-2 RESERVE/RELEASE across the nodes (seed 003 figs. 10, 19) ---- */

/* A 6- or 10-byte command without data to the logical drive: its status */
static uint8_t ld_cdb(Cluster *c, unsigned id, uint8_t op)
{
    uint8_t cdb[10] = { op };
    ScsiResult r;

    vscsi_cmd(node_of(c, id)->v, LD_TARGET, 0, cdb, op < 0x20 ? 6 : 10, 0,
              &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OK);
    return r.status;
}

/* The status of a READ(10) or WRITE(10) of one sector at LBA 0 */
static uint8_t ld_io(Cluster *c, unsigned id, bool write)
{
    uint8_t buf[512] = { 0 };
    ScsiResult r;

    if (write) {
        memcpy(buf, c->a.ref, sizeof(buf));
    }
    ld_rw(node_of(c, id)->v, write, 0, 1, buf, &r);
    g_assert_cmpuint(r.response, ==, VIRTIO_SCSI_S_OK);
    return r.status;
}

/* What node @id's guest may and may not do while another node holds it */
static void assert_reserved_elsewhere(Cluster *c, unsigned id)
{
    g_assert_cmphex(ld_io(c, id, false), ==, RESERVATION_CONFLICT);
    g_assert_cmphex(ld_io(c, id, true), ==, RESERVATION_CONFLICT);
    g_assert_cmphex(ld_cdb(c, id, TEST_UNIT_READY), ==,
                    RESERVATION_CONFLICT);
    g_assert_cmphex(ld_cdb(c, id, INQUIRY), ==, GOOD);
    g_assert_cmphex(ld_cdb(c, id, RESERVE), ==, RESERVATION_CONFLICT);
    g_assert_cmphex(ld_cdb(c, id, RESERVE_10), ==, RESERVATION_CONFLICT);
    /* a non-holder's RELEASE: GOOD, no effect (SPC-2 7.19) */
    g_assert_cmphex(ld_cdb(c, id, RELEASE), ==, GOOD);
    g_assert_cmphex(ld_io(c, id, false), ==, RESERVATION_CONFLICT);
}

/*
 * The guest HBA's LOGICAL UNIT RESET of the logical drive (virtio-scsi
 * task management on the control queue)
 */
static void guest_lu_reset(Cluster *c, unsigned id)
{
    VScsi *v = node_of(c, id)->v;
    QTestState *q = v->qs->qts;
    QVirtQueue *vq = v->vq[0];
    struct virtio_scsi_ctrl_tmf_req req = {
        .type = VIRTIO_SCSI_T_TMF,
        .subtype = VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
        .lun = { 1, LD_TARGET, 0x40, 0 },
    };
    struct virtio_scsi_ctrl_tmf_resp resp = { .response = 0xff };
    uint64_t req_addr = guest_alloc(&v->qs->alloc, sizeof(req));
    uint64_t resp_addr = guest_alloc(&v->qs->alloc, sizeof(resp));
    uint32_t head;

    qtest_memwrite(q, req_addr, &req, sizeof(req));
    qtest_memwrite(q, resp_addr, &resp, sizeof(resp));
    vq->free_head = 0;
    vq->num_free = vq->size;
    head = qvirtqueue_add(q, vq, req_addr, sizeof(req), false, true);
    qvirtqueue_add(q, vq, resp_addr, sizeof(resp), true, false);
    qvirtqueue_kick(q, &v->pdev->vdev, vq, head);
    qvirtio_wait_used_elem(q, &v->pdev->vdev, vq, head, NULL, TIMEOUT_US);
    qtest_memread(q, resp_addr, &resp, sizeof(resp));
    g_assert_cmpuint(resp.response, ==, VIRTIO_SCSI_S_OK);   /* COMPLETE */
    guest_free(&v->qs->alloc, req_addr);
    guest_free(&v->qs->alloc, resp_addr);
    /* past the reset's unit attention (29h) */
    ld_ready_at(v, LD_TARGET);
}

/*
 * Two nodes: node 2's guest reserves; node 1's guest gets RESERVATION
 * CONFLICT for I/O and RESERVE, GOOD for INQUIRY; RELEASE lets node 1
 * reserve; the guest HBA's reset on the holder releases on both nodes;
 * SIGKILL of the holder releases once membership declared it failed.
 */
static void test_spc2_two_nodes(void)
{
    Cluster c;
    gint64 t0;

    cluster_init(&c, FAST_OPTS);
    node_start(&c, 1);
    assert_settled(&c, 1, "node 1 alone");
    node_start(&c, 2);
    assert_settled(&c, 1, "node 2 joined node 1");
    ld_ready_at(node_of(&c, 1)->v, LD_TARGET);
    ld_ready_at(node_of(&c, 2)->v, LD_TARGET);

    t0 = now_ms();
    g_assert_cmphex(ld_cdb(&c, 2, RESERVE), ==, GOOD);
    g_test_message("RESERVE(6) on node 2 with node 1 told: %" PRId64 " ms",
                   now_ms() - t0);
    g_assert_cmphex(ld_io(&c, 2, true), ==, GOOD);
    g_assert_cmphex(ld_io(&c, 2, false), ==, GOOD);
    assert_reserved_elsewhere(&c, 1);

    g_assert_cmphex(ld_cdb(&c, 2, RELEASE), ==, GOOD);
    g_assert_cmphex(ld_io(&c, 1, false), ==, GOOD);
    g_assert_cmphex(ld_cdb(&c, 1, RESERVE_10), ==, GOOD);
    assert_reserved_elsewhere(&c, 2);
    g_assert_cmphex(ld_cdb(&c, 1, RELEASE_10), ==, GOOD);
    g_assert_cmphex(ld_cdb(&c, 2, TEST_UNIT_READY), ==, GOOD);

    /* the guest HBA's reset on the holder releases on every node */
    g_assert_cmphex(ld_cdb(&c, 2, RESERVE), ==, GOOD);
    g_assert_cmphex(ld_cdb(&c, 1, TEST_UNIT_READY), ==,
                    RESERVATION_CONFLICT);
    guest_lu_reset(&c, 2);
    t0 = now_ms();
    g_assert_true(WAIT_UNTIL(SETTLE_MS,
                             ld_cdb(&c, 1, TEST_UNIT_READY) == GOOD));
    g_test_message("guest LU reset on node 2: node 1 free after %" PRId64
                   " ms", now_ms() - t0);
    g_assert_cmphex(ld_cdb(&c, 1, RESERVE), ==, GOOD);
    g_assert_cmphex(ld_cdb(&c, 2, TEST_UNIT_READY), ==,
                    RESERVATION_CONFLICT);
    g_assert_cmphex(ld_cdb(&c, 1, RELEASE), ==, GOOD);

    /* the holder (the slave) dies: its reservation goes with it */
    g_assert_cmphex(ld_cdb(&c, 2, RESERVE), ==, GOOD);
    g_assert_cmphex(ld_io(&c, 1, true), ==, RESERVATION_CONFLICT);
    node_kill(&c, 2);
    t0 = now_ms();
    g_assert_true(WAIT_UNTIL(SETTLE_MS, ld_io(&c, 1, true) == GOOD));
    g_test_message("SIGKILL of holder node 2: node 1's writes run after %"
                   PRId64 " ms (heartbeat %u ms)", now_ms() - t0, HB_MS);
    g_assert_cmphex(ld_cdb(&c, 1, RESERVE), ==, GOOD);
    cluster_free(&c);
}

/*
 * Three nodes: a slave's reservation reaches the other slave, which its
 * membership does not list (the bus scan does); the master's death
 * releases its reservation on both slaves.
 */
static void test_spc2_three_nodes(void)
{
    Cluster c;
    gint64 t0;

    cluster_init(&c, FAST_OPTS);
    node_start(&c, 1);
    assert_settled(&c, 1, "node 1 alone");
    node_start(&c, 2);
    node_start(&c, 3);
    assert_settled(&c, 1, "nodes 2 and 3 joined node 1");
    for (unsigned id = 1; id <= 3; id++) {
        ld_ready_at(node_of(&c, id)->v, LD_TARGET);
    }

    g_assert_cmphex(ld_cdb(&c, 2, RESERVE), ==, GOOD);
    assert_reserved_elsewhere(&c, 3);
    assert_reserved_elsewhere(&c, 1);
    g_assert_cmphex(ld_cdb(&c, 2, RELEASE), ==, GOOD);
    g_assert_cmphex(ld_io(&c, 3, true), ==, GOOD);
    g_assert_cmphex(ld_io(&c, 1, true), ==, GOOD);

    /* the master holds it and dies: the slaves elect one, both free */
    g_assert_cmphex(ld_cdb(&c, 1, RESERVE), ==, GOOD);
    assert_reserved_elsewhere(&c, 2);
    assert_reserved_elsewhere(&c, 3);
    node_kill(&c, 1);
    t0 = now_ms();
    g_assert_true(WAIT_UNTIL(SETTLE_MS, ld_io(&c, 2, true) == GOOD &&
                                        ld_io(&c, 3, true) == GOOD));
    g_test_message("SIGKILL of holder master 1: nodes 2 and 3 free after %"
                   PRId64 " ms", now_ms() - t0);
    g_assert_cmphex(ld_cdb(&c, 3, RESERVE), ==, GOOD);
    g_assert_true(WAIT_UNTIL(SETTLE_MS, is_master(&c, 3)));
    g_assert_cmphex(ld_io(&c, 2, false), ==, RESERVATION_CONFLICT);
    cluster_free(&c);
}

/* 80h/0Ah NOT THE MASTER, the master in INFORMATION (VALID) */
static void assert_not_master(const ScsiResult *r, unsigned master)
{
    g_assert_cmpuint(r->response, ==, VIRTIO_SCSI_S_OK);
    g_assert_cmpuint(r->status, ==, CHECK_CONDITION);
    g_assert_cmphex(r->sense[0], ==, 0xf0);
    g_assert_cmphex(r->sense[2] & 0xf, ==, ILLEGAL_REQUEST);
    g_assert_cmphex(r->sense[12], ==, 0x80);
    g_assert_cmphex(r->sense[13], ==, 0x0a);
    g_assert_cmpuint(ldl_be_p(r->sense + 3), ==, master);
}

/*
 * Guest management in a cluster (docs/sraidctl.md): every guest sees the
 * nodes, their states and the master; a slave's guest asking for a change
 * is told to run it on the master, named in the sense's INFORMATION.
 */
static void test_guest_mgmt_slave(void)
{
    static const uint8_t raid1[48 + 4] = { 1, 1, 2, [48] = 0, 0, 1, 0 };
    uint8_t del[8] = { 0 };
    uint8_t buf[256];
    ScsiResult r;
    Cluster c;

    cluster_init(&c, FAST_OPTS ",guest-management=full");
    node_start(&c, 5);
    assert_settled(&c, 5, "node 5 alone");
    node_start(&c, 6);
    assert_settled(&c, 5, "node 6 joined node 5");

    vscsi_mgmt(node_of(&c, 6)->v, CTRL_ID, 0x80, NULL, 0, buf, sizeof(buf),
               &r);
    assert_good(&r);
    g_assert_cmphex(buf[4], ==, 6);
    g_assert_cmphex(buf[5], ==, 7);                 /* ACTIVE_SLAVE */
    g_assert_cmphex(buf[7], ==, 5);                 /* the master */
    g_assert_cmphex(buf[8] & 0x05, ==, 0x05);       /* cluster, array */
    g_assert_cmphex(buf[11], ==, 2);
    g_assert_cmphex(buf[80], ==, 5);
    g_assert_cmphex(buf[81], ==, 1);                /* MASTER */
    g_assert_cmphex(buf[83], ==, 0x02);
    g_assert_cmphex(buf[88], ==, 6);
    g_assert_cmphex(buf[91], ==, 0x01);             /* this node */

    /* changes on the slave: "run it on node 5" */
    vscsi_mgmt(node_of(&c, 6)->v, CTRL_ID, 0x90, raid1, sizeof(raid1),
               NULL, 0, &r);
    assert_not_master(&r, 5);
    vscsi_mgmt(node_of(&c, 6)->v, CTRL_ID, 0x91, del, sizeof(del), NULL, 0,
               &r);
    assert_not_master(&r, 5);

    /* the master's guest sees itself as master */
    vscsi_mgmt(node_of(&c, 5)->v, CTRL_ID, 0x80, NULL, 0, buf, sizeof(buf),
               &r);
    assert_good(&r);
    g_assert_cmphex(buf[4], ==, 5);
    g_assert_cmphex(buf[5], ==, 1);
    g_assert_cmphex(buf[7], ==, 5);
    g_assert_cmphex(buf[83], ==, 0x03);             /* master, this node */
    cluster_free(&c);
}

void sraid_cluster_test_register(void)
{
    if (!getenv("SRAID_IMG")) {
        return;                     /* run by make check, which sets it */
    }
    qtest_add_func("/sraid/cluster/elect-together", test_elect_together);
    qtest_add_func("/sraid/cluster/join-and-master-kill",
                   test_join_and_master_kill);
    qtest_add_func("/sraid/cluster/fast-restart", test_fast_restart);
    qtest_add_func("/sraid/cluster/cables", test_cables);
    qtest_add_func("/sraid/cluster/partition", test_partition);
    qtest_add_func("/sraid/cluster/peer-fails-at-once",
                   test_peer_fails_at_once);
    qtest_add_func("/sraid/cluster/faults", test_faults);
    qtest_add_func("/sraid/cluster/pr-windows", test_pr_windows);
    qtest_add_func("/sraid/cluster/pr-fence", test_pr_fence);
    qtest_add_func("/sraid/cluster/pr-all-registrants",
                   test_pr_all_registrants);
    qtest_add_func("/sraid/cluster/pr-failover", test_pr_failover);
    qtest_add_func("/sraid/cluster/spc2-two-nodes", test_spc2_two_nodes);
    qtest_add_func("/sraid/cluster/spc2-three-nodes", test_spc2_three_nodes);
    qtest_add_func("/sraid/cluster/guest-mgmt-slave", test_guest_mgmt_slave);
}
