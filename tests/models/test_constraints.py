"""Every database constraint of the data model, shown by a real insert that must fail."""
from datetime import timedelta

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from analytics.models import ListeningHistory
from catalog.models import Album, Artist, Genre, Track
from etl.models import EtlJob, S3FileRegistry, TrackUpload
from playlists.models import Favorite, PlaylistTrack
from tests.factories import (
    AlbumFactory,
    ArtistFactory,
    FavoriteFactory,
    PlaylistFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def must_fail(create, constraint: str):
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        create()
        with connection.cursor() as cursor:  # deferred constraints are checked now, not at the outer commit
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert constraint in str(info.value), str(info.value)


# --- users -------------------------------------------------------------------------------

def test_email_is_unique_ignoring_case():
    UserFactory(username="ana", email="ana@example.com")
    must_fail(lambda: User.objects.create(username="ana2", email="ANA@example.com"), "users_email_ci_unique")


def test_user_country_is_an_iso_code_or_empty():
    must_fail(lambda: UserFactory(country="gb"), "users_country_iso2")
    with pytest.raises(DataError), transaction.atomic():
        UserFactory(country="GBR")
    assert UserFactory().country == ""
    assert UserFactory(country="BR").country == "BR"


def test_username_is_unique_ignoring_case():
    UserFactory(username="Ana")
    must_fail(lambda: User.objects.create(username="ana", email="other@example.com"), "users_username_ci_unique")


def test_role_must_be_one_of_the_seed_roles():
    must_fail(lambda: User.objects.create(username="x", email="x@example.com", role="superstar"), "users_role_valid")


def test_email_may_not_be_empty():
    must_fail(lambda: User.objects.create(username="x", email=""), "users_email_not_empty")


def test_a_superuser_is_always_an_admin():
    user = User.objects.create_superuser(username="root", email="root@example.com", password="x")
    user.role = Role.USER
    user.save()
    user.refresh_from_db()
    assert user.role == Role.ADMIN and user.is_admin


# --- catalog -------------------------------------------------------------------------------

def test_genre_name_unique_ignoring_case_and_not_empty():
    Genre.objects.create(name="Jazz")
    must_fail(lambda: Genre.objects.create(name="JAZZ"), "genres_name_ci_unique")
    must_fail(lambda: Genre.objects.create(name=""), "genres_name_not_empty")


def test_artist_country_is_an_iso_code_and_name_not_empty():
    with pytest.raises(DataError), transaction.atomic():
        Artist.objects.create(name="A", country="england")
    must_fail(lambda: Artist.objects.create(name="A", country="gb"), "artists_country_iso2")
    must_fail(lambda: Artist.objects.create(name=""), "artists_name_not_empty")
    assert Artist.objects.create(name="No country").country == ""


def test_album_title_not_empty():
    artist = ArtistFactory()
    must_fail(lambda: Album.objects.create(artist=artist, title=""), "albums_title_not_empty")


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("duration_ms", 0, "tracks_duration_positive"),
        ("energy", -0.01, "tracks_energy_unit_range"),
        ("energy", 1.01, "tracks_energy_unit_range"),
        ("valence", -0.5, "tracks_valence_unit_range"),
        ("valence", 1.5, "tracks_valence_unit_range"),
        ("tempo", 0, "tracks_tempo_range"),
        ("tempo", 5000, "tracks_tempo_range"),
        ("popularity", -1, "tracks_popularity_non_negative"),
        ("file_size", -1, "tracks_file_size_non_negative"),
        ("processing_status", "exploded", "tracks_processing_status_valid"),
        ("title", "", "tracks_title_not_empty"),
    ],
)
def test_track_ranges_are_enforced_by_the_database(field, value, constraint):
    artist = ArtistFactory()
    values = {"title": "t", field: value}
    must_fail(lambda: Track.objects.create(artist=artist, **values), constraint)


def test_track_range_bounds_are_inclusive():
    track = TrackFactory(energy=0.0, valence=1.0, duration_ms=1, tempo=0.5)
    assert track.pk


def test_deleting_an_album_keeps_its_tracks_and_deleting_an_artist_removes_them():
    album = AlbumFactory()
    track = TrackFactory(artist=album.artist, album=album)
    album.delete()
    track.refresh_from_db()
    assert track.album is None
    track.artist.delete()
    assert not Track.objects.filter(pk=track.pk).exists()


