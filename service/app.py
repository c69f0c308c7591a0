"""The one place the application is assembled: routes, guard, dependencies, errors, OpenAPI, CORS.

Run with `uvicorn --factory service.app:create_app` (see the Makefile). Building the app connects to
nothing; Redis is reached at startup, so the OpenAPI export needs no server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis
from anyio import to_thread
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from workers import redis_embedded

from .config import Settings, load_settings
from .errors import EXCEPTION_HANDLERS
from .routes.departments import DepartmentController
from .routes.documents import DocumentController
from .routes.health import healthz, readyz
from .routes.metrics import metrics
from .security import require_api_key
from .store import Store
from .uploads import MULTIPART_OVERHEAD

API_VERSION = "1.0.0"
log = logging.getLogger("service")


def connect(settings: Settings) -> redis.Redis:
    """REDIS_URL, or the embedded server in DATA_DIR (started if nobody runs it yet)."""
    url = settings.redis_url or redis_embedded.ensure(settings.data_dir)
    return redis.Redis.from_url(url, health_check_interval=30)


async def _reap_forever(app: Litestar) -> None:
    """Hand documents whose worker died to a new job (see Store.reap)."""
    store: Store = app.state.store
    while True:
        await asyncio.sleep(app.state.settings.reap_interval_s)
        try:
            acted = await to_thread.run_sync(store.reap)
            for doc_id, outcome in acted.items():
                log.warning("document %s: worker lost, %s", doc_id, outcome)
        except redis.RedisError as exc:
            log.warning("reaper: Redis unavailable (%s)", exc)


async def _startup(app: Litestar) -> None:
    settings = app.state.settings
    connection = await to_thread.run_sync(connect, settings)
    app.state.store = Store(connection, settings)
    app.state.reaper = asyncio.create_task(_reap_forever(app))


async def _shutdown(app: Litestar) -> None:
    reaper = getattr(app.state, "reaper", None)
    if reaper is not None:
        reaper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reaper
    store = getattr(app.state, "store", None)
    if store is not None:
        store.redis.close()


def _provide_store(state: State) -> Store:
    return state.store


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Budget disclosure API",
        version=API_VERSION,
        description="Chinese government budget disclosures (部门预算公开 PDFs) as typed JSON. "
                    "Upload a PDF, poll its status, read the parsed document and its parts.",
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
        use_handler_docstrings=True,
        components=Components(security_schemes={
            "apiKey": SecurityScheme(type="apiKey", name="X-API-Key", security_scheme_in="header",
                                     description="Required on /v1 routes when the server sets API_KEYS.")}),
        security=[{"apiKey": []}],
    )


def cors_config(settings: Settings) -> CORSConfig | None:
    """Cross-origin access only for CORS_ORIGINS; none at all when it is unset."""
    if not settings.cors_origins:
        return None
    return CORSConfig(allow_origins=list(settings.cors_origins), allow_headers=["X-API-Key", "Content-Type"],
                      allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                      expose_headers=["Location", "Retry-After", "Content-Disposition"])


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    v1 = Router(path="/v1", guards=[require_api_key],
                route_handlers=[DocumentController, DepartmentController])
    return Litestar(
        route_handlers=[v1, healthz, readyz, metrics],
        dependencies={"store": Provide(_provide_store, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi_config(),
        cors_config=cors_config(settings),
        request_max_body_size=settings.max_upload_bytes + MULTIPART_OVERHEAD,
        state=State({"settings": settings}),
        on_startup=[_startup],
        on_shutdown=[_shutdown],
        debug=False,
    )
