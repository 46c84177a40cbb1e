"""Sign-in under attack: limits per user and per address (429, Retry-After, in the client's language, nothing
written), locks a supervisor lifts, the same path for unknown users and wrong passwords, NFC passwords, and — on a
real gevent server — kiosks served while a password hash runs.

Passwords are hashed cheaply (one PBKDF2 round) except where the test is about the hashing itself.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import sqlite3
import threading
import time
import unicodedata

import pytest
from click.testing import CliRunner
from werkzeug.security import generate_password_hash

from api_checks import quick_passwords, rows
from conftest import ROOT, open_config
from hall import accounts, passwords
from hall.app import create_app
from hall.cli import main as cli
from hall.lockouts import Throttled

PASSWORD = "matkhau123"
LOGIN = "/api/login"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    quick_passwords(monkeypatch)


@pytest.fixture
def lan(hall):
    accounts.add_user(hall, "lan", PASSWORD, "clerk", "Nguyễn Thị Lan")
    return "lan"


def attempt(client, username, password, address="10.0.0.5", counter=3, **extra):
    return client.post(LOGIN, json={"username": username, "password": password, "counter": counter, **extra},
                       environ_base={"REMOTE_ADDR": address})


# --- per user --------------------------------------------------------------------------------------------------
def test_wrong_passwords_lock_the_user_then_429_with_retry_after_and_nothing_written(api, hall, lan):
    for _ in range(5):
        assert attempt(api, "lan", "doan-sai-1").status_code == 401
    before = rows(hall)
    r = attempt(api, "lan", PASSWORD)  # the right password, too late: no hash is even checked
    assert r.status_code == 429 and r.headers["Retry-After"] == "900"
    out = r.get_json()
    assert out["error"] == "too_many_sign_ins" and out["locked"] == "user" and out["retry_after_s"] == 900
    assert out["message"] == ("Tài khoản bị tạm khóa vì sai mật khẩu nhiều lần. Vui lòng thử lại sau 15 phút hoặc "
                              "nhờ cán bộ giám sát mở khóa.")
    assert rows(hall) == before  # nothing written, not even a failure: the lock doesn't grow
    r = api.post(LOGIN + "?lang=en", json={"username": "lan", "password": PASSWORD, "counter": 3},
                 environ_base={"REMOTE_ADDR": "10.0.0.6"})  # another machine: the user is still locked
    assert r.status_code == 429
    assert r.get_json()["message"] == ("This account is locked after too many wrong passwords. Please try again in "
                                       "15 min or ask a supervisor to unlock it.")


def test_a_lock_ends_by_itself_and_failures_out_of_the_window_are_forgotten(client, hall, clock, lan):
    for _ in range(4):
        assert attempt(client, "lan", "doan-sai-1").status_code == 401
    clock.advance(minutes=16)  # those four are out of the 15-minute window
    for _ in range(4):
        assert attempt(client, "lan", "doan-sai-1").status_code == 401
    assert attempt(client, "lan", "doan-sai-1").status_code == 401  # the fifth within the window: locked now
    assert attempt(client, "lan", PASSWORD).status_code == 429
    clock.advance(minutes=14)
    assert attempt(client, "lan", PASSWORD).headers["Retry-After"] == "60"
    clock.advance(minutes=1)
    assert attempt(client, "lan", PASSWORD).status_code == 200


def test_a_right_password_clears_the_users_count(client, lan):
    for _ in range(4):
        attempt(client, "lan", "doan-sai-1")
    assert attempt(client, "lan", PASSWORD).status_code == 200
    for _ in range(4):
        assert attempt(client, "lan", "doan-sai-1").status_code == 401
    assert attempt(client, "lan", PASSWORD, force=True).status_code == 200


# --- per address -----------------------------------------------------------------------------------------------
def test_one_address_trying_many_usernames_is_locked_others_are_not(client, lan):
    for i in range(20):
        assert attempt(client, f"doan{i}", "doan-sai-1", address="10.9.9.9").status_code == 401
    r = attempt(client, "lan", PASSWORD, address="10.9.9.9")
    assert r.status_code == 429 and r.get_json()["locked"] == "address"
    assert "Máy này bị tạm khóa" in r.get_json()["message"]
    assert attempt(client, "lan", PASSWORD, address="10.0.0.7").status_code == 200  # the clerk at their own PC


def test_guesses_being_checked_count_before_their_answer(hall, lan):
    """A burst sent at once can't all pass the check before the first failure is written."""
    limits = hall.sign_in_limits
    for _ in range(4):
        with pytest.raises(Exception):
            accounts.login(hall, "lan", "doan-sai-1", 3, address="10.0.0.5")
    with limits.attempt("lan", "10.0.0.5"):  # the fifth guess, being checked …
        with pytest.raises(Throttled) as refused:  # … so a sixth waits for its answer
            with limits.attempt("lan", "10.0.0.8"):
                pass
        assert refused.value.retry_after_s == 1 and refused.value.kind == "user"
    with limits.attempt("lan", "10.0.0.5"):  # the fifth answered (no failure written here): room again
        pass


