"""outcome-instruments/, outcome-responses/, objective-measures/ (DESIGN §12)."""

import datetime as dt

import pytest
from django.utils import timezone

from records import services
from records.models import AuditEvent, ObjectiveMeasure, OutcomeResponse
from tests.factories import muscle

from .conftest import record_assessment, record_session

RESPONSES = "/api/v1/outcome-responses/"
MEASURES = "/api/v1/objective-measures/"


def when(days=0):
    return (timezone.now() - dt.timedelta(days=days, hours=1)).isoformat()


def psfs_body(patient, values=(3, 4, 5), **extra):
    answers = [
        {"item": f"activity_{i}", "value": value, "text": f"Activity {i}"} for i, value in enumerate(values, start=1)
    ]
    return {"patient": str(patient.pk), "instrument": "psfs", "answers": answers, "recorded_at": when(), **extra}


def ppt_body(patient, **extra):
    return {"patient": str(patient.pk), "kind": "pressure_pain_threshold", "muscle": str(muscle("gluteus-medius").pk),
            "side": "left", "value": 3.2, "unit": "kg/cm2", "recorded_at": when(), **extra}


def rom_body(patient, **extra):
    return {"patient": str(patient.pk), "kind": "range_of_motion", "joint": "hip", "movement": "internal_rotation",
            "side": "right", "degrees": 25, "active": True, "recorded_at": when(), **extra}


# --- instruments --------------------------------------------------------------------


def test_instruments_list_the_shipped_ones_with_their_contract_fields(reader_client):
    response = reader_client.get("/api/v1/outcome-instruments/")
    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    assert set(by_code) == {"nprs", "psfs"}
    psfs = by_code["psfs"]
    for key in ("code", "name", "version", "licence", "items", "score_range", "higher_is_better", "mcid",
                "mcid_source"):
        assert key in psfs
    assert psfs["higher_is_better"] is True and psfs["mcid"] == 2.0 and psfs["score_range"] == [0, 10]
    assert [item["code"] for item in psfs["items"]] == [f"activity_{i}" for i in range(1, 6)]
    assert [item["required"] for item in psfs["items"]] == [True, True, True, False, False]
    assert psfs["items"][0]["text"] == "required" and psfs["items"][0]["max"] == 10
    assert by_code["nprs"]["higher_is_better"] is False and by_code["nprs"]["loinc"] == "72514-3"


def test_a_clinic_licensed_instrument_is_seen_by_that_clinic_only(physio_client, other_client, clinic, physio,
                                                                     patient):
    from records.instruments import shipped_instruments

    definition = {**next(d for d in shipped_instruments() if d["code"] == "nprs"), "code": "vas_local",
                  "name": "Clinic VAS"}
    services.instrument_install(definition=definition, clinic=clinic)
    assert "vas_local" in {row["code"] for row in physio_client.get("/api/v1/outcome-instruments/").json()}
    assert "vas_local" not in {row["code"] for row in other_client.get("/api/v1/outcome-instruments/").json()}
    response = other_client.post(RESPONSES, {**psfs_body(patient), "instrument": "vas_local"}, format="json")
    assert response.status_code == 400


# --- responses ----------------------------------------------------------------------


