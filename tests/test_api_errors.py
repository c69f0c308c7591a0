"""Every error answers application/problem+json with an actionable message, and never a traceback."""

from __future__ import annotations

import uuid

import httpx
import pytest

from .conftest import FIXTURES, upload, wait_finished
from .pdfs import encrypted_pdf, tiny_pdf

UNKNOWN_ID = "0" * 64


def assert_problem(response: httpx.Response, status: int, kind: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"] and len(body["detail"]) > 15
    assert "Traceback" not in response.text and 'File "' not in response.text
    if kind is not None:
        assert body.get("kind") == kind, body
    return body


@pytest.fixture(scope="module")
def idle_api(stack):
    """An API whose queue no worker listens on: documents stay queued; at most one may wait."""
    api = stack.start_api(QUEUE_NAME=f"idle-{uuid.uuid4().hex[:8]}", QUEUE_MAX="1")
    yield api
    stack.stop(api.process)


@pytest.fixture(scope="module")
def done_id(client) -> str:
    response = upload(client, tiny_pdf(), "small.pdf")
    doc_id = response.json()["id"]
    assert wait_finished(client, doc_id)["status"] == "done"
    return doc_id


def test_400_malformed_requests(client):
    no_file = client.post("/v1/documents", files={"other": ("a.pdf", tiny_pdf(), "application/pdf")})
    assert_problem(no_file, 400, "no_file")
    text_field = client.post("/v1/documents", data={"file": "not a file"}, files={"x": ("x", b"x")})
    assert_problem(text_field, 400, "no_file")
    empty = client.post("/v1/documents", content=b"", headers={"Content-Type": "application/pdf"})
    assert_problem(empty, 400, "empty")
    assert_problem(client.get("/v1/documents", params={"limit": 0}), 400)
    assert_problem(client.get("/v1/documents", params={"status": "lost"}), 400)
    assert_problem(client.get("/v1/documents/not-a-sha256"), 400)
    broken = client.post("/v1/documents", content=b"--xx\r\nContent-Disposition: form-data; name=\"file\"\r\n",
                         headers={"Content-Type": "multipart/form-data; boundary=xx"})
    assert_problem(broken, 400)


def test_404_unknown_things(client, done_id):
    assert_problem(client.get(f"/v1/documents/{UNKNOWN_ID}"), 404, "unknown_document")
    assert_problem(client.get(f"/v1/documents/{UNKNOWN_ID}/result"), 404, "unknown_document")
    assert_problem(client.delete(f"/v1/documents/{UNKNOWN_ID}"), 404, "unknown_document")
    assert_problem(client.get(f"/v1/documents/{done_id}/tables/99"), 404, "unknown_table")
    assert_problem(client.get(f"/v1/documents/{done_id}/tables/nope.csv"), 404, "unknown_table")
    assert_problem(client.get(f"/v1/documents/{done_id}/projects/p999"), 404, "unknown_project")
    assert_problem(client.get("/v1/departments/不存在/2025"), 404, "unknown_department")
    assert_problem(client.get("/v1/nothing-here"), 404)


def test_409_until_parsed(idle_api):
    response = upload(idle_api.client, tiny_pdf())
    assert response.status_code == 202
    doc_id = response.json()["id"]
    for part in ("result", "tables", "department", "projects", "checks", "tables/1.csv"):
        body = assert_problem(idle_api.client.get(f"/v1/documents/{doc_id}/{part}"), 409, "not_done")
        assert body["document_status"] == "queued"
    assert idle_api.client.get(f"/v1/documents/{doc_id}").json()["status"] == "queued"


def test_413_when_announced_too_large(client):
    body = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)  # the test API allows 2 MB
    raw = client.post("/v1/documents", content=body, headers={"Content-Type": "application/pdf"})
    assert_problem(raw, 413)
    multipart = upload(client, body)
    assert_problem(multipart, 413)


def test_413_while_streaming_without_length(client):
    sent = 0

    def chunks():
        nonlocal sent
        yield b"%PDF-1.4\n"
        for _ in range(1024):  # 64 MB in 64 KiB pieces, no Content-Length
            sent += 65536
            yield b"0" * 65536

    try:
        response = client.post("/v1/documents", content=chunks(), headers={"Content-Type": "application/pdf"})
    except httpx.TransportError:
        # The server answered 413 and closed the connection before the client finished sending.
        assert sent < 64 * 1024 * 1024
        return
    assert_problem(response, 413)


def test_415_not_a_pdf_whatever_the_name(client):
    response = upload(client, b"Just some text, not a PDF at all.\n" * 10, "budget.pdf")
    assert_problem(response, 415, "not_a_pdf")
    html = client.post("/v1/documents?filename=x.pdf", content=b"<html>hi</html>",
                       headers={"Content-Type": "application/pdf"})
    assert_problem(html, 415, "not_a_pdf")


