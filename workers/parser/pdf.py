"""Open PDF bytes with pdfplumber, refusing what cannot be parsed with a typed, actionable error."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pdfplumber

from .errors import CorruptPdf, EmptyPdf, EncryptedPdf, NotAPdf, TooLarge
from .layout import PageLayout, page_layout
from .settings import LIMITS


def open_pdf(data: bytes):
    """Return an open pdfplumber PDF, or raise a ParseError saying why it cannot be read."""
    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF-" not in data[:1024]:
        raise NotAPdf("The file is not a PDF (it does not start with the %PDF header).")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        count = len(pdf.pages)
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise EncryptedPdf("The PDF is encrypted with a password; upload an unprotected copy.") from None
        raise CorruptPdf(f"The PDF is damaged or truncated and cannot be read ({name}).") from None
    if count == 0:
        pdf.close()
        raise EmptyPdf("The PDF has no pages.")
    if count > LIMITS.max_pages:
        pdf.close()
        raise TooLarge(f"The PDF has {count} pages; at most {LIMITS.max_pages} are accepted.")
    return pdf


def iter_layouts(pdf) -> Iterator[PageLayout]:
    """Yield each page's layout and release the page's cached objects right after."""
    for index, page in enumerate(pdf.pages):
        try:
            yield page_layout(page, index + 1)
        finally:
            page.close()
