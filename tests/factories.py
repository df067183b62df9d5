"""factory_boy factories shared by every test package."""
import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, User
from analytics.models import ListeningHistory
from catalog.models import Album, Artist, Genre, ProcessingStatus, Track
from playlists.models import Favorite, Playlist, PlaylistTrack

TEST_PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"listener{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.USER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


class ArtistUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"artistuser{n}")
    role = Role.ARTIST


class GenreFactory(DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Genre {n}")


class ArtistFactory(DjangoModelFactory):
    class Meta:
        model = Artist

    name = factory.Sequence(lambda n: f"Artist {n}")
    country = "GB"


class AlbumFactory(DjangoModelFactory):
    class Meta:
        model = Album

    artist = factory.SubFactory(ArtistFactory)
    title = factory.Sequence(lambda n: f"Album {n}")


class TrackFactory(DjangoModelFactory):
    class Meta:
        model = Track

    artist = factory.SubFactory(ArtistFactory)
    album = None
    genre = None
    title = factory.Sequence(lambda n: f"Track {n}")
    duration_ms = 180_000
    processing_status = ProcessingStatus.READY


class PlaylistFactory(DjangoModelFactory):
    class Meta:
        model = Playlist

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Playlist {n}")
    is_public = False


class PlaylistTrackFactory(DjangoModelFactory):
    class Meta:
        model = PlaylistTrack

    playlist = factory.SubFactory(PlaylistFactory)
    track = factory.SubFactory(TrackFactory)
    position = factory.Sequence(lambda n: n)


class FavoriteFactory(DjangoModelFactory):
    class Meta:
        model = Favorite

    user = factory.SubFactory(UserFactory)
    track = factory.SubFactory(TrackFactory)


class ListenFactory(DjangoModelFactory):
    class Meta:
        model = ListeningHistory

    user = factory.SubFactory(UserFactory)
    track = factory.SubFactory(TrackFactory)
    play_duration_ms = 120_000
    completion_percentage = 66.0
