"""Small PDFs made on the fly for service tests (the corpus PDFs take seconds to parse)."""

from __future__ import annotations

import io
import uuid

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas


def tiny_pdf(text: str = "") -> bytes:
    """A one-page PDF with a text layer; unique bytes unless `text` is given."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text or f"test document {uuid.uuid4().hex}")
    page.save()
    return buffer.getvalue()


def encrypted_pdf(password: str = "secret") -> bytes:
    """A PDF that opens only with a password."""
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(tiny_pdf())).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
