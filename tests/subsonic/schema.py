"""Validate Subsonic JSON answers against the OpenSubsonic spec (../shared/opensubsonic/openapi), $refs resolved."""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = Path(__file__).resolve().parents[3] / "shared" / "opensubsonic" / "openapi"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
# Fields the spec types as date-time (checked here: jsonschema's format check needs a package we don't ship).
DATE_FIELDS = {"created", "starred", "changed", "played", "licenseExpires", "trialExpires", "validUntil", "expires",
               "lastVisited", "publishDate"}
ID_FIELDS = {"id", "parent", "albumId", "artistId", "coverArt", "current"}


def _retrieve(uri: str) -> Resource:
    path = Path(uri.removeprefix("file://"))
    return Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)


REGISTRY = Registry(retrieve=_retrieve)


@functools.cache
def response_schema_uri(method: str) -> str:
    """The file URI of the JSON schema of `method`'s 200 answer (following the endpoint's response $ref)."""
    endpoint = SPEC / "endpoints" / f"{method}.json"
    response = json.loads(endpoint.read_text())["get"]["responses"]["200"]
    base = endpoint.parent
    if "$ref" in response:
        ref_path = (base / response["$ref"]).resolve()
        response, base = json.loads(ref_path.read_text()), ref_path.parent
    schema_ref = response["content"]["application/json"]["schema"]["$ref"]
    return (base / schema_ref).resolve().as_uri()


def validate(method: str, body: dict) -> None:
    """Raise jsonschema.ValidationError unless `body` fits the spec's answer of `method`."""
    uri = response_schema_uri(method)
    validator = Draft202012Validator({"$ref": uri}, registry=REGISTRY)
    errors = sorted(validator.iter_errors(body), key=lambda e: e.path)
    if errors:
        raise AssertionError(f"{method}: {errors[0].message} at {list(errors[0].path)}")
    check_rules(body)


def check_rules(value, path: str = "") -> None:
    """What the schemas don't state: no null or "" fields, string ids, ISO UTC dates, no one-element lists unwrapped."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            assert item is not None, f"null at {where}"
            assert item != "" or key == "value", f'"" at {where}'
            if key in ID_FIELDS and not (key == "id" and path.rsplit(".", 1)[-1].startswith("musicFolder")):
                assert isinstance(item, str), f"id not a string at {where}: {item!r}"
            if key in DATE_FIELDS and not isinstance(item, (dict, list)):
                assert isinstance(item, str) and ISO_UTC.match(item), f"not an ISO UTC date at {where}: {item!r}"
            check_rules(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_rules(item, f"{path}[{index}]")
