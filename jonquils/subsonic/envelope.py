"""The `subsonic-response` envelope in JSON, JSONP and XML, and Subsonic's error codes."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone as dt_timezone
from xml.sax.saxutils import escape, quoteattr

from django.http import HttpResponse

API_VERSION = "1.16.1"
SERVER_TYPE = "jonquils"
SERVER_VERSION = "1.0.0"
XMLNS = "http://subsonic.org/restapi"
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")

# Subsonic error codes (spec: responses/subsonic-response, Error.json)
GENERIC, MISSING_PARAMETER, CLIENT_TOO_OLD, SERVER_TOO_OLD = 0, 10, 20, 30
WRONG_CREDENTIALS, TOKEN_AUTH_UNSUPPORTED, AUTH_MECHANISM_UNSUPPORTED = 40, 41, 42
CONFLICTING_AUTH, INVALID_API_KEY, NOT_AUTHORIZED, TRIAL_EXPIRED, NOT_FOUND = 43, 44, 50, 60, 70


class SubsonicError(Exception):
    """A request the API refuses: answered as HTTP 200 with status "failed" and this code."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def missing(name: str) -> SubsonicError:
    return SubsonicError(MISSING_PARAMETER, f"Required parameter '{name}' is missing.")


def not_found(what: str) -> SubsonicError:
    return SubsonicError(NOT_FOUND, f"{what} not found.")


def iso(value: datetime | date | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and Z, as clients parse it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.isoformat()


def clean(value):
    """Drop None and "" fields (never sent), recursively; lists stay lists, even empty ones."""
    if isinstance(value, dict):
        # `value` is element text (lyrics, genre names): required by the spec even when empty.
        return {k: clean(v) for k, v in value.items() if v is not None and (v != "" or k == "value")}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def answer_format(params) -> str:
    """The format an answer is encoded in: "json" (also for jsonp) or "xml" (the default)."""
    return "json" if (params.get("f") or "xml").lower() in ("json", "jsonp") else "xml"


class Encoded:
    """A list of elements already cleaned and encoded for one format, spliced into the envelope as is.

    A big answer that is the same for many users (getIndexes: 100k artists at 1M tracks) is
    encoded once and cached as text: cleaning and encoding its dicts cost most of the request.
    `text` is the JSON array, or the XML elements named after the key the list stands under.
    """

    __slots__ = ("fmt", "text")

    def __init__(self, fmt: str, text: str):
        self.fmt, self.text = fmt, text

    @classmethod
    def of(cls, fmt: str, name: str, elements: list[dict]) -> "Encoded":
        """Clean and encode `elements` (each an element called `name`) for `fmt`."""
        elements = clean(elements)
        if fmt == "json":
            return cls(fmt, json.dumps(elements, ensure_ascii=False))
        out: list[str] = []
        for element in elements:
            _xml_element(name, element, out)
        return cls(fmt, "".join(out))


_SPLICE = "\ue000encoded-{}\ue000"


def _json_text(body: dict) -> str:
    """json.dumps of the envelope, each Encoded part spliced in where its placeholder string stands."""
    parts: list[Encoded] = []

    def placeholder(value):
        if not isinstance(value, Encoded) or value.fmt != "json":
            raise TypeError(f"{type(value).__name__} cannot be encoded as JSON")
        parts.append(value)
        return _SPLICE.format(len(parts) - 1)

    text = json.dumps({"subsonic-response": body}, ensure_ascii=False, default=placeholder)
    for index, part in enumerate(parts):
        text = text.replace(json.dumps(_SPLICE.format(index), ensure_ascii=False), part.text, 1)
    return text


def _base(status: str) -> dict:
    return {"status": status, "version": API_VERSION, "type": SERVER_TYPE, "serverVersion": SERVER_VERSION,
            "openSubsonic": True}


def body_of(payload: dict | None = None, *, error: SubsonicError | None = None) -> dict:
    if error is not None:
        return {**_base("failed"), "error": {"code": error.code, "message": error.message}}
    return {**_base("ok"), **clean(payload or {})}


def _xml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_element(name: str, value: dict, out: list[str]) -> None:
    attrs, children, text = [], [], None
    for key, item in value.items():
        if key == "value" and not isinstance(item, (dict, list)):
            text = _xml_value(item)  # Subsonic's XML puts `value` (lyrics, genre names) in the element text
        elif isinstance(item, dict):
            children.append((key, item))
        elif isinstance(item, list):
            for element in item:
                children.append((key, element))
        elif isinstance(item, Encoded):
            children.append((key, item))
        else:
            attrs.append(f" {key}={quoteattr(_xml_value(item))}")
    out.append(f"<{name}{''.join(attrs)}")
    if not children and text is None:
        out.append("/>")
        return
    out.append(">")
    if text is not None:
        out.append(escape(text))
    for key, child in children:
        if isinstance(child, dict):
            _xml_element(key, child, out)
        elif isinstance(child, Encoded):
            out.append(child.text)
        else:
            out.append(f"<{key}>{escape(_xml_value(child))}</{key}>")
    out.append(f"</{name}>")


def to_xml(body: dict) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _xml_element("subsonic-response", {"xmlns": XMLNS, **body}, out)
    return "".join(out)


def render(params, body: dict) -> HttpResponse:
    """Answer in the format `f` asks for: xml (default), json, or jsonp with `callback`."""
    fmt = (params.get("f") or "xml").lower()
    if fmt == "json":
        return HttpResponse(_json_text(body), content_type="application/json; charset=utf-8")
    if fmt == "jsonp":
        callback = params.get("callback") or ""
        if not _CALLBACK.match(callback) or len(callback) > 100:
            body = body_of(error=SubsonicError(MISSING_PARAMETER, "Give a valid JavaScript name as 'callback' for f=jsonp."))
            return HttpResponse(json.dumps({"subsonic-response": body}), content_type="application/json; charset=utf-8")
        return HttpResponse(f"{callback}({_json_text(body)});", content_type="application/javascript; charset=utf-8")
    return HttpResponse(to_xml(body), content_type="text/xml; charset=utf-8")
