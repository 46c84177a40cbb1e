"""The kiosk app: a pygame window (fullscreen on the touchscreen), the hall link, the ticket desk, the loop.

    app = KioskApp(cfg, cfg.devices.kiosks[0], "http://127.0.0.1:5000", size=(1920, 1080))
    app.run()                      # until the window is closed
    app.step()                     # one frame (tests): events → state → drawing; returns what was drawn
    app.run_for(2.0, until=lambda a: a.state.screen == "result")

Touches (FINGERDOWN/FINGERUP) and the mouse both work; a button acts when the finger is lifted over the same
button it went down on. SDL's mouse events made from touches are ignored, so one touch is one tap. A portrait
kiosk on a panel that reports landscape is drawn rotated (and its touches turned back).
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Optional

import pygame

from display.link import HallLink
from drivers.printer import open_printer
from hall.config import Config, Kiosk
from kiosk.client import HallClient
from kiosk.desk import TicketDesk
from kiosk.draw import Drawn, Painter
from kiosk.state import STALE_S, KioskState
from kiosk.views import layout
from kiosk.widgets import Widget

log = logging.getLogger("motcua.kiosk")
FPS = 30


class KioskApp:
    def __init__(self, cfg: Config, settings: Kiosk, server: str, size: Optional[tuple[int, int]] = None,
                 fullscreen: bool = False, clock: Callable[[], float] = time.monotonic):
        self.cfg, self.settings = cfg, settings
        pygame.init()
        flags = pygame.FULLSCREEN if fullscreen else 0
        if size is None:
            info = pygame.display.Info()
            size = (info.current_w, info.current_h) if fullscreen else (1280, 720)
        self.window = pygame.display.set_mode(size, flags)
        pygame.display.set_caption(f"Một Cửa — {settings.id}")
        w, h = size
        self.rotated = (settings.orientation == "portrait") != (h > w)
        self.size = (h, w) if self.rotated else (w, h)
        self.canvas = pygame.Surface(self.size) if self.rotated else self.window
        self.painter = Painter(settings.font)
        self.client = HallClient(server, settings.token)
        self.desk = TicketDesk(self.client, open_printer(settings.printer), cfg.centre)
        hours = ", ".join(f"{s.start:%H:%M}–{s.end:%H:%M}" for s in cfg.hours.sessions)
        self.state = KioskState(settings, self.client, self.desk, clock, hours)
        self.link = HallLink(server, settings.token, "/kiosk").start()
        self.widgets: list[Widget] = []
        self.drawn: list[Drawn] = []
        self.running = True
        self._down: Optional[Widget] = None
        self._ticker = pygame.time.Clock()

    # --- one frame ---------------------------------------------------------------------------------------------
    def step(self) -> list[Drawn]:
        for event in pygame.event.get():
            self.handle(event)
        for kind, payload in self.link.drain():
            self.state.on_event(kind, payload)
        self.state.tick(self.link.stale(STALE_S))
        self.widgets = layout(self.state, *self.size, centre=self.cfg.centre.name)
        self.drawn = self.painter.paint(self.canvas, self.widgets)
        if self.rotated:
            self.window.blit(pygame.transform.rotate(self.canvas, 90), (0, 0))
        pygame.display.flip()
        return self.drawn

    def handle(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
            self.running = False
        elif event.type in (pygame.FINGERDOWN, pygame.FINGERUP):
            w, h = self.window.get_size()
            self.press(event.type == pygame.FINGERDOWN, self.logical(event.x * w, event.y * h))
        elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP) and event.button == 1 \
                and not getattr(event, "touch", False):
            self.press(event.type == pygame.MOUSEBUTTONDOWN, self.logical(*event.pos))

    def logical(self, x: float, y: float) -> tuple[int, int]:
        """Window pixels → the drawing's pixels (the canvas is turned 90° anticlockwise on a rotated panel)."""
        if self.rotated:
            return int(self.size[0] - 1 - y), int(x)
        return int(x), int(y)

    def press(self, down: bool, pos: tuple[int, int]) -> None:
        target = self.target_at(*pos)
        if down:
            self._down = target
        elif target is not None and self._down is not None and target.action == self._down.action:
            self._down = None
            self.state.tap(target.action)

    def target_at(self, x: int, y: int) -> Optional[Widget]:
        """The topmost widget with an action under the point."""
        return next((w for w in reversed(self.widgets) if w.action and w.contains(x, y)), None)

    # --- loops ---------------------------------------------------------------------------------------------------
    def run(self) -> None:
        while self.running:
            self.step()
            self._ticker.tick(FPS)

    def run_for(self, seconds: float, until: Optional[Callable[["KioskApp"], bool]] = None) -> bool:
        """Run frames for up to `seconds`; True as soon as `until(app)` holds (or at the end if no `until`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.step()
            if until is not None and until(self):
                return True
            self._ticker.tick(FPS)
        return until is None

    def screenshot(self, path) -> None:
        pygame.image.save(self.canvas, str(path))

    def close(self) -> None:
        self.link.stop()
        self.desk.close()
        self.client.close()
        pygame.display.quit()
