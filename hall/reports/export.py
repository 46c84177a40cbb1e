"""A report as a text table, CSV, XLSX (openpyxl) or JSON, with Vietnamese and English column names."""
from __future__ import annotations

import csv
import io
import json
from typing import Optional

from .figures import Report

CHANNELS = {"kiosk": ("Ki-ốt", "Kiosk"), "web": ("Trực tuyến", "Web"), "appointment": ("Đặt lịch hẹn", "Appointment"),
            "counter": ("Tại quầy", "At the counter"), "phone": ("Điện thoại", "Phone")}
GROUPS = {"unit": ("Đơn vị", "Unit"), "service": ("Lĩnh vực", "Service"), "counter": ("Quầy", "Counter"),
          "clerk": ("Cán bộ", "Clerk"), "hour": ("Giờ", "Hour"), "day": ("Ngày", "Day")}


def columns(report: Report, cfg) -> list[tuple[str, str, str, str]]:
    """(path, Vietnamese, English, kind) for every column; kind: text, int, min, s, pct."""
    cols = [("label", *GROUPS[report.by], "text"),
            ("issued", "Số phiếu cấp", "Tickets issued", "int"), ("served", "Đã phục vụ", "Served", "int"),
            ("no_show", "Vắng mặt", "No-show", "int"), ("cancelled", "Đã hủy", "Cancelled", "int"),
            ("transferred", "Chuyển quầy, lĩnh vực", "Transferred", "int")]
    for name, vi, en, unit in (("wait", "Thời gian chờ", "Waiting time", "min"),
                               ("walk", "Thời gian đến quầy", "Walk to counter", "s"),
                               ("service", "Thời gian phục vụ", "Service time", "min")):
        u = "phút" if unit == "min" else "giây"
        for stat, svi, sen in (("mean", "trung bình", "mean"), ("median", "trung vị", "median"),
                               ("p90", "P90", "p90"), ("max", "tối đa", "max")):
            cols.append((f"{name}.{stat}", f"{vi} {svi} ({u})", f"{en} {sen} ({unit})", unit))
        if name == "wait":
            cols.append(("within_target", "Chờ trong thời hạn (%)", "Served within target wait (%)", "pct"))
    cols.append(("rated", "Lượt đánh giá", "Ratings", "int"))
    labels = {lvl.value: lvl for lvl in cfg.ratings.levels}
    for value in report.levels:
        lvl = labels.get(value)
        cols.append((f"ratings.{value}", lvl.label if lvl else str(value), lvl.label_en if lvl else str(value), "int"))
    top = " + ".join(labels[v].label for v in report.satisfied_levels if v in labels)
    cols += [("satisfied", f"Hài lòng (%) — {top}", "Satisfied (%) — top two levels", "pct"),
             ("response_rate", "Tỷ lệ đánh giá (%)", "Response rate (%) — ratings / served", "pct")]
    for ch in report.channels:
        vi, en = CHANNELS.get(ch, (ch, ch))
        cols.append((f"channels.{ch}", f"Kênh {vi} (%)", f"Channel {en} (%)", "pct"))
    return cols


def value(row: dict, path: str, kind: str, issued_share: bool = True):
    """The raw figure: seconds for durations, a 0–1 share for percentages (channels as a share of issued)."""
    node = row
    for part in path.split("."):
        node = node.get(int(part) if part.isdigit() else part) if isinstance(node, dict) else None
    if path.startswith("channels."):
        node = (node or 0) / row["issued"] if row["issued"] else None
    return node


def shown(raw, kind: str, digits: int = 1) -> Optional[float]:
    """The figure as shown: minutes, seconds or per cent."""
    if raw is None or kind in ("text", "int"):
        return raw
    return round(raw / 60 if kind == "min" else raw * 100 if kind == "pct" else raw, digits)


def rows_of(report: Report) -> list[dict]:
    return report.rows + [report.total]


def title(report: Report, cfg) -> str:
    span = report.start.isoformat() if report.start == report.end else f"{report.start} – {report.end}"
    return f"{cfg.centre.name} — Báo cáo theo {GROUPS[report.by][0].lower()} ({span})"


