"""Snapshots: JSON-safe copies of rows (the audit trail's before/after, sign-off digests),
and one consistent view of the database for the reads of a document."""

import contextlib
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator

import psycopg
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
        key = field.name if not field.is_relation else field.name
        data[key] = _json_safe(getattr(instance, field.attname))
    for name, rows in nested.items():
        data[name] = [snapshot(row) if isinstance(row, models.Model) else _json_safe(row) for row in rows]
    return data


@contextlib.contextmanager
def consistent_read(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the reads of one document against one consistent view of the database.

    A document that takes several queries (a patient's whole record, a timeline) must not
    mix two states when a session is written between its queries. On PostgreSQL the reads
    run in one READ ONLY transaction at REPEATABLE READ: every query sees the snapshot
    taken by the first. The isolation level is set on the driver's connection before the
    transaction begins, so psycopg opens it with ``BEGIN ISOLATION LEVEL …`` and no extra
    statement is sent. On SQLite a transaction holds its read lock until it ends, which
    gives the same single view. Inside a transaction already (a request wrapped in one, a
    test), that transaction's own view is used. Write the access log after the block, so
    the INSERT is not made inside the read-only snapshot.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.isolation_level, raw.read_only
    raw.isolation_level, raw.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
    try:
        with transaction.atomic(using=using):
            yield
    finally:
        # The connection may have been closed by an error inside the block.
        if connection.connection is raw and not raw.closed:
            raw.isolation_level, raw.read_only = previous
