"""Code systems, identifier systems and extension URLs the facade emits.

External systems (SNOMED CT, LOINC, HL7 terminology) are used where they have a code
for the concept; what only this product records (twitch response, release order,
release outcome, adverse event kinds) has a local code system under ``CANONICAL``.
These URLs are contract for FHIR clients: add to them, never rename them. They are
canonical names, not addresses a client must be able to fetch.
"""

__all__ = [
    "ADVERSE_EVENT_KIND",
    "ADVERSE_SERIOUSNESS",
    "ADVERSE_SEVERITY",
    "CANONICAL",
    "CONSENT_CATEGORY_LOINC",
    "CONSENT_SCOPE",
    "LATERALITY",
    "LATERALITY_EXTENSION",
    "LOINC",
    "OBSERVATION_CATEGORY",
    "OBSERVATION_CODE",
    "PAIN_LOINC",
    "PAIN_LOINC_DISPLAY",
    "PAIN_MOMENT",
    "PAIN_MOMENT_EXTENSION",
    "PARTICIPATION_TYPE",
    "PROCEDURE_CODE",
    "RELEASE_ORDER_EXTENSION",
    "RELEASE_OUTCOME",
    "SESSION_NUMBER_EXTENSION",
    "SNOMED",
    "SPINAL_SEGMENT_EXTENSION",
    "TWITCH_COUNT_CODE",
    "TWITCH_RESPONSE",
    "TWITCH_RESPONSE_CODE",
    "V2_IDENTIFIER_TYPE",
    "V3_ACT_CODE",
    "chart_number_system",
]

CANONICAL = "https://ims-records.example/fhir"

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ADVERSE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
ADVERSE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"

PAIN_LOINC = "72514-3"
PAIN_LOINC_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
# LOINC "Patient Consent" (R4 consent-category value set).
CONSENT_CATEGORY_LOINC = "59284-0"

# SNOMED CT laterality qualifiers (the codes below). Midline has none: left uncoded, text only.
LATERALITY = {
    "left": ("7771000", "Left"),
    "right": ("24028007", "Right"),
    "bilateral": ("51440002", "Right and left"),
}

# Local code systems.
PROCEDURE_CODE = f"{CANONICAL}/CodeSystem/procedure"  # ims-needling
OBSERVATION_CODE = f"{CANONICAL}/CodeSystem/observation"  # twitch-response, twitch-count
TWITCH_RESPONSE = f"{CANONICAL}/CodeSystem/twitch-response"  # none … strong_contraction
RELEASE_OUTCOME = f"{CANONICAL}/CodeSystem/release-outcome"  # released, partial, not_released
ADVERSE_EVENT_KIND = f"{CANONICAL}/CodeSystem/adverse-event-kind"  # bruising, bleeding, …
PAIN_MOMENT = f"{CANONICAL}/CodeSystem/pain-moment"  # baseline, pre_session, post_session, follow_up

TWITCH_RESPONSE_CODE = "twitch-response"
TWITCH_COUNT_CODE = "twitch-count"

# Extensions.
RELEASE_ORDER_EXTENSION = f"{CANONICAL}/StructureDefinition/release-order"  # valueInteger, 1…n
LATERALITY_EXTENSION = f"{CANONICAL}/StructureDefinition/laterality"  # on bodySite, SNOMED qualifier
SPINAL_SEGMENT_EXTENSION = f"{CANONICAL}/StructureDefinition/spinal-segment"  # valueCode C1…S5
SESSION_NUMBER_EXTENSION = f"{CANONICAL}/StructureDefinition/session-number"  # valuePositiveInt
PAIN_MOMENT_EXTENSION = f"{CANONICAL}/StructureDefinition/pain-moment"  # valueCoding (PAIN_MOMENT)


def chart_number_system(clinic_slug: str) -> str:
    """Identifier system of a clinic's chart numbers: unique within one clinic only."""
    return f"{CANONICAL}/sid/chart-number/{clinic_slug}"
