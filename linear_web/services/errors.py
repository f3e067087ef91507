"""Errors the service layer raises; web, API and sockets translate them."""


class ServiceError(Exception):
    """Base: a code, a human message, optional details (field → message)."""

    status = 400
    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, details: dict | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.details = details or {}


class ValidationError(ServiceError):
    status = 422
    code = "validation_error"
    default_message = "Some fields are invalid."

    def __init__(self, details: dict, message: str | None = None):
        first = next(iter(details.values()), None) if details else None
        super().__init__(message or (first if len(details) == 1 else None) or self.default_message, details)


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    default_message = "You do not have permission to do that."


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = "That conflicts with the current state."
