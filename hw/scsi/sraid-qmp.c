/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: host management (QMP commands and events, qapi/sraid.json).
 *
 * Commands that change the configuration on disk run as coroutines
 * ('coroutine': true in the schema): they take the controller's cod_lock
 * like the data path does when it fails a member.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-sraid.h"
#include "qapi/qapi-events-sraid.h"
#include "qemu/units.h"
#include "qemu/uuid.h"
#include "qom/object.h"
#include "system/block-backend.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

#include "sraid/cod-store.h"
#include "sraid/node-memory.h"
#include "sraid/vendor-cmd.h"

/* The core's states are reported as they are: same order in the schema. */
#define SRAID_SAME(a, b) QEMU_BUILD_BUG_ON((int)(a) != (int)(b))
SRAID_SAME(SRAID_MEMBER_STATUS_REBUILDING, SRAID_MEMBER_REBUILDING);
SRAID_SAME(SRAID_MEMBER_STATUS_SPARE, SRAID_MEMBER_SPARE);
SRAID_SAME(SRAID_MEMBER_STATUS_MISSING, SRAID_MEMBER_MISSING);
SRAID_SAME(SRAID_LD_STATUS_DEGRADED, SRAID_LD_DEGRADED);
SRAID_SAME(SRAID_LD_STATUS_OFFLINE, SRAID_LD_OFFLINE);
SRAID_SAME(SRAID_BACKGROUND_OP_REBUILD, SRAID_BG_REBUILD);
SRAID_SAME(SRAID_BACKGROUND_OP_SCRUB, SRAID_BG_SCRUB);
SRAID_SAME(SRAID_SCRUB_OUTCOME_RUNNING, SRAID_SCRUB_RUNNING);
SRAID_SAME(SRAID_SCRUB_OUTCOME_DEGRADED, SRAID_SCRUB_DEGRADED);
SRAID_SAME(SRAID_CLUSTER_STATE_MASTER, SRAID_NODE_MASTER);
SRAID_SAME(SRAID_CLUSTER_STATE_KILLED_SLAVE, SRAID_NODE_KILLED_SLAVE);
SRAID_SAME(SRAID_CLUSTER_STATE__MAX, SRAID_NODE_STATE_LAST + 1);
SRAID_SAME(SRAID_CLUSTER_STATE_INFO_REBUILDING, SRAID_NODE_INFO_REBUILDING);
SRAID_SAME(SRAID_CLUSTER_STATE_INFO__MAX, SRAID_NODE_INFO_LAST + 1);
SRAID_SAME(SRAID_CLUSTER_SUSPEND_REASON_KILLED, SRAID_SUSPEND_KILLED);
SRAID_SAME(SRAID_CLUSTER_SUSPEND_REASON_HOST, SRAID_SUSPEND_HOST);

static SraidLevel sraid_level(uint8_t level)
{
    switch (level) {
    case SRAID_RAID0:
        return SRAID_LEVEL_RAID0;
    case SRAID_RAID1:
        return SRAID_LEVEL_RAID1;
    case SRAID_RAID5:
        return SRAID_LEVEL_RAID5;
    case SRAID_RAID6:
        return SRAID_LEVEL_RAID6;
    default:
        return SRAID_LEVEL_RAID10;
    }
}

/* The name a controller goes by in commands and events. */
static char *sraid_ctrl_name(SraidCtrl *s)
{
    DeviceState *dev = DEVICE(s);

    return dev->id ? g_strdup(dev->id)
                   : object_get_canonical_path(OBJECT(s));
}

static SraidCtrl *sraid_ctrl_find(const char *name, Error **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path_type(name, TYPE_SRAID_CTRL, &ambiguous);

    if (!obj) {
        error_setg(errp, ambiguous ? "'%s' names several sraid-ctrl devices:"
                   " give its full QOM path" : "no sraid-ctrl named '%s'",
                   name);
        return NULL;
    }
    return SRAID_CTRL(obj);
}

static SraidCtrl *sraid_array_find(const char *name, Error **errp)
{
    SraidCtrl *s = sraid_ctrl_find(name, errp);

    if (s && !s->has_array) {
        error_setg(errp, "sraid-ctrl '%s' has no array: create one on its"
                   " drives with sraid-create-ld or sraid-img create", name);
        return NULL;
    }
    return s;
}

/* ---- events ---- */

void sraid_array_notify_member(SraidCtrl *s, unsigned m)
{
    g_autofree char *name = sraid_ctrl_name(s);
    SraidDrive *d = s->member_drive[m];

    qapi_event_send_sraid_member_state(name, m, s->cod.members[m].state,
                                       d ? sraid_drive_name(d) : NULL);
}

