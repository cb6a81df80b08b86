"""Snapshots: JSON-safe copies of rows (the audit trail's before/after and sign-off
digests), and one consistent view of the database for reading a whole document."""

import contextlib
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

__all__ = ["consistent_read", "snapshot"]


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


@contextlib.contextmanager
def consistent_read(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the reads of one document (a timeline, a release order …) on one snapshot, so
    that writes committed meanwhile never show in half of it.

    Outside a transaction it opens one; on PostgreSQL at REPEATABLE READ, whose snapshot
    is taken at the first statement and held to the end (READ COMMITTED, the default,
    takes a new one per statement). The level is set on the driver's connection, so it
    rides on the ``BEGIN`` and costs no statement of its own. SQLite's transactions read
    one snapshot already. Inside a transaction (a request or test that opened one) the
    reads join it: its isolation is the caller's choice.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            yield
        return
    from psycopg import IsolationLevel

    connection.ensure_connection()
    driver = connection.connection
    previous = driver.isolation_level
    driver.isolation_level = IsolationLevel.REPEATABLE_READ
    try:
        with transaction.atomic(using=using):
            yield
    finally:
        # An error inside the block may have closed (and replaced) the connection.
        if connection.connection is driver and not driver.closed:
            driver.isolation_level = previous
