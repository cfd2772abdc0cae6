/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests: cluster-wide SPC-2 reservations (resv2-cluster.h, seed 003
 * figs. 10, 12, 19).  Up to four nodes on a virtual bus with virtual
 * time: each node's SraidResv2Cluster sends Node_Reserve/Node_Release,
 * the receiving node's real vendor command layer (vendor-exec.c) answers
 * them from its reservation table.  Messages are delivered in order, one
 * at a time; a dead node's commands time out.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "node-state.h"
#include "resv2-cluster.h"
#include "scsi-proto.h"
#include "vendor-exec.h"

#define WAIT_MS         100
#define TIMEOUT_MS      500
#define MAX_TAGS        64
#define NO_STATUS       0xff

#define OP_TUR          0x00
#define OP_INQUIRY      0x12
#define OP_READ_10      0x28
#define OP_WRITE_10     0x2a

typedef struct Node {
    bool present;                   /* in the test's cluster */
    bool alive;                     /* answers commands */
    uint8_t id;
    uint16_t view;                  /* the peers it believes live */
    SraidVendorNode vn;
    SraidResv2Cluster *rc;
    unsigned taken, released;       /* ops->changed */
    const char *last_why;
} Node;

typedef struct Msg {
    uint8_t from, to;
    bool answer;
    uint8_t cdb[SRAID_VENDOR_CDB_LEN];
    uint8_t data[SRAID_RESV_ENTRY_LEN];
    uint64_t token;
    int err;
    SraidScsiResult r;
} Msg;

static Node nodes[SRAID_NODE_MAX];
static GQueue bus;
static uint64_t now;
static uint8_t results[MAX_TAGS];   /* status by tag */
static uint64_t next_tag;
/* Node_Reserve / Node_Release sent, [from][to] */
static unsigned sent_reserve[SRAID_NODE_MAX][SRAID_NODE_MAX];
static unsigned sent_release[SRAID_NODE_MAX][SRAID_NODE_MAX];

/* ---- ops ---- */

static uint64_t op_now_ms(void *opaque)
{
    return now;
}

static uint16_t op_peers(void *opaque, uint8_t *channel)
{
    Node *n = opaque;

    *channel = 1;
    return n->view;
}

static void op_send(void *opaque, uint8_t node, uint8_t channel,
                    const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                    size_t out_len, uint32_t timeout_ms, uint64_t token)
{
    Node *n = opaque;
    Msg *m = g_new0(Msg, 1);

    g_assert_cmpuint(channel, ==, 1);
    g_assert_cmpuint(timeout_ms, ==, TIMEOUT_MS);
    g_assert_cmpuint(cdb_len, ==, SRAID_VENDOR_CDB_LEN);
    g_assert_cmpuint(out_len, ==, SRAID_RESV_ENTRY_LEN);
    g_assert_cmpuint(node, !=, n->id);
    m->from = n->id;
    m->to = node;
    memcpy(m->cdb, cdb, cdb_len);
    memcpy(m->data, out, out_len);
    m->token = token;
    if (cdb[2] == SRAID_DCMD_NODE_RESERVE) {
        sent_reserve[n->id][node]++;
    } else {
        g_assert_cmpuint(cdb[2], ==, SRAID_DCMD_NODE_RELEASE);
        sent_release[n->id][node]++;
    }
    g_queue_push_tail(&bus, m);
}

static void op_done(void *opaque, uint64_t tag, const SraidScsiResult *res)
{
    g_assert_cmpuint(tag, <, MAX_TAGS);
    g_assert_cmpuint(results[tag], ==, NO_STATUS);    /* exactly once */
    results[tag] = res->status;
}

static void op_changed(void *opaque, uint8_t ld, const char *why)
{
    Node *n = opaque;

    if (why) {
        n->released++;
    } else {
        n->taken++;
    }
    n->last_why = why;
}

static const SraidResv2ClusterOps rc_ops = {
    .now_ms = op_now_ms,
    .peers = op_peers,
    .send = op_send,
    .done = op_done,
    .changed = op_changed,
};

/* The vendor layer of the receiving node tells its resv2-cluster */
static void vn_reservation_changed(void *opaque, const SraidVendorNexus *nx,
                                   const SraidResvEntry *e, bool reserved)
{
    Node *n = opaque;

    sraid_resv2_cluster_table_changed(n->rc, e, reserved);
}

