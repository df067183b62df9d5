"""/rest/<method>[.view]: GET query, POST query or POST form; every answer is a Subsonic envelope, never HTML."""
from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from jonquils.exceptions import DomainError, UnavailableError

from . import annotation, browsing, lists, media, playlists, searching, system, user  # noqa: F401 - register methods
from .auth import authenticate
from .envelope import GENERIC, MISSING_PARAMETER, NOT_AUTHORIZED, NOT_FOUND, SubsonicError, body_of, render
from .params import Params
from .registry import METHODS, Context

logger = logging.getLogger("jonquils.subsonic")


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Range, Authorization"
    response["Access-Control-Expose-Headers"] = "Content-Length, Content-Range, Accept-Ranges, Content-Type"
    return response


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


@csrf_exempt
def dispatch(request, name: str):
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    params = Params(request)
    return _cors(_answer(request, params, name))


def _answer(request, params, name: str) -> HttpResponse:
    if request.method not in ("GET", "POST", "HEAD"):
        return render(params, body_of(error=SubsonicError(GENERIC, f"Method {request.method} is not supported.")))
    method = METHODS.get(name.lower())
    try:
        if method is None:
            raise SubsonicError(NOT_FOUND, f"Unknown method '{name}'.")
        if params.body_error:
            raise SubsonicError(MISSING_PARAMETER, params.body_error)
        ctx = Context(request=request, params=params)
        if method.auth:
            ctx.user = authenticate(request, params)
        result = method.handler(ctx)
        if isinstance(result, HttpResponseBase):
            return result
        return render(params, body_of(result))
    except SubsonicError as exc:
        error = exc
    except ObjectDoesNotExist as exc:
        error = SubsonicError(NOT_FOUND, str(exc) or "Not found.")
    except PermissionDenied as exc:
        error = SubsonicError(NOT_AUTHORIZED, str(exc) or "Not allowed.")
    except ValidationError as exc:
        error = SubsonicError(MISSING_PARAMETER if "required" in _message(exc).lower() else GENERIC, _message(exc))
    except UnavailableError as exc:
        error = SubsonicError(GENERIC, f"{exc} (retry)")
    except DomainError as exc:
        error = SubsonicError(GENERIC, str(exc))
    except Exception:  # noqa: BLE001 - a bug still answers the envelope, never an HTML page
        logger.exception("subsonic method %s failed", name)
        error = SubsonicError(GENERIC, "The server failed to answer this request.")
    return render(params, body_of(error=error))
