"""What the benchmarks share: a hall server of their own on 127.0.0.1, and percentiles.

The server is `python -m hall serve` on the bundled config with hours not enforced and a fresh data folder, and
each service's number range widened (a 10-second run issues more tickets than a real day's 299 per service).
"""
from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hall.config import parse_config  # noqa: E402

PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_config(folder: Path, **storage) -> tuple[Path, object]:
    """The bundled config, always open, data in `folder`, each prefix group's ranges 100,000 wide."""
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    raw["hours"]["enforce"] = False
    raw["catalogue"] = str(ROOT / raw.get("catalogue", "procedures.yaml"))
    raw.setdefault("storage", {}).update({"data_dir": str(folder / "data"), **storage})
    taken: dict[str, int] = {}
    for unit in raw["units"]:
        for svc in unit["services"]:
            k = taken.get(svc["prefix"], 0)
            svc["start"], svc["end"] = k * 100_000 + 1, (k + 1) * 100_000 - 1
            taken[svc["prefix"]] = k + 1
    path = folder / "config.yaml"
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    cfg = parse_config(text, str(path))
    path.write_text(text, encoding="utf-8")
    return path, cfg


class Server:
    """One `motcua serve` process; `with Server(...) as s:` starts it and stops it."""

    def __init__(self, config: Path, env: dict | None = None, args: tuple = (), own_session: bool = False):
        """own_session: start the server in a session of its own, so that Linux's scheduler (autogroups) shares the
        CPU between it and this process's client threads as between two machines' worth of programs."""
        self.own_session = own_session
        self.config, self.port = config, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.args = list(args)
        self.log = config.parent / f"server-{self.port}.log"
        self.proc = None

    def __enter__(self) -> "Server":
        self.proc = subprocess.Popen([PY, "-m", "hall", "serve", "--config", str(self.config), "--host",
                                      "127.0.0.1", "--port", str(self.port), *self.args], cwd=str(ROOT),
                                     env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     start_new_session=self.own_session)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the hall server exited:\n{self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the hall server did not start in 30 s")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def temp_folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPU ({model}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")
