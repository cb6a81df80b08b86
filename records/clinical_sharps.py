"""Sharps-count and lung-field rules of a needling session (DESIGN §10): pure functions.

No database: the services pass in what they read, and act on the answers. Each rule
answers with the problems it finds (field → message, or a refusal code and message), so
the API, the pages and the admin refuse for the same reasons in the same words.
"""

from dataclasses import dataclass

__all__ = [
    "SignRefusal",
    "discrepancy_note_problem",
    "lung_field_sign_refusal",
    "sharps_record_problems",
    "sharps_sign_refusal",
]


@dataclass(frozen=True)
class SignRefusal:
    """Why a session cannot be signed: a stable ``code`` and a message for people."""

    code: str
    message: str


def discrepancy_note_problem(note: str | None) -> str | None:
    """A discrepancy note that is sent must say something: whitespace alone explains nothing.

    ``None`` means "not sent" and is fine; the empty string clears a note (also fine).
    """
    if note is None or note == "":
        return None
    if not note.strip():
        return "Explain the unaccounted needle(s) in words, or leave the note empty."
    return None


def sharps_record_problems(*, targeted_count: int, needles_used: int, needles_removed: int) -> dict[str, str]:
    """Problems with a draft's sharps count, by field (empty when there are none).

    A session that needled muscles used at least one needle; more needles can never be
    removed than were used.
    """
    problems: dict[str, str] = {}
    if targeted_count > 0 and needles_used < 1:
        problems["needles_used"] = (
            f"{targeted_count} muscle(s) were needled, so at least one needle was used: count the needles."
        )
    if needles_removed > needles_used:
        problems["needles_removed"] = (
            f"{needles_removed} needles removed but only {needles_used} used: more needles cannot be removed "
            "than were used."
        )
    return problems


def sharps_sign_refusal(*, needles_used: int, needles_removed: int, discrepancy_note: str) -> SignRefusal | None:
    """Whether the sharps count lets the session be signed.

    Every needle used must be removed and disposed, unless a discrepancy note explains the
    unaccounted one(s) (a lost or broken needle). More removed than used is never signable.
    """
    if needles_removed > needles_used:
        return SignRefusal(
            "sharps_count_mismatch",
            f"Sharps count mismatch: {needles_removed} needles removed but only {needles_used} used. "
            "Correct the count before signing.",
        )
    if needles_removed < needles_used and not (discrepancy_note or "").strip():
        return SignRefusal(
            "sharps_count_mismatch",
            f"Sharps count mismatch: {needles_used} needles used but {needles_removed} removed and disposed. "
            "Account for every needle, or explain the unaccounted needle(s) in sharps_discrepancy_note, "
            "before signing.",
        )
    return None


def lung_field_sign_refusal(*, lung_field_muscles: list[str], confirmed: bool) -> SignRefusal | None:
    """A session that needled over the lung field is signed only once the practitioner
    confirms the precautions: technique suited to the lung field, and the patient told the
    signs of pneumothorax."""
    if lung_field_muscles and confirmed is not True:
        names = ", ".join(sorted(set(lung_field_muscles)))
        return SignRefusal(
            "lung_field_confirmation_required",
            f"This session needled over the lung field ({names}): confirm the lung-field precautions "
            "(lung_field_precautions_confirmed) before signing.",
        )
    return None
