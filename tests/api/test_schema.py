"""OpenAPI 3 at schema/, offline docs at docs/, the error shape and role matrix documented."""

import io

import pytest
import yaml
from django.core.management import call_command

CONTRACT_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/patients/", "/api/v1/patients/{id}/", "/api/v1/patients/{id}/archive/",
    "/api/v1/patients/{id}/consent/", "/api/v1/patients/{id}/consent/withdraw/",
    "/api/v1/patients/{id}/release-order/", "/api/v1/patients/{id}/timeline/",
    "/api/v1/muscles/",
    "/api/v1/assessments/", "/api/v1/assessments/{id}/", "/api/v1/assessments/{id}/sign/",
    "/api/v1/assessments/{id}/addenda/", "/api/v1/assessments/{id}/verify/",
    "/api/v1/sessions/", "/api/v1/sessions/{id}/", "/api/v1/sessions/{id}/sign/",
    "/api/v1/sessions/{id}/addenda/", "/api/v1/sessions/{id}/verify/",
    "/api/v1/pain-scores/", "/api/v1/audit-events/",
]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_openapi_3_with_every_contract_path(schema):
    assert schema["openapi"].startswith("3.")
    missing = [path for path in CONTRACT_PATHS if path not in schema["paths"]]
    assert missing == []
    assert set(schema["paths"]["/api/v1/sessions/{id}/"]) >= {"get", "put", "patch", "delete"}
    assert "delete" not in schema["paths"]["/api/v1/assessments/{id}/"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_nested_session_write_is_described(schema):
    components = schema["components"]["schemas"]
    body = schema["paths"]["/api/v1/sessions/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    write = components[body["$ref"].split("/")[-1]]
    assert set(write["required"]) == {"patient"}
    item_ref = write["properties"]["targeted_muscles"]["items"]["$ref"].split("/")[-1]
    item = components[item_ref]
    assert set(item["required"]) == {"muscle", "side", "twitch_response", "outcome"}
    read = components["Session"]["properties"]
    assert {"warnings", "number", "version", "status", "signed_at", "signed_by", "addenda"} <= set(read)


def test_every_operation_documents_the_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]) == {"status", "code", "message", "fields"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "429"):
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                assert content["$ref"].endswith("/Error"), (method, path, status)
            if method in ("post", "put", "patch", "delete") and path != "/api/v1/auth/token/":
                assert {"409", "412"} <= set(operation["responses"]), (method, path)
    patch = schema["paths"]["/api/v1/sessions/{id}/"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])


def test_description_carries_the_role_matrix(schema):
    description = schema["info"]["description"]
    assert "| `POST /api/v1/sessions/` | yes | — | — |" in description
    assert "| `GET /api/v1/audit-events/` | — | yes | — |" in description
    assert "| `POST /api/v1/patients/{id}/archive/` | — | yes | — |" in description
    assert "| `GET /api/v1/patients/` | yes | yes | yes |" in description
    assert '"targeted_muscles[2].muscle"' in description


def test_docs_are_served_without_internet(api_client, db):
    response = api_client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "jsdelivr" not in html and "unpkg" not in html


def test_spectacular_validates_without_warnings(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out, stderr=out)


def test_yaml_schema_also_served(api_client, db):
    response = api_client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "IMS Records API"
