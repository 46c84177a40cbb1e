"""The hall server's connections on a real `motcua serve` (gevent): idle and half-sent requests are closed after their
limits, connections are capped to what the open-file limit allows, and the hall keeps issuing tickets with 2,000
idle connections held open — where before ~1,100 of them under a 1,024-file limit made every kiosk time out.
"""
from __future__ import annotations

import http.client
import json
import resource
import socket
import time
from contextlib import contextmanager

import pytest

from hall import serving


def closed_within(sock: socket.socket, seconds: float) -> tuple[bytes, float]:
    """Read until the server closes the connection (or `seconds` pass): what it sent, and when it closed."""
    sock.settimeout(seconds)
    t0, got = time.monotonic(), b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return got, time.monotonic() - t0
            got += chunk
    except socket.timeout:
        raise AssertionError(f"still open after {seconds} s (sent {got!r})") from None


def test_an_idle_connection_is_closed_after_the_idle_timeout(make_server):
    server = make_server(**{"server.connections": {"idle_timeout_s": 1, "request_timeout_s": 1}})
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        got, after = closed_within(sock, 15)
    assert got == b"" and 0.8 <= after < 10
    # a keep-alive connection after its answer: idle again, closed again
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /api/services HTTP/1.1\r\nHost: hall\r\n\r\n")
        got, after = closed_within(sock, 15)
    assert got.startswith(b"HTTP/1.1 200") and 0.8 <= after < 10


def test_headers_sent_slowly_are_cut_off_with_408(make_server):
    """A "slowloris" keeps every read short of the idle timeout but never finishes its headers."""
    server = make_server(**{"server.connections": {"idle_timeout_s": 5, "request_timeout_s": 1}})
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /api/services HTTP/1.1\r\nHost: hall\r\n")
        t0, answer = time.monotonic(), b""
        sock.settimeout(0.25)
        for i in range(60):  # a header line every 0.25 s, for up to 15 s
            try:
                sock.sendall(b"X-Slow-%d: 1\r\n" % i)
            except OSError:  # closed by the server
                break
            try:
                answer += sock.recv(4096)
                if answer.endswith(b"\r\n\r\n") or not answer:
                    break
            except socket.timeout:
                continue
        took = time.monotonic() - t0
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert took < 5


def test_a_body_sent_slowly_is_cut_off_with_408_and_never_reaches_the_app(make_server, cfg):
    server = make_server(**{"server.connections": {"idle_timeout_s": 5, "request_timeout_s": 1}})
    body = json.dumps({"service": "TP.LLTP"}).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /api/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + cfg.devices.kiosks[0].token.encode() +
                     b"\r\nContent-Length: %d\r\n\r\n" % len(body))
        t0, answer = time.monotonic(), b""
        sock.settimeout(0.25)
        for byte in body[:-1]:  # a byte every 0.25 s: each read is quick, the whole never arrives in time
            try:
                sock.sendall(bytes([byte]))
                answer += sock.recv(4096)
                if answer.endswith(b"\r\n\r\n") or not answer:
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        took = time.monotonic() - t0
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert took < 5
    services = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    services.request("GET", "/api/services")
    waiting = json.loads(services.getresponse().read())
    services.close()
    assert all(s["waiting"] == 0 for u in waiting["units"] for s in u["services"])  # no ticket was issued


@contextmanager
def open_files(soft: int):
    """This process's soft open-file limit set to `soft` for the block."""
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, before[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, before)


def test_the_open_file_limit_is_raised_and_connections_capped_to_it(monkeypatch):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1000:
        pytest.skip(f"hard open-file limit {hard}")
    with open_files(512):
        assert serving.open_files_limit(1000) == 1000 == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    monkeypatch.setattr(serving, "open_files_limit", lambda wanted: 1024)  # a hard limit of 1,024
    assert serving.connection_cap(5000) == 1024 - serving.FILES_KEPT
    assert serving.connection_cap(300) == 300


IDLE = 2000


def test_the_hall_keeps_issuing_with_2000_idle_connections_open(make_server, cfg):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < IDLE + 1500:
        pytest.skip(f"the hard open-file limit ({hard}) leaves no room for {IDLE} connections on each side")
    with open_files(1024):  # the server starts under a common service limit, as in the issue
        server = make_server()
    with open_files(IDLE + 1024):  # and this process holds the idle connections
        idle, refused = [], 0
        try:
            for _ in range(IDLE):
                try:
                    idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=2))
                except OSError:
                    refused += 1
            kiosk = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            headers = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}", "Content-Type": "application/json"}
            took = []
            for _ in range(20):
                t0 = time.monotonic()
                kiosk.request("POST", "/api/tickets", json.dumps({"service": "TP.LLTP"}), headers)
                r = kiosk.getresponse()
                r.read()
                assert r.status == 201
                took.append(time.monotonic() - t0)
            kiosk.close()
            # the idle ones are still held (their time is not up), and the server still has files to spare
            assert refused == 0 and max(took) < 2.0, (refused, max(took))
            assert "Too many open files" not in server.log.read_text()
        finally:
            for sock in idle:
                sock.close()
