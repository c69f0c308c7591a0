"""`python -m benchmarks [FOLDER_OR_PDF ...]` (`make bench DIR=folder`): the performance figures.

1. parse cost of every fixture (tests/fixtures/corpus and variants) and every PDF under the folders
   given: our parse against pdfplumber extract_text / extract_tables and pypdfium2 (parse_cost.py);
2. peak RSS of a worker's parse of the largest fixture and of a synthetic 300-page document (memory.py);
3. through the real service (embedded Redis, uvicorn, rq workers): upload → done latency, throughput
   of N uploads with 1 and 2 workers, and read latency under load on loopback (e2e.py, load.py).

Writes benchmarks/results.json and benchmarks/PERFORMANCE.md, and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from . import corpus, e2e, memory, parse_cost, report
from .stack import Stack

HERE = Path(__file__).resolve().parent
SECTIONS = ("parse", "memory", "latency", "throughput", "reads")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=corpus.ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, help="extra folders (searched recursively) or PDF files to time")
    ap.add_argument("--skip", default="", help=f"comma-separated sections to leave out: {', '.join(SECTIONS)}")
    ap.add_argument("--repeat", type=int, default=1, help="runs of parse and extract_text per document (minimum kept)")
    ap.add_argument("--tables-repeat", type=int, default=1, help="runs of extract_tables per document")
    ap.add_argument("--documents", type=int, default=50, help="uploads for the throughput runs")
    ap.add_argument("--latency-samples", type=int, default=5, help="single uploads timed (median kept)")
    ap.add_argument("--concurrency", type=int, default=8, help="connections of the closed-loop read load (capacity)")
    ap.add_argument("--rate", type=float, default=1000, help="requests/s of the steady read load (latency)")
    ap.add_argument("--duration", type=float, default=5.0, help="seconds of each read load")
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    ap.add_argument("--markdown", type=Path, default=HERE / "PERFORMANCE.md")
    args = ap.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if skip - set(SECTIONS):
        ap.error(f"unknown section(s) {', '.join(sorted(skip - set(SECTIONS)))}; known: {', '.join(SECTIONS)}")

    began = time.monotonic()
    results: dict = {"meta": {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": _commit(),
        "python": platform.python_version(), "cpus": os.cpu_count(), "cpu_model": _cpu_model(),
        "load_before": _load(), "timing": "parse-cost seconds are CPU seconds of one process (time.process_time); "
                                          "*_wall_s are wall seconds", "skipped": sorted(skip)}}
    pdfs = corpus.collect(args.paths)
    corpus_pdfs = corpus.corpus(pdfs) or pdfs[:1]
    log(f"benchmarks: {len(pdfs)} PDFs ({sum(p.pages for p in pdfs)} pages)")

    if "parse" not in skip:
        log("parse cost (single process) …")
        rows = parse_cost.run(pdfs, args.repeat, args.tables_repeat, log)
        for pdf in pdfs:
            if not pdf.is_fixture:
                rows[pdf.name]["extra"] = True
        results["fixtures"] = rows

    if "memory" not in skip:
        largest = corpus.largest_fixture(pdfs)
        log(f"peak RSS of a worker's parse: {largest.name} ({largest.pages} pages) …")
        small = memory.peak_rss(largest.data)
        log(f"  {small['peak_mb']} MB (baseline {small['baseline_mb']} MB)")
        fixtures = [p for p in pdfs if p.is_fixture]
        long_doc = corpus.concatenated(fixtures, 300)
        log(f"peak RSS of a worker's parse: synthetic 300-page document ({len(long_doc) >> 10} KiB) …")
        big = memory.peak_rss(long_doc)
        log(f"  {big['peak_mb']} MB (baseline {big['baseline_mb']} MB, parse {big['seconds']} s)")
        results.update({
            "largest_fixture": largest.name, "largest_fixture_pages": largest.pages,
            "peak_rss_mb_largest_fixture": small["peak_mb"], "peak_rss_mb_300_pages": big["peak_mb"],
            "rss_baseline_mb": big["baseline_mb"], "parse_300_pages_s": big["seconds"],
            "rss_mb_per_100_pages": round(100 * (big["peak_mb"] - small["peak_mb"]) / (300 - largest.pages), 1)
            if largest.pages < 300 else None,
        })

    if {"latency", "throughput", "reads"} - skip:
        log("starting the service (embedded Redis, API, workers) …")
        with Stack() as stack:
            stack.start_api()
            stack.set_workers(1)
            # A first document: starts the API's probe server and runs the worker's first job (neither
            # is timed), and is the parsed document the reads are measured on.
            log("warm-up upload …")
            doc_id = stack.upload(corpus.unique_copy(corpus_pdfs[0].data), "warm-up.pdf")
            stack.wait_done(doc_id)
            if "latency" not in skip:
                log(f"upload → done, {corpus_pdfs[0].name}, 1 idle worker …")
                lat = e2e.upload_latency(stack, corpus_pdfs[0].data, args.latency_samples, log)
                # The same on its first page alone: the service's fixed cost, hardly blurred by the parse.
                log("upload → done, its first page alone …")
                one = e2e.upload_latency(stack, corpus.concatenated(corpus_pdfs[:1], 1), args.latency_samples, log)
                results.update({"latency": lat, "latency_1_page": one, "upload_to_done_s": lat["upload_to_done_s"],
                                "upload_parse_s": lat["parse_s"], "upload_overhead_s": lat["overhead_s"],
                                "upload_overhead_1_page_s": one["overhead_s"]})
            if "reads" not in skip:
                log(f"reads on a parsed {corpus_pdfs[0].pages}-page document: {args.concurrency} connections "
                    f"in a closed loop, then {args.rate:g} req/s, {args.duration:g} s each …")
                reads = e2e.reads(stack, doc_id, args.concurrency, args.rate, args.duration, log)
                results["reads"] = reads
                for name in ("result", "tables_2"):
                    results.update({f"{name}_rps": reads[name]["capacity"]["rps"],
                                    f"{name}_p50_ms": reads[name]["at_rate"]["p50_ms"],
                                    f"{name}_p99_ms": reads[name]["at_rate"]["p99_ms"]})
            if "throughput" not in skip:
                log(f"throughput: {args.documents} distinct uploads of the corpus documents …")
                runs = {str(n): e2e.throughput(stack, corpus_pdfs, n, args.documents, log) for n in (1, 2)}
                results.update({"throughput": runs, "docs_per_min_1_worker": runs["1"]["docs_per_min"],
                                "docs_per_min_2_workers": runs["2"]["docs_per_min"],
                                "scaling_2_workers": round(runs["2"]["docs_per_min"] / runs["1"]["docs_per_min"], 3)})

    results["meta"]["load_after"] = _load()
    results["meta"]["seconds"] = round(time.monotonic() - began)
    results["targets"] = report.targets(results)
    text = report.markdown(results)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    args.markdown.write_text(report.PREAMBLE + text + report.METHOD)
    print(text)
    log(f"written {args.out} and {args.markdown}")
    missed = [t["name"] for t in results["targets"] if t["met"] is False]
    if missed:
        log(f"targets not met: {'; '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
