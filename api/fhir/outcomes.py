"""Outcomes in FHIR R4 (DESIGN §12): Questionnaire, QuestionnaireResponse, score and measure Observations.

- an instrument → ``Questionnaire`` (items as ``integer``; an item that carries words, like a
  PSFS activity, as a ``group`` of its ``string`` name and ``integer`` rating);
- a response → ``QuestionnaireResponse`` and its score → ``Observation`` ``derivedFrom`` it
  (LOINC where the instrument's file names a verified code — NPRS 72514-3 — else the local
  code system; value as a UCUM ``{score}``);
- a pressure-pain threshold → ``Observation`` (UCUM ``kg/cm2`` or ``kPa``, body site with
  laterality as the Procedures have it); a range of motion → ``Observation`` (UCUM ``deg``).

:func:`outcome_resources` reads everything for one patient in two queries.
"""

from api.fhir import systems as s
from api.fhir.mapping import fhir_instant
from records.choices import Joint, MeasureKind, Movement
from records.models import ObjectiveMeasure, OutcomeResponse, Patient

__all__ = ["QUESTIONNAIRE_PREFIX", "SCORE_PREFIX", "outcome_resources", "questionnaire_resource"]

QUESTIONNAIRE_PREFIX = "instrument-"
SCORE_PREFIX = "score-"
UCUM = "http://unitsofmeasure.org"
INSTRUMENT_CODE = f"{s.CANONICAL}/CodeSystem/outcome-instrument"  # nprs, psfs, …
MEASURE_CODE = f"{s.CANONICAL}/CodeSystem/objective-measure"  # pressure-pain-threshold, range-of-motion
ROM_MODE = f"{s.CANONICAL}/CodeSystem/range-of-motion-mode"  # active, passive

