"""Typed parse errors: each carries a message a person can act on, never a traceback."""

from __future__ import annotations


class ParseError(Exception):
    """Input the parser cannot read. `kind` is a stable machine-readable code."""

    kind = "unparseable"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAPdf(ParseError):
    kind = "not_a_pdf"


class EncryptedPdf(ParseError):
    kind = "encrypted"


class CorruptPdf(ParseError):
    kind = "corrupt"


class EmptyPdf(ParseError):
    kind = "no_pages"


class NoTextLayer(ParseError):
    kind = "no_text_layer"


class TooLarge(ParseError):
    kind = "too_large"
