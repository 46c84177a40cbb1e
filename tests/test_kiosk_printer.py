"""The kiosk and its printer: the bytes a serial (pty) or network (TCP) stand-in printer receives, each fault on
the screen and at the hall, the fault cleared when printing works again, and the supervisor's reprint."""
from __future__ import annotations

import pytest
import requests

from hall.config import Printer
from printer_standins import NetworkStandin, SerialStandin, read_job
from test_kiosk import hall_state, make_kiosk, shot, shown, touch, wait  # noqa: F401  (make_kiosk is a fixture)

STANDINS = {
    "serial": (SerialStandin, lambda s: Printer(kind="serial", device=s.device, baudrate=115200, timeout_s=1.0)),
    "network": (NetworkStandin, lambda s: Printer(kind="network", host=s.host, port=s.port, timeout_s=1.0)),
}
MESSAGES = {"paper_out": "Máy in hết giấy", "cover_open": "Nắp máy in đang mở", "offline": "Máy in không sẵn sàng",
            "disconnected": "Mất kết nối với máy in", "timeout": "Máy in không phản hồi kịp thời"}


def take_ticket(app, unit="TP", service="TP.LLTP"):
    touch(app, f"tile:{unit}")
    touch(app, f"service:{service}")
    wait(app, lambda a: a.state.screen == "result" and a.state.printing in ("printed", "fault"), seconds=15,
         what="the ticket and its printing")
    return app.state.ticket


def kiosk_fault(server):
    return next((f for f in hall_state(server)["faults"] if f["device"] == "kiosk-1"), None)


def jobs(received: bytes) -> list[bytes]:
    """The ticket jobs in what a printer received (each starts with ESC @)."""
    parts = bytes(received).split(b"\x1b@")
    return [b"\x1b@" + p for p in parts[1:]]


@pytest.mark.parametrize("transport", STANDINS)
def test_the_ticket_reaches_the_printer(live_server, make_kiosk, transport):
    standin_class, settings = STANDINS[transport]
    with standin_class("ok") as standin:
        app = make_kiosk(live_server, printer=settings(standin))
        ticket = take_ticket(app)
        assert app.state.printing == "printed"
        wait(app, lambda a: len(jobs(standin.received)) == 1, what="the job")
    job = read_job(jobs(standin.received)[0])
    assert job.initialised and job.cut
    assert job.qr == [ticket["status_url"]]
    assert ticket["number"] in job.texts
    assert job.rasters > 5                                    # the Vietnamese lines went as pictures


@pytest.mark.parametrize("transport", STANDINS)
@pytest.mark.parametrize("fault", ["paper_out", "cover_open", "offline"])
def test_a_printer_fault_shows_the_number_and_reaches_the_hall(live_server, make_kiosk, transport, fault):
    standin_class, settings = STANDINS[transport]
    with standin_class(fault) as standin:
        app = make_kiosk(live_server, printer=settings(standin))
        ticket = take_ticket(app)
        assert app.state.printing == "fault"
        assert shown(app, "number") == ticket["number"]
        assert shown(app, "print_status").startswith(MESSAGES[fault] + ". Số thứ tự của Ông/Bà vẫn có hiệu lực")
        assert not jobs(standin.received)                     # asked first, so nothing half-printed
        reported = kiosk_fault(live_server)
        assert reported and reported["fault"] == fault and MESSAGES[fault] in reported["message"]
        status = requests.get(f"{live_server.url}/api/tickets/{ticket['id']}", timeout=10).json()
        assert status["state"] == "waiting"                   # the ticket stays valid
        if transport == "serial":
            shot(app, f"fault-{fault}")
        touch(app, "button:done")
        assert shown(app, "printer_banner").startswith(MESSAGES[fault])
        if transport == "serial" and fault == "paper_out":
            shot(app, "home-printer-fault")
        standin.state = "ok"                                  # paper in, cover shut, back online
        take_ticket(app)
        assert app.state.printing == "printed"
        wait(app, lambda a: kiosk_fault(live_server) is None, what="the fault cleared at the hall")
        assert len(jobs(standin.received)) == 1


@pytest.mark.parametrize("transport", STANDINS)
def test_cable_pulled_mid_print(live_server, make_kiosk, transport):
    standin_class, settings = STANDINS[transport]
    with standin_class("ok") as standin:
        standin.pull_cable_after = 2000
        app = make_kiosk(live_server, printer=settings(standin))
        ticket = take_ticket(app)
    assert app.state.printing == "fault"
    assert app.state.print_fault.code in ("disconnected", "timeout")
    assert shown(app, "number") == ticket["number"]
    assert shown(app, "print_status").startswith(MESSAGES[app.state.print_fault.code])
    wait(app, lambda a: (kiosk_fault(live_server) or {}).get("fault") == a.state.print_fault.code,
         what="the fault at the hall")


def test_paper_low_prints_and_warns_the_hall(live_server, make_kiosk):
    with NetworkStandin("paper_low") as standin:
        app = make_kiosk(live_server, printer=STANDINS["network"][1](standin))
        take_ticket(app)
        assert app.state.printing == "printed"
        assert len(jobs(standin.received)) == 1
    assert kiosk_fault(live_server)["fault"] == "paper_low"


def test_a_supervisor_reprints_the_last_ticket(live_server, make_kiosk):
    boss = {"Authorization": f"Bearer {live_server.sign_in(role='supervisor')['token']}"}
    with NetworkStandin("ok") as standin:
        app = make_kiosk(live_server, printer=STANDINS["network"][1](standin))
        first = take_ticket(app)
        touch(app, "button:done")
        second = take_ticket(app, "YT", "YT.KCB")
        requests.post(f"{live_server.url}/api/kiosks/kiosk-1/reprint", json={}, headers=boss,
                      timeout=10).raise_for_status()
        wait(app, lambda a: len(jobs(standin.received)) == 3, what="the reprint of the last ticket")
        requests.post(f"{live_server.url}/api/kiosks/kiosk-1/reprint", json={"ticket": first["id"]}, headers=boss,
                      timeout=10).raise_for_status()
        wait(app, lambda a: len(jobs(standin.received)) == 4, what="the reprint of the first ticket")
        requests.post(f"{live_server.url}/api/kiosks/kiosk-2/reprint", json={}, headers=boss,
                      timeout=10).raise_for_status()
        app.run_for(1.0)
    printed = [read_job(j).qr[0] for j in jobs(standin.received)]
    assert printed == [first["status_url"], second["status_url"], second["status_url"], first["status_url"]]