static const SraidVendorOps vn_ops = {
    .reservation_changed = vn_reservation_changed,
};

/* ---- the cluster ---- */

static void cluster(const uint8_t *ids, unsigned count)
{
    SraidResv2ClusterConfig cfg = { .wait_ms = WAIT_MS,
                                    .timeout_ms = TIMEOUT_MS };
    uint16_t all = 0;

    g_queue_init(&bus);
    memset(nodes, 0, sizeof(nodes));
    memset(results, NO_STATUS, sizeof(results));
    memset(sent_reserve, 0, sizeof(sent_reserve));
    memset(sent_release, 0, sizeof(sent_release));
    next_tag = 1;
    now = 1000;
    for (unsigned i = 0; i < count; i++) {
        all |= 1u << ids[i];
    }
    for (unsigned i = 0; i < count; i++) {
        Node *n = &nodes[ids[i]];

        n->present = n->alive = true;
        n->id = ids[i];
        n->view = all & ~(1u << n->id);
        sraid_vendor_node_init(&n->vn, n->id);
        sraid_vendor_node_set_ops(&n->vn, &vn_ops, n);
        sraid_vendor_node_set_state(&n->vn, SRAID_NODE_NEXUS_SLAVE,
                                    SRAID_NODE_INFO_COMPLETED_STARTUP);
        cfg.node_id = n->id;
        n->rc = sraid_resv2_cluster_new(&cfg, &n->vn.mem, &rc_ops, n);
    }
}

static void cluster_free(void)
{
    Msg *m;

    for (unsigned i = 0; i < SRAID_NODE_MAX; i++) {
        sraid_resv2_cluster_free(nodes[i].rc);
    }
    while ((m = g_queue_pop_head(&bus))) {
        g_free(m);
    }
}

/* Deliver one message: a command to its node, an answer to its sender */
static void deliver(Msg *m)
{
    Node *to = &nodes[m->to];

    if (m->answer) {
        if (to->alive) {
            sraid_resv2_cluster_cmd_done(to->rc, m->token, m->err,
                                         m->err ? NULL : &m->r);
        }
        g_free(m);
        return;
    }
    m->answer = true;
    if (!to->present || !to->alive) {
        m->err = -ETIMEDOUT;        /* after the timeout, below */
    } else {
        SraidVendorNexus nx = {
            .source = SRAID_VENDOR_FROM_PEER,
            .node = m->from,
            .channel = 1,
        };

        sraid_vendor_cmd_execute(&to->vn, &nx, m->cdb, sizeof(m->cdb),
                                 m->data, sizeof(m->data), NULL, 0, &m->r);
    }
    m->to = m->from;
    g_queue_push_tail(&bus, m);
}

static void run_bus(void)
{
    Msg *m;

    while ((m = g_queue_pop_head(&bus))) {
        if (!m->answer && m->to < SRAID_NODE_MAX && !nodes[m->to].alive) {
            now += TIMEOUT_MS;
        }
        deliver(m);
    }
}

/* Deliver everything and run the timers until nothing is left to do */
static void settle(void)
{
    for (unsigned i = 0; i < 100; i++) {
        uint64_t when = UINT64_MAX;

        run_bus();
        for (unsigned id = 0; id < SRAID_NODE_MAX; id++) {
            if (nodes[id].rc && nodes[id].alive) {
                when = MIN(when,
                           sraid_resv2_cluster_next_deadline(nodes[id].rc));
            }
        }
        if (when == UINT64_MAX) {
            return;
        }
        now = MAX(now, when);
        for (unsigned id = 0; id < SRAID_NODE_MAX; id++) {
            if (nodes[id].rc && nodes[id].alive &&
                sraid_resv2_cluster_next_deadline(nodes[id].rc) <= now) {
                sraid_resv2_cluster_tick(nodes[id].rc);
            }
        }
    }
    g_assert_not_reached();
}

static SraidPrNexus guest(uint8_t node)
{
    SraidPrNexus nx;

    sraid_pr_nexus_guest(&nx, node);
    return nx;
}

static SraidPrNexus iscsi(const char *name)
{
    SraidPrNexus nx;

    g_assert_true(sraid_pr_nexus_iscsi(&nx, name, 0x400001, 1));
    return nx;
}

