"""The Django admin of IMS Records, for clinic admins (their clinic only) and superusers.

Every model is registered. Permissions come from :mod:`records.policy`, rows and
dropdown choices are limited to the user's clinic, and every write goes through
:mod:`records.services`, so it is validated, refused where the rules say so, and audited.
"""

from django.contrib import admin

from .attachments import AttachmentAdmin
from .audit import AuditEventAdmin
from .care import (
    AddendumAdmin,
    AdverseEventAdmin,
    AssessmentAdmin,
    AssessmentFindingAdmin,
    PainScoreAdmin,
    PlanItemAdmin,
    TargetedMuscleAdmin,
    TreatmentSessionAdmin,
)
from .outcomes import ObjectiveMeasureAdmin, OutcomeInstrumentAdmin, OutcomeResponseAdmin, SegmentalSignAdmin
from .patients import ConsentAdmin, PatientAdmin, PrecautionAdmin
from .reference import ClinicAdmin, MuscleAdmin

__all__ = [
    "AddendumAdmin",
    "AdverseEventAdmin",
    "AssessmentAdmin",
    "AssessmentFindingAdmin",
    "AttachmentAdmin",
    "AuditEventAdmin",
    "ClinicAdmin",
    "ConsentAdmin",
    "MuscleAdmin",
    "ObjectiveMeasureAdmin",
    "OutcomeInstrumentAdmin",
    "OutcomeResponseAdmin",
    "PainScoreAdmin",
    "PatientAdmin",
    "PlanItemAdmin",
    "PrecautionAdmin",
    "SegmentalSignAdmin",
    "TargetedMuscleAdmin",
    "TreatmentSessionAdmin",
]

admin.site.site_header = "IMS Records administration"
admin.site.site_title = "IMS Records admin"
admin.site.index_title = "Clinic records"
