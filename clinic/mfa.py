"""The MFA gate: a signed-in user who owes a code or an enrolment reaches nothing else.

What the user owes is decided at sign-in (``accounts.signals``) and kept in the web
session, so the gate costs no query per request. It covers the pages, the admin and the
API used with a browser session; API tokens are only issued after the same checks
(``auth/token/``).
"""

from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse

from accounts.mfa import MFA_ENROL, MFA_OK, MFA_VERIFY, mfa_state
from accounts.signals import MFA_SESSION_KEY

__all__ = ["MFA_SETUP_URL", "MFA_VERIFY_URL", "MfaGateMiddleware", "mfa_passed"]

MFA_VERIFY_URL = "/accounts/mfa/verify/"
MFA_SETUP_URL = "/accounts/mfa/setup/"
# Pages a user who owes MFA may still open: signing in and out, the MFA pages themselves,
# account links, and static files.
OPEN_PREFIXES = (
    "/accounts/login/", "/accounts/logout/", "/accounts/mfa/", "/accounts/link/",
    "/admin/login/", "/admin/logout/", "/static/", "/api/v1/auth/token/",
)


def mfa_passed(request) -> None:
    """Record in the session that the user has given their second factor (or enrolled)."""
    request.session[MFA_SESSION_KEY] = MFA_OK


class MfaGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        state = request.session.get(MFA_SESSION_KEY)
        if state is None:
            # A session from before this gate existed: decide now, once.
            state = request.session[MFA_SESSION_KEY] = mfa_state(user)
        if state == MFA_VERIFY and user.is_verified():
            state = MFA_OK
        if state == MFA_OK:
            return self.get_response(request)
        return self.refuse(request, state)

    def refuse(self, request, state: str):
        if request.path.startswith(("/api/", "/fhir/")):
            if state == MFA_ENROL:
                code, message = "mfa_enrollment_required", "Set up MFA on the web first (your clinic requires it)."
            else:
                code, message = "otp_required", "Enter your authenticator code on the web first."
            return JsonResponse({"error": {"status": 403, "code": code, "message": message}}, status=403)
        target = MFA_SETUP_URL if state == MFA_ENROL else MFA_VERIFY_URL
        if request.headers.get("HX-Request"):
            # A page fragment (e.g. the webhook banner) gets nothing: following the redirect
            # would load the set-up page into itself and start a second enrolment. The page
            # around it is gated already.
            return HttpResponse(status=204)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
