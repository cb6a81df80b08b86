"""Fixed SQL for the hottest reads, with values normalised across database vendors.

The ORM compiles every query afresh (a few hundred microseconds each) and builds a model
instance per row; the API's busiest reads (session list and detail, release order,
timeline, FHIR ``$everything``) instead run hand-written SQL strings and build plain
dicts. The SQL is portable (PostgreSQL and SQLite); what differs between the vendors is
how values come back, and the ``to_*`` functions here even that out:

- UUIDs: ``uuid.UUID`` from PostgreSQL, 32 hex characters from SQLite;
- instants: aware datetimes from PostgreSQL, naive UTC datetimes from SQLite;
- JSON columns: text from both (Django decodes them itself, so it registers no loader);
- decimals: ``Decimal`` from PostgreSQL, ``float`` from SQLite.

Every function here takes the clinic (or a row already scoped to it) from its caller;
nothing in this module decides who may read what.
"""

import collections
import datetime as dt
import functools
import uuid

import orjson
from django.db import connection

__all__ = [
    "cursor",
    "db_id",
    "fetch",
    "fetch_named",
    "fetch_together",
    "placeholders",
    "to_number",
    "to_instant",
    "to_json",
    "to_uuid",
]


def cursor():
    """A cursor for fixed SQL, logged and counted like any Django cursor.

    On PostgreSQL it binds parameters on the server, so psycopg prepares each statement
    once per connection (``prepare_threshold`` in settings) and later calls skip the
    planning, which costs more than running these indexed lookups. Django's own cursors
    keep binding on the client.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def fetch(sql: str, params=()) -> list[tuple]:
    """All rows of ``sql`` (``%s`` placeholders) on the default connection."""
    with cursor() as c:
        c.execute(sql, params)
        return c.fetchall()


@functools.cache
def _row_type(names: tuple[str, ...]):
    return collections.namedtuple("Row", names)


def fetch_named(sql: str, params=()) -> list[tuple]:
    """All rows of ``sql`` as named tuples, their fields named by the query's column
    labels (``SELECT s.id AS session_id …``): a reader takes each value by its name,
    so adding a column never shifts another one."""
    with cursor() as c:
        c.execute(sql, params)
        rows = c.fetchall()
        names = tuple(column[0] for column in c.description)
    row_type = _row_type(names)
    return [row_type._make(row) for row in rows]


def fetch_together(*queries: tuple[str, list]) -> list[list[tuple]]:
    """The rows of each ``(sql, params)``, sent in one round trip on PostgreSQL (psycopg's
    pipeline mode: the server answers them in order without waiting for the client);
    elsewhere one after the other. For reads that do not depend on each other."""
    if connection.vendor != "postgresql":
        return [fetch(sql, params) for sql, params in queries]
    cursors = [cursor() for _ in queries]
    try:
        with connection.connection.pipeline():
            for each, (sql, params) in zip(cursors, queries, strict=True):
                each.execute(sql, params)
        return [each.fetchall() for each in cursors]
    finally:
        for each in cursors:
            each.close()


def placeholders(count: int) -> str:
    """``%s, %s, …`` for an ``IN (…)`` of ``count`` values (at least one)."""
    return ", ".join(["%s"] * count)


def db_id(value: uuid.UUID | str):
    """A UUID as a query parameter: the vendor's own type (hex text on SQLite)."""
    value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    return value.hex if connection.vendor == "sqlite" else value


def to_uuid(value) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)


def to_instant(value) -> dt.datetime | None:
    """An aware datetime (UTC) from either vendor."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def to_json(value):
    if value is None or not isinstance(value, str | bytes):
        return value
    return orjson.loads(value)


def to_number(value, places: int) -> float | None:
    """A decimal column as the API writes it (``COERCE_DECIMAL_TO_STRING = False``): a
    JSON number, rounded to the column's decimal places."""
    return None if value is None else round(float(value), places)
