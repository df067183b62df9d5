"""ETL bookkeeping: jobs and the object registry (schema `etl`) and uploads (schema `staging`).

Django has no schema option; `db_table = 'etl"."etl_jobs'` is the documented PostgreSQL
idiom that quotes to "etl"."etl_jobs". The schemas are created by migration 0001.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Track


class JobStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCESS = "success", "Success"
    PARTIAL = "partial", "Finished with failures"
    FAILED = "failed", "Failed"


class EtlJob(models.Model):
    job_name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.RUNNING)
    start_time = models.DateTimeField(auto_now_add=True)
    end_time = models.DateTimeField(null=True, blank=True)
    records_new = models.PositiveIntegerField(default=0)
    records_processed = models.PositiveIntegerField(default=0)
    records_failed = models.PositiveIntegerField(default=0)
    records_skipped = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = 'etl"."etl_jobs'
        ordering = ["-start_time", "-id"]
        indexes = [models.Index(fields=["job_name", "-start_time"], name="etl_jobs_name_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="etl_jobs_status_valid"),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(end_time__gte=models.F("start_time")),
                name="etl_jobs_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_name} #{self.pk} ({self.status})"


class RegistryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class S3FileRegistry(models.Model):
    """Every object seen in a bucket, and how far the pipeline got with it."""

    bucket_name = models.CharField(max_length=63)
    file_path = models.CharField(max_length=1024)
    status = models.CharField(max_length=16, choices=RegistryStatus.choices, default=RegistryStatus.PENDING)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256, hex")
    file_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes")
    error_message = models.TextField(blank=True)
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="registry_entries")
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = 'etl"."s3_file_registry'
        ordering = ["-created_at", "-id"]
        verbose_name = "S3 file registry entry"
        verbose_name_plural = "S3 file registry"
        constraints = [
            models.UniqueConstraint(fields=["bucket_name", "file_path"], name="s3_file_registry_bucket_path_unique"),
            models.CheckConstraint(condition=Q(status__in=RegistryStatus.values), name="s3_file_registry_status_valid"),
            models.CheckConstraint(condition=Q(file_size__isnull=True) | Q(file_size__gte=0), name="s3_file_registry_size_non_negative"),
            models.CheckConstraint(condition=~Q(file_path=""), name="s3_file_registry_path_not_empty"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="s3_file_registry_status_idx")]

    def __str__(self) -> str:
        return f"{self.bucket_name}/{self.file_path}"


class UploadStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class TrackUpload(models.Model):
    """An upload as received; the original filename is for display only, never a storage path."""

    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="uploads")
    original_filename = models.CharField(max_length=255)
    s3_path = models.CharField(max_length=1024)
    metadata = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=UploadStatus.choices, default=UploadStatus.PENDING)
    error_message = models.TextField(blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    registry_entry = models.ForeignKey(S3FileRegistry, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = 'staging"."track_uploads'
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["uploader", "-created_at"], name="track_uploads_uploader_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=UploadStatus.values), name="track_uploads_status_valid"),
            models.CheckConstraint(condition=Q(file_size__isnull=True) | Q(file_size__gte=0), name="track_uploads_size_non_negative"),
        ]

    def __str__(self) -> str:
        return self.original_filename


class DailyTrackPlays(models.Model):
    """data_warehouse: plays per track and day, replaced for a window by the aggregates step."""

    date = models.DateField()
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+")
    plays = models.PositiveIntegerField(default=0)
    unique_listeners = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    skips = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = 'data_warehouse"."daily_track_plays'
        ordering = ["-date", "track_id"]
        verbose_name_plural = "daily track plays"
        constraints = [models.UniqueConstraint(fields=["date", "track"], name="daily_track_plays_unique")]
        indexes = [models.Index(fields=["track", "-date"], name="daily_track_plays_track_idx")]


class DailyArtistPlays(models.Model):
    """data_warehouse: plays, listeners, likes and playlist adds per artist and day."""

    date = models.DateField()
    artist = models.ForeignKey("catalog.Artist", on_delete=models.CASCADE, related_name="+")
    plays = models.PositiveIntegerField(default=0)
    unique_listeners = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    playlist_adds = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = 'data_warehouse"."daily_artist_plays'
        ordering = ["-date", "artist_id"]
        verbose_name_plural = "daily artist plays"
        constraints = [models.UniqueConstraint(fields=["date", "artist"], name="daily_artist_plays_unique")]
        indexes = [models.Index(fields=["artist", "-date"], name="daily_artist_plays_artist_idx")]


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class Alert(models.Model):
    """One condition a monitoring check found, open while it lasts (etl/pipeline/monitoring/alerts.py).

    At most one open (unresolved) alert per (source, key): a partial unique index keeps it so
    even when two monitoring runs overlap. A resolved alert stays as history; the condition
    coming back opens a new one.
    """

    severity = models.CharField(max_length=16, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    source = models.CharField(max_length=64, help_text="The check that raised it, e.g. data_quality.stuck_processing")
    key = models.CharField(max_length=255, blank=True, default="", help_text="What it is about within the source")
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=1, help_text="Monitoring runs that saw it")
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="acknowledged_alerts")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = 'etl"."alerts'
        ordering = ["-last_seen_at", "-id"]
        indexes = [models.Index(fields=["resolved_at", "-last_seen_at"], name="alerts_open_idx")]
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], condition=Q(resolved_at__isnull=True),
                                    name="alerts_one_open_per_condition"),
            models.CheckConstraint(condition=Q(severity__in=AlertSeverity.values), name="alerts_severity_valid"),
            models.CheckConstraint(condition=Q(last_seen_at__gte=models.F("first_seen_at")),
                                   name="alerts_last_after_first"),
        ]

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    def __str__(self) -> str:
        return f"[{self.severity}] {self.source}:{self.key} {self.message[:60]}"
