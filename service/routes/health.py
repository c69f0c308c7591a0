"""/healthz (the process answers) and /readyz (Redis answers and a worker is listening)."""

from __future__ import annotations

import redis
from litestar import get

from ..errors import problem, problem_responses
from ..schemas import Health, Readiness
from . import StoreDep


# The operations routes need no API key: `security=[{}]` overrides the document-wide apiKey requirement.
@get("/healthz", tags=["operations"], summary="Liveness", security=[{}])
async def healthz() -> Health:
    return Health()


@get("/readyz", tags=["operations"], summary="Readiness", responses=problem_responses(503), sync_to_thread=True,
     security=[{}])
def readyz(store: StoreDep) -> Readiness:
    """Ready when Redis answers and at least one worker listens on the queue; else 503."""
    try:
        store.redis.ping()
        workers = store.worker_count()
        queued = store.queue.count
    except redis.RedisError:
        raise problem(503, "Redis is not reachable; check REDIS_URL.", kind="redis_down",
                      headers={"Retry-After": "5"}) from None
    if workers == 0:
        raise problem(503, "No worker is listening on the queue; start one with `make worker`.",
                      kind="no_worker", headers={"Retry-After": "5"})
    return Readiness(redis=True, workers=workers, queue_length=queued)
