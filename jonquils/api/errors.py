"""One error format for every API response: {"error": "<code>", "detail": ..., "fields": {...}}.

Services raise Django's ValidationError / PermissionDenied / ObjectDoesNotExist or a
domain exception (jonquils.exceptions); DRF raises its own APIException subclasses. Both
end here. Which HTTP status a domain exception gets is decided here, by its class
(DOMAIN_STATUS), not by the exception.
"""
from __future__ import annotations

import logging

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError as DjangoValidationError,
)
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from jonquils.exceptions import (
    DomainError,
    NotAcceptableError,
    NotAuthenticatedError,
    UnavailableError,
    UnprocessableError,
)

__all__ = ["DOMAIN_STATUS", "DomainError", "api_exception_handler", "domain_status", "json_not_found", "json_server_error"]

logger = logging.getLogger("jonquils.api")


# The HTTP status of each domain exception class; a subclass takes its nearest listed ancestor's.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotAuthenticatedError: status.HTTP_401_UNAUTHORIZED,
    UnprocessableError: status.HTTP_422_UNPROCESSABLE_ENTITY,
    NotAcceptableError: status.HTTP_406_NOT_ACCEPTABLE,
    UnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
    DomainError: status.HTTP_409_CONFLICT,
}


def domain_status(exc: DomainError) -> int:
    """The HTTP status of a domain exception: its class's, else its nearest ancestor's in DOMAIN_STATUS."""
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return status.HTTP_409_CONFLICT


def _error_body(code: str, detail, fields: dict | None = None) -> dict:
    body = {"error": code, "detail": detail}
    if fields:
        body["fields"] = fields
    return body


def _split_validation_detail(detail) -> tuple[str, dict]:
    """Turn DRF's validation detail into a sentence plus per-field messages."""
    if isinstance(detail, dict):
        fields = {k: v for k, v in detail.items() if k != "non_field_errors"}
        general = detail.get("non_field_errors")
        sentence = "; ".join(str(m) for m in general) if general else "Some fields are invalid."
        return sentence, fields
    if isinstance(detail, list):
        return "; ".join(str(m) for m in detail) or "Invalid input.", {}
    return str(detail), {}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DomainError):
        return Response(_error_body(exc.code, str(exc)), status=domain_status(exc))
    elif isinstance(exc, RequestDataTooBig):
        # Raised while DRF parses the body: the client's fault, not a server error.
        return Response(_error_body("too_large", "The request body is too large."), status=413)
    elif isinstance(exc, SuspiciousOperation):
        return Response(_error_body("bad_request", "The request was refused."), status=400)

    response = drf_exception_handler(exc, context)
    if response is None:
        from jonquils.outages import RETRY_AFTER_S, outage_body, outage_of

        component = outage_of(exc)
        if component is not None:  # a store down mid-request: a quick 503, not a 500 (issue 16)
            logger.warning("%s unavailable in an API view: %s", component, type(exc).__name__)
            return Response(outage_body(component), status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
        logger.exception("unhandled error in API view", exc_info=exc)
        return Response(_error_body("server_error", "The server failed to answer this request."), status=500)

    if isinstance(exc, exceptions.ValidationError):
        sentence, fields = _split_validation_detail(exc.detail)
        response.data = _error_body("invalid", sentence, fields)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = code if isinstance(code, str) else "error"
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = _error_body(code, str(detail))
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after_s"] = int(exc.wait + 0.999)
    return response


def _is_api_request(request) -> bool:
    return request.path.startswith(("/api/", "/rest/"))


def json_not_found(request, exception=None):
    """handler404: JSON for API paths, Django's page otherwise."""
    if _is_api_request(request):
        return JsonResponse(_error_body("not_found", "Not found."), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_permission_denied(request, exception=None):
    """handler403: JSON for API paths, the site's page otherwise."""
    if _is_api_request(request):
        return JsonResponse(_error_body("permission_denied", "You may not do this."), status=403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def json_server_error(request):
    """handler500: never a stack trace; JSON for API paths."""
    if _is_api_request(request):
        return JsonResponse(_error_body("server_error", "The server failed to answer this request."), status=500)
    from django.views.defaults import server_error

    return server_error(request)
