from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Track


class Platform(models.TextChoices):
    WEB = "web", "Web"
    IOS = "ios", "iOS"
    ANDROID = "android", "Android"
    DESKTOP = "desktop", "Desktop app"
    SUBSONIC = "subsonic", "Subsonic client"
    OTHER = "other", "Other"


class DeviceType(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    SPEAKER = "speaker", "Speaker"
    CAR = "car", "Car"
    OTHER = "other", "Other"


class ListeningHistory(models.Model):
    """One listen; PostgreSQL is its source of truth, ClickHouse gets a copy for analytics."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listens")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="listens")
    played_at = models.DateTimeField(default=timezone.now)
    play_duration_ms = models.PositiveIntegerField(default=0)
    completion_percentage = models.FloatField(default=0.0)
    platform = models.CharField(max_length=16, choices=Platform.choices, default=Platform.WEB)
    device_type = models.CharField(max_length=16, choices=DeviceType.choices, default=DeviceType.DESKTOP)

    class Meta:
        db_table = "listening_history"
        ordering = ["-played_at", "-id"]
        verbose_name_plural = "listening history"
        indexes = [
            models.Index(fields=["user", "-played_at"], name="listening_user_played_idx"),
            models.Index(fields=["track", "-played_at"], name="listening_track_played_idx"),
            models.Index(fields=["-played_at"], name="listening_played_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(completion_percentage__gte=0, completion_percentage__lte=100),
                name="listening_completion_percent_range",
            ),
            models.CheckConstraint(condition=Q(platform__in=Platform.values), name="listening_platform_valid"),
            models.CheckConstraint(condition=Q(device_type__in=DeviceType.values), name="listening_device_valid"),
        ]
