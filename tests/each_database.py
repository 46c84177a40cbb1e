"""A hall on each database: `from each_database import app, db_url  # noqa: F401` in a test module runs its tests on
SQLite and on PostgreSQL (marked `postgres`: skipped on a laptop without it, failing under CI)."""
from __future__ import annotations

import pytest

from api_checks import quick_passwords
from conftest import ROOT
from hall.app import create_app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    return f"sqlite:///{tmp_path / 'hall.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def app(cfg, clock, db_url, monkeypatch):
    quick_passwords(monkeypatch)
    return create_app(cfg, config_path=str(ROOT / "config.yaml"), db_url=db_url, clock=clock, testing=True)
