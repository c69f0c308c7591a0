"""Open PDF bytes with pdfplumber, refusing what cannot be parsed with a typed, actionable error.

Every failure while opening a file or reading a page's objects becomes a ParseError. Hostile files
that pdfminer would let run away (decompression bombs, reference loops, huge font tables) are
stopped by the guards in hardening.py.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import NoReturn

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.utils.exceptions import PdfminerException

from . import hardening
from .errors import CorruptPdf, EmptyPdf, EncryptedPdf, NotAPdf, ParseError, TooLarge
from .layout import PageLayout, page_layout
from .settings import LIMITS

hardening.install()
# pdfminer logs a warning for every defect it works around; they are not for the person uploading
# (and would spoil the CLI's one-line error on stderr).
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def _translate(exc: BaseException, where: str) -> NoReturn:
    """Raise what pdfminer/pdfplumber raised as a ParseError, chained to the original for the logs."""
    inner = exc
    if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], BaseException):
        inner = exc.args[0]  # pdfplumber wraps pdfminer's exception (and a guard's, raised inside pdfminer)
    if isinstance(inner, ParseError):
        raise inner from None  # a guard's own error: its traceback already shows where it was raised
    raise _as_parse_error(inner, where) from exc


def _as_parse_error(exc: BaseException, where: str) -> ParseError:
    """The ParseError for a library failure; the message never shows the exception's type name."""
    if isinstance(exc, PDFEncryptionError):
        return EncryptedPdf("The PDF is protected by a password; upload a copy without a password.")
    if isinstance(exc, MemoryError):
        return TooLarge(f"Reading {where} needs more memory than this service allows.")
    if isinstance(exc, RecursionError):
        return CorruptPdf(f"The PDF is damaged: {where} is nested too deeply (or loops back on itself).")
    return CorruptPdf(f"The PDF is damaged and {where} cannot be read; re-export or re-download the file.")


def open_pdf(data: bytes):
    """Return an open pdfplumber PDF, or raise a ParseError saying why it cannot be read."""
    if not data:
        raise NotAPdf("The file is empty (0 bytes); the upload may have failed, so try again.")
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf("The file is not a PDF (it does not start with the %PDF header).")
    # A PDF ends with %%EOF. Without it the file was cut short (an interrupted download): pdfminer
    # would recover the pages it can find and we would silently return part of a document.
    if b"%%EOF" not in data[-LIMITS.eof_search_bytes:]:
        raise CorruptPdf("The PDF is truncated (its end is missing); upload the complete file.")
    hardening.reset()
    pdf = None
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        count = len(pdf.pages)
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        _close(pdf)
        _translate(exc, "its structure")
    if count == 0:
        _close(pdf)
        raise EmptyPdf("The PDF has no pages.")
    if count > LIMITS.max_pages:
        _close(pdf)
        raise TooLarge(f"The PDF has {count} pages; at most {LIMITS.max_pages} are accepted.")
    return pdf


def _close(pdf) -> None:
    try:
        if pdf is not None:
            pdf.close()
    except Exception:  # closing a half-opened file can fail the same way opening did; nothing to save
        pass


def iter_layouts(pdf) -> Iterator[PageLayout]:
    """Yield each page's layout and release the page's cached objects right after."""
    for index, page in enumerate(pdf.pages):
        number = index + 1
        try:
            # pdfminer interprets the page here; damage shows up as assorted exceptions. page_layout
            # itself runs outside the try so a bug in our own code is not reported as a damaged file.
            page.objects  # noqa: B018
            page.edges  # noqa: B018
        except Exception as exc:
            page.close()
            _translate(exc, f"page {number}")
        try:
            yield page_layout(page, number)
        finally:
            page.close()
