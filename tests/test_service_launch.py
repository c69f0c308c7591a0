"""`make run`'s launcher: embedded Redis + API + worker come up together and stop together on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import psutil

from workers import redis_embedded

from .conftest import ROOT, free_port, upload, wait_finished
from .pdfs import tiny_pdf


def test_launcher_starts_everything_and_stops_everything(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "REDIS_PREFIX", "QUEUE_NAME")}
    env.update(DATA_DIR=str(tmp_path / "data"), PORT=str(port), HOST="127.0.0.1")
    launcher = subprocess.Popen([sys.executable, "-m", "service.launch"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert launcher.poll() is None and time.monotonic() < deadline, "the stack did not become ready"
            time.sleep(0.2)
        doc_id = upload(client, tiny_pdf()).json()["id"]
        assert wait_finished(client, doc_id)["status"] == "done"
        children = psutil.Process(launcher.pid).children(recursive=True)
        assert redis_embedded.is_running(tmp_path / "data")
        launcher.send_signal(signal.SIGINT)  # what Ctrl-C does
        output = launcher.communicate(timeout=60)[0].decode()
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert f"API ready at http://127.0.0.1:{port}" in output
    assert launcher.returncode == 0
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.pid for p in alive]
    assert not redis_embedded.is_running(tmp_path / "data")
    assert (tmp_path / "data" / "redis" / "appendonly.aof").exists()  # the data stays for the next start
