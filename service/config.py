"""Configuration from the environment, read once into one frozen object.

Shared by the API and the workers (nothing here imports Litestar), so both agree on Redis,
key prefix, queue and limits. Every variable is documented in README.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _list(env: dict[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    # Empty: start (or reuse) the embedded redis-server whose data lives in data_dir.
    redis_url: str = ""
    data_dir: Path = REPO_ROOT / ".data"
    # Every Redis key this service writes starts with this, so one Redis can host several deployments.
    redis_prefix: str = "bd"
    queue_name: str = "parse"
    max_upload_mb: int = 50
    api_keys: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    # Wall-clock limit of one parse; the RQ job gets a little more so our own limit fires first.
    job_timeout_s: int = 300
    # How much memory one parse may add before it is stopped.
    parse_memory_mb: int = 2048
    # Queued documents beyond which uploads get 503.
    queue_max: int = 1000
    # A parsing worker renews its lease this often / lets it expire after this long when it dies.
    lease_ttl_s: int = 30
    # Parses whose worker died are retried this many times in all before the document fails.
    max_attempts: int = 3
    # How often the API looks for documents whose worker died.
    reap_interval_s: int = 5
    # Lifetime of a parsed result (0: keep forever) and of a failed upload's PDF bytes.
    result_ttl_s: int = 0
    failure_ttl_s: int = 7 * 24 * 3600
    # Lifetime of RQ's own job records (we keep our results in our own keys).
    rq_result_ttl_s: int = 3600
    # Requests per minute per API key (0: no limit). Applies only when API_KEYS is set.
    rate_limit_per_min: int = 1200
    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the configuration from `env` (default: os.environ); raise ConfigError on bad values."""
    env = dict(os.environ if env is None else env)
    data_dir = env.get("DATA_DIR", "").strip()
    prefix = env.get("REDIS_PREFIX", "").strip() or "bd"
    return Settings(
        redis_url=env.get("REDIS_URL", "").strip(),
        data_dir=Path(data_dir).resolve() if data_dir else REPO_ROOT / ".data",
        redis_prefix=prefix,
        queue_name=env.get("QUEUE_NAME", "").strip() or "parse",
        max_upload_mb=_int(env, "MAX_UPLOAD_MB", 50, minimum=1),
        api_keys=_list(env, "API_KEYS"),
        cors_origins=_list(env, "CORS_ORIGINS"),
        job_timeout_s=_int(env, "JOB_TIMEOUT_S", 300, minimum=1),
        parse_memory_mb=_int(env, "PARSE_MEMORY_MB", 2048, minimum=1),
        queue_max=_int(env, "QUEUE_MAX", 1000, minimum=1),
        lease_ttl_s=_int(env, "LEASE_TTL_S", 30, minimum=2),
        max_attempts=_int(env, "MAX_ATTEMPTS", 3, minimum=1),
        reap_interval_s=_int(env, "REAP_INTERVAL_S", 5, minimum=1),
        result_ttl_s=_int(env, "RESULT_TTL_S", 0),
        failure_ttl_s=_int(env, "FAILURE_TTL_S", 7 * 24 * 3600, minimum=1),
        rq_result_ttl_s=_int(env, "RQ_RESULT_TTL_S", 3600, minimum=1),
        rate_limit_per_min=_int(env, "RATE_LIMIT_PER_MIN", 1200),
        host=env.get("HOST", "").strip() or "127.0.0.1",
        port=_int(env, "PORT", 8000, minimum=1),
    )
