#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Copy dynamically linked programs and every shared library they need.

Usage: guest-libs.py STAGING ROOT PROGRAM...

STAGING is a tree of extracted Debian packages (dpkg-deb -x), ROOT the
initramfs being built, PROGRAM a path relative to STAGING.  Each program
is copied to the same path under ROOT, and so are its program
interpreter and the DT_NEEDED closure, looked up the way ld.so looks them
up (DT_RUNPATH/DT_RPATH with $ORIGIN, then the Debian multiarch
directories), so the guest's ld.so finds them without ld.so.cache or
LD_LIBRARY_PATH.  Symbolic links are resolved: each library lands as a
regular file under the name the programs ask for.

readelf reads the files; nothing of the guest runs on the host.  Exits 1
naming the library and the file that needs it when one is in no package.
"""

import os
import re
import shutil
import subprocess
import sys

DEFAULT_DIRS = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu',
                'lib', 'usr/lib', 'lib64']


def dynamic(path):
    """(interpreter, needed, search path) of an ELF file."""
    out = subprocess.run(['readelf', '-d', '-l', '-W', path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, check=True).stdout
    interp = re.search(r'Requesting program interpreter: (\S+)\]', out)
    needed = re.findall(r'\(NEEDED\)\s+Shared library: \[(.*)\]', out)
    runpath = re.findall(r'\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path:'
                         r' \[(.*)\]', out)
    return (interp.group(1) if interp else None, needed,
            [d for r in runpath for d in r.split(':') if d])


def is_elf(path):
    with open(path, 'rb') as f:
        return f.read(4) == b'\x7fELF'


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    staging, root = sys.argv[1], sys.argv[2]
    todo = [p.lstrip('/') for p in sys.argv[3:]]
    copied = {}         # relative path in ROOT -> source file
    found = {}          # soname -> relative path
    while todo:
        rel = todo.pop()
        src = os.path.join(staging, rel)
        copied[rel] = os.path.realpath(src)
        if not is_elf(src):
            continue
        interp, needed, runpath = dynamic(src)
        if interp and interp.lstrip('/') not in copied:
            if not os.path.exists(os.path.join(staging, interp.lstrip('/'))):
                sys.exit('guest-libs: %s asks for interpreter %s, which no'
                         ' extracted package has' % (rel, interp))
            todo.append(interp.lstrip('/'))
        origin = os.path.dirname('/' + rel)
        dirs = [d.replace('$ORIGIN', origin).replace('${ORIGIN}', origin)
                .lstrip('/') for d in runpath] + DEFAULT_DIRS
        for so in needed:
            if so in found:
                continue
            for d in dirs:
                cand = os.path.normpath(os.path.join(d, so))
                if os.path.exists(os.path.join(staging, cand)):
                    found[so] = cand
                    todo.append(cand)
                    break
            else:
                sys.exit('guest-libs: %s needs %s, which no extracted package'
                         ' has (add its Debian package to the guest image)'
                         % (rel, so))
    total = 0
    for rel, src in sorted(copied.items()):
        dst = os.path.join(root, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        total += os.path.getsize(dst)
    print('%d files, %d libraries, %.1f MiB'
          % (len(copied), len(found), total / (1 << 20)))


if __name__ == '__main__':
    main()
