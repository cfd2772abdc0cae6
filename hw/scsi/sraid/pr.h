/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: SPC-4 persistent reservations of one logical unit
 * (SPC-4 5.7, PERSISTENT RESERVE IN 6.15, PERSISTENT RESERVE OUT 6.16) as
 * a pure state machine.
 *
 * The owner (a logical drive, later the cluster) keeps one SraidPrState per
 * logical unit, calls sraid_pr_check() before executing any command,
 * hands PERSISTENT RESERVE IN/OUT to sraid_pr_in()/sraid_pr_out(), and
 * carries out the effects sraid_pr_out() returns (unit attentions to
 * queue, tasks to abort).  The state serializes canonically
 * (sraid_pr_encode/decode) so it can travel between controllers and be
 * stored for APTPL.  docs/persistent-reservations.md has the details.
 */
#ifndef SRAID_PR_H
#define SRAID_PR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsi-result.h"

#define SRAID_OP_PERSISTENT_RESERVE_IN  0x5e
#define SRAID_OP_PERSISTENT_RESERVE_OUT 0x5f

/* PERSISTENT RESERVE IN service actions (SPC-4 table 169) */
#define SRAID_PRIN_READ_KEYS            0x00
#define SRAID_PRIN_READ_RESERVATION     0x01
#define SRAID_PRIN_REPORT_CAPABILITIES  0x02
#define SRAID_PRIN_READ_FULL_STATUS     0x03

/* PERSISTENT RESERVE OUT service actions (SPC-4 table 210) */
#define SRAID_PROUT_REGISTER            0x00
#define SRAID_PROUT_RESERVE             0x01
#define SRAID_PROUT_RELEASE             0x02
#define SRAID_PROUT_CLEAR               0x03
#define SRAID_PROUT_PREEMPT             0x04
#define SRAID_PROUT_PREEMPT_AND_ABORT   0x05
#define SRAID_PROUT_REGISTER_IGNORE     0x06
#define SRAID_PROUT_REGISTER_AND_MOVE   0x07

/* Persistent reservation types (SPC-4 table 212) */
#define SRAID_PR_TYPE_WE                0x1     /* Write Exclusive */
#define SRAID_PR_TYPE_EA                0x3     /* Exclusive Access */
#define SRAID_PR_TYPE_WE_RO             0x5     /* ... Registrants Only */
#define SRAID_PR_TYPE_EA_RO             0x6
#define SRAID_PR_TYPE_WE_AR             0x7     /* ... All Registrants */
#define SRAID_PR_TYPE_EA_AR             0x8

/* Protocol identifiers of the TransportIDs we accept (SPC-4 table 362) */
#define SRAID_PR_PROTO_ISCSI            0x5
#define SRAID_PR_PROTO_SAS              0x6

/*
 * Bounds.  128 registrations per logical unit: a cluster of 16 nodes with
 * a guest path and two iSCSI channels each, several sessions per initiator,
 * fits with room; the 129th gets INSUFFICIENT REGISTRATION RESOURCES
 * (SPC-4 5.7.7).  An iSCSI TransportID is at most 4 + 223 (name) + 5
 * (",i,0x") + 12 (ISID) + NUL, padded to 4: 248 bytes (SPC-4 7.6.4.6).
 */
#define SRAID_PR_MAX_REGS               128
#define SRAID_PR_TID_MAX                248
#define SRAID_PR_ISCSI_NAME_MAX         223
/* every node's guest path and iSCSI portal groups (16 x (1 + 4)) */
#define SRAID_PR_MAX_PORTS              80
/* A PR OUT parameter list longer than this is refused (1Ah/00h) */
#define SRAID_PR_OUT_MAX_PARAM          (28 + SRAID_PR_MAX_REGS * 248)
/* Unit attentions and aborts one PR OUT can cause, at most */
#define SRAID_PR_MAX_EFFECTS            (2 * SRAID_PR_MAX_REGS + 2)

/*
 * An initiator port TransportID in its canonical encoded form (SPC-4
 * 7.6.4): iSCSI format 01b "name,i,0x<isid>" with name and hex digits in
 * lower case, or the sraid guest path (a SAS TransportID, see
 * sraid_pr_tid_guest()).  Canonical, so equal ports compare equal with
 * memcmp().
 */
typedef struct SraidPrTid {
    uint16_t len;
    uint8_t b[SRAID_PR_TID_MAX];
} SraidPrTid;

/* An I_T nexus: initiator port and relative target port identifier */
typedef struct SraidPrNexus {
    SraidPrTid initiator;
    uint16_t rtpi;              /* 1..65535 (SPC-4 7.8.6.6: 0 reserved) */
} SraidPrNexus;

