"""The hall's one way out to the screens, as the service layer sees it.

The hall is built with a `Publisher` (hall/bootstrap.py) and hands it each commit's messages, in sequence order.
Where they go is the publisher's target: the Socket.IO server once the app has one (`realtime.attach` sets it),
a list in tests, nowhere for the command line — the hall does not know and is never rewired.
"""
from __future__ import annotations

from typing import Callable, Optional

Messages = list[dict]


class Publisher:
    def __init__(self, target: Optional[Callable[[Messages], None]] = None):
        self.target = target

    def send_to(self, target: Optional[Callable[[Messages], None]]) -> None:
        """Where the messages go from now on (None: nowhere)."""
        self.target = target

    def __call__(self, messages: Messages) -> None:
        if self.target is not None:
            self.target(messages)
