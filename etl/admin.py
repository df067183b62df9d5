"""The pipeline in admin: runs with durations and counts, files with their full errors, uploads
with their history; retry failed files and start a run now (through etl.services)."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_site import FastChangelist, confirm_action

from . import services
from .models import EtlJob, S3FileRegistry, TrackUpload


def _duration(start, end) -> str:
    if start is None or end is None:
        return "—"
    seconds = (end - start).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _full_text(text: str):
    return format_html('<pre class="jq-pre">{}</pre>', text) if text else "—"


def _track_link(track_id):
    if track_id is None:
        return "—"
    return format_html('<a href="{}">#{}</a>', reverse("admin:catalog_track_change", args=[track_id]), track_id)


class _StyledAdmin(FastChangelist, admin.ModelAdmin):
    pass


@admin.register(EtlJob)
class EtlJobAdmin(_StyledAdmin):
    list_display = ("id", "job_name", "status", "start_time", "duration", "records_new", "records_processed",
                    "records_failed", "records_skipped")
    list_display_links = ("id", "job_name")
    list_filter = ("job_name", "status")
    ordering = ("-start_time", "-id")
    sortable_by = ("start_time",)
    readonly_fields = ("job_name", "status", "start_time", "end_time", "duration", "records_new", "records_processed",
                       "records_failed", "records_skipped", "error_text", "details")
    exclude = ("error_message",)
    change_list_template = "admin/etl/etljob/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # bookkeeping: read, never edited by hand

    @admin.display(description=_("duration"))
    def duration(self, obj):
        return _duration(obj.start_time, obj.end_time)

    @admin.display(description=_("error"))
    def error_text(self, obj):
        return _full_text(obj.error_message)

    def get_urls(self):
        return [path("run-now/", self.admin_site.admin_view(self.run_now_view), name="etl_etljob_run_now"),
                *super().get_urls()]

    def run_now_view(self, request):
        """POST: start music_etl_pipeline in a worker; its row is there when the page comes back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request) or not request.user.has_perm("etl.add_etljob"):
            raise PermissionDenied
        job = services.pipeline_run_now(actor=request.user)
        self.log_addition(request, job, "Started from admin (run now)")
        self.message_user(request, _("Pipeline run #%(id)d started.") % {"id": job.pk}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:etl_etljob_changelist"))


@admin.register(S3FileRegistry)
class S3FileRegistryAdmin(_StyledAdmin):
    list_display = ("file_path", "bucket_name", "status", "file_size", "attempts", "updated_at", "track_link",
                    "error_short")
    list_filter = ("status", "bucket_name")
    search_fields = ("=file_path", "=checksum")
    ordering = ("-id",)
    sortable_by = ("updated_at",)
    readonly_fields = ("bucket_name", "file_path", "status", "checksum", "file_size", "attempts", "track_link",
                       "error_text", "created_at", "updated_at", "processed_at", "duration")
    exclude = ("error_message", "track")
    actions = ["retry_failed"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("track"))
    def track_link(self, obj):
        return _track_link(obj.track_id)

    @admin.display(description=_("error"))
    def error_short(self, obj):
        return (obj.error_message[:80] + "…") if len(obj.error_message) > 80 else (obj.error_message or "—")

    @admin.display(description=_("error"))
    def error_text(self, obj):
        return _full_text(obj.error_message)

    @admin.display(description=_("processing time"))
    def duration(self, obj):
        return _duration(obj.created_at, obj.processed_at)

    @admin.action(description=_("Retry selected failed files"))
    def retry_failed(self, request, queryset):
        def perform(objects, data):
            n = services.registry_entries_retry(actor=request.user, registry_ids=[o.pk for o in objects])
            return ngettext("%d failed file queued again.", "%d failed files queued again.", n) % n

        return confirm_action(self, request, queryset, title=_("Retry failed files"), perform=perform,
                              summary=_("Failed files (only those) become pending: uploads are processed by a "
                                        "worker at once, files dropped into the bucket at the next pipeline run."))


@admin.register(TrackUpload)
class TrackUploadAdmin(_StyledAdmin):
    list_display = ("original_filename", "uploader", "status", "file_size", "created_at", "track_link")
    list_filter = ("status",)
    search_fields = ("=checksum", "uploader__username")
    ordering = ("-id",)
    sortable_by = ("created_at",)
    list_select_related = ("uploader",)
    raw_id_fields = ("uploader", "track", "registry_entry")

    readonly_fields = ("uploader", "original_filename", "s3_path", "status", "error_text", "checksum", "file_size",
                       "registry_link", "track_link", "history", "metadata", "created_at", "updated_at")
    exclude = ("error_message", "track", "registry_entry")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # bookkeeping: read, never edited by hand

    @admin.display(description=_("track"))
    def track_link(self, obj):
        return _track_link(obj.track_id)

    @admin.display(description=_("registry entry"))
    def registry_link(self, obj):
        if obj.registry_entry_id is None:
            return "—"
        url = reverse("admin:etl_s3fileregistry_change", args=[obj.registry_entry_id])
        return format_html('<a href="{}">#{}</a>', url, obj.registry_entry_id)

    @admin.display(description=_("reason"))
    def error_text(self, obj):
        return _full_text(obj.error_message)

    @admin.display(description=_("status history"))
    def history(self, obj):
        """Received, then what the registry says of the file (claims, processing), then the outcome."""
        rows = [(obj.created_at, _("received"), "")]
        entry = obj.registry_entry
        if entry is not None:
            rows.append((entry.updated_at, _("file %(s)s (attempt %(n)d)") % {"s": entry.status, "n": entry.attempts},
                         entry.error_message))
            if entry.processed_at:
                rows.append((entry.processed_at, _("processed"), ""))
        fetch = (obj.metadata or {}).get("fetch")
        if fetch:
            rows.append((obj.created_at, _("download %(s)s") % {"s": fetch.get("state", "?")}, ""))
        rows.append((obj.updated_at, _("upload %(s)s") % {"s": obj.get_status_display()}, obj.error_message))
        rows.sort(key=lambda r: r[0])
        items = format_html_join("", "<li>{} — {}{}</li>", (
            (when.strftime("%Y-%m-%d %H:%M:%S"), what, f": {why}" if why else "") for when, what, why in rows))
        return format_html("<ul>{}</ul>", items)


from . import admin_alerts  # noqa: E402,F401  (issue 16: AlertAdmin lives there)
