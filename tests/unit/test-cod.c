/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the configuration on disk: codec, validation, and updates
 * interrupted by a crash at every write.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "cod-store.h"
#include "core-error.h"

#define DISKS       4
#define DISK_BYTES  (16 * 1024 * 1024)

static void make_cod(SraidCod *cod, const char *name)
{
    memset(cod, 0, sizeof(*cod));
    memset(cod->array_guid, 0xa5, 16);
    g_strlcpy(cod->name, name, sizeof(cod->name));
    cod->nmembers = DISKS;
    for (unsigned i = 0; i < DISKS; i++) {
        SraidCodMember *m = &cod->members[i];

        memset(m->guid, 0x10 + i, 16);
        m->sectors = sraid_cod_usable_sectors(DISK_BYTES);
        m->channel = i % 2;
        m->target = i / 2;
    }
    cod->nlds = 2;
    cod->lds[0] = (SraidCodLd) {
        .id = 0, .level = SRAID_RAID5, .nmembers = 4, .strip_sectors = 128,
        .start = 0, .member_sectors = 4096,
        .naa = 0x3000000000000100ULL, .serial = "LD0SERIAL",
        .name = "data", .members = { 0, 1, 2, 3 },
    };
    cod->lds[1] = (SraidCodLd) {
        .id = 1, .level = SRAID_RAID1, .nmembers = 2, .strip_sectors = 64,
        .start = 4096, .member_sectors = 2048,
        .naa = 0x3000000000000101ULL, .serial = "LD1SERIAL",
        .name = "log", .members = { 3, 1 },
    };
}

static void test_crc32c(void)
{
    /* the CRC-32C check value (RFC 3720 B.4 uses the same polynomial) */
    g_assert_cmphex(sraid_crc32c("123456789", 9), ==, 0xe3069283);
}

/* RAID-order positions of a member in an LD, as the glue uses them */
static void test_ld_positions(void)
{
    SraidCodLd l = { .nmembers = 4, .members = { 0, 5, 2, 3 } };

    g_assert_cmphex(sraid_cod_ld_positions(&l, 0), ==, 0x1);
    g_assert_cmphex(sraid_cod_ld_positions(&l, 5), ==, 0x2);
    g_assert_cmphex(sraid_cod_ld_positions(&l, 3), ==, 0x8);
    g_assert_cmphex(sraid_cod_ld_positions(&l, 1), ==, 0);
    l.nmembers = 3;                 /* beyond nmembers does not count */
    g_assert_cmphex(sraid_cod_ld_positions(&l, 3), ==, 0);
}

static void test_round_trip(void)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_COD_COPY_BYTES);
    SraidCod cod, out;
    SraidCodHeader hdr;
    g_autoptr(GError) err = NULL;
    size_t len;

    make_cod(&cod, "array-one");
    cod.generation = 42;
    cod.members[2].state = SRAID_MEMBER_REBUILDING;
    cod.members[2].rebuild_checkpoint = 1000;
    len = sraid_cod_encode(&cod, 2, 1, buf, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(len % SRAID_COD_SECTOR, ==, 0);
    g_assert_true(sraid_cod_decode(buf, len, &out, &hdr, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(hdr.generation, ==, 42);
    g_assert_cmpuint(hdr.member_index, ==, 2);
    g_assert_cmpuint(hdr.copy, ==, 1);
    g_assert_cmpmem(&out, sizeof(out), &cod, sizeof(cod));
}

/* Any single corrupted byte of the header or payload is detected. */
static void test_every_byte_corruption(void)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_COD_COPY_BYTES);
    SraidCod cod, out;
    SraidCodHeader hdr;
    size_t len, payload;

    make_cod(&cod, "x");
    len = sraid_cod_encode(&cod, 0, 0, buf, NULL);
    payload = buf[24] | buf[25] << 8 | buf[26] << 16;   /* payload length */
    g_assert_cmpuint(payload, >, 0);
    g_assert_cmpuint(payload, <=, len - SRAID_COD_SECTOR);
    for (size_t i = 0; i < SRAID_COD_HEADER_LEN + payload; i++) {
        size_t off = i < SRAID_COD_HEADER_LEN ? i
                     : SRAID_COD_SECTOR + i - SRAID_COD_HEADER_LEN;

        buf[off] ^= 0x01;
        if (sraid_cod_decode(buf, len, &out, &hdr, NULL)) {
            g_test_message("corruption at byte %zu not detected", off);
        }
        g_assert_false(sraid_cod_decode(buf, len, &out, &hdr, NULL));
        buf[off] ^= 0x01;
    }
    /* the reserved rest of the header sector, outside the CRC, too */
    for (size_t off = SRAID_COD_HEADER_LEN; off < SRAID_COD_SECTOR; off++) {
        buf[off] ^= 0x80;
        g_assert_false(sraid_cod_decode(buf, len, &out, &hdr, NULL));
        buf[off] ^= 0x80;
    }
    g_assert_true(sraid_cod_decode(buf, len, &out, &hdr, NULL));
}