def test_422_encrypted_pdf_at_upload(client):
    body = assert_problem(upload(client, encrypted_pdf()), 422, "encrypted")
    assert "password" in body["detail"]


def test_422_scanned_pdf_fails_with_the_parsers_reason(client):
    data = (FIXTURES / "bad-scanned-pages.pdf").read_bytes()
    response = upload(client, data, "scan.pdf")
    assert response.status_code in (200, 202), response.text
    status = wait_finished(client, response.json()["id"])
    assert status["status"] == "failed"
    assert status["error_kind"] == "no_text_layer"
    assert "text layer" in status["error"]
    body = assert_problem(client.get(f"/v1/documents/{status['id']}/result"), 422, "no_text_layer")
    assert status["error"] in body["detail"]


def test_503_when_the_queue_is_full(idle_api):
    idle_api.client.post("/v1/documents", content=tiny_pdf(), headers={"Content-Type": "application/pdf"})
    response = upload(idle_api.client, tiny_pdf())
    assert_problem(response, 503, "queue_full")
    assert int(response.headers["retry-after"]) > 0


def test_readyz_503_without_a_worker(idle_api, client):
    assert_problem(idle_api.client.get("/readyz"), 503, "no_worker")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["workers"] >= 1


@pytest.fixture(scope="module")
def keyed_api(stack):
    api = stack.start_api(API_KEYS="key-one,key-two,key-three", RATE_LIMIT_PER_MIN="5",
                          CORS_ORIGINS="https://allowed.example")
    yield api
    stack.stop(api.process)


def test_401_api_key_required_on_every_v1_route(keyed_api):
    c = keyed_api.client
    for method, path in (("GET", "/v1/documents"), ("GET", f"/v1/documents/{UNKNOWN_ID}"),
                         ("POST", "/v1/documents"), ("DELETE", f"/v1/documents/{UNKNOWN_ID}"),
                         ("GET", f"/v1/documents/{UNKNOWN_ID}/result"), ("GET", "/v1/departments")):
        assert_problem(c.request(method, path), 401, "no_api_key")
        assert_problem(c.request(method, path, headers={"X-API-Key": "key-on"}), 401, "bad_api_key")
    assert c.get("/v1/documents", headers={"X-API-Key": "key-one"}).status_code == 200
    assert c.get("/v1/documents", headers={"X-API-Key": "key-three"}).status_code == 200
    assert c.get("/healthz").status_code == 200  # operations routes stay open
    assert c.get("/metrics").status_code == 200


def test_429_rate_limit_per_key(keyed_api):
    c = keyed_api.client
    answers = [c.get("/v1/departments", headers={"X-API-Key": "key-two"}) for _ in range(12)]
    limited = [r for r in answers if r.status_code == 429]
    assert limited, [r.status_code for r in answers]
    body = assert_problem(limited[0], 429, "rate_limited")
    assert 1 <= int(limited[0].headers["retry-after"]) <= 61
    assert "minute" in body["detail"]
    # Another key has its own budget.
    assert c.get("/v1/departments", headers={"X-API-Key": "key-three"}).status_code == 200


def test_cors_only_for_configured_origins(keyed_api, client):
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-API-Key"}
    ok = keyed_api.client.options("/v1/documents", headers={"Origin": "https://allowed.example", **preflight})
    assert ok.headers.get("access-control-allow-origin") == "https://allowed.example"
    evil = keyed_api.client.options("/v1/documents", headers={"Origin": "https://evil.example", **preflight})
    assert evil.headers.get("access-control-allow-origin") in (None, "")
    simple = keyed_api.client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers
    default = client.get("/healthz", headers={"Origin": "https://allowed.example"})
    assert "access-control-allow-origin" not in default.headers  # CORS_ORIGINS unset: no cross-origin access


def test_filenames_are_sanitised_before_stored_and_echoed(client):
    response = client.post("/v1/documents", params={"filename": "../../etc/pa\x00ss<script>wd.pdf"},
                           content=tiny_pdf(), headers={"Content-Type": "application/pdf"})
    assert response.status_code == 202
    status = client.get(f"/v1/documents/{response.json()['id']}").json()
    assert status["filename"] == "pass_script_wd.pdf"


def test_503_when_redis_is_unreachable(stack, tmp_path):
    api = stack.start_api(REDIS_URL=f"unix://{tmp_path}/nothing-here.sock")
    try:
        assert api.client.get("/healthz").status_code == 200  # the process itself is up
        assert_problem(api.client.get("/readyz"), 503, "redis_down")
        assert_problem(api.client.get("/v1/documents"), 503, "redis_down")
        assert_problem(upload(api.client, tiny_pdf()), 503, "redis_down")
    finally:
        stack.stop(api.process)
