"""A table region's geometry → header columns and body rows of cell texts.

Stages, each on plain data: region lines → header/body split → header blocks (labels, wrapped labels
joined) → leaf blocks (one per column) → column bounds (vertical rules, else text gaps) → row bands
(horizontal rules, else vertical gaps) → cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..layout import Box, Char, Line, Rule, chars_to_lines
from ..pages import is_page_number
from .find import Region

_MONEY_PART = re.compile(r"\d\.\d|^\d{1,3}(,\d{3})+")
_CODE = re.compile(r"^\d{3}$|^\d{5}$|^\d{7}$")
_NUMBERING = re.compile(r"^(※|\d{1,2})$")
_NOTE = re.compile(r"为空表|^注[：:]")


@dataclass(slots=True)
class Block(Box):
    """A header label: words stacked or side by side inside one header cell."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str


@dataclass(slots=True)
class Column:
    x0: float
    x1: float
    label: str  # the leaf label (or the numbering token when the label is above it)
    path: list[str]  # ancestor labels, outermost first, then the leaf label
    numbered: str | None = None  # "※" or "1", "2" … from a numbering row


@dataclass(slots=True)
class Cell:
    text: str  # whitespace removed, wrapped lines joined
    spaced: str  # lines joined, words separated by single spaces
    bold: bool


@dataclass(slots=True)
class BodyRow:
    top: float
    bottom: float
    cells: list[Cell]  # one per column


@dataclass(slots=True)
class Grid:
    columns: list[Column]
    rows: list[BodyRow]
    notes: list[str] = field(default_factory=list)  # sentences under the table (为空表 …)
    header: list[str] = field(default_factory=list)  # the header's line texts, to recognise it when repeated


def region_lines(region: Region) -> list[Line]:
    page = region.page
    return [ln for ln in page.lines
            if region.top <= ln.top < region.bottom and not is_page_number(ln, page)]


# ---- header / body split ------------------------------------------------------------------------

def is_data_line(line: Line) -> bool:
    """A body line: it holds a money figure or a classification code (header labels hold neither)."""
    return any(_MONEY_PART.search(w.text) or _CODE.match(w.text) for w in line.words)


def is_numbering_row(line: Line) -> bool:
    """"※ ※ ※ 1 2 3 …": label columns marked ※, value columns numbered 1, 2, 3 … in order. (The tails
    of figures wrapped in narrow columns, "7 0 6", are not.)"""
    texts = [w.text for w in line.words]
    numbers = [int(t) for t in texts if t.isdigit()]
    return (len(texts) >= 3 and all(_NUMBERING.match(t) for t in texts)
            and numbers == list(range(1, len(numbers) + 1)))


def split_header(lines: list[Line]) -> int:
    """Index of the first body line (len(lines) when the table has no body).

    The numbering row (※ ※ 1 2 3 …) closes the header when printed; else the first line with a figure.
    """
    for i, line in enumerate(lines):
        if is_numbering_row(line):
            return i + 1
    for i, line in enumerate(lines):
        if is_data_line(line):
            return i
    return len(lines)


# ---- header blocks and columns ------------------------------------------------------------------

def header_blocks(lines: list[Line], hrules: list[Rule]) -> list[Block]:
    """Join header words into label blocks: vertically adjacent, horizontally overlapping words with no
    rule between them."""
    words = sorted((w for ln in lines for w in ln.words), key=lambda w: (w.top, w.x0))
    blocks: list[tuple[Block, float]] = []  # (block, font size)

    def ruled_between(b: Block, w) -> bool:
        return any(b.bottom - 1 <= r.top <= w.top + 1 and min(r.x1, w.x1) - max(r.x0, w.x0) > 0.5 for r in hrules)

    for w in words:
        for b, size in reversed(blocks):
            gap = w.top - b.bottom
            if -size * 0.3 <= gap <= size * 0.5 and min(b.x1, w.x1) - max(b.x0, w.x0) > -0.5 \
                    and not _NUMBERING.match(w.text) and not _NUMBERING.match(b.text) and not ruled_between(b, w):
                b.x0, b.x1 = min(b.x0, w.x0), max(b.x1, w.x1)
                b.bottom = max(b.bottom, w.bottom)
                b.text += w.text
                break
        else:
            blocks.append((Block(w.x0, w.x1, w.top, w.bottom, w.text), w.size))
    return [b for b, _ in blocks]


def _overlaps(a: Block, x0: float, x1: float) -> bool:
    return min(a.x1, x1) - max(a.x0, x0) > 0.5


