"""Hostile and broken inputs for the parser, each built in code (never downloaded), as bytes.

Every builder is a zero-argument function returning the bytes of one upload. Importing this module
builds nothing; each case is built when called (the costlier ones once, then memoised), and every
one builds in well under a second.
`CASES` maps a case name to (builder, expected outcome). Expected outcomes:

| case                 | what it is                                                | outcome              |
|----------------------|-----------------------------------------------------------|----------------------|
| empty                | zero bytes                                                | not_a_pdf            |
| random_bytes         | 64 KiB of random bytes                                    | not_a_pdf            |
| html_named_pdf       | an HTML error page saved as .pdf                          | not_a_pdf            |
| pdf_header_only      | "%PDF-1.7" and nothing else                               | corrupt              |
| truncated            | a valid multi-page PDF cut in half (no %%EOF)             | corrupt              |
| damaged_page         | sound structure; the page's content stream is undecodable | corrupt              |
| user_password        | encrypted, needs a password to open (AES-128)             | encrypted            |
| owner_password_only  | encrypted with only an owner password (opens without one) | parses with warnings |
| scanned              | one page holding only an image, no text                   | no_text_layer        |
| zero_pages           | a valid file whose page tree is empty                     | no_pages             |
| blank_pages_2000     | 2,000 blank pages (the page limit)                        | no_text_layer        |
| over_page_limit      | one page more than LIMITS.max_pages                       | too_large            |
| deflate_bomb         | ~50 KiB file whose content stream inflates to 4 GiB       | too_large            |
| circular_page_tree   | a Pages node listing itself (and a loop via a child node) | parses with warnings |
| self_reference       | an object that is a reference to itself, as /Resources    | corrupt              |
| huge_tounicode_range | ToUnicode CMap `bfrange <00000000> <FFFFFFFF>`: 4 billion | corrupt              |
| huge_cid_widths      | CID font /W `[0 4000000000 500]` (4 billion widths)       | corrupt              |
| form_xobject_bomb    | forms drawing forms 10× over, 9 deep: 10^9 draws, 2 KiB   | too_large            |
| deep_page_tree       | a page under 5,000 nested Pages nodes (Python recursion)  | corrupt              |
| not_a_budget         | an English report made with reportlab                     | parses with warnings |

"parses with warnings": parse_pdf returns a BudgetDocument with no tables; the service adds the
warning that nothing budget-like was found.
"""

from __future__ import annotations

import functools
import io
import random
import zlib
from collections.abc import Callable

from workers.parser.settings import LIMITS

HELLO_PAGE = b"BT /F1 14 Tf 72 720 Td (Annual report of a tennis club) Tj ET"


# ---- a tiny raw PDF writer: objects in order, numbered from 1, with a correct xref table --------

