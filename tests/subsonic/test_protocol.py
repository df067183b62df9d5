"""Auth, envelope and transport rules of /rest/ (issue 15 "Protocol")."""
from __future__ import annotations

import hashlib
import json

import pytest

from accounts.models import SubsonicCredential
from accounts.subsonic_credentials import subsonic_credentials_create

from .conftest import XMLNS

pytestmark = pytest.mark.django_db


def test_ping_every_way_json_and_xml(subsonic):
    for answer in subsonic.every_way("ping"):
        assert answer["serverVersion"]


@pytest.mark.parametrize("auth_kind", ["plain", "enc", "token", "api_key"])
def test_each_auth_mechanism(subsonic, auth_kind):
    auth = {"plain": {"u": subsonic.username, "p": subsonic.password},
            "enc": {"u": subsonic.username, "p": "enc:" + subsonic.password.encode().hex()},
            "token": subsonic.auth(),
            "api_key": {"apiKey": subsonic.api_key}}[auth_kind]
    subsonic.json("ping", auth=auth)


def test_token_info_names_the_key_holder(subsonic):
    assert subsonic.every_way("tokenInfo", auth={"apiKey": subsonic.api_key})[0]["tokenInfo"] == {"username": "sonic"}


def test_old_protocol_versions_and_username_case_work(subsonic):
    response = subsonic.raw("ping", auth={"u": subsonic.username.upper(), "p": subsonic.password, "v": "1.2.0"})
    assert json.loads(response.content)["subsonic-response"]["status"] == "ok"


def test_wrong_credentials_conflicts_and_bad_key(subsonic, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "auth_account": "100/min", "auth_ip": "100/min"}
    assert "Wrong" in subsonic.error("ping", code=40, auth={"u": subsonic.username, "p": "nope"})
    subsonic.error("ping", code=40, auth={"u": "nobody", "p": "nope"})
    subsonic.error("ping", code=40, auth={"u": subsonic.username, "t": "0" * 32, "s": "abc"})
    subsonic.error("ping", code=40, auth={"u": subsonic.username, "p": "enc:zz"})
    subsonic.error("ping", code=43, auth={"u": subsonic.username, "p": subsonic.password, "t": "x", "s": "y"})
    subsonic.error("ping", code=43, auth={"apiKey": subsonic.api_key, "u": subsonic.username})
    subsonic.error("ping", code=44, auth={"apiKey": "not-a-key"})
    subsonic.error("ping", code=10, auth={})
    subsonic.error("ping", code=10, auth={"u": subsonic.username})
    subsonic.error("ping", code=10, auth={"u": subsonic.username, "t": "abc"})


def test_account_password_is_not_a_subsonic_password(subsonic):
    from tests.factories import TEST_PASSWORD

    subsonic.error("ping", code=40, auth={"u": subsonic.username, "p": TEST_PASSWORD})


def test_extensions_answer_without_authentication(subsonic):
    answer = subsonic.json("getOpenSubsonicExtensions", auth={})
    names = {e["name"] for e in answer["openSubsonicExtensions"]}
    assert {"formPost", "apiKeyAuthentication", "songLyrics", "transcodeOffset"} <= names


def test_unknown_methods_and_paths_answer_the_envelope_never_html(subsonic):
    subsonic.error("noSuchMethod", code=70)
    for path in ("/rest/", "/rest/a/b/c", "/rest/stream.view/x"):
        response = subsonic.client.get(path + "?f=json")
        assert response.status_code == 200
        assert json.loads(response.content)["subsonic-response"]["status"] == "failed"
    response = subsonic.client.get("/rest/getAlbum.view")  # xml by default
    assert response["Content-Type"].startswith("text/xml") and b"<html" not in response.content.lower()


def test_binary_endpoints_answer_errors_as_envelope(subsonic, library):
    for method in ("stream", "download", "getCoverArt"):
        subsonic.error(method, {"id": "999999"}, code=70)
        subsonic.error(method, {}, code=10)


def test_jsonp_wraps_the_callback_and_refuses_bad_names(subsonic):
    response = subsonic.raw("ping", fmt="jsonp", params={"callback": "app.onPing"})
    text = response.content.decode()
    assert response["Content-Type"].startswith("application/javascript")
    assert text.startswith("app.onPing(") and text.endswith(");")
    assert json.loads(text[len("app.onPing("):-2])["subsonic-response"]["status"] == "ok"
    bad = subsonic.raw("ping", fmt="jsonp", params={"callback": "alert(1)//"})
    assert json.loads(bad.content)["subsonic-response"]["error"]["code"] == 10


