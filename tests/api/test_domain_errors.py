"""Domain exceptions carry no HTTP status: the API's one handler maps their classes to statuses."""
from __future__ import annotations

import pytest

from accounts.services import InvalidCredentials
from accounts.tokens import TokenRejected
from catalog.transcode import TranscodeBusy, TranscodeFailed
from jonquils.api.errors import DOMAIN_STATUS, api_exception_handler, domain_status
from jonquils.exceptions import (
    DomainError,
    NotAcceptableError,
    NotAuthenticatedError,
    UnavailableError,
    UnprocessableError,
)


class _NewRule(UnavailableError):
    code = "new_rule"


@pytest.mark.parametrize(("exc", "status", "code"), [
    (DomainError("A rule refused it."), 409, "conflict"),
    (TokenRejected("Token is not known."), 401, "token_not_valid"),
    (InvalidCredentials(), 401, "invalid_credentials"),
    (TranscodeBusy("Every transcoder is busy; retry in a few seconds."), 503, "busy"),
    (TranscodeFailed("The track could not be transcoded (x)."), 422, "transcode_failed"),
    (UnavailableError("Analytics are unavailable right now: down", code="analytics_unavailable"), 503,
     "analytics_unavailable"),
    (_NewRule("A subclass takes its nearest listed ancestor's status."), 503, "new_rule"),
])
def test_the_handler_answers_each_domain_error_with_the_status_of_its_class(exc, status, code):
    response = api_exception_handler(exc, {})
    assert response.status_code == status == domain_status(exc)
    assert response.data == {"error": code, "detail": str(exc)}


def test_domain_exceptions_know_nothing_of_http():
    for cls in (DomainError, NotAuthenticatedError, UnavailableError, UnprocessableError, TokenRejected,
                InvalidCredentials, TranscodeBusy, TranscodeFailed):
        assert not hasattr(cls, "status_code"), cls
    with pytest.raises(TypeError):
        DomainError("x", status_code=503)  # the status is the handler's decision, not the raiser's
    assert set(DOMAIN_STATUS) == {DomainError, NotAuthenticatedError, UnavailableError, UnprocessableError,
                                NotAcceptableError}
