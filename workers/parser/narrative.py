"""The narrative parts of a budget disclosure: section 七 (project descriptions) and section 十一
(carry-over notes), plus the text helpers shared with department.py (第一部分 概况).

Every function takes the text lines of the narrative pages in reading order (`narrative_lines`).
Printed text is kept as printed with all whitespace removed: Chinese has no spaces between words,
and the spaces a PDF shows inside "2025 年 1 月" are typesetting, not text.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from workers.model import Department, ProjectDescription

from .join import CarryoverNote
from .layout import Line, PageLayout, Word
from .pages import body_lines, has_compiler_line, has_target_title

__all__ = [
    "CarryoverNote",
    "narrative_lines",
    "parse_carryover_notes",
    "parse_department",
    "parse_project_descriptions",
]

# ---- text helpers (shared with department.py) ----------------------------------------------------

_WS = re.compile(r"\s+")
CN_DIGITS = "零一二三四五六七八九"
CN_NUM = r"[一二三四五六七八九十百]+"
HEAD_SEP = r"[、.．]"  # "七、" / "七." / "七．"
COLON = r"[:：]"


def squash(text: str) -> str:
    return _WS.sub("", text)


def cn_to_int(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十一 → 21, 3 → 3 (up to 99)."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS + "十" for c in text):
        return None
    if "十" not in text:
        return CN_DIGITS.index(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    t = CN_DIGITS.index(tens) if tens else 1
    o = CN_DIGITS.index(ones) if ones else 0
    return t * 10 + o if len(tens) <= 1 and len(ones) <= 1 else None


@dataclass(slots=True)
class TLine:
    """A text line: its printed text without whitespace and its left edge."""

    text: str
    x0: float


def text_lines(lines: list[Line]) -> list[TLine]:
    out = []
    for ln in lines:
        text = squash(ln.text)
        if text:
            out.append(TLine(text, ln.x0))
    return out


def heading_end(lines: list[TLine], i: int, pattern: re.Pattern, max_lines: int = 3) -> int | None:
    """If a heading matching `pattern` (whole) starts at line i, wrapped over up to `max_lines`
    lines, return the index of its last line."""
    joined = ""
    for k in range(i, min(i + max_lines, len(lines))):
        joined += lines[k].text
        if pattern.fullmatch(joined):
            return k
    return None


def find_section(lines: list[TLine], start: re.Pattern, end: re.Pattern,
                 max_lines: int = 3) -> tuple[int, int, int] | None:
    """The printed section whose heading matches `start`, up to the first line matching `end`
    (searched at line starts, with the next line appended for wrapped headings). When both
    patterns have a group "num" (the heading numeral), only a later-numbered heading ends the
    section. Tables of contents repeat the headings with nothing under them, so the occurrence
    with the most lines under it wins. Returns (heading line, first body line, end exclusive)."""
    best = None
    i = 0
    while i < len(lines):
        last = heading_end(lines, i, start, max_lines)
        if last is None:
            i += 1
            continue
        m = start.fullmatch("".join(ln.text for ln in lines[i:last + 1]))
        number = _group_number(m)
        j = last + 1
        while j < len(lines):
            e = end.match(lines[j].text + (lines[j + 1].text if j + 1 < len(lines) else ""))
            if e is not None:
                later = _group_number(e)
                if number is None or later is None or later > number:
                    break
            j += 1
        if best is None or j - last > best[2] - best[1] + 1:
            best = (i, last + 1, j)
        i = last + 1
    return best


def _group_number(m: re.Match | None) -> int | None:
    if m is None or "num" not in m.re.groupindex or m.group("num") is None:
        return None
    return cn_to_int(m.group("num"))


def numbered_items(lines: list[TLine], marker: re.Pattern) -> list[tuple[int, str]]:
    """Split lines into items at lines whose start matches `marker` (group 1 = the number) with the
    next number in sequence; text before the first marker is dropped. Returns (number, joined text
    with the marker removed)."""
    items: list[tuple[int, list[str]]] = []
    for ln in lines:
        m = marker.match(ln.text)
        if m:
            n = cn_to_int(m.group(1))
            expected = items[-1][0] + 1 if items else None
            if n is not None and (expected is None or n == expected):
                items.append((n, [ln.text[m.end():]]))
                continue
        if items:
            items[-1][1].append(ln.text)
    return [(n, "".join(parts)) for n, parts in items]


def is_item_start(ln: TLine, m: re.Match, margin: float) -> bool:
    """A numbering match at a line start is an item, unless it may be a wrapped decimal ("1.5 万元"):
    "1." followed by a digit counts only on an indented (paragraph-start) line."""
    if m.end() < len(ln.text) and ln.text[m.end()].isdigit() and m.group(0)[-1] in ".．":
        return ln.x0 > margin + 4
    return True


def money(text: str) -> float | None:
    """The first amount in a text, converted to 万元 ("1,007.26 万元" → 1007.26)."""
    m = re.search(r"(-?\d[\d,]*(?:\.\d+)?)(亿元|万元|千元|元)?", text)
    if not m:
        return None
    try:
        value = float(m.group(1).replace(",", ""))
    except ValueError:
        return None
    factor = {"亿元": 10000.0, "千元": 0.1, "元": 0.0001}.get(m.group(2) or "", 1.0)
    return round(value * factor, 6)


# ---- which lines are narrative --------------------------------------------------------------------

def _looks_tabular(page: PageLayout, body_size: float | None) -> bool:
    sizes = [c.size for c in page.chars if c.size]
    small = bool(sizes) and body_size is not None and statistics.median(sizes) < 0.8 * body_size
    ruled = len(page.hrules) >= 2 and len(page.vrules) >= 2
    starts_part = any(re.match(r"第[一二三四五六七八九十]+部分", squash(ln.text)) for ln in page.lines[:3])
    return (small or ruled) and not starts_part


def narrative_lines(pages: list[PageLayout]) -> list[Line]:
    """Every line of every page that is neither a standard-table page nor a 绩效目标表 page
    (nor a continuation page of a 绩效目标表: a small-type or ruled page right after one),
    page numbers removed, in reading order."""
    reader = NarrativeReader()
    for page in pages:
        reader.feed(page)
    return reader.lines


class NarrativeReader:
    """narrative_lines as the pages go by: keeps each narrative page's lines (without their chars, which
    only the tables need) and lets the page go. The body type size is the median of the text seen so
    far (the narrative parts come before the target tables it is used to tell apart)."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.sizes: Counter[float] = Counter()
        self.prev: str | None = None

    def feed(self, page: PageLayout) -> None:
        kind = "table" if has_compiler_line(page) else "target" if has_target_title(page) else "text"
        if kind == "text":
            sizes = Counter(c.size for c in page.chars if c.size)
            if self.prev == "target" and _looks_tabular(page, _median(self.sizes)):
                kind = "target"
            else:
                self.sizes.update(sizes)
        if kind == "text":
            self.lines.extend(_without_chars(body_lines(page)))
        self.prev = kind


