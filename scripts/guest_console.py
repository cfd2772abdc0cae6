#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run commands in the sraid test guest over its serial console.

The guest booted with sraid.action=shell (tests/guest/init) serves
commands on ttyS0; QEMU connects ttyS0 to a unix socket chardev
(-chardev socket,id=con0,path=SOCK,server=on,wait=off -serial
chardev:con0).  docs/guest.md describes the protocol.

    from guest_console import GuestConsole
    with GuestConsole(sock, timeout=180) as con:   # waits for the guest
        rc, out = con.run('sg_inq /dev/sda', timeout=30)

As a program: guest_console.py SOCKET [--timeout S] CMD... runs CMD,
prints its output and exits with its exit code (255: no answer).

QEMU's socket chardev serves one client at a time: while one is attached
(sraid-cluster console, say), another connection waits unanswered.
"""

import base64
import binascii
import math
import os
import re
import socket
import sys
import time

READY = b'@@SRAID-READY'
# after this many seconds without an answer a ping is sent again: bytes
# the host sends before the guest's /init opens ttyS0 can be lost
PING_EVERY = 2.0
# the guest kills a command at its timeout; its answer may take this long
# on top (encoding and the serial line)
ANSWER_SLACK = 15.0


class GuestError(Exception):
    """The guest did not answer as the protocol says."""


class GuestConsole:
    def __init__(self, path, timeout=180.0, wait=True):
        """Connect to the serial socket at path; with wait, until the
        guest's shell answers (at most timeout seconds from now, the
        socket's appearance included)."""
        self.path = path
        self.buf = b''
        self.seq = 0
        self.tag = '%x' % (os.getpid() & 0xffff)
        self.sock = None
        deadline = time.monotonic() + timeout
        err = None
        while self.sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                self.sock = s
            except OSError as e:
                s.close()
                err = e
                if time.monotonic() > deadline:
                    raise GuestError('cannot connect to the guest console %s:'
                                     ' %s (is the node running with a'
                                     ' guest?)' % (path, err.strerror)) \
                        from None
                # QEMU creates the socket when it starts: poll for it
                time.sleep(0.05)
        if wait:
            self.wait_ready(max(deadline - time.monotonic(), 1.0))

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fileno(self):
        return self.sock.fileno()

    def _new_id(self):
        self.seq += 1
        return '%s-%d' % (self.tag, self.seq)

    def send_line(self, text):
        self.sock.sendall(text.encode() + b'\n')

    def _line(self, deadline):
        """Next line from the guest (without \\r\\n), None at deadline."""
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            except OSError as e:
                raise GuestError('guest console %s: %s'
                                 % (self.path, e.strerror)) from None
            if not data:
                raise GuestError('guest console %s closed: QEMU ended'
                                 % self.path)
            self.buf += data
        line, self.buf = self.buf.split(b'\n', 1)
        return line.rstrip(b'\r')

    def wait_ready(self, timeout):
        """Until the guest's shell answers a ping (or says it is ready)."""
        deadline = time.monotonic() + timeout
        while True:
            pid = self._new_id()
            self.send_line('@@SRAID-PING ' + pid)
            pong = ('@@SRAID-PONG ' + pid).encode()
            retry = min(time.monotonic() + PING_EVERY, deadline)
            while True:
                line = self._line(retry)
                if line is None:
                    break
                if pong in line:
                    return
                if READY in line:
                    # the shell has just started: it reads from now on,
                    # whatever was sent before may be lost; ping again
                    break
            if time.monotonic() >= deadline:
                raise GuestError('the guest on %s did not answer within'
                                 ' %g s (booted with sraid.action=shell?'
                                 ' the guest log or "sraid-cluster console"'
                                 ' shows what it does)' % (self.path,
                                                           timeout))

    def run(self, cmd, timeout=60.0, binary=False):
        """Run cmd with sh -c in the guest: (exit code, output).

        Output is stdout and stderr together, str (bytes with binary).
        The guest kills the command after timeout seconds (exit code
        137); GuestError when no answer comes at all.
        """
        cid = self._new_id()
        secs = max(1, math.ceil(timeout))
        self.send_line('@@SRAID-RUN %s %d %s' % (
            cid, secs, base64.b64encode(cmd.encode()).decode()))
        begin = ('@@SRAID-BEGIN ' + cid).encode()
        data_re = re.compile(rb'@@' + re.escape(cid.encode()) +
                             rb':([A-Za-z0-9+/=]*)$')
        end_re = re.compile(rb'@@SRAID-END ' + re.escape(cid.encode()) +
                            rb' (\d+) (\d+)')
        deadline = time.monotonic() + secs + ANSWER_SLACK
        chunks = None
        while True:
            line = self._line(deadline)
            if line is None:
                raise GuestError('no answer from the guest on %s to %r'
                                 ' within %g s' % (self.path, cmd,
                                                   secs + ANSWER_SLACK))
            if chunks is None:
                if begin in line:
                    chunks = []
                continue
            m = data_re.search(line)
            if m:
                chunks.append(m.group(1))
                continue
            m = end_re.search(line)
            if m:
                break
        try:
            out = base64.b64decode(b''.join(chunks), validate=True)
        except binascii.Error as e:
            raise GuestError('output of %r from %s damaged on the serial'
                             ' line: %s' % (cmd, self.path, e)) from None
        if len(out) != int(m.group(2)):
            # a line garbled on the way (a kernel message inside it)
            raise GuestError('output of %r from %s damaged on the serial'
                             ' line: %d of %s bytes came'
                             % (cmd, self.path, len(out),
                                m.group(2).decode()))
        rc = int(m.group(1))
        return rc, out if binary else out.decode('utf-8', 'replace')


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('socket')
    p.add_argument('--timeout', type=float, default=60)
    p.add_argument('--boot-timeout', type=float, default=180)
    p.add_argument('cmd', nargs='+')
    a = p.parse_args(argv)
    try:
        with GuestConsole(a.socket, a.boot_timeout) as con:
            rc, out = con.run(' '.join(a.cmd), a.timeout, binary=True)
    except GuestError as e:
        print('guest_console: %s' % e, file=sys.stderr)
        return 255
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
