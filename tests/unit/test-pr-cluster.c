/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests: persistent reservations across the cluster (pr-cluster.h)
 * and the parameter lists of DCMDs 20h-24h (pr-cluster-msg.h).  A few
 * controllers are wired to an in-memory bus whose messages the tests
 * deliver, hold back, lose or cut; membership's word (master, epoch, live
 * nodes) is set by hand.  The random schedules with crashes and
 * partitions are the simulator's (tests/sim).
 */
#include <glib.h>
#include <string.h>

#include "cod.h"
#include "le-bytes.h"
#include "pr-cluster.h"
#include "scsi-proto.h"

#define NODES           8
#define LD              3

typedef struct Net Net;

typedef struct Done {
    uint64_t token;
    SraidScsiResult res;
} Done;

typedef struct Node {
    Net *net;
    uint8_t id;
    SraidPrCluster *c;
    bool up;
    GArray *done;                   /* Done */
    GPtrArray *fx;                  /* SraidPrEffects copies */
    bool hold_aborts;               /* aborts do not end by themselves */
    GArray *held;                   /* uint64_t effects tokens */
    GArray *persisted;              /* uint64_t persist tokens */
    bool persist_fails;
    unsigned persists;
    SraidPrState stored;
} Node;

typedef struct Msg {
    uint8_t from, to;
    uint8_t dcmd;
    uint8_t ld;                     /* byte 3 of PR_Collect */
    uint8_t *data;
    size_t len;
    size_t in_len;
    uint64_t token;
} Msg;

struct Net {
    uint64_t now;
    Node n[NODES];
    GQueue msgs;
    bool cut[NODES][NODES];
    unsigned sent[256];             /* per DCMD */
};

static uint64_t op_now(void *opaque)
{
    Node *n = opaque;

    return n->net->now;
}

static void op_send(void *opaque, uint8_t node, uint8_t channel,
                    const uint8_t *cdb, size_t cdb_len, const uint8_t *out,
                    size_t out_len, size_t in_len, uint32_t timeout_ms,
                    uint64_t token)
{
    Node *n = opaque;
    Msg *m = g_new0(Msg, 1);

    g_assert_cmpuint(cdb_len, ==, 10);
    g_assert_cmphex(cdb[0], ==, 0x20);
    g_assert_cmpuint(sraid_get_le16(cdb + 7), ==, in_len ? in_len : out_len);
    g_assert_true(!in_len || !out_len);
    m->from = n->id;
    m->to = node;
    m->dcmd = cdb[2];
    m->ld = cdb[3];
    m->in_len = in_len;
    m->data = g_memdup2(out, out_len);
    m->len = out_len;
    m->token = token;
    n->net->sent[m->dcmd]++;
    g_queue_push_tail(&n->net->msgs, m);
}

static void op_complete(void *opaque, uint64_t token,
                        const SraidScsiResult *res)
{
    Node *n = opaque;
    Done d = { .token = token, .res = *res };

    for (unsigned i = 0; i < n->done->len; i++) {
        /* exactly once */
        g_assert_cmpuint(g_array_index(n->done, Done, i).token, !=, token);
    }
    g_array_append_val(n->done, d);
}

static bool op_effects(void *opaque, uint8_t ld, const SraidPrEffects *fx,
                       uint64_t skip, uint64_t token)
{
    Node *n = opaque;
    bool aborts = false;

    g_assert_cmpuint(ld, ==, LD);
    g_ptr_array_add(n->fx, g_memdup2(fx, sizeof(*fx)));
    for (unsigned i = 0; i < fx->n; i++) {
        aborts |= fx->e[i].kind == SRAID_PR_EFFECT_ABORT;
    }
    if (aborts && n->hold_aborts) {
        g_array_append_val(n->held, token);
        return true;
    }
    return false;
}

static void op_persist(void *opaque, uint8_t ld, const SraidPrState *st,
                       uint64_t token)
{
    Node *n = opaque;

    n->persists++;
    if (!n->persist_fails) {
        n->stored = *st;
    }
    g_array_append_val(n->persisted, token);
}

static const SraidPrClusterOps ops = {
    .now_ms = op_now,
    .send = op_send,
    .complete = op_complete,
    .effects = op_effects,
    .persist = op_persist,
};

static Net *net_new(void)
{
    Net *net = g_new0(Net, 1);

    g_queue_init(&net->msgs);
    for (unsigned i = 0; i < NODES; i++) {
        net->n[i].net = net;
        net->n[i].id = i;
    }
    return net;
}

static void node_start(Net *net, uint8_t id, uint32_t boot)
{
    Node *n = &net->n[id];
    SraidPrClusterConfig cfg = {
        .node_id = id, .channels = 2, .boot = boot, .ptpl_capable = true,
    };

    g_assert_false(n->up);
    n->c = sraid_prc_new(&cfg, &ops, n);
    n->up = true;
    n->done = g_array_new(false, true, sizeof(Done));
    n->fx = g_ptr_array_new_with_free_func(g_free);
    n->held = g_array_new(false, true, sizeof(uint64_t));
    n->persisted = g_array_new(false, true, sizeof(uint64_t));
    sraid_prc_set_ld(n->c, LD, true, NULL);
}

static void node_crash(Net *net, uint8_t id)
{
    Node *n = &net->n[id];

    sraid_prc_free(n->c);
    n->c = NULL;
    n->up = false;
    g_array_unref(n->done);
    g_ptr_array_unref(n->fx);
    g_array_unref(n->held);
    g_array_unref(n->persisted);
}

static void net_free(Net *net)
{
    Msg *m;

    for (unsigned i = 0; i < NODES; i++) {
        if (net->n[i].up) {
            node_crash(net, i);
        }
    }
    while ((m = g_queue_pop_head(&net->msgs))) {
        g_free(m->data);
        g_free(m);
    }
    g_free(net);
}

/* Membership's word to every node that is up */
static void view(Net *net, uint8_t master, uint64_t epoch, uint16_t live)
{
    for (unsigned i = 0; i < NODES; i++) {
        if (net->n[i].up) {
            sraid_prc_set_view(net->n[i].c, master, epoch, live);
        }
    }
}

