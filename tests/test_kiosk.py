"""The kiosk driven by touches against a real hall server: each screen, what it shows, and the tickets it issues.

Touches are FINGERDOWN/FINGERUP events posted into the app's own loop (and mouse clicks where said); what a screen
shows is read from the widgets laid out and the texts drawn. Screenshots of every screen, landscape and portrait,
go to out/screenshots/kiosk/.
"""
from __future__ import annotations

import time
from pathlib import Path

import pygame
import pytest
import requests

from hall.config import Printer, load_config
from hall.fonts import missing_glyphs
from kiosk.app import KioskApp
from kiosk.widgets import TARGET

SHOTS = Path(__file__).resolve().parent.parent / "out" / "screenshots" / "kiosk"
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


# --- driving the app --------------------------------------------------------------------------------------------
@pytest.fixture
def make_kiosk(tmp_path):
    """make_kiosk(server, size=(1920, 1080), printer=None, clock=None, **kiosk_settings) → a running KioskApp."""
    apps = []

    def make(server, size=(1920, 1080), printer=None, clock=None, **changes):
        cfg = load_config(str(server.config))
        printer = printer or Printer(kind="preview", folder=str(tmp_path / "tickets"))
        orientation = "portrait" if size[1] > size[0] else "landscape"
        settings = cfg.devices.kiosks[0].model_copy(update={"printer": printer, "orientation": orientation,
                                                             **changes})
        kw = {"clock": clock} if clock else {}
        app = KioskApp(cfg, settings, server.url, size=size, **kw)
        apps.append(app)
        assert app.run_for(15, until=lambda a: a.state.screen in ("home", "closed") and a.state.units), \
            f"kiosk never reached home: {a_screen(app)}"
        return app

    yield make
    for app in apps:
        app.close()


def a_screen(app) -> str:
    return f"screen={app.state.screen} texts={texts(app)[:12]}"


def widget(app, name: str):
    found = [w for w in app.widgets if w.name == name]
    assert found, f"no widget {name!r} on {a_screen(app)}"
    return found[-1]


def touch(app, name: str, mouse: bool = False) -> None:
    """Put a finger (or the mouse) down on the widget and lift it, then run a frame."""
    x, y, w, h = widget(app, name).rect
    cx, cy = x + w // 2, y + h // 2
    width, height = app.window.get_size()
    if mouse:
        for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            pygame.event.post(pygame.event.Event(kind, pos=(cx, cy), button=1, touch=False))
    else:
        for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
            pygame.event.post(pygame.event.Event(kind, touch_id=1, finger_id=0, x=cx / width, y=cy / height,
                                                 dx=0.0, dy=0.0, pressure=1.0))
    app.step()


def type_text(app, text: str) -> None:
    for ch in text:
        touch(app, "key:space" if ch == " " else f"key:{ch}")


def texts(app) -> list[str]:
    return [d.text for d in app.drawn]


def shown(app, name: str) -> str:
    return next(d.text for d in reversed(app.drawn) if d.name == name)


def wait(app, condition, seconds: float = 10.0, what: str = "") -> None:
    """Run frames until the condition holds: at least 30 s, since a busy machine is slow, not wrong."""
    assert app.run_for(max(seconds, 30.0), until=condition), f"timed out waiting for {what or condition}: {a_screen(app)}"


def check_frame(app) -> None:
    """Every text fits its box, every glyph is in the font, every button is a finger's size."""
    app.step()
    for d in app.drawn:
        assert d.fits, f"{d.name!r} does not fit its box {d.rect} at {d.size}px: {d.text!r}"
        assert not missing_glyphs(d.text, d.font), f"{d.text!r}: no glyph for {missing_glyphs(d.text, d.font)}"
    least = TARGET * min(app.size) / 100 * 0.95
    for w in app.widgets:
        if w.action and w.name not in ("shade", "notice_panel"):
            assert min(w.rect[2], w.rect[3]) >= least, f"{w.name} is {w.rect[2:]}px, smaller than a fingertip"


def shot(app, name: str) -> None:
    check_frame(app)
    SHOTS.mkdir(parents=True, exist_ok=True)
    app.screenshot(SHOTS / f"{name}-{app.size[0]}x{app.size[1]}.png")


