"""Admin user management over HTTP: list, filter, change role and active flag; nobody else sees users."""
from __future__ import annotations

import pytest

from accounts.models import Role, User
from catalog.models import Artist
from tests.api.clients import login
from tests.factories import TEST_PASSWORD, AdminFactory, ArtistFactory, ArtistUserFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users/"
REFRESH = "/api/v1/auth/refresh"


def detail(user_id) -> str:
    return f"/api/v1/users/{user_id}"


# --- who may ------------------------------------------------------------------------------

def test_anonymous_gets_401(api_client, listener):
    assert api_client.get(USERS).status_code == 401
    assert api_client.patch(detail(listener.pk), {"role": "admin"}, format="json").status_code == 401


@pytest.mark.parametrize("role_fixture", ["listener", "artist_user"])
def test_non_admins_get_403_and_no_data_for_any_id(request, client_for, role_fixture):
    me = request.getfixturevalue(role_fixture)
    other = UserFactory()
    client = client_for(me)

    for response in (
        client.get(USERS),
        client.get(detail(other.pk)),
        client.get(detail(me.pk)),
        client.get(detail(999_999)),
        client.patch(detail(other.pk), {"role": "admin"}, format="json"),
        client.patch(detail(me.pk), {"role": "admin"}, format="json"),
    ):
        assert response.status_code == 403
        assert set(response.json()) == {"error", "detail"}
        assert other.email not in response.content.decode()
    me.refresh_from_db(), other.refresh_from_db()
    assert me.role != Role.ADMIN and other.role == Role.USER


def test_admin_role_without_superuser_flag_is_an_admin(client_for):
    admin = UserFactory(role=Role.ADMIN)

    assert client_for(admin).get(USERS).status_code == 200


def test_superuser_is_always_an_admin(client_for):
    superuser = User.objects.create_superuser("root", "root@example.com", TEST_PASSWORD)
    User.objects.filter(pk=superuser.pk).update(role=Role.USER)  # a stale row cannot demote them
    superuser.refresh_from_db()

    assert client_for(superuser).get(USERS).status_code == 200


# --- list -------------------------------------------------------------------------------

def test_list_is_paginated_and_filtered(client_for, admin_user):
    UserFactory.create_batch(3)
    ArtistUserFactory(username="Sung", email="sung@bands.example")
    UserFactory(username="sleeper", is_active=False)
    client = client_for(admin_user)

    page = client.get(USERS, {"page_size": 2}).json()
    artists = client.get(USERS, {"role": "artist"}).json()
    inactive = client.get(USERS, {"is_active": "false"}).json()
    search = client.get(USERS, {"q": "BANDS"}).json()

    assert page["count"] == 6 and len(page["results"]) == 2 and page["next"]
    assert [u["username"] for u in artists["results"]] == ["Sung"]
    assert [u["username"] for u in inactive["results"]] == ["sleeper"]
    assert [u["username"] for u in search["results"]] == ["Sung"]


def test_list_pages_never_overlap(client_for, admin_user):
    UserFactory.create_batch(7)
    client = client_for(admin_user)

    seen = []
    for page in (1, 2, 3):
        seen += [u["id"] for u in client.get(USERS, {"page_size": 3, "page": page, "ordering": "username"}).json()["results"]]

    assert len(seen) == len(set(seen)) == 8


@pytest.mark.parametrize(
    "params",
    [{"page_size": 0}, {"page_size": -5}, {"page_size": 10**6}, {"page_size": "lots"}, {"role": "emperor"},
     {"is_active": "maybe"}, {"created_after": "yesterday"}, {"ordering": "password"}, {"q": "x" * 151}],
)
def test_list_bad_parameters_are_400(client_for, admin_user, params):
    response = client_for(admin_user).get(USERS, params)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_list_with_sql_looking_search_is_just_text(client_for, admin_user):
    response = client_for(admin_user).get(USERS, {"q": "' OR 1=1 --"})

    assert response.status_code == 200 and response.json()["count"] == 0


def test_list_costs_a_fixed_number_of_queries(client_for, admin_user, django_assert_max_num_queries):
    for _ in range(5):
        ArtistFactory(user=ArtistUserFactory())
    client = client_for(admin_user)

    with django_assert_max_num_queries(4):
        small = client.get(USERS, {"page_size": 2})
    with django_assert_max_num_queries(4):
        large = client.get(USERS, {"page_size": 100})

    assert len(small.json()["results"]) == 2 and len(large.json()["results"]) == 6


