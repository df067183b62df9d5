"""Writes and rules of accounts: registration, sign-in, profile, roles. Tokens live in accounts.tokens."""
from __future__ import annotations

import secrets
from pathlib import Path

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jonquils.exceptions import NotAuthenticatedError

from . import audit, selectors
from .backends import user_check_password
from .models import Role, User
from .tokens import refresh_tokens_revoke_all

DUPLICATE_USERNAME = "A user with that username already exists."
DUPLICATE_EMAIL = "A user with that email address already exists."
_CONSTRAINT_FIELDS = {
    "users_username_ci_unique": ("username", DUPLICATE_USERNAME),
    "users_username_key": ("username", DUPLICATE_USERNAME),  # AbstractUser's own unique=True
    "users_email_ci_unique": ("email", DUPLICATE_EMAIL),
}


class InvalidCredentials(NotAuthenticatedError):
    code = "invalid_credentials"

    def __init__(self):
        super().__init__("No active account matches these credentials.")


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


def _normalize_email(email: str) -> str:
    return User.objects.normalize_email(email.strip())


def _check_identity_free(*, username: str | None, email: str | None, exclude_id: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if username is not None and selectors.username_taken(username=username, exclude_id=exclude_id):
        errors["username"] = [DUPLICATE_USERNAME]
    if email is not None and selectors.email_taken(email=email, exclude_id=exclude_id):
        errors["email"] = [DUPLICATE_EMAIL]
    for field, messages in selectors.login_name_clash(username=username, email=email, exclude_id=exclude_id).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _save_unique(user: User, **save_kwargs) -> None:
    """Save, turning a lost race on the case-insensitive unique constraints into a field error."""
    try:
        with transaction.atomic():
            user.save(**save_kwargs)
    except IntegrityError as exc:
        for constraint, (field, message) in _CONSTRAINT_FIELDS.items():
            if constraint in str(exc):
                raise ValidationError({field: [message]}) from None
        raise


def _validate_new_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


def user_register(*, username: str, email: str, password: str, country: str = "") -> User:
    """Create a listener account; usernames and emails are unique whatever their case."""
    email = _normalize_email(email)
    _check_identity_free(username=username, email=email)
    user = User(username=username, email=email, role=Role.USER, country=country)
    _validate_new_password(password, user)
    user.set_password(password)
    _save_unique(user)
    return user


def user_authenticate(*, password: str, username: str | None = None, email: str | None = None, request=None,
                      record_login: bool = True) -> User:
    """Return the active user that the login (username or email) and password name; else InvalidCredentials.

    Goes through `django.contrib.auth.authenticate()` (accounts.backends), as the admin login
    does, and sends `user_logged_in` on success: Django sets last_login, analytics records it.
    A page that starts a session passes `record_login=False`: django.contrib.auth.login() sends it.
    """
    user = authenticate(request, username=username, email=email, password=password)
    if user is None:
        raise InvalidCredentials()
    if record_login:
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    return user


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    current_password: str | None = None,
    username: str | None = None,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    country: str | None = None,
    password: str | None = None,
) -> User:
    """Change one's own profile; a new password or email needs the current password.

    A password change revokes every refresh token of the account: other devices sign in again.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if email is not None:
        email = _normalize_email(email)
        if email == user.email:
            email = None
    if password is not None or email is not None:
        if not current_password:
            raise ValidationError({"current_password": ["Give your current password to change your password or email."]})
        if not user_check_password(user, current_password):
            raise ValidationError({"current_password": ["The current password is not correct."]})
    _check_identity_free(username=username, email=email, exclude_id=user.pk)
    changed = []
    for field, value in (("username", username), ("email", email), ("first_name", first_name), ("last_name", last_name),
                         ("country", country)):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if password is not None:
        _validate_new_password(password, user)
        user.set_password(password)
        changed.append("password")
    if changed:
        _save_unique(user, update_fields=changed)
    if password is not None:
        refresh_tokens_revoke_all(user=user)
        audit.record(action="password_changed", actor=user, target=user)
    return user


def user_password_changed(*, user: User, actor: User | None = None, request=None) -> None:
    """After staff set an account's password (the admin's password form): sign its devices out, audit it."""
    refresh_tokens_revoke_all(user=user)
    audit.record(action="password_changed", actor=actor, target=user, request=request)


def _artist_link(*, user: User, artist_id: int | None) -> None:
    """Give an artist-role user their Artist profile: link `artist_id`, or keep theirs, or create one."""
    from catalog.models import Artist

    current = Artist.objects.select_for_update().filter(user=user).first()
    if artist_id is None:
        if current is None:
            Artist.objects.create(user=user, name=user.get_full_name() or user.username)
        return
    artist = Artist.objects.select_for_update().filter(pk=artist_id).first()
    if artist is None:
        raise ValidationError({"artist_id": ["No artist has this id."]})
    if artist.user_id not in (None, user.pk):
        raise ValidationError({"artist_id": ["This artist profile belongs to another user."]})
    if current is not None and current.pk != artist.pk:
        raise ValidationError({"artist_id": [f"This user already has the artist profile {current.pk}."]})
    if artist.user_id is None:
        artist.user = user
        artist.save(update_fields=["user"])


def user_privileges_check(
    *, user: User, actor: User | None = None, is_active: bool | None = None, is_superuser: bool | None = None,
    role: str | None = None,
) -> None:
    """Refuse a change that would lock the service out of its administration.

    Nobody deactivates or demotes themselves, and the last active superuser stays one, active.
    Call it inside the transaction of the change: it locks the active superusers, so two
    admins demoting the last two superusers at once cannot both succeed.
    """
    is_active = user.is_active if is_active is None else is_active
    is_superuser = user.is_superuser if is_superuser is None else is_superuser
    role = role or (Role.ADMIN if is_superuser else user.role)
    if actor is not None and actor.pk == user.pk:
        if not is_active:
            raise ValidationError({"is_active": ["You cannot deactivate your own account."]})
        if actor.is_superuser and not is_superuser:
            raise ValidationError({"is_superuser": ["You cannot remove your own superuser status."]})
        if actor.is_admin and role != Role.ADMIN and not is_superuser:
            raise ValidationError({"role": ["You cannot remove your own admin role."]})
    if user.pk is None:
        return
    was_active_superuser = User.objects.filter(pk=user.pk, is_superuser=True, is_active=True).exists()
    if was_active_superuser and not (is_superuser and is_active):
        active_superusers = list(
            User.objects.select_for_update().filter(is_superuser=True, is_active=True).values_list("pk", flat=True)
        )
        if set(active_superusers) <= {user.pk}:
            field = "is_active" if not is_active else "is_superuser"
            raise ValidationError({field: ["This is the last active superuser: make another account superuser first."]})


def user_role_change(*, user: User, role: str, actor: User | None = None, artist_id: int | None = None,
                     request=None) -> User:
    """Set a user's role. A superuser stays an admin; becoming an artist creates or links their Artist."""
    if role not in Role.values:
        raise ValidationError({"role": [f"Must be one of: {', '.join(Role.values)}."]})
    if user.is_superuser and role != Role.ADMIN:
        raise ValidationError({"role": ["A superuser is always an admin."]})
    if artist_id is not None and role != Role.ARTIST:
        raise ValidationError({"artist_id": ["Only a user who becomes an artist can be linked to an artist profile."]})
    with transaction.atomic():
        user_privileges_check(user=user, actor=actor, role=role)
        if role == Role.ARTIST:
            _artist_link(user=user, artist_id=artist_id)
        if user.role != role:
            old = user.role
            user.role = role
            user.save(update_fields=["role"])
            audit.record(action="role_changed", actor=actor, target=user, request=request, old=old, new=role)
    return user


