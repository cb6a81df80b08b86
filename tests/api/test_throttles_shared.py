"""Throttles that hold: counted in a shared cache (the database by default, Redis with
REDIS_URL; tested with TEST_REDIS_URL), by a client address X-Forwarded-For cannot forge,
per address and per account."""

import os
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from api.throttles import TokenObtainThrottle, TokenObtainUsernameThrottle

GUESS = "not-the-password"


def obtain(client, username="physio", password=GUESS, **headers):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json", **headers)


@pytest.fixture(autouse=True)
def _no_lockout(settings):
    settings.AXES_ENABLED = False  # the throttles alone are under test here


def test_a_random_x_forwarded_for_does_not_reset_the_address_limit(physio):
    client = APIClient()
    statuses = [
        obtain(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.{n}").status_code for n in range(6)
    ]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_behind_one_trusted_proxy_the_rightmost_address_is_the_client(physio, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # The forged leftmost part changes; what the proxy saw (rightmost) stays the same.
    statuses = [
        obtain(APIClient(), HTTP_X_FORWARDED_FOR=f"10.9.{n}.1, 192.0.2.7").status_code for n in range(6)
    ]
    assert statuses[5] == 429
    # Another client behind the same proxy has its own allowance.
    assert obtain(APIClient(), HTTP_X_FORWARDED_FOR="192.0.2.8").status_code == 401


def test_per_account_limit_on_top_of_per_address(physio):
    for n in range(10):
        assert obtain(APIClient(REMOTE_ADDR=f"10.1.0.{n}")).status_code == 401
    response = obtain(APIClient(REMOTE_ADDR="10.1.1.1"))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_counters_live_in_the_shared_cache_not_the_process(physio):
    assert TokenObtainThrottle.cache is caches["shared"] and TokenObtainUsernameThrottle.cache is caches["shared"]
    obtain(APIClient(REMOTE_ADDR="10.2.0.1"))
    key = TokenObtainThrottle.cache_format % {"scope": "auth_token", "ident": "10.2.0.1"}
    assert len(caches["shared"].get(key)) == 1  # another worker reading the same store sees it
    assert caches["default"].get(key) is None


@pytest.fixture
def redis_cache():
    # TEST_REDIS_URL, not REDIS_URL: that one would put the whole suite's caches and tasks on Redis.
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run this against Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379/1")
        pytest.skip("TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/1)")
    cache = RedisCache(url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.clear()


def test_throttle_counts_in_redis(physio, redis_cache, monkeypatch):
    monkeypatch.setattr(TokenObtainThrottle, "cache", redis_cache)
    monkeypatch.setattr(TokenObtainUsernameThrottle, "cache", redis_cache)
    statuses = [obtain(APIClient(REMOTE_ADDR="10.3.0.1")).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    key = TokenObtainThrottle.cache_format % {"scope": "auth_token", "ident": "10.3.0.1"}
    assert len(redis_cache.get(key)) == 5
