"""`make run`: embedded Redis (unless REDIS_URL is set) + the API + one worker, stopped together on Ctrl-C.

Each child runs in its own session so Ctrl-C reaches only this launcher, which then stops the API,
lets the worker finish its current job (up to a few seconds) and shuts Redis down cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from workers import redis_embedded

from .config import REPO_ROOT, load_settings


def _wait_healthy(url: str, proc: subprocess.Popen, wait_s: float = 30.0) -> bool:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen, grace_s: float) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    settings = load_settings()
    owned_redis = None
    redis_url = settings.redis_url
    if not redis_url:
        owned_redis = redis_embedded.start(settings.data_dir, detach=True)
        redis_url = redis_embedded.url_for(settings.data_dir)
    env = {**os.environ, "REDIS_URL": redis_url}
    bin_dir = Path(sys.executable).parent
    api = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "service.app:create_app",
                            "--host", settings.host, "--port", str(settings.port)],
                           env=env, cwd=REPO_ROOT, start_new_session=True)
    worker = subprocess.Popen([str(bin_dir / "rq"), "worker", "-w", "workers.worker.Worker", "--url", redis_url,
                               settings.queue_name],
                              env=env, cwd=REPO_ROOT, start_new_session=True)
    children = {"API": api, "worker": worker}
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    url = f"http://{settings.host}:{settings.port}"
    code = 0
    try:
        if _wait_healthy(url, api):
            print(f"\n  API ready at {url}   (interactive docs: {url}/schema)\n"
                  f"  Redis: {redis_url}\n  Ctrl-C stops everything.\n", flush=True)
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    print(f"{name} exited with code {proc.returncode}; stopping.", file=sys.stderr)
                    stopping, code = True, 1
            time.sleep(0.3)
    finally:
        print("stopping…", flush=True)
        _stop(api, 10)
        _stop(worker, 15)
        if owned_redis is not None:
            redis_embedded.stop(settings.data_dir)
            try:
                owned_redis.wait(10)
            except subprocess.TimeoutExpired:
                owned_redis.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
