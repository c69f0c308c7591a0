"""Performance-target tables (部门整体 / 项目支出绩效目标表): page grouping and parsing, against the truth
documents, for the corpus PDFs (full grid, reportlab and Word) and the layout variants (rule-less
grids: horizontal rules only, outer frame only; narrow columns; 单位 wording; fake bold)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import msgspec
import pdfplumber
import pypdfium2 as pdfium
import pytest

from workers.parser.layout import PageLayout, page_layout
from workers.parser.targets import find_target_pages, parse_targets

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus"
VARIANTS = FIXTURES / "variants"

CORPUS_PDFS = sorted(CORPUS.glob("*.public-*.pdf"))
VARIANT_PDFS = sorted(p for p in VARIANTS.glob("*.pdf") if p.with_suffix(".truth.json").exists())
ALL_PDFS = CORPUS_PDFS + VARIANT_PDFS


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


@cache
def layouts(pdf: Path) -> list[PageLayout]:
    """The layouts of the pages around the target tables (a quick pdfium text scan finds them; laying
    out the whole document would only add narrative and standard-table pages), with their real numbers."""
    text = pdfium.PdfDocument(pdf)
    hits = [i for i in range(len(text)) if "绩效目标表" in re.sub(r"\s+", "", text[i].get_textpage().get_text_range())]
    first, last = max(min(hits) - 2, 0), min(max(hits) + 3, len(text))
    text.close()
    with pdfplumber.open(pdf) as doc:
        out = []
        for i in range(first, last):
            out.append(page_layout(doc.pages[i], i + 1))
            doc.pages[i].close()
        return out


@cache
def parsed(pdf: Path):
    groups = find_target_pages(layouts(pdf))
    return groups, parse_targets(groups)


def sources(pdf: Path) -> tuple[dict, dict]:
    """The truth document and reading order the PDF was rendered from."""
    if pdf.parent == CORPUS:
        base = CORPUS / re.sub(r"\.public-\w+$", "", pdf.stem)
        truth, blocks = base.with_suffix(".truth.json"), base.with_suffix(".blocks.json")
    else:
        truth, blocks = pdf.with_suffix(".truth.json"), pdf.with_suffix(".blocks.json")
        if not blocks.exists():  # rendered straight from a corpus document: its reading order
            blocks = CORPUS / f"{pdf.name.split('.')[0]}.blocks.json"
    return (json.loads(truth.read_text(encoding="utf-8")), json.loads(blocks.read_text(encoding="utf-8")))


def norm(value):
    return re.sub(r"\s+", "", value) if isinstance(value, str) else value


def expected_projects(truth: dict, blocks: dict) -> list[tuple[str, dict]]:
    """(printed name, truth performance) of every project target table, in reading order."""
    by_id = {p["id"]: p for p in truth["projects"]}
    out = []
    for b in blocks["blocks"]:
        if b.get("type") == "project_performance":
            p = by_id[b["project"]]
            out.append((norm(b.get("printed_name") or p["name"]), p["performance"]))
    return out


def diff(label: str, got, want, out: list[str]) -> None:
    if isinstance(want, float | int) and isinstance(got, float | int):
        if abs(got - want) > 0.005:
            out.append(f"{label}: {got!r} != {want!r}")
    elif got != norm(want):
        out.append(f"{label}: {got!r} != {want!r}")


def diff_indicators(label: str, got: list[dict], want: list[dict], out: list[str]) -> None:
    if len(got) != len(want):
        out.append(f"{label}: {len(got)} indicators != {len(want)}")
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        for key, value in w.items():
            diff(f"{label}[{i}].{key}", g.get(key), value, out)


# ---- grouping ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", ALL_PDFS, ids=_ids(ALL_PDFS))
def test_groups_one_per_target_table(pdf):
    truth, blocks = sources(pdf)
    groups, _ = parsed(pdf)
    wanted = sum(1 for b in blocks["blocks"] if b.get("type") in ("department_performance", "project_performance"))
    assert len(groups) == wanted
    for group in groups:
        numbers = [p.number for p in group]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def test_groups_take_continuation_pages_but_not_the_narrative_after():
    # xj-hrss (reportlab): the 自治区人事人才专项 table runs over pages 50-51; the last table (page 55)
    # is followed by a narrative page that is not part of it
    groups, _ = parsed(CORPUS / "xj-hrss-2025.public-rl.pdf")
    pages = [[p.number for p in g] for g in groups]
    assert [50, 51] in pages
    assert pages[-1] == [55]
    groups, _ = parsed(CORPUS / "tekes-2025.public-rl.pdf")
    assert [[p.number for p in g] for g in groups] == [[n] for n in range(36, 49)]


# ---- department -------------------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", ALL_PDFS, ids=_ids(ALL_PDFS))
def test_department_performance(pdf):
    truth, _ = sources(pdf)
    _, (dept, _) = parsed(pdf)
    want = truth.get("performance")
    if want is None:
        assert dept is None
        return
    assert dept is not None
    got = msgspec.to_builtins(dept)
    errors: list[str] = []
    for key in ("unit", "contact", "phone", "goal"):
        diff(key, got[key], want[key], errors)
    for key in ("superior", "local", "other"):
        diff(f"funds.{key}", got["funds"][key], want["funds"][key], errors)
    diff_indicators("indicators", got["indicators"], want["indicators"], errors)
    assert not errors, "\n".join(errors[:20])


# ---- projects ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", ALL_PDFS, ids=_ids(ALL_PDFS))
def test_project_performance(pdf):
    truth, blocks = sources(pdf)
    _, (_, projects) = parsed(pdf)
    want = expected_projects(truth, blocks)
    assert [name for name, _ in projects] == [name for name, _ in want]
    errors: list[str] = []
    for (name, perf), (_, w) in zip(projects, want, strict=True):
        got = msgspec.to_builtins(perf)
        for key in ("unit", "owner", "total", "fiscal", "other", "goal"):
            diff(f"{name}.{key}", got[key], w[key], errors)
        diff_indicators(f"{name}.indicators", got["indicators"], w["indicators"], errors)
    assert not errors, "\n".join(errors[:20])


def test_weights_are_numbers_and_blank_cells_none():
    _, (dept, projects) = parsed(CORPUS / "xj-hrss-2025.public-rl.pdf")
    assert dept is not None and all(isinstance(i.weight, float) for i in dept.indicators)
    inds = [i for _, p in projects for i in p.indicators]
    assert all(isinstance(i.weight, float) for i in inds)
    assert any(i.level2 is None for i in inds)  # empty level-2 cells stay empty, not carried down
    assert any(i.evidence is None for i in inds)


def test_tables_sharing_pages_are_cut_at_their_titles():
    # rl-stress1: the department table starts under the narrative of page 40 and ends on page 41
    pdf = VARIANTS / "xj-hrss-2025.rl-stress1.pdf"
    if not pdf.exists():
        pytest.skip("variant not rendered")
    groups, (dept, _) = parsed(pdf)
    first = groups[0]
    assert [p.number for p in first] == [40, 41]
    assert "国有资产" not in first[0].text  # the narrative above the title is not part of the table
    assert dept is not None and len(dept.indicators) == 5


def test_no_target_pages():
    assert find_target_pages([]) == []
    assert parse_targets([]) == (None, [])
