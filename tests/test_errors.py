"""Domain errors carry a kind and a code, no transport: the HTTP API answers each kind with the status of its one
table (hall/api/__init__.py), the command line with an exit code."""
from __future__ import annotations

import inspect

from hall.api import STATUS, status_of
from hall.domain import errors

KINDS = [k for _, k in inspect.getmembers(errors, inspect.isclass) if issubclass(k, errors.QueueError)]


def every_kind(kind=errors.QueueError) -> set[type]:
    """QueueError and every kind derived from it anywhere in the hall (hall.api imports them all)."""
    return {kind}.union(*(every_kind(k) for k in kind.__subclasses__()))


def test_the_domain_knows_no_status_codes():
    assert set(KINDS) <= every_kind() and len(every_kind()) > len(KINDS)  # lockouts.Throttled too
    for kind in every_kind():
        assert not hasattr(kind, "status"), kind
        assert kind.code


def test_each_kind_has_its_status_in_one_table():
    expected = {"QueueError": 400, "Unauthorized": 401, "Forbidden": 403, "NotFound": 404, "InvalidTransition": 409,
                "Closed": 409, "QueueEmpty": 409, "Conflict": 409, "KeyReused": 422}
    assert {k.__name__: status_of(k("x")) for k in KINDS if k.__name__ in expected} == expected
    assert set(STATUS) >= set(KINDS)  # every kind of the domain has its row

    class TooLong(errors.QueueError):  # a kind added later without its own row: its family's status
        code = "too_long"
    assert status_of(TooLong("x")) == 400
