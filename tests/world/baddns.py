#!/usr/bin/python3
"""tests/world/baddns.py - a misbehaving authoritative DNS server for the hostile-servers tests.

    /usr/bin/python3 tests/world/baddns.py ZONE ADDR [ADDR...]

Serves the names below ZONE (e.g. hostile.test.) on every ADDR, port 53, UDP and
TCP, from inside a test world's network namespace.  tests/groups/hostile_servers.py
delegates each <mode>.ZONE to an address of its own from the world's Knot (a
resolver that learns one server is slow or silent would otherwise shun it for the
other modes too); the answers reach mailsec through the world's real Unbound.
What it does depends on the label just below ZONE (the "mode" of the name:
wrongid.hostile.test, _dmarc.wrongid.hostile.test, ... are all "wrongid"):

    ok        answers properly (MX, an SPF TXT, a DMARC TXT, A for the MX host)
    wrongid   answers with a query ID that is not the one asked (UDP and TCP)
    tc        UDP: an empty answer with TC=1; TCP: a 64 KB TXT record set
              (one record of 255-byte strings) for every TXT query
    loop      CNAME loop: NAME -> lp.NAME -> NAME, both links in every answer
    chain     a 1,000-link CNAME chain (NAME -> c1.NAME -> ... -> c1000.NAME,
              which has the data), every link in one answer (TC over UDP)
    flaky     SERVFAIL for every other query, otherwise the ok data
    slow      UDP: TC=1; TCP: the answer trickled one byte every 0.25 s
    silent    reads every query and never answers (UDP and TCP)

Names outside ZONE are REFUSED; ns.<mode>.ZONE is the address asked.  Every connection is served on a thread of
its own, so one slow peer holds up no other.  dnspython imports only under
/usr/bin/python3 (Debian's python3-dnspython).
"""
import socket
import sys
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

ZONE, ADDRS = dns.name.from_text(sys.argv[1]), sys.argv[2:]
NS = dns.name.from_text("ns", ZONE)
TTL = 60
CHAIN = 1000
TRICKLE = 0.25
counts = {}
lock = threading.Lock()


def mode_of(qname):
    """The label just below the zone apex, or '' for the apex itself and names outside."""
    if not qname.is_subdomain(ZONE) or qname == ZONE:
        return ""
    rel = qname.relativize(ZONE)
    return rel.labels[-1].decode("ascii", "replace").lower()


def ok_data(m, qname, qtype, addr):
    """The well-behaved answers of an 'ok'-like name (addr: where the query came in)."""
    first = qname.labels[0].decode("ascii", "replace").lower()
    rrs = []
    if first == "ns" and qtype == dns.rdatatype.A:
        rrs.append(("A", addr))
    elif first == "_dmarc" and qtype == dns.rdatatype.TXT:
        rrs.append(("TXT", '"v=DMARC1; p=reject"'))
    elif first == "mx" and qtype == dns.rdatatype.A:
        rrs.append(("A", "127.0.0.99"))
    elif len(qname) == len(ZONE) + 1:       # the mode name itself: the mail domain
        if qtype == dns.rdatatype.MX:
            rrs.append(("MX", "10 mx.%s" % qname))
        elif qtype == dns.rdatatype.TXT:
            rrs.append(("TXT", '"v=spf1 -all"'))
    elif first not in ("mx", "ns"):
        m.set_rcode(dns.rcode.NXDOMAIN)
    for rtype, text in rrs:
        m.answer.append(dns.rrset.from_text(qname, TTL, "IN", rtype, text))
    if not rrs:
        m.authority.append(soa())


def soa():
    return dns.rrset.from_text(ZONE, TTL, "IN", "SOA", "%s hostmaster.%s 1 3600 900 604800 %d"
                               % (NS, ZONE, TTL))


BIG = {}


def big_txt(qname):
    """One TXT record of 250 strings of 255 bytes: 64,000 bytes of text, a 64 KB message."""
    if "rdata" in BIG:
        return dns.rrset.from_rdata(qname, TTL, BIG["rdata"])
    strings = " ".join('"%s"' % (("v=spf1 " if i == 0 else "") + "a" * (255 - (7 if i == 0 else 0)))
                       for i in range(250))
    rrset = dns.rrset.from_text(qname, TTL, "IN", "TXT", strings)
    BIG["rdata"] = rrset[0]
    return rrset


