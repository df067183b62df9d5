from __future__ import annotations

import secrets
from pathlib import Path

from django.db import transaction

from .models import Role, User


@transaction.atomic
def admin_ensure(*, username: str, password: str | None, password_file: Path) -> tuple[User, str | None]:
    """Create the staff admin on first run; return it and the password to show, if known.

    With no password given, one is generated once and kept in `password_file` (mode 600),
    so that every start can print the same login.
    """
    if not password:
        if password_file.exists():
            password = password_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
            password_file.chmod(0o600)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_superuser(username=username, email=f"{username}@jonquils.local", password=password)
    elif not (user.is_superuser and user.role == Role.ADMIN):
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff", "role"])
    return user, password if user.check_password(password) else None
