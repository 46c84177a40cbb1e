"""The rating pad against a real hall server: finish a visit → the pad asks → a touch → the rating is stored →
thank you → idle; a second rating refused; the serial keypad path over a pty pair. Screenshots:
out/screenshots/pad/<name>-<W>x<H>.png.
"""
import json
import os
import sqlite3
from pathlib import Path

import pytest
import requests

from display.pad import RatingPad
from display.pad_state import CRITERIA, IDLE, RATE, REFUSED, THANKS, THANKS_S
from display.pad_view import REFUSED_TEXT, THANKS_TEXT
from hall.fonts import missing_glyphs
from hall_driver import HallDriver, pump

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "out" / "screenshots" / "pad"


def make_pad(server, cfg, counter, size=(1024, 600), **kw):
    token = next(p.token for p in cfg.devices.pads if p.counter == counter)
    pad = RatingPad(server.url, token, counter, cfg=cfg, size=size, **kw).start()
    assert pump(pad, lambda: pad.link.connected and pad.state.version > 0)
    return pad


def ratings(server):
    db = sqlite3.connect(server.config.parent / "data" / "motcua.db")
    try:
        rows = db.execute("SELECT visit_id, counter, clerk, unit, value, criteria, device FROM ratings").fetchall()
    finally:
        db.close()
    return [dict(zip(("visit_id", "counter", "clerk", "unit", "value", "criteria", "device"), r)) for r in rows]


def screen(pad, name):
    """Draw now, check every text fits and has its glyphs, and save the screenshot."""
    pad._key = None
    pad.step()
    texts = []
    for d in pad.view.paint.drawn:
        assert d.fits and d.box.contains(d.ink), f"{d.text!r} does not fit {d.box}"
        assert missing_glyphs(d.text, d.font) == set(), d.text
        texts.append(d.text)
    w, h = pad.screen.get_size()
    pad.screenshot(SHOTS / f"{name}-{w}x{h}.png")
    return texts


def touch(pad, action):
    """Touch the middle of what the screen shows for that action (drawn first, as the citizen sees it)."""
    pad.step()
    rect = next(r for r, a in pad.view.buttons if a == action)
    assert pad.touch(rect.center) == action


@pytest.mark.parametrize("size", [(1024, 600), (800, 480)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_pad_asks_takes_a_touch_thanks_and_refuses_a_second(live_server, cfg, size):
    hall = HallDriver(live_server, cfg)
    pad = make_pad(live_server, cfg, 3, size)
    try:
        assert "Xin kính chào Quý khách!" in screen(pad, "idle")
        ticket = hall.serve(3)
        assert pump(pad, lambda: pad.state.screen == RATE)
        assert pad.state.number == ticket["number"]
        texts = screen(pad, "rate")
        assert {"Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"} <= set(texts)

        touch(pad, ("choose", 2))                                  # Bình thường ≤ ask_criteria_at_most
        assert pad.state.screen == CRITERIA
        touch(pad, ("toggle", "time"))
        assert "Thời gian giải quyết" in screen(pad, "criteria")
        touch(pad, ("send",))
        assert pump(pad, lambda: pad.state.screen == THANKS)
        assert THANKS_TEXT in screen(pad, "thanks")
        stored = ratings(live_server)
        assert len(stored) == 1
        assert stored[0]["counter"] == 3 and stored[0]["value"] == 2 and stored[0]["clerk"] == "clerk3"
        assert json.loads(stored[0]["criteria"]) == ["time"] and stored[0]["device"] == "pad-03"
        assert stored[0]["unit"] == "KHDT"
        pad.step(pad.state.since + THANKS_S)
        assert pad.state.screen == IDLE

        # the same visit again, as a replayed `rate` would ask: refused politely, and nothing more stored
        pad.state.apply("rate", {"counter": 3, "visit_id": stored[0]["visit_id"], "number": ticket["number"]})
        pad.step()
        touch(pad, ("choose", 4))
        assert pump(pad, lambda: pad.state.screen == REFUSED)
        assert REFUSED_TEXT in screen(pad, "refused")
        again = requests.post(f"{live_server.url}/api/ratings", json={"value": 4},
                              headers={"Authorization": f"Bearer {cfg.devices.pads[2].token}"}, timeout=30)
        assert again.status_code == 409
        assert len(ratings(live_server)) == 1
    finally:
        pad.stop()


def test_another_counters_pad_is_refused(live_server, cfg):
    hall = HallDriver(live_server, cfg)
    hall.serve(3)
    wrong = requests.post(f"{live_server.url}/api/ratings", json={"value": 4},
                          headers={"Authorization": f"Bearer {cfg.devices.pads[3].token}"}, timeout=30)
    assert wrong.status_code == 409 and ratings(live_server) == []


def test_keypad_press_rates_the_visit(live_server, cfg):
    master, slave = os.openpty()
    hall = HallDriver(live_server, cfg)
    pad = make_pad(live_server, cfg, 5, keypad_port=os.ttyname(slave))
    try:
        hall.serve(5)
        assert pump(pad, lambda: pad.state.screen == RATE)
        os.write(master, b"4")                # the fourth button: the fourth level, Không hài lòng
        assert pump(pad, lambda: pad.state.screen == THANKS, timeout=10)
        stored = ratings(live_server)
        assert [(r["counter"], r["value"], json.loads(r["criteria"])) for r in stored] == [(5, 1, [])]
    finally:
        pad.stop()
        os.close(master)
        os.close(slave)
