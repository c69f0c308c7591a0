"""The cheap check at upload: can the PDF be opened at all? (No page content is read.)

Kept apart from the API modules so the forkserver child that runs it imports only the PDF library.
"""

from __future__ import annotations

from workers.parser.errors import ParseError
from workers.parser.pdf import open_pdf


def open_check(data: bytes) -> None:
    """Raise the parser's ParseError if the PDF cannot be opened (encrypted, damaged, no pages)."""
    open_pdf(data).close()


def describe(exc: BaseException) -> tuple[str, str]:
    """(kind, message) of a ParseError; ("unknown", "") for anything else (the worker will decide)."""
    if isinstance(exc, ParseError):
        return exc.kind, exc.message
    return "unknown", ""
