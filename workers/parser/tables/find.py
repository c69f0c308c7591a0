"""Find the eleven standard tables: their titles, compiler lines and the page regions they occupy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...model import TABLE_SPECS
from ..layout import Line, PageLayout
from ..pages import is_page_number

_COMPILER = re.compile(r"编制(部门|单位)\s*[：:]\s*(.*?)(?:\s+单位\s*[：:]\s*(\S+))?\s*$")
_UNIT_ONLY = re.compile(r"^单位\s*[：:]\s*(\S+)$")
_QUOTES = str.maketrans("", "", "“”\"'‘’「」")
_SENTENCE = re.compile(r"[，。；：:,]")
_LABEL = re.compile(r"^表\s*(\d{1,2})$")


def _title_pattern(core: str) -> re.Pattern[str]:
    return re.compile(r"^(?:表(\d{1,2}))?(.{0,40}?)" + re.escape(core.translate(_QUOTES)) + "$")


# Longest titles first: "财政拨款收支预算总体情况表" must not be read as the shorter "收支总体情况表".
_TITLES = sorted(((n, _title_pattern(spec[1])) for n, spec in TABLE_SPECS.items()),
                 key=lambda item: -len(TABLE_SPECS[item[0]][1]))


@dataclass(slots=True)
class Region:
    """Part of a page holding (part of) one table: from `top` (below its compiler line) to `bottom`."""

    page: PageLayout
    top: float
    bottom: float


@dataclass(slots=True)
class TableSpan:
    number: int
    title: str
    compiler: str | None = None
    unit: str | None = None
    regions: list[Region] = field(default_factory=list)  # filled by find_tables only
    pages: list[int] = field(default_factory=list)
    grids: list = field(default_factory=list)  # each region's Grid, read as the page goes by
    ended: bool = False  # its 为空表 note or a following title closed it


def match_title(line: Line) -> tuple[int, str] | None:
    """The table number and printed title when this line is a standard table's title."""
    text = re.sub(r"\s+", "", line.text)
    if not text or _SENTENCE.search(text):
        return None
    bare = text.translate(_QUOTES)
    for number, pattern in _TITLES:
        m = pattern.match(bare)
        if m and (m.group(1) is None or int(m.group(1)) == number):
            title = re.sub(r"^表\d{1,2}", "", text)
            return number, title
    return None


def parse_compiler(line: Line) -> tuple[str, str | None] | None:
    """(compiler, unit) from "编制部门：X  单位：万元"."""
    m = _COMPILER.search(line.spaced)
    if not m:
        return None
    return re.sub(r"\s+", "", m.group(2)), m.group(3)


class TableFinder:
    """Walks the pages in order, one at a time: a title starts a table, a page opening with a compiler
    line (or, failing that, with the column header under rules) continues it. `feed` returns the page's
    regions at once, so a caller can read them and let the page go."""

    def __init__(self) -> None:
        self.spans: list[TableSpan] = []
        self.current: TableSpan | None = None
        self.last_page: dict[int, int] = {}  # id(span) → number of the last page it was seen on

    def feed(self, page: PageLayout) -> list[tuple[TableSpan, Region]]:
        lines = [ln for ln in page.lines if not is_page_number(ln, page)]
        cuts: list[tuple[int, TableSpan]] = []  # (line index where the table's body region starts, span)
        i = 0
        while i < len(lines):
            found = match_title(lines[i])
            if found and _has_compiler_below(lines, i):
                number, title = found
                if self.current is not None:
                    self.current.ended = True
                self.current = TableSpan(number, title)
                self.spans.append(self.current)
                j = _compiler_index(lines, i)
                _read_compiler(self.current, lines, j)
                cuts.append((j + 1 if j is not None else i + 1, self.current))
                i = (j if j is not None else i) + 1
                continue
            if i == 0 and self.current is not None and not cuts:
                j = _compiler_index(lines, i, look=1)
                if j is not None:
                    # a continuation page repeats the compiler line and the column header
                    _read_compiler(self.current, lines, j)
                    cuts.append((j + 1, self.current))
                    i = j + 1
                    continue
                if self.last_page.get(id(self.current)) == page.number - 1 and \
                        _continues_without_compiler(page, lines, self.current):
                    cuts.append((0, self.current))
            i += 1
        regions = []
        for k, (start, span) in enumerate(cuts):
            if start >= len(lines):
                continue
            end = _title_top(lines, cuts[k + 1][0]) if k + 1 < len(cuts) else page.height
            regions.append((span, Region(page, lines[start].top - 0.5, end)))
            span.pages.append(page.number)
            self.last_page[id(span)] = page.number
            if any("为空表" in ln.text for ln in lines[start:]):
                span.ended = True
        if not cuts:
            self.current = None
        return regions


def find_tables(pages: list[PageLayout]) -> list[TableSpan]:
    """Every table of a list of pages, with its regions (for tools and tests; the parser streams)."""
    finder = TableFinder()
    for page in pages:
        for span, region in finder.feed(page):
            span.regions.append(region)
    return finder.spans


_HEADING = re.compile(r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def _continues_without_compiler(page: PageLayout, lines: list[Line], current: TableSpan) -> bool:
    """A page that goes on with the table of the previous page without repeating its compiler line: it
    opens with ruled, column-aligned text rather than a heading, and the table had not ended."""
    if current.ended:
        return False
    first = lines[0].text if lines else ""
    if any(match_title(ln) for ln in lines[:4]):
        return False
    return not _HEADING.match(first) and len(page.hrules) >= 3 and sum(len(ln.words) >= 3 for ln in lines[:8]) >= 2


def _title_top(lines: list[Line], next_start: int) -> float:
    """Top of the title block that precedes the next table's body region."""
    k = next_start - 1
    while k > 0 and (match_title(lines[k - 1]) or _LABEL.match(lines[k - 1].text.replace(" ", ""))
                     or parse_compiler(lines[k]) or match_title(lines[k])):
        k -= 1
    return lines[k].top - 0.5


def _compiler_index(lines: list[Line], start: int, look: int = 4) -> int | None:
    for j in range(start, min(start + look + 1, len(lines))):
        if parse_compiler(lines[j]):
            return j
    return None


def _has_compiler_below(lines: list[Line], i: int) -> bool:
    return _compiler_index(lines, i + 1) is not None


def _read_compiler(span: TableSpan, lines: list[Line], j: int | None) -> None:
    if j is None:
        return
    compiler, unit = parse_compiler(lines[j]) or (None, None)
    if compiler and not span.compiler:
        span.compiler = compiler
    if unit is None and j + 1 < len(lines):
        m = _UNIT_ONLY.match(lines[j + 1].text)
        unit = m.group(1) if m else None
    if unit and not span.unit:
        span.unit = unit