def _median(counts: Counter[float]) -> float | None:
    total = sum(counts.values())
    if not total:
        return None
    seen = 0
    for size in sorted(counts):
        seen += counts[size]
        if seen * 2 >= total:
            return size
    return None


def _without_chars(lines: list[Line]) -> list[Line]:
    return [Line([Word(w.text, w.x0, w.x1, w.top, w.bottom, w.size, w.bold, []) for w in ln.words],
                 ln.x0, ln.x1, ln.top, ln.bottom) for ln in lines]


# ---- section headings ------------------------------------------------------------------------------

# Where a part-3 section ends: a later numbered heading ("八、 关于…说明") or a part heading.
SECTION_END = re.compile(rf"(?:(?P<num>{CN_NUM}){HEAD_SEP}(?!项目名称).{{0,40}}?(?:关于|说明|情况|事项)"
                         rf"|第{CN_NUM}部分)")
_SEVEN = re.compile(rf"(?P<num>{CN_NUM}){HEAD_SEP}(?:关于)?.{{0,80}}?项目支出(?:预算)?(?:安排)?情况(?:的)?"
                    r"(?:总体)?说明[。.]?")
_ELEVEN = re.compile(rf"(?P<num>{CN_NUM}){HEAD_SEP}(?:关于)?.{{0,80}}?上年结转结余.{{0,12}}?说明[。.]?")


# ---- section 七: project descriptions ------------------------------------------------------------

_FIELDS: list[tuple[str, tuple[str, ...]]] = [
    ("policy_basis", ("设立的政策依据", "设立政策依据", "政策依据", "立项依据")),
    ("scale", ("预算安排规模", "预算规模", "安排规模", "资金规模")),
    ("executing_unit", ("项目承担单位", "承担单位", "项目实施单位", "实施单位")),
    ("allocation", ("资金分配情况", "资金分配")),
    ("period", ("资金执行时间", "执行时间", "实施时间")),
    ("funding_source", ("资金来源",)),
    ("beneficiary_count", ("补贴人数", "补助人数", "补贴对象人数")),
    ("standard", ("补贴标准", "补助标准")),
    ("scope", ("补贴范围", "补助范围")),
    ("method", ("补贴方式", "补助方式", "发放方式")),
    ("procedure", ("发放程序", "发放流程")),
    ("benefits", ("受益人群和社会效益", "受益人群及社会效益", "受益人群和效益", "社会效益")),
]
_LABEL_FIELD = {label: field for field, labels in _FIELDS for label in labels}
_NUM_PREFIX = rf"(?:[（(](?:{CN_NUM}|\d+)[)）]|\d+[.．、]|{CN_NUM}{HEAD_SEP})?"
_LABEL = re.compile(rf"{_NUM_PREFIX}({'|'.join(sorted(_LABEL_FIELD, key=len, reverse=True))}){COLON}")
_ITEM = re.compile(rf"{_NUM_PREFIX}项目名称{COLON}")
_ITEM_FALLBACK = re.compile(rf"[（(]({CN_NUM})[)）]")