/* Recompute the checksums after a test edits a copy. */
static void reseal(uint8_t *buf, uint32_t payload_len)
{
    uint32_t crc;

    buf[24] = payload_len;
    buf[25] = payload_len >> 8;
    buf[26] = payload_len >> 16;
    buf[27] = payload_len >> 24;
    crc = sraid_crc32c(buf + SRAID_COD_SECTOR, payload_len);
    memcpy(buf + 28, &crc, 4);          /* little-endian host */
    crc = sraid_crc32c(buf, 60);
    memcpy(buf + 60, &crc, 4);
}

static void test_record_compatibility(void)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_COD_COPY_BYTES);
    SraidCod cod, out;
    SraidCodHeader hdr;
    g_autoptr(GError) err = NULL;
    size_t len = 0;
    uint32_t payload;
    uint8_t *rec;

    make_cod(&cod, "x");
    sraid_cod_encode(&cod, 0, 0, buf, NULL);
    memcpy(&payload, buf + 24, 4);
    rec = buf + SRAID_COD_SECTOR + payload;
    /* an optional record of an unknown type: skipped */
    memcpy(rec, "\x63\x00\x00\x00\x08\x00\x00\x00" "12345678", 16);
    reseal(buf, payload + 16);
    len = SRAID_COD_COPY_BYTES;
    g_assert_true(sraid_cod_decode(buf, len, &out, &hdr, &err));
    g_assert_no_error(err);
    /* the same record marked required: refused */
    rec[2] = 0x01;
    reseal(buf, payload + 16);
    g_assert_false(sraid_cod_decode(buf, len, &out, &hdr, &err));
    g_assert_nonnull(strstr(err->message, "required but not known"));
    g_clear_error(&err);
    /* a record longer than the payload */
    rec[2] = 0;
    rec[4] = 0xff;
    reseal(buf, payload + 16);
    g_assert_false(sraid_cod_decode(buf, len, &out, &hdr, &err));
    g_assert_nonnull(strstr(err->message, "runs past the payload"));
}

/*
 * Found by fuzz-cod: bytes after a string's NUL or in reserved fields were
 * accepted and silently dropped on re-encoding.  Decoding is strict now.
 */
static void test_non_canonical_refused(void)
{
    g_autofree uint8_t *buf = g_malloc(SRAID_COD_COPY_BYTES);
    SraidCod cod, out;
    SraidCodHeader hdr;
    uint32_t payload;
    uint8_t *body = buf + SRAID_COD_SECTOR + 8;     /* array record body */

    make_cod(&cod, "ab");
    sraid_cod_encode(&cod, 0, 0, buf, NULL);
    memcpy(&payload, buf + 24, 4);
    body[3] = 'x';                  /* after the NUL of "ab" */
    reseal(buf, payload);
    g_assert_false(sraid_cod_decode(buf, SRAID_COD_COPY_BYTES, &out, &hdr,
                                    NULL));
    body[3] = 0;
    body[40] = 1;                   /* reserved half of the array record */
    reseal(buf, payload);
    g_assert_false(sraid_cod_decode(buf, SRAID_COD_COPY_BYTES, &out, &hdr,
                                    NULL));
    body[40] = 0;
    reseal(buf, payload);
    g_assert_true(sraid_cod_decode(buf, SRAID_COD_COPY_BYTES, &out, &hdr,
                                   NULL));
}

static void expect_invalid(const SraidCod *cod, const char *msg)
{
    g_autoptr(GError) err = NULL;

    g_assert_false(sraid_cod_validate(cod, &err));
    if (!strstr(err->message, msg)) {
        g_test_message("got: %s", err->message);
    }
    g_assert_nonnull(strstr(err->message, msg));
}

