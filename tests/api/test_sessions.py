"""sessions/: atomic nested logging, rules (409), concurrency (412), warnings, bad input, queries."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from records.models import AdverseEvent, AuditEvent, PainScore, TargetedMuscle, TreatmentSession
from tests.factories import PatientFactory, PrecautionFactory, muscle

from .conftest import record_assessment, record_session, session_payload, targeted, token_client


def counts():
    """Every table a session write touches; equal before and after means nothing was saved."""
    return (
        TreatmentSession.objects.count(),
        TargetedMuscle.objects.count(),
        PainScore.objects.count(),
        AdverseEvent.objects.count(),
        AuditEvent.objects.exclude(action__in=["token_issue", "view"]).count(),
    )


# --- create ---------------------------------------------------------------------------


def test_post_writes_session_with_nested_rows_and_returns_representation(physio_client, patient, physio):
    response = physio_client.post("/api/v1/sessions/", session_payload(patient), format="json")
    assert response.status_code == 201
    body = response.json()
    assert response["ETag"] == '"1"'
    assert response["Cache-Control"] == "no-store"
    assert body["number"] == 1 and body["status"] == "draft" and body["version"] == 1
    assert body["practitioner"] == physio.pk and body["practitioner_name"] == "Pat Lee"
    assert [(t["order"], t["muscle_name"], t["twitch_response"]) for t in body["targeted_muscles"]] == [
        (1, "Lumbar multifidus", "strong_contraction"),
        (2, "Gluteus medius", "local_twitch"),
        (3, "Piriformis", "none"),
    ]
    assert body["targeted_muscles"][0]["muscle"] == str(muscle("multifidus-lumbar").pk)
    assert sorted((p["moment"], p["score"]) for p in body["pain_scores"]) == [("post_session", 3), ("pre_session", 7)]
    assert body["adverse_events"][0]["kind"] == "bruising"
    assert body["warnings"] == [] and body["addenda"] == [] and body["signed_at"] is None
    session = TreatmentSession.objects.get(pk=body["id"])
    assert session.targeted_muscles.count() == 3 and session.pain_scores.count() == 2
    assert AuditEvent.objects.filter(action="create", object_id=body["id"], actor=physio).exists()


def test_muscle_may_be_given_by_slug(physio_client, patient):
    payload = session_payload(patient, targeted_muscles=[
        {"muscle": "piriformis", "side": "right", "twitch_response": "none", "outcome": "partial"}
    ])
    response = physio_client.post("/api/v1/sessions/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["targeted_muscles"][0]["muscle"] == str(muscle("piriformis").pk)


def test_third_targeted_muscle_invalid_saves_nothing_and_names_path(physio_client, patient):
    before = counts()
    payload = session_payload(patient)
    payload["targeted_muscles"][2]["muscle"] = str(uuid.uuid4())
    response = physio_client.post("/api/v1/sessions/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["status"] == 400
    assert list(error["fields"]) == ["targeted_muscles[2].muscle"]
    assert "Unknown muscle" in error["fields"]["targeted_muscles[2].muscle"][0]
    assert counts() == before


def test_third_targeted_muscle_bad_side_is_caught_before_the_service(physio_client, patient):
    before = counts()
    payload = session_payload(patient)
    payload["targeted_muscles"][2]["side"] = "up"
    response = physio_client.post("/api/v1/sessions/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["targeted_muscles[2].side"]
    assert counts() == before


def _with_target(index, **changes):
    def mutate(payload, world):
        payload["targeted_muscles"][index].update(changes)
    return mutate


def _set(**changes):
    def mutate(payload, world):
        payload.update({k: (v(world) if callable(v) else v) for k, v in changes.items()})
    return mutate


def _pain(**changes):
    def mutate(payload, world):
        payload["pain_scores"][0].update(changes)
    return mutate


BAD_INPUT = [
    ("pain-11", _pain(score=11), "pain_scores[0].score"),
    ("pain-minus-1", _pain(score=-1), "pain_scores[0].score"),
    ("pain-seven", _pain(score="seven"), "pain_scores[0].score"),
    ("pain-null", _pain(score=None), "pain_scores[0].score"),
    ("pain-float", _pain(score=6.5), "pain_scores[0].score"),
    ("side-null", _with_target(0, side=None), "targeted_muscles[0].side"),
    ("side-up", _with_target(1, side="up"), "targeted_muscles[1].side"),
    ("unknown-twitch", _with_target(0, twitch_response="huge"), "targeted_muscles[0].twitch_response"),
    ("duplicate-order", lambda p, w: [t.update(order=1) for t in p["targeted_muscles"][:2]],
     "targeted_muscles[1].order"),
    ("unknown-muscle", _with_target(0, muscle=str(uuid.uuid4())), "targeted_muscles[0].muscle"),
    ("muscle-null", _with_target(0, muscle=None), "targeted_muscles[0].muscle"),
    ("patient-null", _set(patient=None), "patient"),
    ("patient-not-uuid", _set(patient="not-a-uuid"), "patient"),
    ("patient-wrong-type", _set(patient=12), "patient"),
    ("patient-of-other-clinic", _set(patient=lambda w: str(w["other_patient"].pk)), "patient"),
    ("assessment-of-other-patient", _set(assessment=lambda w: str(w["foreign_assessment"].pk)), "assessment"),
    ("started-before-birth", _set(started_at="1970-01-01T09:00:00Z"), "started_at"),
    ("started-far-future", _set(started_at=lambda w: (timezone.now() + dt.timedelta(days=400)).isoformat()),
     "started_at"),
    ("started-not-a-date", _set(started_at="yesterday"), "started_at"),
    ("negative-needles", _set(needles_used=-1), "needles_used"),
    ("needles-string", _set(needles_removed="three"), "needles_removed"),
    ("unknown-field", _set(needle_used=3), "needle_used"),
    ("unknown-nested-field", _with_target(0, colour="red"), "targeted_muscles[0].colour"),
    ("targeted-not-a-list", _set(targeted_muscles={"muscle": "piriformis"}), "targeted_muscles"),
    ("targeted-item-not-object", _set(targeted_muscles=["piriformis"]), "targeted_muscles[0]"),
    ("baseline-in-session", _pain(moment="baseline"), "pain_scores[0].moment"),
    ("adverse-kind-unknown", lambda p, w: p["adverse_events"][0].update(kind="alien"), "adverse_events[0].kind"),
    ("segment-invalid", _with_target(0, segment="L9"), "targeted_muscles[0].segment"),
]


@pytest.mark.parametrize(("mutate", "path"), [pytest.param(m, p, id=i) for i, m, p in BAD_INPUT])
def test_bad_input_is_400_naming_the_field_and_saves_nothing(
    physio_client, physio, patient, other_patient, mutate, path
):
    other = PatientFactory(clinic=patient.clinic)
    refs = {"other_patient": other_patient, "foreign_assessment": record_assessment(physio, other)}
    payload = session_payload(patient)
    mutate(payload, refs)
    before = counts()
    response = physio_client.post("/api/v1/sessions/", payload, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid"
    assert path in error["fields"], error
    assert counts() == before


def test_needling_without_consent_is_409_and_saves_nothing(physio_client, patient_without_consent):
    before = counts()
    response = physio_client.post("/api/v1/sessions/", session_payload(patient_without_consent), format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "consent_required" and "consent" in error["message"]
    assert counts() == before


def test_session_for_archived_patient_is_409(physio_client, physio, patient):
    from records import services
    from tests.factories import make_user

    admin = make_user(clinic=patient.clinic, role="clinic_admin", username="archiver")
    services.patient_archive(actor=admin, patient=patient)
    before = counts()
    response = physio_client.post("/api/v1/sessions/", session_payload(patient), format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "rule_violation"
    assert counts() == before


# --- warnings ---------------------------------------------------------------------------


def test_lung_field_and_precaution_warnings(physio_client, patient):
    PrecautionFactory(patient=patient, code="anticoagulants", note="warfarin")
    payload = session_payload(patient, targeted_muscles=targeted(
        ("trapezius-upper", {"side": "left"}), ("pectoralis-major", {"side": "right"}), "gluteus-medius"
    ))
    response = physio_client.post("/api/v1/sessions/", payload, format="json")
    assert response.status_code == 201
    warnings = {w["code"]: w for w in response.json()["warnings"]}
    assert set(warnings) == {"lung_field", "lung_field_bilateral", "precaution_anticoagulants"}
    assert "Upper trapezius (left)" in warnings["lung_field"]["message"]
    assert "warfarin" in warnings["precaution_anticoagulants"]["message"]
    detail = physio_client.get(f"/api/v1/sessions/{response.json()['id']}/").json()
    assert {w["code"] for w in detail["warnings"]} == set(warnings)


def test_no_lung_warning_for_lumbar_muscles(physio_client, patient):
    response = physio_client.post("/api/v1/sessions/", session_payload(patient), format="json")
    assert response.json()["warnings"] == []


# --- updates, locking, concurrency ----------------------------------------------------------


def test_put_replaces_nested_lists_atomically(physio_client, make_session):
    session = make_session()
    put = {
        "started_at": session["started_at"],
        "targeted_muscles": targeted(("piriformis", {"side": "right"})),
        "needles_used": 1,
        "needles_removed": 1,
        "notes": "Replaced",
    }
    response = physio_client.put(f"/api/v1/sessions/{session['id']}/", put, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    body = response.json()
    assert [t["muscle_name"] for t in body["targeted_muscles"]] == ["Piriformis"]
    assert body["pain_scores"] == [] and body["adverse_events"] == []
    assert body["version"] == 2 and response["ETag"] == '"2"'
    assert TargetedMuscle.objects.filter(session_id=session["id"]).count() == 1


def test_put_with_invalid_nested_item_changes_nothing(physio_client, make_session):
    session = make_session()
    put = {"targeted_muscles": targeted("piriformis", ("gluteus-medius", {"outcome": "maybe"}))}
    response = physio_client.put(f"/api/v1/sessions/{session['id']}/", put, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["targeted_muscles[1].outcome"]
    stored = TreatmentSession.objects.get(pk=session["id"])
    assert stored.version == 1 and stored.targeted_muscles.count() == 3


def test_patch_changes_scalars_only(physio_client, make_session):
    session = make_session()
    response = physio_client.patch(
        f"/api/v1/sessions/{session['id']}/", {"notes": "Felt better"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    assert response.json()["notes"] == "Felt better" and len(response.json()["targeted_muscles"]) == 3
    refused = physio_client.patch(
        f"/api/v1/sessions/{session['id']}/", {"targeted_muscles": []}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert refused.status_code == 400 and "targeted_muscles" in refused.json()["error"]["fields"]
    assert TargetedMuscle.objects.filter(session_id=session["id"]).count() == 3


def test_stale_if_match_is_412_and_changes_nothing(physio_client, make_session):
    session = make_session()
    url = f"/api/v1/sessions/{session['id']}/"
    assert physio_client.patch(url, {"notes": "first"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    for method, body in (("patch", {"notes": "second"}), ("put", {"notes": "second"}), ("delete", None)):
        response = getattr(physio_client, method)(url, body, format="json", HTTP_IF_MATCH='"1"')
        assert response.status_code == 412, method
        assert response.json()["error"]["code"] == "stale_version"
    sign = physio_client.post(f"{url}sign/", HTTP_IF_MATCH='W/"1"')
    assert sign.status_code == 412
    garbage = physio_client.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH="nonsense")
    assert garbage.status_code == 412 and garbage.json()["error"]["code"] == "precondition_failed"
    stored = TreatmentSession.objects.get(pk=session["id"])
    assert (stored.notes, stored.version, stored.status) == ("first", 2, "draft")


def test_etag_of_detail_matches_version_and_if_match_star_is_not_enough(physio_client, make_session):
    session = make_session()
    url = f"/api/v1/sessions/{session['id']}/"
    assert physio_client.get(url)["ETag"] == '"1"'
    star = physio_client.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 428 and star.json()["error"]["code"] == "precondition_required"
    response = physio_client.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert physio_client.get(url)["ETag"] == '"2"'


@pytest.mark.parametrize("method", ["patch", "put", "delete", "sign"])
def test_writes_without_if_match_are_428_and_change_nothing(physio_client, make_session, method):
    session = make_session(notes="as written")
    url = f"/api/v1/sessions/{session['id']}/"
    if method == "sign":
        response = physio_client.post(f"{url}sign/")
    else:
        response = getattr(physio_client, method)(url, {"notes": "changed"}, format="json")
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"
    stored = TreatmentSession.objects.get(pk=session["id"])
    assert (stored.notes, stored.status, stored.version) == ("as written", "draft", 1)


def test_sign_then_every_change_is_409_locked(physio_client, make_session):
    session = make_session()
    url = f"/api/v1/sessions/{session['id']}/"
    signed = physio_client.post(f"{url}sign/", HTTP_IF_MATCH='"1"')
    assert signed.status_code == 200
    body = signed.json()
    assert body["status"] == "signed" and body["signed_by_name"] == "Pat Lee" and body["signed_at"]
    for method, payload in (("patch", {"notes": "late"}), ("put", {"notes": "late"}), ("delete", None)):
        response = getattr(physio_client, method)(url, payload, format="json", HTTP_IF_MATCH='"2"')
        assert response.status_code == 409, method
        assert response.json()["error"]["code"] == "record_locked"
    again = physio_client.post(f"{url}sign/", HTTP_IF_MATCH='"2"')
    assert again.status_code == 409 and again.json()["error"]["code"] == "record_locked"
    stored = TreatmentSession.objects.get(pk=session["id"])
    assert stored.notes == "" and stored.status == "signed"


def test_sign_with_sharps_mismatch_is_409_naming_the_rule(physio_client, make_session):
    session = make_session(needles_used=3, needles_removed=2)
    response = physio_client.post(f"/api/v1/sessions/{session['id']}/sign/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "sharps_count_mismatch" and "Sharps count mismatch" in error["message"]
    assert TreatmentSession.objects.get(pk=session["id"]).status == "draft"


def test_delete_draft(physio_client, make_session, physio):
    session = make_session()
    response = physio_client.delete(f"/api/v1/sessions/{session['id']}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 204
    assert not TreatmentSession.objects.filter(pk=session["id"]).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=session["id"], actor=physio).exists()


def test_addenda_only_on_signed_and_shown_with_the_note(physio_client, make_session):
    session = make_session()
    url = f"/api/v1/sessions/{session['id']}/"
    draft = physio_client.post(f"{url}addenda/", {"text": "too early"}, format="json")
    assert draft.status_code == 409 and draft.json()["error"]["code"] == "record_locked"
    physio_client.post(f"{url}sign/", HTTP_IF_MATCH='"1"')
    blank = physio_client.post(f"{url}addenda/", {"text": "  "}, format="json")
    assert blank.status_code == 400 and "text" in blank.json()["error"]["fields"]
    created = physio_client.post(f"{url}addenda/", {"text": "Bruise reported on day 2."}, format="json")
    assert created.status_code == 201
    assert created.json()["author_name"] == "Pat Lee" and created.json()["session"] == session["id"]
    detail = physio_client.get(url).json()
    assert [a["text"] for a in detail["addenda"]] == ["Bruise reported on day 2."]


def test_verify_intact_then_altered(physio_client, make_session, monkeypatch):
    session = make_session()
    url = f"/api/v1/sessions/{session['id']}/verify/"
    draft = physio_client.get(url)
    assert draft.status_code == 409 and draft.json()["error"]["code"] == "not_signed"
    physio_client.post(f"/api/v1/sessions/{session['id']}/sign/", HTTP_IF_MATCH='"1"')
    response = physio_client.get(url)
    assert response.status_code == 200 and response.json()["status"] == "intact"
    assert response.json()["id"] == session["id"]
    # Content that no longer matches the stored digest (the database itself refuses raw
    # changes to signed rows, so the recomputation is what is altered here).
    monkeypatch.setattr("records.integrity.session_canonical", lambda session, fresh=True: {"altered": True})
    assert physio_client.get(url).json()["status"] == "altered"


def test_detail_read_is_logged_as_a_view(physio_client, make_session, physio, patient):
    session = make_session()
    physio_client.get(f"/api/v1/sessions/{session['id']}/")
    event = AuditEvent.objects.get(action="view", object_type="treatmentsession")
    assert event.actor == physio and event.patient == patient and event.object_id == session["id"]
    physio_client.get("/api/v1/sessions/")
    # The list is logged too (DESIGN §11): one event naming the patients it returned.
    listed = AuditEvent.objects.get(action="view", object_type="treatmentsession_list")
    assert listed.patients == [str(patient.pk)] and listed.actor == physio


# --- lists and filters ----------------------------------------------------------------------


def test_filters(physio_client, physio, physio2, patient, clinic):
    other = PatientFactory(clinic=clinic)
    from tests.factories import ConsentFactory

    ConsentFactory(patient=other, recorded_by=physio)
    now = timezone.now()
    old = record_session(physio, patient, started_at=now - dt.timedelta(days=20), slugs=("piriformis",), sign=True)
    recent = record_session(physio, patient, started_at=now - dt.timedelta(days=2), slugs=("gluteus-medius",))
    theirs = record_session(physio2, other, started_at=now - dt.timedelta(days=1), slugs=("trapezius-upper",))

    def ids(query):
        response = physio_client.get(f"/api/v1/sessions/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [str(theirs.pk), str(recent.pk), str(old.pk)]
    assert ids(f"patient={patient.pk}") == [str(recent.pk), str(old.pk)]
    assert ids(f"practitioner={physio2.pk}") == [str(theirs.pk)]
    assert ids("status=signed") == [str(old.pk)]
    after = (now - dt.timedelta(days=5)).isoformat().replace("+00:00", "Z")
    assert ids(f"started_after={after}") == [str(theirs.pk), str(recent.pk)]
    assert ids(f"started_before={after}") == [str(old.pk)]
    assert ids(f"muscle={muscle('piriformis').pk}") == [str(old.pk)]
    assert ids(f"muscle={muscle('piriformis').pk}&twitch_response=none") == []
    assert ids("twitch_response=local_twitch") == [str(theirs.pk), str(recent.pk), str(old.pk)]
    bad = physio_client.get("/api/v1/sessions/?status=maybe")
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
    since = physio_client.get("/api/v1/sessions/?updated_since=2999-01-01T00:00:00Z").json()["results"]
    assert since == []


def test_cursor_pagination(physio_client, physio, patient):
    for day in range(5):
        record_session(physio, patient, started_at=timezone.now() - dt.timedelta(days=day + 1))
    first = physio_client.get("/api/v1/sessions/?page_size=2").json()
    assert len(first["results"]) == 2 and first["previous"] is None and first["next"]
    second = physio_client.get(first["next"]).json()
    third = physio_client.get(second["next"]).json()
    numbers = [row["number"] for page in (first, second, third) for row in page["results"]]
    assert numbers == [1, 2, 3, 4, 5] and third["next"] is None
    capped = physio_client.get("/api/v1/sessions/?page_size=100000")
    assert capped.status_code == 200 and len(capped.json()["results"]) == 5
    for bad in ("abc", "0", "-3", "2.5"):
        response = physio_client.get(f"/api/v1/sessions/?page_size={bad}")
        assert response.status_code == 400 and "page_size" in response.json()["error"]["fields"], bad


# --- query counts -----------------------------------------------------------------------------

# Token lookup (user, membership and clinic joined) 1, the page's ids 1, then
# records.representations.sessions: sessions with names and the patients' precautions 1,
# and what they list (targeted muscles, pain scores, adverse events, addenda) 1. (The
# snapshot's transaction joins the test's, so it adds no BEGIN/COMMIT here.)
SESSIONS_LIST_QUERIES = 5  # + the access log's INSERT naming the page's patients
# Token 1, the session representation 2 (no page query), the audit row of the read 1.
SESSION_DETAIL_QUERIES = 4


@pytest.mark.parametrize("n", [1, 50])
def test_sessions_list_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n):
    for index in range(n):
        record_session(physio, patient, started_at=timezone.now() - dt.timedelta(hours=index + 1),
                       slugs=("gluteus-medius", "trapezius-upper"), sign=index % 2 == 0,
                       pain_scores=[{"moment": "pre_session", "score": 5}])
    with django_assert_num_queries(SESSIONS_LIST_QUERIES):
        response = physio_client.get("/api/v1/sessions/?page_size=200")
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n_muscles", [1, 30])
def test_session_detail_query_count_is_flat(physio_client, physio, patient, django_assert_num_queries, n_muscles):
    slugs = [m.slug for m in muscle("piriformis").__class__.objects.order_by("name")[:n_muscles]]
    session = record_session(physio, patient, slugs=slugs, sign=True)
    from records import services

    services.addendum_create(actor=physio, record=session, text="Note")
    with django_assert_num_queries(SESSION_DETAIL_QUERIES):
        response = physio_client.get(f"/api/v1/sessions/{session.pk}/")
    assert len(response.json()["targeted_muscles"]) == n_muscles


def test_post_session_as_other_physio_via_token(physio2, patient):
    response = token_client(physio2).post("/api/v1/sessions/", session_payload(patient), format="json")
    assert response.status_code == 201 and response.json()["number"] == 1


@pytest.mark.parametrize(
    "when", ["0879-03-20T16:13:32.872-16:29", "2026-01-01T00:00:00+14:00", "0001-01-01T00:00:00+01:00"]
)
def test_filter_times_with_any_offset_are_normalised_not_500(physio_client, physio, patient, when):
    """Regression: PostgreSQL refused a -16:29 offset passed straight through (500)."""
    record_session(physio, patient)
    response = physio_client.get(f"/api/v1/sessions/?started_before={when.replace('+', '%2B')}")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert response.json()["results"] == []
