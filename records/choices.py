"""Choice values of the domain. Their values are contract (API clients and exports rely on them): never rename."""

from django.db import models

__all__ = [
    "SEGMENTS",
    "AdverseEventKind",
    "AuditAction",
    "AuthorisationKind",
    "BodyView",
    "NEEDLING_PRECAUTIONS",
    "Outcome",
    "PainMoment",
    "PrecautionCode",
    "RecordStatus",
    "Role",
    "Segment",
    "Severity",
    "Sex",
    "Side",
    "TwitchResponse",
]


class Role(models.TextChoices):
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    API_READER = "api_reader", "API reader"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Bilateral"
    MIDLINE = "midline", "Midline"


class TwitchResponse(models.TextChoices):
    """Ordered from no response to the strongest; the order is used to grade and trend."""

    NONE = "none", "None"
    NEEDLE_GRASP = "needle_grasp", "Needle grasp"
    LOCAL_TWITCH = "local_twitch", "Local twitch response"
    STRONG_CONTRACTION = "strong_contraction", "Strong contraction"


class Outcome(models.TextChoices):
    RELEASED = "released", "Released"
    PARTIAL = "partial", "Partial"
    NOT_RELEASED = "not_released", "Not released"


class PainMoment(models.TextChoices):
    BASELINE = "baseline", "Baseline (assessment)"
    PRE_SESSION = "pre_session", "Before session"
    POST_SESSION = "post_session", "After session"
    FOLLOW_UP = "follow_up", "Follow-up"


class RecordStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class PrecautionCode(models.TextChoices):
    ANTICOAGULANTS = "anticoagulants", "Anticoagulants"
    BLEEDING_DISORDER = "bleeding_disorder", "Bleeding disorder"
    PREGNANCY = "pregnancy", "Pregnancy"
    NEEDLE_PHOBIA = "needle_phobia", "Needle phobia"
    IMMUNOCOMPROMISED = "immunocompromised", "Immunocompromised"
    DIABETES = "diabetes", "Diabetes"
    EPILEPSY = "epilepsy", "Epilepsy"
    LYMPHOEDEMA = "lymphoedema", "Lymphoedema"
    METAL_ALLERGY = "metal_allergy", "Metal allergy"
    IMPLANTED_DEVICE = "implanted_device", "Implanted device"
    RECENT_SURGERY = "recent_surgery", "Recent surgery"
    HISTORY_OF_SYNCOPE = "history_of_syncope", "History of syncope"
    LOCAL_INFECTION = "local_infection", "Local infection"
    OTHER = "other", "Other"


# Precautions that change how (or whether) a needle goes in; they raise a session warning.
NEEDLING_PRECAUTIONS = frozenset(
    {
        PrecautionCode.ANTICOAGULANTS,
        PrecautionCode.BLEEDING_DISORDER,
        PrecautionCode.PREGNANCY,
        PrecautionCode.NEEDLE_PHOBIA,
        PrecautionCode.IMMUNOCOMPROMISED,
        PrecautionCode.DIABETES,
        PrecautionCode.EPILEPSY,
        PrecautionCode.LYMPHOEDEMA,
        PrecautionCode.METAL_ALLERGY,
        PrecautionCode.IMPLANTED_DEVICE,
        PrecautionCode.RECENT_SURGERY,
        PrecautionCode.HISTORY_OF_SYNCOPE,
        PrecautionCode.LOCAL_INFECTION,
    }
)


class AdverseEventKind(models.TextChoices):
    BRUISING = "bruising", "Bruising"
    BLEEDING = "bleeding", "Bleeding"
    PAIN_DURING = "pain_during", "Pain during needling"
    POST_NEEDLING_SORENESS = "post_needling_soreness", "Post-needling soreness"
    SYMPTOM_AGGRAVATION = "symptom_aggravation", "Symptom aggravation"
    SYNCOPE = "syncope", "Syncope"
    NAUSEA = "nausea", "Nausea"
    HEADACHE = "headache", "Headache"
    DROWSINESS = "drowsiness", "Drowsiness"
    SUSPECTED_PNEUMOTHORAX = "suspected_pneumothorax", "Suspected pneumothorax"
    NERVE_IRRITATION = "nerve_irritation", "Nerve irritation"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    SIGNIFICANT = "significant", "Significant"
    SERIOUS = "serious", "Serious"


class BodyView(models.TextChoices):
    ANTERIOR = "anterior", "Anterior"
    POSTERIOR = "posterior", "Posterior"


SEGMENTS: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 9)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    *(f"S{i}" for i in range(1, 6)),
)