def parse_project_descriptions(lines: list[Line]) -> list[tuple[str, ProjectDescription]]:
    """Every project described in section 七, in printed order, as (printed name, description).
    Repeated descriptions of one project are kept apart (the join step merges them)."""
    tl = text_lines(lines)
    sec = find_section(tl, _SEVEN, SECTION_END)
    if sec is None:
        return []
    body = tl[sec[1]:sec[2]]
    items: list[list[TLine]] = []
    if any(_ITEM.match(ln.text) for ln in body):
        for ln in body:
            if _ITEM.match(ln.text):
                items.append([TLine(ln.text[_ITEM.match(ln.text).end():], ln.x0)])
            elif items:
                items[-1].append(ln)
    else:  # "（一）<name>" with no 项目名称 label
        items = [[TLine(text, 0.0)] for _, text in numbered_items(body, _ITEM_FALLBACK)]
        items = _resplit(items)
    out = []
    for item in items:
        name, desc = _description(item)
        if name or desc != ProjectDescription():
            out.append((name, desc))
    return out


def _resplit(items: list[list[TLine]]) -> list[list[TLine]]:
    """Fallback items are one joined string: split it back at the field labels."""
    pattern = re.compile(rf"(?=(?:{'|'.join(sorted(_LABEL_FIELD, key=len, reverse=True))}){COLON})")
    return [[TLine(part, 0.0) for part in pattern.split(item[0].text) if part] for item in items]


def _description(item: list[TLine]) -> tuple[str, ProjectDescription]:
    name_parts: list[str] = []
    values: dict[str, list[str]] = {}
    current: list[str] | None = name_parts
    for ln in item:
        m = _LABEL.match(ln.text)
        field = _LABEL_FIELD[m.group(1)] if m else None
        if field is not None and field not in values:
            current = values[field] = [ln.text[m.end():]]
        elif current is not None:
            current.append(ln.text)
    desc = ProjectDescription()
    for field, parts in values.items():
        text = "".join(parts).strip()
        if field == "scale":
            desc.scale = money(text)
        elif text:
            setattr(desc, field, text)
    return "".join(name_parts), desc


# ---- section 十一: carry-over notes ---------------------------------------------------------------

_NOTE_MARK = re.compile(rf"(?:(\d{{1,2}})[.．、]|[（(](\d{{1,2}}|{CN_NUM})[)）])")
_AMOUNT_PURPOSE = re.compile(rf"(\d[\d,]*(?:\.\d+)?)万元[，,]?(?:主要)?用于{COLON}?")
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)万元")


def parse_carryover_notes(lines: list[Line]) -> list[CarryoverNote]:
    """Each carry-over item of section 十一: printed name, amount (万元) and the text after 主要用于："""
    tl = text_lines(lines)
    sec = find_section(tl, _ELEVEN, SECTION_END)
    if sec is None:
        return []
    body = tl[sec[1]:sec[2]]
    items = _note_items(body, _NOTE_MARK)
    if not items:  # no numbering: every "<name> N 万元，主要用于：…" sentence
        joined = "".join(ln.text for ln in body)
        items = [s + "。" for s in joined.split("。") if _AMOUNT_PURPOSE.search(s)]
        items = [re.sub(r"^.*?其中[:：]", "", s) for s in items]
    notes = []
    for text in items:
        note = _note(text)
        if note is not None:
            notes.append(note)
    return notes


def _note_items(body: list[TLine], marker: re.Pattern) -> list[str]:
    items: list[tuple[int, list[str]]] = []
    margin = min((ln.x0 for ln in body), default=0.0)
    for ln in body:
        m = marker.match(ln.text)
        if m and is_item_start(ln, m, margin):
            n = cn_to_int(m.group(1) or m.group(2))
            expected = items[-1][0] + 1 if items else 1
            if n == expected:
                items.append((n, [ln.text[m.end():]]))
                continue
        if items:
            items[-1][1].append(ln.text)
    return ["".join(parts) for _, parts in items]


def _note(text: str) -> CarryoverNote | None:
    m = _AMOUNT_PURPOSE.search(text)
    if m:
        name = text[:m.start()].rstrip("，,：:")
        purpose = text[m.end():].strip() or None
        return CarryoverNote(name=name, amount=money(m.group(1)), purpose=purpose)
    m = _AMOUNT.search(text)
    if m:
        return CarryoverNote(name=text[:m.start()].rstrip("，,：:"), amount=money(m.group(1)), purpose=None)
    return CarryoverNote(name=text, amount=None, purpose=None) if text else None


# ---- 第一部分 概况 (department.py) ----------------------------------------------------------------

def parse_department(lines: list[Line]) -> Department:
    """See department.parse_department (re-exported here so the orchestrator has one import)."""
    from .department import parse_department as parse

    return parse(lines)
