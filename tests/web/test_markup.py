"""Markup rules of every page: ready for a strict Content Security Policy, every control labelled."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from records import services
from tests.web.conftest import add_sessions


class Controls(HTMLParser):
    """Collects form controls and what labels them."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.depth_in_label = [], set(), 0
        self.scripts, self.inline_handlers, self.styles = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.styles.append(tag)
        self.inline_handlers += [name for name in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "label":
            self.depth_in_label += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append((attrs, self.depth_in_label > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.depth_in_label -= 1


def pages(patient, session, assessment):
    return [
        reverse("web:patient_list"), reverse("web:patient_create"),
        reverse("web:patient_chart", args=[patient.pk]), reverse("web:patient_details", args=[patient.pk]),
        reverse("web:session_new", args=[patient.pk]) + "?start=plan",
        reverse("web:session_detail", args=[session.pk]),
        reverse("web:assessment_new", args=[patient.pk]), reverse("web:assessment_edit", args=[assessment.pk]),
        "/accounts/login/",
    ]


@pytest.fixture
def history(physio, patient, course):
    session = add_sessions(physio, patient, 2, assessment=course)[-1]
    services.addendum_create(actor=physio, record=session, text="Checked.")
    return session


def test_no_inline_script_handler_or_style_and_every_control_labelled(client, physio, patient, course, history):
    client.force_login(physio)
    for url in pages(patient, history, course):
        if url.startswith("/accounts/"):
            client.logout()
        response = client.get(url)
        assert response.status_code == 200, url
        parser = Controls()
        parser.feed(response.content.decode())
        assert parser.styles == [], url
        assert parser.inline_handlers == [], url
        for script in parser.scripts:
            assert script.get("src") or script.get("type") == "application/json", (url, script)
            assert not (script.get("src") or "").startswith(("http:", "https:", "//")), url  # nothing from a CDN
        for attrs, wrapped in parser.controls:
            labelled = wrapped or attrs.get("id") in parser.label_for or attrs.get("aria-label")
            assert labelled, (url, attrs)


def test_static_assets_are_vendored():
    from django.contrib.staticfiles import finders

    for path in ("vendor/chartjs/chart.umd.min.js", "vendor/chartjs/LICENSE.md", "vendor/htmx/htmx.min.js",
                 "vendor/htmx/LICENSE", "web/app.js", "web/app.css", "web/pain-chart.js"):
        assert finders.find(path), path
    with open(finders.find("vendor/chartjs/chart.umd.min.js"), encoding="utf-8") as handle:
        assert re.search(r"Chart\.js v4\.", handle.read(300))
