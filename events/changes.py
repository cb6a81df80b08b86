"""The changes feed (DESIGN §13): a clinic's changes in commit order, from a cursor.

A cursor is ``base64url("v1:<position>:<issued>")``: a position in the outbox's reading
order (see :mod:`events.horizon`) and when it was issued. Positions are stable: reading
from the same cursor gives the same changes, whatever commits meanwhile (later commits only
add after the end). A cursor older than the outbox's retention is expired: the client must
resync from a full read, then poll from the ``next`` it gets.
"""

import base64
import binascii
import datetime as dt
from typing import TypedDict

from django.conf import settings
from django.utils import timezone

from records.exceptions import InvalidInput

from .horizon import sequence
from .models import OutboxEvent

__all__ = ["ChangeItem", "ChangesPage", "ExpiredCursor", "InvalidCursor", "changes_since", "decode_cursor",
           "encode_cursor"]

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


class ExpiredCursor(InvalidInput):
    code = "cursor_expired"


class ChangeItem(TypedDict):
    cursor: str
    type: str
    object_type: str
    id: str
    patient: str | None
    at: str


class ChangesPage(TypedDict):
    results: list[ChangeItem]
    cursor: str
    has_more: bool
    patient_ids: list


def encode_cursor(position: int, *, issued: dt.datetime | None = None) -> str:
    issued = issued or timezone.now()
    raw = f"v1:{position}:{int(issued.timestamp())}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, now: dt.datetime | None = None) -> int:
    """The position of a cursor; 400 on ``since`` when malformed or expired."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        version, position, issued = raw.split(":")
        if version != "v1":
            raise ValueError(version)
        position, issued = int(position), int(issued)
        if position < 0:
            raise ValueError(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor({"since": ["Malformed cursor: use the `next` link of an earlier answer."]}) from exc
    now = now or timezone.now()
    if issued < (now - dt.timedelta(days=settings.EVENTS_RETENTION_DAYS)).timestamp():
        raise ExpiredCursor(
            {"since": [f"This cursor has expired (older than {settings.EVENTS_RETENTION_DAYS} days); "
                       "resync with a full read, then poll from the new `next`."]}
        )
    return position


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def changes_since(*, clinic, since: str | None, page_size: int = DEFAULT_PAGE_SIZE) -> ChangesPage:
    """One page of ``clinic``'s changes after ``since`` (from the start of retention without one).

    ``cursor`` is where the next request starts: after the last item, or where this one
    started when there was nothing new.
    """
    position = decode_cursor(since) if since else 0
    sequence()
    rows = list(
        OutboxEvent.objects.filter(clinic=clinic, position__gt=position)
        .order_by("position")
        .values_list("position", "change", "object_type", "object_id", "patient_id", "created_at")[: page_size + 1]
    )
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    issued = timezone.now()
    results: list[ChangeItem] = [
        {
            "cursor": encode_cursor(row_position, issued=issued),
            "type": change,
            "object_type": object_type,
            "id": str(object_id),
            "patient": str(patient_id) if patient_id else None,
            "at": _iso(created_at),
        }
        for row_position, change, object_type, object_id, patient_id, created_at in rows
    ]
    cursor = results[-1]["cursor"] if rows else encode_cursor(position, issued=issued)
    patient_ids = sorted({row[4] for row in rows if row[4]}, key=str)
    return {"results": results, "cursor": cursor, "has_more": has_more, "patient_ids": patient_ids}