void sraid_array_notify_ld(SraidCtrl *s, unsigned index)
{
    g_autofree char *name = sraid_ctrl_name(s);

    qapi_event_send_sraid_ld_state(name, s->cod.lds[index].id,
                                   s->cod.lds[index].state);
}

void sraid_array_notify_progress(SraidCtrl *s)
{
    g_autofree char *name = sraid_ctrl_name(s);

    qapi_event_send_sraid_rebuild_progress(name, s->bg.target, s->bg.done,
                                           s->bg.total);
}

void sraid_array_notify_scrub(SraidCtrl *s)
{
    g_autofree char *name = sraid_ctrl_name(s);

    qapi_event_send_sraid_scrub_done(name, s->cod.lds[s->bg.scrub_ld].id,
                                     s->bg.result, s->bg.mismatches,
                                     s->bg.repaired);
}

/* ---- query-sraid ---- */

static SraidDriveInfoList *sraid_query_drives(SraidCtrl *s)
{
    SraidDriveInfoList *head = NULL, **tail = &head;

    for (unsigned c = 0; c < SRAID_MAX_CHANNELS; c++) {
        for (unsigned t = 0; t < SRAID_MAX_NODES; t++) {
            SraidDrive *d = s->drives[c][t];
            SraidDriveInfo *info;
            int m;

            if (!d) {
                continue;
            }
            info = g_new0(SraidDriveInfo, 1);
            info->drive = g_strdup(sraid_drive_name(d));
            info->channel = c;
            info->target = t;
            info->size = blk_getlength(d->conf.blk);
            m = sraid_array_member_of(s, d);
            info->has_member = m >= 0;
            info->member = MAX(m, 0);
            QAPI_LIST_APPEND(tail, info);
        }
    }
    return head;
}

static SraidMemberInfoList *sraid_query_members(SraidCtrl *s)
{
    SraidMemberInfoList *head = NULL, **tail = &head;

    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        const SraidCodMember *c = &s->cod.members[m];
        SraidMemberInfo *info = g_new0(SraidMemberInfo, 1);

        info->index = m;
        info->state = c->state;
        if (s->member_drive[m]) {
            info->drive = g_strdup(sraid_drive_name(s->member_drive[m]));
        }
        info->channel = c->channel;
        info->target = c->target;
        info->sectors = c->sectors;
        info->rebuild_checkpoint = c->rebuild_checkpoint;
        QAPI_LIST_APPEND(tail, info);
    }
    return head;
}

static SraidLdInfo *sraid_ld_info(SraidCtrl *s, unsigned i)
{
    const SraidCodLd *l = &s->cod.lds[i];
    SraidLdInfo *info = g_new0(SraidLdInfo, 1);
    uint32List **mtail = &info->members;
    SraidLdUnit *u = s->lds[i];

    info->id = l->id;
    info->name = g_strdup(l->name);
    info->level = sraid_level(l->level);
    info->state = l->state;
    info->strip_size = l->strip_sectors * SRAID_SECTOR;
    info->size = u ? sraid_geometry_capacity(&u->ld.g) * SRAID_SECTOR : 0;
    for (unsigned k = 0; k < l->nmembers; k++) {
        QAPI_LIST_APPEND(mtail, l->members[k]);
    }
    info->serial = g_strdup(l->serial);
    info->naa = g_strdup_printf("%016" PRIx64, l->naa);
    if (u && u->dev) {
        info->device = object_get_canonical_path(OBJECT(u->dev));
    }
    if (u) {
        info->has_requests_in_flight = info->has_requests_waiting = true;
        info->requests_in_flight = u->requests_in_flight;
        info->requests_waiting = u->requests_waiting;
        info->has_reservations_ready = true;
        info->reservations_ready = sraid_pr_host_ready(s, u->ld_id);
    }
    return info;
}

static SraidLdInfoList *sraid_query_lds(SraidCtrl *s)
{
    SraidLdInfoList *head = NULL, **tail = &head;

    for (unsigned i = 0; i < s->cod.nlds; i++) {
        QAPI_LIST_APPEND(tail, sraid_ld_info(s, i));
    }
    return head;
}

static SraidBackgroundInfo *sraid_query_background(SraidCtrl *s)
{
    SraidBackground *bg = &s->bg;
    SraidBackgroundInfo *info = g_new0(SraidBackgroundInfo, 1);

    info->operation = bg->op;
    info->has_member = bg->op == SRAID_BG_REBUILD;
    info->member = info->has_member ? bg->target : 0;
    info->has_ld = bg->result != SRAID_SCRUB_NONE;
    info->ld = info->has_ld ? s->cod.lds[bg->scrub_ld].id : 0;
    info->done = bg->op != SRAID_BG_IDLE ? bg->done : 0;
    info->total = bg->op != SRAID_BG_IDLE ? bg->total : 0;
    info->rate = s->rebuild_rate;
    info->scrub_result = bg->result;
    info->mismatches = bg->mismatches;
    info->repaired = bg->repaired;
    return info;
}

