"""Cached suggestions: a write to a searchable row is seen by the next keystroke, not after the timeout."""
import pytest

from playlists.services import playlist_create, playlist_update
from search.services import suggest
from tests.factories import UserFactory


def _titles(hits, entity, user=None):
    from search.selectors import hits_hydrate

    return [obj.title for hit, obj in hits_hydrate(hits=hits, user=user) if hit.entity == entity]


@pytest.mark.django_db
def test_a_playlist_edit_is_seen_by_the_next_suggestion(catalog, django_capture_on_commit_callbacks):
    assert _titles(suggest(query="road"), "playlist") == ["Road Trip", "Mix"]
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = playlist_create(owner=owner, title="Road Songs", is_public=True)
    assert "Road Songs" in _titles(suggest(query="road"), "playlist")
    with django_capture_on_commit_callbacks(execute=True):
        playlist_update(actor=owner, playlist_id=created.pk, title="Quiet Evening")
    assert "Road Songs" not in _titles(suggest(query="road"), "playlist")
    assert _titles(suggest(query="quiet"), "playlist") == ["Quiet Evening"]


@pytest.mark.django_db
def test_suggestions_are_cached_per_viewer(catalog):
    owner = catalog["owner"]
    assert "Secret Road Songs" in _titles(suggest(query="road", user=owner), "playlist", owner)
    assert "Secret Road Songs" not in _titles(suggest(query="road"), "playlist")  # not the owner's entry
    stranger = UserFactory()
    assert "Secret Road Songs" not in _titles(suggest(query="road", user=stranger), "playlist", stranger)
