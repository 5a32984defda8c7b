"""tests/lmtpd/lmtpclient.py - a small LMTP client for the lmtpd and mailin groups (one reply per recipient after DATA)."""
import socket
import time


class Client:
    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.greeting = self.reply()

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed; had %r" % self.buf)
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l.decode("utf-8", "replace")

    def reply(self):
        """(code, [lines]) of one reply, multi-line ones joined."""
        lines = []
        while True:
            l = self.line()
            lines.append(l[4:])
            if len(l) < 4 or l[3] != "-":
                return int(l[:3]), lines

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.reply()

    def send(self, mail_from, rcpts, data, lhlo=True):
        """A whole transaction: the RCPT replies and the per-recipient DATA replies."""
        if lhlo:
            self.cmd("LHLO test.client")
        self.cmd("MAIL FROM:<%s>" % mail_from)
        rr = [self.cmd("RCPT TO:<%s>" % r) for r in rcpts]
        ok = sum(1 for c, _ in rr if c == 250)
        c, _ = self.cmd("DATA")
        if c != 354:
            return rr, [(c, [])]
        body = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        body = b"\r\n".join((b"." + l if l.startswith(b".") else l) for l in body.split(b"\r\n"))
        self.s.sendall(body + b".\r\n")
        return rr, [self.reply() for _ in range(ok)]

    def close(self):
        try:
            self.cmd("QUIT")
        except (OSError, EOFError):
            pass
        self.s.close()


def wait_socket(path, proc, limit=20):
    t = time.time()
    while time.time() - t < limit:
        if proc.poll() is not None:
            return False
        try:
            c = Client(path, timeout=5)
            c.close()
            return True
        except OSError:
            time.sleep(0.05)
    return False
