"""Writes to patients: demographics, archive, consent, precautions."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from events.outbox import emit
from records import policy
from records.choices import AuditAction, PrecautionCode
from records.exceptions import InvalidInput, PatientNotArchived, RuleViolation, StaleVersion
from records.models import Clinic, Consent, Patient, Precaution

from .audit import audit_event, snapshot
from .validation import FieldErrors

__all__ = [
    "PATIENT_EDITABLE_FIELDS",
    "consent_give",
    "consent_withdraw",
    "lock_for_update",
    "patient_archive",
    "patient_unarchive",
    "patient_create",
    "patient_update",
    "precautions_set",
]

PATIENT_EDITABLE_FIELDS = ("chart_number", "given_name", "family_name", "date_of_birth", "sex", "phone", "email")


def lock_for_update(model, pk, *, expected_version: int | None = None):
    """Re-read a row under a row lock and refuse when the client's version is stale."""
    instance = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and instance.version != expected_version:
        raise StaleVersion(
            f"The {model._meta.verbose_name} changed since you read it "
            f"(version {instance.version}, you sent {expected_version})."
        )
    return instance


def _patient_snapshot(patient: Patient) -> dict:
    return snapshot(patient, exclude=("version",))


def _next_chart_number(clinic: Clinic) -> str:
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    while True:
        locked.chart_number_seq += 1
        candidate = f"P{locked.chart_number_seq:06d}"
        if not Patient.objects.filter(clinic=locked, chart_number=candidate).exists():
            break
    Clinic.objects.filter(pk=locked.pk).update(chart_number_seq=locked.chart_number_seq)
    return candidate


def _validate_patient(patient: Patient, errors: FieldErrors) -> None:
    errors.clean(patient, exclude=["clinic", "chart_number"] if not patient.chart_number else ["clinic"])
    if isinstance(patient.date_of_birth, dt.date) and patient.date_of_birth > timezone.localdate():
        errors.add("date_of_birth", "Date of birth cannot be in the future.")
    if patient.chart_number:
        clash = Patient.objects.filter(clinic_id=patient.clinic_id, chart_number=patient.chart_number)
        if clash.exclude(pk=patient.pk).exists():
            errors.add("chart_number", "This chart number is already used in the clinic.")


def _precaution_rows(precautions, errors: FieldErrors) -> list[tuple[str, str]]:
    rows, seen = [], set()
    for index, item in enumerate(precautions or ()):
        code = (item or {}).get("code")
        note = (item or {}).get("note", "") or ""
        if code not in PrecautionCode.values:
            errors.add(f"precautions[{index}].code", f"Unknown precaution {code!r}.")
            continue
        if code in seen:
            errors.add(f"precautions[{index}].code", "This precaution is listed twice.")
            continue
        if len(note) > 500:
            errors.add(f"precautions[{index}].note", "Ensure this field has no more than 500 characters.")
            continue
        seen.add(code)
        rows.append((code, note))
    return rows


@transaction.atomic
def patient_create(
    *,
    actor,
    clinic: Clinic,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    sex: str = "unknown",
    phone: str = "",
    email: str = "",
    chart_number: str = "",
    precautions: list[dict] | None = None,
) -> Patient:
    """Register a patient in ``clinic``; a chart number is generated when none is given."""
    policy.require(actor, "patient.create", clinic=clinic)
    patient = Patient(
        clinic=clinic,
        given_name=(given_name or "").strip(),
        family_name=(family_name or "").strip(),
        date_of_birth=date_of_birth,
        sex=sex or "unknown",
        phone=phone or "",
        email=email or "",
        chart_number=(chart_number or "").strip(),
    )
    errors = FieldErrors()
    _validate_patient(patient, errors)
    precaution_rows = _precaution_rows(precautions, errors)
    errors.raise_if_any()
    if not patient.chart_number:
        patient.chart_number = _next_chart_number(clinic)
    try:
        with transaction.atomic():
            patient.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent create took the same chart number
        raise InvalidInput({"chart_number": ["This chart number is already used in the clinic."]}) from exc
    Precaution.objects.bulk_create(
        Precaution(clinic=clinic, patient=patient, code=code, note=note) for code, note in precaution_rows
    )
    audit_event(
        actor=actor,
        action=AuditAction.CREATE,
        clinic=clinic,
        obj=patient,
        patient=patient,
        after={**_patient_snapshot(patient), "precautions": [{"code": c, "note": n} for c, n in precaution_rows]},
    )
    emit(clinic=clinic, type="patient.created", object_id=patient.pk, patient=patient)
    return patient


