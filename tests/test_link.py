"""The screens' link to the hall: messages handed on in the order the hall sent them (display/sequence.py), a gap
waited for and then resynced, no call lost to a resync; and against a real hall server: snapshot, events in order,
resync on a gap, refusal, reconnect after a restart."""
import json
import os
import queue
import random
import threading
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest
import requests

from conftest import service_at
from display.link import HallLink
from display.sequence import Sequence
from display.wall import WallDisplay
from display.wall_state import Zone
from hall.config import Voice

CALLS = ("called", "recalled")


# --- the order, without sockets -------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def msg(seq, kind="issued", **more):
    return kind, {"seq": seq, "type": kind, **more}


def fresh(seq, number, counter=1, recall=False):
    return {"seq": seq, "number": number, "counter": counter, "counter_label": f"Quầy {counter}", "service": "TP.LLTP",
            "unit": "TP", "unit_name": "Sở Tư pháp", "at": "2026-11-26T08:00:00+07:00", "recall": recall}


def test_messages_come_out_in_seq_order_whatever_order_they_arrive_in():
    order, out = Sequence(), []
    out += order.snapshot({"seq": 10})
    arrivals = [msg(s) for s in range(11, 31)]
    random.Random(3).shuffle(arrivals)
    for kind, payload in arrivals + [msg(12), msg(9)]:          # and a repeat, and one the snapshot covers
        out += order.event(kind, payload)
    assert [p["seq"] for k, p in out if k != "snapshot"] == list(range(11, 31))
    assert order.seq == 30 and not order.held and not order.overdue()


def test_a_gap_is_waited_for_then_resynced_once_per_hold():
    clock = Clock()
    order = Sequence(hold_s=0.5, clock=clock)
    order.snapshot({"seq": 1})
    assert order.event(*msg(3)) == []                           # 2 is on its way, perhaps
    clock.t += 0.4
    assert not order.overdue()
    assert [p["seq"] for _, p in order.event(*msg(2))] == [2, 3]   # it came: no resync
    order.event(*msg(5))
    clock.t += 0.5
    assert order.overdue()
    order.asked()
    assert not order.overdue()                                  # asked: wait for the snapshot, don't ask again at once
    clock.t += 0.5
    assert order.overdue()                                      # no answer within hold_s: ask again
    out = order.snapshot({"seq": 4})
    assert [(k, p["seq"]) for k, p in out] == [("snapshot", 4), ("issued", 5)]
    assert not order.overdue() and order.gaps == 1


def test_events_before_the_first_snapshot_wait_for_it():
    order = Sequence()
    assert order.event(*msg(8)) == [] and order.event(*msg(7)) == []
    out = order.snapshot({"seq": 7})
    assert [(k, p["seq"]) for k, p in out] == [("snapshot", 7), ("issued", 8)]


def test_a_snapshot_older_than_what_was_handed_on_is_dropped_until_the_link_drops():
    order = Sequence()
    order.snapshot({"seq": 5})
    order.event(*msg(6))
    assert order.snapshot({"seq": 5}) == [] and order.stale == 1    # it overtook the events after it
    order.disconnected()
    assert order.snapshot({"seq": 2})[0][0] == "snapshot"           # a hall started afresh: taken as it is
    assert order.seq == 2


def test_a_resync_replays_the_calls_it_would_skip_once_each():
    order = Sequence()
    order.snapshot({"seq": 10, "fresh_calls": [fresh(9, "A009")]})   # where the screen starts: nothing replayed
    order.event(*msg(11, "called", ticket={"number": "A010"}, counter=1))
    snap = {"seq": 16, "fresh_calls": [fresh(9, "A009"), fresh(11, "A010"), fresh(13, "A011", 2),
                                       fresh(15, "A010", recall=True)]}
    out = order.snapshot(snap)
    assert [(k, p["seq"], p["ticket"]["number"], p["replay"]) for k, p in out[1:]] == \
        [("called", 13, "A011", True), ("recalled", 15, "A010", True)]
    assert out[0] == ("snapshot", snap)
    assert order.snapshot(dict(snap)) == [("snapshot", snap)]         # the same snapshot again: nothing twice
    assert order.last_call == 16


