"""The assessment representation: one builder for the API's list, detail and the re-read
after every write.

Named rows from the ORM (``.values()``): the assessment rows (with the staff names joined)
come from the caller's page query or from :func:`assessment_representation`, then one
query each for the findings, the plan and the addenda of all of them.
"""

import uuid
from typing import Annotated, TypedDict

from records.choices import SEGMENTS, RecordStatus, SegmentalSignKind, Side
from records.models import Addendum, Assessment, AssessmentFinding, PlanItem, SegmentalSign
from records.sql import to_json

from .common import ADDENDUM_COLUMNS, AddendumRepresentation, Instant, addendum_from_row, instant_text, staff_name

__all__ = [
    "ASSESSMENT_COLUMNS",
    "AssessmentRepresentation",
    "FindingRepresentation",
    "PlanItemRepresentation",
    "SegmentalSignRepresentation",
    "assessment_representation",
    "assessment_representations",
]


class FindingRepresentation(TypedDict):
    """A muscle examined: taut band, tenderness 0–3."""

    id: uuid.UUID
    muscle: uuid.UUID
    muscle_name: str
    side: Side
    taut_band: bool
    tenderness: int
    notes: str


class PlanItemRepresentation(TypedDict):
    """One step of the intended release order."""

    id: uuid.UUID
    order: int
    muscle: uuid.UUID
    muscle_name: str
    side: Side
    rationale: str


class SegmentalSignRepresentation(TypedDict):
    """One of Gunn's signs of neuropathy found at a spinal segment."""

    segment: str
    sign: SegmentalSignKind


class AssessmentRepresentation(TypedDict):
    """An assessment with its findings, ordered plan, segmental signs, sign-off and addenda."""

    id: uuid.UUID
    patient: uuid.UUID
    practitioner: int
    practitioner_name: str
    assessed_at: Instant
    chief_complaint: str
    history: str
    affected_segments: Annotated[list[str], 'Spinal segments judged irritated, e.g. `["L4", "L5"]`.']
    findings: list[FindingRepresentation]
    plan: list[PlanItemRepresentation]
    status: RecordStatus
    signed_at: Instant | None
    signed_by: int | None
    signed_by_name: str | None
    version: int
    addenda: list[AddendumRepresentation]
    created_at: Instant
    updated_at: Instant
    segmental_signs: list[SegmentalSignRepresentation]  # by segment (C1…S5), then sign


# The assessment's own columns, as ``.values()`` names (staff names through their joins):
# what a page query selects for assessment_representations.
ASSESSMENT_COLUMNS = (
    "id", "patient_id", "practitioner_id", "practitioner__first_name", "practitioner__last_name",
    "practitioner__username", "assessed_at", "chief_complaint", "history", "affected_segments", "status",
    "signed_at", "signed_by_id", "signed_by__first_name", "signed_by__last_name", "signed_by__username",
    "version", "created_at", "updated_at",
)


def assessment_representations(rows) -> list[AssessmentRepresentation]:
    """Representations of assessment rows (``.values(*ASSESSMENT_COLUMNS)``, already scoped
    to one clinic), in their order; four queries for the findings, plans, addenda and
    segmental signs."""
    assessments: dict[uuid.UUID, AssessmentRepresentation] = {row["id"]: _assessment(row) for row in rows}
    if not assessments:
        return []
    ids = list(assessments)
    for row in AssessmentFinding.objects.filter(assessment_id__in=ids).order_by("assessment_id", "muscle__name").values(
        "id", "assessment_id", "muscle_id", "muscle__name", "side", "taut_band", "tenderness", "notes"
    ):
        assessments[row["assessment_id"]]["findings"].append(
            {
                "id": row["id"],
                "muscle": row["muscle_id"],
                "muscle_name": row["muscle__name"],
                "side": row["side"],
                "taut_band": row["taut_band"],
                "tenderness": row["tenderness"],
                "notes": row["notes"],
            }
        )
    for row in PlanItem.objects.filter(assessment_id__in=ids).order_by("order").values(
        "id", "assessment_id", "order", "muscle_id", "muscle__name", "side", "rationale"
    ):
        assessments[row["assessment_id"]]["plan"].append(
            {
                "id": row["id"],
                "order": row["order"],
                "muscle": row["muscle_id"],
                "muscle_name": row["muscle__name"],
                "side": row["side"],
                "rationale": row["rationale"],
            }
        )
    for row in Addendum.objects.filter(assessment_id__in=ids).order_by("created_at").values(*ADDENDUM_COLUMNS):
        assessments[row["assessment_id"]]["addenda"].append(addendum_from_row(row))
    signs = SegmentalSign.objects.filter(assessment_id__in=ids).values_list("assessment_id", "segment", "sign")
    for assessment_id, segment, sign in sorted(
        signs, key=lambda r: (SEGMENTS.index(r[1]), SegmentalSignKind.values.index(r[2]))
    ):
        assessments[assessment_id]["segmental_signs"].append({"segment": segment, "sign": sign})
    return list(assessments.values())


def assessment_representation(clinic, assessment_id) -> AssessmentRepresentation | None:
    """One assessment of the clinic, or None (another clinic's, or no such assessment)."""
    rows = list(Assessment.objects.filter(clinic=clinic, pk=assessment_id).values(*ASSESSMENT_COLUMNS))
    found = assessment_representations(rows)
    return found[0] if found else None


def _assessment(row: dict) -> AssessmentRepresentation:
    signed = row["signed_by_id"] is not None
    return {
        "id": row["id"],
        "patient": row["patient_id"],
        "practitioner": row["practitioner_id"],
        "practitioner_name": staff_name(
            row["practitioner__first_name"], row["practitioner__last_name"], row["practitioner__username"]
        ),
        "assessed_at": instant_text(row["assessed_at"]),
        "chief_complaint": row["chief_complaint"],
        "history": row["history"],
        "affected_segments": to_json(row["affected_segments"]),
        "findings": [],
        "plan": [],
        "status": row["status"],
        "signed_at": instant_text(row["signed_at"]),
        "signed_by": row["signed_by_id"],
        "signed_by_name": (
            staff_name(row["signed_by__first_name"], row["signed_by__last_name"], row["signed_by__username"])
            if signed else None
        ),
        "version": row["version"],
        "addenda": [],
        "created_at": instant_text(row["created_at"]),
        "updated_at": instant_text(row["updated_at"]),
        "segmental_signs": [],
    }
