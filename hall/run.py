"""`motcua run`: the whole hall on one machine — the database brought to the newest schema, the server, and where
there is a screen, a kiosk, the wall display and counter 1's rating pad in windows. What `make run` starts (so a
fresh clone, or one that pulled new migrations, needs no manual step). Ctrl-C stops them all."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import click

from .config import default_config_path


def _wait_for(port: int, proc: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def has_screen() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and \
        os.environ.get("SDL_VIDEODRIVER") != "dummy"


@click.command("run")
@click.option("--config", "config_path", default=None, envvar="MOTCUA_CONFIG", help="config.yaml of the hall")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--screens/--no-screens", default=None, help="start kiosk, display and pad windows (default: when "
              "there is a screen)")
def run_command(config_path, port, screens):
    """The whole hall on this machine: migrate the database, then server, kiosk, wall display and a rating pad."""
    from .cli import migrate_database
    config_path = config_path or default_config_path()
    click.echo(migrate_database(config_path))
    me = [sys.executable, "-m", "hall"]
    url = f"http://127.0.0.1:{port}"
    children = [subprocess.Popen(me + ["serve", "--config", config_path, "--port", str(port)])]
    try:
        if not _wait_for(port, children[0]):
            raise click.ClickException("the hall server did not start (see above)")
        screens = has_screen() if screens is None else screens
        common = ["--server", url, "--config", config_path]
        if screens:
            children.append(subprocess.Popen(me + ["kiosk", "--windowed", "--size", "1280x720"] + common))
            children.append(subprocess.Popen(me + ["display", "--windowed", "--size", "1366x768"] + common))
            children.append(subprocess.Popen(me + ["pad", "--counter", "1", "--windowed", "--size", "800x480"]
                                             + common))
            click.echo("Started the kiosk, the wall display and counter 1's rating pad in windows.")
        else:
            click.echo("No screen here: start the screens on a machine with one, pointing at this server:\n"
                       f"  motcua kiosk --server {url}\n  motcua display --server {url}\n"
                       f"  motcua pad --counter 1 --server {url}")
        click.echo(f"Counter panel {url}/counter · Supervisor {url}/supervisor · Reports {url}/reports/ · "
                   "Ctrl-C stops the hall.")
        while all(p.poll() is None for p in children[:1]):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in reversed(children):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in children:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


commands = [run_command]
