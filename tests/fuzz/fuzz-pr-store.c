/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: the persistent reservation area (pr-store.h), what a
 * controller reads from every member's metadata area at start.  A record
 * that decodes must encode back to the same bytes (the format is
 * canonical); one that does not must leave an empty state and a reason.
 * The input also goes through the load's selection as a member's area.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pr-store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SraidPrState st;
    static uint8_t again[SRAID_PRS_SLOT_LEN];
    static SraidCod cod;
    SraidPrsIdentity id;
    uint64_t gen = 0;
    char *why = NULL;
    SraidPrsVerdict v = sraid_prs_decode(data, size, &id, &gen, &st, &why);

    if (v != SRAID_PRS_VALID) {
        if (st.nregs || st.type || (v == SRAID_PRS_DAMAGED) != !!why) {
            abort();
        }
        free(why);
    } else {
        size_t n = SRAID_PRS_HEADER_LEN + (data[12] | data[13] << 8 |
                                           data[14] << 16 |
                                           (uint32_t)data[15] << 24);

        if (why || gen == 0 || n > size ||
            sraid_prs_encode(&id, gen, &st, again) < n ||
            memcmp(again, data, n) != 0) {
            abort();
        }
    }
    /* the selection over a whole area: records of LD 0 of an array */
    {
        GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
        SraidPrsLoad *l;

        cod.nlds = 1;
        cod.lds[0].id = v == SRAID_PRS_VALID ? id.ld_id : 0;
        l = sraid_prs_load_new(&cod);
        sraid_prs_load_disk(l, 0, data, size, problems);
        if (problems->len != l->damaged + l->foreign) {
            abort();
        }
        sraid_prs_load_free(l);
        g_ptr_array_free(problems, TRUE);
    }
    return 0;
}
