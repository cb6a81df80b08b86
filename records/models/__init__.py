"""The clinical domain's models, one module per aggregate."""

from .assessments import Assessment, AssessmentFinding, PlanItem
from .attachments import Attachment, attachment_storage
from .audit import Addendum, AuditEvent
from .authorisations import NeedlingAuthorisation
from .clinics import Clinic, Membership
from .muscles import Muscle, muscle_uuid, sync_muscle_catalogue
from .outcomes import ObjectiveMeasure, OutcomeInstrument, OutcomeResponse, SegmentalSign
from .patients import Consent, Patient, Precaution
from .sessions import AdverseEvent, PainScore, TargetedMuscle, TreatmentSession

__all__ = [
    "Addendum",
    "AdverseEvent",
    "Assessment",
    "AssessmentFinding",
    "Attachment",
    "AuditEvent",
    "Clinic",
    "Consent",
    "Membership",
    "Muscle",
    "NeedlingAuthorisation",
    "ObjectiveMeasure",
    "OutcomeInstrument",
    "OutcomeResponse",
    "PainScore",
    "Patient",
    "PlanItem",
    "Precaution",
    "SegmentalSign",
    "TargetedMuscle",
    "TreatmentSession",
    "attachment_storage",
    "muscle_uuid",
    "sync_muscle_catalogue",
]
