"""Fixtures of the Subsonic tests: a listener with Subsonic credentials, a small catalog, and a caller that
speaks every transport (GET query, POST query, POST form; with and without `.view`; json and xml)."""
from __future__ import annotations

import hashlib
import json
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.test import Client

from accounts.subsonic_credentials import subsonic_credentials_create
from catalog.models import ProcessingStatus
from tests.factories import AlbumFactory, ArtistFactory, GenreFactory, PlaylistFactory, TrackFactory, UserFactory

from .schema import validate

XMLNS = "{http://subsonic.org/restapi}"
WAYS = [("GET", ""), ("GET", ".view"), ("POST-query", ""), ("POST-query", ".view"), ("POST-form", ""),
        ("POST-form", ".view")]


@dataclass
class Subsonic:
    """Calls /rest/ as one user with token auth (a fresh salt each time), in any transport."""

    client: Client
    username: str
    password: str
    api_key: str

    def auth(self) -> dict:
        salt = secrets.token_hex(6)
        return {"u": self.username, "t": hashlib.md5((self.password + salt).encode()).hexdigest(), "s": salt}

    def raw(self, method: str, params: dict | list | None = None, *, way=("GET", ""), fmt: str | None = "json",
            auth: dict | None = None, headers: dict | None = None):
        pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
        expanded = []
        for key, value in pairs:
            for item in (value if isinstance(value, (list, tuple)) else [value]):
                expanded.append((key, item))
        base = {"v": "1.16.1", "c": "pytest", **(self.auth() if auth is None else auth)}
        if fmt:
            base["f"] = fmt
        all_pairs = list(base.items()) + expanded
        kind, suffix = way
        path = f"/rest/{method}{suffix}"
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        if kind == "GET":
            return self.client.get(f"{path}?{urlencode(all_pairs)}", **extra)
        if kind == "POST-query":
            return self.client.post(f"{path}?{urlencode(all_pairs)}", **extra)
        return self.client.post(path, data=urlencode(all_pairs), content_type="application/x-www-form-urlencoded",
                                **extra)

    def json(self, method: str, params=None, *, way=("GET", ""), ok: bool = True, schema: str | None = None, **kw):
        response = self.raw(method, params, way=way, fmt="json", **kw)
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"].startswith("application/json")
        body = json.loads(response.content)
        validate(schema or method, body)
        inner = body["subsonic-response"]
        assert inner["status"] == ("ok" if ok else "failed"), inner
        assert inner["version"] == "1.16.1" and inner["type"] == "jonquils" and inner["openSubsonic"] is True
        return inner

    def xml(self, method: str, params=None, *, way=("GET", ""), ok: bool = True, **kw) -> ET.Element:
        response = self.raw(method, params, way=way, fmt=None, **kw)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/xml")
        root = ET.fromstring(response.content)
        assert root.tag == f"{XMLNS}subsonic-response"
        assert root.get("status") == ("ok" if ok else "failed"), response.content[:400]
        return root

    def every_way(self, method: str, params=None, *, ok: bool = True, schema: str | None = None, **kw) -> list[dict]:
        """The same call in each transport, JSON validated against the spec and XML parsed; the JSON answers."""
        answers = []
        for way in WAYS:
            answers.append(self.json(method, params, way=way, ok=ok, schema=schema, **kw))
            self.xml(method, params, way=way, ok=ok, **kw)
        return answers

    def error(self, method: str, params=None, *, code: int, **kw) -> str:
        inner = self.json(method, params, ok=False, schema="ping", **kw)
        assert inner["error"]["code"] == code, inner
        root = self.xml(method, params, ok=False, **kw)
        assert root.find(f"{XMLNS}error").get("code") == str(code)
        return inner["error"]["message"]


@pytest.fixture
def listener(db):
    return UserFactory(username="sonic")


@pytest.fixture
def subsonic(listener) -> Subsonic:
    issued = subsonic_credentials_create(user=listener)
    return Subsonic(client=Client(), username=listener.username, password=issued.password, api_key=issued.api_key)


@pytest.fixture
def library(db):
    """Two artists, three albums with dated releases, genres, lyrics; a pending track nobody else may see."""
    from datetime import date

    rock, jazz = GenreFactory(name="Rock"), GenreFactory(name="Jazz")
    abba, bach = ArtistFactory(name="The Abba"), ArtistFactory(name="Bach")
    first = AlbumFactory(artist=abba, title="Arrival", release_date=date(1976, 10, 11))
    second = AlbumFactory(artist=abba, title="Voulez-Vous", release_date=date(1979, 4, 23))
    third = AlbumFactory(artist=bach, title="Goldberg", release_date=date(1741, 1, 1))
    tracks = [TrackFactory(artist=abba, album=first, genre=rock, title="Dancing Queen", track_number=1, disc_number=1,
                           lyrics="You can dance\nYou can jive", synced_lyrics="[00:01.00]You can dance\n[00:03.50]You can jive",
                           file_size=4_000_000, mime_type="audio/mpeg", audio_format="mp3", tempo=100.0, energy=0.8,
                           valence=0.9, isrc="SEAYD7601010", popularity=5.0),
              TrackFactory(artist=abba, album=first, genre=rock, title="Money, Money, Money", track_number=2,
                           energy=0.7, valence=0.6, tempo=120.0, popularity=3.0),
              TrackFactory(artist=abba, album=second, genre=rock, title="Chiquitita", track_number=1, popularity=2.0),
              TrackFactory(artist=bach, album=third, genre=jazz, title="Aria", track_number=1, popularity=1.0),
              TrackFactory(artist=bach, album=None, genre=None, title="Loose Prelude")]
    hidden = TrackFactory(artist=bach, album=third, title="Unfinished", processing_status=ProcessingStatus.PENDING)
    other = UserFactory(username="someone")
    private = PlaylistFactory(owner=other, title="Private mix", is_public=False)
    return {"artists": [abba, bach], "albums": [first, second, third], "tracks": tracks, "hidden": hidden,
            "other": other, "private_playlist": private, "genres": [rock, jazz]}
