"""The PDFs the benchmarks run on, distinct copies of them, and the synthetic long document."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# tests/fixtures/bad-*.pdf are hostile inputs for the error tests, not documents to time.
FIXTURE_FOLDERS = (FIXTURES / "corpus", FIXTURES / "variants")


@dataclass(frozen=True)
class Pdf:
    path: Path
    name: str  # how the tables name it: relative to the repository when it is inside it
    pages: int
    data: bytes

    @property
    def is_fixture(self) -> bool:
        return self.path.is_relative_to(FIXTURES)


def page_count(data: bytes) -> int:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        return len(doc)
    finally:
        doc.close()


def _display_name(path: Path) -> str:
    try:
        return str(path.relative_to(FIXTURES))
    except ValueError:
        try:
            return str(path.relative_to(ROOT))
        except ValueError:
            return str(path)


def collect(extra: list[Path]) -> list[Pdf]:
    """The fixture PDFs (corpus, then variants), then every PDF in the extra folders (or the extra files)."""
    paths: list[Path] = []
    for folder in FIXTURE_FOLDERS:
        paths.extend(sorted(folder.glob("*.pdf")))
    for item in extra:
        item = item.resolve()
        if item.is_dir():
            paths.extend(sorted(p for p in item.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file()))
        elif item.is_file():
            paths.append(item)
        else:
            raise SystemExit(f"benchmarks: {item} is neither a folder nor a file")
    seen: set[Path] = set()
    out = []
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        data = resolved.read_bytes()
        out.append(Pdf(resolved, _display_name(resolved), page_count(data), data))
    if not out:
        raise SystemExit("benchmarks: no PDFs found")
    return out


def corpus(pdfs: list[Pdf]) -> list[Pdf]:
    """The four real-world corpus documents (the ~50-page disclosures the service is built for)."""
    return [p for p in pdfs if p.path.parent == FIXTURES / "corpus"]


def largest_fixture(pdfs: list[Pdf]) -> Pdf:
    return max((p for p in pdfs if p.is_fixture), key=lambda p: (p.pages, len(p.data)))


def unique_copy(data: bytes, tag: str | None = None) -> bytes:
    """The same document with a new sha256: a comment line after the final %%EOF (readers ignore it)."""
    return data + f"\n% bench {tag or uuid.uuid4().hex}\n".encode()


def concatenated(pdfs: list[Pdf], pages: int) -> bytes:
    """A `pages`-page document: the given PDFs appended one after another (pypdf), cycling as needed."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    total = 0
    index = 0
    while total < pages:
        source = pdfs[index % len(pdfs)]
        reader = PdfReader(io.BytesIO(source.data))
        take = min(len(reader.pages), pages - total)
        writer.append(reader, pages=(0, take))
        total += take
        index += 1
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
