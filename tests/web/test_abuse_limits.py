"""Cheap abuse: a forged formset size or a flood of fields is refused before any per-form work."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from web import forms


@pytest.fixture
def logged_in(client, physio):
    client.force_login(physio)
    return client


def _count_forms(monkeypatch, form_class) -> list:
    built = []
    original = form_class.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(form_class, "__init__", counting)
    return built


@pytest.mark.parametrize("total", ["100000", "61", "9" * 40, "-1"])
def test_a_forged_session_formset_size_is_refused_before_any_form(logged_in, patient, monkeypatch, total):
    built = _count_forms(monkeypatch, forms.TargetedForm)
    url = reverse("web:session_new", args=[patient.pk])
    with CaptureQueriesContext(connection) as queries:
        response = logged_in.post(url, {"tm-TOTAL_FORMS": total, "tm-INITIAL_FORMS": "0",
                                        "ae-TOTAL_FORMS": "0", "ae-INITIAL_FORMS": "0"})
    assert response.status_code == 400
    assert built == []
    # Session, user, membership, the patient and its precautions, the session save: a fixed
    # few, nothing per form and nothing of the page itself.
    assert len(queries) <= 8
    assert not any("records_assessment" in q["sql"] for q in queries.captured_queries)


def test_a_forged_assessment_formset_size_is_refused(logged_in, patient, monkeypatch):
    built = _count_forms(monkeypatch, forms.PlanForm)
    response = logged_in.post(reverse("web:assessment_new", args=[patient.pk]),
                              {"fd-TOTAL_FORMS": "0", "pl-TOTAL_FORMS": "100000"})
    assert response.status_code == 400 and built == []


def test_every_formset_has_absolute_and_max_limits():
    for formset in (forms.TargetedFormSet, forms.AdverseEventFormSet, forms.FindingFormSet, forms.PlanFormSet):
        assert formset.absolute_max == formset.max_num <= 60 and formset.validate_max


def test_too_many_fields_are_refused(logged_in, patient):
    response = logged_in.post(reverse("web:session_new", args=[patient.pk]),
                              {f"field{n}": "x" for n in range(1001)})
    assert response.status_code == 400
