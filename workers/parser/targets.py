"""Performance-target tables: 部门（单位）整体绩效目标表 and 项目支出绩效目标表.

The grid is rebuilt from text positions only, so tables drawn with a full grid, with horizontal
rules only or with just an outer frame parse the same way:

- the label part above the indicator header is read as key → value: known label cells (预算单位,
  项目名称, 项目负责人 …, possibly wrapped inside their cell) are keys, the text to their right up to the
  next label of the same row is the value. Cells are vertically centred in their row, so each value
  block is the run of lines whose centre sits at its label's centre (`_assign`).
- the indicator part: column x-ranges come from the header row (一级指标 / 二级指标 / 三级指标 / …) and the
  blank gutters between the columns' text; row centres come from single-line cells; every column's lines
  are then split into cells centred on those rows; merged level-1/level-2 cells are fitted to the run of
  rows they are centred on (`_fit_spans`) and carried down to each row of the run.
- a table continues on following untitled pages whose table frame lines up with the previous page's;
  a page holding the end of one table and the start of another (or text before a title) is cut at
  the title line. A row split over a page break (its part on the next page has no weight) is joined
  back to its row; label text that Word/LibreOffice lets flow over the break is joined to its label.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from statistics import median

from ..model import DepartmentIndicator, DepartmentPerformance, Funds, Indicator, ProjectPerformance
from .layout import Box, PageLayout, Rule, Word
from .pages import is_page_number

_TITLE = re.compile(r"(?:(?:部门|单位)整体|项目支出)绩效目标表")
_YEAR_LINE = re.compile(r"^[（(]?\d{4}年?度?[）)]?$")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

INF = float("inf")

# label (normalised) → field; None marks a label cell that has no value of its own
_PROJECT_LABELS: dict[str, str | None] = {
    "预算单位": "unit", "项目名称": "name", "项目负责人": "owner", "年度预算总额": "total",
    "其中:财政拨款": "fiscal", "财政拨款": "fiscal", "其他资金": "other", "项目总体目标": "goal",
    "项目资金(万元)": None, "项目资金": None,
}
_DEPT_LABELS: dict[str, str | None] = {
    "部门名称(盖章)": "unit", "单位名称(盖章)": "unit", "部门名称": "unit", "单位名称": "unit",
    "部门联系人": "contact", "单位联系人": "contact", "联系人": "contact", "联系电话": "phone",
    "年度绩效目标": "goal", "年度预算(万元)": None, "资金来源": None, "资金总额(万元)": None,
    "财政资金(万元)": None, "上级安排": "superior", "本级安排": "local", "其他资金(万元)": None,
    "其他": "other",
}


def _norm(text: str) -> str:
    """Whitespace removed, full-width parentheses and colon unified (for matching labels only)."""
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").replace("：", ":")


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _title_kind(page: PageLayout) -> str | None:
    for ln in page.lines[:6]:
        m = _TITLE.fullmatch(_clean(ln.text))
        if m:
            return "project" if m.group(0).startswith("项目") else "department"
    return None


# ---- pages -----------------------------------------------------------------------------------------

def _frame(page: PageLayout) -> tuple[float, float, float, float] | None:
    """x0, x1, top, bottom of the page's ruled table area: the box around its long rules (a table
    continued on the next page may lack its bottom rule, a rule-less grid its vertical ones)."""
    h = [r for r in page.hrules if r.x1 - r.x0 > page.width * 0.3]
    v = [r for r in page.vrules if r.bottom - r.top > 20]
    if not h and len(v) < 2:
        return None
    xs0 = [r.x0 for r in h] + [r.x0 for r in v]
    xs1 = [r.x1 for r in h] + [r.x0 for r in v]
    tops = [r.top for r in h] + [r.top for r in v]
    bottoms = [r.top for r in h] + [r.bottom for r in v]
    return min(xs0), max(xs1), min(tops), max(bottoms)


def _continues(prev: PageLayout, page: PageLayout) -> bool:
    """An untitled page continues the previous page's table when its first text sits inside a table
    frame with the same left and right edges as the previous page's."""
    a, b = _frame(prev), _frame(page)
    if a is None or b is None:
        return False
    if abs(a[0] - b[0]) > 3 or abs(a[1] - b[1]) > 3:
        return False
    lines = [ln for ln in page.lines if not is_page_number(ln, page)]
    if not lines:
        return False
    first = lines[0]
    return b[2] - 2 <= first.top and first.bottom <= b[3] + 2 and b[3] - b[2] > 10


def find_target_pages(pages: list[PageLayout]) -> list[list[PageLayout]]:
    """Group pages into performance-target tables: a titled page plus its untitled continuation pages.

    When tables share pages (a table starting under the text before it, or right after the end of the
    previous table), each group holds the part of the page that belongs to its table: a PageLayout of
    the same page number cut at the title lines."""
    groups: list[list[PageLayout]] = []
    current: list[PageLayout] | None = None
    for page in pages:
        for titled, region in _split_at_titles(page):
            if titled:
                current = [region]
                groups.append(current)
            elif current is not None and _continues(current[-1], region):
                current.append(region)
            else:
                current = None
    return groups


