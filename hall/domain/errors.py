"""What can go wrong in the queue, in words a clerk or a kiosk can show: a kind (the class), a `code` the
clients can tell apart, a message and details. No transport here: the HTTP API maps each kind to a status code
(hall/api/__init__.py), the command line to an exit code, the sockets to an `error` message."""


class QueueError(Exception):
    """The request can't be carried out as asked (a bad value, an unknown service …)."""
    code = "invalid"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(QueueError):
    code = "not_found"


class InvalidTransition(QueueError):
    """The action isn't allowed in the ticket's (or counter's) present state."""
    code = "invalid_state"


class Closed(QueueError):
    """The service, the counter or the hall isn't taking citizens now."""
    code = "closed"


class KeyReused(QueueError):
    """An Idempotency-Key already ordered a different ticket (another service or priority class)."""
    code = "idempotency_key_reused"


class Forbidden(QueueError):
    code = "forbidden"


class Unauthorized(QueueError):
    code = "unauthorized"


class QueueEmpty(QueueError):
    """Nobody is waiting for what the counter serves."""
    code = "queue_empty"


class Conflict(QueueError):
    code = "conflict"
