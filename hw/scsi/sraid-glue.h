/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sraid: state shared by the QEMU glue files (controller, array, logical
 * drive block node, logical drive SCSI device).  Not a public interface.
 */
#ifndef HW_SCSI_SRAID_GLUE_H
#define HW_SCSI_SRAID_GLUE_H

#include "hw/scsi/sraid-ctrl.h"
#include "io/net-listener.h"
#include "sraid-peer.h"
#include "qemu/coroutine.h"
#include "qemu/iov.h"
#include "qemu/main-loop.h"
#include "qemu/notify.h"
#include "qemu/queue.h"

#include "sraid/array-config.h"
#include "sraid/cod.h"
#include "sraid/degraded-journal.h"
#include "sraid/ctrl-lun.h"
#include "sraid/iscsi-target.h"
#include "sraid/membership.h"
#include "sraid/pr.h"
#include "sraid/pr-cluster.h"
#include "sraid/resv2-cluster.h"
#include "sraid/pr-store.h"
#include "sraid/raid-io.h"
#include "sraid/write-intent.h"

/* Stripes [first, last] of one request, held while it runs. */
typedef struct SraidStripeLock {
    uint64_t first, last;
    bool exclusive;
    QLIST_ENTRY(SraidStripeLock) next;
} SraidStripeLock;

/* A logical drive of the array, as this controller serves it. */
typedef struct SraidLdUnit {
    SraidCtrl *ctrl;
    unsigned index;                 /* in ctrl->cod.lds */
    SraidLd ld;                     /* the core's I/O engine */
    BlockDriverState *bs;           /* private "sraid-ld" node, or NULL */
    bool bs_owned;                  /* we hold the reference, no device yet */
    char *node_name;
    DeviceState *dev;               /* the sraid-ld SCSI device */
    DeviceState *iscsi_dev;         /* its twin behind the iSCSI portals */
    QLIST_HEAD(, SraidStripeLock) locks;
    CoQueue lock_queue;
    /* reads and writes running, and those waiting for a stripe lock */
    unsigned requests_in_flight;
    unsigned requests_waiting;
    /*
     * Its id in the configuration, which names it in the cluster's
     * persistent reservations (sraid-pr-cluster.c): one state for both
     * devices (guest path and iSCSI portals) on every node.
     */
    uint8_t ld_id;
} SraidLdUnit;

/* The controller's iSCSI portals (sraid-iscsi.c) */
typedef struct SraidIscsiClient SraidIscsiClient;
typedef struct SraidIscsiPortals SraidIscsiPortals;

typedef struct SraidIscsiPortal {
    SraidIscsiPortals *set;
    SraidCtrl *ctrl;                /* NULL once the controller stopped */
    unsigned node_id;
    unsigned channel;
    SraidIscsiTarget *target;       /* TPGT channel + 1 */
    QIONetListener *listener;
    QTAILQ_HEAD(, SraidIscsiClient) clients;
    unsigned nclients;
} SraidIscsiPortal;

struct SraidIscsiPortals {
    unsigned refs;                  /* the controller's, one per client */
    unsigned n;
    SraidIscsiPortal p[];
};

typedef struct SraidIscsi {
    SraidIscsiPortals *portals;     /* NULL: no portals (iscsi-port 0) */
    /* every node's portal per channel: [channel * SRAID_MAX_NODES + node] */
    char *host[SRAID_MAX_CHANNELS * SRAID_MAX_NODES];
    /* every node's iSCSI name, also what it logs in as */
    char *node_name[SRAID_MAX_NODES];
    uint16_t port[SRAID_MAX_CHANNELS * SRAID_MAX_NODES];
    QEMUTimer *tick;
    /* logical units behind the portals (sraid-iscsi-lun.c) */
    SCSIBus bus;
    uint32_t next_tag;
    /*
     * Unit attentions not yet reported, per I_T nexus and LUN (a reset
     * gives one to every nexus, SAM-5 6.3): "channel/initiator/ISID/LUN"
     * -> SraidSense
     */
    GHashTable *ua;
} SraidIscsi;

typedef enum SraidBgOp {
    SRAID_BG_IDLE,
    SRAID_BG_REBUILD,
    SRAID_BG_SCRUB,
} SraidBgOp;

