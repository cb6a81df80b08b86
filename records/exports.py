"""The research export of targeted muscles: one CSV row per muscle needled, pseudonymised.

Shared by ``GET /api/v1/exports/targeted-muscles.csv`` and ``manage.py
export_targeted_muscles``. Rows come from one streamed query (``values_list`` with
``.iterator()``: a server-side cursor on PostgreSQL), so a million rows are never in
memory at once; pain before/after are correlated subqueries of the same query.

What leaves the clinic: a pseudonymous patient key (HMAC-SHA256 of the patient id
keyed with ``SECRET_KEY``, truncated: stable across exports of one installation,
not reversible without the key), the year of birth, sex, and the treatment facts.
Never names, chart numbers, contact details, exact birth dates or free-text notes
(notes may name people).
"""

import csv
import hashlib
import hmac
import zoneinfo
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import OuterRef, Subquery

from records.choices import AuditAction, PainMoment
from records.models import Clinic, PainScore, TargetedMuscle
from records.services import audit_event

__all__ = [
    "COLUMNS",
    "TargetedMuscleExport",
    "audit_export",
    "patient_key",
    "targeted_muscle_rows",
    "write_csv",
]

COLUMNS = (
    "patient_key",
    "year_of_birth",
    "sex",
    "session_date",
    "session_number",
    "session_status",
    "order",
    "muscle_slug",
    "muscle_name",
    "muscle_segments",
    "side",
    "segment",
    "twitch_response",
    "twitch_count",
    "outcome",
    "pain_before",
    "pain_after",
)
PATIENT_KEY_LENGTH = 16  # hex characters: 64 bits, no collisions at any clinic's scale
CHUNK_SIZE = 2000  # rows fetched per round trip
ROWS_PER_WRITE = 500  # CSV lines joined into one chunk of the response

_FIELDS = (
    "session__patient_id",
    "session__patient__date_of_birth",
    "session__patient__sex",
    "session__started_at",
    "session__number",
    "session__status",
    "order",
    "muscle__slug",
    "muscle__name",
    "muscle__segments",
    "side",
    "segment",
    "twitch_response",
    "twitch_count",
    "outcome",
    "pain_before",
    "pain_after",
)


def patient_key(patient_id) -> str:
    """The pseudonymous key of a patient in exports (same patient, same key)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"export-patient-key:{patient_id}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:PATIENT_KEY_LENGTH]


def _session_pain(moment: str, *, last: bool) -> Subquery:
    scores = PainScore.objects.filter(session=OuterRef("session"), moment=moment)
    return Subquery(scores.order_by("-recorded_at" if last else "recorded_at").values("score")[:1])


def targeted_muscle_rows(clinic: Clinic, *, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple]:
    """The clinic's targeted muscles in chronological order, as tuples of ``_FIELDS``.

    Pain before is the session's first ``pre_session`` score, pain after its last
    ``post_session`` score (empty when not recorded).
    """
    queryset = (
        TargetedMuscle.objects.filter(clinic=clinic)
        .annotate(
            pain_before=_session_pain(PainMoment.PRE_SESSION, last=False),
            pain_after=_session_pain(PainMoment.POST_SESSION, last=True),
        )
        .order_by("session__started_at", "session_id", "order")
        .values_list(*_FIELDS)
    )
    return queryset.iterator(chunk_size=chunk_size)


class _Echo:
    """A file-like object whose write returns the line: csv.writer without a buffer."""

    def write(self, value: str) -> str:
        return value


def _csv_values(row: tuple, tz, keys: dict) -> list:
    (patient_id, born, sex, started_at, number, status, order, slug, name, segments, side, segment,
     twitch, twitch_count, outcome, pain_before, pain_after) = row
    key = keys.get(patient_id)
    if key is None:
        key = keys[patient_id] = patient_key(patient_id)
    return [
        key,
        born.year,
        sex,
        started_at.astimezone(tz).date().isoformat(),
        number,
        status,
        order,
        slug,
        name,
        " ".join(segments or ()),
        side,
        segment,
        twitch,
        "" if twitch_count is None else twitch_count,
        outcome,
        "" if pain_before is None else pain_before,
        "" if pain_after is None else pain_after,
    ]


class TargetedMuscleExport:
    """The CSV document of one clinic, produced in chunks; ``rows`` counts the rows emitted."""

    def __init__(self, clinic: Clinic, rows: Iterable[tuple] | None = None):
        self.clinic = clinic
        self._source = rows
        self.rows = 0

    def chunks(self) -> Iterator[str]:
        """The header, then ``ROWS_PER_WRITE`` lines at a time.

        Session dates are in the clinic's time zone (the day the patient was seen).
        """
        writer = csv.writer(_Echo())
        tz = zoneinfo.ZoneInfo(self.clinic.timezone or "UTC")
        keys: dict = {}  # one HMAC per patient, not per row
        yield writer.writerow(COLUMNS)
        source = targeted_muscle_rows(self.clinic) if self._source is None else self._source
        buffer: list[str] = []
        for row in source:
            buffer.append(writer.writerow(_csv_values(row, tz, keys)))
            self.rows += 1
            if len(buffer) >= ROWS_PER_WRITE:
                yield "".join(buffer)
                buffer = []
        if buffer:
            yield "".join(buffer)


def write_csv(clinic: Clinic, out) -> int:
    """Write the export to a text file opened with ``newline=""``; returns the rows written."""
    export = TargetedMuscleExport(clinic)
    for chunk in export.chunks():
        out.write(chunk)
    return export.rows


def audit_export(*, actor, clinic: Clinic, destination: str) -> None:
    """One ``export`` audit event per export, written before the first row leaves."""
    audit_event(
        actor=actor,
        action=AuditAction.EXPORT,
        clinic=clinic,
        object_type="targeted_muscles_csv",
        after={"destination": destination, "columns": list(COLUMNS)},
    )