_EXAM = [{"coding": [{"system": s.OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}]
_SURVEY = [{"coding": [{"system": s.OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}]
_UNITS = {"kg/cm2": "kg/cm2", "kPa": "kPa"}


def _number(value):
    number = float(value)
    return int(number) if number.is_integer() else number


def _laterality(side: str) -> list[dict] | None:
    code = s.LATERALITY.get(side)
    if code is None:
        return None
    return [{"url": s.LATERALITY_EXTENSION,
             "valueCodeableConcept": {"coding": [{"system": s.SNOMED, "code": code[0], "display": code[1]}],
                                      "text": side}}]


def _canonical(instrument) -> str:
    return f"{s.CANONICAL}/Questionnaire/{instrument.code}|{instrument.version}"


def questionnaire_resource(instrument) -> dict:
    """An instrument → Questionnaire."""
    items = []
    for item in instrument.items:
        rating = {"linkId": item["code"], "text": item["label"], "type": "integer" if item.get("integer", True)
                  else "decimal", "required": bool(item["required"])}
        if item.get("text", "none") != "none":
            items.append({
                "linkId": f"{item['code']}.group", "text": item["label"], "type": "group",
                "required": bool(item["required"]),
                "item": [{"linkId": f"{item['code']}.text", "text": "In your words", "type": "string",
                          "required": item["text"] == "required"}, {**rating, "text": "Rating"}],
            })
        else:
            items.append(rating)
    return {
        "resourceType": "Questionnaire",
        "id": f"{QUESTIONNAIRE_PREFIX}{instrument.pk}",
        "meta": {"lastUpdated": fhir_instant(instrument.updated_at)},
        "url": _canonical(instrument).split("|")[0],
        "version": instrument.version,
        "name": instrument.code.upper(),
        "title": instrument.name,
        "status": "active",
        "copyright": instrument.licence,
        "code": [{"system": INSTRUMENT_CODE, "code": instrument.code, "display": instrument.name}],
        "item": items,
    }


def _response_items(response) -> list[dict]:
    defined = {item["code"]: item for item in response.instrument.items}
    result = []
    for answer in response.answers:
        item = defined.get(answer["item"], {})
        value_key = "valueInteger" if item.get("integer", True) else "valueDecimal"
        rating = {"linkId": answer["item"], "answer": [{value_key: answer["value"]}]}
        if item.get("text", "none") != "none":
            children = []
            if answer.get("text"):
                children.append({"linkId": f"{answer['item']}.text", "answer": [{"valueString": answer["text"]}]})
            result.append({"linkId": f"{answer['item']}.group", "item": [*children, rating]})
        else:
            result.append(rating)
    return result


def _response_resources(response) -> list[dict]:
    instrument = response.instrument
    subject = {"reference": f"Patient/{response.patient_id}"}
    recorded = fhir_instant(response.recorded_at)
    questionnaire_response = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "meta": {"lastUpdated": fhir_instant(response.updated_at)},
        "questionnaire": _canonical(instrument),
        "status": "completed",
        "subject": subject,
        "authored": recorded,
        "item": _response_items(response),
    }
    loinc = instrument.definition.get("loinc")
    coding = [{"system": INSTRUMENT_CODE, "code": instrument.code, "display": f"{instrument.name} score"}]
    if loinc:
        coding.insert(0, {"system": s.LOINC, "code": loinc})
    observation = {
        "resourceType": "Observation",
        "id": f"{SCORE_PREFIX}{response.pk}",
        "meta": {"lastUpdated": fhir_instant(response.updated_at)},
        "status": "final",
        "category": _SURVEY,
        "code": {"coding": coding, "text": f"{instrument.name} score"},
        "subject": subject,
        "effectiveDateTime": recorded,
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.pk}"}],
    }
    score = _number(response.score)
    if loinc and isinstance(score, int):
        # As the facade's other LOINC pain scores (72514-3): a whole-number score.
        observation["valueInteger"] = score
    else:
        observation["valueQuantity"] = {"value": score, "unit": "score", "system": UCUM, "code": "{score}"}
    if response.session_id:
        encounter = {"reference": f"Encounter/{response.session_id}"}
        questionnaire_response["encounter"] = observation["encounter"] = encounter
    return [questionnaire_response, observation]


def _measure_resource(measure) -> dict:
    resource = {
        "resourceType": "Observation",
        "id": str(measure.pk),
        "meta": {"lastUpdated": fhir_instant(measure.updated_at)},
        "status": "final",
        "category": _EXAM,
        "subject": {"reference": f"Patient/{measure.patient_id}"},
        "effectiveDateTime": fhir_instant(measure.recorded_at),
    }
    if measure.session_id:
        resource["encounter"] = {"reference": f"Encounter/{measure.session_id}"}
    laterality = _laterality(measure.side)
    if measure.kind == MeasureKind.PRESSURE_PAIN_THRESHOLD:
        muscle = measure.muscle
        site = {"text": f"{muscle.name}, {measure.side}"}
        if muscle.snomed_code:
            site["coding"] = [{"system": s.SNOMED, "code": muscle.snomed_code}]
        resource["code"] = {"coding": [{"system": MEASURE_CODE, "code": "pressure-pain-threshold",
                                        "display": "Pressure-pain threshold (algometry)"}],
                            "text": "Pressure-pain threshold"}
        resource["valueQuantity"] = {"value": _number(measure.value), "unit": measure.unit, "system": UCUM,
                                     "code": _UNITS[measure.unit]}
    else:
        joint, movement = Joint(measure.joint).label, Movement(measure.movement).label
        site = {"text": f"{joint}, {measure.side}"}
        mode = "active" if measure.active else "passive"
        resource["code"] = {"coding": [{"system": MEASURE_CODE, "code": "range-of-motion",
                                        "display": "Range of motion"}],
                            "text": f"{joint} {movement.lower()} range of motion ({mode})"}
        resource["method"] = {"coding": [{"system": ROM_MODE, "code": mode, "display": mode.capitalize()}]}
        resource["valueQuantity"] = {"value": _number(measure.degrees), "unit": "deg", "system": UCUM, "code": "deg"}
    if laterality:
        site["extension"] = laterality
    resource["bodySite"] = site
    return resource


def outcome_resources(patient: Patient) -> list[dict]:
    """Every outcome resource of ``patient``: the Questionnaires answered, their responses with
    score Observations, and the objective measures. Two queries."""
    responses = list(
        OutcomeResponse.objects.filter(patient=patient, clinic_id=patient.clinic_id)
        .select_related("instrument").order_by("recorded_at", "id")
    )
    measures = list(
        ObjectiveMeasure.objects.filter(patient=patient, clinic_id=patient.clinic_id)
        .select_related("muscle").order_by("recorded_at", "id")
    )
    instruments = {response.instrument_id: response.instrument for response in responses}
    resources = [questionnaire_resource(instrument) for instrument in instruments.values()]
    for response in responses:
        resources += _response_resources(response)
    resources += [_measure_resource(measure) for measure in measures]
    return resources
