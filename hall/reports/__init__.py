"""Reports and statistics from the visit log (báo cáo, thống kê).

    derive.py   events of a day → its ticket and visit facts (the one place figures come from the log)
    facts.py    the facts as numpy columns; saved per day in report_days (rollup.py)
    figures.py  facts → figures per unit, service, counter, clerk, hour or day
    export.py   table, CSV, XLSX and JSON;  charts.py  matplotlib charts;  web.py, cli.py  the ways in
    outbox.py   ratings and daily summaries posted to the province (signed, retried, deduplicated)

What each figure means, and the retention policy: docs/reports.md.
"""
