"""Claiming a key, finishing it with the answer, replaying it: independent of the web layer.

The claim is a unique insert in the caller's transaction. On PostgreSQL a second request
with the same key blocks on that insert until the first commits (then finds the stored
answer) or rolls back (then claims the key itself): two identical requests racing give one
write and one answer, replayed. Where the database cannot wait like that, a duplicate that
finds the key still unanswered polls briefly, then gets ``in_progress``.
"""

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import IdempotencyKey

__all__ = [
    "KEY_HEADER",
    "KEY_LIFETIME",
    "Claim",
    "InProgress",
    "KeyReused",
    "claim",
    "finish",
    "key_problem",
    "purge_expired",
    "request_hash",
]

KEY_HEADER = "Idempotency-Key"
KEY_LIFETIME = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255
# How long a duplicate waits for the first request's answer before giving up with 409.
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05


class KeyReused(Exception):
    """The key was used for a request with another body."""


class InProgress(Exception):
    """The first request with this key has not answered yet."""


@dataclass
class Claim:
    """Either a fresh claim (``row`` to :func:`finish`) or a stored answer to replay."""

    row: IdempotencyKey
    replay: bool


def key_problem(key: str | None) -> str | None:
    """What is wrong with a sent key (None when it is fine or was not sent)."""
    if key is None:
        return None
    if not key.strip():
        return "An idempotency key must not be empty."
    if len(key) > MAX_KEY_LENGTH:
        return f"An idempotency key has at most {MAX_KEY_LENGTH} characters (this one has {len(key)})."
    return None


def request_hash(body: bytes) -> str:
    """SHA-256 of the body; JSON is canonicalised first (key order and spacing do not count)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def claim(*, user, method: str, path: str, key: str, body_hash: str) -> Claim:
    """Claim ``key`` for this request, or find the answer it already has.

    Call inside ``transaction.atomic``; the claim is released if that transaction rolls back.
    Raises :class:`KeyReused` or :class:`InProgress`.
    """
    now = timezone.now()
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, method=method, path=path, key=key, request_hash=body_hash,
                    expires_at=now + KEY_LIFETIME,
                )
            return Claim(row=row, replay=False)
        except IntegrityError:
            if time.monotonic() >= deadline:
                raise InProgress() from None
        existing = IdempotencyKey.objects.filter(user=user, method=method, path=path, key=key).first()
        if existing is None:  # the first request rolled back (or the row expired and went): claim again
            continue
        if existing.expires_at <= now:
            IdempotencyKey.objects.filter(pk=existing.pk).delete()
            continue
        if existing.request_hash != body_hash:
            raise KeyReused()
        if existing.is_complete:
            return Claim(row=existing, replay=True)
        if time.monotonic() >= deadline:
            raise InProgress()
        time.sleep(POLL_SECONDS)


def finish(row: IdempotencyKey, *, status: int, headers: dict[str, str], body: bytes) -> None:
    """Store the answer the first request gave, for every retry to receive."""
    row.status = status
    row.headers = headers
    row.body = body
    IdempotencyKey.objects.filter(pk=row.pk).update(status=status, headers=headers, body=body)


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete keys past their 24 h; returns how many went."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
