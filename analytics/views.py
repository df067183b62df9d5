"""Your music: favourites, listening history (newest first, keyset-paged), your playlists."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from jonquils.pages import wants_fragment
from playlists import selectors as playlist_selectors

from .selectors.history import listening_history_page, recently_played_tracks


def _render(request, template, fragment, target, context):
    response = render(request, fragment if wants_fragment(request, target) else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_safe
def library(request):
    context = {
        "favorites": playlist_selectors.favorites_page(user=request.user, cursor=None, size=8),
        "recent": recently_played_tracks(user=request.user, limit=8),
        "playlists": playlist_selectors.playlists_owned(user=request.user, limit=12),
    }
    return _render(request, "analytics/library.html", None, None, context)


@login_required
@require_safe
def favourites(request):
    page = playlist_selectors.favorites_page(user=request.user, cursor=request.GET.get("after"))
    return _render(request, "analytics/favourites.html", "analytics/partials/_favourite_page.html", "favourite-more",
                   {"page": page})


@login_required
@require_safe
def history(request):
    page = listening_history_page(user=request.user, cursor=request.GET.get("after"))
    return _render(request, "analytics/history.html", "analytics/partials/_history_page.html", "history-more",
                   {"page": page})


# --- listening figures in the browser: My stats (the user report) and Audience (the artist report) -------
# Both read the very report the API answers (/api/v1/analytics/user|artist/{id}), through the same
# selector and the same brief cache; analytics down is a page that says so (200), never a 500.
STATS_PERIODS = (7, 30, 90, 365)
DEFAULT_STATS_DAYS = 30


def stats_period(request):
    """The period of `?days=` (7, 30, 90 or 365, default 30), ending today; weeks for a year."""
    from datetime import timedelta

    from django.utils import timezone

    from .periods import Period

    try:
        days = int(request.GET.get("days") or DEFAULT_STATS_DAYS)
    except ValueError:
        days = DEFAULT_STATS_DAYS
    days = days if days in STATS_PERIODS else DEFAULT_STATS_DAYS
    today = timezone.now().date()
    return days, Period(start=today - timedelta(days=days - 1), end=today, granularity="week" if days > 90 else "day")


def _report(key: str, compute):
    """(report, None) or (None, reason) when analytics cannot answer right now."""
    from jonquils.exceptions import UnavailableError

    from .api_reports import _cached

    try:
        return _cached(key, compute), None
    except UnavailableError as exc:
        return None, str(exc)


def listening_time_text(ms: int) -> str:
    """Listening time as hours and minutes ("3 h 05 min"), the figure the stats pages show."""
    minutes = round(ms / 60_000)
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


def _streaks(series: list[dict]) -> tuple[int, int]:
    """(longest, current) runs of consecutive buckets with at least one play; current ends at the last bucket."""
    longest = run = 0
    for point in series:
        run = run + 1 if point.get("plays") else 0
        longest = max(longest, run)
    return longest, run


@login_required
@require_safe
def stats(request):
    """My stats: what the signed-in listener played in the period (the user report)."""
    from . import selectors

    days, period = stats_period(request)
    user_id = request.user.pk
    report, unavailable = _report(f"analytics:user:{user_id}:{period.cache_key()}",
                                  lambda: selectors.user_listening_report(user_id=user_id, period=period))
    context = {"days": days, "periods": STATS_PERIODS, "period": period, "report": report,
               "unavailable": unavailable}
    if report:
        longest, current = _streaks(report["plays_over_time"])
        context.update(hours=report["listening_time_ms"] / 3_600_000, listening=listening_time_text(report["listening_time_ms"]),
                       longest_streak=longest, current_streak=current,
                       listening_rows=[{"date": p["date"], "minutes": round(p["listening_time_ms"] / 60_000, 1)}
                                       for p in report["plays_over_time"]],
                       minutes_series=[("minutes", _("Minutes listened"))],
                       plays_series=[("plays", _("Plays"))],
                       platforms=sorted(report["platforms"].items(), key=lambda kv: (-kv[1], kv[0])),
                       devices=sorted(report["devices"].items(), key=lambda kv: (-kv[1], kv[0])),
                       hour_rows=[{"hour": hour, "plays": n} for hour, n in enumerate(report["plays_by_hour"])])
    return _render(request, "analytics/stats.html", None, None, context)


def audience(request):
    """Audience: how the signed-in artist's catalog is heard in the period (the artist report)."""
    from catalog.studio_views import studio_view

    return studio_view(require_safe(_audience))(request)


def _audience(request, *, artist):
    from . import selectors

    days, period = stats_period(request)
    report, unavailable = _report(f"analytics:artist:{artist.pk}:{period.cache_key()}",
                                  lambda: selectors.artist_report(artist=artist, period=period))
    context = {"artist": artist, "days": days, "periods": STATS_PERIODS, "period": period, "report": report,
               "unavailable": unavailable, "tab": "audience"}
    if report:
        context.update(hours=report["listening_time_ms"] / 3_600_000, listening=listening_time_text(report["listening_time_ms"]),
                       day_series=[("plays", _("Plays")), ("unique_listeners", _("Unique listeners")),
                                   ("likes", _("Likes")), ("playlist_adds", _("Playlist adds"))],
                       platforms=sorted(report["platforms"].items(), key=lambda kv: (-kv[1], kv[0])),
                       devices=sorted(report["devices"].items(), key=lambda kv: (-kv[1], kv[0])))
    return _render(request, "studio/audience.html", None, None, context)
