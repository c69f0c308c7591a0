"""RQ jobs: `parse_document(document_id)` turns a stored upload into a stored BudgetDocument.

Stateless: everything comes from and goes to Redis (through service.store), so any `rq worker`
on any machine listening on the queue can run any job. The parse itself runs in a child process
under a time limit and a memory ceiling (workers.guard); the job renews its lease while it waits,
so a worker that dies is noticed and its document handed to another (Store.reap).
"""

from __future__ import annotations

import logging
import time
import traceback

import msgspec
from rq import get_current_job
from rq.job import Job

from service.config import load_settings
from service.store import DONE, FAILED, ParseOutcome, Store, compress
from workers.guard import Abandoned, ChildFailed, LimitExceeded, run_limited
from workers.model import BudgetDocument
from workers.parser import PARSER_VERSION, ParseError, parse_pdf

log = logging.getLogger(__name__)


def count_parts(doc: BudgetDocument) -> dict[str, int]:
    """The `counts` shown in a document's status."""
    return {
        "tables": len(doc.tables),
        "rows": sum(len(t.rows) for t in doc.tables),
        "projects": len(doc.projects),
        "carryovers": len(doc.carryovers),
        "checks": len(doc.checks),
        "checks_failed": sum(not c.ok for c in doc.checks),
        "warnings": len(doc.warnings),
    }


def _parse_and_pack(data: bytes, filename: str) -> tuple:
    """Runs in the child: parse, encode and compress, so only bytes cross back to the worker."""
    doc = parse_pdf(data, filename)
    packed = compress(msgspec.json.encode(doc))
    return packed, doc.page_count, doc.department.name, doc.department.year, count_parts(doc)


def _describe(exc: BaseException) -> tuple[str, str]:
    """Runs in the child: turn an exception into (kind, message) for the document's `error`."""
    if isinstance(exc, ParseError):
        return exc.kind, exc.message
    traceback.print_exc()  # into the worker's log, never to a client
    return "internal", (f"The parser failed on this document ({type(exc).__name__}); the error is logged "
                        "for the developers. Try again after a parser update, or report the file.")


def parse_document(document_id: str) -> str:
    """The RQ entry point. Returns what happened: done, failed, skipped or abandoned."""
    job = get_current_job()
    settings = load_settings()
    store = Store(job.connection, settings)
    data = store.start_parse(document_id, job.id)
    if data is None:
        return "skipped"  # deleted, or handed to a newer job while this one waited
    record = store.get(document_id)
    filename = record.filename if record else ""

    renew_every = max(1.0, settings.lease_ttl_s / 3)
    last_renewal = time.monotonic()

    def keep_going() -> bool:
        nonlocal last_renewal
        if time.monotonic() - last_renewal < renew_every:
            return True
        last_renewal = time.monotonic()
        return store.renew_lease(document_id, job.id)

    started = time.monotonic()
    try:
        packed, pages, name, year, counts = run_limited(
            _parse_and_pack, (data, filename), timeout_s=settings.job_timeout_s,
            memory_mb=settings.parse_memory_mb, keep_going=keep_going, describe_error=_describe)
    except Abandoned:
        log.warning("document %s: no longer this job's; stopped parsing", document_id)
        return "abandoned"
    except (LimitExceeded, ChildFailed) as exc:
        if store.fail(document_id, job.id, exc.kind, exc.message):
            store.record_parse(time.monotonic() - started, 0, FAILED)
        log.info("document %s failed (%s): %s", document_id, exc.kind, exc.message)
        return "failed"
    seconds = time.monotonic() - started
    outcome = ParseOutcome(result_gz=packed, parser_version=PARSER_VERSION, page_count=pages,
                           department_name=name, department_year=year, counts=counts, seconds=seconds)
    if not store.finish(document_id, job.id, outcome):
        return "skipped"
    store.record_parse(seconds, pages, DONE)
    return "done"


def on_job_failure(job: Job, connection, exc_type, exc_value, tb) -> None:
    """RQ calls this when the job raised (e.g. Redis went away mid-job).

    Parse errors never get here (parse_document records them); this is infrastructure failing, so
    the document is given to a new job, or failed after MAX_ATTEMPTS. A work-horse that is killed
    outright is noticed by its lapsed lease instead (Store.reap).
    """
    store = Store(connection, load_settings())
    reason = f"the worker's job failed: {getattr(exc_type, '__name__', 'unknown error')}"
    outcome = store.requeue_or_fail(job.args[0], job.id, reason, only_if_lease_lapsed=False)
    log.warning("document %s: job %s failed (%s) → %s", job.args[0], job.id, reason, outcome)
