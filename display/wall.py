"""The wall display app: the hall's link in, the picture and the voice out (`motcua display`).

    wall = WallDisplay(server, token, display=cfg.devices.displays[0], cfg=cfg, size=(1920, 1080))
    wall.start()
    wall.run()              # until the window closes (Esc or Ctrl+Q quits); or call wall.step() yourself
    wall.stop()

Each step drains the link (never waits on the network), applies what came to the WallState, hands every call
in the zone to the Announcer (one queue: calls never overlap, none is dropped) and to the LED boards, and
draws. A full frame is drawn only when the picture changes (a message, the flash blinking, the clock's second,
going stale); otherwise only the scrolling announcement strip is redrawn and updated.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional
from zoneinfo import ZoneInfo

import pygame

from display.announcer import Announcer, PygamePlayer
from display.draw import Fonts
from display.link import HallLink
from display.speech import VoiceRenderer
from display.wall_state import WallState, Zone, unit_short_names
from display.wall_view import WallView
from hall import phrases
from hall.config import Config, Display
from hall.phrases import counter_label
from hall.text import nfc

log = logging.getLogger("motcua.display")
STALE_S = 5.0


def seed_snapshot(cfg: Config) -> dict:
    """What the screen can show before it first hears from the hall: every counter, closed."""
    units = cfg.unit_by_code
    return {"centre": cfg.centre.name, "announcement": cfg.centre.announcement, "recent_calls": [],
            "counters": [{"number": c.number, "label": counter_label(c.number, c.label), "unit": c.unit,
                          "unit_name": units[c.unit].name, "state": "closed", "ticket": None} for c in cfg.counters]}


class Inbox(queue.Queue):
    """The link's inbox, waking the frame loop the moment a message lands (no waiting for the next tick)."""

    def __init__(self):
        super().__init__()
        self.ready = threading.Event()

    def _put(self, item):
        super()._put(item)
        self.ready.set()


class LedFeeder:
    """Feeds hall events to drivers.led.LedHall from its own thread, so a slow serial line never stalls a frame."""

    def __init__(self, boards):
        from drivers.led import LedHall
        self.hall = LedHall(boards)
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="led-feeder", daemon=True)
        self.thread.start()

    def _run(self):
        while (event := self.queue.get()) is not None:
            try:
                self.hall.apply(event)
            except Exception:
                log.exception("LED boards: could not apply %s", event.get("type"))

    def close(self):
        self.queue.put(None)
        self.thread.join(5)
        self.hall.close()