class TargetReader:
    """Groups target-table pages as they go by (as find_target_pages does) and parses each table as
    soon as its last page has passed, so no page is kept longer than its table."""

    def __init__(self) -> None:
        self.current: list[PageLayout] | None = None
        self.department: DepartmentPerformance | None = None
        self.projects: list[tuple[str, ProjectPerformance]] = []

    def feed(self, page: PageLayout) -> None:
        for titled, region in _split_at_titles(page):
            if titled:
                self._close()
                self.current = [region]
            elif self.current is not None and _continues(self.current[-1], region):
                self.current.append(region)
            else:
                self._close()

    def finish(self) -> tuple[DepartmentPerformance | None, list[tuple[str, ProjectPerformance]]]:
        self._close()
        return self.department, self.projects

    def _close(self) -> None:
        if self.current:
            department, projects = parse_targets([self.current])
            self.department = self.department or department
            self.projects += projects
        self.current = None


def _split_at_titles(page: PageLayout) -> list[tuple[bool, PageLayout]]:
    """The page cut above each target-table title line: [(titled, part)], top to bottom."""
    cuts = [ln.top - 1 for ln in page.lines if _TITLE.fullmatch(_clean(ln.text))]
    if not cuts:
        return [(False, page)]
    if len(cuts) == 1 and not any(ln.bottom < cuts[0] for ln in page.lines):
        return [(True, page)]
    out = []
    edges = [-INF, *cuts, INF]
    for i, (top, bottom) in enumerate(zip(edges, edges[1:], strict=False)):
        part = _crop(page, top, bottom)
        if part.lines or i > 0:
            out.append((i > 0, part))
    return out


def _crop(page: PageLayout, top: float, bottom: float) -> PageLayout:
    """The part of a page between two heights (its text, rules and rule pieces)."""
    return PageLayout(
        page.number, page.width, page.height,
        [c for c in page.chars if top <= c.yc < bottom],
        [ln for ln in page.lines if top <= (ln.top + ln.bottom) / 2 < bottom],
        [r for r in page.hrules if top <= r.top < bottom],
        [Rule(r.x0, max(r.top, top), r.x1, min(r.bottom, bottom)) for r in page.vrules
         if r.bottom > top and r.top < bottom])


# ---- text pieces -------------------------------------------------------------------------------------

@dataclass
class Seg(Box):
    """A run of text on one visual line (a word, or the part of a line inside one column)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    line: int
    words: list[Word] = field(default_factory=list)


@dataclass
class Block:
    segs: list[Seg]

    @property
    def top(self) -> float:
        return min(s.top for s in self.segs)

    @property
    def bottom(self) -> float:
        return max(s.bottom for s in self.segs)

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def x0(self) -> float:
        return min(s.x0 for s in self.segs)

    @property
    def x1(self) -> float:
        return max(s.x1 for s in self.segs)

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def text(self) -> str:
        return _join(self.segs)


def _join(segs: list[Seg]) -> str:
    return "".join(_clean(s.text) for s in sorted(segs, key=lambda s: (round(s.top, 0), s.x0)))


def _table_segs(page: PageLayout, titled: bool) -> list[Seg]:
    """The words of the page's table area, as Segs (title, year line and page number left out)."""
    fr = _frame(page)
    out: list[Seg] = []
    for i, ln in enumerate(page.lines):
        if fr is not None:
            if ln.bottom < fr[2] - 1 or ln.top > fr[3] + 1:
                continue  # outside the table frame: title, page number …
        elif is_page_number(ln, page) and all(o.top < ln.top for o in page.lines[i + 1:]):
            continue
        if titled and i < 6 and (_TITLE.fullmatch(_clean(ln.text)) or _YEAR_LINE.match(_clean(ln.text))):
            continue
        for w in ln.words:
            out.append(Seg(w.text, w.x0, w.x1, w.top, w.bottom, w.size or 9.0, i, [w]))
    return out


