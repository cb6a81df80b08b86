"""Rate limits: per user (so per token owner) for the API, per client and per
username for the token endpoint, where passwords could be guessed."""

import hashlib

from django.core.cache import caches
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

__all__ = ["TokenObtainThrottle", "TokenObtainUsernameThrottle"]


class TokenObtainThrottle(ScopedRateThrottle):
    """Attempts to get a token, per client address (``auth_token`` rate)."""

    scope_attr = "throttle_scope"
    # Shared by every worker and server (settings.CACHES["shared"]): a password guesser
    # cannot multiply the allowance by the number of processes.
    cache = caches["shared"]


class TokenObtainUsernameThrottle(SimpleRateThrottle):
    """Attempts to get a token for one username from anywhere (``auth_token_username`` rate):
    spreading guesses over many addresses does not help."""

    scope = "auth_token_username"
    cache = caches["shared"]

    def get_cache_key(self, request, view):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        # Hash the username: the cache is no place for account names.
        ident = hashlib.sha256(username.lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
