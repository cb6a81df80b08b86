"""At sign-in, note in the web session what MFA the user still owes (see clinic.mfa)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.mfa import mfa_state

MFA_SESSION_KEY = "accounts_mfa_state"


@receiver(user_logged_in, dispatch_uid="accounts_mfa_state_at_login")
def remember_mfa_state(sender, request, user, **kwargs):
    # Decided once per sign-in, so the gate costs no query on later requests.
    if request is not None and hasattr(request, "session"):
        request.session[MFA_SESSION_KEY] = mfa_state(user)
