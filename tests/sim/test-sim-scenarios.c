/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Named, deterministic membership scenarios on the simulator (seed 003
 * "Node Startup", "The Monitor Process", fig. 17), and self-tests showing
 * that each invariant check reports a violation when one happens.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define S_MS    1000

static Sim *make(unsigned n, const uint8_t *ids, const SimHooks *hooks)
{
    SimParams p;

    sim_params_default(&p, n, ids);
    p.verbose = g_test_verbose();
    if (hooks) {
        p.hooks = *hooks;
    }
    return sim_new(&p);
}

/* Run to @until; on a violation print the report and fail */
static void run_ok(Sim *s, uint64_t until)
{
    if (!sim_run_until(s, until)) {
        sim_report(s, stdout);
        g_test_fail_printf("violation: %s", sim_violation(s));
    }
}

static void assert_nexus(Sim *s)
{
    if (!sim_all_in_nexus(s)) {
        sim_report(s, stdout);
        g_test_fail_printf("not all in nexus at t=%" PRIu64, sim_now(s));
    }
}

/* All in nexus within the bound from @since, with @master the master */
static void expect_nexus(Sim *s, uint64_t since, uint8_t master)
{
    uint64_t t = sim_time_to_nexus(s, since, since + sim_nexus_bound_ms(s));

    if (t == UINT64_MAX) {
        sim_report(s, stdout);
    }
    g_assert_cmpuint(t, !=, UINT64_MAX);
    g_assert_cmphex(sim_masters(s), ==, 1u << master);
    if (g_test_verbose()) {
        printf("# nexus %" PRIu64 " ms after t=%" PRIu64 "\n", t - since,
               since);
    }
}

/* Seed 003 fig. 4 step 425: started together, the highest id is master */
static void test_together(gconstpointer data)
{
    unsigned n = GPOINTER_TO_UINT(data);
    static const uint8_t ids[] = { 3, 7, 5, 6 };
    uint8_t top = 0;
    Sim *s = make(n, ids, NULL);

    for (unsigned i = 0; i < n; i++) {
        top = MAX(top, ids[i]);
    }
    sim_start_all(s, 0);
    expect_nexus(s, 0, top);
    /* and it stays so */
    run_ok(s, 60 * S_MS);
    assert_nexus(s);
    g_assert_cmphex(sim_masters(s), ==, 1u << top);
    sim_free(s);
}

/*
 * Staggered starts: the first node up finds nobody and is master (steps
 * 425-435); later ones find a master and make themselves slaves, even
 * with higher ids ("The new node controller ... makes itself a slave").
 */
static void test_staggered(void)
{
    static const uint8_t ids[] = { 3, 5, 7 };
    Sim *s = make(3, ids, NULL);

    sim_add_fault(s, 0, SIM_F_START, 3, 0, 0);
    sim_add_fault(s, 15 * S_MS, SIM_F_START, 5, 0, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_START, 7, 0, 0);
    run_ok(s, 14 * S_MS);
    g_assert_cmphex(sim_masters(s), ==, 1u << 3);
    expect_nexus(s, 30 * S_MS, 3);
    g_assert_cmpuint(sim_node_state(s, 7), ==, SRAID_NODE_ACTIVE_SLAVE);
    sim_free(s);
}

/* A joiner with a higher id than the running master becomes its slave */
static void test_joiner_higher(void)
{
    static const uint8_t ids[] = { 6, 7 };
    Sim *s = make(2, ids, NULL);

    sim_add_fault(s, 0, SIM_F_START, 6, 0, 0);
    sim_add_fault(s, 20 * S_MS, SIM_F_START, 7, 0, 0);
    run_ok(s, 19 * S_MS);
    g_assert_cmphex(sim_masters(s), ==, 1u << 6);
    expect_nexus(s, 20 * S_MS, 6);
    /* the master saw it as NEW_SLAVE, then in nexus (figs. 6 and 8) */
    g_assert_cmpuint(sim_count_transitions(s, 6, 7, SRAID_NODE_NEW_SLAVE),
                     >=, 1);
    g_assert_cmpuint(sim_node_state_of(s, 6, 7), ==, SRAID_NODE_NEXUS_SLAVE);
    sim_free(s);
}

/*
 * Fig. 17: the master dies; the highest surviving id takes over; the old
 * master, restarted, rejoins as a slave ("it assumes the role of a slave").
 */
