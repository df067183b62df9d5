"""The client layer: literals, migrations, the owner protocol and its failures."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from analytics.clickhouse import ClickHouseError, ClickHouseUnavailable, get_client
from analytics.clickhouse.backends import OwnerBackend
from analytics.clickhouse.migrations import MIGRATIONS
from analytics.clickhouse.sql import literal, render


def test_literals_round_trip_through_clickhouse(clickhouse):
    tricky = "it's a \\ back'slash\n'; DROP TABLE track_analytics; --"
    row = clickhouse.rows(
        "SELECT %(s)s AS s, %(n)s AS n, %(f)s AS f, toString(%(d)s) AS d, toString(toDateTime64(%(t)s, 3, 'UTC')) AS t, "
        "toString(toUUID(%(u)s)) AS u, %(ids)s AS ids",
        {"s": tricky, "n": 2**63, "f": 0.25, "d": date(2026, 1, 2), "u": uuid.UUID(int=5), "ids": [1, 2],
         "t": datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)},
    )[0]
    assert row == {"s": tricky, "n": 2**63, "f": 0.25, "d": "2026-01-02", "t": "2026-01-02 03:04:05.678",
                   "u": str(uuid.UUID(int=5)), "ids": [1, 2]}
    assert clickhouse.scalar("SELECT count() FROM track_analytics") == 0


def test_literal_refuses_what_clickhouse_cannot_take():
    with pytest.raises(ValueError):
        literal(float("nan"))
    with pytest.raises(TypeError):
        literal(object())
    assert render("SELECT '100%%' WHERE x IN %(ids)s", {"ids": (1,)}) == "SELECT '100%' WHERE x IN (1,)"


def test_schema_migrations_are_recorded_and_not_applied_twice(clickhouse):
    versions = [r[0] for r in clickhouse.query("SELECT version FROM schema_migrations ORDER BY version")[1]]
    assert versions == [m.version for m in MIGRATIONS]
    out = StringIO()
    call_command("clickhouse_migrate", stdout=out)
    assert out.getvalue().strip() == f"ClickHouse schema already at version {MIGRATIONS[-1].version}."
    assert clickhouse.scalar("SELECT count() FROM schema_migrations") == len(MIGRATIONS)
    tables = {r[0] for r in clickhouse.query("SELECT name FROM system.tables WHERE database = currentDatabase()")[1]}
    assert {"api_requests_log", "track_analytics", "search_analytics", "user_analytics", "artist_analytics"} <= tables


def test_bad_sql_is_a_clickhouse_error_not_an_outage(clickhouse):
    with pytest.raises(ClickHouseError) as excinfo:
        clickhouse.query("SELECT no_such_column FROM track_analytics")
    assert not isinstance(excinfo.value, ClickHouseUnavailable)
    assert "no_such_column" in str(excinfo.value)


def test_an_unreachable_owner_is_reported_as_unavailable(tmp_path):
    backend = OwnerBackend(tmp_path / "nobody.sock", timeout=1)
    with pytest.raises(ClickHouseUnavailable, match="does not answer"):
        backend.query("SELECT 1")


@pytest.mark.skipif(bool(settings.CLICKHOUSE_URL), reason="embedded mode only")
def test_a_second_process_cannot_open_chdb_so_others_go_through_the_owner(clickhouse):
    """chDB's one-process rule, shown: this test process asks the owner instead of opening chDB."""
    from analytics.clickhouse.backends import ChdbBackend

    assert get_client().kind == "owner"
    with pytest.raises(ClickHouseUnavailable, match="another process owns it"):
        ChdbBackend(Path(settings.CLICKHOUSE_CHDB_PATH))
    assert clickhouse.scalar("SELECT 1") == 1


@pytest.mark.skipif(not settings.CLICKHOUSE_URL, reason="needs a ClickHouse server (CLICKHOUSE_URL)")
def test_native_backend_inserts_and_reads_typed_rows(clickhouse):
    assert get_client().kind == "native"
    clickhouse.insert("search_analytics", [{"timestamp": "2026-01-02 03:04:05.006", "event_id": str(uuid.UUID(int=9)),
                                            "user_id": 1, "query": "x", "results_count": 0, "clicked_result_id": 0}])
    assert clickhouse.rows("SELECT query, toString(timestamp) AS t FROM search_analytics") == [
        {"query": "x", "t": "2026-01-02 03:04:05.006"}]
