"""The role table (records.policy) as a matrix: role × endpoint × method, anonymous (401) and
staff of another clinic (404 on detail, nothing of ours in lists, 400 for our ids in bodies)."""

import datetime as dt

import pytest
from django.utils import timezone

from records.models import AuditEvent, Patient, TreatmentSession
from tests.factories import muscle

from .conftest import session_payload, token_client

P, A, R = "physiotherapist", "clinic_admin", "api_reader"


def _patient_body(w):
    return {"given_name": "Ada", "family_name": "Lovelace", "date_of_birth": "1975-12-10"}


def _assessment_body(w):
    return {"patient": str(w.patient.pk), "chief_complaint": "Neck pain", "plan": [{"muscle": "trapezius-upper",
                                                                                      "side": "left"}]}


def _pain_body(w):
    return {"patient": str(w.patient.pk), "moment": "follow_up", "score": 3}


def _session_put_body(w):
    return {"targeted_muscles": [{"muscle": str(muscle("piriformis").pk), "side": "right",
                                  "twitch_response": "none", "outcome": "partial"}],
            "needles_used": 1, "needles_removed": 1}


# (id, method, path(w), body(w) or None, {role: expected status})
CASES = [
    ("patients-list", "get", lambda w: "/api/v1/patients/", None, {P: 200, A: 200, R: 200}),
    ("patients-create", "post", lambda w: "/api/v1/patients/", _patient_body, {P: 201, A: 201, R: 403}),
    ("patient-detail", "get", lambda w: f"/api/v1/patients/{w.patient.pk}/", None, {P: 200, A: 200, R: 200}),
    ("patient-patch", "patch", lambda w: f"/api/v1/patients/{w.patient.pk}/", lambda w: {"phone": "555 0100"},
     {P: 200, A: 200, R: 403}),
    ("patient-put", "put", lambda w: f"/api/v1/patients/{w.patient.pk}/", _patient_body, {P: 200, A: 200, R: 403}),
    ("patient-delete", "delete", lambda w: f"/api/v1/patients/{w.patient.pk}/", None, {P: 405, A: 405, R: 405}),
    ("patient-archive", "post", lambda w: f"/api/v1/patients/{w.patient.pk}/archive/", None,
     {P: 403, A: 200, R: 403}),
    ("patient-consent", "post", lambda w: f"/api/v1/patients/{w.patient_without_consent.pk}/consent/",
     lambda w: {"form_version": "IMS-2026-02"}, {P: 201, A: 201, R: 403}),
    ("patient-consent-withdraw", "post", lambda w: f"/api/v1/patients/{w.patient.pk}/consent/withdraw/", None,
     {P: 200, A: 200, R: 403}),
    ("patient-release-order", "get", lambda w: f"/api/v1/patients/{w.patient.pk}/release-order/", None,
     {P: 200, A: 200, R: 200}),
    ("patient-timeline", "get", lambda w: f"/api/v1/patients/{w.patient.pk}/timeline/", None,
     {P: 200, A: 200, R: 200}),
    ("muscles-list", "get", lambda w: "/api/v1/muscles/", None, {P: 200, A: 200, R: 200}),
    ("muscle-detail", "get", lambda w: f"/api/v1/muscles/{muscle('piriformis').pk}/", None, {P: 200, A: 200, R: 200}),
    ("assessments-list", "get", lambda w: "/api/v1/assessments/", None, {P: 200, A: 200, R: 200}),
    ("assessments-create", "post", lambda w: "/api/v1/assessments/", _assessment_body, {P: 201, A: 403, R: 403}),
    ("assessment-detail", "get", lambda w: f"/api/v1/assessments/{w.draft_assessment.pk}/", None,
     {P: 200, A: 200, R: 200}),
    ("assessment-patch", "patch", lambda w: f"/api/v1/assessments/{w.draft_assessment.pk}/",
     lambda w: {"history": "Worse when sitting"}, {P: 200, A: 403, R: 403}),
    ("assessment-sign", "post", lambda w: f"/api/v1/assessments/{w.draft_assessment.pk}/sign/", None,
     {P: 200, A: 403, R: 403}),
    ("assessment-addenda", "post", lambda w: f"/api/v1/assessments/{w.signed_assessment.pk}/addenda/",
     lambda w: {"text": "Also reports numbness."}, {P: 201, A: 403, R: 403}),
    ("assessment-verify", "get", lambda w: f"/api/v1/assessments/{w.signed_assessment.pk}/verify/", None,
     {P: 200, A: 200, R: 200}),
    ("sessions-list", "get", lambda w: "/api/v1/sessions/", None, {P: 200, A: 200, R: 200}),
    ("sessions-create", "post", lambda w: "/api/v1/sessions/", lambda w: session_payload(w.patient),
     {P: 201, A: 403, R: 403}),
    ("session-detail", "get", lambda w: f"/api/v1/sessions/{w.draft_session.pk}/", None, {P: 200, A: 200, R: 200}),
    ("session-put", "put", lambda w: f"/api/v1/sessions/{w.draft_session.pk}/", _session_put_body,
     {P: 200, A: 403, R: 403}),
    ("session-patch", "patch", lambda w: f"/api/v1/sessions/{w.draft_session.pk}/", lambda w: {"notes": "Tolerated"},
     {P: 200, A: 403, R: 403}),
    ("session-delete", "delete", lambda w: f"/api/v1/sessions/{w.draft_session.pk}/", None,
     {P: 204, A: 403, R: 403}),
    ("session-sign", "post", lambda w: f"/api/v1/sessions/{w.draft_session.pk}/sign/", None,
     {P: 200, A: 403, R: 403}),
    ("session-addenda", "post", lambda w: f"/api/v1/sessions/{w.signed_session.pk}/addenda/",
     lambda w: {"text": "Bruise reported next day."}, {P: 201, A: 403, R: 403}),
    ("session-verify", "get", lambda w: f"/api/v1/sessions/{w.signed_session.pk}/verify/", None,
     {P: 200, A: 200, R: 200}),
    ("pain-scores-list", "get", lambda w: "/api/v1/pain-scores/", None, {P: 200, A: 200, R: 200}),
    ("pain-score-detail", "get", lambda w: f"/api/v1/pain-scores/{w.pain_score.pk}/", None, {P: 200, A: 200, R: 200}),
    ("pain-scores-create", "post", lambda w: "/api/v1/pain-scores/", _pain_body, {P: 201, A: 403, R: 403}),
    ("audit-events-list", "get", lambda w: "/api/v1/audit-events/", None, {P: 403, A: 200, R: 403}),
]