typedef struct SraidPrReg {
    uint64_t key;               /* never 0: key 0 unregisters */
    SraidPrTid initiator;
    uint16_t rtpi;              /* the port the registration came through */
    bool all_tg_pt;             /* registered for every target port */
} SraidPrReg;

/* The persistent reservation state of one logical unit: what is shared */
typedef struct SraidPrState {
    uint32_t generation;        /* PRgeneration (SPC-4 6.15.2) */
    bool aptpl;                 /* last valid APTPL received (SPC-4 5.7.5) */
    uint8_t type;               /* 0: no reservation */
    /* the holder, for types other than all registrants (SPC-4 5.7.10) */
    SraidPrNexus holder;
    unsigned nregs;
    SraidPrReg regs[SRAID_PR_MAX_REGS];
} SraidPrState;

/* A target port of the SCSI target device (for REGISTER AND MOVE) */
typedef struct SraidPrPort {
    uint16_t rtpi;
    uint8_t proto;              /* SRAID_PR_PROTO_* of its initiators */
} SraidPrPort;

/* What the logical unit can do: configuration, not shared state */
typedef struct SraidPrConfig {
    bool ptpl_capable;          /* the owner stores the state for APTPL */
    unsigned nports;
    SraidPrPort ports[SRAID_PR_MAX_PORTS];
} SraidPrConfig;

typedef enum SraidPrEffectKind {
    SRAID_PR_EFFECT_UA,         /* queue a unit attention for the nexus */
    SRAID_PR_EFFECT_ABORT,      /* abort the nexus's tasks (SPC-4 5.7.11.5) */
} SraidPrEffectKind;

/*
 * One effect for the owner.  @all_tg_pt: for this initiator port through
 * every target port (a registration made with ALL_TG_PT), else only
 * through @nexus.rtpi.
 */
typedef struct SraidPrEffect {
    SraidPrEffectKind kind;
    uint8_t asc, ascq;          /* UA: 2Ah/03h, 2Ah/04h or 2Ah/05h */
    bool all_tg_pt;
    SraidPrNexus nexus;
} SraidPrEffect;

typedef struct SraidPrEffects {
    unsigned n;
    SraidPrEffect e[SRAID_PR_MAX_EFFECTS];
} SraidPrEffects;

/* The unit attentions of SPC-4 5.7.11 (sense key UNIT ATTENTION) */
#define SRAID_PR_UA_ASC                 0x2a
#define SRAID_PR_UA_PREEMPTED           0x03    /* RESERVATIONS PREEMPTED */
#define SRAID_PR_UA_RELEASED            0x04    /* RESERVATIONS RELEASED */
#define SRAID_PR_UA_REG_PREEMPTED       0x05    /* REGISTRATIONS PREEMPTED */

/*
 * The canonical TransportID of the iSCSI initiator port @name with the
 * 48-bit @isid.  False when @name is no iSCSI name we accept (1 to 223
 * characters of a-z, A-Z, 0-9, '.', '-', ':'; upper case is folded).
 */
bool sraid_pr_tid_iscsi(SraidPrTid *tid, const char *name, uint64_t isid);

/*
 * The TransportID of node @node's guest path (the guest's HBA in node
 * @node's QEMU): a SAS TransportID (SPC-4 7.6.4.7) whose SAS address is
 * the locally assigned (NAA 3h) 35 52 41 49 44 47 00 <node>.
 */
void sraid_pr_tid_guest(SraidPrTid *tid, uint8_t node);

/*
 * The relative target port of node @node's guest path: above the iSCSI
 * portal groups (TPGT = channel + 1), so the two never collide.
 */
#define SRAID_PR_RTPI_GUEST(node)       (0x100 + (node))

/*
 * The relative target port of node @node's iSCSI portal group on
 * @channel (TPGT @channel + 1 on that node's target): unique in the
 * cluster, which is one SCSI target device whose ports are on every node.
 */
#define SRAID_PR_RTPI_ISCSI(node, channel) \
    (1 + (node) * SRAID_PR_CHANNELS_MAX + (channel))
#define SRAID_PR_CHANNELS_MAX           4

/* The I_T nexus of an iSCSI session: initiator port and target port */
bool sraid_pr_nexus_iscsi(SraidPrNexus *nx, const char *name, uint64_t isid,
                          uint16_t rtpi);
