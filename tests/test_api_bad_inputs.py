"""Every hostile input of tests/badinputs.py, and a few of the service's own, through the real API to a real worker.

Each case has one defined outcome (the README's "Reliability" table): a 4xx problem at upload (nothing
stored), a `failed` status with a human `error` (and 422 from /result), or a `done` document whose
warnings say what is missing. Never a 500, never a job left hanging. All cases go to ONE worker on a
queue of its own, and the last test checks that this same worker process took every job and still
parses a real disclosure.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import msgspec
import pytest
import redis
from rq import Queue, Worker
from rq.registry import FailedJobRegistry

from tests import badinputs
from workers.model import TABLE_SPECS, BudgetDocument

from .conftest import BASE_ENV, CORPUS, upload, wait_finished
from .test_api_errors import assert_problem
from .test_bad_inputs import assert_human

MAX_UPLOAD_MB = int(BASE_ENV["MAX_UPLOAD_MB"])  # the test APIs' limit (2 MB)
GOOD_PDF = CORPUS / "tekes-2025.public-docx.pdf"
MISSING_TABLE = 9
NOT_A_BUDGET = "No standard budget table"  # the service's warning for a PDF with no budget table


# ---- the service-level cases: built from the corpus and from badinputs ------------------------------

def _pages_of_table(reader, number: int) -> list[int]:
    """Indexes of the pages that open table `number` (its "表 9" line followed by its title).

    The contents page and the narrative name the title too, but never right after "表 N".
    """
    title = TABLE_SPECS[number][1]
    pattern = re.compile(rf"表\s*{number}\s*(部门|单位)?{title}")
    return [i for i, page in enumerate(reader.pages) if pattern.search(re.sub(r"\s+", "", page.extract_text() or ""))]


def budget_missing_table() -> bytes:
    """The corpus disclosure without the page(s) of 表9 (国有资本经营预算支出情况表), rewritten by pypdf."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(GOOD_PDF)
    drop = _pages_of_table(reader, MISSING_TABLE)
    assert len(drop) == 1, drop  # one page in this corpus file; 表10 opens the next page
    writer = PdfWriter()
    for i, page in enumerate(reader.pages):
        if i not in drop:
            writer.add_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _padded_to(size: int) -> bytes:
    """A valid PDF (the English report) of exactly `size` bytes: a comment block, then its end again.

    The padding goes after %%EOF, followed by a second startxref/%%EOF pointing at the original xref,
    so readers still find the cross-reference table from the end of the file.
    """
    data = badinputs.not_a_budget()
    xref = int(data[data.rindex(b"startxref") + len(b"startxref"):].split()[0])
    tail = b"\nstartxref\n%d\n%%%%EOF\n" % xref
    pad = size - len(data) - len(tail)
    lines, rest = divmod(pad, 80)
    block = (b"%" + b"x" * 78 + b"\n") * lines + b"%" * rest
    out = data + block + tail
    assert len(out) == size
    return out


def over_max_upload() -> bytes:
    return _padded_to(MAX_UPLOAD_MB * 1024 * 1024 + 1)


def at_max_upload() -> bytes:
    return _padded_to(MAX_UPLOAD_MB * 1024 * 1024)


# ---- the expected outcomes ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Refused:
    """A problem answer at upload; nothing is stored."""
    status: int
    kind: str
    says: str = ""


@dataclass(frozen=True)
class Failed:
    """Accepted (202), then status `failed` with this error_kind and a human `error`."""
    kind: str
    says: str


@dataclass(frozen=True)
class Parsed:
    """Accepted (202), then status `done`; a warning holding `warns`, and these tables present."""
    warns: str
    tables: tuple[int, ...] = ()


@dataclass(frozen=True)
class Case:
    build: Callable[[], bytes]
    expect: Refused | Failed | Parsed


TEXT_LAYER = "no text layer"
ALL_BUT_MISSING = tuple(n for n in TABLE_SPECS if n != MISSING_TABLE)

