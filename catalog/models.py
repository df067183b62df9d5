from datetime import date

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Lower


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Genre(models.Model):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        db_table = "genres"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="genres_name_ci_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="genres_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


def _viewer_rights(user) -> tuple[bool, bool]:
    """(is admin, is an artist) of a viewer; the role predicates live in accounts.permissions."""
    from accounts.permissions import user_is_admin, user_is_artist

    return user_is_admin(user), user_is_artist(user)


class ArtistQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Artists the user may see: those with at least one track visible to them; admins all.

        An artist account also sees its own artist profile before any track is ready. An
        artist none of whose tracks is ready (only pending or failed uploads, or none yet)
        stays out of every listing, page and search result of other users.
        """
        is_admin, is_artist = _viewer_rights(user)
        if is_admin:
            return self.all()
        tracks = Track.objects.visible_to(user)
        # Credited anywhere: main artist, any credit of a visible track, or an artist of an
        # album holding a visible track ("Various Artists" of a compilation has no track of its own).
        visible = (Q(Exists(tracks.filter(artist_id=OuterRef("pk"))))
                   | Q(Exists(TrackArtist.objects.filter(artist_id=OuterRef("pk"), track__in=tracks.values("pk"))))
                   | Q(Exists(AlbumArtist.objects.filter(
                       artist_id=OuterRef("pk"), album__in=tracks.filter(album__isnull=False).values("album_id")))))
        if is_artist:
            visible |= Q(user=user)
        return self.filter(visible)


class Artist(TimestampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="artist_profile"
    )
    name = models.CharField(max_length=255)
    bio = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    image = models.ImageField(upload_to="artists/", blank=True)
    # Names this artist is also known by (merged duplicates keep their name here); search finds
    # the artist by them (the generated search columns include them, catalog 0004).
    aliases = ArrayField(models.CharField(max_length=255), default=list, blank=True, db_default=[])

    objects = ArtistQuerySet.as_manager()

    class Meta:
        db_table = "artists"
        ordering = ["name", "id"]
        indexes = [
            models.Index(Lower("name"), name="artists_name_lower_idx"),
            models.Index(fields=["name", "id"], name="artists_name_id_idx"),  # the admin's sort
            models.Index(fields=["country", "id"], name="artists_country_id_idx"),  # the admin's filter
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="artists_name_not_empty"),
            models.CheckConstraint(condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"), name="artists_country_iso2"),
        ]

    def __str__(self) -> str:
        return self.name


class AlbumQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Albums the user may see: those with at least one track visible to them; admins all.

        An artist account also sees its own albums while they are still empty or hold only
        unfinished tracks (so it can fill them).
        """
        is_admin, is_artist = _viewer_rights(user)
        if is_admin:
            return self.all()
        visible = Q(Exists(Track.objects.visible_to(user).filter(album_id=OuterRef("pk"))))
        if is_artist:
            visible |= Q(artist__user=user)
        return self.filter(visible)


ALBUM_NO_DATE = date(1, 1, 1)  # albums without a release date sort as the oldest


class Album(TimestampedModel):
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="albums")
    title = models.CharField(max_length=255)
    release_date = models.DateField(null=True, blank=True)
    cover_image = models.ImageField(upload_to="covers/", blank=True)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        db_table = "albums"
        ordering = ["artist_id", "release_date", "id"]
        indexes = [
            models.Index(fields=["artist", "release_date"], name="albums_artist_release_idx"),
            models.Index(Lower("title"), name="albums_title_lower_idx"),
            models.Index(fields=["title", "id"], name="albums_title_id_idx"),  # the admin's sort
            models.Index(fields=["release_date", "id"], name="albums_release_id_idx"),  # the admin's year filter
            # Newest first (home, browse, scanned backwards): without it every visible album was sorted
            # to show twelve. Undated albums sort as the oldest (ALBUM_NO_DATE).
            models.Index(Coalesce("release_date", Value(ALBUM_NO_DATE)), "id", name="albums_newest_idx"),
            models.Index(fields=["created_at", "id"], name="albums_created_id_idx"),  # Subsonic "newest"
        ]
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="albums_title_not_empty")]

    def __str__(self) -> str:
        return self.title


class ProcessingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class TrackQuerySet(models.QuerySet):
    def playable(self):
        """Ready tracks that staff have not hidden: what every visitor, signed in or not, may see and play."""
        return self.filter(processing_status=ProcessingStatus.READY, hidden=False)

    @staticmethod
    def visible_condition(user, *, through: str = "") -> Q:
        """The rule of `visible_to` as a condition, on tracks or, with `through="track__"`, on the rows
        that point at one (playlist entries, favourites, queue entries, bookmarks).

        Filtering those by `track__in=visible_to(...)` let the planner hash every visible track
        (1.2 s for a 5,000-entry playlist at 1M tracks); the condition on the joined track reads
        only the rows asked for.
        """
        is_admin, is_artist = _viewer_rights(user)
        if is_admin:
            return Q()
        playable = Q(**{f"{through}processing_status": ProcessingStatus.READY, f"{through}hidden": False})
        if is_artist:
            return playable | Q(**{f"{through}artist__user": user})
        return playable

    def visible_to(self, user):
        """Tracks the user may see, play and find: the one rule every caller composes.

        Ready tracks for everyone (anonymous included) unless staff hid them; admins see every
        track in every state; an artist account also sees its own pending, processing, failed
        and hidden tracks.
        API lists and details, streams, downloads, covers, search hits, playlist entries,
        favourites and cached answers all build on this queryset (or its `visible_condition`).
        """
        return self.filter(self.visible_condition(user))


class Track(TimestampedModel):
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="tracks")
    album = models.ForeignKey(Album, null=True, blank=True, on_delete=models.SET_NULL, related_name="tracks")
    genre = models.ForeignKey(Genre, null=True, blank=True, on_delete=models.SET_NULL, related_name="tracks")
    title = models.CharField(max_length=255)
    track_number = models.PositiveSmallIntegerField(null=True, blank=True)
    disc_number = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    file_path = models.CharField(max_length=1024, blank=True, help_text="Object key in the tracks bucket")
    file_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes")
    mime_type = models.CharField(max_length=100, blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256, hex")
    popularity = models.FloatField(default=0.0)
    tempo = models.FloatField(null=True, blank=True, help_text="Beats per minute")
    energy = models.FloatField(null=True, blank=True)
    valence = models.FloatField(null=True, blank=True)
    loudness_db = models.FloatField(null=True, blank=True, help_text="RMS level, dBFS")
    feature_vector = ArrayField(models.FloatField(), null=True, blank=True, editable=False,
                                help_text="The genre model's input (etl/audio/features.py)")
    genre_confidence = models.FloatField(
        null=True, blank=True, help_text="Probability the genre model gave; empty when the genre came from a tag"
    )
    isrc = models.CharField(max_length=12, blank=True, db_default="")
    musicbrainz_recording_id = models.UUIDField(null=True, blank=True)
    audio_format = models.CharField(
        max_length=16, blank=True, db_default="",
        help_text="What the original holds (catalog.audio.FORMATS: mp3, flac, alac, aiff, ...); decides transcoding",
    )
    album_artist_name = models.CharField(max_length=255, blank=True, db_default="", help_text="The album artist tag")
    is_compilation = models.BooleanField(default=False, db_default=False, help_text="The compilation tag")
    lyrics = models.TextField(blank=True, db_default="", help_text="Plain lyrics, line by line")
    synced_lyrics = models.TextField(blank=True, db_default="", help_text="Synced lyrics as LRC ([mm:ss.xx]line)")
    replay_gain_track_db = models.FloatField(null=True, blank=True, help_text="ReplayGain track gain, dB")
    replay_gain_track_peak = models.FloatField(null=True, blank=True, help_text="Track peak, linear (1.0 = full scale)")
    replay_gain_album_db = models.FloatField(null=True, blank=True, help_text="ReplayGain album gain, dB")
    replay_gain_album_peak = models.FloatField(null=True, blank=True, help_text="Album peak, linear")
    processing_status = models.CharField(
        max_length=16, choices=ProcessingStatus.choices, default=ProcessingStatus.PENDING, db_index=True
    )
    processing_error = models.TextField(blank=True)
    # Hidden by staff (catalog.services.track_hidden_set): out of listings, search and Subsonic
    # for everyone but admins and its own artist; playlists keep the entry.
    hidden = models.BooleanField(default=False, db_default=False)

    objects = TrackQuerySet.as_manager()

    class Meta:
        db_table = "tracks"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["-popularity", "id"], name="tracks_popularity_idx"),
            models.Index(fields=["artist", "-created_at"], name="tracks_artist_created_idx"),
            models.Index(fields=["album", "disc_number", "track_number"], name="tracks_album_order_idx"),
            models.Index(fields=["genre", "-popularity"], name="tracks_genre_popularity_idx"),
            models.Index(fields=["-created_at"], name="tracks_created_idx"),
            models.Index(fields=["checksum"], name="tracks_checksum_idx", condition=~Q(checksum="")),
            # Which track holds a stored file: every upload's load asks (etl.pipeline.process), and
            # without it that question walked the whole table (2.5 s a load at 1M tracks).
            models.Index(fields=["file_path"], name="tracks_file_path_idx"),
            # The admin changelist's filters and sort columns (catalog 0005_curation).
            models.Index(fields=["id"], name="tracks_hidden_idx", condition=Q(hidden=True)),
            models.Index(fields=["id"], name="tracks_no_features_idx", condition=Q(tempo__isnull=True)),
            models.Index(fields=["title", "id"], name="tracks_title_idx"),
            models.Index(fields=["processing_status", "id"], name="tracks_status_id_idx"),
            models.Index(fields=["genre", "id"], name="tracks_genre_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="tracks_title_not_empty"),
            models.CheckConstraint(condition=Q(duration_ms__isnull=True) | Q(duration_ms__gt=0), name="tracks_duration_positive"),
            models.CheckConstraint(condition=Q(energy__isnull=True) | Q(energy__gte=0, energy__lte=1), name="tracks_energy_unit_range"),
            models.CheckConstraint(condition=Q(valence__isnull=True) | Q(valence__gte=0, valence__lte=1), name="tracks_valence_unit_range"),
            models.CheckConstraint(condition=Q(tempo__isnull=True) | Q(tempo__gt=0, tempo__lt=1000), name="tracks_tempo_range"),
            models.CheckConstraint(condition=Q(popularity__gte=0), name="tracks_popularity_non_negative"),
            models.CheckConstraint(
                condition=Q(genre_confidence__isnull=True) | Q(genre_confidence__gte=0, genre_confidence__lte=1),
                name="tracks_genre_confidence_unit_range",
            ),
            models.CheckConstraint(condition=Q(file_size__isnull=True) | Q(file_size__gte=0), name="tracks_file_size_non_negative"),
            models.CheckConstraint(condition=Q(processing_status__in=ProcessingStatus.values), name="tracks_processing_status_valid"),
            *[models.CheckConstraint(condition=Q(**{f"replay_gain_{scope}_db__isnull": True})
                                     | Q(**{f"replay_gain_{scope}_db__gte": -60, f"replay_gain_{scope}_db__lte": 60}),
                                     name=f"tracks_replay_gain_{scope}_range") for scope in ("track", "album")],
            *[models.CheckConstraint(condition=Q(**{f"replay_gain_{scope}_peak__isnull": True})
                                     | Q(**{f"replay_gain_{scope}_peak__gt": 0, f"replay_gain_{scope}_peak__lte": 10}),
                                     name=f"tracks_replay_gain_{scope}_peak_range") for scope in ("track", "album")],
        ]

    def __str__(self) -> str:
        return self.title


