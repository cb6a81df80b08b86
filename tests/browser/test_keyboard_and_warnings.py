"""The logging page from the keyboard alone, with the lung-field warning shown before saving."""

import re

import pytest

from records.choices import Role
from records.models import TreatmentSession
from tests.factories import ClinicFactory, ConsentFactory, PatientFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_only_logging_shows_warnings_before_saving(page, live_server, artifacts, muscle_catalogue):
    clinic = ClinicFactory(slug="kbd")
    physio = make_user(clinic=clinic, role=Role.PHYSIOTHERAPIST, username="kbd_physio")
    patient = PatientFactory(clinic=clinic, given_name="Kim", family_name="Keys")
    ConsentFactory(patient=patient, recorded_by=physio)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("kbd_physio")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/patients/$"))
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    assert page.locator("#warnings").inner_text().strip() == "No warnings for these muscles."

    page.get_by_label("Add a muscle").focus()
    page.keyboard.type("Upper trapezius")
    page.keyboard.press("Enter")  # adds the row (filling the blank one) and moves to its side buttons
    assert page.evaluate("document.activeElement.name") == "tm-0-side"
    page.keyboard.press("Space")  # Left
    page.keyboard.press("Tab")  # twitch response group
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # none → grasp → local → strong contraction
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # released
    row = page.locator("#tm-rows > li").first
    assert row.locator("input[name='tm-0-side']:checked").get_attribute("value") == "left"
    assert row.locator("input[name='tm-0-twitch_response']:checked").get_attribute("value") == "strong_contraction"
    assert row.locator("input[name='tm-0-outcome']:checked").get_attribute("value") == "released"

    # htmx asked the server for the warnings of what is on the form, before anything is saved.
    warning = page.locator("#warnings .warning-lung_field")
    warning.wait_for()
    assert "Upper trapezius (left)" in warning.inner_text()
    page.screenshot(path=str(artifacts / "session-logging-lung-warning.png"))

    row.get_by_role("button", name="Remove this muscle").focus()
    page.keyboard.press("Enter")
    page.locator("#warnings .warning-lung_field").wait_for(state="detached")
    assert TreatmentSession.objects.count() == 0
    assert page.js_errors == []