def answer(wire, tcp, addr):
    """(reply bytes or None, how to send: 'now', 'trickle' or 'never')."""
    try:
        q = dns.message.from_wire(wire)
    except Exception:       # noqa: BLE001 - garbage in, nothing out
        return None, "never"
    if not q.question:
        return None, "never"
    qname, qtype = q.question[0].name, q.question[0].rdtype
    m = dns.message.make_response(q)
    m.flags |= dns.flags.AA
    mode = mode_of(qname)
    with lock:
        n = counts[(qname, qtype)] = counts.get((qname, qtype), 0) + 1
    how = "now"
    if not qname.is_subdomain(ZONE):
        m.set_rcode(dns.rcode.REFUSED)
        m.flags &= ~dns.flags.AA
    elif mode == "":
        if qtype == dns.rdatatype.SOA:
            m.answer.append(soa())
        elif qtype == dns.rdatatype.NS:
            m.answer.append(dns.rrset.from_text(ZONE, TTL, "IN", "NS", str(NS)))
        elif qname == NS and qtype == dns.rdatatype.A:
            m.answer.append(dns.rrset.from_text(NS, TTL, "IN", "A", addr))
        else:
            m.authority.append(soa())
    elif mode == "silent":
        return None, "never"
    elif mode == "wrongid":
        ok_data(m, qname, qtype, addr)
        m.id = (q.id + 0x5a5a) & 0xffff
    elif mode in ("tc", "slow") and not tcp:
        m.flags |= dns.flags.TC
    elif mode == "tc":
        if qtype == dns.rdatatype.TXT:
            m.answer.append(big_txt(qname))
        else:
            ok_data(m, qname, qtype, addr)
    elif mode == "slow":
        ok_data(m, qname, qtype, addr)
        how = "trickle"
    elif mode == "loop":
        first = qname.labels[0].decode("ascii", "replace").lower()
        other = qname.parent() if first == "lp" else dns.name.from_text("lp", qname)
        m.answer.append(dns.rrset.from_text(qname, TTL, "IN", "CNAME", str(other)))
        m.answer.append(dns.rrset.from_text(other, TTL, "IN", "CNAME", str(qname)))
    elif mode == "chain":
        first = qname.labels[0].decode("ascii", "replace").lower()
        base = qname.parent() if first[:1] == "c" and first[1:].isdigit() else qname
        i = int(first[1:]) if base is not qname else 0
        cur = qname
        for k in range(i + 1, CHAIN + 1):
            nxt = dns.name.from_text("c%d" % k, base)
            m.answer.append(dns.rrset.from_text(cur, TTL, "IN", "CNAME", str(nxt)))
            cur = nxt
        if qtype == dns.rdatatype.TXT:
            m.answer.append(dns.rrset.from_text(cur, TTL, "IN", "TXT", '"v=spf1 -all"'))
        elif qtype == dns.rdatatype.A:
            m.answer.append(dns.rrset.from_text(cur, TTL, "IN", "A", "127.0.0.99"))
    elif mode == "flaky":
        if n % 2 == 1:
            m.set_rcode(dns.rcode.SERVFAIL)
            m.flags &= ~dns.flags.AA
        else:
            ok_data(m, qname, qtype, addr)
    else:       # "ok" and anything else
        ok_data(m, qname, qtype, addr)
    limit = 65535 if tcp else max(512, q.payload if q.edns >= 0 else 512)
    try:
        out = m.to_wire(max_size=limit)
    except dns.exception.TooBig:
        m.answer, m.authority, m.additional = [], [], []
        m.flags |= dns.flags.TC
        out = m.to_wire()
    return out, how


def serve_udp(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        data, peer = s.recvfrom(65535)
        out, how = answer(data, False, addr)
        if out is not None and how != "never":
            s.sendto(out, peer)


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            return None
        b += d
    return b


def tcp_conn(c, addr):
    try:
        while True:
            h = recv_exact(c, 2)
            if h is None:
                return
            wire = recv_exact(c, int.from_bytes(h, "big"))
            if wire is None:
                return
            out, how = answer(wire, True, addr)
            if out is None or how == "never":
                time.sleep(3600)    # hold the connection, say nothing
                return
            data = len(out).to_bytes(2, "big") + out
            if how == "trickle":
                for i in range(len(data)):
                    c.sendall(data[i:i + 1])
                    time.sleep(TRICKLE)
            else:
                c.sendall(data)
    except OSError:
        pass
    finally:
        c.close()


def serve_tcp(addr):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 53))
    s.listen(128)
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_conn, args=(c, addr), daemon=True).start()


for a in ADDRS:
    threading.Thread(target=serve_tcp, args=(a,), daemon=True).start()
    threading.Thread(target=serve_udp, args=(a,), daemon=True).start()
while True:
    time.sleep(3600)
