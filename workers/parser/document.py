"""Assemble the document from page layouts: find the parts, parse each, join them, check them.

Data flows one way: layouts → tables / narrative / target tables → joined projects and carry-overs →
checks. No stage reaches back into an earlier one.
"""

from __future__ import annotations

from ..model import BudgetDocument, Table
from .checks import run_checks
from .errors import NoTextLayer
from .join import join_carryovers, join_projects
from .layout import PageLayout
from .narrative import narrative_lines, parse_carryover_notes, parse_department, parse_project_descriptions
from .settings import LIMITS
from .tables import parse_tables
from .targets import find_target_pages, parse_targets


def build_document(pages: list[PageLayout]) -> BudgetDocument:
    if sum(len(p.chars) for p in pages) < LIMITS.min_chars_per_text_page:
        raise NoTextLayer("The PDF has no text layer (it looks scanned); upload the original, text-based PDF.")
    tables, warnings = parse_tables(pages)
    if not tables:
        return BudgetDocument(warnings=[
            "No standard budget table (表1 … 表11) was found: this does not look like a budget disclosure "
            "(部门预算公开)."])
    lines = narrative_lines(pages)
    department = parse_department(lines)
    department.name = _compiler(tables) or department.name
    if department.scope is None:
        department.scope = "单位" if any(t.title.startswith("单位") for t in tables) else "部门"
    by_number = {t.number: t for t in tables}
    performance, targets = parse_targets(find_target_pages(pages))
    projects, join_warnings = join_projects(by_number.get(7), parse_project_descriptions(lines), targets,
                                            default_unit=department.name)
    carryovers = join_carryovers(by_number.get(11), parse_carryover_notes(lines), default_unit=department.name)
    return BudgetDocument(department=department, tables=tables, projects=projects, carryovers=carryovers,
                          performance=performance, checks=run_checks(tables), warnings=warnings + join_warnings)


def _compiler(tables: list[Table]) -> str | None:
    """The publishing body: the 编制部门 most tables name."""
    names = [t.compiler for t in tables if t.compiler]
    return max(set(names), key=names.count) if names else None
