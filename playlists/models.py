from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import TimestampedModel, Track


class PlaylistQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Public playlists, plus the user's own; admins see all."""
        from accounts.permissions import user_is_admin

        if user_is_admin(user):
            return self.all()
        if user is not None and user.is_authenticated:
            return self.filter(Q(is_public=True) | Q(owner=user))
        return self.filter(is_public=True)


class Playlist(TimestampedModel):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists")
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    is_public = models.BooleanField(default=False)
    tracks = models.ManyToManyField(Track, through="PlaylistTrack", related_name="playlists")

    objects = PlaylistQuerySet.as_manager()

    class Meta:
        db_table = "playlists"
        ordering = ["-updated_at", "id"]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="playlists_owner_updated_idx"),
            models.Index(fields=["-updated_at"], name="playlists_public_idx", condition=Q(is_public=True)),
        ]
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="playlists_title_not_empty")]

    def __str__(self) -> str:
        return self.title


class PlaylistTrack(models.Model):
    """One entry of a playlist; a track may appear twice, at different positions.

    Positions are 0-based, dense and unique per playlist. The uniqueness is checked at
    commit (deferred) so a reorder can shift entries inside one transaction.
    """

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="entries")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="playlist_entries")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "playlist_tracks"
        ordering = ["playlist_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["playlist", "position"],
                name="playlist_tracks_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]
        indexes = [models.Index(fields=["track"], name="playlist_tracks_track_idx")]


class Favorite(models.Model):
    """A listener's liked track."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "favorites"
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "track"], name="favorites_user_track_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="favorites_user_created_idx")]


class PlayQueue(models.Model):
    """A listener's play queue, shared by every client (browser, apps, Subsonic getPlayQueue/savePlayQueue).

    `current_position` is the position of the current entry (not an index into what is left after a
    track was deleted); `position_ms` is the playback offset into that entry.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="play_queue")
    current_position = models.PositiveIntegerField(default=0)
    position_ms = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.CharField(max_length=64, blank=True, help_text="Name of the client that saved it last")

    class Meta:
        db_table = "play_queues"

    def __str__(self) -> str:
        return f"play queue of {self.user_id}"


class PlayQueueEntry(models.Model):
    """One entry of a play queue: positions 0..n-1 in play order; a track may appear many times."""

    queue = models.ForeignKey(PlayQueue, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField()
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "play_queue_entries"
        ordering = ["queue_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "position"], name="play_queue_entries_position_unique"),
        ]


class AnnotationKind(models.TextChoices):
    TRACK = "track", "Track"
    ALBUM = "album", "Album"
    ARTIST = "artist", "Artist"


class Star(models.Model):
    """A starred album or artist (Subsonic star); a starred track is a Favorite."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stars")
    kind = models.CharField(max_length=8, choices=[(AnnotationKind.ALBUM, "Album"), (AnnotationKind.ARTIST, "Artist")])
    item_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "stars"
        constraints = [models.UniqueConstraint(fields=["user", "kind", "item_id"], name="stars_user_item_unique"),
                       models.CheckConstraint(condition=Q(kind__in=["album", "artist"]), name="stars_kind_valid")]


class Rating(models.Model):
    """A user's rating of a track, album or artist, 1 to 5 (Subsonic setRating; 0 deletes it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    kind = models.CharField(max_length=8, choices=AnnotationKind.choices)
    item_id = models.BigIntegerField()
    rating = models.PositiveSmallIntegerField()
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ratings"
        constraints = [models.UniqueConstraint(fields=["user", "kind", "item_id"], name="ratings_user_item_unique"),
                       models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="ratings_range"),
                       models.CheckConstraint(condition=Q(kind__in=AnnotationKind.values), name="ratings_kind_valid")]


class Bookmark(models.Model):
    """A position in a track a user wants to come back to (Subsonic bookmarks), one per user and track."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    position_ms = models.PositiveBigIntegerField()
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "bookmarks"
        ordering = ["-changed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "track"], name="bookmarks_user_track_unique")]
