"""Fixture documents for the parser tests: every PDF with its truth, each parsed once per test run."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

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