typedef enum SraidScrubResult {
    SRAID_SCRUB_NONE,
    SRAID_SCRUB_RUNNING,
    SRAID_SCRUB_DONE,
    SRAID_SCRUB_CANCELLED,
    SRAID_SCRUB_DEGRADED,           /* a member failed: nothing to compare */
} SraidScrubResult;

/* The controller's background work (sraid-background.c). */
typedef struct SraidBackground {
    QEMUBH *bh;
    Coroutine *co;
    bool kick;                      /* look for work again before idling */
    bool stop;
    SraidBgOp op;
    unsigned target;                /* member being rebuilt */
    uint64_t done, total;           /* member sectors, or stripes */
    /* consistency check: requested, and the last one's outcome */
    int scrub_pending;              /* LD index, -1 for none */
    uint32_t init_pending;          /* LD indexes awaiting initialization */
    unsigned scrub_ld;              /* LD index of the current or last */
    bool scrub_repair;
    bool scrub_cancel;
    SraidScrubResult result;
    uint64_t mismatches, repaired;
} SraidBackground;

/* Cluster membership of a controller on a bus (sraid-cluster.c) */
typedef struct SraidCluster SraidCluster;
typedef struct SraidPrHost SraidPrHost;
/* SPC-2 reservations of the logical drives (sraid-ld-resv2.c) */
typedef struct SraidLdResv2 SraidLdResv2;
typedef struct SraidLdPrStore SraidLdPrStore;

struct SraidCtrl {
    SCSIDevice parent_obj;

    /* properties */
    uint8_t node_id;
    uint8_t channels;
    char *vendor;
    char *product;
    char *serial;
    uint64_t wwn;
    uint32_t ld_scsi_id;            /* scsi-id of logical drive 0 */
    bool write_cache;
    uint8_t rebuild_rate;           /* percent of wall time, 1 to 100 */
    uint16_t iscsi_port;            /* 0: no portals */
    char *iscsi_addr;
    char *iscsi_initiators;         /* comma-separated, besides the peers */
    char *portal_map;               /* "node.channel=host:port,..." */
    char *cluster;
    char *iqn_prefix;
    char *chap_user;
    char *chap_secret;              /* id of a 'secret' object */

    SraidCtrlLun lun;
    SraidDriveBus drive_bus;
    SraidDrive *drives[SRAID_MAX_CHANNELS][SRAID_MAX_NODES];
    Error *migration_blocker;
    Notifier machine_done;

    /* the array on the member drives (sraid-array.c) */
    bool has_array;
    SraidCod cod;
    SraidDrive *member_drive[SRAID_MAX_MEMBERS];    /* by COD member index */
    SraidLdUnit *lds[SRAID_COD_MAX_LDS];
    CoMutex cod_lock;

    /* write-intent bitmap (sraid-array.c) */
    SraidWil wil;
    CoMutex wil_lock;               /* begin/clean and their bitmap writes */
    QEMUTimer *wil_clean_timer;

    /* degraded-write journal (sraid-array.c, sraid/degraded-journal.h) */
    size_t dj_slot_bytes;
    unsigned dj_nslots;             /* 0: none needed, or strips too big */
    bool *dj_busy;                  /* by slot: an update holds it */
    CoQueue dj_queue;               /* updates waiting for their slot */
    uint64_t dj_seq;                /* last sequence number used */

    SraidBackground bg;
    SraidIscsi iscsi;
    SraidPeers *peers;              /* links to the other nodes, or NULL */
    uint32_t cables_cut;            /* channels cut by sraid-set-cable */
    uint32_t scan_interval;         /* ms between bus scans */

    /* cluster membership (sraid-cluster.c), on a bus only */
    uint32_t heartbeat_ms;
    uint32_t heartbeat_misses;
    uint32_t monitor_ms;
    uint32_t negotiation_ms;
    char *nvram;                    /* NVRAM file path, or NULL */
    SraidCluster *membership;       /* NULL: not on a bus */
    SraidPrHost *pr_host;           /* persistent reservations, cluster */
    SraidLdResv2 *resv2;            /* NULL until first used */
    bool cluster_suspended;         /* logical drives answer NOT READY */
    uint32_t links_cut;             /* peers cut off by sraid-set-link */
    /* a configuration change this node may not write (not the master) */
    bool cod_dirty;
    /*
     * Members this node failed itself while it could not write the
     * configuration (a slave), not yet recorded by the master: a restart
     * keeps them failed; the master's configuration or sraid-resume
     * clears them.
     */
    uint32_t local_failed;

