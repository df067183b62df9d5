"""The audit log of security events: one function writes it, every account service calls it.

Recorded: sign-ins and failed sign-ins (every path: API, pages, admin, through the
django.contrib.auth signals), refresh-token reuse, password changes, role, active-flag and
staff/superuser changes, account deletions. An entry is written in the caller's transaction,
so a change that rolls back leaves no entry claiming it happened.
"""
from __future__ import annotations

import ipaddress
import logging

from .models import AuditAction, AuditEvent

logger = logging.getLogger("jonquils.audit")


def _ip(request) -> str | None:
    if request is None:
        return None
    from .throttling import client_ip

    try:
        raw = client_ip(request)
        return str(ipaddress.ip_address(raw)) if raw else None
    except (ValueError, AttributeError, KeyError):
        return None


def _name(user) -> str:
    return (getattr(user, "username", "") or "") if user is not None else ""


def _pk(user):
    return user.pk if user is not None and getattr(user, "pk", None) is not None and user.is_authenticated else None


def record(*, action: str, actor=None, target=None, request=None, target_username: str = "", **details) -> AuditEvent:
    """Write one audit entry: `actor` did `action` to `target` (users or None); `details` is JSON."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent.objects.create(
        action=action, actor_id=_pk(actor), actor_username=_name(actor),
        target_id=target.pk if target is not None and target.pk is not None else None,
        target_username=target_username or _name(target), ip_address=_ip(request), details=details,
    )
    logger.info("audit %s", action, extra={"audit_action": action, "actor": event.actor_username,
                                           "target": event.target_username})
    return event


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: every successful sign-in (API, pages, admin)."""
    record(action=AuditAction.LOGIN, actor=user, target=user, request=request)


def on_user_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """user_login_failed receiver: the login name tried (never the password), and whose account it names."""
    from .models import User

    login = credentials.get("username") or credentials.get("email") or ""
    login = login if isinstance(login, str) else ""
    target = None
    if login:
        target = User.objects.filter(username__iexact=login).first() or User.objects.filter(email__iexact=login).first()
    record(action=AuditAction.LOGIN_FAILED, target=target, target_username=login[:150], request=request)