def test_post_psfs_scores_on_the_server_and_audits(physio_client, physio, patient):
    session = record_session(physio, patient)
    response = physio_client.post(
        RESPONSES, psfs_body(patient, values=(2, 3, 5, 6), session=str(session.pk), score=9.9), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["instrument"] == "psfs" and body["score"] == 4.0 and body["session"] == str(session.pk)
    assert body["answers"][3] == {"item": "activity_4", "value": 6, "text": "Activity 4"}
    stored = OutcomeResponse.objects.get(pk=body["id"])
    assert str(stored.score) == "4.00" and stored.recorded_by == physio and stored.instrument_version == "1995"
    event = AuditEvent.objects.get(action="create", object_type="outcomeresponse")
    assert event.patient_id == patient.pk and event.after["instrument_code"] == "psfs"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instrument": "odi"}, "instrument"),
        ({"instrument": 5}, "instrument"),
        ({"answers": [{"item": "activity_1", "value": 3, "text": "a"}, {"item": "activity_2", "value": 4, "text": "b"},
                      {"item": "activity_3", "value": 11, "text": "c"}]}, "answers[2].value"),
        ({"answers": [{"item": "activity_1", "value": 3, "text": "a"}, {"item": "activity_2", "value": 4,
                                                                         "text": "b"}]}, "answers"),
        ({"answers": "many"}, "answers"),
        ({"recorded_at": "2026-01-01T10:00:00"}, "recorded_at"),
        ({"patient": "not-a-uuid"}, "patient"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_responses_are_400_naming_the_field_and_save_nothing(physio_client, patient, change, field):
    response = physio_client.post(RESPONSES, {**psfs_body(patient), **change}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert not OutcomeResponse.objects.exists()


def test_another_clinics_patient_or_session_is_400_on_the_field(physio_client, other_physio, patient, other_patient):
    response = physio_client.post(RESPONSES, psfs_body(other_patient), format="json")
    assert response.status_code == 400 and "patient" in response.json()["error"]["fields"]
    other_session = record_session(other_physio, other_patient)
    response = physio_client.post(RESPONSES, psfs_body(patient, session=str(other_session.pk)), format="json")
    assert response.status_code == 400 and "session" in response.json()["error"]["fields"]
    assert not OutcomeResponse.objects.exists()


def test_session_of_another_patient_is_400(physio_client, physio, patient, patient_without_consent):
    assessment = record_assessment(physio, patient_without_consent)
    response = physio_client.post(RESPONSES, psfs_body(patient, assessment=str(assessment.pk)), format="json")
    assert response.status_code == 400 and "assessment" in response.json()["error"]["fields"]


def test_roles_readers_and_admins_read_only(reader_client, admin_client, api_client, patient):
    for client in (reader_client, admin_client):
        assert client.post(RESPONSES, psfs_body(patient), format="json").status_code == 403
        assert client.post(MEASURES, ppt_body(patient), format="json").status_code == 403
        assert client.get(RESPONSES).status_code == 200
    assert api_client.get(RESPONSES).status_code == 401
    assert not OutcomeResponse.objects.exists() and not ObjectiveMeasure.objects.exists()


def _psfs(physio, patient, values=(3, 4, 5), days=1):
    answers = [{"item": f"activity_{i}", "value": v, "text": "Walking"} for i, v in enumerate(values, start=1)]
    return services.outcome_response_record(
        actor=physio, patient=patient, instrument="psfs", answers=answers,
        recorded_at=timezone.now() - dt.timedelta(days=days),
    )


def test_list_filters_isolation_and_access_log(physio_client, reader_client, physio, other_physio, patient,
                                                patient_without_consent, other_patient):
    first = _psfs(physio, patient, days=20)
    second = _psfs(physio, patient, values=(6, 7, 8), days=2)
    third = _psfs(physio, patient_without_consent)
    _psfs(other_physio, other_patient)
    since = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    OutcomeResponse.objects.filter(pk=first.pk).update(updated_at=timezone.now() - dt.timedelta(days=20))

    def ids(query=""):
        response = reader_client.get(RESPONSES, query)
        assert response.status_code == 200, response.content
        assert response["Cache-Control"] == "no-store"
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {str(first.pk), str(second.pk), str(third.pk)}
    assert ids({"patient": str(patient.pk)}) == {str(first.pk), str(second.pk)}
    assert ids({"updated_since": since}) == {str(second.pk), str(third.pk)}
    assert ids({"instrument": "nprs"}) == set()
    # One access-log event per list request, naming the patients it returned.
    views = AuditEvent.objects.filter(action="view", object_type="outcomeresponse_list")
    named = {str(pk) for event in views for pk in event.patients}
    assert named >= {str(patient.pk), str(patient_without_consent.pk)}
    assert reader_client.get(f"{RESPONSES}{first.pk}/").json()["score"] == 4.0
    other = OutcomeResponse.objects.exclude(clinic=physio.membership.clinic).get()
    assert reader_client.get(f"{RESPONSES}{other.pk}/").status_code == 404


@pytest.mark.parametrize("n", [1, 30])
def test_responses_list_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n):
    for index in range(n):
        _psfs(physio, patient, days=index + 1)
    # token 1, page 1 (instrument joined), access-log insert 1
    with django_assert_num_queries(3):
        response = physio_client.get(RESPONSES)
    assert len(response.json()["results"]) == n


# --- objective measures -------------------------------------------------------------


def test_post_ppt_and_rom(physio_client, physio, patient):
    session = record_session(physio, patient)
    response = physio_client.post(MEASURES, ppt_body(patient, session=str(session.pk)), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["muscle_name"], body["side"], body["value"], body["unit"]) == (
        "pressure_pain_threshold", "Gluteus medius", "left", 3.2, "kg/cm2")
    assert body["joint"] is None and body["degrees"] is None
    response = physio_client.post(MEASURES, rom_body(patient, degrees=-30, active=False), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["joint"], body["movement"], body["degrees"], body["active"]) == (
        "hip", "internal_rotation", -30.0, False)
    assert ObjectiveMeasure.objects.count() == 2
    assert AuditEvent.objects.filter(action="create", object_type="objectivemeasure").count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lambda p: ppt_body(p, value=0), "value"),
        (lambda p: ppt_body(p, value=-1.5), "value"),
        (lambda p: ppt_body(p, unit="N"), "unit"),
        (lambda p: ppt_body(p, unit=None), "unit"),
        (lambda p: ppt_body(p, muscle="no-such-muscle"), "muscle"),
        (lambda p: ppt_body(p, muscle=None), "muscle"),
        (lambda p: ppt_body(p, degrees=20), "degrees"),
        (lambda p: rom_body(p, degrees=-30.1), "degrees"),
        (lambda p: rom_body(p, degrees=360.1), "degrees"),
        (lambda p: rom_body(p, joint="jaw"), "joint"),
        (lambda p: rom_body(p, movement="circumduction"), "movement"),
        (lambda p: rom_body(p, active=None), "active"),
        (lambda p: rom_body(p, side="up"), "side"),
        (lambda p: rom_body(p, kind="grip_strength"), "kind"),
    ],
)
def test_bad_measures_are_400_naming_the_field(physio_client, patient, body, field):
    response = physio_client.post(MEASURES, body(patient), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert not ObjectiveMeasure.objects.exists()


@pytest.mark.parametrize("degrees", [-30, 0, 360])
def test_rom_boundaries_accepted(physio_client, patient, degrees):
    assert physio_client.post(MEASURES, rom_body(patient, degrees=degrees), format="json").status_code == 201


def test_measures_of_another_clinic_are_invisible(physio_client, other_physio, other_patient, patient):
    response = physio_client.post(MEASURES, ppt_body(other_patient), format="json")
    assert response.status_code == 400 and "patient" in response.json()["error"]["fields"]
    measure = services.objective_measure_record(actor=other_physio, patient=other_patient, kind="range_of_motion",
                                                side="left", joint="knee", movement="flexion", degrees=120,
                                                active=True)
    assert physio_client.get(f"{MEASURES}{measure.pk}/").status_code == 404
    assert physio_client.get(MEASURES).json()["results"] == []


@pytest.mark.parametrize("n", [1, 30])
def test_measures_list_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n):
    for index in range(n):
        services.objective_measure_record(
            actor=physio, patient=patient, kind="pressure_pain_threshold", side="left",
            muscle=muscle("piriformis"), value=2 + index / 10, unit="kg/cm2",
            recorded_at=timezone.now() - dt.timedelta(days=index + 1),
        )
    with django_assert_num_queries(3):
        response = physio_client.get(MEASURES, {"patient": str(patient.pk), "kind": "pressure_pain_threshold"})
    assert len(response.json()["results"]) == n


