/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: the controller's iSCSI portals (the virtual shared SCSI bus).
 *
 * Each channel of a controller is one iSCSI portal and its own target
 * portal group (TPGT = channel + 1), so that a peer's pinned ISID gives one
 * session per channel (RFC 7143 4.4.1: the session is identified by the
 * initiator, the ISID and the portal group).  The protocol is the firmware
 * core's (sraid/iscsi-target.h); this file moves bytes between it and a
 * socket: a coroutine per connection reads, a short-lived coroutine
 * writes what the core queued, and a timer drives the core's NOP-In pings
 * and login timeout.  Commands reach the logical units in
 * sraid-iscsi-lun.c.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-types-sockets.h"
#include "crypto/secret.h"
#include "io/channel-socket.h"
#include "io/net-listener.h"
#include "qemu/cutils.h"
#include "qemu/timer.h"
#include "sraid-glue.h"
#include "trace/trace-hw_scsi_sraid.h"

/* Bytes read from a socket at once; the core reassembles PDUs itself. */
#define SRAID_ISCSI_READ_CHUNK      (64 * 1024)
/*
 * Connections per portal that may exist at once, logged in or not: a
 * login flood cannot exhaust memory or the session table of the peers.
 */
#define SRAID_ISCSI_MAX_CLIENTS     64
/* Period of the core's timers (NOP-In, login timeout) */
#define SRAID_ISCSI_TICK_MS         500

struct SraidIscsiClient {
    SraidIscsiPortal *portal;
    QIOChannelSocket *sioc;
    QIOChannel *ioc;
    SraidIscsiConn *conn;
    Coroutine *reader;
    GByteArray *out;                /* PDUs the core sent, not written yet */
    bool writing;                   /* a writer coroutine is running */
    bool close_requested;           /* by the core */
    bool shut;                      /* socket shut down */
    QEMUBH *free_bh;
    QTAILQ_ENTRY(SraidIscsiClient) next;
};

static void sraid_iscsi_client_shutdown(SraidIscsiClient *c)
{
    if (!c->shut) {
        c->shut = true;
        qio_channel_shutdown(c->ioc, QIO_CHANNEL_SHUTDOWN_BOTH, NULL);
    }
}

/* Once neither coroutine uses it any more, free it from a bottom half. */
static void sraid_iscsi_client_maybe_free(SraidIscsiClient *c)
{
    if (!c->reader && !c->writing) {
        qemu_bh_schedule(c->free_bh);
    }
}

/*
 * The portals outlive a stopped controller until their last connection is
 * gone: those connections' coroutines end only when the main loop sees
 * their sockets shut down.
 */
static void sraid_iscsi_portals_unref(SraidIscsiPortals *set)
{
    if (--set->refs) {
        return;
    }
    for (unsigned ch = 0; ch < set->n; ch++) {
        if (set->p[ch].target) {
            sraid_iscsi_target_free(set->p[ch].target);
        }
    }
    g_free(set);
}

static void sraid_iscsi_client_free_bh(void *opaque)
{
    SraidIscsiClient *c = opaque;
    SraidIscsiPortal *p = c->portal;

    trace_sraid_iscsi_disconnect(p->node_id, p->channel);
    QTAILQ_REMOVE(&p->clients, c, next);
    p->nclients--;
    /* tasks still running in the logical units complete into nothing */
    sraid_iscsi_conn_free(c->conn);
    qemu_bh_delete(c->free_bh);
    g_byte_array_unref(c->out);
    object_unref(OBJECT(c->sioc));
    g_free(c);
    sraid_iscsi_portals_unref(p->set);
}

static void coroutine_fn sraid_iscsi_writer_co(void *opaque)
{
    SraidIscsiClient *c = opaque;

    while (c->out->len && !c->shut) {
        g_autoptr(GByteArray) chunk = c->out;

        c->out = g_byte_array_new();
        if (qio_channel_write_all(c->ioc, (char *)chunk->data, chunk->len,
                                  NULL) < 0) {
            sraid_iscsi_client_shutdown(c);
        }
    }
    c->writing = false;
    /* a Logout Response or login reject has gone out: now hang up */
    if (c->close_requested) {
        sraid_iscsi_client_shutdown(c);
    }
    sraid_iscsi_client_maybe_free(c);
}

