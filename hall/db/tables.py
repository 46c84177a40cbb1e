"""The tables, and the domain classes mapped onto them from outside (the domain imports nothing from here)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData,
                        String, Table, Text, TypeDecorator, UniqueConstraint, event, false, text)
from sqlalchemy.orm import registry

from ..domain.model import CounterState, Ticket, Visit
from ..domain.numbering import HOLDING

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
})


class UTC(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC so SQLite and PostgreSQL agree."""
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


HELD = "state IN (" + ", ".join(f"'{state}'" for state in HOLDING) + ")"

tickets = Table(
    "tickets", metadata,
    Column("id", Integer, primary_key=True),
    Column("token", String(32), nullable=False, unique=True),
    Column("day", Date, nullable=False),
    Column("service", String(40), nullable=False),          # the line it is in now (a transfer changes it)
    Column("issued_service", String(40), nullable=False),   # the service that numbered it
    Column("seq", Integer, nullable=False),
    Column("number", String(12), nullable=False),
    Column("issued_at", UTC, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("priority", String(32)),
    Column("state", String(12), nullable=False),
    Column("counter", Integer),
    Column("target_counter", Integer),
    Column("called_at", UTC),
    Column("finished_at", UTC),
    Column("grace_until", UTC),
    Column("visits_count", Integer, nullable=False, default=0),
    Column("note", Text, nullable=False, default=""),
    # who ordered it (a kiosk's id, a user's name) and the order's Idempotency-Key: a retried order finds its ticket
    Column("ordered_by", String(80)),
    Column("order_key", String(64)),
    Column("receipt_pending", Boolean, nullable=False, default=False, server_default=false()),  # kiosk not heard
    UniqueConstraint("day", "issued_service", "seq", name="uq_tickets_day_issued_service_seq"),
    # one ticket per order, whichever process or restart the retry reaches
    UniqueConstraint("order_key", "ordered_by", name="uq_tickets_order_key"),
    # numbers go round (hall/domain/numbering.py): a number is unique among the tickets that still hold it
    Index("uq_tickets_day_number_held", "day", "number", unique=True,
          sqlite_where=text(HELD), postgresql_where=text(HELD)),
    # the lines: who waits for a service, in order of arrival, and in which class — counted and headed from the
    # index alone, without visiting the rows
    Index("ix_tickets_line", "day", "state", "service", "issued_at", "priority"),
)

visits = Table(
    "visits", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False, index=True),
    Column("nth", Integer, nullable=False),
    Column("service", String(40), nullable=False),
    Column("counter", Integer, nullable=False),
    Column("clerk", String(64)),
    Column("called_at", UTC, nullable=False),
    Column("started_at", UTC),
    Column("ended_at", UTC),
    Column("outcome", String(16)),
    Column("note", Text, nullable=False, default=""),
    Index("ix_visits_service_ended", "service", "ended_at"),
)

counters = Table(
    "counters", metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("state", String(12), nullable=False),
    Column("clerk", String(64)),
    Column("pause_reason", Text, nullable=False, default=""),
    # One ticket is at one counter at most: the database refuses a second counter holding it.
    Column("ticket_id", Integer, ForeignKey("tickets.id"), unique=True),
    Column("visit_id", Integer),
    Column("priority_streak", Integer, nullable=False, default=0),
    Column("last_visit_id", Integer),
    Column("last_finished_at", UTC),
    Column("changed_at", UTC),
)

# The append-only visit log: every change, in order; its id is the realtime sequence number.
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTC, nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("ticket_id", Integer, index=True),
    Column("visit_id", Integer),
    Column("service", String(40)),
    Column("counter", Integer),
    Column("clerk", String(64)),
    Column("data", JSON, nullable=False, default=dict),
)

ratings = Table(
    "ratings", metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("visits.id"), nullable=False, unique=True),
    Column("ticket_id", Integer, nullable=False),
    Column("counter", Integer, nullable=False),
    Column("clerk", String(64)),
    Column("unit", String(40), nullable=False),
    Column("service", String(40), nullable=False),
    Column("value", Integer, nullable=False),
    Column("criteria", JSON, nullable=False, default=list),
    Column("device", String(64), nullable=False),
    Column("at", UTC, nullable=False, index=True),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(128), nullable=False, default=""),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTC, nullable=False),
)

logins = Table(
    "logins", metadata,
    Column("token", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("counter", Integer),
    Column("created_at", UTC, nullable=False),
    Column("expires_at", UTC, nullable=False),
    Column("ended_at", UTC),
)

# Failed sign-ins counted per user and per address (hall/lockouts.py); a row whose `locked_until` is ahead refuses
# sign-ins for that user or address until then, or until a supervisor lifts it.
lockouts = Table(
    "lockouts", metadata,
    Column("kind", String(8), primary_key=True),       # "user" or "address"
    Column("subject", String(64), primary_key=True),   # the username or the client's IP address
    Column("failures", Integer, nullable=False),
    Column("since", UTC, nullable=False),              # the first failure of the present window
    Column("locked_until", UTC),
)

service_states = Table(
    "service_states", metadata,
    Column("code", String(40), primary_key=True),
    Column("open", Boolean, nullable=False),
    Column("changed_at", UTC, nullable=False),
    Column("changed_by", String(64)),
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON),
)

device_status = Table(
    "device_status", metadata,
    Column("device", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("fault", String(32)),
    Column("message", Text, nullable=False, default=""),
    Column("at", UTC, nullable=False),
    Column("data", JSON, nullable=False, default=dict),
)

mapper_registry = registry()
_mapped = False


def start_mappers():
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Ticket, tickets)
    mapper_registry.map_imperatively(Visit, visits)
    mapper_registry.map_imperatively(CounterState, counters)
    _mapped = True


@event.listens_for(Ticket, "load", propagate=True)
@event.listens_for(CounterState, "load", propagate=True)
def _on_load(obj, _context):
    obj.events = []


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- reports (hall/reports): derived from the visit log, rebuilt from it at any time ---------------------------
# One row per closed day: that day's ticket and visit facts, derived from the events, as a compressed column store
# (numpy .npz) so a year's report reads ~250 blobs instead of millions of rows. See docs/reports.md.
report_days = Table(
    "report_days", metadata,
    Column("day", Date, primary_key=True),
    Column("built_at", UTC, nullable=False),
    Column("last_event_id", Integer, nullable=False),
    Column("tickets", Integer, nullable=False),
    Column("facts", LargeBinary, nullable=False),
)

# Where each outgoing webhook stream stands: the last visit-log event (ratings) or day (summaries) the receiver
# accepted. The visit log is the outbox: a rating's `rated` event is written in the rating's own transaction.
webhook_cursors = Table(
    "webhook_cursors", metadata,
    Column("stream", String(32), primary_key=True),
    Column("position", String(32), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=False, default=""),
    Column("updated_at", UTC, nullable=False),
)
