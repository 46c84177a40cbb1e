"""Group commit: requests that arrive while the hall is busy writing are served together, in one transaction.

Every write to the queue is serialised (hall/db/database.py), so when sixteen kiosks issue at once, fifteen wait.
Instead of each then paying for its own transaction — begin, the same look-ups, commit, fsync — whoever gets
the lock next takes everybody waiting and does their work in one unit of work. Each caller still gets its answer
only after that commit: an acknowledged ticket is on disk, as before.

    issuing = GroupCommit(hall._issue_batch)       # work(orders) settles every order it is given,
                                                   # each only once its outcome is final (committed or refused)
    ticket = issuing.submit(TicketOrder(...))      # returns the order's result, or raises its error
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Optional

log = logging.getLogger("motcua.group_commit")


class Order:
    """One caller's request in a batch: settled with a result or an error."""
    result: Any = None
    error: Optional[BaseException] = None
    settled: bool = False

    def done(self, result: Any) -> None:
        self.result, self.settled = result, True

    def fail(self, error: BaseException) -> None:
        self.error, self.settled = error, True

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit:
    def __init__(self, work: Callable[[list], None]):
        self.work = work
        self.lock = threading.Lock()       # one batch at a time (gevent makes it a greenlet lock)
        self.mutex = threading.Lock()      # guards `pending` only, never held for long
        self.pending: list[Order] = []
        self.batches = 0                   # figures for tests
        self.largest = 0

    def submit(self, order: Order) -> Any:
        with self.mutex:
            self.pending.append(order)
        with self.lock:
            if not order.settled:  # nobody took it along: lead the next batch
                time.sleep(0)  # let callers already on their way (other threads, other greenlets) join it
                with self.mutex:
                    batch, self.pending = self.pending, []
                self.batches += 1
                self.largest = max(self.largest, len(batch))
                try:
                    self.work(batch)
                except BaseException as exc:  # whoever wasn't answered yet gets the failure
                    log.exception("a batch failed: %s", exc)
                    for o in batch:
                        if not o.settled:
                            o.fail(exc)
                for o in batch:
                    if not o.settled:
                        o.fail(RuntimeError("the batch ended without settling this order"))
        return order.outcome()
