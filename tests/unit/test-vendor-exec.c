/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the receiving side of the vendor commands (seed 003 figs.
 * 11A-11C, 12, 13, 16, 18) and of message gathering (seed 002) through
 * sraid_vendor_cmd_execute(): every answer with its exact sense bytes.
 */
#include <glib.h>
#include <string.h>

#include "msg-gather.h"
#include "scsi-proto.h"
#include "vendor-exec.h"

#define SELF        7
#define MASTER      6
#define CHANNEL     1
#define IN_LEN      1024
#define SENTINEL    0xee

/* What the ops were asked, and what they answer */
typedef struct Calls {
    SraidVendorOutcome negotiate_out, master_out, rebuild_out;
    unsigned kills, negotiates, masters, rebuilds;
    unsigned writes, resv_changes, notes, state_changes;
    SraidMailbox mb;
    SraidRebuildRequest rq;
    SraidNodeRegion region;
    uint32_t offset, len;
    SraidResvEntry resv;
    bool reserved;
    SraidRebuildStatus st;
    uint8_t state, info;
} Calls;

static SraidVendorNode *node;
static Calls *calls;

static void cb_kill(void *opaque, const SraidVendorNexus *nx)
{
    calls->kills++;
}

static SraidVendorOutcome cb_negotiate(void *opaque,
                                       const SraidVendorNexus *nx,
                                       const SraidMailbox *mb)
{
    calls->negotiates++;
    calls->mb = *mb;
    return calls->negotiate_out;
}

static SraidVendorOutcome cb_master_rebuild(void *opaque,
                                            const SraidVendorNexus *nx,
                                            const SraidRebuildRequest *rq)
{
    calls->masters++;
    calls->rq = *rq;
    return calls->master_out;
}

static SraidVendorOutcome cb_rebuild(void *opaque, const SraidVendorNexus *nx,
                                     const SraidRebuildRequest *rq)
{
    calls->rebuilds++;
    calls->rq = *rq;
    return calls->rebuild_out;
}

static void cb_memory_written(void *opaque, const SraidVendorNexus *nx,
                              SraidNodeRegion region, uint32_t offset,
                              uint32_t len)
{
    calls->writes++;
    calls->region = region;
    calls->offset = offset;
    calls->len = len;
}

static void cb_reservation_changed(void *opaque, const SraidVendorNexus *nx,
                                   const SraidResvEntry *e, bool reserved)
{
    calls->resv_changes++;
    calls->resv = *e;
    calls->reserved = reserved;
}

static void cb_rebuild_noted(void *opaque, const SraidVendorNexus *nx,
                             const SraidRebuildStatus *st)
{
    calls->notes++;
    calls->st = *st;
}

static void cb_state_changed(void *opaque, uint8_t state, uint8_t info)
{
    calls->state_changes++;
    calls->state = state;
    calls->info = info;
}

static const SraidVendorOps ops = {
    .kill = cb_kill,
    .negotiate = cb_negotiate,
    .master_rebuild = cb_master_rebuild,
    .rebuild = cb_rebuild,
    .memory_written = cb_memory_written,
    .reservation_changed = cb_reservation_changed,
    .rebuild_noted = cb_rebuild_noted,
    .state_changed = cb_state_changed,
};

static void setup(bool with_ops, uint8_t state)
{
    if (!node) {
        node = g_new(SraidVendorNode, 1);
        calls = g_new(Calls, 1);
    }
    memset(calls, 0, sizeof(*calls));
    sraid_vendor_node_init(node, SELF);
    sraid_vendor_node_set_ops(node, with_ops ? &ops : NULL, NULL);
    sraid_vendor_node_set_channels(node, 0x3);
    sraid_vendor_node_set_state(node, state,
                                SRAID_NODE_INFO_COMPLETED_STARTUP);
    calls->state_changes = 0;
}

static void make_cdb(uint8_t *cdb, uint8_t dcmd, uint32_t address,
                     uint16_t length)
{
    SraidVendorCdb c = { .dcmd = dcmd, .address = address,
                         .length = length };

    g_assert_true(sraid_vendor_cdb_encode(&c, cdb));
}

static uint8_t data_in[IN_LEN + 1];

/* Send @cdb from peer @from with @out_len bytes of data-out. */
static void run_nx(const SraidVendorNexus *nx, const uint8_t *cdb,
                   const void *out, size_t out_len, size_t in_len,
                   SraidScsiResult *res)
{
    memset(data_in, SENTINEL, sizeof(data_in));
    sraid_vendor_cmd_execute(node, nx, cdb, 10, out, out_len, data_in,
                             in_len, res);
    g_assert_cmpuint(res->data_len, <=, in_len);
    g_assert_cmphex(data_in[res->data_len], ==, SENTINEL);
}

static void run(uint8_t from, const uint8_t *cdb, const void *out,
                size_t out_len, SraidScsiResult *res)
{
    SraidVendorNexus nx = { SRAID_VENDOR_FROM_PEER, from, CHANNEL, 0 };

    run_nx(&nx, cdb, out, out_len, IN_LEN, res);
}

/* Build the CDB for @dcmd with @out as its whole parameter list. */
static void send(uint8_t from, uint8_t dcmd, const void *out, size_t len,
                 SraidScsiResult *res)
{
    uint8_t cdb[10];

    make_cdb(cdb, dcmd, 0, len);
    run(from, cdb, out, len, res);
}

static void assert_good(const SraidScsiResult *res)
{
    g_assert_cmphex(res->status, ==, SRAID_STATUS_GOOD);
    g_assert_cmpuint(res->sense_len, ==, 0);
}

static void assert_status(const SraidScsiResult *res, uint8_t status)
{
    g_assert_cmphex(res->status, ==, status);
    g_assert_cmpuint(res->sense_len, ==, 0);
    g_assert_cmpuint(res->data_len, ==, 0);
}

/*
 * The whole fixed-format sense data: key, ASC/ASCQ, byte 15 of the
 * sense-key specific bytes (0 when there is no field pointer) with the
 * field pointer, and the INFORMATION field when @info >= 0.
 */