static SraidBusInfo *sraid_query_bus(SraidCtrl *s)
{
    SraidBusInfo *bus = g_new0(SraidBusInfo, 1);
    strList **ptail = &bus->portals;
    SraidPeerInfoList **tail = &bus->peers;

    bus->target = sraid_iscsi_target_name(s, s->node_id);
    for (unsigned ch = 0; ch < s->channels; ch++) {
        QAPI_LIST_APPEND(ptail, g_strdup_printf(
            "%s:%u,%u", sraid_iscsi_host(s, ch, s->node_id),
            sraid_iscsi_port(s, ch, s->node_id), ch + 1));
        for (unsigned n = 0; n < SRAID_MAX_NODES; n++) {
            bool booting;

            if (sraid_peers_present(s->peers, n, ch, &booting)) {
                SraidPeerInfo *p = g_new0(SraidPeerInfo, 1);

                p->node = n;
                p->channel = ch;
                p->booting = booting;
                QAPI_LIST_APPEND(tail, p);
            }
        }
    }
    return bus;
}

/* The bits set among the @n lowest of @bitmap, in ascending order */
static uint8List *sraid_bit_list(uint32_t bitmap, unsigned n)
{
    uint8List *head = NULL;

    for (unsigned bit = n; bit-- > 0;) {
        if (bitmap & (1u << bit)) {
            QAPI_LIST_PREPEND(head, bit);
        }
    }
    return head;
}

static uint8List *sraid_channel_list(uint32_t bitmap)
{
    return sraid_bit_list(bitmap, SRAID_MAX_CHANNELS);
}

static SraidClusterInfo *sraid_query_cluster(SraidCtrl *s)
{
    g_autofree SraidMemberView *v = g_new0(SraidMemberView, 1);
    SraidClusterInfo *info;
    SraidClusterNodeList **tail;

    if (!sraid_cluster_view(s, v)) {
        return NULL;
    }
    info = g_new0(SraidClusterInfo, 1);
    tail = &info->nodes;
    info->self = v->self;
    info->state = v->state;
    info->info = v->info;
    info->has_master = v->master != SRAID_NODE_NONE;
    info->master = info->has_master ? v->master : 0;
    info->epoch = v->epoch;
    info->booting = v->booting;
    info->suspended = v->suspended;
    info->suspend_reason = v->suspend_reason;
    info->connected_channels = sraid_channel_list(v->connected_channels);
    info->comm_channel = v->comm_channel;
    info->config_generation = v->config_generation;
    info->drives_alive = sraid_bit_list(v->drives_alive, SRAID_NODE_MAX);
    for (unsigned n = 0; n < SRAID_NODE_MAX; n++) {
        const SraidMemberNodeView *nv = &v->nodes[n];
        SraidClusterNode *cn;

        if (!nv->known) {
            continue;
        }
        cn = g_new0(SraidClusterNode, 1);
        cn->node = n;
        cn->state = nv->state;
        cn->info = nv->info;
        cn->channels = sraid_channel_list(nv->channels);
        cn->heartbeat_misses = nv->heartbeat_misses;
        QAPI_LIST_APPEND(tail, cn);
    }
    return info;
}

static int sraid_query_one(Object *obj, void *opaque)
{
    SraidControllerInfoList ***tail = opaque;
    SraidControllerInfo *info;
    SraidCtrl *s;

    if (!object_dynamic_cast(obj, TYPE_SRAID_CTRL)) {
        return 0;
    }
    s = SRAID_CTRL(obj);
    info = g_new0(SraidControllerInfo, 1);
    info->id = sraid_ctrl_name(s);
    info->node_id = s->node_id;
    info->drives = sraid_query_drives(s);
    if (s->has_array) {
        QemuUUID uuid;

        memcpy(uuid.data, s->cod.array_guid, sizeof(uuid.data));
        info->array = g_strdup(s->cod.name);
        info->guid = qemu_uuid_unparse_strdup(&uuid);
        info->has_generation = true;
        info->generation = s->cod.generation;
        info->members = sraid_query_members(s);
        info->lds = sraid_query_lds(s);
    }
    info->background = sraid_query_background(s);
    if (s->peers) {
        info->bus = sraid_query_bus(s);
    }
    for (unsigned ch = s->channels; ch-- > 0;) {
        if (s->cables_cut & (1u << ch)) {
            QAPI_LIST_PREPEND(info->cables_cut, ch);
        }
    }
    for (unsigned n = SRAID_MAX_NODES; n-- > 0;) {
        if (s->links_cut & (1u << n)) {
            QAPI_LIST_PREPEND(info->links_cut, n);
        }
    }
    info->cluster = sraid_query_cluster(s);
    QAPI_LIST_APPEND(*tail, info);
    return 0;
}