    /* APTPL: the PR area on the members (sraid-ld-pr-store.c), or NULL */
    SraidLdPrStore *pr_store;

    /* guest management (sraid-mgmt.c): off, read or full */
    char *guest_management;
    SraidMgmtPerm mgmt_perm;
    /* the guest's command sraid_ctrl_lun_execute_nexus() runs now */
    SCSIRequest *mgmt_req;
};

#define SRAID_LD_SCSI_ID_AUTO   UINT32_MAX

/* sraid-ctrl.c */
const char *sraid_drive_name(SraidDrive *d);
/*
 * Data-in of a command sraid emulates itself: @len valid bytes at @buf
 * (@buf_size long), sent up to the allocation length, zero padded.  For
 * send_command to return; sraid_req_read_data is the read_data that sends
 * it (*@data_left bytes), then completes the request.
 */
int32_t sraid_req_data_in(SCSIRequest *req, uint8_t *buf, size_t buf_size,
                          size_t len, size_t *data_left);
void sraid_req_read_data(SCSIRequest *req, size_t *data_left);

/* sraid-array.c */
bool sraid_array_start(SraidCtrl *s, Error **errp);
void sraid_array_stop(SraidCtrl *s);
void coroutine_fn sraid_array_member_failed(SraidCtrl *s,
                                            unsigned member, int err);
BlockBackend *sraid_array_member_blk(SraidCtrl *s, unsigned member);
/* Is member @member's drive behind a cut cable? */
bool sraid_array_member_cut(SraidCtrl *s, unsigned member);
/* The member drive @d holds, or -1 */
int sraid_array_member_of(SraidCtrl *s, SraidDrive *d);
/* Is member @m part of a logical drive? */
bool sraid_array_member_in_ld(SraidCtrl *s, unsigned m);
int coroutine_fn sraid_array_intent_begin(SraidCtrl *s, uint64_t first,
                                          uint64_t last);
void sraid_array_intent_end(SraidCtrl *s, uint64_t first, uint64_t last);
/* Degraded-write journal entry of LD @index on the members, and its end */
void coroutine_fn sraid_array_journal_begin(SraidCtrl *s, unsigned index,
                                            SraidDjEntry *e);
void coroutine_fn sraid_array_journal_end(SraidCtrl *s,
                                          const SraidDjEntry *e);
bool sraid_array_store(SraidCtrl *s, Error **errp);
/*
 * The configuration on the drives read again (membership's restart and
 * process_cod), with cod_lock held: member failures recorded there are
 * taken over; a different layout of logical drives is refused.
 */
bool coroutine_fn sraid_array_reload(SraidCtrl *s, Error **errp);
/*
 * Take the failures the master's configuration @mb records (by member
 * GUID); true if a member failed here because of it.  With cod_lock.
 */
bool sraid_array_merge_failures(SraidCtrl *s, const SraidMailbox *mb);
/* The members @mb records failed, as a bitmap of member indexes */
uint32_t sraid_array_failed_in(SraidCtrl *s, const SraidMailbox *mb);
/* Lease area of the metadata area (docs/on-disk-format.md) */
#define SRAID_LEASE_AREA_OFFSET     (3 * 1024 * 1024)
void sraid_array_drive_removed(SraidCtrl *s, SraidDrive *d);
void sraid_array_drive_inserted(SraidCtrl *s, SraidDrive *d);
bool sraid_array_update_ld_states(SraidCtrl *s);
/* State changes and progress, for the host (QMP events, traces) */
void sraid_array_notify_member(SraidCtrl *s, unsigned member);
void sraid_array_notify_ld(SraidCtrl *s, unsigned index);
void sraid_array_notify_progress(SraidCtrl *s);
void sraid_array_notify_scrub(SraidCtrl *s);

/* A drive without any array configuration on it */
bool sraid_array_drive_is_blank(SraidCtrl *s, SraidDrive *d);
/*
 * Start the write-intent bitmap and the degraded-write journal (recovery
 * and resync of what they hold included)
 */
void sraid_array_wil_start(SraidCtrl *s);
/* Slots for the logical drives there are now (one was created) */
void sraid_array_journal_resize(SraidCtrl *s);

