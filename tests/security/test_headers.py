"""Deploy hardening: security headers with a strict Content Security Policy that every page
keeps to (no inline script or style), the API docs still served, and production settings
that pass ``check --deploy`` with HSTS and secure cookies."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from tests.security.conftest import record_session

ROOT = Path(__file__).resolve().parents[2]
# Executable inline script; json_script data blocks are data, which a CSP leaves alone.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle=\"", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+=\"", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def assert_strict_policy(response):
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.fixture
def chart_pages(physio, patient, yesterday):
    session = record_session(physio, patient, yesterday, sign=True)
    return [
        "/accounts/login/",
        "/patients/",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/sessions/new/",
        f"/sessions/{session.pk}/",
    ]


def test_pages_send_a_strict_csp_and_keep_to_it(physio, chart_pages):
    client = Client()
    client.force_login(physio)
    for url in chart_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response)
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), f"inline <script> on {url}"
        assert not INLINE_STYLE.search(html), f"inline style on {url}"
        assert not EVENT_HANDLER.search(html), f"inline event handler on {url}"


def test_admin_keeps_to_the_csp(django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "a-long-admin-password-1")
    client = Client()
    for url in ("/admin/login/",):
        response = client.get(url)
        assert response.status_code == 200
        assert_strict_policy(response)
        assert not INLINE_SCRIPT.search(response.content.decode())
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_api_responses_carry_the_security_headers(physio):
    client = Client()
    client.force_login(physio)
    response = client.get("/api/v1/patients/")
    assert response.status_code == 200
    assert_strict_policy(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_is_sent_over_tls(db):
    response = Client().get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_api_docs_work_under_the_csp(db):
    client = Client()
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]  # only styles are relaxed, for Swagger UI
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    sources = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert len(sources) >= 4
    for src in sources:
        if src.startswith(settings.STATIC_URL) or src.startswith("/" + settings.STATIC_URL):
            assert finders.find(src.split("/static/", 1)[1]), src  # served offline, from this origin
        else:
            script = client.get(src)
            assert script.status_code == 200
            assert script["Content-Type"].startswith("application/javascript")
            assert "SwaggerUIBundle" in script.content.decode()


def test_other_pages_keep_the_strict_style_policy(physio):
    client = Client()
    client.force_login(physio)
    assert policy(client.get("/patients/"))["style-src"] == ["'self'"]


def production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="records.example.org",
    )
    return env


def test_production_settings_pass_check_deploy(tmp_path):
    # On SQLite: this is about the settings; the check that the app's database role is not
    # a superuser or the tables' owner (it is, in the test run on PostgreSQL) has its own
    # tests (tests/security/test_app_role.py).
    env = production_env() | {"DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}"}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_are_hardened():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ('DEBUG', 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_AGE', "
        "'SECURE_PROXY_SSL_HEADER')}))"
    )
    env = production_env() | {"DJANGO_SESSION_IDLE_SECONDS": "600"}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_AGE"] == 600  # the idle timeout is configurable
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
