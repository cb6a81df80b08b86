"""Which outbox rows may be read yet, so that no reader ever passes a row still being written.

Outbox ids are taken when a row is inserted, not when its transaction commits, so a
transaction that inserted id 10 may commit after one that inserted id 11. A reader that
saw 11 and moved its cursor past it would never see 10.

- **PostgreSQL**: each row stores its transaction's id (``pg_current_xact_id()``), and
  readers order by ``(txid, id)`` and only read rows whose transaction id is below the
  snapshot's ``xmin``: every transaction below it has finished, and every transaction that
  can still commit has an id at or above it, so it sorts after everything already read.
  (A reader also sees its own transaction's rows.) A long-running writing transaction
  holds the horizon back; readers then wait, they never skip.
- **SQLite**: writers are serialised (``BEGIN IMMEDIATE``), so ids are taken in commit
  order and ``txid`` is always 0.
"""

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

__all__ = ["after_position", "visible"]

_XMIN_SQL = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
_OWN_SQL = "COALESCE(pg_current_xact_id_if_assigned()::text::bigint, -1)"


def visible(queryset: QuerySet) -> QuerySet:
    """Only rows of transactions that have finished (or are the reader's own)."""
    if connection.vendor != "postgresql":
        return queryset
    # Constant SQL, no input in it.
    return queryset.filter(Q(txid__lt=RawSQL(_XMIN_SQL, [])) | Q(txid=RawSQL(_OWN_SQL, [])))  # noqa: S611


def after_position(queryset: QuerySet, txid: int, row_id: int) -> QuerySet:
    """Rows after ``(txid, id)`` in reading order."""
    return queryset.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=row_id))
