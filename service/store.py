"""Everything kept in Redis: every key is built in `Keys`, every state change is one atomic step here.

A document's life: `submit` stores the PDF, its record (status "queued") and its RQ job in one
transaction → a worker's `start_parse` moves it to "parsing" and takes a lease it renews while it
works → `finish` stores the compressed result and drops the PDF, or `fail` records why not. A lease
that lapses means the worker died; `reap` (run by the API) then re-enqueues the document, at most
`max_attempts` times. Each transition checks the job id, so a late or duplicate job cannot overwrite
a newer one. Used by the API and the workers alike; knows nothing of HTTP.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

import msgspec
import redis
from rq import Queue
from rq.callbacks import Callback
from rq.job import Job, JobStatus
from rq.worker import Worker

from workers.model import BudgetDocument

from .config import Settings

QUEUED, PARSING, DONE, FAILED = "queued", "parsing", "done", "failed"
STATUSES = (QUEUED, PARSING, DONE, FAILED)
PARSE_SECONDS_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class QueueFull(Exception):
    """More documents are waiting than QUEUE_MAX allows."""


class Keys:
    """Every Redis key the service uses. Nothing else formats key strings."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.documents = f"{prefix}:docs"  # zset: id → submitted_at
        self.active = f"{prefix}:active"  # set: ids queued or parsing (what the reaper watches)
        self.departments = f"{prefix}:departments"  # set: JSON [name, year]
        self.metrics = f"{prefix}:metrics"  # hash: counters and histogram buckets

    def document(self, doc_id: str) -> str:
        return f"{self.prefix}:doc:{doc_id}"

    def pdf(self, doc_id: str) -> str:
        return f"{self.prefix}:pdf:{doc_id}"

    def result(self, doc_id: str, parser_version: str) -> str:
        return f"{self.prefix}:result:{doc_id}:{parser_version}"

    def lease(self, doc_id: str) -> str:
        return f"{self.prefix}:lease:{doc_id}"

    def department(self, name: str, year: int) -> str:
        # The name is hashed so a key never depends on what characters a department name holds.
        digest = hashlib.sha256(f"{name}\n{year}".encode()).hexdigest()[:32]
        return f"{self.prefix}:dept:{digest}"  # zset: id → finished_at

    def rate(self, subject: str, window: int) -> str:
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]  # never store an API key itself
        return f"{self.prefix}:rate:{digest}:{window}"


class DocumentRecord(msgspec.Struct, kw_only=True):
    """A document's state as kept in its Redis hash (timestamps are Unix seconds)."""

    id: str
    filename: str = ""
    status: str = QUEUED
    parser_version: str = ""
    queue: str = ""  # the RQ queue its jobs go to (a retry goes back to the same queue)
    job_id: str = ""
    attempts: int = 0
    size_bytes: int = 0
    submitted_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    error_kind: str | None = None
    page_count: int | None = None
    department_name: str | None = None
    department_year: int | None = None
    counts: str | None = None  # JSON object of part counts, written by the worker

    @classmethod
    def from_hash(cls, raw: dict) -> DocumentRecord:
        fields = {k.decode(): v.decode() for k, v in raw.items() if v != b""}
        return msgspec.convert(fields, cls, strict=False)

    def to_hash(self) -> dict[str, str]:
        return {f: "" if getattr(self, f) is None else str(getattr(self, f)) for f in self.__struct_fields__}


@dataclass(frozen=True)
class ParseOutcome:
    """What a successful parse hands to `finish`."""

    result_gz: bytes
    parser_version: str  # of the parser that ran (the worker's), which names the result key
    page_count: int
    department_name: str | None
    department_year: int | None
    counts: dict[str, int]
    seconds: float


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compress(document_json: bytes) -> bytes:
    """Results are stored gzip-compressed: a client that accepts gzip gets the stored bytes as they are."""
    return gzip.compress(document_json, compresslevel=6, mtime=0)


# --- atomic transitions (Lua runs as one step inside Redis) ------------------------------------------

