"""The rings (docs/testing.md): each test is marked by what it uses, and the fast ring can't start a server."""
from __future__ import annotations

import pytest

from conftest import RING_FIXTURES, SLOW_RINGS, LiveServer, open_config


def test_a_fast_test_that_starts_a_live_server_fails_and_says_how_to_mark_it(request, tmp_path):
    assert request.node.get_closest_marker("fast")
    server = LiveServer(open_config(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="in the fast ring but uses a hall server process: mark it live"):
        server.start()
    assert server.proc is None                                   # nothing was started


def test_a_fast_test_that_reaches_for_postgresql_fails(request):
    with pytest.raises(pytest.fail.Exception, match="mark it postgres"):
        request.getfixturevalue("pg_url")


def test_every_collected_test_is_in_exactly_the_rings_its_fixtures_say(request):
    for item in request.session.items:
        marks = {m.name for m in item.iter_markers()}
        for fixture in item.fixturenames:
            if fixture in RING_FIXTURES:
                assert RING_FIXTURES[fixture] in marks, f"{item.nodeid} uses {fixture} but is not marked"
        assert ("fast" in marks) == (not marks & set(SLOW_RINGS)), item.nodeid
