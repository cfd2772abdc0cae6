/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A minimal virtio-scsi driver for the sraid qtests.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/virtio.h"
#include "scsi/constants.h"
#include "standard-headers/linux/virtio_ring.h"
#include "sraid-vscsi.h"

uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, v >> 32);
    put_be32(p + 4, v);
}

VScsi *vscsi_start(const char *args)
{
    VScsi *v = g_new0(VScsi, 1);
    QPCIAddress addr = { .devfn = QPCI_DEVFN(VSCSI_SLOT, 0) };
    QVirtioDevice *vdev;
    uint64_t features;

    v->qs = qtest_pc_boot("-nodefaults -display none %s", args);
    v->pdev = virtio_pci_new(v->qs->pcibus, &addr);
    g_assert_nonnull(v->pdev);
    vdev = &v->pdev->vdev;
    qvirtio_pci_device_enable(v->pdev);
    qvirtio_start_device(vdev);
    /* A plain driver: no event index, no hotplug events. */
    features = qvirtio_get_features(vdev);
    features &= ~(QVIRTIO_F_BAD_FEATURE | (1ull << VIRTIO_RING_F_EVENT_IDX) |
                  (1ull << VIRTIO_SCSI_F_HOTPLUG));
    qvirtio_set_features(vdev, features);
    v->num_queues = qvirtio_config_readl(vdev, 0);
    g_assert_cmpuint(v->num_queues, >=, 1);
    g_assert_cmpuint(v->num_queues, <=, MAX_QUEUES);
    for (unsigned i = 0; i < v->num_queues + 2; i++) {
        v->vq[i] = qvirtqueue_setup(vdev, &v->qs->alloc, i);
    }
    qvirtio_set_driver_ok(vdev);
    return v;
}

void vscsi_stop(VScsi *v)
{
    for (unsigned i = 0; i < v->num_queues + 2; i++) {
        qvirtqueue_cleanup(v->pdev->vdev.bus, v->vq[i], &v->qs->alloc);
    }
    qvirtio_pci_device_disable(v->pdev);
    g_free(v->pdev);
    qtest_shutdown(v->qs);
    g_free(v);
}

/* Guest memory of one queued command. */
typedef struct VScsiCmd {
    uint64_t req_addr, resp_addr, data_addr;
    uint32_t head;
} VScsiCmd;

/* Put a command on the first request queue and kick it. */
static void vscsi_queue(VScsi *v, uint8_t target, uint16_t lun,
                        const uint8_t *cdb, size_t cdb_len, const void *out,
                        size_t out_len, size_t in_len, VScsiCmd *c)
{
    QTestState *qts = v->qs->qts;
    QVirtQueue *vq = v->vq[2];
    struct virtio_scsi_cmd_req req = { 0 };
    struct virtio_scsi_cmd_resp resp = { .response = 0xff, .status = 0xff };

    g_assert_cmpuint(cdb_len, <=, VIRTIO_SCSI_CDB_SIZE);
    g_assert(!(out_len && in_len));

    /* virtio-scsi LUN format: 1, target, then a flat-space LUN */
    req.lun[0] = 1;
    req.lun[1] = target;
    req.lun[2] = 0x40 | (lun >> 8);
    req.lun[3] = lun & 0xff;
    req.tag = 0x5a;
    memcpy(req.cdb, cdb, cdb_len);

    c->req_addr = guest_alloc(&v->qs->alloc, sizeof(req));
    qtest_memwrite(qts, c->req_addr, &req, sizeof(req));
    c->resp_addr = guest_alloc(&v->qs->alloc, sizeof(resp));
    qtest_memwrite(qts, c->resp_addr, &resp, sizeof(resp));
    c->data_addr = 0;

    /*
     * One command at a time: the previous chain is back, so reuse the
     * descriptor table from its start (libqos never recycles descriptors).
     */
    vq->free_head = 0;
    vq->num_free = vq->size;
    /* device-readable descriptors first: request, data-out */
    c->head = qvirtqueue_add(qts, vq, c->req_addr, sizeof(req), false, true);
    if (out_len) {
        c->data_addr = guest_alloc(&v->qs->alloc, out_len);
        qtest_memwrite(qts, c->data_addr, out, out_len);
        qvirtqueue_add(qts, vq, c->data_addr, out_len, false, true);
    }
    qvirtqueue_add(qts, vq, c->resp_addr, sizeof(resp), true, in_len != 0);
    if (in_len) {
        c->data_addr = guest_alloc(&v->qs->alloc, in_len);
        qtest_memset(qts, c->data_addr, 0xee, in_len);
        qvirtqueue_add(qts, vq, c->data_addr, in_len, true, false);
    }
    qvirtqueue_kick(qts, &v->pdev->vdev, vq, c->head);
}

