"""What can go wrong in the queue, in words a clerk or a kiosk can show. Adapters map these to HTTP codes."""


class QueueError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(QueueError):
    status, code = 404, "not_found"


class InvalidTransition(QueueError):
    """The action isn't allowed in the ticket's (or counter's) present state."""
    status, code = 409, "invalid_state"


class Closed(QueueError):
    """The service, the counter or the hall isn't taking citizens now."""
    status, code = 409, "closed"


class Exhausted(QueueError):
    """A service has used every number of its range today."""
    status, code = 409, "numbers_exhausted"


class Forbidden(QueueError):
    status, code = 403, "forbidden"


class Unauthorized(QueueError):
    status, code = 401, "unauthorized"


class QueueEmpty(QueueError):
    """Nobody is waiting for what the counter serves."""
    status, code = 409, "queue_empty"


class Conflict(QueueError):
    status, code = 409, "conflict"
