#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Send one SCSI command over iSCSI and print what came back.

A deliberately small initiator for tests (RFC 7143): one-round-trip login
straight into the operational stage, one command with its data-out as
immediate data, then the Data-In PDUs and the status.  libiscsi's tools send
only the commands they know; the vendor commands (opcode 20h) need this.

Prints three lines: 'status XX', 'sense <hex>' and 'data <hex>'.  Exit status
0 when the command ran (whatever its SCSI status), 2 when the login was
refused, 1 on a protocol problem.

Usage: iscsi-raw.py HOST:PORT TARGET INITIATOR LUN CDB-HEX DATA-IN-LEN
                    [DATA-OUT-HEX]
"""

import socket
import struct
import sys


def pad4(n):
    return (n + 3) & ~3


def recv_all(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed by the target")
        buf += chunk
    return buf


def recv_pdu(s):
    bhs = recv_all(s, 48)
    if bhs[4]:
        raise ValueError("target sent an AHS")
    dlen = int.from_bytes(bhs[5:8], "big")
    data = recv_all(s, pad4(dlen))[:dlen]
    return bhs, data


def login(s, target, initiator):
    keys = {
        "InitiatorName": initiator, "TargetName": target,
        "SessionType": "Normal", "HeaderDigest": "None",
        "DataDigest": "None", "ImmediateData": "Yes", "InitialR2T": "No",
        "MaxRecvDataSegmentLength": "262144", "FirstBurstLength": "262144",
        "MaxBurstLength": "1048576", "ErrorRecoveryLevel": "0",
        "MaxConnections": "1",
    }
    text = b"".join(f"{k}={v}".encode() + b"\0" for k, v in keys.items())
    bhs = bytearray(48)
    bhs[0] = 0x43                       # Login Request, immediate
    bhs[1] = 0x87                       # T, CSG 1 (operational), NSG 3
    bhs[5:8] = len(text).to_bytes(3, "big")
    bhs[8:14] = bytes([0x80, 0x00, 0x53, 0x52, 0x00, 0x01])    # ISID
    bhs[16:20] = struct.pack(">I", 1)   # ITT
    s.sendall(bytes(bhs) + text + b"\0" * (pad4(len(text)) - len(text)))
    rsp, _ = recv_pdu(s)
    if rsp[0] & 0x3f != 0x23:
        raise ValueError(f"expected a Login Response, got opcode {rsp[0]:#x}")
    if rsp[36] != 0:
        print(f"login refused: class {rsp[36]:#04x} detail {rsp[37]:#04x}")
        sys.exit(2)
    if not rsp[1] & 0x80 or rsp[1] & 3 != 3:
        raise ValueError("login did not reach full feature phase")
    # the next ExpStatSN, and the CmdSN the target expects next
    return (struct.unpack(">I", rsp[24:28])[0] + 1,
            struct.unpack(">I", rsp[28:32])[0])


def command(s, lun, cdb, data_in_len, data_out, stat_sn, cmd_sn):
    bhs = bytearray(48)
    bhs[0] = 0x01
    bhs[1] = 0x80 | 0x01                # F, SIMPLE
    if data_in_len:
        bhs[1] |= 0x40
    if data_out:
        bhs[1] |= 0x20
    bhs[5:8] = len(data_out).to_bytes(3, "big")
    bhs[8:10] = struct.pack(">H", lun if lun < 256 else 0x4000 | lun)
    bhs[16:20] = struct.pack(">I", 2)
    bhs[20:24] = struct.pack(">I", data_in_len or len(data_out))
    bhs[24:28] = struct.pack(">I", cmd_sn)
    bhs[28:32] = struct.pack(">I", stat_sn)
    bhs[32:32 + len(cdb)] = cdb
    s.sendall(bytes(bhs) + data_out +
              b"\0" * (pad4(len(data_out)) - len(data_out)))
    data = bytearray(data_in_len)
    got = 0
    while True:
        rsp, seg = recv_pdu(s)
        op = rsp[0] & 0x3f
        if op == 0x25:                  # Data-In
            off = struct.unpack(">I", rsp[40:44])[0]
            data[off:off + len(seg)] = seg
            got = max(got, off + len(seg))
            if rsp[1] & 0x01:           # S: status in this PDU
                return rsp[3], b"", bytes(data[:got])
        elif op == 0x21:                # SCSI Response
            sense = b""
            if len(seg) >= 2:
                n = struct.unpack(">H", seg[:2])[0]
                sense = seg[2:2 + n]
            return rsp[3], sense, bytes(data[:got])
        elif op == 0x20:                # NOP-In ping: not answered here
            continue
        else:
            raise ValueError(f"unexpected PDU opcode {op:#x}")


def main():
    if len(sys.argv) not in (7, 8):
        print(__doc__, file=sys.stderr)
        return 1
    host, port = sys.argv[1].rsplit(":", 1)
    target, initiator = sys.argv[2], sys.argv[3]
    lun = int(sys.argv[4], 0)
    cdb = bytes.fromhex(sys.argv[5])
    data_in_len = int(sys.argv[6], 0)
    data_out = bytes.fromhex(sys.argv[7]) if len(sys.argv) == 8 else b""
    with socket.create_connection((host, int(port)), 10) as s:
        s.settimeout(10)
        stat_sn, cmd_sn = login(s, target, initiator)
        status, sense, data = command(s, lun, cdb, data_in_len, data_out,
                                      stat_sn, cmd_sn)
    print(f"status {status:02x}")
    print(f"sense {sense.hex()}")
    print(f"data {data.hex()}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError, ValueError) as e:
        print(f"iscsi-raw: {e}", file=sys.stderr)
        sys.exit(1)
