"""Table columns laid out to the width a table has: one column (a context, the tags, a name) takes what the
others leave; where that would be too little, the least needed columns are left out."""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.widgets import DataTable

PADDING = 1  # a DataTable's cell padding, on each side of every column
SCROLLBAR = 2  # kept free for the vertical scrollbar, shown or not, so that rows never push a column out


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    width: int  # the cells it needs (of the flexible column: the fewest it may have)
    drop: int = 0  # 0: always shown; otherwise left out where the table is too narrow, highest first
    most: int | None = None  # of the flexible column: the most it can use (None: all the room there is)

    @property
    def outer(self) -> int:
        return self.width + 2 * PADDING


def fit(columns: list[Column], table_width: int, flexible: str) -> list[Column]:
    """The columns that fit `table_width`, the `flexible` one given the room the others leave (at least its own
    `width`, at most its `most`): while it would get less, the column with the highest `drop` is left out."""
    kept = list(columns)

    def room() -> int:
        return table_width - SCROLLBAR - sum(c.outer for c in kept if c.key != flexible) - 2 * PADDING

    flex = next(c for c in columns if c.key == flexible)
    while room() < flex.width and any(c.drop for c in kept):
        kept.remove(max((c for c in kept if c.drop), key=lambda c: c.drop))
    width = max(flex.width, room() if flex.most is None else min(flex.most, room()))
    return [replace(c, width=width) if c is flex else c for c in kept]


def set_columns(table: DataTable, columns: list[Column]) -> None:
    """Empty `table` and give it `columns` (laid out again only where they have changed)."""
    if [(str(key.value), column.width) for key, column in table.columns.items()] == \
            [(c.key, c.width) for c in columns]:
        table.clear()
        return
    table.clear(columns=True)
    for column in columns:
        table.add_column(column.heading, key=column.key, width=column.width)


def widest(cells: list[str], heading: str, most: int | None = None) -> int:
    """The width a column needs for `cells` under `heading`, at most `most`."""
    width = max([len(heading), *(len(cell) for cell in cells)])
    return width if most is None else min(width, most)
