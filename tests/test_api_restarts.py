"""Restarts: Redis (persistence on) restarted under queued jobs, and the API killed after accepting uploads.

Either way nothing accepted is lost: every document completes and is readable afterwards.
(A worker killed mid-parse is tests/test_api_faults.py; 50 concurrent uploads, test_api_lifecycle.py.)
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from rq import Queue

from workers import redis_embedded

from .conftest import CORPUS, unique_pdf, upload, wait_finished, wait_status
from .pdfs import tiny_pdf

GOOD_PDF = CORPUS / "tekes-2025.public-docx.pdf"


def _isolated() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {"QUEUE_NAME": f"restart-{tag}", "REDIS_PREFIX": f"restart{tag}"}


def _assert_readable(client, doc_id: str, filename: str) -> None:
    status = client.get(f"/v1/documents/{doc_id}").json()
    assert status["status"] == "done", status
    assert status["filename"] == filename
    result = client.get(f"/v1/documents/{doc_id}/result")
    assert result.status_code == 200 and result.json()["id"] == doc_id


@pytest.fixture
def own_redis(tmp_path_factory):
    """An embedded redis-server of this test's own (appendonly on, as `make run` starts it)."""
    data_dir = Path(tmp_path_factory.mktemp("rr"))
    server = redis_embedded.start(data_dir, detach=False)
    state = {"server": server}
    yield data_dir, state
    redis_embedded.stop(data_dir)
    for proc in {server, state["server"]}:
        try:
            proc.wait(10)
        except Exception:
            proc.kill()


@pytest.mark.parametrize("how", ["shutdown", "kill-9"])
def test_queued_jobs_complete_across_a_redis_restart(stack, own_redis, how):
    data_dir, state = own_redis
    url = redis_embedded.url_for(data_dir)
    isolated = _isolated()
    api = stack.start_api(REDIS_URL=url, **isolated)
    worker = stack.start_worker(REDIS_URL=url, **isolated)
    # One real disclosure keeps the single worker busy for seconds; the small ones wait behind it.
    busy = upload(api.client, unique_pdf(GOOD_PDF), "busy.pdf").json()["id"]
    wait_status(api.client, busy, "parsing")
    waiting = {}
    for i in range(4):
        response = upload(api.client, tiny_pdf(), f"waiting{i}.pdf")
        assert response.status_code == 202, response.text
        waiting[response.json()["id"]] = f"waiting{i}.pdf"
    connection = redis.Redis.from_url(url)
    assert Queue(isolated["QUEUE_NAME"], connection=connection).count >= 3  # queued when Redis goes down
    connection.close()

    if how == "shutdown":
        assert redis_embedded.stop(data_dir)  # what `make redis-stop` does
    else:
        state["server"].kill()  # a crash: every write so far is in the append-only file already
    state["server"].wait(10)
    assert not redis_embedded.is_running(data_dir)
    state["server"] = redis_embedded.start(data_dir, detach=False)

    for doc_id, name in {busy: "busy.pdf", **waiting}.items():
        final = wait_finished(api.client, doc_id, timeout_s=180)
        assert final["status"] == "done", final
        _assert_readable(api.client, doc_id, name)
    assert worker.poll() is None  # the worker rode out the restart
    assert api.process.poll() is None
    assert api.client.get("/readyz").status_code == 200
    stack.stop(worker)
    stack.stop(api.process)


def test_nothing_accepted_is_lost_when_the_api_is_killed(stack):
    isolated = _isolated()
    first = stack.start_api(**isolated)
    accepted = {}
    for i in range(3):  # accepted while no worker runs: they exist only in Redis
        response = upload(first.client, tiny_pdf(), f"accepted{i}.pdf")
        assert response.status_code == 202, response.text
        accepted[response.json()["id"]] = f"accepted{i}.pdf"
    stack.kill(first.process)  # kill -9: no shutdown hook runs
    assert first.process.poll() is not None

    second = stack.start_api(**isolated)
    worker = stack.start_worker(**isolated)
    for doc_id, name in accepted.items():
        assert wait_finished(second.client, doc_id)["status"] == "done"
        _assert_readable(second.client, doc_id, name)
    listed = {item["id"] for item in second.client.get("/v1/documents", params={"limit": 500}).json()["items"]}
    assert set(accepted) <= listed
    stack.stop(worker)
    stack.stop(second.process)


def test_a_document_parsing_while_the_api_restarts_completes(stack):
    isolated = _isolated()
    first = stack.start_api(**isolated)
    worker = stack.start_worker(**isolated)
    doc_id = upload(first.client, unique_pdf(GOOD_PDF), "mid-parse.pdf").json()["id"]
    wait_status(first.client, doc_id, "parsing")
    stack.kill(first.process)  # the API (and its reaper) gone while the worker parses
    second = stack.start_api(**isolated)
    final = wait_finished(second.client, doc_id, timeout_s=180)
    assert final["status"] == "done", final
    _assert_readable(second.client, doc_id, "mid-parse.pdf")
    assert second.client.get(f"/v1/documents/{doc_id}/tables/1").status_code == 200
    stack.stop(worker)
    stack.stop(second.process)
