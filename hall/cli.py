"""The `motcua` command: serve the hall, check its config, manage users, and the device apps."""
from __future__ import annotations

import getpass
import importlib
import os
import sys

import click

from .config import ConfigError, default_config_path, load_config

config_option = click.option("--config", "config_path", default=None, envvar="MOTCUA_CONFIG",
                             help="config.yaml of the hall (default: the bundled one)")


@click.group()
def main():
    """Một Cửa — queue management for one-stop public-administration service halls."""


def _load(config_path, catalogue: bool = False):
    """The config (and, if asked, the procedure catalogue it names), or the problems and exit 2 — no start."""
    path = config_path or default_config_path()
    try:
        cfg = load_config(path)
        if catalogue:
            from .catalogue import catalogue_path, load_catalogue
            where = catalogue_path(path, cfg)
            if where.exists():
                return cfg, load_catalogue(str(where), cfg)
        return (cfg, None) if catalogue else cfg
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


def _hall(config_path, served_at=None):
    """The hall on its config and database (hall/bootstrap.py; no web server), or the problem and exit 2."""
    from .bootstrap import bootstrap
    from .db.migrate import SchemaError
    cfg = _load(config_path)
    if served_at:  # an unset centre.public_url follows where the server listens (hall/public_url.py)
        from .public_url import with_public_url
        cfg = with_public_url(cfg, *served_at)
    try:
        return bootstrap(cfg, config_path=config_path)
    except ConfigError as exc:  # the catalogue it names
        click.echo(str(exc), err=True)
        sys.exit(2)
    except SchemaError as exc:
        click.echo(f"error: {exc.explain(_migrate_command(config_path))}", err=True)
        sys.exit(2)


def _migrate_command(config_path) -> str:
    return "motcua migrate" + (f" --config {config_path}" if config_path else "")


def migrate_database(config_path) -> str:
    """Bring the config's database to the newest schema; says what was done."""
    from alembic.util import CommandError

    from .bootstrap import open_database
    from .db.migrate import upgrade
    cfg = _load(config_path)
    db = open_database(cfg, config_path)
    try:
        before, after = upgrade(db)
    except CommandError as exc:  # e.g. a database migrated by a newer version
        click.echo(f"error: {_safe(db.url)}: {exc}", err=True)
        sys.exit(2)
    finally:
        db.dispose()
    if before == after:
        return f"the database is at the newest schema ({after}): {_safe(db.url)}"
    return f"migrated the database from schema {before or 'none'} to {after}: {_safe(db.url)}"


@main.command("check-config")
@config_option
def check_config(config_path):
    """Validate config.yaml (and the procedure catalogue) without starting."""
    cfg, catalogue = _load(config_path, catalogue=True)
    counters = len(cfg.counters)
    services = sum(len(u.services) for u in cfg.units)
    click.echo(f"{config_path or default_config_path()}: OK — {len(cfg.units)} units, {services} services, "
               f"{counters} counters, {len(cfg.devices.kiosks)} kiosks, {len(cfg.devices.displays)} displays, "
               f"{len(cfg.devices.pads)} pads"
               + (f", {len(catalogue.procedures)} procedures" if catalogue is not None else ", no catalogue"))
    from .public_url import advice
    if advice(cfg.centre.public_url):
        click.echo(advice(cfg.centre.public_url), err=True)


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--async-mode", type=click.Choice(["gevent", "threading"]), envvar="MOTCUA_ASYNC_MODE",
              default="gevent", show_default=True,
              help="gevent: gevent's WSGI server (docs/benchmarks.md); threading: Werkzeug's, for debugging")
