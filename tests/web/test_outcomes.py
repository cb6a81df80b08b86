"""The outcome report page: figures with definitions, the responders curve's data, roles."""

import json
import re

from django.test import Client

from tests.records.test_outcome_report import hand_built  # noqa: F401  (fixture)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_report_page_shows_figures_definitions_and_curve(clinic_admin, hand_built):  # noqa: F811
    response = client_for(clinic_admin).get("/reports/outcomes/", {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "Lasting relief: courses where a later pre_session or follow_up NPRS" in html
    assert "<th scope=\"row\">Treatments</th><td>8</td>" in html
    assert "2 (67 %)" in html  # MCID reached: 2 of 3 courses
    assert "4 of 7 (57 %)" in html  # immediate relief
    found = re.search(r'<script id="responders-data" type="application/json">(.*?)</script>', html)
    curve = json.loads(found.group(1))
    assert curve["labels"] == list(range(1, 11)) and curve["rates"][:3] == [33.3, 33.3, 66.7]
    assert "web/outcomes-chart.js" in html and "<script>" not in html


def test_report_page_for_one_practitioner(physio, physio2, hand_built):  # noqa: F811
    query = {"from": "2026-03-01", "to": "2026-03-31", "practitioner": physio2.pk}
    html = client_for(physio).get("/reports/outcomes/", query).content.decode()
    assert "<th scope=\"row\">Treatments</th><td>2</td>" in html


def test_readers_may_not_open_it(reader, client):
    assert client_for(reader).get("/reports/outcomes/").status_code == 403
    assert client.get("/reports/outcomes/").status_code == 302


def test_bad_dates_fall_back_with_a_message(clinic_admin):
    html = client_for(clinic_admin).get("/reports/outcomes/", {"from": "March"}).content.decode()
    assert "Dates are written YYYY-MM-DD." in html