# --- change role / active -----------------------------------------------------------

def test_becoming_an_artist_creates_the_artist_profile_once(client_for, admin_user, listener):
    client = client_for(admin_user)

    response = client.patch(detail(listener.pk), {"role": "artist"}, format="json")

    assert response.status_code == 200
    body = response.json()
    artist = Artist.objects.get(user=listener)
    assert body["role"] == "artist" and body["artist_id"] == artist.pk
    assert artist.name == listener.username
    # going back and forth keeps the one profile
    client.patch(detail(listener.pk), {"role": "user"}, format="json")
    client.patch(detail(listener.pk), {"role": "artist"}, format="json")
    assert Artist.objects.filter(user=listener).count() == 1


def test_becoming_an_artist_can_link_an_existing_unowned_profile(client_for, admin_user, listener):
    artist = ArtistFactory(name="The Unclaimed")

    response = client_for(admin_user).patch(detail(listener.pk), {"role": "artist", "artist_id": artist.pk}, format="json")

    assert response.status_code == 200 and response.json()["artist_id"] == artist.pk
    artist.refresh_from_db()
    assert artist.user_id == listener.pk
    assert Artist.objects.count() == 1


@pytest.mark.parametrize("case", ["owned_by_other", "unknown", "not_artist_role"])
def test_linking_a_wrong_artist_profile_is_refused_and_nothing_changes(client_for, admin_user, listener, case):
    owned = ArtistFactory(user=ArtistUserFactory())
    body = {
        "owned_by_other": {"role": "artist", "artist_id": owned.pk},
        "unknown": {"role": "artist", "artist_id": 987_654},
        "not_artist_role": {"role": "admin", "artist_id": owned.pk},
    }[case]

    response = client_for(admin_user).patch(detail(listener.pk), body, format="json")

    assert response.status_code == 400 and "artist_id" in response.json()["fields"]
    listener.refresh_from_db(), owned.refresh_from_db()
    assert listener.role == Role.USER and owned.user_id != listener.pk
    assert Artist.objects.count() == 1


def test_deactivation_blocks_login_and_revokes_refresh_tokens(api_client, client_for, admin_user, listener):
    pair = login(api_client, listener)

    response = client_for(admin_user).patch(detail(listener.pk), {"is_active": False}, format="json")

    assert response.status_code == 200 and response.json()["is_active"] is False
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api_client.get("/api/v1/auth/me").status_code == 401
    assert api_client.post("/api/v1/auth/login", {"username": listener.username, "password": TEST_PASSWORD},
                           format="json").status_code == 401


def test_superuser_cannot_be_demoted(client_for, admin_user):
    superuser = AdminFactory()

    response = client_for(admin_user).patch(detail(superuser.pk), {"role": "user"}, format="json")

    assert response.status_code == 400 and "role" in response.json()["fields"]
    superuser.refresh_from_db()
    assert superuser.role == Role.ADMIN


@pytest.mark.parametrize(("body", "field"), [({"role": "user"}, "role"), ({"is_active": False}, "is_active")])
def test_admin_cannot_lock_themselves_out(client_for, body, field):
    admin = UserFactory(role=Role.ADMIN)

    response = client_for(admin).patch(detail(admin.pk), body, format="json")

    assert response.status_code == 400 and field in response.json()["fields"]
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.is_active


def test_role_and_active_change_is_all_or_nothing(client_for, listener):
    admin = UserFactory(role=Role.ADMIN)
    # role is fine, but deactivating oneself is refused: the role change must not stay either
    response = client_for(admin).patch(detail(admin.pk), {"role": "admin", "is_active": False}, format="json")
    assert response.status_code == 400

    response = client_for(admin).patch(detail(listener.pk), {"role": "artist", "is_active": False}, format="json")
    assert response.status_code == 200
    listener.refresh_from_db()
    assert (listener.role, listener.is_active) == (Role.ARTIST, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"role": "emperor"}, "role"), ({"role": 3}, "role"), ({"is_active": "maybe"}, "is_active"),
     ({"role": None}, "role"), ({"artist_id": "abc", "role": "artist"}, "artist_id"),
     ({"artist_id": -1, "role": "artist"}, "artist_id"), ({"artist_id": 10**30, "role": "artist"}, "artist_id")],
)
def test_patch_bad_input_is_400_and_changes_nothing(client_for, admin_user, listener, body, field):
    response = client_for(admin_user).patch(detail(listener.pk), body, format="json")

    assert response.status_code == 400 and field in response.json()["fields"]
    listener.refresh_from_db()
    assert listener.role == Role.USER and listener.is_active
    assert not Artist.objects.exists()


