"""centre.public_url — where the QR code on a ticket leads: checked when the config loads, following where
`motcua serve` listens when unset, and a clear warning when it is a loopback address no phone can reach."""
from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from conftest import ROOT, open_config
from hall.config import ConfigError, parse_config
from hall.public_url import advice, is_loopback, served_url, with_public_url

TEXT = (ROOT / "config.yaml").read_text(encoding="utf-8")


def with_url(url: str) -> str:
    return TEXT.replace("centre:\n", f"centre:\n  public_url: {url!r}\n", 1)


@pytest.mark.parametrize("url", ["hcc.laichau.lan:5000", "ftp://hcc.laichau.lan", "http://", "http://x:99999",
                                 "http://hcc.lan/?a=1"])
def test_a_public_url_that_is_no_address_is_refused(url):
    with pytest.raises(ConfigError) as err:
        parse_config(with_url(url), "config.yaml")
    message = str(err.value)
    assert "centre.public_url" in message and ("like http://192.168.1.10:5000" in message or "port" in message)


def test_a_good_public_url_is_kept_without_its_trailing_slash():
    cfg = parse_config(with_url("https://xephang.laichau.gov.vn/"), "config.yaml")
    assert cfg.centre.public_url == "https://xephang.laichau.gov.vn"
    assert with_public_url(cfg, "127.0.0.1", 8123) is cfg  # a set address is not replaced


def test_unset_it_follows_where_the_server_listens():
    cfg = parse_config(TEXT, "config.yaml")
    assert cfg.centre.public_url == ""  # the bundled config leaves it to the server
    assert with_public_url(cfg, "127.0.0.1", 8123).centre.public_url == "http://127.0.0.1:8123"
    assert served_url("192.168.1.10", 5000) == "http://192.168.1.10:5000"
    everywhere = served_url("0.0.0.0", 5000)  # this machine's network address (loopback only with no network)
    assert everywhere.startswith("http://") and everywhere.endswith(":5000") and "0.0.0.0" not in everywhere


def test_loopback_addresses_get_a_warning():
    for url in ("http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000", "http://127.0.1.1"):
        assert is_loopback(url) and advice(url).startswith(f"warning: centre.public_url is {url}, a loopback")
    for url in ("http://192.168.1.10:5000", "https://xephang.laichau.gov.vn", "http://hcc.laichau.lan:5000"):
        assert not is_loopback(url) and advice(url) is None
    assert advice("").startswith("note: centre.public_url is not set")


def test_check_config_warns_about_a_loopback_public_url_in_one_line(tmp_path):
    loop, lan = tmp_path / "loop.yaml", tmp_path / "lan.yaml"
    loop.write_text(with_url("http://127.0.0.1:5000"), encoding="utf-8")
    lan.write_text(with_url("http://hcc.laichau.lan:5000"), encoding="utf-8")
    runs = [subprocess.run([sys.executable, "-m", "hall", "check-config", "--config", str(path)], cwd=str(ROOT),
                           capture_output=True, text=True, timeout=120) for path in (loop, lan)]
    assert [r.returncode for r in runs] == [0, 0]
    warned = runs[0].stderr.strip().splitlines()
    assert len(warned) == 1 and "127.0.0.1:5000, a loopback address" in warned[0] and "phone" in warned[0]
    assert runs[1].stderr == ""


def test_a_served_hall_puts_its_own_address_in_the_qr_code_and_warns_it_is_loopback(make_server, cfg):
    server = make_server()
    r = requests.post(f"{server.url}/api/tickets", json={"service": cfg.units[0].services[0].code},
                      headers={"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}, timeout=10)
    assert r.status_code == 201, r.text
    assert r.json()["status_url"] == f"{server.url}/t/{r.json()['id']}"  # its port, not 5000
    assert requests.get(r.json()["status_url"], timeout=10).status_code == 200
    log = server.log.read_text(encoding="utf-8")
    assert f"warning: centre.public_url is {server.url}, a loopback address" in log
