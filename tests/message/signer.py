"""tests/message/signer.py - a minimal independent DKIM signer (RFC 6376 §3.4, §3.7; RFC 8463) for the message tests.

Written from the RFC text in Python with the 'cryptography' package, so the
C verifier is checked against a second implementation: relaxed and simple
canonicalisation, rsa-sha256 / rsa-sha1 / ed25519-sha256, l=, x=.
"""
import base64
import hashlib
import re

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa


def canon_body(body, c):
    if c == "relaxed":
        lines = body.split(b"\r\n")
        lines = [re.sub(rb"[ \t]+", b" ", ln).rstrip(b" ") for ln in lines]
        body = b"\r\n".join(lines)
    while body.endswith(b"\r\n\r\n"):
        body = body[:-2]
    if c == "relaxed" and body == b"\r\n":
        body = b""
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    if c == "simple" and body == b"":
        body = b"\r\n"
    return body


def canon_header(name, value, c):
    """name and raw value (after the colon, folds included, no final CRLF)."""
    if c == "simple":
        return name + b":" + value
    v = re.sub(rb"\r\n", b"", value)
    v = re.sub(rb"[ \t]+", b" ", v).strip(b" ")
    return name.lower().strip() + b":" + v


def split(msg):
    head, sep, body = msg.partition(b"\r\n\r\n")
    if not sep and head.endswith(b"\r\n"):
        head = head[:-2]    # a header with no body
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return [(f.split(b":", 1)[0], f.split(b":", 1)[1]) for f in fields], body


def new_key(kind="ed25519", bits=2048):
    if kind == "ed25519":
        k = ed25519.Ed25519PrivateKey.generate()
        pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return k, "v=DKIM1; k=ed25519; p=" + base64.b64encode(pub).decode()
    k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pub = k.public_key().public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    return k, "v=DKIM1; k=rsa; p=" + base64.b64encode(pub).decode()


def sign(msg, key, d, s, alg="ed25519-sha256", c="relaxed/relaxed", h=("from", "to", "subject", "date"),
         l=None, x=None, t=1700000000):
    hc, bc = c.split("/")
    fields, body = split(msg)
    md = hashlib.sha1 if alg == "rsa-sha1" else hashlib.sha256
    cb = canon_body(body, bc)
    if l is not None:
        cb = cb[:l]
    bh = base64.b64encode(md(cb).digest()).decode()
    tags = "v=1; a=%s; c=%s; d=%s; s=%s; t=%d;" % (alg, c, d, s, t)
    if x is not None:
        tags += " x=%d;" % x
    if l is not None:
        tags += " l=%d;" % l
    tags += "\r\n\th=%s; bh=%s;\r\n\tb=" % (":".join(h), bh)
    data = b""
    used = set()
    for name in h:
        for i in range(len(fields) - 1, -1, -1):
            if i not in used and fields[i][0].lower() == name.encode():
                used.add(i)
                data += canon_header(fields[i][0], fields[i][1], hc) + b"\r\n"
                break
    data += canon_header(b"DKIM-Signature", b" " + tags.encode(), hc)
    if alg == "ed25519-sha256":
        sig = key.sign(hashlib.sha256(data).digest())
    else:
        sig = key.sign(data, padding.PKCS1v15(), hashes.SHA1() if alg == "rsa-sha1" else hashes.SHA256())
    b = base64.b64encode(sig).decode()
    return b"DKIM-Signature: " + tags.encode() + b.encode() + b"\r\n" + msg