/* SraidIscsiConnOps.send: queue, and start a writer if none runs */
static void sraid_iscsi_client_send(void *opaque, const void *buf, size_t len)
{
    SraidIscsiClient *c = opaque;

    if (c->shut) {
        return;
    }
    g_byte_array_append(c->out, buf, len);
    if (!c->writing) {
        c->writing = true;
        aio_co_schedule(qemu_get_aio_context(),
                        qemu_coroutine_create(sraid_iscsi_writer_co, c));
    }
}

/* SraidIscsiConnOps.close: after what is queued has been written */
static void sraid_iscsi_client_close(void *opaque)
{
    SraidIscsiClient *c = opaque;

    c->close_requested = true;
    if (!c->writing) {
        sraid_iscsi_client_shutdown(c);
    }
}

static const SraidIscsiConnOps sraid_iscsi_conn_ops = {
    .send = sraid_iscsi_client_send,
    .close = sraid_iscsi_client_close,
};

static void coroutine_fn sraid_iscsi_reader_co(void *opaque)
{
    SraidIscsiClient *c = opaque;
    g_autofree uint8_t *buf = g_malloc(SRAID_ISCSI_READ_CHUNK);

    while (!c->shut) {
        ssize_t n = qio_channel_read(c->ioc, (char *)buf,
                                     SRAID_ISCSI_READ_CHUNK, NULL);

        if (n == QIO_CHANNEL_ERR_BLOCK) {
            qio_channel_yield(c->ioc, G_IO_IN);
            continue;
        }
        if (n <= 0) {
            break;                  /* peer closed, or an error */
        }
        sraid_iscsi_conn_input(c->conn, buf, n);
    }
    sraid_iscsi_client_shutdown(c);
    c->reader = NULL;
    sraid_iscsi_client_maybe_free(c);
}

static void sraid_iscsi_accept(QIONetListener *listener,
                               QIOChannelSocket *sioc, gpointer opaque)
{
    SraidIscsiPortal *p = opaque;
    SraidIscsiClient *c;

    if (!p->ctrl || p->nclients >= SRAID_ISCSI_MAX_CLIENTS) {
        trace_sraid_iscsi_refused(p->node_id, p->channel, p->nclients);
        qio_channel_shutdown(QIO_CHANNEL(sioc), QIO_CHANNEL_SHUTDOWN_BOTH,
                             NULL);
        return;
    }
    c = g_new0(SraidIscsiClient, 1);
    c->portal = p;
    c->sioc = sioc;
    object_ref(OBJECT(sioc));
    c->ioc = QIO_CHANNEL(sioc);
    qio_channel_set_name(c->ioc, "sraid-iscsi-server");
    qio_channel_set_blocking(c->ioc, false, NULL);
    /* small PDUs (R2T, status) must not wait for Nagle */
    qio_channel_set_delay(c->ioc, false);
    c->out = g_byte_array_new();
    c->free_bh = qemu_bh_new(sraid_iscsi_client_free_bh, c);
    c->conn = sraid_iscsi_conn_new(p->target, &sraid_iscsi_conn_ops, c);
    QTAILQ_INSERT_TAIL(&p->clients, c, next);
    p->nclients++;
    p->set->refs++;
    trace_sraid_iscsi_connect(p->node_id, p->channel, p->nclients);
    c->reader = qemu_coroutine_create(sraid_iscsi_reader_co, c);
    aio_co_enter(qemu_get_aio_context(), c->reader);
}

static void sraid_iscsi_tick(void *opaque)
{
    SraidCtrl *s = opaque;
    uint64_t now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);

    for (unsigned ch = 0; ch < s->iscsi.portals->n; ch++) {
        SraidIscsiPortal *p = &s->iscsi.portals->p[ch];
        SraidIscsiClient *c;

        QTAILQ_FOREACH(c, &p->clients, next) {
            if (!c->shut) {
                sraid_iscsi_conn_tick(c->conn, now);
            }
        }
    }
    timer_mod(s->iscsi.tick, now + SRAID_ISCSI_TICK_MS);
}

