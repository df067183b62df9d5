"""Template helpers of the artists' studio pages."""
from django import template

from accounts.permissions import user_is_artist_or_admin

register = template.Library()


@register.filter
def studio_user(user) -> bool:
    """True for the roles the studio is for (the role predicate; no query)."""
    return user_is_artist_or_admin(user)


@register.filter
def percent(value) -> str:
    """A 0..1 rate as a whole percentage."""
    try:
        return f"{round(float(value) * 100)}"
    except (TypeError, ValueError):
        return "0"


@register.filter
def share(part, whole) -> str:
    """part / whole as a whole percentage (0 when whole is 0)."""
    try:
        return f"{round(100 * float(part) / float(whole))}" if float(whole) else "0"
    except (TypeError, ValueError):
        return "0"