static void test_master_crash(void)
{
    static const uint8_t ids[] = { 5, 6, 7 };
    Sim *s = make(3, ids, NULL);

    sim_start_all(s, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_CRASH, 7, 0, 0);
    sim_add_fault(s, 80 * S_MS, SIM_F_RESTART, 7, 0, 0);
    expect_nexus(s, 0, 7);
    expect_nexus(s, 30 * S_MS, 6);
    g_assert_cmpuint(sim_now(s), <, 80 * S_MS);
    expect_nexus(s, 80 * S_MS, 6);
    g_assert_cmpuint(sim_node_state(s, 7), ==, SRAID_NODE_ACTIVE_SLAVE);
    sim_free(s);
}

/*
 * Fast reboot (seed 003, "failure-to-detect-failure"): the slave is back
 * within milliseconds, long before four heartbeats fail; the master learns
 * it from the INQUIRY booting flag (Table 20) and takes it through
 * NEW_SLAVE again.
 */
static void test_fast_reboot(void)
{
    static const uint8_t ids[] = { 6, 7 };
    Sim *s = make(2, ids, NULL);
    unsigned before;

    sim_start_all(s, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_FAST_REBOOT, 6, 0, 5);
    expect_nexus(s, 0, 7);
    run_ok(s, 29 * S_MS);
    before = sim_count_transitions(s, 7, 6, SRAID_NODE_NEW_SLAVE);
    expect_nexus(s, 30 * S_MS + 10, 7);
    g_assert_cmpuint(sim_count_transitions(s, 7, 6, SRAID_NODE_NEW_SLAVE),
                     ==, before + 1);
    /* never given up on: no FAILED_SLAVE on the way */
    g_assert_cmpuint(sim_count_transitions(s, 7, 6, SRAID_NODE_FAILED_SLAVE),
                     ==, 0);
    sim_free(s);
}

/* The master reboots fast: the survivor takes over, the old one joins */
static void test_fast_reboot_master(void)
{
    static const uint8_t ids[] = { 6, 7 };
    Sim *s = make(2, ids, NULL);

    sim_start_all(s, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_FAST_REBOOT, 7, 0, 5);
    expect_nexus(s, 0, 7);
    run_ok(s, 30 * S_MS + 10);
    expect_nexus(s, 30 * S_MS + 10, 6);
    g_assert_cmpuint(sim_node_state(s, 7), ==, SRAID_NODE_ACTIVE_SLAVE);
    sim_free(s);
}

/* Fig. 17 step 1755: one cable cut, heartbeats go on over the other */
static void test_one_cable(void)
{
    static const uint8_t ids[] = { 5, 6, 7 };
    Sim *s = make(3, ids, NULL);

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    /* a slave's cable, then (6 reconnected) one of the master's */
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 6, 0, 0);
    run_ok(s, 50 * S_MS);
    assert_nexus(s);
    sim_add_fault(s, 50 * S_MS, SIM_F_CABLE_RESTORE, 6, 0, 0);
    sim_add_fault(s, 60 * S_MS, SIM_F_CABLE_CUT, 7, 1, 0);
    run_ok(s, 100 * S_MS);
    assert_nexus(s);
    for (uint8_t i = 5; i <= 7; i++) {
        g_assert_false(sim_node_suspended(s, i));
        g_assert_cmpuint(sim_count_transitions(s, 7, i,
                                               SRAID_NODE_FAILED_SLAVE),
                         ==, 0);
    }
    sim_free(s);
}

/* Every cable of a slave cut: it suspends itself, the others go on */
static void test_all_cables_slave(void)
{
    static const uint8_t ids[] = { 5, 6, 7 };
    Sim *s = make(3, ids, NULL);
    SraidMemberView v;

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 6, 0, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 6, 1, 0);
    run_ok(s, 30 * S_MS + sim_suspend_bound_ms(s));
    g_assert_true(sim_node_suspended(s, 6));
    g_assert_true(sim_node_view(s, 6, &v));
    g_assert_cmpint(v.suspend_reason, ==, SRAID_SUSPEND_CABLE_FAILURE);
    run_ok(s, 100 * S_MS);
    g_assert_cmphex(sim_masters(s), ==, 1u << 7);
    g_assert_false(sim_node_suspended(s, 5));
    g_assert_cmpuint(sim_node_state_of(s, 7, 5), ==, SRAID_NODE_NEXUS_SLAVE);
    sim_free(s);
}

