"""patients/: CRUD without delete, precautions, consent, archive, search, ETag/If-Match, queries."""

import datetime as dt

import pytest
from django.utils import timezone

from records.models import AuditEvent, Consent, Patient, Precaution
from tests.factories import ConsentFactory, PatientFactory, PrecautionFactory

NEW = {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1975-12-10", "sex": "female"}


def test_create_with_precautions_generates_chart_number(physio_client, clinic, physio):
    body = {**NEW, "precautions": [{"code": "anticoagulants", "note": "apixaban"}, {"code": "pregnancy"}]}
    response = physio_client.post("/api/v1/patients/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["chart_number"].startswith("P") and data["consent"] is None and data["archived"] is False
    assert sorted((p["code"], p["note"]) for p in data["precautions"]) == [
        ("anticoagulants", "apixaban"), ("pregnancy", "")
    ]
    assert response["ETag"] == '"1"'
    patient = Patient.objects.get(pk=data["id"])
    assert patient.clinic == clinic and patient.precautions.count() == 2
    assert AuditEvent.objects.filter(action="create", object_id=data["id"], actor=physio).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"sex": "robot"}, "sex"),
        ({"given_name": None}, "given_name"),
        ({"given_name": ""}, "given_name"),
        ({"email": "not-an-email"}, "email"),
        ({"precautions": [{"code": "vampirism"}]}, "precautions[0].code"),
        ({"precautions": [{"code": "pregnancy"}, {"code": "pregnancy"}]}, "precautions[1].code"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_bad_patient_input_is_400_and_saves_nothing(physio_client, change, field, clinic):
    before = (Patient.objects.count(), Precaution.objects.count())
    response = physio_client.post("/api/v1/patients/", {**NEW, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert (Patient.objects.count(), Precaution.objects.count()) == before


def test_duplicate_chart_number_is_400(physio_client, patient):
    response = physio_client.post("/api/v1/patients/", {**NEW, "chart_number": patient.chart_number}, format="json")
    assert response.status_code == 400 and "chart_number" in response.json()["error"]["fields"]


def test_detail_has_consent_precautions_etag_and_logs_the_view(physio_client, patient, physio):
    PrecautionFactory(patient=patient, code="needle_phobia")
    response = physio_client.get(f"/api/v1/patients/{patient.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["consent"]["form_version"] == "IMS-2026-01" and data["consent"]["current"] is True
    assert data["precautions"] == [{"code": "needle_phobia", "note": ""}]
    assert response["ETag"] == f'"{patient.version}"' and response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="view")
    assert (event.actor, event.patient, event.object_type) == (physio, patient, "patient")


def test_patch_with_if_match_and_precautions_together(physio_client, patient):
    url = f"/api/v1/patients/{patient.pk}/"
    response = physio_client.patch(
        url, {"phone": "555 0101", "precautions": [{"code": "diabetes"}]}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["phone"] == "555 0101" and [p["code"] for p in data["precautions"]] == ["diabetes"]
    assert response["ETag"] == f'"{data["version"]}"' and data["version"] > 1


def test_stale_if_match_is_412_and_changes_nothing(physio_client, patient):
    url = f"/api/v1/patients/{patient.pk}/"
    physio_client.patch(url, {"phone": "1"}, format="json", HTTP_IF_MATCH='"1"')
    response = physio_client.patch(
        url, {"phone": "2", "precautions": [{"code": "pregnancy"}]}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412 and response.json()["error"]["code"] == "stale_version"
    patient.refresh_from_db()
    assert patient.phone == "1" and patient.version == 2 and not patient.precautions.exists()


def test_invalid_precaution_in_patch_rolls_back_demographics(physio_client, patient):
    response = physio_client.patch(
        f"/api/v1/patients/{patient.pk}/", {"phone": "9", "precautions": [{"code": "nope"}]}, format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    patient.refresh_from_db()
    assert patient.phone == "" and patient.version == 1


def test_put_replaces_demographics_and_keeps_chart_number(physio_client, patient):
    chart_number = patient.chart_number
    response = physio_client.put(f"/api/v1/patients/{patient.pk}/", NEW, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    patient.refresh_from_db()
    assert (patient.given_name, patient.family_name, patient.chart_number) == ("Ada", "Lovelace", chart_number)
    assert patient.sex == "female" and patient.phone == ""


def test_put_requires_the_full_representation(physio_client, patient):
    response = physio_client.put(f"/api/v1/patients/{patient.pk}/", {"phone": "1"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    assert {"given_name", "family_name", "date_of_birth"} <= set(response.json()["error"]["fields"])


def test_delete_is_refused_with_archive_hint(admin_client, patient):
    response = admin_client.delete(f"/api/v1/patients/{patient.pk}/")
    assert response.status_code == 405
    assert "archive" in response.json()["error"]["message"]
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_archive_hides_from_default_list(admin_client, patient, clinic_admin):
    response = admin_client.post(f"/api/v1/patients/{patient.pk}/archive/")
    assert response.status_code == 200 and response.json()["archived"] is True
    assert AuditEvent.objects.filter(action="archive", actor=clinic_admin).exists()
    ids = lambda q: [p["id"] for p in admin_client.get(f"/api/v1/patients/{q}").json()["results"]]  # noqa: E731
    assert str(patient.pk) not in ids("")
    assert ids("?archived=true") == [str(patient.pk)]
    assert str(patient.pk) in ids("?archived=all")
    # Archived patients stay readable by id.
    assert admin_client.get(f"/api/v1/patients/{patient.pk}/").status_code == 200


def test_consent_give_and_withdraw(physio_client, patient_without_consent, physio):
    url = f"/api/v1/patients/{patient_without_consent.pk}/consent/"
    given = physio_client.post(url, {"form_version": "IMS-2026-02"}, format="json")
    assert given.status_code == 201
    assert given.json()["current"] is True and given.json()["recorded_by"] == physio.pk
    twice = physio_client.post(url, {"form_version": "IMS-2026-02"}, format="json")
    assert twice.status_code == 409
    detail = physio_client.get(f"/api/v1/patients/{patient_without_consent.pk}/").json()
    assert detail["consent"]["id"] == given.json()["id"]
    withdrawn = physio_client.post(f"{url}withdraw/", format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"] and withdrawn.json()["current"] is False
    assert physio_client.get(f"/api/v1/patients/{patient_without_consent.pk}/").json()["consent"] is None
    again = physio_client.post(f"{url}withdraw/", format="json")
    assert again.status_code == 409
    assert Consent.objects.filter(patient=patient_without_consent).count() == 1


def test_consent_bad_input(physio_client, patient_without_consent):
    url = f"/api/v1/patients/{patient_without_consent.pk}/consent/"
    future = (timezone.now() + dt.timedelta(days=3)).isoformat()
    for body, field in (({}, "form_version"), ({"form_version": "x", "given_at": future}, "given_at"),
                        ({"form_version": "x", "given_at": "soon"}, "given_at")):
        response = physio_client.post(url, body, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"], body
    assert not Consent.objects.filter(patient=patient_without_consent).exists()


def test_search_and_updated_since(physio_client, clinic):
    quinn = PatientFactory(clinic=clinic, given_name="Harper", family_name="Quinn", chart_number="C-778")
    PatientFactory(clinic=clinic, given_name="Jo", family_name="Smith", chart_number="C-900")

    def names(query):
        return [p["family_name"] for p in physio_client.get(f"/api/v1/patients/?{query}").json()["results"]]

    assert names("search=quinn") == ["Quinn"]
    assert names("search=harper+quinn") == ["Quinn"]
    assert names("search=C-77") == ["Quinn"]
    assert names("search=nobody") == []
    cutoff = timezone.now()
    Patient.objects.filter(pk=quinn.pk).update(updated_at=cutoff + dt.timedelta(seconds=5))
    assert names(f"updated_since={(cutoff + dt.timedelta(seconds=1)).isoformat().replace('+00:00', 'Z')}") == ["Quinn"]
    bad = physio_client.get("/api/v1/patients/?updated_since=last-week")
    assert bad.status_code == 400 and "updated_since" in bad.json()["error"]["fields"]


# Token lookup 1, page of patients 1, precautions 1, consents 1, the access log's INSERT 1.
PATIENTS_LIST_QUERIES = 5
# Token 1, patient 1, precautions 1, consents 1, audit row of the read 1.
PATIENT_DETAIL_QUERIES = 5


@pytest.mark.parametrize("n", [1, 50])
def test_patients_list_query_count_is_flat(physio_client, clinic, physio, django_assert_num_queries, n):
    for _ in range(n):
        patient = PatientFactory(clinic=clinic)
        ConsentFactory(patient=patient, recorded_by=physio)
        PrecautionFactory(patient=patient)
    with django_assert_num_queries(PATIENTS_LIST_QUERIES):
        response = physio_client.get("/api/v1/patients/?page_size=200")
    assert len(response.json()["results"]) == n
    assert all(row["consent"] and row["precautions"] for row in response.json()["results"])


@pytest.mark.parametrize("n", [1, 20])
def test_patient_detail_query_count_is_flat(physio_client, patient, physio, django_assert_num_queries, n):
    codes = ["anticoagulants", "pregnancy", "diabetes", "epilepsy", "needle_phobia"]
    for code in codes[: min(n, len(codes))]:
        PrecautionFactory(patient=patient, code=code)
    for index in range(n - 1):
        ConsentFactory(patient=patient, recorded_by=physio, given_at=timezone.now() - dt.timedelta(days=400 + index),
                       withdrawn_at=timezone.now() - dt.timedelta(days=390))
    with django_assert_num_queries(PATIENT_DETAIL_QUERIES):
        response = physio_client.get(f"/api/v1/patients/{patient.pk}/")
    assert response.json()["consent"]["current"] is True


@pytest.mark.parametrize("if_match", [None, "*", ""])
def test_writes_without_a_version_are_428_and_change_nothing(physio_client, patient, if_match):
    extra = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    for method in ("patch", "put"):
        response = getattr(physio_client, method)(
            f"/api/v1/patients/{patient.pk}/", {**NEW, "phone": "555"}, format="json", **extra
        )
        assert response.status_code == 428
        assert response.json()["error"] == {
            "status": 428, "code": "precondition_required", "message": response.json()["error"]["message"],
        }
        assert "If-Match" in response.json()["error"]["message"]
    patient.refresh_from_db()
    assert patient.phone == "" and patient.version == 1


def test_other_post_actions_need_no_if_match(admin_client, patient):
    response = admin_client.post(f"/api/v1/patients/{patient.pk}/archive/")
    assert response.status_code == 200 and response.json()["archived_at"]
