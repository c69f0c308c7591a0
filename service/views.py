"""From stored records to response bodies, and the document lookups every route shares."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime

import msgspec
from litestar import Request, Response
from litestar.enums import MediaType

from workers.model import BudgetDocument, Table

from .errors import problem
from .schemas import DepartmentRef, DocumentCounts, DocumentStatus, UploadAccepted
from .store import DONE, FAILED, DocumentRecord, Store


def status_url(doc_id: str) -> str:
    return f"/v1/documents/{doc_id}"


def result_url(doc_id: str) -> str:
    return f"/v1/documents/{doc_id}/result"


def _when(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=UTC)


def status_view(record: DocumentRecord) -> DocumentStatus:
    department = None
    if record.department_name or record.department_year is not None:
        department = DepartmentRef(name=record.department_name, year=record.department_year)
    counts = msgspec.json.decode(record.counts, type=DocumentCounts) if record.counts else None
    return DocumentStatus(
        id=record.id, filename=record.filename, status=record.status, error=record.error,
        error_kind=record.error_kind, submitted_at=_when(record.submitted_at), started_at=_when(record.started_at),
        finished_at=_when(record.finished_at), page_count=record.page_count, department=department,
        counts=counts, parser_version=record.parser_version, status_url=status_url(record.id),
        result_url=result_url(record.id))


def accepted_view(record: DocumentRecord) -> UploadAccepted:
    return UploadAccepted(id=record.id, status=record.status, status_url=status_url(record.id),
                          result_url=result_url(record.id))


def find(store: Store, doc_id: str) -> DocumentRecord:
    record = store.get(doc_id)
    if record is None:
        raise problem(404, f"No document has id {doc_id!r}. Upload it with POST /v1/documents; "
                           "the id is the sha256 of the PDF's bytes.", kind="unknown_document")
    return record


def find_done(store: Store, doc_id: str) -> DocumentRecord:
    """The record of a parsed document; 409 while it is queued or parsing, 422 if it failed."""
    record = find(store, doc_id)
    if record.status == FAILED:
        raise problem(422, f"This PDF could not be parsed: {record.error}", kind=record.error_kind or "failed",
                      document_status=FAILED)
    if record.status != DONE:
        raise problem(409, f"The document is {record.status}, not parsed yet; poll {status_url(doc_id)} "
                           "until its status is done.", kind="not_done", document_status=record.status,
                      headers={"Retry-After": "1"})
    return record


def load_document(store: Store, doc_id: str) -> BudgetDocument:
    document = store.result_document(find_done(store, doc_id))
    if document is None:
        raise _expired(doc_id)
    return document


def _expired(doc_id: str):
    return problem(404, f"The result of {doc_id} has expired (RESULT_TTL_S); upload the PDF again to "
                        "parse it anew.", kind="result_expired")


def result_response(store: Store, record: DocumentRecord, request: Request) -> Response:
    """The stored JSON as it is: gzip bytes to clients that accept gzip, else decompressed once."""
    data = store.result_gz(record)
    if data is None:
        raise _expired(record.id)
    headers = {"Vary": "Accept-Encoding", "Content-Location": result_url(record.id)}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
    else:
        data = gzip.decompress(data)
    return Response(content=data, media_type=MediaType.JSON, headers=headers)


def find_table(document: BudgetDocument, ref: str) -> Table:
    for table in document.tables:
        if ref == str(table.number) or ref == table.key:
            return table
    known = ", ".join(f"{t.number} ({t.key})" for t in document.tables) or "none"
    raise problem(404, f"This document has no table {ref!r}. Tables present: {known}.", kind="unknown_table")


def table_csv(table: Table) -> bytes:
    """The table as CSV for spreadsheets: UTF-8 with a BOM (so Excel reads the Chinese), labels as header."""
    optional = [(field, label) for field, label in (("side", "收支"), ("project", "项目"), ("unit", "单位"))
                if any(getattr(row, field) for row in table.rows)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["类型", *(label for _, label in optional), "编码", "名称", *(c.label for c in table.columns)])
    for row in table.rows:
        values = [row.values.get(c.key) for c in table.columns]
        writer.writerow([row.kind, *(getattr(row, field) or "" for field, _ in optional), row.code or "",
                         row.name, *("" if v is None else f"{v:.2f}" for v in values)])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