static void assert_sense(const SraidScsiResult *res, uint8_t key,
                         uint8_t asc, uint8_t ascq, uint8_t sks,
                         uint16_t field, long info)
{
    uint8_t want[18] = { 0x70, 0, key, 0, 0, 0, 0, 10 };

    if (info >= 0) {
        want[0] |= 0x80;
        sraid_put_be32(want + 3, info);
    }
    want[12] = asc;
    want[13] = ascq;
    if (sks) {
        want[15] = sks;
        sraid_put_be16(want + 16, field);
    }
    g_assert_cmphex(res->status, ==, SRAID_STATUS_CHECK_CONDITION);
    g_assert_cmpuint(res->data_len, ==, 0);
    g_assert_cmpuint(res->sense_len, ==, 18);
    g_assert_cmpmem(res->sense, 18, want, 18);
}

/* Field pointers: into the CDB (C/D set) or the parameter list */
#define SKS_CDB         0xc0
#define SKS_PARAM       0x80
#define SKS_BIT(b)      (0x08 | (b))

static void test_cable_check(void)
{
    uint8_t cdb[10];
    SraidScsiResult res;
    SraidVendorNexus nx = { SRAID_VENDOR_FROM_PEER, MASTER, 2, 0 };

    setup(false, SRAID_NODE_NEXUS_SLAVE);
    make_cdb(cdb, SRAID_DCMD_NODE_CABLE_CHECK, 0, 255);
    run(MASTER, cdb, NULL, 0, &res);
    assert_good(&res);
    /* step 1165: the channel it came in on; then who answers */
    g_assert_cmpuint(res.data_len, ==, 8);
    g_assert_cmpmem(data_in, 8, "\x01\x07\x06\x08\x00\x00\x00\x03", 8);
    run_nx(&nx, cdb, NULL, 0, IN_LEN, &res);
    g_assert_cmpuint(data_in[0], ==, 2);
    /* allocation length, then the transport's buffer, cut the data */
    make_cdb(cdb, SRAID_DCMD_NODE_CABLE_CHECK, 0, 3);
    run(MASTER, cdb, NULL, 0, &res);
    assert_good(&res);
    g_assert_cmpuint(res.data_len, ==, 3);
    make_cdb(cdb, SRAID_DCMD_NODE_CABLE_CHECK, 0, 0);
    run(MASTER, cdb, NULL, 0, &res);
    assert_good(&res);
    g_assert_cmpuint(res.data_len, ==, 0);
    make_cdb(cdb, SRAID_DCMD_NODE_CABLE_CHECK, 0, 8);
    run_nx(&nx, cdb, NULL, 0, 5, &res);
    g_assert_cmpuint(res.data_len, ==, 5);
}

static void test_access(void)
{
    SraidVendorNexus host = { SRAID_VENDOR_FROM_HOST, 0, 0, 0 };
    SraidVendorNexus bad_peer = { SRAID_VENDOR_FROM_PEER, 16, 0, 0 };
    SraidVendorNexus lun1 = { SRAID_VENDOR_FROM_PEER, MASTER, 0, 1 };
    SraidScsiResult res;
    uint8_t cdb[10];

    setup(true, SRAID_NODE_NEXUS_SLAVE);
    for (unsigned d = SRAID_DCMD_SEED_FIRST; d <= SRAID_DCMD_SEED_LAST;
         d++) {
        make_cdb(cdb, d, 0, 0);
        /* no host nor SAN initiator kills a node or reserves for one */
        run_nx(&host, cdb, NULL, 0, IN_LEN, &res);
        assert_sense(&res, 0x5, 0x20, 0x02, 0, 0, -1);
        run_nx(&bad_peer, cdb, NULL, 0, IN_LEN, &res);
        assert_sense(&res, 0x5, 0x20, 0x02, 0, 0, -1);
    }
    g_assert_false(node->suspended);
    g_assert_cmpuint(calls->kills, ==, 0);

    /* the LUN field: 0 or the LUN addressed */
    make_cdb(cdb, SRAID_DCMD_NODE_CABLE_CHECK, 0, 8);
    cdb[1] = 1 << 5;
    run(MASTER, cdb, NULL, 0, &res);
    assert_sense(&res, 0x5, 0x24, 0, SKS_CDB | SKS_BIT(7), 1, -1);
    run_nx(&lun1, cdb, NULL, 0, IN_LEN, &res);
    assert_good(&res);
    cdb[1] = 0;
    run_nx(&lun1, cdb, NULL, 0, IN_LEN, &res);
    assert_good(&res);
    cdb[1] = 2 << 5;
    run_nx(&lun1, cdb, NULL, 0, IN_LEN, &res);
    assert_sense(&res, 0x5, 0x24, 0, SKS_CDB | SKS_BIT(7), 1, -1);

    /* CDB errors come before access errors */
    make_cdb(cdb, SRAID_DCMD_NODE_KILL, 0, 0);
    cdb[4] = 0x01;
    run_nx(&host, cdb, NULL, 0, IN_LEN, &res);
    assert_sense(&res, 0x5, 0x24, 0, SKS_CDB | SKS_BIT(0), 4, -1);
}

