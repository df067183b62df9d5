"""The admin site of the project: Django's, with the sign-in limits of the API on its login form,
a staff dashboard on the index, and the pieces every ModelAdmin shares (a paginator that does
not count big tables, confirmation pages for actions)."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from .throttling import login_attempt_wait
from .views import login_throttled_response

logger = logging.getLogger("jonquils.admin")

# Below this many rows (as the planner estimates them) a real COUNT(*) is cheap enough.
EXACT_COUNT_BELOW = 10_000


def planner_estimate(queryset) -> int:
    """The rows PostgreSQL expects `queryset` to return (EXPLAIN, no execution): no scan of the table."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A changelist paginator that never counts a big table: the planner's estimate, exact when small.

    With `show_full_result_count = False` this keeps a million-row changelist to a handful of
    cheap queries; page numbers past the real end simply show an empty page.
    """

    @cached_property
    def count(self) -> int:
        estimate = planner_estimate(self.object_list)
        if estimate < EXACT_COUNT_BELOW:
            return self.object_list.count()
        return estimate


class FastChangelist:
    """Mixin of every big-table ModelAdmin: no full count, the estimating paginator."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    show_facets = admin.ShowFacets.NEVER  # facet counts are one COUNT per filter choice over the table

    class Media:
        css = {"all": ("admin-extra/jonquils-admin.css",)}
        js = ("admin-extra/jonquils-admin.js",)


def confirm_action(modeladmin, request, queryset, *, title: str, summary: str, perform, form_class=None,
                   form_kwargs: dict | None = None):
    """Show what an action will change and ask; on "yes" run `perform(objects, data)`, log and report.

    `perform` returns the message shown and written to the admin log of every object; a
    ValidationError or PermissionDenied from the service is shown and nothing changes.
    """
    confirmed = request.POST.get("post") == "yes"
    form = None
    if form_class is not None:
        form = form_class(request.POST if confirmed else None, **(form_kwargs or {}))
    objects = list(queryset[:500])
    if confirmed and (form is None or form.is_valid()):
        try:
            message = perform(objects, form.cleaned_data if form is not None else {})
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, text, messages.ERROR)
            return None
        for obj in objects:
            try:
                modeladmin.log_change(request, obj, message)
            except Exception:  # the object may be gone (merged away); the kept one is logged
                logger.debug("no admin log for %r", obj)
        modeladmin.message_user(request, message, messages.SUCCESS)
        return None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title, "summary": summary, "objects": objects[:100], "more": max(0, len(objects) - 100),
        "form": form, "opts": opts, "action": request.POST.get("action", ""),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "media": modeladmin.media + (form.media if form is not None else forms.Media()),
    }
    return TemplateResponse(request, "admin/jonquils/confirm_action.html", context)


def dashboard_context() -> dict:
    """What staff see at a glance on the admin index; each part degrades alone when its store is down."""
    from analytics.selectors.platform import plays_since
    from catalog.selectors import track_counts_by_status
    from etl.selectors import alerts_open, etl_jobs_recent, uploads_failed_since

    now = timezone.now()
    open_count, open_alerts = alerts_open()
    context = {"track_counts": track_counts_by_status(), "open_alert_count": open_count, "open_alerts": open_alerts,
               "failed_uploads": list(uploads_failed_since(since=now - timedelta(hours=24))),
               "recent_jobs": list(etl_jobs_recent())}
    try:
        context["listens_today"] = plays_since(start=now.replace(hour=0, minute=0, second=0, microsecond=0))
    except Exception as exc:  # ClickHouse down or not yet started: say so, keep the page
        logger.warning("dashboard: analytics unavailable: %s", exc)
        context["listens_today"] = None
    return context


class JonquilsAdminSite(admin.AdminSite):
    site_header = "JONQUILS administration"
    site_title = "JONQUILS admin"
    index_title = "Staff dashboard"

    def index(self, request, extra_context=None):
        """The app list with the staff dashboard above it."""
        return super().index(request, {**dashboard_context(), **(extra_context or {})})

    def login(self, request, extra_context=None):
        """Count every posted login like an API login (per IP, per account); 429 page when over the limit.

        The check comes before the form, so a refused attempt costs no password hash.
        """
        if request.method == "POST":
            login = request.POST.get("username")
            wait = login_attempt_wait(request, login=login if isinstance(login, str) else None)
            if wait is not None:
                return login_throttled_response(request, wait=wait, template_name="admin/login_throttled.html",
                                                context={**self.each_context(request), "title": _("Too many attempts")})
        return super().login(request, extra_context)