/* sraid-array-config.c: logical drives created and deleted at runtime */
int sraid_array_create_ld(SraidCtrl *s, SraidLdRequest *req,
                          SraidDrive **drives, unsigned n,
                          const char *array_name, Error **errp);
bool sraid_array_delete_ld(SraidCtrl *s, unsigned id, Error **errp);

/* sraid-qmp.c */
bool coroutine_fn sraid_array_add_spare(SraidCtrl *s, SraidDrive *d,
                                        Error **errp);
/*
 * The host's configuration commands, for QMP and the guest's management
 * commands alike (master check included).  Strip size 0: 64 KiB; size 0:
 * all the free space.  create_ld returns the new LD's index, or -1.
 */
int sraid_ctrl_create_ld(SraidCtrl *s, SraidRaidLevel level,
                         SraidDrive **d, unsigned n, uint64_t strip_size,
                         uint64_t size, const char *name,
                         const char *array_name, Error **errp);
bool sraid_ctrl_delete_ld(SraidCtrl *s, uint8_t ld, Error **errp);
bool coroutine_fn sraid_ctrl_add_spare(SraidCtrl *s, SraidDrive *d,
                                       Error **errp);
bool coroutine_fn sraid_ctrl_remove_spare(SraidCtrl *s, uint32_t member,
                                          Error **errp);
bool sraid_ctrl_scrub(SraidCtrl *s, uint8_t ld, bool repair, Error **errp);
bool sraid_ctrl_rebuild(SraidCtrl *s, uint32_t member, Error **errp);

/*
 * sraid-mgmt.c: the guest's management commands (sraid/mgmt-exec.h).
 * The controller's request being executed, for a write that completes
 * later; sraid_ctrl_mgmt_complete() ends it (sraid-ctrl.c).
 */
extern const SraidMgmtOps sraid_mgmt_glue_ops;
void sraid_ctrl_mgmt_complete(SCSIRequest *req, const SraidMgmtAnswer *a);

/*
 * sraid-cluster.c: membership (sraid/membership.h) backed by the bus, the
 * member drives and a QEMU timer.  Membership runs when the bus is on.
 */
extern const SraidVendorOps sraid_cluster_vendor_ops;
/* At realize: the membership properties, and the NVRAM file */
bool sraid_cluster_realize(SraidCtrl *s, Error **errp);
/* At machine start, after the bus: scan, elect, start up */
void sraid_cluster_start(SraidCtrl *s);
void sraid_cluster_stop(SraidCtrl *s);
/* No membership, or this node is a master allowed to write COD */
bool sraid_cluster_may_write_cod(SraidCtrl *s);
/* The same for a host's request to @what; else an error naming the master */
bool sraid_cluster_check_master(SraidCtrl *s, const char *what,
                                Error **errp);
/*
 * A configuration change this node may not write: remember it and hand
 * it to the master (Node_Config_Changed), from the main loop.
 */
void sraid_cluster_cod_deferred(SraidCtrl *s);
/* The master wrote the configuration: the slaves get it (negotiation) */
void sraid_cluster_cod_written(SraidCtrl *s);
/* This node's view; false when membership does not run */
bool sraid_cluster_view(SraidCtrl *s, SraidMemberView *v);
/* Host actions and fault injection (QMP) */
void sraid_cluster_set_cable(SraidCtrl *s, unsigned channel, bool connected);
void sraid_cluster_set_link(SraidCtrl *s, unsigned node, bool connected);
void sraid_cluster_heartbeat_fault(SraidCtrl *s, bool drop,
                                   uint32_t delay_ms);
void sraid_cluster_kill_peer(SraidCtrl *s, unsigned node);
void sraid_cluster_resume(SraidCtrl *s);

/* sraid-iscsi.c */
bool sraid_iscsi_start(SraidCtrl *s, Error **errp);
void sraid_iscsi_stop(SraidCtrl *s);
/*
 * Cut or reconnect @channel's cable on the bus side: the portal stops
 * listening and drops its connections, the links to the peers on that
 * channel go down and stay down; reconnecting reopens the portal.
 */
bool sraid_iscsi_set_cable(SraidCtrl *s, unsigned channel, bool connected,
                           Error **errp);
