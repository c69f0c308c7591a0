"""Every tolerance the parser uses, in one place, with why it has the value it has."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayoutSettings:
    # Two glyphs of the same text closer than this (pt) are one glyph drawn twice (fake bold).
    fake_bold_offset: float = 1.0
    # A char joins a line when its centre is within this fraction of the line height of the line's centre.
    line_overlap: float = 0.5
    # A gap wider than this × font size splits a word (CJK text is set without gaps).
    word_gap: float = 0.3
    # Edges thinner than this (pt) are ruling lines; shorter than rule_min_length are ignored (ticks).
    rule_thickness: float = 2.0
    rule_min_length: float = 3.0
    # Collinear rule pieces closer than this (pt) are one rule.
    rule_join: float = 1.5


@dataclass(frozen=True)
class LimitSettings:
    # Refuse documents longer than this: a budget disclosure runs 20-300 pages.
    max_pages: int = 2000
    # A page with fewer text characters than this counts as having no text layer.
    min_chars_per_text_page: int = 5
    # Refuse a document whose streams inflate to more than this in total (decompressed streams stay
    # cached while the file is open). Each corpus file inflates to about 1 MB; a 300-page disclosure with
    # embedded CJK fonts stays well under 100 MB. Above this it is a decompression bomb.
    max_inflated_bytes: int = 256 << 20
    # Refuse a document whose font tables (ToUnicode and encoding CMaps, CID widths) expand to more
    # entries than this in total: a complete CJK font has ~30,000 characters; a corpus file uses at most
    # 1,100 entries over all its fonts. One hostile range line can declare four billion.
    max_font_table_entries: int = 500_000
    # Refuse a document once this many bytes of page content (drawing instructions, including a form
    # each time it is drawn) have been interpreted: pdfminer reads 0.1-1 MB/s of it. A corpus file has
    # about 0.9 MB (17 KB a page, at most 66 KB): 2,000 such pages (LIMITS.max_pages) are 34 MB.
    max_content_bytes: int = 48 << 20
    # A PDF's last %%EOF must lie this close to the end (writers may append a little junk after it).
    eof_search_bytes: int = 4096


LAYOUT = LayoutSettings()
LIMITS = LimitSettings()