/* Start RESERVE(6) or RELEASE(6) on @id's logical drive 3; its tag */
static uint64_t issue(uint8_t id, const SraidPrNexus *nx, uint8_t op)
{
    uint8_t cdb[6] = { op };
    uint64_t tag = next_tag++;
    SraidScsiResult res;

    g_assert_cmpuint(tag, <, MAX_TAGS);
    if (sraid_resv2_cluster_execute(nodes[id].rc, 3, nx, cdb, sizeof(cdb),
                                    tag, &res)) {
        results[tag] = res.status;
    }
    return tag;
}

/* RESERVE or RELEASE run to its end: the status */
static uint8_t cmd(uint8_t id, const SraidPrNexus *nx, uint8_t op)
{
    uint64_t tag = issue(id, nx, op);

    settle();
    g_assert_cmpuint(results[tag], !=, NO_STATUS);
    return results[tag];
}

static SraidResv2Access check(uint8_t id, const SraidPrNexus *nx, uint8_t op)
{
    uint8_t cdb[10] = { op };

    return sraid_resv2_cluster_check(nodes[id].rc, 3, nx, cdb, sizeof(cdb));
}

/* Every node of @ids has @holder as the holder of logical drive 3 */
static void assert_tables(const uint8_t *ids, unsigned count, uint8_t holder)
{
    for (unsigned i = 0; i < count; i++) {
        g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[ids[i]].rc, 3), ==,
                         holder);
        g_assert_cmpuint(sraid_node_resv_holder(&nodes[ids[i]].vn.mem, 3, 0),
                         ==, holder);
    }
}

/* ---- tests ---- */