# --- lifting ---------------------------------------------------------------------------------------------------
def test_a_supervisor_lifts_a_lock_a_clerk_may_not(api, hall, sign_in, lan):
    for _ in range(5):
        attempt(api, "lan", "doan-sai-1", address="10.0.0.5")
    for i in range(20):
        attempt(api, f"doan{i}", "doan-sai-1", address="10.9.9.9")
    supervisor = sign_in(role="supervisor")
    locks = {(x["kind"], x["subject"]) for x in api.get("/api/lockouts", headers=supervisor).get_json()}
    assert locks == {("user", "lan"), ("address", "10.9.9.9")}
    assert api.get("/api/lockouts", headers=sign_in(5)).status_code == 403
    out = api.post("/api/lockouts/lift", json={"user": "lan", "address": "10.9.9.9"}, headers=supervisor)
    assert sorted(x["kind"] for x in out.get_json()["lifted"]) == ["address", "user"]
    assert attempt(api, "lan", PASSWORD, address="10.9.9.9").status_code == 200


def test_motcua_user_unlock(tmp_path, monkeypatch):
    config = str(open_config(tmp_path))
    app = create_app(config_path=config, testing=True)
    hall = app.extensions["motcua.hall"]
    accounts.add_user(hall, "lan", PASSWORD, "clerk")
    for _ in range(5):
        with pytest.raises(Exception):
            accounts.login(hall, "lan", "doan-sai-1", 3)
    with pytest.raises(Throttled):
        accounts.login(hall, "lan", PASSWORD, 3)
    runner = CliRunner()
    out = runner.invoke(cli, ["user", "unlock", "lan", "--config", config])
    assert out.exit_code == 0 and "unlocked user 'lan'" in out.output
    assert accounts.login(hall, "lan", PASSWORD, 3)["username"] == "lan"
    again = runner.invoke(cli, ["user", "unlock", "lan", "--config", config])
    assert again.exit_code == 1 and "not locked" in again.output


def test_limits_and_lifts_on_postgresql(cfg, clock, pg_url):
    app = create_app(cfg, config_path=str(ROOT / "config.yaml"), db_url=pg_url, clock=clock, testing=True)
    hall = app.extensions["motcua.hall"]
    accounts.add_user(hall, "lan", PASSWORD, "clerk")
    for i in range(20):
        with pytest.raises(Exception):
            accounts.login(hall, "lan" if i < 5 else f"doan{i}", "doan-sai-1", 3, address="2001:db8::5")
    assert {(x["kind"], x["subject"]) for x in hall.sign_in_limits.locked()} == {("user", "lan"),
                                                                               ("address", "2001:db8::5")}
    with pytest.raises(Throttled):
        accounts.login(hall, "lan", PASSWORD, 3, address="10.0.0.5")
    assert len(hall.sign_in_limits.lift("lan", "2001:db8::5")) == 2
    assert accounts.login(hall, "lan", PASSWORD, 3, address="2001:db8::5")["username"] == "lan"
    hall.db.dispose()


# --- the same path for everyone --------------------------------------------------------------------------------
def test_unknown_users_disabled_users_and_wrong_passwords_take_the_same_path(client, hall, lan, monkeypatch):
    """Each costs one check of a hash of the kind real passwords have, and gets the same answer — so the time
    taken doesn't tell which usernames exist (the dummy hash is of the kind new passwords get)."""
    monkeypatch.undo()  # real hashing: the dummy's kind is what matters
    accounts.add_user(hall, "binh", PASSWORD, "clerk")
    accounts.add_user(hall, "cu", PASSWORD, "clerk")
    accounts.set_active(hall, "cu", False)
    checked = []
    real_check = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash",
                        lambda stored, pw: checked.append(stored.split("$")[0]) or real_check(stored, pw))
    answers = {}
    for who, pw in [("binh", "doan-sai-1"), ("khong-ai", "doan-sai-1"), ("cu", PASSWORD)]:
        checked.clear()
        r = attempt(client, who, pw)
        answers[who] = (r.status_code, r.get_json())
        assert checked == ["scrypt:32768:8:1"], who
    assert len({json.dumps(a, sort_keys=True) for a in answers.values()}) == 1
    assert answers["binh"][0] == 401


# --- NFC -------------------------------------------------------------------------------------------------------
def test_a_password_typed_decomposed_is_the_same_password(client, hall):
    composed = "Mật khẩu Đường 2026"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    accounts.add_user(hall, "an", composed, "clerk")
    assert attempt(client, "an", decomposed).status_code == 200
    accounts.add_user(hall, "hoa", decomposed, "clerk")  # set from an NFD keyboard, typed on an NFC one
    assert attempt(client, "hoa", composed, counter=4).status_code == 200
    accounts.set_password(hall, "hoa", unicodedata.normalize("NFD", "Ưu tiên người già"))
    assert attempt(client, "hoa", "Ưu tiên người già", counter=4, force=True).status_code == 200


