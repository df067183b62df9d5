"""Query filters of the admin user list."""
from __future__ import annotations

from datetime import timedelta, timezone

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_filters.fields import IsoDateTimeField

from .models import Role, User

MAX_UTC_OFFSET = timedelta(hours=14)  # the widest real zone offset (Line Islands); PostgreSQL refuses more


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant with a real zone offset, given to the database in UTC.

    A fuzzer's "+22:15" or a date that leaves the representable range when moved to UTC
    is a clear 400, not a DataError that aborts the request's transaction.
    """

    def clean(self, value):
        parsed = super().clean(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise ValidationError("The time zone offset must be between -14:00 and +14:00.", code="invalid")
        try:
            return parsed.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            raise ValidationError("The date is out of range.", code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering that always ends on the id, so pages never overlap or skip rows."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            last = value[-1]
            qs = qs.order_by(*qs.query.order_by, "-id" if last.startswith("-") else "id")
        return qs


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_active = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )
    q = django_filters.CharFilter(method="filter_q", max_length=150, help_text="Part of the username or email.")
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = StableOrderingFilter(fields=(("created_at", "created_at"), ("username", "username"), ("id", "id")))

    class Meta:
        model = User
        fields = ["role", "is_active", "q", "created_after", "created_before"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(email__icontains=value))


class AuditEventFilter(django_filters.FilterSet):
    from .models import AuditAction as _Action

    action = django_filters.MultipleChoiceFilter(choices=_Action.choices, help_text="One or more actions.")
    actor = django_filters.NumberFilter(field_name="actor_id", min_value=1, max_value=2**63 - 1)
    target = django_filters.NumberFilter(field_name="target_id", min_value=1, max_value=2**63 - 1)
    username = django_filters.CharFilter(method="filter_username", max_length=150,
                                         help_text="Actor's or target's username (exact, any case).")
    since = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        from .models import AuditEvent as model  # noqa: N813

        fields = ["action", "actor", "target", "username", "since", "until"]

    def filter_username(self, queryset, name, value):
        return queryset.filter(Q(actor_username__iexact=value) | Q(target_username__iexact=value))