/* Steps 1140-1155: the memory test and the bounds of the map. */
static void test_read_write(void)
{
    g_autofree uint8_t *pattern = g_malloc0(4096 + 10);
    SraidScsiResult res;
    uint8_t cdb[10];

    setup(true, SRAID_NODE_NEXUS_SLAVE);
    for (unsigned i = 0; i < 4096; i++) {
        pattern[i] = i * 7 + 3;
    }
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE + 100,
             4096);
    cdb[1] |= 0x18;                                 /* DPO, FUA */
    run(MASTER, cdb, pattern, 4096 + 10, &res);     /* extra bytes ignored */
    assert_good(&res);
    g_assert_cmpuint(calls->writes, ==, 1);
    g_assert_cmpint(calls->region, ==, SRAID_NODE_REGION_DIAG);
    g_assert_cmpuint(calls->offset, ==, 100);
    g_assert_cmpuint(calls->len, ==, 4096);
    make_cdb(cdb, SRAID_DCMD_NODE_READ, SRAID_NODE_MEM_DIAG_BASE + 100,
             1000);
    run(MASTER, cdb, NULL, 0, &res);
    assert_good(&res);
    g_assert_cmpuint(res.data_len, ==, 1000);
    g_assert_cmpmem(data_in, 1000, pattern, 1000);
    /* a transport buffer smaller than the count: what fits */
    make_cdb(cdb, SRAID_DCMD_NODE_READ, SRAID_NODE_MEM_DIAG_BASE + 100,
             4096);
    memset(data_in, SENTINEL, sizeof(data_in));
    sraid_vendor_cmd_execute(node, &(SraidVendorNexus){
                                 SRAID_VENDOR_FROM_PEER, MASTER, 0, 0 },
                             cdb, 10, NULL, 0, data_in, 16, &res);
    g_assert_cmpuint(res.data_len, ==, 16);
    g_assert_cmpmem(data_in, 16, pattern, 16);

    /* the map describes itself */
    make_cdb(cdb, SRAID_DCMD_NODE_READ, 0, 8);
    run(MASTER, cdb, NULL, 0, &res);
    g_assert_cmpmem(data_in, 8, "SRAIDMEM", 8);

    /* unmapped: LBA OUT OF RANGE at the address's MSB (byte 6) */
    make_cdb(cdb, SRAID_DCMD_NODE_READ, 0x3000, 1);
    run(MASTER, cdb, NULL, 0, &res);
    assert_sense(&res, 0x5, 0x21, 0, SKS_CDB, 6, -1);
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, 0xfffffff0, 1);
    run(MASTER, cdb, "x", 1, &res);
    assert_sense(&res, 0x5, 0x21, 0, SKS_CDB, 6, -1);
    /* crossing the region's end: at the count's MSB (byte 8) */
    make_cdb(cdb, SRAID_DCMD_NODE_READ, SRAID_NODE_MEM_MAILBOX_BASE + 0x1fff,
             2);
    run(MASTER, cdb, NULL, 0, &res);
    assert_sense(&res, 0x5, 0x21, 0, SKS_CDB, 8, -1);
    /* the node list and the reservation table are not the peers' */
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_NODE_LIST_BASE, 4);
    run(MASTER, cdb, "abcd", 4, &res);
    assert_sense(&res, 0x7, 0x27, 0, 0, 0, -1);
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_RESV_BASE, 0);
    run(MASTER, cdb, NULL, 0, &res);
    assert_sense(&res, 0x7, 0x27, 0, 0, 0, -1);
    /* a parameter list shorter than the count */
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE, 8);
    run(MASTER, cdb, "1234567", 7, &res);
    assert_sense(&res, 0x5, 0x1a, 0, SKS_CDB, 8, -1);
    g_assert_cmpuint(calls->writes, ==, 1);
    /* count 0: nothing moves, GOOD */
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE, 0);
    run(MASTER, cdb, NULL, 0, &res);
    assert_good(&res);
    g_assert_cmpuint(calls->writes, ==, 1);
}

static void resv(uint8_t from, uint8_t dcmd, uint8_t ld, uint8_t lun,
                 uint8_t holder, SraidScsiResult *res)
{
    SraidResvEntry e = { ld, lun, holder };
    uint8_t buf[4];

    sraid_resv_entry_encode(&e, buf);
    send(from, dcmd, buf, sizeof(buf), res);
}

/* Fig. 12 and step 1105, through the commands */
static void test_reservations(void)
{
    SraidScsiResult res;
    uint8_t cdb[10];

    setup(true, SRAID_NODE_NEXUS_SLAVE);
    resv(6, SRAID_DCMD_NODE_RESERVE, 4, 0, 6, &res);
    assert_good(&res);
    g_assert_cmpuint(calls->resv_changes, ==, 1);
    g_assert_true(calls->reserved);
    resv(5, SRAID_DCMD_NODE_RESERVE, 4, 0, 5, &res);
    assert_status(&res, SRAID_STATUS_RESERVATION_CONFLICT);
    resv(6, SRAID_DCMD_NODE_RESERVE, 4, 0, 6, &res);      /* again */
    assert_good(&res);
    g_assert_cmpuint(calls->resv_changes, ==, 1);
    resv(5, SRAID_DCMD_NODE_RESERVE, 4, 1, 5, &res);      /* Table 21 */
    assert_good(&res);

    /* Table 1 in node memory, read by a peer */
    make_cdb(cdb, SRAID_DCMD_NODE_READ, SRAID_NODE_MEM_RESV_BASE, 16);
    run(MASTER, cdb, NULL, 0, &res);
    g_assert_cmpmem(data_in, 16, "\x01\x00\x00\x02\x00\x00\x00\x02"
                    "\x04\x00\x06\x00\x04\x01\x05\x00", 16);

    /* only the holder's release counts; GOOD either way (fig. 19) */
    resv(5, SRAID_DCMD_NODE_RELEASE, 4, 0, 5, &res);
    assert_good(&res);
    g_assert_cmpuint(sraid_node_resv_holder(&node->mem, 4, 0), ==, 6);
    resv(6, SRAID_DCMD_NODE_RELEASE, 4, 0, 6, &res);
    assert_good(&res);
    g_assert_false(calls->reserved);
    g_assert_cmpuint(sraid_node_resv_holder(&node->mem, 4, 0), ==,
                     SRAID_NODE_NONE);
    resv(6, SRAID_DCMD_NODE_RELEASE, 4, 0, 6, &res);
    assert_good(&res);

    /* a reservation is for its sender */
    resv(5, SRAID_DCMD_NODE_RESERVE, 4, 0, 6, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 2, -1);
    /*
     * a release may name another node (its reservation released by the
     * sender's reset), but removes only that node's entry
     */
    resv(6, SRAID_DCMD_NODE_RELEASE, 4, 1, 6, &res);
    assert_good(&res);
    g_assert_cmpuint(sraid_node_resv_holder(&node->mem, 4, 1), ==, 5);
    resv(6, SRAID_DCMD_NODE_RELEASE, 4, 1, 5, &res);
    assert_good(&res);
    g_assert_cmpuint(sraid_node_resv_holder(&node->mem, 4, 1), ==,
                     SRAID_NODE_NONE);
    g_assert_false(calls->reserved);
    resv(5, SRAID_DCMD_NODE_RESERVE, 4, 1, 5, &res);
    assert_good(&res);
    resv(5, SRAID_DCMD_NODE_RESERVE, 16, 0, 5, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 0, -1);
    send(5, SRAID_DCMD_NODE_RESERVE, "\x01\x00\x05\x40", 4, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM | SKS_BIT(6), 3, -1);
    send(5, SRAID_DCMD_NODE_RESERVE, "\x01\x00\x05\x00\x00", 5, &res);
    assert_sense(&res, 0x5, 0x1a, 0, SKS_CDB, 8, -1);
    send(5, SRAID_DCMD_NODE_RESERVE, NULL, 0, &res);
    assert_sense(&res, 0x5, 0x1a, 0, SKS_CDB, 8, -1);
    g_assert_cmpuint(sraid_node_resv_holder(&node->mem, 4, 1), ==, 5);
}

