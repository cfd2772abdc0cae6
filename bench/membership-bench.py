#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Failure detection of cluster membership, measured (make bench-membership).

Starts a 2-node cluster with tools/sraid-cluster, optionally with a Linux
guest on every node running heavy I/O on logical drive 0 (the test guest
and bench/iobench of bench/ld-bench.sh), and measures over repeated runs:

  master: SIGKILL of the master -> a survivor reports itself MASTER
  slave:  SIGKILL of a slave   -> the master reports it FAILED_SLAVE
  quiet:  a window with no fault: every failure reported in it is a false
          positive (the load made a live node look dead)

at each heartbeat setting given.  Times come from the QMP event
SRAID_NODE_STATE's timestamp minus the wall clock just before the kill.
Each result is also printed as a ratio to the detection bound the settings
promise, heartbeat-interval x heartbeat-misses (docs/membership.md).

Environment: BENCH_ROUNDS (5), BENCH_SETTINGS ("1000:4:5000 250:4:1000":
heartbeat-ms:misses:monitor-ms), BENCH_LOAD (guest | none; guest),
BENCH_QUIET_SECS (30), BENCH_OUT (build/bench-membership), QEMU, SRAID_IMG.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from importlib.machinery import SourceFileLoader

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get('BUILD', os.path.join(REPO, 'build'))
CLUSTER = os.path.join(REPO, 'tools', 'sraid-cluster')
sc = SourceFileLoader('sraid_cluster', CLUSTER).load_module()

ROUNDS = int(os.environ.get('BENCH_ROUNDS', '5'))
SETTINGS = os.environ.get('BENCH_SETTINGS', '1000:4:5000 250:4:1000').split()
LOAD = os.environ.get('BENCH_LOAD', 'guest')
QUIET = float(os.environ.get('BENCH_QUIET_SECS', '30'))
OUT = os.path.abspath(os.environ.get('BENCH_OUT',
                                     os.path.join(BUILD, 'bench-membership')))
QEMU = os.environ.get('QEMU', os.path.join(BUILD, 'qemu-build',
                                           'qemu-system-x86_64'))
SRAID_IMG = os.environ.get('SRAID_IMG', os.path.join(BUILD, 'core',
                                                     'sraid-img'))
NAME = 'mbench'


def say(msg):
    print('membership-bench: ' + msg, flush=True)


def die(msg):
    sys.exit('membership-bench: ' + msg)


def guest_args():
    """QEMU arguments booting the test guest with iobench in a loop."""
    guest = subprocess.run([os.path.join(REPO, 'scripts', 'guest-image.sh')],
                           check=True, capture_output=True,
                           text=True).stdout.strip()
    accel = subprocess.run([os.path.join(REPO, 'scripts', 'guest-accel.sh'),
                            QEMU, guest], check=True, capture_output=True,
                           text=True).stdout.strip()
    stage = os.path.join(OUT, 'stage')
    extra = os.path.join(stage, 'extra')
    os.makedirs(extra, exist_ok=True)
    subprocess.run(['gcc', '-static', '-O2', '-pthread', '-Wall', '-o',
                    os.path.join(extra, 'iobench'),
                    os.path.join(REPO, 'bench', 'iobench.c')], check=True)
    with open(os.path.join(REPO, 'bench', 'guest-run.sh')) as src, \
            open(os.path.join(extra, 'run'), 'w') as dst:
        dst.write(src.read())
    os.chmod(os.path.join(extra, 'run'), 0o755)
    # logical drive 0 is SCSI target 1 (ld-scsi-id auto: after scsi-id 0);
    # many long rounds of sequential and random I/O: heavy, and endless
    # for the length of a run
    with open(os.path.join(extra, 'config'), 'w') as f:
        f.write('BENCH_DEVS="ld:1"\nBENCH_REGION=%d\nBENCH_SEQ_BS=1048576\n'
                'BENCH_RAND_BS=4096\nBENCH_RAND_JOBS=4\nBENCH_SECS=30\n'
                'BENCH_ROUNDS=1000\nBENCH_SCHED=none\n' % (64 << 20))
    initrd = os.path.join(OUT, 'initramfs.gz')
    with open(os.path.join(guest, 'initramfs.gz'), 'rb') as src, \
            open(initrd, 'wb') as dst:
        dst.write(src.read())
    cpio = subprocess.run('cd %s && find extra | sort | '
                          'cpio -o -H newc --quiet | gzip -1' % stage,
                          shell=True, check=True, capture_output=True).stdout
    with open(initrd, 'ab') as dst:
        dst.write(cpio)
    args = ['-accel', accel, '-m', '512', '-kernel',
            os.path.join(guest, 'vmlinuz'), '-initrd', initrd, '-append',
            'console=ttyS0 quiet scsi_mod.scan=sync sraid.action=exec '
            'panic=-1', '-serial', 'null']
    return args, accel