/* Fig. 10 without contention, fig. 19, and what the other node sees */
static void test_two_nodes(void)
{
    static const uint8_t ids[] = { 1, 2 };
    SraidPrNexus g1 = guest(1), g2 = guest(2);
    SraidPrNexus i1 = iscsi("iqn.2026-01.test:one");
    uint64_t tag;

    cluster(ids, 2);
    /* nothing reserved: RELEASE is GOOD at once, nothing sent (1910) */
    tag = issue(1, &g1, SRAID_OP_RELEASE_6);
    g_assert_cmpuint(results[tag], ==, SRAID_STATUS_GOOD);
    g_assert_true(g_queue_is_empty(&bus));

    /* 1015, 1040: node 2 learns it before GOOD */
    tag = issue(1, &g1, SRAID_OP_RESERVE_6);
    g_assert_cmpuint(results[tag], ==, NO_STATUS);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[1].rc, 3), ==, 1);
    g_assert_false(sraid_resv2_cluster_is_holder(nodes[1].rc, 3, &g1));
    settle();
    g_assert_cmpuint(results[tag], ==, SRAID_STATUS_GOOD);
    g_assert_true(sraid_resv2_cluster_is_holder(nodes[1].rc, 3, &g1));
    g_assert_cmpuint(nodes[1].taken, ==, 1);
    assert_tables(ids, 2, 1);
    g_assert_cmpuint(sent_reserve[1][2], ==, 1);

    /* node 2: SPC-2 5.5.1 for every nexus there */
    g_assert_cmpint(check(2, &g2, OP_READ_10), ==, SRAID_RESV2_CONFLICT);
    g_assert_cmpint(check(2, &g2, OP_WRITE_10), ==, SRAID_RESV2_CONFLICT);
    g_assert_cmpint(check(2, &g2, OP_TUR), ==, SRAID_RESV2_CONFLICT);
    g_assert_cmpint(check(2, &g2, OP_INQUIRY), ==, SRAID_RESV2_ALLOWED);
    g_assert_cmpint(check(2, &g2, SRAID_OP_RELEASE_6), ==,
                    SRAID_RESV2_ALLOWED);
    /* node 1: the holder may, its other initiators may not */
    g_assert_cmpint(check(1, &g1, OP_WRITE_10), ==, SRAID_RESV2_ALLOWED);
    g_assert_cmpint(check(1, &i1, OP_WRITE_10), ==, SRAID_RESV2_CONFLICT);
    g_assert_cmpint(check(1, &i1, OP_INQUIRY), ==, SRAID_RESV2_ALLOWED);

    /* step 1005 on node 2: conflict at once, nothing sent */
    tag = issue(2, &g2, SRAID_OP_RESERVE_6);
    g_assert_cmpuint(results[tag], ==, SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_true(g_queue_is_empty(&bus));
    /* the local rules on node 1 */
    g_assert_cmpuint(cmd(1, &i1, SRAID_OP_RESERVE_6), ==,
                     SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_cmpuint(cmd(1, &g1, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(sent_reserve[1][2], ==, 1);
    /* a non-holder's RELEASE has no effect, here or there */
    g_assert_cmpuint(cmd(2, &g2, SRAID_OP_RELEASE_6), ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(cmd(1, &i1, SRAID_OP_RELEASE_6), ==, SRAID_STATUS_GOOD);
    assert_tables(ids, 2, 1);

    /* fig. 19: GOOD once node 2's entry is gone too */
    tag = issue(1, &g1, SRAID_OP_RELEASE_6);
    g_assert_cmpuint(results[tag], ==, NO_STATUS);
    g_assert_false(sraid_resv2_cluster_is_holder(nodes[1].rc, 3, &g1));
    settle();
    g_assert_cmpuint(results[tag], ==, SRAID_STATUS_GOOD);
    assert_tables(ids, 2, SRAID_NODE_NONE);
    g_assert_cmpuint(sent_release[1][2], ==, 1);
    g_assert_cmpint(check(2, &g2, OP_READ_10), ==, SRAID_RESV2_ALLOWED);
    /* now node 2 can */
    g_assert_cmpuint(cmd(2, &g2, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    assert_tables(ids, 2, 2);
    g_assert_cmpint(check(1, &g1, OP_READ_10), ==, SRAID_RESV2_CONFLICT);
    cluster_free();
}

/* The seed's race: both reserve at once, the higher id wins (1045-1050) */
static void race(uint8_t first, uint8_t second)
{
    static const uint8_t ids[] = { 1, 2 };
    SraidPrNexus a = guest(first), b = guest(second);
    uint64_t ta, tb, t0;

    cluster(ids, 2);
    t0 = now;
    ta = issue(first, &a, SRAID_OP_RESERVE_6);
    tb = issue(second, &b, SRAID_OP_RESERVE_6);
    /* both made their entry (1015) before any message arrived */
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[1].rc, 3), ==, 1);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[2].rc, 3), ==, 2);
    settle();
    g_assert_cmpuint(results[first == 2 ? ta : tb], ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(results[first == 2 ? tb : ta], ==,
                     SRAID_STATUS_RESERVATION_CONFLICT);
    assert_tables(ids, 2, 2);
    g_assert_true(sraid_resv2_cluster_is_holder(nodes[2].rc, 3,
                                                first == 2 ? &a : &b));
    g_assert_false(sraid_resv2_cluster_is_holder(nodes[1].rc, 3,
                                                 first == 1 ? &a : &b));
    /* node 2 waited (1045) and asked again once (1040) */
    g_assert_cmpuint(now - t0, >=, WAIT_MS);
    g_assert_cmpuint(sent_reserve[2][1], ==, 2);
    /* node 1 withdrew (1035) where it had reserved: nowhere */
    g_assert_cmpuint(sent_reserve[1][2], ==, 1);
    g_assert_cmpuint(sent_release[1][2], ==, 0);
    cluster_free();
}

static void test_race(void)
{
    race(1, 2);
    race(2, 1);
}

/*
 * A genuine reservation of a lower node that this node's table does not
 * show: the higher node asks once more after the wait, then conflicts
 * (1035) and takes its entry back.
 */
static void test_retry_once(void)
{
    static const uint8_t ids[] = { 1, 2 };
    SraidPrNexus g1 = guest(1), g2 = guest(2);
    uint64_t t0;

    cluster(ids, 2);
    nodes[1].view = 0;                  /* node 1 reserves alone */
    g_assert_cmpuint(cmd(1, &g1, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    nodes[1].view = 1u << 2;
    t0 = now;
    g_assert_cmpuint(cmd(2, &g2, SRAID_OP_RESERVE_6), ==,
                     SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_cmpuint(now - t0, >=, WAIT_MS);
    g_assert_cmpuint(sent_reserve[2][1], ==, 2);
    g_assert_cmpuint(sent_release[2][1], ==, 0);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[2].rc, 3), ==,
                     SRAID_NODE_NONE);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[1].rc, 3), ==, 1);
    g_assert_true(sraid_resv2_cluster_is_holder(nodes[1].rc, 3, &g1));
    cluster_free();
}

/*
 * Three nodes: everybody learns it; a three-way race; a lower node wins
 * the third node first and still withdraws everywhere
 */
static void test_three_nodes(void)
{
    static const uint8_t ids[] = { 0, 1, 2 };
    SraidPrNexus g[3] = { guest(0), guest(1), guest(2) };
    uint64_t t[3];

    cluster(ids, 3);
    g_assert_cmpuint(cmd(1, &g[1], SRAID_OP_RESERVE_6), ==,
                     SRAID_STATUS_GOOD);
    assert_tables(ids, 3, 1);
    g_assert_cmpint(check(0, &g[0], OP_READ_10), ==, SRAID_RESV2_CONFLICT);
    g_assert_cmpint(check(2, &g[2], OP_READ_10), ==, SRAID_RESV2_CONFLICT);
    g_assert_cmpuint(cmd(1, &g[1], SRAID_OP_RELEASE_6), ==,
                     SRAID_STATUS_GOOD);
    assert_tables(ids, 3, SRAID_NODE_NONE);
    cluster_free();

    /* all three at once: node 2 wins, 0 and 1 end without entries */
    cluster(ids, 3);
    for (unsigned i = 0; i < 3; i++) {
        t[i] = issue(i, &g[i], SRAID_OP_RESERVE_6);
    }
    settle();
    g_assert_cmpuint(results[t[2]], ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(results[t[1]], ==, SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_cmpuint(results[t[0]], ==, SRAID_STATUS_RESERVATION_CONFLICT);
    assert_tables(ids, 3, 2);
    g_assert_true(sraid_resv2_cluster_is_holder(nodes[2].rc, 3, &g[2]));
    cluster_free();

    /*
     * Node 0 and node 2 race; node 0's Node_Reserve reaches node 1 first
     * (issued first), so node 0 had to take it back from node 1 (1035).
     */
    cluster(ids, 3);
    t[0] = issue(0, &g[0], SRAID_OP_RESERVE_6);
    t[2] = issue(2, &g[2], SRAID_OP_RESERVE_6);
    settle();
    g_assert_cmpuint(results[t[2]], ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(results[t[0]], ==, SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_cmpuint(sent_release[0][1], ==, 1);
    assert_tables(ids, 3, 2);
    cluster_free();
}

/*
 * A dead peer: it does not answer, the reservation is granted without it
 * (membership will declare it failed).  The holder's death: membership
 * tells a node, which drops the holder's entries and tells the others.
 */
static void test_dead_peer(void)
{
    static const uint8_t ids[] = { 1, 2, 3 };
    SraidPrNexus g1 = guest(1), g2 = guest(2), g3 = guest(3);
    uint64_t t0 = 0;

    cluster(ids, 3);
    nodes[3].alive = false;
    t0 = now;
    g_assert_cmpuint(cmd(1, &g1, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(now - t0, >=, TIMEOUT_MS);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[2].rc, 3), ==, 1);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[3].rc, 3), ==,
                     SRAID_NODE_NONE);

    /* node 3 comes back and learns it from node 2 ... */
    nodes[3].alive = true;
    g_assert_cmpuint(cmd(3, &g3, SRAID_OP_RESERVE_6), ==,
                     SRAID_STATUS_RESERVATION_CONFLICT);
    /* ... its Node_Reserve refused by both (it is the highest: retried) */
    g_assert_cmpuint(sent_reserve[3][1], ==, 2);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[3].rc, 3), ==,
                     SRAID_NODE_NONE);
    sraid_node_resv_reserve(&nodes[3].vn.mem,
                            &(SraidResvEntry){ 3, 0, 1 });

    /* node 1 dies holding it; membership on node 2 says so */
    nodes[1].alive = false;
    nodes[2].view &= ~(1u << 1);
    g_assert_cmpint(check(2, &g2, OP_WRITE_10), ==, SRAID_RESV2_CONFLICT);
    sraid_resv2_cluster_node_changed(nodes[2].rc, 1, SRAID_NODE_NEXUS_SLAVE,
                                     SRAID_NODE_FAILED_SLAVE);
    g_assert_cmpint(check(2, &g2, OP_WRITE_10), ==, SRAID_RESV2_ALLOWED);
    settle();
    /* node 3 did not see it, node 2 told it */
    g_assert_cmpuint(sent_release[2][3], ==, 1);
    g_assert_cmpuint(sent_release[2][1], ==, 0);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[3].rc, 3), ==,
                     SRAID_NODE_NONE);
    g_assert_cmpint(check(3, &g3, OP_WRITE_10), ==, SRAID_RESV2_ALLOWED);
    /* a state that keeps the reservations drops nothing */
    g_assert_cmpuint(cmd(2, &g2, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    sraid_resv2_cluster_node_changed(nodes[3].rc, 2, SRAID_NODE_NEXUS_SLAVE,
                                     SRAID_NODE_ACTIVE_SLAVE);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[3].rc, 3), ==, 2);
    /* a fast restart does (Table 20: new again) */
    sraid_resv2_cluster_node_changed(nodes[3].rc, 2, SRAID_NODE_NEXUS_SLAVE,
                                     SRAID_NODE_NEW_SLAVE);
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[3].rc, 3), ==,
                     SRAID_NODE_NONE);
    cluster_free();
}