/* Every cable of the master cut: it suspends, the next id takes over */
static void test_all_cables_master(void)
{
    static const uint8_t ids[] = { 5, 6, 7 };
    Sim *s = make(3, ids, NULL);
    SraidMemberView v;

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 7, 0, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 7, 1, 0);
    run_ok(s, 30 * S_MS + sim_suspend_bound_ms(s));
    g_assert_true(sim_node_suspended(s, 7));
    g_assert_true(sim_node_view(s, 7, &v));
    g_assert_cmpint(v.suspend_reason, ==, SRAID_SUSPEND_CABLE_FAILURE);
    run_ok(s, 30 * S_MS + sim_nexus_bound_ms(s));
    g_assert_cmphex(sim_masters(s), ==, 1u << 6);
    g_assert_cmpuint(sim_node_state_of(s, 6, 5), ==, SRAID_NODE_NEXUS_SLAVE);
    sim_free(s);
}

/*
 * Split brain: the bus between two nodes breaks, both still reach the
 * drives, each believes the other died (fig. 17: the drive answers).  The
 * disk lease (disk-lease.h) must leave exactly one master and suspend the
 * other side.
 */
static void test_partition(void)
{
    static const uint8_t ids[] = { 6, 7 };
    Sim *s = make(2, ids, NULL);
    uint32_t masters;

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    sim_add_fault(s, 30 * S_MS, SIM_F_PARTITION, 0, 0, 1u << 6);
    run_ok(s, 30 * S_MS + sim_nexus_bound_ms(s));
    masters = sim_masters(s);
    g_assert_cmpuint(__builtin_popcount(masters), ==, 1);
    if (masters == 1u << 7) {
        g_assert_true(sim_node_suspended(s, 6));
    } else {
        g_assert_true(sim_node_suspended(s, 7));
    }
    /* and it stays that way */
    run_ok(s, 200 * S_MS);
    g_assert_cmphex(sim_masters(s), ==, masters);
    sim_free(s);
}

/* Three nodes, the master alone on its side: the two others elect 6 */
static void test_partition_master_alone(void)
{
    static const uint8_t ids[] = { 5, 6, 7 };
    Sim *s = make(3, ids, NULL);

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    sim_add_fault(s, 30 * S_MS, SIM_F_PARTITION, 0, 0, 1u << 7);
    run_ok(s, 30 * S_MS + sim_nexus_bound_ms(s));
    g_assert_cmpuint(__builtin_popcount(sim_masters(s)), ==, 1);
    sim_free(s);
}

/*
 * Fig. 5 steps 520-540: no Node_Negotiate ever arrives; the slave times
 * out, becomes KILLED_SLAVE, Timed_Out_On_Negotiations, and suspends.
 */
static void test_negotiation_timeout(void)
{
    static const uint8_t ids[] = { 6, 7 };
    SimHooks h = { .lose_negotiate = true };
    Sim *s = make(2, ids, &h);
    SraidMemberView v;

    sim_start_all(s, 0);
    run_ok(s, SRAID_MEMBER_NEGOTIATION_MS_DEFAULT +
           2 * SRAID_MEMBER_MONITOR_MS_DEFAULT);
    g_assert_true(sim_node_view(s, 6, &v));
    g_assert_true(v.suspended);
    g_assert_cmpint(v.suspend_reason, ==, SRAID_SUSPEND_NEGOTIATION_TIMEOUT);
    g_assert_cmpuint(v.state, ==, SRAID_NODE_KILLED_SLAVE);
    g_assert_cmpuint(v.info, ==, SRAID_NODE_INFO_TIMED_OUT_ON_NEGOTIATIONS);
    g_assert_cmphex(sim_masters(s), ==, 1u << 7);
    sim_free(s);
}

/* A configuration change reaches the drives, written by the master only */
static void test_config_change(void)
{
    static const uint8_t ids[] = { 5, 6, 7 };
    Sim *s = make(3, ids, NULL);
    uint64_t g0;

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    g0 = sim_cod_generation(s);
    sim_add_fault(s, 30 * S_MS, SIM_F_CONFIG_CHANGE, 7, 0, 0);
    sim_add_fault(s, 50 * S_MS, SIM_F_CONFIG_CHANGE, 5, 0, 0);
    run_ok(s, 80 * S_MS);
    g_assert_cmpuint(sim_cod_generation(s), ==, g0 + 2);
    assert_nexus(s);
    sim_free(s);
}

/*
 * A slave's change while the master lost its channel 0 cable: the slave's
 * Node_Config_Changed on channel 0 finds no master and must go over
 * channel 1 (found in QEMU: the change stayed on the slave).
 */