CASES: dict[str, Case] = {
    # judged from the bytes before anything is stored
    "empty": Case(badinputs.empty, Refused(400, "empty", "empty")),
    "random_bytes": Case(badinputs.random_bytes, Refused(415, "not_a_pdf", "not a PDF")),
    "html_named_pdf": Case(badinputs.html_named_pdf, Refused(415, "not_a_pdf", "not a PDF")),
    "over_max_upload": Case(over_max_upload, Refused(413, "too_large", f"{MAX_UPLOAD_MB} MB")),
    # the upload probe (the PDF is opened, no page read) refuses what cannot be opened at all
    "pdf_header_only": Case(badinputs.pdf_header_only, Refused(422, "corrupt", "truncated")),
    "truncated": Case(badinputs.truncated, Refused(422, "corrupt", "truncated")),
    "user_password": Case(badinputs.user_password, Refused(422, "encrypted", "password")),
    "zero_pages": Case(badinputs.zero_pages, Refused(422, "no_pages", "no pages")),
    "over_page_limit": Case(badinputs.over_page_limit, Refused(422, "too_large", "at most 2000")),
    "self_reference": Case(badinputs.self_reference, Refused(422, "corrupt", "loop")),
    "deep_page_tree": Case(badinputs.deep_page_tree, Refused(422, "corrupt", "nested too deeply")),
    # opened fine, so accepted; the worker's parse fails with the parser's reason
    "damaged_page": Case(badinputs.damaged_page, Failed("corrupt", "page 1")),
    "scanned": Case(badinputs.scanned, Failed("no_text_layer", TEXT_LAYER)),
    "blank_pages_2000": Case(badinputs.blank_pages_2000, Failed("no_text_layer", TEXT_LAYER)),
    "deflate_bomb": Case(badinputs.deflate_bomb, Failed("too_large", "decompression bomb")),
    "form_xobject_bomb": Case(badinputs.form_xobject_bomb, Failed("too_large", "drawing instructions")),
    "huge_tounicode_range": Case(badinputs.huge_tounicode_range, Failed("corrupt", "far more characters")),
    "huge_cid_widths": Case(badinputs.huge_cid_widths, Failed("corrupt", "far more characters")),
    # readable: parsed, with a warning saying what was not found
    "owner_password_only": Case(badinputs.owner_password_only, Parsed(NOT_A_BUDGET)),
    "circular_page_tree": Case(badinputs.circular_page_tree, Parsed(NOT_A_BUDGET)),
    "not_a_budget": Case(badinputs.not_a_budget, Parsed(NOT_A_BUDGET)),
    "at_max_upload": Case(at_max_upload, Parsed(NOT_A_BUDGET)),
    "budget_missing_table": Case(budget_missing_table, Parsed(
        f"表{MISSING_TABLE} ({TABLE_SPECS[MISSING_TABLE][1]}) was not found", ALL_BUT_MISSING)),
}


def test_every_parser_level_bad_input_is_sent_through_the_service():
    # The parser-level suite's cases and ours must not drift apart.
    assert set(badinputs.CASES) <= set(CASES)
    for name, (_, parser_outcome) in badinputs.CASES.items():
        expect = CASES[name].expect
        if parser_outcome == badinputs.PARSES:
            assert isinstance(expect, Parsed), name
        elif not isinstance(expect, Refused) or expect.status == 422:  # 400/415 come before the parser
            assert expect.kind == parser_outcome, name


# ---- the service under test -----------------------------------------------------------------------------

@dataclass
class Hostile:
    client: httpx.Client
    queue: str
    worker_pid: int
    redis_url: str
    jobs: int = 0  # uploads accepted, each one a job for the worker


