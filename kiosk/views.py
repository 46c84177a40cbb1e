"""Each kiosk screen laid out as widgets for a screen of any size: `layout(state, width, height, centre)`.

Pure functions of the state (no pygame): the app draws the widgets and hit-tests touches against them, and the
tests read them to see what a screen shows.
"""
from __future__ import annotations

from kiosk import keyboard
from kiosk.state import KioskState
from kiosk.text import name_of, say, wait_text
from kiosk.widgets import (BAR, FAULT, GO, GREY, INK, LOOKUP, MUTED, PAPER, PRIORITY, PRIORITY_INK, TARGET, WARN, WHITE,
                           Frame, Widget, grid, inset, rows)


def layout(state: KioskState, width: int, height: int, centre: str = "") -> list[Widget]:
    f = Frame(width, height)
    screen = state.screen
    out = [Widget((0, 0, width, height), bg=PAPER, name="background")]
    out += SCREENS[screen](state, f)
    out += f.header(title_of(state, screen), centre, state.lang)
    if state.notice:
        out += notice(state, f)
    return out


def title_of(state: KioskState, screen: str) -> str:
    if screen == "unit" and state.unit_info():
        return name_of(state.unit_info(), state.lang)
    return say({"home": "title", "unit": "title", "priority": "priority", "search": "lookup", "procedure": "lookup",
                "busy": "title", "result": "title", "offline": "offline", "connecting": "title",
                "closed": "closed"}[screen], state.lang)


def home(state: KioskState, f: Frame) -> list[Widget]:
    lang, g = state.lang, f.gap
    x, y, w, h = f.body
    out = []
    line = state.priority_name() and say("priority_for", lang, name=state.priority_name())
    fault = state.desk.fault
    if fault is not None:
        text = say("printer_down", lang, message=fault.message_en if lang == "en" else fault.message_vi)
        out.append(Widget((x, y + h - f.px(6), w, f.px(6)), text, bg=FAULT if fault.blocking else WARN, fg=WHITE,
                          size=f.px(3), bold=True, name="printer_banner"))
        h -= f.px(6) + g
    if line:
        out.append(Widget((x, y, w - f.px(30) - g, f.px(TARGET)), line, bg=PRIORITY, fg=PRIORITY_INK,
                          size=f.px(3.6), bold=True, name="priority_banner", pad=g))
        out.append(Widget((x + w - f.px(30), y, f.px(30), f.px(TARGET)), say("cancel_priority", lang),
                          ("no_priority",), bg=WHITE, fg=INK, border=INK, size=f.px(3.4), bold=True))
        y, h = y + f.px(TARGET) + g, h - f.px(TARGET) - g
    else:
        out.append(Widget((x, y, w, f.px(5)), say("choose_unit", lang), fg=INK, size=f.px(3.4), name="hint"))
        y, h = y + f.px(5) + g, h - f.px(5) - g
    cols = 3 if f.portrait else 6
    for unit, cell in zip(state.units, grid((x, y, w, h), len(state.units), cols, g)):
        out += tile(state, f, unit, cell)
    buttons = [(f"{say('priority', lang)}: {say('priority_hint', lang)}", ("priority",), PRIORITY, PRIORITY_INK, 3),
               (say("lookup", lang), ("lookup",), LOOKUP, WHITE, 2)]
    if state.priority:
        buttons = buttons[1:]
    return out + f.footer(buttons)


def tile(state: KioskState, f: Frame, unit: dict, cell) -> list[Widget]:
    lang, fig = state.lang, state.unit_figures(unit)
    bg = unit.get("color") or BAR if fig["open"] else GREY
    x, y, w, h = cell
    pad = f.px(1)
    name_h = round(h * 0.58)
    figures = say("waiting", lang, n=fig["waiting"])
    second = say("wait", lang, wait=wait_text(fig["estimated_wait_s"], lang)) if fig["open"] else say("paused", lang)
    return [
        Widget(cell, action=("unit", unit["code"]), bg=bg, name=f"tile:{unit['code']}"),
        Widget((x + pad, y + pad, w - 2 * pad, name_h - pad), name_of(unit, lang, short=True), fg=WHITE,
               size=f.px(3.6), bold=True, name=f"tile-name:{unit['code']}"),
        Widget((x + pad, y + name_h, w - 2 * pad, round((h - name_h) / 2)), figures, fg=WHITE, size=f.px(3),
               bold=True, name=f"tile-waiting:{unit['code']}"),
        Widget((x + pad, y + name_h + round((h - name_h) / 2), w - 2 * pad, round((h - name_h) / 2) - pad), second,
               fg=WHITE, size=f.px(2.6), name=f"tile-wait:{unit['code']}"),
    ]


