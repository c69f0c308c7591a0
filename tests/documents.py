"""Fixture documents for the parser tests: every PDF with its truth, each parsed once per test run."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import msgspec

from workers.model import BudgetDocument
from workers.parser import parse_pdf

FIXTURES = Path(__file__).parent / "fixtures"


def _pairs() -> dict[str, tuple[Path, Path]]:
    pairs = {}
    for pdf in sorted((FIXTURES / "corpus").glob("*.pdf")):
        pairs[pdf.name] = (pdf, FIXTURES / "corpus" / f"{pdf.name.split('.')[0]}.truth.json")
    for pdf in sorted((FIXTURES / "variants").glob("*.pdf")):
        truth = pdf.with_suffix(".truth.json")
        if truth.exists():
            pairs[pdf.name] = (pdf, truth)
    return pairs


PAIRS = _pairs()
NAMES = sorted(PAIRS)


@cache
def parsed(name: str) -> BudgetDocument:
    pdf, _ = PAIRS[name]
    return parse_pdf(pdf.read_bytes(), pdf.name)


@cache
def truth(name: str) -> dict:
    return json.loads(PAIRS[name][1].read_text(encoding="utf-8"))


def truth_document(stem: str) -> BudgetDocument:
    """A corpus truth (`tekes-2025`, `xj-hrss-2025`) as the model (its table pages are null: made [])."""
    data = json.loads((FIXTURES / "corpus" / f"{stem}.truth.json").read_text(encoding="utf-8"))
    for table in data["tables"]:
        table["pages"] = table.get("pages") or []
    return msgspec.convert(data, BudgetDocument)


def table_of(doc: BudgetDocument, number: int):
    """Table `number` of a document."""
    return next(t for t in doc.tables if t.number == number)
