"""Django's PostgreSQL backend with a health check that costs no round trip when the connection is idle.

CONN_HEALTH_CHECKS makes Django ask `is_usable()` before the first query of every request on a
persistent connection, and Django's answer is a `SELECT 1`: one more round trip on every request
that touches the database, 8 % of a track detail's samples under load at 1M tracks. An idle
connection (no transaction open) has nothing to read unless the server wrote to it, and a server
that closes a connection (restart, `pg_terminate_backend`, idle timeout) first sends its FATAL
message or closes the socket, which makes it readable. So: an idle socket with nothing to read is
usable; anything else (readable, in a transaction, an unknown state) gets Django's `SELECT 1`.
"""
from __future__ import annotations

import select

from django.db.backends.postgresql import base as postgresql
from psycopg.pq import TransactionStatus


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        try:
            idle = connection.info.transaction_status == TransactionStatus.IDLE
            readable, _, _ = select.select([connection.fileno()], [], [], 0) if idle else ([True], None, None)
        except (OSError, ValueError):  # the socket is gone already
            return False
        return True if not readable else super().is_usable()
