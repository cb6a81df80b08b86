"""OpenAPI generation: every operation documents the shared error shape."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from api.serializers.base import ErrorSerializer

__all__ = ["ApiAutoSchema"]

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (field paths in `error.fields`), malformed JSON or an unknown filter value.",
    "401": "Not authenticated: no, expired or revoked token.",
    "403": "Your role may not do this (see the role table below), or CSRF failed for a browser session.",
    "404": "No such record in your clinic.",
    "405": "Method not allowed (patients are archived, never deleted).",
    "409": "A clinical rule refused it; `error.code` names the rule (`record_locked`, `consent_required`, "
    "`sharps_count_mismatch`, `rule_violation`).",
    "412": "`If-Match` does not match the record's current `ETag`; nothing was changed.",
    "413": "The request body is too large.",
    "428": "`If-Match` is required on PUT, PATCH, DELETE and sign (`precondition_required`); `*` is not enough.",
    "415": "Send `Content-Type: application/json`.",
    "429": "Rate limit exceeded; retry after `Retry-After` seconds.",
}


class ApiAutoSchema(AutoSchema):
    """Adds the documented error responses to each operation."""

    def _error_codes(self) -> list[str]:
        # 404 everywhere: a detail of another clinic, and a list given a cursor it never issued.
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["409", "412"]
            if getattr(self.view, "action", None) in getattr(self.view, "conditional_actions", ()):
                codes.append("428")
        elif getattr(self.view, "action", None) == "verify":
            codes.append("409")  # a draft has no digest to verify (found by the role fuzz)
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["413", "415"]
        codes += getattr(self.view, "extra_error_codes", {}).get(self.method, [])
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), code, direction=direction
                )
        return responses


API_DESCRIPTION = """\
Structured IMS / dry-needling treatment records: REST API v1.

**Authentication.** `POST /api/v1/auth/token/` with `username` and `password` returns a `token`
(shown once, stored hashed, expiring) — send it as `Authorization: Token <token>`.
`DELETE /api/v1/auth/token/` revokes the token in use. Browser sessions work too (with CSRF).

**Isolation.** Everything is scoped to your clinic: another clinic's record is `404`, another
clinic's id inside a body is a `400` on that field. Anonymous requests are `401`.

**Errors.** Every 4xx has one shape (`Error` below):
`{"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"targeted_muscles[2].muscle": ["…"]}}}`.
Field paths name nested items with 0-based indexes. Unknown fields in a body are **refused**
(400 naming them); read-only fields of a representation (`id`, `version`, `warnings` …) are ignored.
Clinical rules answer `409` with `error.code` naming the rule (`record_locked`, `consent_required`,
`sharps_count_mismatch`). Bodies over the size limit are `413`.

**Concurrency.** Detail and write responses carry an `ETag`; send it back as `If-Match` on
PUT/PATCH/DELETE/sign (required: without it, or with `*`, `428 precondition_required`): a stale
one is `412` and nothing changes.

**Lists.** Cursor pagination (`next`, `previous`, `results`), `?page_size=` up to 200;
`?updated_since=` on patients, assessments, sessions and pain scores.

**Rate limits.** `429` with `Retry-After`. Responses carry `Cache-Control: no-store`.

**Access log.** Reading a patient, a session, an assessment, a release order or a timeline is
recorded in the audit trail (action `view`).
"""


def _role_matrix(endpoints) -> str:
    from records.choices import Role
    from records.policy import PERMISSIONS

    roles = list(Role.values)
    lines = [
        "| endpoint | " + " | ".join(f"`{r}`" for r in roles) + " |",
        "| --- | " + " | ".join("---" for _ in roles) + " |",
    ]
    for path, _regex, method, callback in endpoints:
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {}
        policy_actions = getattr(cls, "policy_actions", None)
        if not path.startswith("/api/v1/") or policy_actions is None:
            continue
        action = actions.get(method.lower())
        policy_action = policy_actions.get(action) if action else None
        if policy_action is None:
            continue
        allowed = PERMISSIONS.get(policy_action, frozenset())
        cells = ["yes" if role in allowed else "—" for role in roles]
        shown = path.replace("{pk}", "{id}")  # as the schema's paths name it
        lines.append(f"| `{method} {shown}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe_api(result, generator, request, public):
    """Postprocessing hook: the API description with the role × endpoint matrix, built from
    the views' ``policy_actions`` and ``records.policy`` so it cannot drift from the code."""
    matrix = _role_matrix(getattr(generator, "endpoints", None) or [])
    result.setdefault("info", {})["description"] = (
        API_DESCRIPTION
        + "\n**Who may do what** (by role; `—` is `403`). `auth/token/`, `schema/` and `docs/` are open.\n\n"
        + matrix
        + "\n"
    )
    return result
