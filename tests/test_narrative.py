"""Narrative parsing (第一部分 概况, section 七 project descriptions, section 十一 carry-over notes)
against the truth documents, plus unit tests on synthetic lines for the printed variations."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pdfplumber
import pytest

from workers.model import Department, ProjectDescription, Row, Table
from workers.parser.department import parse_department
from workers.parser.join import join_carryovers, merge_descriptions, normalise_name, same_unit
from workers.parser.layout import Char, Line, PageLayout, Word, page_layout
from workers.parser.narrative import (
    narrative_lines,
    parse_carryover_notes,
    parse_project_descriptions,
)

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = sorted((FIXTURES / "corpus").glob("*.pdf"))
VARIANTS = sorted((FIXTURES / "variants").glob("*.pdf"))


def _truth_path(pdf: Path) -> Path:
    """corpus: <name>.<style>.pdf → <name>.truth.json; variants: <name>.<style>.pdf → same stem."""
    own = pdf.with_suffix(".truth.json")
    return own if own.exists() else pdf.parent / f"{pdf.name.split('.')[0]}.truth.json"


PDFS = [p for p in CORPUS + VARIANTS if _truth_path(p).exists()]
IDS = [f"{p.parent.name}/{p.stem}" for p in PDFS]

_CACHE: dict[Path, dict] = {}


@pytest.fixture(scope="module")
def parsed():
    """Parse each PDF once per module: narrative lines and the three parsers' outputs."""

    def get(pdf: Path) -> dict:
        if pdf not in _CACHE:
            with pdfplumber.open(pdf) as doc:
                pages = [page_layout(page, i + 1) for i, page in enumerate(doc.pages)]
            lines = narrative_lines(pages)
            _CACHE[pdf] = {
                "truth": json.loads(_truth_path(pdf).read_text(encoding="utf-8")),
                "department": msgspec.to_builtins(parse_department(lines)),
                "descriptions": parse_project_descriptions(lines),
                "notes": parse_carryover_notes(lines),
            }
        return _CACHE[pdf]

    return get


def norm(text) -> str:
    return normalise_name(None if text is None else str(text))


# ---- against the truth ---------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", PDFS, ids=IDS)
def test_department(parsed, pdf):
    got = parsed(pdf)["department"]
    truth = parsed(pdf)["truth"]["department"]
    assert got["year"] == truth["year"]
    assert got["scope"] == truth["scope"]
    assert got["staffing"] == truth["staffing"]
    for field in ("functions", "budget_units", "internal_offices"):
        assert [norm(x) for x in got[field]] == [norm(x) for x in truth[field]], field
    assert got["name"] in (None, truth["name"])


def _descriptions_for(project: dict, descriptions: list[tuple[str, ProjectDescription]],
                      used: set[int]) -> list[ProjectDescription]:
    """The parsed descriptions the join step would give this truth project: same normalised name
    (and unit), else (one) with the same 预算安排规模."""
    key = norm(project["name"])
    same = [i for i, (name, d) in enumerate(descriptions)
            if i not in used and norm(name) == key and same_unit(d.executing_unit, project["unit"])]
    if not same:
        scale = project["description"]["scale"]
        same = [i for i, (_, d) in enumerate(descriptions)
                if i not in used and d.scale is not None and scale is not None and abs(d.scale - scale) < 0.005]
        same = same[:1]
    used.update(same)
    return [descriptions[i][1] for i in same]


@pytest.mark.parametrize("pdf", PDFS, ids=IDS)
def test_project_descriptions(parsed, pdf):
    data = parsed(pdf)
    descriptions = data["descriptions"]
    described = [p for p in data["truth"]["projects"] if p["description"] is not None]
    used: set[int] = set()
    # exact-name matches first, then the amount fallback, like the join step
    order = sorted(described, key=lambda p: not any(norm(n) == norm(p["name"]) for n, _ in descriptions))
    for project in order:
        parts = _descriptions_for(project, descriptions, used)
        assert parts, f"no description for {project['name']}"
        got = msgspec.to_builtins(merge_descriptions(parts))
        for field, want in project["description"].items():
            have = got.get(field)
            if field == "scale":
                assert have == pytest.approx(want, abs=0.005), (project["name"], field)
            else:
                assert norm(have) == norm(want), (project["name"], field)
    assert len(used) == len(descriptions), "descriptions not matched to any truth project"


@pytest.mark.parametrize("pdf", PDFS, ids=IDS)
def test_carryover_notes(parsed, pdf):
    """Joined to table 11 the way the orchestrator does (name, else amount), every purpose matches."""
    data = parsed(pdf)
    truth = data["truth"]["carryovers"]
    table11 = Table(number=11, key="carryover", title="上年结转结余情况明细表", rows=[
        Row(kind="line", name=c["name"], unit=c["unit"], values=c["values"]) for c in truth])
    joined = join_carryovers(table11, data["notes"])
    for want, got in zip(truth, joined, strict=True):
        assert norm(got.purpose) == norm(want["purpose"]), want["name"]
    assert len(data["notes"]) == sum(c["purpose"] is not None for c in truth)
    for note in data["notes"]:
        assert note.amount is not None and note.purpose


