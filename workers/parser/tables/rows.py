"""Body rows of cell texts → typed Rows: codes rebuilt, names cleaned, figures parsed, kinds assigned."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...model import Row
from .columns import CODE, ITEM, KUAN, LABEL_IN, LABEL_OUT, LEI, NAME, PROJECT, XIANG, Role
from .grid import BodyRow, Cell

_MONEY = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
_BLANK = re.compile(r"^[-—–－]*$")
_TOTAL_NAMES = {"总计", "合计", "收入总计", "支出总计"}
_LEADING_CODE = re.compile(r"^(\d{3}(?:\s?\d{2}){0,2})\s*(\D.*)$")
_ECON_PREFIX = re.compile(r"^(\d{2})\s*(\D.*)$")


@dataclass(slots=True)
class RawRow:
    """One printed row of one table page, cells keyed by role (values by column key)."""

    texts: dict[str, Cell] = field(default_factory=dict)
    values: dict[str, Cell] = field(default_factory=dict)
    income: dict[str, Cell] = field(default_factory=dict)  # tables 1 and 4: the income side


def gather(rows: list[BodyRow], roles: list[Role]) -> list[RawRow]:
    out = []
    for row in rows:
        raw = RawRow()
        for cell, role in zip(row.cells, roles, strict=True):
            if role.kind == "value":
                if role.key:
                    (raw.income if role.side == "income" else raw.values)[role.key] = cell
            else:
                prev = raw.texts.get(role.kind)
                raw.texts[role.kind] = cell if prev is None else Cell(prev.text + cell.text,
                                                                      f"{prev.spaced} {cell.spaced}", prev.bold)
        out.append(raw)
    return out


def parse_money(text: str) -> tuple[float | None, bool]:
    """(value, ok): blank → (None, True); a malformed figure → (None, False), never a guess."""
    if _BLANK.match(text):
        return None, True
    if not _MONEY.match(text):
        return None, False
    return round(float(text.replace(",", "")), 2), True


def is_complete_money(text: str) -> bool:
    return bool(_BLANK.match(text) or re.match(r"^-?(\d{1,3}(,\d{3})+|\d+)\.\d{2}$", text))


def is_fragment(raw: RawRow, has_codes: bool) -> bool:
    """The first row on a continuation page that is the rest of a row split at the page break."""
    codes = "".join(raw.texts[k].text for k in (LEI, KUAN, XIANG, CODE) if k in raw.texts)
    name = (raw.texts.get(NAME) or raw.texts.get(ITEM) or Cell("", "", False)).text
    cells = list(raw.values.values()) + list(raw.income.values())
    if any(c.text and not is_complete_money(c.text) for c in cells):
        return True
    if codes or name in _TOTAL_NAMES:
        return False
    return has_codes and not any(c.text for c in cells)


def merge_into(prev: RawRow, frag: RawRow) -> None:
    for group in ("texts", "values", "income"):
        a, b = getattr(prev, group), getattr(frag, group)
        for key, cell in b.items():
            old = a.get(key)
            a[key] = cell if old is None else Cell(old.text + cell.text, f"{old.spaced}{cell.spaced}", old.bold)


def code_of(raw: RawRow, last: str | None) -> str | None:
    """Digits-only classification code; a printed lower part is completed from the row above."""
    if any(k in raw.texts for k in (LEI, KUAN, XIANG)):
        lei, kuan, xiang = (raw.texts[k].text if k in raw.texts else "" for k in (LEI, KUAN, XIANG))
        if not (lei or kuan or xiang):
            return None
        if not lei and last:
            lei = last[:3]
            if not kuan and xiang and len(last) >= 5:
                kuan = last[3:5]
        return re.sub(r"\D", "", lei + kuan + xiang) or None
    if CODE in raw.texts:
        parts = raw.texts[CODE].spaced.split()
        digits = "".join(parts)
        if not digits.isdigit():
            return None
        if len(parts[0]) == 2 and last:  # only the lower part printed
            keep = 5 if (len(parts) == 1 and len(last) >= 5) else 3
            return last[:keep] + digits
        return digits
    return None


def level_of(code: str | None) -> int | None:
    return {3: 1, 5: 2, 7: 3}.get(len(code)) if code else None


@dataclass(slots=True)
class RowBuilder:
    """Turns the raw rows of one table (all pages) into Rows, remembering codes and the current unit."""

    number: int
    value_keys: list[str]
    warnings: list[str]
    last_code: str | None = None
    unit: str | None = None

    def values(self, cells: dict[str, Cell], keys: list[str], where: str) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for key in keys:
            cell = cells.get(key)
            value, ok = parse_money(cell.text) if cell else (None, True)
            if not ok:
                self.warnings.append(f"表{self.number}: unreadable figure {cell.text!r} in {where}, column "
                                     f"{key}; left blank")
            out[key] = value
        return out

    def classified(self, raw: RawRow) -> Row | None:
        """Tables 2, 3, 5, 6, 7, 8, 9 (and 10, 11 through `item`)."""
        code = code_of(raw, self.last_code)
        name_cell = raw.texts.get(NAME) or raw.texts.get(ITEM)
        name = name_cell.text if name_cell else ""
        if code and len(code) == 3 and name_cell and self.number == 6:
            m = _ECON_PREFIX.match(name_cell.spaced)
            if m:  # economic 款 printed before its name ("01 基本工资" under 类 301)
                code, name = code + m.group(1), re.sub(r"\s+", "", m.group(2))
        project = raw.texts[PROJECT].text if PROJECT in raw.texts and raw.texts[PROJECT].text else None
        values = self.values(raw.values, self.value_keys, code or name)
        if not (code or name or project or any(v is not None for v in values.values())):
            return None
        if code:
            self.last_code = code
            kind = "line"
        elif name in _TOTAL_NAMES:
            kind = "total"
        elif self.number == 7:
            kind = "unit"
        else:
            kind = "line"
        if kind == "unit":
            self.unit = name
        return Row(kind=kind, code=code, level=level_of(code), name=name, project=project,
                   unit=self.unit if kind == "line" and self.number in (7, 11) else None, values=values)

    def two_sided(self, raw: RawRow, income_keys: list[str]) -> list[Row]:
        """Tables 1 and 4: a printed row holds an income line and an expenditure line."""
        rows = []
        label_in = raw.texts.get(LABEL_IN)
        if label_in and label_in.text:
            name = label_in.text
            rows.append(Row(kind="total" if name in _TOTAL_NAMES else "line", side="income", name=name,
                            values=self.values(raw.income, income_keys, name)))
        label_out = raw.texts.get(LABEL_OUT)
        if label_out and label_out.text:
            m = _LEADING_CODE.match(label_out.spaced.strip())
            code = re.sub(r"\D", "", m.group(1)) if m else None
            name = re.sub(r"\s+", "", m.group(2)) if m else label_out.text
            rows.append(Row(kind="total" if name in _TOTAL_NAMES else "line", side="expenditure", code=code,
                            level=level_of(code), name=name,
                            values=self.values(raw.values, self.value_keys, code or name)))
        return rows


def mark_units(rows: list[Row]) -> None:
    """Table 11: codeless rows are unit rows when each one's total equals the sum of the lines under it."""
    body = [r for r in rows if r.kind != "total"]
    if not body:
        return

    def total(r: Row) -> float:
        return next((v for v in r.values.values() if v is not None), 0.0) or 0.0

    i, units = 0, []
    while i < len(body):
        head, acc, j = body[i], 0.0, i + 1
        while j < len(body) and acc < total(head) - 0.005:
            acc += total(body[j])
            j += 1
        if j == i + 1 or abs(acc - total(head)) > 0.01 * (j - i):
            return  # not a unit structure: every row is a line
        units.append((i, j))
        i = j
    for start, end in units:
        body[start].kind = "unit"
        for r in body[start + 1:end]:
            r.unit = body[start].name
