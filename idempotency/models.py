"""The stored first answer to an ``Idempotency-Key``."""

from django.conf import settings
from django.db import models

__all__ = ["IdempotencyKey"]


class IdempotencyKey(models.Model):
    """One client key of one user, method and path, with the answer it got.

    ``status`` is null while the first request still runs. The response body is kept as
    bytes so a retry receives exactly what the first request received. No patient data
    is in the key itself; the body is the API's own answer, kept only until ``expires_at``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    key = models.CharField(max_length=255)
    # SHA-256 of the request body (canonical JSON where it parses): a reused key with
    # another body is refused instead of silently answering for the first body.
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "method", "path", "key"],
                name="idempotency_key_unique_per_user_method_path",
                violation_error_message="This idempotency key was already used for this request.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key[:12]}]"

    @property
    def is_complete(self) -> bool:
        return self.status is not None
