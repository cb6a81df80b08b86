"""HL7 FHIR R4 facade over the clinical record (DESIGN.md §6): read-only, JSON only."""
