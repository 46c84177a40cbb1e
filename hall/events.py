"""The kinds of event in the visit log, each with its `data` fields: the one list that the engine's events, the
screen messages (views.messages, realtime), the docs (docs/protocol.md's table, generated from here) and the tests
all read.

    KINDS["called"].fields      -> ("number", "nth")
    KINDS["called"].announces   -> True: its message carries `announce`, `screen` and `recall`
    python -m hall.events       -> the Markdown table of docs/protocol.md (tests/test_docs.py checks they agree)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    description: str                      # when it happens, as docs/protocol.md says it
    fields: tuple[str, ...] = ()          # the keys of its `data`, always there
    optional: tuple[str, ...] = ()        # keys of `data` that may be there
    announces: bool = False               # the message carries the spoken and on-screen call
    to_pad: bool = False                  # the counter's pad hears of it (`rate`, `rated` or `idle`)


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("issued", "a ticket was issued", ("number", "priority", "channel", "people_ahead", "estimated_wait_s")),
    Kind("called", "a counter called it (a new visit starts)", ("number", "nth"), announces=True, to_pad=True),
    Kind("recalled", "called again (announce again)", ("number",), announces=True),
    Kind("started", "service started", ("number",)),
    Kind("finished", "service done", ("number",), to_pad=True),
    Kind("no_show", "nobody came; the number may come back until `grace_until`", ("number", "grace_until")),
    Kind("returned", "a no-show came back into line", ("number",)),
    Kind("transferred", "sent to another service or counter, keeping the original arrival time",
         ("number", "from_service", "from_counter", "to_service", "to_counter", "note", "served"), to_pad=True),
    Kind("cancelled", "cancelled (`reason`: e.g. `day_closed` for tickets left at midnight)", ("number", "reason")),
    Kind("signed_in", "a clerk took a counter"),
    Kind("signed_out", "a clerk left a counter (or a supervisor signed them out)", to_pad=True),
    Kind("paused", "a counter stopped calling", ("reason",)),
    Kind("resumed", "a counter calls again"),
    Kind("rated", "a citizen rated a visit", ("value", "label", "criteria", "number"), to_pad=True),
    Kind("service_opened", "a supervisor opened a service"),
    Kind("service_closed", "a supervisor closed a service"),
    Kind("announcement", "the displays' scrolling line changed", ("text",)),
    Kind("device_fault", "a kiosk, display or pad reported a fault", ("device", "kind", "fault", "message"),
         ("ticket",)),
    Kind("device_ok", "a kiosk, display or pad recovered", ("device", "kind", "fault", "message"), ("ticket",)),
    Kind("reprint", "a supervisor asked a kiosk to print again", ("kiosk",), ("ticket",)),
)}


def problems(kind: str, data: dict) -> list[str]:
    """What is wrong with an event of this kind carrying this data (nothing, for a well-formed one)."""
    if kind not in KINDS:
        return [f"unknown event kind '{kind}' (hall/events.py lists them)"]
    k = KINDS[kind]
    out = [f"{kind}: data lacks '{f}'" for f in k.fields if f not in data]
    out += [f"{kind}: data has '{f}', which hall/events.py does not list" for f in data
            if f not in k.fields and f not in k.optional]
    return out


def markdown_table() -> str:
    """The table of event types in docs/protocol.md."""
    lines = ["| type | when | `data` |", "|---|---|---|"]
    for k in KINDS.values():
        fields = ", ".join(f"`{f}`" for f in k.fields) + "".join(f", `{f}` (optional)" for f in k.optional)
        lines.append(f"| `{k.name}` | {k.description} | {fields.lstrip(', ') or '—'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
