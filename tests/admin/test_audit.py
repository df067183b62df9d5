"""The audit log of security events: what writes it, and GET /api/v1/audit/ (admins only)."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from tests.factories import TEST_PASSWORD, AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

AUDIT = "/api/v1/audit/"


@pytest.fixture
def api():
    return APIClient()


def test_api_login_and_failed_login_are_recorded(api):
    user = UserFactory(username="nova")
    assert api.post("/api/v1/auth/login", {"username": "nova", "password": TEST_PASSWORD}, format="json").status_code == 200
    assert api.post("/api/v1/auth/login", {"username": "NOVA", "password": "wrong-one-123"},
                    format="json").status_code == 401
    assert api.post("/api/v1/auth/login", {"username": "nobody-here", "password": "x"}, format="json").status_code == 401
    ok = AuditEvent.objects.get(action="login")
    assert (ok.actor_id, ok.target_id, ok.ip_address) == (user.pk, user.pk, "127.0.0.1")
    failed = list(AuditEvent.objects.filter(action="login_failed").order_by("id"))
    assert [(e.target_id, e.target_username) for e in failed] == [(user.pk, "NOVA"), (None, "nobody-here")]
    assert all("password" not in e.details for e in failed)


def test_admin_login_form_records_failures(client):
    UserFactory(username="staffish")
    client.post("/admin/login/", {"username": "staffish", "password": "nope", "next": "/admin/"})
    assert AuditEvent.objects.filter(action="login_failed", target_username="staffish").exists()


def test_refresh_token_reuse_is_recorded(api):
    user = UserFactory(username="reuser")
    pair = api.post("/api/v1/auth/login", {"username": "reuser", "password": TEST_PASSWORD}, format="json").json()
    assert api.post("/api/v1/auth/refresh", {"refresh": pair["refresh"]}, format="json").status_code == 200
    assert api.post("/api/v1/auth/refresh", {"refresh": pair["refresh"]}, format="json").status_code == 401
    event = AuditEvent.objects.get(action="token_reuse")
    assert event.target_id == user.pk and event.details["revoked"] >= 1


def test_own_password_change_is_recorded(api):
    user = UserFactory()
    api.force_authenticate(user)
    response = api.patch("/api/v1/auth/me", {"current_password": TEST_PASSWORD, "password": "brand-new-secret-991"},
                         format="json")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="password_changed", actor=user, target=user).exists()


def test_role_and_active_changes_through_the_api_are_recorded(api):
    admin, user = AdminFactory(), UserFactory()
    api.force_authenticate(admin)
    assert api.patch(f"/api/v1/users/{user.pk}", {"role": "artist", "is_active": False}, format="json").status_code == 200
    actions = set(AuditEvent.objects.filter(target=user, actor=admin).values_list("action", flat=True))
    assert actions == {"role_changed", "active_changed"}


def test_a_refused_change_leaves_no_audit_entry(api):
    admin = AdminFactory()
    api.force_authenticate(admin)
    response = api.patch(f"/api/v1/users/{admin.pk}", {"is_active": False}, format="json")
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="active_changed").exists()


# --- GET /api/v1/audit/ ----------------------------------------------------------------------


def test_only_admins_read_the_audit_log(api):
    assert api.get(AUDIT).status_code == 401
    api.force_authenticate(UserFactory())
    assert api.get(AUDIT).status_code == 403
    api.force_authenticate(AdminFactory())
    assert api.get(AUDIT).status_code == 200


def test_audit_api_pages_newest_first_and_filters(api, django_assert_max_num_queries):
    from accounts import audit

    admin, user, other = AdminFactory(), UserFactory(username="target1"), UserFactory()
    for _ in range(3):
        audit.record(action="login_failed", target=user)
    audit.record(action="role_changed", actor=admin, target=other, old="user", new="admin")
    api.force_authenticate(admin)
    with django_assert_max_num_queries(4):
        body = api.get(AUDIT, {"page_size": 2}).json()
    assert [r["action"] for r in body["results"]] == ["role_changed", "login_failed"]
    assert "count" not in body  # a cursor: no COUNT(*) of a log that only grows
    second = api.get(body["next"]).json()
    assert [r["action"] for r in second["results"]] == ["login_failed", "login_failed"]
    assert [r["target_id"] for r in api.get(AUDIT, {"action": "role_changed"}).json()["results"]] == [other.pk]
    assert len(api.get(AUDIT, {"target": user.pk}).json()["results"]) == 3
    assert len(api.get(AUDIT, {"username": "TARGET1"}).json()["results"]) == 3
    assert len(api.get(AUDIT, {"action": ["role_changed", "login_failed"]}).json()["results"]) == 4
    assert api.get(AUDIT, {"since": "2999-01-01T00:00:00Z"}).json()["results"] == []
    assert len(api.get(AUDIT, {"since": "2000-01-01T00:00:00+14:00"}).json()["results"]) > 0


@pytest.mark.parametrize("params", [{"action": "no-such"}, {"target": "abc"}, {"since": "yesterday"},
                                    {"page_size": "0"}, {"actor": "-1"},
                                    # a zone offset no place has, and instants that leave the range in UTC
                                    {"since": "4843-10-28T10:59:04+22:15"}, {"until": "0001-01-01T00:10:00+14:00"},
                                    {"since": "9999-12-31T23:59:00-14:00"}])
def test_audit_api_bad_filters_are_clear_400s(api, params):
    api.force_authenticate(AdminFactory())
    response = api.get(AUDIT, params)
    assert response.status_code == 400, response.content
    assert response.json()["error"]


def test_record_refuses_an_unknown_action():
    from accounts import audit

    with pytest.raises(ValueError):
        audit.record(action="made-up")
