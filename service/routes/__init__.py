"""Route handlers, one module per resource; handlers only translate HTTP to store calls."""

from litestar.di import NamedDependency

from ..store import Store

StoreDep = NamedDependency[Store]
"""The request's Store (provided by service.app from app.state)."""
