#!/usr/bin/python3
"""tests/world/tarpits.py - misbehaving SMTP and HTTPS servers for the hostile-servers tests.

    /usr/bin/python3 tests/world/tarpits.py CERT KEY MODE=ADDR [MODE=ADDR ...]

Beside tests/world/mailworld.py's tarpit (accepts TCP, never speaks) and its
STARTTLS liar, these misbehave in the ways a stranger's server can.  Each MODE
listens on ADDR port 25 (SMTP) or 443 (HTTPS, certificate CERT/KEY for every
name), inside a test world's network namespace, one thread per connection:

  SMTP (port 25)
    trickle-banner   the banner one byte a second
    huge-banner      a 10 MB banner line (no line end in it)
    huge-ehlo        a good banner, then a 10 MB multi-line EHLO reply
    ctrl-banner      a 554 banner carrying ESC, BEL, CR, DEL, C1 and invalid UTF-8
    ctrl-ehlo        a good banner, then a 550 EHLO reply carrying the same as
                     valid UTF-8 (U+009B for the C1 CSI)
    stall-tls        offers STARTTLS, says 220, answers the ClientHello with
                     the ServerHello record alone and then says nothing
  HTTPS (port 443)
    trickle-policy   a 200 response whose body comes one byte every 0.5 s
    redirect-loop    301 to the policy URL itself, with control characters and
                     invalid UTF-8 in the Location header
    ctrl-ctype       200 with a Content-Type carrying ESC, BEL, DEL and U+009B
                     (valid UTF-8)
    stall-tls        the ServerHello record alone, then silence

The ServerHello comes from a real TLS server (Python's ssl module on memory
BIOs): the first record of its first flight is sent, the rest never.
"""
import socket
import ssl
import sys
import threading
import time

# Control characters and bytes that are not UTF-8; NASTY_UTF8 is the same as valid UTF-8
# (C1 CSI as U+009B), which JSON encoders pass through unless told otherwise.
NASTY = b"\x1b[2J\x1b]0;owned\x07 bell\x07 cr\rlf del\x7f c1\xc2\x9b31m raw\x9b \xff\xfe\xc3("
NASTY_UTF8 = "\x1b[2J\x1b]0;owned\x07 bell\x07 cr\rlf del\x7f c1\x9b31m \u00fcn\u00efc\u00f6d\u00e9".encode()
SMTP_PORT, HTTPS_PORT = 25, 443


def send(c, data):
    try:
        c.sendall(data)
        return True
    except OSError:
        return False


def readline(c, buf):
    """(line, rest) or (None, buf) when the peer is gone."""
    while b"\n" not in buf:
        try:
            d = c.recv(4096)
        except OSError:
            return None, buf
        if not d:
            return None, buf
        buf += d
    line, rest = buf.split(b"\n", 1)
    return line, rest


def hold(c, seconds=600):
    """Keep the connection open, reading and ignoring, until the peer leaves."""
    c.settimeout(seconds)
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass


def server_hello_only(c, ctx):
    """Run a real TLS handshake on memory BIOs; send the ServerHello record and stall."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=True)
    c.settimeout(30)
    while True:
        try:
            d = c.recv(16384)
        except OSError:
            return
        if not d:
            return
        inc.write(d)
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError:
            return
        flight = out.read()
        if len(flight) >= 5:
            n = 5 + int.from_bytes(flight[3:5], "big")
            send(c, flight[:n])     # the ServerHello record, nothing after it
            hold(c)
            return


def smtp(mode, c, ctx):
    buf = b""
    if mode == "trickle-banner":
        for ch in b"220 trickle.tarpit.test ESMTP slowly\r\n":
            if not send(c, bytes([ch])):
                return
            time.sleep(1)
        hold(c)
        return
    if mode == "huge-banner":
        send(c, b"220 " + b"x" * (10 * 1024 * 1024) + b"\r\n")
        hold(c)
        return
    if mode == "ctrl-banner":
        send(c, b"554 " + NASTY + b" go away\r\n")
        hold(c)
        return
    send(c, b"220 %s.tarpit.test ESMTP\r\n" % mode.encode())
    while True:
        line, buf = readline(c, buf)
        if line is None:
            return
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
            if mode == "huge-ehlo":
                chunk = b"250-" + b"y" * 1000 + b"\r\n"
                for _ in range(10 * 1024 * 1024 // len(chunk)):
                    if not send(c, chunk):
                        return
                send(c, b"250 STARTTLS\r\n")
            elif mode == "ctrl-ehlo":
                send(c, b"550 " + NASTY_UTF8 + b" no\r\n")
            else:
                send(c, b"250-%s.tarpit.test\r\n250 STARTTLS\r\n" % mode.encode())
        elif cmd.startswith(b"STARTTLS"):
            send(c, b"220 go ahead\r\n")
            if mode == "stall-tls":
                server_hello_only(c, ctx)
                return
        elif cmd.startswith(b"QUIT"):
            send(c, b"221 bye\r\n")
            return
        else:
            send(c, b"502 no\r\n")


def https(mode, c, ctx):
    if mode == "stall-tls":
        server_hello_only(c, ctx)
        return
    try:
        c.settimeout(30)
        s = ctx.wrap_socket(c, server_side=True)
    except (OSError, ssl.SSLError):
        return
    buf = b""
    while b"\r\n\r\n" not in buf:
        try:
            d = s.recv(4096)
        except (OSError, ssl.SSLError):
            return
        if not d:
            return
        buf += d
    host = b"localhost"
    for line in buf.split(b"\r\n"):
        if line.lower().startswith(b"host:"):
            host = line.split(b":", 1)[1].strip()
    body = b"version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 86400\r\n"
    try:
        if mode == "trickle-policy":
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                      % len(body))
            for i in range(len(body)):
                s.sendall(body[i:i + 1])
                time.sleep(0.5)
        elif mode == "redirect-loop":
            s.sendall(b"HTTP/1.1 301 Moved\r\nLocation: https://" + host +
                      b"/.well-known/mta-sts.txt?" + NASTY.replace(b"\r", b"") +
                      b"\r\nContent-Length: 0\r\n\r\n")
        elif mode == "ctrl-ctype":
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html" + NASTY_UTF8.replace(b"\r", b"") +
                      b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        else:
            s.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        s.close()
    except (OSError, ssl.SSLError):
        pass


def listen(addr, port, mode, handler, ctx):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(64)

    def loop():
        while True:
            c, _ = ls.accept()
            threading.Thread(target=lambda: (handler(mode, c, ctx), c.close()), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def main(argv):
    cert, key = argv[1], argv[2]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    for spec in argv[3:]:
        mode, addr = spec.split("=", 1)
        listen(addr, SMTP_PORT, mode, smtp, ctx)
        listen(addr, HTTPS_PORT, mode, https, ctx)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv)