def unit(state: KioskState, f: Frame) -> list[Widget]:
    lang, g = state.lang, f.gap
    info = state.unit_info()
    if info is None:
        return f.nav(lang)
    x, y, w, h = f.body
    out = [Widget((x, y, w, f.px(6)), say("choose_service", lang), size=f.px(3.6), name="hint")]
    if state.priority:
        out[0] = Widget((x, y, w, f.px(6)), say("priority_for", lang, name=state.priority_name()), bg=PRIORITY,
                        fg=PRIORITY_INK, size=f.px(3.4), bold=True, name="priority_banner")
    y, h = y + f.px(6) + g, h - f.px(6) - g
    for svc, cell in zip(info["services"], rows((x, y, w, h), len(info["services"]), g, most=f.px(20))):
        fig = state.figure(svc)
        bg = info.get("color") or BAR if fig["open"] else GREY
        cx, cy, cw, ch = cell
        side = round(cw * 0.32)
        figures = (say("waiting", lang, n=fig["waiting"]) + "\n" +
                   say("wait", lang, wait=wait_text(fig["estimated_wait_s"], lang))) if fig["open"] \
            else say("paused", lang)
        out += [Widget(cell, action=("service", svc["code"]), bg=bg, name=f"service:{svc['code']}"),
                Widget((cx + g, cy, cw - side - 2 * g, ch), name_of(svc, lang), fg=WHITE, size=f.px(4.4),
                       bold=True, align="left", name=f"service-name:{svc['code']}"),
                Widget((cx + cw - side, cy, side - g, ch), figures, fg=WHITE, size=f.px(3.2),
                       name=f"service-figures:{svc['code']}")]
    return out + f.nav(lang)


def priority(state: KioskState, f: Frame) -> list[Widget]:
    lang, g = state.lang, f.gap
    x, y, w, h = f.body
    out = [Widget((x, y, w, f.px(6)), say("choose_priority", lang), size=f.px(3.8), bold=True, name="hint")]
    cells = rows((x, y + f.px(6) + g, w, h - f.px(6) - g), len(state.priorities), g, most=f.px(16))
    for cat, cell in zip(state.priorities, cells):
        out.append(Widget(cell, name_of(cat, lang), ("category", cat["code"]), bg=PRIORITY, fg=PRIORITY_INK,
                          size=f.px(4.6), bold=True, border=INK, name=f"category:{cat['code']}", pad=g))
    return out + f.nav(lang)


def search(state: KioskState, f: Frame) -> list[Widget]:
    lang, g = state.lang, f.gap
    x, y, w, h = f.body
    box = (x, y, w, f.px(9))
    text = state.query + "|" if state.query else say("lookup_hint", lang)
    out = [Widget(box, text, bg=WHITE, fg=INK if state.query else MUTED, border=BAR, size=f.px(4.2),
                  align="left", name="search_box", pad=g)]
    y, h = y + f.px(9) + g, h - f.px(9) - g
    if f.portrait:
        keys_rect = (x, y + h - f.px(60), w, f.px(60))
        results_rect = (x, y, w, h - f.px(60) - g)
    else:
        keys_rect = (x, y, round(w * 0.55), h)
        results_rect = (x + round(w * 0.55) + g, y, w - round(w * 0.55) - g, h)
    out += keys(f, keys_rect, lang)
    if state.query and not state.results and state.search_due is None:
        out.append(Widget(results_rect[:3] + (f.px(10),), say("no_results", lang), fg=MUTED, size=f.px(3.6),
                          name="no_results"))
    cells = rows(results_rect, max(4, len(state.results)), g, most=f.px(16))
    for i, (proc, cell) in enumerate(zip(state.results, cells)):
        unit = state.unit_info(proc["unit"])
        where = name_of(unit, lang, short=True) if unit else proc["unit"]
        out += [Widget(cell, action=("procedure", i), bg=WHITE, border=BAR, name=f"result:{proc['code']}"),
                Widget(inset(cell, g)[:3] + (round(cell[3] * 0.62),), proc["name"], size=f.px(3.2), bold=True,
                       align="left", name=f"result-name:{proc['code']}"),
                Widget((cell[0] + g, cell[1] + round(cell[3] * 0.62), cell[2] - 2 * g, round(cell[3] * 0.34)), where,
                       fg=MUTED, size=f.px(2.8), align="left")]
    return out + f.nav(lang)


