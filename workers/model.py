"""The budget document model: the contract in MODEL.md, as msgspec Structs.

One definition, used by the parser (which builds it), the cache (which stores it as
msgspec JSON) and the API (which serves it). Field names are the JSON names.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Values = dict[str, float | None]
"""A row's figures by column key; a blank cell is None, never 0."""


class Staffing(msgspec.Struct, kw_only=True):
    authorized: int | None = None
    actual: int | None = None
    in_service: int | None = None
    in_service_change: int | None = None
    retired: int | None = None
    retired_change: int | None = None
    separated: int | None = None
    separated_change: int | None = None


class Department(msgspec.Struct, kw_only=True):
    name: str | None = None
    year: int | None = None
    scope: Literal["部门", "单位"] | None = None
    functions: list[str] = msgspec.field(default_factory=list)
    budget_units: list[str] = msgspec.field(default_factory=list)
    internal_offices: list[str] = msgspec.field(default_factory=list)
    staffing: Staffing = msgspec.field(default_factory=Staffing)


class Column(msgspec.Struct, kw_only=True):
    key: str
    label: str


RowKind = Literal["total", "unit", "line"]
Side = Literal["income", "expenditure"]


class Row(msgspec.Struct, kw_only=True):
    kind: RowKind
    side: Side | None = None
    code: str | None = None
    level: int | None = None
    name: str = ""
    project: str | None = None
    unit: str | None = None
    values: Values = msgspec.field(default_factory=dict)


class Table(msgspec.Struct, kw_only=True):
    number: int
    key: str
    title: str
    compiler: str | None = None
    unit: str | None = None
    pages: list[int] = msgspec.field(default_factory=list)
    empty: bool = False
    empty_note: str | None = None
    columns: list[Column] = msgspec.field(default_factory=list)
    rows: list[Row] = msgspec.field(default_factory=list)


class ProjectLine(msgspec.Struct, kw_only=True):
    code: str | None = None
    name: str = ""
    values: Values = msgspec.field(default_factory=dict)


class ProjectDescription(msgspec.Struct, kw_only=True):
    """One project's entry in section 七 (项目名称 / 设立的政策依据 / …)."""

    policy_basis: str | None = None
    scale: float | None = None
    executing_unit: str | None = None
    allocation: str | None = None
    period: str | None = None
    funding_source: str | None = None
    beneficiary_count: str | None = None
    standard: str | None = None
    scope: str | None = None
    method: str | None = None
    procedure: str | None = None
    benefits: str | None = None


class Indicator(msgspec.Struct, kw_only=True, omit_defaults=False):
    """One row of a 绩效目标表; level1/level2 are carried down from merged cells."""

    level1: str | None = None
    level2: str | None = None
    name: str | None = None
    target: str | None = None
    basis: str | None = None
    last_year: str | None = None
    weight: float | None = None
    scoring: str | None = None
    evidence: str | None = None


class ProjectPerformance(msgspec.Struct, kw_only=True):
    """A 项目支出绩效目标表."""

    unit: str | None = None
    owner: str | None = None
    total: float | None = None
    fiscal: float | None = None
    other: float | None = None
    goal: str | None = None
    indicators: list[Indicator] = msgspec.field(default_factory=list)


class Project(msgspec.Struct, kw_only=True):
    id: str
    name: str
    unit: str | None = None
    amount: float | None = None
    lines: list[ProjectLine] = msgspec.field(default_factory=list)
    description: ProjectDescription | None = None
    performance: ProjectPerformance | None = None


class Carryover(msgspec.Struct, kw_only=True):
    name: str
    unit: str | None = None
    values: Values = msgspec.field(default_factory=dict)
    purpose: str | None = None


class Funds(msgspec.Struct, kw_only=True):
    superior: float | None = None
    local: float | None = None
    other: float | None = None


class DepartmentIndicator(msgspec.Struct, kw_only=True):
    level1: str | None = None
    level2: str | None = None
    name: str | None = None
    target: str | None = None
    basis: str | None = None
    weight: float | None = None


class DepartmentPerformance(msgspec.Struct, kw_only=True):
    """The 部门整体绩效目标表."""

    unit: str | None = None
    contact: str | None = None
    phone: str | None = None
    goal: str | None = None
    funds: Funds = msgspec.field(default_factory=Funds)
    indicators: list[DepartmentIndicator] = msgspec.field(default_factory=list)


