"""Domain-level errors, free of any framework. The HTTP layer maps them to status codes."""


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    """One reason per invalid field, so a client can fix all of them at once."""

    status = 422
    code = "validation_failed"

    def __init__(self, fields: dict[str, str]):
        super().__init__("Some fields are invalid: " + ", ".join(sorted(fields)), fields=fields)


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TransientError(Exception):
    """Infrastructure is unavailable for a while: retry later, never dead-letter."""


class InvalidEvent(Exception):
    """A message that can never be processed: bad envelope or data against its schema."""
