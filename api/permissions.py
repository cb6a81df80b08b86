"""Role permissions for the API: each view action maps to a ``records.policy`` action.

The role table lives in :mod:`records.policy`; this class only looks it up, so the
API, the pages and the services cannot disagree about who may do what.
"""

from rest_framework import permissions

from records import policy

__all__ = ["RolePermission", "policy_action_for"]


def policy_action_for(view, request) -> str | None:
    """The policy action a request needs: ``view.policy_actions[view.action]``, falling back
    to the HTTP method (``GET`` …), then ``"*"``. None means "any authenticated staff"."""
    actions = getattr(view, "policy_actions", None)
    if actions is None:
        return None
    action = getattr(view, "action", None)
    if hasattr(view, "action_map") and (action is None or action == "metadata"):
        # No handler for this method (the view answers 405) or OPTIONS: nothing to protect.
        return None
    for key in (action, request.method, "*"):
        if key is not None and key in actions:
            return actions[key]
    # A request with no mapping is refused rather than silently allowed.
    return "__missing__"


class RolePermission(permissions.BasePermission):
    """403 unless the user's role (``records.policy``) allows the view's action.

    Anonymous users never get here with a 403: ``IsAuthenticated`` runs first and DRF
    answers 401 because the token scheme sends ``WWW-Authenticate``. Accounts without a
    clinic membership are refused everything.
    """

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        # Every API read and write is scoped to the caller's clinic, superusers included: an
        # account without a clinic has nothing to see here (the admin is its place).
        if policy.clinic_of(user) is None:
            self.message = "Your account is not a member of a clinic."
            return False
        action = policy_action_for(view, request)
        if action is None:
            return True
        if action == "__missing__" or action not in policy.PERMISSIONS:
            return False
        return policy.allowed(user, action)
