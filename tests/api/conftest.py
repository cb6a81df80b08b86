"""API test fixtures: clients authenticated by real tokens, a clean throttle cache, payloads."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import token_issue
from tests.factories import muscle


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    """Throttle counters live in the cache: no test may inherit another's."""
    cache.clear()
    yield
    cache.clear()


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
