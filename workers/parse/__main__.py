"""Command line: `python -m workers.parse FILE.pdf` prints the document JSON.

Exit 0 on success; exit 2 with a one-line reason on stderr for input that cannot be parsed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

from ..parser import ParseError, parse_pdf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m workers.parse", description=__doc__.splitlines()[0])
    ap.add_argument("pdf", type=Path)
    ap.add_argument("--indent", type=int, default=1, help="JSON indentation (0: compact)")
    args = ap.parse_args(argv)
    try:
        data = args.pdf.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.pdf}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        doc = parse_pdf(data, args.pdf.name)
    except ParseError as exc:
        print(f"error: {args.pdf.name}: {exc.message}", file=sys.stderr)
        return 2
    out = msgspec.json.encode(doc)
    if args.indent:
        out = msgspec.json.format(out, indent=args.indent)
    sys.stdout.buffer.write(out + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
