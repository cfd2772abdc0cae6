/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: the parameter lists of the cluster's persistent
 * reservation commands (pr-cluster-msg.h, DCMDs 20h-25h), what a peer
 * controller sends.  The first byte picks the decoder.  Whatever decodes
 * must encode back to the same bytes (the lists are canonical); the
 * state inside PR_State must then decode or be refused whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pr-cluster-msg.h"

static void same(const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen)
{
    if (alen != blen || memcmp(a, b, alen) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t again[SRAID_VENDOR_MAX_XFER];
    static SraidPrState st;
    SraidParamError err;

    if (!size) {
        return 0;
    }
    switch (data[0] % 5) {
    case 0: {
        SraidPrRequestMsg m;

        if (sraid_pr_request_decode(data + 1, size - 1, &m, &err)) {
            same(again, sraid_pr_request_encode(&m, again, sizeof(again)),
                 data + 1, size - 1);
        }
        break;
    }
    case 1: {
        SraidPrApplyMsg m;

        if (sraid_pr_apply_decode(data + 1, size - 1, &m, &err)) {
            same(again, sraid_pr_apply_encode(&m, again, sizeof(again)),
                 data + 1, size - 1);
        }
        break;
    }
    case 2: {
        SraidPrStateMsg m;

        if (sraid_pr_state_decode(data + 1, size - 1, &m, &err)) {
            same(again, sraid_pr_state_encode(&m, again, sizeof(again)),
                 data + 1, size - 1);
            if (!sraid_pr_decode(m.state, m.state_len, &st) &&
                st.nregs != 0) {
                abort();
            }
        }
        break;
    }
    case 3: {
        SraidPrPollMsg m;

        if (sraid_pr_poll_decode(data + 1, size - 1, &m, &err)) {
            same(again, sraid_pr_poll_encode(&m, again, sizeof(again)),
                 data + 1, size - 1);
        }
        break;
    }
    default: {
        SraidPrSyncMsg m;

        if (sraid_pr_sync_decode(data + 1, size - 1, &m, &err)) {
            same(again, sraid_pr_sync_encode(&m, again, sizeof(again)),
                 data + 1, size - 1);
        }
        break;
    }
    }
    return 0;
}