# ---- synthetic lines -----------------------------------------------------------------------------

def make_lines(text: str, margin: float = 80.0, indent: float = 28.0) -> list[Line]:
    """One Line per text line; a leading '>' marks an indented (paragraph-start) line.
    Spaces split words, as in a PDF."""
    out = []
    top = 80.0
    for raw in text.strip("\n").splitlines():
        x = margin + (indent if raw.startswith(">") else 0.0)
        raw = raw.lstrip(">")
        words = []
        for part in raw.split():
            chars = []
            for ch in part:
                chars.append(Char(ch, x, x + 14, top, top + 14, 14.0))
                x += 14
            words.append(Word(part, chars[0].x0, chars[-1].x1, top, top + 14, 14.0, False, chars))
            x += 4
        if words:
            out.append(Line(words, words[0].x0, words[-1].x1, top, top + 14))
        top += 24
    return out


DEPT_DANWEI = """
>第一部分 2026 年单位概况
>一、主要职能
>（一）负责本县就业工作，拟订就业
政策并组织实施。
>（二）承办县委交办的其他事项。
>二、机构设置及人员情况
>某县某中心无下属预算单位，内设 3 个股室，分别是：办公室、
业务股、财务股。
>某县某中心编制数 12，实有人数 15 人，其中：在职 10 人，增加 1
人；退休 5 人，减少 2 人；离休 0 人，增加 0 人。
"""


def test_department_danwei_wording():
    dept = parse_department(make_lines(DEPT_DANWEI))
    assert dept.year == 2026
    assert dept.scope == "单位"
    assert dept.name is None
    assert dept.functions == ["负责本县就业工作，拟订就业政策并组织实施。", "承办县委交办的其他事项。"]
    assert dept.budget_units == []
    assert dept.internal_offices == ["办公室", "业务股", "财务股"]
    s = dept.staffing
    assert (s.authorized, s.actual) == (12, 15)
    assert (s.in_service, s.in_service_change) == (10, 1)
    assert (s.retired, s.retired_change) == (5, -2)
    assert (s.separated, s.separated_change) == (0, 0)


DEPT_UNITS = """
>目 录
>第一部分 2025 年部门概况
>一、 主要职能
>二、 机构设置及人员情况
>第三部分 2025 年部门预算情况说明
>第一部分 2025 年部门概况
>一、主要职能
>某厅贯彻落实党中央决策部署。主要职能是：
>(一) 贯彻执行国家有关政策。
>(二) 完成交办的其他任务。
>二、机构设置及人员情况
>某厅本级下设 2 个处室，分别是：办公室、规划
财务处。
>纳入某厅 2025 年部门预算编制范围的下属预算单位包括：
>1. 某厅本级
>2. 新疆维吾尔自治区某某某某某某某某某某某某某
中心
>某厅编制数 50，实有人数 60 人，其中：在职 40 人，减少 3 人；退休 20 人，减少 1 人；离休 0 人。
>第三部分 2025 年部门预算情况说明
"""


def test_department_units_list_and_toc():
    dept = parse_department(make_lines(DEPT_UNITS))
    assert dept.year == 2025 and dept.scope == "部门"
    assert dept.functions == ["贯彻执行国家有关政策。", "完成交办的其他任务。"]
    assert dept.internal_offices == ["办公室", "规划财务处"]
    assert dept.budget_units == ["某厅本级", "新疆维吾尔自治区某某某某某某某某某某某某某中心"]
    s = dept.staffing
    assert (s.in_service, s.in_service_change, s.retired_change) == (40, -3, -1)
    assert (s.separated, s.separated_change) == (0, None)


def test_department_inline_units():
    text = """
>第一部分 2025 年部门概况
>二、机构设置及人员情况
>本部门预算包括的预算单位有：某局本级、某某中心、某某
所。
"""
    assert parse_department(make_lines(text)).budget_units == ["某局本级", "某某中心", "某某所"]


SEVEN = """
>六、关于某局 2025 年一般公共预算基本支出情况说明
>人员经费 10.00 万元。
>七、 关于某局 2025 年一般公共预算项目支出
>情况说明
>（一）项目名称：2025 年就业补助资金伊州财社【2024】
54 号
>设立的政策依据：新财社【2018】241 号《关于就业资金管理
暂行办法的通知》
>预算安排规模：1,007.26 万元
>项目承担单位：某局
>资金分配情况：补贴标准 1355 元、6 次发放；享受岗位补贴一般户人数 58 人、补贴标准
1890 元
>资金执行时间：2025 年 1月 1 日-2025 年 12 月 25 日
>补贴人数：在岗 4人
>受益人群和社会效益：促进就业
>(二) 项目名称：特定目标 0610001D
>设立的政策依据：完全不予公开。
>预算安排规模：70.00万元
>（三）项目名称：特定目标 0610001D
>预算安排规模：5 万元
>八、 关于某局 2025 年政府性基金预算拨款情况说明
>（一）项目名称：不是第七部分的内容
"""


