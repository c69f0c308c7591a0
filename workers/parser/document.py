"""Assemble the document from page layouts: find the parts, parse each, join them, check them.

Data flows one way: layouts → tables / narrative / target tables → joined projects and carry-overs →
checks. Pages are consumed one at a time and each reader keeps only what it took from a page, so a
long document never holds every page's characters at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import BudgetDocument, Table
from .checks import run_checks
from .errors import NoTextLayer
from .join import join_carryovers, join_projects
from .layout import PageLayout
from .narrative import NarrativeReader, parse_carryover_notes, parse_department, parse_project_descriptions
from .settings import LIMITS
from .tables import TableReader
from .targets import TargetReader


def build_document(pages: Iterable[PageLayout]) -> BudgetDocument:
    """The document of a stream of page layouts (`page_count` is the number of pages read)."""
    tables_reader, narrative, targets = TableReader(), NarrativeReader(), TargetReader()
    count = chars = 0
    for page in pages:
        count += 1
        chars += len(page.chars)
        tables_reader.feed(page)
        targets.feed(page)
        narrative.feed(page)
    if chars < LIMITS.min_chars_per_text_page:
        raise NoTextLayer("The PDF has no text layer (it looks scanned); upload the original, text-based PDF.")
    tables, warnings = tables_reader.finish()
    if not tables:
        return BudgetDocument(page_count=count, warnings=[
            "No standard budget table (表1 … 表11) was found: this does not look like a budget disclosure "
            "(部门预算公开)."])
    lines = narrative.lines
    department = parse_department(lines)
    department.name = _compiler(tables) or department.name
    if department.scope is None:
        department.scope = "单位" if any(t.title.startswith("单位") for t in tables) else "部门"
    by_number = {t.number: t for t in tables}
    performance, target_tables = targets.finish()
    projects, join_warnings = join_projects(by_number.get(7), parse_project_descriptions(lines), target_tables,
                                            default_unit=department.name)
    carryovers = join_carryovers(by_number.get(11), parse_carryover_notes(lines), default_unit=department.name)
    return BudgetDocument(page_count=count, department=department, tables=tables, projects=projects,
                          carryovers=carryovers, performance=performance, checks=run_checks(tables),
                          warnings=warnings + join_warnings)


def _compiler(tables: list[Table]) -> str | None:
    """The publishing body: the 编制部门 most tables name."""
    names = [t.compiler for t in tables if t.compiler]
    return max(set(names), key=names.count) if names else None