SraidControllerInfoList *qmp_query_sraid(Error **errp)
{
    SraidControllerInfoList *head = NULL, **tail = &head;

    object_child_foreach_recursive(object_get_root(), sraid_query_one, &tail);
    return head;
}

/* ---- commands ---- */

void coroutine_fn qmp_sraid_fail_member(const char *controller,
                                        uint32_t member, Error **errp)
{
    SraidCtrl *s = sraid_array_find(controller, errp);

    if (!s) {
        return;
    }
    if (member >= s->cod.nmembers) {
        error_setg(errp, "member %u does not exist: the array has members 0"
                   " to %u", member, s->cod.nmembers - 1);
        return;
    }
    if (s->cod.members[member].state == SRAID_MEMBER_FAILED ||
        s->cod.members[member].state == SRAID_MEMBER_MISSING) {
        error_setg(errp, "member %u is already out of service", member);
        return;
    }
    trace_sraid_qmp_fail_member(s->node_id, member);
    sraid_array_member_failed(s, member, -EIO);
}

/* A configuration slot for a new member: an unused failed one, or a new. */
static int sraid_free_member_slot(SraidCtrl *s)
{
    for (unsigned m = 0; m < s->cod.nmembers; m++) {
        uint8_t st = s->cod.members[m].state;

        if ((st == SRAID_MEMBER_FAILED || st == SRAID_MEMBER_MISSING) &&
            !sraid_array_member_in_ld(s, m)) {
            return m;
        }
    }
    return s->cod.nmembers < SRAID_MAX_MEMBERS ? (int)s->cod.nmembers : -1;
}

static SraidDrive *sraid_drive_find(SraidCtrl *s, const char *drive,
                                    Error **errp)
{
    for (unsigned c = 0; c < SRAID_MAX_CHANNELS; c++) {
        for (unsigned t = 0; t < SRAID_MAX_NODES; t++) {
            SraidDrive *d = s->drives[c][t];

            if (d && !strcmp(sraid_drive_name(d), drive)) {
                return d;
            }
        }
    }
    error_setg(errp, "no drive '%s' is attached to this sraid-ctrl", drive);
    return NULL;
}

bool coroutine_fn sraid_array_add_spare(SraidCtrl *s, SraidDrive *d,
                                        Error **errp)
{
    uint64_t sectors = sraid_cod_usable_sectors(blk_getlength(d->conf.blk));
    SraidCod old;
    int m, ret;
    bool ok = false;

    qemu_co_mutex_lock(&s->cod_lock);
    if (sraid_array_member_of(s, d) >= 0) {
        error_setg(errp, "drive '%s' already holds member %d of the array",
                   sraid_drive_name(d), sraid_array_member_of(s, d));
        goto out;
    }
    if (!sectors) {
        error_setg(errp, "drive '%s' is too small to carry the configuration"
                   " (at least %u MiB)", sraid_drive_name(d),
                   (unsigned)(2 * SRAID_COD_AREA_BYTES / MiB));
        goto out;
    }
    m = sraid_free_member_slot(s);
    if (m < 0) {
        error_setg(errp, "the array has %u members, the most it can have",
                   SRAID_MAX_MEMBERS);
        goto out;
    }
    /*
     * A drive that was a member before may still carry degraded-write
     * journal entries of this array that no start ever applied (it was
     * failed by then): erased before it joins, since entries are only
     * erased at start (docs/on-disk-format.md, "Degraded-write journal").
     * The configuration store below flushes it.
     */
    ret = blk_co_pwrite_zeroes(d->conf.blk,
                               sraid_cod_area_offset(blk_getlength(d->conf.blk))
                               + SRAID_DJ_AREA_OFFSET, SRAID_DJ_BYTES, 0);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "drive '%s': cannot erase its"
                         " degraded-write journal", sraid_drive_name(d));
        goto out;
    }
    old = s->cod;
    if (m == (int)s->cod.nmembers) {
        s->cod.nmembers++;
    }
    qemu_uuid_generate((QemuUUID *)s->cod.members[m].guid);
    s->cod.members[m].sectors = sectors;
    s->cod.members[m].state = SRAID_MEMBER_SPARE;
    s->cod.members[m].channel = d->channel;
    s->cod.members[m].target = d->target;
    s->cod.members[m].rebuild_checkpoint = 0;
    s->member_drive[m] = d;
    if (!sraid_array_store(s, errp)) {
        s->cod = old;
        s->member_drive[m] = NULL;
        goto out;
    }
    trace_sraid_spare_added(s->node_id, m, sraid_drive_name(d));
    sraid_array_notify_member(s, m);
    sraid_bg_kick(s);
    ok = true;
