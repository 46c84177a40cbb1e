"""The kiosk's side of idempotent issuing (kiosk/desk.py): an order keeps its Idempotency-Key through its retries
and until some answer comes, so a lost answer never costs a second ticket; every number that reaches the kiosk is
confirmed to the hall, later if the hall can't be told at once."""
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


class HallAway:
    """No hall at all: every call is unreachable; records the keys it was sent."""

    def __init__(self):
        self.keys = []

    def issue(self, service, priority=None, key=None):
        self.keys.append((service, key))
        raise Unreachable("POST /tickets: ConnectionError")

    def received(self, ticket_id):
        raise Unreachable("POST /received: ConnectionError")

    def report(self, *a, **kw):
        raise Unreachable("POST /devices/status: ConnectionError")


def desk_for(client, tmp_path) -> TicketDesk:
    cfg = load_config()
    desk = TicketDesk(client, open_printer(Printer(kind="preview", folder=str(tmp_path / "tickets"))), cfg.centre)
    desk.RETRY_PAUSES_S = (0.01, 0.01)
    return desk


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


def test_the_key_stays_with_an_unanswered_order_until_an_answer_comes(tmp_path):
    hall = HallAway()
    desk = desk_for(hall, tmp_path)
    try:
        desk.take("TP.LLTP").result(10)
        desk.take("TP.LLTP").result(10)      # the citizen touches the same service again
        desk.take("TP.HTQT").result(10)      # another order
    finally:
        desk.close()
    assert [o[0] for o in outcomes(desk)] == ["unreachable"] * 3
    first, again, other = hall.keys[:3], hall.keys[3:6], hall.keys[6:]
    assert len({k for _, k in first + again}) == 1          # three tries, then the same order again: one key
    assert len({k for _, k in other}) == 1 and other[0][1] != first[0][1]


def test_a_confirmation_that_did_not_get_through_is_sent_with_the_next_job(live_server, cfg, tmp_path):
    client = HallClient(live_server.url, cfg.devices.kiosks[0].token)
    real_received, failures = client.received, [1]

    def flaky_received(ticket_id):
        if failures:
            failures.pop()
            raise Unreachable("POST /received: ConnectionError")
        return real_received(ticket_id)
    client.received = flaky_received
    desk = desk_for(client, tmp_path)
    try:
        desk.take("TP.LLTP").result(30)
        assert [tuple(r)[1] for r in stored(live_server)] == [True]     # not yet told
        desk.probe().result(30)
    finally:
        desk.close()
    assert [tuple(r)[1] for r in stored(live_server)] == [False]
