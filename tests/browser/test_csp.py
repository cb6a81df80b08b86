"""(Issue 6, security.) The Content Security Policy in real Chromium: the pages, the admin and the API docs work
under it, and the browser reports no violation on any of them."""

import re

import pytest

from records.models import sync_muscle_catalogue
from tests.security.conftest import record_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def violations(browser_page):
    return [text for text in browser_page.js_errors if "Content Security Policy" in text or "Refused to" in text]


def test_pages_admin_and_api_docs_run_under_the_csp(page, live_server, physio, patient, django_user_model):
    sync_muscle_catalogue()
    from django.utils import timezone

    session = record_session(physio, patient, timezone.now(), sign=True)
    django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("physio")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/patients/$"))
    for path in (f"/patients/{patient.pk}/", f"/sessions/{session.pk}/", f"/patients/{patient.pk}/sessions/new/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Needles used").fill("2")
    page.get_by_label("Needles used").press("Tab")  # htmx asks the server for warnings
    page.wait_for_timeout(500)
    assert violations(page) == []

    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .information-container", timeout=15000)
    assert page.locator(".opblock").count() > 10  # every operation rendered from the schema

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/records/treatmentsession/{session.pk}/change/")
    assert page.locator("#content").count() == 1
    assert violations(page) == [], violations(page)
    # Script errors would show a page broken by the policy (a missing favicon is not one).
    errors = [text for text in page.js_errors if not text.startswith("Failed to load resource")]
    assert errors == [], errors