out:
    qemu_co_mutex_unlock(&s->cod_lock);
    return ok;
}

/*
 * The bodies of the host's commands, shared by QMP and the guest's
 * management commands (sraid-mgmt.c): one set of rules, wherever the
 * request comes from.
 */
bool coroutine_fn sraid_ctrl_add_spare(SraidCtrl *s, SraidDrive *d,
                                       Error **errp)
{
    return sraid_cluster_check_master(s, "add the spare", errp) &&
           sraid_array_add_spare(s, d, errp);
}

bool coroutine_fn sraid_ctrl_remove_spare(SraidCtrl *s, uint32_t member,
                                          Error **errp)
{
    SraidCod old;
    bool ok = false;

    if (!sraid_cluster_check_master(s, "remove the spare", errp)) {
        return false;
    }
    qemu_co_mutex_lock(&s->cod_lock);
    if (member >= s->cod.nmembers ||
        s->cod.members[member].state != SRAID_MEMBER_SPARE) {
        error_setg(errp, "member %u is not a hot spare", member);
        goto out;
    }
    old = s->cod;
    /* its disk keeps an older generation: stale, never mapped again */
    s->cod.members[member].state = SRAID_MEMBER_MISSING;
    if (!sraid_array_store(s, errp)) {
        s->cod = old;
        goto out;
    }
    s->member_drive[member] = NULL;
    sraid_array_notify_member(s, member);
    ok = true;
out:
    qemu_co_mutex_unlock(&s->cod_lock);
    return ok;
}

void coroutine_fn qmp_sraid_add_spare(const char *controller,
                                      const char *drive, Error **errp)
{
    SraidCtrl *s = sraid_array_find(controller, errp);
    SraidDrive *d = s ? sraid_drive_find(s, drive, errp) : NULL;

    if (d) {
        sraid_ctrl_add_spare(s, d, errp);
    }
}

void coroutine_fn qmp_sraid_remove_spare(const char *controller,
                                         uint32_t member, Error **errp)
{
    SraidCtrl *s = sraid_array_find(controller, errp);

    if (s) {
        sraid_ctrl_remove_spare(s, member, errp);
    }
}

static const SraidRaidLevel sraid_core_level[SRAID_LEVEL__MAX] = {
    [SRAID_LEVEL_RAID0] = SRAID_RAID0,
    [SRAID_LEVEL_RAID1] = SRAID_RAID1,
    [SRAID_LEVEL_RAID5] = SRAID_RAID5,
    [SRAID_LEVEL_RAID6] = SRAID_RAID6,
    [SRAID_LEVEL_RAID10] = SRAID_RAID10,
};

SraidLdInfo *qmp_sraid_create_ld(const char *controller, SraidLevel level,
                                 strList *drives, bool has_strip_size,
                                 uint64_t strip_size, bool has_size,
                                 uint64_t size, const char *name,
                                 const char *array_name, Error **errp)
{
    SraidCtrl *s = sraid_ctrl_find(controller, errp);
    SraidDrive *d[SRAID_MAX_MEMBERS];
    unsigned n = 0;
    int index;

    /* the master first: a slave names it whatever else is wrong */
    if (!s || !sraid_cluster_check_master(s, "create the logical drive",
                                          errp)) {
        return NULL;
    }
    if (has_size && !size) {
        error_setg(errp, "size 0: leave it out for all the free space");
        return NULL;
    }
    for (strList *e = drives; e; e = e->next) {
        if (n == SRAID_MAX_MEMBERS) {
            error_setg(errp, "more than %u drives", SRAID_MAX_MEMBERS);
            return NULL;
        }
        d[n] = sraid_drive_find(s, e->value, errp);
        if (!d[n++]) {
            return NULL;
        }
    }
    index = sraid_ctrl_create_ld(s, sraid_core_level[level], d, n,
                                 has_strip_size ? strip_size : 0,
                                 has_size ? size : 0, name, array_name, errp);
    return index < 0 ? NULL : sraid_ld_info(s, index);
}

int sraid_ctrl_create_ld(SraidCtrl *s, SraidRaidLevel level,
                         SraidDrive **d, unsigned n, uint64_t strip_size,
                         uint64_t size, const char *name,
                         const char *array_name, Error **errp)
{
    SraidLdRequest req = { .level = level, .name = name };

    if (!sraid_cluster_check_master(s, "create the logical drive", errp)) {
        return -1;
    }
    if (!strip_size) {
        strip_size = 64 * KiB;
    }
    if (strip_size % SRAID_SECTOR || strip_size / SRAID_SECTOR > UINT32_MAX) {
        error_setg(errp, "strip-size %" PRIu64 " is not a whole number of"
                   " 512-byte sectors", strip_size);
        return -1;
    }
    req.strip_sectors = strip_size / SRAID_SECTOR;
    req.sectors = DIV_ROUND_UP(size, SRAID_SECTOR);
    return sraid_array_create_ld(s, &req, d, n, array_name, errp);
}

