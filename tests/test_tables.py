"""The eleven standard tables, on every fixture layout (grids, code styles, wrapping, page breaks)."""

from __future__ import annotations

import msgspec
import pytest

from tests.documents import NAMES, parsed, truth
from tests.support.score import norm, score_document
from workers.model import Row
from workers.parser.layout import Line, Word
from workers.parser.tables.columns import align_keys, label_role
from workers.parser.tables.find import match_title
from workers.parser.tables.grid import Cell
from workers.parser.tables.rows import RawRow, code_of, is_fragment, mark_units, parse_money


def _row_key(row: dict) -> tuple:
    return (row.get("side"), row["kind"], row.get("code") or "", norm(row["name"]), norm(row.get("project")),
            norm(row.get("unit")))


@pytest.mark.parametrize("name", NAMES)
def test_every_table_row_and_figure_matches_the_truth(name: str) -> None:
    result = msgspec.to_builtins(parsed(name))
    got = {t["number"]: t for t in result["tables"]}
    for expected in truth(name)["tables"]:
        table = got.get(expected["number"])
        assert table is not None, f"表{expected['number']} not found"
        assert table["key"] == expected["key"]
        assert table["empty"] == expected["empty"]
        assert norm(table["compiler"]) == norm(expected["compiler"])
        assert table["unit"] == expected["unit"]
        if expected["empty"]:
            assert norm(table["empty_note"]) == norm(expected["empty_note"])
        want = [(_row_key(r), r["values"]) for r in expected["rows"]]
        have = [(_row_key(r), r["values"]) for r in table["rows"]]
        assert have == want, f"表{expected['number']} rows differ"


@pytest.mark.parametrize("name", NAMES)
def test_scorer_gives_full_marks_for_tables(name: str) -> None:
    report = score_document(truth(name), msgspec.to_builtins(parsed(name)))
    assert report["parts"]["tables"]["f1"] == 1.0


@pytest.mark.parametrize("name", NAMES)
def test_pages_columns_and_titles(name: str) -> None:
    doc = parsed(name)
    expected = {t["number"]: t for t in truth(name)["tables"]}
    for table in doc.tables:
        assert table.pages and all(1 <= p <= doc.page_count for p in table.pages)
        if expected[table.number].get("pages"):
            assert table.pages == expected[table.number]["pages"]
        assert [c.key for c in table.columns] == [c["key"] for c in expected[table.number]["columns"]]
        assert norm(table.title) == norm(expected[table.number]["title"])


def test_scope_wording_follows_the_titles() -> None:
    danwei = [n for n in NAMES if "danwei" in n]
    assert danwei
    for name in danwei:
        assert parsed(name).department.scope == "单位"
        assert all(t.title.startswith(("单位", "财政拨款", "一般公共", "政府性", "国有资本", "上年"))
                   for t in parsed(name).tables)


# ---- stages on small inputs ---------------------------------------------------------------------

def _line(text: str) -> Line:
    w = Word(text, 0, 10, 0, 10, 10, False, [])
    return Line([w], 0, 10, 0, 10)


@pytest.mark.parametrize("text,number", [
    ("部门收支总体情况表", 1), ("单位收支总体情况表", 1), ("财政拨款收支预算总体情况表", 4),
    ("表 10 财政拨款“三公”经费支出情况表", 10), ("2025年部门收入总体情况表", 2), ("一般公共预算支出情况表", 5),
    ("一般公共预算基本支出情况表", 6), ("上年结转结余情况明细表", 11)])
def test_titles_are_recognised(text: str, number: int) -> None:
    assert match_title(_line(text))[0] == number


def test_a_sentence_naming_a_table_is_not_a_title() -> None:
    assert match_title(_line("没有使用政府性基金预算拨款安排的支出，政府性基金预算支出情况表")) is None


@pytest.mark.parametrize("text,expected", [
    ("7,446.83", (7446.83, True)), ("0.30", (0.3, True)), ("", (None, True)), ("-", (None, True)),
    ("2,266.00", (2266.0, True)), ("12,34.5", (None, False)), ("1.2.3", (None, False))])
def test_money_is_exact_or_absent(text: str, expected: tuple) -> None:
    assert parse_money(text) == expected


def _raw(**texts: str) -> RawRow:
    return RawRow(texts={k: Cell(v, v, False) for k, v in texts.items()})


def test_codes_are_rebuilt_from_the_row_above() -> None:
    assert code_of(_raw(lei="208", kuan="01", xiang="01"), None) == "2080101"
    assert code_of(_raw(lei="", kuan="01", xiang="09"), "2080101") == "2080109"
    assert code_of(_raw(lei="", kuan="", xiang="99"), "2080101") == "2080199"
    assert code_of(_raw(code="208 05 07"), None) == "2080507"
    assert code_of(_raw(code="2080507"), None) == "2080507"


def test_a_split_row_remainder_is_a_fragment_but_a_total_is_not() -> None:
    frag = RawRow(texts={"name": Cell("务", "务", False), "lei": Cell("", "", False)},
                  values={"total": Cell("", "", False)})
    assert is_fragment(frag, has_codes=True)
    total = RawRow(texts={"name": Cell("总计", "总计", False)}, values={"total": Cell("1.00", "1.00", False)})
    assert not is_fragment(total, has_codes=True)
    broken_number = RawRow(texts={"name": Cell("", "", False)}, values={"total": Cell("00", "00", False)})
    assert is_fragment(broken_number, has_codes=False)


def test_unit_rows_of_table_11_are_found_by_their_sums() -> None:
    def row(name: str, total: float) -> Row:
        return Row(kind="line", name=name, values={"total": total})
    rows = [Row(kind="total", name="总计", values={"total": 10.0}), row("甲单位", 7.0), row("a", 3.0), row("b", 4.0),
            row("乙单位", 3.0), row("c", 3.0)]
    mark_units(rows)
    assert [r.kind for r in rows] == ["total", "unit", "line", "line", "unit", "line"]
    assert rows[5].unit == "乙单位"
    flat = [Row(kind="total", name="总计", values={"total": 5.0}), row("a", 2.0), row("b", 3.0)]
    mark_units(flat)
    assert [r.kind for r in flat] == ["total", "line", "line"]


def test_fewer_printed_columns_are_aligned_by_label() -> None:
    keys = [("total", "合计"), ("general_budget", "一般公共预算"), ("gov_fund", "政府性基金预算"),
            ("state_capital", "国有资本经营预算")]
    assert align_keys(["合计", "一般公共预算", "国有资本经营预算"], keys) == ["total", "general_budget",
                                                                       "state_capital"]
    assert align_keys(["合计", "一般公共预算", "政府性基金预算", "国有资本经营预算"], keys) == [k for k, _ in keys]


@pytest.mark.parametrize("label,role", [("类", "lei"), ("款", "kuan"), ("项", "xiang"), ("功能分类科目编码", "code"),
                                        ("经济分类科目编码", "code"), ("功能分类科目名称", "name"),
                                        ("项目名称", "project"), ("项目", "item"), ("“三公”经费支出内容", "item"),
                                        ("功能分类", "label_out"), ("项目支出", "value"), ("合计", "value")])
def test_column_roles_from_labels(label: str, role: str) -> None:
    assert label_role(label) == role

