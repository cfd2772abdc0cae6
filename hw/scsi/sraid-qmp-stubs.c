/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: QMP commands of qapi/sraid.json in system emulators built
 * without sraid-ctrl (CONFIG_SRAID off): no controllers to list, and
 * every command says why it cannot act.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-sraid.h"

static void sraid_not_built(Error **errp)
{
    error_setg(errp, "this QEMU is built without sraid-ctrl");
}

SraidControllerInfoList *qmp_query_sraid(Error **errp)
{
    return NULL;
}

void coroutine_fn qmp_sraid_fail_member(const char *controller,
                                        uint32_t member, Error **errp)
{
    sraid_not_built(errp);
}

void coroutine_fn qmp_sraid_add_spare(const char *controller,
                                      const char *drive, Error **errp)
{
    sraid_not_built(errp);
}

void coroutine_fn qmp_sraid_remove_spare(const char *controller,
                                         uint32_t member, Error **errp)
{
    sraid_not_built(errp);
}

void qmp_sraid_rebuild(const char *controller, uint32_t member,
                       Error **errp)
{
    sraid_not_built(errp);
}

void qmp_sraid_scrub(const char *controller, uint8_t ld, bool has_repair,
                     bool repair, Error **errp)
{
    sraid_not_built(errp);
}

void qmp_sraid_scrub_cancel(const char *controller, Error **errp)
{
    sraid_not_built(errp);
}

void qmp_sraid_set_rebuild_rate(const char *controller, uint8_t rate,
                                Error **errp)
{
    sraid_not_built(errp);
}

SraidLdInfo *qmp_sraid_create_ld(const char *controller, SraidLevel level,
                                 strList *drives, bool has_strip_size,
                                 uint64_t strip_size, bool has_size,
                                 uint64_t size, const char *name,
                                 const char *array_name, Error **errp)
{
    sraid_not_built(errp);
    return NULL;
}

void qmp_sraid_delete_ld(const char *controller, uint8_t ld, Error **errp)
{
    sraid_not_built(errp);
}

void qmp_sraid_set_cable(const char *controller, uint8_t channel,
                         bool connected, Error **errp)
{
    sraid_not_built(errp);
}

SraidPeerTestResult *qmp_sraid_peer_test(const char *controller, uint8_t node,
                                         uint8_t channel, bool has_bytes,
                                         uint32_t bytes, bool has_timeout,
                                         uint32_t timeout, bool has_pieces,
                                         uint32_t pieces, Error **errp)
{
    sraid_not_built(errp);
    return NULL;
}

void qmp_sraid_resume(const char *controller, Error **errp)
{
    sraid_not_built(errp);
}

void qmp_sraid_heartbeat_fault(const char *controller, bool drop,
                               bool has_delay_ms, uint32_t delay_ms,
                               Error **errp)
{
    sraid_not_built(errp);
}

void qmp_sraid_node_kill(const char *controller, uint8_t node, Error **errp)
{
    sraid_not_built(errp);
}

void qmp_sraid_set_link(const char *controller, uint8_t node, bool connected,
                        Error **errp)
{
    sraid_not_built(errp);
}
