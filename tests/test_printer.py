"""Printing through real transports to stand-in printers: the bytes that arrive, read back into the ticket, and faults."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from drivers.printer import FAULTS, PrinterFault, open_printer, parse_status
from hall.config import Printer, load_config
from kiosk.ticket import Raster, print_ticket, render_ticket
from printer_standins import NetworkStandin, SerialStandin, read_job
from test_ticket import ELDERLY, TICKET

PRINTED = Path(__file__).resolve().parent.parent / "out" / "printed"


@pytest.fixture(scope="module")
def centre():
    return load_config().centre


def serial_settings(standin, **kw):
    return Printer(kind="serial", device=standin.device, baudrate=115200, timeout_s=kw.pop("timeout_s", 1.0), **kw)


def network_settings(standin, **kw):
    return Printer(kind="network", host=standin.host, port=standin.port, timeout_s=kw.pop("timeout_s", 1.0), **kw)


TRANSPORTS = {"serial": (SerialStandin, serial_settings), "network": (NetworkStandin, network_settings)}


def agreement(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size, (a.size, b.size)
    differ = ImageChops.logical_xor(a.convert("1"), b.convert("1")).histogram()[255]
    return 1 - differ / (a.width * a.height)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("width", [576, 384])
def test_the_printer_receives_the_ticket(centre, transport, width):
    standin_class, settings = TRANSPORTS[transport]
    with standin_class("ok") as standin:
        printer = open_printer(settings(standin, width=width))
        result = print_ticket(printer, ELDERLY, centre)
        printer.close()
    layout = render_ticket(ELDERLY, centre, width)
    job = layout.escpos()
    assert result.ok and result.fault is None and result.bytes == len(job)
    received = bytes(standin.received)
    start = received.index(b"\x1b@")                           # status questions come first, then the job
    assert received[start:start + len(job)] == job
    read = read_job(received)
    assert read.status_queries[:2] == [1, 4]                   # asked before printing (no 2: it was online)
    assert read.initialised and read.cut
    assert read.qr == [ELDERLY["status_url"]]
    assert "A016" in read.texts
    assert b"\x1dv0\x00" in received                           # raster lines, normal density
    # the raster that came over the wire, rebuilt, is the ticket the citizen sees on the screen
    printed = read.image(width)
    PRINTED.mkdir(parents=True, exist_ok=True)
    printed.save(PRINTED / f"{transport}-{width}-{ELDERLY['number']}.png")
    assert agreement(printed, layout.preview()) > 0.999
    sent = [b for b in layout.blocks if isinstance(b, Raster)]
    came = [b for b in read.blocks if isinstance(b, Raster)]
    assert len(came) == len(sent)
    for a, b in zip(sent, came):
        padded = Image.new("1", b.image.size, 1)
        padded.paste(a.image, (0, 0))
        assert ImageChops.logical_xor(padded, b.image).getbbox() is None, a.text


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("state", ["paper_out", "cover_open", "offline", "silent"])
def test_a_fault_stops_the_ticket_and_is_returned(centre, transport, state):
    standin_class, settings = TRANSPORTS[transport]
    with standin_class(state) as standin:
        printer = open_printer(settings(standin, timeout_s=0.3))
        result = print_ticket(printer, TICKET, centre)
        printer.close()
    expected = {"silent": "timeout"}.get(state, state)
    assert not result.ok and result.bytes == 0
    assert result.fault.code == expected
    assert result.fault.message_vi == FAULTS[expected][0] and result.fault.message_en == FAULTS[expected][1]
    assert b"\x1b@" not in standin.received and b"\x1dv0" not in standin.received    # nothing was printed


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_paper_low_prints_with_a_warning(centre, transport):
    standin_class, settings = TRANSPORTS[transport]
    with standin_class("paper_low") as standin:
        printer = open_printer(settings(standin))
        result = print_ticket(printer, TICKET, centre)
        printer.close()
    assert result.ok and result.fault.code == "paper_low" and not result.fault.blocking
    assert read_job(bytes(standin.received)).cut


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_cable_pulled_mid_ticket(centre, transport):
    standin_class, settings = TRANSPORTS[transport]
    with standin_class("ok") as standin:
        standin.pull_cable_after = 2000
        printer = open_printer(settings(standin, timeout_s=0.5))
        result = print_ticket(printer, TICKET, centre)
        printer.close()
    assert not result.ok
    assert result.fault.code == "disconnected", result.fault
    assert 2000 <= len(standin.received) < len(render_ticket(TICKET, centre).escpos())


def test_a_stalled_serial_printer_times_out(centre):
    with SerialStandin("ok") as standin:
        printer = open_printer(serial_settings(standin, timeout_s=0.3))
        assert printer.check() is None
        standin.state = "stalled"                  # takes no more bytes: the tty fills, the write times out
        with pytest.raises(PrinterFault) as fault:
            printer.send(b"\x1b@" + bytes(200_000))
        printer.close()
    assert fault.value.code == "timeout"


def test_a_printer_that_comes_back_prints_again(centre):
    with NetworkStandin("cover_open") as standin:
        printer = open_printer(network_settings(standin))
        assert print_ticket(printer, TICKET, centre).fault.code == "cover_open"
        standin.state = "ok"
        assert print_ticket(printer, TICKET, centre).ok
        assert standin.connections == 2            # a fresh connection per ticket


def test_serial_at_115200_baud_takes_the_line_time(centre):
    """The stand-in takes bytes at 11,520 a second; the confirmation waits for them instead of timing out."""
    with SerialStandin("ok", baudrate=115200) as standin:
        printer = open_printer(serial_settings(standin, timeout_s=0.3))
        result = print_ticket(printer, TICKET, centre)
        printer.close()
    assert result.ok, result.fault
    assert read_job(bytes(standin.received)).cut


def test_nobody_listening_is_disconnected(centre):
    with NetworkStandin("ok") as standin:
        port = standin.port
    printer = open_printer(Printer(kind="network", host="127.0.0.1", port=port, timeout_s=0.3))
    result = print_ticket(printer, TICKET, centre)
    assert result.fault.code == "disconnected" and "127.0.0.1" in result.fault.detail


def test_usb_printer_not_plugged_in(centre):
    printer = open_printer(Printer(kind="usb", vendor_id=0x0416, product_id=0x5011, timeout_s=0.3))
    result = print_ticket(printer, TICKET, centre)
    assert result.fault.code == "disconnected" and "0416:5011" in result.fault.detail


def fake_cups(folder: Path, queue: str, exit_status: int = 0) -> None:
    """lpstat and lp as CUPS answers them, lp keeping the raw job in folder/job.bin."""
    scripts = {
        "lpstat": f'case "$1" in -e) echo {queue};; -v) echo "device for {queue}: usb://EPSON/TM-T20";;'
                  f' -d) echo "system default destination: {queue}";; esac',
        "lp": f'cat > "{folder}/job.bin"; exit {exit_status}',
    }
    for name, body in scripts.items():
        path = folder / name
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_cups_queue_gets_the_raw_job(centre, tmp_path, monkeypatch):
    fake_cups(tmp_path, "kiosk1")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    result = print_ticket(open_printer(Printer(kind="cups", queue="kiosk1")), TICKET, centre)
    assert result.ok
    job = render_ticket(TICKET, centre).escpos()
    assert (tmp_path / "job.bin").read_bytes().startswith(job)
    unknown = print_ticket(open_printer(Printer(kind="cups", queue="nowhere")), TICKET, centre)
    assert unknown.fault.code == "disconnected" and "nowhere" in unknown.fault.detail


def test_cups_lp_failing_is_a_fault(centre, tmp_path, monkeypatch):
    fake_cups(tmp_path, "kiosk1", exit_status=1)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    result = print_ticket(open_printer(Printer(kind="cups", queue="kiosk1")), TICKET, centre)
    assert not result.ok and result.fault.code == "offline"


def test_no_cups_installed_is_a_fault(centre, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = print_ticket(open_printer(Printer(kind="cups", queue="kiosk1")), TICKET, centre)
    assert result.fault.code == "disconnected"


def test_preview_printer_writes_png_and_bin(centre, tmp_path):
    printer = open_printer(Printer(kind="preview", folder=str(tmp_path / "tickets"), width=384))
    result = print_ticket(printer, ELDERLY, centre)
    layout = render_ticket(ELDERLY, centre, 384)
    png = Path(result.preview_path)
    assert result.ok and png.suffix == ".png" and "A016" in png.name
    assert png.with_suffix(".bin").read_bytes() == layout.escpos()
    assert agreement(Image.open(png), layout.preview()) == 1.0


def test_status_bytes_decode():
    assert parse_status(0x12, None, 0x12).fault() is None
    assert parse_status(0x12, None, 0x1E).fault().code == "paper_low"
    assert parse_status(0x1A, 0x32, 0x72).fault().code == "paper_out"
    assert parse_status(0x1A, 0x16, 0x12).fault().code == "cover_open"
    assert parse_status(0x1A, 0x52, 0x12).fault().code == "offline"


@pytest.mark.parametrize("settings, missing", [
    (Printer(kind="network"), "printer.host"),
    (Printer(kind="serial"), "printer.device"),
    (Printer(kind="usb", vendor_id=0x0416), "printer.product_id"),
    (Printer(kind="cups"), "printer.queue"),
])
def test_missing_settings_are_named(settings, missing):
    with pytest.raises(ValueError, match=missing):
        open_printer(settings)


def test_fault_codes_are_checked():
    with pytest.raises(ValueError, match="no_ink"):
        PrinterFault("no_ink")
    assert PrinterFault("offline", "x").as_dict()["message_vi"] == "Máy in không sẵn sàng"


def test_docs_name_every_fault_and_transport():
    from drivers.printer import KINDS
    text = (Path(__file__).resolve().parent.parent / "docs" / "printing.md").read_text(encoding="utf-8")
    for code, (vi, _) in FAULTS.items():
        assert f"`{code}`" in text and vi in text, code
    for kind in KINDS:
        assert f"`{kind}`" in text, kind
