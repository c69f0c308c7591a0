"""The budget-disclosure parser: PDF bytes → BudgetDocument. Knows nothing of HTTP or Redis."""

from __future__ import annotations

import hashlib

from ..model import BudgetDocument
from .document import build_document
from .errors import ParseError
from .pdf import iter_layouts, open_pdf

PARSER_VERSION = "0.1.0"

__all__ = ["PARSER_VERSION", "ParseError", "parse_pdf"]


def parse_pdf(data: bytes, filename: str = "") -> BudgetDocument:
    """Parse one PDF. Raises ParseError (with a message a person can act on) for unreadable input."""
    with open_pdf(data) as pdf:
        doc = build_document(iter_layouts(pdf))  # page by page: each page is released once read
    doc.id = hashlib.sha256(data).hexdigest()
    doc.filename = filename
    doc.parser_version = PARSER_VERSION
    return doc
