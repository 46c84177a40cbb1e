"""`python -m hall` as an admin runs it: check-config on the bundled and on broken configs, `user add` with the
password on standard input (then that person signs in through the app on the same data folder), bad arguments."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from conftest import ROOT, open_config
from hall import accounts
from hall.app import create_app
from hall.bootstrap import bootstrap
from hall.config import load_config

CONFIG = ROOT / "config.yaml"
TEXT = CONFIG.read_text(encoding="utf-8")


def motcua(*args, stdin: str = "", env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall", *map(str, args)], input=stdin, capture_output=True,
                          text=True, cwd=str(ROOT), timeout=60, env=env)


def no_traceback(run: subprocess.CompletedProcess):
    assert "Traceback" not in run.stderr + run.stdout, run.stderr


def motcua_all(*commands) -> list[subprocess.CompletedProcess]:
    """Several `python -m hall …` at once (each takes most of a second to start)."""
    procs = [subprocess.Popen([sys.executable, "-m", "hall", *map(str, args)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=str(ROOT)) for args in commands]
    out = []
    for args, proc in zip(commands, procs):
        stdout, stderr = proc.communicate(timeout=60)
        out.append(subprocess.CompletedProcess(args, proc.returncode, stdout, stderr))
    return out


BROKEN = [  # (in the bundled config.yaml, replaced by, the key path reported, the problem reported)
    ("{number: 7, label: Quầy 7, unit: TP, services: [TP.LLTP]}",
     "{number: 7, label: Quầy 7, unit: TP, services: [TP.KHONG]}", "counters[6].services[0]",
     "unknown service 'TP.KHONG'"),
    ('start: "07:30"', 'start: "25:30"', "hours.sessions[0].start", "valid time"),
    ("{id: pad-01, counter: 1,", "{id: pad-01, counter: 99,", "devices.pads[0].counter", "unknown counter 99"),
    ("  ratio: 2\n", '  ratio: "hai"\n', "priorities.ratio", "valid integer"),
]


def test_check_config(tmp_path, cfg):
    """The bundled config passes with its counts; each broken one: exit 2, file:line: key path: problem."""
    files = []
    for i, (old, new, _key, _problem) in enumerate(BROKEN):
        assert TEXT.count(old) == 1
        files.append(tmp_path / f"config{i}.yaml")
        files[-1].write_text(TEXT.replace(old, new), encoding="utf-8")
    bad_yaml, missing = tmp_path / "bad.yaml", tmp_path / "khong-co.yaml"
    bad_yaml.write_text(TEXT + "\ncentre: [\n", encoding="utf-8")
    runs = motcua_all(*[("check-config", "--config", f) for f in [CONFIG, *files, bad_yaml, missing]])

    bundled = runs.pop(0)
    assert bundled.returncode == 0, bundled.stderr
    services = sum(len(u.services) for u in cfg.units)
    assert bundled.stdout.strip() == (
        f"{CONFIG}: OK — {len(cfg.units)} units, {services} services, {len(cfg.counters)} counters, "
        f"{len(cfg.devices.kiosks)} kiosks, {len(cfg.devices.displays)} displays, {len(cfg.devices.pads)} pads, "
        f"{len(yaml.safe_load((ROOT / 'procedures.yaml').read_text(encoding='utf-8')))} procedures")
    for (old, _new, key, problem), path, run in zip(BROKEN, files, runs):
        line = TEXT[:TEXT.index(old)].count("\n") + 1
        assert run.returncode == 2 and run.stdout == "", run.stdout
        assert f"{path}:{line}: {key}: " in run.stderr and problem in run.stderr, run.stderr
        no_traceback(run)
    yaml_run, missing_run = runs[-2:]
    assert yaml_run.returncode == 2 and f"{bad_yaml}:" in yaml_run.stderr and "not valid YAML" in yaml_run.stderr
    assert missing_run.returncode == 2 and f"{missing}:" in missing_run.stderr
    assert "cannot read the file" in missing_run.stderr
    no_traceback(yaml_run)
    no_traceback(missing_run)


def test_check_config_checks_the_catalogue(tmp_path):
    config = open_config(tmp_path)
    catalogue = tmp_path / "procedures.yaml"
    catalogue.write_text("- code: X\n  name: 5\n", encoding="utf-8")
    text = config.read_text(encoding="utf-8").replace(str(ROOT / "procedures.yaml"), str(catalogue))
    config.write_text(text, encoding="utf-8")
    run = motcua("check-config", "--config", config)
    assert run.returncode == 2 and f"{catalogue}:2: [0].name" in run.stderr
    no_traceback(motcua("user", "add", "lan", "--role", "clerk", "--config", config, stdin="matkhau123\n"))


def app_on(config, clock):
    """The hall server's app on the same config, so the same data folder, in this process."""
    return create_app(load_config(str(config)), config_path=str(config), clock=clock, testing=True)


def hall_on(config, clock):
    """The hall itself (hall/bootstrap.py) on the same config and data folder, as the command line builds it."""
    return bootstrap(load_config(str(config)), config_path=str(config), clock=clock)


def test_user_add_reads_the_password_from_stdin_and_can_sign_in(tmp_path, clock):
    config = open_config(tmp_path)
    run = motcua("user", "add", "lan", "--role", "clerk", "--name", "Nguyễn Thị Lan", "--config", config,
                 stdin="mat khau dai\n")
    assert run.returncode == 0 and run.stdout.strip() == "added clerk 'lan'", run.stderr
    assert "mat khau dai" not in run.stdout + run.stderr and (tmp_path / "data").is_dir()
    app = app_on(config, clock)
    assert accounts.list_users(app.extensions["motcua.hall"]) == [
        {"username": "lan", "full_name": "Nguyễn Thị Lan", "role": "clerk", "active": True}]
    client = app.test_client()
    good = client.post("/api/login", json={"username": "lan", "password": "mat khau dai", "counter": 3})
    assert good.status_code == 200 and good.get_json()["role"] == "clerk"
    bad = client.post("/api/login", json={"username": "lan", "password": "mat khau da", "counter": 3})
    assert bad.status_code == 401


@pytest.mark.parametrize("args, stdin, code, words", [
    (["--role", "boss"], "matkhau123\n", 2, ["Invalid value for '--role'", "boss"]),
    (["--role", "clerk"], "ngan\n", 1, ["error: a password needs at least 8 characters"]),
    ([], "matkhau123\n", 2, ["Missing option '--role'"]),
])
def test_user_add_refuses_clearly(tmp_path, clock, args, stdin, code, words):
    config = open_config(tmp_path)
    run = motcua("user", "add", "lan", *args, "--config", config, stdin=stdin)
    assert run.returncode == code and run.stdout == ""
    for word in words:
        assert word in run.stderr, run.stderr
    no_traceback(run)
    assert accounts.list_users(hall_on(config, clock)) == []  # nobody was added


def test_user_add_twice(tmp_path, clock):
    config = open_config(tmp_path)
    accounts.add_user(hall_on(config, clock), "lan", "matkhau123", "clerk")
    run = motcua("user", "add", "lan", "--role", "admin", "--config", config, stdin="matkhau456\n")
    assert run.returncode == 1 and "user 'lan' exists already" in run.stderr
    no_traceback(run)
