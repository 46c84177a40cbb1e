"""The wall display against a real hall server: screenshots (empty, busy, flashing, stale) at 1920×1080 and
1366×768 with every text inside its box and every glyph in the font; the voice queue; LED boards; reconnection.

Screenshots: out/screenshots/display/<name>-<W>x<H>.png.
"""
import os
import threading
import time
from pathlib import Path

import pytest

from display.announcer import PygamePlayer
from display.draw import AMBER
from display.wall import WallDisplay
from display.wall_view import STALE_TITLE
from hall.fonts import missing_glyphs
from hall_driver import HallDriver, pump

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "out" / "screenshots" / "display"
SIZES = [(1920, 1080), (1366, 768)]


class TimedPlayer(PygamePlayer):
    """The real pygame.mixer player (SDL's dummy audio driver plays in real time), noting when each sound ran."""

    def __init__(self):
        super().__init__()
        self.played: list[tuple[str, float, float]] = []
        self.lock = threading.Lock()

    def play(self, path):
        start = time.monotonic()
        super().play(path)
        with self.lock:
            self.played.append((str(path), start, time.monotonic()))


def make_wall(server, cfg, tmp_path, size, **kw):
    kw.setdefault("voice", False)
    return WallDisplay(server.url, cfg.devices.displays[0].token, display=cfg.devices.displays[0], cfg=cfg,
                       size=size, cache_dir=tmp_path / "voice", **kw).start()


def check_texts(wall, must_show=()):
    """Every text drawn in the last full frame fits its box and the screen, and its font has every glyph."""
    drawn = wall.view.paint.drawn
    screen = wall.screen.get_rect()
    assert drawn, "nothing was drawn"
    for d in drawn:
        assert d.fits, f"{d.text!r} does not fit its box {d.box} even at size {d.size}"
        assert d.box.contains(d.ink), f"{d.text!r} spills out of its box: {d.ink} not in {d.box}"
        assert screen.contains(d.ink), f"{d.text!r} is off the screen: {d.ink}"
        assert missing_glyphs(d.text, d.font) == set(), f"{d.text!r}: no glyph for {missing_glyphs(d.text, d.font)}"
    texts = [d.text for d in drawn]
    for text in must_show:
        assert text in texts, f"{text!r} is not on the screen"
    return texts


def shot(wall, name):
    w, h = wall.screen.get_size()
    path = wall.screenshot(SHOTS / f"{name}-{w}x{h}.png")
    assert path.stat().st_size > 10_000
    return path


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_empty_hall(live_server, cfg, tmp_path, size):
    wall = make_wall(live_server, cfg, tmp_path, size)
    try:
        assert pump(wall, lambda: wall.snapshots > 0)
        wall.step()
        assert wall.state.latest is None and len(wall.state.counters) == 40
        wall._key = None
        wall.step()
        texts = check_texts(wall, ["CHƯA CÓ SỐ NÀO ĐƯỢC GỌI", cfg.centre.name.upper()])
        assert {str(n) for n in range(1, 41)} <= set(texts)
        shot(wall, "empty")
    finally:
        wall.stop()


