"""/v1/departments: which bodies and years have been parsed, and the latest document of each."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from workers.model import BudgetDocument

from ..errors import problem, problem_responses
from ..schemas import DepartmentEntry, DepartmentYear
from ..views import find_done, result_response
from . import StoreDep


class DepartmentController(Controller):
    path = "/departments"
    tags = ["departments"]

    @get("/", summary="Every department seen", sync_to_thread=True,
         responses=problem_responses(401, 429))
    def index(self, store: StoreDep) -> list[DepartmentEntry]:
        """Each department with the years parsed and the document ids for each (latest first)."""
        entries: dict[str, list[DepartmentYear]] = {}
        for name, year, ids in store.departments():
            entries.setdefault(name, []).append(DepartmentYear(year=year, latest=ids[0], documents=ids))
        return [DepartmentEntry(name=name, years=sorted(years, key=lambda y: y.year))
                for name, years in sorted(entries.items())]

    @get("/{name:str}/{year:int}", summary="A department-year's latest document", sync_to_thread=True,
         responses=problem_responses(400, 401, 404, 429))
    def latest(self, store: StoreDep, request: Request,
               name: Annotated[str, Parameter(description="the department's name as printed")],
               year: Annotated[int, Parameter(description="budget year")]) -> Response[BudgetDocument]:
        """The most recently parsed BudgetDocument for this department and budget year."""
        doc_id = store.latest_for(name, year)
        if doc_id is None:
            raise problem(404, f"No parsed document for {name!r} in {year}; see /v1/departments for what exists.",
                          kind="unknown_department")
        return result_response(store, find_done(store, doc_id), request)