SHORT = {"issued": "Issued", "served": "Served", "no_show": "No-show", "cancelled": "Cancel", "transferred": "Transf",
         "wait.mean": "Wait avg", "wait.median": "Wait med", "wait.p90": "Wait p90", "wait.max": "Wait max",
         "within_target": "On time%", "service.mean": "Serve avg", "rated": "Rated", "satisfied": "Satisf%",
         "response_rate": "Resp%"}


def to_table(report: Report, cfg) -> str:
    keep = {"label", "issued", "served", "no_show", "cancelled", "transferred", "wait.mean", "wait.median",
            "wait.p90", "wait.max", "within_target", "service.mean", "rated", "satisfied", "response_rate"}
    cols = [c for c in columns(report, cfg) if c[0] in keep]
    heads = [SHORT.get(c[0], c[2]) for c in cols]
    body = [[_text(shown(value(r, c[0], c[3]), c[3])) for c in cols] for r in rows_of(report)]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(heads)]
    widths[0] = min(widths[0], 40)
    line = lambda cells: "  ".join(  # noqa: E731
        (c[:w].ljust(w) if i == 0 else c.rjust(w)) for i, (c, w) in enumerate(zip(cells, widths)))
    note = "(minutes; On time% = first call within the service's target wait; Satisf% = top two rating levels)"
    return "\n".join([title(report, cfg), note, line(heads), line(["-" * w for w in widths])] + [line(b) for b in body])


def _text(v) -> str:
    return "" if v is None else str(v)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP, CSV injection: what a spreadsheet may run as a formula


def inert(v):
    """Text a spreadsheet would take for a formula (a clerk named "=HYPERLINK(…)") starts with ' instead."""
    return "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v


def _as_text(cell) -> None:
    """An XLSX cell whose text looks like a formula is stored as text (quote-prefixed, as Excel does it)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def to_csv(report: Report, cfg) -> bytes:
    cols = columns(report, cfg)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([inert(f"{vi} / {en}") for _, vi, en, _ in cols])
    for r in rows_of(report):
        writer.writerow([_text(inert(shown(value(r, path, kind), kind, 2))) for path, _, _, kind in cols])
    return out.getvalue().encode("utf-8-sig")  # the BOM lets Excel read Vietnamese


def to_xlsx(report: Report, cfg) -> bytes:
    from openpyxl import Workbook  # the `reports` extra: a server without it still has the table, CSV and JSON
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    cols = columns(report, cfg)
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append([title(report, cfg)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Từ ngày {report.start} đến ngày {report.end} · thời gian chờ, phục vụ: phút; đến quầy: giây"])
    ws.append([vi for _, vi, _, _ in cols])
    ws.append([en for _, _, en, _ in cols])
    for cell in ws[1] + ws[3] + ws[4]:
        _as_text(cell)
    for cell in ws[3] + ws[4]:
        cell.font = Font(bold=True, italic=cell.row == 4)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    formats = {"min": "0.0", "s": "0", "pct": "0.0%", "int": "0", "text": "@"}
    for r in rows_of(report):
        cells = []
        for path, _, _, kind in cols:
            raw = value(r, path, kind)
            cells.append(raw / 60 if kind == "min" and raw is not None else raw)
        ws.append(cells)
        for cell, (_, _, _, kind) in zip(ws[ws.max_row], cols):
            _as_text(cell)
            cell.number_format = formats[kind]
            if r is report.total:
                cell.font = Font(bold=True)
    ws.freeze_panes = "B5"
    ws.column_dimensions["A"].width = 42
    for i in range(2, len(cols) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_json(report: Report, cfg) -> str:
    def clean(obj):
        if isinstance(obj, dict):
            return {str(k): clean(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [clean(v) for v in obj]
        return obj
    return json.dumps({"centre": cfg.centre.name, "from": report.start.isoformat(), "to": report.end.isoformat(),
                       "by": report.by, "satisfied_levels": report.satisfied_levels, "units": "seconds",
                       "rows": clean(report.rows), "total": clean(report.total)}, ensure_ascii=False, indent=1)


FORMATS = {"table": (to_table, "text/plain; charset=utf-8", "txt"), "csv": (to_csv, "text/csv; charset=utf-8", "csv"),
           "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
           "json": (to_json, "application/json", "json")}