/* iSCSI name of node @node of this controller's cluster */
char *sraid_iscsi_target_name(SraidCtrl *s, unsigned node);
/* Where node @node's portal on @channel is (after sraid_iscsi_start) */
const char *sraid_iscsi_host(SraidCtrl *s, unsigned channel, unsigned node);
uint16_t sraid_iscsi_port(SraidCtrl *s, unsigned channel, unsigned node);

/* sraid-iscsi-lun.c */
extern const SraidIscsiLunOps sraid_iscsi_lun_ops;
/*
 * The I_T nexus of the iSCSI task @hba_private (a request's on the
 * private bus): initiator port name,i,ISID through TPGT.  False when its
 * connection is gone.
 */
bool sraid_iscsi_pr_nexus(SraidCtrl *s, void *hba_private, SraidPrNexus *nx);
/* A unit attention for the sessions of @u's LUN that @e names */
void sraid_iscsi_pr_ua(SraidLdUnit *u, const SraidPrEffect *e);
void sraid_iscsi_bus_init(SraidCtrl *s);
void sraid_iscsi_bus_cleanup(SraidCtrl *s);
/* The logical drive's twin on the iSCSI bus, at LUN id + 1 */
bool sraid_iscsi_ld_attach(SraidLdUnit *u, Error **errp);
void sraid_iscsi_ld_detach(SraidLdUnit *u);

/* sraid-background.c */
void sraid_bg_init(SraidCtrl *s);
void sraid_bg_stop(SraidCtrl *s);
void sraid_bg_kick(SraidCtrl *s);
/*
 * Rebuild failed member @member onto a hot spare now (the background work
 * assigns one by itself; this asks for it and says why it cannot be).
 */
bool sraid_bg_rebuild_start(SraidCtrl *s, unsigned member, Error **errp);
bool sraid_bg_scrub_start(SraidCtrl *s, unsigned index, bool repair,
                          Error **errp);
/* Queue background initialization (a check with repair) of an LD */
void sraid_bg_initialize(SraidCtrl *s, unsigned index);

/* sraid-ld-block.c */
SraidLdUnit *sraid_ld_unit_new(SraidCtrl *s, unsigned index, Error **errp);
void sraid_ld_unit_free(SraidLdUnit *u);
void coroutine_fn sraid_ld_lock_stripes(SraidLdUnit *u, SraidStripeLock *l,
                                        uint64_t first, uint64_t last,
                                        bool exclusive);
void coroutine_fn sraid_ld_unlock(SraidLdUnit *u, SraidStripeLock *l);
/* Lock the stripes of logical sectors [lba, lba + sectors) */
void coroutine_fn sraid_ld_lock(SraidLdUnit *u, SraidStripeLock *l,
                                uint64_t lba, uint64_t sectors,
                                bool exclusive);
int coroutine_fn sraid_ld_locked_write(SraidLdUnit *u,
                                       const SraidStripeLock *lock,
                                       uint64_t lba, uint64_t sectors,
                                       QEMUIOVector *qiov, unsigned flags);

/* sraid-ld.c */
#define TYPE_SRAID_LD "sraid-ld"
bool sraid_ld_device_create(SraidLdUnit *u, Error **errp);
DeviceState *sraid_ld_device_new(SraidLdUnit *u, SCSIBus *bus,
                                 uint32_t channel, uint32_t id, uint32_t lun,
                                 Error **errp);

/*
 * sraid-ld-caw.c.  Blocks in one COMPARE AND WRITE (the compare half), the
 * MAXIMUM COMPARE AND WRITE LENGTH of VPD B0h.
 */
#define SRAID_CAW_MAX_BLOCKS    64
/*
 * ORWRITE (16), served by the same code: its opcode, and the blocks one
 * may carry (its data-out is buffered whole: 8 MiB, what the iSCSI target
 * takes per command)
 */
#define SRAID_OP_ORWRITE_16         0x8b
#define SRAID_ORWRITE_MAX_BLOCKS    16384
SCSIRequest *sraid_ld_caw_alloc(SraidLdUnit *u, SCSIDevice *d, uint32_t tag,
                                uint32_t lun, void *hba_private);
/* End @req with CHECK CONDITION and @sense */
void sraid_ld_req_check(SCSIRequest *req, SCSISense sense);
/* End @req with MISCOMPARE, the first differing byte at @offset */
void sraid_ld_req_miscompare(SCSIRequest *req, uint32_t offset);

