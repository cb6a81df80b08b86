"""Staff API shapes: input for invitations, changes and authorisations; the staff item."""

from rest_framework import serializers

from api.serializers.base import StrictSerializer

__all__ = [
    "AuthorisationInputSerializer",
    "AuthorisationSerializer",
    "StaffCreateSerializer",
    "StaffCreatedSerializer",
    "StaffSerializer",
    "StaffUpdateSerializer",
]


class AuthorisationSerializer(serializers.Serializer):
    """A needling authorisation (reads :class:`accounts.selectors.AuthorisationItem`)."""

    id = serializers.UUIDField()
    kind = serializers.CharField(help_text="`dry_needling`, `ims` or `acupuncture`.")
    regulator = serializers.CharField()
    registration_number = serializers.CharField()
    granted_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    current = serializers.BooleanField(help_text="Current today (granted on or before, not yet expired).")
    expiring_soon = serializers.BooleanField(help_text="Current, and lapses within 30 days.")


class StaffSerializer(serializers.Serializer):
    """A staff member (reads :class:`accounts.selectors.StaffItem`); ``id`` is the practitioner id."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    role = serializers.CharField(help_text="`physiotherapist`, `clinic_admin` or `api_reader`.")
    is_active = serializers.BooleanField()
    mfa_enabled = serializers.BooleanField()
    last_login = serializers.DateTimeField(allow_null=True, read_only=True)
    authorisations = AuthorisationSerializer(many=True)


class StaffCreatedSerializer(StaffSerializer):
    invitation_url = serializers.CharField(help_text="One-time link (72 h) on which the person chooses a password.")


class StaffCreateSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    role = serializers.CharField(max_length=40)


class StaffUpdateSerializer(StrictSerializer):
    ignored_keys = frozenset(
        {"id", "is_active", "mfa_enabled", "last_login", "authorisations"}
    )

    role = serializers.CharField(max_length=40, required=False)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)


class AuthorisationInputSerializer(StrictSerializer):
    ignored_keys = frozenset({"id", "current", "expiring_soon"})

    kind = serializers.CharField(max_length=40)
    regulator = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    registration_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    granted_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