def _lead(segs: list[Seg]) -> tuple[float, float]:
    """Font size and line pitch inside a cell (from the closest same-column line pairs; else 1.22 × size)."""
    size = median([s.size for s in segs]) if segs else 9.0
    pitches = []
    by_x: dict[int, list[Seg]] = {}
    for s in segs:
        by_x.setdefault(round(s.x0), []).append(s)
    for group in by_x.values():
        ys = sorted({round(s.top, 1) for s in group})
        pitches += [b - a for a, b in zip(ys, ys[1:], strict=False) if size * 0.9 < b - a < size * 1.6]
    # the tightest common pitch is the pitch inside a cell (rows are further apart)
    lead = sorted(pitches)[len(pitches) // 10] if len(pitches) >= 3 else size * 1.22
    return size, min(max(lead, size * 0.95), size * 1.35)


def _runs(segs: list[Seg], lead: float) -> list[list[Seg]]:
    """Split a column's segs (sorted by top) where the line pitch is wider than inside a cell."""
    runs: list[list[Seg]] = []
    for s in segs:
        if runs and s.top - runs[-1][-1].top <= lead * 1.2:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def _merge_line(segs: list[Seg]) -> list[Seg]:
    """One Seg per visual line (segs of the same line joined left to right), sorted by top."""
    by_line: dict[int, list[Seg]] = {}
    for s in segs:
        by_line.setdefault(s.line, []).append(s)
    out = []
    for group in by_line.values():
        group.sort(key=lambda s: s.x0)
        out.append(Seg("".join(_clean(s.text) for s in group), group[0].x0, max(s.x1 for s in group),
                       min(s.top for s in group), max(s.bottom for s in group), group[0].size, group[0].line,
                       [w for s in group for w in s.words]))
    out.sort(key=lambda s: s.top)
    return out


# ---- fitting lines to rows -----------------------------------------------------------------------------

def _assign(items: list[Seg], centres: list[float], lead: float,
            prefix_cost: float | None = None) -> tuple[list[Seg], dict[int, list[Seg]]]:
    """Split items (one column's lines, sorted by top) into consecutive cells, each vertically centred
    on a distinct row centre, in order. With `prefix_cost`, leading items may instead be left over (the
    tail of a cell continued from the previous page). Returns (leftover prefix, row index → items)."""
    n, m = len(items), len(centres)
    if n == 0:
        return [], {}
    if m == 0:
        return list(items), {}
    max_group = 400
    # F[i][k]: best cost placing items[:i] into rows < k
    F = [[INF] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int, int]] = {}
    for k in range(m + 1):
        F[0][k] = 0.0
    if prefix_cost is not None:
        for i in range(1, n + 1):
            if items[i - 1].yc >= centres[0]:
                break
            if i == 1 or items[i - 1].top - items[i - 2].top <= lead * 1.6:
                F[i][0] = prefix_cost
                back[(i, 0)] = (0, -1, -2)
            else:
                break
    for i in range(1, n + 1):
        for k in range(1, m + 1):
            best = F[i][k - 1]
            arg = (i, k - 1, -1)
            c = centres[k - 1]
            spread = 0.0  # irregular line pitch inside a cell
            for a in range(i - 1, max(-1, i - 1 - max_group), -1):
                if a < i - 1:
                    pitch = items[a + 1].top - items[a].top
                    if pitch > lead * 1.6:
                        break
                    spread += abs(pitch - lead)
                if F[a][k - 1] == INF:
                    continue
                # a cell stays inside its row: it cannot reach a neighbouring row's centre
                if (k >= 2 and items[a].yc <= centres[k - 2]) or (k < m and items[i - 1].yc >= centres[k]):
                    continue
                gc = (items[a].top + items[i - 1].bottom) / 2
                cost = F[a][k - 1] + abs(gc - c) + spread
                if cost < best - 1e-9:
                    best = cost
                    arg = (a, k - 1, k - 1)
            F[i][k] = best
            back[(i, k)] = arg
    # walk back
    out: dict[int, list[Seg]] = {}
    prefix: list[Seg] = []
    i, k = n, m
    if F[n][m] == INF:  # irregular pitch everywhere: nearest centre per item
        for it in items:
            j = min(range(m), key=lambda r: abs(centres[r] - it.yc))
            out.setdefault(j, []).append(it)
        return [], out
    while i > 0:
        a, k2, row = back[(i, k)]
        if row == -2:
            prefix = items[:i]
            break
        if row >= 0:
            out[row] = items[a:i]
        i, k = a, k2
    return prefix, out


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


# ---- labels (the key/value part) ---------------------------------------------------------------------

@dataclass
class Label:
    key: str | None
    block: Block


def _find_labels(segs: list[Seg], labels: dict[str, str | None], size: float, lead: float) -> list[Label]:
    """Label cells: a word (or run of close words) spelling a known label, possibly wrapped onto the
    lines below within the same cell (same centre or left edge)."""
    names = sorted(labels, key=len, reverse=True)
    by_line: dict[int, list[Seg]] = {}
    for s in segs:
        by_line.setdefault(s.line, []).append(s)
    for group in by_line.values():
        group.sort(key=lambda s: s.x0)
    used: set[int] = set()
    found: list[Label] = []
    order = sorted(segs, key=lambda s: (s.top, s.x0))
    for s in order:
        if id(s) in used:
            continue
        row = by_line[s.line]
        j = row.index(s)
        parts = [s]
        text = _norm(s.text)
        # join letter-spaced words on the same line while they still spell a label's beginning
        while j + 1 < len(row) and row[j + 1].x0 - parts[-1].x1 < size * 1.2 and \
                any(n.startswith(text + _norm(row[j + 1].text)) for n in names):
            j += 1
            parts.append(row[j])
            text += _norm(row[j].text)
        if not any(n.startswith(text) for n in names):
            continue
        best = [list(parts)] if text in labels else []
        # wrapped label: continue on the lines below
        cur = list(parts)
        ctext = text
        while True:
            x0 = min(p.x0 for p in cur if p.line == cur[-1].line)
            x1 = max(p.x1 for p in cur if p.line == cur[-1].line)
            xc = (x0 + x1) / 2
            bottom = cur[-1].top
            nxt = [t for t in segs if id(t) not in used and t.top > bottom + size * 0.5
                   and t.top - bottom <= lead * 1.6 and (abs(t.xc - xc) <= size * 0.8 or abs(t.x0 - x0) <= 1.5)]
            if not nxt:
                break
            t = min(nxt, key=lambda t: (t.top, abs(t.xc - xc)))
            ntext = ctext + _norm(t.text)
            if not any(n.startswith(ntext) for n in names):
                break
            cur.append(t)
            ctext = ntext
            if ctext in labels:
                best.append(list(cur))
        if not best:
            continue
        chosen = best[-1]
        for p in chosen:
            used.add(id(p))
        found.append(Label(labels[_norm("".join(p.text for p in chosen))], Block(chosen)))
    return found