/*
 * The write_data of a command that acts on its whole data-out at once
 * (COMPARE AND WRITE, ORWRITE, VERIFY with BYTCHK, PERSISTENT RESERVE
 * OUT): the first call asks the HBA for all @len bytes into the request's
 * buffer (get_buf) and returns false; the next, when they are there, true.
 */
bool sraid_req_data_out_all(SCSIRequest *req, bool *have_data,
                            uint32_t len);
/* End @req with the core's result: its status, and sense if CHECK CONDITION */
void sraid_req_complete_result(SCSIRequest *req, const SraidScsiResult *res);

/*
 * A request of sraid-ld served by a coroutine (COMPARE AND WRITE, VERIFY).
 * sraid_req_co_begin takes a reference and enters @fn; while it runs,
 * req->aiocb stands for it, so that an abort (scsi_req_cancel{,_async})
 * waits for the coroutine instead of completing the request under it.
 * The coroutine calls sraid_req_co_end when its I/O is over: true if the
 * request was aborted meanwhile (scsi-bus has then been told; do not
 * complete it), then drops the reference with scsi_req_unref.
 */
void sraid_req_co_begin(SCSIRequest *req, CoroutineEntry *fn, void *opaque);
bool sraid_req_co_end(SCSIRequest *req);

/* sraid-ld-verify.c */
SCSIRequest *sraid_ld_verify_alloc(SraidLdUnit *u, SCSIDevice *d,
                                   uint32_t tag, uint32_t lun,
                                   void *hba_private);

/*
 * sraid-ld-pr.c: persistent reservations (SPC-4 5.7) of a logical drive.
 * Relative target port identifiers: node @node's iSCSI portal group on
 * channel @ch SRAID_PR_RTPI_ISCSI(@node, @ch), its guest path
 * SRAID_PR_RTPI_GUEST(@node).
 */
void sraid_ld_pr_init(SraidLdUnit *u);
void sraid_ld_pr_cleanup(SraidLdUnit *u);
/*
 * Carry out @fx (unit attentions, aborts of tasks other than @skip) on
 * this controller.  True when aborts run on: @done(@opaque) follows once
 * they have ended.
 */
bool sraid_ld_pr_effects(SraidLdUnit *u, const SraidPrEffects *fx,
                         SCSIRequest *skip, void (*done)(void *opaque),
                         void *opaque);
/* The cluster ended the PERSISTENT RESERVE OUT @req with @res */
void sraid_ld_pr_out_done(SCSIRequest *req, const SraidScsiResult *res);

/*
 * sraid-pr-cluster.c: the cluster's persistent reservation states, one
 * per logical drive id (sraid/pr-cluster.h).
 */
void sraid_pr_host_init(SraidCtrl *s);
void sraid_pr_host_cleanup(SraidCtrl *s);
void sraid_pr_host_ld(SraidCtrl *s, uint8_t ld, bool present);
const SraidPrState *sraid_pr_host_state(SraidCtrl *s, uint8_t ld);
const SraidPrConfig *sraid_pr_host_config(SraidCtrl *s);
/* Has this node the state of @ld (from the master, when on a bus)? */
bool sraid_pr_host_ready(SraidCtrl *s, uint8_t ld);
/* Order a PERSISTENT RESERVE OUT; sraid_ld_pr_out_done(@req) ends it */
void sraid_pr_host_submit(SraidCtrl *s, uint8_t ld, const SraidPrNexus *nx,
                          const uint8_t *cdb, const uint8_t *param,
                          size_t param_len, SCSIRequest *req);
/* DCMDs 20h-24h from a peer (SraidVendorOps.pr_message) */
uint8_t sraid_pr_host_receive(SraidCtrl *s, const SraidVendorNexus *nx,
                              uint8_t dcmd, uint8_t ld, const uint8_t *p,
                              size_t len, uint8_t *data_in, size_t cap,
                              size_t *data_len, SraidSense *sense);
/* Membership's view changed (read later, once it settled) */
void sraid_pr_host_view_changed(SraidCtrl *s);
void sraid_pr_host_query(SraidCtrl *s, SraidPrcView *v);
/* The I_T nexus a request for device @d with @hba_private comes from */
bool sraid_ld_pr_nexus(SraidLdUnit *u, SCSIDevice *d, void *hba_private,
                       SraidPrNexus *nx);