char *sraid_iscsi_target_name(SraidCtrl *s, unsigned node)
{
    return sraid_bus_target_name(s->iqn_prefix, s->cluster, node);
}

const char *sraid_iscsi_host(SraidCtrl *s, unsigned channel, unsigned node)
{
    return s->iscsi.host[channel * SRAID_MAX_NODES + node];
}

uint16_t sraid_iscsi_port(SraidCtrl *s, unsigned channel, unsigned node)
{
    return s->iscsi.port[channel * SRAID_MAX_NODES + node];
}

/*
 * Every node's portal per channel: the single-host layout (iscsi-addr,
 * iscsi-port + 16 * channel + node), then the entries of "portals"
 * ("node.channel=host:port", comma-separated) for nodes elsewhere.
 */
static bool sraid_iscsi_portal_table(SraidCtrl *s, Error **errp)
{
    g_auto(GStrv) entries = NULL;

    for (unsigned ch = 0; ch < s->channels; ch++) {
        for (unsigned n = 0; n < SRAID_MAX_NODES; n++) {
            unsigned i = ch * SRAID_MAX_NODES + n;

            g_free(s->iscsi.host[i]);
            s->iscsi.host[i] = g_strdup(s->iscsi_addr);
            s->iscsi.port[i] = sraid_bus_port(s->iscsi_port, ch, n);
        }
    }
    if (!s->portal_map || !*s->portal_map) {
        return true;
    }
    entries = g_strsplit(s->portal_map, ",", -1);
    for (char **e = entries; *e; e++) {
        unsigned long node, ch, port;
        const char *p = *e;
        const char *end;
        const char *colon = strrchr(p, ':');
        const char *eq = strchr(p, '=');

        if (!eq || !colon || colon < eq || colon == eq + 1 ||
            qemu_strtoul(p, &end, 10, &node) || *end != '.' ||
            qemu_strtoul(end + 1, &end, 10, &ch) || end != eq ||
            qemu_strtoul(colon + 1, NULL, 10, &port) ||
            node >= SRAID_MAX_NODES || ch >= s->channels ||
            port < 1 || port > UINT16_MAX) {
            error_setg(errp, "portals entry '%s' is not NODE.CHANNEL=HOST:PORT"
                       " with a node 0 to %u, a channel 0 to %u and a port 1"
                       " to 65535", p, SRAID_MAX_NODES - 1, s->channels - 1);
            return false;
        }
        g_free(s->iscsi.host[ch * SRAID_MAX_NODES + node]);
        s->iscsi.host[ch * SRAID_MAX_NODES + node] =
            g_strndup(eq + 1, colon - eq - 1);
        s->iscsi.port[ch * SRAID_MAX_NODES + node] = port;
    }
    return true;
}

/*
 * Who may log in: every node of this cluster (peers use their own target
 * name as initiator name) and the names the user listed.
 */
static char **sraid_iscsi_acl(SraidCtrl *s)
{
    GPtrArray *names = g_ptr_array_new();

    for (unsigned n = 0; n < SRAID_MAX_NODES; n++) {
        g_ptr_array_add(names, g_strdup(s->iscsi.node_name[n]));
    }
    if (s->iscsi_initiators) {
        g_auto(GStrv) extra = g_strsplit(s->iscsi_initiators, ",", -1);

        for (char **e = extra; *e; e++) {
            if (**e) {
                g_ptr_array_add(names, g_strdup(*e));
            }
        }
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, false);
}

static bool sraid_iscsi_check_props(SraidCtrl *s, Error **errp)
{
    unsigned last = s->iscsi_port +
                    s->channels * SRAID_MAX_NODES - 1;

    if (last > UINT16_MAX) {
        error_setg(errp, "iscsi-port %u is too high: channel %u's portals"
                   " would end at port %u; use at most %u", s->iscsi_port,
                   s->channels - 1, last,
                   UINT16_MAX - s->channels * SRAID_MAX_NODES + 1);
        return false;
    }
    if (!*s->cluster || strpbrk(s->cluster, " :,.") ||
        strlen(s->cluster) > 64) {
        error_setg(errp, "cluster '%s' cannot be part of an iSCSI name: use"
                   " 1 to 64 characters, no spaces, ':', ',' or '.'",
                   s->cluster);
        return false;
    }
    if (s->scan_interval < 100 || s->scan_interval > 600000) {
        error_setg(errp, "scan-interval %u is out of range: use 100 to 600000"
                   " (milliseconds between two scans of the bus)",
                   s->scan_interval);
        return false;
    }
    if (!!s->chap_user != !!s->chap_secret) {
        error_setg(errp, "chap-user and chap-secret go together: set both"
                   " (chap-secret names a 'secret' object) or neither");
        return false;
    }
    return true;
}