/* Deliver one message: the receiver answers at once, as vendor-exec does */
static void deliver(Net *net, Msg *m)
{
    Node *to = &net->n[m->to];
    Node *from = &net->n[m->from];
    SraidVendorNexus nx = {
        .source = SRAID_VENDOR_FROM_PEER, .node = m->from, .lun = 0,
    };
    SraidScsiResult r = { 0 };
    g_autofree uint8_t *data_in = NULL;
    SraidSense sense;

    if (!from->up) {
        goto out;
    }
    if (!to->up || net->cut[m->from][m->to]) {
        sraid_prc_cmd_done(from->c, m->token, -5, NULL, NULL, 0);
        goto out;
    }
    data_in = g_malloc0(m->in_len + 1);
    r.status = sraid_prc_receive(to->c, &nx, m->dcmd, m->ld,
                                 m->in_len ? NULL : m->data, m->len,
                                 data_in, m->in_len, &r.data_len, &sense);
    if (r.status == SRAID_STATUS_CHECK_CONDITION) {
        sraid_result_sense(&r, &sense);
    }
    /* the receiver may have crashed the sender's state meanwhile: no */
    if (from->up) {
        sraid_prc_cmd_done(from->c, m->token, 0, &r, data_in, r.data_len);
    }
out:
    g_free(m->data);
    g_free(m);
}

/* Release the persist completions and ticks; deliver until quiet */
static void settle(Net *net, unsigned max_ms)
{
    for (unsigned ms = 0; ms <= max_ms; ms++) {
        Msg *m;

        while ((m = g_queue_pop_head(&net->msgs))) {
            deliver(net, m);
        }
        for (unsigned i = 0; i < NODES; i++) {
            Node *n = &net->n[i];

            while (n->up && n->persisted->len) {
                uint64_t t = g_array_index(n->persisted, uint64_t, 0);

                g_array_remove_index(n->persisted, 0);
                sraid_prc_persisted(n->c, t, !n->persist_fails);
            }
            if (n->up && sraid_prc_next_deadline(n->c) <= net->now) {
                sraid_prc_tick(n->c);
            }
        }
        if (g_queue_is_empty(&net->msgs)) {
            net->now++;
        }
    }
}

static SraidPrNexus guest(uint8_t node)
{
    SraidPrNexus nx;

    sraid_pr_nexus_guest(&nx, node);
    return nx;
}

/* PERSISTENT RESERVE OUT @sa from @nx at node @at, token = @token */
static void prout(Net *net, uint8_t at, const SraidPrNexus *nx, uint8_t sa,
                  uint8_t type, uint64_t key, uint64_t sa_key, uint8_t flags,
                  uint64_t token)
{
    uint8_t cdb[10] = { 0x5f, sa, type };
    uint8_t p[24] = { 0 };

    sraid_put_be64(p, key);
    sraid_put_be64(p + 8, sa_key);
    p[20] = flags;
    sraid_put_be32(cdb + 5, sizeof(p));
    sraid_prc_submit(net->n[at].c, LD, nx, cdb, p, sizeof(p), token);
}

static const Done *done_of(Net *net, uint8_t at, uint64_t token)
{
    Node *n = &net->n[at];

    for (unsigned i = 0; i < n->done->len; i++) {
        if (g_array_index(n->done, Done, i).token == token) {
            return &g_array_index(n->done, Done, i);
        }
    }
    return NULL;
}

static void assert_status(Net *net, uint8_t at, uint64_t token,
                          uint8_t status)
{
    const Done *d = done_of(net, at, token);

    g_assert_nonnull(d);
    g_assert_cmphex(d->res.status, ==, status);
}

/* Every node of @mask has the same replica, byte for byte */
static void assert_agree(Net *net, uint16_t mask)
{
    g_autofree uint8_t *a = g_malloc(SRAID_PR_ENC_MAX);
    g_autofree uint8_t *b = g_malloc(SRAID_PR_ENC_MAX);
    size_t alen = 0;
    int first = -1;

    for (unsigned i = 0; i < NODES; i++) {
        const SraidPrState *st;
        size_t len;

        if (!(mask & (1u << i))) {
            continue;
        }
        g_assert_true(net->n[i].up);
        g_assert_true(sraid_prc_ready(net->n[i].c, LD));
        st = sraid_prc_state(net->n[i].c, LD);
        len = sraid_pr_encode(st, first < 0 ? a : b);
        if (first < 0) {
            first = i;
            alen = len;
            continue;
        }
        g_assert_cmpuint(len, ==, alen);
        g_assert_cmpmem(a, alen, b, len);
    }
}

static const SraidPrState *state(Net *net, uint8_t at)
{
    return sraid_prc_state(net->n[at].c, LD);
}

/* Two nodes, 5 the master: both guest paths register, 7's change is ordered */
static Net *two_nodes(void)
{
    Net *net = net_new();

    node_start(net, 5, 0x5555);
    node_start(net, 7, 0x7777);
    view(net, 5, 1, (1 << 5) | (1 << 7));
    settle(net, 10);
    g_assert_true(sraid_prc_ready(net->n[5].c, LD));
    g_assert_true(sraid_prc_ready(net->n[7].c, LD));
    return net;
}

static void test_standalone(void)
{
    Net *net = net_new();
    SraidPrNexus a = guest(2);

    node_start(net, 2, 1);
    /* no master yet: nothing to check commands against */
    g_assert_false(sraid_prc_ready(net->n[2].c, LD));
    view(net, 2, 0, 1 << 2);
    g_assert_true(sraid_prc_ready(net->n[2].c, LD));
    prout(net, 2, &a, SRAID_PROUT_REGISTER, 0, 0, 0xaa, 0, 1);
    /* no other node: ordered and ended at once, nothing sent */
    assert_status(net, 2, 1, SRAID_STATUS_GOOD);
    g_assert_cmpuint(state(net, 2)->nregs, ==, 1);
    g_assert_cmpuint(g_queue_get_length(&net->msgs), ==, 0);
    /* a wrong key: RESERVATION CONFLICT, nothing changes */
    prout(net, 2, &a, SRAID_PROUT_REGISTER, 0, 0x11, 0x22, 0, 2);
    assert_status(net, 2, 2, SRAID_STATUS_RESERVATION_CONFLICT);
    g_assert_cmpuint(state(net, 2)->generation, ==, 1);
    net_free(net);
}

