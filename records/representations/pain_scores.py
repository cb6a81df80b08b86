"""The pain score representation (NPRS 0–10), for the API's list, detail and the answer
to a standalone score's creation: one table, named rows (``.values()``), no other query."""

import uuid
from typing import TypedDict

from records.choices import PainMoment
from records.models import PainScore

from .common import Instant, instant_text

__all__ = ["PAIN_SCORE_COLUMNS", "PainScoreRepresentation", "pain_score_representation", "pain_score_representations"]


class PainScoreRepresentation(TypedDict):
    """An NPRS rating 0–10 of a patient at a moment of care."""

    id: uuid.UUID
    patient: uuid.UUID
    session: uuid.UUID | None
    assessment: uuid.UUID | None
    moment: PainMoment
    score: int
    region: str
    recorded_at: Instant
    created_at: Instant
    updated_at: Instant


PAIN_SCORE_COLUMNS = (
    "id", "patient_id", "session_id", "assessment_id", "moment", "score", "region", "recorded_at", "created_at",
    "updated_at",
)


def pain_score_representations(rows) -> list[PainScoreRepresentation]:
    """Representations of pain score rows (``.values(*PAIN_SCORE_COLUMNS)``), in their order."""
    return [
        {
            "id": row["id"],
            "patient": row["patient_id"],
            "session": row["session_id"],
            "assessment": row["assessment_id"],
            "moment": row["moment"],
            "score": row["score"],
            "region": row["region"],
            "recorded_at": instant_text(row["recorded_at"]),
            "created_at": instant_text(row["created_at"]),
            "updated_at": instant_text(row["updated_at"]),
        }
        for row in rows
    ]


def pain_score_representation(clinic, pain_score_id) -> PainScoreRepresentation | None:
    """One pain score of the clinic, or None."""
    rows = PainScore.objects.filter(clinic=clinic, pk=pain_score_id).values(*PAIN_SCORE_COLUMNS)
    found = pain_score_representations(rows)
    return found[0] if found else None