static void test_validation(void)
{
    SraidCod cod;

    make_cod(&cod, "x");
    g_assert_true(sraid_cod_validate(&cod, NULL));
    cod.lds[1].start = 4000;
    expect_invalid(&cod, "logical drives 0 and 1 overlap on member 3");
    make_cod(&cod, "x");
    cod.members[1].state = SRAID_MEMBER_SPARE;
    expect_invalid(&cod, "member 1 is a spare");
    make_cod(&cod, "x");
    cod.lds[0].member_sectors = cod.members[0].sectors + 128;
    expect_invalid(&cod, "does not fit on member");
    make_cod(&cod, "x");
    memset(cod.members[3].guid, 0x10, 16);
    expect_invalid(&cod, "members 0 and 3 have the same GUID");
    make_cod(&cod, "x");
    cod.lds[0].nmembers = 2;
    expect_invalid(&cod, "RAID 5 needs 3 to 32 members");
    make_cod(&cod, "x");
    cod.lds[1].members[1] = 3;
    expect_invalid(&cod, "uses member 3 twice");
    make_cod(&cod, "x");
    cod.lds[1].id = 0;
    expect_invalid(&cod, "two logical drives have id 0");
    make_cod(&cod, "x");
    cod.lds[0].naa = 0x6000000000000000ULL;
    expect_invalid(&cod, "NAA");
}

/* Memory disks; a crash after a number of writes tears the next one. */
typedef struct MemDisks {
    uint8_t *disk[DISKS];
    int writes_left;                /* < 0: no crash planned */
    size_t tear;                    /* bytes of the crashing write kept */
    gboolean crashed;
} MemDisks;

static int mem_pread(void *opaque, unsigned d, uint64_t off, void *buf,
                     size_t len)
{
    MemDisks *m = opaque;

    g_assert_cmpuint(off + len, <=, DISK_BYTES);
    memcpy(buf, m->disk[d] + off, len);
    return 0;
}

static int mem_pwrite(void *opaque, unsigned d, uint64_t off,
                      const void *buf, size_t len)
{
    MemDisks *m = opaque;

    g_assert_cmpuint(off + len, <=, DISK_BYTES);
    if (m->crashed) {
        return -EIO;
    }
    if (m->writes_left == 0) {
        memcpy(m->disk[d] + off, buf, MIN(m->tear, len));
        m->crashed = TRUE;
        return -EIO;
    }
    if (m->writes_left > 0) {
        m->writes_left--;
    }
    memcpy(m->disk[d] + off, buf, len);
    return 0;
}

static int mem_flush(void *opaque, unsigned d)
{
    return ((MemDisks *)opaque)->crashed ? -EIO : 0;
}

static void mem_init(MemDisks *m, SraidMemberIo *io)
{
    for (unsigned d = 0; d < DISKS; d++) {
        m->disk[d] = g_malloc0(DISK_BYTES);
    }
    m->writes_left = -1;
    m->crashed = FALSE;
    *io = (SraidMemberIo) { mem_pread, mem_pwrite, mem_flush, m };
}

static void mem_free(MemDisks *m)
{
    for (unsigned d = 0; d < DISKS; d++) {
        g_free(m->disk[d]);
    }
}

static const uint64_t disk_bytes[DISKS] = {
    DISK_BYTES, DISK_BYTES, DISK_BYTES, DISK_BYTES,
};
static const int disk_of_member[DISKS] = { 0, 1, 2, 3 };

/*
 * Crash during an update at every write (and tear it at several points):
 * the configuration loaded afterwards is the whole old one or the whole new
 * one, never an error and never a mix.
 */
static void test_crash_during_update(void)
{
    static const size_t tears[] = { 0, 1, 511, 512, 700, 100000 };
    unsigned old_seen = 0, new_seen = 0;

    for (int crash_at = 0; crash_at < 2 * DISKS; crash_at++) {
        for (unsigned t = 0; t < G_N_ELEMENTS(tears); t++) {
            MemDisks m;
            SraidMemberIo io;
            SraidCod old_cod, new_cod, loaded;
            SraidDiskStatus st[DISKS];
            g_autoptr(GError) err = NULL;

            mem_init(&m, &io);
            make_cod(&old_cod, "old");
            g_assert_true(sraid_cod_store(&io, &old_cod, disk_of_member,
                                          disk_bytes, &err));
            g_assert_no_error(err);
            g_assert_cmpuint(old_cod.generation, ==, 1);

            new_cod = old_cod;
            g_strlcpy(new_cod.name, "new", sizeof(new_cod.name));
            new_cod.lds[1].state = SRAID_LD_DEGRADED;
            m.writes_left = crash_at;
            m.tear = tears[t];
            g_assert_false(sraid_cod_store(&io, &new_cod, disk_of_member,
                                           disk_bytes, &err));
            g_clear_error(&err);
            g_assert_cmpuint(new_cod.generation, ==, 1);  /* not committed */

            m.crashed = FALSE;
            m.writes_left = -1;
            g_assert_true(sraid_cod_load(&io, DISKS, disk_bytes, &loaded, st,
                                         &err));
            g_assert_no_error(err);
            if (loaded.generation == 1) {
                g_assert_cmpstr(loaded.name, ==, "old");
                g_assert_cmpuint(loaded.lds[1].state, ==, SRAID_LD_OPTIMAL);
                old_seen++;
            } else {
                g_assert_cmpuint(loaded.generation, ==, 2);
                g_assert_cmpstr(loaded.name, ==, "new");
                g_assert_cmpuint(loaded.lds[1].state, ==, SRAID_LD_DEGRADED);
                new_seen++;
            }
            /* every disk still has at least one intact copy */
            for (unsigned d = 0; d < DISKS; d++) {
                g_assert_true(st[d].copy_valid[0] || st[d].copy_valid[1]);
            }
            sraid_disk_status_clear(st, DISKS);
            mem_free(&m);
        }
    }
    /* crashes in copy A keep the old config, in copy B the new one */
    g_assert_cmpuint(old_seen, >, 0);
    g_assert_cmpuint(new_seen, >, 0);
}