void vscsi_io(VScsi *v, uint8_t target, uint16_t lun, const uint8_t *cdb,
              size_t cdb_len, const void *out, size_t out_len, void *in,
              size_t in_len, ScsiResult *r)
{
    QTestState *qts = v->qs->qts;
    struct virtio_scsi_cmd_resp resp;
    VScsiCmd c;

    memset(r, 0, sizeof(*r));
    vscsi_queue(v, target, lun, cdb, cdb_len, out, out_len, in_len, &c);
    qvirtio_wait_used_elem(qts, &v->pdev->vdev, v->vq[2], c.head, NULL,
                           TIMEOUT_US);

    qtest_memread(qts, c.resp_addr, &resp, sizeof(resp));
    r->response = resp.response;
    r->status = resp.status;
    r->resid = resp.resid;
    memcpy(r->sense, resp.sense, sizeof(r->sense));
    if (in_len) {
        g_assert_cmpuint(resp.resid, <=, in_len);
        r->data_len = in_len - resp.resid;
        qtest_memread(qts, c.data_addr, in, in_len);
    }
    if (c.data_addr) {
        guest_free(&v->qs->alloc, c.data_addr);
    }
    guest_free(&v->qs->alloc, c.req_addr);
    guest_free(&v->qs->alloc, c.resp_addr);
}

void vscsi_submit_nowait(VScsi *v, uint8_t target, uint16_t lun,
                         const uint8_t *cdb, size_t cdb_len, const void *out,
                         size_t out_len)
{
    VScsiCmd c;

    vscsi_queue(v, target, lun, cdb, cdb_len, out, out_len, 0, &c);
}

void vscsi_cmd(VScsi *v, uint8_t target, uint16_t lun, const uint8_t *cdb,
               size_t cdb_len, size_t data_in_len, ScsiResult *r)
{
    uint8_t buf[sizeof(r->data)];

    g_assert_cmpuint(data_in_len, <=, sizeof(buf));
    vscsi_io(v, target, lun, cdb, cdb_len, NULL, 0, buf, data_in_len, r);
    memcpy(r->data, buf, data_in_len);
}

void vscsi_mgmt(VScsi *v, uint8_t target, uint8_t dcmd, const void *out,
                size_t out_len, void *in, size_t in_len, ScsiResult *r)
{
    size_t len = out_len ? out_len : in_len;
    uint8_t cdb[10] = { 0x20, 0, dcmd, 0, 0, 0, 0, len & 0xff, len >> 8 };

    g_assert_cmpuint(len, <=, 0xffff);
    for (int i = 0; i < 4; i++) {
        vscsi_io(v, target, 0, cdb, sizeof(cdb), out, out_len, in, in_len,
                 r);
        if (r->status != CHECK_CONDITION ||
            (r->sense[2] & 0xf) != UNIT_ATTENTION) {
            return;
        }
    }
}

/*
 * Which opcodes @target/@lun reports in REPORT SUPPORTED OPERATION CODES
 * (all commands, SPC-4 6.35): @listed[op] is true for each.
 */
void vscsi_listed_opcodes(VScsi *v, uint8_t target, uint16_t lun,
                          bool listed[256])
{
    static const uint8_t all[12] = { 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x02 };
    ScsiResult r;
    size_t n;

    memset(listed, 0, 256 * sizeof(bool));
    for (int i = 0; i < 4; i++) {
        vscsi_cmd(v, target, lun, all, sizeof(all), 512, &r);
        if (r.status != CHECK_CONDITION ||
            (r.sense[2] & 0xf) != UNIT_ATTENTION) {
            break;
        }
    }
    assert_good(&r);
    n = get_be32(r.data) / 8;
    g_assert_cmpuint(4 + 8 * n, <=, sizeof(r.data));
    for (size_t i = 0; i < n; i++) {
        listed[r.data[4 + 8 * i]] = true;
    }
}