static void test_config_change_other_channel(void)
{
    static const uint8_t ids[] = { 6, 7 };
    Sim *s = make(2, ids, NULL);
    uint64_t g0;

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    g0 = sim_cod_generation(s);
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 7, 0, 0);
    sim_add_fault(s, 30 * S_MS + 100, SIM_F_CONFIG_CHANGE, 6, 0, 0);
    run_ok(s, 45 * S_MS);
    g_assert_cmpuint(sim_cod_generation(s), ==, g0 + 1);
    g_assert_cmphex(sim_masters(s), ==, 1u << 7);
    sim_free(s);
}

/*
 * Split brain over disjoint drives: 7 keeps only channel 0, 6 only
 * channel 1, so they share no bus and no drive.  Each sees the other's
 * lease stand still on the drive it reaches.  At most one of them may
 * write the configuration (invariant (d)).
 */
static void test_disjoint_drives(void)
{
    static const uint8_t ids[] = { 6, 7 };
    Sim *s = make(2, ids, NULL);

    sim_start_all(s, 0);
    sim_add_fault(s, 20 * S_MS, SIM_F_CABLE_CUT, 7, 1, 0);
    sim_add_fault(s, 20 * S_MS, SIM_F_CABLE_CUT, 6, 0, 0);
    sim_add_fault(s, 50 * S_MS, SIM_F_CONFIG_CHANGE, 7, 0, 0);
    sim_add_fault(s, 55 * S_MS, SIM_F_CONFIG_CHANGE, 6, 0, 0);
    sim_add_fault(s, 60 * S_MS, SIM_F_CONFIG_CHANGE, 7, 0, 0);
    sim_add_fault(s, 65 * S_MS, SIM_F_CONFIG_CHANGE, 6, 0, 0);
    sim_add_fault(s, 70 * S_MS, SIM_F_QUIET, 0, 0, 0);
    if (!sim_run(s)) {
        sim_report(s, stdout);
        g_test_fail_printf("violation: %s", sim_violation(s));
    }
    sim_free(s);
}

/* The same, but 6 starts while it reaches only channel 1 */
static void test_disjoint_drives_start(void)
{
    static const uint8_t ids[] = { 6, 7 };
    Sim *s = make(2, ids, NULL);

    sim_start_all(s, 0);
    sim_add_fault(s, 20 * S_MS, SIM_F_CRASH, 6, 0, 0);
    sim_add_fault(s, 21 * S_MS, SIM_F_CABLE_CUT, 7, 1, 0);
    sim_add_fault(s, 21 * S_MS, SIM_F_CABLE_CUT, 6, 0, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_RESTART, 6, 0, 0);
    sim_add_fault(s, 50 * S_MS, SIM_F_CONFIG_CHANGE, 7, 0, 0);
    sim_add_fault(s, 55 * S_MS, SIM_F_CONFIG_CHANGE, 6, 0, 0);
    sim_add_fault(s, 60 * S_MS, SIM_F_CONFIG_CHANGE, 7, 0, 0);
    sim_add_fault(s, 65 * S_MS, SIM_F_CONFIG_CHANGE, 6, 0, 0);
    sim_add_fault(s, 70 * S_MS, SIM_F_QUIET, 0, 0, 0);
    if (!sim_run(s)) {
        sim_report(s, stdout);
        g_test_fail_printf("violation: %s", sim_violation(s));
    }
    sim_free(s);
}

/* Replay a schedule a random seed once produced, to the end */
static void run_schedule(uint64_t seed, unsigned n, const uint8_t *ids,
                         unsigned drives, const SimFault *f, unsigned nf)
{
    SimParams p;
    Sim *s;

    sim_params_default(&p, n, ids);
    p.seed = seed;
    p.drives_per_channel = drives;
    p.verbose = g_test_verbose();
    s = sim_new(&p);
    for (unsigned i = 0; i < nf; i++) {
        sim_add_fault(s, f[i].at, f[i].kind, f[i].node, f[i].channel,
                      f[i].arg);
    }
    if (!sim_run(s)) {
        sim_report(s, stdout);
        g_test_fail_printf("violation: %s", sim_violation(s));
    }
    sim_free(s);
}

/*
 * Regression, random seed 12 of the first generator: under 33% message
 * loss the master fails slave 5 and both Node_Kill copies are lost; 5
 * runs on as a slave in nexus in its own eyes, FAILED_SLAVE in the
 * master's, forever.  The master must repeat the kill (step 850) so the
 * host's resume can bring it back.
 */