bool sraid_ctrl_delete_ld(SraidCtrl *s, uint8_t ld, Error **errp)
{
    return sraid_cluster_check_master(s, "delete the logical drive", errp) &&
           sraid_array_delete_ld(s, ld, errp);
}

bool sraid_ctrl_scrub(SraidCtrl *s, uint8_t ld, bool repair, Error **errp)
{
    for (unsigned i = 0; i < s->cod.nlds; i++) {
        if (s->cod.lds[i].id == ld) {
            return sraid_bg_scrub_start(s, i, repair, errp);
        }
    }
    error_setg(errp, "logical drive %u does not exist", ld);
    return false;
}

bool sraid_ctrl_rebuild(SraidCtrl *s, uint32_t member, Error **errp)
{
    return sraid_cluster_check_master(s, "rebuild", errp) &&
           sraid_bg_rebuild_start(s, member, errp);
}

void qmp_sraid_rebuild(const char *controller, uint32_t member,
                       Error **errp)
{
    SraidCtrl *s = sraid_array_find(controller, errp);

    if (s) {
        sraid_ctrl_rebuild(s, member, errp);
    }
}

void qmp_sraid_delete_ld(const char *controller, uint8_t ld, Error **errp)
{
    SraidCtrl *s = sraid_array_find(controller, errp);

    if (s) {
        sraid_ctrl_delete_ld(s, ld, errp);
    }
}

void qmp_sraid_scrub(const char *controller, uint8_t ld, bool has_repair,
                     bool repair, Error **errp)
{
    SraidCtrl *s = sraid_array_find(controller, errp);

    if (s) {
        sraid_ctrl_scrub(s, ld, has_repair && repair, errp);
    }
}

void qmp_sraid_scrub_cancel(const char *controller, Error **errp)
{
    SraidCtrl *s = sraid_array_find(controller, errp);

    if (!s) {
        return;
    }
    if (s->bg.op != SRAID_BG_SCRUB && s->bg.scrub_pending < 0) {
        error_setg(errp, "no consistency check is running");
        return;
    }
    s->bg.scrub_pending = -1;
    s->bg.scrub_cancel = s->bg.op == SRAID_BG_SCRUB;
}

void qmp_sraid_set_rebuild_rate(const char *controller, uint8_t rate,
                                Error **errp)
{
    SraidCtrl *s = sraid_ctrl_find(controller, errp);

    if (!s) {
        return;
    }
    if (rate < 1 || rate > 100) {
        error_setg(errp, "rate %u is out of range: use 1 to 100", rate);
        return;
    }
    s->rebuild_rate = rate;
}

/* ---- the bus ---- */

typedef struct SraidPeerWait {
    Coroutine *co;
    bool done;
    int err;
    SraidScsiResult r;
    uint8_t *data_in;               /* where to copy data-in, or NULL */
} SraidPeerWait;

static void sraid_peer_wait_cb(void *opaque, int err, const SraidScsiResult *r,
                               const uint8_t *data_in)
{
    SraidPeerWait *w = opaque;

    w->err = err;
    if (!err) {
        w->r = *r;
        if (w->data_in && r->data_len) {
            memcpy(w->data_in, data_in, r->data_len);
        }
    }
    w->done = true;
    /* never before sraid_peers_send() returned: the sender has yielded */
    aio_co_wake(w->co);
}

/* Send a vendor command to a peer and wait; the time it took in *@us */
static bool coroutine_fn sraid_peer_vendor(SraidCtrl *s, unsigned node,
                                           unsigned channel, uint8_t dcmd,
                                           uint8_t *buf, uint32_t len,
                                           unsigned timeout, uint64_t *us,
                                           Error **errp)
{
    SraidVendorCdb vc = {
        .dcmd = dcmd,
        .address = SRAID_NODE_MEM_DIAG_BASE,
        .length = len,
    };
    uint8_t cdb[10];
    bool write = dcmd == SRAID_DCMD_NODE_WRITE;
    SraidPeerWait w = { .co = qemu_coroutine_self(),
                        .data_in = write ? NULL : buf };
    int64_t start = qemu_clock_get_us(QEMU_CLOCK_REALTIME);

    sraid_vendor_cdb_encode(&vc, cdb);
    sraid_peers_send(s->peers, node, channel, cdb, sizeof(cdb),
                     write ? buf : NULL, write ? len : 0, write ? 0 : len,
                     timeout, sraid_peer_wait_cb, &w);
    while (!w.done) {
        qemu_coroutine_yield();
    }
    *us = qemu_clock_get_us(QEMU_CLOCK_REALTIME) - start;
    if (w.err) {
        error_setg_errno(errp, -w.err, "node %u on channel %u: no answer to"
                         " %s", node, channel, write ? "Node_Write"
                                                     : "Node_Read");
        return false;
    }
    if (w.r.status != SRAID_STATUS_GOOD) {
        error_setg(errp, "node %u on channel %u: %s ended with status 0x%02x,"
                   " sense %x/%02x/%02x", node, channel,
                   write ? "Node_Write" : "Node_Read", w.r.status,
                   w.r.sense[2] & 0xf, w.r.sense[12], w.r.sense[13]);
        return false;
    }
    if (!write && w.r.data_len != len) {
        error_setg(errp, "node %u on channel %u: Node_Read returned %zu of"
                   " %u bytes", node, channel, w.r.data_len, len);
        return false;
    }
    return true;
}

