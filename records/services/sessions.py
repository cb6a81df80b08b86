"""Writes to treatment sessions: record, update drafts, sign, delete drafts; pain scores."""

import datetime as dt
import zoneinfo

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from events.outbox import emit
from records import clinical, policy
from records.choices import AuditAction, PainMoment, RecordStatus
from records.clinical import (
    authorisation_current_on,
    discrepancy_note_problem,
    lung_field_sign_refusal,
    sharps_record_problems,
    sharps_sign_refusal,
)
from records.exceptions import (
    AuthorisationRequired,
    ConsentRequired,
    InvalidInput,
    LungFieldConfirmationRequired,
    OwnershipRequired,
    RecordLocked,
    RuleViolation,
    SharpsCountMismatch,
)
from records.integrity import session_digest
from records.models import (
    AdverseEvent,
    Assessment,
    NeedlingAuthorisation,
    PainScore,
    Patient,
    TargetedMuscle,
    TreatmentSession,
)
from records.selectors import current_consent

from .assessments import _check_time, _require_editable_by
from .audit import audit_event, snapshot
from .patients import lock_for_update
from .validation import FieldErrors, build_rows, check_unique_order

__all__ = [
    "SESSION_EDITABLE_FIELDS",
    "pain_score_record",
    "session_delete_draft",
    "session_record",
    "session_sign",
    "session_update",
]

SESSION_EDITABLE_FIELDS = (
    "assessment", "started_at", "needles_used", "needles_removed", "exercises", "notes",
    "sharps_discrepancy_note", "lung_field_precautions_confirmed",
)
TARGETED_FIELDS = (
    "order", "muscle", "side", "segment", "needle_length_mm", "needle_diameter_mm",
    "twitch_response", "twitch_count", "outcome", "notes",
)
SESSION_PAIN_FIELDS = ("moment", "score", "region", "recorded_at")
ADVERSE_FIELDS = ("kind", "severity", "notes")


def _session_snapshot(session: TreatmentSession) -> dict:
    return snapshot(
        session,
        exclude=("version",),
        targeted_muscles=session.targeted_muscles.order_by("order"),
        pain_scores=session.pain_scores.order_by("recorded_at", "moment"),
        adverse_events=session.adverse_events.order_by("created_at"),
    )


def _require_consent(patient: Patient) -> None:
    if current_consent(patient) is None:
        raise ConsentRequired("Needling needs the patient's current consent; record consent first.")


def _build_nested(session: TreatmentSession, *, targeted_muscles, pain_scores, adverse_events, errors):
    fixed = {"clinic_id": session.clinic_id, "session": session}
    targeted_items = [
        {**item, "order": item.get("order") or index + 1} if isinstance(item, dict) else item
        for index, item in enumerate(targeted_muscles or ())
    ]
    targeted = build_rows(
        TargetedMuscle, targeted_items, path="targeted_muscles", fields=TARGETED_FIELDS, errors=errors, fixed=fixed
    )
    check_unique_order(targeted, targeted_items, path="targeted_muscles", errors=errors)

    pain_items = [
        {**item, "recorded_at": item.get("recorded_at") or session.started_at} if isinstance(item, dict) else item
        for item in (pain_scores or ())
    ]
    pains = build_rows(
        PainScore, pain_items, path="pain_scores", fields=SESSION_PAIN_FIELDS, errors=errors,
        fixed={"clinic_id": session.clinic_id, "session": session, "patient": session.patient},
    )
    for index, pain in enumerate(pains):
        if pain.moment == PainMoment.BASELINE:
            errors.add(f"pain_scores[{index}].moment", "Baseline pain belongs to the assessment, not a session.")
        if isinstance(pain.recorded_at, dt.datetime):
            _check_time(errors, f"pain_scores[{index}].recorded_at", pain.recorded_at, session.patient)
    adverse = build_rows(
        AdverseEvent, adverse_events, path="adverse_events", fields=ADVERSE_FIELDS, errors=errors, fixed=fixed
    )
    return targeted, pains, adverse