static void test_lost_kill(void)
{
    static const uint8_t ids[] = { 6, 5, 4, 3, 2 };
    static const SimFault f[] = {
        { 2386, SIM_F_START, 3 }, { 4136, SIM_F_START, 2 },
        { 5279, SIM_F_START, 4 }, { 5980, SIM_F_START, 6 },
        { 6897, SIM_F_START, 5 }, { 12288, SIM_F_CONFIG_CHANGE, 4 },
        { 16913, SIM_F_CABLE_CUT, 4, 0 }, { 24646, SIM_F_DROP, 0, 0, 327 },
        { 36167, SIM_F_CABLE_CUT, 5, 1 }, { 42360, SIM_F_DROP, 0, 0, 0 },
        { 48745, SIM_F_CABLE_CUT, 2, 0 }, { 48981, SIM_F_RESUME, 4 },
        { 50326, SIM_F_CABLE_CUT, 2, 1 },
        { 51615, SIM_F_CABLE_RESTORE, 5, 1 }, { 59279, SIM_F_RESUME, 3 },
        { 59648, SIM_F_QUIET },
    };

    run_schedule(12, 5, ids, 2, f, G_N_ELEMENTS(f));
}

/*
 * Regression, random seed 3374: node 6, its channel 0 cut, becomes
 * master and reads the configuration from channel 1's drive only, older
 * than what the old master wrote on channel 0's.  Cables back, every
 * slave refuses its Node_Negotiate (CONFIG_MISMATCH, fig. 13 step 1315)
 * and suspends, forever, unless the master reads the drives again.
 */
static void test_stale_master_config(void)
{
    static const uint8_t ids[] = { 9, 8, 7, 6 };
    static const SimFault f[] = {
        { 500, SIM_F_START, 6 }, { 1306, SIM_F_START, 8 },
        { 3321, SIM_F_START, 9 }, { 5184, SIM_F_START, 7 },
        { 6575, SIM_F_FAST_REBOOT, 6, 0, 28 },
        { 12305, SIM_F_CABLE_CUT, 6, 0 },
        { 31366, SIM_F_PARTITION, 0, 0, (1u << 6) | (1u << 9) },
        { 38218, SIM_F_KILL_PEER, 9, 0, 8 },
        { 45329, SIM_F_PAUSE, 8, 0, 7769 },
        { 50112, SIM_F_CABLE_CUT, 9, 1 }, { 50355, SIM_F_HEAL },
        { 54422, SIM_F_CONFIG_CHANGE, 9 }, { 64441, SIM_F_CRASH, 9 },
        { 71347, SIM_F_RESTART, 9 }, { 71347, SIM_F_QUIET },
    };

    run_schedule(3374, 4, ids, 1, f, G_N_ELEMENTS(f));
}

/*
 * Regression, random seed 131090: node 14 is stopped (SIGSTOP) for 17 s
 * between its start-up scan and its decision; meanwhile 13 became master
 * in epoch 1.  Resumed, 14 decided on the lease it had read before its
 * stop, missed 13's claim and claimed epoch 1 too: two masters wrote COD
 * in one epoch.  A claim must rest on a lease read begun after its scan.
 */
static void test_stopped_claim(void)
{
    static const uint8_t ids[] = { 4, 13, 14, 11, 0 };
    static const SimFault f[] = {
        { 257, SIM_F_START, 4 }, { 1337, SIM_F_START, 14 },
        { 4357, SIM_F_START, 13 }, { 4436, SIM_F_PAUSE, 14, 0, 16920 },
        { 4849, SIM_F_START, 0 }, { 5208, SIM_F_START, 11 },
        { 19308, SIM_F_CONFIG_CHANGE, 13 }, { 36700, SIM_F_DROP, 0, 0, 43 },
        { 50307, SIM_F_CONFIG_CHANGE, 13 },
        { 55369, SIM_F_DROP, 0, 0, 464 }, { 55814, SIM_F_DELAY, 0, 0, 1675 },
        { 60012, SIM_F_DROP, 0, 0, 0 }, { 67208, SIM_F_DELAY, 0, 0, 0 },
        { 74312, SIM_F_QUIET },
    };

    run_schedule(131090, 5, ids, 2, f, G_N_ELEMENTS(f));
}

/*
 * Regression, seed 5592 of the PR workload: node 6 starts cut off from
 * the bus while node 5 is master, and is stopped for longer than a lease.
 * Resumed, it took node 5's slot for dead on its clock alone, before
 * reading the drives again, and became a second master in a partition.
 * A slot stands still only if a read begun a lease after its last change
 * says so: node 6 sees node 5 writing, does not take over, and suspends
 * as partitioned (its negotiation timeout has passed).
 */