/* A RESERVE waiting for a peer that is declared failed ends at once */
static void test_failed_while_asking(void)
{
    static const uint8_t ids[] = { 1, 2 };
    SraidPrNexus g1 = guest(1);
    uint64_t tag;
    Msg *m;

    cluster(ids, 2);
    tag = issue(1, &g1, SRAID_OP_RESERVE_6);
    m = g_queue_pop_head(&bus);         /* lost on the way */
    g_free(m);
    g_assert_cmpuint(results[tag], ==, NO_STATUS);
    sraid_resv2_cluster_node_changed(nodes[1].rc, 2, SRAID_NODE_NEXUS_SLAVE,
                                     SRAID_NODE_FAILED_SLAVE);
    g_assert_cmpuint(results[tag], ==, SRAID_STATUS_GOOD);
    g_assert_true(sraid_resv2_cluster_is_holder(nodes[1].rc, 3, &g1));
    cluster_free();
}

/* Resets and nexus loss release on every node (SPC-2 5.5.1) */
static void test_release_propagation(void)
{
    static const uint8_t ids[] = { 1, 2, 3 };
    SraidPrNexus g1 = guest(1), g2 = guest(2);
    SraidPrNexus i1 = iscsi("iqn.2026-01.test:one");
    uint64_t tag;

    cluster(ids, 3);
    /* a logical unit reset on node 2 while node 1 holds it */
    g_assert_cmpuint(cmd(1, &g1, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    g_assert_false(sraid_resv2_cluster_reset(nodes[3].rc, 2));
    g_assert_true(sraid_resv2_cluster_reset(nodes[2].rc, 3));
    settle();
    assert_tables(ids, 3, SRAID_NODE_NONE);
    g_assert_false(sraid_resv2_cluster_is_holder(nodes[1].rc, 3, &g1));
    g_assert_cmpuint(nodes[1].released, ==, 1);
    g_assert_cmpstr(nodes[1].last_why, ==, "peer release");
    g_assert_cmpint(check(1, &i1, OP_WRITE_10), ==, SRAID_RESV2_ALLOWED);

    /* a reset on the holder's node */
    g_assert_cmpuint(cmd(1, &g1, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    g_assert_true(sraid_resv2_cluster_reset(nodes[1].rc, 3));
    g_assert_false(sraid_resv2_cluster_reset(nodes[1].rc, 3));
    settle();
    assert_tables(ids, 3, SRAID_NODE_NONE);
    g_assert_cmpstr(nodes[1].last_why, ==, "reset");

    /* nexus loss: only the holder's */
    g_assert_cmpuint(cmd(1, &i1, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(sraid_resv2_cluster_nexus_lost(nodes[1].rc,
                                                    SRAID_NODE_NONE, &g1),
                     ==, 0);
    settle();
    assert_tables(ids, 3, 1);
    g_assert_cmpuint(sraid_resv2_cluster_nexus_lost(nodes[1].rc, 3, &i1),
                     ==, 1);
    settle();
    assert_tables(ids, 3, SRAID_NODE_NONE);
    g_assert_cmpuint(cmd(2, &g2, SRAID_OP_RESERVE_6), ==, SRAID_STATUS_GOOD);
    assert_tables(ids, 3, 2);

    /*
     * A reset on node 2 after it took node 1's entry, before node 1 heard
     * back: node 1 finds its entry gone (asked()), withdraws, conflicts;
     * no table keeps anything.
     */
    g_assert_cmpuint(cmd(2, &g2, SRAID_OP_RELEASE_6), ==, SRAID_STATUS_GOOD);
    tag = issue(1, &g1, SRAID_OP_RESERVE_6);
    deliver(g_queue_pop_head(&bus));            /* node 1 -> node 2 */
    g_assert_true(sraid_resv2_cluster_reset(nodes[2].rc, 3));
    settle();
    g_assert_cmpuint(results[tag], ==, SRAID_STATUS_RESERVATION_CONFLICT);
    assert_tables(ids, 3, SRAID_NODE_NONE);
    g_assert_false(sraid_resv2_cluster_is_holder(nodes[1].rc, 3, &g1));
    cluster_free();
}

/* Commands of one logical drive run in order; this node suspended */
static void test_queue_and_suspend(void)
{
    static const uint8_t ids[] = { 1, 2 };
    SraidPrNexus g1 = guest(1);
    SraidPrNexus i1 = iscsi("iqn.2026-01.test:one");
    uint64_t a, b;

    cluster(ids, 2);
    a = issue(1, &i1, SRAID_OP_RESERVE_6);
    b = issue(1, &g1, SRAID_OP_RESERVE_6);
    g_assert_cmpuint(results[a], ==, NO_STATUS);
    g_assert_cmpuint(results[b], ==, NO_STATUS);
    settle();
    g_assert_cmpuint(results[a], ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(results[b], ==, SRAID_STATUS_RESERVATION_CONFLICT);

    /* killed: everything this node knew is stale */
    sraid_node_resv_reserve(&nodes[1].vn.mem, &(SraidResvEntry){ 5, 0, 2 });
    sraid_resv2_cluster_node_changed(nodes[1].rc, 1, SRAID_NODE_ACTIVE_SLAVE,
                                     SRAID_NODE_KILLED_SLAVE);
    g_assert_false(sraid_resv2_cluster_is_holder(nodes[1].rc, 3, &i1));
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[1].rc, 3), ==,
                     SRAID_NODE_NONE);
    g_assert_cmpuint(sraid_node_resv_holder(&nodes[1].vn.mem, 5, 0), ==,
                     SRAID_NODE_NONE);
    g_assert_cmpstr(nodes[1].last_why, ==, "suspended");

    /* a controller going away ends what is pending in BUSY */
    a = issue(1, &g1, SRAID_OP_RESERVE_6);
    g_assert_cmpuint(results[a], ==, NO_STATUS);
    sraid_resv2_cluster_free(nodes[1].rc);
    nodes[1].rc = NULL;
    g_assert_cmpuint(results[a], ==, SRAID_STATUS_BUSY);
    cluster_free();
}

/* CDB errors of resv2.c end at once, without a message */
static void test_cdb_refused(void)
{
    static const uint8_t ids[] = { 1, 2 };
    SraidPrNexus g1 = guest(1);
    uint8_t cdb[6] = { SRAID_OP_RESERVE_6, 0x10 };     /* 3RDPTY */
    SraidScsiResult res;

    cluster(ids, 2);
    g_assert_true(sraid_resv2_cluster_execute(nodes[1].rc, 3, &g1, cdb,
                                              sizeof(cdb), 1, &res));
    g_assert_cmpuint(res.status, ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_true(g_queue_is_empty(&bus));
    g_assert_cmpuint(sraid_resv2_cluster_holder(nodes[1].rc, 3), ==,
                     SRAID_NODE_NONE);
    cluster_free();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/resv2-cluster/two-nodes", test_two_nodes);
    g_test_add_func("/resv2-cluster/race", test_race);
    g_test_add_func("/resv2-cluster/retry-once", test_retry_once);
    g_test_add_func("/resv2-cluster/three-nodes", test_three_nodes);
    g_test_add_func("/resv2-cluster/dead-peer", test_dead_peer);
    g_test_add_func("/resv2-cluster/failed-while-asking",
                    test_failed_while_asking);
    g_test_add_func("/resv2-cluster/release-propagation",
                    test_release_propagation);
    g_test_add_func("/resv2-cluster/queue-and-suspend",
                    test_queue_and_suspend);
    g_test_add_func("/resv2-cluster/cdb-refused", test_cdb_refused);
    return g_test_run();
}