def test_pad_and_ticket_streams_hold_nothing_and_drop_the_stale():
    order = Sequence(contiguous=False)
    assert order.snapshot({"counter": 3}) == [("snapshot", {"counter": 3})]
    assert [p["seq"] for _, p in order.event(*msg(40, "rate"))] == [40]
    assert order.event(*msg(35, "idle")) == []                   # older than the rate already shown
    assert [p["seq"] for _, p in order.event(*msg(52, "idle"))] == [52]
    assert not order.overdue()


def test_too_much_held_asks_at_once():
    order = Sequence(hold_s=60, max_held=5)
    order.snapshot({"seq": 0})
    for s in range(2, 9):
        order.event(*msg(s))
    assert order.overdue()
    order.asked()
    assert not order.overdue()


def test_a_socket_client_stuck_between_its_layers_is_replaced():
    """Cut just as the namespace joined: Socket.IO says connected over a dead transport, and would stay so."""
    link = HallLink("http://127.0.0.1:9", "x" * 16, "/display")
    stuck = link.sio
    stuck.connected = True                                      # and its engine.io is "disconnected"
    stuck.handlers["/display"]["connect"]()
    assert link.connected
    assert not link.check_client(now=100) and not link.check_client(now=105)
    assert link.check_client(now=110.5)
    assert link.sio is not stuck and link.renewals == 1
    assert not link.connected and link.inbox.get_nowait() == ("disconnected", {})
    stuck.handlers["/display"]["connect"]()                     # the old client's late news is ignored
    assert not link.connected
    assert not link.check_client(now=200)                       # the new one is consistent (not connected yet)


# --- the acceptance test: the hall's stream, reordered and delayed, beside busy threads ------------------------
class Recorder:
    """Plays nothing: notes the seq of each call it is given to speak (the renderer names the file after it)."""

    def __init__(self):
        self.spoken = []

    def play(self, path):
        self.spoken.append(int(path.name))

    def stop(self):
        pass


class SeqRenderer:
    voice = Voice()

    def prewarm(self):
        pass

    def render(self, speech):
        return Path(str(speech.call.seq))


def hall_day(client, hall, cfg, kiosk, sign_in, visits=30, seed=18):
    """Clerks at six counters calling, recalling and finishing: what the hall published, JSON as sent."""
    sent = []
    publish = hall.publish

    def capture(messages):
        sent.extend(json.loads(json.dumps(messages)))
        if publish:
            publish(messages)
    hall.publish = capture
    rng, counters = random.Random(seed), [1, 2, 3, 7, 9, 12]
    clerks = {n: sign_in(n) for n in counters}
    for i in range(visits):
        n = counters[i % len(counters)]
        assert client.post("/api/tickets", json={"service": service_at(cfg, n)}, headers=kiosk).status_code == 201
        assert client.post(f"/api/counters/{n}/next", json={}, headers=clerks[n]).status_code == 200
        if rng.random() < 0.25:
            assert client.post(f"/api/counters/{n}/recall", json={}, headers=clerks[n]).status_code == 200
        assert client.post(f"/api/counters/{n}/finish", json={}, headers=clerks[n]).status_code == 200
    return sent


def state(client, cfg):
    r = client.get("/api/state", headers={"Authorization": f"Bearer {cfg.devices.displays[0].token}"})
    assert r.status_code == 200
    return r.get_json()


@pytest.fixture
def wall(cfg, tmp_path):
    """A wall display (headless, whole hall) whose link talks to nobody: the test plays the socket's part."""
    player = Recorder()
    wall = WallDisplay("http://127.0.0.1:9", cfg.devices.displays[0].token, display=cfg.devices.displays[0], cfg=cfg,
                       zone=Zone(), size=(1366, 768), player=player, renderer=SeqRenderer(),
                       cache_dir=tmp_path / "voice")
    wall.shown, wall.queued = [], []
    apply = wall.state.apply

    def shown(kind, payload):
        view = apply(kind, payload)
        if view is not None:
            wall.shown.append(view.seq)
        return view
    wall.state.apply = shown
    wall.start()
    announce = wall.announcer.announce

    def queued(event):
        item = announce(event)
        if item is not None:
            wall.queued.append(item.call.seq)
        return item
    wall.announcer.announce = queued
    yield wall
    wall.stop()


def answer_resyncs(link, snapshot, threads):
    """The hall's side of `resync`: a fresh snapshot, arriving on a socket thread of its own."""
    def emit(event, data=None):
        if event == "resync":
            t = threading.Thread(target=link._on_snapshot, args=(snapshot(),))
            threads.append(t)
            t.start()
    link.emit = emit