@transaction.atomic
def patient_update(*, actor, patient: Patient, expected_version: int | None = None, **changes) -> Patient:
    """Change a patient's demographics; only :data:`PATIENT_EDITABLE_FIELDS` may change."""
    policy.require(actor, "patient.update", clinic=patient.clinic)
    unknown = set(changes) - set(PATIENT_EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({field: ["This field cannot be changed."] for field in sorted(unknown)})
    patient = lock_for_update(Patient, patient.pk, expected_version=expected_version)
    before = _patient_snapshot(patient)
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(patient, field, value if value is not None else "")
    errors = FieldErrors()
    _validate_patient(patient, errors)
    if "chart_number" in changes and not patient.chart_number:
        errors.add("chart_number", "This field may not be blank.")
    errors.raise_if_any()
    after = _patient_snapshot(patient)
    if after == before:
        # Nothing changed: no write, no audit row, and the ETag stays valid for other clients.
        return patient
    patient.version += 1
    patient.save()
    audit_event(
        actor=actor, action=AuditAction.UPDATE, clinic=patient.clinic, obj=patient, patient=patient,
        before=before, after=after,
    )
    emit(clinic=patient.clinic, type="patient.updated", object_id=patient.pk, patient=patient)
    return patient


def _bump_patient_version(patient: Patient) -> None:
    """The patient's representation shows consent and precautions: their changes are
    changes of the patient, so its ETag must move too."""
    Patient.objects.filter(pk=patient.pk).update(version=F("version") + 1, updated_at=timezone.now())


@transaction.atomic
def patient_archive(*, actor, patient: Patient) -> Patient:
    """Archive a patient: hidden from default lists, never deleted. Idempotent."""
    policy.require(actor, "patient.archive", clinic=patient.clinic)
    patient = lock_for_update(Patient, patient.pk)
    if patient.archived_at is not None:
        return patient
    before = _patient_snapshot(patient)
    patient.archived_at = timezone.now()
    patient.version += 1
    patient.save(update_fields=["archived_at", "version", "updated_at"])
    audit_event(
        actor=actor, action=AuditAction.ARCHIVE, clinic=patient.clinic, obj=patient, patient=patient,
        before=before, after=_patient_snapshot(patient),
    )
    emit(clinic=patient.clinic, type="patient.archived", object_id=patient.pk, patient=patient)
    return patient


@transaction.atomic
def patient_unarchive(*, actor, patient: Patient) -> Patient:
    """Restore an archived patient to the active lists. A patient who is not archived is
    refused (PatientNotArchived): restoring twice is a client's mistake worth telling."""
    policy.require(actor, "patient.archive", clinic=patient.clinic)
    patient = lock_for_update(Patient, patient.pk)
    if patient.archived_at is None:
        raise PatientNotArchived("This patient is not archived; there is nothing to restore.")
    before = _patient_snapshot(patient)
    patient.archived_at = None
    patient.version += 1
    patient.save(update_fields=["archived_at", "version", "updated_at"])
    audit_event(
        actor=actor, action=AuditAction.UNARCHIVE, clinic=patient.clinic, obj=patient, patient=patient,
        before=before, after=_patient_snapshot(patient),
    )
    emit(clinic=patient.clinic, type="patient.unarchived", object_id=patient.pk, patient=patient)
    return patient


@transaction.atomic
def consent_give(*, actor, patient: Patient, form_version: str, given_at: dt.datetime | None = None) -> Consent:
    """Record the patient's consent to needling. Refused while a consent is already current."""
    policy.require(actor, "consent.give", clinic=patient.clinic)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    now = timezone.now()
    given_at = given_at or now
    errors = FieldErrors()
    if not (form_version or "").strip():
        errors.add("form_version", "This field may not be blank.")
    elif len(form_version) > 40:
        errors.add("form_version", "Ensure this field has no more than 40 characters.")
    if timezone.is_naive(given_at):
        errors.add("given_at", "Give a time with a timezone.")
    elif given_at > now + dt.timedelta(minutes=5):
        errors.add("given_at", "Consent cannot be given in the future.")
    errors.raise_if_any()
    if Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).exists():
        raise RuleViolation("The patient already has a current consent; withdraw it first to record a new one.")
    consent = Consent.objects.create(
        clinic=patient.clinic, patient=patient, given_at=given_at, form_version=form_version.strip(),
        recorded_by=actor,
    )
    _bump_patient_version(patient)
    audit_event(
        actor=actor, action=AuditAction.CONSENT, clinic=patient.clinic, obj=consent, patient=patient,
        after=snapshot(consent),
    )
    emit(clinic=patient.clinic, type="consent.changed", object_id=consent.pk, patient=patient, change="created")
    return consent


