"""`motcua run` (hall/run.py): SIGTERM — what systemd sends — stops the server and every screen it started, and a
busy port is one line and a non-zero exit before anything starts."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, free_port, open_config, wait_for

pytestmark = [pytest.mark.live, pytest.mark.skipif(not Path("/proc/self/task").is_dir(),
                                                   reason="reads the process tree from /proc")]


def descendants(pid: int) -> set[int]:
    """Every process below pid, from /proc/<pid>/task/<tid>/children."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += list(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that does not reap is not running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def running(run: subprocess.Popen, log: Path, condition):
    """The condition, for wait_for — failing at once, with the log, if `motcua run` has exited."""
    def check():
        if run.poll() is not None:
            raise AssertionError(f"motcua run exited ({run.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        return condition()
    return check


def screen_env() -> dict:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigterm_stops_the_server_and_every_screen(tmp_path):
    port = free_port()
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        run = subprocess.Popen([sys.executable, "-m", "hall", "run", "--config", str(open_config(tmp_path)),
                                "--port", str(port), "--screens"], cwd=str(ROOT), env=screen_env(), stdout=out,
                               stderr=subprocess.STDOUT)
    seen: set[int] = set()
    try:
        wait_for(running(run, log, lambda: "Started the kiosk" in log.read_text(errors="replace")), 120,
                 "the server and the screens started")
        seen = wait_for(running(run, log, lambda: (lambda d: d if len(d) >= 4 else None)(descendants(run.pid))),
                        30, "the server, kiosk, display and pad running under motcua run")
        # the screens are past their start-up: each has connected to the server
        wait_for(running(run, log, lambda: all(alive(p) for p in seen) and _connections_to(port) >= 3), 90,
                 "kiosk, display and pad connected")
        seen |= descendants(run.pid)
        run.send_signal(signal.SIGTERM)
        assert run.wait(60) == 0, log.read_text()
        wait_for(lambda: not any(alive(p) for p in seen), 15, f"every child of motcua run gone ({seen})")
        assert "The hall is stopped." in log.read_text()
        with socket.socket() as s:  # the port is free again: the next `make run` starts
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(10)
        for pid in seen:  # a failed test leaves nothing behind either
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def _connections_to(port: int) -> int:
    """Established TCP connections from a client to 127.0.0.1:port (from /proc/net/tcp)."""
    target = f"0100007F:{port:04X}"
    n = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[2] == target and fields[3] == "01":  # remote = the server, state ESTABLISHED
            n += 1
    return n


def test_a_busy_port_is_one_line_and_a_non_zero_exit_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "hall", "run", "--config", str(open_config(tmp_path)),
                               "--port", str(port), "--no-screens"], cwd=str(ROOT), env=screen_env(),
                              capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stdout == ""  # nothing started: no "Started …", no server banner
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and "already in use" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_a_server_that_dies_stops_motcua_run_with_a_non_zero_exit(tmp_path):
    port = free_port()
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        run = subprocess.Popen([sys.executable, "-m", "hall", "run", "--config", str(open_config(tmp_path)),
                                "--port", str(port), "--no-screens"], cwd=str(ROOT), env=screen_env(), stdout=out,
                               stderr=subprocess.STDOUT)
    server = None
    try:
        wait_for(running(run, log, lambda: "Ctrl-C stops the hall" in log.read_text(errors="replace")), 120,
                 "the server started")
        server = wait_for(running(run, log, lambda: descendants(run.pid)), 30, "the server under motcua run")
        for pid in server:
            os.kill(pid, signal.SIGKILL)
        assert run.wait(60) == 1
        assert "the hall server stopped" in log.read_text()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(10)
        for pid in server or ():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