def cluster(*argv, check=True):
    cmd = [CLUSTER, argv[0], '--name', NAME] + list(argv[1:])
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def load_cluster():
    """The cluster's state as the launcher saved it (no lock: the launcher
    commands this script runs take it)."""
    c = sc.Cluster(os.path.join(BUILD, 'cluster', NAME))
    c.load()
    return c


def ctrl_of(q):
    return next(i for i in q.cmd('query-sraid') if i.get('id') == 'c0')


def views(c):
    """{node id: the controller's cluster view} of the live nodes."""
    out = {}
    for n in c.nodes:
        if not sc.node_alive(n):
            continue
        try:
            with c.qmp(n, timeout=5) as q:
                out[n['node-id']] = ctrl_of(q).get('cluster')
        except sc.Error:
            pass
    return out


def in_nexus(v, ids):
    """One master, every other live node its nexus slave."""
    masters = [i for i in ids if v.get(i) and v[i]['state'] == 'master']
    if len(masters) != 1:
        return None
    m = masters[0]
    nodes = {e['node']: e['state'] for e in v[m].get('nodes', [])}
    for i in ids:
        if i != m and (nodes.get(i) != 'nexus-slave' or
                       v[i]['master'] != m):
            return None
    return m


def wait_nexus(c, timeout):
    ids = [n['node-id'] for n in c.nodes]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = in_nexus(views(c), ids)
        if m is not None:
            return m
        time.sleep(0.2)
    die('the cluster did not reach nexus in %d s: %s'
        % (timeout, json.dumps(views(c))))


def event_time(ev):
    ts = ev['timestamp']
    return ts['seconds'] + ts['microseconds'] / 1e6


def measure_kill(c, victim, watcher, want_state, about, timeout):
    """SIGKILL @victim; seconds until @watcher's event says @want_state."""
    with c.qmp(watcher, timeout=5) as q:
        q.events.clear()
        t0 = time.time()
        os.kill(victim['pid'], signal.SIGKILL)
        ev = q.wait_event(
            lambda e: e['event'] == 'SRAID_NODE_STATE' and
            e['data'].get('node') == about and
            e['data'].get('state') == want_state, timeout)
        seen = list(q.events)
    sc.wait_dead(victim, 10)
    if ev is None:
        say('no %s event for node %d from node %d; events: %s'
            % (want_state, about, watcher['node-id'], json.dumps(seen)))
        return None
    return event_time(ev) - t0


def ld_ops(q):
    """Reads and writes the node's logical drives served (their block
    backends count what the guest and iSCSI initiators asked)."""
    ops = 0
    for st in q.cmd('query-blockstats'):
        if st.get('node-name', '').startswith('sraid-'):
            ops += st['stats']['rd_operations'] + st['stats']['wr_operations']
    return ops


def count_false(c, secs, res):
    """Failures reported while nothing failed, over @secs seconds; the
    logical drive I/O rate meanwhile goes to @res['iops'] (the load, shown)."""
    qs = []
    for n in c.nodes:
        q = c.qmp(n, timeout=5)
        q.events.clear()
        qs.append(q)
    ops0 = sum(ld_ops(q) for q in qs)
    t0 = time.monotonic()
    end = time.monotonic() + secs
    bad = []
    while time.monotonic() < end:
        for q in qs:
            ev = q.wait_event(lambda e: e['event'] == 'SRAID_NODE_STATE',
                              0.1)
            if ev and ev['data'].get('state') in ('failed-slave',
                                                  'killed-slave'):
                bad.append(ev['data'])
    res['iops'] = (sum(ld_ops(q) for q in qs) - ops0) / \
        (time.monotonic() - t0)
    for q in qs:
        q.close()
    return bad


