"""Join the three places a project is printed (table 7, section 七, 项目支出绩效目标表) into `Project`s,
and table 11's lines with section 十一's notes into `Carryover`s, following MODEL.md.

Pure functions over already-parsed parts: no PDF, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from workers.model import (
    Carryover,
    Project,
    ProjectDescription,
    ProjectLine,
    ProjectPerformance,
    Table,
)

# Documents print the same bracket in several styles; MODEL.md treats them as one.
_BRACKETS = str.maketrans({"〔": "[", "〕": "]", "【": "[", "】": "]", "［": "[", "］": "]",
                           "（": "(", "）": ")"})
_SPACE = re.compile(r"\s+")
_AMOUNT_TOL = 0.005  # figures are printed to 2 decimals
_JOIN = "；"
_TEXT_FIELDS = tuple(f for f in ProjectDescription.__struct_fields__ if f != "scale")


class CarryoverNote(msgspec.Struct, kw_only=True):
    """One item of section 十一: "<name> 24.00 万元，主要用于：<purpose>"."""

    name: str
    amount: float | None = None
    purpose: str | None = None


def normalise_name(text: str | None) -> str:
    """The matching key of a printed name: no whitespace, one bracket style, half-width parentheses."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    return _SPACE.sub("", text)


def same_unit(a: str | None, b: str | None) -> bool:
    """Lenient unit equality: the same unit is printed with or without a prefix (新疆维吾尔…) or suffix."""
    na, nb = normalise_name(a), normalise_name(b)
    if not na or not nb:
        return True
    return na in nb or nb in na


