"""Every hostile input in tests/badinputs.py gets its documented outcome: a typed error or a document.

Risky cases (the bomb, loops, thousands of pages) run in a subprocess with a memory ceiling and a
generous timeout, so a regression fails the test instead of hanging or swapping the machine.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests import badinputs
from workers.model import BudgetDocument
from workers.parser import ParseError, parse_pdf
from workers.parser.pdf import iter_layouts, open_pdf
from workers.parser.settings import LIMITS

ROOT = Path(__file__).resolve().parent.parent
CORPUS_PDF = ROOT / "tests" / "fixtures" / "corpus" / "tekes-2025.public-docx.pdf"
RISKY = {"deflate_bomb", "blank_pages_2000", "over_page_limit", "self_reference", "circular_page_tree",
         "huge_tounicode_range", "huge_cid_widths", "deep_page_tree", "form_xobject_bomb"}
# deflate_bomb has its own test below (kind, message and peak memory from one subprocess run).
SUBPROCESS_TIMEOUT = 300  # generous: each case takes a second or two; this only stops a hang
CHILD_MEMORY_CEILING = 2 << 30  # address-space limit for the child, so a broken guard cannot eat the host

# No exception class names, tracebacks or library internals in what a person reads.
UNHUMAN = re.compile(r"Traceback|Error\b|Exception\b|pdfminer|pdfplumber|zlib|PSEOF|\bb'|<\w+ object")


def outcome(data: bytes) -> tuple[str, str]:
    try:
        doc = parse_pdf(data, "upload.pdf")
    except ParseError as exc:
        return exc.kind, exc.message
    assert isinstance(doc, BudgetDocument)
    assert doc.tables == [], "a non-budget document must not produce tables"
    return badinputs.PARSES, ""


CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({ceiling}, {ceiling}))
from tests import badinputs
from tests.test_bad_inputs import outcome
data = badinputs.CASES[sys.argv[1]][0]()
kind, message = outcome(data)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"kind": kind, "message": message, "maxrss": rss}}))
"""


def outcome_in_subprocess(name: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(ceiling=CHILD_MEMORY_CEILING), name],
        cwd=ROOT, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_human(message: str) -> None:
    assert message and "\n" not in message and len(message) < 300, message
    assert not UNHUMAN.search(message), message


@pytest.mark.parametrize("name", sorted(set(badinputs.CASES) - RISKY))
def test_bad_input_outcome(name):
    build, expected = badinputs.CASES[name]
    kind, message = outcome(build())
    assert kind == expected, message
    if kind != badinputs.PARSES:
        assert_human(message)


@pytest.mark.parametrize("name", sorted(RISKY - {"deflate_bomb"}))
def test_risky_input_outcome_in_subprocess(name):
    build, expected = badinputs.CASES[name]
    result = outcome_in_subprocess(name)
    assert result["kind"] == expected, result["message"]
    if expected != badinputs.PARSES:
        assert_human(result["message"])
    # Pages are read one at a time and released: 2,000 of them cost little more than one.
    assert result["maxrss"] < 300 << 20, result["maxrss"] >> 20


def test_bomb_is_refused_as_a_bomb_within_a_memory_bound():
    result = outcome_in_subprocess("deflate_bomb")
    assert result["kind"] == "too_large"
    # Refused by the inflation cap, not by running out of memory under the child's ceiling.
    assert "expands to more than" in result["message"], result["message"]
    # The cap plus the interpreter and libraries (~60 MB) plus slack; unguarded, this file takes 4 GiB.
    assert result["maxrss"] < LIMITS.max_inflated_bytes + (250 << 20), result["maxrss"] >> 20


def test_bombs_are_small_on_disk():
    # The bomb and the 2,000-page file are small on disk: the danger is in what they expand to.
    assert len(badinputs.deflate_bomb()) < 100_000
    assert len(badinputs.blank_pages_2000()) < 400_000


def test_bomb_really_is_a_bomb():
    # The hand-written deflate stream must inflate to exactly the zeros it claims (checked small), or
    # the bomb case could silently turn harmless.
    import zlib

    inner = badinputs._zeros_deflate(10)
    assert zlib.decompress(inner) == bytes(1 + 2064 * 14)


def test_owner_password_only_pdf_is_decrypted_and_read():
    # pdfminer opens these with the empty user password; the text must come out decrypted.
    with open_pdf(badinputs.owner_password_only()) as pdf:
        text = " ".join(layout.text for layout in iter_layouts(pdf))
    assert "tennis" in text.lower()


@pytest.mark.parametrize("cut", [0.25, 0.5, 0.9])
def test_truncated_corpus_pdf_is_corrupt(cut):
    data = CORPUS_PDF.read_bytes()
    kind, message = outcome(data[: int(len(data) * cut)])
    assert kind == "corrupt"
    assert_human(message)


def test_truncated_corpus_pdf_with_a_forged_end_is_still_corrupt():
    # Defeats the %%EOF check, so pdfminer's own failure (at open or on a page) must become CorruptPdf.
    data = CORPUS_PDF.read_bytes()
    kind, message = outcome(data[: len(data) // 2] + b"\n%%EOF\n")
    assert kind == "corrupt"
    assert_human(message)


def test_page_level_failure_names_the_page():
    kind, message = outcome(badinputs.damaged_page())
    assert kind == "corrupt"
    assert "page 1" in message


def test_corpus_pdf_still_parses():
    # The guards (inflation cap, reference loops, %%EOF) must not refuse a real disclosure.
    doc = parse_pdf(CORPUS_PDF.read_bytes(), CORPUS_PDF.name)
    assert doc.page_count > 10


@pytest.mark.parametrize("name", ["empty", "html_named_pdf", "truncated", "user_password", "deflate_bomb",
                                  "self_reference"])
def test_cli_exits_2_with_one_line_reason(name, tmp_path):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(badinputs.CASES[name][0]())
    ceiling = CHILD_MEMORY_CEILING
    proc = subprocess.run(
        [sys.executable, "-m", "workers.parse", str(path)], cwd=ROOT, capture_output=True, text=True,
        timeout=SUBPROCESS_TIMEOUT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling)),
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {path.name}: ")
    assert_human(lines[0].split(": ", 2)[2])
