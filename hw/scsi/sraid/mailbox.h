/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the mailbox, the data a Node_Negotiate exchanges
 * (seed 003: "the mailbox data structure is the format for the data
 * exchanged", struct mailbox { SYS_DRIVES logical_drives; P_D_E
 * physical_drives[MAX_No_CHANNELS][MAX_No_TARGETS]; CONFIG configuration }).
 *
 * On the wire it is versioned, big-endian like SCSI, strictly decoded and
 * protected by CRC32C; docs/vendor-commands.md has the byte layout.  The
 * encoding is canonical: decoding accepts exactly what encoding produces,
 * so a decoded mailbox encodes back to the same bytes.
 */
#ifndef SRAID_MAILBOX_H
#define SRAID_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cod.h"
#include "node-state.h"
#include "vendor-cmd.h"

#define SRAID_MAILBOX_MAGIC         "SRMB"
#define SRAID_MAILBOX_VERSION       1
#define SRAID_MAILBOX_HEADER_LEN    32
#define SRAID_MAILBOX_LD_LEN        24
#define SRAID_MAILBOX_PD_LEN        20
#define SRAID_MAILBOX_CRC_LEN       4
#define SRAID_MAILBOX_MAX_LDS       SRAID_COD_MAX_LDS
#define SRAID_MAILBOX_CONFIG_MAX    4096
#define SRAID_MAILBOX_MAX_LEN \
    (SRAID_MAILBOX_HEADER_LEN + \
     SRAID_MAILBOX_MAX_LDS * SRAID_MAILBOX_LD_LEN + \
     SRAID_CHANNEL_MAX * SRAID_TARGET_MAX * SRAID_MAILBOX_PD_LEN + \
     SRAID_MAILBOX_CONFIG_MAX + SRAID_MAILBOX_CRC_LEN)

/* One logical drive (seed: SYS_DRIVES) */
typedef struct SraidMailboxLd {
    uint8_t id;                 /* < SRAID_COD_MAX_LDS, ascending */
    uint8_t level;              /* SraidRaidLevel */
    uint8_t state;              /* SraidLdState */
    uint8_t members;            /* 1 .. SRAID_MAX_MEMBERS */
    uint32_t strip_sectors;
    uint64_t sectors;           /* capacity the host sees */
    uint64_t naa;               /* VPD 83h designator, NAA 2h/3h/5h */
} SraidMailboxLd;

/* One physical drive slot (seed: P_D_E) */
typedef struct SraidMailboxPd {
    bool present;               /* absent slots are all zero */
    uint8_t state;              /* SraidMemberState */
    uint8_t guid[16];
} SraidMailboxPd;

typedef struct SraidMailbox {
    uint8_t sender;             /* node id of the sender */
    uint8_t sender_state;       /* its Node_State of itself */
    uint8_t sender_info;        /* its Node_State_Info */
    uint64_t generation;        /* configuration generation (COD) */
    unsigned nlds;
    SraidMailboxLd lds[SRAID_MAILBOX_MAX_LDS];
    unsigned channels;          /* dimensions of @pds in use */
    unsigned targets;
    SraidMailboxPd pds[SRAID_CHANNEL_MAX][SRAID_TARGET_MAX];
    size_t config_len;          /* free-form configuration area */
    uint8_t config[SRAID_MAILBOX_CONFIG_MAX];
} SraidMailbox;

/* Bytes sraid_mailbox_encode() produces for @mb. */
size_t sraid_mailbox_encoded_len(const SraidMailbox *mb);

/*
 * Encode @mb into @buf (@buf_len bytes).  Returns the length, or 0 when
 * @buf is too short or @mb would not decode again (a field out of range;
 * sraid_mailbox_decode() is the one set of rules).
 */
size_t sraid_mailbox_encode(const SraidMailbox *mb, uint8_t *buf,
                            size_t buf_len);

/*
 * The TOTAL LENGTH a mailbox at @buf claims, or 0 if @len bytes do not
 * hold a header with the mailbox magic.  For a mailbox that was put in node
 * memory piece by piece with Node_Write.
 */
size_t sraid_mailbox_peek_len(const uint8_t *buf, size_t len);

/*
 * Decode the @len byte mailbox at @buf.  @len must be its exact length.
 * Never reads outside @buf; on failure fills @err with the offending
 * offset (a length error when @len and the mailbox disagree).
 */
bool sraid_mailbox_decode(const uint8_t *buf, size_t len, SraidMailbox *mb,
                          SraidParamError *err);

/*
 * Describe @cod's logical and physical drives in @mb (sender fields and the
 * configuration area are left to the caller).  Fails when a member's
 * channel or target does not fit the mailbox or two members share a slot.
 */
bool sraid_mailbox_from_cod(const SraidCod *cod, SraidMailbox *mb);

#endif /* SRAID_MAILBOX_H */
