"""Forms of the account, MFA and staff pages. They parse input; the services decide."""

from django import forms

from records.choices import AuthorisationKind, Role

__all__ = ["AuthorisationForm", "InviteForm", "OtpForm", "RoleForm"]


class OtpForm(forms.Form):
    otp = forms.CharField(
        label="Code", max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes.",
    )


class InviteForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.CharField(max_length=254, required=False, widget=forms.EmailInput)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.PHYSIOTHERAPIST)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AuthorisationForm(forms.Form):
    kind = forms.ChoiceField(choices=AuthorisationKind.choices)
    regulator = forms.CharField(max_length=200, required=False)
    registration_number = forms.CharField(max_length=100, required=False)
    granted_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
