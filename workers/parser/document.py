"""Assemble the document from page layouts: find the parts, parse each, join them, check them.

Data flows one way: layouts → tables / narrative / target tables → joined projects and carry-overs →
checks. No stage reaches back into an earlier one.
"""

from __future__ import annotations

from ..model import BudgetDocument, Department, Table
from .checks import run_checks
from .errors import NoTextLayer
from .join import join_carryovers, join_projects
from .layout import PageLayout
from .settings import LIMITS
from .tables import parse_tables


def build_document(pages: list[PageLayout]) -> BudgetDocument:
    if sum(len(p.chars) for p in pages) < LIMITS.min_chars_per_text_page:
        raise NoTextLayer("The PDF has no text layer (it looks scanned); upload the original, text-based PDF.")
    tables, warnings = parse_tables(pages)
    if not tables:
        return BudgetDocument(warnings=[
            "No standard budget table (表1 … 表11) was found: this does not look like a budget disclosure "
            "(部门预算公开)."])
    department = Department()
    department.name = _compiler(tables)
    by_number = {t.number: t for t in tables}
    projects, join_warnings = join_projects(by_number.get(7), [], [], default_unit=department.name)
    carryovers = join_carryovers(by_number.get(11), [], default_unit=department.name)
    return BudgetDocument(department=department, tables=tables, projects=projects, carryovers=carryovers,
                          checks=run_checks(tables), warnings=warnings + join_warnings)


def _compiler(tables: list[Table]) -> str | None:
    """The publishing body: the 编制部门 most tables name."""
    names = [t.compiler for t in tables if t.compiler]
    return max(set(names), key=names.count) if names else None