static size_t make_mailbox(uint8_t sender, uint8_t *buf, size_t size)
{
    g_autofree SraidMailbox *mb = g_new0(SraidMailbox, 1);

    mb->sender = sender;
    mb->sender_state = SRAID_NODE_MASTER;
    mb->sender_info = SRAID_NODE_INFO_COMPLETED_STARTUP;
    mb->generation = 9;
    mb->nlds = 1;
    mb->lds[0] = (SraidMailboxLd){ 0, 5, 0, 3, 128, 2048,
                                   0x3000000000000042ULL };
    mb->channels = 2;
    mb->targets = 4;
    mb->pds[1][2].present = true;
    mb->pds[1][2].guid[3] = 0x33;
    mb->config_len = 3;
    memcpy(mb->config, "cfg", 3);
    return sraid_mailbox_encode(mb, buf, size);
}

/* Fig. 13 and its errors; fig. 15's suicide */
static void test_negotiate(void)
{
    static const struct {
        SraidVendorOutcome out;
        uint8_t key, ascq;
    } errors[] = {
        { SRAID_VENDOR_CONFIG_MISMATCH, 0x5, 0x00 },
        { SRAID_VENDOR_EEPROM_FAILED, 0x4, 0x01 },
        { SRAID_VENDOR_NVM_FAILED, 0x4, 0x02 },
    };
    uint8_t mb[1024];
    SraidScsiResult res;
    uint8_t cdb[10];
    size_t len;

    setup(true, SRAID_NODE_ACTIVE_SLAVE);
    len = make_mailbox(MASTER, mb, sizeof(mb));
    g_assert_cmpuint(len, ==, 32 + 24 + 8 * 20 + 3 + 4);
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, mb, len, &res);
    assert_good(&res);
    g_assert_cmpuint(calls->negotiates, ==, 1);
    g_assert_cmphex(calls->mb.lds[0].naa, ==, 0x3000000000000042ULL);
    g_assert_cmpuint(calls->mb.pds[1][2].guid[3], ==, 0x33);
    /* it stays in the MAILBOX region, for the master to read back */
    g_assert_cmpmem(node->mem.mailbox, len, mb, len);

    for (unsigned i = 0; i < G_N_ELEMENTS(errors); i++) {
        calls->negotiate_out = errors[i].out;
        send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, mb, len, &res);
        assert_sense(&res, errors[i].key, 0x80, errors[i].ascq, 0, 0, -1);
    }
    calls->negotiate_out = SRAID_VENDOR_BUSY;
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, mb, len, &res);
    assert_status(&res, SRAID_STATUS_BUSY);
    g_assert_cmpuint(calls->negotiates, ==, 5);

    /* checked before the controller sees it */
    calls->negotiate_out = SRAID_VENDOR_OK;
    send(5, SRAID_DCMD_NODE_NEGOTIATE, mb, len, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 12, -1);   /* sender */
    mb[40] ^= 1;
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, mb, len, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, len - 4, -1);  /* CRC */
    mb[40] ^= 1;
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, mb, len - 1, &res);
    assert_sense(&res, 0x5, 0x1a, 0, SKS_CDB, 8, -1);
    make_cdb(cdb, SRAID_DCMD_NODE_NEGOTIATE, 0, len);
    run(MASTER, cdb, mb, len - 1, &res);
    assert_sense(&res, 0x5, 0x1a, 0, SKS_CDB, 8, -1);
    g_assert_cmpuint(calls->negotiates, ==, 5);

    /* fig. 15 step 1565: a cable failure, the node suspends itself */
    calls->negotiate_out = SRAID_VENDOR_SUSPEND;
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, mb, len, &res);
    assert_sense(&res, 0x2, 0x04, 0x03, 0, 0, -1);
    g_assert_true(node->suspended);
    g_assert_cmpuint(node->state, ==, SRAID_NODE_KILLED_SLAVE);

    /* without ops: no cluster layer to negotiate with */
    setup(false, SRAID_NODE_ACTIVE_SLAVE);
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, mb, len, &res);
    assert_sense(&res, 0x2, 0x80, 0x05, 0, 0, -1);
}

/* Steps 8B0 and 880: the mailbox written into memory, then checked. */
static void test_negotiate_from_memory(void)
{
    uint8_t mb[1024];
    SraidScsiResult res;
    uint8_t cdb[10];
    size_t len, half;

    setup(true, SRAID_NODE_ACTIVE_SLAVE);
    len = make_mailbox(MASTER, mb, sizeof(mb));

    /* nothing staged yet: no magic at offset 0 of the region */
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, NULL, 0, &res);
    assert_sense(&res, 0x5, 0x26, 0, 0, 0, 0);

    half = len / 2;
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_MAILBOX_BASE, half);
    run(MASTER, cdb, mb, half, &res);
    assert_good(&res);
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_MAILBOX_BASE + half,
             len - half);
    run(MASTER, cdb, mb + half, len - half, &res);
    assert_good(&res);
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, NULL, 0, &res);
    assert_good(&res);
    g_assert_cmpuint(calls->negotiates, ==, 1);
    g_assert_cmpuint(calls->mb.generation, ==, 9);

    /* a damaged staged mailbox: INFORMATION says where in the region */
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_MAILBOX_BASE + 50,
             1);
    run(MASTER, cdb, "\xff", 1, &res);
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, NULL, 0, &res);
    assert_sense(&res, 0x5, 0x26, 0, 0, 0, len - 4);
    /* a total length larger than the region */
    make_cdb(cdb, SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_MAILBOX_BASE + 8, 4);
    run(MASTER, cdb, "\x00\x01\x00\x00", 4, &res);
    send(MASTER, SRAID_DCMD_NODE_NEGOTIATE, NULL, 0, &res);
    assert_sense(&res, 0x5, 0x26, 0, 0, 0, 8);
    g_assert_cmpuint(calls->negotiates, ==, 1);
}