MATRIX = [
    pytest.param(case, role, id=f"{case[0]}-{role}") for case in CASES for role in (P, A, R)
]


@pytest.fixture
def clients(physio, clinic_admin, reader):
    return {P: token_client(physio), A: token_client(clinic_admin), R: token_client(reader)}


def _send(client, method, path, body):
    # Conditional writes name the version they change (DESIGN §11); the World's records are at 1.
    extra = {"HTTP_IF_MATCH": '"1"'} if method in ("put", "patch", "delete") or path.endswith("/sign/") else {}
    if body is not None:
        return getattr(client, method)(path, body, format="json", **extra)
    return getattr(client, method)(path, **extra)


@pytest.mark.parametrize(("case", "role"), MATRIX)
def test_role_matrix(world, clients, case, role):
    _name, method, path, body, expected = case
    response = _send(clients[role], method, path(world), body(world) if body else None)
    assert response.status_code == expected[role], response.content
    if expected[role] == 403:
        assert response.json()["error"]["code"] in ("permission_denied", "not_permitted")
    if expected[role] == 405:
        assert "archive" in response.json()["error"]["message"]


@pytest.mark.parametrize("case", [pytest.param(c, id=c[0]) for c in CASES])
def test_anonymous_is_401(world, api_client, case):
    _name, method, path, body, _expected = case
    before = AuditEvent.objects.count()
    response = _send(api_client, method, path(world), body(world) if body else None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"
    assert AuditEvent.objects.count() == before


DETAIL_CASES = [c for c in CASES if "{" not in c[0] and not c[0].endswith(("-list", "-create"))
                and c[0] != "muscle-detail"]


@pytest.mark.parametrize("case", [pytest.param(c, id=c[0]) for c in DETAIL_CASES])
def test_other_clinic_staff_get_404_on_our_records(world, other_physio, other_admin, case):
    """Our records do not exist for another clinic: 404 where their role could act, and the
    same 403 as for any record where it could not (the role is checked before the lookup)."""
    _name, method, path, body, expected = case
    before = AuditEvent.objects.count()
    for user, role in ((other_physio, P), (other_admin, A)):
        response = _send(token_client(user), method, path(world), body(world) if body else None)
        wanted = 403 if expected[role] == 403 else 404
        assert response.status_code == wanted, (user.username, response.content)
        if wanted == 404:
            assert response.json()["error"]["code"] == "not_found"
    # Nothing was written: no change, no logged read of our patient (tokens were issued though).
    assert AuditEvent.objects.exclude(action__in=["token_issue"]).count() == before
    world.draft_session.refresh_from_db()
    assert world.draft_session.version == 1


@pytest.mark.parametrize(
    "path", ["/api/v1/patients/", "/api/v1/assessments/", "/api/v1/sessions/", "/api/v1/pain-scores/"]
)
def test_other_clinic_lists_show_none_of_ours(world, other_physio, other_patient, path):
    response = token_client(other_physio).get(path)
    assert response.status_code == 200
    ours = {str(world.patient.pk), str(world.patient_without_consent.pk)}
    for row in response.json()["results"]:
        assert row["id"] not in ours and row.get("patient") not in ours


def test_other_clinic_audit_trail_shows_none_of_ours(world, other_admin):
    response = token_client(other_admin).get("/api/v1/audit-events/")
    assert response.status_code == 200
    assert all(row["patient"] != str(world.patient.pk) for row in response.json()["results"])


def test_our_patient_id_in_another_clinics_body_is_400_on_that_field(world, other_physio):
    client = token_client(other_physio)
    sessions_before = TreatmentSession.objects.count()
    response = client.post("/api/v1/sessions/", session_payload(world.patient), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["patient"]
    assert TreatmentSession.objects.count() == sessions_before
    response = client.post("/api/v1/pain-scores/", _pain_body(world), format="json")
    assert response.status_code == 400 and "patient" in response.json()["error"]["fields"]


@pytest.mark.parametrize("superuser", [False, True])
def test_accounts_without_clinic_membership_are_refused(db, superuser):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("loner", password="x" * 16, is_superuser=superuser)
    client = token_client(user)
    response = client.get("/api/v1/patients/")
    assert response.status_code == 403
    assert "clinic" in response.json()["error"]["message"]
    body = {"given_name": "A", "family_name": "B", "date_of_birth": "1990-01-01"}
    assert client.post("/api/v1/patients/", body, format="json").status_code == 403
    assert not Patient.objects.exists()


def test_reader_cannot_write_and_nothing_is_saved(world, reader):
    client = token_client(reader)
    before = (Patient.objects.count(), TreatmentSession.objects.count())
    client.post("/api/v1/patients/", _patient_body(world), format="json")
    client.post("/api/v1/sessions/", session_payload(world.patient), format="json")
    assert (Patient.objects.count(), TreatmentSession.objects.count()) == before


def test_physio2_cannot_change_another_physios_draft(world, physio2):
    response = token_client(physio2).patch(
        f"/api/v1/sessions/{world.draft_session.pk}/", {"notes": "mine now"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    world.draft_session.refresh_from_db()
    assert world.draft_session.notes == ""


def test_session_started_now_default(world, physio):
    # A session without started_at starts now (the service's default).
    body = session_payload(world.patient)
    body.pop("started_at")
    response = token_client(physio).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201
    started = dt.datetime.fromisoformat(response.json()["started_at"].replace("Z", "+00:00"))
    assert started <= timezone.now()
