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