def _check_sharps(session: TreatmentSession, errors: FieldErrors, *, targeted_count: int) -> None:
    """The sharps rules of records.clinical, on the values about to be saved."""
    if not isinstance(session.lung_field_precautions_confirmed, bool):
        errors.add("lung_field_precautions_confirmed", "Expected true or false.")
    if not isinstance(session.sharps_discrepancy_note, str):
        errors.add("sharps_discrepancy_note", "Expected a string.")
        return
    problem = discrepancy_note_problem(session.sharps_discrepancy_note)
    if problem:
        errors.add("sharps_discrepancy_note", problem)
    if isinstance(session.needles_used, int) and isinstance(session.needles_removed, int):
        for field, message in sharps_record_problems(
            targeted_count=targeted_count,
            needles_used=session.needles_used,
            needles_removed=session.needles_removed,
        ).items():
            errors.add(field, message)


def _check_session_fields(session: TreatmentSession, errors: FieldErrors) -> None:
    errors.clean(
        session,
        exclude=[
            "clinic", "patient", "practitioner", "number", "assessment", "signed_by",
            "lung_field_precautions_confirmed",
        ],
    )
    _check_time(errors, "started_at", session.started_at, session.patient)
    if session.assessment_id is not None:
        assessment = session.assessment
        if assessment.patient_id != session.patient_id:
            errors.add("assessment", "This assessment belongs to another patient.")


@transaction.atomic
def session_record(
    *,
    actor,
    patient: Patient,
    started_at: dt.datetime | None = None,
    assessment: Assessment | None = None,
    targeted_muscles: list[dict] = (),
    pain_scores: list[dict] = (),
    adverse_events: list[dict] = (),
    needles_used: int = 0,
    needles_removed: int = 0,
    exercises: str = "",
    notes: str = "",
    sharps_discrepancy_note: str = "",
    lung_field_precautions_confirmed: bool = False,
) -> TreatmentSession:
    """Record a draft session with its nested rows in one transaction.

    Targeted muscles take their release order from list order when ``order`` is omitted.
    The session number is the patient's next, assigned under a lock on the patient row.
    """
    policy.require(actor, "session.create", clinic=patient.clinic)
    # Lock the patient: concurrent sessions of one patient are numbered one after the other.
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.is_archived:
        raise RuleViolation("The patient is archived; restore them before recording a session.")
    session = TreatmentSession(
        clinic=patient.clinic,
        patient=patient,
        assessment=assessment,
        practitioner=actor,
        started_at=started_at or timezone.now(),
        number=1,
        needles_used=needles_used,
        needles_removed=needles_removed,
        exercises=exercises or "",
        notes=notes or "",
        sharps_discrepancy_note="" if sharps_discrepancy_note is None else sharps_discrepancy_note,
        lung_field_precautions_confirmed=lung_field_precautions_confirmed,
    )
    errors = FieldErrors()
    _check_session_fields(session, errors)
    targeted, pains, adverse = _build_nested(
        session, targeted_muscles=targeted_muscles, pain_scores=pain_scores, adverse_events=adverse_events,
        errors=errors,
    )
    _check_sharps(session, errors, targeted_count=len(targeted_muscles or ()))
    errors.raise_if_any()
    # Needles used count as needling even before the muscles are itemised.
    if targeted or session.needles_used:
        _require_consent(patient)
    last = TreatmentSession.objects.filter(patient=patient).aggregate(last=Max("number"))["last"]
    session.number = (last or 0) + 1
    try:
        with transaction.atomic():
            session.save(force_insert=True)
    except IntegrityError as exc:  # only reachable if a writer bypassed the patient lock
        raise RuleViolation("Another session was recorded for this patient at the same moment; retry.") from exc
    TargetedMuscle.objects.bulk_create(targeted)
    PainScore.objects.bulk_create(pains)
    AdverseEvent.objects.bulk_create(adverse)
    audit_event(
        actor=actor, action=AuditAction.CREATE, clinic=patient.clinic, obj=session, patient=patient,
        after=_session_snapshot(session),
    )
    emit(clinic=patient.clinic, type="session.created", object_id=session.pk, patient=patient)
    return session


