"""One builder per resource: named rows in, a ``TypedDict`` out.

Each representation is at once what the builder returns, the source of the OpenAPI
schema (the API generates its read serializers from these types) and what pages and
documents show. The API's list, detail and the re-read after every write all use them,
so each field is written in one place. Instants are ISO text as the API writes them.
"""

from .assessments import (
    ASSESSMENT_COLUMNS,
    AssessmentRepresentation,
    FindingRepresentation,
    PlanItemRepresentation,
    assessment_representation,
    assessment_representations,
)
from .common import AddendumRepresentation, Instant, addendum_representation, instant_text
from .pain_scores import (
    PAIN_SCORE_COLUMNS,
    PainScoreRepresentation,
    pain_score_representation,
    pain_score_representations,
)
from .patients import (
    PATIENT_COLUMNS,
    ConsentRepresentation,
    PatientRepresentation,
    PrecautionRepresentation,
    consent_representation,
    patient_representation,
    patient_representations,
)
from .sessions import (
    AdverseEventRepresentation,
    SessionPainScoreRepresentation,
    SessionRepresentation,
    TargetedMuscleRepresentation,
    WarningRepresentation,
    session_representation,
    session_representations,
)

__all__ = [
    "ASSESSMENT_COLUMNS",
    "PAIN_SCORE_COLUMNS",
    "PATIENT_COLUMNS",
    "AddendumRepresentation",
    "AdverseEventRepresentation",
    "AssessmentRepresentation",
    "ConsentRepresentation",
    "FindingRepresentation",
    "Instant",
    "PainScoreRepresentation",
    "PatientRepresentation",
    "PlanItemRepresentation",
    "PrecautionRepresentation",
    "SessionPainScoreRepresentation",
    "SessionRepresentation",
    "TargetedMuscleRepresentation",
    "WarningRepresentation",
    "addendum_representation",
    "assessment_representation",
    "assessment_representations",
    "consent_representation",
    "instant_text",
    "pain_score_representation",
    "pain_score_representations",
    "patient_representation",
    "patient_representations",
    "session_representation",
    "session_representations",
]