def run_setting(setting, extra, load):
    hb, misses, mon = (int(x) for x in setting.split(':'))
    neg = max(mon + 8 * hb, 3 * mon)
    glob = ['heartbeat-interval=%d' % hb, 'heartbeat-misses=%d' % misses,
            'monitor-period=%d' % mon, 'negotiation-timeout=%d' % neg]
    qargs = []
    for g in glob:
        qargs += ['--qemu-arg=-global', '--qemu-arg=sraid-ctrl.' + g]
    qargs += ['--qemu-arg=' + a for a in extra]
    cluster('down', '--purge', check=False)
    r = cluster('up', '--nodes', '2', '--disks', '3', '--disk-size', '80M',
                '--json', '--qemu', QEMU, '--sraid-img', SRAID_IMG, *qargs)
    if r.returncode:
        die('sraid-cluster up failed: ' + r.stderr)
    c = load_cluster()
    res = {'setting': setting, 'bound': hb * misses / 1000.0,
           'master': [], 'slave': [], 'missed': 0, 'false': [], 'iops': 0}
    try:
        master = wait_nexus(c, 60)
        if load == 'guest':
            time.sleep(10)          # the guests boot and start their I/O
        res['false'] = count_false(c, QUIET, res)
        for rnd in range(ROUNDS):
            master = wait_nexus(c, 60)
            victim = c.node(str(master))
            survivor = next(n for n in c.nodes if n is not victim)
            dt = measure_kill(c, victim, survivor, 'master',
                              survivor['node-id'], 30)
            say('%s round %d: master %d killed, new master after %s s'
                % (setting, rnd, master, '%.3f' % dt if dt else 'never'))
            if dt is None:
                res['missed'] += 1
            else:
                res['master'].append(dt)
            cluster('restart', str(master), check=True)
            c = load_cluster()
            master = wait_nexus(c, 60)
            slave = next(n for n in c.nodes if n['node-id'] != master)
            dt = measure_kill(c, slave, c.node(str(master)), 'failed-slave',
                              slave['node-id'], 30)
            say('%s round %d: slave %d killed, failed-slave after %s s'
                % (setting, rnd, slave['node-id'],
                   '%.3f' % dt if dt else 'never'))
            if dt is None:
                res['missed'] += 1
            else:
                res['slave'].append(dt)
            cluster('restart', str(slave['node-id']), check=True)
            c = load_cluster()
    finally:
        cluster('down', '--purge', check=False)
    return res


def fmt(xs, bound):
    if not xs:
        return 'n/a'
    med = statistics.median(xs)
    return '%.2f / %.2f / %.2f s (median %.2f x bound)' % (
        min(xs), med, max(xs), med / bound)


def main():
    if not os.access(QEMU, os.X_OK):
        die('no QEMU at %s (make qemu)' % QEMU)
    os.makedirs(OUT, exist_ok=True)
    extra, accel = ([], 'none')
    if LOAD == 'guest':
        extra, accel = guest_args()
    say('%d rounds per setting, load: %s (%s), %d cores'
        % (ROUNDS, LOAD, accel, os.cpu_count()))
    results = [run_setting(s, extra, LOAD) for s in SETTINGS]
    print()
    print('| heartbeat:misses:monitor | bound k x h | master killed -> new '
          'master (min / median / max) | slave killed -> failed-slave | '
          'not detected | false failures in %d s quiet | logical drive I/O '
          'in the quiet window, both nodes |' % QUIET)
    print('|---|---|---|---|---|---|---|')
    for r in results:
        print('| %s | %.2f s | %s | %s | %d | %d | %.0f requests/s |' % (
            r['setting'], r['bound'], fmt(r['master'], r['bound']),
            fmt(r['slave'], r['bound']), r['missed'], len(r['false']),
            r['iops']))
        for f in r['false']:
            print('  false failure: %s' % json.dumps(f))
    return 0


if __name__ == '__main__':
    sys.exit(main())
