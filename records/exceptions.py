"""Domain errors: raised by services, mapped to HTTP in one place by the API."""

__all__ = [
    "AuthorisationRequired",
    "ConsentRequired",
    "DomainError",
    "InvalidInput",
    "LungFieldConfirmationRequired",
    "NotPermitted",
    "OwnershipRequired",
    "PatientNotArchived",
    "RecordLocked",
    "RuleViolation",
    "SharpsCountMismatch",
    "StaleVersion",
]


class DomainError(Exception):
    """Base of every refusal a service makes; ``code`` is stable, ``message`` is for people."""

    code = "domain_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Input that breaks a field's rule. ``errors`` maps field paths to messages.

    Paths name nested items like ``targeted_muscles[2].muscle`` (0-based index).
    """

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        first = next(iter(errors.items()))
        super().__init__(f"{first[0]}: {first[1][0]}")


class NotPermitted(DomainError):
    """The actor's role or relation to the record does not allow this action."""

    code = "not_permitted"


class RuleViolation(DomainError):
    """A clinical rule refuses the action (HTTP 409)."""

    code = "rule_violation"


class RecordLocked(RuleViolation):
    code = "record_locked"


class ConsentRequired(RuleViolation):
    code = "consent_required"


class SharpsCountMismatch(RuleViolation):
    code = "sharps_count_mismatch"


class StaleVersion(DomainError):
    """The record changed since the client read it (HTTP 412)."""

    code = "stale_version"


class AuthorisationRequired(RuleViolation):
    """Needling by a practitioner without a needling authorisation current on the day."""

    code = "authorisation_required"


class LungFieldConfirmationRequired(RuleViolation):
    code = "lung_field_confirmation_required"


class OwnershipRequired(NotPermitted):
    """A physiotherapist acting on another practitioner's draft (HTTP 403)."""

    code = "permission_denied"


class PatientNotArchived(RuleViolation):
    code = "patient_not_archived"


class PayloadTooLarge(DomainError):
    """An upload above the size limit (HTTP 413)."""

    code = "request_too_large"


class NotSigned(RuleViolation):
    """Only a signed record can be issued as a document (HTTP 409)."""

    code = "not_signed"


__all__ += ["NotSigned", "PayloadTooLarge"]
