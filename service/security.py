"""The guard on every /v1 route: API key (when API_KEYS is set) and a per-key rate limit."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from .errors import problem


def key_is_valid(given: str, keys: tuple[str, ...]) -> bool:
    """Compare in constant time against every key, so timing tells nothing about any of them."""
    given_bytes = given.encode()
    valid = False
    for key in keys:
        valid |= hmac.compare_digest(given_bytes, key.encode())
    return valid


def require_api_key(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    state = connection.app.state
    keys = state.settings.api_keys
    if not keys:
        return
    given = connection.headers.get("x-api-key")
    if not given:
        raise problem(401, "This server requires an API key: send it in the X-API-Key header.", kind="no_api_key")
    if not key_is_valid(given, keys):
        raise problem(401, "The X-API-Key header does not hold a valid key.", kind="bad_api_key")
    limit = state.settings.rate_limit_per_min
    if limit:
        wait = state.store.rate_limited(given, limit)
        if wait is not None:
            raise problem(429, f"More than {limit} requests in a minute with this API key; retry in {wait} s.",
                          kind="rate_limited", headers={"Retry-After": str(wait)})