def test_cors_and_options(subsonic):
    response = subsonic.client.options("/rest/ping.view")
    assert response.status_code == 204 and response["Access-Control-Allow-Origin"] == "*"
    assert subsonic.raw("ping")["Access-Control-Allow-Origin"] == "*"


def test_xml_carries_attributes_and_children(subsonic, library):
    root = subsonic.xml("getAlbum", {"id": f"al-{library['albums'][0].pk}"})
    album = root.find(f"{XMLNS}album")
    assert album.get("name") == "Arrival" and album.get("songCount") == "2"
    songs = album.findall(f"{XMLNS}song")
    assert [s.get("title") for s in songs] == ["Dancing Queen", "Money, Money, Money"]
    assert songs[0].get("isDir") == "false"


def test_failed_logins_are_throttled_like_api_logins(subsonic, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "auth_account": "3/min", "auth_ip": "100/min"}
    for _ in range(4):
        subsonic.error("ping", code=40, auth={"u": subsonic.username, "p": "guess"})
    message = subsonic.error("ping", code=40, auth={"u": subsonic.username, "p": subsonic.password})
    assert "Too many" in message
    # the API login meets the same counter for that account
    from django.test import Client

    response = Client().post("/api/v1/auth/login", {"username": subsonic.username, "password": "x"},
                             content_type="application/json")
    assert response.status_code == 429


def test_new_credentials_replace_the_old_ones(subsonic, listener):
    old = subsonic.password
    issued = subsonic_credentials_create(user=listener)
    subsonic.error("ping", code=40, auth={"u": subsonic.username, "p": old})
    subsonic.error("ping", code=44, auth={"apiKey": subsonic.api_key})
    subsonic.json("ping", auth={"u": subsonic.username, "p": issued.password})
    subsonic.json("ping", auth={"apiKey": issued.api_key})


def test_secrets_are_not_stored_readably(subsonic, listener):
    row = SubsonicCredential.objects.get(user=listener)
    assert subsonic.password not in row.password_encrypted
    assert row.api_key_hash == hashlib.sha256(subsonic.api_key.encode()).hexdigest()


def test_key_rotation_keeps_passwords_working(subsonic, listener, settings):
    from cryptography.fernet import Fernet

    from accounts.subsonic_credentials import _fernet, subsonic_credentials_reencrypt

    old_key = _fernet()._fernets[0]._signing_key + _fernet()._fernets[0]._encryption_key
    import base64

    settings.SUBSONIC_CREDENTIAL_KEYS = [Fernet.generate_key().decode(), base64.urlsafe_b64encode(old_key).decode()]
    subsonic.json("ping", auth={"u": subsonic.username, "p": subsonic.password})
    assert subsonic_credentials_reencrypt() == 1
    settings.SUBSONIC_CREDENTIAL_KEYS = settings.SUBSONIC_CREDENTIAL_KEYS[:1]
    subsonic.json("ping", auth={"u": subsonic.username, "p": subsonic.password})


def test_inactive_user_cannot_sign_in(subsonic, listener):
    listener.is_active = False
    listener.save()
    subsonic.error("ping", code=40)


def test_bad_bodies_get_a_clear_error_and_change_nothing(subsonic, library, listener):
    from playlists.models import Playlist

    many = "&".join(f"songId={n}" for n in range(5000))
    response = subsonic.client.post("/rest/createPlaylist?f=json", data=f"name=Huge&{many}",
                                    content_type="application/x-www-form-urlencoded")
    error = json.loads(response.content)["subsonic-response"]["error"]
    assert error["code"] == 10 and "form body" in error["message"]
    subsonic.error("createPlaylist", {"name": "x", "songId": ["1x"]}, code=70)
    subsonic.error("getAlbumList2", {"type": "newest", "offset": "-1"}, code=10)
    subsonic.error("getSong", {"id": "9" * 40}, code=70)
    subsonic.error("getSong", {"id": "1\x00"}, code=70)
    assert not Playlist.objects.filter(owner=listener).exists()