def user_active_set(*, user: User, is_active: bool, actor: User | None = None, request=None) -> User:
    """Activate or deactivate an account; deactivation revokes its refresh tokens."""
    with transaction.atomic():
        user_privileges_check(user=user, actor=actor, is_active=is_active)
        if user.is_active != is_active:
            user.is_active = is_active
            user.save(update_fields=["is_active"])
            audit.record(action="active_changed", actor=actor, target=user, request=request,
                         old=not is_active, new=is_active)
        if not is_active:
            refresh_tokens_revoke_all(user=user)
    return user


@transaction.atomic
def user_admin_update(
    *, actor: User, user_id: int, role: str | None = None, is_active: bool | None = None, artist_id: int | None = None,
    request=None,
) -> User:
    """An admin changes another account's role and/or active flag, all or nothing."""
    user = User.objects.select_for_update().get(pk=user_id)
    if role is not None or artist_id is not None:
        user = user_role_change(user=user, role=role if role is not None else user.role, actor=actor, artist_id=artist_id,
                                request=request)
    if is_active is not None:
        user = user_active_set(user=user, is_active=is_active, actor=actor, request=request)
    return selectors.user_get(user_id=user.pk)


def user_staff_flags_set(*, user: User, actor: User | None, is_staff: bool | None = None,
                         is_superuser: bool | None = None, request=None) -> User:
    """Grant or remove staff and superuser status (admin); the last superuser and oneself are protected."""
    with transaction.atomic():
        user_privileges_check(user=user, actor=actor, is_superuser=is_superuser)
        changes = {f: v for f, v in (("is_staff", is_staff), ("is_superuser", is_superuser))
                   if v is not None and getattr(user, f) != v}
        if changes:
            old = {f: getattr(user, f) for f in changes}
            for field, value in changes.items():
                setattr(user, field, value)
            user.save(update_fields=[*changes, "role"])  # a superuser's save() makes the role admin
            audit.record(action="privileges_changed", actor=actor, target=user, request=request, old=old, new=changes)
    return user


def user_delete(*, user: User, actor: User | None = None, request=None) -> None:
    """Delete an account; nobody deletes themselves or the last active superuser. The deletion is audited."""
    with transaction.atomic():
        if actor is not None and actor.pk == user.pk:
            raise ValidationError("You cannot delete your own account.")
        user_privileges_check(user=user, actor=actor, is_active=False)
        audit.record(action="user_deleted", actor=actor, target=user, request=request,
                     email=user.email, role=user.role)
        user.delete()