/* Step 1135, and what a suspended node answers */
static void test_kill(void)
{
    SraidScsiResult res;
    uint8_t cdb[10];

    setup(false, SRAID_NODE_NEXUS_SLAVE);
    send(MASTER, SRAID_DCMD_NODE_KILL, NULL, 0, &res);
    assert_sense(&res, 0x2, 0x80, 0x05, 0, 0, -1);
    g_assert_false(node->suspended);

    setup(true, SRAID_NODE_NEXUS_SLAVE);
    send(MASTER, SRAID_DCMD_NODE_KILL, NULL, 0, &res);
    assert_good(&res);
    g_assert_cmpuint(calls->kills, ==, 1);
    g_assert_true(node->suspended);
    g_assert_false(sraid_vendor_node_ready(node));
    g_assert_cmpuint(node->state, ==, SRAID_NODE_KILLED_SLAVE);
    g_assert_cmpuint(calls->state, ==, SRAID_NODE_KILLED_SLAVE);
    for (unsigned d = SRAID_DCMD_SEED_FIRST; d <= SRAID_DCMD_SEED_LAST;
         d++) {
        make_cdb(cdb, d, d == SRAID_DCMD_NODE_READ ?
                 SRAID_NODE_MEM_DIAG_BASE : 0, 0);
        run(MASTER, cdb, NULL, 0, &res);
        assert_sense(&res, 0x2, 0x04, 0x03, 0, 0, -1);
    }
    g_assert_cmpuint(calls->kills, ==, 1);
    sraid_vendor_node_resume(node);
    g_assert_true(sraid_vendor_node_ready(node));
    make_cdb(cdb, SRAID_DCMD_NODE_CABLE_CHECK, 0, 8);
    run(MASTER, cdb, NULL, 0, &res);
    assert_good(&res);
}

static void rebuild_request(uint8_t from, uint8_t dcmd, uint8_t ld,
                            uint8_t target, uint8_t origin,
                            SraidScsiResult *res)
{
    SraidRebuildRequest rq = { ld, 1, target, origin, { 0xab } };
    uint8_t buf[SRAID_REBUILD_REQUEST_LEN];

    sraid_rebuild_request_encode(&rq, buf);
    send(from, dcmd, buf, sizeof(buf), res);
}

static void rebuild_status(uint8_t from, uint8_t dcmd, uint8_t ld,
                           uint8_t who, uint8_t phase, uint64_t done,
                           SraidScsiResult *res)
{
    SraidRebuildStatus st = { ld, 1, 3, who, phase, done, 100 };
    uint8_t buf[SRAID_REBUILD_STATUS_LEN];

    sraid_rebuild_status_encode(&st, buf);
    send(from, dcmd, buf, sizeof(buf), res);
}

static uint8_t self_info_in_node_list(void)
{
    uint8_t buf[SRAID_NODE_MEM_NODE_LIST_SIZE];

    sraid_node_memory_read(&node->mem, SRAID_NODE_MEM_NODE_LIST_BASE, buf,
                           sizeof(buf));
    g_assert_cmpuint(buf[1], ==, 1);
    g_assert_cmpuint(buf[8], ==, SELF);
    return buf[10];
}

