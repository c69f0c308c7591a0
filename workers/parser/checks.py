"""Arithmetic checks: the eleven tables must agree with themselves and with each other (MODEL.md, Check).

A failed check is information about the document, not a parser error. Each rule has a stable id;
a rule whose comparisons all pass is reported once (with how many comparisons it made), a failing
comparison is reported on its own, saying where and with which figures.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from workers.model import TABLE_SPECS, Check, Row, Table

TOL = 0.01  # per comparison; rounded figures that add up get TOL per addend

# (rule suffix, whole column, part columns): a row's whole equals the sum of its parts.
_ROW_SUMS: dict[int, list[tuple[str, str, tuple[str, ...]]]] = {
    2: [("row_total", "total", ("fiscal_subtotal", "special_account", "unit_funds", "fiscal_carryover",
                                "nonfiscal_carryover")),
        ("fiscal_subtotal", "fiscal_subtotal", ("general_budget", "general_budget_transfer", "gov_fund",
                                                "gov_fund_transfer", "state_capital",
                                                "state_capital_transfer"))],
    3: [("row_total", "total", ("basic", "project"))],
    4: [("row_total", "total", ("general_budget", "gov_fund", "state_capital"))],
    5: [("row_total", "total", ("basic", "project"))],
    6: [("row_total", "total", ("personnel", "public"))],
    7: [("row_total", "total", ("wages", "goods_services", "individuals", "debt_interest",
                                "capital_construction", "capital", "enterprise_construction", "enterprise",
                                "social_security_fund", "other"))],
    8: [("row_total", "total", ("basic_personnel", "basic_public", "project"))],
    9: [("row_total", "total", ("basic_personnel", "basic_public", "project"))],
    10: [("row_total", "total", ("general_budget", "gov_fund", "state_capital"))],
    11: [("row_total", "total", ("fiscal_subtotal", "nonfiscal_subtotal")),
         ("fiscal_subtotal", "fiscal_subtotal", ("fiscal_basic_personnel", "fiscal_basic_public",
                                                 "fiscal_project")),
         ("nonfiscal_subtotal", "nonfiscal_subtotal", ("nonfiscal_basic_personnel", "nonfiscal_basic_public",
                                                       "nonfiscal_project"))],
}
_TREE_TABLES = (2, 3, 5, 6, 7, 8, 9, 11)  # tables whose rows form 类/款/项 (or unit/line) trees


@dataclass(frozen=True, slots=True)
class _Cmp:
    """One comparison: `actual` is the printed figure, `expected` what the other figures imply."""

    where: str
    expected: float
    actual: float
    addends: int = 1

    @property
    def ok(self) -> bool:
        return abs(self.expected - self.actual) <= TOL * max(1, self.addends) + 1e-9


def fmt(value: float | None) -> str:
    """A money figure as printed: thousands separators, 2 decimals."""
    return "—" if value is None else f"{value:,.2f}"


def _num(value: float | None) -> float:
    return 0.0 if value is None else value  # a blank cell adds nothing


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _label(table: Table, key: str) -> str:
    """A column's name for messages: the model's unambiguous label (table 11 prints 小计 twice)."""
    spec = TABLE_SPECS.get(table.number)
    label = next((lab for k, lab in spec[2] if k == key), None) if spec else None
    return label or next((c.label for c in table.columns if c.key == key), key)


def _value_keys(table: Table, rows: Iterable[Row]) -> list[str]:
    """The value columns in use, in column order (rows may hold only one side's keys)."""
    seen = {k for row in rows for k in row.values}
    keys = [c.key for c in table.columns if c.key in seen]
    return keys + sorted(seen - set(keys))


def _grouped(rule: str, table: int, what: str, comparisons: list[_Cmp]) -> list[Check]:
    """Failing comparisons one by one; all passing as a single check."""
    failed = [c for c in comparisons if not c.ok]
    if failed:
        return [Check(id=rule, ok=False, table=table, expected=round(c.expected, 2),
                      actual=round(c.actual, 2),
                      message=f"{c.where}: printed {fmt(c.actual)}, {what} gives {fmt(c.expected)}")
                for c in failed]
    if not comparisons:
        return []
    return [Check(id=rule, ok=True, table=table, message=f"{what}: {len(comparisons)} comparisons agree")]


def _single(rule: str, table: int, expected_label: str, expected: float | None,
            actual_label: str, actual: float | None, addends: int = 1) -> Check:
    """A comparison of two figures, reported whether it passes or not."""
    cmp = _Cmp("", _num(expected), _num(actual), addends)
    sign = "=" if cmp.ok else "≠"
    return Check(id=rule, ok=cmp.ok, table=table, expected=round(cmp.expected, 2),
                 actual=round(cmp.actual, 2),
                 message=f"{actual_label} {fmt(cmp.actual)} {sign} {expected_label} {fmt(cmp.expected)}")


# ---- finding rows ------------------------------------------------------------------------------

def _total_row(table: Table | None, side: str | None = None, name: str | None = None) -> Row | None:
    if table is None:
        return None
    for row in table.rows:
        if row.kind == "total" and (side is None or row.side == side or (name and name in row.name)):
            return row
    return None


def _total_value(table: Table | None, key: str, side: str | None = None, name: str | None = None
                 ) -> float | None:
    """A total row's figure; an empty table's total is 0; None when the row cannot be found."""
    if table is None:
        return None
    row = _total_row(table, side, name)
    if row is None:
        return 0.0 if table.empty else None
    return _num(row.values.get(key))


def _income_row(table: Table | None, fragment: str) -> Row | None:
    if table is None:
        return None
    return next((r for r in table.rows if r.side == "income" and fragment in _norm(r.name)), None)


def _sections(table: Table) -> list[tuple[Row | None, list[Row]]]:
    """Rows split by unit row (tables 7 and 11 of multi-unit documents); (None, lines) otherwise."""
    sections: list[tuple[Row | None, list[Row]]] = [(None, [])]
    for row in table.rows:
        if row.kind == "unit":
            sections.append((row, []))
        elif row.kind == "line":
            sections[-1][1].append(row)
    return [s for s in sections if s[0] is not None or s[1]]


# ---- rules within a table ----------------------------------------------------------------------

def _tree_comparisons(table: Table, unit: Row | None, lines: list[Row]) -> list[_Cmp]:
    """类 = Σ款 and 款 = Σ项 per value column; rows sharing a code (table 7: one per project) add up."""
    sums: dict[str, dict[str, float]] = {}
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    keys = _value_keys(table, lines)
    for row in lines:
        if not row.code:
            continue
        acc = sums.setdefault(row.code, dict.fromkeys(keys, 0.0))
        for key in keys:
            acc[key] += _num(row.values.get(key))
        counts[row.code] = counts.get(row.code, 0) + 1
        names.setdefault(row.code, row.name)
    prefix = f"[{unit.name}] " if unit is not None else ""
    out: list[_Cmp] = []
    for parent in sums:
        children = [c for c in sums if len(c) == len(parent) + 2 and c.startswith(parent)]
        if len(parent) not in (3, 5) or not children:
            continue
        addends = sum(counts[c] for c in children)
        for key in keys:
            expected = sum(sums[c][key] for c in children)
            out.append(_Cmp(f"{prefix}{parent} {names[parent]} {_label(table, key)}",
                            expected, sums[parent][key], addends))
    return out


def _sum_comparisons(table: Table, where: str, whole: Row, parts: list[Row]) -> list[_Cmp]:
    keys = _value_keys(table, [whole, *parts])
    return [_Cmp(f"{where} {_label(table, key)}", sum(_num(p.values.get(key)) for p in parts),
                 _num(whole.values.get(key)), len(parts)) for key in keys]


def _top_rows(lines: list[Row]) -> list[Row]:
    """The rows a total adds up: 类 rows when the table has codes, else every line (table 11)."""
    classes = [r for r in lines if r.code and len(r.code) == 3]
    if classes or any(r.code for r in lines):
        return classes
    return lines


def _tree_checks(table: Table) -> list[Check]:
    n = table.number
    sections = _sections(table)
    tree: list[_Cmp] = []
    unit_sums: list[_Cmp] = []
    for unit, lines in sections:
        tree += _tree_comparisons(table, unit, lines)
        if unit is not None and lines:
            unit_sums += _sum_comparisons(table, unit.name, unit, _top_rows(lines))
    units = [u for u, _ in sections if u is not None]
    total = _total_row(table)
    total_sums: list[_Cmp] = []
    if total is not None:
        parts = units or _top_rows(next((lines for u, lines in sections if u is None), []))
        if parts:
            total_sums = _sum_comparisons(table, total.name, total, parts)
    return (_grouped(f"t{n}.tree", n, "the sum of its sub-items", tree)
            + _grouped(f"t{n}.unit_sum", n, "the sum of the unit's classes", unit_sums)
            + _grouped(f"t{n}.total_sum", n, "the sum of the rows below", total_sums))


def _row_sum_checks(table: Table) -> list[Check]:
    out: list[Check] = []
    for suffix, whole, parts in _ROW_SUMS.get(table.number, []):
        comparisons = []
        for row in table.rows:
            if whole not in row.values:
                continue  # the other side of tables 1 and 4
            figures = [row.values.get(p) for p in parts]
            if row.values[whole] is None and all(f is None for f in figures):
                continue
            where = f"{row.code + ' ' if row.code else ''}{row.name}"
            comparisons.append(_Cmp(where, sum(_num(f) for f in figures), _num(row.values[whole]),
                                    sum(f is not None for f in figures)))
        labels = " + ".join(_label(table, p) for p in parts)
        out += _grouped(f"t{table.number}.{suffix}", table.number, labels, comparisons)
    return out


def _balance(table: Table | None, income_key: str, expenditure_key: str) -> list[Check]:
    if table is None:
        return []
    income = _total_row(table, "income", "收入总计")
    expenditure = _total_row(table, "expenditure", "支出总计")
    if income is None or expenditure is None:
        return []
    return [_single(f"t{table.number}.balance", table.number,
                    "支出总计", expenditure.values.get(expenditure_key),
                    "收入总计", income.values.get(income_key))]


def _three_public_checks(table: Table) -> list[Check]:
    """合计 = 因公出国（境）费 + 公务接待费 + 公务用车购置及运行费（小计）; 小计 = 购置费 + 运行费."""
    if table.empty:
        return []
    lines = [r for r in table.rows if r.kind == "line"]

    def find(*fragments: str, exclude: str | None = None) -> Row | None:
        for row in lines:
            name = _norm(row.name)
            if all(f in name for f in fragments) and not (exclude and exclude in name):
                return row
        return None

    total = _total_row(table)
    abroad, reception = find("出国"), find("接待")
    vehicles = find("购置", "运行")
    purchase, running = find("购置费", exclude="运行"), find("运行费", exclude="购置")
    out: list[Check] = []
    if total is not None and abroad and reception and vehicles:
        out += _grouped("t10.parts", 10, "the sum of its three parts",
                        _sum_comparisons(table, total.name, total, [abroad, reception, vehicles]))
    if vehicles and purchase and running:
        out += _grouped("t10.vehicles", 10, "购置费 + 运行费",
                        _sum_comparisons(table, vehicles.name, vehicles, [purchase, running]))
    return out


# ---- rules across tables -----------------------------------------------------------------------

def _general_budget_total(t4: Table | None) -> float | None:
    """Table 4's 一般公共预算 total: the 支出总计 cell, else the 一般公共预算 income row."""
    if t4 is None:
        return None
    row = _total_row(t4, "expenditure", "支出总计")
    if row is not None and row.values.get("general_budget") is not None:
        return row.values["general_budget"]
    income = next((r for r in t4.rows if r.side == "income" and _norm(r.name).endswith("一般公共预算")), None)
    return income.values.get("amount") if income is not None else None


def _cross(rule: str, table: Table | None, actual_label: str, actual: float | None,
           expected_label: str, expected: float | None) -> list[Check]:
    if table is None or actual is None or expected is None:
        return []  # a missing table (or row) skips the check
    return [_single(rule, table.number, expected_label, expected, actual_label, actual)]


def _cross_checks(by_number: dict[int, Table]) -> list[Check]:
    t = by_number.get
    t1_income = _total_value(t(1), "amount", "income", "收入总计")
    t1_expenditure = _total_value(t(1), "amount", "expenditure", "支出总计")
    carried = _income_row(t(1), "上年结转")
    t1_carried = _num(carried.values.get("amount")) if carried is not None else None
    t5_basic, t5_project = _total_value(t(5), "basic"), _total_value(t(5), "project")
    t4_general = _general_budget_total(t(4))
    def total(n: int) -> float | None:
        return _total_value(t(n), "total")

    return [
        *_cross("t2_total_vs_t1", t(2), "表2 总计", total(2), "表1 收入总计", t1_income),
        *_cross("t3_total_vs_t1", t(3), "表3 总计", total(3), "表1 支出总计", t1_expenditure),
        *_cross("t5_total_vs_t4", t(5), "表5 总计", total(5), "表4 一般公共预算合计", t4_general),
        *_cross("t6_total_vs_t5", t(6), "表6 总计", total(6), "表5 基本支出合计", t5_basic),
        *_cross("t7_total_vs_t5", t(7), "表7 总计", total(7), "表5 项目支出合计", t5_project),
        *_cross("t11_total_vs_t1", t(11), "表11 总计", total(11), "表1 上年结转结余", t1_carried),
    ]


def run_checks(tables: list[Table]) -> list[Check]:
    """Every check of MODEL.md over the parsed tables; a missing table skips its checks."""
    by_number = {table.number: table for table in tables}
    checks = _balance(by_number.get(1), "amount", "amount") + _balance(by_number.get(4), "amount", "total")
    for number in sorted(by_number):
        table = by_number[number]
        if number in _TREE_TABLES:
            checks += _tree_checks(table)
        checks += _row_sum_checks(table)
        if number == 10:
            checks += _three_public_checks(table)
    return checks + _cross_checks(by_number)
