"""tests/world/live.py - what the test worlds have running, so a killed tests/run stops it.

World, MailWorld and PgServer register themselves when they start and
unregister when they stop.  tests/run calls install(): on SIGTERM, SIGINT or
SIGHUP it stops everything still registered (servers by PID, network
namespaces, temporary directories) and exits 128+signal, instead of leaving
Knot, Unbound, Postfix, nginx and PostgreSQL running in orphaned namespaces.
"""
import os
import signal
import threading
import time

_live = []
_lock = threading.Lock()


def register(obj):
    with _lock:
        if obj not in _live:
            _live.append(obj)


def unregister(obj):
    with _lock:
        if obj in _live:
            _live.remove(obj)


def stop_all(seen=None):
    """Stop everything registered, newest first (a world inside another's namespace first),
    and again whatever seen lists; returns all it stopped."""
    with _lock:
        objs = list(reversed(_live))
    for o in seen or []:
        if o not in objs:
            objs.append(o)
    for o in objs:
        try:
            o.stop()
        except Exception:     # noqa: BLE001 - stopping the rest matters more
            pass
    return objs


def install():
    def handler(signum, frame):
        # No second signal while cleaning up; then leave at once (worker threads too).
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        # A worker thread may be half-way through starting a world: stop everything
        # twice, so what it made in between (a namespace, a server) goes too.
        objs = stop_all()
        time.sleep(0.5)
        stop_all(objs)
        os._exit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, handler)
