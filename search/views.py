"""The search page: as you type (htmx asks for the results part), grouped by kind, the query in the URL."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST, require_safe

from jonquils.pages import wants_fragment
from playlists.selectors import flag_favorites, playlist_list_for_user, playlists_with_totals

from . import services
from .selectors import hits_hydrate

# How many of each kind the page shows, in the order of its sections.
GROUP_LIMITS = {"track": 10, "artist": 6, "album": 6, "playlist": 6}


def _groups(*, query: str, user) -> tuple[dict[str, list], str | None]:
    groups: dict[str, list] = {entity: [] for entity in GROUP_LIMITS}
    if not query.strip():
        return groups, None
    viewer = user if user.is_authenticated else None
    try:
        for entity in GROUP_LIMITS:
            request = services.search_request_build(entity=entity, query=query, user=viewer,
                                                    limit=GROUP_LIMITS[entity])

            def hydrated(request=request) -> list:
                return [obj for _hit, obj in hits_hydrate(hits=services.search_run(request=request, announce=False))]

            # The rows too are one cached answer per (search generation, catalog version, viewer scope):
            # loading them was most of what the page cost before its template.
            groups[entity] = services.search_answer_cached(
                request=request, key=f"page|{request.folded}|{request.limit}", build=hydrated)
            services.search_announce(request=request, results_count=len(groups[entity]))
    except ValidationError as error:
        return {entity: [] for entity in GROUP_LIMITS}, " ".join(error.messages)
    if groups["playlist"]:  # with their track counts, through the playlist selector (its visibility rule)
        ids = [playlist.pk for playlist in groups["playlist"]]
        found = playlist_list_for_user(user=user).in_bulk(ids)
        groups["playlist"] = playlists_with_totals(found[pk] for pk in ids if pk in found)
    flag_favorites(user, groups["track"])
    return groups, None


@require_safe
def search_page(request):
    query = request.GET.get("q", "")[: services.MAX_QUERY_CHARS * 2]
    groups, error = _groups(query=query, user=request.user)
    context = {"search_query": query, "groups": groups, "error": error,
               "empty": bool(query.strip()) and not error and not any(groups.values())}
    template = "search/partials/_results.html" if wants_fragment(request, "search-results") else "search/page.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
def search_click(request):
    """A result was opened from the search page: recorded by the search click service (search analytics)."""
    try:
        result_id = int(request.POST.get("result_id", ""))
        services.search_click_record(user=request.user, query=request.POST.get("query", ""),
                                     entity=request.POST.get("entity", ""), result_id=result_id)
    except (ValueError, ValidationError):
        return HttpResponse(status=400)
    return HttpResponse(status=204)