/* Open @p's listening socket (again, after a cable was reconnected) */
static bool sraid_iscsi_portal_listen(SraidCtrl *s, SraidIscsiPortal *p,
                                      Error **errp)
{
    unsigned ch = p->channel;
    uint16_t port = sraid_iscsi_port(s, ch, s->node_id);
    const char *host = sraid_iscsi_host(s, ch, s->node_id);
    g_autofree char *port_str = g_strdup_printf("%u", port);
    SocketAddress addr = {
        .type = SOCKET_ADDRESS_TYPE_INET,
        .u.inet = { .host = (char *)host, .port = port_str },
    };

    p->listener = qio_net_listener_new();
    qio_net_listener_set_name(p->listener, "sraid-iscsi-listener");
    if (qio_net_listener_open_sync(p->listener, &addr, 16, errp) < 0) {
        object_unref(OBJECT(p->listener));
        p->listener = NULL;
        error_prepend(errp, "sraid-ctrl node %u channel %u cannot listen on"
                      " %s port %u (iscsi-port %u + channel * %u + node-id,"
                      " or its 'portals' entry): ", s->node_id, ch, host,
                      port, s->iscsi_port, SRAID_MAX_NODES);
        return false;
    }
    qio_net_listener_set_client_func(p->listener, sraid_iscsi_accept, p,
                                     NULL);
    trace_sraid_iscsi_listen(s->node_id, ch, host, port);
    return true;
}

static void sraid_iscsi_portal_unlisten(SraidIscsiPortal *p)
{
    SraidIscsiClient *c;

    if (p->listener) {
        qio_net_listener_disconnect(p->listener);
        object_unref(OBJECT(p->listener));
        p->listener = NULL;
    }
    /*
     * Their coroutines are parked on the sockets: shutting them down
     * ends them, and bottom halves free the rest.
     */
    QTAILQ_FOREACH(c, &p->clients, next) {
        sraid_iscsi_client_shutdown(c);
    }
}

static bool sraid_iscsi_portal_open(SraidCtrl *s, unsigned ch,
                                    const SraidIscsiTargetConfig *base,
                                    Error **errp)
{
    SraidIscsiPortal *p = &s->iscsi.portals->p[ch];
    SraidIscsiTargetConfig cfg = *base;
    uint16_t port = sraid_iscsi_port(s, ch, s->node_id);
    g_autofree char *portal = g_strdup_printf("%s:%u,%u",
                                              sraid_iscsi_host(s, ch,
                                                               s->node_id),
                                              port, ch + 1);
    char *portals[] = { portal, NULL };
    g_autofree char *msg = NULL;

    p->set = s->iscsi.portals;
    p->ctrl = s;
    p->node_id = s->node_id;
    p->channel = ch;
    QTAILQ_INIT(&p->clients);
    cfg.tpgt = ch + 1;
    cfg.portals = portals;
    p->target = sraid_iscsi_target_new(&cfg, &sraid_iscsi_lun_ops, p, &msg);
    if (!p->target) {
        error_setg(errp, "sraid-ctrl node %u channel %u: %s", s->node_id, ch,
                   msg);
        return false;
    }
    return sraid_iscsi_portal_listen(s, p, errp);
}

/* The other side of the bus: this node calling its peers (sraid-peer.c) */
static void sraid_iscsi_start_peers(SraidCtrl *s, const char *chap_password)
{
    SraidPeerConfig pc = {
        .node_id = s->node_id,
        .channels = s->channels,
        .hosts = (const char *const *)s->iscsi.host,
        .ports = s->iscsi.port,
        .iqn_prefix = s->iqn_prefix,
        .cluster = s->cluster,
        .chap_user = s->chap_user,
        .chap_password = chap_password,
        .scan_interval_ms = s->scan_interval,
    };

    s->peers = sraid_peers_new(&pc);
}