# --- playlists -------------------------------------------------------------------------------

def test_a_track_may_appear_twice_but_a_position_only_once():
    playlist = PlaylistFactory()
    track = TrackFactory()
    PlaylistTrack.objects.create(playlist=playlist, track=track, position=0)
    PlaylistTrack.objects.create(playlist=playlist, track=track, position=1)
    must_fail(lambda: PlaylistTrack.objects.create(playlist=playlist, track=TrackFactory(), position=1),
              "playlist_tracks_position_unique")


def test_positions_can_be_swapped_inside_one_transaction():
    playlist = PlaylistFactory()
    first = PlaylistTrack.objects.create(playlist=playlist, track=TrackFactory(), position=0)
    second = PlaylistTrack.objects.create(playlist=playlist, track=TrackFactory(), position=1)
    with transaction.atomic():
        PlaylistTrack.objects.filter(pk=first.pk).update(position=1)
        PlaylistTrack.objects.filter(pk=second.pk).update(position=0)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert list(playlist.entries.values_list("pk", flat=True)) == [second.pk, first.pk]


def test_a_favourite_is_unique_per_user_and_track():
    favorite = FavoriteFactory()
    must_fail(lambda: Favorite.objects.create(user=favorite.user, track=favorite.track), "favorites_user_track_unique")


# --- listening history -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("completion_percentage", -1, "listening_completion_percent_range"),
        ("completion_percentage", 100.5, "listening_completion_percent_range"),
        ("platform", "gramophone", "listening_platform_valid"),
        ("device_type", "toaster", "listening_device_valid"),
    ],
)
def test_listening_history_ranges(field, value, constraint):
    user, track = UserFactory(), TrackFactory()
    must_fail(lambda: ListeningHistory.objects.create(user=user, track=track, **{field: value}), constraint)


def test_listening_history_rejects_a_negative_duration():
    user, track = UserFactory(), TrackFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ListeningHistory.objects.create(user=user, track=track, play_duration_ms=-5)


# --- etl / staging ---------------------------------------------------------------------------------

def test_etl_tables_live_in_their_schemas():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_name IN ('etl_jobs', 's3_file_registry', 'track_uploads')"
        )
        found = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'data_warehouse'")
        assert cursor.fetchone()
    assert found == {"etl.etl_jobs", "etl.s3_file_registry", "staging.track_uploads"}


def test_registry_is_unique_per_bucket_and_path():
    S3FileRegistry.objects.create(bucket_name="tracks", file_path="a/b.mp3")
    S3FileRegistry.objects.create(bucket_name="temp", file_path="a/b.mp3")
    must_fail(lambda: S3FileRegistry.objects.create(bucket_name="tracks", file_path="a/b.mp3"),
              "s3_file_registry_bucket_path_unique")
    must_fail(lambda: S3FileRegistry.objects.create(bucket_name="tracks", file_path="c.mp3", status="lost"),
              "s3_file_registry_status_valid")
    must_fail(lambda: S3FileRegistry.objects.create(bucket_name="tracks", file_path="d.mp3", file_size=-1),
              "s3_file_registry_size_non_negative")
    must_fail(lambda: S3FileRegistry.objects.create(bucket_name="tracks", file_path=""),
              "s3_file_registry_path_not_empty")


def test_etl_job_status_and_times():
    job = EtlJob.objects.create(job_name="music_etl_pipeline")
    must_fail(lambda: EtlJob.objects.create(job_name="x", status="exploded"), "etl_jobs_status_valid")
    must_fail(lambda: EtlJob.objects.filter(pk=job.pk).update(end_time=job.start_time - timedelta(seconds=1)),
              "etl_jobs_end_after_start")


def test_track_upload_status_and_size():
    uploader = UserFactory()
    must_fail(lambda: TrackUpload.objects.create(uploader=uploader, original_filename="a.mp3", s3_path="k", status="x"),
              "track_uploads_status_valid")
    must_fail(lambda: TrackUpload.objects.create(uploader=uploader, original_filename="a.mp3", s3_path="k", file_size=-3),
              "track_uploads_size_non_negative")


def test_indexes_for_the_hot_queries_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "tracks_popularity_idx", "tracks_artist_created_idx", "tracks_album_order_idx", "albums_artist_release_idx",
        "listening_user_played_idx", "listening_track_played_idx",
    } <= names
    assert timezone.now()  # the DB and Django agree on UTC (USE_TZ)
