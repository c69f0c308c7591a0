"""Dedup, parser-version changes, delete, the departments index, metrics and embedded-Redis persistence."""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import msgspec
import redis
from rq import Queue
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

from service.config import load_settings
from service.store import Keys, ParseOutcome, Store, compress
from workers import redis_embedded
from workers.model import BudgetDocument, Department
from workers.parser import PARSER_VERSION

from .conftest import upload, wait_finished
from .pdfs import tiny_pdf


def parse_jobs_for(stack, doc_id: str) -> list[str]:
    """Every RQ job (waiting, running, finished or failed) that parses `doc_id`."""
    connection = stack.redis()
    queue = Queue(stack.queue, connection=connection)
    ids = set(queue.job_ids)
    for registry in (StartedJobRegistry, FinishedJobRegistry, FailedJobRegistry):
        ids |= set(registry(queue=queue).get_job_ids())
    jobs = [queue.fetch_job(job_id) for job_id in ids]
    return [job.id for job in jobs if job is not None and job.args == (doc_id,)]


def test_same_bytes_again_return_the_existing_document(client, stack):
    data = tiny_pdf()
    first = upload(client, data, "a.pdf")
    assert first.status_code == 202
    doc_id = first.json()["id"]
    assert wait_finished(client, doc_id)["status"] == "done"
    again = upload(client, data, "renamed.pdf")
    assert again.status_code == 200
    assert again.json()["id"] == doc_id and again.json()["status"] == "done"
    raw = client.post("/v1/documents", content=data, headers={"Content-Type": "application/pdf"})
    assert raw.status_code == 200 and raw.json()["id"] == doc_id
    assert client.get(f"/v1/documents/{doc_id}").json()["filename"] == "a.pdf"
    assert len(parse_jobs_for(stack, doc_id)) == 1


def test_fifty_concurrent_uploads_make_one_parse(client, stack):
    data = tiny_pdf()
    with ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(lambda i: upload(client, data, f"copy{i}.pdf"), range(50)))
    assert all(r.status_code in (200, 202) for r in responses), {r.status_code for r in responses}
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    doc_id = ids.pop()
    assert wait_finished(client, doc_id)["status"] == "done"
    assert len(parse_jobs_for(stack, doc_id)) == 1


def test_a_new_parser_version_parses_again(client, stack):
    data = tiny_pdf()
    doc_id = upload(client, data).json()["id"]
    assert wait_finished(client, doc_id)["status"] == "done"
    keys = Keys(stack.prefix)
    connection = stack.redis()
    # As if this result had been made by an older parser: its record and result key say so.
    connection.rename(keys.result(doc_id, PARSER_VERSION), keys.result(doc_id, "0.0.0-old"))
    connection.hset(keys.document(doc_id), "parser_version", "0.0.0-old")
    again = upload(client, data)
    assert again.status_code == 202
    final = wait_finished(client, doc_id)
    assert final["status"] == "done" and final["parser_version"] == PARSER_VERSION
    assert not connection.exists(keys.result(doc_id, "0.0.0-old"))
    assert len(parse_jobs_for(stack, doc_id)) == 2


def test_the_pdf_bytes_are_dropped_once_parsed(client, stack):
    doc_id = upload(client, tiny_pdf()).json()["id"]
    assert wait_finished(client, doc_id)["status"] == "done"
    keys, connection = Keys(stack.prefix), stack.redis()
    assert not connection.exists(keys.pdf(doc_id))
    stored = connection.get(keys.result(doc_id, PARSER_VERSION))
    assert stored[:2] == b"\x1f\x8b"  # gzip


def test_delete(client):
    data = tiny_pdf()
    doc_id = upload(client, data).json()["id"]
    assert wait_finished(client, doc_id)["status"] == "done"
    assert client.delete(f"/v1/documents/{doc_id}").status_code == 204
    assert client.get(f"/v1/documents/{doc_id}").status_code == 404
    assert client.get(f"/v1/documents/{doc_id}/result").status_code == 404
    listed = client.get("/v1/documents", params={"limit": 500}).json()["items"]
    assert doc_id not in {item["id"] for item in listed}
    assert upload(client, data).status_code == 202  # gone, so the same bytes are a new upload
    assert wait_finished(client, doc_id)["status"] == "done"


def _store_on_idle_queue(stack) -> Store:
    """A Store on this stack's keys but a queue no worker reads, so the test plays the worker."""
    settings = load_settings(stack.env(QUEUE_NAME=f"idle-{uuid.uuid4().hex[:8]}"))
    return Store(stack.redis(), settings)


