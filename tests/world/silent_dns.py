#!/usr/bin/python3
"""tests/world/silent_dns.py - a recursive resolver that never answers (issue 23 item 4).

    /usr/bin/python3 tests/world/silent_dns.py [--addr 127.0.0.1] [--port 0]

Listens on UDP (and accepts TCP connections) at ADDR:PORT and answers only
". NS" (NOERROR, no records), the reachability probe mailsec sends its
resolver at start, so the resolver counts as up; every other query is read
and dropped, TCP connections are held open and never answered.  With
`check --resolver ADDR@PORT --timeout T` every lookup of a run then times
out: the load that once grew mailsec to 224 MB at 2,000 domains (the perf
test group and bench/timeout-memory use it).  Prints "ready PORT" on stdout
once listening (--port 0: a free one); runs until killed.  Standard library
only.
"""
import argparse
import socket
import struct
import sys
import threading


def root_ns_reply(q):
    """A NOERROR reply with no records to ". NS", or None for anything else."""
    if len(q) < 17 or q[12] != 0:
        return None
    qtype, qclass = struct.unpack(">HH", q[13:17])
    if qtype != 2 or qclass != 1:
        return None
    flags = 0x8180 | (q[2] & 0x01) << 8
    return q[:2] + struct.pack(">HHHHH", flags, 1, 0, 0, 0) + q[12:17]


def hold_tcp(srv):
    held = []
    while True:
        c, _ = srv.accept()
        held.append(c)          # never answered, never closed (until we exit)
        if len(held) > 4096:
            held.pop(0).close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    u.bind((a.addr, a.port))
    port = u.getsockname()[1]
    t = socket.socket(fam, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((a.addr, port))
    t.listen(512)
    threading.Thread(target=hold_tcp, args=(t,), daemon=True).start()
    print("ready %d" % port, flush=True)
    while True:
        q, peer = u.recvfrom(4096)
        r = root_ns_reply(q)
        if r:
            u.sendto(r, peer)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
