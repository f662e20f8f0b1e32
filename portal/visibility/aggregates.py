"""Figure tables for coordinators: counts about clients, never rows, and no small count recoverable.

Counts of 1 to 4, totals included, read "< 5". Then, in the table with its margins, no row or
column may keep exactly one hidden cell (its smallest other non-zero published count is hidden
too), and every hidden count must be able to move by one with everything shown still true, for an
observer who reads "< 5" as 1..4 and "•" as 5 or more (zeros are shown), or else the smallest
published count that frees it is hidden as well: a count that can be either of two values cannot
be worked out from the totals. Where the labels alone pin a count down (four ones under a total
below 5; a "•" total its small parts can only just reach) no hiding helps against that observer;
the count is then still kept from one who takes "•" for any count, and only four ones under a
small total defeat both.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

SMALL_COUNT = 5


class Suppression(StrEnum):
    small = "small"  # primary: the true count is 1..4
    complementary = "complementary"  # secondary: hidden only so that another cell stays hidden


_Position = tuple[int, int]
_Status = list[list[Suppression | None]]

# The least a "•" can hide, for the two observers the audit protects against: one who knows that
# it is never 0 nor a small count, and, where the labels leave that one nothing to guess, one who
# does not.
_FLOORS = (SMALL_COUNT, 0)


@dataclass(frozen=True)
class Cell:
    value: int | None
    reason: Suppression | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.reason is None):
            raise ValueError("a cell has either a value or a reason for hiding it")

    @property
    def label(self) -> str:
        """The text to show (plain; templates translate)."""
        if self.reason is Suppression.small:
            return f"< {SMALL_COUNT}"
        if self.reason is Suppression.complementary:
            return "•"
        return str(self.value)


@dataclass(frozen=True)
class FigureTable:
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    total: Cell


def suppress(
    rows: Sequence[str], columns: Sequence[str], counts: Sequence[Sequence[int]]
) -> FigureTable:
    """The table of ``counts`` (one sequence per row) as it may be shown, totals included."""
    if len(counts) != len(rows):
        raise ValueError(f"{len(rows)} row labels for {len(counts)} rows of counts")
    for line in counts:
        if len(line) != len(columns):
            raise ValueError(f"a row of {len(line)} counts for {len(columns)} columns")
        if any(value < 0 for value in line):
            raise ValueError("counts cannot be negative")

    # The table with its margins: row totals as the last column, column totals as the last row.
    grid = [[*line, sum(line)] for line in counts]
    grid.append([sum(line[j] for line in grid) for j in range(len(columns) + 1)])
    status: _Status = [
        [Suppression.small if 0 < value < SMALL_COUNT else None for value in line] for line in grid
    ]

    everything = [[_primary(value) for value in line] for line in grid]
    pinned = {floor: set(_exposed(grid, everything, floor)) for floor in _FLOORS}
    while True:
        _close_lines(grid, status)
        todo = [
            (position, floor)
            for floor in _FLOORS
            for position in _exposed(grid, status, floor)
            if position not in pinned[floor]
        ]
        if not todo:
            break
        _free(grid, status, *todo[0])

    def cell(i: int, j: int) -> Cell:
        reason = status[i][j]
        return Cell(None if reason else grid[i][j], reason)

    n, m = len(rows), len(columns)
    return FigureTable(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(tuple(cell(i, j) for j in range(m)) for i in range(n)),
        row_totals=tuple(cell(i, m) for i in range(n)),
        column_totals=tuple(cell(n, j) for j in range(m)),
        total=cell(n, m),
    )


def _primary(value: int) -> Suppression | None:
    if value == 0:
        return None
    return Suppression.small if value < SMALL_COUNT else Suppression.complementary


def _exposed(grid: list[list[int]], status: _Status, floor: int) -> list[_Position]:
    network = _Network(grid, status, floor)
    return [position for position in _hidden(status) if not network.protected(position)]


def _hidden(status: _Status) -> list[_Position]:
    return [(i, j) for i, line in enumerate(status) for j, reason in enumerate(line) if reason]


def _lines(status: _Status) -> list[list[_Position]]:
    height, width = len(status), len(status[0])
    across = [[(i, j) for j in range(width)] for i in range(height)]
    down = [[(i, j) for i in range(height)] for j in range(width)]
    return across + down


def _close_lines(grid: list[list[int]], status: _Status) -> None:
    """No line of the table with its margins keeps exactly one hidden cell: the first such line
    (rows before columns) gives up its smallest other non-zero published count, and so on."""
    while lone := next((line for line in _lines(status) if _count_hidden(line, status) == 1), None):
        # A lone hidden count is never zero, so the rest of its line holds a non-zero count.
        i, j = min(
            ((i, j) for i, j in lone if not status[i][j] and grid[i][j]),
            key=lambda p: grid[p[0]][p[1]],
        )
        status[i][j] = Suppression.complementary


def _count_hidden(line: list[_Position], status: _Status) -> int:
    return sum(1 for i, j in line if status[i][j])


def _free(grid: list[list[int]], status: _Status, target: _Position, floor: int) -> None:
    """Hide one more published count for ``target``: the smallest that frees it on its own, or
    failing that the smallest one in its lines, or failing that the smallest one anywhere."""
    published = sorted(
        ((i, j) for i, line in enumerate(grid) for j, value in enumerate(line)),
        key=lambda p: grid[p[0]][p[1]],
    )
    published = [(i, j) for i, j in published if grid[i][j] and not status[i][j]]
    for i, j in published:
        status[i][j] = Suppression.complementary
        if _Network(grid, status, floor).protected(target):
            return
        status[i][j] = None
    # Some count is still published: with every non-zero count hidden the target would be free.
    near = [p for p in published if p[0] == target[0] or p[1] == target[1]]
    i, j = (near or published)[0]
    status[i][j] = Suppression.complementary


class _Network:
    """The table as a circulation, to ask whether a hidden count can move.

    Nodes: a source, a sink, one per row and one per column. Each cell is an arc from its row to
    its column, each row total from the source to its row, each column total from its column to
    the sink, and the grand total from the sink back to the source; the true counts are a flow
    that balances at every node. A published count is an arc fixed at its value, a small one may
    carry 1..4, a complementary one ``floor`` or more. A hidden count can take another value, all
    else shown staying true, exactly when a cycle of the residual network runs through its arc
    (the difference between two consistent tables splits into such cycles).
    """

    def __init__(self, grid: list[list[int]], status: _Status, floor: int) -> None:
        rows, columns = len(grid) - 1, len(grid[0]) - 1
        source, sink = 0, 1
        self.ends: dict[_Position, tuple[int, int]] = {}
        self.movable: dict[_Position, tuple[bool, bool]] = {}
        self.residual: dict[int, list[tuple[int, _Position]]] = {}
        for i, line in enumerate(grid):
            for j, value in enumerate(line):
                row, column = 2 + i, 2 + rows + j
                if i < rows and j < columns:
                    tail, head = row, column
                elif i < rows:
                    tail, head = source, row
                elif j < columns:
                    tail, head = column, sink
                else:
                    tail, head = sink, source
                low, high = _bounds(value, status[i][j], floor)
                rises, falls = high is None or value < high, value > low
                self.ends[(i, j)] = (tail, head)
                self.movable[(i, j)] = (rises, falls)
                if rises:
                    self.residual.setdefault(tail, []).append((head, (i, j)))
                if falls:
                    self.residual.setdefault(head, []).append((tail, (i, j)))

    def protected(self, position: _Position) -> bool:
        """Whether the count at ``position`` can move by one while all else shown stays true."""
        tail, head = self.ends[position]
        rises, falls = self.movable[position]
        return (rises and self._reaches(head, tail, position)) or (
            falls and self._reaches(tail, head, position)
        )

    def _reaches(self, start: int, goal: int, avoid: _Position) -> bool:
        # The cell's own arcs are left out: a path from the head of its arc back to its tail closes
        # a cycle that raises it, one from the tail to the head a cycle that lowers it.
        seen, queue = {start}, deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                return True
            for neighbour, position in self.residual.get(node, ()):
                if position != avoid and neighbour not in seen:
                    seen.add(neighbour)
                    queue.append(neighbour)
        return False


def _bounds(value: int, reason: Suppression | None, floor: int) -> tuple[int, int | None]:
    if reason is Suppression.small:
        return 1, SMALL_COUNT - 1
    if reason is Suppression.complementary:
        return floor, None
    return value, value