/* Figs. 14, 18 and steps 11A0-11H0 on a slave */
static void test_rebuild_slave(void)
{
    const SraidRebuildNote *note;
    SraidScsiResult res;

    setup(true, SRAID_NODE_NEXUS_SLAVE);
    /* 11A5: another node got a rebuild command from its host */
    rebuild_request(5, SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED,
                    SRAID_REBUILD_ALL_LDS, 3, 5, &res);
    assert_good(&res);
    g_assert_cmpuint(node->info, ==, SRAID_NODE_INFO_REBUILDING);
    g_assert_cmpuint(self_info_in_node_list(), ==,
                     SRAID_NODE_INFO_REBUILDING);
    g_assert_cmpuint(calls->info, ==, SRAID_NODE_INFO_REBUILDING);
    rebuild_request(5, SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED,
                    SRAID_REBUILD_ALL_LDS, 3, 5, &res);     /* repeated */
    assert_good(&res);
    g_assert_cmpuint(calls->state_changes, ==, 1);
    /* one rebuild at a time (step 1430) */
    rebuild_request(4, SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED, 1, 9, 4,
                    &res);
    assert_sense(&res, 0x5, 0x80, 0x04, 0, 0, -1);
    g_assert_false(sraid_vendor_node_begin_rebuild(node,
                   &(SraidRebuildRequest){ 0, 0, 1, SELF }));
    /* the sender is the origin */
    rebuild_request(4, SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED, 1, 3, 5,
                    &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 3, -1);
    /* a slave is not the master */
    rebuild_request(5, SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED, 2, 3,
                    5, &res);
    assert_sense(&res, 0x5, 0x80, 0x03, 0, 0, -1);
    g_assert_cmpuint(calls->masters, ==, 0);

    /* 11C0: the master orders this node to rebuild logical drive 2 */
    rebuild_request(MASTER, SRAID_DCMD_NODE_REBUILD, 2, 3, 5, &res);
    assert_good(&res);
    g_assert_cmpuint(calls->rebuilds, ==, 1);
    g_assert_cmpuint(calls->rq.ld, ==, 2);
    rebuild_request(MASTER, SRAID_DCMD_NODE_REBUILD, SRAID_REBUILD_ALL_LDS, 3,
                    5, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 0, -1);
    calls->rebuild_out = SRAID_VENDOR_UNKNOWN_LD;
    rebuild_request(MASTER, SRAID_DCMD_NODE_REBUILD, 9, 3, 5, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 0, -1);
    calls->rebuild_out = SRAID_VENDOR_BUSY;
    rebuild_request(MASTER, SRAID_DCMD_NODE_REBUILD, 2, 3, 5, &res);
    assert_status(&res, SRAID_STATUS_BUSY);
    /* a failed order does not end a rebuild this node was told of */
    g_assert_true(node->rebuilding);

    /* 11D5, 11E5: noting another node's progress */
    rebuild_status(MASTER, SRAID_DCMD_NODE_INFORM_REBUILD_STARTED, 2, MASTER,
                   SRAID_REBUILD_STARTED, 0, &res);
    assert_good(&res);
    rebuild_status(MASTER, SRAID_DCMD_NODE_INFORM_STATUS, 2, MASTER,
                   SRAID_REBUILD_IN_PROGRESS, 40, &res);
    assert_good(&res);
    note = sraid_vendor_node_rebuild_note(node, 2);
    g_assert_nonnull(note);
    g_assert_cmpuint(note->status.done, ==, 40);
    g_assert_cmpuint(note->status.node, ==, MASTER);
    g_assert_cmpuint(calls->notes, ==, 2);
    rebuild_status(MASTER, SRAID_DCMD_NODE_INFORM_STATUS, 2, MASTER,
                   SRAID_REBUILD_STARTED, 50, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 4, -1);
    rebuild_status(MASTER, SRAID_DCMD_NODE_INFORM_REBUILD_COMPLETED, 2, 5,
                   SRAID_REBUILD_COMPLETED, 100, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 3, -1);
    rebuild_status(MASTER, SRAID_DCMD_NODE_INFORM_REBUILD_COMPLETED, 2,
                   MASTER, SRAID_REBUILD_IN_PROGRESS, 100, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 4, -1);
    rebuild_status(MASTER, SRAID_DCMD_NODE_INFORM_REBUILD_COMPLETED, 2,
                   MASTER, SRAID_REBUILD_COMPLETED, 100, &res);
    assert_good(&res);
    g_assert_cmpuint(note->status.phase, ==, SRAID_REBUILD_COMPLETED);
    g_assert_null(sraid_vendor_node_rebuild_note(node, 3));

    /* 11H0: all rebuilt, back to the info from before */
    rebuild_request(MASTER, SRAID_DCMD_NODE_INFORM_REBUILT_ALL, 2, 3, 5,
                    &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 0, -1);
    rebuild_request(MASTER, SRAID_DCMD_NODE_INFORM_REBUILT_ALL,
                    SRAID_REBUILD_ALL_LDS, 4, 5, &res);
    assert_sense(&res, 0x5, 0x80, 0x04, 0, 0, -1);
    rebuild_request(MASTER, SRAID_DCMD_NODE_INFORM_REBUILT_ALL,
                    SRAID_REBUILD_ALL_LDS, 3, 5, &res);
    assert_good(&res);
    g_assert_false(node->rebuilding);
    g_assert_cmpuint(node->info, ==, SRAID_NODE_INFO_COMPLETED_STARTUP);
    g_assert_cmpuint(self_info_in_node_list(), ==,
                     SRAID_NODE_INFO_COMPLETED_STARTUP);
    rebuild_request(MASTER, SRAID_DCMD_NODE_INFORM_REBUILT_ALL,
                    SRAID_REBUILD_ALL_LDS, 3, 5, &res);
    assert_good(&res);
    g_assert_cmpuint(calls->state_changes, ==, 2);
    g_assert_cmpuint(calls->info, ==, SRAID_NODE_INFO_COMPLETED_STARTUP);

    /* without ops the orders have nobody to run them */
    setup(false, SRAID_NODE_NEXUS_SLAVE);
    rebuild_request(MASTER, SRAID_DCMD_NODE_REBUILD, 2, 3, 5, &res);
    assert_sense(&res, 0x2, 0x80, 0x05, 0, 0, -1);
    g_assert_false(node->rebuilding);
    /* ... but the notifications are still noted */
    rebuild_request(5, SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED, 2, 3, 5,
                    &res);
    assert_good(&res);
    g_assert_true(node->rebuilding);
}

/* Fig. 16 on the master */
static void test_rebuild_master(void)
{
    SraidScsiResult res;

    setup(true, SRAID_NODE_MASTER);
    calls->master_out = SRAID_VENDOR_BUSY;
    rebuild_request(5, SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED,
                    SRAID_REBUILD_ALL_LDS, 3, 5, &res);
    assert_status(&res, SRAID_STATUS_BUSY);
    /* nothing started: not left Rebuilding */
    g_assert_false(node->rebuilding);
    g_assert_cmpuint(node->info, ==, SRAID_NODE_INFO_COMPLETED_STARTUP);

    calls->master_out = SRAID_VENDOR_OK;
    rebuild_request(5, SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED,
                    SRAID_REBUILD_ALL_LDS, 3, 5, &res);
    assert_good(&res);
    g_assert_cmpuint(calls->masters, ==, 2);
    g_assert_cmpuint(calls->rq.target, ==, 3);
    g_assert_cmpuint(calls->rq.guid[0], ==, 0xab);
    g_assert_true(node->rebuilding);
    rebuild_request(4, SRAID_DCMD_NODE_INFORM_MASTER_REBUILD_RECEIVED, 1, 8,
                    4, &res);
    assert_sense(&res, 0x5, 0x80, 0x04, 0, 0, -1);
    /* only the master sends these two */
    rebuild_request(5, SRAID_DCMD_NODE_REBUILD, 1, 3, 5, &res);
    assert_sense(&res, 0x5, 0x80, 0x03, 0, 0, -1);
    rebuild_request(5, SRAID_DCMD_NODE_INFORM_REBUILT_ALL,
                    SRAID_REBUILD_ALL_LDS, 3, 5, &res);
    assert_sense(&res, 0x5, 0x80, 0x03, 0, 0, -1);

    /* the owner's word on the state while rebuilding: kept for later */
    sraid_vendor_node_set_state(node, SRAID_NODE_MASTER,
                                SRAID_NODE_INFO_NONE);
    g_assert_cmpuint(node->info, ==, SRAID_NODE_INFO_REBUILDING);
    sraid_vendor_node_end_rebuild(node);            /* step 1645 */
    g_assert_cmpuint(node->info, ==, SRAID_NODE_INFO_NONE);
    g_assert_true(sraid_vendor_node_begin_rebuild(node,
                  &(SraidRebuildRequest){ 0, 0, 1, SELF }));
}

/* Build a container of @n records from @recs. */
typedef struct Rec {
    uint8_t dcmd;
    uint32_t address;
    const void *payload;
    size_t len;
} Rec;

