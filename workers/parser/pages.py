"""Classify pages: standard-table pages, performance-target pages, and narrative pages."""

from __future__ import annotations

import re

from .layout import Line, PageLayout

_COMPILER = re.compile(r"^编制(部门|单位)[：:]")
_TARGET_TITLE = re.compile(r"(部门整体|单位整体|项目支出)绩效目标表")
_PAGE_NUMBER = re.compile(r"^[-—–\s第]*\d{1,4}[-—–\s页]*$")


def is_page_number(line: Line, page: PageLayout) -> bool:
    """The page's last line, in its bottom band, below every rule, reading like "12", "- 12 -" or
    "第 12 页" (a table row holding only "208" near the foot is not one)."""
    return (line.top > page.height * 0.85 and bool(_PAGE_NUMBER.match(line.text))
            and line is page.lines[-1] and all(r.top < line.top for r in page.hrules))


def body_lines(page: PageLayout) -> list[Line]:
    """The page's lines without its page number."""
    return [ln for ln in page.lines if not is_page_number(ln, page)]


def has_compiler_line(page: PageLayout) -> bool:
    return any(_COMPILER.match(ln.text) for ln in page.lines[:12])


def has_target_title(page: PageLayout) -> bool:
    return any(_TARGET_TITLE.fullmatch(ln.text.replace(" ", "")) for ln in page.lines[:6])
