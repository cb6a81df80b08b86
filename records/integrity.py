"""Sign-off digests: HMAC-SHA-256, keyed with ``RECORDS_SIGNING_KEY``, over a canonical JSON
of a signed record and its nested rows.

The digest and the id of the key that made it are stored at signing. Recomputing it later
(verify) shows whether anything changed behind the application's back; as the key lives
in the environment, not the database, whoever holds only the database cannot recompute a
digest after editing a note. Keys rotate: ``RECORDS_SIGNING_OLD_KEYS`` (``id:key,…``) keeps
older signatures verifiable. Digests from before keys (key id null, plain SHA-256) verify
until ``manage.py resign_digests`` re-signs them with the current key.
"""

import base64
import binascii
import hashlib
import hmac
import json
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from records.models import Assessment, TreatmentSession
from records.snapshots import snapshot

__all__ = [
    "INTACT",
    "ALTERED",
    "UNKNOWN_KEY",
    "digest_state",
    "parse_signing_key",
    "sign_content",
    "signing_keys",
    "assessment_canonical",
    "assessment_content",
    "content_digest",
    "assessment_digest",
    "session_canonical",
    "session_content",
    "session_digest",
    "verify_assessment",
    "verify_session",
]

INTACT, ALTERED, UNKNOWN_KEY = "intact", "altered", "unknown_key"

# Bookkeeping columns that legitimately change or are the digest itself.
_VOLATILE = ("id", "session", "assessment", "patient", "version", "signature_digest", "signature_key_id", "status")
_UNSIGNED = ("version", "signature_digest", "signature_key_id", "status")


def parse_signing_key(text: str) -> bytes:
    """A key given as hex or base64 (standard or URL-safe) → its bytes; at least 32 of them."""
    text = text.strip()
    raw = None
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        try:
            altchars = b"-_" if ("-" in text or "_" in text) else None
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=altchars, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) < 32:
        raise ImproperlyConfigured("A records signing key must be at least 32 random bytes, written as hex or base64.")
    return raw


@cache
def _keys(current: str, current_id: str, old: str) -> tuple[str, dict[str, bytes]]:
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in old.split(","))):
        key_id, sep, key = item.partition(":")
        if not sep or not key_id:
            raise ImproperlyConfigured("RECORDS_SIGNING_OLD_KEYS is a comma-separated list of id:key.")
        keys[key_id.strip()] = parse_signing_key(key)
    keys[current_id] = parse_signing_key(current)
    return current_id, keys


def signing_keys() -> tuple[str, dict[str, bytes]]:
    """(current key id, {key id: key}) from the settings (see clinic/settings.py)."""
    return _keys(settings.RECORDS_SIGNING_KEY, settings.RECORDS_SIGNING_KEY_ID, settings.RECORDS_SIGNING_OLD_KEYS)