def _label_values(segs: list[Seg], labels: list[Label], lead: float, prefix_cost: float | None
                  ) -> tuple[dict[str, str], list[Seg]]:
    """Each value label's text: the lines to its right, up to the next label of its row, that are
    centred on its row. Also returns the leading lines left over (continuation of the previous page)."""
    label_ids = {id(s) for lb in labels for s in lb.block.segs}
    free = [s for s in segs if id(s) not in label_ids]
    rows = _cluster([lb.block.yc for lb in labels if lb.key], lead * 0.5)
    values: dict[str, str] = {}
    for lb in labels:
        if not lb.key or lb.key in values:
            continue
        yc = lb.block.yc
        right = min((o.block.x0 for o in labels if o is not lb and o.block.x0 > lb.block.x1 - 1
                     and abs(o.block.yc - yc) <= lead * 0.6), default=INF)
        cand = [s for s in free if s.x0 >= lb.block.x1 - 1 and s.x1 <= right + 1]
        items = _merge_line(cand)
        _, out = _assign(items, rows, lead)
        r = min(range(len(rows)), key=lambda k: abs(rows[k] - yc))
        values[lb.key] = _join(out.get(r, []))
    prefix: list[Seg] = []
    if prefix_cost is not None:
        all_rows = _cluster([lb.block.yc for lb in labels], lead * 0.5)
        prefix, _ = _assign(_merge_line(free), all_rows, lead, prefix_cost)
    return values, prefix


# ---- indicator header and columns ------------------------------------------------------------------

_HEADER_FIELDS = [
    ("一级", "level1"), ("二级", "level2"), ("三级", "name"), ("依据", "basis"), ("上年", "last_year"),
    ("完成值", "last_year"), ("权重", "weight"), ("分值", "weight"), ("规则", "scoring"), ("评分", "scoring"),
    ("赋分", "scoring"), ("佐证", "evidence"), ("证明", "evidence"), ("指标值", "target"), ("目标值", "target"),
]


def _header_field(text: str) -> str | None:
    for key, name in _HEADER_FIELDS:
        if key in text:
            return name
    return None


@dataclass
class Header:
    top: float
    bottom: float
    fields: list[str]         # column fields, left to right
    bounds: list[float]       # x boundaries between the columns (len(fields) - 1), on the header's page
    segs: list[Seg]
    centres: list[float] = field(default_factory=list)  # x centre of each column's header cell


def _find_header(segs: list[Seg], size: float, lead: float) -> Header | None:
    starts = [s for s in segs if _norm(s.text).startswith("一级")]
    for start in sorted(starts, key=lambda s: s.top):
        # complete 一级指标 when it wraps in its cell
        cell = [start]
        text = _norm(start.text)
        while not text.startswith("一级指标"):
            nxt = [t for t in segs if t.top > cell[-1].top + size * 0.5 and t.top - cell[-1].top <= lead * 1.6
                   and abs(t.xc - start.xc) <= size * 0.8]
            if not nxt:
                break
            t = min(nxt, key=lambda t: t.top)
            cell.append(t)
            text += _norm(t.text)
        yc = (cell[0].top + cell[-1].bottom) / 2
        near = [s for s in segs if abs(s.yc - yc) <= lead * 3]
        # cells of the header row: runs of same-centred lines that are centred on yc
        cols: list[list[Seg]] = []
        for s in sorted(near, key=lambda s: s.xc):
            if cols and abs(s.xc - sum(t.xc for t in cols[-1]) / len(cols[-1])) <= size * 0.8:
                cols[-1].append(s)
            else:
                cols.append([s])
        cells: list[tuple[str, list[Seg]]] = []
        for col in cols:
            col.sort(key=lambda s: s.top)
            # the shortest run of lines centred on the row that names a column
            runs = []
            for a in range(len(col)):
                for b in range(a, len(col)):
                    if b > a and col[b].top - col[b - 1].top > lead * 1.35:
                        break
                    if abs((col[a].top + col[b].bottom) / 2 - yc) <= lead * 0.35:
                        runs.append(col[a:b + 1])
            for run in sorted(runs, key=len):
                name = _header_field(_norm("".join(s.text for s in run)))
                if name:
                    cells.append((name, run))
                    break
        fields = [c[0] for c in cells]
        if "level1" not in fields or "name" not in fields or len(fields) < 4:
            continue
        hsegs = [s for _, c in cells for s in c]
        top = min(s.top for s in hsegs)
        bottom = max(s.bottom for s in hsegs)
        body = [s for s in segs if s.top > bottom - 0.5]
        centres = [sum(s.xc for s in c) / len(c) for _, c in cells]
        bounds = _gutters(centres, hsegs + body)
        return Header(top, bottom, fields, bounds, hsegs, centres)
    return None


