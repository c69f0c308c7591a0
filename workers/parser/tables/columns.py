"""What each printed column holds: code parts, names, or which value key of MODEL.md."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...model import TABLE_SPECS
from .grid import Column

# Roles of the non-value columns.
LEI, KUAN, XIANG, CODE, NAME, PROJECT, ITEM, LABEL_IN, LABEL_OUT = (
    "lei", "kuan", "xiang", "code", "name", "project", "item", "label_in", "label_out")

# Expenditure-side keys of the two-sided tables, in printed order (the income side has only `amount`).
_SIDE_KEYS = {1: ["amount"], 4: ["total", "general_budget", "gov_fund", "state_capital"]}


@dataclass(slots=True)
class Role:
    kind: str  # one of the roles above, or "value"
    key: str | None = None  # value columns: the column key
    side: str | None = None  # tables 1 and 4: "income" | "expenditure"


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")


def label_role(label: str) -> str:
    """Non-value roles from a leaf label; "value" for anything else."""
    t = _norm(label)
    if t in ("类", "款", "项"):
        return {"类": LEI, "款": KUAN, "项": XIANG}[t]
    if "编码" in t:
        return CODE
    if "项目名称" in t:
        return PROJECT
    if "科目名称" in t or t in ("科目", "功能分类科目"):
        return NAME
    if t == "功能分类" or t.startswith("功能分类科目") and "名称" not in t:
        return LABEL_OUT
    if t == "项目" or "支出内容" in t or t.endswith("内容"):
        return ITEM
    return "value"


def _similarity(a: str, b: str) -> float:
    """Dice coefficient over characters in order (longest common subsequence)."""
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return 2 * prev[-1] / (len(a) + len(b))


def align_keys(labels: list[str], keys: list[tuple[str, str]]) -> list[str | None]:
    """Order-preserving assignment of value columns to keys: in order when the counts agree, else the
    alignment that maximises label similarity (a document may print fewer columns than MODEL.md lists)."""
    if len(labels) == len(keys):
        return [k for k, _ in keys]
    n, m = len(labels), len(keys)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = _similarity(labels[i], keys[j][1]) + best[i + 1][j + 1]
            best[i][j] = max(take, best[i][j + 1], best[i + 1][j] if n - i > m - j else -1e9)
    out: list[str | None] = []
    i = j = 0
    while i < n:
        if j < m and abs(best[i][j] - (_similarity(labels[i], keys[j][1]) + best[i + 1][j + 1])) < 1e-9:
            out.append(keys[j][0])
            i, j = i + 1, j + 1
        elif j < m and abs(best[i][j] - best[i][j + 1]) < 1e-9:
            j += 1
        else:
            out.append(None)
            i += 1
    return out


def assign_roles(number: int, columns: list[Column]) -> list[Role]:
    """A role for every column of a table page."""
    spec_keys = TABLE_SPECS[number][2]
    roles = []
    for col in columns:
        if col.numbered == "※":
            kind = label_role(col.label)
            roles.append(Role(NAME if kind == "value" else kind))
        elif col.numbered:
            roles.append(Role("value"))
        else:
            roles.append(Role(label_role(col.label)))
    if number in (1, 4):
        _two_sided(number, columns, roles, spec_keys)
    else:
        values = [k for k, r in enumerate(roles) if r.kind == "value"]
        keys = align_keys([" ".join(columns[k].path) for k in values], spec_keys)
        for k, key in zip(values, keys, strict=True):
            roles[k].key = key
    return roles


def _two_sided(number: int, columns: list[Column], roles: list[Role], spec_keys) -> None:
    labels = {key: label for key, label in spec_keys}
    out_at = next((k for k, r in enumerate(roles) if r.kind in (LABEL_OUT, NAME)), None)
    for k, role in enumerate(roles):
        if role.kind in (ITEM, NAME, LABEL_OUT, LABEL_IN):
            role.kind = LABEL_OUT if (out_at is not None and k >= out_at) else LABEL_IN
            role.side = "expenditure" if role.kind == LABEL_OUT else "income"
    if out_at is None:
        return
    income = [k for k, r in enumerate(roles) if r.kind == "value" and k < out_at]
    spend = [k for k, r in enumerate(roles) if r.kind == "value" and k > out_at]
    for k in income:
        roles[k].key, roles[k].side = "amount", "income"
    side_keys = [(key, labels.get(key, key)) for key in _SIDE_KEYS[number]]
    if number == 4:
        side_keys[0] = ("total", "合计")
    for k, key in zip(spend, align_keys([columns[k].label for k in spend], side_keys), strict=True):
        roles[k].key, roles[k].side = key, "expenditure"
