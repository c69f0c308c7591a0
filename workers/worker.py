"""The RQ worker class the service runs: rq's own Worker, started with the job and the parser already
imported, so every forked work-horse starts warm instead of importing them again (~0.2 s a job), and
kept alive when Redis goes away for a while.

    rq worker -w workers.worker.Worker --url $REDIS_URL parse

rq's stock worker waits out a Redis outage only while it is idle; one that begins while a job runs (a
heartbeat, the job's status once its work-horse ends) makes it quit, and a restarted Redis then finds
no worker. This one waits for Redis to answer again and carries on. The document of the interrupted
job is not lost: its lease lapses and the API's reaper hands it to a new job (service.store.Store.reap).
"""

from __future__ import annotations

import time

import redis
from rq.worker import Worker as _RQWorker
from rq.worker import WorkerStatus

import workers.jobs  # noqa: F401  (imported for the side effect: loaded once, inherited by each fork)
import workers.parser.document  # noqa: F401

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class Worker(_RQWorker):
    """rq.Worker that outlives Redis restarts; importing this module is what preloads the parser."""

    redis_wait_max_s = 30.0  # longest pause between two attempts to reach Redis again

    def execute_job(self, job, queue):
        try:
            super().execute_job(job, queue)
        except REDIS_DOWN as exc:
            self.log.warning("Worker %s: Redis went away during job %s (%s); waiting for it", self.name, job.id, exc)
            if self.horse_pid:  # let the work-horse end first (it has its own time limits)
                self.wait_for_horse()
                self._horse_pid = 0
            self.wait_for_redis()
            self.set_state(WorkerStatus.IDLE)

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None:  # part of a pipeline: errors surface when it executes
            return super().heartbeat(timeout, pipeline)
        try:
            return super().heartbeat(timeout)
        except REDIS_DOWN:
            self.wait_for_redis()
            return super().heartbeat(timeout)

    def wait_for_redis(self) -> None:
        """Block until Redis answers (a warm or cold shutdown request still ends the wait), then make
        sure this worker is registered there again (a Redis restarted without its data forgot it)."""
        pause = 1.0
        while True:
            try:
                self.connection.ping()
                break
            except REDIS_DOWN as exc:
                self.log.warning("Worker %s: Redis unreachable (%s); retrying in %g s", self.name, exc, pause)
                time.sleep(pause)
                pause = min(pause * 2, self.redis_wait_max_s)
        if not self.connection.exists(self.key):
            self.register_birth()
        self.log.info("Worker %s: Redis is back", self.name)
