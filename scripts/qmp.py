#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send one QMP command to a QEMU monitor socket and print the result.

Usage: qmp.py SOCKET COMMAND [JSON-ARGUMENTS]
       qmp.py SOCKET --hmp 'info qtree'
Exit status 1 when QEMU answers with an error (printed on stderr).
"""

import json
import socket
import sys
import time


def connect(path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sock = connect(sys.argv[1])
    f = sock.makefile('rw')

    def call(cmd, args=None):
        msg = {'execute': cmd}
        if args:
            msg['arguments'] = args
        f.write(json.dumps(msg) + '\n')
        f.flush()
        while True:
            line = f.readline()
            if not line:
                sys.exit('qmp: QEMU closed the monitor')
            rsp = json.loads(line)
            if 'return' in rsp or 'error' in rsp:
                return rsp

    json.loads(f.readline())                    # greeting
    call('qmp_capabilities')
    if sys.argv[2] == '--hmp':
        rsp = call('human-monitor-command',
                   {'command-line': sys.argv[3]})
    else:
        args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
        rsp = call(sys.argv[2], args)
    if 'error' in rsp:
        print(rsp['error']['desc'], file=sys.stderr)
        return 1
    ret = rsp['return']
    print(ret if isinstance(ret, str) else json.dumps(ret, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