def _gutters(centres: list[float], segs: list[Seg]) -> list[float]:
    """Column boundaries: between each pair of neighbouring header centres, the middle of the widest
    x-interval that no character of the header or the body crosses."""
    spans = sorted((c.x0, c.x1) for s in segs for w in s.words for c in w.chars if c.text.strip())
    bounds = []
    for a, b in zip(centres, centres[1:], strict=False):
        covered = [(max(x0, a), min(x1, b)) for x0, x1 in spans if x1 > a and x0 < b]
        covered.sort()
        best, best_w = (a + b) / 2, -1.0
        pos = a
        for x0, x1 in covered + [(b, b)]:
            if x0 - pos > best_w:
                best_w, best = x0 - pos, (pos + x0) / 2
            pos = max(pos, x1)
        bounds.append(best)
    return bounds


def _split_columns(segs: list[Seg], bounds: list[float]) -> dict[int, list[Seg]]:
    """Cut each seg at the column boundaries (by character centre); one Seg per line and column."""
    pieces: dict[tuple[int, int], list] = {}
    for s in segs:
        for w in s.words:
            for ch in w.chars:
                if not ch.text.strip():
                    continue
                pieces.setdefault((bisect_right(bounds, ch.xc), s.line), []).append(ch)
    cols: dict[int, list[Seg]] = {}
    for (col, line), chars in pieces.items():
        chars.sort(key=lambda c: c.x0)
        cols.setdefault(col, []).append(Seg("".join(c.text for c in chars), chars[0].x0, chars[-1].x1,
                                            min(c.top for c in chars), max(c.bottom for c in chars),
                                            max(c.size for c in chars) or 9.0, line))
    for v in cols.values():
        v.sort(key=lambda s: s.top)
    return cols


# ---- indicator rows ------------------------------------------------------------------------------------

def _row_centres(cols: dict[int, list[Seg]], value_cols: list[int], lead: float) -> list[float]:
    """Row centres: single-line cells (a line with no other line of its column within a line pitch),
    plus multi-line cells that do not straddle those."""
    singles: list[float] = []
    multis: list[tuple[float, float, float]] = []
    for c in value_cols:
        for run in _runs(cols.get(c, []), lead):
            if len(run) == 1:
                singles.append(run[0].yc)
            else:
                multis.append((run[0].top, run[-1].bottom, (run[0].top + run[-1].bottom) / 2))
    centres = _cluster(singles, lead * 0.4)
    extra = [yc for top, bottom, yc in multis
             if not any(top - lead * 0.2 <= c <= bottom + lead * 0.2 for c in centres)]
    return sorted(centres + _cluster(extra, lead * 0.4))


def _fit_spans(blocks: list[Block], bounds: list[float], continued: bool, lead: float, empty: float,
               open_end: bool = False, parent: list[int | None] | None = None) -> list[int | None]:
    """Assign merged-cell labels (blocks, top to bottom) to runs of rows (row k spans bounds[k]..bounds[k+1])
    so that each label is centred on its run. Returns, per row, the index of its label block (None: no
    label; rows before the first label of a continuation page also get None). `empty` is the cost of
    leaving a row without label."""
    n, m = len(bounds) - 1, len(blocks)
    if n <= 0:
        return []
    # G[r][j]: best cost covering rows[:r] with blocks[:j]
    G = [[INF] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int, bool]] = {}
    G[0][0] = 0.0
    for r in range(1, n + 1):
        for j in range(m + 1):
            # row r-1 without label
            if G[r - 1][j] < INF:
                cost = G[r - 1][j] + (0.0 if continued and j == 0 else empty)
                if cost < G[r][j]:
                    G[r][j] = cost
                    back[(r, j)] = (r - 1, j, False)
            if j == 0:
                continue
            b = blocks[j - 1]
            for s in range(r - 1, -1, -1):
                if parent is not None and parent[s] != parent[r - 1]:
                    break  # a level-2 cell stays inside its level-1 cell
                if G[s][j - 1] == INF:
                    continue
                top, bottom = bounds[s], bounds[r]
                if b.bottom > bottom + lead * 0.3:
                    break
                if b.top < top - lead * 0.3:
                    continue
                cost = G[s][j - 1] + abs((top + bottom) / 2 - b.yc)
                if cost < G[r][j]:
                    G[r][j] = cost
                    back[(r, j)] = (s, j - 1, True)
    out: list[int | None] = [None] * n
    if G[n][m] == INF:  # fall back: each row takes the label nearest above or at it
        for k in range(n):
            mid = (bounds[k] + bounds[k + 1]) / 2
            above = [j for j, b in enumerate(blocks) if b.top <= mid + lead]
            out[k] = above[-1] if above else None
        return out
    r, j = n, m
    if open_end and m:
        # rows after the last label of a page the table continues from belong to that label's cell,
        # whose text may be centred on its first rows only
        r = min((k for k in range(1, n + 1) if G[k][m] < INF), key=lambda k: (G[k][m], -k))
    while r > 0:
        s, j2, labelled = back[(r, j)]
        if labelled:
            for k in range(s, r):
                out[k] = j - 1
        r, j = s, j2
    return out


def _row_bounds(rows: list[tuple[float, float]], top: float | None, bottom: float | None,
                lead: float) -> list[float]:
    gaps = [(b[0] - a[1]) / 2 for a, b in zip(rows, rows[1:], strict=False) if b[0] > a[1]]
    half = median(gaps) if gaps else lead * 0.3
    bounds = [top if top is not None else rows[0][0] - half]
    for a, b in zip(rows, rows[1:], strict=False):
        bounds.append((a[1] + b[0]) / 2)
    bounds.append(bottom if bottom is not None else rows[-1][1] + half)
    return bounds


