"""`make soak`: the long runs, outside `make test` (the file name keeps pytest from collecting it there).

- a long schemathesis run (random seed, many more examples) against the running service;
- a job soak: a stream of uploads (real disclosures, small PDFs, inputs that fail) through one API and
  two workers, while workers are killed with SIGKILL, Redis is killed and restarted from its
  append-only file, and the API is killed and started again. Every accepted upload must end with its
  expected outcome: "jobs lost" counts those that do not.

Each prints one summary line (the README's Reliability figures). Environment: SOAK_EXAMPLES (per
operation and phase, default 1000), SOAK_UPLOADS (default 400).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import httpx

from tests import badinputs
from workers import redis_embedded

from .conftest import CORPUS, unique_pdf, upload
from .pdfs import tiny_pdf
from .test_api_schema_fuzz import run_schemathesis

EXAMPLES = int(os.environ.get("SOAK_EXAMPLES", "1000"))
UPLOADS = int(os.environ.get("SOAK_UPLOADS", "400"))


def test_long_schemathesis_run(stack, tmp_path):
    started = time.monotonic()
    run = run_schemathesis(stack, tmp_path, max_examples=EXAMPLES, seed=None, timeout_s=3600)
    print(f"\nSOAK schemathesis: {run.cases} cases, 0 failures, {time.monotonic() - started:.0f} s")


def _with_tail(data: bytes) -> bytes:
    """The same file with a unique comment after %%EOF: a new document, the same outcome."""
    return data + f"\n% soak {random.getrandbits(64):016x}\n".encode()


def _one_upload(rng: random.Random) -> tuple[bytes, str, str | None]:
    """(bytes, expected final status, expected error_kind)."""
    roll = rng.random()
    if roll < 0.08:
        return unique_pdf(CORPUS / rng.choice(["tekes-2025.public-docx.pdf", "xj-hrss-2025.public-rl.pdf"])), \
            "done", None
    if roll < 0.16:
        return _with_tail(badinputs.scanned()), "failed", "no_text_layer"
    if roll < 0.20:
        return _with_tail(badinputs.deflate_bomb()), "failed", "too_large"
    if roll < 0.26:
        return _with_tail(badinputs.not_a_budget()), "done", None
    return tiny_pdf(), "done", None


def test_job_soak_with_faults(stack, tmp_path_factory):
    rng = random.Random()
    data_dir = Path(tmp_path_factory.mktemp("soak"))
    redis_proc = redis_embedded.start(data_dir, detach=False)
    env = {"REDIS_URL": redis_embedded.url_for(data_dir), "QUEUE_NAME": "soak", "REDIS_PREFIX": "soak",
           "MAX_ATTEMPTS": "10"}
    api = stack.start_api(**env)
    workers = [stack.start_worker(**env) for _ in range(2)]
    expected: dict[str, tuple[str, str | None]] = {}
    refused = kills = redis_down = 0
    redis_at, api_at = UPLOADS // 3, 2 * UPLOADS // 3
    started = time.monotonic()
    try:
        i = 0
        while len(expected) < UPLOADS:
            i += 1
            data, status, kind = _one_upload(rng)
            try:
                response = upload(api.client, data, f"soak{i}.pdf")
            except httpx.TransportError:
                refused += 1
                continue
            if response.status_code == 202:
                expected[response.json()["id"]] = (status, kind)
            else:
                assert response.status_code == 503, response.text  # Redis down: retried by the client
                refused += 1
                time.sleep(0.2)
            accepted = response.status_code == 202
            if accepted and not redis_down and len(expected) % 10 == 9 and rng.random() < 0.5:
                # kill -9 a worker (its work-horse and parse child too) and start another
                victim = workers.pop(rng.randrange(len(workers)))
                stack.kill(victim)
                workers.append(stack.start_worker(**env))
                kills += 1
            if len(expected) == redis_at:
                redis_at, redis_down = -1, 5
                redis_proc.kill()  # a crash; restarted from its append-only file after 5 refused uploads
                redis_proc.wait(10)
            elif redis_down:
                redis_down -= 1
                if not redis_down:
                    redis_proc = redis_embedded.start(data_dir, detach=False)
            if len(expected) == api_at:
                api_at = -1
                stack.kill(api.process)
                api = stack.start_api(**env)

        deadline = time.monotonic() + 900
        pending = dict(expected)
        outcomes: dict[str, dict] = {}
        while pending and time.monotonic() < deadline:
            for doc_id in list(pending):
                body = api.client.get(f"/v1/documents/{doc_id}").json()
                if body.get("status") in ("done", "failed"):
                    outcomes[doc_id] = body
                    del pending[doc_id]
            time.sleep(0.5)
        wrong = {d: (outcomes[d]["status"], outcomes[d]["error_kind"]) for d in outcomes
                 if (outcomes[d]["status"], outcomes[d]["error_kind"]) != expected[d]}
        lost = len(pending)
        alive = sum(w.poll() is None for w in workers)
        print(f"\nSOAK jobs: {len(expected)} uploads accepted ({refused} refused while Redis/API were down, "
              f"retried), {kills} workers killed, 1 Redis crash, 1 API kill, "
              f"{time.monotonic() - started:.0f} s; jobs lost: {lost}; wrong outcomes: {len(wrong)}; "
              f"workers alive: {alive}/2")
        assert not pending, f"{len(pending)} accepted documents never finished"
        assert not wrong, wrong
        assert alive == 2
    finally:
        for worker in workers:
            stack.stop(worker)
        stack.stop(api.process)
        redis_embedded.stop(data_dir)
        redis_proc.wait(10)
