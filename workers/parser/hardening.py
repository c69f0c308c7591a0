"""Limits pdfminer does not impose itself, so a small hostile file cannot cost gigabytes or hours.

pdfminer has no hooks for this, so `install()` patches it in place (once, from pdf.py). Each guard
counts work against a per-document budget that `reset()` starts afresh, and raises a ParseError
when it runs out. The counts are per process: one parse at a time, as the worker runs them.

- Stream decoding (Flate, LZW, RunLength) inflates in one call with no size limit: a 50 KB file
  can inflate to gigabytes. Here streams inflate in chunks, counted against LIMITS.max_inflated_bytes.
- Font tables expand ranges entry by entry (ToUnicode `bfrange <0000> <FFFFFFFF>`, /W
  `0 99999999999 500`): four billion dictionary entries from one line. Counted against
  LIMITS.max_font_table_entries.
- Content streams are interpreted in pure Python (~0.1-1 MB/s), and a form XObject is interpreted
  again every time it is drawn: forms drawing forms ten times over, nine deep, is a billion
  draws from a 2 KB file. Bytes interpreted are counted against LIMITS.max_content_bytes.
- resolve1 follows `while x is a reference`, so `5 0 obj 5 0 R endobj` spins forever. Here a
  chain of references longer than a few hops is a damaged file.
"""

from __future__ import annotations

import zlib
from io import BytesIO

import pdfminer.cmapdb
import pdfminer.pdffont
import pdfminer.pdftypes
from pdfminer.lzw import LZWDecoder
from pdfminer.pdfinterp import PDFContentParser
from pdfminer.pdftypes import PDFObjectNotFound, PDFObjRef

from .errors import CorruptPdf, TooLarge
from .settings import LIMITS

_CHUNK = 1 << 20
_MAX_REF_HOPS = 32
_MIN_STREAM_COST = 4096


class _Budget:
    inflated = 0
    table_entries = 0
    content = 0


_budget = _Budget()


def reset() -> None:
    _budget.inflated = 0
    _budget.table_entries = 0
    _budget.content = 0


def _count_inflated(n: int) -> None:
    _budget.inflated += n
    if _budget.inflated > LIMITS.max_inflated_bytes:
        raise TooLarge(
            f"The PDF's compressed content expands to more than {LIMITS.max_inflated_bytes >> 20} MB; "
            "it is not a budget disclosure this service can read (a 'decompression bomb'?)."
        )


def _count_table_entries(n: int) -> None:
    _budget.table_entries += n
    if _budget.table_entries > LIMITS.max_font_table_entries:
        raise CorruptPdf(
            "The PDF is damaged or hostile: its fonts declare far more characters than any document "
            "uses; re-export the file."
        )


def _count_content(n: int) -> None:
    _budget.content += n
    if _budget.content > LIMITS.max_content_bytes:
        raise TooLarge(
            f"The PDF's pages hold more than {LIMITS.max_content_bytes >> 20} MB of drawing instructions "
            "(or draw the same figure millions of times); it cannot be read in reasonable time."
        )


class _Zlib:
    """Stands in for the `zlib` module inside pdfminer.pdftypes (it only calls decompress)."""

    error = zlib.error

    @staticmethod
    def decompress(data: bytes) -> bytes:
        # Never raises zlib.error, which would send pdfminer into its byte-at-a-time retry (quadratic
        # time). The outcomes match that retry's: a bad header or damage mid-stream gives b"", a
        # truncated stream keeps what was inflated, a wrong checksum is ignored (raw deflate, wbits=-15).
        if len(data) < 2 or data[0] & 0x0F != 8 or (data[0] << 8 | data[1]) % 31:
            return b""
        d = zlib.decompressobj(-15)
        data = data[2:]
        out: list[bytes] = []
        try:
            while True:
                chunk = d.decompress(data, _CHUNK)
                _count_inflated(len(chunk))
                out.append(chunk)
                data = d.unconsumed_tail
                if d.eof or len(chunk) < _CHUNK:  # a short chunk means the input is used up
                    break
        except zlib.error:
            return b""
        return b"".join(out)