/*
 * A CDB of opcode @op whose other bytes parse as large lengths in every
 * layout, with a zero CONTROL byte (NACA and LINK are refused on their own)
 */
void vscsi_cdb_large_lengths(uint8_t op, uint8_t cdb[16])
{
    static const uint8_t len_of_group[8] = { 6, 10, 10, 0, 16, 12, 0, 0 };
    unsigned len = len_of_group[op >> 5];

    memset(cdb, 0x11, 16);
    cdb[0] = op;
    if (len) {
        cdb[len - 1] = 0;
    }
}

/*
 * @cdb names a command the device does not implement; send it with each
 * data phase an initiator may attach (none, 4 KiB data-in, 4 KiB data-out).
 * True when every one ends in INVALID COMMAND OPERATION CODE (20h/00h)
 * rather than in the HBA failing the transfer: the CDB of an unknown
 * command says nothing reliable about its data.
 */
bool vscsi_refused_with_any_buffer(VScsi *v, uint8_t target, uint16_t lun,
                                   const uint8_t *cdb, size_t cdb_len)
{
    g_autofree uint8_t *buf = g_malloc0(4096);
    ScsiResult r;

    for (int phase = 0; phase < 3; phase++) {
        vscsi_io(v, target, lun, cdb, cdb_len,
                 phase == 2 ? buf : NULL, phase == 2 ? 4096 : 0,
                 phase == 1 ? buf : NULL, phase == 1 ? 4096 : 0, &r);
        if (r.response != VIRTIO_SCSI_S_OK || r.status != CHECK_CONDITION ||
            (r.sense[2] & 0xf) != ILLEGAL_REQUEST || r.sense[12] != 0x20) {
            g_test_message("opcode %02xh, %s: response %u status %02xh "
                           "sense %x/%02x/%02x", cdb[0],
                           phase == 0 ? "no data" :
                           phase == 1 ? "data-in" : "data-out",
                           r.response, r.status, r.sense[2] & 0xf,
                           r.sense[12], r.sense[13]);
            return false;
        }
    }
    return true;
}

/*
 * Every opcode @target/@lun does not list in REPORT SUPPORTED OPERATION
 * CODES, sent with each data phase (vscsi_refused_with_any_buffer): the
 * ones not refused that way, as " xx" each; empty when all were.
 */
char *vscsi_unlisted_not_refused(VScsi *v, uint8_t target, uint16_t lun)
{
    GString *wrong = g_string_new("");
    bool listed[256];

    vscsi_listed_opcodes(v, target, lun, listed);
    for (unsigned op = 0; op < 256; op++) {
        uint8_t cdb[16];

        vscsi_cdb_large_lengths(op, cdb);
        if (!listed[op] &&
            !vscsi_refused_with_any_buffer(v, target, lun, cdb,
                                           sizeof(cdb))) {
            g_string_append_printf(wrong, " %02x", op);
        }
    }
    return g_string_free(wrong, false);
}

void assert_sense(const ScsiResult *r, uint8_t key, uint8_t asc,
                         uint8_t ascq)
{
    g_assert_cmpuint(r->response, ==, VIRTIO_SCSI_S_OK);
    g_assert_cmpuint(r->status, ==, CHECK_CONDITION);
    g_assert_cmphex(r->sense[0], ==, 0x70);
    g_assert_cmphex(r->sense[2] & 0xf, ==, key);
    g_assert_cmphex(r->sense[12], ==, asc);
    g_assert_cmphex(r->sense[13], ==, ascq);
}

void assert_good(const ScsiResult *r)
{
    g_assert_cmpuint(r->response, ==, VIRTIO_SCSI_S_OK);
    g_assert_cmpuint(r->status, ==, GOOD);
}
