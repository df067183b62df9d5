from django.contrib import admin

from .models import EtlJob, S3FileRegistry, TrackUpload


@admin.register(EtlJob)
class EtlJobAdmin(admin.ModelAdmin):
    list_display = ("job_name", "status", "start_time", "end_time", "records_new", "records_processed", "records_failed", "records_skipped")
    list_filter = ("job_name", "status")
    readonly_fields = [f.name for f in EtlJob._meta.fields]


@admin.register(S3FileRegistry)
class S3FileRegistryAdmin(admin.ModelAdmin):
    list_display = ("bucket_name", "file_path", "status", "file_size", "attempts", "updated_at")
    list_filter = ("bucket_name", "status")
    search_fields = ("file_path", "checksum")
    raw_id_fields = ("track",)


@admin.register(TrackUpload)
class TrackUploadAdmin(admin.ModelAdmin):
    list_display = ("original_filename", "uploader", "status", "file_size", "created_at")
    list_filter = ("status",)
    search_fields = ("original_filename", "checksum")
    list_select_related = ("uploader",)
    raw_id_fields = ("uploader", "track", "registry_entry")

from . import admin_alerts  # noqa: E402,F401  (issue 16: AlertAdmin lives there)