static void test_stale_foreign_conflict(void)
{
    MemDisks m;
    SraidMemberIo io;
    SraidCod cod, other, loaded;
    SraidDiskStatus st[DISKS];
    g_autoptr(GError) err = NULL;
    const int only_three[DISKS] = { 0, 1, 2, -1 };

    mem_init(&m, &io);
    make_cod(&cod, "a");
    g_assert_true(sraid_cod_store(&io, &cod, disk_of_member, disk_bytes,
                                  NULL));
    /* member 2 fails: it no longer gets updates and becomes stale */
    cod.members[2].state = SRAID_MEMBER_FAILED;
    cod.lds[0].state = SRAID_LD_DEGRADED;
    g_assert_true(sraid_cod_store(&io, &cod, disk_of_member, disk_bytes,
                                  NULL));
    /* disk 3 is taken by another array */
    make_cod(&other, "b");
    memset(other.array_guid, 0x5a, 16);
    other.generation = 7;
    g_assert_true(sraid_cod_store(&io, &other, (const int[]){ -1, -1, -1, 3 },
                                  disk_bytes, NULL));

    g_assert_true(sraid_cod_load(&io, DISKS, disk_bytes, &loaded, st, &err));
    g_assert_no_error(err);
    /* three disks of "a" outvote one newer foreign disk */
    g_assert_cmpstr(loaded.name, ==, "a");
    g_assert_cmpuint(loaded.generation, ==, 2);
    g_assert_cmpuint(st[3].verdict, ==, SRAID_DISK_FOREIGN);
    g_assert_cmpuint(st[2].verdict, ==, SRAID_DISK_STALE);
    sraid_disk_status_clear(st, DISKS);
    /* one disk of each array: ambiguous, refused */
    memcpy(m.disk[1], m.disk[3], DISK_BYTES);
    g_assert_false(sraid_cod_load(&io, 2, (const uint64_t[]){ DISK_BYTES,
                                                             DISK_BYTES },
                                  &loaded, st, &err));
    g_assert_nonnull(strstr(err->message, "equal numbers"));
    g_clear_error(&err);
    sraid_disk_status_clear(st, 2);
    memcpy(m.disk[1], m.disk[0], DISK_BYTES);

    g_assert_true(sraid_cod_load(&io, 3, disk_bytes, &loaded, st, &err));
    g_assert_cmpstr(loaded.name, ==, "a");
    g_assert_cmpuint(loaded.generation, ==, 2);
    g_assert_cmpuint(st[0].verdict, ==, SRAID_DISK_CURRENT);
    g_assert_cmpuint(st[2].verdict, ==, SRAID_DISK_STALE);
    g_assert_cmpuint(st[2].generation, ==, 1);
    sraid_disk_status_clear(st, DISKS);

    /* same generation, different contents on two disks: refused */
    cod.generation = 1;
    g_strlcpy(cod.name, "a2", sizeof(cod.name));
    cod.members[2].state = SRAID_MEMBER_ONLINE;
    g_assert_true(sraid_cod_store(&io, &cod, only_three, disk_bytes, NULL));
    cod.generation = 1;
    g_strlcpy(cod.name, "a3", sizeof(cod.name));
    g_assert_true(sraid_cod_store(&io, &cod, (const int[]){ -1, -1, 2, -1 },
                                  disk_bytes, NULL));
    g_assert_false(sraid_cod_load(&io, 3, disk_bytes, &loaded, st, &err));
    g_assert_nonnull(strstr(err->message, "different contents"));
    sraid_disk_status_clear(st, DISKS);
    g_clear_error(&err);

    /*
     * Blank disks only: empty, which a controller may use; a disk whose
     * copies are both damaged is no configuration either, but not empty.
     */
    memset(m.disk[0], 0, DISK_BYTES);
    g_assert_false(sraid_cod_load(&io, 1, disk_bytes, &loaded, st, &err));
    g_assert_nonnull(strstr(err->message, "no disk carries"));
    g_assert_cmpuint(st[0].verdict, ==, SRAID_DISK_BLANK);
    g_assert_true(st[0].empty);
    sraid_disk_status_clear(st, 1);
    g_clear_error(&err);
    {
        uint64_t area = sraid_cod_area_offset(DISK_BYTES);

        /* disk 1's configuration, both copies' CRC made wrong */
        memcpy(m.disk[0], m.disk[1], DISK_BYTES);
        m.disk[0][area + 100] ^= 1;
        m.disk[0][area + SRAID_COD_COPY_BYTES + 100] ^= 1;
        g_assert_false(sraid_cod_load(&io, 1, disk_bytes, &loaded, st,
                                      &err));
        g_assert_cmpuint(st[0].verdict, ==, SRAID_DISK_BLANK);
        g_assert_false(st[0].empty);
        g_assert_nonnull(st[0].problem);
        sraid_disk_status_clear(st, 1);
        g_clear_error(&err);
    }
    mem_free(&m);
}

