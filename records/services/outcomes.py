"""Writes of outcomes (DESIGN §12): instruments, questionnaire responses, objective measures,
and the segmental signs of an assessment."""

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from records import policy
from records.choices import AuditAction, MeasureKind
from records.clinical import ScoringRefused, score_answers
from records.instruments import parse_instrument, shipped_instruments
from records.models import (
    Assessment,
    Clinic,
    Muscle,
    ObjectiveMeasure,
    OutcomeInstrument,
    OutcomeResponse,
    Patient,
    TreatmentSession,
)

from .assessments import _check_time
from .audit import audit_event, snapshot
from .validation import FieldErrors

__all__ = [
    "instrument_for_clinic",
    "instrument_install",
    "instruments_sync_shipped",
    "objective_measure_record",
    "outcome_response_record",
]


def instrument_install(*, definition: dict, clinic: Clinic | None = None, actor=None) -> tuple[OutcomeInstrument, bool]:
    """Add or update an instrument from a definition (validated here again); audited.

    Without ``clinic`` the instrument serves every clinic of the installation (those that ship,
    or one licensed for the whole installation); with it, only that clinic.
    """
    definition = parse_instrument(definition, source=definition.get("code", "instrument"))
    values = {
        "name": definition["name"],
        "version": definition["version"],
        "licence": definition["licence"],
        "items": definition["items"],
        "score_range": list(definition["score_range"]),
        "higher_is_better": definition["higher_is_better"],
        "mcid": Decimal(str(definition["mcid"])),
        "mcid_source": definition["mcid_source"],
        "scoring": definition["scoring"],
        "definition": definition,
    }
    with transaction.atomic():
        existing = OutcomeInstrument.objects.select_for_update().filter(clinic=clinic, code=definition["code"]).first()
        if existing is not None and existing.definition == definition:
            return existing, False
        if existing is None:
            instrument = OutcomeInstrument.objects.create(clinic=clinic, code=definition["code"], **values)
            before = None
        else:
            before = {"version": existing.version, "definition": existing.definition}
            for key, value in values.items():
                setattr(existing, key, value)
            existing.save()
            instrument = existing
        if actor is not None or clinic is not None:
            # Shipped instruments are synced at every migrate, by no one: only loads by a
            # person (``load_instrument``) go to the audit trail.
            audit_event(
                actor=actor, action=AuditAction.CREATE if before is None else AuditAction.UPDATE, clinic=clinic,
                obj=instrument, before=before, after={"version": instrument.version, "definition": definition},
            )
    return instrument, True


def instruments_sync_shipped() -> int:
    """Install or refresh every shipped instrument; returns how many changed. Idempotent."""
    changed = 0
    for definition in shipped_instruments():
        _instrument, did_change = instrument_install(definition=definition)
        changed += did_change
    return changed


def instrument_for_clinic(clinic: Clinic, code) -> OutcomeInstrument | None:
    """The instrument ``code`` as ``clinic`` sees it: its own licensed copy first, else the shipped one."""
    if not isinstance(code, str):
        return None
    rows = OutcomeInstrument.objects.filter(Q(clinic=clinic) | Q(clinic__isnull=True), code=code)
    return min(rows, key=lambda row: row.clinic_id is None, default=None)


def _check_links(errors: FieldErrors, *, patient: Patient, session, assessment) -> None:
    if session is not None and session.patient_id != patient.pk:
        errors.add("session", "This session belongs to another patient.")
    if assessment is not None and assessment.patient_id != patient.pk:
        errors.add("assessment", "This assessment belongs to another patient.")


@transaction.atomic
def outcome_response_record(
    *,
    actor,
    patient: Patient,
    instrument: str | OutcomeInstrument,
    answers: list,
    recorded_at: dt.datetime | None = None,
    session: TreatmentSession | None = None,
    assessment: Assessment | None = None,
) -> OutcomeResponse:
    """Record a patient's answers to an instrument; the score is computed here, never sent."""
    policy.require(actor, "outcome.create", clinic=patient.clinic)
    errors = FieldErrors()
    if not isinstance(instrument, OutcomeInstrument):
        code = instrument
        instrument = instrument_for_clinic(patient.clinic, code)
        if instrument is None:
            errors.add("instrument", f"Unknown instrument {code!r}; see GET outcome-instruments/.")
    elif instrument.clinic_id not in (None, patient.clinic_id):
        errors.add("instrument", "This instrument is not available to your clinic.")
        instrument = None
    recorded_at = recorded_at or timezone.now()
    _check_time(errors, "recorded_at", recorded_at, patient)
    _check_links(errors, patient=patient, session=session, assessment=assessment)
    if patient.is_archived:
        errors.add("patient", "The patient is archived.")
    scored = None
    if instrument is not None:
        try:
            scored = score_answers(instrument.definition, answers)
        except ScoringRefused as exc:
            for path, messages in exc.errors.items():
                for message in messages:
                    errors.add(path, message)
    errors.raise_if_any()
    response = OutcomeResponse.objects.create(
        clinic=patient.clinic,
        patient=patient,
        instrument=instrument,
        instrument_version=instrument.version,
        session=session,
        assessment=assessment,
        answers=scored.answers,
        score=scored.score,
        recorded_at=recorded_at,
        recorded_by=actor,
    )
    audit_event(
        actor=actor, action=AuditAction.CREATE, clinic=patient.clinic, obj=response, patient=patient,
        after={**snapshot(response), "instrument_code": instrument.code},
    )
    return response


