"""run_checks: the reconciled truth documents pass every check; one wrong figure fails the right one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents import table_of, truth_document
from workers.model import BudgetDocument, Check, Row
from workers.parser.checks import fmt, run_checks

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
DOCS = ["tekes-2025", "xj-hrss-2025"]


load = truth_document
table = table_of


def row(doc: BudgetDocument, number: int, *, code: str | None = None, name: str | None = None,
        project: str | None = None) -> Row:
    return next(r for r in table(doc, number).rows
                if (code is None or r.code == code) and (name is None or name in r.name)
                and (project is None or r.project == project))


def failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.ok]


def only_failure(checks: list[Check], check_id: str) -> Check:
    matching = [c for c in failed(checks) if c.id == check_id]
    assert len(matching) == 1, [c.message for c in failed(checks)]
    return matching[0]


@pytest.mark.parametrize("name", DOCS)
def test_truth_documents_pass_every_check(name: str) -> None:
    checks = run_checks(load(name).tables)
    assert failed(checks) == []
    ids = {c.id for c in checks}
    for expected in ("t1.balance", "t4.balance", "t2.tree", "t2.row_total", "t3.tree", "t3.row_total",
                     "t5.tree", "t5.row_total", "t6.tree", "t6.row_total", "t7.tree", "t7.row_total",
                     "t7.unit_sum", "t7.total_sum", "t10.parts", "t10.vehicles", "t11.row_total",
                     "t2_total_vs_t1", "t3_total_vs_t1", "t5_total_vs_t4", "t6_total_vs_t5",
                     "t7_total_vs_t5", "t11_total_vs_t1"):
        assert expected in ids, expected
    assert len(ids) == len(checks)  # passing comparisons are grouped: one check per rule


def test_balance_message() -> None:
    checks = run_checks(load("tekes-2025").tables)
    balance = next(c for c in checks if c.id == "t1.balance")
    assert balance == Check(id="t1.balance", ok=True, message="收入总计 7,506.93 = 支出总计 7,506.93",
                            table=1, expected=7506.93, actual=7506.93)


def test_unbalanced_table_1() -> None:
    doc = load("tekes-2025")
    next(r for r in table(doc, 1).rows if r.name == "支出总计").values["amount"] = 7506.03
    checks = run_checks(doc.tables)
    check = only_failure(checks, "t1.balance")
    assert (check.table, check.expected, check.actual) == (1, 7506.03, 7506.93)
    assert check.message == "收入总计 7,506.93 ≠ 支出总计 7,506.03"
    assert only_failure(checks, "t3_total_vs_t1").expected == 7506.03


def test_table_7_project_line_off_by_a_tenth() -> None:
    doc = load("tekes-2025")
    line = row(doc, 7, code="2080109")
    line.values["total"] = 4.6
    checks = run_checks(doc.tables)
    tree = only_failure(checks, "t7.tree")
    assert (tree.table, tree.expected, tree.actual) == (7, 85.9, 85.8)
    assert "20801" in tree.message and "项目支出合计" in tree.message
    row_total = only_failure(checks, "t7.row_total")
    assert (row_total.expected, row_total.actual) == (4.5, 4.6)
    assert "2080109" in row_total.message
    assert {c.id for c in failed(checks)} == {"t7.tree", "t7.row_total"}


def test_table_7_lines_sharing_a_code_add_up() -> None:
    doc = load("tekes-2025")
    # two projects print under 2080699; moving money between them changes nothing
    a, b = [r for r in table(doc, 7).rows if r.code == "2080699"]
    a.values.update(total=12.0, individuals=12.0)
    b.values.update(total=8.0, individuals=8.0)
    assert failed(run_checks(doc.tables)) == []


def test_multi_unit_table_7_unit_row() -> None:
    doc = load("xj-hrss-2025")
    unit = next(r for r in table(doc, 7).rows if r.kind == "unit" and "社会保险中心" in r.name)
    unit.values["capital"] = 41.0
    checks = run_checks(doc.tables)
    unit_sum = only_failure(checks, "t7.unit_sum")
    assert (unit_sum.expected, unit_sum.actual) == (42.0, 41.0)
    assert "社会保险中心" in unit_sum.message and "资本性支出" in unit_sum.message
    total_sum = only_failure(checks, "t7.total_sum")
    assert (total_sum.expected, total_sum.actual) == (133.0, 134.0)
    assert only_failure(checks, "t7.row_total").actual == 1463.0


def test_table_2_parts_and_tree() -> None:
    doc = load("xj-hrss-2025")
    row(doc, 2, code="2080111").values["unit_funds"] = 489.0
    checks = run_checks(doc.tables)
    row_total = only_failure(checks, "t2.row_total")
    assert (row_total.expected, row_total.actual) == (1489.6, 1498.6)
    assert row_total.message == (
        "2080111 公共就业服务和职业技能鉴定机构: printed 1,498.60, "
        "财政拨款(补助)小计 + 财政专户(教育收费) + 单位资金 + 财政拨款结转 + 非财政拨款结转结余 "
        "gives 1,489.60")
    tree = only_failure(checks, "t2.tree")
    assert (tree.expected, tree.actual) == (1489.0, 1498.0)


def test_table_6_economic_codes() -> None:
    doc = load("xj-hrss-2025")
    row(doc, 6, code="30102").values.update(total=1606.9, personnel=1606.9)
    checks = run_checks(doc.tables)
    assert {c.id for c in failed(checks)} == {"t6.tree"}
    assert sorted((c.expected, c.actual) for c in failed(checks)) == [(8634.83, 8634.63)] * 2


def test_table_10_parts() -> None:
    doc = load("xj-hrss-2025")
    row(doc, 10, name="公务用车运行费").values.update(total=146.0, general_budget=146.0)
    checks = run_checks(doc.tables)
    assert {c.id for c in failed(checks)} == {"t10.vehicles"}
    assert sorted((c.expected, c.actual) for c in failed(checks)) == [(146.0, 146.51)] * 2


def test_table_11_against_table_1() -> None:
    doc = load("tekes-2025")
    t11_total = next(r for r in table(doc, 11).rows if r.kind == "total")
    t11_total.values["total"] = 61.11
    checks = run_checks(doc.tables)
    cross = only_failure(checks, "t11_total_vs_t1")
    assert (cross.table, cross.expected, cross.actual) == (11, 60.11, 61.11)
    assert cross.message == "表11 总计 61.11 ≠ 表1 上年结转结余 60.11"
    assert only_failure(checks, "t11.total_sum").expected == 60.11


def test_table_5_against_table_4_general_budget() -> None:
    doc = load("tekes-2025")
    expenditure_total = next(r for r in table(doc, 4).rows if r.name == "支出总计")
    expenditure_total.values["general_budget"] = None  # falls back to the 一般公共预算 income row
    assert [c.id for c in failed(run_checks(doc.tables))] == ["t4.row_total"]
    income = next(r for r in table(doc, 4).rows if r.side == "income" and r.name == "一般公共预算")
    income.values["amount"] = 1.0
    assert only_failure(run_checks(doc.tables), "t5_total_vs_t4").expected == 1.0


def test_missing_tables_skip_their_checks() -> None:
    doc = load("tekes-2025")
    tables = [t for t in doc.tables if t.number not in (1, 7)]
    ids = {c.id for c in run_checks(tables)}
    assert not {i for i in ids if i.startswith(("t1.", "t7.", "t7_"))}
    assert not {i for i in ids if i.endswith("_vs_t1")}
    assert "t5_total_vs_t4" in ids
    assert run_checks([]) == []


def test_an_empty_table_11_counts_as_zero() -> None:
    doc = load("tekes-2025")
    t11 = table(doc, 11)
    t11.rows, t11.empty = [], True
    cross = only_failure(run_checks(doc.tables), "t11_total_vs_t1")
    assert (cross.expected, cross.actual) == (60.11, 0.0)


def test_rounding_within_tolerance() -> None:
    """Rounded figures may be off by a cent per addend."""
    doc = load("tekes-2025")
    row(doc, 3, code="20801").values["total"] += 0.01
    assert failed(run_checks(doc.tables)) == []
    row(doc, 3, code="20801").values["total"] += 0.02
    assert {c.id for c in failed(run_checks(doc.tables))} == {"t3.tree", "t3.row_total"}


def test_fmt() -> None:
    assert fmt(7506.93) == "7,506.93"
    assert fmt(1234567.5) == "1,234,567.50"
    assert fmt(None) == "—"