@pytest.fixture(scope="module")
def hostile(stack):
    """An API and ONE worker with a queue and keys of their own."""
    tag = uuid.uuid4().hex[:8]
    isolated = {"QUEUE_NAME": f"hostile-{tag}", "REDIS_PREFIX": f"hostile{tag}"}
    api = stack.start_api(**isolated)
    worker = stack.start_worker(**isolated)
    yield Hostile(client=api.client, queue=isolated["QUEUE_NAME"], worker_pid=worker.pid, redis_url=stack.redis_url)
    stack.stop(worker)
    stack.stop(api.process)


def _no_server_error(response: httpx.Response) -> httpx.Response:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    return response


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_through_the_api_and_a_worker(hostile, name):
    expect = CASES[name].expect
    data = CASES[name].build()
    c = hostile.client
    response = _no_server_error(upload(c, data, f"{name}.pdf"))
    doc_id = hashlib.sha256(data).hexdigest()

    if isinstance(expect, Refused):
        body = assert_problem(response, expect.status, expect.kind)
        assert expect.says in body["detail"], body["detail"]
        assert_human(body["detail"])
        assert_problem(c.get(f"/v1/documents/{doc_id}"), 404, "unknown_document")  # nothing was stored
        return

    assert response.status_code == 202, response.text
    assert response.json()["id"] == doc_id
    hostile.jobs += 1
    final = wait_finished(c, doc_id, timeout_s=180)
    assert final["filename"] == f"{name}.pdf"
    result = _no_server_error(c.get(f"/v1/documents/{doc_id}/result"))

    if isinstance(expect, Failed):
        assert final["status"] == "failed", final
        assert final["error_kind"] == expect.kind, final
        assert expect.says in final["error"], final["error"]
        assert_human(final["error"])
        body = assert_problem(result, 422, expect.kind)
        assert final["error"] in body["detail"]
        return

    assert final["status"] == "done", final
    assert final["error"] is None and final["error_kind"] is None
    document = msgspec.json.decode(result.content, type=BudgetDocument)
    assert any(expect.warns in warning for warning in document.warnings), document.warnings
    assert final["counts"]["warnings"] == len(document.warnings)
    assert [t.number for t in document.tables] == list(expect.tables)
    assert final["counts"]["tables"] == len(expect.tables)
    for part in ("tables", "projects", "carryovers", "checks", "department", "performance"):
        _no_server_error(c.get(f"/v1/documents/{doc_id}/{part}"))
    if expect.tables:  # the missing table is a 404 that names it; the others are served
        assert_problem(c.get(f"/v1/documents/{doc_id}/tables/{MISSING_TABLE}"), 404, "unknown_table")
        assert c.get(f"/v1/documents/{doc_id}/tables/{MISSING_TABLE + 1}").status_code == 200


def test_the_same_worker_took_every_job_and_still_parses_a_good_pdf(hostile):
    # Runs after the cases above (pytest keeps file order): one worker, the one we started, took every
    # accepted upload; none of its jobs crashed; it is still listening and parses a real disclosure.
    connection = redis.Redis.from_url(hostile.redis_url)
    queue = Queue(hostile.queue, connection=connection)
    workers = Worker.all(queue=queue)
    assert [w.pid for w in workers] == [hostile.worker_pid]
    assert workers[0].successful_job_count == hostile.jobs
    assert workers[0].failed_job_count == 0
    assert FailedJobRegistry(queue=queue).count == 0
    assert queue.count == 0  # no job left waiting

    data = GOOD_PDF.read_bytes() + f"\n% after the hostile inputs {uuid.uuid4().hex}\n".encode()
    response = upload(hostile.client, data, "good.pdf")
    assert response.status_code == 202, response.text
    final = wait_finished(hostile.client, response.json()["id"], timeout_s=180)
    assert final["status"] == "done", final
    assert final["counts"]["tables"] == len(TABLE_SPECS)
    assert final["department"]["name"] == "特克斯县人力资源和社会保障局"
    assert [w.pid for w in Worker.all(queue=queue)] == [hostile.worker_pid]
    assert Worker.all(queue=queue)[0].successful_job_count == hostile.jobs + 1