def leaf_blocks(blocks: list[Block], hrules: list[Rule], header_bottom: float | None,
                numbered: bool) -> list[Block]:
    """One block per column: the numbering row when printed; else the labels whose cell reaches the
    header's bottom rule (a group label has its own bottom rule above that); else, without rules,
    the blocks with nothing beneath them."""
    numbering = [b for b in blocks if _NUMBERING.match(b.text)]
    if numbered:
        return sorted(numbering, key=lambda b: b.xc)
    if header_bottom is not None:
        def grouped(b: Block) -> bool:
            return any(b.bottom < r.top < header_bottom and min(r.x1, b.x1) - max(r.x0, b.x0) > 0.5
                       for r in hrules)
        leaves = [b for b in blocks if not grouped(b)]
    else:
        leaves = [b for b in blocks
                  if not any(o is not b and o.top > b.bottom - 0.5 and _overlaps(o, b.x0, b.x1) for o in blocks)]
    return sorted(leaves, key=lambda b: b.xc)


def column_bounds_from_rules(vrules: list[Rule], top: float, bottom: float) -> list[float]:
    """x positions of vertical rules that cross the body band [top, bottom]."""
    xs: list[float] = []
    for r in vrules:
        if min(r.bottom, bottom) - max(r.top, top) > min(6.0, (bottom - top) / 2):
            if not xs or all(abs(r.x0 - x) > 2.0 for x in xs):
                xs.append(r.x0)
    return sorted(xs)


def column_bounds_from_text(leaves: list[Block], chars: list[Char]) -> list[float]:
    """Between two neighbouring column labels, cut at the widest gap no body text crosses."""
    cuts = []
    for a, b in zip(leaves, leaves[1:], strict=False):
        lo, hi = a.xc, b.xc
        spans = sorted((max(c.x0, lo), min(c.x1, hi)) for c in chars if c.x1 > lo and c.x0 < hi)
        spans += [(max(x.x0, lo), min(x.x1, hi)) for x in (a, b)]
        spans.sort()
        best, best_w, cursor = (lo + hi) / 2, -1.0, lo
        for s0, s1 in spans:
            if s0 - cursor > best_w:
                best, best_w = (cursor + s0) / 2, s0 - cursor
            cursor = max(cursor, s1)
        if hi - cursor > best_w:
            best = (cursor + hi) / 2
        cuts.append(best)
    return cuts


def build_columns(blocks: list[Block], cuts: list[float], x0: float, x1: float) -> list[Column]:
    """Columns between cuts, each labelled by the header blocks above it (outermost first)."""
    edges = [x0] + cuts + [x1]
    columns = []
    for left, right in zip(edges, edges[1:], strict=False):
        inside = [b for b in blocks if left <= b.xc < right]
        spanning = [b for b in blocks if b not in inside and b.x0 <= left + 1 and b.x1 >= right - 1]
        numbered = next((b.text for b in inside if _NUMBERING.match(b.text)), None)
        labels = sorted((b for b in inside if not _NUMBERING.match(b.text)), key=lambda b: b.top)
        # Ancestors: blocks wider than the column that cover it, or centred over it and above the leaf.
        above = sorted((b for b in blocks if b not in labels and not _NUMBERING.match(b.text)
                        and _overlaps(b, left, right) and (b.x1 - b.x0) > (right - left) * 0.9
                        and (not labels or b.bottom <= labels[-1].top + 0.5)), key=lambda b: b.top)
        del spanning
        path = [b.text for b in above if b not in labels] + [b.text for b in labels]
        label = labels[-1].text if labels else (numbered or "")
        columns.append(Column(left, right, label, path, numbered))
    return columns


# ---- body rows ----------------------------------------------------------------------------------

def row_bands_from_rules(hrules: list[Rule], top: float, bottom: float, x0: float, x1: float) -> list[float]:
    width = x1 - x0
    ys = sorted({round(r.top, 1) for r in hrules
                 if top - 1 <= r.top <= bottom + 1 and min(r.x1, x1) - max(r.x0, x0) >= width * 0.6})
    merged: list[float] = []
    for y in ys:
        if not merged or y - merged[-1] > 1.5:
            merged.append(y)
    return merged


def row_bands_from_gaps(chars: list[Char]) -> list[tuple[float, float]]:
    """Rows without rules: text separated by a vertical gap wider than the line spacing of a cell."""
    bands: list[list[float]] = []
    for c in sorted(chars, key=lambda c: c.top):
        # A wrapped cell's lines sit (lead - 1) × size apart (~0.2 × size); rows at least twice that.
        if bands and c.top - bands[-1][1] <= c.size * 0.33:
            bands[-1][1] = max(bands[-1][1], c.bottom)
        else:
            bands.append([c.top, c.bottom])
    return [(a - 0.5, b + 0.5) for a, b in bands]


