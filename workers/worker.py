"""The RQ worker class the service runs: rq's own Worker, started with the job and the parser already
imported, so every forked work-horse starts warm instead of importing them again (~0.2 s a job).

    rq worker -w workers.worker.Worker --url $REDIS_URL parse
"""

from __future__ import annotations

from rq.worker import Worker as _RQWorker

import workers.jobs  # noqa: F401  (imported for the side effect: loaded once, inherited by each fork)
import workers.parser.document  # noqa: F401


class Worker(_RQWorker):
    """rq.Worker, unchanged; importing this module is what preloads the parser."""
