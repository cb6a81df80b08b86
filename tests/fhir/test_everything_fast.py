"""``$everything`` from fixed SQL: the rows it reads map exactly as the models do.

The Bundle is built from lightweight rows (``api.fhir.selectors.patient_record``) rather
than model instances; these tests check it against the mapping of the same data loaded
through the ORM, and check the edge cases a join or a text conversion could get wrong.
"""

import datetime as dt

import orjson
import pytest
from django.contrib.auth import get_user_model

from api.fhir import mapping, selectors
from api.fhir import systems as s
from records import services
from records.models import AdverseEvent, Consent, PainScore, Patient, TargetedMuscle, TreatmentSession
from tests.factories import PatientFactory, make_user

from .conftest import FHIR, record_history, session_muscles
from .test_everything import assert_valid_bundle


def bundle_of(client, patient) -> dict:
    response = client.get(f"{FHIR}Patient/{patient.pk}/$everything")
    assert response.status_code == 200, response.content
    return response.json()


def resources_of(bundle: dict, resource_type: str | None = None) -> list[dict]:
    return [
        entry["resource"] for entry in bundle["entry"]
        if resource_type is None or entry["resource"]["resourceType"] == resource_type
    ]


def orm_resources(patient: Patient) -> list:
    """The Bundle's resources mapped from model instances, in the Bundle's documented order."""
    patient = Patient.objects.select_related("clinic").get(pk=patient.pk)
    sessions = list(
        TreatmentSession.objects.filter(patient=patient)
        .select_related("practitioner__membership")
        .order_by("started_at", "number")
    )
    practitioners: dict = {}
    for session in sessions:
        practitioners.setdefault(session.practitioner_id, session.practitioner)
    resources = [mapping.patient_resource(patient, clinic_slug=patient.clinic.slug)]
    resources += [mapping.practitioner_resource(user) for user in practitioners.values()]
    resources += [mapping.consent_resource(c) for c in Consent.objects.filter(patient=patient).order_by("given_at")]
    for session in sessions:
        resources.append(mapping.encounter_resource(session))
        for targeted in TargetedMuscle.objects.filter(session=session).select_related("muscle").order_by("order"):
            resources.append(mapping.procedure_resource(targeted, session))
            resources.append(mapping.twitch_observation_resource(targeted, session))
        for event in AdverseEvent.objects.filter(session=session).order_by("created_at"):
            resources.append(mapping.adverse_event_resource(event, session))
    by_id = {session.pk: session for session in sessions}
    for pain in PainScore.objects.filter(patient=patient).order_by("recorded_at", "moment"):
        resources.append(mapping.pain_observation_resource(pain, by_id.get(pain.session_id)))
    return orjson.loads(orjson.dumps(resources))


@pytest.fixture
def nameless(clinic):
    """A physiotherapist whose account has no first or last name."""
    return make_user(clinic=clinic, username="nameless", first_name="", last_name="")


@pytest.fixture
def root(db):
    """A superuser without membership (an inactive one: the Practitioner says so)."""
    return get_user_model().objects.create_superuser("root", password="x-y-z-12345", first_name="Root")


@pytest.fixture
def rich_history(physio, nameless, root, patient, now):
    """Signed and draft sessions with muscles; a session without muscles but with two adverse
    events; a superuser's session; a standalone pain score; a withdrawn and a new consent."""
    start = (now - dt.timedelta(days=25)).replace(microsecond=0)
    record_history(physio, patient, sessions=2, start=start, sign=False)
    bare = services.session_record(
        actor=nameless, patient=patient, started_at=start + dt.timedelta(days=15),
        adverse_events=[
            {"kind": "bruising", "severity": "serious", "notes": "Large haematoma"},
            {"kind": "syncope", "severity": "significant"},
        ],
    )
    services.session_sign(actor=nameless, session=bare)
    services.session_record(
        actor=root, patient=patient, started_at=start + dt.timedelta(days=16, microseconds=123456),
        targeted_muscles=session_muscles()[1:], needles_used=2, needles_removed=2,
    )
    services.pain_score_record(
        actor=physio, patient=patient, moment="follow_up", score=2, region="Low back",
        recorded_at=start + dt.timedelta(days=20),
    )
    services.consent_withdraw(actor=physio, patient=patient, withdrawn_at=start + dt.timedelta(days=21))
    services.consent_give(actor=physio, patient=patient, form_version="IMS-2026-02",
                          given_at=start + dt.timedelta(days=22))
    get_user_model().objects.filter(pk=root.pk).update(is_active=False)
    return bare


def test_bundle_is_the_orm_mapping_of_every_row(api, patient, rich_history):
    bundle = bundle_of(api, patient)
    assert_valid_bundle(bundle)
    assert resources_of(bundle) == orm_resources(patient)
    # The fixture's edge cases are all there to compare.
    assert len(resources_of(bundle, "Encounter")) == 4
    assert len(resources_of(bundle, "AdverseEvent")) == 3
    assert len(resources_of(bundle, "Consent")) == 2


