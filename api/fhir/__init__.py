"""HL7 FHIR R4 facade over the clinical record: read-only, JSON only."""
