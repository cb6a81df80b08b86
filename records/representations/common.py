"""What every representation shares: how instants, staff and addenda are written, and
named rows from fixed SQL.

Instants are written exactly as REST framework's ``DateTimeField`` writes them (ISO 8601
in the current time zone, ``Z`` for UTC): the API's bytes are a contract, and the domain
does not import the interface to borrow its field.
"""

import datetime as dt
import uuid
from typing import NewType, TypedDict

from django.db import connection
from django.utils import timezone

from records.models import Addendum
from records.sql import cursor, to_instant

__all__ = [
    "ADDENDUM_COLUMNS",
    "AddendumRepresentation",
    "Instant",
    "addendum_from_row",
    "addendum_representation",
    "fetch_named",
    "instant_text",
    "staff_name",
]

# An instant as the API writes it: ISO 8601 text in the current time zone ("…Z" in UTC).
Instant = NewType("Instant", str)


def instant_text(value) -> Instant | None:
    """An instant (aware or naive-UTC datetime, or ISO text from a row) as the API writes it."""
    if value is None:
        return None
    value = to_instant(value)
    if not isinstance(value, dt.datetime):  # pragma: no cover - guarded by to_instant
        raise TypeError(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return Instant(text)


def staff_name(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """How staff are named (``user.get_full_name() or user.username``), from a row's columns."""
    return f"{first_name or ''} {last_name or ''}".strip() or (username or "")


class AddendumRepresentation(TypedDict):
    """A dated, authored correction of a signed record."""

    id: uuid.UUID
    session: uuid.UUID | None
    assessment: uuid.UUID | None
    author: int
    author_name: str
    text: str
    created_at: Instant


# The columns addendum_from_row reads (``.values()`` names, through the author).
ADDENDUM_COLUMNS = (
    "id", "session_id", "assessment_id", "author_id", "author__first_name", "author__last_name",
    "author__username", "text", "created_at",
)


def addendum_from_row(row: dict) -> AddendumRepresentation:
    return {
        "id": _uuid(row["id"]),
        "session": _uuid(row["session_id"]),
        "assessment": _uuid(row["assessment_id"]),
        "author": row["author_id"],
        "author_name": staff_name(row["author__first_name"], row["author__last_name"], row["author__username"]),
        "text": row["text"],
        "created_at": instant_text(row["created_at"]),
    }


def _uuid(value) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)


def fetch_named(*queries: tuple[str, list]) -> list[list[dict]]:
    """The rows of each ``(sql, params)`` as dicts keyed by column name.

    On PostgreSQL the statements travel in one round trip (psycopg's pipeline mode: the
    server answers them in order without waiting for the client) on server-binding
    cursors, so each is prepared once per connection; elsewhere they run one after the
    other.
    """
    if connection.vendor != "postgresql":
        answers = []
        for sql, params in queries:
            with cursor() as c:
                c.execute(sql, params)
                answers.append(_named(c))
        return answers
    cursors = [cursor() for _ in queries]
    try:
        with connection.connection.pipeline():
            for each, (sql, params) in zip(cursors, queries, strict=True):
                each.execute(sql, params)
        return [_named(each) for each in cursors]
    finally:
        for each in cursors:
            each.close()


def _named(c) -> list[dict]:
    names = [column[0] for column in c.description]
    return [dict(zip(names, row, strict=True)) for row in c.fetchall()]


def addendum_representation(addendum_id) -> AddendumRepresentation:
    """One addendum (the answer to its creation); its record's clinic was checked by the caller."""
    return addendum_from_row(Addendum.objects.filter(pk=addendum_id).values(*ADDENDUM_COLUMNS).get())
