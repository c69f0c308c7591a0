"""第一部分 部门概况 / 单位概况: year, scope, 主要职能, budget units, internal offices, staffing."""

from __future__ import annotations

import re
from collections import Counter

from workers.model import Department, Staffing

from .layout import Line
from .narrative import CN_NUM, COLON, HEAD_SEP, TLine, cn_to_int, find_section, heading_end, is_item_start, text_lines

_PART1 = re.compile(r"第一部分(?:(\d{4})年度?)?(部门|单位)?(?:基本)?概况")
_PART_END = re.compile(rf"第{CN_NUM}部分")
_FUNCTIONS = re.compile(rf"[一1]{HEAD_SEP}(?:部门|单位)?(?:主要)?(?:职能|职责)(?:职责|职能)?(?:及机构设置)?")
_ORG = re.compile(rf"[一二三四123]{HEAD_SEP}.{{0,10}}?(?:机构设置|人员情况|人员构成).{{0,12}}")
_FUNC_MARK = re.compile(rf"[（(]({CN_NUM})[)）]")
_FUNC_MARK_ARABIC = re.compile(r"(\d{1,2})[.．、]")
_UNIT_MARK = re.compile(rf"(?:(\d{{1,2}})[.．、]|[（(](\d{{1,2}}|{CN_NUM})[)）])")


def parse_department(lines: list[Line]) -> Department:
    """The 概况 part. `name` is left None: the orchestrator takes it from the tables' 编制部门."""
    tl = text_lines(lines)
    dept = Department()
    sec = find_section(tl, _PART1, _PART_END, max_lines=2)
    if sec is not None:
        m = _PART1.fullmatch("".join(ln.text for ln in tl[sec[0]:sec[1]]))
        if m and m.group(1):
            dept.year = int(m.group(1))
        if m and m.group(2):
            dept.scope = m.group(2)
        part = tl[sec[1]:sec[2]]
    else:
        part = tl
    if dept.year is None or dept.scope is None:
        year, scope = _year_scope_elsewhere(tl)
        dept.year = dept.year or year
        dept.scope = dept.scope or scope

    org_at = next((i for i, ln in enumerate(part) if heading_end(part, i, _ORG, 1) is not None), None)
    func_at = next((i for i, ln in enumerate(part[:org_at]) if _FUNCTIONS.fullmatch(ln.text)), None)
    func_lines = part[(func_at + 1 if func_at is not None else 0):org_at]
    dept.functions = _functions(func_lines)
    org = part[org_at + 1:] if org_at is not None else part
    org_text = "".join(ln.text for ln in org)
    dept.budget_units = _budget_units(org)
    dept.internal_offices = _offices(org_text)
    dept.staffing = _staffing(org_text) or _staffing("".join(ln.text for ln in part)) or Staffing()
    return dept


def _year_scope_elsewhere(tl: list[TLine]) -> tuple[int | None, str | None]:
    """Year and 部门/单位 from the other part titles ("2025 年部门预算公开", "第三部分 2025 年单位预算情况说明")."""
    years: Counter[int] = Counter()
    scopes: Counter[str] = Counter()
    for ln in tl:
        for m in re.finditer(r"(20\d\d)年度?(部门|单位)(?:预算|概况)", ln.text):
            years[int(m.group(1))] += 1
            scopes[m.group(2)] += 1
    year = years.most_common(1)[0][0] if years else None
    scope = scopes.most_common(1)[0][0] if scopes else None
    return year, scope


def _functions(lines: list[TLine]) -> list[str]:
    for marker in (_FUNC_MARK, _FUNC_MARK_ARABIC):
        items = _items(lines, marker)
        if items:
            return [text for _, text in items if text]
    # unnumbered: one duty per paragraph (an indented first line), without the "主要职能是：" lead-in
    margin = min((ln.x0 for ln in lines), default=0.0)
    paragraphs: list[str] = []
    for ln in lines:
        if ln.x0 > margin + 4 or not paragraphs:
            paragraphs.append(ln.text)
        else:
            paragraphs[-1] += ln.text
    return [p for p in paragraphs if not p.endswith(("：", ":"))]


def _items(lines: list[TLine], marker: re.Pattern) -> list[tuple[int, str]]:
    items: list[tuple[int, list[str]]] = []
    margin = min((ln.x0 for ln in lines), default=0.0)
    for ln in lines:
        m = marker.match(ln.text)
        if m and is_item_start(ln, m, margin):
            n = cn_to_int(next(g for g in m.groups() if g))
            if n == (items[-1][0] + 1 if items else 1):
                items.append((n, [ln.text[m.end():]]))
                continue
        if items:
            items[-1][1].append(ln.text)
    return [(n, "".join(parts)) for n, parts in items]