_COMPLETE_MONEY = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d{2}$")
_LABEL_CODE = re.compile(r"^\d{3}\s\D")
_PURE_CODE = re.compile(r"^\d{3}(\s?\d{2}){0,2}$|^\d{2}$")


def row_centres(chars: list[Char], columns: list[Column]) -> list[float]:
    """Vertical centres of rows, from cells that can only be one row's: complete figures (a figure wrapped
    as "6,751." / "37" is joined first) and classification codes. Cells are centred on their row."""
    centres: list[float] = []
    for col in columns:
        lines = chars_to_lines([c for c in chars if col.x0 <= c.xc < col.x1])
        pending: list[Line] = []
        for line in lines:
            text = line.text
            if pending:
                pending.append(line)
                joined = "".join(ln.text for ln in pending)
                if _COMPLETE_MONEY.match(joined) or len(pending) >= 4:
                    centres.append(sum((ln.top + ln.bottom) / 2 for ln in pending) / len(pending))
                    pending = []
                continue
            if _COMPLETE_MONEY.match(text) or _PURE_CODE.match(line.spaced):
                centres.append((line.top + line.bottom) / 2)
            elif re.match(r"^-?[\d,]+\.?\d?$", text) and ("." in text or "," in text):
                pending = [line]  # the first part of a wrapped figure
    size = max((c.size for c in chars), default=8.0)
    merged: list[list[float]] = []
    for y in sorted(centres):
        if merged and y - merged[-1][-1] <= size * 0.3:
            merged[-1].append(y)
        else:
            merged.append([y])
    strong = [sum(m) / len(m) for m in merged]
    # A label opening with a code ("224 灾害防治…") marks a row with blank figures; its first line is only
    # near the row centre, so it counts only where no figure or code cell already marks a row.
    weak = [(ln.top + ln.bottom) / 2 for col in columns
            for ln in chars_to_lines([c for c in chars if col.x0 <= c.xc < col.x1])
            if _LABEL_CODE.match(ln.spaced)]
    for y in weak:
        if all(abs(y - s) > size * 1.5 for s in strong):
            strong.append(y)
    return sorted(strong)


def split_band(top: float, bottom: float, chars: list[Char], centres: list[float]) -> list[tuple[float, float]]:
    """Cut a band holding several rows (no rules, no visible gap). Each row's content is centred on its
    centre, so a row's top mirrors its bottom about the centre; cuts snap to the nearest text gap. Cutting
    from the bottom up leaves the rest of a row split at the page break (no figures, so no centre) as a
    band of its own at the top."""
    intervals: list[list[float]] = []
    for c in sorted(chars, key=lambda c: c.top):
        if intervals and c.top <= intervals[-1][1]:
            intervals[-1][1] = max(intervals[-1][1], c.bottom)
        else:
            intervals.append([c.top, c.bottom])
    gaps = [(a[1] + b[0]) / 2 for a, b in zip(intervals, intervals[1:], strict=False)]
    cuts = [bottom]
    for here, above in zip(reversed(centres), [*reversed(centres[:-1]), top], strict=True):
        target = 2 * here - cuts[-1]
        between = [g for g in gaps if above < g < here] + ([top] if above == top else [])
        if between:
            cuts.append(min(between, key=lambda g: abs(g - target)))
        else:
            cuts.append((here + above) / 2)
    if cuts[-1] > top + 0.5:
        cuts.append(top)
    cuts.reverse()
    return list(zip(cuts, cuts[1:], strict=False))


def make_cell(chars: list[Char]) -> Cell:
    if not chars:
        return Cell("", "", False)
    lines = chars_to_lines(chars)
    spaced = " ".join(ln.spaced for ln in lines)
    return Cell(re.sub(r"\s+", "", spaced), spaced, all(c.bold for c in chars))


