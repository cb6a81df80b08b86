"""Every write to the clinical record: atomic, permission-checked, audited.

API views, admin actions, pages and management commands all call these functions.
"""

from .assessments import addendum_create, assessment_create, assessment_sign, assessment_update
from .attachments import attachment_upload
from .audit import audit_event, audit_read, audit_view, events_naming_patient, snapshot
from .documents import document_issued
from .patients import (
    consent_give,
    consent_withdraw,
    patient_archive,
    patient_create,
    patient_unarchive,
    patient_update,
    precautions_set,
)
from .sessions import pain_score_record, session_delete_draft, session_record, session_sign, session_update

__all__ = [
    "addendum_create",
    "assessment_create",
    "assessment_sign",
    "assessment_update",
    "attachment_upload",
    "audit_event",
    "audit_read",
    "audit_view",
    "consent_give",
    "consent_withdraw",
    "events_naming_patient",
    "document_issued",
    "pain_score_record",
    "patient_archive",
    "patient_unarchive",
    "patient_create",
    "patient_update",
    "precautions_set",
    "session_delete_draft",
    "session_record",
    "session_sign",
    "session_update",
    "snapshot",
]

from .outcomes import (  # noqa: E402
    instrument_install,
    instruments_sync_shipped,
    objective_measure_record,
    outcome_response_record,
)

__all__ += [  # noqa: PLE0605
    "instrument_install",
    "instruments_sync_shipped",
    "objective_measure_record",
    "outcome_response_record",
]