def _parsed_as(store: Store, name: str, year: int) -> str:
    record, created = store.submit(tiny_pdf(), "dept.pdf", PARSER_VERSION)
    assert created
    assert store.start_parse(record.id, record.job_id) is not None
    document = BudgetDocument(id=record.id, filename="dept.pdf", page_count=1, parser_version=PARSER_VERSION,
                              department=Department(name=name, year=year))
    outcome = ParseOutcome(result_gz=compress(msgspec.json.encode(document)), parser_version=PARSER_VERSION,
                           page_count=1,
                           department_name=name, department_year=year, counts={}, seconds=0.1)
    assert store.finish(record.id, record.job_id, outcome)
    return record.id


def test_departments_index_and_latest(client, stack):
    store = _store_on_idle_queue(stack)
    name = f"测试部门{uuid.uuid4().hex[:6]}"
    older = _parsed_as(store, name, 2031)
    newer = _parsed_as(store, name, 2031)
    other_year = _parsed_as(store, name, 2030)
    index = {entry["name"]: entry for entry in client.get("/v1/departments").json()}
    years = {y["year"]: y for y in index[name]["years"]}
    assert sorted(years) == [2030, 2031]
    assert years[2031]["documents"] == [newer, older] and years[2031]["latest"] == newer
    assert years[2030]["documents"] == [other_year]
    latest = client.get(f"/v1/departments/{name}/2031")
    assert latest.status_code == 200
    assert msgspec.json.decode(latest.content, type=BudgetDocument).id == newer
    filtered = client.get("/v1/documents", params={"department": name, "year": 2031}).json()
    assert {item["id"] for item in filtered["items"]} == {older, newer}
    client.delete(f"/v1/documents/{newer}")
    assert msgspec.json.decode(client.get(f"/v1/departments/{name}/2031").content, type=BudgetDocument).id == older
    client.delete(f"/v1/documents/{older}")
    assert client.get(f"/v1/departments/{name}/2031").status_code == 404
    index = {entry["name"]: entry for entry in client.get("/v1/departments").json()}
    assert [y["year"] for y in index[name]["years"]] == [2030]


def test_metrics(client):
    doc_id = upload(client, tiny_pdf()).json()["id"]
    assert wait_finished(client, doc_id)["status"] == "done"
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    values = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            values[key] = float(value)
    assert values['bd_documents{status="done"}'] >= 1
    assert values["bd_parse_seconds_count"] >= 1
    assert values['bd_parse_seconds_bucket{le="+Inf"}'] == values["bd_parse_seconds_count"]
    assert values["bd_pages_parsed_total"] >= 1
    assert values["bd_queue_length"] >= 0 and values["bd_workers"] >= 1
    buckets = [v for k, v in values.items() if re.match(r"bd_parse_seconds_bucket\{le=\"[0-9.]+\"\}", k)]
    assert buckets == sorted(buckets)  # cumulative


def test_embedded_redis_keeps_data_across_restarts(tmp_path):
    data_dir = tmp_path / "d"
    server = redis_embedded.start(data_dir, detach=False)
    try:
        connection = redis_embedded_client(data_dir)
        connection.set("kept", "yes")
    finally:
        assert redis_embedded.stop(data_dir)
        server.wait(10)
    assert not redis_embedded.is_running(data_dir)
    server = redis_embedded.start(data_dir, detach=False)
    try:
        assert redis_embedded_client(data_dir).get("kept") == b"yes"
        assert redis_embedded.start(data_dir, detach=False) is None  # one server per data folder
    finally:
        redis_embedded.stop(data_dir)
        server.wait(10)


def redis_embedded_client(data_dir) -> redis.Redis:
    return redis.Redis.from_url(redis_embedded.url_for(data_dir))


def test_a_queued_document_whose_job_vanished_is_enqueued_again(stack):
    store = _store_on_idle_queue(stack)
    record, _ = store.submit(tiny_pdf(), "lost.pdf", PARSER_VERSION)
    store.queue.fetch_job(record.job_id).delete()  # as if the job were lost before any worker took it
    store.reap()  # (the test API's own reaper may get there first; either way the outcome is the same)
    deadline = time.monotonic() + 10
    while (now := store.get(record.id)).job_id == record.job_id and time.monotonic() < deadline:
        time.sleep(0.1)
    assert now.job_id != record.job_id and now.status == "queued" and now.attempts == 2
    assert now.job_id in store.queue.job_ids  # back on the queue the document came from
    assert store.redis.exists(store.keys.pdf(record.id))  # the upload is still there