def keys(f: Frame, rect, lang: str) -> list[Widget]:
    x, y, w, h = rect
    g = max(2, f.gap // 2)
    out = []
    lines = keyboard.ROWS
    rh = (h - g * (len(lines) - 1)) / len(lines)
    for r, line in enumerate(lines):
        for c, cell in enumerate(grid((x, round(y + r * (rh + g)), w, round(rh)), len(line), len(line), g, rows=1)):
            key = line[c]
            tone = key in keyboard.TONES
            out.append(Widget(cell, keyboard.label(key, lang), ("key", key), bg="#fff3e0" if tone else WHITE,
                              border=MUTED, size=f.px(4.4 if len(key) == 1 else 3.2), bold=True, name=f"key:{key}"))
    return out


def procedure(state: KioskState, f: Frame) -> list[Widget]:
    lang, g, proc = state.lang, f.gap, state.procedure
    x, y, w, h = f.body
    unit, svc = state.unit_info(proc["unit"]), state.service_info(proc["service"])
    where = say("unit_service", lang, unit=name_of(unit, lang) if unit else proc["unit"],
                service=name_of(svc, lang) if svc else proc["service"])
    out = [Widget((x, y, w, f.px(14)), proc["name"], size=f.px(4.6), bold=True, align="left", name="procedure_name"),
           Widget((x, y + f.px(14), w, f.px(5)), where, fg=MUTED, size=f.px(3.2), align="left", name="where")]
    y += f.px(19) + g
    button_h = f.px(14)
    lines = [(say("documents", lang), True)] + [(f"• {d}", False) for d in proc.get("documents", [])]
    lines += [(say("fee", lang, fee=proc.get("fee") or "—"), False),
              (say("time_limit", lang, t=proc.get("time_limit") or "—"), False)]
    room = y + h - f.px(19) - g - button_h - g - y
    for (text, bold), cell in zip(lines, rows((x, y, w, room), len(lines), max(2, g // 3), most=f.px(9))):
        out.append(Widget(cell, text, size=f.px(3.2), bold=bold, align="left", name="detail"))
    fig = state.figure(svc) if svc else {"open": False}
    ok = state.issuing and fig["open"]
    label = say("take_ticket", lang) if ok else (state.closed_text() if not state.issuing else say("paused", lang))
    out.append(Widget((x, f.h - f.footer_h - g - button_h, w, button_h), label, ("take", proc["service"]),
                      bg=GO if ok else GREY, fg=WHITE, size=f.px(5), bold=True, name="take"))
    return out + f.nav(lang)


def busy(state: KioskState, f: Frame) -> list[Widget]:
    return [Widget(f.body, say("issuing", state.lang), size=f.px(7), bold=True, name="busy")]


def result(state: KioskState, f: Frame) -> list[Widget]:
    lang, g, t = state.lang, f.gap, state.ticket
    x, y, w, h = f.body
    qr_side = f.px(34)
    if f.portrait:
        main, side = (x, y, w, round(h * 0.42)), (x, y + round(h * 0.42) + g, w, qr_side + f.px(6))
        info_y = side[1] + side[3] + g
        info = (x, info_y, w, y + h - info_y)
    else:
        main, side = (x, y, round(w * 0.62), round(h * 0.62)), (x + round(w * 0.62) + g, y, w - round(w * 0.62) - g,
                                                                  round(h * 0.62))
        info = (x, y + main[3] + g, w, h - main[3] - g)
    mx, my, mw, mh = main
    where = f"{t['unit_name']} — {t['service_name']}"
    out = [Widget((mx, my, mw, round(mh * 0.14)), say("your_number", lang), size=f.px(4.4), bold=True, name="label"),
           Widget((mx, my + round(mh * 0.14), mw, round(mh * 0.56)), t["number"], fg=BAR, size=f.px(30), bold=True,
                  name="number"),
           Widget((mx, my + round(mh * 0.70), mw, round(mh * 0.30)), where, size=f.px(3.6), bold=True, name="where")]
    if t.get("priority_name"):
        out[-1].text += f"\n{say('priority', lang)}: {t['priority_name']}"
    sx, sy, sw, sh = side
    out += [Widget((sx + (sw - qr_side) // 2, sy, qr_side, qr_side), qr=t["status_url"], name="qr"),
            Widget((sx, sy + qr_side, sw, f.px(6)), say("scan", lang), size=f.px(3), name="scan")]
    ahead = say("ahead", lang, n=t["people_ahead"]) if t["people_ahead"] else say("ahead_none", lang)
    counters = ", ".join(c["label"] for c in t.get("counters") or [])
    lines = [(ahead, "ahead"), (say("estimated", lang, wait=wait_text(t["estimated_wait_s"], lang)), "estimated"),
             (say("watch", lang, counters=counters), "counters")]
    ix, iy, iw, ih = info
    status_h = f.px(12)
    for (text, name), cell in zip(lines, rows((ix, iy, iw, ih - status_h - g), 3, g // 2, most=f.px(7))):
        out.append(Widget(cell, text, size=f.px(4), bold=name == "ahead", name=name))
    fault = state.print_fault
    if state.printing == "fault" and fault is not None:
        msg = fault.message_en if lang == "en" else fault.message_vi
        out.append(Widget((ix, iy + ih - status_h, iw, status_h), say("print_fault", lang, message=msg), bg=FAULT,
                          fg=WHITE, size=f.px(3.4), bold=True, name="print_status", pad=g))
    else:
        key = "printed" if state.printing == "printed" else "printing"
        out.append(Widget((ix, iy + ih - status_h, iw, status_h), say(key, lang), bg=GO, fg=WHITE, size=f.px(4.4),
                          bold=True, name="print_status", pad=g))
    return out + f.footer([(say("done", lang), ("done",), BAR, WHITE, 1)])


def message_screen(title_key: str, detail: str):
    def draw(state: KioskState, f: Frame) -> list[Widget]:
        x, y, w, h = f.body
        out = [Widget((x, y + h // 4, w, f.px(14)), say(title_key, state.lang), fg=FAULT if title_key == "offline"
                      else INK, size=f.px(9), bold=True, name="message")]
        text = detail(state) if callable(detail) else say(detail, state.lang)
        if text:
            out.append(Widget((x + f.px(6), y + h // 4 + f.px(16), w - f.px(12), f.px(22)), text, size=f.px(4.2),
                              name="detail"))
        if title_key == "closed":
            out += f.footer([(say("lookup", state.lang), ("lookup",), LOOKUP, WHITE, 1)])
        return out
    return draw


def closed_detail(state: KioskState) -> str:
    reason = state.closed_text()
    if not state.hours or state.hours in reason:
        return reason
    return reason + "\n" + say("hours", state.lang, hours=state.hours)


def notice(state: KioskState, f: Frame) -> list[Widget]:
    w, h = round(f.w * 0.8), f.px(40)
    x, y = (f.w - w) // 2, (f.h - h) // 2
    return [Widget((0, 0, f.w, f.h), action=("dismiss",), name="shade"),
            Widget((x, y, w, h), action=("dismiss",), bg=WHITE, border=FAULT, name="notice_panel"),
            Widget((x, y, w, h - f.px(12)), state.notice, size=f.px(4.4), bold=True, name="notice", pad=f.px(3)),
            Widget((x + w // 2 - f.px(15), y + h - f.px(11), f.px(30), f.px(TARGET)), say("ok", state.lang),
                   ("dismiss",), bg=BAR, fg=WHITE, size=f.px(4), bold=True, name="button:dismiss")]


SCREENS = {"home": home, "unit": unit, "priority": priority, "search": search, "procedure": procedure,
           "busy": busy, "result": result, "offline": message_screen("offline", "offline_detail"),
           "connecting": message_screen("connecting", ""), "closed": message_screen("closed", closed_detail)}
