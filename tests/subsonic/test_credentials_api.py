"""POST/GET/DELETE /api/v1/auth/me/subsonic-credentials (JWT): new secrets shown once, state without secrets, revoke."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import SubsonicCredential
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/me/subsonic-credentials"


def _jwt_client(user) -> Client:
    client = Client()
    tokens = client.post("/api/v1/auth/login", {"username": user.username, "password": TEST_PASSWORD},
                         content_type="application/json").json()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {tokens['access']}"
    return client


def _ping(**auth) -> dict:
    return json.loads(Client().get("/rest/ping", {"f": "json", "v": "1.16.1", "c": "t", **auth}).content)["subsonic-response"]


def test_create_read_revoke():
    user = UserFactory(username="creds")
    client = _jwt_client(user)
    state = client.get(URL).json()
    assert state == {"exists": False, "created_at": None, "username": "creds"}
    created = client.post(URL)
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"username", "password", "api_key", "created_at"} and body["username"] == "creds"
    assert _ping(u="creds", p=body["password"])["status"] == "ok"
    assert _ping(apiKey=body["api_key"])["status"] == "ok"
    state = client.get(URL).json()
    assert state["exists"] is True and state["created_at"] and "password" not in state and "api_key" not in state
    again = client.post(URL).json()  # the previous ones stop working
    assert _ping(u="creds", p=body["password"])["error"]["code"] == 40
    assert _ping(apiKey=body["api_key"])["error"]["code"] == 44
    assert _ping(u="creds", p=again["password"])["status"] == "ok"
    assert client.delete(URL).status_code == 204
    assert not SubsonicCredential.objects.filter(user=user).exists()
    assert _ping(u="creds", p=again["password"])["error"]["code"] == 40
    assert client.delete(URL).status_code == 204  # nothing left to revoke is fine


def test_needs_authentication():
    for method in ("get", "post", "delete"):
        response = getattr(Client(), method)(URL)
        assert response.status_code == 401 and response.json()["error"]


def test_credential_changes_and_failed_subsonic_logins_are_in_the_audit_log():
    from accounts.models import AuditEvent

    user = UserFactory(username="audited")
    client = _jwt_client(user)
    client.post(URL)
    client.post(URL)
    assert _ping(u="audited", p="wrong")["error"]["code"] == 40
    assert _ping(apiKey="not-a-key")["error"]["code"] == 44
    client.delete(URL)
    client.delete(URL)  # nothing left to revoke: no second entry
    events = list(AuditEvent.objects.filter(action__in=["subsonic_issued", "subsonic_revoked"], target=user)
                  .order_by("id").values_list("action", "details"))
    assert events == [("subsonic_issued", {"replaced_previous": False}), ("subsonic_issued", {"replaced_previous": True}),
                      ("subsonic_revoked", {})]
    failed = list(AuditEvent.objects.filter(action="login_failed").order_by("id").values_list("target_username", "details"))
    assert ("audited", {"via": "subsonic"}) in failed and ("", {"via": "subsonic-api-key"}) in failed
    assert all("wrong" not in str(details) for _, details in failed)
    from tests.factories import AdminFactory

    admin = AdminFactory()
    listed = _jwt_client(admin).get("/api/v1/audit/", {"action": "subsonic_issued"}).json()["results"]
    assert [e["target_username"] for e in listed] == ["audited", "audited"]
