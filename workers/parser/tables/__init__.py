"""The eleven standard tables: find them, read each page's grid, type the rows."""

from __future__ import annotations

import re

from ...model import TABLE_SPECS, Column, Table
from ..layout import PageLayout
from .columns import CODE, KUAN, LEI, XIANG, assign_roles
from .find import TableFinder, TableSpan, find_tables
from .grid import read_grid
from .rows import RawRow, RowBuilder, gather, is_fragment, mark_units, merge_into

__all__ = ["TableReader", "parse_tables", "find_tables"]


class TableReader:
    """Reads the tables as the pages go by: each page's table regions become grids at once, so no page
    is kept; `finish` types the rows."""

    def __init__(self) -> None:
        self.finder = TableFinder()

    def feed(self, page: PageLayout) -> None:
        for span, region in self.finder.feed(page):
            # a continuation page repeats the first page's header: its lines mark where the header ends
            first = next((g for g in span.grids if g.columns), None)
            grid = read_grid(region, first.header if first else None)
            if grid is not None:
                span.grids.append(grid)

    def finish(self) -> tuple[list[Table], list[str]]:
        """Every standard table found, in number order (first occurrence of each number), and warnings."""
        warnings: list[str] = []
        tables: dict[int, Table] = {}
        for span in self.finder.spans:
            if span.number in tables:
                warnings.append(f"表{span.number} appears twice; kept the first")
                continue
            tables[span.number] = parse_table(span, warnings)
        for number in TABLE_SPECS:
            if number not in tables:
                warnings.append(f"表{number} ({TABLE_SPECS[number][1]}) was not found in the document")
        return [tables[n] for n in sorted(tables)], warnings


def parse_tables(pages: list[PageLayout]) -> tuple[list[Table], list[str]]:
    """The tables of a list of pages (tools and tests; the document builder feeds a TableReader)."""
    reader = TableReader()
    for page in pages:
        reader.feed(page)
    return reader.finish()


def parse_table(span: TableSpan, warnings: list[str]) -> Table:
    key, _, _ = TABLE_SPECS[span.number]
    table = Table(number=span.number, key=key, title=span.title, compiler=span.compiler, unit=span.unit,
                  pages=sorted(set(span.pages)))
    raws: list[RawRow] = []
    columns: list[Column] | None = None
    income_keys: list[str] = []
    value_keys: list[str] = []
    has_codes = False
    notes: list[str] = []
    for grid in span.grids:
        notes += grid.notes
        if not grid.columns:
            continue
        roles = assign_roles(span.number, grid.columns)
        if columns is None:
            columns = _columns(grid.columns, roles)
            income_keys = [r.key for r in roles if r.key and r.side == "income"]
            value_keys = [r.key for r in roles if r.key and r.side != "income"]
            has_codes = span.number in (1, 4) or any(r.kind in (LEI, KUAN, XIANG, CODE) for r in roles)
        page_rows = gather(grid.rows, roles)
        if page_rows and raws and is_fragment(page_rows[0], has_codes):
            merge_into(raws[-1], page_rows.pop(0))
        raws += page_rows
    table.columns = columns or []
    builder = RowBuilder(span.number, value_keys, warnings)
    for raw in raws:
        if span.number in (1, 4):
            table.rows += builder.two_sided(raw, income_keys)
        else:
            row = builder.classified(raw)
            if row is not None:
                table.rows.append(row)
    if span.number == 11:
        mark_units(table.rows)
    note = next((n for n in notes if "为空表" in n), None)
    if note:
        table.empty_note = re.sub(r"\s+", "", note)
    table.empty = not table.rows
    if table.empty and not note:
        warnings.append(f"表{span.number}: no rows could be read")
    return table


def _columns(printed: list, roles: list) -> list[Column]:
    """Value columns in printed order; tables 1 and 4 print `amount` on both sides but list it once."""
    out: list[Column] = []
    for col, role in zip(printed, roles, strict=True):
        if role.key and all(c.key != role.key for c in out):
            out.append(Column(key=role.key, label=re.sub(r"\s+", "", col.label)))
    return out
