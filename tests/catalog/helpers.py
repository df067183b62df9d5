"""Small helpers shared by the API tests of catalog, playlists and listening."""
from __future__ import annotations

import re

from rest_framework.test import APIClient

V1 = "/api/v1"
HUGE_ID = 10**30
SQL_LIKE = "'; DROP TABLE tracks; -- \" OR 1=1 /*"
EMOJI_TITLE = "Jonquil 🌼 Sürü — 夜の曲 🎶"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def assert_error(response, status: int, code: str | None = None, fields: set[str] | None = None) -> dict:
    """The response is the one error format with this status (and code / field names, if given)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) <= {"error", "detail", "fields", "retry_after_s"} and "error" in body, body
    text = str(body).lower()
    leaks = ("traceback", "psycopg", "syntax error", "integrityerror", 'file "/')
    assert not any(leak in text for leak in leaks) and not re.search(r"\bselect\b.+\bfrom\b", text), body
    if code is not None:
        assert body["error"] == code, body
    if fields is not None:
        assert set(body.get("fields", {})) == fields, body
    return body


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]
