"""/v1/documents: upload, status, list, the result and its parts, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from anyio import to_thread
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import Parameter

from workers.model import BudgetDocument, Carryover, Check, Department, DepartmentPerformance, Project, Table
from workers.parser import PARSER_VERSION

from ..errors import problem, problem_responses
from ..schemas import DocumentList, DocumentStatus, Status, UploadAccepted
from ..store import DONE, FAILED, QueueFull, sha256_hex
from ..uploads import probe, read_upload
from ..views import accepted_view, find, find_done, find_table, load_document, result_response, status_view, table_csv
from . import StoreDep

RESULT_ERRORS = problem_responses(400, 401, 404, 409, 422, 429)
DocId = Annotated[str, Parameter(description="sha256 of the PDF's bytes", pattern="^[0-9a-f]{64}$")]


@dataclass
class UploadOperation(Operation):
    """Documents the two accepted bodies, which the handler reads itself (to stream and limit them)."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.request_body = RequestBody(required=True, content={
            "multipart/form-data": OpenAPIMediaType(schema=Schema(
                type=OpenAPIType.OBJECT, properties={"file": binary}, required=["file"])),
            "application/pdf": OpenAPIMediaType(schema=binary),
        })


@dataclass
class TableOperation(Operation):
    """Documents the CSV form (`/tables/7.csv`) next to the JSON one."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if ok is not None and getattr(ok, "content", None) is not None:
            ok.content["text/csv"] = OpenAPIMediaType(schema=Schema(
                type=OpenAPIType.STRING, description="the table as CSV: UTF-8 with BOM, header row of column labels"))


class DocumentController(Controller):
    path = "/documents"
    tags = ["documents"]

    @post("/", operation_class=UploadOperation, status_code=202, summary="Upload a PDF", responses={
        200: ResponseSpec(data_container=UploadAccepted, description="These bytes were already parsed (or failed)."),
        **problem_responses(400, 401, 413, 415, 422, 429, 503)})
    async def upload(self, request: Request, store: StoreDep,
                     filename: Annotated[str | None, Parameter(
                         description="name to record for a raw application/pdf body")] = None,
                     ) -> Response[UploadAccepted]:
        """Upload a budget PDF as multipart field `file` or as a raw application/pdf body.

        202 with the id and where to poll; the same bytes again answer with the existing document
        (200 once it is parsed) and start no second parse, unless the parser version changed since.
        """
        settings = request.app.state.settings
        data, name = await read_upload(request, filename, settings)
        existing = await to_thread.run_sync(store.get, sha256_hex(data))
        if existing is None or not await to_thread.run_sync(store.reusable, existing, PARSER_VERSION):
            await to_thread.run_sync(probe, data)  # 422 now for PDFs that cannot even be opened
        try:
            record, _ = await to_thread.run_sync(store.submit, data, name, PARSER_VERSION)
        except QueueFull:
            raise problem(503, f"{settings.queue_max} documents are waiting to be parsed (QUEUE_MAX); "
                               "retry in a minute.", kind="queue_full", headers={"Retry-After": "60"}) from None
        body = accepted_view(record)
        code = 200 if record.status in (DONE, FAILED) else 202
        return Response(content=body, status_code=code, headers={"Location": body.status_url})

    @get("/", summary="List documents", sync_to_thread=True, responses=problem_responses(400, 401, 429))
    def list_documents(
        self, store: StoreDep,
        status: Annotated[Status | None, Parameter(description="only documents in this status")] = None,
        department: Annotated[str | None, Parameter(description="exact department name")] = None,
        year: Annotated[int | None, Parameter(description="budget year", ge=1900, le=2200)] = None,
        offset: Annotated[int, Parameter(ge=0)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 50,
    ) -> DocumentList:
        """Documents, most recently uploaded first, filtered by status, department and year."""
        records = [r for r in store.all_records()
                   if (status is None or r.status == status)
                   and (department is None or r.department_name == department)
                   and (year is None or r.department_year == year)]
        page = records[offset:offset + limit]
        return DocumentList(items=[status_view(r) for r in page], total=len(records), offset=offset, limit=limit)

    @get("/{doc_id:str}", summary="A document's status", sync_to_thread=True,
         responses=problem_responses(400, 401, 404, 429))
    def status(self, store: StoreDep, doc_id: DocId) -> DocumentStatus:
        """Where the parse is (queued, parsing, done, failed), why it failed, and what was found."""
        return status_view(find(store, doc_id))

    @delete("/{doc_id:str}", summary="Delete a document", status_code=204, sync_to_thread=True,
            responses=problem_responses(400, 401, 404, 429))
    def delete_document(self, store: StoreDep, doc_id: DocId) -> None:
        """Remove the document, its stored PDF and its result."""
        if not store.delete(doc_id):
            find(store, doc_id)  # raises the 404

    @get("/{doc_id:str}/result", summary="The whole BudgetDocument", sync_to_thread=True,
         responses=RESULT_ERRORS)
    def result(self, store: StoreDep, request: Request, doc_id: DocId) -> Response[BudgetDocument]:
        """The parsed document (MODEL.md). 409 while not parsed yet; 422 if the parse failed."""
        return result_response(store, find_done(store, doc_id), request)

    @get("/{doc_id:str}/department", summary="The publishing body", sync_to_thread=True,
         responses=RESULT_ERRORS)
    def department(self, store: StoreDep, doc_id: DocId) -> Department:
        return load_document(store, doc_id).department

    @get("/{doc_id:str}/tables", summary="The standard tables", sync_to_thread=True,
         responses=RESULT_ERRORS)
    def tables(self, store: StoreDep, doc_id: DocId) -> list[Table]:
        return load_document(store, doc_id).tables

    @get("/{doc_id:str}/tables/{ref:str}", summary="One table, as JSON or (with .csv) as CSV", sync_to_thread=True,
         operation_class=TableOperation,
         responses=RESULT_ERRORS)
    def table(self, store: StoreDep, doc_id: DocId,
              ref: Annotated[str, Parameter(description="table number (1-11) or key (income, …); "
                                                        "append .csv for CSV")]) -> Response[Table]:
        """One table by number or key; `/tables/7.csv` gives it as CSV (UTF-8 with BOM, for Excel)."""
        document = load_document(store, doc_id)
        if ref.endswith(".csv"):
            table = find_table(document, ref.removesuffix(".csv"))
            filename = f"{doc_id[:12]}-table{table.number}-{table.key}.csv"
            return Response(content=table_csv(table), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        return Response(content=find_table(document, ref))

    @get("/{doc_id:str}/projects", summary="The projects", sync_to_thread=True,
         responses=RESULT_ERRORS)
    def projects(self, store: StoreDep, doc_id: DocId) -> list[Project]:
        return load_document(store, doc_id).projects

    @get("/{doc_id:str}/projects/{project_id:str}", summary="One project", sync_to_thread=True,
         responses=RESULT_ERRORS)
    def project(self, store: StoreDep, doc_id: DocId,
                project_id: Annotated[str, Parameter(description="the project's id, e.g. p1")]) -> Project:
        for item in load_document(store, doc_id).projects:
            if item.id == project_id:
                return item
        raise problem(404, f"This document has no project {project_id!r}; list them at "
                           f"/v1/documents/{doc_id}/projects.", kind="unknown_project")

    @get("/{doc_id:str}/carryovers", summary="The carry-overs (table 11 with explanations)", sync_to_thread=True,
         responses=RESULT_ERRORS)
    def carryovers(self, store: StoreDep, doc_id: DocId) -> list[Carryover]:
        return load_document(store, doc_id).carryovers

    @get("/{doc_id:str}/performance", summary="The department's overall performance targets", sync_to_thread=True,
         responses=RESULT_ERRORS)
    def performance(self, store: StoreDep, doc_id: DocId) -> DepartmentPerformance | None:
        return load_document(store, doc_id).performance

    @get("/{doc_id:str}/checks", summary="The consistency checks", sync_to_thread=True,
         responses=RESULT_ERRORS)
    def checks(self, store: StoreDep, doc_id: DocId) -> list[Check]:
        return load_document(store, doc_id).checks
