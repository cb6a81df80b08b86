"""The outbox's reading order: positions given in the order rows become visible.

Outbox ids are taken when a row is inserted, not when its transaction commits, so a
transaction that inserted id 10 may commit after one that inserted id 11. A reader that saw
11 and moved its cursor past it would never see 10.

So rows are read by ``position``, not ``id``. :func:`sequence` gives positions to the rows
that have committed and have none yet, one sequencer at a time (a transaction-level
advisory lock on PostgreSQL; SQLite serialises writers anyway), each new position above
every position given before. A row that commits later gets a later position, so a cursor
never passes a row that will still appear. Readers call it before reading (a no-op
query when nothing is new), and so does the webhook fan-out.

This needs no clock and no cluster-wide snapshot horizon: a long transaction elsewhere
delays only its own rows, never everybody's.
"""

from django.db import connection, transaction
from django.db.models import F, Max, Min

from .models import OutboxEvent

__all__ = ["sequence"]

# pg_advisory_xact_lock key: "IMSO" (IMS outbox) as an int.
_LOCK_KEY = 0x494D534F


def _pending_range():
    return OutboxEvent.objects.filter(position__isnull=True).aggregate(lo=Min("id"), hi=Max("id"))


def sequence() -> int:
    """Give positions to committed rows without one; returns how many got one."""
    if _pending_range()["lo"] is None:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        pending = _pending_range()  # again, under the lock: another sequencer may have run
        lo, hi = pending["lo"], pending["hi"]
        if lo is None:
            return 0
        top = OutboxEvent.objects.aggregate(top=Max("position"))["top"] or 0
        # Ids are unique, so ``id + offset`` gives unique positions above ``top`` in id order.
        # A row below ``lo`` that commits meanwhile waits for the next run (it would clash).
        return OutboxEvent.objects.filter(position__isnull=True, id__gte=lo, id__lte=hi).update(
            position=F("id") + (top + 1 - lo)
        )
