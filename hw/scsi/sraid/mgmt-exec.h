/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the receiving side of the guest management command
 * set (mgmt-cmd.h).  vendor-exec.c hands it the management DCMDs that came
 * from this node's host (the guest path); it checks the permission the
 * controller's guest-management property gives, the parameter list, and
 * asks the owner through SraidMgmtOps: the views are filled in at once,
 * the writes run through the same functions QMP uses and may finish later
 * (SRAID_MGMT_PENDING, then sraid_mgmt_answer()).  Nothing here blocks.
 */
#ifndef SRAID_MGMT_EXEC_H
#define SRAID_MGMT_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt-cmd.h"
#include "scsi-result.h"

/* How the owner's write ended, before it becomes status and sense */
typedef enum SraidMgmtOutcome {
    SRAID_MGMT_DONE = 0,            /* GOOD */
    SRAID_MGMT_PENDING,             /* the owner answers later */
    SRAID_MGMT_NOT_MASTER,          /* @master: the node to ask */
    SRAID_MGMT_NO_SUCH,             /* what parameter byte @field names */
    SRAID_MGMT_IN_PROGRESS,         /* a rebuild or check runs */
    SRAID_MGMT_REFUSED,             /* the array refuses (level, space...) */
} SraidMgmtOutcome;

typedef struct SraidMgmtAnswer {
    SraidMgmtOutcome outcome;
    uint8_t master;                 /* NOT_MASTER; SRAID_NODE_NONE: unknown */
    uint32_t field;                 /* NO_SUCH: parameter list offset */
} SraidMgmtAnswer;

typedef struct SraidMgmtOps {
    void (*ctrl_info)(void *opaque, SraidMgmtCtrlInfo *c);
    void (*pd_list)(void *opaque, SraidMgmtPdList *l);
    void (*ld_list)(void *opaque, SraidMgmtLdList *l);
    void (*bg_info)(void *opaque, SraidMgmtBg *o);
    /* A decoded, permitted write; *@a starts as DONE */
    void (*write)(void *opaque, const SraidMgmtWrite *w, SraidMgmtAnswer *a);
} SraidMgmtOps;

typedef struct SraidMgmt {
    SraidMgmtPerm perm;
    const SraidMgmtOps *ops;        /* NULL: NOT READY, 80h/05h */
    void *opaque;
} SraidMgmt;

/* "off", "read", "full" */
bool sraid_mgmt_perm_parse(const char *s, SraidMgmtPerm *perm);
const char *sraid_mgmt_perm_name(SraidMgmtPerm perm);

void sraid_mgmt_init(SraidMgmt *m, SraidMgmtPerm perm,
                     const SraidMgmtOps *ops, void *opaque);

/*
 * Execute management command @c from this node's host (the caller checked
 * the CDB, its LUN and the source).  @suspended: the node awaits a person,
 * so writes are refused.  res->pending set: the owner's write answered
 * SRAID_MGMT_PENDING and completes the command itself.
 */
void sraid_mgmt_execute(SraidMgmt *m, bool suspended, const SraidVendorCdb *c,
                        const uint8_t *data_out, size_t data_out_len,
                        uint8_t *data_in, size_t data_in_len,
                        SraidScsiResult *res);

/* The status and sense of a write's answer (DONE: GOOD) */
void sraid_mgmt_answer(const SraidMgmtAnswer *a, SraidScsiResult *res);

#endif /* SRAID_MGMT_EXEC_H */
