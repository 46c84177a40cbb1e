"""The hall stream's order on a screen: messages handed on by seq, a gap waited for before asking for `resync`,
and the calls a resync would otherwise skip replayed from the snapshot (docs/protocol.md, "Sequence numbers").

No sockets here: HallLink (display/link.py) feeds it what arrives, from whatever thread, under one lock, and puts
what comes out into the screen's inbox. The browser pages follow the same rules in hall/web/static/common.js.

    order = Sequence()
    order.snapshot(snap)            # → [("snapshot", snap), ("called", replayed call), …]
    order.event("called", msg)      # → the messages now in order: [] while an earlier one is still on its way
    if order.overdue(now): order.asked(now); link.emit("resync")

python-socketio's threaded client runs every incoming message in a thread of its own, so seq N+1 can be handled
before N. A message past a gap is therefore held (by seq) for `hold_s` before the gap counts as real; only then
is a resync asked for. A snapshot covers every seq up to its own; the calls made since the last one handed on
(`fresh_calls`, those within the hall's freshness window) come after it as `called`/`recalled` messages with
`"replay": true`, so a screen announces each of them once and never loses a call to a resync.

On /pad and /ticket the seqs are those of the whole hall (not contiguous for one room): nothing is held there,
and a message older than one already handed on is dropped as stale.
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Optional

log = logging.getLogger("motcua.link")

Message = tuple[str, dict]
CALLS = ("called", "recalled")


def seq_of(payload) -> Optional[int]:
    seq = payload.get("seq") if isinstance(payload, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def replayed_call(call: dict) -> Message:
    """A `fresh_calls` entry of a snapshot as the `called`/`recalled` message the screen would have had."""
    kind = "recalled" if call.get("recall") else "called"
    ticket = {"number": call.get("number"), "service": call.get("service"), "unit": call.get("unit"),
              "unit_name": call.get("unit_name"), "service_name": call.get("service_name")}
    return kind, {"seq": call.get("seq"), "type": kind, "at": call.get("at"), "counter": call.get("counter"),
                  "counter_label": call.get("counter_label"), "service": call.get("service"),
                  "unit": call.get("unit"), "ticket": ticket, "recall": bool(call.get("recall")), "replay": True}


class Sequence:
    def __init__(self, contiguous: bool = True, hold_s: float = 1.0, max_held: int = 2000,
                 clock: Callable[[], float] = time.monotonic):
        self.contiguous, self.hold_s, self.max_held, self.clock = contiguous, hold_s, max_held, clock
        self.seq: Optional[int] = None          # every seq up to this one is handed on (or covered by a snapshot)
        self.last_call: Optional[int] = None    # the newest call handed on (live or replayed)
        self.held: dict[int, Message] = {}
        self.gap_since: Optional[float] = None  # when the oldest gap still open was first seen (or asked about)
        self.asked_at: Optional[float] = None   # a resync asked for and not answered yet
        self.stale = self.gaps = 0              # counters, for logs and benchmarks

    # --- what arrives ---------------------------------------------------------------------------------
    def snapshot(self, snap) -> list[Message]:
        seq = seq_of(snap)
        if seq is None or not self.contiguous:
            return [("snapshot", snap)]
        if self.seq is not None and seq < self.seq:
            self.stale += 1
            log.info("snapshot at seq %s is older than seq %s already handed on: dropped", seq, self.seq)
            return []
        out: list[Message] = [("snapshot", snap)]
        if self.last_call is not None and seq < self.last_call:
            log.warning("the hall's log starts again (seq %s after %s): nothing to replay", seq, self.last_call)
            self.last_call = None
        if self.last_call is not None:                # the first snapshot is where the screen starts: no replay
            fresh = [c for c in snap.get("fresh_calls") or [] if isinstance(c, dict)]
            for call in sorted(fresh, key=lambda c: seq_of(c) or 0):
                call_seq = seq_of(call)
                if call_seq is not None and self.last_call < call_seq <= seq:
                    out.append(replayed_call(call))
                    self.last_call = call_seq
        self.last_call = seq if self.last_call is None else max(self.last_call, seq)
        self.seq, self.asked_at = seq, None
        self.held = {s: m for s, m in self.held.items() if s > seq}
        self.gap_since = None
        out += self._release()
        if self.held:
            self.gap_since = self.clock()
        return out

    def disconnected(self) -> None:
        """The connection is gone: the next snapshot (on reconnecting) starts the count again, whatever its seq."""
        self.seq, self.asked_at, self.gap_since = None, None, None
        self.held.clear()

    def event(self, kind: str, payload) -> list[Message]:
        seq = seq_of(payload)
        if seq is None:
            return [(kind, payload)]
        if not self.contiguous:
            if self.seq is not None and seq < self.seq:
                self.stale += 1
                return []
            self.seq = seq
            return [(kind, payload)]
        if self.seq is not None and seq <= self.seq:
            return []                                  # already handed on, or covered by a snapshot
        if seq in self.held:
            return []
        self.held[seq] = (kind, payload)
        out = self._release()
        if self.held and self.gap_since is None:
            self.gap_since = self.clock()
        return out

    def _release(self) -> list[Message]:
        out = []
        if self.seq is None:
            return out
        while self.seq + 1 in self.held:
            self.seq += 1
            kind, payload = self.held.pop(self.seq)
            if kind in CALLS:
                self.last_call = self.seq if self.last_call is None else max(self.last_call, self.seq)
            out.append((kind, payload))
        if out:
            self.gap_since = self.clock() if self.held else None
        return out

    # --- gaps -----------------------------------------------------------------------------------------
    def overdue(self, now: Optional[float] = None) -> bool:
        """A gap has stayed open hold_s (or too much is held): time to ask the hall for a snapshot."""
        if not self.held:
            return False
        if len(self.held) > self.max_held and self.asked_at is None:
            return True
        now = self.clock() if now is None else now
        return self.gap_since is not None and now - self.gap_since >= self.hold_s

    def asked(self, now: Optional[float] = None) -> None:
        """A resync was asked for: wait hold_s again before asking again (the snapshot closes the gap)."""
        self.gaps += 1
        self.gap_since = self.asked_at = self.clock() if now is None else now
        if self.held:
            log.info("gap in sequence after seq %s (held %s…%s) — resync", self.seq, min(self.held), max(self.held))
