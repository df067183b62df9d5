"""Template filters of the listener pages: durations, cover placeholders, play-all id lists."""
from __future__ import annotations

from functools import lru_cache

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()

HUES = 12  # placeholder colours (app.css .hue-0 … .hue-11)


@register.simple_tag
def icon(name: str, css_class: str = "") -> str:
    """One icon of the sprite (static/img/icons.svg), decorative: `{% icon "play" "row-play-icon" %}`.

    Built once per (name, class) and process: a track row shows eight icons, and an include
    with a `{% static %}` each was a third of a 200-row playlist page's rendering.
    """
    return _icon_markup(name, css_class)


@lru_cache(maxsize=512)
def _icon_markup(name: str, css_class: str) -> str:
    classes = f"icon {css_class}".strip()
    return format_html('<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
                       classes, static("img/icons.svg"), name)


_ID_SLOT = 987654321987  # an id no route will see: marks where the id goes in a reversed path


@register.simple_tag
def path_to(route: str, object_id) -> str:
    """`{% url route id %}` for the routes of a row, which take one numeric id: reversed once per
    route and process, then formatted (a 200-row list reversed ~2,000 URLs a page)."""
    return _route_template(route).format(int(object_id))


@register.simple_tag
@lru_cache(maxsize=128)
def path_of(route: str) -> str:
    """`{% url route %}` for a route without arguments, reversed once per process (rows use a few)."""
    return reverse(route)


@lru_cache(maxsize=128)
def _route_template(route: str) -> str:
    path = reverse(route, args=[_ID_SLOT])
    if path.count(str(_ID_SLOT)) != 1:
        raise ValueError(f"{route} does not take exactly one numeric id")
    return path.replace("{", "{{").replace("}", "}}").replace(str(_ID_SLOT), "{}")


@register.filter
def duration(ms) -> str:
    """3:07 or 1:02:03 from milliseconds; an em dash when unknown."""
    if ms in (None, ""):
        return "—"
    seconds = int(ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.simple_tag
def cover_hues() -> int:
    """How many placeholder colours there are, for the player's script (it colours the bar's cover the same way)."""
    return HUES


@register.filter
def hue(value) -> str:
    """A stable placeholder colour class for an id (covers that are missing still look designed)."""
    try:
        return f"hue-{int(value) % HUES}"
    except (TypeError, ValueError):
        return "hue-0"


@register.filter
def track_ids(tracks) -> str:
    """"1,2,3" for data-track-ids of a play-all button (tracks, or entries with .track)."""
    return ",".join(str(getattr(item, "track_id", None) or item.pk) for item in tracks)


@register.filter
def initial(value) -> str:
    text = str(value or "").strip()
    return text[:1].upper() if text else "?"


@register.filter
def track_credit_parts(track) -> list:
    """[(separator, credit)] of a track's credited artists: "A feat. B" with each artist linkable."""
    from catalog.selectors import credit_parts, track_credits

    return credit_parts(track_credits(track))


@register.filter
def album_credit_parts(album) -> list:
    """[(separator, credit)] of an album's own artists: "A & B"."""
    from catalog.selectors import album_credits, credit_parts

    return credit_parts(album_credits(album))


@register.filter
def display_artist(obj) -> str:
    """"A feat. B" of a track, "A & B" of an album (page titles, labels)."""
    from catalog.models import Album
    from catalog.selectors import album_display_artist, track_display_artist

    return album_display_artist(obj) if isinstance(obj, Album) else track_display_artist(obj)
