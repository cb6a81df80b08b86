"""API test fixtures: clients authenticated by real tokens, a clean throttle cache, payloads."""

import datetime as dt

import pytest
from django.core.cache import cache, caches
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import token_issue
from tests.factories import muscle


@pytest.fixture(autouse=True)
def _clear_throttle_cache(request):
    """Throttle counters live in the caches: no test may inherit another's. The shared one
    is a database table (cleared for tests that use the database; it rolls back anyway)."""
    uses_db = bool({"db", "transactional_db"} & set(request.fixturenames)) or request.node.get_closest_marker(
        "django_db"
    )
    shared = [caches["shared"]] if uses_db else []
    if uses_db:
        request.getfixturevalue("db" if "transactional_db" not in request.fixturenames else "transactional_db")
    for store in [cache, *shared]:
        store.clear()
    yield
    for store in [cache, *shared]:
        store.clear()


def token_client(user) -> APIClient:
    """A client that authenticates like an external tool: ``Authorization: Token …``."""
    raw, token = token_issue(actor=user, user=user)
    # Marked as just used so the once-a-minute last_used_at write does not blur query counts.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    client.raw_token = raw
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def physio_client(physio):
    return token_client(physio)


@pytest.fixture
def physio2_client(physio2):
    return token_client(physio2)


@pytest.fixture
def admin_client(clinic_admin):
    return token_client(clinic_admin)


@pytest.fixture
def reader_client(reader):
    return token_client(reader)


@pytest.fixture
def other_client(other_physio):
    return token_client(other_physio)


def targeted(*slugs_and_overrides):
    """Targeted-muscle payloads by catalogue slug (sent as muscle ids)."""
    items = []
    for entry in slugs_and_overrides:
        slug, overrides = (entry, {}) if isinstance(entry, str) else entry
        items.append(
            {
                "muscle": str(muscle(slug).pk),
                "side": "left",
                "twitch_response": "local_twitch",
                "outcome": "released",
                **overrides,
            }
        )
    return items


def session_payload(patient, **overrides):
    """A valid session: three muscles, pain before and after, sharps accounted for."""
    payload = {
        "patient": str(patient.pk),
        "started_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
        "targeted_muscles": targeted(
            ("multifidus-lumbar", {"segment": "L5", "twitch_response": "strong_contraction"}),
            "gluteus-medius",
            ("piriformis", {"twitch_response": "none", "outcome": "not_released"}),
        ),
        "pain_scores": [{"moment": "pre_session", "score": 7}, {"moment": "post_session", "score": 3}],
        "adverse_events": [{"kind": "bruising", "severity": "mild"}],
        "needles_used": 3,
        "needles_removed": 3,
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def make_session(physio_client, patient):
    """Log a session through the API and return its JSON."""

    def make(client=None, target_patient=None, **overrides):
        response = (client or physio_client).post(
            "/api/v1/sessions/", session_payload(target_patient or patient, **overrides), format="json"
        )
        assert response.status_code == 201, response.json()
        return response.json()

    return make


def record_session(physio, patient, *, sign=False, started_at=None, slugs=("gluteus-medius",), **kwargs):
    """A session written straight through the service (test setup, not under test here)."""
    from records import services
    from tests.factories import muscle as catalogue_muscle

    kwargs.setdefault("needles_used", len(slugs))
    kwargs.setdefault("needles_removed", len(slugs))
    if sign:  # a signed lung-field session needs the precautions confirmed (DESIGN §10)
        kwargs.setdefault("lung_field_precautions_confirmed", True)
    session = services.session_record(
        actor=physio,
        patient=patient,
        started_at=started_at or timezone.now() - dt.timedelta(days=1),
        targeted_muscles=[
            {"muscle": catalogue_muscle(slug), "side": "left", "twitch_response": "local_twitch", "outcome": "released"}
            for slug in slugs
        ],
        **kwargs,
    )
    if sign:
        session = services.session_sign(actor=physio, session=session)
    return session


def record_assessment(physio, patient, *, sign=False, plan=("gluteus-medius", "piriformis")):
    from records import services
    from tests.factories import muscle as catalogue_muscle

    assessment = services.assessment_create(
        actor=physio,
        patient=patient,
        assessed_at=timezone.now() - dt.timedelta(days=10),
        chief_complaint="Low back pain radiating to the left buttock",
        affected_segments=["L5"],
        findings=[{"muscle": catalogue_muscle(plan[0]), "side": "left", "taut_band": True, "tenderness": 2}],
        plan=[{"muscle": catalogue_muscle(slug), "side": "left"} for slug in plan],
    )
    if sign:
        assessment = services.assessment_sign(actor=physio, assessment=assessment)
    return assessment


class World:
    """One clinic's records in every state the endpoints act on."""

    def __init__(self, physio, patient, patient_without_consent):
        from records import services

        self.patient = patient
        self.patient_without_consent = patient_without_consent
        self.draft_session = record_session(physio, patient)
        self.signed_session = record_session(physio, patient, sign=True)
        self.draft_assessment = record_assessment(physio, patient)
        self.signed_assessment = record_assessment(physio, patient, sign=True)
        self.pain_score = services.pain_score_record(actor=physio, patient=patient, moment="baseline", score=6)


@pytest.fixture
def world(physio, patient, patient_without_consent):
    return World(physio, patient, patient_without_consent)