static void test_slave_change_reaches_all(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5), g7 = guest(7);
    uint64_t key;

    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0, 0x77, 0, 1);
    /* not before the master ordered it and every node has it */
    g_assert_null(done_of(net, 7, 1));
    settle(net, 10);
    assert_status(net, 7, 1, SRAID_STATUS_GOOD);
    g_assert_true(sraid_pr_registered(state(net, 5), &g7, &key));
    g_assert_cmphex(key, ==, 0x77);
    assert_agree(net, (1 << 5) | (1 << 7));

    /* the master's own change reaches the slave before GOOD */
    prout(net, 5, &g5, SRAID_PROUT_REGISTER, 0, 0, 0x55, 0, 2);
    g_assert_null(done_of(net, 5, 2));
    settle(net, 10);
    assert_status(net, 5, 2, SRAID_STATUS_GOOD);
    g_assert_true(sraid_pr_registered(state(net, 7), &g5, &key));
    assert_agree(net, (1 << 5) | (1 << 7));
    g_assert_cmpuint(state(net, 7)->generation, ==, 2);

    /* a refusal changes nothing and travels only back to the origin */
    memset(net->sent, 0, sizeof(net->sent));
    prout(net, 7, &g7, SRAID_PROUT_RESERVE, 9, 0x77, 0, 0, 3);
    settle(net, 10);
    {
        const Done *d = done_of(net, 7, 3);

        g_assert_nonnull(d);
        g_assert_cmphex(d->res.status, ==, SRAID_STATUS_CHECK_CONDITION);
        g_assert_cmphex(d->res.sense[12], ==, 0x24);  /* invalid type */
    }
    g_assert_cmpuint(net->sent[SRAID_DCMD_PR_REQUEST], ==, 1);
    g_assert_cmpuint(net->sent[SRAID_DCMD_PR_APPLY], ==, 1);
    g_assert_cmpuint(state(net, 5)->generation, ==, 2);
    net_free(net);
}

/*
 * Windows Failover Cluster validation across two nodes: CLEAR, REGISTER
 * AND IGNORE EXISTING KEY, RESERVE, then the other node PREEMPTs; the
 * preempted nexus, on the other node, gets RESERVATIONS PREEMPTED.
 */
static void test_windows_sequence(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5), g7 = guest(7);
    bool ua = false;

    prout(net, 5, &g5, SRAID_PROUT_REGISTER_IGNORE, 0, 0, 0xa5, 0, 1);
    prout(net, 7, &g7, SRAID_PROUT_REGISTER_IGNORE, 0, 0, 0xa7, 0, 2);
    settle(net, 10);
    prout(net, 5, &g5, SRAID_PROUT_CLEAR, 0, 0xa5, 0, 0, 3);
    settle(net, 10);
    prout(net, 5, &g5, SRAID_PROUT_REGISTER_IGNORE, 0, 0, 0xa5, 0, 4);
    prout(net, 7, &g7, SRAID_PROUT_REGISTER_IGNORE, 0, 0, 0xa7, 0, 5);
    settle(net, 10);
    prout(net, 5, &g5, SRAID_PROUT_RESERVE, SRAID_PR_TYPE_WE_RO, 0xa5, 0, 0,
          6);
    settle(net, 10);
    g_assert_true(sraid_pr_is_holder(state(net, 7), &g5));
    g_ptr_array_set_size(net->n[5].fx, 0);
    prout(net, 7, &g7, SRAID_PROUT_PREEMPT, SRAID_PR_TYPE_WE_RO, 0xa7, 0xa5,
          0, 7);
    settle(net, 10);
    for (unsigned i = 1; i <= 7; i++) {
        assert_status(net, i == 1 || i == 3 || i == 4 || i == 6 ? 5 : 7, i,
                      SRAID_STATUS_GOOD);
    }
    g_assert_true(sraid_pr_is_holder(state(net, 5), &g7));
    g_assert_false(sraid_pr_registered(state(net, 5), &g5, NULL));
    assert_agree(net, (1 << 5) | (1 << 7));
    /* node 5 was told, for its guest path's nexus */
    for (unsigned i = 0; i < net->n[5].fx->len; i++) {
        const SraidPrEffects *fx = g_ptr_array_index(net->n[5].fx, i);

        for (unsigned j = 0; j < fx->n; j++) {
            ua |= fx->e[j].kind == SRAID_PR_EFFECT_UA &&
                  fx->e[j].ascq == SRAID_PR_UA_REG_PREEMPTED &&
                  sraid_pr_effect_names(&fx->e[j], &g5);
        }
    }
    g_assert_true(ua);
    net_free(net);
}

/*
 * PREEMPT AND ABORT (fence_scsi): GOOD only after the victim's node has
 * aborted its tasks.
 */
static void test_preempt_and_abort_waits(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5), g7 = guest(7);
    uint64_t t;

    prout(net, 5, &g5, SRAID_PROUT_REGISTER, 0, 0, 0xa5, 0, 1);
    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0, 0xa7, 0, 2);
    settle(net, 10);
    prout(net, 7, &g7, SRAID_PROUT_RESERVE, SRAID_PR_TYPE_WE_RO, 0xa7, 0, 0,
          3);
    settle(net, 10);
    net->n[7].hold_aborts = true;
    prout(net, 5, &g5, SRAID_PROUT_PREEMPT_AND_ABORT, SRAID_PR_TYPE_WE_RO,
          0xa5, 0xa7, 0, 4);
    settle(net, 200);
    /* node 7 is still aborting: the fence is not done */
    g_assert_null(done_of(net, 5, 4));
    g_assert_cmpuint(net->n[7].held->len, ==, 1);
    g_assert_cmpuint(net->sent[SRAID_DCMD_PR_POLL], >, 0);
    t = g_array_index(net->n[7].held, uint64_t, 0);
    sraid_prc_effects_done(net->n[7].c, t);
    settle(net, 100);
    assert_status(net, 5, 4, SRAID_STATUS_GOOD);
    g_assert_true(sraid_pr_is_holder(state(net, 7), &g5));
    assert_agree(net, (1 << 5) | (1 << 7));
    net_free(net);
}

