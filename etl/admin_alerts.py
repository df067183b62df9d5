"""Staff see the monitoring alerts and acknowledge them (imported by etl/admin.py)."""
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Alert
from .pipeline.monitoring.alerts import alert_acknowledge


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("resolved", _("resolved")), ("unacknowledged", _("open, not acknowledged"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        if self.value() == "unacknowledged":
            return queryset.filter(resolved_at__isnull=True, acknowledged_at__isnull=True)
        return queryset


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("severity", "source", "key", "message", "count", "first_seen_at", "last_seen_at", "resolved_at",
                    "acknowledged_by")
    list_filter = (OpenFilter, "severity", "source")
    search_fields = ("source", "key", "message")
    list_select_related = ("acknowledged_by",)
    readonly_fields = [f.name for f in Alert._meta.fields]
    actions = ["acknowledge"]

    def has_add_permission(self, request):
        return False  # alerts come from the checks only

    @admin.action(description=_("Acknowledge the selected alerts"), permissions=["change"])
    def acknowledge(self, request, queryset):
        for alert in queryset:
            alert_acknowledge(alert=alert, user=request.user)
        self.message_user(request, _("%(n)d alerts acknowledged.") % {"n": queryset.count()}, messages.SUCCESS)