@transaction.atomic
def session_update(
    *,
    actor,
    session: TreatmentSession,
    expected_version: int | None = None,
    targeted_muscles: list[dict] | None = None,
    pain_scores: list[dict] | None = None,
    adverse_events: list[dict] | None = None,
    **changes,
) -> TreatmentSession:
    """Change a draft session. Nested lists, when given, replace the old rows entirely."""
    policy.require(actor, "session.update", clinic=session.clinic)
    unknown = set(changes) - set(SESSION_EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({field: ["This field cannot be changed."] for field in sorted(unknown)})
    session = lock_for_update(TreatmentSession, session.pk, expected_version=expected_version)
    _require_editable_by(actor, session, "session")
    before = _session_snapshot(session)
    for field, value in changes.items():
        if field in ("exercises", "notes", "sharps_discrepancy_note") and value is None:
            value = ""
        setattr(session, field, value)
    errors = FieldErrors()
    _check_session_fields(session, errors)
    targeted, pains, adverse = _build_nested(
        session,
        targeted_muscles=targeted_muscles or (),
        pain_scores=pain_scores or (),
        adverse_events=adverse_events or (),
        errors=errors,
    )
    targeted_count = (
        len(targeted_muscles) if targeted_muscles is not None else session.targeted_muscles.count()
    )
    _check_sharps(session, errors, targeted_count=targeted_count)
    errors.raise_if_any()
    if targeted_muscles or session.needles_used:
        _require_consent(session.patient)
    session.version += 1
    session.save()
    if targeted_muscles is not None:
        session.targeted_muscles.all().delete()
        TargetedMuscle.objects.bulk_create(targeted)
    if pain_scores is not None:
        session.pain_scores.all().delete()
        PainScore.objects.bulk_create(pains)
    if adverse_events is not None:
        session.adverse_events.all().delete()
        AdverseEvent.objects.bulk_create(adverse)
    audit_event(
        actor=actor, action=AuditAction.UPDATE, clinic=session.clinic, obj=session, patient=session.patient,
        before=before, after=_session_snapshot(session),
    )
    emit(clinic=session.clinic, type="session.updated", object_id=session.pk, patient_id=session.patient_id)
    return session


@transaction.atomic
def session_sign(*, actor, session: TreatmentSession, expected_version: int | None = None) -> TreatmentSession:
    """Sign and lock a session. Refused unless draft, sharps accounted for and consent current."""
    policy.require(actor, "session.sign", clinic=session.clinic)
    session = lock_for_update(TreatmentSession, session.pk, expected_version=expected_version)
    if session.status != RecordStatus.DRAFT:
        raise RecordLocked("This session is already signed; add an addendum instead.")
    if not actor.is_superuser and session.practitioner_id != actor.pk:
        raise OwnershipRequired("Only the practitioner who recorded this session may sign it.")
    _require_needling_authorisation(session)
    refusal = sharps_sign_refusal(
        needles_used=session.needles_used,
        needles_removed=session.needles_removed,
        discrepancy_note=session.sharps_discrepancy_note,
    )
    if refusal is not None:
        raise SharpsCountMismatch(refusal.message)
    lung_field = list(
        session.targeted_muscles.filter(muscle__lung_field=True).values_list("muscle__name", flat=True)
    )
    refusal = lung_field_sign_refusal(
        lung_field_muscles=lung_field, confirmed=session.lung_field_precautions_confirmed
    )
    if refusal is not None:
        raise LungFieldConfirmationRequired(refusal.message)
    if clinical.needling_needs_consent(
        has_targeted_muscles=session.targeted_muscles.exists(), needles_used=session.needles_used
    ):
        _require_consent(session.patient)
    before = snapshot(session, exclude=("version",))
    session.status = RecordStatus.SIGNED
    session.signed_at = timezone.now()
    session.signed_by = actor
    session.version += 1
    # The digest is computed before the row is written, so signing is one UPDATE and the
    # row is never touched again once signed (the database refuses later changes).
    session.signature_digest, session.signature_key_id = session_digest(session, fresh=False)
    session.save(update_fields=[
        "status", "signed_at", "signed_by", "signature_digest", "signature_key_id", "version", "updated_at",
    ])
    audit_event(
        actor=actor, action=AuditAction.SIGN, clinic=session.clinic, obj=session, patient=session.patient,
        before=before, after=snapshot(session, exclude=("version",)),
    )
    emit(clinic=session.clinic, type="session.signed", object_id=session.pk, patient_id=session.patient_id)
    return session


def _require_needling_authorisation(session: TreatmentSession) -> None:
    """A needled session is signed only by a practitioner authorised on the session's date."""
    if not session.targeted_muscles.exists():
        return
    day = timezone.localtime(session.started_at, zoneinfo.ZoneInfo(session.clinic.timezone)).date()
    periods = NeedlingAuthorisation.objects.filter(user_id=session.practitioner_id).values_list(
        "granted_on", "expires_on"
    )
    if not authorisation_current_on(periods, day):
        raise AuthorisationRequired(
            f"Signing needs a needling authorisation current on {day.isoformat()}: the practitioner has "
            "none. A clinic admin records it on the Staff page."
        )


@transaction.atomic
def session_delete_draft(*, actor, session: TreatmentSession, expected_version: int | None = None) -> None:
    """Delete a draft session (a signed one is a legal record and stays)."""
    policy.require(actor, "session.delete", clinic=session.clinic)
    session = lock_for_update(TreatmentSession, session.pk, expected_version=expected_version)
    _require_editable_by(actor, session, "session")
    before = _session_snapshot(session)
    patient, clinic, pk = session.patient, session.clinic, session.pk
    session.delete()
    audit_event(
        actor=actor, action=AuditAction.DELETE, clinic=clinic, object_type="treatmentsession",
        object_id=str(pk), patient=patient, before=before,
    )
    emit(clinic=clinic, type="session.deleted", object_id=pk, patient=patient)


@transaction.atomic
def pain_score_record(
    *,
    actor,
    patient: Patient,
    moment: str,
    score: int,
    recorded_at: dt.datetime | None = None,
    region: str = "",
    assessment: Assessment | None = None,
) -> PainScore:
    """Record a standalone pain rating (baseline at assessment, or follow-up)."""
    policy.require(actor, "pain_score.create", clinic=patient.clinic)
    pain = PainScore(
        clinic=patient.clinic,
        patient=patient,
        assessment=assessment,
        moment=moment,
        score=score,
        region=region or "",
        recorded_at=recorded_at or timezone.now(),
    )
    errors = FieldErrors()
    errors.clean(pain, exclude=["clinic", "patient", "session", "assessment"])
    _check_time(errors, "recorded_at", pain.recorded_at, patient)
    if assessment is not None and assessment.patient_id != patient.pk:
        errors.add("assessment", "This assessment belongs to another patient.")
    if moment in (PainMoment.PRE_SESSION, PainMoment.POST_SESSION):
        errors.add("moment", "Pain before or after a session is recorded with the session.")
    errors.raise_if_any()
    pain.save(force_insert=True)
    audit_event(
        actor=actor, action=AuditAction.CREATE, clinic=patient.clinic, obj=pain, patient=patient,
        after=snapshot(pain),
    )
    emit(clinic=patient.clinic, type="pain_score.created", object_id=pain.pk, patient=patient)
    return pain