class WallDisplay:
    def __init__(self, server: str, token: str, *, display: Optional[Display] = None, cfg: Optional[Config] = None,
                 zone: Optional[Zone] = None, size: tuple[int, int] = (1920, 1080), fullscreen: bool = False,
                 voice: bool = True, player=None, renderer=None, cache_dir: Path | str | None = None,
                 leds: bool = False,
                 fps: int = 30, stale_s: float = STALE_S, on_frame: Optional[Callable] = None):
        self.display = display or Display(id="display", token=token or "x" * 16)
        self.cfg = cfg
        self.size, self.fullscreen, self.fps, self.stale_s = size, fullscreen, fps, stale_s
        self.zone = zone if zone is not None else Zone.of(self.display.zone)
        self.state = WallState(zone=self.zone, last_calls=self.display.last_calls, flash_s=self.display.flash_s,
                               unit_names=unit_short_names(cfg.units) if cfg else {})
        if cfg:
            self.state.apply("snapshot", seed_snapshot(cfg))
        self.tz = ZoneInfo(cfg.centre.timezone) if cfg else None
        self.link = HallLink(server, token, "/display")
        self.link.inbox = self.inbox = Inbox()
        self.voice_on, self.player, self.renderer, self.cache_dir = voice, player, renderer, cache_dir
        self.announcer: Optional[Announcer] = None
        self.leds = LedFeeder(cfg.devices.led_boards) if leds and cfg and cfg.devices.led_boards else None
        self.on_frame = on_frame
        self._voice_events: queue.Queue = queue.Queue()
        self._speaking = 0
        self._key = None
        self.screen: Optional[pygame.Surface] = None
        self.view: Optional[WallView] = None
        self.frames = self.full_frames = self.snapshots = 0
        self.running = False

    # --- life ------------------------------------------------------------------------------------------
    def start(self) -> "WallDisplay":
        pygame.display.init()
        pygame.display.set_caption("Một Cửa — màn hình gọi số")
        if self.fullscreen:
            self.screen = pygame.display.set_mode(self.size if self.size else (0, 0), pygame.FULLSCREEN)
            pygame.mouse.set_visible(False)
        else:
            self.screen = pygame.display.set_mode(self.size)
        centre = self.cfg.centre.name if self.cfg else self.state.centre
        subtitle = "Bộ phận Một cửa — Mời Quý khách theo dõi số thứ tự"
        if self.zone:
            subtitle = "Khu vực: " + ", ".join([f"quầy {n}" for n in sorted(self.zone.counters)] +
                                               [self.state.unit_names.get(u, u) for u in sorted(self.zone.units)])
        colors = {u.code: u.color for u in self.cfg.units} if self.cfg else {}
        self.view = WallView(self.screen.get_size(), Fonts(self.display.font), centre, subtitle, colors)
        if self.voice_on:
            cache = Path(self.cache_dir or Path.home() / ".cache" / "motcua" / "voice")
            renderer = self.renderer or VoiceRenderer(self.display.voice, cache)
            try:
                renderer.prewarm()
            except Exception as exc:          # no espeak-ng and no clips: the calls still show
                log.error("voice: %s", exc)
            self.announcer = Announcer(renderer, self.player or PygamePlayer(),
                                       on_start=lambda a: self._voice_events.put(("start", a)),
                                       on_end=lambda a: self._voice_events.put(("end", a))).start()
        self.link.start()
        self.running = True
        return self

    def stop(self) -> None:
        self.running = False
        self.link.stop()
        if self.announcer:
            self.announcer.stop()
        if self.leds:
            self.leds.close()
        pygame.display.quit()

    def run(self, until: Optional[Callable[[], bool]] = None) -> None:
        """Frames at `fps`, and one at once when a message arrives; until the window closes (or `until()`)."""
        frame_s = 1 / self.fps
        next_at = time.monotonic()
        while self.running and not (until and until()):
            for event in pygame.event.get():
                if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and (
                        event.key == pygame.K_ESCAPE or (event.key == pygame.K_q and event.mod & pygame.KMOD_CTRL))):
                    self.running = False
            self.step()
            next_at = max(next_at + frame_s, time.monotonic())
            if self.inbox.ready.wait(next_at - time.monotonic()):
                self.inbox.ready.clear()

    # --- one frame -------------------------------------------------------------------------------------
    def step(self, now: Optional[float] = None) -> bool:
        """Take in what arrived, and draw; True when a full frame was drawn."""
        for kind, payload in self.link.drain():
            self.snapshots += kind == "snapshot"
            call = self.state.apply(kind, payload)
            if call is not None and self.announcer is not None:
                try:
                    self.announcer.announce(payload)
                except ValueError as exc:      # a call the voice can't read is still shown; the screen goes on
                    log.error("voice: call %s not announced: %s", payload.get("seq"), exc)
            if self.leds is not None and kind not in ("snapshot", "disconnected") and not payload.get("replay"):
                self.leds.queue.put(payload)
        self._take_voice_events()
        self.state.set_stale(self.link.stale(self.stale_s))
        now = time.monotonic() if now is None else now
        wall = self.wall_time()
        key = self.state.frame_key(now, wall)
        full = key != self._key
        if full:
            self._key = key
            self.view.draw(self.screen, self.state, now, wall)
            self.view.draw_ticker(self.screen, self.state.announcement, now)
            pygame.display.flip()
            self.full_frames += 1
        else:
            pygame.display.update(self.view.draw_ticker(self.screen, self.state.announcement, now))
        self.frames += 1
        if full and self.on_frame:
            self.on_frame(self.state, time.monotonic())
        return full

    def wall_time(self) -> datetime:
        return datetime.now(self.tz).replace(tzinfo=None) if self.tz else datetime.now()

    def caption_for(self, announcement) -> str:
        """The sentence being spoken, with the number as written: what a deaf visitor reads."""
        call = announcement.call
        return phrases.spoken(nfc(self.display.voice.phrase), call.number, call.counter)

    def _take_voice_events(self) -> None:
        while True:
            try:
                what, item = self._voice_events.get_nowait()
            except queue.Empty:
                return
            if what == "start":
                self._speaking += 1
                self.state.set_caption(self.caption_for(item))
            else:
                self._speaking -= 1
                if self._speaking <= 0:
                    self._speaking = 0
                    self.state.set_caption("")

    def screenshot(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.screen, str(path))
        return path
