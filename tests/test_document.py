"""The whole document: every part against the truth, the checks, warnings, and the command line."""

from __future__ import annotations

import io
import subprocess
import sys

import msgspec
import pytest
from reportlab.pdfgen import canvas

from tests.documents import NAMES, PAIRS, parsed, truth
from tests.support.score import score_document
from workers.model import BudgetDocument
from workers.parser import PARSER_VERSION, parse_pdf


@pytest.mark.parametrize("name", NAMES)
def test_every_part_scores_full_marks(name: str) -> None:
    report = score_document(truth(name), msgspec.to_builtins(parsed(name)))
    assert {part: v["f1"] for part, v in report["parts"].items()} == {
        "tables": 1.0, "projects": 1.0, "carryovers": 1.0, "department": 1.0, "performance": 1.0}


@pytest.mark.parametrize("name", NAMES)
def test_checks_pass_on_reconciled_documents(name: str) -> None:
    checks = parsed(name).checks
    ids = {c.id for c in checks}
    assert {"t1.balance", "t4.balance", "t3_total_vs_t1", "t5_total_vs_t4", "t7_total_vs_t5",
            "t11_total_vs_t1", "t10.parts"} <= ids
    assert [c.message for c in checks if not c.ok] == []


def test_a_changed_figure_fails_its_check() -> None:
    doc = msgspec.json.decode(msgspec.json.encode(parsed(NAMES[0])), type=BudgetDocument)
    t1 = next(t for t in doc.tables if t.number == 1)
    total = next(r for r in t1.rows if r.kind == "total" and r.side == "income")
    total.values["amount"] = (total.values["amount"] or 0) + 1
    from workers.parser.checks import run_checks
    failed = [c for c in run_checks(doc.tables) if not c.ok]
    assert any(c.id == "t1.balance" for c in failed)


def test_identity_fields() -> None:
    doc = parsed(NAMES[0])
    assert len(doc.id) == 64 and doc.filename == NAMES[0] and doc.parser_version == PARSER_VERSION
    assert doc.page_count > 40
    assert [t.number for t in doc.tables] == sorted(t.number for t in doc.tables)


def test_a_pdf_that_is_not_a_budget_disclosure_has_no_tables_and_says_so() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(3):
        c.drawString(72, 720, f"Annual report, page {i + 1}: revenue grew in every quarter of the year.")
        c.showPage()
    c.save()
    doc = parse_pdf(buf.getvalue(), "report.pdf")
    assert doc.tables == [] and doc.projects == []
    assert any("budget disclosure" in w for w in doc.warnings)


def test_command_line_prints_the_document() -> None:
    pdf, _ = PAIRS[NAMES[0]]
    out = subprocess.run([sys.executable, "-m", "workers.parse", str(pdf), "--indent", "0"],
                         capture_output=True, timeout=300)
    assert out.returncode == 0, out.stderr
    doc = msgspec.json.decode(out.stdout, type=BudgetDocument)
    assert len(doc.tables) == 11


def test_command_line_refuses_a_non_pdf_in_one_line(tmp_path) -> None:
    bad = tmp_path / "notes.pdf"
    bad.write_text("<html><body>not a pdf</body></html>")
    out = subprocess.run([sys.executable, "-m", "workers.parse", str(bad)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 2
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
