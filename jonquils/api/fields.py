"""Serializer fields that more than one app's API shares."""
from __future__ import annotations

from rest_framework import serializers


def country_field(**kwargs) -> serializers.RegexField:
    """An optional ISO 3166-1 alpha-2 code, upper case as stored ("" means unknown)."""
    kwargs.setdefault("required", False)
    return serializers.RegexField(
        r"^[A-Z]{2}$", max_length=2, allow_blank=True,
        error_messages={"invalid": "Use an ISO 3166-1 alpha-2 code such as GB."}, **kwargs,
    )
