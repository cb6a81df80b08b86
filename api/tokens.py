"""Compatibility: token services moved to :mod:`accounts.services.tokens` (the domain)."""

from accounts.services.tokens import token_issue, token_revoke, tokens_revoke_for_user

__all__ = ["token_issue", "token_revoke", "tokens_revoke_for_user"]
