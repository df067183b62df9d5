"""Service-level rules that need real concurrency or direct calls: token rotation races, unique races."""
from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services, tokens
from accounts.models import Role, User
from catalog.models import Artist
from tests.factories import UserFactory


def _in_threads(count: int, target) -> list:
    """Run `target()` in `count` threads started together; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = target()
        except Exception as exc:  # noqa: BLE001 - the caller inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Autocommit access for tests whose threads must see each other's commits; removes its users after.

    (transactional_db cannot be used: its flush fails on staging.track_uploads -> users.)
    """
    with django_db_blocker.unblock():
        yield
        doomed = User.objects.filter(username__istartswith="race-")
        OutstandingToken.objects.filter(user__in=doomed).delete()
        doomed.delete()
        connections.close_all()


def test_concurrent_refreshes_with_one_token_yield_one_new_pair(committed_db):
    user = UserFactory(username="race-refresh")
    pair = tokens.token_pair_issue(user=user)

    results = _in_threads(4, lambda: tokens.token_refresh(refresh=pair.refresh))

    winners = [r for r in results if isinstance(r, tokens.TokenPair)]
    losers = [r for r in results if isinstance(r, tokens.TokenRejected)]
    assert len(winners) == 1 and len(losers) == 3, results
    # the losers presented a used token: the whole family is revoked, the winner's pair included
    with pytest.raises(tokens.TokenRejected):
        tokens.token_refresh(refresh=winners[0].refresh)


def test_concurrent_registrations_of_one_name_create_one_account(committed_db):
    def register():
        return services.user_register(username="race-Twin", email="twin@example.com", password="violet-harbour-tangent-91")

    results = _in_threads(3, register)

    created = [r for r in results if isinstance(r, User)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1 and len(refused) == 2, results
    assert User.objects.filter(username__iexact="race-twin").count() == 1


@pytest.mark.django_db
def test_unique_constraint_race_becomes_a_field_error():
    UserFactory(username="Taken", email="taken@example.com")
    # as if another request won between the check and the insert
    user = User(username="TAKEN", email="other@example.com", role=Role.USER)
    user.set_password("violet-harbour-tangent-91")

    with pytest.raises(ValidationError) as caught:
        services._save_unique(user)

    assert caught.value.message_dict == {"username": [services.DUPLICATE_USERNAME]}
    # the surrounding transaction is still usable
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@pytest.mark.django_db
def test_refresh_tokens_revoke_all_skips_already_revoked_and_expired_ones():
    user = UserFactory()
    pairs = [tokens.token_pair_issue(user=user) for _ in range(3)]
    tokens.token_revoke(refresh=pairs[0].refresh)

    assert tokens.refresh_tokens_revoke_all(user=user) == 2
    assert tokens.refresh_tokens_revoke_all(user=user) == 0
    assert BlacklistedToken.objects.filter(token__user=user).count() == OutstandingToken.objects.filter(user=user).count()


@pytest.mark.django_db
def test_role_change_to_artist_names_the_profile_after_the_person():
    user = UserFactory(first_name="Nina", last_name="Simone")

    services.user_role_change(user=user, role=Role.ARTIST)

    assert Artist.objects.get(user=user).name == "Nina Simone"
    user.refresh_from_db()
    assert user.role == Role.ARTIST


@pytest.mark.django_db
def test_role_change_refuses_unknown_roles_and_changes_nothing():
    user = UserFactory()

    with pytest.raises(ValidationError):
        services.user_role_change(user=user, role="emperor")

    user.refresh_from_db()
    assert user.role == Role.USER and not Artist.objects.exists()


@pytest.mark.django_db
def test_flush_expired_tokens_keeps_live_ones():
    from datetime import timedelta

    from django.utils import timezone

    user = UserFactory()
    live = tokens.token_pair_issue(user=user)
    stale = tokens.token_pair_issue(user=user)
    tokens.token_revoke(refresh=stale.refresh)
    OutstandingToken.objects.exclude(token=live.refresh).update(expires_at=timezone.now() - timedelta(seconds=1))

    from accounts.tasks import flush_expired_tokens_task

    assert flush_expired_tokens_task() == 2  # the outstanding row and its blacklist row
    assert list(OutstandingToken.objects.values_list("token", flat=True)) == [live.refresh]
    assert tokens.token_refresh(refresh=live.refresh).refresh