# ---- budget units ------------------------------------------------------------------------------------

_NO_UNITS = re.compile(r"(?:无|没有|不含)(?:下属|所属|二级)?(?:预算)?单位(?!资金)")
_UNITS_INTRO = re.compile(rf"(?:预算单位|编制范围|预算的单位)[^。，,]{{0,30}}?(?:包括|有|为|是|如下){COLON}")


def _budget_units(org: list[TLine]) -> list[str]:
    joined = ""
    starts = []
    for ln in org:
        starts.append(len(joined))
        joined += ln.text
    no_units = _NO_UNITS.search(joined)
    for m in _UNITS_INTRO.finditer(joined):
        if "下设" in m.group(0) or "内设" in m.group(0):
            continue
        if no_units and no_units.start() <= m.start() < no_units.end():
            continue
        end = m.end()
        if end in starts or end == len(joined):  # the list starts on the next line: numbered lines
            return _numbered_units(org[starts.index(end):] if end in starts else [])
        return _split_list(joined[end:].split("。", 1)[0])
    return []


def _numbered_units(lines: list[TLine]) -> list[str]:
    """"1. 新疆…本级" lines; a wrapped name continues at a smaller indent than its numbered line."""
    units: list[list[str]] = []
    indent = None
    for ln in lines:
        m = _UNIT_MARK.match(ln.text)
        if m and cn_to_int(m.group(1) or m.group(2)) == len(units) + 1:
            units.append([ln.text[m.end():]])
            indent = ln.x0
            continue
        if units and indent is not None and ln.x0 < indent - 2:
            units[-1].append(ln.text)
            continue
        break
    return [u.rstrip("；;，,。") for u in ("".join(parts) for parts in units) if u]


def _split_list(text: str) -> list[str]:
    parts = re.split(r"[、；;，,]", text)
    out = []
    for part in parts:
        part = re.sub(r"等$", "", part.strip())
        if part:
            out.append(part)
    return out


# ---- internal offices ----------------------------------------------------------------------------------

_OFFICE_WORDS = r"(?:科室|处室|股室|内设机构|职能科室|职能处室|机构|部门|科|处|股|室)"
_OFFICES_LIST = re.compile(rf"(?:下设|内设)[^。：:]{{0,24}}?{COLON}(.*?)(?:。|$)")
_OFFICES_COUNT = re.compile(rf"(?:下设|内设)(?:机构)?[:：]?([^。：:]*?)等?(?:\d+|{CN_NUM})个{_OFFICE_WORDS}")


def _offices(text: str) -> list[str]:
    out: list[str] = []
    for m in _OFFICES_LIST.finditer(text):
        out.extend(_split_list(m.group(1)))
    if not out:
        for m in _OFFICES_COUNT.finditer(text):
            out.extend(_split_list(m.group(1)))
    return out


# ---- staffing ------------------------------------------------------------------------------------------

_CHANGE = (r"(?:[，,、（(]?(?:比上年|较上年|与上年相比|同比)?"
           r"(增加|减少|增长|下降|持平|无变化|不变|未变化)(?:(\d+)[人名])?)?")


def _count(text: str, label: str) -> tuple[int | None, int | None]:
    m = re.search(rf"{label}[为:：]?(\d+)[人名个]?{_CHANGE}", text)
    if not m:
        return None, None
    value = int(m.group(1))
    word, amount = m.group(2), m.group(3)
    if word is None:
        return value, None
    if word in ("持平", "无变化", "不变", "未变化"):
        return value, 0
    change = int(amount) if amount is not None else None
    if change is not None and word in ("减少", "下降"):
        change = -change
    return value, change


def _staffing(text: str) -> Staffing | None:
    authorized = re.search(r"编制(?:数|人数)?[为:：]?(\d+)", text)
    actual = re.search(r"实有(?:人数|人员)?[为:：]?(\d+)", text)
    in_service, in_change = _count(text, r"在职(?:人员|人数)?")
    retired, ret_change = _count(text, r"(?<!离)退休(?:人员|人数)?")
    separated, sep_change = _count(text, r"离休(?:人员|人数)?")
    st = Staffing(
        authorized=int(authorized.group(1)) if authorized else None,
        actual=int(actual.group(1)) if actual else None,
        in_service=in_service, in_service_change=in_change,
        retired=retired, retired_change=ret_change,
        separated=separated, separated_change=sep_change,
    )
    return None if st == Staffing() else st
