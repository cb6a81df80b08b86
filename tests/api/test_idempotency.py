"""``Idempotency-Key`` on the creating POSTs (DESIGN §10)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from idempotency.models import IdempotencyKey
from records.models import Addendum, Assessment, AuditEvent, PainScore, TreatmentSession

from .conftest import record_assessment, record_session, session_payload, token_client


def _post(client, path, body, key, **extra):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def test_replay_is_identical_and_nothing_more_is_written(physio_client, patient):
    key = "retry-after-timeout-1"
    body = session_payload(patient)
    first = _post(physio_client, "/api/v1/sessions/", body, key)
    assert first.status_code == 201
    counts = (TreatmentSession.objects.count(), AuditEvent.objects.count())
    second = _post(physio_client, "/api/v1/sessions/", body, key)
    assert second.status_code == 201
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Idempotent-Replayed"] == "true"
    assert second["Cache-Control"] == "no-store"
    assert counts[0] == 1
    assert (TreatmentSession.objects.count(), AuditEvent.objects.count()) == counts


def test_same_key_other_body_is_422(physio_client, patient):
    body = session_payload(patient)
    assert _post(physio_client, "/api/v1/sessions/", body, "k-1").status_code == 201
    response = _post(physio_client, "/api/v1/sessions/", {**body, "notes": "changed"}, "k-1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert TreatmentSession.objects.count() == 1


def test_json_key_order_and_spacing_do_not_make_another_body(physio_client, patient):
    body = session_payload(patient)
    first = physio_client.post(
        "/api/v1/sessions/", data=__import__("json").dumps(body), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="order",
    )
    reordered = dict(reversed(list(body.items())))
    second = physio_client.post(
        "/api/v1/sessions/", data=__import__("json").dumps(reordered, indent=2), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="order",
    )
    assert first.status_code == second.status_code == 201
    assert second.content == first.content


def test_error_answers_are_replayed_too(physio_client, patient):
    body = session_payload(patient, needles_used=3, needles_removed=4)
    first = _post(physio_client, "/api/v1/sessions/", body, "bad-1")
    assert first.status_code == 400 and "needles_removed" in first.json()["error"]["fields"]
    second = _post(physio_client, "/api/v1/sessions/", body, "bad-1")
    assert second.status_code == 400 and second.content == first.content
    assert IdempotencyKey.objects.get(key="bad-1").status == 400
    assert not TreatmentSession.objects.exists()


def test_keys_are_per_user(physio_client, physio2, patient):
    body = session_payload(patient)
    assert _post(physio_client, "/api/v1/sessions/", body, "shared").status_code == 201
    other = _post(token_client(physio2), "/api/v1/sessions/", body, "shared")
    assert other.status_code == 201 and other.json()["id"] != TreatmentSession.objects.first().pk
    assert TreatmentSession.objects.count() == 2


def test_keys_are_per_path(physio_client, physio, patient):
    a = record_session(physio, patient)
    b = record_session(physio, patient, started_at=timezone.now() - dt.timedelta(hours=3))
    for session in (a, b):
        response = _post(
            physio_client, f"/api/v1/sessions/{session.pk}/sign/", None, "sign-key",
            HTTP_IF_MATCH=f'"{session.version}"',
        )
        assert response.status_code == 200 and response.json()["id"] == str(session.pk)
    assert TreatmentSession.objects.filter(status="signed").count() == 2


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_bad_keys_are_400_naming_the_header(physio_client, patient, key):
    response = _post(physio_client, "/api/v1/sessions/", session_payload(patient), key)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "Idempotency-Key" in error["fields"]
    assert not TreatmentSession.objects.exists() and not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("length", [1, 255])
def test_key_length_bounds_are_accepted(physio_client, patient, length):
    response = _post(physio_client, "/api/v1/sessions/", session_payload(patient), "k" * length)
    assert response.status_code == 201
    assert IdempotencyKey.objects.get().key == "k" * length


def test_sign_replay_does_not_fail_as_already_signed(physio_client, physio, patient):
    session = record_session(physio, patient)
    path = f"/api/v1/sessions/{session.pk}/sign/"
    first = _post(physio_client, path, None, "s1", HTTP_IF_MATCH=f'"{session.version}"')
    second = _post(physio_client, path, None, "s1", HTTP_IF_MATCH=f'"{session.version}"')
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert AuditEvent.objects.filter(action="sign").count() == 1


def test_addendum_assessment_and_pain_score_posts_are_idempotent(physio_client, physio, patient):
    signed = record_session(physio, patient, sign=True)
    for _ in range(2):
        response = _post(physio_client, f"/api/v1/sessions/{signed.pk}/addenda/", {"text": "Late entry"}, "a1")
        assert response.status_code == 201
    assert Addendum.objects.count() == 1

    assessment = record_assessment(physio, patient)
    for _ in range(2):
        response = _post(
            physio_client, f"/api/v1/assessments/{assessment.pk}/sign/", None, "as1",
            HTTP_IF_MATCH=f'"{assessment.version}"',
        )
        assert response.status_code == 200
    for _ in range(2):
        response = _post(
            physio_client, f"/api/v1/assessments/{assessment.pk}/addenda/", {"text": "Addendum"}, "aa1"
        )
        assert response.status_code == 201
    assert Addendum.objects.count() == 2

    body = {"patient": str(patient.pk), "chief_complaint": "Neck pain", "assessed_at": timezone.now().isoformat()}
    for _ in range(2):
        assert _post(physio_client, "/api/v1/assessments/", body, "new-a").status_code == 201
    assert Assessment.objects.count() == 2  # the one above and one new

    pain = {"patient": str(patient.pk), "moment": "follow_up", "score": 3,
            "recorded_at": timezone.now().isoformat()}
    for _ in range(2):
        assert _post(physio_client, "/api/v1/pain-scores/", pain, "p1").status_code == 201
    assert PainScore.objects.filter(moment="follow_up").count() == 1


def test_without_a_key_each_post_writes(physio_client, patient):
    body = session_payload(patient)
    physio_client.post("/api/v1/sessions/", body, format="json")
    physio_client.post("/api/v1/sessions/", body, format="json")
    assert TreatmentSession.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_expired_keys_are_purged_and_then_reusable(physio_client, patient):
    body = session_payload(patient)
    assert _post(physio_client, "/api/v1/sessions/", body, "old").status_code == 201
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # An expired key is a new key.
    assert _post(physio_client, "/api/v1/sessions/", {**body, "notes": "x"}, "old").status_code == 201
    assert TreatmentSession.objects.count() == 2
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("purge_idempotency_keys")
    assert not IdempotencyKey.objects.exists()


def test_a_key_still_in_progress_is_409(physio_client, physio, patient, monkeypatch):
    from idempotency import store

    body = session_payload(patient)
    IdempotencyKey.objects.create(
        user=physio, method="POST", path="/api/v1/sessions/", key="busy",
        request_hash=store.request_hash(__import__("json").dumps(body).encode()),
        expires_at=timezone.now() + store.KEY_LIFETIME,
    )
    monkeypatch.setattr(store, "WAIT_SECONDS", 0.1)
    response = _post(physio_client, "/api/v1/sessions/", body, "busy")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_progress"
    assert not TreatmentSession.objects.exists()
