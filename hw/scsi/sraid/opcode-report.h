/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: REPORT SUPPORTED OPERATION CODES (SPC-4 6.35).
 *
 * Each kind of logical unit we expose (logical drive, controller) has a
 * table of the commands it executes, with the CDB usage data of each: the
 * bits of the CDB the device server interprets.  Initiators read it to pick
 * commands (Linux asks for WRITE SAME(16) and others one by one; Windows
 * and sg_opcodes ask for the whole list), so the table must match what the
 * unit really does; tests send every listed opcode and check none of them
 * is refused as unknown.
 */
#ifndef SRAID_OPCODE_REPORT_H
#define SRAID_OPCODE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cdb.h"
#include "sense.h"

/* MAINTENANCE IN and its service action (SPC-4 6.35.1) */
#define SRAID_OP_MAINTENANCE_IN             0xa3
#define SRAID_SA_REPORT_SUPPORTED_OPCODES   0x0c

/* No service action: the command's opcode alone names it. */
#define SRAID_NO_SERVICE_ACTION             (-1)

typedef struct SraidOpcodeDesc {
    uint8_t opcode;
    int16_t service_action;     /* or SRAID_NO_SERVICE_ACTION */
    uint8_t cdb_len;
    /* CDB USAGE DATA (SPC-4 6.35.3): byte 0 is the opcode itself */
    uint8_t usage[SRAID_CDB_MAX_LEN];
} SraidOpcodeDesc;

typedef struct SraidOpcodeTable {
    const SraidOpcodeDesc *cmds;
    size_t count;
} SraidOpcodeTable;

/* A logical drive: SBC-4 direct access (what sraid-ld executes). */
extern const SraidOpcodeTable sraid_ld_opcodes;
/* The controller's own unit, peripheral type 0Ch (ctrl-lun.c). */
extern const SraidOpcodeTable sraid_ctrl_lun_opcodes;

/* Does @table list @opcode (with any service action)? */
bool sraid_opcode_listed(const SraidOpcodeTable *table, uint8_t opcode);

/* Is @cdb a REPORT SUPPORTED OPERATION CODES command? */
bool sraid_is_report_opcodes(const uint8_t *cdb, size_t cdb_len);

/*
 * Build the parameter data REPORT SUPPORTED OPERATION CODES @cdb asks for
 * from @table, cut to its allocation length and to @buf_len.  Returns the
 * number of bytes placed in @buf, or -1 with @sense set when the CDB is
 * invalid (unknown reporting option, a one-command request that names a
 * service action for an opcode without one or the other way round).
 */
long sraid_report_opcodes(const SraidOpcodeTable *table, const uint8_t *cdb,
                          uint8_t *buf, size_t buf_len, SraidSense *sense);

/*
 * The longest parameter data sraid_report_opcodes() can build for @table
 * (all commands, with timeouts descriptors).
 */
size_t sraid_report_opcodes_max_len(const SraidOpcodeTable *table);

#endif /* SRAID_OPCODE_REPORT_H */