def test_a_session_without_muscles_is_one_encounter_with_its_adverse_events(api, patient, rich_history, nameless):
    bundle = bundle_of(api, patient)
    encounters = resources_of(bundle, "Encounter")
    # The adverse events are joined to their sessions: no session may come out twice.
    assert len({e["id"] for e in encounters}) == len(encounters) == TreatmentSession.objects.count()
    reference = {"reference": f"Encounter/{rich_history.pk}"}
    assert [r["resourceType"] for r in resources_of(bundle) if r.get("encounter") == reference] == [
        "AdverseEvent", "AdverseEvent",
    ]
    first, second = (r for r in resources_of(bundle, "AdverseEvent") if r["encounter"] == reference)
    assert first["event"]["text"] == "Bruising: Large haematoma"
    assert first["seriousness"]["coding"][0]["code"] == "serious"
    assert first["severity"] == {
        "coding": [{"system": s.ADVERSE_SEVERITY, "code": "severe", "display": "Severe"}],
        "text": "Serious",
    }
    assert second["event"] == {
        "coding": [{"system": s.ADVERSE_EVENT_KIND, "code": "syncope", "display": "Syncope"}],
        "text": "Syncope",
    }
    assert second["seriousness"]["coding"][0]["code"] == "non-serious"
    assert second["severity"]["coding"][0]["code"] == "moderate"
    assert first["recorder"] == {"reference": f"Practitioner/{nameless.membership.pk}", "display": "nameless"}
    assert first["date"] == mapping.fhir_instant(rich_history.started_at)


def test_practitioners_without_a_full_name_or_a_membership(api, patient, rich_history, physio, nameless, root):
    practitioners = resources_of(bundle_of(api, patient), "Practitioner")
    # In order of their first session.
    assert practitioners == [
        {"resourceType": "Practitioner", "id": str(physio.membership.pk), "active": True,
         "name": [{"text": "Pat Lee", "family": "Lee", "given": ["Pat"]}]},
        {"resourceType": "Practitioner", "id": str(nameless.membership.pk), "active": True,
         "name": [{"text": "nameless"}]},
        {"resourceType": "Practitioner", "id": f"user-{root.pk}", "active": False,
         "name": [{"text": "Root", "given": ["Root"]}]},
    ]


def test_withdrawn_and_current_consents(api, patient, rich_history):
    withdrawn, current = resources_of(bundle_of(api, patient), "Consent")
    old = Consent.objects.filter(patient=patient).order_by("given_at").first()
    assert withdrawn["id"] == str(old.pk)
    assert withdrawn["status"] == "inactive"
    assert withdrawn["provision"]["period"] == {
        "start": mapping.fhir_instant(old.given_at), "end": mapping.fhir_instant(old.withdrawn_at),
    }
    assert current["status"] == "active" and "end" not in current["provision"]["period"]
    assert current["sourceAttachment"] == {"title": "Consent form IMS-2026-02"}


def test_pain_scores_standalone_and_of_a_draft(api, patient, rich_history):
    pains = [r for r in resources_of(bundle_of(api, patient), "Observation") if "valueInteger" in r]
    standalone = [p for p in pains if "encounter" not in p]
    assert [(p["valueInteger"], p["status"], p["bodySite"]) for p in standalone] == [
        (2, "final", {"text": "Low back"})
    ]
    draft = TreatmentSession.objects.get(status="draft", practitioner__username="physio")
    of_draft = [p for p in pains if p.get("encounter") == {"reference": f"Encounter/{draft.pk}"}]
    assert sorted((p["valueInteger"], p["status"]) for p in of_draft) == [(3, "preliminary"), (7, "preliminary")]


def test_twitch_observations_of_a_draft_and_without_a_count(api, patient, rich_history, root):
    observations = [r for r in resources_of(bundle_of(api, patient), "Observation") if r["id"].startswith("twitch-")]
    by_performer = [o for o in observations if o["performer"][0]["reference"] == f"Practitioner/user-{root.pk}"]
    # The superuser's session is a draft of two muscles, neither with a twitch count.
    assert [o["status"] for o in by_performer] == ["preliminary", "preliminary"]
    assert all("component" not in o for o in by_performer)
    assert [o["bodySite"]["text"] for o in by_performer] == ["Gluteus medius, right", "Piriformis, bilateral"]
    assert by_performer[0]["effectiveDateTime"].endswith(".123Z")


def test_patient_lookup_reads_every_field_of_the_row(patient, clinic, other_clinic, clinic_admin):
    patient = Patient.objects.get(pk=patient.pk)
    Patient.objects.filter(pk=patient.pk).update(phone="+1 604 555 0100", email="m@example.com")
    services.patient_archive(actor=clinic_admin, patient=Patient.objects.get(pk=patient.pk))
    expected = Patient.objects.get(pk=patient.pk)
    found = selectors.patient_for_clinic(clinic, str(patient.pk))
    fields = [field.attname for field in Patient._meta.concrete_fields]
    assert tuple(fields) == selectors.PATIENT_FIELDS  # from_db takes them in this order
    assert [getattr(found, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert found.archived_at is not None and found.version > 1
    assert not found._state.adding and found.clinic is clinic
    resource = mapping.patient_resource(found, clinic_slug=clinic.slug)
    assert resource == mapping.patient_resource(expected, clinic_slug=clinic.slug)
    assert resource["active"] is False and len(resource["telecom"]) == 2
    assert selectors.patient_for_clinic(other_clinic, str(patient.pk)) is None
    assert selectors.patient_for_clinic(clinic, str(PatientFactory(clinic=other_clinic).pk)) is None
    assert selectors.patient_for_clinic(clinic, "not-a-uuid") is None


def test_another_patients_rows_stay_out(api, patient, clinic, physio, now):
    neighbour = PatientFactory(clinic=clinic)
    services.consent_give(actor=physio, patient=neighbour, form_version="IMS-2026-01", given_at=now)
    record_history(physio, neighbour, sessions=2, start=now - dt.timedelta(days=10))
    record_history(physio, patient, sessions=1, start=now - dt.timedelta(days=10))
    resources = resources_of(bundle_of(api, patient))
    assert resources == orm_resources(patient)
    assert len([r for r in resources if r["resourceType"] == "Encounter"]) == 1
    assert str(neighbour.pk) not in orjson.dumps(resources).decode()