/* The I_T nexus of node @node's guest path */
void sraid_pr_nexus_guest(SraidPrNexus *nx, uint8_t node);
/* Is @nx the nexus @e is for (any target port with ALL_TG_PT)? */
bool sraid_pr_effect_names(const SraidPrEffect *e, const SraidPrNexus *nx);

/*
 * Is the @len bytes at @p exactly a canonical TransportID (what
 * sraid_pr_tid_iscsi() or sraid_pr_tid_guest() produce)?  Into @tid if so.
 */
bool sraid_pr_tid_decode(const uint8_t *p, size_t len, SraidPrTid *tid);

/* The protocol identifier of @tid */
static inline uint8_t sraid_pr_tid_proto(const SraidPrTid *tid)
{
    return tid->b[0] & 0x0f;
}

void sraid_pr_init(SraidPrState *st);

/*
 * The configuration of a logical drive of a cluster of up to 16 nodes
 * with @channels channels: every node's guest port and portal groups are
 * target ports (REGISTER AND MOVE may name any of them).
 */
void sraid_pr_config_cluster(SraidPrConfig *cfg, unsigned channels,
                             bool ptpl_capable);

/* Is @nx registered?  Its registration's key in @key if so. */
bool sraid_pr_registered(const SraidPrState *st, const SraidPrNexus *nx,
                         uint64_t *key);

/* Is @nx a persistent reservation holder (SPC-4 5.7.10)? */
bool sraid_pr_is_holder(const SraidPrState *st, const SraidPrNexus *nx);

typedef enum SraidPrAccess {
    SRAID_PR_ALLOWED,           /* execute the command */
    SRAID_PR_CONFLICT,          /* end it in RESERVATION CONFLICT */
    /* RESERVE/RELEASE (6/10): GOOD without effect (SPC-4 5.7.3) */
    SRAID_PR_GOOD_NO_EFFECT,
} SraidPrAccess;

/*
 * May the command @cdb (@cdb_len bytes) from @nx run under the current
 * reservation?  SPC-4 5.13.1 table 63 and SBC-4 4.17 (table 13); SPC-2
 * RESERVE/RELEASE by SPC-4 5.7.3.  PERSISTENT RESERVE IN and OUT are
 * always ALLOWED: sraid_pr_out() applies its own rules.
 */
SraidPrAccess sraid_pr_check(const SraidPrState *st, const SraidPrNexus *nx,
                             const uint8_t *cdb, size_t cdb_len);

/*
 * PERSISTENT RESERVE OUT @cdb (10 bytes) from @nx with the @param_len
 * bytes of parameter data the initiator sent.  Sets @res (GOOD,
 * RESERVATION CONFLICT or CHECK CONDITION with sense) and fills @fx with
 * the effects to carry out.  On anything but GOOD, @st and @fx are
 * untouched (fx->n == 0): nothing is half applied.
 */
void sraid_pr_out(SraidPrState *st, const SraidPrConfig *cfg,
                  const SraidPrNexus *nx, const uint8_t *cdb,
                  const uint8_t *param, size_t param_len,
                  SraidPrEffects *fx, SraidScsiResult *res);

/*
 * PERSISTENT RESERVE IN @cdb (10 bytes) from @nx: the parameter data in
 * @buf (@buf_len bytes), cut to the allocation length; res->data_len says
 * how much.
 */
void sraid_pr_in(const SraidPrState *st, const SraidPrConfig *cfg,
                 const SraidPrNexus *nx, const uint8_t *cdb,
                 uint8_t *buf, size_t buf_len, SraidScsiResult *res);

/*
 * The serialized state (docs/persistent-reservations.md, "Serialized
 * state"): little-endian, CRC32C, canonical.
 */
#define SRAID_PR_MAGIC          "SRPRSTAT"
#define SRAID_PR_VERSION        1
#define SRAID_PR_HEADER_LEN     32
#define SRAID_PR_REG_HEADER_LEN 16
#define SRAID_PR_ENC_MAX \
    (SRAID_PR_HEADER_LEN + SRAID_PR_TID_MAX + \
     SRAID_PR_MAX_REGS * (SRAID_PR_REG_HEADER_LEN + SRAID_PR_TID_MAX) + 4)

/* Encode @st into @buf (SRAID_PR_ENC_MAX bytes); returns the length */
size_t sraid_pr_encode(const SraidPrState *st, uint8_t *buf);

/*
 * Decode @len bytes into @st.  False (and @st reset to empty) for
 * anything but exactly what sraid_pr_encode() produces for a valid state.
 */
bool sraid_pr_decode(const uint8_t *buf, size_t len, SraidPrState *st);

#endif /* SRAID_PR_H */