/*
 * The master dies after its PR_Apply reached one node but not the
 * origin.  The new master's state wins everywhere, the origin's request
 * is executed exactly once: here the new master had it.
 */
static void test_failover_mid_change(void)
{
    Net *net = net_new();
    SraidPrNexus g4 = guest(4);
    Msg *m;
    unsigned applies = 0;

    node_start(net, 4, 0x44);
    node_start(net, 5, 0x55);
    node_start(net, 6, 0x66);
    view(net, 6, 1, 0x70);
    settle(net, 10);
    prout(net, 4, &g4, SRAID_PROUT_REGISTER, 0, 0, 0x44, 0, 1);
    /* deliver until the master has sent its PR_Apply to node 5 only */
    while ((m = g_queue_pop_head(&net->msgs))) {
        if (m->dcmd == SRAID_DCMD_PR_APPLY && m->to == 4) {
            g_queue_push_head(&net->msgs, m);
            break;
        }
        applies += m->dcmd == SRAID_DCMD_PR_APPLY;
        deliver(net, m);
    }
    g_assert_cmpuint(applies, ==, 1);
    g_assert_true(sraid_pr_registered(state(net, 5), &g4, NULL));
    g_assert_false(sraid_pr_registered(state(net, 4), &g4, NULL));
    node_crash(net, 6);
    view(net, 5, 2, 0x30);
    settle(net, 6000);
    assert_status(net, 4, 1, SRAID_STATUS_GOOD);
    assert_agree(net, 0x30);
    g_assert_cmpuint(state(net, 4)->nregs, ==, 1);
    /* the generation says one change, not two */
    g_assert_cmpuint(state(net, 4)->generation, ==, 1);
    net_free(net);
}

/* ... and here the change reached nobody: the new master executes it */
static void test_failover_before_change(void)
{
    Net *net = net_new();
    SraidPrNexus g4 = guest(4);
    Msg *m;

    node_start(net, 4, 0x44);
    node_start(net, 5, 0x55);
    node_start(net, 6, 0x66);
    view(net, 6, 1, 0x70);
    settle(net, 10);
    prout(net, 4, &g4, SRAID_PROUT_REGISTER, 0, 0, 0x44, 0, 1);
    /* the request reaches the master, which dies before sending on */
    m = g_queue_pop_head(&net->msgs);
    g_assert_cmpuint(m->dcmd, ==, SRAID_DCMD_PR_REQUEST);
    deliver(net, m);
    node_crash(net, 6);
    view(net, 5, 2, 0x30);
    settle(net, 6000);
    assert_status(net, 4, 1, SRAID_STATUS_GOOD);
    assert_agree(net, 0x30);
    g_assert_true(sraid_pr_registered(state(net, 5), &g4, NULL));
    g_assert_cmpuint(state(net, 5)->generation, ==, 1);
    net_free(net);
}

/* A node that joins, or restarts, gets the state before serving */
static void test_joiner_sync(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5);

    prout(net, 5, &g5, SRAID_PROUT_REGISTER, 0, 0, 0x55, 0, 1);
    prout(net, 5, &g5, SRAID_PROUT_RESERVE, SRAID_PR_TYPE_EA, 0x55, 0, 0, 2);
    settle(net, 10);
    node_crash(net, 7);
    view(net, 5, 1, 1 << 5);
    node_start(net, 7, 0x7778);
    g_assert_false(sraid_prc_ready(net->n[7].c, LD));
    sraid_prc_set_view(net->n[7].c, 5, 1, (1 << 5) | (1 << 7));
    g_assert_false(sraid_prc_ready(net->n[7].c, LD));
    /*
     * The master does not count it live yet: no state (BUSY), since the
     * changes it orders would not reach it.  It asks again.
     */
    settle(net, 1200);
    g_assert_false(sraid_prc_ready(net->n[7].c, LD));
    g_assert_cmpuint(net->sent[SRAID_DCMD_PR_SYNC], >=, 2);
    sraid_prc_set_view(net->n[5].c, 5, 1, (1 << 5) | (1 << 7));
    settle(net, 600);
    assert_agree(net, (1 << 5) | (1 << 7));
    g_assert_true(sraid_pr_is_holder(state(net, 7), &g5));
    /* and every later change reaches it */
    prout(net, 5, &g5, SRAID_PROUT_RELEASE, SRAID_PR_TYPE_EA, 0x55, 0, 0, 3);
    settle(net, 10);
    assert_status(net, 5, 3, SRAID_STATUS_GOOD);
    g_assert_cmpuint(state(net, 7)->type, ==, 0);
    net_free(net);
}

/* An unreachable node holds a change back until membership drops it */
static void test_unreachable_node(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5);

    net->cut[5][7] = true;
    prout(net, 5, &g5, SRAID_PROUT_REGISTER, 0, 0, 0x55, 0, 1);
    settle(net, 3000);
    g_assert_null(done_of(net, 5, 1));
    /* membership declares 7 failed and fences it */
    sraid_prc_set_view(net->n[5].c, 5, 1, 1 << 5);
    settle(net, 10);
    assert_status(net, 5, 1, SRAID_STATUS_GOOD);
    net_free(net);
}

/* APTPL: the master stores the state before anyone gets GOOD */
static void test_aptpl_persist(void)
{
    Net *net = two_nodes();
    SraidPrNexus g7 = guest(7);

    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0, 0x77, 0x01, 1);
    settle(net, 10);
    assert_status(net, 7, 1, SRAID_STATUS_GOOD);
    g_assert_cmpuint(net->n[5].persists, ==, 1);
    g_assert_cmpuint(net->n[7].persists, ==, 0);
    g_assert_true(net->n[5].stored.aptpl);
    g_assert_cmpuint(net->n[5].stored.nregs, ==, 1);
    /* without APTPL, but stored before: stored again (as not to keep) */
    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0x77, 0x78, 0, 2);
    settle(net, 10);
    g_assert_cmpuint(net->n[5].persists, ==, 2);
    g_assert_false(net->n[5].stored.aptpl);
    /* then no more storing */
    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0x78, 0x79, 0, 3);
    settle(net, 10);
    g_assert_cmpuint(net->n[5].persists, ==, 2);
    /* a failed store: the command fails and nothing changes anywhere */
    net->n[5].persist_fails = true;
    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0x79, 0x7a, 0x01, 4);
    settle(net, 10);
    {
        const Done *d = done_of(net, 7, 4);

        g_assert_nonnull(d);
        g_assert_cmphex(d->res.status, ==, SRAID_STATUS_CHECK_CONDITION);
        g_assert_cmphex(d->res.sense[2] & 0xf, ==, 0x4);
        g_assert_cmphex(d->res.sense[12], ==, 0x44);
    }
    g_assert_true(sraid_pr_registered(state(net, 5), &g7, NULL));
    g_assert_false(state(net, 7)->aptpl);
    assert_agree(net, (1 << 5) | (1 << 7));
    net_free(net);
}