def same_amount(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= _AMOUNT_TOL


def merge_descriptions(parts: list[ProjectDescription]) -> ProjectDescription:
    """One description from several printed ones: scales add up, distinct texts are joined with "；"."""
    if len(parts) == 1:
        return parts[0]
    scales = [p.scale for p in parts if p.scale is not None]
    merged: dict[str, object] = {"scale": round(sum(scales), 2) if scales else None}
    for name in _TEXT_FIELDS:
        values: list[str] = []
        for part in parts:
            value = getattr(part, name)
            if value and value not in values:
                values.append(value)
        merged[name] = _JOIN.join(values) if values else None
    return ProjectDescription(**merged)


@dataclass
class _Draft:
    """A project while it is being joined; becomes a `Project` at the end."""

    name: str
    unit: str | None
    lines: list[ProjectLine] = field(default_factory=list)
    descriptions: list[ProjectDescription] = field(default_factory=list)
    described_as: set[str] = field(default_factory=set)  # normalised names of its section-七 entries
    performance: ProjectPerformance | None = None

    @property
    def key(self) -> str:
        return normalise_name(self.name)

    def line_amount(self) -> float | None:
        totals = [line.values.get("total") for line in self.lines]
        totals = [t for t in totals if t is not None]
        return round(sum(totals), 2) if totals else None

    def amount(self) -> float | None:
        line_amount = self.line_amount()
        if line_amount is not None:
            return line_amount
        description = self.description()
        if description is not None and description.scale is not None:
            return description.scale
        return self.performance.total if self.performance is not None else None

    def description(self) -> ProjectDescription | None:
        return merge_descriptions(self.descriptions) if self.descriptions else None


class _Joiner:
    def __init__(self, drafts: list[_Draft]) -> None:
        self.drafts = drafts
        self.warnings: list[str] = []
        # Units only constrain matching when the document has several of them (MODEL.md).
        self.multi_unit = len({normalise_name(d.unit) for d in drafts if d.unit}) > 1

    def _unit_ok(self, draft: _Draft, unit: str | None) -> bool:
        return not self.multi_unit or same_unit(draft.unit, unit)

    def _by_amount(
        self, amount: float | None, unit: str | None, free: Callable[[_Draft], bool]
    ) -> _Draft | None:
        """The single table-7 project with this amount that has no such part yet (else None).

        A printed unit narrows the candidates too: joining across units by amount alone is a guess.
        """
        candidates = [d for d in self.drafts if d.lines and free(d) and self._unit_ok(d, unit)
                      and same_amount(d.line_amount(), amount)]
        return candidates[0] if len(candidates) == 1 else None

    def _by_amount_or_own(self, what: str, name: str, amount: float | None, unit: str | None,
                          free: Callable[[_Draft], bool], default_unit: str | None) -> _Draft:
        """MODEL.md's second and third choices for a part no project is named like: the one table-7
        project with its amount that has no such part yet, else a project of its own (each with a warning)."""
        target = self._by_amount(amount, unit, free)
        if target is not None:
            self.warnings.append(f"{what} joined to table-7 project “{target.name}” by its amount {_fmt(amount)}")
            return target
        target = _Draft(name=name, unit=unit or default_unit)
        self.drafts.append(target)
        self.warnings.append(f"{what} matches no table-7 project; kept on its own")
        return target

    def add_description(self, name: str, description: ProjectDescription, default_unit: str | None) -> None:
        key, unit = normalise_name(name), description.executing_unit
        named = [d for d in self.drafts if d.key == key and self._unit_ok(d, unit)]
        target = next((d for d in named if not d.descriptions), None)
        if target is None:
            # Section 七 may describe one project several times (once per table-7 line, say).
            target = next((d for d in self.drafts if key in d.described_as and self._unit_ok(d, unit)), None)
        if target is None:
            target = self._by_amount_or_own(f"project description “{name}”", name, description.scale, unit,
                                            lambda d: not d.descriptions, default_unit)
        target.descriptions.append(description)
        target.described_as.add(key)

    def add_target(self, name: str, performance: ProjectPerformance, default_unit: str | None) -> None:
        key, unit = normalise_name(name), performance.unit
        target = next((d for d in self.drafts
                       if d.key == key and d.performance is None and self._unit_ok(d, unit)), None)
        if target is None:
            target = self._by_amount_or_own(f"performance target table “{name}”", name, performance.total, unit,
                                            lambda d: d.performance is None, default_unit)
        target.performance = performance


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _table7_drafts(table7: Table | None, default_unit: str | None) -> list[_Draft]:
    """Table-7 lines grouped by (normalised project name, unit), in first-appearance order."""
    drafts: dict[tuple[str, str], _Draft] = {}
    if table7 is None:
        return []
    for row in table7.rows:
        if row.kind != "line" or not row.project:
            continue  # 类/款 subtotal rows carry no project
        unit = row.unit or default_unit
        key = (normalise_name(row.project), normalise_name(unit))
        draft = drafts.setdefault(key, _Draft(name=row.project, unit=unit))
        draft.lines.append(ProjectLine(code=row.code, name=row.name, values=dict(row.values)))
    return list(drafts.values())


def join_projects(
    table7: Table | None,
    descriptions: list[tuple[str, ProjectDescription]],
    targets: list[tuple[str, ProjectPerformance]],
    default_unit: str | None = None,
) -> tuple[list[Project], list[str]]:
    """Projects from table 7, section 七 and the target tables, each list in printed order.

    `default_unit` is the unit of single-unit documents (table 7 compiler / department name),
    used where no unit is printed. Returns the projects and warnings about uncertain joins.
    """
    joiner = _Joiner(_table7_drafts(table7, default_unit))
    for name, description in descriptions:
        joiner.add_description(name, description, default_unit)
    for name, performance in targets:
        joiner.add_target(name, performance, default_unit)
    projects = [
        Project(id=f"p{i}", name=d.name, unit=d.unit, amount=d.amount(), lines=d.lines,
                description=d.description(), performance=d.performance)
        for i, d in enumerate(joiner.drafts, start=1)
    ]
    return projects, joiner.warnings + _scale_warnings(projects)


def _scale_warnings(projects: list[Project]) -> list[str]:
    """A description whose 预算安排规模 disagrees with table 7 is worth a look (target totals may
    include other funds, so they are not compared)."""
    return [f"project “{p.name}”: section 七 states {_fmt(p.description.scale)}, "
            f"table 7 adds up to {_fmt(p.amount)}"
            for p in projects
            if p.lines and p.description is not None and p.description.scale is not None
            and not same_amount(p.description.scale, p.amount)]


def _match_notes(
    names: list[str], totals: list[float | None], notes: list[CarryoverNote]
) -> list[int | None]:
    """For each table-11 line, the index of its note: same normalised name, else the one equal amount."""
    matched: list[int | None] = [None] * len(names)
    used: set[int] = set()
    for i, name in enumerate(names):
        key = normalise_name(name)
        j = next((j for j, n in enumerate(notes) if j not in used and normalise_name(n.name) == key), None)
        if j is not None:
            matched[i] = j
            used.add(j)
    for i, total in enumerate(totals):
        if matched[i] is not None:
            continue
        free = [j for j, n in enumerate(notes) if j not in used and same_amount(n.amount, total)]
        rivals = [k for k, t in enumerate(totals) if matched[k] is None and same_amount(t, total)]
        if len(free) == 1 and len(rivals) == 1:  # an amount only identifies when nothing else shares it
            matched[i] = free[0]
            used.add(free[0])
    return matched


def join_carryovers(
    table11: Table | None, notes: list[CarryoverNote], default_unit: str | None = None
) -> list[Carryover]:
    """One carryover per table-11 line (not total/unit rows), with its section-十一 purpose when found."""
    if table11 is None:
        return []
    lines = [row for row in table11.rows if row.kind == "line"]
    matched = _match_notes([r.name for r in lines], [r.values.get("total") for r in lines], notes)
    return [
        Carryover(name=row.name, unit=row.unit or default_unit, values=dict(row.values),
                  purpose=notes[j].purpose if j is not None else None)
        for row, j in zip(lines, matched, strict=True)
    ]
