"""`motcua report`: a report for a range of days on the command line, as a table, CSV, XLSX or JSON."""
from __future__ import annotations

import sys

import click

from ..cli import _hall, config_option
from ..domain.errors import QueueError
from . import GROUPINGS, extra_missing


@click.command("report")
@config_option
@click.option("--from", "start", required=True, help="first local day, e.g. 2026-11-01")
@click.option("--to", "end", default=None, help="last local day (default: the first)")
@click.option("--by", type=click.Choice(GROUPINGS), default="unit", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx", "json"]), default="table",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="write to this file (default: standard output; XLSX needs a file)")
@click.option("--rebuild", is_flag=True, help="derive the daily rollup of the range again from the visit log first")
def report_command(config_path, start, end, by, fmt, out, rebuild):
    """Tickets, waiting and service times, ratings and channels per unit, service, counter, clerk, hour or day."""
    from . import export, rollup
    from .make import make_report, parse_day
    if fmt == "xlsx" and not out:
        raise click.UsageError("XLSX is a file: give --out report.xlsx")
    hall = _hall(config_path)
    try:
        if rebuild:
            rollup.rebuild(hall, parse_day(start, "from"), parse_day(end or start, "to"))
        report = make_report(hall, start, end or start, by)
    except QueueError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    try:
        data = export.FORMATS[fmt][0](report, hall.cfg)
    except ModuleNotFoundError as exc:
        click.echo(f"error: {extra_missing(exc)}", err=True)
        sys.exit(1)
    if out:
        with open(out, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        click.echo(f"{out}: {len(report.rows)} row(s) by {by}, {report.start} – {report.end}", err=True)
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        click.echo(data)


commands = [report_command]
