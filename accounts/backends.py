"""Sign-in backend for every login form of the project: the API, the admin and the web pages.

One field names the account by its username or by its email, case-insensitively. It is
Django's `ModelBackend` otherwise (permissions, `is_active`), so `authenticate()` sends
`user_login_failed`, and the callers that sign someone in send `user_logged_in`.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from jonquils.exceptions import UnavailableError

from . import selectors
from .models import User
from .user_cache import user_by_id

_hashing_lock = threading.Lock()
_hashing_slots: threading.BoundedSemaphore | None = None
_hashing_slots_size = 0


class PasswordHashingBusy(UnavailableError):
    """Every password-hashing slot of this process stayed busy (503: retry shortly)."""

    code = "busy"

    def __init__(self):
        super().__init__("The server is checking too many passwords at once; retry in a few seconds.")


def _slots() -> threading.BoundedSemaphore:
    global _hashing_slots, _hashing_slots_size
    size = max(1, int(getattr(settings, "PASSWORD_HASH_MAX_CONCURRENT", 2)))
    with _hashing_lock:
        if _hashing_slots is None or _hashing_slots_size != size:
            _hashing_slots, _hashing_slots_size = threading.BoundedSemaphore(size), size
        return _hashing_slots


@contextmanager
def password_hashing_slot():
    """Hold one of PASSWORD_HASH_MAX_CONCURRENT slots of this process while hashing a password.

    An Argon2 hash costs ~100 MB: without a bound, a few dozen concurrent sign-ins exhaust
    the memory of a web process. Waiting longer than PASSWORD_HASH_WAIT_S raises PasswordHashingBusy.
    """
    slots = _slots()
    if not slots.acquire(timeout=float(getattr(settings, "PASSWORD_HASH_WAIT_S", 10.0))):
        raise PasswordHashingBusy()
    try:
        yield
    finally:
        slots.release()


def user_check_password(user: User, password: str) -> bool:
    """`user.check_password`, bounded by the hashing slots (it may also upgrade the stored hash)."""
    with password_hashing_slot():
        return user.check_password(password)


def _run_hasher(password: str) -> None:
    """Spend one hash, as for a real account, so timing does not tell which accounts exist."""
    with password_hashing_slot():
        User().set_password(password)


class UsernameOrEmailBackend(ModelBackend):
    """ModelBackend whose `username` may be the username or the email, in any case.

    A session's user comes from `accounts.user_cache` (Redis, dropped on every change of the user).
    """

    def get_user(self, user_id):
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        if username is None and email is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if password is None or (not username and not email):
            return None
        user = selectors.user_find_by_login(login=username, email=email)
        if user is None:
            _run_hasher(password)
            return None
        if user_check_password(user, password) and self.user_can_authenticate(user):
            return user
        return None
