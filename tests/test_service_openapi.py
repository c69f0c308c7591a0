"""The committed OpenAPI document is what the app generates (regenerate with `make openapi`)."""

from __future__ import annotations

import json

from service.openapi import OPENAPI_FILE, generate


def test_committed_openapi_matches_the_app():
    assert OPENAPI_FILE.exists(), "openapi/openapi.json is missing: run `make openapi`"
    assert OPENAPI_FILE.read_text(encoding="utf-8") == generate(), \
        "openapi/openapi.json is stale: run `make openapi` and commit it"


def test_openapi_is_3_1_and_documents_every_route():
    schema = json.loads(generate())
    assert schema["openapi"].startswith("3.1")
    paths = schema["paths"]
    for path in ("/v1/documents", "/v1/documents/{doc_id}", "/v1/documents/{doc_id}/result",
                 "/v1/documents/{doc_id}/tables/{ref}", "/v1/departments", "/v1/departments/{name}/{year}",
                 "/healthz", "/readyz", "/metrics"):
        assert path in paths, path
    upload = paths["/v1/documents"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data", "application/pdf"}
    assert "BudgetDocument" in schema["components"]["schemas"]
