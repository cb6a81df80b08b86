"""Sharps count and lung-field rules through the API (DESIGN §10)."""

import pytest

from records.integrity import verify_session
from records.models import AuditEvent, TreatmentSession

from .conftest import session_payload, targeted


def _sign(client, session):
    return client.post(
        f"/api/v1/sessions/{session['id']}/sign/", format="json", HTTP_IF_MATCH=f'"{session["version"]}"'
    )


def _patch(client, session, body):
    return client.patch(
        f"/api/v1/sessions/{session['id']}/", body, format="json", HTTP_IF_MATCH=f'"{session["version"]}"'
    )


@pytest.mark.parametrize(("used", "status"), [(0, 400), (1, 201), (2, 201)])
def test_needled_session_needs_a_needle_count(physio_client, patient, used, status):
    payload = session_payload(patient, needles_used=used, needles_removed=0)
    response = physio_client.post("/api/v1/sessions/", payload, format="json")
    assert response.status_code == status, response.json()
    if status == 400:
        error = response.json()["error"]
        assert error["code"] == "invalid" and "needles_used" in error["fields"]
        assert TreatmentSession.objects.count() == 0
    else:
        assert response.json()["needles_used"] == used


@pytest.mark.parametrize(("removed", "status"), [(2, 201), (3, 201), (4, 400)])
def test_more_removed_than_used_refused_on_write(physio_client, patient, removed, status):
    response = physio_client.post(
        "/api/v1/sessions/", session_payload(patient, needles_used=3, needles_removed=removed), format="json"
    )
    assert response.status_code == status
    if status == 400:
        assert "needles_removed" in response.json()["error"]["fields"]
        assert not TreatmentSession.objects.exists()


def test_patch_needles_used_to_zero_with_muscles_is_400_and_unchanged(physio_client, make_session):
    session = make_session()
    response = _patch(physio_client, session, {"needles_used": 0, "needles_removed": 0})
    assert response.status_code == 400
    assert "needles_used" in response.json()["error"]["fields"]
    row = TreatmentSession.objects.get(pk=session["id"])
    assert (row.needles_used, row.needles_removed, row.version) == (3, 3, session["version"])


@pytest.mark.parametrize(("removed", "status", "code"), [(2, 409, "sharps_count_mismatch"), (3, 200, None)])
def test_sign_sharps_without_note(physio_client, make_session, removed, status, code):
    session = make_session(needles_used=3, needles_removed=removed)
    response = _sign(physio_client, session)
    assert response.status_code == status
    if code:
        assert response.json()["error"]["code"] == code
        assert TreatmentSession.objects.get(pk=session["id"]).status == "draft"
    else:
        assert response.json()["status"] == "signed"


def test_documented_discrepancy_signs_and_is_flagged_and_verifies(physio_client, make_session):
    note = "One needle bent and was lost in the sharps tray count; checked floor and couch."
    session = make_session(needles_used=3, needles_removed=2, sharps_discrepancy_note=note)
    assert session["sharps_discrepancy_note"] == note
    response = _sign(physio_client, session)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "signed" and body["sharps_discrepancy_note"] == note
    assert body["needles_used"] == 3 and body["needles_removed"] == 2
    row = TreatmentSession.objects.get(pk=session["id"])
    assert verify_session(row) == "intact"
    # The note is part of the signed content: changing it behind the app's back shows.
    from records.immutability import triggers_suspended

    with triggers_suspended():
        TreatmentSession.objects.filter(pk=row.pk).update(sharps_discrepancy_note="nothing happened")
    assert verify_session(row) == "altered"
    verify = physio_client.get(f"/api/v1/sessions/{session['id']}/verify/")
    assert verify.json()["status"] == "altered"


def test_more_removed_than_used_is_refused_at_sign_even_with_a_note(physio_client, physio, make_session):
    session = make_session(needles_used=3, needles_removed=3, sharps_discrepancy_note="n/a")
    # A raw change (not through the services) that the write rules would have refused.
    TreatmentSession.objects.filter(pk=session["id"]).update(needles_removed=4)
    response = _sign(physio_client, session)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sharps_count_mismatch"


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_whitespace_note_does_not_explain(physio_client, patient, note):
    response = physio_client.post(
        "/api/v1/sessions/",
        session_payload(patient, needles_used=3, needles_removed=2, sharps_discrepancy_note=note),
        format="json",
    )
    if note == "":
        assert response.status_code == 201
        assert _sign(physio_client, response.json()).json()["error"]["code"] == "sharps_count_mismatch"
    else:
        assert response.status_code == 400
        assert "sharps_discrepancy_note" in response.json()["error"]["fields"]
        assert not TreatmentSession.objects.exists()


def _lung_session(make_session, **overrides):
    return make_session(
        targeted_muscles=targeted("gluteus-medius", ("trapezius-upper", {"side": "right"})),
        needles_used=2, needles_removed=2, **overrides,
    )


def test_lung_field_session_needs_confirmation_to_sign(physio_client, make_session):
    session = _lung_session(make_session)
    assert session["lung_field_precautions_confirmed"] is False
    assert any(w["code"] == "lung_field" for w in session["warnings"])
    response = _sign(physio_client, session)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "lung_field_confirmation_required" and "Upper trapezius" in error["message"]
    assert TreatmentSession.objects.get(pk=session["id"]).status == "draft"
    assert not AuditEvent.objects.filter(action="sign").exists()

    patched = _patch(physio_client, session, {"lung_field_precautions_confirmed": True})
    assert patched.status_code == 200 and patched.json()["lung_field_precautions_confirmed"] is True
    signed = _sign(physio_client, patched.json())
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert verify_session(TreatmentSession.objects.get(pk=session["id"])) == "intact"


def test_non_lung_session_signs_without_confirmation(physio_client, make_session):
    session = make_session()
    assert _sign(physio_client, session).status_code == 200


@pytest.mark.parametrize("value", ["yes", 1, "true", None])
def test_lung_field_confirmation_must_be_a_boolean(physio_client, patient, make_session, value):
    response = physio_client.post(
        "/api/v1/sessions/", session_payload(patient, lung_field_precautions_confirmed=value), format="json"
    )
    assert response.status_code == 400
    assert "lung_field_precautions_confirmed" in response.json()["error"]["fields"]
    assert not TreatmentSession.objects.exists()


def test_old_signature_without_the_new_fields_still_verifies(physio, patient):
    """Sessions signed before the two columns existed: their content had neither key."""
    from records import services
    from records.integrity import session_canonical, sign_content

    from .conftest import record_session

    session = services.session_sign(actor=physio, session=record_session(physio, patient))
    content = session_canonical(session)
    assert "sharps_discrepancy_note" not in content["session"]
    assert "lung_field_precautions_confirmed" not in content["session"]
    assert sign_content(content) == (session.signature_digest, session.signature_key_id)


def test_signing_anothers_draft_is_403(physio2_client, make_session):
    session = make_session()
    response = _sign(physio2_client, session)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert TreatmentSession.objects.get(pk=session["id"]).status == "draft"


def test_editing_anothers_draft_is_403(physio2_client, make_session):
    session = make_session()
    response = _patch(physio2_client, session, {"notes": "mine"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert TreatmentSession.objects.get(pk=session["id"]).notes == ""