Segment = models.TextChoices("Segment", [(s, s) for s in SEGMENTS])


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    ARCHIVE = "archive", "Archive"
    SIGN = "sign", "Sign"
    ADDENDUM = "addendum", "Addendum"
    CONSENT = "consent", "Consent given"
    CONSENT_WITHDRAW = "consent_withdraw", "Consent withdrawn"
    VIEW = "view", "View"
    EXPORT = "export", "Export"
    IMPORT = "import", "Import"
    LOGIN = "login", "Login"
    TOKEN_ISSUE = "token_issue", "Token issued"
    TOKEN_REVOKE = "token_revoke", "Token revoked"
    DEACTIVATE = "deactivate", "Account deactivated"
    # Clinic set-up and staff management (accounts app).
    CLINIC_CREATE = "clinic_create", "Clinic created"
    STAFF_CREATE = "staff_create", "Staff account created"
    STAFF_UPDATE = "staff_update", "Staff account changed"
    STAFF_DEACTIVATE = "staff_deactivate", "Staff account deactivated"
    STAFF_REACTIVATE = "staff_reactivate", "Staff account reactivated"
    STAFF_PASSWORD_RESET = "staff_password_reset", "Password reset link issued"
    PASSWORD_SET = "password_set", "Password set"
    AUTHORISATION_CREATE = "authorisation_create", "Needling authorisation added"
    MFA_ENROL = "mfa_enrol", "MFA enrolled"
    MFA_RESET = "mfa_reset", "MFA reset"
    SESSIONS_END = "sessions_end", "Web sessions ended"
    UNARCHIVE = "unarchive", "Restore from archive"
    RESIGN = "resign", "Sign-off digests re-signed with the current key"
    PASSWORD_CHANGE = "password_change", "Password changed: tokens and other sessions revoked"


class AuthorisationKind(models.TextChoices):
    """What a needling authorisation permits (contract values, DESIGN §9)."""

    DRY_NEEDLING = "dry_needling", "Dry needling"
    IMS = "ims", "IMS (intramuscular stimulation)"
    ACUPUNCTURE = "acupuncture", "Acupuncture"


# --- Outcomes (DESIGN §12) -------------------------------------------------------------

__all__ += ["Joint", "MeasureKind", "Movement", "PptUnit", "SegmentalSignKind"]  # noqa: PLE0605


class MeasureKind(models.TextChoices):
    PRESSURE_PAIN_THRESHOLD = "pressure_pain_threshold", "Pressure-pain threshold"
    RANGE_OF_MOTION = "range_of_motion", "Range of motion"


class PptUnit(models.TextChoices):
    KG_CM2 = "kg/cm2", "kg/cm²"
    KPA = "kPa", "kPa"


class Joint(models.TextChoices):
    CERVICAL_SPINE = "cervical_spine", "Cervical spine"
    THORACIC_SPINE = "thoracic_spine", "Thoracic spine"
    LUMBAR_SPINE = "lumbar_spine", "Lumbar spine"
    SHOULDER = "shoulder", "Shoulder"
    ELBOW = "elbow", "Elbow"
    WRIST = "wrist", "Wrist"
    HIP = "hip", "Hip"
    KNEE = "knee", "Knee"
    ANKLE = "ankle", "Ankle"


class Movement(models.TextChoices):
    FLEXION = "flexion", "Flexion"
    EXTENSION = "extension", "Extension"
    ABDUCTION = "abduction", "Abduction"
    ADDUCTION = "adduction", "Adduction"
    INTERNAL_ROTATION = "internal_rotation", "Internal rotation"
    EXTERNAL_ROTATION = "external_rotation", "External rotation"
    LATERAL_FLEXION = "lateral_flexion", "Lateral flexion"
    ROTATION = "rotation", "Rotation"
    DORSIFLEXION = "dorsiflexion", "Dorsiflexion"
    PLANTARFLEXION = "plantarflexion", "Plantarflexion"
    PRONATION = "pronation", "Pronation"
    SUPINATION = "supination", "Supination"


class SegmentalSignKind(models.TextChoices):
    """Gunn's signs of segmental neuropathy, examined per spinal segment."""

    PARASPINAL_TENDERNESS = "paraspinal_tenderness", "Paraspinal tenderness"
    TENDER_MOTOR_POINTS = "tender_motor_points", "Tender motor points"
    TROPHOEDEMA = "trophoedema", "Trophoedema"
    PILOMOTOR = "pilomotor", "Pilomotor reflex"
    VASOMOTOR = "vasomotor", "Vasomotor changes"
    SUDOMOTOR = "sudomotor", "Sudomotor changes"
    HAIR_LOSS = "hair_loss", "Hair loss"
    MUSCLE_SHORTENING = "muscle_shortening", "Muscle shortening"


class AttachmentKind(models.TextChoices):
    """What an attached document is (DESIGN §13, contract values)."""

    REFERRAL = "referral", "Referral"
    CONSENT_FORM = "consent_form", "Consent form"
    IMAGING_REPORT = "imaging_report", "Imaging report"
    LETTER = "letter", "Letter"
    OTHER = "other", "Other"


__all__ += ["AttachmentKind"]
