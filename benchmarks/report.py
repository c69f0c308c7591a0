"""Targets, and the table printed by `make bench` (the same Markdown goes to benchmarks/PERFORMANCE.md)."""

from __future__ import annotations

# The targets, on a 2-core machine, ratios from the same run.
RATIO_MAX = 1.3
RSS_MAX_MB = 250
# "Independent of page count": the 300-page peak may exceed the largest fixture's by at most this.
RSS_GROWTH_MAX_MB = 25
OVERHEAD_MAX_S = 0.100
SCALING_MIN = 1.8
P99_MAX_MS = 10
RPS_MIN = 1000


PREAMBLE = """## Performance

`make bench` measures the parser and the service on the machine it runs on, prints this table and writes
it to `benchmarks/results.json` (every figure) and `benchmarks/PERFORMANCE.md`. `make bench DIR=folder`
adds the PDFs under a folder to the parse-cost table. It takes 6-10 minutes on 2 cores. Latest run:

"""

METHOD = """
How it is measured:

- **Parse cost**: one process times, per document, `workers.parser.parse_pdf` (the whole parse, to the
  BudgetDocument), pdfplumber `extract_text()` on every page, `extract_tables()` on every page, and
  pypdfium2's text extraction, alternating per document. Seconds are CPU seconds of that process (all
  four are single-threaded, so on an idle machine this is the wall time, and other load on the machine
  does not inflate it); wall seconds are in `results.json` too. × is the ratio to `extract_text()`.
- **Peak RSS**: a fresh interpreter imports what a worker's work-horse holds (rq, `workers.jobs`), then
  runs the job's parse step (parse, JSON-encode, gzip) on the file; its peak RSS (VmHWM). The 300-page
  document is the fixtures concatenated with pypdf.
- **End to end**: embedded Redis, the API under uvicorn and stock `rq worker`s, as `make run` starts them.
  Upload → done is from the start of the upload request to the worker's `finished_at`, against the wall
  time of the same parse in the benchmark process just before each upload: the fastest of 5 of each (the
  least disturbed by other load); the parts are medians. The 1-page case shows the service's fixed cost.
  Throughput: 50 distinct uploads (the corpus documents, each made unique by a trailing comment) sent at
  once, until the last is done.
- **Reads**: a loopback-only asyncio HTTP/1.1 load generator with keep-alive connections, sending
  `Accept-Encoding: gzip`: capacity with 8 connections in a closed loop, and latency at a steady 1,000
  requests/s (open loop, latency counted from when each request was due), 5 s each.
- Other processes on the machine slow the wall-clock figures (end to end, throughput, reads); the load
  average and the cores other processes used during the throughput runs are recorded with the results.
"""


def targets(results: dict) -> list[dict]:
    """Each target with its measured value and whether it is met (None: not measured in this run)."""
    out = []

    def add(name: str, target: str, value, met: bool | None, detail: str = "") -> None:
        out.append({"name": name, "target": target, "value": value, "met": met, "detail": detail})

    fixtures = {k: v for k, v in results.get("fixtures", {}).items() if "ratio" in v and not v.get("extra")}
    if fixtures:
        worst_name, worst = max(fixtures.items(), key=lambda kv: kv[1]["ratio"])
        add("parse / extract_text", f"≤ {RATIO_MAX} on every fixture", worst["ratio"],
            all(v["ratio"] <= RATIO_MAX for v in fixtures.values()), f"worst: {worst_name}")
    if "peak_rss_mb_300_pages" in results:
        rss = results["peak_rss_mb_300_pages"]
        add("peak worker RSS, 300 pages", f"≤ {RSS_MAX_MB} MB", rss, rss <= RSS_MAX_MB)
        largest = results.get("peak_rss_mb_largest_fixture")
        if largest is not None:
            growth = round(rss - largest, 1)
            add("RSS independent of page count",
                f"300-page peak ≤ largest fixture's + {RSS_GROWTH_MAX_MB} MB", growth, growth <= RSS_GROWTH_MAX_MB,
                f"{largest} MB at {results['largest_fixture_pages']} pages → {rss} MB at 300 pages "
                f"({results.get('rss_mb_per_100_pages')} MB per 100 pages)")
    if "upload_to_done_s" in results:
        overhead = results["upload_overhead_s"]
        add("upload → done", "≤ parse time + 100 ms", round(overhead * 1000), overhead <= OVERHEAD_MAX_S,
            f"ms over the parse: {results['upload_to_done_s']:.2f} s vs parse {results['upload_parse_s']:.2f} s")
        if "upload_overhead_1_page_s" in results:
            fixed = results["upload_overhead_1_page_s"]
            add("upload → done, 1-page document", "≤ parse time + 100 ms", round(fixed * 1000),
                fixed <= OVERHEAD_MAX_S, "ms over the parse: the fixed cost, measured without a long parse's noise")
    if "docs_per_min_2_workers" in results and "docs_per_min_1_worker" in results:
        scaling = results["scaling_2_workers"]
        add("throughput, 2 workers / 1 worker", f"≥ {SCALING_MIN}", scaling, scaling >= SCALING_MIN,
            f"{results['docs_per_min_1_worker']} → {results['docs_per_min_2_workers']} docs/min")
    if "result_p99_ms" in results:
        rate = results["reads"]["result"]["at_rate"]["offered_rps"]
        add("GET /result p99", f"≤ {P99_MAX_MS} ms", results["result_p99_ms"], results["result_p99_ms"] <= P99_MAX_MS,
            f"at a steady {rate:g} req/s")
        add("GET /result throughput", f"≥ {RPS_MIN:,} req/s", results["result_rps"], results["result_rps"] >= RPS_MIN,
            "capacity, closed loop")
    return out


