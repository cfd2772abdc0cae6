/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid firmware core: the controller's own logical unit.
 */
#include <string.h>

#include "cdb.h"
#include "ctrl-lun.h"
#include "opcode-report.h"

/* Standard INQUIRY data we return: through the version descriptors. */
#define STD_INQUIRY_LEN     74
#define INQ_BOOTING_BYTE    36      /* seed 003 Table 20 */

void sraid_ctrl_lun_init(SraidCtrlLun *lun, const SraidLunIdentity *id)
{
    memset(lun, 0, sizeof(*lun));
    lun->id = *id;
    /* no cluster until the owner sets the node id and the ops */
    sraid_vendor_node_init(&lun->node, SRAID_NODE_NONE);
}

void sraid_ctrl_lun_attach_node(SraidCtrlLun *lun, uint8_t node_id,
                                const SraidVendorOps *ops, void *opaque)
{
    sraid_vendor_node_init(&lun->node, node_id);
    sraid_vendor_node_set_ops(&lun->node, ops, opaque);
}

/* Copy @s into the @n byte ASCII field at @p, left-aligned, space padded. */
static void put_ascii(uint8_t *p, size_t n, const char *s)
{
    size_t len = strnlen(s, n);

    memset(p, ' ', n);
    memcpy(p, s, len);
}

static void result_sense(SraidScsiResult *res, const SraidSense *sense)
{
    sraid_result_sense(res, sense);
}

/* Standard INQUIRY data (SPC-4 6.4.2). */
static size_t inquiry_standard(const SraidCtrlLun *lun, uint8_t *p)
{
    memset(p, 0, STD_INQUIRY_LEN);
    p[0] = lun->id.peripheral_type;     /* qualifier 000b: connected */
    p[2] = 0x06;                        /* VERSION: SPC-4 */
    p[3] = 0x12;                        /* HISUP, RESPONSE DATA FORMAT 2 */
    p[4] = STD_INQUIRY_LEN - 5;         /* ADDITIONAL LENGTH */
    p[7] = 0x02;                        /* CMDQUE */
    put_ascii(p + 8, SRAID_VENDOR_LEN, lun->id.vendor);
    put_ascii(p + 16, SRAID_PRODUCT_LEN, lun->id.product);
    put_ascii(p + 32, SRAID_REVISION_LEN, lun->id.revision);
    p[INQ_BOOTING_BYTE] = lun->booting;
    sraid_put_be16(p + 58, SRAID_VERSION_SAM5);
    sraid_put_be16(p + 60, SRAID_VERSION_SPC4);
    sraid_put_be16(p + 62, SRAID_VERSION_SCC2);
    return STD_INQUIRY_LEN;
}

static size_t vpd_supported_pages(uint8_t *p)
{
    static const uint8_t pages[] = {
        SRAID_VPD_SUPPORTED_PAGES, SRAID_VPD_UNIT_SERIAL, SRAID_VPD_DEVICE_ID,
    };

    sraid_put_be16(p + 2, sizeof(pages));
    memcpy(p + 4, pages, sizeof(pages));
    return 4 + sizeof(pages);
}

/* Unit Serial Number VPD page (SPC-4 7.8.15). */
static size_t vpd_unit_serial(const SraidCtrlLun *lun, uint8_t *p)
{
    size_t len = strlen(lun->id.serial);

    sraid_put_be16(p + 2, len);
    memcpy(p + 4, lun->id.serial, len);
    return 4 + len;
}

/*
 * Device Identification VPD page (SPC-4 7.8.6): an NAA designator, which
 * multipath and cluster software key on, and a T10 vendor ID based one.
 */
static size_t vpd_device_id(const SraidCtrlLun *lun, uint8_t *p)
{
    size_t off = 4;
    size_t serial_len = strlen(lun->id.serial);

    /* NAA: code set binary, association logical unit, type 3h */
    p[off] = 0x01;
    p[off + 1] = 0x03;
    p[off + 3] = 8;
    sraid_put_be64(p + off + 4, lun->id.naa);
    off += 4 + 8;

    /* T10 vendor ID: code set ASCII, association logical unit, type 1h */
    p[off] = 0x02;
    p[off + 1] = 0x01;
    p[off + 3] = SRAID_VENDOR_LEN + serial_len;
    put_ascii(p + off + 4, SRAID_VENDOR_LEN, lun->id.vendor);
    memcpy(p + off + 4 + SRAID_VENDOR_LEN, lun->id.serial, serial_len);
    off += 4 + SRAID_VENDOR_LEN + serial_len;

    sraid_put_be16(p + 2, off - 4);
    return off;
}

