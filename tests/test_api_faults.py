"""A worker killed with SIGKILL mid-parse: the document is retried by another worker, never lost."""

from __future__ import annotations

import uuid

import psutil

from service.config import load_settings
from service.store import Store

from .conftest import CORPUS, unique_pdf, upload, wait_finished, wait_status


def _own_queue(stack, **env):
    """An API with a queue and keys of its own: we know which worker takes the job, and no other
    test's API (with other settings) reaps its documents. Workers get the same env."""
    tag = uuid.uuid4().hex[:8]
    isolated = {"QUEUE_NAME": f"fault-{tag}", "REDIS_PREFIX": f"fault{tag}"}
    return isolated, stack.start_api(**isolated, **env)


def _record(stack, isolated, doc_id):
    return Store(stack.redis(), load_settings(stack.env(**isolated))).get(doc_id)


def test_killed_worker_job_is_retried_by_another(stack):
    isolated, api = _own_queue(stack)
    victim = stack.start_worker(**isolated)
    data = unique_pdf(sorted(CORPUS.glob("*.pdf"))[0])  # a real document: parsing takes seconds
    doc_id = upload(api.client, data, "victim.pdf").json()["id"]
    wait_status(api.client, doc_id, "parsing")
    stack.kill(victim)  # the worker, its work-horse and the parse child, all at once
    assert _record(stack, isolated, doc_id).status == "parsing"
    rescuer = stack.start_worker(**isolated)
    final = wait_finished(api.client, doc_id)
    assert final["status"] == "done", final["error"]
    assert final["filename"] == "victim.pdf"
    assert _record(stack, isolated, doc_id).attempts == 2
    stack.stop(rescuer)
    stack.stop(api.process)


def test_a_document_whose_workers_keep_dying_fails_with_a_reason(stack):
    isolated, api = _own_queue(stack, MAX_ATTEMPTS="1")
    victim = stack.start_worker(**isolated)
    doc_id = upload(api.client, unique_pdf(sorted(CORPUS.glob("*.pdf"))[0])).json()["id"]
    wait_status(api.client, doc_id, "parsing")
    stack.kill(victim)
    final = wait_finished(api.client, doc_id)
    assert final["status"] == "failed"
    assert final["error_kind"] == "interrupted"
    assert "interrupted" in final["error"] and "again" in final["error"]
    stack.stop(api.process)


def test_parse_limits_fail_the_document_with_a_human_reason(stack):
    isolated, api = _own_queue(stack)
    worker = stack.start_worker(**isolated, PARSE_MEMORY_MB="1")  # far less than a 50-page parse needs
    doc_id = upload(api.client, unique_pdf(sorted(CORPUS.glob("*.pdf"))[0])).json()["id"]
    final = wait_finished(api.client, doc_id)
    assert final["status"] == "failed" and final["error_kind"] == "memory"
    assert "1 MB memory limit" in final["error"]
    assert worker.poll() is None  # the worker survived its parse running out of memory
    stack.stop(worker)
    stack.stop(api.process)


def test_killed_work_horse_is_retried_by_the_surviving_worker(stack):
    isolated, api = _own_queue(stack)
    worker = stack.start_worker(**isolated)
    doc_id = upload(api.client, unique_pdf(sorted(CORPUS.glob("*.pdf"))[0])).json()["id"]
    wait_status(api.client, doc_id, "parsing")
    horses = psutil.Process(worker.pid).children()  # RQ forks one work-horse per job
    assert horses
    for horse in horses:
        horse.kill()
    final = wait_finished(api.client, doc_id)
    assert final["status"] == "done", final["error"]
    assert _record(stack, isolated, doc_id).attempts == 2
    assert worker.poll() is None  # the worker itself survived
    stack.stop(worker)
    stack.stop(api.process)