@dataclass
class _Row:
    cells: dict[str, list[str]]
    level1: str | None = None
    level2: str | None = None
    carry: dict[str, bool] = field(default_factory=dict)
    cell: dict[str, int | None] = field(default_factory=dict)  # which label cell of the page


def _indicator_rows(segs: list[Seg], header: Header, top: float | None, bottom: float | None,
                    continued: bool, lead: float, hrules: list, open_end: bool = False,
                    open_top: dict[str, str] | None = None
                    ) -> tuple[list[_Row], dict[str, list[str]], set[str]]:
    """One page's indicator rows (level labels resolved to block texts, None where the page shows no
    label; rows before the first label of a continuation page are marked for carrying over), the text
    continuing the previous page's last row (by field), and the level fields whose last label reaches
    the bottom of the page (its cell may go on over the page break: `open_top` on the next page)."""
    open_top = open_top or {}
    # the gutters between the columns, from this page's text (the header's page may hold no rows)
    bounds = _gutters(header.centres, header.segs + segs) if segs else header.bounds
    cols = _split_columns(segs, bounds)
    idx = {f: i for i, f in enumerate(header.fields)}
    level_cols = [idx[f] for f in ("level1", "level2") if f in idx]
    value_cols = [i for i in range(len(header.fields)) if i not in level_cols]
    centres = _row_centres(cols, value_cols, lead)
    carried: dict[str, list[str]] = {}
    touches: set[str] = set()
    if not centres:
        return [], carried, touches
    first_top = min((s.top for s in segs), default=0.0)
    prefix_ok = continued and (top is None or first_top - top < lead * 1.2)
    assigned: dict[int, dict[int, list[Seg]]] = {}
    prefix_bottom = None
    for c in value_cols:
        prefix, out = _assign(cols.get(c, []), centres, lead, lead * 0.3 if prefix_ok else None)
        assigned[c] = out
        if prefix:
            carried[header.fields[c]] = [_clean(s.text) for s in prefix]
            prefix_bottom = max(prefix_bottom or 0.0, prefix[-1].bottom)
    rows: list[_Row] = []
    extents: list[tuple[float, float]] = []
    for k, yc in enumerate(centres):
        cells: dict[str, list[str]] = {}
        tops, bottoms = [yc], [yc]
        for c in value_cols:
            items = assigned[c].get(k, [])
            if items:
                cells[header.fields[c]] = [_clean(s.text) for s in items]
                tops.append(items[0].top)
                bottoms.append(items[-1].bottom)
        rows.append(_Row(cells))
        extents.append((min(tops), max(bottoms)))
    if prefix_bottom is not None:  # the continued part of the previous page's last row is above row 0
        top = (prefix_bottom + extents[0][0]) / 2
    bounds = _row_bounds(extents, top, bottom, lead)
    # ruled rows: the horizontal rules crossing a level column are its cells' borders
    lo, hi = bounds[0] - 1, bounds[-1] + 1
    ruled = any(lo + 2 < r.top < hi - 2 for r in hrules)
    for field_name in ("level1", "level2"):
        c = idx.get(field_name)
        labels: list[str | None] = [None] * len(rows)
        cell_ids: list[int | None] = [None] * len(rows)
        marks = [False] * len(rows)  # row sits before the page's first label (continuation)
        if c is not None:
            items = cols.get(c, [])
            if continued and rows:
                # the end of a label whose cell was split by the page break sits above the first row
                tail = [s for s in items if s.bottom < extents[0][0] - 0.5]
                if tail:
                    carried[field_name] = [_clean(s.text) for s in tail]
                    items = [s for s in items if s not in tail]
            if ruled:
                xc = _column_centre(header, c)
                ys = sorted({round(r.top, 1) for r in hrules if r.x0 - 1 <= xc <= r.x1 + 1 and lo <= r.top <= hi})
                if not ys or ys[0] > lo + 3:
                    ys.insert(0, lo)
                if ys[-1] < hi - 3:
                    ys.append(hi)
                cell_text = []
                cell_items = []
                for ya, yb in zip(ys, ys[1:], strict=False):
                    inside = [s for s in items if ya - 1 <= s.yc <= yb + 1]
                    cell_text.append(_join(inside) or None)
                    cell_items.append(inside)
                if field_name in open_top and cell_items and cell_items[0] and (
                        abs(Block(cell_items[0]).yc - (ys[0] + ys[1]) / 2) > lead * 0.4
                        or _completes(open_top[field_name], _join(cell_items[0]))):
                    # text flowing on from the previous page's cell (not centred in its own cell)
                    carried[field_name] = [_clean(s.text) for s in cell_items[0]]
                    cell_text[0] = None
                last_cell = max((j for j, t in enumerate(cell_text) if t), default=None)
                if last_cell is not None and cell_items[last_cell][-1].bottom >= bounds[-1] - lead * 0.6:
                    touches.add(field_name)
                seen = False
                for k, yc in enumerate(centres):
                    j = bisect_right(ys, yc) - 1
                    if 0 <= j < len(cell_text):
                        labels[k] = cell_text[j]
                        cell_ids[k] = j
                    seen = seen or labels[k] is not None
                    marks[k] = continued and not seen
            else:
                blocks = [Block(r) for r in _split_label_runs(items, lead)]
                # level-1 cells are hardly ever blank; level-2 ones sometimes are
                level1 = field_name == "level1"
                empty = lead * (1.0 if level1 else 0.6)
                parent = None if level1 else [row.cell.get("level1") for row in rows]
                spans = _fit_spans(blocks, bounds, continued, lead, empty, open_end and level1, parent)
                if field_name in open_top and blocks and 0 in spans:
                    rows0 = [k for k, j in enumerate(spans) if j == 0]
                    if abs((bounds[rows0[0]] + bounds[rows0[-1] + 1]) / 2 - blocks[0].yc) > lead * 0.4 or \
                            _completes(open_top[field_name], blocks[0].text):
                        # text flowing on from the previous page's cell (not centred on any rows)
                        carried[field_name] = [_clean(s.text) for s in blocks[0].segs]
                        blocks = blocks[1:]
                        spans = _fit_spans(blocks, bounds, continued, lead, empty, open_end and level1, parent)
                if blocks and blocks[-1].bottom >= bounds[-1] - lead * 0.6:
                    touches.add(field_name)
                if open_end:
                    # a cell running on over the page break may be centred on its first rows only; a
                    # level-2 cell only within its level-1 cell
                    last = max((k for k, j in enumerate(spans) if j is not None), default=None)
                    if last is not None:
                        for k in range(last + 1, len(spans)):
                            if level1 or rows[k].cell.get("level1") == rows[last].cell.get("level1"):
                                spans[k] = spans[last]
                            else:
                                break
                for k, j in enumerate(spans):
                    labels[k] = blocks[j].text if j is not None else None
                    cell_ids[k] = j
                    marks[k] = continued and _inherits(spans, k)
        for k, row in enumerate(rows):
            setattr(row, field_name, labels[k])
            row.carry[field_name] = marks[k]
            row.cell[field_name] = cell_ids[k]
    return rows, carried, touches