static size_t gather(uint8_t *buf, size_t size, const Rec *recs, unsigned n)
{
    SraidGatherBuilder b;

    g_assert_true(sraid_gather_init(&b, buf, size));
    for (unsigned i = 0; i < n; i++) {
        g_assert_true(sraid_gather_append(&b, recs[i].dcmd,
                                          recs[i].address,
                                          recs[i].payload, recs[i].len));
    }
    return sraid_gather_finish(&b);
}

static void test_gather(void)
{
    uint8_t rq[SRAID_REBUILD_REQUEST_LEN], st[SRAID_REBUILD_STATUS_LEN];
    uint8_t bad_st[SRAID_REBUILD_STATUS_LEN], rel[4], buf[512], diag[8];
    SraidRebuildRequest r = { SRAID_REBUILD_ALL_LDS, 1, 3, MASTER };
    SraidRebuildStatus s = { 2, 1, 3, MASTER, SRAID_REBUILD_IN_PROGRESS, 1,
                             2 };
    SraidResvEntry e = { 4, 0, MASTER };
    SraidScsiResult res;
    uint8_t cdb[10];
    size_t len;

    sraid_rebuild_request_encode(&r, rq);
    sraid_rebuild_status_encode(&s, st);
    sraid_rebuild_status_encode(&s, bad_st);
    bad_st[4] = SRAID_REBUILD_COMPLETED;
    sraid_resv_entry_encode(&e, rel);

    setup(true, SRAID_NODE_NEXUS_SLAVE);
    g_assert_true(sraid_node_resv_reserve(&node->mem, &e));
    {
        const Rec recs[] = {
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE, "hello", 5 },
            { SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED, 0, rq, sizeof(rq) },
            { SRAID_DCMD_NODE_INFORM_STATUS, 0, st, sizeof(st) },
            { SRAID_DCMD_NODE_RELEASE, 0, rel, sizeof(rel) },
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE + 5, "!", 1 },
        };

        len = gather(buf, sizeof(buf), recs, G_N_ELEMENTS(recs));
        send(MASTER, SRAID_DCMD_NODE_GATHER, buf, len, &res);
        assert_good(&res);
        g_assert_cmpmem(node->mem.diag, 6, "hello!", 6);
        g_assert_true(node->rebuilding);
        g_assert_nonnull(sraid_vendor_node_rebuild_note(node, 2));
        g_assert_cmpuint(sraid_node_resv_holder(&node->mem, 4, 0), ==,
                         SRAID_NODE_NONE);
        g_assert_cmpuint(calls->writes, ==, 2);
    }

    /* a bad record anywhere: nothing acts, INFORMATION names it */
    setup(true, SRAID_NODE_NEXUS_SLAVE);
    {
        const Rec recs[] = {
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE, "hello", 5 },
            { SRAID_DCMD_NODE_INFORM_REBUILD_RECEIVED, 0, rq, sizeof(rq) },
            { SRAID_DCMD_NODE_INFORM_STATUS, 0, bad_st, sizeof(bad_st) },
        };

        len = gather(buf, sizeof(buf), recs, G_N_ELEMENTS(recs));
        send(MASTER, SRAID_DCMD_NODE_GATHER, buf, len, &res);
        /* record 2's payload starts at 8 + 13 + 32 + 8 = 61: phase +4 */
        assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 65, 2);
        g_assert_cmpmem(node->mem.diag, 5, "\0\0\0\0\0", 5);
        g_assert_false(node->rebuilding);

        /* a payload of the wrong length for its DCMD */
        len = gather(buf, sizeof(buf), recs, 2);
        buf[8 + 13 + 3] = sizeof(rq) - 1;
        buf[3] = 2;
        send(MASTER, SRAID_DCMD_NODE_GATHER, buf, len - 1, &res);
        assert_sense(&res, 0x5, 0x1a, 0, SKS_PARAM, 8 + 13 + 2, 1);

        /* a record that may not be gathered */
        len = gather(buf, sizeof(buf), recs, 2);
        buf[8 + 13] = SRAID_DCMD_NODE_KILL;
        send(MASTER, SRAID_DCMD_NODE_GATHER, buf, len, &res);
        assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 8 + 13, 1);
        g_assert_cmpuint(calls->kills, ==, 0);
    }
    {
        const Rec recs[] = {
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE, "hello", 5 },
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_RESV_BASE, "x", 1 },
        };
        const Rec recs2[] = {
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE, "hello", 5 },
            { SRAID_DCMD_NODE_WRITE, 0x8000, "x", 1 },
        };
        const Rec recs3[] = {
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_NODE_LIST_BASE - 1,
              "xy", 2 },
        };

        len = gather(buf, sizeof(buf), recs, 2);
        send(MASTER, SRAID_DCMD_NODE_GATHER, buf, len, &res);
        assert_sense(&res, 0x7, 0x27, 0, 0, 0, 1);
        len = gather(buf, sizeof(buf), recs2, 2);
        send(MASTER, SRAID_DCMD_NODE_GATHER, buf, len, &res);
        assert_sense(&res, 0x5, 0x21, 0, SKS_PARAM, 8 + 13 + 4, 1);
        len = gather(buf, sizeof(buf), recs3, 1);
        send(MASTER, SRAID_DCMD_NODE_GATHER, buf, len, &res);
        /* the mailbox ends at 3000h, the node list starts at 4000h */
        assert_sense(&res, 0x5, 0x21, 0, SKS_PARAM, 8 + 4, 0);
        g_assert_cmpmem(node->mem.diag, 5, "\0\0\0\0\0", 5);
    }

    /*
     * A record refused only when it acts: the ones before it took
     * effect, the ones after it did not.
     */
    setup(true, SRAID_NODE_MASTER);
    {
        uint8_t all[SRAID_REBUILD_REQUEST_LEN];
        SraidRebuildRequest ra = { SRAID_REBUILD_ALL_LDS, 1, 3, 5 };
        const Rec recs[] = {
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE, "ab", 2 },
            { SRAID_DCMD_NODE_INFORM_REBUILT_ALL, 0, all, sizeof(all) },
            { SRAID_DCMD_NODE_WRITE, SRAID_NODE_MEM_DIAG_BASE + 2, "cd", 2 },
        };

        sraid_rebuild_request_encode(&ra, all);
        len = gather(buf, sizeof(buf), recs, G_N_ELEMENTS(recs));
        send(MASTER, SRAID_DCMD_NODE_GATHER, buf, len, &res);
        assert_sense(&res, 0x5, 0x80, 0x03, 0, 0, 1);
        sraid_node_memory_read(&node->mem, SRAID_NODE_MEM_DIAG_BASE, diag, 4);
        g_assert_cmpmem(diag, 4, "ab\0\0", 4);
    }

    /* the container's own framing */
    len = gather(buf, sizeof(buf), (const Rec[]){
                     { SRAID_DCMD_NODE_RELEASE, 0, rel, sizeof(rel) } }, 1);
    g_assert_cmpuint(len, ==, 20);
    buf[20] = 0;
    send(MASTER, SRAID_DCMD_NODE_GATHER, buf, 21, &res);   /* trailing */
    assert_sense(&res, 0x5, 0x1a, 0, SKS_PARAM, 2, -1);
    buf[0] = 9;
    send(MASTER, SRAID_DCMD_NODE_GATHER, buf, 20, &res);
    assert_sense(&res, 0x5, 0x26, 0, SKS_PARAM, 0, -1);
    make_cdb(cdb, SRAID_DCMD_NODE_GATHER, 0, 20);
    run(MASTER, cdb, buf, 19, &res);
    assert_sense(&res, 0x5, 0x1a, 0, SKS_CDB, 8, -1);
    /* no parameter list: nothing to do */
    send(MASTER, SRAID_DCMD_NODE_GATHER, NULL, 0, &res);
    assert_good(&res);
}