bool sraid_iscsi_start(SraidCtrl *s, Error **errp)
{
    SraidIscsiTargetConfig cfg;
    g_autofree char *name = NULL;
    g_autofree char *secret = NULL;
    g_auto(GStrv) acl = NULL;

    if (!s->iscsi_port) {
        return true;                /* no portals: a controller on its own */
    }
    if (!sraid_iscsi_check_props(s, errp) ||
        !sraid_iscsi_portal_table(s, errp)) {
        return false;
    }
    sraid_iscsi_target_config_defaults(&cfg);
    for (unsigned n = 0; n < SRAID_MAX_NODES; n++) {
        g_free(s->iscsi.node_name[n]);
        s->iscsi.node_name[n] = sraid_iscsi_target_name(s, n);
    }
    name = sraid_iscsi_target_name(s, s->node_id);
    if (strlen(name) >= sizeof(cfg.target_name)) {
        error_setg(errp, "iSCSI name '%s' is longer than %zu bytes: shorten"
                   " iqn-prefix or cluster", name, sizeof(cfg.target_name) - 1);
        return false;
    }
    pstrcpy(cfg.target_name, sizeof(cfg.target_name), name);
    snprintf(cfg.alias, sizeof(cfg.alias), "sraid %s node %u", s->cluster,
             s->node_id);
    acl = sraid_iscsi_acl(s);
    cfg.initiators = acl;
    if (s->chap_secret) {
        secret = qcrypto_secret_lookup_as_utf8(s->chap_secret, errp);
        if (!secret) {
            error_prepend(errp, "chap-secret: ");
            return false;
        }
        cfg.chap_user = s->chap_user;
        cfg.chap_secret = secret;
    }
    s->iscsi.portals = g_malloc0(sizeof(SraidIscsiPortals) +
                                 s->channels * sizeof(SraidIscsiPortal));
    s->iscsi.portals->n = s->channels;
    s->iscsi.portals->refs = 1;
    for (unsigned ch = 0; ch < s->channels; ch++) {
        if (!sraid_iscsi_portal_open(s, ch, &cfg, errp)) {
            sraid_iscsi_stop(s);
            return false;
        }
    }
    s->iscsi.tick = timer_new_ms(QEMU_CLOCK_REALTIME, sraid_iscsi_tick, s);
    timer_mod(s->iscsi.tick,
              qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + SRAID_ISCSI_TICK_MS);
    sraid_iscsi_start_peers(s, secret);
    return true;
}

void sraid_iscsi_stop(SraidCtrl *s)
{
    SraidIscsiPortals *set = s->iscsi.portals;

    sraid_peers_free(s->peers);
    s->peers = NULL;
    if (!set) {
        return;
    }
    if (s->iscsi.tick) {
        timer_free(s->iscsi.tick);
        s->iscsi.tick = NULL;
    }
    for (unsigned ch = 0; ch < set->n; ch++) {
        set->p[ch].ctrl = NULL;
        sraid_iscsi_portal_unlisten(&set->p[ch]);
    }
    s->iscsi.portals = NULL;
    sraid_iscsi_portals_unref(set);
    for (unsigned i = 0; i < G_N_ELEMENTS(s->iscsi.host); i++) {
        g_clear_pointer(&s->iscsi.host[i], g_free);
    }
    for (unsigned n = 0; n < SRAID_MAX_NODES; n++) {
        g_clear_pointer(&s->iscsi.node_name[n], g_free);
    }
}

bool sraid_iscsi_set_cable(SraidCtrl *s, unsigned channel, bool connected,
                           Error **errp)
{
    SraidIscsiPortal *p;

    if (!s->iscsi.portals) {
        return true;                /* no portals: only the drives */
    }
    p = &s->iscsi.portals->p[channel];
    sraid_peers_set_channel(s->peers, channel, connected);
    if (!connected) {
        sraid_iscsi_portal_unlisten(p);
        return true;
    }
    return p->listener || sraid_iscsi_portal_listen(s, p, errp);
}
