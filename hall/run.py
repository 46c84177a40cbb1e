"""`motcua run`: the whole hall on one machine — the database brought to the newest schema, the server, and where
there is a screen, a kiosk, the wall display and counter 1's rating pad in windows. What `make run` starts (so a
fresh clone, or one that pulled new migrations, needs no manual step).

Ctrl-C (SIGINT) or SIGTERM (what systemd sends) stops them all: each child runs in its own process group, gets
SIGTERM, is waited for, and is killed if it is still there after a grace period. A busy port is refused before
anything starts. If the server dies on its own, the screens are stopped and `motcua run` exits non-zero.
"""
from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time

import click

from .config import default_config_path

GRACE_S = 10.0  # how long a child may take to stop after SIGTERM before it is killed


class StopRequest:
    """Set by SIGTERM or SIGINT. The handler only flips a flag (an Event's lock could be held by the very code
    the signal interrupts); the loops that wait look at it every tenth of a second."""

    def __init__(self):
        self.requested = False

    def __call__(self, signum, frame):
        self.requested = True

    def wait(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.requested and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        return self.requested


def port_taken(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (the same bind it will do), or None when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use (another hall server?): stop it or choose --port"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def _wait_for(port: int, proc: subprocess.Popen, stop: StopRequest, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not stop.requested:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            stop.wait(0.2)
    return False


def has_screen() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and \
        os.environ.get("SDL_VIDEODRIVER") != "dummy"


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if `motcua run` itself dies without stopping it (kill -9)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start(args: list[str]) -> subprocess.Popen:
    """A child in a process group of its own: a terminal's Ctrl-C reaches only `motcua run`, which stops the
    children itself, and whatever a child starts is stopped with it."""
    return subprocess.Popen(args, start_new_session=True,
                            preexec_fn=_die_with_parent if sys.platform == "linux" else None)


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def stop_all(children: list[subprocess.Popen], grace: float = GRACE_S) -> None:
    """SIGTERM to every child's process group (screens first, the server last), wait, then SIGKILL what is left."""
    for p in reversed(children):
        _signal_group(p, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in children:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            click.echo(f"{p.args[3]} (pid {p.pid}) did not stop in {grace:.0f} s: killed", err=True)
        _signal_group(p, signal.SIGKILL)  # the child, or anything it left in its group
        p.wait()


@click.command("run")
@click.option("--config", "config_path", default=None, envvar="MOTCUA_CONFIG", help="config.yaml of the hall")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--screens/--no-screens", default=None, help="start kiosk, display and pad windows (default: when "
              "there is a screen)")
def run_command(config_path, port, screens):
    """The whole hall on this machine: migrate the database, then server, kiosk, wall display and a rating pad."""
    from .cli import migrate_database
    config_path = config_path or default_config_path()
    busy = port_taken("127.0.0.1", port)
    if busy:
        raise click.ClickException(busy)
    click.echo(migrate_database(config_path))
    me = [sys.executable, "-m", "hall"]
    url = f"http://127.0.0.1:{port}"
    children: list[subprocess.Popen] = []
    stop = StopRequest()
    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        children.append(start(me + ["serve", "--config", config_path, "--port", str(port)]))
        if not _wait_for(port, children[0], stop):
            if stop.requested:
                return
            raise click.ClickException("the hall server did not start (see above)")
        screens = has_screen() if screens is None else screens
        common = ["--server", url, "--config", config_path]
        if screens:
            children.append(start(me + ["kiosk", "--windowed", "--size", "1280x720"] + common))
            children.append(start(me + ["display", "--windowed", "--size", "1366x768"] + common))
            children.append(start(me + ["pad", "--counter", "1", "--windowed", "--size", "800x480"] + common))
            click.echo("Started the kiosk, the wall display and counter 1's rating pad in windows.")
        else:
            click.echo("No screen here: start the screens on a machine with one, pointing at this server:\n"
                       f"  motcua kiosk --server {url}\n  motcua display --server {url}\n"
                       f"  motcua pad --counter 1 --server {url}")
        click.echo(f"Counter panel {url}/counter · Supervisor {url}/supervisor · Reports {url}/reports/ · "
                   "Ctrl-C stops the hall.")
        sys.stdout.flush()
        while children[0].poll() is None and not stop.wait(0.5):
            pass
        if not stop.requested:
            raise click.ClickException(f"the hall server stopped (exit status {children[0].returncode})")
    finally:
        stop_all(children)  # a second signal while stopping changes nothing: the grace period still ends it
        for s, handler in previous.items():
            signal.signal(s, handler)
    click.echo("The hall is stopped.")  # (not reached when the server failed: that exits non-zero above)


commands = [run_command]