/* PERSISTENT RESERVE IN or OUT from @nx */
SCSIRequest *sraid_ld_pr_alloc(SraidLdUnit *u, SCSIDevice *d, uint32_t tag,
                               uint32_t lun, void *hba_private,
                               const SraidPrNexus *nx);

/*
 * sraid-ld-resv2.c: SPC-2 reservations, cluster-wide (sraid/resv2-cluster.h).
 * RESERVE(6/10) or RELEASE(6/10) from @nx:
 */
SCSIRequest *sraid_ld_resv2_alloc(SraidLdUnit *u, SCSIDevice *d, uint32_t tag,
                                  uint32_t lun, void *hba_private,
                                  const SraidPrNexus *nx);
/* Must @cdb from @nx end in RESERVATION CONFLICT (SPC-2 5.5.1)? */
bool sraid_ld_resv2_conflict(SraidLdUnit *u, const SraidPrNexus *nx,
                             const uint8_t *cdb, size_t cdb_len);
/* A reset of @u's logical unit releases its reservation, on every node */
void sraid_ld_resv2_reset(SraidLdUnit *u);
/* The guest HBA's reset: released (everywhere) if the guest path holds it */
void sraid_ld_resv2_guest_reset(SraidLdUnit *u);
/* I_T nexus loss of @nx: the SPC-2 reservations it holds are released */
void sraid_ld_resv2_nexus_lost(SraidCtrl *s, const SraidPrNexus *nx);
/* Membership's view of @node changed (SraidMemberOps.node_changed) */
void sraid_ld_resv2_node_changed(SraidCtrl *s, uint8_t node,
                                 uint8_t old_state, uint8_t state);
/* A peer's Node_Reserve/Node_Release (SraidVendorOps.reservation_changed) */
void sraid_ld_resv2_table_changed(void *opaque, const SraidVendorNexus *nx,
                                  const SraidResvEntry *e, bool reserved);
/* At unrealize: pending RESERVE/RELEASE end in BUSY */
void sraid_ld_resv2_free(SraidCtrl *s);

/*
 * sraid-ld-pr-store.c: the persistent reservation state on the members
 * (APTPL, SPC-4 5.7.5; docs/persistent-reservations.md, "APTPL").  Main
 * loop only.
 *
 * sraid_ld_pr_store_load: at array start, before the logical drives'
 * units exist: reads every member's area, warns about damaged and foreign
 * records naming the drive, keeps each drive's newest state that has
 * APTPL for sraid_ld_pr_store_take, and learns the generations and slots
 * in use.  Synchronous.
 */
void sraid_ld_pr_store_load(SraidCtrl *s);
void sraid_ld_pr_store_cleanup(SraidCtrl *s);
/*
 * The state logical drive @ld_id starts with after a power on, once: the
 * stored one if its APTPL was one, with PRgeneration 0 (SPC-4 6.15.2).
 * False: start empty.
 */
bool sraid_ld_pr_store_take(SraidCtrl *s, uint8_t ld_id, SraidPrState *st);
/*
 * Write @st (copied now) as @u's newest record to every member in use,
 * FUA; @cb(@opaque, ok) from a bottom half once all writes ended: ok when
 * every such member took it.  Saves may overlap; each goes to its own
 * slot and the highest generation wins.  Only the node that writes the
 * configuration (no membership, or the master) saves; elsewhere ok is
 * false.
 */
void sraid_ld_pr_store_save(SraidLdUnit *u, const SraidPrState *st,
                            void (*cb)(void *opaque, bool ok), void *opaque);

/* sraid-ld-capabilities.c */
SCSIRequest *sraid_ld_report_opcodes_alloc(SCSIDevice *d, uint32_t tag,
                                           uint32_t lun, void *hba_private);
/* SERVICE ACTION IN(16) GET LBA STATUS (SBC-4 5.7) */
#define SRAID_SAI_GET_LBA_STATUS    0x12
SCSIRequest *sraid_ld_lba_status_alloc(SraidLdUnit *u, SCSIDevice *d,
                                       uint32_t tag, uint32_t lun,
                                       void *hba_private);
/*
 * scsi-disk's INQUIRY or MODE SENSE request @req, its data corrected for a
 * logical drive
 */
void sraid_ld_patch_emulated(SCSIRequest *req);

#endif /* HW_SCSI_SRAID_GLUE_H */
