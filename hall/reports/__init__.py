"""Reports and statistics from the visit log (báo cáo, thống kê).

    derive.py   events of a day → its ticket and visit facts (the one place figures come from the log)
    facts.py    the facts as numpy columns; saved per day in report_days (rollup.py)
    figures.py  facts → figures per unit, service, counter, clerk, hour or day
    export.py   table, CSV, XLSX and JSON;  charts.py  matplotlib charts;  web.py, cli.py  the ways in
    outbox.py   ratings and daily summaries posted to the province (signed, retried, deduplicated)

What each figure means, and the retention policy: docs/reports.md.
"""
from __future__ import annotations

# Here rather than in figures.py, so that `motcua report` registers without numpy: a kiosk PC has none.
GROUPINGS = ("unit", "service", "counter", "clerk", "hour", "day")
EXTRA_MODULES = ("matplotlib", "openpyxl")  # the `reports` extra: charts and XLSX


def extra_missing(exc: ModuleNotFoundError) -> str:
    """What to tell someone who asked a server without the `reports` extra for a chart or an XLSX file (any other
    missing module is a real fault, and is raised again)."""
    if (exc.name or "").partition(".")[0] not in EXTRA_MODULES:
        raise exc
    return f"charts and XLSX need the reports extra ({exc.name} is not installed): pip install 'motcua[reports]'"
