"""The table of Subsonic methods: `@method("getAlbum")` registers a handler(ctx) -> payload dict or HttpResponse."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

METHODS: dict[str, "Method"] = {}


@dataclass(frozen=True)
class Method:
    name: str
    handler: Callable
    auth: bool = True


def method(name: str, *, auth: bool = True):
    def register(handler):
        METHODS[name.lower()] = Method(name=name, handler=handler, auth=auth)
        return handler

    return register


@dataclass
class Context:
    """One call: the request, its merged parameters and the authenticated user."""

    request: object
    params: object
    user: object = None

    @property
    def client(self) -> str:
        return (self.params.get("c") or "subsonic")[:64]
