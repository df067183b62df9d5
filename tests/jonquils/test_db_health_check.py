"""The database backend's health check: no round trip for an idle connection, and a connection the
server closed is still caught before a request uses it."""
from __future__ import annotations

import time

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db


def _own_connection():
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    return wrapper


def test_the_backend_is_the_projects():
    assert connection.vendor == "postgresql" and type(connections["default"]).__module__ == "jonquils.db.base"


def test_an_idle_connection_is_usable_without_a_query():
    wrapper = _own_connection()
    try:
        with wrapper.connection.cursor() as cursor:
            cursor.execute("SELECT 42")  # the last statement this connection sent
        sent_before = _statements_of(wrapper)
        assert all(wrapper.is_usable() for _ in range(20))
        assert _statements_of(wrapper) == sent_before  # 20 checks, no statement reached the server
    finally:
        wrapper.close()


def _statements_of(wrapper) -> str:
    """The last statement the server saw from this connection (pg_stat_activity, asked from another one)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [wrapper.connection.info.backend_pid])
        return cursor.fetchone()[0]


def test_a_connection_the_server_closed_is_not_usable():
    wrapper = _own_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])
        deadline = time.monotonic() + 5
        while wrapper.is_usable() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not wrapper.is_usable()
        wrapper.close_if_health_check_failed()  # what Django runs before a request's first query
        wrapper.health_check_done = False
        wrapper.close()
        wrapper.ensure_connection()  # and a new connection serves the next request
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        wrapper.close()
