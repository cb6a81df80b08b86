"""Gunn's segmental signs of an assessment (DESIGN §12): checking ``[{segment, sign}]`` input."""

from records.choices import SEGMENTS, SegmentalSignKind
from records.models import Assessment, SegmentalSign

from .validation import FieldErrors

__all__ = ["check_segmental_signs", "segmental_signs_rows"]


def check_segmental_signs(errors: FieldErrors, signs) -> list[tuple[str, str]]:
    """Validate ``[{segment, sign}]``; returns the distinct pairs in segment order."""
    if signs is None:
        return []
    if not isinstance(signs, list | tuple):
        errors.add("segmental_signs", "Expected a list of {segment, sign} objects.")
        return []
    pairs: list[tuple[str, str]] = []
    for index, entry in enumerate(signs):
        path = f"segmental_signs[{index}]"
        if not isinstance(entry, dict):
            errors.add(path, "Expected an object with segment and sign.")
            continue
        for key in sorted(set(entry) - {"segment", "sign"}):
            errors.add(f"{path}.{key}", "Unknown field.")
        segment, sign = entry.get("segment"), entry.get("sign")
        if segment not in SEGMENTS:
            errors.add(f"{path}.segment", f"{segment!r} is not a spinal segment (C1…S5).")
        if sign not in SegmentalSignKind.values:
            errors.add(f"{path}.sign", f"{sign!r} is not a segmental sign: {', '.join(SegmentalSignKind.values)}.")
        if segment in SEGMENTS and sign in SegmentalSignKind.values and (segment, sign) not in pairs:
            pairs.append((segment, sign))
    order = list(SegmentalSignKind.values)
    return sorted(pairs, key=lambda pair: (SEGMENTS.index(pair[0]), order.index(pair[1])))


def segmental_signs_rows(assessment: Assessment, pairs: list[tuple[str, str]]) -> list[SegmentalSign]:
    """Unsaved rows for an assessment's segmental signs."""
    return [
        SegmentalSign(clinic_id=assessment.clinic_id, assessment=assessment, segment=segment, sign=sign)
        for segment, sign in pairs
    ]
