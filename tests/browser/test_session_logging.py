"""Issue 4's walk-through in real Chromium: log and sign a session, read it back from the chart."""

import re

import pytest
from django.core.management import call_command

from records.choices import RecordStatus
from records.models import Patient, TreatmentSession
from records.selectors import current_consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-pass-2026"
ORDER = ["Piriformis", "Lumbar multifidus", "Gluteus medius"]


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/patients/$"))


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/"))


def add_muscle(page, name, *, side, twitch, outcome):
    page.get_by_label("Add a muscle").fill(name)
    page.get_by_label("Add a muscle").press("Enter")
    row = page.locator("#tm-rows > li").last
    assert row.locator("input.muscle-input").input_value() == name
    row.locator(".side label.seg", has_text=side).click()
    row.locator(".twitch-choice label.seg", has_text=twitch).click()
    row.locator(".outcome-choice label.seg", has_text=re.compile(f"^{outcome}$")).click()


def pain(page, which, score):
    group = page.locator("fieldset.pain", has=page.locator("legend", has_text=which))
    group.locator("label.seg", has_text=re.compile(rf"^{score}$")).click()


def test_log_sign_and_read_back_a_session(page, live_server, artifacts, muscle_catalogue):
    call_command("seed_demo", password=PASSWORD)
    patient = next(
        p for p in Patient.objects.filter(clinic__slug="demo", archived_at__isnull=True).order_by("family_name")
        if current_consent(p) is not None
    )
    before = TreatmentSession.objects.filter(patient=patient).count()

    log_in(page, live_server, "demo_physio")
    page.get_by_label("Search by name or chart number").fill(patient.chart_number)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=f"{patient.family_name}, {patient.given_name}").click()
    page.wait_for_url(re.compile(rf"/patients/{patient.pk}/$"))
    page.get_by_role("link", name="Log session").click()
    page.wait_for_url(re.compile(r"/sessions/new/$"))

    # The blank row is filled first, then rows are added: Piriformis, Gluteus medius, Lumbar multifidus.
    add_muscle(page, "Piriformis", side="Left", twitch="Strong contraction", outcome="Released")
    add_muscle(page, "Gluteus medius", side="Left", twitch="Local twitch", outcome="Partial")
    add_muscle(page, "Lumbar multifidus", side="Left", twitch="Needle grasp", outcome="Released")
    # Reorder: multifidus is released second.
    page.locator("#tm-rows > li").nth(2).get_by_role("button", name="Move up (release earlier)").click()
    names = [page.locator("#tm-rows > li").nth(i).locator("input.muscle-input").input_value() for i in range(3)]
    assert names == ORDER
    assert page.locator("#tm-rows .row-no").all_inner_texts() == ["1", "2", "3"]

    pain(page, "Pain before", 7)
    pain(page, "Pain after", 3)
    page.get_by_label("Needles used").fill("3")
    page.get_by_label("Needles removed and disposed").fill("3")
    page.get_by_label("Needles removed and disposed").press("Tab")
    page.wait_for_selector("#warnings .meta, #warnings .warning")
    page.screenshot(path=str(artifacts / "session-logging.png"), full_page=True)

    page.get_by_role("button", name="Sign and lock").click()
    try:
        page.wait_for_url(re.compile(rf"/patients/{patient.pk}/$"))
    except Exception as exc:  # say why the form did not go through
        page.screenshot(path=str(artifacts / "session-logging-refused.png"), full_page=True)
        errors = page.locator(".error, .refusal").all_inner_texts()
        raise AssertionError(f"not signed; at {page.url}; errors: {errors}") from exc
    assert "signed and locked" in page.locator(".messages").inner_text()

    session = TreatmentSession.objects.filter(patient=patient).order_by("-number").first()
    assert TreatmentSession.objects.filter(patient=patient).count() == before + 1
    assert session.status == RecordStatus.SIGNED
    released = session.targeted_muscles.order_by("order")
    assert [(t.order, t.muscle.name, t.side, t.twitch_response) for t in released] == [
        (1, "Piriformis", "left", "strong_contraction"),
        (2, "Lumbar multifidus", "left", "needle_grasp"),
        (3, "Gluteus medius", "left", "local_twitch"),
    ]
    assert sorted(session.pain_scores.values_list("moment", "score")) == [("post_session", 3), ("pre_session", 7)]

    # The grid's last column holds this session's order; the body map shows it in release order.
    grid = page.locator("#release-grid")
    assert grid.locator("thead th").last.inner_text().startswith(f"#{session.number}")
    for position, name in enumerate(ORDER, start=1):
        row = grid.locator("tbody tr", has=page.locator("th", has_text=re.compile(rf"{name} left")))
        assert row.locator("td").last.locator(".order-no").inner_text() == str(position)
    assert grid.locator("tbody tr", has=page.locator("th", has_text="Piriformis left")).locator(
        "td").last.locator(".twitch.g3").count() == 1
    assert [t.split(" ")[0:2] for t in page.locator("#bodymap-list li").all_inner_texts()] == [
        ["Piriformis", "left"], ["Lumbar", "multifidus"], ["Gluteus", "medius"]]
    assert sorted(page.locator("#bodymap .marker").evaluate_all("els => els.map(e => e.dataset.order)")) == [
        "1", "2", "3"]
    page.wait_for_function("document.querySelector('#pain-chart').width > 0")
    page.screenshot(path=str(artifacts / "patient-chart.png"), full_page=True)
    assert page.js_errors == []

    # Another physiotherapist of the clinic can read and amend it, never edit it.
    log_out(page)
    log_in(page, live_server, "demo_physio2")
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    assert page.get_by_role("link", name="Edit draft").count() == 0
    assert page.get_by_role("button", name="Add addendum").count() == 1
    page.goto(f"{live_server.url}/sessions/{session.pk}/edit/")
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/$"))
    assert "signed and locked" in page.locator(".messages").inner_text()
    session.refresh_from_db()
    assert session.status == RecordStatus.SIGNED and session.signed_by.username == "demo_physio"
