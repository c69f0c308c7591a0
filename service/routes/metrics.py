"""/metrics in the Prometheus text format; the counters live in Redis, so every API process agrees."""

from __future__ import annotations

from litestar import Response, get

from ..store import PARSE_SECONDS_BUCKETS, STATUSES
from . import StoreDep


def render(store: StoreDep) -> str:
    counters = store.metric_counters()
    by_status = store.status_counts()
    lines = ["# HELP bd_documents Documents by status.", "# TYPE bd_documents gauge"]
    lines += [f'bd_documents{{status="{s}"}} {by_status.get(s, 0)}' for s in STATUSES]
    lines += ["# HELP bd_parse_seconds Wall-clock seconds per parse.", "# TYPE bd_parse_seconds histogram"]
    for bound in PARSE_SECONDS_BUCKETS:
        lines.append(f'bd_parse_seconds_bucket{{le="{bound}"}} {int(counters.get(f"parse_seconds_bucket:{bound}", 0))}')
    count = int(counters.get("parse_seconds_count", 0))
    lines += [f'bd_parse_seconds_bucket{{le="+Inf"}} {count}',
              f"bd_parse_seconds_sum {counters.get('parse_seconds_sum', 0.0)}",
              f"bd_parse_seconds_count {count}"]
    lines += ["# HELP bd_pages_parsed_total Pages of successfully parsed documents.",
              "# TYPE bd_pages_parsed_total counter",
              f"bd_pages_parsed_total {int(counters.get('pages_parsed_total', 0))}"]
    lines += ["# HELP bd_parses_total Finished parses by outcome.", "# TYPE bd_parses_total counter"]
    lines += [f'bd_parses_total{{outcome="{o}"}} {int(counters.get(f"parses_total:{o}", 0))}'
              for o in ("done", "failed")]
    lines += ["# HELP bd_queue_length Jobs waiting in the parse queue.", "# TYPE bd_queue_length gauge",
              f"bd_queue_length {store.queue.count}"]
    lines += ["# HELP bd_workers Workers listening on the parse queue.", "# TYPE bd_workers gauge",
              f"bd_workers {store.worker_count()}"]
    return "\n".join(lines) + "\n"


PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@get("/metrics", tags=["operations"], summary="Prometheus metrics", sync_to_thread=True, media_type=PROMETHEUS_TEXT,
     security=[{}])
def metrics(store: StoreDep) -> Response[str]:
    return Response(content=render(store), media_type=PROMETHEUS_TEXT)