def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def stream(data: bytes, attrs: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), attrs, data)


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_pdf(pages: int, content: bytes = HELLO_PAGE) -> bytes:
    """Catalog 1, Pages 2, font 3, then (page, content) pairs."""
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages), FONT]
    for i in range(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
                    b" /Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * i))
        objs.append(stream(content))
    return raw_pdf(objs)


def blank_pdf(pages: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    return raw_pdf(objs)


# ---- the cases -----------------------------------------------------------------------------------

def empty() -> bytes:
    return b""


@functools.cache
def random_bytes() -> bytes:
    return random.Random(20260101).randbytes(64 * 1024)


def html_named_pdf() -> bytes:
    return (b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
            b"<body><h1>Not Found</h1><p>The requested URL /budget/2025.pdf was not found.</p></body></html>\n")


def pdf_header_only() -> bytes:
    return b"%PDF-1.7\n"


@functools.cache
def not_a_budget() -> bytes:
    """A three-page English report: headings, paragraphs and a small table, made with reportlab."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()
    story = []
    for chapter in range(1, 4):
        story.append(Paragraph(f"Chapter {chapter}: Quarterly results of the tennis club", styles["Heading1"]))
        for _ in range(6):
            story.append(Paragraph("Membership grew steadily; the courts were resurfaced and the "
                                   "junior programme doubled its intake over the season. " * 3, styles["BodyText"]))
        story.append(Table([["Item", "Q1", "Q2"], ["Balls", "120", "135"], ["Nets", "2", "1"]]))
        story.append(PageBreak())
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title="Tennis club report").build(story)
    return buf.getvalue()


def truncated() -> bytes:
    data = not_a_budget()
    return data[: len(data) // 2]


def damaged_page() -> bytes:
    """Structure intact, but the page's content stream is encoded with a filter no PDF has."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>", FONT,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>",
            stream(random.Random(7).randbytes(2000), b"/Filter /ScrambleDecode")]
    return raw_pdf(objs)


def _encrypt(data: bytes, user: str, owner: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@functools.cache
def user_password() -> bytes:
    return _encrypt(not_a_budget(), user="open-sesame", owner="owner-secret")


@functools.cache
def owner_password_only() -> bytes:
    return _encrypt(not_a_budget(), user="", owner="owner-secret")


@functools.cache
def scanned() -> bytes:
    """One A4 page painted with a grey 200×200 image and nothing else: what a scanner produces."""
    pixels = bytes((x ^ y) & 0xFF for y in range(200) for x in range(200))
    image = stream(zlib.compress(pixels), b"/Type /XObject /Subtype /Image /Width 200 /Height 200"
                   b" /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /XObject << /Im1 5 0 R >> >> >>",
            stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q"), image]
    return raw_pdf(objs)


def zero_pages() -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


@functools.cache
def blank_pages_2000() -> bytes:
    return blank_pdf(LIMITS.max_pages)


@functools.cache
def over_page_limit() -> bytes:
    return blank_pdf(LIMITS.max_pages + 1)


def _zeros_deflate(groups: int) -> bytes:
    """A zlib stream of 1 + 2064 × groups zero bytes, written by hand in O(groups) time.

    One fixed-Huffman block: a literal 0, then "copy 258 bytes from distance 1" over and over. That
    pair is 13 bits, so eight of them are 13 whole bytes and the middle of the stream is periodic:
    build a short stream bit by bit, then repeat its period.
    """
    def build(copies: int) -> bytes:
        bits: list[int] = [1, 1, 0]  # BFINAL=1, BTYPE=01 (fixed Huffman), LSB first

        def code(value: int, width: int) -> None:  # Huffman codes are sent MSB first
            bits.extend((value >> (width - 1 - i)) & 1 for i in range(width))

        code(0x30, 8)  # literal 0
        for _ in range(copies):
            code(0xC5, 8)  # length code 285 = 258 bytes
            code(0, 5)  # distance code 0 = distance 1
        code(0, 7)  # end of block
        bits.extend([0] * (-len(bits) % 8))
        return bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))

    short = build(8 * 4)
    body = short[:2] + short[2:15] * groups + short[2:]  # the 11-bit prefix ends inside byte 1
    size = 1 + 258 * 8 * (groups + 4)
    adler = ((size % 65521) << 16) | 1  # zeros: a = 1, b = size
    return b"\x78\x01" + body + adler.to_bytes(4, "big")


@functools.cache
def deflate_bomb() -> bytes:
    """A page whose content stream is Flate inside Flate: ~50 KiB on disk, 4 GiB inflated."""
    inner = _zeros_deflate((4 << 30) // 2064)
    outer = zlib.compress(inner, 9)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            stream(outer, b"/Filter [/FlateDecode /FlateDecode]")]
    return raw_pdf(objs)


def circular_page_tree() -> bytes:
    """Pages 2 lists itself and node 5, whose Kids lead back to 2; page 4 is the one real page."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 5 0 R 4 0 R] /Count 1 >>", FONT,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 0 >>",
            stream(HELLO_PAGE)]
    return raw_pdf(objs)


def self_reference() -> bytes:
    """Object 5 is `5 0 R`: following it never reaches a value (pdfminer's resolve1 would spin)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>", FONT,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R /Resources 5 0 R >>",
            b"5 0 R", stream(HELLO_PAGE)]
    return raw_pdf(objs)


def _font_page(font: bytes, *extra: bytes) -> bytes:
    """One text page drawn with font object 3 (objects 6, 7, ... are `extra`)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>", font,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>", stream(HELLO_PAGE), *extra]
    return raw_pdf(objs)


def huge_tounicode_range() -> bytes:
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"1 begincodespacerange <00000000> <FFFFFFFF> endcodespacerange\n"
            b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return _font_page(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>", stream(cmap))


def huge_cid_widths() -> bytes:
    return _font_page(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Hostile /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Hostile"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        b" /W [0 4000000000 500] >>")


def form_xobject_bomb() -> bytes:
    """The page draws form X ten times; each form draws the next ten times; nine levels deep."""
    levels = 9
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>", FONT,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
            b" /Resources << /XObject << /X 6 0 R >> >> >>", stream(b"/X Do " * 10)]
    for level in range(levels):
        if level < levels - 1:
            body, res = b"/X Do " * 10, b"/XObject << /X %d 0 R >>" % (7 + level)
        else:
            body, res = b"BT /F1 1 Tf (a) Tj ET", b"/Font << /F1 3 0 R >>"
        objs.append(stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << %s >>" % res))
    return raw_pdf(objs)


def deep_page_tree() -> bytes:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    objs += [b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (number + 1) for number in range(2, 5002)]
    objs.append(b"<< /Type /Page /MediaBox [0 0 595 842] >>")
    return raw_pdf(objs)


PARSES = "parses with warnings"

CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "empty": (empty, "not_a_pdf"),
    "random_bytes": (random_bytes, "not_a_pdf"),
    "html_named_pdf": (html_named_pdf, "not_a_pdf"),
    "pdf_header_only": (pdf_header_only, "corrupt"),
    "truncated": (truncated, "corrupt"),
    "damaged_page": (damaged_page, "corrupt"),
    "user_password": (user_password, "encrypted"),
    "owner_password_only": (owner_password_only, PARSES),
    "scanned": (scanned, "no_text_layer"),
    "zero_pages": (zero_pages, "no_pages"),
    "blank_pages_2000": (blank_pages_2000, "no_text_layer"),
    "over_page_limit": (over_page_limit, "too_large"),
    "deflate_bomb": (deflate_bomb, "too_large"),
    "circular_page_tree": (circular_page_tree, PARSES),
    "self_reference": (self_reference, "corrupt"),
    "deep_page_tree": (deep_page_tree, "corrupt"),
    "form_xobject_bomb": (form_xobject_bomb, "too_large"),
    "huge_tounicode_range": (huge_tounicode_range, "corrupt"),
    "huge_cid_widths": (huge_cid_widths, "corrupt"),
    "not_a_budget": (not_a_budget, PARSES),
}