# --- segmental signs on assessments -------------------------------------------------


def assessment_body(patient, **extra):
    return {"patient": str(patient.pk), "assessed_at": when(3), "chief_complaint": "Low back pain",
            "affected_segments": ["L5"], **extra}


def test_assessment_segmental_signs_round_trip(physio_client, patient):
    signs = [{"segment": "L5", "sign": "trophoedema"}, {"segment": "L4", "sign": "paraspinal_tenderness"},
             {"segment": "L5", "sign": "trophoedema"}]
    response = physio_client.post("/api/v1/assessments/", assessment_body(patient, segmental_signs=signs),
                                  format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["segmental_signs"] == [{"segment": "L4", "sign": "paraspinal_tenderness"},
                                       {"segment": "L5", "sign": "trophoedema"}]
    response = physio_client.patch(
        f"/api/v1/assessments/{body['id']}/", {"segmental_signs": [{"segment": "S1", "sign": "pilomotor"}]},
        format="json", HTTP_IF_MATCH=f'"{body["version"]}"',
    )
    assert response.status_code == 200, response.content
    assert response.json()["segmental_signs"] == [{"segment": "S1", "sign": "pilomotor"}]
    detail = physio_client.get(f"/api/v1/assessments/{body['id']}/").json()
    assert detail["segmental_signs"] == [{"segment": "S1", "sign": "pilomotor"}]


@pytest.mark.parametrize(
    ("signs", "field"),
    [
        ([{"segment": "L6", "sign": "trophoedema"}], "segmental_signs[0].segment"),
        ([{"segment": "L5", "sign": "goosebumps"}], "segmental_signs[0].sign"),
        ([{"segment": "L5"}], "segmental_signs[0].sign"),
        (["L5"], "segmental_signs[0]"),
        ("L5", "segmental_signs"),
    ],
)
def test_bad_segmental_signs_are_400(physio_client, patient, signs, field):
    response = physio_client.post("/api/v1/assessments/", assessment_body(patient, segmental_signs=signs),
                                  format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.content


def test_signed_assessment_with_signs_verifies_and_signs_without_signs_keep_old_content(physio, patient):
    from records import integrity
    from records.integrity import assessment_canonical

    with_signs = services.assessment_create(
        actor=physio, patient=patient, chief_complaint="Neck", assessed_at=timezone.now() - dt.timedelta(days=2),
        segmental_signs=[{"segment": "C6", "sign": "tender_motor_points"}],
    )
    with_signs = services.assessment_sign(actor=physio, assessment=with_signs)
    assert integrity.verify_assessment(with_signs) == "intact"
    assert assessment_canonical(with_signs)["segmental_signs"] == [{"segment": "C6", "sign": "tender_motor_points"}]
    without = record_assessment(physio, patient, sign=True)
    assert "segmental_signs" not in assessment_canonical(without)
    assert integrity.verify_assessment(without) == "intact"
