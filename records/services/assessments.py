"""Writes to assessments (findings and ordered plan), sign-off, and addenda."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from events.outbox import emit
from records import clinical, policy
from records.choices import SEGMENTS, AuditAction, RecordStatus
from records.exceptions import InvalidInput, OwnershipRequired, RecordLocked
from records.integrity import assessment_digest
from records.models import Addendum, Assessment, AssessmentFinding, Patient, PlanItem, SegmentalSign, TreatmentSession

from .audit import audit_event, snapshot
from .patients import lock_for_update
from .segmental_signs import check_segmental_signs, segmental_signs_rows
from .validation import FieldErrors, build_rows, check_unique_order

__all__ = ["addendum_create", "assessment_create", "assessment_sign", "assessment_update"]

ASSESSMENT_EDITABLE_FIELDS = ("assessed_at", "chief_complaint", "history", "affected_segments")


def _check_time(errors: FieldErrors, field: str, value, patient: Patient) -> None:
    if not isinstance(value, dt.datetime):
        return
    for problem in clinical.recorded_time_problems(value, date_of_birth=patient.date_of_birth, now=timezone.now()):
        errors.add(field, problem)


def _check_segments(errors: FieldErrors, segments) -> list[str]:
    if not isinstance(segments, list | tuple):
        errors.add("affected_segments", "Expected a list of spinal segments.")
        return []
    cleaned = []
    for index, segment in enumerate(segments):
        if segment not in SEGMENTS:
            errors.add(f"affected_segments[{index}]", f"{segment!r} is not a spinal segment (C1…S5).")
        elif segment not in cleaned:
            cleaned.append(segment)
    return sorted(cleaned, key=SEGMENTS.index)


FINDING_FIELDS = ("muscle", "side", "taut_band", "tenderness", "notes")
PLAN_FIELDS = ("order", "muscle", "side", "rationale")


def _build_findings(assessment: Assessment, findings, errors: FieldErrors) -> list[AssessmentFinding]:
    return build_rows(
        AssessmentFinding, findings, path="findings", fields=FINDING_FIELDS, errors=errors,
        fixed={"clinic_id": assessment.clinic_id, "assessment": assessment},
    )


def _build_plan(assessment: Assessment, plan, errors: FieldErrors) -> list[PlanItem]:
    items = [
        {**item, "order": item.get("order") or index + 1} if isinstance(item, dict) else item
        for index, item in enumerate(plan or ())
    ]
    rows = build_rows(
        PlanItem, items, path="plan", fields=PLAN_FIELDS, errors=errors,
        fixed={"clinic_id": assessment.clinic_id, "assessment": assessment},
    )
    check_unique_order(rows, items, path="plan", errors=errors)
    return rows


def _assessment_snapshot(assessment: Assessment) -> dict:
    return snapshot(
        assessment,
        exclude=("version",),
        findings=assessment.findings.order_by("muscle_id", "side"),
        plan=assessment.plan.order_by("order"),
        segmental_signs=[
            {"segment": segment, "sign": sign}
            for segment, sign in assessment.segmental_signs.order_by("segment", "sign").values_list("segment", "sign")
        ],
    )


@transaction.atomic
def assessment_create(
    *,
    actor,
    patient: Patient,
    assessed_at: dt.datetime | None = None,
    chief_complaint: str,
    history: str = "",
    affected_segments: list[str] = (),
    findings: list[dict] = (),
    plan: list[dict] = (),
    segmental_signs: list[dict] = (),
) -> Assessment:
    """Open a course of care for ``patient`` with findings and the intended release order."""
    policy.require(actor, "assessment.create", clinic=patient.clinic)
    assessment = Assessment(
        clinic=patient.clinic,
        patient=patient,
        practitioner=actor,
        assessed_at=assessed_at or timezone.now(),
        chief_complaint=(chief_complaint or "").strip(),
        history=history or "",
    )
    errors = FieldErrors()
    assessment.affected_segments = _check_segments(errors, affected_segments)
    errors.clean(assessment, exclude=["clinic", "patient", "practitioner", "affected_segments"])
    _check_time(errors, "assessed_at", assessment.assessed_at, patient)
    if patient.is_archived:
        errors.add("patient", "The patient is archived.")
    finding_rows = _build_findings(assessment, findings, errors)
    plan_rows = _build_plan(assessment, plan, errors)
    sign_pairs = check_segmental_signs(errors, segmental_signs)
    errors.raise_if_any()
    assessment.save(force_insert=True)
    AssessmentFinding.objects.bulk_create(finding_rows)
    PlanItem.objects.bulk_create(plan_rows)
    SegmentalSign.objects.bulk_create(segmental_signs_rows(assessment, sign_pairs))
    audit_event(
        actor=actor, action=AuditAction.CREATE, clinic=patient.clinic, obj=assessment, patient=patient,
        after=_assessment_snapshot(assessment),
    )
    emit(clinic=patient.clinic, type="assessment.created", object_id=assessment.pk, patient=patient)
    return assessment


def _require_editable_by(actor, record, kind: str) -> None:
    if record.status != RecordStatus.DRAFT:
        raise RecordLocked(f"This {kind} is signed and locked; add an addendum instead.")
    if not actor.is_superuser and record.practitioner_id != actor.pk:
        raise OwnershipRequired(f"Only the practitioner who wrote this draft {kind} may change it.")


@transaction.atomic
def assessment_update(
    *,
    actor,
    assessment: Assessment,
    expected_version: int | None = None,
    findings: list[dict] | None = None,
    plan: list[dict] | None = None,
    segmental_signs: list[dict] | None = None,
    **changes,
) -> Assessment:
    """Change a draft assessment; ``findings`` / ``plan``, when given, replace the old ones."""
    policy.require(actor, "assessment.update", clinic=assessment.clinic)
    unknown = set(changes) - set(ASSESSMENT_EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({field: ["This field cannot be changed."] for field in sorted(unknown)})
    assessment = lock_for_update(Assessment, assessment.pk, expected_version=expected_version)
    _require_editable_by(actor, assessment, "assessment")
    before = _assessment_snapshot(assessment)
    errors = FieldErrors()
    if "affected_segments" in changes:
        changes["affected_segments"] = _check_segments(errors, changes["affected_segments"])
    for field, value in changes.items():
        setattr(assessment, field, value)
    errors.clean(assessment, exclude=["clinic", "patient", "practitioner", "affected_segments"])
    _check_time(errors, "assessed_at", assessment.assessed_at, assessment.patient)
    finding_rows = _build_findings(assessment, findings, errors) if findings is not None else None
    plan_rows = _build_plan(assessment, plan, errors) if plan is not None else None
    sign_pairs = check_segmental_signs(errors, segmental_signs) if segmental_signs is not None else None
    errors.raise_if_any()
    assessment.version += 1
    assessment.save()
    if finding_rows is not None:
        assessment.findings.all().delete()
        AssessmentFinding.objects.bulk_create(finding_rows)
    if plan_rows is not None:
        assessment.plan.all().delete()
        PlanItem.objects.bulk_create(plan_rows)
    if sign_pairs is not None:
        assessment.segmental_signs.all().delete()
        SegmentalSign.objects.bulk_create(segmental_signs_rows(assessment, sign_pairs))
    audit_event(
        actor=actor, action=AuditAction.UPDATE, clinic=assessment.clinic, obj=assessment,
        patient=assessment.patient, before=before, after=_assessment_snapshot(assessment),
    )
    emit(clinic=assessment.clinic, type="assessment.updated", object_id=assessment.pk, patient_id=assessment.patient_id)
    return assessment


@transaction.atomic
def assessment_sign(*, actor, assessment: Assessment, expected_version: int | None = None) -> Assessment:
    """Sign and lock an assessment; its digest is stored so later tampering shows."""
    policy.require(actor, "assessment.sign", clinic=assessment.clinic)
    assessment = lock_for_update(Assessment, assessment.pk, expected_version=expected_version)
    if assessment.status != RecordStatus.DRAFT:
        raise RecordLocked("This assessment is already signed.")
    if not actor.is_superuser and assessment.practitioner_id != actor.pk:
        raise OwnershipRequired("Only the practitioner who wrote this assessment may sign it.")
    before = snapshot(assessment, exclude=("version",))
    assessment.status = RecordStatus.SIGNED
    assessment.signed_at = timezone.now()
    assessment.signed_by = actor
    assessment.version += 1
    # The digest is computed before the row is written, so signing is one UPDATE and the
    # row is never touched again once signed (the database refuses later changes).
    assessment.signature_digest, assessment.signature_key_id = assessment_digest(assessment, fresh=False)
    assessment.save(update_fields=[
        "status", "signed_at", "signed_by", "signature_digest", "signature_key_id", "version", "updated_at",
    ])
    audit_event(
        actor=actor, action=AuditAction.SIGN, clinic=assessment.clinic, obj=assessment,
        patient=assessment.patient, before=before, after=snapshot(assessment, exclude=("version",)),
    )
    emit(clinic=assessment.clinic, type="assessment.signed", object_id=assessment.pk, patient_id=assessment.patient_id)
    return assessment


@transaction.atomic
def addendum_create(*, actor, record: TreatmentSession | Assessment, text: str) -> Addendum:
    """Append a dated, authored correction to a signed session or assessment."""
    policy.require(actor, "addendum.create", clinic=record.clinic)
    record = type(record).objects.select_for_update().get(pk=record.pk)
    if record.status != RecordStatus.SIGNED:
        raise RecordLocked("Addenda are for signed records; edit the draft instead.")
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": ["This field may not be blank."]})
    if len(text) > 20000:
        raise InvalidInput({"text": ["Ensure this field has no more than 20000 characters."]})
    is_session = isinstance(record, TreatmentSession)
    addendum = Addendum.objects.create(
        clinic=record.clinic,
        patient=record.patient,
        session=record if is_session else None,
        assessment=None if is_session else record,
        author=actor,
        text=text,
    )
    audit_event(
        actor=actor, action=AuditAction.ADDENDUM, clinic=record.clinic, obj=addendum, patient=record.patient,
        after=snapshot(addendum),
    )
    emit(clinic=record.clinic, type="addendum.created", object_id=addendum.pk, patient_id=record.patient_id)
    return addendum