class CreditRole(models.TextChoices):
    MAIN = "main", "Main"
    FEATURED = "featured", "Featured"


class TrackArtist(models.Model):
    """One credited artist of a track, in credit order (position 0 is the main artist, Track.artist).

    Track.artist stays the first main artist (ownership, the `artist` API field); a track with no
    rows here is credited to Track.artist alone (catalog.selectors.track_credits).
    """

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="credits")
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="track_credits")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=16, choices=CreditRole.choices, default=CreditRole.MAIN)

    class Meta:
        db_table = "track_artists"
        ordering = ["track_id", "position"]
        indexes = [models.Index(fields=["artist", "track"], name="track_artists_artist_idx")]
        constraints = [
            models.UniqueConstraint(fields=["track", "position"], name="track_artists_position_unique"),
            models.UniqueConstraint(fields=["track", "artist"], name="track_artists_artist_unique"),
            models.CheckConstraint(condition=Q(role__in=CreditRole.values), name="track_artists_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.track_id}#{self.position}: {self.artist_id} ({self.role})"


class AlbumArtist(models.Model):
    """One of an album's own artists, in order (position 0 is Album.artist); apart from its tracks' credits."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="credits")
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="album_credits")
    position = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "album_artists"
        ordering = ["album_id", "position"]
        indexes = [models.Index(fields=["artist", "album"], name="album_artists_artist_idx")]
        constraints = [
            models.UniqueConstraint(fields=["album", "position"], name="album_artists_position_unique"),
            models.UniqueConstraint(fields=["album", "artist"], name="album_artists_artist_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.album_id}#{self.position}: {self.artist_id}"