static void do_inquiry(const SraidCtrlLun *lun, const SraidCdb *cdb,
                       uint8_t *buf, size_t buf_len, SraidScsiResult *res)
{
    uint8_t data[SRAID_CTRL_LUN_MAX_DATA_IN] = { 0 };
    bool evpd = cdb->buf[1] & 0x01;
    bool cmddt = cdb->buf[1] & 0x02;    /* obsolete since SPC-3 */
    uint8_t page = cdb->buf[2];
    size_t alloc_len = sraid_get_be16(cdb->buf + 3);
    size_t len;

    /* SPC-4 6.4.1: PAGE CODE must be zero when EVPD is zero. */
    if (cmddt || (!evpd && page != 0)) {
        result_sense(res, &sraid_sense_invalid_field);
        return;
    }
    if (!evpd) {
        len = inquiry_standard(lun, data);
    } else {
        data[0] = lun->id.peripheral_type;
        data[1] = page;
        switch (page) {
        case SRAID_VPD_SUPPORTED_PAGES:
            len = vpd_supported_pages(data);
            break;
        case SRAID_VPD_UNIT_SERIAL:
            len = vpd_unit_serial(lun, data);
            break;
        case SRAID_VPD_DEVICE_ID:
            len = vpd_device_id(lun, data);
            break;
        default:
            result_sense(res, &sraid_sense_invalid_field);
            return;
        }
    }
    len = MIN(len, alloc_len);
    len = MIN(len, buf_len);
    memcpy(buf, data, len);
    res->data_len = len;
}

/*
 * REQUEST SENSE (SPC-4 6.29).  Our transports all report sense with the
 * status (autosense), so nothing is ever pending: NO SENSE.
 */
static void do_request_sense(const SraidCdb *cdb, uint8_t *buf,
                             size_t buf_len, SraidScsiResult *res)
{
    size_t alloc_len = cdb->buf[4];
    uint8_t data[SRAID_SENSE_FIXED_LEN];
    size_t len;

    if (cdb->buf[1] & 0x01) {
        /* DESC: descriptor format sense data is not implemented. */
        result_sense(res, &sraid_sense_invalid_field);
        return;
    }
    len = sraid_sense_to_fixed(&sraid_sense_no_sense, data, sizeof(data));
    len = MIN(len, alloc_len);
    len = MIN(len, buf_len);
    memcpy(buf, data, len);
    res->data_len = len;
}

/* MAINTENANCE IN: only REPORT SUPPORTED OPERATION CODES (SPC-4 6.35) */
static void do_maintenance_in(const SraidCdb *cdb, uint8_t *buf,
                              size_t buf_len, SraidScsiResult *res)
{
    SraidSense sense;
    long len;

    if (!sraid_is_report_opcodes(cdb->buf, cdb->len)) {
        result_sense(res, &sraid_sense_invalid_field);
        return;
    }
    len = sraid_report_opcodes(&sraid_ctrl_lun_opcodes, cdb->buf, buf,
                               buf_len, &sense);
    if (len < 0) {
        result_sense(res, &sense);
        return;
    }
    res->data_len = len;
}

/*
 * TEST UNIT READY, which a peer sends as its Heartbeat() (seed 003 Table
 * 17): GOOD if this controller's status is good, else CHECK CONDITION
 * (fig. 11C steps 1193-1196).  A suspended controller awaits a person.
 */
static void do_test_unit_ready(SraidCtrlLun *lun, SraidScsiResult *res)
{
    if (!sraid_vendor_node_ready(&lun->node)) {
        result_sense(res, &sraid_sense_manual_intervention);
    }
}

void sraid_ctrl_lun_execute(SraidCtrlLun *lun, const uint8_t *cdb_buf,
                            size_t cdb_len, uint8_t *buf, size_t buf_len,
                            SraidScsiResult *res)
{
    static const SraidVendorNexus host = { .source = SRAID_VENDOR_FROM_HOST };

    sraid_ctrl_lun_execute_nexus(lun, &host, cdb_buf, cdb_len, NULL, 0, buf,
                                 buf_len, res);
}

void sraid_ctrl_lun_execute_nexus(SraidCtrlLun *lun,
                                  const SraidVendorNexus *nx,
                                  const uint8_t *cdb_buf, size_t cdb_len,
                                  const uint8_t *data_out,
                                  size_t data_out_len, uint8_t *buf,
                                  size_t buf_len, SraidScsiResult *res)
{
    SraidCdb cdb;
    SraidSense sense;

    memset(res, 0, sizeof(*res));
    res->status = SRAID_STATUS_GOOD;
    if (!sraid_cdb_decode(cdb_buf, cdb_len, &cdb, &sense)) {
        result_sense(res, &sense);
        return;
    }
    switch (cdb.opcode) {
    case SRAID_OP_TEST_UNIT_READY:
        do_test_unit_ready(lun, res);
        break;
    case SRAID_OP_VENDOR_20:
        sraid_vendor_cmd_execute(&lun->node, nx, cdb_buf, cdb_len, data_out,
                                 data_out_len, buf, buf_len, res);
        break;
    case SRAID_OP_INQUIRY:
        do_inquiry(lun, &cdb, buf, buf_len, res);
        break;
    case SRAID_OP_REQUEST_SENSE:
        do_request_sense(&cdb, buf, buf_len, res);
        break;
    case SRAID_OP_MAINTENANCE_IN:
        do_maintenance_in(&cdb, buf, buf_len, res);
        break;
    default:
        result_sense(res, &sraid_sense_invalid_opcode);
        break;
    }
}
