"""Query filters of the admin user list."""
from __future__ import annotations

import django_filters
from django.db.models import Q

from .models import Role, User


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
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = StableOrderingFilter(fields=(("created_at", "created_at"), ("username", "username"), ("id", "id")))

    class Meta:
        model = User
        fields = ["role", "is_active", "q", "created_after", "created_before"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(email__icontains=value))