_START = """
-- KEYS: doc, lease, pdf   ARGV: job_id, now, lease_ttl
if redis.call('HGET', KEYS[1], 'job_id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'status') ~= 'queued' then
  return -1
end
local pdf = redis.call('GET', KEYS[3])
if not pdf then return 0 end
redis.call('HSET', KEYS[1], 'status', 'parsing', 'started_at', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
return pdf
"""

_RENEW = """
-- KEYS: doc, lease   ARGV: job_id, lease_ttl
if redis.call('HGET', KEYS[1], 'job_id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'status') ~= 'parsing' then
  return 0
end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1
"""

_FINISH = """
-- KEYS: doc, lease, pdf, result, active   ARGV: job_id, result, result_ttl, id, field, value, ...
if redis.call('HGET', KEYS[1], 'job_id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'status') ~= 'parsing' then
  return 0
end
redis.call('SET', KEYS[4], ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('EXPIRE', KEYS[4], ARGV[3]) end
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'status', 'done', 'error', '', 'error_kind', '')
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('SREM', KEYS[5], ARGV[4])
return 1
"""

_FAIL = """
-- KEYS: doc, lease, pdf, active   ARGV: job_id, now, kind, message, pdf_ttl, id
local status = redis.call('HGET', KEYS[1], 'status')
if redis.call('HGET', KEYS[1], 'job_id') ~= ARGV[1] or (status ~= 'queued' and status ~= 'parsing') then
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'failed', 'finished_at', ARGV[2], 'error_kind', ARGV[3], 'error', ARGV[4])
redis.call('DEL', KEYS[2])
redis.call('EXPIRE', KEYS[3], ARGV[5])  -- keep the bytes a while, so nothing is lost at once
redis.call('SREM', KEYS[4], ARGV[6])
return 1
"""