static void test_paused_starter(void)
{
    static const uint8_t ids[] = { 5, 6 };
    Sim *s = make(2, ids, NULL);

    sim_add_fault(s, 538, SIM_F_START, 5, 0, 0);
    sim_add_fault(s, 2399, SIM_F_PARTITION, 0, 0, 1u << 6);
    sim_add_fault(s, 3813, SIM_F_START, 6, 0, 0);
    sim_add_fault(s, 9156, SIM_F_PAUSE, 6, 0, 15517);
    for (uint64_t t = 24 * S_MS; t <= 30 * S_MS; t += 100) {
        run_ok(s, t);
        g_assert_cmphex(sim_masters(s), ==, 1u << 5);
    }
    /* cut off past its negotiation timeout: it waits for a person */
    g_assert_true(sim_node_suspended(s, 6));
    sim_free(s);
}

/*
 * Regression, seed 27376 of the PR workload: the master restarts fast and
 * announces it by a bus reset while its two slaves each lost a different
 * channel (no channel and no drive in common).  The bus reset started an
 * election without the rule that only a node reading every channel may
 * take over: both slaves became master.  Now both suspend (partitioned).
 */
static void test_disjoint_slaves_master_reboot(void)
{
    static const uint8_t ids[] = { 7, 5, 6 };
    Sim *s = make(3, ids, NULL);

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 5, 0, 0);
    sim_add_fault(s, 31 * S_MS, SIM_F_CABLE_CUT, 6, 1, 0);
    sim_add_fault(s, 40 * S_MS, SIM_F_FAST_REBOOT, 7, 0, 45);
    for (uint64_t t = 40 * S_MS; t <= 50 * S_MS; t += 100) {
        run_ok(s, t);
        g_assert_false((sim_masters(s) & (1u << 5)) &&
                       (sim_masters(s) & (1u << 6)));
    }
    g_assert_true(sim_node_suspended(s, 5));
    g_assert_true(sim_node_suspended(s, 6));
    sim_free(s);
}

/*
 * Regression, seed 40293 of the PR workload: the master is stopped; its
 * slave starts an election with every cable, and loses one during the
 * election scan.  It became master anyway, reading only the other
 * channel's drives, and the old master, resumed, kept ordering on the
 * drives of the channel it still had: two masters on disjoint drives.  The
 * every-channel rule holds at the decision too: the slave suspends.
 */
static void test_cable_lost_in_election(void)
{
    static const uint8_t ids[] = { 6, 7 };
    Sim *s = make(2, ids, NULL);

    sim_start_all(s, 0);
    expect_nexus(s, 0, 7);
    sim_add_fault(s, 30 * S_MS, SIM_F_PAUSE, 7, 0, 20 * S_MS);
    /* node 6's election scan runs from t=36008 to t=37008 */
    sim_add_fault(s, 36500, SIM_F_CABLE_CUT, 6, 1, 0);
    for (uint64_t t = 30 * S_MS; t <= 45 * S_MS; t += 100) {
        run_ok(s, t);
        g_assert_false(sim_masters(s) & (1u << 6));
    }
    g_assert_true(sim_node_suspended(s, 6));
    sim_free(s);
}

/*
 * Regression, seed 57403 of the PR workload: a master crashes and powers
 * on again alone.  Its first lease write, before any read, replaced its
 * own slot (its term, epoch e) with a fresh node's knowledge, and it
 * started epoch e again: the persistent reservations it ordered before
 * and after shared versions.  The first read comes before the first
 * write, and a term's epoch carries the node id: the new term is above.
 */
static void test_power_on_epoch_above(void)
{
    static const uint8_t ids[] = { 5 };
    SraidMemberView v;
    uint64_t before;
    Sim *s = make(1, ids, NULL);

    sim_start_all(s, 0);
    run_ok(s, 20 * S_MS);
    g_assert_cmphex(sim_masters(s), ==, 1u << 5);
    g_assert_true(sim_node_view(s, 5, &v));
    before = v.epoch;
    g_assert_cmpuint(before & 0xf, ==, 5);
    sim_add_fault(s, 20 * S_MS + 1, SIM_F_CRASH, 5, 0, 0);
    sim_add_fault(s, 25 * S_MS, SIM_F_RESTART, 5, 0, 0);
    run_ok(s, 45 * S_MS);
    g_assert_cmphex(sim_masters(s), ==, 1u << 5);
    g_assert_true(sim_node_view(s, 5, &v));
    g_assert_cmpuint(v.epoch, >, before);
    sim_free(s);
}

