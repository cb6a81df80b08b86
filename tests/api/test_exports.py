"""The research export: columns and values, pseudonymisation, streaming, audit, roles."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from records import exports as writer
from records.choices import AuditAction
from records.exports import COLUMNS, patient_key
from records.models import AuditEvent
from tests.api.fhir.conftest import record_history

URL = "/api/v1/exports/targeted-muscles.csv"


def body_of(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def histories(physio, other_physio, patient, other_patient, now):
    start = now - dt.timedelta(days=30)
    return (
        record_history(physio, patient, sessions=2, start=start),
        record_history(other_physio, other_patient, sessions=1, start=start),
    )


def test_admin_exports_one_row_per_targeted_muscle(admin_client, patient, histories, clinic):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="targeted-muscles-harbour-')
    text = body_of(response)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = parse(text)
    assert len(rows) == 6  # 2 sessions × 3 muscles of this clinic; none of the other clinic's
    first_session = histories[0][0]
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    assert rows[0] == {
        "patient_key": patient_key(patient.pk),
        "year_of_birth": "1980",
        "sex": "female",
        "session_date": first_session.started_at.astimezone(tz).date().isoformat(),
        "session_number": "1",
        "session_status": "signed",
        "order": "1",
        "muscle_slug": "multifidus-lumbar",
        "muscle_name": "Lumbar multifidus",
        "muscle_segments": "L1 L2 L3 L4 L5 S1",
        "side": "left",
        "segment": "L5",
        "twitch_response": "strong_contraction",
        "twitch_count": "3",
        "outcome": "released",
        "pain_before": "7",
        "pain_after": "3",
    }
    assert [(r["session_number"], r["order"], r["muscle_slug"]) for r in rows[1:3]] == [
        ("1", "2", "gluteus-medius"), ("1", "3", "piriformis"),
    ]
    assert rows[1]["segment"] == "" and rows[1]["twitch_count"] == ""
    assert {r["session_number"] for r in rows[3:]} == {"2"}
    assert {r["patient_key"] for r in rows} == {patient_key(patient.pk)}


def test_export_holds_no_identifying_data(admin_client, patient, histories):
    text = body_of(admin_client.get(URL))
    for identifying in (patient.given_name, patient.family_name, patient.chart_number, str(patient.pk),
                        patient.date_of_birth.isoformat(), "Quinlan", "Morgan"):
        assert identifying not in text
    key = patient_key(patient.pk)
    assert len(key) == 16 and int(key, 16) >= 0
    assert key == patient_key(str(patient.pk))  # stable across exports


def test_export_is_audited(admin_client, clinic_admin, clinic, histories):
    body_of(admin_client.get(URL))
    [event] = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    assert event.actor_id == clinic_admin.pk and event.clinic_id == clinic.pk
    assert event.object_type == "targeted_muscles_csv" and event.patient_id is None
    assert event.after["destination"] == "api" and event.after["columns"] == list(COLUMNS)


@pytest.mark.parametrize("client_fixture", ["physio_client", "reader_client"])
def test_only_clinic_admins_may_export(request, client_fixture, histories):
    response = request.getfixturevalue(client_fixture).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["status"] == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_superuser_without_clinic_is_refused(db):
    root = get_user_model().objects.create_superuser("root", password="x-y-z-12345")
    client = APIClient()
    client.force_authenticate(root)
    response = client.get(URL)
    assert response.status_code == 403 and "member" in response.json()["error"]["message"]
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_export_is_401(db):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_other_clinic_admin_gets_only_their_rows(other_admin, other_patient, histories):
    client = APIClient()
    client.force_authenticate(other_admin)
    rows = parse(body_of(client.get(URL)))
    assert len(rows) == 3 and {r["patient_key"] for r in rows} == {patient_key(other_patient.pk)}


def test_export_streams_in_chunks(admin_client, histories, monkeypatch):
    monkeypatch.setattr(writer, "ROWS_PER_WRITE", 4)
    chunks = list(admin_client.get(URL).streaming_content)
    assert len(chunks) == 3  # the header, then 4 rows, then 2


@pytest.mark.parametrize("sessions", [1, 5])
def test_export_query_count_does_not_grow(clinic_admin, physio, patient, now, sessions, django_assert_num_queries):
    record_history(physio, patient, sessions=sessions, start=now - dt.timedelta(days=60))
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=clinic_admin.pk))
    # membership, clinic, the audit event, and the one streamed query of the rows
    with django_assert_num_queries(4):
        rows = parse(body_of(client.get(URL)))
    assert len(rows) == 3 * sessions


def test_command_writes_the_same_export(admin_client, clinic, histories, tmp_path):
    out = tmp_path / "export.csv"
    call_command("export_targeted_muscles", clinic=clinic.slug, out=str(out), stderr=io.StringIO())
    assert out.read_bytes().decode() == body_of(admin_client.get(URL))
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("at")
    assert [e.after["destination"] for e in events] == ["file", "api"]
    assert events[0].actor_id is None and events[0].route == "command export_targeted_muscles"


def test_command_writes_to_standard_output(clinic, histories):
    out = io.StringIO()
    call_command("export_targeted_muscles", clinic=clinic.slug, out="-", stdout=out, stderr=io.StringIO())
    rows = parse(out.getvalue())
    assert len(rows) == 6 and rows[0]["muscle_slug"] == "multifidus-lumbar"


def test_command_refuses_unknown_clinic(db, tmp_path):
    with pytest.raises(CommandError, match="No clinic"):
        call_command("export_targeted_muscles", clinic="nowhere", out=str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()
