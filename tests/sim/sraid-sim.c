/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid-sim: run random seeds of the membership simulation, or replay one.
 *
 *   sraid-sim --seed N [--verbose]     replay seed N, print its schedule
 *   sraid-sim --seeds N [--first S]    run seeds S .. S+N-1
 *   sraid-sim --seconds T [--first S]  run seeds from S for T seconds
 *   sraid-sim --seed N --until MS      stop there, print the last events
 *   --pr                               persistent reservations too
 *   --keep-going                       one line per failing seed, go on
 *
 * Exit status 1 on the first violation, after printing the seed, its
 * fault schedule and the last events (docs/membership.md, "Simulation").
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

int main(int argc, char **argv)
{
    gint64 seed = -1, seeds = 0, first = 1, seconds = 0, until = 0;
    gboolean verbose = FALSE, keep_going = FALSE, pr = FALSE;
    uint64_t failed = 0;
    GOptionEntry entries[] = {
        { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
          "replay this seed", "N" },
        { "seeds", 0, 0, G_OPTION_ARG_INT64, &seeds,
          "run this many seeds", "N" },
        { "first", 0, 0, G_OPTION_ARG_INT64, &first,
          "first seed of a run", "S" },
        { "seconds", 0, 0, G_OPTION_ARG_INT64, &seconds,
          "run seeds for this long (wall clock)", "T" },
        { "until", 0, 0, G_OPTION_ARG_INT64, &until,
          "with --seed: stop at this virtual ms, print the last events",
          "MS" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
          "print every fault and state transition", NULL },
        { "pr", 0, 0, G_OPTION_ARG_NONE, &pr,
          "persistent reservations too: random PR OUT commands on every "
          "node, PR invariants (p1)-(p6)", NULL },
        { "keep-going", 'k', 0, G_OPTION_ARG_NONE, &keep_going,
          "a violation prints one line; run the other seeds", NULL },
        { NULL },
    };
    GOptionContext *ctx = g_option_context_new("- membership simulation");
    GError *err = NULL;
    gint64 t0 = g_get_monotonic_time();
    uint64_t events = 0, n = 0;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "sraid-sim: %s\n", err->message);
        return 2;
    }
    g_option_context_free(ctx);
    if (seed >= 0) {
        first = seed;
        seeds = 1;
    } else if (!seeds && !seconds) {
        seeds = 1000;
    }
    for (uint64_t sd = first;; sd++) {
        Sim *s;
        bool ok;

        if (seeds && n >= (uint64_t)seeds) {
            break;
        }
        if (!seeds && g_get_monotonic_time() - t0 >= seconds * 1000000) {
            break;
        }
        s = sim_new_random_pr(sd, verbose, pr);
        if (seed >= 0) {
            sim_print_schedule(s, stdout);
        }
        if (seed >= 0 && until > 0) {
            sim_run_until(s, until);
            sim_report(s, stdout);
            sim_free(s);
            return 0;
        }
        ok = sim_run(s);
        events += sim_events(s);
        n++;
        if (!ok && keep_going && seed < 0) {
            printf("# seed %" PRIu64 ": %s\n", sd, sim_violation(s));
            failed++;
        } else if (!ok) {
            sim_report(s, stdout);
            sim_free(s);
            return 1;
        }
        if (seed >= 0) {
            printf("# seed %" PRIu64 ": ok, %" PRIu64 " events, %u COD "
                   "writes, nexus within %" PRIu64 " ms of the quiet phase "
                   "required\n", sd, sim_events(s), sim_cod_writes(s),
                   sim_nexus_bound_ms(s));
        }
        sim_free(s);
        if (seed < 0 && n % 10000 == 0) {
            printf("# %" PRIu64 " seeds ok, %.1f s\n", n,
                   (g_get_monotonic_time() - t0) / 1e6);
            fflush(stdout);
        }
    }
    printf("# %" PRIu64 " seeds from %" PRId64 ", %" PRIu64 " failed, %"
           PRIu64 " events, %.1f s\n", n, first, failed, events,
           (g_get_monotonic_time() - t0) / 1e6);
    return failed ? 1 : 0;
}