class Store:
    """Documents, results, the department index, metrics and rate limits, in one Redis."""

    def __init__(self, connection: redis.Redis, settings: Settings) -> None:
        self.redis = connection
        self.settings = settings
        self.keys = Keys(settings.redis_prefix)
        self.queue = Queue(settings.queue_name, connection=connection)
        self._start = connection.register_script(_START)
        self._renew = connection.register_script(_RENEW)
        self._finish = connection.register_script(_FINISH)
        self._fail = connection.register_script(_FAIL)
        self._decoded: OrderedDict[str, BudgetDocument] = OrderedDict()
        self._decoded_lock = Lock()

    # --- reading -------------------------------------------------------------------------------------

    def get(self, doc_id: str) -> DocumentRecord | None:
        raw = self.redis.hgetall(self.keys.document(doc_id))
        return DocumentRecord.from_hash(raw) if raw else None

    def result_gz(self, record: DocumentRecord) -> bytes | None:
        """The stored result, gzip-compressed msgspec JSON of a BudgetDocument."""
        return self.redis.get(self.keys.result(record.id, record.parser_version))

    def result_document(self, record: DocumentRecord) -> BudgetDocument | None:
        """The decoded result; results never change once stored, so decoded ones are kept in memory."""
        key = self.keys.result(record.id, record.parser_version)
        with self._decoded_lock:
            if key in self._decoded:
                self._decoded.move_to_end(key)
                return self._decoded[key]
        data = self.result_gz(record)
        if data is None:
            return None
        document = msgspec.json.decode(gzip.decompress(data), type=BudgetDocument)
        with self._decoded_lock:
            self._decoded[key] = document
            while len(self._decoded) > 16:
                self._decoded.popitem(last=False)
        return document

    def all_records(self) -> list[DocumentRecord]:
        """Every document, newest first."""
        ids = [i.decode() for i in self.redis.zrevrange(self.keys.documents, 0, -1)]
        pipe = self.redis.pipeline(transaction=False)
        for doc_id in ids:
            pipe.hgetall(self.keys.document(doc_id))
        return [DocumentRecord.from_hash(raw) for raw in pipe.execute() if raw]

    def departments(self) -> list[tuple[str, int, list[str]]]:
        """(name, year, document ids newest parse first) for every department-year seen."""
        entries = sorted(tuple(json.loads(m)) for m in self.redis.smembers(self.keys.departments))
        pipe = self.redis.pipeline(transaction=False)
        for name, year in entries:
            pipe.zrevrange(self.keys.department(name, year), 0, -1)
        out = []
        for (name, year), ids in zip(entries, pipe.execute(), strict=True):
            if ids:
                out.append((name, year, [i.decode() for i in ids]))
        return out

    def latest_for(self, name: str, year: int) -> str | None:
        ids = self.redis.zrevrange(self.keys.department(name, year), 0, 0)
        return ids[0].decode() if ids else None

    # --- submitting ----------------------------------------------------------------------------------

    def reusable(self, record: DocumentRecord, parser_version: str) -> bool:
        """Whether an upload of the same bytes should get this record instead of a new parse."""
        if record.status in (QUEUED, PARSING):
            return True
        if record.parser_version != parser_version:
            return False
        if record.status == DONE:
            return bool(self.redis.exists(self.keys.result(record.id, record.parser_version)))
        return True  # failed with this parser: parsing again would fail the same way

    def submit(self, data: bytes, filename: str, parser_version: str) -> tuple[DocumentRecord, bool]:
        """Store the PDF and enqueue its parse, unless the same bytes are already known.

        Returns (record, created). Concurrent submits of the same bytes make exactly one record and one
        job: the record, the PDF and the job are written in one MULTI guarded by WATCH on the record.
        Raises QueueFull when QUEUE_MAX documents are already waiting.
        """
        doc_id = sha256_hex(data)
        key = self.keys.document(doc_id)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.hgetall(key)
                    existing = DocumentRecord.from_hash(raw) if raw else None
                    if existing is not None and self.reusable(existing, parser_version):
                        return existing, False
                    if self.queue.count >= self.settings.queue_max:
                        raise QueueFull()
                    record = DocumentRecord(id=doc_id, filename=filename, status=QUEUED,
                                            parser_version=parser_version, queue=self.queue.name, attempts=1,
                                            size_bytes=len(data), submitted_at=time.time())
                    pipe.multi()
                    if existing is not None:  # a result of an older parser version is replaced
                        pipe.delete(key, self.keys.result(doc_id, existing.parser_version))
                    record.job_id = self._enqueue(pipe, doc_id, self.queue)
                    pipe.hset(key, mapping=record.to_hash())
                    pipe.set(self.keys.pdf(doc_id), data)
                    pipe.zadd(self.keys.documents, {doc_id: record.submitted_at})
                    pipe.sadd(self.keys.active, doc_id)
                    pipe.execute()
                    return record, True
                except redis.WatchError:
                    continue  # another upload of the same bytes won the race: read what it wrote

    def _enqueue(self, pipe: redis.client.Pipeline, doc_id: str, queue: Queue) -> str:
        job_id = uuid.uuid4().hex
        s = self.settings
        queue.enqueue_call(
            "workers.jobs.parse_document", args=(doc_id,), job_id=job_id,
            timeout=s.job_timeout_s + 60,  # our own limit in the job fires first and says why
            result_ttl=s.rq_result_ttl_s, failure_ttl=s.failure_ttl_s,
            on_failure=Callback("workers.jobs.on_job_failure"),
            description=f"parse {doc_id}", pipeline=pipe)
        return job_id

    # --- the worker's side ---------------------------------------------------------------------------

    def start_parse(self, doc_id: str, job_id: str) -> bytes | None:
        """Mark the document parsing and take its lease; returns the PDF bytes, or None if not ours.

        A document that was deleted, or handed to a newer job meanwhile, returns None. One whose PDF
        bytes are gone is failed here.
        """
        k = self.keys
        answer = self._start(keys=[k.document(doc_id), k.lease(doc_id), k.pdf(doc_id)],
                             args=[job_id, time.time(), self.settings.lease_ttl_s])
        if answer == 0:
            self.fail(doc_id, job_id, "lost", "The uploaded PDF bytes are no longer stored; upload the file again.")
            return None
        return None if answer == -1 else answer

    def renew_lease(self, doc_id: str, job_id: str) -> bool:
        """Keep the lease; False when the document is no longer this job's (deleted or reassigned)."""
        k = self.keys
        return bool(self._renew(keys=[k.document(doc_id), k.lease(doc_id)],
                                args=[job_id, self.settings.lease_ttl_s]))

    def finish(self, doc_id: str, job_id: str, outcome: ParseOutcome) -> bool:
        """Store the result and mark the document done; False if the job no longer owns it."""
        k = self.keys
        fields = {"finished_at": time.time(), "parser_version": outcome.parser_version,
                  "page_count": outcome.page_count,
                  "department_name": outcome.department_name or "",
                  "department_year": "" if outcome.department_year is None else outcome.department_year,
                  "counts": json.dumps(outcome.counts)}
        args: list = [job_id, outcome.result_gz, self.settings.result_ttl_s, doc_id]
        for name, value in fields.items():
            args += [name, value]
        done = self._finish(keys=[k.document(doc_id), k.lease(doc_id), k.pdf(doc_id),
                                  k.result(doc_id, outcome.parser_version), k.active], args=args)
        if not done:
            return False
        if outcome.department_name and outcome.department_year is not None:
            name, year = outcome.department_name, outcome.department_year
            pipe = self.redis.pipeline()
            pipe.sadd(k.departments, json.dumps([name, year], ensure_ascii=False))
            pipe.zadd(k.department(name, year), {doc_id: time.time()})
            pipe.execute()
        return True

    def fail(self, doc_id: str, job_id: str, kind: str, message: str) -> bool:
        """Mark the document failed with a reason a person can act on; False if not this job's."""
        k = self.keys
        return bool(self._fail(keys=[k.document(doc_id), k.lease(doc_id), k.pdf(doc_id), k.active],
                               args=[job_id, time.time(), kind, message, self.settings.failure_ttl_s, doc_id]))

    # --- recovering from dead workers ---------------------------------------------------------------

    def requeue_or_fail(self, doc_id: str, job_id: str, reason: str, *, only_if_lease_lapsed: bool) -> str:
        """Give the document's parse to a new job, or fail it once it has had `max_attempts`.

        Returns "requeued", "failed" or "skipped" (not this job's any more, or its worker is alive).
        """
        k = self.keys
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(k.document(doc_id), k.lease(doc_id))
                raw = pipe.hgetall(k.document(doc_id))
                record = DocumentRecord.from_hash(raw) if raw else None
                if record is None or record.job_id != job_id or record.status not in (QUEUED, PARSING):
                    return "skipped"
                if only_if_lease_lapsed and pipe.exists(k.lease(doc_id)):
                    return "skipped"
                pipe.multi()
                pipe.delete(k.lease(doc_id))
                if record.attempts >= self.settings.max_attempts:
                    message = (f"Parsing was interrupted {record.attempts} times ({reason}); giving up. "
                               "Upload the file again later, or report it if this repeats.")
                    pipe.hset(k.document(doc_id), mapping={
                        "status": FAILED, "finished_at": time.time(), "error_kind": "interrupted",
                        "error": message})
                    pipe.expire(k.pdf(doc_id), self.settings.failure_ttl_s)
                    pipe.srem(k.active, doc_id)
                    pipe.hincrby(k.metrics, f"parses_total:{FAILED}", 1)
                    outcome = "failed"
                else:
                    queue = Queue(record.queue, connection=self.redis) if record.queue else self.queue
                    new_job = self._enqueue(pipe, doc_id, queue)
                    pipe.hset(k.document(doc_id), mapping={
                        "status": QUEUED, "job_id": new_job, "attempts": record.attempts + 1, "started_at": ""})
                    outcome = "requeued"
                pipe.execute()
                return outcome
            except redis.WatchError:
                return "skipped"  # someone else (a worker or another API process) changed it first

    def reap(self) -> dict[str, str]:
        """Re-enqueue documents whose worker died; returns {id: outcome} for those acted on.

        Looks at documents queued or parsing only: parsing without a lease means the worker died;
        queued whose RQ job is gone or failed means the job was lost before it started.
        """
        k = self.keys
        ids = [i.decode() for i in self.redis.smembers(k.active)]
        pipe = self.redis.pipeline(transaction=False)
        for doc_id in ids:
            pipe.hmget(k.document(doc_id), "status", "job_id")
            pipe.exists(k.lease(doc_id))
        answers = pipe.execute()
        states = {doc_id: (answers[2 * i], answers[2 * i + 1]) for i, doc_id in enumerate(ids)}
        queued = [(doc_id, job_id.decode()) for doc_id, ((status, job_id), _) in states.items()
                  if status == QUEUED.encode() and job_id]
        pipe = self.redis.pipeline(transaction=False)
        for _, job_id in queued:
            pipe.hget(Job.key_for(job_id), "status")
        lost = {doc_id for (doc_id, _), status in zip(queued, pipe.execute(), strict=True)
                if status is None or status.decode() in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)}
        acted = {}
        for doc_id, ((status, job_id), has_lease) in states.items():
            if status is None:  # deleted meanwhile
                self.redis.srem(k.active, doc_id)
                continue
            if status == PARSING.encode() and not has_lease:
                reason = "the worker stopped responding"
            elif doc_id in lost:
                reason = "the parse job was lost"
            else:
                continue
            outcome = self.requeue_or_fail(doc_id, (job_id or b"").decode(), reason, only_if_lease_lapsed=True)
            if outcome != "skipped":
                acted[doc_id] = outcome
        return acted

    # --- deleting ------------------------------------------------------------------------------------

    def delete(self, doc_id: str) -> bool:
        record = self.get(doc_id)
        if record is None:
            return False
        k = self.keys
        pipe = self.redis.pipeline()
        pipe.delete(k.document(doc_id), k.pdf(doc_id), k.lease(doc_id), k.result(doc_id, record.parser_version))
        pipe.zrem(k.documents, doc_id)
        pipe.srem(k.active, doc_id)
        if record.department_name and record.department_year is not None:
            pipe.zrem(k.department(record.department_name, record.department_year), doc_id)
        pipe.execute()
        if record.department_name and record.department_year is not None:
            key = k.department(record.department_name, record.department_year)
            if not self.redis.exists(key):
                self.redis.srem(k.departments, json.dumps([record.department_name, record.department_year],
                                                          ensure_ascii=False))
        return True

    # --- metrics and rate limits ---------------------------------------------------------------------

    def record_parse(self, seconds: float, pages: int, outcome: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for bound in PARSE_SECONDS_BUCKETS:
            if seconds <= bound:
                pipe.hincrby(self.keys.metrics, f"parse_seconds_bucket:{bound}", 1)
        pipe.hincrby(self.keys.metrics, "parse_seconds_count", 1)
        pipe.hincrbyfloat(self.keys.metrics, "parse_seconds_sum", seconds)
        pipe.hincrby(self.keys.metrics, "pages_parsed_total", pages)
        pipe.hincrby(self.keys.metrics, f"parses_total:{outcome}", 1)
        pipe.execute()

    def status_counts(self) -> dict[str, int]:
        """How many documents are in each status."""
        ids = self.redis.zrange(self.keys.documents, 0, -1)
        pipe = self.redis.pipeline(transaction=False)
        for doc_id in ids:
            pipe.hget(self.keys.document(doc_id.decode()), "status")
        counts = dict.fromkeys(STATUSES, 0)
        for status in pipe.execute():
            if status is not None and status.decode() in counts:
                counts[status.decode()] += 1
        return counts

    def metric_counters(self) -> dict[str, float]:
        return {k.decode(): float(v) for k, v in self.redis.hgetall(self.keys.metrics).items()}

    def worker_count(self) -> int:
        return Worker.count(connection=self.redis, queue=self.queue)

    def rate_limited(self, subject: str, per_minute: int) -> int | None:
        """Count one request for `subject`; seconds to wait when over `per_minute`, else None."""
        now = time.time()
        window = int(now // 60)
        key = self.keys.rate(subject, window)
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 120)
        count = pipe.execute()[0]
        if count <= per_minute:
            return None
        return max(1, int((window + 1) * 60 - now) + 1)
