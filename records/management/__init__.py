"""Management commands of the clinical record."""
