"""The webhooks pages in real Chromium, on a tablet (1024×768) and a phone (390×844): add an
endpoint, see the secret once, the delivery log, and the banner for a disabled endpoint."""

import re

import pytest

from events.models import OutboxEvent, WebhookDelivery, WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (390, 844)])
def test_webhooks_pages(browser, live_server, clinic_admin, clinic, patient, settings, artifacts, width, height):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("clinicadmin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/patients/$"))
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Receiver URL (https)").fill("http://127.0.0.1:8167/ims")
    page.get_by_label("Description").fill("Billing system")
    page.get_by_label("session.signed").check()
    page.get_by_label("patient.created").check()
    page.get_by_role("button", name="Add endpoint").click()
    endpoint = WebhookEndpoint.objects.get()
    assert page.locator("code.secret").inner_text() == endpoint.secret
    page.screenshot(path=str(artifacts / f"webhooks-{width}x{height}.png"), full_page=True)

    event = OutboxEvent.objects.create(clinic=clinic, type="patient.created", change="created",
                                       object_type="patient", object_id=patient.pk, patient_id=patient.pk)
    WebhookDelivery.objects.create(clinic=clinic, endpoint=endpoint, event=event, status="pending", attempts=3,
                                   last_status_code=500, last_duration_ms=120, last_error="HTTP 500",
                                   response_excerpt="Internal Server Error")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason="Failing for 24 hours; deliveries stopped.")
    page.goto(f"{live_server.url}/webhooks/{endpoint.pk}/")
    page.locator("#webhook-banner").wait_for()
    assert "disabled after failing" in page.locator("#webhook-banner").inner_text()
    assert page.get_by_role("button", name="Enable again").is_visible()
    page.screenshot(path=str(artifacts / f"webhook-detail-{width}x{height}.png"), full_page=True)
    assert errors == []
    context.close()
