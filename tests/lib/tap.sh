# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared by sraid's shell tests (sourced, not run): TAP results and the
# checks they are made of, and a free block of loopback ports.

n=0

# ok DESCRIPTION COMMAND...: one TAP result, the command must succeed;
# its output becomes diagnostics when it does not
ok() {
    local desc=$1 out
    shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        sed 's/^/# /' <<<"$out" | head -n 30
    fi
}

# fails DESCRIPTION COMMAND...: one TAP result, the command must fail
fails() {
    local desc=$1 out
    shift
    n=$((n + 1))
    if out=$("$@" 2>&1); then
        echo "not ok $n - $desc (it succeeded)"
        sed 's/^/# /' <<<"$out" | head -n 30
    else
        echo "ok $n - $desc"
    fi
}

# has TEXT COMMAND...: the command succeeds and prints TEXT
has() {
    local text=$1 out
    shift
    out=$("$@" 2>&1) || { echo "$out"; return 1; }
    grep -aqF -- "$text" <<<"$out" || { echo "$out"; return 1; }
}

# fails_with TEXT COMMAND...: the command fails and prints TEXT
fails_with() {
    local text=$1 out
    shift
    if out=$("$@" 2>&1); then
        echo "it succeeded:"
        echo "$out"
        return 1
    fi
    grep -aqF -- "$text" <<<"$out" || { echo "$out"; return 1; }
}

# free_ports COUNT: the first of COUNT consecutive ports free on loopback
free_ports() {
    python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randrange(20000, 32768 - n)   # below the ephemeral range
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
        print(base)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
else:
    sys.exit("no %d consecutive free ports found" % n)
PY
}
