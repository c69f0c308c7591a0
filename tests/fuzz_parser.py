"""Fuzz the parser with mutated corpus PDFs: the only acceptable outcomes are a BudgetDocument or a ParseError.

Mutations (applied one to four at a time): flip a byte, insert bytes or a PDF token, delete a
range, truncate, splice in a range of another seed. Seeds are the corpus PDFs, mostly cut down to
their first pages (a small seed parses in a fraction of a second, so many more mutants get tried).

Short run: tests/test_fuzz.py (hypothesis, part of the normal suite).
Long run:  python -m tests.fuzz_parser --long [--iterations N] [--seed S]
           prints the iterations and failures; failing inputs are saved for replay.
"""

from __future__ import annotations

import argparse
import functools
import io
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import strategies as st

from workers.model import BudgetDocument
from workers.parser import ParseError, parse_pdf

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
SMALL_SEED_PAGES = 3
# Bytes that steer the damage into the PDF syntax rather than into compressed data.
TOKENS = [b"obj", b"endobj", b" 0 R", b"<<", b">>", b"[", b"]", b"stream\n", b"endstream", b"xref",
          b"trailer", b"startxref", b"%%EOF", b"/Length 99999999", b"/Filter /FlateDecode", b"/Kids [",
          b"-1", b"99999999999999999999", b"1e308", b"/Type /Page", b"\x00", b"(", b")", b"\\"]
PER_INPUT_SECONDS = 60  # a full corpus file parses in ~3 s; more than this is a hang


class Hang(BaseException):
    """Raised by the alarm. A BaseException so the parser's `except Exception` cannot swallow it."""


@functools.cache
def seeds() -> tuple[bytes, ...]:
    """Each corpus PDF cut to its first pages by pypdf, as is and with its streams uncompressed (so
    mutations land in content operators, CMaps and fonts, not only in deflate data); then the full files.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import StreamObject

    full = [p.read_bytes() for p in sorted(CORPUS.glob("*.pdf"))]
    small = []
    for uncompress in (False, True):
        for data in full:
            writer = PdfWriter()
            for page in PdfReader(io.BytesIO(data)).pages[:SMALL_SEED_PAGES]:
                writer.add_page(page)
            for obj in writer._objects if uncompress else ():
                if isinstance(obj, StreamObject) and obj.get("/Filter") == "/FlateDecode":
                    decoded = obj.get_data()
                    del obj["/Filter"]
                    obj.pop("/DecodeParms", None)
                    obj._data = decoded
            buf = io.BytesIO()
            writer.write(buf)
            small.append(buf.getvalue())
    return tuple(small + full)


def small_seed_indexes() -> range:
    return range(len(seeds()) * 2 // 3)


# ---- mutations: plain tuples, so hypothesis and the random long run share them -------------------

def mutate(data: bytes, ops: list[tuple]) -> bytes:
    """Apply each op; positions are fractions of the current length so ops fit any seed."""
    for op in ops:
        kind, where = op[0], min(int(op[1] * len(data)), len(data))
        if kind == "flip":
            if where < len(data):
                data = data[:where] + bytes([data[where] ^ op[2]]) + data[where + 1:]
        elif kind == "insert":
            data = data[:where] + op[2] + data[where:]
        elif kind == "delete":
            data = data[:where] + data[where + op[2]:]
        elif kind == "truncate":
            data = data[:where]
        elif kind == "splice":
            other = seeds()[op[2] % len(seeds())]
            start = int(op[3] * len(other))
            data = data[:where] + other[start:start + op[4]] + data[where + op[5]:]
    return data


fraction = st.floats(0, 1, allow_nan=False)
op_strategy = st.one_of(
    st.tuples(st.just("flip"), fraction, st.integers(1, 255)),
    st.tuples(st.just("insert"), fraction, st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=16))),
    st.tuples(st.just("delete"), fraction, st.integers(1, 256)),
    st.tuples(st.just("truncate"), fraction),
    st.tuples(st.just("splice"), fraction, st.integers(0, 100), fraction, st.integers(1, 4096), st.integers(0, 4096)),
)


def random_op(rng: random.Random) -> tuple:
    kind = rng.choice(["flip", "flip", "insert", "insert", "delete", "truncate", "splice"])
    where = rng.random()
    if kind == "flip":
        return (kind, where, rng.randrange(1, 256))
    if kind == "insert":
        return (kind, where, rng.choice(TOKENS) if rng.random() < 0.6 else rng.randbytes(rng.randint(1, 16)))
    if kind == "delete":
        return (kind, where, rng.randint(1, 256))
    if kind == "truncate":
        return (kind, where)
    return (kind, where, rng.randrange(len(seeds())), rng.random(), rng.randint(1, 4096), rng.randint(0, 4096))


# ---- the target ----------------------------------------------------------------------------------

def _on_alarm(signum, frame):
    raise Hang(f"parse_pdf ran longer than {PER_INPUT_SECONDS} s")


def check(data: bytes, seconds: int = PER_INPUT_SECONDS) -> BudgetDocument | ParseError:
    """Parse data; return the document or the ParseError. Anything else (or a hang) propagates."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(seconds)
    try:
        return parse_pdf(data, "fuzz.pdf")
    except ParseError as exc:
        assert exc.message and "\n" not in exc.message, repr(exc.message)
        return exc
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def long_run(iterations: int, seed: int, out_dir: Path) -> int:
    rng = random.Random(seed)
    outcomes: dict[str, int] = {}
    failures = 0
    started = time.monotonic()
    for i in range(1, iterations + 1):
        base = rng.choice(small_seed_indexes()) if rng.random() < 0.9 else rng.randrange(len(seeds()))
        data = mutate(seeds()[base], [random_op(rng) for _ in range(rng.randint(1, 4))])
        try:
            result = check(data)
            key = result.kind if isinstance(result, ParseError) else "parsed"
        except BaseException as exc:  # noqa: BLE001 - every escape is what we are looking for
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures += 1
            key = f"FAIL {type(exc).__name__}"
            path = out_dir / f"fail-{seed}-{i}.pdf"
            path.write_bytes(data)
            print(f"iteration {i}: {type(exc).__name__}: {str(exc)[:200]} -> {path}", file=sys.stderr)
            traceback.print_exc(limit=-3, file=sys.stderr)
        outcomes[key] = outcomes.get(key, 0) + 1
        if i % 100 == 0:
            print(f"... {i} iterations, {failures} failures, {time.monotonic() - started:.0f} s", flush=True)
    print(f"iterations: {iterations}")
    print(f"failures: {failures}")
    print("outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))
    print(f"seconds: {time.monotonic() - started:.0f}")
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz_parser", description=__doc__.splitlines()[0])
    ap.add_argument("--long", action="store_true", help="run the long random fuzz (otherwise: a short one)")
    ap.add_argument("--iterations", type=int, default=None, help="default: 2000 with --long, else 50")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: time-based, printed)")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "fuzz-parser-failures")
    args = ap.parse_args(argv)
    iterations = args.iterations or (2000 if args.long else 50)
    seed = args.seed if args.seed is not None else int(time.time())
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"seed: {seed}; failing inputs go to {args.out}", flush=True)
    return 1 if long_run(iterations, seed, args.out) else 0


if __name__ == "__main__":
    sys.exit(main())