/*
 * Regression, random seed 80270 (with the lease read before the first
 * write): node 1, the last running slave, elected during a slow scan in
 * which node 14 answered INQUIRY while killed (booting clear) and its
 * state after it had resumed as a joiner (active slave waiting for
 * negotiations).  Node 1 took it for a running slave and followed it;
 * node 14 and the other joiners waited for the survivors' master: every
 * node timed out on negotiation.  A slave waiting for its first
 * negotiation is a joiner, whatever its INQUIRY said.
 */
static void test_joiner_not_voted(void)
{
    static const uint8_t ids[] = { 15, 14, 8, 9, 1 };
    static const SimFault f[] = {
        { 735, SIM_F_START, 14 }, { 898, SIM_F_START, 9 },
        { 1071, SIM_F_START, 15 }, { 1925, SIM_F_START, 8 },
        { 7186, SIM_F_PARTITION, 0, 0,
          (1u << 1) | (1u << 9) | (1u << 14) | (1u << 15) },
        { 7511, SIM_F_START, 1 }, { 10266, SIM_F_CABLE_CUT, 14, 1 },
        { 12143, SIM_F_CONFIG_CHANGE, 14 }, { 13391, SIM_F_HEAL },
        { 13511, SIM_F_DROP, 0, 0, 38 },
        { 14089, SIM_F_FAST_REBOOT, 8, 0, 9 },
        { 23174, SIM_F_DROP, 0, 0, 0 }, { 23699, SIM_F_CRASH, 15 },
        { 27173, SIM_F_KILL_PEER, 1, 0, 9 },
        { 27229, SIM_F_DELAY, 0, 0, 1253 },
        { 31316, SIM_F_DELAY, 0, 0, 0 },
        { 31316, SIM_F_CABLE_RESTORE, 14, 1 },
        { 31316, SIM_F_RESTART, 15 }, { 31316, SIM_F_QUIET },
    };

    run_schedule(80270, 5, ids, 1, f, G_N_ELEMENTS(f));
}

/*
 * Regression, random seed 444138: both nodes restart (node 5 twice,
 * fast), and with every node's record of the old terms gone the next
 * master took epoch 1 again, below a term already written to the drives.
 * Epochs must only grow: every slot carries the newest epoch its writer
 * knows, a node's own old slot included.
 */
static void test_epochs_grow(void)
{
    static const uint8_t ids[] = { 5, 4 };
    static const SimFault f[] = {
        { 2616, SIM_F_START, 5 }, { 6395, SIM_F_START, 4 },
        { 10520, SIM_F_DELAY, 0, 0, 2328 },
        { 14349, SIM_F_FAST_REBOOT, 5, 0, 1 },
        { 21811, SIM_F_CONFIG_CHANGE, 5 },
        { 23253, SIM_F_FAST_REBOOT, 5, 0, 12 },
        { 30881, SIM_F_DELAY, 0, 0, 0 },
        { 33377, SIM_F_CONFIG_CHANGE, 5 }, { 39399, SIM_F_QUIET },
    };

    run_schedule(444138, 2, ids, 2, f, G_N_ELEMENTS(f));
}

/* The same seed twice: the same events, the same outcome */
static void test_replay(void)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        Sim *a = sim_new_random(seed, false);
        Sim *b = sim_new_random(seed, false);
        bool ra = sim_run(a), rb = sim_run(b);

        g_assert_cmpint(ra, ==, rb);
        g_assert_cmpuint(sim_events(a), ==, sim_events(b));
        g_assert_cmpuint(sim_now(a), ==, sim_now(b));
        g_assert_cmpuint(sim_cod_writes(a), ==, sim_cod_writes(b));
        sim_free(a);
        sim_free(b);
    }
}

/* ---- the invariant checks catch violations ------------------------- */

static void expect_violation(Sim *s, const char *prefix)
{
    g_assert_false(sim_run(s));
    if (g_test_verbose()) {
        sim_report(s, stdout);
    }
    g_assert_true(g_str_has_prefix(sim_violation(s), prefix));
}

/* (a): a partition that never heals, each side blind to the other's lease */
static void test_selftest_two_masters(void)
{
    static const uint8_t ids[] = { 6, 7 };
    SimHooks h = { .split_forever = true };
    Sim *s = make(2, ids, &h);

    sim_start_all(s, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_PARTITION, 0, 0, 1u << 6);
    sim_add_fault(s, 60 * S_MS, SIM_F_QUIET, 0, 0, 0);
    expect_violation(s, "(a)");
    sim_free(s);
}

