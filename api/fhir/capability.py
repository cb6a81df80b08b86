"""The CapabilityStatement: exactly the interactions and search parameters the facade serves."""

import datetime as dt

from . import systems as s

__all__ = ["SEARCH_PARAMS", "capability_statement"]

# Type → search parameter → (FHIR type, documentation). Kept in step with the views,
# which refuse any parameter not listed here.
SEARCH_PARAMS: dict[str, dict[str, tuple[str, str]]] = {
    "Patient": {
        "identifier": ("token", f"Chart number: `value` or `{s.CANONICAL}/sid/chart-number/<clinic>|value`."),
        "name": ("string", "Given or family name starts with the value (case-insensitive)."),
        "_id": ("token", "The patient's id."),
        "_count": ("number", "Page size, 1–200 (default 50)."),
        "_offset": ("number", "Index of the first result (from the `next` link)."),
    },
    "Encounter": {"patient": ("reference", "`<id>` or `Patient/<id>`; required.")},
    "Procedure": {"patient": ("reference", "`<id>` or `Patient/<id>`; required.")},
    "Observation": {
        "patient": ("reference", "`<id>` or `Patient/<id>`; required."),
        "code": (
            "token",
            f"`{s.LOINC}|{s.PAIN_LOINC}` (pain) or `{s.OBSERVATION_CODE}|{s.TWITCH_RESPONSE_CODE}`; "
            "bare codes too; comma-separated for either.",
        ),
    },
    "Consent": {"patient": ("reference", "`<id>` or `Patient/<id>`; required.")},
    "AdverseEvent": {"patient": ("reference", "`<id>` or `Patient/<id>`; required.")},
    "Practitioner": {"patient": ("reference", "Staff who recorded the patient's sessions; required.")},
}

DOCUMENTATION = {
    "Patient": "Chart number as identifier (system per clinic), name, gender, birthDate; active = not archived.",
    "Encounter": "A treatment session: class AMB, finished once signed, in-progress while a draft.",
    "Procedure": "One targeted muscle: bodySite SNOMED CT where known (text always) with a laterality "
    f"extension ({s.LATERALITY_EXTENSION}); release order in {s.RELEASE_ORDER_EXTENSION}; outcome "
    f"from {s.RELEASE_OUTCOME}.",
    "Observation": f"Pain (LOINC {s.PAIN_LOINC}, valueInteger 0-10) and twitch response "
    f"({s.OBSERVATION_CODE}|{s.TWITCH_RESPONSE_CODE}, values from {s.TWITCH_RESPONSE}, partOf its Procedure).",
    "Consent": "Consent to needling: scope treatment; active until withdrawn.",
    "AdverseEvent": f"Actual events of a session; kind from {s.ADVERSE_EVENT_KIND}.",
    "Practitioner": "A staff member (name only); id is the clinic membership id.",
}


def capability_statement(*, base_url: str, software_version: str = "1.0.0") -> dict:
    resources = []
    for resource_type, params in SEARCH_PARAMS.items():
        entry = {
            "type": resource_type,
            "documentation": DOCUMENTATION[resource_type],
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": name, "type": kind, "documentation": doc} for name, (kind, doc) in params.items()
            ],
        }
        if resource_type == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    "documentation": "GET Patient/<id>/$everything: the patient's whole record as a searchset "
                    "Bundle (Patient, Practitioner, Encounter, Procedure, Observation, Consent, AdverseEvent). "
                    "No parameters.",
                },
                {
                    "name": "export",
                    "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
                    "documentation": "GET Patient/$export (or Group/<clinic id or slug>/$export) with "
                    "`Prefer: respond-async`: FHIR Bulk Data, NDJSON files written in the background; "
                    "`_type` and `_since` honoured. Clinic admins and API readers.",
                },
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": dt.date.today().isoformat(),  # noqa: DTZ011 - a calendar date, no instant implied
        "publisher": "IMS Records",
        "kind": "instance",
        "software": {"name": "IMS Records", "version": software_version},
        "implementation": {"description": "IMS Records FHIR R4 facade (read-only)", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read-only. Same accounts, roles and clinic isolation as REST API v1: another "
                "clinic's resources answer 404.",
                "security": {
                    "cors": False,
                    "description": "`Authorization: Token <token>` (POST /api/v1/auth/token/) or a browser session.",
                },
                "resource": resources,
            }
        ],
    }