def _completes(head: str, text: str) -> bool:
    """`text` reads as the rest of the label `head` (…指标 labels cut short by a page break)."""
    return not head.endswith("指标") and (head + text).endswith("指标")


def _column_centre(header: Header, c: int) -> float:
    xs = [s.xc for s in header.segs if bisect_right(header.bounds, s.xc) == c]
    if xs:
        return sum(xs) / len(xs)
    return (header.bounds[max(c - 1, 0)] + header.bounds[min(c, len(header.bounds) - 1)]) / 2


def _split_label_runs(items: list[Seg], lead: float) -> list[list[Seg]]:
    """Level labels of merged cells: runs of lines at cell line pitch; a run is also cut after a line
    completing a label word (…指标) when more lines follow at the same pitch (neighbouring cells with no
    gap between them)."""
    out: list[list[Seg]] = []
    for run in _runs(items, lead):
        cur: list[Seg] = []
        for s in run:
            cur.append(s)
            if _clean("".join(t.text for t in cur)).endswith("指标"):
                out.append(cur)
                cur = []
        if cur:
            out.append(cur)
    return out


# ---- a whole table ------------------------------------------------------------------------------------

@dataclass
class _Parsed:
    kind: str
    values: dict[str, str]
    indicators: list[dict[str, str | None]]


