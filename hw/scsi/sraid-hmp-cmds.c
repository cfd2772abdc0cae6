/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: HMP "info sraid", a human view of query-sraid.
 */

#include "qemu/osdep.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-sraid.h"
#include "qobject/qdict.h"

static void hmp_sraid_background(Monitor *mon, SraidBackgroundInfo *bg)
{
    if (bg->operation == SRAID_BACKGROUND_OP_REBUILD) {
        monitor_printf(mon, "  rebuilding member %u: %" PRIu64 "/%" PRIu64
                       " sectors (%u%%), rate %u%%\n", bg->member, bg->done,
                       bg->total, bg->total ?
                       (unsigned)(bg->done * 100 / bg->total) : 0, bg->rate);
    } else if (bg->operation == SRAID_BACKGROUND_OP_SCRUB) {
        monitor_printf(mon, "  checking logical drive %u: %" PRIu64 "/%"
                       PRIu64 " stripes, %" PRIu64 " inconsistent, rate"
                       " %u%%\n", bg->ld, bg->done, bg->total,
                       bg->mismatches, bg->rate);
    } else {
        monitor_printf(mon, "  background: idle, rate %u%%\n", bg->rate);
    }
    if (bg->operation != SRAID_BACKGROUND_OP_SCRUB && bg->has_ld) {
        monitor_printf(mon, "  last consistency check of logical drive %u:"
                       " %s, %" PRIu64 " inconsistent, %" PRIu64
                       " repaired\n", bg->ld,
                       SraidScrubOutcome_str(bg->scrub_result),
                       bg->mismatches, bg->repaired);
    }
}

static void hmp_sraid_bus(Monitor *mon, SraidBusInfo *bus)
{
    strList *p;
    SraidPeerInfoList *q;

    monitor_printf(mon, "  bus: %s, portals", bus->target);
    for (p = bus->portals; p; p = p->next) {
        monitor_printf(mon, " %s", p->value);
    }
    monitor_printf(mon, "\n");
    if (!bus->peers) {
        monitor_printf(mon, "  peers: none answered the last scan\n");
    }
    for (q = bus->peers; q; q = q->next) {
        monitor_printf(mon, "  peer node %u on channel %u%s\n",
                       q->value->node, q->value->channel,
                       q->value->booting ? ", booting" : "");
    }
}

static void hmp_sraid_channels(Monitor *mon, uint8List *l)
{
    if (!l) {
        monitor_printf(mon, " none");
    }
    for (; l; l = l->next) {
        monitor_printf(mon, " %u", l->value);
    }
}

static void hmp_sraid_cluster(Monitor *mon, SraidClusterInfo *cl)
{
    SraidClusterNodeList *n;

    monitor_printf(mon, "  cluster: node %u %s (%s)", cl->self,
                   SraidClusterState_str(cl->state),
                   SraidClusterStateInfo_str(cl->info));
    if (cl->has_master) {
        monitor_printf(mon, ", master node %u", cl->master);
    } else {
        monitor_printf(mon, ", no master");
    }
    monitor_printf(mon, ", epoch %" PRIu64 ", configuration generation %"
                   PRIu64 "%s\n", cl->epoch, cl->config_generation,
                   cl->booting ? ", booting" : "");
    if (cl->suspended) {
        monitor_printf(mon, "  SUSPENDED (%s): logical drives not ready;"
                       " sraid-resume ends it\n",
                       SraidClusterSuspendReason_str(cl->suspend_reason));
    }
    monitor_printf(mon, "  connected channels");
    hmp_sraid_channels(mon, cl->connected_channels);
    monitor_printf(mon, ", node-to-node on channel %u\n", cl->comm_channel);
    for (n = cl->nodes; n; n = n->next) {
        SraidClusterNode *cn = n->value;

        monitor_printf(mon, "  node %-2u %-16s %-26s channels", cn->node,
                       SraidClusterState_str(cn->state),
                       SraidClusterStateInfo_str(cn->info));
        hmp_sraid_channels(mon, cn->channels);
        if (cn->heartbeat_misses) {
            monitor_printf(mon, ", %u heartbeats missed",
                           cn->heartbeat_misses);
        }
        monitor_printf(mon, "\n");
    }
}

void hmp_info_sraid(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;
    SraidControllerInfoList *list = qmp_query_sraid(&err), *c;

    if (hmp_handle_error(mon, err)) {
        return;
    }
    if (!list) {
        monitor_printf(mon, "no sraid-ctrl\n");
    }
    for (c = list; c; c = c->next) {
        SraidControllerInfo *ci = c->value;
        SraidDriveInfoList *d;
        SraidMemberInfoList *m;
        SraidLdInfoList *l;

        monitor_printf(mon, "%s: node-id %u", ci->id, ci->node_id);
        if (ci->array) {
            monitor_printf(mon, ", array '%s' %s, configuration generation %"
                           PRIu64 "\n", ci->array, ci->guid, ci->generation);
        } else {
            monitor_printf(mon, ", no array\n");
        }
        for (d = ci->drives; d; d = d->next) {
            monitor_printf(mon, "  drive %-12s channel %u target %-2u %"
                           PRIu64 " MiB", d->value->drive, d->value->channel,
                           d->value->target, d->value->size >> 20);
            if (d->value->has_member) {
                monitor_printf(mon, "  member %u\n", d->value->member);
            } else {
                monitor_printf(mon, "  unassigned\n");
            }
        }
        for (m = ci->members; m; m = m->next) {
            monitor_printf(mon, "  member %-2u %-10s %-12s channel %u target"
                           " %u\n", m->value->index,
                           SraidMemberStatus_str(m->value->state),
                           m->value->drive ? m->value->drive : "(no drive)",
                           m->value->channel, m->value->target);
        }
        for (l = ci->lds; l; l = l->next) {
            SraidLdInfo *li = l->value;
            uint32List *k;

            monitor_printf(mon, "  logical drive %u '%s' %s %s, %" PRIu64
                           " MiB, strip %u KiB, members", li->id, li->name,
                           SraidLevel_str(li->level),
                           SraidLdStatus_str(li->state), li->size >> 20,
                           li->strip_size >> 10);
            for (k = li->members; k; k = k->next) {
                monitor_printf(mon, " %u", k->value);
            }
            if (li->has_requests_in_flight) {
                monitor_printf(mon, ", requests in flight %u, waiting for"
                               " a stripe %u", li->requests_in_flight,
                               li->requests_waiting);
            }
            monitor_printf(mon, "\n");
        }
        hmp_sraid_background(mon, ci->background);
        if (ci->bus) {
            hmp_sraid_bus(mon, ci->bus);
        }
        if (ci->cluster) {
            hmp_sraid_cluster(mon, ci->cluster);
        }
    }
    qapi_free_SraidControllerInfoList(list);
}
