/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Random fault schedules on the membership simulator: SIM_SEEDS seeds
 * (default SIM_SEEDS_DEFAULT, sized for make check), 2-5 nodes, 2
 * channels.  A failing seed prints its schedule and the last events;
 * replay it with build/core/tests/sim/sraid-sim --seed N --verbose.
 * Then the first SIM_PR_SEEDS_DEFAULT seeds again with persistent
 * reservation traffic (sraid-sim --pr, docs/simulation.md).
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

#define SIM_SEEDS_DEFAULT   2000
#define SIM_BATCHES         4
#define SIM_PR_SEEDS_DEFAULT 600

static uint64_t nseeds;

static void test_batch(gconstpointer data)
{
    unsigned b = GPOINTER_TO_UINT(data);
    uint64_t per = (nseeds + SIM_BATCHES - 1) / SIM_BATCHES;
    uint64_t first = 1 + b * per;
    uint64_t last = MIN(nseeds, first + per - 1);

    for (uint64_t seed = first; seed <= last; seed++) {
        Sim *s = sim_new_random(seed, false);

        if (!sim_run(s)) {
            sim_report(s, stdout);
            g_test_fail_printf("seed %" PRIu64 ": %s", seed,
                               sim_violation(s));
            sim_free(s);
            return;
        }
        sim_free(s);
    }
}

/* The same fault schedules with PR OUT commands from every node */
static void test_pr(void)
{
    for (uint64_t seed = 1; seed <= SIM_PR_SEEDS_DEFAULT; seed++) {
        Sim *s = sim_new_random_pr(seed, false, true);

        if (!sim_run(s)) {
            sim_report(s, stdout);
            g_test_fail_printf("seed %" PRIu64 " (--pr): %s", seed,
                               sim_violation(s));
            sim_free(s);
            return;
        }
        sim_free(s);
    }
}

int main(int argc, char **argv)
{
    const char *env = getenv("SIM_SEEDS");

    g_test_init(&argc, &argv, NULL);
    nseeds = env ? g_ascii_strtoull(env, NULL, 10) : SIM_SEEDS_DEFAULT;
    for (unsigned b = 0; b < SIM_BATCHES; b++) {
        g_autofree char *path = g_strdup_printf("/sim/random/batch-%u", b);

        g_test_add_data_func(path, GUINT_TO_POINTER(b), test_batch);
    }
    g_test_add_func("/sim/random/pr", test_pr);
    return g_test_run();
}
