"""The rating pad app at a counter (`motcua pad --counter N`): a small touchscreen, or a serial keypad, or both.

    pad = RatingPad(server, token, counter=3, cfg=cfg, size=(1024, 600), keypad_port="/dev/ttyUSB1")
    pad.start(); pad.run(); pad.stop()        # or pad.step() / pad.touch((x, y)) yourself

It listens on the hall's /pad namespace (`snapshot`, `rate`, `rated`, `idle`) with the pad's token, asks the
citizen, and posts POST /api/ratings {value, visit_id, criteria} from a worker thread, so a slow network never
freezes the screen. Keypad presses (drivers/keypad.py) feed the same PadState as touches.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Optional

import pygame
import requests

from display.draw import Fonts
from display.link import HallLink
from display.pad_state import PadState, Submission
from display.pad_view import PadView
from hall.config import Config

log = logging.getLogger("motcua.pad")
STALE_S = 5.0


class RatingSender:
    """Posts Submissions one at a time; answers come back on `results` as (status, message)."""

    def __init__(self, server: str, token: str, timeout_s: float = 5.0):
        self.url = server.rstrip("/") + "/api/ratings"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout_s = timeout_s
        self.outbox: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="rating-sender", daemon=True)
        self.thread.start()

    def send(self, sub: Submission) -> None:
        self.outbox.put(sub)

    def _run(self) -> None:
        while (sub := self.outbox.get()) is not None:
            try:
                r = requests.post(self.url, json=sub.body(), headers=self.headers, timeout=self.timeout_s)
                message = r.json().get("message", "") if r.headers.get("content-type", "").startswith(
                    "application/json") else r.text
                self.results.put((r.status_code, message))
            except requests.RequestException as exc:
                log.warning("rating not sent: %s", exc)
                self.results.put((0, str(exc)))

    def close(self) -> None:
        self.outbox.put(None)
        self.thread.join(10)


class RatingPad:
    def __init__(self, server: str, token: str, counter: int, *, cfg: Optional[Config] = None,
                 size: tuple[int, int] = (1024, 600), fullscreen: bool = False, keypad_port: Optional[str] = None,
                 keypad_baud: int = 9600, font: str = "", fps: int = 30, stale_s: float = STALE_S):
        self.state = PadState(counter)
        if cfg is not None:
            r = cfg.ratings
            self.state.levels = [lvl.model_dump() for lvl in r.levels]
            self.state.criteria = [c.model_dump() for c in r.criteria]
            self.state.ask_criteria_at_most, self.state.timeout_s = r.ask_criteria_at_most, r.timeout_s
        self.centre = cfg.centre.name if cfg else ""
        self.size, self.fullscreen, self.font, self.fps, self.stale_s = size, fullscreen, font, fps, stale_s
        self.link = HallLink(server, token, "/pad")
        self.sender = RatingSender(server, token)
        self.keys: queue.Queue = queue.Queue()
        self.keypad = None
        if keypad_port:
            from drivers.keypad import RatingKeypad
            self.keypad = RatingKeypad(keypad_port, keypad_baud, [lvl["value"] for lvl in self.state.levels],
                                       on_rating=self.keys.put, name=f"pad {counter} keypad")
        self.screen: Optional[pygame.Surface] = None
        self.view: Optional[PadView] = None
        self.sent: list[Submission] = []
        self._key = None
        self.running = False

    def start(self) -> "RatingPad":
        pygame.display.init()
        pygame.display.set_caption(f"Một Cửa — đánh giá, quầy {self.state.counter}")
        flags = pygame.FULLSCREEN if self.fullscreen else 0
        self.screen = pygame.display.set_mode(self.size or (0, 0), flags)
        self.view = PadView(self.screen.get_size(), Fonts(self.font), self.centre)
        self.link.start()
        if self.keypad:
            self.keypad.start()
        self.running = True
        return self

    def stop(self) -> None:
        self.running = False
        if self.keypad:
            self.keypad.stop()
        self.link.stop()
        self.sender.close()
        pygame.display.quit()

    def run(self) -> None:
        clock = pygame.time.Clock()
        while self.running:
            for event in pygame.event.get():
                if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_q
                                                 and event.mod & pygame.KMOD_CTRL):
                    self.running = False
                elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                    self.touch(event.pos)
            self.step()
            clock.tick(self.fps)

    # --- input --------------------------------------------------------------------------------------------
    def touch(self, pos) -> Optional[tuple]:
        action = self.view.hit(pos) if self.view else None
        if action is None:
            return None
        kind = action[0]
        if kind == "choose":
            self._send(self.state.choose(action[1]))
        elif kind == "toggle":
            self.state.toggle(action[1])
        elif kind in ("send", "skip"):
            self._send(self.state.send(skip=kind == "skip"))
        return action

    def _send(self, sub: Optional[Submission]) -> None:
        if sub is not None:
            self.sent.append(sub)
            self.sender.send(sub)

    # --- one frame ----------------------------------------------------------------------------------------
    def step(self, now: Optional[float] = None) -> bool:
        for kind, payload in self.link.drain():
            self.state.apply(kind, payload)
        while not self.sender.results.empty():
            self.state.result(*self.sender.results.get_nowait())
        while not self.keys.empty():
            self._send(self.state.choose(self.keys.get_nowait(), follow_up=False))
        now = time.monotonic() if now is None else now
        self._send(self.state.tick(now))
        stale = self.link.stale(self.stale_s)
        key = self.view.frame_key(self.state, now, stale)
        if key == self._key:
            return False
        self._key = key
        self.view.draw(self.screen, self.state, now, stale)
        pygame.display.flip()
        return True

    def screenshot(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.screen, str(path))
        return path
