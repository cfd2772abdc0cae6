/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * libFuzzer target: arbitrary bytes as a CDB of the controller unit.
 * The first byte chooses the CDB length the transport claims (0-16) and the
 * data-in buffer size; the rest is the CDB.  Checks that the result is well
 * formed and that nothing is written past the buffer or the allocation
 * length the CDB carries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdb.h"
#include "ctrl-lun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SraidCtrlLun lun;
    static int ready;
    uint8_t cdb[SRAID_CDB_MAX_LEN] = { 0 };
    uint8_t buf[SRAID_CTRL_LUN_MAX_DATA_IN + 1];
    SraidScsiResult res;
    size_t cdb_len, buf_len;

    if (!ready) {
        SraidLunIdentity id;

        if (!sraid_lun_identity_set(&id, SRAID_TYPE_STORAGE_ARRAY, "SRAID",
                                    "CLUSTER RAID", "0001", "FUZZ",
                                    0x3000000000000001ULL, NULL)) {
            abort();
        }
        sraid_ctrl_lun_init(&lun, &id);
        ready = 1;
    }
    if (size < 1) {
        return 0;
    }
    cdb_len = data[0] % (SRAID_CDB_MAX_LEN + 1);
    buf_len = (data[0] >> 4) * 16 + 1;          /* 1..241 */
    memcpy(cdb, data + 1, MIN(size - 1, sizeof(cdb)));
    memset(buf, 0xa5, sizeof(buf));
    sraid_ctrl_lun_execute(&lun, cdb, MIN(cdb_len, size - 1), buf, buf_len,
                           &res);
    if (res.data_len > buf_len || buf[buf_len] != 0xa5) {
        abort();
    }
    if (res.status != SRAID_STATUS_GOOD &&
        (res.data_len != 0 || res.sense_len != SRAID_SENSE_FIXED_LEN ||
         res.sense[0] != 0x70)) {
        abort();
    }
    if (res.status == SRAID_STATUS_GOOD && cdb[0] == 0x12 &&
        res.data_len > sraid_get_be16(cdb + 3)) {
        abort();
    }
    return 0;
}
