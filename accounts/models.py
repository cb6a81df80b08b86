"""API tokens (django-rest-knox's hashed, expiring tokens, with a label and last use)."""

from django.db import models
from knox.models import AbstractAuthToken

__all__ = ["ApiToken"]


class ApiToken(AbstractAuthToken):
    """A bearer token for ``Authorization: Token <token>``.

    knox stores only a SHA-512 digest of the token and its first 15 characters
    (``token_key``, to find the row); the raw token is shown once. Revoking deletes the row;
    the audit trail keeps the record of issue and revocation.
    """

    name = models.CharField(max_length=100, blank=True)
    # Written at most once a minute (see api.authentication): a read must not become a write.
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def prefix(self) -> str:
        """The token's first characters, so people can tell their tokens apart."""
        return self.token_key[:8]

    @property
    def expires_at(self):
        return self.expiry

    @property
    def created_at(self):
        return self.created