@transaction.atomic
def consent_withdraw(*, actor, patient: Patient, withdrawn_at: dt.datetime | None = None) -> Consent:
    """Withdraw the patient's current consent; no needling can be recorded after it."""
    policy.require(actor, "consent.withdraw", clinic=patient.clinic)
    consent = (
        Consent.objects.select_for_update().filter(patient=patient, withdrawn_at__isnull=True).first()
    )
    if consent is None:
        raise RuleViolation("The patient has no current consent to withdraw.")
    before = snapshot(consent)
    withdrawn_at = withdrawn_at or timezone.now()
    if timezone.is_naive(withdrawn_at):
        raise InvalidInput({"withdrawn_at": ["Give a time with a timezone."]})
    if withdrawn_at < consent.given_at:
        raise InvalidInput({"withdrawn_at": ["Consent cannot be withdrawn before it was given."]})
    consent.withdrawn_at = withdrawn_at
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    _bump_patient_version(patient)
    audit_event(
        actor=actor, action=AuditAction.CONSENT_WITHDRAW, clinic=patient.clinic, obj=consent, patient=patient,
        before=before, after=snapshot(consent),
    )
    emit(clinic=patient.clinic, type="consent.changed", object_id=consent.pk, patient=patient)
    return consent


@transaction.atomic
def precautions_set(*, actor, patient: Patient, precautions: list[dict]) -> list[Precaution]:
    """Replace the patient's precautions with ``precautions`` (``[{code, note}]``)."""
    policy.require(actor, "precautions.set", clinic=patient.clinic)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    errors = FieldErrors()
    rows = _precaution_rows(precautions, errors)
    errors.raise_if_any()
    existing = {p.code: p for p in Precaution.objects.filter(patient=patient)}
    before = [{"code": p.code, "note": p.note} for p in sorted(existing.values(), key=lambda p: p.code)]
    wanted = dict(rows)
    Precaution.objects.filter(patient=patient).exclude(code__in=wanted).delete()
    for code, note in wanted.items():
        current = existing.get(code)
        if current is None:
            Precaution.objects.create(clinic=patient.clinic, patient=patient, code=code, note=note)
        elif current.note != note:
            current.note = note
            current.save(update_fields=["note", "updated_at"])
    after = [{"code": c, "note": n} for c, n in sorted(wanted.items())]
    if after != before:
        _bump_patient_version(patient)
        audit_event(
            actor=actor, action=AuditAction.UPDATE, clinic=patient.clinic, object_type="precautions",
            object_id=str(patient.pk), patient=patient,
            before={"precautions": before}, after={"precautions": after},
        )
        emit(clinic=patient.clinic, type="patient.updated", object_id=patient.pk, patient=patient)
    return list(Precaution.objects.filter(patient=patient).order_by("code"))
