"""``$everything``, reads by id and searches by patient: one reader of the record.

Every FHIR resource of a patient's record is built from the rows of
``api.fhir.selectors`` (fixed SQL, columns read by name). These tests check that the
Bundle holds every row of the record in its documented order and nothing of another
patient, that a read by id or a search answers exactly the resource the Bundle carries,
and the edge cases a join or a text conversion could get wrong.
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


def expected_ids(patient: Patient) -> list[tuple[str, str]]:
    """``(resourceType, id)`` of every resource the Bundle should carry, in its documented
    order, straight from the tables: Patient, Practitioners (by first session), Consents,
    then per session its Encounter, a Procedure and twitch Observation per muscle and its
    AdverseEvents, then the pain Observations."""
    sessions = list(TreatmentSession.objects.filter(patient=patient).order_by("started_at", "number"))
    practitioners: dict = {}
    for session in sessions:
        practitioners.setdefault(session.practitioner_id, session.practitioner)
    ids = [("Patient", str(patient.pk))]
    ids += [("Practitioner", mapping.practitioner_id(user)) for user in practitioners.values()]
    ids += [("Consent", str(c.pk)) for c in Consent.objects.filter(patient=patient).order_by("given_at")]
    for session in sessions:
        ids.append(("Encounter", str(session.pk)))
        for targeted in TargetedMuscle.objects.filter(session=session).order_by("order"):
            ids += [("Procedure", str(targeted.pk)), ("Observation", f"twitch-{targeted.pk}")]
        events = AdverseEvent.objects.filter(session=session).order_by("created_at")
        ids += [("AdverseEvent", str(e.pk)) for e in events]
    pains = PainScore.objects.filter(patient=patient).order_by("recorded_at", "moment")
    ids += [("Observation", str(p.pk)) for p in pains]
    return ids


def ids_of(resources: list[dict]) -> list[tuple[str, str]]:
    return [(resource["resourceType"], resource["id"]) for resource in resources]


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


def test_bundle_holds_every_row_of_the_record_in_order(api, patient, rich_history):
    bundle = bundle_of(api, patient)
    assert_valid_bundle(bundle)
    assert ids_of(resources_of(bundle)) == expected_ids(patient)
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
    assert ids_of(resources) == expected_ids(patient)
    assert len([r for r in resources if r["resourceType"] == "Encounter"]) == 1
    assert str(neighbour.pk) not in orjson.dumps(resources).decode()



def test_reads_by_id_answer_the_resource_the_bundle_carries(api, patient, rich_history, clinic_admin):
    """One reader: each resource read by id is the Bundle's own, byte for byte."""
    resources = resources_of(bundle_of(api, patient))
    read = [r for r in resources if r["resourceType"] != "Practitioner"]
    assert {r["resourceType"] for r in read} == {
        "Patient", "Consent", "Encounter", "Procedure", "Observation", "AdverseEvent",
    }
    for resource in read:
        response = api.get(f"{FHIR}{resource['resourceType']}/{resource['id']}")
        assert response.status_code == 200, (resource["resourceType"], response.content)
        assert response.json() == resource


@pytest.mark.parametrize(
    ("resource_type", "query", "kinds"),
    [
        ("Encounter", "", {"Encounter"}),
        ("Procedure", "", {"Procedure"}),
        ("Consent", "", {"Consent"}),
        ("AdverseEvent", "", {"AdverseEvent"}),
        ("Observation", "", {"pain", "twitch"}),
        ("Observation", "&code=72514-3", {"pain"}),
        ("Observation", f"&code={s.OBSERVATION_CODE}|{s.TWITCH_RESPONSE_CODE}", {"twitch"}),
    ],
)
def test_searches_by_patient_answer_the_bundles_resources(api, patient, rich_history, resource_type, query, kinds):
    resources = resources_of(bundle_of(api, patient))

    def kind(resource):
        if resource["resourceType"] != "Observation":
            return resource["resourceType"]
        return "twitch" if resource["id"].startswith("twitch-") else "pain"

    # Searches give pain Observations before twitch ones; otherwise the Bundle's order.
    expected = sorted((r for r in resources if kind(r) in kinds), key=lambda r: kind(r) == "twitch")
    assert expected
    response = api.get(f"{FHIR}{resource_type}?patient={patient.pk}{query}")
    assert response.status_code == 200, response.content
    assert [entry["resource"] for entry in response.json()["entry"]] == expected