typedef struct SraidPostWait {
    Coroutine *co;
    unsigned pending;
    int err;
    uint8_t status;
} SraidPostWait;

static void sraid_post_wait_cb(void *opaque, int err, const SraidScsiResult *r)
{
    SraidPostWait *w = opaque;

    if (!w->err && err) {
        w->err = err;
    }
    if (!err && r->status != SRAID_STATUS_GOOD) {
        w->status = r->status;
    }
    /* never before sraid_peers_post() returned: the sender has yielded */
    if (--w->pending == 0) {
        aio_co_wake(w->co);
    }
}

/* The pattern as @pieces Node_Write messages, gathered on the way */
static bool coroutine_fn sraid_peer_post_pieces(SraidCtrl *s, unsigned node,
                                                unsigned channel,
                                                const uint8_t *buf,
                                                uint32_t len, unsigned pieces,
                                                unsigned timeout,
                                                uint64_t *us, Error **errp)
{
    SraidPostWait w = { .co = qemu_coroutine_self(), .pending = pieces };
    int64_t start = qemu_clock_get_us(QEMU_CLOCK_REALTIME);
    uint32_t off = 0;

    for (unsigned i = 0; i < pieces; i++) {
        uint32_t n = len / pieces + (i < len % pieces);

        sraid_peers_post(s->peers, node, channel, SRAID_DCMD_NODE_WRITE,
                         SRAID_NODE_MEM_DIAG_BASE + off, buf + off, n,
                         timeout, sraid_post_wait_cb, &w);
        off += n;
    }
    while (w.pending) {
        qemu_coroutine_yield();
    }
    *us = qemu_clock_get_us(QEMU_CLOCK_REALTIME) - start;
    if (w.err || w.status) {
        error_setg(errp, "node %u on channel %u: gathered Node_Write failed:"
                   " %s", node, channel,
                   w.err ? strerror(-w.err) : "a status other than GOOD");
        return false;
    }
    return true;
}

SraidPeerTestResult *coroutine_fn qmp_sraid_peer_test(const char *controller,
                                                      uint8_t node,
                                                      uint8_t channel,
                                                      bool has_bytes,
                                                      uint32_t bytes,
                                                      bool has_timeout,
                                                      uint32_t timeout,
                                                      bool has_pieces,
                                                      uint32_t pieces,
                                                      Error **errp)
{
    uint64_t gathers = 0;

    SraidCtrl *s = sraid_ctrl_find(controller, errp);
    g_autofree uint8_t *pattern = NULL;
    g_autofree uint8_t *back = NULL;
    SraidPeerTestResult *res;
    uint64_t wus, rus;

    if (!s) {
        return NULL;
    }
    bytes = has_bytes ? bytes : 4096;
    timeout = has_timeout ? timeout : 1000;
    pieces = has_pieces ? pieces : 1;
    if (!s->peers) {
        error_setg(errp, "sraid-ctrl '%s' is not on a bus: set its"
                   " iscsi-port", controller);
        return NULL;
    }
    if (node >= SRAID_MAX_NODES || node == s->node_id ||
        channel >= s->channels) {
        error_setg(errp, "no peer node %u on channel %u: use another node"
                   " id than %u, 0 to %u, and a channel 0 to %u", node,
                   channel, s->node_id, SRAID_MAX_NODES - 1, s->channels - 1);
        return NULL;
    }
    if (bytes < 1 || bytes > MIN(SRAID_NODE_MEM_DIAG_SIZE, UINT16_MAX) ||
        timeout < 1 || timeout > 60000 || pieces < 1 || pieces > 128 ||
        pieces > bytes) {
        error_setg(errp, "bytes must be 1 to 65535, timeout 1 to 60000 and"
                   " pieces 1 to 128 (and at most bytes)");
        return NULL;
    }
    pattern = g_malloc(bytes);
    back = g_malloc0(bytes);
    for (uint32_t i = 0; i < bytes; i++) {
        pattern[i] = (i * 7 + node) ^ (i >> 8);
    }
    if (pieces > 1) {
        gathers = sraid_peers_gather_commands(s->peers, node, channel);
        if (!sraid_peer_post_pieces(s, node, channel, pattern, bytes, pieces,
                                    timeout, &wus, errp)) {
            return NULL;
        }
        gathers = sraid_peers_gather_commands(s->peers, node, channel) -
                  gathers;
    } else if (!sraid_peer_vendor(s, node, channel, SRAID_DCMD_NODE_WRITE,
                                  pattern, bytes, timeout, &wus, errp)) {
        return NULL;
    }
    if (!sraid_peer_vendor(s, node, channel, SRAID_DCMD_NODE_READ, back,
                           bytes, timeout, &rus, errp)) {
        return NULL;
    }
    if (memcmp(pattern, back, bytes)) {
        error_setg(errp, "node %u on channel %u: the memory test read back"
                   " other data than it wrote", node, channel);
        return NULL;
    }
    trace_sraid_qmp_peer_test(s->node_id, node, channel, bytes, wus, rus);
    res = g_new0(SraidPeerTestResult, 1);
    res->write_us = wus;
    res->read_us = rus;
    if (pieces > 1) {
        res->has_gather_commands = true;
        res->gather_commands = gathers;
    }
    return res;
}