@pytest.mark.parametrize("user_id", ["999999", "abc", "-1", str(10**30), "1.5"])
def test_unknown_or_malformed_ids_are_404(client_for, admin_user, user_id):
    client = client_for(admin_user)

    assert client.get(f"/api/v1/users/{user_id}").status_code == 404
    response = client.patch(f"/api/v1/users/{user_id}", {"role": "artist"}, format="json")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize("trailing", ["", "/"])
def test_users_routes_with_and_without_trailing_slash(client_for, admin_user, listener, trailing):
    client = client_for(admin_user)

    assert client.get("/api/v1/users" + trailing).status_code == 200
    assert client.patch(detail(listener.pk) + trailing, {"role": "artist"}, format="json").status_code == 200


def test_put_is_not_offered(client_for, admin_user, listener):
    response = client_for(admin_user).put(detail(listener.pk), {"role": "artist"}, format="json")

    assert response.status_code == 405


# --- the last superuser and oneself (API and admin alike) -------------------------------------

def test_an_admin_by_role_cannot_deactivate_the_last_superuser(client_for):
    superuser = AdminFactory()
    role_admin = UserFactory(role=Role.ADMIN)

    response = client_for(role_admin).patch(detail(superuser.pk), {"is_active": False}, format="json")

    assert response.status_code == 400, response.content
    assert "last active superuser" in response.json()["fields"]["is_active"][0]
    superuser.refresh_from_db()
    assert superuser.is_active


def test_a_superuser_can_be_deactivated_while_another_remains(client_for):
    superuser, other = AdminFactory(), AdminFactory()

    response = client_for(other).patch(detail(superuser.pk), {"is_active": False}, format="json")

    assert response.status_code == 200 and response.json()["is_active"] is False


def _admin_change_post(client, user, **changes):
    data = {"username": user.username, "email": user.email, "first_name": "", "last_name": "", "country": "",
            "role": user.role, "is_active": "on" if user.is_active else "", "is_staff": "on" if user.is_staff else "",
            "is_superuser": "on" if user.is_superuser else "", "groups": [], "user_permissions": [],
            "last_login_0": "", "last_login_1": ""}
    data.update(changes)
    return client.post(f"/admin/accounts/user/{user.pk}/change/", {k: v for k, v in data.items() if v != ""})


def test_the_admin_form_cannot_demote_or_deactivate_the_last_superuser():
    from django.contrib.auth.models import Permission
    from django.test import Client

    superuser = AdminFactory()
    staff = UserFactory(role=Role.ADMIN, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user", "delete_user"]))
    client = Client()
    client.force_login(staff)

    demote = _admin_change_post(client, superuser, is_superuser="", role=Role.USER)
    deactivate = _admin_change_post(client, superuser, is_active="")

    for response in (demote, deactivate):
        assert response.status_code == 200  # the form again, with the error
        assert "last active superuser" in response.content.decode()
    superuser.refresh_from_db()
    assert superuser.is_superuser and superuser.is_active
    # nor delete it (though it may delete other accounts)
    other = UserFactory()
    assert client.post(f"/admin/accounts/user/{other.pk}/delete/", {"post": "yes"}).status_code == 302
    assert client.post(f"/admin/accounts/user/{superuser.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=superuser.pk).exists()


def test_the_admin_form_cannot_demote_oneself():
    from django.test import Client

    me, _other = AdminFactory(), AdminFactory()
    client = Client()
    client.force_login(me)

    response = _admin_change_post(client, me, is_superuser="")

    assert response.status_code == 200 and "You cannot remove your own superuser status" in response.content.decode()
    me.refresh_from_db()
    assert me.is_superuser
