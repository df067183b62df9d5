"""Users in admin: role and active changes through the account services, guarded and audited."""
from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AuditEvent, Role, User
from catalog.models import Artist
from tests.factories import AdminFactory, UserFactory

from .conftest import run_action

pytestmark = pytest.mark.django_db


def _change_post(client, user, **overrides):
    data = {
        "username": user.username, "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
        "country": user.country, "role": user.role, "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "", "is_superuser": "on" if user.is_superuser else "",
        "last_login_0": "", "last_login_1": "", "_save": "Save",
    }
    data.update(overrides)
    return client.post(reverse("admin:accounts_user_change", args=[user.pk]), {k: v for k, v in data.items() if v != ""})


def test_making_a_user_an_artist_links_a_profile_and_is_audited(staff_client, staff):
    user = UserFactory(username="mira", first_name="Mira", last_name="Stone")
    response = _change_post(staff_client, user, role=Role.ARTIST)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == Role.ARTIST
    artist = Artist.objects.get(user=user)
    assert artist.name == "Mira Stone"
    event = AuditEvent.objects.get(action="role_changed", target=user)
    assert (event.actor_id, event.details) == (staff.pk, {"old": "user", "new": "artist"})
    # the API agrees
    api = APIClient()
    api.force_authenticate(staff)
    assert api.get(f"/api/v1/users/{user.pk}").json()["artist_id"] == artist.pk


def test_deactivating_is_audited_and_signs_the_user_out_everywhere(staff_client, staff):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.tokens import token_pair_issue

    user = UserFactory()
    token_pair_issue(user=user)
    response = _change_post(staff_client, user, is_active="")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    assert AuditEvent.objects.filter(action="active_changed", target=user, actor=staff,
                                     details={"old": True, "new": False}).exists()


def test_staff_cannot_demote_or_deactivate_themselves(staff_client, staff):
    AdminFactory()  # not the last superuser: only "oneself" refuses
    for change in ({"is_active": ""}, {"is_superuser": ""}):
        response = _change_post(staff_client, staff, **change)
        assert response.status_code == 200
        assert "cannot" in response.content.decode()
    staff.refresh_from_db()
    assert staff.is_active and staff.is_superuser
    assert not AuditEvent.objects.filter(target=staff).exclude(action="login").exists()


def test_the_last_superuser_cannot_be_demoted_by_another_staff_member(client):
    last = AdminFactory(username="root")
    helper = UserFactory(username="helper", role=Role.ADMIN, is_staff=True)
    from django.contrib.auth.models import Permission

    helper.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    client.force_login(helper)
    response = _change_post(client, last, is_superuser="", role=Role.ADMIN)
    assert response.status_code == 200
    assert "last active superuser" in response.content.decode()
    last.refresh_from_db()
    assert last.is_superuser
    # nor by a bulk action
    run_action(client, User, "deactivate", [last])
    last.refresh_from_db()
    assert last.is_active


def test_bulk_role_change_goes_through_the_service(staff_client, staff):
    users = [UserFactory() for _ in range(3)]
    page = run_action(staff_client, User, "make_artist", users, confirm=False)
    assert page.status_code == 200 and "artist profile" in page.content.decode()
    assert run_action(staff_client, User, "make_artist", users).status_code == 302
    assert Artist.objects.filter(user__in=users).count() == 3
    assert AuditEvent.objects.filter(action="role_changed", actor=staff, target__in=users).count() == 3


def test_bulk_delete_refuses_oneself_and_deletes_nothing(staff_client, staff):
    other = UserFactory()
    response = run_action(staff_client, User, "delete_selected_guarded", [other, staff])
    assert response.status_code == 302
    assert User.objects.filter(pk__in=[other.pk, staff.pk]).count() == 2
    assert not AuditEvent.objects.filter(action="user_deleted").exists()


def test_bulk_delete_refuses_the_last_superuser(client):
    last = AdminFactory()
    helper = UserFactory(role=Role.ADMIN, is_staff=True)
    from django.contrib.auth.models import Permission

    helper.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    client.force_login(helper)
    run_action(client, User, "delete_selected_guarded", [last])
    assert User.objects.filter(pk=last.pk).exists()


def test_deleting_users_is_audited_with_their_names(staff_client, staff):
    gone = [UserFactory(username=f"gone{i}") for i in range(2)]
    response = run_action(staff_client, User, "delete_selected_guarded", gone)  # post=yes confirms Django's page
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[u.pk for u in gone]).exists()
    events = AuditEvent.objects.filter(action="user_deleted").order_by("target_username")
    assert [(e.target_id, e.target_username, e.actor_id) for e in events] == [
        (None, "gone0", staff.pk), (None, "gone1", staff.pk)]


def test_single_delete_of_oneself_is_forbidden(staff_client, staff):
    response = staff_client.post(reverse("admin:accounts_user_delete", args=[staff.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


def test_password_set_in_admin_is_audited_and_revokes_tokens(staff_client, staff):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.tokens import token_pair_issue

    user = UserFactory()
    token_pair_issue(user=user)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = staff_client.post(url, {"password1": "a-much-better-secret-77", "password2": "a-much-better-secret-77",
                                       "usable_password": "true"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-better-secret-77")
    assert AuditEvent.objects.filter(action="password_changed", target=user, actor=staff).exists()
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()


def test_audit_changelist_filters_by_action(staff_client):
    user = UserFactory()
    from accounts import audit

    audit.record(action="login_failed", target=user)
    audit.record(action="token_reuse", target=user)
    url = reverse("admin:accounts_auditevent_changelist")
    body = staff_client.get(url, {"action__exact": "token_reuse"}).content.decode()
    results = body.split('id="result_list"')[1].split("</table>")[0]
    assert "Refresh token reuse detected" in results and "Failed sign-in" not in results
    # read-only
    event = AuditEvent.objects.first()
    assert staff_client.post(reverse("admin:accounts_auditevent_change", args=[event.pk]), {}).status_code == 403
    assert staff_client.get(reverse("admin:accounts_auditevent_add")).status_code == 403


def test_granting_superuser_makes_an_admin_whatever_role_the_form_says(staff_client, staff):
    user = UserFactory()
    response = _change_post(staff_client, user, is_superuser="on", is_staff="on", role=Role.USER)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.is_superuser, user.is_staff, user.role) == (True, True, Role.ADMIN)
    event = AuditEvent.objects.get(action="privileges_changed", target=user)
    assert event.details == {"old": {"is_staff": False, "is_superuser": False},
                             "new": {"is_staff": True, "is_superuser": True}}
