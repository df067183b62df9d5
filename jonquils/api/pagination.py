from __future__ import annotations

import base64
import datetime as dt
import functools
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from jonquils.keyset import seek_filter


class StandardPagination(PageNumberPagination):
    """Page-number pagination; `page_size` outside 1..max is a 400, not a silent default."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]})
        return size


class _CountedPaginator(DjangoPaginator):
    """Django's paginator with the row count supplied by the caller (a cached count, for instance)."""

    def __init__(self, *args, count_rows, **kwargs):
        super().__init__(*args, **kwargs)
        self._count_rows = count_rows

    @functools.cached_property
    def count(self):
        return self._count_rows()


def keyset_order(queryset: QuerySet) -> list[tuple[str, bool]] | None:
    """(field, descending) pairs of the queryset's ORDER BY when a cursor can seek it, else None.

    Seekable: plain non-null concrete columns ending with the primary key, so the order is total
    and `(a, b, id) > (x, y, z)` is exact. Anything else (expressions, joins, nullable columns)
    keeps plain page numbers, and so does a list that is not a queryset (a chart).
    """
    if not isinstance(queryset, QuerySet):
        return None
    meta = queryset.model._meta
    ordering = list(queryset.query.order_by or meta.ordering or [])
    order = []
    for item in ordering:
        if not isinstance(item, str) or "__" in item or item.lstrip("-") in ("?", ""):
            return None
        name = item.lstrip("-")
        name = meta.pk.attname if name == "pk" else name
        try:
            field = meta.get_field(name)
        except Exception:  # noqa: BLE001 - an annotation or unknown name: not seekable
            return None
        if not field.concrete or field.null:
            return None
        order.append((field.attname, item.startswith("-")))
    if not order or order[-1][0] != meta.pk.attname:
        return None
    return order


def _encode_value(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


class KeysetPagination(StandardPagination):
    """Page numbers as before, and `next` links that seek instead of OFFSET: page 5,000 costs what page 2 costs.

    The answer keeps its shape (count, next, previous, results). `next` carries an opaque
    `cursor` (the page number and the last row's sort key); following it runs
    `WHERE (key, id) > (last) ORDER BY key, id LIMIT size + 1` on the sort's index. `?page=N`
    still works (OFFSET) for clients that jump. `count` comes from the view's `list_count`
    when it has one (the catalog caches it per catalog version), else from COUNT(*).
    """

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self._order = keyset_order(queryset)
        self._meta = queryset.model._meta if self._order else None
        counter = getattr(view, "list_count", None)
        count_rows = functools.partial(counter, queryset) if counter else queryset.count
        raw_cursor = request.query_params.get(self.cursor_query_param)
        if raw_cursor is None:
            self.django_paginator_class = functools.partial(_CountedPaginator, count_rows=count_rows)
            rows = super().paginate_queryset(queryset, request, view)
            self._number, self._has_next, self._rows = self.page.number, self.page.has_next(), rows
            self._count = self.page.paginator.count
            return rows
        if self._order is None:
            raise ValidationError({"cursor": ["This list is not paged by cursor; use page numbers."]})
        page_size = self.get_page_size(request)
        self._number, values = self._cursor_decode(raw_cursor)
        rows = list(queryset.filter(seek_filter(self._order, values))[: page_size + 1])
        self._has_next, self._rows = len(rows) > page_size, rows[:page_size]
        self._count = count_rows()
        self.page = None
        return self._rows

    def get_paginated_response(self, data):
        from rest_framework.response import Response

        return Response({"count": self._count, "next": self.get_next_link(),
                         "previous": self.get_previous_link(), "results": data})

    def get_next_link(self):
        if not self._has_next:
            return None
        if self._order is None:
            return super().get_next_link()
        last = self._rows[-1]
        values = [_encode_value(getattr(last, name)) for name, _ in self._order]
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self._cursor_encode(self._number + 1, values))

    def get_previous_link(self):
        if self._number <= 1:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        if self._number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self._number - 1)

    def _signature(self) -> list[str]:
        return [f"{'-' if descending else ''}{name}" for name, descending in self._order]

    def _cursor_encode(self, number: int, values: list) -> str:
        raw = json.dumps({"p": number, "o": self._signature(), "k": values}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _cursor_decode(self, cursor: str) -> tuple[int, list]:
        """(page number, typed sort values); a 400 for a cursor that is unreadable or from another ordering."""
        invalid = ValidationError({"cursor": ["Invalid cursor: follow the `next` link of a previous page."]})
        try:
            body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            number, signature, keys = int(body["p"]), body["o"], body["k"]
        except (ValueError, TypeError, KeyError, json.JSONDecodeError):
            raise invalid from None
        if signature != self._signature() or not isinstance(keys, list) or len(keys) != len(self._order) or number < 2:
            raise ValidationError({"cursor": ["This cursor belongs to another ordering or list; start from the first page."]})
        try:
            return number, [self._meta.get_field(name).to_python(value) for (name, _), value in zip(self._order, keys)]
        except DjangoValidationError:
            raise invalid from None