def _f(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ms(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def markdown(results: dict) -> str:
    meta = results.get("meta", {})
    lines = []
    fixtures = results.get("fixtures", {})
    if fixtures:
        lines += [
            "Parse cost, single process (CPU seconds; ratios to pdfplumber `extract_text()` on the same file, "
            "same run):",
            "",
            "| document | pages | our parse s | ms/page | `extract_text` s | `extract_tables` s (×) | "
            "pypdfium2 s (×) | **parse ×** |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, row in fixtures.items():
            if "error" in row:
                lines.append(f"| {name} | {row['pages']} | not parsed: {row['error']} | | | | | |")
                continue
            lines.append(
                f"| {name} | {row['pages']} | {row['parse_s']:.2f} | {row['parse_ms_per_page']:.1f} | "
                f"{row['extract_text_s']:.2f} | {row['extract_tables_s']:.2f} ({row['extract_tables_ratio']:.2f}) | "
                f"{row['pypdfium2_s']:.3f} ({row['pypdfium2_ratio']:.3f}) | **{row['ratio']:.2f}** |")
        timed = [r for r in fixtures.values() if "ratio" in r]
        if timed:
            pages = sum(r["pages"] for r in timed)
            total = {k: sum(r[k] for r in timed) for k in ("parse_s", "extract_text_s", "extract_tables_s",
                                                             "pypdfium2_s")}
            lines.append(
                f"| **all {len(timed)}** | {pages} | {total['parse_s']:.2f} | {1000 * total['parse_s'] / pages:.1f} | "
                f"{total['extract_text_s']:.2f} | {total['extract_tables_s']:.2f} "
                f"({total['extract_tables_s'] / total['extract_text_s']:.2f}) | {total['pypdfium2_s']:.3f} "
                f"({total['pypdfium2_s'] / total['extract_text_s']:.3f}) | "
                f"**{total['parse_s'] / total['extract_text_s']:.2f}** |")
        lines.append("")

    rows = []
    if "peak_rss_mb_300_pages" in results:
        rows += [
            (f"Peak worker RSS, largest fixture ({results['largest_fixture']}, {results['largest_fixture_pages']} p.)",
             f"{_f(results['peak_rss_mb_largest_fixture'], 1)} MB"),
            ("Peak worker RSS, synthetic 300-page document",
             f"{_f(results['peak_rss_mb_300_pages'], 1)} MB (baseline after imports "
             f"{_f(results['rss_baseline_mb'], 1)} MB; parse {results['parse_300_pages_s']} s)"),
        ]
    for key, label in (("latency", "Upload → done, one 50-page document, idle worker"),
                       ("latency_1_page", "Upload → done, its first page alone (the fixed cost)")):
        lat = results.get(key)
        if lat:
            rows.append((label, f"{_ms(lat['upload_to_done_s'])} = parse {_ms(lat['parse_s'])} + "
                                f"{_ms(lat['overhead_s'])} (upload request {_ms(lat['upload_request_s'])}, queue wait "
                                f"{_ms(lat['queue_wait_s'])}, in worker {_ms(lat['in_worker_s'])})"))
    for workers, key in ((1, "docs_per_min_1_worker"), (2, "docs_per_min_2_workers")):
        if key in results:
            t = results["throughput"][str(workers)]
            rows.append((f"Throughput, {t['documents']} uploads, {workers} worker{'s' if workers > 1 else ''}",
                         f"{results[key]:.1f} docs/min ({t['pages_per_s']} pages/s, {t['seconds']:.0f} s; cores busy "
                         f"meanwhile: {t.get('cores_used_by_service')} by the service, "
                         f"{t.get('cores_used_by_others')} by other processes)"))
    if "scaling_2_workers" in results:
        rows.append(("Throughput 2 workers / 1 worker", f"{results['scaling_2_workers']:.2f}×"))
    for name, label in (("result", "`GET /v1/documents/{id}/result`"),
                        ("tables_2", "`GET /v1/documents/{id}/tables/2`")):
        r = results.get("reads", {}).get(name)
        if r:
            cap, steady = r["capacity"], r["at_rate"]
            rows.append((f"{label}: capacity, {cap['concurrency']} connections (closed loop)",
                         f"{cap['rps']:.0f} req/s (p50 {cap['p50_ms']:.2f} ms, p99 {cap['p99_ms']:.2f} ms; "
                         f"{cap['requests']} requests, {cap['errors']} errors, {cap['body_bytes']:,} bytes each)"))
            rows.append((f"{label}: latency at {steady['offered_rps']:g} req/s (open loop)",
                         f"p50 {steady['p50_ms']:.2f} ms, p99 {steady['p99_ms']:.2f} ms, max {steady['max_ms']:.1f} ms "
                         f"({steady['requests']} requests, {steady['errors']} errors)"))
    if rows:
        lines += ["| measure | value |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows), ""]

    checks = results.get("targets", [])
    if checks:
        lines += ["| target | goal | measured | met |", "|---|---|---|---|"]
        for t in checks:
            met = "–" if t["met"] is None else ("yes" if t["met"] else "**NO**")
            detail = f" ({t['detail']})" if t["detail"] else ""
            lines.append(f"| {t['name']} | {t['target']} | {_f(t['value'])}{detail} | {met} |")
        lines.append("")
    if meta:
        lines.append(f"Measured {meta.get('date', '')} on {meta.get('cpus')} CPUs ({meta.get('cpu_model', '')}), "
                     f"Python {meta.get('python')}, commit {meta.get('commit', '')[:10]}; load average "
                     f"{meta.get('load_before')} before, {meta.get('load_after')} after; "
                     f"{meta.get('seconds')} s in all.")
    return "\n".join(lines) + "\n"