def _lzwdecode(data: bytes) -> bytes:
    out: list[bytes] = []
    for chunk in LZWDecoder(BytesIO(data)).run():
        _count_inflated(len(chunk))
        out.append(chunk)
    return b"".join(out)


def _rldecode(data: bytes) -> bytes:
    """RunLengthDecode (PDF 1.7, 7.4.5) into a bytearray, counted; pdfminer's builds a list of ints."""
    out = bytearray()
    i, counted = 0, 0
    while i < len(data) and data[i] != 128:
        length, i = data[i], i + 1
        if length < 128:
            out += data[i:i + length + 1]
            i += length + 1
        elif i < len(data):
            out += data[i:i + 1] * (257 - length)
            i += 1
        if len(out) - counted >= _CHUNK:
            _count_inflated(len(out) - counted)
            counted = len(out)
    _count_inflated(len(out) - counted)
    return bytes(out)


def _counted_fillfp(fillfp):
    def counted(self):
        opened = fillfp(self)
        if opened:  # a content stream (the page's, or a form's, each time it is drawn) starts here
            # Even an empty stream costs: each form drawn sets up an interpreter of its own.
            _count_content(max(self.fp.getbuffer().nbytes, _MIN_STREAM_COST))
        return opened

    return counted


def _resolve(ref, default=None):
    """PDFObjRef.resolve that follows a chain of references itself and gives up on a loop."""
    obj = ref
    for _ in range(_MAX_REF_HOPS):
        try:
            obj = obj.doc.getobj(obj.objid)
        except PDFObjectNotFound:
            return default
        if not isinstance(obj, PDFObjRef):
            return obj
    raise CorruptPdf(f"The PDF is damaged: object {ref.objid} is a loop of references to itself.")


def _counted(method):
    def add(self, *args):
        _count_table_entries(1)
        return method(self, *args)

    return add


def _widths_span(seq, run_length: int) -> int:
    """How many entries /W (run_length 3: c1 c2 w) or /W2 (5: c1 c2 w vx vy) ranges expand to."""
    span, run = 0, []
    for v in seq:
        v = pdfminer.pdftypes.resolve1(v)
        if isinstance(v, list):
            span, run = span + len(v), []
        elif isinstance(v, int | float):
            run.append(v)
            if len(run) == run_length:
                if isinstance(run[0], int) and isinstance(run[1], int):
                    span += max(0, run[1] - run[0] + 1)
                run = []
    return span


def _checked_widths(get_widths, run_length: int):
    def checked(seq):
        seq = list(seq)
        _count_table_entries(_widths_span(seq, run_length))
        return get_widths(seq)

    return checked


def install() -> None:
    if getattr(pdfminer.pdftypes, "_budget_guarded", False):
        return
    pdfminer.pdftypes._budget_guarded = True
    pdfminer.pdftypes.zlib = _Zlib  # type: ignore[assignment]
    pdfminer.pdftypes.lzwdecode = _lzwdecode  # type: ignore[assignment]
    pdfminer.pdftypes.rldecode = _rldecode  # type: ignore[assignment]
    PDFContentParser.fillfp = _counted_fillfp(PDFContentParser.fillfp)  # type: ignore[method-assign]
    PDFObjRef.resolve = _resolve  # type: ignore[method-assign]
    cmapdb = pdfminer.cmapdb
    cmapdb.CMapBase.add_cid2unichr = _counted(cmapdb.CMapBase.add_cid2unichr)  # type: ignore[method-assign]
    cmapdb.FileUnicodeMap.add_cid2unichr = _counted(cmapdb.FileUnicodeMap.add_cid2unichr)  # type: ignore
    cmapdb.FileCMap.add_code2cid = _counted(cmapdb.FileCMap.add_code2cid)  # type: ignore[method-assign]
    pdffont = pdfminer.pdffont
    pdffont.get_widths = _checked_widths(pdffont.get_widths, 3)  # type: ignore[assignment]
    pdffont.get_widths2 = _checked_widths(pdffont.get_widths2, 5)  # type: ignore[assignment]
