"""JSON-safe snapshots of rows, for the audit trail's before/after and sign-off digests."""

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable

from django.db import models

__all__ = ["snapshot"]


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
