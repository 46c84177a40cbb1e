"""hall/bootstrap.py builds the hall with everything it uses given at construction: the tests choose the
publisher, the catalogue and the clock the same way the server and the CLI get theirs."""
from __future__ import annotations

from conftest import fresh_db
from hall.bootstrap import bootstrap
from hall.publishing import Publisher


def test_the_hall_publishes_through_the_publisher_it_was_built_with(cfg, clock, tmp_path, migrated_db):
    sent = []
    hall = bootstrap(cfg, db_url=fresh_db(migrated_db, tmp_path), clock=clock, publish=sent.extend)
    assert isinstance(hall.publish, Publisher) and hall.clock is clock and hall.config_path
    ticket = hall.issue_ticket("KHDT.DN")
    assert [(m["type"], m["ticket"]["number"]) for m in sent] == [("issued", ticket["number"])]
    hall.publish.send_to(None)  # e.g. before a server attaches: the commit still happens, nothing is sent
    hall.issue_ticket("KHDT.DN")
    assert len(sent) == 1
    hall.db.dispose()


def test_a_catalogue_given_is_used_instead_of_the_file(cfg, clock, tmp_path, migrated_db):
    given = object()
    hall = bootstrap(cfg, db_url=fresh_db(migrated_db, tmp_path), clock=clock, catalogue=given)
    assert hall.catalogue is given
    hall.db.dispose()
