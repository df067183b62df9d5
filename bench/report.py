"""The shape every scenario returns, and how bench/RESULTS.md is written from it.

A scenario answers a list of `Section`s: a table whose rows put each figure next to the floor
measured in the same run, so RESULTS.md can be read without knowing the machine.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    intro: str = ""
    notes: list[str] = field(default_factory=list)

    def add(self, *cells) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: a row has {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))


def ratio(value: float, floor: float) -> str:
    """`value / floor` as `0.42×`, or `n/a` when the floor is missing or zero."""
    if not floor:
        return "n/a"
    return f"{value / floor:.2f}×"


def cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def section_markdown(section: Section, level: int = 3) -> str:
    lines = [f"{'#' * level} {section.title}", ""]
    if section.intro:
        lines += [section.intro, ""]
    if section.rows:
        lines.append("| " + " | ".join(section.columns) + " |")
        lines.append("|" + "|".join("---" for _ in section.columns) + "|")
        lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in section.rows]
        lines.append("")
    lines += [f"- {note}" for note in section.notes]
    if section.notes:
        lines.append("")
    return "\n".join(lines)
