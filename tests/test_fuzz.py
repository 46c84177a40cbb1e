"""The API fuzzed from its own OpenAPI document (issue 10, acceptance): schemathesis sends valid and invalid
requests to every operation, on SQLite and on PostgreSQL, and the answers must match the document — no 5xx, the
documented status codes and content types, the Error schema, invalid data refused, a 405 naming its methods.

Bounded: MAX_EXAMPLES per operation and a deadline for the whole test (pytest-timeout)."""
from __future__ import annotations

import collections
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance,
                                               unsupported_method)

from api_checks import auth
from each_database import app, db_url  # noqa: F401 — every test here runs on SQLite and PostgreSQL

MAX_EXAMPLES = int(os.environ.get("MOTCUA_FUZZ_EXAMPLES", "20"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, unsupported_method]


@pytest.fixture
def tokens(cfg, sign_in, client, kiosk):
    """A credential for each operation: the pad's and the devices' routes take theirs, a sign-out a sign-in of its
    own (or it would sign the rest out), the rest an admin's."""
    for _ in range(3):  # something to call, cancel and look up
        client.post("/api/tickets", json={"service": "TP.LLTP"}, headers=kiosk)
    admin = sign_in(role="admin")
    pad = auth(next(p.token for p in cfg.devices.pads if p.counter == 7))

    def token(path: str) -> dict:
        if path == "/api/logout":
            return sign_in(role="supervisor")
        return pad if path == "/api/ratings" else kiosk if path == "/api/devices/status" else admin
    return token


@pytest.mark.slow  # about a minute of requests: not for the fast ring (docs/testing.md)
@pytest.mark.timeout(900)
def test_the_api_answers_as_its_document_says(app, tokens):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    answers = collections.defaultdict(set)
    for operation in operations:
        for mode in GenerationMode:
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def fuzz(case):
                response = case.call_and_validate(headers=tokens(case.path), checks=CHECKS)
                answers[operation.label].add(response.status_code)
            try:
                fuzz()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE, operation.label  # nothing of it can be made invalid
    succeeded = [label for label, codes in answers.items() if any(200 <= c < 300 for c in codes)]
    assert len(succeeded) >= len(operations) // 2, f"the fuzz hardly got past the door: {dict(answers)}"