/* (b): negotiations lost behind the checker's back */
static void test_selftest_no_nexus(void)
{
    static const uint8_t ids[] = { 6, 7 };
    SimHooks h = { .lose_negotiate = true };
    Sim *s = make(2, ids, &h);

    sim_start_all(s, 0);
    sim_add_fault(s, 1 * S_MS, SIM_F_QUIET, 0, 0, 0);
    expect_violation(s, "(b)");
    sim_free(s);
}

/* (c): cables the checker believes cut keep working */
static void test_selftest_no_suspend(void)
{
    static const uint8_t ids[] = { 6, 7 };
    SimHooks h = { .fake_cable_cut = true };
    Sim *s = make(2, ids, &h);

    sim_start_all(s, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 6, 0, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_CABLE_CUT, 6, 1, 0);
    sim_add_fault(s, 90 * S_MS, SIM_F_QUIET, 0, 0, 0);
    expect_violation(s, "(c)");
    sim_free(s);
}

/* (d): the master writes an older generation than the drives hold */
static void test_selftest_stale_cod(void)
{
    static const uint8_t ids[] = { 6, 7 };
    SimHooks h = { .stale_cod_at = 40 * S_MS };
    Sim *s = make(2, ids, &h);

    sim_start_all(s, 0);
    sim_add_fault(s, 30 * S_MS, SIM_F_CONFIG_CHANGE, 7, 0, 0);
    sim_add_fault(s, 60 * S_MS, SIM_F_QUIET, 0, 0, 0);
    expect_violation(s, "(d)");
    sim_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/sim/start/together-2", GUINT_TO_POINTER(2),
                         test_together);
    g_test_add_data_func("/sim/start/together-3", GUINT_TO_POINTER(3),
                         test_together);
    g_test_add_data_func("/sim/start/together-4", GUINT_TO_POINTER(4),
                         test_together);
    g_test_add_func("/sim/start/staggered", test_staggered);
    g_test_add_func("/sim/start/joiner-higher-id", test_joiner_higher);
    g_test_add_func("/sim/failure/master-crash", test_master_crash);
    g_test_add_func("/sim/failure/fast-reboot", test_fast_reboot);
    g_test_add_func("/sim/failure/fast-reboot-master",
                    test_fast_reboot_master);
    g_test_add_func("/sim/cable/one-cut", test_one_cable);
    g_test_add_func("/sim/cable/all-cut-slave", test_all_cables_slave);
    g_test_add_func("/sim/cable/all-cut-master", test_all_cables_master);
    g_test_add_func("/sim/partition/two-nodes", test_partition);
    g_test_add_func("/sim/partition/master-alone",
                    test_partition_master_alone);
    g_test_add_func("/sim/negotiation/timeout", test_negotiation_timeout);
    g_test_add_func("/sim/config/change", test_config_change);
    g_test_add_func("/sim/config/change-other-channel",
                    test_config_change_other_channel);
    g_test_add_func("/sim/partition/disjoint-drives", test_disjoint_drives);
    g_test_add_func("/sim/partition/disjoint-drives-start",
                    test_disjoint_drives_start);
    g_test_add_func("/sim/regress/lost-kill", test_lost_kill);
    g_test_add_func("/sim/regress/stopped-claim", test_stopped_claim);
    g_test_add_func("/sim/regress/epochs-grow", test_epochs_grow);
    g_test_add_func("/sim/regress/joiner-not-voted", test_joiner_not_voted);
    g_test_add_func("/sim/regress/paused-starter", test_paused_starter);
    g_test_add_func("/sim/regress/power-on-epoch-above",
                    test_power_on_epoch_above);
    g_test_add_func("/sim/regress/cable-lost-in-election",
                    test_cable_lost_in_election);
    g_test_add_func("/sim/regress/disjoint-slaves-master-reboot",
                    test_disjoint_slaves_master_reboot);
    g_test_add_func("/sim/regress/stale-master-config",
                    test_stale_master_config);
    g_test_add_func("/sim/replay/deterministic", test_replay);
    g_test_add_func("/sim/selftest/a-two-masters", test_selftest_two_masters);
    g_test_add_func("/sim/selftest/b-no-nexus", test_selftest_no_nexus);
    g_test_add_func("/sim/selftest/c-no-suspend", test_selftest_no_suspend);
    g_test_add_func("/sim/selftest/d-stale-cod", test_selftest_stale_cod);
    return g_test_run();
}
