"""``changes/``: every change of the clinic's records in commit order, tombstones included."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from freezegun import freeze_time

from events.changes import encode_cursor
from events.horizon import sequence
from events.models import OutboxEvent
from records import services
from records.models import AuditEvent

from .conftest import record_assessment, record_session, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"


def since_of(next_url: str) -> str:
    return parse_qs(urlsplit(next_url).query)["since"][0]


def test_every_kind_of_change_in_order(admin_client, clinic, clinic_admin, physio, patient):
    new = services.patient_create(actor=physio, clinic=clinic, given_name="Ada", family_name="Byrne",
                                  date_of_birth=dt.date(1980, 1, 2))
    services.patient_update(actor=physio, patient=new, phone="555 0101")
    draft = record_session(physio, patient)
    services.session_update(actor=physio, session=draft, notes="Tolerated well")
    services.session_delete_draft(actor=physio, session=draft)
    signed = record_session(physio, patient, sign=True)
    addendum = services.addendum_create(actor=physio, record=signed, text="Patient phoned: less pain.")
    assessment = record_assessment(physio, patient, sign=True)
    consent = services.consent_give(actor=physio, patient=new, form_version="v2")
    services.patient_archive(actor=clinic_admin, patient=new)

    response = admin_client.get(URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    items = [(item["type"], item["object_type"], item["id"]) for item in body["results"]]
    assert items == [
        ("created", "patient", str(new.pk)),
        ("updated", "patient", str(new.pk)),
        ("created", "session", str(draft.pk)),
        ("updated", "session", str(draft.pk)),
        ("deleted", "session", str(draft.pk)),
        ("created", "session", str(signed.pk)),
        ("signed", "session", str(signed.pk)),
        ("created", "addendum", str(addendum.pk)),
        ("created", "assessment", str(assessment.pk)),
        ("signed", "assessment", str(assessment.pk)),
        ("created", "consent", str(consent.pk)),
        ("archived", "patient", str(new.pk)),
    ]
    assert {item["patient"] for item in body["results"]} == {str(new.pk), str(patient.pk)}
    assert all(item["at"].endswith("Z") and item["cursor"] for item in body["results"])
    assert body["has_more"] is False
    assert body["next"].startswith("http://testserver/api/v1/changes/?since=")
    # Polling the last page's `next` gives nothing new, and a `next` again.
    again = admin_client.get(body["next"]).json()
    assert again["results"] == [] and again["next"] and again["has_more"] is False
    # A later change appears after that cursor, alone.
    services.patient_update(actor=physio, patient=new, email="ada@example.org")
    later = admin_client.get(again["next"]).json()
    assert [(i["type"], i["id"]) for i in later["results"]] == [("updated", str(new.pk))]


def test_pages_are_stable_and_complete(reader_client, clinic, physio):
    patients = [services.patient_create(actor=physio, clinic=clinic, given_name=f"P{i}", family_name="Page",
                                        date_of_birth=dt.date(1990, 1, 1)) for i in range(7)]
    seen, url = [], f"{URL}?page_size=3"
    for _ in range(5):
        body = reader_client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
        if not body["has_more"]:
            break
    assert seen == [str(p.pk) for p in patients]
    # The same cursor read twice gives the same page.
    first = reader_client.get(f"{URL}?page_size=3").json()
    cursor = since_of(first["next"])
    assert reader_client.get(f"{URL}?since={cursor}&page_size=3").json()["results"] == \
        reader_client.get(f"{URL}?since={cursor}&page_size=3").json()["results"]


def test_other_clinics_changes_are_not_shown(physio_client, other_physio, other_clinic):
    services.patient_create(actor=other_physio, clinic=other_clinic, given_name="Sam", family_name="Else",
                            date_of_birth=dt.date(1970, 5, 5))
    body = physio_client.get(URL).json()
    assert body["results"] == []
    assert OutboxEvent.objects.filter(clinic=other_clinic).count() == 1


@pytest.mark.parametrize("since", ["garbage", "djE6eDp5Ono", "djE6LTU6MQ"])
def test_malformed_cursor_is_400(physio_client, since):
    response = physio_client.get(f"{URL}?since={since}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_cursor" and "since" in error["fields"]


def test_expired_cursor_is_400(physio_client, settings):
    old = encode_cursor(5, issued=timezone.now() - dt.timedelta(days=settings.EVENTS_RETENTION_DAYS + 1))
    response = physio_client.get(f"{URL}?since={old}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cursor_expired"
    assert "since" in response.json()["error"]["fields"]


@pytest.mark.parametrize("size", ["0", "501", "abc"])
def test_bad_page_size_is_400(physio_client, size):
    response = physio_client.get(f"{URL}?page_size={size}")
    assert response.status_code == 400 and "page_size" in response.json()["error"]["fields"]


def test_roles(api_client, physio_client, reader_client, admin_client):
    assert api_client.get(URL).status_code == 401
    for client in (physio_client, reader_client, admin_client):
        assert client.get(URL).status_code == 200


def test_reading_the_feed_is_logged_naming_patients(reader_client, reader, clinic, physio, patient):
    record_session(physio, patient)
    other = services.patient_create(actor=physio, clinic=clinic, given_name="Lee", family_name="Two",
                                    date_of_birth=dt.date(1985, 3, 3))
    reader_client.get(URL)
    event = AuditEvent.objects.get(action="view", object_type="changes")
    assert event.actor == reader
    assert sorted(event.after["patients"]) == sorted([str(patient.pk), str(other.pk)])
    # An empty page names nobody and logs nothing.
    body = reader_client.get(URL).json()
    reader_client.get(body["next"])
    assert AuditEvent.objects.filter(action="view", object_type="changes").count() == 2


@pytest.mark.parametrize("n", [1, 30])
def test_query_count_is_flat(physio, clinic, django_assert_num_queries, n):
    for i in range(n):
        services.patient_create(actor=physio, clinic=clinic, given_name=f"Q{i}", family_name="Count",
                                date_of_birth=dt.date(1990, 1, 1))
    client = token_client(physio)
    # Token, "anything to sequence?", the page of changes, the access-log row (the rows were
    # sequenced by an earlier reader: sequencing is a fixed number of queries, whatever n).
    sequence()
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert len(response.json()["results"]) == n


def test_cursor_issued_time_moves_with_each_answer(physio_client):
    with freeze_time("2026-01-01T00:00:00Z"):
        first = since_of(physio_client.get(URL).json()["next"])
    with freeze_time("2026-01-20T00:00:00Z"):
        second = since_of(physio_client.get(f"{URL}?since={first}").json()["next"])
    with freeze_time("2026-02-15T00:00:00Z"):
        assert physio_client.get(f"{URL}?since={second}").status_code == 200
        assert physio_client.get(f"{URL}?since={first}").status_code == 400


def test_restoring_a_patient_and_attaching_a_document_are_in_the_feed(admin_client, clinic_admin, physio, patient):
    """Both services emit through the outbox, so the feed (and webhooks) carry them."""
    from django.core.files.base import ContentFile

    services.patient_archive(actor=clinic_admin, patient=patient)
    services.patient_unarchive(actor=clinic_admin, patient=patient)
    document = services.attachment_upload(
        actor=physio, patient=patient, title="Referral", kind="referral",
        file=ContentFile(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", name="referral.pdf"),
    )
    items = [(i["type"], i["object_type"], i["id"], i["patient"]) for i in admin_client.get(URL).json()["results"]]
    assert items[-3:] == [
        ("archived", "patient", str(patient.pk), str(patient.pk)),
        ("unarchived", "patient", str(patient.pk), str(patient.pk)),
        ("created", "document", str(document.pk), str(patient.pk)),
    ]
    assert list(OutboxEvent.objects.order_by("id").values_list("type", flat=True))[-2:] == [
        "patient.unarchived", "document.created",
    ]