class Check(msgspec.Struct, kw_only=True):
    id: str
    ok: bool
    message: str
    table: int | None = None
    expected: float | None = None
    actual: float | None = None


class BudgetDocument(msgspec.Struct, kw_only=True):
    id: str = ""
    filename: str = ""
    page_count: int = 0
    parser_version: str = ""
    department: Department = msgspec.field(default_factory=Department)
    tables: list[Table] = msgspec.field(default_factory=list)
    projects: list[Project] = msgspec.field(default_factory=list)
    carryovers: list[Carryover] = msgspec.field(default_factory=list)
    performance: DepartmentPerformance | None = None
    checks: list[Check] = msgspec.field(default_factory=list)
    warnings: list[str] = msgspec.field(default_factory=list)


# The eleven standard tables: number → (key, title without the 部门/单位 prefix, column keys and labels).
TABLE_SPECS: dict[int, tuple[str, str, list[tuple[str, str]]]] = {
    1: ("summary", "收支总体情况表", [("amount", "预算数")]),
    2: ("income", "收入总体情况表", [
        ("total", "总计"), ("fiscal_subtotal", "财政拨款(补助)小计"), ("general_budget", "一般公共预算"),
        ("general_budget_transfer", "上级一般公共预算安排的转移支付"), ("gov_fund", "政府性基金预算"),
        ("gov_fund_transfer", "上级政府性基金安排的转移支付"), ("state_capital", "国有资本经营预算"),
        ("state_capital_transfer", "上级国有资本经营预算安排的转移支付"),
        ("special_account", "财政专户(教育收费)"), ("unit_funds", "单位资金"),
        ("fiscal_carryover", "财政拨款结转"), ("nonfiscal_carryover", "非财政拨款结转结余")]),
    3: ("expenditure", "支出总体情况表", [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")]),
    4: ("fiscal_summary", "财政拨款收支预算总体情况表", [
        ("amount", "预算数"), ("total", "合计"), ("general_budget", "一般公共预算"),
        ("gov_fund", "政府性基金预算"), ("state_capital", "国有资本经营预算")]),
    5: ("general_budget", "一般公共预算支出情况表", [
        ("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")]),
    6: ("general_budget_basic", "一般公共预算基本支出情况表", [
        ("total", "合计"), ("personnel", "人员经费"), ("public", "公用经费")]),
    7: ("general_budget_projects", "一般公共预算项目支出情况表", [
        ("total", "项目支出合计"), ("wages", "工资福利支出"), ("goods_services", "商品和服务支出"),
        ("individuals", "对个人和家庭的补助"), ("debt_interest", "债务利息及费用支出"),
        ("capital_construction", "资本性支出(基本建设)"), ("capital", "资本性支出"),
        ("enterprise_construction", "对企业补助(基本建设)"), ("enterprise", "对企业补助"),
        ("social_security_fund", "对社会保障基金补助"), ("other", "其他支出")]),
    8: ("gov_fund", "政府性基金预算支出情况表", [
        ("total", "合计"), ("basic_personnel", "人员经费"), ("basic_public", "公用经费"), ("project", "项目支出")]),
    9: ("state_capital", "国有资本经营预算支出情况表", [
        ("total", "合计"), ("basic_personnel", "人员经费"), ("basic_public", "公用经费"), ("project", "项目支出")]),
    10: ("three_public", "财政拨款\"三公\"经费支出情况表", [
        ("total", "合计"), ("general_budget", "一般公共预算"), ("gov_fund", "政府性基金预算"),
        ("state_capital", "国有资本经营预算")]),
    11: ("carryover", "上年结转结余情况明细表", [
        ("total", "合计"), ("fiscal_subtotal", "财政拨款小计"), ("fiscal_basic_personnel", "财政拨款基本支出人员经费"),
        ("fiscal_basic_public", "财政拨款基本支出公用经费"), ("fiscal_project", "财政拨款项目支出"),
        ("nonfiscal_subtotal", "非财政拨款小计"), ("nonfiscal_basic_personnel", "非财政拨款基本支出人员经费"),
        ("nonfiscal_basic_public", "非财政拨款基本支出公用经费"), ("nonfiscal_project", "非财政拨款项目支出")]),
}

TABLE_KEYS: dict[str, int] = {key: number for number, (key, _, _) in TABLE_SPECS.items()}