def test_busy_hall_with_40_counters_and_a_flashing_call(live_server, cfg, tmp_path):
    hall = HallDriver(live_server, cfg)
    for n in range(1, 41):
        hall.clerk(n, full_name=f"Nguyễn Thị Bích {n}")
    called = {}
    for n in range(1, 37):
        called[n] = hall.call_new(n)[0]["number"]
        if n % 3:
            hall.act(n, "start")
    hall.act(37, "pause", reason="Họp giao ban")
    previous = called[36]
    for size in SIZES:
        wall = make_wall(live_server, cfg, tmp_path, size)
        try:
            assert pump(wall, lambda: wall.snapshots > 0)
            for n, number in called.items():
                assert wall.state.counters[n].ticket == number
                assert wall.state.counters[n].serving == bool(n % 3)
            assert wall.state.counters[37].state == "paused"
            assert not wall.state.flashing()            # old calls from the snapshot do not flash
            wall._key = None
            wall.step()
            texts = check_texts(wall, list(called.values()) + ["Tạm dừng", "SỐ VỪA GỌI"])
            assert not any("Nguyễn" in t or "clerk" in t for t in texts), "a clerk's name is on the wall"
            shot(wall, "busy")

            counter = 38 if size == SIZES[0] else 39
            ticket, _ = hall.call_new(counter)
            assert pump(wall, lambda: wall.state.latest and wall.state.latest.number == ticket["number"])
            now = wall.state.flash_until - wall.state.flash_s + 0.1        # the bright half of the blink
            assert wall.state.flash_on(now) and not wall.state.flash_on(now + 0.5)
            wall.step(now)
            check_texts(wall, [ticket["number"], f"ĐẾN QUẦY {counter}", "MỜI CÔNG DÂN CÓ SỐ"])
            corner = wall.view.call.move(wall.view.px(30), wall.view.px(30)).topleft
            assert wall.screen.get_at(corner)[:3] == AMBER
            assert wall.state.calls[0].number == previous                # the last call moved to the list
            previous = ticket["number"]
            shot(wall, "flashing")
            wall.step(now + 0.5)                                          # the other half: plain panel
            assert wall.screen.get_at(corner)[:3] != AMBER
        finally:
            wall.stop()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_stale_display_reconnects_after_the_server_restarts(live_server, cfg, tmp_path, size):
    hall = HallDriver(live_server, cfg)
    first, _ = hall.call_new(7)
    wall = make_wall(live_server, cfg, tmp_path, size, stale_s=1.0)
    wall.link.retry_s = 0.3
    try:
        assert pump(wall, lambda: wall.state.latest and wall.state.latest.number == first["number"])
        live_server.kill()
        assert pump(wall, lambda: wall.state.stale, timeout=15)
        wall._key = None
        wall.step()
        check_texts(wall, [STALE_TITLE])
        shot(wall, "stale")
        live_server.start()
        assert pump(wall, lambda: not wall.state.stale and wall.link.connected, timeout=30)
        hall.act(7, "finish")
        second, _ = hall.call_new(7)
        assert pump(wall, lambda: wall.state.latest.number == second["number"], timeout=10)
        assert STALE_TITLE not in check_texts(wall)
    finally:
        wall.stop()


def test_calls_are_announced_in_order_one_at_a_time(live_server, cfg, tmp_path):
    hall = HallDriver(live_server, cfg)
    player = TimedPlayer()
    wall = make_wall(live_server, cfg, tmp_path, (1366, 768), voice=True, player=player)
    try:
        assert pump(wall, lambda: wall.snapshots > 0)
        a, t0 = hall.call_new(7)
        b, _ = hall.call_new(8)
        hall.act(7, "recall")
        order = [(a["number"], 7), (b["number"], 8), (a["number"], 7)]
        captions = []

        def done():
            if wall.state.caption and (not captions or captions[-1] != wall.state.caption):
                captions.append(wall.state.caption)
            return len(player.played) == 3 and wall.announcer.pending == 0
        assert pump(wall, done, timeout=60)
        spoken = [(ann_number, ann_counter) for ann_number, ann_counter in order]
        assert captions == [f"Mời công dân có số thứ tự {n} đến quầy số {c}" for n, c in spoken]
        starts = [s for _, s, _ in player.played]
        ends = [e for _, _, e in player.played]
        assert all(ends[i] <= starts[i + 1] for i in range(2)), "two calls overlapped"
        assert all(e - s > 1.0 for _, s, e in player.played), "a call was cut short"
        # issue 4 asks for ≤ 1 s, which bench/display.py measures (p99 ~0.4 s); here only a bound that holds on a
        # saturated 2-CPU box (load 15: espeak-ng alone took ~2 s to start and render a new number)
        assert starts[0] - t0 < 5.0, f"the first call was spoken {starts[0] - t0:.2f} s after the request"
        assert wall.state.caption == ""
    finally:
        wall.stop()


def test_calls_feed_the_led_boards(make_server, cfg, tmp_path):
    from drivers.led import FORMATS
    from hall.config import load_config
    master, slave = os.openpty()
    os.set_blocking(master, False)
    server = make_server(**{"devices.led_boards": [{"id": "led-7", "port": os.ttyname(slave), "counters": [7]}]})
    led_cfg = load_config(str(server.config))
    hall = HallDriver(server, led_cfg)
    wall = make_wall(server, led_cfg, tmp_path, (1366, 768), leds=True)
    try:
        assert pump(wall, lambda: wall.snapshots > 0)
        ticket, _ = hall.call_new(7)
        want = FORMATS["motcua"].frame(0, "blink", text=ticket["number"])
        got = b""

        def read():
            nonlocal got
            try:
                got += os.read(master, 256)
            except BlockingIOError:
                pass
            return want in got
        assert pump(wall, read, timeout=10), f"LED board got {got!r}, not {want!r}"
    finally:
        wall.stop()
        os.close(master)
        os.close(slave)
