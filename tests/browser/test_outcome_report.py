"""The outcome report page in real Chromium at tablet and phone sizes, on the demo clinic."""

import datetime as dt

import pytest
from django.core.management import call_command

from .test_session_logging import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (390, 844)])
def test_report_page_draws_the_responders_curve(browser, live_server, artifacts, muscle_catalogue, width, height):
    call_command("seed_demo", password=PASSWORD, verbosity=0)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, live_server, "demo_admin")
    today = dt.date.today()  # noqa: DTZ011  (the demo is built around the local today)
    page.goto(f"{live_server.url}/reports/outcomes/?from={today - dt.timedelta(days=120)}&to={today}")
    page.get_by_role("heading", name="Clinic outcome report").wait_for()
    page.wait_for_function("document.getElementById('responders-chart').width > 0")
    assert page.locator("text=Lasting relief: courses where").count() == 1
    page.screenshot(path=str(artifacts / f"outcome-report-{width}x{height}.png"), full_page=True)
    assert errors == []
    context.close()
