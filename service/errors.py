"""Every error leaves as application/problem+json (RFC 9457) with a message a person can act on.

Handlers raise `problem(status, detail)`; anything unexpected is logged here with its traceback
and answered with a plain 500 that names no internals.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import msgspec
import redis
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

log = logging.getLogger("service")

PROBLEM_JSON = "application/problem+json"


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    kind: str | None = None  # a stable machine-readable code, e.g. "encrypted", "not_done"
    document_status: str | None = None  # for 409: where the document is


class ApiError(HTTPException):
    """An error with a problem body; raise it from handlers and guards."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None,
                 document_status: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.kind = kind
        self.document_status = document_status


def problem(status: int, detail: str, **extra) -> ApiError:
    return ApiError(status, detail, **extra)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _response(status: int, body: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(content=msgspec.json.encode(body), status_code=status, media_type=PROBLEM_JSON,
                    headers=headers or {})


# Litestar's own messages for these are terse; say what to do instead.
_DEFAULT_DETAIL = {
    404: "No such resource. See /schema for the routes.",
    405: "This method is not allowed on this resource. See /schema for the methods it accepts.",
    413: "The upload is larger than the server's limit (MAX_UPLOAD_MB).",
}


def http_error(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = exc.detail or _DEFAULT_DETAIL.get(status, _title(status))
    if status == 413 and not isinstance(exc, ApiError):
        limit = request.app.state.settings.max_upload_mb
        detail = f"The upload is larger than the {limit} MB limit; split or compress the PDF."
    if status == 404 and not isinstance(exc, ApiError):
        detail = _DEFAULT_DETAIL[404]
    if isinstance(exc, ValidationException) and exc.extra:
        details = exc.extra if isinstance(exc.extra, list) else [exc.extra]
        parts = [f"{d.get('key', '')}: {d.get('message', '')}".strip(": ") if isinstance(d, dict) else str(d)
                 for d in details]
        detail = f"{detail.rstrip('.')}: {'; '.join(parts)}"
    if status >= 500:
        detail = detail if isinstance(exc, ApiError) else "The server could not answer; try again shortly."
    body = Problem(title=_title(status), status=status, detail=detail,
                   kind=getattr(exc, "kind", None), document_status=getattr(exc, "document_status", None))
    return _response(status, body, dict(exc.headers or {}))


def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    body = Problem(title=_title(500), status=500,
                   detail="The server failed to answer this request; the error is logged. Try again or report it.")
    return _response(500, body)


def redis_unavailable(request: Request, exc: redis.RedisError) -> Response:
    log.warning("Redis error on %s %s: %s", request.method, request.url.path, exc)
    body = Problem(title=_title(503), status=503, kind="redis_down",
                   detail="The document store (Redis) is not reachable; try again shortly.")
    return _response(503, body, {"Retry-After": "5"})


EXCEPTION_HANDLERS = {HTTPException: http_error, redis.RedisError: redis_unavailable, Exception: internal_error}

_MEANING = {
    400: "Malformed request.",
    401: "Missing or wrong X-API-Key (only when the server sets API_KEYS).",
    404: "Unknown document, table, project or department.",
    409: "The document is not parsed yet (queued or parsing); poll its status.",
    413: "The upload is larger than MAX_UPLOAD_MB.",
    415: "The upload is not a PDF (checked from its bytes).",
    422: "A PDF that cannot be parsed (encrypted, damaged, no text layer …).",
    429: "Too many requests with this API key; see Retry-After.",
    503: "Not available now (queue full, Redis or workers down); see Retry-After.",
}


def problem_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem responses a route can give."""
    return {code: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, description=_MEANING[code],
                               generate_examples=False) for code in codes}