def busy(stop: threading.Event):
    """A CPU-bound neighbour (drawing, rendering speech): holds the GIL in long stretches."""
    while not stop.is_set():
        sum(i * i for i in range(20000))


def run_until_shown(wall, expected, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(set(wall.shown)) < len(expected):
        wall.step()
        wall.inbox.ready.wait(0.05)
        wall.inbox.ready.clear()
    wall.step()


def test_every_call_is_shown_and_queued_once_though_messages_come_reordered(client, hall, cfg, kiosk, sign_in,
                                                                            wall):
    first = state(client, cfg)
    sent = hall_day(client, hall, cfg, kiosk, sign_in)
    calls = [m["seq"] for m in sent if m["type"] in CALLS]
    assert len(calls) >= 30
    threads, stop = [], threading.Event()
    answer_resyncs(wall.link, lambda: state(client, cfg), threads)
    neighbours = [threading.Thread(target=busy, args=(stop,)) for _ in range(3)]
    for t in neighbours:
        t.start()
    rng = random.Random(18)
    try:
        # as python-socketio hands them over: each message in a thread of its own, started in the order sent,
        # each delayed by up to 40 ms (so later ones often overtake earlier ones)
        arrivals = [("snapshot", first)] + [(m["type"], m) for m in sent]
        for kind, payload in arrivals:
            handler = (lambda p: wall.link._on_snapshot(p)) if kind == "snapshot" else \
                (lambda p, k=kind: wall.link._on_event(k, p))
            t = threading.Timer(rng.uniform(0, 0.04), handler, args=(payload,))
            threads.append(t)
            t.start()
        run_until_shown(wall, calls)
        for t in list(threads):
            t.join(10)
    finally:
        stop.set()
        for t in neighbours:
            t.join(10)
    run_until_shown(wall, calls, timeout=1)
    assert wall.announcer.wait_idle(30)
    assert sorted(wall.shown) == calls, f"not shown: {sorted(set(calls) - set(wall.shown))}"
    assert sorted(wall.queued) == calls, f"not queued: {sorted(set(calls) - set(wall.queued))}"
    assert wall.announcer.player.spoken == calls                 # in the order the hall called them
    assert wall.link.seq == sent[-1]["seq"]


def test_a_lost_message_costs_a_resync_not_a_call(client, hall, cfg, kiosk, sign_in, wall):
    first = state(client, cfg)
    sent = hall_day(client, hall, cfg, kiosk, sign_in, visits=12)
    calls = [m["seq"] for m in sent if m["type"] in CALLS]
    lost = calls[len(calls) // 2]
    threads = []
    answer_resyncs(wall.link, lambda: state(client, cfg), threads)
    wall.link.order.hold_s = 0.3
    wall.link._on_snapshot(first)
    for m in sent:
        if m["seq"] != lost:
            wall.link._on_event(m["type"], m)
    run_until_shown(wall, calls)
    for t in threads:
        t.join(10)
    assert wall.announcer.wait_idle(30)
    assert wall.link.resyncs == 1
    assert sorted(wall.shown) == calls and sorted(wall.queued) == calls
    assert wall.announcer.player.spoken == calls


# --- against a real hall server ---------------------------------------------------------------------------------
def collect_until(link, got, predicate, timeout=10.0) -> bool:
    """Take what the link hands on into got until predicate(got) holds (blocking on the inbox, no polling)."""
    deadline = time.monotonic() + timeout
    while not predicate(got):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            got.append(link.inbox.get(timeout=left))
        except queue.Empty:
            return False
    return True


def count(kind):
    return lambda got: sum(k == kind for k, _ in got)


def test_link_gets_snapshot_then_events_in_sequence(live_server, cfg):
    display = cfg.devices.displays[0]
    kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
    link = HallLink(live_server.url, display.token, "/display").start()
    try:
        got = []
        assert collect_until(link, got, count("snapshot"))
        first = link.seq
        for _ in range(3):
            assert requests.post(f"{live_server.url}/api/tickets", json={"service": "TP.LLTP"},
                                 headers=kiosk, timeout=5).status_code == 201
        assert collect_until(link, got, lambda g: count("issued")(g) == 3)
        seqs = [p["seq"] for k, p in got if k == "issued"]
        assert seqs == [first + 1, first + 2, first + 3]
        assert link.resyncs == 0
    finally:
        link.stop()


def test_link_resyncs_on_a_gap(live_server, cfg):
    link = HallLink(live_server.url, cfg.devices.displays[0].token, "/display", hold_s=0.3).start()
    try:
        got = []
        assert collect_until(link, got, count("snapshot"))
        link.seq -= 1  # as if one event had been missed
        kiosk = {"Authorization": f"Bearer {cfg.devices.kiosks[0].token}"}
        requests.post(f"{live_server.url}/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk, timeout=5)
        assert collect_until(link, got, lambda g: count("snapshot")(g) == 2)
        assert link.resyncs == 1
        assert not any(k == "issued" for k, _ in got)  # the event after the gap came as part of the new snapshot
        assert got[-1][1]["seq"] == link.seq
    finally:
        link.stop()


def test_link_refused_with_a_wrong_token(live_server):
    link = HallLink(live_server.url, "not-a-token", "/display").start()
    try:
        assert link.wait_until(lambda: link.refused, 10)
        assert not link.connected
        assert link.stale(0.0)
    finally:
        link.stop()


def test_link_reconnects_after_server_restart(make_server, cfg):
    server = make_server()
    link = HallLink(server.url, cfg.devices.displays[0].token, "/display", retry_s=0.3).start()
    try:
        got = []
        assert collect_until(link, got, count("snapshot"))
        server.kill()
        assert collect_until(link, got, count("disconnected"))
        assert not link.connected and link.stale(0.0)
        server.start()
        assert collect_until(link, got, lambda g: count("snapshot")(g) == 2, timeout=20)
        assert link.wait_until(lambda: link.connected, 10)
    finally:
        link.stop()


# --- the browser pages follow the same rules (hall/web/static/common.js, run by node with a stand-in socket) ----
HALL_STREAM_JS = r"""
const vm = require("vm"), fs = require("fs");
const [src, steps] = [fs.readFileSync(process.argv[2], "utf8"), JSON.parse(fs.readFileSync(0, "utf8"))];
const on = {}, emitted = [], got = [];
const socket = {on(name, f) { on[name] = f; }, onAny(f) { on["*"] = f; }, emit(name) { emitted.push(name); }};
const ctx = {window: {}, document: {getElementById: () => null}, io: () => socket};
vm.createContext(ctx);
vm.runInContext(src, ctx);
ctx.hallStream("/supervisor", "token", {snapshot: (s) => got.push(["snapshot", s.seq, false]),
                                       event: (type, m) => got.push([type, m.seq, !!m.replay, m.ticket && m.ticket.number])});
for (const [name, payload] of steps) (on[name] ? on[name](payload) : on["*"](name, payload));
console.log(JSON.stringify({got, emitted}));
"""


@pytest.mark.skipif(not __import__("shutil").which("node"), reason="node is not installed")
def test_browser_pages_hand_on_in_order_and_replay_what_a_gap_skipped(tmp_path):
    import subprocess
    script = tmp_path / "stream.js"
    script.write_text(HALL_STREAM_JS)
    common = Path(__file__).resolve().parent.parent / "hall" / "web" / "static" / "common.js"
    later = {"seq": 16, "fresh_calls": [fresh(9, "A009"), fresh(11, "A010"), fresh(14, "A011", recall=True),
                                        fresh(13, "A011")]}
    steps = [("snapshot", {"seq": 10, "fresh_calls": [fresh(9, "A009")]}),
             ("called", {"seq": 11, "ticket": {"number": "A010"}}), ("issued", {"seq": 12}),
             ("issued", {"seq": 15}),                                 # 13 and 14 went missing: resync
             ("issued", {"seq": 16}),                                 # covered by the snapshot asked for
             ("snapshot", later), ("called", {"seq": 17, "ticket": {"number": "A012"}}),
             ("disconnect", None), ("snapshot", {**later, "seq": 17})]  # reconnected: nothing new, nothing twice
    out = subprocess.run(["node", str(script), str(common)], input=json.dumps(steps), capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["emitted"] == ["resync"]
    assert [tuple(g) for g in result["got"]] == [
        ("snapshot", 10, False), ("called", 11, False, "A010"), ("issued", 12, False, None),
        ("snapshot", 16, False), ("called", 13, True, "A011"), ("recalled", 14, True, "A011"),
        ("called", 17, False, "A012"), ("snapshot", 17, False)]
