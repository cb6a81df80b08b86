"""The patient representation (demographics, precautions, the consent in force): one
builder for the API's list, detail and the re-read after every write.

Named rows from the ORM (``.values()``): the patient rows come from the caller's page
query or from :func:`patient_representation`, then one query each for the precautions
and the consents of all of them.
"""

import datetime as dt
import uuid
from typing import Annotated, TypedDict

from django.utils import timezone

from records.choices import PrecautionCode, Sex
from records.models import Consent, Patient, Precaution
from records.sql import to_instant

from .common import Instant, instant_text

__all__ = [
    "PATIENT_COLUMNS",
    "ConsentRepresentation",
    "PatientRepresentation",
    "PrecautionRepresentation",
    "consent_from_row",
    "consent_representation",
    "patient_representation",
    "patient_representations",
]


class PrecautionRepresentation(TypedDict):
    """A precaution relevant to needling, with the clinician's note."""

    code: PrecautionCode
    note: str


class ConsentRepresentation(TypedDict):
    """A consent to needling; ``current`` while not withdrawn."""

    id: uuid.UUID
    given_at: Instant
    form_version: str
    recorded_by: int
    withdrawn_at: Instant | None
    withdrawn_by: int | None
    current: bool


class PatientRepresentation(TypedDict):
    """A patient as the API shows it: demographics, precautions and current consent."""

    id: uuid.UUID
    chart_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: Sex
    phone: str
    email: Annotated[str, "E-mail address, or empty."]
    precautions: list[PrecautionRepresentation]
    consent: Annotated[ConsentRepresentation | None, "The consent in force now, or null."]
    archived: bool
    archived_at: Instant | None
    version: int
    created_at: Instant
    updated_at: Instant


# The patient's own columns (``.values()`` names): what a page query selects.
PATIENT_COLUMNS = (
    "id", "chart_number", "given_name", "family_name", "date_of_birth", "sex", "phone", "email", "archived_at",
    "version", "created_at", "updated_at",
)
CONSENT_COLUMNS = ("id", "patient_id", "given_at", "form_version", "recorded_by_id", "withdrawn_at", "withdrawn_by_id")


def consent_from_row(row: dict, *, at: dt.datetime | None = None) -> ConsentRepresentation:
    """A consent row (``.values(*CONSENT_COLUMNS)``) as the API writes it."""
    at = at or timezone.now()
    given_at, withdrawn_at = to_instant(row["given_at"]), to_instant(row["withdrawn_at"])
    return {
        "id": row["id"],
        "given_at": instant_text(given_at),
        "form_version": row["form_version"],
        "recorded_by": row["recorded_by_id"],
        "withdrawn_at": instant_text(withdrawn_at),
        "withdrawn_by": row["withdrawn_by_id"],
        "current": given_at <= at and (withdrawn_at is None or withdrawn_at > at),
    }


def consent_representation(consent_id) -> ConsentRepresentation:
    """One consent (the answer to giving or withdrawing it); its patient's clinic was checked by the caller."""
    return consent_from_row(Consent.objects.filter(pk=consent_id).values(*CONSENT_COLUMNS).get())


def patient_representations(rows) -> list[PatientRepresentation]:
    """Representations of patient rows (``.values(*PATIENT_COLUMNS)``, already scoped to one
    clinic), in their order; two queries for the precautions and the consents."""
    patients: dict[uuid.UUID, PatientRepresentation] = {row["id"]: _patient(row) for row in rows}
    if not patients:
        return []
    ids = list(patients)
    for row in Precaution.objects.filter(patient_id__in=ids).order_by("patient_id", "code").values(
        "patient_id", "code", "note"
    ):
        patients[row["patient_id"]]["precautions"].append({"code": row["code"], "note": row["note"]})
    now = timezone.now()
    current: dict[uuid.UUID, ConsentRepresentation] = {}
    # Newest first, so the first current consent met is the one in force (the latest given).
    for row in Consent.objects.filter(patient_id__in=ids).order_by("patient_id", "-given_at").values(
        *CONSENT_COLUMNS
    ):
        if row["patient_id"] not in current:
            consent = consent_from_row(row, at=now)
            if consent["current"]:
                current[row["patient_id"]] = consent
    for pk, consent in current.items():
        patients[pk]["consent"] = consent
    return list(patients.values())


def patient_representation(clinic, patient_id) -> PatientRepresentation | None:
    """One patient of the clinic (archived ones too), or None."""
    rows = list(Patient.objects.filter(clinic=clinic, pk=patient_id).values(*PATIENT_COLUMNS))
    found = patient_representations(rows)
    return found[0] if found else None


def _patient(row: dict) -> PatientRepresentation:
    return {
        "id": row["id"],
        "chart_number": row["chart_number"],
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "date_of_birth": row["date_of_birth"],
        "sex": row["sex"],
        "phone": row["phone"],
        "email": row["email"],
        "precautions": [],
        "consent": None,
        "archived": row["archived_at"] is not None,
        "archived_at": instant_text(row["archived_at"]),
        "version": row["version"],
        "created_at": instant_text(row["created_at"]),
        "updated_at": instant_text(row["updated_at"]),
    }
