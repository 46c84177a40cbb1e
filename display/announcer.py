"""One announcement queue per display: calls are spoken one at a time, in order, none dropped.

    announcer = Announcer(VoiceRenderer(voice, cache_dir), PygamePlayer(), on_start=show_caption)
    announcer.start()
    announcer.announce(event)        # a `called` event dict (or a display.speech.Call); returns the Announcement
    announcer.now                    # the Announcement being spoken (its .speech.screen is the caption), or None
    announcer.stop()                 # ends the sound being played, drops what is still queued, joins the thread

A recall (event "recall": true) is queued again like any call.  An event whose `seq` was already queued is
ignored, so a Socket.IO reconnect that replays events does not repeat them.  The worker renders the WAV
just before playing it (espeak-ng takes ~20 ms, a cached WAV nothing), so an idle announcer starts
speaking well within a second.  A player is anything with `play(path)` that blocks until the sound ends
and `stop()` that makes a running play() return early.
"""
from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from display.speech import Call, Speech, VoiceRenderer, compose

log = logging.getLogger(__name__)
_STOP = object()


@dataclass
class Announcement:
    speech: Speech
    queued_at: float = field(default_factory=time.monotonic)
    started_at: Optional[float] = None
    ended_at: Optional[float] = None
    wav: Optional[Path] = None
    error: str = ""

    @property
    def call(self) -> Call:
        return self.speech.call


class PygamePlayer:
    """Plays a WAV through pygame.mixer and waits for its end."""

    def __init__(self, poll_s: float = 0.02):
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._channel = None

    def play(self, path: Path) -> None:
        import pygame
        if not pygame.mixer.get_init():
            pygame.mixer.init(frequency=22050, size=-16, channels=1)
        self._stop.clear()
        sound = pygame.mixer.Sound(str(path))
        self._channel = sound.play()
        while self._channel is not None and self._channel.get_busy() and not self._stop.is_set():
            time.sleep(self.poll_s)
        if self._stop.is_set():
            sound.stop()

    def stop(self) -> None:
        self._stop.set()


class Announcer:
    def __init__(self, renderer: VoiceRenderer, player, on_start: Callable[[Announcement], None] | None = None,
                 on_end: Callable[[Announcement], None] | None = None, remember: int = 512):
        self.renderer, self.player = renderer, player
        self.on_start, self.on_end = on_start, on_end
        self._queue: queue.Queue = queue.Queue()
        self._seen: collections.deque = collections.deque(maxlen=remember)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)      # notified when the last queued call has been spoken
        self._thread: Optional[threading.Thread] = None
        self._stopping = threading.Event()
        self._now: Optional[Announcement] = None
        self._busy = 0

    # --- what callers use -------------------------------------------------------------------------------
    def start(self) -> "Announcer":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
            self._thread.start()
        return self

    def announce(self, event: dict | Call) -> Optional[Announcement]:
        call = event if isinstance(event, Call) else Call.from_event(event)
        if self._stopping.is_set():
            raise RuntimeError("the announcer is stopped")
        with self._lock:
            if call.seq is not None:
                if call.seq in self._seen:
                    log.info("call seq %s already announced; ignored", call.seq)
                    return None
                self._seen.append(call.seq)
            item = Announcement(compose(call, self.renderer.voice))
            self._busy += 1
        self._queue.put(item)
        return item

    @property
    def now(self) -> Optional[Announcement]:
        return self._now

    @property
    def pending(self) -> int:
        """Announcements queued or being spoken."""
        return self._busy

    def wait_idle(self, timeout: float = 30) -> bool:
        """Wait until every queued call has been spoken; False if that took longer than timeout seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def stop(self, timeout: float = 5) -> None:
        self._stopping.set()
        self._queue.put(_STOP)
        self.player.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError("the announcer thread did not stop")
            self._thread = None

    # --- the worker -------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                if not self._stopping.is_set():
                    self._speak(item)
            finally:
                with self._lock:
                    self._busy -= 1
                    if not self._busy:
                        self._idle.notify_all()

    def _speak(self, item: Announcement) -> None:
        try:
            item.wav = self.renderer.render(item.speech)
        except Exception as exc:                      # the caption still shows; the hall must not go quiet
            item.error = str(exc)
            log.exception("could not make the audio for %s", item.speech.screen)
        self._now = item
        item.started_at = time.monotonic()
        self._notify(self.on_start, item)
        try:
            if item.wav is not None and not self._stopping.is_set():
                self.player.play(item.wav)
        except Exception as exc:
            item.error = str(exc)
            log.exception("could not play %s", item.wav)
        finally:
            item.ended_at = time.monotonic()
            self._now = None
            self._notify(self.on_end, item)

    @staticmethod
    def _notify(callback, item: Announcement) -> None:
        if callback:
            try:
                callback(item)
            except Exception:
                log.exception("announcer callback failed")
