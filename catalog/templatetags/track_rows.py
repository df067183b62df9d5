"""`{% track_row_cached %}…{% end_track_row_cached %}`: a track row rendered once per catalog version, its listener's parts put in.

A listener page is CPU-bound in the template engine: a track row costs about 1.1 ms (some 30
variables, 13 translation tags, 8 icons), so a 50-row playlist page spent most of its time
rendering rows that are the same for everyone who sees them. The row is kept rendered in
this process under everything it depends on: the track and the catalog version (any edit of
a track, album or artist bumps it), the language, the row's options (number, playlist entry,
editable) and the listener's state that shows (signed in, liked). What differs per request
and per listener beyond that — the CSRF token and the page's own path in `next` fields — is
rendered as a marker and put in on every use (rows read the path as `here` / `here_quoted`, from
`jonquils.pages.ui_context`). Only viewers who see the public catalog share
rows (as `catalog.cache.cached_for_viewer`); admins and artists get theirs rendered fresh.
"""
from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from catalog.cache import current_version

register = template.Library()

ROWS_PER_PROCESS = 4000  # ≈ 4 KB each: ≈ 16 MB per web process at most
# Markers are letters and digits, so escaping and URL-quoting leave them as they are; random per
# process, so no title or name can spell one.
_CSRF_MARK = f"jqcsrf{secrets.token_hex(8)}"
_PATH_MARK = f"jqpath{secrets.token_hex(8)}"
_PATH_QUOTED_MARK = f"jqpathq{secrets.token_hex(8)}"


class _RenderedRows:
    """A bounded least-recently-used map of rendered rows (one lock per row looked up, not per variable)."""

    def __init__(self, size: int):
        self._size, self._rows, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            html = self._rows.get(key)
            if html is not None:
                self._rows.move_to_end(key)
            return html

    def put(self, key, html: str) -> None:
        with self._lock:
            self._rows[key] = html
            self._rows.move_to_end(key)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


rendered_rows = _RenderedRows(ROWS_PER_PROCESS)


class TrackRowNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        from accounts.permissions import user_sees_public_catalog_only

        request, track, user = context.get("request"), context.get("track"), context.get("user")
        if request is None or track is None or not user_sees_public_catalog_only(user):
            return self.nodelist.render(context)
        try:
            version = current_version()
        except Exception:  # no cache: render as if there were none
            return self.nodelist.render(context)
        entry, signed_in = context.get("entry"), bool(user and user.is_authenticated)
        key = (track.pk, version, get_language(), str(context.get("number") or ""),
               (entry.playlist_id, entry.position) if entry else None, bool(context.get("editable")),
               signed_in, bool(getattr(track, "is_favorite", False)))
        html = rendered_rows.get(key)
        if html is None:
            with context.push(csrf_token=_CSRF_MARK, here=_PATH_MARK, here_quoted=_PATH_QUOTED_MARK):
                html = self.nodelist.render(context)
            rendered_rows.put(key, html)
        if _CSRF_MARK in html:  # only rows with a form ask for the token (and so set the CSRF cookie)
            html = html.replace(_CSRF_MARK, escape(str(context.get("csrf_token") or "")))
        return mark_safe(html.replace(_PATH_QUOTED_MARK, escape(context.get("here_quoted", "")))
                         .replace(_PATH_MARK, escape(context.get("here", ""))))


@register.tag("track_row_cached")
def track_row_cached(parser, token):
    nodelist = parser.parse(("end_track_row_cached",))
    parser.delete_first_token()
    return TrackRowNode(nodelist)