def _encoded(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_content(content: dict) -> tuple[str, str]:
    """(HMAC-SHA-256 hex digest with the current key, that key's id)."""
    key_id, keys = signing_keys()
    return hmac.new(keys[key_id], _encoded(content), hashlib.sha256).hexdigest(), key_id


def digest_state(content: dict, digest: str, key_id: str | None) -> str:
    """``intact``, ``altered``, or ``unknown_key`` when the key that signed is not configured."""
    if not digest:
        return ALTERED
    if key_id is None:  # from before keys: a plain SHA-256 until re-signed
        expected = content_digest(content)
    else:
        keys = signing_keys()[1]
        if key_id not in keys:
            return UNKNOWN_KEY
        expected = hmac.new(keys[key_id], _encoded(content), hashlib.sha256).hexdigest()
    return INTACT if hmac.compare_digest(expected, digest) else ALTERED


def _row(instance) -> dict:
    return snapshot(instance, exclude=_VOLATILE)


def session_canonical(session: TreatmentSession, *, fresh: bool = True) -> dict:
    """The signed content of a session. With ``fresh`` the session row is re-read from the
    database (verify); without, the instance's own values are used (signing, before save)."""
    if fresh:
        session = TreatmentSession.objects.get(pk=session.pk)
    return session_content(
        session,
        targeted_muscles=session.targeted_muscles.all(),
        pain_scores=session.pain_scores.all(),
        adverse_events=session.adverse_events.all(),
    )


# Columns added after sessions were first signed, with the value every older row has.
# They enter the canonical content only when they differ from it, so a signature made
# before they existed still verifies, and one made after covers them.
_SESSION_LATER_COLUMNS = {"sharps_discrepancy_note": "", "lung_field_precautions_confirmed": False}


def _session_row(session: TreatmentSession) -> dict:
    row = snapshot(session, exclude=_UNSIGNED)
    for column, default in _SESSION_LATER_COLUMNS.items():
        if column in row and row[column] == default:
            del row[column]
    return row


def session_content(session: TreatmentSession, *, targeted_muscles, pain_scores, adverse_events) -> dict:
    """The canonical content of a session from rows in hand (used by bulk loaders too)."""
    return {
        "id": str(session.pk),
        "patient": str(session.patient_id),
        "session": _session_row(session),
        "targeted_muscles": sorted((_row(t) for t in targeted_muscles), key=lambda r: r["order"]),
        "pain_scores": sorted(
            (_row(p) for p in pain_scores),
            key=lambda r: (r["recorded_at"], r["moment"], r["score"]),
        ),
        "adverse_events": sorted(
            (_row(a) for a in adverse_events),
            key=lambda r: (r["kind"], r["severity"], r["notes"]),
        ),
    }


def assessment_canonical(assessment: Assessment, *, fresh: bool = True) -> dict:
    """The signed content of an assessment (see :func:`session_canonical` for ``fresh``)."""
    if fresh:
        assessment = Assessment.objects.get(pk=assessment.pk)
    return assessment_content(
        assessment, findings=assessment.findings.all(), plan=assessment.plan.all(),
        segmental_signs=assessment.segmental_signs.values_list("segment", "sign"),
    )


def assessment_content(assessment: Assessment, *, findings, plan, segmental_signs=()) -> dict:
    """The canonical content of an assessment from rows in hand (used by bulk loaders too).

    ``segmental_signs`` ((segment, sign) pairs) enter the content only when there are some:
    assessments signed before signs existed keep exactly the content they were signed with.
    """
    content = {
        "id": str(assessment.pk),
        "patient": str(assessment.patient_id),
        "assessment": snapshot(assessment, exclude=_UNSIGNED),
        "findings": sorted(
            (_row(f) for f in findings),
            key=lambda r: (r["muscle"], r["side"], r["notes"]),
        ),
        "plan": sorted((_row(p) for p in plan), key=lambda r: r["order"]),
    }
    signs = sorted({(str(segment), str(sign)) for segment, sign in segmental_signs})
    if signs:
        content["segmental_signs"] = [{"segment": segment, "sign": sign} for segment, sign in signs]
    return content


def content_digest(content: dict) -> str:
    """Unkeyed SHA-256 of the canonical JSON encoding of ``content`` (digests from before keys)."""
    return hashlib.sha256(_encoded(content)).hexdigest()


def session_digest(session: TreatmentSession, *, fresh: bool = True) -> tuple[str, str]:
    """(keyed digest, key id) of a session's signed content."""
    return sign_content(session_canonical(session, fresh=fresh))


def assessment_digest(assessment: Assessment, *, fresh: bool = True) -> tuple[str, str]:
    """(keyed digest, key id) of an assessment's signed content."""
    return sign_content(assessment_canonical(assessment, fresh=fresh))


def verify_session(session: TreatmentSession) -> str:
    """``intact``, ``altered`` or ``unknown_key`` (the stored digest against the content now)."""
    digest, key_id = TreatmentSession.objects.values_list("signature_digest", "signature_key_id").get(pk=session.pk)
    return digest_state(session_canonical(session), digest, key_id)


def verify_assessment(assessment: Assessment) -> str:
    """``intact``, ``altered`` or ``unknown_key`` (the stored digest against the content now)."""
    digest, key_id = Assessment.objects.values_list("signature_digest", "signature_key_id").get(pk=assessment.pk)
    return digest_state(assessment_canonical(assessment), digest, key_id)
