"""`column = ANY(%s)`: one array parameter where `__in` writes one placeholder per id.

Django compiles `item_id__in=ids` into `IN (%s, %s, …)` and prepares every value on its way:
for the 500 ids of a Subsonic list page (getAlbumList2, a search3 sync page) the user's stars and
ratings cost 12–16 ms in-process at 1M tracks, against 3.8 ms with one array parameter (PostgreSQL
plans `= ANY(array)` like an IN list: the same index probes). Use it as a filter expression:

    Star.objects.filter(IdIn(F("item_id"), ids))
"""
from __future__ import annotations

from django.db.models import Lookup


class IdIn(Lookup):
    """True where the integer column is one of `ids` (an iterable of ints; empty: nothing matches)."""

    prepare_rhs = False  # the ids travel as one int8[] parameter, not field values one by one

    def __init__(self, lhs, ids):
        super().__init__(lhs, [int(pk) for pk in ids])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, self.rhs]