/*
 * Disks to members: a stale disk keeps its member while the newest
 * configuration lists it in use (it missed a torn update), not once the
 * member is recorded failed; foreign disks and double claims are refused
 * naming the disk.
 */
static void test_map_disks(void)
{
    SraidCod cod = { .nmembers = 3 };
    SraidDiskStatus st[4] = {
        { .verdict = SRAID_DISK_CURRENT, .member_index = 2 },
        { .verdict = SRAID_DISK_STALE, .member_index = 0 },
        { .verdict = SRAID_DISK_BLANK },
        { .verdict = SRAID_DISK_CURRENT, .member_index = 1 },
    };
    int map[SRAID_MAX_MEMBERS], bad;
    g_autoptr(GError) err = NULL;

    g_assert_true(sraid_cod_map_disks(&cod, st, 4, map, &bad, NULL));
    g_assert_cmpint(map[0], ==, 1);
    g_assert_cmpint(map[1], ==, 3);
    g_assert_cmpint(map[2], ==, 0);

    cod.members[0].state = SRAID_MEMBER_FAILED;
    g_assert_true(sraid_cod_map_disks(&cod, st, 4, map, &bad, NULL));
    g_assert_cmpint(map[0], ==, -1);

    st[2] = (SraidDiskStatus) { .verdict = SRAID_DISK_CURRENT,
                                .member_index = 2 };
    g_assert_false(sraid_cod_map_disks(&cod, st, 4, map, &bad, &err));
    g_assert_cmpint(bad, ==, 2);
    g_assert_nonnull(strstr(err->message, "both claim member 2"));
    g_clear_error(&err);

    st[2].verdict = SRAID_DISK_FOREIGN;
    g_assert_false(sraid_cod_map_disks(&cod, st, 4, map, &bad, &err));
    g_assert_cmpint(bad, ==, 2);
    g_assert_nonnull(strstr(err->message, "another array"));
    g_clear_error(&err);

    st[2] = (SraidDiskStatus) { .verdict = SRAID_DISK_CURRENT,
                                .member_index = 7 };
    g_assert_false(sraid_cod_map_disks(&cod, st, 4, map, &bad, &err));
    g_assert_cmpint(bad, ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cod/crc32c", test_crc32c);
    g_test_add_func("/cod/round-trip", test_round_trip);
    g_test_add_func("/cod/ld-positions", test_ld_positions);
    g_test_add_func("/cod/every-byte-corruption", test_every_byte_corruption);
    g_test_add_func("/cod/record-compatibility", test_record_compatibility);
    g_test_add_func("/cod/non-canonical-refused",
                    test_non_canonical_refused);
    g_test_add_func("/cod/validation", test_validation);
    g_test_add_func("/cod/crash-during-update", test_crash_during_update);
    g_test_add_func("/cod/map-disks", test_map_disks);
    g_test_add_func("/cod/stale-foreign-conflict",
                    test_stale_foreign_conflict);
    return g_test_run();
}