def read_grid(region: Region, repeated_header: list[str] | None = None) -> Grid | None:
    """Columns and body rows of one page region of a table. On a continuation page the header repeats
    the first page's: `repeated_header` (its line texts) marks where the header ends there."""
    lines = region_lines(region)
    if not lines:
        return None
    page = region.page
    notes: list[Line] = []
    while lines and _NOTE.search(lines[-1].text):
        notes.insert(0, lines.pop())
    # a note sentence may wrap: pull its earlier lines too, but never from inside the table's rules
    ruled = [r.top for r in page.hrules if region.top <= r.top <= (notes[0].top if notes else region.top)]
    floor = max(ruled) if ruled else region.top
    while lines and notes and lines[-1].top > floor and _is_prose(lines[-1]) \
            and not any(_MONEY_PART.search(w.text) for w in lines[-1].words):
        notes.insert(0, lines.pop())
    note_texts = [" ".join(ln.text for ln in notes)] if notes else []
    if not lines:
        return None
    x0 = min(ln.x0 for ln in lines)
    x1 = max(ln.x1 for ln in lines)
    frame = [r for r in page.vrules if region.top - 2 <= r.bottom and r.top <= region.bottom]
    if frame:
        x0 = min(x0, min(r.x0 for r in frame))
        x1 = max(x1, max(r.x0 for r in frame))
    split = split_header(lines)
    k = len(repeated_header or [])
    if k and [ln.text for ln in lines[:k]] == repeated_header:
        split = k
    elif 0 < split < len(lines) and not is_numbering_row(lines[split - 1]):
        # Without a numbering row, a wrapped name whose first line stands above the first figure belongs
        # to the body: lines below the last wide rule above that figure, holding only label-column text
        # (left of the figures), move to the body. Header labels stand over the figure columns too.
        rules = [r.top for r in page.hrules if lines[0].bottom < r.top <= lines[split].top + 1
                 and r.x1 - r.x0 >= (x1 - x0) * 0.5]
        figures = [w.x0 for w in lines[split].words if _MONEY_PART.search(w.text)]
        if rules and figures:
            below = next((i for i, ln in enumerate(lines) if (ln.top + ln.bottom) / 2 > max(rules)), split)
            if all(w.x1 < min(figures) for ln in lines[below:split] for w in ln.words):
                split = below
    header, body = lines[:split], lines[split:]
    blocks = header_blocks(header, page.hrules)
    first_body = body[0].top if body else (notes[0].top if notes else region.bottom)
    # A group label has its own bottom rule above the last header text; a leaf's cell runs to the end.
    ruled = any(header[0].bottom < r.top < first_body for r in page.hrules) if header else False
    leaves = leaf_blocks(blocks, page.hrules, max(ln.bottom for ln in header) if ruled else None,
                         bool(header) and is_numbering_row(header[-1]))
    if not leaves:
        return Grid([], [], note_texts)
    body_top = body[0].top - 1 if body else (header[-1].bottom if header else region.top)
    body_bottom = max(ln.bottom for ln in body) + 1 if body else body_top
    # spaces separate words inside cells ("224 灾害…"); they take no part in finding gaps
    body_all = [c for c in page.chars if body_top <= c.yc <= body_bottom and x0 - 1 <= c.xc <= x1 + 1]
    body_chars = [c for c in body_all if c.text.strip()]
    rule_xs = column_bounds_from_rules(page.vrules, body_top, body_bottom) if body else []
    if len(rule_xs) >= len(leaves) + 1:
        cuts = [x for x in rule_xs if rule_xs[0] + 1 < x < rule_xs[-1] - 1]
        x0, x1 = rule_xs[0], rule_xs[-1]
    else:
        cuts = column_bounds_from_text(leaves, body_chars)
    columns = build_columns(blocks, cuts, x0 - 1, x1 + 1)
    rows: list[BodyRow] = []
    if body:
        ys = row_bands_from_rules(page.hrules, body_top - 3, body_bottom, x0, x1)
        # a rule between rows has text above and below it (a char's box may poke through the header rule)
        inner = [y for y in ys if any(c.yc < y for c in body_chars) and any(c.yc > y for c in body_chars)]
        if inner:
            edges = [min(ys[0], body_top)] + [y for y in ys if y > ys[0]]
            if edges[-1] < body_bottom:
                edges.append(body_bottom)
            bands = list(zip(edges, edges[1:], strict=False))
        else:
            bands = []
            for top, bottom in row_bands_from_gaps(body_chars):
                inside = [c for c in body_chars if top <= c.yc < bottom]
                centres = row_centres([c for c in body_all if top <= c.yc < bottom], columns)
                bands += split_band(top, bottom, inside, centres) if len(centres) > 1 else [(top, bottom)]
        for top, bottom in bands:
            chars = [c for c in body_all if top <= c.yc < bottom]
            if not any(c.text.strip() for c in chars):
                continue
            per_col: list[list[Char]] = [[] for _ in columns]
            for c in chars:
                for k, col in enumerate(columns):
                    if c.xc < col.x1 or k == len(columns) - 1:
                        per_col[k].append(c)
                        break
            rows.append(BodyRow(top, bottom, [make_cell(cs) for cs in per_col]))
    return Grid(columns, rows, note_texts, [ln.text for ln in header])


def _is_prose(line: Line) -> bool:
    return len(line.words) <= 2 and len(line.text) >= 6 and not _MONEY_PART.search(line.text)
