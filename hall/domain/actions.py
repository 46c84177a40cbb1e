"""What a clerk may do at a counter now: the one rule the service layer enforces and the panels display.

    allowed(counter, ticket)            -> ["recall", "start", "finish", "no-show", "transfer", "pause"]
    require("finish", counter, ticket)  # raises the refusal (Closed, InvalidTransition) when not allowed

`ticket` is the ticket the counter holds (None when it holds none). Whether anybody is waiting
is not part of the rule: "next" is allowed on an idle counter and answered `queue_empty` when the line is empty.
"""
from __future__ import annotations

from typing import Optional

from .errors import Closed, InvalidTransition, QueueError
from .model import CALLED, CLOSED, PAUSED, SERVING, CounterState, Ticket

NEXT, CALL, RECALL, START, FINISH, NO_SHOW, TRANSFER, PAUSE, RESUME = (
    "next", "call", "recall", "start", "finish", "no-show", "transfer", "pause", "resume")
ACTIONS = (NEXT, CALL, RECALL, START, FINISH, NO_SHOW, TRANSFER, PAUSE, RESUME)

# the actions on the ticket a counter holds, and the ticket states each needs (a paused counter may still deal
# with the citizen in front of it: pausing stops calling, not serving)
ON_TICKET = {RECALL: (CALLED,), START: (CALLED,), FINISH: (CALLED, SERVING), NO_SHOW: (CALLED,),
             TRANSFER: (CALLED, SERVING)}
VERBS = {RECALL: "recall", START: "start serving", FINISH: "finish", NO_SHOW: "mark as no-show",
         TRANSFER: "transfer"}


def refusal(action: str, counter: CounterState, ticket: Optional[Ticket]) -> Optional[QueueError]:
    """Why `action` is refused at this counter now, or None when it is allowed."""
    n = counter.number
    if action == RESUME:
        return None if counter.state == PAUSED else InvalidTransition(f"counter {n} is not paused", counter=n)
    if counter.state == CLOSED:
        return Closed(f"counter {n} is closed: sign in first", counter=n)
    if action in (NEXT, CALL):
        if counter.state == PAUSED:
            return Closed(f"counter {n} is paused ({counter.pause_reason}): resume it first", counter=n)
        if counter.ticket_id is not None:
            return InvalidTransition(f"counter {n} is still busy with a ticket: finish, transfer or mark it "
                                     "no-show first", counter=n)
        return None
    if action in ON_TICKET:
        if counter.ticket_id is None or ticket is None:
            return InvalidTransition(f"counter {n} has no ticket at the moment: call one first", counter=n)
        if ticket.state not in ON_TICKET[action]:
            return InvalidTransition(f"cannot {VERBS[action]} ticket {ticket.number}: it is {ticket.state}",
                                     number=ticket.number, state=ticket.state)
        return None
    if action == PAUSE:
        return InvalidTransition(f"counter {n} is already paused", counter=n) if counter.state == PAUSED else None
    return QueueError(f"unknown counter action '{action}'", field="action")


def allowed(counter: CounterState, ticket: Optional[Ticket]) -> list[str]:
    """The actions the counter may take now, in the panel's order."""
    return [a for a in ACTIONS if refusal(a, counter, ticket) is None]


def require(action: str, counter: CounterState, ticket: Optional[Ticket]) -> None:
    problem = refusal(action, counter, ticket)
    if problem is not None:
        raise problem