def serve(config_path, host, port, async_mode):
    """Run the hall server (database from the config or MOTCUA_DATABASE_URL)."""
    if async_mode == "gevent":
        from gevent import monkey
        monkey.patch_all()
    os.environ["MOTCUA_ASYNC_MODE"] = async_mode
    from .daily import start_day_keeper
    # refuses a database behind the code, before anything listens
    hall = _hall(config_path, served_at=(host, port))
    from .app import create_app
    app = create_app(hall=hall)
    socketio = app.extensions["socketio"]
    start_day_keeper(hall, socketio)
    from .reports.outbox import start_webhook_worker
    start_webhook_worker(hall, socketio)
    from .accounts import ensure_admin
    password = ensure_admin(hall)
    if password:
        click.echo(f"First start: created the user 'admin' with the password {password} — shown only now; "
                   "sign in at /supervisor and add the clerks.")
    base = f"http://{host}:{port}"
    click.echo(f"Một Cửa hall server — {hall.cfg.centre.name}\n  database: {_safe(hall.db.url)}\n"
               f"  API:      {base}/api/services   (OpenAPI: {base}/api/openapi.json)\n"
               f"  pages:    {base}/   (counter panel, supervisor, ticket pages)\n"
               f"  tickets:  {hall.cfg.centre.public_url}/t/…   (the QR code on each ticket: centre.public_url)")
    from .public_url import advice
    if advice(hall.cfg.centre.public_url):
        click.echo(advice(hall.cfg.centre.public_url), err=True)
    sys.stdout.flush()
    from .serving import serve as serve_forever
    serve_forever(app, socketio, host, port, async_mode)


def _safe(url: str) -> str:
    import re
    return re.sub(r"://([^:/@]+):[^@]+@", r"://\1:***@", url)


@main.group()
def user():
    """Manage clerks, supervisors and admins."""


@user.command("add")
@config_option
@click.argument("username")
@click.option("--role", type=click.Choice(["clerk", "supervisor", "admin"]), required=True)
@click.option("--password", default=None, help="the password (default: read from standard input)")
@click.option("--name", "full_name", default="", help="the person's full name")
def user_add(config_path, username, role, password, full_name):
    """Add a user; the password comes from --password or standard input."""
    from . import accounts
    from .domain.errors import QueueError
    if password is None:
        password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    hall = _hall(config_path)
    try:
        accounts.add_user(hall, username, password, role, full_name)
    except QueueError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"added {role} '{username}'")


@user.command("list")
@config_option
def user_list(config_path):
    """List users."""
    from . import accounts
    hall = _hall(config_path)
    for u in accounts.list_users(hall):
        click.echo(f"{u['username']:20} {u['role']:11} {'active' if u['active'] else 'disabled':9} {u['full_name']}")


@user.command("passwd")
@config_option
@click.argument("username")
@click.option("--password", default=None)
def user_passwd(config_path, username, password):
    """Set a user's password (from --password or standard input)."""
    from . import accounts
    from .domain.errors import QueueError
    if password is None:
        password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    hall = _hall(config_path)
    try:
        accounts.set_password(hall, username, password)
    except QueueError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"password of '{username}' changed")


@user.command("disable")
@config_option
@click.argument("username")
def user_disable(config_path, username):
    """Stop a user from signing in."""
    from . import accounts
    hall = _hall(config_path)
    accounts.set_active(hall, username, False)
    click.echo(f"'{username}' disabled")


@user.command("unlock")
@config_option
@click.argument("username", required=False)
@click.option("--address", default=None, help="lift the lock on this client address instead (or as well)")
def user_unlock(config_path, username, address):
    """Lift a sign-in lock (too many wrong passwords) on a user or an address."""
    from .domain.errors import QueueError
    hall = _hall(config_path)
    try:
        lifted = hall.sign_in_limits.lift(username, address)
    except QueueError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    for lock in lifted:
        click.echo(f"unlocked {lock['kind']} '{lock['subject']}'")


@main.command("migrate")
@config_option
def migrate(config_path):
    """Bring the database to the newest schema (back it up first): serve refuses a database behind the code."""
    click.echo(migrate_database(config_path))


@main.command("close-day")
@config_option
def close_day(config_path):
    """Cancel tickets left open from earlier days (serve does this at midnight)."""
    hall = _hall(config_path)
    click.echo(f"closed {hall.close_day()} ticket(s) left from earlier days")


# The device apps and the reports add their commands from their own packages as they land.
for _name in ("hall.run", "kiosk.cli", "display.cli", "hall.reports.cli"):
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _exc:
        if not (_name + ".").startswith(_exc.name + "."):
            raise
        continue
    for _command in _module.commands:
        main.add_command(_command)

