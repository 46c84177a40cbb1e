"""The kiosk's side of idempotent issuing against a real hall server: an answer lost on its way back (a time-out
after the hall committed) is retried with the same key and gives one ticket, confirmed as received. (The desk's
rules alone, over a fake hall client: tests/test_desk.py.)"""
from sqlalchemy import create_engine, text

from drivers.printer import open_printer
from hall.config import Printer, load_config
from kiosk.client import HallClient, Unreachable
from kiosk.desk import TicketDesk


class LosesFirstAnswers(HallClient):
    """Reaches the hall, but the first `lose` answers to an order are lost on the way back (a time-out)."""

    def __init__(self, *a, lose: int = 1, **kw):
        super().__init__(*a, **kw)
        self.lose, self.keys = lose, []

    def issue(self, service, priority=None, key=None):
        self.keys.append(key)
        ticket = super().issue(service, priority, key)
        if self.lose:
            self.lose -= 1
            raise Unreachable("POST /tickets: ReadTimeout")
        return ticket


def desk_for(client, tmp_path) -> TicketDesk:
    cfg = load_config()
    return TicketDesk(client, open_printer(Printer(kind="preview", folder=str(tmp_path / "tickets"))), cfg.centre,
                      retry_pauses_s=(0, 0))


def outcomes(desk) -> list:
    out = []
    while not desk.outbox.empty():
        out.append(desk.outbox.get_nowait())
    return out


def stored(server) -> list:
    engine = create_engine(f"sqlite:///{server.config.parent / 'data' / 'motcua.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, receipt_pending FROM tickets")).all()
    engine.dispose()
    return rows


def test_a_lost_answer_is_retried_with_the_same_key_and_gives_one_confirmed_ticket(live_server, cfg, tmp_path):
    client = LosesFirstAnswers(live_server.url, cfg.devices.kiosks[0].token, lose=2)
    desk = desk_for(client, tmp_path)
    try:
        desk.take("TP.LLTP").result(30)
    finally:
        desk.close()
    issued = [o for o in outcomes(desk) if o[0] == "issued"]
    assert len(issued) == 1 and len(client.keys) == 3 and len(set(client.keys)) == 1
    assert issued[0][1]["replayed"] is True
    assert [tuple(r) for r in stored(live_server)] == [(issued[0][1]["number"], False)]   # one row, received
