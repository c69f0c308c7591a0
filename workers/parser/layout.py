"""Page layout: a PDF page's characters, read once, turned into words, text lines and ruling lines.

Everything downstream works on these plain records, never on pdfplumber objects, so a page can be
released as soon as its layout is taken (pdfplumber caches every object of a page it has read).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .settings import LAYOUT, LayoutSettings


class Box:
    """Centre of anything with x0, x1, top, bottom (chars, words, header blocks)."""

    __slots__ = ()
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class Char(Box):
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool = False


@dataclass(slots=True)
class Word(Box):
    """A run of characters on one text line with no gap wider than a fraction of the font size."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    chars: list[Char]


@dataclass(slots=True)
class Line:
    """One visual text line: words sharing a baseline band, left to right."""

    words: list[Word]
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def text(self) -> str:
        """Words joined without separators: Chinese text has no spaces between words."""
        return "".join(w.text for w in self.words)

    @property
    def spaced(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(slots=True)
class Rule:
    """A ruling line: horizontal (top == bottom) or vertical (x0 == x1)."""

    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class PageLayout:
    number: int  # 1-based
    width: float
    height: float
    chars: list[Char]
    lines: list[Line]
    hrules: list[Rule] = field(default_factory=list)
    vrules: list[Rule] = field(default_factory=list)

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


# ---- chars ---------------------------------------------------------------------------------------

def dedupe_chars(chars: list[Char], tol: float) -> list[Char]:
    """Drop fake-bold duplicates (the same glyph drawn again slightly offset) and mark survivors bold."""
    out: list[Char] = []
    recent: dict[str, list[Char]] = {}
    for ch in sorted(chars, key=lambda c: (round(c.top), c.x0)):
        twins = recent.setdefault(ch.text, [])
        twin = next((t for t in twins if abs(t.x0 - ch.x0) <= tol and abs(t.top - ch.top) <= tol), None)
        if twin is not None:
            twin.bold = True
            continue
        twins.append(ch)
        if len(twins) > 8:
            del twins[0]
        out.append(ch)
    return out


# ---- lines and words -----------------------------------------------------------------------------

def chars_to_lines(chars: list[Char], settings: LayoutSettings = LAYOUT) -> list[Line]:
    """Group characters into visual lines by vertical overlap, then split each line into words."""
    rows: list[list[Char]] = []
    anchors: list[float] = []  # centre of each line's first char: a line never drifts to the next one
    for ch in sorted(chars, key=lambda c: (c.yc, c.x0)):
        if anchors and abs(ch.yc - anchors[-1]) <= max(ch.bottom - ch.top, 1.0) * settings.line_overlap:
            rows[-1].append(ch)
            continue
        rows.append([ch])
        anchors.append(ch.yc)
    lines = []
    for row in rows:
        words = chars_to_words(sorted(row, key=lambda c: c.x0), settings)
        if words:
            lines.append(Line(words, words[0].x0, max(w.x1 for w in words),
                              min(w.top for w in words), max(w.bottom for w in words)))
    return lines


def chars_to_words(chars: list[Char], settings: LayoutSettings = LAYOUT) -> list[Word]:
    """Split a left-to-right run of characters at spaces and at gaps wider than `word_gap` × size."""
    words: list[Word] = []
    run: list[Char] = []

    def flush() -> None:
        if run:
            words.append(Word("".join(c.text for c in run), run[0].x0, run[-1].x1,
                              min(c.top for c in run), max(c.bottom for c in run),
                              max(c.size for c in run), all(c.bold for c in run), list(run)))
            run.clear()

    for ch in chars:
        if not ch.text.strip():
            flush()
            continue
        if run and ch.x0 - run[-1].x1 > settings.word_gap * max(ch.size, run[-1].size):
            flush()
        run.append(ch)
    flush()
    return words


# ---- ruling lines --------------------------------------------------------------------------------

def collect_rules(edges: list[dict], settings: LayoutSettings = LAYOUT) -> tuple[list[Rule], list[Rule]]:
    """Split pdfplumber edges into merged horizontal and vertical rules."""
    h: list[Rule] = []
    v: list[Rule] = []
    for e in edges:
        x0, x1, top, bottom = e["x0"], e["x1"], e["top"], e["bottom"]
        if bottom - top <= settings.rule_thickness and x1 - x0 >= settings.rule_min_length:
            y = (top + bottom) / 2
            h.append(Rule(x0, y, x1, y))
        elif x1 - x0 <= settings.rule_thickness and bottom - top >= settings.rule_min_length:
            x = (x0 + x1) / 2
            v.append(Rule(x, top, x, bottom))
    return merge_rules(h, horizontal=True, tol=settings.rule_join), merge_rules(v, horizontal=False,
                                                                                 tol=settings.rule_join)


def merge_rules(rules: list[Rule], horizontal: bool, tol: float) -> list[Rule]:
    """Join collinear rules that touch or overlap (cell borders drawn one cell at a time)."""
    if horizontal:
        key = lambda r: (round(r.top / tol), r.x0)  # noqa: E731
    else:
        key = lambda r: (round(r.x0 / tol), r.top)  # noqa: E731
    out: list[Rule] = []
    for r in sorted(rules, key=key):
        if out:
            last = out[-1]
            if horizontal and abs(last.top - r.top) <= tol and r.x0 <= last.x1 + tol:
                last.x1 = max(last.x1, r.x1)
                continue
            if not horizontal and abs(last.x0 - r.x0) <= tol and r.top <= last.bottom + tol:
                last.bottom = max(last.bottom, r.bottom)
                continue
        out.append(Rule(r.x0, r.top, r.x1, r.bottom))
    return out


# ---- a page --------------------------------------------------------------------------------------

_SHARED: dict = {}


def page_layout(page, number: int, settings: LayoutSettings = LAYOUT) -> PageLayout:
    """Read one pdfplumber page into a PageLayout (its characters are read exactly once)."""
    # Every page's chars stay until the document is built: share the repeated glyph strings and font
    # sizes (a CJK glyph is its own 76-byte string otherwise) to keep a long document small.
    chars = [
        Char(_SHARED.setdefault(c["text"], c["text"]), c["x0"], c["x1"], c["top"], c["bottom"],
             _SHARED.setdefault(c.get("size") or 0.0, c.get("size") or 0.0),
             "bold" in (c.get("fontname") or "").lower())
        for c in page.chars
        if c["text"]
    ]
    chars = dedupe_chars(chars, settings.fake_bold_offset)
    hrules, vrules = collect_rules(page.edges, settings)
    return PageLayout(number, float(page.width), float(page.height), chars,
                      chars_to_lines(chars, settings), hrules, vrules)