/*
 * Random commands and parameter lists from random senders, the ops
 * answering at random: every result well formed, nothing written outside
 * the data-in buffer or past the transfer length.
 */
static void test_random(void)
{
    GRand *rand = g_rand_new_with_seed(0x11c);
    g_autofree uint8_t *out = g_malloc(IN_LEN);
    uint8_t mb[1024];
    size_t mb_len;

    setup(true, SRAID_NODE_NEXUS_SLAVE);
    mb_len = make_mailbox(MASTER, mb, sizeof(mb));
    for (unsigned i = 0; i < 100000; i++) {
        SraidVendorNexus nx = {
            g_rand_int_range(rand, 0, 8) ? SRAID_VENDOR_FROM_PEER
                                         : SRAID_VENDOR_FROM_HOST,
            g_rand_int_range(rand, 0, 17), g_rand_int_range(rand, 0, 4),
            g_rand_int_range(rand, 0, 3),
        };
        uint8_t cdb[10];
        size_t out_len = g_rand_int_range(rand, 0, IN_LEN);
        size_t in_len = g_rand_int_range(rand, 0, IN_LEN + 1);
        SraidVendorDir dir;
        uint32_t xfer;
        SraidScsiResult res;

        for (unsigned k = 0; k < 10; k++) {
            cdb[k] = g_rand_int_range(rand, 0, 3) ? 0 : g_rand_int(rand);
        }
        cdb[0] = 0x20;
        cdb[2] = g_rand_int_range(rand, 0, 18);
        cdb[8] = g_rand_int_range(rand, 0, 5);
        if (g_rand_boolean(rand)) {
            cdb[6] = 0;
            cdb[5] = g_rand_boolean(rand) ? 0x01 : 0x00;
            cdb[4] = g_rand_int_range(rand, 0, 0x60);
        }
        for (size_t k = 0; k < out_len; k++) {
            out[k] = g_rand_int_range(rand, 0, 4) ?
                     (uint8_t)g_rand_int_range(rand, 0, 17) :
                     (uint8_t)g_rand_int(rand);
        }
        if (cdb[2] == SRAID_DCMD_NODE_NEGOTIATE && g_rand_boolean(rand)) {
            memcpy(out, mb, mb_len);
            out_len = mb_len;
            cdb[7] = mb_len;
            cdb[8] = mb_len >> 8;
        }
        calls->negotiate_out = g_rand_int_range(rand, 0, 7);
        calls->master_out = g_rand_int_range(rand, 0, 7);
        calls->rebuild_out = g_rand_int_range(rand, 0, 7);
        run_nx(&nx, cdb, out, out_len, in_len, &res);
        switch (res.status) {
        case SRAID_STATUS_GOOD:
            g_assert_true(sraid_vendor_cdb_transfer(cdb, 10, &dir, &xfer));
            g_assert_cmpuint(res.data_len, <=, xfer);
            g_assert_true(res.data_len == 0 || dir == SRAID_VENDOR_DIR_IN);
            g_assert_cmpuint(res.sense_len, ==, 0);
            break;
        case SRAID_STATUS_CHECK_CONDITION:
            g_assert_cmpuint(res.sense_len, ==, 18);
            g_assert_cmphex(res.sense[0] & 0x7f, ==, 0x70);
            g_assert_cmpuint(res.data_len, ==, 0);
            break;
        case SRAID_STATUS_BUSY:
        case SRAID_STATUS_RESERVATION_CONFLICT:
            g_assert_cmpuint(res.sense_len, ==, 0);
            break;
        default:
            g_assert_not_reached();
        }
        if (node->suspended && g_rand_boolean(rand)) {
            sraid_vendor_node_resume(node);
        }
    }
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vendor-exec/cable-check", test_cable_check);
    g_test_add_func("/vendor-exec/access", test_access);
    g_test_add_func("/vendor-exec/read-write", test_read_write);
    g_test_add_func("/vendor-exec/reservations", test_reservations);
    g_test_add_func("/vendor-exec/negotiate", test_negotiate);
    g_test_add_func("/vendor-exec/negotiate-from-memory",
                    test_negotiate_from_memory);
    g_test_add_func("/vendor-exec/kill", test_kill);
    g_test_add_func("/vendor-exec/rebuild-slave", test_rebuild_slave);
    g_test_add_func("/vendor-exec/rebuild-master", test_rebuild_master);
    g_test_add_func("/vendor-exec/gather", test_gather);
    g_test_add_func("/vendor-exec/random", test_random);
    ret = g_test_run();
    g_free(node);
    g_free(calls);
    return ret;
}
