"""Snapshots: JSON-safe copies of rows (the audit trail's before/after, sign-off digests),
and consistent reads (one view of the database for a document built from several queries).
"""

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, models, transaction

__all__ = ["consistent_read", "snapshot"]


@contextmanager
def consistent_read() -> Iterator[None]:
    """Run the queries inside on one snapshot of the database, so a document read in
    several queries (a page of sessions, a timeline, ``$everything``) never mixes the
    states before and after a concurrent write.

    PostgreSQL: one transaction at REPEATABLE READ (psycopg opens it with
    ``BEGIN ISOLATION LEVEL REPEATABLE READ``: no extra round trip). SQLite: one
    transaction, which reads one state of the file from its first read to its end.
    Inside a transaction already (``atomic``, a test), the queries join it and its
    isolation holds. Keep writes (such as the access-log row) outside: the snapshot is
    for reading.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor != "postgresql":
        with transaction.atomic():
            yield
        return
    from psycopg import IsolationLevel

    connection.ensure_connection()
    raw = connection.connection
    previous = raw.isolation_level
    raw.isolation_level = IsolationLevel.REPEATABLE_READ
    try:
        with transaction.atomic():
            yield
    finally:
        if not raw.closed:
            raw.isolation_level = previous


def _json_safe(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


SKIPPED_FIELDS = frozenset({"clinic", "created_at", "updated_at"})


def snapshot(instance: models.Model, *, exclude: Iterable[str] = (), **nested) -> dict:
    """A JSON-safe dict of the instance's own columns (FKs as ids), plus ``nested`` lists."""
    skip = SKIPPED_FIELDS | set(exclude)
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in skip:
            continue
        data[field.name] = _json_safe(getattr(instance, field.attname))
    for name, rows in nested.items():
        data[name] = [snapshot(row) if isinstance(row, models.Model) else _json_safe(row) for row in rows]
    return data
