"""Parse cost per document, single process: our parse against three reference readers.

- parse          workers.parser.parse_pdf (everything a worker computes, to the BudgetDocument)
- extract_text   pdfplumber's plain extract_text() on every page: what any pdfplumber-based parser pays
- extract_tables pdfplumber's extract_tables() on every page: the naive table approach
- pypdfium2      PDFium's text extraction (C++): the practical floor

Each is timed as the CPU time of this process (time.process_time: all four are single-threaded, so on
an idle machine it equals the wall time, and it is not inflated when other processes share the cores)
and as wall time; the minimum over `repeat` runs is kept. The readers alternate per document, so
a change in machine load affects them alike.
"""

from __future__ import annotations

import gc
import io
import time
from collections.abc import Callable

from .corpus import Pdf, concatenated

METHODS = ("parse", "extract_text", "extract_tables", "pypdfium2")


def run_parse(data: bytes) -> None:
    from workers.parser import parse_pdf

    parse_pdf(data, "bench.pdf")


def run_extract_text(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()  # as our parser does: no page's objects outlive it


def run_extract_tables(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.close()


def run_pypdfium2(data: bytes) -> None:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        for index in range(len(doc)):
            page = doc[index]
            text_page = page.get_textpage()
            text_page.get_text_range()
            text_page.close()
            page.close()
    finally:
        doc.close()


RUNNERS: dict[str, Callable[[bytes], None]] = {
    "parse": run_parse,
    "extract_text": run_extract_text,
    "extract_tables": run_extract_tables,
    "pypdfium2": run_pypdfium2,
}


def _time(fn: Callable[[bytes], None], data: bytes) -> tuple[float, float]:
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    fn(data)
    return time.process_time() - cpu, time.perf_counter() - wall


def warm_up(pdfs: list[Pdf]) -> None:
    """Import everything and run each reader once on a two-page document, so no import is timed."""
    sample = concatenated(pdfs[:1], min(2, pdfs[0].pages))
    for fn in RUNNERS.values():
        fn(sample)


def measure(pdf: Pdf, repeat: int = 1, tables_repeat: int = 1) -> dict:
    """The best (minimum) CPU and wall time of each reader on one document."""
    runs = {"parse": repeat, "extract_text": repeat, "extract_tables": tables_repeat,
            "pypdfium2": 3 * repeat}  # pypdfium2 is cheap and, at this scale, noisy
    best: dict[str, tuple[float, float]] = {}
    for round_ in range(max(runs.values())):
        for method in METHODS:
            if round_ >= runs[method]:
                continue
            cpu, wall = _time(RUNNERS[method], pdf.data)
            old = best.get(method, (cpu, wall))
            best[method] = (min(old[0], cpu), min(old[1], wall))
    row: dict = {"pages": pdf.pages, "bytes": len(pdf.data)}
    for method in METHODS:
        cpu, wall = best[method]
        row[f"{method}_s"] = round(cpu, 4)
        row[f"{method}_wall_s"] = round(wall, 4)
    text = row["extract_text_s"]
    row["ratio"] = round(row["parse_s"] / text, 3)
    row["extract_tables_ratio"] = round(row["extract_tables_s"] / text, 3)
    row["pypdfium2_ratio"] = round(row["pypdfium2_s"] / text, 4)
    row["parse_ms_per_page"] = round(1000 * row["parse_s"] / pdf.pages, 2)
    return row


def run(pdfs: list[Pdf], repeat: int, tables_repeat: int, log: Callable[[str], None]) -> dict[str, dict]:
    warm_up(pdfs)
    out = {}
    for pdf in pdfs:
        try:
            row = measure(pdf, repeat, tables_repeat)
        except Exception as exc:  # a PDF from a folder given on the command line that does not parse
            out[pdf.name] = {"pages": pdf.pages, "error": f"{type(exc).__name__}: {exc}"}
            log(f"  {pdf.name}: not timed ({out[pdf.name]['error']})")
            continue
        out[pdf.name] = row
        log(f"  {pdf.name}: {row['pages']} pages, parse {row['parse_s']:.2f} s, extract_text "
            f"{row['extract_text_s']:.2f} s (×{row['ratio']:.2f}), extract_tables {row['extract_tables_s']:.2f} s, "
            f"pypdfium2 {row['pypdfium2_s']:.3f} s")
    return out