# --- the hashing pool ------------------------------------------------------------------------------------------
class ThreadPool:
    """Stands in for gevent's pool: runs each call in a fresh real thread and waits for it."""

    def apply(self, fn, args):
        out = {}
        worker = threading.Thread(target=lambda: out.update(value=fn(*args)))
        worker.start()
        worker.join()
        return out["value"]


def test_hashes_run_in_pool_threads_of_lower_priority(monkeypatch):
    monkeypatch.setattr(passwords, "_gevent_pool", lambda: ThreadPool())
    before = os.getpriority(os.PRIO_PROCESS, 0)  # on Linux: this thread's nice value
    tid, nice = passwords.off_loop(lambda: (threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0)))
    assert tid != threading.get_native_id() and nice == max(passwords.NICE, before)
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # the caller's thread (the loop's) is left alone


def test_sign_ins_beyond_what_the_pool_clears_soon_are_told_to_come_back(api, hall, lan, monkeypatch):
    monkeypatch.setattr(passwords, "_gevent_pool", lambda: ThreadPool())
    monkeypatch.setattr(passwords, "_queued", passwords.WAITING_PER_WORKER * passwords.workers())
    before = rows(hall)
    r = attempt(api, "lan", PASSWORD)
    assert r.status_code == 503 and r.headers["Retry-After"] == "5" and r.get_json()["error"] == "busy"
    assert r.get_json()["message"] == "Máy chủ đang kiểm tra nhiều lần đăng nhập. Vui lòng thử lại sau 5 giây."
    assert rows(hall) == before  # not counted as a failure
    monkeypatch.setattr(passwords, "_queued", 0)
    assert attempt(api, "lan", PASSWORD).status_code == 200
    # fewer waiting, but each taking long (a machine too busy to hash): the wait is what counts
    monkeypatch.setattr(passwords, "workers", lambda: 1)
    monkeypatch.setattr(passwords, "_queued", 2)
    monkeypatch.setattr(passwords, "_took", passwords.MAX_WAIT_S / 2)  # 3 × 5 s > 10 s
    assert attempt(api, "lan", PASSWORD).status_code == 503
    monkeypatch.setattr(passwords, "_queued", 0)
    monkeypatch.setattr(passwords, "_took", 0.2)
    assert attempt(api, "lan", PASSWORD).status_code == 200
    assert passwords._took < 0.2  # the average follows what the checks take (here one cheap round)


# --- a real gevent server ----------------------------------------------------------------------------------------
def slow_hash(password: str, seconds: float = 1.5) -> str:
    """A PBKDF2 hash that takes about `seconds` of one core here (Werkzeug checks whatever method is stored)."""
    t0 = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"x", b"salt", 50_000)
    rounds = int(50_000 * seconds / max(time.perf_counter() - t0, 1e-4))
    return generate_password_hash(password, method=f"pbkdf2:sha256:{rounds}")


def test_kiosks_are_served_while_a_password_hash_runs(live_server, cfg, tmp_path):
    """Before, the hash ran on gevent's one thread: every kiosk waited for it."""
    live_server.add_user("lan")
    db = sqlite3.connect(tmp_path / "data" / "motcua.db")
    with db:
        db.execute("UPDATE users SET password_hash = ? WHERE username = 'lan'", (slow_hash(PASSWORD),))
    db.close()
    host, port = "127.0.0.1", live_server.port
    answer = {}

    def sign_in():
        conn = http.client.HTTPConnection(host, port, timeout=60)
        t0 = time.perf_counter()
        conn.request("POST", LOGIN, json.dumps({"username": "lan", "password": "doan-sai-1", "counter": 3}),
                     {"Content-Type": "application/json"})
        answer["status"] = conn.getresponse().status
        answer["took"] = time.perf_counter() - t0
        conn.close()

    kiosk = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}", "Content-Type": "application/json"}

    def issue():
        t0 = time.perf_counter()
        kiosk.request("POST", "/api/tickets", json.dumps({"service": "TP.LLTP"}), headers)
        r = kiosk.getresponse()
        r.read()
        assert r.status == 201
        return time.perf_counter() - t0

    issue()  # warm
    worker = threading.Thread(target=sign_in)
    worker.start()
    during = []
    while worker.is_alive():
        took = issue()
        if worker.is_alive():
            during.append(took)
    worker.join()
    kiosk.close()
    assert answer["status"] == 401 and answer["took"] > 1.0, answer
    assert len(during) >= 5, f"only {len(during)} tickets issued during a {answer['took']:.1f} s sign-in"
    assert max(during) < answer["took"] / 2, (max(during), answer)
