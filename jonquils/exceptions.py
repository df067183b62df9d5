"""Domain exceptions: a business rule refused a request. They know nothing of HTTP.

Services raise these (or Django's ValidationError / PermissionDenied / ObjectDoesNotExist).
Each interface decides what an exception means for its clients: the REST API's one
exception handler maps the classes below to HTTP statuses (jonquils.api.errors.DOMAIN_STATUS);
a Celery task or a management command reports the message.
"""
from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request; `code` names the rule, the message explains it."""

    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class NotAuthenticatedError(DomainError):
    """The caller's credentials (password, token) do not identify an active account."""

    code = "not_authenticated"


class UnavailableError(DomainError):
    """A component the answer needs cannot answer right now; trying again later may work."""

    code = "unavailable"


class UnprocessableError(DomainError):
    """The request is well formed, but the stored data it points to cannot be processed."""

    code = "unprocessable"


class NotAcceptableError(DomainError):
    """None of the representations the client accepts can be produced (e.g. no audio type it names)."""

    code = "not_acceptable"