def _decimal(errors: FieldErrors, field: str, value) -> Decimal | None:
    if value is None:
        errors.add(field, "This field is required.")
        return None
    if isinstance(value, bool):
        errors.add(field, "Expected a number.")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.add(field, "Expected a number.")
        return None
    if not number.is_finite():
        errors.add(field, "Expected a number.")
        return None
    return number


@transaction.atomic
def objective_measure_record(
    *,
    actor,
    patient: Patient,
    kind: str,
    side: str,
    recorded_at: dt.datetime | None = None,
    session: TreatmentSession | None = None,
    assessment: Assessment | None = None,
    muscle: Muscle | str | None = None,
    value=None,
    unit: str = "",
    joint: str = "",
    movement: str = "",
    degrees=None,
    active: bool | None = None,
) -> ObjectiveMeasure:
    """Record a pressure-pain threshold (muscle, side, value > 0, unit) or a range of motion
    (joint, movement, side, degrees in −30…360, active or passive)."""
    policy.require(actor, "measure.create", clinic=patient.clinic)
    errors = FieldErrors()
    if session is None and recorded_at is None:
        recorded_at = timezone.now()
    elif recorded_at is None:
        recorded_at = session.started_at
    measure = ObjectiveMeasure(
        clinic=patient.clinic, patient=patient, session=session, assessment=assessment, kind=kind, side=side,
        recorded_at=recorded_at, recorded_by=actor, unit="", joint="", movement="",
    )
    if kind == MeasureKind.PRESSURE_PAIN_THRESHOLD:
        for field, given in (("joint", joint), ("movement", movement), ("degrees", degrees), ("active", active)):
            if given not in (None, ""):
                errors.add(field, "Not part of a pressure-pain threshold.")
        if muscle is None or muscle == "":
            errors.add("muscle", "This field is required.")
        elif not isinstance(muscle, Muscle):
            found = Muscle.objects.filter(Q(slug=muscle) | Q(pk=muscle) if _is_uuid(muscle) else Q(slug=muscle))
            muscle = found.first()
            if muscle is None:
                errors.add("muscle", "Unknown muscle.")
        measure.muscle = muscle if isinstance(muscle, Muscle) else None
        number = _decimal(errors, "value", value)
        if number is not None:
            if number <= 0:
                errors.add("value", "A pressure-pain threshold is above 0.")
            elif number >= Decimal("100000"):
                errors.add("value", "Too large for a pressure-pain threshold.")
            else:
                measure.value = number.quantize(Decimal("0.01"))
        measure.unit = unit or ""
        if not unit:
            errors.add("unit", "This field is required: kg/cm2 or kPa.")
    elif kind == MeasureKind.RANGE_OF_MOTION:
        for field, given in (("muscle", muscle), ("value", value), ("unit", unit)):
            if given not in (None, ""):
                errors.add(field, "Not part of a range of motion.")
        measure.joint, measure.movement = joint or "", movement or ""
        for field, given in (("joint", joint), ("movement", movement)):
            if not given:
                errors.add(field, "This field is required.")
        number = _decimal(errors, "degrees", degrees)
        if number is not None:
            if not Decimal(-30) <= number <= Decimal(360):
                errors.add("degrees", "Range of motion is measured from −30 to 360 degrees.")
            else:
                measure.degrees = number.quantize(Decimal("0.1"))
        if active is None:
            errors.add("active", "This field is required: true (active) or false (passive).")
        measure.active = active
    errors.clean(
        measure,
        exclude=["clinic", "patient", "session", "assessment", "muscle", "recorded_by", "value", "degrees", "active"],
    )
    _check_time(errors, "recorded_at", recorded_at, patient)
    _check_links(errors, patient=patient, session=session, assessment=assessment)
    if patient.is_archived:
        errors.add("patient", "The patient is archived.")
    errors.raise_if_any()
    measure.save(force_insert=True)
    audit_event(
        actor=actor, action=AuditAction.CREATE, clinic=patient.clinic, obj=measure, patient=patient,
        after=snapshot(measure),
    )
    return measure


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


