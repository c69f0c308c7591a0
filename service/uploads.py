"""Reading an upload: size limit while streaming, PDF signature, safe filename, cheap validity probe."""

from __future__ import annotations

import re
import unicodedata

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from workers.guard import ChildFailed, LimitExceeded, run_limited
from workers.probe import describe, open_check

from .config import Settings
from .errors import problem

# Room for multipart boundaries and part headers on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024
_UNSAFE = re.compile(r"[^\w.\-()（）【】\[\] +]", re.UNICODE)


def sanitize_filename(raw: str | None) -> str:
    """A display name safe to store and echo: no directories, control characters or odd symbols.

    It is only ever shown back, never used as a path (the bytes live in Redis, keyed by their hash).
    """
    name = unicodedata.normalize("NFKC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # drop any directory part, Windows or POSIX
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # control/format chars
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"_{2,}", "_", name)[:200]
    return name or "upload.pdf"


def looks_like_pdf(data: bytes) -> bool:
    """The PDF signature within the first KiB (readers tolerate a little junk before it)."""
    return b"%PDF-" in data[:1024]


def too_large(settings: Settings) -> Exception:
    return problem(413, f"The upload is larger than the {settings.max_upload_mb} MB limit (MAX_UPLOAD_MB); "
                        "split or compress the PDF.", kind="too_large")


async def read_upload(request: Request, filename_param: str | None, settings: Settings) -> tuple[bytes, str]:
    """Return (bytes, sanitised filename) from a multipart `file` field or a raw body.

    The size limit is enforced while the body streams in (Litestar stops reading past
    request_max_body_size), so an oversized upload is refused before it is all received.
    """
    content_type, _ = request.content_type
    try:
        if content_type == "multipart/form-data":
            form = await request.form()
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise problem(400, "Send the PDF in a multipart form field named `file` (a file, not text), "
                                   "or as a raw application/pdf body.", kind="no_file")
            data = await upload.read()
            name = upload.filename
        else:
            chunks = []
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise too_large(settings)
                chunks.append(chunk)
            data = b"".join(chunks)
            name = filename_param
    except RequestEntityTooLarge:
        raise too_large(settings) from None
    if len(data) > settings.max_upload_bytes:
        raise too_large(settings)
    if not data:
        raise problem(400, "The upload is empty: send the PDF as a multipart field `file` or as the raw body.",
                      kind="empty")
    if not looks_like_pdf(data):
        raise problem(415, "This file is not a PDF (its bytes do not start with the %PDF signature), "
                           "whatever its name or Content-Type says. Upload the PDF itself.", kind="not_a_pdf")
    return data, sanitize_filename(name)


def probe(data: bytes) -> None:
    """Refuse, with 422, a PDF that cannot be opened at all (encrypted, damaged, no pages).

    Opening is cheap (no page content is read) but runs the PDF library on untrusted bytes, so it
    runs in a child process with small limits; if the probe cannot decide, the worker will.
    """
    try:
        run_limited(open_check, (data,), timeout_s=10, memory_mb=512, describe_error=describe,
                    context="forkserver")
    except ChildFailed as exc:
        if exc.kind not in ("unknown", "crashed"):
            raise problem(422, exc.message, kind=exc.kind) from None
    except LimitExceeded:
        pass  # not cheap to tell: the worker parses it under its own limits and reports
