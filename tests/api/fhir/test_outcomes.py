"""Outcomes in $everything: Questionnaire, QuestionnaireResponse, score and measure Observations (valid R4B)."""

import datetime as dt

from records import services
from tests.factories import muscle

from .test_everything import assert_valid_bundle, everything


def test_outcomes_are_in_everything_valid_and_resolved(api, patient, history, physio, now):
    session = history[0]
    answers = [{"item": f"activity_{i}", "value": v, "text": name}
               for i, (v, name) in enumerate([(3, "Stairs"), (4, "Lifting"), (6, "Sitting")], start=1)]
    psfs = services.outcome_response_record(actor=physio, patient=patient, instrument="psfs", answers=answers,
                                            session=session, recorded_at=session.started_at)
    nprs = services.outcome_response_record(actor=physio, patient=patient, instrument="nprs",
                                            answers=[{"item": "pain", "value": 6}],
                                            recorded_at=now - dt.timedelta(days=1))
    ppt = services.objective_measure_record(actor=physio, patient=patient, kind="pressure_pain_threshold",
                                            side="left", muscle=muscle("gluteus-medius"), value=2.5, unit="kPa",
                                            session=session)
    rom = services.objective_measure_record(actor=physio, patient=patient, kind="range_of_motion", side="right",
                                            joint="hip", movement="internal_rotation", degrees=32.5, active=False)
    bundle = everything(api, patient)
    assert_valid_bundle(bundle)
    by_id = {(e["resource"]["resourceType"], e["resource"]["id"]): e["resource"] for e in bundle["entry"]}

    questionnaires = [r for (kind, _), r in by_id.items() if kind == "Questionnaire"]
    assert {q["name"] for q in questionnaires} == {"PSFS", "NPRS"}
    response = by_id[("QuestionnaireResponse", str(psfs.pk))]
    assert response["questionnaire"].endswith("/Questionnaire/psfs|1995")
    assert response["encounter"] == {"reference": f"Encounter/{session.pk}"}
    first = response["item"][0]
    assert first["item"][0]["answer"] == [{"valueString": "Stairs"}]
    assert first["item"][1]["answer"] == [{"valueInteger": 3}]

    score = by_id[("Observation", f"score-{psfs.pk}")]
    assert score["valueQuantity"] == {"value": 4.33, "unit": "score", "system": "http://unitsofmeasure.org",
                                      "code": "{score}"}
    assert score["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{psfs.pk}"}]
    nprs_score = by_id[("Observation", f"score-{nprs.pk}")]
    assert nprs_score["code"]["coding"][0] == {"system": "http://loinc.org", "code": "72514-3"}
    assert nprs_score["valueInteger"] == 6

    ppt_obs = by_id[("Observation", str(ppt.pk))]
    assert ppt_obs["valueQuantity"]["code"] == "kPa" and ppt_obs["valueQuantity"]["value"] == 2.5
    assert ppt_obs["bodySite"]["coding"] == [{"system": "http://snomed.info/sct", "code": "78333006"}]
    assert ppt_obs["bodySite"]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "7771000"
    rom_obs = by_id[("Observation", str(rom.pk))]
    assert rom_obs["valueQuantity"] == {"value": 32.5, "unit": "deg", "system": "http://unitsofmeasure.org",
                                        "code": "deg"}
    assert rom_obs["method"]["coding"][0]["code"] == "passive"
    assert rom_obs["bodySite"]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "24028007"
