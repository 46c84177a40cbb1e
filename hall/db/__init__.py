"""Persistence: tables, the unit of work, migrations."""