void coroutine_fn qmp_sraid_set_cable(const char *controller, uint8_t channel,
                                      bool connected, Error **errp)
{
    SraidCtrl *s = sraid_ctrl_find(controller, errp);

    if (!s) {
        return;
    }
    if (channel >= s->channels) {
        error_setg(errp, "channel %u does not exist: the controller has"
                   " channels 0 to %u", channel, s->channels - 1);
        return;
    }
    trace_sraid_qmp_set_cable(s->node_id, channel, connected);
    if (connected) {
        s->cables_cut &= ~(1u << channel);
    } else {
        s->cables_cut |= 1u << channel;
    }
    for (unsigned t = 0; t < SRAID_MAX_NODES; t++) {
        if (s->drives[channel][t]) {
            s->drives[channel][t]->cable_cut = !connected;
        }
    }
    if (!sraid_iscsi_set_cable(s, channel, connected, errp)) {
        return;
    }
    /* membership: Connected_Channels, the node-communications channel */
    sraid_cluster_set_cable(s, channel, connected);
    /* the drives behind a cut cable are gone: like a failed I/O */
    for (unsigned m = 0; !connected && s->has_array && m < s->cod.nmembers;
         m++) {
        uint8_t st = s->cod.members[m].state;

        if (sraid_array_member_cut(s, m) && st != SRAID_MEMBER_FAILED &&
            st != SRAID_MEMBER_MISSING) {
            sraid_array_member_failed(s, m, -EIO);
        }
    }
}

/* ---- cluster membership (sraid-cluster.c, docs/membership.md) ---- */

static SraidCtrl *sraid_cluster_find(const char *name, Error **errp)
{
    SraidCtrl *s = sraid_ctrl_find(name, errp);

    if (s && !s->membership) {
        error_setg(errp, "sraid-ctrl '%s' is not on a bus, so not in a"
                   " cluster: set its iscsi-port", name);
        return NULL;
    }
    return s;
}

static bool sraid_peer_node_ok(SraidCtrl *s, uint8_t node, Error **errp)
{
    if (node >= SRAID_MAX_NODES || node == s->node_id) {
        error_setg(errp, "node %u is not a peer: use a node id 0 to %u other"
                   " than this controller's %u", node, SRAID_MAX_NODES - 1,
                   s->node_id);
        return false;
    }
    return true;
}

void qmp_sraid_resume(const char *controller, Error **errp)
{
    SraidCtrl *s = sraid_cluster_find(controller, errp);

    if (s) {
        sraid_cluster_resume(s);
    }
}

void qmp_sraid_heartbeat_fault(const char *controller, bool drop,
                               bool has_delay_ms, uint32_t delay_ms,
                               Error **errp)
{
    SraidCtrl *s = sraid_cluster_find(controller, errp);

    if (s) {
        sraid_cluster_heartbeat_fault(s, drop, has_delay_ms ? delay_ms : 0);
    }
}

void qmp_sraid_node_kill(const char *controller, uint8_t node, Error **errp)
{
    SraidCtrl *s = sraid_cluster_find(controller, errp);

    if (s && sraid_peer_node_ok(s, node, errp)) {
        sraid_cluster_kill_peer(s, node);
    }
}

void qmp_sraid_set_link(const char *controller, uint8_t node, bool connected,
                        Error **errp)
{
    SraidCtrl *s = sraid_cluster_find(controller, errp);

    if (s && sraid_peer_node_ok(s, node, errp)) {
        sraid_cluster_set_link(s, node, connected);
    }
}