def test_project_descriptions_synthetic():
    got = parse_project_descriptions(make_lines(SEVEN))
    assert [name for name, _ in got] == ["2025年就业补助资金伊州财社【2024】54号", "特定目标0610001D",
                                         "特定目标0610001D"]
    first = got[0][1]
    assert first.policy_basis == "新财社【2018】241号《关于就业资金管理暂行办法的通知》"
    assert first.scale == pytest.approx(1007.26)
    assert first.executing_unit == "某局"
    assert first.allocation == "补贴标准1355元、6次发放；享受岗位补贴一般户人数58人、补贴标准1890元"
    assert first.period == "2025年1月1日-2025年12月25日"
    assert first.beneficiary_count == "在岗4人"
    assert first.benefits == "促进就业"
    assert first.funding_source is None and first.standard is None and first.procedure is None
    assert got[1][1] == ProjectDescription(policy_basis="完全不予公开。", scale=70.0)
    assert got[2][1] == ProjectDescription(scale=5.0)


ELEVEN = """
>十一、 关于某局 2025 年上年结转结余预算情况说明
>某局 2025 年上年结转结余 30.11 万元，包括：财政拨款 30.11 万元，其中：
>1．2024 年某某补助资金〔第二批〕伊州财社〔2024〕100 号 24.00 万元，主要用于：符合条件的
居民领取 1.5 万元补助，共
2.5 万元。
>2. 国有企业办补贴经费（伊州财建【2024】23 号）6.11 万元，主要用于：补贴。
>十二、 其他重要事项的情况说明
>1. 不是结转
"""


def test_carryover_notes_synthetic():
    notes = parse_carryover_notes(make_lines(ELEVEN))
    assert [(n.name, n.amount) for n in notes] == [
        ("2024年某某补助资金〔第二批〕伊州财社〔2024〕100号", 24.0),
        ("国有企业办补贴经费（伊州财建【2024】23号）", 6.11),
    ]
    assert notes[0].purpose == "符合条件的居民领取1.5万元补助，共2.5万元。"
    assert notes[1].purpose == "补贴。"


SIX = """
>六、关于某某县某某某某某某某某某局 2025 年一般公共预算项目支出情况
>说明
>(一) 项目名称:城乡居民养老保险
（年初本级）
>二、项目名称:某某情况
>八、项目名称:某某某情况
>1.设立的政策依据:某文件
>2.预算安排规模:12.5万元
>3.资金执行时间:全年
>七、关于某某县某某某某某某某某某局 2025 年政府性基金预算拨款情况说明
"""


def test_project_descriptions_other_numbering():
    got = parse_project_descriptions(make_lines(SIX))
    assert got == [("城乡居民养老保险（年初本级）", ProjectDescription()), ("某某情况", ProjectDescription()),
                   ("某某某情况", ProjectDescription(policy_basis="某文件", scale=12.5, period="全年"))]


def test_staffing_wording():
    text = """
>第一部分 2025 年单位概况
>二、机构设置及人员情况
>某局编制数 8 人，实有人数 9 人，其中：在职 6 人（比上年持平）；退休 3 人，比上年增加 1 人；
离休 1 人，减少 1 人。
"""
    s = parse_department(make_lines(text)).staffing
    assert (s.authorized, s.actual, s.in_service, s.in_service_change) == (8, 9, 6, 0)
    assert (s.retired, s.retired_change, s.separated, s.separated_change) == (3, 1, 1, -1)


def test_nothing_to_parse():
    lines = make_lines(">第三部分 2025 年部门预算情况说明\n>一、关于某局收支预算情况的总体说明")
    assert parse_project_descriptions(lines) == []
    assert parse_carryover_notes(lines) == []
    assert parse_department([]) == Department()


def test_narrative_lines_skips_tables_and_targets():
    def page(number: int, text: str) -> PageLayout:
        lines = make_lines(text)
        return PageLayout(number, 595.0, 842.0, [c for ln in lines for w in ln.words for c in w.chars], lines)

    pages = [page(1, ">第一部分 2025 年部门概况"), page(2, ">表1\n>编制部门：某局 单位：万元"),
             page(3, ">项目支出绩效目标表\n>（2025年）"), page(4, ">第四部分 名词解释")]
    assert [ln.text for ln in narrative_lines(pages)] == ["第一部分2025年部门概况", "第四部分名词解释"]