def hall_state(server) -> dict:
    token = load_config(str(server.config)).devices.kiosks[0].token
    r = requests.get(f"{server.url}/api/state", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    r.raise_for_status()
    return r.json()


def waiting(server, service: str) -> int:
    return next(q["waiting"] for q in hall_state(server)["queues"] if q["service"] == service)


# --- the screens ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("orientation", SIZES)
def test_a_citizen_takes_a_ticket_by_touch(live_server, make_kiosk, tmp_path, orientation):
    app = make_kiosk(live_server, SIZES[orientation])
    tiles = [w for w in app.widgets if w.name.startswith("tile:")]
    assert len(tiles) == 17
    assert "Sở Tư pháp" not in texts(app) and "Tư pháp" in texts(app)          # short names on tiles
    shot(app, "home")

    touch(app, "tile:TP")
    assert app.state.screen == "unit"
    assert shown(app, "title") == "Sở Tư pháp"
    assert {"Lý lịch tư pháp", "Hộ tịch, quốc tịch"} <= set(texts(app))
    shot(app, "unit")

    touch(app, "service:TP.LLTP")
    wait(app, lambda a: a.state.screen == "result" and a.state.printing == "printed", what="the printed ticket")
    ticket = app.state.ticket
    assert shown(app, "number") == ticket["number"] == "P001"
    assert shown(app, "print_status") == "Mời Ông/Bà nhận phiếu bên dưới"
    assert shown(app, "ahead") == "Ông/Bà là người tiếp theo"
    assert shown(app, "counters").startswith("Mời theo dõi: Quầy")
    assert widget(app, "qr").qr == ticket["status_url"]
    assert waiting(live_server, "TP.LLTP") == 1
    pngs = list((tmp_path / "tickets").glob("*-P001.png"))
    assert len(pngs) == 1 and pngs[0].with_suffix(".bin").stat().st_size > 1000
    shot(app, "result")

    touch(app, "button:done", mouse=True)
    assert app.state.screen == "home"
    wait(app, lambda a: shown(a, "tile-waiting:TP") == "Đang chờ: 1", what="the tile's count")


@pytest.mark.parametrize("orientation", SIZES)
def test_the_priority_path_gives_a_priority_ticket(live_server, make_kiosk, orientation):
    app = make_kiosk(live_server, SIZES[orientation])
    touch(app, "button:priority")
    assert app.state.screen == "priority"
    assert [w.name for w in app.widgets if w.name.startswith("category:")] == [
        "category:elderly", "category:disabled", "category:pregnant", "category:child_under_6", "category:merit"]
    shot(app, "priority")
    touch(app, "category:elderly")
    assert shown(app, "priority_banner") == "Ưu tiên: Người cao tuổi — chọn đơn vị"
    shot(app, "home-priority")
    touch(app, "tile:TNMT")
    touch(app, "service:TNMT.DD")
    wait(app, lambda a: a.state.printing == "printed", what="the priority ticket")
    assert app.state.ticket["priority"] == "elderly"
    assert "Ưu tiên: Người cao tuổi" in shown(app, "where")
    touch(app, "button:done")
    assert app.state.priority is None                        # the next citizen starts without it


@pytest.mark.parametrize("orientation", SIZES)
def test_lookup_ly_lich_leads_to_a_ticket_for_its_service(live_server, make_kiosk, orientation):
    app = make_kiosk(live_server, SIZES[orientation])
    touch(app, "button:lookup")
    assert app.state.screen == "search"
    shot(app, "search-empty")
    type_text(app, "ly lich")
    wait(app, lambda a: a.state.results, what="search results")
    app.step()
    first = [w for w in app.widgets if w.name.startswith("result-name:")][0]
    assert first.text.startswith("Cấp Phiếu lý lịch tư pháp")
    shot(app, "search")
    touch(app, first.name.replace("result-name:", "result:"))
    assert app.state.screen == "procedure"
    details = [d.text for d in app.drawn if d.name == "detail"]
    assert details[0] == "Hồ sơ cần chuẩn bị" and any(t.startswith("• Tờ khai") for t in details)
    assert any(t.startswith("Phí, lệ phí: ") for t in details)
    assert any(t.startswith("Thời hạn giải quyết: ") for t in details)
    shot(app, "procedure")
    touch(app, "take")
    wait(app, lambda a: a.state.screen == "result", what="the ticket")
    assert app.state.ticket["service"] == "TP.LLTP"


def test_the_tone_keys_type_vietnamese(live_server, make_kiosk):
    app = make_kiosk(live_server)
    touch(app, "button:lookup")
    type_text(app, "ly")
    touch(app, "key:sac")
    type_text(app, " lich")
    touch(app, "key:nang")
    assert app.state.query == "lý lịch"
    assert shown(app, "search_box") == "lý lịch|"
    touch(app, "key:back")
    assert app.state.query == "lý lịc"


@pytest.mark.parametrize("orientation", SIZES)
def test_english_toggle(live_server, make_kiosk, orientation):
    app = make_kiosk(live_server, SIZES[orientation])
    touch(app, "lang")
    assert shown(app, "title") == "Take a ticket" and shown(app, "lang") == "Tiếng Việt"
    assert "Department of Justice" in texts(app)
    shot(app, "home-en")
    touch(app, "tile:TP")
    assert "Criminal record certificates" in texts(app)
    touch(app, "service:TP.LLTP")
    wait(app, lambda a: a.state.printing == "printed")
    assert shown(app, "label") == "YOUR NUMBER" and shown(app, "print_status") == "Please take your ticket below"
    shot(app, "result-en")
    touch(app, "lang")
    assert shown(app, "label") == "SỐ THỨ TỰ CỦA ÔNG/BÀ"


def test_counts_on_the_tiles_follow_the_hall(live_server, make_kiosk, cfg):
    app = make_kiosk(live_server)
    assert shown(app, "tile-waiting:XD") == "Đang chờ: 0"
    other = {"Authorization": f"Bearer {cfg.devices.kiosks[1].token}"}
    for _ in range(3):
        requests.post(f"{live_server.url}/api/tickets", json={"service": "XD.HDXD"}, headers=other,
                      timeout=10).raise_for_status()
    wait(app, lambda a: shown(a, "tile-waiting:XD") == "Đang chờ: 3", what="three waiting at Xây dựng")


def test_a_closed_service_is_shown_closed_and_says_so(live_server, make_kiosk):
    app = make_kiosk(live_server)
    boss = live_server.sign_in(role="supervisor")
    requests.post(f"{live_server.url}/api/services/TP.LLTP/open", json={"open": False},
                  headers={"Authorization": f"Bearer {boss['token']}"}, timeout=10).raise_for_status()
    touch(app, "tile:TP")
    wait(app, lambda a: shown(a, "service-figures:TP.LLTP") == "Tạm ngừng tiếp nhận", what="the closed service")
    touch(app, "service:TP.LLTP")
    assert app.state.screen == "unit" and app.state.notice
    assert "đang tạm ngừng tiếp nhận" in shown(app, "notice")
    shot(app, "service-closed")
    assert waiting(live_server, "TP.LLTP") == 0
    touch(app, "button:dismiss")
    assert app.state.notice is None


# --- idle and time ----------------------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_anywhere_goes_home_and_the_result_times_out(live_server, make_kiosk):
    clock = Clock()
    app = make_kiosk(live_server, clock=clock)
    idle, result = app.settings.idle_s, app.settings.result_s
    touch(app, "button:priority")
    touch(app, "category:pregnant")
    touch(app, "tile:YT")
    clock.now += idle - 1
    app.step()
    assert app.state.screen == "unit"
    clock.now += 2
    app.step()
    assert app.state.screen == "home" and app.state.priority is None
    touch(app, "button:lookup")
    type_text(app, "dat")
    clock.now += idle + 1
    app.step()
    assert app.state.screen == "home" and app.state.query == ""
    touch(app, "tile:YT")
    touch(app, "service:YT.KCB")
    wait(app, lambda a: a.state.printing == "printed")
    clock.now += result - 1
    app.step()
    assert app.state.screen == "result"
    clock.now += 2
    app.step()
    assert app.state.screen == "home"


# --- the hall away or closed ------------------------------------------------------------------------------------
@pytest.mark.parametrize("orientation", SIZES)
def test_server_down_shows_temporarily_unavailable_and_never_numbers_a_ticket(live_server, make_kiosk, orientation):
    app = make_kiosk(live_server, SIZES[orientation])
    touch(app, "tile:TP")
    live_server.kill()
    touch(app, "service:TP.LLTP")                            # before the kiosk has noticed
    wait(app, lambda a: a.state.screen == "offline", what="the offline screen")
    assert shown(app, "message") == "Tạm thời gián đoạn"
    assert app.state.ticket is None
    assert not [w for w in app.widgets if w.action and w.name != "lang"]     # nothing to press but the language
    shot(app, "offline")
    live_server.start()
    wait(app, lambda a: a.state.screen == "home", seconds=30, what="reconnection")
    assert waiting(live_server, "TP.LLTP") == 0                # no ticket was made while it was away


def closed_hours(tz: str) -> list[dict]:
    """One short session that does not include the present time (in the hall's time zone)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    now = datetime.now(ZoneInfo(tz))
    start = (now + timedelta(hours=2)).replace(minute=0)
    if start.date() != now.date() or start.hour >= 23:
        start = now.replace(hour=0, minute=0) if now.hour >= 3 else now.replace(hour=20, minute=0)
    end = start + timedelta(minutes=30)
    return [{"name": "Buổi thử", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}]


@pytest.mark.parametrize("orientation", SIZES)
def test_outside_opening_hours_the_kiosk_says_closed(make_server, make_kiosk, cfg, orientation):
    server = make_server(**{"hours.enforce": True, "hours.days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                            "hours.holidays": [], "hours.sessions": closed_hours(cfg.centre.timezone)})
    app = make_kiosk(server, SIZES[orientation])
    assert app.state.screen == "closed"
    assert shown(app, "message") == "Đã ngừng cấp số thứ tự"
    assert shown(app, "detail").startswith("Ngoài giờ làm việc")
    assert not [w for w in app.widgets if w.name.startswith("tile:")]
    shot(app, "closed")
    touch(app, "button:lookup")                              # looking up still works, taking a number does not
    type_text(app, "ly lich")
    wait(app, lambda a: a.state.results)
    app.step()
    touch(app, [w.name for w in app.widgets if w.name.startswith("result:")][0])
    assert shown(app, "take").startswith("Ngoài giờ làm việc")
    touch(app, "take")
    assert app.state.notice and app.state.screen == "procedure"
    assert waiting(server, "TP.LLTP") == 0
    touch(app, "lang")                                       # the first touch only closes the message
    assert app.state.notice is None and app.state.lang == "vi"
    touch(app, "lang")
    touch(app, "button:home")
    assert shown(app, "message") == "Tickets are not being issued now"
    assert shown(app, "detail").startswith("Outside opening hours")
