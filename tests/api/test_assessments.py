"""assessments/: nested findings and plan, sign, addenda, verify, If-Match, queries."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from records import services
from records.models import Assessment, AssessmentFinding, AuditEvent, PlanItem
from tests.factories import muscle

from .conftest import record_assessment


def payload(for_patient, **overrides):
    body = {
        "patient": str(for_patient.pk),
        "assessed_at": (timezone.now() - dt.timedelta(days=1)).isoformat(),
        "chief_complaint": "Left buttock pain",
        "history": "Three months, worse sitting.",
        "affected_segments": ["S1", "L5"],
        "findings": [
            {"muscle": str(muscle("gluteus-medius").pk), "side": "left", "taut_band": True, "tenderness": 3},
            {"muscle": "piriformis", "side": "left", "tenderness": 1},
        ],
        "plan": [
            {"muscle": str(muscle("multifidus-lumbar").pk), "side": "left", "rationale": "Root level first"},
            {"muscle": str(muscle("gluteus-medius").pk), "side": "left"},
            {"muscle": str(muscle("piriformis").pk), "side": "left"},
        ],
    }
    body.update(overrides)
    return body


def rows():
    return (Assessment.objects.count(), AssessmentFinding.objects.count(), PlanItem.objects.count())


def test_create_with_findings_and_ordered_plan(physio_client, patient, physio):
    response = physio_client.post("/api/v1/assessments/", payload(patient), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["affected_segments"] == ["L5", "S1"]
    assert [(p["order"], p["muscle_name"]) for p in data["plan"]] == [
        (1, "Lumbar multifidus"), (2, "Gluteus medius"), (3, "Piriformis")
    ]
    assert {f["muscle_name"] for f in data["findings"]} == {"Gluteus medius", "Piriformis"}
    assert data["practitioner_name"] == "Pat Lee" and data["status"] == "draft" and response["ETag"] == '"1"'
    assert AuditEvent.objects.filter(action="create", object_id=data["id"]).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"plan": [{"muscle": "piriformis", "side": "left"}, {"muscle": str(uuid.uuid4()), "side": "left"}]},
         "plan[1].muscle"),
        ({"plan": [{"order": 2, "muscle": "piriformis", "side": "left"},
                   {"order": 2, "muscle": "gluteus-medius", "side": "left"}]}, "plan[1].order"),
        ({"findings": [{"muscle": "piriformis", "side": "left", "tenderness": 4}]}, "findings[0].tenderness"),
        ({"affected_segments": ["L9"]}, "affected_segments[0]"),
        ({"chief_complaint": ""}, "chief_complaint"),
        ({"assessed_at": "1900-01-01T00:00:00Z"}, "assessed_at"),
        ({"patient": str(uuid.uuid4())}, "patient"),
    ],
)
def test_bad_input_saves_nothing(physio_client, patient, change, field):
    before = rows()
    response = physio_client.post("/api/v1/assessments/", payload(patient, **change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert rows() == before


def test_patch_replaces_plan_then_sign_locks(physio_client, patient):
    created = physio_client.post("/api/v1/assessments/", payload(patient), format="json").json()
    url = f"/api/v1/assessments/{created['id']}/"
    patched = physio_client.patch(url, {"plan": [{"muscle": "piriformis", "side": "right"}]}, format="json",
                                  HTTP_IF_MATCH='"1"')
    assert patched.status_code == 200
    assert [p["muscle_name"] for p in patched.json()["plan"]] == ["Piriformis"] and patched["ETag"] == '"2"'
    assert len(patched.json()["findings"]) == 2
    stale = physio_client.patch(url, {"history": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    signed = physio_client.post(f"{url}sign/", HTTP_IF_MATCH='"2"')
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    locked = physio_client.patch(url, {"history": "late"}, format="json", HTTP_IF_MATCH=signed["ETag"])
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "record_locked"
    assert Assessment.objects.get(pk=created["id"]).history == "Three months, worse sitting."
    verify = physio_client.get(f"{url}verify/")
    assert verify.json()["status"] == "intact"
    addendum = physio_client.post(f"{url}addenda/", {"text": "MRI: L5/S1 disc bulge."}, format="json")
    assert addendum.status_code == 201 and addendum.json()["assessment"] == created["id"]
    assert [a["text"] for a in physio_client.get(url).json()["addenda"]] == ["MRI: L5/S1 disc bulge."]


def test_patient_cannot_be_changed_by_patch(physio_client, patient, physio):
    assessment = record_assessment(physio, patient)
    other = physio_client.post("/api/v1/patients/", {"given_name": "A", "family_name": "B",
                                                      "date_of_birth": "1990-01-01"}, format="json").json()
    response = physio_client.patch(
        f"/api/v1/assessments/{assessment.pk}/", {"patient": other["id"]}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    assessment.refresh_from_db()
    assert assessment.patient_id == patient.pk


def test_filters(physio_client, physio, patient):
    draft = record_assessment(physio, patient)
    signed = record_assessment(physio, patient, sign=True)
    ids = lambda q: {a["id"] for a in physio_client.get(f"/api/v1/assessments/?{q}").json()["results"]}  # noqa: E731
    assert ids("status=signed") == {str(signed.pk)}
    assert ids(f"patient={patient.pk}") == {str(draft.pk), str(signed.pk)}
    assert ids("updated_since=2999-01-01T00:00:00Z") == set()


# Token 1, page 1, findings+muscles 1, plan+muscles 1, addenda+authors 1, segmental signs 1.
ASSESSMENTS_LIST_QUERIES = 7  # + the access log's INSERT
# The same plus the audit row of the read.
ASSESSMENT_DETAIL_QUERIES = 7


@pytest.mark.parametrize("n", [1, 50])
def test_assessments_list_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n):
    for index in range(n):
        assessment = record_assessment(physio, patient, sign=index % 2 == 0)
        if index % 2 == 0:
            services.addendum_create(actor=physio, record=assessment, text="Addendum")
    with django_assert_num_queries(ASSESSMENTS_LIST_QUERIES):
        response = physio_client.get("/api/v1/assessments/?page_size=200")
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n_plan", [1, 20])
def test_assessment_detail_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n_plan):
    slugs = tuple(m.slug for m in muscle("piriformis").__class__.objects.order_by("slug")[:n_plan])
    assessment = record_assessment(physio, patient, plan=slugs, sign=True)
    services.addendum_create(actor=physio, record=assessment, text="Addendum")
    with django_assert_num_queries(ASSESSMENT_DETAIL_QUERIES):
        response = physio_client.get(f"/api/v1/assessments/{assessment.pk}/")
    assert len(response.json()["plan"]) == n_plan