def _parse_group(group: list[PageLayout]) -> _Parsed:
    kind = _title_kind(group[0]) or "project"
    label_set = _PROJECT_LABELS if kind == "project" else _DEPT_LABELS
    values: dict[str, str] = {}
    last_key: str | None = None
    header: Header | None = None
    rows: list[_Row] = []
    last_l1: str | None = None
    last_l2: str | None = None
    unmerged: set[str] = set()
    touches: set[str] = set()  # level columns whose last label on the page reached the page's table bottom
    for pi, page in enumerate(group):
        segs = _table_segs(page, titled=pi == 0)
        if not segs:
            continue
        size, lead = _lead(segs)
        fr = _frame(page)
        page_header = None
        if header is None:
            page_header = _find_header(segs, size, lead)
            top_segs = [s for s in segs if page_header is None or s.bottom < page_header.top + 0.5]
            labels = _find_labels(top_segs, label_set, size, lead)
            got, prefix = _label_values(top_segs, labels, lead, lead * 0.3 if pi > 0 else None)
            if prefix and last_key:
                values[last_key] += _join(prefix)
            for lb in sorted(labels, key=lambda lb: (lb.block.yc, lb.block.x0)):
                if lb.key and lb.key not in values:
                    values[lb.key] = got.get(lb.key, "")
                    last_key = lb.key
            if page_header is None:
                continue
            header = page_header
            body = [s for s in segs if s.top > header.bottom - 0.5 and s not in header.segs]
            top = None
            if fr is not None:
                below = [r.top for r in page.hrules if header.bottom - 0.5 < r.top < header.bottom + lead * 2]
                top = min(below) if below else None
            if top is None:
                first = [s.top for s in body]
                top = (header.bottom + min(first)) / 2 if first else header.bottom
        else:
            body = segs
            top = fr[2] if fr is not None else None
        bottom = fr[3] if fr is not None else None
        continued = page_header is None
        page_rows, carried, touches = _indicator_rows(body, header, top, bottom, continued, lead, page.hrules,
                                                    open_end=pi < len(group) - 1,
                                                    open_top={f: getattr(rows[-1], f) or "" for f in touches}
                                                    if rows else {})
        if carried and rows:
            for f, texts in carried.items():
                if f in ("level1", "level2"):
                    _extend_label(rows, f, "".join(texts))
                    continue
                rows[-1].cells.setdefault(f, []).extend(texts)
            last_l1, last_l2 = rows[-1].level1, rows[-1].level2
        for k, row in enumerate(page_rows):
            key = "weight" if "weight" in header.fields else "target"
            if continued and rows and not any(_has_key(r, key) for r in page_rows[:k + 1]):
                # the part of a row split by the page break: back into its row (labels included)
                for f, texts in row.cells.items():
                    rows[-1].cells.setdefault(f, []).extend(texts)
                for f in ("level1", "level2"):
                    if getattr(row, f) is not None:
                        _extend_label(rows, f, getattr(row, f))
                last_l1, last_l2 = rows[-1].level1, rows[-1].level2
                continue
            if rows and k and not any(row.cells.get(f) for f in (key, "target", "basis")):
                # the lower part of a split row drawn as a row of its own on the same page
                for f, texts in row.cells.items():
                    rows[-1].cells.setdefault(f, []).extend(texts)
                continue
            if k and not continued:
                prev = page_rows[k - 1]
                for f in ("level1", "level2"):
                    # the same label in separate cells of neighbouring rows: that column is not merged
                    if getattr(row, f) and getattr(row, f) == getattr(prev, f) and row.cell[f] != prev.cell[f]:
                        unmerged.add(f)
            l1_carried = "level1" not in header.fields or (
                row.level1 is None and row.carry.get("level1", False) and "level1" not in unmerged)
            if l1_carried:
                row.level1 = last_l1
            # a level-2 cell is nested in its level-1 cell: it only carries over with it
            if row.level2 is None and row.carry.get("level2") and l1_carried and "level2" not in unmerged:
                row.level2 = last_l2
            last_l1, last_l2 = row.level1, row.level2
            rows.append(row)
    indicators = []
    for row in rows:
        d: dict[str, str | None] = {f: ("".join(t) or None) for f, t in row.cells.items()}
        d["level1"] = row.level1
        d["level2"] = row.level2
        indicators.append(d)
    return _Parsed(kind, values, indicators)


def _extend_label(rows: list[_Row], name: str, tail: str) -> None:
    """Append the rest of a merged label (continued after a page break) to every row of its run."""
    old = getattr(rows[-1], name)
    for r in reversed(rows):
        if getattr(r, name) != old:
            break
        setattr(r, name, (old or "") + tail)


def _inherits(spans: list[int | None], k: int) -> bool:
    """Row k of a continuation page sits before the page's first label: it belongs to the merged cell
    carried over from the previous page."""
    return all(x is None for x in spans[:k + 1])


def _has_key(row: _Row, key: str) -> bool:
    """A row of its own: it prints a weight (a one-line cell, never left for the part of a row split
    by a page break)."""
    return bool(row.cells.get(key))


def _number(text: str | None) -> float | None:
    if not text:
        return None
    m = _NUMBER.search(text.replace(",", "").replace("，", ""))
    return float(m.group(0)) if m else None


def _text(values: dict[str, str], key: str) -> str | None:
    v = values.get(key)
    return v if v else None


def parse_targets(groups: list[list[PageLayout]]
                  ) -> tuple[DepartmentPerformance | None, list[tuple[str, ProjectPerformance]]]:
    """Parse grouped target-table pages: the department table (first one found) and every project
    table in printed order, as (printed project name, performance)."""
    dept: DepartmentPerformance | None = None
    projects: list[tuple[str, ProjectPerformance]] = []
    for group in groups:
        if not group:
            continue
        p = _parse_group(group)
        v = p.values
        if p.kind == "department":
            if dept is not None:
                continue
            dept = DepartmentPerformance(
                unit=_text(v, "unit"), contact=_text(v, "contact"), phone=_text(v, "phone"),
                goal=_text(v, "goal"),
                funds=Funds(superior=_number(v.get("superior")), local=_number(v.get("local")),
                            other=_number(v.get("other"))),
                indicators=[DepartmentIndicator(level1=d.get("level1"), level2=d.get("level2"), name=d.get("name"),
                                                target=d.get("target"), basis=d.get("basis"),
                                                weight=_number(d.get("weight")))
                            for d in p.indicators])
        else:
            perf = ProjectPerformance(
                unit=_text(v, "unit"), owner=_text(v, "owner"), total=_number(v.get("total")),
                fiscal=_number(v.get("fiscal")), other=_number(v.get("other")), goal=_text(v, "goal"),
                indicators=[Indicator(level1=d.get("level1"), level2=d.get("level2"), name=d.get("name"),
                                      target=d.get("target"), basis=d.get("basis"), last_year=d.get("last_year"),
                                      weight=_number(d.get("weight")), scoring=d.get("scoring"),
                                      evidence=d.get("evidence"))
                            for d in p.indicators])
            projects.append((v.get("name", ""), perf))
    return dept, projects