/* Only the master orders, only the master followed may apply */
static void test_roles_and_bad_input(void)
{
    Net *net = two_nodes();
    SraidPrNexus g7 = guest(7);
    SraidVendorNexus from7 = { .source = SRAID_VENDOR_FROM_PEER, .node = 7 };
    SraidVendorNexus from5 = { .source = SRAID_VENDOR_FROM_PEER, .node = 5 };
    SraidVendorNexus host = { .source = SRAID_VENDOR_FROM_HOST };
    SraidPrRequestMsg rq = { .ld = LD };
    SraidPrPollMsg pm = { .ld = LD };
    uint8_t buf[512];
    SraidSense s;
    size_t dlen;
    size_t n;

    rq.cmd.id = (SraidPrReqId) { 7, 0x7777, 99 };
    rq.cmd.nexus = g7;
    rq.cmd.cdb[0] = 0x5f;
    n = sraid_pr_request_encode(&rq, buf, sizeof(buf));
    g_assert_cmpuint(n, ==, 4 + 36 + 24);
    /* a request to a slave */
    g_assert_cmphex(sraid_prc_receive(net->n[7].c, &from5,
                                      SRAID_DCMD_PR_REQUEST, 0, buf, n,
                                      NULL, 0, &dlen, &s),
                    ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(s.asc, ==, 0x80);
    g_assert_cmphex(s.ascq, ==, SRAID_ASCQ_ROLE_MISMATCH);
    /* from the host, or claiming another origin */
    g_assert_cmphex(sraid_prc_receive(net->n[5].c, &host,
                                      SRAID_DCMD_PR_REQUEST, 0, buf, n,
                                      NULL, 0, &dlen, &s),
                    ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(s.asc, ==, 0x20);
    rq.cmd.id.origin = 6;
    n = sraid_pr_request_encode(&rq, buf, sizeof(buf));
    g_assert_cmphex(sraid_prc_receive(net->n[5].c, &from7,
                                      SRAID_DCMD_PR_REQUEST, 0, buf, n,
                                      NULL, 0, &dlen, &s),
                    ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(s.asc, ==, 0x26);
    /* a poll from a node that is not the master */
    n = sraid_pr_poll_encode(&pm, buf, sizeof(buf));
    g_assert_cmphex(sraid_prc_receive(net->n[5].c, &from7,
                                      SRAID_DCMD_PR_POLL, 0, buf, n,
                                      NULL, 0, &dlen, &s),
                    ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(s.ascq, ==, SRAID_ASCQ_ROLE_MISMATCH);
    g_assert_cmphex(sraid_prc_receive(net->n[7].c, &from5,
                                      SRAID_DCMD_PR_POLL, 0, buf, n,
                                      NULL, 0, &dlen, &s),
                    ==, SRAID_STATUS_GOOD);
    /* a drive that is not here */
    pm.ld = LD + 1;
    n = sraid_pr_poll_encode(&pm, buf, sizeof(buf));
    g_assert_cmphex(sraid_prc_receive(net->n[7].c, &from5,
                                      SRAID_DCMD_PR_POLL, 0, buf, n,
                                      NULL, 0, &dlen, &s),
                    ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(s.ascq, ==, SRAID_ASCQ_PR_NO_SUCH_LD);
    /* truncated: PARAMETER LIST LENGTH ERROR */
    g_assert_cmphex(sraid_prc_receive(net->n[7].c, &from5,
                                      SRAID_DCMD_PR_POLL, 0, buf, n - 1,
                                      NULL, 0, &dlen, &s),
                    ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(s.asc, ==, 0x1a);
    net_free(net);
}

/*
 * Each list round-trips; every truncation and every flipped byte either
 * decodes to the same fields or is refused, never read out of bounds
 */
static void test_msg_codecs(void)
{
    SraidPrApplyMsg a = { .ld = 2, .complete = true, .state_crc = 0xdeadbeef };
    SraidPrApplyMsg a2;
    SraidPrStateMsg sm = { .ld = 1 }, sm2;
    SraidScsiResult r;
    SraidParamError err;
    SraidPrState st;
    uint8_t param[24] = { 1, 2, 3 };
    uint8_t enc[SRAID_PR_ENC_MAX];
    uint8_t buf[4096];
    size_t n;

    a.version = (SraidPrVersion) { 3, 9 };
    a.cmd.id = (SraidPrReqId) { 4, 0x1234, 5 };
    g_assert_true(sraid_pr_nexus_iscsi(&a.cmd.nexus, "iqn.2026-11.org.x:y",
                                       0x23d000000001ULL,
                                       SRAID_PR_RTPI_ISCSI(4, 1)));
    a.cmd.cdb[0] = 0x5f;
    a.cmd.param = param;
    a.cmd.param_len = sizeof(param);
    sraid_result_sense(&r, &sraid_sense_invalid_param);
    sraid_pr_applied_set(&a.result, &a.cmd.id, &r);
    n = sraid_pr_apply_encode(&a, buf, sizeof(buf));
    g_assert_cmpuint(n, ==, 56 + 36 + a.cmd.nexus.initiator.len + 24);
    g_assert_cmphex(buf[0], ==, 2);
    g_assert_cmphex(buf[1], ==, 1);
    g_assert_cmphex(sraid_get_be64(buf + 8), ==, 3);
    g_assert_cmphex(sraid_get_be64(buf + 16), ==, 9);
    g_assert_cmphex(sraid_get_be32(buf + 24), ==, 0xdeadbeef);
    g_assert_cmphex(buf[28 + 8], ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmphex(buf[56], ==, 4);
    g_assert_true(sraid_pr_apply_decode(buf, n, &a2, &err));
    g_assert_cmpmem(a2.cmd.param, 24, param, 24);
    g_assert_cmpmem(&a2.cmd.nexus, sizeof(a2.cmd.nexus), &a.cmd.nexus,
                    sizeof(a.cmd.nexus));
    g_assert_cmpmem(&a2.result, sizeof(a2.result), &a.result,
                    sizeof(a.result));
    for (size_t len = 0; len < n; len++) {
        g_assert_false(sraid_pr_apply_decode(buf, len, &a2, &err));
    }
    for (size_t i = 0; i < n; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            buf[i] ^= 1 << bit;
            if (sraid_pr_apply_decode(buf, n, &a2, &err)) {
                uint8_t again[4096];

                /* accepted: then it is exactly what it encodes to */
                g_assert_cmpuint(sraid_pr_apply_encode(&a2, again,
                                                       sizeof(again)), ==, n);
                g_assert_cmpmem(again, n, buf, n);
            } else {
                g_assert_cmpuint(err.offset, <=, n);
            }
            buf[i] ^= 1 << bit;
        }
    }

    sraid_pr_init(&st);
    st.generation = 7;
    sm.version = (SraidPrVersion) { 1, 2 };
    sm.applied[3] = a.result;
    sm.state_len = sraid_pr_encode(&st, enc);
    sm.state = enc;
    n = sraid_pr_state_encode(&sm, buf, sizeof(buf));
    g_assert_cmpuint(n, ==, SRAID_PR_STATE_HEADER_LEN + sm.state_len);
    g_assert_true(sraid_pr_state_decode(buf, n, &sm2, &err));
    g_assert_cmpmem(sm2.applied, sizeof(sm2.applied), sm.applied,
                    sizeof(sm.applied));
    g_assert_cmpmem(sm2.state, sm2.state_len, enc, sm.state_len);
    g_assert_false(sraid_pr_state_decode(buf, n - 1, &sm2, &err));
    g_assert_cmpint(err.kind, ==, SRAID_PARAM_LENGTH);
    buf[3] = 1;                                 /* reserved */
    g_assert_false(sraid_pr_state_decode(buf, n, &sm2, &err));
    g_assert_cmpuint(err.offset, ==, 3);
    /* too big for a vendor command's data phase: not encoded */
    sm.state_len = SRAID_VENDOR_MAX_XFER;
    g_assert_cmpuint(sraid_pr_state_encode(&sm, buf, sizeof(buf)), ==, 0);
}

/*
 * Random commands from nexuses on three nodes with messages held back in
 * random order: every command ends once and the replicas agree
 */
static void test_random_interleaving(void)
{
    for (unsigned seed = 1; seed <= 300; seed++) {
        g_autoptr(GRand) rnd = g_rand_new_with_seed(seed);
        Net *net = net_new();
        SraidPrNexus nx[3];
        unsigned submitted[NODES] = { 0 };

        for (unsigned i = 0; i < 3; i++) {
            node_start(net, i, 100 + i);
            nx[i] = guest(i);
        }
        view(net, 2, 1, 0x7);
        settle(net, 10);
        for (unsigned k = 0; k < 60; k++) {
            uint8_t at = g_rand_int_range(rnd, 0, 3);
            static const uint8_t sas[] = {
                SRAID_PROUT_REGISTER_IGNORE, SRAID_PROUT_RESERVE,
                SRAID_PROUT_RELEASE, SRAID_PROUT_PREEMPT,
                SRAID_PROUT_CLEAR, SRAID_PROUT_REGISTER,
            };
            uint8_t sa = sas[g_rand_int_range(rnd, 0, G_N_ELEMENTS(sas))];
            uint64_t key = 0x100 + at;
            uint64_t sa_key = sa == SRAID_PROUT_REGISTER_IGNORE ? key :
                              0x100 + (uint64_t)g_rand_int_range(rnd, 0, 3);
            unsigned moves = g_rand_int_range(rnd, 0, 6);

            prout(net, at, &nx[at], sa, SRAID_PR_TYPE_WE_RO, key, sa_key, 0,
                  1000 + k);
            submitted[at]++;
            /* deliver a few messages, in random order */
            for (unsigned i = 0; i < moves && net->msgs.length; i++) {
                unsigned pick = g_rand_int_range(rnd, 0, net->msgs.length);
                Msg *m = g_queue_pop_nth(&net->msgs, pick);

                deliver(net, m);
            }
        }
        settle(net, 2000);
        for (unsigned i = 0; i < 3; i++) {
            g_assert_cmpuint(net->n[i].done->len, ==, submitted[i]);
        }
        assert_agree(net, 0x7);
        net_free(net);
    }
}

/*
 * Found by the simulator (seed 57): a node left the live set while an
 * earlier node of the same commit was still on its way.  commit_check()
 * stops at the first node not done, so the one that left stays in the
 * commit until then, and sraid_prc_next_deadline() reported its old due:
 * the owner ticked at once, again and again, doing nothing (a busy loop
 * for up to a command timeout).
 */
static void test_deadline_after_node_left(void)
{
    Net *net = net_new();
    SraidPrNexus g6 = guest(6);
    GList *it;

    node_start(net, 4, 0x44);
    node_start(net, 5, 0x55);
    node_start(net, 6, 0x66);
    view(net, 6, 1, 0x70);
    settle(net, 10);
    net->cut[6][5] = true;
    prout(net, 6, &g6, SRAID_PROUT_REGISTER, 0, 0, 0x66, 0, 1);
    /* the PR_Apply to 5 fails (retry due later), the one to 4 is held */
    for (it = net->msgs.head; it; it = it->next) {
        Msg *m = it->data;

        if (m->to == 5) {
            g_queue_delete_link(&net->msgs, it);
            deliver(net, m);
            break;
        }
    }
    g_assert_cmpuint(g_queue_get_length(&net->msgs), ==, 1);
    /* membership declares 5 failed */
    sraid_prc_set_view(net->n[6].c, 6, 1, 0x50);
    net->now += SRAID_PRC_RETRY_MS + 100;
    g_assert_cmpuint(sraid_prc_next_deadline(net->n[6].c), >, net->now);
    settle(net, 10);
    assert_status(net, 6, 1, SRAID_STATUS_GOOD);
    net_free(net);
}

/*
 * Found by the simulator (seed 1817): PR_Apply carries the CRC32C of the
 * new state so that a receiver whose replica went astray notices and
 * takes the master's state.  The CRC was taken over the whole encoding,
 * which ends with its own CRC32C, and so was the same constant for every
 * state: a diverged replica applied the change and stayed diverged.
 */
static void test_apply_detects_divergence(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5), g7 = guest(7);
    SraidVendorNexus from5 = { .source = SRAID_VENDOR_FROM_PEER, .node = 5 };
    g_autofree SraidPrState *st = g_new0(SraidPrState, 1);
    g_autofree uint8_t *enc = g_malloc(SRAID_PR_ENC_MAX);
    g_autofree uint8_t *buf = g_malloc(SRAID_VENDOR_MAX_XFER);
    SraidPrStateMsg sm = { .ld = LD };
    SraidPrcView v;
    SraidSense sense;
    size_t dlen;
    size_t n;

    prout(net, 5, &g5, SRAID_PROUT_REGISTER, 0, 0, 0x55, 0, 1);
    settle(net, 10);
    assert_agree(net, (1 << 5) | (1 << 7));
    /* node 7's replica goes astray: same version, no registration */
    sraid_prc_view(net->n[5].c, &v);
    sraid_pr_init(st);
    st->generation = state(net, 5)->generation;
    sm.version = v.lds[LD].version;
    sm.state_len = sraid_pr_encode(st, enc);
    sm.state = enc;
    n = sraid_pr_state_encode(&sm, buf, SRAID_VENDOR_MAX_XFER);
    g_assert_cmphex(sraid_prc_receive(net->n[7].c, &from5,
                                      SRAID_DCMD_PR_STATE, 0, buf, n, NULL,
                                      0, &dlen, &sense),
                    ==, SRAID_STATUS_GOOD);
    g_assert_false(sraid_pr_registered(state(net, 7), &g5, NULL));
    /* the next change tells it so, and it gets the master's state */
    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0, 0x77, 0, 2);
    settle(net, 10);
    assert_status(net, 7, 2, SRAID_STATUS_GOOD);
    g_assert_true(sraid_pr_registered(state(net, 7), &g5, NULL));
    assert_agree(net, (1 << 5) | (1 << 7));
    net_free(net);
}

/*
 * A PR_State the master sent earlier arrives after a newer version (a
 * retry after a timeout, delivered late: simulator seed 2114 saw
 * PRgeneration go back from 2 to 1 on a slave).  Within one epoch only
 * its master orders versions, so an older one of the same epoch is stale:
 * the replica keeps what it has.
 */
static void test_stale_state_ignored(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5), g7 = guest(7);
    SraidVendorNexus from5 = { .source = SRAID_VENDOR_FROM_PEER, .node = 5 };
    g_autofree uint8_t *enc = g_malloc(SRAID_PR_ENC_MAX);
    g_autofree uint8_t *buf = g_malloc(SRAID_VENDOR_MAX_XFER);
    SraidPrStateMsg sm = { .ld = LD, .ready = true };
    SraidPrcView v;
    SraidSense sense;
    uint32_t gen;
    size_t dlen;
    size_t n;

    prout(net, 5, &g5, SRAID_PROUT_REGISTER, 0, 0, 0x55, 0, 1);
    settle(net, 10);
    /* the master's PR_State of this version, as it would send it */
    sraid_prc_view(net->n[5].c, &v);
    sm.version = v.lds[LD].version;
    sm.state_len = sraid_pr_encode(state(net, 5), enc);
    sm.state = enc;
    n = sraid_pr_state_encode(&sm, buf, SRAID_VENDOR_MAX_XFER);
    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0, 0x77, 0, 2);
    settle(net, 10);
    assert_agree(net, (1 << 5) | (1 << 7));
    gen = state(net, 7)->generation;
    /* now it arrives */
    g_assert_cmphex(sraid_prc_receive(net->n[7].c, &from5,
                                      SRAID_DCMD_PR_STATE, 0, buf, n, NULL,
                                      0, &dlen, &sense),
                    ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(state(net, 7)->generation, ==, gen);
    g_assert_true(sraid_pr_registered(state(net, 7), &g7, NULL));
    assert_agree(net, (1 << 5) | (1 << 7));
    net_free(net);
}

/*
 * A new master cut off on the bus from the node that holds the newest
 * state, which still writes its lease (simulator seeds 3606, 6826: the
 * new master collected nothing and the others followed its empty state
 * once the partition healed).  Its collection waits for every node alive
 * on the drives: not ready until that node is live and offered its
 * replica, which it then takes; or until the node is no longer alive.
 */
static void test_collect_waits_for_alive(void)
{
    Net *net = two_nodes();
    SraidPrNexus g7 = guest(7);

    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0, 0x77, 0, 1);
    settle(net, 10);
    assert_status(net, 7, 1, SRAID_STATUS_GOOD);
    /* master 5 dies; 6 starts, elected while cut off from 7 */
    node_crash(net, 5);
    node_start(net, 6, 0x6666);
    net->cut[6][7] = net->cut[7][6] = true;
    sraid_prc_set_alive(net->n[6].c, 1 << 7);
    sraid_prc_set_view(net->n[6].c, 6, 2, 1 << 6);
    settle(net, 500);
    g_assert_false(sraid_prc_ready(net->n[6].c, LD));
    /* healed: 7 joins the new master, which collects its replica */
    net->cut[6][7] = net->cut[7][6] = false;
    view(net, 6, 2, (1 << 6) | (1 << 7));
    settle(net, 500);
    g_assert_true(sraid_prc_ready(net->n[6].c, LD));
    g_assert_true(sraid_pr_registered(state(net, 6), &g7, NULL));
    assert_agree(net, (1 << 6) | (1 << 7));

    /* the same, but the cut-off node dies: its lease stops, no more wait */
    node_crash(net, 6);
    node_start(net, 5, 0x5556);
    net->cut[5][7] = net->cut[7][5] = true;
    sraid_prc_set_alive(net->n[5].c, 1 << 7);
    sraid_prc_set_view(net->n[5].c, 5, 3, 1 << 5);
    settle(net, 500);
    g_assert_false(sraid_prc_ready(net->n[5].c, LD));
    node_crash(net, 7);
    sraid_prc_set_alive(net->n[5].c, 0);
    settle(net, 10);
    g_assert_true(sraid_prc_ready(net->n[5].c, LD));
    net_free(net);
}

/*
 * A node that just started becomes master (its old self restarted and
 * won the election again): it collects the replicas first, so the
 * cluster's registrations are not replaced by its empty state.
 */
static void test_fresh_master_collects(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5), g7 = guest(7);
    uint64_t key;

    prout(net, 5, &g5, SRAID_PROUT_REGISTER, 0, 0, 0x55, 0, 1);
    prout(net, 7, &g7, SRAID_PROUT_REGISTER, 0, 0, 0x77, 0, 2);
    settle(net, 10);
    node_crash(net, 5);
    node_start(net, 5, 0x5556);
    g_assert_cmpuint(state(net, 5)->nregs, ==, 0);
    view(net, 5, 1, (1 << 5) | (1 << 7));
    g_assert_false(sraid_prc_ready(net->n[5].c, LD));
    settle(net, 100);
    g_assert_cmpuint(net->sent[SRAID_DCMD_PR_COLLECT], >=, 1);
    assert_agree(net, (1 << 5) | (1 << 7));
    g_assert_true(sraid_pr_registered(state(net, 5), &g7, &key));
    g_assert_cmphex(key, ==, 0x77);
    g_assert_cmpuint(state(net, 5)->generation, ==, 2);
    /* and it orders the next change on top of it */
    prout(net, 7, &g7, SRAID_PROUT_RESERVE, SRAID_PR_TYPE_WE, 0x77, 0, 0, 3);
    settle(net, 10);
    assert_status(net, 7, 3, SRAID_STATUS_GOOD);
    assert_agree(net, (1 << 5) | (1 << 7));
    net_free(net);
}

/* A node the master counted out for a while gets the whole state back */
static void test_readded_node_resynced(void)
{
    Net *net = two_nodes();
    SraidPrNexus g5 = guest(5);

    sraid_prc_set_view(net->n[5].c, 5, 1, 1 << 5);
    prout(net, 5, &g5, SRAID_PROUT_REGISTER, 0, 0, 0x55, 0, 1);
    settle(net, 10);
    assert_status(net, 5, 1, SRAID_STATUS_GOOD);
    g_assert_cmpuint(state(net, 7)->nregs, ==, 0);
    sraid_prc_set_view(net->n[5].c, 5, 1, (1 << 5) | (1 << 7));
    settle(net, 10);
    assert_agree(net, (1 << 5) | (1 << 7));
    g_assert_cmpuint(state(net, 7)->nregs, ==, 1);
    net_free(net);
}

/* Membership's view: a master without the lease orders nothing yet */
static void test_member_view(void)
{
    SraidMemberView mv = { .self = 3, .master = 3, .epoch = 9 };
    uint8_t master;
    uint64_t epoch;
    uint16_t live;

    mv.nodes[1] = (SraidMemberNodeView) { .known = true,
                                          .state = SRAID_NODE_NEXUS_SLAVE };
    mv.nodes[2] = (SraidMemberNodeView) { .known = true,
                                          .state = SRAID_NODE_FAILED_SLAVE };
    mv.nodes[4] = (SraidMemberNodeView) { .known = true,
                                          .state = SRAID_NODE_NEW_SLAVE };
    sraid_prc_member_view(&mv, true, &master, &epoch, &live);
    g_assert_cmpuint(master, ==, 3);
    g_assert_cmpuint(epoch, ==, 9);
    g_assert_cmphex(live, ==, (1 << 1) | (1 << 3) | (1 << 4));
    sraid_prc_member_view(&mv, false, &master, &epoch, &live);
    g_assert_cmpuint(master, ==, SRAID_NODE_NONE);
    mv.master = 1;                      /* a slave needs no lease */
    sraid_prc_member_view(&mv, false, &master, &epoch, &live);
    g_assert_cmpuint(master, ==, 1);
    mv.suspended = true;
    sraid_prc_member_view(&mv, false, &master, &epoch, &live);
    g_assert_cmpuint(master, ==, SRAID_NODE_NONE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pr-cluster/standalone", test_standalone);
    g_test_add_func("/pr-cluster/slave-change-reaches-all",
                    test_slave_change_reaches_all);
    g_test_add_func("/pr-cluster/windows-sequence", test_windows_sequence);
    g_test_add_func("/pr-cluster/preempt-and-abort-waits",
                    test_preempt_and_abort_waits);
    g_test_add_func("/pr-cluster/failover-mid-change",
                    test_failover_mid_change);
    g_test_add_func("/pr-cluster/failover-before-change",
                    test_failover_before_change);
    g_test_add_func("/pr-cluster/joiner-sync", test_joiner_sync);
    g_test_add_func("/pr-cluster/unreachable-node", test_unreachable_node);
    g_test_add_func("/pr-cluster/aptpl-persist", test_aptpl_persist);
    g_test_add_func("/pr-cluster/roles-and-bad-input",
                    test_roles_and_bad_input);
    g_test_add_func("/pr-cluster/msg-codecs", test_msg_codecs);
    g_test_add_func("/pr-cluster/random-interleaving",
                    test_random_interleaving);
    g_test_add_func("/pr-cluster/deadline-after-node-left",
                    test_deadline_after_node_left);
    g_test_add_func("/pr-cluster/apply-detects-divergence",
                    test_apply_detects_divergence);
    g_test_add_func("/pr-cluster/stale-state-ignored",
                    test_stale_state_ignored);
    g_test_add_func("/pr-cluster/collect-waits-for-alive",
                    test_collect_waits_for_alive);
    g_test_add_func("/pr-cluster/fresh-master-collects",
                    test_fresh_master_collects);
    g_test_add_func("/pr-cluster/readded-node-resynced",
                    test_readded_node_resynced);
    g_test_add_func("/pr-cluster/member-view", test_member_view);
    return g_test_run();
}
