"""The link from a screen (wall display, kiosk, rating pad) to the hall server over Socket.IO.

It keeps what the screen needs to stay right without a human: the snapshot on connect, the messages in the order
the hall sent them (display/sequence.py: held by seq, a gap that lasts → ask for `resync`, the calls a resync would
skip replayed), automatic reconnection after a server restart or a network loss, and how long it has been out of
touch (`stale`). The screen's drawing loop never blocks on the network: it drains `link.inbox`.

python-socketio's client handles each incoming message in a thread of its own, so they can reach the handlers
out of order; the handlers only hand them to one Sequence under one lock, and the inbox gets them back in order.

    link = HallLink("http://127.0.0.1:5000", token, "/display").start()
    for kind, payload in link.drain():      # each frame
        ...                                  # ("snapshot", {...}) or ("called", {...}) …
    if link.stale(5): draw "mất kết nối"

Shared by display/, kiosk/ and the pad.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Iterator, Optional

import socketio

from display.sequence import Sequence

log = logging.getLogger("motcua.link")


class HallLink:
    def __init__(self, server: str, token: Optional[str], namespace: str = "/display",
                 auth: Optional[dict] = None, retry_s: float = 1.0, hold_s: float = 1.0):
        self.server, self.namespace = server.rstrip("/"), namespace
        self.auth = auth if auth is not None else {"token": token}
        self.retry_s = retry_s
        self.inbox: "queue.Queue[tuple[str, dict]]" = queue.Queue()
        self.order = Sequence(contiguous=namespace not in ("/pad", "/ticket"), hold_s=hold_s)
        self._lock = threading.Lock()           # one message at a time through the Sequence into the inbox
        self._changed = threading.Condition()   # notified on every message, connect, disconnect and refusal
        self.connected = False
        self.refused: Optional[str] = None      # the server said no (bad token): reconnecting won't help
        self.last_contact = time.monotonic()
        self.disconnected_since: Optional[float] = time.monotonic()
        self.resyncs = 0
        self.tick_s = min(retry_s, 0.1)         # how often a held gap is looked at
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._broken_since: Optional[float] = None
        self.renewals = 0                       # socket clients replaced because they got stuck
        self.sio = self._client()

    def _client(self) -> socketio.Client:
        """A python-socketio client whose handlers act only while it is this link's client."""
        sio = socketio.Client(reconnection=True, reconnection_delay=self.retry_s, reconnection_delay_max=5,
                              randomization_factor=0.2, logger=False, engineio_logger=False)

        def mine(handler):
            return lambda *args: handler(*args) if sio is self.sio else None
        for event, handler in (("connect", self._on_connect), ("disconnect", self._on_disconnect),
                               ("connect_error", self._on_connect_error), ("snapshot", self._on_snapshot),
                               ("*", self._on_event)):
            sio.on(event, mine(handler), namespace=self.namespace)
        return sio

    # --- life -------------------------------------------------------------------------------
    def start(self) -> "HallLink":
        self._thread = threading.Thread(target=self._run, name=f"hall-link{self.namespace}", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        """Connect, and keep trying until stopped: python-socketio reconnects by itself only after a first success.
        Between tries, ask for a resync when a gap in the sequence has lasted."""
        next_try = time.monotonic()
        while not self._stop.is_set():
            self.check_gap()
            self.check_client()
            if not self.sio.connected and time.monotonic() >= next_try:
                next_try = time.monotonic() + self.retry_s
                try:
                    self.sio.connect(self.server, namespaces=[self.namespace], auth=self.auth,
                                     transports=["websocket"], wait_timeout=5)
                except socketio.exceptions.ConnectionError as exc:
                    log.debug("connect failed: %s", exc)
                except ValueError:
                    pass  # the client is already reconnecting by itself
            self._stop.wait(self.tick_s)

    def check_client(self, now: Optional[float] = None, after_s: float = 10.0) -> bool:
        """Replace a python-socketio client stuck between its two layers for after_s seconds; True if replaced.

        A connection cut just as the namespace was joining can leave Socket.IO "connected" over a dead Engine.IO
        transport (no disconnect event, so no reconnection, and connect() refuses: "already connected"), or the
        transport connected under a namespace that never joins ("not in a disconnected state").
        """
        now = time.monotonic() if now is None else now
        sio = self.sio
        if sio.connected == (sio.eio.state == "connected"):
            self._broken_since = None
            return False
        if self._broken_since is None:
            self._broken_since = now
        if now - self._broken_since < after_s:
            return False
        log.warning("the Socket.IO client is stuck (socket.io %s, engine.io %s): starting a new one",
                    "connected" if sio.connected else "not connected", sio.eio.state)
        self._broken_since, self.renewals = None, self.renewals + 1
        self.sio = self._client()
        if self.connected:
            self._on_disconnect()
        try:
            sio.eio.disconnect(abort=True)
        except Exception:  # noqa: BLE001 — it is being dropped anyway
            log.debug("could not close the stuck client", exc_info=True)
        return True

    def stop(self):
        self._stop.set()
        try:
            self.sio.disconnect()
        except Exception:  # already gone
            pass
        if self._thread:
            self._thread.join(10)

    # --- what the screen asks -----------------------------------------------------------------
    def drain(self) -> Iterator[tuple[str, dict]]:
        while True:
            try:
                yield self.inbox.get_nowait()
            except queue.Empty:
                return

    def stale(self, after_s: float) -> bool:
        """Out of touch for longer than after_s seconds (or never connected that long)."""
        return not self.connected and self.disconnected_since is not None and \
            time.monotonic() - self.disconnected_since > after_s

    def wait_until(self, predicate, timeout: float) -> bool:
        """Wait (without polling) until predicate() holds — checked after each message or change of connection."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def emit(self, event: str, data=None):
        if self.sio.connected:
            self.sio.emit(event, data, namespace=self.namespace)

    def resync(self):
        self.resyncs += 1
        self.emit("resync")

    @property
    def seq(self) -> Optional[int]:
        """Every message up to this seq is in the inbox (or covered by the snapshot there)."""
        return self.order.seq

    @seq.setter
    def seq(self, value: Optional[int]) -> None:
        with self._lock:
            self.order.seq = value

    def check_gap(self, now: Optional[float] = None) -> bool:
        """Ask for a resync if a gap has stayed open too long; True when one was asked for."""
        with self._lock:
            if not self.order.overdue(now):
                return False
            self.order.asked(now)
        self.resync()
        return True

    # --- handlers (socket thread) -------------------------------------------------------------
    def _on_connect(self):
        self.connected, self.disconnected_since, self.refused = True, None, None
        self.last_contact = time.monotonic()
        self._notify()

    def _on_disconnect(self, *_):
        self.connected = False
        self.disconnected_since = time.monotonic()
        with self._lock:
            self.order.disconnected()
            self.inbox.put(("disconnected", {}))
        self._notify()

    def _on_connect_error(self, data=None):
        message = data.get("message") if isinstance(data, dict) else data
        if message and ("token" in str(message) or "refused" in str(message).lower()):   # the server said no
            self.refused = str(message)
        self._notify()

    def _on_snapshot(self, data):
        self.last_contact = time.monotonic()
        with self._lock:
            for message in self.order.snapshot(data):
                self.inbox.put(message)
        self._notify()

    def _on_event(self, event, data):
        self.last_contact = time.monotonic()
        with self._lock:
            for message in self.order.event(event, data):
                self.inbox.put(message)
        self._notify()
