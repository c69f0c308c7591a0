"""The API's own response types. The document parts themselves are workers.model's Structs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

Status = Literal["queued", "parsing", "done", "failed"]


class UploadAccepted(msgspec.Struct, kw_only=True):
    id: str  # sha256 of the uploaded bytes
    status: Status
    status_url: str
    result_url: str


class DepartmentRef(msgspec.Struct, kw_only=True):
    name: str | None = None
    year: int | None = None


class DocumentCounts(msgspec.Struct, kw_only=True):
    tables: int = 0
    rows: int = 0
    projects: int = 0
    carryovers: int = 0
    checks: int = 0
    checks_failed: int = 0
    warnings: int = 0


class DocumentStatus(msgspec.Struct, kw_only=True):
    id: str
    filename: str
    status: Status
    error: str | None = None  # why the parse failed, for a person
    error_kind: str | None = None  # the same as a stable code (encrypted, no_text_layer, timeout, …)
    submitted_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    page_count: int | None = None
    department: DepartmentRef | None = None
    counts: DocumentCounts | None = None
    parser_version: str
    status_url: str
    result_url: str


class DocumentList(msgspec.Struct, kw_only=True):
    items: list[DocumentStatus]
    total: int  # matching documents, over all pages
    offset: int
    limit: int


class DepartmentYear(msgspec.Struct, kw_only=True):
    year: int
    latest: str  # id of the most recently parsed document
    documents: list[str]  # ids, most recently parsed first


class DepartmentEntry(msgspec.Struct, kw_only=True):
    name: str
    years: list[DepartmentYear]


class Health(msgspec.Struct, kw_only=True):
    status: Literal["ok"] = "ok"


class Readiness(msgspec.Struct, kw_only=True):
    status: Literal["ready"] = "ready"
    redis: bool
    workers: int
    queue_length: int
