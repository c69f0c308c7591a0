"""join_projects / join_carryovers: rebuild their inputs from the truth documents and get the truth back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents import table_of, truth_document
from workers.model import (
    BudgetDocument,
    Carryover,
    Project,
    ProjectDescription,
    ProjectPerformance,
    Row,
    Table,
)
from workers.parser.join import (
    CarryoverNote,
    join_carryovers,
    join_projects,
    merge_descriptions,
    normalise_name,
    same_unit,
)

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
DOCS = ["tekes-2025", "xj-hrss-2025"]


load = truth_document
table = table_of


def descriptions_of(doc: BudgetDocument) -> list[tuple[str, ProjectDescription]]:
    return [(p.name, p.description) for p in doc.projects if p.description is not None]


def targets_of(doc: BudgetDocument) -> list[tuple[str, ProjectPerformance]]:
    return [(p.name, p.performance) for p in doc.projects if p.performance is not None]


def assert_same_projects(got: list[Project], truth: list[Project]) -> None:
    assert [p.name for p in got] == [p.name for p in truth]
    assert [p.id for p in got] == [f"p{i}" for i in range(1, len(truth) + 1)]
    for g, t in zip(got, truth, strict=True):
        assert normalise_name(g.unit) == normalise_name(t.unit), g.name
        assert g.amount == pytest.approx(t.amount), g.name
        assert g.lines == t.lines, g.name
        assert g.description == t.description, g.name
        assert g.performance == t.performance, g.name


# ---- the truth documents -------------------------------------------------------------------------

@pytest.mark.parametrize("name", DOCS)
def test_truth_projects_are_reproduced(name: str) -> None:
    doc = load(name)
    t7 = table(doc, 7)
    projects, warnings = join_projects(t7, descriptions_of(doc), targets_of(doc), default_unit=t7.compiler)
    assert_same_projects(projects, doc.projects)
    own = [p.name for p in doc.projects if not p.lines]
    assert len(warnings) == len(own) and all(any(n in w for w in warnings) for n in own)


@pytest.mark.parametrize("name", DOCS)
def test_order_of_descriptions_does_not_matter(name: str) -> None:
    doc = load(name)
    projects, _ = join_projects(table(doc, 7), descriptions_of(doc)[::-1], targets_of(doc))
    assert_same_projects(projects, doc.projects)


def test_printed_names_that_differ_join_by_amount() -> None:
    """xj-hrss prints several names differently in section 七 and the target tables (as in the PDF)."""
    doc = load("xj-hrss-2025")
    by_name = {p.name: p for p in doc.projects}
    renamed_description = {"特定目标3510115C": "特定目标 35101150"}
    descriptions = [(renamed_description.get(n, n), d) for n, d in descriptions_of(doc)]
    # the target tables in printed order, with their printed names
    printed = [("公共就业服务专项", None), ("考试考务（成本性支出）", None),
               ("少数民族特培", "少数民族特培专项"),
               ("社会保险工作经费", None), ("自治区公共就业服务中心综合事务项目", None),
               ("自治区就业补助项目", None), ("巡视工作专项", "自治区人社厅巡查工作专项"),
               ("自治区人事人才项目", "自治区人事人才专项"), ("自治区社保经办机构业务经费", None),
               ("自治区社会保障项目(含成本性支出)", "自治区社会保障项目")]
    targets = [(shown or name, by_name[name].performance) for name, shown in printed]
    # the two projects named 自治区社会保障信息化建设和管理服务项目 (one in table 7, one on its own)
    twin = [p for p in doc.projects if p.name == "自治区社会保障信息化建设和管理服务项目"]
    targets += [(p.name, p.performance) for p in twin]
    projects, warnings = join_projects(table(doc, 7), descriptions, targets)
    assert_same_projects(projects, doc.projects)
    joined_by_amount = [w for w in warnings if "by its amount" in w]
    assert len(joined_by_amount) == 5
    assert any("特定目标 35101150" in w and "35.15" in w for w in joined_by_amount)


def test_an_equal_amount_in_another_unit_does_not_attract() -> None:
    """巡视工作专项 and 公共就业服务专项 both cost 5.00, in different units: the printed unit decides."""
    doc = load("xj-hrss-2025")
    by_name = {p.name: p for p in doc.projects}
    targets = [("自治区人社厅巡查工作专项", by_name["巡视工作专项"].performance),
               ("公共就业服务专项", by_name["公共就业服务专项"].performance)]
    projects, _ = join_projects(table(doc, 7), [], targets)
    got = {p.name: p.performance for p in projects}
    assert got["巡视工作专项"] == by_name["巡视工作专项"].performance
    assert got["公共就业服务专项"] == by_name["公共就业服务专项"].performance


def test_same_name_in_two_units_follows_the_executing_unit() -> None:
    doc = load("xj-hrss-2025")
    mine = [(n, d) for n, d in descriptions_of(doc) if n == "自治区就业补助资金"]
    assert len(mine) == 2
    projects, warnings = join_projects(table(doc, 7), mine[::-1], [])
    described = {p.unit: p.description for p in projects if p.description is not None}
    assert {u: d.scale for u, d in described.items()} == {
        "新疆维吾尔自治区人力资源和社会保障厅本级": 4166.91, "新疆维吾尔自治区公共就业服务中心": 995.6}
    assert warnings == []


def test_spacing_and_bracket_styles_join_by_name() -> None:
    doc = load("tekes-2025")
    respelled = {
        "2025年4月至2026年3月1995年前退休〔退职〕人员生活补贴资金伊州财建〔2024〕184号":
            "2025 年 4 月至 2026 年 3 月 1995 年前退休【退职】人员生活补贴资金伊州财建[2024]184 号",
        "财政对机关事业单位养老保险的补助（年初本级）": "财政对机关事业单位养老保险的补助(年初本级)",
        "2025年中央财政就业补助资金伊州财社【2024】54号": "2025 年中央财政就业补助资金伊州财社〔2024〕54 号",
    }
    descriptions = [(respelled.get(n, n), d) for n, d in descriptions_of(doc)]
    targets = [(respelled.get(n, n), p) for n, p in targets_of(doc)]
    projects, warnings = join_projects(table(doc, 7), descriptions, targets)
    assert_same_projects(projects, doc.projects)
    assert not [w for w in warnings if "by its amount" in w]


def test_truth_carryovers_are_reproduced() -> None:
    doc = load("tekes-2025")
    notes = [CarryoverNote(name=c.name.replace("年", " 年 ").replace("【", "〔").replace("】", "〕"),
                           amount=c.values["total"], purpose=c.purpose) for c in doc.carryovers]
    assert join_carryovers(table(doc, 11), notes[::-1]) == doc.carryovers


def test_carryover_note_named_differently_joins_by_amount() -> None:
    doc = load("xj-hrss-2025")
    truth = doc.carryovers[0]
    notes = [CarryoverNote(name="自治区就业补助资金", amount=1155.11, purpose=truth.purpose)]
    assert join_carryovers(table(doc, 11), notes) == doc.carryovers


# ---- small synthetic documents -------------------------------------------------------------------

def t7(*lines: tuple[str, str | None, float], title: str = "一般公共预算项目支出情况表") -> Table:
    rows = [Row(kind="line", code="2080199", name="其他支出", project=project, unit=unit,
                values={"total": amount}) for project, unit, amount in lines]
    total = round(sum(amount for _, _, amount in lines), 2)
    return Table(number=7, key="general_budget_projects", title=title,
                 rows=[Row(kind="total", name="总计", values={"total": total}), *rows])


def test_repeated_description_is_merged_not_attached_by_amount() -> None:
    """七 describes X once per table-7 line; the second entry must not go to Y, which costs the same."""
    table7 = t7(("项目X", None, 100.0), ("项目X", None, 50.0), ("项目Y", None, 50.0))
    descriptions = [
        ("项目 X", ProjectDescription(policy_basis="依据甲", scale=100.0, allocation="分配一")),
        ("项目X", ProjectDescription(policy_basis="依据甲", scale=50.0, allocation="分配二")),
        ("项目Y", ProjectDescription(policy_basis="依据乙", scale=50.0)),
    ]
    projects, warnings = join_projects(table7, descriptions, [], default_unit="某局")
    assert [(p.id, p.name, p.unit, p.amount, len(p.lines)) for p in projects] == [
        ("p1", "项目X", "某局", 150.0, 2), ("p2", "项目Y", "某局", 50.0, 1)]
    assert projects[0].description == ProjectDescription(policy_basis="依据甲", scale=150.0,
                                                         allocation="分配一；分配二")
    assert projects[1].description.policy_basis == "依据乙"
    assert warnings == []


def test_unmatched_parts_become_projects_of_their_own() -> None:
    table7 = t7(("项目A", None, 10.0), ("项目B", None, 10.0))
    descriptions = [("项目C", ProjectDescription(scale=10.0, executing_unit="某中心"))]
    targets = [("项目C", ProjectPerformance(unit="某中心", total=12.0)),
               ("项目D", ProjectPerformance(unit=None, total=7.0))]
    projects, warnings = join_projects(table7, descriptions, targets, default_unit="某局")
    # 10.00 is ambiguous (A and B), so C stays on its own; its target table joins it by name
    assert [(p.id, p.name, p.unit, p.amount, len(p.lines)) for p in projects] == [
        ("p1", "项目A", "某局", 10.0, 1), ("p2", "项目B", "某局", 10.0, 1),
        ("p3", "项目C", "某中心", 10.0, 0), ("p4", "项目D", "某局", 7.0, 0)]
    assert projects[2].performance.total == 12.0
    assert len(warnings) == 2


def test_a_scale_that_disagrees_with_table_7_is_reported() -> None:
    description = ProjectDescription(scale=12.0)
    projects, warnings = join_projects(t7(("项目A", None, 10.0)), [("项目A", description)], [])
    assert projects[0].amount == 10.0 and projects[0].description.scale == 12.0
    assert warnings == ["project “项目A”: section 七 states 12.00, table 7 adds up to 10.00"]


def test_no_table_7() -> None:
    projects, _ = join_projects(None, [("项目", ProjectDescription(scale=3.0))], [])
    assert [(p.id, p.amount, p.lines) for p in projects] == [("p1", 3.0, [])]


def test_merge_descriptions() -> None:
    merged = merge_descriptions([
        ProjectDescription(scale=None, period="全年", method="按月"),
        ProjectDescription(scale=2.5, period="全年", method="按季"),
        ProjectDescription(scale=1.25, period=None, method="按月"),
    ])
    assert merged == ProjectDescription(scale=3.75, period="全年", method="按月；按季")
    assert merge_descriptions([ProjectDescription()]) == ProjectDescription()
    assert merge_descriptions([ProjectDescription(), ProjectDescription()]).scale is None


def test_normalise_name() -> None:
    assert normalise_name("伊州财社〔2024〕94 号") == normalise_name("伊州财社【2024】94号")
    assert normalise_name("伊州财建[2024]184号") == normalise_name("伊州财建［2024］184 号")
    assert normalise_name("补助（年初本级）") == normalise_name("补助(年初 本级)")
    assert normalise_name(" a\nb\u3000c ") == "abc"
    assert normalise_name(None) == ""
    assert normalise_name("项目一") != normalise_name("项目二")


def test_same_unit() -> None:
    assert same_unit("自治区人力资源和社会保障厅本级", "新疆维吾尔自治区人力资源和社会保障厅本级")
    assert same_unit(None, "某局")
    assert not same_unit("新疆维吾尔自治区社会保险中心", "新疆维吾尔自治区人事考试中心")


def test_carryover_amounts_that_repeat_do_not_identify() -> None:
    rows = [Row(kind="total", name="总计", values={"total": 17.0}),
            Row(kind="line", name="甲", values={"total": 5.0}),
            Row(kind="line", name="乙", values={"total": 5.0}),
            Row(kind="line", name="丁", values={"total": 7.0})]
    table11 = Table(number=11, key="carryover", title="上年结转结余情况明细表", rows=rows)
    notes = [CarryoverNote(name="丙", amount=5.0, purpose="用途丙"),
             CarryoverNote(name="戊", amount=7.0, purpose="用途戊")]
    assert join_carryovers(table11, notes, default_unit="某局") == [
        Carryover(name="甲", unit="某局", values={"total": 5.0}, purpose=None),
        Carryover(name="乙", unit="某局", values={"total": 5.0}, purpose=None),
        Carryover(name="丁", unit="某局", values={"total": 7.0}, purpose="用途戊")]
    assert join_carryovers(None, notes) == []
